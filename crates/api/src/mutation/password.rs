//! Passwords: `changePassword` for oneself, `resetPassword` by an administrator. Both cost
//! an argon2 hash, so the HTTP layer lets a request hold only one of them (or one `login`).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use thidua_domain::id::{UserId, of};
use thidua_domain::{FieldError, UserErrorCode, msg};
use thidua_persistence::StoreError;
use thidua_persistence::users;

use super::{begin, finish, input_id};
use crate::context::{actor, actor_any, session, state};
use crate::error::{Failure, UserError, rate_limited};
use crate::guard::{note_retry, throttle};
use crate::types::user::User;

/// A current password longer than this (in bytes) cannot be right (the policy allows 200
/// characters, at most 800 bytes): refused as wrong without hashing it.
const MAX_CURRENT_BYTES: usize = 1000;

#[derive(Default)]
pub struct PasswordMutation;

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    /// 12–200 characters, not the username (nor holding it), not a common password.
    pub new_password: String,
}

#[derive(InputObject)]
pub struct ResetPasswordInput {
    pub user_id: ID,
}

super::payload!(ChangePasswordPayload, user: User);

#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    pub user: Option<User>,
    /// The one-time password to hand to the user (shown once, never stored in clear nor
    /// audited). It must be changed at the next sign-in.
    pub temporary_password: Option<String>,
    /// Problems with the input the user can fix; empty on success.
    pub user_errors: Vec<UserError>,
}

#[Object]
impl PasswordMutation {
    /// Changes the caller's own password. A wrong `currentPassword` is WRONG_PASSWORD and
    /// counts as a failed sign-in (repeated failures lock the account out: RATE_LIMITED).
    /// On success every other session of the caller ends; this one goes on with the same
    /// tokens, and a pending administrator reset is cleared. Runs while a password change
    /// is required.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let a = actor_any(ctx)?;
        let sid = session(ctx).ok_or_else(crate::error::unauthenticated)?.id;
        let user_id = a.user_id.ok_or_else(crate::error::unauthenticated)?;
        let st = state(ctx);
        let u = users::by_ids(&st.db.conn, &[UserId::from_uuid(user_id)])
            .await
            .map_err(|e| crate::error::store_error(&e))?
            .into_iter()
            .next()
            .ok_or_else(crate::error::unauthenticated)?;
        let throttle = throttle(ctx);
        if let Some((g, addr)) = &throttle
            && let Err(wait) = g.0.check(&u.username, *addr).await
        {
            note_retry(ctx, wait);
            return Err(rate_limited(&msg!("password-change-locked"), wait));
        }
        let mut errors: Vec<FieldError> = Vec::new();
        if let Err(e) =
            users::check_password_policy(&input.new_password, &u.username, "newPassword")
        {
            errors.push(e);
        }
        let current_ok = input.current_password.len() <= MAX_CURRENT_BYTES
            && match users::password_matches(&u, &input.current_password).await {
                Ok(ok) => ok,
                Err(e) => {
                    if matches!(e, StoreError::Busy) {
                        note_retry(ctx, std::time::Duration::from_secs(1));
                    }
                    return Err(crate::error::store_error(&e));
                }
            };
        if !current_ok {
            if let Some((g, addr)) = &throttle {
                g.0.failed(&u.username, *addr).await;
            }
            errors.insert(
                0,
                FieldError::new(
                    "currentPassword",
                    UserErrorCode::WrongPassword,
                    msg!("wrong-password"),
                ),
            );
        }
        if !errors.is_empty() {
            return ChangePasswordPayload::from_result(Err(Failure::from(errors)));
        }
        if let Some((g, _)) = &throttle {
            g.0.succeeded(&u.username).await;
        }
        let res = async {
            // Hashed before the transaction opens: no write lock is held while argon2 runs.
            let hash = users::hash_password_off_thread(&input.new_password).await?;
            let txn = begin(ctx).await?;
            let r = users::change_password(
                &txn,
                a,
                UserId::from_uuid(u.id),
                hash,
                Some(sid),
                st.clock.now(),
            )
            .await;
            finish(txn, r).await.map(User)
        }
        .await;
        ChangePasswordPayload::from_result(res)
    }

    /// Resets a user's password (administrators who manage that account: its home unit
    /// and every unit it holds a role on). Answers a one-time password to hand over; the
    /// user must change it at the next sign-in (`mustChangePassword` in the `login`
    /// answer; every other operation is refused with PASSWORD_CHANGE_REQUIRED until
    /// then). Every session of the user ends at once.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> async_graphql::Result<ResetPasswordPayload> {
        let a = actor(ctx)?;
        let st = state(ctx);
        let res = async {
            let user_id = input_id::<of::User>(&input.user_id, "userId")?;
            // Permission first, so that a refused caller costs no hash.
            let u = users::manageable(&st.db.conn, a, user_id).await?;
            let password = thidua_domain::password::generate(&u.username);
            let hash = users::hash_password_off_thread(&password).await?;
            let txn = begin(ctx).await?;
            let r = users::reset_password(&txn, a, user_id, hash, st.clock.now()).await;
            let saved = finish(txn, r).await?;
            Ok::<_, Failure>((saved, password))
        }
        .await;
        match res {
            Ok((u, password)) => Ok(ResetPasswordPayload {
                user: Some(User(u)),
                temporary_password: Some(password),
                user_errors: vec![],
            }),
            Err(Failure::User(errs)) => Ok(ResetPasswordPayload {
                user: None,
                temporary_password: None,
                user_errors: errs,
            }),
            Err(Failure::Request(e)) => Err(e),
        }
    }
}
