//! `GET /exports/<name>.csv`: the exemplary-model register as Excel opens it, with the
//! GraphQL query's filters, refused before any work without a valid token.

use serde_json::json;
use thidua_tests::{Backend, TestApp, both, spawn_app};

both!(
    the_commendation_register_exports_decisions_and_recipients,
    the_exemplar_register_exports_as_csv_with_its_filters,
    exports_refuse_missing_tokens_unknown_names_and_bad_filters
);

const CREATE: &str = "mutation($i: CreateExemplarInput!) { createExemplar(input: $i) { exemplar { id } userErrors { field code } } }";

async fn model(app: &TestApp, token: &str, name: &str, kind: &str, unit: &str) {
    let d = app
        .ok(
            Some(token),
            CREATE,
            json!({"i": {"name": name, "kind": kind, "homeUnitId": unit, "identifiedOn": "2024-03-01"}}),
        )
        .await;
    assert!(d["createExemplar"]["exemplar"]["id"].is_string(), "{d}");
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn the_exemplar_register_exports_as_csv_with_its_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "EXP-W1", &root).await;
    let other = app.create_unit(&admin, "EXP-W2", &root).await;
    model(
        &app,
        &admin,
        "Mô hình \"Dân vận khéo\", phường 1",
        "COLLECTIVE",
        &ward,
    )
    .await;
    model(
        &app,
        &admin,
        "=HYPERLINK(\"http://x\")",
        "INDIVIDUAL",
        &ward,
    )
    .await;
    model(&app, &admin, "Tổ tự quản", "COLLECTIVE", &other).await;

    let resp = get(&app, Some(&admin), "/exports/exemplars.csv").await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''exemplars.csv"),
        "{disposition}"
    );
    let body = resp.text().await.unwrap();
    assert!(body.starts_with('\u{feff}'), "a BOM first");
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines.len(),
        5,
        "header, 3 rows and the final empty line: {body}"
    );
    assert!(lines[0].starts_with("Exemplary model,"), "{}", lines[0]);
    assert!(
        lines[1].starts_with(
            "\"Mô hình \"\"Dân vận khéo\"\", phường 1\",collective,identified,EXP-W1,"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("\"'=HYPERLINK("),
        "a formula is defused: {}",
        lines[2]
    );
    assert!(lines[3].contains(",EXP-W2,"), "{}", lines[3]);

    // The filters of `exemplars(filter:)`.
    let by_unit = get(
        &app,
        Some(&admin),
        &format!("/exports/exemplars.csv?unitSubtree={ward}&stage=IDENTIFIED"),
    )
    .await;
    let body = by_unit.text().await.unwrap();
    assert_eq!(body.matches("\r\n").count(), 3, "{body}");
    assert!(!body.contains("EXP-W2"), "{body}");
    let searched = get(
        &app,
        Some(&admin),
        "/exports/exemplars.csv?search=to%20tu%20quan",
    )
    .await;
    let body = searched.text().await.unwrap();
    assert_eq!(body.matches("\r\n").count(), 2, "{body}");
    assert!(body.contains("Tổ tự quản"), "{body}");

    // In Vietnamese by default.
    let vi = reqwest::Client::new()
        .get(app.url("/exports/exemplars.csv?stage=REPLICATED"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        vi.trim_start_matches('\u{feff}').matches("\r\n").count(),
        1,
        "{vi}"
    );
    assert!(vi.contains("Tên mô hình"), "{vi}");
}

async fn exports_refuse_missing_tokens_unknown_names_and_bad_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let anonymous = get(&app, None, "/exports/exemplars.csv").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let forged = get(&app, Some("not-a-token"), "/exports/exemplars.csv").await;
    assert_eq!(forged.status(), 401);
    for (path, status, code) in [
        ("/exports/nothing.csv", 404, "NOT_FOUND"),
        ("/exports/exemplars.csv?stage=FAMOUS", 400, "BAD_USER_INPUT"),
        (
            "/exports/exemplars.csv?unitSubtree=garbage",
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/exports/exemplars.csv?fieldId=garbage",
            400,
            "BAD_USER_INPUT",
        ),
        ("/exports/exemplars.csv?colour=red", 400, "BAD_USER_INPUT"),
        ("/exports/exemplars.csv?search=%00", 400, "BAD_USER_INPUT"),
    ] {
        let resp = get(&app, Some(&admin), path).await;
        assert_eq!(resp.status(), status, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{path}: {body}"
        );
    }
    let many: String = (0..17).map(|i| format!("p{i}=1&")).collect();
    let resp = get(
        &app,
        Some(&admin),
        &format!("/exports/exemplars.csv?{many}"),
    )
    .await;
    assert_eq!(resp.status(), 400);
    // A signed-in caller without any role reads nothing.
    let d = app
        .ok(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            json!({"i": {"username": "exp-nobody", "displayName": "Nobody", "password": thidua_tests::PASSWORD}}),
        )
        .await;
    assert!(d["createUser"]["user"]["id"].is_string(), "{d}");
    let nobody = app.login("exp-nobody", thidua_tests::PASSWORD).await;
    assert_eq!(
        get(&app, Some(&nobody), "/exports/exemplars.csv")
            .await
            .status(),
        403
    );
}

async fn the_commendation_register_exports_decisions_and_recipients(backend: Backend) {
    use thidua_tests::commendations::{approve_and_confer, award, nominate, session};
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "EXP-C1", &root).await;
    let sess = session(&app, &admin, 10).await;
    let provincial = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    let conferred = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial, "kind": "CONG_TRANG", "recipient": {"unitId": ward},
               "nominatingUnitId": ward, "awardYear": 2025}),
    )
    .await;
    let id = conferred["commendation"]["id"].as_str().unwrap().to_owned();
    approve_and_confer(&app, &admin, &id, &sess, 10, "15/QĐ-UBND", "2026-01-10").await;
    let pending = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial, "kind": "DOT_XUAT", "recipient": {"unitId": root},
               "nominatingUnitId": root, "awardYear": 2026}),
    )
    .await;
    assert!(pending["commendation"]["id"].is_string(), "{pending}");

    let body = get(&app, Some(&admin), "/exports/commendations.csv")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{body}");
    assert!(
        lines[0].starts_with("Decision number,Decision date,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("15/QĐ-UBND,2026-01-10,"),
        "the conferred one, with its decision: {}",
        lines[1]
    );
    assert!(
        lines[1].contains(",provincial,merit,Đơn vị EXP-C1,collective,EXP-C1,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",2025,conferred,"), "{}", lines[1]);
    assert!(lines[2].starts_with(",,,"), "no decision yet: {}", lines[2]);
    assert!(lines[2].contains(",ad hoc,"), "{}", lines[2]);

    let only_conferred = get(
        &app,
        Some(&admin),
        &format!(
            "/exports/commendations.csv?status=CONFERRED&unitSubtree={ward}&decisionYear=2026"
        ),
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(
        only_conferred.matches("\r\n").count(),
        2,
        "{only_conferred}"
    );
    for (path, code) in [
        ("/exports/commendations.csv?status=WON", "BAD_USER_INPUT"),
        (
            "/exports/commendations.csv?decisionYear=20x6",
            "BAD_USER_INPUT",
        ),
        (
            "/exports/commendations.csv?decisionYear=3000",
            "BAD_USER_INPUT",
        ),
        (
            "/exports/commendations.csv?awardTypeId=garbage",
            "BAD_USER_INPUT",
        ),
        (
            "/exports/commendations.csv?stage=IDENTIFIED",
            "BAD_USER_INPUT",
        ),
    ] {
        let resp = get(&app, Some(&admin), path).await;
        assert_eq!(resp.status(), 400, "{path}");
        let b: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(b["errors"][0]["extensions"]["code"], code, "{path}: {b}");
    }
}
