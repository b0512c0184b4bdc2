//! Progress reports, their values and revisions.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use thidua_domain::id;
use thidua_persistence::entities::{progress_report, report_revision, report_value};

use super::attachment::Attachment;
use super::campaign::{Campaign, Criterion};
use super::enums::{PeriodKind, ReportStatus};
use super::org_unit::OrgUnit;
use super::user::User;
use super::{load_many, load_one, measured};
use crate::ids;
use crate::loaders::{AttachmentsOf, RevisionsOf, ValuesOfReport};
use thidua_domain::id::{CampaignId, CriterionId, ReportId, UnitId, UserId};

#[derive(Clone)]
pub struct ProgressReport(pub progress_report::Model);

#[derive(SimpleObject)]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(SimpleObject)]
pub struct GeoPoint {
    pub latitude: Decimal,
    pub longitude: Decimal,
}

/// A unit's progress report (báo cáo kết quả) for one campaign and period.
#[Object]
impl ProgressReport {
    pub async fn id(&self) -> ID {
        ids::encode(id::ReportId::from_uuid(self.0.id))
    }

    /// The UUID the client minted for this report (what `submitReports` takes as `id`).
    async fn client_id(&self) -> String {
        self.0.id.to_string()
    }

    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }

    /// 1 for the first submission; +1 for each resubmission after a return.
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// Send it back with an edit or resubmission; a stale one is refused (CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn period(&self) -> ReportPeriod {
        ReportPeriod {
            kind: self.0.period_kind.into(),
            start: self.0.period_start,
            end: self.0.period_end,
        }
    }

    async fn narrative(&self) -> Option<&str> {
        self.0.narrative.as_deref()
    }

    async fn location(&self) -> Option<GeoPoint> {
        match (self.0.latitude, self.0.longitude) {
            (Some(lat), Some(lon)) => Some(GeoPoint {
                latitude: lat.round_dp(7).normalize(),
                longitude: lon.round_dp(7).normalize(),
            }),
            _ => None,
        }
    }

    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }

    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    /// Why the report was returned; the reporter fixes this and resubmits.
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }

    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        Ok(load_one(ctx, CampaignId::from_uuid(self.0.campaign_id))
            .await?
            .map(Campaign))
    }

    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit))
    }

    async fn submitted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.submitted_by {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }

    async fn reviewed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.reviewed_by {
            Some(u) => Ok(load_one(ctx, UserId::from_uuid(u)).await?.map(User)),
            None => Ok(None),
        }
    }

    /// One value per criterion of the campaign (current revision).
    async fn values(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReportValue>> {
        Ok(
            load_many(ctx, ValuesOfReport(ReportId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(ReportValue)
                .collect(),
        )
    }

    /// Every revision as submitted, oldest first, with how each was reviewed.
    async fn revisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReportRevision>> {
        Ok(load_many(ctx, RevisionsOf(ReportId::from_uuid(self.0.id)))
            .await?
            .into_iter()
            .map(ReportRevision)
            .collect())
    }

    /// Evidence files (photos, PDF documents), oldest first; see `attachEvidence`.
    async fn attachments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attachment>> {
        Ok(
            load_many(ctx, AttachmentsOf(ReportId::from_uuid(self.0.id)))
                .await?
                .into_iter()
                .map(Attachment)
                .collect(),
        )
    }
}

#[derive(Clone)]
pub struct ReportValue(pub report_value::Model);

#[Object]
impl ReportValue {
    async fn value(&self) -> Decimal {
        measured(self.0.value)
    }

    async fn criterion(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Criterion>> {
        Ok(load_one(ctx, CriterionId::from_uuid(self.0.criterion_id))
            .await?
            .map(Criterion))
    }
}

#[derive(Clone)]
pub struct ReportRevision(pub report_revision::Model);

/// A revision as it was submitted; kept when the report is returned and resubmitted.
#[Object]
impl ReportRevision {
    async fn revision(&self) -> i32 {
        self.0.revision
    }

    /// SUBMITTED while awaiting review, then APPROVED or RETURNED.
    async fn outcome(&self) -> ReportStatus {
        self.0.outcome.into()
    }

    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }

    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }

    /// The submitted content as JSON: period, narrative, location and values.
    async fn content(&self) -> &str {
        &self.0.content
    }
}
