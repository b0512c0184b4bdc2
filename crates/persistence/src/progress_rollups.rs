//! Keeps `progress_rollups` (each unit's approved values per criterion and calendar bucket,
//! defined by `thidua_migrations::progress_rollup_sql`) equal to what the approved reports
//! say: the transaction that approves a report recomputes its unit's rows for the report's
//! year, and `rebuild` recomputes every row (the CLI's `thidua progress-rollups rebuild`,
//! after data was loaded around the API).

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseBackend, Value};
use thidua_migrations::progress_rollup_sql;
use uuid::Uuid;

use crate::error::StoreError;
use crate::raw;

/// Recomputes `unit`'s rows of `campaign` for the year holding a newly approved report's
/// period, on the caller's transaction. A period crossing a year end changes no row
/// (such reports are left out of the rollups). Two statements, three on PostgreSQL.
pub async fn refresh(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    unit: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(), StoreError> {
    if start.year() != end.year() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let year = start.year();
    if backend == DatabaseBackend::Postgres {
        // Two approvals of one unit's reports of one year would each delete the rows and
        // insert their own (a duplicate key for the second): the second waits here until
        // the first commits, then recomputes with both. SQLite runs one writer at a time.
        db.execute_raw(raw::stmt(
            backend,
            "SELECT pg_advisory_xact_lock(?)",
            vec![lock_key(campaign, unit, year).into()],
        ))
        .await?;
    }
    let key = || -> Vec<Value> { vec![campaign.into(), unit.into(), year.into()] };
    db.execute_raw(raw::stmt(
        backend,
        "DELETE FROM progress_rollups WHERE campaign_id = ? AND unit_id = ? AND year = ?",
        key(),
    ))
    .await?;
    let filter = match backend {
        DatabaseBackend::Postgres => {
            "AND r.campaign_id = ? AND r.unit_id = ? \
             AND CAST(EXTRACT(YEAR FROM r.period_start) AS INTEGER) = ?"
        }
        _ => {
            "AND r.campaign_id = ? AND r.unit_id = ? \
             AND CAST(substr(r.period_start, 1, 4) AS INTEGER) = ?"
        }
    };
    db.execute_raw(raw::stmt(
        backend,
        &progress_rollup_sql::fill(backend, filter),
        key(),
    ))
    .await?;
    Ok(())
}

/// The advisory lock of one unit's rows of one year. Two keys that collide only make two
/// refreshes wait for each other.
fn lock_key(campaign: Uuid, unit: Uuid, year: i32) -> i64 {
    let (c1, c2) = campaign.as_u64_pair();
    let (u1, u2) = unit.as_u64_pair();
    let mixed = (c1 ^ c2.rotate_left(17) ^ u1.rotate_left(31) ^ u2.rotate_left(47))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(year.unsigned_abs());
    i64::from_ne_bytes(mixed.to_ne_bytes())
}

/// Recomputes every row in one write transaction (readers see the old rows until it
/// commits). Returns the number of rows written.
pub async fn rebuild(db: &crate::Database) -> Result<u64, StoreError> {
    let txn = db.begin_write().await?;
    let backend = txn.get_database_backend();
    txn.execute_raw(raw::stmt(backend, "DELETE FROM progress_rollups", vec![]))
        .await?;
    let written = txn
        .execute_raw(raw::stmt(
            backend,
            &progress_rollup_sql::fill(backend, ""),
            vec![],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(written)
}
