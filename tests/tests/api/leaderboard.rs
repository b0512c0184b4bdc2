//! Campaign leaderboards: the hand-worked example from the scoring rules, end to end.

use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::reports::submit;

both!(leaderboard_matches_the_hand_worked_example);

async fn approve(app: &TestApp, token: &str, id: &str) {
    app.ok(
        Some(token),
        "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }",
        json!({"i": {"id": id}}),
    )
    .await;
}

fn report(campaign: &str, unit: &str, criteria: &[String], month: u32, values: [&str; 3]) -> Value {
    let end = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(month - 1) as usize];
    json!({
        "id": Uuid::now_v7().to_string(), "campaignId": campaign, "unitId": unit,
        "period": {"kind": "MONTH", "start": format!("2025-{month:02}-01"), "end": format!("2025-{month:02}-{end}")},
        "values": criteria.iter().zip(values).map(|(c, v)| json!({"criterionId": c, "value": v})).collect::<Vec<_>>()
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
        report(&campaign, &units[0], &criteria, 1, ["10", "0", "9"]),
        report(&campaign, &units[0], &criteria, 2, ["90", "2", "1"]),
        report(&campaign, &units[1], &criteria, 2, ["99", "6", "4"]),
        report(&campaign, &units[2], &criteria, 2, ["45", "4", "2"]),
        // C's later report awaits review: it must not count.
        report(&campaign, &units[2], &criteria, 3, ["100", "9", "0"]),
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
