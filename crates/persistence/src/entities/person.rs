//! Row of `persons`: someone honoured, with their current unit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `fold_for_search(name)`.
    pub search_key: String,
    /// SHA-256 of the normalised identity number; never returned.
    pub national_id_hash: Option<String>,
    /// `None` for a foreign recipient.
    pub unit_id: Option<Uuid>,
    pub position: Option<String>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
