//! Running the operations of one request, in order, each on the schema instance meant for
//! it, within the request's deadline, a panic answered as INTERNAL; each is logged and
//! counted.

use std::sync::atomic::Ordering;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::{Request, Response};
use futures_util::FutureExt as _;
use thidua_api::{Caller, RequestCtx};

use thidua_domain::ErrorCode;

use super::resolve::{self, Prepared, refused};
use crate::ratelimit::RequestLimits;
use crate::refusal::refuse;
use crate::startup::AppState;

/// What every operation of one request shares.
pub struct Run<'a> {
    pub app: &'a AppState,
    pub caller: &'a Caller,
    pub session: Option<thidua_api::context::CallerSession>,
    pub request_id: &'a str,
    pub rate: &'a RequestLimits,
    pub deadline: Instant,
    /// An operation of this request wrote: the ones after it read the primary.
    pub wrote: std::sync::atomic::AtomicBool,
}

/// The answers to a request's operations, in order.
pub struct Answers {
    pub responses: Vec<Response>,
    /// No operation began to run (each was refused by a rule, a limit or validation).
    pub all_refused_before_execution: bool,
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

/// True when the operation began to run: it has data, an error on a path, or it was
/// stopped by the deadline.
fn executed(resp: &Response) -> bool {
    !(resp.data == async_graphql::Value::Null && resp.errors.iter().all(|e| e.path.is_empty()))
        || error_codes(resp)
            .iter()
            .any(|c| c == ErrorCode::Timeout.as_str())
}

/// Executes one prepared request; with its response, whether the operation may write.
pub(crate) async fn one(run: &Run<'_>, mut r: Request) -> (Response, bool) {
    let app = run.app;
    let schema = super::super::introspection::schema_for(app, &mut r);
    let writes = writes(&mut r);
    let replica = match writes || run.wrote.load(Ordering::Relaxed) {
        true => None,
        false => replica_for(run).await,
    };
    let reads = replica.map_or(&app.db, |r| &r.db);
    // A query's loads are cached for the request; a mutation's are not (see `request_loader`).
    let loader = thidua_api::loaders::request_loader(reads.clone(), app.dataloader_delay, !writes);
    let ctx = RequestCtx {
        caller: run.caller.clone(),
        request_id: run.request_id.to_owned(),
        session: run.session,
    };
    let mut r = r.data(ctx).data(loader);
    if replica.is_some() {
        r = r.data(thidua_api::context::Reads(reads.clone()));
    }
    // A panic inside execution (async-graphql has a few on hostile input) answers
    // INTERNAL instead of taking the worker down.
    let fut = schema.execute(run.rate.attach(r));
    let resp = crate::deadline::run_until(run.deadline, async {
        std::panic::AssertUnwindSafe(fut)
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!("a GraphQL execution panicked");
                refused(ErrorCode::Internal, &thidua_domain::msg!("internal"))
            })
    })
    .await;
    (resp, writes)
}

/// Whether the operation `r` runs may write (a mutation, or a document that does not
/// parse, which never reaches a resolver anyway).
fn writes(r: &mut Request) -> bool {
    let name = r.operation_name.clone();
    r.parsed_query().map_or(true, |doc| {
        thidua_api::limits::has_mutation(doc, name.as_deref())
    })
}

/// The read replica a query may read from: none without one, for a machine client that
/// may write (it could not read its own writes), or while the replica has not replayed
/// the caller's last write (its session's fence).
async fn replica_for<'a>(
    run: &Run<'a>,
) -> Option<&'a thidua_persistence::read_replica::ReadReplica> {
    let replica = run.app.replica.as_deref()?;
    if let Caller::User(a) = run.caller
        && a.client.as_ref().is_some_and(|c| c.may_write())
    {
        return None;
    }
    replica
        .has_replayed(run.session.and_then(|s| s.fence))
        .await
        .then_some(replica)
}

/// A mutation sent over GET: the whole request is refused (405).
pub struct MutationOverGet;

/// Executes one resolved operation (or answers its refusal), stores its APQ text once it
/// ran, and counts and logs it. Its response, and whether it began to run.
pub(crate) async fn prepared(
    run: &Run<'_>,
    prepared: Prepared,
    mut op_name: Option<String>,
) -> Result<(Response, bool), MutationOverGet> {
    let app = run.app;
    let op_started = Instant::now();
    let (resp, ran) = match prepared {
        Prepared::MutationOverGet => return Err(MutationOverGet),
        Prepared::Refused(resp) => (*resp, false),
        Prepared::Ready { request, register } => {
            op_name.clone_from(&request.operation_name);
            let (resp, writes) = one(run, *request).await;
            let wrote = app.replica.is_some() && writes;
            let ran = executed(&resp);
            if wrote {
                run.wrote.store(true, Ordering::Relaxed);
            }
            // The person's next queries, in this session or a new one, wait for the
            // replica to replay this write.
            if wrote
                && ran
                && let Caller::User(actor) = run.caller
                && let Some(user) = actor.user_id
                && let Err(e) = thidua_persistence::read_replica::fence(&app.db.conn, user).await
            {
                tracing::warn!(error = %e, "recording a read fence failed");
            }
            // An APQ registration is kept once its text passed the limits and validated.
            if ran
                && let Some((hash, text)) = register
                && let Err(e) = app.persisted.store(&app.db, &hash, &text).await
            {
                tracing::warn!(error = %e, "storing a persisted query failed");
            }
            (resp, ran)
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
    Ok((resp, ran))
}

/// The refusal of a mutation sent over GET (405).
pub(crate) fn mutation_over_get(req: &HttpRequest, app: &AppState) -> HttpResponse {
    refuse(
        req,
        &app.metrics,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::BadUserInput,
        &thidua_domain::msg!("mutation-over-get"),
    )
}

/// Resolves and executes each operation; a mutation over GET refuses the whole request.
pub async fn all(
    req: &HttpRequest,
    run: &Run<'_>,
    requests: Vec<Request>,
    is_get: bool,
) -> Result<Answers, HttpResponse> {
    let app = run.app;
    let mut logins = 0usize;
    let mut answers = Answers {
        responses: Vec::with_capacity(requests.len()),
        all_refused_before_execution: true,
    };
    for r in requests {
        let op_name = r.operation_name.clone();
        let ready = resolve::operation(app, r, is_get, &mut logins).await;
        match prepared(run, ready, op_name).await {
            Err(MutationOverGet) => return Err(mutation_over_get(req, app)),
            Ok((resp, ran)) => {
                answers.all_refused_before_execution &= !ran;
                answers.responses.push(resp);
            }
        }
    }
    Ok(answers)
}
