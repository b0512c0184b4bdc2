//! Reporting compliance (DHIS2's reporting rate) of a campaign for a period: the figures,
//! per child unit, and the units a provincial officer has to chase.

use async_graphql::{ComplexObject, Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use thidua_domain::comparison::disclose;
use thidua_domain::compliance::Counts;
use thidua_domain::id::UnitId;
use thidua_persistence::clusters;
use thidua_persistence::compliance::{self, Scope};

use super::cluster::Cluster;
use super::enums::{PeriodKind, ReportStatus};
use super::load_one;
use super::org_unit::OrgUnit;
use super::report::ReportPeriod;
use crate::context::reads;
use crate::cursor;
use crate::error::{not_found, query_error};

/// Reports expected, submitted, on time, late, approved, returned and missing, with the
/// shares of expected (null when nothing is expected).
#[derive(SimpleObject, Clone, Copy)]
pub struct ComplianceFigures {
    /// One report per registered unit for the period.
    pub expected: u64,
    /// Units with a counting report, whatever its status (returned ones included).
    pub submitted: u64,
    /// Submitted before the end of the deadline's due date (Vietnam time); every submitted
    /// report when the period has no reporting deadline.
    pub on_time: u64,
    pub late: u64,
    pub approved: u64,
    pub returned: u64,
    /// Expected − submitted.
    pub missing: u64,
    /// Submitted ÷ expected, 0–1, 4 decimals.
    pub submitted_share: Option<Decimal>,
    /// On time ÷ expected, 0–1, 4 decimals.
    pub on_time_share: Option<Decimal>,
}

impl From<Counts> for ComplianceFigures {
    fn from(c: Counts) -> Self {
        Self {
            expected: c.expected,
            submitted: c.submitted,
            on_time: c.on_time,
            late: c.late(),
            approved: c.approved,
            returned: c.returned,
            missing: c.missing(),
            submitted_share: c.submitted_share(),
            on_time_share: c.on_time_share(),
        }
    }
}

/// The figures of one child of the chosen unit, rolled up over its whole subtree (or of the
/// chosen unit's own participation, when it takes part itself).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ComplianceRow {
    #[graphql(skip)]
    pub unit_id: UnitId,
    #[graphql(flatten)]
    pub figures: ComplianceFigures,
}

#[ComplexObject]
impl ComplianceRow {
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<OrgUnit> {
        load_one(ctx, self.unit_id)
            .await?
            .map(OrgUnit)
            .ok_or_else(|| not_found("unit"))
    }
}

/// The report a missing unit sent last for the campaign (any period).
#[derive(SimpleObject)]
pub struct LastReportSummary {
    pub period: ReportPeriod,
    pub status: ReportStatus,
    pub submitted_at: DateTime<Utc>,
}

/// A registered unit without a report for the period.
pub struct MissingUnit(pub compliance::Missing);

#[Object]
impl MissingUnit {
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<OrgUnit> {
        load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit)
            .ok_or_else(|| not_found("unit"))
    }

    /// Null when the unit never reported for the campaign.
    async fn last_report(&self) -> Option<LastReportSummary> {
        self.0.last.as_ref().map(|l| LastReportSummary {
            period: ReportPeriod {
                kind: PeriodKind::from(l.period_kind),
                start: l.period_start,
                end: l.period_end,
            },
            status: ReportStatus::from(l.status),
            submitted_at: l.submitted_at,
        })
    }
}

pub type MissingUnitConnection = cursor::CountedConnection<MissingUnit>;

/// A cluster or bloc the chosen unit belongs to, counted whole for the same period: the
/// shares to set beside the unit's own.
#[derive(SimpleObject)]
pub struct ClusterCompliance {
    pub cluster: Cluster,
    /// Registered units in the cluster (in the subtrees of its members), whoever asks.
    pub units: u64,
    /// Submitted ÷ expected over the whole cluster; null under 3 units (it would show a
    /// peer's own figure) or when nothing is expected.
    pub submitted_share: Option<Decimal>,
    /// On time ÷ expected over the whole cluster; null under 3 units.
    pub on_time_share: Option<Decimal>,
}

/// A campaign's reporting compliance under one unit for one period.
pub struct ReportingCompliance {
    pub scope: Scope,
    pub period: Option<ReportPeriod>,
    pub deadline: Option<NaiveDate>,
    pub totals: ComplianceFigures,
    pub rows: Vec<ComplianceRow>,
}

#[Object]
impl ReportingCompliance {
    /// The unit whose subtree is counted.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<OrgUnit> {
        load_one(ctx, UnitId::from_uuid(self.scope.root_id))
            .await?
            .map(OrgUnit)
            .ok_or_else(|| not_found("unit"))
    }

    /// The period counted (null when counting a deadline milestone's window).
    async fn period(&self) -> Option<&ReportPeriod> {
        self.period.as_ref()
    }

    /// The due date reports had to meet (null: the period has no reporting deadline, so
    /// nothing is late).
    async fn deadline(&self) -> Option<NaiveDate> {
        self.deadline
    }

    async fn expected(&self) -> u64 {
        self.totals.expected
    }
    async fn submitted(&self) -> u64 {
        self.totals.submitted
    }
    async fn on_time(&self) -> u64 {
        self.totals.on_time
    }
    async fn late(&self) -> u64 {
        self.totals.late
    }
    async fn approved(&self) -> u64 {
        self.totals.approved
    }
    async fn returned(&self) -> u64 {
        self.totals.returned
    }
    async fn missing(&self) -> u64 {
        self.totals.missing
    }
    async fn submitted_share(&self) -> Option<Decimal> {
        self.totals.submitted_share
    }
    async fn on_time_share(&self) -> Option<Decimal> {
        self.totals.on_time_share
    }

    /// With `groupBy: CHILD_UNIT`, one row per child unit with a registered unit in its
    /// subtree (and one for the chosen unit itself if it takes part), by unit code; empty
    /// with `groupBy: NONE`.
    async fn rows(&self) -> &[ComplianceRow] {
        &self.rows
    }

    /// Each cluster or bloc the chosen unit is itself a member of, by code, counted over
    /// the whole cluster (not limited to the caller's grants: only the shares leave, and
    /// only with 3 or more registered units). Two statements, only when selected.
    async fn clusters(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ClusterCompliance>> {
        let db = reads(ctx);
        let mine = clusters::of_unit(db, self.scope.root_id)
            .await
            .map_err(query_error)?;
        if mine.is_empty() {
            return Ok(vec![]);
        }
        let counted = compliance::cluster_counts(db, &self.scope, self.scope.root_id)
            .await
            .map_err(query_error)?;
        Ok(mine
            .into_iter()
            .map(|c| {
                let counts = counted
                    .iter()
                    .find(|k| k.cluster_id == c.id)
                    .map(|k| k.counts)
                    .unwrap_or_default();
                ClusterCompliance {
                    cluster: Cluster(c),
                    units: counts.expected,
                    submitted_share: disclose(counts.submitted_share(), counts.expected),
                    on_time_share: disclose(counts.on_time_share(), counts.expected),
                }
            })
            .collect())
    }

    /// The registered units without a report for the period, by unit code, with what they
    /// last reported: whom to chase. One statement per page.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn missing_units(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<MissingUnitConnection> {
        let page = cursor::page_request(first, after)?;
        let mut rows = compliance::missing(reads(ctx), &self.scope, &page)
            .await
            .map_err(query_error)?;
        // `totalCount` is the `missing` figure, counted with the totals.
        rows.count = thidua_persistence::page::CountQuery::known(self.totals.missing);
        Ok(cursor::connection(
            rows,
            |m| thidua_persistence::page::KeyCursor {
                value: m.code.clone(),
                id: m.unit_id,
            },
            MissingUnit,
        ))
    }
}
