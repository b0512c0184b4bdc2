//! Removing what crashed runs left behind: a test that is killed never drops its scratch
//! directory or database. Once per process, anything of the harness's older than an hour
//! goes (no test runs that long; a template counts from when a run last used it).

use std::sync::Once;
use std::time::{Duration, SystemTime};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tokio::sync::OnceCell;

use crate::scratch::{DB_PREFIX, DIR_PREFIX, unix_now};
use crate::template::{self, TEMPLATE_PREFIX};

/// What is older than this is a leftover.
const STALE: Duration = Duration::from_secs(3600);

/// Removes stale scratch directories (and those of the harness before it had one name).
pub(crate) fn temp_dirs_once() {
    static ONCE: Once = Once::new();
    ONCE.call_once(sweep_temp_dirs);
}

fn sweep_temp_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = [DIR_PREFIX, "thidua-cli-test-"]
            .iter()
            .any(|p| name.starts_with(p));
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE);
        if ours && stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Drops stale test databases and unused templates on the server of `admin_url`, under
/// the harness's advisory lock so no other process is building or claiming one meanwhile.
pub(crate) async fn postgres_once(admin_url: &str) {
    static DONE: OnceCell<()> = OnceCell::const_new();
    DONE.get_or_init(|| async {
        match template::lock(admin_url).await {
            Ok(admin) => {
                postgres(&admin, &template::name()).await;
                let _ = admin.close().await;
            }
            Err(e) => eprintln!("sweeping PostgreSQL leftovers: {e}"),
        }
    })
    .await;
}

async fn postgres(admin: &DatabaseConnection, keep: &str) {
    let Ok(rows) = admin
        .query_all_raw(Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname, COALESCE(shobj_description(oid, 'pg_database'), '') AS note \
             FROM pg_database WHERE datname LIKE 'thidua%'",
        ))
        .await
    else {
        return;
    };
    let now = unix_now();
    let stale = |since: Option<u64>| since.is_none_or(|t| now.saturating_sub(t) > STALE.as_secs());
    for row in rows {
        let (Ok(name), Ok(note)) = (
            row.try_get::<String>("", "datname"),
            row.try_get::<String>("", "note"),
        ) else {
            continue;
        };
        let sql = if let Some(rest) = name.strip_prefix(DB_PREFIX) {
            // `thidua_test_<unix seconds>_<random>`; other shapes are not this harness's.
            let made = rest.split_once('_').and_then(|(t, _)| t.parse().ok());
            if made.is_none() || !stale(made) {
                continue;
            }
            vec![format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")]
        } else if name.starts_with(TEMPLATE_PREFIX) && name != keep && stale(note.parse().ok()) {
            vec![
                format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false"),
                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            ]
        } else {
            continue;
        };
        for statement in sql {
            if let Err(e) = admin.execute_unprepared(&statement).await {
                eprintln!("sweeping PostgreSQL leftovers: {statement}: {e}");
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres_url;

    async fn exists(admin: &DatabaseConnection, name: &str) -> bool {
        admin
            .query_one_raw(Statement::from_sql_and_values(
                admin.get_database_backend(),
                "SELECT 1 AS one FROM pg_database WHERE datname = $1",
                [name.into()],
            ))
            .await
            .unwrap()
            .is_some()
    }

    #[tokio::test]
    async fn postgres_sweep_drops_stale_test_databases_and_unused_templates_only() {
        let Some(admin_url) = postgres_url() else {
            eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
            return;
        };
        let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
        let now = unix_now();
        let hours_ago = now - 2 * 3600;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let stale_db = format!("{DB_PREFIX}{hours_ago}_{id}");
        let fresh_db = format!("{DB_PREFIX}{now}_{id}");
        let stale_template = format!("{TEMPLATE_PREFIX}stale{}", &id[..12]);
        let used_template = format!("{TEMPLATE_PREFIX}used{}", &id[..12]);
        for (name, used) in [
            (&stale_db, None),
            (&fresh_db, None),
            (&stale_template, Some(hours_ago)),
            (&used_template, Some(now)),
        ] {
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            if let Some(t) = used {
                admin
                    .execute_unprepared(&format!(
                        "ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
                    ))
                    .await
                    .unwrap();
                admin
                    .execute_unprepared(&format!("COMMENT ON DATABASE \"{name}\" IS '{t}'"))
                    .await
                    .unwrap();
            }
        }

        postgres(&admin, &template::name()).await;

        assert!(
            !exists(&admin, &stale_db).await,
            "a stale test database goes"
        );
        assert!(
            !exists(&admin, &stale_template).await,
            "an unused template goes"
        );
        assert!(
            exists(&admin, &fresh_db).await,
            "a recent test database stays"
        );
        assert!(
            exists(&admin, &used_template).await,
            "a recently used template stays"
        );
        for sql in [
            format!("DROP DATABASE \"{fresh_db}\""),
            format!("ALTER DATABASE \"{used_template}\" WITH IS_TEMPLATE false"),
            format!("DROP DATABASE \"{used_template}\""),
        ] {
            admin.execute_unprepared(&sql).await.unwrap();
        }
        admin.close().await.ok();
    }

    #[test]
    fn stale_scratch_directories_go_and_recent_ones_stay() {
        let old = crate::scratch::fresh_dir();
        let recent = crate::scratch::fresh_dir();
        let two_hours_ago = SystemTime::now() - 2 * STALE;
        std::fs::File::open(&old)
            .and_then(|d| d.set_modified(two_hours_ago))
            .unwrap();
        sweep_temp_dirs();
        assert!(!old.exists(), "a stale scratch directory goes");
        assert!(recent.exists(), "a recent one stays");
        std::fs::remove_dir_all(recent).unwrap();
    }
}
