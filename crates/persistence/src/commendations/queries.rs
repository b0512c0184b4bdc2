//! Reading commendations: batch finders, filtered listings and prerequisite checks.

use std::collections::HashMap;
use thidua_domain::id::{AwardTypeId, CouncilSessionId};
use thidua_domain::id::{CommendationId, ExemplarId, PersonId};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use thidua_domain::award::{Prerequisite, PrerequisiteCheck, initiative_met};
use thidua_domain::commendation::CommendationStatus;
use thidua_domain::text::SearchQuery;
use uuid::Uuid;

use crate::awards;
use crate::entities::{award_type, commendation, commendation_correction};
use crate::error::StoreError;
use crate::finder::finders;
use crate::org_units;
use crate::page::{CountQuery, Page, PageRequest};

finders! {
    /// Honours of these people, newest first.
    pub fn by_person_ids(ids: &[PersonId]) in commendation::PersonId, desc(Id);
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
    pub person_id: Option<PersonId>,
}

/// Newest first (ids are UUID v7).
pub async fn list(
    db: &impl ConnectionTrait,
    f: &CommendationFilter,
    page: &PageRequest,
) -> Result<Page<commendation::Model>, StoreError> {
    let filtered = condition(db, f).await?;
    let mut q = commendation::Entity::find().filter(filtered.clone());
    if let Some(after) = &page.after {
        q = q.filter(commendation::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(commendation::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(commendation::Entity, filtered),
    ))
}

/// The commendations a filter selects, shared by the page and its count (the predecessors
/// of a subtree are looked up once, here).
pub(crate) async fn condition(
    db: &impl ConnectionTrait,
    f: &CommendationFilter,
) -> Result<Condition, StoreError> {
    let mut c = Condition::all();
    if let Some(s) = f.status {
        c = c.add(commendation::Column::Status.eq(s));
    }
    if let Some(p) = &f.subtree_path {
        // A successor's subtree includes its predecessors' honours: the merged commune's
        // record is the new ward's record.
        let mut within = Condition::any()
            .add(commendation::Column::UnitId.in_subquery(org_units::ids_in_subtree(p)));
        for old in org_units::predecessor_paths(db, p).await? {
            within = within
                .add(commendation::Column::UnitId.in_subquery(org_units::ids_in_subtree(&old)));
        }
        c = c.add(within);
    }
    if let Some(person) = f.person_id {
        c = c.add(commendation::Column::PersonId.eq(person));
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
    Ok(c)
}

/// What a nomination needs first, and whether the recipient's recorded history has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrerequisiteStatus {
    /// `None` when the award needs no earlier title, only an initiative.
    pub required_award_type_id: Option<Uuid>,
    pub prerequisite: Option<Prerequisite>,
    pub check: PrerequisiteCheck,
    /// The award row requires a recognised initiative (sáng kiến)…
    pub initiative_required: bool,
    /// …and the nomination records one (always true when none is required).
    pub initiative_met: bool,
}

impl PrerequisiteStatus {
    /// Every requirement the award row states is met.
    pub fn met(&self) -> bool {
        self.check.met && self.initiative_met
    }
}

/// What a prerequisite check needs of a commendation, so a caller holding the row does
/// not load it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nominee {
    pub id: Uuid,
    pub award_type_id: Uuid,
    pub award_year: i32,
    pub recipient_key: String,
    pub initiative_reference: Option<String>,
}

impl From<&commendation::Model> for Nominee {
    fn from(c: &commendation::Model) -> Self {
        Self {
            id: c.id,
            award_type_id: c.award_type_id,
            award_year: c.award_year,
            recipient_key: c.recipient_key.clone(),
            initiative_reference: c.initiative_reference.clone(),
        }
    }
}

/// The earlier title an award needs, and how it counts.
type TitleNeeded = (Uuid, Prerequisite);

/// For each commendation whose award states a requirement (an earlier title counted in
/// consecutive years or consecutive conferrals, a recognised initiative), checks the
/// recipient's conferred history, keyed by recipient (a person's record, not their name).
/// Two statements whatever the number of commendations.
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
    let needs: Vec<(&Nominee, Option<TitleNeeded>, bool)> = items
        .iter()
        .filter_map(|c| {
            let t = types.get(&c.award_type_id)?;
            let pre = match (t.prerequisite_award_type_id, t.prerequisite_years) {
                (Some(pre_type), Some(n)) => {
                    Prerequisite::parse_kind(t.prerequisite_kind, n, t.prerequisite_max_gap_years)
                        .ok()
                        .map(|p| (pre_type, p))
                }
                _ => None,
            };
            (pre.is_some() || t.requires_initiative).then_some((c, pre, t.requires_initiative))
        })
        .collect();
    if needs.is_empty() {
        return Ok(HashMap::new());
    }
    let pre_types: Vec<Uuid> = needs.iter().filter_map(|n| n.1.map(|p| p.0)).collect();
    let who: Vec<&str> = needs
        .iter()
        .filter(|n| n.1.is_some())
        .map(|n| n.0.recipient_key.as_str())
        .collect();
    let history = if who.is_empty() {
        vec![]
    } else {
        commendation::Entity::find()
            .filter(commendation::Column::RecipientKey.is_in(who))
            .filter(commendation::Column::AwardTypeId.is_in(pre_types))
            .filter(commendation::Column::Status.eq(CommendationStatus::Conferred))
            .all(db)
            .await?
    };
    Ok(needs
        .into_iter()
        .map(|(c, pre, initiative_required)| {
            let check = match pre {
                Some((pre_type, p)) => {
                    let years: Vec<i32> = history
                        .iter()
                        .filter(|h| {
                            h.award_type_id == pre_type && h.recipient_key == c.recipient_key
                        })
                        .map(|h| h.award_year)
                        .collect();
                    p.check(&years, c.award_year)
                }
                None => PrerequisiteCheck {
                    met: true,
                    longest_run: 0,
                    years: vec![],
                },
            };
            (
                c.id,
                PrerequisiteStatus {
                    required_award_type_id: pre.map(|p| p.0),
                    prerequisite: pre.map(|p| p.1),
                    check,
                    initiative_required,
                    initiative_met: initiative_met(
                        initiative_required,
                        c.initiative_reference.as_deref(),
                    ),
                },
            )
        })
        .collect())
}
