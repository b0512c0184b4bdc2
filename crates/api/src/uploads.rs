//! Files of a multipart request, staged on disk by the HTTP layer before GraphQL runs:
//! streamed to a temporary file under the data directory and hashed on the way, so no
//! upload is held in memory and storing it is a rename.

use std::path::PathBuf;
use std::sync::Arc;

/// One staged file part. The file is removed when this is dropped (at the end of the
/// request, whatever happened), unless the blob store has moved it away already.
#[derive(Debug)]
pub struct StagedFile {
    pub path: PathBuf,
    /// Lower-case hex sha256 of the content.
    pub sha256: String,
    pub size: u64,
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, path = %self.path.display(), "removing a staged upload failed");
        }
    }
}

/// The staged files of one GraphQL request, indexed like its `Upload` values (an
/// `Upload(i)` names `self.0[i]`). Request data, set by the HTTP layer.
#[derive(Debug, Default)]
pub struct StagedUploads(pub Vec<Arc<StagedFile>>);
