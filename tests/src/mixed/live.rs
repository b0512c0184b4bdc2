//! Watchers of each reporter's `myReportStatusChanged`: one over `graphql-transport-ws`
//! and one over SSE per reporter, both through the balancer (so on whichever process it
//! chose), each recording the report ids it heard.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::calls::served_by;
use super::field::Field;
use super::{Tally, Target};

const QUERY: &str = "subscription { myReportStatusChanged { reportId status } }";
/// How long updates may take to arrive once their approvals were answered.
const WAIT: Duration = Duration::from_secs(30);

/// What one watcher heard.
#[derive(Default)]
struct Heard {
    ids: Mutex<Vec<String>>,
    /// Why it stopped, if it did.
    ended: Mutex<Option<String>>,
}

impl Heard {
    /// Records an update (`data` of a `next`); anything but an approval is a failure.
    fn next(&self, data: &Value) {
        let update = &data["myReportStatusChanged"];
        match (update["reportId"].as_str(), update["status"].as_str()) {
            (Some(id), Some("APPROVED")) => self.ids.lock().unwrap().push(id.to_owned()),
            _ => self.end(format!("unexpected update {data}")),
        }
    }

    fn end(&self, why: String) {
        self.ended.lock().unwrap().get_or_insert(why);
    }
}

struct Watcher {
    ward: usize,
    transport: &'static str,
    process: Option<usize>,
    heard: Arc<Heard>,
    task: tokio::task::JoinHandle<()>,
}

pub(crate) struct Watchers(Vec<Watcher>);

impl Watchers {
    /// Opens a WebSocket and an SSE watcher per reporter; panics if one cannot subscribe.
    pub(crate) async fn open(target: &Target, field: &Field) -> Self {
        let mut all = vec![];
        for (ward, token) in field.reporters.iter().enumerate() {
            all.push(websocket(&target.balancer, token, ward).await);
            all.push(sse(&target.balancer, token, ward).await);
        }
        Self(all)
    }

    pub(crate) fn count(&self) -> usize {
        self.0.len()
    }

    /// Watchers per process they landed on.
    pub(crate) fn processes(&self, n: usize) -> Vec<usize> {
        let mut per = vec![0; n];
        for w in &self.0 {
            if let Some(i) = w.process.filter(|i| *i < n) {
                per[i] += 1;
            }
        }
        per
    }

    /// Waits until every watcher heard each id of `ids[ward]`; true when all did in time.
    pub(crate) async fn wait_for(&self, ids: &[Vec<String>]) -> bool {
        let deadline = Instant::now() + WAIT;
        loop {
            let all = self.0.iter().all(|w| {
                let heard = w.heard.ids.lock().unwrap();
                ids[w.ward].iter().all(|id| heard.contains(id))
            });
            if all || Instant::now() > deadline {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for every approval to arrive, then checks that each watcher heard exactly its
    /// reporter's approvals, each once, and is still connected; closes them. Returns the
    /// updates heard in all.
    pub(crate) async fn expect_exactly(&self, ids: &[Vec<String>], tally: &Tally) -> usize {
        self.wait_for(ids).await;
        // Anything sent twice, or to the wrong reporter, would be in by now.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut heard_in_all = 0;
        for w in &self.0 {
            let heard = w.heard.ids.lock().unwrap().clone();
            heard_in_all += heard.len();
            let mut got = heard.clone();
            got.sort();
            let mut want = ids[w.ward].clone();
            want.sort();
            tally.check(got == want, || {
                let missing = want.iter().filter(|i| !got.contains(i)).count();
                format!(
                    "the {} watcher of reporter {} (on process {:?}) heard {} updates for {} approvals ({missing} missing)",
                    w.transport,
                    w.ward,
                    w.process.map(|p| p + 1),
                    got.len(),
                    want.len()
                )
            });
            if let Some(why) = w.heard.ended.lock().unwrap().clone() {
                tally.fail(format!(
                    "the {} watcher of reporter {} ended: {why}",
                    w.transport, w.ward
                ));
            }
            w.task.abort();
        }
        heard_in_all
    }
}

/// Subscribes over `graphql-transport-ws` through the balancer.
async fn websocket(balancer: &str, token: &str, ward: usize) -> Watcher {
    let url = balancer.replace("http://", "ws://") + "/graphql";
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("a WebSocket through the balancer");
    let process = served_by(resp.headers());
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    ws.send(Message::text(init.to_string())).await.unwrap();
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.contains("connection_ack") => break,
            Some(Ok(Message::Text(t))) => panic!("before connection_ack: {t}"),
            Some(Ok(_)) => {}
            other => panic!("no connection_ack: {other:?}"),
        }
    }
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": QUERY}});
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    let heard = Arc::new(Heard::default());
    let sink = Arc::clone(&heard);
    let task = tokio::spawn(async move {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Text(t)) => {
                    let m: Value = serde_json::from_str(&t).unwrap_or_default();
                    match m["type"].as_str() {
                        Some("next") => sink.next(&m["payload"]["data"]),
                        Some("ping") => {
                            let _ = ws
                                .send(Message::text(json!({"type": "pong"}).to_string()))
                                .await;
                        }
                        Some("pong") => {}
                        _ => sink.end(format!("message {t}")),
                    }
                }
                Ok(Message::Close(frame)) => {
                    sink.end(format!("closed: {frame:?}"));
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    sink.end(e.to_string());
                    return;
                }
            }
        }
        sink.end("the connection ended".into());
    });
    Watcher {
        ward,
        transport: "WebSocket",
        process,
        heard,
        task,
    }
}

/// Subscribes over SSE (distinct connections mode) through the balancer.
async fn sse(balancer: &str, token: &str, ward: usize) -> Watcher {
    // No overall timeout: the stream lasts as long as the run.
    let http = reqwest::Client::new();
    let mut resp = http
        .post(format!("{balancer}/graphql"))
        .bearer_auth(token)
        .header("accept", "text/event-stream")
        .json(&json!({"query": QUERY}))
        .send()
        .await
        .expect("an SSE stream through the balancer");
    assert_eq!(resp.status(), 200, "SSE through the balancer");
    let process = served_by(resp.headers());
    let heard = Arc::new(Heard::default());
    let sink = Arc::clone(&heard);
    let task = tokio::spawn(async move {
        let mut buf = String::new();
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => buf.push_str(&String::from_utf8_lossy(&c)),
                Ok(None) => return sink.end("the stream ended".into()),
                Err(e) => return sink.end(e.to_string()),
            }
            while let Some(i) = buf.find("\n\n") {
                let block: String = buf.drain(..i + 2).collect();
                let mut event = "";
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = if e.trim() == "next" { "next" } else { "other" };
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                match event {
                    "next" => {
                        let v: Value = serde_json::from_str(&data).unwrap_or_default();
                        sink.next(&v["data"]);
                    }
                    // A comment (heartbeat) block.
                    "" => {}
                    _ => sink.end(format!("event {block:?}")),
                }
            }
        }
    });
    Watcher {
        ward,
        transport: "SSE",
        process,
        heard,
        task,
    }
}
