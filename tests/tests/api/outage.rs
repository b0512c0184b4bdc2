//! Deadlines and database outages: a request past its deadline answers TIMEOUT; while
//! PostgreSQL is unreachable every operation answers 503 SERVICE_UNAVAILABLE with
//! `Retry-After`, `/readyz` answers 503 promptly, and service resumes by itself.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database as SeaDatabase, TransactionTrait};
use serde_json::{Value, json};
use thidua_tests::{
    ADMIN_PASSWORD, Backend, CutProxy, TestApp, both, host_port, postgres_url, spawn_app_with,
    via_port,
};

both!(a_request_past_its_deadline_answers_timeout);
both!(a_timed_out_operation_is_not_a_refused_request);
both!(a_failing_lookup_of_a_sent_id_is_not_an_unknown_reference);

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";

async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> (u16, Option<String>, Value) {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .timeout(Duration::from_secs(60))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, retry, body)
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

async fn login_body() -> Value {
    json!({"query": LOGIN, "variables": {"i": {"username": "admin", "password": ADMIN_PASSWORD}}})
}

async fn a_request_past_its_deadline_answers_timeout(backend: Backend) {
    // A sign-in (a database read and an argon2 hash) cannot finish within 1 ms.
    let app = spawn_app_with(backend, |s| {
        s.http.request_timeout_ms = 1;
        s.database.pg_statement_timeout_ms = Some(0);
        s.database.pg_idle_in_transaction_timeout_ms = Some(0);
    })
    .await;
    let (status, _, body) = post(&app, None, &login_body().await).await;
    assert_eq!(code(&body), Some("TIMEOUT"), "{body}");
    assert_eq!(status, 200, "{body}");
}

/// With `application/graphql-response+json`, a timed-out operation did start: 200, not the
/// 400 of a request refused before execution.
async fn a_timed_out_operation_is_not_a_refused_request(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.http.request_timeout_ms = 1;
        s.database.pg_statement_timeout_ms = Some(0);
        s.database.pg_idle_in_transaction_timeout_ms = Some(0);
    })
    .await;
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Accept", "application/graphql-response+json")
        .json(&login_body().await)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code(&body), Some("TIMEOUT"), "{body}");
    assert_eq!(status, 200, "{body}");
}

/// Holds an exclusive lock on `users` from another connection until dropped (rolled back).
async fn lock_users(app: &TestApp) -> sea_orm::DatabaseTransaction {
    let conn = SeaDatabase::connect(&app.database_url).await.unwrap();
    let txn = conn.begin().await.unwrap();
    txn.execute_unprepared("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    txn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statement_timeout_and_the_deadline_stop_a_blocked_statement() {
    if postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the PostgreSQL run");
        return;
    }
    // statement_timeout fires first.
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.database.pg_statement_timeout_ms = Some(300);
        s.http.request_timeout_ms = 20_000;
    })
    .await;
    let lock = lock_users(&app).await;
    let (_, _, body) = post(&app, None, &login_body().await).await;
    assert_eq!(code(&body), Some("TIMEOUT"), "{body}");
    lock.rollback().await.unwrap();
    drop(app);

    // No statement timeout: the request deadline stops it.
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.database.pg_statement_timeout_ms = Some(0);
        s.http.request_timeout_ms = 300;
    })
    .await;
    let lock = lock_users(&app).await;
    let (_, _, body) = post(&app, None, &login_body().await).await;
    assert_eq!(code(&body), Some("TIMEOUT"), "{body}");
    lock.rollback().await.unwrap();
}

async fn readyz(app: &TestApp) -> u16 {
    app.client
        .get(app.url("/readyz"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("readyz answers")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_for_every_operation_and_recovers() {
    let Some(pg) = postgres_url() else {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the PostgreSQL run");
        return;
    };
    let proxy = CutProxy::start(host_port(&pg)).await;
    let port = proxy.port;
    let app = spawn_app_with(Backend::Postgres, move |s| {
        s.database.url = via_port(s.database.url.expose_secret(), port).into();
        s.database.acquire_timeout_ms = 1000;
    })
    .await;
    let token = app.admin().await;
    assert_eq!(readyz(&app).await, 200);

    proxy.cut();
    assert_eq!(readyz(&app).await, 503);
    let me = json!({"query": "{ me { user { username } } }"});
    let anonymous = json!({"query": "{ programme { id } }"});
    let persisted =
        json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab".repeat(32)}}});
    let answers = [
        ("login", post(&app, None, &login_body().await).await),
        ("signed-in query", post(&app, Some(&token), &me).await),
        ("anonymous query", post(&app, None, &anonymous).await),
        // An automatic persisted query looks its hash up in the database first.
        ("persisted query", post(&app, None, &persisted).await),
    ];
    for (what, (status, retry, body)) in &answers {
        assert_eq!(*status, 503, "{what}: {body}");
        assert_eq!(code(body), Some("SERVICE_UNAVAILABLE"), "{what}: {body}");
        assert!(retry.is_some(), "{what}: no Retry-After");
    }

    proxy.restore();
    let mut ready = false;
    for _ in 0..50 {
        if readyz(&app).await == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "/readyz did not recover");
    let (status, _, body) = post(&app, None, &login_body().await).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    let (status, _, body) = post(&app, Some(&token), &me).await;
    assert_eq!(
        (status, &body["data"]["me"]["user"]["username"]),
        (200, &json!("admin")),
        "{body}"
    );
}

const REGISTER: &str = "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } userErrors { field code } } }";
const GRANT: &str = "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } userErrors { field code } } }";

/// Only a unit that is not there is the user's mistake (UNKNOWN_REFERENCE on the field);
/// when the database fails while looking the unit up, the answer is INTERNAL, not a claim
/// that the id names nothing. The failure is made real by renaming a column the lookup
/// reads (and the sign-in's grant query does not) under the running server.
async fn a_failing_lookup_of_a_sent_id_is_not_an_unknown_reference(backend: Backend) {
    let app = thidua_tests::spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let campaign = app
        .create_campaign(
            &admin,
            "PT-LOOKUP",
            &root,
            json!([thidua_tests::concrete("A")]),
        )
        .await;
    let campaign = campaign.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createCampaign: {}", campaign.body))
        .to_owned();
    let me = app
        .ok(Some(&admin), "{ me { user { id } } }", json!({}))
        .await;
    let user = me["me"]["user"]["id"].as_str().unwrap().to_owned();
    let register = |unit: &str| json!({"i": {"campaignId": campaign, "unitId": unit}});
    let grant = |unit: &str| json!({"i": {"userId": user, "role": "VIEWER", "unitId": unit}});

    let nowhere = thidua_api::ids::NodeType::OrgUnit
        .encode(uuid::Uuid::now_v7())
        .to_string();
    for (query, vars, path) in [
        (REGISTER, register(&nowhere), "registerParticipation"),
        (GRANT, grant(&nowhere), "grantRole"),
    ] {
        let r = app.gql(Some(&admin), query, vars).await;
        assert_eq!(
            r.user_error_codes(path),
            ["UNKNOWN_REFERENCE"],
            "{}",
            r.body
        );
        assert_eq!(r.user_error_fields(path), ["unitId"], "{}", r.body);
    }

    app.db
        .conn
        .execute_unprepared("ALTER TABLE org_units RENAME COLUMN name TO name_gone")
        .await
        .unwrap();
    for (query, vars, path) in [
        (REGISTER, register(&root), "registerParticipation"),
        (GRANT, grant(&root), "grantRole"),
    ] {
        let r = app.gql(Some(&admin), query, vars).await;
        assert_eq!(r.error_code(), Some("INTERNAL"), "{path}: {}", r.body);
        assert!(r.user_error_codes(path).is_empty(), "{path}: {}", r.body);
    }
}
