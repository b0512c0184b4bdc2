//! A signed-in device: what `mySessions` lists and `revokeSession` ends.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::id::{SessionId, UserId};
use thidua_persistence::entities::session::Model;

use crate::context::{session, state};
use crate::ids;
use crate::types::user::User;

#[derive(Clone)]
pub struct Session(pub Model);

#[Object]
impl Session {
    async fn id(&self) -> ID {
        ids::encode(SessionId::from_uuid(self.0.id))
    }

    /// As the app named the device at sign-in ("Redmi 9A của chị Lan").
    async fn device_name(&self) -> Option<&str> {
        self.0.device_name.as_deref()
    }

    /// As the app sent it ("android", "ios", "web").
    async fn platform(&self) -> Option<&str> {
        self.0.platform.as_deref()
    }

    /// The client address the session was opened from.
    async fn client_address(&self) -> Option<&str> {
        self.0.client_addr.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The last sign-in or refresh.
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.0.last_used_at
    }

    /// When the session ends unless refreshed before: the inactivity limit after the last
    /// use, or the absolute end, whichever comes first.
    async fn expires_at(&self, ctx: &Context<'_>) -> DateTime<Utc> {
        let policy = state(ctx).sessions;
        (self.0.last_used_at + policy.inactivity).min(self.0.expires_at)
    }

    /// Still signed in (not ended, not expired).
    async fn active(&self, ctx: &Context<'_>) -> bool {
        let st = state(ctx);
        thidua_persistence::sessions::is_live(&self.0, &st.sessions, st.clock.now())
    }

    /// When it was ended (logout, revocation, theft, password change, deactivation).
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// Why it was ended: LOGOUT, REVOKED, TOKEN_REUSE, PASSWORD_CHANGED, PASSWORD_RESET
    /// or DEACTIVATED.
    async fn end_reason(&self) -> Option<&str> {
        self.0.revoked_reason.as_deref()
    }

    /// The session this request is made in.
    async fn current(&self, ctx: &Context<'_>) -> bool {
        session(ctx).is_some_and(|s| s.id == self.0.id)
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(
            crate::types::load_one(ctx, UserId::from_uuid(self.0.user_id))
                .await?
                .map(User),
        )
    }
}
