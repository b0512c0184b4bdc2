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
    pub stage: ExemplarStage,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
