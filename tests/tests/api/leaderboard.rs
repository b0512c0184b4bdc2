//! Campaign leaderboards, scored and ranked by the database: the hand-worked example from
//! the scoring rules, and agreement with `thidua_domain::scoring` (the specification) on
//! every kind of criterion, end to end.

use std::str::FromStr;

use base64::Engine;
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use thidua_domain::criterion::{Direction, Measure, PeriodAggregation};
use thidua_domain::scoring::{PeriodValue, ScoredCriterion, rank, score, score_periods};
use thidua_tests::{Backend, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::reports::submit;

both!(
    leaderboard_matches_the_hand_worked_example,
    leaderboard_agrees_with_the_scoring_rules,
    first_limits_the_page_and_rejects_bad_sizes,
    a_page_explains_its_units_as_the_whole_board_does,
    a_monthly_count_over_a_year_sums_twelve_months_not_december_alone,
    each_criterion_combines_the_periods_by_its_own_aggregation
);

pub async fn approve(app: &TestApp, token: &str, id: &str) {
    app.ok(
        Some(token),
        "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }",
        json!({"i": {"id": id}}),
    )
    .await;
}

pub fn report(
    campaign: &str,
    unit: &str,
    criteria: &[String],
    month: u32,
    values: &[&str],
) -> Value {
    let end = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(month - 1) as usize];
    json!({
        "id": Uuid::now_v7().to_string(), "campaignId": campaign, "unitId": unit,
        "period": {"kind": "MONTH", "start": format!("2025-{month:02}-01"), "end": format!("2025-{month:02}-{end}")},
        "values": criteria.iter().zip(values.iter()).map(|(c, v)| json!({"criterionId": c, "value": v})).collect::<Vec<_>>()
    })
}

async fn leaderboard_matches_the_hand_worked_example(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let units: Vec<String> = futures_util::future::join_all(
        ["LB-A", "LB-B", "LB-C"].map(|c| app.create_unit(&admin, c, &root)),
    )
    .await;
    let c = app
        .create_campaign(
            &admin,
            "LB-1",
            &root,
            json!([
                {"title": "Hộ gia đình văn hóa", "measure": "PERCENT", "unitLabel": "%", "targetValue": "90", "weight": "2"},
                {"title": "Mô hình mới", "measure": "COUNT", "unitLabel": "mô hình", "targetValue": "4", "weight": "1"},
                {"title": "Tỷ lệ hộ nghèo", "measure": "PERCENT", "direction": "LOWER_IS_BETTER", "unitLabel": "%", "targetValue": "2", "weight": "1"}
            ]),
        )
        .await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let criteria: Vec<String> = c.data()["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    app.launch(&admin, &campaign).await;
    for u in &units {
        app.ok(Some(&admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": u}}))
            .await;
    }
    let batch = vec![
        // A: an early weak report, replaced by a later approved one.
        report(&campaign, &units[0], &criteria, 1, &["10", "0", "9"]),
        report(&campaign, &units[0], &criteria, 2, &["90", "2", "1"]),
        report(&campaign, &units[1], &criteria, 2, &["99", "6", "4"]),
        report(&campaign, &units[2], &criteria, 2, &["45", "4", "2"]),
        // C's later report awaits review: it must not count.
        report(&campaign, &units[2], &criteria, 3, &["100", "9", "0"]),
    ];
    let p = submit(&app, &admin, batch).await;
    let ids: Vec<String> = p["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report"]["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids[..4] {
        approve(&app, &admin, id).await;
    }
    let d = app
        .ok(
            Some(&admin),
            "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", periodEnd: \"2025-03-31\") { \
             rank score unit { code } breakdown { actual achievement points criterion { title } } } }",
            json!({"c": campaign}),
        )
        .await;
    let rows = d["leaderboard"].as_array().unwrap();
    let summary: Vec<(i64, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["rank"].as_i64().unwrap(),
                r["score"].as_str().unwrap(),
                r["unit"]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![(1, "87.5", "LB-A"), (1, "87.5", "LB-B"), (3, "75", "LB-C")]
    );
    let a_points: Vec<&str> = rows[0]["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["points"].as_str().unwrap())
        .collect();
    assert_eq!(a_points, vec!["50", "12.5", "25"]);
    assert_eq!(rows[1]["breakdown"][2]["achievement"], "0.5");
    assert_eq!(rows[1]["breakdown"][0]["actual"], "99");

    // The compact lists carry the same figures, in the order of the campaign's criteria.
    let compact = app
        .ok(
            Some(&admin),
            "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", periodEnd: \"2025-03-31\") { \
             unit { code } points achievements actuals } }",
            json!({"c": campaign}),
        )
        .await;
    assert_eq!(
        compact["leaderboard"][0],
        json!({"unit": {"code": "LB-A"}, "points": ["50", "12.5", "25"], "achievements": ["1", "0.5", "1"], "actuals": ["90", "2", "1"]})
    );
    for (row, explained) in compact["leaderboard"].as_array().unwrap().iter().zip(rows) {
        let points: Vec<&Value> = explained["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| &b["points"])
            .collect();
        assert_eq!(
            row["points"].as_array().unwrap().iter().collect::<Vec<_>>(),
            points
        );
    }

    // Scoped to a cluster of B and C: B ranks first.
    let cl = app
        .ok(Some(&admin), "mutation { createCluster(input: {code: \"CUM-1\", name: \"Cụm thi đua số 1\", kind: CLUSTER}) { cluster { id } userErrors { code } } }", json!({}))
        .await;
    let cl = cl["createCluster"]["cluster"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = app
        .ok(
            Some(&admin),
            "mutation($i: SetClusterMembersInput!) { setClusterMembers(input: $i) { cluster { members { code } } userErrors { code } } }",
            json!({"i": {"id": cl, "unitIds": [units[1], units[2]]}}),
        )
        .await;
    assert_eq!(
        set["setClusterMembers"]["cluster"]["members"],
        json!([{"code": "LB-B"}, {"code": "LB-C"}])
    );
    let scoped = app
        .ok(
            Some(&admin),
            "query($c: ID!, $k: ID) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", periodEnd: \"2025-03-31\", clusterId: $k) { rank unit { code } } }",
            json!({"c": campaign, "k": cl}),
        )
        .await;
    assert_eq!(
        scoped["leaderboard"],
        json!([{"rank": 1, "unit": {"code": "LB-B"}}, {"rank": 2, "unit": {"code": "LB-C"}}])
    );

    // A period without approved reports ranks everyone at 0, by code.
    let empty = app
        .ok(Some(&admin), "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-06-01\", periodEnd: \"2025-06-30\") { rank score unit { code } } }", json!({"c": campaign}))
        .await;
    assert_eq!(
        empty["leaderboard"][2],
        json!({"rank": 1, "score": "0", "unit": {"code": "LB-C"}})
    );
}

/// A launched campaign `code` with `criteria` (JSON CriterionInput array) and one registered
/// unit per code: (campaign id, criterion ids, unit ids).
pub async fn board(
    app: &TestApp,
    admin: &str,
    code: &str,
    criteria: Value,
    unit_codes: &[String],
) -> (String, Vec<String>, Vec<String>) {
    let root = app.root_unit(admin).await;
    let mut units = vec![];
    for c in unit_codes {
        units.push(app.create_unit(admin, c, &root).await);
    }
    let c = app.create_campaign(admin, code, &root, criteria).await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createCampaign: {:?}", c.body))
        .to_owned();
    let ids: Vec<String> = c.data()["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let launched = app.launch(admin, &campaign).await;
    assert_eq!(
        launched.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED",
        "{:?}",
        launched.body
    );
    for u in &units {
        app.ok(Some(admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": u}}))
            .await;
    }
    (campaign, ids, units)
}

/// Submits `reports` and approves those at the positions in `approved`.
pub async fn submit_and_approve(
    app: &TestApp,
    admin: &str,
    reports: Vec<Value>,
    approved: &[usize],
) {
    let p = submit(app, admin, reports).await;
    let results = p["results"].as_array().unwrap();
    for &i in approved {
        let id = results[i]["report"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("report {i} not accepted: {p}"));
        approve(app, admin, id).await;
    }
}

/// The UUID inside a global ID.
pub(crate) fn uuid_of(global: &str) -> Uuid {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// The API's form of a decimal: no trailing zeros.
fn shown(v: Decimal) -> Value {
    json!(v.normalize().to_string())
}

const PERIOD: &str = "periodStart: \"2025-01-01\", periodEnd: \"2025-06-30\"";

/// Seven criteria covering every rule (higher and lower is better, zero targets on both
/// sides, yes/no, weights and a target that divide into repeating decimals, an achievement
/// of exactly 0.03125 that rounds half up), six units covering
/// every case (all met, a tie, breaches and a negative value, no approved report in the
/// period, one value missing): the API gives, for every unit and criterion, exactly what
/// `thidua_domain::scoring::score` and `rank` give for the same numbers.
async fn leaderboard_agrees_with_the_scoring_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    // (measure, direction, target, weight)
    let spec = [
        ("PERCENT", "HIGHER_IS_BETTER", "80", "3"),
        ("COUNT", "HIGHER_IS_BETTER", "0", "1"),
        ("YES_NO", "HIGHER_IS_BETTER", "1", "2"),
        ("NUMBER", "LOWER_IS_BETTER", "1.5", "1.5"),
        ("NUMBER", "LOWER_IS_BETTER", "0", "1"),
        ("NUMBER", "HIGHER_IS_BETTER", "7", "0.7"),
        ("NUMBER", "HIGHER_IS_BETTER", "32", "0.9"),
    ];
    let inputs: Vec<Value> = spec
        .iter()
        .enumerate()
        .map(|(i, (m, dir, t, w))| json!({"title": format!("Tiêu chí {i}"), "measure": m, "direction": dir, "unitLabel": "đv", "targetValue": t, "weight": w}))
        .collect();
    let codes: Vec<String> = (1..=6).map(|i| format!("LBX-{i}")).collect();
    let (campaign, criteria, units) = board(&app, &admin, "LBX", json!(inputs), &codes).await;
    let values: [[&str; 7]; 6] = [
        ["80", "0", "1", "1.5", "0", "7", "32"],
        ["60", "3", "0", "2", "0.5", "3", "1"],
        ["100", "5", "1", "6", "0", "-2", "0.5"],
        ["10", "1", "0", "9", "4", "1", "1"],
        ["40", "2", "1", "3", "0", "5", "1"],
        ["60", "3", "0", "2", "0.5", "3", "1"],
    ];
    let rep =
        |unit: usize, month: u32, v: &[&str]| report(&campaign, &units[unit], &criteria, month, v);
    let batch = vec![
        // LBX-1: an early weak report, replaced by a later one.
        rep(0, 1, &["1", "0", "0", "9", "9", "0", "0"]),
        rep(0, 3, &values[0]),
        rep(1, 2, &values[1]),
        rep(2, 4, &values[2]),
        // LBX-4: approved, but after the period; the one inside awaits review.
        rep(3, 7, &values[3]),
        rep(3, 5, &values[3]),
        rep(4, 6, &values[4]),
        rep(5, 6, &values[5]),
    ];
    let unit_report = batch[6]["id"].as_str().unwrap().to_owned();
    submit_and_approve(&app, &admin, batch, &[0, 1, 2, 3, 4, 6, 7]).await;
    // LBX-5 lacks its first value (as if imported without it): it scores 0 there.
    let gone = thidua_persistence::raw::stmt(
        app.db.conn.get_database_backend(),
        "DELETE FROM report_values WHERE report_id = ? AND criterion_id = ?",
        vec![
            Uuid::parse_str(&unit_report).unwrap().into(),
            uuid_of(&criteria[0]).into(),
        ],
    );
    assert_eq!(
        app.db.conn.execute_raw(gone).await.unwrap().rows_affected(),
        1
    );

    // What the specification says.
    let scored: Vec<ScoredCriterion> = spec
        .iter()
        .map(|(m, dir, t, w)| ScoredCriterion {
            measure: Measure::parse(m).unwrap(),
            direction: Direction::parse(dir).unwrap(),
            target: d(t),
            weight: d(w),
        })
        .collect();
    let actuals: Vec<Vec<Option<Decimal>>> = values
        .iter()
        .enumerate()
        .map(|(u, row)| match u {
            3 => vec![None; 7],
            4 => std::iter::once(None)
                .chain(row[1..].iter().map(|v| Some(d(v))))
                .collect(),
            _ => row.iter().map(|v| Some(d(v))).collect(),
        })
        .collect();
    let expected = rank(
        actuals
            .iter()
            .zip(&codes)
            .map(|(a, code)| {
                let (total, parts) = score(&scored, a);
                (total, code.clone(), parts)
            })
            .collect(),
    );
    let expected: Vec<Value> = expected
        .into_iter()
        .map(|(place, total, code, parts)| {
            json!({
                "rank": place, "score": shown(total), "unit": {"code": code},
                "breakdown": parts.iter().enumerate().map(|(i, p)| json!({
                    "criterion": {"title": format!("Tiêu chí {i}")},
                    "actual": p.actual.map(shown),
                    "achievement": shown(p.achievement),
                    "points": shown(p.points),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();

    let got = app
        .ok(
            Some(&admin),
            &format!("query($c: ID!) {{ leaderboard(campaignId: $c, {PERIOD}) {{ \
             rank score unit {{ code }} breakdown {{ criterion {{ title }} actual achievement points }} }} }}"),
            json!({"c": campaign}),
        )
        .await;
    assert_eq!(got["leaderboard"], json!(expected));
    // The cases this test is about are all there.
    let rows = got["leaderboard"].as_array().unwrap();
    let by_code = |c: &str| rows.iter().find(|r| r["unit"]["code"] == c).unwrap();
    assert_eq!(by_code("LBX-1")["score"], "100");
    assert_eq!(by_code("LBX-2")["rank"], by_code("LBX-6")["rank"]);
    assert_eq!(by_code("LBX-3")["breakdown"][5]["achievement"], "0");
    assert_eq!(by_code("LBX-4")["score"], "0");
    assert_eq!(by_code("LBX-4")["breakdown"][0]["actual"], Value::Null);
    assert_eq!(by_code("LBX-5")["breakdown"][0]["actual"], Value::Null);
    // 1 ÷ 32 = 0.03125: halves round up, as SQL's ROUND does on both backends.
    assert_eq!(by_code("LBX-2")["breakdown"][6]["achievement"], "0.0313");
}

async fn first_limits_the_page_and_rejects_bad_sizes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let codes: Vec<String> = (1..=4).map(|i| format!("LBF-{i}")).collect();
    let (campaign, criteria, units) = board(
        &app,
        &admin,
        "LBF",
        json!([{"title": "Tỷ lệ", "measure": "PERCENT", "unitLabel": "%", "targetValue": "100", "weight": "1"}]),
        &codes,
    )
    .await;
    // Scores 50, 80, 80, 20: ranks 1, 1, 3, 4 (LBF-2 and LBF-3 tie).
    let batch = ["50", "80", "80", "20"]
        .iter()
        .zip(&units)
        .map(|(v, u)| report(&campaign, u, &criteria, 2, &[v]))
        .collect();
    submit_and_approve(&app, &admin, batch, &[0, 1, 2, 3]).await;
    let page = |first: Value| {
        let app = &app;
        let admin = &admin;
        let campaign = &campaign;
        async move {
            app.gql(
                Some(admin),
                &format!("query($c: ID!, $n: Int) {{ leaderboard(campaignId: $c, {PERIOD}, first: $n) {{ rank score unit {{ code }} }} }}"),
                json!({"c": campaign, "n": first}),
            )
            .await
        }
    };
    let top = page(json!(2)).await;
    assert_eq!(
        top.data()["leaderboard"],
        json!([
            {"rank": 1, "score": "80", "unit": {"code": "LBF-2"}},
            {"rank": 1, "score": "80", "unit": {"code": "LBF-3"}}
        ])
    );
    // Ranks count every unit, not just the page.
    let three = page(json!(3)).await;
    assert_eq!(three.data()["leaderboard"][2]["rank"], 3);
    assert_eq!(
        page(Value::Null).await.data()["leaderboard"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        page(json!(1000)).await.data()["leaderboard"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    for bad in [0, -1, 1001] {
        let a = page(json!(bad)).await;
        assert_eq!(
            a.error_code(),
            Some("BAD_USER_INPUT"),
            "first: {bad}: {:?}",
            a.body
        );
        assert_eq!(
            a.body["errors"][0]["message"], "`first` must be between 1 and 1000",
            "first: {bad}"
        );
    }
    // Complexity counts every entry: a thousand rows explained as objects is refused before
    // it runs; the same rows with the compact lists are not.
    let explained = |n: i64, fields: &'static str| {
        let (app, admin, campaign) = (&app, &admin, &campaign);
        async move {
            app.gql(
                Some(admin),
                &format!("query($c: ID!, $n: Int) {{ leaderboard(campaignId: $c, {PERIOD}, first: $n) {{ rank score unit {{ code name }} {fields} }} }}"),
                json!({"c": campaign, "n": n}),
            )
            .await
        }
    };
    let heavy = explained(
        1000,
        "breakdown { actual achievement points criterion { title } }",
    )
    .await;
    assert_eq!(
        heavy.error_code(),
        Some("QUERY_TOO_COMPLEX"),
        "{:?}",
        heavy.body
    );
    let lists = explained(500, "points achievements actuals").await;
    assert_eq!(lists.error_code(), None, "{:?}", lists.body);
    let page_explained = explained(
        100,
        "breakdown { actual achievement points criterion { title } }",
    )
    .await;
    assert_eq!(
        page_explained.error_code(),
        None,
        "{:?}",
        page_explained.body
    );
}

/// The standings and their breakdown come from one statement when a breakdown is asked
/// for: a page of the board must rank, score and explain its units exactly as the whole
/// board does, ties included, and every compact list must agree with the objects.
async fn a_page_explains_its_units_as_the_whole_board_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let codes: Vec<String> = (1..=5).map(|i| format!("LBP-{i}")).collect();
    let (campaign, criteria, units) = board(
        &app,
        &admin,
        "LBP",
        json!([
            {"title": "Tỷ lệ", "measure": "PERCENT", "unitLabel": "%", "targetValue": "100", "weight": "3"},
            {"title": "Số mô hình", "measure": "COUNT", "unitLabel": "mô hình", "targetValue": "4", "weight": "1"}
        ]),
        &codes,
    )
    .await;
    // LBP-5 reports nothing: it scores 0 with an empty-valued breakdown.
    let batch = [["50", "4"], ["80", "2"], ["80", "2"], ["20", "1"]]
        .iter()
        .zip(&units)
        .map(|(v, u)| report(&campaign, u, &criteria, 2, v))
        .collect();
    submit_and_approve(&app, &admin, batch, &[0, 1, 2, 3]).await;
    let q = format!(
        "query($c: ID!, $n: Int) {{ leaderboard(campaignId: $c, {PERIOD}, first: $n) {{ rank score \
         unit {{ code }} breakdown {{ criterion {{ title }} actual achievement points }} \
         points achievements actuals }} }}"
    );
    let whole = app.ok(Some(&admin), &q, json!({"c": campaign})).await;
    let whole = whole["leaderboard"].as_array().unwrap().clone();
    assert_eq!(whole.len(), 5);
    let order: Vec<&str> = whole
        .iter()
        .map(|e| e["unit"]["code"].as_str().unwrap())
        .collect();
    // 50 % + 4/4: 0.5×75 + 25 = 62.5; 80 % + 2/4: 60 + 12.5 = 72.5 (tied); 20 % + 1/4: 21.25.
    assert_eq!(order, ["LBP-2", "LBP-3", "LBP-1", "LBP-4", "LBP-5"]);
    assert_eq!(whole[0]["rank"], 1);
    assert_eq!(whole[1]["rank"], 1);
    assert_eq!(whole[2]["rank"], 3);
    assert_eq!(whole[0]["score"], "72.5");
    assert_eq!(whole[2]["score"], "62.5");
    assert_eq!(whole[2]["breakdown"][1]["actual"], "4");
    assert_eq!(whole[2]["breakdown"][1]["points"], "25");
    assert_eq!(whole[4]["score"], "0");
    assert_eq!(whole[4]["actuals"], json!([null, null]));
    assert_eq!(whole[4]["breakdown"][0]["criterion"]["title"], "Tỷ lệ");
    for e in &whole {
        let b = e["breakdown"].as_array().unwrap();
        assert_eq!(b.len(), 2, "{e}");
        let from_objects = |f: &str| b.iter().map(|c| c[f].clone()).collect::<Vec<_>>();
        assert_eq!(e["points"], json!(from_objects("points")), "{e}");
        assert_eq!(e["achievements"], json!(from_objects("achievement")), "{e}");
        assert_eq!(e["actuals"], json!(from_objects("actual")), "{e}");
    }
    for n in 1..=5 {
        let page = app
            .ok(Some(&admin), &q, json!({"c": campaign, "n": n}))
            .await;
        assert_eq!(
            page["leaderboard"].as_array().unwrap(),
            &whole[..n],
            "first: {n}"
        );
    }
}

/// "Số vụ vi phạm" reported monthly, lower is better, 12 a year at most: a unit reporting 1
/// every month has 12 for the year (met), not December's 1; a unit reporting 2 a month has
/// 24 (12 ÷ 24 = 0.5). The percentage keeps its latest month. A quarterly report holds the
/// monthly ones inside it: only the quarter counts.
async fn a_monthly_count_over_a_year_sums_twelve_months_not_december_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let codes: Vec<String> = ["AGG-A", "AGG-B", "AGG-C"].map(String::from).to_vec();
    let (campaign, criteria, units) = board(
        &app,
        &admin,
        "AGG-1",
        json!([
            {"title": "Số vụ vi phạm", "measure": "COUNT", "direction": "LOWER_IS_BETTER", "unitLabel": "vụ", "targetValue": "12", "weight": "1"},
            {"title": "Tỷ lệ hộ gia đình văn hóa", "measure": "PERCENT", "unitLabel": "%", "targetValue": "90", "weight": "1"}
        ]),
        &codes,
    )
    .await;
    let kinds = app
        .ok(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { criteria { periodAggregation } } }",
            json!({"id": campaign}),
        )
        .await;
    assert_eq!(
        kinds["campaign"]["criteria"],
        json!([{"periodAggregation": "SUM"}, {"periodAggregation": "LATEST"}])
    );
    let mut batch = vec![];
    for m in 1..=12 {
        let pct = if m == 12 { "90" } else { "45" };
        batch.push(report(&campaign, &units[0], &criteria, m, &["1", pct]));
        batch.push(report(&campaign, &units[1], &criteria, m, &["2", pct]));
    }
    // AGG-C: January–March monthly (5 each), and the first quarter's report (4) over them.
    for m in 1..=3 {
        batch.push(report(&campaign, &units[2], &criteria, m, &["5", "90"]));
    }
    let mut quarter = report(&campaign, &units[2], &criteria, 1, &["4", "90"]);
    quarter["period"] = json!({"kind": "QUARTER", "start": "2025-01-01", "end": "2025-03-31"});
    batch.push(quarter);
    let all: Vec<usize> = (0..batch.len()).collect();
    submit_and_approve(&app, &admin, batch, &all).await;

    let year = app
        .ok(
            Some(&admin),
            "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", periodEnd: \"2025-12-31\") { \
             rank score unit { code } actuals achievements } }",
            json!({"c": campaign}),
        )
        .await;
    assert_eq!(
        year["leaderboard"],
        json!([
            {"rank": 1, "score": "100", "unit": {"code": "AGG-A"}, "actuals": ["12", "90"], "achievements": ["1", "1"]},
            {"rank": 1, "score": "100", "unit": {"code": "AGG-C"}, "actuals": ["4", "90"], "achievements": ["1", "1"]},
            {"rank": 3, "score": "75", "unit": {"code": "AGG-B"}, "actuals": ["24", "90"], "achievements": ["0.5", "1"]}
        ])
    );
    // The first half-year sees six months: 6 and 12 violations, and June's 45 %.
    let half = app
        .ok(
            Some(&admin),
            "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", periodEnd: \"2025-06-30\") { \
             unit { code } actuals } }",
            json!({"c": campaign}),
        )
        .await;
    let actuals: Vec<(&str, &Value)> = half["leaderboard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["unit"]["code"].as_str().unwrap(), &r["actuals"]))
        .collect();
    assert!(actuals.contains(&("AGG-A", &json!(["6", "45"]))), "{half}");
    assert!(actuals.contains(&("AGG-B", &json!(["12", "45"]))), "{half}");
}

/// One unit, three monthly reports (3, 1, 4) for five criteria that differ only in their
/// aggregation: SUM 8, AVERAGE 2.6667, LATEST 4, MAX 4, MIN 1; a sixth, a percentage changed
/// to AVERAGE with `updateCriterion`. The API gives what `scoring::score_periods` gives.
async fn each_criterion_combines_the_periods_by_its_own_aggregation(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let aggs = ["SUM", "AVERAGE", "LATEST", "MAX", "MIN"];
    let mut inputs: Vec<Value> = aggs
        .iter()
        .map(|a| json!({"title": format!("Chỉ số {a}"), "measure": "NUMBER", "unitLabel": "đv", "targetValue": "10", "weight": "1", "periodAggregation": a}))
        .collect();
    inputs.push(json!({"title": "Tỷ lệ", "measure": "PERCENT", "unitLabel": "%", "targetValue": "50", "weight": "2"}));
    let root = app.root_unit(&admin).await;
    let unit = app.create_unit(&admin, "AGG-X", &root).await;
    let c = app
        .create_campaign(&admin, "AGG-2", &root, json!(inputs))
        .await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{:?}", c.body))
        .to_owned();
    let criteria: Vec<String> = c.data()["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let changed = app
        .ok(
            Some(&admin),
            "mutation($i: UpdateCriterionInput!) { updateCriterion(input: $i) { criterion { periodAggregation } userErrors { code } } }",
            json!({"i": {"id": criteria[5], "criterion": {"title": "Tỷ lệ", "measure": "PERCENT", "unitLabel": "%", "targetValue": "50", "weight": "2", "periodAggregation": "AVERAGE"}}}),
        )
        .await;
    assert_eq!(
        changed["updateCriterion"],
        json!({"criterion": {"periodAggregation": "AVERAGE"}, "userErrors": []})
    );
    app.launch(&admin, &campaign).await;
    app.ok(Some(&admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": unit}}))
        .await;
    let months = [(1, "3", "20"), (2, "1", "40"), (3, "4", "35")];
    let batch: Vec<Value> = months
        .iter()
        .map(|(m, v, p)| report(&campaign, &unit, &criteria, *m, &[v, v, v, v, v, p]))
        .collect();
    submit_and_approve(&app, &admin, batch, &[0, 1, 2]).await;
    let got = app
        .ok(
            Some(&admin),
            "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", periodEnd: \"2025-03-31\") { \
             score actuals achievements points } }",
            json!({"c": campaign}),
        )
        .await;

    // What the specification says.
    let mut spec: Vec<(ScoredCriterion, PeriodAggregation)> = aggs
        .iter()
        .map(|a| {
            (
                ScoredCriterion {
                    measure: Measure::Number,
                    direction: Direction::HigherIsBetter,
                    target: d("10"),
                    weight: d("1"),
                },
                PeriodAggregation::parse(a).unwrap(),
            )
        })
        .collect();
    spec.push((
        ScoredCriterion {
            measure: Measure::Percent,
            direction: Direction::HigherIsBetter,
            target: d("50"),
            weight: d("2"),
        },
        PeriodAggregation::Average,
    ));
    let value = |m: u32, v: &str| PeriodValue {
        report_id: Uuid::from_u128(u128::from(m)),
        start: chrono::NaiveDate::from_ymd_opt(2025, m, 1).unwrap(),
        end: chrono::NaiveDate::from_ymd_opt(2025, m + 1, 1)
            .unwrap()
            .pred_opt()
            .unwrap(),
        value: d(v),
    };
    let per_criterion: Vec<Vec<PeriodValue>> = (0..6)
        .map(|i| {
            months
                .iter()
                .map(|(m, v, p)| value(*m, if i == 5 { p } else { v }))
                .collect()
        })
        .collect();
    let (total, parts) = score_periods(&spec, &per_criterion);
    let expected = json!({
        "score": shown(total),
        "actuals": parts.iter().map(|p| p.actual.map(shown)).collect::<Vec<_>>(),
        "achievements": parts.iter().map(|p| shown(p.achievement)).collect::<Vec<_>>(),
        "points": parts.iter().map(|p| shown(p.points)).collect::<Vec<_>>(),
    });
    assert_eq!(got["leaderboard"][0], expected);
    assert_eq!(
        got["leaderboard"][0]["actuals"],
        json!(["8", "2.6667", "4", "4", "1", "31.6667"])
    );
}
