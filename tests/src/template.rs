//! Databases migrated and seeded once, that test databases are copied from.
//!
//! Migrating and seeding (with the admin's Argon2 hash) is most of what a fresh test
//! database costs. SQLite: one migrated file per test process, kept in memory and written
//! out for each test. PostgreSQL: one template database per schema, shared by test
//! processes (`CREATE DATABASE … TEMPLATE …` copies it); its name carries a hash of the
//! migration and persistence sources, so a changed schema or seed gets a new template.

use std::path::Path;

use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, Statement};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::scratch::{fresh_dir, new_db_name, replace_db_name, sqlite_url, unix_now};
use crate::{ADMIN_PASSWORD, sweep, test_settings};

/// Key of the PostgreSQL advisory lock that serialises building templates and sweeping
/// across test processes ("thiduats").
pub(crate) const LOCK_KEY: i64 = 0x7468_6964_7561_7473;
pub(crate) const TEMPLATE_PREFIX: &str = "thidua_template_";

/// The bytes of an SQLite database migrated and seeded by this process.
pub(crate) async fn sqlite_image() -> &'static [u8] {
    static IMAGE: OnceCell<Vec<u8>> = OnceCell::const_new();
    IMAGE.get_or_init(build_sqlite_image).await
}

async fn build_sqlite_image() -> Vec<u8> {
    let dir = fresh_dir();
    let url = sqlite_url(&dir);
    prepare(&url).await;
    let image = std::fs::read(dir.join("thidua.db")).expect("read the SQLite template");
    let _ = std::fs::remove_dir_all(&dir);
    image
}

/// Migrates and seeds the database at `url` as a server start does, then closes every
/// connection (a PostgreSQL template must have none; SQLite's log is folded back into
/// the file).
async fn prepare(url: &str) {
    let settings = test_settings(url.to_owned());
    let db = thidua_server::startup::connect(&settings)
        .await
        .expect("connect to the template database");
    thidua_server::startup::prepare_database(&db, &settings)
        .await
        .expect("migrate and seed the template database");
    if url.starts_with("sqlite") {
        db.conn
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .expect("checkpoint the template's log");
    }
    db.conn.close().await.expect("close the template database");
}

/// The name of this schema's PostgreSQL template, built if missing. Runs once per process;
/// under an advisory lock, so processes starting together build it once.
pub(crate) async fn postgres_template(admin_url: &str) -> String {
    static NAME: OnceCell<String> = OnceCell::const_new();
    NAME.get_or_init(|| async {
        ensure_postgres_template(admin_url)
            .await
            .unwrap_or_else(|e| panic!("preparing the PostgreSQL template: {e:#}"))
    })
    .await
    .clone()
}

async fn ensure_postgres_template(admin_url: &str) -> anyhow::Result<String> {
    sweep::postgres_once(admin_url).await;
    let name = name();
    let admin = lock(admin_url).await?;
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT 1 AS one FROM pg_database WHERE datname = $1",
            [name.clone().into()],
        ))
        .await?
        .is_some();
    if !exists {
        // Built under a test database's name, so a crash part-way leaves something the
        // sweep removes; renamed only once complete.
        let building = new_db_name();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
            .await?;
        prepare(&replace_db_name(admin_url, &building)).await;
        for sql in [
            format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""),
            format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"),
        ] {
            admin.execute_unprepared(&sql).await?;
        }
    }
    // When it was last put to use: the sweep spares templates used within the hour.
    admin
        .execute_unprepared(&format!(
            "COMMENT ON DATABASE \"{name}\" IS '{}'",
            unix_now()
        ))
        .await?;
    admin.close().await?;
    Ok(name)
}

/// One connection to the server of `admin_url` holding the harness's advisory lock
/// (released when it closes, also when the process dies).
pub(crate) async fn lock(admin_url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(admin_url.to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let admin = sea_orm::Database::connect(options).await?;
    admin
        .execute_unprepared(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))
        .await?;
    Ok(admin)
}

/// This schema's template name: `thidua_template_<fingerprint>`.
pub(crate) fn name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| format!("{TEMPLATE_PREFIX}{}", fingerprint()))
        .clone()
}

/// A hash of what decides a seeded database's content: the migrations, the persistence
/// code (entities, seed), the domain's stored strings, the server's start-up (which
/// migrates and seeds) and the admin password. A fresh random value when the sources
/// are not where they were built (the template then serves this process only).
fn fingerprint() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        "migrations/src",
        "crates/persistence/src",
        "crates/domain/src",
        "crates/server/src",
    ] {
        if collect_files(&root.join(dir), &mut files).is_err() {
            return uuid::Uuid::new_v4().simple().to_string();
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    hash.update(ADMIN_PASSWORD);
    for file in &files {
        let Ok(text) = std::fs::read(file) else {
            return uuid::Uuid::new_v4().simple().to_string();
        };
        hash.update(
            file.strip_prefix(&root)
                .unwrap_or(file)
                .to_string_lossy()
                .as_bytes(),
        );
        hash.update([0]);
        hash.update(&text);
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
