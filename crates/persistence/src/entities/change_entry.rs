//! Row of `change_log`: one change the offline apps must learn about.

use sea_orm::entity::prelude::*;
use thidua_domain::journal::{ChangeEntity, ChangeOp};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub txid: i64,
    pub entity: ChangeEntity,
    pub entity_id: Uuid,
    pub op: ChangeOp,
    pub unit_path: Option<String>,
    pub user_id: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
