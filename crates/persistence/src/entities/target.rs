//! Row of `targets`.

use sea_orm::entity::prelude::*;
use thidua_domain::target::{Comparator, TargetComputation, TargetSource};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub programme_id: Uuid,
    pub code: String,
    pub title: String,
    pub description: String,
    pub horizon: String,
    pub period_start: Date,
    pub deadline: Date,
    pub comparator: Comparator,
    #[sea_orm(column_type = "Decimal(Some((20, 4)))")]
    pub target_value: Decimal,
    #[sea_orm(column_type = "Decimal(Some((20, 4)))")]
    pub target_max: Option<Decimal>,
    pub unit_label: String,
    #[sea_orm(column_type = "Decimal(Some((20, 4)))")]
    pub baseline: Decimal,
    pub baseline_date: Date,
    pub source: TargetSource,
    pub computation: Option<TargetComputation>,
    pub sort_order: i32,
    /// The legal or programme text the target comes from, quoted.
    pub legal_text: Option<String>,
    /// Definition parameters as JSON (`thidua_domain::target_rules::TargetParameters`).
    pub parameters: Option<String>,
    pub version: i32,
    /// English texts beside the Vietnamese ones above; None: readers of English get the
    /// Vietnamese text.
    pub title_en: Option<String>,
    pub description_en: Option<String>,
    pub unit_label_en: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
