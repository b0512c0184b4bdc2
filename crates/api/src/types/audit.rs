//! Audit trail entries.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::id;
use thidua_persistence::entities::audit_entry::Model;
use thidua_persistence::page::Page;

use super::load_one;
use super::user::User;
use crate::cursor;
use crate::ids;
use thidua_domain::id::UserId;

#[derive(Clone)]
pub struct AuditEntry(pub Model);

pub type AuditEntryConnection = crate::cursor::CountedConnection<AuditEntry>;

pub fn audit_connection(page: Page<Model>) -> AuditEntryConnection {
    cursor::connection(page, |m| cursor::id_only(m.id), AuditEntry)
}

/// One successful change: who, when, what, and in which request.
#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ids::encode(id::AuditEntryId::from_uuid(self.0.id))
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The machine client that acted (its token), as an `ApiClient` id; then `actor` is
    /// null and `actorLabel` is the client's name.
    async fn actor_client_id(&self) -> Option<ID> {
        self.0
            .actor_client_id
            .map(|c| ids::encode(id::ApiClientId::from_uuid(c)))
    }

    /// The user who acted; null for the system (seeding, command line) and for a machine
    /// client (see `actorClientId`).
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.actor_user_id {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }

    /// The actor's name at the time.
    async fn actor_label(&self) -> &str {
        &self.0.actor_label
    }

    /// The kind of thing changed: Campaign, Criterion, Milestone, OrgUnit, Participation, Target, User, RoleGrant.
    async fn entity(&self) -> &str {
        self.0.entity.as_str()
    }

    /// Global ID of the thing changed.
    async fn entity_id(&self) -> async_graphql::Result<ID> {
        ids::encode_stored(self.0.entity.as_str(), self.0.entity_id)
    }

    async fn action(&self) -> &str {
        self.0.action.as_str()
    }

    /// A compact JSON summary of the change (before/after where it helps).
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The request id, as returned in the `x-request-id` response header and logged.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
}
