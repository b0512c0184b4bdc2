//! GraphiQL works without internet access: the page references only files this server
//! serves (no CDN), each with its content type and long caching, under a strict
//! Content-Security-Policy; the headers editor is on so a user can send a token.

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

    let off = spawn_app_with(backend, |s| s.graphiql = false).await;
    let url = reqwest::Url::parse(&off.url("/graphql"))
        .unwrap()
        .join(&script)
        .unwrap();
    let s = off.client.get(url.clone()).send().await.unwrap().status();
    assert_eq!(s.as_u16(), 404, "{url}");
}
