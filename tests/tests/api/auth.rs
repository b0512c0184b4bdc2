//! Sign-in and access tokens: what the server accepts as a caller, and what it refuses.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use thidua_tests::{ADMIN_PASSWORD, Backend, JWT_SECRET, PASSWORD, TestApp, both, spawn_app};

both!(
    wrong_password_and_unknown_user_get_the_same_unauthenticated_error,
    a_hand_signed_token_with_the_right_secret_and_claims_is_accepted,
    forged_expired_or_malformed_tokens_are_refused_with_401,
    no_token_on_a_protected_field_is_unauthenticated,
    public_queries_work_without_a_token_but_not_with_an_invalid_one,
    an_invalid_token_is_refused_on_get_batches_and_evidence,
    me_returns_the_callers_username_and_grants,
);

const PROTECTED: &str = "{ campaigns(first: 1) { edges { node { id } } } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";

/// Posts `query` with the raw `Authorization` header value `auth` (none when `None`).
async fn post_with_auth(app: &TestApp, auth: Option<&str>, query: &str) -> (u16, Value) {
    let (status, _, body) = post_with_auth_headers(app, auth, query).await;
    (status, body)
}

/// [`post_with_auth`], also returning the `WWW-Authenticate` header ("" when absent).
async fn post_with_auth_headers(
    app: &TestApp,
    auth: Option<&str>,
    query: &str,
) -> (u16, String, Value) {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": query, "variables": {}}));
    if let Some(v) = auth {
        req = req.header("Authorization", v);
    }
    let resp = req.send().await.expect("request");
    read_401_parts(resp).await
}

async fn read_401_parts(resp: reqwest::Response) -> (u16, String, Value) {
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = resp.json().await.expect("a JSON body");
    (status, challenge, body)
}

/// Asserts an HTTP 401 UNAUTHENTICATED answer with the RFC 6750 challenge `challenge`.
fn assert_refused_401(case: &str, (status, header, body): &(u16, String, Value), challenge: &str) {
    assert_eq!(*status, 401, "{case}: {body}");
    assert_eq!(header, challenge, "{case}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{case}: {body}"
    );
    assert!(body["data"].is_null(), "{case}: {body}");
}

const INVALID_TOKEN: &str = "Bearer error=\"invalid_token\"";

/// The user a token belongs to, read from `me` (ids are base64url("User:<uuid>")), and
/// the session it was issued for (its `sid` claim): what a forged token must name to
/// differ from a real one only in its defect.
async fn user_uuid(app: &TestApp, token: &str) -> (String, String) {
    let d = app
        .ok(Some(token), "{ me { user { id } } }", json!({}))
        .await;
    let gid = d["me"]["user"]["id"].as_str().unwrap();
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(gid).unwrap()).unwrap();
    let sub = raw
        .strip_prefix("User:")
        .unwrap_or_else(|| panic!("not a User id: {raw}"))
        .to_owned();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    (sub, claims["sid"].as_str().unwrap().to_owned())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims the server would issue itself for the user and session `(sub, sid)`, valid
/// for the next ten minutes.
fn good_claims((sub, sid): &(String, String)) -> Value {
    let now = now();
    json!({
        "sub": sub, "sid": sid, "name": "admin", "iss": "thidua", "aud": "thidua-api",
        "iat": now, "exp": now + 600,
    })
}

/// Signs with `secret`, naming it by its `kid` as the server does.
fn sign(alg: Algorithm, claims: &Value, secret: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(thidua_api::auth::key_id(secret.as_bytes()));
    encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// Asserts the protected query was refused as UNAUTHENTICATED, returning no data.
fn assert_unauthenticated(case: &str, status: u16, body: &Value) {
    assert_eq!(status, 200, "{case}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{case}: {body}"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["campaigns"]),
        "{case}: {body}"
    );
    assert!(body["data"].is_null(), "{case}: {body}");
}

async fn wrong_password_and_unknown_user_get_the_same_unauthenticated_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong_password = app
        .gql(
            None,
            LOGIN,
            json!({"i": {"username": "admin", "password": "not-the-admin-password"}}),
        )
        .await;
    let unknown_user = app
        .gql(
            None,
            LOGIN,
            json!({"i": {"username": "nobody-by-this-name", "password": "not-the-admin-password"}}),
        )
        .await;
    for (case, a) in [
        ("wrong password", &wrong_password),
        ("unknown user", &unknown_user),
    ] {
        assert_eq!(
            a.error_code(),
            Some("UNAUTHENTICATED"),
            "{case}: {}",
            a.body
        );
        assert!(a.data().is_null(), "{case}: {}", a.body);
        assert_eq!(
            a.body["errors"].as_array().map(Vec::len),
            Some(1),
            "{case}: {}",
            a.body
        );
        assert!(
            a.body["errors"][0]["message"].is_string(),
            "{case}: {}",
            a.body
        );
    }
    // Nothing tells the two apart: same status, same message, same code.
    assert_eq!(wrong_password.status, unknown_user.status);
    assert_eq!(
        wrong_password.body["errors"], unknown_user.body["errors"],
        "the two refusals differ"
    );
    // The right password does sign in (so the refusals above are about the credentials).
    let token = app.login("admin", ADMIN_PASSWORD).await;
    assert!(!token.is_empty());
}

async fn a_hand_signed_token_with_the_right_secret_and_claims_is_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let sub = user_uuid(&app, &admin).await;

    // The issued token works through a raw `Authorization: Bearer` header...
    let (status, body) = post_with_auth(&app, Some(&format!("Bearer {admin}")), PROTECTED).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["campaigns"]["edges"].is_array(), "{body}");

    // ...and so does one built here with the test secret: the forgeries in the other tests
    // differ from this one only in the defect they carry.
    let token = sign(Algorithm::HS256, &good_claims(&sub), JWT_SECRET);
    let (status, body) = post_with_auth(&app, Some(&format!("Bearer {token}")), PROTECTED).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["campaigns"]["edges"].is_array(), "{body}");
    let me = app
        .ok(Some(&token), "{ me { user { username } } }", json!({}))
        .await;
    assert_eq!(me["me"]["user"]["username"], "admin");
}

async fn forged_expired_or_malformed_tokens_are_refused_with_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let sub = user_uuid(&app, &admin).await;
    let now = now();

    let mut expired = good_claims(&sub);
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let mut wrong_aud = good_claims(&sub);
    wrong_aud["aud"] = json!("another-api");
    let mut wrong_iss = good_claims(&sub);
    wrong_iss["iss"] = json!("someone-else");
    let mut no_exp = good_claims(&sub);
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut not_yet = good_claims(&sub);
    not_yet["nbf"] = json!(now + 120);
    let mut issued_later = good_claims(&sub);
    issued_later["iat"] = json!(now + 120);
    issued_later["exp"] = json!(now + 600);
    // The test server's TTL is 30 minutes: a token living a week was not issued by it.
    let mut long_lived = good_claims(&sub);
    long_lived["exp"] = json!(now + 7 * 24 * 3600);
    let mut no_iat = good_claims(&sub);
    no_iat.as_object_mut().unwrap().remove("iat");

    let alg_none = format!(
        "{}.{}.",
        b64_json(&json!({"alg": "none", "typ": "JWT"})),
        b64_json(&good_claims(&sub))
    );
    let basic = STANDARD.encode(format!("admin:{ADMIN_PASSWORD}"));

    let cases: Vec<(&str, String)> = vec![
        (
            "expired",
            format!("Bearer {}", sign(Algorithm::HS256, &expired, JWT_SECRET)),
        ),
        (
            "signed with another secret",
            format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    &good_claims(&sub),
                    "another-secret-another-secret-another-0123"
                )
            ),
        ),
        ("alg none, empty signature", format!("Bearer {alg_none}")),
        (
            "HS512 instead of the pinned HS256",
            format!(
                "Bearer {}",
                sign(Algorithm::HS512, &good_claims(&sub), JWT_SECRET)
            ),
        ),
        (
            "wrong audience",
            format!("Bearer {}", sign(Algorithm::HS256, &wrong_aud, JWT_SECRET)),
        ),
        (
            "wrong issuer",
            format!("Bearer {}", sign(Algorithm::HS256, &wrong_iss, JWT_SECRET)),
        ),
        (
            "no exp claim",
            format!("Bearer {}", sign(Algorithm::HS256, &no_exp, JWT_SECRET)),
        ),
        (
            "nbf in the future",
            format!("Bearer {}", sign(Algorithm::HS256, &not_yet, JWT_SECRET)),
        ),
        (
            "iat in the future",
            format!(
                "Bearer {}",
                sign(Algorithm::HS256, &issued_later, JWT_SECRET)
            ),
        ),
        (
            "lifetime far beyond the TTL",
            format!("Bearer {}", sign(Algorithm::HS256, &long_lived, JWT_SECRET)),
        ),
        (
            "no iat claim",
            format!("Bearer {}", sign(Algorithm::HS256, &no_iat, JWT_SECRET)),
        ),
        ("garbage", "Bearer this-is-not-a-jwt".to_owned()),
    ];
    // Protected or public, the answer is 401 with the challenge (RFC 6750), not a
    // field error: the app must notice it has to sign in again.
    for query in [PROTECTED, "{ programme { title } }"] {
        for (case, header) in &cases {
            let answer = post_with_auth_headers(&app, Some(header), query).await;
            assert_refused_401(case, &answer, INVALID_TOKEN);
        }
        // Something other than a bearer token is a malformed request.
        for (case, header) in [
            ("Basic credentials", format!("Basic {basic}")),
            ("bare token without scheme", admin.clone()),
        ] {
            let answer = post_with_auth_headers(&app, Some(&header), query).await;
            assert_refused_401(case, &answer, "Bearer error=\"invalid_request\"");
        }
    }

    // The server still answers the real token on the same instance.
    let (status, body) = post_with_auth(&app, Some(&format!("Bearer {admin}")), PROTECTED).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
}

async fn no_token_on_a_protected_field_is_unauthenticated(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = post_with_auth(&app, None, PROTECTED).await;
    assert_unauthenticated("no token", status, &body);

    let a = app
        .gql(None, "{ me { user { username } } }", json!({}))
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    assert!(a.data().is_null(), "{}", a.body);

    let a = app
        .gql(None, "{ orgUnit(code: \"QN\") { id } }", json!({}))
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    assert!(a.data()["orgUnit"].is_null(), "{}", a.body);
}

async fn public_queries_work_without_a_token_but_not_with_an_invalid_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let public = "{ programme { title } fields { name } }";

    let (status, anonymous) = post_with_auth(&app, None, public).await;
    assert_eq!(status, 200, "{anonymous}");
    assert!(anonymous["errors"].is_null(), "{anonymous}");
    assert!(
        anonymous["data"]["programme"]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{anonymous}"
    );
    assert!(
        anonymous["data"]["fields"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{anonymous}"
    );

    let answer = post_with_auth_headers(&app, Some("Bearer this-is-not-a-jwt"), public).await;
    assert_refused_401("public fields, bad token", &answer, INVALID_TOKEN);

    // No token: the public field answers, the protected (nullable) one is refused on its own.
    let (status, mixed) = post_with_auth(
        &app,
        None,
        "{ programme { title } orgUnit(code: \"QN\") { id } }",
    )
    .await;
    assert_eq!(status, 200, "{mixed}");
    assert_eq!(
        mixed["data"]["programme"]["title"], anonymous["data"]["programme"]["title"],
        "{mixed}"
    );
    assert!(mixed["data"]["orgUnit"].is_null(), "{mixed}");
    assert_eq!(
        mixed["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{mixed}"
    );
    assert_eq!(mixed["errors"][0]["path"], json!(["orgUnit"]), "{mixed}");
}

async fn an_invalid_token_is_refused_on_get_batches_and_evidence(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let sub = user_uuid(&app, &admin).await;
    let mut expired = good_claims(&sub);
    expired["iat"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    let expired = format!("Bearer {}", sign(Algorithm::HS256, &expired, JWT_SECRET));

    let get = app
        .client
        .get(app.url("/graphql?query=%7B%20programme%20%7B%20title%20%7D%20%7D"))
        .header("Authorization", &expired)
        .send()
        .await
        .unwrap();
    assert_refused_401("GET", &read_401_parts(get).await, INVALID_TOKEN);

    let batch = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", &expired)
        .json(&json!([{"query": "{ programme { title } }"}, {"query": "{ fields { name } }"}]))
        .send()
        .await
        .unwrap();
    assert_refused_401("batch", &read_401_parts(batch).await, INVALID_TOKEN);

    let evidence = format!("/evidence/{}", uuid::Uuid::now_v7());
    let resp = app
        .client
        .get(app.url(&evidence))
        .header("Authorization", &expired)
        .send()
        .await
        .unwrap();
    assert_refused_401("evidence", &read_401_parts(resp).await, INVALID_TOKEN);
    // Without a token, the bare challenge (no error code: nothing was wrong with a token).
    let resp = app.client.get(app.url(&evidence)).send().await.unwrap();
    assert_refused_401("evidence, no token", &read_401_parts(resp).await, "Bearer");

    // The same requests with the real token go through.
    let (status, body) = post_with_auth(&app, Some(&format!("Bearer {admin}")), PROTECTED).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
}

/// `(role, unit code)` pairs of a `me { grants }` answer, sorted.
fn grants_of(me: &Value) -> Vec<(String, String)> {
    let mut g: Vec<(String, String)> = me["me"]["grants"]
        .as_array()
        .unwrap_or_else(|| panic!("no grants: {me}"))
        .iter()
        .map(|g| {
            (
                g["role"].as_str().unwrap().to_owned(),
                g["unit"]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    g.sort();
    g
}

async fn me_returns_the_callers_username_and_grants(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "PHUONG-A", &root).await;
    const ME: &str = "{ me { user { id username } grants { role unit { code } } } }";

    let me = app.ok(Some(&admin), ME, json!({})).await;
    assert_eq!(me["me"]["user"]["username"], "admin");
    assert_eq!(grants_of(&me), vec![("ADMIN".into(), "QN".into())]);

    // A manager of the ward who also views the whole province.
    let manager = app
        .user_with_role(&admin, "manager.a", "MANAGER", &ward)
        .await;
    let me = app.ok(Some(&manager), ME, json!({})).await;
    assert_eq!(me["me"]["user"]["username"], "manager.a");
    assert_eq!(
        grants_of(&me),
        vec![("MANAGER".to_owned(), "PHUONG-A".to_owned())]
    );
    let uid = me["me"]["user"]["id"].as_str().unwrap().to_owned();
    app.ok(
        Some(&admin),
        "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } userErrors { code } } }",
        json!({"i": {"userId": uid, "role": "VIEWER", "unitId": root}}),
    )
    .await;
    // Grants are read per request: a fresh sign-in is not needed, but do one anyway
    // to check both paths give the same answer.
    let me_same_token = app.ok(Some(&manager), ME, json!({})).await;
    let relogged = app.login("manager.a", PASSWORD).await;
    let me_new_token = app.ok(Some(&relogged), ME, json!({})).await;
    let expected = vec![
        ("MANAGER".to_owned(), "PHUONG-A".to_owned()),
        ("VIEWER".to_owned(), "QN".to_owned()),
    ];
    assert_eq!(grants_of(&me_same_token), expected, "{me_same_token}");
    assert_eq!(grants_of(&me_new_token), expected, "{me_new_token}");

    // A user with no grants still has a `me`, with an empty list.
    app.ok(
        Some(&admin),
        "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }",
        json!({"i": {"username": "no.roles", "displayName": "No roles", "password": PASSWORD}}),
    )
    .await;
    let bare = app.login("no.roles", PASSWORD).await;
    let me = app.ok(Some(&bare), ME, json!({})).await;
    assert_eq!(me["me"]["user"]["username"], "no.roles");
    assert_eq!(grants_of(&me), Vec::<(String, String)>::new());
}
