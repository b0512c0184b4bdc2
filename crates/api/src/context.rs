//! What every resolver can reach: the shared state and this request's caller.

use async_graphql::Context;
use thidua_domain::access::{Action, Actor, Resource};
use thidua_persistence::Database;
use thidua_persistence::blobs::BlobStore;

use crate::auth::TokenKeys;
use crate::error::{forbidden, unauthenticated};
use crate::loaders::RequestLoader;

/// Process-wide state, put into the schema once.
#[derive(Clone)]
pub struct ApiState {
    pub db: Database,
    pub tokens: TokenKeys,
    pub limits: crate::Limits,
    /// Where evidence files are kept (content-addressed by sha256).
    pub blobs: std::sync::Arc<dyn BlobStore>,
    /// Largest evidence file accepted, in bytes.
    pub max_upload_bytes: usize,
    /// "Now" for sessions and tokens (tests move it).
    pub clock: thidua_domain::clock::Clock,
    pub sessions: thidua_domain::session::SessionPolicy,
    pub webhooks: WebhookPolicy,
}

/// What webhook registration needs from the server: the environment's URL rules, the
/// rotation overlap, and the in-process worker's wake-up (for pings, redeliveries and
/// replays, which write no event).
#[derive(Clone, Debug)]
pub struct WebhookPolicy {
    /// Production: https only, public addresses only.
    pub production: bool,
    pub secret_overlap: chrono::Duration,
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            production: false,
            secret_overlap: chrono::Duration::hours(24),
            wake: Default::default(),
        }
    }
}

/// The caller of one request, as the HTTP layer established it.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    /// A token was sent but did not verify: protected fields answer UNAUTHENTICATED.
    /// (The HTTP server refuses such requests with 401 before GraphQL runs.)
    InvalidToken,
    User(Actor),
}

/// Per-request data: caller and request id (also set on the response header and in logs).
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub caller: Caller,
    pub request_id: String,
    /// The session the caller's access token belongs to (none when anonymous).
    pub session: Option<CallerSession>,
}

/// The session behind a signed-in caller's access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerSession {
    pub id: uuid::Uuid,
    /// The password was reset: only `changePassword`, `logout`, `me` and `mySessions` run.
    pub must_change_password: bool,
    /// The primary's WAL position after the person's last mutation (in any session): a
    /// read replica serves their queries only once it has replayed that far.
    pub fence: Option<i64>,
}

/// The session of this request's caller, if signed in.
pub fn session(ctx: &Context<'_>) -> Option<CallerSession> {
    request(ctx).session
}

pub fn state<'a>(ctx: &Context<'a>) -> &'a ApiState {
    ctx.data_unchecked::<ApiState>()
}

/// The pool this operation reads from, set per operation by the server: a read replica
/// for a query whose caller's own writes it has replayed, else (mutations, their payloads,
/// subscriptions, and without a replica) the primary.
#[derive(Debug, Clone)]
pub struct Reads(pub Database);

/// The connection this operation reads from (see [`Reads`]).
pub fn reads<'a>(ctx: &Context<'a>) -> &'a sea_orm::DatabaseConnection {
    match ctx.data_opt::<Reads>() {
        Some(r) => &r.0.conn,
        None => &state(ctx).db.conn,
    }
}

pub fn loader<'a>(ctx: &Context<'a>) -> &'a RequestLoader {
    ctx.data_unchecked::<RequestLoader>()
}

pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestCtx {
    ctx.data_unchecked::<RequestCtx>()
}

/// The signed-in person even while their password must be changed: for the few
/// operations that stay open then (`changePassword`, `logout`, `me`, `mySessions`), all
/// about the caller's own account or session, which a machine client has not (FORBIDDEN).
pub fn actor_any<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    match &request(ctx).caller {
        Caller::User(a) if a.is_client() => Err(forbidden()),
        Caller::User(a) => Ok(a),
        Caller::Anonymous | Caller::InvalidToken => Err(unauthenticated()),
    }
}

/// The signed-in caller, or UNAUTHENTICATED.
pub fn actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    match &request(ctx).caller {
        Caller::User(a) => Ok(a),
        Caller::Anonymous | Caller::InvalidToken => Err(unauthenticated()),
    }
}

/// A signed-in caller allowed to read protected data.
pub fn reader<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    let a = actor(ctx)?;
    if a.may_read() {
        Ok(a)
    } else {
        Err(forbidden())
    }
}

/// A signed-in caller allowed to read some of `resource`: a person with any grant, a
/// machine client with the resource's scope (what it reads is then narrowed to its
/// subtree by [`Actor::authorize_read`] and [`Actor::read_paths`]).
pub fn reader_of<'a>(ctx: &Context<'a>, resource: Resource) -> async_graphql::Result<&'a Actor> {
    let a = actor(ctx)?;
    if a.may_read_resource(resource) {
        Ok(a)
    } else {
        Err(forbidden())
    }
}

/// Public data of `resource`: anyone, except a machine client without the resource's
/// scope (FORBIDDEN), so a client's token reads what its scopes say and no more.
pub fn public_of(ctx: &Context<'_>, resource: Resource) -> async_graphql::Result<()> {
    match &request(ctx).caller {
        Caller::User(a) if a.is_client() && !a.may_read_resource(resource) => Err(forbidden()),
        _ => Ok(()),
    }
}

/// Checks `action` on the unit at `unit_path` through the single authorisation point.
pub fn authorize(ctx: &Context<'_>, action: Action, unit_path: &str) -> async_graphql::Result<()> {
    actor(ctx)?
        .authorize(action, unit_path)
        .map_err(|_| forbidden())
}
