//! Progress reports: idempotent submission, review, and the queries behind them.

use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::campaign::CampaignStatus;
use thidua_domain::criterion::Measure;
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::report::{
    self as rules, Location, Period, RawValue, ReportContent, ReportStatus, Stored, Submission,
};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::entities::{
    campaign, criterion, participation, progress_report, report_revision, report_value,
};
use crate::error::{StoreError, is_unique_violation};
use crate::page::{Page, PageRequest, subtree_pattern};
use crate::{Database, audit, changes, org_units};

/// One report as a client sends it.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub period: Period,
    pub narrative: Option<String>,
    pub location: Option<Location>,
    pub values: Vec<RawValue>,
    /// The version the client last saw (for edits and resubmissions).
    pub version: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Duplicate,
}

fn invalid(field: &str, code: UserErrorCode, msg: &str) -> StoreError {
    StoreError::Invalid(FieldError::new(field, code, msg))
}

fn is_busy(e: &DbErr) -> bool {
    let m = e.to_string();
    m.contains("database is locked") || m.contains("(code: 5)") || m.contains("could not serialize")
}

/// Submits one report in its own transaction, so that one bad item never sinks the others.
/// A concurrent submission of the same id loses the race on the primary key and is then
/// judged again against the stored report (usually a DUPLICATE).
pub async fn submit(
    db: &Database,
    actor: &Actor,
    input: &NewReport,
) -> Result<(Outcome, progress_report::Model), StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = db.begin_write().await?;
        match submit_in(&txn, actor, input).await {
            Ok(out) => {
                txn.commit().await?;
                return Ok(out);
            }
            Err(StoreError::Db(e)) if attempt < 5 && (is_unique_violation(&e) || is_busy(&e)) => {
                let _ = txn.rollback().await;
                tokio_sleep(attempt).await;
            }
            Err(e) => {
                let _ = txn.rollback().await;
                return Err(e);
            }
        }
    }
}

async fn tokio_sleep(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
}

async fn submit_in(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &NewReport,
) -> Result<(Outcome, progress_report::Model), StoreError> {
    let unit = org_units::by_ids(db, &[r.unit_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            invalid(
                "unitId",
                UserErrorCode::UnknownReference,
                "no unit has this id",
            )
        })?;
    if actor.authorize(Action::SubmitReport, &unit.path).is_err() {
        return Err(invalid(
            "unitId",
            UserErrorCode::Forbidden,
            "you may not report for this unit",
        ));
    }
    let c = campaign::Entity::find_by_id(r.campaign_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            invalid(
                "campaignId",
                UserErrorCode::UnknownReference,
                "no campaign has this id",
            )
        })?;
    let existing = progress_report::Entity::find_by_id(r.id).one(db).await?;
    if CampaignStatus::parse(&c.status) != Some(CampaignStatus::Launched) && existing.is_none() {
        return Err(invalid(
            "campaignId",
            UserErrorCode::CampaignNotLaunched,
            "reports are taken only for a launched campaign",
        ));
    }
    r.period.check_within(c.start_date, c.end_date)?;
    let registered = participation::Entity::find()
        .filter(participation::Column::CampaignId.eq(c.id))
        .filter(participation::Column::UnitId.eq(unit.id))
        .filter(participation::Column::Status.eq(ParticipationStatus::Registered.as_str()))
        .one(db)
        .await?;
    if registered.is_none() {
        return Err(invalid(
            "unitId",
            UserErrorCode::NotParticipating,
            "the unit is not registered for this campaign",
        ));
    }
    let criteria: Vec<(Uuid, Measure)> = criterion::Entity::find()
        .filter(criterion::Column::CampaignId.eq(c.id))
        .order_by_asc(criterion::Column::SortOrder)
        .order_by_asc(criterion::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|cr| {
            (
                cr.id,
                Measure::parse(&cr.measure).unwrap_or(Measure::Number),
            )
        })
        .collect();
    let values = rules::check_values(&criteria, &r.values).map_err(StoreError::InvalidMany)?;
    let content = ReportContent {
        campaign_id: c.id,
        unit_id: unit.id,
        period: r.period,
        narrative: r.narrative.clone(),
        location: r.location,
        values,
    };
    let stored = existing.as_ref().map(|e| Stored {
        campaign_id: e.campaign_id,
        unit_id: e.unit_id,
        status: ReportStatus::parse(&e.status).unwrap_or(ReportStatus::Approved),
        version: e.version,
        content_hash: e.content_hash.clone(),
    });
    let decision = rules::decide(stored.as_ref(), &content, r.version)?;
    if decision != Submission::Duplicate
        && CampaignStatus::parse(&c.status) != Some(CampaignStatus::Launched)
    {
        return Err(invalid(
            "campaignId",
            UserErrorCode::CampaignNotLaunched,
            "the campaign is no longer taking reports",
        ));
    }
    let hash = content.hash();
    let now = Utc::now();
    let saved = match (decision, existing) {
        (Submission::Duplicate, Some(e)) => return Ok((Outcome::Duplicate, e)),
        (Submission::Create, _) | (Submission::Duplicate, None) => {
            progress_report::ActiveModel {
                id: Set(r.id),
                campaign_id: Set(c.id),
                unit_id: Set(unit.id),
                period_kind: Set(r.period.kind.as_str().to_owned()),
                period_start: Set(r.period.start),
                period_end: Set(r.period.end),
                narrative: Set(r.narrative.clone()),
                latitude: Set(r.location.map(|l| l.latitude)),
                longitude: Set(r.location.map(|l| l.longitude)),
                status: Set(ReportStatus::Submitted.as_str().to_owned()),
                revision: Set(1),
                version: Set(1),
                content_hash: Set(hash.clone()),
                submitted_by: Set(actor.user_id),
                submitted_at: Set(now),
                reviewed_by: Set(None),
                reviewed_at: Set(None),
                return_reason: Set(None),
                updated_at: Set(now),
            }
            .insert(db)
            .await?
        }
        (Submission::Update | Submission::Resubmit, Some(e)) => {
            let revision = if decision == Submission::Resubmit {
                e.revision + 1
            } else {
                e.revision
            };
            let res = progress_report::Entity::update_many()
                .col_expr(
                    progress_report::Column::PeriodKind,
                    Expr::val(r.period.kind.as_str()),
                )
                .col_expr(
                    progress_report::Column::PeriodStart,
                    Expr::val(r.period.start),
                )
                .col_expr(progress_report::Column::PeriodEnd, Expr::val(r.period.end))
                .col_expr(
                    progress_report::Column::Narrative,
                    Expr::val(r.narrative.clone()),
                )
                .col_expr(
                    progress_report::Column::Latitude,
                    Expr::val(r.location.map(|l| l.latitude)),
                )
                .col_expr(
                    progress_report::Column::Longitude,
                    Expr::val(r.location.map(|l| l.longitude)),
                )
                .col_expr(
                    progress_report::Column::Status,
                    Expr::val(ReportStatus::Submitted.as_str()),
                )
                .col_expr(progress_report::Column::Revision, Expr::val(revision))
                .col_expr(progress_report::Column::Version, Expr::val(e.version + 1))
                .col_expr(
                    progress_report::Column::ContentHash,
                    Expr::val(hash.clone()),
                )
                .col_expr(
                    progress_report::Column::SubmittedBy,
                    Expr::val(actor.user_id),
                )
                .col_expr(progress_report::Column::SubmittedAt, Expr::val(now))
                .col_expr(progress_report::Column::UpdatedAt, Expr::val(now))
                .filter(progress_report::Column::Id.eq(e.id))
                .filter(progress_report::Column::Version.eq(e.version))
                .exec(db)
                .await?;
            if res.rows_affected == 0 {
                return Err(invalid(
                    "version",
                    UserErrorCode::Conflict,
                    "the report changed meanwhile; sync and try again",
                ));
            }
            report_value::Entity::delete_many()
                .filter(report_value::Column::ReportId.eq(e.id))
                .exec(db)
                .await?;
            if decision == Submission::Update {
                report_revision::Entity::delete_many()
                    .filter(report_revision::Column::ReportId.eq(e.id))
                    .filter(report_revision::Column::Revision.eq(e.revision))
                    .exec(db)
                    .await?;
            }
            progress_report::Entity::find_by_id(e.id)
                .one(db)
                .await?
                .ok_or(StoreError::NotFound("report"))?
        }
        (Submission::Update | Submission::Resubmit, None) => {
            return Err(StoreError::NotFound("report"));
        }
    };
    report_value::Entity::insert_many(content.values.iter().map(|(criterion_id, value)| {
        report_value::ActiveModel {
            report_id: Set(saved.id),
            criterion_id: Set(*criterion_id),
            value: Set(*value),
        }
    }))
    .exec(db)
    .await?;
    let snapshot = json!({
        "period": {"kind": r.period.kind.as_str(), "start": r.period.start, "end": r.period.end},
        "narrative": r.narrative,
        "location": r.location.map(|l| json!({"latitude": l.latitude, "longitude": l.longitude})),
        "values": content.values.iter().map(|(c, v)| json!({"criterionId": c, "value": v.normalize().to_string()})).collect::<Vec<_>>(),
    });
    report_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        report_id: Set(saved.id),
        revision: Set(saved.revision),
        content_hash: Set(hash),
        content: Set(snapshot.to_string()),
        outcome: Set(ReportStatus::Submitted.as_str().to_owned()),
        return_reason: Set(None),
        submitted_by: Set(actor.user_id),
        submitted_at: Set(now),
    }
    .insert(db)
    .await?;
    let action = match decision {
        Submission::Resubmit => "resubmit",
        Submission::Update => "update",
        _ => "submit",
    };
    changes::record(
        db,
        changes::entity::REPORT,
        saved.id,
        changes::op::UPSERT,
        Some(&unit.path),
        saved.submitted_by,
    )
    .await?;
    audit::record(
        db,
        actor,
        "ProgressReport",
        saved.id,
        action,
        json!({"campaign": c.code, "unit": unit.code, "revision": saved.revision}),
    )
    .await?;
    Ok((Outcome::Accepted, saved))
}

/// Approves (locking it) or returns (with a reason) a report awaiting review.
pub async fn review(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    approve: bool,
    reason: Option<String>,
) -> Result<progress_report::Model, StoreError> {
    let r = progress_report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("report"))?;
    let unit = org_units::by_id(db, r.unit_id).await?;
    actor.authorize(Action::ReviewReport, &unit.path)?;
    let status = ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Approved);
    rules::check_review(status, approve, reason.as_deref())?;
    let (to, reason) = if approve {
        (ReportStatus::Approved, None)
    } else {
        (ReportStatus::Returned, reason)
    };
    let now = Utc::now();
    let res = progress_report::Entity::update_many()
        .col_expr(progress_report::Column::Status, Expr::val(to.as_str()))
        .col_expr(
            progress_report::Column::ReviewedBy,
            Expr::val(actor.user_id),
        )
        .col_expr(progress_report::Column::ReviewedAt, Expr::val(now))
        .col_expr(
            progress_report::Column::ReturnReason,
            Expr::val(reason.clone()),
        )
        .col_expr(progress_report::Column::Version, Expr::val(r.version + 1))
        .col_expr(progress_report::Column::UpdatedAt, Expr::val(now))
        .filter(progress_report::Column::Id.eq(id))
        .filter(progress_report::Column::Version.eq(r.version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict(
            "the report changed meanwhile; reload it".into(),
        ));
    }
    report_revision::Entity::update_many()
        .col_expr(report_revision::Column::Outcome, Expr::val(to.as_str()))
        .col_expr(
            report_revision::Column::ReturnReason,
            Expr::val(reason.clone()),
        )
        .filter(report_revision::Column::ReportId.eq(id))
        .filter(report_revision::Column::Revision.eq(r.revision))
        .exec(db)
        .await?;
    changes::record(
        db,
        changes::entity::REPORT,
        id,
        changes::op::UPSERT,
        Some(&unit.path),
        r.submitted_by,
    )
    .await?;
    let action = if approve { "approve" } else { "return" };
    audit::record(
        db,
        actor,
        "ProgressReport",
        id,
        action,
        json!({"revision": r.revision, "reason": reason}),
    )
    .await?;
    progress_report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("report"))
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<progress_report::Model>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(progress_report::Entity::find()
        .filter(progress_report::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

pub async fn values_by_report_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<report_value::Model>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(report_value::Entity::find()
        .filter(report_value::Column::ReportId.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

pub async fn revisions_by_report_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<report_revision::Model>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(report_revision::Entity::find()
        .filter(report_revision::Column::ReportId.is_in(ids.to_vec()))
        .order_by_asc(report_revision::Column::Revision)
        .all(db)
        .await?)
}

/// The latest report `user` submitted for each of `campaign_ids`.
pub async fn latest_by_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    campaign_ids: &[Uuid],
) -> Result<Vec<progress_report::Model>, StoreError> {
    if campaign_ids.is_empty() {
        return Ok(vec![]);
    }
    let rows = progress_report::Entity::find()
        .filter(progress_report::Column::SubmittedBy.eq(user_id))
        .filter(progress_report::Column::CampaignId.is_in(campaign_ids.to_vec()))
        .order_by_desc(progress_report::Column::SubmittedAt)
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|r| seen.insert(r.campaign_id))
        .collect())
}

#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub campaign_id: Option<Uuid>,
    /// Reports of units in this subtree.
    pub subtree_path: Option<String>,
    pub status: Option<ReportStatus>,
    /// Only what the caller may read: units under these paths, or submitted by this user.
    pub readable_paths: Vec<String>,
    pub reader_id: Option<Uuid>,
}

/// Reports, newest id first (ids are UUID v7 from the phone: roughly creation order).
pub async fn list(
    db: &impl ConnectionTrait,
    f: &ReportFilter,
    page: &PageRequest,
) -> Result<Page<progress_report::Model>, StoreError> {
    use sea_orm::Condition;
    use sea_orm::sea_query::Query;
    let mut q = progress_report::Entity::find();
    if let Some(c) = f.campaign_id {
        q = q.filter(progress_report::Column::CampaignId.eq(c));
    }
    if let Some(s) = f.status {
        q = q.filter(progress_report::Column::Status.eq(s.as_str()));
    }
    let unit_ids_under = |path: &str| {
        Query::select()
            .column(crate::entities::org_unit::Column::Id)
            .from(crate::entities::org_unit::Entity)
            .and_where(crate::entities::org_unit::Column::Path.like(subtree_pattern(path)))
            .to_owned()
    };
    if let Some(p) = &f.subtree_path {
        q = q.filter(progress_report::Column::UnitId.in_subquery(unit_ids_under(p)));
    }
    let mut readable = Condition::any();
    for p in &f.readable_paths {
        readable = readable.add(progress_report::Column::UnitId.in_subquery(unit_ids_under(p)));
    }
    if let Some(u) = f.reader_id {
        readable = readable.add(progress_report::Column::SubmittedBy.eq(u));
    }
    q = q.filter(readable);
    if let Some(after) = &page.after {
        q = q.filter(progress_report::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(progress_report::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.first))
}
