//! Row of `campaigns`.

use sea_orm::entity::prelude::*;
use thidua_domain::campaign::{CampaignKind, CampaignStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub summary: Option<String>,
    pub search_text: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    pub programme_id: Option<Uuid>,
    pub launching_unit_id: Uuid,
    pub start_date: Date,
    pub end_date: Date,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub launched_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
