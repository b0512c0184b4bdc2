//! Decisions on a reviewed nomination: conferral by a numbered decision, rejection
//! without a ballot, and revocation of a conferred honour.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::commendation::{
    CommendationStatus, DecisionNumber, check_decision_date, decision_key,
};
use thidua_domain::id::CommendationId;
use thidua_domain::msg;
use thidua_domain::text::{LongText, Title};

use super::correction::record_correction;
use super::{award, decision_taken, duplicate_decision, for_change, save, save_audited};
use crate::audit::AuditAction;
use crate::entities::commendation;
use crate::error::StoreError;

/// The council turns a nomination down without a ballot (an incomplete dossier, say).
pub async fn reject(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    reason: &str,
) -> Result<commendation::Model, StoreError> {
    let reason = LongText::parse_required(reason, msg!("reject-reason-required"))
        .map_err(|e| e.under("reason"))?;
    let (c, _) = for_change(
        db,
        actor,
        id.uuid(),
        Action::CouncilVote,
        CommendationStatus::Rejected,
    )
    .await?;
    save_audited(
        db,
        actor,
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
        AuditAction::Reject,
        json!({"reason": reason.as_str()}),
    )
    .await
}

pub struct Decision {
    pub number: DecisionNumber,
    pub date: NaiveDate,
    /// Defaults to the award type's conferring authority.
    pub authority: Option<Title>,
}

/// An approved commendation is conferred by a decision; from now on it is locked.
pub async fn confer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    d: Decision,
) -> Result<commendation::Model, StoreError> {
    check_decision_date(d.date)?;
    let (c, _) = for_change(
        db,
        actor,
        id.uuid(),
        Action::Confer,
        CommendationStatus::Conferred,
    )
    .await?;
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
    save_audited(
        db,
        actor,
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
        AuditAction::Confer,
        json!({"decisionNumber": d.number.as_str(), "decisionDate": d.date, "authority": authority}),
    )
    .await
}

/// Withdraws a conferred honour (thu hồi) with its reason, kept as a correction of the
/// status; from then on it counts for no target, indicator or prerequisite.
pub async fn revoke(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    reason: &str,
) -> Result<commendation::Model, StoreError> {
    let reason = LongText::parse_required(reason, msg!("revoke-reason-required"))
        .map_err(|e| e.under("reason"))?;
    let (c, from) = for_change(
        db,
        actor,
        id.uuid(),
        Action::Confer,
        CommendationStatus::Revoked,
    )
    .await?;
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
    record_correction(db, actor, id.uuid(), AuditAction::Revoke, &reason, changes).await?;
    Ok(saved)
}
