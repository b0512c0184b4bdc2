//! Exemplary models: recording, stage changes, replications, and the counts behind target 2.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::exemplar::{self as rules, ExemplarKind, ExemplarStage};
use thidua_domain::id::ExemplarId;
use thidua_domain::id::{CampaignId, FieldId, UnitId};
use thidua_domain::msg;
use thidua_domain::text::{LongText, SearchQuery, Title};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{exemplar, exemplar_stage_event, replication};
use crate::error::{StoreError, is_unique_violation};
use crate::finder::finders;
use crate::outbox::{self, EventKind};
use crate::page::{CountQuery, Page, PageRequest};
use crate::{audit, org_units};

pub struct NewExemplar {
    pub name: Title,
    pub kind: ExemplarKind,
    pub home_unit_id: UnitId,
    pub field_id: Option<FieldId>,
    pub campaign_id: Option<CampaignId>,
    pub description: Option<LongText>,
    pub is_direct_worker: bool,
    pub identified_on: NaiveDate,
}

fn unknown(field: &str, what: &str) -> StoreError {
    StoreError::Invalid(FieldError::new(
        field,
        UserErrorCode::UnknownReference,
        msg!(
            "unknown-reference",
            what = thidua_domain::MessageArg::word("thing", what)
        ),
    ))
}

async fn stage_event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    exemplar_id: Uuid,
    from: Option<ExemplarStage>,
    to: ExemplarStage,
    on: NaiveDate,
    reason: Option<String>,
) -> Result<(), StoreError> {
    exemplar_stage_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        exemplar_id: Set(exemplar_id),
        from_stage: Set(from),
        to_stage: Set(to),
        on_date: Set(on),
        reason: Set(reason),
        by_user: Set(actor.user_id),
        at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewExemplar,
) -> Result<exemplar::Model, StoreError> {
    let unit = org_units::by_id(db, UnitId::from_uuid(input.home_unit_id.uuid()))
        .await?
        .ok_or_else(|| unknown("homeUnitId", "unit"))?;
    actor.authorize(Action::ManageExemplar, &unit.path)?;
    if let Some(f) = input.field_id {
        crate::fields::by_ids(db, &[f])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| unknown("fieldId", "field"))?;
    }
    if let Some(c) = input.campaign_id {
        crate::campaigns::by_ids(db, &[c])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| unknown("campaignId", "campaign"))?;
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let saved = exemplar::ActiveModel {
        // Folded by the entity's `before_save`.
        search_text: sea_orm::ActiveValue::NotSet,
        id: Set(id),
        name: Set(input.name.into_inner()),
        kind: Set(input.kind),
        home_unit_id: Set(unit.id),
        field_id: Set(input.field_id.map(uuid::Uuid::from)),
        campaign_id: Set(input.campaign_id.map(uuid::Uuid::from)),
        description: Set(input.description.map(LongText::into_inner)),
        is_direct_worker: Set(input.kind == ExemplarKind::Individual && input.is_direct_worker),
        stage: Set(ExemplarStage::Identified),
        version: Set(1),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    stage_event(
        db,
        actor,
        id,
        None,
        ExemplarStage::Identified,
        input.identified_on,
        None,
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::Exemplar,
        id,
        AuditAction::Create,
        json!({"name": saved.name, "unit": unit.code}),
    )
    .await?;
    Ok(saved)
}

pub async fn change_stage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ExemplarId,
    to: ExemplarStage,
    on: NaiveDate,
    reason: Option<String>,
) -> Result<exemplar::Model, StoreError> {
    let e = exemplar::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("exemplar"))?;
    let unit = org_units::referenced(db, UnitId::from_uuid(e.home_unit_id)).await?;
    actor.authorize(Action::ManageExemplar, &unit.path)?;
    let from = e.stage;
    rules::check_stage_change(from, to, reason.as_deref())?;
    let res = exemplar::Entity::update_many()
        .col_expr(exemplar::Column::Stage, Expr::val(to))
        .col_expr(exemplar::Column::Version, Expr::val(e.version + 1))
        .col_expr(exemplar::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(exemplar::Column::Id.eq(id))
        .filter(exemplar::Column::Version.eq(e.version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict(msg!("exemplar-changed")));
    }
    stage_event(db, actor, id.uuid(), Some(from), to, on, reason.clone()).await?;
    audit::record(
        db,
        actor,
        AuditEntity::Exemplar,
        id.uuid(),
        AuditAction::Stage,
        json!({"from": from.as_str(), "to": to.as_str(), "reason": reason}),
    )
    .await?;
    let subject = json!({"exemplar": e.id, "unit": e.home_unit_id});
    let body = json!({"from": from.as_str(), "to": to.as_str(), "on": on});
    let event = outbox::by_actor(
        actor,
        EventKind::ExemplarStageChanged,
        subject,
        &unit.path,
        body,
    );
    outbox::record(db, event).await?;
    exemplar::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("exemplar"))
}

pub async fn replicate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ExemplarId,
    unit_id: UnitId,
    on: NaiveDate,
    note: Option<String>,
) -> Result<replication::Model, StoreError> {
    let e = exemplar::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("exemplar"))?;
    let target = org_units::by_id(db, UnitId::from_uuid(unit_id.uuid()))
        .await?
        .ok_or_else(|| unknown("unitId", "unit"))?;
    actor.authorize(Action::ManageExemplar, &target.path)?;
    rules::check_replication(e.home_unit_id, target.id)?;
    let saved = replication::ActiveModel {
        id: Set(Uuid::now_v7()),
        exemplar_id: Set(id.uuid()),
        unit_id: Set(target.id),
        on_date: Set(on),
        note: Set(note),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            StoreError::Invalid(FieldError::new(
                "unitId",
                UserErrorCode::Duplicate,
                msg!("exemplar-already-replicated"),
            ))
        } else {
            err.into()
        }
    })?;
    audit::record(
        db,
        actor,
        AuditEntity::Exemplar,
        id.uuid(),
        AuditAction::Replicate,
        json!({"unit": target.code}),
    )
    .await?;
    let subject = json!({"exemplar": e.id, "unit": target.id, "homeUnit": e.home_unit_id});
    let body = json!({"on": on});
    let event = outbox::by_actor(
        actor,
        EventKind::ExemplarReplicated,
        subject,
        &target.path,
        body,
    );
    outbox::record(db, event).await?;
    Ok(saved)
}

finders! {
    pub fn by_ids(ids: &[ExemplarId]) in exemplar::Id;
    pub fn replications_by_exemplar_ids(ids: &[ExemplarId]) in replication::ExemplarId, asc(OnDate);
    pub fn events_by_exemplar_ids(ids: &[ExemplarId]) in exemplar_stage_event::ExemplarId, asc(At), asc(Id);
}

#[derive(Debug, Clone, Default)]
pub struct ExemplarFilter {
    /// Models whose home unit lies in this subtree.
    pub subtree_path: Option<String>,
    pub field_id: Option<FieldId>,
    pub stage: Option<ExemplarStage>,
    /// Accent-insensitive words in the model's name.
    pub search: Option<SearchQuery>,
}

pub(crate) fn condition(f: &ExemplarFilter, with_stage: bool) -> Condition {
    let mut c = Condition::all();
    if let Some(p) = &f.subtree_path {
        let units = org_units::ids_in_subtree(p);
        c = c.add(exemplar::Column::HomeUnitId.in_subquery(units));
    }
    if let Some(fid) = f.field_id {
        c = c.add(exemplar::Column::FieldId.eq(fid));
    }
    if let (true, Some(s)) = (with_stage, f.stage) {
        c = c.add(exemplar::Column::Stage.eq(s));
    }
    if let Some(q) = &f.search {
        c = c.add(crate::search::matches(exemplar::Column::SearchText, q));
    }
    c
}

/// Newest first (ids are UUID v7).
pub async fn list(
    db: &impl ConnectionTrait,
    f: &ExemplarFilter,
    page: &PageRequest,
) -> Result<Page<exemplar::Model>, StoreError> {
    let filtered = condition(f, true);
    let mut q = exemplar::Entity::find().filter(filtered.clone());
    if let Some(after) = &page.after {
        q = q.filter(exemplar::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(exemplar::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(exemplar::Entity, filtered),
    ))
}

#[derive(Debug, FromQueryResult)]
pub struct StageCount {
    pub stage: ExemplarStage,
    pub count: i64,
}

/// Models per stage for the filter (ignoring its stage), counted in SQL.
pub async fn counts_by_stage(
    db: &impl ConnectionTrait,
    f: &ExemplarFilter,
) -> Result<Vec<StageCount>, StoreError> {
    let stmt = Query::select()
        .column(exemplar::Column::Stage)
        .expr_as(
            Func::count(Expr::col(exemplar::Column::Id)),
            sea_orm::sea_query::Alias::new("count"),
        )
        .from(exemplar::Entity)
        .cond_where(condition(f, false))
        .group_by_col(exemplar::Column::Stage)
        .to_owned();
    Ok(
        StageCount::find_by_statement(db.get_database_backend().build(&stmt))
            .all(db)
            .await?,
    )
}
