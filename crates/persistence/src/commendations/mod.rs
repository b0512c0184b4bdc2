//! Commendations, one module per workflow stage: nomination, council review and ballot,
//! decision (confer, reject, revoke), recorded corrections, and the queries that list them.
//! The counts behind target 3 and the direct-worker indicator live in
//! [`crate::target_counts`] beside the snapshots; they are re-exported here for callers.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Value};
use thidua_domain::access::{Action, Actor};
use thidua_domain::commendation::{self as rules, CommendationStatus};
use thidua_domain::id::UnitId;
use thidua_domain::msg;
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::db_error::{unique, unique_violation};
use crate::entities::{award_type, commendation};
use crate::error::StoreError;
use crate::{awards, org_units};

mod correction;
mod decision;
mod nominate;
mod queries;
mod review;

pub use crate::target_counts::{YearShare, direct_worker_share};
pub use correction::{Correction, correct};
pub use decision::{
    Decision, confer, decline_upward, propose_upward, record_conferred, record_upward_decision,
    reject, revoke,
};
pub use nominate::{Nomination, Recipient, nominate};
pub(crate) use queries::condition;
pub use queries::{
    CommendationFilter, Nominee, PrerequisiteStatus, by_exemplar_ids, by_ids, by_person_ids,
    corrections_by_commendation_ids, list, prerequisite_statuses,
};
pub use review::{record_ballot, submit_for_review};

async fn award(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<award_type::Model>, StoreError> {
    Ok(
        awards::by_ids(db, &[thidua_domain::id::AwardTypeId::from_uuid(id)])
            .await?
            .into_iter()
            .next(),
    )
}

/// Loads a commendation for a change by `action`, checking the move from its status.
async fn for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    action: Action,
    to: CommendationStatus,
) -> Result<(commendation::Model, CommendationStatus), StoreError> {
    let c = by_ids(db, &[thidua_domain::id::CommendationId::from_uuid(id)])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("commendation"))?;
    let unit = org_units::referenced(db, UnitId::from_uuid(c.unit_id)).await?;
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
    crate::commendation_totals::lock(db).await?;
    let counted = changes.iter().any(|(col, _)| counted_column(*col));
    if counted {
        // Taken away as the row is now: nothing if another writer changed it first (the
        // update below then changes nothing either and answers CONFLICT).
        crate::commendation_totals::changing(db, c.id, c.version, -1).await?;
    }
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
        return Err(StoreError::Conflict(msg!("commendation-changed")));
    }
    if counted {
        crate::commendation_totals::changing(db, c.id, c.version + 1, 1).await?;
    }
    let saved = by_ids(db, &[thidua_domain::id::CommendationId::from_uuid(c.id)])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("commendation"))?;
    if saved.status != c.status {
        status_event(db, &saved, Some(c.status)).await?;
    }
    Ok(saved)
}

/// Whether `commendation_totals` counts by this column (see
/// `thidua_migrations::commendation_totals_sql`): a change to it moves the totals.
fn counted_column(col: commendation::Column) -> bool {
    use commendation::Column as C;
    matches!(
        col,
        C::AwardYear
            | C::Status
            | C::AwardTypeId
            | C::Kind
            | C::RecipientType
            | C::IsIndividual
            | C::IsDirectWorker
            | C::UnitId
    )
}

/// Records a commendation's new status in the outbox (`from` is none for a nomination).
pub(crate) async fn status_event(
    db: &impl ConnectionTrait,
    c: &commendation::Model,
    from: Option<CommendationStatus>,
) -> Result<(), StoreError> {
    let path = crate::outbox::path_of(db, c.unit_id).await?;
    let event = crate::outbox::NewEvent::new(
        crate::outbox::EventKind::CommendationStatusChanged,
        serde_json::json!({"commendation": c.id, "unit": c.unit_id}),
    )
    .unit(&path)
    .body(serde_json::json!({"from": from.map(|s| s.as_str()), "to": c.status.as_str()}));
    crate::outbox::record(db, event).await?;
    Ok(())
}

/// Saves `changes` as [`save`] does and records `action`, with `detail`, in the audit trail.
async fn save_audited(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: &commendation::Model,
    changes: Vec<(commendation::Column, Value)>,
    action: AuditAction,
    detail: serde_json::Value,
) -> Result<commendation::Model, StoreError> {
    let saved = save(db, c, changes).await?;
    audit::record(db, actor, AuditEntity::Commendation, c.id, action, detail).await?;
    Ok(saved)
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
        msg!("nomination-duplicate"),
    )
    .into()
}

fn duplicate_decision() -> StoreError {
    FieldError::new(
        "decisionNumber",
        UserErrorCode::DuplicateDecisionNumber,
        msg!("decision-number-taken"),
    )
    .into()
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
