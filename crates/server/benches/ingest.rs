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
use std::panic::AssertUnwindSafe;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// A running `thidua` process; SIGTERM on drop (it gets 5 s to finish in-flight requests).
struct Server {
    child: Child,
    url: String,
}

impl Server {
    async fn start(database_url: &str, max_connections: u32) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
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
        let url = format!("http://127.0.0.1:{port}/graphql");
        let mut server = Self { child, url };
        let (ready, started) = (format!("http://127.0.0.1:{port}/readyz"), Instant::now());
        let up = |r: reqwest::Result<reqwest::Response>| r.is_ok_and(|r| r.status() == 200);
        while !up(reqwest::get(&ready).await) {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server exited before it was ready: {status}");
            }
            assert!(started.elapsed().as_secs() < 60, "not ready in 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    /// User + system CPU time of the server process so far (fields 14 and 15 of
    /// /proc/<pid>/stat, in ticks of 10 ms).
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields = stat.rsplit_once(')').unwrap().1.split_whitespace();
        let ticks = fields.skip(11).take(2).map(|f| f.parse::<u64>().unwrap());
        Duration::from_millis(ticks.sum::<u64>() * 10)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
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
        (0..columns).map(|i| row.try_get_by_index(i)).collect()
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
    let body = json!({"query": query, "variables": vars});
    let resp = client.post(url).bearer_auth(token).json(&body).send().await;
    let answer: Value = resp.unwrap().json().await.unwrap();
    assert!(answer.get("errors").is_none(), "GraphQL errors: {answer}");
    answer["data"].clone()
}

/// The string at JSON pointer `at` in `d`; panics with `d` when there is none.
fn text(d: &Value, at: &str) -> String {
    let s = d.pointer(at).and_then(Value::as_str);
    s.unwrap_or_else(|| panic!("no {at} in {d}")).to_owned()
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
    let d = call(&client, &url, "", q, login).await;
    let token = text(&d, "/login/accessToken");
    let run = |q: &'static str, i: Value| call(&client, &url, &token, q, json!({"i": i}));
    let d = run(
        "{ orgUnit(code: \"QN\") { id } programme { id } }",
        Value::Null,
    )
    .await;
    let (root, programme) = (text(&d, "/orgUnit/id"), text(&d, "/programme/id"));
    let mut units = vec![];
    for n in 0..UNITS {
        let q = "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }";
        let i = json!({"code": format!("ING-{n:03}"), "name": format!("Xã {n}"), "kind": "WARD", "parentId": root});
        units.push(text(&run(q, i).await, "/createOrgUnit/orgUnit/id"));
    }
    let criteria: Vec<Value> = (0..CRITERIA).map(|n| {
        let (measure, label, target, _) = MEASURES[n % MEASURES.len()];
        json!({"title": format!("Tiêu chí {n}"), "measure": measure, "unitLabel": label, "targetValue": target, "weight": "1"})
    }).collect();
    let q = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { \
        campaign { id criteria { id } } userErrors { code message } } }";
    let i = json!({"code": "ING-2025", "title": "Phong trào thi đua báo cáo", "kind": "THEMATIC",
        "programmeId": programme, "launchingUnitId": root, "startDate": "2025-01-01",
        "endDate": "2025-12-31", "criteria": criteria});
    let d = run(q, i).await;
    let campaign = text(&d, "/createCampaign/campaign/id");
    let criteria = (0..CRITERIA)
        .map(|n| text(&d, &format!("/createCampaign/campaign/criteria/{n}/id")))
        .collect();
    let q = "mutation($i: CampaignTransitionInput!) { launchCampaign(input: $i) { \
        campaign { status } userErrors { code message } } }";
    let d = run(q, json!({"id": campaign})).await;
    assert_eq!(text(&d, "/launchCampaign/campaign/status"), "LAUNCHED");
    for unit in &units {
        let q = "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { \
            participation { id } userErrors { code message } } }";
        let i = json!({"campaignId": campaign, "unitId": unit, "pledge": "Hoàn thành"});
        text(&run(q, i).await, "/registerParticipation/participation/id");
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
    let mut m = 0;
    while n >= [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m] {
        n -= [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m];
        m += 1;
    }
    format!("2025-{:02}-{:02}", m + 1, n + 1)
}

/// Report number `g`: unit `g % 50`, and for each unit a distinct custom period inside 2025
/// (start day `slot % 300`, `slot / 300` days long).
fn report(f: &Field, g: usize, id: uuid::Uuid) -> Value {
    let slot = g / UNITS;
    let (start, len) = (slot % 300, slot / 300);
    let values: Vec<Value> = (f.criteria.iter().enumerate())
        .map(|(n, c)| json!({"criterionId": c, "value": MEASURES[n % MEASURES.len()].3}))
        .collect();
    json!({"id": id.to_string(), "campaignId": f.campaign, "unitId": f.units[g % UNITS],
        "period": {"kind": "CUSTOM", "start": day(start), "end": day(start + len)},
        "values": values, "narrative": format!("Báo cáo số {g}: tổ chức 3 hội nghị tuyên truyền"),
        "location": {"latitude": "20.9517", "longitude": "107.0806"}})
}

/// One run's outcome: sorted batch latencies, wall time, server CPU time used.
struct Run(Vec<Duration>, Duration, Duration);

/// `clients` tasks, each with its own keep-alive connection, take batches off a shared queue
/// until none is left. Every result must have status `expect`.
async fn send(
    f: &Field,
    server: &Server,
    bodies: &[String],
    clients: usize,
    expect: &'static str,
) -> Run {
    let (next, bodies) = (Arc::new(AtomicUsize::new(0)), Arc::new(bodies.to_vec()));
    let (cpu, started) = (server.cpu(), Instant::now());
    let tasks = (0..clients).map(|_| {
        let (next, bodies, url, token) =
            (next.clone(), bodies.clone(), f.url.clone(), f.token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = vec![];
            while let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                let t = Instant::now();
                let req = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json");
                let resp = req.body(body.clone()).send().await.unwrap();
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
            }
            latencies
        })
    });
    let mut latencies: Vec<Duration> = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .flat_map(|t| t.expect("a client failed (see its panic above)"))
        .collect();
    let (wall, server_cpu) = (started.elapsed(), server.cpu() - cpu);
    latencies.sort();
    Run(latencies, wall, server_cpu)
}

/// A table row: reports, wall time, reports/s, batches/s, latency percentiles, server CPU.
fn row(backend: &str, clients: usize, Run(latencies, wall, cpu): &Run) -> String {
    let (n, secs) = (latencies.len(), wall.as_secs_f64());
    let ms = |q: f64| latencies[((n - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    let (p50, p95, p99) = (ms(0.5), ms(0.95), ms(0.99));
    let cpu = 100.0 * cpu.as_secs_f64() / secs;
    let (reports, rps, bps) = (n * BATCH, (n * BATCH) as f64 / secs, n as f64 / secs);
    format!(
        "| {backend} | {clients} | {reports} | {secs:.2} | **{rps:.0}** | {bps:.1} | {p50:.0} | {p95:.0} | {p99:.0} | {cpu:.0} % |"
    )
}

/// Set-up, the runs, the resend, then the counts; returns the table rows and the counts line.
fn run_backend(rt: &Runtime, name: &str, url: &str, max_connections: u32) -> (Vec<String>, String) {
    eprintln!("[{name}] starting the server and setting up {UNITS} units and the campaign…");
    let server = rt.block_on(Server::start(url, max_connections));
    let f = rt.block_on(set_up(server.url.clone()));
    let (mut rows, mut sent, mut accepted, mut first) = (vec![], HashSet::new(), 0, vec![]);
    for (k, clients) in CLIENTS.into_iter().enumerate() {
        let mut bodies = vec![];
        for b in 0..BATCHES {
            let mut reports = vec![];
            for n in 0..BATCH {
                let id = uuid::Uuid::now_v7();
                sent.insert(id);
                reports.push(report(&f, (k * BATCHES + b) * BATCH + n, id));
            }
            bodies.push(
                json!({"query": SUBMIT, "variables": {"i": {"reports": reports}}}).to_string(),
            );
        }
        eprintln!("[{name}] {clients} clients: {BATCHES} batches × {BATCH} reports…");
        let run = rt.block_on(send(&f, &server, &bodies, clients, "ACCEPTED"));
        accepted += run.0.len() * BATCH;
        rows.push(row(name, clients, &run));
        if k == 0 {
            first = bodies[..RESENT].to_vec();
        }
    }
    eprintln!("[{name}] resending the first {RESENT} batches of the first run…");
    let run = rt.block_on(send(&f, &server, &first, CLIENTS[0], "DUPLICATE"));
    rows.push(row(&format!("{name}, resent"), CLIENTS[0], &run));
    drop(server);
    let counts = "SELECT COUNT(*), COUNT(DISTINCT id) FROM progress_reports";
    let reports = rt.block_on(sql(url, counts, 2)).unwrap();
    let values = rt.block_on(sql(url, "SELECT COUNT(*) FROM report_values", 1));
    let values = values.unwrap()[0] as usize;
    let (count, distinct, ids) = (reports[0] as usize, reports[1] as usize, sent.len());
    assert_eq!(
        (count, distinct, accepted),
        (ids, ids, ids),
        "rows, ids, ACCEPTED ≠ sent"
    );
    assert_eq!(values, CRITERIA * count, "not {CRITERIA} values per report");
    let line = format!(
        "- {name}: {count} report rows = {distinct} distinct ids = {ids} ids sent = \
        {accepted} ACCEPTED; {values} value rows = {CRITERIA} × {count}; the {} resent reports \
        were all DUPLICATE and stored nothing. ✔",
        RESENT * BATCH
    );
    (rows, line)
}

fn main() {
    let rt = Runtime::new().unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("thidua ingest: {BIN}");
    let dir = std::env::temp_dir().join(format!("thidua-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.join("thidua.db").display());
    let (mut rows, sqlite_counts) = run_backend(&rt, "SQLite", &sqlite, 10);
    let _ = std::fs::remove_dir_all(&dir);
    let mut counts = vec![sqlite_counts];
    let pg_url = ["THIDUA_BENCH_POSTGRES_URL", "THIDUA_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    if let Some(admin) = &pg_url {
        // A scratch database, dropped WITH (FORCE) even when the run panics.
        let name = format!("thidua_bench_{}", uuid::Uuid::new_v4().simple());
        let create = format!("CREATE DATABASE \"{name}\"");
        rt.block_on(sql(admin, &create, 0))
            .expect("creating the bench database (needs CREATEDB)");
        let (base, query) = admin.split_once('?').unwrap_or((admin, ""));
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let url = format!("{}/{name}{query}", base.rsplit_once('/').unwrap().0);
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
            run_backend(&rt, "PostgreSQL", &url, 20)
        }));
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        if let Err(e) = rt.block_on(sql(admin, &drop, 0)) {
            eprintln!("could not drop database {name}: {e}");
        }
        let (r, c) = run.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        rows.extend(r);
        counts.push(c);
    }

    println!("\n## thidua report ingestion: `submitReports` over HTTP\n");
    println!(
        "{BATCHES} batches × {BATCH} reports × {CRITERIA} values per run, {UNITS} units, one \
        launched campaign, as admin; pool: 10 connections on SQLite, 20 on PostgreSQL; default \
        workers. Server CPU = the server process's user + system time ÷ wall time (100 % = one \
        core).\n"
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
    let best = (rows.iter().filter(|r| r.starts_with("| PostgreSQL |")))
        .filter_map(|r| r.split("**").nth(1)?.parse::<f64>().ok())
        .fold(0.0, f64::max);
    let verdict = match pg_url {
        Some(_) if best >= TARGET => format!("met (best {best:.0})"),
        Some(_) => format!("NOT met (best {best:.0})"),
        None => "not measured: set THIDUA_BENCH_POSTGRES_URL to include PostgreSQL".into(),
    };
    println!("\nTarget: ≥ {TARGET:.0} reports/s on PostgreSQL: {verdict}.");
    println!(
        "\nThe clients run on the same {cores}-core machine as the server and PostgreSQL and \
        compete with them for CPU: the figures are a floor for a dedicated server."
    );
}
