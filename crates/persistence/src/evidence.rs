//! Evidence attached to progress reports: who may attach, storing each file once per
//! report, and what a download needs to decide access.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::json;
use thidua_domain::access::{Action, Actor};
use thidua_domain::id::UnitId;
use thidua_domain::id::{AttachmentId, ReportId};
use thidua_domain::msg;
use thidua_domain::report::ReportStatus;
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntity};
use crate::blobs::{BlobContent, BlobStore};
use crate::entities::{attachment, progress_report};
use crate::error::StoreError;
use crate::finder::finders;
use crate::{audit, changes, org_units};

/// A checked evidence file: its type sniffed from its bytes, its name sanitised and its
/// hash computed by the caller.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub report_id: ReportId,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub file_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new attachment (and, if no report held these bytes before, a new blob).
    Attached,
    /// The report already had this file; nothing changed.
    Duplicate,
}

/// The report `actor` wants to attach evidence to, with its unit's path, if they may:
/// its submitter, or anyone who may submit reports for its unit. Approved reports are
/// locked (LOCKED).
pub async fn check(
    db: &impl ConnectionTrait,
    actor: &Actor,
    report_id: Uuid,
) -> Result<(progress_report::Model, String), StoreError> {
    let r = progress_report::Entity::find_by_id(report_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("report"))?;
    let unit = org_units::referenced(db, UnitId::from_uuid(r.unit_id)).await?;
    let own = r.submitted_by.is_some() && r.submitted_by == actor.user_id;
    if !own {
        actor.authorize(Action::SubmitReport, &unit.path)?;
    }
    if r.status == ReportStatus::Approved {
        return Err(StoreError::Invalid(FieldError::new(
            "reportId",
            UserErrorCode::Locked,
            msg!("evidence-locked"),
        )));
    }
    Ok((r, unit.path))
}

async fn existing(
    db: &impl ConnectionTrait,
    report_id: Uuid,
    sha256: &str,
) -> Result<Option<attachment::Model>, StoreError> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::ReportId.eq(report_id))
        .filter(attachment::Column::Sha256.eq(sha256))
        .one(db)
        .await?)
}

fn blob_error(e: &std::io::Error) -> StoreError {
    StoreError::Db(DbErr::Custom(format!("storing an evidence file: {e}")))
}

/// Attaches a checked file to a report, in the caller's transaction: authorises first,
/// so a refused upload never reaches the blob store; then stores the bytes (once per
/// content) and the row (once per report and content), with an audit entry and a
/// change-feed entry for the report. The same file sent again for the same report, even
/// concurrently, returns the attachment already there.
pub async fn attach(
    db: &impl ConnectionTrait,
    actor: &Actor,
    blobs: &dyn BlobStore,
    new: NewAttachment,
    content: BlobContent,
) -> Result<(Outcome, attachment::Model), StoreError> {
    let (report, unit_path) = check(db, actor, new.report_id.uuid()).await?;
    if let Some(a) = existing(db, report.id, &new.sha256).await? {
        // Repairs a blob lost from the store since.
        if !crate::blobs::stored(db, blobs, &a.sha256)
            .await
            .map_err(|e| blob_error(&e))?
        {
            content
                .store(db, blobs, &a.sha256)
                .await
                .map_err(|e| blob_error(&e))?;
        }
        return Ok((Outcome::Duplicate, a));
    }
    // Bytes first: a row never points at a missing blob. If the transaction fails after
    // this, the blob stays unreferenced (harmless: content-addressed, and reused if the
    // file is sent again).
    content
        .store(db, blobs, &new.sha256)
        .await
        .map_err(|e| blob_error(&e))?;
    let id = Uuid::now_v7();
    let inserted = attachment::Entity::insert(attachment::ActiveModel {
        id: Set(id),
        report_id: Set(report.id),
        sha256: Set(new.sha256.clone()),
        size_bytes: Set(new.size_bytes),
        content_type: Set(new.content_type.clone()),
        file_name: Set(new.file_name.clone()),
        uploaded_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([attachment::Column::ReportId, attachment::Column::Sha256])
    .exec_without_returning(db)
    .await?;
    if !matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        // A concurrent upload of the same file won the race.
        let a = existing(db, report.id, &new.sha256)
            .await?
            .ok_or(StoreError::NotFound("attachment"))?;
        return Ok((Outcome::Duplicate, a));
    }
    changes::record(
        db,
        changes::ChangeEntity::ProgressReport,
        report.id,
        changes::ChangeOp::Upsert,
        Some(&unit_path),
        report.submitted_by,
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::ProgressReport,
        report.id,
        AuditAction::AttachEvidence,
        json!({
            "attachment": id,
            "sha256": new.sha256,
            "sizeBytes": new.size_bytes,
            "contentType": new.content_type,
            "fileName": new.file_name,
        }),
    )
    .await?;
    attachment::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|a| (Outcome::Attached, a))
        .ok_or(StoreError::NotFound("attachment"))
}

finders! {
    /// Attachments of these reports, oldest first (the DataLoader behind `attachments`).
    pub fn by_report_ids(ids: &[ReportId]) in attachment::ReportId, asc(CreatedAt), asc(Id);
    pub fn by_ids(ids: &[AttachmentId]) in attachment::Id;
}

/// What a download needs: the attachment, and its report's unit path and submitter
/// (for [`Actor::may_read_report`]).
#[derive(Debug, Clone)]
pub struct Downloadable {
    pub attachment: attachment::Model,
    pub unit_path: String,
    pub submitted_by: Option<Uuid>,
}

pub async fn for_download(
    db: &impl ConnectionTrait,
    id: AttachmentId,
) -> Result<Option<Downloadable>, StoreError> {
    let Some(a) = attachment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let Some(r) = progress_report::Entity::find_by_id(a.report_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let unit = org_units::referenced(db, UnitId::from_uuid(r.unit_id)).await?;
    Ok(Some(Downloadable {
        attachment: a,
        unit_path: unit.path,
        submitted_by: r.submitted_by,
    }))
}
