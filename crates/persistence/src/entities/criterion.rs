//! Row of `criteria`.

use sea_orm::entity::prelude::*;
use thidua_domain::criterion::{Direction, Measure, PeriodAggregation};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "criteria")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub title: String,
    pub measure: Measure,
    pub direction: Direction,
    pub unit_label: Option<String>,
    #[sea_orm(column_type = "Decimal(Some((20, 4)))")]
    pub target_value: Option<Decimal>,
    #[sea_orm(column_type = "Decimal(Some((20, 4)))")]
    pub weight: Decimal,
    pub sort_order: i32,
    pub created_at: DateTimeUtc,
    pub period_aggregation: PeriodAggregation,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
