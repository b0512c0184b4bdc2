//! The programme (đề án), its targets, manual target values, and the targets computed
//! from the data.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set, Value,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::campaign::CampaignStatus;
use thidua_domain::id::ProgrammeId;
use thidua_domain::id::TargetId;
use thidua_domain::id::UnitId;
use thidua_domain::msg;
use thidua_domain::target::{TargetComputation, TargetSource, percent};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{programme, target, target_value};
use crate::error::StoreError;
use crate::finder::finders;
use crate::org_units;
use crate::raw;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<programme::Model>, StoreError> {
    Ok(programme::Entity::find()
        .order_by_asc(programme::Column::StartDate)
        .all(db)
        .await?)
}

finders! {
    pub fn by_ids(ids: &[ProgrammeId]) in programme::Id;
    pub fn targets_by_ids(ids: &[TargetId]) in target::Id;
    /// Entered values of many targets, newest first within each target.
    pub fn values_by_target_ids(ids: &[TargetId]) in target_value::TargetId, desc(AsOf), desc(Id);
    pub fn targets_by_programme_ids(ids: &[ProgrammeId]) in target::ProgrammeId, asc(SortOrder);
}

pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<programme::Model>, StoreError> {
    Ok(programme::Entity::find()
        .filter(programme::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?)
}

/// The value of a target right now, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentValue {
    pub value: Option<Decimal>,
    pub as_of: Option<NaiveDate>,
    /// Where the number comes from, or why it is missing: shown to the reader in their
    /// language (an entered source note is the administrator's own text).
    pub note: thidua_domain::Message,
}

#[derive(Debug, FromQueryResult)]
struct ShareRow {
    total: i64,
    concrete: Option<i64>,
}

/// Target 1, computed in SQL: of the programme's launched or closed campaigns running in
/// the target's period, the percentage whose every criterion is concrete.
pub async fn concrete_criteria_share(
    db: &impl ConnectionTrait,
    programme_id: Uuid,
    period_start: NaiveDate,
    deadline: NaiveDate,
) -> Result<(i64, i64), StoreError> {
    let sql = "SELECT COUNT(*) AS total, \
        SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM criteria cr WHERE cr.campaign_id = c.id \
            AND (cr.target_value IS NULL OR cr.unit_label IS NULL OR TRIM(cr.unit_label) = '' OR cr.weight <= 0)) \
            THEN 1 ELSE 0 END) AS concrete \
        FROM campaigns c \
        WHERE c.programme_id = ? AND c.status IN (?, ?) AND c.start_date <= ? AND c.end_date >= ?";
    let values: Vec<Value> = vec![
        programme_id.into(),
        CampaignStatus::Launched.into(),
        CampaignStatus::Closed.into(),
        deadline.into(),
        period_start.into(),
    ];
    let row = ShareRow::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
        .one(db)
        .await?;
    Ok(row.map_or((0, 0), |r| (r.total, r.concrete.unwrap_or(0))))
}

/// Current value of each target: computed ones from the data, manual ones from the
/// latest entered value.
pub async fn current_value(
    db: &impl ConnectionTrait,
    t: &target::Model,
    latest_manual: Option<&target_value::Model>,
    today: NaiveDate,
) -> Result<CurrentValue, StoreError> {
    if t.source == TargetSource::Manual {
        return Ok(match latest_manual {
            Some(v) => CurrentValue {
                value: Some(v.value),
                as_of: Some(v.as_of),
                note: msg!("target-note-entered", source = &v.source_note),
            },
            None => CurrentValue {
                value: None,
                as_of: None,
                note: msg!("target-note-no-value"),
            },
        });
    }
    match t.computation {
        Some(TargetComputation::ConcreteCriteriaShare) => {
            let (total, concrete) =
                concrete_criteria_share(db, t.programme_id, t.period_start, t.deadline).await?;
            if total == 0 {
                return Ok(CurrentValue {
                    value: None,
                    as_of: Some(today),
                    note: msg!("target-note-no-campaign"),
                });
            }
            Ok(CurrentValue {
                value: percent(concrete, total),
                as_of: Some(today),
                note: msg!(
                    "target-note-concrete-share",
                    concrete = concrete,
                    total = total
                ),
            })
        }
        Some(TargetComputation::ExemplarUnitShare) => {
            let (qualified, total) = crate::exemplars::unit_share(db).await?;
            if total == 0 {
                return Ok(CurrentValue {
                    value: None,
                    as_of: Some(today),
                    note: msg!("target-note-no-units"),
                });
            }
            Ok(CurrentValue {
                value: percent(qualified, total),
                as_of: Some(today),
                note: msg!(
                    "target-note-exemplar-share",
                    qualified = qualified,
                    total = total
                ),
            })
        }
        Some(TargetComputation::CentralHonouredExemplars) => {
            let n =
                crate::target_counts::central_honoured_exemplars(db, t.period_start, t.deadline)
                    .await?;
            Ok(CurrentValue {
                value: Some(Decimal::from(n)),
                as_of: Some(today),
                note: msg!(
                    "target-note-central-honoured",
                    n = n,
                    from = t.period_start.to_string(),
                    to = t.deadline.to_string()
                ),
            })
        }
        None => Ok(CurrentValue {
            value: None,
            as_of: None,
            note: msg!("target-note-no-computation"),
        }),
    }
}

pub async fn record_value(
    db: &impl ConnectionTrait,
    actor: &Actor,
    target_id: TargetId,
    value: Decimal,
    as_of: NaiveDate,
    source_note: &str,
) -> Result<target_value::Model, StoreError> {
    let t = target::Entity::find_by_id(target_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("target"))?;
    let p = programme::Entity::find_by_id(t.programme_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("programme"))?;
    let owner = org_units::referenced(db, UnitId::from_uuid(p.owner_unit_id)).await?;
    actor.authorize(Action::ManageProgramme, &owner.path)?;
    if t.source != TargetSource::Manual {
        return Err(FieldError::new(
            "targetId",
            UserErrorCode::InvalidTransition,
            msg!("target-computed"),
        )
        .into());
    }
    let note = thidua_domain::text::clean(source_note).map_err(|e| e.under("sourceNote"))?;
    if note.is_empty() {
        return Err(FieldError::new(
            "sourceNote",
            UserErrorCode::Required,
            msg!("target-source-required"),
        )
        .into());
    }
    if note.chars().count() > 2000 {
        return Err(FieldError::new(
            "sourceNote",
            UserErrorCode::TooLong,
            msg!("too-long", max = 2000),
        )
        .into());
    }
    if value < Decimal::ZERO || value > Decimal::from(1_000_000_000) {
        return Err(FieldError::new(
            "value",
            UserErrorCode::OutOfRange,
            msg!("target-value-range"),
        )
        .into());
    }
    let today = Utc::now().date_naive();
    if as_of > today {
        return Err(FieldError::new(
            "asOf",
            UserErrorCode::OutOfRange,
            msg!("target-date-future"),
        )
        .into());
    }
    let id = Uuid::now_v7();
    let saved = target_value::ActiveModel {
        id: Set(id),
        target_id: Set(target_id.uuid()),
        value: Set(value),
        as_of: Set(as_of),
        source_note: Set(note),
        entered_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Target,
        target_id.uuid(),
        AuditAction::RecordValue,
        json!({"value": value, "asOf": as_of}),
    )
    .await?;
    Ok(saved)
}
