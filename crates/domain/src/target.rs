//! Programme targets (chỉ tiêu) and their progress against a linear path.

use chrono::NaiveDate;
use rust_decimal::Decimal;

string_enum!(
    /// How the current value is compared with the goal.
    Comparator {
        AtLeast => "AT_LEAST",
        AtMost => "AT_MOST",
        /// A goal range `target_value..=target_max`: reaching the lower bound achieves it.
        Range => "RANGE",
    }
);

string_enum!(
    TargetStatus {
        Achieved => "ACHIEVED",
        OnTrack => "ON_TRACK",
        AtRisk => "AT_RISK",
        OffTrack => "OFF_TRACK",
        /// No value yet (not computable, or nothing entered).
        NoData => "NO_DATA",
    }
);

string_enum!(
    /// Where a target's value comes from.
    TargetSource {
        Computed => "COMPUTED",
        Manual => "MANUAL",
    }
);

string_enum!(
    /// How a computed target gets its value (stored in `targets.computation`).
    TargetComputation (stored_len = 60) {
        /// Target 1: share of the programme's launched/closed campaigns whose criteria are all concrete.
        ConcreteCriteriaShare => "CONCRETE_CRITERIA_SHARE",
        /// Target 2: share of units that built, nurtured and replicated an exemplary model.
        ExemplarUnitShare => "EXEMPLAR_UNIT_SHARE",
        /// Target 3: exemplary models honoured at central level.
        CentralHonouredExemplars => "CENTRAL_HONOURED_EXEMPLARS",
    }
);

/// `part` of `whole` in percent, to 2 decimals; None for an empty whole (no share to speak
/// of, not 0 %). Every share the service reports (targets, ballots, indicators) is this.
pub fn percent(part: i64, whole: i64) -> Option<Decimal> {
    (whole != 0)
        .then(|| (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp(2))
}

/// A shortfall against the expected path up to this share of the whole distance is
/// "at risk"; beyond it, "off track".
pub const AT_RISK_TOLERANCE: Decimal = Decimal::from_parts(10, 0, 0, false, 2);

#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    pub comparator: Comparator,
    pub target_value: Decimal,
    pub baseline: Decimal,
    pub baseline_date: NaiveDate,
    pub deadline: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub status: TargetStatus,
    /// Current value as a share of the goal, 0–1+ (None without a value or a zero goal).
    pub share_of_target: Option<Decimal>,
    /// Where the linear path from baseline to goal says the value should be today.
    pub expected_value: Decimal,
}

impl TargetSpec {
    /// Value the linear path from (baseline_date, baseline) to (deadline, goal) expects on `today`.
    pub fn expected_on(&self, today: NaiveDate) -> Decimal {
        let total = (self.deadline - self.baseline_date).num_days();
        if total <= 0 || today >= self.deadline {
            return self.target_value;
        }
        if today <= self.baseline_date {
            return self.baseline;
        }
        let elapsed = Decimal::from((today - self.baseline_date).num_days());
        self.baseline + (self.target_value - self.baseline) * elapsed / Decimal::from(total)
    }

    pub fn progress(&self, current: Option<Decimal>, today: NaiveDate) -> Progress {
        let expected_value = self.expected_on(today).round_dp(4);
        let Some(current) = current else {
            return Progress {
                status: TargetStatus::NoData,
                share_of_target: None,
                expected_value,
            };
        };
        let share_of_target = if self.target_value.is_zero() {
            None
        } else {
            Some((current / self.target_value).round_dp(4))
        };
        let lower_is_better = self.comparator == Comparator::AtMost;
        let achieved = if lower_is_better {
            current <= self.target_value
        } else {
            current >= self.target_value
        };
        let status = if achieved {
            TargetStatus::Achieved
        } else if today > self.deadline {
            TargetStatus::OffTrack
        } else {
            // Shortfall against the path, in the direction that counts, as a share of the
            // whole distance from baseline to goal.
            let shortfall = if lower_is_better {
                current - expected_value
            } else {
                expected_value - current
            };
            let distance = (self.target_value - self.baseline).abs();
            if shortfall <= Decimal::ZERO {
                TargetStatus::OnTrack
            } else if distance.is_zero() || shortfall / distance <= AT_RISK_TOLERANCE {
                TargetStatus::AtRisk
            } else {
                TargetStatus::OffTrack
            }
        };
        Progress {
            status,
            share_of_target,
            expected_value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_to_two_places_and_has_no_value_for_nothing() {
        assert_eq!(percent(2, 3), Some(Decimal::new(6667, 2)));
        assert_eq!(percent(8, 10), Some(Decimal::from(80)));
        assert_eq!(percent(0, 0), None);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn spec() -> TargetSpec {
        // 0 % at the start of 2022, 100 % by the end of 2025.
        TargetSpec {
            comparator: Comparator::AtLeast,
            target_value: Decimal::from(100),
            baseline: Decimal::ZERO,
            baseline_date: d(2022, 1, 1),
            deadline: d(2026, 1, 1),
        }
    }

    #[test]
    fn halfway_along_the_path_expects_half_the_goal() {
        let mid = spec().expected_on(d(2024, 1, 1));
        assert!((mid - Decimal::from(50)).abs() < Decimal::ONE, "{mid}");
    }

    #[test]
    fn statuses_against_the_linear_path() {
        let s = spec();
        let today = d(2024, 1, 1); // expected ≈ 50
        assert_eq!(
            s.progress(Some(Decimal::from(100)), today).status,
            TargetStatus::Achieved
        );
        assert_eq!(
            s.progress(Some(Decimal::from(55)), today).status,
            TargetStatus::OnTrack
        );
        assert_eq!(
            s.progress(Some(Decimal::from(45)), today).status,
            TargetStatus::AtRisk
        );
        assert_eq!(
            s.progress(Some(Decimal::from(20)), today).status,
            TargetStatus::OffTrack
        );
        assert_eq!(s.progress(None, today).status, TargetStatus::NoData);
        assert_eq!(
            s.progress(Some(Decimal::from(99)), d(2026, 2, 1)).status,
            TargetStatus::OffTrack
        );
    }

    #[test]
    fn share_of_target_is_current_over_goal() {
        let p = spec().progress(Some(Decimal::from(25)), d(2023, 1, 1));
        assert_eq!(p.share_of_target, Some(Decimal::new(25, 2)));
    }

    #[test]
    fn range_goal_is_achieved_at_its_lower_bound() {
        let s = TargetSpec {
            comparator: Comparator::Range,
            target_value: Decimal::from(7),
            baseline: Decimal::ZERO,
            baseline_date: d(2026, 1, 1),
            deadline: d(2030, 12, 31),
        };
        assert_eq!(
            s.progress(Some(Decimal::from(7)), d(2028, 1, 1)).status,
            TargetStatus::Achieved
        );
        assert_ne!(
            s.progress(Some(Decimal::from(6)), d(2030, 6, 1)).status,
            TargetStatus::Achieved
        );
    }

    #[test]
    fn lower_is_better_targets_invert_the_comparison() {
        let s = TargetSpec {
            comparator: Comparator::AtMost,
            target_value: Decimal::from(2),
            baseline: Decimal::from(10),
            ..spec()
        };
        assert_eq!(
            s.progress(Some(Decimal::from(2)), d(2024, 1, 1)).status,
            TargetStatus::Achieved
        );
        assert_eq!(
            s.progress(Some(Decimal::from(5)), d(2024, 1, 1)).status,
            TargetStatus::OnTrack
        );
        assert_eq!(
            s.progress(Some(Decimal::from(9)), d(2024, 1, 1)).status,
            TargetStatus::OffTrack
        );
    }
}
