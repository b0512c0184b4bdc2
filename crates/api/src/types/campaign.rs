//! Campaigns (phong trào thi đua) and their criteria.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use thidua_domain::criterion::CriterionSpec;
use thidua_domain::id;
use thidua_persistence::campaigns::{CampaignOrder, cursor_for};
use thidua_persistence::entities::{campaign, criterion};
use thidua_persistence::page::Page;

use super::enums::{CampaignKind, CampaignStatus, Direction, Measure};
use super::field::Field;
use super::milestone::Milestone;
use super::org_unit::OrgUnit;
use super::participation::Participation;
use super::programme::Programme;
use super::{load_many, load_one};
use crate::cursor;
use crate::ids;
use crate::loaders::{CampaignMilestones, CriteriaOf, FieldsOf, ParticipationsOf};
use thidua_domain::id::{CampaignId, ProgrammeId, UnitId, UserId};

#[derive(Clone)]
pub struct Campaign(pub campaign::Model);

pub type CampaignConnection = crate::cursor::CountedConnection<Campaign>;

pub fn campaign_connection(
    page: Page<campaign::Model>,
    order: CampaignOrder,
) -> CampaignConnection {
    cursor::connection(page, |m| cursor_for(m, order), Campaign)
}

/// An emulation campaign (phong trào thi đua), launched by a unit, with criteria that
/// participating units are measured against.
#[Object]
impl Campaign {
    pub async fn id(&self) -> ID {
        ids::encode(id::CampaignId::from_uuid(self.0.id))
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    async fn kind(&self) -> CampaignKind {
        self.0.kind.into()
    }

    async fn status(&self) -> CampaignStatus {
        self.0.status.into()
    }

    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }

    async fn end_date(&self) -> NaiveDate {
        self.0.end_date
    }

    /// Increases on every change; send it back with an edit so that a concurrent edit
    /// is refused (CONFLICT) instead of silently overwritten.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn launched_at(&self) -> Option<DateTime<Utc>> {
        self.0.launched_at
    }

    /// When it was closed or cancelled.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    async fn launching_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.launching_unit_id))
            .await?
            .map(OrgUnit))
    }

    async fn programme(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Programme>> {
        match self.0.programme_id {
            Some(p) => Ok(load_one(ctx, ProgrammeId::from_uuid(p))
                .await?
                .map(Programme)),
            None => Ok(None),
        }
    }

    async fn fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Field>> {
        Ok(load_many(ctx, FieldsOf(CampaignId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(Field)
            .collect())
    }

    async fn criteria(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Criterion>> {
        Ok(load_many(ctx, CriteriaOf(CampaignId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(Criterion)
            .collect())
    }

    /// True when the campaign has criteria and every one is concrete (what target 1 counts).
    async fn has_only_concrete_criteria(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let rows = load_many(ctx, CriteriaOf(CampaignId::from_uuid(self.0.id))).await?;
        Ok(!rows.is_empty() && rows.iter().all(|r| spec(r).is_concrete()))
    }

    async fn milestones(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Milestone>> {
        Ok(
            load_many(ctx, CampaignMilestones(CampaignId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(Milestone)
                .collect(),
        )
    }

    /// The first milestone not yet done, by due date.
    async fn next_milestone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Milestone>> {
        let all = load_many(ctx, CampaignMilestones(CampaignId::from_uuid(self.0.id))).await?;
        Ok(all
            .into_iter()
            .find(|m| m.completed_at.is_none())
            .map(Milestone))
    }

    /// The latest report the signed-in caller submitted for this campaign.
    async fn my_last_report(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::report::ProgressReport>> {
        let Some(user_id) = crate::context::actor(ctx)?.user_id else {
            return Ok(None);
        };
        let key = crate::loaders::LastReport {
            user_id: UserId::from_uuid(user_id),
            campaign_id: CampaignId::from_uuid(self.0.id),
        };
        Ok(load_one(ctx, key).await?.map(super::report::ProgressReport))
    }

    async fn participations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Participation>> {
        Ok(
            load_many(ctx, ParticipationsOf(CampaignId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(Participation)
                .collect(),
        )
    }
}

pub fn spec(r: &criterion::Model) -> CriterionSpec {
    CriterionSpec {
        measure: r.measure,
        direction: r.direction,
        target_value: r.target_value,
        unit_label: r.unit_label.clone(),
        weight: r.weight,
    }
}

#[derive(Clone)]
pub struct Criterion(pub criterion::Model);

/// One thing a campaign measures (tiêu chí thi đua).
#[Object]
impl Criterion {
    pub async fn id(&self) -> ID {
        ids::encode(id::CriterionId::from_uuid(self.0.id))
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn measure(&self) -> Measure {
        self.0.measure.into()
    }

    async fn direction(&self) -> Direction {
        self.0.direction.into()
    }

    /// How the unit's approved reports in a leaderboard's period combine into one value.
    async fn period_aggregation(&self) -> super::enums::PeriodAggregation {
        self.0.period_aggregation.into()
    }

    /// E.g. "%", "hộ", "km".
    async fn unit_label(&self) -> Option<&str> {
        self.0.unit_label.as_deref()
    }

    async fn target_value(&self) -> Option<Decimal> {
        self.0.target_value.map(super::measured)
    }

    async fn weight(&self) -> Decimal {
        super::measured(self.0.weight)
    }

    /// Measurable: a target value, a unit label and a positive weight.
    async fn is_concrete(&self) -> bool {
        spec(&self.0).is_concrete()
    }

    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        Ok(load_one(ctx, CampaignId::from_uuid(self.0.campaign_id))
            .await?
            .map(Campaign))
    }
}
