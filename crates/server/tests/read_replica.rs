//! `THIDUA_DATABASE_READ_URL` against a real streaming replica. The test makes its own
//! PostgreSQL primary (`initdb` on a free port, so the machine's cluster and its
//! `pg_hba.conf` are left alone), a replica of it with `pg_basebackup -R` on another
//! port, and runs `thidua serve` on both. With the replica's replay paused (lag as long
//! as the test likes): a person who has just written reads their write (from the
//! primary), while another person's queries read the replica and do not see it yet; once
//! replay resumes they do.
//!
//! Runs when `THIDUA_TEST_POSTGRES_URL` is set (as in CI) and the PostgreSQL server
//! binaries are installed; it needs to run as root or as `postgres` (the server refuses
//! to run as root, so it is started as `postgres` then).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use thidua_tests::process::{Server, clean_command, client, free_port, graphql, login};
use thidua_tests::{ADMIN_PASSWORD, JWT_SECRET};

const BIN: &str = env!("CARGO_BIN_EXE_thidua");
const VIEWER_PASSWORD: &str = "a-viewer-password-for-replica-tests";

/// The newest installed PostgreSQL's server binaries.
fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_basebackup").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL tool, as `postgres` when the test runs as root.
fn tool(bin: &Path, name: &str, root: bool) -> Command {
    let path = bin.join(name);
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    };
    cmd.stdin(Stdio::null());
    cmd
}

fn run(mut cmd: Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Two clusters in a temporary directory, stopped and removed when dropped.
struct Clusters {
    dir: PathBuf,
    bin: PathBuf,
    root: bool,
    primary_port: u16,
    replica_port: u16,
}

impl Clusters {
    fn start(bin: PathBuf) -> Self {
        let root = is_root();
        let dir =
            std::env::temp_dir().join(format!("thidua-replica-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if root {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["postgres:postgres"]).arg(&dir);
                    c
                },
                "chown",
            );
        }
        let me = Self {
            primary_port: free_port(),
            replica_port: free_port(),
            dir,
            bin,
            root,
        };
        let primary = me.dir.join("primary");
        let mut initdb = tool(&me.bin, "initdb", root);
        initdb
            .args([
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&primary);
        run(initdb, "initdb");
        // initdb's pg_hba.conf lets local replication connections in with `trust`.
        me.configure(&primary, me.primary_port);
        me.pg_ctl(&primary, "start");
        let replica = me.dir.join("replica");
        let mut backup = tool(&me.bin, "pg_basebackup", root);
        backup
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-X",
                "stream",
                "-R",
                "-p",
            ])
            .arg(me.primary_port.to_string())
            .arg("-D")
            .arg(&replica);
        run(backup, "pg_basebackup");
        me.configure(&replica, me.replica_port);
        me.pg_ctl(&replica, "start");
        me
    }

    /// Port, loopback only, sockets in the cluster's own directory, small and fast.
    fn configure(&self, data: &Path, port: u16) {
        use std::io::Write as _;
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .unwrap();
        writeln!(
            conf,
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nshared_buffers = 32MB\nmax_wal_senders = 4\nhot_standby = on",
            self.dir.display()
        )
        .unwrap();
    }

    fn pg_ctl(&self, data: &Path, action: &str) {
        let mut c = tool(&self.bin, "pg_ctl", self.root);
        c.args(["-w", "-t", "60", "-D"])
            .arg(data)
            .arg("-l")
            .arg(data.with_extension("log"))
            .arg(action);
        run(c, &format!("pg_ctl {action}"));
    }

    fn url(&self, port: u16, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{db}")
    }

    fn psql(&self, port: u16, db: &str, sql: &str) -> String {
        let mut c = Command::new("psql");
        c.args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .arg(self.url(port, db))
            .stdin(Stdio::null());
        run(c, sql).trim().to_owned()
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        for data in ["replica", "primary"] {
            let mut c = tool(&self.bin, "pg_ctl", self.root);
            c.args(["-w", "-m", "immediate", "-D"])
                .arg(self.dir.join(data))
                .arg("stop")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let _ = c.status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn ok(http: &reqwest::Client, server: &Server, token: &str, query: &str) -> Value {
    let (_, body) = graphql(http, server, query, Some(token), None).await;
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}

async fn unit_named(http: &reqwest::Client, s: &Server, token: &str, code: &str) -> Value {
    ok(
        http,
        s,
        token,
        &format!("{{ orgUnit(code: {}) {{ id name }} }}", json!(code)),
    )
    .await["orgUnit"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_read_the_replica_and_a_writer_reads_its_own_writes() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    }
    let Some(bin) = pg_bin() else {
        eprintln!("no PostgreSQL server binaries under /usr/lib/postgresql: skipping");
        return;
    };
    let pg = Clusters::start(bin);
    pg.psql(pg.primary_port, "postgres", "CREATE DATABASE thidua");
    let scratch = thidua_tests::Scratch::new();
    let mut cmd = clean_command(BIN, &scratch.dir);
    cmd.env("DATABASE_URL", pg.url(pg.primary_port, "thidua"))
        .env(
            "THIDUA_DATABASE_READ_URL",
            pg.url(pg.replica_port, "thidua"),
        )
        .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("THIDUA_JWT_SECRET", JWT_SECRET);
    let mut server = Server::start(cmd);
    let http = client();
    server.wait_ready(&http).await;

    let admin = login(&http, &server, "admin", ADMIN_PASSWORD).await;
    let root = unit_named(&http, &server, &admin, "QN").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = ok(
        &http,
        &server,
        &admin,
        &format!(
            "mutation {{ createUser(input: {{username: \"xem\", displayName: \"Xem\", password: {}}}) \
                {{ user {{ id }} }} }}",
            json!(VIEWER_PASSWORD)
        ),
    )
    .await;
    let viewer_id = d["createUser"]["user"]["id"].as_str().unwrap().to_owned();
    ok(
        &http,
        &server,
        &admin,
        &format!(
            "mutation {{ grantRole(input: {{userId: {}, role: VIEWER, unitId: {}}}) {{ user {{ id }} }} }}",
            json!(viewer_id),
            json!(root)
        ),
    )
    .await;
    let viewer = login(&http, &server, "xem", VIEWER_PASSWORD).await;
    // The viewer's session reaches the replica before replay stops.
    let deadline = Instant::now() + Duration::from_secs(30);
    while pg.psql(pg.replica_port, "thidua", "SELECT count(*) FROM sessions")
        != pg.psql(pg.primary_port, "thidua", "SELECT count(*) FROM sessions")
    {
        assert!(Instant::now() < deadline, "the replica does not catch up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Lag: the replica stops replaying.
    pg.psql(pg.replica_port, "postgres", "SELECT pg_wal_replay_pause()");
    let d = ok(
        &http,
        &server,
        &admin,
        &format!(
            "mutation {{ createOrgUnit(input: {{code: \"REPLICA-1\", name: \"Phường Bản Sao\", kind: WARD, parentId: {}}}) \
                {{ orgUnit {{ id }} userErrors {{ code }} }} }}",
            json!(root)
        ),
    )
    .await;
    assert_eq!(d["createOrgUnit"]["userErrors"], json!([]), "{d}");
    // The writer reads their own write at once, from the primary.
    assert_eq!(
        unit_named(&http, &server, &admin, "REPLICA-1").await["name"],
        "Phường Bản Sao"
    );
    // So do they after signing in again: the fence is the person's, not the session's.
    let admin_again = login(&http, &server, "admin", ADMIN_PASSWORD).await;
    assert_eq!(
        unit_named(&http, &server, &admin_again, "REPLICA-1").await["name"],
        "Phường Bản Sao"
    );
    // Another person reads the replica, which has not replayed it.
    assert_eq!(
        unit_named(&http, &server, &viewer, "REPLICA-1").await,
        Value::Null
    );
    assert_eq!(
        pg.psql(
            pg.primary_port,
            "thidua",
            "SELECT count(*) FROM org_units WHERE code = 'REPLICA-1'"
        ),
        "1"
    );

    pg.psql(pg.replica_port, "postgres", "SELECT pg_wal_replay_resume()");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let u = unit_named(&http, &server, &viewer, "REPLICA-1").await;
        if u != Value::Null {
            assert_eq!(u["name"], "Phường Bản Sao");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never served the new unit"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Caught up, the writer reads the replica again and still sees its write.
    assert_eq!(
        unit_named(&http, &server, &admin, "REPLICA-1").await["name"],
        "Phường Bản Sao"
    );

    // The replica goes down: within a probe or two, everyone's queries read the primary
    // (including what was written after it stopped) instead of failing.
    let replica = pg.dir.join("replica");
    pg.pg_ctl(&replica, "stop");
    create_unit(&http, &server, &admin, &root, "REPLICA-2").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // During the first probe period a read may still go to the stopped replica: the
        // server then answers 503 (the database is unavailable), which a client retries.
        let resp = http
            .post(server.url("/graphql"))
            .bearer_auth(&viewer)
            .json(&json!({"query": "{ orgUnit(code: \"REPLICA-2\") { name } }"}))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(
            status == 200 || status == 503,
            "a read with the replica down answers {status}: {body}"
        );
        if body.get("errors").is_none() && body["data"]["orgUnit"]["name"] == "Phường REPLICA-2"
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "reads still fail or miss the new unit with the replica down: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..20 {
        assert_eq!(
            unit_named(&http, &server, &viewer, "REPLICA-2").await["name"],
            "Phường REPLICA-2"
        );
    }

    // Back up (and paused, so that what it serves can be told apart): queries go to it
    // again, and miss what the primary wrote since.
    pg.pg_ctl(&replica, "start");
    pg.psql(pg.replica_port, "postgres", "SELECT pg_wal_replay_pause()");
    create_unit(&http, &server, &admin, &root, "REPLICA-3").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while unit_named(&http, &server, &viewer, "REPLICA-3").await != Value::Null {
        assert!(
            Instant::now() < deadline,
            "queries never went back to the replica"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pg.psql(pg.replica_port, "postgres", "SELECT pg_wal_replay_resume()");
    server.terminate();
}

/// Creates the ward `code` ("Phường <code>") under `parent`, as `token`.
async fn create_unit(
    http: &reqwest::Client,
    server: &Server,
    token: &str,
    parent: &str,
    code: &str,
) {
    let d = ok(
        http,
        server,
        token,
        &format!(
            "mutation {{ createOrgUnit(input: {{code: {}, name: {}, kind: WARD, parentId: {}}}) \
                {{ orgUnit {{ id }} userErrors {{ code }} }} }}",
            json!(code),
            json!(format!("Phường {code}")),
            json!(parent)
        ),
    )
    .await;
    assert_eq!(d["createOrgUnit"]["userErrors"], json!([]), "{d}");
}
