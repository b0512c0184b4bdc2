//! Baseline figures for the `thidua` server binary (a program that prints numbers, not a
//! timed test). It measures, against the real release binary over real HTTP:
//!
//! 1. start-up time on SQLite: process spawn to the first `200` from `/readyz`, 5 cold starts
//!    (fresh database each) and 5 warm restarts (existing database); min / median / max;
//! 2. resident memory (VmRSS) after a fresh start and 2 s idle, and after the load test;
//! 3. throughput and latency of the 50-campaign list query (each campaign with 2 concrete
//!    criteria and 1 milestone) from 8 and 32 concurrent keep-alive connections, 10 s each
//!    after a 2 s warm-up, on SQLite and, when configured, PostgreSQL.
//!
//! Run it with:
//!
//! ```sh
//! cargo bench -p thidua-server --bench baseline
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench baseline
//! ```
//!
//! PostgreSQL runs when `THIDUA_BENCH_POSTGRES_URL` (or `THIDUA_TEST_POSTGRES_URL`) is set; the
//! role needs `CREATEDB`: a database `thidua_bench_<uuid>` is created and dropped afterwards.
//! Any response that is not a `200` with 50 campaigns and no `errors` aborts the run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const BIN: &str = env!("CARGO_BIN_EXE_thidua");
const ADMIN_PASSWORD: &str = "admin-password-for-the-bench";
const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";
const RUNS: usize = 5;
const CAMPAIGNS: usize = 50;
const CONNECTIONS: [usize; 2] = [8, 32];
const WARMUP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);
const LIST: &str = "query($n: Int) { campaigns(first: $n) { edges { node { id title \
    criteria { title isConcrete } milestones { title status } launchingUnit { name } } } \
    pageInfo { hasNextPage } } }";

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("thidua-bench-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn sqlite_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("thidua.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `thidua` process; SIGTERM (then SIGKILL after 10 s) on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Spawns the server and waits for `/readyz`; returns it with the spawn-to-ready time.
    fn start(database_url: &str) -> (Self, Duration) {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--port", &port.to_string()])
            .env_clear() // nothing from the caller's THIDUA_* leaks in: workers etc. at defaults
            .env("DATABASE_URL", database_url)
            .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("THIDUA_JWT_SECRET", JWT_SECRET)
            .env("THIDUA_LOG", "warn")
            .env("THIDUA_SHUTDOWN_TIMEOUT_SECS", "2");
        // The one setting passed through: to compare DataLoader batching delays.
        if let Ok(delay) = std::env::var("THIDUA_DATALOADER_DELAY_US") {
            cmd.env("THIDUA_DATALOADER_DELAY_US", delay);
        }
        let spawned = Instant::now();
        let mut server = Self {
            child: cmd.spawn().expect("spawning the thidua binary"),
            port,
        };
        while !server.ready() {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server exited before it was ready: {status}");
            }
            assert!(
                spawned.elapsed() < Duration::from_secs(60),
                "not ready in 60 s"
            );
            sleep(Duration::from_millis(2));
        }
        (server, spawned.elapsed())
    }

    /// One raw HTTP/1.1 `GET /readyz`; true on `200`.
    fn ready(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let request = "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        let mut answer = Vec::new();
        stream.write_all(request.as_bytes()).is_ok()
            && stream.read_to_end(&mut answer).is_ok()
            && answer.starts_with(b"HTTP/1.1 200")
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// VmRSS from /proc/<pid>/status, in MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status");
        kib / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            sleep(Duration::from_millis(10));
        }
        eprintln!("server {pid} ignored SIGTERM for 10 s: killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scratch PostgreSQL database, dropped `WITH (FORCE)` on drop.
struct PgDatabase {
    admin_url: String,
    name: String,
    rt: tokio::runtime::Handle,
}

impl PgDatabase {
    fn create(rt: &Runtime, admin_url: &str) -> Self {
        let name = format!("thidua_bench_{}", uuid::Uuid::new_v4().simple());
        rt.block_on(pg_execute(
            admin_url,
            &format!("CREATE DATABASE \"{name}\""),
        ))
        .expect("creating the PostgreSQL bench database (the role needs CREATEDB)");
        let rt = rt.handle().clone();
        let admin_url = admin_url.to_owned();
        Self {
            admin_url,
            name,
            rt,
        }
    }

    /// The admin URL with its database name replaced by ours.
    fn url(&self) -> String {
        let (base, query) = match self.admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (self.admin_url.as_str(), String::new()),
        };
        let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
        format!("{prefix}/{}{query}", self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = self.rt.block_on(pg_execute(&self.admin_url, &sql)) {
            eprintln!("could not drop database {}: {e}", self.name);
        }
    }
}

async fn pg_execute(url: &str, sql: &str) -> Result<(), sea_orm::DbErr> {
    let db = sea_orm::Database::connect(url).await?;
    let result = db.execute_unprepared(sql).await;
    let _ = db.close().await;
    result.map(|_| ())
}

/// A GraphQL client for the set-up; panics on `errors`.
struct Api {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl Api {
    async fn run(&self, query: &str, variables: Value) -> Value {
        let body = json!({"query": query, "variables": variables});
        let mut req = self.client.post(&self.url).json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let answer: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(answer.get("errors").is_none(), "GraphQL errors: {answer}");
        answer["data"].clone()
    }
}

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
const CREATE_UNIT: &str =
    "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }";
const CREATE_CAMPAIGN: &str = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) \
    { campaign { id } userErrors { code message } } }";
const ADD_MILESTONE: &str =
    "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }";

/// Logs in as admin and creates the 50 campaigns (over 3 launching units); returns the token.
async fn populate(base: &str) -> String {
    let url = format!("{base}/graphql");
    let mut api = Api {
        client: reqwest::Client::new(),
        url,
        token: None,
    };
    let login = json!({"i": {"username": "admin", "password": ADMIN_PASSWORD}});
    let token = api.run(LOGIN, login).await["login"]["accessToken"].clone();
    api.token = Some(token.as_str().unwrap().to_owned());
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
    api.token.unwrap_or_default()
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
/// list query in a loop; requests started during the warm-up are not counted. Returns a table row.
async fn load(base: &str, token: &str, connections: usize) -> String {
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
    let ms = |q: f64| all[((all.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    let rps = all.len() as f64 / (end - from).as_secs_f64();
    let (p50, p95, p99) = (ms(0.50), ms(0.95), ms(0.99));
    format!(
        "| {connections} | {} | {rps:.0} | {p50:.1} | {p95:.1} | {p99:.1} |",
        all.len()
    )
}

/// Fresh start, 2 s idle (RSS), populate, load at each concurrency, RSS again.
/// Returns the memory rows and the load rows of the report.
fn run_backend(rt: &Runtime, name: &str, database_url: &str) -> (Vec<String>, Vec<String>) {
    eprintln!("[{name}] fresh start, 2 s idle, then {CAMPAIGNS} campaigns through the API…");
    let (server, _) = Server::start(database_url);
    sleep(Duration::from_secs(2));
    let idle = server.rss_mib();
    let token = rt.block_on(populate(&server.base()));
    let mut loads = Vec::new();
    for c in CONNECTIONS {
        eprintln!("[{name}] {c} connections: {WARMUP:?} warm-up + {MEASURE:?}…");
        loads.push(format!(
            "| {name} {}",
            rt.block_on(load(&server.base(), &token, c))
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
    Server::start(&dir.sqlite_url()).1
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
    let rt = Runtime::new().unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("thidua baseline: {BIN}");

    eprintln!("cold starts and warm restarts on SQLite…");
    let cold: Vec<_> = (0..RUNS).map(|_| start_sqlite(&TempDir::new())).collect();
    let existing = TempDir::new();
    start_sqlite(&existing);
    let warm: Vec<_> = (0..RUNS).map(|_| start_sqlite(&existing)).collect();

    let (mut memory, mut loads) = run_backend(&rt, "SQLite", &TempDir::new().sqlite_url());
    let pg_url = ["THIDUA_BENCH_POSTGRES_URL", "THIDUA_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    if let Some(url) = &pg_url {
        let db = PgDatabase::create(&rt, url);
        let (m, l) = run_backend(&rt, "PostgreSQL", &db.url());
        memory.extend(m);
        loads.extend(l);
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
