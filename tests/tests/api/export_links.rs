//! Export links (`createExportLink`): a short-lived URL that downloads one export with one
//! query string without `Authorization`, for as long as the link, the session and the user
//! last; never usable for anything else, and never in place of an access token.

use chrono::Duration;
use serde_json::{Value, json};
use thidua_tests::{Backend, PASSWORD, TestApp, both, spawn_app, spawn_app_with};

use crate::exports::{get, model};

both!(
    a_link_downloads_its_export_without_a_token,
    a_link_fits_only_its_export_and_its_parameters,
    a_link_ends_with_its_time_its_session_or_its_user,
    the_link_lifetime_is_a_setting,
    links_are_minted_only_for_known_exports_by_signed_in_callers
);

const LINK: &str =
    "mutation($i: CreateExportLinkInput!) { createExportLink(input: $i) { url expiresAt } }";

async fn link(app: &TestApp, token: &str, path: &str, query: Option<&str>) -> String {
    let d = app
        .ok(
            Some(token),
            LINK,
            json!({"i": {"path": path, "query": query}}),
        )
        .await;
    d["createExportLink"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("createExportLink: {d}"))
        .to_owned()
}

/// A user with `role` on `unit`: their id and access token.
async fn user(app: &TestApp, admin: &str, name: &str, unit: &str) -> (String, String) {
    let d = app
        .ok(
            Some(admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            json!({"i": {"username": name, "displayName": name, "password": PASSWORD}}),
        )
        .await;
    let id = d["createUser"]["user"]["id"].as_str().unwrap().to_owned();
    app.ok(
        Some(admin),
        "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } } }",
        json!({"i": {"userId": id, "role": "VIEWER", "unitId": unit}}),
    )
    .await;
    (id, app.login(name, PASSWORD).await)
}

async fn setup(app: &TestApp) -> (String, String, String) {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "XL-W1", &root).await;
    model(app, &admin, "Mô hình A", "COLLECTIVE", &ward).await;
    model(app, &admin, "Mô hình B", "INDIVIDUAL", &ward).await;
    (admin, root, ward)
}

async fn a_link_downloads_its_export_without_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, _, _) = setup(&app).await;
    let d = app
        .ok(
            Some(&admin),
            LINK,
            json!({"i": {"path": "/exports/exemplars.csv", "query": "?stage=IDENTIFIED&kind=x"}}),
        )
        .await;
    // The query is bound as given (a bad filter is the export's business, not the link's).
    let url = d["createExportLink"]["url"].as_str().unwrap();
    assert!(
        url.starts_with("/exports/exemplars.csv?stage=IDENTIFIED&kind=x&link="),
        "{url}"
    );
    let expires: chrono::DateTime<chrono::Utc> = d["createExportLink"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let left = expires - chrono::Utc::now();
    assert!(
        left > Duration::minutes(4) && left <= Duration::minutes(5),
        "five minutes by default: {left}"
    );

    let url = link(
        &app,
        &admin,
        "/exports/exemplars.csv",
        Some("stage=IDENTIFIED"),
    )
    .await;
    let by_link = get(&app, None, &url).await;
    assert_eq!(by_link.status(), 200);
    let disposition = by_link.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("exemplars.csv"), "{disposition}");
    let by_link = by_link.text().await.unwrap();
    let by_token = get(
        &app,
        Some(&admin),
        "/exports/exemplars.csv?stage=IDENTIFIED",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(by_link.starts_with('\u{feff}'));
    assert_eq!(by_link, by_token, "the same file as with the token");
    // Usable more than once until it expires; a workbook and an aggregate too.
    assert_eq!(get(&app, None, &url).await.status(), 200);
    let xlsx = link(&app, &admin, "exemplarStats.xlsx", Some("groupBy=KIND")).await;
    assert!(
        xlsx.starts_with("/exports/exemplarStats.xlsx?groupBy=KIND&link="),
        "{xlsx}"
    );
    let resp = get(&app, None, &xlsx).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.unwrap().starts_with(b"PK"));
    let bare = link(&app, &admin, "/exports/reports.csv", None).await;
    assert!(bare.starts_with("/exports/reports.csv?link="), "{bare}");
    assert_eq!(get(&app, None, &bare).await.status(), 200);
}

fn token_of(url: &str) -> String {
    url.rsplit_once("link=").unwrap().1.to_owned()
}

async fn code_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body["errors"][0]["extensions"]["code"].clone())
}

async fn a_link_fits_only_its_export_and_its_parameters(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, _, ward) = setup(&app).await;
    let url = link(
        &app,
        &admin,
        "/exports/exemplars.csv",
        Some("stage=IDENTIFIED"),
    )
    .await;
    let t = token_of(&url);
    // Another export, other or more parameters, the parameters reordered: 403.
    for path in [
        format!("/exports/exemplars.xlsx?stage=IDENTIFIED&link={t}"),
        format!("/exports/commendations.csv?stage=IDENTIFIED&link={t}"),
        format!("/exports/exemplars.csv?stage=REPLICATED&link={t}"),
        format!("/exports/exemplars.csv?link={t}"),
        format!("/exports/exemplars.csv?stage=IDENTIFIED&unitSubtree={ward}&link={t}"),
    ] {
        assert_eq!(
            code_of(get(&app, None, &path).await).await,
            (403, json!("FORBIDDEN")),
            "{path}"
        );
    }
    // The link placed first still fits: only its own parameter is taken out.
    let first = format!("/exports/exemplars.csv?link={t}&stage=IDENTIFIED");
    assert_eq!(get(&app, None, &first).await.status(), 200);
    // A forged or doubled link, a link as a bearer token, a token as a link: 401.
    let (access_as_link, link_as_bearer) = (
        get(&app, None, &format!("/exports/exemplars.csv?link={admin}")).await,
        get(&app, Some(&t), "/exports/exemplars.csv?stage=IDENTIFIED").await,
    );
    assert_eq!(access_as_link.status(), 401);
    assert_eq!(link_as_bearer.status(), 401);
    for path in [
        format!("/exports/exemplars.csv?stage=IDENTIFIED&link={t}x"),
        format!("/exports/exemplars.csv?stage=IDENTIFIED&link={t}&link={t}"),
        "/exports/exemplars.csv?link=".to_owned(),
    ] {
        let resp = get(&app, None, &path).await;
        assert_eq!(resp.status(), 401, "{path}");
        assert_eq!(
            resp.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\"",
            "{path}"
        );
    }
    // A link cannot reach GraphQL either.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&t)
        .json(&json!({"query": "{ me { id } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

async fn a_link_ends_with_its_time_its_session_or_its_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, _, ward) = setup(&app).await;

    // Expired: five minutes by default.
    let url = link(&app, &admin, "/exports/exemplars.csv", None).await;
    app.clock.advance(Duration::minutes(4));
    assert_eq!(get(&app, None, &url).await.status(), 200);
    app.clock.advance(Duration::minutes(2));
    let (status, code) = code_of(get(&app, None, &url).await).await;
    assert_eq!((status, code), (401, json!("UNAUTHENTICATED")), "expired");

    // The session ends (logout): its links stop at once.
    let (uid, viewer) = user(&app, &admin, "xl-viewer", &ward).await;
    let url = link(&app, &viewer, "/exports/exemplars.csv", None).await;
    assert_eq!(get(&app, None, &url).await.status(), 200);
    app.ok(
        Some(&viewer),
        "mutation { logout { sessionId } }",
        json!({}),
    )
    .await;
    assert_eq!(get(&app, None, &url).await.status(), 401, "logged out");

    // The user is deactivated: their links stop at once.
    let viewer = app.login("xl-viewer", PASSWORD).await;
    let url = link(&app, &viewer, "/exports/exemplars.csv", None).await;
    assert_eq!(get(&app, None, &url).await.status(), 200);
    app.ok(
        Some(&admin),
        "mutation($i: UserIdInput!) { deactivateUser(input: $i) { user { isActive } } }",
        json!({"i": {"userId": uid}}),
    )
    .await;
    assert_eq!(get(&app, None, &url).await.status(), 401, "deactivated");
}

async fn the_link_lifetime_is_a_setting(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.export_link_ttl_minutes = 1).await;
    let (admin, _, _) = setup(&app).await;
    let d = app
        .ok(
            Some(&admin),
            LINK,
            json!({"i": {"path": "/exports/exemplars.csv"}}),
        )
        .await;
    let expires: chrono::DateTime<chrono::Utc> = d["createExportLink"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(expires - chrono::Utc::now() <= Duration::minutes(1));
    let url = d["createExportLink"]["url"].as_str().unwrap();
    assert_eq!(get(&app, None, url).await.status(), 200);
    app.clock.advance(Duration::seconds(70));
    assert_eq!(get(&app, None, url).await.status(), 401, "a minute later");
}

async fn links_are_minted_only_for_known_exports_by_signed_in_callers(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, _, ward) = setup(&app).await;
    for (path, query, user_code, field) in [
        (
            "/exports/secrets.csv",
            None,
            "UNKNOWN_REFERENCE",
            "input.path",
        ),
        ("/graphql", None, "UNKNOWN_REFERENCE", "input.path"),
        (
            "/exports/reports.csv",
            Some("status=APPROVED&link=x"),
            "INVALID_FORMAT",
            "input.query",
        ),
        (
            "/exports/reports.csv",
            Some("search=a b"),
            "INVALID_FORMAT",
            "input.query",
        ),
        (
            "/exports/reports.csv",
            Some(&*"a".repeat(2001)),
            "TOO_LONG",
            "input.query",
        ),
    ] {
        let a = app
            .gql(
                Some(&admin),
                LINK,
                json!({"i": {"path": path, "query": query}}),
            )
            .await;
        assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{path}: {}", a.body);
        let x = &a.body["errors"][0]["extensions"];
        assert_eq!(
            (x["userErrorCode"].as_str(), x["field"].as_str()),
            (Some(user_code), Some(field)),
            "{path}: {}",
            a.body
        );
    }
    let anon = app
        .gql(None, LINK, json!({"i": {"path": "/exports/reports.csv"}}))
        .await;
    assert_eq!(anon.error_code(), Some("UNAUTHENTICATED"), "{}", anon.body);
    // A link carries the caller's grants as they are when it is used: a viewer of a ward
    // gets a link to a province's figures, and is refused when it is used.
    let (_, viewer) = user(&app, &admin, "xl-ward", &ward).await;
    let root = app.root_unit(&admin).await;
    let url = link(
        &app,
        &viewer,
        "/exports/exemplarStats.csv",
        Some(&format!("unitId={root}")),
    )
    .await;
    assert_eq!(
        code_of(get(&app, None, &url).await).await,
        (403, json!("FORBIDDEN"))
    );
}
