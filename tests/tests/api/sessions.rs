//! Sessions: refresh-token rotation, the lost-answer retry, reuse as theft, inactivity and
//! absolute expiry on a moved clock, logout and revocation taking effect at once (on
//! another replica too), and signing-key rotation without signing anyone out.

use chrono::Duration;
use serde_json::{Value, json};
use thidua_tests::{ADMIN_PASSWORD, Backend, JWT_SECRET, PASSWORD, TestApp, both};
use thidua_tests::{spawn_app, spawn_app_sharing, spawn_app_sharing_with, spawn_app_with};

both!(
    a_refresh_rotates_the_pair_and_a_retired_token_ends_the_session,
    a_lost_answer_is_retried_once_with_the_same_pair,
    two_refreshes_racing_with_one_token_get_one_pair,
    the_retry_window_closes_after_its_grace,
    a_month_offline_stays_signed_in_but_sixty_days_or_a_year_do_not,
    logout_ends_this_session_only_and_at_once,
    sessions_are_listed_and_revoked_by_their_owner_and_their_administrators,
    a_revocation_holds_at_once_on_another_replica,
    the_signing_key_rotates_without_signing_anyone_out,
    bad_refresh_tokens_and_device_labels_are_refused_with_their_codes,
    failed_refreshes_are_throttled_per_address,
);

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken expiresAt \
    refreshToken mustChangePassword session { id deviceName platform current active } \
    user { username } } }";
const REFRESH: &str = "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { \
    accessToken expiresAt refreshToken session { id current lastUsedAt } } }";
const ME: &str = "{ me { user { username } } }";
const MY_SESSIONS: &str =
    "{ mySessions { id deviceName current active endedAt endReason lastUsedAt expiresAt } }";
const REVOKE: &str = "mutation($id: ID!) { revokeSession(input: {sessionId: $id}) { \
    session { id active endReason } userErrors { field code } } }";

/// A signed-in device: its access token, refresh token and session id.
#[derive(Debug, Clone)]
struct Device {
    access: String,
    refresh: String,
    session: String,
}

async fn sign_in(app: &TestApp, username: &str, password: &str, device: &str) -> Device {
    let d = app
        .ok(
            None,
            LOGIN,
            json!({"i": {"username": username, "password": password, "deviceName": device, "platform": "android"}}),
        )
        .await;
    let l = &d["login"];
    assert_eq!(l["session"]["deviceName"], device, "{d}");
    assert_eq!(l["session"]["platform"], "android", "{d}");
    assert_eq!(l["session"]["active"], true, "{d}");
    assert_eq!(l["mustChangePassword"], false, "{d}");
    Device {
        access: l["accessToken"].as_str().unwrap().to_owned(),
        refresh: l["refreshToken"].as_str().unwrap().to_owned(),
        session: l["session"]["id"].as_str().unwrap().to_owned(),
    }
}

async fn refresh(app: &TestApp, token: &str) -> thidua_tests::Answer {
    app.gql(None, REFRESH, json!({"t": token})).await
}

/// A refresh that must succeed: the new device state.
async fn refreshed(app: &TestApp, token: &str) -> Device {
    let a = refresh(app, token).await;
    let r = &a.body["data"]["refreshSession"];
    assert!(r["accessToken"].is_string(), "{}", a.body);
    Device {
        access: r["accessToken"].as_str().unwrap().to_owned(),
        refresh: r["refreshToken"].as_str().unwrap().to_owned(),
        session: r["session"]["id"].as_str().unwrap().to_owned(),
    }
}

/// The HTTP status of `{ me }` with `token` (200 signed in, 401 refused).
async fn me_status(app: &TestApp, token: &str) -> u16 {
    let a = app.gql(Some(token), ME, json!({})).await;
    if a.status == 200 {
        assert!(a.data()["me"]["user"]["username"].is_string(), "{}", a.body);
    } else {
        assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    }
    a.status
}

fn assert_ended(case: &str, a: &thidua_tests::Answer) {
    assert_eq!(
        a.error_code(),
        Some("UNAUTHENTICATED"),
        "{case}: {}",
        a.body
    );
    assert!(a.body["data"].is_null(), "{case}: {}", a.body);
}

/// Audit rows about sessions, newest first: (action, summary).
async fn session_audit(app: &TestApp, admin: &str) -> Vec<(String, Value)> {
    let d = app
        .ok(
            Some(admin),
            "{ auditLog(first: 50, filter: {entity: \"Session\"}) { edges { node { action summary } } } }",
            json!({}),
        )
        .await;
    d["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["action"].as_str().unwrap().to_owned(),
                e["node"]["summary"].clone(),
            )
        })
        .collect()
}

async fn a_refresh_rotates_the_pair_and_a_retired_token_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = sign_in(&app, "admin", ADMIN_PASSWORD, "Redmi 9A").await;
    let before = app.db.statements_run();
    let next = refreshed(&app, &phone.refresh).await;
    // What a rotation costs: find and lock the token, read the session and the user,
    // retire the token (with its sealed retry pair), write the new one, touch the session.
    let statements = app.db.statements_run() - before;
    eprintln!("a refresh ran {statements} SQL statements ({backend:?})");
    assert!(statements <= 8, "a refresh ran {statements} statements");
    assert_ne!(next.refresh, phone.refresh);
    assert_ne!(next.access, phone.access);
    assert_eq!(
        next.session, phone.session,
        "a refresh stays in its session"
    );
    assert_eq!(me_status(&app, &next.access).await, 200);
    // The new token rotates again; the one before it is now two rotations old.
    let third = refreshed(&app, &next.refresh).await;
    assert_eq!(me_status(&app, &third.access).await, 200);

    // The first token again, long after its exchange: theft. The whole session ends.
    let stolen = refresh(&app, &phone.refresh).await;
    assert_ended("a retired token", &stolen);
    assert_eq!(me_status(&app, &third.access).await, 401);
    assert_ended("the newest token", &refresh(&app, &third.refresh).await);

    let admin = app.admin().await;
    let audit = session_audit(&app, &admin).await;
    assert!(
        audit.iter().any(|(a, _)| a == "token_reuse"),
        "reuse is audited: {audit:?}"
    );
    let d = app.ok(Some(&admin), MY_SESSIONS, json!({})).await;
    let ended = d["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == phone.session.as_str())
        .cloned()
        .unwrap();
    assert_eq!(ended["endReason"], "TOKEN_REUSE", "{d}");
    assert_eq!(ended["active"], false, "{d}");
}

async fn a_lost_answer_is_retried_once_with_the_same_pair(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = sign_in(&app, "admin", ADMIN_PASSWORD, "Lost answers").await;
    let first = refresh(&app, &phone.refresh).await;
    // The answer never reached the phone: it sends the same token again.
    let retry = refresh(&app, &phone.refresh).await;
    assert_eq!(
        first.body["data"]["refreshSession"]["refreshToken"],
        retry.body["data"]["refreshSession"]["refreshToken"],
        "{}",
        retry.body
    );
    assert_eq!(
        first.body["data"]["refreshSession"]["accessToken"],
        retry.body["data"]["refreshSession"]["accessToken"]
    );
    let pair = retry.body["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = retry.body["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_status(&app, &access).await, 200);
    // Only one retry: a third presentation is reuse, and the session ends.
    assert_ended("a second retry", &refresh(&app, &phone.refresh).await);
    assert_eq!(me_status(&app, &access).await, 401);
    assert_ended("the pair of the retry", &refresh(&app, &pair).await);

    // A retry after the new token was already used is reuse too.
    let tablet = sign_in(&app, "admin", ADMIN_PASSWORD, "Tablet").await;
    let next = refreshed(&app, &tablet.refresh).await;
    let after = refreshed(&app, &next.refresh).await;
    assert_ended(
        "old token after its successor was used",
        &refresh(&app, &tablet.refresh).await,
    );
    assert_eq!(me_status(&app, &after.access).await, 401);
}

async fn two_refreshes_racing_with_one_token_get_one_pair(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = sign_in(&app, "admin", ADMIN_PASSWORD, "Double tap").await;
    // The app's retry overtakes the first request: the two are decided one after the
    // other, the second as the retry of the first, so both get the same pair.
    let (a, b) = tokio::join!(refresh(&app, &phone.refresh), refresh(&app, &phone.refresh));
    let pair = |x: &thidua_tests::Answer| {
        x.body["data"]["refreshSession"]["refreshToken"]
            .as_str()
            .map(str::to_owned)
    };
    assert!(pair(&a).is_some(), "{}", a.body);
    assert_eq!(pair(&a), pair(&b), "{} / {}", a.body, b.body);
    let next = refreshed(&app, &pair(&a).unwrap()).await;
    assert_eq!(me_status(&app, &next.access).await, 200);
}

async fn the_retry_window_closes_after_its_grace(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = sign_in(&app, "admin", ADMIN_PASSWORD, "Slow network").await;
    let next = refreshed(&app, &phone.refresh).await;
    app.clock.advance(Duration::seconds(61));
    assert_ended(
        "a retry past the grace",
        &refresh(&app, &phone.refresh).await,
    );
    assert_ended("its session", &refresh(&app, &next.refresh).await);
}

async fn a_month_offline_stays_signed_in_but_sixty_days_or_a_year_do_not(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.session_max_days = 100).await;
    let phone = sign_in(&app, "admin", ADMIN_PASSWORD, "Offline phone").await;
    // A month offline: the access token has long expired, the refresh token has not.
    app.clock.advance(Duration::days(30));
    assert_eq!(me_status(&app, &phone.access).await, 401);
    let back = refreshed(&app, &phone.refresh).await;
    assert_eq!(me_status(&app, &back.access).await, 200);
    // Used every 50 days, the session still ends at its absolute end (100 days here).
    app.clock.advance(Duration::days(50));
    let again = refreshed(&app, &back.refresh).await;
    app.clock.advance(Duration::days(21));
    assert_ended(
        "past the absolute end",
        &refresh(&app, &again.refresh).await,
    );

    // Unused for 60 days: the session ends.
    let tablet = sign_in(&app, "admin", ADMIN_PASSWORD, "Drawer tablet").await;
    app.clock.advance(Duration::days(59));
    let kept = refreshed(&app, &tablet.refresh).await;
    app.clock.advance(Duration::days(60));
    assert_ended("sixty days unused", &refresh(&app, &kept.refresh).await);
}

async fn logout_ends_this_session_only_and_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = sign_in(&app, "admin", ADMIN_PASSWORD, "Phone A").await;
    let b = sign_in(&app, "admin", ADMIN_PASSWORD, "Phone B").await;
    let out = app
        .ok(
            Some(&a.access),
            "mutation { logout { sessionId } }",
            json!({}),
        )
        .await;
    assert_eq!(out["logout"]["sessionId"], a.session.as_str());
    assert_eq!(me_status(&app, &a.access).await, 401);
    assert_ended(
        "a logged-out refresh token",
        &refresh(&app, &a.refresh).await,
    );
    assert_eq!(me_status(&app, &b.access).await, 200);
    let d = app.ok(Some(&b.access), MY_SESSIONS, json!({})).await;
    let list = d["mySessions"].as_array().unwrap();
    let find = |id: &str| list.iter().find(|s| s["id"] == id).cloned().unwrap();
    assert_eq!(find(&a.session)["endReason"], "LOGOUT", "{d}");
    assert_eq!(find(&a.session)["current"], false, "{d}");
    assert_eq!(find(&b.session)["current"], true, "{d}");
    assert_eq!(find(&b.session)["active"], true, "{d}");
    // Logging out without a token is refused.
    let anon = app
        .gql(None, "mutation { logout { sessionId } }", json!({}))
        .await;
    assert_eq!(anon.error_code(), Some("UNAUTHENTICATED"), "{}", anon.body);
    let audit = session_audit(&app, &b.access).await;
    assert!(
        audit
            .iter()
            .any(|(a, s)| a == "sign_out" && s.to_string().contains("LOGOUT")),
        "{audit:?}"
    );
}

/// A ward, an administrator of it, a user living in it, and a user elsewhere.
struct Wards {
    admin: String,
    ward_admin: String,
    ward_user: String,
    other_user: String,
}

/// A user homed in `unit` with `role` on it, created through the API.
async fn homed_user(app: &TestApp, admin: &str, username: &str, role: &str, unit: &str) -> String {
    let d = app
        .ok(
            Some(admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }",
            json!({"i": {"username": username, "displayName": username, "password": PASSWORD, "unitId": unit}}),
        )
        .await;
    let uid = d["createUser"]["user"]["id"].as_str().unwrap().to_owned();
    app.ok(
        Some(admin),
        "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } } }",
        json!({"i": {"userId": uid, "role": role, "unitId": unit}}),
    )
    .await;
    app.login(username, PASSWORD).await
}

async fn wards(app: &TestApp) -> Wards {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "SES-W1", &root).await;
    let other = app.create_unit(&admin, "SES-W2", &root).await;
    let ward_admin = homed_user(app, &admin, "ses-ward-admin", "ADMIN", &ward).await;
    homed_user(app, &admin, "ses-ward-user", "REPORTER", &ward).await;
    homed_user(app, &admin, "ses-other-user", "REPORTER", &other).await;
    Wards {
        admin,
        ward_admin,
        ward_user: "ses-ward-user".into(),
        other_user: "ses-other-user".into(),
    }
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let d = app
        .ok(Some(token), "{ me { user { id } } }", json!({}))
        .await;
    d["me"]["user"]["id"].as_str().unwrap().to_owned()
}

async fn sessions_are_listed_and_revoked_by_their_owner_and_their_administrators(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = wards(&app).await;
    let mine = sign_in(&app, &w.ward_user, PASSWORD, "Work phone").await;
    let lost = sign_in(&app, &w.ward_user, PASSWORD, "Lost phone").await;
    let theirs = sign_in(&app, &w.other_user, PASSWORD, "Other phone").await;

    // The owner ends their lost phone's session from the other one.
    let r = app
        .ok(Some(&mine.access), REVOKE, json!({"id": lost.session}))
        .await;
    assert_eq!(r["revokeSession"]["session"]["endReason"], "REVOKED", "{r}");
    assert_eq!(me_status(&app, &lost.access).await, 401);
    assert_ended(
        "a revoked session's refresh",
        &refresh(&app, &lost.refresh).await,
    );

    // A reporter cannot end someone else's session, nor list them.
    let r = app
        .gql(Some(&mine.access), REVOKE, json!({"id": theirs.session}))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    let other_id = user_id(&app, &theirs.access).await;
    let q = "query($u: ID!) { userSessions(userId: $u) { id deviceName active } }";
    let r = app.gql(Some(&mine.access), q, json!({"u": other_id})).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);

    // The ward's administrator lists and ends the sessions of the ward's users only.
    let ward_user_id = user_id(&app, &mine.access).await;
    let d = app
        .ok(Some(&w.ward_admin), q, json!({"u": ward_user_id}))
        .await;
    let names: Vec<_> = d["userSessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["deviceName"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(names.contains(&"Work phone".to_owned()), "{d}");
    assert!(names.contains(&"Lost phone".to_owned()), "{d}");
    let r = app
        .gql(Some(&w.ward_admin), q, json!({"u": other_id}))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    let r = app
        .gql(Some(&w.ward_admin), REVOKE, json!({"id": theirs.session}))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    assert_eq!(
        me_status(&app, &theirs.access).await,
        200,
        "still signed in"
    );
    let r = app
        .ok(Some(&w.ward_admin), REVOKE, json!({"id": mine.session}))
        .await;
    assert_eq!(r["revokeSession"]["session"]["active"], false, "{r}");
    assert_eq!(me_status(&app, &mine.access).await, 401);

    // The province's administrator reaches everyone.
    let r = app
        .ok(Some(&w.admin), REVOKE, json!({"id": theirs.session}))
        .await;
    assert_eq!(r["revokeSession"]["session"]["endReason"], "REVOKED", "{r}");
    assert_eq!(me_status(&app, &theirs.access).await, 401);

    // Ids that are not sessions.
    let r = app
        .ok(Some(&w.admin), REVOKE, json!({"id": "not-an-id"}))
        .await;
    assert_eq!(
        r["revokeSession"]["userErrors"][0]["code"], "INVALID_FORMAT",
        "{r}"
    );
    assert_eq!(
        r["revokeSession"]["userErrors"][0]["field"], "sessionId",
        "{r}"
    );
    let unknown = thidua_api::ids::NodeType::Session.encode(uuid::Uuid::now_v7());
    let r = app
        .gql(Some(&w.admin), REVOKE, json!({"id": unknown}))
        .await;
    assert_eq!(r.error_code(), Some("NOT_FOUND"), "{}", r.body);
    let r = app.gql(None, REVOKE, json!({"id": unknown})).await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);
    let r = app.gql(None, MY_SESSIONS, json!({})).await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);
}

async fn a_revocation_holds_at_once_on_another_replica(backend: Backend) {
    let app = spawn_app(backend).await;
    let replica = spawn_app_sharing(&app).await;
    let phone = sign_in(&app, "admin", ADMIN_PASSWORD, "Two replicas").await;
    assert_eq!(me_status(&replica, &phone.access).await, 200);
    let admin = sign_in(&app, "admin", ADMIN_PASSWORD, "Desk").await;
    app.ok(Some(&admin.access), REVOKE, json!({"id": phone.session}))
        .await;
    // No wait, no cache to expire: the next request on the other process is refused.
    assert_eq!(me_status(&replica, &phone.access).await, 401);
    // A logout on the replica holds here too.
    replica
        .ok(
            Some(&admin.access),
            "mutation { logout { sessionId } }",
            json!({}),
        )
        .await;
    assert_eq!(me_status(&app, &admin.access).await, 401);
    drop(replica);
}

const NEW_SECRET: &str = "the-next-signing-secret-for-the-tests-0123";

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn the_signing_key_rotates_without_signing_anyone_out(backend: Backend) {
    let old_key = spawn_app(backend).await;
    let phone = sign_in(&old_key, "admin", ADMIN_PASSWORD, "Before rotation").await;
    assert_eq!(
        kid_of(&phone.access),
        thidua_api::auth::key_id(JWT_SECRET.as_bytes())
    );

    // Step 2 of the procedure: the new key signs, the old one is still accepted.
    let promoted = spawn_app_sharing_with(&old_key, |s| {
        s.auth.jwt_secret = Some(NEW_SECRET.into());
        s.auth.jwt_accepted_secrets = Some(JWT_SECRET.into());
    })
    .await;
    assert_eq!(me_status(&promoted, &phone.access).await, 200);
    let next = refreshed(&promoted, &phone.refresh).await;
    assert_eq!(
        kid_of(&next.access),
        thidua_api::auth::key_id(NEW_SECRET.as_bytes())
    );
    assert_eq!(me_status(&promoted, &next.access).await, 200);

    // Step 3: the old key retired. Its tokens stop; the session goes on with new ones.
    let retired = spawn_app_sharing_with(&old_key, |s| {
        s.auth.jwt_secret = Some(NEW_SECRET.into());
    })
    .await;
    assert_eq!(me_status(&retired, &phone.access).await, 401);
    assert_eq!(me_status(&retired, &next.access).await, 200);
    let later = refreshed(&retired, &next.refresh).await;
    assert_eq!(me_status(&retired, &later.access).await, 200);
    drop(retired);
    drop(promoted);
}

async fn bad_refresh_tokens_and_device_labels_are_refused_with_their_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let long = "x".repeat(10_000);
    for (case, token) in [
        ("empty", ""),
        ("garbage", "not-a-refresh-token"),
        ("an access token", "eyJhbGciOiJIUzI1NiJ9.e30.sig"),
        ("very long", long.as_str()),
        ("control characters", "abc\u{0}def"),
    ] {
        let a = refresh(&app, token).await;
        assert_ended(case, &a);
        assert_eq!(a.status, 200, "{case}: {}", a.body);
    }
    for (case, device, platform) in [
        (
            "device name too long",
            "x".repeat(101),
            "android".to_owned(),
        ),
        ("platform too long", "Phone".to_owned(), "p".repeat(41)),
        (
            "control character",
            "Pho\u{7}ne".to_owned(),
            "android".to_owned(),
        ),
    ] {
        let a = app
            .gql(
                None,
                LOGIN,
                json!({"i": {"username": "admin", "password": ADMIN_PASSWORD, "deviceName": device, "platform": platform}}),
            )
            .await;
        assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{case}: {}", a.body);
        assert!(a.body["data"].is_null(), "{case}: {}", a.body);
    }
    // No device at all is fine.
    let d = app
        .ok(
            None,
            LOGIN,
            json!({"i": {"username": "admin", "password": ADMIN_PASSWORD}}),
        )
        .await;
    assert!(d["login"]["session"]["deviceName"].is_null(), "{d}");
}

async fn failed_refreshes_are_throttled_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.rate_limits.login_failures_per_address = 3;
        s.rate_limits.login_lockout_secs = 30;
        s.rate_limits.redis_url = None;
    })
    .await;
    let phone = sign_in(&app, "admin", ADMIN_PASSWORD, "Throttled").await;
    for i in 0..3 {
        assert_ended(
            &format!("guess {i}"),
            &refresh(&app, &format!("guess-{i}")).await,
        );
    }
    let locked = refresh(&app, &phone.refresh).await;
    assert_eq!(locked.error_code(), Some("RATE_LIMITED"), "{}", locked.body);
    // The lockout is the address's: the real token was not spent.
    assert!(me_status(&app, &phone.access).await == 200);
}
