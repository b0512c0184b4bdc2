//! Decisions on a reviewed nomination: conferral by a numbered decision of the council's
//! unit, or a proposal to the higher authority that decides the award and that
//! authority's answer; rejection without a ballot; revocation of a conferred honour; and
//! honours a central body conferred on its own initiative, recorded without a ballot.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::commendation::{
    CommendationStatus, DecisionNumber, check_confer_authority, check_decision_date,
    check_direct_record, check_proposal, decision_key,
};
use thidua_domain::id::{CommendationId, CouncilSessionId, UnitId};
use thidua_domain::msg;
use thidua_domain::text::{LongText, Title};
use thidua_domain::{FieldError, MessageArg, UserErrorCode};

use super::correction::record_correction;
use super::nominate::{Nomination, nominate};
use super::{award, decision_taken, duplicate_decision, for_change, save, save_audited};
use crate::audit::AuditAction;
use crate::entities::{award_type, commendation};
use crate::error::StoreError;
use crate::{council, org_units};

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

#[derive(Debug, Clone)]
pub struct Decision {
    pub number: DecisionNumber,
    pub date: NaiveDate,
    /// Defaults to the award type's conferring authority.
    pub authority: Option<Title>,
}

/// An approved commendation is conferred by a decision of the council's unit; from now on
/// it is locked. An award decided above that unit is refused (OUTSIDE_AUTHORITY): it is
/// proposed upward instead.
pub async fn confer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    d: Decision,
) -> Result<commendation::Model, StoreError> {
    decide(db, actor, id, d, CommendationStatus::Approved).await
}

/// The higher authority conferred a commendation proposed to it, by its own decision.
pub async fn record_upward_decision(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    d: Decision,
) -> Result<commendation::Model, StoreError> {
    decide(db, actor, id, d, CommendationStatus::ProposedUpward).await
}

/// The authority level of the council that approved `c`.
async fn council_authority(
    db: &impl ConnectionTrait,
    c: &commendation::Model,
) -> Result<Option<thidua_domain::award::AwardLevel>, StoreError> {
    let session = match c.session_id {
        Some(s) => council::by_ids(db, &[CouncilSessionId::from_uuid(s)])
            .await?
            .into_iter()
            .next(),
        None => None,
    }
    .ok_or(StoreError::NotFound("council session"))?;
    Ok(council::unit_of(db, &session).await?.1)
}

async fn decide(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    d: Decision,
    expected: CommendationStatus,
) -> Result<commendation::Model, StoreError> {
    check_decision_date(d.date)?;
    let (c, from) = for_change(
        db,
        actor,
        id.uuid(),
        Action::Confer,
        CommendationStatus::Conferred,
    )
    .await?;
    if from != expected {
        return Err(FieldError::new(
            "id",
            UserErrorCode::InvalidTransition,
            msg!(
                "decision-commendation-not",
                from = MessageArg::word("commendation-status", from.as_str()),
                expected = MessageArg::word("commendation-status", expected.as_str())
            ),
        )
        .into());
    }
    let at = award(db, c.award_type_id)
        .await?
        .ok_or(StoreError::NotFound("award type"))?;
    if from == CommendationStatus::Approved {
        check_confer_authority(council_authority(db, &c).await?, at.deciding_level)?;
    }
    if c.proposed_on.is_some_and(|p| d.date < p) {
        return Err(FieldError::new(
            "decisionDate",
            UserErrorCode::OutOfRange,
            msg!("decision-decision-cannot-dated-before"),
        )
        .into());
    }
    write_conferral(db, actor, &c, &at, d, false).await
}

/// Writes the decision onto `c` and marks it CONFERRED, audited.
async fn write_conferral(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: &commendation::Model,
    at: &award_type::Model,
    d: Decision,
    directly: bool,
) -> Result<commendation::Model, StoreError> {
    let authority = d
        .authority
        .map_or(at.conferring_authority.clone(), Title::into_inner);
    let (akey, nkey) = (decision_key(&authority), d.number.key());
    if decision_taken(db, &akey, &nkey, c.id).await? {
        return Err(duplicate_decision());
    }
    let action = if directly {
        AuditAction::RecordConferred
    } else {
        AuditAction::Confer
    };
    save_audited(
        db,
        actor,
        c,
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
            (commendation::Column::RecordedDirectly, directly.into()),
        ],
        action,
        json!({"decisionNumber": d.number.as_str(), "decisionDate": d.date, "authority": authority}),
    )
    .await
}

/// Sends an approved commendation's dossier, dated `proposed_on`, to the higher authority
/// that decides the award; only for an award decided above the council's unit.
pub async fn propose_upward(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    proposed_on: NaiveDate,
) -> Result<commendation::Model, StoreError> {
    check_decision_date(proposed_on).map_err(|mut e| {
        e.field = "proposedOn".into();
        e
    })?;
    let (c, _) = for_change(
        db,
        actor,
        id.uuid(),
        Action::Confer,
        CommendationStatus::ProposedUpward,
    )
    .await?;
    let at = award(db, c.award_type_id)
        .await?
        .ok_or(StoreError::NotFound("award type"))?;
    check_proposal(council_authority(db, &c).await?, at.deciding_level)?;
    save_audited(
        db,
        actor,
        &c,
        vec![
            (
                commendation::Column::Status,
                CommendationStatus::ProposedUpward.into(),
            ),
            (commendation::Column::ProposedOn, Some(proposed_on).into()),
        ],
        AuditAction::ProposeUpward,
        json!({"proposedOn": proposed_on, "decidingLevel": at.deciding_level.as_str()}),
    )
    .await
}

/// The higher authority declined a proposal; the commendation no longer stands and the
/// recipient may be nominated again.
pub async fn decline_upward(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    reason: &str,
) -> Result<commendation::Model, StoreError> {
    let reason = LongText::parse_required(reason, msg!("decision-say-why-higher-authority"))
        .map_err(|e| e.under("reason"))?;
    let (c, _) = for_change(
        db,
        actor,
        id.uuid(),
        Action::Confer,
        CommendationStatus::DeclinedUpward,
    )
    .await?;
    save_audited(
        db,
        actor,
        &c,
        vec![
            (
                commendation::Column::Status,
                CommendationStatus::DeclinedUpward.into(),
            ),
            (
                commendation::Column::DeclinedReason,
                Some(reason.as_str().to_owned()).into(),
            ),
        ],
        AuditAction::DeclineUpward,
        json!({"reason": reason.as_str()}),
    )
    .await
}

/// Records an honour a ministry or central body conferred on its own initiative: the same
/// checks as a nomination, then CONFERRED at once by its decision, without a ballot.
/// Anything the province decides is refused (BALLOT_REQUIRED). Administrators only.
pub async fn record_conferred(
    db: &impl ConnectionTrait,
    actor: &Actor,
    n: Nomination,
    d: Decision,
) -> Result<commendation::Model, StoreError> {
    check_decision_date(d.date)?;
    if let Some(at) = award(db, n.award_type_id.uuid()).await? {
        check_direct_record(at.deciding_level)?;
    }
    let c = nominate(db, actor, n).await?;
    let unit = org_units::referenced(db, UnitId::from_uuid(c.unit_id)).await?;
    actor.authorize(Action::Confer, &unit.path)?;
    let at = award(db, c.award_type_id)
        .await?
        .ok_or(StoreError::NotFound("award type"))?;
    write_conferral(db, actor, &c, &at, d, true).await
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
