//! The number of SQL statements a request runs is bounded by its depth, not by how many
//! rows it returns: every relation goes through a DataLoader.

use serde_json::json;
use thidua_tests::{Backend, TestApp, both, concrete, spawn_app};

use crate::leaderboard::{board, report, submit_and_approve};

both!(
    listing_campaigns_costs_the_same_statements_for_5_and_50,
    a_leaderboard_costs_the_same_statements_for_3_and_12_units,
    targets_cost_the_same_statements_for_3_and_9_computed_targets,
    a_page_of_a_subtrees_reports_walks_the_ids_backwards,
    a_row_named_twice_in_one_query_is_loaded_once,
    a_mutation_reads_rows_as_its_earlier_fields_left_them
);

const LIST: &str = "query($n: Int) { campaigns(first: $n) { edges { node { id title \
    criteria { title isConcrete } milestones { title status } launchingUnit { name } } } \
    pageInfo { hasNextPage } } }";

async fn statements_for(app: &TestApp, token: &str, n: i64) -> (u64, usize) {
    let before = app.db.statements_run();
    let d = app.ok(Some(token), LIST, json!({"n": n})).await;
    let after = app.db.statements_run();
    let edges = d["campaigns"]["edges"].as_array().unwrap();
    for e in edges {
        assert_eq!(e["node"]["criteria"].as_array().unwrap().len(), 2);
        assert_eq!(e["node"]["milestones"].as_array().unwrap().len(), 1);
        assert!(e["node"]["launchingUnit"]["name"].is_string());
    }
    (after - before, edges.len())
}

async fn listing_campaigns_costs_the_same_statements_for_5_and_50(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let units = [
        app.create_unit(&admin, "STMT-A", &root).await,
        app.create_unit(&admin, "STMT-B", &root).await,
        root.clone(),
    ];
    for i in 0..50 {
        let unit = &units[i % units.len()];
        let a = app
            .create_campaign(
                &admin,
                &format!("STMT-{i:03}"),
                unit,
                json!([concrete("Tiêu chí 1"), concrete("Tiêu chí 2")]),
            )
            .await;
        let id = a.data()["createCampaign"]["campaign"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.ok(
            Some(&admin),
            "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }",
            json!({"i": {"campaignId": id, "kind": "REPORTING_DEADLINE", "title": "Báo cáo quý", "dueDate": "2025-03-31"}}),
        )
        .await;
    }

    let (five, n5) = statements_for(&app, &admin, 5).await;
    let (fifty, n50) = statements_for(&app, &admin, 50).await;
    assert_eq!((n5, n50), (5, 50));
    let (all, n_all) = statements_for(&app, &admin, 100).await;
    assert_eq!(n_all, 50);
    assert_eq!(all, five, "a full page of 100 ran {all} statements");
    // caller's grants + campaign page + criteria + milestones + units
    assert_eq!(
        five, fifty,
        "statements grew with the page size: {five} for 5, {fifty} for 50"
    );
    assert!(fifty <= 5, "expected at most 5 statements, saw {fifty}");
}

const LEADERBOARD: &str = "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", \
    periodEnd: \"2025-12-31\") { rank score unit { code name } \
    breakdown { criterion { title } actual achievement points } } }";

/// A campaign with two criteria and `n` registered units, each with an approved report.
async fn scored_campaign(app: &TestApp, admin: &str, code: &str, n: usize) -> String {
    let codes: Vec<String> = (1..=n).map(|i| format!("{code}-{i:02}")).collect();
    let (campaign, criteria, units) = board(
        app,
        admin,
        code,
        json!([concrete("Tiêu chí 1"), concrete("Tiêu chí 2")]),
        &codes,
    )
    .await;
    let reports = units
        .iter()
        .enumerate()
        .map(|(i, u)| report(&campaign, u, &criteria, 3, &[&format!("{}", 50 + i), "95"]))
        .collect();
    submit_and_approve(app, admin, reports, &(0..n).collect::<Vec<_>>()).await;
    campaign
}

async fn a_leaderboard_costs_the_same_statements_for_3_and_12_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let small = scored_campaign(&app, &admin, "STMT-LB-S", 3).await;
    let large = scored_campaign(&app, &admin, "STMT-LB-L", 12).await;
    let mut counts = vec![];
    for (campaign, n) in [(&small, 3), (&large, 12)] {
        let before = app.db.statements_run();
        let d = app
            .ok(Some(&admin), LEADERBOARD, json!({"c": campaign}))
            .await;
        counts.push(app.db.statements_run() - before);
        let rows = d["leaderboard"].as_array().unwrap();
        assert_eq!(rows.len(), n);
        for r in rows {
            assert!(r["unit"]["name"].is_string());
            assert_eq!(r["breakdown"].as_array().unwrap().len(), 2);
            assert_eq!(r["breakdown"][1]["actual"], "95");
        }
    }
    assert_eq!(
        counts[0], counts[1],
        "statements grew with the units: {} for 3, {} for 12",
        counts[0], counts[1]
    );
    // caller's grants + ranked totals with their breakdown (one statement) + criteria + units
    assert!(
        counts[1] <= 4,
        "expected at most 4 statements, saw {}",
        counts[1]
    );
}

const TARGETS: &str = "{ targets { code kind progress { value note } uncoveredFields { code } \
    unitsBehind { code } } }";

/// Statements run by [`TARGETS`], and its targets.
async fn target_statements(app: &TestApp) -> (u64, Vec<serde_json::Value>) {
    let before = app.db.statements_run();
    let d = app.ok(None, TARGETS, json!({})).await;
    let after = app.db.statements_run();
    (after - before, d["targets"].as_array().unwrap().clone())
}

/// The computed targets' values cost one statement per computation (and one for target
/// 1's programmes and one for its uncovered fields), not one or three per target.
async fn targets_cost_the_same_statements_for_3_and_9_computed_targets(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (seeded, before) = target_statements(&app).await;
    let computed = |ts: &[serde_json::Value]| ts.iter().filter(|t| t["kind"] != "MANUAL").count();
    assert_eq!(computed(&before), 3, "the seed computes targets 1, 2 and 3");
    let programme = app.programme_id().await;
    for (i, kind) in [
        "CONCRETE_CRITERIA_SHARE",
        "EXEMPLAR_UNIT_SHARE",
        "CENTRAL_HONOURED_EXEMPLARS",
    ]
    .iter()
    .cycle()
    .take(6)
    .enumerate()
    {
        let d = app
            .ok(
                Some(&admin),
                "mutation($i: CreateTargetInput!) { createTarget(input: $i) { target { code } userErrors { field code } } }",
                json!({"i": {"programmeId": programme, "code": format!("STMT-T{i}"),
                    "title": format!("Chỉ tiêu tính {i}"), "description": "Computed.", "kind": kind,
                    "periodStart": format!("{}-01-01", 2021 + i), "deadline": "2030-12-31",
                    "comparator": "AT_LEAST", "targetValue": "50", "unitLabel": "%"}}),
            )
            .await;
        assert_eq!(d["createTarget"]["userErrors"], json!([]), "{d}");
    }
    let (more, after) = target_statements(&app).await;
    assert_eq!(computed(&after), 9);
    for t in &after {
        assert!(t["progress"]["note"].is_string(), "{t}");
        match t["kind"].as_str() {
            Some("CONCRETE_CRITERIA_SHARE") => assert!(t["uncoveredFields"].is_array(), "{t}"),
            Some("EXEMPLAR_UNIT_SHARE") => assert!(t["unitsBehind"].is_array(), "{t}"),
            Some("CENTRAL_HONOURED_EXEMPLARS") => assert_eq!(t["progress"]["value"], "0", "{t}"),
            _ => {}
        }
    }
    // The seeded targets answer as before.
    for t in &before {
        let now = after.iter().find(|a| a["code"] == t["code"]).unwrap();
        assert_eq!(now, t);
    }
    assert_eq!(
        seeded, more,
        "statements grew with the computed targets: {seeded} for 3, {more} for 9"
    );
}

/// A page of a subtree's reports on SQLite walks the report ids backwards and stops when the
/// page is full, rather than reading every report of the subtree through the unit index and
/// sorting them (what SQLite plans without statistics, which a server never gathers).
async fn a_page_of_a_subtrees_reports_walks_the_ids_backwards(backend: Backend) {
    use sea_orm::ConnectionTrait;
    use thidua_persistence::page::PageRequest;
    use thidua_persistence::reports::{ReportFilter, page_statement};

    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    scored_campaign(&app, &admin, "WALK", 4).await;
    let d = app
        .ok(
            Some(&admin),
            "query($u: ID) { reports(first: 2, filter: {unitSubtree: $u}) { totalCount edges { node { id } } } }",
            json!({"u": root}),
        )
        .await;
    assert_eq!(d["reports"]["totalCount"], 4, "{d}");
    assert_eq!(d["reports"]["edges"].as_array().unwrap().len(), 2, "{d}");
    if backend != Backend::Sqlite {
        return;
    }
    let db = &app.db.conn;
    let b = db.get_database_backend();
    let path: String = db
        .query_one_raw(sea_orm::Statement::from_string(
            b,
            "SELECT path FROM org_units WHERE depth = 0",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "path")
        .unwrap();
    let filter = ReportFilter {
        subtree_path: Some(path.clone()),
        readable_paths: vec![path],
        reader_id: Some(thidua_domain::id::UserId::from_uuid(uuid::Uuid::nil())),
        ..Default::default()
    };
    let page = PageRequest {
        first: 50,
        after: None,
    };
    let mut st = page_statement(b, &filter, &page);
    st.sql = format!("EXPLAIN QUERY PLAN {}", st.sql);
    let plan: Vec<String> = db
        .query_all_raw(st)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "detail").unwrap())
        .collect();
    assert!(
        plan.iter()
            .any(|s| s.starts_with("SCAN progress_reports USING INDEX sqlite_autoindex")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
}

/// Campaigns' criteria, each with its campaign; `again` also asks that campaign's criteria
/// and their campaign: rows the request loaded (and finished loading) on the way down.
fn named_twice(again: bool) -> String {
    let inner = if again {
        " criteria { title campaign { title } }"
    } else {
        ""
    };
    format!(
        "{{ campaigns(first: 5) {{ edges {{ node {{ criteria {{ title \
            campaign {{ title{inner} }} }} }} }} }} }}"
    )
}

async fn a_row_named_twice_in_one_query_is_loaded_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let unit = app.create_unit(&admin, "STMT-TWICE", &root).await;
    for i in 0..3 {
        app.create_campaign(
            &admin,
            &format!("STMT-TWICE-{i}"),
            &unit,
            json!([concrete("Tiêu chí 1"), concrete("Tiêu chí 2")]),
        )
        .await;
    }
    let mut counts = vec![];
    for again in [false, true] {
        let before = app.db.statements_run();
        let d = app.ok(Some(&admin), &named_twice(again), json!({})).await;
        counts.push(app.db.statements_run() - before);
        let edges = d["campaigns"]["edges"].as_array().unwrap();
        assert!(edges.len() >= 3);
        for e in edges {
            let criteria = &e["node"]["criteria"];
            assert_eq!(criteria.as_array().unwrap().len(), 2);
            for c in criteria.as_array().unwrap() {
                if again {
                    let inner = &c["campaign"]["criteria"];
                    assert_eq!(titles(inner), titles(criteria));
                    assert_eq!(inner[0]["campaign"]["title"], c["campaign"]["title"]);
                }
            }
        }
    }
    assert_eq!(
        counts[0],
        counts[1],
        "asking again for rows already loaded cost {} statements more",
        counts[1] - counts[0]
    );
}

/// The titles of a list of criteria.
fn titles(criteria: &serde_json::Value) -> Vec<serde_json::Value> {
    let all = criteria.as_array().unwrap().iter();
    all.map(|c| c["title"].clone()).collect()
}

/// Loads are cached only in operations that do not write: a mutation's later field reads
/// what its earlier fields wrote, not what the request loaded before.
async fn a_mutation_reads_rows_as_its_earlier_fields_left_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let parent = app.create_unit(&admin, "STMT-PARENT", &root).await;
    let child = app.create_unit(&admin, "STMT-CHILD", &parent).await;
    let d = app
        .ok(
            Some(&admin),
            "mutation($p: ID!, $c: ID!) { \
                a: updateOrgUnit(input: {id: $c, name: \"Con một\"}) { orgUnit { parent { name } } } \
                b: updateOrgUnit(input: {id: $p, name: \"Cha đổi tên\"}) { orgUnit { name } } \
                c: updateOrgUnit(input: {id: $c, name: \"Con hai\"}) { orgUnit { parent { name } } } }",
            json!({"p": parent, "c": child}),
        )
        .await;
    assert_eq!(d["a"]["orgUnit"]["parent"]["name"], "Đơn vị STMT-PARENT");
    assert_eq!(d["b"]["orgUnit"]["name"], "Cha đổi tên");
    assert_eq!(d["c"]["orgUnit"]["parent"]["name"], "Cha đổi tên");
}
