//! Sign-in, users and role grants.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use thidua_persistence::users::{self, NewUser};

use super::{begin, finish, input_id, payload};
use crate::context::{actor, state};
use std::sync::Arc;

use thidua_domain::id::of;
use thidua_persistence::StoreError;

use crate::error::{Failure, coded, internal, rate_limited, store_error};
use crate::guard::{ClientAddr, LoginGuard, RateNotes};
use crate::types::enums::Role;
use crate::types::user::User;

#[derive(Default)]
pub struct AccountMutation;

#[derive(InputObject)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    /// 3–80 characters: a–z, 0–9, '.', '_' or '-'.
    pub username: String,
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub user_id: ID,
    pub role: Role,
    /// The role covers this unit and everything below it.
    pub unit_id: ID,
}

payload!(UserPayload, user: User);

#[Object]
impl AccountMutation {
    /// Exchanges a username and password for a short-lived access token. A wrong password
    /// and an unknown user get the same UNAUTHENTICATED error.
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
        let username = input.username.trim().to_lowercase();
        let guard = ctx.data_opt::<LoginGuard>();
        let addr = ctx.data_opt::<ClientAddr>().map(|a| a.0);
        let throttle = guard.zip(addr);
        if let Some((g, addr)) = throttle
            && let Err(wait) = g.0.check(&username, addr).await
        {
            if let Some(notes) = ctx.data_opt::<Arc<RateNotes>>() {
                notes.retry_after(wait);
            }
            return Err(rate_limited(&thidua_domain::msg!("sign-in-locked"), wait));
        }
        let found = users::authenticate(&st.db.conn, &input.username, &input.password).await;
        if matches!(found, Err(StoreError::Busy))
            && let Some(notes) = ctx.data_opt::<Arc<RateNotes>>()
        {
            notes.retry_after(std::time::Duration::from_secs(1));
        }
        let user = found.map_err(|e| store_error(&e))?;
        let Some(user) = user else {
            if let Some((g, addr)) = throttle {
                g.0.failed(&username, addr).await;
            }
            return Err(invalid_login());
        };
        if let Some((g, _)) = throttle {
            g.0.succeeded(&username).await;
        }
        let (token, exp) = st
            .tokens
            .issue(user.id, &user.username, Utc::now())
            .map_err(|e| internal(&e))?;
        Ok(LoginPayload {
            access_token: token,
            expires_at: exp,
            user: User(user),
        })
    }

    /// Creates a user with no roles (administrators only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let a = actor(ctx)?;
        let res = async {
            let txn = begin(ctx).await?;
            let new = NewUser {
                username: input.username,
                display_name: input.display_name,
                password: input.password,
            };
            let r = users::create(&txn, a, new, false).await;
            finish(txn, r).await.map(User)
        }
        .await;
        UserPayload::from_result(res)
    }

    /// Grants a role on a unit's subtree (administrators of that subtree only).
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        input: GrantRoleInput,
    ) -> async_graphql::Result<UserPayload> {
        let a = actor(ctx)?;
        let res = async {
            let user_id = input_id::<of::User>(&input.user_id, "userId")?;
            let unit_id = input_id::<of::OrgUnit>(&input.unit_id, "unitId")?;
            let txn = begin(ctx).await?;
            let r = users::grant(&txn, a, user_id, input.role.into(), unit_id, false).await;
            finish(txn, r).await?;
            let u = users::by_ids(&state(ctx).db.conn, &[user_id])
                .await
                .map_err(Failure::from)?;
            u.into_iter()
                .next()
                .map(User)
                .ok_or_else(|| Failure::Request(crate::error::not_found("user")))
        }
        .await;
        UserPayload::from_result(res)
    }
}

fn invalid_login() -> async_graphql::Error {
    coded(
        thidua_domain::ErrorCode::Unauthenticated,
        &thidua_domain::msg!("bad-credentials"),
    )
}
