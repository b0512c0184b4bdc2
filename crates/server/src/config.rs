//! Settings, from flags or environment variables (flags win). Read once at start;
//! nothing reads the environment afterwards. Secrets are held in types whose `Debug`
//! shows no secret; they are exposed only where they are used.

mod log_filter;
mod secret_url;

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::{ExposeSecret, SecretString};

pub use log_filter::{InvalidLogFilter, LogFilter};
pub use secret_url::SecretUrl;

#[derive(Parser, Debug)]
#[command(
    name = "thidua",
    version,
    about = "GraphQL backend of the Quảng Ninh emulation programme"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (the default): migrates and seeds the database first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the programme, targets, fields and root unit (idempotent); `--demo` adds demo data.
    Seed {
        #[arg(long)]
        demo: bool,
    },
    /// Print the GraphQL SDL.
    Schema,
    /// Store today's value of every target (replacing today's snapshot) and exit.
    Snapshot,
    /// The event outbox.
    #[command(subcommand)]
    Events(EventsCommand),
    /// The progress rollups `criterionProgress` reads (kept current by every approval).
    #[command(subcommand)]
    ProgressRollups(RollupsCommand),
    /// The commendation counts per subtree `commendationStats` reads (kept current by every
    /// commendation written and every unit moved).
    #[command(subcommand)]
    CommendationTotals(CommendationTotalsCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Access-token signing keys: make a new one, or list the configured ones by `kid`.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage trusted documents (the operations strict mode lets run).
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// Ask a running server's `/readyz`: exit 0 when it answers 200, else 1 (the
    /// container health check; the image has no curl).
    Healthcheck {
        /// Default: http://127.0.0.1:<port>/readyz.
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value_t = 3)]
        timeout_secs: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Print a new random signing secret (256 bits, base64url) and its `kid`, to add to
    /// THIDUA_JWT_ACCEPTED_SECRETS first and promote to THIDUA_JWT_SECRET later.
    Generate,
    /// Print the `kid` of the signing secret and of each accepted one (never a secret).
    List,
}

#[derive(Subcommand, Debug)]
pub enum EventsCommand {
    /// Delete events older than the retention (THIDUA_EVENT_RETENTION_DAYS) or than
    /// `--older-than-days`, and print how many.
    Prune {
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36500))]
        older_than_days: Option<u32>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CommendationTotalsCommand {
    /// Recompute every row from the commendations, in one transaction: after commendations
    /// were loaded or repaired in SQL rather than through the API.
    Rebuild,
}

#[derive(Subcommand, Debug)]
pub enum RollupsCommand {
    /// Recompute every row from the approved reports, in one transaction: after reports
    /// were loaded or repaired in SQL rather than through the API.
    Rebuild,
}

#[derive(Subcommand, Debug)]
pub enum DocumentsCommand {
    /// Register GraphQL documents as trusted: each file is one document, stored under the
    /// sha256 of its exact bytes. Prints `<sha256>  <file>` for each.
    Register {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user (`--home-unit CODE` names the unit whose administrators manage it). The
    /// password comes from THIDUA_NEW_USER_PASSWORD, or is generated and printed.
    Create {
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Code of the account's home unit: administrators of its subtree manage the
        /// account. Without it only administrators of the root do.
        #[arg(long, value_name = "CODE")]
        home_unit: Option<String>,
        #[arg(long, env = "THIDUA_NEW_USER_PASSWORD", hide_env_values = true)]
        password: Option<SecretString>,
    },
    /// Grant a role on a unit's subtree: `thidua user grant alice MANAGER --unit QN`.
    Grant {
        username: String,
        #[arg(value_enum)]
        role: RoleArg,
        /// Code of the unit at the top of the subtree.
        #[arg(long)]
        unit: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
#[value(rename_all = "UPPER")]
pub enum RoleArg {
    Admin,
    Council,
    Manager,
    Reporter,
    Viewer,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Where evidence bytes are kept.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobStoreKind {
    /// `database` on PostgreSQL (replicas share it), `disk` on SQLite.
    Auto,
    /// Files under `THIDUA_DATA_DIR/evidence`: one process, or a shared file system.
    Disk,
    /// The database's `blobs` table.
    Database,
    /// An S3-compatible bucket (`THIDUA_S3_BUCKET`, `THIDUA_S3_ENDPOINT`, …).
    S3,
}

/// What `DATABASE_URL` leads to.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolerKind {
    /// PostgreSQL, or a session-pooling proxy.
    None,
    /// A transaction-pooling proxy (PgBouncer `pool_mode = transaction`).
    Transaction,
}

impl From<PoolerKind> for thidua_persistence::pooler::Pooler {
    fn from(k: PoolerKind) -> Self {
        match k {
            PoolerKind::None => Self::None,
            PoolerKind::Transaction => Self::Transaction,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting, one struct per concern (as crates.io's `config` does), so each part of
/// the server is handed the group it consumes. The flags and variables stay flat: a field
/// named shorter inside its group keeps its flat `id`, `long` and `value_name`, so flags,
/// variables and `--help` stay as the README documents them (and a global `url` cannot
/// collide with `healthcheck --url`).
#[derive(Args, Debug, Clone)]
pub struct Settings {
    #[arg(
        long,
        global = true,
        env = "THIDUA_ENV",
        value_enum,
        default_value = "development"
    )]
    pub env: Environment,
    #[command(flatten)]
    pub http: HttpSettings,
    #[command(flatten)]
    pub database: DatabaseSettings,
    #[command(flatten)]
    pub auth: AuthSettings,
    #[command(flatten)]
    pub graphql: GraphqlSettings,
    #[command(flatten)]
    pub rate_limits: RateLimitSettings,
    #[command(flatten)]
    pub storage: StorageSettings,
    #[command(flatten)]
    pub jobs: JobSettings,
    #[command(flatten)]
    pub events: EventSettings,
    #[command(flatten)]
    pub webhooks: WebhookSettings,
    #[command(flatten)]
    pub log: LogSettings,
}

/// The listener, its workers and what one HTTP request may be and take.
#[derive(Args, Debug, Clone)]
pub struct HttpSettings {
    #[arg(long, global = true, env = "THIDUA_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// 0 picks a free port (the log says which).
    #[arg(long, global = true, env = "THIDUA_PORT", default_value_t = 8080)]
    pub port: u16,
    /// HTTP worker threads; 0 = one per CPU core.
    #[arg(long, global = true, env = "THIDUA_WORKERS", default_value_t = 0)]
    pub workers: usize,
    /// Largest request body accepted, in bytes (Apollo Router's default: 2 MB).
    #[arg(
        long,
        global = true,
        env = "THIDUA_MAX_BODY_BYTES",
        default_value_t = 2_000_000
    )]
    pub max_body_bytes: usize,
    /// Most operations in one batched request; 0 refuses batches.
    #[arg(long, global = true, env = "THIDUA_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    #[arg(long, global = true, env = "THIDUA_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
    /// Deadline of one HTTP request's GraphQL execution, in ms; past it: TIMEOUT.
    #[arg(
        long,
        global = true,
        env = "THIDUA_REQUEST_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub request_timeout_ms: u64,
    /// `/readyz` answers 503 when the database has not answered within this, in ms.
    #[arg(
        long,
        global = true,
        env = "THIDUA_READYZ_TIMEOUT_MS",
        default_value_t = 800
    )]
    pub readyz_timeout_ms: u64,
    /// Seconds in-flight requests get to finish on SIGTERM / Ctrl-C.
    #[arg(
        long,
        global = true,
        env = "THIDUA_SHUTDOWN_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub shutdown_timeout_secs: u64,
}

/// Where the database is and how the pool talks to it.
#[derive(Args, Debug, Clone)]
pub struct DatabaseSettings {
    /// SQLite file (created if missing) or PostgreSQL URL.
    #[arg(
        id = "database_url",
        value_name = "DATABASE_URL",
        long = "database-url",
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://./data/thidua.db?mode=rwc"
    )]
    pub url: SecretUrl,
    /// A PostgreSQL streaming replica that queries read from (mutations, sessions and the
    /// change feed use `DATABASE_URL`); a person's queries read the primary until the
    /// replica has replayed their last write.
    #[arg(
        id = "database_read_url",
        value_name = "DATABASE_READ_URL",
        long = "database-read-url",
        global = true,
        env = "THIDUA_DATABASE_READ_URL",
        hide_env_values = true
    )]
    pub read_url: Option<SecretUrl>,
    /// `transaction`: `DATABASE_URL` (and `THIDUA_DATABASE_READ_URL`) lead to a
    /// transaction-pooling proxy such as PgBouncer: no prepared statements kept, no
    /// per-connection settings, and LISTEN through `THIDUA_DATABASE_LISTEN_URL`.
    #[arg(
        id = "database_pooler",
        value_name = "DATABASE_POOLER",
        long = "database-pooler",
        global = true,
        env = "THIDUA_DATABASE_POOLER",
        value_enum,
        default_value = "none"
    )]
    pub pooler: PoolerKind,
    /// The PostgreSQL URL of the change feed's LISTEN connection (one per process); unset:
    /// `DATABASE_URL`. Behind a transaction pooler: PostgreSQL directly, or a session pool.
    #[arg(
        id = "database_listen_url",
        value_name = "DATABASE_LISTEN_URL",
        long = "database-listen-url",
        global = true,
        env = "THIDUA_DATABASE_LISTEN_URL",
        hide_env_values = true
    )]
    pub listen_url: Option<SecretUrl>,
    #[arg(
        id = "db_max_connections",
        value_name = "DB_MAX_CONNECTIONS",
        long = "db-max-connections",
        global = true,
        env = "THIDUA_DB_MAX_CONNECTIONS",
        default_value_t = 10
    )]
    pub max_connections: u32,
    /// How long a request waits for a database connection, in ms.
    #[arg(
        id = "db_acquire_timeout_ms",
        value_name = "DB_ACQUIRE_TIMEOUT_MS",
        long = "db-acquire-timeout-ms",
        global = true,
        env = "THIDUA_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3000
    )]
    pub acquire_timeout_ms: u64,
    /// PostgreSQL `statement_timeout` of the server's connections, in ms; default: the
    /// request deadline; 0 = none.
    #[arg(long, global = true, env = "THIDUA_PG_STATEMENT_TIMEOUT_MS")]
    pub pg_statement_timeout_ms: Option<u64>,
    /// PostgreSQL `idle_in_transaction_session_timeout`, in ms; default: twice the request
    /// deadline; 0 = none.
    #[arg(long, global = true, env = "THIDUA_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS")]
    pub pg_idle_in_transaction_timeout_ms: Option<u64>,
}

/// Access tokens, the first administrator and the cost of checking passwords.
#[derive(Args, Debug, Clone)]
pub struct AuthSettings {
    /// HS256 secret for access tokens, at least 32 bytes; required in production.
    #[arg(long, global = true, env = "THIDUA_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    #[arg(
        long,
        global = true,
        env = "THIDUA_JWT_ISSUER",
        default_value = "thidua"
    )]
    pub jwt_issuer: String,
    #[arg(
        long,
        global = true,
        env = "THIDUA_JWT_AUDIENCE",
        default_value = "thidua-api"
    )]
    pub jwt_audience: String,
    #[arg(
        long,
        global = true,
        env = "THIDUA_TOKEN_TTL_MINUTES",
        default_value_t = 30
    )]
    pub token_ttl_minutes: u64,
    /// Lifetime of the export links `createExportLink` mints.
    #[arg(
        long,
        global = true,
        env = "THIDUA_EXPORT_LINK_TTL_MINUTES",
        default_value_t = 5
    )]
    pub export_link_ttl_minutes: u64,
    /// Lifetime of the access tokens `POST /oauth/token` issues to machine clients.
    #[arg(
        long,
        global = true,
        env = "THIDUA_CLIENT_TOKEN_TTL_SECONDS",
        default_value_t = 300
    )]
    pub client_token_ttl_seconds: u64,
    /// Earlier (or next) HS256 secrets still accepted for verifying access tokens,
    /// comma-separated; tokens name their key by `kid` (see README, "Rotating the
    /// signing key").
    #[arg(
        long,
        global = true,
        env = "THIDUA_JWT_ACCEPTED_SECRETS",
        hide_env_values = true
    )]
    pub jwt_accepted_secrets: Option<SecretString>,
    /// A session whose refresh token goes unused this many days ends.
    #[arg(
        long,
        global = true,
        env = "THIDUA_SESSION_INACTIVITY_DAYS",
        default_value_t = 60
    )]
    pub session_inactivity_days: u32,
    /// No session lives longer than this many days, however often it is refreshed.
    #[arg(
        long,
        global = true,
        env = "THIDUA_SESSION_MAX_DAYS",
        default_value_t = 365
    )]
    pub session_max_days: u32,
    /// Seconds after a rotation during which the retired refresh token may be sent once
    /// more (its answer was lost) and gets the same new pair.
    #[arg(
        long,
        global = true,
        env = "THIDUA_REFRESH_RETRY_GRACE_SECS",
        default_value_t = 60
    )]
    pub refresh_retry_grace_secs: u32,
    /// Password of the first admin on an empty database; generated and printed once if unset.
    #[arg(
        long,
        global = true,
        env = "THIDUA_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub admin_password: Option<SecretString>,
    /// Most password hashes (sign-ins) computed at once; 0 = half the CPU cores (at least 1).
    #[arg(
        long,
        global = true,
        env = "THIDUA_PASSWORD_CONCURRENCY",
        default_value_t = 0
    )]
    pub password_concurrency: usize,
    /// How long a sign-in waits for a hashing slot before answering RATE_LIMITED, in ms.
    #[arg(
        long,
        global = true,
        env = "THIDUA_PASSWORD_WAIT_MS",
        default_value_t = 1000
    )]
    pub password_wait_ms: u64,
}

/// What a GraphQL document may ask for, and how it is executed.
#[derive(Args, Debug, Clone)]
pub struct GraphqlSettings {
    #[arg(
        id = "limit_depth",
        value_name = "LIMIT_DEPTH",
        long = "limit-depth",
        global = true,
        env = "THIDUA_LIMIT_DEPTH",
        default_value_t = 10
    )]
    pub depth: usize,
    #[arg(
        id = "limit_complexity",
        value_name = "LIMIT_COMPLEXITY",
        long = "limit-complexity",
        global = true,
        env = "THIDUA_LIMIT_COMPLEXITY",
        default_value_t = 5000
    )]
    pub complexity: usize,
    #[arg(
        id = "limit_aliases",
        value_name = "LIMIT_ALIASES",
        long = "limit-aliases",
        global = true,
        env = "THIDUA_LIMIT_ALIASES",
        default_value_t = 15
    )]
    pub aliases: usize,
    #[arg(
        id = "limit_tokens",
        value_name = "LIMIT_TOKENS",
        long = "limit-tokens",
        global = true,
        env = "THIDUA_LIMIT_TOKENS",
        default_value_t = 1000
    )]
    pub tokens: usize,
    #[arg(long, global = true, env = "THIDUA_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Most reports in one `submitReports` call.
    #[arg(
        long,
        global = true,
        env = "THIDUA_REPORT_BATCH",
        default_value_t = 100
    )]
    pub report_batch: usize,
    /// Strict mode: run only trusted documents (registered with `thidua documents
    /// register`), sent by hash or as their exact text; refuse APQ registration.
    #[arg(long, global = true, env = "THIDUA_TRUSTED_DOCUMENTS_ONLY")]
    pub trusted_documents_only: bool,
    /// How long a DataLoader waits to gather keys before querying, in microseconds.
    #[arg(
        long,
        global = true,
        env = "THIDUA_DATALOADER_DELAY_US",
        default_value_t = 0
    )]
    pub dataloader_delay_us: u64,
}

/// Budgets of query cost and the throttling of failed sign-ins, and where they count.
#[derive(Args, Debug, Clone)]
pub struct RateLimitSettings {
    /// Failed sign-ins for one username before each further failure locks it out.
    #[arg(
        long,
        global = true,
        env = "THIDUA_LOGIN_FAILURES_PER_USER",
        default_value_t = 5
    )]
    pub login_failures_per_user: u64,
    /// Failed sign-ins from one client address before each further failure locks it out.
    #[arg(
        long,
        global = true,
        env = "THIDUA_LOGIN_FAILURES_PER_ADDRESS",
        default_value_t = 50
    )]
    pub login_failures_per_address: u64,
    /// The first lockout, in seconds; it doubles with every further failure.
    #[arg(
        long,
        global = true,
        env = "THIDUA_LOGIN_LOCKOUT_SECS",
        default_value_t = 1
    )]
    pub login_lockout_secs: u64,
    /// The longest lockout, in seconds; also how long failures are remembered.
    #[arg(
        long,
        global = true,
        env = "THIDUA_LOGIN_LOCKOUT_MAX_SECS",
        default_value_t = 900
    )]
    pub login_lockout_max_secs: u64,
    /// Query cost points a signed-in user may spend per window; 0 = unlimited.
    #[arg(
        long,
        global = true,
        env = "THIDUA_BUDGET_USER_POINTS",
        default_value_t = 100_000
    )]
    pub budget_user_points: u64,
    /// Query cost points one client address may spend per window without a valid token;
    /// 0 = unlimited.
    #[arg(
        long,
        global = true,
        env = "THIDUA_BUDGET_ANONYMOUS_POINTS",
        default_value_t = 50_000
    )]
    pub budget_anonymous_points: u64,
    /// The budgets' window, in seconds.
    #[arg(
        long,
        global = true,
        env = "THIDUA_BUDGET_WINDOW_SECS",
        default_value_t = 3600
    )]
    pub budget_window_secs: u64,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy you
    /// run) instead of the TCP peer.
    #[arg(long, global = true, env = "THIDUA_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,
    /// Redis shared by every replica for budgets and sign-in throttling; unset = in-process.
    #[arg(long, global = true, env = "THIDUA_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<SecretUrl>,
    /// Prefix of every Redis key this server writes.
    #[arg(
        long,
        global = true,
        env = "THIDUA_REDIS_PREFIX",
        default_value = "thidua:"
    )]
    pub redis_prefix: String,
}

/// The files the server keeps (evidence) and how they arrive.
#[derive(Args, Debug, Clone)]
pub struct StorageSettings {
    /// Directory of the files the server keeps; evidence goes under `evidence/`.
    #[arg(long, global = true, env = "THIDUA_DATA_DIR", default_value = "./data")]
    pub data_dir: std::path::PathBuf,
    /// Largest evidence file accepted, in bytes (default 10 MiB). A multipart request may
    /// be this much larger than `max_body_bytes`.
    #[arg(
        long,
        global = true,
        env = "THIDUA_MAX_UPLOAD_BYTES",
        default_value_t = 10_485_760
    )]
    pub max_upload_bytes: usize,
    /// Most multipart uploads streamed at once (per process); one more is answered 503
    /// RATE_LIMITED with `Retry-After` before its body is read. At least 1.
    #[arg(
        long,
        global = true,
        env = "THIDUA_MAX_CONCURRENT_UPLOADS",
        default_value_t = 4
    )]
    pub max_concurrent_uploads: usize,
    /// Where evidence bytes are kept: `auto` (the database on PostgreSQL, so that every
    /// replica serves every file; files on SQLite), `disk` or `database`.
    #[arg(
        long,
        global = true,
        env = "THIDUA_BLOB_STORE",
        value_enum,
        default_value = "auto"
    )]
    pub blob_store: BlobStoreKind,
    /// The bucket of `THIDUA_BLOB_STORE=s3` (credentials: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, as every AWS tool reads them).
    #[arg(long, global = true, env = "THIDUA_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// An S3-compatible service's URL (MinIO, Ceph…); unset: AWS itself.
    #[arg(long, global = true, env = "THIDUA_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    #[arg(
        long,
        global = true,
        env = "THIDUA_S3_REGION",
        default_value = "us-east-1"
    )]
    pub s3_region: String,
    /// Put before every object's key.
    #[arg(
        long,
        global = true,
        env = "THIDUA_S3_PREFIX",
        default_value = "evidence/"
    )]
    pub s3_prefix: String,
    /// The S3 access key, when not from `AWS_ACCESS_KEY_ID`.
    #[arg(
        long,
        global = true,
        env = "THIDUA_S3_ACCESS_KEY_ID",
        hide_env_values = true
    )]
    pub s3_access_key_id: Option<String>,
    /// The S3 secret key, when not from `AWS_SECRET_ACCESS_KEY`.
    #[arg(
        long,
        global = true,
        env = "THIDUA_S3_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<SecretString>,
}

/// Work the server does on its own schedule.
#[derive(Args, Debug, Clone)]
pub struct JobSettings {
    /// Seconds between snapshots of every target's value (the history a dashboard draws);
    /// the first is taken at start. 0 turns the schedule off (`thidua snapshot` still works).
    #[arg(
        long,
        global = true,
        env = "THIDUA_SNAPSHOT_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub snapshot_interval_secs: u64,
}

/// The event stream and the subscriptions fed from it.
#[derive(Args, Debug, Clone)]
pub struct EventSettings {
    /// Days an event is kept in the outbox; older ones are pruned hourly (and by
    /// `thidua events prune`). At least 1.
    #[arg(
        long,
        global = true,
        env = "THIDUA_EVENT_RETENTION_DAYS",
        default_value_t = 30
    )]
    pub event_retention_days: u32,
    /// Window in which a burst of events becomes one update of `reportingProgress`,
    /// `leaderboardChanged`, `changesAvailable` and `targetChanged`, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "THIDUA_EVENT_COALESCE_MS",
        default_value_t = 1000
    )]
    pub event_coalesce_ms: u64,
    /// Quiet time after changes before computed targets are recomputed and a changed
    /// value announced, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "THIDUA_TARGET_DEBOUNCE_MS",
        default_value_t = 2000
    )]
    pub target_debounce_ms: u64,
    /// Events a subscriber may fall behind the process's stream before it is disconnected
    /// as a slow consumer (also the size of the process's event buffer).
    #[arg(
        long,
        global = true,
        env = "THIDUA_EVENT_BUFFER",
        default_value_t = 1024
    )]
    pub event_buffer: usize,
    /// Messages waiting to be written to one WebSocket; a connection whose queue is full
    /// is closed (1013) as a slow consumer.
    #[arg(long, global = true, env = "THIDUA_WS_QUEUE", default_value_t = 256)]
    pub ws_queue: usize,
    /// Milliseconds a WebSocket may stay open without `connection_init` (then 4408).
    #[arg(
        long,
        global = true,
        env = "THIDUA_WS_INIT_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub ws_init_timeout_ms: u64,
    /// Subscriptions one WebSocket may hold at once.
    #[arg(
        long,
        global = true,
        env = "THIDUA_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 50
    )]
    pub ws_max_subscriptions: usize,
    /// Live connections (WebSocket and SSE together) one process holds at once; one more
    /// is refused with 503 and `Retry-After` before it is upgraded or streamed.
    #[arg(
        long,
        global = true,
        env = "THIDUA_LIVE_MAX_CONNECTIONS",
        default_value_t = 20_000
    )]
    pub live_max_connections: usize,
    /// Milliseconds between heartbeats (an SSE comment line) on a quiet SSE stream, so
    /// proxies keep it open.
    #[arg(
        long,
        global = true,
        env = "THIDUA_SSE_HEARTBEAT_MS",
        default_value_t = 15_000
    )]
    pub sse_heartbeat_ms: u64,
}

impl EventSettings {
    pub fn coalesce(&self) -> Duration {
        Duration::from_millis(self.event_coalesce_ms)
    }

    pub fn retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.event_retention_days.max(1)))
    }
}

/// Webhook deliveries: the worker every server process runs.
#[derive(Args, Debug, Clone)]
pub struct WebhookSettings {
    /// Attempts of one delivery (the first included) before it is dead-lettered. At least 1.
    #[arg(
        long,
        global = true,
        env = "THIDUA_WEBHOOK_MAX_ATTEMPTS",
        default_value_t = 12
    )]
    pub webhook_max_attempts: u32,
    /// Milliseconds one attempt may take, connecting and reading the answer included.
    #[arg(
        long,
        global = true,
        env = "THIDUA_WEBHOOK_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub webhook_timeout_ms: u64,
    /// Wait after the first failure, in milliseconds; doubled after each further one
    /// (with jitter), up to `THIDUA_WEBHOOK_RETRY_MAX_SECS`.
    #[arg(
        long,
        global = true,
        env = "THIDUA_WEBHOOK_RETRY_BASE_MS",
        default_value_t = 10_000
    )]
    pub webhook_retry_base_ms: u64,
    /// Longest wait between two attempts, in seconds.
    #[arg(
        long,
        global = true,
        env = "THIDUA_WEBHOOK_RETRY_MAX_SECS",
        default_value_t = 3600
    )]
    pub webhook_retry_max_secs: u64,
    /// Hours an endpoint may fail without a single success before it is disabled.
    #[arg(
        long,
        global = true,
        env = "THIDUA_WEBHOOK_DISABLE_AFTER_HOURS",
        default_value_t = 24
    )]
    pub webhook_disable_after_hours: u32,
    /// Hours a rotated-out signing secret keeps signing beside the new one.
    #[arg(
        long,
        global = true,
        env = "THIDUA_WEBHOOK_SECRET_OVERLAP_HOURS",
        default_value_t = 24
    )]
    pub webhook_secret_overlap_hours: u32,
    /// Deliveries one process sends at once (to different endpoints: one endpoint's go
    /// out one at a time, in order).
    #[arg(
        long,
        global = true,
        env = "THIDUA_WEBHOOK_CONCURRENCY",
        default_value_t = 8
    )]
    pub webhook_concurrency: usize,
}

impl WebhookSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.webhook_timeout_ms.max(1))
    }

    pub fn retry_base(&self) -> Duration {
        Duration::from_millis(self.webhook_retry_base_ms.max(1))
    }

    pub fn retry_max(&self) -> Duration {
        Duration::from_secs(self.webhook_retry_max_secs.max(1))
    }

    pub fn disable_after(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.webhook_disable_after_hours.max(1)))
    }

    pub fn secret_overlap(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.webhook_secret_overlap_hours))
    }
}

/// What the log shows and how it is written.
#[derive(Args, Debug, Clone)]
pub struct LogSettings {
    #[arg(
        id = "log_format",
        value_name = "LOG_FORMAT",
        long = "log-format",
        global = true,
        env = "THIDUA_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub format: LogFormat,
    /// tracing filter, e.g. `info` or `thidua=debug,sqlx=warn`; a malformed one stops the start.
    #[arg(
        id = "log",
        value_name = "LOG",
        long = "log",
        global = true,
        env = "THIDUA_LOG",
        default_value_t
    )]
    pub filter: LogFilter,
}

/// The smallest secret HS256 should be used with.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("THIDUA_JWT_SECRET must be set in production")]
    MissingSecret,
    #[error("THIDUA_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")]
    WeakSecret,
    #[error("each secret in THIDUA_JWT_ACCEPTED_SECRETS must be at least {MIN_SECRET_BYTES} bytes")]
    WeakAcceptedSecret,
}

impl Settings {
    /// Parses settings from the environment only (used by tests and embedders).
    pub fn from_env() -> Self {
        Cli::parse_from(["thidua"]).settings
    }

    /// The secrets accepted beside the signing one (`THIDUA_JWT_ACCEPTED_SECRETS`,
    /// comma-separated, blanks ignored), each as strong as the signing secret must be.
    pub fn jwt_accepted_secrets(&self) -> Result<Vec<Vec<u8>>, ConfigError> {
        let Some(raw) = self.auth.jwt_accepted_secrets.as_ref() else {
            return Ok(vec![]);
        };
        raw.expose_secret()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.len() >= MIN_SECRET_BYTES {
                    Ok(s.as_bytes().to_vec())
                } else {
                    Err(ConfigError::WeakAcceptedSecret)
                }
            })
            .collect()
    }

    /// The JWT secret: required and strong in production; in development a random
    /// per-process secret is used when none is given (tokens then die with the process).
    pub fn jwt_secret_bytes(&self) -> Result<(Vec<u8>, bool), ConfigError> {
        let given = self
            .auth
            .jwt_secret
            .as_ref()
            .map(ExposeSecret::expose_secret)
            .filter(|s| !s.is_empty());
        match (given, self.env) {
            (Some(s), _) if s.len() >= MIN_SECRET_BYTES => Ok((s.as_bytes().to_vec(), false)),
            (Some(_), _) => Err(ConfigError::WeakSecret),
            (None, Environment::Production) => Err(ConfigError::MissingSecret),
            (None, Environment::Development) => {
                let mut v = uuid::Uuid::new_v4().as_bytes().to_vec();
                v.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                Ok((v, true))
            }
        }
    }

    /// The largest multipart request: one file at the upload limit plus as much as a JSON
    /// request may carry (the `operations` and `map` parts and the multipart framing).
    pub fn multipart_body_bytes(&self) -> usize {
        self.storage
            .max_upload_bytes
            .saturating_add(self.http.max_body_bytes)
    }

    /// PostgreSQL `statement_timeout`: the setting, else the request deadline; 0 = none.
    pub fn pg_statement_timeout(&self) -> Option<Duration> {
        let ms = self
            .database
            .pg_statement_timeout_ms
            .unwrap_or(self.http.request_timeout_ms.max(1));
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    /// PostgreSQL `idle_in_transaction_session_timeout`: the setting, else twice the
    /// request deadline; 0 = none.
    pub fn pg_idle_in_transaction_timeout(&self) -> Option<Duration> {
        let ms = self
            .database
            .pg_idle_in_transaction_timeout_ms
            .unwrap_or(self.http.request_timeout_ms.max(1).saturating_mul(2));
        (ms > 0).then(|| Duration::from_millis(ms))
    }
}

impl HttpSettings {
    /// The per-request execution deadline (at least 1 ms).
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(1))
    }
}

impl AuthSettings {
    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_minutes.clamp(1, 24 * 60) * 60)
    }

    /// Machine clients' tokens live 60 seconds to an hour: short, since a client has no
    /// refresh token and asks again with its secret.
    pub fn client_token_ttl(&self) -> Duration {
        Duration::from_secs(self.client_token_ttl_seconds.clamp(60, 3600))
    }

    /// Export links live 1 to 60 minutes.
    pub fn export_link_ttl(&self) -> Duration {
        Duration::from_secs(self.export_link_ttl_minutes.clamp(1, 60) * 60)
    }

    /// Session lifetimes, each at least a minute (a day for the day counts) and the
    /// absolute end never before the inactivity one.
    pub fn session_policy(&self) -> thidua_domain::session::SessionPolicy {
        let inactivity = chrono::Duration::days(i64::from(self.session_inactivity_days.max(1)));
        let absolute = chrono::Duration::days(i64::from(self.session_max_days.max(1)));
        thidua_domain::session::SessionPolicy {
            inactivity,
            absolute: absolute.max(inactivity),
            retry_grace: chrono::Duration::seconds(i64::from(self.refresh_retry_grace_secs)),
        }
    }
}

impl GraphqlSettings {
    pub fn limits(&self) -> thidua_api::Limits {
        thidua_api::Limits {
            depth: self.depth,
            complexity: self.complexity,
            aliases: self.aliases,
            tokens: self.tokens,
            introspection: self.introspection,
            report_batch: self.report_batch.max(1),
        }
    }
}

impl StorageSettings {
    /// Where multipart file parts are staged while they stream in: `<data_dir>/incoming`,
    /// beside the evidence store so storing a file is a rename.
    pub fn upload_staging_dir(&self) -> std::path::PathBuf {
        self.data_dir.join("incoming")
    }

    /// Where evidence files are kept: `<data_dir>/evidence`.
    pub fn evidence_dir(&self) -> std::path::PathBuf {
        self.data_dir.join("evidence")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(env: Environment, secret: Option<&str>) -> Settings {
        let mut s = Cli::parse_from(["thidua"]).settings;
        s.env = env;
        s.auth.jwt_secret = secret.map(SecretString::from);
        s
    }

    #[test]
    fn production_refuses_missing_or_short_secrets() {
        assert_eq!(
            settings(Environment::Production, None).jwt_secret_bytes(),
            Err(ConfigError::MissingSecret)
        );
        assert_eq!(
            settings(Environment::Production, Some("short")).jwt_secret_bytes(),
            Err(ConfigError::WeakSecret)
        );
        assert!(
            settings(Environment::Production, Some(&"x".repeat(32)))
                .jwt_secret_bytes()
                .is_ok()
        );
    }

    #[test]
    fn development_generates_a_secret_when_none_is_given() {
        let (bytes, generated) = settings(Environment::Development, None)
            .jwt_secret_bytes()
            .unwrap();
        assert!(generated);
        assert!(bytes.len() >= MIN_SECRET_BYTES);
    }

    #[test]
    fn flags_work_before_and_after_the_subcommand() {
        let cli = Cli::parse_from(["thidua", "--port", "9000", "serve"]);
        assert_eq!(cli.settings.http.port, 9000);
        let cli = Cli::parse_from(["thidua", "seed", "--demo", "--port", "9001"]);
        assert_eq!(cli.settings.http.port, 9001);
        assert!(matches!(cli.command, Some(Command::Seed { demo: true })));
    }

    #[test]
    fn upload_limit_and_data_dir_have_defaults_and_flags() {
        let s = Cli::parse_from(["thidua"]).settings;
        assert_eq!(s.storage.max_upload_bytes, 10 * 1024 * 1024);
        assert_eq!(s.storage.data_dir, std::path::PathBuf::from("./data"));
        assert_eq!(
            s.storage.evidence_dir(),
            std::path::PathBuf::from("./data").join("evidence")
        );
        assert_eq!(s.multipart_body_bytes(), 10_485_760 + 2_000_000);
        assert_eq!(s.storage.max_concurrent_uploads, 4);
        assert_eq!(s.storage.blob_store, BlobStoreKind::Auto);
        assert_eq!(
            s.storage.upload_staging_dir(),
            std::path::PathBuf::from("./data").join("incoming")
        );
        let s = Cli::parse_from([
            "thidua",
            "--max-upload-bytes",
            "1000",
            "--data-dir",
            "/srv/thidua",
        ])
        .settings;
        assert_eq!(s.storage.max_upload_bytes, 1000);
        assert_eq!(
            s.storage.evidence_dir(),
            std::path::PathBuf::from("/srv/thidua/evidence")
        );
    }

    #[test]
    fn healthcheck_takes_an_optional_url() {
        let cli = Cli::parse_from(["thidua", "healthcheck"]);
        assert!(matches!(
            cli.command,
            Some(Command::Healthcheck {
                url: None,
                timeout_secs: 3
            })
        ));
        let cli = Cli::parse_from(["thidua", "healthcheck", "--url", "http://db:1/readyz"]);
        assert!(matches!(
            cli.command,
            Some(Command::Healthcheck { url: Some(u), .. }) if u == "http://db:1/readyz"
        ));
    }

    #[test]
    fn strict_mode_is_off_by_default_and_a_plain_flag() {
        assert!(
            !Cli::parse_from(["thidua"])
                .settings
                .graphql
                .trusted_documents_only
        );
        let cli = Cli::parse_from(["thidua", "--trusted-documents-only", "serve"]);
        assert!(cli.settings.graphql.trusted_documents_only);
        assert!(matches!(cli.command, Some(Command::Serve)));
        let cli = Cli::parse_from(["thidua", "documents", "register", "a.graphql", "b.graphql"]);
        match cli.command {
            Some(Command::Documents(DocumentsCommand::Register { files })) => {
                assert_eq!(files.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["thidua", "documents", "register"]).is_err());
    }

    const JWT_SECRET: &str = "jwt-secret-that-must-not-be-printed-0123";
    const ADMIN_PASSWORD: &str = "admin-password-not-to-print";
    const USER_PASSWORD: &str = "user-password-not-to-print";
    const DATABASE_PASSWORD: &str = "database-password-not-to-print";
    const REDIS_PASSWORD: &str = "redis-password-not-to-print";

    /// `thidua <every secret flag> user create alice --password …`.
    fn cli_with_every_secret() -> Cli {
        let database_url = format!("postgres://thidua:{DATABASE_PASSWORD}@db.example:5432/thidua");
        let redis_url = format!("redis://:{REDIS_PASSWORD}@cache.example:6379/0");
        Cli::parse_from([
            "thidua",
            "--jwt-secret",
            JWT_SECRET,
            "--admin-password",
            ADMIN_PASSWORD,
            "--database-url",
            &database_url,
            "--redis-url",
            &redis_url,
            "user",
            "create",
            "alice",
            "--password",
            USER_PASSWORD,
        ])
    }

    #[track_caller]
    fn assert_shows_no_secret(shown: &str) {
        for secret in [
            JWT_SECRET,
            ADMIN_PASSWORD,
            USER_PASSWORD,
            DATABASE_PASSWORD,
            REDIS_PASSWORD,
        ] {
            assert!(!shown.contains(secret), "{secret} is shown in:\n{shown}");
        }
    }

    #[test]
    fn debug_of_the_settings_and_the_command_line_shows_no_secret() {
        let cli = cli_with_every_secret();
        let Some(Command::User(user @ UserCommand::Create { .. })) = &cli.command else {
            panic!("{:?}", cli.command);
        };
        for shown in [
            format!("{:?}", cli.settings),
            format!("{:#?}", cli.settings),
            format!("{cli:?}"),
            format!("{cli:#?}"),
            format!("{user:?}"),
            format!("{}", cli.settings.database.url),
        ] {
            assert_shows_no_secret(&shown);
        }
        // Still useful: where the server connects is shown.
        let shown = format!("{:?}", cli.settings);
        assert!(shown.contains("db.example:5432/thidua"), "{shown}");
        assert!(shown.contains("cache.example:6379/0"), "{shown}");
    }

    #[test]
    fn secrets_reach_the_places_that_use_them() {
        let cli = cli_with_every_secret();
        let s = &cli.settings;
        assert_eq!(
            s.jwt_secret_bytes(),
            Ok((JWT_SECRET.as_bytes().to_vec(), false))
        );
        assert_eq!(
            s.auth
                .admin_password
                .as_ref()
                .map(ExposeSecret::expose_secret),
            Some(ADMIN_PASSWORD)
        );
        assert!(
            s.database
                .url
                .expose_secret()
                .contains(&format!(":{DATABASE_PASSWORD}@"))
        );
        match &cli.command {
            Some(Command::User(UserCommand::Create {
                password: Some(p), ..
            })) => assert_eq!(p.expose_secret(), USER_PASSWORD),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_malformed_log_filter_is_refused_when_the_settings_are_read() {
        let err = Cli::try_parse_from(["thidua", "--log", "garbage[", "serve"])
            .expect_err("garbage[ is no filter");
        let msg = err.to_string();
        assert!(msg.contains("garbage["), "{msg}");
        assert!(msg.contains("THIDUA_LOG"), "{msg}");
        let cli = Cli::parse_from(["thidua", "--log", "thidua=debug,sqlx=warn"]);
        assert_eq!(
            cli.settings.log.filter.to_string(),
            "thidua=debug,sqlx=warn"
        );
        assert_eq!(
            Cli::parse_from(["thidua"]).settings.log.filter.to_string(),
            "info"
        );
    }

    /// Grouping the settings must not rename a flag or a variable: every `--flag` /
    /// variable pair of the README's configuration table is on the command line, and the
    /// command line has no other.
    #[test]
    fn flags_and_variables_are_the_ones_the_readme_documents() {
        use clap::CommandFactory as _;
        let documented: std::collections::BTreeSet<(String, String)> =
            include_str!("../../../README.md")
                .lines()
                .filter_map(|line| {
                    let mut cells = line.strip_prefix("| `--")?.split('`');
                    let flag = cells.next()?;
                    let env = cells.nth(1)?;
                    Some((format!("--{flag}"), env.to_owned()))
                })
                .collect();
        let cmd = Cli::command();
        let actual: std::collections::BTreeSet<(String, String)> = cmd
            .get_arguments()
            .filter_map(|a| {
                Some((
                    format!("--{}", a.get_long()?),
                    a.get_env()?.to_str()?.to_owned(),
                ))
            })
            .collect();
        assert!(documented.len() > 40, "{documented:?}");
        assert_eq!(actual, documented);
        cmd.debug_assert();
    }
}
