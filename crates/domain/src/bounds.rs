//! Integer inputs with their documented ranges. Every `Int` a client sends is parsed into
//! one of these before it is used, so no arithmetic, allocation or SQL ever sees an
//! unchecked `i32` (a year of −2147483648 once made a 2^31-entry vector).

use crate::error::{FieldError, UserErrorCode as C};
use crate::msg;

/// A calendar year a client may ask about or act on: 1900 to 2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year(i32);

impl Year {
    pub const MIN: i32 = 1900;
    pub const MAX: i32 = 2100;

    pub fn parse(raw: i32) -> Result<Self, FieldError> {
        if !(Self::MIN..=Self::MAX).contains(&raw) {
            return Err(FieldError::new(
                "",
                C::OutOfRange,
                msg!("year-range", min = Self::MIN, max = Self::MAX),
            ));
        }
        Ok(Self(raw))
    }

    pub const fn get(self) -> i32 {
        self.0
    }
}

/// An inclusive range of days for a time series: either end may be open, `from` no later
/// than `to`, and a closed range spans at most [`MAX_YEARS`](Self::MAX_YEARS) years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl DateRange {
    pub const MAX_YEARS: i32 = 10;

    pub fn parse(
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<Self, FieldError> {
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(FieldError::new(
                    "to",
                    C::EndBeforeStart,
                    msg!("end-before-start"),
                ));
            }
            let too_wide = f
                .checked_add_months(chrono::Months::new(12 * Self::MAX_YEARS.unsigned_abs()))
                .is_none_or(|limit| t > limit);
            if too_wide {
                return Err(FieldError::new(
                    "to",
                    C::OutOfRange,
                    msg!("year-range-too-wide", max = Self::MAX_YEARS),
                ));
            }
        }
        Ok(Self { from, to })
    }

    pub fn contains(&self, day: chrono::NaiveDate) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// An inclusive range of years, `from` no later than `to`, spanning at most
/// [`MAX_YEARS`](Self::MAX_YEARS) years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange {
    from: Year,
    to: Year,
}

impl YearRange {
    pub const MAX_YEARS: i32 = 51;

    pub fn parse(from: i32, to: i32) -> Result<Self, FieldError> {
        Self::parse_within(from, to, Self::MAX_YEARS)
    }

    /// [`Self::parse`] with a narrower bound: at most `max_years` years.
    pub fn parse_within(from: i32, to: i32, max_years: i32) -> Result<Self, FieldError> {
        let from = Year::parse(from).map_err(|e| e.under("fromYear"))?;
        let to = Year::parse(to).map_err(|e| e.under("toYear"))?;
        // Both lie in 1900–2100, so the difference cannot overflow.
        let span = to.get() - from.get();
        if span < 0 {
            return Err(FieldError::new(
                "toYear",
                C::EndBeforeStart,
                msg!("year-range-order"),
            ));
        }
        if span >= max_years {
            return Err(FieldError::new(
                "toYear",
                C::OutOfRange,
                msg!("year-range-too-wide", max = max_years),
            ));
        }
        Ok(Self { from, to })
    }

    pub const fn from(self) -> Year {
        self.from
    }

    pub const fn to(self) -> Year {
        self.to
    }

    /// Every year of the range, in order (at most `MAX_YEARS` of them).
    pub fn years(self) -> impl Iterator<Item = i32> {
        self.from.get()..=self.to.get()
    }
}

/// How many items a page may hold: `0..=max`, `default` when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u64);

impl PageSize {
    pub fn parse(raw: Option<i32>, min: u64, default: u64, max: u64) -> Result<Self, FieldError> {
        let Some(n) = raw else {
            return Ok(Self(default));
        };
        match u64::try_from(n) {
            Ok(n) if (min..=max).contains(&n) => Ok(Self(n)),
            // The message names the argument; query arguments have no input path.
            _ => Err(FieldError::new(
                "",
                C::OutOfRange,
                msg!("first-out-of-range", min = min, max = max),
            )),
        }
    }

    pub const fn get(self) -> u64 {
        self.0
    }
}

/// The version of a record as a client last saw it: versions start at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(i32);

impl Version {
    pub fn parse(raw: i32) -> Result<Self, FieldError> {
        if raw < 1 {
            return Err(FieldError::new(
                "version",
                C::OutOfRange,
                msg!("version-invalid"),
            ));
        }
        Ok(Self(raw))
    }

    /// Checks an optional version, keeping `None`.
    pub fn parse_optional(raw: Option<i32>) -> Result<Option<i32>, FieldError> {
        raw.map(|v| Self::parse(v).map(Self::get)).transpose()
    }

    pub const fn get(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_years_are_refused_without_overflow() {
        assert_eq!(
            YearRange::parse(i32::MIN, 960_645).unwrap_err().code,
            C::OutOfRange
        );
        assert_eq!(
            YearRange::parse(2000, i32::MAX).unwrap_err().field,
            "toYear"
        );
        assert_eq!(
            YearRange::parse(i32::MAX, i32::MIN).unwrap_err().field,
            "fromYear"
        );
        assert_eq!(
            YearRange::parse(2025, 2024).unwrap_err().code,
            C::EndBeforeStart
        );
        assert_eq!(
            YearRange::parse(1900, 1951).unwrap_err().code,
            C::OutOfRange
        );
        assert_eq!(YearRange::parse(1900, 1950).unwrap().years().count(), 51);
        assert_eq!(YearRange::parse(2025, 2025).unwrap().years().count(), 1);
    }

    #[test]
    fn page_sizes_are_bounded_on_both_sides() {
        assert_eq!(PageSize::parse(None, 0, 20, 100).unwrap().get(), 20);
        assert_eq!(PageSize::parse(Some(0), 0, 20, 100).unwrap().get(), 0);
        assert_eq!(PageSize::parse(Some(100), 0, 20, 100).unwrap().get(), 100);
        assert!(PageSize::parse(Some(101), 0, 20, 100).is_err());
        assert!(PageSize::parse(Some(-1), 0, 20, 100).is_err());
        assert!(PageSize::parse(Some(i32::MIN), 0, 20, 100).is_err());
        assert!(PageSize::parse(Some(0), 1, 20, 100).is_err());
    }

    #[test]
    fn versions_start_at_one() {
        assert!(Version::parse(0).is_err());
        assert!(Version::parse(i32::MIN).is_err());
        assert_eq!(Version::parse_optional(Some(3)), Ok(Some(3)));
        assert_eq!(Version::parse_optional(None), Ok(None));
    }

    #[test]
    fn a_date_range_is_ordered_and_at_most_ten_years() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert!(DateRange::parse(Some(d(2021, 1, 1)), Some(d(2031, 1, 1))).is_ok());
        assert_eq!(
            DateRange::parse(Some(d(2021, 1, 1)), Some(d(2031, 1, 2))).map_err(|e| e.code),
            Err(C::OutOfRange)
        );
        assert_eq!(
            DateRange::parse(Some(d(2025, 3, 2)), Some(d(2025, 3, 1))).map_err(|e| e.code),
            Err(C::EndBeforeStart)
        );
        let open = DateRange::parse(None, Some(d(2025, 3, 1))).unwrap_or(DateRange {
            from: None,
            to: None,
        });
        assert!(open.contains(d(1990, 1, 1)) && !open.contains(d(2025, 3, 2)));
    }
}
