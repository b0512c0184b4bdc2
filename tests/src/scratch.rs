//! A test's own database and directory, removed when the test ends (also on panic).
//!
//! A `seeded` scratch database starts as a copy of a template that was migrated and
//! seeded once (per process on SQLite, per schema on PostgreSQL), instead of migrating
//! and seeding again for every test. An `empty` one is for the tests of migrating and
//! seeding themselves.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::ConnectionTrait;

use crate::{Backend, postgres_url, sweep, template};

/// Prefix of every directory and PostgreSQL database the harness makes; `sweep` removes
/// the ones a crashed run left behind.
pub(crate) const DIR_PREFIX: &str = "thidua-test-";
pub(crate) const DB_PREFIX: &str = "thidua_test_";

/// A fresh directory (the server's data directory and working directory) and a database:
/// an SQLite file in that directory, or a PostgreSQL database of its own.
pub struct Scratch {
    pub dir: PathBuf,
    pub backend: Backend,
    database_url: String,
    /// Held for its drop, which drops the database.
    _pg: Option<PgDatabase>,
}

impl Scratch {
    /// An empty SQLite database (the file does not exist yet) in a fresh directory.
    pub fn new() -> Self {
        sweep::temp_dirs_once();
        let dir = fresh_dir();
        let database_url = sqlite_url(&dir);
        Self {
            dir,
            backend: Backend::Sqlite,
            database_url,
            _pg: None,
        }
    }

    /// An empty database: nothing migrated or seeded.
    pub async fn empty(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::new(),
            Backend::Postgres => Self::postgres(None).await,
        }
    }

    /// A database that is migrated and seeded (the first admin's password is
    /// `ADMIN_PASSWORD`), as a server start would leave it.
    pub async fn seeded(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let scratch = Self::new();
                let image = template::sqlite_image().await;
                std::fs::write(scratch.dir.join(SQLITE_FILE), image)
                    .expect("write the SQLite template copy");
                scratch
            }
            Backend::Postgres => {
                let admin_url = admin_url();
                let template = template::postgres_template(&admin_url).await;
                Self::postgres(Some(&template)).await
            }
        }
    }

    async fn postgres(template: Option<&str>) -> Self {
        let admin_url = admin_url();
        sweep::postgres_once(&admin_url).await;
        let pg = PgDatabase::create(&admin_url, template).await;
        sweep::temp_dirs_once();
        Self {
            dir: fresh_dir(),
            backend: Backend::Postgres,
            database_url: replace_db_name(&admin_url, &pg.name),
            _pg: Some(pg),
        }
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The SQLite file's name inside a scratch directory.
const SQLITE_FILE: &str = "thidua.db";

pub(crate) fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join(SQLITE_FILE).display())
}

/// A new, empty directory under the system temp directory.
pub(crate) fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn admin_url() -> String {
    postgres_url().expect("THIDUA_TEST_POSTGRES_URL is set for a PostgreSQL test")
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A name for a new test database that says when it was made, so a later run can tell
/// a leftover from a database still in use: `thidua_test_<unix seconds>_<random>`.
pub(crate) fn new_db_name() -> String {
    format!(
        "{DB_PREFIX}{}_{}",
        unix_now(),
        uuid::Uuid::new_v4().simple()
    )
}

/// `url` with its database name replaced (query string kept).
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// A test's PostgreSQL database, dropped `WITH (FORCE)` when the guard is dropped.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    /// Creates a new database on the server of `admin_url`, a copy of `template` if given.
    async fn create(admin_url: &str, template: Option<&str>) -> Self {
        let name = new_db_name();
        let admin = sea_orm::Database::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        let sql = match template {
            Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
            None => format!("CREATE DATABASE \"{name}\""),
        };
        admin
            .execute_unprepared(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        admin.close().await.ok();
        Self {
            admin_url: admin_url.to_owned(),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = std::mem::take(&mut self.admin_url);
        let name = std::mem::take(&mut self.name);
        // Drop may run inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
