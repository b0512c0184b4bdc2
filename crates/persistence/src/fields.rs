//! The field (lĩnh vực) catalogue.

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use uuid::Uuid;

use crate::entities::field::{Column, Entity, Model};
use crate::error::StoreError;
use crate::finder;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::SortOrder)
        .all(db)
        .await?)
}

pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Model>, StoreError> {
    finder::by_ids(db, Column::Id, ids, &[]).await
}
