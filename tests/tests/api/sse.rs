//! GraphQL over Server-Sent Events (the `graphql-sse` protocol's distinct connections mode)
//! on `/graphql`, with a real streaming HTTP client: events arrive filtered by grants;
//! refusals before the stream are HTTP errors with codes; a query is one `next` then
//! `complete`; heartbeats; access ending ends the stream; the per-process connection cap.

use std::time::Duration;

use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app_with};
use uuid::Uuid;

use crate::reports::{field, submit};
use crate::subscriptions::settle;

both!(
    a_reporter_hears_over_sse_that_their_report_was_returned,
    sse_events_are_filtered_by_the_subscribers_grants,
    a_query_over_sse_is_one_next_then_complete,
    refusals_before_the_stream_are_http_errors_with_codes,
    a_quiet_stream_carries_heartbeats,
    a_stream_ends_when_its_session_ends_or_its_roles_change,
    a_stream_ends_when_its_token_expires,
    a_slow_sse_reader_is_cut_off_without_delaying_a_fast_one,
    the_connection_cap_refuses_websockets_and_streams_with_503
);

/// Upper bound on waiting for an event before the test fails (not a measurement).
const WAIT: Duration = Duration::from_secs(20);

pub(crate) const MY_REPORTS: &str =
    "subscription { myReportStatusChanged { reportId status reason revision } }";
const PROGRESS: &str = "subscription($c: ID!, $p: String!) { reportingProgress(campaignId: $c, period: $p) { campaignId period events } }";

async fn spawn(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.events.event_coalesce_ms = 300;
    })
    .await
}

/// What arrives on the stream.
#[derive(Debug, PartialEq)]
enum Ev {
    Next(Value),
    Complete,
    /// A comment line (a heartbeat is an empty one).
    Comment(String),
    /// The server ended the response.
    End,
}

pub(crate) struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    /// The next event, comments included.
    async fn event(&mut self) -> Ev {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(i) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..i + 2).collect();
                    return parse(&block);
                }
                match self.resp.chunk().await {
                    Ok(Some(c)) => self.buf.push_str(std::str::from_utf8(&c).unwrap()),
                    Ok(None) | Err(_) => {
                        assert!(self.buf.trim().is_empty(), "unterminated: {:?}", self.buf);
                        return Ev::End;
                    }
                }
            }
        })
        .await
        .expect("an event in time")
    }

    /// The next event that is not a comment.
    async fn next(&mut self) -> Ev {
        loop {
            match self.event().await {
                Ev::Comment(_) => {}
                e => return e,
            }
        }
    }

    /// The next `next` event's data.
    pub(crate) async fn data(&mut self) -> Value {
        match self.next().await {
            Ev::Next(v) => v["data"].clone(),
            e => panic!("expected next, got {e:?}"),
        }
    }
}

fn parse(block: &str) -> Ev {
    let block = block.trim_end_matches('\n');
    if block.starts_with(':') {
        return Ev::Comment(block.trim_start_matches(':').trim().to_owned());
    }
    let mut event = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(e) = line.strip_prefix("event:") {
            event = Some(e.trim().to_owned());
        } else if let Some(d) = line.strip_prefix("data:") {
            data.push_str(d.trim_start());
        } else {
            panic!("unexpected line {line:?} in {block:?}");
        }
    }
    match event.as_deref() {
        Some("next") => Ev::Next(serde_json::from_str(&data).unwrap()),
        Some("complete") => {
            assert_eq!(data, "", "{block:?}");
            Ev::Complete
        }
        other => panic!("unexpected event {other:?} in {block:?}"),
    }
}

/// POSTs an operation asking for an event stream.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "text/event-stream")
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// A stream that is open: the server has the subscription once the answer's head is in
/// (the subscription is set up before the server answers).
pub(crate) async fn subscribed(app: &TestApp, token: &str, query: &str, variables: Value) -> Sse {
    settle(app).await;
    let resp = post(app, Some(token), query, variables).await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(
        h.get("content-type").unwrap().to_str().unwrap(),
        "text/event-stream; charset=utf-8"
    );
    assert_eq!(h.get("cache-control").unwrap(), "no-cache");
    assert_eq!(h.get("x-accel-buffering").unwrap(), "no");
    Sse {
        resp,
        buf: String::new(),
    }
}

/// The JSON error code of a refused (non-stream) answer.
async fn refused(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(ct.starts_with("application/json"), "{status} {ct}");
    (status, resp.json().await.unwrap())
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

async fn a_reporter_hears_over_sse_that_their_report_was_returned(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let mut sse = subscribed(&app, &f.reporter, MY_REPORTS, json!({})).await;
    let sent = submit(
        &app,
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
        json!({"i": {"id": report, "reason": "Thiếu số liệu tháng 1"}}),
    )
    .await;
    let d = sse.data().await;
    let change = &d["myReportStatusChanged"];
    assert_eq!(change["reportId"], report.as_str());
    assert_eq!(change["status"], "RETURNED");
    assert_eq!(change["reason"], "Thiếu số liệu tháng 1");
    // The metrics count the stream and what it delivered, by transport.
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("thidua_live_connections{transport=\"sse\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("thidua_subscription_messages_total{transport=\"sse\"} 1"),
        "{metrics}"
    );
}

async fn sse_events_are_filtered_by_the_subscribers_grants(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let reporter_b = app
        .user_with_role(&f.admin, "bao.cao.b", "REPORTER", &f.ward_b)
        .await;
    let vars = json!({"c": f.campaign, "p": "2025"});
    let mut a = subscribed(&app, &f.reporter, PROGRESS, vars.clone()).await;
    let mut province = subscribed(&app, &f.manager, PROGRESS, vars).await;
    // Ward B reports: the province hears of it ...
    submit(
        &app,
        &reporter_b,
        vec![f.report(Uuid::now_v7(), &f.ward_b, 2)],
    )
    .await;
    assert_eq!(province.data().await["reportingProgress"]["events"], 1);
    // ... ward A does not: the first thing A hears is its own two reports, as one update
    // (B's report would have been an update of one).
    submit(
        &app,
        &f.reporter,
        vec![
            f.report(Uuid::now_v7(), &f.ward_a, 2),
            f.report(Uuid::now_v7(), &f.ward_a, 3),
        ],
    )
    .await;
    let first = a.data().await;
    assert_eq!(first["reportingProgress"]["events"], 2, "{first}");
    assert_eq!(
        first["reportingProgress"]["campaignId"],
        f.campaign.as_str()
    );
    assert_eq!(province.data().await["reportingProgress"]["events"], 2);
}

async fn a_query_over_sse_is_one_next_then_complete(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.admin().await;
    let resp = post(&app, Some(&admin), "{ programme { code } }", json!({})).await;
    assert_eq!(resp.status(), 200);
    let mut sse = Sse {
        resp,
        buf: String::new(),
    };
    let d = sse.data().await;
    assert!(d["programme"]["code"].is_string(), "{d}");
    assert_eq!(sse.next().await, Ev::Complete);
    assert_eq!(sse.event().await, Ev::End);

    // The same over GET, with the operation in the query string.
    let resp = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ programme { code } }")])
        .header("accept", "text/event-stream")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut sse = Sse {
        resp,
        buf: String::new(),
    };
    assert!(sse.data().await["programme"]["code"].is_string());
    assert_eq!(sse.next().await, Ev::Complete);

    // A mutation runs as over HTTP; over GET it is refused (405) before it runs.
    let resp = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { logout { sessionId } }")])
        .header("accept", "text/event-stream")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let (status, body) = refused(resp).await;
    assert_eq!((status, code(&body)), (405, "BAD_USER_INPUT"), "{body}");
}

async fn refusals_before_the_stream_are_http_errors_with_codes(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;

    // Without a token, with a bad one, with another scheme: 401 with the challenge.
    let (status, body) = refused(post(&app, None, MY_REPORTS, json!({})).await).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"), "{body}");
    let (status, body) =
        refused(post(&app, Some("not-a-token"), MY_REPORTS, json!({})).await).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"), "{body}");
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "text/event-stream")
        .header("authorization", "Basic YWRtaW46eA==")
        .json(&json!({"query": MY_REPORTS}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers().get("www-authenticate").unwrap(),
        "Bearer error=\"invalid_request\""
    );
    assert_eq!(refused(resp).await.0, 401);

    // A document that does not validate: 400, no stream.
    let (status, body) = refused(
        post(
            &app,
            Some(&f.manager),
            "subscription { nothingHere }",
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, "GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    let (status, body) =
        refused(post(&app, Some(&f.manager), "subscription {", json!({})).await).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        !code(&body).is_empty() && code(&body) != "INTERNAL",
        "{body}"
    );

    // Bad arguments: 400 with the code the equivalent query gives.
    for vars in [
        json!({"c": f.campaign, "p": "2025-13"}),
        json!({"c": f.campaign, "p": "2025\u{0}"}),
        json!({"c": f.campaign, "p": "2".repeat(5000)}),
        json!({"c": "not-an-id", "p": "2025"}),
        json!({"c": "Q".repeat(10_000), "p": "2025"}),
    ] {
        let (status, body) =
            refused(post(&app, Some(&f.manager), PROGRESS, vars.clone()).await).await;
        assert_eq!(status, 400, "{body}");
        let q = app
            .gql(
                Some(&f.manager),
                "query($c: ID!, $p: String) { reportingCompliance(campaignId: $c, period: $p) { expected } }",
                vars,
            )
            .await;
        assert_eq!(Some(code(&body)), q.error_code(), "{body} vs {}", q.body);
        assert_ne!(code(&body), "INTERNAL");
    }

    // A batch: one operation per stream.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "text/event-stream")
        .bearer_auth(&f.manager)
        .json(&json!([{"query": MY_REPORTS}, {"query": MY_REPORTS}]))
        .send()
        .await
        .unwrap();
    let (status, body) = refused(resp).await;
    assert_eq!((status, code(&body)), (400, "BAD_USER_INPUT"), "{body}");

    // A form post (CSRF) is refused as on /graphql.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "text/event-stream")
        .header("content-type", "text/plain")
        .bearer_auth(&f.manager)
        .body(json!({"query": MY_REPORTS}).to_string())
        .send()
        .await
        .unwrap();
    let (status, body) = refused(resp).await;
    assert_eq!((status, code(&body)), (400, "BAD_USER_INPUT"), "{body}");

    // A user without any grant: FORBIDDEN on a dashboard, before the stream.
    app.ok(
        Some(&f.admin),
        "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        json!({"i": {"username": "khong.quyen", "displayName": "x", "password": thidua_tests::PASSWORD}}),
    )
    .await;
    let nobody = app.login("khong.quyen", thidua_tests::PASSWORD).await;
    let (status, body) = refused(
        post(
            &app,
            Some(&nobody),
            PROGRESS,
            json!({"c": f.campaign, "p": "2025"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, code(&body)), (400, "FORBIDDEN"), "{body}");
}

async fn a_quiet_stream_carries_heartbeats(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.events.sse_heartbeat_ms = 200).await;
    let admin = app.admin().await;
    let mut sse = subscribed(&app, &admin, MY_REPORTS, json!({})).await;
    // The stream opens with one, then one every 200 ms.
    let started = std::time::Instant::now();
    for _ in 0..4 {
        assert_eq!(sse.event().await, Ev::Comment(String::new()));
    }
    assert!(started.elapsed() >= Duration::from_millis(500));
}

/// The grant ids of the caller's own roles.
async fn my_grants(app: &TestApp, token: &str) -> Vec<String> {
    let d = app
        .ok(Some(token), "{ me { grants { id } } }", json!({}))
        .await;
    d["me"]["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Reads until the stream ends, returning the comments seen; fails on a `complete`.
async fn ended(sse: &mut Sse) -> Vec<String> {
    let mut comments = vec![];
    loop {
        match sse.event().await {
            Ev::End => return comments,
            Ev::Comment(c) => comments.push(c),
            e => panic!("expected the end, got {e:?}"),
        }
    }
}

async fn a_stream_ends_when_its_session_ends_or_its_roles_change(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    // Signing out ends the stream (no `complete`: the client reconnects and learns from
    // the 401 to sign in); another session's stream stays.
    let phone = app.login("bao.cao.a", thidua_tests::PASSWORD).await;
    let mut on_phone = subscribed(&app, &phone, MY_REPORTS, json!({})).await;
    let mut on_laptop = subscribed(&app, &f.reporter, MY_REPORTS, json!({})).await;
    app.ok(Some(&phone), "mutation { logout { sessionId } }", json!({}))
        .await;
    let comments = ended(&mut on_phone).await;
    assert!(
        comments.iter().any(|c| c.contains("session ended")),
        "{comments:?}"
    );
    let (status, _) = refused(post(&app, Some(&phone), MY_REPORTS, json!({})).await).await;
    assert_eq!(status, 401);

    // Revoking one of the reporter's roles ends their streams at once.
    let grant = my_grants(&app, &f.reporter).await.remove(0);
    app.ok(
        Some(&f.admin),
        "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { user { id } userErrors { code } } }",
        json!({"i": {"grantId": grant}}),
    )
    .await;
    let comments = ended(&mut on_laptop).await;
    assert!(
        comments.iter().any(|c| c.contains("access changed")),
        "{comments:?}"
    );
}

async fn the_connection_cap_refuses_websockets_and_streams_with_503(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.events.live_max_connections = 1;
        // A client that went away is noticed when a write to it fails: heartbeats make
        // that soon.
        s.events.sse_heartbeat_ms = 200;
    })
    .await;
    let admin = app.admin().await;
    let sse = subscribed(&app, &admin, MY_REPORTS, json!({})).await;

    // A second stream: 503 with Retry-After, before anything else is looked at.
    let resp = post(&app, None, MY_REPORTS, json!({})).await;
    assert_eq!(resp.headers().get("retry-after").unwrap(), "5");
    let (status, body) = refused(resp).await;
    assert_eq!((status, code(&body)), (503, "RATE_LIMITED"), "{body}");

    // A WebSocket upgrade: refused the same way, not upgraded.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = app.address.replace("http://", "ws://") + "/graphql";
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    match tokio_tungstenite::connect_async(req.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 503);
            assert_eq!(resp.headers().get("retry-after").unwrap(), "5");
        }
        other => panic!("expected 503, got {:?}", other.map(|(_, r)| r.status())),
    }
    // Plain HTTP is not capped.
    app.ok(Some(&admin), "{ programme { code } }", json!({}))
        .await;
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("thidua_live_connections_refused_total{transport=\"sse\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("thidua_live_connections_refused_total{transport=\"ws\"} 1"),
        "{metrics}"
    );

    // Once the stream is closed its place is free again.
    drop(sse);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match tokio_tungstenite::connect_async(req.clone()).await {
            Ok(_) => break,
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) if resp.status() == 503 => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the slot was never freed"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

async fn a_stream_ends_when_its_token_expires(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.admin().await;
    let mut sse = subscribed(&app, &admin, MY_REPORTS, json!({})).await;
    // The server's clock moves past the access token's lifetime.
    app.clock.advance(chrono::Duration::hours(25));
    let comments = ended(&mut sse).await;
    assert!(
        comments.iter().any(|c| c.contains("token expired")),
        "{comments:?}"
    );
}

async fn a_slow_sse_reader_is_cut_off_without_delaying_a_fast_one(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(backend, |s| {
        s.events.ws_queue = 64;
        // Large enough that only the connection, not the process's buffer, holds anyone
        // back.
        s.events.event_buffer = 200_000;
    })
    .await;
    let admin = app.admin().await;
    const TARGETS: &str = "subscription { targetChanged { targetId code value } }";
    settle(&app).await;
    // The slow reader's socket takes little before it pushes back; it sends its request
    // by hand and then reads nothing.
    let addr: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(8 * 1024).unwrap();
    let mut slow = socket.connect(addr).await.unwrap();
    let body = json!({"query": TARGETS}).to_string();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\naccept: text/event-stream\r\n\
         content-type: application/json\r\nauthorization: Bearer {admin}\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(":\n\n") {
        let n = slow.read(&mut buf).await.unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    let mut fast = subscribed(&app, &admin, TARGETS, json!({})).await;

    // One transaction of many events, each about 1 KB on the wire.
    const N: usize = 20_000;
    thidua_tests::events::padded_target_changes_at_once(&app.db, N).await;
    // The fast reader gets every one, in order, while the slow one reads nothing.
    for i in 0..N {
        let d = fast.data().await;
        assert_eq!(d["targetChanged"]["value"], i.to_string());
    }
    // The server gives up on the slow one (its queue stayed full) ...
    let dropped = "thidua_subscription_events_dropped_total{reason=\"queue_full\"} 1";
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let metrics = app.metrics().await;
        if metrics.contains(dropped) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{metrics}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // ... and the slow one, reading at last, finds what fitted in the buffers, then the
    // end of the response (the last chunk), without `complete`.
    let text = tokio::time::timeout(WAIT, async {
        loop {
            let n = slow.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            if n == 0 || got.ends_with(b"\r\n0\r\n\r\n") {
                return String::from_utf8_lossy(&got).into_owned();
            }
        }
    })
    .await
    .expect("the slow stream ends");
    let read = text.matches("event: next").count();
    assert!(
        read < N,
        "the slow reader was cut off before it got everything"
    );
    assert!(!text.contains("event: complete"));
}
