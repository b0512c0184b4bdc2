//! Hand-written SQL for aggregates, portable between SQLite and PostgreSQL.

use sea_orm::{DatabaseBackend, Statement, Value};

/// Builds a statement from SQL written with `?` placeholders, numbering them `$n` for
/// PostgreSQL. The SQL text is ours; values are always bound, never spliced.
pub fn stmt(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let text = match backend {
        DatabaseBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, text, values)
}
