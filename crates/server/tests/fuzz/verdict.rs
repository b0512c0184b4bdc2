//! What counts as a failure, and the report that groups failures by cause.

use std::collections::BTreeMap;

use serde_json::Value;

/// Text that must never reach a client: SQL, driver and ORM errors.
const SQL_MARKERS: &[&str] = &[
    "SELECT ",
    "INSERT INTO",
    "UPDATE \"",
    "DELETE FROM",
    " FROM \"",
    "syntax error",
    "sqlx",
    "SQLSTATE",
    "sea_orm",
    "DbErr",
    "violates ",
    "duplicate key",
    "database is locked",
    "no such table",
    "error returned from database",
    "Query Error",
    "Exec Error",
    "invalid byte sequence",
    "numeric field overflow",
];

/// Text of a panic or a stack trace.
const PANIC_MARKERS: &[&str] = &[
    "panicked at",
    "stack backtrace",
    "RUST_BACKTRACE",
    "/.cargo/registry/",
    "core::panicking",
];

/// One thing wrong with one answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// No HTTP answer (connection closed or timed out).
    NoAnswer(String),
    /// HTTP 5xx.
    ServerError(u16),
    /// A GraphQL error with code INTERNAL; the message is kept.
    Internal(String),
    /// SQL or driver text in the body.
    Sql(&'static str),
    /// Panic or stack-trace text in the body.
    PanicText(&'static str),
    /// HTTP 200 whose body is not JSON.
    NotJson,
    /// The server logged a panic while handling the case.
    PanicLogged(String),
    /// The process exited while handling the case.
    Crashed(String),
}

impl Problem {
    /// Which problem names a case's cause when it has several (a panic also answers INTERNAL).
    pub fn severity(&self) -> u8 {
        match self {
            Self::Crashed(_) => 7,
            Self::PanicLogged(_) => 6,
            Self::NoAnswer(_) => 5,
            Self::ServerError(_) => 4,
            Self::Internal(_) => 3,
            Self::Sql(_) => 2,
            Self::PanicText(_) => 1,
            Self::NotJson => 0,
        }
    }

    /// Groups problems of one cause together: messages lose digits and ids.
    pub fn cause(&self) -> String {
        let squash = |s: &str| {
            let s: String = s.chars().take(90).collect();
            s.chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect::<String>()
        };
        match self {
            Self::NoAnswer(e) => format!("no answer ({})", squash(e)),
            Self::ServerError(s) => format!("HTTP {s}"),
            Self::Internal(m) => format!("INTERNAL (logged: {})", squash(m)),
            Self::Sql(m) => format!("SQL text in the answer ({m:?})"),
            Self::PanicText(m) => format!("panic text in the answer ({m:?})"),
            Self::NotJson => "HTTP 200 without a JSON body".into(),
            Self::PanicLogged(l) => format!("panic: {}", squash(l)),
            Self::Crashed(l) => format!("process exited: {}", squash(l)),
        }
    }
}

/// What the server logged at ERROR level (JSON log line), if this line is such.
pub fn logged_error(line: &str) -> Option<String> {
    let v: Value = serde_json::from_str(line).ok()?;
    if v["level"] != "ERROR" {
        return None;
    }
    // Events are flattened (fields at the top level); accept nested ones too.
    let f = if v["fields"].is_object() {
        &v["fields"]
    } else {
        &v
    };
    let text = f["error"]
        .as_str()
        .or_else(|| f["message"].as_str())
        .unwrap_or("?");
    Some(text.to_owned())
}

/// Judges one HTTP answer.
pub fn judge(status: u16, body: &str) -> Vec<Problem> {
    let mut problems = vec![];
    if status >= 500 {
        problems.push(Problem::ServerError(status));
    }
    for m in SQL_MARKERS {
        if body.contains(m) {
            problems.push(Problem::Sql(m));
        }
    }
    for m in PANIC_MARKERS {
        if body.contains(m) {
            problems.push(Problem::PanicText(m));
        }
    }
    match serde_json::from_str::<Value>(body) {
        Ok(v) => {
            for e in v["errors"].as_array().into_iter().flatten() {
                if e["extensions"]["code"] == "INTERNAL" {
                    let msg = e["message"].as_str().unwrap_or_default();
                    problems.push(Problem::Internal(msg.to_owned()));
                }
            }
        }
        Err(_) if status == 200 => problems.push(Problem::NotJson),
        Err(_) => {}
    }
    problems
}

/// The first GraphQL error code of a body, or the HTTP status.
pub fn answer_code(status: u16, body: &str) -> String {
    let code = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        v["errors"][0]["extensions"]["code"]
            .as_str()
            .map(str::to_owned)
    });
    match code {
        Some(c) => format!("HTTP {status}, {c}"),
        None => format!("HTTP {status}"),
    }
}

/// One failing case as the report shows it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub operation: String,
    pub role: &'static str,
    pub args: String,
    pub answer: String,
    pub problem: Problem,
}

/// Failures grouped by (operation, cause), with the roles seen and a few examples.
#[derive(Default)]
pub struct Report {
    groups: BTreeMap<(String, String), Vec<Failure>>,
}

impl Report {
    pub fn add(&mut self, f: Failure) {
        self.groups
            .entry((f.operation.clone(), f.problem.cause()))
            .or_default()
            .push(f);
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn failures(&self) -> usize {
        self.groups.values().map(Vec::len).sum()
    }

    pub fn distinct(&self) -> usize {
        self.groups.len()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for ((op, cause), fs) in &self.groups {
            let mut roles: Vec<&str> = fs.iter().map(|f| f.role).collect();
            roles.sort_unstable();
            roles.dedup();
            out.push_str(&format!(
                "\n* {op}: {cause} — {} case(s), as {}\n",
                fs.len(),
                roles.join("/")
            ));
            for f in fs.iter().take(2) {
                out.push_str(&format!(
                    "    as {}: ({})\n      answer: {}\n",
                    f.role, f.args, f.answer
                ));
            }
        }
        out
    }
}
