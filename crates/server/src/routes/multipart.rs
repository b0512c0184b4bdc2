//! Multipart GraphQL requests (the GraphQL multipart request spec) received without
//! holding files in memory. The caller is checked, and an upload slot taken, before any
//! of the body is read; each file part then streams to a temporary file under the data
//! directory, hashed and size-checked on the way, and the evidence store takes the file
//! by renaming it. Staged files are removed when the request ends, however it ends.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use thidua_domain::{Message, msg};

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::{BatchRequest, UploadValue};
use futures_util::{Stream, StreamExt as _};
use multer::{Constraints, Multipart, SizeLimit};
use sha2::{Digest as _, Sha256};
use thidua_api::Caller;
use thidua_api::uploads::{StagedFile, StagedUploads};
use thidua_domain::ErrorCode;
use tokio::sync::OwnedSemaphorePermit;

use super::graphql::MAX_FILES_PER_REQUEST;
use crate::refusal::{Challenge, bad_request, busy, refuse, unauthenticated};
use crate::startup::AppState;

/// Bytes gathered before each write to a staged file: the most one upload holds in memory.
const WRITE_CHUNK: usize = 256 * 1024;
/// Body chunks in flight between the socket and the parser.
const PIPE_DEPTH: usize = 4;
/// Name prefix of staged files (what the start-up sweep looks for).
const STAGED_PREFIX: &str = "upload-";
/// Staged files older than this are left over from a crash: the start-up sweep removes them.
const STALE_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Largest file part.
    file: u64,
    /// Largest whole body.
    body: u64,
    /// Largest `operations` or `map` part.
    json: u64,
    files: usize,
}

#[derive(Debug)]
enum Failure {
    /// Over a limit; `field` names the part when one part was too large.
    TooLarge {
        field: Option<String>,
    },
    TooManyFiles,
    Malformed(String),
    Io(std::io::Error),
}

impl From<multer::Error> for Failure {
    fn from(e: multer::Error) -> Self {
        match e {
            multer::Error::StreamSizeExceeded { .. } => Self::TooLarge { field: None },
            multer::Error::FieldSizeExceeded { field_name, .. } => {
                Self::TooLarge { field: field_name }
            }
            multer::Error::StreamReadFailed(e) => {
                Self::Malformed(format!("the request body could not be read: {e}"))
            }
            other => Self::Malformed(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Receives a multipart request of a signed-in caller: the batch, with each request's
/// staged files as [`StagedUploads`] request data, and the upload slot it holds (keep it
/// until the request is answered). Refusals are answered before the body is read where
/// they can be: 401 for a caller who is not signed in, 413 from `Content-Length`, 503
/// RATE_LIMITED with `Retry-After` when every upload slot is taken.
pub async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    app: &AppState,
    caller: &Caller,
    content_type: &str,
) -> Result<(BatchRequest, OwnedSemaphorePermit), HttpResponse> {
    match caller {
        Caller::User(_) => {}
        Caller::Anonymous => return Err(unauthenticated(req, &app.metrics, Challenge::NoToken)),
        Caller::InvalidToken => {
            return Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken));
        }
    }
    let limits = Limits {
        file: as_u64(app.max_upload_bytes),
        body: as_u64(app.multipart_body_bytes),
        json: as_u64(app.max_body_bytes),
        files: MAX_FILES_PER_REQUEST,
    };
    let file_too_large = || {
        refuse(
            req,
            &app.metrics,
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::FileTooLarge,
            &msg!(
                "upload-too-large",
                file = limits.file,
                request = limits.body
            ),
        )
    };
    let bad_request = |message: &Message| bad_request(req, &app.metrics, message);
    if declared_length(req).is_some_and(|n| n > limits.body) {
        return Err(file_too_large());
    }
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| bad_request(&msg!("malformed-request", detail = e.to_string())))?;
    let Ok(slot) = Arc::clone(&app.upload_slots).try_acquire_owned() else {
        return Err(busy(req, &app.metrics, &msg!("uploads-busy"), 1));
    };
    match receive_streamed(payload, boundary, limits, &app.upload_staging_dir).await {
        Ok(batch) => Ok((batch, slot)),
        Err(Failure::TooLarge { field: Some(part) }) if part == "operations" || part == "map" => {
            Err(refuse(
                req,
                &app.metrics,
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BadUserInput,
                &msg!("part-too-large", part = part, limit = limits.json),
            ))
        }
        Err(Failure::TooLarge { .. }) => Err(file_too_large()),
        Err(Failure::TooManyFiles) => Err(bad_request(&msg!(
            "too-many-files",
            max = MAX_FILES_PER_REQUEST
        ))),
        Err(Failure::Malformed(m)) => Err(bad_request(&msg!(
            "malformed-request",
            detail = m.to_string()
        ))),
        Err(Failure::Io(e)) => {
            tracing::error!(error = %e, "staging an upload failed");
            Err(refuse(
                req,
                &app.metrics,
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal,
                &msg!("upload-not-stored"),
            ))
        }
    }
}

/// Feeds the body to the parser through a small channel (the parser needs a `Send`
/// stream; actix's payload is not), stopping as soon as the parser is done.
async fn receive_streamed(
    mut payload: web::Payload,
    boundary: String,
    limits: Limits,
    dir: &Path,
) -> Result<BatchRequest, Failure> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(PIPE_DEPTH);
    let pump = async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    };
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let parse = parse(body, boundary, limits, dir);
    tokio::pin!(pump, parse);
    let mut pumping = true;
    loop {
        tokio::select! {
            r = &mut parse => return r,
            () = &mut pump, if pumping => pumping = false,
        }
    }
}

/// One file part before it is mapped into the operations.
struct Part {
    name: String,
    file_name: String,
    content_type: Option<String>,
    staged: Arc<StagedFile>,
}

async fn parse(
    body: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    boundary: String,
    limits: Limits,
    dir: &Path,
) -> Result<BatchRequest, Failure> {
    let size_limit = SizeLimit::new()
        .whole_stream(limits.body)
        .per_field(limits.file)
        .for_field("operations", limits.json)
        .for_field("map", limits.json);
    let mut multipart =
        Multipart::with_constraints(body, boundary, Constraints::new().size_limit(size_limit));
    let mut operations: Option<BatchRequest> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut parts: Vec<Part> = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        match name.as_str() {
            "operations" => {
                let bytes = field.bytes().await?;
                operations = Some(serde_json::from_slice(&bytes).map_err(|e| {
                    Failure::Malformed(format!("the operations part is not a request: {e}"))
                })?);
            }
            "map" => {
                let bytes = field.bytes().await?;
                map = Some(serde_json::from_slice(&bytes).map_err(|e| {
                    Failure::Malformed(format!("the map part is not a map of files: {e}"))
                })?);
            }
            _ => {
                let (Some(_), Some(m)) = (&operations, &map) else {
                    return Err(Failure::Malformed(
                        "the operations and map parts come before the files".into(),
                    ));
                };
                // A part the map does not name, or no file, is skipped unread.
                let Some(file_name) = field.file_name().map(str::to_owned) else {
                    continue;
                };
                if !m.contains_key(&name) {
                    continue;
                }
                if parts.len() >= limits.files {
                    return Err(Failure::TooManyFiles);
                }
                let content_type = field.content_type().map(ToString::to_string);
                let staged = stage(field, dir).await?;
                parts.push(Part {
                    name,
                    file_name,
                    content_type,
                    staged: Arc::new(staged),
                });
            }
        }
    }
    let batch = operations.ok_or_else(|| Failure::Malformed("no operations part".into()))?;
    let map = map.ok_or_else(|| Failure::Malformed("no map part".into()))?;
    map_files(batch, map, parts)
}

/// Sets each mapped variable to its file (as async-graphql does) and gives every request
/// its staged files in the order of its `Upload` indexes.
fn map_files(
    mut batch: BatchRequest,
    mut map: HashMap<String, Vec<String>>,
    parts: Vec<Part>,
) -> Result<BatchRequest, Failure> {
    let count = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(v) => v.len(),
    };
    let mut staged: Vec<Vec<Arc<StagedFile>>> = vec![Vec::new(); count];
    for part in parts {
        let Some(paths) = map.remove(&part.name) else {
            continue;
        };
        for path in paths {
            let (i, request, var_path) = match &mut batch {
                BatchRequest::Single(r) => (0, r, path.as_str()),
                BatchRequest::Batch(rs) => {
                    let Some((i, rest)) = path.split_once('.') else {
                        continue;
                    };
                    let Some((i, r)) = i
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| rs.get_mut(i).map(|r| (i, r)))
                    else {
                        continue;
                    };
                    (i, r, rest)
                }
            };
            let before = request.uploads.len();
            request.set_upload(
                var_path,
                UploadValue {
                    filename: part.file_name.clone(),
                    content_type: part.content_type.clone(),
                    content: Bytes::new(),
                },
            );
            if request.uploads.len() > before
                && let Some(list) = staged.get_mut(i)
            {
                list.push(Arc::clone(&part.staged));
            }
        }
    }
    if !map.is_empty() {
        return Err(Failure::Malformed(
            "the map names file parts the request does not carry".into(),
        ));
    }
    let mut staged = staged.into_iter();
    Ok(match batch {
        BatchRequest::Single(r) => {
            BatchRequest::Single(r.data(StagedUploads(staged.next().unwrap_or_default())))
        }
        BatchRequest::Batch(rs) => BatchRequest::Batch(
            rs.into_iter()
                .map(|r| r.data(StagedUploads(staged.next().unwrap_or_default())))
                .collect(),
        ),
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::Io(std::io::Error::other(e.to_string())))?
        .map_err(Failure::Io)
}

/// Streams one file part to a new file in `dir`, hashing it; the multipart size limits
/// stop it at the upload limit. The file is removed on any failure (the guard's drop).
async fn stage(mut field: multer::Field<'static>, dir: &Path) -> Result<StagedFile, Failure> {
    let path = dir.join(format!("{STAGED_PREFIX}{}", uuid::Uuid::now_v7().simple()));
    let mut staged = StagedFile {
        path: path.clone(),
        sha256: String::new(),
        size: 0,
    };
    let dir = dir.to_path_buf();
    let mut file = blocking(move || {
        std::fs::create_dir_all(&dir)?;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
    })
    .await?;
    let mut hasher = Sha256::new();
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_CHUNK);
    let mut size: u64 = 0;
    loop {
        let chunk = field.chunk().await?;
        let done = chunk.is_none();
        if let Some(c) = &chunk {
            size = size.saturating_add(as_u64(c.len()));
            buf.extend_from_slice(c);
        }
        if buf.len() >= WRITE_CHUNK || (done && !buf.is_empty()) {
            (file, hasher, buf) = blocking(move || {
                hasher.update(&buf);
                file.write_all(&buf)?;
                buf.clear();
                Ok((file, hasher, buf))
            })
            .await?;
        }
        if done {
            break;
        }
    }
    staged.sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    staged.size = size;
    Ok(staged)
}

/// Creates the staging directory and removes files a crashed process left there (only
/// old ones: another replica may share the directory and be receiving right now).
pub fn prepare_staging_dir(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)?.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE_AFTER);
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(STAGED_PREFIX));
        if ours && stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}
