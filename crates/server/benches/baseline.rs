//! Baseline figures for the `thidua` server binary (a program that prints numbers, not a
//! timed test). It measures, against the real release binary over real HTTP:
//!
//! 1. start-up time on SQLite: process spawn to the first `200` from `/readyz`, 5 cold starts
//!    (fresh database each) and 5 warm restarts (existing database); min / median / max;
//! 2. resident memory (VmRSS) after a fresh start and 2 s idle, and after the load test;
//! 3. throughput and latency of the 50-campaign list query (each campaign with 2 concrete
//!    criteria and 1 milestone) from 8 and 32 concurrent keep-alive connections, 10 s each
//!    after a 2 s warm-up, on SQLite and, when configured, PostgreSQL;
//! 4. with `THIDUA_BENCH_POOLER=1` (PostgreSQL only): what `THIDUA_DATABASE_POOLER=transaction`
//!    costs, directly on PostgreSQL: two servers on one database, one with the setting, in
//!    alternating rounds at 16 connections; median req/s and p99 of the rounds.
//!
//! Run it with:
//!
//! ```sh
//! cargo bench -p thidua-server --bench baseline
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench baseline
//! THIDUA_BENCH_POOLER=1 THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench baseline
//! ```
//!
//! PostgreSQL runs when `THIDUA_BENCH_POSTGRES_URL` (or `THIDUA_TEST_POSTGRES_URL`) is set; the
//! role needs `CREATEDB`: a database `thidua_bench_<uuid>` is created and dropped afterwards.
//! Any response that is not a `200` with 50 campaigns and no `errors` aborts the run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Api, BIN, PgDatabase, Server, ServerOptions, TempDir, percentile_ms};
use tokio::runtime::Runtime;

const RUNS: usize = 5;
const CAMPAIGNS: usize = 50;
const CONNECTIONS: [usize; 2] = [8, 32];
const WARMUP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);
/// Rounds per server of the pooler comparison, and its connections.
const POOLER_ROUNDS: usize = 3;
const POOLER_CONNECTIONS: usize = 16;
const LIST: &str = "query($n: Int) { campaigns(first: $n) { edges { node { id title \
    criteria { title isConcrete } milestones { title status } launchingUnit { name } } } \
    pageInfo { hasNextPage } } }";

const CREATE_UNIT: &str =
    "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }";
const CREATE_CAMPAIGN: &str = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) \
    { campaign { id } userErrors { code message } } }";
const ADD_MILESTONE: &str =
    "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }";

/// The start options of every run: defaults, except that `THIDUA_DATALOADER_DELAY_US`
/// passes through, to compare DataLoader batching delays.
fn options() -> ServerOptions {
    ServerOptions {
        pass_dataloader_delay: true,
        ..ServerOptions::default()
    }
}

/// One load run's figures.
struct Load {
    requests: usize,
    rps: f64,
    p50: f64,
    p95: f64,
    p99: f64,
}

/// Logs in as admin and creates the 50 campaigns (over 3 launching units); returns the token.
async fn populate(base: &str) -> String {
    let api = Api::admin(format!("{base}/graphql")).await;
    let root =
        api.run("{ orgUnit(code: \"QN\") { id } }", json!({})).await["orgUnit"]["id"].clone();
    let programme = api.run("{ programme { id } }", json!({})).await["programme"]["id"].clone();
    let mut units = vec![root.clone()];
    for code in ["BENCH-A", "BENCH-B"] {
        let i = json!({"code": code, "name": format!("Đơn vị {code}"), "kind": "WARD", "parentId": root});
        units.push(
            api.run(CREATE_UNIT, json!({"i": i})).await["createOrgUnit"]["orgUnit"]["id"].clone(),
        );
    }
    let criterion = |title: &str| json!({"title": title, "measure": "PERCENT", "unitLabel": "%", "targetValue": "95", "weight": "1"});
    for n in 0..CAMPAIGNS {
        let i = json!({
            "code": format!("BENCH-{n:03}"), "title": format!("Phong trào thi đua {n}"), "kind": "THEMATIC",
            "programmeId": programme, "launchingUnitId": units[n % units.len()],
            "startDate": "2025-01-01", "endDate": "2025-12-31",
            "criteria": [criterion("Tiêu chí 1"), criterion("Tiêu chí 2")],
        });
        let d = api.run(CREATE_CAMPAIGN, json!({"i": i})).await;
        let Some(id) = d["createCampaign"]["campaign"]["id"].as_str() else {
            panic!("createCampaign: {d}");
        };
        let i = json!({"campaignId": id, "kind": "REPORTING_DEADLINE", "title": "Báo cáo quý", "dueDate": "2025-03-31"});
        api.run(ADD_MILESTONE, json!({"i": i})).await;
    }
    api.token
}

/// Checks a list response: a `200` without `errors`, holding the 50 campaigns.
fn check(status: reqwest::StatusCode, body: &[u8]) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let edges = v["data"]["campaigns"]["edges"].as_array().map(Vec::len);
    let ok = status == 200 && v.get("errors").is_none() && edges == Some(CAMPAIGNS);
    assert!(
        ok,
        "bad list response ({status}): {}",
        String::from_utf8_lossy(body)
    );
}

/// `connections` tasks, each with its own client and so its own keep-alive connection, post the
/// list query in a loop; requests started during the warm-up are not counted.
async fn load(base: &str, token: &str, connections: usize) -> Load {
    let request = json!({"query": LIST, "variables": {"n": CAMPAIGNS}});
    let from = Instant::now() + WARMUP;
    let until = from + MEASURE;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (url, token, request) =
                (format!("{base}/graphql"), token.to_owned(), request.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let (mut latencies, mut last) = (Vec::new(), from);
                while Instant::now() < until {
                    let started = Instant::now();
                    let resp = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&request)
                        .send()
                        .await;
                    let resp = resp.unwrap();
                    let status = resp.status();
                    check(status, &resp.bytes().await.unwrap());
                    if started >= from {
                        last = Instant::now();
                        latencies.push(last - started);
                    }
                }
                (latencies, last)
            })
        })
        .collect();
    let (mut all, mut end) = (Vec::new(), from);
    for task in tasks {
        let (latencies, last) = task
            .await
            .expect("a load task failed (see its panic above)");
        all.extend(latencies);
        end = end.max(last);
    }
    all.sort();
    let ms = |q: f64| percentile_ms(&all, q);
    Load {
        requests: all.len(),
        rps: all.len() as f64 / (end - from).as_secs_f64(),
        p50: ms(0.50),
        p95: ms(0.95),
        p99: ms(0.99),
    }
}

/// The median of `xs` (sorted here).
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// `THIDUA_DATABASE_POOLER=transaction` against the default on one PostgreSQL database:
/// both servers up at once, rounds alternated; one table row per server.
fn pooler_rows(rt: &Runtime, database_url: &str) -> Vec<String> {
    let (plain, _) = Server::start(database_url, &options());
    let token = rt.block_on(populate(&plain.base()));
    let pooled_options = ServerOptions {
        pooler_transaction: true,
        ..options()
    };
    let (pooled, _) = Server::start(database_url, &pooled_options);
    let servers = [("none (default)", &plain), ("transaction", &pooled)];
    let mut runs: [Vec<Load>; 2] = [Vec::new(), Vec::new()];
    for round in 0..POOLER_ROUNDS {
        for (i, (name, server)) in servers.iter().enumerate() {
            eprintln!("[pooler] round {} of {POOLER_ROUNDS}: {name}…", round + 1);
            runs[i].push(rt.block_on(load(&server.base(), &token, POOLER_CONNECTIONS)));
        }
    }
    servers
        .iter()
        .zip(runs)
        .map(|((name, _), loads)| {
            let each: Vec<String> = loads.iter().map(|l| format!("{:.0}", l.rps)).collect();
            format!(
                "| {name} | {} | {:.0} ({}) | {:.1} | {:.1} |",
                loads.iter().map(|l| l.requests).sum::<usize>(),
                median(loads.iter().map(|l| l.rps).collect()),
                each.join(", "),
                median(loads.iter().map(|l| l.p50).collect()),
                median(loads.iter().map(|l| l.p99).collect()),
            )
        })
        .collect()
}

/// Fresh start, 2 s idle (RSS), populate, load at each concurrency, RSS again.
/// Returns the memory rows and the load rows of the report.
fn run_backend(rt: &Runtime, name: &str, database_url: &str) -> (Vec<String>, Vec<String>) {
    eprintln!("[{name}] fresh start, 2 s idle, then {CAMPAIGNS} campaigns through the API…");
    let (server, _) = Server::start(database_url, &options());
    sleep(Duration::from_secs(2));
    let idle = server.rss_mib();
    let token = rt.block_on(populate(&server.base()));
    let mut loads = Vec::new();
    for c in CONNECTIONS {
        eprintln!("[{name}] {c} connections: {WARMUP:?} warm-up + {MEASURE:?}…");
        let l = rt.block_on(load(&server.base(), &token, c));
        loads.push(format!(
            "| {name} | {c} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
            l.requests, l.rps, l.p50, l.p95, l.p99
        ));
    }
    let memory = vec![
        format!("| RSS idle, {name} (fresh start + 2 s) | {idle:.1} MiB | < 50 MiB |"),
        format!(
            "| RSS after the load test, {name} | {:.1} MiB | |",
            server.rss_mib()
        ),
    ];
    (memory, loads)
}

/// Spawn-to-ready time of one start on the SQLite database in `dir`, server stopped after.
fn start_sqlite(dir: &TempDir) -> Duration {
    Server::start(&dir.sqlite_url(), &options()).1
}

/// min / median / max in ms.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |i: usize| times[i].as_secs_f64() * 1e3;
    format!(
        "{:.0} / {:.0} / {:.0} ms",
        ms(0),
        ms(times.len() / 2),
        ms(times.len() - 1)
    )
}

fn main() {
    let rt = Runtime::new().expect("a tokio runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("thidua baseline: {BIN}");

    eprintln!("cold starts and warm restarts on SQLite…");
    let cold: Vec<_> = (0..RUNS).map(|_| start_sqlite(&TempDir::new())).collect();
    let existing = TempDir::new();
    start_sqlite(&existing);
    let warm: Vec<_> = (0..RUNS).map(|_| start_sqlite(&existing)).collect();

    let (mut memory, mut loads) = run_backend(&rt, "SQLite", &TempDir::new().sqlite_url());
    let pg_url = support::pg_url();
    let mut pooler = Vec::new();
    if let Some(url) = &pg_url {
        let db = PgDatabase::create(&rt, url);
        let (m, l) = run_backend(&rt, "PostgreSQL", &db.url());
        memory.extend(m);
        loads.extend(l);
        if std::env::var("THIDUA_BENCH_POOLER").is_ok_and(|v| v == "1") {
            pooler = pooler_rows(&rt, &PgDatabase::create(&rt, url).url());
        }
    }

    println!("\n## thidua baseline\n\n| measurement | result | target |\n| --- | --- | --- |");
    println!(
        "| cold start, SQLite: spawn → first 200 from /readyz (min / median / max of {RUNS}) | {} | < 1 s |",
        summary(cold)
    );
    println!(
        "| warm restart, SQLite, existing database (min / median / max of {RUNS}) | {} | < 1 s |",
        summary(warm)
    );
    println!("{}", memory.join("\n"));
    println!(
        "\n### 50-campaign list query: {MEASURE:?} after a {WARMUP:?} warm-up, default workers\n"
    );
    println!("| backend | connections | requests | req/s | p50 ms | p95 ms | p99 ms |");
    println!(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n{}",
        loads.join("\n")
    );
    if !pooler.is_empty() {
        println!(
            "\n### THIDUA_DATABASE_POOLER on PostgreSQL directly: the list query, {POOLER_CONNECTIONS} \
             connections, {POOLER_ROUNDS} alternating rounds of {MEASURE:?} per server\n"
        );
        println!("| setting | requests | req/s, median (each round) | p50 ms | p99 ms |");
        println!("| --- | ---: | ---: | ---: | ---: |\n{}", pooler.join("\n"));
    }
    if pg_url.is_none() {
        println!(
            "\nPostgreSQL skipped: set THIDUA_BENCH_POSTGRES_URL (or THIDUA_TEST_POSTGRES_URL) to include it."
        );
    }
    println!(
        "\nThe load generator runs on the same {cores}-core machine as the server and competes with \
         it for CPU. Every counted response was a 200 with {CAMPAIGNS} campaigns and no `errors`."
    );
}
