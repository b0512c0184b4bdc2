//! Users, their password hashes (argon2id) and their role grants.

use argon2::password_hash::{
    Error as PasswordHashError, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, Set,
};
use serde_json::json;
use thidua_domain::access::{Action, Actor, Role};
use thidua_domain::id::UnitId;
use thidua_domain::id::UserId;
use thidua_domain::msg;
use thidua_domain::{FieldError, UserErrorCode};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{role_grant, user};
use crate::error::{StoreError, is_unique_violation};
use crate::finder::finders;
use crate::org_units;
use crate::passwords::PasswordPool;
use crate::raw;
use crate::sessions;
use thidua_domain::session::EndReason;

/// The password policy ([`thidua_domain::password::check`]) for `username`, with errors on
/// `field`.
pub fn check_password_policy(
    password: &str,
    username: &str,
    field: &str,
) -> Result<(), FieldError> {
    thidua_domain::password::check(password, username, field)
}

/// OWASP's argon2id parameters (Password Storage Cheat Sheet): 19 MiB of memory, two
/// passes, one lane. Set explicitly, not via the crate's defaults, so that a dependency
/// update cannot change them silently; a stored hash made with other ones is rehashed at
/// the next sign-in ([`needs_rehash`]).
pub const ARGON2_M_COST: u32 = 19_456;
pub const ARGON2_T_COST: u32 = 2;
pub const ARGON2_P_COST: u32 = 1;

fn argon2() -> Result<Argon2<'static>, StoreError> {
    let params = Params::new(ARGON2_M_COST, ARGON2_T_COST, ARGON2_P_COST, None)
        .map_err(|e| StoreError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt_bytes = *Uuid::new_v4().as_bytes();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| StoreError::Internal(format!("salt: {e}")))?;
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("password hashing failed: {e}")))
}

/// Whether a stored hash was made with another algorithm, version or parameters than
/// [`hash_password`] uses now (an unreadable one counts as different).
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != ARGON2_M_COST
        || params.t_cost() != ARGON2_T_COST
        || params.p_cost() != ARGON2_P_COST
}

/// Whether `password` matches the stored `hash`. A hash that cannot be read (not a PHC
/// string, unknown parameters: a hand edit, a truncated column) is a fault in the stored
/// data, not a wrong password: it is an error, which [`authenticate`] turns into
/// `Internal` (logged, answered INTERNAL) instead of a refusal that would silently shut
/// the user out of an account no password can open.
fn verify_password(password: &str, hash: &str) -> Result<bool, PasswordHashError> {
    let parsed = PasswordHash::new(hash)?;
    // Verification reads the algorithm and parameters from the hash itself, so hashes
    // made with older parameters still verify (and are then rehashed).
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(PasswordHashError::Password) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A valid hash of a random secret, verified against when the user does not exist so
/// that "unknown user" and "wrong password" take the same time.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&Uuid::new_v4().to_string()).unwrap_or_default());

/// Checks a username and password. `None` for an unknown, inactive or wrong one alike;
/// `Internal` when the user's stored hash cannot be read (see [`verify_password`]).
/// Argon2 runs on the blocking pool behind [`PasswordPool`]; `Busy` when no slot frees up.
pub async fn authenticate(
    db: &crate::Database,
    username: &str,
    password: &str,
) -> Result<Option<user::Model>, StoreError> {
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim().to_lowercase()))
        .one(&db.conn)
        .await?;
    let hash = match &found {
        Some(u) => u.password_hash.clone(),
        None => DUMMY_HASH.clone(),
    };
    let password = password.to_owned();
    let password_for_rehash = password.clone();
    let checked = PasswordPool::global()
        .run(move || verify_password(&password, &hash))
        .await?;
    let verified = match (checked, &found) {
        (Ok(verified), _) => verified,
        // The dummy only evens out the timing: an unknown user is refused whatever it says.
        (Err(_), None) => false,
        (Err(e), Some(u)) => {
            return Err(StoreError::Internal(format!(
                "unreadable password hash of user {}: {e}",
                u.id
            )));
        }
    };
    let found = found.filter(|u| verified && u.is_active);
    if let Some(u) = &found
        && needs_rehash(&u.password_hash)
    {
        rehash(db, u, password_for_rehash).await;
    }
    Ok(found)
}

/// Replaces a user's hash made with older parameters by one made with today's, right after
/// the password verified (the only moment the plain password is at hand). Only when the
/// stored hash is still the one that verified (a concurrent change wins). A failure is
/// logged and otherwise ignored: the sign-in itself succeeded. One statement on the pool, in
/// its writer's turn on SQLite (the sign-in holds no other).
async fn rehash(db: &crate::Database, u: &user::Model, password: String) {
    let fresh = match PasswordPool::global()
        .run(move || hash_password(&password))
        .await
    {
        Ok(Ok(h)) => h,
        Ok(Err(e)) | Err(e) => {
            tracing::warn!(user = %u.id, error = %e, "rehashing a password failed");
            return;
        }
    };
    let r = async {
        let _turn = db.write_turn().await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::val(fresh))
            .filter(user::Column::Id.eq(u.id))
            .filter(user::Column::PasswordHash.eq(u.password_hash.as_str()))
            .exec(&db.conn)
            .await
    }
    .await;
    match r {
        Ok(_) => tracing::info!(user = %u.id, "password rehashed with the current parameters"),
        Err(e) => tracing::warn!(user = %u.id, error = %e, "storing a rehashed password failed"),
    }
}

/// [`hash_password`] on the blocking pool, behind the same slots as sign-ins.
pub async fn hash_password_off_thread(password: &str) -> Result<String, StoreError> {
    let password = password.to_owned();
    PasswordPool::global()
        .run(move || hash_password(&password))
        .await?
}

finders! {
    pub fn by_ids(ids: &[UserId]) in user::Id;
    /// Grants of many users at once (for the `grants` DataLoader), with unit ids.
    pub fn grants_by_user_ids(ids: &[UserId]) in role_grant::UserId;
}

pub async fn by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username.trim().to_lowercase()))
        .one(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(user::Entity::find().count(db).await?)
}

#[derive(Debug, FromQueryResult)]
struct PathRow {
    path: String,
}

/// The paths of the units a user holds roles on.
pub async fn grant_paths(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<String>, StoreError> {
    let sql = "SELECT ou.path AS path FROM role_grants rg \
        JOIN org_units ou ON ou.id = rg.unit_id WHERE rg.user_id = ?";
    let rows = PathRow::find_by_statement(raw::stmt(
        db.get_database_backend(),
        sql,
        vec![user_id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.path).collect())
}

/// The account `user_id`, when `actor` may administer it ([`Actor::may_manage_user`]):
/// `NotFound` for no such user, `Forbidden` outside the actor's reach.
pub async fn manageable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
) -> Result<user::Model, StoreError> {
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let home = match u.unit_id {
        Some(unit) => Some(
            org_units::by_ids(db, &[UnitId::from_uuid(unit)])
                .await?
                .into_iter()
                .next()
                .map(|o| o.path)
                .ok_or(StoreError::NotFound("unit"))?,
        ),
        None => None,
    };
    let paths = grant_paths(db, user_id).await?;
    if actor.may_manage_user(home.as_deref(), &paths) {
        Ok(u)
    } else {
        Err(StoreError::Forbidden)
    }
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

pub fn parse_username(raw: &str) -> Result<String, FieldError> {
    let u = raw.trim().to_lowercase();
    let ok = (3..=80).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(u)
    } else {
        Err(FieldError::new(
            "username",
            UserErrorCode::InvalidFormat,
            msg!("username-format"),
        ))
    }
}

/// Where an account lives and how to reach its holder (all optional).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The home unit: administrators of its subtree manage the account.
    pub unit_id: Option<UnitId>,
    pub email: Option<thidua_domain::account::Email>,
    pub phone: Option<thidua_domain::account::Phone>,
}

/// Creates a user with no home unit. Without an actor (the CLI and first start) no
/// permission is checked: whoever runs the binary owns the database.
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: NewUser,
    by_system: bool,
) -> Result<user::Model, StoreError> {
    create_with(db, actor, new, Profile::default(), by_system).await
}

/// Creates a user. A home unit needs `ManageUsers` on it (an inactive one is refused);
/// no home unit means only administrators of a root manage the account, so only they
/// may create it ([`Actor::may_manage_user`]).
pub async fn create_with(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: NewUser,
    profile: Profile,
    by_system: bool,
) -> Result<user::Model, StoreError> {
    let home = match profile.unit_id {
        Some(id) => Some(org_units::sent(db, id, "unitId").await?),
        None => None,
    };
    if !by_system {
        let allowed = match &home {
            Some(u) => actor.authorize(Action::ManageUsers, &u.path).is_ok(),
            None => actor.may_manage_user(None, &[]),
        };
        if !allowed {
            return Err(StoreError::Forbidden);
        }
    }
    if let Some(u) = &home
        && !u.is_active
    {
        return Err(FieldError::new(
            "unitId",
            UserErrorCode::Inactive,
            msg!("accounts-unit-inactive"),
        )
        .into());
    }
    let username = parse_username(&new.username)?;
    check_password_policy(&new.password, &username, "password")?;
    let display_name = thidua_domain::account::display_name(&new.display_name)
        .map_err(|e| e.under("displayName"))?;
    let hash = hash_password_off_thread(&new.password).await?;
    let id = Uuid::now_v7();
    let saved = user::ActiveModel {
        // Folded by the entity's `before_save`.
        search_text: sea_orm::ActiveValue::NotSet,
        id: Set(id),
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(hash),
        is_active: Set(true),
        created_at: Set(Utc::now()),
        unit_id: Set(profile.unit_id.map(UnitId::uuid)),
        email: Set(profile.email.map(thidua_domain::account::Email::into_inner)),
        phone: Set(profile.phone.map(thidua_domain::account::Phone::into_inner)),
        last_sign_in_at: Set(None),
        must_change_password: Set(false),
        deactivated_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Invalid(FieldError::new(
                "username",
                UserErrorCode::Duplicate,
                msg!("username-taken"),
            ))
        } else {
            e.into()
        }
    })?;
    audit::record(
        db,
        actor,
        AuditEntity::User,
        id,
        AuditAction::Create,
        json!({
            "username": saved.username,
            "unit": home.as_ref().map(|u| u.code.clone()),
        }),
    )
    .await?;
    Ok(saved)
}

/// Whether `password` is the current password of `user` (argon2 on the password pool).
/// An unreadable stored hash is `Internal`, as in [`authenticate`].
pub async fn password_matches(u: &user::Model, password: &str) -> Result<bool, StoreError> {
    let hash = u.password_hash.clone();
    let password = password.to_owned();
    PasswordPool::global()
        .run(move || verify_password(&password, &hash))
        .await?
        .map_err(|e| {
            StoreError::Internal(format!("unreadable password hash of user {}: {e}", u.id))
        })
}

/// Stores a new password hash for `user_id` (made off the transaction, see
/// [`hash_password_off_thread`]), clears `must_change_password`, ends the user's other
/// sessions (all but `keep`) and audits the change. The caller checked the current
/// password and the policy.
pub async fn change_password(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
    new_hash: String,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<user::Model, StoreError> {
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let change = PasswordChange {
        must_change: false,
        keep,
        reason: EndReason::PasswordChanged,
        action: AuditAction::ChangePassword,
    };
    store_password(db, actor, u, new_hash, change, now).await
}

/// An administrator's reset: stores `new_hash` (of a generated one-time password the
/// caller shows once), sets `must_change_password`, ends every session of the user and
/// audits the reset (never the password). `actor` must manage the account
/// ([`manageable`]), checked here in the same transaction.
pub async fn reset_password(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
    new_hash: String,
    now: DateTime<Utc>,
) -> Result<user::Model, StoreError> {
    let u = manageable(db, actor, user_id).await?;
    let change = PasswordChange {
        must_change: true,
        keep: None,
        reason: EndReason::PasswordReset,
        action: AuditAction::ResetPassword,
    };
    store_password(db, actor, u, new_hash, change, now).await
}

/// How a new password hash is stored: whether it must be changed at the next sign-in,
/// which session survives, and how the ended sessions and the audit row are labelled.
struct PasswordChange {
    must_change: bool,
    keep: Option<Uuid>,
    reason: EndReason,
    action: AuditAction,
}

async fn store_password(
    db: &impl ConnectionTrait,
    actor: &Actor,
    u: user::Model,
    new_hash: String,
    change: PasswordChange,
    now: DateTime<Utc>,
) -> Result<user::Model, StoreError> {
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(new_hash);
    active.must_change_password = Set(change.must_change);
    let saved = active.update(db).await?;
    let ended =
        sessions::end_all_of_user(db, saved.id, change.keep, change.reason, actor.user_id, now)
            .await?;
    audit::record(
        db,
        actor,
        AuditEntity::User,
        saved.id,
        change.action,
        json!({"sessionsEnded": ended}),
    )
    .await?;
    Ok(saved)
}

/// Grants `role` on the subtree of `unit_id`; needs `ManageUsers` on that unit unless by the system.
pub async fn grant(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user_id: UserId,
    role: Role,
    unit_id: UnitId,
    by_system: bool,
) -> Result<role_grant::Model, StoreError> {
    let unit = org_units::sent(db, unit_id, "unitId").await?;
    if !by_system {
        actor.authorize(Action::ManageUsers, &unit.path)?;
    }
    let unknown = || {
        FieldError::new(
            "userId",
            UserErrorCode::UnknownReference,
            msg!(
                "unknown-reference",
                what = thidua_domain::MessageArg::word("thing", "user")
            ),
        )
    };
    if by_system {
        user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .ok_or_else(unknown)?;
    } else {
        // Only an account the caller administers gains roles: a ward administrator
        // cannot hand a provincial officer (or an account homed elsewhere) a ward role.
        match manageable(db, actor, user_id).await {
            Err(StoreError::NotFound(_)) => return Err(unknown().into()),
            r => r?,
        };
    }
    let existing = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(user_id))
        .filter(role_grant::Column::Role.eq(role))
        .filter(role_grant::Column::UnitId.eq(unit_id))
        .one(db)
        .await?;
    if let Some(g) = existing {
        return Ok(g);
    }
    let id = Uuid::now_v7();
    let saved = role_grant::ActiveModel {
        id: Set(id),
        user_id: Set(user_id.uuid()),
        role: Set(role),
        unit_id: Set(unit_id.uuid()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    crate::outbox::access_changed(db, user_id.uuid(), "ROLE_GRANTED", &actor.request_id).await?;
    audit::record(
        db,
        actor,
        AuditEntity::RoleGrant,
        id,
        AuditAction::Grant,
        json!({"user": user_id, "role": role.as_str(), "unit": unit.code}),
    )
    .await?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Garbage where a hash should be is an error, not a mismatch (`Ok(false)`).
    #[test]
    fn an_unreadable_hash_is_an_error_not_a_mismatch() {
        for garbage in [
            "",
            "not-a-hash",
            "$argon2id$v=19$m=bogus$c2FsdA$aGFzaA",
            "$2b$12$abc",
        ] {
            assert!(
                verify_password("any password", garbage).is_err(),
                "{garbage:?}"
            );
        }
    }
}
