//! Progress by criterion computed by the database (rules: `thidua_domain::progress`): the
//! approved reports of the registered units under a subtree root, combined per unit by each
//! criterion's period aggregation, then across units (SUM for counts, AVERAGE otherwise),
//! per group and in total, in one statement.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use thidua_domain::criterion::{Measure, PeriodAggregation};
use thidua_domain::id::CampaignId;
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::progress::Bucket;
use thidua_domain::report::ReportStatus;
use uuid::Uuid;

use crate::error::StoreError;
use crate::page::subtree_pattern;
use crate::raw;

/// How the figures are broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One group per child of the root (its whole subtree); the root's own participation
    /// keys on the root.
    ChildUnit,
    Period(Bucket),
    None,
}

/// What is aggregated: a campaign's registered units under `root_path`, their approved
/// reports whose period lies in `[from, to]`.
#[derive(Debug, Clone)]
pub struct Scope {
    pub campaign_id: CampaignId,
    pub root_id: Uuid,
    pub root_path: String,
    /// The root's code, which names the root's own group.
    pub root_code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One criterion's figure for a group (`unit_id` or `period` set) or in total (neither).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub criterion_id: Uuid,
    pub unit_id: Option<Uuid>,
    /// `2025-03`, `2025-Q1`, `2025-H1`, `2025`.
    pub period: Option<String>,
    /// The group unit's code (rows of a unit grouping sort by it).
    pub code: Option<String>,
    /// Four decimals.
    pub value: Option<Decimal>,
    /// Counted reports holding a value of the criterion.
    pub reports: u64,
}

#[derive(Debug, FromQueryResult)]
struct FigureRow {
    lvl: i64,
    criterion_id: Uuid,
    g_unit: Option<Uuid>,
    g_period: Option<String>,
    g_code: Option<String>,
    value: Option<Decimal>,
    reports: i64,
}

/// The SQL key of the period holding `r.period_end`, as `Bucket::key` names it.
fn period_key(backend: DatabaseBackend, bucket: Bucket) -> &'static str {
    match (backend, bucket) {
        (DatabaseBackend::Postgres, Bucket::Month) => "to_char(k.period_end, 'YYYY-MM')",
        (DatabaseBackend::Postgres, Bucket::Quarter) => "to_char(k.period_end, 'YYYY-\"Q\"Q')",
        (DatabaseBackend::Postgres, Bucket::HalfYear) => {
            "to_char(k.period_end, 'YYYY') || '-H' || \
             CAST((CAST(EXTRACT(MONTH FROM k.period_end) AS INTEGER) + 5) / 6 AS TEXT)"
        }
        (DatabaseBackend::Postgres, Bucket::Year) => "to_char(k.period_end, 'YYYY')",
        (_, Bucket::Month) => "substr(k.period_end, 1, 7)",
        (_, Bucket::Quarter) => {
            "substr(k.period_end, 1, 4) || '-Q' || \
             CAST((CAST(substr(k.period_end, 6, 2) AS INTEGER) + 2) / 3 AS TEXT)"
        }
        (_, Bucket::HalfYear) => {
            "substr(k.period_end, 1, 4) || '-H' || \
             CAST((CAST(substr(k.period_end, 6, 2) AS INTEGER) + 5) / 6 AS TEXT)"
        }
        (_, Bucket::Year) => "substr(k.period_end, 1, 4)",
    }
}

/// Every criterion's total and per-group figures. One statement.
///
/// - `counted`: as on the leaderboard, each unit's approved reports in the range that no
///   other approved report in the range holds.
/// - `keyed`: each counted report once for the whole range (`lvl` 0) and, grouping by
///   period, once more under its period (`lvl` 1).
/// - `vals` numbers each (level, period, unit, criterion)'s values from the latest.
/// - `per_unit` combines them by the criterion's period aggregation.
/// - `grouped` adds, grouping by child unit, each unit's whole-range value once more under
///   its child (`lvl` 1): the values are read and combined once, not once per level.
/// - the final select combines the units: SUM for counts, AVERAGE otherwise, 4 decimals.
pub async fn figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    grouping: Grouping,
) -> Result<Vec<Figure>, StoreError> {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![
        scope.campaign_id.into(),
        ParticipationStatus::Registered.into(),
        subtree_pattern(&scope.root_path).into(),
        scope.campaign_id.into(),
        scope.campaign_id.into(),
        ReportStatus::Approved.into(),
        scope.from.into(),
        scope.to.into(),
    ];
    let null_uuid = match backend {
        DatabaseBackend::Postgres => "CAST(NULL AS UUID)",
        _ => "NULL",
    };
    let null_text = match backend {
        DatabaseBackend::Postgres => "CAST(NULL AS TEXT)",
        _ => "NULL",
    };
    // Values bound after the aggregation names in `per_unit`.
    let mut values_after: Vec<Value> = vec![];
    // Per period, each unit's values are combined per period (`lvl` 1) besides the whole
    // range (`lvl` 0); per child unit, a unit's combined value is the same in its child's
    // group as in the total, so it is computed once and only regrouped (`by_child`).
    let (period_keyed, by_child) = match grouping {
        Grouping::None => (String::new(), String::new()),
        Grouping::ChildUnit => {
            values_after.extend([
                scope.root_id.into(),
                scope.root_code.clone().into(),
                scope.root_id.into(),
            ]);
            (
                String::new(),
                " UNION ALL SELECT 1, COALESCE(c.id, ?), p.g_period, COALESCE(c.code, ?), \
                    p.criterion_id, p.value, p.reports \
                FROM per_unit p JOIN units u ON u.unit_id = p.unit_id \
                LEFT JOIN org_units c ON c.parent_id = ? AND u.path LIKE (c.path || '%')"
                    .to_owned(),
            )
        }
        Grouping::Period(b) => (
            format!(
                " UNION ALL SELECT k.id, k.unit_id, k.period_end, 1, {} FROM counted k",
                period_key(backend, b)
            ),
            String::new(),
        ),
    };
    let sql = format!(
        "WITH units AS ( \
            SELECT p.unit_id, o.path FROM participations p JOIN org_units o ON o.id = p.unit_id \
            WHERE p.campaign_id = ? AND p.status = ? AND o.path LIKE ?), \
        crit AS ( \
            SELECT c.id, c.measure, c.period_aggregation FROM criteria c WHERE c.campaign_id = ?), \
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
        keyed AS ( \
            SELECT k.id, k.unit_id, k.period_end, 0 AS lvl, {null_text} AS g_period \
            FROM counted k{period_keyed}), \
        vals AS ( \
            SELECT k.lvl, k.g_period, k.unit_id, v.criterion_id, v.value, \
                ROW_NUMBER() OVER (PARTITION BY k.lvl, k.g_period, k.unit_id, \
                    v.criterion_id ORDER BY k.period_end DESC, k.id DESC) AS recency \
            FROM keyed k JOIN report_values v ON v.report_id = k.id), \
        per_unit AS ( \
            SELECT x.lvl, x.g_period, x.unit_id, x.criterion_id, COUNT(*) AS reports, \
                CASE MAX(c.period_aggregation) \
                    WHEN ? THEN SUM(x.value) \
                    WHEN ? THEN AVG(x.value) \
                    WHEN ? THEN MAX(x.value) \
                    WHEN ? THEN MIN(x.value) \
                    ELSE MAX(CASE WHEN x.recency = 1 THEN x.value END) END AS value \
            FROM vals x JOIN crit c ON c.id = x.criterion_id \
            GROUP BY x.lvl, x.g_period, x.unit_id, x.criterion_id), \
        grouped AS ( \
            SELECT p.lvl, {null_uuid} AS g_unit, p.g_period, {null_text} AS g_code, \
                p.criterion_id, p.value, p.reports \
            FROM per_unit p{by_child}) \
        SELECT CAST(u.lvl AS BIGINT) AS lvl, u.criterion_id, u.g_unit, u.g_period, u.g_code, \
            ROUND(CASE WHEN MAX(c.measure) = ? THEN SUM(u.value) ELSE AVG(u.value) END, 4) AS value, \
            CAST(SUM(u.reports) AS BIGINT) AS reports \
        FROM grouped u JOIN crit c ON c.id = u.criterion_id \
        GROUP BY u.lvl, u.g_unit, u.g_period, u.g_code, u.criterion_id"
    );
    values.extend([
        PeriodAggregation::Sum.into(),
        PeriodAggregation::Average.into(),
        PeriodAggregation::Max.into(),
        PeriodAggregation::Min.into(),
    ]);
    values.extend(values_after);
    values.push(Measure::Count.into());
    let rows = FigureRow::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Figure {
            criterion_id: r.criterion_id,
            unit_id: if r.lvl == 0 { None } else { r.g_unit },
            period: if r.lvl == 0 { None } else { r.g_period },
            code: r.g_code,
            // SQLite hands decimals back through a float: back to 4 decimals.
            value: r.value.map(|v| v.round_dp(4).normalize()),
            reports: u64::try_from(r.reports).unwrap_or(0),
        })
        .collect())
}
