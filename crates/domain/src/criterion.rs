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

string_enum!(
    /// How a unit's approved reports inside a scoring period combine into one value for
    /// the criterion: a monthly count over a year is a SUM, a rate is its LATEST value.
    PeriodAggregation {
        Sum => "SUM",
        Average => "AVERAGE",
        Latest => "LATEST",
        Max => "MAX",
        Min => "MIN",
    }
);

impl PeriodAggregation {
    /// The default for a measure: counts add up over the periods (SUM); percentages,
    /// numbers and yes/no keep the latest report's value, as every criterion was scored
    /// before criteria declared an aggregation.
    pub fn default_for(measure: Measure) -> Self {
        match measure {
            Measure::Count => Self::Sum,
            Measure::Number | Measure::Percent | Measure::YesNo => Self::Latest,
        }
    }

    /// Whether this aggregation keeps the measure's meaning: percentages do not add up
    /// (no SUM), and a yes/no is only combined by LATEST, MAX (yes in any period) or MIN
    /// (yes in every period).
    pub fn fits(self, measure: Measure) -> bool {
        match measure {
            Measure::Count | Measure::Number => true,
            Measure::Percent => self != Self::Sum,
            Measure::YesNo => matches!(self, Self::Latest | Self::Max | Self::Min),
        }
    }

    /// The aggregation as sent (or the measure's default), checked against the measure.
    pub fn for_measure(measure: Measure, raw: Option<Self>) -> Result<Self, FieldError> {
        let agg = raw.unwrap_or_else(|| Self::default_for(measure));
        if !agg.fits(measure) {
            return Err(FieldError::new(
                "periodAggregation",
                UserErrorCode::AggregationNotAllowed,
                msg!(
                    "criterion-does-not-fit-criterion",
                    agg = agg.as_str(),
                    measure = measure.as_str()
                ),
            ));
        }
        Ok(agg)
    }
}

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
    fn counts_sum_by_default_and_other_measures_keep_the_latest_value() {
        use PeriodAggregation as A;
        assert_eq!(A::for_measure(Measure::Count, None).unwrap(), A::Sum);
        for m in [Measure::Number, Measure::Percent, Measure::YesNo] {
            assert_eq!(A::for_measure(m, None).unwrap(), A::Latest, "{m}");
        }
        assert_eq!(
            A::for_measure(Measure::Percent, Some(A::Average)).unwrap(),
            A::Average
        );
        assert_eq!(
            A::for_measure(Measure::YesNo, Some(A::Min)).unwrap(),
            A::Min
        );
    }

    #[test]
    fn percentages_do_not_add_up_and_yes_no_is_not_averaged() {
        use PeriodAggregation as A;
        for (m, a) in [
            (Measure::Percent, A::Sum),
            (Measure::YesNo, A::Sum),
            (Measure::YesNo, A::Average),
        ] {
            let e = A::for_measure(m, Some(a)).unwrap_err();
            assert_eq!(e.code, UserErrorCode::AggregationNotAllowed, "{m} {a}");
            assert_eq!(e.field, "periodAggregation");
        }
        let errs = NewCriterion::parse_with(
            "Tỷ lệ hộ nghèo",
            Measure::Percent,
            Direction::LowerIsBetter,
            Some("%"),
            Some(Decimal::from(2)),
            Decimal::ONE,
            Some(A::Sum),
        )
        .unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.code).collect::<Vec<_>>(),
            vec![UserErrorCode::AggregationNotAllowed]
        );
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
    pub period_aggregation: PeriodAggregation,
}

impl NewCriterion {
    /// Parses raw input with the measure's default period aggregation.
    pub fn parse(
        title: &str,
        measure: Measure,
        direction: Direction,
        unit_label: Option<&str>,
        target_value: Option<Decimal>,
        weight: Decimal,
    ) -> Result<Self, Vec<FieldError>> {
        Self::parse_with(
            title,
            measure,
            direction,
            unit_label,
            target_value,
            weight,
            None,
        )
    }

    /// Parses raw input; reports every problem at once, with field names relative to the
    /// criterion. `period_aggregation` None takes the measure's default.
    pub fn parse_with(
        title: &str,
        measure: Measure,
        direction: Direction,
        unit_label: Option<&str>,
        target_value: Option<Decimal>,
        weight: Decimal,
        period_aggregation: Option<PeriodAggregation>,
    ) -> Result<Self, Vec<FieldError>> {
        let title = crate::text::Title::parse(title).map_err(|e| e.under("title"));
        let unit_label = parse_unit_label(unit_label);
        let target_value = parse_target_value(measure, target_value);
        let weight = Weight::parse(weight);
        let aggregation = PeriodAggregation::for_measure(measure, period_aggregation);
        match (title, unit_label, target_value, weight, aggregation) {
            (Ok(title), Ok(unit_label), Ok(target_value), Ok(weight), Ok(period_aggregation)) => {
                Ok(Self {
                    title,
                    measure,
                    direction,
                    unit_label,
                    target_value,
                    weight,
                    period_aggregation,
                })
            }
            (t, u, v, w, g) => Err([t.err(), u.err(), v.err(), w.err(), g.err()]
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
