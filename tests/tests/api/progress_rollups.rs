//! `criterionProgress` over whole years reads `progress_rollups`, kept by each approval;
//! over any other range it reads the reports. Both must give the same figures whatever
//! the periods: months inside an approved quarter or year, a CUSTOM period inside a month,
//! two reports of one period (the later counts), and a CUSTOM period across a year end
//! (which the rollups leave out, so a range it lies in reads the reports).

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use thidua_persistence::progress_rollups;
use thidua_tests::{Backend, CREATE_CAMPAIGN, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::leaderboard::approve;

both!(
    rollups_and_reports_give_the_same_figures_for_every_grouping,
    a_report_across_a_year_end_is_counted_from_the_reports,
    rollups_are_what_whole_years_read_and_rebuild_restores_them,
    approvals_of_one_units_year_at_once_all_count
);

const Q: &str = "query($c: ID!, $f: NaiveDate, $t: NaiveDate, $g: ProgressGroupBy, $k: ID) { \
    criterionProgress(campaignId: $c, from: $f, to: $t, groupBy: $g, clusterId: $k) { \
    criteria { value reports groups { unit { code } period value reports } } } }";

pub(crate) const GROUPINGS: [&str; 6] = [
    "CHILD_UNIT",
    "NONE",
    "PERIOD_MONTH",
    "PERIOD_QUARTER",
    "PERIOD_HALF_YEAR",
    "PERIOD_YEAR",
];

pub(crate) struct Fixture {
    pub(crate) admin: String,
    pub(crate) campaign: String,
    pub(crate) criteria: Vec<String>,
    pub(crate) a: String,
    pub(crate) b: String,
    pub(crate) w1: String,
    pub(crate) w2: String,
    pub(crate) root: String,
}

pub(crate) fn rep(
    f: (&str, &[String]),
    unit: &str,
    kind: &str,
    start: &str,
    end: &str,
    v: [i32; 5],
) -> Value {
    json!({
        "id": Uuid::now_v7().to_string(), "campaignId": f.0, "unitId": unit,
        "period": {"kind": kind, "start": start, "end": end},
        "values": f.1.iter().zip(v).map(|(c, v)| json!({"criterionId": c, "value": v.to_string()})).collect::<Vec<_>>()
    })
}

/// Submits `reports` and approves every one but those in `pending`.
pub(crate) async fn submit_approving(
    app: &TestApp,
    admin: &str,
    reports: Vec<Value>,
    pending: &[usize],
) {
    let p = crate::reports::submit(app, admin, reports).await;
    for (i, r) in p["results"].as_array().unwrap().iter().enumerate() {
        let id = r["report"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("report {i} not accepted: {p}"));
        if !pending.contains(&i) {
            approve(app, admin, id).await;
        }
    }
}

/// A campaign over 2024–2025 with one criterion per period aggregation (SUM count,
/// LATEST, AVERAGE, MAX, MIN); unit A under ward W1, unit B under W2. Approved:
///
/// - A: months 2024-11 … 2025-03; quarter 2025-Q2 with months April and May inside it;
///   July with a CUSTOM 10–20 July inside it.
/// - B: year 2024 with March 2024 inside it; two CUSTOM 1–14 February 2025 (the later
///   counts); March 2025. Its September is submitted, never approved.
pub(crate) async fn fixture(app: &TestApp, p: &str) -> Fixture {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let w1 = app.create_unit(&admin, &format!("{p}-W1"), &root).await;
    let w2 = app.create_unit(&admin, &format!("{p}-W2"), &root).await;
    let a = app.create_unit(&admin, &format!("{p}-W1-A"), &w1).await;
    let b = app.create_unit(&admin, &format!("{p}-W2-B"), &w2).await;
    let programme = app.programme_id().await;
    let crit = |title: &str, measure: &str, agg: &str| {
        json!({"title": title, "measure": measure, "unitLabel": "x", "targetValue": "50",
            "weight": "1", "periodAggregation": agg})
    };
    let c = app
        .ok(
            Some(&admin),
            CREATE_CAMPAIGN,
            json!({"i": {
                "code": p, "title": format!("Phong trào {p}"), "kind": "THEMATIC",
                "programmeId": programme, "launchingUnitId": root,
                "startDate": "2024-01-01", "endDate": "2025-12-31",
                "criteria": [
                    crit("Số hộ", "COUNT", "SUM"),
                    crit("Tỷ lệ mới nhất", "PERCENT", "LATEST"),
                    crit("Điểm trung bình", "NUMBER", "AVERAGE"),
                    crit("Tỷ lệ cao nhất", "PERCENT", "MAX"),
                    crit("Tỷ lệ thấp nhất", "PERCENT", "MIN"),
                ],
            }}),
        )
        .await;
    let campaign = c["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{c}"))
        .to_owned();
    let criteria: Vec<String> = c["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    app.launch(&admin, &campaign).await;
    for u in [&a, &b] {
        app.ok(Some(&admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": u}}))
            .await;
    }
    let f = (campaign.as_str(), criteria.as_slice());
    let m = |unit: &str, month: &str, last: u32, v: [i32; 5]| {
        rep(
            f,
            unit,
            "MONTH",
            &format!("{month}-01"),
            &format!("{month}-{last}"),
            v,
        )
    };
    let reports = vec![
        m(&a, "2024-11", 30, [1, 10, 1, 10, 10]),
        m(&a, "2024-12", 31, [2, 20, 2, 20, 20]),
        m(&a, "2025-01", 31, [3, 30, 3, 30, 30]),
        m(&a, "2025-02", 28, [4, 40, 4, 40, 40]),
        m(&a, "2025-03", 31, [5, 50, 5, 50, 50]),
        rep(
            f,
            &a,
            "QUARTER",
            "2025-04-01",
            "2025-06-30",
            [20, 65, 6, 65, 65],
        ),
        m(&a, "2025-04", 30, [6, 55, 7, 55, 55]),
        m(&a, "2025-05", 31, [7, 60, 8, 60, 60]),
        m(&a, "2025-07", 31, [8, 70, 9, 70, 70]),
        rep(
            f,
            &a,
            "CUSTOM",
            "2025-07-10",
            "2025-07-20",
            [100, 99, 100, 99, 99],
        ),
        rep(
            f,
            &b,
            "YEAR",
            "2024-01-01",
            "2024-12-31",
            [50, 75, 5, 75, 75],
        ),
        m(&b, "2024-03", 31, [9, 15, 9, 15, 15]),
        rep(
            f,
            &b,
            "CUSTOM",
            "2025-02-01",
            "2025-02-14",
            [11, 11, 11, 11, 11],
        ),
        rep(
            f,
            &b,
            "CUSTOM",
            "2025-02-01",
            "2025-02-14",
            [12, 12, 12, 12, 12],
        ),
        m(&b, "2025-03", 31, [13, 85, 13, 85, 85]),
        m(&b, "2025-09", 30, [500, 1, 500, 1, 1]),
    ];
    submit_approving(app, &admin, reports, &[15]).await;
    Fixture {
        admin,
        campaign,
        criteria,
        a,
        b,
        w1,
        w2,
        root,
    }
}

pub(crate) async fn progress(app: &TestApp, f: &Fixture, from: &str, to: &str, by: &str) -> Value {
    progress_in(app, f, from, to, by, None).await
}

/// [`progress`] narrowed to `cluster`: then the figures are read unit by unit (from the
/// rollups over whole years, else from the reports), never from the subtree totals.
pub(crate) async fn progress_in(
    app: &TestApp,
    f: &Fixture,
    from: &str,
    to: &str,
    by: &str,
    cluster: Option<&str>,
) -> Value {
    app.ok(
        Some(&f.admin),
        Q,
        json!({"c": f.campaign, "f": from, "t": to, "g": by, "k": cluster}),
    )
    .await["criterionProgress"]["criteria"]
        .clone()
}

/// A cluster holding every unit of the fixture, wherever it hangs: narrowed to it, a query
/// counts the same units as the province's, read unit by unit.
pub(crate) async fn everyone(app: &TestApp, f: &Fixture, code: &str) -> String {
    crate::comparisons::cluster(app, &f.admin, code, "CLUSTER", &[&f.w1, &f.w2, &f.a, &f.b]).await
}

/// `(from, to)`.
pub(crate) type Range = (&'static str, &'static str);

/// Each whole-year range, and a range that is not whole years but holds the same reports.
const RANGES: [(Range, Range); 2] = [
    (("2024-01-01", "2025-12-31"), ("2023-12-02", "2025-12-31")),
    (("2025-01-01", "2025-12-31"), ("2024-12-02", "2025-12-31")),
];

/// Narrowed to `all` (every unit), whole years read the rollups and other ranges the
/// reports: both agree, and with what the province's totals answer.
async fn assert_paths_agree(app: &TestApp, f: &Fixture, all: &str) {
    for ((from, to), (other_from, other_to)) in RANGES {
        for by in GROUPINGS {
            let whole = progress_in(app, f, from, to, by, Some(all)).await;
            let other = progress_in(app, f, other_from, other_to, by, Some(all)).await;
            assert_eq!(
                whole, other,
                "{from}..{to} vs {other_from}..{other_to}, {by}"
            );
            let totals = progress(app, f, from, to, by).await;
            assert_eq!(whole, totals, "{from}..{to}, {by}: totals");
        }
    }
}

async fn rollups_and_reports_give_the_same_figures_for_every_grouping(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RA").await;
    let all = everyone(&app, &f, "RA-ALL").await;
    assert_paths_agree(&app, &f, &all).await;
    // Hand-counted, 2024–2025. SUM: A 1+2+3+4+5+20+8 = 43 (7 reports), B 50+12+13 = 75
    // (3). LATEST: A's July 70, B's March 85, averaged 77.5. AVERAGE: A 30/7, B 30/3.
    // MAX: A 70, B 85. MIN: A 10, B 12.
    let c = progress(&app, &f, "2024-01-01", "2025-12-31", "CHILD_UNIT").await;
    let figures: Vec<(&Value, &Value)> = c
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (&c["value"], &c["reports"]))
        .collect();
    assert_eq!(
        figures,
        [
            (&json!("118"), &json!(10)),
            (&json!("77.5"), &json!(10)),
            (&json!("7.1429"), &json!(10)),
            (&json!("77.5"), &json!(10)),
            (&json!("11"), &json!(10)),
        ]
    );
    assert_eq!(c[0]["groups"][0]["value"], "43");
    assert_eq!(c[0]["groups"][1]["value"], "75");
    // By month over 2025: A's quarter falls in June, B's later February report alone.
    let months = progress(&app, &f, "2025-01-01", "2025-12-31", "PERIOD_MONTH").await;
    let sums: Vec<(&Value, &Value)> = months[0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (&g["period"], &g["value"]))
        .collect();
    assert_eq!(
        sums,
        [
            (&json!("2025-01"), &json!("3")),
            (&json!("2025-02"), &json!("16")),
            (&json!("2025-03"), &json!("18")),
            (&json!("2025-06"), &json!("20")),
            (&json!("2025-07"), &json!("8")),
        ]
    );
}

async fn a_report_across_a_year_end_is_counted_from_the_reports(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RX").await;
    let all = everyone(&app, &f, "RX-ALL").await;
    // November 2024 to January 2025 holds A's three months of that span.
    let across = rep(
        (&f.campaign, &f.criteria),
        &f.a,
        "CUSTOM",
        "2024-11-01",
        "2025-01-31",
        [30, 33, 3, 33, 33],
    );
    submit_approving(&app, &f.admin, vec![across], &[]).await;
    assert_paths_agree(&app, &f, &all).await;
    // 2024–2025: A 30+4+5+20+8 = 67 (5 reports) + B 75 (3).
    let c = progress(&app, &f, "2024-01-01", "2025-12-31", "NONE").await;
    assert_eq!(
        (&c[0]["value"], &c[0]["reports"]),
        (&json!("142"), &json!(8))
    );
    // 2025 alone: the span is not inside it, A's January counts again.
    let c = progress(&app, &f, "2025-01-01", "2025-12-31", "NONE").await;
    assert_eq!(
        (&c[0]["value"], &c[0]["reports"]),
        (&json!("65"), &json!(7))
    );
}

async fn rollups_are_what_whole_years_read_and_rebuild_restores_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RR").await;
    let all = everyone(&app, &f, "RR-ALL").await;
    // Through the cluster of everyone: read unit by unit, from the rollups over whole years.
    let by_child =
        |from: &'static str| progress_in(&app, &f, from, "2025-12-31", "CHILD_UNIT", Some(&all));
    let before = by_child("2024-01-01").await;
    let kept: u64 = app
        .db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.backend(),
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM progress_rollups",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
        .try_into()
        .unwrap();
    // Buckets with a counted value, times five criteria. A: 2024 (Y, H2, Q4, Nov, Dec) and
    // 2025 (Y, H1, H2, Q1, Q2, Q3, Jan, Feb, Mar, Jun, Jul) = 16; B: 2024 (Y, H2, Q4, Dec)
    // and 2025 (Y, H1, Q1, Feb, Mar) = 9; and one whole-campaign row each.
    assert_eq!(kept, (16 + 9 + 2) * 5);
    app.db
        .conn
        .execute_unprepared("DELETE FROM progress_rollups")
        .await
        .unwrap();
    // With the rollups gone, whole years read unit by unit find nothing; other ranges
    // still read reports.
    let emptied = by_child("2024-01-01").await;
    assert_eq!(emptied[0]["reports"], 0, "{emptied}");
    let other = by_child("2023-12-02").await;
    assert_eq!(other, before);
    let rows = progress_rollups::rebuild(&app.db).await.unwrap();
    assert_eq!(rows, kept, "the rows each approval kept, and no more");
    let after = by_child("2024-01-01").await;
    assert_eq!(after, before);
}

/// Submits `reports`, then approves them all at once (concurrent requests): each must be
/// approved.
pub(crate) async fn submit_approving_at_once(app: &TestApp, admin: &str, reports: Vec<Value>) {
    let p = crate::reports::submit(app, admin, reports).await;
    let ids: Vec<String> = p["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["report"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{p}"))
                .to_owned()
        })
        .collect();
    let answers = futures_util::future::join_all(ids.iter().map(|id| {
        app.gql(
            Some(admin),
            "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }",
            json!({"i": {"id": id}}),
        )
    }))
    .await;
    for a in &answers {
        assert_eq!(
            a.data()["approveReport"]["report"]["status"],
            "APPROVED",
            "{}",
            a.body
        );
    }
}

/// Approvals of one unit's reports of one year, sent at once, each recompute that unit's
/// rows: none may fail for another (a duplicate row), and all of them count.
async fn approvals_of_one_units_year_at_once_all_count(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "RC").await;
    let all = everyone(&app, &f, "RC-ALL").await;
    let reports: Vec<Value> = (8..=12)
        .map(|month| {
            let last = [31, 30, 31, 30, 31][month - 8];
            rep(
                (&f.campaign, &f.criteria),
                &f.a,
                "MONTH",
                &format!("2025-{month:02}-01"),
                &format!("2025-{month:02}-{last}"),
                [1, 1, 1, 1, 1],
            )
        })
        .collect();
    submit_approving_at_once(&app, &f.admin, reports).await;
    assert_paths_agree(&app, &f, &all).await;
    // 2025: A's 3+4+5+20+8 = 40 and five more months of 1; B 12+13 = 25.
    let c = progress(&app, &f, "2025-01-01", "2025-12-31", "NONE").await;
    assert_eq!(
        (&c[0]["value"], &c[0]["reports"]),
        (&json!("70"), &json!(12))
    );
}
