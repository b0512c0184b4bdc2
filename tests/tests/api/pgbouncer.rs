//! Behind PgBouncer in transaction pooling mode (`THIDUA_DATABASE_POOLER=transaction`): a
//! real PgBouncer (Debian's 1.18, which keeps no prepared statements in that mode) on a
//! free port in front of the test's PostgreSQL, its own configuration in a temporary
//! directory, two server connections per database, so that the server's dozen client
//! connections really take turns on them. Sign-ins, concurrent reads and report batches,
//! mutations, the change feed and an SSE subscription (fed through LISTEN on
//! `THIDUA_DATABASE_LISTEN_URL`, PostgreSQL itself) all answer without error.
//!
//! Runs when `THIDUA_TEST_POSTGRES_URL` is set and `pgbouncer` is installed (`.ci/run`
//! installs it); as root, PgBouncer drops to `postgres` (it refuses to run as root).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use thidua_server::config::PoolerKind;
use thidua_tests::process::free_port;
use thidua_tests::{Backend, TestApp, postgres_url, replace_db_name, spawn_app_with};
use uuid::Uuid;

use crate::reports::{SUBMIT, field};
use crate::sse::{MY_REPORTS, subscribed};

/// PostgreSQL connections PgBouncer opens per database: fewer than the server's pools hold.
const SERVER_CONNECTIONS: usize = 2;
const CLIENTS: usize = 8;

fn pgbouncer_bin() -> Option<PathBuf> {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `host` and `port` of a `postgres://user@host:port/db` URL.
fn host_and_port(url: &str) -> (String, u16) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_owned(), p.parse().unwrap()),
        None => (authority.to_owned(), 5432),
    }
}

/// A PgBouncer process in transaction pooling mode, killed and its directory removed
/// when dropped.
struct Bouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Bouncer {
    fn start(bin: PathBuf, postgres: &str) -> Self {
        let (host, pg_port) = host_and_port(postgres);
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("thidua-pgbouncer-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let ini = dir.join("pgbouncer.ini");
        // Every database name goes to the same server, as `postgres` (`auth_type = any`
        // needs a forced user). No `ignore_startup_parameters`: a default installation
        // refuses `options` and `extra_float_digits`.
        std::fs::write(
            &ini,
            format!(
                "[databases]\n* = host={host} port={pg_port} user=postgres\n\
                 [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = any\npool_mode = transaction\n\
                 default_pool_size = {SERVER_CONNECTIONS}\nmax_client_conn = 200\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("pgbouncer.log")).unwrap();
        let mut cmd = Command::new(bin);
        if is_root() {
            cmd.args(["-u", "postgres"]);
        }
        let child = cmd
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start pgbouncer");
        let me = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "pgbouncer did not listen: {}",
                me.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        me
    }

    /// `direct` (a database on the server behind) through this PgBouncer.
    fn url_for(&self, direct: &str) -> String {
        let db = direct
            .rsplit_once('/')
            .map_or("postgres", |(_, d)| d.split('?').next().unwrap_or(d));
        replace_db_name(
            &format!("postgres://postgres@127.0.0.1:{}/x", self.port),
            db,
        )
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("pgbouncer log:\n{}", self.log());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let a = app.gql(Some(token), query, variables).await;
    assert!(a.body["errors"].is_null(), "{query}: {}", a.body);
    a.body["data"].clone()
}

/// Server connections PostgreSQL holds for `db` (PgBouncer's and the LISTEN one).
async fn backends(direct: &sea_orm::DatabaseConnection, db: &str) -> i64 {
    direct
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pg_stat_activity WHERE datname = $1",
            [db.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_works_behind_pgbouncer_in_transaction_pooling_mode() {
    let Some(pg) = postgres_url() else {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    };
    let Some(bin) = pgbouncer_bin() else {
        eprintln!("pgbouncer is not installed (apt-get install pgbouncer): skipping");
        return;
    };
    let bouncer = Bouncer::start(bin, &pg);
    let mut direct_url = String::new();
    let app = spawn_app_with(Backend::Postgres, |s| {
        direct_url = s.database.url.expose_secret().to_owned();
        s.database.url = bouncer.url_for(&direct_url).into();
        s.database.pooler = PoolerKind::Transaction;
        s.database.listen_url = Some(direct_url.clone().into());
        s.database.max_connections = 6;
        s.events.event_coalesce_ms = 300;
    })
    .await;
    let db_name = direct_url
        .rsplit_once('/')
        .map(|(_, d)| d.split('?').next().unwrap_or(d).to_owned())
        .unwrap();

    // Sign-ins, units, users, grants and a launched campaign.
    let f = field(&app).await;
    let mut sse = subscribed(&app, &f.reporter, MY_REPORTS, json!({})).await;

    // Report batches and reads at once, from several clients.
    let writers = (0..CLIENTS).map(|c| {
        let (app, f) = (&app, &f);
        async move {
            let month = u32::try_from(c % 12).unwrap() + 1;
            // The reporter sends ward A's, the administrator ward B's.
            let (token, unit) = if c % 2 == 0 {
                (&f.reporter, &f.ward_a)
            } else {
                (&f.admin, &f.ward_b)
            };
            let reports = vec![f.report(Uuid::now_v7(), unit, month)];
            let d = ok(app, token, SUBMIT, json!({"i": {"reports": reports}})).await;
            let result = &d["submitReports"]["results"][0];
            (result["status"].clone(), result["report"]["id"].clone())
        }
    });
    let readers = (0..CLIENTS).map(|c| {
        let (app, f) = (&app, &f);
        async move {
            let token = if c % 2 == 0 { &f.manager } else { &f.admin };
            ok(
                app,
                token,
                "query($c: ID!) { me { user { username } } node(id: $c) { ... on Campaign { code criteria { title } } } \
                 orgUnits(first: 10) { edges { node { code name } } } \
                 reports(first: 20) { edges { node { id status values { value } } } } }",
                json!({"c": f.campaign}),
            )
            .await
        }
    });
    let (written, read) = tokio::join!(
        futures_util::future::join_all(writers),
        futures_util::future::join_all(readers)
    );
    for (status, _) in &written {
        assert_eq!(status, "ACCEPTED");
    }
    for r in read {
        assert_eq!(r["node"]["code"], "RPT-1", "{r}");
    }
    // More client connections than PostgreSQL connections: PgBouncer shared them.
    let (in_use, idle) = app.db.pool_usage();
    let direct = sea_orm::Database::connect(pg.as_str()).await.unwrap();
    let held = backends(&direct, &db_name).await;
    assert!(
        usize::try_from(in_use + idle).unwrap() > SERVER_CONNECTIONS,
        "the pool opened {in_use} + {idle} connections"
    );
    assert!(
        held <= i64::try_from(SERVER_CONNECTIONS).unwrap() + 1,
        "PostgreSQL holds {held} connections for the database"
    );

    // A review through the pooler reaches the reporter's stream (LISTEN on PostgreSQL).
    let report = written[0].1.as_str().unwrap().to_owned();
    ok(
        &app,
        &f.manager,
        "mutation($i: ReturnReportInput!) { returnReport(input: $i) { report { status } } }",
        json!({"i": {"id": report, "reason": "Thiếu số liệu"}}),
    )
    .await;
    let heard = sse.data().await;
    assert_eq!(heard["myReportStatusChanged"]["reportId"], report.as_str());
    assert_eq!(heard["myReportStatusChanged"]["status"], "RETURNED");

    // The change feed, paged through the pooler, delivers every report the reporter sent.
    let sent: std::collections::HashSet<String> = written
        .iter()
        .step_by(2)
        .map(|(_, id)| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent.len(), CLIENTS.div_ceil(2));
    crate::sync::sync_until(&app, &f.reporter, None, |seen| {
        let fed: std::collections::HashSet<&str> = seen
            .iter()
            .filter(|c| c["entity"] == "ProgressReport" && c["op"] == "UPSERT")
            .filter_map(|c| c["id"].as_str())
            .collect();
        sent.iter().all(|id| fed.contains(id.as_str()))
    })
    .await;
    // Signing in again and signing out are writes outside a mutation's transaction too.
    let again = app.login("bao.cao.a", thidua_tests::PASSWORD).await;
    ok(&app, &again, "{ me { user { username } } }", json!({})).await;
    drop(sse);
    drop(app);
    drop(bouncer);
}
