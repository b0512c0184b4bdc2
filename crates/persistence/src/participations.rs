//! Participation: units registering for (and withdrawing from) launched campaigns.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::campaign::CampaignStatus;
use thidua_domain::id::ParticipationId;
use thidua_domain::id::{CampaignId, UnitId};
use thidua_domain::msg;
use thidua_domain::participation::{ParticipationStatus, check_register, check_withdraw};
use thidua_domain::text::LongText;
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{campaign, participation};
use crate::error::StoreError;
use crate::finder::finders;
use crate::org_units;
use crate::{audit, changes, progress_rollups};

finders! {
    pub fn by_campaign_ids(ids: &[CampaignId]) in participation::CampaignId, asc(RegisteredAt);
    pub fn by_ids(ids: &[ParticipationId]) in participation::Id;
}

async fn load(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaign_id: Uuid,
    unit_id: Uuid,
) -> Result<(CampaignStatus, Option<participation::Model>, String), StoreError> {
    let c = campaign::Entity::find_by_id(campaign_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            FieldError::new(
                "campaignId",
                UserErrorCode::UnknownReference,
                msg!(
                    "unknown-reference",
                    what = thidua_domain::MessageArg::word("thing", "campaign")
                ),
            )
        })?;
    let unit = org_units::sent(db, UnitId::from_uuid(unit_id), "unitId").await?;
    actor.authorize(Action::ManageParticipation, &unit.path)?;
    if !unit.is_active {
        return Err(
            FieldError::new("unitId", UserErrorCode::Inactive, msg!("unit-inactive")).into(),
        );
    }
    let existing = participation::Entity::find()
        .filter(participation::Column::CampaignId.eq(campaign_id))
        .filter(participation::Column::UnitId.eq(unit_id))
        .one(db)
        .await?;
    Ok((c.status, existing, unit.path))
}

fn status_of(p: &Option<participation::Model>) -> Option<ParticipationStatus> {
    p.as_ref().map(|p| p.status)
}

pub async fn register(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaign_id: CampaignId,
    unit_id: UnitId,
    pledge: Option<LongText>,
) -> Result<participation::Model, StoreError> {
    let (campaign_status, existing, unit_path) =
        load(db, actor, campaign_id.uuid(), unit_id.uuid()).await?;
    check_register(campaign_status, status_of(&existing))?;
    let now = Utc::now();
    let pledge = pledge.map(LongText::into_inner);
    let saved = match existing {
        Some(p) => {
            let mut am = p.into_active_model();
            am.status = Set(ParticipationStatus::Registered);
            am.pledge = Set(pledge);
            am.registered_at = Set(now);
            am.withdrawn_at = Set(None);
            am.updated_at = Set(now);
            am.update(db).await?
        }
        None => participation::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(campaign_id.uuid()),
            unit_id: Set(unit_id.uuid()),
            pledge: Set(pledge),
            status: Set(ParticipationStatus::Registered),
            registered_at: Set(now),
            withdrawn_at: Set(None),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(|e| {
            if crate::error::is_unique_violation(&e) {
                StoreError::Invalid(FieldError::new(
                    "unitId",
                    UserErrorCode::AlreadyRegistered,
                    msg!("already-registered"),
                ))
            } else {
                e.into()
            }
        })?,
    };
    // The unit's rollups of earlier registrations count again.
    progress_rollups::registration_changed(db, saved.campaign_id, saved.unit_id, 1).await?;
    changes::record(
        db,
        changes::ChangeEntity::Participation,
        saved.id,
        changes::ChangeOp::Upsert,
        Some(&unit_path),
        None,
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Participation,
        saved.id,
        AuditAction::Register,
        json!({"campaign": campaign_id, "unit": unit_id}),
    )
    .await?;
    participation_event(
        db,
        actor,
        &saved,
        &unit_path,
        crate::outbox::EventKind::ParticipationRegistered,
    )
    .await?;
    Ok(saved)
}

pub async fn withdraw(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaign_id: CampaignId,
    unit_id: UnitId,
) -> Result<participation::Model, StoreError> {
    let (campaign_status, existing, unit_path) =
        load(db, actor, campaign_id.uuid(), unit_id.uuid()).await?;
    check_withdraw(campaign_status, status_of(&existing))?;
    let Some(p) = existing else {
        return Err(StoreError::NotFound("participation"));
    };
    // Taken away while the participation still counts.
    progress_rollups::registration_changed(db, p.campaign_id, p.unit_id, -1).await?;
    let now = Utc::now();
    let mut am = p.into_active_model();
    am.status = Set(ParticipationStatus::Withdrawn);
    am.withdrawn_at = Set(Some(now));
    am.updated_at = Set(now);
    let saved = am.update(db).await?;
    changes::record(
        db,
        changes::ChangeEntity::Participation,
        saved.id,
        changes::ChangeOp::Tombstone,
        Some(&unit_path),
        None,
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Participation,
        saved.id,
        AuditAction::Withdraw,
        json!({"campaign": campaign_id, "unit": unit_id}),
    )
    .await?;
    participation_event(
        db,
        actor,
        &saved,
        &unit_path,
        crate::outbox::EventKind::ParticipationWithdrawn,
    )
    .await?;
    Ok(saved)
}

async fn participation_event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    p: &participation::Model,
    unit_path: &str,
    kind: crate::outbox::EventKind,
) -> Result<(), StoreError> {
    let subject = json!({"participation": p.id, "campaign": p.campaign_id, "unit": p.unit_id});
    let event = crate::outbox::by_actor(
        actor,
        kind,
        subject,
        unit_path,
        json!({"status": p.status.as_str()}),
    );
    crate::outbox::record(db, event).await?;
    Ok(())
}
