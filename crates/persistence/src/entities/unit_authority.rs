//! Row of `unit_authorities`: the highest award level the head of a unit of a kind decides.

use sea_orm::entity::prelude::*;
use thidua_domain::award::AwardLevel;
use thidua_domain::org_unit::OrgUnitKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_authorities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub unit_kind: OrgUnitKind,
    /// None: the head of such a unit decides no award, so it holds no council.
    pub highest_level: Option<AwardLevel>,
    pub legal_basis: String,
    pub version: i32,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
