//! Query arguments checked at the boundary: every string that reaches SQL is bounded and
//! free of control characters, so hostile text answers BAD_USER_INPUT, never INTERNAL.

use async_graphql::ErrorExtensions;
use thidua_domain::text::SearchQuery;
use thidua_domain::{FieldError, msg};

use crate::error::bad_input;

/// A request-level BAD_USER_INPUT for a field error of a query argument; the extensions
/// also carry the argument (`field`) and the user error code (`userErrorCode`), so a client
/// can tell a too long search from a malformed one without reading the message.
pub fn field_error(e: FieldError) -> async_graphql::Error {
    let code = e.code.as_str();
    let field = (!e.field.is_empty()).then(|| e.field.clone());
    let err = match &field {
        None => bad_input(&e.message),
        Some(f) => {
            let problem = crate::i18n::text(&e.message);
            bad_input(&msg!(
                "argument-invalid",
                field = f.clone(),
                problem = problem
            ))
        }
    };
    err.extend_with(move |_, x| {
        x.set("userErrorCode", code);
        if let Some(f) = &field {
            x.set("field", f.as_str());
        }
    })
}

/// A `search` argument parsed (bounded, no control characters, at most
/// [`SearchQuery::MAX_WORDS`] words, folded); blank is no search.
pub fn search(raw: Option<String>, name: &str) -> async_graphql::Result<Option<SearchQuery>> {
    match raw {
        None => Ok(None),
        Some(r) => SearchQuery::parse(&r).map_err(|e| field_error(e.under(name))),
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
