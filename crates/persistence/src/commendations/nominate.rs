//! Nomination: loads what a nomination names, lets the domain judge it, and writes it.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::Actor;
use thidua_domain::commendation::{CommendationKind, CommendationStatus};
use thidua_domain::id::{AwardTypeId, CampaignId, ExemplarId, PersonId, UnitId};
use thidua_domain::nomination::{
    self, AwardFacts, ExemplarFacts, Facts, PersonFacts, RecipientFacts, Reference, Refused,
};
use thidua_domain::org_unit::UnitFacts;
use thidua_domain::text::{LongText, Title};
use uuid::Uuid;

use super::{award, duplicate_of};
use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{commendation, exemplar, org_unit, person};
use crate::error::StoreError;
use crate::persons::{self, NewPerson};
use crate::{audit, campaigns, exemplars, org_units};

pub enum Recipient {
    Unit(UnitId),
    Exemplar(ExemplarId),
    /// A person on record; `position` defaults to the one on their record.
    Person {
        id: PersonId,
        position: Option<Title>,
    },
    /// A person recorded with the nomination (a foreigner has no unit).
    NewPerson(NewPerson),
    /// A household (Gia đình văn hóa), named by its head in its unit.
    Household {
        head: Title,
        unit: UnitId,
    },
}

pub struct Nomination {
    pub award_type_id: AwardTypeId,
    pub kind: CommendationKind,
    pub recipient: Recipient,
    pub nominating_unit_id: UnitId,
    pub campaign_id: Option<CampaignId>,
    /// A model the honour is linked to, when the recipient is not the model itself.
    pub exemplar_id: Option<ExemplarId>,
    pub is_direct_worker: bool,
    /// The year the achievement is for; consecutive-year prerequisites count these.
    pub award_year: i32,
    pub citation: Option<LongText>,
    /// The recognised initiative (sáng kiến) the nomination relies on.
    pub initiative_reference: Option<Title>,
}

fn unit_facts(u: &org_unit::Model) -> UnitFacts<'_> {
    UnitFacts {
        id: u.id,
        path: &u.path,
    }
}

async fn unit(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<org_unit::Model>, StoreError> {
    org_units::by_id(db, UnitId::from_uuid(id)).await
}

/// An exemplary model and its home unit, or `None` when no model has this id.
async fn model(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(exemplar::Model, org_unit::Model)>, StoreError> {
    let Some(m) = exemplars::by_ids(db, &[thidua_domain::id::ExemplarId::from_uuid(id)])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let home = org_units::referenced(db, UnitId::from_uuid(m.home_unit_id)).await?;
    Ok(Some((m, home)))
}

fn model_facts((m, home): &(exemplar::Model, org_unit::Model)) -> ExemplarFacts<'_> {
    ExemplarFacts {
        id: m.id,
        kind: m.kind,
        is_direct_worker: m.is_direct_worker,
        home: unit_facts(home),
    }
}

/// Field errors of a nested input named under its path.
fn under(e: StoreError, prefix: &str) -> StoreError {
    match e {
        StoreError::Invalid(f) => StoreError::Invalid(f.under(prefix)),
        StoreError::InvalidMany(fs) => {
            StoreError::InvalidMany(fs.into_iter().map(|f| f.under(prefix)).collect())
        }
        other => other,
    }
}

impl From<Refused> for StoreError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Invalid(f) => f.into(),
            Refused::Denied(d) => d.into(),
        }
    }
}

/// Loads what a nomination names, lets the domain judge it ([`nomination::judge`] and
/// [`nomination::check_twins`]) and writes it.
pub async fn nominate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    n: Nomination,
) -> Result<commendation::Model, StoreError> {
    let nominating = unit(db, n.nominating_unit_id.uuid()).await?;
    let at = award(db, n.award_type_id.uuid()).await?;
    // A person named by the nomination is recorded first: if the nomination is then
    // refused, the transaction takes the record back with it.
    let (position, recipient) = match n.recipient {
        Recipient::NewPerson(p) => {
            let position = p.position.clone();
            let saved = persons::create(db, actor, p, nominating.as_ref())
                .await
                .map_err(|e| under(e, "recipient.person"))?;
            (
                position,
                Recipient::Person {
                    id: PersonId::from_uuid(saved.id),
                    position: None,
                },
            )
        }
        other => (None, other),
    };
    let person: Option<person::Model> = match &recipient {
        Recipient::Person { id, .. } => persons::by_ids(db, &[*id]).await?.into_iter().next(),
        Recipient::Unit(_)
        | Recipient::Exemplar(_)
        | Recipient::NewPerson(_)
        | Recipient::Household { .. } => None,
    };
    let (recipient_unit, recipient_model) = match (&recipient, &person) {
        (Recipient::Unit(u) | Recipient::Household { unit: u, .. }, _) => {
            (unit(db, u.uuid()).await?, None)
        }
        (Recipient::Person { .. }, Some(p)) => match p.unit_id {
            Some(u) => (unit(db, u).await?, None),
            None => (None, None),
        },
        (Recipient::Exemplar(e), _) => (None, model(db, e.uuid()).await?),
        _ => (None, None),
    };
    let campaign = match n.campaign_id {
        None => Reference::Absent,
        Some(c) if campaigns::by_ids(db, &[c]).await?.is_empty() => Reference::Unknown(c.uuid()),
        Some(c) => Reference::Found(c.uuid()),
    };
    let link = match n.exemplar_id {
        None => None,
        Some(l) => Some((l, model(db, l.uuid()).await?)),
    };
    let facts = Facts {
        today: thidua_domain::calendar::today(),
        kind: n.kind,
        award_year: n.award_year,
        is_direct_worker: n.is_direct_worker,
        nominating: nominating.as_ref().map(unit_facts),
        award: at.as_ref().map(|a| AwardFacts {
            name: &a.name,
            effective_from: a.effective_from,
            effective_to: a.effective_to,
            recipient_kind: a.recipient_kind,
        }),
        recipient: match &recipient {
            Recipient::Unit(_) => RecipientFacts::Unit(recipient_unit.as_ref().map(unit_facts)),
            Recipient::Exemplar(_) => {
                RecipientFacts::Exemplar(recipient_model.as_ref().map(model_facts))
            }
            Recipient::Person { .. } | Recipient::NewPerson(_) => {
                RecipientFacts::Person(person.as_ref().map(|p| PersonFacts {
                    id: p.id,
                    unit: recipient_unit.as_ref().map(unit_facts),
                }))
            }
            Recipient::Household { head, .. } => RecipientFacts::Household {
                head: head.as_str(),
                unit: recipient_unit.as_ref().map(unit_facts),
            },
        },
        campaign,
        exemplar_link: match &link {
            None => Reference::Absent,
            Some((id, None)) => Reference::Unknown(id.uuid()),
            Some((_, Some(m))) => Reference::Found(model_facts(m)),
        },
    };
    let nominee = nomination::judge(actor, &facts)?;
    // The rules refuse a nomination whose award or units are unknown, so these are there.
    // A foreign person's honour is kept under the nominating unit.
    let home = recipient_unit
        .as_ref()
        .or(recipient_model.as_ref().map(|(_, home)| home))
        .or(nominating.as_ref())
        .map(|u| u.code.clone());
    let (Some(at), Some(nominating), Some(home)) = (at, nominating, home) else {
        return Err(StoreError::NotFound("org unit"));
    };
    let twins: Vec<CommendationStatus> = commendation::Entity::find()
        .select_only()
        .column(commendation::Column::Status)
        .filter(commendation::Column::AwardTypeId.eq(at.id))
        .filter(commendation::Column::AwardYear.eq(n.award_year))
        .filter(commendation::Column::RecipientKey.eq(nominee.recipient_key.as_str()))
        .into_tuple::<CommendationStatus>()
        .all(db)
        .await?;
    nomination::check_twins(n.award_year, &twins)?;
    // A household is shown and found by its head's name, kept where a person's name goes.
    let household_head = match &recipient {
        Recipient::Household { head, .. } => Some(head.as_str().to_owned()),
        _ => None,
    };
    let recipient_name = match (&household_head, &person, &recipient_model, &recipient_unit) {
        (Some(h), ..) => h.clone(),
        (None, Some(p), _, _) => p.name.clone(),
        (None, None, Some((m, _)), _) => m.name.clone(),
        (None, None, None, Some(u)) => u.name.clone(),
        (None, None, None, None) => nominating.name.clone(),
    };
    let search_text = crate::search::search_text([recipient_name.as_str()]);
    let position = match recipient {
        Recipient::Person { position: p, .. } => p.or(position),
        Recipient::Unit(_)
        | Recipient::Exemplar(_)
        | Recipient::NewPerson(_)
        | Recipient::Household { .. } => None,
    }
    .map(Title::into_inner)
    .or_else(|| person.as_ref().and_then(|p| p.position.clone()));
    let now = Utc::now();
    let id = Uuid::now_v7();
    crate::commendation_totals::lock(db).await?;
    let saved = commendation::ActiveModel {
        search_text: Set(search_text),
        id: Set(id),
        award_type_id: Set(at.id),
        kind: Set(n.kind),
        status: Set(CommendationStatus::Nominated),
        recipient_type: Set(nominee.recipient_type),
        unit_id: Set(nominee.unit_id),
        exemplar_id: Set(nominee.exemplar_id),
        recipient_key: Set(nominee.recipient_key),
        person_id: Set(nominee.person_id),
        person_name: Set(person.map(|p| p.name).or(household_head)),
        person_position: Set(position),
        initiative_reference: Set(n.initiative_reference.map(Title::into_inner)),
        is_individual: Set(nominee.is_individual),
        is_direct_worker: Set(nominee.is_direct_worker),
        nominating_unit_id: Set(nominating.id),
        campaign_id: Set(n.campaign_id.map(uuid::Uuid::from)),
        award_year: Set(n.award_year),
        citation: Set(n.citation.map(LongText::into_inner)),
        session_id: Set(None),
        votes_present: Set(None),
        votes_in_writing: Set(None),
        votes_yes: Set(None),
        votes_no: Set(None),
        votes_abstain: Set(None),
        decision_note: Set(None),
        decision_number: Set(None),
        decision_key: Set(None),
        decision_date: Set(None),
        decision_year: Set(None),
        issuing_authority: Set(None),
        authority_key: Set(None),
        conferred_by: Set(None),
        conferred_at: Set(None),
        proposed_on: Set(None),
        declined_reason: Set(None),
        recorded_directly: Set(false),
        version: Set(1),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    // Two identical nominations racing: the partial unique index keeps one.
    .map_err(duplicate_of)?;
    crate::commendation_totals::changing(db, id, saved.version, 1).await?;
    super::status_event(db, &saved, None).await?;
    audit::record(
        db,
        actor,
        AuditEntity::Commendation,
        id,
        AuditAction::Nominate,
        json!({"award": at.code, "recipientType": nominee.recipient_type.as_str(), "unit": home}),
    )
    .await?;
    Ok(saved)
}
