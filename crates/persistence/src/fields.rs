//! The field (lĩnh vực) catalogue.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::field::{Column, Entity, Model};
use crate::error::StoreError;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::SortOrder)
        .all(db)
        .await?)
}

pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Model>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .filter(Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}
