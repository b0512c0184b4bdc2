//! Row of `participations`.

use sea_orm::entity::prelude::*;
use thidua_domain::participation::ParticipationStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "participations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub pledge: Option<String>,
    pub status: ParticipationStatus,
    pub registered_at: DateTimeUtc,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
