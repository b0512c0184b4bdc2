//! Row of `report_revisions`.

use sea_orm::entity::prelude::*;
use thidua_domain::report::ReportStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub report_id: Uuid,
    pub revision: i32,
    pub content_hash: String,
    pub content: String,
    pub outcome: ReportStatus,
    pub return_reason: Option<String>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
