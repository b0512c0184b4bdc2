//! From an HTTP request to its GraphQL operations, with the HTTP-only refusals: GET
//! without a query, CSRF, body size, malformed bodies, files, batch size, empty queries,
//! and more than one `login` in the texts sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::MultipartOptions;
use async_graphql::{BatchRequest, Request};
use thidua_api::Caller;
use thidua_domain::ErrorCode;
use thidua_domain::{Message, msg};
use tokio::sync::OwnedSemaphorePermit;

use super::super::multipart;
use crate::apq;
use crate::metrics::Metrics;
use crate::ratelimit;
use crate::refusal::accepts;
use crate::refusal::{bad_request, refuse};
use crate::startup::AppState;

/// Most files one multipart request may carry (each within the upload limit; the body
/// limit bounds them together).
pub(crate) const MAX_FILES_PER_REQUEST: usize = 10;

/// The operations of one HTTP request.
pub struct Operations {
    pub requests: Vec<Request>,
    /// Sent as a JSON array: answered as one.
    pub was_batch: bool,
}

/// `GET /graphql` without a query: GraphiQL for a browser when it is on, else a refusal.
pub fn without_query(req: &HttpRequest, app: &AppState, is_get: bool) -> Option<HttpResponse> {
    if !is_get || !req.query_string().is_empty() {
        return None;
    }
    if app.graphiql && accepts(req.headers(), "text/html") {
        return Some(super::super::graphiql::page());
    }
    Some(bad_request(req, &app.metrics, &msg!("send-a-query")))
}

fn is_multipart(ct: Option<&str>) -> bool {
    ct.is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/")
    })
}

/// Content types a plain HTML form (or `fetch` without preflight) can send cross-site.
fn is_simple_content_type(ct: &str) -> bool {
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("multipart/form-data")
        || ct.starts_with("application/x-www-form-urlencoded")
        || ct.starts_with("text/plain")
}

/// A header a plain cross-site form cannot set, proving the request passed a CORS preflight.
fn has_preflight_header(headers: &HeaderMap) -> bool {
    headers.contains_key("apollo-require-preflight")
        || headers.contains_key("x-apollo-operation-name")
}

/// Reads a (non-multipart) body, refusing (413) one over `limit` bytes, from
/// `Content-Length` before reading anything when the client sends it.
async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    metrics: &Metrics,
) -> Result<web::Bytes, HttpResponse> {
    let too_large = || {
        refuse(
            req,
            metrics,
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
            &msg!("body-too-large", limit = limit),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(e)) => Err(bad_request(
            req,
            metrics,
            &msg!("body-unreadable", detail = e.to_string()),
        )),
        Err(_) => Err(too_large()),
    }
}

/// The batch a request carries: from the query string (GET), a multipart body streamed
/// to disk, or a JSON body; with the upload slot a multipart request holds.
async fn batch(
    req: &HttpRequest,
    payload: web::Payload,
    app: &AppState,
    caller: &Caller,
    is_get: bool,
) -> Result<(BatchRequest, Option<OwnedSemaphorePermit>), HttpResponse> {
    let bad_request = |message: &Message| bad_request(req, &app.metrics, message);
    let malformed = |e: async_graphql::ParseRequestError| {
        bad_request(&msg!("malformed-request", detail = e.to_string()))
    };
    if is_get {
        return async_graphql::http::parse_query_string(req.query_string())
            .map(|r| (BatchRequest::Single(r), None))
            .map_err(malformed);
    }
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if ct.as_deref().is_none_or(is_simple_content_type) && !has_preflight_header(req.headers()) {
        return Err(bad_request(&msg!("csrf")));
    }
    // Only a multipart request may carry files: they stream to disk (multipart.rs).
    if let Some(ct) = ct.as_deref().filter(|ct| is_multipart(Some(ct))) {
        let (batch, slot) = multipart::receive(req, payload, app, caller, ct).await?;
        return Ok((batch, Some(slot)));
    }
    let body = read_body(req, payload, app.max_body_bytes, &app.metrics).await?;
    async_graphql::http::receive_batch_body(ct, body.as_ref(), MultipartOptions::default())
        .await
        .map(|b| (b, None))
        .map_err(malformed)
}

/// The operations of the request, refused (with the HTTP answer) when HTTP's own rules
/// do not hold.
pub async fn operations(
    req: &HttpRequest,
    payload: web::Payload,
    app: &AppState,
    caller: &Caller,
    is_get: bool,
) -> Result<(Operations, Option<OwnedSemaphorePermit>), HttpResponse> {
    let (batch, slot) = batch(req, payload, app, caller, is_get).await?;
    let operations = checked(req, app, batch).map_err(|refusal| *refusal)?;
    Ok((operations, slot))
}

/// Files, batch size, empty queries and logins of a batch as received.
fn checked(
    req: &HttpRequest,
    app: &AppState,
    batch: BatchRequest,
) -> Result<Operations, Box<HttpResponse>> {
    let bad_request = |message: &Message| Box::new(bad_request(req, &app.metrics, message));
    let files = match &batch {
        BatchRequest::Single(r) => r.uploads.len(),
        BatchRequest::Batch(v) => v.iter().map(|r| r.uploads.len()).sum(),
    };
    if files > MAX_FILES_PER_REQUEST {
        return Err(bad_request(&msg!(
            "too-many-files",
            max = MAX_FILES_PER_REQUEST
        )));
    }
    let was_batch = matches!(batch, BatchRequest::Batch(_));
    let mut requests = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(v) if app.max_batch == 0 || v.is_empty() || v.len() > app.max_batch => {
            return Err(bad_request(&if app.max_batch == 0 {
                msg!("batch-disabled")
            } else {
                msg!("batch-size", max = app.max_batch)
            }));
        }
        BatchRequest::Batch(v) => v,
    };
    // `[]` deserialises as one request with an empty query: both are malformed requests.
    // A persisted query's hash stands in for its text.
    if requests
        .iter()
        .any(|r| r.query.trim().is_empty() && !apq::has_persisted_query(r))
    {
        return Err(bad_request(&msg!("empty-request")));
    }
    if ratelimit::logins_in(&mut requests, app.limits.tokens) > 1 {
        return Err(Box::new(refuse(
            req,
            &app.metrics,
            StatusCode::BAD_REQUEST,
            ErrorCode::TooManyLogins,
            &msg!("too-many-logins"),
        )));
    }
    Ok(Operations {
        requests,
        was_batch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_preflighted_or_non_form_request_passes_the_csrf_check() {
        assert!(is_simple_content_type("text/plain;charset=utf-8"));
        assert!(is_simple_content_type("Multipart/Form-Data; boundary=x"));
        assert!(!is_simple_content_type("application/json"));
        let mut h = HeaderMap::new();
        assert!(!has_preflight_header(&h));
        h.insert(
            header::HeaderName::from_static("apollo-require-preflight"),
            header::HeaderValue::from_static("true"),
        );
        assert!(has_preflight_header(&h));
    }
}
