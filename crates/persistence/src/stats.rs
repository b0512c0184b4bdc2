//! Dashboard counts of commendations and exemplary models, grouped in SQL (GROUP BY,
//! COUNT) on both databases: one statement per figure, whatever the number of rows.
//! The caller's reach arrives as a list of subtree paths (`thidua_domain::stats::scope`)
//! and every statement is limited to records whose unit lies in one of them.

use sea_orm::{ConnectionTrait, QueryResult, Value};
use thidua_domain::award::{AwardCategory, AwardLevel};
use thidua_domain::commendation::{CommendationKind, CommendationStatus, RecipientType};
use thidua_domain::exemplar::{ExemplarKind, ExemplarStage};
use thidua_domain::stats::{CommendationDimension, ExemplarDimension};
use uuid::Uuid;

use crate::clusters::within_cluster;
use crate::error::StoreError;
use crate::page::subtree_pattern;
use crate::raw;

/// The largest number of groups one answer holds; beyond it the answer says it was cut.
pub const MAX_GROUPS: u64 = 1000;

/// `(alias.path LIKE ? OR …)` for the subtrees, with its values. An empty scope matches
/// nothing (callers never pass one; this keeps the statement valid if they did).
fn within(alias: &str, scope: &[String]) -> (String, Vec<Value>) {
    if scope.is_empty() {
        return ("1 = 0".into(), vec![]);
    }
    let parts: Vec<String> = scope
        .iter()
        .map(|_| format!("{alias}.path LIKE ?"))
        .collect();
    (
        format!("({})", parts.join(" OR ")),
        scope.iter().map(|p| subtree_pattern(p).into()).collect(),
    )
}

/// ` AND <the unit \`o\` lies in the cluster's members' subtrees>` when a cluster is asked.
fn push_cluster(sql: &mut String, values: &mut Vec<Value>, cluster: Option<Uuid>) {
    if let Some(c) = cluster {
        sql.push_str(" AND ");
        sql.push_str(&within_cluster("o"));
        values.push(c.into());
    }
}

/// The unit directly under the root (depth 1) holding `alias`'s unit; none for the root.
fn top_level_join(alias: &str) -> String {
    format!(" LEFT JOIN org_units t ON t.depth = 1 AND {alias}.path LIKE t.path || '%'")
}

/// Which commendations to count.
#[derive(Debug, Clone)]
pub struct CommendationCount {
    pub scope: Vec<String>,
    pub from_year: i32,
    pub to_year: i32,
    /// None: every status.
    pub status: Option<CommendationStatus>,
    pub group_by: Vec<CommendationDimension>,
    /// Only recipients whose unit is in the subtree of a member of this cluster or bloc.
    pub cluster_id: Option<Uuid>,
}

/// One group: the dimensions not grouped by are None (as are values a record lacks, such
/// as the field of a commendation not linked to a model).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommendationGroup {
    pub level: Option<AwardLevel>,
    pub category: Option<AwardCategory>,
    pub kind: Option<CommendationKind>,
    pub recipient_type: Option<RecipientType>,
    pub year: Option<i32>,
    pub top_level_unit: Option<Uuid>,
    pub field: Option<Uuid>,
    pub individual: Option<bool>,
    pub count: i64,
}

/// The groups, the total over all of them, and whether the groups were cut at MAX_GROUPS.
#[derive(Debug, Clone, Default)]
pub struct Counted<G> {
    pub total: i64,
    pub groups: Vec<G>,
    pub truncated: bool,
}

/// Where the commendations are counted from. `commendation_totals` holds them counted per
/// subtree root and per value of every dimension but the model's field, so a count without
/// that dimension and without a cluster reads a few rows per group; the others count the
/// commendations themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Totals,
    Commendations,
}

impl Source {
    fn of(q: &CommendationCount) -> Self {
        if q.cluster_id.is_some() || q.group_by.contains(&CommendationDimension::Field) {
            Self::Commendations
        } else {
            Self::Totals
        }
    }

    /// ` FROM <table> c`, and how a row counts: one commendation, or the `n` it holds.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Totals => (" FROM commendation_totals c", "SUM(c.n)"),
            Self::Commendations => (" FROM commendations c", "COUNT(*)"),
        }
    }
}

/// The conditions on `c` (commendations or their totals, see [`Source`]), with their
/// values. The scope is tested once per unit (`c.unit_id IN` the units in scope), not once
/// per commendation: a province holds a few hundred units and a hundred thousand
/// commendations. Totals are read at the scope's roots (disjoint subtrees, so each
/// commendation counts once).
fn commendation_where(q: &CommendationCount, source: Source) -> (String, Vec<Value>) {
    let (mut sql, mut values) = match source {
        _ if q.scope.is_empty() => (" WHERE 1 = 0".to_owned(), vec![]),
        Source::Totals => (
            format!(
                " WHERE c.ancestor_id IN (SELECT o.id FROM org_units o WHERE o.path IN ({}))",
                vec!["?"; q.scope.len()].join(", ")
            ),
            q.scope.iter().map(|p| Value::from(p.clone())).collect(),
        ),
        _ => {
            let (scope_sql, mut values) = within("o", &q.scope);
            let mut sql =
                format!(" WHERE c.unit_id IN (SELECT o.id FROM org_units o WHERE {scope_sql}");
            push_cluster(&mut sql, &mut values, q.cluster_id);
            sql.push(')');
            (sql, values)
        }
    };
    sql.push_str(" AND c.award_year >= ? AND c.award_year <= ?");
    values.push(q.from_year.into());
    values.push(q.to_year.into());
    if let Some(s) = q.status {
        sql.push_str(" AND c.status = ?");
        values.push(s.into());
    }
    (sql, values)
}

/// The column of `commendations` (or of their totals) a dimension is read from (or
/// through).
fn commendation_source(d: CommendationDimension, source: Source) -> &'static str {
    use CommendationDimension as D;
    match d {
        D::Level | D::Category => "award_type_id",
        D::Kind => "kind",
        D::RecipientType => "recipient_type",
        D::Year => "award_year",
        D::TopLevelUnit if source == Source::Totals => "top_level_id",
        D::TopLevelUnit => "unit_id",
        D::Field => "exemplar_id",
        D::Individual => "is_individual",
    }
}

/// ` FROM (…) g JOIN …`: the commendations are first counted per combination of the
/// columns the dimensions read (`g.n`), and only those few rows are joined to award types,
/// units and models, instead of every commendation.
fn commendation_from(q: &CommendationCount) -> (String, Vec<Value>) {
    use CommendationDimension as D;
    let source = Source::of(q);
    let (cond, values) = commendation_where(q, source);
    let (table, count) = source.table();
    let mut sources: Vec<&str> = Vec::new();
    for d in &q.group_by {
        let col = commendation_source(*d, source);
        if !sources.contains(&col) {
            sources.push(col);
        }
    }
    let select: String = sources.iter().map(|c| format!("c.{c}, ")).collect();
    let group = if sources.is_empty() {
        String::new()
    } else {
        let cols: Vec<String> = sources.iter().map(|c| format!("c.{c}")).collect();
        format!(" GROUP BY {}", cols.join(", "))
    };
    let mut sql = format!(" FROM (SELECT {select}{count} AS n{table}{cond}{group}) g");
    if q.group_by.contains(&D::Level) || q.group_by.contains(&D::Category) {
        sql.push_str(" JOIN award_types a ON a.id = g.award_type_id");
    }
    if q.group_by.contains(&D::TopLevelUnit) {
        match source {
            // The root's own honours are kept under the root: no top-level unit.
            Source::Totals => {
                sql.push_str(" LEFT JOIN org_units t ON t.id = g.top_level_id AND t.depth = 1");
            }
            Source::Commendations => {
                sql.push_str(" JOIN org_units u ON u.id = g.unit_id");
                sql.push_str(&top_level_join("u"));
            }
        }
    }
    if q.group_by.contains(&D::Field) {
        sql.push_str(" LEFT JOIN exemplars e ON e.id = g.exemplar_id");
    }
    (sql, values)
}

fn commendation_column(d: CommendationDimension) -> (&'static str, &'static str) {
    use CommendationDimension as D;
    match d {
        D::Level => ("a.level", "level"),
        D::Category => ("a.category", "category"),
        D::Kind => ("g.kind", "kind"),
        D::RecipientType => ("g.recipient_type", "recipient_type"),
        D::Year => ("g.award_year", "year"),
        D::TopLevelUnit => ("t.id", "top_level_unit"),
        D::Field => ("e.field_id", "field"),
        D::Individual => ("g.is_individual", "individual"),
    }
}

/// `SELECT cols, count, total … GROUP BY cols ORDER BY count DESC, cols LIMIT n+1`: the
/// total is a window over the groups, so one statement answers both. `count` is the
/// aggregate counting a group (`COUNT(*)`, or `SUM(g.n)` over pre-counted rows).
fn grouped_sql(columns: &[(&str, &str)], count: &str, from: &str) -> String {
    let select: Vec<String> = columns
        .iter()
        .map(|(expr, alias)| format!("{expr} AS {alias}, "))
        .collect();
    let exprs: Vec<&str> = columns.iter().map(|(e, _)| *e).collect();
    let (group, order) = if exprs.is_empty() {
        (String::new(), String::new())
    } else {
        // NULLs last on both databases, then the value: a stable order.
        let order: Vec<String> = exprs
            .iter()
            .map(|e| format!(", CASE WHEN {e} IS NULL THEN 1 ELSE 0 END, {e}"))
            .collect();
        (format!(" GROUP BY {}", exprs.join(", ")), order.join(""))
    };
    format!(
        "SELECT {}CAST({count} AS BIGINT) AS n, CAST(SUM({count}) OVER () AS BIGINT) AS total\
         {from}{group} \
         ORDER BY n DESC{order} LIMIT ?",
        select.join("")
    )
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> Result<Option<T>, StoreError> {
    Ok(row.try_get::<Option<T>>("", col)?)
}

/// Commendations counted per combination of the `group_by` dimensions. One statement.
pub async fn commendation_groups(
    db: &impl ConnectionTrait,
    q: &CommendationCount,
) -> Result<Counted<CommendationGroup>, StoreError> {
    use CommendationDimension as D;
    let (from, values) = commendation_from(q);
    let columns: Vec<(&str, &str)> = q.group_by.iter().map(|d| commendation_column(*d)).collect();
    let sql = grouped_sql(&columns, "SUM(g.n)", &from);
    run_grouped(db, &sql, values, |count, row| {
        let mut g = CommendationGroup {
            count,
            ..Default::default()
        };
        for d in &q.group_by {
            let col = commendation_column(*d).1;
            match d {
                D::Level => g.level = get(row, col)?,
                D::Category => g.category = get(row, col)?,
                D::Kind => g.kind = get(row, col)?,
                D::RecipientType => g.recipient_type = get(row, col)?,
                D::Year => g.year = get(row, col)?,
                D::TopLevelUnit => g.top_level_unit = get(row, col)?,
                D::Field => g.field = get(row, col)?,
                D::Individual => g.individual = get(row, col)?,
            }
        }
        Ok(g)
    })
    .await
}

/// Runs a [`grouped_sql`] statement: the total, the non-empty groups made by `group` from
/// their count and row, and whether they were cut at [`MAX_GROUPS`].
async fn run_grouped<G>(
    db: &impl ConnectionTrait,
    sql: &str,
    mut values: Vec<Value>,
    group: impl Fn(i64, &QueryResult) -> Result<G, StoreError>,
) -> Result<Counted<G>, StoreError> {
    values.push(i64::try_from(MAX_GROUPS + 1).unwrap_or(i64::MAX).into());
    let rows = db
        .query_all_raw(raw::stmt(db.get_database_backend(), sql, values))
        .await?;
    let mut out = Counted {
        total: 0,
        groups: Vec::new(),
        truncated: false,
    };
    for row in &rows {
        out.total = get::<i64>(row, "total")?.unwrap_or(0);
        let count = get::<i64>(row, "n")?.unwrap_or(0);
        if count == 0 {
            // The ungrouped count of nothing: no group.
            continue;
        }
        out.groups.push(group(count, row)?);
    }
    out.truncated = out.groups.len() as u64 > MAX_GROUPS;
    out.groups
        .truncate(usize::try_from(MAX_GROUPS).unwrap_or(usize::MAX));
    Ok(out)
}

/// Individual commendations and those to direct workers, in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectWorkerYear {
    pub year: i32,
    pub individual: i64,
    pub direct_workers: i64,
}

/// The direct-worker share of the same commendations (their individual ones), per year.
/// One statement.
pub async fn commendation_direct_workers(
    db: &impl ConnectionTrait,
    q: &CommendationCount,
) -> Result<Vec<DirectWorkerYear>, StoreError> {
    let source = Source::of(q);
    let (cond, mut values) = commendation_where(q, source);
    let (table, count) = source.table();
    let one = match source {
        Source::Totals => "c.n",
        Source::Commendations => "1",
    };
    let sql = format!(
        "SELECT c.award_year AS year, CAST({count} AS BIGINT) AS individual, \
            CAST(SUM(CASE WHEN c.is_direct_worker THEN {one} ELSE 0 END) AS BIGINT) \
            AS direct_workers \
         {table}{cond} AND c.is_individual = ? \
         GROUP BY c.award_year HAVING {count} > 0 ORDER BY c.award_year"
    );
    values.push(true.into());
    let rows = db
        .query_all_raw(raw::stmt(db.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DirectWorkerYear {
                year: get::<i32>(r, "year")?.unwrap_or_default(),
                individual: get::<i64>(r, "individual")?.unwrap_or(0),
                direct_workers: get::<i64>(r, "direct_workers")?.unwrap_or(0),
            })
        })
        .collect()
}

/// Which exemplary models to count: by their home unit.
#[derive(Debug, Clone)]
pub struct ExemplarCount {
    pub scope: Vec<String>,
    pub field_id: Option<Uuid>,
    pub stage: Option<ExemplarStage>,
    pub kind: Option<ExemplarKind>,
    pub group_by: Vec<ExemplarDimension>,
    /// Only models whose home unit is in the subtree of a member of this cluster or bloc.
    pub cluster_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExemplarGroup {
    pub stage: Option<ExemplarStage>,
    pub field: Option<Uuid>,
    pub home_unit: Option<Uuid>,
    pub top_level_unit: Option<Uuid>,
    pub kind: Option<ExemplarKind>,
    pub count: i64,
}

/// The models' conditions (`e` joined to its home unit `o`), with their values.
fn exemplar_where(q: &ExemplarCount) -> (String, Vec<Value>) {
    let (scope_sql, mut values) = within("o", &q.scope);
    let mut sql = format!(" WHERE {scope_sql}");
    if let Some(f) = q.field_id {
        sql.push_str(" AND e.field_id = ?");
        values.push(f.into());
    }
    if let Some(s) = q.stage {
        sql.push_str(" AND e.stage = ?");
        values.push(s.into());
    }
    if let Some(k) = q.kind {
        sql.push_str(" AND e.kind = ?");
        values.push(k.into());
    }
    push_cluster(&mut sql, &mut values, q.cluster_id);
    (sql, values)
}

fn exemplar_column(d: ExemplarDimension) -> (&'static str, &'static str) {
    use ExemplarDimension as D;
    match d {
        D::Stage => ("e.stage", "stage"),
        D::Field => ("e.field_id", "field"),
        D::HomeUnit => ("e.home_unit_id", "home_unit"),
        D::TopLevelUnit => ("t.id", "top_level_unit"),
        D::Kind => ("e.kind", "kind"),
    }
}

/// Models counted per combination of the `group_by` dimensions. One statement.
pub async fn exemplar_groups(
    db: &impl ConnectionTrait,
    q: &ExemplarCount,
) -> Result<Counted<ExemplarGroup>, StoreError> {
    use ExemplarDimension as D;
    let (cond, values) = exemplar_where(q);
    let mut from = String::from(" FROM exemplars e JOIN org_units o ON o.id = e.home_unit_id");
    if q.group_by.contains(&D::TopLevelUnit) {
        from.push_str(&top_level_join("o"));
    }
    from.push_str(&cond);
    let columns: Vec<(&str, &str)> = q.group_by.iter().map(|d| exemplar_column(*d)).collect();
    let sql = grouped_sql(&columns, "COUNT(*)", &from);
    run_grouped(db, &sql, values, |count, row| {
        let mut g = ExemplarGroup {
            count,
            ..Default::default()
        };
        for d in &q.group_by {
            let col = exemplar_column(*d).1;
            match d {
                D::Stage => g.stage = get(row, col)?,
                D::Field => g.field = get(row, col)?,
                D::HomeUnit => g.home_unit = get(row, col)?,
                D::TopLevelUnit => g.top_level_unit = get(row, col)?,
                D::Kind => g.kind = get(row, col)?,
            }
        }
        Ok(g)
    })
    .await
}

/// The models most replicated (taken up by other units), most first, ties by id: the
/// first `limit` of them with their replication counts. One statement.
pub async fn most_replicated(
    db: &impl ConnectionTrait,
    q: &ExemplarCount,
    limit: u64,
) -> Result<Vec<(Uuid, i64)>, StoreError> {
    let (cond, mut values) = exemplar_where(q);
    let sql = format!(
        "SELECT e.id AS id, COUNT(*) AS n FROM exemplars e \
         JOIN org_units o ON o.id = e.home_unit_id \
         JOIN replications r ON r.exemplar_id = e.id{cond} \
         GROUP BY e.id ORDER BY n DESC, e.id LIMIT ?"
    );
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    let rows = db
        .query_all_raw(raw::stmt(db.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .filter_map(|r| {
            let id = get::<Uuid>(r, "id").transpose()?;
            Some(id.and_then(|id| Ok((id, get::<i64>(r, "n")?.unwrap_or(0)))))
        })
        .collect()
}

/// Active units in the scope that neither are the home of a model nor replicate one (of
/// the field, when one is given): the first `limit` in tree order (depth, then code), and
/// how many there are in all. One statement.
pub async fn units_without_models(
    db: &impl ConnectionTrait,
    scope: &[String],
    field_id: Option<Uuid>,
    cluster_id: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Uuid>, i64), StoreError> {
    let (mut scope_sql, mut values) = within("o", scope);
    push_cluster(&mut scope_sql, &mut values, cluster_id);
    let (field_own, field_rep) = match field_id {
        Some(_) => (" AND e.field_id = ?", " AND m.field_id = ?"),
        None => ("", ""),
    };
    let sql = format!(
        "SELECT o.id AS id, COUNT(*) OVER () AS total FROM org_units o \
         WHERE {scope_sql} AND o.is_active = ? \
         AND NOT EXISTS (SELECT 1 FROM exemplars e WHERE e.home_unit_id = o.id{field_own}) \
         AND NOT EXISTS (SELECT 1 FROM replications r JOIN exemplars m ON m.id = r.exemplar_id \
             WHERE r.unit_id = o.id{field_rep}) \
         ORDER BY o.depth, o.code, o.id LIMIT ?"
    );
    values.push(true.into());
    if let Some(f) = field_id {
        values.push(f.into());
        values.push(f.into());
    }
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    let rows = db
        .query_all_raw(raw::stmt(db.get_database_backend(), &sql, values))
        .await?;
    let mut total = 0;
    let mut ids = Vec::with_capacity(rows.len());
    for r in &rows {
        total = get::<i64>(r, "total")?.unwrap_or(0);
        if let Some(id) = get::<Uuid>(r, "id")? {
            ids.push(id);
        }
    }
    Ok((ids, total))
}
