//! The last line of defence against input the domain should have refused: PostgreSQL's
//! "data exception" SQLSTATEs for values it cannot take become a user-input error, so a
//! missed check answers BAD_USER_INPUT / a field error, never INTERNAL. Matched on the
//! SQLSTATE code the driver reports, never on message text (messages are localised).

use std::ops::Deref;

use sea_orm::{DbErr, RuntimeErr};
use thidua_domain::{FieldError, UserErrorCode};

/// SQLSTATEs that mean "this value cannot be stored or compared as sent".
const INVALID_INPUT: &[(&str, UserErrorCode, &str)] = &[
    // character_not_in_repertoire: a NUL byte in text.
    (
        "22021",
        UserErrorCode::InvalidFormat,
        "text contains a character that cannot be stored",
    ),
    // untranslatable_character / invalid \u escape in text.
    (
        "22P05",
        UserErrorCode::InvalidFormat,
        "text contains a character that cannot be stored",
    ),
    // numeric_value_out_of_range: too many digits for the column.
    (
        "22003",
        UserErrorCode::OutOfRange,
        "a number is out of the stored range",
    ),
    // invalid_text_representation: text where a number, uuid or date was expected.
    (
        "22P02",
        UserErrorCode::InvalidFormat,
        "a value is not in the expected format",
    ),
    // string_data_right_truncation: text longer than its column.
    ("22001", UserErrorCode::TooLong, "a text is too long"),
    // invalid_datetime_format / datetime_field_overflow.
    (
        "22007",
        UserErrorCode::InvalidFormat,
        "a date is not in the expected format",
    ),
    ("22008", UserErrorCode::OutOfRange, "a date is out of range"),
    // invalid_escape_sequence / invalid_regular_expression (search patterns).
    (
        "22025",
        UserErrorCode::InvalidFormat,
        "a search text cannot be used",
    ),
    (
        "2201B",
        UserErrorCode::InvalidFormat,
        "a search text cannot be used",
    ),
];

/// The SQLSTATE of a database error, when the driver reported one.
pub fn code(err: &DbErr) -> Option<String> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.deref() {
                sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A user-input error for a database refusal caused by the value sent, if it is one.
pub fn invalid_input(err: &DbErr) -> Option<FieldError> {
    let state = code(err)?;
    let (_, code, message) = INVALID_INPUT.iter().find(|(s, _, _)| *s == state)?;
    // A domain check is missing somewhere: worth a warning, not an ERROR and not a 500.
    tracing::warn!(sqlstate = %state, error = %err, "database refused an input value");
    Some(FieldError::new("", *code, *message))
}
