//! The reference JavaScript clients against the real server: `graphql-ws` (over WebSocket)
//! and `graphql-sse` (over Server-Sent Events), run by Node from `tests/js`. Skipped, with a
//! message, when Node or the packages are missing (`npm ci --prefix tests/js` installs them).

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both};
use uuid::Uuid;

use crate::reports::{field, submit};
use crate::subscriptions::settle;

both!(
    the_graphql_ws_client_hears_a_return_then_a_4403,
    the_graphql_sse_client_hears_a_return_then_the_stream_ends
);

const WAIT: Duration = Duration::from_secs(30);
const MY_REPORTS: &str = "subscription { myReportStatusChanged { reportId status reason } }";

fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// Whether Node and the clients are installed; says why not when they are not.
fn available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node {
        eprintln!("node is not installed: skipping the graphql-ws / graphql-sse client test");
        return false;
    }
    let installed = ["graphql-ws", "graphql-sse", "ws", "graphql"]
        .iter()
        .all(|p| js_dir().join("node_modules").join(p).is_dir());
    if !installed {
        eprintln!("the JavaScript clients are not installed (npm ci --prefix tests/js): skipping");
    }
    installed
}

/// A client process and the lines it prints.
struct Js {
    child: Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<Value>,
}

impl Js {
    fn start(mode: &str, url: &str, token: &str, query: &str) -> Self {
        let mut child = Command::new("node")
            .arg(js_dir().join("client.mjs"))
            .args([mode, url, token, query])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|_| panic!("not JSON from the client: {line}"));
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    async fn next(&mut self) -> Value {
        tokio::time::timeout(WAIT, self.lines.recv())
            .await
            .expect("the client says something in time")
            .expect("the client is still running")
    }

    async fn expect(&mut self, kind: &str) -> Value {
        let v = self.next().await;
        assert_eq!(v["kind"], kind, "{v}");
        v
    }
}

impl Drop for Js {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The reporter (on a session of its own, so signing it out touches nothing else) has a
/// report returned: the client hears of it; then the session is signed out.
async fn return_then_sign_out(app: &TestApp, mode: &str, url: &str) -> Js {
    let f = field(app).await;
    let token = app.login("bao.cao.a", thidua_tests::PASSWORD).await;
    settle(app).await;
    let mut js = Js::start(mode, url, &token, MY_REPORTS);
    js.expect("ready").await;
    let sent = submit(
        app,
        &f.reporter,
        vec![f.report(Uuid::now_v7(), &f.ward_a, 1)],
    )
    .await;
    let report = sent["results"][0]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        Some(&f.manager),
        "mutation($i: ReturnReportInput!) { returnReport(input: $i) { report { status } } }",
        json!({"i": {"id": report, "reason": "Thiếu số liệu"}}),
    )
    .await;
    let next = js.expect("next").await;
    let change = &next["result"]["data"]["myReportStatusChanged"];
    assert_eq!(change["reportId"], report.as_str(), "{next}");
    assert_eq!(change["status"], "RETURNED");
    assert_eq!(change["reason"], "Thiếu số liệu");
    app.ok(Some(&token), "mutation { logout { sessionId } }", json!({}))
        .await;
    js
}

async fn the_graphql_ws_client_hears_a_return_then_a_4403(backend: Backend) {
    if !available() {
        return;
    }
    let app = thidua_tests::spawn_app(backend).await;
    let url = app.address.replace("http://", "ws://") + "/graphql";
    let mut js = return_then_sign_out(&app, "ws", &url).await;
    let end = js.expect("error").await;
    assert_eq!(end["code"], 4403, "{end}");
}

async fn the_graphql_sse_client_hears_a_return_then_the_stream_ends(backend: Backend) {
    if !available() {
        return;
    }
    let app = thidua_tests::spawn_app(backend).await;
    let url = app.url("/graphql");
    let mut js = return_then_sign_out(&app, "sse", &url).await;
    // The stream ends without `complete`: an error for a client that does not retry.
    let end = js.expect("error").await;
    assert_eq!(end["code"], Value::Null, "not an HTTP refusal: {end}");
    assert!(
        end["message"]
            .as_str()
            .is_some_and(|m| m.contains("Connection closed")),
        "{end}"
    );
}
