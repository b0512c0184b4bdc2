//! Two `thidua serve` processes on one PostgreSQL database behind a real HAProxy (round
//! robin, health checks on `/readyz`), evidence in the database: 10 s of mixed traffic
//! through it (reads, report batches with retries, uploads downloaded back from each
//! process, approvals heard over WebSocket and SSE) and every check of `thidua_tests::mixed`.
//! The short, correctness-only variant of the `load_balancer` benchmark (no figures).
//!
//! Runs when `THIDUA_TEST_POSTGRES_URL` is set and `haproxy` is installed
//! (`apt-get install haproxy`; `.ci/run` installs it); otherwise it says it skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use thidua_tests::haproxy::{self, Haproxy};
use thidua_tests::mixed::{self, Plan, Target};
use thidua_tests::process::{Server, client};
use thidua_tests::{ADMIN_PASSWORD, Backend, Scratch};

const BIN: &str = env!("CARGO_BIN_EXE_thidua");
const PROCESSES: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_behind_haproxy_serve_mixed_traffic_correctly() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    }
    if !haproxy::installed() {
        eprintln!("haproxy not installed (apt-get install haproxy): skipping");
        return;
    }
    let scratch = Scratch::seeded(Backend::Postgres).await;
    let http = client();
    let mut servers = vec![];
    for _ in 0..PROCESSES {
        let mut cmd = scratch.configured(BIN);
        cmd.env("THIDUA_BLOB_STORE", "database")
            .env("THIDUA_TRUST_FORWARDED_FOR", "true")
            .env("THIDUA_BUDGET_USER_POINTS", "0")
            .env("THIDUA_DB_MAX_CONNECTIONS", "6");
        let mut server = Server::start(cmd);
        server.wait_ready(&http).await;
        servers.push(server);
    }
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let mut balancer = Haproxy::start(&ports);
    balancer.wait_all_up(&http).await;
    let target = Target {
        balancer: balancer.url(""),
        processes: servers.iter().map(|s| s.url("")).collect(),
        pids: servers.iter().map(|s| s.child.id()).collect(),
        balancer_pid: balancer.pid(),
        database_url: scratch.database_url().to_owned(),
        admin_password: ADMIN_PASSWORD.to_owned(),
    };
    let plan = Plan {
        wards: 4,
        readers: 2,
        batch: 5,
        upload_every: 2,
        file_bytes: 16 * 1024,
        ..Plan::standard(Duration::from_secs(10))
    };
    let outcome = mixed::run(&target, &plan).await;
    eprintln!(
        "{} requests ({} reports, {} uploads, {} approvals, {} updates heard) per process {:?}, watchers per process {:?}",
        outcome.samples.len(),
        outcome.reports,
        outcome.uploads,
        outcome.approvals,
        outcome.heard,
        outcome.per_process(),
        outcome.watcher_processes
    );
    outcome.assert_correct();
    // The test means something only if the traffic reached both processes.
    assert!(
        outcome.uploads > 0 && outcome.approvals > plan.wards,
        "{} uploads, {} approvals",
        outcome.uploads,
        outcome.approvals
    );
    let per = outcome.per_process();
    assert!(per.iter().all(|n| *n > 0), "round robin: {per:?}");
    assert!(
        outcome.watcher_processes.iter().all(|n| *n > 0),
        "watchers on every process: {:?}",
        outcome.watcher_processes
    );
}
