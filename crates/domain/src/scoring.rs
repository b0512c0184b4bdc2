//! Unit scoring (bình xét) for a campaign: each criterion is scored against its target,
//! direction-aware and capped, then weighted; the unit's score is the weighted sum on a
//! 0–100 scale. Ranking breaks ties by unit code, so the order never flickers.
//!
//! A criterion's value for a unit is the combination of the unit's approved reports in the
//! scoring period, by the criterion's [`PeriodAggregation`] ([`period_value`]): a monthly
//! count over a year is the sum of twelve months, not December alone.
//!
//! Achievements and points are kept to 4 decimals and the total to 2, rounding halves away
//! from zero: the rule SQL's `ROUND` follows, so the database computes the same figures.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use crate::criterion::{Direction, Measure, PeriodAggregation};

/// One approved report's value for a criterion, with the report's period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodValue {
    pub report_id: Uuid,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub value: Decimal,
}

impl PeriodValue {
    /// Whether `other`'s period holds this one's, so this one is already counted in it:
    /// a longer period around it (the quarter around a month), or the same period in a
    /// report with a greater id (the same period reported twice counts once).
    fn covered_by(&self, other: &PeriodValue) -> bool {
        other.start <= self.start
            && other.end >= self.end
            && (other.start < self.start
                || other.end > self.end
                || other.report_id > self.report_id)
    }
}

/// The reports that count: every one whose period no other report's period holds
/// ([`PeriodValue::covered_by`]), so a quarterly report and the monthly ones inside it are
/// not added twice. Partly overlapping custom periods both count.
pub fn counted(values: &[PeriodValue]) -> Vec<PeriodValue> {
    values
        .iter()
        .filter(|v| !values.iter().any(|o| v.covered_by(o)))
        .copied()
        .collect()
}

/// A unit's value for a criterion over the scoring period: its counted reports
/// ([`counted`]) combined by `agg`, to 4 decimals (halves away from zero). LATEST takes
/// the report with the latest period end (then the greatest id). None without a report.
pub fn period_value(agg: PeriodAggregation, values: &[PeriodValue]) -> Option<Decimal> {
    let counted = counted(values);
    let nums = counted.iter().map(|v| v.value);
    let combined = match agg {
        PeriodAggregation::Sum => nums.sum::<Decimal>(),
        PeriodAggregation::Average => {
            nums.sum::<Decimal>() / Decimal::from(u64::try_from(counted.len()).ok()?.max(1))
        }
        PeriodAggregation::Max => nums.max()?,
        PeriodAggregation::Min => nums.min()?,
        PeriodAggregation::Latest => {
            counted
                .iter()
                .max_by(|a, b| a.end.cmp(&b.end).then(a.report_id.cmp(&b.report_id)))?
                .value
        }
    };
    if counted.is_empty() {
        return None;
    }
    Some(half_up(combined, 4))
}

/// Scores one unit from its reports: each criterion's value is [`period_value`] of that
/// criterion's reports (`reports[i]` for `criteria[i]`), then [`score`].
pub fn score_periods(
    criteria: &[(ScoredCriterion, PeriodAggregation)],
    reports: &[Vec<PeriodValue>],
) -> (Decimal, Vec<CriterionScore>) {
    let actuals: Vec<Option<Decimal>> = criteria
        .iter()
        .zip(reports.iter().chain(std::iter::repeat(&vec![])))
        .map(|((_, agg), r)| period_value(*agg, r))
        .collect();
    let scored: Vec<ScoredCriterion> = criteria.iter().map(|(c, _)| c.clone()).collect();
    score(&scored, &actuals)
}

/// A criterion as scoring sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredCriterion {
    pub measure: Measure,
    pub direction: Direction,
    pub target: Decimal,
    pub weight: Decimal,
}

/// How one criterion contributed to a unit's score: what a council member reads.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionScore {
    pub actual: Option<Decimal>,
    /// Achievement against the target, 0–1 after the cap (None without a value).
    pub achievement: Decimal,
    /// achievement × weight ÷ total weight × 100: the criterion's share of the 0–100 score.
    pub points: Decimal,
}

/// Achievement of `actual` against `c.target`, capped to 0–1.
///
/// - higher is better: actual ÷ target (a target of 0 is met by any value ≥ 0);
/// - lower is better: 1 when actual ≤ target, else target ÷ actual (0 when the target is 0);
/// - yes/no: 1 for yes, 0 for no, whatever the direction.
pub fn achievement(c: &ScoredCriterion, actual: Decimal) -> Decimal {
    let raw = if c.measure == Measure::YesNo {
        if actual == Decimal::ONE {
            Decimal::ONE
        } else {
            Decimal::ZERO
        }
    } else {
        match c.direction {
            Direction::HigherIsBetter if c.target <= Decimal::ZERO => {
                if actual >= c.target {
                    Decimal::ONE
                } else {
                    Decimal::ZERO
                }
            }
            Direction::HigherIsBetter => actual / c.target,
            Direction::LowerIsBetter if actual <= c.target => Decimal::ONE,
            Direction::LowerIsBetter if c.target <= Decimal::ZERO || actual <= Decimal::ZERO => {
                Decimal::ZERO
            }
            Direction::LowerIsBetter => c.target / actual,
        }
    };
    raw.clamp(Decimal::ZERO, Decimal::ONE)
}

/// Scores one unit: per-criterion breakdown and the total on a 0–100 scale. A missing
/// value scores 0 for its criterion.
pub fn score(
    criteria: &[ScoredCriterion],
    actuals: &[Option<Decimal>],
) -> (Decimal, Vec<CriterionScore>) {
    let total_weight: Decimal = criteria.iter().map(|c| c.weight).sum();
    if total_weight <= Decimal::ZERO {
        return (Decimal::ZERO, vec![]);
    }
    let parts: Vec<CriterionScore> = criteria
        .iter()
        .zip(actuals.iter().chain(std::iter::repeat(&None)))
        .map(|(c, a)| {
            let ach = a.map_or(Decimal::ZERO, |v| achievement(c, v));
            CriterionScore {
                actual: *a,
                achievement: half_up(ach, 4),
                points: half_up(ach * c.weight * Decimal::ONE_HUNDRED / total_weight, 4),
            }
        })
        .collect();
    let total = half_up(parts.iter().map(|p| p.points).sum::<Decimal>(), 2);
    (total, parts)
}

/// Rounds to `dp` decimals, halves away from zero (not to even): as SQL's `ROUND` does.
pub fn half_up(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Ranks (score, unit code) pairs: higher score first, then unit code; equal scores share
/// a rank ("1, 2, 2, 4").
pub fn rank<T>(mut rows: Vec<(Decimal, String, T)>) -> Vec<(u32, Decimal, String, T)> {
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = Vec::with_capacity(rows.len());
    let mut prev: Option<Decimal> = None;
    let mut rank = 0u32;
    for (i, (s, code, t)) in rows.into_iter().enumerate() {
        if prev != Some(s) {
            rank = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1);
            prev = Some(s);
        }
        out.push((rank, s, code, t));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The hand-worked example: three criteria, one lower-is-better.
    ///
    /// | criterion | measure | direction | target | weight |
    /// | households with cultural title | % | higher | 90 | 2 |
    /// | new models | count | higher | 4 | 1 |
    /// | poverty rate | % | lower | 2 | 1 |
    ///
    /// Unit A: 90 %, 2 models, 1 % poor → 1, 0.5, 1 → (2 + 0.5 + 1) / 4 = 87.5
    /// Unit B: 99 %, 6 models, 4 % poor → 1 (capped), 1 (capped), 0.5 → (2 + 1 + 0.5) / 4 = 87.5
    /// Unit C: 45 %, 4 models, 2 % poor → 0.5, 1, 1 → (1 + 1 + 1) / 4 = 75
    /// Order: A and B tie at 87.5 (code breaks the tie: A before B, both rank 1), C ranks 3.
    fn criteria() -> Vec<ScoredCriterion> {
        vec![
            ScoredCriterion {
                measure: Measure::Percent,
                direction: Direction::HigherIsBetter,
                target: d("90"),
                weight: d("2"),
            },
            ScoredCriterion {
                measure: Measure::Count,
                direction: Direction::HigherIsBetter,
                target: d("4"),
                weight: d("1"),
            },
            ScoredCriterion {
                measure: Measure::Percent,
                direction: Direction::LowerIsBetter,
                target: d("2"),
                weight: d("1"),
            },
        ]
    }

    #[test]
    fn hand_worked_example_gives_the_expected_scores_and_order() {
        let c = criteria();
        let (a, a_parts) = score(&c, &[Some(d("90")), Some(d("2")), Some(d("1"))]);
        let (b, _) = score(&c, &[Some(d("99")), Some(d("6")), Some(d("4"))]);
        let (cc, _) = score(&c, &[Some(d("45")), Some(d("4")), Some(d("2"))]);
        assert_eq!((a, b, cc), (d("87.5"), d("87.5"), d("75")));
        assert_eq!(
            a_parts.iter().map(|p| p.points).collect::<Vec<_>>(),
            vec![d("50"), d("12.5"), d("25")]
        );
        let ranked = rank(vec![
            (cc, "C".into(), ()),
            (b, "B".into(), ()),
            (a, "A".into(), ()),
        ]);
        let order: Vec<(u32, &str)> = ranked.iter().map(|r| (r.0, r.2.as_str())).collect();
        assert_eq!(order, vec![(1, "A"), (1, "B"), (3, "C")]);
    }

    fn month(year: i32, m: u32, value: &str) -> PeriodValue {
        let start = NaiveDate::from_ymd_opt(year, m, 1).unwrap();
        let end = if m == 12 {
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap()
        } else {
            NaiveDate::from_ymd_opt(year, m + 1, 1)
                .unwrap()
                .pred_opt()
                .unwrap()
        };
        PeriodValue {
            report_id: Uuid::from_u128(u128::from(m)),
            start,
            end,
            value: d(value),
        }
    }

    /// The hand-worked example over a year of monthly reports. The count criterion ("new
    /// models", target 4) is a SUM: unit A reports 1 model in March and 1 in September and
    /// 0 in the ten other months, so its year's value is 2 (as in the example above), not
    /// December's 0. The percentages keep the LATEST month: A's December figures, 90 % and
    /// 1 %, stand for the year. The score is then the example's 87.5. Had the count taken
    /// only December (the old rule) A would score (2 + 0 + 1) / 4 = 75.
    #[test]
    fn hand_worked_example_over_twelve_monthly_reports() {
        use PeriodAggregation as A;
        let c: Vec<(ScoredCriterion, A)> = criteria()
            .into_iter()
            .zip([A::Latest, A::Sum, A::Latest])
            .collect();
        let households: Vec<PeriodValue> = (1..=12)
            .map(|m| month(2025, m, if m == 12 { "90" } else { "80" }))
            .collect();
        let models: Vec<PeriodValue> = (1..=12)
            .map(|m| month(2025, m, if m == 3 || m == 9 { "1" } else { "0" }))
            .collect();
        let poverty: Vec<PeriodValue> = (1..=12)
            .map(|m| month(2025, m, if m == 12 { "1" } else { "3" }))
            .collect();
        let (total, parts) = score_periods(&c, &[households, models.clone(), poverty]);
        assert_eq!(total, d("87.5"));
        assert_eq!(
            parts.iter().map(|p| p.actual).collect::<Vec<_>>(),
            vec![Some(d("90")), Some(d("2")), Some(d("1"))]
        );
        assert_eq!(period_value(A::Latest, &models), Some(d("0")));
    }

    #[test]
    fn each_aggregation_combines_the_periods_its_way() {
        use PeriodAggregation as A;
        let v = [
            month(2025, 1, "3"),
            month(2025, 2, "1"),
            month(2025, 3, "4"),
        ];
        assert_eq!(period_value(A::Sum, &v), Some(d("8")));
        assert_eq!(period_value(A::Max, &v), Some(d("4")));
        assert_eq!(period_value(A::Min, &v), Some(d("1")));
        assert_eq!(period_value(A::Latest, &v), Some(d("4")));
        // 8 ÷ 3 = 2.6666… → 2.6667
        assert_eq!(period_value(A::Average, &v), Some(d("2.6667")));
        for a in PeriodAggregation::ALL {
            assert_eq!(period_value(*a, &[]), None, "{a}");
        }
    }

    /// A first-quarter report (10) holds the January–March monthly reports: it counts, they
    /// do not; April counts on its own. The same month sent twice counts once (the greater id).
    #[test]
    fn a_longer_report_replaces_the_reports_inside_it() {
        use PeriodAggregation as A;
        let quarter = PeriodValue {
            report_id: Uuid::from_u128(100),
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
            value: d("10"),
        };
        let mut v = vec![
            month(2025, 1, "3"),
            month(2025, 2, "1"),
            month(2025, 3, "4"),
            quarter,
            month(2025, 4, "5"),
        ];
        assert_eq!(period_value(A::Sum, &v), Some(d("15")));
        v.push(PeriodValue {
            report_id: Uuid::from_u128(200),
            ..month(2025, 4, "6")
        });
        assert_eq!(period_value(A::Sum, &v), Some(d("16")));
    }

    #[test]
    fn missing_values_score_zero_and_yes_no_is_all_or_nothing() {
        let c = criteria();
        let (s, parts) = score(&c, &[None, Some(d("4")), Some(d("2"))]);
        assert_eq!(s, d("50"));
        assert_eq!(parts[0].achievement, Decimal::ZERO);
        let yn = ScoredCriterion {
            measure: Measure::YesNo,
            direction: Direction::HigherIsBetter,
            target: d("1"),
            weight: d("1"),
        };
        assert_eq!(achievement(&yn, d("1")), Decimal::ONE);
        assert_eq!(achievement(&yn, d("0")), Decimal::ZERO);
    }

    /// 1 ÷ 32 = 0.03125 and 100 ÷ 128 = 0.78125: halves round up, as in SQL, not to even.
    #[test]
    fn halves_round_away_from_zero() {
        let one = ScoredCriterion {
            measure: Measure::Number,
            direction: Direction::HigherIsBetter,
            target: d("32"),
            weight: d("1"),
        };
        let c = vec![one; 128];
        let (total, parts) = score(&c, &[Some(d("1"))]);
        assert_eq!(parts[0].achievement, d("0.0313"));
        // 0.03125 × 1 × 100 ÷ 128 = 0.0244140625
        assert_eq!(parts[0].points, d("0.0244"));
        assert_eq!(total, d("0.02"));
        let (_, parts) = score(&c, &[Some(d("32"))]);
        assert_eq!(parts[0].points, d("0.7813"));
        assert_eq!(half_up(d("87.345"), 2), d("87.35"));
    }

    #[test]
    fn lower_is_better_with_a_zero_target() {
        let c = ScoredCriterion {
            measure: Measure::Number,
            direction: Direction::LowerIsBetter,
            target: d("0"),
            weight: d("1"),
        };
        assert_eq!(achievement(&c, d("0")), Decimal::ONE);
        assert_eq!(achievement(&c, d("3")), Decimal::ZERO);
    }
}
