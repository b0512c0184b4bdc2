//! `totalCount` on every connection: the size of the whole listing with the list's own
//! filters and the caller's scope, one COUNT statement only when selected, and weighed by
//! the complexity limit.

use serde_json::{Value, json};
use thidua_tests::commendations::{award, model, nominate, session, session_at};
use thidua_tests::{Backend, PASSWORD, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::reports::{Field, field, submit};

both!(
    total_count_is_the_number_of_items_paged_through_on_every_connection,
    a_ward_scoped_caller_counts_only_what_it_may_list,
    total_count_costs_one_statement_and_only_when_selected,
    total_count_weighs_in_the_complexity_limit
);

const SELECTION: &str = "{ totalCount edges { node { id } } pageInfo { hasNextPage endCursor } }";

/// Pages through a connection `size` items at a time. `wrap` is the query body with `CONN`
/// where the connection's selection goes and `$a` as its `after`; `path` leads to the
/// connection in the answer. Returns the totalCount (the same on every page) and the
/// number of distinct items seen.
async fn walk(app: &TestApp, token: &str, wrap: &str, path: &[&str]) -> (i64, usize) {
    let query = format!(
        "query($a: String) {{ {} }}",
        wrap.replace("CONN", SELECTION)
    );
    let mut after: Option<String> = None;
    let mut ids: Vec<String> = vec![];
    let mut total: Option<i64> = None;
    for _ in 0..200 {
        let d = app.ok(Some(token), &query, json!({"a": after})).await;
        let mut conn = &d;
        for p in path {
            conn = &conn[*p];
        }
        let t = conn["totalCount"]
            .as_i64()
            .unwrap_or_else(|| panic!("no totalCount for {wrap}: {d}"));
        if let Some(seen) = total {
            assert_eq!(seen, t, "totalCount changed between pages of {wrap}");
        }
        total = Some(t);
        for e in conn["edges"].as_array().unwrap() {
            ids.push(e["node"]["id"].as_str().unwrap().to_owned());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            let n = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), n, "an item came twice paging {wrap}");
            return (t, n);
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    panic!("{wrap} did not end");
}

/// Asserts the count equals the items and returns it.
async fn counted(app: &TestApp, token: &str, wrap: &str, path: &[&str]) -> i64 {
    let (total, items) = walk(app, token, wrap, path).await;
    assert_eq!(
        usize::try_from(total).unwrap(),
        items,
        "totalCount {total} but {items} items paging {wrap}"
    );
    total
}

fn id(d: &Value, path: &[&str]) -> String {
    let mut v = d;
    for p in path {
        v = &v[*p];
    }
    v.as_str()
        .unwrap_or_else(|| panic!("no id at {path:?}: {d}"))
        .to_owned()
}

/// Creates an account homed in `unit` (no role).
async fn homed_user(app: &TestApp, admin: &str, username: &str, unit: &str) {
    let d = app
        .ok(
            Some(admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }",
            json!({"i": {"username": username, "displayName": username, "password": PASSWORD, "unitId": unit}}),
        )
        .await;
    id(&d, &["createUser", "user", "id"]);
}

/// Two wards, a unit below ward A, people, models, campaigns, nominations, council
/// sessions, reports and accounts, more of each in ward A than in ward B.
struct World {
    f: Field,
    below_a: String,
}

async fn world(app: &TestApp) -> World {
    let f = field(app).await;
    let admin = &f.admin;
    let below_a = app.create_unit(admin, "WARD-A-1", &f.ward_a).await;
    for (i, unit) in [&f.ward_a, &below_a, &f.ward_b].into_iter().enumerate() {
        let m = model(app, admin, &format!("Mô hình {i}"), "INDIVIDUAL", unit).await;
        let national = award(app, admin, "CSTD-TOAN-QUOC").await;
        let n = nominate(
            app,
            admin,
            json!({"awardTypeId": national, "kind": "CONG_TRANG", "recipient": {"person": {"name": format!("Người {i}"), "unitId": unit}},
                   "exemplarId": m, "nominatingUnitId": unit, "awardYear": 2026}),
        )
        .await;
        id(&n, &["commendation", "id"]);
        let c = app
            .create_campaign(
                admin,
                &format!("TC-{i}"),
                unit,
                json!([thidua_tests::concrete("Tiêu chí")]),
            )
            .await;
        id(c.data(), &["createCampaign", "campaign", "id"]);
        homed_user(app, admin, &format!("tai.khoan.{i}"), unit).await;
    }
    session(app, admin, 3).await;
    let s = session_at(app, admin, &f.ward_a, 3).await;
    id(s.data(), &["createCouncilSession", "session", "id"]);
    let reports = vec![
        f.report(Uuid::now_v7(), &f.ward_a, 1),
        f.report(Uuid::now_v7(), &f.ward_a, 2),
        f.report(Uuid::now_v7(), &f.ward_b, 1),
    ];
    let p = submit(app, admin, reports).await;
    assert_eq!(p["results"].as_array().unwrap().len(), 3, "{p}");
    World { f, below_a }
}

async fn total_count_is_the_number_of_items_paged_through_on_every_connection(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let (admin, a, b) = (&w.f.admin, &w.f.ward_a, &w.f.ward_b);
    let sub =
        |field: &str, filter: &str| format!("{field}(first: 2, after: $a, filter: {filter}) CONN");
    let all = |field: &str| format!("{field}(first: 7, after: $a) CONN");

    // (connection, a filter narrowing it to ward A's subtree, how many that filter finds)
    let cases = [
        ("people", format!("{{unitSubtree: \"{a}\"}}"), 2),
        ("orgUnits", format!("{{subtreeOf: \"{a}\"}}"), 2),
        ("exemplars", format!("{{unitSubtree: \"{a}\"}}"), 2),
        ("campaigns", format!("{{unitSubtree: \"{a}\"}}"), 2),
        ("commendations", format!("{{unitSubtree: \"{a}\"}}"), 2),
        ("councilSessions", format!("{{unitId: \"{a}\"}}"), 1),
        ("users", format!("{{unitId: \"{a}\"}}"), 2),
        ("reports", format!("{{unitSubtree: \"{a}\"}}"), 2),
        ("auditLog", "{entity: \"CouncilSession\"}".to_owned(), 2),
    ];
    for (conn, filter, expected) in &cases {
        let everything = counted(&app, admin, &all(conn), &[conn]).await;
        let narrowed = counted(&app, admin, &sub(conn, filter), &[conn]).await;
        assert_eq!(narrowed, *expected, "{conn} with {filter}");
        assert!(
            narrowed < everything,
            "{conn}: {narrowed} filtered, {everything} in all"
        );
    }
    // More filters, each counted like its list.
    for (conn, filter) in [
        (
            "people",
            format!("{{unitSubtree: \"{b}\", foreign: false}}"),
        ),
        ("people", "{search: \"nguoi 1\"}".to_owned()),
        ("orgUnits", "{kind: WARD}".to_owned()),
        ("orgUnits", "{search: \"ward a\"}".to_owned()),
        ("exemplars", "{stage: IDENTIFIED}".to_owned()),
        ("campaigns", "{status: [DRAFT]}".to_owned()),
        ("campaigns", "{search: \"TC-1\"}".to_owned()),
        ("commendations", "{status: NOMINATED}".to_owned()),
        ("commendations", "{decisionYear: 2024}".to_owned()),
        ("councilSessions", format!("{{unitSubtree: \"{a}\"}}")),
        ("users", "{active: true, role: REPORTER}".to_owned()),
        (
            "reports",
            format!("{{campaignId: \"{}\", status: SUBMITTED}}", w.f.campaign),
        ),
        ("auditLog", "{entity: \"NoSuchKind\"}".to_owned()),
    ] {
        counted(&app, admin, &sub(conn, &filter), &[conn]).await;
    }
    // A connection nested in an object: a unit's subtree.
    let nested = format!("orgUnit(id: \"{a}\") {{ subtree(first: 1, after: $a) CONN }}");
    assert_eq!(
        counted(&app, admin, &nested, &["orgUnit", "subtree"]).await,
        2
    );
    let inactive_too = format!(
        "orgUnit(id: \"{}\") {{ subtree(first: 1, after: $a, includeInactive: true) CONN }}",
        w.below_a
    );
    assert_eq!(
        counted(&app, admin, &inactive_too, &["orgUnit", "subtree"]).await,
        1
    );
}

async fn a_ward_scoped_caller_counts_only_what_it_may_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let admin = &w.f.admin;
    let ward_admin = app
        .user_with_role(admin, "quan.tri.phuong", "ADMIN", &w.f.ward_a)
        .await;
    let all = |field: &str| format!("{field}(first: 1, after: $a) CONN");
    // Accounts: a ward administrator lists those homed in its subtree only.
    let everyone = counted(&app, admin, &all("users"), &["users"]).await;
    let ward_users = counted(&app, &ward_admin, &all("users"), &["users"]).await;
    assert_eq!(ward_users, 2);
    assert!(everyone > ward_users, "{everyone} vs {ward_users}");
    // Reports: a reporter of ward A reads ward A's, not ward B's.
    let every_report = counted(&app, admin, &all("reports"), &["reports"]).await;
    let own = counted(&app, &w.f.reporter, &all("reports"), &["reports"]).await;
    assert_eq!((every_report, own), (3, 2));
    // A filter outside the caller's scope narrows within it: nothing.
    let ward_b = format!(
        "reports(first: 1, after: $a, filter: {{unitSubtree: \"{}\"}}) CONN",
        w.f.ward_b
    );
    assert_eq!(counted(&app, &w.f.reporter, &ward_b, &["reports"]).await, 0);
    // A caller who may not list accounts gets no count either.
    let refused = app
        .gql(Some(&w.f.reporter), "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(
        refused.error_code(),
        Some("FORBIDDEN"),
        "{:?}",
        refused.data()
    );
    // Nor the audit trail, outside the province-wide administrators.
    let refused = app
        .gql(Some(&ward_admin), "{ auditLog { totalCount } }", json!({}))
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
}

/// Statements one request runs.
async fn statements(app: &TestApp, token: &str, query: &str) -> u64 {
    let before = app.db.statements_run();
    app.ok(Some(token), query, json!({})).await;
    app.db.statements_run() - before
}

async fn total_count_costs_one_statement_and_only_when_selected(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let admin = &w.f.admin;
    let a = &w.f.ward_a;
    for (conn, args) in [
        ("people", String::new()),
        ("orgUnits", String::new()),
        ("exemplars", String::new()),
        ("campaigns", String::new()),
        // The subtree filter looks up merged predecessors: once, for the list and count.
        ("commendations", format!("filter: {{unitSubtree: \"{a}\"}}")),
        (
            "councilSessions",
            format!("filter: {{unitSubtree: \"{a}\"}}"),
        ),
        ("users", String::new()),
        ("reports", String::new()),
        ("auditLog", String::new()),
    ] {
        let args = if args.is_empty() {
            "first: 5".to_owned()
        } else {
            format!("first: 5, {args}")
        };
        let plain = format!(
            "{{ {conn}({args}) {{ edges {{ node {{ id }} }} pageInfo {{ hasNextPage }} }} }}"
        );
        let with = format!(
            "{{ {conn}({args}) {{ totalCount edges {{ node {{ id }} }} pageInfo {{ hasNextPage }} }} }}"
        );
        let only = format!("{{ {conn}({args}) {{ totalCount }} }}");
        let p = statements(&app, admin, &plain).await;
        let p_again = statements(&app, admin, &plain).await;
        assert_eq!(p, p_again, "{conn}: the same list cost {p} then {p_again}");
        let c = statements(&app, admin, &with).await;
        assert_eq!(
            c,
            p + 1,
            "{conn}: {p} statements without totalCount, {c} with"
        );
        let o = statements(&app, admin, &only).await;
        assert_eq!(o, p + 1, "{conn}: {o} statements for totalCount alone");
    }
    // A filter naming an audit kind nobody writes matches nothing without asking the database.
    let none =
        "{ auditLog(filter: {entity: \"NoSuchKind\"}) { totalCount edges { node { id } } } }";
    let unknown = statements(&app, admin, none).await;
    let known = statements(
        &app,
        admin,
        "{ auditLog(filter: {entity: \"Campaign\"}) { edges { node { id } } } }",
    )
    .await;
    assert_eq!(unknown + 1, known, "{unknown} vs {known}");
}

async fn total_count_weighs_in_the_complexity_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    // 14 aliased listings of 100: within the limit; the same asking their totalCount, not.
    let many = |sel: &str| {
        let parts: Vec<String> = (0..14)
            .map(|i| format!("p{i}: people(first: 100) {{ {sel} }}"))
            .collect();
        format!("{{ {} }}", parts.join(" "))
    };
    let plain = app
        .gql(Some(&admin), &many("pageInfo { hasNextPage }"), json!({}))
        .await;
    assert_eq!(plain.error_code(), None, "{:?}", plain.data());
    let counted = app
        .gql(
            Some(&admin),
            &many("totalCount pageInfo { hasNextPage }"),
            json!({}),
        )
        .await;
    assert_eq!(counted.error_code(), Some("QUERY_TOO_COMPLEX"));
    // One such listing stays cheap enough.
    let one = app
        .ok(
            Some(&admin),
            "{ people(first: 100) { totalCount pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert!(one["people"]["totalCount"].as_i64().is_some(), "{one}");
}
