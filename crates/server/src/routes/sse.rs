//! GraphQL over Server-Sent Events, the "distinct connections" mode of the GraphQL over SSE
//! protocol (`graphql-sse`), for clients behind proxies that break WebSockets.
//!
//! It lives on `/graphql` itself: a GET or POST there that accepts `text/event-stream`
//! is one operation answered as a stream (the protocol's own default path; a client
//! needs no second URL, and every HTTP rule of `/graphql` — CSRF, body size, persisted
//! queries, rate budgets for queries and mutations — applies unchanged). What happens
//! before the stream is an ordinary HTTP answer with the API's JSON error codes: 401
//! without a valid `Authorization: Bearer`, 400 for a malformed request or an operation
//! refused before it ran, 503 at `THIDUA_LIVE_MAX_CONNECTIONS`. Then `200
//! text/event-stream`: `event: next` with an execution result per update, `event:
//! complete` at the end. A query or mutation is one `next` then `complete`.
//!
//! A subscription shares the WebSocket transport's machinery ([`super::live`]): the same
//! grants filtering and coalescing, a bounded queue (`THIDUA_WS_QUEUE`; a stream whose
//! queue stays full for 5 s ends: slow consumer), and access watching: the stream ends
//! (without `complete`, so a client reconnects) when the token expires, the session ends
//! or the user's roles change. A comment line every `THIDUA_SSE_HEARTBEAT_MS` keeps
//! proxies from closing a quiet stream.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt as _;
use futures_util::stream::{self, BoxStream, StreamExt};
use thidua_api::Caller;
use thidua_api::i18n::{self, Locale};
use thidua_api::subscription::SlowConsumer;
use thidua_domain::{ErrorCode, msg};
use tokio::sync::mpsc;

use super::graphql::execute::{self, Run};
use super::graphql::extract;
use super::graphql::resolve::{self, Prepared};
use super::live::{self, Authed, Gauge, Refusal, SLOW_AFTER, Slot, Transport};
use crate::ratelimit;
use crate::refusal::{
    Challenge, GRAPHQL_RESPONSE, accepts, bad_request, json_response, refuse, unauthenticated,
};
use crate::startup::{AppState, RequestId};

pub const EVENT_STREAM: &str = "text/event-stream";
const COMPLETE: &[u8] = b"event: complete\ndata:\n\n";
const HEARTBEAT: &[u8] = b":\n\n";

/// True when the request accepts an event stream (the route's guard).
pub fn wants_stream(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    accepts(ctx.head().headers(), EVENT_STREAM)
}

/// One `next` event carrying `r`.
fn next_event(r: &async_graphql::Response) -> Bytes {
    let json = serde_json::to_string(r).unwrap_or_else(|_| {
        super::error_body(ErrorCode::Internal, &i18n::text(&msg!("response-encoding"))).to_string()
    });
    // serde_json writes no raw newline: the data is one line.
    Bytes::from(format!("event: next\ndata: {json}\n\n"))
}

/// `200 text/event-stream` over `body`, with what keeps proxies from buffering or caching.
fn event_stream<S>(body: S) -> HttpResponse
where
    S: futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> + 'static,
{
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("x-accel-buffering", HeaderValue::from_static("no")))
        .streaming(body)
}

/// A JSON answer with `status` and the execution result `r` (errors before the stream).
fn json_answer(req: &HttpRequest, status: StatusCode, r: &async_graphql::Response) -> HttpResponse {
    let body = serde_json::to_value(r).unwrap_or_else(|_| {
        super::error_body(ErrorCode::Internal, &i18n::text(&msg!("response-encoding")))
    });
    json_response(status, accepts(req.headers(), GRAPHQL_RESPONSE), &body)
}

/// The subscriber from `Authorization: Bearer …`, required here: 401 without it or with
/// a token that does not verify, 403 when the password must be changed first, 503 when
/// the grants cannot be loaded.
async fn sign_in(
    req: &HttpRequest,
    app: &AppState,
    request_id: &str,
) -> Result<Authed, HttpResponse> {
    let Some(h) = req.headers().get(header::AUTHORIZATION) else {
        return Err(unauthenticated(req, &app.metrics, Challenge::NoToken));
    };
    let Some(token) = h.to_str().ok().and_then(|s| s.strip_prefix("Bearer ")) else {
        return Err(unauthenticated(
            req,
            &app.metrics,
            Challenge::InvalidRequest,
        ));
    };
    live::authenticate(app, token.trim(), request_id)
        .await
        .map_err(|r| match r {
            Refusal::Unauthenticated => unauthenticated(req, &app.metrics, Challenge::InvalidToken),
            Refusal::MustChangePassword => refuse(
                req,
                &app.metrics,
                StatusCode::FORBIDDEN,
                ErrorCode::PasswordChangeRequired,
                &msg!("password-change-required"),
            ),
            Refusal::Unavailable => {
                let mut resp = refuse(
                    req,
                    &app.metrics,
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::ServiceUnavailable,
                    &msg!("database-unavailable"),
                );
                resp.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(thidua_api::error::UNAVAILABLE_RETRY_SECS),
                );
                resp
            }
        })
}

/// `GET|POST /graphql` accepting `text/event-stream`.
pub async fn stream(
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
) -> HttpResponse {
    // The cap first: a connection refused costs nothing more.
    let Some(slot) = app.live.open(&app.metrics.events, Transport::Sse) else {
        return live::cap_reached(&req, &app);
    };
    let is_get = req.method() == Method::GET;
    let request_id = RequestId::of(&req);
    let auth = match sign_in(&req, &app, &request_id).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let caller = Caller::User(auth.actor.clone());
    let (mut operations, _upload_slot) =
        match extract::operations(&req, payload, &app, &caller, is_get).await {
            Ok(x) => x,
            Err(resp) => return resp,
        };
    // Distinct connections: one operation per stream.
    let (Some(request), false) = (operations.requests.pop(), operations.was_batch) else {
        return bad_request(&req, &app.metrics, &msg!("sse-one-operation"));
    };
    let op_name = request.operation_name.clone();
    let mut logins = 0;
    match resolve::operation(&app, request, is_get, &mut logins).await {
        Prepared::Ready { request, register } if live::is_subscription(&request) => subscribe(
            &req,
            app.into_inner(),
            auth,
            *request,
            register,
            slot,
            request_id,
        ),
        prepared => {
            drop(slot);
            once(&req, &app, &caller, auth, prepared, op_name, &request_id).await
        }
    }
}

/// A query or mutation: run as over HTTP (budgets, deadline, sign-in throttling), answered
/// as one `next` then `complete`; refused before it ran: a JSON answer (400).
async fn once(
    req: &HttpRequest,
    app: &AppState,
    caller: &Caller,
    auth: Authed,
    prepared: Prepared,
    op_name: Option<String>,
    request_id: &str,
) -> HttpResponse {
    let rate = ratelimit::RequestLimits::new(&app.rate_limits, req, caller);
    let run = Run {
        app,
        caller,
        session: Some(auth.session),
        request_id,
        rate: &rate,
        deadline: Instant::now() + app.request_timeout,
        wrote: Default::default(),
    };
    let (resp, ran) = match execute::prepared(&run, prepared, op_name).await {
        Err(execute::MutationOverGet) => return execute::mutation_over_get(req, app),
        Ok(x) => x,
    };
    let status = crate::outage::status_for(std::slice::from_ref(&resp), false, &rate.notes)
        .or((!ran).then_some(StatusCode::BAD_REQUEST));
    let mut http = match status {
        Some(status) => json_answer(req, status, &resp),
        None => {
            let body = [next_event(&resp), Bytes::from_static(COMPLETE)];
            event_stream(stream::iter(body.map(Ok)))
        }
    };
    ratelimit::add_headers(&mut http, &rate.notes);
    http
}

/// A subscription: refused before it started (a bad document or argument, no grant): a
/// JSON answer (400); else the stream.
fn subscribe(
    req: &HttpRequest,
    app: Arc<AppState>,
    auth: Authed,
    request: async_graphql::Request,
    register: Option<(String, String)>,
    slot: Slot,
    request_id: String,
) -> HttpResponse {
    let slow = SlowConsumer::default();
    let mut responses = live::execute(&app, &auth, &request_id, request, &slow);
    // Validation and the field's own checks run on the first poll: a refusal is ready at
    // once, while a running subscription waits for its first event.
    let first = match responses.next().now_or_never() {
        Some(Some(r)) if live::is_refusal(&r) => {
            return json_answer(req, StatusCode::BAD_REQUEST, &r);
        }
        Some(None) => {
            return event_stream(stream::once(async { Ok(Bytes::from_static(COMPLETE)) }));
        }
        Some(Some(r)) => Some(r),
        None => None,
    };
    if let Some((hash, text)) = register {
        let app = app.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = app.persisted.store(&app.db, &hash, &text).await {
                tracing::warn!(error = %e, "storing a persisted query failed");
            }
        });
    }
    let responses = stream::iter(first).chain(responses).boxed();
    let (out, queue) = mpsc::channel::<Bytes>(app.event_settings.ws_queue.max(1));
    let locale = Locale::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let pump = Pump {
        app,
        slow,
        out,
        request_id,
        _slot: slot,
    };
    actix_web::rt::spawn(i18n::scope(locale, pump.run(auth, responses)));
    event_stream(stream::unfold(queue, |mut q| async move {
        q.recv().await.map(|b| (Ok(b), q))
    }))
}

/// Why a write did not happen.
enum Stop {
    /// The client is gone.
    Gone,
    /// The queue stayed full for [`SLOW_AFTER`].
    Slow,
}

/// Moves one subscription's responses into its stream's queue.
struct Pump {
    app: Arc<AppState>,
    slow: SlowConsumer,
    out: mpsc::Sender<Bytes>,
    request_id: String,
    /// Held while the stream is open (the cap and the gauge).
    _slot: Slot,
}

impl Pump {
    async fn push(&self, b: Bytes) -> Result<(), Stop> {
        match tokio::time::timeout(SLOW_AFTER, self.out.send(b)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Stop::Gone),
            Err(_) => Err(Stop::Slow),
        }
    }

    fn slow_consumer(&self) {
        self.app
            .metrics
            .events
            .dropped
            .with_label_values(&["queue_full"])
            .inc();
        tracing::info!(request_id = %self.request_id, "ending a slow SSE subscriber's stream");
    }

    async fn run(self, auth: Authed, mut responses: BoxStream<'static, async_graphql::Response>) {
        let metrics = self.app.metrics.events.clone();
        let label = [Transport::Sse.label()];
        let _subscribed = Gauge::up(metrics.subscriptions.with_label_values(&label));
        let delivered = metrics.delivered.with_label_values(&label);
        let every = Duration::from_millis(self.app.event_settings.sse_heartbeat_ms.max(1));
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut check = live::token_check();
        let slow = self.slow.0.clone();
        let app = self.app.clone();
        let out = self.out.clone();
        let mut auth = Some(auth);
        let this = self;
        // Opens the stream at once for proxies and clients waiting for the first byte.
        let mut stop = this.push(Bytes::from_static(HEARTBEAT)).await.err();
        while stop.is_none() {
            tokio::select! {
                item = responses.next() => {
                    let Some(r) = item else {
                        stop = this.push(Bytes::from_static(COMPLETE)).await.err();
                        break;
                    };
                    let done = live::is_refusal(&r);
                    stop = this.push(next_event(&r)).await.err();
                    if stop.is_none() {
                        delivered.inc();
                    }
                    if done && stop.is_none() {
                        stop = this.push(Bytes::from_static(COMPLETE)).await.err();
                        break;
                    }
                }
                _ = heartbeat.tick() => {
                    stop = this.push(Bytes::from_static(HEARTBEAT)).await.err();
                }
                why = live::access_ended(&app, &mut auth, &mut check) => {
                    metrics.access_closed.with_label_values(&label).inc();
                    // A comment saying why (clients ignore it); no `complete`, so a client
                    // reconnects, with a fresh token, or learns from the 401 to sign in.
                    let _ = out.try_send(Bytes::from(format!(": {}\n\n", why.reason())));
                    break;
                }
                () = slow.notified() => stop = Some(Stop::Slow),
                () = out.closed() => stop = Some(Stop::Gone),
            }
        }
        if let Some(Stop::Slow) = stop {
            this.slow_consumer();
        }
    }
}
