//! The sessions (signed-in devices) of the caller, or of a user the caller administers.

use async_graphql::{Context, ID, Object};
use thidua_domain::id::{UserId, of};
use thidua_persistence::sessions;

use crate::context::{actor_any, reads};
use crate::error::{forbidden, query_error};
use crate::types::session::Session;

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// The caller's sessions, newest first: the live ones and the recently ended ones
    /// (at most 100). `current` marks the one this request is made in.
    async fn my_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let a = actor_any(ctx)?;
        let user_id = a.user_id.ok_or_else(forbidden)?;
        let rows = sessions::of_user(reads(ctx), user_id)
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(Session).collect())
    }

    /// A user's sessions, newest first (at most 100): the user themself, or an
    /// administrator over the user's unit and every unit they hold a role on.
    async fn user_sessions(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
    ) -> async_graphql::Result<Vec<Session>> {
        let a = crate::context::actor(ctx)?;
        let id: UserId = crate::ids::decode::<of::User>(&user_id)?;
        let db = reads(ctx);
        if a.user_id != Some(id.uuid()) {
            thidua_persistence::users::manageable(db, a, id)
                .await
                .map_err(query_error)?;
        }
        let rows = sessions::of_user(db, id.uuid())
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(Session).collect())
    }
}
