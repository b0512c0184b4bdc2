//! Connecting to SQLite or PostgreSQL, migrating, and the statement counter.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use thidua_migrations::{Migrator, MigratorTrait};

use crate::db_error::is_busy;
use crate::error::StoreError;
use crate::pooler::{Pooler, wanted_settings};
use crate::url_redaction::redact;
use crate::write_gate::{Gate, WriteTurn, WriteTxn};

/// How to open the pool. `Debug` shows the URL with its password replaced
/// ([`redact`]), so options can be logged.
#[derive(Clone)]
pub struct DbOptions {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout` on every pooled connection (`None`: the server's).
    pub statement_timeout: Option<Duration>,
    /// PostgreSQL `idle_in_transaction_session_timeout` on every pooled connection.
    pub idle_in_transaction_timeout: Option<Duration>,
    /// A transaction-pooling proxy in between: no statement cache, no per-connection
    /// settings ([`crate::pooler`]).
    pub pooler: Pooler,
}

impl fmt::Debug for DbOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            url,
            max_connections,
            acquire_timeout,
            statement_timeout,
            idle_in_transaction_timeout,
            pooler,
        } = self;
        f.debug_struct("DbOptions")
            .field("url", &redact(url))
            .field("max_connections", max_connections)
            .field("acquire_timeout", acquire_timeout)
            .field("statement_timeout", statement_timeout)
            .field("idle_in_transaction_timeout", idle_in_transaction_timeout)
            .field("pooler", pooler)
            .finish()
    }
}

/// Planner setting of every pooled PostgreSQL connection, beside the timeouts and `jit =
/// off` ([`wanted_settings`]): statements are prepared and cached per connection, and after
/// five runs PostgreSQL may switch to a generic plan that ignores the bound values, though
/// the subtree pattern of a dashboard aggregate (`path LIKE ?`) selects one ward or the
/// whole province; planning each run costs well under a millisecond. (`jit`: compiling a
/// province-wide aggregate took 40–140 ms of its time, `EXPLAIN ANALYZE` on the dashboards
/// bench's data, more than it saved on statements that must answer in tens of milliseconds.)
const PG_PLAN_CACHE_MODE: (&str, &str) = ("plan_cache_mode", "force_custom_plan");

/// Commits `txn` when `res` is a success, else rolls it back: the end of a write whose
/// steps ran as one `async` block.
pub(crate) async fn settle<T>(txn: WriteTxn, res: Result<T, StoreError>) -> Result<T, StoreError> {
    match res {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// The connection pool plus a running count of SQL statements (for metrics and for
/// the test that proves per-request statement counts are bounded), and on SQLite the
/// queue writers take turns in ([`crate::write_gate`]).
#[derive(Clone)]
pub struct Database {
    pub conn: DatabaseConnection,
    statements: Arc<AtomicU64>,
    /// `None` on PostgreSQL.
    gate: Option<Arc<Gate>>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("conn", &self.conn)
            .field("statements", &self.statements)
            .field("gated", &self.gate.is_some())
            .finish()
    }
}

impl Database {
    pub async fn connect(opts: &DbOptions) -> Result<Self, DbErr> {
        if opts.url.starts_with("sqlite") {
            // WAL lets readers run beside the writer. Switching to it needs an exclusive lock
            // that the busy timeout cannot wait for, so it is done once, on a lone connection,
            // before the pool opens (the mode is stored in the file).
            let mut once = ConnectOptions::new(opts.url.clone());
            once.max_connections(1)
                .min_connections(1)
                .sqlx_logging(false)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .create_if_missing(true)
                });
            sea_orm::Database::connect(once).await?.close().await?;
        }
        let mut co = ConnectOptions::new(opts.url.clone());
        let pooled = opts.pooler == Pooler::Transaction;
        // Behind a transaction pooler the startup parameters would be refused (PgBouncer
        // 1.18: "unsupported startup parameter"), and would not follow the session anyway.
        let pg_settings: Vec<(&'static str, String)> = if pooled {
            Vec::new()
        } else {
            wanted_settings(opts.statement_timeout, opts.idle_in_transaction_timeout)
                .into_iter()
                .chain([(PG_PLAN_CACHE_MODE.0, PG_PLAN_CACHE_MODE.1.to_owned())])
                .collect()
        };
        co.max_connections(opts.max_connections)
            .min_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_timeout(opts.acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_postgres_opts(move |o| {
                if pooled {
                    // No statement cache: the patched sqlx then sends each query as the
                    // unnamed statement in one round trip (vendor/README.md).
                    o.statement_cache_capacity(0).extra_float_digits(None)
                } else {
                    o.options(pg_settings.clone())
                }
            })
            .map_sqlx_sqlite_opts(|o| {
                o.busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        let mut conn = sea_orm::Database::connect(co).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_info| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let gate = (conn.get_database_backend() == DatabaseBackend::Sqlite)
            .then(|| Gate::for_sqlite(&opts.url));
        Ok(Self {
            conn,
            statements,
            gate,
        })
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// SQL statements run through this pool since it was opened.
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    /// Ready = reachable and no migration pending.
    pub async fn is_ready(&self) -> bool {
        if self.conn.execute_unprepared("SELECT 1").await.is_err() {
            return false;
        }
        matches!(Migrator::get_pending_migrations(&self.conn).await, Ok(p) if p.is_empty())
    }

    /// (connections in use, idle connections) of the pool.
    pub fn pool_usage(&self) -> (u32, u32) {
        match self.backend() {
            DatabaseBackend::Postgres => {
                let p = self.conn.get_postgres_connection_pool();
                let idle = u32::try_from(p.num_idle()).unwrap_or(u32::MAX);
                (p.size().saturating_sub(idle), idle)
            }
            _ => {
                let p = self.conn.get_sqlite_connection_pool();
                let idle = u32::try_from(p.num_idle()).unwrap_or(u32::MAX);
                (p.size().saturating_sub(idle), idle)
            }
        }
    }

    /// Waits for this process's turn to write to the SQLite file (in arrival order, at
    /// most 10 s, then a connection-acquire timeout: 503); at once on PostgreSQL. For a
    /// write outside a transaction: hold the turn across the statement. A caller already
    /// holding a turn (or a [`WriteTxn`]) must not ask for another: it would wait for itself.
    pub async fn write_turn(&self) -> Result<WriteTurn, DbErr> {
        match &self.gate {
            Some(g) => g.turn().await,
            None => Ok(WriteTurn::ungated()),
        }
    }

    /// Writers of this process waiting for their turn at the SQLite file now (0 on
    /// PostgreSQL).
    pub fn writers_waiting(&self) -> usize {
        self.gate.as_ref().map_or(0, |g| g.waiting())
    }

    /// Reports how long each writer waited for its turn (SQLite only; every pool of the
    /// process on the same file reports to the last observer set).
    pub fn observe_write_waits(&self, observer: impl Fn(Duration) + Send + Sync + 'static) {
        if let Some(g) = &self.gate {
            g.observe(Arc::new(observer));
        }
    }

    /// Starts a write transaction. On SQLite it first waits for its turn
    /// ([`Self::write_turn`]), held until the transaction ends, then takes the write lock at
    /// once (`BEGIN IMMEDIATE`) so that a read turning into a write cannot fail; writers of
    /// other processes are still waited for by the busy timeout. PostgreSQL ignores both.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let turn = self.write_turn().await?;
        let txn = self.begin_immediate().await?;
        Ok(WriteTxn::new(txn, turn))
    }

    async fn begin_immediate(&self) -> Result<DatabaseTransaction, DbErr> {
        let started = std::time::Instant::now();
        let mut attempt: u64 = 0;
        loop {
            let res = self
                .conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await;
            match res {
                // SQLite can refuse `BEGIN IMMEDIATE` with SQLITE_BUSY at once while
                // another writer holds the lock; taking the lock again shortly is safe.
                Err(e) if is_busy(&e) && started.elapsed() < Duration::from_secs(10) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(2 + (attempt * 3).min(50))).await;
                }
                other => return other,
            }
        }
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options get logged (and printed in panics): the password must not be in them.
    #[test]
    fn debug_of_the_options_hides_the_password_and_keeps_the_rest() {
        let opts = DbOptions {
            url: "postgres://thidua:s3cret@db.example:5432/thidua?sslpassword=k3y".into(),
            max_connections: 7,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Some(Duration::from_secs(30)),
            idle_in_transaction_timeout: None,
            pooler: Pooler::None,
        };
        let debug = format!("{opts:?}");
        for secret in ["s3cret", "k3y"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        for shown in [
            "postgres://thidua:***@db.example:5432/thidua?sslpassword=***",
            "max_connections: 7",
            "acquire_timeout: 3s",
            "statement_timeout: Some(30s)",
            "idle_in_transaction_timeout: None",
        ] {
            assert!(debug.contains(shown), "{shown} missing from {debug}");
        }
        // The URL itself is untouched: it is what the pool connects with.
        assert!(opts.url.contains("s3cret"));
    }
}
