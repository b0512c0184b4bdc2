//! Campaign leaderboards (bình xét): scores per unit, explained per criterion.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use rust_decimal::Decimal;
use thidua_persistence::entities::criterion;
use uuid::Uuid;

use super::campaign::Criterion;
use super::load_one;
use super::org_unit::OrgUnit;
use crate::error::not_found;
use thidua_domain::id::UnitId;

/// One unit's place, score and why.
pub struct LeaderboardEntry {
    pub rank: u32,
    pub score: Decimal,
    pub unit_id: Uuid,
    /// The campaign's criteria, shared by every entry; empty unless a breakdown was selected.
    pub criteria: Arc<Vec<criterion::Model>>,
    /// One per criterion, in the criteria's order.
    pub cells: Vec<Cell>,
}

/// A criterion's figures for one unit, before they become GraphQL objects.
#[derive(Clone, Copy)]
pub struct Cell {
    pub actual: Option<Decimal>,
    pub achievement: Decimal,
    pub points: Decimal,
}

/// A criterion's contribution to a unit's score.
#[derive(SimpleObject)]
pub struct CriterionScore {
    pub criterion: Criterion,
    /// The unit's approved reports in the period combined by the criterion's
    /// `periodAggregation` (null: not reported).
    pub actual: Option<Decimal>,
    /// Achievement against the target after the direction and the cap, 0–1.
    pub achievement: Decimal,
    /// The criterion's points on the 0–100 scale (achievement × weight ÷ total weight × 100).
    pub points: Decimal,
}

#[Object]
impl LeaderboardEntry {
    /// Equal scores share a rank; the unit code orders them.
    async fn rank(&self) -> u32 {
        self.rank
    }

    /// 0–100: the weighted sum of capped achievements.
    async fn score(&self) -> Decimal {
        self.score.normalize()
    }

    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<OrgUnit> {
        load_one(ctx, UnitId::from_uuid(self.unit_id))
            .await?
            .map(OrgUnit)
            .ok_or_else(|| not_found("unit"))
    }

    /// Why the unit has its score: one entry per criterion, in the campaign's order.
    async fn breakdown(&self) -> Vec<CriterionScore> {
        self.criteria
            .iter()
            .zip(&self.cells)
            .map(|(c, cell)| CriterionScore {
                criterion: Criterion(c.clone()),
                actual: cell.actual,
                achievement: cell.achievement,
                points: cell.points,
            })
            .collect()
    }

    /// The breakdown's points as a plain list, in the order of `Campaign.criteria`: the
    /// compact form for a dashboard drawing the whole table (10,000 cells for 500 units ×
    /// 20 criteria resolve several times faster than as objects).
    async fn points(&self) -> Vec<Decimal> {
        self.cells.iter().map(|c| c.points).collect()
    }

    /// Achievements (0–1) in the order of `Campaign.criteria`.
    async fn achievements(&self) -> Vec<Decimal> {
        self.cells.iter().map(|c| c.achievement).collect()
    }

    /// Reported values in the order of `Campaign.criteria` (null: not reported).
    async fn actuals(&self) -> Vec<Option<Decimal>> {
        self.cells.iter().map(|c| c.actual).collect()
    }
}
