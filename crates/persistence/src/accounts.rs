//! Account administration: listing accounts, taking roles back, deactivating and
//! reactivating, editing names and contact details. Every write here goes through
//! [`users::manageable`] (the one rule, [`Actor::may_manage_user`]) and writes its audit
//! row in the caller's transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor, Role};
use thidua_domain::account::{self as rules, Email, ListScope, Phone};
use thidua_domain::id::{RoleGrantId, UnitId, UserId};
use thidua_domain::msg;
use thidua_domain::session::EndReason;
use thidua_domain::text::SearchQuery;
use thidua_domain::{FieldError, UserErrorCode};

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{org_unit, role_grant, user};
use crate::error::StoreError;
use crate::org_units;
use crate::page::{CountQuery, Page, PageRequest, subtree_pattern};
use crate::sessions;
use crate::users;

/// What the `users` list is narrowed to, beyond the caller's own [`ListScope`].
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Accounts whose home unit lies in this subtree.
    pub home_subtree: Option<String>,
    pub active: Option<bool>,
    /// Accounts holding this role on some unit.
    pub role: Option<Role>,
    /// Accent- and case-insensitive words of the username or display name.
    pub search: Option<SearchQuery>,
}

/// Units whose path lies in any of `subtrees`, as a subquery of ids.
fn units_in(subtrees: &[String]) -> sea_orm::sea_query::SelectStatement {
    let within = subtrees.iter().fold(Condition::any(), |c, p| {
        c.add(org_unit::Column::Path.like(subtree_pattern(p)))
    });
    Query::select()
        .column(org_unit::Column::Id)
        .from(org_unit::Entity)
        .cond_where(within)
        .to_owned()
}

/// Accounts in `scope` matching `f`, by username (unique, so the order is stable and
/// a cursor is the username and id of the last row).
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &ListScope,
    f: &UserFilter,
    page: &PageRequest,
) -> Result<Page<user::Model>, StoreError> {
    let filtered = condition(scope, f);
    let mut c = filtered.clone();
    if let Some(after) = &page.after {
        c = c.add(
            Condition::any()
                .add(user::Column::Username.gt(after.value.clone()))
                .add(
                    Condition::all()
                        .add(user::Column::Username.eq(after.value.clone()))
                        .add(user::Column::Id.gt(after.id)),
                ),
        );
    }
    let rows = user::Entity::find()
        .filter(c)
        .order_by_asc(user::Column::Username)
        .order_by_asc(user::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(user::Entity, filtered),
    ))
}

/// The accounts in `scope` a filter selects, shared by the page and its count.
fn condition(scope: &ListScope, f: &UserFilter) -> Condition {
    let mut visible =
        Condition::any().add(user::Column::UnitId.in_subquery(units_in(&scope.subtrees)));
    if scope.homeless {
        visible = visible.add(user::Column::UnitId.is_null());
    }
    let mut c = Condition::all().add(visible);
    if let Some(p) = &f.home_subtree {
        c = c.add(user::Column::UnitId.in_subquery(units_in(std::slice::from_ref(p))));
    }
    if let Some(active) = f.active {
        c = c.add(user::Column::IsActive.eq(active));
    }
    if let Some(role) = f.role {
        let holders = Query::select()
            .column(role_grant::Column::UserId)
            .from(role_grant::Entity)
            .and_where(role_grant::Column::Role.eq(role))
            .to_owned();
        c = c.add(user::Column::Id.in_subquery(holders));
    }
    if let Some(q) = &f.search {
        c = c.add(crate::search::matches(user::Column::SearchText, q));
    }
    c
}

/// The account `user_id` if the caller may see its private fields and act on it: their
/// own, or one they administer. `NotFound` / `Forbidden` otherwise.
pub async fn own_or_manageable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
) -> Result<user::Model, StoreError> {
    if actor.user_id == Some(user_id.uuid()) {
        return users::by_ids(db, &[user_id])
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("user"));
    }
    users::manageable(db, actor, user_id).await
}

/// Takes a role back. Needs `ManageUsers` on the grant's unit and the right to manage
/// its holder; the caller's own last administrator grant on a root is refused
/// (SELF_LOCKOUT). Returns the holder's account.
pub async fn revoke_grant(
    db: &impl ConnectionTrait,
    actor: &Actor,
    grant_id: RoleGrantId,
) -> Result<user::Model, StoreError> {
    let unknown = || -> StoreError {
        FieldError::new(
            "grantId",
            UserErrorCode::UnknownReference,
            msg!("accounts-no-grant-has-id"),
        )
        .into()
    };
    let g = role_grant::Entity::find_by_id(grant_id.uuid())
        .one(db)
        .await?
        .ok_or_else(unknown)?;
    let unit = org_units::by_ids(db, &[UnitId::from_uuid(g.unit_id)])
        .await?
        .into_iter()
        .next()
        .ok_or_else(unknown)?;
    actor.authorize(Action::ManageUsers, &unit.path)?;
    let holder = users::manageable(db, actor, UserId::from_uuid(g.user_id)).await?;
    if rules::revoke_locks_out(actor, g.user_id, g.role, &unit.path) {
        return Err(FieldError::new(
            "grantId",
            UserErrorCode::SelfLockout,
            msg!("accounts-self-lockout-revoke"),
        )
        .into());
    }
    role_grant::Entity::delete_by_id(g.id).exec(db).await?;
    crate::outbox::access_changed(db, g.user_id, "ROLE_REVOKED", &actor.request_id).await?;
    audit::record(
        db,
        actor,
        AuditEntity::RoleGrant,
        g.id,
        AuditAction::Revoke,
        json!({"user": g.user_id, "role": g.role.as_str(), "unit": unit.code}),
    )
    .await?;
    Ok(holder)
}

/// Deactivates an account: it cannot sign in, and every session it has ends now (their
/// access tokens are refused on the next request). Deactivating oneself is refused
/// (SELF_LOCKOUT); an account already inactive is answered as it is, with no audit row.
pub async fn deactivate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<user::Model, StoreError> {
    if actor.user_id == Some(user_id.uuid()) {
        return Err(FieldError::new(
            "userId",
            UserErrorCode::SelfLockout,
            msg!("accounts-self-deactivate"),
        )
        .into());
    }
    let u = users::manageable(db, actor, user_id).await?;
    if !u.is_active {
        return Ok(u);
    }
    let mut am = u.into_active_model();
    am.is_active = Set(false);
    am.deactivated_at = Set(Some(now));
    let saved = am.update(db).await?;
    let ended = sessions::end_all_of_user(
        db,
        user_id.uuid(),
        None,
        EndReason::Deactivated,
        actor.user_id,
        now,
    )
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::User,
        saved.id,
        AuditAction::Deactivate,
        json!({"username": saved.username, "sessionsEnded": ended}),
    )
    .await?;
    Ok(saved)
}

/// Lets a deactivated account sign in again (its old sessions stay ended). An active
/// account is answered as it is, with no audit row.
pub async fn reactivate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
) -> Result<user::Model, StoreError> {
    let u = users::manageable(db, actor, user_id).await?;
    if u.is_active {
        return Ok(u);
    }
    let mut am = u.into_active_model();
    am.is_active = Set(true);
    am.deactivated_at = Set(None);
    let saved = am.update(db).await?;
    audit::record(
        db,
        actor,
        AuditEntity::User,
        saved.id,
        AuditAction::Reactivate,
        json!({"username": saved.username}),
    )
    .await?;
    Ok(saved)
}

/// An edit of an account's name and contact details: `None` leaves a field alone,
/// `Some(None)` clears an email or phone.
#[derive(Debug, Clone, Default)]
pub struct UserEdit {
    pub display_name: Option<String>,
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<Phone>>,
}

/// Edits an account: its holder (their own name and contact) or an administrator who
/// may manage it. Only the fields that change are written and named in the audit row;
/// an edit that changes nothing writes nothing.
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
    edit: UserEdit,
) -> Result<user::Model, StoreError> {
    let u = own_or_manageable(db, actor, user_id).await?;
    let mut changed: Vec<&str> = Vec::new();
    let mut am = u.clone().into_active_model();
    if let Some(name) = edit.display_name
        && name != u.display_name
    {
        am.display_name = Set(name);
        changed.push("displayName");
    }
    if let Some(email) = edit.email {
        let email = email.map(Email::into_inner);
        if email != u.email {
            am.email = Set(email);
            changed.push("email");
        }
    }
    if let Some(phone) = edit.phone {
        let phone = phone.map(Phone::into_inner);
        if phone != u.phone {
            am.phone = Set(phone);
            changed.push("phone");
        }
    }
    if changed.is_empty() {
        return Ok(u);
    }
    let saved = am.update(db).await?;
    audit::record(
        db,
        actor,
        AuditEntity::User,
        saved.id,
        AuditAction::Update,
        json!({"fields": changed}),
    )
    .await?;
    Ok(saved)
}
