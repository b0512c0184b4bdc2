//! Exemplary models and how many are at each stage.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::id::of;

use super::unit_path;
use crate::context::{reader, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::enums::ExemplarStage;
use crate::types::exemplar::{ExemplarConnection, StageCount, exemplar_connection};

#[derive(Default)]
pub struct ExemplarQuery;

#[derive(InputObject, Default)]
pub struct ExemplarFilter {
    /// Models whose home unit is this unit or below it.
    pub unit_subtree: Option<ID>,
    pub field_id: Option<ID>,
    pub stage: Option<ExemplarStage>,
    /// Words to find, in any order, in the model's name; accents and case are ignored ("Ha Long" finds "Hạ Long", "d" finds "đ"). At most 200 characters and 8 words.
    pub search: Option<String>,
}

async fn exemplar_filter(
    ctx: &Context<'_>,
    f: ExemplarFilter,
) -> async_graphql::Result<thidua_persistence::exemplars::ExemplarFilter> {
    let subtree_path = match &f.unit_subtree {
        Some(id) => Some(unit_path(ctx, id, "unitSubtree").await?),
        None => None,
    };
    Ok(thidua_persistence::exemplars::ExemplarFilter {
        subtree_path,
        field_id: f
            .field_id
            .as_ref()
            .map(ids::decode::<of::Field>)
            .transpose()?,
        stage: f.stage.map(Into::into),
        search: crate::args::search(f.search, "filter.search")?,
    })
}

#[Object]
impl ExemplarQuery {
    /// Exemplary models, newest first.
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn exemplars(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExemplarFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ExemplarConnection> {
        reader(ctx)?;
        let f = exemplar_filter(ctx, filter.unwrap_or_default()).await?;
        let page = cursor::page_request(first, after)?;
        let rows = thidua_persistence::exemplars::list(reads(ctx), &f, &page)
            .await
            .map_err(query_error)?;
        Ok(exemplar_connection(rows))
    }

    /// How many models are at each stage, for the same filters (the stage filter is ignored).
    async fn exemplar_stage_counts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExemplarFilter>,
    ) -> async_graphql::Result<Vec<StageCount>> {
        reader(ctx)?;
        let f = exemplar_filter(ctx, filter.unwrap_or_default()).await?;
        let rows = thidua_persistence::exemplars::counts_by_stage(reads(ctx), &f)
            .await
            .map_err(query_error)?;
        Ok(ExemplarStage::ALL_STAGES
            .iter()
            .map(|s| StageCount {
                stage: *s,
                count: rows
                    .iter()
                    .find(|r| ExemplarStage::from(r.stage) == *s)
                    .map_or(0, |r| r.count),
            })
            .collect())
    }
}
