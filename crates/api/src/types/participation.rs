//! Participations: a unit's registration for a campaign.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::id;
use thidua_persistence::entities::participation::Model;

use super::campaign::Campaign;
use super::enums::ParticipationStatus;
use super::load_one;
use super::org_unit::OrgUnit;
use crate::ids;
use thidua_domain::id::{CampaignId, UnitId};

#[derive(Clone)]
pub struct Participation(pub Model);

/// A unit's registration (đăng ký thi đua) for a campaign, with its pledge.
#[Object]
impl Participation {
    pub async fn id(&self) -> ID {
        ids::encode(id::ParticipationId::from_uuid(self.0.id))
    }

    async fn status(&self) -> ParticipationStatus {
        self.0.status.into()
    }

    /// The unit's pledge (giao ước thi đua).
    async fn pledge(&self) -> Option<&str> {
        self.0.pledge.as_deref()
    }

    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }

    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }

    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit))
    }

    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        Ok(load_one(ctx, CampaignId::from_uuid(self.0.campaign_id))
            .await?
            .map(Campaign))
    }
}
