//! What staying signed in costs: the latency of `refreshSession` (a rotation: the token
//! looked up and locked, the session and user read, the old token retired with its sealed
//! retry pair, a new one written, the session touched, one commit) against a signed-in
//! `{ me }` on the same server, one client, on SQLite and (when configured) PostgreSQL.
//! A program that prints numbers, not a timed test.
//!
//! ```sh
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench sessions
//! ```
//! `THIDUA_BENCH_REFRESHES` (default 500) sets how many refreshes (and `me` queries) run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, PgDatabase, Server, ServerOptions, TempDir, percentile_ms, text};

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }";
const REFRESH: &str = "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken refreshToken } }";
const ME: &str = "{ me { user { username } } }";

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> Value {
    let mut req = client.post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let answer: Value = req.send().await.unwrap().json().await.unwrap();
    assert!(answer.get("errors").is_none(), "errors: {answer}");
    answer["data"].clone()
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "  {label:<10} n={:<5} p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms",
        samples.len(),
        percentile_ms(&samples, 0.5),
        percentile_ms(&samples, 0.95),
        percentile_ms(&samples, 0.99),
    );
}

async fn run(url: String, n: usize) {
    let client = reqwest::Client::new();
    let login = json!({"query": LOGIN, "variables": {"i": {"username": "admin", "password": ADMIN_PASSWORD, "deviceName": "bench"}}});
    let d = post(&client, &url, None, &login).await;
    let mut access = text(&d, "/login/accessToken");
    let mut refresh = text(&d, "/login/refreshToken");
    // Warm both paths.
    for _ in 0..20 {
        post(&client, &url, Some(&access), &json!({"query": ME})).await;
    }
    let (mut me, mut refreshes) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let t = Instant::now();
        post(&client, &url, Some(&access), &json!({"query": ME})).await;
        me.push(t.elapsed());
        let body = json!({"query": REFRESH, "variables": {"t": refresh}});
        let t = Instant::now();
        let d = post(&client, &url, None, &body).await;
        refreshes.push(t.elapsed());
        access = text(&d, "/refreshSession/accessToken");
        refresh = text(&d, "/refreshSession/refreshToken");
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        percentile_ms(v, 0.5)
    };
    let (m, r) = (median(&mut me.clone()), median(&mut refreshes.clone()));
    report("me", me);
    report("refresh", refreshes);
    println!("  refresh − me, medians: {:+.2} ms", r - m);
}

fn main() {
    let n = std::env::var("THIDUA_BENCH_REFRESHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = TempDir::new();
    let (server, _) = Server::start(&dir.sqlite_url(), &ServerOptions::default());
    println!("SQLite (release binary of this tree), one client:");
    rt.block_on(run(server.graphql_url(), n));
    drop(server);
    if let Some(admin_url) = support::pg_url() {
        let db = PgDatabase::create(&rt, &admin_url);
        let (server, _) = Server::start(&db.url(), &ServerOptions::default());
        println!("PostgreSQL (same machine), one client:");
        rt.block_on(run(server.graphql_url(), n));
        drop(server);
    }
}
