//! The classification pinned on real errors from real databases: SQLite always, PostgreSQL
//! when `THIDUA_TEST_POSTGRES_URL` is set (each PostgreSQL run gets its own database).

use std::collections::BTreeSet;
use std::time::Duration;
use thidua_domain::id::{AwardTypeId, UnitId};

use chrono::{Datelike, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, IsolationLevel, QueryFilter, Set, Statement, TransactionTrait,
};
use thidua_domain::commendation::CommendationKind;
use thidua_domain::text::Title;
use uuid::Uuid;

use super::{DbFailure, classify, is_busy, is_unique_violation, unique, unique_violation};
use crate::commendations::{self, Nomination, Recipient};
use crate::entities::{award_type, commendation, org_unit, persisted_query};
use crate::{Database, DbOptions, org_units, seed};

/// A migrated, seeded database and what removes it afterwards.
struct Scratch {
    db: Database,
    url: String,
    drop_pg: Option<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

impl Scratch {
    async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("thidua-dberr-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        Self::open(url, None, Some(dir)).await
    }

    async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("THIDUA_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())?;
        // The end-to-end tests' prefix, so their sweep of leftovers covers these too.
        let name = format!("thidua_test_{}", Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        admin.close().await.unwrap();
        let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
        let (server, _) = base.rsplit_once('/').unwrap();
        let url = match query {
            "" => format!("{server}/{name}"),
            q => format!("{server}/{name}?{q}"),
        };
        Some(Self::open(url, Some((admin_url, name)), None).await)
    }

    async fn open(
        url: String,
        drop_pg: Option<(String, String)>,
        dir: Option<std::path::PathBuf>,
    ) -> Self {
        let db = Database::connect(&DbOptions {
            url: url.clone(),
            max_connections: 4,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: None,
            idle_in_transaction_timeout: None,
            pooler: crate::pooler::Pooler::None,
        })
        .await
        .unwrap();
        db.migrate().await.unwrap();
        seed::seed_core(&db.conn, Some("a-long-enough-password"))
            .await
            .unwrap();
        Self {
            db,
            url,
            drop_pg,
            dir,
        }
    }

    async fn remove(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = self.drop_pg {
            let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
            admin.close().await.unwrap();
        }
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs `check` on SQLite, then on PostgreSQL when it is configured.
async fn on_both<F, Fut>(check: F)
where
    F: Fn(Scratch) -> Fut,
    Fut: Future<Output = Scratch>,
{
    check(Scratch::sqlite().await).await.remove().await;
    match Scratch::postgres().await {
        Some(s) => check(s).await.remove().await,
        None => eprintln!("THIDUA_TEST_POSTGRES_URL not set: PostgreSQL not checked"),
    }
}

/// The error of `res`, which must have failed.
fn failed<T: std::fmt::Debug>(res: Result<T, DbErr>) -> DbErr {
    res.expect_err("the statement should have been refused")
}

fn assert_unique(err: &DbErr, index: &str) {
    let v = unique_violation(err).unwrap_or_else(|| panic!("not a unique violation: {err}"));
    assert_eq!(v.constraint.as_deref(), Some(index), "{err}");
    assert!(v.is(index));
    assert!(is_unique_violation(err));
    assert!(!is_busy(err), "{err}");
    assert_eq!(classify(err), DbFailure::Other, "{err}");
}

async fn root(db: &Database) -> org_unit::Model {
    org_units::roots(&db.conn).await.unwrap().remove(0)
}

/// A live nomination of a person of the root unit for an award in the seeded catalogue.
async fn nomination(db: &Database) -> commendation::Model {
    let root = root(db).await;
    let award = award_type::Entity::find()
        .filter(award_type::Column::Code.eq("LAO-DONG-TIEN-TIEN"))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    let actor = seed::system_actor(&root.path);
    commendations::nominate(
        &db.conn,
        &actor,
        Nomination {
            award_type_id: AwardTypeId::from_uuid(award.id),
            kind: CommendationKind::Merit,
            recipient: Recipient::NewPerson(crate::persons::NewPerson {
                name: Title::parse("Nguyễn Văn A").unwrap(),
                position: None,
                unit_id: Some(UnitId::from_uuid(root.id)),
                national_id: None,
                since: None,
            }),
            nominating_unit_id: UnitId::from_uuid(root.id),
            campaign_id: None,
            exemplar_id: None,
            is_direct_worker: false,
            award_year: Utc::now().year(),
            citation: None,
            initiative_reference: None,
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn unique_violations_name_the_violated_index_on_both_backends() {
    on_both(|s| async move {
        let db = &s.db;
        // An index named by the migrations' rule: a second unit with the root's code.
        let mut unit = root(db).await.into_active_model().reset_all();
        unit.id = Set(Uuid::now_v7());
        assert_unique(&failed(unit.insert(&db.conn).await), "ix_org_units_code");

        // A primary key: the same persisted-query hash twice.
        let row = || persisted_query::ActiveModel {
            sha256: Set("ab".repeat(32)),
            query: Set("{ __typename }".into()),
            trusted: Set(false),
            created_at: Set(Utc::now()),
        };
        row().insert(&db.conn).await.unwrap();
        assert_unique(
            &failed(row().insert(&db.conn).await),
            "persisted_queries_pkey",
        );

        // The partial index on live nominations: a twin of a live nomination.
        let first = nomination(db).await;
        let mut twin = first.clone().into_active_model().reset_all();
        twin.id = Set(Uuid::now_v7());
        assert_unique(
            &failed(twin.insert(&db.conn).await),
            unique::LIVE_NOMINATION,
        );

        // The decision number: another year's honour under the same authority and number.
        commendation::Entity::update_many()
            .col_expr(commendation::Column::AuthorityKey, Expr::val("UBND-QN"))
            .col_expr(commendation::Column::DecisionKey, Expr::val("12/QD"))
            .filter(commendation::Column::Id.eq(first.id))
            .exec(&db.conn)
            .await
            .unwrap();
        let mut other = first.into_active_model().reset_all();
        other.id = Set(Uuid::now_v7());
        other.award_year = Set(Utc::now().year() - 1);
        other.authority_key = Set(Some("UBND-QN".into()));
        other.decision_key = Set(Some("12/QD".into()));
        assert_unique(
            &failed(other.insert(&db.conn).await),
            unique::DECISION_NUMBER,
        );
        s
    })
    .await;
}

/// Every unique index SQLite holds, by the name [`super::unique_violation`] derives for it
/// from its table and columns, next to the names it really has on each backend.
#[tokio::test]
async fn every_unique_index_is_named_alike_on_sqlite_and_postgres() {
    let sqlite = Scratch::sqlite().await;
    let rows = sqlite
        .db
        .conn
        .query_all_raw(Statement::from_string(
            sqlite.db.backend(),
            "SELECT m.name AS tbl, il.name AS idx, \
               (SELECT group_concat(ii.name, ',') FROM \
                 (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii) AS cols \
             FROM sqlite_master m, pragma_index_list(m.name) il \
             WHERE m.type = 'table' AND il.\"unique\" = 1 AND il.origin = 'c'",
        ))
        .await
        .unwrap();
    let mut names = BTreeSet::new();
    for r in rows {
        let table: String = r.try_get("", "tbl").unwrap();
        let index: String = r.try_get("", "idx").unwrap();
        let cols: String = r.try_get("", "cols").unwrap();
        let cols: Vec<&str> = cols.split(',').collect();
        assert_eq!(super::sqlite_index_name(&table, &cols), index);
        names.insert(index);
    }
    assert!(names.contains(unique::LIVE_NOMINATION), "{names:?}");
    assert!(names.contains(unique::DECISION_NUMBER), "{names:?}");
    sqlite.remove().await;

    let Some(pg) = Scratch::postgres().await else {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: PostgreSQL not checked");
        return;
    };
    let rows = pg
        .db
        .conn
        .query_all_raw(Statement::from_string(
            pg.db.backend(),
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' \
             AND indexdef LIKE 'CREATE UNIQUE INDEX%' AND indexname NOT LIKE '%\\_pkey' \
             AND tablename <> 'seaql_migrations'",
        ))
        .await
        .unwrap();
    let pg_names: BTreeSet<String> = rows
        .into_iter()
        .map(|r| r.try_get("", "indexname").unwrap())
        .collect();
    assert_eq!(pg_names, names);
    pg.remove().await;
}

#[tokio::test]
async fn a_locked_sqlite_database_is_busy() {
    let s = Scratch::sqlite().await;
    // Our pool holds the write lock; another connection that will not wait is refused.
    let holder = s.db.begin_write().await.unwrap();
    let mut opts = ConnectOptions::new(s.url.clone());
    opts.max_connections(1)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
    let other = sea_orm::Database::connect(opts).await.unwrap();
    let err = failed(
        other
            .execute_unprepared("UPDATE org_units SET version = version + 1")
            .await,
    );
    assert!(is_busy(&err), "{err}");
    assert!(!is_unique_violation(&err), "{err}");
    assert_eq!(classify(&err), DbFailure::Other, "{err}");
    holder.rollback().await.unwrap();
    other.close().await.unwrap();
    s.remove().await;
}

#[tokio::test]
async fn a_postgres_serialization_failure_is_busy() {
    let Some(s) = Scratch::postgres().await else {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: PostgreSQL not checked");
        return;
    };
    let root = root(&s.db).await;
    let bump = |id: Uuid| {
        org_unit::Entity::update_many()
            .col_expr(
                org_unit::Column::Version,
                Expr::col(org_unit::Column::Version).add(1),
            )
            .filter(org_unit::Column::Id.eq(id))
    };
    // A repeatable-read transaction that saw the row cannot update it once another changed it.
    let txn =
        s.db.conn
            .begin_with_config(Some(IsolationLevel::RepeatableRead), None)
            .await
            .unwrap();
    org_unit::Entity::find_by_id(root.id)
        .one(&txn)
        .await
        .unwrap();
    bump(root.id).exec(&s.db.conn).await.unwrap();
    let err = failed(bump(root.id).exec(&txn).await);
    assert!(is_busy(&err), "{err}");
    assert_eq!(classify(&err), DbFailure::Other, "{err}");
    txn.rollback().await.unwrap();
    s.remove().await;
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable() {
    // Nothing listens on port 1.
    let err = Database::connect(&DbOptions {
        url: "postgres://nobody@127.0.0.1:1/none".into(),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(2),
        statement_timeout: None,
        idle_in_transaction_timeout: None,
        pooler: crate::pooler::Pooler::None,
    })
    .await
    .expect_err("nothing listens on port 1");
    assert_eq!(classify(&err), DbFailure::Unavailable, "{err}");
    assert!(!is_busy(&err));
    assert!(unique_violation(&err).is_none());
}
