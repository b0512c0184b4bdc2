//! Counts behind the computed targets and indicators that come from commendations
//! (target 3, the direct-worker share), computed in SQL; [`crate::snapshots`] and
//! [`crate::programme`] turn them into target values.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use thidua_domain::award::AwardLevel;
use thidua_domain::commendation::CommendationStatus;

use crate::error::StoreError;
use crate::raw;

#[derive(Debug, FromQueryResult)]
struct CountRow {
    n: i64,
}

/// Target 3, counted in SQL: distinct exemplary models holding a conferred central-level
/// commendation whose decision date lies in [from, to]. A model honoured twice counts once.
pub async fn central_honoured_exemplars(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(DISTINCT c.exemplar_id) AS n FROM commendations c \
        JOIN award_types t ON t.id = c.award_type_id \
        WHERE c.status = ? AND c.decision_date >= ? AND c.decision_date <= ? \
        AND c.exemplar_id IS NOT NULL AND t.level = ?";
    let values: Vec<Value> = vec![
        CommendationStatus::Conferred.into(),
        from.into(),
        to.into(),
        AwardLevel::Central.into(),
    ];
    let row = CountRow::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
        .one(db)
        .await?;
    Ok(row.map_or(0, |r| r.n))
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct YearShare {
    pub year: i32,
    pub individual: i64,
    pub direct_workers: i64,
}

/// The seed's named weakness, per decision year: of the conferred commendations that went
/// to individuals, how many went to direct (front-line) workers. Grouped in SQL.
pub async fn direct_worker_share(
    db: &impl ConnectionTrait,
    from_year: i32,
    to_year: i32,
) -> Result<Vec<YearShare>, StoreError> {
    let sql = "SELECT decision_year AS year, COUNT(*) AS individual, \
        SUM(CASE WHEN is_direct_worker THEN 1 ELSE 0 END) AS direct_workers \
        FROM commendations WHERE status = ? AND is_individual = ? \
        AND decision_year >= ? AND decision_year <= ? \
        GROUP BY decision_year ORDER BY decision_year";
    let values: Vec<Value> = vec![
        CommendationStatus::Conferred.into(),
        true.into(),
        from_year.into(),
        to_year.into(),
    ];
    Ok(
        YearShare::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
            .all(db)
            .await?,
    )
}
