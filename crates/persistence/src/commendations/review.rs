//! Council review: a nomination goes before a session of a council whose unit's subtree
//! holds the recipient, and the session's secret ballot decides it.

use sea_orm::ConnectionTrait;
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::award::Threshold;
use thidua_domain::commendation::{CommendationStatus, RawTally, Tally};
use thidua_domain::id::{CommendationId, CouncilSessionId, UnitId};
use thidua_domain::msg;
use thidua_domain::org_unit::is_within;
use thidua_domain::text::LongText;
use thidua_domain::{FieldError, UserErrorCode};

use super::{award, for_change, save_audited};
use crate::audit::AuditAction;
use crate::entities::commendation;
use crate::error::StoreError;
use crate::{council, org_units};

fn unknown(field: &str, what: &str) -> StoreError {
    FieldError::new(
        field,
        UserErrorCode::UnknownReference,
        msg!(
            "unknown-reference",
            what = thidua_domain::MessageArg::word("thing", what)
        ),
    )
    .into()
}

/// Puts a nomination before a council session.
pub async fn submit_for_review(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    session_id: CouncilSessionId,
) -> Result<commendation::Model, StoreError> {
    let (c, _) = for_change(
        db,
        actor,
        id.uuid(),
        Action::CouncilVote,
        CommendationStatus::UnderReview,
    )
    .await?;
    let Some(session) = council::by_ids(db, &[session_id]).await?.into_iter().next() else {
        return Err(unknown("sessionId", "council session"));
    };
    let (council_unit, _) = council::unit_of(db, &session).await?;
    actor.authorize(Action::CouncilVote, &council_unit.path)?;
    let unit = org_units::referenced(db, UnitId::from_uuid(c.unit_id)).await?;
    if !is_within(&unit.path, &council_unit.path) {
        return Err(FieldError::new(
            "sessionId",
            UserErrorCode::OutsideAuthority,
            msg!("review-recipient-not-subtree-council"),
        )
        .into());
    }
    save_audited(
        db,
        actor,
        &c,
        vec![
            (
                commendation::Column::Status,
                CommendationStatus::UnderReview.into(),
            ),
            (
                commendation::Column::SessionId,
                Some(session_id.uuid()).into(),
            ),
        ],
        AuditAction::Review,
        json!({"session": session_id}),
    )
    .await
}

/// Records a secret ballot's tallies; the award's threshold over all members of the
/// session decides APPROVED or REJECTED.
pub async fn record_ballot(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CommendationId,
    raw_tally: RawTally,
    note: Option<LongText>,
) -> Result<commendation::Model, StoreError> {
    let (c, _) = for_change(
        db,
        actor,
        id.uuid(),
        Action::CouncilVote,
        CommendationStatus::Approved,
    )
    .await?;
    let session = match c.session_id {
        Some(s) => council::by_ids(db, &[thidua_domain::id::CouncilSessionId::from_uuid(s)])
            .await?
            .into_iter()
            .next(),
        None => None,
    }
    .ok_or(StoreError::NotFound("council session"))?;
    let (council_unit, _) = council::unit_of(db, &session).await?;
    actor.authorize(Action::CouncilVote, &council_unit.path)?;
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
    save_audited(
        db,
        actor,
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
        AuditAction::Ballot,
        json!({"members": tally.members, "present": tally.present, "inWriting": tally.in_writing,
               "yes": tally.yes, "no": tally.no, "abstain": tally.abstain, "result": status.as_str()}),
    )
    .await
}
