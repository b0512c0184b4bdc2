//! Persisted queries (automatic persisted queries and trusted documents): query texts by
//! their sha256, in one table shared by every replica. The server keeps a cache in front;
//! this table is the truth.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

pub use crate::entities::persisted_query::Model;
use crate::entities::persisted_query::{ActiveModel, Column, Entity};
use crate::error::is_unique_violation;

/// The stored query with this sha256 (lower-case hex), if any.
pub async fn get(db: &impl ConnectionTrait, sha256: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(sha256.to_owned()).one(db).await
}

fn row(sha256: &str, query: &str, trusted: bool) -> ActiveModel {
    ActiveModel {
        sha256: Set(sha256.to_owned()),
        query: Set(query.to_owned()),
        trusted: Set(trusted),
        created_at: Set(Utc::now()),
    }
}

/// Stores `query` under `sha256` unless that hash is already stored (the row already there
/// is left alone, trusted or not). Returns whether a row was added. Concurrent inserts of the
/// same hash (from any replica) all succeed: a lost race is not an error.
pub async fn insert(
    db: &impl ConnectionTrait,
    sha256: &str,
    query: &str,
    trusted: bool,
) -> Result<bool, DbErr> {
    let result = Entity::insert(row(sha256, query, trusted))
        .on_conflict(OnConflict::column(Column::Sha256).do_nothing().to_owned())
        .exec_without_returning(db)
        .await;
    match result {
        Ok(n) => Ok(n > 0),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Registers `query` as a trusted document: stores it, or marks the row already stored
/// under `sha256` as trusted. Idempotent.
pub async fn register_trusted(
    db: &impl ConnectionTrait,
    sha256: &str,
    query: &str,
) -> Result<(), DbErr> {
    let upsert = OnConflict::column(Column::Sha256)
        .update_columns([Column::Query, Column::Trusted])
        .to_owned();
    let result = Entity::insert(row(sha256, query, true))
        .on_conflict(upsert)
        .exec_without_returning(db)
        .await;
    match result {
        Ok(_) => Ok(()),
        // Another writer inserted it between the conflict check and the insert: update it.
        Err(e) if is_unique_violation(&e) => {
            Entity::update(ActiveModel {
                sha256: Set(sha256.to_owned()),
                query: Set(query.to_owned()),
                trusted: Set(true),
                ..Default::default()
            })
            .exec(db)
            .await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// How many queries are stored (trusted or not).
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Entity::find().count(db).await
}
