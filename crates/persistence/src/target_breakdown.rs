//! A computed target split by the units directly under the root, counted in SQL from the
//! same conditions the target's value uses (`programme`, `target_counts`), one statement
//! per target on SQLite and PostgreSQL. `thidua_domain::target_breakdown` is the reference
//! the rows are held to and decides which of them a caller sees.

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

/// Rows in tree order: the root first, then the top-level units by code.
const GROUPED: &str = " GROUP BY t.id, t.path, t.depth, t.code ORDER BY t.depth, t.code, t.id";

#[derive(Debug, FromQueryResult)]
struct ShareRow {
    unit_id: Uuid,
    path: String,
    counted: Option<i64>,
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct ModelShareRow {
    unit_id: Uuid,
    path: String,
    counted: Option<i64>,
    total: i64,
    models: i64,
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    unit_id: Uuid,
    path: String,
    counted: i64,
}

/// Target 1 per top-level unit of the launching unit (see
/// [`thidua_domain::target_breakdown::t1_by_top_level`]): campaigns counted, and those
/// whose criteria are all concrete. A campaign of a unit since reorganised stays under the
/// top-level unit its launching unit still lies in.
pub async fn concrete_criteria_share(
    db: &impl ConnectionTrait,
    programme: &programme::Model,
    period: Period,
) -> Result<Vec<(Uuid, UnitCount)>, StoreError> {
    let sql = format!(
        "SELECT t.id AS unit_id, t.path AS path, COUNT(*) AS total, \
         SUM(CASE WHEN {ALL_CONCRETE} THEN 1 ELSE 0 END) AS counted \
         FROM campaigns c JOIN org_units l ON l.id = c.launching_unit_id{} WHERE {}{GROUPED}",
        top_level_join("l"),
        t1_campaign_condition(programme.is_default)
    );
    let rows = ShareRow::find_by_statement(raw::stmt(
        db.get_database_backend(),
        &sql,
        t1_binds(programme.id, period),
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let count = UnitCount {
                path: r.path,
                counted: r.counted.unwrap_or(0),
                total: Some(r.total),
                models: None,
            };
            (r.unit_id, count)
        })
        .collect())
}

/// Target 2 per top-level unit of the measured units (see
/// [`thidua_domain::target_breakdown::t2_by_top_level`]): units measured, units that
/// qualify, and the distinct models (homes carried over reorganisations) that make them.
/// Every `carried` path is a unit's path, so the measured unit holding it is found by
/// equality through `cover` (each unit with the measured unit above it) rather than by a
/// `LIKE` per model and measured unit.
pub async fn exemplar_unit_share(
    db: &impl ConnectionTrait,
    params: &thidua_domain::target_rules::TargetParameters,
    period: Period,
) -> Result<Vec<(Uuid, UnitCount)>, StoreError> {
    let (with, values) = t2_with(params, period);
    let sql = format!(
        "{with}, placed (unit_id, path, depth, code, mpath) AS ( \
            SELECT t.id, t.path, t.depth, t.code, m.path FROM measured m{}), \
         cover (path, mpath, unit_id) AS ( \
            SELECT x.path, p.mpath, p.unit_id FROM org_units x JOIN placed p ON x.path LIKE p.mpath || '%'), \
         hit (mpath, unit_id, exemplar_id) AS ( \
            SELECT cv.mpath, cv.unit_id, c.exemplar_id FROM carried c JOIN cover cv ON cv.path = c.path), \
         qualified (mpath) AS (SELECT DISTINCT mpath FROM hit), \
         made (unit_id, models) AS ( \
            SELECT unit_id, COUNT(DISTINCT exemplar_id) FROM hit GROUP BY unit_id) \
         SELECT p.unit_id AS unit_id, p.path AS path, COUNT(*) AS total, COUNT(q.mpath) AS counted, \
            COALESCE(MAX(md.models), 0) AS models \
         FROM placed p LEFT JOIN qualified q ON q.mpath = p.mpath LEFT JOIN made md ON md.unit_id = p.unit_id \
         GROUP BY p.unit_id, p.path, p.depth, p.code ORDER BY p.depth, p.code, p.unit_id",
        top_level_join("m")
    );
    let rows = ModelShareRow::find_by_statement(raw::stmt(db.get_database_backend(), &sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let count = UnitCount {
                path: r.path,
                counted: r.counted.unwrap_or(0),
                total: Some(r.total),
                models: Some(r.models),
            };
            (r.unit_id, count)
        })
        .collect())
}

/// Target 3 per top-level unit of the model's home unit (see
/// [`thidua_domain::target_breakdown::t3_by_top_level`]): distinct models honoured.
pub async fn central_honoured_exemplars(
    db: &impl ConnectionTrait,
    period: Period,
    levels: &[thidua_domain::award::AwardLevel],
) -> Result<Vec<(Uuid, UnitCount)>, StoreError> {
    let sql = format!(
        "SELECT t.id AS unit_id, t.path AS path, COUNT(DISTINCT c.exemplar_id) AS counted \
         FROM commendations c JOIN award_types a ON a.id = c.award_type_id \
         JOIN exemplars e ON e.id = c.exemplar_id JOIN org_units h ON h.id = e.home_unit_id{} \
         WHERE c.status = ? AND c.decision_date >= ? AND c.decision_date <= ? \
         AND a.level IN ({}){GROUPED}",
        top_level_join("h"),
        placeholders(levels.len())
    );
    let mut values: Vec<Value> = vec![
        CommendationStatus::Conferred.into(),
        period.start.into(),
        period.end.into(),
    ];
    values.extend(levels.iter().map(|l| Value::from(*l)));
    let rows = CountRow::find_by_statement(raw::stmt(db.get_database_backend(), &sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let count = UnitCount {
                path: r.path,
                counted: r.counted,
                total: None,
                models: None,
            };
            (r.unit_id, count)
        })
        .collect())
}

/// A computed target's rows over `window` (its period or a part of it), in one statement;
/// None for a target that does not split (a manual one). `programme` is the target's own.
pub async fn by_top_level_unit(
    db: &impl ConnectionTrait,
    t: &target::Model,
    programme: &programme::Model,
    window: Period,
) -> Result<Option<Vec<(Uuid, UnitCount)>>, StoreError> {
    if t.source == thidua_domain::target::TargetSource::Manual {
        return Ok(None);
    }
    let params = parameters_of(t)?;
    Ok(Some(match t.computation {
        Some(TargetComputation::ConcreteCriteriaShare) => {
            concrete_criteria_share(db, programme, window).await?
        }
        Some(TargetComputation::ExemplarUnitShare) => {
            exemplar_unit_share(db, &params, window).await?
        }
        Some(TargetComputation::CentralHonouredExemplars) => {
            central_honoured_exemplars(db, window, &params.award_levels).await?
        }
        None => return Ok(None),
    }))
}
