//! Campaigns and their criteria: queries for the API, and the lifecycle commands.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Value,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::campaign::{self as rules, CampaignKind, CampaignStatus, DateRange};
use thidua_domain::criterion::{CriterionSpec, NewCriterion};
use thidua_domain::id::{CampaignId, CriterionId, FieldId, ProgrammeId, UnitId};
use thidua_domain::msg;
use thidua_domain::text::{Code, LongText, SearchQuery, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{campaign, campaign_field, criterion, field, org_unit, programme};
use crate::error::{StoreError, is_unique_violation};
use crate::finder::finders;
use crate::org_units;
use crate::outbox::{self, EventKind};
use crate::page::{CountQuery, KeyCursor, Page, PageRequest, subtree_pattern};
use crate::{audit, changes};

finders! {
    pub fn by_ids(ids: &[CampaignId]) in campaign::Id;
    pub fn criteria_by_ids(ids: &[CriterionId]) in criterion::Id;
    pub fn criteria_by_campaign_ids(ids: &[CampaignId]) in criterion::CampaignId, asc(SortOrder), asc(Id);
}

pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<campaign::Model>, StoreError> {
    Ok(campaign::Entity::find()
        .filter(campaign::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?)
}

async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<campaign::Model, StoreError> {
    campaign::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("campaign"))
}

/// (campaign id, field) pairs for many campaigns in one statement.
pub async fn fields_by_campaign_ids(
    db: &impl ConnectionTrait,
    ids: &[CampaignId],
) -> Result<Vec<(Uuid, field::Model)>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let links = campaign_field::Entity::find()
        .filter(campaign_field::Column::CampaignId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let field_ids: Vec<thidua_domain::id::FieldId> = links
        .iter()
        .map(|l| thidua_domain::id::FieldId::from_uuid(l.field_id))
        .collect();
    let fields = crate::fields::by_ids(db, &field_ids).await?;
    Ok(links
        .into_iter()
        .filter_map(|l| {
            fields
                .iter()
                .find(|f| f.id == l.field_id)
                .map(|f| (l.campaign_id, f.clone()))
        })
        .collect())
}

/// Sort keys a campaign list can be ordered by; each is unique together with the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignOrder {
    StartDate,
    EndDate,
    CreatedAt,
    Title,
    Code,
}

#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    pub statuses: Vec<CampaignStatus>,
    pub field_id: Option<FieldId>,
    /// Campaigns launched by a unit in this subtree (materialised path).
    pub subtree_path: Option<String>,
    /// Running on this day: start ≤ day ≤ end, and launched or closed.
    pub active_on: Option<NaiveDate>,
    /// Accent-insensitive text search over code, title and summary.
    pub search: Option<SearchQuery>,
    pub programme_id: Option<ProgrammeId>,
}

fn order_column(o: CampaignOrder) -> campaign::Column {
    match o {
        CampaignOrder::StartDate => campaign::Column::StartDate,
        CampaignOrder::EndDate => campaign::Column::EndDate,
        CampaignOrder::CreatedAt => campaign::Column::CreatedAt,
        CampaignOrder::Title => campaign::Column::Title,
        CampaignOrder::Code => campaign::Column::Code,
    }
}

/// The text form of a row's sort key, as carried in a cursor.
pub fn cursor_for(row: &campaign::Model, o: CampaignOrder) -> KeyCursor {
    let value = match o {
        CampaignOrder::StartDate => row.start_date.to_string(),
        CampaignOrder::EndDate => row.end_date.to_string(),
        CampaignOrder::CreatedAt => row.created_at.to_rfc3339(),
        CampaignOrder::Title => row.title.clone(),
        CampaignOrder::Code => row.code.clone(),
    };
    KeyCursor { value, id: row.id }
}

fn cursor_value(o: CampaignOrder, raw: &str) -> Result<Value, StoreError> {
    let bad = || {
        StoreError::Invalid(FieldError::new(
            "after",
            UserErrorCode::InvalidFormat,
            msg!("cursor-invalid"),
        ))
    };
    Ok(match o {
        CampaignOrder::StartDate | CampaignOrder::EndDate => {
            Value::from(raw.parse::<NaiveDate>().map_err(|_| bad())?)
        }
        CampaignOrder::CreatedAt => Value::from(
            chrono::DateTime::parse_from_rfc3339(raw)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
        ),
        CampaignOrder::Title | CampaignOrder::Code => Value::from(raw.to_owned()),
    })
}

fn filter_condition(f: &CampaignFilter) -> Condition {
    let mut c = Condition::all();
    if !f.statuses.is_empty() {
        c = c.add(campaign::Column::Status.is_in(f.statuses.iter().copied()));
    }
    if let Some(fid) = f.field_id {
        c = c.add(
            campaign::Column::Id.in_subquery(
                Query::select()
                    .column(campaign_field::Column::CampaignId)
                    .from(campaign_field::Entity)
                    .and_where(campaign_field::Column::FieldId.eq(fid))
                    .to_owned(),
            ),
        );
    }
    if let Some(path) = &f.subtree_path {
        c = c.add(
            campaign::Column::LaunchingUnitId.in_subquery(crate::org_units::ids_in_subtree(path)),
        );
    }
    if let Some(day) = f.active_on {
        c = c
            .add(campaign::Column::StartDate.lte(day))
            .add(campaign::Column::EndDate.gte(day))
            .add(
                campaign::Column::Status.is_in([CampaignStatus::Launched, CampaignStatus::Closed]),
            );
    }
    if let Some(q) = &f.search {
        c = c.add(crate::search::matches(campaign::Column::SearchText, q));
    }
    if let Some(pid) = f.programme_id {
        c = c.add(campaign::Column::ProgrammeId.eq(pid));
    }
    c
}

pub async fn list(
    db: &impl ConnectionTrait,
    f: &CampaignFilter,
    order: CampaignOrder,
    descending: bool,
    page: &PageRequest,
) -> Result<Page<campaign::Model>, StoreError> {
    let col = order_column(order);
    let filtered = filter_condition(f);
    let mut q = campaign::Entity::find().filter(filtered.clone());
    if let Some(after) = &page.after {
        let v = cursor_value(order, &after.value)?;
        let keyset = if descending {
            Condition::any().add(Expr::col(col).lt(v.clone())).add(
                Condition::all()
                    .add(Expr::col(col).eq(v))
                    .add(campaign::Column::Id.lt(after.id)),
            )
        } else {
            Condition::any().add(Expr::col(col).gt(v.clone())).add(
                Condition::all()
                    .add(Expr::col(col).eq(v))
                    .add(campaign::Column::Id.gt(after.id)),
            )
        };
        q = q.filter(keyset);
    }
    q = if descending {
        q.order_by_desc(col).order_by_desc(campaign::Column::Id)
    } else {
        q.order_by_asc(col).order_by_asc(campaign::Column::Id)
    };
    let rows = q.limit(page.first + 1).all(db).await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(campaign::Entity, filtered),
    ))
}

pub async fn count(db: &impl ConnectionTrait, f: &CampaignFilter) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(campaign::Entity::find()
        .filter(filter_condition(f))
        .count(db)
        .await?)
}

pub struct NewCampaign {
    pub code: Code,
    pub title: Title,
    pub summary: Option<LongText>,
    pub kind: CampaignKind,
    pub programme_id: Option<ProgrammeId>,
    pub launching_unit_id: UnitId,
    pub dates: DateRange,
    pub field_ids: Vec<FieldId>,
    pub criteria: Vec<NewCriterion>,
}

fn search_text(code: &str, title: &str, summary: Option<&str>) -> String {
    crate::search::search_text([code, title, summary.unwrap_or("")])
}

async fn check_fields(db: &impl ConnectionTrait, ids: &[FieldId]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = field::Entity::find()
        .filter(field::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if found.len() != unique.len() {
        return Err(FieldError::new(
            "fieldIds",
            UserErrorCode::UnknownReference,
            msg!("fields-unknown"),
        )
        .into());
    }
    Ok(())
}

async fn replace_fields(
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
    ids: &[FieldId],
) -> Result<(), StoreError> {
    campaign_field::Entity::delete_many()
        .filter(campaign_field::Column::CampaignId.eq(campaign_id))
        .exec(db)
        .await?;
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.is_empty() {
        return Ok(());
    }
    campaign_field::Entity::insert_many(unique.into_iter().map(|field_id| {
        campaign_field::ActiveModel {
            campaign_id: Set(campaign_id),
            field_id: Set(field_id.uuid()),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

fn criterion_row(campaign_id: Uuid, c: &NewCriterion, sort_order: i32) -> criterion::ActiveModel {
    criterion::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(campaign_id),
        title: Set(c.title.as_str().to_owned()),
        measure: Set(c.measure),
        direction: Set(c.direction),
        unit_label: Set(c.unit_label.clone()),
        target_value: Set(c.target_value),
        weight: Set(c.weight.value()),
        sort_order: Set(sort_order),
        created_at: Set(Utc::now()),
        period_aggregation: Set(c.period_aggregation),
    }
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewCampaign,
) -> Result<campaign::Model, StoreError> {
    let unit = org_units::sent(db, input.launching_unit_id, "launchingUnitId").await?;
    actor.authorize(Action::ManageCampaign, &unit.path)?;
    if !unit.is_active {
        return Err(FieldError::new(
            "launchingUnitId",
            UserErrorCode::Inactive,
            msg!("unit-inactive"),
        )
        .into());
    }
    if let Some(pid) = input.programme_id {
        programme::Entity::find_by_id(pid)
            .one(db)
            .await?
            .ok_or_else(|| {
                FieldError::new(
                    "programmeId",
                    UserErrorCode::UnknownReference,
                    msg!(
                        "unknown-reference",
                        what = thidua_domain::MessageArg::word("thing", "programme")
                    ),
                )
            })?;
    }
    check_fields(db, &input.field_ids).await?;
    let id = Uuid::now_v7();
    let now = Utc::now();
    let summary = input.summary.map(LongText::into_inner);
    let saved = campaign::ActiveModel {
        id: Set(id),
        search_text: Set(search_text(
            input.code.as_str(),
            input.title.as_str(),
            summary.as_deref(),
        )),
        code: Set(input.code.into_inner()),
        title: Set(input.title.into_inner()),
        summary: Set(summary),
        kind: Set(input.kind),
        status: Set(CampaignStatus::Draft),
        programme_id: Set(input.programme_id.map(uuid::Uuid::from)),
        launching_unit_id: Set(unit.id),
        start_date: Set(input.dates.start()),
        end_date: Set(input.dates.end()),
        version: Set(1),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        launched_at: Set(None),
        closed_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Invalid(FieldError::new(
                "code",
                UserErrorCode::Duplicate,
                msg!("campaign-code-taken"),
            ))
        } else {
            e.into()
        }
    })?;
    replace_fields(db, id, &input.field_ids).await?;
    if !input.criteria.is_empty() {
        let rows = input
            .criteria
            .iter()
            .zip(0..)
            .map(|(c, i)| criterion_row(id, c, i))
            .collect::<Vec<_>>();
        criterion::Entity::insert_many(rows).exec(db).await?;
    }
    audit::record(
        db,
        actor,
        AuditEntity::Campaign,
        id,
        AuditAction::Create,
        json!({"code": saved.code, "title": saved.title}),
    )
    .await?;
    Ok(saved)
}

/// Reads a campaign and locks its row until the transaction ends (`SELECT … FOR UPDATE`
/// on PostgreSQL; SQLite write transactions hold the database lock already). Every
/// change to a campaign or to what hangs off it (criteria, milestones) takes this lock
/// first, so a writer always sees the status the campaign will commit with: a milestone
/// added while a launch runs waits for it, sees LAUNCHED and writes its feed row.
pub(crate) async fn lock(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<campaign::Model, StoreError> {
    campaign::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("campaign"))
}

/// Loads and locks a campaign for change and checks the caller may manage it.
async fn load_for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<campaign::Model, StoreError> {
    let c = lock(db, id).await?;
    let unit = org_units::referenced(db, UnitId::from_uuid(c.launching_unit_id)).await?;
    actor.authorize(Action::ManageCampaign, &unit.path)?;
    Ok(c)
}

fn stale() -> StoreError {
    StoreError::Conflict(msg!("campaign-changed"))
}

/// Bumps the version, failing with CONFLICT when `expected` is stale. Every change to a
/// campaign or its criteria goes through here, so concurrent editors cannot overwrite each other.
async fn bump_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected: i32,
    extra: Vec<(campaign::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<(), StoreError> {
    let mut upd = campaign::Entity::update_many()
        .col_expr(
            campaign::Column::Version,
            Expr::col(campaign::Column::Version).add(1),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::val(Utc::now()));
    for (c, e) in extra {
        upd = upd.col_expr(c, e);
    }
    let res = upd
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::Version.eq(expected))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        Err(stale())
    } else {
        Ok(())
    }
}

#[derive(Default)]
pub struct CampaignPatch {
    pub title: Option<Title>,
    pub summary: Option<Option<LongText>>,
    pub kind: Option<CampaignKind>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub field_ids: Option<Vec<FieldId>>,
}

pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CampaignId,
    version: i32,
    patch: CampaignPatch,
) -> Result<campaign::Model, StoreError> {
    let c = load_for_change(db, actor, id.uuid()).await?;
    rules::ensure_editable(c.status)?;
    if !rules::check_version(Some(version), c.version) {
        return Err(stale());
    }
    let dates = DateRange::parse(
        patch.start_date.unwrap_or(c.start_date),
        patch.end_date.unwrap_or(c.end_date),
    )?;
    let title = patch.title.map_or(c.title.clone(), Title::into_inner);
    let summary = match patch.summary {
        Some(s) => s.map(LongText::into_inner),
        None => c.summary.clone(),
    };
    let kind = patch.kind.unwrap_or(c.kind);
    if let Some(ids) = &patch.field_ids {
        check_fields(db, ids).await?;
    }
    bump_version(
        db,
        id.uuid(),
        version,
        vec![
            (
                campaign::Column::SearchText,
                Expr::val(search_text(&c.code, &title, summary.as_deref())),
            ),
            (campaign::Column::Title, Expr::val(title.clone())),
            (campaign::Column::Summary, Expr::val(summary.clone())),
            (campaign::Column::Kind, Expr::val(kind)),
            (campaign::Column::StartDate, Expr::val(dates.start())),
            (campaign::Column::EndDate, Expr::val(dates.end())),
        ],
    )
    .await?;
    if let Some(ids) = &patch.field_ids {
        replace_fields(db, id.uuid(), ids).await?;
    }
    audit::record(
        db,
        actor,
        AuditEntity::Campaign,
        id.uuid(),
        AuditAction::Update,
        json!({
            "before": {"title": c.title, "kind": c.kind.as_str(), "startDate": c.start_date, "endDate": c.end_date},
            "after": {"title": title, "kind": kind.as_str(), "startDate": dates.start(), "endDate": dates.end()},
        }),
    )
    .await?;
    get(db, id.uuid()).await
}

pub async fn add_criterion(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaign_id: CampaignId,
    version: Option<i32>,
    input: NewCriterion,
) -> Result<criterion::Model, StoreError> {
    let c = load_for_change(db, actor, campaign_id.uuid()).await?;
    rules::ensure_editable(c.status)?;
    bump_version(db, campaign_id.uuid(), version.unwrap_or(c.version), vec![]).await?;
    let existing = criteria_by_campaign_ids(db, &[campaign_id]).await?;
    if existing.len() >= 100 {
        return Err(FieldError::new(
            "campaignId",
            UserErrorCode::OutOfRange,
            msg!("campaign-too-many-criteria", max = 100),
        )
        .into());
    }
    let next = existing
        .iter()
        .map(|r| r.sort_order)
        .max()
        .map_or(0, |m| m + 1);
    let saved = criterion_row(campaign_id.uuid(), &input, next)
        .insert(db)
        .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Criterion,
        saved.id,
        AuditAction::Create,
        json!({"campaign": campaign_id, "title": saved.title}),
    )
    .await?;
    Ok(saved)
}

async fn load_criterion_for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(campaign::Model, criterion::Model), StoreError> {
    let cr = criterion::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("criterion"))?;
    let c = load_for_change(db, actor, cr.campaign_id).await?;
    rules::ensure_editable(c.status)?;
    Ok((c, cr))
}

pub async fn update_criterion(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CriterionId,
    version: Option<i32>,
    input: NewCriterion,
) -> Result<criterion::Model, StoreError> {
    let (c, cr) = load_criterion_for_change(db, actor, id.uuid()).await?;
    bump_version(db, c.id, version.unwrap_or(c.version), vec![]).await?;
    let before = json!({"title": cr.title, "targetValue": cr.target_value, "weight": cr.weight, "unitLabel": cr.unit_label, "periodAggregation": cr.period_aggregation.as_str()});
    let mut row = criterion_row(c.id, &input, cr.sort_order);
    row.id = Set(cr.id);
    row.created_at = Set(cr.created_at);
    let saved = row.update(db).await?;
    if saved.period_aggregation != cr.period_aggregation {
        crate::progress_rollups::criterion_changed(db, c.id, saved.id).await?;
    }
    audit::record(
        db,
        actor,
        AuditEntity::Criterion,
        id.uuid(),
        AuditAction::Update,
        json!({"before": before, "after": {"title": saved.title, "targetValue": saved.target_value, "weight": saved.weight, "unitLabel": saved.unit_label, "periodAggregation": saved.period_aggregation.as_str()}}),
    )
    .await?;
    Ok(saved)
}

pub async fn remove_criterion(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CriterionId,
    version: Option<i32>,
) -> Result<campaign::Model, StoreError> {
    let (c, cr) = load_criterion_for_change(db, actor, id.uuid()).await?;
    bump_version(db, c.id, version.unwrap_or(c.version), vec![]).await?;
    criterion::Entity::delete_by_id(cr.id).exec(db).await?;
    audit::record(
        db,
        actor,
        AuditEntity::Criterion,
        id.uuid(),
        AuditAction::Delete,
        json!({"campaign": c.id, "title": cr.title}),
    )
    .await?;
    get(db, c.id).await
}

fn spec_of(r: &criterion::Model) -> CriterionSpec {
    CriterionSpec {
        measure: r.measure,
        direction: r.direction,
        target_value: r.target_value,
        unit_label: r.unit_label.clone(),
        weight: r.weight,
    }
}

pub async fn launch(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CampaignId,
    version: Option<i32>,
) -> Result<campaign::Model, StoreError> {
    let c = load_for_change(db, actor, id.uuid()).await?;
    let specs: Vec<CriterionSpec> = criteria_by_campaign_ids(db, &[id])
        .await?
        .iter()
        .map(spec_of)
        .collect();
    rules::check_launch(c.status, (c.start_date, c.end_date), &specs)?;
    bump_version(
        db,
        id.uuid(),
        version.unwrap_or(c.version),
        vec![
            (
                campaign::Column::Status,
                Expr::val(CampaignStatus::Launched),
            ),
            (campaign::Column::LaunchedAt, Expr::val(Utc::now())),
        ],
    )
    .await?;
    // From now on phones must see the campaign with its frozen criteria and milestones.
    changes::record(
        db,
        changes::ChangeEntity::Campaign,
        id.uuid(),
        changes::ChangeOp::Upsert,
        None,
        None,
    )
    .await?;
    for cr in criteria_by_campaign_ids(db, &[id]).await? {
        changes::record(
            db,
            changes::ChangeEntity::Criterion,
            cr.id,
            changes::ChangeOp::Upsert,
            None,
            None,
        )
        .await?;
    }
    for m in crate::milestones::by_campaign_ids(db, &[id]).await? {
        changes::record(
            db,
            changes::ChangeEntity::Milestone,
            m.id,
            changes::ChangeOp::Upsert,
            None,
            None,
        )
        .await?;
    }
    audit::record(
        db,
        actor,
        AuditEntity::Campaign,
        id.uuid(),
        AuditAction::Launch,
        json!({"code": c.code, "criteria": specs.len()}),
    )
    .await?;
    campaign_event(db, actor, &c, EventKind::CampaignLaunched, None).await?;
    get(db, id.uuid()).await
}

pub async fn transition(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: CampaignId,
    version: Option<i32>,
    to: CampaignStatus,
    reason: Option<String>,
) -> Result<campaign::Model, StoreError> {
    let c = load_for_change(db, actor, id.uuid()).await?;
    let from = c.status;
    rules::check_transition(from, to)?;
    bump_version(
        db,
        id.uuid(),
        version.unwrap_or(c.version),
        vec![
            (campaign::Column::Status, Expr::val(to)),
            (campaign::Column::ClosedAt, Expr::val(Utc::now())),
        ],
    )
    .await?;
    if from == CampaignStatus::Launched {
        let op = if to == CampaignStatus::Cancelled {
            changes::ChangeOp::Tombstone
        } else {
            changes::ChangeOp::Upsert
        };
        changes::record(
            db,
            changes::ChangeEntity::Campaign,
            id.uuid(),
            op,
            None,
            None,
        )
        .await?;
    }
    let action = if to == CampaignStatus::Closed {
        AuditAction::Close
    } else {
        AuditAction::Cancel
    };
    audit::record(
        db,
        actor,
        AuditEntity::Campaign,
        id.uuid(),
        action,
        json!({"from": from.as_str(), "to": to.as_str(), "reason": reason}),
    )
    .await?;
    let kind = if to == CampaignStatus::Closed {
        EventKind::CampaignClosed
    } else {
        EventKind::CampaignCancelled
    };
    campaign_event(db, actor, &c, kind, reason.as_deref()).await?;
    get(db, id.uuid()).await
}

/// Records a campaign's launch, close or cancellation in the outbox.
async fn campaign_event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: &campaign::Model,
    kind: EventKind,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let path = outbox::path_of(db, c.launching_unit_id).await?;
    let body = json!({"code": c.code, "reason": reason});
    let subject = json!({"campaign": c.id, "unit": c.launching_unit_id});
    outbox::record(db, outbox::by_actor(actor, kind, subject, &path, body)).await?;
    Ok(())
}

/// Launched campaigns that a unit under any of `paths` is registered for: what a
/// reporter's home screen shows.
pub async fn open_for_units(
    db: &impl ConnectionTrait,
    paths: &[String],
) -> Result<Vec<campaign::Model>, StoreError> {
    use crate::entities::participation;
    if paths.is_empty() {
        return Ok(vec![]);
    }
    let mut under = Condition::any();
    for p in paths {
        under = under.add(org_unit::Column::Path.like(subtree_pattern(p)));
    }
    let units = Query::select()
        .column(org_unit::Column::Id)
        .from(org_unit::Entity)
        .cond_where(under)
        .to_owned();
    let registered = Query::select()
        .column(participation::Column::CampaignId)
        .from(participation::Entity)
        .and_where(participation::Column::Status.eq("REGISTERED"))
        .and_where(participation::Column::UnitId.in_subquery(units))
        .to_owned();
    Ok(campaign::Entity::find()
        .filter(campaign::Column::Status.eq(CampaignStatus::Launched))
        .filter(campaign::Column::Id.in_subquery(registered))
        .order_by_asc(campaign::Column::EndDate)
        .order_by_asc(campaign::Column::Id)
        .all(db)
        .await?)
}

/// The launched and closed campaigns of `field` whose dates overlap `[from, to]`, by start
/// date then code, at most `limit` (ask one more than you show to learn there are more).
/// One statement.
pub async fn of_field(
    db: &impl ConnectionTrait,
    field: FieldId,
    from: NaiveDate,
    to: NaiveDate,
    limit: u64,
) -> Result<Vec<campaign::Model>, StoreError> {
    Ok(campaign::Entity::find()
        .filter(
            campaign::Column::Id.in_subquery(
                Query::select()
                    .column(campaign_field::Column::CampaignId)
                    .from(campaign_field::Entity)
                    .and_where(campaign_field::Column::FieldId.eq(field.uuid()))
                    .to_owned(),
            ),
        )
        .filter(campaign::Column::Status.is_in([CampaignStatus::Launched, CampaignStatus::Closed]))
        .filter(campaign::Column::StartDate.lte(to))
        .filter(campaign::Column::EndDate.gte(from))
        .order_by_asc(campaign::Column::StartDate)
        .order_by_asc(campaign::Column::Code)
        .limit(limit)
        .all(db)
        .await?)
}
