//! The statement that fills `progress_rollups` from approved reports. The migration that
//! creates the table fills it with this statement, and `thidua_persistence::progress_rollups`
//! refreshes one unit's years with it in the approving transaction and rebuilds the whole
//! table with it from the CLI: one definition, so the three can never disagree.
//!
//! A calendar row holds one unit's values of one criterion in one calendar bucket (`grain`
//! `Y`, `H`, `Q`, `M`: year, half-year, quarter, month, keyed as `2025`, `2025-H1`,
//! `2025-Q1`, `2025-03`) of one year: the approved reports lying inside that year that no
//! other such report contains (as `criterionProgress` counts them over any year-aligned
//! range, since calendar periods inside one year either nest or do not meet), grouped by the
//! bucket holding their last day. Reports whose period crosses a year end are left out of
//! these; a query over a range they touch computes from the reports instead.
//!
//! A whole-campaign row (`grain` `C`, year 0, bucket `ALL`) holds one unit's values of one
//! criterion over every approved report of the campaign that no other one contains, year
//! ends crossed or not: what `criterionProgress` counts over any range holding every
//! approved report of the campaign (such as its own dates, the default), whatever the
//! criterion's period aggregation. Nothing in it depends on the campaign's dates, so
//! editing them changes no row; the query checks that its range holds every approved report.

use sea_orm::DatabaseBackend;
use thidua_domain::criterion::PeriodAggregation;
use thidua_domain::participation::ParticipationStatus;

/// The calendar grains, as stored.
pub const GRAINS: [&str; 4] = ["Y", "H", "Q", "M"];

/// The grain of whole-campaign rows, their year and their bucket.
pub const CAMPAIGN_GRAIN: &str = "C";
pub const CAMPAIGN_YEAR: i32 = 0;
pub const CAMPAIGN_BUCKET: &str = "ALL";

/// The SQL key of the bucket of `grain` (one of [`GRAINS`]) holding `k.period_end`, as
/// reports name periods: `2025`, `2025-H1`, `2025-Q1`, `2025-03`. `criterionProgress`
/// groups the reports it reads by the same keys.
pub fn bucket_key(backend: DatabaseBackend, grain: &str) -> &'static str {
    match (backend, grain) {
        (DatabaseBackend::Postgres, "Y") => "to_char(k.period_end, 'YYYY')",
        (DatabaseBackend::Postgres, "H") => {
            "to_char(k.period_end, 'YYYY') || '-H' || \
             CAST((CAST(EXTRACT(MONTH FROM k.period_end) AS INTEGER) + 5) / 6 AS TEXT)"
        }
        (DatabaseBackend::Postgres, "Q") => "to_char(k.period_end, 'YYYY-\"Q\"Q')",
        (DatabaseBackend::Postgres, _) => "to_char(k.period_end, 'YYYY-MM')",
        (_, "Y") => "substr(k.period_end, 1, 4)",
        (_, "H") => {
            "substr(k.period_end, 1, 4) || '-H' || \
             CAST((CAST(substr(k.period_end, 6, 2) AS INTEGER) + 5) / 6 AS TEXT)"
        }
        (_, "Q") => {
            "substr(k.period_end, 1, 4) || '-Q' || \
             CAST((CAST(substr(k.period_end, 6, 2) AS INTEGER) + 2) / 3 AS TEXT)"
        }
        _ => "substr(k.period_end, 1, 7)",
    }
}

/// `INSERT INTO progress_rollups …` over the approved reports `r` meeting `filter` (SQL
/// with `?` placeholders the caller binds, e.g. `AND r.campaign_id = ?`; empty: all):
/// every row of their units, calendar and whole-campaign.
pub fn fill(backend: DatabaseBackend, filter: &str) -> String {
    fill_years(backend, filter, "1 = 1")
}

/// [`fill`] writing the calendar rows of the years `i.yr` meeting `years` only (e.g.
/// `i.yr = ?`, bound after `filter`; `1 = 0`: none), and every whole-campaign row.
///
/// The calendar rows count a report against the other reports of its year only, the
/// whole-campaign rows against every other report of the unit in the campaign.
pub fn fill_years(backend: DatabaseBackend, filter: &str, years: &str) -> String {
    let (year_start, year_end) = match backend {
        DatabaseBackend::Postgres => (
            "CAST(EXTRACT(YEAR FROM r.period_start) AS INTEGER)",
            "CAST(EXTRACT(YEAR FROM r.period_end) AS INTEGER)",
        ),
        _ => (
            "CAST(substr(r.period_start, 1, 4) AS INTEGER)",
            "CAST(substr(r.period_end, 1, 4) AS INTEGER)",
        ),
    };
    let [y, h, q, m] = GRAINS.map(|g| bucket_key(backend, g));
    // `o` contains `i` (or holds the same period and was written later).
    let contains = "o.campaign_id = i.campaign_id AND o.unit_id = i.unit_id \
        AND o.period_start <= i.period_start AND o.period_end >= i.period_end \
        AND (o.period_start < i.period_start OR o.period_end > i.period_end OR o.id > i.id)";
    format!(
        "INSERT INTO progress_rollups (campaign_id, unit_id, criterion_id, grain, year, bucket, \
            reports, total, high, low, latest_end, latest_value) \
        WITH inside AS ( \
            SELECT r.id, r.campaign_id, r.unit_id, r.period_start, r.period_end, \
                {year_start} AS yr, {year_end} AS end_yr \
            FROM progress_reports r \
            WHERE r.status = 'APPROVED' {filter}), \
        counted AS ( \
            SELECT i.id, i.campaign_id, i.unit_id, i.period_end, i.yr FROM inside i \
            WHERE i.yr = i.end_yr AND {years} AND NOT EXISTS ( \
                SELECT 1 FROM inside o \
                WHERE o.yr = i.yr AND o.end_yr = i.yr AND {contains})), \
        whole AS ( \
            SELECT i.id, i.campaign_id, i.unit_id, i.period_end FROM inside i \
            WHERE NOT EXISTS (SELECT 1 FROM inside o WHERE {contains})), \
        grains AS (SELECT 'Y' AS grain UNION ALL SELECT 'H' UNION ALL SELECT 'Q' \
            UNION ALL SELECT 'M'), \
        keyed AS ( \
            SELECT k.id, k.campaign_id, k.unit_id, k.period_end, k.yr, g.grain, \
                CASE g.grain WHEN 'Y' THEN {y} WHEN 'H' THEN {h} WHEN 'Q' THEN {q} \
                    ELSE {m} END AS bucket \
            FROM counted k CROSS JOIN grains g \
            UNION ALL \
            SELECT k.id, k.campaign_id, k.unit_id, k.period_end, {CAMPAIGN_YEAR}, \
                '{CAMPAIGN_GRAIN}', '{CAMPAIGN_BUCKET}' \
            FROM whole k), \
        vals AS ( \
            SELECT k.campaign_id, k.unit_id, v.criterion_id, k.grain, k.yr, k.bucket, \
                k.period_end, v.value, ROW_NUMBER() OVER (PARTITION BY k.campaign_id, \
                    k.unit_id, v.criterion_id, k.grain, k.bucket \
                    ORDER BY k.period_end DESC, k.id DESC) AS recency \
            FROM keyed k JOIN report_values v ON v.report_id = k.id) \
        SELECT campaign_id, unit_id, criterion_id, grain, yr, bucket, COUNT(*), SUM(value), \
            MAX(value), MIN(value), MAX(CASE WHEN recency = 1 THEN period_end END), \
            MAX(CASE WHEN recency = 1 THEN value END) \
        FROM vals GROUP BY campaign_id, unit_id, criterion_id, grain, yr, bucket"
    )
}

/// On PostgreSQL, `ANALYZE progress_rollups`: after a fill of many rows (in the same
/// transaction, whose own rows it counts), so that the totals' statement over them is
/// planned for their number rather than for the empty table the statistics last saw (a
/// nested loop over hundreds of thousands of rows, for hours).
pub fn analyze(backend: DatabaseBackend) -> Option<&'static str> {
    (backend == DatabaseBackend::Postgres).then_some("ANALYZE progress_rollups")
}

/// `<alias>grain IN ('Y', 'H', 'Q', 'M', 'C')` (`alias` e.g. `s.`, or empty): with the
/// campaign and the unit named, the rows of one unit are then five short ranges of the
/// primary key (campaign, grain, unit, …) instead of a scan of the campaign's rows.
pub fn any_grain(alias: &str) -> String {
    format!(
        "{alias}grain IN ('{}', '{CAMPAIGN_GRAIN}')",
        GRAINS.join("', '")
    )
}
/// The table of per-subtree totals (see [`totals_delta`]).
pub const TOTALS: &str = "progress_subtree_totals";

/// One unit's value of a `progress_rollups` row `s` by its criterion `c`'s period
/// aggregation, as `criterionProgress` computes it from a single row (one whole year, or
/// one bucket): the average divides as `AVG` does on each database.
pub fn unit_value(backend: DatabaseBackend) -> String {
    let mean = match backend {
        DatabaseBackend::Postgres => "s.total / s.reports",
        _ => "CAST(s.total AS REAL) / s.reports",
    };
    format!(
        "CASE c.period_aggregation WHEN '{}' THEN s.total WHEN '{}' THEN {mean} \
            WHEN '{}' THEN s.low WHEN '{}' THEN s.high ELSE s.latest_value END",
        PeriodAggregation::Sum.as_str(),
        PeriodAggregation::Average.as_str(),
        PeriodAggregation::Min.as_str(),
        PeriodAggregation::Max.as_str(),
    )
}

/// Adds (`sign` 1) or takes away (`sign` -1) the contributions of the `progress_rollups`
/// rows `s` meeting `rows` (SQL with `?` placeholders, e.g. `s.campaign_id = ?`) to
/// `progress_subtree_totals`, for each ancestor-or-self `a` of their units meeting
/// `ancestors` (e.g. `1 = 1`; its placeholders are bound after those of `rows`).
///
/// A totals row holds, for one campaign, grain, subtree root (`ancestor_id`), year,
/// criterion and bucket, what `criterionProgress` needs to combine units by SUM or
/// AVERAGE without reading them: how many registered units of the subtree have a value
/// (`units`), the sum of those values (`value_sum`, each by [`unit_value`]) and of their
/// reports. Only rows of registered units count, so a caller withdrawing a unit takes it
/// away before the status changes, and one registering it adds it after.
///
/// Additive deltas through `ON CONFLICT DO UPDATE` never lose a concurrent update nor
/// fail on a row another transaction inserted first; rows are written in key order. A
/// row whose units fall to zero keeps a zero sum (no float residue on SQLite); readers
/// skip such rows.
pub fn totals_delta(backend: DatabaseBackend, rows: &str, ancestors: &str, sign: i8) -> String {
    let value = unit_value(backend);
    let registered = ParticipationStatus::Registered.as_str();
    format!(
        "INSERT INTO {TOTALS} (campaign_id, grain, ancestor_id, year, criterion_id, bucket, \
            units, value_sum, reports) \
        WITH unit_values AS ( \
            SELECT s.campaign_id, s.grain, s.unit_id, s.year, s.criterion_id, s.bucket, \
                s.reports, {value} AS value \
            FROM progress_rollups s \
            JOIN participations p ON p.campaign_id = s.campaign_id AND p.unit_id = s.unit_id \
                AND p.status = '{registered}' \
            JOIN criteria c ON c.id = s.criterion_id \
            WHERE {rows}), \
        anc AS ( \
            SELECT o.id AS unit_id, a.id AS ancestor_id FROM org_units o \
            JOIN org_units a ON substr(o.path, 1, length(a.path)) = a.path \
            WHERE o.id IN (SELECT v.unit_id FROM unit_values v) AND {ancestors}) \
        SELECT v.campaign_id, v.grain, x.ancestor_id, v.year, v.criterion_id, v.bucket, \
            {sign} * COUNT(*), {sign} * SUM(v.value), {sign} * SUM(v.reports) \
        FROM unit_values v JOIN anc x ON x.unit_id = v.unit_id \
        WHERE 1 = 1 \
        GROUP BY v.campaign_id, v.grain, x.ancestor_id, v.year, v.criterion_id, v.bucket \
        ORDER BY v.campaign_id, v.grain, x.ancestor_id, v.year, v.criterion_id, v.bucket \
        ON CONFLICT (campaign_id, grain, ancestor_id, year, criterion_id, bucket) DO UPDATE \
        SET units = {TOTALS}.units + excluded.units, \
            value_sum = CASE WHEN {TOTALS}.units + excluded.units = 0 THEN 0 \
                ELSE {TOTALS}.value_sum + excluded.value_sum END, \
            reports = {TOTALS}.reports + excluded.reports"
    )
}
