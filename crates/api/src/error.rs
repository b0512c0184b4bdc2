//! The error policy: clients see a code and a safe message; causes are logged, never sent.
//!
//! - `userErrors` in a payload: the user can fix the input (see [`UserError`]).
//! - GraphQL `errors[].extensions.code`: everything else, from [`ErrorCode`].
//!
//! Messages come from the catalogue ([`crate::i18n`]) in the request's language; the codes
//! are the contract, the texts are for people.

use async_graphql::{ErrorExtensions, SimpleObject};
use thidua_domain::{ErrorCode, FieldError, Message, msg};
use thidua_persistence::StoreError;
use thidua_persistence::error::DbFailure;

/// The GraphQL enum of [`thidua_domain::UserErrorCode`], made from the same list, so each
/// value's name on the wire is the domain code's `as_str`.
macro_rules! graphql_user_error_codes {
    ($(#[doc = $doc:tt])* $name:ident { $($(#[doc = $vdoc:tt])* $variant:ident => $s:tt),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        #[graphql(name = "UserErrorCode")]
        pub enum $name { $($(#[doc = $vdoc])* #[graphql(name = $s)] $variant),+ }

        impl From<thidua_domain::UserErrorCode> for $name {
            fn from(code: thidua_domain::UserErrorCode) -> Self {
                match code { $(thidua_domain::UserErrorCode::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for thidua_domain::UserErrorCode {
            fn from(code: $name) -> Self {
                match code { $($name::$variant => Self::$variant),+ }
            }
        }
    };
}

thidua_domain::user_error_codes!(graphql_user_error_codes);

/// A problem with the input that the user can fix; `field` is the input path
/// (e.g. `criteria.0.weight`), `code` is stable for clients to switch on.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    pub field: Option<String>,
    pub code: UserErrorCode,
    pub message: String,
}

impl From<FieldError> for UserError {
    fn from(e: FieldError) -> Self {
        Self {
            field: if e.field.is_empty() {
                None
            } else {
                Some(e.field)
            },
            code: e.code.into(),
            message: crate::i18n::text(&e.message),
        }
    }
}

/// An error async-graphql reports itself (parse, limits, validation) with its code.
pub fn server_error(code: ErrorCode, message: &Message) -> async_graphql::ServerError {
    let mut e = async_graphql::ServerError::new(crate::i18n::text(message), None);
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    e
}

/// An error with `code` and `message` rendered in the request's language.
pub fn coded(code: ErrorCode, message: &Message) -> async_graphql::Error {
    coded_text(code, crate::i18n::text(message))
}

/// [`coded`] with a text already rendered (several messages joined).
fn coded_text(code: ErrorCode, text: String) -> async_graphql::Error {
    async_graphql::Error::new(text).extend_with(|_, e| e.set("code", code.as_str()))
}

/// Several field errors as one text, each in the request's language.
fn joined<'a>(messages: impl IntoIterator<Item = &'a Message>) -> String {
    messages
        .into_iter()
        .map(crate::i18n::text)
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn unauthenticated() -> async_graphql::Error {
    coded(ErrorCode::Unauthenticated, &msg!("sign-in-first"))
}

pub fn forbidden() -> async_graphql::Error {
    coded(ErrorCode::Forbidden, &msg!("forbidden"))
}

/// NOT_FOUND for a thing named by its key in the catalogue's `-thing` term ("award type").
pub fn not_found(what: &str) -> async_graphql::Error {
    coded(
        ErrorCode::NotFound,
        &msg!(
            "not-found",
            what = thidua_domain::MessageArg::word("thing", what)
        ),
    )
}

pub fn bad_input(message: &Message) -> async_graphql::Error {
    coded(ErrorCode::BadUserInput, message)
}

pub fn internal(cause: &dyn std::fmt::Display) -> async_graphql::Error {
    tracing::error!(error = %cause, "internal error");
    coded(ErrorCode::Internal, &msg!("internal"))
}

/// The seconds a client is asked to wait when the database is unavailable.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// A database failure: SERVICE_UNAVAILABLE when it cannot be reached (the HTTP layer
/// answers 503 with `Retry-After`), TIMEOUT when a statement ran too long, else INTERNAL.
pub fn db_error(e: &sea_orm::DbErr) -> async_graphql::Error {
    match thidua_persistence::error::classify(e) {
        DbFailure::Unavailable => unavailable(e),
        DbFailure::TimedOut => {
            tracing::warn!(error = %e, "a database statement timed out");
            timed_out()
        }
        DbFailure::Other => internal(e),
    }
}

/// The one mapping of a storage error to a request-level error: only what the user can fix
/// or must be told (bad input, not found, forbidden, conflict) keeps its code; a database
/// failure goes through [`db_error`]; anything internal is logged and answers INTERNAL.
/// [`Failure`] keeps fixable input errors in the payload and defers the rest to this.
pub fn store_error(e: &StoreError) -> async_graphql::Error {
    match e {
        StoreError::Invalid(f) => bad_input(&f.message),
        StoreError::InvalidMany(fs) => coded_text(
            ErrorCode::BadUserInput,
            joined(fs.iter().map(|f| &f.message)),
        ),
        StoreError::NotFound(what) => not_found(what),
        StoreError::Forbidden => forbidden(),
        StoreError::Conflict(msg) => coded(ErrorCode::Conflict, msg),
        StoreError::Db(db) => db_error(db),
        StoreError::Busy => busy(),
        StoreError::Internal(_) => internal(e),
    }
}

pub fn unavailable(cause: &dyn std::fmt::Display) -> async_graphql::Error {
    tracing::warn!(error = %cause, "the database is unavailable");
    coded(ErrorCode::ServiceUnavailable, &msg!("database-unavailable"))
        .extend_with(|_, e| e.set("retryAfter", UNAVAILABLE_RETRY_SECS))
}

pub fn timed_out() -> async_graphql::Error {
    coded(ErrorCode::Timeout, &msg!("timed-out"))
}

/// Every password-hashing slot stayed busy: the client should retry in a second.
pub fn busy() -> async_graphql::Error {
    rate_limited(&msg!("sign-ins-busy"), std::time::Duration::from_secs(1))
}

/// RATE_LIMITED with `retryAfter` (whole seconds, at least 1) and `resetAt` (RFC 3339).
pub fn rate_limited(message: &Message, retry_after: std::time::Duration) -> async_graphql::Error {
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let secs = secs.max(1);
    let reset_at = chrono::Utc::now()
        + chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000));
    coded(ErrorCode::RateLimited, message).extend_with(move |_, e| {
        e.set("retryAfter", secs);
        e.set(
            "resetAt",
            reset_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    })
}

/// Either user errors (to put in the payload) or a request-level error.
pub enum Failure {
    User(Vec<UserError>),
    Request(async_graphql::Error),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => Failure::User(vec![f.into()]),
            StoreError::InvalidMany(fs) => {
                Failure::User(fs.into_iter().map(UserError::from).collect())
            }
            other => Failure::Request(store_error(&other)),
        }
    }
}

impl Failure {
    /// For mutations without a payload: user errors become BAD_USER_INPUT.
    pub fn into_error(self) -> async_graphql::Error {
        match self {
            Failure::Request(e) => e,
            // Already rendered in the request's language when the user errors were made.
            Failure::User(errs) => coded_text(
                ErrorCode::BadUserInput,
                errs.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }
}

impl From<async_graphql::Error> for Failure {
    fn from(e: async_graphql::Error) -> Self {
        Failure::Request(e)
    }
}

impl From<FieldError> for Failure {
    fn from(e: FieldError) -> Self {
        Failure::User(vec![e.into()])
    }
}

impl From<Vec<FieldError>> for Failure {
    fn from(e: Vec<FieldError>) -> Self {
        Failure::User(e.into_iter().map(UserError::from).collect())
    }
}

/// Store errors in queries: user errors become BAD_USER_INPUT.
pub fn query_error(e: StoreError) -> async_graphql::Error {
    Failure::from(e).into_error()
}

#[cfg(test)]
mod tests {
    use async_graphql::resolver_utils::EnumType;

    use super::*;

    #[test]
    fn the_graphql_user_error_codes_are_the_domain_codes() {
        let names: Vec<&str> = UserErrorCode::items().iter().map(|i| i.name).collect();
        let domain: Vec<&str> = thidua_domain::UserErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(names, domain);
        for item in UserErrorCode::items() {
            assert_eq!(
                thidua_domain::UserErrorCode::from(item.value).as_str(),
                item.name
            );
        }
    }
}
