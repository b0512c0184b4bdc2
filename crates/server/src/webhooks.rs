//! The webhook worker every server process runs: claims due deliveries (each the head of
//! its endpoint's queue, leased so no other replica sends it meanwhile), sends them
//! outside any transaction, and records the result (see
//! [`thidua_persistence::webhooks`]).
//!
//! It wakes on the event hub's stream (a committed event may have fanned out deliveries),
//! on the API's nudge (pings, redeliveries and replays write no event), when one of its
//! sends ends, and otherwise only when the next retry or lease end is due (a slow timer,
//! never a busy poll).
//!
//! Requests: at most `THIDUA_WEBHOOK_TIMEOUT_MS` each, redirects not followed, no proxy,
//! at most [`BODY_LIMIT`] of the answer read. In production the DNS resolver drops every
//! address that is not public ([`is_public`]) before connecting, so a name that
//! resolves (or rebinds) to a private address cannot be reached; a literal address in
//! the URL is checked before sending.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry};
use thidua_domain::clock::Clock;
use thidua_domain::webhook::{self, AfterFailure, SigningSecret, is_public};
use thidua_persistence::Database;
use thidua_persistence::webhooks::{self as store, Claimed, Outcome};
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinSet;

use crate::config::{EventSettings, WebhookSettings};
use crate::events::EventHub;

/// Most of an answer's body read (then the connection is dropped).
pub const BODY_LIMIT: usize = 4096;
/// Longest sleep without any wake-up.
const IDLE: Duration = Duration::from_secs(60);
/// Poll while another replica holds the heads of the due queues.
const BLOCKED_POLL: Duration = Duration::from_secs(1);
/// Extra lease beyond twice the request timeout (claim and record round trips).
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// Webhook figures, cheap to clone.
#[derive(Clone)]
pub struct WebhookMetrics {
    /// Attempts by outcome: `success`, `http_error`, `timeout`, `connect_error`, `refused`.
    pub attempts: IntCounterVec,
    /// Deliveries finished, by outcome: `succeeded` or `dead` (dead letters).
    pub deliveries: IntCounterVec,
    /// Seconds one attempt took.
    pub latency: Histogram,
    /// Seconds from a delivery's creation (its event's commit) to its successful send.
    pub end_to_end: Histogram,
    /// Endpoints disabled after failing for too long.
    pub disabled: IntCounter,
}

impl WebhookMetrics {
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let attempts = IntCounterVec::new(
            Opts::new(
                "thidua_webhook_attempts_total",
                "Webhook delivery attempts, by outcome (success, http_error, timeout, connect_error, refused)",
            ),
            &["outcome"],
        )?;
        let deliveries = IntCounterVec::new(
            Opts::new(
                "thidua_webhook_deliveries_total",
                "Webhook deliveries finished, by outcome (succeeded, dead = dead-lettered)",
            ),
            &["outcome"],
        )?;
        let latency = Histogram::with_opts(
            HistogramOpts::new(
                "thidua_webhook_attempt_duration_seconds",
                "Seconds one webhook attempt took (request and answer)",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        )?;
        let end_to_end = Histogram::with_opts(
            HistogramOpts::new(
                "thidua_webhook_delivery_lag_seconds",
                "Seconds from a delivery's creation (its event's commit) to its successful send",
            )
            .buckets(vec![
                0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0, 600.0, 3600.0,
            ]),
        )?;
        let disabled = IntCounter::new(
            "thidua_webhook_endpoints_disabled_total",
            "Webhook endpoints disabled after failing continuously for THIDUA_WEBHOOK_DISABLE_AFTER_HOURS",
        )?;
        registry.register(Box::new(attempts.clone()))?;
        registry.register(Box::new(deliveries.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(end_to_end.clone()))?;
        registry.register(Box::new(disabled.clone()))?;
        Ok(Self {
            attempts,
            deliveries,
            latency,
            end_to_end,
            disabled,
        })
    }
}

/// A resolver that only hands out public addresses (production).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("address not allowed for webhooks")]
struct Refused;

/// The HTTP client deliveries are sent with.
pub fn client(settings: &WebhookSettings, production: bool) -> reqwest::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .timeout(settings.timeout())
        .connect_timeout(settings.timeout())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("thidua-webhooks/", env!("CARGO_PKG_VERSION")));
    if production {
        b = b.https_only(true).dns_resolver(Arc::new(PublicOnly));
    }
    b.build()
}

/// The running worker of this process.
#[derive(Clone)]
pub struct WebhookWorker {
    task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
    wake: Arc<Notify>,
}

struct Ctx {
    db: Database,
    client: reqwest::Client,
    settings: WebhookSettings,
    production: bool,
    clock: Clock,
    metrics: WebhookMetrics,
    worker_id: String,
}

impl WebhookWorker {
    /// Starts the worker and its housekeeping (finished deliveries are pruned with the
    /// outbox's retention).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        db: Database,
        hub: &EventHub,
        settings: &WebhookSettings,
        events: &EventSettings,
        production: bool,
        clock: Clock,
        metrics: WebhookMetrics,
        wake: Arc<Notify>,
    ) -> anyhow::Result<Self> {
        let ctx = Arc::new(Ctx {
            client: client(settings, production)?,
            db: db.clone(),
            settings: settings.clone(),
            production,
            clock,
            metrics,
            worker_id: uuid::Uuid::now_v7().to_string(),
        });
        let task = tokio::spawn(run(ctx, hub.subscribe(), wake.clone()));
        spawn_pruning(db, events.retention());
        Ok(Self {
            task: Arc::new(std::sync::Mutex::new(Some(task))),
            wake,
        })
    }

    /// Wakes the worker (something was queued without an event).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops the worker at once, sends in flight included, without recording them: what a
    /// crashed process leaves behind (tests).
    pub fn halt(&self) {
        if let Ok(mut t) = self.task.lock()
            && let Some(t) = t.take()
        {
            t.abort();
        }
    }
}

async fn run(
    ctx: Arc<Ctx>,
    mut events: broadcast::Receiver<Arc<thidua_persistence::outbox::Event>>,
    wake: Arc<Notify>,
) {
    let concurrency = ctx.settings.webhook_concurrency.max(1);
    let lease = chrono::Duration::from_std(ctx.settings.timeout() * 2 + LEASE_MARGIN)
        .unwrap_or(chrono::Duration::minutes(1));
    // Owned here: aborting this task aborts the sends in flight too.
    let mut sending: JoinSet<()> = JoinSet::new();
    loop {
        while sending.try_join_next().is_some() {}
        let free = concurrency.saturating_sub(sending.len());
        let mut claimed = 0;
        if free > 0 {
            match store::claim(&ctx.db, &ctx.worker_id, ctx.clock.now(), lease, free as u64).await {
                Ok(rows) => {
                    claimed = rows.len();
                    for c in rows {
                        sending.spawn(deliver(ctx.clone(), c));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed; retrying");
                    tokio::time::sleep(BLOCKED_POLL).await;
                    continue;
                }
            }
        }
        if claimed > 0 {
            // More heads may be due; the next claim finds none when all wait on these.
            continue;
        }
        let wait = if free == 0 {
            IDLE
        } else {
            match store::next_due(&ctx.db.conn).await {
                Ok(Some(at)) => {
                    let now = ctx.clock.now();
                    if at > now {
                        (at - now).to_std().unwrap_or(BLOCKED_POLL).min(IDLE)
                    } else {
                        // Due but not claimable: the head is held by a send (ours, which
                        // wakes us when it ends, or another replica's).
                        BLOCKED_POLL
                    }
                }
                Ok(None) => IDLE,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the next webhook due time failed");
                    BLOCKED_POLL
                }
            }
        };
        tokio::select! {
            r = events.recv() => {
                if matches!(r, Err(broadcast::error::RecvError::Closed)) {
                    tokio::time::sleep(wait).await;
                }
                // One wake-up covers whatever else is buffered.
                while events.try_recv().is_ok() {}
            }
            () = wake.notified() => {}
            Some(_) = sending.join_next(), if !sending.is_empty() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// A number in [0, 1) for the jitter.
fn jitter() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64 >> 11;
    #[allow(clippy::cast_precision_loss)]
    let x = bits as f64 / (1u64 << 53) as f64;
    x
}

/// Sends one claimed delivery and records what happened.
async fn deliver(ctx: Arc<Ctx>, c: Claimed) {
    let now = ctx.clock.now();
    let secrets = c.secrets(now);
    let refs: Vec<&SigningSecret> = secrets.iter().collect();
    let msg_id = c.id.to_string();
    let ts = now.timestamp();
    let signature = webhook::signature_header(&refs, &msg_id, ts, &c.payload);
    let started = Instant::now();
    let (outcome, label) = send(&ctx, &c, &msg_id, ts, &signature).await;
    ctx.metrics.latency.observe(started.elapsed().as_secs_f64());
    ctx.metrics.attempts.with_label_values(&[label]).inc();
    let attempts = u32::try_from(c.attempts.saturating_add(1)).unwrap_or(u32::MAX);
    let outcome = match outcome {
        Ok(code) => Outcome::Delivered { code },
        Err((code, error)) => Outcome::Failed {
            code,
            error,
            retry_at: match webhook::after_failure(attempts, ctx.settings.webhook_max_attempts) {
                AfterFailure::Dead => None,
                AfterFailure::Retry => {
                    let wait = webhook::backoff(
                        attempts,
                        ctx.settings.retry_base(),
                        ctx.settings.retry_max(),
                        jitter(),
                    );
                    Some(ctx.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default())
                }
            },
        },
    };
    let recorded_at = ctx.clock.now();
    match store::record(
        &ctx.db,
        &ctx.worker_id,
        &c,
        &outcome,
        recorded_at,
        ctx.settings.disable_after(),
    )
    .await
    {
        Ok(r) if r.held => {
            if matches!(outcome, Outcome::Delivered { .. }) {
                ctx.metrics
                    .deliveries
                    .with_label_values(&["succeeded"])
                    .inc();
                let lag = (chrono::Utc::now() - c.created_at)
                    .to_std()
                    .unwrap_or_default();
                ctx.metrics.end_to_end.observe(lag.as_secs_f64());
            }
            if r.dead {
                ctx.metrics.deliveries.with_label_values(&["dead"]).inc();
                tracing::warn!(delivery = %c.id, endpoint = %c.endpoint_id, "webhook delivery dead-lettered");
            }
            if r.endpoint_disabled {
                ctx.metrics.disabled.inc();
                tracing::warn!(endpoint = %c.endpoint_id, "webhook endpoint disabled after failing continuously");
            }
        }
        Ok(_) => {
            tracing::warn!(delivery = %c.id, "webhook lease ran out before the result was recorded");
        }
        Err(e) => {
            // The lease runs out and the delivery is sent again: at least once.
            tracing::warn!(delivery = %c.id, error = %e, "recording a webhook attempt failed");
        }
    }
}

type SendResult = Result<u16, (Option<u16>, String)>;

async fn send(
    ctx: &Ctx,
    c: &Claimed,
    msg_id: &str,
    ts: i64,
    signature: &str,
) -> (SendResult, &'static str) {
    let Ok(url) = reqwest::Url::parse(&c.url) else {
        return (Err((None, "invalid URL".into())), "refused");
    };
    if ctx.production {
        let literal_ok = match url.host() {
            Some(url::Host::Ipv4(a)) => is_public(a.into()),
            Some(url::Host::Ipv6(a)) => is_public(a.into()),
            Some(url::Host::Domain(_)) => true,
            None => false,
        };
        if !literal_ok || url.scheme() != "https" {
            return (Err((None, Refused.to_string())), "refused");
        }
    }
    let res = ctx
        .client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .body(c.payload.clone())
        .send()
        .await;
    match res {
        Ok(mut resp) => {
            let status = resp.status();
            // Read a little of the answer (some servers want it read), never more.
            let mut read = 0usize;
            while read < BODY_LIMIT {
                match resp.chunk().await {
                    Ok(Some(b)) => read += b.len(),
                    _ => break,
                }
            }
            drop(resp);
            if status.is_success() {
                (Ok(status.as_u16()), "success")
            } else {
                (
                    Err((Some(status.as_u16()), format!("HTTP {}", status.as_u16()))),
                    "http_error",
                )
            }
        }
        Err(e) => {
            let refused = std::error::Error::source(&e)
                .into_iter()
                .flat_map(|s| std::iter::successors(Some(s), |s| s.source()))
                .any(|s| s.to_string() == Refused.to_string());
            if refused {
                (Err((None, Refused.to_string())), "refused")
            } else if e.is_timeout() {
                (Err((None, "timeout".into())), "timeout")
            } else if e.is_connect() {
                (Err((None, "connection failed".into())), "connect_error")
            } else {
                (Err((None, "request failed".into())), "connect_error")
            }
        }
    }
}

/// Hourly: deletes finished deliveries older than the outbox's retention.
fn spawn_pruning(db: Database, retention: chrono::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // One DELETE on the pool, in its writer's turn on SQLite.
            let pruned = async {
                let _turn = db.write_turn().await?;
                store::prune(&db.conn, chrono::Utc::now() - retention).await
            };
            match pruned.await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deliveries = n, "pruned finished webhook deliveries"),
                Err(e) => tracing::warn!(error = %e, "pruning webhook deliveries failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use reqwest::dns::Resolve as _;

    use super::*;

    #[tokio::test]
    async fn the_production_resolver_drops_non_public_addresses() {
        let name = reqwest::dns::Name::from_str("localhost").unwrap();
        assert!(PublicOnly.resolve(name).await.is_err());
    }

    #[tokio::test]
    async fn production_refuses_a_literal_private_address_before_connecting() {
        let settings = <crate::config::Cli as clap::Parser>::parse_from(["thidua"])
            .settings
            .webhooks;
        let ctx = Ctx {
            db: thidua_persistence::Database::connect(&thidua_persistence::DbOptions {
                url: "sqlite::memory:".into(),
                max_connections: 1,
                acquire_timeout: Duration::from_secs(1),
                statement_timeout: None,
                idle_in_transaction_timeout: None,
                pooler: thidua_persistence::pooler::Pooler::None,
            })
            .await
            .unwrap(),
            client: client(&settings, true).unwrap(),
            settings,
            production: true,
            clock: Clock::default(),
            metrics: WebhookMetrics::new(&Registry::new()).unwrap(),
            worker_id: "t".into(),
        };
        for url in [
            "https://127.0.0.1:9/x",
            "https://[::1]:9/x",
            "https://169.254.169.254/latest",
            "http://example.org/",
        ] {
            let c = Claimed {
                id: uuid::Uuid::now_v7(),
                endpoint_id: uuid::Uuid::now_v7(),
                event_type: "webhook.ping".into(),
                payload: "{}".into(),
                attempts: 0,
                url: url.into(),
                secret: String::new(),
                previous_secret: None,
                previous_secret_expires_at: None,
                created_at: chrono::Utc::now(),
            };
            let (res, label) = send(&ctx, &c, "m", 1, "v1,x").await;
            assert_eq!(label, "refused", "{url}");
            assert_eq!(res.unwrap_err().1, "address not allowed for webhooks");
        }
        // A name resolving to loopback is refused by the resolver, at connect time.
        let c = Claimed {
            url: "https://localhost:9/x".into(),
            ..Claimed {
                id: uuid::Uuid::now_v7(),
                endpoint_id: uuid::Uuid::now_v7(),
                event_type: "webhook.ping".into(),
                payload: "{}".into(),
                attempts: 0,
                url: String::new(),
                secret: String::new(),
                previous_secret: None,
                previous_secret_expires_at: None,
                created_at: chrono::Utc::now(),
            }
        };
        let (res, label) = send(&ctx, &c, "m", 1, "v1,x").await;
        assert_eq!(label, "refused", "{res:?}");
    }
}
