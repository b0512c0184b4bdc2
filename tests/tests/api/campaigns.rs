//! The campaign lifecycle and its validation paths.

use serde_json::{Value, json};
use thidua_tests::{Backend, both, concrete, spawn_app, vague};

both!(
    campaign_lifecycle_from_draft_to_closed,
    launch_needs_a_concrete_criterion,
    a_period_aggregation_that_does_not_fit_the_measure_is_refused
);

async fn campaign_lifecycle_from_draft_to_closed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;

    let created = app
        .create_campaign(
            &admin,
            "KLDT-2025",
            &root,
            json!([concrete("Tỷ lệ hộ gia đình văn hóa")]),
        )
        .await;
    let c = &created.data()["createCampaign"]["campaign"];
    assert_eq!(c["status"], "DRAFT", "{}", created.body);
    let id = c["id"].as_str().unwrap().to_owned();

    // Edit the draft: add a criterion, then update the title with the version we read.
    let added = app
        .gql(
            Some(&admin),
            "mutation($i: AddCriterionInput!) { addCriterion(input: $i) { criterion { id title weight } userErrors { code } } }",
            json!({"i": {"campaignId": id, "criterion": {"title": "Số mô hình điển hình", "measure": "COUNT", "unitLabel": "mô hình", "targetValue": "5", "weight": "2.5"}}}),
        )
        .await;
    assert_eq!(
        added.data()["addCriterion"]["criterion"]["weight"],
        "2.5",
        "{}",
        added.body
    );
    let version = app
        .ok(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { version } }",
            json!({"id": id}),
        )
        .await["campaign"]["version"]
        .as_i64()
        .unwrap();
    let updated = app
        .ok(
            Some(&admin),
            "mutation($i: UpdateCampaignInput!) { updateCampaign(input: $i) { campaign { title version } userErrors { code } } }",
            json!({"i": {"id": id, "version": version, "title": "Phong trào Kỷ luật và Đồng tâm"}}),
        )
        .await;
    assert_eq!(
        updated["updateCampaign"]["campaign"]["title"],
        "Phong trào Kỷ luật và Đồng tâm"
    );

    // A stale version is refused with CONFLICT.
    let stale = app
        .gql(
            Some(&admin),
            "mutation($i: UpdateCampaignInput!) { updateCampaign(input: $i) { campaign { title } userErrors { code } } }",
            json!({"i": {"id": id, "version": version, "title": "Lost update"}}),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);

    // Milestones: add and complete.
    let m = app
        .ok(
            Some(&admin),
            "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id status } userErrors { code } } }",
            json!({"i": {"campaignId": id, "kind": "INTERIM_REVIEW", "title": "Sơ kết 6 tháng", "dueDate": "2099-06-30"}}),
        )
        .await;
    assert_eq!(m["addMilestone"]["milestone"]["status"], "UPCOMING");
    let mid = m["addMilestone"]["milestone"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let launched = app.launch(&admin, &id).await;
    assert_eq!(
        launched.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED",
        "{}",
        launched.body
    );

    // Criteria are frozen once launched.
    let frozen = app
        .gql(
            Some(&admin),
            "mutation($i: AddCriterionInput!) { addCriterion(input: $i) { criterion { id } userErrors { field code } } }",
            json!({"i": {"campaignId": id, "criterion": concrete("Late addition")}}),
        )
        .await;
    assert_eq!(
        frozen.user_error_codes("addCriterion"),
        vec!["NOT_DRAFT"],
        "{}",
        frozen.body
    );

    // A unit registers and withdraws.
    let reg = app
        .ok(
            Some(&admin),
            "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { status pledge unit { code } } userErrors { code } } }",
            json!({"i": {"campaignId": id, "unitId": root, "pledge": "Phấn đấu hoàn thành 100% chỉ tiêu"}}),
        )
        .await;
    assert_eq!(
        reg["registerParticipation"]["participation"]["status"],
        "REGISTERED"
    );
    let again = app
        .gql(
            Some(&admin),
            "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { status } userErrors { code } } }",
            json!({"i": {"campaignId": id, "unitId": root}}),
        )
        .await;
    assert_eq!(
        again.user_error_codes("registerParticipation"),
        vec!["ALREADY_REGISTERED"]
    );

    let done = app
        .ok(
            Some(&admin),
            "mutation($i: CompleteMilestoneInput!) { completeMilestone(input: $i) { milestone { status completedBy { username } } userErrors { code } } }",
            json!({"i": {"id": mid, "note": "Đã tổ chức sơ kết"}}),
        )
        .await;
    assert_eq!(done["completeMilestone"]["milestone"]["status"], "DONE");
    assert_eq!(
        done["completeMilestone"]["milestone"]["completedBy"]["username"],
        "admin"
    );

    let closed = app
        .ok(
            Some(&admin),
            "mutation($i: CampaignTransitionInput!) { closeCampaign(input: $i) { campaign { status closedAt participations { status } } userErrors { code } } }",
            json!({"i": {"id": id}}),
        )
        .await;
    assert_eq!(closed["closeCampaign"]["campaign"]["status"], "CLOSED");
    assert!(closed["closeCampaign"]["campaign"]["closedAt"].is_string());

    // A closed campaign cannot be cancelled or relaunched.
    let cancel = app
        .gql(
            Some(&admin),
            "mutation($i: CampaignTransitionInput!) { cancelCampaign(input: $i) { campaign { status } userErrors { code } } }",
            json!({"i": {"id": id}}),
        )
        .await;
    assert_eq!(
        cancel.user_error_codes("cancelCampaign"),
        vec!["INVALID_TRANSITION"]
    );
    let relaunch = app.launch(&admin, &id).await;
    assert_eq!(
        relaunch.user_error_codes("launchCampaign"),
        vec!["INVALID_TRANSITION"]
    );
}

async fn launch_needs_a_concrete_criterion(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let created = app
        .create_campaign(
            &admin,
            "VAGUE-1",
            &root,
            json!([vague("Tích cực tham gia")]),
        )
        .await;
    let id = created.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app.launch(&admin, &id).await;
    assert_eq!(
        refused.user_error_codes("launchCampaign"),
        vec!["NO_CONCRETE_CRITERION"],
        "{}",
        refused.body
    );
    assert!(refused.data()["launchCampaign"]["campaign"].is_null());
    let status = app
        .ok(
            Some(&admin),
            "query($id: ID!) { campaign(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(status["campaign"]["status"], "DRAFT");
}

/// Percentages do not add up and yes/no is not averaged: SUM on a PERCENT and AVERAGE on a
/// YES_NO criterion are AGGREGATION_NOT_ALLOWED on create, add and update, nothing is
/// stored, and a fitting aggregation is stored as sent.
async fn a_period_aggregation_that_does_not_fit_the_measure_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let mut percent_sum = concrete("Tỷ lệ hộ nghèo");
    percent_sum["measure"] = json!("PERCENT");
    percent_sum["periodAggregation"] = json!("SUM");
    let refused = app
        .create_campaign(&admin, "AGG-BAD", &root, json!([percent_sum]))
        .await;
    assert_eq!(
        refused.user_error_codes("createCampaign"),
        vec!["AGGREGATION_NOT_ALLOWED"],
        "{}",
        refused.body
    );
    assert_eq!(
        refused.user_error_fields("createCampaign"),
        vec!["criteria.0.periodAggregation"],
        "{}",
        refused.body
    );
    assert_eq!(refused.data()["createCampaign"]["campaign"], Value::Null);

    let created = app
        .create_campaign(&admin, "AGG-OK", &root, json!([concrete("Số mô hình")]))
        .await;
    let id = created.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let criterion = created.data()["createCampaign"]["campaign"]["criteria"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let add = |c: Value| {
        app.gql(
            Some(&admin),
            "mutation($i: AddCriterionInput!) { addCriterion(input: $i) { criterion { measure periodAggregation } userErrors { field code } } }",
            json!({"i": {"campaignId": id, "criterion": c}}),
        )
    };
    let yes_no = |agg: &str| json!({"title": "Có kế hoạch", "measure": "YES_NO", "unitLabel": "có/không", "targetValue": "1", "weight": "1", "periodAggregation": agg});
    let bad = add(yes_no("AVERAGE")).await;
    assert_eq!(
        bad.data()["addCriterion"],
        json!({"criterion": null, "userErrors": [{"field": "criterion.periodAggregation", "code": "AGGREGATION_NOT_ALLOWED"}]}),
        "{}",
        bad.body
    );
    let good = add(yes_no("MIN")).await;
    assert_eq!(
        good.data()["addCriterion"]["criterion"],
        json!({"measure": "YES_NO", "periodAggregation": "MIN"}),
        "{}",
        good.body
    );
    let update = |agg: &str| {
        app.gql(
            Some(&admin),
            "mutation($i: UpdateCriterionInput!) { updateCriterion(input: $i) { criterion { periodAggregation } userErrors { field code } } }",
            json!({"i": {"id": criterion, "criterion": {"title": "Tỷ lệ", "measure": "PERCENT", "unitLabel": "%", "targetValue": "50", "weight": "1", "periodAggregation": agg}}}),
        )
    };
    let bad = update("SUM").await;
    assert_eq!(
        bad.user_error_codes("updateCriterion"),
        vec!["AGGREGATION_NOT_ALLOWED"],
        "{}",
        bad.body
    );
    let good = update("MAX").await;
    assert_eq!(
        good.data()["updateCriterion"]["criterion"]["periodAggregation"],
        "MAX",
        "{}",
        good.body
    );
}
