//! Sign-in, users and role grants.

use async_graphql::{Context, ID, InputObject, Object};
use thidua_persistence::users::{self, NewUser};

use super::{begin, finish, input_id, payload};
use crate::context::{actor, state};

use thidua_domain::id::of;

use crate::error::Failure;
use crate::types::enums::Role;
use crate::types::user::User;

#[derive(Default)]
pub struct AccountMutation;

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
