//! What a storage call can fail with, in terms the API can map to client-facing codes.

use sea_orm::DbErr;
use thidua_domain::FieldError;
use thidua_domain::access::Denied;

pub use crate::db_error::{DbFailure, classify, is_unique_violation};

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
    /// Only ever a race the client can resolve by reloading, never a fault of ours.
    #[error("{0}")]
    Conflict(thidua_domain::Message),
    /// The database failed; how the client hears of it depends on [`classify`].
    #[error("database error: {0}")]
    Db(DbErr),
    /// Something of ours failed outside the database (a password hash could not be made,
    /// stored data breaks a rule it was written under): a bug to log, never the user's.
    #[error("internal error: {0}")]
    Internal(String),
    /// Every password-hashing slot stayed taken for the whole wait: try again shortly.
    #[error("too many sign-ins at once")]
    Busy,
}

impl From<DbErr> for StoreError {
    /// Values the database refuses as invalid input (by SQLSTATE) are the user's to fix.
    fn from(e: DbErr) -> Self {
        match crate::db_error::invalid_input(&e) {
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

/// The classification of a storage error (`Other` for everything but database errors).
pub fn classify_store(err: &StoreError) -> DbFailure {
    match err {
        StoreError::Db(e) => classify(e),
        _ => DbFailure::Other,
    }
}
