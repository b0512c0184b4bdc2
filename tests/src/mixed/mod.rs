//! Mixed traffic through a load balancer to several `thidua serve` processes sharing one
//! PostgreSQL database (issue 15), for the load-balancer test and benchmark.
//!
//! After a set-up through the balancer (wards, a reporter on each, a manager, a viewer, a
//! launched campaign), each reporter's `myReportStatusChanged` is watched over a WebSocket
//! and over SSE, both through the balancer. A probe report per ward, approved, must reach
//! every watcher before the traffic starts. Then, for the planned time:
//! - viewers read the campaign list, the compliance dashboard, a page of reports with
//!   values and the leaderboard;
//! - each reporter sends batches of new reports (fresh client ids); every fourth batch is
//!   sent twice at once, as a client does that retries before the first answer came, and
//!   every fourth the previous batch is sent again: each report must be ACCEPTED exactly
//!   once and DUPLICATE otherwise;
//! - some batches get an evidence file (its own bytes), uploaded through the balancer and
//!   then downloaded from every process directly, bytes compared;
//! - a manager approves the first report of each batch.
//!
//! Every answer is checked (status, `data`, no `errors`, the expected statuses). Afterwards
//! every watcher must have heard exactly the approvals of its reporter, and the database
//! must hold every report sent exactly once (rows, values, revisions, events), every
//! approval and every file. Failures are collected, not raised, so the caller sees them all.

mod calls;
mod field;
mod live;
mod stored;
mod traffic;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::process::cpu_time;

/// Where the traffic goes.
pub struct Target {
    /// The balancer's base URL (`http://127.0.0.1:<port>`).
    pub balancer: String,
    /// Each process's base URL, in the balancer's order (`s1`, `s2`, …).
    pub processes: Vec<String>,
    /// Their process ids, in the same order, and the balancer's: CPU time is read from /proc.
    pub pids: Vec<u32>,
    pub balancer_pid: u32,
    /// The shared database, for the checks afterwards.
    pub database_url: String,
    /// The first administrator's password (the set-up signs in as `admin`).
    pub admin_password: String,
}

/// How much traffic.
#[derive(Clone, Debug)]
pub struct Plan {
    pub duration: Duration,
    /// Wards, each with one reporter sending batches.
    pub wards: usize,
    /// Viewers reading dashboards and lists.
    pub readers: usize,
    /// Reports per batch (at least 2: the first is approved, the second gets evidence).
    pub batch: usize,
    /// Every how many batches a reporter uploads a file.
    pub upload_every: usize,
    pub file_bytes: usize,
}

impl Plan {
    /// The benchmark's mix for `duration`.
    pub fn standard(duration: Duration) -> Self {
        Self {
            duration,
            wards: 8,
            readers: 8,
            batch: 10,
            upload_every: 3,
            file_bytes: 48 * 1024,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Dashboards and lists.
    Read,
    /// A batch of new reports.
    Submit,
    /// A batch sent again (at once, or later): nothing may be stored twice.
    Retry,
    Upload,
    /// A file downloaded from one process directly (not through the balancer).
    Download,
    Approve,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Read,
        Kind::Submit,
        Kind::Retry,
        Kind::Upload,
        Kind::Download,
        Kind::Approve,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Read => "dashboard and list reads",
            Kind::Submit => "report batches",
            Kind::Retry => "retried batches",
            Kind::Upload => "evidence uploads",
            Kind::Download => "downloads (each process directly)",
            Kind::Approve => "approvals",
        }
    }
}

/// One request of the traffic phase.
#[derive(Clone, Debug)]
pub struct Sample {
    pub kind: Kind,
    pub latency: Duration,
    /// Index of the process that answered (from the balancer's `X-Served-By`, or the one
    /// asked directly); `None` if unknown.
    pub process: Option<usize>,
    pub via_balancer: bool,
}

/// What happened, and what the checks found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub samples: Vec<Sample>,
    /// The traffic phase's length.
    pub wall: Duration,
    /// CPU time (user + system) of each process, and of the balancer, over the traffic phase.
    pub cpu: Vec<Duration>,
    pub balancer_cpu: Duration,
    /// The first failures (every one is counted in `failed`).
    pub failures: Vec<String>,
    pub failed: usize,
    /// Distinct reports sent (the probes included), all stored once.
    pub reports: usize,
    pub uploads: usize,
    pub approvals: usize,
    /// Watchers (WebSocket and SSE), the process each landed on, and updates heard.
    pub watchers: usize,
    pub watcher_processes: Vec<usize>,
    pub heard: usize,
}

impl Outcome {
    /// Panics with every failure found.
    pub fn assert_correct(&self) {
        assert!(
            self.failed == 0,
            "{} failures under mixed traffic; the first:\n{}",
            self.failed,
            self.failures.join("\n")
        );
    }

    /// Requests answered through the balancer.
    pub fn through_balancer(&self) -> impl Iterator<Item = &Sample> {
        self.samples.iter().filter(|s| s.via_balancer)
    }

    /// Requests each process answered (through the balancer or directly).
    pub fn per_process(&self) -> Vec<usize> {
        let mut n = vec![0; self.cpu.len()];
        for s in &self.samples {
            if let Some(i) = s.process.filter(|i| *i < n.len()) {
                n[i] += 1;
            }
        }
        n
    }
}

/// Shared by every task: samples and failures.
#[derive(Default)]
pub(crate) struct Tally {
    samples: Mutex<Vec<Sample>>,
    failures: Mutex<Vec<String>>,
    failed: AtomicUsize,
}

/// Failures kept in full; the rest are counted.
const KEPT_FAILURES: usize = 20;

impl Tally {
    pub(crate) fn fail(&self, what: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut kept = self.failures.lock().unwrap();
        if kept.len() < KEPT_FAILURES {
            kept.push(what);
        }
    }

    pub(crate) fn check(&self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.fail(what());
        }
    }

    pub(crate) fn sample(&self, s: Sample) {
        self.samples.lock().unwrap().push(s);
    }
}

/// Set-up, watchers, probe, the traffic for `plan.duration`, then every check.
pub async fn run(target: &Target, plan: &Plan) -> Outcome {
    assert!(plan.batch >= 2, "a batch holds at least 2 reports");
    let tally = std::sync::Arc::new(Tally::default());
    let field = field::Field::set_up(target, plan).await;
    let watchers = live::Watchers::open(target, &field).await;
    let probes = traffic::probe(&field, &tally, &watchers).await;

    let cpu_before: Vec<Duration> = target.pids.iter().map(|p| cpu_time(*p)).collect();
    let balancer_before = cpu_time(target.balancer_pid);
    let started = Instant::now();
    // Samples of the set-up and the probe are not the traffic's.
    tally.samples.lock().unwrap().clear();
    let done = traffic::run(target, plan, &field, &tally).await;
    let wall = started.elapsed();
    let cpu = (target.pids.iter().zip(&cpu_before))
        .map(|(p, before)| cpu_time(*p).saturating_sub(*before))
        .collect();
    let balancer_cpu = cpu_time(target.balancer_pid).saturating_sub(balancer_before);

    let mut approved = probes.approved;
    for (w, ids) in done.approved.into_iter().enumerate() {
        approved[w].extend(ids);
    }
    let heard = watchers.expect_exactly(&approved, &tally).await;
    let mut sent = probes.sent;
    sent.extend(done.sent);
    let approvals = approved.iter().map(Vec::len).sum();
    stored::check(target, &field, &sent, approvals, &done.files, &tally).await;

    let samples = std::mem::take(&mut *tally.samples.lock().unwrap());
    let failures = std::mem::take(&mut *tally.failures.lock().unwrap());
    Outcome {
        samples,
        wall,
        cpu,
        balancer_cpu,
        failures,
        failed: tally.failed.load(Ordering::Relaxed),
        reports: sent.len(),
        uploads: done.files.len(),
        approvals,
        watchers: watchers.count(),
        watcher_processes: watchers.processes(target.processes.len()),
        heard,
    }
}
