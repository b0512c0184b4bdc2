//! The values a campaign leaderboard scores: for each registered unit, its latest approved
//! report inside the period, one value per criterion.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::report::ReportStatus;
use uuid::Uuid;

use crate::error::StoreError;
use crate::raw;

#[derive(Debug, Clone, FromQueryResult)]
pub struct UnitValue {
    pub unit_id: Uuid,
    pub criterion_id: Uuid,
    pub value: Decimal,
}

/// Values of the latest approved report (by period end, then id) of each unit whose
/// period lies inside [start, end]. One statement; the database picks the latest.
pub async fn latest_approved_values(
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<UnitValue>, StoreError> {
    let sql = "SELECT r.unit_id AS unit_id, v.criterion_id AS criterion_id, v.value AS value \
        FROM progress_reports r JOIN report_values v ON v.report_id = r.id \
        WHERE r.campaign_id = ? AND r.status = ? AND r.period_start >= ? AND r.period_end <= ? \
        AND NOT EXISTS (SELECT 1 FROM progress_reports r2 WHERE r2.campaign_id = r.campaign_id \
            AND r2.unit_id = r.unit_id AND r2.status = ? AND r2.period_start >= ? AND r2.period_end <= ? \
            AND (r2.period_end > r.period_end OR (r2.period_end = r.period_end AND r2.id > r.id)))";
    let approved = ReportStatus::Approved.as_str();
    let values: Vec<Value> = vec![
        campaign_id.into(),
        approved.into(),
        start.into(),
        end.into(),
        approved.into(),
        start.into(),
        end.into(),
    ];
    Ok(
        UnitValue::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
            .all(db)
            .await?,
    )
}

#[derive(Debug, Clone, FromQueryResult)]
struct UnitRow {
    unit_id: Uuid,
}

/// Units registered for the campaign: everyone on the leaderboard, reported or not.
pub async fn registered_units(
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let sql = "SELECT unit_id FROM participations WHERE campaign_id = ? AND status = ?";
    let values: Vec<Value> = vec![
        campaign_id.into(),
        ParticipationStatus::Registered.as_str().into(),
    ];
    let rows = UnitRow::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.unit_id).collect())
}
