//! Row of `award_types`: one form or title of the catalogue.

use sea_orm::entity::prelude::*;
use thidua_domain::award::{AwardCategory, AwardLevel, PrerequisiteKind, RecipientKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "award_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub category: AwardCategory,
    pub level: AwardLevel,
    pub recipient_kind: RecipientKind,
    #[sea_orm(column_type = "Decimal(Some((5, 2)))")]
    pub approval_threshold: Decimal,
    pub conferring_authority: String,
    pub legal_basis: String,
    /// None: not in effect until an administrator sets the date.
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
    pub prerequisite_award_type_id: Option<Uuid>,
    /// N: years or conferrals, as `prerequisite_kind` says.
    pub prerequisite_years: Option<i32>,
    /// The authority level that decides the award; a council above it confers, one below
    /// proposes upward.
    pub deciding_level: AwardLevel,
    /// The legal basis of `approval_threshold` (⚠ where unverified).
    pub threshold_basis: String,
    /// The legal basis of `deciding_level` and `conferring_authority`.
    pub authority_basis: String,
    pub prerequisite_kind: PrerequisiteKind,
    pub prerequisite_max_gap_years: Option<i32>,
    /// The nomination must record a recognised initiative (sáng kiến).
    pub requires_initiative: bool,
    pub sort_order: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// NĐ 98/2023 Đ54 cash reward as a multiple of the base salary; None where not stated.
    #[sea_orm(column_type = "Decimal(Some((6, 2)))", nullable)]
    pub cash_coefficient: Option<Decimal>,
    /// Conferred by a central body (the state, a ministry or a central organisation).
    pub central_body: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
