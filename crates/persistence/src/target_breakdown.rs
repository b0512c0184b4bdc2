//! A computed target split by the units directly under the root, counted in SQL from the
//! same conditions the target's value uses (`programme`, `target_counts`): every target a
//! request asks for in one statement, on SQLite and PostgreSQL.
//! `thidua_domain::target_breakdown` is the reference the rows are held to and decides
//! which of them a caller sees.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use thidua_domain::commendation::CommendationStatus;
use thidua_domain::target::TargetComputation;
use thidua_domain::target_breakdown::UnitCount;
use thidua_domain::target_rules::Period;
use uuid::Uuid;

use crate::entities::{programme, target};
use crate::error::StoreError;
use crate::programme::{ALL_CONCRETE, parameters_of, t1_binds, t1_campaign_condition};
use crate::raw;
use crate::target_counts::{placeholders, t2_with};

/// Joins `t`: the unit directly under the root holding `alias`'s unit, or the root itself
/// when `alias` is a root.
fn top_level_join(alias: &str) -> String {
    format!(
        " JOIN org_units t ON t.depth = CASE WHEN {alias}.depth = 0 THEN 0 ELSE 1 END \
         AND {alias}.path LIKE t.path || '%'"
    )
}

const BY_TOP_LEVEL: &str = " GROUP BY t.id, t.path, t.depth, t.code";

/// One row of any target's part: `k` is the asked target's place in the request.
#[derive(Debug, FromQueryResult)]
struct PartRow {
    k: i64,
    unit_id: Uuid,
    path: String,
    counted: Option<i64>,
    total: Option<i64>,
    models: Option<i64>,
}

/// One computed target to split over `window` (its period or a part of it).
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub target: &'a target::Model,
    pub programme: &'a programme::Model,
    pub window: Period,
}

/// Target 1 per top-level unit of the launching unit (see
/// [`thidua_domain::target_breakdown::t1_by_top_level`]): campaigns counted, and those
/// whose criteria are all concrete. A campaign of a unit since reorganised stays under the
/// top-level unit its launching unit still lies in.
fn concrete_criteria_share(
    k: usize,
    programme: &programme::Model,
    period: Period,
) -> (String, Vec<Value>) {
    let sql = format!(
        "SELECT CAST({k} AS BIGINT) AS k, t.id AS unit_id, t.path AS path, t.depth AS depth, t.code AS code, \
            SUM(CASE WHEN {ALL_CONCRETE} THEN 1 ELSE 0 END) AS counted, COUNT(*) AS total, \
            CAST(NULL AS BIGINT) AS models \
         FROM campaigns c JOIN org_units l ON l.id = c.launching_unit_id{} WHERE {}{BY_TOP_LEVEL}",
        top_level_join("l"),
        t1_campaign_condition(programme.is_default)
    );
    (sql, t1_binds(programme.id, period))
}

/// Target 2 per top-level unit of the measured units (see
/// [`thidua_domain::target_breakdown::t2_by_top_level`]): units measured, units that
/// qualify, and the distinct models (homes carried over reorganisations) that make them.
/// Every `carried` path is a unit's path, so the measured unit holding it is found by
/// equality through `cover` (each unit with the measured unit above it) rather than by a
/// `LIKE` per model and measured unit.
fn exemplar_unit_share(
    k: usize,
    params: &thidua_domain::target_rules::TargetParameters,
    period: Period,
) -> (String, Vec<Value>) {
    let (with, values) = t2_with(params, period);
    let sql = format!(
        "SELECT * FROM ({with}, placed (unit_id, path, depth, code, mpath) AS ( \
            SELECT t.id, t.path, t.depth, t.code, m.path FROM measured m{}), \
         cover (path, mpath, unit_id) AS ( \
            SELECT x.path, p.mpath, p.unit_id FROM org_units x JOIN placed p ON x.path LIKE p.mpath || '%'), \
         hit (mpath, unit_id, exemplar_id) AS ( \
            SELECT cv.mpath, cv.unit_id, c.exemplar_id FROM carried c JOIN cover cv ON cv.path = c.path), \
         qualified (mpath) AS (SELECT DISTINCT mpath FROM hit), \
         made (unit_id, models) AS ( \
            SELECT unit_id, COUNT(DISTINCT exemplar_id) FROM hit GROUP BY unit_id) \
         SELECT CAST({k} AS BIGINT) AS k, p.unit_id AS unit_id, p.path AS path, p.depth AS depth, p.code AS code, \
            COUNT(q.mpath) AS counted, COUNT(*) AS total, \
            CAST(COALESCE(MAX(md.models), 0) AS BIGINT) AS models \
         FROM placed p LEFT JOIN qualified q ON q.mpath = p.mpath LEFT JOIN made md ON md.unit_id = p.unit_id \
         GROUP BY p.unit_id, p.path, p.depth, p.code) x",
        top_level_join("m")
    );
    (sql, values)
}

/// Target 3 per top-level unit of the model's home unit (see
/// [`thidua_domain::target_breakdown::t3_by_top_level`]): distinct models honoured.
fn central_honoured_exemplars(
    k: usize,
    period: Period,
    levels: &[thidua_domain::award::AwardLevel],
) -> (String, Vec<Value>) {
    let sql = format!(
        "SELECT CAST({k} AS BIGINT) AS k, t.id AS unit_id, t.path AS path, t.depth AS depth, t.code AS code, \
            COUNT(DISTINCT c.exemplar_id) AS counted, CAST(NULL AS BIGINT) AS total, \
            CAST(NULL AS BIGINT) AS models \
         FROM commendations c JOIN award_types a ON a.id = c.award_type_id \
         JOIN exemplars e ON e.id = c.exemplar_id JOIN org_units h ON h.id = e.home_unit_id{} \
         WHERE c.status = ? AND c.decision_date >= ? AND c.decision_date <= ? \
         AND a.level IN ({}){BY_TOP_LEVEL}",
        top_level_join("h"),
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

/// Each asked target's rows, in the order asked: None for a target that does not split (a
/// manual one), else its top-level units in tree order (the root first, then by code).
/// Every computed target of the request in one statement, however many there are.
pub async fn by_top_level_unit(
    db: &impl ConnectionTrait,
    asks: &[Ask<'_>],
) -> Result<Vec<Option<Vec<(Uuid, UnitCount)>>>, StoreError> {
    let mut parts = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut out: Vec<Option<Vec<(Uuid, UnitCount)>>> = Vec::with_capacity(asks.len());
    for (k, ask) in asks.iter().enumerate() {
        let t = ask.target;
        let part = match (t.source, t.computation) {
            (thidua_domain::target::TargetSource::Manual, _) | (_, None) => None,
            (_, Some(TargetComputation::ConcreteCriteriaShare)) => {
                Some(concrete_criteria_share(k, ask.programme, ask.window))
            }
            (_, Some(TargetComputation::ExemplarUnitShare)) => {
                Some(exemplar_unit_share(k, &parameters_of(t)?, ask.window))
            }
            (_, Some(TargetComputation::CentralHonouredExemplars)) => Some(
                central_honoured_exemplars(k, ask.window, &parameters_of(t)?.award_levels),
            ),
        };
        out.push(part.as_ref().map(|_| Vec::new()));
        if let Some((sql, v)) = part {
            parts.push(sql);
            values.extend(v);
        }
    }
    if parts.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT u.k, u.unit_id, u.path, u.counted, u.total, u.models FROM ({}) u \
         ORDER BY u.k, u.depth, u.code, u.unit_id",
        parts.join(" UNION ALL ")
    );
    let rows = PartRow::find_by_statement(raw::stmt(db.get_database_backend(), &sql, values))
        .all(db)
        .await?;
    for r in rows {
        let slot = usize::try_from(r.k)
            .ok()
            .and_then(|k| out.get_mut(k))
            .and_then(Option::as_mut);
        if let Some(rows) = slot {
            let count = UnitCount {
                path: r.path,
                counted: r.counted.unwrap_or(0),
                total: r.total,
                models: r.models,
            };
            rows.push((r.unit_id, count));
        }
    }
    Ok(out)
}
