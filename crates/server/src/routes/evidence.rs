//! `GET /evidence/{attachment_id}`: an evidence file, to whoever may read its report.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use thidua_api::Caller;
use thidua_domain::ErrorCode;
use thidua_domain::evidence::{content_disposition, sniff};
use thidua_domain::id::AttachmentId;
use thidua_persistence::evidence;
use uuid::Uuid;

use super::{caller_with_session, json_error};
use crate::refusal::{Challenge, unauthenticated};
use crate::startup::{AppState, RequestId};

fn not_found() -> HttpResponse {
    json_error(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        &thidua_domain::msg!("no-such-evidence"),
    )
}

fn internal() -> HttpResponse {
    json_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        &thidua_domain::msg!("internal"),
    )
}

/// Answers the file's bytes with its sniffed type, as a download (`Content-Disposition:
/// attachment`), never to be sniffed or cached by the browser. No or a bad token: 401
/// (with the RFC 6750 challenge); a caller whose password was reset and not yet changed:
/// 403 PASSWORD_CHANGE_REQUIRED (as every GraphQL operation but a few); a caller who may
/// not read the report: 403; an unknown id: 404.
pub async fn download(
    req: HttpRequest,
    id: web::Path<String>,
    app: web::Data<AppState>,
) -> HttpResponse {
    let request_id = RequestId::of(&req);
    let actor = match caller_with_session(&req, &app, &request_id).await {
        Ok((Caller::User(_), Some(s))) if s.must_change_password => {
            return json_error(
                StatusCode::FORBIDDEN,
                ErrorCode::PasswordChangeRequired,
                &thidua_domain::msg!("password-change-required"),
            );
        }
        Ok((Caller::User(a), _)) => a,
        Ok((Caller::Anonymous, _)) => {
            return unauthenticated(&req, &app.metrics, Challenge::NoToken);
        }
        Ok((Caller::InvalidToken, _)) => {
            return unauthenticated(&req, &app.metrics, Challenge::InvalidToken);
        }
        Err(resp) => return resp,
    };
    let Ok(id) = Uuid::parse_str(id.trim()) else {
        return not_found();
    };
    let found = match evidence::for_download(&app.db.conn, AttachmentId::from_uuid(id)).await {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "loading an attachment failed");
            return internal();
        }
    };
    if !actor.may_read_report(&found.unit_path, found.submitted_by) {
        return json_error(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            &thidua_domain::msg!("evidence-forbidden"),
        );
    }
    let a = found.attachment;
    let bytes = match app.api.blobs.get(&a.sha256).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            tracing::error!(attachment = %a.id, sha256 = %a.sha256, "an evidence file is missing from the store");
            return not_found();
        }
        Err(e) => {
            tracing::error!(error = %e, attachment = %a.id, "reading an evidence file failed");
            return internal();
        }
    };
    let content_type = sniff(&bytes).map_or("application/octet-stream", |k| k.mime());
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&a.file_name),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=0"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes)
}
