//! Counts behind the computed targets and indicators that come from commendations
//! (targets 2 and 3, the direct-worker share), computed in SQL; [`crate::snapshots`] and
//! [`crate::programme`] turn them into target values.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use thidua_domain::award::AwardLevel;
use thidua_domain::commendation::CommendationStatus;
use thidua_domain::exemplar::ExemplarStage;
use thidua_domain::target_rules::{MAX_SUCCESSION_HOPS, Period, TargetParameters};

use crate::error::StoreError;
use crate::raw;

/// `?, ?, …` for `n` binds, or a never-true list for none (`IN ()` is not SQL).
pub(crate) fn placeholders(n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    vec!["?"; n].join(", ")
}

/// Target 3's part of a statement over many targets (see
/// [`thidua_domain::target_rules::t3`]): `k` (the target's place) and `n`, the distinct
/// exemplary models holding a conferred commendation of an award type at one of `levels`,
/// decided in the period. A model honoured twice counts once.
pub(crate) fn central_honoured_part(
    k: usize,
    period: Period,
    levels: &[AwardLevel],
) -> (String, Vec<Value>) {
    let sql = format!(
        "SELECT CAST({k} AS BIGINT) AS k, COUNT(DISTINCT c.exemplar_id) AS n \
         FROM commendations c JOIN award_types t ON t.id = c.award_type_id \
         WHERE c.status = ? AND c.decision_date >= ? AND c.decision_date <= ? \
         AND c.exemplar_id IS NOT NULL AND t.level IN ({})",
        placeholders(levels.len())
    );
    let mut values: Vec<Value> = vec![
        CommendationStatus::Conferred.into(),
        period.start.into(),
        period.end.into(),
    ];
    values.extend(levels.iter().map(|l| Value::from(*l)));
    (sql, values)
}

/// The `WITH RECURSIVE` head target 2 is counted from, and its binds:
/// - `carried (exemplar_id, path, hops)`: each model that counts (reached NURTURED or
///   beyond in the period and was replicated in the period by a unit outside its home
///   unit's subtree, as the tree was then) with its home path, then the successor of the
///   nearest unit at or above that path that has one, and so on (at most
///   [`MAX_SUCCESSION_HOPS`] links; see [`thidua_domain::target_rules::carried_homes`]);
/// - `measured (id, path, depth, code, name)`: the active units of a configured kind or
///   listed, not inside another such unit (see [`thidua_domain::target_rules::t2_units`]).
///
/// A measured unit qualifies when a `carried` path lies in its subtree.
pub(crate) fn t2_with(params: &TargetParameters, period: Period) -> (String, Vec<Value>) {
    let chosen = |alias: &str| {
        format!(
            "{alias}.is_active = ? AND ({alias}.kind IN ({}) OR {alias}.id IN ({}))",
            placeholders(params.unit_kinds.len()),
            placeholders(params.unit_ids.len())
        )
    };
    let sql = format!(
        "WITH RECURSIVE carried (exemplar_id, path, hops) AS ( \
            SELECT e.id, h.path, 0 FROM exemplars e JOIN org_units h ON h.id = e.home_unit_id \
            WHERE EXISTS (SELECT 1 FROM exemplar_stage_events s WHERE s.exemplar_id = e.id \
                AND s.to_stage IN (?, ?, ?) AND s.on_date >= ? AND s.on_date <= ?) \
            AND EXISTS (SELECT 1 FROM replications r JOIN org_units ru ON ru.id = r.unit_id \
                WHERE r.exemplar_id = e.id AND r.on_date >= ? AND r.on_date <= ? \
                AND ru.path NOT LIKE h.path || '%') \
            UNION ALL \
            SELECT c.exemplar_id, n.path, c.hops + 1 FROM carried c \
            JOIN org_units o ON o.successor_id IS NOT NULL AND c.path LIKE o.path || '%' \
            JOIN org_units n ON n.id = o.successor_id \
            WHERE c.hops < {MAX_SUCCESSION_HOPS} AND NOT EXISTS (SELECT 1 FROM org_units d \
                WHERE d.successor_id IS NOT NULL AND c.path LIKE d.path || '%' AND d.depth > o.depth)), \
         measured (id, path, depth, code, name) AS ( \
            SELECT u.id, u.path, u.depth, u.code, u.name FROM org_units u WHERE {} \
            AND NOT EXISTS (SELECT 1 FROM org_units o WHERE o.id <> u.id AND u.path LIKE o.path || '%' AND {})) ",
        chosen("u"),
        chosen("o")
    );
    let mut values: Vec<Value> = vec![
        ExemplarStage::Nurtured.into(),
        ExemplarStage::Recognised.into(),
        ExemplarStage::Replicated.into(),
        period.start.into(),
        period.end.into(),
        period.start.into(),
        period.end.into(),
    ];
    for _ in 0..2 {
        values.push(true.into());
        values.extend(params.unit_kinds.iter().map(|k| Value::from(*k)));
        values.extend(params.unit_ids.iter().map(|u| Value::from(*u)));
    }
    (sql, values)
}

/// Target 2's part of a statement over many targets (see
/// [`thidua_domain::target_rules::t2`]): `k` (the target's place) and each measured unit's
/// `id` and `name` with whether its subtree holds a model that counts (`qualified`), the
/// model's home carried over reorganisations ([`t2_with`]), so a model of a merged commune
/// counts for its successor.
pub(crate) fn exemplar_unit_share_part(
    k: usize,
    params: &TargetParameters,
    period: Period,
) -> (String, Vec<Value>) {
    let (with, values) = t2_with(params, period);
    let sql = format!(
        "SELECT * FROM ({with}SELECT CAST({k} AS BIGINT) AS k, m.id AS id, m.name AS name, \
            EXISTS (SELECT 1 FROM carried c WHERE c.path LIKE m.path || '%') AS qualified \
         FROM measured m) x"
    );
    (sql, values)
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
