//! Reporting compliance counted by the database (rules: `thidua_domain::compliance`): the
//! registered units of a campaign under a subtree root, each with its latest counting report,
//! counted per child of the root and in total in one statement; the units without a counting
//! report, a keyset page with their last report of the campaign, in another.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use thidua_domain::compliance::Counts;
use thidua_domain::id::CampaignId;
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::report::{PeriodKind, ReportStatus};
use uuid::Uuid;

use crate::clusters::within_cluster;
use crate::error::StoreError;
use crate::page::{CountQuery, KeyCursor, Page, PageRequest, subtree_pattern};
use crate::raw;

/// Which reports count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// Reports of exactly this period.
    Period { start: NaiveDate, end: NaiveDate },
    /// Reports whose period ends in `(after, until]` (a deadline milestone's window).
    Window {
        after: Option<NaiveDate>,
        until: NaiveDate,
    },
}

/// What is counted: a campaign's registered units under `root_path`, their reports chosen
/// by `counting`, on time when submitted before `cutoff` (none: every report is on time).
#[derive(Debug, Clone)]
pub struct Scope {
    pub campaign_id: CampaignId,
    pub root_id: Uuid,
    pub root_path: String,
    /// The root's code, which names the root's own row.
    pub root_code: String,
    pub counting: Counting,
    pub cutoff: Option<DateTime<Utc>>,
    /// Only units in the subtree of a member of this cluster or bloc.
    pub cluster_id: Option<Uuid>,
}

/// One row of figures: a child of the root (its whole subtree), the root's own
/// participation (`unit_id` = the root), or the total (`total`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub unit_id: Uuid,
    /// The unit's code: rows are ordered by it.
    pub code: String,
    pub total: bool,
    pub counts: Counts,
}

/// A unit without a counting report, with its latest report of the campaign if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub unit_id: Uuid,
    pub code: String,
    pub last: Option<LastReport>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastReport {
    pub period_kind: PeriodKind,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: ReportStatus,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    unit_id: Uuid,
    code: String,
    lvl: i64,
    expected: i64,
    submitted: i64,
    on_time: i64,
    approved: i64,
    returned: i64,
}

#[derive(Debug, FromQueryResult)]
struct MissingRow {
    unit_id: Uuid,
    code: String,
    period_kind: Option<PeriodKind>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    status: Option<ReportStatus>,
    submitted_at: Option<DateTime<Utc>>,
}

/// The report filter of `counting` on alias `r`, with its values.
fn window(counting: Counting) -> (&'static str, Vec<Value>) {
    match counting {
        Counting::Period { start, end } => (
            "r.period_start = ? AND r.period_end = ?",
            vec![start.into(), end.into()],
        ),
        Counting::Window {
            after: Some(after),
            until,
        } => (
            "r.period_end > ? AND r.period_end <= ?",
            vec![after.into(), until.into()],
        ),
        Counting::Window { after: None, until } => ("r.period_end <= ?", vec![until.into()]),
    }
}

/// `scope`: the registered units of the campaign in the subtree (and the cluster, if
/// one is asked), with their paths; its values are [`scope_values`].
fn scope_cte(scope: &Scope) -> String {
    let cluster = match scope.cluster_id {
        Some(_) => format!(" AND {}", within_cluster("o")),
        None => String::new(),
    };
    format!(
        "scope AS ( \
        SELECT p.unit_id, o.path FROM participations p JOIN org_units o ON o.id = p.unit_id \
        WHERE p.campaign_id = ? AND p.status = ? AND o.path LIKE ?{cluster})"
    )
}

fn scope_values(scope: &Scope) -> Vec<Value> {
    let mut values: Vec<Value> = vec![
        scope.campaign_id.into(),
        ParticipationStatus::Registered.into(),
        subtree_pattern(&scope.root_path).into(),
    ];
    if let Some(c) = scope.cluster_id {
        values.push(c.into());
    }
    values
}

/// The `latest` and `per_unit` CTEs over `scope`: each unit's latest counting report and
/// its 0/1 figures; their values follow [`scope_values`]. `units` lists `scope`'s units
/// once each (`scope` itself, unless it repeats units).
fn per_unit_ctes(scope: &Scope, units: &str) -> (String, Vec<Value>) {
    let (filter, filter_values) = window(scope.counting);
    let on_time = match scope.cutoff {
        Some(_) => "CASE WHEN l.submitted_at < ? THEN 1 ELSE 0 END",
        None => "1",
    };
    // `latest` keeps each unit's latest counting report (a unit counts once).
    let sql = format!(
        "latest AS ( \
            SELECT r.unit_id, r.status, r.submitted_at, \
                ROW_NUMBER() OVER (PARTITION BY r.unit_id \
                    ORDER BY r.period_end DESC, r.submitted_at DESC, r.id DESC) AS n \
            FROM {units} s \
            JOIN progress_reports r ON r.campaign_id = ? AND r.unit_id = s.unit_id \
                AND {filter}), \
        per_unit AS ( \
            SELECT s.*, \
                CASE WHEN l.unit_id IS NULL THEN 0 ELSE 1 END AS submitted, \
                CASE WHEN l.unit_id IS NULL THEN 0 ELSE {on_time} END AS on_time, \
                CASE WHEN l.status = ? THEN 1 ELSE 0 END AS approved, \
                CASE WHEN l.status = ? THEN 1 ELSE 0 END AS returned \
            FROM scope s LEFT JOIN latest l ON l.unit_id = s.unit_id AND l.n = 1)"
    );
    let mut values: Vec<Value> = vec![scope.campaign_id.into()];
    values.extend(filter_values);
    if let Some(cutoff) = scope.cutoff {
        values.push(cutoff.into());
    }
    values.extend([ReportStatus::Approved.into(), ReportStatus::Returned.into()]);
    (sql, values)
}

/// The figures of the subtree: the total first, then (when `by_child`) one row per child of
/// the root with a registered unit in its subtree, and one for the root's own participation.
/// One statement.
pub async fn counts(
    db: &impl ConnectionTrait,
    scope: &Scope,
    by_child: bool,
) -> Result<Vec<Row>, StoreError> {
    let backend = db.get_database_backend();
    let (ctes, cte_values) = per_unit_ctes(scope, "scope");
    let mut sql = format!(
        "WITH {}, {ctes} \
        SELECT ? AS unit_id, ? AS code, CAST(0 AS BIGINT) AS lvl, COUNT(*) AS expected, \
            COALESCE(SUM(submitted), 0) AS submitted, COALESCE(SUM(on_time), 0) AS on_time, \
            COALESCE(SUM(approved), 0) AS approved, COALESCE(SUM(returned), 0) AS returned \
        FROM per_unit",
        scope_cte(scope)
    );
    let mut values = scope_values(scope);
    values.extend(cte_values);
    values.extend([scope.root_id.into(), scope.root_code.clone().into()]);
    if by_child {
        // A unit belongs to the child of the root whose path starts its own; the root's own
        // participation has no such child and keeps the root as its key.
        sql.push_str(
            " UNION ALL \
            SELECT g.child_id AS unit_id, MAX(g.code) AS code, CAST(1 AS BIGINT) AS lvl, COUNT(*) AS expected, \
                COALESCE(SUM(g.submitted), 0), COALESCE(SUM(g.on_time), 0), \
                COALESCE(SUM(g.approved), 0), COALESCE(SUM(g.returned), 0) \
            FROM (SELECT COALESCE(c.id, ?) AS child_id, COALESCE(c.code, ?) AS code, u.submitted, u.on_time, u.approved, \
                    u.returned \
                FROM per_unit u LEFT JOIN org_units c ON c.parent_id = ? \
                    AND u.path LIKE (c.path || '%')) g \
            GROUP BY g.child_id",
        );
        values.extend([
            scope.root_id.into(),
            scope.root_code.clone().into(),
            scope.root_id.into(),
        ]);
    }
    let rows = CountRow::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let mut out: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            unit_id: r.unit_id,
            code: r.code,
            total: r.lvl == 0,
            counts: Counts {
                expected: n(r.expected),
                submitted: n(r.submitted),
                on_time: n(r.on_time),
                approved: n(r.approved),
                returned: n(r.returned),
            },
        })
        .collect();
    // Total first, then the rows by unit code.
    out.sort_by(|a, b| (!a.total, &a.code, a.unit_id).cmp(&(!b.total, &b.code, b.unit_id)));
    Ok(out)
}

/// A page of the registered units in the subtree without a counting report, by unit code
/// (then id), each with its latest report of the campaign (by period end, then submission).
/// One statement.
pub async fn missing(
    db: &impl ConnectionTrait,
    scope: &Scope,
    page: &PageRequest,
) -> Result<Page<Missing>, StoreError> {
    let backend = db.get_database_backend();
    let (filter, filter_values) = window(scope.counting);
    // Codes compare byte by byte on both backends, as Rust compares strings.
    let collate = match backend {
        DatabaseBackend::Postgres => " COLLATE \"C\"",
        _ => "",
    };
    let mut values = scope_values(scope);
    values.push(scope.campaign_id.into());
    values.extend(filter_values);
    let after = match &page.after {
        Some(KeyCursor { value, id }) => {
            values.extend([value.clone().into(), value.clone().into(), Value::from(*id)]);
            format!(" AND (o.code{collate} > ? OR (o.code = ? AND s.unit_id > ?))")
        }
        None => String::new(),
    };
    values.push(
        i64::try_from(page.first.saturating_add(1))
            .unwrap_or(i64::MAX)
            .into(),
    );
    values.push(scope.campaign_id.into());
    // The page is cut first, so each unit's latest report is looked up only for the units
    // on the page (by primary key), never joined against every report.
    let sql = format!(
        "WITH {}, \
        page AS ( \
            SELECT s.unit_id, o.code FROM scope s JOIN org_units o ON o.id = s.unit_id \
            WHERE NOT EXISTS ( \
                SELECT 1 FROM progress_reports r WHERE r.campaign_id = ? AND r.unit_id = s.unit_id \
                    AND {filter}){after} \
            ORDER BY o.code{collate}, s.unit_id LIMIT ?) \
        SELECT p.unit_id, p.code, lr.period_kind, lr.period_start, lr.period_end, lr.status, \
            lr.submitted_at \
        FROM page p \
        LEFT JOIN progress_reports lr ON lr.id = ( \
            SELECT x.id FROM progress_reports x WHERE x.campaign_id = ? AND x.unit_id = p.unit_id \
            ORDER BY x.period_end DESC, x.submitted_at DESC, x.id DESC LIMIT 1) \
        ORDER BY p.code{collate}, p.unit_id",
        scope_cte(scope)
    );
    let rows = MissingRow::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| Missing {
            unit_id: r.unit_id,
            code: r.code,
            last: match (
                r.period_kind,
                r.period_start,
                r.period_end,
                r.status,
                r.submitted_at,
            ) {
                (
                    Some(period_kind),
                    Some(period_start),
                    Some(period_end),
                    Some(status),
                    Some(submitted_at),
                ) => Some(LastReport {
                    period_kind,
                    period_start,
                    period_end,
                    status,
                    submitted_at,
                }),
                _ => None,
            },
        })
        .collect();
    // The number missing is in the totals (`missing`); this page is not counted again.
    Ok(Page::from_overfetch(items, page.first, CountQuery::empty()))
}

/// A cluster's figures: every registered unit of the campaign in the subtree of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterCounts {
    pub cluster_id: Uuid,
    pub counts: Counts,
}

#[derive(Debug, FromQueryResult)]
struct ClusterRow {
    cluster_id: Uuid,
    expected: i64,
    submitted: i64,
    on_time: i64,
    approved: i64,
    returned: i64,
}

/// The figures of each whole cluster `member` is itself a member of, counted as `scope`
/// counts (same reports, same deadline) but over the cluster, not the root's subtree nor
/// the caller's grants: only the aggregate leaves (see `thidua_domain::comparison`).
/// Clusters without a registered unit have no row. One statement.
pub async fn cluster_counts(
    db: &impl ConnectionTrait,
    scope: &Scope,
    member: Uuid,
) -> Result<Vec<ClusterCounts>, StoreError> {
    let backend = db.get_database_backend();
    let (ctes, cte_values) = per_unit_ctes(scope, "(SELECT DISTINCT unit_id FROM scope)");
    // `scope` holds a unit once per cluster it counts in (`latest` takes each unit once).
    let sql = format!(
        "WITH scope AS ( \
            SELECT DISTINCT cm.cluster_id, p.unit_id, o.path FROM participations p \
            JOIN org_units o ON o.id = p.unit_id \
            JOIN cluster_members mine ON mine.unit_id = ? \
            JOIN cluster_members cm ON cm.cluster_id = mine.cluster_id \
            JOIN org_units cmu ON cmu.id = cm.unit_id AND o.path LIKE (cmu.path || '%') \
            WHERE p.campaign_id = ? AND p.status = ?), {ctes} \
        SELECT cluster_id, COUNT(*) AS expected, \
            COALESCE(SUM(submitted), 0) AS submitted, COALESCE(SUM(on_time), 0) AS on_time, \
            COALESCE(SUM(approved), 0) AS approved, COALESCE(SUM(returned), 0) AS returned \
        FROM per_unit GROUP BY cluster_id"
    );
    let mut values: Vec<Value> = vec![
        member.into(),
        scope.campaign_id.into(),
        ParticipationStatus::Registered.into(),
    ];
    values.extend(cte_values);
    let rows = ClusterRow::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|r| ClusterCounts {
            cluster_id: r.cluster_id,
            counts: Counts {
                expected: n(r.expected),
                submitted: n(r.submitted),
                on_time: n(r.on_time),
                approved: n(r.approved),
                returned: n(r.returned),
            },
        })
        .collect())
}
