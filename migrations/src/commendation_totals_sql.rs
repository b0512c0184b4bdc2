//! The statement that adds commendations to `commendation_totals`. The migration that
//! creates the table fills it with this statement, and `thidua_persistence::commendation_totals`
//! moves it by delta in every transaction that writes a commendation or moves a unit, and
//! rebuilds it from the CLI: one definition, so the three can never disagree.
//!
//! A row counts the commendations (`n`) of one subtree root (`ancestor_id`, the unit itself
//! or any unit above it) with one value of every column `commendationStats` filters or
//! groups by, except the model's field (a model's field can change without a commendation
//! changing; that grouping counts the commendations themselves). `top_level_id` is the unit
//! directly under the root holding the recipient's unit, or the root itself for the root's
//! own honours (a key column cannot be null on PostgreSQL).

/// The table of per-subtree commendation counts.
pub const TOTALS: &str = "commendation_totals";

/// The key columns, in primary-key order: a query names the subtree root and a range of
/// years, so its rows are one short range of the key.
pub const KEY: [&str; 9] = [
    "ancestor_id",
    "award_year",
    "status",
    "award_type_id",
    "kind",
    "recipient_type",
    "is_individual",
    "is_direct_worker",
    "top_level_id",
];

/// Adds (`sign` 1) or takes away (`sign` -1) the commendations `c` meeting `rows` (SQL with
/// `?` placeholders the caller binds, e.g. `c.id = ?`) to the totals of every
/// ancestor-or-self of their units, as the units' paths are now.
///
/// Additive deltas through `ON CONFLICT DO UPDATE` never lose a concurrent update nor fail
/// on a row another transaction inserted first; rows are written in key order. A row whose
/// count falls to zero stays (readers skip it); a rebuild drops it.
pub fn totals_delta(rows: &str, sign: i8) -> String {
    let key = KEY.join(", ");
    format!(
        "INSERT INTO {TOTALS} ({key}, n) \
        SELECT a.id, c.award_year, c.status, c.award_type_id, c.kind, c.recipient_type, \
            c.is_individual, c.is_direct_worker, t.id, {sign} * COUNT(*) \
        FROM commendations c \
        JOIN org_units u ON u.id = c.unit_id \
        JOIN org_units a ON substr(u.path, 1, length(a.path)) = a.path \
        JOIN org_units t ON t.depth = CASE WHEN u.depth = 0 THEN 0 ELSE 1 END \
            AND substr(u.path, 1, length(t.path)) = t.path \
        WHERE {rows} \
        GROUP BY a.id, c.award_year, c.status, c.award_type_id, c.kind, c.recipient_type, \
            c.is_individual, c.is_direct_worker, t.id \
        ORDER BY a.id, c.award_year, c.status, c.award_type_id, c.kind, c.recipient_type, \
            c.is_individual, c.is_direct_worker, t.id \
        ON CONFLICT ({key}) DO UPDATE SET n = {TOTALS}.n + excluded.n"
    )
}
