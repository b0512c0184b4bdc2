//! A PostgreSQL streaming replica that queries read from (`THIDUA_DATABASE_READ_URL`),
//! and the fences that keep a person reading their own writes.
//!
//! After a mutation, the primary's WAL position is stored for the caller's session
//! (`read_fences`); the statement that loads the caller on every request also reads it.
//! A query then reads the replica only if the replica has replayed that far — the last
//! position seen is kept in memory and asked again only when it is not enough — and the
//! primary otherwise. A replica that cannot be asked counts as behind: reads fall back to
//! the primary rather than fail.

use std::sync::atomic::{AtomicI64, Ordering};

use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement};
use uuid::Uuid;

use crate::Database;
use crate::error::StoreError;
use crate::raw;

/// The WAL position as a number of bytes (`pg_lsn` minus `0/0`).
const CURRENT: &str = "CAST(pg_current_wal_lsn() - CAST('0/0' AS pg_lsn) AS BIGINT)";
const REPLAYED: &str =
    "SELECT CAST(pg_last_wal_replay_lsn() - CAST('0/0' AS pg_lsn) AS BIGINT) AS lsn";

#[derive(Debug, FromQueryResult)]
struct LsnRow {
    lsn: Option<i64>,
}

/// The replica's pool and the furthest replay position seen on it.
#[derive(Debug)]
pub struct ReadReplica {
    pub db: Database,
    replayed: AtomicI64,
}

impl ReadReplica {
    pub fn new(db: Database) -> Self {
        Self {
            db,
            replayed: AtomicI64::new(-1),
        }
    }

    /// Whether the replica has replayed up to `fence` (none: nothing to wait for).
    pub async fn has_replayed(&self, fence: Option<i64>) -> bool {
        let Some(fence) = fence else { return true };
        if self.replayed.load(Ordering::Relaxed) >= fence {
            return true;
        }
        let now =
            LsnRow::find_by_statement(Statement::from_string(DatabaseBackend::Postgres, REPLAYED))
                .one(&self.db.conn)
                .await;
        match now {
            Ok(Some(LsnRow { lsn: Some(lsn) })) => {
                self.replayed.fetch_max(lsn, Ordering::Relaxed);
                lsn >= fence
            }
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "asking the read replica how far it replayed failed");
                false
            }
        }
    }
}

/// Stores the primary's current WAL position as `writer`'s fence (PostgreSQL; nothing on
/// SQLite, which has no replicas). One statement.
pub async fn fence(db: &impl ConnectionTrait, writer: Uuid) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        return Ok(());
    }
    db.execute_raw(raw::stmt(
        backend,
        &format!(
            "INSERT INTO read_fences (writer_id, lsn, updated_at) VALUES (?, {CURRENT}, now()) \
             ON CONFLICT (writer_id) DO UPDATE SET lsn = EXCLUDED.lsn, updated_at = EXCLUDED.updated_at"
        ),
        vec![writer.into()],
    ))
    .await?;
    Ok(())
}
