//! The change feed behind offline sync.
//!
//! Every write that an app must learn about appends a row here in the same transaction.
//! On PostgreSQL each row also records the writing transaction's id; a reader returns
//! only rows of transactions older than its snapshot's `xmin`, ordered by (txid, seq).
//! Every such transaction has finished, so no row can later appear behind a token the
//! client already holds — the classic hole of sequence-based sync, where sequence numbers
//! are handed out in one order and committed in another. SQLite serialises writers, so
//! its rows carry txid 0 and the sequence alone orders them.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use uuid::Uuid;

use crate::entities::change_entry::Model;
use crate::error::StoreError;
use crate::raw;

pub use thidua_domain::journal::{ChangeEntity, ChangeOp};

fn txid_expr(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "pg_current_xact_id()::text::bigint",
        _ => "0",
    }
}

/// Appends a change. `unit_path` scopes unit-owned rows (participations, reports);
/// `user_id` marks a user's own rows (reports).
pub async fn record(
    db: &impl ConnectionTrait,
    entity: ChangeEntity,
    entity_id: Uuid,
    op: ChangeOp,
    unit_path: Option<&str>,
    user_id: Option<Uuid>,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "INSERT INTO change_log (txid, entity, entity_id, op, unit_path, user_id, at) VALUES ({}, ?, ?, ?, ?, ?, ?)",
        txid_expr(backend)
    );
    let values: Vec<Value> = vec![
        entity.as_str().into(),
        entity_id.into(),
        op.as_str().into(),
        unit_path.map(str::to_owned).into(),
        user_id.into(),
        Utc::now().into(),
    ];
    db.execute_raw(raw::stmt(backend, &sql, values)).await?;
    Ok(())
}

/// A position in the feed: everything up to (txid, seq) has been delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub txid: i64,
    pub seq: i64,
}

/// Who is asking: campaigns, criteria and milestones are province-wide; participations are
/// those of units in the caller's subtrees; reports are the caller's own.
#[derive(Debug, Clone)]
pub struct Audience {
    pub unit_paths: Vec<String>,
    pub user_id: Uuid,
}

#[derive(Debug, FromQueryResult)]
struct Xmin {
    xmin: i64,
}

/// The first txid whose rows may still be unfinished; rows below it are final.
async fn horizon(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let stmt = raw::stmt(
                DatabaseBackend::Postgres,
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin",
                vec![],
            );
            Ok(Xmin::find_by_statement(stmt)
                .one(db)
                .await?
                .map_or(0, |r| r.xmin))
        }
        _ => Ok(i64::MAX),
    }
}

#[derive(Debug, FromQueryResult)]
struct Head {
    seq: i64,
}

/// The feed's newest position now: what a caught-up reader's token is (on PostgreSQL the
/// horizon, on SQLite the last sequence number).
pub async fn head(db: &impl ConnectionTrait) -> Result<Position, StoreError> {
    let horizon = horizon(db).await?;
    if horizon != i64::MAX {
        return Ok(Position {
            txid: horizon,
            seq: 0,
        });
    }
    let stmt = raw::stmt(
        db.get_database_backend(),
        "SELECT COALESCE(MAX(seq), 0) AS seq FROM change_log",
        vec![],
    );
    let seq = Head::find_by_statement(stmt)
        .one(db)
        .await?
        .map_or(0, |r| r.seq);
    Ok(Position { txid: 0, seq })
}

/// Reads up to `limit` changes after `since` for `audience`. Returns the rows and the
/// position to resume from; `more` says whether another page is ready now.
pub async fn read(
    db: &impl ConnectionTrait,
    since: Position,
    limit: u64,
    audience: &Audience,
) -> Result<(Vec<Model>, Position, bool), StoreError> {
    let backend = db.get_database_backend();
    let horizon = horizon(db).await?;
    let mut sql = String::from(
        "SELECT seq, txid, entity, entity_id, op, unit_path, user_id, at FROM change_log \
         WHERE (txid > ? OR (txid = ? AND seq > ?)) AND txid < ? AND (entity IN (?, ?, ?)",
    );
    let mut values: Vec<Value> = vec![
        since.txid.into(),
        since.txid.into(),
        since.seq.into(),
        horizon.into(),
        ChangeEntity::Campaign.as_str().into(),
        ChangeEntity::Criterion.as_str().into(),
        ChangeEntity::Milestone.as_str().into(),
    ];
    if !audience.unit_paths.is_empty() {
        sql.push_str(" OR (entity = ? AND (");
        values.push(ChangeEntity::Participation.as_str().into());
        let likes: Vec<&str> = audience
            .unit_paths
            .iter()
            .map(|_| "unit_path LIKE ?")
            .collect();
        sql.push_str(&likes.join(" OR "));
        sql.push_str("))");
        values.extend(
            audience
                .unit_paths
                .iter()
                .map(|p| Value::from(format!("{p}%"))),
        );
    }
    sql.push_str(" OR (entity = ? AND user_id = ?)) ORDER BY txid, seq LIMIT ?");
    values.push(ChangeEntity::ProgressReport.as_str().into());
    values.push(audience.user_id.into());
    values.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
    let mut rows = Model::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = match rows.last() {
        Some(r) if more => Position {
            txid: r.txid,
            seq: r.seq,
        },
        // Caught up: everything below the horizon is final, so resume from it. (A full
        // page that exactly ends the feed resumes from its last row instead, which is
        // also safe.)
        Some(r) if horizon == i64::MAX => Position {
            txid: r.txid,
            seq: r.seq,
        },
        Some(r) => Position {
            txid: horizon.max(r.txid),
            seq: if horizon > r.txid { 0 } else { r.seq },
        },
        None if horizon == i64::MAX => since,
        None => Position {
            txid: horizon.max(since.txid),
            seq: if horizon > since.txid { 0 } else { since.seq },
        },
    };
    Ok((rows, next, more))
}

/// One change to append with [`record_many`].
pub struct NewChange<'a> {
    pub entity: ChangeEntity,
    pub entity_id: Uuid,
    pub op: ChangeOp,
    pub unit_path: Option<&'a str>,
    pub user_id: Option<Uuid>,
}

/// Appends many changes in one statement (batched report submission).
pub async fn record_many(
    db: &impl ConnectionTrait,
    rows: &[NewChange<'_>],
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    for chunk in rows.chunks(500) {
        let tuple = format!("({}, ?, ?, ?, ?, ?, ?)", txid_expr(backend));
        let sql = format!(
            "INSERT INTO change_log (txid, entity, entity_id, op, unit_path, user_id, at) VALUES {}",
            vec![tuple.as_str(); chunk.len()].join(", ")
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for r in chunk {
            values.push(r.entity.as_str().into());
            values.push(r.entity_id.into());
            values.push(r.op.as_str().into());
            values.push(r.unit_path.map(str::to_owned).into());
            values.push(r.user_id.into());
            values.push(now.into());
        }
        db.execute_raw(raw::stmt(backend, &sql, values)).await?;
    }
    Ok(())
}
