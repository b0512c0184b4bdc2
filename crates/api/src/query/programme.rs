//! The province's programme and its targets (public).

use async_graphql::{Context, Object};
use thidua_persistence::programme;

use crate::context::reads;
use crate::error::query_error;
use crate::types::programme::{Programme, Target, TargetFilter};

#[derive(Default)]
pub struct ProgrammeQuery;

#[Object]
impl ProgrammeQuery {
    /// All programmes (public).
    async fn programmes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Programme>> {
        Ok(programme::all(reads(ctx))
            .await
            .map_err(query_error)?
            .into_iter()
            .map(Programme)
            .collect())
    }

    /// A programme by code; without a code, the province's default programme (public).
    async fn programme(
        &self,
        ctx: &Context<'_>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<Programme>> {
        let db = reads(ctx);
        let found = match crate::args::optional_text(code, "code", 100)? {
            Some(code) => programme::by_code(db, &code).await,
            None => programme::default_programme(db).await,
        };
        Ok(found.map_err(query_error)?.map(Programme))
    }

    /// Targets of the province's default programme (public), optionally of one horizon
    /// ("2022–2025" or "2022-2025") or within `fromYear`–`toYear`. Each target's
    /// `description` states its exact definition (see the README's "Targets" section).
    async fn targets(
        &self,
        ctx: &Context<'_>,
        horizon: Option<String>,
        from_year: Option<i32>,
        to_year: Option<i32>,
    ) -> async_graphql::Result<Vec<Target>> {
        // Refused before any statement runs, programme or not.
        let filter = TargetFilter::parse(horizon, from_year, to_year)?;
        let Some(p) = programme::default_programme(reads(ctx))
            .await
            .map_err(query_error)?
        else {
            return Ok(vec![]);
        };
        crate::types::programme::targets_of(
            ctx,
            thidua_domain::id::ProgrammeId::from_uuid(p.id),
            filter,
        )
        .await
    }
}
