//! The award catalogue (danh hiệu thi đua, hình thức khen thưởng): rows of data, not enums,
//! because a new decree changes the catalogue, not the code. Only the classifications a
//! rule switches on are closed sets here.

use crate::msg;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{FieldError, UserErrorCode as C};

string_enum!(
    /// What sort of honour a catalogue row is.
    AwardCategory (stored_len = 30) {
        /// Danh hiệu thi đua (Chiến sĩ thi đua, Lao động tiên tiến, Cờ thi đua…).
        EmulationTitle => "EMULATION_TITLE",
        /// Danh hiệu vinh dự nhà nước (Anh hùng Lao động, Nhà giáo Nhân dân…).
        StateHonoraryTitle => "STATE_HONORARY_TITLE",
        /// Huân chương.
        Order => "ORDER",
        /// Huy chương.
        Medal => "MEDAL",
        /// Bằng khen.
        CertificateOfMerit => "CERTIFICATE_OF_MERIT",
        /// Giấy khen.
        Certificate => "CERTIFICATE",
        /// A title the province itself confers (e.g. "Công dân Quảng Ninh ưu tú").
        ProvincialTitle => "PROVINCIAL_TITLE",
    }
);

string_enum!(
    /// The level whose authority confers the award; target 3 counts CENTRAL.
    AwardLevel {
        Grassroots => "GRASSROOTS",
        District => "DISTRICT",
        Provincial => "PROVINCIAL",
        Ministerial => "MINISTERIAL",
        /// Central state: the Prime Minister, the President, the Government.
        Central => "CENTRAL",
    }
);

string_enum!(
    /// Who an award can go to.
    RecipientKind {
        Individual => "INDIVIDUAL",
        Collective => "COLLECTIVE",
        Both => "BOTH",
    }
);

impl RecipientKind {
    /// Whether an award for `self` may go to a recipient that is `actual`
    /// (always INDIVIDUAL or COLLECTIVE).
    pub fn accepts(self, actual: RecipientKind) -> bool {
        self == RecipientKind::Both || self == actual
    }
}

/// The share of **all** council members who must vote yes, in percent (0 < t ≤ 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold(Decimal);

impl Threshold {
    pub fn parse(raw: Decimal) -> Result<Self, FieldError> {
        if raw <= Decimal::ZERO || raw > Decimal::ONE_HUNDRED {
            return Err(FieldError::new("", C::OutOfRange, msg!("threshold-range")));
        }
        // Stored as numeric(5,2): more decimals would be rounded silently.
        if raw.normalize().scale() > 2 {
            return Err(FieldError::new(
                "",
                C::OutOfRange,
                msg!("threshold-decimals"),
            ));
        }
        Ok(Self(raw.normalize()))
    }

    pub fn percent(self) -> Decimal {
        self.0
    }
}

/// An earlier title the recipient must hold in consecutive years before this one,
/// e.g. two consecutive provincial Chiến sĩ thi đua before the national one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prerequisite {
    pub consecutive_years: u32,
}

impl Prerequisite {
    pub const MAX_YEARS: i32 = 10;

    pub fn parse(raw: i32) -> Result<Self, FieldError> {
        if !(1..=Self::MAX_YEARS).contains(&raw) {
            return Err(FieldError::new(
                "",
                C::OutOfRange,
                msg!("prerequisite-years-range", max = Self::MAX_YEARS),
            ));
        }
        Ok(Self {
            consecutive_years: raw.unsigned_abs(),
        })
    }

    /// The longest run of consecutive years in `held` that ends no later than `year`,
    /// and whether it is long enough. Years may repeat and come in any order.
    pub fn check(self, held: &[i32], year: i32) -> PrerequisiteCheck {
        let mut years: Vec<i32> = held.iter().copied().filter(|y| *y <= year).collect();
        years.sort_unstable();
        years.dedup();
        let (mut best, mut run) = (0u32, 0u32);
        let mut prev: Option<i32> = None;
        for y in &years {
            run = if prev.is_some_and(|p| p + 1 == *y) {
                run + 1
            } else {
                1
            };
            best = best.max(run);
            prev = Some(*y);
        }
        PrerequisiteCheck {
            met: best >= self.consecutive_years,
            longest_run: best,
            years,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrerequisiteCheck {
    pub met: bool,
    pub longest_run: u32,
    /// The years the recipient holds the required title, up to the nomination's year.
    pub years: Vec<i32>,
}

/// Dates during which an award type may be nominated for.
pub fn check_effective(from: NaiveDate, to: Option<NaiveDate>) -> Result<(), FieldError> {
    if to.is_some_and(|t| t < from) {
        return Err(FieldError::new(
            "effectiveTo",
            C::EndBeforeStart,
            msg!("award-effective-order"),
        ));
    }
    Ok(())
}

pub fn is_effective_on(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|t| day <= t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_accepts_either_kind_of_recipient() {
        use RecipientKind::*;
        assert!(Both.accepts(Individual) && Both.accepts(Collective));
        assert!(Individual.accepts(Individual) && !Individual.accepts(Collective));
        assert!(!Collective.accepts(Individual));
    }

    #[test]
    fn thresholds_are_percentages_above_zero() {
        assert!(Threshold::parse(Decimal::ZERO).is_err());
        assert!(Threshold::parse(Decimal::from(101)).is_err());
        assert_eq!(
            Threshold::parse(Decimal::from(90)).map(Threshold::percent),
            Ok(Decimal::from(90))
        );
    }

    #[test]
    fn prerequisite_needs_a_long_enough_run_of_consecutive_years() {
        let two = Prerequisite::parse(2).unwrap();
        assert!(two.check(&[2023, 2024], 2025).met);
        assert!(!two.check(&[2021, 2023], 2025).met);
        assert!(two.check(&[2024, 2021, 2022, 2024], 2025).met);
        let later = two.check(&[2026, 2027], 2025);
        assert!(
            !later.met,
            "titles after the nomination's year do not count"
        );
        assert_eq!(later.years, Vec::<i32>::new());
        assert_eq!(two.check(&[2020, 2022, 2023, 2024], 2025).longest_run, 3);
        assert!(Prerequisite::parse(0).is_err() && Prerequisite::parse(11).is_err());
    }

    #[test]
    fn effective_dates_bound_the_award() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert!(is_effective_on(d(2024, 1, 1), None, d(2030, 1, 1)));
        assert!(!is_effective_on(
            d(2024, 1, 1),
            Some(d(2025, 12, 31)),
            d(2026, 1, 1)
        ));
        assert!(!is_effective_on(d(2024, 1, 1), None, d(2023, 12, 31)));
        assert!(check_effective(d(2024, 1, 1), Some(d(2023, 1, 1))).is_err());
    }
}
