//! HTTP routes, and what more than one of them needs: who is calling, and small JSON
//! error bodies.

pub mod evidence;
pub mod exports;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod introspection;
pub mod live;
pub mod multipart;
pub mod oauth;
pub mod sse;
pub mod subscriptions;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use thidua_api::Caller;
use thidua_api::context::CallerSession;
use thidua_domain::ErrorCode;
use thidua_domain::access::Actor;
use thidua_domain::id::UserId;
use thidua_persistence::sessions;

use crate::refusal::{Challenge, refuse, unauthenticated};
use crate::startup::AppState;

/// `{"errors": [{"message": …, "extensions": {"code": …}}]}`, the shape of GraphQL errors.
pub fn error_body(code: ErrorCode, message: &str) -> serde_json::Value {
    serde_json::json!({"errors": [{"message": message, "extensions": {"code": code.as_str()}}]})
}

/// An `application/json` error answer with [`error_body`].
pub fn json_error(
    status: StatusCode,
    code: ErrorCode,
    message: &thidua_domain::Message,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"))
        .body(error_body(code, &thidua_api::i18n::text(message)).to_string())
}

/// The caller, from `Authorization: Bearer <token>`: anonymous without the header, else
/// the user with their grants as they are now, or the machine client (a client token
/// from `POST /oauth/token`) with its scopes as they are now. A token that does not
/// verify, or whose user or client is gone or disabled, is refused outright (401 with `WWW-Authenticate: Bearer
/// error="invalid_token"`, RFC 6750) even where public fields would answer, so an app
/// learns at once that it must sign in again. 503 when the grants cannot be loaded.
pub async fn caller(
    req: &HttpRequest,
    app: &AppState,
    request_id: &str,
) -> Result<Caller, HttpResponse> {
    caller_with_session(req, app, request_id)
        .await
        .map(|(c, _)| c)
}

/// [`caller`] with the session the token belongs to. The token's session must be alive:
/// a revoked session's tokens are refused at once, on every replica (the check rides in
/// the one statement that loads the grants).
pub async fn caller_with_session(
    req: &HttpRequest,
    app: &AppState,
    request_id: &str,
) -> Result<(Caller, Option<CallerSession>), HttpResponse> {
    let Some(h) = req.headers().get(header::AUTHORIZATION) else {
        return Ok((Caller::Anonymous, None));
    };
    let Some(token) = h.to_str().ok().and_then(|s| s.strip_prefix("Bearer ")) else {
        return Err(unauthenticated(
            req,
            &app.metrics,
            Challenge::InvalidRequest,
        ));
    };
    let now = app.api.clock.now();
    let token = token.trim();
    match app.api.tokens.verify(token, now) {
        Ok(subject) => caller_of(req, app, request_id, subject).await,
        Err(_) => match app.api.tokens.verify_client(token, now) {
            Ok(subject) => client_caller(req, app, request_id, subject)
                .await
                .map(|c| (c, None)),
            Err(_) => Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken)),
        },
    }
}

/// The machine client a verified client token names, as it is now: refused (401
/// `invalid_token`) once the client is disabled or its subtree unit deactivated, on the
/// very next request (one statement per request). Its scopes are the token's, never more
/// than the client holds now.
async fn client_caller(
    req: &HttpRequest,
    app: &AppState,
    request_id: &str,
    subject: thidua_api::auth::ClientSubject,
) -> Result<Caller, HttpResponse> {
    use thidua_domain::access::ClientScopes;
    use thidua_domain::client::{Scope, ScopeSet};
    match thidua_persistence::api_clients::caller(&app.db.conn, subject.client_id).await {
        Ok(Some(now)) => {
            let held = ScopeSet::parse_param(&now.scopes).ok();
            let asked = ScopeSet::parse_param(&subject.scope).ok();
            let scopes = held.zip(asked).and_then(|(held, asked)| {
                ScopeSet::from_scopes(asked.iter().filter(|s: &Scope| held.contains(*s))).ok()
            });
            let Some(scopes) = scopes else {
                return Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken));
            };
            app.metrics.client_request(&now.name);
            Ok(Caller::User(Actor {
                user_id: None,
                label: now.name,
                grants: vec![],
                request_id: request_id.to_owned(),
                client: Some(ClientScopes {
                    client_id: now.id,
                    scopes,
                    subtree_path: now.subtree_path,
                }),
            }))
        }
        Ok(None) => Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken)),
        Err(e) => Err(unavailable(req, app, &e)),
    }
}

/// 503 with `Retry-After` when the caller cannot be loaded.
fn unavailable(
    req: &HttpRequest,
    app: &AppState,
    e: &thidua_persistence::StoreError,
) -> HttpResponse {
    tracing::error!(error = %e, "loading the caller failed");
    let mut resp = refuse(
        req,
        &app.metrics,
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::ServiceUnavailable,
        &thidua_domain::msg!("database-unavailable"),
    );
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(thidua_api::error::UNAVAILABLE_RETRY_SECS),
    );
    resp
}

/// The user a verified token (access token or export link) names, with their grants as
/// they are now, if the token's session is alive and the user active.
pub async fn caller_of(
    req: &HttpRequest,
    app: &AppState,
    request_id: &str,
    subject: thidua_api::auth::TokenSubject,
) -> Result<(Caller, Option<CallerSession>), HttpResponse> {
    let now = app.api.clock.now();
    let user_id = UserId::from_uuid(subject.user_id);
    match sessions::caller(&app.db.conn, user_id, subject.session_id, now).await {
        Ok(None) => Err(unauthenticated(req, &app.metrics, Challenge::InvalidToken)),
        Ok(Some(found)) => Ok((
            Caller::User(Actor {
                user_id: Some(subject.user_id),
                label: subject.username,
                grants: found.grants,
                request_id: request_id.to_owned(),
                client: None,
            }),
            Some(CallerSession {
                id: subject.session_id,
                must_change_password: found.must_change_password,
                fence: found.fence,
            }),
        )),
        Err(e) => {
            tracing::error!(error = %e, "loading grants failed");
            let mut resp = refuse(
                req,
                &app.metrics,
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                &thidua_domain::msg!("database-unavailable"),
            );
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(thidua_api::error::UNAVAILABLE_RETRY_SECS),
            );
            Err(resp)
        }
    }
}
