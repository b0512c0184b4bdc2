//! A real HAProxy (Debian's `haproxy` package) in front of several `thidua serve` processes,
//! for the load-balancer test and benchmark: its own configuration in a temporary directory,
//! round robin, health checks on `/readyz`, WebSockets and SSE passed through. Stopped and
//! its directory removed when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::free_port;

/// The response header naming the process that answered (`s1`, `s2`, … in backend order).
pub const SERVED_BY: &str = "x-served-by";

/// Whether an `haproxy` binary is on the PATH.
pub fn installed() -> bool {
    Command::new("haproxy")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The configuration for `backends` (ports on 127.0.0.1): requests to `port`, statistics on
/// `stats_port`. Timeouts: a live connection is quiet between events, so the server side
/// waits longer than the SSE heartbeat (15 s); an upgraded WebSocket is a tunnel.
pub fn config(port: u16, stats_port: u16, backends: &[u16]) -> String {
    let servers: String = backends
        .iter()
        .enumerate()
        .map(|(i, p)| format!("    server s{} 127.0.0.1:{p} check\n", i + 1))
        .collect();
    format!(
        "global
    maxconn 4096
    nbthread 1

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 30s
    timeout tunnel 1h
    timeout client-fin 5s

frontend thidua
    bind 127.0.0.1:{port}
    default_backend thidua

backend thidua
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
    http-response set-header X-Served-By %[srv_name]
{servers}
listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"
    )
}

pub struct Haproxy {
    child: Child,
    dir: PathBuf,
    pub port: u16,
    stats_port: u16,
    backends: usize,
}

impl Haproxy {
    /// Checks the configuration, then starts HAProxy in the foreground (`-db`).
    pub fn start(backends: &[u16]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("thidua-haproxy-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create HAProxy's directory");
        let (port, stats_port) = (free_port(), free_port());
        let file = dir.join("haproxy.cfg");
        std::fs::write(&file, config(port, stats_port, backends)).expect("write haproxy.cfg");
        let check = Command::new("haproxy")
            .arg("-c")
            .arg("-q")
            .arg("-f")
            .arg(&file)
            .output()
            .expect("run haproxy -c");
        assert!(
            check.status.success(),
            "haproxy.cfg refused: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn haproxy");
        Self {
            child,
            dir,
            port,
            stats_port,
            backends: backends.len(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until HAProxy's health checks see every process UP (at most 60 s).
    pub async fn wait_all_up(&mut self, client: &reqwest::Client) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("haproxy exited early with {status}");
            }
            let up = self.statuses(client).await;
            if up.len() == self.backends && up.iter().all(|s| s == "UP") {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "HAProxy's health checks: {up:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The status of each process (`UP`, `DOWN`, …) from the statistics page's CSV.
    async fn statuses(&self, client: &reqwest::Client) -> Vec<String> {
        let url = format!("http://127.0.0.1:{}/stats;csv", self.stats_port);
        let Ok(resp) = client.get(url).send().await else {
            return vec![];
        };
        let csv = resp.text().await.unwrap_or_default();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap_or_default()
            .trim_start_matches("# ")
            .split(',')
            .collect();
        let Some(col) = header.iter().position(|h| *h == "status") else {
            return vec![];
        };
        lines
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| {
                f.first() == Some(&"thidua") && f.get(1).is_some_and(|s| s.starts_with('s'))
            })
            .map(|f| f.get(col).copied().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
