//! `criterionProgress` over one whole year of a whole subtree, or over a range holding
//! every approved report of the campaign (its own dates by default), reads
//! `progress_subtree_totals`, kept by delta in the transaction of every change of what
//! they sum. Each test changes one thing (approvals in two wards, a report across a year
//! end, a unit or a ward moved, a participation withdrawn and restored, a criterion's
//! period aggregation, the campaign's dates, approvals at once) and then checks that
//!
//! - each grouping of a whole year answers what a range holding the same reports but not
//!   whole years (read unit by unit from the reports) answers,
//! - each grouping of a range holding every report (the default range among them), for the
//!   province and for a ward, answers what the same query narrowed to a cluster holding
//!   every unit (read unit by unit) answers, and
//! - the stored totals are the rows `rebuild` recomputes from the rollups.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use thidua_persistence::progress_rollups;
use thidua_tests::totals::{Col, assert_rebuild_keeps};
use thidua_tests::{Backend, TestApp, both, spawn_app};

use crate::leaderboard::uuid_of;
use crate::progress_rollups::{
    Fixture, GROUPINGS, Range, everyone, fixture, progress, rep, submit_approving,
    submit_approving_at_once,
};

both!(
    whole_campaign_totals_answer_the_campaigns_range_and_rebuild_restores_them,
    whole_campaign_totals_count_a_report_across_a_year_end,
    a_campaigns_dates_decide_whether_its_range_reads_the_whole_campaign_totals,
    totals_follow_approvals_in_two_wards_and_rebuild_restores_them,
    totals_follow_a_unit_and_a_ward_moved_to_other_parents,
    totals_follow_a_participation_withdrawn_and_restored,
    totals_follow_a_criterion_whose_period_aggregation_changes,
    concurrent_approvals_in_one_campaign_month_keep_the_province_totals
);

/// Each whole year, and a range that is not whole years but holds the same reports (the
/// fixture has no report starting on 1 December).
const YEARS: [(Range, Range); 2] = [
    (("2024-01-01", "2024-12-31"), ("2023-12-02", "2024-12-31")),
    (("2025-01-01", "2025-12-31"), ("2024-12-02", "2025-12-31")),
];

async fn assert_years_agree(app: &TestApp, f: &Fixture, when: &str) {
    for ((from, to), (other_from, other_to)) in YEARS {
        for by in GROUPINGS {
            let whole = progress(app, f, from, to, by).await;
            let other = progress(app, f, other_from, other_to, by).await;
            assert_eq!(
                whole, other,
                "{when}: {from}..{to} vs {other_from}..{other_to}, {by}"
            );
        }
    }
}

const Q: &str = "query($c: ID!, $f: NaiveDate, $t: NaiveDate, $g: ProgressGroupBy, $u: ID, \
    $k: ID) { criterionProgress(campaignId: $c, from: $f, to: $t, groupBy: $g, unitId: $u, \
    clusterId: $k) { from to criteria { value reports groups { unit { code } period value \
    reports } } } }";

/// Ranges holding every approved report of the fixture's campaign (2024–2025): its own
/// dates by default, the same written out, and wider ones not made of whole years.
const COVERING: [Option<Range>; 3] = [
    None,
    Some(("2024-01-01", "2025-12-31")),
    Some(("2023-12-02", "2026-01-30")),
];

/// The figures of `criterionProgress` over `range` (the campaign's dates if `None`) under
/// `unit` (the province if `None`), narrowed to `cluster` if given.
async fn figures(
    app: &TestApp,
    f: &Fixture,
    range: Option<Range>,
    by: &str,
    unit: Option<&str>,
    cluster: Option<&str>,
) -> Value {
    let (from, to) = range.unzip();
    app.ok(
        Some(&f.admin),
        Q,
        json!({"c": f.campaign, "f": from, "t": to, "g": by, "u": unit, "k": cluster}),
    )
    .await["criterionProgress"]
        .clone()
}

/// Over every range holding the campaign's reports, each grouping for the province and
/// for ward W1 answers what the same query narrowed to `all` (every unit) answers.
async fn assert_campaign_agrees(app: &TestApp, f: &Fixture, all: &str, when: &str) {
    for range in COVERING {
        for by in GROUPINGS {
            for unit in [None, Some(f.w1.as_str())] {
                let totals = figures(app, f, range, by, unit, None).await;
                let units = figures(app, f, range, by, unit, Some(all)).await;
                assert_eq!(totals, units, "{when}: {range:?}, {by}, unit {unit:?}");
            }
        }
    }
}

/// The SUM criterion over the campaign's dates by child unit: its total and reports, and
/// each group's (unit code, value).
async fn sum_by_child(app: &TestApp, f: &Fixture) -> (Value, Value, Vec<(Value, Value)>) {
    let c = figures(app, f, None, "CHILD_UNIT", None, None).await;
    let sum = &c["criteria"][0];
    let groups = sum["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["unit"]["code"].clone(), g["value"].clone()))
        .collect();
    (sum["value"].clone(), sum["reports"].clone(), groups)
}

async fn whole_campaign_totals_answer_the_campaigns_range_and_rebuild_restores_them(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "WC").await;
    let all = everyone(&app, &f, "WC-ALL").await;
    assert_campaign_agrees(&app, &f, &all, "fixture").await;
    // Hand-counted over 2024–2025 (see the fixture). SUM: A 1+2+3+4+5+20+8 = 43 (7
    // reports), B 50+12+13 = 75 (3). LATEST: A's July 70, B's March 85. AVERAGE: A 30/7,
    // B 30/3. MAX: A 70, B 85. MIN: A 10, B 12. Units combine by SUM for the count, else
    // by their mean.
    let c = figures(&app, &f, None, "CHILD_UNIT", None, None).await;
    assert_eq!(
        (&c["from"], &c["to"]),
        (&json!("2024-01-01"), &json!("2025-12-31"))
    );
    let got: Vec<(Value, Value, Vec<Value>)> = c["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let groups = k["groups"].as_array().unwrap();
            (
                k["value"].clone(),
                k["reports"].clone(),
                groups.iter().map(|g| g["value"].clone()).collect(),
            )
        })
        .collect();
    let want = [
        ("118", 10, ["43", "75"]),
        ("77.5", 10, ["70", "85"]),
        ("7.1429", 10, ["4.2857", "10"]),
        ("77.5", 10, ["70", "85"]),
        ("11", 10, ["10", "12"]),
    ];
    let want: Vec<(Value, Value, Vec<Value>)> = want
        .iter()
        .map(|(v, n, g)| (json!(v), json!(n), g.iter().map(|x| json!(x)).collect()))
        .collect();
    assert_eq!(got, want, "{c}");
    // One more month in each ward: A's August and B's December 2025.
    let more = vec![
        month(&f, &f.a, 8, [100, 1, 1, 1, 1]),
        month(&f, &f.b, 12, [200, 2, 2, 2, 2]),
    ];
    submit_approving(&app, &f.admin, more, &[]).await;
    assert_campaign_agrees(&app, &f, &all, "approvals in two wards").await;
    assert_eq!(
        sum_by_child(&app, &f).await,
        (
            json!("418"),
            json!(12),
            vec![
                (json!("WC-W1"), json!("143")),
                (json!("WC-W2"), json!("275"))
            ]
        )
    );
    // Ward W1 alone, by child: its unit A.
    let w1 = figures(&app, &f, None, "CHILD_UNIT", Some(&f.w1), None).await;
    assert_eq!(
        (
            &w1["criteria"][0]["value"],
            &w1["criteria"][0]["groups"][0]["unit"]["code"]
        ),
        (&json!("143"), &json!("WC-W1-A")),
        "{w1}"
    );
    // The campaign's range is read from the whole-campaign totals: without them it finds
    // nothing, while the same range narrowed to a cluster still does; a rebuild brings
    // them back.
    let before = figures(&app, &f, None, "CHILD_UNIT", None, None).await;
    app.db
        .conn
        .execute_unprepared("DELETE FROM progress_subtree_totals WHERE grain = 'C'")
        .await
        .unwrap();
    let emptied = figures(&app, &f, None, "NONE", None, None).await;
    assert_eq!(emptied["criteria"][0]["reports"], 0, "{emptied}");
    let narrowed = figures(&app, &f, None, "NONE", None, Some(&all)).await;
    assert_eq!(narrowed["criteria"][0]["value"], "418", "{narrowed}");
    progress_rollups::rebuild(&app.db).await.unwrap();
    assert_eq!(
        figures(&app, &f, None, "CHILD_UNIT", None, None).await,
        before
    );
    assert_campaign_agrees(&app, &f, &all, "rebuilt").await;
    assert_totals_rebuild_the_same(&app, "approvals").await;
}

/// A CUSTOM period across a year end is left out of the calendar rows but counted in the
/// whole-campaign rows, as a range holding it counts it from the reports. (It starts on 1
/// December, so the ranges `assert_years_agree` compares leave it out alike.)
async fn whole_campaign_totals_count_a_report_across_a_year_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "WX").await;
    let all = everyone(&app, &f, "WX-ALL").await;
    let across = rep(
        (&f.campaign, &f.criteria),
        &f.b,
        "CUSTOM",
        "2024-12-01",
        "2025-01-10",
        [7, 7, 7, 7, 7],
    );
    submit_approving(&app, &f.admin, vec![across], &[]).await;
    assert_campaign_agrees(&app, &f, &all, "a report across a year end").await;
    // B's year 2024 ends before it: it counts on its own, 75 + 7.
    assert_eq!(
        sum_by_child(&app, &f).await,
        (
            json!("125"),
            json!(11),
            vec![(json!("WX-W1"), json!("43")), (json!("WX-W2"), json!("82"))]
        )
    );
    assert_years_agree(&app, &f, "a report across a year end").await;
    assert_totals_rebuild_the_same(&app, "a report across a year end").await;
}

/// Sets the campaign's dates in SQL (dates change only in draft campaigns, which hold no
/// reports; data loaded around the API may still disagree with them).
async fn set_dates(app: &TestApp, f: &Fixture, start: &str, end: &str) {
    let sql = match app.db.backend() {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE campaigns SET start_date = CAST($1 AS DATE), end_date = CAST($2 AS DATE) \
            WHERE id = $3"
        }
        _ => "UPDATE campaigns SET start_date = ?, end_date = ? WHERE id = ?",
    };
    app.db
        .conn
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            app.db.backend(),
            sql,
            [start.into(), end.into(), uuid_of(&f.campaign).into()],
        ))
        .await
        .unwrap();
}

/// Nothing stored depends on the campaign's dates: a default range leaving an approved
/// report out is read unit by unit, one holding them all from the totals.
async fn a_campaigns_dates_decide_whether_its_range_reads_the_whole_campaign_totals(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "WD").await;
    let all = everyone(&app, &f, "WD-ALL").await;
    let full = sum_by_child(&app, &f).await;
    // From February 2024, B's year 2024 is left out, so its March 2024 (9) counts:
    // B 9+12+13 = 34, A 43.
    set_dates(&app, &f, "2024-02-01", "2025-12-31").await;
    let narrowed = (
        json!("77"),
        json!(10),
        vec![(json!("WD-W1"), json!("43")), (json!("WD-W2"), json!("34"))],
    );
    assert_eq!(sum_by_child(&app, &f).await, narrowed);
    for by in GROUPINGS {
        for unit in [None, Some(f.w2.as_str())] {
            assert_eq!(
                figures(&app, &f, None, by, unit, None).await,
                figures(&app, &f, None, by, unit, Some(&all)).await,
                "narrowed dates, {by}, unit {unit:?}"
            );
        }
    }
    // Wider dates hold every report again: the figures of the campaign's own dates.
    set_dates(&app, &f, "2023-07-01", "2026-06-30").await;
    assert_eq!(sum_by_child(&app, &f).await, full);
    assert_campaign_agrees(&app, &f, &all, "wider dates").await;
    assert_totals_rebuild_the_same(&app, "dates changed").await;
}

/// The stored totals with a unit, in key order, the sums to six places.
const STORED: &str = "SELECT campaign_id, grain, ancestor_id, CAST(year AS BIGINT) AS year, \
        criterion_id, bucket, CAST(units AS BIGINT) AS units, \
        CAST(ROUND(value_sum, 6) AS TEXT) AS value_sum, CAST(reports AS BIGINT) AS reports \
    FROM progress_subtree_totals WHERE units > 0 \
    ORDER BY campaign_id, grain, ancestor_id, year, criterion_id, bucket";

const STORED_COLS: &[Col] = &[
    Col::Uuid("campaign_id"),
    Col::Text("grain"),
    Col::Uuid("ancestor_id"),
    Col::Int("year"),
    Col::Uuid("criterion_id"),
    Col::Text("bucket"),
    Col::Int("units"),
    Col::Text("value_sum"),
    Col::Int("reports"),
];

/// The totals kept so far are what a rebuild computes from the rollups.
async fn assert_totals_rebuild_the_same(app: &TestApp, when: &str) {
    let rebuild = progress_rollups::rebuild(&app.db);
    assert_rebuild_keeps(app, STORED, STORED_COLS, rebuild, when).await;
}

fn month(f: &Fixture, unit: &str, m: u32, v: [i32; 5]) -> Value {
    let last = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1];
    rep(
        (&f.campaign, &f.criteria),
        unit,
        "MONTH",
        &format!("2025-{m:02}-01"),
        &format!("2025-{m:02}-{last}"),
        v,
    )
}

async fn move_unit(app: &TestApp, f: &Fixture, unit: &str, parent: &str) {
    app.ok(
        Some(&f.admin),
        "mutation($i: MoveOrgUnitInput!) { moveOrgUnit(input: $i) { orgUnit { id } } }",
        json!({"i": {"id": unit, "parentId": parent}}),
    )
    .await;
}

async fn participation(app: &TestApp, f: &Fixture, mutation: &str, unit: &str) {
    app.ok(
        Some(&f.admin),
        &format!(
            "mutation($i: ParticipationInput!) {{ {mutation}(input: $i) {{ participation {{ id }} }} }}"
        ),
        json!({"i": {"campaignId": f.campaign, "unitId": unit}}),
    )
    .await;
}

/// The SUM criterion's 2025 total and its groups by child (unit code, value).
async fn sum_by_child_2025(app: &TestApp, f: &Fixture) -> (Value, Vec<(Value, Value)>) {
    let c = progress(app, f, "2025-01-01", "2025-12-31", "CHILD_UNIT").await;
    let groups = c[0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["unit"]["code"].clone(), g["value"].clone()))
        .collect();
    (c[0]["value"].clone(), groups)
}

async fn totals_follow_approvals_in_two_wards_and_rebuild_restores_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "TA").await;
    assert_years_agree(&app, &f, "fixture").await;
    // One more month in each ward.
    let more = vec![
        month(&f, &f.a, 8, [100, 1, 1, 1, 1]),
        month(&f, &f.b, 8, [200, 2, 2, 2, 2]),
    ];
    submit_approving(&app, &f.admin, more, &[]).await;
    assert_years_agree(&app, &f, "approvals in two wards").await;
    // Hand-counted 2025 SUM: A 3+4+5+20+8+100 = 140, B 12+13+200 = 225.
    assert_eq!(
        sum_by_child_2025(&app, &f).await,
        (
            json!("365"),
            vec![
                (json!("TA-W1"), json!("140")),
                (json!("TA-W2"), json!("225"))
            ]
        )
    );
    // The whole year is read from the totals: without them it finds nothing, while a
    // range read from the reports still does; a rebuild brings them back.
    let before = progress(&app, &f, "2025-01-01", "2025-12-31", "CHILD_UNIT").await;
    app.db
        .conn
        .execute_unprepared("DELETE FROM progress_subtree_totals")
        .await
        .unwrap();
    let emptied = progress(&app, &f, "2025-01-01", "2025-12-31", "NONE").await;
    assert_eq!(emptied[0]["reports"], 0, "{emptied}");
    progress_rollups::rebuild(&app.db).await.unwrap();
    assert_eq!(
        progress(&app, &f, "2025-01-01", "2025-12-31", "CHILD_UNIT").await,
        before
    );
    assert_years_agree(&app, &f, "rebuilt").await;
    submit_approving(&app, &f.admin, vec![month(&f, &f.a, 9, [1; 5])], &[]).await;
    assert_totals_rebuild_the_same(&app, "approvals").await;
}

async fn totals_follow_a_unit_and_a_ward_moved_to_other_parents(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "TM").await;
    let all = everyone(&app, &f, "TM-ALL").await;
    // A moves from W1 to W2: W1 has no unit left, W2 both.
    move_unit(&app, &f, &f.a, &f.w2).await;
    assert_years_agree(&app, &f, "A under W2").await;
    assert_campaign_agrees(&app, &f, &all, "A under W2").await;
    assert_eq!(
        sum_by_child(&app, &f).await,
        (
            json!("118"),
            json!(10),
            vec![(json!("TM-W2"), json!("118"))]
        )
    );
    assert_eq!(
        sum_by_child_2025(&app, &f).await,
        (json!("65"), vec![(json!("TM-W2"), json!("65"))])
    );
    assert_totals_rebuild_the_same(&app, "A under W2").await;
    // W2 (with A and B) moves under W1; then A hangs from the root itself.
    move_unit(&app, &f, &f.w2, &f.w1).await;
    assert_years_agree(&app, &f, "W2 under W1").await;
    assert_eq!(
        sum_by_child_2025(&app, &f).await,
        (json!("65"), vec![(json!("TM-W1"), json!("65"))])
    );
    move_unit(&app, &f, &f.a, &f.root).await;
    assert_years_agree(&app, &f, "A under the root").await;
    assert_campaign_agrees(&app, &f, &all, "A under the root").await;
    assert_eq!(
        sum_by_child(&app, &f).await,
        (
            json!("118"),
            json!(10),
            vec![
                (json!("TM-W1"), json!("75")),
                (json!("TM-W1-A"), json!("43"))
            ]
        )
    );
    assert_eq!(
        sum_by_child_2025(&app, &f).await,
        (
            json!("65"),
            vec![
                (json!("TM-W1"), json!("25")),
                (json!("TM-W1-A"), json!("40"))
            ]
        )
    );
    assert_totals_rebuild_the_same(&app, "moves").await;
}

async fn totals_follow_a_participation_withdrawn_and_restored(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "TP").await;
    let all = everyone(&app, &f, "TP-ALL").await;
    let before = sum_by_child_2025(&app, &f).await;
    let campaign_before = sum_by_child(&app, &f).await;
    participation(&app, &f, "withdrawParticipation", &f.b).await;
    assert_years_agree(&app, &f, "B withdrawn").await;
    assert_campaign_agrees(&app, &f, &all, "B withdrawn").await;
    // Over 2024–2025 without B: A's 43.
    assert_eq!(
        sum_by_child(&app, &f).await,
        (json!("43"), json!(7), vec![(json!("TP-W1"), json!("43"))])
    );
    // 2025 without B: A's 3+4+5+20+8 = 40.
    assert_eq!(
        sum_by_child_2025(&app, &f).await,
        (json!("40"), vec![(json!("TP-W1"), json!("40"))])
    );
    assert_totals_rebuild_the_same(&app, "B withdrawn").await;
    participation(&app, &f, "registerParticipation", &f.b).await;
    assert_years_agree(&app, &f, "B registered again").await;
    assert_campaign_agrees(&app, &f, &all, "B registered again").await;
    assert_eq!(sum_by_child_2025(&app, &f).await, before);
    assert_eq!(sum_by_child(&app, &f).await, campaign_before);
    assert_totals_rebuild_the_same(&app, "B registered again").await;
}

/// Criteria change only in draft campaigns, which hold no reports: the change is made
/// here in SQL, with the call the update makes in its transaction.
async fn totals_follow_a_criterion_whose_period_aggregation_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "TC").await;
    let all = everyone(&app, &f, "TC-ALL").await;
    let sum = uuid_of(&f.criteria[0]);
    app.db
        .conn
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            app.db.backend(),
            match app.db.backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE criteria SET period_aggregation = 'MAX' WHERE id = $1"
                }
                _ => "UPDATE criteria SET period_aggregation = 'MAX' WHERE id = ?",
            },
            [sum.into()],
        ))
        .await
        .unwrap();
    progress_rollups::criterion_changed(&app.db.conn, uuid_of(&f.campaign), sum)
        .await
        .unwrap();
    assert_years_agree(&app, &f, "SUM became MAX").await;
    assert_campaign_agrees(&app, &f, &all, "SUM became MAX").await;
    // 2024–2025 by MAX: A's highest 20, B's 50 (its year 2024).
    assert_eq!(
        sum_by_child(&app, &f).await,
        (
            json!("70"),
            json!(10),
            vec![(json!("TC-W1"), json!("20")), (json!("TC-W2"), json!("50"))]
        )
    );
    // 2025 by MAX: A's highest 20, B's 13 (its later February report 12, March 13).
    assert_eq!(
        sum_by_child_2025(&app, &f).await,
        (
            json!("33"),
            vec![(json!("TC-W1"), json!("20")), (json!("TC-W2"), json!("13"))]
        )
    );
    assert_totals_rebuild_the_same(&app, "SUM became MAX").await;
}

/// Approvals of many units' reports of one month, sent at once, all move the same
/// province rows: none may be lost or fail.
async fn concurrent_approvals_in_one_campaign_month_keep_the_province_totals(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "TK").await;
    let mut units = vec![f.a.clone(), f.b.clone()];
    for i in 0..6 {
        let ward = if i % 2 == 0 { &f.w1 } else { &f.w2 };
        let u = app.create_unit(&f.admin, &format!("TK-U{i}"), ward).await;
        participation(&app, &f, "registerParticipation", &u).await;
        units.push(u);
    }
    let reports: Vec<Value> = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let v = i32::try_from(i).unwrap() + 1;
            month(&f, u, 10, [v, v, v, v, v])
        })
        .collect();
    submit_approving_at_once(&app, &f.admin, reports).await;
    assert_years_agree(&app, &f, "approved at once").await;
    // 2025 SUM: A 40 + B 25, and October's 1 + 2 + … + 8 = 36.
    let c = progress(&app, &f, "2025-01-01", "2025-12-31", "NONE").await;
    assert_eq!(c[0]["value"], "101", "{c}");
    let months = progress(&app, &f, "2025-01-01", "2025-12-31", "PERIOD_MONTH").await;
    let october = months[0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["period"] == "2025-10")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&october["value"], &october["reports"]),
        (&json!("36"), &json!(8))
    );
    assert_totals_rebuild_the_same(&app, "approved at once").await;
}
