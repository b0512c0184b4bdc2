//! Progress by criterion: each criterion's approved values combined over periods, then over
//! units, per group (child unit or calendar period), against the criterion's target.
//!
//! The rules, which the SQL in `thidua_persistence::progress` applies:
//! - **Which reports.** Approved reports of registered units under the chosen unit whose
//!   period lies inside `[from, to]`; a report inside another approved one's period counts
//!   once (as on the leaderboard, `scoring::counted`).
//! - **Over periods.** A unit's values of a criterion combine by the criterion's
//!   `periodAggregation` (SUM, AVERAGE, LATEST, MAX, MIN), as on the leaderboard.
//! - **Over units.** Criteria declare no unit aggregation, so [`UnitAggregation::for_measure`]
//!   decides: counts add up across units (SUM); numbers, percentages and yes/no are averaged
//!   (AVERAGE, a yes/no average is the share of units answering yes).
//! - **Period groups.** A report belongs to the month, quarter, half-year or year holding its period's
//!   last day; within a group its unit's values combine as above.
//! - **Range.** `from` no later than `to`, and at most [`ProgressRange::MAX_YEARS`] years,
//!   so a query never scans an unbounded history.

use chrono::{Datelike, NaiveDate};

use crate::criterion::Measure;
use crate::error::{FieldError, UserErrorCode as C};
use crate::msg;

/// How the units' combined values of one criterion combine into a group's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitAggregation {
    Sum,
    Average,
}

impl UnitAggregation {
    /// Counts (violations, households) add up across units; levels and rates do not.
    pub fn for_measure(measure: Measure) -> Self {
        match measure {
            Measure::Count => Self::Sum,
            Measure::Number | Measure::Percent | Measure::YesNo => Self::Average,
        }
    }
}

/// The dates a progress query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl ProgressRange {
    pub const MAX_YEARS: i32 = 10;

    /// `from` ≤ `to` and `to` before the same day `MAX_YEARS` years after `from`.
    pub fn parse(from: NaiveDate, to: NaiveDate) -> Result<Self, FieldError> {
        if to < from {
            return Err(FieldError::new(
                "to",
                C::EndBeforeStart,
                msg!("progress-range-order"),
            ));
        }
        let limit = from
            .with_year(from.year() + Self::MAX_YEARS)
            // 29 February: the limit is 1 March.
            .or_else(|| NaiveDate::from_ymd_opt(from.year() + Self::MAX_YEARS, 3, 1));
        match limit {
            Some(l) if to < l => Ok(Self { from, to }),
            _ => Err(FieldError::new(
                "to",
                C::OutOfRange,
                msg!("progress-range-too-wide", max = Self::MAX_YEARS),
            )),
        }
    }
}

/// The calendar period a report falls in when grouped by period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Month,
    Quarter,
    HalfYear,
    Year,
}

impl Bucket {
    /// The name of the period holding `end` (a report's last day), as reports name periods:
    /// `2025-03`, `2025-Q1`, `2025-H1`, `2025`. The SQL computes the same key.
    pub fn key(self, end: NaiveDate) -> String {
        match self {
            Self::Month => format!("{:04}-{:02}", end.year(), end.month()),
            Self::Quarter => format!("{:04}-Q{}", end.year(), end.month().div_ceil(3)),
            Self::HalfYear => format!("{:04}-H{}", end.year(), end.month().div_ceil(6)),
            Self::Year => format!("{:04}", end.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn counts_add_up_and_levels_are_averaged() {
        assert_eq!(
            UnitAggregation::for_measure(Measure::Count),
            UnitAggregation::Sum
        );
        for m in [Measure::Number, Measure::Percent, Measure::YesNo] {
            assert_eq!(UnitAggregation::for_measure(m), UnitAggregation::Average);
        }
    }

    #[test]
    fn ranges_are_ordered_and_shorter_than_ten_years() {
        assert!(ProgressRange::parse(d(2025, 1, 1), d(2025, 1, 1)).is_ok());
        assert!(ProgressRange::parse(d(2020, 1, 1), d(2029, 12, 31)).is_ok());
        let wide = ProgressRange::parse(d(2020, 1, 1), d(2030, 1, 1)).unwrap_err();
        assert_eq!((wide.code, wide.field.as_str()), (C::OutOfRange, "to"));
        let back = ProgressRange::parse(d(2025, 2, 1), d(2025, 1, 31)).unwrap_err();
        assert_eq!((back.code, back.field.as_str()), (C::EndBeforeStart, "to"));
        // A leap day: ten years later is 1 March.
        assert!(ProgressRange::parse(d(2024, 2, 29), d(2034, 2, 28)).is_ok());
        assert!(ProgressRange::parse(d(2024, 2, 29), d(2034, 3, 1)).is_err());
    }

    #[test]
    fn buckets_are_named_as_periods_are() {
        assert_eq!(Bucket::Month.key(d(2025, 3, 31)), "2025-03");
        assert_eq!(Bucket::Quarter.key(d(2025, 3, 31)), "2025-Q1");
        assert_eq!(Bucket::Quarter.key(d(2025, 4, 1)), "2025-Q2");
        assert_eq!(Bucket::Quarter.key(d(2025, 12, 31)), "2025-Q4");
        assert_eq!(Bucket::HalfYear.key(d(2025, 6, 30)), "2025-H1");
        assert_eq!(Bucket::HalfYear.key(d(2025, 7, 31)), "2025-H2");
        assert_eq!(Bucket::Year.key(d(2025, 12, 31)), "2025");
    }
}
