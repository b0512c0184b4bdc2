//! Webhook deliveries (issue 14): throughput to a local receiver with one and with two
//! server processes on one PostgreSQL database, and event-commit-to-delivery latency at a
//! steady 50 events a second. A program that prints numbers, not a timed test.
//!
//! ```sh
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench webhooks
//! ```
//!
//! - **Throughput:** to `ENDPOINTS` endpoints (one endpoint's deliveries go out one at a
//!   time, in order, so several endpoints are what spreads the work), `THIDUA_BENCH_EVENTS`
//!   (default 2000) events are written straight into the outbox (as mutations would, 100
//!   per transaction, well under a second); the clock runs from the first write until the
//!   receiver has every delivery: deliveries per second. Then a second server process
//!   joins on the same database and the same is measured again. Duplicates are counted
//!   at the receiver (by `webhook-id`).
//! - **Latency:** one endpoint, one process, `THIDUA_BENCH_RATE` (50) events a second for
//!   `THIDUA_BENCH_SECONDS` (20) s, each in its own transaction: from the commit returning
//!   in this program to the receiver (in this program) reading the request; p50, p99, max.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Api, PgDatabase, Server, ServerOptions, percentile_ms, text};
use thidua_persistence::outbox::{self, EventKind, NewEvent};
use thidua_persistence::{Database, DbOptions};
use thidua_tests::receiver::Receiver;
use tokio::runtime::Runtime;

const ENDPOINTS: usize = 4;
const CREATE: &str = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } userErrors { code } } }";
const DISABLE: &str =
    "mutation($e: ID!) { disableWebhookEndpoint(id: $e) { endpoint { enabled } } }";

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn connect(url: &str) -> Database {
    Database::connect(&DbOptions {
        url: url.to_owned(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: None,
        idle_in_transaction_timeout: None,
        pooler: thidua_persistence::pooler::Pooler::None,
    })
    .await
    .expect("connecting to the bench database")
}

/// Writes `n` events, `per_txn` to a transaction; returns each id with its commit instant.
async fn write(db: &Database, n: usize, per_txn: usize, tag: &str) -> Vec<(i64, Instant)> {
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let k = per_txn.min(n - i);
        let events = (0..k)
            .map(|j| {
                NewEvent::new(EventKind::SnapshotTaken, json!({}))
                    .body(json!({"tag": tag, "i": i + j}))
            })
            .collect();
        let txn = db.begin_write().await.unwrap();
        let ids = outbox::record_many(&txn, events).await.unwrap();
        txn.commit().await.unwrap();
        let at = Instant::now();
        out.extend(ids.into_iter().map(|id| (id, at)));
        i += k;
    }
    out
}

/// Writes `events` (delivered to every endpoint) and waits for every delivery.
async fn throughput(
    db: &Database,
    endpoints: usize,
    receiver: &Receiver,
    events: usize,
    tag: &str,
) -> (f64, usize) {
    let before = receiver.hits().len();
    let started = Instant::now();
    write(db, events, 100, tag).await;
    let want = before + events * endpoints;
    receiver
        .wait_for(Duration::from_secs(900), |h| h.len() >= want)
        .await;
    let secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = receiver.hits();
    let ids: HashSet<&str> = all[before..].iter().map(|h| h.id.as_str()).collect();
    let duplicates = all.len() - before - ids.len();
    ((events * endpoints) as f64 / secs, duplicates)
}

fn main() {
    let Some(admin_url) = support::pg_url() else {
        eprintln!("THIDUA_BENCH_POSTGRES_URL is not set: nothing to measure");
        return;
    };
    let events = env_usize("THIDUA_BENCH_EVENTS", 2000);
    let rate = env_usize("THIDUA_BENCH_RATE", 50).max(1);
    let seconds = env_usize("THIDUA_BENCH_SECONDS", 20);
    let rt = Runtime::new().expect("a runtime");
    let pg = PgDatabase::create(&rt, &admin_url);
    let (one, _) = Server::start(&pg.url(), &ServerOptions::default());
    let graphql = one.graphql_url();
    let url = pg.url();
    rt.block_on(async move {
        let api = Api::admin(graphql).await;
        let db = connect(&url).await;
        let root = text(
            &api.run("{ orgUnit(code: \"QN\") { id } }", json!({})).await,
            "/orgUnit/id",
        );
        let receiver = Receiver::healthy().await;
        let mut endpoints = vec![];
        for _ in 0..ENDPOINTS {
            let d = api
                .run(
                    CREATE,
                    json!({"i": {"url": receiver.url(), "eventTypes": ["SNAPSHOT_TAKEN"], "ownerUnitId": root}}),
                )
                .await;
            endpoints.push(text(&d, "/createWebhookEndpoint/endpoint/id"));
        }

        eprintln!("throughput, one process: {events} events × {ENDPOINTS} endpoints…");
        let (one_rate, one_dup) = throughput(&db, ENDPOINTS, &receiver, events, "one").await;
        let (two, _) = Server::start(&url, &ServerOptions::default());
        eprintln!("throughput, two processes…");
        let (two_rate, two_dup) = throughput(&db, ENDPOINTS, &receiver, events, "two").await;
        drop(two);

        // Latency: one endpoint left enabled.
        for e in &endpoints[1..] {
            api.run(DISABLE, json!({"e": e})).await;
        }
        eprintln!("latency: {rate} events/s for {seconds} s to one endpoint…");
        let before = receiver.hits().len();
        let total = rate * seconds;
        let mut committed: Vec<(i64, Instant)> = Vec::with_capacity(total);
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        for i in 0..total {
            tick.tick().await;
            committed.extend(write(&db, 1, 1, &format!("lat-{i}")).await);
        }
        receiver
            .wait_for(Duration::from_secs(600), |h| h.len() >= before + total)
            .await;
        let at: HashMap<i64, Instant> = receiver.hits()[before..]
            .iter()
            .map(|h| (h.json()["data"]["eventId"].as_i64().unwrap(), h.at))
            .collect();
        let mut lat: Vec<Duration> = committed
            .iter()
            .filter_map(|(id, c)| at.get(id).map(|r| r.saturating_duration_since(*c)))
            .collect();
        lat.sort_unstable();

        println!("webhooks (PostgreSQL, debug or release as built, local receiver)");
        println!(
            "  throughput, 1 process : {one_rate:8.1} deliveries/s ({} deliveries, {one_dup} duplicates)",
            events * ENDPOINTS
        );
        println!(
            "  throughput, 2 processes: {two_rate:8.1} deliveries/s ({} deliveries, {two_dup} duplicates)",
            events * ENDPOINTS
        );
        println!(
            "  commit to delivery at {rate}/s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} of {total} received)",
            percentile_ms(&lat, 0.5),
            percentile_ms(&lat, 0.99),
            percentile_ms(&lat, 1.0),
            lat.len()
        );
        db.close().await;
    });
    drop(one);
    drop(pg);
}
