//! Content-addressed storage of evidence files: bytes kept under their sha256, so the same
//! file is stored once however often it is sent. [`DiskStore`] keeps them as files (the
//! embedded SQLite default, one process); [`DatabaseStore`] keeps them in the database's
//! `blobs` table, so every replica sharing a PostgreSQL database serves every file.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, FromQueryResult};
use thidua_domain::evidence::is_sha256_hex;

/// Where evidence bytes live, keyed by the lower-case hex sha256 of their content.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `sha256` (which the caller computed from them). Idempotent:
    /// a blob already present is left as it is.
    async fn put(&self, sha256: &str, bytes: Vec<u8>) -> io::Result<()>;
    /// The bytes under `sha256`, or `None` if there are none.
    async fn get(&self, sha256: &str) -> io::Result<Option<Vec<u8>>>;
    async fn exists(&self, sha256: &str) -> io::Result<bool>;
    /// Whether blobs are rows of the database the caller writes to. A writer then stores
    /// them on its own transaction ([`put_row`], [`row_exists`]): the bytes commit with
    /// the row that names them, and on SQLite a second connection would wait for the
    /// writer's own lock.
    fn in_database(&self) -> bool {
        false
    }
    /// Stores the file at `path` (whose content hashes to `sha256`), moving it into the
    /// store where that is cheaper than copying: the file may be gone afterwards.
    /// This default reads it into memory; [`DiskStore`] renames it.
    async fn put_file(&self, sha256: &str, path: &Path) -> io::Result<()> {
        let path = path.to_path_buf();
        let bytes = blocking(move || std::fs::read(path)).await?;
        self.put(sha256, bytes).await
    }
}

/// What a blob is stored from: bytes in memory, or a staged file the store may move.
#[derive(Debug)]
pub enum BlobContent {
    Bytes(Vec<u8>),
    File(PathBuf),
}

impl BlobContent {
    /// Stores the blob in `blobs`, or as a row on `db` (the caller's transaction) when
    /// the store is the database.
    pub async fn store(
        self,
        db: &impl ConnectionTrait,
        blobs: &dyn BlobStore,
        sha256: &str,
    ) -> io::Result<()> {
        match (self, blobs.in_database()) {
            (Self::Bytes(b), true) => put_row(db, sha256, b).await,
            (Self::File(p), true) => {
                let bytes = blocking(move || std::fs::read(p)).await?;
                put_row(db, sha256, bytes).await
            }
            (Self::Bytes(b), false) => blobs.put(sha256, b).await,
            (Self::File(p), false) => blobs.put_file(sha256, &p).await,
        }
    }
}

/// Whether `blobs` holds `sha256`, asked on `db` (the caller's transaction) when the
/// store is the database.
pub async fn stored(
    db: &impl ConnectionTrait,
    blobs: &dyn BlobStore,
    sha256: &str,
) -> io::Result<bool> {
    if blobs.in_database() {
        row_exists(db, sha256).await
    } else {
        blobs.exists(sha256).await
    }
}

/// Blobs as files: `<root>/<first two hex digits>/<sha256>`. A blob is written to a
/// temporary file in its final directory and then renamed into place, so a reader never
/// sees a partial file and a crash leaves at most a stray `.tmp-*` file.
#[derive(Debug, Clone)]
pub struct DiskStore {
    root: PathBuf,
}

impl DiskStore {
    /// A store under `root` (created, with its subdirectories, on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of a blob; refuses anything that is not a sha256, so a key can never
    /// name a path outside the store.
    pub fn path_of(&self, sha256: &str) -> io::Result<PathBuf> {
        let sha256 = key(sha256)?;
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }
}

/// Blobs as rows of `blobs` (sha256, size, content). A put of a blob already stored
/// writes nothing (`ON CONFLICT DO NOTHING`), so concurrent uploads of one file from two
/// replicas both succeed.
#[derive(Debug, Clone)]
pub struct DatabaseStore {
    db: sea_orm::DatabaseConnection,
}

impl DatabaseStore {
    pub fn new(db: sea_orm::DatabaseConnection) -> Self {
        Self { db }
    }
}

fn key(sha256: &str) -> io::Result<&str> {
    if is_sha256_hex(sha256) {
        Ok(sha256)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a blob key is a lower-case hex sha256",
        ))
    }
}

fn db_error(e: &sea_orm::DbErr) -> io::Error {
    io::Error::other(format!("blob store: {e}"))
}

#[derive(Debug, FromQueryResult)]
struct ContentRow {
    content: Vec<u8>,
}

/// Stores a blob as a row, on `db` (a pool or the caller's transaction).
pub async fn put_row(db: &impl ConnectionTrait, sha256: &str, bytes: Vec<u8>) -> io::Result<()> {
    let sha256 = key(sha256)?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    db.execute_raw(crate::raw::stmt(
        db.get_database_backend(),
        "INSERT INTO blobs (sha256, size, content, created_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (sha256) DO NOTHING",
        vec![
            sha256.into(),
            size.into(),
            bytes.into(),
            chrono::Utc::now().into(),
        ],
    ))
    .await
    .map_err(|e| db_error(&e))?;
    Ok(())
}

/// Whether a blob is stored as a row, read on `db`.
pub async fn row_exists(db: &impl ConnectionTrait, sha256: &str) -> io::Result<bool> {
    let sha256 = key(sha256)?;
    Ok(db
        .query_one_raw(crate::raw::stmt(
            db.get_database_backend(),
            "SELECT 1 FROM blobs WHERE sha256 = ?",
            vec![sha256.into()],
        ))
        .await
        .map_err(|e| db_error(&e))?
        .is_some())
}

#[async_trait]
impl BlobStore for DatabaseStore {
    fn in_database(&self) -> bool {
        true
    }

    async fn put(&self, sha256: &str, bytes: Vec<u8>) -> io::Result<()> {
        put_row(&self.db, sha256, bytes).await
    }

    async fn get(&self, sha256: &str) -> io::Result<Option<Vec<u8>>> {
        let sha256 = key(sha256)?;
        Ok(ContentRow::find_by_statement(crate::raw::stmt(
            self.db.get_database_backend(),
            "SELECT content FROM blobs WHERE sha256 = ?",
            vec![sha256.into()],
        ))
        .one(&self.db)
        .await
        .map_err(|e| db_error(&e))?
        .map(|r| r.content))
    }

    async fn exists(&self, sha256: &str) -> io::Result<bool> {
        row_exists(&self.db, sha256).await
    }
}

/// Blobs as objects `<prefix><sha256>` in an S3-compatible bucket (`object_store`):
/// replicas share it without sharing a database's storage. A put of a blob already there
/// writes the same bytes again (content-addressed, so harmless).
#[derive(Debug)]
pub struct S3Store {
    store: object_store::aws::AmazonS3,
    prefix: String,
}

/// Where an [`S3Store`] is.
#[derive(Debug, Clone)]
pub struct S3Location {
    pub bucket: String,
    /// An S3-compatible service's URL (MinIO, Ceph, a test server); none: AWS.
    pub endpoint: Option<String>,
    pub region: String,
    /// Put before every key, e.g. `evidence/`.
    pub prefix: String,
    /// Access key id and secret; none: the standard `AWS_*` variables.
    pub credentials: Option<(String, String)>,
}

impl S3Store {
    /// A store in `at`, with credentials from the standard `AWS_*` variables.
    pub fn new(at: &S3Location) -> io::Result<Self> {
        let mut b = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(&at.bucket)
            .with_region(&at.region);
        if let Some((id, secret)) = &at.credentials {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
        }
        if let Some(endpoint) = &at.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = b
            .build()
            .map_err(|e| io::Error::other(format!("S3 store: {e}")))?;
        Ok(Self {
            store,
            prefix: at.prefix.clone(),
        })
    }

    fn path(&self, sha256: &str) -> io::Result<object_store::path::Path> {
        Ok(object_store::path::Path::from(format!(
            "{}{}",
            self.prefix,
            key(sha256)?
        )))
    }
}

fn s3_error(e: &object_store::Error) -> io::Error {
    io::Error::other(format!("S3 store: {e}"))
}

#[async_trait]
impl BlobStore for S3Store {
    async fn put(&self, sha256: &str, bytes: Vec<u8>) -> io::Result<()> {
        use object_store::ObjectStore as _;
        self.store
            .put(&self.path(sha256)?, bytes.into())
            .await
            .map_err(|e| s3_error(&e))?;
        Ok(())
    }

    async fn get(&self, sha256: &str) -> io::Result<Option<Vec<u8>>> {
        use object_store::ObjectStore as _;
        match self.store.get(&self.path(sha256)?).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(|e| s3_error(&e))?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3_error(&e)),
        }
    }

    async fn exists(&self, sha256: &str) -> io::Result<bool> {
        use object_store::ObjectStore as _;
        match self.store.head(&self.path(sha256)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(s3_error(&e)),
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| io::Error::other(format!("blob task failed: {e}")))?
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    publish(path, |tmp| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })
}

/// Moves the file `src` to `path` (a rename on one file system, else a copy through a
/// temporary file), durably; leaves an existing blob as it is.
fn move_atomically(src: &Path, path: &Path) -> io::Result<()> {
    if path.is_file() {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(src)?
        .sync_all()?;
    let dir = blob_dir(path)?;
    if std::fs::rename(src, path).is_ok() {
        sync_dir(dir);
        return Ok(());
    }
    // Another file system: copy next to the blob, then rename within the store.
    publish(path, |tmp| {
        std::fs::copy(src, tmp)?;
        std::fs::File::open(tmp)?.sync_all()
    })
}

fn blob_dir(path: &Path) -> io::Result<&Path> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a blob path has a parent"))?;
    std::fs::create_dir_all(dir)?;
    Ok(dir)
}

/// Makes a rename durable (best effort: not every platform can sync a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Puts a blob at `path` unless one is there: `fill` writes a temporary file beside it,
/// which is then renamed into place (never left behind on failure). Concurrent writers of
/// one blob write the same bytes, so whichever rename lands last replaces an identical file.
fn publish(path: &Path, fill: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    if path.is_file() {
        return Ok(());
    }
    let dir = blob_dir(path)?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let done = fill(&tmp).and_then(|()| std::fs::rename(&tmp, path));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done?;
    sync_dir(dir);
    Ok(())
}

#[async_trait]
impl BlobStore for DiskStore {
    async fn put_file(&self, sha256: &str, src: &Path) -> io::Result<()> {
        let path = self.path_of(sha256)?;
        let src = src.to_path_buf();
        blocking(move || move_atomically(&src, &path)).await
    }

    async fn put(&self, sha256: &str, bytes: Vec<u8>) -> io::Result<()> {
        let path = self.path_of(sha256)?;
        blocking(move || write_atomically(&path, &bytes)).await
    }

    async fn get(&self, sha256: &str) -> io::Result<Option<Vec<u8>>> {
        let path = self.path_of(sha256)?;
        blocking(move || match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn exists(&self, sha256: &str) -> io::Result<bool> {
        let path = self.path_of(sha256)?;
        blocking(move || Ok(path.is_file())).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use thidua_domain::evidence::sha256_hex;

    fn temp_store() -> DiskStore {
        let dir = std::env::temp_dir().join(format!("thidua-blobs-{}", uuid::Uuid::new_v4()));
        DiskStore::new(dir)
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = vec![];
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    out.extend(files_under(&p));
                } else {
                    out.push(p);
                }
            }
        }
        out
    }

    #[tokio::test]
    async fn stores_once_under_the_hash_and_reads_back() {
        let store = temp_store();
        let bytes = b"\xFF\xD8\xFF\xE0 a tiny jpeg".to_vec();
        let sha = sha256_hex(&bytes);
        assert!(!store.exists(&sha).await.unwrap());
        assert_eq!(store.get(&sha).await.unwrap(), None);
        store.put(&sha, bytes.clone()).await.unwrap();
        store.put(&sha, bytes.clone()).await.unwrap();
        assert!(store.exists(&sha).await.unwrap());
        assert_eq!(store.get(&sha).await.unwrap(), Some(bytes));
        let files = files_under(store.root());
        assert_eq!(files, vec![store.root().join(&sha[..2]).join(&sha)]);
        std::fs::remove_dir_all(store.root()).unwrap();
    }

    #[tokio::test]
    async fn a_file_is_moved_into_the_store_once() {
        let store = temp_store();
        let staging = store.root().with_extension("staging");
        std::fs::create_dir_all(&staging).unwrap();
        let bytes = b"%PDF-1.7 staged".to_vec();
        let sha = sha256_hex(&bytes);
        let src = staging.join("upload-1");
        std::fs::write(&src, &bytes).unwrap();
        store.put_file(&sha, &src).await.unwrap();
        assert!(!src.exists(), "the staged file was moved");
        assert_eq!(store.get(&sha).await.unwrap(), Some(bytes.clone()));
        // Again, with the blob present: the store keeps its copy.
        std::fs::write(&src, &bytes).unwrap();
        store.put_file(&sha, &src).await.unwrap();
        assert_eq!(
            files_under(store.root()),
            vec![store.root().join(&sha[..2]).join(&sha)]
        );
        std::fs::remove_dir_all(store.root()).unwrap();
        std::fs::remove_dir_all(&staging).unwrap();
    }

    #[tokio::test]
    async fn refuses_keys_that_are_not_hashes() {
        let store = temp_store();
        for key in ["../../etc/passwd", "", "ab", &"A".repeat(64)] {
            assert!(store.put(key, vec![1]).await.is_err(), "{key}");
            assert!(store.get(key).await.is_err(), "{key}");
        }
        assert!(files_under(store.root()).is_empty());
    }
}
