//! What a storage call can fail with, in terms the API can map to client-facing codes.

use sea_orm::DbErr;
use thidua_domain::FieldError;
use thidua_domain::access::Denied;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The user can fix this; it becomes a `userErrors` entry.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// Several fixable problems at once.
    #[error("{} problems with the input", .0.len())]
    InvalidMany(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not allowed")]
    Forbidden,
    /// Someone else changed the record first, or a uniqueness rule was hit concurrently.
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    /// Values the database refuses as invalid input (by SQLSTATE) are the user's to fix.
    fn from(e: DbErr) -> Self {
        match crate::sqlstate::invalid_input(&e) {
            Some(f) => Self::Invalid(f),
            None => Self::Db(e),
        }
    }
}

impl From<Denied> for StoreError {
    fn from(_: Denied) -> Self {
        Self::Forbidden
    }
}

/// True when the database refused a row because a unique index already holds its key.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
