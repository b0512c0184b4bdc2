//! The per-request deadline: execution that runs past it is dropped (its transaction
//! rolls back) and the operation answers TIMEOUT.

use std::future::Future;
use std::time::Instant;

use async_graphql::{Response, ServerError};
use thidua_domain::ErrorCode;

/// Runs `fut` until `deadline`; past it, a TIMEOUT response.
pub async fn run_until(deadline: Instant, fut: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout_at(deadline.into(), fut).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!("a request ran past its deadline and was stopped");
            timed_out()
        }
    }
}

pub fn timed_out() -> Response {
    let mut e = ServerError::new(
        thidua_api::i18n::text(&thidua_domain::msg!("timed-out")),
        None,
    );
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", ErrorCode::Timeout.as_str());
    Response::from_errors(vec![e])
}
