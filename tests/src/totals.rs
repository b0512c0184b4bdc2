//! Totals kept by the writes against the same totals rebuilt from their sources: each kept
//! table (commendation totals, progress rollups and their subtree totals) must hold exactly
//! what its rebuild command computes, row by row.

use std::fmt::Debug;
use std::future::Future;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::TestApp;

/// A column of a kept-totals query, by name and the type it is read as.
#[derive(Debug, Clone, Copy)]
pub enum Col {
    Uuid(&'static str),
    Int(&'static str),
    Text(&'static str),
    Bool(&'static str),
}

/// One value read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Uuid(Uuid),
    Int(i64),
    Text(String),
    Bool(bool),
}

/// Every row `sql` returns, each as its `cols` (integers cast to BIGINT and decimals to
/// text by the query, so both backends read them alike).
pub async fn rows(app: &TestApp, sql: &str, cols: &[Col]) -> Vec<Vec<Cell>> {
    let rows = app
        .db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(app.db.backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|r| {
            cols.iter()
                .map(|c| match *c {
                    Col::Uuid(n) => Cell::Uuid(r.try_get("", n).unwrap()),
                    Col::Int(n) => Cell::Int(r.try_get("", n).unwrap()),
                    Col::Text(n) => Cell::Text(r.try_get("", n).unwrap()),
                    Col::Bool(n) => Cell::Bool(r.try_get("", n).unwrap()),
                })
                .collect()
        })
        .collect()
}

/// The rows `sql` reads now are not empty and are what they are again after `rebuild`.
pub async fn assert_rebuild_keeps<T, E: Debug>(
    app: &TestApp,
    sql: &str,
    cols: &[Col],
    rebuild: impl Future<Output = Result<T, E>>,
    when: &str,
) {
    let kept = rows(app, sql, cols).await;
    assert!(!kept.is_empty(), "{when}: no totals kept");
    rebuild.await.unwrap();
    assert_eq!(rows(app, sql, cols).await, kept, "{when}");
}
