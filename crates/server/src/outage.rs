//! One rule for the HTTP status of answers that are not the client's fault: while the
//! database is unavailable every request answers 503 with SERVICE_UNAVAILABLE and
//! `Retry-After`, whatever the operation; a single operation refused by a rate limit
//! answers 429.

use std::time::Duration;

use actix_web::http::StatusCode;
use async_graphql::Response;
use thidua_api::error::UNAVAILABLE_RETRY_SECS;
use thidua_api::guard::RateNotes;
use thidua_domain::ErrorCode;

fn has_code(resps: &[Response], code: ErrorCode) -> bool {
    resps.iter().flat_map(|r| &r.errors).any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|v| *v == async_graphql::Value::from(code.as_str()))
    })
}

/// The status these answers impose, if any (noting the wait for `Retry-After`).
pub fn status_for(resps: &[Response], was_batch: bool, notes: &RateNotes) -> Option<StatusCode> {
    if has_code(resps, ErrorCode::ServiceUnavailable) {
        notes.retry_after(Duration::from_secs(UNAVAILABLE_RETRY_SECS));
        return Some(StatusCode::SERVICE_UNAVAILABLE);
    }
    (!was_batch && has_code(resps, ErrorCode::RateLimited)).then_some(StatusCode::TOO_MANY_REQUESTS)
}
