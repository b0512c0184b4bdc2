//! Row of `progress_reports`.

use sea_orm::entity::prelude::*;
use thidua_domain::report::{PeriodKind, ReportStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub period_kind: PeriodKind,
    pub period_start: Date,
    pub period_end: Date,
    pub narrative: Option<String>,
    #[sea_orm(column_type = "Decimal(Some((10, 7)))")]
    pub latitude: Option<Decimal>,
    #[sea_orm(column_type = "Decimal(Some((10, 7)))")]
    pub longitude: Option<Decimal>,
    pub status: ReportStatus,
    pub revision: i32,
    pub version: i32,
    pub content_hash: String,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: DateTimeUtc,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub return_reason: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
