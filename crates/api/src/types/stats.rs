//! Dashboard figures: commendations and exemplary models counted by the dimensions a
//! client groups them by. The counts come from SQL; units, fields and models named in a
//! key are loaded through the DataLoader, one statement for all the groups.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use thidua_domain::id::{ExemplarId, FieldId, UnitId};
use thidua_domain::stats as domain;
use thidua_persistence::stats as store;

use super::enums::{
    AwardCategory, AwardLevel, CommendationKind, ExemplarKind, ExemplarStage, RecipientType,
};
use super::exemplar::Exemplar;
use super::field::Field;
use super::load_one;
use super::org_unit::OrgUnit;
use crate::context::reads;
use crate::error::query_error;
use crate::query::DirectWorkerYear;

/// What commendations can be counted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommendationDimension {
    /// The award's level.
    Level,
    /// The award's category.
    Category,
    /// Loại hình khen thưởng.
    Kind,
    /// Unit, exemplary model, person or household.
    RecipientType,
    /// The year the achievement is for (awardYear).
    Year,
    /// The unit directly under the province that holds the recipient's unit (null for
    /// the province itself).
    TopLevelUnit,
    /// The field of the exemplary model the commendation is linked to (null without one).
    Field,
    /// Collective or individual.
    Individual,
}

impl From<CommendationDimension> for domain::CommendationDimension {
    fn from(d: CommendationDimension) -> Self {
        use CommendationDimension as A;
        match d {
            A::Level => Self::Level,
            A::Category => Self::Category,
            A::Kind => Self::Kind,
            A::RecipientType => Self::RecipientType,
            A::Year => Self::Year,
            A::TopLevelUnit => Self::TopLevelUnit,
            A::Field => Self::Field,
            A::Individual => Self::Individual,
        }
    }
}

/// What exemplary models can be counted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExemplarDimension {
    Stage,
    Field,
    /// The model's own unit.
    HomeUnit,
    /// The unit directly under the province that holds the home unit.
    TopLevelUnit,
    /// Collective or individual.
    Kind,
}

impl From<ExemplarDimension> for domain::ExemplarDimension {
    fn from(d: ExemplarDimension) -> Self {
        use ExemplarDimension as A;
        match d {
            A::Stage => Self::Stage,
            A::Field => Self::Field,
            A::HomeUnit => Self::HomeUnit,
            A::TopLevelUnit => Self::TopLevelUnit,
            A::Kind => Self::Kind,
        }
    }
}

async fn unit(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> async_graphql::Result<Option<OrgUnit>> {
    match id {
        Some(u) => Ok(load_one(ctx, UnitId::from_uuid(u)).await?.map(OrgUnit)),
        None => Ok(None),
    }
}

async fn field(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> async_graphql::Result<Option<Field>> {
    match id {
        Some(f) => Ok(load_one(ctx, FieldId::from_uuid(f)).await?.map(Field)),
        None => Ok(None),
    }
}

pub struct CommendationStats {
    pub counted: store::Counted<store::CommendationGroup>,
    /// What was counted, for the direct-worker share (its own statement, run only when
    /// asked for).
    pub query: Arc<store::CommendationCount>,
    pub years: domain::StatsYears,
}

/// Commendations counted for a subtree and years.
#[Object]
impl CommendationStats {
    /// Every commendation matching the filter.
    async fn total(&self) -> i64 {
        self.counted.total
    }

    /// One entry per combination of the groupBy dimensions that has commendations, largest
    /// first; at most 1000 (see `truncated`).
    async fn groups(&self) -> Vec<CommendationGroup> {
        self.counted
            .groups
            .iter()
            .cloned()
            .map(CommendationGroup)
            .collect()
    }

    /// True when there were more than 1000 groups and the smallest were left out.
    async fn truncated(&self) -> bool {
        self.counted.truncated
    }

    /// Of the individual commendations matching the filter, the share that went to direct
    /// (front-line) workers, over the whole range and per year (every year listed).
    async fn direct_worker_share(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<DirectWorkerShare> {
        let rows = store::commendation_direct_workers(reads(ctx), &self.query)
            .await
            .map_err(query_error)?;
        let by_year: Vec<DirectWorkerYear> = self
            .years
            .years()
            .map(|year| {
                let (individual, direct) = rows
                    .iter()
                    .find(|r| r.year == year)
                    .map_or((0, 0), |r| (r.individual, r.direct_workers));
                DirectWorkerYear {
                    year,
                    individual_commendations: individual,
                    direct_workers: direct,
                    share: thidua_domain::target::percent(direct, individual)
                        .map(|p| p.normalize()),
                }
            })
            .collect();
        // Adds up the (at most ten) yearly figures the database counted.
        let individual: i64 = by_year.iter().map(|y| y.individual_commendations).sum();
        let direct: i64 = by_year.iter().map(|y| y.direct_workers).sum();
        Ok(DirectWorkerShare {
            individual_commendations: individual,
            direct_workers: direct,
            share: thidua_domain::target::percent(direct, individual).map(|p| p.normalize()),
            by_year,
        })
    }
}

/// Individual commendations and those to direct workers, over a range of years.
#[derive(SimpleObject)]
pub struct DirectWorkerShare {
    pub individual_commendations: i64,
    pub direct_workers: i64,
    /// directWorkers ÷ individualCommendations × 100; null without individual commendations.
    pub share: Option<rust_decimal::Decimal>,
    pub by_year: Vec<DirectWorkerYear>,
}

pub struct CommendationGroup(store::CommendationGroup);

/// A combination of dimension values and how many commendations have it. A dimension not
/// grouped by is null.
#[Object]
impl CommendationGroup {
    async fn count(&self) -> i64 {
        self.0.count
    }
    async fn level(&self) -> Option<AwardLevel> {
        self.0.level.map(Into::into)
    }
    async fn category(&self) -> Option<AwardCategory> {
        self.0.category.map(Into::into)
    }
    async fn kind(&self) -> Option<CommendationKind> {
        self.0.kind.map(Into::into)
    }
    async fn recipient_type(&self) -> Option<RecipientType> {
        self.0.recipient_type.map(Into::into)
    }
    async fn year(&self) -> Option<i32> {
        self.0.year
    }
    /// True for individuals, false for collectives.
    async fn individual(&self) -> Option<bool> {
        self.0.individual
    }
    async fn top_level_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        unit(ctx, self.0.top_level_unit).await
    }
    async fn field(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Field>> {
        field(ctx, self.0.field).await
    }
}

pub struct ExemplarStats {
    pub counted: store::Counted<store::ExemplarGroup>,
    pub query: Arc<store::ExemplarCount>,
}

/// The most replicated models, bounded.
pub const MOST_REPLICATED_MAX: i32 = 100;
/// Units without a model listed at most.
pub const UNITS_WITHOUT_MAX: i32 = 500;

/// Exemplary models counted for a subtree.
#[Object]
impl ExemplarStats {
    /// Every model matching the filter.
    async fn total(&self) -> i64 {
        self.counted.total
    }

    /// One entry per combination of the groupBy dimensions that has models, largest first;
    /// at most 1000 (see `truncated`).
    async fn groups(&self) -> Vec<ExemplarGroup> {
        self.counted
            .groups
            .iter()
            .cloned()
            .map(ExemplarGroup)
            .collect()
    }

    /// True when there were more than 1000 groups and the smallest were left out.
    async fn truncated(&self) -> bool {
        self.counted.truncated
    }

    /// The models taken up by the most other units, most first: replications per model.
    async fn most_replicated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many models: 1 to 100 (default 10).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<ReplicatedModel>> {
        let n = thidua_domain::bounds::PageSize::parse(first, 1, 10, MOST_REPLICATED_MAX as u64)
            .map_err(|e| crate::args::field_error(e.under("first")))?
            .get();
        let rows = store::most_replicated(reads(ctx), &self.query, n)
            .await
            .map_err(query_error)?;
        Ok(rows
            .into_iter()
            .map(|(id, replications)| ReplicatedModel { id, replications })
            .collect())
    }

    /// Active units of the subtree that have neither built a model (of the field, when
    /// filtered by one) nor replicated one, in tree order; the weakness the seed names
    /// "chưa đồng đều". The stage and kind filters do not apply here.
    async fn units_without_models(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many units to list: 1 to 500 (default 50).")] first: Option<i32>,
    ) -> async_graphql::Result<UnitsWithoutModels> {
        let n = thidua_domain::bounds::PageSize::parse(first, 1, 50, UNITS_WITHOUT_MAX as u64)
            .map_err(|e| crate::args::field_error(e.under("first")))?
            .get();
        let (ids, total) = store::units_without_models(
            reads(ctx),
            &self.query.scope,
            self.query.field_id,
            self.query.cluster_id,
            n,
        )
        .await
        .map_err(query_error)?;
        Ok(UnitsWithoutModels { ids, total })
    }
}

pub struct ExemplarGroup(store::ExemplarGroup);

/// A combination of dimension values and how many models have it. A dimension not grouped
/// by is null.
#[Object]
impl ExemplarGroup {
    async fn count(&self) -> i64 {
        self.0.count
    }
    async fn stage(&self) -> Option<ExemplarStage> {
        self.0.stage.map(Into::into)
    }
    async fn kind(&self) -> Option<ExemplarKind> {
        self.0.kind.map(Into::into)
    }
    async fn field(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Field>> {
        field(ctx, self.0.field).await
    }
    async fn home_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        unit(ctx, self.0.home_unit).await
    }
    async fn top_level_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        unit(ctx, self.0.top_level_unit).await
    }
}

pub struct ReplicatedModel {
    id: uuid::Uuid,
    replications: i64,
}

/// A model and how many units have replicated it.
#[Object]
impl ReplicatedModel {
    async fn replications(&self) -> i64 {
        self.replications
    }
    async fn exemplar(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Exemplar>> {
        Ok(load_one(ctx, ExemplarId::from_uuid(self.id))
            .await?
            .map(Exemplar))
    }
}

pub struct UnitsWithoutModels {
    ids: Vec<uuid::Uuid>,
    total: i64,
}

/// Units without a model: the first ones and how many there are.
#[Object]
impl UnitsWithoutModels {
    async fn total_count(&self) -> i64 {
        self.total
    }
    /// In tree order; one batched load for all of them.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let found = crate::context::loader(ctx)
            .load_many(self.ids.iter().copied().map(UnitId::from_uuid))
            .await
            .map_err(|e| crate::error::store_error(&e))?;
        Ok(self
            .ids
            .iter()
            .filter_map(|id| found.get(&UnitId::from_uuid(*id)).cloned().map(OrgUnit))
            .collect())
    }
}
