//! Row of `exemplar_stage_events`.

use sea_orm::entity::prelude::*;
use thidua_domain::exemplar::ExemplarStage;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exemplar_stage_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub exemplar_id: Uuid,
    pub from_stage: Option<ExemplarStage>,
    pub to_stage: ExemplarStage,
    pub on_date: Date,
    pub reason: Option<String>,
    pub by_user: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
