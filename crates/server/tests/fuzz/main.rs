//! Schema-driven fuzzing of the real `thidua` binary.
//!
//! Walks the committed contract (`schema/schema.graphql`) and sends every query and
//! mutation field with generated arguments (boundary integers, control characters,
//! 100 KB strings, malformed ids and cursors, wrong enum values, huge lists, nested input
//! objects full of these) as an anonymous caller, a viewer and an administrator, against
//! a served process on SQLite and (with `THIDUA_TEST_POSTGRES_URL`) on PostgreSQL, over a
//! database loaded with the demo data. It fails when the process dies, an answer is HTTP
//! 5xx or `INTERNAL`, a body carries SQL, panic or stack-trace text, or the log shows a
//! panic. A process that died is restarted so one run lists every failure.
//!
//! `THIDUA_FUZZ_SEED` (default below) makes a run reproducible; `THIDUA_FUZZ_CASES` sets
//! the cases per operation and role; `THIDUA_FUZZ_ONLY=a,b` limits the run to those
//! operations; `THIDUA_FUZZ_SECS` bounds a backend's run (ids come from what the server
//! returned earlier in the run, so a filtered run may differ in them).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod schema;
mod values;
mod verdict;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use schema::{Operation, Schema};
use thidua_tests::process::{Server, graphql, login};
use thidua_tests::{ADMIN_PASSWORD, Backend, Scratch, postgres_url};
use values::{Generator, literal, summarize};
use verdict::{Failure, Problem, Report, answer_code, judge, logged_error};

const DEFAULT_SEED: u64 = 0x7411_D0A5;
const DEFAULT_CASES: usize = 16;
const DEFAULT_SECS: u64 = 100;
const VIEWER: &str = "fuzz.viewer";
const VIEWER_PASSWORD: &str = "viewer-password-for-fuzzing";
/// A process that keeps dying is not worth restarting for ever.
const MAX_RESTARTS: usize = 10;
/// Per-request bound: a request that takes longer is reported as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    match std::env::var("THIDUA_FUZZ_SEED") {
        Ok(v) => {
            let v = v.trim();
            v.strip_prefix("0x")
                .map_or_else(|| v.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
                .expect("THIDUA_FUZZ_SEED is a number (decimal or 0x-hex)")
        }
        Err(_) => DEFAULT_SEED,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    Viewer,
    Admin,
}

impl Role {
    const ALL: [Self; 3] = [Self::Anonymous, Self::Viewer, Self::Admin];

    fn name(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Viewer => "viewer",
            Self::Admin => "admin",
        }
    }
}

/// The binary under test (only this package's tests know where cargo put it).
const BIN: &str = env!("CARGO_BIN_EXE_thidua");

/// The database a run serves: where it is and how to start `thidua` on it.
struct Target {
    name: &'static str,
    scratch: Scratch,
}

impl Target {
    fn command(&self) -> Command {
        let mut cmd = self.scratch.configured(BIN);
        cmd.env("THIDUA_DATA_DIR", self.scratch.dir.join("data"))
            .env("THIDUA_LOG", "warn")
            .env("THIDUA_LOG_FORMAT", "json")
            .env("THIDUA_WORKERS", "2")
            .env("THIDUA_DB_MAX_CONNECTIONS", "5")
            .env("THIDUA_SNAPSHOT_INTERVAL_SECS", "0")
            // Thousands of requests from one address, many of them failed sign-ins (some
            // as `admin`): no budget or lockout may throttle the run or lock its callers out.
            .env("THIDUA_BUDGET_USER_POINTS", "0")
            .env("THIDUA_BUDGET_ANONYMOUS_POINTS", "0")
            .env("THIDUA_LOGIN_FAILURES_PER_USER", "1000000000")
            .env("THIDUA_LOGIN_FAILURES_PER_ADDRESS", "1000000000");
        cmd
    }

    /// `thidua seed --demo`: units, campaigns in every state, reports, commendations.
    fn seed_demo(&self) {
        let out = self
            .command()
            .args(["seed", "--demo"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run thidua seed --demo");
        assert!(
            out.status.success(),
            "thidua seed --demo failed on {}: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The served process and the callers' tokens.
struct Live {
    server: Server,
    admin: String,
    viewer: String,
    /// Failing cases whose log lines are still to be read.
    pending: Vec<Pending>,
}

/// A failing case waiting for its log lines (matched by request id).
struct Pending {
    failure: Failure,
    problems: Vec<Problem>,
    /// What the server logged while handling it (cases run one at a time).
    lines: Vec<String>,
}

impl Live {
    /// Reads what the server logged for each pending failure: the cause of an INTERNAL,
    /// or the panic behind it. Then files each case under its most severe problem.
    fn settle(&mut self, report: &mut Report) {
        for mut p in self.pending.drain(..) {
            let logs = &p.lines;
            let logged = logs
                .iter()
                .enumerate()
                .find_map(|(i, l)| logged_error(l).map(|e| (i, e)));
            if let Some(panic_at) = logs.iter().position(|l| l.contains("panicked at")) {
                // The panic hook prints `… panicked at file:line:` and the message below it.
                let line = &logs[panic_at];
                let message = logs.get(panic_at + 1).map_or("", String::as_str);
                let start = line.find("panicked at").unwrap_or(0);
                p.problems.push(Problem::PanicLogged(format!(
                    "{} {message}",
                    &line[start..]
                )));
            }
            if let Some((_, text)) = logged {
                for problem in &mut p.problems {
                    if let Problem::Internal(m) = problem {
                        m.clone_from(&text);
                    }
                }
            }
            p.problems.sort_by_key(Problem::severity);
            let Some(primary) = p.problems.pop() else {
                continue;
            };
            let also: Vec<String> = p.problems.iter().map(Problem::cause).collect();
            if !also.is_empty() {
                p.failure.answer = format!("{} [also: {}]", p.failure.answer, also.join("; "));
            }
            p.failure.problem = primary;
            report.add(p.failure);
        }
    }
}

async fn start(target: &Target, http: &reqwest::Client) -> Live {
    let mut server = Server::start(target.command());
    // The report names each failing case; the whole log would bury it.
    server.print_log_on_failure = false;
    server.wait_ready(http).await;
    let admin = login(http, &server, "admin", ADMIN_PASSWORD).await;
    let viewer = login(http, &server, VIEWER, VIEWER_PASSWORD).await;
    Live {
        server,
        admin,
        viewer,
        pending: vec![],
    }
}

/// Creates the viewer (a VIEWER on the root unit) through the API, once.
async fn create_viewer(server: &Server, http: &reqwest::Client) {
    let admin = login(http, server, "admin", ADMIN_PASSWORD).await;
    let (_, d) = graphql(
        http,
        server,
        &format!(
            "mutation {{ createUser(input: {{username: \"{VIEWER}\", displayName: \"Fuzz viewer\", password: \"{VIEWER_PASSWORD}\"}}) {{ user {{ id }} userErrors {{ code }} }} }}"
        ),
        Some(&admin),
        None,
    )
    .await;
    let uid = d["data"]["createUser"]["user"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createUser: {d}"))
        .to_owned();
    let (_, d) = graphql(
        http,
        server,
        "{ orgUnit(code: \"QN\") { id } }",
        Some(&admin),
        None,
    )
    .await;
    let root = d["data"]["orgUnit"]["id"]
        .as_str()
        .expect("root id")
        .to_owned();
    let (_, d) = graphql(
        http,
        server,
        &format!("mutation {{ grantRole(input: {{userId: \"{uid}\", role: VIEWER, unitId: \"{root}\"}}) {{ userErrors {{ code }} }} }}"),
        Some(&admin),
        None,
    )
    .await;
    assert!(d["errors"].is_null(), "grantRole: {d}");
}

struct Case {
    document: String,
    variables: Value,
    args: String,
}

/// One document for `op`: each argument is left out, given inline, or passed as a variable.
fn make_case(schema: &Schema, generator: &mut Generator<'_>, op: &Operation) -> Case {
    generator.reset_case();
    let mut decls = vec![];
    let mut args = vec![];
    let mut vars = Map::new();
    let mut summary = vec![];
    for (i, a) in op.field.args.iter().enumerate() {
        generator.hint.clone_from(&a.name);
        let Some(v) = generator.value_for(&a.ty, 0, true) else {
            continue;
        };
        summary.push(format!("{}: {}", a.name, summarize(&v)));
        if generator.rng.chance(30) {
            summary.last_mut().expect("pushed").push_str(" (inline)");
            args.push(format!("{}: {}", a.name, literal(schema, &a.ty, &v)));
        } else {
            decls.push(format!("$a{i}: {}", a.ty));
            args.push(format!("{}: $a{i}", a.name));
            vars.insert(format!("a{i}"), v);
        }
    }
    let decls = if decls.is_empty() {
        String::new()
    } else {
        format!("({})", decls.join(", "))
    };
    let args_text = if args.is_empty() {
        String::new()
    } else {
        format!("({})", args.join(", "))
    };
    Case {
        document: format!(
            "{} Fuzz{decls} {{ {}{args_text} {} }}",
            op.kind.keyword(),
            op.field.name,
            op.selection
        ),
        variables: Value::Object(vars),
        args: summary.join(", "),
    }
}

/// Sends one case; returns (status, body) or the transport error.
async fn send(
    http: &reqwest::Client,
    live: &Live,
    role: Role,
    case: &Case,
    request_id: &str,
) -> Result<(u16, String), String> {
    let mut req = http
        .post(live.server.url("/graphql"))
        .timeout(REQUEST_TIMEOUT)
        .header("x-request-id", request_id)
        .json(&json!({"query": case.document, "variables": case.variables}));
    match role {
        Role::Anonymous => {}
        Role::Viewer => req = req.bearer_auth(&live.viewer),
        Role::Admin => req = req.bearer_auth(&live.admin),
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.text().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

fn excerpt(s: &str) -> String {
    let head: String = s.chars().take(300).collect();
    if head.len() < s.len() {
        format!("{head}…")
    } else {
        head
    }
}

async fn fuzz(target: Target) {
    let seed = seed();
    let cases = env_or("THIDUA_FUZZ_CASES", DEFAULT_CASES);
    let budget = Duration::from_secs(env_or("THIDUA_FUZZ_SECS", DEFAULT_SECS));
    let only: Vec<String> = std::env::var("THIDUA_FUZZ_ONLY")
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();

    let sdl = include_str!("../../../../schema/schema.graphql");
    let schema = Schema::parse(sdl);
    let operations: Vec<&Operation> = schema
        .operations
        .iter()
        .filter(|o| only.is_empty() || only.iter().any(|n| n == &o.field.name))
        .collect();
    assert!(!operations.is_empty(), "no operation to fuzz");

    target.seed_demo();
    let http = thidua_tests::process::client();
    {
        let mut first = Server::start(target.command());
        first.wait_ready(&http).await;
        create_viewer(&first, &http).await;
    }
    let mut live = start(&target, &http).await;
    let mut generator = Generator::new(&schema, seed);
    let mut report = Report::default();
    let (mut sent, mut clean, mut restarts, mut stopped_early) = (0usize, 0usize, 0usize, false);
    let started = Instant::now();

    'ops: for op in &operations {
        for role in Role::ALL {
            for _ in 0..cases {
                if started.elapsed() > budget {
                    stopped_early = true;
                    break 'ops;
                }
                let case = make_case(&schema, &mut generator, op);
                sent += 1;
                let request_id = format!("fuzz-{sent}");
                let mark = live.server.logs().len();
                let answer = send(&http, &live, role, &case, &request_id).await;
                let (mut problems, answer_text) = match &answer {
                    Ok((status, body)) => {
                        if let Ok(v) = serde_json::from_str::<Value>(body) {
                            if v["errors"].is_null() && !v["data"].is_null() {
                                clean += 1;
                            }
                            if role != Role::Anonymous {
                                generator.pool.harvest(&v["data"]);
                            }
                        }
                        (
                            judge(*status, body),
                            format!("{}: {}", answer_code(*status, body), excerpt(body)),
                        )
                    }
                    Err(e) => (vec![Problem::NoAnswer(e.clone())], e.clone()),
                };
                let exited = live.server.child.try_wait().expect("try_wait");
                if let Some(status) = exited {
                    live.server.join_reader();
                    let logs = live.server.logs();
                    let tail = logs.iter().rev().take(3).rev().cloned().collect::<Vec<_>>();
                    problems.push(Problem::Crashed(format!("{status}: {}", tail.join(" | "))));
                }
                if !problems.is_empty() {
                    let lines = live.server.logs_since(mark).await;
                    live.pending.push(Pending {
                        failure: Failure {
                            operation: op.field.name.clone(),
                            role: role.name(),
                            args: case.args.clone(),
                            answer: answer_text,
                            problem: Problem::NotJson,
                        },
                        problems,
                        lines,
                    });
                }
                if exited.is_some() {
                    live.settle(&mut report);
                    restarts += 1;
                    assert!(
                        restarts <= MAX_RESTARTS,
                        "the server died {restarts} times; giving up. Failures so far:{}",
                        report.render()
                    );
                    live = start(&target, &http).await;
                }
            }
        }
    }
    live.settle(&mut report);

    let alive = live.server.child.try_wait().expect("try_wait").is_none();
    let summary = format!(
        "fuzz on {}: seed {seed:#x} (THIDUA_FUZZ_SEED), {} operations × {} roles × {cases} cases: \
         {sent} requests ({clean} answered without errors) in {:.1} s{}, {restarts} restart(s); \
         {} failure(s), {} distinct",
        target.name,
        operations.len(),
        Role::ALL.len(),
        started.elapsed().as_secs_f64(),
        if stopped_early {
            " (stopped at the time budget THIDUA_FUZZ_SECS)"
        } else {
            ""
        },
        report.failures(),
        report.distinct(),
    );
    eprintln!("{summary}");
    assert!(alive, "the server is not running at the end\n{summary}");
    assert!(report.is_empty(), "{summary}{}", report.render());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_sqlite() {
    fuzz(Target {
        name: "SQLite",
        scratch: Scratch::new(),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_postgres() {
    if postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the PostgreSQL fuzz run");
        return;
    }
    fuzz(Target {
        name: "PostgreSQL",
        scratch: Scratch::empty(Backend::Postgres).await,
    })
    .await;
}
