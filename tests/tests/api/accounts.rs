//! Account administration through the one rule for accounts: an administrator manages an
//! account only with ManageUsers over its home unit and over every unit it holds a role
//! on. A ward administrator cannot touch accounts homed elsewhere, nor a provincial
//! officer who lives in the ward, nor grant beyond the ward.

use serde_json::{Value, json};
use thidua_tests::{Answer, Backend, PASSWORD, TestApp, both, spawn_app};

both!(
    the_users_list_is_scoped_to_the_callers_admin_subtrees_and_forbidden_to_others,
    private_fields_show_only_to_the_holder_and_to_administrators_who_manage_them,
    users_filter_by_home_unit_activity_role_and_search_without_diacritics,
    users_page_with_cursors_in_username_order,
    bad_list_arguments_are_refused_with_their_codes,
    user_by_id_is_for_the_holder_and_their_administrators_only,
    create_user_needs_manage_users_on_the_home_unit,
    create_user_refuses_bad_input_field_by_field,
    grant_role_needs_the_right_to_manage_the_account,
    revoke_role_needs_the_grants_unit_and_the_account_and_never_locks_out_the_last_root_admin,
    deactivation_ends_every_session_at_once_and_reactivation_lets_the_user_back,
    deactivation_and_reactivation_follow_the_rule_and_never_lock_yourself_out,
    update_user_is_for_the_holder_or_their_administrators,
    update_user_refuses_bad_input_field_by_field,
    a_page_of_50_users_with_grants_and_units_costs_the_same_statements_as_5
);

const CREATE: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { \
    user { id username displayName unit { code } email phone isActive } userErrors { field code } } }";
const GRANT: &str = "mutation($i: GrantRoleInput!) { grantRole(input: $i) { \
    user { id grants { id role unit { code } } } userErrors { field code } } }";
const REVOKE: &str = "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { \
    user { id grants { id role unit { code } } } userErrors { field code } } }";
const DEACTIVATE: &str = "mutation($i: UserIdInput!) { deactivateUser(input: $i) { \
    user { id isActive deactivatedAt } userErrors { field code } } }";
const REACTIVATE: &str = "mutation($i: UserIdInput!) { reactivateUser(input: $i) { \
    user { id isActive deactivatedAt } userErrors { field code } } }";
const UPDATE: &str = "mutation($i: UpdateUserInput!) { updateUser(input: $i) { \
    user { id displayName email phone } userErrors { field code } } }";
const USERS: &str = "query($f: UserFilter, $n: Int, $a: String) { users(filter: $f, first: $n, after: $a) { \
    edges { cursor node { id username displayName isActive unit { code } email phone lastSignInAt \
    mustChangePassword grants { id role unit { code } } } } pageInfo { hasNextPage endCursor } } }";
const USER: &str = "query($id: ID!) { user(id: $id) { id username email phone lastSignInAt \
    mustChangePassword grants { role unit { code } } unit { code } } }";

/// A province (root QN) with wards A and B and a village under A, and these accounts:
/// - `admin` (seeded): ADMIN on the root, no home unit;
/// - `admin.a`: ADMIN on ward A, homed in A (the ward administrator);
/// - `officer.qn`: MANAGER on the root, homed in A (a provincial officer living in the ward);
/// - `lan.a` ("Nguyễn Thị Lán"): REPORTER on A, homed in the village, with an email;
/// - `binh.b`: REPORTER on B, homed in B;
/// - `nohome`: no home unit, no roles;
/// - `manager.qn`: MANAGER on the root, homed at the root.
struct World {
    app: TestApp,
    root_admin: String,
    root: String,
    ward_a: String,
    ward_b: String,
    village: String,
    ward_admin: String,
    ward_admin_id: String,
    officer_id: String,
    lan: String,
    lan_id: String,
    binh_id: String,
    nohome_id: String,
    manager: String,
}

async fn create(app: &TestApp, token: &str, input: Value) -> Answer {
    app.gql(Some(token), CREATE, json!({ "i": input })).await
}

/// Creates an account (as `token`) and returns its id.
async fn account(
    app: &TestApp,
    token: &str,
    username: &str,
    name: &str,
    unit: Option<&str>,
) -> String {
    let a = create(
        app,
        token,
        json!({"username": username, "displayName": name, "password": PASSWORD, "unitId": unit}),
    )
    .await;
    a.data()["createUser"]["user"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createUser {username}: {}", a.body))
        .to_owned()
}

async fn grant(app: &TestApp, token: &str, user: &str, role: &str, unit: &str) -> Answer {
    app.gql(
        Some(token),
        GRANT,
        json!({"i": {"userId": user, "role": role, "unitId": unit}}),
    )
    .await
}

/// Grants as `token` and checks it worked.
async fn granted(app: &TestApp, token: &str, user: &str, role: &str, unit: &str) {
    let a = grant(app, token, user, role, unit).await;
    assert!(
        a.data()["grantRole"]["user"]["id"].is_string(),
        "grant {role}: {}",
        a.body
    );
}

async fn world(backend: Backend) -> World {
    let app = spawn_app(backend).await;
    let root_admin = app.admin().await;
    let root = app.root_unit(&root_admin).await;
    let ward_a = app.create_unit(&root_admin, "PHUONG-A", &root).await;
    let ward_b = app.create_unit(&root_admin, "PHUONG-B", &root).await;
    let village = app
        .create_unit(&root_admin, "PHUONG-A-THON1", &ward_a)
        .await;
    let ra = &root_admin;

    let ward_admin_id = account(&app, ra, "admin.a", "Quản trị phường A", Some(&ward_a)).await;
    granted(&app, ra, &ward_admin_id, "ADMIN", &ward_a).await;
    let officer_id = account(&app, ra, "officer.qn", "Cán bộ tỉnh", Some(&ward_a)).await;
    granted(&app, ra, &officer_id, "MANAGER", &root).await;
    let lan_id = account(&app, ra, "lan.a", "Nguyễn Thị Lán", Some(&village)).await;
    granted(&app, ra, &lan_id, "REPORTER", &ward_a).await;
    let binh_id = account(&app, ra, "binh.b", "Trần Văn Bình", Some(&ward_b)).await;
    granted(&app, ra, &binh_id, "REPORTER", &ward_b).await;
    let nohome_id = account(&app, ra, "nohome", "Không đơn vị", None).await;
    let manager_id = account(&app, ra, "manager.qn", "Quản lý tỉnh", Some(&root)).await;
    granted(&app, ra, &manager_id, "MANAGER", &root).await;
    app.ok(
        Some(ra),
        UPDATE,
        json!({"i": {"userId": lan_id, "email": "lan@phuonga.gov.vn", "phone": "0912 345 678"}}),
    )
    .await;

    let ward_admin = app.login("admin.a", PASSWORD).await;
    let lan = app.login("lan.a", PASSWORD).await;
    let manager = app.login("manager.qn", PASSWORD).await;
    World {
        app,
        root_admin,
        root,
        ward_a,
        ward_b,
        village,
        ward_admin,
        ward_admin_id,
        officer_id,
        lan,
        lan_id,
        binh_id,
        nohome_id,
        manager,
    }
}

fn nodes(d: &Value) -> Vec<Value> {
    d["users"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no users: {d}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn usernames(d: &Value) -> Vec<String> {
    nodes(d)
        .iter()
        .map(|n| n["username"].as_str().unwrap().to_owned())
        .collect()
}

async fn list(w: &World, token: &str, filter: Value) -> Vec<String> {
    usernames(
        &w.app
            .ok(Some(token), USERS, json!({"f": filter, "n": 100}))
            .await,
    )
}

/// The actions of the audit rows about one entity, oldest first.
async fn audit_actions(w: &World, entity: &str, id: &str) -> Vec<String> {
    let d = w
        .app
        .ok(
            Some(&w.root_admin),
            "query($e: String, $id: ID) { auditLog(filter: {entity: $e, entityId: $id}) { edges { node { action actorLabel } } } }",
            json!({"e": entity, "id": id}),
        )
        .await;
    let mut actions: Vec<String> = d["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap().to_owned())
        .collect();
    // The log is newest first.
    actions.reverse();
    actions
}

async fn the_users_list_is_scoped_to_the_callers_admin_subtrees_and_forbidden_to_others(
    backend: Backend,
) {
    let w = world(backend).await;
    let all = list(&w, &w.root_admin, json!({})).await;
    assert_eq!(
        all,
        [
            "admin",
            "admin.a",
            "binh.b",
            "lan.a",
            "manager.qn",
            "nohome",
            "officer.qn"
        ],
        "the root administrator sees every account, those without a home unit included"
    );
    // The ward administrator sees the accounts homed in the ward (the village included),
    // not those homed in B, at the root or nowhere.
    assert_eq!(
        list(&w, &w.ward_admin, json!({})).await,
        ["admin.a", "lan.a", "officer.qn"]
    );
    // Filters cannot widen the scope: asking for ward B's accounts shows none.
    assert!(
        list(&w, &w.ward_admin, json!({"unitId": w.ward_b}))
            .await
            .is_empty()
    );
    for (who, token) in [("manager", &w.manager), ("reporter", &w.lan)] {
        let a = w.app.gql(Some(token), USERS, json!({})).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
        assert!(a.data().is_null() || a.data()["users"].is_null());
    }
    let a = w.app.gql(None, USERS, json!({})).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
}

async fn private_fields_show_only_to_the_holder_and_to_administrators_who_manage_them(
    backend: Backend,
) {
    let w = world(backend).await;
    let d = w.app.ok(Some(&w.ward_admin), USERS, json!({})).await;
    let by_name = |name: &str| -> Value {
        nodes(&d)
            .into_iter()
            .find(|n| n["username"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {d}"))
    };
    let lan = by_name("lan.a");
    assert_eq!(lan["email"], "lan@phuonga.gov.vn");
    assert_eq!(lan["phone"], "0912345678");
    assert_eq!(lan["unit"]["code"], "PHUONG-A-THON1");
    assert_eq!(lan["mustChangePassword"], false);
    assert!(lan["lastSignInAt"].is_string(), "{lan}");
    assert_eq!(lan["grants"][0]["role"], "REPORTER");
    assert_eq!(lan["grants"][0]["unit"]["code"], "PHUONG-A");
    assert!(lan["grants"][0]["id"].is_string());
    // Homed in the ward but a provincial manager: listed, but nothing private shows.
    let officer = by_name("officer.qn");
    assert_eq!(officer["unit"]["code"], "PHUONG-A");
    for field in [
        "email",
        "phone",
        "lastSignInAt",
        "mustChangePassword",
        "grants",
    ] {
        assert!(officer[field].is_null(), "{field}: {officer}");
    }
    // A manager reading a report sees its author's name, not their contact details.
    let own = w
        .app
        .ok(
            Some(&w.lan),
            "{ me { user { username email phone grants { role } mustChangePassword } } }",
            json!({}),
        )
        .await;
    assert_eq!(own["me"]["user"]["email"], "lan@phuonga.gov.vn");
    assert_eq!(own["me"]["user"]["grants"][0]["role"], "REPORTER");
    let seen_by_manager = w
        .app
        .gql(Some(&w.manager), USER, json!({"id": w.lan_id}))
        .await;
    assert_eq!(seen_by_manager.error_code(), Some("FORBIDDEN"));
}

async fn users_filter_by_home_unit_activity_role_and_search_without_diacritics(backend: Backend) {
    let w = world(backend).await;
    let ra = &w.root_admin;
    // "lan" (no diacritics, lower case) finds "Nguyễn Thị Lán"; words in any order.
    assert_eq!(list(&w, ra, json!({"search": "lan"})).await, ["lan.a"]);
    assert_eq!(
        list(&w, ra, json!({"search": "LAN nguyen"})).await,
        ["lan.a"]
    );
    assert_eq!(list(&w, ra, json!({"search": "Lán thị"})).await, ["lan.a"]);
    assert_eq!(list(&w, ra, json!({"search": "binh.b"})).await, ["binh.b"]);
    assert!(list(&w, ra, json!({"search": "lan binh"})).await.is_empty());
    // Home unit subtree: ward A holds the village.
    assert_eq!(
        list(&w, ra, json!({"unitId": w.ward_a})).await,
        ["admin.a", "lan.a", "officer.qn"]
    );
    assert_eq!(list(&w, ra, json!({"unitId": w.village})).await, ["lan.a"]);
    // Role held anywhere.
    assert_eq!(
        list(&w, ra, json!({"role": "REPORTER"})).await,
        ["binh.b", "lan.a"]
    );
    assert_eq!(
        list(&w, ra, json!({"role": "MANAGER", "unitId": w.ward_a})).await,
        ["officer.qn"]
    );
    // Active flag.
    w.app
        .ok(Some(ra), DEACTIVATE, json!({"i": {"userId": w.binh_id}}))
        .await;
    assert_eq!(list(&w, ra, json!({"active": false})).await, ["binh.b"]);
    assert!(
        !list(&w, ra, json!({"active": true}))
            .await
            .contains(&"binh.b".to_owned())
    );
    assert_eq!(list(&w, ra, json!({"active": true})).await.len(), 6);
    // Combined with the ward administrator's scope.
    assert_eq!(
        list(&w, &w.ward_admin, json!({"search": "can bo"})).await,
        ["officer.qn"]
    );
}

async fn users_page_with_cursors_in_username_order(backend: Backend) {
    let w = world(backend).await;
    let ra = &w.root_admin;
    for i in 0..5 {
        account(
            &w.app,
            ra,
            &format!("page.{i}"),
            &format!("Trang {i}"),
            Some(&w.ward_b),
        )
        .await;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let d = w
            .app
            .ok(
                Some(ra),
                USERS,
                json!({"f": {"unitId": w.ward_b}, "n": 2, "a": after}),
            )
            .await;
        let names = usernames(&d);
        assert!(names.len() <= 2);
        seen.extend(names);
        pages += 1;
        if d["users"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(
            d["users"]["pageInfo"]["endCursor"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        assert!(pages < 10, "paging does not end: {seen:?}");
    }
    assert_eq!(
        seen,
        ["binh.b", "page.0", "page.1", "page.2", "page.3", "page.4"]
    );
    assert_eq!(pages, 3);
}

async fn bad_list_arguments_are_refused_with_their_codes(backend: Backend) {
    let w = world(backend).await;
    let ra = &w.root_admin;
    let cases = [
        (json!({"f": {"search": "x".repeat(201)}}), Some("TOO_LONG")),
        (json!({"f": {"search": "lan\u{0}"}}), Some("INVALID_FORMAT")),
        (
            json!({"f": {"search": "a b c d e f g h i"}}),
            Some("TOO_MANY"),
        ),
        (json!({"f": {"unitId": "not-an-id"}}), None),
        (json!({"f": {"unitId": w.lan_id}}), None),
        (json!({"a": "garbage"}), None),
        (json!({"n": 101}), None),
        (json!({"n": -1}), None),
    ];
    for (vars, user_code) in cases {
        let a = w.app.gql(Some(ra), USERS, vars.clone()).await;
        assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{vars}: {}", a.body);
        if let Some(code) = user_code {
            assert_eq!(
                a.body["errors"][0]["extensions"]["userErrorCode"], code,
                "{vars}: {}",
                a.body
            );
        }
    }
}

async fn user_by_id_is_for_the_holder_and_their_administrators_only(backend: Backend) {
    let w = world(backend).await;
    let get = |token: Option<&str>, id: &str| {
        let id = id.to_owned();
        let token = token.map(str::to_owned);
        let app = &w.app;
        async move { app.gql(token.as_deref(), USER, json!({ "id": id })).await }
    };
    // The holder.
    let a = get(Some(&w.lan), &w.lan_id).await;
    assert_eq!(
        a.data()["user"]["email"],
        "lan@phuonga.gov.vn",
        "{}",
        a.body
    );
    // The ward administrator, for an account homed and holding roles in the ward.
    let a = get(Some(&w.ward_admin), &w.lan_id).await;
    assert_eq!(a.data()["user"]["grants"][0]["unit"]["code"], "PHUONG-A");
    assert_eq!(a.data()["user"]["unit"]["code"], "PHUONG-A-THON1");
    // The root administrator, for anyone.
    for id in [&w.officer_id, &w.nohome_id, &w.binh_id] {
        let a = get(Some(&w.root_admin), id).await;
        assert!(a.data()["user"]["id"].is_string(), "{}", a.body);
    }
    // Refused: the ward administrator outside the ward, above it, or homeless accounts;
    // a reporter or manager for anyone but themself.
    for (who, token, id) in [
        ("ward admin → officer", &w.ward_admin, &w.officer_id),
        ("ward admin → ward B", &w.ward_admin, &w.binh_id),
        ("ward admin → no home", &w.ward_admin, &w.nohome_id),
        ("reporter → other", &w.lan, &w.binh_id),
        ("manager → reporter", &w.manager, &w.lan_id),
    ] {
        let a = get(Some(token), id).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
    }
    let a = get(None, &w.lan_id).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
    // An id of another type or none at all; an unknown user.
    for bad in [w.ward_a.as_str(), "garbage"] {
        let a = get(Some(&w.root_admin), bad).await;
        assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{bad}: {}", a.body);
    }
    let unknown = thidua_api_user_id("0190f3a0-0000-7000-8000-000000000000");
    let a = get(Some(&w.root_admin), &unknown).await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    assert!(a.data()["user"].is_null());
}

/// The global id of a user uuid (base64url of "User:<uuid>").
fn thidua_api_user_id(uuid: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("User:{uuid}"))
}

async fn create_user_needs_manage_users_on_the_home_unit(backend: Backend) {
    let w = world(backend).await;
    let input = |name: &str, unit: Option<&str>| json!({"username": name, "displayName": name, "password": PASSWORD, "unitId": unit});
    // The ward administrator: in the ward and below it.
    for (name, unit) in [("new.a", &w.ward_a), ("new.village", &w.village)] {
        let a = create(&w.app, &w.ward_admin, input(name, Some(unit))).await;
        assert!(
            a.data()["createUser"]["user"]["id"].is_string(),
            "{}",
            a.body
        );
    }
    // Not in ward B, not at the root, not without a home unit.
    for (name, unit) in [
        ("new.b", Some(w.ward_b.as_str())),
        ("new.root", Some(w.root.as_str())),
        ("new.nohome", None),
    ] {
        let a = create(&w.app, &w.ward_admin, input(name, unit)).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{name}: {}", a.body);
    }
    // Managers and reporters create nobody; anonymous callers must sign in.
    for (who, token) in [("manager", &w.manager), ("reporter", &w.lan)] {
        let a = create(&w.app, token, input("new.x", Some(&w.ward_a))).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
    }
    let a = w
        .app
        .gql(
            None,
            CREATE,
            json!({"i": input("new.anon", Some(&w.ward_a))}),
        )
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
    // The root administrator may create an account with no home unit.
    let a = create(&w.app, &w.root_admin, input("new.province", None)).await;
    let user = &a.data()["createUser"]["user"];
    assert!(user["unit"].is_null(), "{}", a.body);
    // Refused creations left nothing behind.
    let names = list(&w, &w.root_admin, json!({"search": "new"})).await;
    assert_eq!(names, ["new.a", "new.province", "new.village"]);
    // With contact details, normalised; audited.
    let a = create(
        &w.app,
        &w.ward_admin,
        json!({"username": "hoa.a", "displayName": "Lê Thị Hoa", "password": PASSWORD,
               "unitId": w.ward_a, "email": "Hoa@PhuongA.GOV.VN", "phone": "+84 (203) 3835.123"}),
    )
    .await;
    let u = &a.data()["createUser"]["user"];
    assert_eq!(u["email"], "Hoa@phuonga.gov.vn", "{}", a.body);
    assert_eq!(u["phone"], "+842033835123");
    assert_eq!(u["unit"]["code"], "PHUONG-A");
    assert_eq!(u["isActive"], true);
    let id = u["id"].as_str().unwrap();
    assert_eq!(audit_actions(&w, "User", id).await, ["create"]);
}

async fn create_user_refuses_bad_input_field_by_field(backend: Backend) {
    let w = world(backend).await;
    let base = json!({"username": "bad.input", "displayName": "Bad", "password": PASSWORD, "unitId": w.ward_a});
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        i
    };
    let unknown_unit = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode("OrgUnit:0190f3a0-0000-7000-8000-000000000000")
    };
    let cases = [
        (
            with("displayName", json!("x".repeat(301))),
            "displayName",
            "TOO_LONG",
        ),
        (
            with("displayName", json!("Lan\u{0}")),
            "displayName",
            "INVALID_FORMAT",
        ),
        (
            with("displayName", json!("Lan\nAnh")),
            "displayName",
            "INVALID_FORMAT",
        ),
        (with("displayName", json!("  ")), "displayName", "REQUIRED"),
        (
            with("username", json!("Bad Name!")),
            "username",
            "INVALID_FORMAT",
        ),
        (with("email", json!("lan@")), "email", "INVALID_FORMAT"),
        (
            with("email", json!("lan at phuong.vn")),
            "email",
            "INVALID_FORMAT",
        ),
        (
            with("email", json!(format!("{}@x.vn", "a".repeat(250)))),
            "email",
            "TOO_LONG",
        ),
        (
            with("email", json!("lan\u{7}@x.vn")),
            "email",
            "INVALID_FORMAT",
        ),
        (with("phone", json!("12345")), "phone", "INVALID_FORMAT"),
        (
            with("phone", json!("0912-abc-678")),
            "phone",
            "INVALID_FORMAT",
        ),
        (with("phone", json!("1".repeat(31))), "phone", "TOO_LONG"),
        (with("unitId", json!("garbage")), "unitId", "INVALID_FORMAT"),
        (with("unitId", json!(w.lan_id)), "unitId", "INVALID_FORMAT"),
        (
            with("unitId", json!(unknown_unit)),
            "unitId",
            "UNKNOWN_REFERENCE",
        ),
        (with("username", json!("lan.a")), "username", "DUPLICATE"),
    ];
    for (input, field, code) in cases {
        let a = create(&w.app, &w.root_admin, input.clone()).await;
        assert!(a.body["errors"].is_null(), "{input}: {}", a.body);
        assert!(a.data()["createUser"]["user"].is_null(), "{input}");
        assert_eq!(
            a.user_error_fields("createUser"),
            [field],
            "{input}: {}",
            a.body
        );
        assert_eq!(
            a.user_error_codes("createUser"),
            [code],
            "{input}: {}",
            a.body
        );
    }
    // Both contact errors at once.
    let mut both_bad = with("email", json!("x@"));
    both_bad["phone"] = json!("1");
    let a = create(&w.app, &w.root_admin, both_bad).await;
    assert_eq!(a.user_error_fields("createUser"), ["email", "phone"]);
    // A deactivated unit homes no new account.
    let closed = w.app.create_unit(&w.root_admin, "PHUONG-C", &w.root).await;
    w.app
        .ok(
            Some(&w.root_admin),
            "mutation($i: DeactivateOrgUnitInput!) { deactivateOrgUnit(input: $i) { userErrors { code } } }",
            json!({"i": {"id": closed}}),
        )
        .await;
    let a = create(&w.app, &w.root_admin, with("unitId", json!(closed))).await;
    assert_eq!(a.user_error_codes("createUser"), ["INACTIVE"], "{}", a.body);
    assert!(
        list(&w, &w.root_admin, json!({"search": "bad.input"}))
            .await
            .is_empty()
    );
}

async fn grant_role_needs_the_right_to_manage_the_account(backend: Backend) {
    let w = world(backend).await;
    let (app, wa) = (&w.app, &w.ward_admin);
    // Inside the ward, to an account of the ward.
    let a = grant(app, wa, &w.lan_id, "VIEWER", &w.village).await;
    let roles = &a.data()["grantRole"]["user"]["grants"];
    assert_eq!(roles.as_array().unwrap().len(), 2, "{}", a.body);
    // Beyond the ward's subtree, even to an account of the ward.
    let a = grant(app, wa, &w.lan_id, "VIEWER", &w.root).await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    let a = grant(app, wa, &w.lan_id, "VIEWER", &w.ward_b).await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    // A ward role to accounts the ward administrator does not manage: the provincial
    // officer living in the ward, an account of ward B, an account with no home unit.
    for (who, id) in [
        ("officer", &w.officer_id),
        ("ward B", &w.binh_id),
        ("no home", &w.nohome_id),
    ] {
        let a = grant(app, wa, id, "REPORTER", &w.ward_a).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
    }
    // Managers and reporters grant nothing; anonymous callers must sign in.
    for (who, token) in [("manager", &w.manager), ("reporter", &w.lan)] {
        let a = grant(app, token, &w.lan_id, "MANAGER", &w.ward_a).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
    }
    let a = app
        .gql(
            None,
            GRANT,
            json!({"i": {"userId": w.lan_id, "role": "ADMIN", "unitId": w.ward_a}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
    // Bad ids.
    let a = grant(app, wa, "garbage", "VIEWER", &w.ward_a).await;
    assert_eq!(a.user_error_fields("grantRole"), ["userId"]);
    assert_eq!(a.user_error_codes("grantRole"), ["INVALID_FORMAT"]);
    let a = grant(
        app,
        wa,
        &thidua_api_user_id("0190f3a0-0000-7000-8000-000000000000"),
        "VIEWER",
        &w.ward_a,
    )
    .await;
    assert_eq!(
        a.user_error_codes("grantRole"),
        ["UNKNOWN_REFERENCE"],
        "{}",
        a.body
    );
    // The refused grants left nothing: the officer still holds one role, lan two.
    let d = app
        .ok(Some(&w.root_admin), USER, json!({"id": w.officer_id}))
        .await;
    assert_eq!(d["user"]["grants"].as_array().unwrap().len(), 1);
    let d = app
        .ok(Some(&w.root_admin), USER, json!({"id": w.lan_id}))
        .await;
    assert_eq!(d["user"]["grants"].as_array().unwrap().len(), 2);
}

async fn revoke_role_needs_the_grants_unit_and_the_account_and_never_locks_out_the_last_root_admin(
    backend: Backend,
) {
    let w = world(backend).await;
    let app = &w.app;
    let grants_of = |d: &Value, path: &str| -> Vec<(String, String, String)> {
        d[path]["grants"]
            .as_array()
            .unwrap_or_else(|| panic!("no grants: {d}"))
            .iter()
            .map(|g| {
                (
                    g["id"].as_str().unwrap().to_owned(),
                    g["role"].as_str().unwrap().to_owned(),
                    g["unit"]["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let user_q = "query($id: ID!) { user(id: $id) { grants { id role unit { code } } } }";
    let revoke = |token: &str, grant: &str| {
        let token = token.to_owned();
        let grant = grant.to_owned();
        async move {
            app.gql(Some(&token), REVOKE, json!({"i": {"grantId": grant}}))
                .await
        }
    };
    let officer = app
        .ok(Some(&w.root_admin), user_q, json!({"id": w.officer_id}))
        .await;
    let officer_grant = grants_of(&officer, "user")[0].0.clone();
    // The root administrator gives the officer a ward role too: the ward administrator
    // holds ManageUsers on its unit but may not manage the officer.
    granted(app, &w.root_admin, &w.officer_id, "VIEWER", &w.ward_a).await;
    let officer = app
        .ok(Some(&w.root_admin), user_q, json!({"id": w.officer_id}))
        .await;
    let officer_ward_grant = grants_of(&officer, "user")
        .into_iter()
        .find(|g| g.2 == "PHUONG-A")
        .unwrap()
        .0;
    let binh = app
        .ok(Some(&w.root_admin), user_q, json!({"id": w.binh_id}))
        .await;
    let binh_grant = grants_of(&binh, "user")[0].0.clone();
    let lan = app
        .ok(Some(&w.root_admin), user_q, json!({"id": w.lan_id}))
        .await;
    let lan_grant = grants_of(&lan, "user")[0].0.clone();

    for (who, token, grant) in [
        (
            "ward admin → officer's root role",
            &w.ward_admin,
            &officer_grant,
        ),
        (
            "ward admin → officer's ward role",
            &w.ward_admin,
            &officer_ward_grant,
        ),
        ("ward admin → ward B", &w.ward_admin, &binh_grant),
        ("manager", &w.manager, &lan_grant),
        ("reporter (own role)", &w.lan, &lan_grant),
    ] {
        let a = revoke(token, grant).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
    }
    let a = app
        .gql(None, REVOKE, json!({"i": {"grantId": lan_grant}}))
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
    // Bad ids: malformed, of another type, unknown.
    for (bad, code) in [
        ("garbage".to_owned(), "INVALID_FORMAT"),
        (w.lan_id.clone(), "INVALID_FORMAT"),
        (
            {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode("RoleGrant:0190f3a0-0000-7000-8000-000000000000")
            },
            "UNKNOWN_REFERENCE",
        ),
    ] {
        let a = revoke(&w.ward_admin, &bad).await;
        assert_eq!(a.user_error_fields("revokeRole"), ["grantId"], "{}", a.body);
        assert_eq!(a.user_error_codes("revokeRole"), [code], "{}", a.body);
    }
    // Nothing refused was revoked.
    let officer = app
        .ok(Some(&w.root_admin), user_q, json!({"id": w.officer_id}))
        .await;
    assert_eq!(grants_of(&officer, "user").len(), 2);

    // The ward administrator takes lan's role back; it stops working at once.
    let a = revoke(&w.ward_admin, &lan_grant).await;
    assert_eq!(
        a.data()["revokeRole"]["user"]["grants"],
        json!([]),
        "{}",
        a.body
    );
    let a = app
        .gql(
            Some(&w.lan),
            "{ campaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    assert_eq!(
        audit_actions(&w, "RoleGrant", &lan_grant).await,
        ["grant", "revoke"]
    );
    // Revoking it again: it is gone.
    let a = revoke(&w.ward_admin, &lan_grant).await;
    assert_eq!(a.user_error_codes("revokeRole"), ["UNKNOWN_REFERENCE"]);

    // The root administrator's own last ADMIN role on the root: SELF_LOCKOUT.
    let me = app
        .ok(
            Some(&w.root_admin),
            "{ me { grants { id role unit { code } } } }",
            json!({}),
        )
        .await;
    let own_root = grants_of(&me, "me")
        .into_iter()
        .find(|g| g.1 == "ADMIN" && g.2 == "QN")
        .unwrap()
        .0;
    let a = revoke(&w.root_admin, &own_root).await;
    assert_eq!(
        a.user_error_codes("revokeRole"),
        ["SELF_LOCKOUT"],
        "{}",
        a.body
    );
    // The ward administrator may drop their own ward role (the root still has its admin).
    let me = app
        .ok(
            Some(&w.ward_admin),
            "{ me { grants { id role unit { code } } } }",
            json!({}),
        )
        .await;
    let own_ward = grants_of(&me, "me")[0].0.clone();
    let a = revoke(&w.ward_admin, &own_ward).await;
    assert_eq!(
        a.data()["revokeRole"]["user"]["grants"],
        json!([]),
        "{}",
        a.body
    );
    // Even with a second root administrator the first cannot drop their own last root
    // role; the second may take it.
    let second = account(app, &w.root_admin, "admin.two", "Quản trị 2", None).await;
    granted(app, &w.root_admin, &second, "ADMIN", &w.root).await;
    let a = revoke(&w.root_admin, &own_root).await;
    assert_eq!(
        a.user_error_codes("revokeRole"),
        ["SELF_LOCKOUT"],
        "{}",
        a.body
    );
    let second = app.login("admin.two", PASSWORD).await;
    let a = revoke(&second, &own_root).await;
    assert!(a.user_error_codes("revokeRole").is_empty(), "{}", a.body);
    assert!(a.body["errors"].is_null(), "{}", a.body);
    let a = app.gql(Some(&w.root_admin), USERS, json!({})).await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"));
}

async fn deactivation_ends_every_session_at_once_and_reactivation_lets_the_user_back(
    backend: Backend,
) {
    let w = world(backend).await;
    let app = &w.app;
    const ME: &str = "{ me { user { username } } }";
    // Two sessions of lan's: the phone (w.lan) and a second sign-in with a refresh token.
    let second = app
        .ok(
            None,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }",
            json!({"i": {"username": "lan.a", "password": PASSWORD}}),
        )
        .await;
    let second_access = second["login"]["accessToken"].as_str().unwrap().to_owned();
    let refresh = second["login"]["refreshToken"].as_str().unwrap().to_owned();
    app.ok(Some(&w.lan), ME, json!({})).await;
    app.ok(Some(&second_access), ME, json!({})).await;

    let a = app
        .gql(
            Some(&w.ward_admin),
            DEACTIVATE,
            json!({"i": {"userId": w.lan_id}}),
        )
        .await;
    let u = &a.data()["deactivateUser"]["user"];
    assert_eq!(u["isActive"], false, "{}", a.body);
    assert!(u["deactivatedAt"].is_string());
    // Both access tokens are refused on the very next request, before they expire.
    for token in [&w.lan, &second_access] {
        let a = app.gql(Some(token), ME, json!({})).await;
        assert_eq!(a.status, 401, "{}", a.body);
    }
    // The refresh token is dead, and so is the password.
    let a = app
        .gql(
            None,
            "mutation($i: RefreshSessionInput!) { refreshSession(input: $i) { accessToken } }",
            json!({"i": {"refreshToken": refresh}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    let a = app
        .gql(
            None,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            json!({"i": {"username": "lan.a", "password": PASSWORD}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    // Every session ended, as DEACTIVATED.
    let d = app
        .ok(
            Some(&w.ward_admin),
            "query($id: ID!) { userSessions(userId: $id) { active endReason } }",
            json!({"id": w.lan_id}),
        )
        .await;
    let sessions = d["userSessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{d}");
    for s in sessions {
        assert_eq!(s["active"], false);
        assert_eq!(s["endReason"], "DEACTIVATED");
    }
    // Deactivating again changes nothing and writes nothing.
    let a = app
        .gql(
            Some(&w.ward_admin),
            DEACTIVATE,
            json!({"i": {"userId": w.lan_id}}),
        )
        .await;
    assert_eq!(a.data()["deactivateUser"]["user"]["isActive"], false);

    let a = app
        .gql(
            Some(&w.ward_admin),
            REACTIVATE,
            json!({"i": {"userId": w.lan_id}}),
        )
        .await;
    let u = &a.data()["reactivateUser"]["user"];
    assert_eq!(u["isActive"], true, "{}", a.body);
    assert!(u["deactivatedAt"].is_null());
    // The old token stays refused; a new sign-in works.
    let a = app.gql(Some(&w.lan), ME, json!({})).await;
    assert_eq!(a.status, 401, "{}", a.body);
    let fresh = app.login("lan.a", PASSWORD).await;
    let d = app.ok(Some(&fresh), ME, json!({})).await;
    assert_eq!(d["me"]["user"]["username"], "lan.a");
    assert_eq!(
        audit_actions(&w, "User", &w.lan_id).await,
        ["create", "update", "deactivate", "reactivate"]
    );
}

async fn deactivation_and_reactivation_follow_the_rule_and_never_lock_yourself_out(
    backend: Backend,
) {
    let w = world(backend).await;
    let app = &w.app;
    for m in [DEACTIVATE, REACTIVATE] {
        let path = if m == DEACTIVATE {
            "deactivateUser"
        } else {
            "reactivateUser"
        };
        for (who, token, id) in [
            ("ward admin → officer", &w.ward_admin, &w.officer_id),
            ("ward admin → ward B", &w.ward_admin, &w.binh_id),
            ("ward admin → no home", &w.ward_admin, &w.nohome_id),
            ("manager", &w.manager, &w.lan_id),
            ("reporter", &w.lan, &w.binh_id),
        ] {
            let a = app.gql(Some(token), m, json!({"i": {"userId": id}})).await;
            assert_eq!(
                a.error_code(),
                Some("FORBIDDEN"),
                "{path} {who}: {}",
                a.body
            );
        }
        let a = app.gql(None, m, json!({"i": {"userId": w.lan_id}})).await;
        assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
        let a = app
            .gql(Some(&w.root_admin), m, json!({"i": {"userId": "garbage"}}))
            .await;
        assert_eq!(a.user_error_codes(path), ["INVALID_FORMAT"], "{}", a.body);
        let a = app
            .gql(
                Some(&w.root_admin),
                m,
                json!({"i": {"userId": thidua_api_user_id("0190f3a0-0000-7000-8000-000000000000")}}),
            )
            .await;
        assert_eq!(a.error_code(), Some("NOT_FOUND"), "{}", a.body);
    }
    // Nobody deactivates themself, whatever their rights.
    for (token, id) in [(&w.ward_admin, &w.ward_admin_id), (&w.lan, &w.lan_id)] {
        let a = app
            .gql(Some(token), DEACTIVATE, json!({"i": {"userId": id}}))
            .await;
        assert_eq!(
            a.user_error_codes("deactivateUser"),
            ["SELF_LOCKOUT"],
            "{}",
            a.body
        );
        assert_eq!(a.user_error_fields("deactivateUser"), ["userId"]);
    }
    let seeded_admin = app
        .ok(Some(&w.root_admin), "{ me { user { id } } }", json!({}))
        .await["me"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = app
        .gql(
            Some(&w.root_admin),
            DEACTIVATE,
            json!({"i": {"userId": seeded_admin}}),
        )
        .await;
    assert_eq!(a.user_error_codes("deactivateUser"), ["SELF_LOCKOUT"]);
    // Refusals changed nothing and wrote no audit row.
    app.ok(Some(&w.ward_admin), "{ me { user { id } } }", json!({}))
        .await;
    assert_eq!(audit_actions(&w, "User", &w.officer_id).await, ["create"]);
    // The root administrator may deactivate the ward administrator (and the ward
    // administrator's token stops at once).
    let a = app
        .gql(
            Some(&w.root_admin),
            DEACTIVATE,
            json!({"i": {"userId": w.ward_admin_id}}),
        )
        .await;
    assert_eq!(
        a.data()["deactivateUser"]["user"]["isActive"],
        false,
        "{}",
        a.body
    );
    let a = app
        .gql(Some(&w.ward_admin), "{ me { user { id } } }", json!({}))
        .await;
    assert_eq!(a.status, 401);
}

async fn update_user_is_for_the_holder_or_their_administrators(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    // The holder edits their own name and contact; null removes the phone.
    let a = app
        .gql(
            Some(&w.lan),
            UPDATE,
            json!({"i": {"userId": w.lan_id, "displayName": "  Nguyễn Thị Lan Anh ", "phone": null}}),
        )
        .await;
    let u = &a.data()["updateUser"]["user"];
    assert_eq!(u["displayName"], "Nguyễn Thị Lan Anh", "{}", a.body);
    assert!(u["phone"].is_null());
    assert_eq!(
        u["email"], "lan@phuonga.gov.vn",
        "an omitted field is unchanged"
    );
    // The new name is searchable at once.
    assert_eq!(
        list(&w, &w.root_admin, json!({"search": "lan anh"})).await,
        ["lan.a"]
    );
    // Their administrator too; a blank email removes it.
    let a = app
        .gql(
            Some(&w.ward_admin),
            UPDATE,
            json!({"i": {"userId": w.lan_id, "email": " ", "phone": "0203 3835 123"}}),
        )
        .await;
    let u = &a.data()["updateUser"]["user"];
    assert!(u["email"].is_null(), "{}", a.body);
    assert_eq!(u["phone"], "02033835123");
    // Others: refused.
    for (who, token, id) in [
        ("ward admin → officer", &w.ward_admin, &w.officer_id),
        ("ward admin → ward B", &w.ward_admin, &w.binh_id),
        ("ward admin → no home", &w.ward_admin, &w.nohome_id),
        ("reporter → other", &w.lan, &w.binh_id),
        ("manager → reporter", &w.manager, &w.lan_id),
    ] {
        let a = app
            .gql(
                Some(token),
                UPDATE,
                json!({"i": {"userId": id, "displayName": "Đổi tên"}}),
            )
            .await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{who}: {}", a.body);
    }
    let a = app
        .gql(
            None,
            UPDATE,
            json!({"i": {"userId": w.lan_id, "displayName": "X"}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
    let officer = app
        .ok(
            Some(&w.root_admin),
            "query($id: ID!) { user(id: $id) { displayName } }",
            json!({"id": w.officer_id}),
        )
        .await;
    assert_eq!(officer["user"]["displayName"], "Cán bộ tỉnh");
    // An edit that changes nothing writes no audit row.
    app.ok(
        Some(&w.lan),
        UPDATE,
        json!({"i": {"userId": w.lan_id, "displayName": "Nguyễn Thị Lan Anh"}}),
    )
    .await;
    assert_eq!(
        audit_actions(&w, "User", &w.lan_id).await,
        ["create", "update", "update", "update"]
    );
}

async fn update_user_refuses_bad_input_field_by_field(backend: Backend) {
    let w = world(backend).await;
    let cases = [
        (
            json!({"displayName": "x".repeat(301)}),
            vec!["displayName"],
            vec!["TOO_LONG"],
        ),
        (
            json!({"displayName": "Lan\u{1b}[31m"}),
            vec!["displayName"],
            vec!["INVALID_FORMAT"],
        ),
        (
            json!({"displayName": ""}),
            vec!["displayName"],
            vec!["REQUIRED"],
        ),
        (
            json!({"email": "lan@@x.vn"}),
            vec!["email"],
            vec!["INVALID_FORMAT"],
        ),
        (
            json!({"email": "x".repeat(2000)}),
            vec!["email"],
            vec!["TOO_LONG"],
        ),
        (
            json!({"phone": "+84 91x"}),
            vec!["phone"],
            vec!["INVALID_FORMAT"],
        ),
        (
            json!({"displayName": "\u{0}", "email": "nope", "phone": "12"}),
            vec!["displayName", "email", "phone"],
            vec!["INVALID_FORMAT", "INVALID_FORMAT", "INVALID_FORMAT"],
        ),
    ];
    for (fields, want_fields, want_codes) in cases {
        let mut input = fields.clone();
        input["userId"] = json!(w.lan_id);
        let a = w.app.gql(Some(&w.lan), UPDATE, json!({ "i": input })).await;
        assert!(a.body["errors"].is_null(), "{fields}: {}", a.body);
        assert!(a.data()["updateUser"]["user"].is_null());
        assert_eq!(
            a.user_error_fields("updateUser"),
            want_fields,
            "{fields}: {}",
            a.body
        );
        assert_eq!(
            a.user_error_codes("updateUser"),
            want_codes,
            "{fields}: {}",
            a.body
        );
    }
    let a = w
        .app
        .gql(
            Some(&w.lan),
            UPDATE,
            json!({"i": {"userId": "bad", "displayName": "X"}}),
        )
        .await;
    assert_eq!(a.user_error_codes("updateUser"), ["INVALID_FORMAT"]);
    // Nothing was written.
    let d = w.app.ok(Some(&w.lan), USER, json!({"id": w.lan_id})).await;
    assert_eq!(d["user"]["email"], "lan@phuonga.gov.vn");
    assert_eq!(
        audit_actions(&w, "User", &w.lan_id).await,
        ["create", "update"]
    );
}

async fn a_page_of_50_users_with_grants_and_units_costs_the_same_statements_as_5(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    const LIST: &str = "query($n: Int) { users(first: $n, filter: {search: \"bulk\"}) { edges { node { \
        username email lastSignInAt unit { name } grants { role unit { name } } } } } }";
    let units = [&w.ward_a, &w.ward_b, &w.village, &w.root];
    for i in 0..50 {
        let unit = units[i % units.len()];
        let id = account(
            app,
            &w.root_admin,
            &format!("bulk.{i:02}"),
            "Bulk",
            Some(unit),
        )
        .await;
        granted(app, &w.root_admin, &id, "REPORTER", unit).await;
        if i % 2 == 0 {
            granted(app, &w.root_admin, &id, "VIEWER", &w.root).await;
        }
    }
    let mut counts = vec![];
    for n in [5usize, 50] {
        let before = app.db.statements_run();
        let d = app.ok(Some(&w.root_admin), LIST, json!({"n": n})).await;
        counts.push(app.db.statements_run() - before);
        let nodes = nodes(&d);
        assert_eq!(nodes.len(), n);
        for node in &nodes {
            assert!(node["unit"]["name"].is_string(), "{node}");
            let grants = node["grants"].as_array().unwrap();
            assert!(!grants.is_empty());
            assert!(grants.iter().all(|g| g["unit"]["name"].is_string()));
        }
    }
    assert_eq!(counts[0], counts[1], "5 users vs 50: {counts:?}");
    // The caller's session and grants, the page, the grants of the page, their units and
    // the home units (two loader rounds): 7, whatever the page size.
    assert!(counts[1] <= 7, "{counts:?}");
}
