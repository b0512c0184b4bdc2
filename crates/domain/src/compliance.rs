//! Reporting compliance (DHIS2's reporting rate): of the units taking part in a campaign,
//! how many reported for a period, how many on time, approved, returned, and who is missing.
//!
//! The rules, which the SQL in `thidua_persistence::compliance` applies:
//! - **Which reports count.** A period is named as reports name it: `2025-03` (month),
//!   `2025-Q1` (quarter), `2025-H1` (half-year), `2025` (year). Its reports are those whose
//!   period is exactly that one. A reporting-deadline milestone instead collects every report
//!   whose period ends after the previous reporting deadline of the campaign and on or before
//!   its own due date ([`Window`]).
//! - **Expected.** One report per registered unit per period asked: participating units × 1
//!   ([`expected`]). A unit with several counting reports is counted once, by its latest.
//! - **Submitted** is any counting report, whatever its status (a returned report was
//!   submitted; it is also counted as returned). **Missing** = expected − submitted.
//! - **On time** is submitted before the end of the deadline's due date in Vietnam
//!   ([`on_time_cutoff`]). A period's deadline is the campaign's earliest REPORTING_DEADLINE
//!   milestone due on or after the period's last day ([`deadline_for`]). Without one nothing
//!   can be late: every submitted report counts as on time and `deadline` is null.
//! - **Shares** are counts ÷ expected, 4 decimals; none when nothing is expected.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::error::{FieldError, UserErrorCode as C};
use crate::milestone::MilestoneKind;
use crate::msg;
use crate::report::{Period, PeriodKind};

/// Longest period name accepted (`2025-Q1` is 7 characters).
pub const MAX_PERIOD_CHARS: usize = 16;

/// Years a period name may carry.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2100;

/// Parses a period named as reports name them: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY`.
pub fn parse_period(raw: &str) -> Result<Period, FieldError> {
    let bad = || FieldError::new("period", C::InvalidPeriod, msg!("compliance-period-format"));
    if raw.len() > MAX_PERIOD_CHARS || !raw.is_ascii() {
        return Err(bad());
    }
    let (year, rest) = match raw.split_once('-') {
        Some((y, r)) => (y, Some(r)),
        None => (raw, None),
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(bad());
    }
    let number = |s: &str| -> Result<u32, FieldError> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let (kind, first_month, months) = match rest {
        None => (PeriodKind::Year, 1, 12),
        Some(r) => match r.as_bytes().first() {
            Some(b'Q') => match number(&r[1..])? {
                q @ 1..=4 => (PeriodKind::Quarter, (q - 1) * 3 + 1, 3),
                _ => return Err(bad()),
            },
            Some(b'H') => match number(&r[1..])? {
                h @ 1..=2 => (PeriodKind::HalfYear, (h - 1) * 6 + 1, 6),
                _ => return Err(bad()),
            },
            _ if r.len() == 2 => match number(r)? {
                m @ 1..=12 => (PeriodKind::Month, m, 1),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        },
    };
    let start = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or_else(bad)?;
    let after = if first_month + months > 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, first_month + months, 1)
    }
    .ok_or_else(bad)?;
    let end = after.pred_opt().ok_or_else(bad)?;
    Period::parse(kind, start, end)
}

/// The reports a deadline milestone collects: those whose period ends in `(after, until]`
/// (`after` is the previous reporting deadline, none for the campaign's first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub after: Option<NaiveDate>,
    pub until: NaiveDate,
}

/// The reporting-deadline due dates among a campaign's milestones.
fn deadlines(milestones: &[(MilestoneKind, NaiveDate)]) -> impl Iterator<Item = NaiveDate> + '_ {
    milestones
        .iter()
        .filter(|(k, _)| *k == MilestoneKind::ReportingDeadline)
        .map(|(_, d)| *d)
}

/// The deadline of a period: the earliest reporting deadline due on or after its last day.
pub fn deadline_for(
    period_end: NaiveDate,
    milestones: &[(MilestoneKind, NaiveDate)],
) -> Option<NaiveDate> {
    deadlines(milestones).filter(|d| *d >= period_end).min()
}

/// The window of the reporting deadline due on `due`: after the latest earlier deadline.
pub fn window_for(due: NaiveDate, milestones: &[(MilestoneKind, NaiveDate)]) -> Window {
    Window {
        after: deadlines(milestones).filter(|d| *d < due).max(),
        until: due,
    }
}

/// The first instant that is late for a deadline due on `due`: midnight at the end of that
/// day in Vietnam (UTC+7), as UTC. A report submitted strictly before it is on time.
pub fn on_time_cutoff(due: NaiveDate) -> DateTime<Utc> {
    let next = due.succ_opt().unwrap_or(due);
    let midnight = next.and_hms_opt(0, 0, 0).unwrap_or_default();
    // The fixed offset maps every local time to exactly one instant.
    crate::calendar::vietnam()
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight) - Duration::hours(7))
}

/// Whether a report submitted at `submitted_at` met the deadline `due` (none: always).
pub fn is_on_time(submitted_at: DateTime<Utc>, due: Option<NaiveDate>) -> bool {
    due.is_none_or(|d| submitted_at < on_time_cutoff(d))
}

/// Reports expected: one per participating unit per period asked.
pub fn expected(participating_units: u64, periods: u64) -> u64 {
    participating_units.saturating_mul(periods)
}

/// The figures of one unit row (or of the whole subtree), as counted by the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub expected: u64,
    pub submitted: u64,
    pub on_time: u64,
    pub approved: u64,
    pub returned: u64,
}

impl Counts {
    pub fn late(&self) -> u64 {
        self.submitted.saturating_sub(self.on_time)
    }

    pub fn missing(&self) -> u64 {
        self.expected.saturating_sub(self.submitted)
    }

    pub fn submitted_share(&self) -> Option<Decimal> {
        share(self.submitted, self.expected)
    }

    pub fn on_time_share(&self) -> Option<Decimal> {
        share(self.on_time, self.expected)
    }
}

/// `part ÷ whole` to 4 decimals (half away from zero), none when `whole` is 0.
pub fn share(part: u64, whole: u64) -> Option<Decimal> {
    if whole == 0 {
        return None;
    }
    let v = Decimal::from(part) / Decimal::from(whole);
    Some(v.round_dp(4).normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_are_named_as_reports_name_them() {
        let p = parse_period("2025-03").unwrap();
        assert_eq!(
            (p.kind, p.start, p.end),
            (PeriodKind::Month, d(2025, 3, 1), d(2025, 3, 31))
        );
        let p = parse_period("2024-02").unwrap();
        assert_eq!(p.end, d(2024, 2, 29));
        let p = parse_period("2025-Q4").unwrap();
        assert_eq!(
            (p.kind, p.start, p.end),
            (PeriodKind::Quarter, d(2025, 10, 1), d(2025, 12, 31))
        );
        let p = parse_period("2025-H1").unwrap();
        assert_eq!(
            (p.kind, p.start, p.end),
            (PeriodKind::HalfYear, d(2025, 1, 1), d(2025, 6, 30))
        );
        let p = parse_period("2025").unwrap();
        assert_eq!(
            (p.kind, p.start, p.end),
            (PeriodKind::Year, d(2025, 1, 1), d(2025, 12, 31))
        );
    }

    #[test]
    fn malformed_periods_are_refused() {
        for raw in [
            "",
            "2025-13",
            "2025-00",
            "2025-3",
            "2025-Q5",
            "2025-Q0",
            "2025-H3",
            "25-03",
            "2025-03-01",
            "2025/03",
            "abcd",
            "1899",
            "2101-01",
            "2025-Q",
            "2025-q1",
            "２０２５",
            "2025-Q+1",
            "2025-\u{0}1",
            "2025-0123456789012345",
        ] {
            let e = parse_period(raw).unwrap_err();
            assert_eq!(e.code, C::InvalidPeriod, "{raw:?}");
        }
    }

    #[test]
    fn a_periods_deadline_is_the_first_reporting_deadline_on_or_after_its_end() {
        use MilestoneKind::*;
        let ms = [
            (ReportingDeadline, d(2025, 4, 10)),
            (InterimReview, d(2025, 3, 31)),
            (ReportingDeadline, d(2025, 7, 10)),
            (ReportingDeadline, d(2025, 3, 31)),
        ];
        assert_eq!(deadline_for(d(2025, 3, 31), &ms), Some(d(2025, 3, 31)));
        assert_eq!(deadline_for(d(2025, 4, 30), &ms), Some(d(2025, 7, 10)));
        assert_eq!(deadline_for(d(2025, 8, 31), &ms), None);
        assert_eq!(
            deadline_for(d(2025, 1, 31), &[(InterimReview, d(2025, 3, 1))]),
            None
        );
        assert_eq!(
            window_for(d(2025, 7, 10), &ms),
            Window {
                after: Some(d(2025, 4, 10)),
                until: d(2025, 7, 10)
            }
        );
        assert_eq!(
            window_for(d(2025, 3, 31), &ms),
            Window {
                after: None,
                until: d(2025, 3, 31)
            }
        );
    }

    /// On time until 23:59:59 of the due date in Quảng Ninh, i.e. 17:00 UTC that day.
    #[test]
    fn on_time_means_by_the_end_of_the_due_date_in_vietnam() {
        let due = d(2025, 4, 10);
        assert_eq!(
            on_time_cutoff(due),
            Utc.with_ymd_and_hms(2025, 4, 10, 17, 0, 0).unwrap()
        );
        let just_in = Utc.with_ymd_and_hms(2025, 4, 10, 16, 59, 59).unwrap();
        let just_late = Utc.with_ymd_and_hms(2025, 4, 10, 17, 0, 0).unwrap();
        assert!(is_on_time(just_in, Some(due)));
        assert!(!is_on_time(just_late, Some(due)));
        // Without a deadline nothing is late.
        assert!(is_on_time(just_late, None));
    }

    /// The fixture of the end-to-end test: 4 units, 1 on time and approved, 1 late,
    /// 1 returned (on time), 1 missing.
    #[test]
    fn counts_derive_late_missing_and_shares() {
        let c = Counts {
            expected: expected(4, 1),
            submitted: 3,
            on_time: 2,
            approved: 1,
            returned: 1,
        };
        assert_eq!(c.expected, 4);
        assert_eq!((c.late(), c.missing()), (1, 1));
        assert_eq!(c.submitted_share(), Some(Decimal::new(75, 2)));
        assert_eq!(c.on_time_share(), Some(Decimal::new(5, 1)));
        assert_eq!(share(1, 3), Some(Decimal::new(3333, 4)));
        assert_eq!(share(2, 3), Some(Decimal::new(6667, 4)));
        assert_eq!(Counts::default().submitted_share(), None);
        assert_eq!(expected(0, 1), 0);
        assert_eq!(expected(u64::MAX, 2), u64::MAX);
    }
}
