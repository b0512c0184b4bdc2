//! `reportingCompliance` against a hand-counted fixture: four registered units in two wards
//! report for March 2025 (deadline 10 April): one on time and approved, one late, one on
//! time and returned, one missing. Plus the grants, the bad inputs and the statement count.

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use thidua_persistence::entities::progress_report;
use thidua_tests::{Backend, TestApp, both, concrete, spawn_app};
use uuid::Uuid;

use crate::leaderboard::approve;
use crate::reports::submit;

both!(
    compliance_matches_the_hand_counted_fixture,
    a_deadline_milestone_counts_its_window,
    a_period_without_a_deadline_has_nothing_late,
    a_ward_manager_sees_only_their_ward,
    bad_inputs_have_stable_codes,
    compliance_costs_the_same_statements_for_4_and_12_units
);

const Q: &str = "query($c: ID!, $p: String, $m: ID, $u: ID, $g: ComplianceGroupBy) { \
    reportingCompliance(campaignId: $c, period: $p, milestoneId: $m, unitId: $u, groupBy: $g) { \
    unit { code } period { kind start end } deadline \
    expected submitted onTime late approved returned missing submittedShare onTimeShare \
    rows { unit { code } expected submitted onTime late approved returned missing submittedShare onTimeShare } \
    missingUnits(first: 10) { totalCount edges { node { unit { code } lastReport { period { start end } status submittedAt } } } \
        pageInfo { hasNextPage } } } }";

/// The UUID inside a global ID.
fn uuid_of(global: &str) -> Uuid {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
}

/// Moves a report's submission time (the server stamps "now").
async fn submitted_at(app: &TestApp, report: &str, at: DateTime<Utc>) {
    progress_report::Entity::update_many()
        .col_expr(progress_report::Column::SubmittedAt, Expr::value(at))
        .filter(progress_report::Column::Id.eq(uuid_of(report)))
        .exec(&app.db.conn)
        .await
        .unwrap();
}

fn month(campaign: &str, unit: &str, criterion: &str, m: u32) -> Value {
    let end = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    json!({
        "id": Uuid::now_v7().to_string(), "campaignId": campaign, "unitId": unit,
        "period": {"kind": "MONTH", "start": format!("2025-{m:02}-01"), "end": format!("2025-{m:02}-{end}")},
        "values": [{"criterionId": criterion, "value": "5"}]
    })
}

async fn milestone(app: &TestApp, admin: &str, campaign: &str, kind: &str, due: &str) -> String {
    let d = app
        .ok(
            Some(admin),
            "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }",
            json!({"i": {"campaignId": campaign, "kind": kind, "title": "Hạn báo cáo", "dueDate": due}}),
        )
        .await;
    d["addMilestone"]["milestone"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) struct Fixture {
    pub(crate) admin: String,
    pub(crate) campaign: String,
    pub(crate) root: String,
    pub(crate) wards: [String; 2],
    /// Deadlines: 10 March (February's) and 10 April (March's); an interim review.
    pub(crate) feb_deadline: String,
    pub(crate) mar_deadline: String,
    pub(crate) review: String,
}

/// Wards `{p}-W1` (units A, B) and `{p}-W2` (units A, B, and C which does not take part),
/// all under the root; `n_extra` more registered units under W2 that never report.
pub(crate) async fn fixture(app: &TestApp, p: &str, n_extra: usize) -> Fixture {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let w1 = app.create_unit(&admin, &format!("{p}-W1"), &root).await;
    let w2 = app.create_unit(&admin, &format!("{p}-W2"), &root).await;
    let a1 = app.create_unit(&admin, &format!("{p}-W1-A"), &w1).await;
    let b1 = app.create_unit(&admin, &format!("{p}-W1-B"), &w1).await;
    let a2 = app.create_unit(&admin, &format!("{p}-W2-A"), &w2).await;
    let b2 = app.create_unit(&admin, &format!("{p}-W2-B"), &w2).await;
    app.create_unit(&admin, &format!("{p}-W2-C"), &w2).await;
    let mut extra = vec![];
    for i in 0..n_extra {
        extra.push(
            app.create_unit(&admin, &format!("{p}-W2-X{i:02}"), &w2)
                .await,
        );
    }
    let c = app
        .create_campaign(&admin, p, &root, json!([concrete("Tiêu chí 1")]))
        .await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let criterion = c.data()["createCampaign"]["campaign"]["criteria"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.launch(&admin, &campaign).await;
    for u in [&a1, &b1, &a2, &b2].into_iter().chain(extra.iter()) {
        app.ok(Some(&admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": u}}))
            .await;
    }
    let feb_deadline = milestone(app, &admin, &campaign, "REPORTING_DEADLINE", "2025-03-10").await;
    let mar_deadline = milestone(app, &admin, &campaign, "REPORTING_DEADLINE", "2025-04-10").await;
    let review = milestone(app, &admin, &campaign, "INTERIM_REVIEW", "2025-04-05").await;
    let p = submit(
        app,
        &admin,
        vec![
            month(&campaign, &a1, &criterion, 3),
            month(&campaign, &b1, &criterion, 3),
            month(&campaign, &a2, &criterion, 3),
            // B2 reported February only: it is March's missing unit.
            month(&campaign, &b2, &criterion, 2),
            month(&campaign, &a1, &criterion, 2),
        ],
    )
    .await;
    let ids: Vec<String> = p["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report"]["id"].as_str().unwrap().to_owned())
        .collect();
    approve(app, &admin, &ids[0]).await;
    app.ok(
        Some(&admin),
        "mutation($i: ReturnReportInput!) { returnReport(input: $i) { report { status } } }",
        json!({"i": {"id": ids[2], "reason": "Thiếu số liệu"}}),
    )
    .await;
    // A1 on time; B1 at 00:00 on 11 April in Quảng Ninh (17:00 UTC on the 10th): late by a
    // second; A2 at 23:59:59 on 10 April in Quảng Ninh: on time.
    let utc = |d, h, m, s| Utc.with_ymd_and_hms(2025, 4, d, h, m, s).unwrap();
    submitted_at(app, &ids[0], utc(5, 3, 0, 0)).await;
    submitted_at(app, &ids[1], utc(10, 17, 0, 0)).await;
    submitted_at(app, &ids[2], utc(10, 16, 59, 59)).await;
    // February: B2 on time (9 March), A1 late (12 March).
    submitted_at(
        app,
        &ids[3],
        Utc.with_ymd_and_hms(2025, 3, 9, 2, 0, 0).unwrap(),
    )
    .await;
    submitted_at(
        app,
        &ids[4],
        Utc.with_ymd_and_hms(2025, 3, 12, 2, 0, 0).unwrap(),
    )
    .await;
    Fixture {
        admin,
        campaign,
        root,
        wards: [w1, w2],
        feb_deadline,
        mar_deadline,
        review,
    }
}

/// (expected, submitted, onTime, late, approved, returned, missing, submittedShare, onTimeShare)
type Figures = (i64, i64, i64, i64, i64, i64, i64, Value, Value);

fn figures(v: &Value) -> Figures {
    let n = |k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"));
    (
        n("expected"),
        n("submitted"),
        n("onTime"),
        n("late"),
        n("approved"),
        n("returned"),
        n("missing"),
        v["submittedShare"].clone(),
        v["onTimeShare"].clone(),
    )
}

fn rows(v: &Value) -> Vec<(String, Figures)> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["unit"]["code"].as_str().unwrap().to_owned(), figures(r)))
        .collect()
}

fn missing_codes(v: &Value) -> Vec<String> {
    v["missingUnits"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["unit"]["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn compliance_matches_the_hand_counted_fixture(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RC", 0).await;
    let d = app
        .ok(Some(&f.admin), Q, json!({"c": f.campaign, "p": "2025-03"}))
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(c["unit"]["code"], "QN", "defaults to the launching unit");
    assert_eq!(
        c["period"],
        json!({"kind": "MONTH", "start": "2025-03-01", "end": "2025-03-31"})
    );
    assert_eq!(c["deadline"], "2025-04-10");
    assert_eq!(
        figures(c),
        (4, 3, 2, 1, 1, 1, 1, json!("0.75"), json!("0.5"))
    );
    assert_eq!(
        rows(c),
        vec![
            (
                "RC-W1".to_owned(),
                (2, 2, 1, 1, 1, 0, 0, json!("1"), json!("0.5"))
            ),
            (
                "RC-W2".to_owned(),
                (2, 1, 1, 0, 0, 1, 1, json!("0.5"), json!("0.5"))
            ),
        ]
    );
    assert_eq!(missing_codes(c), vec!["RC-W2-B"]);
    assert_eq!(
        c["missingUnits"]["totalCount"], 1,
        "the missing figure, counted once"
    );
    let last = &c["missingUnits"]["edges"][0]["node"]["lastReport"];
    assert_eq!(
        last["period"],
        json!({"start": "2025-02-01", "end": "2025-02-28"})
    );
    assert_eq!(last["status"], "SUBMITTED");
    assert!(
        last["submittedAt"]
            .as_str()
            .unwrap()
            .starts_with("2025-03-09T02:00:00")
    );

    // One ward's subtree, grouped by its units; without a grouping, the totals only.
    let d = app
        .ok(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "p": "2025-03", "u": f.wards[1]}),
        )
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(
        figures(c),
        (2, 1, 1, 0, 0, 1, 1, json!("0.5"), json!("0.5"))
    );
    assert_eq!(
        rows(c),
        vec![
            (
                "RC-W2-A".to_owned(),
                (1, 1, 1, 0, 0, 1, 0, json!("1"), json!("1"))
            ),
            (
                "RC-W2-B".to_owned(),
                (1, 0, 0, 0, 0, 0, 1, json!("0"), json!("0"))
            ),
        ]
    );
    let d = app
        .ok(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "p": "2025-03", "g": "NONE"}),
        )
        .await;
    assert_eq!(d["reportingCompliance"]["rows"], json!([]));
    assert_eq!(d["reportingCompliance"]["expected"], 4);

    // A quarter: nobody sent a quarterly report.
    let d = app
        .ok(Some(&f.admin), Q, json!({"c": f.campaign, "p": "2025-Q1"}))
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(figures(c), (4, 0, 0, 0, 0, 0, 4, json!("0"), json!("0")));
    assert_eq!(c["deadline"], "2025-04-10");
    assert_eq!(
        missing_codes(c),
        vec!["RC-W1-A", "RC-W1-B", "RC-W2-A", "RC-W2-B"]
    );
}

async fn a_deadline_milestone_counts_its_window(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RM", 0).await;
    // 10 April collects the reports ending after 10 March: March's.
    let d = app
        .ok(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "m": f.mar_deadline}),
        )
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(c["period"], Value::Null);
    assert_eq!(c["deadline"], "2025-04-10");
    assert_eq!(
        figures(c),
        (4, 3, 2, 1, 1, 1, 1, json!("0.75"), json!("0.5"))
    );
    // 10 March, the first deadline, collects February's: B2 on time, A1 late.
    let d = app
        .ok(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "m": f.feb_deadline}),
        )
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(c["deadline"], "2025-03-10");
    assert_eq!(
        figures(c),
        (4, 2, 1, 1, 0, 0, 2, json!("0.5"), json!("0.25"))
    );
    assert_eq!(missing_codes(c), vec!["RM-W1-B", "RM-W2-A"]);
    // Paged: one at a time, the cursor carries on.
    let page = "query($c: ID!, $m: ID, $a: String) { reportingCompliance(campaignId: $c, milestoneId: $m) { \
        missingUnits(first: 1, after: $a) { edges { cursor node { unit { code } lastReport { status } } } pageInfo { hasNextPage } } } }";
    let d = app
        .ok(
            Some(&f.admin),
            page,
            json!({"c": f.campaign, "m": f.feb_deadline}),
        )
        .await;
    let m = &d["reportingCompliance"]["missingUnits"];
    assert_eq!(m["edges"][0]["node"]["unit"]["code"], "RM-W1-B");
    assert_eq!(m["edges"][0]["node"]["lastReport"]["status"], "SUBMITTED");
    assert_eq!(m["pageInfo"]["hasNextPage"], true);
    let cursor = m["edges"][0]["cursor"].as_str().unwrap();
    let d = app
        .ok(
            Some(&f.admin),
            page,
            json!({"c": f.campaign, "m": f.feb_deadline, "a": cursor}),
        )
        .await;
    let m = &d["reportingCompliance"]["missingUnits"];
    assert_eq!(m["edges"][0]["node"]["unit"]["code"], "RM-W2-A");
    assert_eq!(m["edges"][0]["node"]["lastReport"]["status"], "RETURNED");
    assert_eq!(m["pageInfo"]["hasNextPage"], false);
}

async fn a_period_without_a_deadline_has_nothing_late(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RN", 0).await;
    let d = app
        .ok(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "p": "2025-05", "g": "NONE"}),
        )
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(c["deadline"], Value::Null);
    assert_eq!(figures(c), (4, 0, 0, 0, 0, 0, 4, json!("0"), json!("0")));
    // A May report, submitted today, long after May: still on time, there is no deadline.
    let units = app
        .ok(
            Some(&f.admin),
            "query($c: ID!) { reportingCompliance(campaignId: $c, period: \"2025-03\", unitId: null) { missingUnits { edges { node { unit { id } } } } } }",
            json!({"c": f.campaign}),
        )
        .await;
    let b2 = units["reportingCompliance"]["missingUnits"]["edges"][0]["node"]["unit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let criteria = app
        .ok(
            Some(&f.admin),
            "query($c: ID!) { campaign(id: $c) { criteria { id } } }",
            json!({"c": f.campaign}),
        )
        .await;
    let criterion = criteria["campaign"]["criteria"][0]["id"].as_str().unwrap();
    submit(&app, &f.admin, vec![month(&f.campaign, &b2, criterion, 5)]).await;
    let d = app
        .ok(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "p": "2025-05", "g": "NONE"}),
        )
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(
        figures(c),
        (4, 1, 1, 0, 0, 0, 3, json!("0.25"), json!("0.25"))
    );
}

async fn a_ward_manager_sees_only_their_ward(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RW", 0).await;
    let manager = app
        .user_with_role(&f.admin, "quanly.phuong1", "MANAGER", &f.wards[0])
        .await;
    // Without a unit: their ward (the launching unit, the root, is out of reach).
    let d = app
        .ok(Some(&manager), Q, json!({"c": f.campaign, "p": "2025-03"}))
        .await;
    let c = &d["reportingCompliance"];
    assert_eq!(c["unit"]["code"], "RW-W1");
    assert_eq!(figures(c), (2, 2, 1, 1, 1, 0, 0, json!("1"), json!("0.5")));
    assert_eq!(missing_codes(c), Vec::<String>::new());
    let codes: Vec<String> = rows(c).into_iter().map(|r| r.0).collect();
    assert_eq!(codes, vec!["RW-W1-A", "RW-W1-B"]);
    // The root or the other ward: FORBIDDEN.
    for unit in [&f.root, &f.wards[1]] {
        let a = app
            .gql(
                Some(&manager),
                Q,
                json!({"c": f.campaign, "p": "2025-03", "u": unit}),
            )
            .await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    }
    // Signed out: UNAUTHENTICATED.
    let a = app
        .gql(None, Q, json!({"c": f.campaign, "p": "2025-03"}))
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
}

async fn bad_inputs_have_stable_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RB", 0).await;
    let unknown = |kind: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{kind}:{}", Uuid::now_v7()))
    };
    let long = "2".repeat(10_000);
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (
            json!({"c": unknown("Campaign"), "p": "2025-03"}),
            "NOT_FOUND",
            None,
        ),
        (
            json!({"c": "not-an-id", "p": "2025-03"}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            json!({"c": f.campaign, "p": "2025-03", "u": unknown("OrgUnit")}),
            "NOT_FOUND",
            None,
        ),
        (
            json!({"c": f.campaign, "p": "2025-03", "u": f.campaign}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            json!({"c": f.campaign, "m": unknown("Milestone")}),
            "NOT_FOUND",
            None,
        ),
        (
            json!({"c": f.campaign, "m": f.review}),
            "BAD_USER_INPUT",
            Some("NOT_APPLICABLE"),
        ),
        (
            json!({"c": f.campaign, "p": "2025-13"}),
            "BAD_USER_INPUT",
            Some("INVALID_PERIOD"),
        ),
        (
            json!({"c": f.campaign, "p": "2025-Q5"}),
            "BAD_USER_INPUT",
            Some("INVALID_PERIOD"),
        ),
        (
            json!({"c": f.campaign, "p": "03/2025"}),
            "BAD_USER_INPUT",
            Some("INVALID_PERIOD"),
        ),
        (
            json!({"c": f.campaign, "p": "2025-0\u{0}"}),
            "BAD_USER_INPUT",
            Some("INVALID_PERIOD"),
        ),
        (
            json!({"c": f.campaign, "p": long}),
            "BAD_USER_INPUT",
            Some("INVALID_PERIOD"),
        ),
        (
            json!({"c": f.campaign, "p": "2024-12"}),
            "BAD_USER_INPUT",
            Some("PERIOD_OUTSIDE_CAMPAIGN"),
        ),
        (
            json!({"c": f.campaign, "p": "2026"}),
            "BAD_USER_INPUT",
            Some("PERIOD_OUTSIDE_CAMPAIGN"),
        ),
        (
            json!({"c": f.campaign, "p": "2025-03", "m": f.mar_deadline}),
            "BAD_USER_INPUT",
            Some("NOT_APPLICABLE"),
        ),
        (json!({"c": f.campaign}), "BAD_USER_INPUT", Some("REQUIRED")),
    ];
    for (vars, code, user_code) in cases {
        let a = app.gql(Some(&f.admin), Q, vars.clone()).await;
        assert_eq!(a.error_code(), Some(code), "{vars}: {}", a.body);
        if let Some(u) = user_code {
            assert_eq!(
                a.body["errors"][0]["extensions"]["userErrorCode"], u,
                "{vars}: {}",
                a.body
            );
        }
        assert!(a.data().is_null() || a.data()["reportingCompliance"].is_null());
    }
    // A milestone of another campaign is unknown here.
    let other = fixture(&app, "RB2", 0).await;
    let a = app
        .gql(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "m": other.mar_deadline}),
        )
        .await;
    assert_eq!(a.error_code(), Some("NOT_FOUND"), "{}", a.body);
    // An unknown groupBy is refused by the schema.
    let a = app
        .gql(
            Some(&f.admin),
            Q,
            json!({"c": f.campaign, "p": "2025-03", "g": "FIELD"}),
        )
        .await;
    assert!(a.body["errors"].is_array(), "{}", a.body);
}

const ROWS: &str = "query($c: ID!) { reportingCompliance(campaignId: $c, period: \"2025-03\") { \
    unit { code } expected late rows { unit { code name } expected late } } }";
const MISSING: &str = "query($c: ID!) { reportingCompliance(campaignId: $c, period: \"2025-03\") { \
    missing missingUnits(first: 100) { edges { node { unit { code name } lastReport { status } } } } } }";

async fn statements_for(app: &TestApp, admin: &str, campaign: &str, q: &str) -> (u64, Value) {
    let before = app.db.statements_run();
    let d = app
        .ok(Some(admin), q, json!({"c": campaign, "p": "2025-03"}))
        .await;
    (
        app.db.statements_run() - before,
        d["reportingCompliance"].clone(),
    )
}

async fn compliance_costs_the_same_statements_for_4_and_12_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let small = fixture(&app, "RS", 0).await;
    let large = fixture(&app, "RL", 8).await;
    // caller's grants + campaign + milestones + launching unit + counts + row units
    let (s, d) = statements_for(&app, &small.admin, &small.campaign, ROWS).await;
    assert_eq!(d["expected"], 4);
    let (l, d) = statements_for(&app, &large.admin, &large.campaign, ROWS).await;
    assert_eq!(d["expected"], 12);
    assert_eq!(d["rows"].as_array().unwrap().len(), 2);
    assert_eq!(
        (s, l),
        (6, 6),
        "rows: {s} statements for 4 units, {l} for 12"
    );
    // caller's grants + campaign + milestones + launching unit + counts + missing page +
    // missing units
    let (s, d) = statements_for(&app, &small.admin, &small.campaign, MISSING).await;
    assert_eq!(d["missingUnits"]["edges"].as_array().unwrap().len(), 1);
    let (l, d) = statements_for(&app, &large.admin, &large.campaign, MISSING).await;
    assert_eq!(d["missingUnits"]["edges"].as_array().unwrap().len(), 9);
    assert_eq!(
        (s, l),
        (7, 7),
        "missing: {s} statements for 4 units, {l} for 12"
    );
    // Everything at once: the two unit lookups may share a batch, so 7 or 8.
    for f in [&small, &large] {
        let (n, _) = statements_for(&app, &f.admin, &f.campaign, Q).await;
        assert!((7..=8).contains(&n), "the full query ran {n} statements");
    }
}
