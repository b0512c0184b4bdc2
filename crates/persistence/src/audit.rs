//! The audit trail: one row per successful mutation, written in the mutation's own
//! transaction so that a failed mutation leaves none.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use thidua_domain::access::Actor;
pub use thidua_domain::journal::{AuditAction, AuditEntity};
use uuid::Uuid;

use crate::entities::audit_entry;
use crate::error::StoreError;
use crate::page::{CountQuery, Page, PageRequest};

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entity: AuditEntity,
    entity_id: Uuid,
    action: AuditAction,
    summary: Value,
) -> Result<(), StoreError> {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor_user_id: Set(actor.user_id),
        actor_client_id: Set(actor.client.as_ref().map(|c| c.client_id)),
        actor_label: Set(actor.label.chars().take(200).collect()),
        entity: Set(entity),
        entity_id: Set(entity_id),
        action: Set(action),
        summary: Set(summary.to_string()),
        request_id: Set(actor.request_id.chars().take(64).collect()),
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<AuditEntity>,
    pub entity_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub request_id: Option<String>,
}

/// Newest first; ids are UUID v7, so id order is time order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<audit_entry::Model>, StoreError> {
    let filtered = condition(filter);
    let mut q = audit_entry::Entity::find().filter(filtered.clone());
    if let Some(after) = &page.after {
        q = q.filter(audit_entry::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(audit_entry::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(audit_entry::Entity, filtered),
    ))
}

/// The entries a filter selects, shared by the page and its count.
fn condition(filter: &AuditFilter) -> sea_orm::Condition {
    let mut c = sea_orm::Condition::all();
    if let Some(e) = filter.entity {
        c = c.add(audit_entry::Column::Entity.eq(e));
    }
    if let Some(id) = filter.entity_id {
        c = c.add(audit_entry::Column::EntityId.eq(id));
    }
    if let Some(id) = filter.actor_user_id {
        c = c.add(audit_entry::Column::ActorUserId.eq(id));
    }
    if let Some(r) = &filter.request_id {
        c = c.add(audit_entry::Column::RequestId.eq(r.clone()));
    }
    c
}

/// One audit row to write in bulk with [`record_many`].
pub struct Entry {
    pub entity: AuditEntity,
    pub entity_id: Uuid,
    pub action: AuditAction,
    pub summary: Value,
}

/// Writes many audit rows in one statement (batched report submission).
pub async fn record_many(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entries: Vec<Entry>,
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let label: String = actor.label.chars().take(200).collect();
    let request_id: String = actor.request_id.chars().take(64).collect();
    audit_entry::Entity::insert_many(entries.into_iter().map(|e| audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(now),
        actor_user_id: Set(actor.user_id),
        actor_client_id: Set(actor.client.as_ref().map(|c| c.client_id)),
        actor_label: Set(label.clone()),
        entity: Set(e.entity),
        entity_id: Set(e.entity_id),
        action: Set(e.action),
        summary: Set(e.summary.to_string()),
        request_id: Set(request_id.clone()),
    }))
    .exec(db)
    .await?;
    Ok(())
}
