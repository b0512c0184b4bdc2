//! Users and their role grants.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use thidua_domain::access::{Action, Grant};
use thidua_domain::id::{self, RoleGrantId, UnitId, UserId};
use thidua_persistence::entities::role_grant;
use thidua_persistence::entities::user::Model;
use thidua_persistence::page::{KeyCursor, Page};

use super::enums::Role;
use super::org_unit::OrgUnit;
use super::{load_many, load_one};
use crate::context::{Caller, loader, request};
use crate::cursor;
use crate::error::store_error;
use crate::ids;
use crate::loaders::GrantsOf;

#[derive(Clone)]
pub struct User(pub Model);

pub type UserConnection = crate::cursor::CountedConnection<User>;

/// A page of accounts, cursors keyed on the username (unique) and id.
pub fn user_connection(page: Page<Model>) -> UserConnection {
    let key = |m: &Model| KeyCursor {
        value: m.username.clone(),
        id: m.id,
    };
    cursor::connection(page, key, User)
}

impl User {
    /// May the caller read this account's private fields (contact, roles, sign-ins)? Its
    /// holder may, and an administrator who may manage it (the one rule,
    /// `Actor::may_manage_user`). The home unit, the grants and their units come through
    /// the DataLoader, so a page of accounts costs the same few statements as one.
    async fn private(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let Caller::User(a) = &request(ctx).caller else {
            return Ok(false);
        };
        if a.user_id == Some(self.0.id) {
            return Ok(true);
        }
        if !a.grants.iter().any(|g| g.role.permits(Action::ManageUsers)) {
            return Ok(false);
        }
        let home = match self.0.unit_id {
            Some(u) => match load_one(ctx, UnitId::from_uuid(u)).await? {
                Some(unit) => Some(unit.path),
                None => return Ok(false),
            },
            None => None,
        };
        let grants: Vec<role_grant::Model> =
            load_many(ctx, GrantsOf(UserId::from_uuid(self.0.id))).await?;
        let units = loader(ctx)
            .load_many(grants.iter().map(|g| UnitId::from_uuid(g.unit_id)))
            .await
            .map_err(|e| store_error(&e))?;
        let paths: Vec<String> = units.into_values().map(|u| u.path).collect();
        Ok(a.may_manage_user(home.as_deref(), &paths))
    }

    /// `value` when the caller may read private fields, else null.
    async fn only_private<T>(
        &self,
        ctx: &Context<'_>,
        value: T,
    ) -> async_graphql::Result<Option<T>> {
        Ok(self.private(ctx).await?.then_some(value))
    }
}

/// An account. Contact details, roles, sign-ins and `mustChangePassword` are private:
/// null unless the caller is the account's holder or an administrator who may manage it
/// (ManageUsers over its home unit and over every unit it holds a role on).
#[Object]
impl User {
    async fn id(&self) -> ID {
        ids::encode(id::UserId::from_uuid(self.0.id))
    }

    async fn username(&self) -> &str {
        &self.0.username
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// False once deactivated: it cannot sign in and its sessions have ended.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }

    async fn deactivated_at(&self) -> Option<DateTime<Utc>> {
        self.0.deactivated_at
    }

    /// The home unit: administrators of its subtree manage the account. Null: only
    /// administrators of the root do.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.0.unit_id {
            Some(u) => Ok(load_one(ctx, UnitId::from_uuid(u)).await?.map(OrgUnit)),
            None => Ok(None),
        }
    }

    /// Private (see the type).
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self
            .only_private(ctx, self.0.email.clone())
            .await?
            .flatten())
    }

    /// Private (see the type). Digits, with a leading + when one was given.
    async fn phone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self
            .only_private(ctx, self.0.phone.clone())
            .await?
            .flatten())
    }

    /// Private (see the type). The last successful sign-in.
    async fn last_sign_in_at(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(self
            .only_private(ctx, self.0.last_sign_in_at)
            .await?
            .flatten())
    }

    /// Private (see the type). A password reset is waiting to be replaced by the holder.
    async fn must_change_password(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<bool>> {
        self.only_private(ctx, self.0.must_change_password).await
    }

    /// Private (see the type). The roles held, oldest grant first.
    async fn grants(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<RoleGrant>>> {
        if !self.private(ctx).await? {
            return Ok(None);
        }
        let mut rows: Vec<role_grant::Model> =
            load_many(ctx, GrantsOf(UserId::from_uuid(self.0.id))).await?;
        rows.sort_by_key(|g| g.id);
        Ok(Some(rows.into_iter().map(RoleGrant).collect()))
    }
}

/// A role held on the subtree of a unit.
#[derive(Clone)]
pub struct RoleGrant(pub role_grant::Model);

#[Object]
impl RoleGrant {
    /// Send to `revokeRole` to take the role back.
    async fn id(&self) -> ID {
        ids::encode(RoleGrantId::from_uuid(self.0.id))
    }

    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The unit at the top of the subtree the role covers.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<OrgUnit> {
        load_one(ctx, UnitId::from_uuid(self.0.unit_id))
            .await?
            .map(OrgUnit)
            .ok_or_else(|| crate::error::internal(&"a role grant's unit vanished"))
    }

    async fn granted_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The signed-in caller and what they may do.
pub struct Me {
    pub user: Model,
    pub grants: Vec<Grant>,
}

#[Object]
impl Me {
    async fn user(&self) -> User {
        User(self.user.clone())
    }

    /// The units at the top of the caller's grants (deduplicated).
    async fn units(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::org_unit::OrgUnit>> {
        let mut ids: Vec<_> = self
            .grants
            .iter()
            .filter_map(|g| thidua_domain::org_unit::unit_id_of(&g.unit_path))
            .collect();
        ids.sort();
        ids.dedup();
        let units = crate::context::loader(ctx)
            .load_many(ids.iter().copied().map(id::UnitId::from_uuid))
            .await
            .map_err(|e| crate::error::store_error(&e))?;
        Ok(ids
            .into_iter()
            .filter_map(|id| {
                units
                    .get(&thidua_domain::id::UnitId::from_uuid(id))
                    .cloned()
            })
            .map(super::org_unit::OrgUnit)
            .collect())
    }

    /// Launched campaigns a unit under the caller's grants is registered for: the
    /// reporter's home screen, with `criteria`, `nextMilestone` and `myLastReport` on each.
    async fn open_campaigns(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::campaign::Campaign>> {
        let paths: Vec<String> = self.grants.iter().map(|g| g.unit_path.clone()).collect();
        let rows =
            thidua_persistence::campaigns::open_for_units(crate::context::reads(ctx), &paths)
                .await
                .map_err(crate::error::query_error)?;
        Ok(rows.into_iter().map(super::campaign::Campaign).collect())
    }

    /// The caller's roles, oldest grant first (read per request: a new grant shows at once).
    async fn grants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RoleGrant>> {
        let mut rows: Vec<role_grant::Model> =
            load_many(ctx, GrantsOf(UserId::from_uuid(self.user.id))).await?;
        rows.sort_by_key(|g| g.id);
        Ok(rows.into_iter().map(RoleGrant).collect())
    }
}
