//! Row of `exemplars`.

use sea_orm::entity::prelude::*;
use thidua_domain::exemplar::{ExemplarKind, ExemplarStage};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exemplars")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: ExemplarKind,
    pub home_unit_id: Uuid,
    pub field_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub description: Option<String>,
    pub is_direct_worker: bool,
    /// Folded text for `search` (see `crate::search`).
    pub search_text: String,
    pub stage: ExemplarStage,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Keeps `search_text` the folded name on every insert and update through a model.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if let (true, Some(name)) = (self.name.is_set(), self.name.try_as_ref()) {
            let text = crate::search::search_text([name.as_str()]);
            self.search_text = sea_orm::ActiveValue::Set(text);
        }
        Ok(self)
    }
}
