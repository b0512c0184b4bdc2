//! Strict text forms for numbers and dates. What is accepted is exactly what is stored and
//! returned, so a client resending a value it got back is never told it changed.
//!
//! - A number is plain decimal text: an optional leading `-`, digits, and optionally a
//!   point followed by 1–4 digits. No `+`, spaces, underscores, exponents, `NaN`. At most
//!   16 digits before the point: measured values live in `numeric(20,4)` columns.
//!   Malformed text is INVALID_FORMAT; more than 4 decimals, or 16 integer digits too many,
//!   is OUT_OF_RANGE (well formed, but not a value the API can keep exactly).
//! - A date is exactly `YYYY-MM-DD` naming a real calendar day.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::UserErrorCode as C;

/// Decimal places a stored number keeps.
pub const MAX_SCALE: u32 = 4;
/// Digits before the point a stored number may have (`numeric(20,4)`).
pub const MAX_INTEGER_DIGITS: usize = 16;

/// Why a text is not a number the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not plain decimal text.
    Format,
    /// Well formed, but more decimals or digits than the API keeps.
    Range,
}

impl NumberError {
    pub const fn code(self) -> C {
        match self {
            Self::Format => C::InvalidFormat,
            Self::Range => C::OutOfRange,
        }
    }

    pub fn message(self) -> crate::error::Message {
        match self {
            Self::Format => crate::msg!("number-format"),
            Self::Range => crate::msg!("number-range"),
        }
    }
}

/// Parses plain decimal text (see the module docs).
pub fn parse_decimal(raw: &str) -> Result<Decimal, NumberError> {
    parse_decimal_within(raw, MAX_INTEGER_DIGITS, MAX_SCALE)
}

/// Like [`parse_decimal`], for a column with other bounds (coordinates keep 7 decimals).
pub fn parse_decimal_within(
    raw: &str,
    max_integer_digits: usize,
    max_scale: u32,
) -> Result<Decimal, NumberError> {
    // Longest valid text: '-', 16 digits, '.', 4 digits.
    if raw.len() > 64 {
        return Err(NumberError::Format);
    }
    let body = raw.strip_prefix('-').unwrap_or(raw);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Err(NumberError::Format);
    }
    let significant = int.trim_start_matches('0');
    let max_scale = usize::try_from(max_scale).unwrap_or(usize::MAX);
    if significant.len() > max_integer_digits || frac.is_some_and(|f| f.len() > max_scale) {
        return Err(NumberError::Range);
    }
    raw.parse::<Decimal>().map_err(|_| NumberError::Format)
}

/// Checks a number that arrived already parsed (e.g. from a JSON number) against what the
/// columns keep: at most 4 decimals, fewer than 10^16 in magnitude.
pub fn check_storable(v: Decimal) -> Result<Decimal, NumberError> {
    let v = v.normalize();
    if v.scale() > MAX_SCALE || v.abs() >= Decimal::from(10_000_000_000_000_000_i64) {
        return Err(NumberError::Range);
    }
    Ok(v)
}

/// Parses a date written exactly `YYYY-MM-DD` (four-digit year, two-digit month and day)
/// that names a real day; `2025-2-3`, `+002025-02-03` and `2025-02-30` are refused.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let n = |r: std::ops::Range<usize>| raw.get(r)?.parse::<u32>().ok();
    let year = i32::try_from(n(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, n(5..7)?, n(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn plain_decimals_are_accepted_as_written() {
        assert_eq!(parse_decimal("1000"), Ok(d("1000")));
        assert_eq!(parse_decimal("-3"), Ok(d("-3")));
        assert_eq!(parse_decimal("12.5"), Ok(d("12.5")));
        assert_eq!(parse_decimal("12.3456"), Ok(d("12.3456")));
        assert_eq!(parse_decimal("0.0001"), Ok(d("0.0001")));
        assert_eq!(parse_decimal("007"), Ok(d("7")));
        assert_eq!(
            parse_decimal("9999999999999999.9999"),
            Ok(d("9999999999999999.9999"))
        );
    }

    #[test]
    fn anything_but_plain_decimal_text_is_a_format_error() {
        for bad in [
            "", "1_000", "1e3", "1E3", "+1", " 1", "1 ", "1,5", ".5", "5.", "-", "--1", "NaN",
            "Infinity", "0x10", "1.2.3", "١٢", "1\0",
        ] {
            assert_eq!(parse_decimal(bad), Err(NumberError::Format), "{bad:?}");
        }
        assert_eq!(parse_decimal(&"1".repeat(100)), Err(NumberError::Format));
    }

    #[test]
    fn too_many_digits_are_out_of_range_not_rounded() {
        assert_eq!(parse_decimal("12.34567"), Err(NumberError::Range));
        assert_eq!(parse_decimal("10000000000000000"), Err(NumberError::Range));
        assert_eq!(parse_decimal("-10000000000000000"), Err(NumberError::Range));
        assert_eq!(NumberError::Range.code(), C::OutOfRange);
        assert_eq!(NumberError::Format.code(), C::InvalidFormat);
    }

    #[test]
    fn parsed_numbers_are_checked_against_the_columns() {
        assert_eq!(check_storable(d("12.5000")), Ok(d("12.5")));
        assert_eq!(check_storable(d("12.34567")), Err(NumberError::Range));
        assert_eq!(
            check_storable(Decimal::from(10_i64.pow(16))),
            Err(NumberError::Range)
        );
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(
            parse_date("2025-02-03"),
            NaiveDate::from_ymd_opt(2025, 2, 3)
        );
        assert_eq!(
            parse_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2025-2-3",
            "+002025-02-03",
            "2025-02-30",
            "2025-13-01",
            "2025-00-10",
            "25-02-03",
            " 2025-02-03",
            "2025-02-03 ",
            "2025/02/03",
            "2025-02-03T00:00",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }
}
