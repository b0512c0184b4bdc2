//! Progress by criterion: each criterion's value per group and in total, against its target.

use async_graphql::{ComplexObject, Context, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use thidua_domain::id::{CampaignId, UnitId};
use thidua_persistence::entities::criterion;

use super::campaign::{Campaign, Criterion};
use super::cluster::Cluster;
use super::load_one;
use super::org_unit::OrgUnit;
use crate::error::not_found;

/// How a group's units combine: counts add up (SUM), other measures are averaged.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum ProgressUnitAggregation {
    Sum,
    Average,
}

impl From<thidua_domain::progress::UnitAggregation> for ProgressUnitAggregation {
    fn from(a: thidua_domain::progress::UnitAggregation) -> Self {
        match a {
            thidua_domain::progress::UnitAggregation::Sum => Self::Sum,
            thidua_domain::progress::UnitAggregation::Average => Self::Average,
        }
    }
}

/// One group's value of a criterion: a child unit (its whole subtree) or a period.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ProgressGroup {
    #[graphql(skip)]
    pub unit_id: Option<UnitId>,
    /// The period when grouping by period: `2025-03`, `2025-Q1`, `2025-H1` or `2025`.
    pub period: Option<String>,
    /// The units' values combined (4 decimals); null when nothing was reported.
    pub value: Option<Decimal>,
    /// Approved reports counted that hold a value of the criterion.
    pub reports: u64,
}

#[ComplexObject]
impl ProgressGroup {
    /// The child unit when grouping by unit (the chosen unit itself for its own reports).
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.unit_id {
            Some(id) => load_one(ctx, id)
                .await?
                .map(|u| Some(OrgUnit(u)))
                .ok_or_else(|| not_found("unit")),
            None => Ok(None),
        }
    }
}

/// A criterion aggregated over a whole cluster or bloc the chosen unit belongs to, to set
/// beside the unit's own value.
#[derive(SimpleObject)]
pub struct ClusterComparison {
    pub cluster: Cluster,
    /// The cluster's units combined as `value` combines the chosen unit's (4 decimals);
    /// null when nothing was reported or fewer than 3 units reported (it would show a
    /// peer's own figure).
    pub value: Option<Decimal>,
    /// The mean of the cluster's units' own values: the cluster's average unit, to set
    /// beside one unit's value (for counts, where `value` is the cluster's sum). Hidden as
    /// `value` is.
    pub average: Option<Decimal>,
    /// Units of the cluster with a counted value of the criterion.
    pub units: u64,
}

/// One criterion's progress over the range.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CriterionProgress {
    pub criterion: Criterion,
    /// The criterion's target; null when it has none.
    pub target: Option<Decimal>,
    /// How the units' values combine into a group's value.
    pub unit_aggregation: ProgressUnitAggregation,
    /// All the units' values combined over the whole range; null when nothing was reported.
    pub value: Option<Decimal>,
    pub reports: u64,
    /// Per child unit or period, by unit code or period; empty when not grouping.
    pub groups: Vec<ProgressGroup>,
    /// The same criterion over each whole cluster or bloc the chosen unit is itself a
    /// member of, by cluster code (one statement for every criterion, only when selected).
    pub clusters: Vec<ClusterComparison>,
}

#[ComplexObject]
impl CriterionProgress {
    /// The campaign the criterion belongs to (useful when asking by field).
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Campaign> {
        load_one(ctx, CampaignId::from_uuid(self.criterion.0.campaign_id))
            .await?
            .map(Campaign)
            .ok_or_else(|| not_found("campaign"))
    }
}

impl CriterionProgress {
    pub fn new(c: criterion::Model) -> Self {
        Self {
            target: c.target_value.map(super::measured),
            unit_aggregation: thidua_domain::progress::UnitAggregation::for_measure(c.measure)
                .into(),
            criterion: Criterion(c),
            value: None,
            reports: 0,
            groups: vec![],
            clusters: vec![],
        }
    }
}

/// Progress of a campaign's criteria under one unit.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CriteriaProgress {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[graphql(skip)]
    pub unit_id: UnitId,
    pub criteria: Vec<CriterionProgress>,
}

#[ComplexObject]
impl CriteriaProgress {
    /// The unit whose subtree is counted.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<OrgUnit> {
        load_one(ctx, self.unit_id)
            .await?
            .map(OrgUnit)
            .ok_or_else(|| not_found("unit"))
    }
}
