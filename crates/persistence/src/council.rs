//! Sessions of the Emulation and Commendation Council (Hội đồng Thi đua – Khen thưởng):
//! who sat on it, because every threshold is a share of all its members, and whose council
//! it is: a session belongs to a unit, reviews nominations in that unit's subtree and
//! confers what the unit's head decides (Law 06/2022, art. 80).

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::award::AwardLevel;
use thidua_domain::id::{CouncilSessionId, UnitId};
use thidua_domain::msg;
use thidua_domain::text::Title;
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{council_member, council_session, org_unit};
use crate::error::StoreError;
use crate::finder::finders;
use crate::page::{CountQuery, Page, PageRequest};

pub struct NewMember {
    pub name: Title,
    pub position: Option<Title>,
}

pub const MAX_MEMBERS: usize = 200;

/// The authority level of the unit a session belongs to, read from the authority table.
pub async fn authority(
    db: &impl ConnectionTrait,
    unit: &org_unit::Model,
) -> Result<Option<AwardLevel>, StoreError> {
    crate::authorities::of_unit(db, unit).await
}

/// A session's unit with the authority its head holds.
pub async fn unit_of(
    db: &impl ConnectionTrait,
    session: &council_session::Model,
) -> Result<(org_unit::Model, Option<AwardLevel>), StoreError> {
    let unit = crate::org_units::referenced(db, UnitId::from_uuid(session.unit_id)).await?;
    let level = authority(db, &unit).await?;
    Ok((unit, level))
}

/// Records a session of `unit`'s council (the root's when `None`); the caller needs the
/// council right on that unit, not province-wide.
pub async fn create_session(
    db: &impl ConnectionTrait,
    actor: &Actor,
    unit: Option<UnitId>,
    title: Title,
    held_on: NaiveDate,
    members: Vec<NewMember>,
) -> Result<council_session::Model, StoreError> {
    let unit = match unit {
        Some(u) => crate::org_units::sent(db, u, "unitId").await?,
        None => crate::org_units::roots(db)
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("org unit"))?,
    };
    actor.authorize(Action::CouncilVote, &unit.path)?;
    if !unit.is_active {
        return Err(FieldError::new(
            "unitId",
            UserErrorCode::Inactive,
            msg!("council-unit-no-longer-active"),
        )
        .into());
    }
    if authority(db, &unit).await?.is_none() {
        return Err(FieldError::new(
            "unitId",
            UserErrorCode::OutsideAuthority,
            msg!("council-unit-s-head-decides"),
        )
        .into());
    }
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
        unit_id: Set(unit.id),
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
        json!({"members": count, "unit": unit.code}),
    )
    .await?;
    Ok(saved)
}

finders! {
    pub fn by_ids(ids: &[CouncilSessionId]) in council_session::Id;
    pub fn members_by_session_ids(ids: &[CouncilSessionId]) in council_member::SessionId, asc(SortOrder);
}

/// Which sessions a list shows; both conditions apply when both are given.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Sessions of this unit's own council.
    pub unit_id: Option<UnitId>,
    /// Sessions of councils of this path's unit or below it, or below a unit it succeeded.
    pub subtree_path: Option<String>,
}

/// Newest first (ids are UUID v7).
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &SessionFilter,
    page: &PageRequest,
) -> Result<Page<council_session::Model>, StoreError> {
    let filtered = condition(db, filter).await?;
    let mut q = council_session::Entity::find().filter(filtered.clone());
    if let Some(after) = &page.after {
        q = q.filter(council_session::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(council_session::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(council_session::Entity, filtered),
    ))
}

/// The sessions a filter selects, shared by the page and its count (the predecessors of a
/// subtree are looked up once, here).
async fn condition(
    db: &impl ConnectionTrait,
    filter: &SessionFilter,
) -> Result<Condition, StoreError> {
    let mut c = Condition::all();
    if let Some(u) = filter.unit_id {
        c = c.add(council_session::Column::UnitId.eq(u.uuid()));
    }
    if let Some(p) = &filter.subtree_path {
        let mut within = Condition::any()
            .add(council_session::Column::UnitId.in_subquery(crate::org_units::ids_in_subtree(p)));
        for old in crate::org_units::predecessor_paths(db, p).await? {
            within = within.add(
                council_session::Column::UnitId.in_subquery(crate::org_units::ids_in_subtree(&old)),
            );
        }
        c = c.add(within);
    }
    Ok(c)
}
