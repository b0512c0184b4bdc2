//! Progress reports: idempotent submission (one at a time or in bulk), review, and the
//! queries behind them.

use std::collections::{HashMap, HashSet};
use std::time::Duration;
use thidua_domain::id::ReportId;
use thidua_domain::id::{CampaignId, UnitId, UserId};
use thidua_domain::{Message, msg};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::campaign::CampaignStatus;
use thidua_domain::criterion::Measure;
use thidua_domain::org_unit::UnitFacts;
use thidua_domain::participation::ParticipationStatus;
use thidua_domain::report::{
    self as rules, Location, Period, RawValue, ReportContent, ReportStatus, Stored, Submission,
};
use thidua_domain::report_intake::{
    self, CampaignFacts, Facts, Refused, Sent, Verdict as IntakeVerdict,
};
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::entities::{
    campaign, criterion, org_unit, participation, progress_report, report_revision, report_value,
};
use crate::error::StoreError;
use crate::finder::finders;
use crate::page::{Page, PageRequest};
use crate::{Database, audit, changes, org_units, outbox, progress_rollups};

/// One report as a client sends it.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub id: ReportId,
    pub campaign_id: CampaignId,
    pub unit_id: UnitId,
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

pub type Submitted = Result<(Outcome, progress_report::Model), StoreError>;

impl NewReport {
    /// The submission as the intake rules read it.
    fn sent(&self) -> Sent<'_> {
        Sent {
            period: self.period,
            narrative: self.narrative.as_deref(),
            location: self.location,
            values: &self.values,
            version: self.version,
        }
    }
}

impl From<Refused> for StoreError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::One(f) => Self::Invalid(f),
            Refused::Many(fs) => Self::InvalidMany(fs),
        }
    }
}

fn invalid(field: &str, code: UserErrorCode, message: Message) -> StoreError {
    StoreError::Invalid(FieldError::new(field, code, message))
}

/// A campaign as the intake rules see it, and the code the audit trail names it by.
struct Campaign {
    code: String,
    facts: CampaignFacts,
}

/// Everything needed to judge a set of submissions, loaded in a fixed number of statements.
#[derive(Default)]
struct Known {
    units: HashMap<Uuid, org_unit::Model>,
    campaigns: HashMap<Uuid, Campaign>,
    registered: HashSet<(Uuid, Uuid)>,
    existing: HashMap<Uuid, (progress_report::Model, Stored)>,
}

/// Reads campaigns under a shared row lock (`SELECT … FOR SHARE` on PostgreSQL; a SQLite
/// write transaction holds the whole database already). Inside the transaction that writes
/// reports, this makes the status read the one the reports commit under: closing a campaign
/// locks its row for update first ([`crate::campaigns::lock`]), so a close waits for the
/// reports, or the reports wait for the close and see it. Shared, so submissions to the
/// same campaign do not queue behind each other.
async fn read_campaigns(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<campaign::Model>, StoreError> {
    Ok(campaign::Entity::find()
        .filter(campaign::Column::Id.is_in(ids))
        .lock_shared()
        .all(db)
        .await?)
}

/// The (campaign, unit) pairs among `campaign_ids` × `unit_ids` whose unit is registered,
/// read under a shared row lock for the same reason as [`read_campaigns`]: withdrawing
/// updates the participation row, so inside the transaction that writes reports a
/// withdrawal either waits for the reports or is seen by them (PostgreSQL re-checks the
/// status filter on a row it had to wait for).
async fn read_registered(
    db: &impl ConnectionTrait,
    campaign_ids: Vec<Uuid>,
    unit_ids: Vec<Uuid>,
) -> Result<HashSet<(Uuid, Uuid)>, StoreError> {
    Ok(participation::Entity::find()
        .filter(participation::Column::CampaignId.is_in(campaign_ids))
        .filter(participation::Column::UnitId.is_in(unit_ids))
        .filter(participation::Column::Status.eq(ParticipationStatus::Registered))
        .lock_shared()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.campaign_id, p.unit_id))
        .collect())
}

/// The primary key a concurrent submission of the same report id collides on: the one
/// unique violation that means "judge again" (it is then usually a DUPLICATE). Any other
/// is a fault and is not retried.
const SAME_REPORT_ID: &str = "progress_reports_pkey";

/// True when `e` is a lost race worth retrying: the same id inserted concurrently, or a
/// lock the database could not grant ([`crate::db_error::is_busy`]).
fn lost_a_race(e: &sea_orm::DbErr) -> bool {
    crate::db_error::unique_violation(e).is_some_and(|v| v.is(SAME_REPORT_ID))
        || crate::db_error::is_busy(e)
}

fn campaign_status(c: &campaign::Model) -> CampaignStatus {
    c.status
}

async fn preload(db: &impl ConnectionTrait, items: &[&NewReport]) -> Result<Known, StoreError> {
    let ids = |f: fn(&NewReport) -> Uuid| {
        let mut v: Vec<Uuid> = items.iter().map(|r| f(r)).collect();
        v.sort();
        v.dedup();
        v
    };
    let (unit_ids, campaign_ids, report_ids) = (
        ids(|r| r.unit_id.uuid()),
        ids(|r| r.campaign_id.uuid()),
        ids(|r| r.id.uuid()),
    );
    let mut known = Known {
        units: org_units::by_ids(db, &thidua_domain::id::typed(&unit_ids))
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect(),
        ..Known::default()
    };
    let campaigns = read_campaigns(db, campaign_ids.clone()).await?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::CampaignId.is_in(campaign_ids.clone()))
        .order_by_asc(criterion::Column::SortOrder)
        .order_by_asc(criterion::Column::Id)
        .all(db)
        .await?;
    let mut measures: HashMap<Uuid, Vec<(Uuid, Measure)>> = HashMap::new();
    for cr in criteria {
        let measure = cr.measure;
        measures
            .entry(cr.campaign_id)
            .or_default()
            .push((cr.id, measure));
    }
    known.campaigns = campaigns
        .into_iter()
        .map(|c| {
            let facts = CampaignFacts {
                id: c.id,
                status: campaign_status(&c),
                start: c.start_date,
                end: c.end_date,
                criteria: measures.remove(&c.id).unwrap_or_default(),
            };
            (
                c.id,
                Campaign {
                    code: c.code,
                    facts,
                },
            )
        })
        .collect();
    known.registered = read_registered(db, campaign_ids, unit_ids).await?;
    known.existing = progress_report::Entity::find()
        .filter(progress_report::Column::Id.is_in(report_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            let stored = Stored {
                campaign_id: e.campaign_id,
                unit_id: e.unit_id,
                status: e.status,
                version: e.version,
                content_hash: e.content_hash.clone(),
            };
            (e.id, (e, stored))
        })
        .collect();
    Ok(known)
}

/// A submission that passed every check and must be written.
struct Accepted<'a> {
    input: &'a NewReport,
    decision: Submission,
    content: ReportContent,
    unit: org_unit::Model,
    campaign_code: String,
    existing: Option<progress_report::Model>,
}

enum Verdict<'a> {
    Duplicate(Box<progress_report::Model>),
    Write(Box<Accepted<'a>>),
}

/// Hands what is known about one submission to the intake rules
/// ([`report_intake::judge`]) and keeps what writing it needs; no database access.
fn judge<'a>(known: &Known, actor: &Actor, r: &'a NewReport) -> Result<Verdict<'a>, StoreError> {
    let unit = known.units.get(&r.unit_id.uuid());
    let campaign = known.campaigns.get(&r.campaign_id.uuid());
    let existing = known.existing.get(&r.id.uuid());
    let facts = Facts {
        unit: unit.map(|u| UnitFacts {
            id: u.id,
            path: &u.path,
        }),
        campaign: campaign.map(|c| &c.facts),
        participating: known
            .registered
            .contains(&(r.campaign_id.uuid(), r.unit_id.uuid())),
        stored: existing.map(|(_, s)| s),
    };
    let verdict = report_intake::judge(actor, facts, r.sent())?;
    // The rules refuse a submission whose unit or campaign is unknown, and call only a
    // stored report a duplicate, so what follows is always there.
    let (Some(unit), Some(campaign)) = (unit, campaign) else {
        return Err(StoreError::NotFound("campaign"));
    };
    match verdict {
        IntakeVerdict::Duplicate => existing
            .map(|(m, _)| Verdict::Duplicate(Box::new(m.clone())))
            .ok_or(StoreError::NotFound("report")),
        IntakeVerdict::Write { decision, content } => Ok(Verdict::Write(Box::new(Accepted {
            input: r,
            decision,
            content,
            unit: unit.clone(),
            campaign_code: campaign.code.clone(),
            existing: existing.map(|(m, _)| m.clone()),
        }))),
    }
}

/// Judges and writes one report on the caller's connection or transaction, with no
/// retry: what [`submit`] does inside its transaction, for a caller (the demo seed) that
/// writes much more in one transaction of its own.
pub async fn submit_in(db: &impl ConnectionTrait, actor: &Actor, input: &NewReport) -> Submitted {
    let known = preload(db, &[input]).await?;
    match judge(&known, actor, input)? {
        Verdict::Duplicate(m) => Ok((Outcome::Duplicate, *m)),
        Verdict::Write(a) => {
            let mut saved = write(db, actor, vec![*a]).await?;
            saved
                .pop()
                .map(|m| (Outcome::Accepted, m))
                .ok_or(StoreError::NotFound("report"))
        }
    }
}

/// Submits one report in its own transaction. A concurrent submission of the same id
/// loses the race on the primary key and is then judged again (usually a DUPLICATE).
pub async fn submit(db: &Database, actor: &Actor, input: &NewReport) -> Submitted {
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let txn = db.begin_write().await?;
        let res = submit_in(&txn, actor, input).await;
        match res {
            Ok(out) => {
                txn.commit().await?;
                return Ok(out);
            }
            Err(StoreError::Db(e)) if attempt < 5 && lost_a_race(&e) => {
                let _ = txn.rollback().await;
                tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
            }
            Err(e) => {
                let _ = txn.rollback().await;
                return Err(e);
            }
        }
    }
}

/// Submits a batch. New reports are judged together and written in one transaction with
/// one multi-row statement per table; edits, resubmissions, repeated ids and any write the
/// database refuses (a concurrent submission of the same id) fall back to [`submit`], one
/// transaction each, so one item never sinks the others. Results keep the input order.
pub async fn submit_batch(db: &Database, actor: &Actor, items: &[NewReport]) -> Vec<Submitted> {
    let batch = judge_batch(db, actor, items).await;
    write_batch(db, actor, batch).await
}

/// A batch judged against what was stored when it was read, not yet written.
pub struct JudgedBatch<'a> {
    items: &'a [NewReport],
    results: Vec<Option<Submitted>>,
    /// New reports to write together.
    bulk: Vec<(usize, Accepted<'a>)>,
    /// Positions to submit one by one, each in its own transaction.
    one_by_one: Vec<usize>,
}

/// The first half of [`submit_batch`]: reads what the batch needs once, outside any write
/// transaction (so a large batch does not hold the write lock while it is judged), and
/// judges every item. Public so a test can change the data between the halves.
pub async fn judge_batch<'a>(
    db: &Database,
    actor: &Actor,
    items: &'a [NewReport],
) -> JudgedBatch<'a> {
    let mut results: Vec<Option<Submitted>> = items.iter().map(|_| None).collect();
    let refs: Vec<&NewReport> = items.iter().collect();
    let known = match preload(&db.conn, &refs).await {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "bulk preload failed; submitting one by one");
            Known::default()
        }
    };
    let mut seen = HashSet::new();
    let mut bulk: Vec<(usize, Accepted<'_>)> = vec![];
    let mut one_by_one = vec![];
    for (i, r) in items.iter().enumerate() {
        if !seen.insert(r.id) || known.units.is_empty() {
            one_by_one.push(i);
            continue;
        }
        match judge(&known, actor, r) {
            Ok(Verdict::Duplicate(m)) => results[i] = Some(Ok((Outcome::Duplicate, *m))),
            Ok(Verdict::Write(a)) if a.decision == Submission::Create => bulk.push((i, *a)),
            Ok(Verdict::Write(_)) => one_by_one.push(i),
            Err(StoreError::Db(_)) => one_by_one.push(i),
            Err(e) => results[i] = Some(Err(e)),
        }
    }
    JudgedBatch {
        items,
        results,
        bulk,
        one_by_one,
    }
}

/// The second half of [`submit_batch`]: writes the new reports together, then submits the
/// rest one by one. The campaigns and registrations were judged from a read taken before
/// the write transaction, so it reads them again inside it, under lock; a report whose
/// campaign stopped taking reports, or whose unit withdrew, meanwhile is not written with
/// the others but submitted on its own, where it is judged afresh.
pub async fn write_batch(db: &Database, actor: &Actor, batch: JudgedBatch<'_>) -> Vec<Submitted> {
    let JudgedBatch {
        items,
        mut results,
        bulk,
        mut one_by_one,
    } = batch;
    if !bulk.is_empty() {
        let (written, retry) = write_new(db, actor, bulk).await;
        for (i, m) in written {
            results[i] = Some(Ok((Outcome::Accepted, m)));
        }
        one_by_one.extend(retry);
    }
    one_by_one.sort_unstable();
    for i in one_by_one {
        if let Some(r) = items.get(i) {
            results[i] = Some(submit(db, actor, r).await);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(StoreError::NotFound("report"))))
        .collect()
}

/// Writes new reports in one transaction, after checking, as read inside it, that their
/// campaigns still take new reports and their units are still registered. Returns the
/// positions written with their rows, and the positions to submit one by one (the
/// campaign or the registration changed, or the write failed).
async fn write_new(
    db: &Database,
    actor: &Actor,
    bulk: Vec<(usize, Accepted<'_>)>,
) -> (Vec<(usize, progress_report::Model)>, Vec<usize>) {
    let all: Vec<usize> = bulk.iter().map(|(i, _)| *i).collect();
    let txn = match db.begin_write().await {
        Ok(t) => t,
        Err(_) => return (vec![], all),
    };
    let res = async {
        let ids = |f: fn(&Accepted<'_>) -> Uuid| {
            let mut v: Vec<Uuid> = bulk.iter().map(|(_, a)| f(a)).collect();
            v.sort();
            v.dedup();
            v
        };
        let (campaign_ids, unit_ids) = (ids(|a| a.content.campaign_id), ids(|a| a.content.unit_id));
        let open: HashSet<Uuid> = read_campaigns(&txn, campaign_ids.clone())
            .await?
            .iter()
            .filter(|c| report_intake::intake(campaign_status(c), false).is_ok())
            .map(|c| c.id)
            .collect();
        let registered = read_registered(&txn, campaign_ids, unit_ids).await?;
        let (take, late): (Vec<_>, Vec<_>) = bulk.into_iter().partition(|(_, a)| {
            let c = &a.content;
            open.contains(&c.campaign_id) && registered.contains(&(c.campaign_id, c.unit_id))
        });
        let late: Vec<usize> = late.into_iter().map(|(i, _)| i).collect();
        if take.is_empty() {
            return Ok((vec![], late));
        }
        let positions: Vec<usize> = take.iter().map(|(i, _)| *i).collect();
        let saved = write(&txn, actor, take.into_iter().map(|(_, a)| a).collect()).await?;
        Ok::<_, StoreError>((positions.into_iter().zip(saved).collect(), late))
    }
    .await;
    match res {
        Ok(out) => match txn.commit().await {
            Ok(()) => out,
            Err(_) => (vec![], all),
        },
        Err(_) => {
            let _ = txn.rollback().await;
            (vec![], all)
        }
    }
}

fn revision_row(
    a: &Accepted<'_>,
    id: Uuid,
    revision: i32,
    actor: &Actor,
    now: chrono::DateTime<Utc>,
) -> report_revision::ActiveModel {
    let r = a.input;
    let snapshot = json!({
        "period": {"kind": r.period.kind.as_str(), "start": r.period.start, "end": r.period.end},
        "narrative": r.narrative,
        "location": r.location.map(|l| json!({"latitude": l.latitude, "longitude": l.longitude})),
        "values": a.content.values.iter().map(|(c, v)| json!({"criterionId": c, "value": v.normalize().to_string()})).collect::<Vec<_>>(),
    });
    report_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        report_id: Set(id),
        revision: Set(revision),
        content_hash: Set(a.content.hash()),
        content: Set(snapshot.to_string()),
        outcome: Set(ReportStatus::Submitted),
        return_reason: Set(None),
        submitted_by: Set(actor.user_id),
        submitted_at: Set(now),
    }
}

/// Writes accepted submissions: new reports with multi-row inserts, edits and
/// resubmissions one by one (guarded by their version). Returns the stored rows in order.
async fn write(
    db: &impl ConnectionTrait,
    actor: &Actor,
    accepted: Vec<Accepted<'_>>,
) -> Result<Vec<progress_report::Model>, StoreError> {
    let now = Utc::now();
    let mut saved = Vec::with_capacity(accepted.len());
    let mut new_rows = vec![];
    for a in &accepted {
        let r = a.input;
        match (&a.existing, a.decision) {
            (None, _) | (_, Submission::Create) => {
                let m = progress_report::Model {
                    id: r.id.uuid(),
                    campaign_id: a.content.campaign_id,
                    unit_id: a.content.unit_id,
                    period_kind: r.period.kind,
                    period_start: r.period.start,
                    period_end: r.period.end,
                    narrative: r.narrative.clone(),
                    latitude: r.location.map(|l| l.latitude),
                    longitude: r.location.map(|l| l.longitude),
                    status: ReportStatus::Submitted,
                    revision: 1,
                    version: 1,
                    content_hash: a.content.hash(),
                    submitted_by: actor.user_id,
                    submitted_at: now,
                    reviewed_by: None,
                    reviewed_at: None,
                    return_reason: None,
                    updated_at: now,
                };
                new_rows.push(progress_report::ActiveModel::from(m.clone()));
                saved.push(m);
            }
            (Some(e), decision) => {
                let revision = if decision == Submission::Resubmit {
                    e.revision + 1
                } else {
                    e.revision
                };
                let res = progress_report::Entity::update_many()
                    .col_expr(
                        progress_report::Column::PeriodKind,
                        Expr::val(r.period.kind),
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
                        Expr::val(ReportStatus::Submitted),
                    )
                    .col_expr(progress_report::Column::Revision, Expr::val(revision))
                    .col_expr(progress_report::Column::Version, Expr::val(e.version + 1))
                    .col_expr(
                        progress_report::Column::ContentHash,
                        Expr::val(a.content.hash()),
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
                        msg!("report-changed-sync"),
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
                let m = progress_report::Entity::find_by_id(e.id)
                    .one(db)
                    .await?
                    .ok_or(StoreError::NotFound("report"))?;
                saved.push(m);
            }
        }
    }
    if !new_rows.is_empty() {
        progress_report::Entity::insert_many(new_rows)
            .exec(db)
            .await?;
    }
    let values: Vec<report_value::ActiveModel> = accepted
        .iter()
        .zip(&saved)
        .flat_map(|(a, m)| {
            a.content
                .values
                .iter()
                .map(|(criterion_id, value)| report_value::ActiveModel {
                    report_id: Set(m.id),
                    criterion_id: Set(*criterion_id),
                    value: Set(*value),
                })
        })
        .collect();
    for chunk in values.chunks(1000) {
        report_value::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    let revisions: Vec<_> = accepted
        .iter()
        .zip(&saved)
        .map(|(a, m)| revision_row(a, m.id, m.revision, actor, now))
        .collect();
    for chunk in revisions.chunks(500) {
        report_revision::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    let feed: Vec<changes::NewChange<'_>> = accepted
        .iter()
        .zip(&saved)
        .map(|(a, m)| changes::NewChange {
            entity: changes::ChangeEntity::ProgressReport,
            entity_id: m.id,
            op: changes::ChangeOp::Upsert,
            unit_path: Some(&a.unit.path),
            user_id: m.submitted_by,
        })
        .collect();
    changes::record_many(db, &feed).await?;
    outbox::record_many(
        db,
        outbox::submitted(
            actor,
            accepted.iter().map(|a| a.unit.path.as_str()).zip(&saved),
        ),
    )
    .await?;
    let entries = accepted
        .iter()
        .zip(&saved)
        .map(|(a, m)| audit::Entry {
            entity: AuditEntity::ProgressReport,
            entity_id: m.id,
            action: match a.decision {
                Submission::Resubmit => AuditAction::Resubmit,
                Submission::Update => AuditAction::Update,
                _ => AuditAction::Submit,
            },
            summary: json!({"campaign": a.campaign_code, "unit": a.unit.code, "revision": m.revision}),
        })
        .collect::<Vec<_>>();
    audit::record_many(db, actor, entries).await?;
    Ok(saved)
}

/// Approves (locking it) or returns (with a reason) a report awaiting review.
pub async fn review(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ReportId,
    approve: bool,
    reason: Option<String>,
) -> Result<progress_report::Model, StoreError> {
    let r = progress_report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("report"))?;
    let unit = org_units::referenced(db, UnitId::from_uuid(r.unit_id)).await?;
    actor.authorize(Action::ReviewReport, &unit.path)?;
    rules::check_review(r.status, approve, reason.as_deref())?;
    let (to, reason) = if approve {
        (ReportStatus::Approved, None)
    } else {
        (ReportStatus::Returned, reason)
    };
    let now = Utc::now();
    let res = progress_report::Entity::update_many()
        .col_expr(progress_report::Column::Status, Expr::val(to))
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
        return Err(StoreError::Conflict(msg!("report-changed")));
    }
    if approve {
        progress_rollups::refresh(db, r.campaign_id, r.unit_id, r.period_start, r.period_end)
            .await?;
    }
    report_revision::Entity::update_many()
        .col_expr(report_revision::Column::Outcome, Expr::val(to))
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
        changes::ChangeEntity::ProgressReport,
        id.uuid(),
        changes::ChangeOp::Upsert,
        Some(&unit.path),
        r.submitted_by,
    )
    .await?;
    outbox::record(
        db,
        outbox::reviewed(&unit.path, &r, actor, approve, reason.as_deref()),
    )
    .await?;
    let action = if approve {
        AuditAction::Approve
    } else {
        AuditAction::Return
    };
    audit::record(
        db,
        actor,
        AuditEntity::ProgressReport,
        id.uuid(),
        action,
        json!({"revision": r.revision, "reason": reason}),
    )
    .await?;
    progress_report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("report"))
}

finders! {
    pub fn by_ids(ids: &[ReportId]) in progress_report::Id;
    pub fn values_by_report_ids(ids: &[ReportId]) in report_value::ReportId;
    pub fn revisions_by_report_ids(ids: &[ReportId]) in report_revision::ReportId, asc(Revision);
}

/// The latest report `user` submitted for each of `campaign_ids`.
pub async fn latest_by_user(
    db: &impl ConnectionTrait,
    user_id: UserId,
    campaign_ids: &[CampaignId],
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
    pub campaign_id: Option<CampaignId>,
    /// Reports of units in this subtree.
    pub subtree_path: Option<String>,
    pub status: Option<ReportStatus>,
    /// Only what the caller may read: units under these paths, or submitted by this user.
    pub readable_paths: Vec<String>,
    pub reader_id: Option<UserId>,
}

/// Reports, newest id first (ids are UUID v7 from the phone: roughly creation order).
pub async fn list(
    db: &impl ConnectionTrait,
    f: &ReportFilter,
    page: &PageRequest,
) -> Result<Page<progress_report::Model>, StoreError> {
    let rows = page_query(db.get_database_backend(), f, page)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        crate::page::CountQuery::of(progress_report::Entity, list_condition(f)),
    ))
}

/// One page of [`list`]: `page.first + 1` reports, newest id first.
fn page_query(
    backend: sea_orm::DatabaseBackend,
    f: &ReportFilter,
    page: &PageRequest,
) -> sea_orm::Select<progress_report::Entity> {
    let walk_ids = backend == sea_orm::DatabaseBackend::Sqlite;
    let mut q = progress_report::Entity::find().filter(condition(f, walk_ids));
    if let Some(after) = &page.after {
        q = q.filter(progress_report::Column::Id.lt(after.id));
    }
    q.order_by_desc(progress_report::Column::Id)
        .limit(page.first + 1)
}

/// The statement [`list`] reads a page with, for a test to ask the database for its plan.
pub fn page_statement(
    backend: sea_orm::DatabaseBackend,
    f: &ReportFilter,
    page: &PageRequest,
) -> sea_orm::Statement {
    use sea_orm::QueryTrait;
    page_query(backend, f, page).build(backend)
}

/// The reports a filter selects among those the reader may read, shared by the page's
/// count and the export.
pub(crate) fn list_condition(f: &ReportFilter) -> sea_orm::Condition {
    condition(f, false)
}

/// [`list_condition`]; with `walk_ids`, the unit terms read `+unit_id`, which SQLite serves
/// from no index. Without statistics (a server never runs `ANALYZE`) SQLite otherwise reads
/// every report of the subtree through the unit index and sorts them all for one page;
/// walking the ids backwards stops once the page is full (a subtree's reports are spread
/// over the ids, so a subtree holding a share s of them fills a page of n after about n / s
/// rows). The count keeps the index: it reads every report of the subtree anyway.
fn condition(f: &ReportFilter, walk_ids: bool) -> sea_orm::Condition {
    use sea_orm::Condition;
    use sea_orm::sea_query::ExprTrait;
    let unit = || {
        if walk_ids {
            Expr::cust("+\"progress_reports\".\"unit_id\"")
        } else {
            Expr::col((progress_report::Entity, progress_report::Column::UnitId))
        }
    };
    let mut c = Condition::all();
    if let Some(id) = f.campaign_id {
        c = c.add(progress_report::Column::CampaignId.eq(id));
    }
    if let Some(s) = f.status {
        c = c.add(progress_report::Column::Status.eq(s));
    }
    let unit_ids_under = crate::org_units::ids_in_subtree;
    if let Some(p) = &f.subtree_path {
        c = c.add(unit().in_subquery(unit_ids_under(p)));
    }
    let mut readable = Condition::any();
    for p in &f.readable_paths {
        readable = readable.add(unit().in_subquery(unit_ids_under(p)));
    }
    if let Some(u) = f.reader_id {
        readable = readable.add(progress_report::Column::SubmittedBy.eq(u));
    }
    c.add(readable)
}
