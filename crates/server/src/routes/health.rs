//! Liveness, readiness and metrics endpoints.

use actix_web::{HttpResponse, web};

use crate::startup::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The database answers and no migration is pending.
pub async fn readyz(app: web::Data<AppState>) -> HttpResponse {
    // Its own short bound: a probe must hear "not ready" quickly, not wait for the pool.
    let ready = tokio::time::timeout(app.readyz_timeout, app.db.is_ready()).await;
    if ready.unwrap_or(false) {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database not ready")
    }
}

pub async fn metrics(app: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(app.metrics.render(&app.db))
}
