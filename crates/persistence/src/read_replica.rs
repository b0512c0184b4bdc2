//! A PostgreSQL streaming replica that queries read from (`THIDUA_DATABASE_READ_URL`),
//! and the fences that keep a person reading their own writes.
//!
//! After a mutation, the primary's WAL position is stored for the person who made it
//! (`read_fences`, keyed by user: a new session after signing in again still reads what
//! the old one wrote; never lowered, so that two processes' writes cannot move it back);
//! the statement that loads the caller on every request also reads it.
//! A query then reads the replica only if the replica has replayed that far — the last
//! position seen is kept in memory and asked again only when it is not enough — and the
//! primary otherwise. A replica that cannot be asked counts as behind: reads fall back to
//! the primary rather than fail.
//!
//! The server also asks the replica every [`PROBE_EVERY`] ([`ReadReplica::probe`]): while
//! it does not answer, nobody's queries go there, fenced or not, so a replica outage costs
//! at most one probe period of failed reads instead of every read until it is back.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

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

/// How often the server asks the replica whether it answers.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long a probe waits for an answer before counting the replica as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The replica's pool, the furthest replay position seen on it, and whether it answered
/// the last probe.
#[derive(Debug)]
pub struct ReadReplica {
    pub db: Database,
    replayed: AtomicI64,
    up: AtomicBool,
}

impl ReadReplica {
    pub fn new(db: Database) -> Self {
        Self {
            db,
            replayed: AtomicI64::new(-1),
            up: AtomicBool::new(true),
        }
    }

    /// Whether the replica answered its last probe.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Asks the replica how far it replayed, within [`PROBE_TIMEOUT`], and records whether
    /// it answered (logged when that changes). Returns whether it did.
    pub async fn probe(&self) -> bool {
        let asked = tokio::time::timeout(
            PROBE_TIMEOUT,
            LsnRow::find_by_statement(Statement::from_string(DatabaseBackend::Postgres, REPLAYED))
                .one(&self.db.conn),
        )
        .await;
        let failure = match asked {
            Ok(Ok(row)) => {
                if let Some(LsnRow { lsn: Some(lsn) }) = row {
                    self.replayed.fetch_max(lsn, Ordering::Relaxed);
                }
                None
            }
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
        };
        let up = failure.is_none();
        if let Some(error) = failure
            && self.is_up()
        {
            tracing::warn!(%error, "the read replica does not answer: reading the primary");
        }
        if self.up.swap(up, Ordering::Relaxed) != up && up {
            tracing::info!("the read replica answers again: reading it");
        }
        up
    }

    /// Whether the replica answers and has replayed up to `fence` (none: nothing to wait
    /// for).
    pub async fn has_replayed(&self, fence: Option<i64>) -> bool {
        if !self.is_up() {
            return false;
        }
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
             ON CONFLICT (writer_id) DO UPDATE SET lsn = GREATEST(read_fences.lsn, EXCLUDED.lsn), \
                 updated_at = EXCLUDED.updated_at"
        ),
        vec![writer.into()],
    ))
    .await?;
    Ok(())
}
