//! `/graphql`: GraphQL over HTTP (GET for queries, POST for everything), GraphiQL for
//! browsers, and what HTTP alone must check before anything executes (CSRF, body size,
//! batching, GET never mutates). The document limits belong to the schema
//! (`thidua_api::limits`), so every transport gets them.
//!
//! The handler is a pipeline, one module per step: [`extract`] the operations from the
//! HTTP request, authenticate the caller ([`super::caller`]), [`resolve`] persisted queries
//! and the HTTP-only rules, [`execute`], [`respond`].
//!
//! async-graphql-actix-web's `GraphQLBatchRequest` extractor and `GraphQLResponse`
//! responder are not used: the extractor reads a multipart body into memory (uploads here
//! stream to disk, see `multipart`), answers its errors as plain text instead of GraphQL
//! errors, and has no CSRF check or body limit in `Content-Length`; the responder always
//! answers `application/graphql-response+json` with 200. What they are built on is used
//! directly: `async_graphql::http::{parse_query_string, receive_batch_body}` and
//! `BatchResponse`'s serialisation.

pub(crate) mod execute;
pub(crate) mod extract;
pub(crate) mod resolve;
mod respond;

use std::time::Instant;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};

pub(crate) use extract::MAX_FILES_PER_REQUEST;

use super::caller_with_session;
use crate::ratelimit;
use crate::startup::{AppState, RequestId};

pub async fn graphql(
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let is_get = req.method() == Method::GET;
    if let Some(resp) = extract::without_query(&req, &app, is_get) {
        return resp;
    }
    // Who is calling is settled before the body is read: a bad token is refused (401)
    // outright, and only a signed-in caller may send files.
    let request_id = RequestId::of(&req);
    let (caller, session) = match caller_with_session(&req, &app, &request_id).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    // `_upload_slot` is held until the answer is sent, when the request carries files.
    let (operations, _upload_slot) =
        match extract::operations(&req, payload, &app, &caller, is_get).await {
            Ok(x) => x,
            Err(resp) => return resp,
        };
    let rate = ratelimit::RequestLimits::new(&app.rate_limits, &req, &caller);
    let run = execute::Run {
        app: &app,
        caller: &caller,
        session,
        request_id: &request_id,
        rate: &rate,
        deadline: Instant::now() + app.request_timeout,
        wrote: Default::default(),
    };
    let answers = match execute::all(&req, &run, operations.requests, is_get).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let http = respond::answer(&req, answers, operations.was_batch, &rate.notes);
    tracing::debug!(
        total_ms = started.elapsed().as_millis() as u64,
        "request done"
    );
    http
}
