//! The error policy: clients see a code and a safe message; causes are logged, never sent.
//!
//! - `userErrors` in a payload: the user can fix the input (see [`UserError`]).
//! - GraphQL `errors[].extensions.code`: everything else, from [`ErrorCode`].

use async_graphql::{ErrorExtensions, SimpleObject};
use thidua_domain::{ErrorCode, FieldError};
use thidua_persistence::StoreError;

/// A problem with the input that the user can fix; `field` is the input path
/// (e.g. `criteria.0.weight`), `code` is stable for clients to switch on.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    pub field: Option<String>,
    pub code: String,
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
            code: e.code.as_str().to_owned(),
            message: e.message,
        }
    }
}

pub fn coded(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into()).extend_with(|_, e| e.set("code", code.as_str()))
}

pub fn unauthenticated() -> async_graphql::Error {
    coded(
        ErrorCode::Unauthenticated,
        "sign in first: send a valid access token as `Authorization: Bearer …`",
    )
}

pub fn forbidden() -> async_graphql::Error {
    coded(ErrorCode::Forbidden, "your roles do not allow this here")
}

pub fn not_found(what: &str) -> async_graphql::Error {
    coded(ErrorCode::NotFound, format!("{what} not found"))
}

pub fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    coded(ErrorCode::BadUserInput, message)
}

pub fn internal(cause: &dyn std::fmt::Display) -> async_graphql::Error {
    tracing::error!(error = %cause, "internal error");
    coded(ErrorCode::Internal, "internal error; it has been logged")
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
            StoreError::NotFound(what) => Failure::Request(not_found(what)),
            StoreError::Forbidden => Failure::Request(forbidden()),
            StoreError::Conflict(msg) => Failure::Request(coded(ErrorCode::Conflict, msg)),
            StoreError::Db(db) => Failure::Request(internal(&db)),
        }
    }
}

impl Failure {
    /// For mutations without a payload: user errors become BAD_USER_INPUT.
    pub fn into_error(self) -> async_graphql::Error {
        match self {
            Failure::Request(e) => e,
            Failure::User(errs) => bad_input(
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
