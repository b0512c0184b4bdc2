//! Login flood: how many password checks per second the server answers when flooded
//! with sign-ins (plain, 15 aliased in one document, and batches of 10 such documents —
//! the 13 KB request), and what an ordinary signed-in query costs meanwhile (median and
//! p99, against the same query on the idle server). A program that prints numbers, not
//! a timed test.
//!
//! ```sh
//! # a release server of this tree, started on a scratch SQLite database:
//! cargo bench -p thidua-server --bench login_flood
//! # any running server (e.g. an older binary), given its URL and an account:
//! THIDUA_BENCH_URL=http://127.0.0.1:8080 THIDUA_BENCH_USERNAME=admin \
//!     THIDUA_BENCH_PASSWORD=… cargo bench -p thidua-server --bench login_flood
//! ```
//!
//! `THIDUA_BENCH_FLOOD_CLIENTS` (default 8) and `THIDUA_BENCH_FLOOD_SECS` (default 10)
//! size the flood. The flood signs in with wrong passwords under made-up usernames, so
//! every login is a full argon2 check unless the server refuses it first. Note: against a
//! server with failed-login throttling, the flood locks the bench's own address out for a
//! while (up to 15 minutes by default); the account's token is taken before the flood.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Server, ServerOptions, TempDir, percentile_ms};

const PROBE: &str = "{ me { user { username } } }";

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One login field per alias `a0`…; each with its own unknown username.
fn aliased(n: usize, seed: u64) -> String {
    let fields: String = (0..n)
        .map(|i| {
            format!(
                "a{i}: login(input: {{username: \"flood-{seed}-{i}\", password: \"wrong-password-{i}\"}}) {{ accessToken }} "
            )
        })
        .collect();
    format!("mutation {{ {fields}}}")
}

/// The three shapes of the flood, in turn.
fn flood_body(k: u64) -> (String, u64) {
    match k % 3 {
        0 => (json!({"query": aliased(1, k)}).to_string(), 1),
        1 => (json!({"query": aliased(15, k)}).to_string(), 15),
        _ => {
            let batch: Vec<Value> = (0..10)
                .map(|j| json!({"query": aliased(15, k * 10 + j)}))
                .collect();
            (Value::Array(batch).to_string(), 150)
        }
    }
}

/// Counts error codes anywhere in an answer (single or batch).
fn count_codes(v: &Value, checked: &AtomicU64, refused: &AtomicU64) {
    let answers: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    for a in answers {
        for e in a["errors"].as_array().into_iter().flatten() {
            match e["extensions"]["code"].as_str() {
                Some("UNAUTHENTICATED") => checked.fetch_add(1, Ordering::Relaxed),
                Some(_) => refused.fetch_add(1, Ordering::Relaxed),
                None => 0,
            };
        }
    }
}

async fn probe(client: &reqwest::Client, url: &str, token: &str) -> Result<Duration, String> {
    let t = Instant::now();
    let resp = client
        .post(url)
        .bearer_auth(token)
        .json(&json!({"query": PROBE}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let v: Value = resp.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() || v.get("errors").is_some() {
        return Err(format!("{status}: {v}"));
    }
    Ok(t.elapsed())
}

async fn probes(
    url: &str,
    token: &str,
    stop: Arc<AtomicBool>,
    max: usize,
) -> (Vec<Duration>, usize) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (mut ok, mut failed) = (vec![], 0);
    while !stop.load(Ordering::Relaxed) && ok.len() + failed < max {
        match probe(&client, url, token).await {
            Ok(d) => ok.push(d),
            Err(_) => failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ok.sort();
    (ok, failed)
}

fn print_latency(label: &str, (lat, failed): &(Vec<Duration>, usize)) {
    println!(
        "{label}: {} queries, median {:.1} ms, p99 {:.1} ms, {failed} failed",
        lat.len(),
        percentile_ms(lat, 0.5),
        percentile_ms(lat, 0.99)
    );
}

async fn run(url: String, username: String, password: String) {
    let client = reqwest::Client::new();
    let login = json!({"query": support::LOGIN, "variables": {"i": {"username": username, "password": password}}});
    let answer: Value = client
        .post(&url)
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = support::text(&answer, "/data/login/accessToken");

    let idle = probes(&url, &token, Arc::new(AtomicBool::new(false)), 200).await;
    print_latency("ordinary query, idle server", &idle);

    let clients = env_or("THIDUA_BENCH_FLOOD_CLIENTS", 8);
    let secs = env_or("THIDUA_BENCH_FLOOD_SECS", 10);
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, checked, refused, requests) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let started = Instant::now();
    let flooders: Vec<_> = (0..clients)
        .map(|c| {
            let (url, stop) = (url.clone(), stop.clone());
            let (sent, checked, refused, requests) = (
                sent.clone(),
                checked.clone(),
                refused.clone(),
                requests.clone(),
            );
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(120))
                    .build()
                    .unwrap();
                let mut k = c * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    let (body, fields) = flood_body(k);
                    k += 1;
                    let resp = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    sent.fetch_add(fields, Ordering::Relaxed);
                    requests.fetch_add(1, Ordering::Relaxed);
                    if let Ok(r) = resp
                        && let Ok(v) = r.json::<Value>().await
                    {
                        count_codes(&v, &checked, &refused);
                    }
                }
            })
        })
        .collect();
    let stopper = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            stop.store(true, Ordering::Relaxed);
        })
    };
    // Let the flood build up before probing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = probes(&url, &token, stop.clone(), usize::MAX).await;
    stopper.await.unwrap();
    for f in flooders {
        f.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let per_sec = |n: &AtomicU64| n.load(Ordering::Relaxed) as f64 / elapsed;
    println!(
        "login flood: {clients} clients for {elapsed:.1} s, {:.1} requests/s",
        per_sec(&requests)
    );
    println!("  login fields sent:             {:.1}/s", per_sec(&sent));
    println!(
        "  password checks answered:      {:.1}/s (UNAUTHENTICATED: the saturation rate)",
        per_sec(&checked)
    );
    println!(
        "  logins refused before a check: {:.1}/s (RATE_LIMITED, TOO_MANY_LOGINS, …)",
        per_sec(&refused)
    );
    print_latency("ordinary query during the flood", &during);
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    if let Ok(base) = std::env::var("THIDUA_BENCH_URL") {
        let username = std::env::var("THIDUA_BENCH_USERNAME").unwrap_or_else(|_| "admin".into());
        let password = std::env::var("THIDUA_BENCH_PASSWORD")
            .expect("THIDUA_BENCH_PASSWORD with THIDUA_BENCH_URL");
        let url = format!("{}/graphql", base.trim_end_matches('/'));
        println!("against {url}");
        rt.block_on(run(url, username, password));
        return;
    }
    let dir = TempDir::new();
    let (server, _) = Server::start(&dir.sqlite_url(), &ServerOptions::default());
    println!("against this tree's release binary on SQLite");
    rt.block_on(run(
        server.graphql_url(),
        "admin".into(),
        ADMIN_PASSWORD.into(),
    ));
}
