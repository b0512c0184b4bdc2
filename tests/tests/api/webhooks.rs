//! Webhooks: real receivers on 127.0.0.1 (development mode allows http and loopback),
//! Standard Webhooks signatures, retries with backoff, dead letters, the one-day disable
//! rule on a moved clock, timeouts, order per endpoint, at-least-once after a crash between
//! send and record, bad inputs and permissions. Two real server processes on one database
//! are the server package's `webhook_replicas` tests.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Value, json};
use thidua_server::config::Settings;
use thidua_tests::receiver::{Hit, Receiver, Reply, verify};
use thidua_tests::{Backend, TestApp, both, concrete, spawn_app_sharing_with, spawn_app_with};

both!(
    a_receiver_failing_twice_gets_each_event_once_signed,
    an_always_failing_receiver_is_dead_lettered_then_disabled_after_a_day,
    a_slow_receiver_times_out,
    pings_are_signed_with_both_secrets_during_a_rotation,
    redelivery_and_replay_send_again_with_new_ids,
    one_endpoint_receives_in_stream_order_even_after_a_failure,
    a_crash_between_send_and_record_sends_only_that_delivery_twice,
    bad_inputs_answer_their_codes,
    only_administrators_manage_endpoints_within_their_subtree,
    a_client_manages_only_its_own_endpoints_for_what_it_may_read,
    hostile_arguments_answer_stable_codes,
);

const WAIT: Duration = Duration::from_secs(30);

const CREATE: &str = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id url eventTypes enabled ownerUnit { id } } secret userErrors { field code message } } }";
const DELIVERIES: &str = "query($e: ID!, $s: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $e, status: $s, first: 100) { totalCount edges { node { id webhookId eventType eventId status attempts lastResponseCode lastError completedAt } } } }";
const ENDPOINTS: &str = "{ webhookEndpoints { totalCount edges { node { id url enabled disabledReason disabledAt failingSince } } } }";

/// Fast retries for tests.
fn quick(s: &mut Settings) {
    s.webhooks.webhook_retry_base_ms = 50;
    s.webhooks.webhook_retry_max_secs = 1;
    s.webhooks.webhook_max_attempts = 5;
}

async fn endpoint(
    app: &TestApp,
    token: &str,
    url: &str,
    types: &[&str],
    owner: &str,
) -> (String, String) {
    let d = app
        .ok(
            Some(token),
            CREATE,
            json!({"i": {"url": url, "eventTypes": types, "ownerUnitId": owner}}),
        )
        .await;
    let p = &d["createWebhookEndpoint"];
    assert_eq!(p["userErrors"], json!([]), "{d}");
    let secret = p["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (p["endpoint"]["id"].as_str().unwrap().to_owned(), secret)
}

/// Writes `n` province-wide events, one transaction each, as a mutation would.
async fn write_events(app: &TestApp, n: usize, tag: &str) -> Vec<i64> {
    thidua_tests::events::snapshots_one_by_one(&app.db, n, tag).await
}

async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> Vec<Value> {
    let d = app
        .ok(Some(token), DELIVERIES, json!({"e": endpoint}))
        .await;
    d["webhookDeliveries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Waits until every delivery of `endpoint` is in a finished state and there are `n`.
async fn wait_finished(app: &TestApp, token: &str, endpoint: &str, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let ds = deliveries(app, token, endpoint).await;
        if ds.len() == n
            && ds
                .iter()
                .all(|d| d["status"] == "SUCCEEDED" || d["status"] == "DEAD")
        {
            return ds;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries not finished: {ds:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn event_ids(hits: &[Hit]) -> Vec<i64> {
    hits.iter()
        .filter(|h| h.status == 200 || h.status == 0)
        .map(|h| h.json()["data"]["eventId"].as_i64().unwrap())
        .collect()
}

async fn a_receiver_failing_twice_gets_each_event_once_signed(backend: Backend) {
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let rx = Receiver::start(|n| Reply::Status(if n < 2 { 503 } else { 200 })).await;
    let (ep, secret) = endpoint(&app, &admin, &rx.url(), &["CAMPAIGN_LAUNCHED"], &root).await;

    // A real mutation's event.
    let c = app
        .create_campaign(&admin, "WH-1", &root, json!([concrete("Tiêu chí")]))
        .await;
    let cid = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.launch(&admin, &cid).await.body["errors"], Value::Null);

    let hits = rx
        .wait_for(WAIT, |h| h.iter().any(|h| h.status == 200))
        .await;
    assert_eq!(hits.len(), 3, "{hits:#?}");
    // The same message each time, each signed (Standard Webhooks) with the shown secret.
    assert!(
        hits.iter()
            .all(|h| h.id == hits[0].id && h.body == hits[0].body)
    );
    for h in &hits {
        assert!(verify(&secret, h), "signature {h:?}");
        assert!(!verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h));
    }
    let body = hits[0].json();
    assert_eq!(body["type"], "CAMPAIGN_LAUNCHED");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'), "{body}");
    assert!(body["data"]["eventId"].as_i64().is_some(), "{body}");
    assert!(body["data"]["subject"].is_object(), "{body}");

    let ds = wait_finished(&app, &admin, &ep, 1).await;
    assert_eq!(ds[0]["status"], "SUCCEEDED");
    assert_eq!(ds[0]["attempts"], 3);
    assert_eq!(ds[0]["lastResponseCode"], 200);
    assert_eq!(ds[0]["webhookId"], hits[0].id.as_str());
    assert_eq!(ds[0]["eventType"], "CAMPAIGN_LAUNCHED");
    // Delivered once: no further request arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.hits().len(), 3);
    // The success ended the run of failures.
    let eps = app.ok(Some(&admin), ENDPOINTS, json!({})).await;
    assert_eq!(
        eps["webhookEndpoints"]["edges"][0]["node"]["failingSince"],
        Value::Null
    );
}

async fn an_always_failing_receiver_is_dead_lettered_then_disabled_after_a_day(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        quick(s);
        s.webhooks.webhook_max_attempts = 3;
    })
    .await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let rx = Receiver::start(|_| Reply::Status(500)).await;
    let (ep, _) = endpoint(&app, &admin, &rx.url(), &["SNAPSHOT_TAKEN"], &root).await;
    write_events(&app, 1, "dead").await;
    let ds = wait_finished(&app, &admin, &ep, 1).await;
    assert_eq!(ds[0]["status"], "DEAD");
    assert_eq!(ds[0]["attempts"], 3);
    assert_eq!(ds[0]["lastResponseCode"], 500);
    assert_eq!(ds[0]["lastError"], "HTTP 500");
    assert_eq!(rx.hits().len(), 3);
    let dead = app
        .ok(Some(&admin), DELIVERIES, json!({"e": ep, "s": "DEAD"}))
        .await;
    assert_eq!(dead["webhookDeliveries"]["totalCount"], 1);
    // Failing, but not for a day yet: still enabled.
    let eps = app.ok(Some(&admin), ENDPOINTS, json!({})).await;
    let node = &eps["webhookEndpoints"]["edges"][0]["node"];
    assert_eq!(node["enabled"], true, "{eps}");
    assert!(node["failingSince"].is_string(), "{eps}");

    // A day later the next failure disables it, and its owner sees why.
    app.clock.advance(chrono::Duration::hours(25));
    // (The access token expired meanwhile.)
    let admin = app.admin().await;
    write_events(&app, 1, "after a day").await;
    rx.wait_for(WAIT, |h| h.len() >= 4).await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let eps = app.ok(Some(&admin), ENDPOINTS, json!({})).await;
        let node = eps["webhookEndpoints"]["edges"][0]["node"].clone();
        if node["enabled"] == false {
            assert_eq!(node["disabledReason"], "FAILING");
            assert!(node["disabledAt"].is_string());
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not disabled: {eps}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Disabled: the pending delivery waits, nothing more is sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.hits().len(), 4);
    let open = deliveries(&app, &admin, &ep).await;
    assert!(open.iter().any(|d| d["status"] == "FAILED"), "{open:#?}");
}

async fn a_slow_receiver_times_out(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        quick(s);
        s.webhooks.webhook_timeout_ms = 500;
        s.webhooks.webhook_max_attempts = 1;
    })
    .await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let rx = Receiver::start(|_| Reply::Slow(Duration::from_secs(3), 200)).await;
    let (ep, _) = endpoint(&app, &admin, &rx.url(), &["SNAPSHOT_TAKEN"], &root).await;
    let started = std::time::Instant::now();
    write_events(&app, 1, "slow").await;
    let ds = wait_finished(&app, &admin, &ep, 1).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ds[0]["status"], "DEAD");
    assert_eq!(ds[0]["lastError"], "timeout");
    assert_eq!(ds[0]["lastResponseCode"], Value::Null);
}

async fn pings_are_signed_with_both_secrets_during_a_rotation(backend: Backend) {
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let rx = Receiver::healthy().await;
    let (ep, old) = endpoint(&app, &admin, &rx.url(), &["SNAPSHOT_TAKEN"], &root).await;
    let ping = "mutation($e: ID!) { testWebhook(endpointId: $e) { delivery { id eventType status } userErrors { code } } }";
    let d = app.ok(Some(&admin), ping, json!({"e": ep})).await;
    assert_eq!(d["testWebhook"]["delivery"]["eventType"], "webhook.ping");
    let hits = rx.wait_for(WAIT, |h| !h.is_empty()).await;
    assert_eq!(hits[0].json()["type"], "webhook.ping");
    assert!(verify(&old, &hits[0]));
    assert_eq!(hits[0].signature.split(' ').count(), 1);

    let rotate = "mutation($e: ID!) { rotateWebhookSecret(id: $e) { endpoint { previousSecretValidUntil } secret userErrors { code } } }";
    let r = app.ok(Some(&admin), rotate, json!({"e": ep})).await;
    let new = r["rotateWebhookSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert!(r["rotateWebhookSecret"]["endpoint"]["previousSecretValidUntil"].is_string());
    app.ok(Some(&admin), ping, json!({"e": ep})).await;
    let hits = rx.wait_for(WAIT, |h| h.len() >= 2).await;
    assert_eq!(hits[1].signature.split(' ').count(), 2, "{:?}", hits[1]);
    assert!(verify(&new, &hits[1]) && verify(&old, &hits[1]));
    // Past the overlap only the new secret signs.
    app.clock.advance(chrono::Duration::hours(25));
    let admin = app.admin().await;
    app.ok(Some(&admin), ping, json!({"e": ep})).await;
    let hits = rx.wait_for(WAIT, |h| h.len() >= 3).await;
    assert!(verify(&new, &hits[2]) && !verify(&old, &hits[2]));
    // The secret is never readable afterwards.
    let sdl = thidua_api::sdl();
    let endpoint_type = sdl.split("type WebhookEndpoint {").nth(1).unwrap();
    let endpoint_type = endpoint_type.split('}').next().unwrap();
    assert!(!endpoint_type.contains("secret:"), "{endpoint_type}");
}

async fn redelivery_and_replay_send_again_with_new_ids(backend: Backend) {
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let rx = Receiver::healthy().await;
    let (ep, _) = endpoint(&app, &admin, &rx.url(), &["SNAPSHOT_TAKEN"], &root).await;
    let ids = write_events(&app, 3, "replay").await;
    let ds = wait_finished(&app, &admin, &ep, 3).await;
    let first = ds.last().unwrap().clone();

    let redeliver = "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { delivery { id webhookId status } userErrors { code } } }";
    let r = app
        .ok(Some(&admin), redeliver, json!({"d": first["id"]}))
        .await;
    let again = &r["redeliverWebhook"]["delivery"];
    assert_ne!(again["webhookId"], first["webhookId"]);
    let hits = rx.wait_for(WAIT, |h| h.len() >= 4).await;
    assert_eq!(hits[3].body, hits[0].body);
    assert_ne!(hits[3].id, hits[0].id);

    let replay = "mutation($i: ReplayWebhooksInput!) { replayWebhooks(input: $i) { queued lastEventId hasMore userErrors { field code } } }";
    let r = app
        .ok(
            Some(&admin),
            replay,
            json!({"i": {"endpointId": ep, "sinceEventId": (ids[0]).to_string()}}),
        )
        .await;
    assert_eq!(r["replayWebhooks"]["queued"], 2, "{r}");
    assert_eq!(r["replayWebhooks"]["hasMore"], false);
    let hits = rx.wait_for(WAIT, |h| h.len() >= 6).await;
    assert_eq!(event_ids(&hits[4..]), ids[1..].to_vec());
    // By time: everything since before the first event.
    let r = app
        .ok(
            Some(&admin),
            replay,
            json!({"i": {"endpointId": ep, "sinceTime": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339()}}),
        )
        .await;
    assert!(r["replayWebhooks"]["queued"].as_i64().unwrap() >= 3, "{r}");
}

async fn one_endpoint_receives_in_stream_order_even_after_a_failure(backend: Backend) {
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    // The first request fails: everything after it waits for its retry.
    let rx = Receiver::start(|n| Reply::Status(if n == 0 { 500 } else { 200 })).await;
    let (_ep, _) = endpoint(&app, &admin, &rx.url(), &["SNAPSHOT_TAKEN"], &root).await;
    let ids = write_events(&app, 40, "order").await;
    let hits = rx
        .wait_for(WAIT, |h| h.iter().filter(|h| h.status == 200).count() >= 40)
        .await;
    let ok: Vec<&Hit> = hits.iter().filter(|h| h.status == 200).collect();
    let got: Vec<i64> = ok
        .iter()
        .map(|h| h.json()["data"]["eventId"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids, "delivered out of order");
    assert_eq!(hits[0].id, ok[0].id, "the failed one was retried first");
}

async fn a_crash_between_send_and_record_sends_only_that_delivery_twice(backend: Backend) {
    let tweak = |s: &mut Settings| {
        quick(s);
        s.webhooks.webhook_timeout_ms = 1000;
    };
    let one = spawn_app_with(backend, tweak).await;
    let admin = one.admin().await;
    let root = one.root_unit(&admin).await;
    // The first request is held until the sender is gone.
    let rx = Receiver::start(|n| {
        if n == 0 {
            Reply::Hold
        } else {
            Reply::Status(200)
        }
    })
    .await;
    let (ep, secret) = endpoint(&one, &admin, &rx.url(), &["SNAPSHOT_TAKEN"], &root).await;
    let ids = write_events(&one, 5, "crash").await;
    rx.wait_for(WAIT, |h| !h.is_empty()).await;
    // The process dies after sending, before recording.
    one.webhooks.halt();
    rx.release();
    let two = spawn_app_sharing_with(&one, tweak).await;
    let hits = rx
        .wait_for(WAIT, |h| h.iter().filter(|h| h.status == 200).count() >= 5)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let hits_now = rx.hits();
    assert_eq!(hits_now.len(), hits.len(), "nothing more arrives");
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for h in &hits_now {
        *per_id.entry(h.id.as_str()).or_default() += 1;
        assert!(verify(&secret, h));
    }
    // At least once; the one in flight at the crash twice, every other once.
    assert_eq!(per_id.len(), 5);
    assert_eq!(per_id[hits_now[0].id.as_str()], 2);
    assert_eq!(per_id.values().filter(|n| **n == 1).count(), 4);
    let order: Vec<i64> = hits_now[1..]
        .iter()
        .map(|h| h.json()["data"]["eventId"].as_i64().unwrap())
        .collect();
    assert_eq!(order, ids, "still in order");
    wait_finished(&two, &admin, &ep, 5).await;
    drop(two);
}

async fn bad_inputs_answer_their_codes(backend: Backend) {
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let create = |url: Value, types: Value, owner: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.gql(
                Some(&admin),
                CREATE,
                json!({"i": {"url": url, "eventTypes": types, "ownerUnitId": owner}}),
            )
            .await
        }
    };
    let ok_url = json!("http://127.0.0.1:9/hook");
    let ok_types = json!(["SNAPSHOT_TAKEN"]);
    let many: Vec<String> = (0..33).map(|_| "SNAPSHOT_TAKEN".to_owned()).collect();
    let cases = [
        (json!(""), ok_types.clone(), json!(root), "REQUIRED", "url"),
        (
            json!(format!("http://a.org/{}", "x".repeat(2001))),
            ok_types.clone(),
            json!(root),
            "TOO_LONG",
            "url",
        ),
        (
            json!("ftp://a.org/x"),
            ok_types.clone(),
            json!(root),
            "INVALID_FORMAT",
            "url",
        ),
        (
            json!("http://a.org/\u{0}"),
            ok_types.clone(),
            json!(root),
            "INVALID_FORMAT",
            "url",
        ),
        (
            json!("http://user:pw@a.org/"),
            ok_types.clone(),
            json!(root),
            "INVALID_FORMAT",
            "url",
        ),
        (
            json!("no url"),
            ok_types.clone(),
            json!(root),
            "INVALID_FORMAT",
            "url",
        ),
        (
            ok_url.clone(),
            json!([]),
            json!(root),
            "REQUIRED",
            "eventTypes",
        ),
        (
            ok_url.clone(),
            json!(["NOPE"]),
            json!(root),
            "INVALID_FORMAT",
            "eventTypes.0",
        ),
        (
            ok_url.clone(),
            json!(["SNAPSHOT_TAKEN", "SESSION_ENDED"]),
            json!(root),
            "INVALID_FORMAT",
            "eventTypes.1",
        ),
        (
            ok_url.clone(),
            json!(["SNAPSHOT_TAKEN", "SNAPSHOT_TAKEN"]),
            json!(root),
            "DUPLICATE",
            "eventTypes.1",
        ),
        (
            ok_url.clone(),
            json!(many),
            json!(root),
            "TOO_MANY",
            "eventTypes",
        ),
        (
            ok_url.clone(),
            ok_types.clone(),
            json!("garbage"),
            "INVALID_FORMAT",
            "ownerUnitId",
        ),
    ];
    for (url, types, owner, code, field) in cases {
        let a = create(url.clone(), types, owner).await;
        assert_eq!(
            a.user_error_codes("createWebhookEndpoint"),
            vec![code],
            "{url}: {}",
            a.body
        );
        assert_eq!(
            a.user_error_fields("createWebhookEndpoint"),
            vec![field],
            "{}",
            a.body
        );
        assert!(a.body["data"]["createWebhookEndpoint"]["secret"].is_null());
    }
    // An unknown owner unit (a well-formed id of nothing).
    let nobody =
        thidua_api::ids::encode(thidua_domain::id::UnitId::from_uuid(uuid::Uuid::now_v7()));
    let a = create(ok_url.clone(), ok_types.clone(), json!(nobody)).await;
    assert_eq!(
        a.user_error_codes("createWebhookEndpoint"),
        vec!["UNKNOWN_REFERENCE"]
    );

    // Replay without a start, with a bad one; redelivery of an open delivery.
    let rx = Receiver::start(|_| Reply::Hold).await;
    let (ep, _) = endpoint(&app, &admin, &rx.url(), &["SNAPSHOT_TAKEN"], &root).await;
    let replay = "mutation($i: ReplayWebhooksInput!) { replayWebhooks(input: $i) { queued userErrors { field code } } }";
    for (input, code) in [
        (json!({"endpointId": ep}), "REQUIRED"),
        (
            json!({"endpointId": ep, "sinceEventId": "-1"}),
            "INVALID_FORMAT",
        ),
        (
            json!({"endpointId": ep, "sinceEventId": "1".repeat(30)}),
            "INVALID_FORMAT",
        ),
        (
            json!({"endpointId": ep, "sinceEventId": "1", "sinceTime": "2026-01-01T00:00:00Z"}),
            "REQUIRED",
        ),
    ] {
        let a = app.gql(Some(&admin), replay, json!({"i": input})).await;
        assert_eq!(
            a.user_error_codes("replayWebhooks"),
            vec![code],
            "{}",
            a.body
        );
    }
    write_events(&app, 1, "held").await;
    rx.wait_for(WAIT, |h| !h.is_empty()).await;
    let open = deliveries(&app, &admin, &ep).await;
    let redeliver = "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { delivery { id } userErrors { code } } }";
    let a = app
        .gql(Some(&admin), redeliver, json!({"d": open[0]["id"]}))
        .await;
    assert_eq!(
        a.user_error_codes("redeliverWebhook"),
        vec!["INVALID_TRANSITION"],
        "{}",
        a.body
    );
    rx.release();
    // Malformed ids on queries answer BAD_USER_INPUT, unknown ones NOT_FOUND.
    let a = app
        .gql(Some(&admin), DELIVERIES, json!({"e": "garbage"}))
        .await;
    assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{}", a.body);
    let unknown = thidua_api::ids::encode(thidua_domain::id::WebhookEndpointId::from_uuid(
        uuid::Uuid::now_v7(),
    ));
    let a = app
        .gql(Some(&admin), DELIVERIES, json!({"e": unknown}))
        .await;
    assert_eq!(a.error_code(), Some("NOT_FOUND"), "{}", a.body);
    // Anonymous callers are refused.
    let a = app.gql(None, ENDPOINTS, json!({})).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
}

async fn only_administrators_manage_endpoints_within_their_subtree(backend: Backend) {
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward_a = app.create_unit(&admin, "WH-A", &root).await;
    let ward_b = app.create_unit(&admin, "WH-B", &root).await;
    let ward_admin = app
        .user_with_role(&admin, "wh-admin-a", "ADMIN", &ward_a)
        .await;
    let manager = app
        .user_with_role(&admin, "wh-manager", "MANAGER", &root)
        .await;
    let rx = Receiver::healthy().await;
    let (root_ep, _) = endpoint(&app, &admin, &rx.url(), &["REPORT_APPROVED"], &root).await;

    // A provincial manager may do nothing with webhooks.
    let a = app
        .gql(
            Some(&manager),
            CREATE,
            json!({"i": {"url": rx.url(), "eventTypes": ["REPORT_APPROVED"], "ownerUnitId": root}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    let l = app.ok(Some(&manager), ENDPOINTS, json!({})).await;
    assert_eq!(l["webhookEndpoints"]["totalCount"], 0);
    for (q, vars) in [
        (DELIVERIES, json!({"e": root_ep})),
        (
            "mutation($e: ID!) { testWebhook(endpointId: $e) { delivery { id } } }",
            json!({"e": root_ep}),
        ),
        (
            "mutation($e: ID!) { rotateWebhookSecret(id: $e) { secret } }",
            json!({"e": root_ep}),
        ),
        (
            "mutation($e: ID!) { disableWebhookEndpoint(id: $e) { endpoint { id } } }",
            json!({"e": root_ep}),
        ),
    ] {
        let a = app.gql(Some(&manager), q, vars.clone()).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{q}: {}", a.body);
    }

    // A ward administrator: in the ward yes, above it or beside it no.
    let (ward_ep, _) = endpoint(&app, &ward_admin, &rx.url(), &["REPORT_APPROVED"], &ward_a).await;
    let a = app
        .gql(
            Some(&ward_admin),
            CREATE,
            json!({"i": {"url": rx.url(), "eventTypes": ["REPORT_APPROVED"], "ownerUnitId": ward_b}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    let a = app
        .gql(
            Some(&ward_admin),
            CREATE,
            json!({"i": {"url": rx.url(), "eventTypes": ["REPORT_APPROVED"], "ownerUnitId": ward_a, "subtreeUnitId": ward_b}}),
        )
        .await;
    assert_eq!(
        a.user_error_codes("createWebhookEndpoint"),
        vec!["OUT_OF_RANGE"],
        "{}",
        a.body
    );
    let a = app
        .gql(Some(&ward_admin), DELIVERIES, json!({"e": root_ep}))
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    let l = app.ok(Some(&ward_admin), ENDPOINTS, json!({})).await;
    let listed: HashSet<&str> = l["webhookEndpoints"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["id"].as_str())
        .collect();
    assert_eq!(listed, HashSet::from([ward_ep.as_str()]));
    // The province's administrator sees both and may disable the ward's.
    let l = app.ok(Some(&admin), ENDPOINTS, json!({})).await;
    assert_eq!(l["webhookEndpoints"]["totalCount"], 2);
    let d = app
        .ok(
            Some(&admin),
            "mutation($e: ID!) { disableWebhookEndpoint(id: $e) { endpoint { enabled disabledReason } userErrors { code } } }",
            json!({"e": ward_ep}),
        )
        .await;
    assert_eq!(
        d["disableWebhookEndpoint"]["endpoint"]["disabledReason"],
        "MANUAL"
    );
    // Every change is in the audit trail.
    let audit = app
        .ok(
            Some(&admin),
            "{ auditLog(filter: {entity: \"WebhookEndpoint\"}, first: 50) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = audit["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"create") && actions.contains(&"deactivate"),
        "{actions:?}"
    );
}

/// A machine client with `webhooks:manage` registers endpoints in its subtree, for event
/// types its read scopes cover, sees and manages only its own; a client without the scope
/// registers nothing; a disabled client's endpoints get no new deliveries.
async fn a_client_manages_only_its_own_endpoints_for_what_it_may_read(backend: Backend) {
    use crate::api_clients::{client_token, create_client};
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "WH-C", &root).await;
    let hooks = create_client(
        &app,
        &admin,
        "ward-hooks",
        &ward,
        &["webhooks:manage", "targets:read"],
    )
    .await;
    let hooks_token = client_token(&app, &hooks).await;
    let reader = create_client(&app, &admin, "ward-reader", &ward, &["targets:read"]).await;
    let reader_token = client_token(&app, &reader).await;
    // The client's receiver takes the first delivery, then fails: the second is retrying
    // when the client is disabled.
    let rx_client = Receiver::start(|n| Reply::Status(if n == 0 { 200 } else { 503 })).await;
    let rx_admin = Receiver::healthy().await;

    let (own, _) = endpoint(
        &app,
        &hooks_token,
        &rx_client.url(),
        &["SNAPSHOT_TAKEN"],
        &ward,
    )
    .await;
    for (who, types, owner) in [
        (&hooks_token, json!(["REPORT_APPROVED"]), &ward),
        (
            &hooks_token,
            json!(["SNAPSHOT_TAKEN", "EXEMPLAR_REPLICATED"]),
            &ward,
        ),
        (&hooks_token, json!(["SNAPSHOT_TAKEN"]), &root),
        (&reader_token, json!(["SNAPSHOT_TAKEN"]), &ward),
    ] {
        let a = app
            .gql(
                Some(who),
                CREATE,
                json!({"i": {"url": rx_client.url(), "eventTypes": types, "ownerUnitId": owner}}),
            )
            .await;
        assert_eq!(
            a.error_code(),
            Some("FORBIDDEN"),
            "{types} on {owner}: {}",
            a.body
        );
    }
    let (theirs, _) = endpoint(&app, &admin, &rx_admin.url(), &["SNAPSHOT_TAKEN"], &ward).await;

    // Each sees what it may manage: the client its own endpoint, the administrator both.
    let l = app.ok(Some(&hooks_token), ENDPOINTS, json!({})).await;
    assert_eq!(l["webhookEndpoints"]["totalCount"], 1, "{l}");
    assert_eq!(l["webhookEndpoints"]["edges"][0]["node"]["id"], json!(own));
    let l = app.ok(Some(&admin), ENDPOINTS, json!({})).await;
    assert_eq!(l["webhookEndpoints"]["totalCount"], 2, "{l}");
    let ping = "mutation($e: ID!) { testWebhook(endpointId: $e) { delivery { id } } }";
    let a = app
        .gql(Some(&hooks_token), ping, json!({"e": theirs}))
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    let a = app
        .gql(Some(&reader_token), DELIVERIES, json!({"e": own}))
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);

    write_events(&app, 1, "client").await;
    let got = wait_finished(&app, &hooks_token, &own, 1).await;
    assert_eq!(got[0]["eventType"], "SNAPSHOT_TAKEN", "{got:?}");

    write_events(&app, 1, "retrying").await;
    rx_client.wait_for(WAIT, |h| h.len() >= 3).await;
    // Disabled, the client's endpoint gets nothing new, not even the delivery it was
    // retrying; the administrator's endpoint gets everything.
    let d = app
        .ok(
            Some(&admin),
            "mutation($i: DisableApiClientInput!) { disableApiClient(input: $i) { userErrors { code } } }",
            json!({"i": {"id": hooks.id, "reason": "contract ended"}}),
        )
        .await;
    assert_eq!(d["disableApiClient"]["userErrors"], json!([]), "{d}");
    write_events(&app, 1, "after").await;
    wait_finished(&app, &admin, &theirs, 3).await;
    // An attempt claimed before the disable may still land; nothing after it (retries
    // are at most a second apart here).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let settled = rx_client.hits().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        rx_client.hits().len(),
        settled,
        "a disabled client's delivery was retried"
    );
    let ds = deliveries(&app, &admin, &own).await;
    assert_eq!(ds.len(), 2, "{ds:?}");
    assert!(
        ds.iter()
            .any(|d| d["status"] == "FAILED" && d["attempts"].as_i64() >= Some(1)),
        "{ds:?}"
    );
    let l = app.ok(Some(&admin), ENDPOINTS, json!({})).await;
    let mine = l["webhookEndpoints"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["id"] == json!(own))
        .cloned()
        .unwrap();
    assert_eq!(mine["enabled"], false, "{mine}");
    assert_eq!(mine["disabledReason"], "CLIENT_DISABLED", "{mine}");
    // Enabling it again sends nothing while the client stays disabled.
    let d = app
        .ok(
            Some(&admin),
            "mutation($e: ID!) { enableWebhookEndpoint(id: $e) { endpoint { enabled } } }",
            json!({"e": own}),
        )
        .await;
    assert_eq!(
        d["enableWebhookEndpoint"]["endpoint"]["enabled"], true,
        "{d}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        rx_client.hits().len(),
        settled,
        "sent for a disabled client"
    );
}

/// Every new argument of webhooks and API clients, fed a NUL byte, an over-long string or
/// an extreme number, answers a stable code (a request error or a user error), never
/// INTERNAL, on both databases.
async fn hostile_arguments_answer_stable_codes(backend: Backend) {
    let app = spawn_app_with(backend, quick).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let (ep, _) = endpoint(
        &app,
        &admin,
        "http://127.0.0.1:9/hook",
        &["SNAPSHOT_TAKEN"],
        &root,
    )
    .await;
    let client =
        crate::api_clients::create_client(&app, &admin, "hostile", &root, &["targets:read"]).await;
    let long = "Q".repeat(10_000);
    let replay = "mutation($i: ReplayWebhooksInput!) { replayWebhooks(input: $i) { queued userErrors { code } } }";
    let rotate = "mutation($i: RotateApiClientSecretInput!) { rotateApiClientSecret(input: $i) { clientSecret userErrors { code } } }";
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "type with NUL",
            CREATE,
            json!({"i": {"url": "http://a.org/h", "eventTypes": ["SNAPSHOT\u{0}TAKEN"], "ownerUnitId": root}}),
            "INVALID_FORMAT",
        ),
        (
            "over-long type",
            CREATE,
            json!({"i": {"url": "http://a.org/h", "eventTypes": [long], "ownerUnitId": root}}),
            "INVALID_FORMAT",
        ),
        (
            "owner with NUL",
            CREATE,
            json!({"i": {"url": "http://a.org/h", "eventTypes": ["SNAPSHOT_TAKEN"], "ownerUnitId": "a\u{0}b"}}),
            "INVALID_FORMAT",
        ),
        (
            "over-long owner",
            CREATE,
            json!({"i": {"url": "http://a.org/h", "eventTypes": ["SNAPSHOT_TAKEN"], "ownerUnitId": long}}),
            "INVALID_FORMAT",
        ),
        (
            "endpoint id with NUL",
            DELIVERIES,
            json!({"e": "x\u{0}"}),
            "BAD_USER_INPUT",
        ),
        (
            "over-long endpoint id",
            DELIVERIES,
            json!({"e": long}),
            "BAD_USER_INPUT",
        ),
        (
            "huge page",
            "query($e: ID!) { webhookDeliveries(endpointId: $e, first: 2147483647) { totalCount } }",
            json!({"e": ep}),
            "BAD_USER_INPUT",
        ),
        (
            "negative page",
            "{ webhookEndpoints(first: -2147483648) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            "over-long cursor",
            "{ webhookEndpoints(after: \"QQQQ\") { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            "event id past i64",
            replay,
            json!({"i": {"endpointId": ep, "sinceEventId": "9223372036854775808"}}),
            "INVALID_FORMAT",
        ),
        (
            "event id with NUL",
            replay,
            json!({"i": {"endpointId": ep, "sinceEventId": "1\u{0}"}}),
            "INVALID_FORMAT",
        ),
        (
            "time with NUL",
            replay,
            json!({"i": {"endpointId": ep, "sinceTime": "2026-01-01T00:00:00Z\u{0}"}}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "huge client page",
            "{ apiClients(first: 2147483647) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            "client id with NUL",
            rotate,
            json!({"i": {"id": "x\u{0}"}}),
            "INVALID_FORMAT",
        ),
        (
            "huge overlap",
            rotate,
            json!({"i": {"id": client.id, "overlapSeconds": 2147483647}}),
            "OUT_OF_RANGE",
        ),
    ];
    let mut wrong = Vec::new();
    for (case, q, vars, want) in cases {
        let a = app.gql(Some(&admin), q, vars).await;
        let user = a.body["data"]
            .as_object()
            .and_then(|d| d.values().next())
            .map(|p| p["userErrors"][0]["code"].clone())
            .and_then(|c| c.as_str().map(str::to_owned));
        let code = a.error_code().map(str::to_owned).or(user);
        if code.as_deref() != Some(want) {
            wrong.push(format!("{case}: {code:?}, not {want}: {}", a.body));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
