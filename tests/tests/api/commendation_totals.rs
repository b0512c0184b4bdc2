//! `commendationStats` without the model's field and without a cluster reads
//! `commendation_totals`, kept by delta in the transaction of every commendation written and
//! every unit moved. Each step below (nominations, review, ballot, conferral, rejection,
//! correction, revocation, units moved under other top-level units, nominations at once)
//! is followed by checks that
//!
//! - every grouping, scope and status filter read from the totals answers what the same
//!   grouping with `FIELD` added (counted from the commendations themselves) answers once
//!   the field is summed away, the direct-worker share too;
//! - the stored totals are the rows `thidua commendation-totals rebuild` recomputes;
//! - and, at chosen steps, the hand-counted figures.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use thidua_persistence::commendation_totals;
use thidua_tests::commendations::{
    CORRECT, REJECT, REVIEW, approve_and_confer, award, id_of, nominate, person, session,
};
use thidua_tests::totals::{Col, assert_rebuild_keeps};
use thidua_tests::{Backend, TestApp, both, spawn_app};

use crate::stats::{Commendations, commendation_fixture};

both!(
    totals_follow_every_commendation_written_and_rebuild_restores_them,
    totals_follow_units_moved_under_other_top_level_units,
    nominations_and_reviews_at_once_keep_the_province_totals
);

const STATS: &str = "query($f: CommendationStatsFilter!, $g: [CommendationDimension!]!) { \
    commendationStats(filter: $f, groupBy: $g) { total truncated groups { count level category \
    kind recipientType year individual topLevelUnit { code } field { code } } \
    directWorkerShare { individualCommendations directWorkers share \
    byYear { year individualCommendations directWorkers share } } } }";

/// Groupings answered from the totals (none names FIELD).
const GROUPINGS: [&[&str]; 6] = [
    &[],
    &["YEAR"],
    &["LEVEL", "YEAR"],
    &["TOP_LEVEL_UNIT"],
    &["KIND", "RECIPIENT_TYPE", "INDIVIDUAL"],
    &["CATEGORY", "TOP_LEVEL_UNIT", "YEAR"],
];

/// The answer's groups keyed by every dimension but the field (the field's groups summed),
/// its total and its direct-worker share.
fn summed(d: &Value) -> (i64, BTreeMap<String, i64>, Value) {
    let s = &d["commendationStats"];
    assert_eq!(s["truncated"], false, "{d}");
    let mut groups = BTreeMap::new();
    for g in s["groups"].as_array().unwrap() {
        let key: Vec<String> = [
            "level",
            "category",
            "kind",
            "recipientType",
            "year",
            "individual",
            "topLevelUnit",
        ]
        .iter()
        .map(|k| g[*k].to_string())
        .collect();
        *groups.entry(key.join("/")).or_default() += g["count"].as_i64().unwrap();
    }
    (
        s["total"].as_i64().unwrap(),
        groups,
        s["directWorkerShare"].clone(),
    )
}

/// Every grouping of every scope and status, from the totals and from the commendations.
async fn assert_sources_agree(app: &TestApp, admin: &str, fx: &Commendations, when: &str) {
    let units = [None, Some(&fx.root), Some(&fx.a), Some(&fx.a1), Some(&fx.b)];
    for unit in units {
        for status in [None, Some("CONFERRED"), Some("NOMINATED")] {
            let f = json!({"fromYear": 2019, "toYear": 2026, "unitId": unit, "status": status});
            for by in GROUPINGS {
                let mut with_field: Vec<&str> = by.to_vec();
                with_field.push("FIELD");
                let totals = app.ok(Some(admin), STATS, json!({"f": f, "g": by})).await;
                let rows = app
                    .ok(Some(admin), STATS, json!({"f": f, "g": with_field}))
                    .await;
                assert_eq!(summed(&totals), summed(&rows), "{when}: {f} by {by:?}");
            }
        }
    }
}

/// The stored totals that count something, in key order.
const STORED: &str = "SELECT ancestor_id, CAST(award_year AS BIGINT) AS award_year, status, \
        award_type_id, kind, recipient_type, is_individual, is_direct_worker, top_level_id, \
        CAST(n AS BIGINT) AS n \
    FROM commendation_totals WHERE n <> 0 \
    ORDER BY ancestor_id, award_year, status, award_type_id, kind, recipient_type, \
        is_individual, is_direct_worker, top_level_id";

const STORED_COLS: &[Col] = &[
    Col::Uuid("ancestor_id"),
    Col::Int("award_year"),
    Col::Text("status"),
    Col::Uuid("award_type_id"),
    Col::Text("kind"),
    Col::Text("recipient_type"),
    Col::Bool("is_individual"),
    Col::Bool("is_direct_worker"),
    Col::Uuid("top_level_id"),
    Col::Int("n"),
];

/// The totals kept so far are what a rebuild computes from the commendations.
async fn assert_rebuild_the_same(app: &TestApp, when: &str) {
    let rebuild = commendation_totals::rebuild(&app.db);
    assert_rebuild_keeps(app, STORED, STORED_COLS, rebuild, when).await;
}

async fn check(app: &TestApp, admin: &str, fx: &Commendations, when: &str) {
    assert_sources_agree(app, admin, fx, when).await;
    assert_rebuild_the_same(app, when).await;
}

/// `(top-level unit code or "-", count)` of 2019–2026, every status, sorted.
async fn by_top_level_unit(app: &TestApp, admin: &str) -> Vec<(String, i64)> {
    let d = app
        .ok(
            Some(admin),
            STATS,
            json!({"f": {"fromYear": 2019, "toYear": 2026}, "g": ["TOP_LEVEL_UNIT"]}),
        )
        .await;
    let mut out: Vec<(String, i64)> = d["commendationStats"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["topLevelUnit"]["code"].as_str().unwrap_or("-").to_owned(),
                g["count"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(p: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = p.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
    v.sort();
    v
}

async fn move_unit(app: &TestApp, admin: &str, unit: &str, parent: &str) {
    let d = app
        .ok(
            Some(admin),
            "mutation($i: MoveOrgUnitInput!) { moveOrgUnit(input: $i) { orgUnit { id } userErrors { code } } }",
            json!({"i": {"id": unit, "parentId": parent}}),
        )
        .await;
    assert_eq!(d["moveOrgUnit"]["orgUnit"]["id"], unit, "{d}");
}

async fn totals_follow_every_commendation_written_and_rebuild_restores_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let fx = commendation_fixture(&app, &admin).await;
    check(&app, &admin, &fx, "nominated").await;

    // A person of A1 and unit B nominated; the person's honour conferred.
    let cstd = award(&app, &admin, "CSTD-TINH").await;
    let gk = award(&app, &admin, "GIAY-KHEN").await;
    let p = person(&app, &admin, "Lê Văn C", &fx.a1).await;
    let n1 = id_of(
        &json!({"n": nominate(&app, &admin, json!({"awardTypeId": cstd, "kind": "CONG_TRANG",
            "recipient": {"personId": p}, "nominatingUnitId": fx.a1, "awardYear": 2025}))
        .await}),
        "n",
    );
    let n2 = id_of(
        &json!({"n": nominate(&app, &admin, json!({"awardTypeId": gk, "kind": "CONG_TRANG",
            "recipient": {"unitId": fx.b}, "nominatingUnitId": fx.b, "awardYear": 2024}))
        .await}),
        "n",
    );
    let sess = session(&app, &admin, 5).await;
    let c = approve_and_confer(&app, &admin, &n1, &sess, 5, "31/QĐ-UBND", "2026-02-10").await;
    assert_eq!(c["commendation"]["status"], "CONFERRED", "{c}");
    check(&app, &admin, &fx, "conferred").await;
    // Conferred in 2024–2025: 8 (TTg, B) and n1 (A1).
    let d = app
        .ok(
            Some(&admin),
            STATS,
            json!({"f": {"fromYear": 2024, "toYear": 2025, "status": "CONFERRED"}, "g": ["TOP_LEVEL_UNIT"]}),
        )
        .await;
    assert_eq!(d["commendationStats"]["total"], 2, "{d}");

    // n2 reviewed, then rejected.
    let r = app
        .ok(
            Some(&admin),
            REVIEW,
            json!({"i": {"id": n2, "sessionId": sess}}),
        )
        .await;
    assert_eq!(
        r["submitCommendationForReview"]["commendation"]["status"],
        "UNDER_REVIEW"
    );
    check(&app, &admin, &fx, "under review").await;
    let r = app
        .ok(
            Some(&admin),
            REJECT,
            json!({"i": {"id": n2, "reason": "Hồ sơ chưa đầy đủ"}}),
        )
        .await;
    assert_eq!(
        r["rejectCommendation"]["commendation"]["status"],
        "REJECTED"
    );
    check(&app, &admin, &fx, "rejected").await;

    // n1 corrected to a direct worker: the share of A's subtree in 2025 moves from 1 in 1
    // (fixture's 3) to 2 in 2.
    let r = app
        .ok(
            Some(&admin),
            CORRECT,
            json!({"i": {"id": n1, "reason": "Công nhân trực tiếp sản xuất", "isDirectWorker": true}}),
        )
        .await;
    assert_eq!(r["correctCommendation"]["userErrors"], json!([]), "{r}");
    let share = |unit: &str| json!({"f": {"fromYear": 2025, "toYear": 2025, "unitId": unit}, "g": ["YEAR"]});
    let d = app.ok(Some(&admin), STATS, share(&fx.a)).await;
    assert_eq!(
        (
            &d["commendationStats"]["directWorkerShare"]["individualCommendations"],
            &d["commendationStats"]["directWorkerShare"]["directWorkers"]
        ),
        (&json!(2), &json!(2)),
        "{d}"
    );
    check(&app, &admin, &fx, "corrected").await;

    // n1 revoked: still counted, under REVOKED.
    let r = app
        .ok(
            Some(&admin),
            "mutation($i: RevokeCommendationInput!) { revokeCommendation(input: $i) { commendation { status } userErrors { code } } }",
            json!({"i": {"id": n1, "reason": "Hồ sơ không trung thực"}}),
        )
        .await;
    assert_eq!(r["revokeCommendation"]["commendation"]["status"], "REVOKED");
    check(&app, &admin, &fx, "revoked").await;
    let d = app
        .ok(
            Some(&admin),
            STATS,
            json!({"f": {"fromYear": 2024, "toYear": 2025, "status": "REVOKED"}, "g": []}),
        )
        .await;
    assert_eq!(d["commendationStats"]["total"], 1, "{d}");

    // Loaded around the API (the totals then lag), a rebuild brings them back.
    app.db
        .conn
        .execute_unprepared("DELETE FROM commendation_totals")
        .await
        .unwrap();
    let d = app
        .ok(
            Some(&admin),
            STATS,
            json!({"f": {"fromYear": 2019, "toYear": 2026}, "g": []}),
        )
        .await;
    assert_eq!(d["commendationStats"]["total"], 0);
    commendation_totals::rebuild(&app.db).await.unwrap();
    check(&app, &admin, &fx, "rebuilt").await;
}

async fn totals_follow_units_moved_under_other_top_level_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let fx = commendation_fixture(&app, &admin).await;
    // 2019–2026: A holds 1, 2, 3 and 5 (2 and 3 in A1), B 4, 6 and 8, the root 7.
    assert_eq!(
        by_top_level_unit(&app, &admin).await,
        pairs(&[("TK-A", 4), ("TK-B", 3), ("-", 1)])
    );
    // A1 (with 2 and 3) moves under B.
    move_unit(&app, &admin, &fx.a1, &fx.b).await;
    assert_eq!(
        by_top_level_unit(&app, &admin).await,
        pairs(&[("TK-A", 2), ("TK-B", 5), ("-", 1)])
    );
    check(&app, &admin, &fx, "A1 under B").await;
    // B (with A1) moves under A: everything but the root's own under A.
    move_unit(&app, &admin, &fx.b, &fx.a).await;
    assert_eq!(
        by_top_level_unit(&app, &admin).await,
        pairs(&[("TK-A", 7), ("-", 1)])
    );
    let d = app
        .ok(
            Some(&admin),
            STATS,
            json!({"f": {"fromYear": 2019, "toYear": 2026, "unitId": fx.a}, "g": []}),
        )
        .await;
    assert_eq!(d["commendationStats"]["total"], 7);
    check(&app, &admin, &fx, "B under A").await;
    // A1 back directly under the root: a top-level unit of its own.
    move_unit(&app, &admin, &fx.a1, &fx.root).await;
    assert_eq!(
        by_top_level_unit(&app, &admin).await,
        pairs(&[("TK-A", 5), ("TK-A1", 2), ("-", 1)])
    );
    check(&app, &admin, &fx, "A1 under the root").await;
}

/// Nominations of many units, then their reviews, sent at once: each moves the same
/// province rows; none may be lost or fail.
async fn nominations_and_reviews_at_once_keep_the_province_totals(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let fx = commendation_fixture(&app, &admin).await;
    let gk = award(&app, &admin, "GIAY-KHEN").await;
    let mut units = vec![];
    for i in 0..8 {
        let parent = if i % 2 == 0 { &fx.a } else { &fx.b };
        units.push(app.create_unit(&admin, &format!("TK-N{i}"), parent).await);
    }
    let answers = futures_util::future::join_all(units.iter().map(|u| {
        nominate(
            &app,
            &admin,
            json!({"awardTypeId": gk, "kind": "CONG_TRANG", "recipient": {"unitId": u},
                   "nominatingUnitId": u, "awardYear": 2025}),
        )
    }))
    .await;
    let ids: Vec<String> = answers
        .iter()
        .map(|n| id_of(&json!({ "n": n }), "n"))
        .collect();
    let sess = session(&app, &admin, 5).await;
    let reviews = futures_util::future::join_all(ids.iter().map(|id| {
        app.ok(
            Some(&admin),
            REVIEW,
            json!({"i": {"id": id, "sessionId": sess}}),
        )
    }))
    .await;
    for r in &reviews {
        assert_eq!(
            r["submitCommendationForReview"]["commendation"]["status"], "UNDER_REVIEW",
            "{r}"
        );
    }
    let d = app
        .ok(
            Some(&admin),
            STATS,
            json!({"f": {"fromYear": 2025, "toYear": 2025, "status": "UNDER_REVIEW"}, "g": ["TOP_LEVEL_UNIT"]}),
        )
        .await;
    assert_eq!(d["commendationStats"]["total"], 8, "{d}");
    check(&app, &admin, &fx, "at once").await;
}
