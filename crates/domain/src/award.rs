//! The award catalogue (danh hiệu thi đua, hình thức khen thưởng): rows of data, not enums,
//! because a new decree changes the catalogue, not the code. Only the classifications a
//! rule switches on are closed sets here.

use crate::msg;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{FieldError, Message, UserErrorCode as C};

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
        /// Individual or collective.
        Both => "BOTH",
        /// A household (hộ gia đình), e.g. "Gia đình văn hóa": named by its head and unit.
        Household => "HOUSEHOLD",
    }
);

impl RecipientKind {
    /// Whether an award for `self` may go to a recipient that is `actual`
    /// (INDIVIDUAL, COLLECTIVE or HOUSEHOLD). BOTH means individual or collective: a
    /// household title goes to households only.
    pub fn accepts(self, actual: RecipientKind) -> bool {
        self == actual
            || (self == RecipientKind::Both
                && matches!(
                    actual,
                    RecipientKind::Individual | RecipientKind::Collective
                ))
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

/// The cash reward of a row as a multiple of the base salary (NĐ 98/2023/NĐ-CP Đ54), e.g.
/// 0.3 for Lao động tiên tiến. Data, not code: a decree changes the number, not a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CashCoefficient(Decimal);

impl CashCoefficient {
    /// Far above any row of the table (Cờ thi đua của Chính phủ is 12.0); a typo guard.
    pub const MAX: Decimal = Decimal::ONE_HUNDRED;

    pub fn parse(raw: Decimal) -> Result<Self, FieldError> {
        if raw < Decimal::ZERO || raw > Self::MAX {
            return Err(FieldError::new(
                "",
                C::OutOfRange,
                msg!("cash-coefficient-range"),
            ));
        }
        // Stored as numeric(6,2).
        if raw.normalize().scale() > 2 {
            return Err(FieldError::new(
                "",
                C::OutOfRange,
                msg!("award-cash-coefficient-has-most"),
            ));
        }
        Ok(Self(raw.normalize()))
    }

    pub fn get(self) -> Decimal {
        self.0
    }
}

/// The legal text a row rests on (law, decree, article), with any caveat: required, at
/// most [`LegalBasis::MAX_CHARS`] characters, NFC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalBasis(String);

impl LegalBasis {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let too_long = || FieldError::new("", C::TooLong, msg!("too-long", max = Self::MAX_CHARS));
        // The raw length first, so a megabyte is refused before it is normalised.
        if raw.len() > Self::MAX_CHARS * 4 + 64 {
            return Err(too_long());
        }
        let s = crate::text::clean(raw)?;
        if s.is_empty() {
            return Err(FieldError::new("", C::Required, msg!("required")));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(too_long());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_enum!(
    /// How an earlier title counts towards this one; data on the award row, because the
    /// law words each prerequisite its own way.
    PrerequisiteKind (stored_len = 30) {
        /// The earlier title held in N consecutive calendar years (CSTĐ cơ sở three years
        /// running before CSTĐ cấp tỉnh).
        ConsecutiveYears => "CONSECUTIVE_YEARS",
        /// N consecutive conferrals of the earlier title, each within `maxGapYears` of the
        /// one before (CSTĐ toàn quốc: two consecutive conferrals of CSTĐ cấp bộ/tỉnh, a
        /// title conferred every three years, so 2021 and 2024 qualify).
        ConsecutiveConferrals => "CONSECUTIVE_CONFERRALS",
    }
);

/// An earlier title the recipient must hold before this one, counted as the award row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prerequisite {
    pub kind: PrerequisiteKind,
    /// N: years, or conferrals.
    pub count: u32,
    /// For conferrals, the most years between one conferral and the next; 1 for years.
    pub max_gap_years: u32,
}

impl Prerequisite {
    pub const MAX_COUNT: i32 = 10;

    /// The earlier title held in `years` consecutive years.
    pub fn parse(years: i32) -> Result<Self, FieldError> {
        Self::parse_kind(PrerequisiteKind::ConsecutiveYears, years, None)
    }

    /// `count` is 1–10. Conferrals need `max_gap_years` (1–10); years take none. Errors name
    /// `count` or `maxGapYears`, relative to the caller's field.
    pub fn parse_kind(
        kind: PrerequisiteKind,
        count: i32,
        max_gap_years: Option<i32>,
    ) -> Result<Self, FieldError> {
        let bounded = |v: i32, field: &str, message: Message| {
            if (1..=Self::MAX_COUNT).contains(&v) {
                Ok(v.unsigned_abs())
            } else {
                Err(FieldError::new(field, C::OutOfRange, message))
            }
        };
        let count = bounded(
            count,
            "",
            msg!("prerequisite-count-range", max = Self::MAX_COUNT),
        )?;
        let max_gap_years = match (kind, max_gap_years) {
            (PrerequisiteKind::ConsecutiveYears, None) => 1,
            (PrerequisiteKind::ConsecutiveYears, Some(_)) => {
                return Err(FieldError::new(
                    "maxGapYears",
                    C::InvalidFormat,
                    msg!("award-gap-between-conferrals-applies"),
                ));
            }
            (PrerequisiteKind::ConsecutiveConferrals, None) => {
                return Err(FieldError::new(
                    "maxGapYears",
                    C::Required,
                    msg!("award-say-how-many-years"),
                ));
            }
            (PrerequisiteKind::ConsecutiveConferrals, Some(g)) => bounded(
                g,
                "maxGapYears",
                msg!("prerequisite-gap-range", max = Self::MAX_COUNT),
            )?,
        };
        Ok(Self {
            kind,
            count,
            max_gap_years,
        })
    }

    /// The longest run in `held` (years the earlier title was conferred for) that ends no
    /// later than `year`, each step at most `max_gap_years` (1: consecutive years), and
    /// whether it is long enough. Years may repeat and come in any order.
    pub fn check(self, held: &[i32], year: i32) -> PrerequisiteCheck {
        let mut years: Vec<i32> = held.iter().copied().filter(|y| *y <= year).collect();
        years.sort_unstable();
        years.dedup();
        let gap = i64::from(self.max_gap_years);
        let (mut best, mut run) = (0u32, 0u32);
        let mut prev: Option<i32> = None;
        for y in &years {
            run = if prev.is_some_and(|p| i64::from(*y) - i64::from(p) <= gap) {
                run + 1
            } else {
                1
            };
            best = best.max(run);
            prev = Some(*y);
        }
        PrerequisiteCheck {
            met: best >= self.count,
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

/// Whether the initiative (sáng kiến) requirement of an award is met: an award row that
/// requires one is met only by a nomination that records the initiative's recognition.
pub fn initiative_met(required: bool, reference: Option<&str>) -> bool {
    !required || reference.is_some_and(|r| !r.trim().is_empty())
}

/// Dates during which an award type may be nominated for. No start date means the row is
/// not in effect yet (e.g. a provincial title whose resolution is still to be adopted).
pub fn check_effective(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), FieldError> {
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(FieldError::new(
            "effectiveTo",
            C::EndBeforeStart,
            msg!("award-effective-order"),
        ));
    }
    Ok(())
}

pub fn is_effective_on(from: Option<NaiveDate>, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from.is_some_and(|f| f <= day) && to.is_none_or(|t| day <= t)
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
        assert!(Household.accepts(Household));
        assert!(
            !Both.accepts(Household) && !Household.accepts(Individual),
            "a household title goes to households only"
        );
    }

    #[test]
    fn cash_coefficients_are_bounded_multiples_with_two_decimals() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            CashCoefficient::parse(d("0.30")).map(CashCoefficient::get),
            Ok(d("0.3"))
        );
        assert!(CashCoefficient::parse(d("12")).is_ok() && CashCoefficient::parse(d("0")).is_ok());
        for bad in ["-0.1", "100.01", "0.305"] {
            assert_eq!(
                CashCoefficient::parse(d(bad)).map_err(|e| e.code),
                Err(C::OutOfRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn legal_basis_is_required_and_bounded() {
        assert_eq!(
            LegalBasis::parse("  Luật 06/2022/QH15, Đ33 ").map(|b| b.as_str().to_owned()),
            Ok("Luật 06/2022/QH15, Đ33".to_owned())
        );
        assert_eq!(
            LegalBasis::parse("  ").map_err(|e| e.code),
            Err(C::Required)
        );
        let long = "đ".repeat(LegalBasis::MAX_CHARS + 1);
        assert_eq!(
            LegalBasis::parse(&long).map_err(|e| e.code),
            Err(C::TooLong)
        );
        assert!(LegalBasis::parse(&"đ".repeat(LegalBasis::MAX_CHARS)).is_ok());
        assert_eq!(
            LegalBasis::parse("a\u{0}b").map_err(|e| e.code),
            Err(C::InvalidFormat)
        );
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
    fn two_consecutive_conferrals_three_years_apart_qualify() {
        use PrerequisiteKind::ConsecutiveConferrals as Conf;
        let national = Prerequisite::parse_kind(Conf, 2, Some(3)).unwrap();
        // CSTĐ cấp tỉnh in 2021 and 2024: two consecutive conferrals.
        let c = national.check(&[2024, 2021], 2025);
        assert!(c.met);
        assert_eq!((c.longest_run, c.years), (2, vec![2021, 2024]));
        // The same years read as calendar years are not consecutive.
        assert!(
            !Prerequisite::parse(2)
                .unwrap()
                .check(&[2021, 2024], 2025)
                .met
        );
        // Six years between them breaks the chain.
        assert!(!national.check(&[2018, 2024], 2025).met);
        // A conferral after the nomination's year does not count.
        assert!(!national.check(&[2021, 2024], 2023).met);
        assert_eq!(national.check(&[2015, 2018, 2021], 2025).longest_run, 3);
    }

    #[test]
    fn a_conferrals_prerequisite_needs_its_gap_and_years_take_none() {
        use PrerequisiteKind::*;
        let e = Prerequisite::parse_kind(ConsecutiveConferrals, 2, None).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::Required, "maxGapYears"));
        let e = Prerequisite::parse_kind(ConsecutiveYears, 2, Some(3)).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_str()),
            (C::InvalidFormat, "maxGapYears")
        );
        let e = Prerequisite::parse_kind(ConsecutiveConferrals, 2, Some(0)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::OutOfRange, "maxGapYears"));
        let e = Prerequisite::parse_kind(ConsecutiveConferrals, 11, Some(3)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (C::OutOfRange, ""));
        assert_eq!(
            Prerequisite::parse_kind(ConsecutiveYears, 3, None)
                .unwrap()
                .max_gap_years,
            1
        );
    }

    #[test]
    fn the_initiative_requirement_is_met_only_by_a_recorded_reference() {
        assert!(initiative_met(false, None));
        assert!(!initiative_met(true, None));
        assert!(!initiative_met(true, Some("  ")));
        assert!(initiative_met(
            true,
            Some("QĐ 12/QĐ-HĐSK công nhận sáng kiến")
        ));
    }

    #[test]
    fn effective_dates_bound_the_award() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let from = Some(d(2024, 1, 1));
        assert!(is_effective_on(from, None, d(2030, 1, 1)));
        assert!(!is_effective_on(from, Some(d(2025, 12, 31)), d(2026, 1, 1)));
        assert!(!is_effective_on(from, None, d(2023, 12, 31)));
        assert!(check_effective(from, Some(d(2023, 1, 1))).is_err());
        assert!(
            !is_effective_on(None, None, d(2030, 1, 1)),
            "no start date: not in effect until an administrator sets one"
        );
        assert!(check_effective(None, Some(d(2023, 1, 1))).is_ok());
    }
}
