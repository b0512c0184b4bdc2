//! The signed-in caller.

use async_graphql::{Context, Object};

use crate::context::actor_any;
use crate::error::forbidden;
use crate::types::load_one;
use crate::types::user::Me;
use thidua_domain::id::UserId;

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in caller.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let a = actor_any(ctx)?;
        let user_id = a.user_id.ok_or_else(forbidden)?;
        let user = load_one(ctx, UserId::from_uuid(user_id))
            .await?
            .ok_or_else(crate::error::unauthenticated)?;
        Ok(Me {
            user,
            grants: a.grants.clone(),
        })
    }
}
