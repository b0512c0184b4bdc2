//! Dashboard counts of commendations and exemplary models (issue 12, points 4 and 5): two
//! composable queries, each a filter and a `groupBy` list, counted in SQL and limited to
//! the subtrees the caller may read.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::error::{FieldError, UserErrorCode};
use thidua_domain::id::of;
use thidua_domain::stats as domain;
use thidua_persistence::stats as store;

use super::compliance::cluster_filter;
use crate::args::field_error;
use crate::context::{reader, reads};
use crate::error::{forbidden, query_error};
use crate::ids;
use crate::types::enums::{CommendationStatus, ExemplarKind, ExemplarStage};
use crate::types::load_one;
use crate::types::stats::{
    CommendationDimension, CommendationStats, ExemplarDimension, ExemplarStats,
};

#[derive(Default)]
pub struct StatsQuery;

#[derive(InputObject)]
pub struct CommendationStatsFilter {
    /// Recipients whose unit is this unit or below it; without it, every subtree the caller
    /// may read. A unit outside the caller's reach is FORBIDDEN.
    pub unit_id: Option<ID>,
    /// First year (of awardYear, the year the achievement is for) counted.
    pub from_year: i32,
    /// Last year counted: at most 10 years after fromYear.
    pub to_year: i32,
    /// Only commendations in this status; without it, every status (ask for CONFERRED for
    /// the honours actually conferred).
    pub status: Option<CommendationStatus>,
    /// Only recipients whose unit lies in the subtree of a member of this cluster or bloc
    /// (and within the caller's reach, as always).
    pub cluster_id: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct ExemplarStatsFilter {
    /// Models whose home unit is this unit or below it; without it, every subtree the
    /// caller may read. A unit outside the caller's reach is FORBIDDEN.
    pub unit_id: Option<ID>,
    pub field_id: Option<ID>,
    pub stage: Option<ExemplarStage>,
    pub kind: Option<ExemplarKind>,
    /// Only models whose home unit lies in the subtree of a member of this cluster or bloc
    /// (and within the caller's reach, as always).
    pub cluster_id: Option<ID>,
}

fn unknown(field: &str) -> async_graphql::Error {
    field_error(FieldError::new(
        field,
        UserErrorCode::UnknownReference,
        thidua_domain::msg!("stats-unknown-reference"),
    ))
}

/// The subtrees the counts cover: the unit asked for (known, and inside a read grant), or
/// every subtree the caller may read.
async fn scope(ctx: &Context<'_>, unit_id: Option<&ID>) -> async_graphql::Result<Vec<String>> {
    let actor = reader(ctx)?;
    let path = match unit_id {
        Some(id) => {
            let unit = ids::decode::<of::OrgUnit>(id)?;
            let found = load_one(ctx, unit)
                .await?
                .ok_or_else(|| unknown("filter.unitId"))?;
            Some(found.path)
        }
        None => None,
    };
    domain::scope(&actor.grants, path.as_deref()).map_err(|_| forbidden())
}

#[Object]
impl StatsQuery {
    /// Commendations in numbers: how many match the filter, grouped by any of the
    /// dimensions in `groupBy` (an empty list gives the total only), with the direct-worker
    /// share of the same commendations. One SQL statement for the groups, one for the share
    /// (only when selected), one batched load for the units and fields named in the keys.
    async fn commendation_stats(
        &self,
        ctx: &Context<'_>,
        filter: CommendationStatsFilter,
        #[graphql(desc = "Dimensions to group by, each at most once.")] group_by: Vec<
            CommendationDimension,
        >,
    ) -> async_graphql::Result<CommendationStats> {
        reader(ctx)?;
        let dims: Vec<domain::CommendationDimension> =
            group_by.iter().map(|d| (*d).into()).collect();
        let dims = domain::group_by(&dims, domain::CommendationDimension::ALL.len())
            .map_err(field_error)?;
        let years = domain::StatsYears::parse(filter.from_year, filter.to_year)
            .map_err(|e| field_error(e.under("filter")))?;
        let scope = scope(ctx, filter.unit_id.as_ref()).await?;
        let cluster_id = cluster_filter(ctx, filter.cluster_id.as_ref(), || {
            unknown("filter.clusterId")
        })
        .await?;
        let query = store::CommendationCount {
            scope,
            from_year: years.from(),
            to_year: years.to(),
            status: filter.status.map(Into::into),
            group_by: dims,
            cluster_id,
        };
        let counted = store::commendation_groups(reads(ctx), &query)
            .await
            .map_err(query_error)?;
        Ok(CommendationStats {
            counted,
            query: Arc::new(query),
            years,
        })
    }

    /// Exemplary models in numbers: how many match the filter, grouped by any of the
    /// dimensions in `groupBy`, with the most replicated models and the units that have
    /// neither built nor replicated one. One SQL statement per figure selected.
    async fn exemplar_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExemplarStatsFilter>,
        #[graphql(desc = "Dimensions to group by, each at most once.")] group_by: Vec<
            ExemplarDimension,
        >,
    ) -> async_graphql::Result<ExemplarStats> {
        reader(ctx)?;
        let f = filter.unwrap_or_default();
        let dims: Vec<domain::ExemplarDimension> = group_by.iter().map(|d| (*d).into()).collect();
        let dims =
            domain::group_by(&dims, domain::ExemplarDimension::ALL.len()).map_err(field_error)?;
        let field_id = match &f.field_id {
            Some(id) => {
                let field = ids::decode::<of::Field>(id)?;
                load_one(ctx, field)
                    .await?
                    .ok_or_else(|| unknown("filter.fieldId"))?;
                Some(field.uuid())
            }
            None => None,
        };
        let scope = scope(ctx, f.unit_id.as_ref()).await?;
        let cluster_id =
            cluster_filter(ctx, f.cluster_id.as_ref(), || unknown("filter.clusterId")).await?;
        let query = store::ExemplarCount {
            scope,
            field_id,
            stage: f.stage.map(Into::into),
            kind: f.kind.map(Into::into),
            group_by: dims,
            cluster_id,
        };
        let counted = store::exemplar_groups(reads(ctx), &query)
            .await
            .map_err(query_error)?;
        Ok(ExemplarStats {
            counted,
            query: Arc::new(query),
        })
    }
}
