//! Subscriptions over `graphql-transport-ws` on `/graphql`, with a real WebSocket client:
//! events arrive, filtered by the subscriber's grants; bursts are coalesced; the
//! protocol's close codes; bad arguments refused with codes; across replicas.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app_sharing, spawn_app_with};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::reports::{field, submit};

both!(
    a_reporter_hears_at_once_that_their_report_was_returned,
    a_ward_reporter_never_receives_another_wards_events,
    a_burst_of_reports_is_one_dashboard_update,
    changes_available_carries_the_newest_sync_token,
    a_manual_target_value_reaches_target_subscribers,
    close_codes_follow_the_protocol,
    a_token_that_expires_closes_the_socket_with_4403,
    a_session_ended_elsewhere_closes_its_sockets_with_4403,
    a_role_granted_or_revoked_closes_the_users_sockets_with_4403,
    an_end_of_access_amid_a_burst_past_the_buffer_is_not_lost,
    bad_subscription_arguments_are_refused_with_codes,
    a_slow_consumer_is_closed_without_delaying_a_fast_one
);

/// Upper bound on waiting for a message before the test fails (not a measurement).
const WAIT: Duration = Duration::from_secs(20);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug)]
enum Got {
    Msg(Value),
    Closed(u16, String),
}

struct Ws(Socket);

async fn spawn(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.events.event_coalesce_ms = 300;
        s.events.ws_init_timeout_ms = 500;
    })
    .await
}

async fn connect_with(app: &TestApp, protocol: Option<&str>) -> Ws {
    let url = app.address.replace("http://", "ws://") + "/graphql";
    let mut req = url.into_client_request().unwrap();
    if let Some(p) = protocol {
        req.headers_mut()
            .insert("sec-websocket-protocol", p.parse().unwrap());
    }
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    if protocol.is_some() {
        assert_eq!(
            resp.headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
    }
    Ws(ws)
}

async fn connect(app: &TestApp) -> Ws {
    connect_with(app, Some("graphql-transport-ws")).await
}

impl Ws {
    async fn send(&mut self, v: Value) {
        self.0.send(Message::text(v.to_string())).await.unwrap();
    }

    /// The next protocol message or the close, skipping WebSocket pings.
    async fn next(&mut self) -> Got {
        tokio::time::timeout(WAIT, async {
            loop {
                match self.0.next().await {
                    Some(Ok(Message::Text(t))) => {
                        return Got::Msg(serde_json::from_str(&t).unwrap());
                    }
                    Some(Ok(Message::Close(Some(f)))) => {
                        return Got::Closed(f.code.into(), f.reason.to_string());
                    }
                    Some(Ok(Message::Close(None))) | None => return Got::Closed(0, String::new()),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Got::Closed(0, e.to_string()),
                }
            }
        })
        .await
        .expect("a message in time")
    }

    async fn msg(&mut self) -> Value {
        match self.next().await {
            Got::Msg(v) => v,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    async fn closed(&mut self) -> (u16, String) {
        match self.next().await {
            Got::Closed(c, r) => (c, r),
            other => panic!("expected a close, got {other:?}"),
        }
    }

    async fn init(&mut self, token: &str) {
        self.send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}))
            .await;
        let ack = self.msg().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}))
            .await;
    }

    /// The next `next` message's data for subscription `id`.
    async fn data(&mut self, id: &str) -> Value {
        let m = self.msg().await;
        assert_eq!(
            (m["type"].as_str(), m["id"].as_str()),
            (Some("next"), Some(id)),
            "{m}"
        );
        m["payload"]["data"].clone()
    }
}

/// A subscriber that is connected, acknowledged and subscribed: the server has the
/// subscription once a ping sent after it is answered (messages are handled in order).
async fn subscribed(app: &TestApp, token: &str, query: &str, variables: Value) -> Ws {
    settle(app).await;
    let mut ws = connect(app).await;
    ws.init(token).await;
    ws.subscribe("1", query, variables).await;
    ws.send(json!({"type": "ping"})).await;
    let pong = ws.msg().await;
    assert_eq!(pong["type"], "pong", "{pong}");
    ws
}

/// Waits until `app`'s hub has fanned out every event committed so far (it delivers in
/// order, so a marker written now comes after them), so a subscription made next hears
/// only of what happens after it.
pub(crate) async fn settle(app: &TestApp) {
    use thidua_persistence::outbox::{self, EventKind, NewEvent};
    let mut rx = app.events.subscribe();
    let marker = Uuid::now_v7().to_string();
    let txn = app.db.begin_write().await.unwrap();
    outbox::record(
        &txn,
        NewEvent::new(EventKind::SnapshotTaken, json!({})).body(json!({"marker": marker})),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    tokio::time::timeout(WAIT, async {
        loop {
            let e = rx.recv().await.unwrap();
            if e.body["marker"] == marker.as_str() {
                return;
            }
        }
    })
    .await
    .expect("the hub delivers the marker");
}

const MY_REPORTS: &str =
    "subscription { myReportStatusChanged { reportId status reason revision occurredAt } }";
const PROGRESS: &str = "subscription($c: ID!, $p: String!) { reportingProgress(campaignId: $c, period: $p) { campaignId period events latestAt } }";
const LEADERBOARD: &str = "subscription($c: ID!, $p: String!) { leaderboardChanged(campaignId: $c, period: $p) { campaignId period events } }";

async fn a_reporter_hears_at_once_that_their_report_was_returned(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let mut ws = subscribed(&app, &f.reporter, MY_REPORTS, json!({})).await;
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
    let d = ws.data("1").await;
    let change = &d["myReportStatusChanged"];
    assert_eq!(change["reportId"], report.as_str());
    assert_eq!(change["status"], "RETURNED");
    assert_eq!(change["reason"], "Thiếu số liệu tháng 1");
    assert_eq!(change["revision"], 1);
}

async fn a_ward_reporter_never_receives_another_wards_events(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let reporter_b = app
        .user_with_role(&f.admin, "bao.cao.b", "REPORTER", &f.ward_b)
        .await;
    let vars = json!({"c": f.campaign, "p": "2025"});
    let mut a = subscribed(&app, &f.reporter, PROGRESS, vars.clone()).await;
    let mut b = subscribed(&app, &reporter_b, PROGRESS, vars.clone()).await;
    let mut province = subscribed(&app, &f.manager, PROGRESS, vars).await;
    let mut a_mine = subscribed(&app, &f.reporter, MY_REPORTS, json!({})).await;

    // Ward B reports and is approved: B and the province hear of it, A does not.
    let sent = submit(
        &app,
        &reporter_b,
        vec![f.report(Uuid::now_v7(), &f.ward_b, 2)],
    )
    .await;
    let b_report = sent["results"][0]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(b.data("1").await["reportingProgress"]["events"], 1);
    assert_eq!(province.data("1").await["reportingProgress"]["events"], 1);
    app.ok(
        Some(&f.manager),
        "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }",
        json!({"i": {"id": b_report}}),
    )
    .await;
    assert_eq!(b.data("1").await["reportingProgress"]["events"], 1);
    assert_eq!(province.data("1").await["reportingProgress"]["events"], 1);

    // Then ward A reports: the first thing A receives is its own report, alone.
    let sent = submit(
        &app,
        &f.reporter,
        vec![f.report(Uuid::now_v7(), &f.ward_a, 2)],
    )
    .await;
    assert_eq!(sent["results"][0]["status"], "ACCEPTED");
    let first = a.data("1").await;
    assert_eq!(first["reportingProgress"]["events"], 1, "{first}");
    assert_eq!(province.data("1").await["reportingProgress"]["events"], 1);
    // Nor did A's own-reports subscription hear of B's approval: its first message is
    // about A's report.
    let a_report = sent["results"][0]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        Some(&f.manager),
        "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }",
        json!({"i": {"id": a_report}}),
    )
    .await;
    let mine = a_mine.data("1").await;
    assert_eq!(mine["myReportStatusChanged"]["reportId"], a_report.as_str());
    assert_eq!(mine["myReportStatusChanged"]["status"], "APPROVED");
}

async fn a_burst_of_reports_is_one_dashboard_update(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let vars = json!({"c": f.campaign, "p": "2025"});
    let mut ws = subscribed(&app, &f.manager, LEADERBOARD, vars).await;
    // Twelve reports in one batch: one transaction, twelve events, one update.
    let reports: Vec<Value> = (1..=12)
        .map(|m| f.report(Uuid::now_v7(), &f.ward_a, m))
        .collect();
    let sent = submit(&app, &f.reporter, reports).await;
    assert_eq!(sent["results"].as_array().unwrap().len(), 12);
    let d = ws.data("1").await;
    assert_eq!(d["leaderboardChanged"]["events"], 12, "{d}");
    assert_eq!(d["leaderboardChanged"]["period"], "2025");
    // The next change is an update of its own (nothing of the burst was left over).
    app.ok(
        Some(&f.admin),
        "mutation($i: ParticipationInput!) { withdrawParticipation(input: $i) { participation { status } } }",
        json!({"i": {"campaignId": f.campaign, "unitId": f.ward_b}}),
    )
    .await;
    assert_eq!(ws.data("1").await["leaderboardChanged"]["events"], 1);
}

async fn changes_available_carries_the_newest_sync_token(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let mut ws = subscribed(
        &app,
        &f.reporter,
        "subscription { changesAvailable { token events } }",
        json!({}),
    )
    .await;
    submit(
        &app,
        &f.reporter,
        vec![f.report(Uuid::now_v7(), &f.ward_a, 3)],
    )
    .await;
    let d = ws.data("1").await;
    let token = d["changesAvailable"]["token"].as_str().unwrap().to_owned();
    // Pulling from the start reaches the report; pulling from the hint's token returns
    // nothing older than it.
    let all = app
        .ok(
            Some(&f.reporter),
            "{ changes(first: 500) { changes { entity } nextToken } }",
            json!({}),
        )
        .await;
    // (On PostgreSQL the feed holds rows back while any older transaction of the cluster
    // is open, which parallel tests make likely: checked on SQLite only.)
    if backend == Backend::Sqlite {
        assert!(
            all["changes"]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["entity"] == "ProgressReport"),
            "{all}"
        );
        assert_eq!(all["changes"]["nextToken"], token.as_str());
    }
    let after = app
        .ok(
            Some(&f.reporter),
            "query($s: String) { changes(since: $s) { changes { entity } } }",
            json!({"s": token}),
        )
        .await;
    assert_eq!(after["changes"]["changes"], json!([]), "{after}");
}

async fn a_manual_target_value_reaches_target_subscribers(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.admin().await;
    let viewer = app
        .user_with_role(&admin, "xem.tinh", "VIEWER", &app.root_unit(&admin).await)
        .await;
    let mut ws = subscribed(
        &app,
        &viewer,
        "subscription { targetChanged { targetId code value previous } }",
        json!({}),
    )
    .await;
    let targets = app
        .ok(None, "{ targets { id code source } }", json!({}))
        .await;
    let manual = targets["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "NQ-DH-XV")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        Some(&admin),
        "mutation($i: RecordTargetValueInput!) { recordTargetValue(input: $i) { target { id } userErrors { code } } }",
        json!({"i": {"targetId": manual, "value": "42.50", "asOf": "2025-06-30", "sourceNote": "Báo cáo sơ kết"}}),
    )
    .await;
    let d = ws.data("1").await;
    assert_eq!(d["targetChanged"]["targetId"], manual.as_str());
    assert_eq!(d["targetChanged"]["code"], "NQ-DH-XV");
    assert_eq!(d["targetChanged"]["value"], "42.5");
    assert_eq!(d["targetChanged"]["previous"], Value::Null);
}

async fn close_codes_follow_the_protocol(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.admin().await;

    // No connection_init within the timeout: 4408.
    let mut ws = connect(&app).await;
    assert_eq!(ws.closed().await.0, 4408);

    // connection_init without a token, or with a bad one: 4401.
    let mut ws = connect(&app).await;
    ws.send(json!({"type": "connection_init", "payload": {}}))
        .await;
    assert_eq!(ws.closed().await.0, 4401);
    let mut ws = connect(&app).await;
    ws.send(json!({"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}}))
        .await;
    assert_eq!(ws.closed().await.0, 4401);

    // subscribe before the acknowledgement: 4401.
    let mut ws = connect(&app).await;
    ws.subscribe("1", MY_REPORTS, json!({})).await;
    assert_eq!(ws.closed().await.0, 4401);

    // A second connection_init: 4429.
    let mut ws = connect(&app).await;
    ws.init(&admin).await;
    ws.send(
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {admin}")}}),
    )
    .await;
    assert_eq!(ws.closed().await.0, 4429);

    // The same id twice: 4409.
    let mut ws = connect(&app).await;
    ws.init(&admin).await;
    ws.subscribe("dup", MY_REPORTS, json!({})).await;
    ws.subscribe("dup", MY_REPORTS, json!({})).await;
    assert_eq!(ws.closed().await.0, 4409);

    // Not JSON, or not a protocol message: 4400.
    let mut ws = connect(&app).await;
    ws.0.send(Message::text("{not json")).await.unwrap();
    assert_eq!(ws.closed().await.0, 4400);
    let mut ws = connect(&app).await;
    ws.send(json!({"type": "start", "id": "1"})).await;
    assert_eq!(ws.closed().await.0, 4400);

    // Without the subprotocol: 4406.
    let mut ws = connect_with(&app, None).await;
    assert_eq!(ws.closed().await.0, 4406);

    // A ping is answered with a pong; `complete` ends a subscription quietly.
    let mut ws = connect(&app).await;
    ws.init(&admin).await;
    ws.send(json!({"type": "ping", "payload": {"n": 1}})).await;
    assert_eq!(ws.msg().await, json!({"type": "pong", "payload": {"n": 1}}));
    ws.subscribe("a", MY_REPORTS, json!({})).await;
    ws.send(json!({"type": "complete", "id": "a"})).await;
    ws.subscribe("a", MY_REPORTS, json!({})).await;
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.msg().await["type"], "pong");

    // Queries and mutations go over HTTP (where sign-in throttling and budgets apply):
    // over the socket they are an error for that id, and the connection stays open.
    ws.subscribe("q", "{ programme { code } }", json!({})).await;
    let m = ws.msg().await;
    assert_eq!(
        (m["type"].as_str(), m["id"].as_str()),
        (Some("error"), Some("q")),
        "{m}"
    );
    assert_eq!(
        m["payload"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{m}"
    );
    ws.subscribe(
        "m",
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({"i": {"username": "admin", "password": "guess"}}),
    )
    .await;
    let m = ws.msg().await;
    assert_eq!(
        (m["type"].as_str(), m["id"].as_str()),
        (Some("error"), Some("m")),
        "{m}"
    );
    assert_eq!(
        m["payload"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{m}"
    );
    // A named subscription among several operations runs.
    ws.send(json!({"id": "n", "type": "subscribe", "payload": {
        "query": "query Q { programme { code } } subscription S { myReportStatusChanged { status } }",
        "operationName": "S"}}))
        .await;
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.msg().await["type"], "pong");
    ws.send(json!({"id": "n2", "type": "subscribe", "payload": {
        "query": "query Q { programme { code } } subscription S { myReportStatusChanged { status } }",
        "operationName": "Q"}}))
        .await;
    let m = ws.msg().await;
    assert_eq!(
        (m["type"].as_str(), m["id"].as_str()),
        (Some("error"), Some("n2")),
        "{m}"
    );
}

async fn a_token_that_expires_closes_the_socket_with_4403(backend: Backend) {
    let app = spawn(backend).await;
    let admin = app.admin().await;
    let mut ws = subscribed(&app, &admin, MY_REPORTS, json!({})).await;
    // The server's clock moves past the access token's lifetime.
    app.clock.advance(chrono::Duration::hours(25));
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 4403, "{reason}");
}

async fn bad_subscription_arguments_are_refused_with_codes(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let mut ws = connect(&app).await;
    ws.init(&f.manager).await;
    for (id, vars) in [
        ("period", json!({"c": f.campaign, "p": "2025-13"})),
        ("long", json!({"c": f.campaign, "p": "2".repeat(5000)})),
        ("nul", json!({"c": f.campaign, "p": "2025\u{0}"})),
        ("campaign", json!({"c": "not-an-id", "p": "2025"})),
        (
            "campaign-nul",
            json!({"c": "Q2FtcGFpZ24\u{0}", "p": "2025"}),
        ),
        (
            "campaign-long",
            json!({"c": "Q".repeat(10_000), "p": "2025"}),
        ),
    ] {
        ws.subscribe(id, PROGRESS, vars.clone()).await;
        let m = ws.msg().await;
        assert_eq!(
            (m["type"].as_str(), m["id"].as_str()),
            (Some("error"), Some(id)),
            "{m}"
        );
        let code = m["payload"][0]["extensions"]["code"].as_str();
        assert!(code.is_some_and(|c| c != "INTERNAL"), "{m}");
        // The same input to the query answers with the same code.
        let q = app
            .gql(
                Some(&f.manager),
                "query($c: ID!, $p: String) { reportingCompliance(campaignId: $c, period: $p) { expected } }",
                vars,
            )
            .await;
        assert_eq!(code, q.error_code(), "{id}: {m} vs {}", q.body);
    }
    // A subscription field that does not exist is a validation error.
    ws.subscribe("x", "subscription { nothingHere }", json!({}))
        .await;
    let m = ws.msg().await;
    assert_eq!(m["type"], "error", "{m}");
    // An anonymous reader cannot pass connection_init at all; a signed-in user without
    // any grant is FORBIDDEN on dashboards.
    let nobody = {
        let d = app
            .ok(
                Some(&f.admin),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
                json!({"i": {"username": "khong.quyen", "displayName": "x", "password": thidua_tests::PASSWORD}}),
            )
            .await;
        assert!(d["createUser"]["user"]["id"].is_string());
        app.login("khong.quyen", thidua_tests::PASSWORD).await
    };
    let mut ws = connect(&app).await;
    ws.init(&nobody).await;
    ws.subscribe("d", PROGRESS, json!({"c": f.campaign, "p": "2025"}))
        .await;
    let m = ws.msg().await;
    assert_eq!(m["payload"][0]["extensions"]["code"], "FORBIDDEN", "{m}");
}

/// PostgreSQL: a subscriber connected to one replica hears of a change made through another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_one_replica_hears_a_change_made_on_another() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    }
    let one = spawn(Backend::Postgres).await;
    let two = spawn_app_sharing(&one).await;
    let f = field(&one).await;
    let mut ws = subscribed(&two, &f.reporter, MY_REPORTS, json!({})).await;
    let sent = submit(
        &one,
        &f.reporter,
        vec![f.report(Uuid::now_v7(), &f.ward_a, 6)],
    )
    .await;
    let report = sent["results"][0]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    one.ok(
        Some(&f.manager),
        "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }",
        json!({"i": {"id": report}}),
    )
    .await;
    let d = ws.data("1").await;
    assert_eq!(d["myReportStatusChanged"]["reportId"], report.as_str());
    assert_eq!(d["myReportStatusChanged"]["status"], "APPROVED");
    drop(ws);
    drop(two);
}

async fn a_slow_consumer_is_closed_without_delaying_a_fast_one(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.events.ws_queue = 64;
        // Large enough that only the socket, not the process's buffer, holds anyone back.
        s.events.event_buffer = 200_000;
    })
    .await;
    let admin = app.admin().await;
    const TARGETS: &str = "subscription { targetChanged { targetId code value } }";
    // The slow reader's socket takes little before it pushes back (the kernel would
    // otherwise buffer megabytes for it).
    let mut slow = {
        let addr: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(8 * 1024).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let url = app.address.replace("http://", "ws://") + "/graphql";
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (ws, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
        let mut ws = Ws(ws);
        ws.init(&admin).await;
        ws.subscribe("1", TARGETS, json!({})).await;
        ws.send(json!({"type": "ping"})).await;
        assert_eq!(ws.msg().await["type"], "pong");
        ws
    };
    let mut fast = subscribed(&app, &admin, TARGETS, json!({})).await;
    // One transaction of many events, each about 1 KB on the wire: far more than the
    // socket buffers of a client that reads nothing.
    const N: usize = 20_000;
    thidua_tests::events::padded_target_changes_at_once(&app.db, N).await;
    // The fast reader gets every one, in order, while the slow one reads nothing.
    for i in 0..N {
        let d = fast.data("1").await;
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
    // ... and the slow one, reading at last, finds what fitted in its buffers, then the
    // close with its reason.
    let mut read = 0;
    let code = loop {
        match tokio::time::timeout(WAIT, slow.0.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => read += 1,
            Ok(Some(Ok(Message::Close(f)))) => break f.map_or(0, |f| f.code.into()),
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("after {read} messages: {other:?}"),
            Err(_) => panic!("stalled after {read} messages"),
        }
    };
    assert!(
        read < N,
        "the slow reader was closed before it got everything"
    );
    assert_eq!(code, 1013);
}

async fn a_session_ended_elsewhere_closes_its_sockets_with_4403(backend: Backend) {
    let app = spawn(backend).await;
    let phone = app.admin().await;
    let laptop = app.admin().await;
    let mut on_phone = subscribed(&app, &phone, MY_REPORTS, json!({})).await;
    let mut on_laptop = subscribed(&app, &laptop, MY_REPORTS, json!({})).await;
    // The phone signs out (through HTTP, maybe on another replica): its socket closes at
    // once, long before its access token would expire; the laptop's stays open.
    app.ok(Some(&phone), "mutation { logout { sessionId } }", json!({}))
        .await;
    let (code, reason) = on_phone.closed().await;
    assert_eq!(code, 4403, "{reason}");
    on_laptop.send(json!({"type": "ping"})).await;
    assert_eq!(on_laptop.msg().await["type"], "pong");
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

async fn revoke(app: &TestApp, admin: &str, grant: &str) {
    let d = app
        .ok(
            Some(admin),
            "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { user { id } userErrors { code } } }",
            json!({"i": {"grantId": grant}}),
        )
        .await;
    assert_eq!(d["revokeRole"]["userErrors"], json!([]), "{d}");
}

async fn a_role_granted_or_revoked_closes_the_users_sockets_with_4403(backend: Backend) {
    let app = spawn(backend).await;
    let f = field(&app).await;
    let mut reporter = subscribed(&app, &f.reporter, MY_REPORTS, json!({})).await;
    let mut manager = subscribed(&app, &f.manager, MY_REPORTS, json!({})).await;
    // A role granted: the reporter's socket closes (their grants at connection_init are
    // stale), the manager's stays.
    let me = app
        .ok(Some(&f.reporter), "{ me { user { id } } }", json!({}))
        .await["me"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        Some(&f.admin),
        "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } userErrors { code } } }",
        json!({"i": {"userId": me, "role": "VIEWER", "unitId": f.ward_b}}),
    )
    .await;
    let (code, reason) = reporter.closed().await;
    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("access changed"), "{reason}");
    manager.send(json!({"type": "ping"})).await;
    assert_eq!(manager.msg().await["type"], "pong");

    // The same token connects again (the session is alive) and hears with its new grants;
    // a role revoked closes it again.
    let mut reporter = subscribed(&app, &f.reporter, MY_REPORTS, json!({})).await;
    let grant = my_grants(&app, &f.reporter).await.remove(0);
    revoke(&app, &f.admin, &grant).await;
    let (code, reason) = reporter.closed().await;
    assert_eq!(code, 4403, "{reason}");
    manager.send(json!({"type": "ping"})).await;
    assert_eq!(manager.msg().await["type"], "pong");
}

/// PostgreSQL: a role revoked through one replica closes the holder's sockets on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_revoked_on_one_replica_closes_sockets_on_another() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    }
    let one = spawn(Backend::Postgres).await;
    let two = spawn_app_sharing(&one).await;
    let f = field(&one).await;
    let mut ws = subscribed(&two, &f.reporter, MY_REPORTS, json!({})).await;
    let grant = my_grants(&one, &f.reporter).await.remove(0);
    let started = std::time::Instant::now();
    revoke(&one, &f.admin, &grant).await;
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 4403, "{reason}");
    // Well within the token check's period: the close follows the event.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(ws);
    drop(two);
}

/// The hub's buffer is tiny and a burst overruns it: the change of access in the middle is
/// still applied (the watch reads back what it missed from the outbox).
async fn an_end_of_access_amid_a_burst_past_the_buffer_is_not_lost(backend: Backend) {
    use thidua_persistence::outbox::{self, EventKind, NewEvent};
    let app = spawn_app_with(backend, |s| s.events.event_buffer = 16).await;
    let f = field(&app).await;
    let me = app
        .ok(Some(&f.reporter), "{ me { user { id } } }", json!({}))
        .await["me"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = thidua_api::ids::decode_any(&me).unwrap().1;
    // Connected and signed in, with no subscription (which would itself be cut off as a
    // slow consumer by such a burst).
    settle(&app).await;
    let mut ws = connect(&app).await;
    ws.init(&f.reporter).await;
    let filler = |n: usize| {
        (0..n).map(|i| NewEvent::new(EventKind::SnapshotTaken, json!({})).body(json!({"n": i})))
    };
    let events: Vec<NewEvent> = filler(2000)
        .chain(std::iter::once(NewEvent::new(
            EventKind::AccessChanged,
            json!({"user": me}),
        )))
        .chain(filler(2000))
        .collect();
    let txn = app.db.begin_write().await.unwrap();
    outbox::record_many(&txn, events).await.unwrap();
    txn.commit().await.unwrap();
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("access changed"), "{reason}");
}
