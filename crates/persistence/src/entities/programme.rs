//! Row of `programmes`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programmes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub summary: Option<String>,
    pub owner_unit_id: Uuid,
    pub start_date: Date,
    pub end_date: Date,
    pub created_at: DateTimeUtc,
    /// The province's programme: campaigns with no programme count toward its targets.
    pub is_default: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
