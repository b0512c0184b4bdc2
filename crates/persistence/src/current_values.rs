//! The current value of targets: manual ones from their latest entered value, computed ones
//! from the data. Every target of one computation is computed in one statement (a part per
//! target, joined by `UNION ALL`), so a request, a snapshot or the change feed runs at most
//! five statements however many targets it asks for.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Value};
use thidua_domain::msg;
use thidua_domain::target::{TargetComputation, TargetSource, percent};
use thidua_domain::target_rules::{Period, TargetParameters};
use uuid::Uuid;

use crate::entities::{field, programme, target, target_value};
use crate::error::StoreError;
use crate::programme::{
    ALL_CONCRETE, CurrentValue, parameters_of, t1_binds, t1_campaign_condition,
};
use crate::raw;
use crate::target_counts::{central_honoured_part, exemplar_unit_share_part};

/// A computed target to compute: its place among the asked ones (`k`, each part's first
/// column), its definition and its period.
struct Part<'a> {
    k: usize,
    target: &'a target::Model,
    params: TargetParameters,
    period: Period,
}

/// The current value of each of `targets` (by id), as of `today`; `values` are their
/// entered values, newest first within each target. At most five statements: the
/// programmes of target-1-like targets, their shares, their uncovered fields, then one
/// for the units of every target-2-like target and one for the counts of every
/// target-3-like target; none for manual targets.
pub async fn current_values(
    db: &impl ConnectionTrait,
    targets: &[target::Model],
    values: &[target_value::Model],
    today: NaiveDate,
) -> Result<HashMap<Uuid, CurrentValue>, StoreError> {
    let mut out = HashMap::with_capacity(targets.len());
    let (mut shares, mut units, mut honoured) = (vec![], vec![], vec![]);
    for (k, t) in targets.iter().enumerate() {
        if t.source == TargetSource::Manual {
            let latest = values.iter().find(|v| v.target_id == t.id);
            out.insert(t.id, entered(latest));
            continue;
        }
        let part = Part {
            k,
            target: t,
            params: parameters_of(t)?,
            period: Period {
                start: t.period_start,
                end: t.deadline,
            },
        };
        match t.computation {
            Some(TargetComputation::ConcreteCriteriaShare) => shares.push(part),
            Some(TargetComputation::ExemplarUnitShare) => units.push(part),
            Some(TargetComputation::CentralHonouredExemplars) => honoured.push(part),
            None => {
                out.insert(
                    t.id,
                    CurrentValue::plain(None, None, msg!("target-note-no-computation")),
                );
            }
        }
    }
    concrete_criteria_shares(db, &shares, today, &mut out).await?;
    exemplar_unit_shares(db, &units, today, &mut out).await?;
    central_honoured(db, &honoured, today, &mut out).await?;
    Ok(out)
}

fn entered(latest: Option<&target_value::Model>) -> CurrentValue {
    match latest {
        Some(v) => CurrentValue::plain(
            Some(v.value),
            Some(v.as_of),
            msg!("target-note-entered", source = &v.source_note),
        ),
        None => CurrentValue::plain(None, None, msg!("target-note-no-value")),
    }
}

/// Runs `SELECT * FROM (<parts joined by UNION ALL>) u ORDER BY <order>`.
async fn union_all(
    db: &impl ConnectionTrait,
    parts: Vec<(String, Vec<Value>)>,
    order: &str,
) -> Result<Vec<sea_orm::QueryResult>, StoreError> {
    if parts.is_empty() {
        return Ok(vec![]);
    }
    let mut sqls = Vec::with_capacity(parts.len());
    let mut values = Vec::new();
    for (sql, v) in parts {
        sqls.push(sql);
        values.extend(v);
    }
    let sql = format!(
        "SELECT * FROM ({}) u ORDER BY {order}",
        sqls.join(" UNION ALL ")
    );
    Ok(db
        .query_all_raw(raw::stmt(db.get_database_backend(), &sql, values))
        .await?)
}

fn k_of(row: &sea_orm::QueryResult) -> Result<usize, StoreError> {
    let k: i64 = row.try_get("", "k")?;
    usize::try_from(k).map_err(|_| StoreError::Internal(format!("part {k}")))
}

#[derive(Debug, FromQueryResult)]
struct ShareRow {
    k: i64,
    total: i64,
    concrete: Option<i64>,
}

/// Target 1 (see [`thidua_domain::target_rules::t1`]): each target's campaigns counted and
/// those with only concrete criteria, and the catalogue's fields (in its order) that no
/// such campaign covers.
async fn concrete_criteria_shares(
    db: &impl ConnectionTrait,
    asked: &[Part<'_>],
    today: NaiveDate,
    out: &mut HashMap<Uuid, CurrentValue>,
) -> Result<(), StoreError> {
    if asked.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = asked.iter().map(|p| p.target.programme_id).collect();
    let programmes = programme::Entity::find()
        .filter(programme::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let mut shares = Vec::new();
    let mut uncovered = Vec::new();
    for p in asked {
        let prog = programmes
            .iter()
            .find(|g| g.id == p.target.programme_id)
            .ok_or(StoreError::NotFound("programme"))?;
        let cond = t1_campaign_condition(prog.is_default);
        let k = p.k;
        shares.push((
            format!(
                "SELECT CAST({k} AS BIGINT) AS k, COUNT(*) AS total, \
                    SUM(CASE WHEN {ALL_CONCRETE} THEN 1 ELSE 0 END) AS concrete \
                 FROM campaigns c WHERE {cond}"
            ),
            t1_binds(prog.id, p.period),
        ));
        uncovered.push((
            format!(
                "SELECT CAST({k} AS BIGINT) AS k, f.* FROM fields f WHERE NOT EXISTS ( \
                    SELECT 1 FROM campaign_fields cf JOIN campaigns c ON c.id = cf.campaign_id \
                    WHERE cf.field_id = f.id AND {cond} AND {ALL_CONCRETE})"
            ),
            t1_binds(prog.id, p.period),
        ));
    }
    let shares = union_all(db, shares, "u.k").await?;
    let uncovered = union_all(db, uncovered, "u.k, u.sort_order, u.code").await?;
    let mut fields: HashMap<usize, Vec<field::Model>> = HashMap::new();
    for row in &uncovered {
        fields
            .entry(k_of(row)?)
            .or_default()
            .push(field::Model::from_query_result(row, "")?);
    }
    for row in &shares {
        let r = ShareRow::from_query_result(row, "")?;
        let Some(p) = asked.iter().find(|p| i64::try_from(p.k).ok() == Some(r.k)) else {
            continue;
        };
        let concrete = r.concrete.unwrap_or(0);
        let uncovered = fields.remove(&p.k).unwrap_or_default();
        let mut value = if r.total == 0 {
            CurrentValue::plain(None, Some(today), msg!("target-note-no-campaign"))
        } else {
            CurrentValue::plain(
                percent(concrete, r.total),
                Some(today),
                msg!(
                    "target-note-concrete-share",
                    concrete = concrete,
                    total = r.total,
                    uncovered = uncovered.len()
                ),
            )
        };
        value.uncovered_fields = Some(uncovered);
        out.insert(p.target.id, value);
    }
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct UnitRow {
    k: i64,
    id: Uuid,
    qualified: bool,
}

/// Target 2 (see [`thidua_domain::target_rules::t2`]): each target's measured units, by
/// name, with whether each qualifies; the units behind are those that do not.
async fn exemplar_unit_shares(
    db: &impl ConnectionTrait,
    asked: &[Part<'_>],
    today: NaiveDate,
    out: &mut HashMap<Uuid, CurrentValue>,
) -> Result<(), StoreError> {
    let parts = asked
        .iter()
        .map(|p| exemplar_unit_share_part(p.k, &p.params, p.period))
        .collect();
    let mut units: HashMap<i64, Vec<(Uuid, bool)>> = HashMap::new();
    for row in union_all(db, parts, "u.k, u.name, u.id").await? {
        let r = UnitRow::from_query_result(&row, "")?;
        units.entry(r.k).or_default().push((r.id, r.qualified));
    }
    for p in asked {
        let rows = i64::try_from(p.k)
            .ok()
            .and_then(|k| units.remove(&k))
            .unwrap_or_default();
        let total = rows.len() as i64;
        let behind: Vec<Uuid> = rows.iter().filter(|r| !r.1).map(|r| r.0).collect();
        let qualified = total - behind.len() as i64;
        let mut value = if total == 0 {
            CurrentValue::plain(None, Some(today), msg!("target-note-no-units"))
        } else {
            CurrentValue::plain(
                percent(qualified, total),
                Some(today),
                msg!(
                    "target-note-exemplar-share",
                    qualified = qualified,
                    total = total
                ),
            )
        };
        value.units_behind = Some(behind);
        out.insert(p.target.id, value);
    }
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    k: i64,
    n: i64,
}

/// Target 3 (see [`thidua_domain::target_rules::t3`]): each target's distinct models
/// honoured at its levels in its period.
async fn central_honoured(
    db: &impl ConnectionTrait,
    asked: &[Part<'_>],
    today: NaiveDate,
    out: &mut HashMap<Uuid, CurrentValue>,
) -> Result<(), StoreError> {
    let parts = asked
        .iter()
        .map(|p| central_honoured_part(p.k, p.period, &p.params.award_levels))
        .collect();
    let by_k: HashMap<i64, &Part<'_>> = asked
        .iter()
        .filter_map(|p| Some((i64::try_from(p.k).ok()?, p)))
        .collect();
    for row in union_all(db, parts, "u.k").await? {
        let r = CountRow::from_query_result(&row, "")?;
        let Some(p) = by_k.get(&r.k) else {
            continue;
        };
        let t = p.target;
        out.insert(
            t.id,
            CurrentValue::plain(
                Some(Decimal::from(r.n)),
                Some(today),
                msg!(
                    "target-note-central-honoured",
                    n = r.n,
                    from = t.period_start.to_string(),
                    to = t.deadline.to_string()
                ),
            ),
        );
    }
    Ok(())
}
