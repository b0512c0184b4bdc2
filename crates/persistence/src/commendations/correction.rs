//! Corrections of conferred records, each kept with its before, after and reason.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set, Value};
use serde_json::{Map, json};
use thidua_domain::access::{Action, Actor};
use thidua_domain::commendation::{
    CommendationStatus, DecisionNumber, check_decision_date, decision_key,
};
use thidua_domain::id::CommendationId;
use thidua_domain::id::UnitId;
use thidua_domain::msg;
use thidua_domain::text::{LongText, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use super::{by_ids, decision_taken, duplicate_decision, save};
use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{commendation, commendation_correction};
use crate::error::StoreError;
use crate::{audit, org_units};

/// Keeps a change to a conferred record (its fields' before and after, and why) beside the
/// record and in the audit trail.
pub(super) async fn record_correction(
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
    id: CommendationId,
    reason: &str,
    fix: Correction,
) -> Result<commendation::Model, StoreError> {
    let reason = LongText::parse_required(reason, msg!("correction-reason-required"))
        .map_err(|e| e.under("reason"))?;
    let c = by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("commendation"))?;
    let unit = org_units::referenced(db, UnitId::from_uuid(c.unit_id)).await?;
    actor.authorize(Action::Confer, &unit.path)?;
    if c.status != CommendationStatus::Conferred {
        return Err(FieldError::new(
            "id",
            UserErrorCode::InvalidTransition,
            msg!("correction-not-conferred"),
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
                msg!("correction-not-person"),
            )
            .into());
        }
        if note("personName", json!(c.person_name), json!(name.as_str())) {
            changes.push((
                commendation::Column::PersonName,
                Some(name.as_str().to_owned()).into(),
            ));
            changes.push((
                commendation::Column::SearchText,
                crate::search::search_text([name.as_str()]).into(),
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
        return Err(FieldError::new("", UserErrorCode::Required, msg!("correction-empty")).into());
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
        id.uuid(),
        AuditAction::Correct,
        &reason,
        serde_json::Value::Object(diff),
    )
    .await?;
    Ok(saved)
}
