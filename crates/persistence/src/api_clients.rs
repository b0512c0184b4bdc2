//! Machine clients: registration, secret rotation with an overlap, disabling, and the two
//! look-ups the HTTP layer makes (a token request's credentials; a client token's client
//! as it is now, on every request).
//!
//! A secret is 256 random bits shown once and stored as its SHA-256 (see the migration
//! for why not argon2). A rotation gives the current secrets a `retire_at` (now plus the
//! overlap) and adds a new one: until then both work.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use thidua_domain::access::{Action, Actor};
use thidua_domain::client::{ClientName, ScopeSet};
use thidua_domain::id::{ApiClientId, UnitId};
use thidua_domain::org_unit::is_within;
use thidua_domain::{FieldError, UserErrorCode, msg};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntity};
use crate::entities::{api_client, api_client_secret};
use crate::error::{StoreError, is_unique_violation};
use crate::page::{CountQuery, Page, PageRequest};
use crate::{org_units, raw};

/// What every secret starts with, so secret scanners (and people) recognise one.
pub const SECRET_PREFIX: &str = "thidua_cs_";

/// A fresh secret: the prefix and 32 random bytes (two v4 UUIDs' random bits), base64url,
/// so it needs no escaping in a form body or in HTTP Basic.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a secret: how it is stored and looked up.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub struct NewClient {
    pub name: ClientName,
    pub owner_unit_id: UnitId,
    /// The subtree it acts on; none: the owner unit's.
    pub subtree_unit_id: Option<UnitId>,
    pub scopes: ScopeSet,
}

/// A client and the secret to show once.
pub struct WithSecret {
    pub client: api_client::Model,
    pub secret: String,
}

async fn insert_secret(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let secret = new_secret();
    api_client_secret::ActiveModel {
        secret_hash: Set(secret_hash(&secret)),
        client_id: Set(client_id),
        created_at: Set(now),
        retire_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// Registers a client: needs ManageUsers on its owner unit; its subtree is the owner unit
/// or lies below it.
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: NewClient,
    now: DateTime<Utc>,
) -> Result<WithSecret, StoreError> {
    let owner = org_units::sent(db, new.owner_unit_id, "ownerUnitId").await?;
    actor.authorize(Action::ManageUsers, &owner.path)?;
    let subtree = match new.subtree_unit_id {
        Some(id) if id.uuid() != owner.id => {
            let s = org_units::sent(db, id, "subtreeUnitId").await?;
            if !is_within(&s.path, &owner.path) {
                return Err(FieldError::new(
                    "subtreeUnitId",
                    UserErrorCode::InvalidParent,
                    msg!("client-subtree-outside-owner"),
                )
                .into());
            }
            s
        }
        _ => owner.clone(),
    };
    let id = Uuid::now_v7();
    let saved = api_client::ActiveModel {
        id: Set(id),
        name: Set(new.name.into_inner()),
        owner_unit_id: Set(owner.id),
        subtree_unit_id: Set(subtree.id),
        scopes: Set(new.scopes.to_param()),
        disabled: Set(false),
        disabled_reason: Set(None),
        disabled_at: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Invalid(FieldError::new(
                "name",
                UserErrorCode::Duplicate,
                msg!("client-name-taken"),
            ))
        } else {
            e.into()
        }
    })?;
    let secret = insert_secret(db, id, now).await?;
    audit::record(
        db,
        actor,
        AuditEntity::ApiClient,
        id,
        AuditAction::Create,
        json!({"name": saved.name, "scopes": saved.scopes, "subtreeUnitId": subtree.id}),
    )
    .await?;
    Ok(WithSecret {
        client: saved,
        secret,
    })
}

/// The client and the path of its owner unit, if the actor may administer it
/// (ManageUsers on the owner unit); NOT_FOUND when there is no such client.
async fn managed(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ApiClientId,
) -> Result<api_client::Model, StoreError> {
    let c = api_client::Entity::find_by_id(id.uuid())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("API client"))?;
    let owner = org_units::referenced(db, UnitId::from_uuid(c.owner_unit_id)).await?;
    actor.authorize(Action::ManageUsers, &owner.path)?;
    Ok(c)
}

fn disabled_error() -> StoreError {
    FieldError::new("id", UserErrorCode::Inactive, msg!("client-disabled")).into()
}

/// A new secret; the current ones keep working `overlap_secs` more (0: retired now). A
/// secret already due to retire sooner keeps its earlier end.
pub async fn rotate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ApiClientId,
    overlap_secs: i64,
    now: DateTime<Utc>,
) -> Result<WithSecret, StoreError> {
    let c = managed(db, actor, id).await?;
    if c.disabled {
        return Err(disabled_error());
    }
    let retire_at = now + chrono::Duration::seconds(overlap_secs);
    api_client_secret::Entity::update_many()
        .col_expr(api_client_secret::Column::RetireAt, Expr::value(retire_at))
        .filter(api_client_secret::Column::ClientId.eq(c.id))
        .filter(
            Condition::any()
                .add(api_client_secret::Column::RetireAt.is_null())
                .add(api_client_secret::Column::RetireAt.gt(retire_at)),
        )
        .exec(db)
        .await?;
    let secret = insert_secret(db, c.id, now).await?;
    audit::record(
        db,
        actor,
        AuditEntity::ApiClient,
        c.id,
        AuditAction::RotateSecret,
        json!({"name": c.name, "overlapSeconds": overlap_secs}),
    )
    .await?;
    Ok(WithSecret { client: c, secret })
}

/// Disables a client for good: it gets no more tokens, its tokens stop working on their
/// next request, and its webhook endpoints are disabled with their queued deliveries. Disabling a disabled client changes nothing.
pub async fn disable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ApiClientId,
    reason: String,
    now: DateTime<Utc>,
) -> Result<api_client::Model, StoreError> {
    let c = managed(db, actor, id).await?;
    if c.disabled {
        return Ok(c);
    }
    let mut m: api_client::ActiveModel = c.into();
    m.disabled = Set(true);
    m.disabled_reason = Set(Some(reason.clone()));
    m.disabled_at = Set(Some(now));
    let saved = m.update(db).await?;
    crate::webhooks::disable_for_client(db, saved.id, now).await?;
    audit::record(
        db,
        actor,
        AuditEntity::ApiClient,
        saved.id,
        AuditAction::Disable,
        json!({"name": saved.name, "reason": reason}),
    )
    .await?;
    Ok(saved)
}

/// The clients whose owner unit the actor administers (ManageUsers), oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<api_client::Model>, StoreError> {
    let paths: Vec<&str> = if actor.is_client() {
        vec![]
    } else {
        actor
            .grants
            .iter()
            .filter(|g| g.role.permits(Action::ManageUsers))
            .map(|g| g.unit_path.as_str())
            .collect()
    };
    if paths.is_empty() {
        return Ok(Page::from_overfetch(
            vec![],
            page.first,
            CountQuery::empty(),
        ));
    }
    let mut visible = Condition::any();
    for p in paths {
        visible =
            visible.add(api_client::Column::OwnerUnitId.in_subquery(org_units::ids_in_subtree(p)));
    }
    let mut q = api_client::Entity::find().filter(visible.clone());
    if let Some(after) = &page.after {
        q = q.filter(api_client::Column::Id.gt(after.id));
    }
    let rows = q
        .order_by_asc(api_client::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(
        rows,
        page.first,
        CountQuery::of(api_client::Entity, visible),
    ))
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<api_client::Model>, StoreError> {
    Ok(api_client::Entity::find()
        .filter(api_client::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// A client as a token request or a client token finds it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ClientNow {
    pub id: Uuid,
    pub name: String,
    /// Space-separated (see [`ScopeSet::parse_param`]).
    pub scopes: String,
    pub subtree_path: String,
    pub disabled: bool,
    /// Whether the secret presented is one of its valid ones (token requests only).
    pub secret_ok: bool,
}

/// The client `client_id` with whether `secret` is one of its secrets still valid at
/// `now`, in one statement; `None` when there is no such client.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<ClientNow>, StoreError> {
    let sql = "SELECT c.id AS id, c.name AS name, c.scopes AS scopes, ou.path AS subtree_path, \
        c.disabled AS disabled, (s.secret_hash IS NOT NULL) AS secret_ok \
        FROM api_clients c JOIN org_units ou ON ou.id = c.subtree_unit_id \
        LEFT JOIN api_client_secrets s ON s.client_id = c.id AND s.secret_hash = ? \
            AND (s.retire_at IS NULL OR s.retire_at > ?) \
        WHERE c.id = ?";
    let values = vec![secret_hash(secret).into(), now.into(), client_id.into()];
    Ok(
        ClientNow::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
            .one(db)
            .await?,
    )
}

/// The client behind a client token, as it is now: `None` when it is gone, disabled or
/// its subtree unit deactivated. One statement per request.
pub async fn caller(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Option<ClientNow>, StoreError> {
    let sql = "SELECT c.id AS id, c.name AS name, c.scopes AS scopes, ou.path AS subtree_path, \
        c.disabled AS disabled, (1 = 0) AS secret_ok \
        FROM api_clients c JOIN org_units ou ON ou.id = c.subtree_unit_id AND ou.is_active = ? \
        WHERE c.id = ? AND c.disabled = ?";
    let values = vec![true.into(), client_id.into(), false.into()];
    Ok(
        ClientNow::find_by_statement(raw::stmt(db.get_database_backend(), sql, values))
            .one(db)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_stored_as_their_hash() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(a.len(), SECRET_PREFIX.len() + 43);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }
}
