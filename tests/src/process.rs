//! The `thidua` binary as a process, for the server package's process-level tests (CLI,
//! fuzzing): a clean command on a scratch database, a served process that is killed when
//! dropped, and GraphQL over HTTP to it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{ADMIN_PASSWORD, JWT_SECRET, Scratch};

pub const READY_TIMEOUT: Duration = Duration::from_secs(30);
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// The `thidua` binary `bin` (only the server package's tests know its path) with nothing inherited from the host's settings: every
/// `THIDUA_*` variable and `DATABASE_URL` is removed, and so are the variables that
/// change how errors and colours are printed.
pub fn clean_command(bin: &str, cwd: &Path) -> Command {
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("THIDUA_")
            || matches!(
                key,
                "DATABASE_URL" | "RUST_BACKTRACE" | "RUST_LIB_BACKTRACE" | "NO_COLOR"
            )
        {
            cmd.env_remove(key);
        }
    }
    // Relative paths (such as the default `./data/thidua.db`) land in the scratch dir.
    cmd.current_dir(cwd).stdin(Stdio::null());
    cmd
}

/// A port nobody listens on right now (the listener is dropped at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Which of `pids` owns the TCP connection from `local` (a client's side, as a server sees
/// its peer) to `remote`, read from Linux's `/proc`: the socket's inode in
/// `/proc/net/tcp`, then the process holding a descriptor on it. `None` off Linux, when
/// the connection is gone, or when none of `pids` holds it.
pub fn owner_of_connection(
    local: std::net::SocketAddr,
    remote: std::net::SocketAddr,
    pids: &[u32],
) -> Option<u32> {
    let hex = |a: std::net::SocketAddr| -> Option<String> {
        match a.ip() {
            // /proc/net/tcp prints the address as the native-endian u32 in hex.
            std::net::IpAddr::V4(ip) => Some(format!(
                "{:08X}:{:04X}",
                u32::from_ne_bytes(ip.octets()),
                a.port()
            )),
            std::net::IpAddr::V6(_) => None,
        }
    };
    let (want_local, want_remote) = (hex(local)?, hex(remote)?);
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let inode = table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        (cols.len() > 9 && cols[1] == want_local && cols[2] == want_remote)
            .then(|| cols[9].to_owned())
    })?;
    let target = format!("socket:[{inode}]");
    pids.iter().copied().find(|pid| {
        std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
            fds.flatten().any(|fd| {
                std::fs::read_link(fd.path()).is_ok_and(|l| l.to_str() == Some(target.as_str()))
            })
        })
    })
}

/// A `thidua serve` process. Its stderr (the log) is collected line by line; dropping the
/// guard kills the process if it still runs and, when the test is failing, prints the log.
pub struct Server {
    pub child: Child,
    pub port: u16,
    logs: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
    /// Print the whole log when the test fails (off for long runs that report otherwise).
    pub print_log_on_failure: bool,
}

impl Server {
    pub fn start(mut cmd: Command) -> Self {
        let port = free_port();
        // Small by default; a caller that set these on `cmd` keeps its values.
        for (key, value) in [("THIDUA_WORKERS", "1"), ("THIDUA_DB_MAX_CONNECTIONS", "4")] {
            if !cmd.get_envs().any(|(k, v)| k == key && v.is_some()) {
                cmd.env(key, value);
            }
        }
        cmd.args(["serve", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn thidua serve");
        let stderr = child.stderr.take().expect("stderr");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = Vec::new();
            loop {
                line.clear();
                match r.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line)
                            .trim_end_matches(['\r', '\n'])
                            .to_owned();
                        sink.lock().unwrap().push(text);
                    }
                }
            }
        });
        Self {
            child,
            port,
            logs,
            reader: Some(reader),
            print_log_on_failure: true,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// The log lines from index `mark` on, once at least one has arrived (the log is
    /// read on another thread) or after half a second.
    pub async fn logs_since(&self, mark: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let logs = self.logs();
            if logs.len() > mark || started.elapsed() > Duration::from_millis(500) {
                // A moment more for the rest of a multi-line message (a panic's).
                tokio::time::sleep(Duration::from_millis(20)).await;
                return self.logs().get(mark..).unwrap_or_default().to_vec();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn log_text(&self) -> String {
        self.logs().join("\n")
    }

    /// Polls `/readyz` until it answers 200; fails if the process exits or time runs out.
    pub async fn wait_ready(&mut self, client: &reqwest::Client) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.join_reader();
                panic!(
                    "thidua serve exited early with {status}\n--- log\n{}",
                    self.log_text()
                );
            }
            let answer = client
                .get(self.url("/readyz"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(resp) = answer
                && resp.status() == reqwest::StatusCode::OK
            {
                return;
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "/readyz did not answer 200 within {READY_TIMEOUT:?}\n--- log\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (a little) for a log line matching `pred`: the log is read on another thread.
    pub async fn wait_for_log(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Some(line) = self.logs().into_iter().find(|l| pred(l)) {
                return line;
            }
            assert!(
                started.elapsed() < timeout,
                "no matching log line within {timeout:?}\n--- log\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM and waits for the process to exit; fails if it takes longer than
    /// `SHUTDOWN_TIMEOUT`. Returns the exit status once the whole log has been read.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                started.elapsed() < SHUTDOWN_TIMEOUT,
                "thidua serve did not exit within {SHUTDOWN_TIMEOUT:?} of SIGTERM\n--- log\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        self.join_reader();
        status
    }

    pub fn join_reader(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.join_reader();
        if std::thread::panicking() && self.print_log_on_failure {
            eprintln!("--- log of thidua serve on port {}", self.port);
            for line in self.logs() {
                eprintln!("{line}");
            }
        }
    }
}

impl Scratch {
    /// `bin` on this scratch database, in its directory, with nothing else set.
    pub fn command(&self, bin: &str) -> Command {
        let mut cmd = clean_command(bin, &self.dir);
        cmd.env("DATABASE_URL", self.database_url());
        cmd
    }

    /// `bin` on this database with a known first-admin password and JWT secret.
    pub fn configured(&self, bin: &str) -> Command {
        let mut cmd = self.command(bin);
        cmd.env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("THIDUA_JWT_SECRET", JWT_SECRET);
        cmd
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client")
}

/// The Prometheus text of `server`'s `/metrics`.
pub async fn metrics(client: &reqwest::Client, server: &Server) -> String {
    client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text")
}

/// Posts one operation; fails unless the answer is HTTP 200 with a JSON body.
pub async fn graphql(
    client: &reqwest::Client,
    server: &Server,
    query: &str,
    token: Option<&str>,
    request_id: Option<&str>,
) -> (reqwest::header::HeaderMap, Value) {
    let mut req = client
        .post(server.url("/graphql"))
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(id) = request_id {
        req = req.header("x-request-id", id);
    }
    let resp = req.send().await.expect("POST /graphql");
    assert_eq!(resp.status(), reqwest::StatusCode::OK, "POST /graphql");
    let headers = resp.headers().clone();
    let body: Value = resp.json().await.expect("JSON body");
    (headers, body)
}

/// Signs in and returns the access token; fails on any error.
pub async fn login(
    client: &reqwest::Client,
    server: &Server,
    username: &str,
    password: &str,
) -> String {
    let query = format!(
        "mutation {{ login(input: {{username: {}, password: {}}}) {{ accessToken }} }}",
        json!(username),
        json!(password)
    );
    let (_, body) = graphql(client, server, &query, None, None).await;
    assert!(
        body.get("errors").is_none(),
        "login as {username} failed: {body}"
    );
    body["data"]["login"]["accessToken"]
        .as_str()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| panic!("no access token for {username}: {body}"))
        .to_owned()
}

/// User + system CPU time of process `pid` so far (fields 14 and 15 of /proc/<pid>/stat,
/// in ticks of 10 ms); zero when it cannot be read.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = (fields.split_whitespace().skip(11).take(2))
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}
