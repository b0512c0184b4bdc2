//! Milestones (mốc): launch, reporting deadlines, interim and final reviews.

use chrono::NaiveDate;

string_enum!(
    MilestoneKind (stored_len = 30) {
        Launch => "LAUNCH",
        ReportingDeadline => "REPORTING_DEADLINE",
        InterimReview => "INTERIM_REVIEW",
        FinalReview => "FINAL_REVIEW",
        Custom => "CUSTOM",
    }
);

string_enum!(
    /// Derived, never stored: it changes with the calendar.
    MilestoneStatus {
        Upcoming => "UPCOMING",
        DueSoon => "DUE_SOON",
        Overdue => "OVERDUE",
        Done => "DONE",
    }
);

/// A milestone is "due soon" this many days ahead, so a dashboard can warn in time.
pub const DUE_SOON_DAYS: i64 = 14;

/// `today` is the date in Quảng Ninh ([`crate::calendar::today`]), never the UTC date.
pub fn status(due: NaiveDate, completed: bool, today: NaiveDate) -> MilestoneStatus {
    if completed {
        MilestoneStatus::Done
    } else if due < today {
        MilestoneStatus::Overdue
    } else if (due - today).num_days() <= DUE_SOON_DAYS {
        MilestoneStatus::DueSoon
    } else {
        MilestoneStatus::Upcoming
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn status_follows_the_calendar() {
        let today = d(2025, 6, 1);
        assert_eq!(
            status(d(2025, 5, 31), false, today),
            MilestoneStatus::Overdue
        );
        assert_eq!(
            status(d(2025, 6, 1), false, today),
            MilestoneStatus::DueSoon
        );
        assert_eq!(
            status(d(2025, 6, 15), false, today),
            MilestoneStatus::DueSoon
        );
        assert_eq!(
            status(d(2025, 6, 16), false, today),
            MilestoneStatus::Upcoming
        );
        assert_eq!(status(d(2025, 5, 1), true, today), MilestoneStatus::Done);
    }

    /// From 17:00 to 24:00 UTC it is already the next day in Quảng Ninh: a milestone due
    /// on the UTC date is overdue there, and one due 14 days after the UTC date is due soon.
    #[test]
    fn status_uses_the_vietnamese_date_between_17_and_24_utc() {
        use crate::calendar::date_in_vietnam;
        use chrono::{TimeZone, Utc};
        for (h, m) in [(17, 0), (20, 30), (23, 59)] {
            let now = Utc.with_ymd_and_hms(2025, 5, 31, h, m, 0).unwrap();
            let today = date_in_vietnam(now);
            assert_eq!(today, d(2025, 6, 1));
            assert_eq!(
                status(d(2025, 5, 31), false, today),
                MilestoneStatus::Overdue
            );
            assert_eq!(
                status(d(2025, 6, 15), false, today),
                MilestoneStatus::DueSoon
            );
        }
        let before = Utc.with_ymd_and_hms(2025, 5, 31, 16, 59, 59).unwrap();
        assert_eq!(
            status(d(2025, 5, 31), false, date_in_vietnam(before)),
            MilestoneStatus::DueSoon
        );
    }
}
