//! Working behind a transaction-pooling proxy (PgBouncer `pool_mode = transaction`).
//!
//! Such a proxy lends a server connection for one transaction (or one statement outside
//! any) and then to another client, so nothing may live in the session between them:
//! - no prepared statements: the statement cache is off and the patched sqlx sends each
//!   query as the unnamed statement in one round trip (`vendor/README.md`), so a query
//!   outside a transaction is one proxy transaction too;
//! - no session settings: PgBouncer 1.18 refuses the `options` startup parameter (and
//!   `extra_float_digits`), so the timeouts and `jit = off` the pool would set per
//!   connection must be set on the role or database instead ([`setting_gaps`] says which
//!   differ);
//! - no LISTEN: the change feed's listener needs a session of its own (the server's
//!   `THIDUA_DATABASE_LISTEN_URL`). Advisory locks are transaction-scoped already.

use std::time::Duration;

use sea_orm::{DatabaseBackend, FromQueryResult, Statement};

use crate::Database;
use crate::error::StoreError;

/// What sits between the pool and PostgreSQL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pooler {
    /// PostgreSQL itself, or a session-pooling proxy: per-connection settings and the
    /// statement cache.
    #[default]
    None,
    /// A transaction-pooling proxy: no statement cache, no per-connection settings.
    Transaction,
}

/// A setting the server would have set per connection that the role or database does not
/// give it, as `ALTER ROLE … SET` would fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingGap {
    pub name: &'static str,
    pub current: String,
    pub wanted: String,
}

#[derive(Debug, FromQueryResult)]
struct SettingRow {
    name: String,
    setting: String,
}

/// The settings the pool gives each connection directly: `(name, value in pg_settings'
/// unit)`. Timeouts are in milliseconds.
pub(crate) fn wanted_settings(
    statement_timeout: Option<Duration>,
    idle_in_transaction_timeout: Option<Duration>,
) -> Vec<(&'static str, String)> {
    [
        ("statement_timeout", statement_timeout),
        (
            "idle_in_transaction_session_timeout",
            idle_in_transaction_timeout,
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|d| (k, d.as_millis().max(1).to_string())))
    .chain([("jit", "off".to_owned())])
    .collect()
}

/// Which of the wanted settings a pooled session does not have (PostgreSQL; none on
/// SQLite). `plan_cache_mode` is not among them: unnamed statements are planned with
/// their values every time.
pub async fn setting_gaps(
    db: &Database,
    statement_timeout: Option<Duration>,
    idle_in_transaction_timeout: Option<Duration>,
) -> Result<Vec<SettingGap>, StoreError> {
    if db.backend() != DatabaseBackend::Postgres {
        return Ok(Vec::new());
    }
    let rows = SettingRow::find_by_statement(Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT name, setting FROM pg_settings \
         WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout', 'jit')",
    ))
    .all(&db.conn)
    .await?;
    Ok(
        wanted_settings(statement_timeout, idle_in_transaction_timeout)
            .into_iter()
            .filter_map(|(name, wanted)| {
                let current = rows
                    .iter()
                    .find(|r| r.name == name)
                    .map_or_else(String::new, |r| r.setting.clone());
                (current != wanted).then_some(SettingGap {
                    name,
                    current,
                    wanted,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings in the units `pg_settings` reports them in, so they compare as text.
    #[test]
    fn wanted_settings_are_in_pg_settings_units() {
        assert_eq!(
            wanted_settings(
                Some(Duration::from_secs(10)),
                Some(Duration::from_micros(10))
            ),
            vec![
                ("statement_timeout", "10000".to_owned()),
                ("idle_in_transaction_session_timeout", "1".to_owned()),
                ("jit", "off".to_owned()),
            ]
        );
        assert_eq!(wanted_settings(None, None), vec![("jit", "off".to_owned())]);
    }

    /// Prepared statements the one pooled connection holds after running a query with a
    /// parameter three times (PostgreSQL itself, no proxy).
    async fn statements_left(url: &str, pooler: Pooler) -> i64 {
        use sea_orm::ConnectionTrait as _;
        let db = Database::connect(&crate::DbOptions {
            url: url.to_owned(),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: Some(Duration::from_secs(10)),
            idle_in_transaction_timeout: None,
            pooler,
        })
        .await
        .unwrap();
        for n in 0..3_i32 {
            let row = db
                .conn
                .query_one_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT CAST($1 AS INTEGER) + 1 AS n",
                    [n.into()],
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.try_get::<i32>("", "n").unwrap(), n + 1);
        }
        let left = db
            .conn
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pg_prepared_statements",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        db.close().await;
        left
    }

    /// With the setting the patched sqlx leaves no named statement on the server (a proxy
    /// would hand it to another client); without it the cache keeps them, as it should.
    #[tokio::test]
    async fn behind_a_transaction_pooler_no_prepared_statement_is_left_on_the_server() {
        let Some(url) = std::env::var("THIDUA_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
            return;
        };
        assert_eq!(statements_left(&url, Pooler::Transaction).await, 0);
        assert!(statements_left(&url, Pooler::None).await >= 1);
    }
}
