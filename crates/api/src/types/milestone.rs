//! Milestones of campaigns and programmes.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use thidua_domain::id;
use thidua_persistence::entities::milestone::Model;

use super::campaign::Campaign;
use super::enums::{MilestoneKind, MilestoneStatus};
use super::load_one;
use super::programme::Programme;
use super::user::User;
use crate::ids;
use thidua_domain::id::{CampaignId, ProgrammeId, UserId};

#[derive(Clone)]
pub struct Milestone(pub Model);

/// A dated step: launch, reporting deadline, interim review (sơ kết), final review (tổng kết).
#[Object]
impl Milestone {
    pub async fn id(&self) -> ID {
        ids::encode(id::MilestoneId::from_uuid(self.0.id))
    }

    async fn kind(&self) -> MilestoneKind {
        self.0.kind.into()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn due_date(&self) -> NaiveDate {
        self.0.due_date
    }

    /// Derived from today's date in Asia/Ho_Chi_Minh: DUE_SOON within 14 days, OVERDUE after the due date.
    async fn status(&self) -> MilestoneStatus {
        thidua_domain::milestone::status(
            self.0.due_date,
            self.0.completed_at.is_some(),
            thidua_domain::calendar::today(),
        )
        .into()
    }

    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    async fn completed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.completed_by {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        match self.0.campaign_id {
            Some(c) => Ok(load_one(ctx, CampaignId::from_uuid(c)).await?.map(Campaign)),
            None => Ok(None),
        }
    }

    async fn programme(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Programme>> {
        match self.0.programme_id {
            Some(p) => Ok(load_one(ctx, ProgrammeId::from_uuid(p))
                .await?
                .map(Programme)),
            None => Ok(None),
        }
    }
}
