//! The programme's targets: target 1 is computed live from campaigns; targets 2 and 3
//! show no value until their data exists.

use serde_json::{Value, json};
use thidua_tests::commendations::target;
use thidua_tests::{Backend, TestApp, both, concrete, spawn_app, vague};

both!(
    target_1_follows_launched_campaigns_and_their_criteria,
    uncomputable_targets_show_no_value_and_say_why
);

async fn t1_value(app: &TestApp) -> Value {
    target(app, "T1-TIEU-CHI").await["progress"]["value"].clone()
}

async fn cancel(app: &TestApp, token: &str, id: &str) {
    app.ok(
        Some(token),
        "mutation($i: CampaignTransitionInput!) { cancelCampaign(input: $i) { campaign { status } } }",
        json!({"i": {"id": id}}),
    )
    .await;
}

async fn target_1_follows_launched_campaigns_and_their_criteria(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let t = target(&app, "T1-TIEU-CHI").await;
    assert_eq!(t["source"], "COMPUTED");
    assert_eq!(t["progress"]["value"], Value::Null);
    assert_eq!(t["progress"]["status"], "NO_DATA");

    // A: all criteria concrete, launched → 100 %.
    let a = app
        .create_campaign(
            &admin,
            "T1-A",
            &root,
            json!([concrete("c1"), concrete("c2")]),
        )
        .await;
    let a = a.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(t1_value(&app).await, Value::Null, "a draft does not count");
    app.launch(&admin, &a).await;
    assert_eq!(t1_value(&app).await, "100");
    assert_eq!(
        target(&app, "T1-TIEU-CHI").await["progress"]["status"],
        "ACHIEVED"
    );

    // B: one concrete and one vague criterion; launchable, but not "all concrete" → 50 %.
    let b = app
        .create_campaign(&admin, "T1-B", &root, json!([concrete("c1"), vague("v1")]))
        .await;
    let b = b.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let launched = app.launch(&admin, &b).await;
    assert_eq!(
        launched.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED"
    );
    assert_eq!(t1_value(&app).await, "50");

    // C: concrete, launched → 2 of 3.
    let c = app
        .create_campaign(&admin, "T1-C", &root, json!([concrete("c1")]))
        .await;
    let c = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.launch(&admin, &c).await;
    assert_eq!(t1_value(&app).await, "66.67");
    let t = target(&app, "T1-TIEU-CHI").await;
    assert_eq!(t["progress"]["shareOfTarget"], "0.6667");
    // The 2025 deadline has passed without reaching 100 %.
    assert_eq!(t["progress"]["status"], "OFF_TRACK");
    assert!(t["progress"]["note"].as_str().unwrap().contains("2 of 3"));

    // Cancelling B removes it from the count.
    cancel(&app, &admin, &b).await;
    assert_eq!(t1_value(&app).await, "100");

    // A campaign outside the programme does not count.
    let other = app
        .gql(
            Some(&admin),
            thidua_tests::CREATE_CAMPAIGN,
            json!({"i": {"code": "T1-OTHER", "title": "Ngoài đề án", "kind": "REGULAR", "launchingUnitId": root,
                "startDate": "2025-01-01", "endDate": "2025-12-31", "criteria": [concrete("c"), vague("v")]}}),
        )
        .await;
    let other = other.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.launch(&admin, &other).await;
    assert_eq!(t1_value(&app).await, "100");
}

async fn uncomputable_targets_show_no_value_and_say_why(backend: Backend) {
    let app = spawn_app(backend).await;
    // Target 2 needs units to measure; target 3 is a count, so an empty database reads 0.
    for (code, why) in [(
        "T2-DIEN-HINH",
        "no active units directly under the province",
    )] {
        let t = target(&app, code).await;
        assert_eq!(t["source"], "COMPUTED");
        assert_eq!(
            t["progress"]["value"],
            Value::Null,
            "{code} must not pretend to a number"
        );
        assert_eq!(t["progress"]["status"], "NO_DATA");
        assert!(t["progress"]["note"].as_str().unwrap().contains(why));
    }
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
    let manual = target(&app, "NQ-DH-XV").await;
    assert_eq!(manual["source"], "MANUAL");
    assert_eq!(manual["progress"]["status"], "NO_DATA");
    let by_horizon = app
        .ok(
            None,
            "{ programme { targets(horizon: \"2026–2030\") { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        by_horizon["programme"]["targets"],
        json!([{"code": "T3-TRUNG-UONG"}])
    );
}
