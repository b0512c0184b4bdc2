//! Daily snapshots of every target's value, so a dashboard can draw its line over time.
//! Taking one twice on a day replaces that day's value.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use thidua_domain::access::{Action, Actor};
use thidua_domain::id::TargetId;
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{target, target_snapshot};
use crate::error::StoreError;
use crate::finder::finders;
use crate::programme;

/// Renders a target's note for storage (the API's catalogue; persistence has no texts).
pub type RenderNote<'a> = &'a (dyn Fn(&thidua_domain::Message) -> String + Sync);

/// Computes every target as of `today` and stores the values, each note rendered with
/// `render`; returns how many were taken.
pub async fn take(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    render: RenderNote<'_>,
) -> Result<usize, StoreError> {
    let targets = target::Entity::find().all(db).await?;
    let ids: Vec<thidua_domain::id::TargetId> = targets
        .iter()
        .map(|t| thidua_domain::id::TargetId::from_uuid(t.id))
        .collect();
    let values = programme::values_by_target_ids(db, &ids).await?;
    let mut computed = crate::current_values::current_values(db, &targets, &values, today).await?;
    for t in &targets {
        let current = computed
            .remove(&t.id)
            .ok_or(StoreError::NotFound("target"))?;
        // An upsert, so two processes snapshotting the same day cannot collide.
        target_snapshot::Entity::insert(target_snapshot::ActiveModel {
            id: Set(Uuid::now_v7()),
            target_id: Set(t.id),
            taken_on: Set(today),
            value: Set(current.value),
            note: Set(render(&current.note)),
            taken_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::columns([
                target_snapshot::Column::TargetId,
                target_snapshot::Column::TakenOn,
            ])
            .update_columns([
                target_snapshot::Column::Value,
                target_snapshot::Column::Note,
                target_snapshot::Column::TakenAt,
            ])
            .to_owned(),
        )
        .exec(db)
        .await?;
    }
    let event = crate::outbox::NewEvent::new(
        crate::outbox::EventKind::SnapshotTaken,
        serde_json::json!({}),
    )
    .body(serde_json::json!({"on": today, "targets": targets.len()}));
    crate::outbox::record(db, event).await?;
    Ok(targets.len())
}

finders! {
    /// Snapshots of many targets, oldest first.
    pub fn by_target_ids(ids: &[TargetId]) in target_snapshot::TargetId, asc(TakenOn);
}

/// [`take`] on a caller's request: programme administrators of the whole province, audited.
pub async fn take_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: NaiveDate,
    render: RenderNote<'_>,
) -> Result<usize, StoreError> {
    crate::org_units::authorize_everywhere(db, actor, Action::ManageProgramme).await?;
    let n = take(db, today, render).await?;
    crate::audit::record(
        db,
        actor,
        AuditEntity::TargetSnapshot,
        Uuid::nil(),
        AuditAction::Take,
        serde_json::json!({"on": today, "targets": n}),
    )
    .await?;
    Ok(n)
}

/// [`take`] for today's date in Quảng Ninh (Asia/Ho_Chi_Minh).
pub async fn take_today(
    db: &impl ConnectionTrait,
    render: RenderNote<'_>,
) -> Result<usize, StoreError> {
    take(db, thidua_domain::calendar::today(), render).await
}
