//! Row of `commendation_corrections`: an Admin's recorded change to a conferred record.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commendation_corrections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub commendation_id: Uuid,
    pub reason: String,
    /// JSON: `{ field: { "from": old, "to": new } }`.
    pub changes: String,
    pub by_user: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
