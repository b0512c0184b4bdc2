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

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;

    /// Counts rows of `sql` (a `SELECT COUNT(*) AS n …`) in the scratch database.
    async fn count(scratch: &Scratch, sql: &str) -> i64 {
        let db = sea_orm::Database::connect(scratch.database_url())
            .await
            .expect("connect to the scratch database");
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect(sql)
            .expect("a row");
        let n = row.try_get("", "n").expect("n");
        db.close().await.ok();
        n
    }

    const ADMINS: &str = "SELECT COUNT(*) AS n FROM users WHERE username = 'admin'";

    async fn seeded_copies_are_migrated_seeded_and_independent(backend: Backend) {
        let (a, b) = (
            Scratch::seeded(backend).await,
            Scratch::seeded(backend).await,
        );
        assert_ne!(a.database_url(), b.database_url());
        assert_eq!(count(&a, ADMINS).await, 1, "the template holds the admin");
        let db = sea_orm::Database::connect(a.database_url()).await.unwrap();
        db.execute_unprepared("UPDATE users SET username = 'renamed' WHERE username = 'admin'")
            .await
            .unwrap();
        db.close().await.ok();
        assert_eq!(count(&a, ADMINS).await, 0);
        assert_eq!(count(&b, ADMINS).await, 1, "a copy is not shared");
    }

    #[tokio::test]
    async fn seeded_sqlite_copies_are_migrated_seeded_and_independent() {
        seeded_copies_are_migrated_seeded_and_independent(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn seeded_postgres_copies_are_migrated_seeded_and_independent() {
        if postgres_url().is_none() {
            eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
            return;
        }
        seeded_copies_are_migrated_seeded_and_independent(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn an_empty_database_has_no_tables_and_goes_when_dropped() {
        let scratch = Scratch::empty(Backend::Sqlite).await;
        let file = scratch.dir.join(SQLITE_FILE);
        assert!(!file.exists(), "nothing is created before the server runs");
        let dir = scratch.dir.clone();
        drop(scratch);
        assert!(!dir.exists(), "the scratch directory is removed");
        let Some(admin_url) = postgres_url() else {
            return;
        };
        let scratch = Scratch::empty(Backend::Postgres).await;
        let tables =
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'";
        assert_eq!(count(&scratch, tables).await, 0);
        let name = scratch
            .database_url()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        drop(scratch);
        let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
        let left = admin
            .query_one_raw(Statement::from_sql_and_values(
                admin.get_database_backend(),
                "SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1",
                [name.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(left.try_get::<i64>("", "n").unwrap(), 0, "dropped");
        admin.close().await.ok();
    }

    #[test]
    fn replace_db_name_keeps_the_server_and_the_query() {
        assert_eq!(
            replace_db_name("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            replace_db_name("postgres://h/postgres", "x"),
            "postgres://h/x"
        );
    }
}
