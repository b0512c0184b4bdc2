//! Keeps `commendation_totals` (commendations counted per subtree root and per value of
//! what `commendationStats` groups by, defined by
//! `thidua_migrations::commendation_totals_sql`) equal to the commendations, by delta in
//! the same transaction as every change of what it counts: a commendation written
//! ([`changing`], around the insert or update) and a unit moved with its subtree
//! ([`subtree_moving`]). `rebuild` recomputes it (`thidua commendation-totals rebuild`,
//! after commendations were loaded around the API).

use sea_orm::{ConnectionTrait, DatabaseBackend, Value};
use thidua_migrations::commendation_totals_sql::{TOTALS, totals_delta};
use uuid::Uuid;

use crate::error::StoreError;
use crate::page::subtree_pattern;
use crate::raw;

/// The advisory lock every writer of commendations takes first on PostgreSQL (SQLite runs
/// one writer at a time). Every such write moves the same province rows anyway, so they
/// would wait for each other there; taking one lock before any commendation row keeps two
/// transactions from locking rows in opposite orders (a deadlock). One statement.
pub async fn lock(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        db.execute_raw(raw::stmt(
            backend,
            "SELECT pg_advisory_xact_lock(?, 0)",
            vec![LOCK_CLASS.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The first half of the lock's key, apart from the progress totals' (any constant would do).
const LOCK_CLASS: i32 = 0x7E70_C0E1;

async fn apply(
    db: &impl ConnectionTrait,
    rows: &str,
    values: Vec<Value>,
    sign: i8,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    db.execute_raw(raw::stmt(backend, &totals_delta(rows, sign), values))
        .await?;
    Ok(())
}

/// The commendation `id`, at `version`, is about to change (`sign` -1, before the update)
/// or has just been written (`sign` 1, after the insert or update): it leaves or joins the
/// totals of its unit's ancestors. At another version it is not counted (its update will
/// fail). One statement; the caller holds [`lock`].
pub async fn changing(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    sign: i8,
) -> Result<(), StoreError> {
    apply(
        db,
        "c.id = ? AND c.version = ?",
        vec![id.into(), version.into()],
        sign,
    )
    .await
}

/// The subtree at `path` is about to move (`sign` -1, with the paths before the move) or
/// has just moved (`sign` 1, with the paths after): its commendations leave the totals of
/// every ancestor, or join them again, with the top-level unit they now lie under. Two
/// statements on PostgreSQL, one on SQLite (the lock is taken by the -1 call).
pub async fn subtree_moving(
    db: &impl ConnectionTrait,
    path: &str,
    sign: i8,
) -> Result<(), StoreError> {
    if sign < 0 {
        lock(db).await?;
    }
    apply(
        db,
        "c.unit_id IN (SELECT m.id FROM org_units m WHERE m.path LIKE ?)",
        vec![subtree_pattern(path).into()],
        sign,
    )
    .await
}

/// Recomputes every row from the commendations in one write transaction (readers see the
/// old rows until it commits). Returns the number of rows written.
pub async fn rebuild(db: &crate::Database) -> Result<u64, StoreError> {
    let txn = db.begin_write().await?;
    lock(&txn).await?;
    let backend = txn.get_database_backend();
    txn.execute_raw(raw::stmt(backend, &format!("DELETE FROM {TOTALS}"), vec![]))
        .await?;
    let written = txn
        .execute_raw(raw::stmt(backend, &totals_delta("1 = 1", 1), vec![]))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(written)
}
