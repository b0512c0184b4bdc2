//! What the live transports (WebSocket in [`super::subscriptions`], Server-Sent Events in
//! [`super::sse`]) share: the per-process connection cap, signing the subscriber in and
//! watching their access while connected, and running a subscription operation. Each
//! transport only frames messages and maps the outcomes to its own codes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::stream::{BoxStream, StreamExt};
use thidua_api::context::CallerSession;
use thidua_api::subscription::SlowConsumer;
use thidua_api::{Caller, RequestCtx};
use thidua_domain::access::Actor;
use thidua_domain::id::UserId;
use thidua_persistence::sessions;
use tokio::sync::watch;

use crate::metrics::EventMetrics;
use crate::startup::AppState;

/// How long a full outgoing queue may stay full before the connection is closed as a slow
/// consumer (a burst fills it for a moment even for a client that reads).
pub const SLOW_AFTER: Duration = Duration::from_secs(5);
/// How often a connection re-checks its access token (expiry on the server's clock).
pub const TOKEN_CHECK: Duration = Duration::from_secs(5);
/// `Retry-After` of a connection refused at the cap, in seconds.
pub const CAP_RETRY_SECS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Ws,
    Sse,
}

impl Transport {
    /// The metrics' `transport` label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ws => "ws",
            Self::Sse => "sse",
        }
    }
}

/// The process's live connections, at most `max` at once.
pub struct Cap {
    open: AtomicUsize,
    max: usize,
}

impl Cap {
    pub fn new(max: usize) -> Self {
        Self {
            open: AtomicUsize::new(0),
            max: max.max(1),
        }
    }

    /// A slot for one more connection, or `None` at the cap (counted as refused).
    pub fn open(self: &Arc<Self>, metrics: &EventMetrics, transport: Transport) -> Option<Slot> {
        let taken = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            });
        if taken.is_err() {
            metrics
                .refused
                .with_label_values(&[transport.label()])
                .inc();
            return None;
        }
        let gauge = metrics.connections.with_label_values(&[transport.label()]);
        gauge.inc();
        Some(Slot {
            cap: self.clone(),
            gauge,
        })
    }
}

/// 503 `RATE_LIMITED` with `Retry-After`: the process holds as many live connections as
/// it may (asked before a WebSocket is upgraded or a stream begins).
pub fn cap_reached(req: &actix_web::HttpRequest, app: &AppState) -> actix_web::HttpResponse {
    crate::refusal::busy(
        req,
        &app.metrics,
        &thidua_domain::msg!("live-connections-full"),
        CAP_RETRY_SECS,
    )
}

/// One open live connection: counted in the cap and the gauge until dropped.
pub struct Slot {
    cap: Arc<Cap>,
    gauge: prometheus::IntGauge,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.cap.open.fetch_sub(1, Ordering::AcqRel);
        self.gauge.dec();
    }
}

/// Counts a gauge up for as long as it lives.
pub struct Gauge(prometheus::IntGauge);

impl Gauge {
    pub fn up(g: prometheus::IntGauge) -> Self {
        g.inc();
        Self(g)
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Why a subscriber could not be signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The token does not verify, its session ended or its user is gone.
    Unauthenticated,
    /// The account must change its password before anything else.
    MustChangePassword,
    /// The grants could not be loaded.
    Unavailable,
}

/// Why a live connection's access ended while it was open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    TokenExpired,
    SessionEnded,
    AccessChanged,
}

impl Ended {
    pub fn reason(self) -> &'static str {
        match self {
            Self::TokenExpired => "Forbidden: the access token expired",
            Self::SessionEnded => "Forbidden: the session ended",
            Self::AccessChanged => "Forbidden: the account's access changed",
        }
    }
}

/// A signed-in subscriber, with their grants as they were at sign-in, and what ends their
/// access while connected.
pub struct Authed {
    pub token: String,
    pub actor: Actor,
    pub session: CallerSession,
    /// Turns `true` when the session ends (on any replica).
    session_ended: watch::Receiver<bool>,
    /// Turns `true` when the user's roles change (on any replica).
    access_changed: watch::Receiver<bool>,
}

/// Signs in the holder of access token `token`: their grants as they are now. The watches
/// are taken before the grants are read, so a change committed in between is not missed.
pub async fn authenticate(
    app: &AppState,
    token: &str,
    request_id: &str,
) -> Result<Authed, Refusal> {
    let now = app.api.clock.now();
    let subject = app
        .api
        .tokens
        .verify(token, now)
        .map_err(|_| Refusal::Unauthenticated)?;
    let session_ended = app.events.access().session(subject.session_id);
    let access_changed = app.events.access().user(subject.user_id);
    let found = sessions::caller(
        &app.db.conn,
        UserId::from_uuid(subject.user_id),
        subject.session_id,
        now,
    )
    .await
    .map_err(|e| {
        tracing::warn!(error = %e, "loading a subscriber's grants failed");
        Refusal::Unavailable
    })?
    .ok_or(Refusal::Unauthenticated)?;
    if found.must_change_password {
        return Err(Refusal::MustChangePassword);
    }
    Ok(Authed {
        token: token.to_owned(),
        actor: Actor {
            user_id: Some(subject.user_id),
            label: subject.username,
            grants: found.grants,
            request_id: request_id.to_owned(),
            // Machine clients' tokens do not verify here: live updates are for people.
            client: None,
        },
        session: CallerSession {
            id: subject.session_id,
            must_change_password: false,
            // Live updates read the primary.
            fence: None,
        },
        session_ended,
        access_changed,
    })
}

impl Authed {
    /// Whether the access token is still valid on the server's clock.
    pub fn token_alive(&self, app: &AppState) -> bool {
        app.api
            .tokens
            .verify(&self.token, app.api.clock.now())
            .is_ok()
    }

    /// Resolves when the session ends or the user's access changes.
    pub async fn revoked(&mut self) -> Ended {
        async fn turned(rx: &mut watch::Receiver<bool>) {
            if rx.wait_for(|ended| *ended).await.is_err() {
                // The watch was dropped without an end: wait forever.
                std::future::pending::<()>().await;
            }
        }
        tokio::select! {
            () = turned(&mut self.session_ended) => Ended::SessionEnded,
            () = turned(&mut self.access_changed) => Ended::AccessChanged,
        }
    }
}

/// Watches a live connection's access: resolves when the token expires (checked every
/// [`TOKEN_CHECK`]), the session ends or the user's access changes; never before sign-in.
pub async fn access_ended(
    app: &AppState,
    auth: &mut Option<Authed>,
    check: &mut tokio::time::Interval,
) -> Ended {
    let Some(a) = auth else {
        return std::future::pending().await;
    };
    loop {
        tokio::select! {
            why = a.revoked() => return why,
            _ = check.tick() => {
                if !a.token_alive(app) {
                    return Ended::TokenExpired;
                }
            }
        }
    }
}

/// An interval for [`access_ended`].
pub fn token_check() -> tokio::time::Interval {
    let mut i = tokio::time::interval(TOKEN_CHECK);
    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    i
}

/// Runs subscription `request` for `auth`: its responses as events arrive. A connection
/// falling behind the event buffer wakes `slow`.
pub fn execute(
    app: &AppState,
    auth: &Authed,
    request_id: &str,
    request: async_graphql::Request,
    slow: &SlowConsumer,
) -> BoxStream<'static, async_graphql::Response> {
    let request = request
        .data(RequestCtx {
            caller: Caller::User(auth.actor.clone()),
            request_id: request_id.to_owned(),
            session: Some(auth.session),
        })
        .data(slow.clone());
    app.schema.execute_stream(request).boxed()
}

/// True unless the document names an operation that is not a subscription (a document
/// that does not parse, or is ambiguous, is left to execution to refuse).
pub fn is_subscription(r: &async_graphql::Request) -> bool {
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

/// A response that ends its subscription: errors and no data (a refused document or
/// argument).
pub fn is_refusal(r: &async_graphql::Response) -> bool {
    !r.errors.is_empty() && r.data == async_graphql::Value::Null
}
