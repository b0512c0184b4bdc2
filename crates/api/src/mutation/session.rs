//! Signing in and staying signed in: `login` opens a session, `refreshSession` rotates
//! its refresh token, `logout` and `revokeSession` end one. The README's "Sessions"
//! section is the model an app follows.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use thidua_domain::ErrorCode;
use thidua_domain::id::{SessionId, of};
use thidua_domain::msg;
use thidua_domain::session::{Device, EndReason};
use thidua_persistence::StoreError;
use thidua_persistence::entities::user;
use thidua_persistence::sessions::{self, Refreshed, Signed};
use thidua_persistence::users;
use uuid::Uuid;

use super::{begin, finish, input_id};
use crate::context::{actor_any, request, session, state};
use crate::error::{Failure, coded, internal, rate_limited, store_error};
use crate::guard::{note_retry, throttle};
use crate::types::session::Session;
use crate::types::user::User;

#[derive(Default)]
pub struct SessionMutation;

#[derive(InputObject)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    /// A name for this device the user will recognise in `mySessions` (at most 100
    /// characters), e.g. "Redmi 9A của chị Lan".
    pub device_name: Option<String>,
    /// "android", "ios", "web"… (at most 40 characters).
    pub platform: Option<String>,
}

/// A new pair of tokens for a session: what `login` and `refreshSession` answer.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <accessToken>` until `expiresAt`.
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    /// Exchange for a new pair with `refreshSession` (once: every exchange gives a new
    /// one). Keep it in the device's secure storage; it is never shown again.
    pub refresh_token: String,
    pub session: Session,
    /// The password was reset by an administrator: call `changePassword` first; every
    /// other operation is refused with PASSWORD_CHANGE_REQUIRED until then.
    pub must_change_password: bool,
    pub user: User,
}

#[derive(InputObject)]
pub struct RefreshSessionInput {
    pub refresh_token: String,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// The session that ended.
    pub session_id: ID,
}

#[derive(InputObject)]
pub struct RevokeSessionInput {
    pub session_id: ID,
}

crate::mutation::payload!(SessionPayload, session: Session);

#[Object]
impl SessionMutation {
    /// Exchanges a username and password for a session: a short-lived access token and a
    /// refresh token. A wrong password and an unknown user get the same UNAUTHENTICATED
    /// error.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let st = state(ctx);
        crate::args::no_control_characters(&input.username, "username")?;
        if input.username.len() > 200 || input.password.len() > 1000 {
            return Err(invalid_login());
        }
        let device = Device::parse(input.device_name.as_deref(), input.platform.as_deref())
            .map_err(|e| store_error(&StoreError::Invalid(e)))?;
        let username = input.username.trim().to_lowercase();
        let throttle = throttle(ctx);
        if let Some((g, addr)) = &throttle
            && let Err(wait) = g.0.check(&username, *addr).await
        {
            return Err(locked_out(ctx, wait));
        }
        let found = users::authenticate(&st.db, &input.username, &input.password).await;
        if matches!(found, Err(StoreError::Busy)) {
            note_retry(ctx, std::time::Duration::from_secs(1));
        }
        let Some(user) = found.map_err(|e| store_error(&e))? else {
            if let Some((g, addr)) = &throttle {
                g.0.failed(&username, *addr).await;
            }
            return Err(invalid_login());
        };
        if let Some((g, _)) = &throttle {
            g.0.succeeded(&username).await;
        }
        let now = st.clock.now();
        let addr = throttle.as_ref().map(|(_, a)| a.to_string());
        let issue = |u: &user::Model, sid: Uuid| issue_access(ctx, u, sid, now);
        let txn = begin(ctx).await.map_err(Failure::into_error)?;
        let opened = sessions::open(
            &txn,
            user,
            &device,
            addr,
            &st.sessions,
            now,
            &request(ctx).request_id,
            &issue,
        )
        .await;
        let signed = finish(txn, opened).await.map_err(Failure::into_error)?;
        payload(ctx, signed).await
    }

    /// Exchanges a refresh token for a new access token and a new refresh token; the one
    /// sent is retired. Sending a retired token again ends the whole session (it is
    /// treated as stolen), except once within a short grace window after its exchange,
    /// which answers the same pair again (the first answer was lost on the way). An
    /// unknown, retired or expired token answers UNAUTHENTICATED: sign in again.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<LoginPayload> {
        let st = state(ctx);
        let throttle = throttle(ctx);
        if let Some((g, addr)) = &throttle
            && let Err(wait) = g.0.check_address(*addr).await
        {
            return Err(locked_out(ctx, wait));
        }
        let now = st.clock.now();
        let issue = |u: &user::Model, sid: Uuid| issue_access(ctx, u, sid, now);
        let txn = begin(ctx).await.map_err(Failure::into_error)?;
        let r = sessions::refresh(
            &txn,
            input.refresh_token.trim(),
            &st.sessions,
            now,
            &request(ctx).request_id,
            &issue,
        )
        .await;
        // A detected reuse is committed (the session ends) and then refused.
        let outcome = finish(txn, r).await.map_err(Failure::into_error)?;
        match outcome {
            Refreshed::Issued(signed) => payload(ctx, *signed).await,
            Refreshed::Ended | Refreshed::Reused => {
                if let Some((g, addr)) = &throttle {
                    g.0.failed_address(*addr).await;
                }
                Err(coded(ErrorCode::Unauthenticated, &msg!("refresh-ended")))
            }
        }
    }

    /// Ends the session this request is made in: its access and refresh tokens stop
    /// working at once.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<LogoutPayload> {
        let a = actor_any(ctx)?;
        let sid = session(ctx).ok_or_else(crate::error::unauthenticated)?.id;
        let st = state(ctx);
        let txn = begin(ctx).await.map_err(Failure::into_error)?;
        let r = end_audited(&txn, a, sid, EndReason::Logout, st.clock.now()).await;
        finish(txn, r).await.map_err(Failure::into_error)?;
        Ok(LogoutPayload {
            session_id: crate::ids::encode(SessionId::from_uuid(sid)),
        })
    }

    /// Ends a session (a lost phone): one of the caller's own, or of a user the caller
    /// administers. Its tokens stop working at once, on every server.
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        input: RevokeSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let a = actor_any(ctx)?;
        let st = state(ctx);
        let res = async {
            let id = input_id::<of::Session>(&input.session_id, "sessionId")?;
            let txn = begin(ctx).await?;
            let r = async {
                let s = sessions::by_id(&txn, id.uuid())
                    .await?
                    .ok_or(StoreError::NotFound("session"))?;
                if Some(s.user_id) != a.user_id {
                    users::manageable(&txn, a, thidua_domain::id::UserId::from_uuid(s.user_id))
                        .await?;
                }
                end_audited(&txn, a, s.id, EndReason::Revoked, st.clock.now()).await?;
                sessions::by_id(&txn, s.id)
                    .await?
                    .ok_or(StoreError::NotFound("session"))
            }
            .await;
            finish(txn, r).await.map(Session)
        }
        .await;
        SessionPayload::from_result(res)
    }
}

/// Ends a session and writes the audit row, in the caller's transaction.
pub(crate) async fn end_audited(
    db: &impl sea_orm::ConnectionTrait,
    a: &thidua_domain::access::Actor,
    session_id: Uuid,
    reason: EndReason,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if sessions::end(db, session_id, reason, a.user_id, now).await? {
        thidua_persistence::audit::record(
            db,
            a,
            thidua_persistence::audit::AuditEntity::Session,
            session_id,
            thidua_persistence::audit::AuditAction::SignOut,
            serde_json::json!({"reason": reason.as_str()}),
        )
        .await?;
    }
    Ok(())
}

fn issue_access(
    ctx: &Context<'_>,
    u: &user::Model,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), StoreError> {
    state(ctx)
        .tokens
        .issue(u.id, &u.username, session_id, now)
        .map_err(|e| StoreError::Internal(e.to_string()))
}

async fn payload(ctx: &Context<'_>, signed: Signed) -> async_graphql::Result<LoginPayload> {
    let s = sessions::by_id(&state(ctx).db.conn, signed.session_id)
        .await
        .map_err(|e| store_error(&e))?
        .ok_or_else(|| internal(&"a session vanished after it was written"))?;
    Ok(LoginPayload {
        access_token: signed.pair.access_token,
        expires_at: signed.pair.expires_at,
        refresh_token: signed.pair.refresh_token,
        session: Session(s),
        must_change_password: signed.user.must_change_password,
        user: User(signed.user),
    })
}

fn locked_out(ctx: &Context<'_>, wait: std::time::Duration) -> async_graphql::Error {
    note_retry(ctx, wait);
    rate_limited(&msg!("sign-in-locked"), wait)
}

fn invalid_login() -> async_graphql::Error {
    coded(ErrorCode::Unauthenticated, &msg!("bad-credentials"))
}
