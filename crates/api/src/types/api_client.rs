//! A machine client (integration) as administrators see it; never its secrets.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::id::{ApiClientId, UnitId, UserId};
use thidua_persistence::entities::api_client::Model;

use crate::ids;
use crate::types::load_one;
use crate::types::org_unit::OrgUnit;
use crate::types::user::User;

#[derive(Clone)]
pub struct ApiClient(pub Model);

#[Object]
impl ApiClient {
    async fn id(&self) -> ID {
        ids::encode(ApiClientId::from_uuid(self.0.id))
    }

    /// The OAuth `client_id` to send to `POST /oauth/token` (the id's UUID).
    async fn client_id(&self) -> String {
        self.0.id.to_string()
    }

    /// Unique; what the audit trail and the metrics call the client.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The unit whose administrators manage the client.
    async fn owner_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.owner_unit_id))
            .await?
            .map(OrgUnit))
    }

    /// The client acts on this unit and the units below it, nowhere else.
    async fn subtree_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.subtree_unit_id))
            .await?
            .map(OrgUnit))
    }

    /// Its scopes, in the README's order (`targets:read`, `reports:read`, …).
    async fn scopes(&self) -> Vec<&str> {
        self.0.scopes.split(' ').filter(|s| !s.is_empty()).collect()
    }

    async fn disabled(&self) -> bool {
        self.0.disabled
    }

    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }

    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }

    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.created_by {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
