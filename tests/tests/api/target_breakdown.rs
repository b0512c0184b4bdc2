//! `Target.byTopLevelUnit`: each computed target split by the units directly under the
//! province, the rows adding up to the target's own figure (hand-counted fixtures), which
//! rows a caller sees, the window's bad input, and a statement count that does not grow
//! with the data.

use serde_json::{Value, json};
use thidua_tests::commendations::{approve_and_confer, award, model, nominate, session};
use thidua_tests::{Backend, TestApp, both, concrete, spawn_app, vague};

both!(
    target_2_rows_add_up_and_name_the_units_holding_it_back,
    target_1_and_3_rows_add_up_with_the_provinces_own_row,
    a_caller_sees_the_rows_of_the_units_they_read,
    the_window_must_lie_in_the_targets_period,
    a_breakdown_costs_the_same_statements_whatever_the_data
);

const SPLIT: &str = "query($from: NaiveDate, $to: NaiveDate, $horizon: String) { targets(horizon: $horizon) { code progress { value } \
    byTopLevelUnit(from: $from, to: $to) { from to complete counted total value \
    rows { unit { code } counted total value models holdsBack } } } }";

const STAGE: &str = "mutation($i: ChangeExemplarStageInput!) { changeExemplarStage(input: $i) { exemplar { stage } userErrors { field code } } }";
const REPLICATE: &str = "mutation($i: ReplicateExemplarInput!) { replicateExemplar(input: $i) { exemplar { id } userErrors { field code } } }";

/// One target's answer by code.
fn target<'a>(d: &'a Value, code: &str) -> &'a Value {
    d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {d}"))
}

async fn split(app: &TestApp, token: &str, code: &str, vars: Value) -> Value {
    let d = app.ok(Some(token), SPLIT, vars).await;
    target(&d, code).clone()
}

/// (unit code, counted, total, value, models, holdsBack) of each row.
fn rows(t: &Value) -> Vec<(String, i64, Value, Value, Value, bool)> {
    t["byTopLevelUnit"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows: {t}"))
        .iter()
        .map(|r| {
            (
                r["unit"]["code"].as_str().unwrap().to_owned(),
                r["counted"].as_i64().unwrap(),
                r["total"].clone(),
                r["value"].clone(),
                r["models"].clone(),
                r["holdsBack"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn row(
    code: &str,
    counted: i64,
    total: Value,
    value: &str,
    models: Value,
    holds_back: bool,
) -> (String, i64, Value, Value, Value, bool) {
    (
        code.to_owned(),
        counted,
        total,
        json!(value),
        models,
        holds_back,
    )
}

async fn unit(app: &TestApp, token: &str, code: &str, kind: &str, parent: &str) -> String {
    let d = app
        .ok(
            Some(token),
            "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } userErrors { code field } } }",
            json!({"i": {"code": code, "name": format!("Đơn vị {code}"), "kind": kind, "parentId": parent}}),
        )
        .await;
    d["createOrgUnit"]["orgUnit"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createOrgUnit: {d}"))
        .to_owned()
}

/// A model identified in 2022, nurtured on `nurtured`, replicated by `to` on `on`.
async fn nurtured_and_replicated(
    app: &TestApp,
    token: &str,
    name: &str,
    home: &str,
    nurtured: &str,
    to: &str,
    on: &str,
) {
    let d = app
        .ok(
            Some(token),
            "mutation($i: CreateExemplarInput!) { createExemplar(input: $i) { exemplar { id } userErrors { field code } } }",
            json!({"i": {"name": name, "kind": "COLLECTIVE", "homeUnitId": home, "identifiedOn": "2022-03-01"}}),
        )
        .await;
    let id = d["createExemplar"]["exemplar"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned();
    let s = app
        .ok(
            Some(token),
            STAGE,
            json!({"i": {"id": id, "stage": "NURTURED", "onDate": nurtured}}),
        )
        .await;
    assert_eq!(s["changeExemplarStage"]["userErrors"], json!([]), "{s}");
    let r = app
        .ok(
            Some(token),
            REPLICATE,
            json!({"i": {"id": id, "unitId": to, "onDate": on}}),
        )
        .await;
    assert_eq!(r["replicateExemplar"]["userErrors"], json!([]), "{r}");
}

/// The units of the T2 fixture a test signs in on.
struct Tree {
    w4: String,
    v: String,
}

/// The T2 fixture over HTTP: the hand-worked tree of `thidua_domain::target_rules`, plus
/// a ward W4 with no model and a second model for W3.
async fn t2_fixture(app: &TestApp, admin: &str) -> Tree {
    let root = app.root_unit(admin).await;
    let g = unit(app, admin, "T2-G", "OTHER", &root).await;
    let w1 = unit(app, admin, "T2-W1", "WARD", &g).await;
    let w2 = unit(app, admin, "T2-W2", "WARD", &g).await;
    let w3 = unit(app, admin, "T2-W3", "WARD", &root).await;
    let v = unit(app, admin, "T2-W3-V", "WARD", &w3).await;
    let e = unit(app, admin, "T2-E", "ENTERPRISE", &root).await;
    let x = unit(app, admin, "T2-W2-X", "VILLAGE", &w2).await;
    let w4 = unit(app, admin, "T2-W4", "WARD", &root).await;
    // M1: home V, nurtured 2023, replicated by W1 in 2024 → W3 qualifies.
    nurtured_and_replicated(app, admin, "M1", &v, "2023-05-01", &w1, "2024-02-01").await;
    // M2: home W1, replicated in 2029 → not for 2022–2025.
    nurtured_and_replicated(app, admin, "M2", &w1, "2023-05-01", &w2, "2029-02-01").await;
    // M3: home W2, replicated inside W2's own subtree → does not count.
    nurtured_and_replicated(app, admin, "M3", &w2, "2024-05-01", &x, "2024-06-01").await;
    // M4: home E (not measured) → counts for nobody measured.
    nurtured_and_replicated(app, admin, "M4", &e, "2024-05-01", &w1, "2024-06-01").await;
    // M5: home W3, nurtured and replicated in mid-2024: a second model for W3.
    nurtured_and_replicated(app, admin, "M5", &w3, "2024-05-01", &e, "2024-06-01").await;
    Tree { w4, v }
}

/// Measured: W1, W2 (under G), W3, W4. Qualified: W3 (by M1 and M5). Rows: G 0 of 2 and
/// W4 0 of 1 hold T2 back, W3 1 of 1; together 1 of 4 = 25 %, the target's value. From
/// March 2024 only M5 counts (M1 was replicated in February).
async fn target_2_rows_add_up_and_name_the_units_holding_it_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    t2_fixture(&app, &admin).await;
    let t = split(&app, &admin, "T2-DIEN-HINH", json!({})).await;
    assert_eq!(
        rows(&t),
        [
            row("T2-G", 0, json!(2), "0", json!(0), true),
            row("T2-W3", 1, json!(1), "100", json!(2), false),
            row("T2-W4", 0, json!(1), "0", json!(0), true),
        ],
        "{t}"
    );
    let b = &t["byTopLevelUnit"];
    assert_eq!(
        (&b["complete"], &b["counted"], &b["total"], &b["value"]),
        (&json!(true), &json!(1), &json!(4), &json!("25")),
        "{t}"
    );
    assert_eq!(
        b["value"], t["progress"]["value"],
        "the rows add up to the target"
    );
    assert_eq!(
        (&b["from"], &b["to"]),
        (&json!("2022-01-01"), &json!("2025-12-31"))
    );

    let t = split(
        &app,
        &admin,
        "T2-DIEN-HINH",
        json!({"from": "2024-03-01", "to": "2025-12-31", "horizon": "2022-2025"}),
    )
    .await;
    assert_eq!(
        rows(&t)[1],
        row("T2-W3", 1, json!(1), "100", json!(1), false),
        "{t}"
    );
    assert_eq!(t["byTopLevelUnit"]["from"], "2024-03-01");
}

/// T1: campaigns launched by the province (one concrete), by ward A (one concrete, one
/// vague: A holds T1 back) and by A's village (concrete): the province 1 of 1, A 2 of 3;
/// 3 of 4 = 75 %. T3 (2026–2030): a model of A and one of the province's own, each with
/// the Prime Minister's certificate, the first twice: A 1, the province 1; 2 in all.
async fn target_1_and_3_rows_add_up_with_the_provinces_own_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = unit(&app, &admin, "T13-A", "WARD", &root).await;
    let av = unit(&app, &admin, "T13-A-V", "VILLAGE", &a).await;
    let programme = app.programme_id().await;
    for (code, launcher, criteria) in [
        ("T1-P", &root, json!([concrete("c1")])),
        ("T1-A1", &a, json!([concrete("c1")])),
        ("T1-A2", &a, json!([concrete("c1"), vague("v1")])),
        ("T1-AV", &av, json!([concrete("c1")])),
    ] {
        let d = app
            .ok(
                Some(&admin),
                thidua_tests::CREATE_CAMPAIGN,
                json!({"i": {"code": code, "title": format!("Phong trào {code}"), "kind": "REGULAR",
                    "programmeId": programme, "launchingUnitId": launcher,
                    "startDate": "2025-01-01", "endDate": "2025-12-31", "criteria": criteria}}),
            )
            .await;
        let id = d["createCampaign"]["campaign"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{d}"))
            .to_owned();
        let l = app.launch(&admin, &id).await;
        assert_eq!(
            l.data()["launchCampaign"]["campaign"]["status"],
            "LAUNCHED",
            "{:?}",
            l.body
        );
    }
    let t = split(&app, &admin, "T1-TIEU-CHI", json!({})).await;
    assert_eq!(
        rows(&t),
        [
            row("QN", 1, json!(1), "100", Value::Null, false),
            row("T13-A", 2, json!(3), "66.67", Value::Null, true),
        ],
        "{t}"
    );
    let b = &t["byTopLevelUnit"];
    assert_eq!((&b["counted"], &b["total"]), (&json!(3), &json!(4)));
    assert_eq!(b["value"], "75");
    assert_eq!(
        b["value"], t["progress"]["value"],
        "the rows add up to the target"
    );

    let sess = session(&app, &admin, 10).await;
    let central = award(&app, &admin, "BANG-KHEN-TTG").await;
    let ma = model(&app, &admin, "Mô hình phường A", "COLLECTIVE", &av).await;
    let mp = model(&app, &admin, "Mô hình của tỉnh", "COLLECTIVE", &root).await;
    for (i, (m, unit, year, on)) in [
        (&ma, &a, 2026, "2026-03-15"),
        (&ma, &a, 2025, "2026-09-15"),
        (&mp, &root, 2026, "2026-04-15"),
    ]
    .into_iter()
    .enumerate()
    {
        let n = nominate(
            &app,
            &admin,
            json!({"awardTypeId": central, "kind": "CONG_TRANG", "recipient": {"exemplarId": m},
                   "nominatingUnitId": unit, "awardYear": year, "citation": "Thành tích xuất sắc"}),
        )
        .await;
        let id = n["commendation"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{n}"))
            .to_owned();
        let c = approve_and_confer(&app, &admin, &id, &sess, 10, &format!("{i}/QĐ-TTg"), on).await;
        assert_eq!(c["commendation"]["status"], "CONFERRED", "{c}");
    }
    let t = split(&app, &admin, "T3-TRUNG-UONG", json!({})).await;
    assert_eq!(
        rows(&t),
        [
            row("QN", 1, Value::Null, "1", Value::Null, false),
            row("T13-A", 1, Value::Null, "1", Value::Null, false),
        ],
        "{t}"
    );
    let b = &t["byTopLevelUnit"];
    assert_eq!(
        (&b["counted"], &b["total"], &b["value"]),
        (&json!(2), &Value::Null, &json!("2"))
    );
    assert_eq!(
        b["value"], t["progress"]["value"],
        "the rows add up to the target"
    );
    // Only the first half of 2026: the September conferral is left out, A still counts once.
    let t = split(
        &app,
        &admin,
        "T3-TRUNG-UONG",
        json!({"from": "2026-01-01", "to": "2026-03-31", "horizon": "2026-2030"}),
    )
    .await;
    assert_eq!(
        rows(&t),
        [row("T13-A", 1, Value::Null, "1", Value::Null, false)],
        "{t}"
    );
    // A manual target does not split.
    let d = app.ok(Some(&admin), SPLIT, json!({})).await;
    assert_eq!(target(&d, "NQ-DH-XV")["byTopLevelUnit"], Value::Null);
}

/// A viewer of ward W4 sees W4's row only (the sums over it: 0 of 1); a viewer of the
/// village V inside W3 sees no row (a row is the whole ward's figure); a province-wide
/// viewer sees every row; an anonymous caller is UNAUTHENTICATED.
async fn a_caller_sees_the_rows_of_the_units_they_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let tree = t2_fixture(&app, &admin).await;
    let root = app.root_unit(&admin).await;

    let ward = app
        .user_with_role(&admin, "w4-viewer", "VIEWER", &tree.w4)
        .await;
    let t = split(&app, &ward, "T2-DIEN-HINH", json!({})).await;
    assert_eq!(
        rows(&t),
        [row("T2-W4", 0, json!(1), "0", json!(0), true)],
        "{t}"
    );
    let b = &t["byTopLevelUnit"];
    assert_eq!(
        (&b["complete"], &b["counted"], &b["total"], &b["value"]),
        (&json!(false), &json!(0), &json!(1), &json!("0"))
    );

    let village = app
        .user_with_role(&admin, "v-manager", "MANAGER", &tree.v)
        .await;
    let t = split(&app, &village, "T2-DIEN-HINH", json!({})).await;
    assert_eq!(rows(&t), []);
    assert_eq!(t["byTopLevelUnit"]["complete"], false);
    assert_eq!(t["byTopLevelUnit"]["value"], Value::Null);

    let province = app
        .user_with_role(&admin, "qn-viewer", "VIEWER", &root)
        .await;
    let t = split(&app, &province, "T2-DIEN-HINH", json!({})).await;
    assert_eq!(rows(&t).len(), 3);
    assert_eq!(t["byTopLevelUnit"]["complete"], true);
    assert_eq!(t["byTopLevelUnit"]["value"], t["progress"]["value"]);

    let a = app
        .gql(
            None,
            "{ targets { code byTopLevelUnit { counted } } }",
            json!({}),
        )
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    // The rest of the target stays public.
    assert!(a.data()["targets"][0]["code"].is_string(), "{}", a.body);
}

async fn the_window_must_lie_in_the_targets_period(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let one = "query($from: NaiveDate, $to: NaiveDate) { targets(horizon: \"2022-2025\") { code byTopLevelUnit(from: $from, to: $to) { counted } } }";
    for (case, vars, code, field) in [
        (
            "inverted",
            json!({"from": "2025-03-01", "to": "2025-02-01"}),
            "END_BEFORE_START",
            "to",
        ),
        (
            "before the period",
            json!({"from": "2021-12-31"}),
            "OUT_OF_RANGE",
            "from",
        ),
        (
            "after the deadline",
            json!({"to": "2026-01-01"}),
            "OUT_OF_RANGE",
            "to",
        ),
    ] {
        let a = app.gql(Some(&admin), one, vars).await;
        let e = &a.body["errors"][0]["extensions"];
        assert_eq!(
            (&e["code"], &e["userErrorCode"], &e["field"]),
            (&json!("BAD_USER_INPUT"), &json!(code), &json!(field)),
            "{case}: {}",
            a.body
        );
    }
    // A target of 2000–2100: its own period is the default, but a window asked for spans
    // at most 10 years.
    let programme = app.programme_id().await;
    let created = app
        .ok(
            Some(&admin),
            "mutation($i: CreateTargetInput!) { createTarget(input: $i) { target { code } userErrors { field code } } }",
            json!({"i": {"programmeId": programme, "code": "T3-LONG", "title": "Mô hình được khen (dài hạn)",
                "description": "T3 over a century.", "kind": "CENTRAL_HONOURED_EXEMPLARS",
                "periodStart": "2000-01-01", "deadline": "2100-12-31", "comparator": "AT_LEAST",
                "targetValue": "7", "unitLabel": "mô hình"}}),
        )
        .await;
    assert_eq!(
        created["createTarget"]["userErrors"],
        json!([]),
        "{created}"
    );
    let long = "query($from: NaiveDate, $to: NaiveDate) { targets(horizon: \"2000-2100\") { code byTopLevelUnit(from: $from, to: $to) { from to counted } } }";
    let a = app
        .gql(
            Some(&admin),
            long,
            json!({"from": "2000-01-01", "to": "2011-01-02"}),
        )
        .await;
    let e = &a.body["errors"][0]["extensions"];
    assert_eq!(
        (&e["code"], &e["userErrorCode"], &e["field"]),
        (
            &json!("BAD_USER_INPUT"),
            &json!("OUT_OF_RANGE"),
            &json!("to")
        ),
        "{}",
        a.body
    );
    let d = app.ok(Some(&admin), long, json!({})).await;
    assert_eq!(
        target(&d, "T3-LONG")["byTopLevelUnit"],
        json!({"from": "2000-01-01", "to": "2100-12-31", "counted": 0})
    );
    let a = app
        .gql(Some(&admin), one, json!({"from": "2025-13-01"}))
        .await;
    assert_eq!(
        a.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        a.body
    );
    assert_eq!(
        a.data()["targets"][1]["byTopLevelUnit"],
        Value::Null,
        "{}",
        a.body
    );
}

const COSTED: &str = "{ targets { code byTopLevelUnit { counted total rows { unit { code name } counted total models holdsBack } } } }";

async fn statements_for(app: &TestApp, token: &str) -> (u64, Value) {
    let before = app.db.statements_run();
    let d = app.ok(Some(token), COSTED, json!({})).await;
    (app.db.statements_run() - before, d)
}

/// The same statements with one top-level unit and with many units and models: the
/// caller, the default programme and its targets, then the breakdowns' batch (their
/// targets, their programmes, and one statement for the three computed targets' rows
/// together) and one batched load of the rows' units; 7 in all (it was 8, with one
/// statement per computed target).
async fn a_breakdown_costs_the_same_statements_whatever_the_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let w = unit(&app, &admin, "S-W0", "WARD", &root).await;
    nurtured_and_replicated(&app, &admin, "S-M0", &w, "2023-05-01", &root, "2024-02-01").await;
    let (small, d) = statements_for(&app, &admin).await;
    assert_eq!(
        target(&d, "T2-DIEN-HINH")["byTopLevelUnit"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for i in 1..=6 {
        let w = unit(&app, &admin, &format!("S-W{i}"), "WARD", &root).await;
        let c = unit(&app, &admin, &format!("S-C{i}"), "COMMUNE", &w).await;
        nurtured_and_replicated(
            &app,
            &admin,
            &format!("S-M{i}"),
            &c,
            "2023-05-01",
            &root,
            "2024-02-01",
        )
        .await;
    }
    let (large, d) = statements_for(&app, &admin).await;
    let t2 = &target(&d, "T2-DIEN-HINH")["byTopLevelUnit"];
    assert_eq!(t2["rows"].as_array().unwrap().len(), 7, "{t2}");
    assert_eq!((&t2["counted"], &t2["total"]), (&json!(7), &json!(7)));
    assert_eq!(
        (small, large),
        (7, 7),
        "{small} statements for 1 ward, {large} for 7"
    );
}
