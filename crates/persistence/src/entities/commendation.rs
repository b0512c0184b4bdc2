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
    /// The person honoured, for a PERSON recipient.
    pub person_id: Option<Uuid>,
    /// The recognised initiative (sáng kiến) the nomination relies on.
    pub initiative_reference: Option<String>,
    pub person_name: Option<String>,
    pub person_position: Option<String>,
    pub recipient_key: String,
    /// The recipient's folded name for `search` (see `crate::search`): the person's, the
    /// unit's or the model's. Written by the nomination, a name correction and a unit rename.
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
    /// The day the dossier went to the higher authority (PROPOSED_UPWARD).
    pub proposed_on: Option<Date>,
    /// Why the higher authority declined (DECLINED_UPWARD).
    pub declined_reason: Option<String>,
    /// Conferred by a central body on its own initiative, recorded without a ballot.
    pub recorded_directly: bool,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
