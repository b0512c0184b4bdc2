//! Campaign leaderboards.

use async_graphql::{Context, ID, Object};
use thidua_domain::id::of;

use crate::context::{reader, reads};
use crate::cursor;
use crate::error::query_error;
use crate::ids;
use crate::types::leaderboard::{Cell, LeaderboardEntry};

#[derive(Default)]
pub struct LeaderboardQuery;

#[Object]
impl LeaderboardQuery {
    /// Ranks the units registered for a campaign by their approved reports whose period lies
    /// in [periodStart, periodEnd], combined per criterion by its `periodAggregation` (a
    /// report inside another's period counts once): each criterion is scored against its target
    /// (direction-aware, capped at 100 %), weighted, and summed to 0–100; ties share a rank.
    /// The database scores and ranks every unit; only the first `first` are returned.
    /// Complexity counts every entry, so a whole table explained cell by cell as objects
    /// is refused (QUERY_TOO_COMPLEX): page it, or use the compact `points` lists.
    #[graphql(complexity = "crate::cursor::leaderboard_cost(first, child_complexity)")]
    async fn leaderboard(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        #[graphql(desc = "First day of the period: reports starting earlier do not count.")]
        period_start: crate::scalars::Date,
        #[graphql(desc = "Last day of the period: reports ending later do not count.")]
        period_end: crate::scalars::Date,
        #[graphql(desc = "Only the units of this cluster or bloc (ranked among themselves).")]
        cluster_id: Option<ID>,
        #[graphql(
            desc = "How many units to return, best first: 1 to 1000 (default 100). Ranks are \
                    counted over every unit, so the last entry may share its rank with units \
                    left out."
        )]
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<LeaderboardEntry>> {
        use thidua_persistence::leaderboard::{self, Board};
        reader(ctx)?;
        let cid = ids::decode::<of::Campaign>(&campaign_id)?;
        if period_end < period_start {
            return Err(crate::error::bad_input(&thidua_domain::msg!(
                "period-order"
            )));
        }
        let limit = thidua_domain::bounds::PageSize::parse(
            first,
            1,
            cursor::LEADERBOARD_DEFAULT,
            cursor::LEADERBOARD_MAX,
        )
        .map_err(crate::args::field_error)?
        .get();
        let board = Board {
            campaign_id: cid,
            start: period_start.0,
            end: period_end.0,
            cluster_id: cluster_id
                .as_ref()
                .map(ids::decode::<of::Cluster>)
                .transpose()?,
        };
        let db = reads(ctx);
        // The per-criterion scores come with the standings, from the same figures, when
        // any of them is asked for; the criteria they belong to are loaded meanwhile.
        let look = ctx.look_ahead();
        let wanted = ["breakdown", "points", "achievements", "actuals"]
            .iter()
            .any(|f| look.field(f).exists());
        let (standings, mut cells, criteria) = if wanted {
            let ((standings, cells), criteria) = futures_util::future::try_join(
                async {
                    leaderboard::explained_standings(db, &board, limit)
                        .await
                        .map_err(query_error)
                },
                crate::types::load_many(ctx, crate::loaders::CriteriaOf(cid)),
            )
            .await?;
            let cells: std::collections::HashMap<_, _> = cells
                .into_iter()
                .map(|c| ((c.unit_id, c.criterion_id), c))
                .collect();
            (standings, cells, criteria)
        } else {
            let standings = leaderboard::standings(db, &board, limit)
                .await
                .map_err(query_error)?;
            (standings, std::collections::HashMap::new(), Vec::new())
        };
        let criteria = std::sync::Arc::new(criteria);
        Ok(standings
            .into_iter()
            .map(|s| LeaderboardEntry {
                rank: s.rank,
                score: s.score,
                unit_id: s.unit_id,
                // In the campaign's criterion order; the breakdown holds every criterion of
                // every unit asked for (0 where nothing was reported).
                cells: criteria
                    .iter()
                    .map(|c| match cells.remove(&(s.unit_id, c.id)) {
                        Some(cell) => Cell {
                            actual: cell.actual.map(crate::types::measured),
                            achievement: cell.achievement.normalize(),
                            points: cell.points.normalize(),
                        },
                        None => Cell {
                            actual: None,
                            achievement: rust_decimal::Decimal::ZERO,
                            points: rust_decimal::Decimal::ZERO,
                        },
                    })
                    .collect(),
                criteria: criteria.clone(),
            })
            .collect())
    }
}
