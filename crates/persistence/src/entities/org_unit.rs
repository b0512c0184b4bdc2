//! Row of `org_units`.

use sea_orm::entity::prelude::*;
use thidua_domain::org_unit::OrgUnitKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: OrgUnitKind,
    pub parent_id: Option<Uuid>,
    pub path: String,
    /// Folded text for `search` (see `crate::search`).
    pub search_text: String,
    pub depth: i32,
    pub is_active: bool,
    /// The unit that continues this one after a reorganisation (the 2025 merger).
    pub successor_id: Option<Uuid>,
    pub succeeded_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Keeps `search_text` the folded code and name on every insert and update through a model.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if self.code.is_set() || self.name.is_set() {
            let parts = [self.code.try_as_ref(), self.name.try_as_ref()];
            let text = crate::search::search_text(parts.into_iter().flatten().map(String::as_str));
            self.search_text = sea_orm::ActiveValue::Set(text);
        }
        Ok(self)
    }
}
