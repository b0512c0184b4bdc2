//! Evidence for progress reports: photos and PDF documents uploaded with the GraphQL
//! multipart request spec.

use std::io::Read as _;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Upload};
use thidua_domain::evidence::{self as rules, EvidenceType};
use thidua_domain::id::of;
use thidua_domain::{FieldError, UserErrorCode};
use thidua_persistence::blobs::BlobContent;
use thidua_persistence::evidence::{self, NewAttachment};

use super::{finish, input_id, payload};
use crate::context::{actor, state};
use crate::error::{Failure, bad_input, internal};
use crate::types::attachment::Attachment;
use crate::uploads::{StagedFile, StagedUploads};

#[derive(Default)]
pub struct EvidenceMutation;

#[derive(InputObject)]
pub struct AttachEvidenceInput {
    /// The report the file is evidence for.
    pub report_id: ID,
    /// The file, as a part of a `multipart/form-data` request (GraphQL multipart request
    /// spec). A JPEG, PNG or WebP image or a PDF document, judged by its content.
    pub file: Upload,
}

payload!(AttachmentPayload, attachment: Attachment);

/// The staged upload, refusing (without keeping anything) one over `cap` bytes or of a
/// type other than the accepted ones. The HTTP layer streamed the part to a file and
/// hashed it; only its first bytes are read here, to judge the type.
async fn staged_checked(
    ctx: &Context<'_>,
    file: &Upload,
    cap: usize,
) -> Result<(Arc<StagedFile>, EvidenceType, String), Failure> {
    let missing = || Failure::Request(bad_input(&thidua_domain::msg!("file-part-missing")));
    let upload = file.value(ctx).map_err(|_| missing())?;
    let staged = ctx
        .data_opt::<StagedUploads>()
        .and_then(|s| s.0.get(file.0))
        .cloned()
        .ok_or_else(missing)?;
    if staged.size > u64::try_from(cap).unwrap_or(u64::MAX) {
        return Err(FieldError::new(
            "file",
            UserErrorCode::FileTooLarge,
            thidua_domain::msg!("file-too-large", max = cap),
        )
        .into());
    }
    let path = staged.path.clone();
    let head = tokio::task::spawn_blocking(move || {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        std::fs::File::open(path)?
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map(|_| head)
    })
    .await
    .map_err(|e| Failure::Request(internal(&e)))?
    .map_err(|e| Failure::Request(internal(&e)))?;
    let kind = rules::sniff(&head).ok_or_else(|| {
        FieldError::new(
            "file",
            UserErrorCode::UnsupportedFileType,
            thidua_domain::msg!("file-type-unsupported"),
        )
    })?;
    Ok((staged, kind, upload.filename))
}

/// Enough of a file's start for [`rules::sniff`].
const SNIFF_BYTES: usize = 64;

#[Object]
impl EvidenceMutation {
    /// Attaches a photo (JPEG, PNG, WebP) or a PDF document to a report, as a
    /// `multipart/form-data` request with an `Apollo-Require-Preflight: true` header.
    /// The type is judged by the file's bytes: anything else is UNSUPPORTED_FILE_TYPE.
    /// Files over the server's limit (default 10 MiB) are refused before they reach
    /// this mutation (HTTP 413, FILE_TOO_LARGE). The report's submitter, and whoever may
    /// submit reports for its unit, may attach; approved reports are locked (LOCKED).
    /// Sending the same file again for the same report returns the attachment already there.
    async fn attach_evidence(
        &self,
        ctx: &Context<'_>,
        input: AttachEvidenceInput,
    ) -> async_graphql::Result<AttachmentPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let report_id = input_id::<of::ProgressReport>(&input.report_id, "reportId")?;
            let (staged, kind, name) =
                staged_checked(ctx, &input.file, st.max_upload_bytes).await?;
            let new = NewAttachment {
                report_id,
                sha256: staged.sha256.clone(),
                size_bytes: i64::try_from(staged.size).unwrap_or(i64::MAX),
                content_type: kind.mime().to_owned(),
                file_name: rules::sanitize_file_name(&name, kind),
            };
            let txn = st
                .db
                .begin_write()
                .await
                .map_err(|e| Failure::Request(internal(&e)))?;
            let content = BlobContent::File(staged.path.clone());
            let r = evidence::attach(&txn, a, st.blobs.as_ref(), new, content).await;
            finish(txn, r).await.map(|(_, m)| Attachment(m))
        }
        .await;
        AttachmentPayload::from_result(res)
    }
}
