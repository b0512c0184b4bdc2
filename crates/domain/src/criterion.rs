//! Criteria (tiêu chí thi đua): what a campaign measures and how much each counts.

use crate::error::Message;
use crate::msg;
use rust_decimal::Decimal;

use crate::error::{FieldError, UserErrorCode};

string_enum!(
    /// How a criterion is measured.
    Measure {
        Number => "NUMBER",
        Percent => "PERCENT",
        Count => "COUNT",
        YesNo => "YES_NO",
    }
);

string_enum!(
    /// Whether a higher or a lower value is better (e.g. poverty rate: lower).
    Direction {
        HigherIsBetter => "HIGHER_IS_BETTER",
        LowerIsBetter => "LOWER_IS_BETTER",
    }
);

/// The parts of a criterion that decide whether it is concrete.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionSpec {
    pub measure: Measure,
    pub direction: Direction,
    pub target_value: Option<Decimal>,
    pub unit_label: Option<String>,
    pub weight: Decimal,
}

impl CriterionSpec {
    /// Concrete = measurable: a target value, a unit label and a positive weight.
    /// This is the programme's first target ("100% of movements have specific criteria").
    pub fn is_concrete(&self) -> bool {
        self.target_value.is_some()
            && self
                .unit_label
                .as_deref()
                .is_some_and(|u| !u.trim().is_empty())
            && self.weight > Decimal::ZERO
    }
}

/// Relative importance of a criterion: 0 < weight ≤ 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weight(Decimal);

impl Weight {
    pub fn parse(raw: Decimal) -> Result<Self, FieldError> {
        if raw <= Decimal::ZERO {
            return Err(FieldError::new(
                "weight",
                UserErrorCode::NotPositive,
                msg!("criterion-weight-not-positive"),
            ));
        }
        if raw > Decimal::from(1000) {
            return Err(FieldError::new(
                "weight",
                UserErrorCode::OutOfRange,
                msg!("criterion-weight-too-large"),
            ));
        }
        Ok(Self(raw))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// A criterion's target, checked against its measure: a percent lies in 0–100, a count
/// is a non-negative whole number, yes/no is 0 or 1.
pub fn parse_target_value(
    measure: Measure,
    raw: Option<Decimal>,
) -> Result<Option<Decimal>, FieldError> {
    let Some(v) = raw else { return Ok(None) };
    check_value(measure, v).map_err(|e| FieldError {
        field: "targetValue".into(),
        ..e
    })?;
    Ok(Some(v))
}

/// A value measured for a criterion (targets now, reported values later).
pub fn check_value(measure: Measure, v: Decimal) -> Result<(), FieldError> {
    let bad = |m: Message| Err(FieldError::new("value", UserErrorCode::OutOfRange, m));
    match measure {
        Measure::Percent if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED => {
            bad(msg!("percent-range"))
        }
        Measure::Count if v < Decimal::ZERO || !v.fract().is_zero() => bad(msg!("count-whole")),
        Measure::YesNo if v != Decimal::ZERO && v != Decimal::ONE => bad(msg!("yes-no-value")),
        _ => Ok(()),
    }
}

/// Unit label such as "%", "hộ", "km"; at most 40 characters.
pub fn parse_unit_label(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let cleaned = raw
        .map(crate::text::clean)
        .transpose()
        .map_err(|e| e.under("unitLabel"))?;
    match cleaned {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if s.chars().count() > 40 => Err(FieldError::new(
            "unitLabel",
            UserErrorCode::TooLong,
            msg!("too-long", max = 40),
        )),
        Some(s) => Ok(Some(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_must_be_positive_and_bounded() {
        assert_eq!(
            Weight::parse(Decimal::from(-1)).unwrap_err().code,
            UserErrorCode::NotPositive
        );
        assert_eq!(
            Weight::parse(Decimal::ZERO).unwrap_err().code,
            UserErrorCode::NotPositive
        );
        assert_eq!(
            Weight::parse(Decimal::from(1001)).unwrap_err().code,
            UserErrorCode::OutOfRange
        );
        assert!(Weight::parse(Decimal::new(5, 1)).is_ok());
    }

    #[test]
    fn targets_respect_their_measure() {
        assert!(parse_target_value(Measure::Percent, Some(Decimal::from(101))).is_err());
        assert!(parse_target_value(Measure::Percent, Some(Decimal::from(100))).is_ok());
        assert!(parse_target_value(Measure::Count, Some(Decimal::new(25, 1))).is_err());
        assert!(parse_target_value(Measure::Count, Some(Decimal::from(-1))).is_err());
        assert!(parse_target_value(Measure::YesNo, Some(Decimal::from(7))).is_err());
        assert!(parse_target_value(Measure::Number, Some(Decimal::from(-7))).is_ok());
        assert_eq!(parse_target_value(Measure::Number, None).unwrap(), None);
    }

    #[test]
    fn blank_unit_label_is_not_concrete() {
        let spec = CriterionSpec {
            measure: Measure::Count,
            direction: Direction::HigherIsBetter,
            target_value: Some(Decimal::from(10)),
            unit_label: Some("  ".into()),
            weight: Decimal::ONE,
        };
        assert!(!spec.is_concrete());
        assert!(
            CriterionSpec {
                unit_label: Some("hộ".into()),
                ..spec
            }
            .is_concrete()
        );
    }
}

/// A criterion as entered, already checked: safe to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCriterion {
    pub title: crate::text::Title,
    pub measure: Measure,
    pub direction: Direction,
    pub unit_label: Option<String>,
    pub target_value: Option<Decimal>,
    pub weight: Weight,
}

impl NewCriterion {
    /// Parses raw input; reports every problem at once, with field names relative to the criterion.
    pub fn parse(
        title: &str,
        measure: Measure,
        direction: Direction,
        unit_label: Option<&str>,
        target_value: Option<Decimal>,
        weight: Decimal,
    ) -> Result<Self, Vec<FieldError>> {
        let title = crate::text::Title::parse(title).map_err(|e| e.under("title"));
        let unit_label = parse_unit_label(unit_label);
        let target_value = parse_target_value(measure, target_value);
        let weight = Weight::parse(weight);
        match (title, unit_label, target_value, weight) {
            (Ok(title), Ok(unit_label), Ok(target_value), Ok(weight)) => Ok(Self {
                title,
                measure,
                direction,
                unit_label,
                target_value,
                weight,
            }),
            (t, u, v, w) => Err([t.err(), u.err(), v.err(), w.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }

    pub fn spec(&self) -> CriterionSpec {
        CriterionSpec {
            measure: self.measure,
            direction: self.direction,
            target_value: self.target_value,
            unit_label: self.unit_label.clone(),
            weight: self.weight.value(),
        }
    }
}
