//! Evidence files attached to progress reports.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::id;
use thidua_persistence::entities::attachment;

use crate::ids;

#[derive(Clone)]
pub struct Attachment(pub attachment::Model);

/// An evidence file (a JPEG, PNG or WebP photo, or a PDF document) attached to a
/// progress report. Download it from `downloadUrl` with the same bearer token.
#[Object]
impl Attachment {
    pub async fn id(&self) -> ID {
        ids::encode(id::AttachmentId::from_uuid(self.0.id))
    }

    /// The name the file was sent with, reduced to a safe base name (no directories or
    /// control characters, at most 255 characters, ending with its real type's extension).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// The type found in the file's bytes: `image/jpeg`, `image/png`, `image/webp` or
    /// `application/pdf` (never what the client declared).
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }

    /// Lower-case hex sha256 of the content; the same file is stored once.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Path of the file on this server, `/evidence/<uuid>`: `GET` it with
    /// `Authorization: Bearer <token>`. Readable by whoever may read the report.
    async fn download_url(&self) -> String {
        format!("/evidence/{}", self.0.id)
    }
}
