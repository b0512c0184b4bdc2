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

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Api, BIN, PgDatabase, Server, ServerOptions, TempDir, percentile_ms, text};
use tokio::runtime::Runtime;

const UNITS: usize = 50;
const CRITERIA: usize = 10;
const BATCH: usize = 50;
const BATCHES: usize = 200;
const CLIENTS: [usize; 3] = [4, 8, 16];
const RESENT: usize = 20;
const TARGET: f64 = 2000.0;
/// Most the p99 batch latency may be, in multiples of the p50, at the largest client count
/// on SQLite (its writers take turns first come, first served).
const TAIL_RATIO: f64 = 3.0;
const SUBMIT: &str = "mutation($i: SubmitReportsInput!) { submitReports(input: $i) { \
    results { id status userErrors { field code message } report { id version } } \
    userErrors { field code message } } }";

/// What the set-up made: the admin token, the campaign, the units and the criteria.
struct Field {
    url: String,
    token: String,
    campaign: String,
    units: Vec<String>,
    criteria: Vec<String>,
}

/// The measures of the criteria, cycled: (measure, unit label, target, a valid value).
const MEASURES: [(&str, &str, &str, &str); 4] = [
    ("PERCENT", "%", "90", "92.5"),
    ("COUNT", "mô hình", "3", "2"),
    ("YES_NO", "có/không", "1", "1"),
    ("NUMBER", "%", "1.5", "1.8"),
];

async fn set_up(url: String) -> Field {
    let api = Api::admin(url.clone()).await;
    let run = |q: &'static str, i: Value| api.run(q, json!({"i": i}));
    let d = api
        .run(
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
        token: api.token,
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
    let check = move |status: reqwest::StatusCode, answer: &Value| {
        let items = answer["data"]["submitReports"]["results"].as_array();
        let ok = status == 200
            && answer.get("errors").is_none()
            && items.is_some_and(|r| r.len() == BATCH && r.iter().all(|r| r["status"] == expect));
        if ok {
            Ok(())
        } else {
            Err(format!("a batch was not all {expect} ({status}): {answer}"))
        }
    };
    let (cpu, started) = (server.cpu(), Instant::now());
    let samples = support::drive(&f.url, &f.token, bodies, clients, check).await;
    let (wall, server_cpu) = (started.elapsed(), server.cpu() - cpu);
    let mut latencies = vec![];
    for s in samples {
        if let Some(e) = s.error {
            panic!("{e}");
        }
        latencies.push(s.latency);
    }
    latencies.sort();
    Run(latencies, wall, server_cpu)
}

/// A table row: reports, wall time, reports/s, batches/s, latency percentiles, server CPU.
fn row(backend: &str, clients: usize, Run(latencies, wall, cpu): &Run) -> String {
    let (n, secs) = (latencies.len(), wall.as_secs_f64());
    let ms = |q: f64| percentile_ms(latencies, q);
    let (p50, p95, p99) = (ms(0.5), ms(0.95), ms(0.99));
    let cpu = 100.0 * cpu.as_secs_f64() / secs;
    let (reports, rps, bps) = (n * BATCH, (n * BATCH) as f64 / secs, n as f64 / secs);
    format!(
        "| {backend} | {clients} | {reports} | {secs:.2} | **{rps:.0}** | {bps:.1} | {p50:.0} | {p95:.0} | {p99:.0} | {cpu:.0} % |"
    )
}

/// The p50 and p99 batch latency (ms) at the largest client count.
struct Tail {
    p50: f64,
    p99: f64,
}

impl Tail {
    fn ratio(&self) -> f64 {
        self.p99 / self.p50
    }

    fn line(&self, backend: &str) -> String {
        format!(
            "- {backend}, {} clients: p99 {:.0} ms ÷ p50 {:.0} ms = **{:.2}×**",
            CLIENTS[CLIENTS.len() - 1],
            self.p99,
            self.p50,
            self.ratio()
        )
    }
}

/// Set-up, the runs, the resend, then the counts; returns the table rows, the counts line
/// and the tail at the largest client count.
fn run_backend(
    rt: &Runtime,
    name: &str,
    url: &str,
    max_connections: u32,
) -> (Vec<String>, String, Tail) {
    eprintln!("[{name}] starting the server and setting up {UNITS} units and the campaign…");
    let options = ServerOptions {
        max_connections: Some(max_connections),
        shutdown_secs: 5,
        ..ServerOptions::default()
    };
    let (server, _) = Server::start(url, &options);
    let f = rt.block_on(set_up(server.graphql_url()));
    let (mut rows, mut sent, mut accepted, mut first) = (vec![], HashSet::new(), 0, vec![]);
    let mut tail = Tail {
        p50: f64::NAN,
        p99: f64::NAN,
    };
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
        if k == CLIENTS.len() - 1 {
            tail = Tail {
                p50: percentile_ms(&run.0, 0.5),
                p99: percentile_ms(&run.0, 0.99),
            };
        }
        if k == 0 {
            first = bodies[..RESENT].to_vec();
        }
    }
    eprintln!("[{name}] resending the first {RESENT} batches of the first run…");
    let run = rt.block_on(send(&f, &server, &first, CLIENTS[0], "DUPLICATE"));
    rows.push(row(&format!("{name}, resent"), CLIENTS[0], &run));
    drop(server);
    let counts = "SELECT COUNT(*), COUNT(DISTINCT id) FROM progress_reports";
    let reports = rt.block_on(support::sql_ints(url, counts, 2));
    let reports = reports.expect("counting the reports");
    let values = rt.block_on(support::sql_ints(
        url,
        "SELECT COUNT(*) FROM report_values",
        1,
    ));
    let values = values.expect("counting the values")[0] as usize;
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
    (rows, line, tail)
}

fn main() {
    let rt = Runtime::new().expect("a tokio runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("thidua ingest: {BIN}");
    let dir = TempDir::new();
    let (mut rows, sqlite_counts, sqlite_tail) = run_backend(&rt, "SQLite", &dir.sqlite_url(), 10);
    drop(dir);
    let mut counts = vec![sqlite_counts];
    let mut tails = vec![sqlite_tail.line("SQLite")];
    let pg_url = support::pg_url();
    if let Some(admin) = &pg_url {
        // A scratch database, dropped WITH (FORCE) even when the run panics.
        let db = PgDatabase::create(&rt, admin);
        let (r, c, t) = run_backend(&rt, "PostgreSQL", &db.url(), 20);
        rows.extend(r);
        counts.push(c);
        tails.push(t.line("PostgreSQL"));
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
    println!("\n### Tail latency\n\n{}", tails.join("\n"));
    let ratio = sqlite_tail.ratio();
    println!(
        "\nTarget: SQLite p99 ≤ {TAIL_RATIO:.0}× p50 at {} clients: {} ({ratio:.2}×).",
        CLIENTS[CLIENTS.len() - 1],
        if ratio <= TAIL_RATIO { "PASS" } else { "FAIL" }
    );
    println!(
        "\nThe clients run on the same {cores}-core machine as the server and PostgreSQL and \
        compete with them for CPU: the figures are a floor for a dedicated server."
    );
}
