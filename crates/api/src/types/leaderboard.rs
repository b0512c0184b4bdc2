//! Campaign leaderboards (bình xét): scores per unit, explained per criterion.

use async_graphql::{Context, Object, SimpleObject};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::campaign::Criterion;
use super::load_one;
use super::org_unit::OrgUnit;
use crate::error::not_found;
use crate::loaders::UnitId;

/// One unit's place, score and why.
pub struct LeaderboardEntry {
    pub rank: u32,
    pub score: Decimal,
    pub unit_id: Uuid,
    /// Empty unless the query selected it.
    pub breakdown: Vec<CriterionScore>,
}

/// A criterion's contribution to a unit's score.
#[derive(SimpleObject)]
pub struct CriterionScore {
    pub criterion: Criterion,
    /// The value from the unit's latest approved report in the period (null: not reported).
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
        load_one(ctx, UnitId(self.unit_id))
            .await?
            .map(OrgUnit)
            .ok_or_else(|| not_found("unit"))
    }

    async fn breakdown(&self, _ctx: &Context<'_>) -> &[CriterionScore] {
        &self.breakdown
    }
}
