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
}
