//! Sign-in costs a password hash: one `login` per request, lockouts after failures, and
//! hourly query budgets for every caller (shared by replicas through Redis).

use serde_json::{Value, json};
use thidua_tests::{
    ADMIN_PASSWORD, Backend, TestApp, both, redis_url, spawn_app, spawn_app_sharing_with,
    spawn_app_with,
};

both!(
    one_login_per_document_and_per_batch,
    a_username_with_control_characters_is_bad_user_input,
    failed_logins_lock_the_username_out,
    a_successful_login_clears_the_usernames_failures,
    failed_logins_from_one_address_lock_the_address_out,
    an_unreadable_stored_hash_is_internal_and_not_a_failed_login,
);

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";

/// Status, headers and body of a POST to /graphql.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app.client.post(app.url("/graphql")).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

async fn login(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    post(
        app,
        None,
        &json!({"query": LOGIN, "variables": {"i": {"username": username, "password": password}}}),
    )
    .await
}

async fn one_login_per_document_and_per_batch(backend: Backend) {
    let app = spawn_app(backend).await;
    let creds = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let aliased = "mutation($i: LoginInput!) { a: login(input: $i) { accessToken } b: login(input: $i) { accessToken } }";
    let (status, _, body) = post(
        &app,
        None,
        &json!({"query": aliased, "variables": {"i": creds}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), Some("TOO_MANY_LOGINS"), "{body}");

    // Through a fragment spread twice.
    let spread = "mutation($i: LoginInput!) { ...L ... on Mutation { ...L } } fragment L on Mutation { login(input: $i) { accessToken } }";
    let (status, _, body) = post(
        &app,
        None,
        &json!({"query": spread, "variables": {"i": creds}}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("TOO_MANY_LOGINS")),
        "{body}"
    );

    // Two operations of one batch, one login each.
    let one = json!({"query": LOGIN, "variables": {"i": creds}});
    let (status, _, body) = post(&app, None, &json!([one, one])).await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("TOO_MANY_LOGINS")),
        "{body}"
    );

    // One login, alone or beside other operations, still signs in.
    let (status, _, body) =
        post(&app, None, &json!([one, {"query": "{ programme { id } }"}])).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body[0]["data"]["login"]["accessToken"].is_string(),
        "{body}"
    );
}

async fn a_username_with_control_characters_is_bad_user_input(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in ["ad\u{0}min", "admin\u{7}", "\u{1b}[31m"] {
        let (_, _, body) = login(&app, name, "whatever-password").await;
        assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{name:?}: {body}");
    }
}

fn locked_out(status: u16, headers: &reqwest::header::HeaderMap, body: &Value) {
    assert_eq!(status, 429, "{body}");
    assert_eq!(code(body), Some("RATE_LIMITED"), "{body}");
    let ext = &body["errors"][0]["extensions"];
    assert!(ext["retryAfter"].as_u64().is_some_and(|s| s >= 1), "{body}");
    assert!(
        ext["resetAt"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{body}"
    );
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
}

async fn failed_logins_lock_the_username_out(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.rate_limits.login_failures_per_user = 3;
        s.rate_limits.login_lockout_secs = 60;
    })
    .await;
    for _ in 0..3 {
        let (status, _, body) = login(&app, "admin", "wrong-password").await;
        assert_eq!(
            (status, code(&body)),
            (200, Some("UNAUTHENTICATED")),
            "{body}"
        );
    }
    // Locked: even the right password waits, and is told how long.
    let (status, headers, body) = login(&app, "admin", ADMIN_PASSWORD).await;
    locked_out(status, &headers, &body);
    // Usernames are compared as stored (case and spaces do not dodge the lock).
    let (status, headers, body) = login(&app, " ADMIN ", ADMIN_PASSWORD).await;
    locked_out(status, &headers, &body);
}

async fn a_successful_login_clears_the_usernames_failures(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.rate_limits.login_failures_per_user = 3;
        s.rate_limits.login_lockout_secs = 60;
    })
    .await;
    for _ in 0..3 {
        for _ in 0..2 {
            let (_, _, body) = login(&app, "admin", "wrong-password").await;
            assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");
        }
        let (status, _, body) = login(&app, "admin", ADMIN_PASSWORD).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    }
}

/// A stored hash that cannot be read is the stored data's fault: the sign-in answers
/// INTERNAL (logged), never UNAUTHENTICATED as if the password were wrong, and it does not
/// count towards the username's lockout, so the account opens at once when repaired.
async fn an_unreadable_stored_hash_is_internal_and_not_a_failed_login(backend: Backend) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use thidua_persistence::entities::user;

    let app = spawn_app_with(backend, |s| {
        s.rate_limits.login_failures_per_user = 1;
        s.rate_limits.login_lockout_secs = 60;
    })
    .await;
    let set_hash = |hash: String| {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::val(hash))
            .filter(user::Column::Username.eq("admin"))
            .exec(&app.db.conn)
    };
    let admin = user::Entity::find()
        .filter(user::Column::Username.eq("admin"))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        set_hash("not-a-password-hash".into())
            .await
            .unwrap()
            .rows_affected,
        1
    );

    for password in [ADMIN_PASSWORD, "wrong-password", ADMIN_PASSWORD] {
        let (status, _, body) = login(&app, "admin", password).await;
        assert_eq!((status, code(&body)), (200, Some("INTERNAL")), "{body}");
        assert!(body["data"].is_null(), "{body}");
    }

    // Repaired: the right password signs in at once (three counted failures would have
    // locked the username for a minute).
    set_hash(admin.password_hash).await.unwrap();
    let (status, _, body) = login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    // A real wrong password is still what it was.
    let (_, _, body) = login(&app, "admin", "wrong-password").await;
    assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");
}

async fn failed_logins_from_one_address_lock_the_address_out(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.rate_limits.login_failures_per_address = 3;
        s.rate_limits.login_lockout_secs = 60;
    })
    .await;
    for name in ["nobody-1", "nobody-2", "nobody-3"] {
        let (_, _, body) = login(&app, name, "wrong-password").await;
        assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    // Another username from the same address is refused too.
    let (status, headers, body) = login(&app, "admin", ADMIN_PASSWORD).await;
    locked_out(status, &headers, &body);
}

const CHEAP: &str = "{ programme { id } }";

/// Runs `CHEAP` until the budget refuses it (at most `max` times); the refusal.
async fn spend_until_refused(
    app: &TestApp,
    token: Option<&str>,
    max: usize,
) -> (u16, reqwest::header::HeaderMap, Value) {
    for _ in 0..max {
        let (status, headers, body) = post(app, token, &json!({"query": CHEAP})).await;
        if code(&body) == Some("RATE_LIMITED") {
            return (status, headers, body);
        }
        assert_eq!(status, 200, "{body}");
    }
    panic!("the budget never ran out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_answers_rate_limited_with_its_reset_time() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.rate_limits.budget_anonymous_points = 12;
        s.rate_limits.budget_user_points = 1000;
    })
    .await;
    // Signed in first: the user spends their own budget, not the address's.
    let token = app.admin().await;
    let (status, headers, body) = post(&app, None, &json!({"query": CHEAP})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["x-ratelimit-limit"], "12");
    let remaining: u64 = headers["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(remaining < 12);
    assert!(headers.contains_key("x-ratelimit-reset"));

    let (status, headers, body) = spend_until_refused(&app, None, 20).await;
    assert_eq!(status, 429, "{body}");
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["limit"], 12, "{body}");
    assert_eq!(ext["remaining"], 0, "{body}");
    assert!(
        ext["resetAt"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{body}"
    );
    assert!(
        ext["retryAfter"]
            .as_u64()
            .is_some_and(|s| s > 60 && s <= 3600),
        "{body}"
    );
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("retry-after"));
    // A refused operation runs nothing.
    assert!(body["data"].is_null(), "{body}");

    // The signed-in user still has theirs.
    let (status, headers, body) = post(&app, Some(&token), &json!({"query": CHEAP})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["x-ratelimit-limit"], "1000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_budgets_and_lockouts_through_redis() {
    let Some(redis) = redis_url() else {
        eprintln!("THIDUA_TEST_REDIS_URL not set: skipping the Redis run");
        return;
    };
    let prefix = format!("thidua-test-{}:", uuid::Uuid::new_v4().simple());
    let tweak = |s: &mut thidua_server::config::Settings| {
        s.rate_limits.redis_url = Some(redis.as_str().into());
        s.rate_limits.redis_prefix = prefix.clone();
        s.rate_limits.budget_anonymous_points = 12;
        s.rate_limits.login_failures_per_user = 2;
        s.rate_limits.login_lockout_secs = 60;
    };
    let a = spawn_app_with(Backend::Sqlite, tweak).await;
    let b = spawn_app_sharing_with(&a, tweak).await;

    // Failures on one replica lock the username on the other.
    for _ in 0..2 {
        let (_, _, body) = login(&a, "admin", "wrong-password").await;
        assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let (status, headers, body) = login(&b, "admin", ADMIN_PASSWORD).await;
    locked_out(status, &headers, &body);

    // Spending the address's budget on one replica is refused on the other.
    spend_until_refused(&a, None, 20).await;
    let (status, _, body) = post(&b, None, &json!({"query": CHEAP})).await;
    assert_eq!((status, code(&body)), (429, Some("RATE_LIMITED")), "{body}");
    drop(b);
}
