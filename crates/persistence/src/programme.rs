//! The programme (đề án), its targets, manual target values, and the targets computed
//! from the data.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    Value,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::award::AwardLevel;
use thidua_domain::campaign::CampaignStatus;
use thidua_domain::id::ProgrammeId;
use thidua_domain::id::TargetId;
use thidua_domain::id::UnitId;
use thidua_domain::msg;
use thidua_domain::org_unit::OrgUnitKind;
use thidua_domain::target::TargetSource;
use thidua_domain::target_rules::{Goal, Period, TargetKind, TargetParameters};
use thidua_domain::text::{Code, LongText, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{field, programme, target, target_value};
use crate::error::StoreError;
use crate::finder::finders;
use crate::org_units;

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

/// The value of a target right now, or why there is none, with the lists behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentValue {
    pub value: Option<Decimal>,
    pub as_of: Option<NaiveDate>,
    /// Where the number comes from, or why it is missing: shown to the reader in their
    /// language (an entered source note is the administrator's own text).
    pub note: thidua_domain::Message,
    /// Target 1: fields with no concrete campaign in the period (None for other targets).
    pub uncovered_fields: Option<Vec<field::Model>>,
    /// Target 2: measured units that do not meet it yet (None for other targets).
    pub units_behind: Option<Vec<Uuid>>,
}

impl CurrentValue {
    pub(crate) fn plain(
        value: Option<Decimal>,
        as_of: Option<NaiveDate>,
        note: thidua_domain::Message,
    ) -> Self {
        Self {
            value,
            as_of,
            note,
            uncovered_fields: None,
            units_behind: None,
        }
    }
}

/// The province's default programme: the one untagged campaigns count toward.
pub async fn default_programme(
    db: &impl ConnectionTrait,
) -> Result<Option<programme::Model>, StoreError> {
    Ok(programme::Entity::find()
        .filter(programme::Column::IsDefault.eq(true))
        .order_by_asc(programme::Column::StartDate)
        .one(db)
        .await?)
}

/// A target's definition parameters; a row without any gets its kind's defaults. A stored
/// value this service never writes (bad JSON, an unknown kind, level or id) fails the read,
/// as every other stored value does, rather than silently narrowing the definition.
pub fn parameters_of(t: &target::Model) -> Result<TargetParameters, StoreError> {
    let kind = TargetKind::of(t.source, t.computation);
    let Some(raw) = t.parameters.as_deref() else {
        return Ok(TargetParameters::defaults_for(kind));
    };
    let bad =
        |what: &str| StoreError::Internal(format!("target {}: stored parameters: {what}", t.id));
    let v: serde_json::Value = serde_json::from_str(raw).map_err(|e| bad(&e.to_string()))?;
    let strings = |key: &str| -> Result<Vec<String>, StoreError> {
        match v.get(key) {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_owned).ok_or_else(|| bad(key)))
                .collect(),
            Some(_) => Err(bad(key)),
        }
    };
    let parsed = |key: &str, s: &str| bad(&format!("{key}: {s}"));
    Ok(TargetParameters {
        unit_kinds: strings("unitKinds")?
            .iter()
            .map(|s| OrgUnitKind::parse(s).ok_or_else(|| parsed("unitKinds", s)))
            .collect::<Result<_, _>>()?,
        unit_ids: strings("unitIds")?
            .iter()
            .map(|s| Uuid::parse_str(s).map_err(|_| parsed("unitIds", s)))
            .collect::<Result<_, _>>()?,
        award_levels: strings("awardLevels")?
            .iter()
            .map(|s| AwardLevel::parse(s).ok_or_else(|| parsed("awardLevels", s)))
            .collect::<Result<_, _>>()?,
    })
}

/// The stored form of [`TargetParameters`]; None when there are none.
pub fn parameters_json(p: &TargetParameters) -> Option<String> {
    if p == &TargetParameters::default() {
        return None;
    }
    Some(
        json!({
            "unitKinds": p.unit_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "unitIds": p.unit_ids,
            "awardLevels": p.award_levels.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        })
        .to_string(),
    )
}

/// SQL condition: campaign `c` counts for target 1 of the programme (bind: programme id).
pub(crate) fn t1_campaign_condition(is_default: bool) -> &'static str {
    if is_default {
        "(c.programme_id = ? OR c.programme_id IS NULL) AND c.status IN (?, ?) AND c.start_date <= ? AND c.end_date >= ?"
    } else {
        "c.programme_id = ? AND c.status IN (?, ?) AND c.start_date <= ? AND c.end_date >= ?"
    }
}

/// SQL condition: every criterion of campaign `c` is concrete.
pub(crate) const ALL_CONCRETE: &str = "NOT EXISTS (SELECT 1 FROM criteria cr WHERE cr.campaign_id = c.id \
    AND (cr.target_value IS NULL OR cr.unit_label IS NULL OR TRIM(cr.unit_label) = '' OR cr.weight <= 0))";

pub(crate) fn t1_binds(programme_id: Uuid, period: Period) -> Vec<Value> {
    vec![
        programme_id.into(),
        CampaignStatus::Launched.into(),
        CampaignStatus::Closed.into(),
        period.end.into(),
        period.start.into(),
    ]
}

/// A programme as an administrator defines it.
#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub code: Code,
    pub title: Title,
    pub summary: Option<LongText>,
    /// None: the root of the tree.
    pub owner_unit: Option<UnitId>,
    pub period: Period,
}

pub async fn create_programme(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewProgramme,
) -> Result<programme::Model, StoreError> {
    org_units::authorize_everywhere(db, actor, Action::ManageProgramme).await?;
    let owner = match input.owner_unit {
        Some(u) => org_units::sent(db, u, "ownerUnitId").await?,
        None => org_units::roots(db)
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("org unit"))?,
    };
    if by_code(db, input.code.as_str()).await?.is_some() {
        return Err(FieldError::new(
            "code",
            UserErrorCode::Duplicate,
            msg!("programme-programme-code-exists"),
        )
        .into());
    }
    let id = Uuid::now_v7();
    let saved = programme::ActiveModel {
        id: Set(id),
        code: Set(input.code.into_inner()),
        title: Set(input.title.into_inner()),
        summary: Set(input.summary.map(LongText::into_inner)),
        owner_unit_id: Set(owner.id),
        start_date: Set(input.period.start),
        end_date: Set(input.period.end),
        created_at: Set(Utc::now()),
        is_default: Set(false),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Programme,
        id,
        AuditAction::Create,
        json!({"code": saved.code}),
    )
    .await?;
    Ok(saved)
}

/// A target as an administrator defines it; every part already parsed.
#[derive(Debug, Clone)]
pub struct TargetDefinition {
    pub code: Code,
    /// Vietnamese, the default language.
    pub title: Title,
    pub description: LongText,
    /// English texts: `Some(None)` clears one (English readers then get the Vietnamese
    /// text); `None` leaves it as stored (an update) or empty (a new target).
    pub title_en: Option<Option<Title>>,
    pub description_en: Option<Option<LongText>>,
    pub unit_label_en: Option<Option<String>>,
    pub legal_text: Option<LongText>,
    pub kind: TargetKind,
    pub period: Period,
    pub goal: Goal,
    pub unit_label: String,
    pub baseline_date: NaiveDate,
    pub parameters: TargetParameters,
}

/// An optional text that is set (or cleared) only when the definition says so.
fn changed<T>(
    v: Option<&Option<T>>,
    text: impl Fn(&T) -> String,
) -> sea_orm::ActiveValue<Option<String>> {
    match v {
        None => sea_orm::ActiveValue::NotSet,
        Some(v) => Set(v.as_ref().map(text)),
    }
}

fn definition_fields(d: &TargetDefinition) -> target::ActiveModel {
    target::ActiveModel {
        code: Set(d.code.as_str().to_owned()),
        title: Set(d.title.as_str().to_owned()),
        description: Set(d.description.as_str().to_owned()),
        title_en: changed(d.title_en.as_ref(), |t| t.as_str().to_owned()),
        description_en: changed(d.description_en.as_ref(), |t| t.as_str().to_owned()),
        unit_label_en: changed(d.unit_label_en.as_ref(), Clone::clone),
        legal_text: Set(d.legal_text.as_ref().map(|l| l.as_str().to_owned())),
        horizon: Set(d.period.horizon()),
        period_start: Set(d.period.start),
        deadline: Set(d.period.end),
        comparator: Set(d.goal.comparator),
        target_value: Set(d.goal.value),
        target_max: Set(d.goal.max),
        unit_label: Set(d.unit_label.clone()),
        baseline: Set(d.goal.baseline),
        baseline_date: Set(d.baseline_date),
        source: Set(d.kind.source()),
        computation: Set(d.kind.computation()),
        parameters: Set(parameters_json(&d.parameters)),
        ..Default::default()
    }
}

/// Units a T2 definition lists must exist.
async fn check_listed_units(
    db: &impl ConnectionTrait,
    d: &TargetDefinition,
) -> Result<(), StoreError> {
    let ids: Vec<UnitId> = d
        .parameters
        .unit_ids
        .iter()
        .map(|u| UnitId::from_uuid(*u))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let found = org_units::by_ids(db, &ids).await?;
    if found.len() != ids.len() {
        return Err(FieldError::new(
            "parameters.unitIds",
            UserErrorCode::UnknownReference,
            msg!("programme-no-unit-has-one"),
        )
        .into());
    }
    Ok(())
}

async fn check_code_free(
    db: &impl ConnectionTrait,
    programme_id: Uuid,
    code: &str,
    except: Option<Uuid>,
) -> Result<(), StoreError> {
    let mut q = target::Entity::find()
        .filter(target::Column::ProgrammeId.eq(programme_id))
        .filter(target::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(target::Column::Id.ne(id));
    }
    if q.one(db).await?.is_some() {
        return Err(FieldError::new(
            "code",
            UserErrorCode::Duplicate,
            msg!("programme-programme-already-has-target"),
        )
        .into());
    }
    Ok(())
}

pub async fn create_target(
    db: &impl ConnectionTrait,
    actor: &Actor,
    programme_id: ProgrammeId,
    d: TargetDefinition,
) -> Result<target::Model, StoreError> {
    org_units::authorize_everywhere(db, actor, Action::ManageProgramme).await?;
    let p = programme::Entity::find_by_id(programme_id.uuid())
        .one(db)
        .await?
        .ok_or_else(|| {
            FieldError::new(
                "programmeId",
                UserErrorCode::UnknownReference,
                msg!("programme-no-programme-has-id"),
            )
        })?;
    check_listed_units(db, &d).await?;
    check_code_free(db, p.id, d.code.as_str(), None).await?;
    let last = target::Entity::find()
        .filter(target::Column::ProgrammeId.eq(p.id))
        .order_by_desc(target::Column::SortOrder)
        .one(db)
        .await?;
    let id = Uuid::now_v7();
    let saved = target::ActiveModel {
        id: Set(id),
        programme_id: Set(p.id),
        sort_order: Set(last.map_or(0, |t| t.sort_order.saturating_add(1))),
        version: Set(1),
        ..definition_fields(&d)
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Target,
        id,
        AuditAction::Create,
        json!({"code": saved.code, "programme": p.code, "kind": d.kind.as_str()}),
    )
    .await?;
    Ok(saved)
}

/// Replaces a target's definition if nobody changed it since `version` was read.
pub async fn update_target(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: TargetId,
    version: i32,
    d: TargetDefinition,
) -> Result<target::Model, StoreError> {
    org_units::authorize_everywhere(db, actor, Action::ManageProgramme).await?;
    let before = targets_by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("target"))?;
    check_listed_units(db, &d).await?;
    check_code_free(db, before.programme_id, d.code.as_str(), Some(before.id)).await?;
    let res = target::Entity::update_many()
        .set(definition_fields(&d))
        .col_expr(
            target::Column::Version,
            Expr::val(version.saturating_add(1)),
        )
        .filter(target::Column::Id.eq(id.uuid()))
        .filter(target::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict(msg!(
            "programme-target-version-not-reload",
            current = before.version,
            sent = version
        )));
    }
    audit::record(
        db,
        actor,
        AuditEntity::Target,
        id.uuid(),
        AuditAction::Update,
        json!({"code": d.code.as_str(), "before": {
            "kind": TargetKind::of(before.source, before.computation).as_str(),
            "targetValue": before.target_value, "targetMax": before.target_max,
            "baseline": before.baseline, "periodStart": before.period_start,
            "deadline": before.deadline, "parameters": before.parameters}}),
    )
    .await?;
    targets_by_ids(db, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound("target"))
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
    let today = thidua_domain::calendar::today();
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
    crate::outbox::announce_target_changes(db, today, Some(target_id.uuid())).await?;
    Ok(saved)
}
