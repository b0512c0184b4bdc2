//! Answers given before GraphQL runs (CSRF, malformed or oversized bodies, empty batches,
//! too many files, wrong method, missing or invalid tokens, uploads beyond the bound).
//! Every one goes through [`refuse`], so each is logged with its request id and counted
//! in `thidua_http_refusals_total{status, code}`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use thidua_api::i18n;
use thidua_domain::ErrorCode;
use thidua_domain::{Message, msg};

use crate::metrics::Metrics;
use crate::routes::error_body;
use crate::startup::RequestId;

pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The `WWW-Authenticate` challenge of a 401 (RFC 6750 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// No credentials were sent: the bare challenge, no error code.
    NoToken,
    /// A bearer token was sent and did not verify (bad, expired, or its user is gone).
    InvalidToken,
    /// `Authorization` carried something other than a bearer token.
    InvalidRequest,
}

impl Challenge {
    fn header(self) -> &'static str {
        match self {
            Self::NoToken => "Bearer",
            Self::InvalidToken => "Bearer error=\"invalid_token\"",
            Self::InvalidRequest => "Bearer error=\"invalid_request\"",
        }
    }

    fn message(self) -> Message {
        match self {
            Self::NoToken => msg!("sign-in-first"),
            Self::InvalidToken => msg!("token-invalid"),
            Self::InvalidRequest => msg!("token-malformed"),
        }
    }
}

/// A malformed request (400 `BAD_USER_INPUT`), refused before it reaches the schema.
pub fn bad_request(req: &HttpRequest, metrics: &Metrics, message: &Message) -> HttpResponse {
    refuse(
        req,
        metrics,
        StatusCode::BAD_REQUEST,
        ErrorCode::BadUserInput,
        message,
    )
}

/// A GraphQL-shaped error answer (`{"errors": [...]}`) with `status`, logged and counted.
/// The body is `application/graphql-response+json` when the client accepts it.
pub fn refuse(
    req: &HttpRequest,
    metrics: &Metrics,
    status: StatusCode,
    code: ErrorCode,
    message: &Message,
) -> HttpResponse {
    let request_id = RequestId::of(req);
    let reason = message.to_string();
    if status.is_server_error() {
        tracing::warn!(%request_id, status = status.as_u16(), code = code.as_str(), %reason, "refused before execution");
    } else {
        tracing::info!(%request_id, status = status.as_u16(), code = code.as_str(), %reason, "refused before execution");
    }
    metrics.refused(status.as_u16(), code.as_str());
    let gql_mime = accepts(req.headers(), GRAPHQL_RESPONSE);
    json_response(status, gql_mime, &error_body(code, &i18n::text(message)))
}

/// True when the `Accept` header names `mime`.
pub fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(mime))
}

/// A JSON answer, typed `application/graphql-response+json` for clients that ask for it.
pub fn json_response(status: StatusCode, gql_mime: bool, body: &serde_json::Value) -> HttpResponse {
    let ct = if gql_mime {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, format!("{ct}; charset=utf-8")))
        .body(body.to_string())
}

/// 401 UNAUTHENTICATED with the `WWW-Authenticate` challenge, logged and counted.
pub fn unauthenticated(req: &HttpRequest, metrics: &Metrics, challenge: Challenge) -> HttpResponse {
    let mut resp = refuse(
        req,
        metrics,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
        &challenge.message(),
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge.header()),
    );
    resp
}

/// 503 RATE_LIMITED with `Retry-After`: the server is at a capacity bound, try shortly.
pub fn busy(
    req: &HttpRequest,
    metrics: &Metrics,
    message: &Message,
    retry_after_secs: u32,
) -> HttpResponse {
    let mut resp = refuse(
        req,
        metrics,
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::RateLimited,
        message,
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    resp
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::HttpMessage;
    use actix_web::test::TestRequest;

    use super::*;

    /// A log sink the test can read back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_refusal_is_logged_with_its_request_id_and_counted() {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let metrics = Metrics::new().unwrap();
        let req = TestRequest::default().to_http_request();
        req.extensions_mut()
            .insert(RequestId("req-refused-42".into()));
        let resp = tracing::subscriber::with_default(subscriber, || {
            unauthenticated(&req, &metrics, Challenge::InvalidToken)
        });
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            resp.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer error=\"invalid_token\""
        );
        let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("refused before execution"), "{log}");
        assert!(log.contains("req-refused-42"), "{log}");
        assert!(log.contains("UNAUTHENTICATED"), "{log}");
        assert_eq!(metrics.refusals(401, "UNAUTHENTICATED"), 1);
        assert_eq!(metrics.refusals(400, "BAD_USER_INPUT"), 0);
    }
}
