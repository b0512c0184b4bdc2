//! The province's calendar: every "today", due date and overdue check is a date in
//! Asia/Ho_Chi_Minh (UTC+7, no daylight saving since 1975), not in UTC. Between 00:00 and
//! 07:00 Vietnamese time the UTC date is still yesterday's.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};

/// Asia/Ho_Chi_Minh as a fixed offset: Vietnam has kept UTC+7 without daylight saving
/// since 1975, so a fixed offset is exact for every date this service handles.
pub const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

pub fn vietnam() -> FixedOffset {
    // 7 h is inside ±24 h, so the fallback (UTC) is never taken; a test pins the offset.
    FixedOffset::east_opt(VIETNAM_OFFSET_SECS).unwrap_or(Utc.fix())
}

/// The calendar date in Quảng Ninh at the instant `now`.
pub fn date_in_vietnam(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&vietnam()).date_naive()
}

/// Today's date in Quảng Ninh (reads the clock: callers at the edges, not rules).
pub fn today() -> NaiveDate {
    date_in_vietnam(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_offset_is_seven_hours_east() {
        assert_eq!(vietnam().local_minus_utc(), 7 * 3600);
    }

    #[test]
    fn before_seven_in_the_morning_utc_it_is_already_tomorrow_in_quang_ninh() {
        let late_utc = Utc.with_ymd_and_hms(2025, 12, 31, 17, 30, 0).unwrap();
        assert_eq!(
            date_in_vietnam(late_utc),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        let early_utc = Utc.with_ymd_and_hms(2025, 12, 31, 16, 59, 59).unwrap();
        assert_eq!(
            date_in_vietnam(early_utc),
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
        );
    }
}
