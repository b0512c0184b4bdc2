//! The authorisation rule seen from outside: who may change what, on which part of the tree.
//!
//! The tree used here: QN (root) → UNIT-P → {UNIT-A, UNIT-B}: A and B are siblings, P their parent.

use serde_json::{Value, json};
use thidua_tests::{Answer, Backend, PASSWORD, TestApp, both, concrete, spawn_app};

both!(
    reporter_cannot_create_a_campaign,
    manager_of_a_sibling_cannot_update_launch_or_cancel_but_manager_of_the_parent_can,
    manager_creates_campaigns_for_own_unit_only_not_for_parent_or_sibling,
    viewer_reads_campaigns_and_units_but_every_mutation_is_forbidden,
    manager_cannot_create_units_or_read_the_audit_log_but_an_admin_can,
    manager_registers_own_unit_for_a_campaign_but_not_a_sibling,
    a_client_does_exactly_what_its_scopes_allow_inside_its_ward,
    a_client_with_every_scope_on_the_root_never_administers_votes_or_touches_accounts,
);

const UPDATE: &str = "mutation($i: UpdateCampaignInput!) { updateCampaign(input: $i) { campaign { title version } userErrors { code } } }";
const CANCEL: &str = "mutation($i: CampaignTransitionInput!) { cancelCampaign(input: $i) { campaign { status } userErrors { code } } }";
const REGISTER: &str = "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { status unit { code } } userErrors { code } } }";
const CREATE_UNIT: &str = "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id code } userErrors { code field } } }";
const CAMPAIGN_STATE: &str = "query($c: String!) { campaign(code: $c) { id title status version launchingUnit { code } participations { status unit { code } } } }";

struct Tree {
    admin: String,
    root: String,
    p: String,
    a: String,
    b: String,
}

async fn tree(app: &TestApp) -> Tree {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let p = app.create_unit(&admin, "UNIT-P", &root).await;
    let a = app.create_unit(&admin, "UNIT-A", &p).await;
    let b = app.create_unit(&admin, "UNIT-B", &p).await;
    Tree {
        admin,
        root,
        p,
        a,
        b,
    }
}

/// Asserts a request was refused as FORBIDDEN with no payload: the field is null.
fn assert_forbidden(case: &str, answer: &Answer, field: &str) {
    assert_eq!(
        answer.error_code(),
        Some("FORBIDDEN"),
        "{case}: {}",
        answer.body
    );
    assert_eq!(
        answer.body["errors"][0]["path"],
        json!([field]),
        "{case}: {}",
        answer.body
    );
    assert!(answer.data().is_null(), "{case}: {}", answer.body);
}

/// The campaign with `code` as the admin sees it (null when there is none).
async fn campaign_state(app: &TestApp, admin: &str, code: &str) -> Value {
    app.ok(Some(admin), CAMPAIGN_STATE, json!({"c": code}))
        .await["campaign"]
        .clone()
}

/// Creates (as the admin) a draft campaign with one concrete criterion launched by `unit`.
async fn draft(app: &TestApp, admin: &str, code: &str, unit: &str) -> String {
    let created = app
        .create_campaign(admin, code, unit, json!([concrete("Tỷ lệ hộ đạt chuẩn")]))
        .await;
    created.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createCampaign: {}", created.body))
        .to_owned()
}

async fn reporter_cannot_create_a_campaign(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let reporter = app
        .user_with_role(&admin, "reporter", "REPORTER", &root)
        .await;

    let refused = app
        .create_campaign(
            &reporter,
            "REPORTER-1",
            &root,
            json!([concrete("Chỉ tiêu")]),
        )
        .await;
    assert_forbidden("reporter creates", &refused, "createCampaign");
    assert!(campaign_state(&app, &admin, "REPORTER-1").await.is_null());

    // The reporter can still read (the role is a reader, not a nobody).
    let read = app
        .gql(
            Some(&reporter),
            "{ campaigns(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(read.body["errors"].is_null(), "{}", read.body);
    assert_eq!(read.data()["campaigns"]["edges"], json!([]));
}

async fn manager_of_a_sibling_cannot_update_launch_or_cancel_but_manager_of_the_parent_can(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let t = tree(&app).await;
    let id = draft(&app, &t.admin, "OF-B", &t.b).await;
    let manager_a = app
        .user_with_role(&t.admin, "manager.a", "MANAGER", &t.a)
        .await;
    let manager_p = app
        .user_with_role(&t.admin, "manager.p", "MANAGER", &t.p)
        .await;
    let before = campaign_state(&app, &t.admin, "OF-B").await;
    assert_eq!(before["status"], "DRAFT");
    assert_eq!(before["version"], 1);

    // The manager of sibling A touches nothing of B's campaign.
    let update = app
        .gql(
            Some(&manager_a),
            UPDATE,
            json!({"i": {"id": id, "version": 1, "title": "Taken over by A"}}),
        )
        .await;
    assert_forbidden("sibling updates", &update, "updateCampaign");
    let launch = app.launch(&manager_a, &id).await;
    assert_forbidden("sibling launches", &launch, "launchCampaign");
    let cancel = app
        .gql(Some(&manager_a), CANCEL, json!({"i": {"id": id}}))
        .await;
    assert_forbidden("sibling cancels draft", &cancel, "cancelCampaign");
    assert_eq!(
        campaign_state(&app, &t.admin, "OF-B").await,
        before,
        "a refused change left a trace"
    );

    // The manager of the common parent P may.
    let updated = app
        .ok(
            Some(&manager_p),
            UPDATE,
            json!({"i": {"id": id, "version": 1, "title": "Edited by P"}}),
        )
        .await;
    assert_eq!(
        updated["updateCampaign"]["campaign"]["title"], "Edited by P",
        "{updated}"
    );
    assert_eq!(updated["updateCampaign"]["campaign"]["version"], 2);
    let launched = app.launch(&manager_p, &id).await;
    assert!(launched.body["errors"].is_null(), "{}", launched.body);
    assert_eq!(
        launched.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED",
        "{}",
        launched.body
    );

    // Once launched, the sibling still cannot cancel; the parent can.
    let cancel = app
        .gql(Some(&manager_a), CANCEL, json!({"i": {"id": id}}))
        .await;
    assert_forbidden("sibling cancels launched", &cancel, "cancelCampaign");
    assert_eq!(
        campaign_state(&app, &t.admin, "OF-B").await["status"],
        "LAUNCHED"
    );
    let cancelled = app
        .ok(
            Some(&manager_p),
            CANCEL,
            json!({"i": {"id": id, "reason": "Gộp vào phong trào khác"}}),
        )
        .await;
    assert_eq!(
        cancelled["cancelCampaign"]["campaign"]["status"], "CANCELLED",
        "{cancelled}"
    );
}

async fn manager_creates_campaigns_for_own_unit_only_not_for_parent_or_sibling(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = tree(&app).await;
    let manager_a = app
        .user_with_role(&t.admin, "manager.a", "MANAGER", &t.a)
        .await;

    let own = app
        .create_campaign(&manager_a, "OWN-A", &t.a, json!([concrete("Chỉ tiêu")]))
        .await;
    assert!(own.body["errors"].is_null(), "{}", own.body);
    assert_eq!(own.user_error_codes("createCampaign"), Vec::<String>::new());
    assert_eq!(
        own.data()["createCampaign"]["campaign"]["status"],
        "DRAFT",
        "{}",
        own.body
    );
    assert_eq!(
        campaign_state(&app, &t.admin, "OWN-A").await["launchingUnit"]["code"],
        "UNIT-A"
    );

    for (case, code, unit) in [
        ("launched by the parent", "BY-PARENT", &t.p),
        ("launched by the sibling", "BY-SIBLING", &t.b),
        ("launched by the root", "BY-ROOT", &t.root),
    ] {
        let refused = app
            .create_campaign(&manager_a, code, unit, json!([concrete("Chỉ tiêu")]))
            .await;
        assert_forbidden(case, &refused, "createCampaign");
        assert!(
            campaign_state(&app, &t.admin, code).await.is_null(),
            "{case}: the campaign was created anyway"
        );
    }
}

async fn viewer_reads_campaigns_and_units_but_every_mutation_is_forbidden(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let id = draft(&app, &admin, "SEEN", &root).await;
    let launched = app.launch(&admin, &id).await;
    assert_eq!(
        launched.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED",
        "{}",
        launched.body
    );
    let viewer = app.user_with_role(&admin, "viewer", "VIEWER", &root).await;
    let viewer_id = app
        .ok(Some(&viewer), "{ me { user { id } } }", json!({}))
        .await["me"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Reads work.
    let read = app
        .ok(
            Some(&viewer),
            "{ campaigns(first: 10) { edges { node { id code status } } } orgUnits(first: 10) { edges { node { code } } } orgUnit(code: \"QN\") { id } campaign(code: \"SEEN\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        read["campaigns"]["edges"],
        json!([{"node": {"id": id, "code": "SEEN", "status": "LAUNCHED"}}])
    );
    assert_eq!(read["orgUnits"]["edges"], json!([{"node": {"code": "QN"}}]));
    assert_eq!(read["orgUnit"]["id"], root);
    assert_eq!(read["campaign"]["id"], id);

    let targets = app
        .ok(
            None,
            "{ targets { id source entries { value } } }",
            json!({}),
        )
        .await;
    let target = targets["targets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["source"] == "MANUAL"))
        .unwrap_or_else(|| panic!("no MANUAL target: {targets}"))
        .clone();
    let target_id = target["id"].as_str().unwrap().to_owned();

    // Every mutation is refused.
    let programme = app.programme_id().await;
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "createCampaign",
            thidua_tests::CREATE_CAMPAIGN,
            json!({"i": {
                "code": "BY-VIEWER", "title": "Phong trào của người xem", "kind": "THEMATIC",
                "programmeId": programme, "launchingUnitId": root,
                "startDate": "2025-01-01", "endDate": "2025-12-31", "criteria": [concrete("Chỉ tiêu")],
            }}),
        ),
        (
            "createOrgUnit",
            CREATE_UNIT,
            json!({"i": {"code": "VIEWER-UNIT", "name": "Đơn vị lạ", "kind": "WARD", "parentId": root}}),
        ),
        (
            "registerParticipation",
            REGISTER,
            json!({"i": {"campaignId": id, "unitId": root, "pledge": "Không được phép"}}),
        ),
        (
            "recordTargetValue",
            "mutation($i: RecordTargetValueInput!) { recordTargetValue(input: $i) { target { id } userErrors { code } } }",
            json!({"i": {"targetId": target_id, "value": "1", "asOf": "2025-01-01", "sourceNote": "Báo cáo giả"}}),
        ),
        (
            "grantRole",
            "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } userErrors { code } } }",
            json!({"i": {"userId": viewer_id, "role": "ADMIN", "unitId": root}}),
        ),
        (
            "createUser",
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }",
            json!({"i": {"username": "made.by.viewer", "displayName": "Made by viewer", "password": PASSWORD}}),
        ),
    ];
    for (field, query, vars) in cases {
        let a = app.gql(Some(&viewer), query, vars).await;
        assert_forbidden(field, &a, field);
    }

    // And nothing changed.
    assert!(campaign_state(&app, &admin, "BY-VIEWER").await.is_null());
    assert_eq!(
        campaign_state(&app, &admin, "SEEN").await["participations"],
        json!([])
    );
    let unit = app
        .ok(
            Some(&admin),
            "{ orgUnit(code: \"VIEWER-UNIT\") { id } }",
            json!({}),
        )
        .await;
    assert!(unit["orgUnit"].is_null(), "{unit}");
    let after = app
        .ok(
            None,
            "{ targets { id source entries { value } } }",
            json!({}),
        )
        .await;
    assert_eq!(after, targets, "a target value was recorded");
    let me = app
        .ok(
            Some(&viewer),
            "{ me { grants { role unit { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["me"]["grants"],
        json!([{"role": "VIEWER", "unit": {"code": "QN"}}])
    );
    let login = app
        .gql(
            None,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            json!({"i": {"username": "made.by.viewer", "password": PASSWORD}}),
        )
        .await;
    assert_eq!(
        login.error_code(),
        Some("UNAUTHENTICATED"),
        "{}",
        login.body
    );
}

async fn manager_cannot_create_units_or_read_the_audit_log_but_an_admin_can(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = tree(&app).await;
    // Managing the whole province still does not cover the tree or the audit trail.
    let manager = app
        .user_with_role(&t.admin, "manager.root", "MANAGER", &t.root)
        .await;
    const AUDIT: &str = "{ auditLog(first: 5) { edges { node { id } } } }";

    let refused = app
        .gql(
            Some(&manager),
            CREATE_UNIT,
            json!({"i": {"code": "BY-MANAGER", "name": "Đơn vị mới", "kind": "WARD", "parentId": t.a}}),
        )
        .await;
    assert_forbidden("manager creates a unit", &refused, "createOrgUnit");
    let audit = app.gql(Some(&manager), AUDIT, json!({})).await;
    assert_forbidden("manager reads the audit log", &audit, "auditLog");

    // An admin of a subtree is not an admin of the province: no audit log either.
    let admin_p = app.user_with_role(&t.admin, "admin.p", "ADMIN", &t.p).await;
    let audit = app.gql(Some(&admin_p), AUDIT, json!({})).await;
    assert_forbidden("subtree admin reads the audit log", &audit, "auditLog");

    let lookup = "{ orgUnit(code: \"BY-MANAGER\") { id } }";
    assert!(
        app.ok(Some(&t.admin), lookup, json!({})).await["orgUnit"].is_null(),
        "the refused unit was created"
    );

    // The province's admin can do both.
    let created = app
        .ok(
            Some(&t.admin),
            CREATE_UNIT,
            json!({"i": {"code": "BY-ADMIN", "name": "Đơn vị mới", "kind": "WARD", "parentId": t.a}}),
        )
        .await;
    assert_eq!(
        created["createOrgUnit"]["orgUnit"]["code"], "BY-ADMIN",
        "{created}"
    );
    let audit = app.ok(Some(&t.admin), AUDIT, json!({})).await;
    let edges = audit["auditLog"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty(), "{audit}");
    assert!(edges.iter().all(|e| e["node"]["id"].is_string()), "{audit}");
}

async fn manager_registers_own_unit_for_a_campaign_but_not_a_sibling(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = tree(&app).await;
    let id = draft(&app, &t.admin, "OPEN-TO-ALL", &t.root).await;
    let launched = app.launch(&t.admin, &id).await;
    assert_eq!(
        launched.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED",
        "{}",
        launched.body
    );
    let manager_a = app
        .user_with_role(&t.admin, "manager.a", "MANAGER", &t.a)
        .await;

    let own = app
        .ok(
            Some(&manager_a),
            REGISTER,
            json!({"i": {"campaignId": id, "unitId": t.a, "pledge": "Hoàn thành 100% chỉ tiêu"}}),
        )
        .await;
    assert_eq!(
        own["registerParticipation"]["participation"],
        json!({"status": "REGISTERED", "unit": {"code": "UNIT-A"}}),
        "{own}"
    );

    let sibling = app
        .gql(
            Some(&manager_a),
            REGISTER,
            json!({"i": {"campaignId": id, "unitId": t.b}}),
        )
        .await;
    assert_forbidden("register the sibling", &sibling, "registerParticipation");
    let parent = app
        .gql(
            Some(&manager_a),
            REGISTER,
            json!({"i": {"campaignId": id, "unitId": t.p}}),
        )
        .await;
    assert_forbidden("register the parent", &parent, "registerParticipation");

    assert_eq!(
        campaign_state(&app, &t.admin, "OPEN-TO-ALL").await["participations"],
        json!([{"status": "REGISTERED", "unit": {"code": "UNIT-A"}}])
    );
}

/// What a machine client on ward A may reach, probed over HTTP: for each scope alone, the
/// reads and the one write it allows, inside the ward and nowhere else.
struct ClientProbe {
    reports: Option<i64>,
    report_a: bool,
    report_b: bool,
    /// Ward A's report through `node(id:)`.
    node_a: bool,
    campaigns: Option<Vec<String>>,
    commendations: bool,
    targets: bool,
    export_reports: u16,
    export_commendations: u16,
    submit_a: String,
    submit_b: String,
}

async fn probe(
    app: &TestApp,
    f: &crate::reports::Field,
    token: &str,
    report_a: &str,
    report_b: &str,
    month: u32,
) -> ClientProbe {
    let ok_or_forbidden = |a: &Answer, field: &str| -> Option<Value> {
        match a.error_code() {
            None => Some(a.data()[field].clone()),
            Some("FORBIDDEN") => None,
            other => panic!("{field}: {other:?} {}", a.body),
        }
    };
    let reports = app
        .gql(
            Some(token),
            "{ reports(first: 50) { totalCount } }",
            json!({}),
        )
        .await;
    let reports = ok_or_forbidden(&reports, "reports").map(|v| v["totalCount"].as_i64().unwrap());
    let one = "query($id: ID!) { report(id: $id) { id } }";
    let read = |a: Answer| a.error_code().is_none() && !a.data()["report"].is_null();
    let node = app
        .gql(
            Some(token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": report_a}),
        )
        .await;
    let node_a = node.error_code().is_none() && !node.data()["node"].is_null();
    let report_a = read(app.gql(Some(token), one, json!({"id": report_a})).await);
    let report_b = read(app.gql(Some(token), one, json!({"id": report_b})).await);
    let campaigns = app
        .gql(
            Some(token),
            "{ campaigns(first: 50) { edges { node { code } } } }",
            json!({}),
        )
        .await;
    let campaigns = ok_or_forbidden(&campaigns, "campaigns").map(|v| {
        v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
            .collect()
    });
    let commendations = app
        .gql(Some(token), "{ commendations { totalCount } }", json!({}))
        .await;
    let commendations = ok_or_forbidden(&commendations, "commendations").is_some();
    let targets = app
        .gql(Some(token), "{ targets { code } }", json!({}))
        .await;
    let targets = ok_or_forbidden(&targets, "targets").is_some();
    // The same targets under the programme agree.
    let nested = app
        .gql(Some(token), "{ programme { targets { code } } }", json!({}))
        .await;
    assert_eq!(
        ok_or_forbidden(&nested, "programme").is_some(),
        targets,
        "{}",
        nested.body
    );
    let export = |path: &'static str| async move {
        app.client
            .get(app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let export_reports = export("/exports/reports.csv").await;
    let export_commendations = export("/exports/commendations.csv").await;
    let outcome = |p: Value| -> String {
        match p["results"][0]["status"].as_str().unwrap() {
            "ACCEPTED" => "ACCEPTED".into(),
            _ => p["results"][0]["userErrors"][0]["code"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    };
    let submit = |unit: String| async move {
        let r = f.report(uuid::Uuid::now_v7(), &unit, month);
        outcome(crate::reports::submit(app, token, vec![r]).await)
    };
    let submit_a = submit(f.ward_a.clone()).await;
    let submit_b = submit(f.ward_b.clone()).await;
    ClientProbe {
        reports,
        report_a,
        report_b,
        node_a,
        campaigns,
        commendations,
        targets,
        export_reports,
        export_commendations,
        submit_a,
        submit_b,
    }
}

/// Two wards with a report each, and a draft campaign launched by each ward (the
/// province's own campaign, launched at the root, is outside either ward).
async fn two_wards(app: &TestApp) -> (crate::reports::Field, String, String) {
    let f = crate::reports::field(app).await;
    let a = crate::reports::submit(
        app,
        &f.reporter,
        vec![f.report(uuid::Uuid::now_v7(), &f.ward_a, 1)],
    )
    .await;
    let b = crate::reports::submit(
        app,
        &f.admin,
        vec![f.report(uuid::Uuid::now_v7(), &f.ward_b, 1)],
    )
    .await;
    let id = |p: &Value| p["results"][0]["report"]["id"].as_str().unwrap().to_owned();
    let (report_a, report_b) = (id(&a), id(&b));
    draft(app, &f.admin, "OWN-A", &f.ward_a).await;
    draft(app, &f.admin, "OWN-B", &f.ward_b).await;
    (f, report_a, report_b)
}

async fn a_client_does_exactly_what_its_scopes_allow_inside_its_ward(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report_a, report_b) = two_wards(&app).await;
    let scopes = [
        "targets:read",
        "campaigns:read",
        "reports:read",
        "reports:write",
        "commendations:read",
        "exports:read",
        "webhooks:manage",
    ];
    for (i, scope) in scopes.into_iter().enumerate() {
        let name = format!("ward-a-{}", scope.replace(':', "-"));
        let c = crate::api_clients::create_client(&app, &f.admin, &name, &f.ward_a, &[scope]).await;
        let token = crate::api_clients::client_token(&app, &c).await;
        let month = u32::try_from(i).unwrap() + 2;
        let got = probe(&app, &f, &token, &report_a, &report_b, month).await;
        let has = |s: &str| s == scope;
        // Reports: the ward's one, never ward B's.
        assert_eq!(
            got.reports,
            has("reports:read").then_some(1),
            "{scope}: reports"
        );
        assert_eq!(got.report_a, has("reports:read"), "{scope}: report of A");
        assert!(!got.report_b, "{scope}: report of B");
        assert_eq!(
            got.node_a,
            has("reports:read"),
            "{scope}: node of A's report"
        );
        // Campaigns: those launched in the ward, not the province's nor ward B's.
        assert_eq!(
            got.campaigns,
            has("campaigns:read").then(|| vec!["OWN-A".to_owned()]),
            "{scope}: campaigns"
        );
        assert_eq!(
            got.commendations,
            has("commendations:read"),
            "{scope}: commendations"
        );
        assert_eq!(got.targets, has("targets:read"), "{scope}: targets");
        let export = if has("exports:read") { 200 } else { 403 };
        assert_eq!(got.export_reports, export, "{scope}: reports export");
        assert_eq!(
            got.export_commendations, 403,
            "{scope}: commendations export"
        );
        let submit = if has("reports:write") {
            "ACCEPTED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(got.submit_a, submit, "{scope}: submit in A");
        assert_eq!(got.submit_b, "FORBIDDEN", "{scope}: submit in B");
    }
    // The reports export of an exports:read client holds ward A's rows only.
    let c = crate::api_clients::create_client(
        &app,
        &f.admin,
        "ward-a-exports",
        &f.ward_a,
        &["exports:read"],
    )
    .await;
    let token = crate::api_clients::client_token(&app, &c).await;
    let csv = app
        .client
        .get(app.url("/exports/reports.csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("WARD-A"), "{csv}");
    assert!(!csv.contains("WARD-B"), "{csv}");
}

async fn a_client_with_every_scope_on_the_root_never_administers_votes_or_touches_accounts(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (f, report_a, _) = two_wards(&app).await;
    let root = app.root_unit(&f.admin).await;
    let all = [
        "targets:read",
        "campaigns:read",
        "reports:read",
        "reports:write",
        "commendations:read",
        "exports:read",
        "webhooks:manage",
    ];
    let c = crate::api_clients::create_client(&app, &f.admin, "everything", &root, &all).await;
    let token = crate::api_clients::client_token(&app, &c).await;
    // It reads and submits everywhere under the root…
    let got = probe(&app, &f, &token, &report_a, &report_a, 9).await;
    assert_eq!(got.reports, Some(2));
    assert_eq!(
        (got.submit_a.as_str(), got.submit_b.as_str()),
        ("ACCEPTED", "ACCEPTED")
    );
    // …and nothing else: administration, council work, reviews, its "account".
    let people = json!([{"name": "Ủy viên 1"}]);
    let refused: Vec<(&str, &str, Value, &str)> = vec![
        (
            "create a unit",
            CREATE_UNIT,
            json!({"i": {"code": "X-1", "name": "X", "kind": "WARD", "parentId": root}}),
            "createOrgUnit",
        ),
        (
            "create a user",
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            json!({"i": {"username": "bot.user", "displayName": "Bot", "password": PASSWORD, "unitId": f.ward_a}}),
            "createUser",
        ),
        (
            "create a campaign",
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { campaign { id } } }",
            json!({"i": {"code": "BOT-1", "title": "Bot", "kind": "REGULAR", "launchingUnitId": f.ward_a, "startDate": "2026-01-01", "endDate": "2026-12-31", "criteria": [concrete("Chỉ tiêu")]}}),
            "createCampaign",
        ),
        (
            "approve a report",
            "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { id } } }",
            json!({"i": {"id": report_a}}),
            "approveReport",
        ),
        (
            "hold a council session",
            "mutation($i: CreateCouncilSessionInput!) { createCouncilSession(input: $i) { session { id } } }",
            json!({"i": {"unitId": f.ward_a, "title": "Phiên họp", "heldOn": "2026-11-20", "members": people}}),
            "createCouncilSession",
        ),
        (
            "register a client",
            crate::api_clients::CREATE,
            json!({"i": {"name": "child-bot", "ownerUnitId": f.ward_a, "scopes": ["reports:read"]}}),
            "createApiClient",
        ),
        (
            "read the audit trail",
            "{ auditLog { totalCount } }",
            json!({}),
            "auditLog",
        ),
        (
            "read units (a person's read)",
            "{ orgUnits { totalCount } }",
            json!({}),
            "orgUnits",
        ),
        ("me", "{ me { user { id } } }", json!({}), "me"),
        (
            "logout",
            "mutation { logout { sessionId } }",
            json!({}),
            "logout",
        ),
        (
            "change a password",
            "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { userErrors { code } } }",
            json!({"i": {"currentPassword": "x", "newPassword": "a-long-enough-new-password"}}),
            "changePassword",
        ),
        (
            "mint an export link",
            "mutation($i: CreateExportLinkInput!) { createExportLink(input: $i) { url } }",
            json!({"i": {"path": "/exports/reports.csv", "query": ""}}),
            "createExportLink",
        ),
    ];
    for (case, q, v, field) in refused {
        let a = app.gql(Some(&token), q, v).await;
        assert_forbidden(case, &a, field);
    }
}
