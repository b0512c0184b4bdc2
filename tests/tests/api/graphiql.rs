//! GraphiQL works without internet access: the page references only files this server
//! serves (no CDN), each with its content type and long caching, under a strict
//! Content-Security-Policy; the headers editor is on so a user can send a token; and,
//! when Chromium is installed, the page renders in a browser that cannot reach the internet.

use reqwest::header::ACCEPT;
use thidua_tests::{Backend, TestApp, both, spawn_app, spawn_app_with};

both!(
    graphiql_page_references_only_assets_the_server_serves,
    graphiql_assets_are_gone_when_graphiql_is_off,
);

async fn get_page(app: &TestApp) -> reqwest::Response {
    app.client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap()
}

/// Every value of `attr="…"` in `html`.
fn attribute_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.split_once('"').map(|(v, _)| v.to_owned())
        })
        .collect()
}

/// Every `url(…)` target and `@import` in a stylesheet.
fn css_references(css: &str) -> Vec<String> {
    let mut refs: Vec<String> = css
        .match_indices("url(")
        .filter_map(|(i, _)| {
            let rest = &css[i + 4..];
            rest.split_once(')')
                .map(|(v, _)| v.trim().trim_matches(['"', '\'']).to_owned())
        })
        .collect();
    refs.extend(
        css.match_indices("@import")
            .map(|(i, _)| css[i..].chars().take(80).collect::<String>()),
    );
    refs
}

fn is_external(reference: &str) -> bool {
    let r = reference.trim().to_ascii_lowercase();
    r.starts_with("//") || (r.contains(':') && !r.starts_with("data:"))
}

async fn graphiql_page_references_only_assets_the_server_serves(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = get_page(&app).await;
    assert_eq!(resp.status().as_u16(), 200);
    let csp = resp
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{csp}"
    );
    let page_url = resp.url().clone();
    let html = resp.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    // No inline script: every <script> has a src, and there are four of them.
    let scripts = attribute_values(&html, "src");
    assert_eq!(html.matches("<script").count(), scripts.len(), "{html}");
    assert_eq!(scripts.len(), 4, "{html}");
    let styles: Vec<String> = attribute_values(&html, "href");
    assert_eq!(styles.len(), 2, "{html}");
    assert!(!html.contains("<style"), "{html}");

    let mut checked = 0;
    for (reference, want) in scripts
        .iter()
        .map(|s| (s, "text/javascript"))
        .chain(styles.iter().map(|s| (s, "text/css")))
    {
        assert!(!is_external(reference), "{reference}");
        let url = page_url.join(reference).unwrap();
        assert_eq!(url.host_str(), page_url.host_str(), "{url}");
        let resp = app.client.get(url.clone()).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{url}");
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(ct.starts_with(want), "{url}: {ct}");
        let cache = resp
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "{url}: {cache}"
        );
        let body = resp.text().await.unwrap();
        assert!(body.len() > 50, "{url}");
        if want == "text/css" {
            for r in css_references(&body) {
                assert!(!is_external(&r), "{url} references {r:.80}");
                if !r.starts_with("data:") {
                    let target = url.join(&r).unwrap();
                    let s = app
                        .client
                        .get(target.clone())
                        .send()
                        .await
                        .unwrap()
                        .status();
                    assert_eq!(s.as_u16(), 200, "{target}");
                }
            }
        }
        if reference.ends_with("init.js") {
            // The headers editor (for `Authorization`) is on and its content kept.
            assert!(body.contains("isHeadersEditorEnabled: true"), "{body}");
            assert!(body.contains("shouldPersistHeaders: true"), "{body}");
            // Queries go to the endpoint that served the page.
            assert!(body.contains("window.location.pathname"), "{body}");
        }
        checked += 1;
    }
    assert_eq!(checked, 6);

    // Another version of an asset, or a file that is not one, is not served.
    let js = page_url.join(&scripts[0]).unwrap();
    let other = js.as_str().replace("/graphiql/3.", "/graphiql/0.");
    let s = app.client.get(&other).send().await.unwrap().status();
    assert_eq!(s.as_u16(), 404, "{other}");
    let dir = js.join("Cargo.toml").unwrap();
    let s = app.client.get(dir.clone()).send().await.unwrap().status();
    assert_eq!(s.as_u16(), 404, "{dir}");
}

async fn graphiql_assets_are_gone_when_graphiql_is_off(backend: Backend) {
    let on = spawn_app(backend).await;
    let html = get_page(&on).await.text().await.unwrap();
    let script = attribute_values(&html, "src").remove(0);

    let off = spawn_app_with(backend, |s| s.http.graphiql = false).await;
    let url = reqwest::Url::parse(&off.url("/graphql"))
        .unwrap()
        .join(&script)
        .unwrap();
    let s = off.client.get(url.clone()).send().await.unwrap().status();
    assert_eq!(s.as_u16(), 404, "{url}");
}

/// The first of Debian's `chromium` (or another Chromium build) found on `PATH`.
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|p| p.is_file())
}

/// Loads the page in headless Chromium, which may fetch nothing but this server: the
/// editor renders (not "Loading…"), the headers editor is there, and GraphiQL's own
/// introspection query ran without an error. Skipped, saying so, without Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "chromium is not installed (apt-get install chromium): skipping the browser check"
        );
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let url = app.url("/graphql");
    let profile =
        std::env::temp_dir().join(format!("thidua-chromium-{}", uuid::Uuid::new_v4().simple()));
    let out = tokio::task::spawn_blocking({
        let profile = profile.clone();
        move || {
            std::process::Command::new(browser)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    // Any request that leaves this machine fails, as on an offline intranet.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                    "--virtual-time-budget=15000",
                    &format!("--user-data-dir={}", profile.display()),
                    "--dump-dom",
                    &url,
                ])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    let head: String = dom.chars().take(2000).collect();
    assert!(
        dom.contains("graphiql-container"),
        "not rendered: {head}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("CodeMirror"), "no editor: {head}");
    assert!(dom.contains(">Headers<"), "no headers editor: {head}");
    assert!(!dom.contains("Loading…"), "{head}");

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("thidua_graphql_requests_total{operation=\"IntrospectionQuery\"}"),
        "GraphiQL sent no introspection query: {metrics}"
    );
    assert!(
        !metrics.contains("thidua_graphql_errors_total{"),
        "{metrics}"
    );
}
