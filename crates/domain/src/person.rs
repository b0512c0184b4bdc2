//! People honoured (cá nhân): a record of its own, so namesakes stay apart and a person's
//! history follows them from unit to unit and through a merger of units.

use crate::msg;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::commendation::CommendationKind;
use crate::error::{FieldError, UserErrorCode as C};

/// A national identity number (CCCD, 12 digits) or, for a foreigner, a passport number:
/// 6–20 letters and digits, spaces and dashes ignored, letters upper-cased. Only its hash
/// is ever stored ([`NationalId::hash`]), and it is never returned.
#[derive(Clone, PartialEq, Eq)]
pub struct NationalId(String);

impl std::fmt::Debug for NationalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NationalId(…)")
    }
}

impl NationalId {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect();
        if !(6..=20).contains(&s.chars().count()) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                "",
                C::InvalidFormat,
                msg!("person-identity-passport-number-letters"),
            ));
        }
        Ok(Self(s))
    }

    /// Hex SHA-256 of the normalised number under a fixed domain prefix: equal numbers
    /// give equal hashes (so a second record for the same person is refused), and the
    /// number itself is not stored.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(format!("thidua:national-id:{}", self.0).as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A person is recorded without a unit only as a foreign recipient (khen thưởng đối ngoại):
/// everyone else belongs to a unit of the tree, where their history and permissions live.
pub fn check_unit(kind: CommendationKind, has_unit: bool) -> Result<(), FieldError> {
    if !has_unit && kind != CommendationKind::ForeignRelations {
        return Err(FieldError::new(
            "recipient.personId",
            C::UnitRequired,
            msg!("person-only-doi-ngoai-commendation"),
        ));
    }
    Ok(())
}

/// A move to another unit starts a new stint on `on`; the current stint (from `current_from`)
/// ends the day before. A move to the unit one is in, or dated before the current stint
/// began, is refused.
pub fn check_move(
    current_unit: Option<uuid::Uuid>,
    current_from: Option<NaiveDate>,
    to_unit: uuid::Uuid,
    on: NaiveDate,
) -> Result<(), FieldError> {
    if current_unit == Some(to_unit) {
        return Err(FieldError::new(
            "unitId",
            C::InvalidTransition,
            msg!("person-person-already-unit"),
        ));
    }
    if current_from.is_some_and(|from| on <= from) {
        return Err(FieldError::new(
            "on",
            C::EndBeforeStart,
            msg!("person-move-must-dated-after"),
        ));
    }
    Ok(())
}

/// A day in a person's unit history: from 1950 up to a year from `today` (a transfer
/// may be decided ahead of time).
pub fn check_day(field: &str, on: NaiveDate, today: NaiveDate) -> Result<(), FieldError> {
    let first = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = today + chrono::Days::new(366);
    if on < first || on > last {
        return Err(FieldError::new(
            field,
            C::OutOfRange,
            msg!("person-day-from", last = last),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn national_ids_are_normalised_before_hashing_and_never_shown() {
        let a = NationalId::parse("022 088-001234").unwrap();
        let b = NationalId::parse("022088001234").unwrap();
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
        assert_ne!(a.hash(), NationalId::parse("022088001235").unwrap().hash());
        assert!(!format!("{a:?}").contains("0220"));
        assert_eq!(
            NationalId::parse("ab12cd").unwrap().hash(),
            NationalId::parse("AB12CD").unwrap().hash()
        );
        for bad in ["12345", "022088/001234", "", "số 0220"] {
            let e = NationalId::parse(bad).unwrap_err();
            assert_eq!(e.code, C::InvalidFormat, "{bad}");
        }
        assert_eq!(
            NationalId::parse(&"1".repeat(21)).unwrap_err().code,
            C::InvalidFormat
        );
    }

    #[test]
    fn only_a_foreign_relations_honour_goes_to_someone_without_a_unit() {
        assert!(check_unit(CommendationKind::ForeignRelations, false).is_ok());
        assert!(check_unit(CommendationKind::Merit, true).is_ok());
        let e = check_unit(CommendationKind::Merit, false).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_str()),
            (C::UnitRequired, "recipient.personId")
        );
    }

    #[test]
    fn history_days_run_from_1950_to_a_year_ahead() {
        let today = day(2025, 6, 1);
        assert!(check_day("on", day(1950, 1, 1), today).is_ok());
        assert!(check_day("on", day(2026, 6, 2), today).is_ok());
        for bad in [day(1949, 12, 31), day(2026, 6, 3)] {
            let e = check_day("on", bad, today).unwrap_err();
            assert_eq!((e.code, e.field.as_str()), (C::OutOfRange, "on"));
        }
    }

    #[test]
    fn a_move_goes_to_another_unit_after_the_current_stint_began() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert!(check_move(Some(a), Some(day(2020, 1, 1)), b, day(2025, 7, 1)).is_ok());
        assert!(check_move(None, None, b, day(2025, 7, 1)).is_ok());
        let e = check_move(Some(a), Some(day(2020, 1, 1)), a, day(2025, 7, 1)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::InvalidTransition, "unitId"));
        let e = check_move(Some(a), Some(day(2025, 7, 1)), b, day(2025, 7, 1)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::EndBeforeStart, "on"));
    }
}
