//! Campaign leaderboards (bình xét): scores per unit, explained per criterion.

use async_graphql::{Context, Object, SimpleObject};
use rust_decimal::Decimal;
use thidua_persistence::entities::org_unit;

use super::campaign::Criterion;
use super::org_unit::OrgUnit;

/// One unit's place, score and why.
pub struct LeaderboardEntry {
    pub rank: u32,
    pub score: Decimal,
    pub unit: org_unit::Model,
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

    async fn unit(&self) -> OrgUnit {
        OrgUnit(self.unit.clone())
    }

    async fn breakdown(&self, _ctx: &Context<'_>) -> &[CriterionScore] {
        &self.breakdown
    }
}
