//! Building the application: database, schema, HTTP server. `Application::build` binds
//! the listener first so tests can ask for port 0 and learn the real port.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use thidua_api::i18n::{self, Locale};
use thidua_domain::clock::Clock;

use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpServer, web};
use anyhow::Context as _;
use sea_orm::TransactionTrait;
use secrecy::ExposeSecret as _;
use thidua_api::auth::TokenKeys;
use thidua_api::subscription::EventFeed;
use thidua_api::{ApiState, AppSchema, Limits};
use thidua_persistence::blobs::{BlobStore, DatabaseStore, DiskStore, S3Location, S3Store};
use thidua_persistence::{Database, DbOptions, pooler, seed};
use tracing::Instrument;
use uuid::Uuid;

use crate::apq::PersistedQueries;
use crate::config::{BlobStoreKind, PoolerKind, Settings};
use crate::events::EventHub;
use crate::metrics::Metrics;
use crate::ratelimit::{BudgetCharge, RateLimits};
use crate::routes;
use crate::webhooks::WebhookWorker;

/// The request id of the current request (from `x-request-id` if the client sent a
/// sane one, else a new UUID v7); echoed in the response header and in every log line.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    /// The id the middleware gave `req` (empty outside it, e.g. in a unit test).
    pub fn of(req: &actix_web::HttpRequest) -> String {
        req.extensions()
            .get::<Self>()
            .map(|r| r.0.clone())
            .unwrap_or_default()
    }
}

pub struct AppState {
    pub db: Database,
    /// The read replica queries read from (`THIDUA_DATABASE_READ_URL`), if any.
    pub replica: Option<Arc<thidua_persistence::read_replica::ReadReplica>>,
    pub schema: AppSchema,
    /// Runs documents made only of introspection (deeper, with nested lists bounded).
    pub introspection_schema: AppSchema,
    pub api: ApiState,
    pub metrics: Metrics,
    pub limits: Limits,
    pub max_batch: usize,
    pub graphiql: bool,
    pub dataloader_delay: Duration,
    /// Largest JSON (non-multipart) request body.
    pub max_body_bytes: usize,
    /// Largest evidence file.
    pub max_upload_bytes: usize,
    /// Largest multipart request body: a file at the limit plus room for the rest.
    pub multipart_body_bytes: usize,
    /// Automatic persisted queries and trusted documents (strict mode).
    pub persisted: PersistedQueries,
    /// One permit per multipart upload being received (`max_concurrent_uploads`).
    pub upload_slots: Arc<tokio::sync::Semaphore>,
    /// Where file parts are staged while they stream in (beside the evidence store).
    pub upload_staging_dir: std::path::PathBuf,
    /// Budgets and sign-in throttling (in-process, or shared through Redis).
    pub rate_limits: Arc<RateLimits>,
    /// Deadline of one request's execution.
    pub request_timeout: Duration,
    pub readyz_timeout: Duration,
    /// Committed events, fanned out to subscriptions.
    pub events: EventHub,
    pub event_settings: crate::config::EventSettings,
    /// The process's live connections (WebSocket and SSE), capped.
    pub live: Arc<routes::live::Cap>,
}

pub struct Application {
    port: u16,
    server: Server,
    db: Database,
    events: EventHub,
    webhooks: WebhookWorker,
}

/// Makes sure the directory of an SQLite file exists.
fn prepare_sqlite_path(url: &str) -> anyhow::Result<()> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(());
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

/// Connects for a command-line task: no statement timeouts (migrations may run long).
pub async fn connect(settings: &Settings) -> anyhow::Result<Database> {
    connect_with(settings, None, None).await
}

/// Connects for serving: PostgreSQL statement and idle-in-transaction timeouts tied to
/// the request deadline, so nothing the server started outlives it for long.
pub async fn connect_serving(settings: &Settings) -> anyhow::Result<Database> {
    let db = connect_with(
        settings,
        settings.pg_statement_timeout(),
        settings.pg_idle_in_transaction_timeout(),
    )
    .await?;
    if settings.database.pooler == PoolerKind::Transaction {
        warn_of_setting_gaps(settings, &db).await;
    }
    Ok(db)
}

/// Behind a transaction pooler the pool cannot set the timeouts and `jit` per connection:
/// says which ones the role or database lacks, and how to set them.
async fn warn_of_setting_gaps(settings: &Settings, db: &Database) {
    match pooler::setting_gaps(
        db,
        settings.pg_statement_timeout(),
        settings.pg_idle_in_transaction_timeout(),
    )
    .await
    {
        Ok(gaps) => {
            for g in gaps {
                tracing::warn!(
                    setting = g.name,
                    current = %g.current,
                    wanted = %g.wanted,
                    "behind a transaction pooler this setting cannot be set per connection; \
                     set it on the database role: ALTER ROLE <role> SET {} = '{}'",
                    g.name,
                    g.wanted
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "reading the pooled sessions' settings failed"),
    }
}

/// The URL of the change feed's LISTEN connection: `THIDUA_DATABASE_LISTEN_URL`, else
/// `DATABASE_URL`, which behind a transaction pooler would LISTEN on a session lent to
/// others: refused.
pub fn listen_url(settings: &Settings) -> anyhow::Result<String> {
    match (&settings.database.listen_url, settings.database.pooler) {
        (Some(url), _) => Ok(url.expose_secret().to_owned()),
        (None, PoolerKind::None) => Ok(settings.database.url.expose_secret().to_owned()),
        (None, PoolerKind::Transaction) => {
            if settings
                .database
                .url
                .expose_secret()
                .starts_with("postgres")
            {
                anyhow::bail!(
                    "THIDUA_DATABASE_POOLER=transaction needs THIDUA_DATABASE_LISTEN_URL: \
                     a URL of PostgreSQL itself (or of a session pool) for the change feed's LISTEN"
                )
            }
            Ok(settings.database.url.expose_secret().to_owned())
        }
    }
}

/// Where evidence bytes are kept (`THIDUA_BLOB_STORE`).
fn blob_store(settings: &Settings, db: &Database) -> anyhow::Result<Arc<dyn BlobStore>> {
    let st = &settings.storage;
    Ok(match (st.blob_store, db.backend()) {
        (BlobStoreKind::S3, _) => {
            let Some(bucket) = st.s3_bucket.clone().filter(|b| !b.is_empty()) else {
                anyhow::bail!("THIDUA_BLOB_STORE=s3 needs THIDUA_S3_BUCKET");
            };
            Arc::new(
                S3Store::new(&S3Location {
                    bucket,
                    endpoint: st.s3_endpoint.clone().filter(|e| !e.is_empty()),
                    region: st.s3_region.clone(),
                    prefix: st.s3_prefix.clone(),
                    credentials: st.s3_access_key_id.clone().zip(
                        st.s3_secret_access_key
                            .as_ref()
                            .map(|k| k.expose_secret().to_owned()),
                    ),
                })
                .context("configuring the S3 blob store")?,
            )
        }
        (BlobStoreKind::Database, _)
        | (BlobStoreKind::Auto, sea_orm::DatabaseBackend::Postgres) => {
            Arc::new(DatabaseStore::new(db.conn.clone()))
        }
        _ => Arc::new(DiskStore::new(st.evidence_dir())),
    })
}

/// The read replica of `THIDUA_DATABASE_READ_URL`, if set (PostgreSQL only), with the
/// serving timeouts. It is not migrated: it replays the primary.
pub async fn connect_replica(
    settings: &Settings,
    primary: &Database,
) -> anyhow::Result<Option<Arc<thidua_persistence::read_replica::ReadReplica>>> {
    let Some(url) = &settings.database.read_url else {
        return Ok(None);
    };
    if primary.backend() != sea_orm::DatabaseBackend::Postgres
        || !url.expose_secret().starts_with("postgres")
    {
        anyhow::bail!("THIDUA_DATABASE_READ_URL needs PostgreSQL, for it and for DATABASE_URL");
    }
    let db = Database::connect(&DbOptions {
        url: url.expose_secret().to_owned(),
        max_connections: settings.database.max_connections.max(1),
        acquire_timeout: Duration::from_millis(settings.database.acquire_timeout_ms.max(1)),
        statement_timeout: settings.pg_statement_timeout(),
        idle_in_transaction_timeout: settings.pg_idle_in_transaction_timeout(),
        pooler: settings.database.pooler.into(),
    })
    .await
    .context("connecting to the read replica (THIDUA_DATABASE_READ_URL)")?;
    let replica = Arc::new(thidua_persistence::read_replica::ReadReplica::new(db));
    // While the replica does not answer its probe, queries read the primary.
    let watched = Arc::downgrade(&replica);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(thidua_persistence::read_replica::PROBE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(replica) = watched.upgrade() else {
                return;
            };
            replica.probe().await;
        }
    });
    Ok(Some(replica))
}

async fn connect_with(
    settings: &Settings,
    statement_timeout: Option<Duration>,
    idle_in_transaction_timeout: Option<Duration>,
) -> anyhow::Result<Database> {
    prepare_sqlite_path(settings.database.url.expose_secret())?;
    let db = Database::connect(&DbOptions {
        url: settings.database.url.expose_secret().to_owned(),
        max_connections: settings.database.max_connections.max(1),
        acquire_timeout: Duration::from_millis(settings.database.acquire_timeout_ms.max(1)),
        statement_timeout,
        idle_in_transaction_timeout,
        pooler: settings.database.pooler.into(),
    })
    .await
    .context("connecting to the database")?;
    Ok(db)
}

/// Migrates and seeds (idempotent). Seeding runs in one transaction so replicas starting
/// together cannot half-seed.
pub async fn prepare_database(db: &Database, settings: &Settings) -> anyhow::Result<()> {
    db.migrate().await.context("migrating the database")?;
    let txn = db.conn.begin().await?;
    let report = seed::seed_core(
        &txn,
        settings
            .auth
            .admin_password
            .as_ref()
            .map(|p| p.expose_secret())
            .filter(|p| !p.is_empty()),
    )
    .await
    .context("seeding")?;
    txn.commit().await?;
    if let Some(pw) = report.generated_admin_password {
        tracing::warn!(
            username = "admin",
            one_time_password = %pw,
            "created the first administrator; this password is shown once: sign in and keep it safe"
        );
    } else if report.admin_created {
        tracing::info!(
            username = "admin",
            "created the first administrator with THIDUA_ADMIN_PASSWORD"
        );
    }
    Ok(())
}

/// Stores today's value of every target; one write transaction.
pub async fn take_snapshots(db: &Database) -> anyhow::Result<usize> {
    let txn = db.begin_write().await?;
    // Stored notes are the record: in Vietnamese, whoever reads them later.
    let n = thidua_persistence::snapshots::take_today(&txn, &|m| i18n::render(Locale::Vi, m))
        .await
        .context("taking target snapshots")?;
    txn.commit().await?;
    Ok(n)
}

/// Keeps the target history current while the server runs; a failed round is logged and
/// retried at the next tick.
fn schedule_snapshots(db: Database, every: Duration) {
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match take_snapshots(&db).await {
                Ok(n) => tracing::debug!(targets = n, "target snapshots taken"),
                Err(e) => {
                    tracing::warn!(error = %e, "target snapshots failed; retrying at the next tick")
                }
            }
        }
    });
}

fn sane_request_id(raw: &str) -> bool {
    (1..=64).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::default()).await
    }

    /// [`Self::build`] acting on `clock`'s time (tests move it to expire sessions).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let (secret, generated) = settings.jwt_secret_bytes()?;
        if generated {
            tracing::warn!(
                "THIDUA_JWT_SECRET is not set: using a random secret; tokens end with this process"
            );
        }
        let db = connect_serving(&settings).await?;
        prepare_database(&db, &settings).await?;
        let replica = connect_replica(&settings, &db).await?;
        thidua_persistence::passwords::PasswordPool::new(
            match settings.auth.password_concurrency {
                0 => thidua_persistence::passwords::default_concurrency(),
                n => n,
            },
            Duration::from_millis(settings.auth.password_wait_ms),
        )
        .install();
        let rate_limits = Arc::new(RateLimits::new(&settings.rate_limits).await?);

        let tokens = TokenKeys::with_accepted(
            &secret,
            &settings.jwt_accepted_secrets()?,
            &settings.auth.jwt_issuer,
            &settings.auth.jwt_audience,
            settings.auth.token_ttl(),
        )
        .with_link_ttl(settings.auth.export_link_ttl())
        .with_client_ttl(settings.auth.client_token_ttl());
        tracing::info!(
            signing_kid = tokens.signing_kid(),
            accepted_kids = ?tokens.accepted_kids(),
            "access-token keys"
        );
        let staging = settings.storage.upload_staging_dir();
        let swept = routes::multipart::prepare_staging_dir(&staging)
            .with_context(|| format!("preparing {}", staging.display()))?;
        if swept > 0 {
            tracing::info!(
                files = swept,
                "removed uploads left over from an earlier run"
            );
        }
        let limits = settings.graphql.limits();
        let metrics = Metrics::new().context("registering metrics")?;
        // The event stream's and the webhook worker's pools share this one's queue.
        let waits = metrics.db_write_wait.clone();
        db.observe_write_waits(move |d| waits.observe(d.as_secs_f64()));
        // The event machinery has a small pool of its own: it never waits behind requests,
        // and requests' statement counts (metrics, the tests bounding them) stay theirs.
        let mut event_settings = settings.clone();
        event_settings.database.max_connections = 2;
        let events_db = connect(&event_settings)
            .await
            .context("connecting the event stream")?;
        let events = EventHub::start(
            events_db,
            listen_url(&settings)?,
            &settings.events,
            metrics.events.clone(),
        )
        .await
        .context("starting the event stream")?;
        // The webhook worker, too, on a pool of its own.
        let mut webhook_settings = settings.clone();
        webhook_settings.database.max_connections = 3;
        let webhooks_db = connect(&webhook_settings)
            .await
            .context("connecting the webhook worker")?;
        let webhook_policy = thidua_api::context::WebhookPolicy {
            production: settings.env == crate::config::Environment::Production,
            secret_overlap: settings.webhooks.secret_overlap(),
            wake: Arc::new(tokio::sync::Notify::new()),
        };
        let webhooks = WebhookWorker::start(
            webhooks_db,
            &events,
            &settings.webhooks,
            &settings.events,
            webhook_policy.production,
            clock.clone(),
            metrics.webhooks.clone(),
            webhook_policy.wake.clone(),
        )
        .context("starting the webhook worker")?;
        let blobs = blob_store(&settings, &db)?;
        let api = ApiState {
            db: db.clone(),
            tokens,
            limits,
            blobs,
            max_upload_bytes: settings.storage.max_upload_bytes,
            clock,
            sessions: settings.auth.session_policy(),
            webhooks: webhook_policy,
        };
        let feed = EventFeed {
            events: events.sender(),
            coalesce: settings.events.coalesce(),
            observer: Arc::new(crate::events::Observer(metrics.events.clone())),
        };
        let state = web::Data::new(AppState {
            db: db.clone(),
            replica,
            schema: thidua_api::build_schema_with(
                Some(api.clone()),
                &limits,
                Some(Arc::new(BudgetCharge)),
                |b| b.data(feed.clone()),
            ),
            introspection_schema: thidua_api::build_introspection_schema_with(
                Some(api.clone()),
                &limits,
                Some(Arc::new(BudgetCharge)),
                |b| b.data(feed.clone()),
            ),
            api,
            metrics,
            limits,
            max_batch: settings.http.max_batch,
            graphiql: settings.http.graphiql,
            dataloader_delay: Duration::from_micros(settings.graphql.dataloader_delay_us),
            max_body_bytes: settings.http.max_body_bytes,
            max_upload_bytes: settings.storage.max_upload_bytes,
            multipart_body_bytes: settings.multipart_body_bytes(),
            persisted: PersistedQueries::new(settings.graphql.trusted_documents_only),
            upload_slots: Arc::new(tokio::sync::Semaphore::new(
                settings.storage.max_concurrent_uploads.max(1),
            )),
            upload_staging_dir: staging,
            rate_limits,
            request_timeout: settings.http.request_timeout(),
            readyz_timeout: Duration::from_millis(settings.http.readyz_timeout_ms.max(1)),
            events: events.clone(),
            event_settings: settings.events.clone(),
            live: Arc::new(routes::live::Cap::new(settings.events.live_max_connections)),
        });
        let state = Arc::new(state);

        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .with_context(|| format!("binding {}:{}", settings.http.host, settings.http.port))?;
        let port = listener.local_addr()?.port();
        let max_body = settings.http.max_body_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::clone(&state))
                .app_data(web::PayloadConfig::new(max_body))
                .wrap_fn(|req, srv| {
                    let rid = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .filter(|s| sane_request_id(s))
                        .map(str::to_owned)
                        .unwrap_or_else(|| Uuid::now_v7().to_string());
                    req.extensions_mut().insert(RequestId(rid.clone()));
                    // Every message of this request, refusals included, speaks this language.
                    let locale = Locale::negotiate(
                        req.headers()
                            .get(actix_web::http::header::ACCEPT_LANGUAGE)
                            .and_then(|v| v.to_str().ok()),
                    );
                    let span = tracing::info_span!("request", request_id = %rid, method = %req.method(), path = %req.path());
                    let fut = srv.call(req);
                    async move {
                        let mut res = i18n::scope(locale, fut.instrument(span)).await?;
                        let headers = res.headers_mut();
                        headers.insert(
                            actix_web::http::header::CONTENT_LANGUAGE,
                            HeaderValue::from_static(locale.tag()),
                        );
                        headers.append(
                            actix_web::http::header::VARY,
                            HeaderValue::from_static("accept-language"),
                        );
                        if let Ok(v) = HeaderValue::from_str(&rid) {
                            res.headers_mut().insert(HeaderName::from_static("x-request-id"), v);
                        }
                        Ok(res)
                    }
                })
                // GraphQL over Server-Sent Events: a request that accepts an event stream.
                .route(
                    "/graphql",
                    web::route()
                        .guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Post()))
                        .guard(actix_web::guard::fn_guard(routes::sse::wants_stream))
                        .to(routes::sse::stream),
                )
                .route("/graphql", web::post().to(routes::graphql::graphql))
                // Before GraphiQL's GET: a WebSocket upgrade is a subscription connection.
                .route(
                    "/graphql",
                    web::get()
                        .guard(actix_web::guard::fn_guard(routes::subscriptions::is_upgrade))
                        .to(routes::subscriptions::upgrade),
                )
                .route("/graphql", web::get().to(routes::graphql::graphql))
                .route(
                    "/graphiql/{version}/{name}",
                    web::get().to(routes::graphiql::asset),
                )
                .route(
                    "/evidence/{attachment_id}",
                    web::get().to(routes::evidence::download),
                )
                .route(
                    "/exports/{name}",
                    web::get().to(routes::exports::export),
                )
                .route("/oauth/token", web::post().to(routes::oauth::token))
                .route("/healthz", web::get().to(routes::health::healthz))
                .route("/readyz", web::get().to(routes::health::readyz))
                .route("/metrics", web::get().to(routes::health::metrics))
        })
        .shutdown_timeout(settings.http.shutdown_timeout_secs);
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        let server = server.listen(listener)?.run();
        schedule_snapshots(
            db.clone(),
            Duration::from_secs(settings.jobs.snapshot_interval_secs),
        );
        tracing::info!(
            "listening on http://{}:{}/graphql (GraphiQL {}{})",
            settings.http.host,
            port,
            if settings.http.graphiql { "on" } else { "off" },
            if settings.graphql.trusted_documents_only {
                "; trusted documents only"
            } else {
                ""
            }
        );
        Ok(Self {
            port,
            server,
            db,
            events,
            webhooks,
        })
    }

    /// This process's webhook worker (tests halt it to play a crash).
    pub fn webhooks(&self) -> WebhookWorker {
        self.webhooks.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> Database {
        self.db.clone()
    }

    /// This process's event stream (tests watch it).
    pub fn events(&self) -> EventHub {
        self.events.clone()
    }

    /// Runs until SIGTERM or Ctrl-C; in-flight requests get the shutdown timeout to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    fn settings(args: &[&str]) -> Settings {
        crate::config::Cli::parse_from(std::iter::once("thidua").chain(args.iter().copied()))
            .settings
    }

    /// Behind a transaction pooler, LISTEN on `DATABASE_URL` would sit on a session lent
    /// to others: the server asks for a URL of its own rather than miss events.
    #[test]
    fn the_listen_url_is_required_behind_a_transaction_pooler_on_postgresql() {
        let pg = "postgres://thidua@127.0.0.1:6432/thidua";
        let direct = "postgres://thidua@127.0.0.1:5432/thidua";
        let url = |args: &[&str]| listen_url(&settings(args));
        assert_eq!(url(&["--database-url", pg]).unwrap(), pg);
        let refused = url(&["--database-url", pg, "--database-pooler", "transaction"])
            .unwrap_err()
            .to_string();
        assert!(refused.contains("THIDUA_DATABASE_LISTEN_URL"), "{refused}");
        assert_eq!(
            url(&[
                "--database-url",
                pg,
                "--database-pooler",
                "transaction",
                "--database-listen-url",
                direct
            ])
            .unwrap(),
            direct
        );
        // SQLite has no LISTEN: the setting changes nothing there.
        let sqlite = "sqlite://./data/thidua.db?mode=rwc";
        assert_eq!(
            url(&["--database-url", sqlite, "--database-pooler", "transaction"]).unwrap(),
            sqlite
        );
    }
}
