//! Row of `commendations`.

use sea_orm::entity::prelude::*;
use thidua_domain::commendation::{CommendationKind, CommendationStatus, RecipientType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commendations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub award_type_id: Uuid,
    pub kind: CommendationKind,
    pub status: CommendationStatus,
    pub recipient_type: RecipientType,
    pub unit_id: Uuid,
    pub exemplar_id: Option<Uuid>,
    pub person_name: Option<String>,
    pub person_position: Option<String>,
    pub recipient_key: String,
    /// Folded text for `search` (see `crate::search`).
    pub search_text: String,
    pub is_individual: bool,
    pub is_direct_worker: bool,
    pub nominating_unit_id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub award_year: i32,
    pub citation: Option<String>,
    pub session_id: Option<Uuid>,
    pub votes_present: Option<i32>,
    pub votes_in_writing: Option<i32>,
    pub votes_yes: Option<i32>,
    pub votes_no: Option<i32>,
    pub votes_abstain: Option<i32>,
    pub decision_note: Option<String>,
    pub decision_number: Option<String>,
    pub decision_key: Option<String>,
    pub decision_date: Option<Date>,
    pub decision_year: Option<i32>,
    pub issuing_authority: Option<String>,
    pub authority_key: Option<String>,
    pub conferred_by: Option<Uuid>,
    pub conferred_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Keeps `search_text` the folded person name (empty for a unit or a model: those match by their own `search_text`) on every insert and update through a model.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if let (true, Some(name)) = (self.person_name.is_set(), self.person_name.try_as_ref()) {
            let text = crate::search::search_text(name.as_deref());
            self.search_text = sea_orm::ActiveValue::Set(text);
        }
        Ok(self)
    }
}
