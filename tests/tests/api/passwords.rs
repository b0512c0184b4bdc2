//! Passwords (issue 11): the policy's refusals with their codes, rehash at sign-in,
//! `changePassword`, `resetPassword` and the PASSWORD_CHANGE_REQUIRED gate, on both
//! databases.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use thidua_persistence::entities::{audit_entry, user};
use thidua_tests::{
    ADMIN_PASSWORD, Answer, Backend, PASSWORD, TestApp, both, spawn_app, spawn_app_with,
};

both!(
    create_user_refuses_each_policy_breach_with_its_code,
    change_password_refuses_each_policy_breach_on_new_password,
    a_hash_with_weaker_parameters_is_rehashed_at_sign_in,
    change_password_ends_the_other_sessions_and_keeps_this_one,
    a_wrong_current_password_counts_towards_the_lockout,
    a_reset_requires_a_change_before_anything_else,
    reset_password_follows_the_account_administration_rule,
    two_hashing_mutations_in_one_request_are_refused,
);

const CREATE_USER: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id username } userErrors { field code message } } }";
const CHANGE: &str = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { user { id username } userErrors { field code message } } }";
const RESET: &str = "mutation($i: ResetPasswordInput!) { resetPassword(input: $i) { user { id username } temporaryPassword userErrors { field code message } } }";
const LOGIN: &str =
    "mutation($i: LoginInput!) { login(input: $i) { accessToken mustChangePassword } }";
const ME: &str = "{ me { user { username } } }";

/// Every refusal of the policy, as (password, code) for a user named [`USERNAME`].
fn breaches() -> Vec<(String, &'static str)> {
    [
        ("short-pw-11", "OUT_OF_RANGE"),
        ("LAN.NGUYEN.VAN", "PASSWORD_IS_USERNAME"),
        ("my-Lan.Nguyen.Van-2025", "PASSWORD_IS_USERNAME"),
        ("Password1234", "PASSWORD_TOO_COMMON"),
        ("qwertyuiopasdfgh", "PASSWORD_TOO_COMMON"),
        ("a long pass\u{0}phrase", "INVALID_FORMAT"),
    ]
    .into_iter()
    .map(|(p, c)| (p.to_owned(), c))
    .chain([("x7".repeat(100) + "z", "TOO_LONG")])
    .collect()
}

const USERNAME: &str = "lan.nguyen.van";

async fn create_user(app: &TestApp, admin: &str, username: &str, password: &str) -> Answer {
    app.gql(
        Some(admin),
        CREATE_USER,
        json!({"i": {"username": username, "displayName": "Nguyễn Văn Lan", "password": password}}),
    )
    .await
}

/// Creates `username` with `PASSWORD` and returns its id.
async fn new_user(app: &TestApp, admin: &str, username: &str) -> String {
    let a = create_user(app, admin, username, PASSWORD).await;
    a.body["data"]["createUser"]["user"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createUser: {}", a.body))
        .to_owned()
}

async fn change(app: &TestApp, token: &str, current: &str, new: &str) -> Answer {
    app.gql(
        Some(token),
        CHANGE,
        json!({"i": {"currentPassword": current, "newPassword": new}}),
    )
    .await
}

async fn try_login(app: &TestApp, username: &str, password: &str) -> Answer {
    app.gql(
        None,
        LOGIN,
        json!({"i": {"username": username, "password": password}}),
    )
    .await
}

async fn stored_user(app: &TestApp, username: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
}

async fn audit_rows(app: &TestApp, entity_id: uuid::Uuid) -> Vec<audit_entry::Model> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::EntityId.eq(entity_id))
        .order_by_asc(audit_entry::Column::At)
        .all(&app.db.conn)
        .await
        .unwrap()
}

async fn create_user_refuses_each_policy_breach_with_its_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    for (password, code) in breaches() {
        let a = create_user(&app, &admin, USERNAME, &password).await;
        assert_eq!(
            a.user_error_codes("createUser"),
            vec![code],
            "{password:?}: {}",
            a.body
        );
        assert_eq!(
            a.user_error_fields("createUser"),
            vec!["password"],
            "{}",
            a.body
        );
        assert!(a.body["data"]["createUser"]["user"].is_null(), "{}", a.body);
    }
    // Nothing was created by the refusals; 12 characters exactly are enough.
    assert!(
        user::Entity::find()
            .filter(user::Column::Username.eq(USERNAME))
            .one(&app.db.conn)
            .await
            .unwrap()
            .is_none()
    );
    let a = create_user(&app, &admin, USERNAME, "đường-về-nhà").await;
    assert!(a.user_error_codes("createUser").is_empty(), "{}", a.body);
    let t = app.login(USERNAME, "đường-về-nhà").await;
    assert!(!t.is_empty());
    // A short username only counts when it is the whole password.
    let a = create_user(&app, &admin, "lan", "lan-di-cho-sang-nay").await;
    assert!(a.user_error_codes("createUser").is_empty(), "{}", a.body);
}

async fn change_password_refuses_each_policy_breach_on_new_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    new_user(&app, &admin, USERNAME).await;
    let token = app.login(USERNAME, PASSWORD).await;
    for (password, code) in breaches() {
        let a = change(&app, &token, PASSWORD, &password).await;
        assert_eq!(
            a.user_error_codes("changePassword"),
            vec![code],
            "{password:?}: {}",
            a.body
        );
        assert_eq!(
            a.user_error_fields("changePassword"),
            vec!["newPassword"],
            "{}",
            a.body
        );
    }
    // A wrong current password and a bad new one: both are reported.
    let a = change(&app, &token, "not-the-password", "short").await;
    assert_eq!(
        a.user_error_codes("changePassword"),
        vec!["WRONG_PASSWORD", "OUT_OF_RANGE"],
        "{}",
        a.body
    );
    assert_eq!(
        a.user_error_fields("changePassword"),
        vec!["currentPassword", "newPassword"],
        "{}",
        a.body
    );
    // Nothing changed: the old password still signs in, the session still works.
    app.login(USERNAME, PASSWORD).await;
    app.ok(Some(&token), ME, json!({})).await;
    let u = stored_user(&app, USERNAME).await;
    assert!(
        audit_rows(&app, u.id)
            .await
            .iter()
            .all(|r| r.action.as_str() != "change_password")
    );
}

/// A hash made with argon2id m=4096, t=1, p=1 of `password` (as an older release could
/// have stored).
fn weak_hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(4096, 1, 1, None).unwrap();
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

async fn a_hash_with_weaker_parameters_is_rehashed_at_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    new_user(&app, &admin, USERNAME).await;
    let fresh = stored_user(&app, USERNAME).await.password_hash;
    assert!(
        fresh.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{fresh}"
    );
    let weak = weak_hash(PASSWORD);
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::val(weak.clone()))
        .filter(user::Column::Username.eq(USERNAME))
        .exec(&app.db.conn)
        .await
        .unwrap();
    // A wrong password leaves the weak hash alone (nothing to rehash with).
    let a = try_login(&app, USERNAME, "not-the-password").await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    assert_eq!(stored_user(&app, USERNAME).await.password_hash, weak);
    // The right one signs in with the weak hash and replaces it.
    app.login(USERNAME, PASSWORD).await;
    let now = stored_user(&app, USERNAME).await.password_hash;
    assert_ne!(now, weak);
    assert!(now.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{now}");
    // And the new hash is of the same password.
    let token = app.login(USERNAME, PASSWORD).await;
    app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(
        stored_user(&app, USERNAME).await.password_hash,
        now,
        "no rehash when current"
    );
}

async fn change_password_ends_the_other_sessions_and_keeps_this_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = new_user(&app, &admin, USERNAME).await;
    let here = app.login(USERNAME, PASSWORD).await;
    let there = app.login(USERNAME, PASSWORD).await;
    let new_password = "ba con mèo trèo cây cau";
    let a = change(&app, &here, PASSWORD, new_password).await;
    assert!(
        a.user_error_codes("changePassword").is_empty(),
        "{}",
        a.body
    );
    assert_eq!(a.body["data"]["changePassword"]["user"]["id"], json!(id));

    // The other session's token is refused at once; this one goes on.
    let other = app.gql(Some(&there), ME, json!({})).await;
    assert_eq!(other.status, 401, "{}", other.body);
    let d = app.ok(Some(&here), ME, json!({})).await;
    assert_eq!(d["me"]["user"]["username"], json!(USERNAME));
    let d = app
        .ok(
            Some(&here),
            "{ mySessions { id current endedAt endReason } }",
            json!({}),
        )
        .await;
    let sessions = d["mySessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{d}");
    let ended: Vec<&Value> = sessions
        .iter()
        .filter(|s| !s["endedAt"].is_null())
        .collect();
    assert_eq!(ended.len(), 1, "{d}");
    assert_eq!(ended[0]["endReason"], json!("PASSWORD_CHANGED"), "{d}");
    assert_eq!(ended[0]["current"], json!(false), "{d}");

    // The new password signs in, the old one no longer does.
    app.login(USERNAME, new_password).await;
    let a = try_login(&app, USERNAME, PASSWORD).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);

    let u = stored_user(&app, USERNAME).await;
    let rows = audit_rows(&app, u.id).await;
    let row = rows
        .iter()
        .find(|r| r.action.as_str() == "change_password")
        .unwrap_or_else(|| panic!("no change_password audit row: {rows:?}"));
    assert_eq!(row.actor_user_id, Some(u.id));
    assert!(!row.summary.contains(new_password), "{}", row.summary);

    // Anonymous callers cannot change anything.
    let a = app
        .gql(None, CHANGE, json!({"i": {"currentPassword": new_password, "newPassword": "another long passphrase"}}))
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
}

async fn a_wrong_current_password_counts_towards_the_lockout(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.rate_limits.login_failures_per_user = 3;
        s.rate_limits.login_lockout_secs = 60;
    })
    .await;
    let admin = app.admin().await;
    new_user(&app, &admin, USERNAME).await;
    let token = app.login(USERNAME, PASSWORD).await;
    let good = "một mật khẩu mới dài";
    for _ in 0..3 {
        let a = change(&app, &token, "not-the-password", good).await;
        assert_eq!(
            a.user_error_codes("changePassword"),
            vec!["WRONG_PASSWORD"],
            "{}",
            a.body
        );
        assert_eq!(
            a.user_error_fields("changePassword"),
            vec!["currentPassword"]
        );
    }
    // Locked: even the right current password waits, and so does signing in.
    let a = change(&app, &token, PASSWORD, good).await;
    assert_eq!(
        (a.status, a.error_code()),
        (429, Some("RATE_LIMITED")),
        "{}",
        a.body
    );
    let a = try_login(&app, USERNAME, PASSWORD).await;
    assert_eq!(
        (a.status, a.error_code()),
        (429, Some("RATE_LIMITED")),
        "{}",
        a.body
    );
    // Nothing was changed: the stored hash still verifies the original password
    // (checked directly: signing in is locked).
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let u = stored_user(&app, USERNAME).await;
    let parsed = PasswordHash::new(&u.password_hash).unwrap();
    assert!(
        argon2::Argon2::default()
            .verify_password(PASSWORD.as_bytes(), &parsed)
            .is_ok()
    );
}

async fn a_reset_requires_a_change_before_anything_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let id = new_user(&app, &admin, USERNAME).await;
    let before = app.login(USERNAME, PASSWORD).await;

    let a = app
        .gql(Some(&admin), RESET, json!({"i": {"userId": id}}))
        .await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    let p = &a.body["data"]["resetPassword"];
    assert_eq!(p["user"]["id"], json!(id));
    let temporary = p["temporaryPassword"].as_str().unwrap().to_owned();
    assert!(temporary.chars().count() >= 16, "{temporary}");

    // Every session of the user ended; the old password is gone.
    let old = app.gql(Some(&before), ME, json!({})).await;
    assert_eq!(old.status, 401, "{}", old.body);
    let a = try_login(&app, USERNAME, PASSWORD).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);

    // The one-time password signs in, flagged.
    let a = try_login(&app, USERNAME, &temporary).await;
    assert_eq!(
        a.body["data"]["login"]["mustChangePassword"],
        json!(true),
        "{}",
        a.body
    );
    let token = a.body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // Only the way out runs: a public query, a query and a mutation are refused.
    for q in [
        "{ programme { id } }",
        "{ orgUnit(code: \"QN\") { id } }",
        "query Named { campaigns(first: 1) { edges { node { id } } } }",
    ] {
        let a = app.gql(Some(&token), q, json!({})).await;
        assert_eq!(
            a.error_code(),
            Some("PASSWORD_CHANGE_REQUIRED"),
            "{q}: {}",
            a.body
        );
    }
    let a = app
        .gql(Some(&token), RESET, json!({"i": {"userId": id}}))
        .await;
    assert_eq!(
        a.error_code(),
        Some("PASSWORD_CHANGE_REQUIRED"),
        "{}",
        a.body
    );
    // Beside an allowed field, the refused one alone fails.
    let a = app
        .gql(
            Some(&token),
            "{ me { user { username } } programme { id } __typename }",
            json!({}),
        )
        .await;
    assert_eq!(
        a.error_code(),
        Some("PASSWORD_CHANGE_REQUIRED"),
        "{}",
        a.body
    );
    assert_eq!(
        a.body["errors"][0]["path"],
        json!(["programme"]),
        "{}",
        a.body
    );
    assert_eq!(
        a.body["data"]["me"]["user"]["username"],
        json!(USERNAME),
        "{}",
        a.body
    );
    assert_eq!(a.body["data"]["__typename"], json!("Query"), "{}", a.body);
    // Batches go through the same gate.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!([{"query": "{ programme { id } }"}, {"query": ME}]))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body[0]["errors"][0]["extensions"]["code"],
        json!("PASSWORD_CHANGE_REQUIRED"),
        "{body}"
    );
    assert_eq!(
        body[1]["data"]["me"]["user"]["username"],
        json!(USERNAME),
        "{body}"
    );
    app.ok(Some(&token), "{ mySessions { id } }", json!({}))
        .await;
    // The evidence download is refused too (before it looks the file up).
    let resp = app
        .client
        .get(app.url(&format!("/evidence/{}", uuid::Uuid::new_v4())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        json!("PASSWORD_CHANGE_REQUIRED"),
        "{body}"
    );

    // Changing the password opens everything, with the same token.
    let new_password = "hoa sen nở giữa đầm";
    let a = change(&app, &token, &temporary, new_password).await;
    assert!(
        a.user_error_codes("changePassword").is_empty(),
        "{}",
        a.body
    );
    app.ok(Some(&token), "{ programme { id } }", json!({}))
        .await;
    let resp = app
        .client
        .get(app.url(&format!("/evidence/{}", uuid::Uuid::new_v4())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let a = try_login(&app, USERNAME, new_password).await;
    assert_eq!(
        a.body["data"]["login"]["mustChangePassword"],
        json!(false),
        "{}",
        a.body
    );
    let a = try_login(&app, USERNAME, &temporary).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);

    // Audited by whom, never with the password.
    let u = stored_user(&app, USERNAME).await;
    let rows = audit_rows(&app, u.id).await;
    let reset = rows
        .iter()
        .find(|r| r.action.as_str() == "reset_password")
        .unwrap_or_else(|| panic!("no reset_password audit row: {rows:?}"));
    assert_eq!(reset.actor_label, "admin");
    assert!(!reset.summary.contains(&temporary), "{}", reset.summary);
    assert!(rows.iter().any(|r| r.action.as_str() == "change_password"));
}

/// Sets a user's home unit directly (account administration of home units is not this
/// file's concern).
async fn set_home(app: &TestApp, username: &str, unit_id: &str) {
    let (_, uuid) = thidua_api::ids::decode_untyped(unit_id).unwrap();
    user::Entity::update_many()
        .col_expr(user::Column::UnitId, Expr::val(uuid))
        .filter(user::Column::Username.eq(username))
        .exec(&app.db.conn)
        .await
        .unwrap();
}

async fn reset_password_follows_the_account_administration_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let w1 = app.create_unit(&admin, "PW-W1", &root).await;
    let w2 = app.create_unit(&admin, "PW-W2", &root).await;
    let ward_admin = app
        .user_with_role(&admin, "ward1.admin", "ADMIN", &w1)
        .await;
    let manager = app
        .user_with_role(&admin, "root.manager", "MANAGER", &root)
        .await;

    let inside = new_user(&app, &admin, "inside.w1").await;
    set_home(&app, "inside.w1", &w1).await;
    let other_ward = new_user(&app, &admin, "inside.w2").await;
    set_home(&app, "inside.w2", &w2).await;
    let homeless = new_user(&app, &admin, "no.home").await;
    // Home in W1 but a role in W2: beyond the ward admin's reach.
    app.ok(
        Some(&admin),
        "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } } }",
        json!({"i": {"userId": new_user(&app, &admin, "straddler").await, "role": "VIEWER", "unitId": w2}}),
    )
    .await;
    set_home(&app, "straddler", &w1).await;
    let straddler = stored_user(&app, "straddler").await.id;
    let straddler =
        thidua_api::ids::encode(thidua_domain::id::UserId::from_uuid(straddler)).to_string();

    for (who, token, target) in [
        ("ward admin, user of another ward", &ward_admin, &other_ward),
        (
            "ward admin, user without a home unit",
            &ward_admin,
            &homeless,
        ),
        (
            "ward admin, user with a role outside",
            &ward_admin,
            &straddler,
        ),
        ("manager", &manager, &inside),
    ] {
        let a = app
            .gql(Some(token), RESET, json!({"i": {"userId": target}}))
            .await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
    }
    let a = app.gql(None, RESET, json!({"i": {"userId": inside}})).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    let a = app
        .gql(Some(&admin), RESET, json!({"i": {"userId": "not-an-id"}}))
        .await;
    assert_eq!(
        a.user_error_codes("resetPassword"),
        vec!["INVALID_FORMAT"],
        "{}",
        a.body
    );
    assert_eq!(a.user_error_fields("resetPassword"), vec!["userId"]);
    let ghost = thidua_api::ids::encode(thidua_domain::id::UserId::from_uuid(uuid::Uuid::now_v7()))
        .to_string();
    let a = app
        .gql(Some(&admin), RESET, json!({"i": {"userId": ghost}}))
        .await;
    assert_eq!(a.error_code(), Some("NOT_FOUND"), "{}", a.body);
    // The refused resets changed nothing.
    for name in ["inside.w1", "inside.w2", "no.home", "straddler"] {
        app.login(name, PASSWORD).await;
        assert!(
            !stored_user(&app, name).await.must_change_password,
            "{name}"
        );
    }

    // The ward admin may reset an account of the ward.
    let a = app
        .gql(Some(&ward_admin), RESET, json!({"i": {"userId": inside}}))
        .await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    assert!(a.body["data"]["resetPassword"]["temporaryPassword"].is_string());
    assert!(stored_user(&app, "inside.w1").await.must_change_password);
    let ward_admin_id = stored_user(&app, "ward1.admin").await.id;
    let u = stored_user(&app, "inside.w1").await;
    let rows = audit_rows(&app, u.id).await;
    assert!(
        rows.iter().any(
            |r| r.action.as_str() == "reset_password" && r.actor_user_id == Some(ward_admin_id)
        ),
        "{rows:?}"
    );
}

async fn two_hashing_mutations_in_one_request_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let two = "mutation($i: ChangePasswordInput!) { a: changePassword(input: $i) { user { id } } b: changePassword(input: $i) { user { id } } }";
    let a = app
        .gql(
            Some(&admin),
            two,
            json!({"i": {"currentPassword": ADMIN_PASSWORD, "newPassword": "gió đưa cành trúc la đà"}}),
        )
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (400, Some("TOO_MANY_LOGINS")),
        "{}",
        a.body
    );
    let mixed = "mutation($i: ChangePasswordInput!, $r: ResetPasswordInput!) { changePassword(input: $i) { user { id } } resetPassword(input: $r) { temporaryPassword } }";
    let a = app
        .gql(
            Some(&admin),
            mixed,
            json!({"i": {"currentPassword": ADMIN_PASSWORD, "newPassword": "gió đưa cành trúc la đà"}, "r": {"userId": "x"}}),
        )
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (400, Some("TOO_MANY_LOGINS")),
        "{}",
        a.body
    );
    // Nothing ran: the admin's password is unchanged.
    app.admin().await;
}
