//! Prometheus metrics: requests and latency by operation, GraphQL errors by code, and
//! the database pool and the SQL statements run.

use std::collections::HashSet;
use std::sync::Mutex;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use thidua_persistence::Database;

/// Operation names come from clients; past this many distinct names new ones are
/// counted as "other" so a hostile client cannot blow up the label set.
const MAX_OPERATION_NAMES: usize = 500;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    pool: IntGaugeVec,
    statements: IntCounter,
    seen: Mutex<HashSet<String>>,
    refusals: IntCounterVec,
    /// Requests made with a machine client's token, by client name (admin-created and
    /// plain, so the label set stays small).
    client_requests: IntCounterVec,
    /// `POST /oauth/token` answers, by outcome (`granted` or the RFC 6749 error code).
    token_requests: IntCounterVec,
    /// Seconds SQLite writers waited for their turn ([`thidua_persistence::write_gate`]).
    pub db_write_wait: Histogram,
    /// SQLite writers of this process waiting for their turn.
    db_writers_waiting: IntGauge,
    /// The event stream and its subscribers.
    pub events: EventMetrics,
    /// Webhook deliveries.
    pub webhooks: crate::webhooks::WebhookMetrics,
}

/// The event stream's figures; cheap to clone (every handle shares its value).
#[derive(Clone)]
pub struct EventMetrics {
    /// Events this process read from the outbox and fanned out.
    pub published: IntCounter,
    /// Times the LISTEN connection was lost and made again.
    pub listener_reconnects: IntCounter,
    /// Open live connections, by transport (`ws`, `sse`).
    pub connections: IntGaugeVec,
    /// Active subscriptions (operations) over all connections, by transport.
    pub subscriptions: IntGaugeVec,
    /// Subscription messages queued for a client, by transport.
    pub delivered: IntCounterVec,
    /// Live connections refused (503) because the process was at its cap, by transport.
    pub refused: IntCounterVec,
    /// Live connections the server closed because their access ended (token expiry,
    /// session ended, access changed), by transport.
    pub access_closed: IntCounterVec,
    /// Events a subscriber never got, by reason (`lagged`: it fell behind the buffer;
    /// `queue_full`: its connection was closed as a slow consumer).
    pub dropped: IntCounterVec,
    /// Seconds from an event's commit to its message being queued for a client.
    pub lag: Histogram,
}

impl EventMetrics {
    fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let published = IntCounter::new(
            "thidua_events_published_total",
            "Committed events read from the outbox and fanned out by this process",
        )?;
        let listener_reconnects = IntCounter::new(
            "thidua_events_listener_reconnects_total",
            "Times the PostgreSQL LISTEN connection was lost and re-established (then replayed)",
        )?;
        let transport = |name: &str, help: &str| Opts::new(name, help);
        let connections = IntGaugeVec::new(
            transport(
                "thidua_live_connections",
                "Open live connections (GraphQL subscriptions), by transport (ws, sse)",
            ),
            &["transport"],
        )?;
        let subscriptions = IntGaugeVec::new(
            transport(
                "thidua_subscriptions",
                "Active GraphQL subscriptions over all live connections, by transport",
            ),
            &["transport"],
        )?;
        let delivered = IntCounterVec::new(
            transport(
                "thidua_subscription_messages_total",
                "Subscription messages queued for clients, by transport",
            ),
            &["transport"],
        )?;
        let refused = IntCounterVec::new(
            transport(
                "thidua_live_connections_refused_total",
                "Live connections refused (503) at THIDUA_LIVE_MAX_CONNECTIONS, by transport",
            ),
            &["transport"],
        )?;
        let access_closed = IntCounterVec::new(
            transport(
                "thidua_live_access_closed_total",
                "Live connections closed because their access ended (token expired, session ended, access changed), by transport",
            ),
            &["transport"],
        )?;
        let dropped = IntCounterVec::new(
            Opts::new(
                "thidua_subscription_events_dropped_total",
                "Events not delivered to a subscriber, by reason (lagged, queue_full)",
            ),
            &["reason"],
        )?;
        let lag = Histogram::with_opts(
            HistogramOpts::new(
                "thidua_event_delivery_lag_seconds",
                "Seconds from an event's commit to its message being queued for a client",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        )?;
        registry.register(Box::new(published.clone()))?;
        registry.register(Box::new(listener_reconnects.clone()))?;
        registry.register(Box::new(connections.clone()))?;
        registry.register(Box::new(subscriptions.clone()))?;
        registry.register(Box::new(delivered.clone()))?;
        registry.register(Box::new(refused.clone()))?;
        registry.register(Box::new(access_closed.clone()))?;
        registry.register(Box::new(dropped.clone()))?;
        registry.register(Box::new(lag.clone()))?;
        Ok(Self {
            published,
            listener_reconnects,
            connections,
            subscriptions,
            delivered,
            refused,
            access_closed,
            dropped,
            lag,
        })
    }
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "thidua_graphql_requests_total",
                "GraphQL operations executed, by operation name",
            ),
            &["operation"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "thidua_graphql_request_duration_seconds",
                "GraphQL operation latency, by operation name",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new(
                "thidua_graphql_errors_total",
                "GraphQL errors returned, by extensions.code",
            ),
            &["code"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "thidua_db_pool_connections",
                "Database pool connections, by state",
            ),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        let statements = IntCounter::new(
            "thidua_db_statements_total",
            "SQL statements this process has run (divide by requests for statements per request)",
        )?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(statements.clone()))?;
        let refusals = IntCounterVec::new(
            Opts::new(
                "thidua_http_refusals_total",
                "Requests answered before GraphQL ran (CSRF, malformed, too large, 401, busy …), by HTTP status and error code",
            ),
            &["status", "code"],
        )?;
        registry.register(Box::new(refusals.clone()))?;
        let client_requests = IntCounterVec::new(
            Opts::new(
                "thidua_client_requests_total",
                "Requests made with a machine client's access token, by client name",
            ),
            &["client"],
        )?;
        registry.register(Box::new(client_requests.clone()))?;
        let token_requests = IntCounterVec::new(
            Opts::new(
                "thidua_oauth_token_requests_total",
                "POST /oauth/token answers, by outcome (granted or the OAuth error code)",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(token_requests.clone()))?;
        let db_write_wait = Histogram::with_opts(
            HistogramOpts::new(
                "thidua_db_write_wait_seconds",
                "Seconds a write waited for its turn at the SQLite file (writers go one at a time, first come first served; not used on PostgreSQL)",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        )?;
        registry.register(Box::new(db_write_wait.clone()))?;
        let db_writers_waiting = IntGauge::new(
            "thidua_db_writers_waiting",
            "Writes of this process waiting for their turn at the SQLite file (0 on PostgreSQL)",
        )?;
        registry.register(Box::new(db_writers_waiting.clone()))?;
        let events = EventMetrics::new(&registry)?;
        let webhooks = crate::webhooks::WebhookMetrics::new(&registry)?;
        Ok(Self {
            events,
            webhooks,
            registry,
            requests,
            latency,
            errors,
            pool,
            statements,
            seen: Mutex::new(HashSet::new()),
            refusals,
            client_requests,
            token_requests,
            db_write_wait,
            db_writers_waiting,
        })
    }

    /// Counts one request by the machine client `name` (a validated client name).
    pub fn client_request(&self, name: &str) {
        self.client_requests.with_label_values(&[name]).inc();
    }

    /// Counts one token endpoint answer; `outcome` is `granted` or one of our fixed
    /// OAuth error codes, never client input.
    pub fn token_request(&self, outcome: &str) {
        self.token_requests.with_label_values(&[outcome]).inc();
    }

    fn label(&self, operation: Option<&str>) -> String {
        let Some(name) = operation.filter(|n| !n.is_empty()) else {
            return "anonymous".into();
        };
        let valid = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return "invalid".into();
        }
        let Ok(mut seen) = self.seen.lock() else {
            return "other".into();
        };
        if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES {
            seen.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    pub fn observe(&self, operation: Option<&str>, seconds: f64, error_codes: &[String]) {
        let op = self.label(operation);
        self.requests.with_label_values(&[op.as_str()]).inc();
        self.latency
            .with_label_values(&[op.as_str()])
            .observe(seconds);
        for code in error_codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    /// Counts one request refused before GraphQL ran. `code` is one of the server's own
    /// error codes (never client input), so the label set stays small.
    pub fn refused(&self, status: u16, code: &str) {
        self.refusals
            .with_label_values(&[status.to_string().as_str(), code])
            .inc();
    }

    /// The count of refusals with `status` and `code` so far.
    #[cfg(test)]
    pub fn refusals(&self, status: u16, code: &str) -> u64 {
        self.refusals
            .with_label_values(&[status.to_string().as_str(), code])
            .get()
    }

    pub fn render(&self, db: &Database) -> String {
        let (in_use, idle) = db.pool_usage();
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(in_use));
        self.pool.with_label_values(&["idle"]).set(i64::from(idle));
        self.db_writers_waiting
            .set(i64::try_from(db.writers_waiting()).unwrap_or(i64::MAX));
        let run = db.statements_run();
        let counted = self.statements.get();
        if run > counted {
            self.statements.inc_by(run - counted);
        }
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
