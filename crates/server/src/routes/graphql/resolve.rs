//! One operation before it runs: its persisted query resolved (so every rule applies to
//! the text that runs), uploads well-formed, parsed once, never a mutation over GET, and
//! at most one `login` (or `changePassword` / `resetPassword`: each hashes a password) across the request.

use async_graphql::{Request, Response};
use thidua_api::error::server_error;
use thidua_api::limits;
use thidua_domain::ErrorCode;

use crate::apq::{ApqError, Resolved};
use crate::ratelimit;
use crate::startup::AppState;

/// How async-graphql marks a variable filled from a multipart file part.
const UPLOAD_MARKER: &str = "#__graphql_file__:";

/// What to do with one operation.
pub enum Prepared {
    /// Run it; store its text under the hash once it ran (an APQ registration).
    Ready {
        request: Box<Request>,
        register: Option<(String, String)>,
    },
    /// Answer this instead of running it.
    Refused(Box<Response>),
    /// A mutation sent over GET: the whole request is refused (405).
    MutationOverGet,
}

pub(super) fn refused(code: ErrorCode, message: &thidua_domain::Message) -> Response {
    Response::from_errors(vec![server_error(code, message)])
}

/// True when every upload marker in `v` names one of the request's `uploads` files.
/// async-graphql panics on a marker that does not, so a client must not be able to send one.
fn upload_markers_ok(v: &async_graphql::Value, uploads: usize) -> bool {
    use async_graphql::Value;
    match v {
        Value::String(s) => s
            .strip_prefix(UPLOAD_MARKER)
            .is_none_or(|n| n.parse::<usize>().is_ok_and(|i| i < uploads)),
        Value::List(items) => items.iter().all(|i| upload_markers_ok(i, uploads)),
        Value::Object(fields) => fields.values().all(|i| upload_markers_ok(i, uploads)),
        _ => true,
    }
}

/// Checks what only HTTP asks of one operation. The schema applies the document limits
/// again (see `thidua_api::limits`); here the document is parsed once, and kept.
fn prepare(app: &AppState, mut r: Request, is_get: bool) -> Result<Request, Prepared> {
    let uploads = r.uploads.len();
    if r.query.contains(UPLOAD_MARKER)
        || !r.variables.values().all(|v| upload_markers_ok(v, uploads))
    {
        return Err(Prepared::Refused(Box::new(refused(
            ErrorCode::BadUserInput,
            &thidua_domain::msg!("upload-marker"),
        ))));
    }
    let op_name = r.operation_name.clone();
    let doc = match limits::parse(&mut r, app.limits.tokens) {
        Ok(d) => d,
        Err(e) => return Err(Prepared::Refused(Box::new(Response::from_errors(vec![e])))),
    };
    if is_get && limits::has_mutation(doc, op_name.as_deref()) {
        return Err(Prepared::MutationOverGet);
    }
    let sole = limits::sole_operation_name(doc);
    if r.operation_name.is_none() {
        r.operation_name = sole;
    }
    Ok(r)
}

/// Resolves the persisted query of `r` and prepares it; `logins` counts the `login`
/// fields of the request's operations so far (a persisted query's text is known only
/// now: the one-login rule holds here too).
pub async fn operation(app: &AppState, r: Request, is_get: bool, logins: &mut usize) -> Prepared {
    let (request, register) = match app.persisted.resolve(&app.db.conn, r).await {
        Ok(Resolved::Run(r)) => (*r, None),
        Ok(Resolved::Register { request, hash }) => {
            let text = request.query.clone();
            (*request, Some((hash, text)))
        }
        Err(e) => {
            if let ApqError::Db(err) = &e {
                tracing::error!(error = %err, "looking up a persisted query failed");
            }
            return Prepared::Refused(Box::new(refused(e.code(), &e.message())));
        }
    };
    let mut request = match prepare(app, request, is_get) {
        Ok(r) => r,
        Err(refusal) => return refusal,
    };
    *logins += request.parsed_query().map_or(0, ratelimit::count_logins);
    if *logins > 1 {
        return Prepared::Refused(Box::new(refused(
            ErrorCode::TooManyLogins,
            &thidua_domain::msg!("too-many-logins"),
        )));
    }
    Prepared::Ready {
        request: Box::new(request),
        register,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Value;

    #[test]
    fn an_upload_marker_must_name_a_file_of_the_request() {
        let marker = |i: usize| Value::String(format!("{UPLOAD_MARKER}{i}"));
        assert!(upload_markers_ok(&marker(0), 1));
        assert!(!upload_markers_ok(&marker(1), 1));
        assert!(!upload_markers_ok(&Value::List(vec![marker(0)]), 0));
        assert!(upload_markers_ok(&Value::String("plain".into()), 0));
    }
}
