//! The signed-in caller, and the accounts an administrator manages.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_domain::account::ListScope;
use thidua_domain::id::{UserId, of};
use thidua_persistence::StoreError;
use thidua_persistence::accounts::{self, UserFilter as StoreFilter};

use super::unit_path;
use crate::context::{actor, actor_any, reads};
use crate::cursor;
use crate::error::{forbidden, query_error};
use crate::ids;
use crate::types::enums::Role;
use crate::types::load_one;
use crate::types::user::{Me, User, UserConnection, user_connection};

#[derive(Default)]
pub struct AccountQuery;

#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Words of the username or display name, ignoring diacritics and case, in any order
    /// (at most 200 characters, 8 words): "lan" finds "Nguyễn Thị Lán".
    pub search: Option<String>,
    /// Accounts whose home unit is this unit or below it.
    pub unit_id: Option<ID>,
    /// true: only active accounts; false: only deactivated ones.
    pub active: Option<bool>,
    /// Accounts holding this role on some unit.
    pub role: Option<Role>,
}

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

    /// The accounts an administrator sees, by username: those whose home unit lies in a
    /// subtree the caller administers (ManageUsers), and for an administrator of the root
    /// also those with no home unit. Anyone else: FORBIDDEN. Private fields of an account
    /// homed in the caller's subtree but holding a role above it stay null (see `User`).
    #[graphql(complexity = "crate::cursor::page_cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let a = actor(ctx)?;
        let scope = ListScope::of(a).ok_or_else(forbidden)?;
        let f = filter.unwrap_or_default();
        let page = cursor::page_request(first, after)?;
        let home_subtree = match &f.unit_id {
            Some(id) => Some(unit_path(ctx, id, "filter.unitId").await?),
            None => None,
        };
        let sf = StoreFilter {
            home_subtree,
            active: f.active,
            role: f.role.map(Into::into),
            search: crate::args::search(f.search, "filter.search")?,
        };
        Ok(user_connection(
            accounts::list(reads(ctx), &scope, &sf, &page)
                .await
                .map_err(query_error)?,
        ))
    }

    /// One account: the caller's own, or one they may manage; FORBIDDEN otherwise, null
    /// when no account has this id.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<User>> {
        let a = actor(ctx)?;
        let id: UserId = ids::decode::<of::User>(&id)?;
        match accounts::own_or_manageable(reads(ctx), a, id).await {
            Ok(u) => Ok(Some(User(u))),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(query_error(e)),
        }
    }
}
