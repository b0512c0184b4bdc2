//! The HTTP answer to executed operations: its content type (what the client accepts),
//! its status and the rate-limit headers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::BatchResponse;
use thidua_api::guard::RateNotes;
use thidua_domain::ErrorCode;

use super::super::error_body;
use super::execute::Answers;
use crate::ratelimit;
use crate::refusal::{GRAPHQL_RESPONSE, accepts, json_response};

/// The status of the answer: 400 for a single operation refused before it ran, when the
/// client speaks `application/graphql-response+json`; 503 or 429 by the outage rules;
/// else 200.
fn status(gql_mime: bool, was_batch: bool, answers: &Answers, notes: &RateNotes) -> StatusCode {
    let status = if gql_mime && !was_batch && answers.all_refused_before_execution {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    crate::outage::status_for(&answers.responses, was_batch, notes).unwrap_or(status)
}

pub fn answer(
    req: &HttpRequest,
    answers: Answers,
    was_batch: bool,
    notes: &RateNotes,
) -> HttpResponse {
    let gql_mime = accepts(req.headers(), GRAPHQL_RESPONSE);
    let status = status(gql_mime, was_batch, &answers, notes);
    let body = if was_batch {
        serde_json::to_value(BatchResponse::Batch(answers.responses))
    } else {
        serde_json::to_value(answers.responses.into_iter().next().unwrap_or_default())
    };
    let body = body.unwrap_or_else(|_| {
        error_body(
            ErrorCode::Internal,
            &thidua_api::i18n::text(&thidua_domain::msg!("response-encoding")),
        )
    });
    let mut http = json_response(status, gql_mime, &body);
    ratelimit::add_headers(&mut http, notes);
    http
}
