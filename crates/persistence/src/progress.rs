//! Progress by criterion computed by the database (rules: `thidua_domain::progress`): the
//! approved reports of the registered units under a subtree root, combined per unit by each
//! criterion's period aggregation, then across units (SUM for counts, AVERAGE otherwise),
//! per group and in total, in one statement.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use thidua_domain::criterion::{Measure, PeriodAggregation};
use thidua_domain::id::CampaignId;
use thidua_domain::org_unit::PATH_SEGMENT_LEN;
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::progress::Bucket;
use thidua_domain::report::ReportStatus;
use thidua_migrations::progress_rollup_sql::{self, CAMPAIGN_GRAIN, CAMPAIGN_YEAR, TOTALS};
use uuid::Uuid;

use crate::clusters::{within_cluster, within_clusters_of};
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
    /// Only units in the subtree of a member of this cluster or bloc.
    pub cluster_id: Option<Uuid>,
    /// Several campaigns at once (a field's): when set, these replace `campaign_id`.
    pub campaigns: Option<Vec<CampaignId>>,
}

impl Scope {
    fn campaign_ids(&self) -> Vec<CampaignId> {
        self.campaigns
            .clone()
            .unwrap_or_else(|| vec![self.campaign_id])
    }
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
    /// Units with a counted value of the criterion.
    pub units: u64,
}

/// One criterion's figure over a whole cluster (every registered unit in the subtree of a
/// member), whoever asks; the caller decides what to disclose.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterFigure {
    pub cluster_id: Uuid,
    pub criterion_id: Uuid,
    pub value: Option<Decimal>,
    /// The mean of the units' own values (what one unit's value compares with).
    pub average: Option<Decimal>,
    pub reports: u64,
    pub units: u64,
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
    units: i64,
    mean: Option<Decimal>,
}

/// `IN (?, ?, …)` for `n` values (never empty: callers pass at least one campaign).
fn in_list(n: usize) -> String {
    format!("IN ({})", vec!["?"; n.max(1)].join(", "))
}

/// Which units `run` aggregates, and how their combined values are grouped.
struct Plan {
    /// The condition on `o` (the unit) in `units`, with its values.
    units_filter: String,
    units_values: Vec<Value>,
    /// Grouping by period (each unit's values are then combined per period, `lvl` 1, and
    /// these per-period figures folded into the whole range, `lvl` 0).
    period: Option<Bucket>,
    /// `grouped`'s rows (`lvl`, `g_unit`, `g_period`, `g_code`, `unit_id`, `criterion_id`,
    /// `value`, `reports`), from `per_unit p`, with their values.
    grouped: String,
    grouped_values: Vec<Value>,
    /// When the units are a whole subtree (no cluster filter): the same groups read from
    /// `progress_subtree_totals` where the range allows it (see [`totals_way`]).
    totals: Option<Subtree>,
}

/// The subtree whose totals answer a query, and whether it is grouped by child.
struct Subtree {
    root_id: Uuid,
    root_code: String,
    by_child: bool,
}

/// Whole calendar years `[from, to]` covers exactly, if it does.
fn whole_years(from: NaiveDate, to: NaiveDate) -> Option<(i32, i32)> {
    let aligned = (from.month(), from.day(), to.month(), to.day()) == (1, 1, 12, 31);
    aligned.then_some((from.year(), to.year()))
}

/// The grain of `progress_rollups` rows holding a bucket's values.
pub(crate) fn grain(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Year => "Y",
        Bucket::HalfYear => "H",
        Bucket::Quarter => "Q",
        Bucket::Month => "M",
    }
}

/// `EXISTS (…)` an approved report inside `[from, to]` whose period crosses a year end:
/// the rollups leave such reports out, so the figures must then come from the reports.
/// `period_kind = 'CUSTOM'` is written out so that the partial index on CUSTOM reports
/// applies; no other kind of period crosses a year end.
fn crossing(
    backend: DatabaseBackend,
    campaigns: &[CampaignId],
    from: NaiveDate,
    to: NaiveDate,
    values: &mut Vec<Value>,
) -> String {
    let (start_year, end_year) = match backend {
        DatabaseBackend::Postgres => (
            "EXTRACT(YEAR FROM x.period_start)",
            "EXTRACT(YEAR FROM x.period_end)",
        ),
        _ => ("substr(x.period_start, 1, 4)", "substr(x.period_end, 1, 4)"),
    };
    values.extend(campaigns.iter().map(|c| Value::from(*c)));
    values.extend([ReportStatus::Approved.into(), from.into(), to.into()]);
    format!(
        "EXISTS (SELECT 1 FROM progress_reports x \
        WHERE x.campaign_id {} AND x.period_kind = 'CUSTOM' AND x.status = ? \
            AND x.period_start >= ? AND x.period_end <= ? AND {start_year} <> {end_year})",
        in_list(campaigns.len())
    )
}

/// `NOT EXISTS (…)` an approved report of `campaigns` outside `[from, to]`: then the range
/// counts every approved report of the campaigns, as the whole-campaign rows do. Two probes
/// of the partial indexes on approved reports by period start and end (the status is
/// written out so that they apply), whatever the campaigns' dates say.
fn covers(
    campaigns: &[CampaignId],
    from: NaiveDate,
    to: NaiveDate,
    values: &mut Vec<Value>,
) -> String {
    let ids = in_list(campaigns.len());
    let approved = ReportStatus::Approved.as_str();
    let mut probe = |bound: &str, day: NaiveDate| {
        values.extend(campaigns.iter().map(|c| Value::from(*c)));
        values.push(day.into());
        format!(
            "NOT EXISTS (SELECT 1 FROM progress_reports x WHERE x.campaign_id {ids} \
                AND x.status = '{approved}' AND {bound} ?)"
        )
    };
    let early = probe("x.period_start <", from);
    let late = probe("x.period_end >", to);
    format!("{early} AND {late}")
}

/// Which stored totals answer a query over a whole subtree, and when.
struct TotalsRead {
    subtree: Subtree,
    /// The grain and year of the rows holding the whole range: one year's `Y` rows, or the
    /// whole-campaign rows.
    whole: (&'static str, i32),
    /// A period grouping's grain and the years of its rows.
    period: Option<(Bucket, i32, i32)>,
    /// The SQL condition under which they answer (the way per unit answers otherwise).
    gate: String,
}

/// How the stored totals can answer over `[from, to]` grouped by `period`, given the
/// gates' CTEs (`crossing`: an approved report inside the range crosses a year end, asked
/// over whole years only; `covers`: the range holds every approved report):
///
/// - one whole year, unless a report crosses a year end: that year's rows;
/// - a range holding every approved report: the whole-campaign rows (a unit's value over
///   several years cannot be summed from its years' values unless its criterion sums), and
///   for a period grouping over whole years without a crossing report, the periods' rows.
///
/// `None` when they cannot; then the range is read unit by unit.
fn totals_way(
    subtree: Subtree,
    whole: Option<(i32, i32)>,
    period: Option<Bucket>,
) -> Option<TotalsRead> {
    let crossing = "(SELECT yes FROM crossing)";
    let covers = "(SELECT yes FROM covers)";
    let campaign = (CAMPAIGN_GRAIN, CAMPAIGN_YEAR);
    let (whole, period, gate) = match (whole, period) {
        (Some((first, last)), period) if first == last => (
            ("Y", first),
            period.map(|b| (b, first, last)),
            format!("NOT {crossing}"),
        ),
        (_, None) => (campaign, None, covers.to_owned()),
        (Some((first, last)), Some(b)) => (
            campaign,
            Some((b, first, last)),
            format!("{covers} AND NOT {crossing}"),
        ),
        (None, Some(_)) => return None,
    };
    Some(TotalsRead {
        subtree,
        whole,
        period,
        gate,
    })
}

/// The statement over `campaigns`' registered units chosen by `plan`: `units` and `crit`,
/// then each unit's combined values per criterion (`per_unit`: from the rollups over whole
/// years unless an approved report inside the range crosses a year end, else from the
/// reports), then the groups.
///
/// - `grouped` regroups the units' values (a unit's combined value is the same in its
///   child's or cluster's group as in the total, so it is computed once).
/// - the final select combines the units: SUM for counts, AVERAGE otherwise, 4 decimals.
/// - over a whole subtree, the stored totals answer instead where [`totals_way`] allows;
///   the units' way is then read only where the totals' gate fails.
async fn run(
    db: &impl ConnectionTrait,
    campaigns: &[CampaignId],
    from: NaiveDate,
    to: NaiveDate,
    plan: Plan,
) -> Result<Vec<FigureRow>, StoreError> {
    let backend = db.get_database_backend();
    let campaign_values = || campaigns.iter().map(|c| Value::from(*c));
    let mut values: Vec<Value> = campaign_values().collect();
    values.push(ParticipationStatus::Registered.into());
    values.extend(plan.units_values);
    values.extend(campaign_values());
    let ids = in_list(campaigns.len());
    let units_filter = plan.units_filter;
    let whole = whole_years(from, to);
    let totals = plan
        .totals
        .and_then(|subtree| totals_way(subtree, whole, plan.period));
    // The gates' CTEs, each computed once: `crossing` over whole years, `covers` where the
    // whole-campaign totals may answer.
    let mut gates = vec![];
    if whole.is_some() {
        let crossing = crossing(backend, campaigns, from, to, &mut values);
        gates.push(format!("crossing AS (SELECT {crossing} AS yes)"));
    }
    if totals.as_ref().is_some_and(|t| t.whole.0 == CAMPAIGN_GRAIN) {
        let covers = covers(campaigns, from, to, &mut values);
        gates.push(format!("covers AS (SELECT {covers} AS yes)"));
    }
    // The way per unit, read only where the totals do not answer.
    let unless = totals
        .as_ref()
        .map_or_else(String::new, |t| format!("NOT ({}) AND ", t.gate));
    let per_unit = match whole {
        // One whole year whose totals answer unless a report crosses a year end: the
        // reports' way alone stands behind them (it then has the units' values).
        Some((first, last)) if first == last && totals.is_some() => {
            let reports = from_reports(
                backend,
                from,
                to,
                plan.period,
                "(SELECT yes FROM crossing)",
                &mut values,
            );
            format!("{reports}, per_unit AS (SELECT * FROM report_units)")
        }
        // Both ways in one statement behind one condition, `crossing`, computed once: each
        // way tests it where it reads its rows, so the way it rules out reads nothing
        // (tested above the union instead, SQLite still computed that way in full).
        Some(years) => {
            let rollups = from_rollups(
                backend,
                campaigns,
                years,
                plan.period,
                &format!("{unless}NOT (SELECT yes FROM crossing)"),
                &mut values,
            );
            let reports = from_reports(
                backend,
                from,
                to,
                plan.period,
                &format!("{unless}(SELECT yes FROM crossing)"),
                &mut values,
            );
            format!(
                "{rollups}, {reports}, per_unit AS ( \
                    SELECT * FROM rollup_units UNION ALL SELECT * FROM report_units)"
            )
        }
        None => {
            let reports = from_reports(
                backend,
                from,
                to,
                plan.period,
                &format!("{unless}1 = 1"),
                &mut values,
            );
            format!("{reports}, per_unit AS (SELECT * FROM report_units)")
        }
    };
    let per_unit = gates
        .into_iter()
        .chain([per_unit])
        .collect::<Vec<_>>()
        .join(", ");
    values.extend(plan.grouped_values);
    values.push(Measure::Count.into());
    let grouped = plan.grouped;
    // Period keys are grouped byte by byte: a locale's collation only slows the sort of
    // every unit's value per period. (A group's code follows from its unit.)
    let bytewise = match backend {
        DatabaseBackend::Postgres => " COLLATE \"C\"",
        _ => "",
    };
    let tail = match &totals {
        Some(read) => from_totals(backend, campaigns, read, &mut values),
        None => String::new(),
    };
    let sql = format!(
        "WITH units AS ( \
            SELECT p.campaign_id, p.unit_id, o.path FROM participations p \
            JOIN org_units o ON o.id = p.unit_id \
            WHERE p.campaign_id {ids} AND p.status = ? AND {units_filter}), \
        crit AS ( \
            SELECT c.id, c.measure, c.period_aggregation FROM criteria c WHERE c.campaign_id {ids}), \
        {per_unit}, \
        grouped AS ({grouped}) \
        SELECT CAST(u.lvl AS BIGINT) AS lvl, u.criterion_id, u.g_unit, \
            u.g_period{bytewise} AS g_period, MAX(u.g_code) AS g_code, \
            ROUND(CASE WHEN MAX(c.measure) = ? THEN SUM(u.value) ELSE AVG(u.value) END, 4) AS value, \
            CAST(SUM(u.reports) AS BIGINT) AS reports, CAST(COUNT(*) AS BIGINT) AS units, \
            ROUND(AVG(u.value), 4) AS mean \
        FROM grouped u JOIN crit c ON c.id = u.criterion_id \
        GROUP BY u.criterion_id, u.lvl, u.g_unit, u.g_period{bytewise}{tail}"
    );
    Ok(
        FigureRow::find_by_statement(raw::stmt(backend, &sql, values))
            .all(db)
            .await?,
    )
}

/// ` UNION ALL` the final rows of `run` read from `progress_subtree_totals` as `read` says
/// (read only where its gate holds): the total is the root's row holding the whole range
/// (`lvl` 0); a period grouping reads the root's rows of its grain; a child grouping reads
/// each child's row holding the whole range, and the root's own group is the root's own
/// rollup row if it is registered. A group's value is the units' sum for counts, else
/// their sum over their number, which is what `AVG` computes from the same values.
fn from_totals(
    backend: DatabaseBackend,
    campaigns: &[CampaignId],
    read: &TotalsRead,
    values: &mut Vec<Value>,
) -> String {
    let (null_uuid, null_text) = nulls(backend);
    let ids = in_list(campaigns.len());
    let gate = &read.gate;
    let subtree = &read.subtree;
    let (whole_grain, year) = read.whole;
    // The final select's placeholder comes first, then each part's in turn.
    values.push(Measure::Count.into());
    let range = |values: &mut Vec<Value>, grain: &str, first: i32, last: i32| {
        values.extend(campaigns.iter().map(|c| Value::from(*c)));
        values.extend([grain.into(), first.into(), last.into()]);
    };
    let rows = format!(
        "s.campaign_id {ids} AND s.grain = ? AND s.year >= ? AND s.year <= ? AND s.units > 0 \
            AND {gate}"
    );
    range(values, whole_grain, year, year);
    values.push(subtree.root_id.into());
    let mut parts = vec![format!(
        "SELECT 0 AS lvl, {null_uuid} AS g_unit, {null_text} AS g_period, {null_text} AS g_code, \
            s.criterion_id, s.units, s.value_sum, s.reports \
        FROM {TOTALS} s WHERE {rows} AND s.ancestor_id = ?"
    )];
    if let Some((b, first, last)) = read.period {
        range(values, grain(b), first, last);
        values.push(subtree.root_id.into());
        parts.push(format!(
            "SELECT 1, {null_uuid}, s.bucket, {null_text}, s.criterion_id, s.units, \
                s.value_sum, s.reports \
            FROM {TOTALS} s WHERE {rows} AND s.ancestor_id = ?"
        ));
    }
    if subtree.by_child {
        range(values, whole_grain, year, year);
        values.push(subtree.root_id.into());
        parts.push(format!(
            "SELECT 1, ch.id, {null_text}, ch.code, s.criterion_id, s.units, s.value_sum, \
                s.reports \
            FROM {TOTALS} s JOIN org_units ch ON ch.id = s.ancestor_id \
            WHERE {rows} AND ch.parent_id = ?"
        ));
        values.extend([
            subtree.root_id.into(),
            subtree.root_code.clone().into(),
            ParticipationStatus::Registered.into(),
        ]);
        values.extend(campaigns.iter().map(|c| Value::from(*c)));
        values.extend([
            Value::from(whole_grain),
            year.into(),
            subtree.root_id.into(),
        ]);
        parts.push(format!(
            "SELECT 1, ?, {null_text}, ?, s.criterion_id, 1, {value}, s.reports \
            FROM progress_rollups s JOIN crit c ON c.id = s.criterion_id \
            JOIN participations p ON p.campaign_id = s.campaign_id AND p.unit_id = s.unit_id \
                AND p.status = ? \
            WHERE s.campaign_id {ids} AND s.grain = ? AND s.year = ? AND s.unit_id = ? \
                AND {gate}",
            value = progress_rollup_sql::unit_value(backend),
        ));
    }
    let mean = match backend {
        DatabaseBackend::Postgres => "CAST(NULL AS NUMERIC)",
        _ => "NULL",
    };
    format!(
        " UNION ALL SELECT CAST(t.lvl AS BIGINT), t.criterion_id, t.g_unit, t.g_period, t.g_code, \
            ROUND(CASE WHEN c.measure = ? THEN t.value_sum ELSE t.value_sum / t.units END, 4), \
            CAST(t.reports AS BIGINT), CAST(t.units AS BIGINT), {mean} \
        FROM ({}) t JOIN crit c ON c.id = t.criterion_id",
        parts.join(" UNION ALL ")
    )
}

/// AVERAGE as AVG computes it: PostgreSQL divides the exact numeric sum by the count;
/// SQLite may hold whole values as integers, which must not divide as integers.
fn mean(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "p.total / p.reports",
        _ => "CAST(p.total AS REAL) / p.reports",
    }
}

/// `rollup_units` (with the CTEs it needs): `per_unit` from `progress_rollups` over whole
/// `years`. The units' year rows fold into the range (`lvl` 0; the latest value is the
/// latest year's), and a period grouping reads the rows of its grain as they are (`lvl` 1).
/// Rows are read only where the SQL condition `gate` holds.
fn from_rollups(
    backend: DatabaseBackend,
    campaigns: &[CampaignId],
    (first, last): (i32, i32),
    period: Option<Bucket>,
    gate: &str,
    values: &mut Vec<Value>,
) -> String {
    let (_, null_text) = nulls(backend);
    let mean = mean(backend);
    // The campaigns are named again so that the rows are read as one range of the primary
    // key (campaign, grain, year, …), not found by a scan joined to the units.
    let rows = format!(
        "FROM units u JOIN progress_rollups s ON s.campaign_id = u.campaign_id \
        AND s.unit_id = u.unit_id WHERE s.campaign_id {} AND s.grain = ? AND s.year >= ? \
        AND s.year <= ? AND {gate}",
        in_list(campaigns.len())
    );
    let mut range = |grain: &str| {
        values.extend(campaigns.iter().map(|c| Value::from(*c)));
        values.extend([grain.into(), first.into(), last.into()]);
    };
    range("Y");
    let per_period = match period {
        Some(b) => {
            range(grain(b));
            format!(
                " UNION ALL SELECT 1, s.bucket, s.unit_id, s.criterion_id, s.reports, s.total, \
                    s.high, s.low, s.latest_value {rows}"
            )
        }
        None => String::new(),
    };
    values.extend([
        PeriodAggregation::Sum.into(),
        PeriodAggregation::Average.into(),
        PeriodAggregation::Min.into(),
        PeriodAggregation::Max.into(),
    ]);
    format!(
        "years AS ( \
            SELECT s.unit_id, s.criterion_id, s.reports, s.total, s.high, s.low, \
                s.latest_value, ROW_NUMBER() OVER (PARTITION BY s.unit_id, s.criterion_id \
                    ORDER BY s.latest_end DESC) AS recency \
            {rows}), \
        rollup_levels AS ( \
            SELECT 0 AS lvl, {null_text} AS g_period, p.unit_id, p.criterion_id, \
                SUM(p.reports) AS reports, SUM(p.total) AS total, MAX(p.high) AS high, \
                MIN(p.low) AS low, MAX(CASE WHEN p.recency = 1 THEN p.latest_value END) AS latest \
            FROM years p GROUP BY p.unit_id, p.criterion_id{per_period}), \
        rollup_units AS ( \
            SELECT p.lvl, p.g_period, p.unit_id, p.criterion_id, p.reports, \
                CASE c.period_aggregation \
                    WHEN ? THEN p.total \
                    WHEN ? THEN {mean} \
                    WHEN ? THEN p.low \
                    WHEN ? THEN p.high \
                    ELSE p.latest END AS value \
            FROM rollup_levels p JOIN crit c ON c.id = p.criterion_id)"
    )
}

/// `report_units` (with the CTEs it needs): `per_unit` from the approved reports inside
/// `[from, to]`:
///
/// - `counted`: as on the leaderboard, each unit's approved reports in the range that no
///   other approved report in the range holds.
/// - `ranked` numbers each unit's counted reports from the latest: the latest of any subset
///   is its lowest number.
/// - `combined` folds each (period, unit, criterion)'s values with plain aggregates and
///   the number of the latest report holding one; `levels` folds these once more into
///   the whole range (`lvl` 0): each value is read once whatever the grouping.
/// - `report_units` picks the criterion's period aggregation (MAX is `high`, and so is the
///   latest value of a single report); the latest value is looked up by its report's
///   number only where several reports hold one, in a part of its own so that the lookup
///   joins those few rows (a window over every value would sort them all, to disk).
///
/// Reports are read only where the SQL condition `gate` holds.
fn from_reports(
    backend: DatabaseBackend,
    from: NaiveDate,
    to: NaiveDate,
    period: Option<Bucket>,
    gate: &str,
    values: &mut Vec<Value>,
) -> String {
    let (_, null_text) = nulls(backend);
    let mean = mean(backend);
    values.extend([ReportStatus::Approved.into(), from.into(), to.into()]);
    values.extend([
        PeriodAggregation::Sum.into(),
        PeriodAggregation::Average.into(),
        PeriodAggregation::Min.into(),
        PeriodAggregation::Latest.into(),
        PeriodAggregation::Latest.into(),
    ]);
    let (period, per_period) = match period {
        Some(b) => (
            progress_rollup_sql::bucket_key(backend, grain(b)),
            " UNION ALL SELECT 1, p.g_period, p.unit_id, p.criterion_id, p.reports, p.total, \
                p.high, p.low, p.latest FROM combined p",
        ),
        None => (null_text, ""),
    };
    format!(
        "inside AS ( \
            SELECT r.id, r.campaign_id, r.unit_id, r.period_start, r.period_end \
            FROM units u JOIN progress_reports r ON r.campaign_id = u.campaign_id \
                AND r.unit_id = u.unit_id \
                AND r.status = ? AND r.period_start >= ? AND r.period_end <= ? AND {gate}), \
        counted AS ( \
            SELECT i.id, i.unit_id, i.period_end FROM inside i \
            WHERE NOT EXISTS ( \
                SELECT 1 FROM inside o \
                WHERE o.campaign_id = i.campaign_id AND o.unit_id = i.unit_id \
                    AND o.period_start <= i.period_start AND o.period_end >= i.period_end \
                    AND (o.period_start < i.period_start OR o.period_end > i.period_end \
                        OR o.id > i.id))), \
        ranked AS ( \
            SELECT k.id, k.unit_id, k.period_end, ROW_NUMBER() OVER (PARTITION BY k.unit_id \
                ORDER BY k.period_end DESC, k.id DESC) AS recency FROM counted k), \
        keyed AS (SELECT k.id, k.unit_id, {period} AS g_period, k.recency FROM ranked k), \
        combined AS ( \
            SELECT k.g_period, k.unit_id, v.criterion_id, COUNT(*) AS reports, \
                SUM(v.value) AS total, MAX(v.value) AS high, MIN(v.value) AS low, \
                MIN(k.recency) AS latest \
            FROM keyed k JOIN report_values v ON v.report_id = k.id \
            GROUP BY k.g_period, k.unit_id, v.criterion_id), \
        levels AS ( \
            SELECT 0 AS lvl, {null_text} AS g_period, p.unit_id, p.criterion_id, \
                SUM(p.reports) AS reports, SUM(p.total) AS total, MAX(p.high) AS high, \
                MIN(p.low) AS low, MIN(p.latest) AS latest \
            FROM combined p GROUP BY p.unit_id, p.criterion_id{per_period}), \
        report_units AS ( \
            SELECT p.lvl, p.g_period, p.unit_id, p.criterion_id, p.reports, \
                CASE c.period_aggregation \
                    WHEN ? THEN p.total \
                    WHEN ? THEN {mean} \
                    WHEN ? THEN p.low \
                    ELSE p.high END AS value \
            FROM levels p JOIN crit c ON c.id = p.criterion_id \
            WHERE c.period_aggregation <> ? OR p.reports = 1 \
            UNION ALL \
            SELECT p.lvl, p.g_period, p.unit_id, p.criterion_id, p.reports, l.value \
            FROM levels p JOIN crit c ON c.id = p.criterion_id \
                AND c.period_aggregation = ? AND p.reports > 1 \
            JOIN ranked r ON r.unit_id = p.unit_id AND r.recency = p.latest \
            JOIN report_values l ON l.report_id = r.id AND l.criterion_id = p.criterion_id)"
    )
}

fn nulls(backend: DatabaseBackend) -> (&'static str, &'static str) {
    match backend {
        DatabaseBackend::Postgres => ("CAST(NULL AS UUID)", "CAST(NULL AS TEXT)"),
        _ => ("NULL", "NULL"),
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// SQLite hands decimals back through a float: back to 4 decimals.
fn four_places(v: Option<Decimal>) -> Option<Decimal> {
    v.map(|v| v.round_dp(4).normalize())
}

/// Every criterion's total and per-group figures. One statement.
pub async fn figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    grouping: Grouping,
) -> Result<Vec<Figure>, StoreError> {
    let backend = db.get_database_backend();
    let (null_uuid, null_text) = nulls(backend);
    let mut units_filter = String::from("o.path LIKE ?");
    let mut units_values: Vec<Value> = vec![subtree_pattern(&scope.root_path).into()];
    if let Some(cluster) = scope.cluster_id {
        units_filter.push_str(" AND ");
        units_filter.push_str(&within_cluster("o"));
        units_values.push(cluster.into());
    }
    let totals = scope.cluster_id.is_none().then(|| Subtree {
        root_id: scope.root_id,
        root_code: scope.root_code.clone(),
        by_child: grouping == Grouping::ChildUnit,
    });
    let mut grouped = format!(
        "SELECT p.lvl, {null_uuid} AS g_unit, p.g_period, {null_text} AS g_code, p.unit_id, \
            p.criterion_id, p.value, p.reports FROM per_unit p"
    );
    let mut grouped_values: Vec<Value> = vec![];
    let mut period = None;
    match grouping {
        Grouping::None => {}
        Grouping::ChildUnit => {
            // A unit's group is the child whose path begins its own.
            let child_len =
                i32::try_from(scope.root_path.len() + PATH_SEGMENT_LEN).unwrap_or(i32::MAX);
            grouped_values.extend([
                scope.root_id.into(),
                scope.root_code.clone().into(),
                scope.root_id.into(),
                child_len.into(),
            ]);
            grouped.push_str(
                " UNION ALL SELECT 1, COALESCE(c.id, ?), p.g_period, COALESCE(c.code, ?), \
                    p.unit_id, p.criterion_id, p.value, p.reports \
                FROM per_unit p JOIN org_units u ON u.id = p.unit_id \
                LEFT JOIN org_units c ON c.parent_id = ? AND c.path = substr(u.path, 1, ?)",
            );
        }
        Grouping::Period(b) => period = Some(b),
    }
    let rows = run(
        db,
        &scope.campaign_ids(),
        scope.from,
        scope.to,
        Plan {
            units_filter,
            units_values,
            period,
            grouped,
            grouped_values,
            totals,
        },
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Figure {
            criterion_id: r.criterion_id,
            unit_id: if r.lvl == 0 { None } else { r.g_unit },
            period: if r.lvl == 0 { None } else { r.g_period },
            code: r.g_code,
            value: four_places(r.value),
            reports: count(r.reports),
            units: count(r.units),
        })
        .collect())
}

/// Every criterion's figure over each whole cluster `member` is itself a member of: the
/// registered units in the subtree of any member of the cluster, whatever the root and the
/// caller's grants (only the aggregate leaves; see `thidua_domain::comparison`). Clusters
/// without a counted value have no figure. One statement.
pub async fn cluster_figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    member: Uuid,
) -> Result<Vec<ClusterFigure>, StoreError> {
    let (_, null_text) = nulls(db.get_database_backend());
    // A unit under two members of one cluster counts once in it; the whole-range values
    // (`lvl` 0) alone are regrouped.
    let grouped = format!(
        "SELECT DISTINCT 1 AS lvl, cm.cluster_id AS g_unit, {null_text} AS g_period, \
            {null_text} AS g_code, p.unit_id, p.criterion_id, p.value, p.reports \
        FROM per_unit p JOIN org_units ku ON ku.id = p.unit_id \
        JOIN cluster_members mine ON mine.unit_id = ? \
        JOIN cluster_members cm ON cm.cluster_id = mine.cluster_id \
        JOIN org_units cmu ON cmu.id = cm.unit_id AND ku.path LIKE (cmu.path || '%')"
    );
    let rows = run(
        db,
        &scope.campaign_ids(),
        scope.from,
        scope.to,
        Plan {
            units_filter: within_clusters_of("o"),
            units_values: vec![member.into()],
            period: None,
            grouped,
            grouped_values: vec![member.into()],
            totals: None,
        },
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ClusterFigure {
                cluster_id: r.g_unit?,
                criterion_id: r.criterion_id,
                value: four_places(r.value),
                average: four_places(r.mean),
                reports: count(r.reports),
                units: count(r.units),
            })
        })
        .collect())
}
