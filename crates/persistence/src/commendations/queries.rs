//! Reading commendations: batch finders, filtered listings and prerequisite checks.

use std::collections::HashMap;
use thidua_domain::id::{AwardTypeId, CouncilSessionId};
use thidua_domain::id::{CommendationId, ExemplarId};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use thidua_domain::award::{Prerequisite, PrerequisiteCheck};
use thidua_domain::commendation::CommendationStatus;
use thidua_domain::text::SearchQuery;
use uuid::Uuid;

use crate::awards;
use crate::entities::{award_type, commendation, commendation_correction};
use crate::error::StoreError;
use crate::finder::finders;
use crate::org_units;
use crate::page::{Page, PageRequest};

finders! {
    /// Commendations linked to these models (as recipient or link), newest first.
    pub fn by_exemplar_ids(ids: &[ExemplarId]) in commendation::ExemplarId, desc(Id);
    pub fn by_ids(ids: &[CommendationId]) in commendation::Id;
    pub fn corrections_by_commendation_ids(ids: &[CommendationId]) in commendation_correction::CommendationId, asc(At);
}

#[derive(Debug, Clone, Default)]
pub struct CommendationFilter {
    pub status: Option<CommendationStatus>,
    /// Recipients whose unit lies in this subtree.
    pub subtree_path: Option<String>,
    pub award_type_id: Option<AwardTypeId>,
    pub exemplar_id: Option<ExemplarId>,
    pub session_id: Option<CouncilSessionId>,
    pub decision_year: Option<i32>,
    /// Accent-insensitive words in the recipient's name: the person's, the unit's or the
    /// model's.
    pub search: Option<SearchQuery>,
}

/// Newest first (ids are UUID v7).
pub async fn list(
    db: &impl ConnectionTrait,
    f: &CommendationFilter,
    page: &PageRequest,
) -> Result<Page<commendation::Model>, StoreError> {
    let mut c = Condition::all();
    if let Some(s) = f.status {
        c = c.add(commendation::Column::Status.eq(s));
    }
    if let Some(p) = &f.subtree_path {
        let units = org_units::ids_in_subtree(p);
        c = c.add(commendation::Column::UnitId.in_subquery(units));
    }
    if let Some(a) = f.award_type_id {
        c = c.add(commendation::Column::AwardTypeId.eq(a));
    }
    if let Some(e) = f.exemplar_id {
        c = c.add(commendation::Column::ExemplarId.eq(e));
    }
    if let Some(s) = f.session_id {
        c = c.add(commendation::Column::SessionId.eq(s));
    }
    if let Some(y) = f.decision_year {
        c = c.add(commendation::Column::DecisionYear.eq(y));
    }
    if let Some(q) = &f.search {
        c = c.add(crate::search::matches(commendation::Column::SearchText, q));
    }
    let mut q = commendation::Entity::find().filter(c);
    if let Some(after) = &page.after {
        q = q.filter(commendation::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(commendation::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.first))
}

/// What a nomination needs first, and whether the recipient's recorded history has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrerequisiteStatus {
    pub required_award_type_id: Uuid,
    pub consecutive_years: u32,
    pub check: PrerequisiteCheck,
}

/// What a prerequisite check needs of a commendation, so a caller holding the row does
/// not load it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nominee {
    pub id: Uuid,
    pub award_type_id: Uuid,
    pub award_year: i32,
    pub recipient_key: String,
}

impl From<&commendation::Model> for Nominee {
    fn from(c: &commendation::Model) -> Self {
        Self {
            id: c.id,
            award_type_id: c.award_type_id,
            award_year: c.award_year,
            recipient_key: c.recipient_key.clone(),
        }
    }
}

/// For each commendation whose award needs an earlier title, checks the recipient's
/// conferred history. Three statements whatever the number of commendations.
pub async fn prerequisite_statuses(
    db: &impl ConnectionTrait,
    items: &[Nominee],
) -> Result<HashMap<Uuid, PrerequisiteStatus>, StoreError> {
    let mut type_ids: Vec<thidua_domain::id::AwardTypeId> = items
        .iter()
        .map(|c| thidua_domain::id::AwardTypeId::from_uuid(c.award_type_id))
        .collect();
    type_ids.sort_unstable();
    type_ids.dedup();
    let types: HashMap<Uuid, award_type::Model> = awards::by_ids(db, &type_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let needs: Vec<(&Nominee, Uuid, Prerequisite)> = items
        .iter()
        .filter_map(|c| {
            let t = types.get(&c.award_type_id)?;
            let pre = Prerequisite::parse(t.prerequisite_years?).ok()?;
            Some((c, t.prerequisite_award_type_id?, pre))
        })
        .collect();
    if needs.is_empty() {
        return Ok(HashMap::new());
    }
    let pre_types: Vec<Uuid> = needs.iter().map(|n| n.1).collect();
    let who: Vec<&str> = needs.iter().map(|n| n.0.recipient_key.as_str()).collect();
    let history = commendation::Entity::find()
        .filter(commendation::Column::RecipientKey.is_in(who))
        .filter(commendation::Column::AwardTypeId.is_in(pre_types))
        .filter(commendation::Column::Status.eq(CommendationStatus::Conferred))
        .all(db)
        .await?;
    Ok(needs
        .into_iter()
        .map(|(c, pre_type, pre)| {
            let years: Vec<i32> = history
                .iter()
                .filter(|h| h.award_type_id == pre_type && h.recipient_key == c.recipient_key)
                .map(|h| h.award_year)
                .collect();
            (
                c.id,
                PrerequisiteStatus {
                    required_award_type_id: pre_type,
                    consecutive_years: pre.consecutive_years,
                    check: pre.check(&years, c.award_year),
                },
            )
        })
        .collect())
}
