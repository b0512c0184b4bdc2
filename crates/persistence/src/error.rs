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
    /// Every password-hashing slot stayed taken for the whole wait: try again shortly.
    #[error("too many sign-ins at once")]
    Busy,
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

/// What a database failure means for the client: the database cannot be reached (retry
/// later), a statement ran past its timeout, or anything else (a bug to log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    Unavailable,
    TimedOut,
    Other,
}

/// Classifies a database error: no connection could be had, the connection broke, or
/// the server is shutting down → `Unavailable`; `statement_timeout` fired → `TimedOut`.
pub fn classify(err: &DbErr) -> DbFailure {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr as E, RuntimeErr};
    let sqlx = match err {
        E::ConnectionAcquire(_) => return DbFailure::Unavailable,
        E::Conn(RuntimeErr::SqlxError(e))
        | E::Exec(RuntimeErr::SqlxError(e))
        | E::Query(RuntimeErr::SqlxError(e)) => e,
        E::Conn(_) => return DbFailure::Unavailable,
        _ => return DbFailure::Other,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Protocol(_) => DbFailure::Unavailable,
        Sqlx::Database(db) => match db.code().as_deref() {
            // query_canceled: statement_timeout (or a cancel request).
            Some("57014") => DbFailure::TimedOut,
            // admin_shutdown, crash_shutdown, cannot_connect_now, connection exceptions.
            Some(c) if c.starts_with("57P") || c.starts_with("08") => DbFailure::Unavailable,
            _ => DbFailure::Other,
        },
        _ => DbFailure::Other,
    }
}

/// The classification of a storage error (`Other` for everything but database errors).
pub fn classify_store(err: &StoreError) -> DbFailure {
    match err {
        StoreError::Db(e) => classify(e),
        _ => DbFailure::Other,
    }
}
