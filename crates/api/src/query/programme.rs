//! The province's programme and its targets (public).

use async_graphql::{Context, Object};
use thidua_persistence::{programme, seed};

use crate::context::state;
use crate::error::query_error;
use crate::types::programme::{Programme, Target};

#[derive(Default)]
pub struct ProgrammeQuery;

#[Object]
impl ProgrammeQuery {
    /// All programmes (public).
    async fn programmes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Programme>> {
        Ok(programme::all(&state(ctx).db.conn)
            .await
            .map_err(query_error)?
            .into_iter()
            .map(Programme)
            .collect())
    }

    /// A programme by code; without a code, the province's 2021–2030 programme (public).
    async fn programme(
        &self,
        ctx: &Context<'_>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<Programme>> {
        let code = crate::args::optional_text(code, "code", 100)?
            .unwrap_or_else(|| seed::PROGRAMME_CODE.to_owned());
        Ok(programme::by_code(&state(ctx).db.conn, &code)
            .await
            .map_err(query_error)?
            .map(Programme))
    }

    /// Targets of the province's programme, optionally of one horizon (public). Each
    /// target's `description` states its exact definition. The computed ones:
    ///
    /// - T1-TIEU-CHI: percentage of the programme's launched or closed campaigns in the period
    ///   whose every criterion is concrete (target value, unit, positive weight).
    /// - T2-DIEN-HINH: percentage of the active units directly under the province that have,
    ///   in their subtree, at least one exemplary model at stage NURTURED or beyond and at
    ///   least one replication of one of their models in another unit.
    /// - T3-TRUNG-UONG: number of distinct exemplary models with at least one CONFERRED
    ///   commendation of a CENTRAL-level award type whose decision date falls in 2026–2030;
    ///   achieved at 7, stretch goal 10.
    async fn targets(
        &self,
        ctx: &Context<'_>,
        horizon: Option<String>,
    ) -> async_graphql::Result<Vec<Target>> {
        // Refused before any statement runs, programme or not.
        let horizon = crate::args::optional_text(horizon, "horizon", 100)?;
        let Some(p) = programme::by_code(&state(ctx).db.conn, seed::PROGRAMME_CODE)
            .await
            .map_err(query_error)?
        else {
            return Ok(vec![]);
        };
        crate::types::programme::targets_of(
            ctx,
            thidua_domain::id::ProgrammeId::from_uuid(p.id),
            horizon,
        )
        .await
    }
}
