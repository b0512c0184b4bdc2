//! A webhook receiver for tests and benchmarks: a tiny HTTP/1.1 server on a free
//! 127.0.0.1 port that records every request (headers and body) and answers as the test
//! says: a status, after a delay, or held until the test releases it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    pub at: Instant,
    /// The status answered (0: held, then released with 200, or cut).
    pub status: u16,
    /// The sender's address (which process sent it, see `process::owner_of_connection`).
    pub peer: std::net::SocketAddr,
}

impl Hit {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// How to answer the `n`-th request (0-based).
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// Wait, then answer.
    Slow(Duration, u16),
    /// Hold the answer until [`Receiver::release`], then 200.
    Hold,
}

type Policy = Arc<dyn Fn(usize) -> Reply + Send + Sync>;

#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    hits: Arc<Mutex<Vec<Hit>>>,
    release: Arc<Notify>,
    /// Wakes whoever waits for hits.
    arrived: Arc<Notify>,
}

impl Receiver {
    /// Answers every request 200.
    pub async fn healthy() -> Self {
        Self::start(|_| Reply::Status(200)).await
    }

    pub async fn start(policy: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let port = listener.local_addr().expect("addr").port();
        let r = Self {
            port,
            hits: Arc::default(),
            release: Arc::new(Notify::new()),
            arrived: Arc::new(Notify::new()),
        };
        let policy: Policy = Arc::new(policy);
        let me = r.clone();
        let counter = Arc::new(Mutex::new(0usize));
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, peer)) = listener.accept().await else {
                    return;
                };
                let me = me.clone();
                let policy = policy.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let Some((head, body)) = read_request(&mut sock).await else {
                        return;
                    };
                    let n = {
                        let mut c = counter.lock().unwrap();
                        *c += 1;
                        *c - 1
                    };
                    let header = |name: &str| {
                        head.lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.trim()
                                    .eq_ignore_ascii_case(name)
                                    .then(|| v.trim().to_owned())
                            })
                            .unwrap_or_default()
                    };
                    let reply = policy(n);
                    let status = match reply {
                        Reply::Status(s) | Reply::Slow(_, s) => s,
                        Reply::Hold => 0,
                    };
                    me.hits.lock().unwrap().push(Hit {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                        at: Instant::now(),
                        status,
                        peer,
                    });
                    me.arrived.notify_waiters();
                    let status = match reply {
                        Reply::Status(s) => s,
                        Reply::Slow(d, s) => {
                            tokio::time::sleep(d).await;
                            s
                        }
                        Reply::Hold => {
                            me.release.notified().await;
                            200
                        }
                    };
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                    );
                    let _ = sock.write_all(answer.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        r
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Lets every held request answer.
    pub fn release(&self) {
        self.release.notify_waiters();
    }

    /// Waits until `pred` holds for the hits so far; panics after `timeout`.
    pub async fn wait_for(&self, timeout: Duration, pred: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            let hits = self.hits();
            if pred(&hits) {
                return hits;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "receiver: condition not met within {timeout:?}; {} hits",
                hits.len()
            );
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }
}

/// Reads one request: the head (as text) and the body (by content-length).
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).into_owned();
    Some((head, body))
}

/// Verifies a `webhook-signature` header the way a receiver would (any of its
/// space-separated signatures made with `secret`).
pub fn verify(secret: &str, hit: &Hit) -> bool {
    let Some(s) = thidua_domain::webhook::SigningSecret::parse(secret) else {
        return false;
    };
    let Ok(ts) = hit.timestamp.parse::<i64>() else {
        return false;
    };
    let expected = s.sign(&hit.id, ts, &hit.body);
    hit.signature.split(' ').any(|sig| sig == expected)
}
