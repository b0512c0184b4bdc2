//! `criterionProgress` over one whole year of a whole subtree reads
//! `progress_subtree_totals`, kept by delta in the transaction of every change of what
//! they sum. Each test changes one thing (approvals in two wards, a unit or a ward moved,
//! a participation withdrawn and restored, a criterion's period aggregation, approvals at
//! once) and then checks that
//!
//! - each grouping of a whole year answers what a range holding the same reports but not
//!   whole years (read unit by unit from the reports) answers, and
//! - the stored totals are the rows `rebuild` recomputes from the rollups.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use thidua_persistence::progress_rollups;
use thidua_tests::{Backend, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::leaderboard::uuid_of;
use crate::progress_rollups::{
    Fixture, GROUPINGS, Range, fixture, progress, rep, submit_approving, submit_approving_at_once,
};

both!(
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

/// (campaign, grain, ancestor, year, criterion, bucket, units, value sum, reports).
type TotalsRow = (Uuid, String, Uuid, i64, Uuid, String, i64, String, i64);

/// The stored totals with a unit, in key order, the sums to six places.
async fn stored_totals(app: &TestApp) -> Vec<TotalsRow> {
    let rows = app
        .db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.backend(),
            "SELECT campaign_id, grain, ancestor_id, CAST(year AS BIGINT) AS year, criterion_id, \
                bucket, CAST(units AS BIGINT) AS units, \
                CAST(ROUND(value_sum, 6) AS TEXT) AS value_sum, \
                CAST(reports AS BIGINT) AS reports \
            FROM progress_subtree_totals WHERE units > 0 \
            ORDER BY campaign_id, grain, ancestor_id, year, criterion_id, bucket",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get::<Uuid>("", "campaign_id").unwrap(),
                r.try_get::<String>("", "grain").unwrap(),
                r.try_get::<Uuid>("", "ancestor_id").unwrap(),
                r.try_get::<i64>("", "year").unwrap(),
                r.try_get::<Uuid>("", "criterion_id").unwrap(),
                r.try_get::<String>("", "bucket").unwrap(),
                r.try_get::<i64>("", "units").unwrap(),
                r.try_get::<String>("", "value_sum").unwrap(),
                r.try_get::<i64>("", "reports").unwrap(),
            )
        })
        .collect()
}

/// The totals kept so far are what a rebuild computes from the rollups.
async fn assert_totals_rebuild_the_same(app: &TestApp, when: &str) {
    let kept = stored_totals(app).await;
    assert!(!kept.is_empty(), "{when}: no totals kept");
    progress_rollups::rebuild(&app.db).await.unwrap();
    assert_eq!(stored_totals(app).await, kept, "{when}");
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
    // A moves from W1 to W2: W1 has no unit left, W2 both.
    move_unit(&app, &f, &f.a, &f.w2).await;
    assert_years_agree(&app, &f, "A under W2").await;
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
    let before = sum_by_child_2025(&app, &f).await;
    participation(&app, &f, "withdrawParticipation", &f.b).await;
    assert_years_agree(&app, &f, "B withdrawn").await;
    // 2025 without B: A's 3+4+5+20+8 = 40.
    assert_eq!(
        sum_by_child_2025(&app, &f).await,
        (json!("40"), vec![(json!("TP-W1"), json!("40"))])
    );
    assert_totals_rebuild_the_same(&app, "B withdrawn").await;
    participation(&app, &f, "registerParticipation", &f.b).await;
    assert_years_agree(&app, &f, "B registered again").await;
    assert_eq!(sum_by_child_2025(&app, &f).await, before);
    assert_totals_rebuild_the_same(&app, "B registered again").await;
}

/// Criteria change only in draft campaigns, which hold no reports: the change is made
/// here in SQL, with the call the update makes in its transaction.
async fn totals_follow_a_criterion_whose_period_aggregation_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "TC").await;
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
