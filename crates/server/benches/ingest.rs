//! Report ingestion through the real HTTP API (a program that prints numbers, not a timed test).
//! It starts the release `thidua` binary on a fresh database, then, as admin, creates 50 units
//! under the root, a launched campaign with 10 concrete criteria (PERCENT / COUNT / YES_NO /
//! NUMBER) and registers every unit. It then sends `submitReports` batches of 50 reports × 10
//! values from 4, 8 and 16 concurrent clients (200 batches = 10,000 new reports per run, every
//! report with its own UUID v7 and its own (unit, period)), and reports reports/s, batches/s and
//! the p50 / p95 / p99 batch latency, plus the CPU the server used. Every result must be
//! ACCEPTED. The first 20 batches of the first run are then sent again: every result must be
//! DUPLICATE. Finally the rows are counted in the database itself (the server stopped): reports
//! = distinct ids = ids sent = ACCEPTED results, and values = 10 × reports.
//!
//! ```sh
//! cargo bench -p thidua-server --bench ingest
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench ingest
//! ```
//!
//! PostgreSQL runs when `THIDUA_BENCH_POSTGRES_URL` (or `THIDUA_TEST_POSTGRES_URL`) is set; the
//! role needs `CREATEDB`: a database `thidua_bench_<uuid>` is created and dropped afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const BIN: &str = env!("CARGO_BIN_EXE_thidua");
const ADMIN_PASSWORD: &str = "admin-password-for-the-bench";
const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";
const UNITS: usize = 50;
const CRITERIA: usize = 10;
const BATCH: usize = 50;
const BATCHES: usize = 200;
const CLIENTS: [usize; 3] = [4, 8, 16];
const RESENT: usize = 20;
const TARGET: f64 = 2000.0;
const SUBMIT: &str = "mutation($i: SubmitReportsInput!) { submitReports(input: $i) { \
    results { id status userErrors { field code message } report { id version } } \
    userErrors { field code message } } }";

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("thidua-bench-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
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
    url: String,
}

impl Server {
    fn start(database_url: &str, max_connections: u32) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new(BIN)
            .args(["serve", "--port", &port.to_string()])
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("THIDUA_DB_MAX_CONNECTIONS", max_connections.to_string())
            .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("THIDUA_JWT_SECRET", JWT_SECRET)
            .env("THIDUA_LOG", "warn")
            .env("THIDUA_SHUTDOWN_TIMEOUT_SECS", "5")
            .spawn()
            .expect("spawning the thidua binary");
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}/graphql"),
        };
        let started = Instant::now();
        while !ready(port) {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server exited before it was ready: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "not ready in 60 s"
            );
            sleep(Duration::from_millis(20));
        }
        server
    }

    /// User + system CPU time of the server process so far.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<u64> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .skip(11)
            .take(2)
            .map(|f| f.parse().unwrap())
            .collect();
        Duration::from_millis((fields[0] + fields[1]) * 10) // 100 clock ticks per second
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 `GET /readyz`; true on `200`.
fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut answer = Vec::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_end(&mut answer).is_ok()
        && answer.starts_with(b"HTTP/1.1 200")
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
        rt.block_on(sql(admin_url, &format!("CREATE DATABASE \"{name}\""), 0))
            .expect("creating the PostgreSQL bench database (the role needs CREATEDB)");
        let (admin_url, rt) = (admin_url.to_owned(), rt.handle().clone());
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
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = self.rt.block_on(sql(&self.admin_url, &drop, 0)) {
            eprintln!("could not drop database {}: {e}", self.name);
        }
    }
}

/// Runs `query` on a fresh connection; returns the first `columns` integers of its first row.
async fn sql(url: &str, query: &str, columns: usize) -> Result<Vec<i64>, sea_orm::DbErr> {
    let db = sea_orm::Database::connect(url).await?;
    let result = if columns == 0 {
        db.execute_unprepared(query).await.map(|_| vec![])
    } else {
        let stmt = Statement::from_string(db.get_database_backend(), query);
        let row = db.query_one_raw(stmt).await?.expect("a row");
        (0..columns)
            .map(|i| row.try_get_by_index::<i64>(i))
            .collect()
    };
    let _ = db.close().await;
    result
}

/// What the set-up made: the admin token, the campaign, the units and the criteria.
struct Field {
    url: String,
    token: String,
    campaign: String,
    units: Vec<String>,
    criteria: Vec<String>,
}

/// One GraphQL call; panics on `errors`.
async fn call(client: &reqwest::Client, url: &str, token: &str, query: &str, vars: Value) -> Value {
    let req = client
        .post(url)
        .json(&json!({"query": query, "variables": vars}));
    let req = if token.is_empty() {
        req
    } else {
        req.bearer_auth(token)
    };
    let answer: Value = req.send().await.unwrap().json().await.unwrap();
    assert!(answer.get("errors").is_none(), "GraphQL errors: {answer}");
    answer["data"].clone()
}

/// The measures of the criteria, cycled: (measure, unit label, target, a valid value).
const MEASURES: [(&str, &str, &str, &str); 4] = [
    ("PERCENT", "%", "90", "92.5"),
    ("COUNT", "mô hình", "3", "2"),
    ("YES_NO", "có/không", "1", "1"),
    ("NUMBER", "%", "1.5", "1.8"),
];

async fn set_up(url: String) -> Field {
    let client = reqwest::Client::new();
    let login = json!({"i": {"username": "admin", "password": ADMIN_PASSWORD}});
    let q = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
    let token = call(&client, &url, "", q, login).await["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = |q: &'static str, v: Value| call(&client, &url, &token, q, v);
    let root = run("{ orgUnit(code: \"QN\") { id } }", json!({})).await["orgUnit"]["id"].clone();
    let programme = run("{ programme { id } }", json!({})).await["programme"]["id"].clone();
    let mut units = vec![];
    for n in 0..UNITS {
        let i = json!({"code": format!("ING-{n:03}"), "name": format!("Xã {n}"), "kind": "WARD", "parentId": root});
        let q = "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }";
        let d = run(q, json!({"i": i})).await;
        units.push(
            d["createOrgUnit"]["orgUnit"]["id"]
                .as_str()
                .expect("a unit")
                .to_owned(),
        );
    }
    let criteria: Vec<Value> = (0..CRITERIA).map(|n| {
        let (measure, label, target, _) = MEASURES[n % MEASURES.len()];
        json!({"title": format!("Tiêu chí {n}"), "measure": measure, "unitLabel": label, "targetValue": target, "weight": "1"})
    }).collect();
    let i = json!({"code": "ING-2025", "title": "Phong trào thi đua báo cáo", "kind": "THEMATIC",
        "programmeId": programme, "launchingUnitId": root, "startDate": "2025-01-01",
        "endDate": "2025-12-31", "criteria": criteria});
    let q = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { \
        campaign { id criteria { id } } userErrors { code message } } }";
    let d = run(q, json!({"i": i})).await;
    let campaign = d["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned();
    let criteria = d["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let q = "mutation($i: CampaignTransitionInput!) { launchCampaign(input: $i) { \
        campaign { status } userErrors { code message } } }";
    let d = run(q, json!({"i": {"id": campaign}})).await;
    assert_eq!(d["launchCampaign"]["campaign"]["status"], "LAUNCHED", "{d}");
    for unit in &units {
        let q = "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { \
            participation { id } userErrors { code message } } }";
        let d = run(
            q,
            json!({"i": {"campaignId": campaign, "unitId": unit, "pledge": "Hoàn thành"}}),
        )
        .await;
        assert!(
            d["registerParticipation"]["participation"]["id"].is_string(),
            "{d}"
        );
    }
    Field {
        url,
        token,
        campaign,
        units,
        criteria,
    }
}

/// Day `n` (0-based) of 2025 as YYYY-MM-DD.
fn day(mut n: usize) -> String {
    let months = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut m = 0;
    while n >= months[m] {
        n -= months[m];
        m += 1;
    }
    format!("2025-{:02}-{:02}", m + 1, n + 1)
}

/// Report number `g`: unit `g % 50`, and for each unit a distinct custom period inside 2025
/// (start day `slot % 300`, `slot / 300` days long).
fn report(f: &Field, g: usize, id: uuid::Uuid) -> Value {
    let slot = g / UNITS;
    let (start, len) = (slot % 300, slot / 300);
    let values: Vec<Value> = f
        .criteria
        .iter()
        .enumerate()
        .map(|(n, c)| json!({"criterionId": c, "value": MEASURES[n % MEASURES.len()].3}))
        .collect();
    json!({"id": id.to_string(), "campaignId": f.campaign, "unitId": f.units[g % UNITS],
        "period": {"kind": "CUSTOM", "start": day(start), "end": day(start + len)},
        "values": values, "narrative": format!("Báo cáo số {g}: tổ chức 3 hội nghị tuyên truyền"),
        "location": {"latitude": "20.9517", "longitude": "107.0806"}})
}

/// One run's outcome: batch latencies, wall time, results counted, server CPU used.
struct Run {
    latencies: Vec<Duration>,
    wall: Duration,
    results: usize,
    server_cpu: Duration,
}

/// `clients` tasks, each with its own keep-alive connection, take batches off a shared queue
/// until none is left. Every result must have status `expect`.
async fn send(
    f: &Field,
    server: &Server,
    bodies: &[String],
    clients: usize,
    expect: &'static str,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(bodies.to_vec());
    let (cpu, started) = (server.cpu(), Instant::now());
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (next, bodies, url, token) =
                (next.clone(), bodies.clone(), f.url.clone(), f.token.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let (mut latencies, mut results) = (vec![], 0);
                while let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let t = Instant::now();
                    let resp = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    let status = resp.status();
                    let answer: Value = resp.json().await.unwrap();
                    latencies.push(t.elapsed());
                    let items = answer["data"]["submitReports"]["results"].as_array();
                    let ok = status == 200
                        && answer.get("errors").is_none()
                        && items.is_some_and(|r| {
                            r.len() == BATCH && r.iter().all(|r| r["status"] == expect)
                        });
                    assert!(ok, "a batch was not all {expect} ({status}): {answer}");
                    results += BATCH;
                }
                (latencies, results)
            })
        })
        .collect();
    let mut run = Run {
        latencies: vec![],
        wall: Duration::ZERO,
        results: 0,
        server_cpu: Duration::ZERO,
    };
    for task in tasks {
        let (l, n) = task.await.expect("a client failed (see its panic above)");
        run.latencies.extend(l);
        run.results += n;
    }
    run.wall = started.elapsed();
    run.server_cpu = server.cpu() - cpu;
    run.latencies.sort();
    run
}

fn row(backend: &str, clients: usize, r: &Run) -> String {
    let ms = |q: f64| {
        r.latencies[((r.latencies.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3
    };
    let secs = r.wall.as_secs_f64();
    format!(
        "| {backend} | {clients} | {} | {:.2} | **{:.0}** | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} % |",
        r.results,
        secs,
        r.results as f64 / secs,
        r.latencies.len() as f64 / secs,
        ms(0.5),
        ms(0.95),
        ms(0.99),
        100.0 * r.server_cpu.as_secs_f64() / secs
    )
}

/// Set-up, the runs, the resend, then the counts; returns the table rows and the counts line.
fn run_backend(rt: &Runtime, name: &str, url: &str, max_connections: u32) -> (Vec<String>, String) {
    eprintln!("[{name}] starting the server and setting up {UNITS} units and the campaign…");
    let server = Server::start(url, max_connections);
    let f = rt.block_on(set_up(server.url.clone()));
    let (mut rows, mut sent, mut accepted, mut first) = (vec![], HashSet::new(), 0, vec![]);
    for (k, clients) in CLIENTS.into_iter().enumerate() {
        let bodies: Vec<String> = (0..BATCHES)
            .map(|b| {
                let reports: Vec<Value> = (0..BATCH)
                    .map(|n| {
                        let id = uuid::Uuid::now_v7();
                        sent.insert(id);
                        report(&f, (k * BATCHES + b) * BATCH + n, id)
                    })
                    .collect();
                json!({"query": SUBMIT, "variables": {"i": {"reports": reports}}}).to_string()
            })
            .collect();
        eprintln!("[{name}] {clients} clients: {BATCHES} batches × {BATCH} reports…");
        let run = rt.block_on(send(&f, &server, &bodies, clients, "ACCEPTED"));
        accepted += run.results;
        rows.push(row(name, clients, &run));
        if k == 0 {
            first = bodies[..RESENT].to_vec();
        }
    }
    eprintln!("[{name}] resending the first {RESENT} batches of the first run…");
    let run = rt.block_on(send(&f, &server, &first, CLIENTS[0], "DUPLICATE"));
    rows.push(row(
        &format!("{name}, resent: all DUPLICATE"),
        CLIENTS[0],
        &run,
    ));
    drop(server);
    let counts = "SELECT COUNT(*), COUNT(DISTINCT id) FROM progress_reports";
    let reports = rt.block_on(sql(url, counts, 2)).unwrap();
    let values = rt
        .block_on(sql(url, "SELECT COUNT(*) FROM report_values", 1))
        .unwrap()[0];
    let (count, distinct) = (reports[0] as usize, reports[1] as usize);
    assert_eq!(
        (count, distinct, accepted),
        (sent.len(), sent.len(), sent.len()),
        "(rows, distinct ids, accepted) must all equal the ids sent"
    );
    assert_eq!(
        values as usize,
        CRITERIA * count,
        "values must be {CRITERIA} per report"
    );
    let line = format!(
        "- {name}: {count} report rows = {distinct} distinct ids = {} ids sent = \
        {accepted} ACCEPTED; {values} value rows = {CRITERIA} × {count}; {} resent reports all \
        DUPLICATE, nothing stored twice. ✔",
        sent.len(),
        RESENT * BATCH
    );
    (rows, line)
}

fn main() {
    let rt = Runtime::new().unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("thidua ingest: {BIN}");
    let dir = TempDir::new();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.0.join("thidua.db").display());
    let (mut rows, mut counts) = {
        let (r, c) = run_backend(&rt, "SQLite", &sqlite, 10);
        (r, vec![c])
    };
    let pg_url = ["THIDUA_BENCH_POSTGRES_URL", "THIDUA_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    if let Some(url) = &pg_url {
        let db = PgDatabase::create(&rt, url);
        let (r, c) = run_backend(&rt, "PostgreSQL", &db.url(), 20);
        rows.extend(r);
        counts.push(c);
    }

    println!("\n## thidua report ingestion: `submitReports` over HTTP\n");
    println!(
        "{BATCHES} batches × {BATCH} reports × {CRITERIA} values per run, 50 units, one \
        launched campaign, as admin; pool: 10 connections on SQLite, 20 on PostgreSQL; \
        default workers. Server CPU = the server process's user + system time ÷ wall time \
        (100 % = one core).\n"
    );
    println!(
        "| backend | clients | reports | wall s | reports/s | batches/s | p50 ms | p95 ms | p99 ms | server CPU |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    println!("{}", rows.join("\n"));
    println!(
        "\n### Counted in the database after the runs\n\n{}",
        counts.join("\n")
    );
    match &pg_url {
        Some(_) => {
            let best = rows
                .iter()
                .filter(|r| r.starts_with("| PostgreSQL |"))
                .filter_map(|r| r.split("**").nth(1)?.parse::<f64>().ok())
                .fold(0.0, f64::max);
            let verdict = if best >= TARGET { "met" } else { "NOT met" };
            println!(
                "\nTarget: ≥ {TARGET:.0} reports/s on PostgreSQL. Best: {best:.0} reports/s: {verdict}."
            );
        }
        None => println!(
            "\nTarget: ≥ {TARGET:.0} reports/s on PostgreSQL: skipped, set \
            THIDUA_BENCH_POSTGRES_URL (or THIDUA_TEST_POSTGRES_URL) to include it."
        ),
    }
    println!(
        "\nThe clients run on the same {cores}-core machine as the server (and PostgreSQL) \
        and compete with them for CPU; the figures are a floor for a dedicated server."
    );
}
