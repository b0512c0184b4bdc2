//! What a database error means, read from what the driver reports: the SQLSTATE
//! (PostgreSQL), the extended result code (SQLite), sqlx's error kind and the violated
//! constraint's name. Never from message text, which PostgreSQL localises — with one
//! documented exception, SQLite's unique-violation detail (see [`unique_violation`]).
//! Every caller asks here, so both backends are told apart in this one place.

use std::borrow::Cow;
use thidua_domain::{Message, msg};

use sea_orm::sqlx::error::{DatabaseError, ErrorKind};
use sea_orm::sqlx::postgres::PgDatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{DbErr, RuntimeErr};
use thidua_domain::{FieldError, UserErrorCode};

/// The error the database itself reported, under whichever sea-orm wrapper carries it.
fn database_error(err: &DbErr) -> Option<&dyn DatabaseError> {
    match sqlx_error(err)? {
        sea_orm::sqlx::Error::Database(db) => Some(db.as_ref()),
        _ => None,
    }
}

fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    }
}

/// A PostgreSQL error's SQLSTATE (SQLite's numeric result codes are not SQLSTATEs).
fn pg_state(db: &dyn DatabaseError) -> Option<Cow<'_, str>> {
    db.try_downcast_ref::<PgDatabaseError>()?;
    db.code()
}

/// A SQLite error's extended result code (the primary code is its low byte).
fn sqlite_code(db: &dyn DatabaseError) -> Option<i32> {
    db.try_downcast_ref::<SqliteError>()?;
    db.code()?.parse().ok()
}

/// The SQLSTATE of a PostgreSQL error, when the driver reported one.
pub fn code(err: &DbErr) -> Option<String> {
    database_error(err).and_then(pg_state).map(Cow::into_owned)
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
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return DbFailure::Unavailable,
        DbErr::Conn(_) | DbErr::Exec(_) | DbErr::Query(_) => match sqlx_error(err) {
            Some(e) => e,
            None if matches!(err, DbErr::Conn(_)) => return DbFailure::Unavailable,
            None => return DbFailure::Other,
        },
        _ => return DbFailure::Other,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Protocol(_) => DbFailure::Unavailable,
        Sqlx::Database(db) => match pg_state(db.as_ref()).as_deref() {
            // query_canceled: statement_timeout (or a cancel request).
            Some("57014") => DbFailure::TimedOut,
            // admin_shutdown, crash_shutdown, cannot_connect_now, connection exceptions.
            Some(c) if c.starts_with("57P") || c.starts_with("08") => DbFailure::Unavailable,
            _ => DbFailure::Other,
        },
        _ => DbFailure::Other,
    }
}

/// SQLite's `SQLITE_BUSY` primary result code (extended codes keep it in the low byte).
const SQLITE_BUSY: i32 = 5;
/// SQLite's extended code for a PRIMARY KEY violation (`SQLITE_CONSTRAINT_PRIMARYKEY`).
const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = 1555;

/// True when the statement lost a race for a lock and may simply be run again: SQLite's
/// `SQLITE_BUSY` family ("database is locked"), PostgreSQL's serialization_failure and
/// deadlock_detected. Retrying is safe because the failed transaction changed nothing.
pub fn is_busy(err: &DbErr) -> bool {
    let Some(db) = database_error(err) else {
        return false;
    };
    if let Some(code) = sqlite_code(db) {
        return code & 0xff == SQLITE_BUSY;
    }
    matches!(pg_state(db).as_deref(), Some("40001" | "40P01"))
}

/// The unique indexes whose violation the code answers with its own user error.
pub mod unique {
    /// One live (not rejected) nomination per award, recipient and year.
    pub const LIVE_NOMINATION: &str = "ix_commendations_live_nomination";
    /// One decision number per issuing authority.
    pub const DECISION_NUMBER: &str = "ix_commendations_authority_key_decision_key";
}

/// A row refused because a unique index (or primary key) already holds its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueViolation {
    /// The index's name as the migrations create it (PostgreSQL names a primary key
    /// `<table>_pkey`; SQLite's is reported under the same name). `None` when the
    /// database did not say.
    pub constraint: Option<String>,
}

impl UniqueViolation {
    /// True when the violated index is `name` (one of [`unique`]'s or a migration's).
    pub fn is(&self, name: &str) -> bool {
        self.constraint.as_deref() == Some(name)
    }
}

/// The unique violation behind a database error, if it is one, with the index's name.
///
/// PostgreSQL reports the index name (`constraint()`). SQLite does not (sqlx-sqlite's
/// `constraint()` is always `None`): the only place SQLite names the key is the detail of
/// its error message, `UNIQUE constraint failed: <table>.<col>, …` (or `index '<name>'`
/// for an index on expressions). SQLite's messages are fixed English text, not localised,
/// so this one parse is stable; the columns are turned back into the index name by the
/// migrations' naming rule (see [`sqlite_index_name`]), which a test checks against every
/// unique index of the migrated schema.
pub fn unique_violation(err: &DbErr) -> Option<UniqueViolation> {
    let db = database_error(err)?;
    if db.kind() != ErrorKind::UniqueViolation {
        return None;
    }
    let constraint = match sqlite_code(db) {
        Some(code) => sqlite_constraint(code, db.message()),
        None => db.constraint().map(str::to_owned),
    };
    Some(UniqueViolation { constraint })
}

/// True when the database refused a row because a unique index already holds its key.
pub fn is_unique_violation(err: &DbErr) -> bool {
    unique_violation(err).is_some()
}

/// The violated index named from SQLite's unique-violation message (see [`unique_violation`]).
fn sqlite_constraint(code: i32, message: &str) -> Option<String> {
    let detail = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(name) = detail
        .strip_prefix("index '")
        .and_then(|r| r.strip_suffix('\''))
    {
        return Some(name.to_owned());
    }
    let mut table = None;
    let mut columns = Vec::new();
    for part in detail.split(", ") {
        let (t, c) = part.split_once('.')?;
        if table.is_some_and(|seen| seen != t) {
            return None;
        }
        table = Some(t);
        columns.push(c);
    }
    let table = table?;
    if code == SQLITE_CONSTRAINT_PRIMARYKEY {
        return Some(format!("{table}_pkey"));
    }
    Some(sqlite_index_name(table, &columns))
}

/// Unique indexes not named by the migrations' `ix_<table>_<columns>` rule, by their columns.
const NAMED_UNIQUE: &[(&str, &[&str], &str)] = &[(
    "commendations",
    &["award_type_id", "award_year", "recipient_key"],
    unique::LIVE_NOMINATION,
)];

/// The name a unique index on `table(columns)` has: the migrations' `ix_<table>_<columns>`
/// (`migrations/src/helpers.rs::index`), or its own name if it was created by hand.
pub fn sqlite_index_name(table: &str, columns: &[&str]) -> String {
    NAMED_UNIQUE
        .iter()
        .find(|(t, cols, _)| *t == table && *cols == columns)
        .map(|(_, _, name)| (*name).to_owned())
        .unwrap_or_else(|| format!("ix_{table}_{}", columns.join("_")))
}

/// SQLSTATEs that mean "this value cannot be stored or compared as sent": PostgreSQL's
/// "data exception" class, the last line of defence against input the domain should have
/// refused, so a missed check answers BAD_USER_INPUT / a field error, never INTERNAL.
/// A SQLSTATE, the code it answers and its message.
type InvalidInput = (&'static str, UserErrorCode, fn() -> Message);

const INVALID_INPUT: &[InvalidInput] = &[
    // character_not_in_repertoire: a NUL byte in text.
    ("22021", UserErrorCode::InvalidFormat, || {
        msg!("db-bad-character")
    }),
    // untranslatable_character / invalid \u escape in text.
    ("22P05", UserErrorCode::InvalidFormat, || {
        msg!("db-bad-character")
    }),
    // numeric_value_out_of_range: too many digits for the column.
    ("22003", UserErrorCode::OutOfRange, || {
        msg!("db-number-range")
    }),
    // invalid_text_representation: text where a number, uuid or date was expected.
    ("22P02", UserErrorCode::InvalidFormat, || {
        msg!("db-value-format")
    }),
    // string_data_right_truncation: text longer than its column.
    ("22001", UserErrorCode::TooLong, || msg!("db-text-too-long")),
    // invalid_datetime_format / datetime_field_overflow.
    ("22007", UserErrorCode::InvalidFormat, || {
        msg!("db-date-format")
    }),
    ("22008", UserErrorCode::OutOfRange, || msg!("db-date-range")),
    // invalid_escape_sequence / invalid_regular_expression (search patterns).
    ("22025", UserErrorCode::InvalidFormat, || {
        msg!("db-search-text")
    }),
    ("2201B", UserErrorCode::InvalidFormat, || {
        msg!("db-search-text")
    }),
];

/// A user-input error for a database refusal caused by the value sent, if it is one.
pub fn invalid_input(err: &DbErr) -> Option<FieldError> {
    let state = code(err)?;
    let (_, code, message) = INVALID_INPUT.iter().find(|(s, _, _)| *s == state)?;
    // A domain check is missing somewhere: worth a warning, not an ERROR and not a 500.
    tracing::warn!(sqlstate = %state, error = %err, "database refused an input value");
    Some(FieldError::new("", *code, message()))
}

#[cfg(test)]
mod tests;
