//! Scale-out behind a real load balancer (issue 15): the release `thidua` binary started 1,
//! 2 and 3 times on one scratch PostgreSQL database (evidence in the database,
//! `THIDUA_BLOB_STORE=database`), HAProxy in front (round robin, health checks on
//! `/readyz`), and `THIDUA_BENCH_SECS` (60) s of mixed traffic through it for each count:
//! dashboard and list reads, report batches from 8 reporters (every fourth sent twice at
//! once, every fourth the previous one again), evidence uploads downloaded back from every
//! process directly, approvals, and each reporter's approvals watched over WebSocket and
//! SSE. Every answer is checked, then the database: every report stored once, every file
//! there, every watcher heard exactly its approvals (`thidua_tests::mixed`). A run with a
//! failure prints them and stops: no figures from a wrong run.
//!
//! Prints requests per second through HAProxy, p50 and p99 per kind of request, and each
//! process's CPU time per request it answered (/proc/<pid>/stat, user + system).
//!
//! ```sh
//! scripts/bench-load-balancer.sh     # installs haproxy if missing, builds, runs this
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench load_balancer
//! ```
//!
//! `THIDUA_BENCH_PROCESSES` (`1,2,3`) chooses the counts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::{ADMIN_PASSWORD, BIN, PgDatabase, Server, ServerOptions, percentile_ms};
use thidua_tests::haproxy::{self, Haproxy};
use thidua_tests::mixed::{self, Kind, Outcome, Plan, Sample, Target};
use tokio::runtime::Runtime;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// p50 and p99 in ms of `samples`.
fn quantiles<'a>(samples: impl Iterator<Item = &'a Sample>) -> (usize, f64, f64) {
    let mut l: Vec<Duration> = samples.map(|s| s.latency).collect();
    l.sort();
    (l.len(), percentile_ms(&l, 0.5), percentile_ms(&l, 0.99))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Starts `n` processes and HAProxy on a fresh database, runs the traffic, checks it.
fn run(rt: &Runtime, admin_url: &str, n: usize, plan: &Plan) -> Outcome {
    let db = PgDatabase::create(rt, admin_url);
    let options = ServerOptions {
        max_connections: Some(10),
        shutdown_secs: 5,
        env: vec![
            ("THIDUA_BLOB_STORE", "database".into()),
            ("THIDUA_TRUST_FORWARDED_FOR", "true".into()),
        ],
        ..ServerOptions::default()
    };
    // One after another: the first migrates and seeds.
    let servers: Vec<Server> = (0..n)
        .map(|_| Server::start(&db.url(), &options).0)
        .collect();
    let ports: Vec<u16> = servers.iter().map(Server::port).collect();
    let mut balancer = Haproxy::start(&ports);
    rt.block_on(balancer.wait_all_up(&reqwest::Client::new()));
    let target = Target {
        balancer: balancer.url(""),
        processes: servers.iter().map(Server::base).collect(),
        pids: servers.iter().map(Server::pid).collect(),
        balancer_pid: balancer.pid(),
        database_url: db.url(),
        admin_password: ADMIN_PASSWORD.to_owned(),
    };
    eprintln!(
        "[{n} process(es)] {} s of mixed traffic through HAProxy on :{}…",
        plan.duration.as_secs(),
        balancer.port
    );
    let outcome = rt.block_on(mixed::run(&target, plan));
    drop(balancer);
    drop(servers);
    drop(db);
    if outcome.failed > 0 {
        eprintln!("[{n} process(es)] FAILED; the first failures:");
        for f in &outcome.failures {
            eprintln!("  {f}");
        }
    }
    outcome.assert_correct();
    outcome
}

fn main() {
    let admin_url = support::pg_url().expect(
        "set THIDUA_BENCH_POSTGRES_URL (or THIDUA_TEST_POSTGRES_URL) to a PostgreSQL admin URL",
    );
    assert!(
        haproxy::installed(),
        "haproxy is not installed: `apt-get install -y haproxy` (scripts/bench-load-balancer.sh does)"
    );
    let plan = Plan::standard(Duration::from_secs(env_or("THIDUA_BENCH_SECS", 60)));
    let counts: Vec<usize> = std::env::var("THIDUA_BENCH_PROCESSES")
        .unwrap_or_else(|_| "1,2,3".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = Runtime::new().expect("a tokio runtime");
    eprintln!("thidua behind HAProxy: {BIN}");
    let runs: Vec<(usize, Outcome)> = counts
        .iter()
        .map(|&n| (n, run(&rt, &admin_url, n, &plan)))
        .collect();

    let listed: Vec<String> = counts.iter().map(ToString::to_string).collect();
    println!(
        "\n## thidua behind HAProxy: mixed traffic, {} processes on one PostgreSQL\n",
        listed.join(", ")
    );
    println!(
        "{} s per count; {} reporters (batches of {} reports, every fourth sent twice at once, \
        every fourth the previous one again; a {} KiB file every {} batches, downloaded from \
        each process directly), {} readers (campaign list, compliance dashboard, a page of \
        reports, leaderboard), 1 approver, {} watchers (a WebSocket and an SSE stream per \
        reporter); closed loop, each client sends its next request when the last is answered. \
        Pool: 10 connections per process; default workers; HAProxy 1 thread.\n",
        plan.duration.as_secs(),
        plan.wards,
        plan.batch,
        plan.file_bytes / 1024,
        plan.upload_every,
        plan.readers,
        2 * plan.wards
    );
    println!(
        "| processes | requests via HAProxy | req/s | p50 ms | p99 ms | direct downloads | \
        CPU ms per request, each process | all processes | HAProxy |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
    for (n, o) in &runs {
        let (count, p50, p99) = quantiles(o.through_balancer());
        let secs = o.wall.as_secs_f64();
        let per = o.per_process();
        let each: Vec<String> = (o.cpu.iter().zip(&per))
            .map(|(cpu, r)| format!("{:.2} ({r} req)", ms(*cpu) / (*r).max(1) as f64))
            .collect();
        let all_cpu: Duration = o.cpu.iter().sum();
        let all: usize = per.iter().sum();
        println!(
            "| {n} | {count} | **{:.0}** | {p50:.0} | {p99:.0} | {} | {} | {:.2} | {:.3} |",
            count as f64 / secs,
            o.samples.len() - count,
            each.join(", "),
            ms(all_cpu) / all.max(1) as f64,
            ms(o.balancer_cpu) / count.max(1) as f64
        );
    }
    println!("\n### Latency per kind of request (ms)\n");
    let head: Vec<String> = runs
        .iter()
        .map(|(n, _)| format!("{n} proc: count, p50, p99"))
        .collect();
    println!("| kind | {} |", head.join(" | "));
    println!("| --- |{}", " ---: |".repeat(runs.len()));
    for kind in Kind::ALL {
        let cells: Vec<String> = runs
            .iter()
            .map(|(_, o)| {
                let (c, p50, p99) = quantiles(o.samples.iter().filter(|s| s.kind == kind));
                format!("{c}, {p50:.0}, {p99:.0}")
            })
            .collect();
        println!("| {} | {} |", kind.name(), cells.join(" | "));
    }
    println!("\n### Checked\n");
    for (n, o) in &runs {
        println!(
            "- {n} process(es): every answer checked (data, no errors, expected statuses); \
            {} reports sent = {} rows stored once each (values, one revision, one event each); \
            {} files uploaded, each in `blobs` once and downloaded byte for byte from each \
            process; {} approvals, each heard exactly once by both watchers of its reporter \
            ({} updates; watchers per process {:?}). ✔",
            o.reports, o.reports, o.uploads, o.approvals, o.heard, o.watcher_processes
        );
    }
    println!(
        "\n**On this {cores}-core machine this shows overhead, not speed-up.** The load \
        generator, HAProxy, PostgreSQL and every thidua process share the same {cores} cores, so \
        a second or third process adds no CPU: requests per second cannot grow with the count, \
        and what the table shows is what scaling out costs (more processes, pools and \
        LISTEN connections on the same cores, one more hop through HAProxy). The CPU time per \
        request of each process is what to multiply by the load to size a deployment where \
        each process has cores of its own."
    );
}
