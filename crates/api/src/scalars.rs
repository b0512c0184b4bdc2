//! Custom scalars.

use async_graphql::{InputValueResult, Scalar, ScalarType, Value};

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
