//! The programme's targets as the README defines them: target 1 (every launched campaign,
//! share and field coverage), target 2 (dated, outside the home subtree, over configured
//! units), target 3 (counted award levels as data), and targets and programmes defined by
//! administrators through the API, carried over a reorganisation, and their texts in the
//! request's language. The T2 situations are the hand-worked fixtures of
//! `thidua_domain::target_rules`, built over HTTP.

use serde_json::{Value, json};
use thidua_tests::commendations::{approve_and_confer, award, nominate, session, target};
use thidua_tests::{Answer, Backend, TestApp, both, concrete, spawn_app, vague};

both!(
    target_1_counts_every_launched_campaign_and_needs_every_field,
    uncomputable_targets_show_no_value_and_say_why,
    target_2_counts_dated_replications_outside_the_home_subtree_over_configured_units,
    target_3_counts_the_award_levels_its_definition_names,
    the_2026_2030_orientation_is_added_and_edited_through_the_api,
    target_definitions_refuse_bad_input_with_their_codes,
    targets_carry_over_a_reorganisation,
    target_texts_answer_in_the_requests_language,
    stored_parameters_this_service_never_writes_are_an_internal_error
);

const FULL: &str = "{ targets { id code title version kind source legalText description horizon periodStart deadline comparator targetValue targetMax unitLabel baseline baselineDate parameters { unitKinds units { code } awardLevels } uncoveredFields { code } unitsBehind { code } progress { value status note } } }";
const CREATE_TARGET: &str = "mutation($i: CreateTargetInput!) { createTarget(input: $i) { target { id code version kind source horizon legalText progress { value status note } parameters { unitKinds units { code } awardLevels } unitsBehind { code } } userErrors { field code message } } }";
const UPDATE_TARGET: &str = "mutation($i: UpdateTargetInput!) { updateTarget(input: $i) { target { id code version kind progress { value status note } parameters { unitKinds units { code } awardLevels } unitsBehind { code } } userErrors { field code message } } }";
const CREATE_PROGRAMME: &str = "mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { programme { id code isDefault startDate endDate } userErrors { field code message } } }";
const STAGE: &str = "mutation($i: ChangeExemplarStageInput!) { changeExemplarStage(input: $i) { exemplar { stage } userErrors { field code } } }";
const REPLICATE: &str = "mutation($i: ReplicateExemplarInput!) { replicateExemplar(input: $i) { exemplar { id } userErrors { field code } } }";

/// One target by code with its whole definition and the lists behind its value.
async fn full(app: &TestApp, code: &str) -> Value {
    let d = app.ok(None, FULL, json!({})).await;
    d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {d}"))
        .clone()
}

/// The editable fields of a target as read, ready to send back to `updateTarget`.
fn fields_of(t: &Value) -> Value {
    let mut f = json!({});
    for k in [
        "code",
        "title",
        "description",
        "legalText",
        "kind",
        "periodStart",
        "deadline",
        "comparator",
        "targetValue",
        "targetMax",
        "unitLabel",
        "baseline",
        "baselineDate",
    ] {
        if !t[k].is_null() {
            f[k] = t[k].clone();
        }
    }
    f
}

async fn t1(app: &TestApp) -> Value {
    full(app, "T1-TIEU-CHI").await
}

async fn cancel(app: &TestApp, token: &str, id: &str) {
    app.ok(
        Some(token),
        "mutation($i: CampaignTransitionInput!) { cancelCampaign(input: $i) { campaign { status } } }",
        json!({"i": {"id": id}}),
    )
    .await;
}

async fn all_field_ids(app: &TestApp) -> Vec<String> {
    app.ok(None, "{ fields { id } }", json!({})).await["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Creates and launches a campaign in 2025; `programme` None leaves it untagged.
async fn launched(
    app: &TestApp,
    token: &str,
    code: &str,
    unit: &str,
    programme: Option<&str>,
    criteria: Value,
    fields: &[String],
) -> String {
    let d = app
        .ok(
            Some(token),
            thidua_tests::CREATE_CAMPAIGN,
            json!({"i": {"code": code, "title": format!("Phong trào {code}"), "kind": "REGULAR",
                "programmeId": programme, "launchingUnitId": unit, "fieldIds": fields,
                "startDate": "2025-01-01", "endDate": "2025-12-31", "criteria": criteria}}),
        )
        .await;
    let id = d["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned();
    let l = app.launch(token, &id).await;
    assert_eq!(
        l.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED",
        "{:?}",
        l.body
    );
    id
}

async fn target_1_counts_every_launched_campaign_and_needs_every_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let default = app.programme_id().await;
    let fields = all_field_ids(&app).await;
    let t = t1(&app).await;
    assert_eq!(t["source"], "COMPUTED");
    assert_eq!(t["kind"], "CONCRETE_CRITERIA_SHARE");
    assert_eq!(t["progress"]["value"], Value::Null);
    assert_eq!(t["progress"]["status"], "NO_DATA");
    assert_eq!(t["uncoveredFields"].as_array().unwrap().len(), fields.len());
    assert!(
        t["legalText"]
            .as_str()
            .unwrap()
            .contains("trên tất cả các lĩnh vực")
    );

    // A, tagged, concrete, covering one field: 100 %, but 13 fields are still uncovered,
    // and the 2025 deadline has passed: not achieved.
    let a = launched(
        &app,
        &admin,
        "T1-A",
        &root,
        Some(&default),
        json!([concrete("c1"), concrete("c2")]),
        &fields[..1],
    )
    .await;
    let t = t1(&app).await;
    assert_eq!(t["progress"]["value"], "100");
    assert_eq!(t["progress"]["status"], "OFF_TRACK", "{t}");
    assert_eq!(
        t["uncoveredFields"].as_array().unwrap().len(),
        fields.len() - 1
    );

    // B, UNTAGGED, with a vague criterion: it counts toward the default programme → 50 %.
    let b = launched(
        &app,
        &admin,
        "T1-B",
        &root,
        None,
        json!([concrete("c1"), vague("v1")]),
        &fields,
    )
    .await;
    let t = t1(&app).await;
    assert_eq!(t["progress"]["value"], "50");
    assert!(
        t["progress"]["note"].as_str().unwrap().contains("1 of 2"),
        "{t}"
    );
    // B's fields are not covered: its criteria are not all concrete.
    assert_eq!(
        t["uncoveredFields"].as_array().unwrap().len(),
        fields.len() - 1
    );

    // C, untagged and concrete, covering every field: 2 of 3, every field covered.
    launched(
        &app,
        &admin,
        "T1-C",
        &root,
        None,
        json!([concrete("c")]),
        &fields,
    )
    .await;
    let t = t1(&app).await;
    assert_eq!(t["progress"]["value"], "66.67");
    assert_eq!(t["uncoveredFields"], json!([]));

    // A campaign of another programme does not count toward this one.
    let other = app
        .ok(
            Some(&admin),
            CREATE_PROGRAMME,
            json!({"i": {"code": "QN-KHAC", "title": "Đề án khác", "startDate": "2025-01-01", "endDate": "2025-12-31"}}),
        )
        .await;
    let other_id = other["createProgramme"]["programme"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{other}"))
        .to_owned();
    assert_eq!(other["createProgramme"]["programme"]["isDefault"], false);
    launched(
        &app,
        &admin,
        "T1-OTHER",
        &root,
        Some(&other_id),
        json!([concrete("c"), vague("v")]),
        &[],
    )
    .await;
    assert_eq!(t1(&app).await["progress"]["value"], "66.67");

    // Cancelling B: 100 % and every field covered → ACHIEVED.
    cancel(&app, &admin, &b).await;
    let t = t1(&app).await;
    assert_eq!(t["progress"]["value"], "100");
    assert_eq!(t["progress"]["status"], "ACHIEVED", "{t}");
    // Cancelling A changes nothing: C alone covers every field.
    cancel(&app, &admin, &a).await;
    assert_eq!(t1(&app).await["progress"]["status"], "ACHIEVED");
}

async fn uncomputable_targets_show_no_value_and_say_why(backend: Backend) {
    let app = spawn_app(backend).await;
    // Target 2 needs units to measure; target 3 is a count, so an empty database reads 0.
    let t2 = full(&app, "T2-DIEN-HINH").await;
    assert_eq!(t2["progress"]["value"], Value::Null);
    assert_eq!(t2["progress"]["status"], "NO_DATA");
    assert!(
        t2["progress"]["note"]
            .as_str()
            .unwrap()
            .contains("no active units of the kinds")
    );
    assert_eq!(t2["unitsBehind"], json!([]));
    assert_eq!(
        t2["parameters"]["unitKinds"],
        json!(["DEPARTMENT", "AGENCY", "WARD", "COMMUNE", "SPECIAL_ZONE"])
    );
    assert_eq!(
        t2["uncoveredFields"],
        Value::Null,
        "only target 1 has fields"
    );
    let t3 = target(&app, "T3-TRUNG-UONG").await;
    assert_eq!(
        (t3["targetValue"].as_str(), t3["targetMax"].as_str()),
        (Some("7"), Some("10"))
    );
    assert_eq!(t3["progress"]["value"], "0", "{t3}");
    assert!(
        t3["progress"]["note"]
            .as_str()
            .unwrap()
            .starts_with("0 distinct exemplary models")
    );
    assert_eq!(
        full(&app, "T3-TRUNG-UONG").await["parameters"]["awardLevels"],
        json!(["MINISTERIAL", "CENTRAL"])
    );
    let manual = target(&app, "NQ-DH-XV").await;
    assert_eq!(manual["source"], "MANUAL");
    assert_eq!(manual["progress"]["status"], "NO_DATA");

    // The horizon with an en dash, a hyphen or spaces, or as typed years.
    for (args, codes) in [
        ("horizon: \"2026–2030\"", json!([{"code": "T3-TRUNG-UONG"}])),
        ("horizon: \"2026-2030\"", json!([{"code": "T3-TRUNG-UONG"}])),
        (
            "horizon: \" 2026 - 2030 \"",
            json!([{"code": "T3-TRUNG-UONG"}]),
        ),
        (
            "fromYear: 2026, toYear: 2030",
            json!([{"code": "T3-TRUNG-UONG"}]),
        ),
        ("fromYear: 2026", json!([{"code": "T3-TRUNG-UONG"}])),
        (
            "toYear: 2025",
            json!([{"code": "NQ-DH-XV"}, {"code": "T1-TIEU-CHI"}, {"code": "T2-DIEN-HINH"}]),
        ),
    ] {
        let q =
            format!("{{ targets({args}) {{ code }} programme {{ targets({args}) {{ code }} }} }}");
        let d = app.ok(None, &q, json!({})).await;
        assert_eq!(d["targets"], codes, "{args}");
        assert_eq!(d["programme"]["targets"], codes, "{args}");
    }
    // Not two years: compared as sent, so it matches nothing.
    for args in ["horizon: \"2026\"", "horizon: \"abcd-efgh\""] {
        let d = app
            .ok(
                None,
                &format!("{{ targets({args}) {{ code }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(d["targets"], json!([]), "{args}");
    }
    for args in [
        "fromYear: 2030, toYear: 2026",
        "fromYear: -2147483648",
        "toYear: 999999",
    ] {
        let a = app
            .gql(
                None,
                &format!("{{ targets({args}) {{ code }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            a.error_code(),
            Some("BAD_USER_INPUT"),
            "{args}: {:?}",
            a.body
        );
    }
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

/// A model identified in 2022 and nurtured on `nurtured`, replicated by `to` on `on`.
async fn nurtured_and_replicated(
    app: &TestApp,
    token: &str,
    name: &str,
    home: &str,
    nurtured: &str,
    to: &str,
    on: &str,
) -> String {
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
    assert_eq!(
        s["changeExemplarStage"]["exemplar"]["stage"], "NURTURED",
        "{s}"
    );
    let r = app
        .ok(
            Some(token),
            REPLICATE,
            json!({"i": {"id": id, "unitId": to, "onDate": on}}),
        )
        .await;
    assert_eq!(r["replicateExemplar"]["userErrors"], json!([]), "{r}");
    id
}

async fn target_2_counts_dated_replications_outside_the_home_subtree_over_configured_units(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    // The fixture's tree: a grouping node G with wards W1 and W2; ward W3 with a nested
    // "ward" V (measured as part of W3, not twice); an enterprise E; X inside W2.
    let g = unit(&app, &admin, "T2-G", "OTHER", &root).await;
    let w1 = unit(&app, &admin, "T2-W1", "WARD", &g).await;
    let w2 = unit(&app, &admin, "T2-W2", "WARD", &g).await;
    let w3 = unit(&app, &admin, "T2-W3", "WARD", &root).await;
    let v = unit(&app, &admin, "T2-W3-V", "WARD", &w3).await;
    let e = unit(&app, &admin, "T2-E", "ENTERPRISE", &root).await;
    let x = unit(&app, &admin, "T2-W2-X", "VILLAGE", &w2).await;

    let t = full(&app, "T2-DIEN-HINH").await;
    assert_eq!(t["progress"]["value"], "0", "{t}");
    assert_eq!(
        t["unitsBehind"],
        json!([{"code": "T2-W1"}, {"code": "T2-W2"}, {"code": "T2-W3"}]),
        "the grouping node, the enterprise and the nested ward are not measured"
    );

    // M1: home V, nurtured 2023, replicated by W1 in 2024 → W3 qualifies.
    nurtured_and_replicated(&app, &admin, "M1", &v, "2023-05-01", &w1, "2024-02-01").await;
    // M2: home W1, nurtured 2023, replicated in 2029 → not for 2022–2025.
    nurtured_and_replicated(&app, &admin, "M2", &w1, "2023-05-01", &w2, "2029-02-01").await;
    // M3: home W2, replicated inside W2's own subtree → does not count.
    nurtured_and_replicated(&app, &admin, "M3", &w2, "2024-05-01", &x, "2024-06-01").await;
    // M4: home E (not measured), replicated by W1 → counts for nobody measured.
    nurtured_and_replicated(&app, &admin, "M4", &e, "2024-05-01", &w1, "2024-06-01").await;

    let t = full(&app, "T2-DIEN-HINH").await;
    assert_eq!(t["progress"]["value"], "33.33", "{t}");
    assert!(t["progress"]["note"].as_str().unwrap().contains("1 of 3"));
    assert_eq!(
        t["unitsBehind"],
        json!([{"code": "T2-W1"}, {"code": "T2-W2"}])
    );

    // The same definition over 2026–2030, through the API: M2's replication is in the
    // period but it was nurtured in 2023, so nothing counts; then an explicit unit list.
    let programme = app.programme_id().await;
    let mut f = fields_of(&t);
    f["code"] = json!("T2-2030");
    f["periodStart"] = json!("2026-01-01");
    f["deadline"] = json!("2030-12-31");
    f["baselineDate"] = json!("2026-01-01");
    f["title"] = json!("100% đơn vị nhân rộng điển hình (2026–2030)");
    f["programmeId"] = json!(programme);
    let created = app.ok(Some(&admin), CREATE_TARGET, json!({"i": f})).await;
    let c = &created["createTarget"]["target"];
    assert_eq!(c["horizon"], "2026–2030", "{created}");
    assert_eq!(c["progress"]["value"], "0", "{created}");
    let listed = app
        .ok(
            Some(&admin),
            CREATE_TARGET,
            json!({"i": {"programmeId": programme, "code": "T2-E", "title": "Doanh nghiệp nhân rộng điển hình",
                "description": "T2 over the one listed unit.", "kind": "EXEMPLAR_UNIT_SHARE",
                "periodStart": "2022-01-01", "deadline": "2025-12-31", "comparator": "AT_LEAST",
                "targetValue": "100", "unitLabel": "%", "parameters": {"unitIds": [e]}}}),
        )
        .await;
    let l = &listed["createTarget"]["target"];
    assert_eq!(
        l["parameters"]["units"],
        json!([{"code": "T2-E"}]),
        "{listed}"
    );
    assert_eq!(l["parameters"]["unitKinds"], json!([]));
    assert_eq!(l["progress"]["value"], "100", "{listed}");
    assert_eq!(l["unitsBehind"], json!([]));
}

async fn target_3_counts_the_award_levels_its_definition_names(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "T3-A", &root).await;
    let m = thidua_tests::commendations::model(&app, &admin, "Mô hình T3", "COLLECTIVE", &a).await;
    let sess = session(&app, &admin, 10).await;
    let central = award(&app, &admin, "BANG-KHEN-TTG").await;
    let n = nominate(
        &app,
        &admin,
        json!({"awardTypeId": central, "kind": "CONG_TRANG", "recipient": {"exemplarId": m},
               "nominatingUnitId": a, "awardYear": 2026, "citation": "Thành tích xuất sắc"}),
    )
    .await;
    let id = n["commendation"]["id"].as_str().unwrap().to_owned();
    approve_and_confer(&app, &admin, &id, &sess, 10, "77/QĐ-TTg", "2026-03-15").await;
    let t = full(&app, "T3-TRUNG-UONG").await;
    assert_eq!(t["progress"]["value"], "1", "{t}");

    // Counting MINISTERIAL awards only: the Prime Minister's certificate no longer counts.
    let mut f = fields_of(&t);
    f["parameters"] = json!({"awardLevels": ["MINISTERIAL"]});
    f["id"] = t["id"].clone();
    f["version"] = t["version"].clone();
    let u = app.ok(Some(&admin), UPDATE_TARGET, json!({"i": f})).await;
    let ut = &u["updateTarget"]["target"];
    assert_eq!(
        ut["parameters"]["awardLevels"],
        json!(["MINISTERIAL"]),
        "{u}"
    );
    assert_eq!(ut["progress"]["value"], "0", "{u}");
    assert_eq!(ut["version"], 2);
    // The edited definition is what every reader sees from now on.
    assert_eq!(
        full(&app, "T3-TRUNG-UONG").await["parameters"]["awardLevels"],
        json!(["MINISTERIAL"])
    );
}

/// `Value::tap`: edit a value in place and hand it on (keeps the JSON literals readable).
trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Value {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

fn orientation(programme: &str) -> Value {
    json!({"programmeId": programme, "code": "DH-2030-KIEU-MAU",
        "title": "Đến năm 2030, đổi mới toàn diện phong trào thi đua yêu nước, xây dựng, phát triển Quảng Ninh là tỉnh kiểu mẫu giàu đẹp, văn minh, hiện đại",
        "description": "Whether the province is a model province (rich, beautiful, civilised, modern) by 2030, as the province's official review assesses it: 100 when achieved. Not derivable from this service's data: an administrator enters it with its source.",
        "legalText": "Đến năm 2030, đổi mới toàn diện phong trào thi đua yêu nước, xây dựng, phát triển Quảng Ninh là tỉnh kiểu mẫu giàu đẹp, văn minh, hiện đại.",
        "kind": "MANUAL", "periodStart": "2026-01-01", "deadline": "2030-12-31",
        "comparator": "AT_LEAST", "targetValue": "100", "unitLabel": "%"})
}

async fn the_2026_2030_orientation_is_added_and_edited_through_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let programme = app.programme_id().await;
    let created = app
        .ok(
            Some(&admin),
            CREATE_TARGET,
            json!({"i": orientation(&programme)}),
        )
        .await;
    let t = &created["createTarget"]["target"];
    assert_eq!(
        created["createTarget"]["userErrors"],
        json!([]),
        "{created}"
    );
    assert_eq!(
        (
            t["kind"].as_str(),
            t["source"].as_str(),
            t["horizon"].as_str(),
            t["version"].as_i64()
        ),
        (Some("MANUAL"), Some("MANUAL"), Some("2026–2030"), Some(1))
    );
    assert_eq!(t["progress"]["status"], "NO_DATA");
    let id = t["id"].as_str().unwrap().to_owned();
    let listed = app
        .ok(
            None,
            "{ targets(horizon: \"2026-2030\") { code } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["targets"],
        json!([{"code": "T3-TRUNG-UONG"}, {"code": "DH-2030-KIEU-MAU"}])
    );
    // Its value is entered with its source, like any manual target.
    let v = app
        .ok(
            Some(&admin),
            "mutation($i: RecordTargetValueInput!) { recordTargetValue(input: $i) { target { progress { value } } userErrors { code } } }",
            json!({"i": {"targetId": id, "value": "40", "asOf": "2026-06-30", "sourceNote": "Báo cáo sơ kết 6 tháng"}}),
        )
        .await;
    assert_eq!(
        v["recordTargetValue"]["target"]["progress"]["value"], "40",
        "{v}"
    );

    // Edited with the version read; a second edit with the same version is a CONFLICT.
    let mut edit = orientation(&programme);
    let obj = edit.as_object_mut().unwrap();
    obj.remove("programmeId");
    obj.insert("id".into(), json!(id));
    obj.insert("version".into(), json!(1));
    obj.insert("baseline".into(), json!("20"));
    let u = app
        .ok(Some(&admin), UPDATE_TARGET, json!({"i": edit}))
        .await;
    assert_eq!(u["updateTarget"]["target"]["version"], 2, "{u}");
    let stale = app
        .gql(Some(&admin), UPDATE_TARGET, json!({"i": edit}))
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{:?}", stale.body);

    // Both edits are in the audit trail.
    let audit = app
        .ok(
            Some(&admin),
            "{ auditLog(first: 50) { edges { node { entity action } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<(String, String)> = audit["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["entity"].as_str().unwrap_or_default().to_owned(),
                e["node"]["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for wanted in ["create", "update"] {
        assert!(
            actions.contains(&("Target".into(), wanted.into())),
            "{wanted} in {actions:?}"
        );
    }

    // A new programme for 2026–2030, with its own target.
    let p = app
        .ok(
            Some(&admin),
            CREATE_PROGRAMME,
            json!({"i": {"code": "QN-TDYN-2026-2030", "title": "Đề án thi đua giai đoạn 2026–2030", "startDate": "2026-01-01", "endDate": "2030-12-31"}}),
        )
        .await;
    let pid = p["createProgramme"]["programme"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut in_new = orientation(&pid);
    in_new["code"] = json!("KIEU-MAU");
    app.ok(Some(&admin), CREATE_TARGET, json!({"i": in_new}))
        .await;
    let d = app
        .ok(
            None,
            "{ programme(code: \"QN-TDYN-2026-2030\") { isDefault targets { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["programme"],
        json!({"isDefault": false, "targets": [{"code": "KIEU-MAU"}]})
    );
}

async fn target_definitions_refuse_bad_input_with_their_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let programme = app.programme_id().await;
    let base = orientation(&programme);
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        i
    };
    let cases = [
        (
            with("kind", json!("CONCRETE_CRITERIA_SHARE")).tap(|i| i["targetValue"] = json!("150")),
            "targetValue",
            "OUT_OF_RANGE",
        ),
        (
            with("targetValue", json!("-1")),
            "targetValue",
            "OUT_OF_RANGE",
        ),
        (
            with("deadline", json!("2025-12-31")),
            "deadline",
            "END_BEFORE_START",
        ),
        (with("comparator", json!("RANGE")), "targetMax", "REQUIRED"),
        (
            with("comparator", json!("RANGE")).tap(|i| i["targetMax"] = json!("50")),
            "targetMax",
            "OUT_OF_RANGE",
        ),
        (
            with("targetMax", json!("200")),
            "targetMax",
            "NOT_APPLICABLE",
        ),
        (
            with("parameters", json!({"awardLevels": ["CENTRAL"]})),
            "parameters.awardLevels",
            "NOT_APPLICABLE",
        ),
        (
            with("kind", json!("CENTRAL_HONOURED_EXEMPLARS"))
                .tap(|i| i["parameters"] = json!({"awardLevels": ["PROVINCIAL"]})),
            "parameters.awardLevels",
            "OUT_OF_RANGE",
        ),
        (
            with("kind", json!("EXEMPLAR_UNIT_SHARE"))
                .tap(|i| i["parameters"] = json!({"unitKinds": []})),
            "parameters.unitKinds",
            "REQUIRED",
        ),
        (
            with("kind", json!("EXEMPLAR_UNIT_SHARE"))
                .tap(|i| i["parameters"] = json!({"unitIds": ["not-an-id"]})),
            "parameters.unitIds",
            "INVALID_FORMAT",
        ),
        (
            with("kind", json!("EXEMPLAR_UNIT_SHARE"))
                .tap(|i| i["parameters"] = json!({"unitIds": vec![root.clone(); 501]})),
            "parameters.unitIds",
            "TOO_MANY",
        ),
        (with("code", json!("T1-TIEU-CHI")), "code", "DUPLICATE"),
        (with("code", json!("có dấu")), "code", "INVALID_FORMAT"),
        (with("unitLabel", json!("  ")), "unitLabel", "REQUIRED"),
        (with("description", json!("")), "description", "REQUIRED"),
        (
            with("titleEn", json!("x".repeat(301))),
            "titleEn",
            "TOO_LONG",
        ),
        (
            with("descriptionEn", json!("bad \u{7} bell")),
            "descriptionEn",
            "INVALID_FORMAT",
        ),
        (
            with("descriptionEn", json!("x".repeat(10_001))),
            "descriptionEn",
            "TOO_LONG",
        ),
        (
            with("unitLabelEn", json!("x".repeat(41))),
            "unitLabelEn",
            "TOO_LONG",
        ),
        (
            with("baselineDate", json!("2031-01-01")),
            "baselineDate",
            "OUT_OF_RANGE",
        ),
        (
            with("periodStart", json!("1990-01-01")),
            "periodStart",
            "OUT_OF_RANGE",
        ),
        (
            with("programmeId", json!("bogus")),
            "programmeId",
            "INVALID_FORMAT",
        ),
    ];
    for (input, field, code) in cases {
        let a = app
            .gql(Some(&admin), CREATE_TARGET, json!({"i": input}))
            .await;
        assert_eq!(
            a.user_error_codes("createTarget"),
            vec![code],
            "{field}: {:?}",
            a.body
        );
        assert_eq!(
            a.user_error_fields("createTarget"),
            vec![field],
            "{:?}",
            a.body
        );
    }
    // An unknown computation is not a value of the enum: refused before anything runs.
    let a = app
        .gql(
            Some(&admin),
            CREATE_TARGET,
            json!({"i": with("kind", json!("GUESSED_SHARE"))}),
        )
        .await;
    assert_eq!(
        a.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{:?}",
        a.body
    );

    // Only administrators of the whole province define targets and programmes.
    let ward = app.create_unit(&admin, "T-WARD", &root).await;
    let ward_admin = app
        .user_with_role(&admin, "ward-admin", "ADMIN", &ward)
        .await;
    let manager = app
        .user_with_role(&admin, "manager", "MANAGER", &root)
        .await;
    for token in [&ward_admin, &manager] {
        let a = app
            .gql(Some(token), CREATE_TARGET, json!({"i": base}))
            .await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{:?}", a.body);
        let p = app
            .gql(
                Some(token),
                CREATE_PROGRAMME,
                json!({"i": {"code": "QN-X", "title": "X", "startDate": "2026-01-01", "endDate": "2030-12-31"}}),
            )
            .await;
        assert_eq!(p.error_code(), Some("FORBIDDEN"), "{:?}", p.body);
    }
    let anonymous = app.gql(None, CREATE_TARGET, json!({"i": base})).await;
    assert_eq!(anonymous.error_code(), Some("UNAUTHENTICATED"));

    // Programmes: their end before their start, a duplicate code.
    for (input, field, code) in [
        (
            json!({"code": "QN-Y", "title": "Y", "startDate": "2026-01-01", "endDate": "2025-01-01"}),
            "endDate",
            "END_BEFORE_START",
        ),
        (
            json!({"code": "QN-TDYN-2021-2030", "title": "Y", "startDate": "2026-01-01", "endDate": "2030-01-01"}),
            "code",
            "DUPLICATE",
        ),
    ] {
        let a = app
            .gql(Some(&admin), CREATE_PROGRAMME, json!({"i": input}))
            .await;
        assert_eq!(
            a.user_error_codes("createProgramme"),
            vec![code],
            "{:?}",
            a.body
        );
        assert_eq!(a.user_error_fields("createProgramme"), vec![field]);
    }

    // Updates: a version of 0, an unknown target.
    let t = full(&app, "NQ-DH-XV").await;
    let mut f = fields_of(&t);
    f["id"] = t["id"].clone();
    f["version"] = json!(0);
    let a = app.gql(Some(&admin), UPDATE_TARGET, json!({"i": f})).await;
    assert_eq!(
        a.user_error_codes("updateTarget"),
        vec!["OUT_OF_RANGE"],
        "{:?}",
        a.body
    );
    // Nothing was changed by any refusal.
    assert_eq!(full(&app, "NQ-DH-XV").await["version"], 1);
}

const SUCCEED: &str = "mutation($i: RecordUnitSuccessionInput!) { recordUnitSuccession(input: $i) { orgUnit { isActive } userErrors { field code } } }";

async fn succeed(app: &TestApp, token: &str, old: &str, successor: &str, on: &str) {
    let d = app
        .ok(
            Some(token),
            SUCCEED,
            json!({"i": {"id": old, "successorId": successor, "on": on}}),
        )
        .await;
    assert_eq!(
        d["recordUnitSuccession"]["orgUnit"]["isActive"], false,
        "{d}"
    );
}

/// The reorganisation fixture of `thidua_domain::target_rules` over HTTP: a model of a
/// commune inside a dissolved district counts for the district's successor, one of a
/// village with its own successor for that one, a model of a commune merged twice (a chain)
/// for the last successor; predecessors are never measured and a predecessor's campaign
/// still counts for target 1.
async fn targets_carry_over_a_reorganisation(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let d = unit(&app, &admin, "T2S-D", "OTHER", &root).await;
    let c = unit(&app, &admin, "T2S-C", "COMMUNE", &d).await;
    let v = unit(&app, &admin, "T2S-C-V", "VILLAGE", &c).await;
    let k = unit(&app, &admin, "T2S-K", "COMMUNE", &root).await;
    let k2 = unit(&app, &admin, "T2S-K2", "COMMUNE", &root).await;
    let w = unit(&app, &admin, "T2S-W", "WARD", &root).await;
    let w2 = unit(&app, &admin, "T2S-W2", "WARD", &root).await;
    let w3 = unit(&app, &admin, "T2S-W3", "WARD", &root).await;
    let w4 = unit(&app, &admin, "T2S-W4", "WARD", &root).await;
    nurtured_and_replicated(&app, &admin, "M1", &c, "2023-05-01", &w4, "2024-02-01").await;
    nurtured_and_replicated(&app, &admin, "M2", &k, "2023-05-01", &w4, "2024-02-01").await;
    nurtured_and_replicated(&app, &admin, "M3", &v, "2023-05-01", &w4, "2024-02-01").await;
    // A campaign the commune launched before the merger.
    let fields = all_field_ids(&app).await;
    launched(
        &app,
        &admin,
        "T1-XA-CU",
        &c,
        None,
        json!([concrete("c")]),
        &fields,
    )
    .await;

    // Before: the communes are measured beside the wards; C (M1, and M3 from its village)
    // and K (M2) qualify: 2 of 7.
    let t = full(&app, "T2-DIEN-HINH").await;
    assert_eq!(t["progress"]["value"], "28.57", "{t}");
    assert_eq!(
        t["unitsBehind"],
        json!([{"code": "T2S-K2"}, {"code": "T2S-W"}, {"code": "T2S-W2"}, {"code": "T2S-W3"}, {"code": "T2S-W4"}]),
        "{t}"
    );
    let before_t1 = t1(&app).await;
    assert_eq!(before_t1["progress"]["value"], "100", "{before_t1}");

    // The 2025 reorganisation: village V → ward W3, district D → ward W (V's own
    // succession stays the nearest); commune K → K2, then K2 → ward W2.
    succeed(&app, &admin, &v, &w3, "2025-07-01").await;
    succeed(&app, &admin, &d, &w, "2025-07-01").await;
    succeed(&app, &admin, &k, &k2, "2025-07-01").await;
    succeed(&app, &admin, &k2, &w2, "2025-07-02").await;

    // After: only the active wards are measured; the models count for the successors.
    let t = full(&app, "T2-DIEN-HINH").await;
    assert_eq!(t["progress"]["value"], "75", "{t}");
    assert!(t["progress"]["note"].as_str().unwrap().contains("3 of 4"));
    assert_eq!(
        t["unitsBehind"],
        json!([{"code": "T2S-W4"}]),
        "no inactive predecessor is listed: {t}"
    );
    // Target 1 still counts the campaign the dissolved commune launched.
    let t = t1(&app).await;
    assert_eq!(t["progress"]["value"], "100", "{t}");
    assert_eq!(t["progress"]["note"], before_t1["progress"]["note"]);
    assert_eq!(t["uncoveredFields"], json!([]));

    // Split by top-level unit: each model in its successor's row, W4 holding T2 back; the
    // dissolved commune's campaign stays under its (inactive) district.
    let d = app
        .ok(
            Some(&admin),
            "{ targets { code byTopLevelUnit { value rows { unit { code } counted total models holdsBack } } } }",
            json!({}),
        )
        .await;
    let split = |code: &str| {
        d["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap()["byTopLevelUnit"]
            .clone()
    };
    let row = |code: &str, counted: i64, models: i64, holds_back: bool| json!({"unit": {"code": code}, "counted": counted, "total": 1, "models": models, "holdsBack": holds_back});
    let t2 = split("T2-DIEN-HINH");
    assert_eq!(
        t2["rows"],
        json!([
            row("T2S-W", 1, 1, false),
            row("T2S-W2", 1, 1, false),
            row("T2S-W3", 1, 1, false),
            row("T2S-W4", 0, 0, true)
        ]),
        "{t2}"
    );
    assert_eq!(t2["value"], "75");
    let t1 = split("T1-TIEU-CHI");
    assert_eq!(
        t1["rows"],
        json!([{"unit": {"code": "T2S-D"}, "counted": 1, "total": 1, "models": null, "holdsBack": false}]),
        "{t1}"
    );
}

/// A GraphQL answer for a request sent with `Accept-Language: lang`.
async fn in_language(app: &TestApp, lang: &str, query: &str) -> Value {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("Accept-Language", lang)
        .json(&json!({"query": query}))
        .send()
        .await
        .expect("request");
    let a = Answer::read(resp).await;
    assert!(a.body["errors"].is_null(), "{lang}: {}", a.body);
    a.body["data"].clone()
}

/// No `Accept-Language` at all (the harness's own client asks for English).
async fn without_language(app: &TestApp, query: &str) -> Value {
    let resp = reqwest::Client::new()
        .post(app.url("/graphql"))
        .json(&json!({"query": query}))
        .send()
        .await
        .expect("request");
    let a = Answer::read(resp).await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    a.body["data"].clone()
}

const TEXTS: &str = "{ targets { code title description unitLabel texts { title titleEn description descriptionEn unitLabel unitLabelEn } } }";

fn by_code<'a>(d: &'a Value, code: &str) -> &'a Value {
    d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {d}"))
}

async fn target_texts_answer_in_the_requests_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let programme = app.programme_id().await;

    // Vietnamese by default (no header, `vi`, an unsupported language, `*`) and when
    // English is weighed lower; English when it is preferred.
    for lang in [
        None,
        Some("vi-VN"),
        Some("fr-FR"),
        Some("*"),
        Some("en;q=0.3, vi"),
    ] {
        let d = match lang {
            None => without_language(&app, TEXTS).await,
            Some(l) => in_language(&app, l, TEXTS).await,
        };
        let t1 = by_code(&d, "T1-TIEU-CHI");
        assert!(
            t1["description"]
                .as_str()
                .unwrap()
                .starts_with("Tỷ lệ phần trăm các phong trào thi đua"),
            "{lang:?}: {t1}"
        );
        assert!(t1["title"].as_str().unwrap().starts_with("100% phong trào"));
        assert_eq!(by_code(&d, "T3-TRUNG-UONG")["unitLabel"], "điển hình");
    }
    for lang in ["en", "en-GB", "fr, en;q=0.5", "vi;q=0.2, en;q=0.9"] {
        let d = in_language(&app, lang, TEXTS).await;
        let t1 = by_code(&d, "T1-TIEU-CHI");
        assert!(
            t1["description"]
                .as_str()
                .unwrap()
                .starts_with("Percentage of the campaigns"),
            "{lang}: {t1}"
        );
        assert!(
            t1["title"]
                .as_str()
                .unwrap()
                .starts_with("100% of emulation campaigns")
        );
        let t2 = by_code(&d, "T2-DIEN-HINH");
        assert!(
            t2["description"]
                .as_str()
                .unwrap()
                .contains("counts for the active successor"),
            "{t2}"
        );
        let t3 = by_code(&d, "T3-TRUNG-UONG");
        assert_eq!(t3["unitLabel"], "models");
        assert!(
            by_code(&d, "NQ-DH-XV")["description"]
                .as_str()
                .unwrap()
                .starts_with("Share of the socio-economic")
        );
        // `texts` holds both, whatever the language asked for.
        assert_eq!(t3["texts"]["unitLabel"], "điển hình");
        assert_eq!(t3["texts"]["unitLabelEn"], "models");
        assert!(
            t3["texts"]["description"]
                .as_str()
                .unwrap()
                .starts_with("Số mô hình")
        );
    }

    // A target defined with English texts answers in either language; one without them
    // answers English readers in Vietnamese.
    let mut input = orientation(&programme);
    input["description"] =
        json!("Tỉnh kiểu mẫu giàu đẹp, văn minh, hiện đại đến năm 2030: 100 khi đạt.");
    input["descriptionEn"] = json!("A model province by 2030: 100 when achieved.");
    input["titleEn"] = json!("A model province by 2030");
    input["unitLabelEn"] = json!("percent");
    let created = app
        .ok(Some(&admin), CREATE_TARGET, json!({"i": input}))
        .await;
    let id = created["createTarget"]["target"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let mut plain = orientation(&programme);
    plain["code"] = json!("KHONG-TIENG-ANH");
    app.ok(Some(&admin), CREATE_TARGET, json!({"i": plain}))
        .await;
    let en = in_language(&app, "en", TEXTS).await;
    let vi = without_language(&app, TEXTS).await;
    let (t_en, t_vi) = (
        by_code(&en, "DH-2030-KIEU-MAU"),
        by_code(&vi, "DH-2030-KIEU-MAU"),
    );
    assert_eq!(
        (&t_en["title"], &t_en["description"], &t_en["unitLabel"]),
        (
            &json!("A model province by 2030"),
            &json!("A model province by 2030: 100 when achieved."),
            &json!("percent")
        )
    );
    assert_eq!(t_vi["description"], input["description"]);
    assert_eq!(t_vi["unitLabel"], "%");
    let fallback = by_code(&en, "KHONG-TIENG-ANH");
    assert_eq!(fallback["title"], plain["title"]);
    assert_eq!(fallback["description"], plain["description"]);
    assert_eq!(fallback["texts"]["descriptionEn"], Value::Null);

    // An update that leaves the English texts out keeps them; null clears one.
    let mut edit = input.clone();
    let obj = edit.as_object_mut().unwrap();
    for k in ["programmeId", "titleEn", "descriptionEn", "unitLabelEn"] {
        obj.remove(k);
    }
    obj.insert("id".into(), json!(id));
    obj.insert("version".into(), json!(1));
    app.ok(Some(&admin), UPDATE_TARGET, json!({"i": edit}))
        .await;
    let en = in_language(&app, "en", TEXTS).await;
    assert_eq!(
        by_code(&en, "DH-2030-KIEU-MAU")["description"],
        "A model province by 2030: 100 when achieved."
    );
    edit["version"] = json!(2);
    edit["descriptionEn"] = Value::Null;
    edit["unitLabelEn"] = json!("  ");
    app.ok(Some(&admin), UPDATE_TARGET, json!({"i": edit}))
        .await;
    let en = in_language(&app, "en", TEXTS).await;
    let t = by_code(&en, "DH-2030-KIEU-MAU");
    assert_eq!(t["description"], input["description"]);
    assert_eq!(t["unitLabel"], "%");
    assert_eq!(t["title"], "A model province by 2030");
    assert_eq!(
        (&t["texts"]["descriptionEn"], &t["texts"]["unitLabelEn"]),
        (&Value::Null, &Value::Null)
    );
}

async fn stored_parameters_this_service_never_writes_are_an_internal_error(backend: Backend) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use thidua_persistence::entities::target;

    let app = spawn_app(backend).await;
    const Q: &str = "{ targets { code parameters { unitKinds } progress { value } } }";
    let res = target::Entity::update_many()
        .col_expr(
            target::Column::Parameters,
            Expr::val(r#"{"unitKinds": ["GALAXY"]}"#),
        )
        .filter(target::Column::Code.eq("T2-DIEN-HINH"))
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 1);

    // The definition is not silently narrowed to the kinds that parse: the read fails.
    let read = app.gql(None, Q, json!({})).await;
    assert_eq!(read.error_code(), Some("INTERNAL"), "{}", read.body);

    // Another target still reads as stored.
    let one = app.ok(None, "{ targets { code kind } }", json!({})).await;
    assert!(
        one["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["code"] == "T1-TIEU-CHI"),
        "{one}"
    );
}
