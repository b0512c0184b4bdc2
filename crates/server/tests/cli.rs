//! Process-level tests of the `thidua` binary: its subcommands, exit codes and messages,
//! its logs, and serving over real HTTP until SIGTERM. Each test works on its own
//! scratch directory (SQLite) or its own PostgreSQL database, and every process it
//! starts is killed when the test ends, even on failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;
use thidua_tests::process::{Server, clean_command, client, free_port, graphql, login};
use thidua_tests::{ADMIN_PASSWORD, Backend, JWT_SECRET, Scratch};

/// The binary under test (only this package's tests know where cargo put it).
const BIN: &str = env!("CARGO_BIN_EXE_thidua");

const ALICE_PASSWORD: &str = "a-secret-for-cli-tests";
/// `seed::DEMO_PASSWORD`, as the README and `thidua seed --demo` announce it.
const DEMO_PASSWORD: &str = "demo-thidua-2025";

/// How long a one-shot command (seed, user, migrate, schema) may take on a busy machine.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The six demo campaigns and the lifecycle state each one is left in.
const DEMO_CAMPAIGNS: &[(&str, &str)] = &[
    ("DEMO-CCHC-HUYEN-2025", "CANCELLED"),
    ("DEMO-CDS-GD-2027", "DRAFT"),
    ("DEMO-KLDT-2023", "LAUNCHED"),
    ("DEMO-NSAT-THAN-2025", "LAUNCHED"),
    ("DEMO-NTM-2024", "LAUNCHED"),
    ("DEMO-YT-2024", "CLOSED"),
];

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

/// Kills the child when dropped, unless it has already exited.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

fn drain<R: Read + Send + 'static>(mut r: R) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

#[derive(Debug)]
struct Outcome {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Outcome {
    #[track_caller]
    fn assert_success(&self, what: &str) -> &Self {
        assert!(
            self.status.success(),
            "`{what}` failed with {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// A failure with a non-zero exit code (not a crash by signal) and no panic.
    #[track_caller]
    fn assert_failure(&self, what: &str) -> &Self {
        assert!(
            !self.status.success() && self.status.code().is_some_and(|c| c != 0),
            "`{what}` should fail with a non-zero exit code, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "`{what}` panicked instead of failing cleanly:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    fn assert_stderr_mentions(&self, what: &str, needles: &[&str]) -> &Self {
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr of `{what}` should mention {needle:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// Runs a command to completion, capturing its output; kills it and fails the test if it
/// takes longer than `timeout`.
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Outcome {
    let started = Instant::now();
    let mut child = ChildGuard(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn thidua"),
    );
    let stdout = drain(child.0.stdout.take().expect("stdout"));
    let stderr = drain(child.0.stderr.take().expect("stderr"));
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.0.kill();
            let _ = child.0.wait();
            panic!(
                "{cmd:?} did not finish within {timeout:?}\n--- stderr\n{}",
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let elapsed = started.elapsed();
    Outcome {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        elapsed,
    }
}

fn run(cmd: Command) -> Outcome {
    run_with_timeout(cmd, COMMAND_TIMEOUT)
}

/// Runs `thidua` to completion on a scratch database.
trait Thidua {
    fn thidua(&self, args: &[&str]) -> Outcome;
}

impl Thidua for Scratch {
    fn thidua(&self, args: &[&str]) -> Outcome {
        let mut cmd = self.configured(BIN);
        cmd.args(args);
        run(cmd)
    }
}

/// The demo campaigns (code → status) a caller sees when searching for "demo".
async fn demo_campaigns(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
) -> BTreeMap<String, String> {
    let (_, body) = graphql(
        client,
        server,
        r#"{ campaigns(first: 50, filter: {search: "demo"}) { edges { node { code status } } } }"#,
        Some(token),
        None,
    )
    .await;
    assert!(body.get("errors").is_none(), "campaigns failed: {body}");
    let edges = body["data"]["campaigns"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no campaign edges: {body}"));
    let mut found = BTreeMap::new();
    for edge in edges {
        let code = edge["node"]["code"].as_str().expect("code").to_owned();
        let status = edge["node"]["status"].as_str().expect("status").to_owned();
        assert!(
            found.insert(code.clone(), status).is_none(),
            "campaign {code} listed twice: {body}"
        );
    }
    found
}

fn expected_demo_campaigns() -> BTreeMap<String, String> {
    DEMO_CAMPAIGNS
        .iter()
        .map(|(c, s)| ((*c).to_owned(), (*s).to_owned()))
        .collect()
}

/// Removes ANSI colour sequences (`ESC [ … letter`) from a text log line.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// True when `value` holds `key: needle` at any depth.
fn has_field(value: &Value, key: &str, needle: &str) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| (k == key && v.as_str() == Some(needle)) || has_field(v, key, needle)),
        Value::Array(items) => items.iter().any(|v| has_field(v, key, needle)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

/// `thidua schema` prints exactly the committed contract `schema/schema.graphql`.
#[test]
fn schema_prints_the_committed_sdl() {
    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/schema.graphql");
    let committed = std::fs::read_to_string(committed_path).expect("read schema/schema.graphql");
    let scratch = Scratch::new();
    let mut cmd = clean_command(BIN, &scratch.dir);
    cmd.arg("schema");
    let out = run(cmd);
    out.assert_success("thidua schema");
    if out.stdout != committed {
        let first_difference = out
            .stdout
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "one is a prefix of the other".to_owned(),
                |i| {
                    format!(
                        "first difference at line {}:\n  printed:   {:?}\n  committed: {:?}",
                        i + 1,
                        out.stdout.lines().nth(i).unwrap_or_default(),
                        committed.lines().nth(i).unwrap_or_default()
                    )
                },
            );
        panic!(
            "`thidua schema` differs from schema/schema.graphql ({} vs {} bytes); {first_difference}\n\
             regenerate it with `cargo run -p thidua-server -- schema > schema/schema.graphql`",
            out.stdout.len(),
            committed.len()
        );
    }
    // `schema` touches no database.
    assert!(
        !scratch.dir.join("data").exists(),
        "`thidua schema` created a database"
    );
}

/// `thidua seed --demo` loads the demo set once: a second run succeeds and adds nothing.
#[tokio::test]
async fn seed_demo_is_idempotent() {
    let scratch = Scratch::new();
    for run in 1..=2 {
        let out = scratch.thidua(&["seed", "--demo"]);
        out.assert_success(&format!("thidua seed --demo (run {run})"));
        assert!(
            out.stdout.contains("demo data loaded") && out.stdout.contains(DEMO_PASSWORD),
            "run {run}: stdout should announce the demo data and its password:\n{}",
            out.stdout
        );
    }

    let client = client();
    let mut server = Server::start(scratch.configured(BIN));
    server.wait_ready(&client).await;
    let token = login(&client, &server, "admin", ADMIN_PASSWORD).await;
    assert_eq!(
        demo_campaigns(&client, &server, &token).await,
        expected_demo_campaigns(),
        "after two demo seeds there are still exactly the six demo campaigns"
    );
    let (_, body) = graphql(
        &client,
        &server,
        "{ orgUnits(first: 100) { edges { node { code } } } }",
        Some(&token),
        None,
    )
    .await;
    let units = body["data"]["orgUnits"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("orgUnits failed: {body}"));
    let demo_units = units
        .iter()
        .filter(|e| {
            e["node"]["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("DEMO-"))
        })
        .count();
    assert_eq!(demo_units, 20, "active demo units after two seeds: {body}");
    // The demo users were created once, with the announced password.
    login(&client, &server, "demo.viewer", DEMO_PASSWORD).await;
    assert!(server.terminate().success());
}

/// `thidua events prune` deletes events past the retention, or past `--older-than-days`
/// (1 to 36500 days; anything else is refused before the database is touched).
#[test]
fn events_prune_keeps_recent_events_and_checks_its_argument() {
    let scratch = Scratch::new();
    // A snapshot writes an event, which is younger than any retention.
    scratch
        .thidua(&["snapshot"])
        .assert_success("thidua snapshot");
    for args in [
        &["events", "prune"][..],
        &["events", "prune", "--older-than-days", "1"][..],
    ] {
        let out = scratch.thidua(args);
        out.assert_success(&args.join(" "));
        assert!(out.stdout.contains("0 events pruned"), "{}", out.stdout);
    }
    for bad in ["0", "36501", "-1", "x"] {
        scratch
            .thidua(&["events", "prune", "--older-than-days", bad])
            .assert_failure(&format!("events prune --older-than-days {bad}"));
    }
}

/// Seeds the demo, then runs `thidua <command> rebuild` twice: both runs must print
/// `<n> <what> rebuilt` with the same `n` > 0.
fn rebuild_twice_writes_the_same_rows(command: &str, what: &str) {
    let scratch = Scratch::new();
    scratch
        .thidua(&["seed", "--demo"])
        .assert_success("thidua seed --demo");
    let rows = |run: u32| -> u64 {
        let out = scratch.thidua(&[command, "rebuild"]);
        out.assert_success(&format!("thidua {command} rebuild (run {run})"));
        out.stdout
            .trim()
            .strip_suffix(&format!(" {what} rebuilt"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("run {run}: {}", out.stdout))
    };
    let first = rows(1);
    assert!(first > 0, "{command}: the demo writes what it counts");
    assert_eq!(rows(2), first);
}

/// `thidua progress-rollups rebuild` recomputes the rollups the demo's approvals kept, and
/// running it again writes the same rows.
#[test]
fn progress_rollups_rebuild_recomputes_the_demo_approvals() {
    rebuild_twice_writes_the_same_rows("progress-rollups", "progress rollup rows");
}

/// `thidua commendation-totals rebuild` recomputes the totals the demo's commendations
/// kept, and running it again writes the same rows.
#[test]
fn commendation_totals_rebuild_recomputes_the_demo_commendations() {
    rebuild_twice_writes_the_same_rows("commendation-totals", "commendation total rows");
}

/// `thidua snapshot` records today's value of every target, replacing a same-day snapshot;
/// the server takes one at start too, so the history has one point per target per day.
#[tokio::test]
async fn snapshots_keep_one_point_per_target_per_day() {
    let scratch = Scratch::new();
    for run in 1..=2 {
        let out = scratch.thidua(&["snapshot"]);
        out.assert_success(&format!("thidua snapshot (run {run})"));
        assert!(
            out.stdout.contains("4 target snapshots taken"),
            "run {run}:\n{}",
            out.stdout
        );
    }
    let client = client();
    let mut server = Server::start(scratch.configured(BIN));
    server.wait_ready(&client).await;
    // The start-up snapshot replaces today's point in one transaction, so a read sees one
    // point per target whether it ran yet or not.
    let (_, body) = graphql(
        &client,
        &server,
        "{ targets { code history { on value } } }",
        None,
        None,
    )
    .await;
    let targets = body["data"]["targets"]
        .as_array()
        .unwrap_or_else(|| panic!("targets failed: {body}"));
    assert_eq!(targets.len(), 4);
    for t in targets {
        let history = t["history"].as_array().expect("history");
        assert_eq!(history.len(), 1, "one point per day: {t}");
    }
    let t3 = targets
        .iter()
        .find(|t| t["code"] == "T3-TRUNG-UONG")
        .expect("target 3");
    assert_eq!(t3["history"][0]["value"], "0", "{t3}");
    assert!(server.terminate().success());
}

/// `thidua user create` / `user grant` work, and refuse bad input with a clear message
/// and a non-zero exit code.
#[test]
fn user_create_and_grant() {
    let scratch = Scratch::new();

    let out = scratch.thidua(&["user", "create", "alice", "--password", ALICE_PASSWORD]);
    out.assert_success("user create alice");
    assert!(
        out.stdout.contains("created user alice"),
        "stdout: {}",
        out.stdout
    );
    assert!(
        !out.stdout.contains(ALICE_PASSWORD) && !out.stderr.contains(ALICE_PASSWORD),
        "a password given on the command line is not echoed back"
    );

    let out = scratch.thidua(&["user", "grant", "alice", "VIEWER", "--unit", "QN"]);
    out.assert_success("user grant alice VIEWER --unit QN");
    assert!(
        out.stdout.contains("granted VIEWER to alice on QN"),
        "stdout: {}",
        out.stdout
    );

    let out = scratch.thidua(&[
        "user",
        "create",
        "dung",
        "--home-unit",
        "QN",
        "--password",
        ALICE_PASSWORD,
    ]);
    out.assert_success("user create dung --home-unit QN");
    let home = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(scratch.database_url())
            .await
            .unwrap();
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT ou.code AS code FROM users us JOIN org_units ou ON ou.id = us.unit_id \
                 WHERE us.username = 'dung'",
            ))
            .await
            .unwrap();
        db.close().await.ok();
        row.map(|r| r.try_get::<String>("", "code").unwrap())
    });
    assert_eq!(home.as_deref(), Some("QN"), "dung's home unit");
    scratch
        .thidua(&["user", "create", "eve", "--home-unit", "NO-SUCH-UNIT"])
        .assert_failure("user create with an unknown home unit")
        .assert_stderr_mentions("user create with an unknown home unit", &["NO-SUCH-UNIT"]);

    scratch
        .thidua(&["user", "grant", "alice", "VIEWER", "--unit", "NO-SUCH-UNIT"])
        .assert_failure("user grant on an unknown unit")
        .assert_stderr_mentions("user grant on an unknown unit", &["unit", "NO-SUCH-UNIT"]);

    scratch
        .thidua(&["user", "grant", "nobody", "VIEWER", "--unit", "QN"])
        .assert_failure("user grant to an unknown user")
        .assert_stderr_mentions("user grant to an unknown user", &["user", "nobody"]);

    scratch
        .thidua(&["user", "create", "bob", "--password", "short-pw"])
        .assert_failure("user create with a short password")
        .assert_stderr_mentions("user create with a short password", &["password", "12"]);
    // Nothing was created by the refused command.
    scratch
        .thidua(&["user", "grant", "bob", "VIEWER", "--unit", "QN"])
        .assert_failure("user grant to the refused bob")
        .assert_stderr_mentions("user grant to the refused bob", &["bob"]);

    scratch
        .thidua(&["user", "create", "alice", "--password", ALICE_PASSWORD])
        .assert_failure("user create alice again")
        .assert_stderr_mentions("user create alice again", &["username"]);

    // The password may also come from THIDUA_NEW_USER_PASSWORD.
    let mut cmd = scratch.configured(BIN);
    cmd.env("THIDUA_NEW_USER_PASSWORD", "a-secret-from-the-env")
        .args(["user", "create", "carol"]);
    let out = run(cmd);
    out.assert_success("user create carol (password from the environment)");
    assert!(
        !out.stdout.contains("password"),
        "no generated password is printed when one is given: {}",
        out.stdout
    );
}

/// `thidua serve` answers GraphQL with the demo data to a user made on the command line,
/// then stops gracefully (exit code 0) on SIGTERM.
#[tokio::test]
async fn serve_answers_and_shuts_down_gracefully_on_sigterm() {
    let scratch = Scratch::new();
    scratch
        .thidua(&["seed", "--demo"])
        .assert_success("seed --demo");
    scratch
        .thidua(&["user", "create", "alice", "--password", ALICE_PASSWORD])
        .assert_success("user create alice");
    scratch
        .thidua(&["user", "grant", "alice", "VIEWER", "--unit", "QN"])
        .assert_success("user grant alice VIEWER --unit QN");

    let client = client();
    let mut server = Server::start(scratch.configured(BIN));
    server.wait_ready(&client).await;

    let health = client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(health.status(), reqwest::StatusCode::OK);

    let token = login(&client, &server, "alice", ALICE_PASSWORD).await;
    let campaigns = demo_campaigns(&client, &server, &token).await;
    assert_eq!(campaigns, expected_demo_campaigns());
    let statuses: std::collections::BTreeSet<_> = campaigns.values().collect();
    assert!(
        statuses.len() >= 4,
        "the demo campaigns cover the lifecycle: {campaigns:?}"
    );

    // The client keeps its keep-alive connection open while the server is asked to stop.
    let status = server.terminate();
    assert!(
        status.success(),
        "SIGTERM should end thidua serve gracefully with exit code 0, got {status}\n--- log\n{}",
        server.log_text()
    );
    drop(client);
}

/// With `THIDUA_LOG_FORMAT=json` every log line is a JSON object, and a request's log
/// lines carry the client's `x-request-id` (which the response echoes).
#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let scratch = Scratch::new();
    let mut cmd = scratch.configured(BIN);
    cmd.env("THIDUA_LOG_FORMAT", "json");
    let client = client();
    let mut server = Server::start(cmd);
    server.wait_ready(&client).await;

    let (headers, body) = graphql(
        &client,
        &server,
        "{ programmes { code } }",
        None,
        Some("cli-test-123"),
    )
    .await;
    assert!(body.get("errors").is_none(), "programmes failed: {body}");
    assert_eq!(
        headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("cli-test-123"),
        "the response echoes the request id"
    );
    server
        .wait_for_log(Duration::from_secs(10), |l| l.contains("cli-test-123"))
        .await;

    assert!(server.terminate().success());
    let lines: Vec<String> = server
        .logs()
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(lines.len() >= 3, "expected a few log lines: {lines:#?}");
    let mut parsed = Vec::new();
    for line in &lines {
        match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => parsed.push(v),
            _ => panic!("a log line is not a JSON object: {line:?}\n--- log\n{lines:#?}"),
        }
    }
    assert!(
        parsed
            .iter()
            .any(|v| has_field(v, "request_id", "cli-test-123")),
        "no log line has request_id = cli-test-123:\n{lines:#?}"
    );
}

/// In production `thidua serve` refuses to start without a JWT secret of at least 32
/// bytes, and says which setting is wrong; with a strong one it starts.
#[tokio::test]
async fn production_requires_a_strong_jwt_secret() {
    let scratch = Scratch::new();
    let production = || {
        let mut cmd = scratch.command(BIN);
        cmd.env("THIDUA_ENV", "production")
            .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .args(["serve", "--port", &free_port().to_string()]);
        cmd
    };

    let out = run_with_timeout(production(), Duration::from_secs(30));
    out.assert_failure("serve in production without a secret")
        .assert_stderr_mentions(
            "serve in production without a secret",
            &["THIDUA_JWT_SECRET"],
        );
    assert!(
        out.elapsed < Duration::from_secs(10),
        "the refusal should be quick, took {:?}",
        out.elapsed
    );

    let mut weak = production();
    weak.env("THIDUA_JWT_SECRET", "0123456789");
    let out = run_with_timeout(weak, Duration::from_secs(30));
    out.assert_failure("serve in production with a 10-byte secret")
        .assert_stderr_mentions(
            "serve in production with a 10-byte secret",
            &["THIDUA_JWT_SECRET"],
        );
    assert!(
        !out.stderr.contains("0123456789"),
        "the secret itself is not printed: {}",
        out.stderr
    );

    // The control: a 32+ byte secret is accepted.
    let mut cmd = scratch.command(BIN);
    cmd.env("THIDUA_ENV", "production")
        .env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("THIDUA_JWT_SECRET", JWT_SECRET);
    let client = client();
    let mut server = Server::start(cmd);
    server.wait_ready(&client).await;
    assert!(server.terminate().success());
}

/// Scale-out settings that cannot work are refused at start, quickly, naming the setting
/// and without printing a secret: the S3 store without a bucket, and a read replica beside
/// an SQLite database or at a URL that is not PostgreSQL's.
#[tokio::test]
async fn serve_refuses_scale_out_settings_that_cannot_work() {
    let scratch = Scratch::new();
    let serve = |vars: &[(&str, &str)]| {
        let mut cmd = scratch.command(BIN);
        cmd.env("THIDUA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(vars.iter().copied())
            .args(["serve", "--port", &free_port().to_string()]);
        cmd
    };
    /// What is wrong, the variables that say it, and the setting the refusal must name.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        (
            "the S3 store without a bucket",
            &[("THIDUA_BLOB_STORE", "s3")],
            "THIDUA_S3_BUCKET",
        ),
        (
            "a PostgreSQL read replica beside SQLite",
            &[(
                "THIDUA_DATABASE_READ_URL",
                "postgres://reader:hunter2-secret@127.0.0.1:1/thidua",
            )],
            "THIDUA_DATABASE_READ_URL",
        ),
        (
            "an SQLite read replica",
            &[("THIDUA_DATABASE_READ_URL", "sqlite://hunter2-secret.db")],
            "THIDUA_DATABASE_READ_URL",
        ),
    ];
    for (what, vars, setting) in cases {
        let out = run_with_timeout(serve(vars), Duration::from_secs(30));
        out.assert_failure(what)
            .assert_stderr_mentions(what, &[setting]);
        assert!(
            !out.stderr.contains("hunter2-secret"),
            "{what}: the URL is not printed: {}",
            out.stderr
        );
        assert!(
            out.elapsed < Duration::from_secs(10),
            "{what}: the refusal should be quick, took {:?}",
            out.elapsed
        );
    }
}

/// Without `THIDUA_ADMIN_PASSWORD` the first start logs the admin's one-time password
/// once; it works for `login`; a second start on the same database does not log it again.
#[tokio::test]
async fn first_start_logs_the_one_time_admin_password_once() {
    let scratch = Scratch::new();
    let start = || {
        let mut cmd = scratch.command(BIN);
        cmd.env("THIDUA_JWT_SECRET", JWT_SECRET);
        Server::start(cmd)
    };
    let client = client();

    let mut first = start();
    first.wait_ready(&client).await;
    let line = first
        .wait_for_log(Duration::from_secs(10), |l| l.contains("one_time_password"))
        .await;
    let plain = strip_ansi(&line);
    let password: String = plain
        .split_once("one_time_password=")
        .unwrap_or_else(|| panic!("no `one_time_password=` in {plain:?}"))
        .1
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    assert!(
        password.len() >= 10,
        "implausible one-time password {password:?} in {plain:?}"
    );
    login(&client, &first, "admin", &password).await;
    assert!(first.terminate().success());
    let mentions = first
        .logs()
        .iter()
        .filter(|l| l.contains("one_time_password"))
        .count();
    assert_eq!(
        mentions,
        1,
        "the one-time password is logged exactly once:\n{}",
        first.log_text()
    );

    let mut second = start();
    second.wait_ready(&client).await;
    // Still the same administrator with the same password.
    login(&client, &second, "admin", &password).await;
    assert!(second.terminate().success());
    let log = second.log_text();
    assert!(
        !log.contains("one_time_password") && !log.contains(&password),
        "a second start must not log a one-time password:\n{log}"
    );
}

/// On PostgreSQL, `thidua seed --demo` and `thidua migrate` work on a fresh database.
#[tokio::test]
async fn postgres_seed_and_migrate() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the PostgreSQL CLI test");
        return;
    }
    use sea_orm::{ConnectionTrait, Database};

    let scratch = Scratch::empty(Backend::Postgres).await;
    let url = scratch.database_url();
    let thidua = |args: &[&str]| {
        let mut cmd = scratch.configured(BIN);
        cmd.args(args);
        run(cmd)
    };

    for run in 1..=2 {
        let out = thidua(&["seed", "--demo"]);
        out.assert_success(&format!("thidua seed --demo on PostgreSQL (run {run})"));
        assert!(out.stdout.contains("demo data loaded"), "{}", out.stdout);
    }
    let out = thidua(&["migrate"]);
    out.assert_success("thidua migrate on PostgreSQL");
    assert!(out.stdout.contains("migrations applied"), "{}", out.stdout);

    let db = Database::connect(url)
        .await
        .expect("connect to the new database");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM campaigns WHERE code LIKE 'DEMO-%'",
        ))
        .await
        .expect("count demo campaigns")
        .expect("a row");
    let n: i64 = row.try_get("", "n").expect("n");
    db.close().await.ok();
    assert_eq!(n, 6, "demo campaigns on PostgreSQL after two seeds");
}

// ---------------------------------------------------------------------------------------
// Demo data behind every screen
// ---------------------------------------------------------------------------------------

/// One GraphQL read as the admin; fails on any error.
async fn read(client: &reqwest::Client, server: &Server, token: &str, query: &str) -> Value {
    let (_, body) = graphql(client, server, query, Some(token), None).await;
    assert!(body.get("errors").is_none(), "{query}\nfailed: {body}");
    body["data"].clone()
}

fn nodes(v: &Value) -> &Vec<Value> {
    v["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes in {v}"))
}

/// Whether a code or title is marked as demo data.
fn is_demo(s: &Value) -> bool {
    s.as_str()
        .is_some_and(|s| s.starts_with("DEMO-") || s.ends_with(" (demo)"))
}

/// What each screen lists after a demo seed (only demo rows, in a stable order), for a
/// server started on the scratch database and stopped again.
async fn demo_screens(scratch: &Scratch) -> Value {
    let client = client();
    let mut server = Server::start(scratch.configured(BIN));
    server.wait_ready(&client).await;
    let token = login(&client, &server, "admin", ADMIN_PASSWORD).await;
    let q = |query: &'static str| read(&client, &server, &token, query);

    let units = q(r#"{ orgUnits(first: 100, filter: {includeInactive: true}) { nodes { code kind isActive successor { code } succeededOn } } }"#).await;
    let units: Vec<Value> = nodes(&units["orgUnits"])
        .iter()
        .filter(|u| is_demo(&u["code"]))
        .cloned()
        .collect();
    let clusters = q("{ clusters { code kind members { code } } }").await;
    let clusters: Vec<Value> = clusters["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .filter(|c| is_demo(&c["code"]))
        .cloned()
        .collect();
    let stages = q("{ exemplarStageCounts { stage count } }").await;
    let models = q("{ exemplars(first: 100) { nodes { name stage isDirectWorker replications { unit { code } } } } }").await;
    let approved = q("{ reports(first: 100, filter: {status: APPROVED}) { nodes { id } } }").await;
    let returned =
        q("{ reports(first: 100, filter: {status: RETURNED}) { nodes { id returnReason } } }")
            .await;
    let sessions = q("{ councilSessions(first: 100) { nodes { title memberCount } } }").await;
    let commendations = q("{ commendations(first: 100) { nodes { kind status isDirectWorker awardType { code level } session { title unit { code } } ballot { yes } decisionNumber proposedOn declinedReason recordedDirectly } } }").await;
    let successor = q(r#"{ orgUnit(code: "DEMO-X-BA-CHE") { id predecessors { code } } }"#).await;
    let successor_id = successor["orgUnit"]["id"].as_str().expect("Xã Ba Chẽ");
    let carried = read(
        &client,
        &server,
        &token,
        &format!(
            r#"{{ commendations(first: 100, filter: {{unitSubtree: "{successor_id}"}}) {{ nodes {{ status unit {{ code }} awardYear }} }} }}"#
        ),
    )
    .await;
    let person_fields = "name isForeign unit { code } unitHistory { unit { code } from to } commendations { kind status }";
    let moved = read(
        &client,
        &server,
        &token,
        &format!(
            r#"{{ people(first: 10, filter: {{search: "Pham Thi Thu Trang"}}) {{ nodes {{ {person_fields} }} }} }}"#
        ),
    )
    .await;
    let foreign = read(
        &client,
        &server,
        &token,
        &format!(r#"{{ people(first: 10, filter: {{foreign: true}}) {{ nodes {{ {person_fields} }} }} }}"#),
    )
    .await;
    let targets = q(r#"{ targets { code history(to: "2025-12-31") { on value } } }"#).await;
    let coal = q(
        r#"{ campaign(code: "DEMO-NSAT-THAN-2025") { id criteria { title periodAggregation } } }"#,
    )
    .await;
    let criteria = coal["campaign"]["criteria"].clone();
    let kldt =
        q(r#"{ campaign(code: "DEMO-KLDT-2023") { id } snv: orgUnit(code: "DEMO-SNV") { id } }"#)
            .await;
    let snv_reports = read(
        &client,
        &server,
        &token,
        &format!(
            r#"{{ reports(first: 100, filter: {{campaignId: "{}", unitSubtree: "{}"}}) {{ nodes {{ status period {{ kind start end }} }} }} }}"#,
            kldt["campaign"]["id"].as_str().expect("the KLDT campaign"),
            kldt["snv"]["id"].as_str().expect("Sở Nội vụ"),
        ),
    )
    .await;
    let coal = coal["campaign"]["id"].as_str().expect("the coal campaign");
    let board = read(
        &client,
        &server,
        &token,
        &format!(
            r#"{{ leaderboard(campaignId: "{coal}", periodStart: "2025-01-01", periodEnd: "2025-12-31") {{ rank score unit {{ code }} }} }}"#
        ),
    )
    .await;
    assert!(server.terminate().success());
    serde_json::json!({
        "units": units,
        "clusters": clusters,
        "stages": stages["exemplarStageCounts"],
        "models": nodes(&models["exemplars"]),
        "approved": nodes(&approved["reports"]).len(),
        "returned": nodes(&returned["reports"]),
        "sessions": nodes(&sessions["councilSessions"]),
        "commendations": nodes(&commendations["commendations"]),
        "predecessors": successor["orgUnit"]["predecessors"],
        "carried": nodes(&carried["commendations"]),
        "moved": nodes(&moved["people"]),
        "foreign": nodes(&foreign["people"]),
        "targets": targets["targets"],
        "leaderboard": board["leaderboard"],
        "criteria": criteria,
        "snvReports": nodes(&snv_reports["reports"]),
    })
}

/// Rows of `list` whose `key` (a JSON pointer) is `value`.
fn with<'a>(list: &'a Value, key: &str, value: &str) -> Vec<&'a Value> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter(|v| v.pointer(key).and_then(Value::as_str) == Some(value))
        .collect()
}

/// `thidua seed --demo` leaves something plausible on every screen (units with
/// enterprises and former districts, clusters and blocs, models at every stage with
/// replications, approved and returned reports, sessions with ballots, commendations at
/// every level and status, target history, a leaderboard that tells units apart); a
/// second run adds nothing.
async fn demo_seed_fills_every_screen_once(backend: Backend) {
    let scratch = Scratch::empty(backend).await;
    scratch
        .thidua(&["seed", "--demo"])
        .assert_success("seed --demo");
    let s = demo_screens(&scratch).await;

    let units = &s["units"];
    assert!(with(units, "/kind", "ENTERPRISE").len() >= 3, "{units}");
    for kind in ["DEPARTMENT", "WARD", "COMMUNE", "SPECIAL_ZONE"] {
        assert!(!with(units, "/kind", kind).is_empty(), "no {kind}: {units}");
    }
    let former = units
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["isActive"] == false)
        .count();
    assert!(former >= 1, "former (inactive) units: {units}");
    // The 2025 merger: each former district is continued by an active unit.
    for (old, new) in [
        ("DEMO-CU-TP-HA-LONG", "DEMO-P-HA-LONG"),
        ("DEMO-CU-H-BA-CHE", "DEMO-X-BA-CHE"),
        ("DEMO-CU-H-VAN-DON", "DEMO-DK-VAN-DON"),
    ] {
        let u = with(units, "/code", old);
        assert!(
            u.len() == 1
                && u[0]["isActive"] == false
                && u[0]["successor"]["code"] == new
                && u[0]["succeededOn"] == "2025-07-01",
            "{old} is succeeded by {new} on 1 July 2025: {units}"
        );
    }
    assert!(
        !with(&s["predecessors"], "/code", "DEMO-CU-H-BA-CHE").is_empty(),
        "Xã Ba Chẽ lists the district it continues: {}",
        s["predecessors"]
    );
    assert!(
        with(&s["carried"], "/unit/code", "DEMO-CU-H-BA-CHE")
            .iter()
            .any(|c| c["status"] == "CONFERRED" && c["awardYear"] == 2024),
        "the former district's 2024 honour shows under its successor: {}",
        s["carried"]
    );
    // A person of a former district moved to its successor, with their history and honour.
    let moved = s["moved"].as_array().expect("people");
    assert!(
        moved.len() == 1
            && moved[0]["unit"]["code"] == "DEMO-P-HA-LONG"
            && moved[0]["unitHistory"][0]["unit"]["code"] == "DEMO-CU-TP-HA-LONG"
            && moved[0]["unitHistory"][1]["unit"]["code"] == "DEMO-P-HA-LONG"
            && moved[0]["unitHistory"][1]["from"] == "2025-07-01"
            && moved[0]["commendations"][0]["status"] == "CONFERRED",
        "a person carried over by the merger: {moved:?}"
    );
    let foreign = s["foreign"].as_array().expect("people");
    assert!(
        foreign.iter().any(|p| p["isForeign"] == true
            && p["unit"].is_null()
            && p["unitHistory"].as_array().is_some_and(Vec::is_empty)
            && p["commendations"][0]["kind"] == "DOI_NGOAI"
            && p["commendations"][0]["status"] == "CONFERRED"),
        "a foreign recipient outside the units, honoured: {foreign:?}"
    );

    let clusters = &s["clusters"];
    for kind in ["CLUSTER", "BLOC"] {
        let of_kind = with(clusters, "/kind", kind);
        assert!(!of_kind.is_empty(), "no {kind}: {clusters}");
        assert!(
            of_kind
                .iter()
                .all(|c| c["members"].as_array().is_some_and(|m| m.len() >= 2)),
            "every {kind} has members: {clusters}"
        );
    }

    for stage in ["IDENTIFIED", "NURTURED", "RECOGNISED", "REPLICATED"] {
        let n = with(&s["stages"], "/stage", stage)
            .first()
            .and_then(|c| c["count"].as_i64())
            .unwrap_or(0);
        assert!(n > 0, "no model at stage {stage}: {}", s["stages"]);
    }
    let models = s["models"].as_array().expect("models");
    assert!(
        models
            .iter()
            .any(|m| m["replications"].as_array().is_some_and(|r| r.len() >= 2)),
        "a model replicated in several units: {models:?}"
    );
    assert!(
        models.iter().any(|m| m["isDirectWorker"] == true),
        "a direct worker among the models"
    );

    assert_eq!(s["approved"], 100, "a full page of approved reports");
    let returned = s["returned"].as_array().expect("returned");
    assert!(
        returned.len() >= 3 && returned.iter().all(|r| r["returnReason"].is_string()),
        "returned reports with their reasons: {returned:?}"
    );

    let sessions = s["sessions"].as_array().expect("sessions");
    assert!(
        sessions
            .iter()
            .filter(|x| is_demo(&x["title"]) && x["memberCount"].as_i64() > Some(5))
            .count()
            >= 2,
        "council sessions with members: {sessions:?}"
    );
    let commendations = &s["commendations"];
    for level in ["GRASSROOTS", "PROVINCIAL", "MINISTERIAL", "CENTRAL"] {
        let at = with(commendations, "/awardType/level", level);
        assert!(
            at.iter().any(|c| c["status"] == "CONFERRED"),
            "a conferred {level} commendation: {commendations}"
        );
    }
    for status in [
        "NOMINATED",
        "UNDER_REVIEW",
        "APPROVED",
        "REJECTED",
        "CONFERRED",
        "PROPOSED_UPWARD",
        "DECLINED_UPWARD",
        "REVOKED",
    ] {
        assert!(
            !with(commendations, "/status", status).is_empty(),
            "no {status} commendation: {commendations}"
        );
    }
    let all = commendations.as_array().expect("commendations");
    assert!(
        with(commendations, "/status", "PROPOSED_UPWARD")
            .iter()
            .all(|c| c["proposedOn"].is_string() && c["ballot"]["yes"].is_number()),
        "proposed upward after a ballot, with the dossier's date: {commendations}"
    );
    assert!(
        with(commendations, "/status", "DECLINED_UPWARD")
            .iter()
            .all(|c| c["proposedOn"].is_string() && c["declinedReason"].is_string()),
        "declined upward with the reason: {commendations}"
    );
    assert!(
        all.iter().any(|c| c["recordedDirectly"] == true
            && c["status"] == "CONFERRED"
            && c["awardType"]["level"] == "MINISTERIAL"
            && c["session"].is_null()
            && c["ballot"].is_null()
            && c["isDirectWorker"] == true),
        "a central body's award to a miner recorded directly, without a ballot: {commendations}"
    );
    assert!(
        all.iter()
            .all(|c| c["recordedDirectly"] == false || c["session"].is_null()),
        "only honours without a session are recorded directly: {commendations}"
    );
    let company_council: Vec<&Value> = all
        .iter()
        .filter(|c| c["session"]["unit"]["code"] == "DEMO-THAN-HA-LAM")
        .collect();
    assert!(
        company_council.len() >= 2
            && company_council
                .iter()
                .all(|c| c["status"] == "CONFERRED" && c["awardType"]["level"] == "GRASSROOTS"),
        "the coal company's own council confers grassroots titles: {company_council:?}"
    );
    assert!(
        all.iter().any(|c| c["ballot"]["yes"].is_number()),
        "a commendation decided by ballot: {commendations}"
    );
    assert!(
        all.iter()
            .any(|c| c["isDirectWorker"] == true && c["status"] == "CONFERRED"),
        "a direct worker honoured: {commendations}"
    );

    // Half-year and year reports beside the monthly ones.
    for (kind, start, end) in [
        ("HALF_YEAR", "2024-01-01", "2024-06-30"),
        ("YEAR", "2024-01-01", "2024-12-31"),
    ] {
        assert!(
            with(&s["snvReports"], "/period/kind", kind)
                .iter()
                .any(|r| r["status"] == "APPROVED"
                    && r["period"]["start"] == start
                    && r["period"]["end"] == end),
            "an approved {kind} report: {}",
            s["snvReports"]
        );
    }
    assert_eq!(
        with(&s["snvReports"], "/period/kind", "MONTH").len(),
        12,
        "{}",
        s["snvReports"]
    );
    // Counts of events add up over the year; the monthly output is averaged.
    for (title, agg) in [
        ("Số vụ tai nạn lao động", "SUM"),
        ("Số sáng kiến, cải tiến kỹ thuật được công nhận", "SUM"),
        ("Sản lượng than nguyên khai trong tháng", "AVERAGE"),
    ] {
        assert!(
            with(&s["criteria"], "/title", title)
                .iter()
                .any(|c| c["periodAggregation"] == agg),
            "{title} is combined by {agg}: {}",
            s["criteria"]
        );
    }

    let targets = s["targets"].as_array().expect("targets");
    assert!(
        targets
            .iter()
            .all(|t| t["history"].as_array().is_some_and(|h| h.len() >= 12)),
        "a year of snapshots per target: {targets:?}"
    );
    assert!(
        targets.iter().any(|t| {
            let values: std::collections::BTreeSet<String> = t["history"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p["value"].to_string())
                .collect();
            values.len() >= 4
        }),
        "a target whose line moves over the year: {targets:?}"
    );
    let board = s["leaderboard"].as_array().expect("leaderboard");
    let scores: std::collections::BTreeSet<String> =
        board.iter().map(|e| e["score"].to_string()).collect();
    assert!(
        board.len() == 3 && scores.len() == 3,
        "the coal companies rank apart: {board:?}"
    );
    assert_eq!(
        board[0]["unit"]["code"], "DEMO-THAN-HA-LAM",
        "accidents add up over the year: the one company without any leads: {board:?}"
    );

    scratch
        .thidua(&["seed", "--demo"])
        .assert_success("seed --demo, again");
    assert_eq!(
        demo_screens(&scratch).await,
        s,
        "a second demo seed changes nothing on any screen"
    );
}

#[tokio::test]
async fn demo_seed_fills_every_screen_once_on_sqlite() {
    demo_seed_fills_every_screen_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn demo_seed_fills_every_screen_once_on_postgres() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the PostgreSQL run");
        return;
    }
    demo_seed_fills_every_screen_once(Backend::Postgres).await;
}

#[test]
fn keys_generate_a_strong_secret_and_list_kids_never_secrets() {
    let out = run({
        let mut c = clean_command(BIN, &std::env::temp_dir());
        c.args(["keys", "generate"]);
        c
    });
    out.assert_success("thidua keys generate");
    let secret = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("secret: "))
        .unwrap()
        .trim()
        .to_owned();
    let kid = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("kid:"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(secret.len() >= 43, "{}", out.stdout);
    assert_eq!(kid, thidua_api::auth::key_id(secret.as_bytes()));

    let listed = run({
        let mut c = clean_command(BIN, &std::env::temp_dir());
        c.args(["keys", "list"])
            .env("THIDUA_JWT_SECRET", &secret)
            .env("THIDUA_JWT_ACCEPTED_SECRETS", JWT_SECRET);
        c
    });
    listed.assert_success("thidua keys list");
    assert!(
        listed.stdout.contains(&format!("signing:  {kid}")),
        "{}",
        listed.stdout
    );
    let old_kid = thidua_api::auth::key_id(JWT_SECRET.as_bytes());
    assert!(
        listed.stdout.contains(&format!("accepted: {old_kid}")),
        "{}",
        listed.stdout
    );
    assert!(!listed.stdout.contains(&secret) && !listed.stdout.contains(JWT_SECRET));

    // A weak accepted secret is refused, with a message and a failing exit.
    let weak = run({
        let mut c = clean_command(BIN, &std::env::temp_dir());
        c.args(["keys", "list"])
            .env("THIDUA_JWT_SECRET", &secret)
            .env("THIDUA_JWT_ACCEPTED_SECRETS", "short");
        c
    });
    assert!(!weak.status.success());
    assert!(
        weak.stderr.contains("THIDUA_JWT_ACCEPTED_SECRETS"),
        "{}",
        weak.stderr
    );
}

/// Two `thidua serve` processes on one PostgreSQL database: a session ended through one
/// is refused by the other on the very next request (no cache to wait for).
#[tokio::test]
async fn a_session_ended_on_one_process_is_refused_by_another_at_once() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the two-process PostgreSQL test");
        return;
    }
    let scratch = Scratch::seeded(Backend::Postgres).await;
    let client = client();
    let mut a = Server::start(scratch.configured(BIN));
    let mut b = Server::start(scratch.configured(BIN));
    a.wait_ready(&client).await;
    b.wait_ready(&client).await;
    let phone = login(&client, &a, "admin", ADMIN_PASSWORD).await;
    let desk = login(&client, &a, "admin", ADMIN_PASSWORD).await;
    let me = "{ me { user { username } } mySessions { id current } }";
    let status = |h: &Value| h["errors"][0]["extensions"]["code"].clone();
    let (_, body) = graphql(&client, &b, me, Some(&phone), None).await;
    assert_eq!(body["data"]["me"]["user"]["username"], "admin", "{body}");
    let phone_session = body["data"]["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .unwrap();
    let revoke = format!(
        "mutation {{ revokeSession(input: {{sessionId: \"{phone_session}\"}}) {{ session {{ endReason }} }} }}"
    );
    let (_, body) = graphql(&client, &a, &revoke, Some(&desk), None).await;
    assert_eq!(
        body["data"]["revokeSession"]["session"]["endReason"], "REVOKED",
        "{body}"
    );
    let refused = client
        .post(b.url("/graphql"))
        .bearer_auth(&phone)
        .json(&serde_json::json!({"query": me}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(status(&body), "UNAUTHENTICATED", "{body}");
    let (_, body) = graphql(&client, &b, me, Some(&desk), None).await;
    assert!(
        body.get("errors").is_none(),
        "the other session goes on: {body}"
    );
    a.terminate();
    b.terminate();
}
