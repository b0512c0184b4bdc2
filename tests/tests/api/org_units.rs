//! The org-unit tree: children, ancestors, subtrees, moves and deactivation.

use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app};

both!(
    tree_queries_follow_moves_and_deactivation,
    the_province_keeps_one_root,
    a_succession_carries_people_and_honours_over
);

fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn unit(app: &TestApp, token: &str, id: &str) -> Value {
    let d = app
        .ok(
            Some(token),
            "query($id: ID!) { node(id: $id) { ... on OrgUnit { code isActive depth parent { code } children { code } ancestors { code } \
             subtree(first: 50) { edges { node { code } } } } } }",
            json!({"id": id}),
        )
        .await;
    d["node"].clone()
}

fn subtree(u: &Value) -> Vec<String> {
    u["subtree"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn tree_queries_follow_moves_and_deactivation(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "T-A", &root).await;
    let b = app.create_unit(&admin, "T-B", &root).await;
    let a1 = app.create_unit(&admin, "T-A1", &a).await;
    let a1x = app.create_unit(&admin, "T-A1X", &a1).await;

    let r = unit(&app, &admin, &root).await;
    assert_eq!(codes_sorted(&r["children"]), vec!["T-A", "T-B"]);
    let x = unit(&app, &admin, &a1x).await;
    assert_eq!(codes(&x["ancestors"]), vec!["QN", "T-A", "T-A1"]);
    assert_eq!(x["depth"], 3);
    assert_eq!(
        subtree(&unit(&app, &admin, &a).await),
        vec!["T-A", "T-A1", "T-A1X"]
    );

    // Move A1 (with its child) under B: paths of the whole subtree follow.
    let moved = app
        .ok(
            Some(&admin),
            "mutation($i: MoveOrgUnitInput!) { moveOrgUnit(input: $i) { orgUnit { code parent { code } } userErrors { code } } }",
            json!({"i": {"id": a1, "parentId": b}}),
        )
        .await;
    assert_eq!(moved["moveOrgUnit"]["orgUnit"]["parent"]["code"], "T-B");
    let x = unit(&app, &admin, &a1x).await;
    assert_eq!(codes(&x["ancestors"]), vec!["QN", "T-B", "T-A1"]);
    assert_eq!(x["depth"], 3);
    assert_eq!(subtree(&unit(&app, &admin, &a).await), vec!["T-A"]);
    assert_eq!(
        subtree(&unit(&app, &admin, &b).await),
        vec!["T-B", "T-A1", "T-A1X"]
    );

    // Deactivate B: it and its subtree stay readable but inactive, and drop out of lists.
    let d = app
        .ok(
            Some(&admin),
            "mutation($i: DeactivateOrgUnitInput!) { deactivateOrgUnit(input: $i) { orgUnit { isActive } userErrors { code } } }",
            json!({"i": {"id": b}}),
        )
        .await;
    assert_eq!(d["deactivateOrgUnit"]["orgUnit"]["isActive"], false);
    assert_eq!(unit(&app, &admin, &a1x).await["isActive"], false);
    assert_eq!(
        codes_sorted(&unit(&app, &admin, &root).await["children"]),
        vec!["T-A"]
    );
    let listed = app
        .ok(Some(&admin), "query($f: OrgUnitFilter) { orgUnits(filter: $f, first: 50) { edges { node { code } } } }", json!({"f": {"subtreeOf": b}}))
        .await;
    assert!(listed["orgUnits"]["edges"].as_array().unwrap().is_empty());
    let all = app
        .ok(
            Some(&admin),
            "query($f: OrgUnitFilter) { orgUnits(filter: $f, first: 50) { edges { node { code } } } }",
            json!({"f": {"subtreeOf": b, "includeInactive": true}}),
        )
        .await;
    assert_eq!(all["orgUnits"]["edges"].as_array().unwrap().len(), 3);

    // A deactivated unit cannot launch new campaigns.
    let c = app
        .create_campaign(&admin, "ON-INACTIVE", &b, json!([]))
        .await;
    assert_eq!(c.user_error_codes("createCampaign"), vec!["INACTIVE"]);
}

fn codes_sorted(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c
}

/// A unit without a parent would be a second root: province-wide rights are held on the
/// root, so it would lock every administrator out of the audit log, the award catalogue
/// and grants on it. It is refused with `SECOND_ROOT`, and the province stays usable.
async fn the_province_keeps_one_root(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let create = "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } userErrors { field code } } }";
    let unit = json!({"i": {"code": "QN-2", "name": "Tỉnh thứ hai", "kind": "PROVINCE"}});

    let refused = app.gql(Some(&admin), create, unit.clone()).await;
    assert!(refused.body["errors"].is_null(), "{}", refused.body);
    assert_eq!(refused.user_error_codes("createOrgUnit"), ["SECOND_ROOT"]);
    assert_eq!(refused.user_error_fields("createOrgUnit"), ["parentId"]);
    assert!(refused.data()["createOrgUnit"]["orgUnit"].is_null());
    let explicit_null = json!({"i": {"code": "QN-2", "name": "Tỉnh thứ hai", "kind": "PROVINCE", "parentId": null}});
    let refused = app.gql(Some(&admin), create, explicit_null).await;
    assert_eq!(refused.user_error_codes("createOrgUnit"), ["SECOND_ROOT"]);
    let d = app
        .ok(
            Some(&admin),
            "{ orgUnit(code: \"QN-2\") { id } }",
            json!({}),
        )
        .await;
    assert!(d["orgUnit"].is_null(), "no unit was stored: {d}");

    // Someone without province-wide rights is refused before the rule is even reached.
    let manager = app
        .user_with_role(&admin, "quan.ly", "MANAGER", &root)
        .await;
    let r = app.gql(Some(&manager), create, unit).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);

    // Province-wide work still works for the administrator.
    app.ok(
        Some(&admin),
        "{ auditLog(first: 1) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let child = app.create_unit(&admin, "QN-CON", &root).await;
    assert!(!child.is_empty());
}

const SUCCEED: &str = "mutation($i: RecordUnitSuccessionInput!) { recordUnitSuccession(input: $i) { orgUnit { id isActive succeededOn successor { id } } userErrors { field code } } }";

/// The 2025 merger: commune C1 and C2 become ward W. The old communes stay (inactive),
/// their people move to W with a history row, and W's subtree shows their honours.
async fn a_succession_carries_people_and_honours_over(backend: Backend) {
    use thidua_tests::commendations::{award, nominate, person};
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let c1 = app.create_unit(&admin, "XA-C1", &root).await;
    let village = app.create_unit(&admin, "THON-C1", &c1).await;
    let c2 = app.create_unit(&admin, "XA-C2", &root).await;
    let w = app.create_unit(&admin, "PHUONG-W", &root).await;
    let manager = app.user_with_role(&admin, "ql-w", "MANAGER", &w).await;
    let lan = person(&app, &admin, "Vũ Thị Lan", &village).await;
    let lđtt = award(&app, &admin, "LAO-DONG-TIEN-TIEN").await;
    let n = nominate(
        &app,
        &admin,
        json!({"awardTypeId": lđtt, "kind": "CONG_TRANG", "nominatingUnitId": c1, "awardYear": 2024,
               "recipient": {"personId": lan}}),
    )
    .await;
    let honour = n["commendation"]["id"].as_str().unwrap().to_owned();

    let r = app
        .gql(
            Some(&manager),
            SUCCEED,
            json!({"i": {"id": c1, "successorId": w, "on": "2025-07-01"}}),
        )
        .await;
    assert_eq!(
        r.error_code(),
        Some("FORBIDDEN"),
        "administrators record reorganisations"
    );
    for (old, successor, field, code) in [
        (&root, &w, "id", "INVALID_SUCCESSION"),
        (&c1, &village, "successorId", "INVALID_SUCCESSION"),
        (&c1, &c1, "successorId", "INVALID_SUCCESSION"),
    ] {
        let r = app
            .gql(
                Some(&admin),
                SUCCEED,
                json!({"i": {"id": old, "successorId": successor, "on": "2025-07-01"}}),
            )
            .await;
        assert_eq!(r.user_error_codes("recordUnitSuccession"), [code]);
        assert_eq!(r.user_error_fields("recordUnitSuccession"), [field]);
    }
    let r = app
        .gql(
            Some(&admin),
            SUCCEED,
            json!({"i": {"id": c1, "successorId": w, "on": "1900-01-01"}}),
        )
        .await;
    assert_eq!(r.user_error_codes("recordUnitSuccession"), ["OUT_OF_RANGE"]);

    for old in [&c1, &c2] {
        let d = app
            .ok(
                Some(&admin),
                SUCCEED,
                json!({"i": {"id": old, "successorId": w, "on": "2025-07-01"}}),
            )
            .await;
        assert_eq!(
            d["recordUnitSuccession"]["orgUnit"],
            json!({"id": old, "isActive": false, "succeededOn": "2025-07-01", "successor": {"id": w}})
        );
    }
    // Once only; and an inactive unit succeeds nobody.
    let r = app
        .gql(
            Some(&admin),
            SUCCEED,
            json!({"i": {"id": c1, "successorId": w, "on": "2025-07-01"}}),
        )
        .await;
    assert_eq!(
        r.user_error_codes("recordUnitSuccession"),
        ["INVALID_SUCCESSION"]
    );
    let c3 = app.create_unit(&admin, "XA-C3", &root).await;
    let r = app
        .gql(
            Some(&admin),
            SUCCEED,
            json!({"i": {"id": c3, "successorId": c1, "on": "2025-07-01"}}),
        )
        .await;
    assert_eq!(r.user_error_codes("recordUnitSuccession"), ["INACTIVE"]);

    let d = app
        .ok(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on OrgUnit { predecessors { code } } } }",
            json!({"id": w}),
        )
        .await;
    assert_eq!(codes(&d["node"]["predecessors"]), ["XA-C1", "XA-C2"]);
    let v = unit(&app, &admin, &village).await;
    assert_eq!(
        v["isActive"],
        json!(false),
        "the old commune's subtree is inactive"
    );

    // Lan now belongs to W, with her history; her honour shows in W's subtree.
    let p = app
        .ok(
            Some(&admin),
            "query($id: ID!) { person(id: $id) { unit { id } unitHistory { unit { id } from to } } }",
            json!({"id": lan}),
        )
        .await;
    assert_eq!(p["person"]["unit"]["id"], json!(w));
    assert_eq!(
        p["person"]["unitHistory"],
        json!([{"unit": {"id": village}, "from": "2020-01-01", "to": "2025-07-01"},
               {"unit": {"id": w}, "from": "2025-07-01", "to": null}])
    );
    let listed = app
        .ok(
            Some(&manager),
            "query($u: ID) { commendations(filter: {unitSubtree: $u}) { edges { node { id } } } }",
            json!({"u": w}),
        )
        .await;
    assert_eq!(
        listed["commendations"]["edges"],
        json!([{"node": {"id": honour}}])
    );
}
