//! Query arguments checked at the boundary: every string that reaches SQL is bounded and
//! free of control characters, so hostile text answers BAD_USER_INPUT, never INTERNAL.

use thidua_domain::{FieldError, msg};

use crate::error::bad_input;

/// A request-level BAD_USER_INPUT for a field error of a query argument.
pub fn field_error(e: FieldError) -> async_graphql::Error {
    if e.field.is_empty() {
        bad_input(&e.message)
    } else {
        let problem = crate::i18n::text(&e.message);
        bad_input(&msg!(
            "argument-invalid",
            field = e.field,
            problem = problem
        ))
    }
}

/// Checks a free-text query argument (a code to look up, words to search, a request id):
/// at most `max` characters, no NUL or other control character.
pub fn text(raw: &str, name: &str, max: usize) -> async_graphql::Result<String> {
    if raw.len() > max.saturating_mul(4) || raw.chars().count() > max {
        return Err(bad_input(&msg!(
            "argument-too-long",
            name = name,
            max = max
        )));
    }
    no_control_characters(raw, name)?;
    Ok(raw.to_owned())
}

/// Refuses NUL and every other control character (PostgreSQL cannot store NUL, and no
/// lookup key or search holds the others).
pub fn no_control_characters(raw: &str, name: &str) -> async_graphql::Result<()> {
    if raw.chars().any(char::is_control) {
        return Err(bad_input(&msg!("argument-control-characters", name = name)));
    }
    Ok(())
}

/// Like [`text`], for an optional argument.
pub fn optional_text(
    raw: Option<String>,
    name: &str,
    max: usize,
) -> async_graphql::Result<Option<String>> {
    raw.map(|r| text(&r, name, max)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_long_text_are_refused() {
        assert!(text("KTX-2025", "code", 100).is_ok());
        assert!(text("Quảng Ninh", "search", 10).is_ok());
        assert!(text("a\0b", "code", 100).is_err());
        assert!(text("a\nb", "code", 100).is_err());
        assert!(text(&"a".repeat(101), "code", 100).is_err());
        assert!(optional_text(None, "code", 100).unwrap().is_none());
    }
}
