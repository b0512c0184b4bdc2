//! What the bench programs share: the release `thidua` binary started on a database, scratch
//! SQLite directories and PostgreSQL databases, a GraphQL client for the set-up, a
//! count-bounded load generator and percentiles.
//!
//! Each bench uses only part of this module, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

pub const BIN: &str = env!("CARGO_BIN_EXE_thidua");
pub const ADMIN_PASSWORD: &str = "keeper-of-the-bench-2026";
pub const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";

/// The PostgreSQL admin URL from `THIDUA_BENCH_POSTGRES_URL` (or `THIDUA_TEST_POSTGRES_URL`).
pub fn pg_url() -> Option<String> {
    ["THIDUA_BENCH_POSTGRES_URL", "THIDUA_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

/// A temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("thidua-bench-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("creating a temporary directory");
        Self(dir)
    }

    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("thidua.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How to start the server; the defaults leave every other setting at the binary's default.
pub struct ServerOptions {
    /// `THIDUA_DB_MAX_CONNECTIONS`; `None` keeps the default pool.
    pub max_connections: Option<u32>,
    /// `THIDUA_SHUTDOWN_TIMEOUT_SECS`: how long in-flight requests get on SIGTERM.
    pub shutdown_secs: u64,
    /// Whether `THIDUA_DATALOADER_DELAY_US` passes through from the caller's environment.
    pub pass_dataloader_delay: bool,
    /// More settings (`THIDUA_*` name, value).
    pub env: Vec<(&'static str, String)>,
    /// `THIDUA_DATABASE_POOLER=transaction` (LISTEN on the same URL: no pooler is really
    /// in between, so only the setting's own cost is measured).
    pub pooler_transaction: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_connections: None,
            shutdown_secs: 2,
            pass_dataloader_delay: false,
            env: vec![],
            pooler_transaction: false,
        }
    }
}

/// A running `thidua` process; SIGTERM (then SIGKILL after 10 s) on drop.
pub struct Server {
    child: Child,
    port: u16,
}

/// Runs `thidua <args>` on the database at `database_url` with the server's settings and
/// panics unless it succeeds; returns its standard output.
#[allow(dead_code)] // not every bench runs a command
pub fn thidua(database_url: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("THIDUA_JWT_SECRET", JWT_SECRET)
        .env("THIDUA_LOG", "warn")
        .output()
        .expect("running thidua");
    assert!(
        out.status.success(),
        "thidua {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Server {
    /// Spawns the server (it migrates and seeds on start) and waits for `/readyz`; returns
    /// it with the spawn-to-ready time.
    pub fn start(database_url: &str, options: &ServerOptions) -> (Self, Duration) {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("finding a free port")
            .port();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--port", &port.to_string()])
            .env_clear() // nothing from the caller's THIDUA_* leaks in: workers etc. at defaults
            .env("DATABASE_URL", database_url)
            .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("THIDUA_JWT_SECRET", JWT_SECRET)
            .env("THIDUA_LOG", "warn")
            // A benchmark measures throughput, not the hourly query-cost budgets, which a
            // few hundred large queries would spend (RATE_LIMITED).
            .env("THIDUA_BUDGET_USER_POINTS", "0")
            .env("THIDUA_BUDGET_ANONYMOUS_POINTS", "0")
            .env(
                "THIDUA_SHUTDOWN_TIMEOUT_SECS",
                options.shutdown_secs.to_string(),
            );
        if let Some(n) = options.max_connections {
            cmd.env("THIDUA_DB_MAX_CONNECTIONS", n.to_string());
        }
        cmd.envs(options.env.iter().map(|(k, v)| (k, v)));
        if options.pooler_transaction {
            cmd.env("THIDUA_DATABASE_POOLER", "transaction")
                .env("THIDUA_DATABASE_LISTEN_URL", database_url);
        }
        if options.pass_dataloader_delay
            && let Ok(delay) = std::env::var("THIDUA_DATALOADER_DELAY_US")
        {
            cmd.env("THIDUA_DATALOADER_DELAY_US", delay);
        }
        let spawned = Instant::now();
        let mut server = Self {
            child: cmd.spawn().expect("spawning the thidua binary"),
            port,
        };
        while !server.ready() {
            if let Ok(Some(status)) = server.child.try_wait() {
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

    /// One raw HTTP/1.1 `GET /readyz`; true on `200`. Raw, so the start-up time measured
    /// with it holds no client set-up.
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

    /// The server's process id, to read its memory in /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base())
    }

    /// VmRSS from /proc/<pid>/status, in MiB.
    pub fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("reading /proc/<pid>/status of the server");
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status");
        kib / 1024.0
    }

    /// User + system CPU time of the server process so far.
    pub fn cpu(&self) -> Duration {
        thidua_tests::process::cpu_time(self.child.id())
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

/// A scratch PostgreSQL database `thidua_bench_<uuid>`, dropped `WITH (FORCE)` on drop, so
/// also when the run panics (unless kept).
pub struct PgDatabase {
    admin_url: String,
    name: String,
    rt: tokio::runtime::Handle,
    keep: bool,
}

impl PgDatabase {
    pub fn create(rt: &Runtime, admin_url: &str) -> Self {
        let name = format!("thidua_bench_{}", uuid::Uuid::new_v4().simple());
        rt.block_on(sql_exec(admin_url, &format!("CREATE DATABASE \"{name}\"")))
            .expect("creating the PostgreSQL bench database (the role needs CREATEDB)");
        Self {
            admin_url: admin_url.to_owned(),
            name,
            rt: rt.handle().clone(),
            keep: false,
        }
    }

    /// An existing database `name` (for instance one kept by an earlier run), never dropped.
    pub fn existing(rt: &Runtime, admin_url: &str, name: &str) -> Self {
        Self {
            admin_url: admin_url.to_owned(),
            name: name.to_owned(),
            rt: rt.handle().clone(),
            keep: true,
        }
    }

    /// Leaves the database in place at the end, to look at its plans by hand.
    pub fn keep(&mut self) {
        self.keep = true;
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Committed plus rolled-back transactions of this database so far (`pg_stat_database`):
    /// the growth over requests counts their SQL, as each autocommit statement is one.
    pub fn transactions(&self, rt: &Runtime) -> i64 {
        let sql = format!(
            "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database WHERE datname = '{}'",
            self.name
        );
        rt.block_on(sql_ints(&self.url(), &sql, 1))
            .expect("reading pg_stat_database")[0]
    }

    /// The admin URL with its database name replaced by ours.
    pub fn url(&self) -> String {
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
        if self.keep {
            return;
        }
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = self.rt.block_on(sql_exec(&self.admin_url, &sql)) {
            eprintln!("could not drop database {}: {e}", self.name);
        }
    }
}

/// Runs `sql` (one or more statements) on a fresh connection.
pub async fn sql_exec(url: &str, sql: &str) -> Result<(), sea_orm::DbErr> {
    let db = sea_orm::Database::connect(url).await?;
    let result = db.execute_unprepared(sql).await;
    let _ = db.close().await;
    result.map(|_| ())
}

/// Runs `query` on a fresh connection; returns the first `columns` integers of its first row.
pub async fn sql_ints(url: &str, query: &str, columns: usize) -> Result<Vec<i64>, sea_orm::DbErr> {
    let db = sea_orm::Database::connect(url).await?;
    let stmt = Statement::from_string(db.get_database_backend(), query);
    let result = match db.query_one_raw(stmt).await {
        Ok(Some(row)) => (0..columns).map(|i| row.try_get_by_index(i)).collect(),
        Ok(None) => Err(sea_orm::DbErr::RecordNotFound(query.to_owned())),
        Err(e) => Err(e),
    };
    let _ = db.close().await;
    result
}

/// A GraphQL client for the set-up; panics on transport failures and on `errors`.
pub struct Api {
    pub client: reqwest::Client,
    pub url: String,
    pub token: String,
}

pub const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";

impl Api {
    /// Logs in as admin at `url` (the `/graphql` endpoint).
    pub async fn admin(url: String) -> Self {
        let mut api = Self {
            client: reqwest::Client::new(),
            url,
            token: String::new(),
        };
        let login = json!({"i": {"username": "admin", "password": ADMIN_PASSWORD}});
        api.token = text(&api.run(LOGIN, login).await, "/login/accessToken");
        api
    }

    /// Posts a ready request body; returns the whole answer (`data` and any `errors`).
    pub async fn run_body(&self, body: &str) -> Value {
        let req = (self.client.post(&self.url).bearer_auth(&self.token))
            .header("content-type", "application/json")
            .body(body.to_owned());
        let resp = req.send().await.expect("sending a request");
        resp.json().await.expect("a JSON answer")
    }

    pub async fn run(&self, query: &str, variables: Value) -> Value {
        let body = json!({"query": query, "variables": variables});
        let mut req = self.client.post(&self.url).json(&body);
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        let resp = req.send().await.expect("sending a set-up request");
        let answer: Value = resp
            .json()
            .await
            .expect("a JSON answer to a set-up request");
        assert!(answer.get("errors").is_none(), "GraphQL errors: {answer}");
        answer["data"].clone()
    }
}

/// The string at JSON pointer `at` in `d`; panics with `d` when there is none.
pub fn text(d: &Value, at: &str) -> String {
    let s = d.pointer(at).and_then(Value::as_str);
    s.unwrap_or_else(|| panic!("no {at} in {d}")).to_owned()
}

/// One request of a load run: how long it took, the size of the answer's body and, if the
/// check refused it, why.
pub struct Sample {
    pub latency: Duration,
    pub bytes: usize,
    pub error: Option<String>,
}

/// `clients` tasks, each with its own client and so its own keep-alive connection, take
/// request bodies off a shared queue until none is left, so the run is bounded by count.
/// The latency runs from sending to the parsed JSON answer; `check` judges each answer
/// (status and body) and its verdict is kept, not raised, so the caller decides.
pub async fn drive(
    url: &str,
    token: &str,
    bodies: &[String],
    clients: usize,
    check: impl Fn(reqwest::StatusCode, &Value) -> Result<(), String> + Clone + Send + 'static,
) -> Vec<Sample> {
    let (next, bodies) = (Arc::new(AtomicUsize::new(0)), Arc::new(bodies.to_vec()));
    let tasks = (0..clients).map(|_| {
        let (next, bodies, url, token, check) = (
            next.clone(),
            bodies.clone(),
            url.to_owned(),
            token.to_owned(),
            check.clone(),
        );
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .expect("building an HTTP client");
            let mut samples = vec![];
            while let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                let t = Instant::now();
                let req = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json");
                let (mut bytes, answer) = (0, req.body(body.clone()).send().await);
                let answer = match answer {
                    Ok(resp) => {
                        let status = resp.status();
                        match resp.bytes().await {
                            Ok(body) => {
                                bytes = body.len();
                                serde_json::from_slice::<Value>(&body)
                                    .map(|a| (status, a))
                                    .map_err(|e| format!("{status}, not JSON: {e}"))
                            }
                            Err(e) => Err(format!("{status}, body: {e}")),
                        }
                    }
                    Err(e) => Err(format!("transport: {e}")),
                };
                let latency = t.elapsed();
                let error = answer.and_then(|(status, a)| check(status, &a)).err();
                samples.push(Sample {
                    latency,
                    bytes,
                    error,
                });
            }
            samples
        })
    });
    futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .flat_map(|t| t.expect("a load client failed (see its panic above)"))
        .collect()
}

/// What a load run's samples add up to: errors, latency quantiles in ms and the largest
/// answer in KiB; `pass` is the p95 against a goal, or None when a request failed.
pub struct Summary {
    pub errors: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub kib: f64,
}

impl Summary {
    /// Prints the first error under `name` (the rest are counted, not shown).
    pub fn of(name: &str, samples: &[Sample]) -> Self {
        if let Some(first) = samples.iter().find_map(|s| s.error.as_deref()) {
            eprintln!("[{name}] first error: {first}");
        }
        let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
        latencies.sort();
        let ms = |q: f64| percentile_ms(&latencies, q);
        Self {
            errors: samples.iter().filter(|s| s.error.is_some()).count(),
            p50: ms(0.5),
            p95: ms(0.95),
            p99: ms(0.99),
            max: ms(1.0),
            kib: samples.iter().map(|s| s.bytes).max().unwrap_or(0) as f64 / 1024.0,
        }
    }

    pub fn pass(&self, goal_p95_ms: f64) -> Option<bool> {
        (self.errors == 0).then_some(self.p95 < goal_p95_ms)
    }
}

/// A table cell for `Summary::pass`.
pub fn verdict(pass: Option<bool>) -> &'static str {
    match pass {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "FAIL (errors)",
    }
}

/// The `q` quantile (0–1, nearest rank) of `sorted` latencies, in ms.
pub fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}
