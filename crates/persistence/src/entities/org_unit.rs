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

impl ActiveModelBehavior for ActiveModel {}
