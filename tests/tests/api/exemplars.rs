//! Exemplary models: the stage rules, replication, counts, and target 2 computed live.

use serde_json::{Value, json};
use thidua_tests::commendations::target;
use thidua_tests::{Backend, TestApp, both, spawn_app};

both!(
    stages_replications_and_target_2,
    exemplar_permissions_and_bad_input
);

const CREATE: &str = "mutation($i: CreateExemplarInput!) { createExemplar(input: $i) { exemplar { id stage kind isDirectWorker } userErrors { field code } } }";
const STAGE: &str = "mutation($i: ChangeExemplarStageInput!) { changeExemplarStage(input: $i) { exemplar { stage stageHistory { fromStage toStage reason by { username } } } userErrors { field code } } }";
const REPLICATE: &str = "mutation($i: ReplicateExemplarInput!) { replicateExemplar(input: $i) { exemplar { replications { unit { code } } } userErrors { field code } } }";

async fn t2(app: &TestApp) -> Value {
    target(app, "T2-DIEN-HINH").await["progress"].clone()
}

async fn model(app: &TestApp, token: &str, name: &str, unit: &str) -> String {
    let d = app
        .ok(Some(token), CREATE, json!({"i": {"name": name, "kind": "COLLECTIVE", "homeUnitId": unit, "identifiedOn": "2024-03-01"}}))
        .await;
    d["createExemplar"]["exemplar"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned()
}

async fn stage(app: &TestApp, token: &str, id: &str, to: &str, reason: Option<&str>) -> Value {
    app.ok(
        Some(token),
        STAGE,
        json!({"i": {"id": id, "stage": to, "onDate": "2024-06-01", "reason": reason}}),
    )
    .await["changeExemplarStage"]
        .clone()
}

async fn stages_replications_and_target_2(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let (a, b) = (
        app.create_unit(&admin, "EX-A", &root).await,
        app.create_unit(&admin, "EX-B", &root).await,
    );
    let village = app.create_unit(&admin, "EX-A-THON1", &a).await;
    // Two units directly under the province, none qualifies yet.
    assert_eq!(t2(&app).await["value"], "0");

    let m = model(&app, &admin, "Mô hình dân vận khéo", &village).await;
    assert_eq!(
        stage(&app, &admin, &m, "RECOGNISED", None).await["userErrors"][0]["code"],
        "STAGE_SKIPPED"
    );
    let nurtured = stage(&app, &admin, &m, "NURTURED", None).await;
    assert_eq!(nurtured["exemplar"]["stage"], "NURTURED");
    // Nurtured but not replicated: target 2 does not move.
    assert_eq!(t2(&app).await["value"], "0");

    assert_eq!(
        app.ok(
            Some(&admin),
            REPLICATE,
            json!({"i": {"id": m, "unitId": village, "onDate": "2024-07-01"}})
        )
        .await["replicateExemplar"]["userErrors"][0]["code"],
        "SELF_REPLICATION"
    );
    let rep = app
        .ok(
            Some(&admin),
            REPLICATE,
            json!({"i": {"id": m, "unitId": b, "onDate": "2024-07-01", "note": "Nhân rộng"}}),
        )
        .await;
    assert_eq!(
        rep["replicateExemplar"]["exemplar"]["replications"],
        json!([{"unit": {"code": "EX-B"}}])
    );
    let again = app
        .ok(
            Some(&admin),
            REPLICATE,
            json!({"i": {"id": m, "unitId": b, "onDate": "2024-08-01"}}),
        )
        .await;
    assert_eq!(
        again["replicateExemplar"]["userErrors"][0]["code"],
        "DUPLICATE"
    );
    // Unit A (through its village) now qualifies: 1 of 2.
    let p = t2(&app).await;
    assert_eq!(p["value"], "50", "{p}");
    assert!(p["note"].as_str().unwrap().contains("1 of 2"));

    // Going back needs a reason, and the history records it.
    stage(&app, &admin, &m, "RECOGNISED", None).await;
    assert_eq!(
        stage(&app, &admin, &m, "NURTURED", None).await["userErrors"][0]["code"],
        "REQUIRED"
    );
    let back = stage(
        &app,
        &admin,
        &m,
        "NURTURED",
        Some("Chưa duy trì được kết quả"),
    )
    .await;
    let history = back["exemplar"]["stageHistory"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[3]["reason"], "Chưa duy trì được kết quả");
    assert_eq!(history[3]["by"]["username"], "admin");

    let identified = model(&app, &admin, "Mô hình mới", &b).await;
    let counts = app
        .ok(
            Some(&admin),
            "{ exemplarStageCounts { stage count } }",
            json!({}),
        )
        .await;
    assert_eq!(
        counts["exemplarStageCounts"],
        json!([{"stage": "IDENTIFIED", "count": 1}, {"stage": "NURTURED", "count": 1}, {"stage": "RECOGNISED", "count": 0}, {"stage": "REPLICATED", "count": 0}])
    );
    let in_a = app
        .ok(
            Some(&admin),
            "query($u: ID) { exemplars(filter: {unitSubtree: $u}) { edges { node { id name } } } }",
            json!({"u": a}),
        )
        .await;
    assert_eq!(in_a["exemplars"]["edges"].as_array().unwrap().len(), 1);
    let by_stage = app
        .ok(
            Some(&admin),
            "{ exemplars(filter: {stage: IDENTIFIED}) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        by_stage["exemplars"]["edges"][0]["node"]["id"],
        identified.as_str()
    );
}

async fn exemplar_permissions_and_bad_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "EX-A", &root).await;
    let b = app.create_unit(&admin, "EX-B", &root).await;
    let reporter = app.user_with_role(&admin, "bao.cao", "REPORTER", &a).await;
    let manager_b = app.user_with_role(&admin, "quan.ly.b", "MANAGER", &b).await;
    let refused = app
        .gql(Some(&reporter), CREATE, json!({"i": {"name": "X", "kind": "INDIVIDUAL", "homeUnitId": a, "identifiedOn": "2024-01-01"}}))
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    let m = model(&app, &admin, "Mô hình A", &a).await;
    let other = app
        .gql(
            Some(&manager_b),
            STAGE,
            json!({"i": {"id": m, "stage": "NURTURED", "onDate": "2024-02-01"}}),
        )
        .await;
    assert_eq!(other.error_code(), Some("FORBIDDEN"));
    let bad = app.ok(Some(&admin), CREATE, json!({"i": {"name": " ", "kind": "COLLECTIVE", "homeUnitId": "nope", "identifiedOn": "2024-01-01"}})).await;
    assert_eq!(bad["createExemplar"]["userErrors"][0]["code"], "REQUIRED");
    // A direct-worker flag only applies to individuals.
    let collective = app
        .ok(Some(&admin), CREATE, json!({"i": {"name": "Tập thể", "kind": "COLLECTIVE", "homeUnitId": a, "isDirectWorker": true, "identifiedOn": "2024-01-01"}}))
        .await;
    assert_eq!(
        collective["createExemplar"]["exemplar"]["isDirectWorker"],
        false
    );
}
