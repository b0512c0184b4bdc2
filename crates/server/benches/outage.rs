//! A PostgreSQL outage, timed: the server runs on a scratch database behind a small TCP
//! proxy; the proxy is cut (every connection closed, new ones dropped) and the program
//! prints how long `/readyz`, a sign-in and an anonymous query take to answer, with their
//! status, then how long service takes to come back once the proxy is restored.
//!
//! `THIDUA_BENCH_OUTAGE=hang` makes the outage a database that accepts connections and
//! never answers (the slow case: every wait runs into its timeout) instead of one that
//! drops them at once.
//!
//! ```sh
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench outage
//! # another binary (e.g. an older build), same measurement:
//! THIDUA_BENCH_BIN=/path/to/old/thidua THIDUA_BENCH_POSTGRES_URL=… \
//!     cargo bench -p thidua-server --bench outage
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{sleep, spawn};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{ADMIN_PASSWORD, BIN, JWT_SECRET, PgDatabase};

/// Forwards a local port to PostgreSQL until cut.
struct Proxy {
    port: u16,
    open: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (o, s) = (open.clone(), streams.clone());
        spawn(move || {
            // With `hang`, connections made while cut are accepted and never answered
            // (a frozen database or a network partition); otherwise they are dropped.
            let hang = std::env::var("THIDUA_BENCH_OUTAGE").is_ok_and(|m| m == "hang");
            let mut held = Vec::new();
            for inbound in listener.incoming().flatten() {
                if !o.load(Ordering::SeqCst) {
                    if hang {
                        held.push(inbound);
                    }
                    continue;
                }
                let Ok(outbound) = TcpStream::connect(&target) else {
                    continue;
                };
                let pairs = [
                    (inbound.try_clone().unwrap(), outbound.try_clone().unwrap()),
                    (outbound.try_clone().unwrap(), inbound.try_clone().unwrap()),
                ];
                s.lock().unwrap().extend([inbound, outbound]);
                for (mut from, mut to) in pairs {
                    spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Self {
            port,
            open,
            streams,
        }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for s in self.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// One raw HTTP/1.1 request; the status code and how long the answer took.
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> (String, Duration) {
    let t = Instant::now();
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return ("no connection".into(), t.elapsed());
    };
    stream.set_read_timeout(Some(Duration::from_secs(120))).ok();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut answer = Vec::new();
    if stream.write_all(req.as_bytes()).is_err() || stream.read_to_end(&mut answer).is_err() {
        return ("no answer".into(), t.elapsed());
    }
    let text = String::from_utf8_lossy(&answer);
    let status = text.split_whitespace().nth(1).unwrap_or("?").to_owned();
    let code = text
        .split("\"code\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|c| format!(" {c}"))
        .unwrap_or_default();
    (format!("{status}{code}"), t.elapsed())
}

fn main() {
    let Some(admin_url) = support::pg_url() else {
        println!("set THIDUA_BENCH_POSTGRES_URL (a role with CREATEDB) to run the outage bench");
        return;
    };
    let bin = std::env::var("THIDUA_BENCH_BIN").unwrap_or_else(|_| BIN.to_owned());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = PgDatabase::create(&rt, &admin_url);
    let url = reqwest::Url::parse(&db.url()).unwrap();
    let target = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(target);
    let mut via = url.clone();
    via.set_host(Some("127.0.0.1")).unwrap();
    via.set_port(Some(proxy.port)).unwrap();

    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut child: Child = Command::new(&bin)
        .args(["serve", "--port", &port.to_string()])
        .env_clear()
        .env("DATABASE_URL", via.as_str())
        .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("THIDUA_JWT_SECRET", JWT_SECRET)
        .env("THIDUA_LOG", "error")
        .spawn()
        .expect("spawning the server binary");
    let started = Instant::now();
    while http(port, "GET", "/readyz", None).0 != "200" {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not ready in 60 s"
        );
        sleep(Duration::from_millis(20));
    }
    println!("binary: {bin}");
    let login = json!({"query": support::LOGIN, "variables": {"i": {"username": "admin", "password": ADMIN_PASSWORD}}}).to_string();
    let query = json!({"query": "{ programme { id } }"}).to_string();
    println!(
        "before the outage: /readyz {:?}",
        http(port, "GET", "/readyz", None)
    );

    proxy.cut();
    println!("database cut off:");
    for i in 1..=3 {
        let (status, took) = http(port, "GET", "/readyz", None);
        println!(
            "  /readyz #{i}:        {status} in {:.0} ms",
            took.as_secs_f64() * 1e3
        );
    }
    let (status, took) = http(port, "POST", "/graphql", Some(&login));
    println!(
        "  login:            {status} in {:.0} ms",
        took.as_secs_f64() * 1e3
    );
    let (status, took) = http(port, "POST", "/graphql", Some(&query));
    println!(
        "  anonymous query:  {status} in {:.0} ms",
        took.as_secs_f64() * 1e3
    );

    proxy.restore();
    let back = Instant::now();
    while http(port, "GET", "/readyz", None).0 != "200" {
        if back.elapsed() > Duration::from_secs(120) {
            println!("not ready again within 120 s");
            break;
        }
        sleep(Duration::from_millis(20));
    }
    println!(
        "database restored: /readyz 200 again after {:.0} ms; login {:?}",
        back.elapsed().as_secs_f64() * 1e3,
        http(port, "POST", "/graphql", Some(&login)).0
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    drop(db);
}
