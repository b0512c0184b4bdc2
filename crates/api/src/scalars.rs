//! Custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A measured number as sent by a client: a JSON number or a decimal string. It is never
/// refused while the request is parsed, so that a bad number fails only its own report,
/// with a field-level error (NOT_A_NUMBER), instead of the whole batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement(pub String);

#[Scalar]
impl ScalarType for Measurement {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(match value {
            Value::String(s) => Measurement(s),
            Value::Number(n) => Measurement(n.to_string()),
            other => Measurement(other.to_string()),
        })
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An input date, parsed strictly: exactly `YYYY-MM-DD` naming a real day. chrono's own
/// parser (used by async-graphql's `NaiveDate`) also takes `2025-2-3` and `+002025-02-03`.
/// Same GraphQL name and description as the output scalar, so the schema is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub chrono::NaiveDate);

/// ISO 8601 calendar date without timezone.
/// Format: %Y-%m-%d
///
/// # Examples
///
/// * `1994-11-13`
/// * `2000-02-24`
#[Scalar(name = "NaiveDate")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => thidua_domain::number::parse_date(s)
                .map(Date)
                .ok_or_else(|| {
                    InputValueError::custom(crate::i18n::text(&thidua_domain::msg!("date-invalid")))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<Date> for chrono::NaiveDate {
    fn from(d: Date) -> Self {
        d.0
    }
}

/// An input decimal, parsed strictly: plain decimal text (or a JSON number whose text is
/// plain), at most 16 digits before the point and 4 after it, so nothing is rounded
/// when it is stored. async-graphql's own `Decimal` takes "1_000" and goes through f64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub rust_decimal::Decimal);

#[Scalar(name = "Decimal")]
impl ScalarType for Dec {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = match &value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        thidua_domain::number::parse_decimal(&text)
            .map(Dec)
            .map_err(|e| InputValueError::custom(crate::i18n::text(&e.message())))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<Dec> for rust_decimal::Decimal {
    fn from(d: Dec) -> Self {
        d.0
    }
}
