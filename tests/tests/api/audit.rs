//! Every successful mutation leaves exactly one audit row in its own transaction; a
//! refused one leaves none.

use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, concrete, spawn_app, vague};

both!(
    a_launch_leaves_one_audit_row_with_user_and_request_id,
    refused_mutations_leave_no_audit_row,
    the_audit_log_filters_by_kind_and_an_unknown_kind_matches_nothing,
    an_audit_action_this_service_never_writes_is_an_internal_error
);

async fn with_request_id(
    app: &TestApp,
    token: &str,
    request_id: &str,
    query: &str,
    variables: Value,
) -> Value {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("x-request-id", request_id)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], request_id);
    resp.json().await.unwrap()
}

async fn audit_rows(app: &TestApp, admin: &str, request_id: &str) -> Vec<Value> {
    let d = app
        .ok(
            Some(admin),
            "query($r: String) { auditLog(filter: {requestId: $r}) { edges { node { entity entityId action actorLabel \
             actor { username } requestId summary at } } } }",
            json!({"r": request_id}),
        )
        .await;
    d["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

const LAUNCH: &str = "mutation($i: CampaignTransitionInput!) { launchCampaign(input: $i) { campaign { id } userErrors { code } } }";

async fn a_launch_leaves_one_audit_row_with_user_and_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let manager = app
        .user_with_role(&admin, "quan.ly", "MANAGER", &root)
        .await;
    let c = app
        .create_campaign(&manager, "AUD-1", &root, json!([concrete("c")]))
        .await;
    let id = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = with_request_id(
        &app,
        &manager,
        "launch-req-0001",
        LAUNCH,
        json!({"i": {"id": id}}),
    )
    .await;
    assert_eq!(
        body["data"]["launchCampaign"]["campaign"]["id"],
        id.as_str()
    );

    let rows = audit_rows(&app, &admin, "launch-req-0001").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r["entity"], "Campaign");
    assert_eq!(r["entityId"], id.as_str());
    assert_eq!(r["action"], "launch");
    assert_eq!(r["actorLabel"], "quan.ly");
    assert_eq!(r["actor"]["username"], "quan.ly");
    assert_eq!(r["requestId"], "launch-req-0001");
    assert!(r["summary"].as_str().unwrap().contains("AUD-1"));
}

async fn refused_mutations_leave_no_audit_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let viewer = app
        .user_with_role(&admin, "nguoi.xem", "VIEWER", &root)
        .await;
    let c = app
        .create_campaign(&admin, "AUD-2", &root, json!([vague("v")]))
        .await;
    let id = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A user error (no concrete criterion) and a permission error.
    let body = with_request_id(&app, &admin, "refused-1", LAUNCH, json!({"i": {"id": id}})).await;
    assert_eq!(
        body["data"]["launchCampaign"]["userErrors"][0]["code"],
        "NO_CONCRETE_CRITERION"
    );
    let body = with_request_id(&app, &viewer, "refused-2", LAUNCH, json!({"i": {"id": id}})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // A unique violation discovered by the database, after earlier writes in the transaction.
    let body = with_request_id(
        &app,
        &admin,
        "refused-3",
        thidua_tests::CREATE_CAMPAIGN,
        json!({"i": {"code": "AUD-2", "title": "Trùng mã", "kind": "REGULAR", "launchingUnitId": root,
            "startDate": "2025-01-01", "endDate": "2025-02-01"}}),
    )
    .await;
    assert_eq!(
        body["data"]["createCampaign"]["userErrors"][0]["code"],
        "DUPLICATE"
    );

    for r in ["refused-1", "refused-2", "refused-3"] {
        assert!(
            audit_rows(&app, &admin, r).await.is_empty(),
            "{r} left an audit row"
        );
    }
}

const BY_KIND: &str =
    "query($e: String) { auditLog(filter: {entity: $e}) { edges { node { entity action } } } }";

/// Launches a campaign (two audit rows: create and launch), as the admin.
async fn launched_campaign(app: &TestApp, admin: &str, code: &str) {
    let root = app.root_unit(admin).await;
    let c = app
        .create_campaign(admin, code, &root, json!([concrete("c")]))
        .await;
    let id = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(app.launch(admin, &id).await.data()["launchCampaign"]["campaign"].is_object());
}

/// The kind filter is a closed set now: a known kind finds its rows, a name no writer
/// uses finds none (as before, when it was compared as text), and neither is an error.
async fn the_audit_log_filters_by_kind_and_an_unknown_kind_matches_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    launched_campaign(&app, &admin, "AUD-3").await;

    let d = app
        .ok(Some(&admin), BY_KIND, json!({"e": "Campaign"}))
        .await;
    let actions: Vec<&str> = d["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|e| assert_eq!(e["node"]["entity"], "Campaign"))
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["launch", "create"]);

    for unknown in ["campaign", "Campaigns", "NoSuchKind"] {
        let d = app.ok(Some(&admin), BY_KIND, json!({"e": unknown})).await;
        assert_eq!(d["auditLog"]["edges"], json!([]), "{unknown}");
    }
}

/// A stored action outside the closed set (a hand edit, a row from a future version) is
/// refused when read: INTERNAL, never passed on as text no client expects.
async fn an_audit_action_this_service_never_writes_is_an_internal_error(backend: Backend) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use thidua_persistence::entities::audit_entry;

    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    launched_campaign(&app, &admin, "AUD-4").await;
    let res = audit_entry::Entity::update_many()
        .col_expr(audit_entry::Column::Action, Expr::val("archive"))
        .filter(audit_entry::Column::Action.eq("launch"))
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 1);

    let read = app
        .gql(Some(&admin), BY_KIND, json!({"e": "Campaign"}))
        .await;
    assert_eq!(read.error_code(), Some("INTERNAL"), "{}", read.body);
}
