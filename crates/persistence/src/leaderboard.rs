//! Campaign leaderboards computed by the database: for each registered unit, its approved
//! reports inside the period are combined per criterion by the criterion's period
//! aggregation (SUM, AVERAGE, LATEST, MAX, MIN), each value is scored, the points are
//! summed and the units ranked, all in SQL. The arithmetic mirrors `thidua_domain::scoring`, which
//! stays the specification (the end-to-end tests compare the two).
//!
//! Figures leave the database as integers scaled by 10⁴ (achievement, points) and 10²
//! (score): SQLite computes in floating point, so each figure is rounded before it is
//! summed and the sum and the tie test run on exact integers. Equal scores (87.5 and 87.5)
//! are then equal on both backends.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use thidua_domain::criterion::{Direction, Measure, PeriodAggregation};
use thidua_domain::id::{CampaignId, ClusterId};
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::report::ReportStatus;
use uuid::Uuid;

use crate::error::StoreError;
use crate::raw;

/// Which leaderboard: a campaign, a period, and optionally one cluster's members.
#[derive(Debug, Clone, Copy)]
pub struct Board {
    pub campaign_id: CampaignId,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub cluster_id: Option<ClusterId>,
}

/// One unit's place: equal scores share a rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub unit_id: Uuid,
    pub rank: u32,
    /// 0–100, two decimals.
    pub score: Decimal,
}

/// How one criterion scored for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub unit_id: Uuid,
    pub criterion_id: Uuid,
    /// The unit's approved reports in the period combined by the criterion's aggregation;
    /// None when not reported.
    pub actual: Option<Decimal>,
    /// 0–1, four decimals.
    pub achievement: Decimal,
    /// Share of the 0–100 score, four decimals.
    pub points: Decimal,
}

#[derive(Debug, FromQueryResult)]
struct StandingRow {
    unit_id: Uuid,
    score_e2: i64,
    standing: i64,
}

/// Common table expressions ending in `points`: one row per criterion a unit reported, for
/// the units selected by `unit_filter` (appended to the participation query), with the
/// combined value, the achievement and the points, both ×10⁴ and rounded half away from
/// zero. A criterion without a value has no row: it scores 0.
///
/// - `counted` holds each unit's approved reports in the period that no other approved
///   report in the period holds (`scoring::counted`: a quarterly report replaces the
///   monthly ones inside it; the same period twice counts once, the greater id), read
///   through `ix_progress_reports_latest` one unit at a time.
/// - `vals` numbers each criterion's values from the latest (period end, then id).
/// - `combined` applies the criterion's aggregation (`scoring::period_value`), rounded to
///   4 decimals; LATEST takes the value numbered 1.
/// - `achieved` applies `scoring::achievement`, cap included: yes/no is all or nothing;
///   higher is better is met at or over the target, else 0 for a target or value ≤ 0, else
///   actual ÷ target; lower is better is met at or under the target, else 0 for a target or
///   value ≤ 0, else target ÷ actual. `* 1.0` keeps SQLite from dividing integers as integers.
/// - `points` weighs it: achievement × weight × 100 ÷ total weight.
fn cte(unit_filter: &str) -> String {
    format!(
        "WITH units AS ( \
            SELECT p.unit_id FROM participations p \
            WHERE p.campaign_id = ? AND p.status = ?{unit_filter}), \
        crit AS ( \
            SELECT c.id, c.measure, c.direction, c.period_aggregation, \
                COALESCE(c.target_value, 0) AS target, c.weight, \
                SUM(c.weight) OVER () AS total_weight \
            FROM criteria c WHERE c.campaign_id = ?), \
        inside AS ( \
            SELECT r.id, r.unit_id, r.period_start, r.period_end \
            FROM units u JOIN progress_reports r ON r.campaign_id = ? AND r.unit_id = u.unit_id \
                AND r.status = ? AND r.period_start >= ? AND r.period_end <= ?), \
        counted AS ( \
            SELECT i.id, i.unit_id, i.period_end FROM inside i \
            WHERE NOT EXISTS ( \
                SELECT 1 FROM inside o \
                WHERE o.unit_id = i.unit_id AND o.period_start <= i.period_start \
                    AND o.period_end >= i.period_end \
                    AND (o.period_start < i.period_start OR o.period_end > i.period_end \
                        OR o.id > i.id))), \
        vals AS ( \
            SELECT k.unit_id, v.criterion_id, v.value, \
                ROW_NUMBER() OVER (PARTITION BY k.unit_id, v.criterion_id \
                    ORDER BY k.period_end DESC, k.id DESC) AS recency \
            FROM counted k JOIN report_values v ON v.report_id = k.id), \
        combined AS ( \
            SELECT x.unit_id, x.criterion_id, ROUND(CASE MAX(c.period_aggregation) \
                    WHEN ? THEN SUM(x.value) \
                    WHEN ? THEN AVG(x.value) \
                    WHEN ? THEN MAX(x.value) \
                    WHEN ? THEN MIN(x.value) \
                    ELSE MAX(CASE WHEN x.recency = 1 THEN x.value END) END, 4) AS actual \
            FROM vals x JOIN crit c ON c.id = x.criterion_id \
            GROUP BY x.unit_id, x.criterion_id), \
        achieved AS ( \
            SELECT k.unit_id, c.id AS criterion_id, c.weight, c.total_weight, k.actual, \
                CASE \
                    WHEN c.measure = ? THEN CASE WHEN k.actual = 1 THEN 1 ELSE 0 END \
                    WHEN c.direction <> ? THEN CASE \
                        WHEN k.actual >= c.target THEN 1 \
                        WHEN c.target <= 0 OR k.actual <= 0 THEN 0 \
                        ELSE k.actual * 1.0 / c.target END \
                    WHEN k.actual <= c.target THEN 1 \
                    WHEN c.target <= 0 OR k.actual <= 0 THEN 0 \
                    ELSE c.target * 1.0 / k.actual \
                END AS achievement \
            FROM combined k JOIN crit c ON c.id = k.criterion_id), \
        points AS ( \
            SELECT unit_id, criterion_id, actual, \
                CAST(ROUND(achievement * 10000) AS BIGINT) AS achievement_e4, \
                COALESCE(CAST(ROUND(achievement * weight * 1000000.0 / NULLIF(total_weight, 0)) \
                    AS BIGINT), 0) AS points_e4 \
            FROM achieved) "
    )
}

/// The values `cte` binds, in order; `filter` holds those of its unit filter.
fn cte_values(board: &Board, filter: Vec<Value>) -> Vec<Value> {
    let mut values: Vec<Value> = vec![
        board.campaign_id.into(),
        ParticipationStatus::Registered.into(),
    ];
    values.extend(filter);
    values.extend([
        board.campaign_id.into(),
        board.campaign_id.into(),
        ReportStatus::Approved.into(),
        board.start.into(),
        board.end.into(),
        PeriodAggregation::Sum.into(),
        PeriodAggregation::Average.into(),
        PeriodAggregation::Max.into(),
        PeriodAggregation::Min.into(),
        Measure::YesNo.into(),
        Direction::LowerIsBetter.into(),
    ]);
    values
}

/// `cte` followed by `ranked`: the first `?` (bound last) units of the board, best first
/// (ties by unit code compared byte by byte, as Rust compares strings, whatever the
/// database's locale), each with its rank among all the board's units.
fn ranked_cte(backend: DatabaseBackend, board: &Board) -> (String, Vec<Value>) {
    let (filter, filter_values) = match board.cluster_id {
        Some(cl) => (
            " AND p.unit_id IN (SELECT m.unit_id FROM cluster_members m WHERE m.cluster_id = ?)",
            vec![Value::from(cl)],
        ),
        None => ("", vec![]),
    };
    let collate = collate(backend);
    let sql = format!(
        "{}, totals AS ( \
            SELECT unit_id, (CAST(SUM(points_e4) AS BIGINT) + 50) / 100 AS score_e2 \
            FROM points GROUP BY unit_id), \
        board AS ( \
            SELECT u.unit_id, o.code, COALESCE(t.score_e2, 0) AS score_e2 \
            FROM units u JOIN org_units o ON o.id = u.unit_id \
            LEFT JOIN totals t ON t.unit_id = u.unit_id), \
        ranked AS ( \
            SELECT unit_id, code, score_e2, RANK() OVER (ORDER BY score_e2 DESC) AS standing \
            FROM board ORDER BY score_e2 DESC, code{collate}, unit_id LIMIT ?) ",
        cte(filter)
    );
    (sql, cte_values(board, filter_values))
}

fn collate(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => " COLLATE \"C\"",
        _ => "",
    }
}

fn limit_value(limit: u64) -> Value {
    i64::try_from(limit).unwrap_or(i64::MAX).into()
}

fn standing(unit_id: Uuid, score_e2: i64, standing: i64) -> Standing {
    Standing {
        unit_id,
        rank: u32::try_from(standing).unwrap_or(u32::MAX),
        score: Decimal::new(score_e2, 2),
    }
}

/// The first `limit` units of the leaderboard, best first (ties by unit code), ranked
/// among all the board's units. One statement.
pub async fn standings(
    db: &impl ConnectionTrait,
    board: &Board,
    limit: u64,
) -> Result<Vec<Standing>, StoreError> {
    let backend = db.get_database_backend();
    let (ranked, mut values) = ranked_cte(backend, board);
    let sql = format!(
        "{ranked}SELECT unit_id, score_e2, standing FROM ranked \
        ORDER BY score_e2 DESC, code{}, unit_id",
        collate(backend)
    );
    values.push(limit_value(limit));
    let rows = StandingRow::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| standing(r.unit_id, r.score_e2, r.standing))
        .collect())
}

#[derive(Debug, FromQueryResult)]
struct ExplainedRow {
    unit_id: Uuid,
    score_e2: i64,
    standing: i64,
    criterion_id: Option<Uuid>,
    actual: Option<Decimal>,
    achievement_e4: i64,
    points_e4: i64,
}

/// [`standings`] and each of those units' per-criterion [`Cell`]s (every criterion, 0 where
/// nothing was reported) in one statement, the board's figures computed once: one row per
/// unit and criterion (one row with no criterion for a unit of a campaign without
/// criteria), in the standings' order.
pub async fn explained_standings(
    db: &impl ConnectionTrait,
    board: &Board,
    limit: u64,
) -> Result<(Vec<Standing>, Vec<Cell>), StoreError> {
    let backend = db.get_database_backend();
    let (ranked, mut values) = ranked_cte(backend, board);
    let sql = format!(
        "{ranked}SELECT r.unit_id, r.score_e2, r.standing, c.id AS criterion_id, p.actual, \
            COALESCE(p.achievement_e4, 0) AS achievement_e4, \
            COALESCE(p.points_e4, 0) AS points_e4 \
        FROM ranked r LEFT JOIN crit c ON 1 = 1 \
        LEFT JOIN points p ON p.unit_id = r.unit_id AND p.criterion_id = c.id \
        ORDER BY r.score_e2 DESC, r.code{}, r.unit_id",
        collate(backend)
    );
    values.push(limit_value(limit));
    let rows = ExplainedRow::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    let mut standings: Vec<Standing> = Vec::new();
    let mut cells = Vec::with_capacity(rows.len());
    for r in rows {
        if standings.last().is_none_or(|s| s.unit_id != r.unit_id) {
            standings.push(standing(r.unit_id, r.score_e2, r.standing));
        }
        if let Some(criterion_id) = r.criterion_id {
            cells.push(Cell {
                unit_id: r.unit_id,
                criterion_id,
                // SQLite hands decimals back through a float: back to the stored 4 decimals.
                actual: r.actual.map(|a| a.round_dp(4)),
                achievement: Decimal::new(r.achievement_e4, 4),
                points: Decimal::new(r.points_e4, 4),
            });
        }
    }
    Ok((standings, cells))
}
