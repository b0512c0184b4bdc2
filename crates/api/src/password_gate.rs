//! While an administrator's reset is pending (the caller's session says
//! `must_change_password`), every root field but the few an app needs to get out of that
//! state is refused with PASSWORD_CHANGE_REQUIRED. One check for every transport
//! (HTTP, batches, persisted queries, multipart uploads): the check sits on the resolve
//! hook of root fields, where the operation's own fields are known.

use async_graphql::extensions::{ExtensionContext, ResolveInfo};
use async_graphql::{PathSegment, ServerResult};
use thidua_domain::{ErrorCode, msg};

use crate::context::RequestCtx;
use crate::error::server_error;

/// Root fields that still run while the password must be changed: changing it, leaving,
/// and seeing who and where one is signed in.
pub const ALLOWED: &[&str] = &["changePassword", "logout", "me", "mySessions"];

/// Whether a root field named `name` runs while a password change is pending
/// (introspection and `__typename` always do).
pub fn allowed(name: &str) -> bool {
    name.starts_with("__") || ALLOWED.contains(&name)
}

/// The gate, on the resolve hook of a root field ([`crate::guards`] calls it only there):
/// refuses `info`'s field while the caller's password must be changed, unless it is one of
/// the [`allowed`] ones.
pub(crate) fn check(ctx: &ExtensionContext<'_>, info: &ResolveInfo<'_>) -> ServerResult<()> {
    let pending = ctx
        .data_opt::<RequestCtx>()
        .and_then(|r| r.session)
        .is_some_and(|s| s.must_change_password);
    if pending && !info.is_for_introspection && !allowed(info.name) {
        let mut e = server_error(
            ErrorCode::PasswordChangeRequired,
            &msg!("password-change-required"),
        );
        e.path = vec![PathSegment::Field(
            info.alias.unwrap_or(info.name).to_owned(),
        )];
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_way_out_and_introspection_pass() {
        for yes in [
            "changePassword",
            "logout",
            "me",
            "mySessions",
            "__typename",
            "__schema",
        ] {
            assert!(allowed(yes), "{yes}");
        }
        for no in [
            "campaigns",
            "resetPassword",
            "revokeSession",
            "createUser",
            "node",
            "users",
        ] {
            assert!(!allowed(no), "{no}");
        }
    }
}
