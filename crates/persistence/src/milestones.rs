//! Milestones of campaigns and of programmes.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::campaign::CampaignStatus;
use thidua_domain::id::{CampaignId, MilestoneId, ProgrammeId, UnitId};
use thidua_domain::milestone::MilestoneKind;
use thidua_domain::msg;
use thidua_domain::text::{LongText, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{campaign, milestone, programme};
use crate::error::StoreError;
use crate::finder::finders;
use crate::org_units;
use crate::{audit, changes};

finders! {
    pub fn by_campaign_ids(ids: &[CampaignId]) in milestone::CampaignId, asc(DueDate), asc(Id);
    pub fn by_programme_ids(ids: &[ProgrammeId]) in milestone::ProgrammeId, asc(DueDate), asc(Id);
    pub fn by_ids(ids: &[MilestoneId]) in milestone::Id;
}

#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Campaign(CampaignId),
    Programme(ProgrammeId),
}

/// Checks the caller may manage milestones of `owner` (locking a campaign owner's row).
async fn authorize_owner(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owner: Owner,
    adding: bool,
) -> Result<(), StoreError> {
    match owner {
        Owner::Campaign(id) => {
            // Locked, so a concurrent launch or close cannot change the status under us.
            let c = crate::campaigns::lock(db, id.uuid()).await?;
            let unit = org_units::referenced(db, UnitId::from_uuid(c.launching_unit_id)).await?;
            actor.authorize(Action::ManageCampaign, &unit.path)?;
            if adding && !matches!(c.status, CampaignStatus::Draft | CampaignStatus::Launched) {
                return Err(FieldError::new(
                    "campaignId",
                    UserErrorCode::InvalidTransition,
                    msg!("milestone-campaign-state"),
                )
                .into());
            }
        }
        Owner::Programme(id) => {
            let p = programme::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(StoreError::NotFound("programme"))?;
            let unit = org_units::referenced(db, UnitId::from_uuid(p.owner_unit_id)).await?;
            actor.authorize(Action::ManageProgramme, &unit.path)?;
        }
    }
    Ok(())
}

pub async fn add(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owner: Owner,
    kind: MilestoneKind,
    title: Title,
    due_date: NaiveDate,
) -> Result<milestone::Model, StoreError> {
    authorize_owner(db, actor, owner, true).await?;
    let (campaign_id, programme_id) = match owner {
        Owner::Campaign(id) => (Some(id), None),
        Owner::Programme(id) => (None, Some(id)),
    };
    let id = Uuid::now_v7();
    let saved = milestone::ActiveModel {
        id: Set(id),
        campaign_id: Set(campaign_id.map(uuid::Uuid::from)),
        programme_id: Set(programme_id.map(uuid::Uuid::from)),
        kind: Set(kind),
        title: Set(title.into_inner()),
        due_date: Set(due_date),
        completed_at: Set(None),
        completed_by: Set(None),
        note: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    record_change(db, &saved).await?;
    milestone_event(db, actor, &saved, crate::outbox::EventKind::MilestoneAdded).await?;
    audit::record(db, actor, AuditEntity::Milestone, id, AuditAction::Create, json!({"title": saved.title, "dueDate": saved.due_date, "campaign": campaign_id, "programme": programme_id})).await?;
    Ok(saved)
}

pub async fn complete(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: MilestoneId,
    note: Option<LongText>,
) -> Result<milestone::Model, StoreError> {
    let m = milestone::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("milestone"))?;
    let owner = match (m.campaign_id, m.programme_id) {
        (Some(c), _) => Owner::Campaign(CampaignId::from_uuid(c)),
        (None, Some(p)) => Owner::Programme(ProgrammeId::from_uuid(p)),
        (None, None) => return Err(StoreError::NotFound("milestone")),
    };
    authorize_owner(db, actor, owner, false).await?;
    if m.completed_at.is_some() {
        return Err(FieldError::new(
            "id",
            UserErrorCode::AlreadyCompleted,
            msg!("milestone-done"),
        )
        .into());
    }
    let mut am = m.into_active_model();
    am.completed_at = Set(Some(Utc::now()));
    am.completed_by = Set(actor.user_id);
    am.note = Set(note.map(LongText::into_inner));
    let saved = am.update(db).await?;
    record_change(db, &saved).await?;
    milestone_event(
        db,
        actor,
        &saved,
        crate::outbox::EventKind::MilestoneCompleted,
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Milestone,
        id.uuid(),
        AuditAction::Complete,
        json!({"title": saved.title}),
    )
    .await?;
    Ok(saved)
}

/// Milestones of running (or finished) campaigns are part of what phones sync; drafts are not.
async fn record_change(db: &impl ConnectionTrait, m: &milestone::Model) -> Result<(), StoreError> {
    let Some(cid) = m.campaign_id else {
        return Ok(());
    };
    let status = campaign::Entity::find_by_id(cid)
        .one(db)
        .await?
        .map(|c| c.status);
    if matches!(
        status,
        Some(CampaignStatus::Launched | CampaignStatus::Closed)
    ) {
        changes::record(
            db,
            changes::ChangeEntity::Milestone,
            m.id,
            changes::ChangeOp::Upsert,
            None,
            None,
        )
        .await?;
    }
    Ok(())
}

/// Records a milestone added or completed in the outbox. Milestones are province-wide;
/// the unit is the campaign's launching unit or the programme's owner.
async fn milestone_event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    m: &milestone::Model,
    kind: crate::outbox::EventKind,
) -> Result<(), StoreError> {
    let event = crate::outbox::milestone(db, m, kind)
        .await?
        .request(&actor.request_id);
    crate::outbox::record(db, event).await?;
    Ok(())
}
