//! Sessions of the Emulation and Commendation Council (Hội đồng Thi đua – Khen thưởng):
//! who sat on it, because every threshold is a share of all its members.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::id::CouncilSessionId;
use thidua_domain::msg;
use thidua_domain::text::Title;
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{council_member, council_session};
use crate::error::StoreError;
use crate::finder::finders;
use crate::page::{Page, PageRequest};

pub struct NewMember {
    pub name: Title,
    pub position: Option<Title>,
}

pub const MAX_MEMBERS: usize = 200;

pub async fn create_session(
    db: &impl ConnectionTrait,
    actor: &Actor,
    title: Title,
    held_on: NaiveDate,
    members: Vec<NewMember>,
) -> Result<council_session::Model, StoreError> {
    crate::org_units::authorize_everywhere(db, actor, Action::CouncilVote).await?;
    if members.is_empty() {
        return Err(FieldError::new(
            "members",
            UserErrorCode::Required,
            msg!("council-members-required"),
        )
        .into());
    }
    if members.len() > MAX_MEMBERS {
        return Err(FieldError::new(
            "members",
            UserErrorCode::TooMany,
            msg!("council-too-many-members", max = MAX_MEMBERS),
        )
        .into());
    }
    let id = Uuid::now_v7();
    let count = i32::try_from(members.len()).unwrap_or(i32::MAX);
    let saved = council_session::ActiveModel {
        id: Set(id),
        title: Set(title.into_inner()),
        held_on: Set(held_on),
        member_count: Set(count),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    let rows: Vec<council_member::ActiveModel> = (0..)
        .zip(members)
        .map(|(i, m)| council_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(id),
            name: Set(m.name.into_inner()),
            position: Set(m.position.map(Title::into_inner)),
            sort_order: Set(i),
        })
        .collect();
    council_member::Entity::insert_many(rows).exec(db).await?;
    audit::record(
        db,
        actor,
        AuditEntity::CouncilSession,
        id,
        AuditAction::Create,
        json!({"members": count}),
    )
    .await?;
    Ok(saved)
}

finders! {
    pub fn by_ids(ids: &[CouncilSessionId]) in council_session::Id;
    pub fn members_by_session_ids(ids: &[CouncilSessionId]) in council_member::SessionId, asc(SortOrder);
}

/// Newest first (ids are UUID v7).
pub async fn list(
    db: &impl ConnectionTrait,
    page: &PageRequest,
) -> Result<Page<council_session::Model>, StoreError> {
    let mut q = council_session::Entity::find();
    if let Some(after) = &page.after {
        q = q.filter(council_session::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(council_session::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.first))
}
