//! Machine clients: registering them (bad inputs with their codes), `POST /oauth/token`
//! and every RFC 6749 §5.2 error case, secret rotation with an overlap, disabling, and
//! the audit trail and metrics naming the client. The permission matrix for clients is in
//! `permissions.rs`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app};

both!(
    the_token_endpoint_answers_every_rfc_error_case,
    a_token_carries_the_scopes_asked_for_and_lives_the_client_ttl,
    a_rotated_secret_works_during_the_overlap_and_not_after,
    a_disabled_client_gets_no_token_and_its_tokens_stop_working_at_once,
    a_client_of_a_deactivated_unit_is_refused_at_once,
    bad_inputs_to_the_client_mutations_have_their_codes,
    only_administrators_of_the_owner_unit_manage_and_list_clients,
    the_audit_trail_and_the_metrics_name_the_client,
    failed_client_authentications_are_throttled,
    listing_clients_and_a_client_request_cost_a_fixed_number_of_statements,
);

pub const CREATE: &str = "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { \
    apiClient { id clientId name scopes disabled ownerUnit { code } subtreeUnit { code } } \
    clientSecret userErrors { field code } } }";
const ROTATE: &str = "mutation($i: RotateApiClientSecretInput!) { rotateApiClientSecret(input: $i) { \
    apiClient { id } clientSecret userErrors { field code } } }";
const DISABLE: &str = "mutation($i: DisableApiClientInput!) { disableApiClient(input: $i) { \
    apiClient { id disabled disabledReason } userErrors { field code } } }";

/// A registered client: its global id, OAuth client id and secret.
pub struct Client {
    pub id: String,
    pub client_id: String,
    pub secret: String,
}

/// Registers a client (as `admin`) owned by `owner` with `scopes`.
pub async fn create_client(
    app: &TestApp,
    admin: &str,
    name: &str,
    owner: &str,
    scopes: &[&str],
) -> Client {
    let d = app
        .ok(
            Some(admin),
            CREATE,
            json!({"i": {"name": name, "ownerUnitId": owner, "scopes": scopes}}),
        )
        .await;
    let p = &d["createApiClient"];
    assert_eq!(p["userErrors"], json!([]), "{d}");
    Client {
        id: p["apiClient"]["id"].as_str().unwrap().to_owned(),
        client_id: p["apiClient"]["clientId"].as_str().unwrap().to_owned(),
        secret: p["clientSecret"].as_str().unwrap().to_owned(),
    }
}

/// The answer of a token request.
pub struct TokenAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TokenAnswer {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

/// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 writes it.
pub fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// `POST /oauth/token` with `body` (already form-encoded) and `authorization`.
pub async fn token_request(app: &TestApp, body: &str, authorization: Option<&str>) -> TokenAnswer {
    let mut req = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    TokenAnswer {
        status,
        headers,
        body,
    }
}

/// A bearer token for `client` with all its scopes.
pub async fn client_token(app: &TestApp, client: &Client) -> String {
    let t = token_request(
        app,
        "grant_type=client_credentials",
        Some(&basic(&client.client_id, &client.secret)),
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
    t.body["access_token"].as_str().unwrap().to_owned()
}

fn header<'a>(t: &'a TokenAnswer, name: &str) -> Option<&'a str> {
    t.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Asserts an RFC 6749 §5.2 error answer: status, code, `no-store`, and the Basic
/// challenge exactly on a 401.
fn assert_oauth_error(case: &str, t: &TokenAnswer, status: u16, error: &str) {
    assert_eq!((t.status, t.error()), (status, error), "{case}: {}", t.body);
    assert!(
        t.body["error_description"].is_string(),
        "{case}: {}",
        t.body
    );
    assert_eq!(header(t, "cache-control"), Some("no-store"), "{case}");
    let challenge = header(t, "www-authenticate");
    if status == 401 {
        assert!(
            challenge.is_some_and(|c| c.starts_with("Basic")),
            "{case}: {challenge:?}"
        );
    } else {
        assert_eq!(challenge, None, "{case}");
    }
}

async fn the_token_endpoint_answers_every_rfc_error_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let c = create_client(&app, &admin, "portal", &root, &["reports:read"]).await;
    let good = basic(&c.client_id, &c.secret);
    let grant = "grant_type=client_credentials";
    let form_creds = format!(
        "{grant}&client_id={}&client_secret={}",
        c.client_id, c.secret
    );
    let cases: Vec<(&str, String, Option<String>, u16, &str)> = vec![
        (
            "missing grant_type",
            String::new(),
            Some(good.clone()),
            400,
            "invalid_request",
        ),
        (
            "missing grant_type, scope only",
            "scope=reports%3Aread".into(),
            Some(good.clone()),
            400,
            "invalid_request",
        ),
        (
            "wrong grant_type",
            "grant_type=password&username=a&password=b".into(),
            Some(good.clone()),
            400,
            "unsupported_grant_type",
        ),
        (
            "authorization_code is not supported either",
            "grant_type=authorization_code&code=x".into(),
            Some(good.clone()),
            400,
            "unsupported_grant_type",
        ),
        (
            "repeated parameter",
            format!("{grant}&{grant}"),
            Some(good.clone()),
            400,
            "invalid_request",
        ),
        (
            "bad Basic encoding",
            grant.into(),
            Some("Basic %%%not-base64".into()),
            401,
            "invalid_client",
        ),
        (
            "Basic without a colon",
            grant.into(),
            Some(format!("Basic {}", STANDARD.encode("just-an-id"))),
            401,
            "invalid_client",
        ),
        (
            "another scheme",
            grant.into(),
            Some("Bearer abc".into()),
            401,
            "invalid_client",
        ),
        (
            "wrong secret (Basic)",
            grant.into(),
            Some(basic(&c.client_id, "thidua_cs_wrong")),
            401,
            "invalid_client",
        ),
        (
            "wrong secret (form)",
            format!("{grant}&client_id={}&client_secret=wrong", c.client_id),
            None,
            401,
            "invalid_client",
        ),
        (
            "unknown client",
            grant.into(),
            Some(basic(&uuid::Uuid::now_v7().to_string(), &c.secret)),
            401,
            "invalid_client",
        ),
        (
            "client id not a uuid",
            grant.into(),
            Some(basic("portal", &c.secret)),
            401,
            "invalid_client",
        ),
        (
            "no client authentication",
            grant.into(),
            None,
            401,
            "invalid_client",
        ),
        (
            "client_id without a secret",
            format!("{grant}&client_id={}", c.client_id),
            None,
            400,
            "invalid_request",
        ),
        (
            "both Basic and form",
            form_creds.clone(),
            Some(good.clone()),
            400,
            "invalid_request",
        ),
        (
            "scope outside the client's",
            format!("{grant}&scope=reports%3Aread+reports%3Awrite"),
            Some(good.clone()),
            400,
            "invalid_scope",
        ),
        (
            "unknown scope",
            format!("{grant}&scope=admin"),
            Some(good.clone()),
            400,
            "invalid_scope",
        ),
        (
            "a NUL in the client id",
            format!("{grant}&client_id=a%00b&client_secret=s"),
            None,
            401,
            "invalid_client",
        ),
        (
            "a 10,000-character secret",
            format!(
                "{grant}&client_id={}&client_secret={}",
                c.client_id,
                "s".repeat(10_000)
            ),
            None,
            400,
            "invalid_request",
        ),
        (
            "a 500-character scope",
            format!("{grant}&scope={}", "reports%3Aread+".repeat(40)),
            Some(good.clone()),
            400,
            "invalid_scope",
        ),
        (
            "a NUL in the form",
            format!("{grant}&scope=%00"),
            Some(good.clone()),
            400,
            "invalid_scope",
        ),
    ];
    for (case, body, auth, status, error) in cases {
        let t = token_request(&app, &body, auth.as_deref()).await;
        assert_oauth_error(case, &t, status, error);
    }
    // Not a form, or too large a body.
    let json_body = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/json")
        .header("authorization", &good)
        .body(r#"{"grant_type":"client_credentials"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status().as_u16(), 400);
    assert_eq!(
        json_body.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    let big = format!("{grant}&pad={}", "x".repeat(5000));
    let t = token_request(&app, &big, Some(&good)).await;
    assert_oauth_error("body too large", &t, 400, "invalid_request");
    // The good ones still work, by Basic and by form.
    let t = token_request(&app, grant, Some(&good)).await;
    assert_eq!(t.status, 200, "{}", t.body);
    let t = token_request(&app, &form_creds, None).await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(header(&t, "cache-control"), Some("no-store"));
    // GET is no token request.
    let get = app
        .client
        .get(app.url("/oauth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 404);
}

async fn a_token_carries_the_scopes_asked_for_and_lives_the_client_ttl(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let c = create_client(
        &app,
        &admin,
        "stats-system",
        &root,
        &["reports:read", "targets:read", "campaigns:read"],
    )
    .await;
    let auth = basic(&c.client_id, &c.secret);
    let all = token_request(&app, "grant_type=client_credentials", Some(&auth)).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["token_type"], "Bearer");
    assert_eq!(all.body["expires_in"], 300);
    assert_eq!(
        all.body["scope"],
        "targets:read campaigns:read reports:read"
    );
    assert_eq!(header(&all, "cache-control"), Some("no-store"));
    assert_eq!(header(&all, "pragma"), Some("no-cache"));
    // Narrower: only what is asked for, whatever the order or repetition.
    let narrow = token_request(
        &app,
        "grant_type=client_credentials&scope=reports%3Aread+reports%3Aread",
        Some(&auth),
    )
    .await;
    assert_eq!(narrow.body["scope"], "reports:read", "{}", narrow.body);
    let token = narrow.body["access_token"].as_str().unwrap();
    // The narrowed token reads reports but not campaigns.
    let reports = app
        .gql(Some(token), "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(
        reports.body["data"]["reports"]["totalCount"], 0,
        "{}",
        reports.body
    );
    let campaigns = app
        .gql(Some(token), "{ campaigns { totalCount } }", json!({}))
        .await;
    assert_eq!(
        campaigns.error_code(),
        Some("FORBIDDEN"),
        "{}",
        campaigns.body
    );
    // Past its lifetime it is refused like any expired token.
    app.clock.advance(chrono::Duration::seconds(306));
    let late = app
        .gql(Some(token), "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(late.status, 401, "{}", late.body);
}

async fn a_rotated_secret_works_during_the_overlap_and_not_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let c = create_client(&app, &admin, "e-office", &root, &["commendations:read"]).await;
    let rotated = app
        .ok(
            Some(&admin),
            ROTATE,
            json!({"i": {"id": c.id, "overlapSeconds": 600}}),
        )
        .await;
    let new_secret = rotated["rotateApiClientSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, c.secret);
    let grant = "grant_type=client_credentials";
    let old = basic(&c.client_id, &c.secret);
    let new = basic(&c.client_id, &new_secret);
    // Both work during the overlap.
    assert_eq!(token_request(&app, grant, Some(&old)).await.status, 200);
    assert_eq!(token_request(&app, grant, Some(&new)).await.status, 200);
    // After it, only the new one.
    app.clock.advance(chrono::Duration::seconds(601));
    let t = token_request(&app, grant, Some(&old)).await;
    assert_oauth_error("old secret after the overlap", &t, 401, "invalid_client");
    assert_eq!(token_request(&app, grant, Some(&new)).await.status, 200);
    // Rotating with no overlap retires the current secret at once.
    let again = app
        .ok(Some(&admin), ROTATE, json!({"i": {"id": c.id}}))
        .await;
    let newest = again["rotateApiClientSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = token_request(&app, grant, Some(&new)).await;
    assert_oauth_error("retired at once", &t, 401, "invalid_client");
    assert_eq!(
        token_request(&app, grant, Some(&basic(&c.client_id, &newest)))
            .await
            .status,
        200
    );
}

async fn a_disabled_client_gets_no_token_and_its_tokens_stop_working_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let c = create_client(&app, &admin, "old-portal", &root, &["reports:read"]).await;
    let token = client_token(&app, &c).await;
    let q = "{ reports { totalCount } }";
    assert_eq!(
        app.gql(Some(&token), q, json!({})).await.body["data"]["reports"]["totalCount"],
        0
    );
    let d = app
        .ok(
            Some(&admin),
            DISABLE,
            json!({"i": {"id": c.id, "reason": "contract ended"}}),
        )
        .await;
    assert_eq!(d["disableApiClient"]["apiClient"]["disabled"], true, "{d}");
    assert_eq!(
        d["disableApiClient"]["apiClient"]["disabledReason"],
        "contract ended"
    );
    // Its token is refused on the very next request.
    let refused = app.gql(Some(&token), q, json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"));
    // And it gets no new one, with the right secret.
    let t = token_request(
        &app,
        "grant_type=client_credentials",
        Some(&basic(&c.client_id, &c.secret)),
    )
    .await;
    assert_oauth_error("disabled client", &t, 401, "invalid_client");
    // A disabled client's secret cannot be rotated back to life.
    let r = app
        .ok(Some(&admin), ROTATE, json!({"i": {"id": c.id}}))
        .await;
    assert_eq!(
        r["rotateApiClientSecret"]["userErrors"][0]["code"], "INACTIVE",
        "{r}"
    );
    assert_eq!(r["rotateApiClientSecret"]["clientSecret"], Value::Null);
}

/// The userErrors (field, code) of a createApiClient with `input`.
async fn create_errors(app: &TestApp, admin: &str, input: Value) -> Vec<(String, String)> {
    let d = app.ok(Some(admin), CREATE, json!({"i": input})).await;
    assert_eq!(d["createApiClient"]["apiClient"], Value::Null, "{d}");
    assert_eq!(d["createApiClient"]["clientSecret"], Value::Null, "{d}");
    d["createApiClient"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The global id of a `T` that does not exist.
fn unknown<T: thidua_api::ids::Global>() -> String {
    thidua_api::ids::encode(thidua_domain::id::Id::<T>::from_uuid(uuid::Uuid::now_v7())).to_string()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

async fn bad_inputs_to_the_client_mutations_have_their_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "WARD-A", &root).await;
    let other = app.create_unit(&admin, "WARD-B", &root).await;
    let ok = |name: &str| json!({"name": name, "ownerUnitId": root, "scopes": ["reports:read"]});
    let with = |patch: Value| {
        let mut v = ok("fine-name");
        for (k, x) in patch.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let cases = vec![
        (with(json!({"name": ""})), vec![pair("name", "REQUIRED")]),
        (
            with(json!({"name": "ab"})),
            vec![pair("name", "INVALID_FORMAT")],
        ),
        (
            with(json!({"name": "Has Space"})),
            vec![pair("name", "INVALID_FORMAT")],
        ),
        (
            with(json!({"name": "nul\u{0}byte"})),
            vec![pair("name", "INVALID_FORMAT")],
        ),
        (
            with(json!({"name": "x".repeat(65)})),
            vec![pair("name", "TOO_LONG")],
        ),
        (
            with(json!({"name": "x".repeat(10_000)})),
            vec![pair("name", "TOO_LONG")],
        ),
        (
            with(json!({"scopes": []})),
            vec![pair("scopes", "REQUIRED")],
        ),
        (
            with(json!({"scopes": ["reports:read", "admin"]})),
            vec![pair("scopes.1", "UNKNOWN_SCOPE")],
        ),
        (
            with(json!({"scopes": vec!["reports:read"; 17]})),
            vec![pair("scopes", "TOO_MANY")],
        ),
        (
            with(json!({"name": "", "scopes": ["x".repeat(5000)]})),
            vec![pair("name", "REQUIRED"), pair("scopes.0", "UNKNOWN_SCOPE")],
        ),
        (
            with(json!({"ownerUnitId": "not-an-id"})),
            vec![pair("ownerUnitId", "INVALID_FORMAT")],
        ),
        (
            with(json!({"ownerUnitId": unknown::<thidua_domain::id::of::OrgUnit>()})),
            vec![pair("ownerUnitId", "UNKNOWN_REFERENCE")],
        ),
        (
            with(json!({"ownerUnitId": ward, "subtreeUnitId": other})),
            vec![pair("subtreeUnitId", "INVALID_PARENT")],
        ),
    ];
    for (input, expected) in cases {
        let got = create_errors(&app, &admin, input.clone()).await;
        assert_eq!(got, expected, "{input}");
    }
    // A name is unique.
    let c = create_client(&app, &admin, "taken-name", &root, &["reports:read"]).await;
    assert_eq!(
        create_errors(&app, &admin, ok("taken-name")).await,
        vec![pair("name", "DUPLICATE")]
    );
    // Rotation and disabling check theirs.
    for (input, field, code) in [
        (
            json!({"id": c.id, "overlapSeconds": -1}),
            "overlapSeconds",
            "OUT_OF_RANGE",
        ),
        (
            json!({"id": c.id, "overlapSeconds": 2_592_001}),
            "overlapSeconds",
            "OUT_OF_RANGE",
        ),
        (json!({"id": "nope"}), "id", "INVALID_FORMAT"),
    ] {
        let d = app.ok(Some(&admin), ROTATE, json!({"i": input})).await;
        assert_eq!(
            d["rotateApiClientSecret"]["userErrors"],
            json!([{"field": field, "code": code}]),
            "{input}"
        );
    }
    for (reason, code) in [
        ("   ", "REQUIRED"),
        ("a\u{7}b", "INVALID_FORMAT"),
        (&*"r".repeat(501), "TOO_LONG"),
    ] {
        let d = app
            .ok(
                Some(&admin),
                DISABLE,
                json!({"i": {"id": c.id, "reason": reason}}),
            )
            .await;
        assert_eq!(
            d["disableApiClient"]["userErrors"],
            json!([{"field": "reason", "code": code}]),
            "{reason:?}"
        );
    }
    // An id of no client: NOT_FOUND.
    let missing = unknown::<thidua_domain::id::of::ApiClient>();
    let d = app
        .gql(Some(&admin), ROTATE, json!({"i": {"id": missing}}))
        .await;
    assert_eq!(d.error_code(), Some("NOT_FOUND"), "{}", d.body);
}

async fn only_administrators_of_the_owner_unit_manage_and_list_clients(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "WARD-A", &root).await;
    let ward_admin = app
        .user_with_role(&admin, "admin.phuong", "ADMIN", &ward)
        .await;
    let manager = app
        .user_with_role(&admin, "quan.ly", "MANAGER", &root)
        .await;
    let province = create_client(&app, &admin, "province-portal", &root, &["reports:read"]).await;
    // A ward administrator registers clients for the ward, not for the province.
    let mine = create_client(&app, &ward_admin, "ward-app", &ward, &["reports:write"]).await;
    let refused = app
        .gql(
            Some(&ward_admin),
            CREATE,
            json!({"i": {"name": "grab", "ownerUnitId": root, "scopes": ["reports:read"]}}),
        )
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    for (q, v) in [
        (ROTATE, json!({"i": {"id": province.id}})),
        (
            DISABLE,
            json!({"i": {"id": province.id, "reason": "mine now"}}),
        ),
    ] {
        let a = app.gql(Some(&ward_admin), q, v).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    }
    // A manager administers no client at all.
    let a = app
        .gql(
            Some(&manager),
            CREATE,
            json!({"i": {"name": "mgr-app", "ownerUnitId": root, "scopes": ["reports:read"]}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    let list = "{ apiClients(first: 10) { totalCount edges { node { name clientId scopes } } } }";
    let names = |d: &Value| -> Vec<String> {
        d["apiClients"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.ok(Some(&admin), list, json!({})).await;
    assert_eq!(names(&all), vec!["province-portal", "ward-app"]);
    assert_eq!(all["apiClients"]["totalCount"], 2);
    let ward_view = app.ok(Some(&ward_admin), list, json!({})).await;
    assert_eq!(names(&ward_view), vec!["ward-app"]);
    assert_eq!(ward_view["apiClients"]["totalCount"], 1);
    let mgr_view = app.ok(Some(&manager), list, json!({})).await;
    assert_eq!(mgr_view["apiClients"]["totalCount"], 0);
    // Keyset pages: one, then the next.
    let first = app
        .ok(
            Some(&admin),
            "{ apiClients(first: 1) { edges { cursor node { name } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(first["apiClients"]["pageInfo"]["hasNextPage"], true);
    let after = first["apiClients"]["edges"][0]["cursor"].clone();
    let second = app
        .ok(
            Some(&admin),
            "query($a: String) { apiClients(first: 1, after: $a) { edges { node { name } } pageInfo { hasNextPage } } }",
            json!({"a": after}),
        )
        .await;
    assert_eq!(second["apiClients"]["edges"][0]["node"]["name"], "ward-app");
    assert_eq!(second["apiClients"]["pageInfo"]["hasNextPage"], false);
    // A client never lists or manages clients, whatever its scopes.
    let token = client_token(&app, &mine).await;
    let a = app.gql(Some(&token), list, json!({})).await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    let a = app
        .gql(Some(&token), ROTATE, json!({"i": {"id": mine.id}}))
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
}

async fn the_audit_trail_and_the_metrics_name_the_client(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = crate::reports::field(&app).await;
    let c = create_client(&app, &f.admin, "ward-a-app", &f.ward_a, &["reports:write"]).await;
    let token = client_token(&app, &c).await;
    let p = crate::reports::submit(
        &app,
        &token,
        vec![f.report(uuid::Uuid::now_v7(), &f.ward_a, 3)],
    )
    .await;
    assert_eq!(p["results"][0]["status"], "ACCEPTED", "{p}");
    let report_id = p["results"][0]["report"]["id"].as_str().unwrap().to_owned();
    let log = app
        .ok(
            Some(&f.admin),
            "query($e: ID) { auditLog(filter: {entityId: $e}) { edges { node { action actor { username } actorLabel actorClientId } } } }",
            json!({"e": report_id}),
        )
        .await;
    assert_eq!(
        log["auditLog"]["edges"][0]["node"],
        json!({"action": "submit", "actor": null, "actorLabel": "ward-a-app", "actorClientId": c.id}),
        "{log}"
    );
    // The client's registration is the administrator's doing.
    let log = app
        .ok(
            Some(&f.admin),
            "query($e: ID) { auditLog(filter: {entityId: $e}) { edges { node { action actor { username } actorClientId } } } }",
            json!({"e": c.id}),
        )
        .await;
    assert_eq!(
        log["auditLog"]["edges"][0]["node"],
        json!({"action": "create", "actor": {"username": "admin"}, "actorClientId": null}),
        "{log}"
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("thidua_client_requests_total{client=\"ward-a-app\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("thidua_oauth_token_requests_total{outcome=\"granted\"} 1"),
        "{metrics}"
    );
}

async fn failed_client_authentications_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let c = create_client(&app, &admin, "guessed", &root, &["reports:read"]).await;
    let grant = "grant_type=client_credentials";
    for _ in 0..5 {
        let t = token_request(&app, grant, Some(&basic(&c.client_id, "wrong"))).await;
        assert_eq!(t.error(), "invalid_client");
    }
    // Locked out, even with the right secret, until Retry-After has passed.
    let t = token_request(&app, grant, Some(&basic(&c.client_id, &c.secret))).await;
    assert_eq!(
        (t.status, t.error()),
        (429, "temporarily_unavailable"),
        "{}",
        t.body
    );
    let wait: u64 = header(&t, "retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 200)).await;
    let t = token_request(&app, grant, Some(&basic(&c.client_id, &c.secret))).await;
    assert_eq!(t.status, 200, "{}", t.body);
}

async fn listing_clients_and_a_client_request_cost_a_fixed_number_of_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "WARD-A", &root).await;
    let list = "query($n: Int) { apiClients(first: $n) { totalCount edges { node { name \
        ownerUnit { code } subtreeUnit { code } createdBy { username } } } } }";
    for i in 0..12 {
        create_client(
            &app,
            &admin,
            &format!("client-{i:02}"),
            &root,
            &["reports:read"],
        )
        .await;
    }
    let count = |n: i64| {
        let (app, admin) = (&app, &admin);
        async move {
            let before = app.db.statements_run();
            let d = app.ok(Some(admin), list, json!({"n": n})).await;
            let after = app.db.statements_run();
            let edges = d["apiClients"]["edges"].as_array().unwrap().len();
            (after - before, edges)
        }
    };
    let (three, n3) = count(3).await;
    let (twelve, n12) = count(12).await;
    assert_eq!((n3, n12), (3, 12));
    assert_eq!(
        three, twelve,
        "{three} statements for 3 clients, {twelve} for 12"
    );
    // caller + page + count + units + users
    assert!(twelve <= 5, "{twelve}");
    // A client's request: the client as it is now (one statement), then the work.
    let c = create_client(&app, &admin, "ward-reader", &ward, &["reports:read"]).await;
    let token = client_token(&app, &c).await;
    let before = app.db.statements_run();
    let d = app
        .ok(
            Some(&token),
            "{ reports(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let ran = app.db.statements_run() - before;
    assert_eq!(d["reports"]["edges"], json!([]));
    assert!(ran <= 2, "a client's request ran {ran} statements");
}

async fn a_client_of_a_deactivated_unit_is_refused_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "WARD-GONE", &root).await;
    let c = create_client(&app, &admin, "ward-gone-app", &ward, &["reports:read"]).await;
    let token = client_token(&app, &c).await;
    let q = "{ reports { totalCount } }";
    assert_eq!(app.gql(Some(&token), q, json!({})).await.status, 200);
    app.ok(
        Some(&admin),
        "mutation($i: DeactivateOrgUnitInput!) { deactivateOrgUnit(input: $i) { orgUnit { id } } }",
        json!({"i": {"id": ward}}),
    )
    .await;
    let refused = app.gql(Some(&token), q, json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
}
