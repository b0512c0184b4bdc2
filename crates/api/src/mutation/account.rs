//! Accounts and role grants: creating, editing, deactivating and reactivating accounts,
//! granting and revoking roles. Every one goes through the one rule for accounts
//! (`Actor::may_manage_user`) and writes its audit row in its own transaction.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use thidua_domain::FieldError;
use thidua_domain::account::{Email, Phone, display_name};
use thidua_persistence::accounts::{self, UserEdit};
use thidua_persistence::users::{self, NewUser, Profile};

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
    /// At most 300 characters, one line.
    pub display_name: String,
    /// Must meet the password policy (see the README); refusals name `password`.
    pub password: String,
    /// The home unit: needs ManageUsers on it. Omitted: an account only administrators
    /// of the root manage, which only they may create.
    pub unit_id: Option<ID>,
    /// At most 254 characters, name@domain.
    pub email: Option<String>,
    /// 8 to 15 digits, optionally after a +; spaces, dots, dashes and brackets allowed.
    pub phone: Option<String>,
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub user_id: ID,
    pub role: Role,
    /// The role covers this unit and everything below it.
    pub unit_id: ID,
}

#[derive(InputObject)]
pub struct RevokeRoleInput {
    /// A `RoleGrant.id` (from `user { grants { id } }`).
    pub grant_id: ID,
}

#[derive(InputObject)]
pub struct UserIdInput {
    pub user_id: ID,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub user_id: ID,
    /// At most 300 characters, one line; omitted: unchanged.
    pub display_name: Option<String>,
    /// Omitted: unchanged; null or blank: removed.
    pub email: MaybeUndefined<String>,
    /// Omitted: unchanged; null or blank: removed.
    pub phone: MaybeUndefined<String>,
}

payload!(UserPayload, user: User);

/// An optional email as sent, checked, with its field named.
fn email(raw: Option<&str>) -> Result<Option<Email>, FieldError> {
    match raw {
        None => Ok(None),
        Some(r) => Email::parse_optional(r).map_err(|e| e.under("email")),
    }
}

/// An optional phone number as sent, checked, with its field named.
fn phone(raw: Option<&str>) -> Result<Option<Phone>, FieldError> {
    match raw {
        None => Ok(None),
        Some(r) => Phone::parse_optional(r).map_err(|e| e.under("phone")),
    }
}

/// The user errors of several checks at once, or nothing.
fn collect(errors: impl IntoIterator<Item = Option<FieldError>>) -> Result<(), Failure> {
    let all: Vec<FieldError> = errors.into_iter().flatten().collect();
    if all.is_empty() {
        Ok(())
    } else {
        Err(all.into())
    }
}

#[Object]
impl AccountMutation {
    /// Creates a user with no roles, homed in `unitId` (administrators of that unit, or
    /// of the root when omitted).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let a = actor(ctx)?;
        let res = async {
            let unit_id = input
                .unit_id
                .as_ref()
                .map(|u| input_id::<of::OrgUnit>(u, "unitId"))
                .transpose()?;
            let email = email(input.email.as_deref());
            let phone = phone(input.phone.as_deref());
            collect([email.clone().err(), phone.clone().err()])?;
            let profile = Profile {
                unit_id,
                email: email.ok().flatten(),
                phone: phone.ok().flatten(),
            };
            let txn = begin(ctx).await?;
            let new = NewUser {
                username: input.username,
                display_name: input.display_name,
                password: input.password,
            };
            let r = users::create_with(&txn, a, new, profile, false).await;
            finish(txn, r).await.map(User)
        }
        .await;
        UserPayload::from_result(res)
    }

    /// Grants a role on a unit's subtree: needs ManageUsers on that unit and the right to
    /// manage the account (its home unit and every role it already holds).
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

    /// Takes a role back: needs ManageUsers on the grant's unit and the right to manage
    /// its holder. Revoking your own last ADMIN role on a root is SELF_LOCKOUT. Answers
    /// the holder's account.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        input: RevokeRoleInput,
    ) -> async_graphql::Result<UserPayload> {
        let a = actor(ctx)?;
        let res = async {
            let grant_id = input_id::<of::RoleGrant>(&input.grant_id, "grantId")?;
            let txn = begin(ctx).await?;
            let r = accounts::revoke_grant(&txn, a, grant_id).await;
            finish(txn, r).await.map(User)
        }
        .await;
        UserPayload::from_result(res)
    }

    /// Deactivates an account: it cannot sign in, and all its sessions end now (their
    /// access tokens are refused from the next request). Your own: SELF_LOCKOUT.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        input: UserIdInput,
    ) -> async_graphql::Result<UserPayload> {
        let a = actor(ctx)?;
        let now = state(ctx).clock.now();
        let res = async {
            let user_id = input_id::<of::User>(&input.user_id, "userId")?;
            let txn = begin(ctx).await?;
            let r = accounts::deactivate(&txn, a, user_id, now).await;
            finish(txn, r).await.map(User)
        }
        .await;
        UserPayload::from_result(res)
    }

    /// Lets a deactivated account sign in again (with a new session: the old ones stay
    /// ended).
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        input: UserIdInput,
    ) -> async_graphql::Result<UserPayload> {
        let a = actor(ctx)?;
        let res = async {
            let user_id = input_id::<of::User>(&input.user_id, "userId")?;
            let txn = begin(ctx).await?;
            let r = accounts::reactivate(&txn, a, user_id).await;
            finish(txn, r).await.map(User)
        }
        .await;
        UserPayload::from_result(res)
    }

    /// Edits an account's display name and contact details: its holder, or an
    /// administrator who may manage it.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let a = actor(ctx)?;
        let res = async {
            let user_id = input_id::<of::User>(&input.user_id, "userId")?;
            let name = input
                .display_name
                .as_deref()
                .map(display_name)
                .transpose()
                .map_err(|e| e.under("displayName"));
            let email = match &input.email {
                MaybeUndefined::Undefined => Ok(None),
                MaybeUndefined::Null => Ok(Some(None)),
                MaybeUndefined::Value(v) => email(Some(v)).map(Some),
            };
            let phone = match &input.phone {
                MaybeUndefined::Undefined => Ok(None),
                MaybeUndefined::Null => Ok(Some(None)),
                MaybeUndefined::Value(v) => phone(Some(v)).map(Some),
            };
            collect([name.clone().err(), email.clone().err(), phone.clone().err()])?;
            let edit = UserEdit {
                display_name: name.ok().flatten(),
                email: email.ok().flatten(),
                phone: phone.ok().flatten(),
            };
            let txn = begin(ctx).await?;
            let r = accounts::update(&txn, a, user_id, edit).await;
            finish(txn, r).await.map(User)
        }
        .await;
        UserPayload::from_result(res)
    }
}
