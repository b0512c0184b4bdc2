//! Keyset pagination: a page is "the next `first` rows after this (sort key, id)".

use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::error::StoreError;

/// Position after which the next page starts: the last row's sort value (as text) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCursor {
    pub value: String,
    pub id: Uuid,
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<KeyCursor>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    /// How to count the whole listing, prepared with the page and run only if asked.
    pub count: CountQuery,
}

impl<T> Page<T> {
    /// Builds a page from `first + 1` fetched rows: the extra row only says there is more.
    pub fn from_overfetch(mut rows: Vec<T>, first: u64, count: CountQuery) -> Self {
        let limit = usize::try_from(first).unwrap_or(usize::MAX);
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        Self {
            items: rows,
            has_next,
            count,
        }
    }
}

/// `SELECT COUNT(*)` over a listing's rows: the same condition (filters and the caller's
/// scope) the page was read with, without its cursor or limit. Built from the very
/// condition the list used, so list and count cannot disagree, and run lazily (one
/// statement) only when a client selects `totalCount`.
#[derive(Debug, Clone)]
pub struct CountQuery(Count);

#[derive(Debug, Clone)]
enum Count {
    Query(Box<SelectStatement>),
    /// Already counted with the figures the listing belongs to.
    Known(u64),
    /// Hand-written SQL (listings read with raw statements).
    Raw(Box<sea_orm::Statement>),
}

impl CountQuery {
    /// The rows of `entity` matching `cond`.
    pub fn of<E: EntityTrait>(entity: E, cond: Condition) -> Self {
        Self(Count::Query(Box::new(
            Query::select()
                .expr(Expr::col(Asterisk).count())
                .from(entity)
                .cond_where(cond)
                .to_owned(),
        )))
    }

    /// A listing known to be empty without asking the database.
    pub fn empty() -> Self {
        Self(Count::Known(0))
    }

    /// A listing whose size was counted already (in the same statement as the figures it
    /// lists the rows of).
    pub fn known(n: u64) -> Self {
        Self(Count::Known(n))
    }

    /// A `SELECT COUNT(*)` written by hand, with the listing's own condition.
    pub fn raw(stmt: sea_orm::Statement) -> Self {
        Self(Count::Raw(Box::new(stmt)))
    }

    pub async fn run(&self, db: &impl ConnectionTrait) -> Result<u64, StoreError> {
        let row = match &self.0 {
            Count::Known(n) => return Ok(*n),
            Count::Query(stmt) => db.query_one(stmt.as_ref()).await?,
            Count::Raw(stmt) => db.query_one_raw(stmt.as_ref().clone()).await?,
        };
        let n: i64 = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// `LIKE` pattern for "this path and everything below it"; paths hold only uuids and '/'.
pub fn subtree_pattern(path: &str) -> String {
    format!("{path}%")
}
