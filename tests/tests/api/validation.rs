//! Bad input gets a clear, coded answer (a `userErrors` entry or a BAD_USER_INPUT error),
//! never INTERNAL and never an HTTP 500; and a refused change leaves no trace.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use thidua_tests::{Answer, Backend, CREATE_CAMPAIGN, TestApp, both, concrete, spawn_app};

both!(
    end_date_before_start_date_is_refused_on_the_end_date,
    negative_weight_is_refused_on_the_criterion_weight,
    empty_title_is_required,
    megabyte_title_is_refused_as_too_long_quickly,
    percent_target_above_100_is_out_of_range,
    code_with_a_space_is_invalid_format,
    duplicate_campaign_code_is_refused_case_insensitively,
    several_problems_are_all_reported_at_once,
    malformed_ids_in_launching_unit_are_invalid_format,
    malformed_ids_in_campaign_query_are_bad_user_input,
    malformed_ids_in_node_query_are_bad_user_input,
    malformed_ids_in_launch_campaign_are_invalid_format,
    criteria_of_a_launched_campaign_are_frozen,
    unit_cannot_move_under_itself_or_its_own_child,
    duplicate_unit_code_is_refused,
    root_unit_cannot_be_deactivated,
    computed_target_refuses_typed_values,
    manual_target_requires_a_source_note,
    manual_target_value_updates_progress_and_entries,
);

const CAMPAIGN_BY_CODE: &str = "query($c: String!) { campaign(code: $c) { id title } }";

/// The answer is a clear refusal or success: HTTP 200 or 400, and no INTERNAL error.
fn assert_clear(a: &Answer, what: &str) {
    assert!(
        a.status == 200 || a.status == 400,
        "{what}: HTTP {} (want 200 or 400): {}",
        a.status,
        a.body
    );
    assert!(a.body.is_object(), "{what}: not a JSON object: {}", a.body);
    if let Some(errors) = a.body["errors"].as_array() {
        for e in errors {
            assert_ne!(
                e["extensions"]["code"], "INTERNAL",
                "{what}: INTERNAL error: {}",
                a.body
            );
            assert!(
                e["extensions"]["code"].is_string(),
                "{what}: an error without a code: {}",
                a.body
            );
        }
    }
}

/// A valid CreateCampaignInput launched by `unit`.
async fn valid_input(app: &TestApp, code: &str, unit: &str) -> Value {
    json!({
        "code": code,
        "title": format!("Phong trào thi đua {code}"),
        "kind": "THEMATIC",
        "programmeId": app.programme_id().await,
        "launchingUnitId": unit,
        "startDate": "2025-01-01",
        "endDate": "2025-12-31",
        "criteria": [concrete("Tỷ lệ hộ gia đình văn hóa")],
    })
}

async fn create(app: &TestApp, token: &str, input: Value) -> Answer {
    let a = app
        .gql(Some(token), CREATE_CAMPAIGN, json!({"i": input}))
        .await;
    assert_clear(&a, "createCampaign");
    a
}

/// A refused createCampaign: no campaign in the payload, and none stored under `code`.
async fn assert_not_created(app: &TestApp, token: &str, a: &Answer, code: &str) {
    assert!(
        a.data()["createCampaign"]["campaign"].is_null(),
        "a campaign came back despite errors: {}",
        a.body
    );
    let stored = app
        .ok(Some(token), CAMPAIGN_BY_CODE, json!({"c": code}))
        .await;
    assert!(
        stored["campaign"].is_null(),
        "refused campaign {code} was stored: {stored}"
    );
}

async fn setup(backend: Backend) -> (TestApp, String, String) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    (app, admin, root)
}

async fn end_date_before_start_date_is_refused_on_the_end_date(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let mut input = valid_input(&app, "DATES-1", &root).await;
    input["startDate"] = json!("2025-06-01");
    input["endDate"] = json!("2025-05-31");
    let a = create(&app, &admin, input).await;
    assert_eq!(
        a.user_error_codes("createCampaign"),
        vec!["END_BEFORE_START"],
        "{}",
        a.body
    );
    assert_eq!(a.user_error_fields("createCampaign"), vec!["endDate"]);
    assert_not_created(&app, &admin, &a, "DATES-1").await;

    // The same day for start and end is fine.
    let mut same_day = valid_input(&app, "DATES-2", &root).await;
    same_day["startDate"] = json!("2025-06-01");
    same_day["endDate"] = json!("2025-06-01");
    let ok = create(&app, &admin, same_day).await;
    assert!(
        ok.user_error_codes("createCampaign").is_empty(),
        "{}",
        ok.body
    );
    assert_eq!(ok.data()["createCampaign"]["campaign"]["status"], "DRAFT");
}

async fn negative_weight_is_refused_on_the_criterion_weight(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let mut input = valid_input(&app, "WEIGHT-1", &root).await;
    let mut bad = concrete("Trọng số âm");
    bad["weight"] = json!("-1");
    input["criteria"] = json!([concrete("Tiêu chí hợp lệ"), bad]);
    let a = create(&app, &admin, input).await;
    assert_eq!(
        a.user_error_codes("createCampaign"),
        vec!["NOT_POSITIVE"],
        "{}",
        a.body
    );
    assert_eq!(
        a.user_error_fields("createCampaign"),
        vec!["criteria.1.weight"]
    );
    assert_not_created(&app, &admin, &a, "WEIGHT-1").await;

    // Zero is not positive either, and the path names the first criterion.
    let mut input = valid_input(&app, "WEIGHT-2", &root).await;
    input["criteria"][0]["weight"] = json!("0");
    let a = create(&app, &admin, input).await;
    assert_eq!(a.user_error_codes("createCampaign"), vec!["NOT_POSITIVE"]);
    assert_eq!(
        a.user_error_fields("createCampaign"),
        vec!["criteria.0.weight"]
    );
}

async fn empty_title_is_required(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    for (code, title) in [("EMPTY-1", ""), ("EMPTY-2", "   \t  ")] {
        let mut input = valid_input(&app, code, &root).await;
        input["title"] = json!(title);
        let a = create(&app, &admin, input).await;
        assert_eq!(
            a.user_error_codes("createCampaign"),
            vec!["REQUIRED"],
            "title {title:?}: {}",
            a.body
        );
        assert_eq!(a.user_error_fields("createCampaign"), vec!["title"]);
        assert_not_created(&app, &admin, &a, code).await;
    }
}

async fn megabyte_title_is_refused_as_too_long_quickly(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let mut input = valid_input(&app, "HUGE-1", &root).await;
    input["title"] = json!("a".repeat(1_000_000));
    let started = Instant::now();
    let a = create(&app, &admin, input).await;
    let elapsed = started.elapsed();
    assert_eq!(
        a.user_error_codes("createCampaign"),
        vec!["TOO_LONG"],
        "status {}, errors {}",
        a.status,
        a.body["errors"]
    );
    assert_eq!(a.user_error_fields("createCampaign"), vec!["title"]);
    assert!(
        elapsed < Duration::from_secs(5),
        "a 1 MB title took {elapsed:?} to refuse"
    );
    assert_not_created(&app, &admin, &a, "HUGE-1").await;

    // Just over the limit in multi-byte Vietnamese is also TOO_LONG; at the limit it is fine.
    let mut over = valid_input(&app, "HUGE-2", &root).await;
    over["title"] = json!("ă".repeat(301));
    let a = create(&app, &admin, over).await;
    assert_eq!(a.user_error_codes("createCampaign"), vec!["TOO_LONG"]);
    let mut at = valid_input(&app, "HUGE-3", &root).await;
    at["title"] = json!("ă".repeat(300));
    let a = create(&app, &admin, at).await;
    assert!(
        a.user_error_codes("createCampaign").is_empty(),
        "{}",
        a.body
    );
}

async fn percent_target_above_100_is_out_of_range(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let mut input = valid_input(&app, "PCT-1", &root).await;
    input["criteria"][0]["targetValue"] = json!("101");
    let a = create(&app, &admin, input).await;
    assert_eq!(
        a.user_error_codes("createCampaign"),
        vec!["OUT_OF_RANGE"],
        "{}",
        a.body
    );
    assert_eq!(
        a.user_error_fields("createCampaign"),
        vec!["criteria.0.targetValue"]
    );
    assert_not_created(&app, &admin, &a, "PCT-1").await;

    let mut input = valid_input(&app, "PCT-2", &root).await;
    input["criteria"][0]["targetValue"] = json!("100");
    let a = create(&app, &admin, input).await;
    assert!(
        a.user_error_codes("createCampaign").is_empty(),
        "100% is a valid target: {}",
        a.body
    );
}

async fn code_with_a_space_is_invalid_format(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let a = create(&app, &admin, valid_input(&app, "a b", &root).await).await;
    assert_eq!(
        a.user_error_codes("createCampaign"),
        vec!["INVALID_FORMAT"],
        "{}",
        a.body
    );
    assert_eq!(a.user_error_fields("createCampaign"), vec!["code"]);
    assert!(a.data()["createCampaign"]["campaign"].is_null());
    for code in ["A B", "a b", "AB"] {
        let stored = app
            .ok(Some(&admin), CAMPAIGN_BY_CODE, json!({"c": code}))
            .await;
        assert!(stored["campaign"].is_null(), "{code}: {stored}");
    }
}

async fn duplicate_campaign_code_is_refused_case_insensitively(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let first = create(&app, &admin, valid_input(&app, "DUP-2025", &root).await).await;
    assert!(
        first.user_error_codes("createCampaign").is_empty(),
        "{}",
        first.body
    );
    let first_id = first.data()["createCampaign"]["campaign"]["id"].clone();

    for code in ["DUP-2025", "dup-2025"] {
        let mut input = valid_input(&app, code, &root).await;
        input["title"] = json!("Một phong trào khác");
        let again = create(&app, &admin, input).await;
        assert_eq!(
            again.user_error_codes("createCampaign"),
            vec!["DUPLICATE"],
            "{code}: {}",
            again.body
        );
        assert_eq!(again.user_error_fields("createCampaign"), vec!["code"]);
        assert!(again.data()["createCampaign"]["campaign"].is_null());
    }
    // The first campaign is untouched.
    let stored = app
        .ok(Some(&admin), CAMPAIGN_BY_CODE, json!({"c": "DUP-2025"}))
        .await;
    assert_eq!(stored["campaign"]["id"], first_id);
    assert_eq!(stored["campaign"]["title"], "Phong trào thi đua DUP-2025");
}

async fn several_problems_are_all_reported_at_once(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let mut input = valid_input(&app, "a b", &root).await;
    input["title"] = json!("");
    input["startDate"] = json!("2025-12-31");
    input["endDate"] = json!("2025-01-01");
    let mut c0 = concrete("Tiêu chí 1");
    c0["weight"] = json!("-2");
    let mut c1 = concrete("Tiêu chí 2");
    c1["targetValue"] = json!("101");
    input["criteria"] = json!([c0, c1]);
    let a = create(&app, &admin, input).await;
    let mut got: Vec<(String, String)> = a
        .user_error_fields("createCampaign")
        .into_iter()
        .zip(a.user_error_codes("createCampaign"))
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = [
        ("code", "INVALID_FORMAT"),
        ("title", "REQUIRED"),
        ("endDate", "END_BEFORE_START"),
        ("criteria.0.weight", "NOT_POSITIVE"),
        ("criteria.1.targetValue", "OUT_OF_RANGE"),
    ]
    .into_iter()
    .map(|(f, c)| (f.to_owned(), c.to_owned()))
    .collect();
    want.sort();
    assert_eq!(got, want, "{}", a.body);
    // Every user error has a human message too.
    for e in a.data()["createCampaign"]["userErrors"].as_array().unwrap() {
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    }
    assert!(a.data()["createCampaign"]["campaign"].is_null());
}

/// Malformed global IDs: not base64, base64 of a non-UUID, empty, absurdly long.
fn garbage_ids() -> Vec<String> {
    vec![
        "not-an-id".to_owned(),
        URL_SAFE_NO_PAD.encode("OrgUnit:xyz"),
        URL_SAFE_NO_PAD.encode("Campaign:xyz"),
        URL_SAFE_NO_PAD.encode("no colon at all"),
        String::new(),
        "%%%===".to_owned(),
        "A".repeat(5000),
    ]
}

/// A stored campaign's ID (so we have a well-formed ID of the wrong type).
async fn some_campaign(app: &TestApp, admin: &str, root: &str) -> String {
    let created = app
        .create_campaign(admin, "IDS-1", root, json!([concrete("Tiêu chí")]))
        .await;
    created.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createCampaign: {}", created.body))
        .to_owned()
}

async fn malformed_ids_in_launching_unit_are_invalid_format(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let campaign = some_campaign(&app, &admin, &root).await;
    let mut bad = garbage_ids();
    bad.push(campaign);
    for (i, id) in bad.iter().enumerate() {
        let code = format!("BADUNIT-{i}");
        let a = create(&app, &admin, valid_input(&app, &code, id).await).await;
        assert_eq!(
            a.user_error_codes("createCampaign"),
            vec!["INVALID_FORMAT"],
            "launchingUnitId {id:.40}: {}",
            a.body
        );
        assert_eq!(
            a.user_error_fields("createCampaign"),
            vec!["launchingUnitId"]
        );
        assert_not_created(&app, &admin, &a, &code).await;
    }
}

async fn malformed_ids_in_campaign_query_are_bad_user_input(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let campaign = some_campaign(&app, &admin, &root).await;
    let mut bad = garbage_ids();
    // An OrgUnit ID where a Campaign ID is expected.
    bad.push(root.clone());
    for id in &bad {
        let a = app
            .gql(
                Some(&admin),
                "query($id: ID!) { campaign(id: $id) { id code } }",
                json!({"id": id}),
            )
            .await;
        assert_clear(&a, "campaign(id:)");
        assert_eq!(
            a.error_code(),
            Some("BAD_USER_INPUT"),
            "campaign(id: {id:.40}): {}",
            a.body
        );
        assert!(a.data()["campaign"].is_null(), "{}", a.body);
    }
    // The real one still resolves.
    let good = app
        .ok(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { code } }",
            json!({"id": campaign}),
        )
        .await;
    assert_eq!(good["campaign"]["code"], "IDS-1");
}

async fn malformed_ids_in_node_query_are_bad_user_input(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let campaign = some_campaign(&app, &admin, &root).await;
    for id in garbage_ids() {
        let a = app
            .gql(
                Some(&admin),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_clear(&a, "node(id:)");
        assert_eq!(
            a.error_code(),
            Some("BAD_USER_INPUT"),
            "node(id: {id:.40}): {}",
            a.body
        );
        assert!(a.data()["node"].is_null(), "{}", a.body);
    }
    // A well-formed ID of a type that does not exist, or of nothing stored: null, no error.
    for id in [
        URL_SAFE_NO_PAD.encode(format!("Nope:{}", uuid::Uuid::now_v7())),
        URL_SAFE_NO_PAD.encode(format!("Campaign:{}", uuid::Uuid::now_v7())),
    ] {
        let a = app
            .gql(
                Some(&admin),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_clear(&a, "node(id:) unknown");
        assert!(a.body["errors"].is_null(), "{}", a.body);
        assert!(a.data()["node"].is_null(), "{}", a.body);
    }
    // A real one resolves to its type.
    let good = app
        .ok(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { __typename id } }",
            json!({"id": campaign}),
        )
        .await;
    assert_eq!(good["node"]["__typename"], "Campaign");
    assert_eq!(good["node"]["id"], campaign.as_str());
}

async fn malformed_ids_in_launch_campaign_are_invalid_format(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let campaign = some_campaign(&app, &admin, &root).await;
    let mut bad = garbage_ids();
    bad.push(root.clone());
    for id in &bad {
        let a = app.launch(&admin, id).await;
        assert_clear(&a, "launchCampaign");
        assert_eq!(
            a.user_error_codes("launchCampaign"),
            vec!["INVALID_FORMAT"],
            "launchCampaign(id: {id:.40}): {}",
            a.body
        );
        assert_eq!(a.user_error_fields("launchCampaign"), vec!["id"]);
        assert!(a.data()["launchCampaign"]["campaign"].is_null());
    }
    // Nothing was launched along the way.
    let status = app
        .ok(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { status } }",
            json!({"id": campaign}),
        )
        .await;
    assert_eq!(status["campaign"]["status"], "DRAFT");
}

async fn criteria_of_a_launched_campaign_are_frozen(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let created = app
        .create_campaign(
            &admin,
            "FROZEN-1",
            &root,
            json!([concrete("Tỷ lệ hộ gia đình văn hóa")]),
        )
        .await;
    let c = &created.data()["createCampaign"]["campaign"];
    let id = c["id"].as_str().unwrap().to_owned();
    let criterion = c["criteria"][0]["id"].as_str().unwrap().to_owned();

    // While a draft, the criterion can be edited.
    let mut edit = concrete("Tỷ lệ hộ gia đình văn hóa (sửa)");
    edit["targetValue"] = json!("90");
    let draft_edit = app
        .gql(
            Some(&admin),
            "mutation($i: UpdateCriterionInput!) { updateCriterion(input: $i) { criterion { title targetValue } userErrors { field code } } }",
            json!({"i": {"id": criterion, "criterion": edit}}),
        )
        .await;
    assert_eq!(
        draft_edit.data()["updateCriterion"]["criterion"]["targetValue"],
        "90",
        "{}",
        draft_edit.body
    );

    let launched = app.launch(&admin, &id).await;
    assert_eq!(
        launched.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED",
        "{}",
        launched.body
    );

    let mut late = concrete("Sửa sau khi phát động");
    late["targetValue"] = json!("50");
    let updated = app
        .gql(
            Some(&admin),
            "mutation($i: UpdateCriterionInput!) { updateCriterion(input: $i) { criterion { title } userErrors { field code } } }",
            json!({"i": {"id": criterion, "criterion": late}}),
        )
        .await;
    assert_clear(&updated, "updateCriterion");
    assert_eq!(
        updated.user_error_codes("updateCriterion"),
        vec!["NOT_DRAFT"],
        "{}",
        updated.body
    );
    assert!(updated.data()["updateCriterion"]["criterion"].is_null());

    let removed = app
        .gql(
            Some(&admin),
            "mutation($i: RemoveCriterionInput!) { removeCriterion(input: $i) { campaign { id } userErrors { field code } } }",
            json!({"i": {"id": criterion}}),
        )
        .await;
    assert_clear(&removed, "removeCriterion");
    assert_eq!(
        removed.user_error_codes("removeCriterion"),
        vec!["NOT_DRAFT"],
        "{}",
        removed.body
    );
    assert!(removed.data()["removeCriterion"]["campaign"].is_null());

    // The criterion is still there, as it was at launch.
    let after = app
        .ok(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { status criteria { id title targetValue } } }",
            json!({"id": id}),
        )
        .await;
    let criteria = after["campaign"]["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 1, "{after}");
    assert_eq!(criteria[0]["id"], criterion.as_str());
    assert_eq!(criteria[0]["title"], "Tỷ lệ hộ gia đình văn hóa (sửa)");
    assert_eq!(criteria[0]["targetValue"], "90");
}

const MOVE_UNIT: &str = "mutation($i: MoveOrgUnitInput!) { moveOrgUnit(input: $i) { orgUnit { id } userErrors { field code message } } }";
const CREATE_UNIT: &str = "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id code } userErrors { field code message } } }";

async fn unit_cannot_move_under_itself_or_its_own_child(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let parent = app.create_unit(&admin, "HA-LONG", &root).await;
    let child = app.create_unit(&admin, "HONG-GAI", &parent).await;
    let grandchild = app.create_unit(&admin, "HONG-GAI-1", &child).await;

    for target in [&child, &grandchild, &parent] {
        let a = app
            .gql(
                Some(&admin),
                MOVE_UNIT,
                json!({"i": {"id": parent, "parentId": target}}),
            )
            .await;
        assert_clear(&a, "moveOrgUnit");
        assert_eq!(
            a.user_error_codes("moveOrgUnit"),
            vec!["INVALID_PARENT"],
            "{}",
            a.body
        );
        assert_eq!(a.user_error_fields("moveOrgUnit"), vec!["parentId"]);
        assert!(a.data()["moveOrgUnit"]["orgUnit"].is_null());
    }

    // The tree is unchanged.
    let tree = app
        .ok(
            Some(&admin),
            "query($p: ID!, $c: ID!) { p: orgUnit(id: $p) { depth parent { code } } c: orgUnit(id: $c) { depth parent { code } } }",
            json!({"p": parent, "c": child}),
        )
        .await;
    assert_eq!(tree["p"]["parent"]["code"], "QN", "{tree}");
    assert_eq!(tree["p"]["depth"], 1);
    assert_eq!(tree["c"]["parent"]["code"], "HA-LONG");
    assert_eq!(tree["c"]["depth"], 2);

    // A legal move still works: the grandchild moves up under the parent.
    let ok = app
        .gql(
            Some(&admin),
            MOVE_UNIT,
            json!({"i": {"id": grandchild, "parentId": parent}}),
        )
        .await;
    assert!(ok.user_error_codes("moveOrgUnit").is_empty(), "{}", ok.body);
}

async fn duplicate_unit_code_is_refused(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    app.create_unit(&admin, "CAM-PHA", &root).await;
    for code in ["CAM-PHA", "cam-pha", "QN"] {
        let a = app
            .gql(
                Some(&admin),
                CREATE_UNIT,
                json!({"i": {"code": code, "name": "Trùng mã", "kind": "WARD", "parentId": root}}),
            )
            .await;
        assert_clear(&a, "createOrgUnit");
        assert_eq!(
            a.user_error_codes("createOrgUnit"),
            vec!["DUPLICATE"],
            "{code}: {}",
            a.body
        );
        assert_eq!(a.user_error_fields("createOrgUnit"), vec!["code"]);
        assert!(a.data()["createOrgUnit"]["orgUnit"].is_null());
    }
    let unit = app
        .ok(
            Some(&admin),
            "{ orgUnit(code: \"CAM-PHA\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(unit["orgUnit"]["name"], "Đơn vị CAM-PHA");
}

async fn root_unit_cannot_be_deactivated(backend: Backend) {
    let (app, admin, root) = setup(backend).await;
    let a = app
        .gql(
            Some(&admin),
            "mutation($i: DeactivateOrgUnitInput!) { deactivateOrgUnit(input: $i) { orgUnit { isActive } userErrors { field code } } }",
            json!({"i": {"id": root}}),
        )
        .await;
    assert_clear(&a, "deactivateOrgUnit");
    assert_eq!(
        a.user_error_codes("deactivateOrgUnit"),
        vec!["INVALID_TRANSITION"],
        "{}",
        a.body
    );
    assert!(a.data()["deactivateOrgUnit"]["orgUnit"].is_null());
    let still = app
        .ok(
            Some(&admin),
            "{ orgUnit(code: \"QN\") { isActive } }",
            json!({}),
        )
        .await;
    assert_eq!(still["orgUnit"]["isActive"], true);
}

const RECORD_VALUE: &str = "mutation($i: RecordTargetValueInput!) { recordTargetValue(input: $i) { target { code progress { value asOf status note } entries { value asOf sourceNote enteredBy { username } } } userErrors { field code message } } }";
const TARGET_STATE: &str = "{ programme { targets { code progress { value status note } entries { value sourceNote } } } }";

/// The programme's target IDs by code, checking each one's source.
async fn target_id(app: &TestApp, code: &str, source: &str) -> String {
    let d = app
        .ok(
            None,
            "{ programme { targets { id code source } } }",
            json!({}),
        )
        .await;
    let t = d["programme"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no target {code}: {d}"))
        .clone();
    assert_eq!(t["source"], source, "{t}");
    t["id"].as_str().unwrap().to_owned()
}

async fn target_state(app: &TestApp, code: &str) -> Value {
    let d = app.ok(None, TARGET_STATE, json!({})).await;
    d["programme"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no target {code}: {d}"))
        .clone()
}

async fn computed_target_refuses_typed_values(backend: Backend) {
    let (app, admin, _root) = setup(backend).await;
    let id = target_id(&app, "T1-TIEU-CHI", "COMPUTED").await;
    let before = target_state(&app, "T1-TIEU-CHI").await;
    let a = app
        .gql(
            Some(&admin),
            RECORD_VALUE,
            json!({"i": {"targetId": id, "value": "100", "asOf": "2024-12-31", "sourceNote": "Báo cáo tổng kết"}}),
        )
        .await;
    assert_clear(&a, "recordTargetValue");
    assert_eq!(
        a.user_error_codes("recordTargetValue"),
        vec!["INVALID_TRANSITION"],
        "{}",
        a.body
    );
    assert_eq!(a.user_error_fields("recordTargetValue"), vec!["targetId"]);
    assert!(a.data()["recordTargetValue"]["target"].is_null());
    let after = target_state(&app, "T1-TIEU-CHI").await;
    assert_eq!(after, before, "a refused value changed the target");
    assert_eq!(after["entries"], json!([]));
}

async fn manual_target_requires_a_source_note(backend: Backend) {
    let (app, admin, _root) = setup(backend).await;
    let id = target_id(&app, "NQ-DH-XV", "MANUAL").await;
    for note in ["", "   \n "] {
        let a = app
            .gql(
                Some(&admin),
                RECORD_VALUE,
                json!({"i": {"targetId": id, "value": "80", "asOf": "2024-12-31", "sourceNote": note}}),
            )
            .await;
        assert_clear(&a, "recordTargetValue");
        assert_eq!(
            a.user_error_codes("recordTargetValue"),
            vec!["REQUIRED"],
            "note {note:?}: {}",
            a.body
        );
        assert_eq!(a.user_error_fields("recordTargetValue"), vec!["sourceNote"]);
        assert!(a.data()["recordTargetValue"]["target"].is_null());
    }
    let after = target_state(&app, "NQ-DH-XV").await;
    assert_eq!(after["entries"], json!([]), "{after}");
    assert!(after["progress"]["value"].is_null(), "{after}");
    assert_eq!(after["progress"]["status"], "NO_DATA");
}

async fn manual_target_value_updates_progress_and_entries(backend: Backend) {
    let (app, admin, _root) = setup(backend).await;
    let id = target_id(&app, "NQ-DH-XV", "MANUAL").await;
    let note = "Báo cáo tổng kết năm 2024 của UBND tỉnh Quảng Ninh";
    let a = app
        .gql(
            Some(&admin),
            RECORD_VALUE,
            json!({"i": {"targetId": id, "value": "100", "asOf": "2024-12-31", "sourceNote": format!("  {note}  ")}}),
        )
        .await;
    assert_clear(&a, "recordTargetValue");
    assert!(
        a.user_error_codes("recordTargetValue").is_empty(),
        "{}",
        a.body
    );
    let t = &a.data()["recordTargetValue"]["target"];
    assert_eq!(t["code"], "NQ-DH-XV", "{}", a.body);
    assert_eq!(t["progress"]["value"], "100");
    assert_eq!(t["progress"]["asOf"], "2024-12-31");
    assert_eq!(t["progress"]["status"], "ACHIEVED");
    assert_eq!(t["progress"]["note"], note);
    let entries = t["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{t}");
    assert_eq!(entries[0]["value"], "100");
    assert_eq!(entries[0]["sourceNote"], note);
    assert_eq!(entries[0]["enteredBy"]["username"], "admin");

    // A later read (public) sees the same.
    let after = target_state(&app, "NQ-DH-XV").await;
    assert_eq!(after["progress"]["value"], "100", "{after}");
    assert_eq!(after["progress"]["note"], note);
    assert_eq!(after["entries"].as_array().map(Vec::len), Some(1));
}
