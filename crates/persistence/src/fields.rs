//! The field (lĩnh vực) catalogue.

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use thidua_domain::id::FieldId;

use crate::entities::field::{self, Column, Entity, Model};
use crate::error::StoreError;
use crate::finder::finders;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Model>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::SortOrder)
        .all(db)
        .await?)
}

finders! {
    pub fn by_ids(ids: &[FieldId]) in field::Id;
}
