//! Keeps `progress_rollups` (each unit's approved values per criterion and calendar bucket,
//! and over the whole campaign, defined by `thidua_migrations::progress_rollup_sql`) equal
//! to what the approved reports say: the transaction that approves a report recomputes its
//! unit's whole-campaign rows and its rows of the report's year, and `rebuild` recomputes
//! every row (the CLI's `thidua progress-rollups rebuild`, after data was loaded around the
//! API).
//!
//! Also keeps `progress_subtree_totals` (the rollups of registered units summed per
//! ancestor, `progress_rollup_sql::totals_delta`) equal to the rollups, by delta in the
//! same transaction as every change of what they sum: a unit's rollups ([`refresh`]), its
//! registration ([`registration_changed`]), its place in the tree ([`subtree_moving`]) and
//! a criterion's period aggregation ([`criterion_changed`]).

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::progress::Bucket;
use thidua_migrations::progress_rollup_sql::{
    self, CAMPAIGN_GRAIN, TOTALS, any_grain, totals_delta,
};
use uuid::Uuid;

use crate::error::StoreError;
use crate::page::subtree_pattern;
use crate::raw;

/// Recomputes `unit`'s rows of `campaign` after a report of `[start, end]` was approved,
/// on the caller's transaction: its whole-campaign rows and its calendar rows of the
/// report's year (none for a period crossing a year end, which calendar rows leave out),
/// and moves the totals of the unit's ancestors by the difference. Four statements, six on
/// PostgreSQL.
pub async fn refresh(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    unit: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    let year = (start.year() == end.year()).then_some(start.year());
    if backend == DatabaseBackend::Postgres {
        // Two approvals of one unit's reports would each delete its whole-campaign rows and
        // insert their own (a duplicate key for the second): the second waits here until
        // the first commits, then recomputes with both. SQLite runs one writer at a time.
        db.execute_raw(raw::stmt(
            backend,
            "SELECT pg_advisory_xact_lock(?)",
            vec![lock_key(campaign, unit).into()],
        ))
        .await?;
        lock_totals(db, &[campaign]).await?;
    }
    let key = || -> Vec<Value> { vec![campaign.into(), unit.into()] };
    let whole = format!("s.grain = '{CAMPAIGN_GRAIN}'");
    // Only the calendar buckets meeting the report's period can change: the reports whose
    // counting a new approval changes (itself, those inside it, one of the same period) all
    // end inside it, and a row holds the reports ending in its bucket.
    let (rows, touched) = match year {
        Some(year) => {
            let mut touched = key();
            touched.push(year.into());
            for bucket in [Bucket::HalfYear, Bucket::Quarter, Bucket::Month] {
                let grain = crate::progress::grain(bucket);
                touched.extend([
                    grain.into(),
                    bucket.key(start).into(),
                    bucket.key(end).into(),
                ]);
            }
            let rows = format!(
                "s.campaign_id = ? AND {} AND s.unit_id = ? AND ({whole} OR (s.year = ? AND ( \
                    s.grain = 'Y' \
                    OR (s.grain = ? AND s.bucket >= ? AND s.bucket <= ?) \
                    OR (s.grain = ? AND s.bucket >= ? AND s.bucket <= ?) \
                    OR (s.grain = ? AND s.bucket >= ? AND s.bucket <= ?))))",
                any_grain("s.")
            );
            (rows, touched)
        }
        None => (
            format!(
                "s.campaign_id = ? AND {} AND s.unit_id = ? AND {whole}",
                any_grain("s.")
            ),
            key(),
        ),
    };
    apply_totals(db, &rows, touched.clone(), -1).await?;
    // The calendar rows of the year (if any) are written again whole.
    let (calendar, years) = match year {
        Some(_) => (" OR year = ?", "i.yr = ?"),
        None => ("", "1 = 0"),
    };
    let mut values = key();
    values.extend(year.map(Value::from));
    db.execute_raw(raw::stmt(
        backend,
        &format!(
            "DELETE FROM progress_rollups WHERE campaign_id = ? AND {} AND unit_id = ? \
            AND (grain = '{CAMPAIGN_GRAIN}'{calendar})",
            any_grain("")
        ),
        values.clone(),
    ))
    .await?;
    db.execute_raw(raw::stmt(
        backend,
        &progress_rollup_sql::fill_years(backend, "AND r.campaign_id = ? AND r.unit_id = ?", years),
        values,
    ))
    .await?;
    apply_totals(db, &rows, touched, 1).await?;
    Ok(())
}

/// Adds (`sign` 1) or takes away (-1) the rollups `s` meeting `rows` (bound to `values`)
/// to or from the totals of every ancestor-or-self of their units.
async fn apply_totals(
    db: &impl ConnectionTrait,
    rows: &str,
    values: Vec<Value>,
    sign: i8,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    db.execute_raw(raw::stmt(
        backend,
        &totals_delta(backend, rows, "1 = 1", sign),
        values,
    ))
    .await?;
    Ok(())
}

/// Serialises the transactions that change the totals of `campaigns` on PostgreSQL, each
/// campaign's lock taken in one order. Every approval in a campaign updates the same
/// province rows anyway (so they would wait for each other there); taking the lock first
/// keeps two of them from locking the rows of several ancestors in opposite orders (a
/// deadlock). A key of its own kind (two integers), apart from `refresh`'s unit locks.
async fn lock_totals(db: &impl ConnectionTrait, campaigns: &[Uuid]) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        return Ok(());
    }
    let mut keys: Vec<i32> = campaigns.iter().map(|c| campaign_key(*c)).collect();
    keys.sort_unstable();
    keys.dedup();
    for k in keys {
        db.execute_raw(raw::stmt(
            backend,
            "SELECT pg_advisory_xact_lock(?, ?)",
            vec![TOTALS_LOCK_CLASS.into(), k.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The first half of the totals' lock keys (`"ΣTOT"`-ish, any constant would do).
const TOTALS_LOCK_CLASS: i32 = 0x7E70_7A15;

fn campaign_key(campaign: Uuid) -> i32 {
    let (hi, lo) = campaign.as_u64_pair();
    let mixed = (hi ^ lo.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    i32::from_ne_bytes(((mixed >> 32) as u32).to_ne_bytes())
}

/// A unit's participation in `campaign` is about to end (`sign` -1, called before the
/// status changes) or has just begun again (`sign` 1, after): its rollups of every year
/// leave or join its ancestors' totals. One statement, two on PostgreSQL.
pub async fn registration_changed(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    unit: Uuid,
    sign: i8,
) -> Result<(), StoreError> {
    lock_totals(db, &[campaign]).await?;
    let rows = format!(
        "s.campaign_id = ? AND {} AND s.unit_id = ?",
        any_grain("s.")
    );
    apply_totals(db, &rows, vec![campaign.into(), unit.into()], sign).await
}

#[derive(FromQueryResult)]
struct CampaignRow {
    campaign_id: Uuid,
}

/// The subtree at `path` is about to move (`sign` -1, with the paths before the move) or
/// has just moved (`sign` 1, with the paths after): its registered units' rollups leave
/// the totals of the subtree root's ancestors above it, or join those of its new ones.
/// (The totals of units inside the subtree hold the same units wherever it hangs.) Two
/// statements and one per campaign on PostgreSQL; a move is rare.
pub async fn subtree_moving(
    db: &impl ConnectionTrait,
    path: &str,
    sign: i8,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    let pattern = subtree_pattern(path);
    let campaigns: Vec<Uuid> = CampaignRow::find_by_statement(raw::stmt(
        backend,
        "SELECT DISTINCT p.campaign_id FROM participations p \
        JOIN org_units o ON o.id = p.unit_id WHERE o.path LIKE ? AND p.status = ?",
        vec![
            pattern.clone().into(),
            ParticipationStatus::Registered.into(),
        ],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| r.campaign_id)
    .collect();
    if campaigns.is_empty() {
        return Ok(());
    }
    lock_totals(db, &campaigns).await?;
    let ids = vec!["?"; campaigns.len()].join(", ");
    let rows = format!(
        "s.campaign_id IN ({ids}) AND {} AND s.unit_id IN ( \
            SELECT m.id FROM org_units m WHERE m.path LIKE ?)",
        any_grain("s.")
    );
    let mut values: Vec<Value> = campaigns.iter().map(|c| Value::from(*c)).collect();
    values.push(pattern.into());
    values.push(i32::try_from(path.len()).unwrap_or(i32::MAX).into());
    db.execute_raw(raw::stmt(
        backend,
        &totals_delta(backend, &rows, "length(a.path) < ?", sign),
        values,
    ))
    .await?;
    Ok(())
}

/// A criterion's period aggregation changed: each unit's value of it is another, so its
/// totals are recomputed from the rollups. Two statements, three on PostgreSQL.
pub async fn criterion_changed(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    criterion: Uuid,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    lock_totals(db, &[campaign]).await?;
    let key = || -> Vec<Value> { vec![campaign.into(), criterion.into()] };
    db.execute_raw(raw::stmt(
        backend,
        &format!("DELETE FROM {TOTALS} WHERE campaign_id = ? AND criterion_id = ?"),
        key(),
    ))
    .await?;
    apply_totals(db, "s.campaign_id = ? AND s.criterion_id = ?", key(), 1).await
}

/// The advisory lock of one unit's rows of one campaign. Two keys that collide only make
/// two refreshes wait for each other.
fn lock_key(campaign: Uuid, unit: Uuid) -> i64 {
    let (c1, c2) = campaign.as_u64_pair();
    let (u1, u2) = unit.as_u64_pair();
    let mixed = (c1 ^ c2.rotate_left(17) ^ u1.rotate_left(31) ^ u2.rotate_left(47))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    i64::from_ne_bytes(mixed.to_ne_bytes())
}

/// Recomputes every row of the rollups, then of the totals from them, in one write
/// transaction (readers see the old rows until it commits). Returns the number of rollup
/// rows written.
pub async fn rebuild(db: &crate::Database) -> Result<u64, StoreError> {
    let txn = db.begin_write().await?;
    let backend = txn.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        // Approvals meanwhile wait until the rebuild commits, rather than deadlock with
        // its deletion of every row. An approval writes the totals before the rollups, so
        // they are locked in that order.
        txn.execute_raw(raw::stmt(
            backend,
            &format!("LOCK TABLE {TOTALS}, progress_rollups IN SHARE ROW EXCLUSIVE MODE"),
            vec![],
        ))
        .await?;
    }
    for table in ["progress_rollups", TOTALS] {
        txn.execute_raw(raw::stmt(backend, &format!("DELETE FROM {table}"), vec![]))
            .await?;
    }
    let written = txn
        .execute_raw(raw::stmt(
            backend,
            &progress_rollup_sql::fill(backend, ""),
            vec![],
        ))
        .await?
        .rows_affected();
    if let Some(analyze) = progress_rollup_sql::analyze(backend) {
        txn.execute_raw(raw::stmt(backend, analyze, vec![])).await?;
    }
    txn.execute_raw(raw::stmt(
        backend,
        &totals_delta(backend, "1 = 1", "1 = 1", 1),
        vec![],
    ))
    .await?;
    txn.commit().await?;
    Ok(written)
}
