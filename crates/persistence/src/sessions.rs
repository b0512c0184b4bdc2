//! Sessions and their refresh tokens. A refresh token is 256 random bits, given to the
//! client once and stored only as its SHA-256; every rotation retires the presented token
//! and keeps its hash, so a retired token presented again is recognised and ends its
//! session (RFC 9700 §4.14.2). The pair a rotation issued is kept sealed with a key only
//! the retired token derives, so the one retry of a lost answer gets the same pair back
//! while the database alone reveals nothing.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use thidua_domain::access::{Actor, Grant, Role};
use thidua_domain::id::UserId;
use thidua_domain::session::{Device, EndReason, SessionFacts, SessionPolicy, TokenFacts, Verdict};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{refresh_token, session, user};
use crate::error::StoreError;
use crate::raw;

/// Most sessions listed for one user (a user has a handful of devices; older ended
/// sessions beyond this are not shown).
pub const MAX_LISTED: u64 = 100;

/// A fresh refresh token: 32 random bytes (two v4 UUIDs' random bits), base64url.
fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hex SHA-256 of a refresh token: how it is stored and looked up.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` bytes of keystream from the retired token (SHA-256 in counter mode, labelled so
/// it is never the stored hash).
fn keystream(token: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(b"thidua-refresh-retry:");
        h.update(counter.to_be_bytes());
        h.update(token.as_bytes());
        out.extend_from_slice(&h.finalize());
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

/// The pair a rotation answered with, as kept for its one retry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IssuedPair {
    pub refresh_token: String,
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
}

fn seal(pair: &IssuedPair, retired_token: &str) -> Result<String, StoreError> {
    let plain = serde_json::to_vec(pair).map_err(|e| StoreError::Internal(e.to_string()))?;
    let ks = keystream(retired_token, plain.len());
    let sealed: Vec<u8> = plain.iter().zip(ks).map(|(p, k)| p ^ k).collect();
    Ok(STANDARD.encode(sealed))
}

fn unseal(sealed: &str, retired_token: &str) -> Option<IssuedPair> {
    let bytes = STANDARD.decode(sealed).ok()?;
    let ks = keystream(retired_token, bytes.len());
    let plain: Vec<u8> = bytes.iter().zip(ks).map(|(b, k)| b ^ k).collect();
    serde_json::from_slice(&plain).ok()
}

/// Makes an access token for a session of a user: supplied by the API layer, which holds
/// the signing keys.
pub type IssueAccess<'a> =
    &'a (dyn Fn(&user::Model, Uuid) -> Result<(String, DateTime<Utc>), StoreError> + Sync);

/// What a sign-in or a refresh answers.
#[derive(Debug, Clone)]
pub struct Signed {
    pub user: user::Model,
    pub session_id: Uuid,
    pub pair: IssuedPair,
}

/// Opens a session for a user who just proved their password, with its first refresh
/// token; records the sign-in on the user and in the audit trail.
#[allow(clippy::too_many_arguments)]
pub async fn open(
    db: &impl ConnectionTrait,
    user: user::Model,
    device: &Device,
    client_addr: Option<String>,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
    request_id: &str,
    issue: IssueAccess<'_>,
) -> Result<Signed, StoreError> {
    let id = Uuid::now_v7();
    session::ActiveModel {
        id: Set(id),
        user_id: Set(user.id),
        device_name: Set(device.name.clone()),
        platform: Set(device.platform.clone()),
        client_addr: Set(client_addr.map(|a| a.chars().take(64).collect())),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(now + policy.absolute),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        revoked_by: Set(None),
    }
    .insert(db)
    .await?;
    let refresh = new_refresh_token();
    insert_token(db, &refresh, id, now).await?;
    user::Entity::update_many()
        .col_expr(user::Column::LastSignInAt, Expr::val(now))
        .filter(user::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    let actor = user_actor(&user, request_id);
    audit::record(
        db,
        &actor,
        AuditEntity::Session,
        id,
        AuditAction::SignIn,
        json!({"device": device.name, "platform": device.platform}),
    )
    .await?;
    let (access_token, expires_at) = issue(&user, id)?;
    Ok(Signed {
        user,
        session_id: id,
        pair: IssuedPair {
            refresh_token: refresh,
            access_token,
            expires_at,
        },
    })
}

fn user_actor(user: &user::Model, request_id: &str) -> Actor {
    Actor {
        user_id: Some(user.id),
        label: user.username.clone(),
        grants: vec![],
        request_id: request_id.to_owned(),
        client: None,
    }
}

async fn insert_token(
    db: &impl ConnectionTrait,
    token: &str,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_token::ActiveModel {
        token_hash: Set(token_hash(token)),
        session_id: Set(session_id),
        issued_at: Set(now),
        retired_at: Set(None),
        retry_sealed: Set(None),
        retry_used: Set(false),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What a presented refresh token led to.
#[derive(Debug)]
pub enum Refreshed {
    /// A new pair (a rotation), or the same pair again (the retry of a lost answer).
    Issued(Box<Signed>),
    /// Unknown token, or its session ended: the app signs in again.
    Ended,
    /// A retired token came back: its session is now revoked (commit this, then refuse).
    Reused,
}

/// Rotates a refresh token: the whole exchange, in the caller's write transaction. The
/// token's row is locked (PostgreSQL) or the database is (SQLite), so two presentations
/// of one token are decided one after the other.
pub async fn refresh(
    db: &impl ConnectionTrait,
    presented: &str,
    policy: &SessionPolicy,
    now: DateTime<Utc>,
    request_id: &str,
    issue: IssueAccess<'_>,
) -> Result<Refreshed, StoreError> {
    if presented.is_empty() || presented.len() > 200 {
        return Ok(Refreshed::Ended);
    }
    let hash = token_hash(presented);
    let mut q = refresh_token::Entity::find_by_id(hash.clone());
    if db.get_database_backend() == DbBackend::Postgres {
        q = q.lock(LockType::Update);
    }
    let Some(token) = q.one(db).await? else {
        return Ok(Refreshed::Ended);
    };
    let Some(s) = session::Entity::find_by_id(token.session_id)
        .one(db)
        .await?
    else {
        return Ok(Refreshed::Ended);
    };
    let Some(u) = user::Entity::find_by_id(s.user_id).one(db).await? else {
        return Ok(Refreshed::Ended);
    };
    let facts = SessionFacts {
        last_used_at: s.last_used_at,
        expires_at: s.expires_at,
        revoked: s.revoked_at.is_some() || !u.is_active,
    };
    // The pair the retired token was exchanged for, when a retry may return it.
    let mut retry_pair = None;
    if let (Some(retired_at), false, Some(sealed)) = (
        token.retired_at,
        token.retry_used,
        token.retry_sealed.as_deref(),
    ) && now - retired_at <= policy.retry_grace
        && let Some(pair) = unseal(sealed, presented)
    {
        let successor = refresh_token::Entity::find_by_id(token_hash(&pair.refresh_token))
            .one(db)
            .await?;
        if successor.is_some_and(|t| t.retired_at.is_none()) {
            retry_pair = Some(pair);
        }
    }
    let token_facts = TokenFacts {
        retired_at: token.retired_at,
        retry_used: token.retry_used,
        successor_current: retry_pair.is_some(),
    };
    match policy.judge(&facts, &token_facts, now) {
        Verdict::Ended => Ok(Refreshed::Ended),
        Verdict::Retry => {
            refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::RetryUsed, Expr::val(true))
                .filter(refresh_token::Column::TokenHash.eq(hash))
                .exec(db)
                .await?;
            let pair =
                retry_pair.ok_or_else(|| StoreError::Internal("retry without a pair".into()))?;
            Ok(Refreshed::Issued(Box::new(Signed {
                user: u,
                session_id: s.id,
                pair,
            })))
        }
        Verdict::Reuse => {
            end(db, s.id, EndReason::TokenReuse, None, now).await?;
            audit::record(
                db,
                &user_actor(&u, request_id),
                AuditEntity::Session,
                s.id,
                AuditAction::TokenReuse,
                json!({"user": u.id, "retiredAt": token.retired_at}),
            )
            .await?;
            Ok(Refreshed::Reused)
        }
        Verdict::Rotate => {
            let (access_token, expires_at) = issue(&u, s.id)?;
            let pair = IssuedPair {
                refresh_token: new_refresh_token(),
                access_token,
                expires_at,
            };
            let retired = refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::RetiredAt, Expr::val(now))
                .col_expr(
                    refresh_token::Column::RetrySealed,
                    Expr::val(seal(&pair, presented)?),
                )
                .filter(refresh_token::Column::TokenHash.eq(hash))
                .filter(refresh_token::Column::RetiredAt.is_null())
                .exec(db)
                .await?;
            if retired.rows_affected != 1 {
                // Only possible without the row lock: someone rotated it meanwhile.
                return Err(StoreError::Conflict(thidua_domain::msg!("refresh-raced")));
            }
            insert_token(db, &pair.refresh_token, s.id, now).await?;
            // Retired tokens are kept to recognise reuse while the session could still be
            // alive without them; older ones would only grow the table (a session in daily
            // use rotates a dozen times a day).
            refresh_token::Entity::delete_many()
                .filter(refresh_token::Column::SessionId.eq(s.id))
                .filter(refresh_token::Column::RetiredAt.lt(now - policy.inactivity))
                .exec(db)
                .await?;
            session::Entity::update_many()
                .col_expr(session::Column::LastUsedAt, Expr::val(now))
                .filter(session::Column::Id.eq(s.id))
                .exec(db)
                .await?;
            Ok(Refreshed::Issued(Box::new(Signed {
                user: u,
                session_id: s.id,
                pair,
            })))
        }
    }
}

/// Ends a session: revoked with its reason, its refresh tokens deleted. Ending an ended
/// session changes nothing. True when it was alive.
pub async fn end(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    reason: EndReason,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let r = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::val(now))
        .col_expr(session::Column::RevokedReason, Expr::val(reason.as_str()))
        .col_expr(session::Column::RevokedBy, Expr::val(by))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    // An ended session's tokens are of no further use: any of them now answers like an
    // unknown token (sign in again).
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::SessionId.eq(session_id))
        .exec(db)
        .await?;
    if r.rows_affected > 0 {
        // Every replica closes its subscription connections on this session.
        let event = crate::outbox::NewEvent::new(
            crate::outbox::EventKind::SessionEnded,
            serde_json::json!({"session": session_id}),
        )
        .body(serde_json::json!({"reason": reason.as_str()}));
        crate::outbox::record(db, event).await?;
    }
    Ok(r.rows_affected > 0)
}

/// Ends every live session of a user but `keep` (a password change keeps the session it
/// was made in). Returns how many ended.
pub async fn end_all_of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: EndReason,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut q = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(k) = keep {
        q = q.filter(session::Column::Id.ne(k));
    }
    let ids: Vec<Uuid> = q.into_tuple().all(db).await?;
    let mut n = 0;
    for id in ids {
        n += u64::from(end(db, id, reason, by, now).await?);
    }
    Ok(n)
}

/// A user's sessions, newest first: the live ones, then the ended ones (at most
/// [`MAX_LISTED`] in all).
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<session::Model>, StoreError> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::Id)
        .limit(MAX_LISTED)
        .all(db)
        .await?)
}

pub async fn by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<session::Model>, StoreError> {
    Ok(session::Entity::find_by_id(id).one(db).await?)
}

/// Whether a stored session still lets its access tokens through at `now`.
pub fn is_live(s: &session::Model, policy: &SessionPolicy, now: DateTime<Utc>) -> bool {
    let facts = SessionFacts {
        last_used_at: s.last_used_at,
        expires_at: s.expires_at,
        revoked: s.revoked_at.is_some(),
    };
    now < policy.alive_until(&facts) && !facts.revoked
}

#[derive(Debug, FromQueryResult)]
struct CallerRow {
    must_change_password: bool,
    fence: Option<i64>,
    role: Option<Role>,
    path: Option<String>,
}

/// The caller behind an access token, as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerNow {
    pub grants: Vec<Grant>,
    pub must_change_password: bool,
    /// The primary's WAL position after the person's last mutation, in any session (see
    /// [`crate::read_replica`]).
    pub fence: Option<i64>,
}

/// The grants of an active user on active units, provided the token's session is alive:
/// not revoked and not past its absolute end (access tokens are short-lived, so the
/// inactivity limit is the refresh token's business). `None` when the user is gone or
/// deactivated or the session ended. One statement per request: the session check costs
/// no round trip of its own and holds at once on every replica.
pub async fn caller(
    db: &impl ConnectionTrait,
    user_id: UserId,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<CallerNow>, StoreError> {
    let sql = "SELECT us.must_change_password AS must_change_password, rg.role AS role, \
        ou.path AS path, f.lsn AS fence FROM users us \
        JOIN sessions se ON se.id = ? AND se.user_id = us.id AND se.revoked_at IS NULL \
            AND se.expires_at > ? \
        LEFT JOIN read_fences f ON f.writer_id = us.id \
        LEFT JOIN role_grants rg ON rg.user_id = us.id \
        LEFT JOIN org_units ou ON ou.id = rg.unit_id AND ou.is_active = ? \
        WHERE us.id = ? AND us.is_active = ?";
    let values = vec![
        session_id.into(),
        now.into(),
        true.into(),
        user_id.into(),
        true.into(),
    ];
    let rows = CallerRow::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
        .all(db)
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let must_change_password = first.must_change_password;
    let fence = first.fence;
    Ok(Some(CallerNow {
        must_change_password,
        fence,
        grants: rows
            .into_iter()
            .filter_map(|r| match (r.role, r.path) {
                (Some(role), Some(unit_path)) => Some(Grant { role, unit_path }),
                _ => None,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_pair_opens_only_with_the_token_it_was_sealed_with() {
        let pair = IssuedPair {
            refresh_token: new_refresh_token(),
            access_token: "header.claims.signature".repeat(20),
            expires_at: Utc::now(),
        };
        let old = new_refresh_token();
        let sealed = seal(&pair, &old).unwrap();
        assert_eq!(unseal(&sealed, &old), Some(pair.clone()));
        assert_eq!(unseal(&sealed, &new_refresh_token()), None);
        assert!(!sealed.contains(&pair.refresh_token));
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_as_their_hash() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
