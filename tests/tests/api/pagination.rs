//! Keyset pagination and list filters.

use std::collections::HashSet;

use serde_json::{Value, json};
use thidua_tests::{Backend, CREATE_CAMPAIGN, TestApp, both, concrete, spawn_app};

both!(
    cursor_pagination_visits_250_campaigns_exactly_once_in_order,
    filters_find_campaigns_by_text_status_field_unit_and_date
);

async fn create(
    app: &TestApp,
    token: &str,
    (code, title): (&str, &str),
    unit: &str,
    (start, end): (&str, &str),
    fields: Value,
) -> String {
    let a = app
        .gql(
            Some(token),
            CREATE_CAMPAIGN,
            json!({"i": {"code": code, "title": title, "kind": "REGULAR", "launchingUnitId": unit,
                "startDate": start, "endDate": end, "fieldIds": fields, "criteria": [concrete("Tiêu chí")]}}),
        )
        .await;
    a.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", a.body))
        .to_owned()
}

async fn walk(app: &TestApp, token: &str, page: i64, order: Value) -> Vec<(String, String)> {
    let q = "query($n: Int, $after: String, $o: CampaignOrderBy) { campaigns(first: $n, after: $after, orderBy: $o) { \
             edges { cursor node { code startDate } } pageInfo { hasNextPage endCursor } } }";
    let mut after: Option<String> = None;
    let mut seen = vec![];
    loop {
        let d = app
            .ok(
                Some(token),
                q,
                json!({"n": page, "after": after, "o": order}),
            )
            .await;
        let c = &d["campaigns"];
        for e in c["edges"].as_array().unwrap() {
            seen.push((
                e["node"]["startDate"].as_str().unwrap().to_owned(),
                e["node"]["code"].as_str().unwrap().to_owned(),
            ));
        }
        if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = Some(c["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
        assert!(seen.len() <= 250, "pagination does not terminate");
    }
    seen
}

async fn cursor_pagination_visits_250_campaigns_exactly_once_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    for i in 0..250 {
        // Ten distinct start dates, so many campaigns tie on the sort key.
        let start = format!("2025-01-{:02}", 1 + i % 10);
        create(
            &app,
            &admin,
            (&format!("PG-{i:03}"), &format!("Phong trào {i:03}")),
            &root,
            (&start, "2025-12-31"),
            json!([]),
        )
        .await;
    }

    let seen = walk(&app, &admin, 37, Value::Null).await;
    assert_eq!(seen.len(), 250);
    let unique: HashSet<_> = seen.iter().map(|(_, c)| c.clone()).collect();
    assert_eq!(unique.len(), 250, "a campaign was visited twice");
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen.iter().map(|s| &s.0).collect::<Vec<_>>(),
        sorted.iter().map(|s| &s.0).collect::<Vec<_>>()
    );

    let by_code = walk(
        &app,
        &admin,
        100,
        json!({"field": "CODE", "direction": "DESC"}),
    )
    .await;
    let codes: Vec<_> = by_code.iter().map(|s| s.1.clone()).collect();
    let mut expected = codes.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(codes.len(), 250);
    assert_eq!(codes, expected);

    let bad = app
        .gql(
            Some(&admin),
            "{ campaigns(after: \"garbage!\") { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(bad.error_code(), Some("BAD_USER_INPUT"), "{}", bad.body);
}

async fn codes(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let d = app
        .ok(
            Some(token),
            "query($f: CampaignFilter) { campaigns(filter: $f, first: 100, orderBy: {field: CODE}) { edges { node { code } } } }",
            json!({"f": filter}),
        )
        .await;
    d["campaigns"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn filters_find_campaigns_by_text_status_field_unit_and_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "F-WARD", &root).await;
    let fields = app.ok(None, "{ fields { id code } }", json!({})).await;
    let culture = fields["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "VAN-HOA")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let a = create(
        &app,
        &admin,
        ("F-A", "Phong trào thi đua Kỷ luật và Đồng tâm"),
        &root,
        ("2025-01-01", "2025-06-30"),
        json!([culture]),
    )
    .await;
    create(
        &app,
        &admin,
        ("F-B", "Xây dựng nông thôn mới kiểu mẫu"),
        &ward,
        ("2025-03-01", "2025-12-31"),
        json!([]),
    )
    .await;
    create(
        &app,
        &admin,
        ("F-C", "Chuyển đổi số"),
        &ward,
        ("2025-07-01", "2025-12-31"),
        json!([]),
    )
    .await;
    app.launch(&admin, &a).await;

    assert_eq!(
        codes(&app, &admin, json!({"search": "thi dua"})).await,
        vec!["F-A"]
    );
    assert_eq!(
        codes(&app, &admin, json!({"search": "KỶ LUẬT dong tam"})).await,
        vec!["F-A"]
    );
    assert_eq!(
        codes(&app, &admin, json!({"search": "nong thon"})).await,
        vec!["F-B"]
    );
    assert_eq!(
        codes(&app, &admin, json!({"status": ["LAUNCHED"]})).await,
        vec!["F-A"]
    );
    assert_eq!(
        codes(&app, &admin, json!({"status": ["DRAFT"]})).await,
        vec!["F-B", "F-C"]
    );
    assert_eq!(
        codes(&app, &admin, json!({"fieldId": culture})).await,
        vec!["F-A"]
    );
    assert_eq!(
        codes(&app, &admin, json!({"unitSubtree": ward})).await,
        vec!["F-B", "F-C"]
    );
    assert_eq!(
        codes(&app, &admin, json!({"unitSubtree": root})).await,
        vec!["F-A", "F-B", "F-C"]
    );
    // Only launched or closed campaigns are "active".
    assert_eq!(
        codes(&app, &admin, json!({"activeOn": "2025-05-01"})).await,
        vec!["F-A"]
    );
    assert!(
        codes(&app, &admin, json!({"activeOn": "2025-08-01"}))
            .await
            .is_empty()
    );
    assert!(codes(&app, &admin, json!({"search": "%"})).await.is_empty());
}
