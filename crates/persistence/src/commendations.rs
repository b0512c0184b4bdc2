//! Commendations: nomination, council review and ballot, conferral, recorded corrections,
//! and the counts behind target 3 and the direct-worker indicator.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set, Value,
};
use serde_json::{Map, json};
use thidua_domain::access::{Action, Actor};
use thidua_domain::award::{AwardLevel, Prerequisite, PrerequisiteCheck, Threshold};
use thidua_domain::commendation::{
    self as rules, CommendationKind, CommendationStatus, DecisionNumber, RawTally, RecipientType,
    Tally, check_decision_date, decision_key, recipient_key,
};
use thidua_domain::nomination::{
    self, AwardFacts, ExemplarFacts, Facts, RecipientFacts, Reference, Refused,
};
use thidua_domain::org_unit::UnitFacts;
use thidua_domain::text::{LongText, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::db_error::{unique, unique_violation};
use crate::entities::{award_type, commendation, commendation_correction, exemplar, org_unit};
use crate::error::StoreError;
use crate::finder::{self, asc, desc};
use crate::page::{Page, PageRequest};
use crate::{audit, awards, campaigns, council, exemplars, org_units, raw};

pub enum Recipient {
    Unit(Uuid),
    Exemplar(Uuid),
    Person {
        name: Title,
        position: Option<Title>,
        unit_id: Uuid,
    },
}

pub struct Nomination {
    pub award_type_id: Uuid,
    pub kind: CommendationKind,
    pub recipient: Recipient,
    pub nominating_unit_id: Uuid,
    pub campaign_id: Option<Uuid>,
    /// A model the honour is linked to, when the recipient is not the model itself.
    pub exemplar_id: Option<Uuid>,
    pub is_direct_worker: bool,
    /// The year the achievement is for; consecutive-year prerequisites count these.
    pub award_year: i32,
    pub citation: Option<LongText>,
}

fn unknown(field: &str, what: &str) -> StoreError {
    FieldError::new(
        field,
        UserErrorCode::UnknownReference,
        format!("no {what} has this id"),
    )
    .into()
}

async fn award(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<award_type::Model>, StoreError> {
    Ok(awards::by_ids(db, &[id]).await?.into_iter().next())
}

fn unit_facts(u: &org_unit::Model) -> UnitFacts<'_> {
    UnitFacts {
        id: u.id,
        path: &u.path,
    }
}

async fn unit(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<org_unit::Model>, StoreError> {
    org_units::by_id(db, id).await
}

/// An exemplary model and its home unit, or `None` when no model has this id.
async fn model(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(exemplar::Model, org_unit::Model)>, StoreError> {
    let Some(m) = exemplars::by_ids(db, &[id]).await?.into_iter().next() else {
        return Ok(None);
    };
    let home = org_units::referenced(db, m.home_unit_id).await?;
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
    let nominating = unit(db, n.nominating_unit_id).await?;
    let at = award(db, n.award_type_id).await?;
    let (recipient_unit, recipient_model) = match &n.recipient {
        Recipient::Unit(u) | Recipient::Person { unit_id: u, .. } => (unit(db, *u).await?, None),
        Recipient::Exemplar(e) => (None, model(db, *e).await?),
    };
    let campaign = match n.campaign_id {
        None => Reference::Absent,
        Some(c) if campaigns::by_ids(db, &[c]).await?.is_empty() => Reference::Unknown(c),
        Some(c) => Reference::Found(c),
    };
    let link = match n.exemplar_id {
        None => None,
        Some(l) => Some((l, model(db, l).await?)),
    };
    let facts = Facts {
        today: Utc::now().date_naive(),
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
        recipient: match &n.recipient {
            Recipient::Unit(_) => RecipientFacts::Unit(recipient_unit.as_ref().map(unit_facts)),
            Recipient::Exemplar(_) => {
                RecipientFacts::Exemplar(recipient_model.as_ref().map(model_facts))
            }
            Recipient::Person { name, .. } => RecipientFacts::Person {
                name: name.as_str(),
                unit: recipient_unit.as_ref().map(unit_facts),
            },
        },
        campaign,
        exemplar_link: match &link {
            None => Reference::Absent,
            Some((id, None)) => Reference::Unknown(*id),
            Some((_, Some(m))) => Reference::Found(model_facts(m)),
        },
    };
    let nominee = nomination::judge(actor, &facts)?;
    // The rules refuse a nomination whose award or units are unknown, so these are there.
    let home = recipient_unit
        .as_ref()
        .or(recipient_model.as_ref().map(|(_, home)| home));
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
    let person = match n.recipient {
        Recipient::Person { name, position, .. } => Some((name, position)),
        Recipient::Unit(_) | Recipient::Exemplar(_) => None,
    };
    let now = Utc::now();
    let id = Uuid::now_v7();
    let saved = commendation::ActiveModel {
        id: Set(id),
        award_type_id: Set(at.id),
        kind: Set(n.kind),
        status: Set(CommendationStatus::Nominated),
        recipient_type: Set(nominee.recipient_type),
        unit_id: Set(nominee.unit_id),
        exemplar_id: Set(nominee.exemplar_id),
        recipient_key: Set(nominee.recipient_key),
        person_name: Set(person.as_ref().map(|(name, _)| name.as_str().to_owned())),
        person_position: Set(person.and_then(|(_, p)| p.map(Title::into_inner))),
        is_individual: Set(nominee.is_individual),
        is_direct_worker: Set(nominee.is_direct_worker),
        nominating_unit_id: Set(nominating.id),
        campaign_id: Set(n.campaign_id),
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
        version: Set(1),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    // Two identical nominations racing: the partial unique index keeps one.
    .map_err(duplicate_of)?;
    audit::record(
        db,
        actor,
        AuditEntity::Commendation,
        id,
        AuditAction::Nominate,
        json!({"award": at.code, "recipientType": nominee.recipient_type.as_str(), "unit": home.code}),
    )
    .await?;
    Ok(saved)
}

/// Loads a commendation for a change by `action`, checking the move from its status.
async fn for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    action: Action,
    to: CommendationStatus,
) -> Result<(commendation::Model, CommendationStatus), StoreError> {
    let c = by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("commendation"))?;
    let unit = org_units::referenced(db, c.unit_id).await?;
    actor.authorize(action, &unit.path)?;
    let from = c.status;
    rules::check_transition(from, to)?;
    Ok((c, from))
}

/// Applies `changes` only if the row is still at the version read; otherwise CONFLICT.
async fn save(
    db: &impl ConnectionTrait,
    c: &commendation::Model,
    changes: Vec<(commendation::Column, Value)>,
) -> Result<commendation::Model, StoreError> {
    let mut q = commendation::Entity::update_many();
    for (col, v) in changes {
        q = q.col_expr(col, Expr::val(v));
    }
    let res = q
        .col_expr(commendation::Column::Version, Expr::val(c.version + 1))
        .col_expr(commendation::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(commendation::Column::Id.eq(c.id))
        .filter(commendation::Column::Version.eq(c.version))
        .exec(db)
        .await
        .map_err(duplicate_of)?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict(
            "the commendation changed meanwhile; reload it".into(),
        ));
    }
    by_ids(db, &[c.id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("commendation"))
}

/// Names the rule a unique violation broke, by the violated index: a live nomination
/// twin or a decision number. Any other failure is not the user's to fix.
fn duplicate_of(e: sea_orm::DbErr) -> StoreError {
    match unique_violation(&e) {
        Some(v) if v.is(unique::LIVE_NOMINATION) => duplicate_nomination(),
        Some(v) if v.is(unique::DECISION_NUMBER) => duplicate_decision(),
        _ => e.into(),
    }
}

fn duplicate_nomination() -> StoreError {
    FieldError::new(
        "recipient",
        UserErrorCode::Duplicate,
        "this recipient is already nominated for this award for this year",
    )
    .into()
}

fn duplicate_decision() -> StoreError {
    FieldError::new(
        "decisionNumber",
        UserErrorCode::DuplicateDecisionNumber,
        "this authority already issued a decision with this number",
    )
    .into()
}

/// Puts a nomination before a council session.
pub async fn submit_for_review(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    session_id: Uuid,
) -> Result<commendation::Model, StoreError> {
    let (c, _) = for_change(
        db,
        actor,
        id,
        Action::CouncilVote,
        CommendationStatus::UnderReview,
    )
    .await?;
    if council::by_ids(db, &[session_id]).await?.is_empty() {
        return Err(unknown("sessionId", "council session"));
    }
    let saved = save(
        db,
        &c,
        vec![
            (
                commendation::Column::Status,
                CommendationStatus::UnderReview.into(),
            ),
            (commendation::Column::SessionId, Some(session_id).into()),
        ],
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Commendation,
        id,
        AuditAction::Review,
        json!({"session": session_id}),
    )
    .await?;
    Ok(saved)
}

/// Records a secret ballot's tallies; the award's threshold over all members of the
/// session decides APPROVED or REJECTED.
pub async fn record_ballot(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    raw_tally: RawTally,
    note: Option<LongText>,
) -> Result<commendation::Model, StoreError> {
    let (c, _) = for_change(
        db,
        actor,
        id,
        Action::CouncilVote,
        CommendationStatus::Approved,
    )
    .await?;
    let session = match c.session_id {
        Some(s) => council::by_ids(db, &[s]).await?.into_iter().next(),
        None => None,
    }
    .ok_or(StoreError::NotFound("council session"))?;
    let members = u32::try_from(session.member_count).unwrap_or(0);
    let tally = Tally::parse(members, raw_tally).map_err(StoreError::InvalidMany)?;
    let at = award(db, c.award_type_id)
        .await?
        .ok_or(StoreError::NotFound("award type"))?;
    let threshold = Threshold::parse(at.approval_threshold).map_err(|_| {
        StoreError::Internal(format!(
            "the award type {} has no valid threshold; fix the catalogue",
            at.code
        ))
    })?;
    let passed = tally.passes(threshold);
    let status = if passed {
        CommendationStatus::Approved
    } else {
        CommendationStatus::Rejected
    };
    let mut explanation = tally.explain(threshold);
    if let Some(n) = note {
        explanation = format!("{explanation}. {}", n.into_inner());
    }
    let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let saved = save(
        db,
        &c,
        vec![
            (commendation::Column::Status, status.into()),
            (
                commendation::Column::VotesPresent,
                Some(as_i32(tally.present)).into(),
            ),
            (
                commendation::Column::VotesInWriting,
                Some(as_i32(tally.in_writing)).into(),
            ),
            (
                commendation::Column::VotesYes,
                Some(as_i32(tally.yes)).into(),
            ),
            (commendation::Column::VotesNo, Some(as_i32(tally.no)).into()),
            (
                commendation::Column::VotesAbstain,
                Some(as_i32(tally.abstain)).into(),
            ),
            (
                commendation::Column::DecisionNote,
                Some(explanation.clone()).into(),
            ),
        ],
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Commendation,
        id,
        AuditAction::Ballot,
        json!({"members": tally.members, "present": tally.present, "inWriting": tally.in_writing,
               "yes": tally.yes, "no": tally.no, "abstain": tally.abstain, "result": status.as_str()}),
    )
    .await?;
    Ok(saved)
}

/// The council turns a nomination down without a ballot (an incomplete dossier, say).
pub async fn reject(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    reason: &str,
) -> Result<commendation::Model, StoreError> {
    let reason = LongText::parse_required(reason, "say why it is rejected")
        .map_err(|e| e.under("reason"))?;
    let (c, _) = for_change(
        db,
        actor,
        id,
        Action::CouncilVote,
        CommendationStatus::Rejected,
    )
    .await?;
    let saved = save(
        db,
        &c,
        vec![
            (
                commendation::Column::Status,
                CommendationStatus::Rejected.into(),
            ),
            (
                commendation::Column::DecisionNote,
                Some(reason.as_str().to_owned()).into(),
            ),
        ],
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Commendation,
        id,
        AuditAction::Reject,
        json!({"reason": reason.as_str()}),
    )
    .await?;
    Ok(saved)
}

pub struct Decision {
    pub number: DecisionNumber,
    pub date: NaiveDate,
    /// Defaults to the award type's conferring authority.
    pub authority: Option<Title>,
}

async fn decision_taken(
    db: &impl ConnectionTrait,
    authority_key: &str,
    number_key: &str,
    except: Uuid,
) -> Result<bool, StoreError> {
    Ok(commendation::Entity::find()
        .filter(commendation::Column::AuthorityKey.eq(authority_key))
        .filter(commendation::Column::DecisionKey.eq(number_key))
        .filter(commendation::Column::Id.ne(except))
        .one(db)
        .await?
        .is_some())
}

/// An approved commendation is conferred by a decision; from now on it is locked.
pub async fn confer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    d: Decision,
) -> Result<commendation::Model, StoreError> {
    check_decision_date(d.date)?;
    let (c, _) = for_change(db, actor, id, Action::Confer, CommendationStatus::Conferred).await?;
    let at = award(db, c.award_type_id)
        .await?
        .ok_or(StoreError::NotFound("award type"))?;
    let authority = d
        .authority
        .map_or(at.conferring_authority.clone(), Title::into_inner);
    let (akey, nkey) = (decision_key(&authority), d.number.key());
    if decision_taken(db, &akey, &nkey, c.id).await? {
        return Err(duplicate_decision());
    }
    let saved = save(
        db,
        &c,
        vec![
            (
                commendation::Column::Status,
                CommendationStatus::Conferred.into(),
            ),
            (
                commendation::Column::DecisionNumber,
                Some(d.number.as_str().to_owned()).into(),
            ),
            (commendation::Column::DecisionKey, Some(nkey).into()),
            (commendation::Column::DecisionDate, Some(d.date).into()),
            (
                commendation::Column::DecisionYear,
                Some(d.date.year()).into(),
            ),
            (
                commendation::Column::IssuingAuthority,
                Some(authority.clone()).into(),
            ),
            (commendation::Column::AuthorityKey, Some(akey).into()),
            (commendation::Column::ConferredBy, actor.user_id.into()),
            (commendation::Column::ConferredAt, Some(Utc::now()).into()),
        ],
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Commendation,
        id,
        AuditAction::Confer,
        json!({"decisionNumber": d.number.as_str(), "decisionDate": d.date, "authority": authority}),
    )
    .await?;
    Ok(saved)
}

/// Withdraws a conferred honour (thu hồi) with its reason, kept as a correction of the
/// status; from then on it counts for no target, indicator or prerequisite.
pub async fn revoke(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    reason: &str,
) -> Result<commendation::Model, StoreError> {
    let reason = LongText::parse_required(reason, "say why the honour is revoked")
        .map_err(|e| e.under("reason"))?;
    let (c, from) = for_change(db, actor, id, Action::Confer, CommendationStatus::Revoked).await?;
    let saved = save(
        db,
        &c,
        vec![(
            commendation::Column::Status,
            CommendationStatus::Revoked.into(),
        )],
    )
    .await?;
    let changes =
        json!({"status": {"from": from.as_str(), "to": CommendationStatus::Revoked.as_str()}});
    record_correction(db, actor, id, AuditAction::Revoke, &reason, changes).await?;
    Ok(saved)
}

/// Keeps a change to a conferred record (its fields' before and after, and why) beside the
/// record and in the audit trail.
async fn record_correction(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    action: AuditAction,
    reason: &LongText,
    changes: serde_json::Value,
) -> Result<(), StoreError> {
    commendation_correction::ActiveModel {
        id: Set(Uuid::now_v7()),
        commendation_id: Set(id),
        reason: Set(reason.as_str().to_owned()),
        changes: Set(changes.to_string()),
        by_user: Set(actor.user_id),
        at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Commendation,
        id,
        action,
        json!({"reason": reason.as_str(), "changes": changes}),
    )
    .await
}

/// What an Admin may correct on a conferred record; `None` leaves a field as it is.
#[derive(Default)]
pub struct Correction {
    pub decision_number: Option<DecisionNumber>,
    pub decision_date: Option<NaiveDate>,
    pub issuing_authority: Option<Title>,
    pub person_name: Option<Title>,
    pub person_position: Option<Title>,
    pub is_direct_worker: Option<bool>,
    pub citation: Option<LongText>,
}

/// Changes a conferred record, keeping the before and after with the reason.
pub async fn correct(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    fix: Correction,
) -> Result<commendation::Model, StoreError> {
    let reason = LongText::parse_required(reason, "say why the record is corrected")
        .map_err(|e| e.under("reason"))?;
    let c = by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("commendation"))?;
    let unit = org_units::referenced(db, c.unit_id).await?;
    actor.authorize(Action::Confer, &unit.path)?;
    if c.status != CommendationStatus::Conferred {
        return Err(FieldError::new(
            "id",
            UserErrorCode::InvalidTransition,
            "only a conferred record is corrected; this one is still in the workflow",
        )
        .into());
    }
    let mut diff = Map::new();
    let mut changes: Vec<(commendation::Column, Value)> = vec![];
    let mut note = |field: &str, from: serde_json::Value, to: serde_json::Value| {
        if from != to {
            diff.insert(field.into(), json!({"from": from, "to": to}));
            true
        } else {
            false
        }
    };
    let number = fix
        .decision_number
        .map(|n| n.as_str().to_owned())
        .or(c.decision_number.clone());
    let authority = fix
        .issuing_authority
        .map(Title::into_inner)
        .or(c.issuing_authority.clone());
    let date = fix.decision_date.or(c.decision_date);
    if let Some(d) = date {
        check_decision_date(d)?;
    }
    if note("decisionNumber", json!(c.decision_number), json!(number)) {
        changes.push((commendation::Column::DecisionNumber, number.clone().into()));
        changes.push((
            commendation::Column::DecisionKey,
            number.as_deref().map(decision_key).into(),
        ));
    }
    if note(
        "issuingAuthority",
        json!(c.issuing_authority),
        json!(authority),
    ) {
        changes.push((
            commendation::Column::IssuingAuthority,
            authority.clone().into(),
        ));
        changes.push((
            commendation::Column::AuthorityKey,
            authority.as_deref().map(decision_key).into(),
        ));
    }
    if note("decisionDate", json!(c.decision_date), json!(date)) {
        changes.push((commendation::Column::DecisionDate, date.into()));
        changes.push((
            commendation::Column::DecisionYear,
            date.map(|d| d.year()).into(),
        ));
    }
    if let Some(name) = fix.person_name {
        if c.person_name.is_none() {
            return Err(FieldError::new(
                "personName",
                UserErrorCode::InvalidFormat,
                "the recipient is not a named person",
            )
            .into());
        }
        if note("personName", json!(c.person_name), json!(name.as_str())) {
            changes.push((
                commendation::Column::PersonName,
                Some(name.as_str().to_owned()).into(),
            ));
            changes.push((
                commendation::Column::RecipientKey,
                recipient_key(RecipientType::Person, c.unit_id, None, Some(name.as_str())).into(),
            ));
        }
    }
    if let Some(p) = fix.person_position
        && note(
            "personPosition",
            json!(c.person_position),
            json!(p.as_str()),
        )
    {
        changes.push((
            commendation::Column::PersonPosition,
            Some(p.into_inner()).into(),
        ));
    }
    if let Some(dw) = fix.is_direct_worker {
        let dw = dw && c.is_individual;
        if note("isDirectWorker", json!(c.is_direct_worker), json!(dw)) {
            changes.push((commendation::Column::IsDirectWorker, dw.into()));
        }
    }
    if let Some(ct) = fix.citation
        && note("citation", json!(c.citation), json!(ct.as_str()))
    {
        changes.push((commendation::Column::Citation, Some(ct.into_inner()).into()));
    }
    if changes.is_empty() {
        return Err(FieldError::new(
            "",
            UserErrorCode::Required,
            "the correction changes nothing",
        )
        .into());
    }
    if let (Some(a), Some(n)) = (&authority, &number)
        && (diff.contains_key("decisionNumber") || diff.contains_key("issuingAuthority"))
        && decision_taken(db, &decision_key(a), &decision_key(n), c.id).await?
    {
        return Err(duplicate_decision());
    }
    let saved = save(db, &c, changes).await?;
    record_correction(
        db,
        actor,
        id,
        AuditAction::Correct,
        &reason,
        serde_json::Value::Object(diff),
    )
    .await?;
    Ok(saved)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<commendation::Model>, StoreError> {
    finder::by_ids(db, commendation::Column::Id, ids, &[]).await
}

pub async fn corrections_by_commendation_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<commendation_correction::Model>, StoreError> {
    use commendation_correction::Column as C;
    finder::by_ids(db, C::CommendationId, ids, &[asc(C::At)]).await
}

/// Commendations linked to these models (as recipient or link), newest first.
pub async fn by_exemplar_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<commendation::Model>, StoreError> {
    use commendation::Column as C;
    finder::by_ids(db, C::ExemplarId, ids, &[desc(C::Id)]).await
}

#[derive(Debug, Clone, Default)]
pub struct CommendationFilter {
    pub status: Option<CommendationStatus>,
    /// Recipients whose unit lies in this subtree.
    pub subtree_path: Option<String>,
    pub award_type_id: Option<Uuid>,
    pub exemplar_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub decision_year: Option<i32>,
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
    let mut type_ids: Vec<Uuid> = items.iter().map(|c| c.award_type_id).collect();
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

#[derive(Debug, FromQueryResult)]
struct CountRow {
    n: i64,
}

/// Target 3, counted in SQL: distinct exemplary models holding a conferred central-level
/// commendation whose decision date lies in [from, to]. A model honoured twice counts once.
pub async fn central_honoured_exemplars(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(DISTINCT c.exemplar_id) AS n FROM commendations c \
        JOIN award_types t ON t.id = c.award_type_id \
        WHERE c.status = ? AND c.decision_date >= ? AND c.decision_date <= ? \
        AND c.exemplar_id IS NOT NULL AND t.level = ?";
    let values: Vec<Value> = vec![
        CommendationStatus::Conferred.into(),
        from.into(),
        to.into(),
        AwardLevel::Central.into(),
    ];
    let row = CountRow::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
        .one(db)
        .await?;
    Ok(row.map_or(0, |r| r.n))
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct YearShare {
    pub year: i32,
    pub individual: i64,
    pub direct_workers: i64,
}

/// The seed's named weakness, per decision year: of the conferred commendations that went
/// to individuals, how many went to direct (front-line) workers. Grouped in SQL.
pub async fn direct_worker_share(
    db: &impl ConnectionTrait,
    from_year: i32,
    to_year: i32,
) -> Result<Vec<YearShare>, StoreError> {
    let sql = "SELECT decision_year AS year, COUNT(*) AS individual, \
        SUM(CASE WHEN is_direct_worker THEN 1 ELSE 0 END) AS direct_workers \
        FROM commendations WHERE status = ? AND is_individual = ? \
        AND decision_year >= ? AND decision_year <= ? \
        GROUP BY decision_year ORDER BY decision_year";
    let values: Vec<Value> = vec![
        CommendationStatus::Conferred.into(),
        true.into(),
        from_year.into(),
        to_year.into(),
    ];
    Ok(
        YearShare::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
            .all(db)
            .await?,
    )
}
