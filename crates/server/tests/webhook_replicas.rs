//! Webhooks from real `thidua serve` processes sharing one PostgreSQL database: with two
//! replicas, 1,000 events reach each endpoint exactly once and in order; when one replica
//! is killed (SIGKILL) while a request of its own is on the wire, only that delivery is
//! sent twice, by the survivor, once the dead replica's lease runs out.
//!
//! Events are written from the test straight into the shared database (the outbox and its
//! fan-out, as a mutation's transaction writes them), so both replicas learn of them the way
//! they learn of each other's: through PostgreSQL's notifications.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use thidua_persistence::{Database, DbOptions};
use thidua_tests::events::snapshots_one_by_one;
use thidua_tests::process::{Server, client, graphql, login, metrics, owner_of_connection};
use thidua_tests::receiver::{Hit, Receiver, Reply, verify};
use thidua_tests::{ADMIN_PASSWORD, Backend, Scratch};

/// The binary under test (only this package's tests know where cargo put it).
const BIN: &str = env!("CARGO_BIN_EXE_thidua");

const WAIT: Duration = Duration::from_secs(120);

fn postgres() -> bool {
    let set = thidua_tests::postgres_url().is_some();
    if !set {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
    }
    set
}

/// A replica on `scratch`'s database with quick retries and a request timeout of
/// `timeout_secs` (a dead replica's lease, twice the timeout plus 5 s, ends within seconds).
async fn replica(scratch: &Scratch, http: &reqwest::Client, timeout_secs: u64) -> Server {
    let mut cmd = scratch.configured(BIN);
    cmd.env("THIDUA_WEBHOOK_RETRY_BASE_MS", "50")
        .env("THIDUA_WEBHOOK_RETRY_MAX_SECS", "1")
        .env(
            "THIDUA_WEBHOOK_TIMEOUT_MS",
            (timeout_secs * 1000).to_string(),
        )
        .env("THIDUA_DB_MAX_CONNECTIONS", "6");
    let mut server = Server::start(cmd);
    server.wait_ready(http).await;
    server
}

async fn ok(http: &reqwest::Client, server: &Server, token: &str, query: &str) -> Value {
    let (_, body) = graphql(http, server, query, Some(token), None).await;
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

/// Registers an endpoint for `SNAPSHOT_TAKEN` at `url` on the root unit; returns its secret.
async fn endpoint(http: &reqwest::Client, server: &Server, token: &str, url: &str) -> String {
    let root = ok(http, server, token, "{ orgUnit(code: \"QN\") { id } }").await["orgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let query = format!(
        "mutation {{ createWebhookEndpoint(input: {{url: {}, eventTypes: [\"SNAPSHOT_TAKEN\"], \
            ownerUnitId: {}}}) {{ secret userErrors {{ code }} }} }}",
        json!(url),
        json!(root)
    );
    let d = ok(http, server, token, &query).await;
    assert_eq!(d["createWebhookEndpoint"]["userErrors"], json!([]), "{d}");
    d["createWebhookEndpoint"]["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn open(scratch: &Scratch) -> Database {
    Database::connect(&DbOptions {
        url: scratch.database_url().to_owned(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(30),
        statement_timeout: None,
        idle_in_transaction_timeout: None,
        pooler: thidua_persistence::pooler::Pooler::None,
    })
    .await
    .expect("connect to the shared database")
}

fn event_id(hit: &Hit) -> i64 {
    hit.json()["data"]["eventId"].as_i64().unwrap()
}

/// Successful sends of `server` (its `thidua_webhook_attempts_total{outcome="success"}`).
async fn successes(http: &reqwest::Client, server: &Server) -> f64 {
    metrics(http, server)
        .await
        .lines()
        .find(|l| l.starts_with("thidua_webhook_attempts_total{outcome=\"success\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_deliver_a_thousand_events_exactly_once_in_order() {
    if !postgres() {
        return;
    }
    let scratch = Scratch::seeded(Backend::Postgres).await;
    let http = client();
    let one = replica(&scratch, &http, 1).await;
    let two = replica(&scratch, &http, 1).await;
    let admin = login(&http, &one, "admin", ADMIN_PASSWORD).await;
    let rx_a = Receiver::healthy().await;
    let rx_b = Receiver::healthy().await;
    let secret_a = endpoint(&http, &one, &admin, &rx_a.url()).await;
    let secret_b = endpoint(&http, &two, &admin, &rx_b.url()).await;
    let db = open(&scratch).await;
    let (first, second) = tokio::join!(
        snapshots_one_by_one(&db, 500, "a"),
        snapshots_one_by_one(&db, 500, "b")
    );
    let mut all: Vec<i64> = first.iter().chain(&second).copied().collect();
    all.sort_unstable();
    for rx in [&rx_a, &rx_b] {
        rx.wait_for(WAIT, |h| h.len() >= 1000).await;
    }
    // Anything sent twice would arrive within a lease (7 s); wait past one.
    tokio::time::sleep(Duration::from_secs(8)).await;
    for (rx, secret) in [(&rx_a, &secret_a), (&rx_b, &secret_b)] {
        let hits = rx.hits();
        assert_eq!(hits.len(), 1000, "a delivery arrived twice or not at all");
        let ids: HashSet<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids.len(), 1000, "a webhook-id arrived twice");
        assert!(hits.iter().all(|h| verify(secret, h)), "a bad signature");
        let got: Vec<i64> = hits.iter().map(event_id).collect();
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, all, "not every event arrived");
        // Each writer committed its events one after another: they arrive in that order.
        for writer in [&first, &second] {
            let mine: HashSet<i64> = writer.iter().copied().collect();
            let seen: Vec<i64> = got.iter().copied().filter(|i| mine.contains(i)).collect();
            assert!(&seen == writer, "one writer's events arrived out of order");
        }
    }
    // Both processes took part.
    let (sent_one, sent_two) = (successes(&http, &one).await, successes(&http, &two).await);
    eprintln!("process one sent {sent_one}, process two {sent_two}");
    assert!(sent_one > 0.0 && sent_two > 0.0, "{sent_one} / {sent_two}");
    assert_eq!(sent_one + sent_two, 2000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_a_process_mid_delivery_sends_only_that_delivery_twice() {
    if !postgres() {
        return;
    }
    const EVENTS: usize = 300;
    const HELD: usize = 100;
    let scratch = Scratch::seeded(Backend::Postgres).await;
    let http = client();
    // The held request must still be waiting for its answer when its sender is found and
    // killed, however busy the machine: a timeout of 5 s, so a lease of 15 s.
    let mut one = replica(&scratch, &http, 5).await;
    let mut two = replica(&scratch, &http, 5).await;
    let admin = login(&http, &one, "admin", ADMIN_PASSWORD).await;
    // The 101st request is held: its sender is killed while it waits for the answer.
    let rx = Receiver::start(|n| {
        if n == HELD {
            Reply::Hold
        } else {
            Reply::Status(200)
        }
    })
    .await;
    let secret = endpoint(&http, &one, &admin, &rx.url()).await;
    let db = open(&scratch).await;
    let ids = snapshots_one_by_one(&db, EVENTS, "crash").await;
    let held = rx.wait_for(WAIT, |h| h.len() > HELD).await[HELD].clone();
    let receiver: SocketAddr = ([127, 0, 0, 1], rx.port).into();
    let pids = [one.child.id(), two.child.id()];
    let sender = owner_of_connection(held.peer, receiver, &pids)
        .expect("the held request's connection belongs to one of the two processes");
    let (dead, survivor) = if sender == pids[0] {
        (&mut one, &mut two)
    } else {
        (&mut two, &mut one)
    };
    // SIGKILL: no shutdown, the result of the held send is never recorded.
    dead.child.kill().unwrap();
    dead.child.wait().unwrap();
    rx.release();
    let hits = rx
        .wait_for(WAIT, |h| {
            h.iter().filter(|h| h.id == held.id).count() == 2 && h.len() > EVENTS
        })
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hits_now = rx.hits();
    assert_eq!(
        hits_now.len(),
        hits.len(),
        "more arrived after the last event"
    );
    assert_eq!(
        hits_now.len(),
        EVENTS + 1,
        "one delivery sent twice, every other once"
    );
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for h in &hits_now {
        *per_id.entry(h.id.as_str()).or_default() += 1;
        assert!(verify(&secret, h), "a bad signature");
    }
    assert_eq!(per_id.len(), EVENTS);
    assert_eq!(per_id[held.id.as_str()], 2, "the one in flight at the kill");
    assert!(per_id.iter().all(|(id, n)| *n == 1 || *id == held.id));
    // In stream order, the resent one where it was.
    let order: Vec<i64> = hits_now
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != HELD)
        .map(|(_, h)| event_id(h))
        .collect();
    assert_eq!(order, ids, "out of order");
    // The survivor sent the second copy and everything after it.
    let sent = successes(&http, survivor).await;
    assert!(sent >= (EVENTS - HELD) as f64, "the survivor sent {sent}");
}
