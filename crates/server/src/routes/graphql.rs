//! `/graphql`: GraphQL over HTTP (GET for queries, POST for everything), GraphiQL for
//! browsers, and the request limits that must hold before anything executes.

use std::time::Instant;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::MultipartOptions;
use async_graphql::{BatchRequest, BatchResponse, Request, Response, ServerError};
use futures_util::FutureExt as _;
use thidua_api::{RequestCtx, limits};
use thidua_domain::ErrorCode;

use super::{caller, error_body, multipart};
use crate::apq::{self, ApqError, Resolved};
use crate::metrics::Metrics;
use crate::ratelimit;
use crate::refusal::refuse;
use crate::startup::{AppState, RequestId};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(mime))
}

fn json_response(status: StatusCode, gql_mime: bool, body: &serde_json::Value) -> HttpResponse {
    let ct = if gql_mime {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, format!("{ct}; charset=utf-8")))
        .body(body.to_string())
}

/// Most files one multipart request may carry (each within the upload limit; the body
/// limit bounds them together).
pub(crate) const MAX_FILES_PER_REQUEST: usize = 10;

/// How async-graphql marks a variable filled from a multipart file part.
const UPLOAD_MARKER: &str = "#__graphql_file__:";

fn is_multipart(ct: Option<&str>) -> bool {
    ct.is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/")
    })
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
            &format!("the request body is larger than {limit} bytes"),
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
        Ok(Err(e)) => Err(refuse(
            req,
            metrics,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            &format!("the request body could not be read: {e}"),
        )),
        Err(_) => Err(too_large()),
    }
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

fn with_code(mut e: ServerError, code: ErrorCode) -> ServerError {
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    e
}

fn refused(code: ErrorCode, message: &str) -> Response {
    Response::from_errors(vec![with_code(ServerError::new(message, None), code)])
}

fn error_codes(resp: &Response) -> Vec<String> {
    resp.errors
        .iter()
        .filter_map(|e| {
            e.extensions
                .as_ref()?
                .get("code")
                .map(|v| v.to_string().trim_matches('"').to_owned())
        })
        .collect()
}

enum Prepared {
    Ready(Box<Request>),
    Refused(Box<Response>),
    MutationOverGet,
}

/// Checks one operation against the limits before it may execute.
fn prepare(app: &AppState, mut r: Request, is_get: bool) -> Prepared {
    let uploads = r.uploads.len();
    if r.query.contains(UPLOAD_MARKER)
        || !r.variables.values().all(|v| upload_markers_ok(v, uploads))
    {
        return Prepared::Refused(Box::new(refused(
            ErrorCode::BadUserInput,
            "an Upload value is a file part of a multipart request (its variable set to null and named in `map`)",
        )));
    }
    // The schema applies the same limits again (see `thidua_api::limits`); here the
    // document is parsed once, for what only HTTP asks: is it a mutation sent over GET?
    let op_name = r.operation_name.clone();
    let doc = match limits::parse(&mut r, app.limits.tokens) {
        Ok(d) => d,
        Err(e) => return Prepared::Refused(Box::new(Response::from_errors(vec![e]))),
    };
    if is_get && limits::has_mutation(doc, op_name.as_deref()) {
        return Prepared::MutationOverGet;
    }
    let sole = limits::sole_operation_name(doc);
    if r.operation_name.is_none() {
        r.operation_name = sole;
    }
    Prepared::Ready(Box::new(r))
}

pub async fn graphql(
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let gql_mime = accepts(req.headers(), GRAPHQL_RESPONSE);
    let request_id = RequestId::of(&req);
    let is_get = req.method() == Method::GET;

    if is_get && req.query_string().is_empty() {
        if app.graphiql && accepts(req.headers(), "text/html") {
            return super::graphiql::page();
        }
        return refuse(
            &req,
            &app.metrics,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "send a query",
        );
    }

    // Who is calling is settled before the body is read: a bad token is refused (401)
    // outright, and only a signed-in caller may send files.
    let caller = match caller(&req, &app, &request_id).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    // Held until the answer is sent, when the request carries files.
    let mut _upload_slot = None;
    let batch = if is_get {
        async_graphql::http::parse_query_string(req.query_string()).map(BatchRequest::Single)
    } else {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if ct.as_deref().is_none_or(is_simple_content_type) && !has_preflight_header(req.headers())
        {
            return refuse(
                &req,
                &app.metrics,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "refused as a possible cross-site request forgery: send Content-Type: application/json, or add an `Apollo-Require-Preflight: true` header",
            );
        }
        // Only a multipart request may carry files: they stream to disk (multipart.rs).
        if let Some(ct) = ct.as_deref().filter(|ct| is_multipart(Some(ct))) {
            match multipart::receive(&req, payload, &app, &caller, ct).await {
                Ok((batch, slot)) => {
                    _upload_slot = Some(slot);
                    Ok(batch)
                }
                Err(resp) => return resp,
            }
        } else {
            let body = match read_body(&req, payload, app.max_body_bytes, &app.metrics).await {
                Ok(b) => b,
                Err(resp) => return resp,
            };
            async_graphql::http::receive_batch_body(ct, body.as_ref(), MultipartOptions::default())
                .await
        }
    };
    let batch = match batch {
        Ok(b) => b,
        Err(e) => {
            return refuse(
                &req,
                &app.metrics,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                &format!("malformed GraphQL request: {e}"),
            );
        }
    };
    let files = match &batch {
        BatchRequest::Single(r) => r.uploads.len(),
        BatchRequest::Batch(v) => v.iter().map(|r| r.uploads.len()).sum(),
    };
    if files > MAX_FILES_PER_REQUEST {
        return refuse(
            &req,
            &app.metrics,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            &format!("a request may carry at most {MAX_FILES_PER_REQUEST} files"),
        );
    }
    let was_batch = matches!(batch, BatchRequest::Batch(_));
    let mut requests = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(v) if app.max_batch == 0 || v.is_empty() || v.len() > app.max_batch => {
            let msg = if app.max_batch == 0 {
                "batched requests are disabled on this server".to_owned()
            } else {
                format!("a batch holds 1 to {} operations", app.max_batch)
            };
            return refuse(
                &req,
                &app.metrics,
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                &msg,
            );
        }
        BatchRequest::Batch(v) => v,
    };

    // `[]` deserialises as one request with an empty query: both are malformed requests.
    // A persisted query's hash stands in for its text.
    if requests
        .iter()
        .any(|r| r.query.trim().is_empty() && !apq::has_persisted_query(r))
    {
        return refuse(
            &req,
            &app.metrics,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "send a query (an empty batch or query is not a request)",
        );
    }

    if ratelimit::logins_in(&mut requests, app.limits.tokens) > 1 {
        return refuse(
            &req,
            &app.metrics,
            StatusCode::BAD_REQUEST,
            ErrorCode::TooManyLogins,
            ratelimit::TOO_MANY_LOGINS,
        );
    }
    let rate = ratelimit::RequestLimits::new(&app.rate_limits, &req, &caller);
    let deadline = Instant::now() + app.request_timeout;
    let mut logins = 0usize;

    let mut responses = Vec::with_capacity(requests.len());
    let mut all_refused_before_execution = true;
    for r in requests {
        let mut op_name = r.operation_name.clone();
        let op_started = Instant::now();
        // Persisted queries resolve first, so every limit applies to the text that runs.
        let (prepared, register) = match app.persisted.resolve(&app.db.conn, r).await {
            Ok(Resolved::Run(r)) => (prepare(&app, *r, is_get), None),
            Ok(Resolved::Register { request, hash }) => {
                let text = request.query.clone();
                (prepare(&app, *request, is_get), Some((hash, text)))
            }
            Err(e) => {
                if let ApqError::Db(err) = &e {
                    tracing::error!(error = %err, "looking up a persisted query failed");
                }
                let err = with_code(ServerError::new(e.to_string(), None), e.code());
                (
                    Prepared::Refused(Box::new(Response::from_errors(vec![err]))),
                    None,
                )
            }
        };
        // A persisted query's text is known only now: the one-login rule holds here too.
        let prepared = match prepared {
            Prepared::Ready(mut r) => {
                logins += r.parsed_query().map_or(0, ratelimit::count_logins);
                if logins > 1 {
                    let resp = refused(ErrorCode::TooManyLogins, ratelimit::TOO_MANY_LOGINS);
                    Prepared::Refused(Box::new(resp))
                } else {
                    Prepared::Ready(r)
                }
            }
            other => other,
        };
        let resp = match prepared {
            Prepared::MutationOverGet => {
                return refuse(
                    &req,
                    &app.metrics,
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorCode::BadUserInput,
                    "mutations are not allowed over GET; use POST",
                );
            }
            Prepared::Refused(resp) => *resp,
            Prepared::Ready(mut r) => {
                op_name.clone_from(&r.operation_name);
                let gql_schema = super::introspection::schema_for(&app, &mut r);
                let loader =
                    thidua_api::loaders::request_loader(app.db.clone(), app.dataloader_delay);
                let ctx = RequestCtx {
                    caller: caller.clone(),
                    request_id: request_id.clone(),
                };
                // A panic inside execution (async-graphql has a few on hostile input)
                // answers INTERNAL instead of taking the worker down.
                let run = gql_schema.execute(rate.attach(r.data(ctx).data(loader)));
                let resp = crate::deadline::run_until(deadline, async {
                    std::panic::AssertUnwindSafe(run)
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| {
                            tracing::error!("a GraphQL execution panicked");
                            refused(ErrorCode::Internal, "internal error; it has been logged")
                        })
                })
                .await;
                // A deadline stops an operation that passed validation and began to run.
                let executed = !(resp.data == async_graphql::Value::Null
                    && resp.errors.iter().all(|e| e.path.is_empty()))
                    || error_codes(&resp)
                        .iter()
                        .any(|c| c == ErrorCode::Timeout.as_str());
                if executed {
                    all_refused_before_execution = false;
                }
                // An APQ registration is kept once its text passed the limits and validated.
                if executed
                    && let Some((hash, text)) = register
                    && let Err(e) = app.persisted.store(&app.db.conn, &hash, &text).await
                {
                    tracing::warn!(error = %e, "storing a persisted query failed");
                }
                resp
            }
        };
        let codes = error_codes(&resp);
        app.metrics.observe(
            op_name.as_deref(),
            op_started.elapsed().as_secs_f64(),
            &codes,
        );
        tracing::info!(
            operation = op_name.as_deref().unwrap_or("anonymous"),
            elapsed_ms = op_started.elapsed().as_millis() as u64,
            errors = ?codes,
            "graphql"
        );
        responses.push(resp);
    }

    let status = if gql_mime && !was_batch && all_refused_before_execution {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let status = crate::outage::status_for(&responses, was_batch, &rate.notes).unwrap_or(status);
    let body = if was_batch {
        serde_json::to_value(BatchResponse::Batch(responses))
    } else {
        serde_json::to_value(responses.into_iter().next().unwrap_or_default())
    };
    let body = body
        .unwrap_or_else(|_| error_body(ErrorCode::Internal, "the response could not be encoded"));
    tracing::debug!(
        total_ms = started.elapsed().as_millis() as u64,
        "request done"
    );
    let mut http = json_response(status, gql_mime, &body);
    ratelimit::add_headers(&mut http, &rate.notes);
    http
}
