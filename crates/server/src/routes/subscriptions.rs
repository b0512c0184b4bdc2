//! GraphQL subscriptions over WebSocket: the `graphql-transport-ws` protocol (the
//! `graphql-ws` library's) on `GET /graphql` with `Upgrade: websocket`.
//!
//! The protocol is spoken here rather than by async-graphql's WebSocket helper so the
//! close codes are the protocol's (its helper closes with 1002/1011 where `graphql-ws`
//! expects 4403/4401) and so each connection has a bounded outgoing queue:
//!
//! - 4400 a message that is not JSON or not of the protocol;
//! - 4401 a `subscribe` before the connection was acknowledged, or a `connection_init`
//!   without a valid `Authorization: Bearer …` in its payload (unauthenticated);
//! - 4403 the access token expired, or its session ended (sign-out, revocation, password
//!   change, deactivation; on any replica), while connected: refresh it (or sign in) and
//!   connect again;
//! - 4406 the client did not offer the `graphql-transport-ws` subprotocol;
//! - 4408 no `connection_init` within `THIDUA_WS_INIT_TIMEOUT_MS`;
//! - 4409 a `subscribe` reusing the id of a running one;
//! - 4429 a second `connection_init`;
//! - 1013 a slow consumer: its queue (`THIDUA_WS_QUEUE` messages) stayed full for
//!   [`SLOW_AFTER`], or it fell behind the event buffer; it should reconnect and re-read
//!   what it shows.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message};
use futures_util::stream::{AbortHandle, BoxStream, SelectAll, StreamExt};
use serde_json::{Value, json};
use thidua_api::context::CallerSession;
use thidua_api::i18n::{self, Locale};
use thidua_api::subscription::SlowConsumer;
use thidua_api::{Caller, RequestCtx};
use thidua_domain::access::Actor;
use thidua_domain::id::UserId;
use thidua_persistence::sessions;
use tokio::sync::mpsc;

use crate::apq::Resolved;
use crate::startup::{AppState, RequestId};
use thidua_domain::ErrorCode;

pub const PROTOCOL: &str = "graphql-transport-ws";

/// How long a full outgoing queue may stay full before the connection is closed as a slow
/// consumer (a burst fills it for a moment even for a client that reads).
const SLOW_AFTER: Duration = Duration::from_secs(5);
/// How often a connection re-checks its access token (expiry on the server's clock).
const TOKEN_CHECK: Duration = Duration::from_secs(5);
/// How long closing a slow consumer may wait for room in its socket: a client that reads
/// again within it still learns why it was closed (1013); one that never does is dropped.
const CLOSE_WAIT: Duration = Duration::from_secs(30);

/// True for a WebSocket upgrade (the guard of the subscription route).
pub fn is_upgrade(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Accepts the upgrade and serves the connection on this worker.
pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    app: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let offered = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == PROTOCOL));
    let (mut res, session, stream) = actix_ws::handle(&req, body)?;
    if offered {
        res.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            header::HeaderValue::from_static(PROTOCOL),
        );
    }
    let locale = Locale::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let conn = Connection {
        app: app.into_inner(),
        request_id: RequestId::of(&req),
        session,
        auth: None,
        subs: HashMap::new(),
        generation: 0,
        slow: SlowConsumer::default(),
    };
    actix_web::rt::spawn(i18n::scope(locale, conn.run(stream, offered)));
    Ok(res)
}

/// Something to write to the socket.
enum Out {
    Text(String),
    Pong(Vec<u8>),
}

/// Why the server ends a connection.
struct Close(u16, &'static str);

struct Authed {
    token: String,
    actor: Actor,
    session: CallerSession,
    /// Turns `true` when the session ends (on any replica).
    ended: tokio::sync::watch::Receiver<bool>,
}

struct Connection {
    app: Arc<AppState>,
    request_id: String,
    session: actix_ws::Session,
    auth: Option<Authed>,
    /// Running subscriptions by client id, with the generation of each: a stream aborted
    /// by `complete` may still yield its end after the id was reused.
    subs: HashMap<String, (u64, AbortHandle)>,
    generation: u64,
    slow: SlowConsumer,
}

type Items = SelectAll<BoxStream<'static, (String, u64, Option<async_graphql::Response>)>>;

/// Counts a gauge up for as long as it lives.
struct Gauge(prometheus::IntGauge);

impl Gauge {
    fn up(g: &prometheus::IntGauge) -> Self {
        g.inc();
        Self(g.clone())
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Connection {
    async fn run(mut self, mut stream: actix_ws::MessageStream, offered: bool) {
        let metrics = self.app.metrics.events.clone();
        let _open = Gauge::up(&metrics.connections);
        if !offered {
            self.close(Close(4406, "Subprotocol not acceptable")).await;
            return;
        }
        let settings = &self.app.event_settings;
        let (out, mut queue) = mpsc::channel::<Out>(settings.ws_queue.max(1));
        let mut writer_session = self.session.clone();
        let writer = actix_web::rt::spawn(async move {
            while let Some(m) = queue.recv().await {
                let sent = match m {
                    Out::Text(t) => writer_session.text(t).await,
                    Out::Pong(p) => writer_session.pong(&p).await,
                };
                if sent.is_err() {
                    break;
                }
            }
        });
        let init_deadline =
            tokio::time::Instant::now() + Duration::from_millis(settings.ws_init_timeout_ms.max(1));
        let mut items: Items = SelectAll::new();
        let mut token_check = tokio::time::interval(TOKEN_CHECK);
        token_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let slow = self.slow.0.clone();
        let close = loop {
            tokio::select! {
                msg = stream.recv() => match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break None,
                    Some(Ok(Message::Text(t))) => {
                        if let Err(c) = self.on_text(&t, &out, &mut items).await {
                            break Some(c);
                        }
                    }
                    Some(Ok(Message::Ping(p))) => {
                        if let Err(c) = self.push(&out, Out::Pong(p.to_vec())).await {
                            break Some(c);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => break Some(Close(4400, "Binary messages are not supported")),
                    Some(Ok(_)) => {}
                },
                Some((id, generation, item)) = items.next(), if !items.is_empty() => {
                    if self.subs.get(&id).map(|s| s.0) != Some(generation) {
                        continue;
                    }
                    let (msg, done) = match item {
                        Some(r) => outgoing(&id, r),
                        None => (json!({"id": id, "type": "complete"}), true),
                    };
                    if done {
                        self.subs.remove(&id);
                        metrics.subscriptions.dec();
                    }
                    if let Err(c) = self.push(&out, Out::Text(msg.to_string())).await {
                        break Some(c);
                    }
                    metrics.delivered.inc();
                }
                _ = tokio::time::sleep_until(init_deadline), if self.auth.is_none() => {
                    break Some(Close(4408, "Connection initialisation timeout"));
                }
                _ = token_check.tick(), if self.auth.is_some() => {
                    if !self.token_alive() {
                        break Some(Close(4403, "Forbidden: the access token expired"));
                    }
                }
                _ = session_ended(&mut self.auth) => {
                    break Some(Close(4403, "Forbidden: the session ended"));
                }
                _ = slow.notified() => break Some(self.slow_consumer()),
            }
        };
        for (_, (_, h)) in self.subs.drain() {
            h.abort();
            metrics.subscriptions.dec();
        }
        drop(items);
        drop(out);
        match close {
            Some(c) if c.0 == 1013 => {
                // The queue is full: the close frame may not fit either; then the socket
                // is simply dropped.
                writer.abort();
                let session = self.session.clone();
                let _ = tokio::time::timeout(CLOSE_WAIT, session.close(Some(reason(c)))).await;
            }
            Some(c) => {
                let _ = writer.await;
                self.close(c).await;
            }
            None => writer.abort(),
        }
    }

    fn slow_consumer(&self) -> Close {
        self.app
            .metrics
            .events
            .dropped
            .with_label_values(&["queue_full"])
            .inc();
        tracing::info!(request_id = %self.request_id, "closing a slow subscription consumer");
        Close(1013, "Slow consumer: messages were not read in time")
    }

    async fn close(&self, c: Close) {
        let _ = self.session.clone().close(Some(reason(c))).await;
    }

    fn token_alive(&self) -> bool {
        let Some(a) = &self.auth else { return false };
        self.app
            .api
            .tokens
            .verify(&a.token, self.app.api.clock.now())
            .is_ok()
    }

    async fn on_text(
        &mut self,
        text: &str,
        out: &mpsc::Sender<Out>,
        items: &mut Items,
    ) -> Result<(), Close> {
        let bad = || Close(4400, "Invalid message received");
        let msg: Value = serde_json::from_str(text).map_err(|_| bad())?;
        let kind = msg.get("type").and_then(Value::as_str).ok_or_else(bad)?;
        match kind {
            "connection_init" => {
                if self.auth.is_some() {
                    return Err(Close(4429, "Too many initialisation requests"));
                }
                let auth = self.authenticate(msg.get("payload")).await?;
                self.auth = Some(auth);
                self.send(out, json!({"type": "connection_ack"})).await
            }
            "ping" => {
                let mut pong = json!({"type": "pong"});
                if let Some(p) = msg.get("payload").filter(|p| !p.is_null()) {
                    pong["payload"] = p.clone();
                }
                self.send(out, pong).await
            }
            "pong" => Ok(()),
            "subscribe" => {
                let Some(auth) = &self.auth else {
                    return Err(Close(4401, "Unauthorized"));
                };
                let id = msg
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty() && id.len() <= 100)
                    .ok_or_else(bad)?
                    .to_owned();
                if self.subs.contains_key(&id) {
                    return Err(Close(4409, "Subscriber for this id already exists"));
                }
                let request: async_graphql::Request =
                    serde_json::from_value(msg.get("payload").cloned().ok_or_else(bad)?)
                        .map_err(|_| bad())?;
                let max = self.app.event_settings.ws_max_subscriptions.max(1);
                if self.subs.len() >= max {
                    let m = thidua_domain::msg!("too-many-subscriptions", max = max);
                    return self
                        .send(out, error_message(&id, ErrorCode::RateLimited, &m))
                        .await;
                }
                // Persisted (APQ) and, in strict mode, only trusted documents, as over HTTP.
                let request = match self.app.persisted.resolve(&self.app.db.conn, request).await {
                    Ok(Resolved::Run(r) | Resolved::Register { request: r, .. }) => *r,
                    Err(e) => {
                        return self
                            .send(out, error_message(&id, e.code(), &e.message()))
                            .await;
                    }
                };
                // Queries and mutations go over HTTP, where sign-in throttling and rate
                // budgets apply.
                if !is_subscription(&request) {
                    let m = thidua_domain::msg!("ws-subscriptions-only");
                    return self
                        .send(out, error_message(&id, ErrorCode::BadUserInput, &m))
                        .await;
                }
                let request = request
                    .data(RequestCtx {
                        caller: Caller::User(auth.actor.clone()),
                        request_id: self.request_id.clone(),
                        session: Some(auth.session),
                    })
                    .data(self.slow.clone());
                let responses = self.app.schema.execute_stream(request);
                let (responses, handle) = futures_util::stream::abortable(responses);
                self.generation += 1;
                let generation = self.generation;
                let tag = id.clone();
                let end = id.clone();
                items.push(
                    responses
                        .map(move |r| (tag.clone(), generation, Some(r)))
                        .chain(futures_util::stream::once(async move {
                            (end, generation, None)
                        }))
                        .boxed(),
                );
                self.subs.insert(id, (generation, handle));
                self.app.metrics.events.subscriptions.inc();
                Ok(())
            }
            "complete" => {
                let id = msg.get("id").and_then(Value::as_str).ok_or_else(bad)?;
                if let Some((_, h)) = self.subs.remove(id) {
                    h.abort();
                    self.app.metrics.events.subscriptions.dec();
                }
                Ok(())
            }
            _ => Err(bad()),
        }
    }

    async fn send(&self, out: &mpsc::Sender<Out>, v: Value) -> Result<(), Close> {
        self.push(out, Out::Text(v.to_string())).await
    }

    /// Queues a message, waiting at most [`SLOW_AFTER`] for room.
    async fn push(&self, out: &mpsc::Sender<Out>, m: Out) -> Result<(), Close> {
        match tokio::time::timeout(SLOW_AFTER, out.send(m)).await {
            Ok(Ok(())) => Ok(()),
            // The writer stopped: the socket is gone.
            Ok(Err(_)) => Err(Close(1000, "")),
            Err(_) => Err(self.slow_consumer()),
        }
    }

    /// The caller from `{"Authorization": "Bearer …"}` in `connection_init`'s payload,
    /// with their grants as they are now; 4401 without a valid token, 4403 when the
    /// account must change its password first.
    async fn authenticate(&self, payload: Option<&Value>) -> Result<Authed, Close> {
        let unauthenticated = || Close(4401, "Unauthorized");
        let raw = payload
            .and_then(|p| p.get("Authorization").or_else(|| p.get("authorization")))
            .and_then(Value::as_str)
            .ok_or_else(unauthenticated)?;
        let token = raw
            .strip_prefix("Bearer ")
            .map(str::trim)
            .ok_or_else(unauthenticated)?;
        let now = self.app.api.clock.now();
        let subject = self
            .app
            .api
            .tokens
            .verify(token, now)
            .map_err(|_| unauthenticated())?;
        let found = sessions::caller(
            &self.app.db.conn,
            UserId::from_uuid(subject.user_id),
            subject.session_id,
            now,
        )
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "loading a subscriber's grants failed");
            Close(1011, "Service unavailable")
        })?
        .ok_or_else(unauthenticated)?;
        if found.must_change_password {
            return Err(Close(4403, "Forbidden: the password must be changed first"));
        }
        let ended = self.app.events.sessions().watch(subject.session_id);
        Ok(Authed {
            ended,
            token: token.to_owned(),
            actor: Actor {
                user_id: Some(subject.user_id),
                label: subject.username,
                grants: found.grants,
                request_id: self.request_id.clone(),
                client: None,
            },
            session: CallerSession {
                id: subject.session_id,
                must_change_password: false,
            },
        })
    }
}

/// Resolves when the connection's session has ended; never before `connection_init`.
async fn session_ended(auth: &mut Option<Authed>) {
    match auth {
        Some(a) => {
            if a.ended.wait_for(|ended| *ended).await.is_err() {
                // The watch was dropped without an end: wait forever.
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

/// An `error` message for subscription `id`, shaped as GraphQL errors.
fn error_message(id: &str, code: ErrorCode, message: &thidua_domain::Message) -> Value {
    json!({"id": id, "type": "error", "payload": [{
        "message": i18n::text(message),
        "extensions": {"code": code.as_str()}}]})
}

/// True unless the document names an operation that is not a subscription (a document
/// that does not parse, or is ambiguous, is left to execution to refuse).
fn is_subscription(r: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(doc) = async_graphql::parser::parse_query(&r.query) else {
        return true;
    };
    match &doc.operations {
        DocumentOperations::Single(op) => op.node.ty == OperationType::Subscription,
        DocumentOperations::Multiple(ops) => match &r.operation_name {
            Some(name) => ops
                .get(name.as_str())
                .is_none_or(|op| op.node.ty == OperationType::Subscription),
            None => true,
        },
    }
}

fn reason(c: Close) -> CloseReason {
    CloseReason {
        code: CloseCode::Other(c.0),
        description: Some(c.1.to_owned()),
    }
}

/// The protocol message for one response of subscription `id`, and whether it ends the
/// subscription: a response with errors and no data (a refused document or argument) is
/// an `error` message, which ends it; anything else is `next`.
fn outgoing(id: &str, r: async_graphql::Response) -> (Value, bool) {
    if !r.errors.is_empty() && r.data == async_graphql::Value::Null {
        let errors = serde_json::to_value(&r.errors).unwrap_or(Value::Array(vec![]));
        return (json!({"id": id, "type": "error", "payload": errors}), true);
    }
    let payload = serde_json::to_value(&r).unwrap_or(Value::Null);
    (json!({"id": id, "type": "next", "payload": payload}), false)
}
