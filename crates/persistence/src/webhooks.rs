//! Webhook endpoints and deliveries: registration, the fan-out from the outbox, and the
//! worker's claim and record statements.
//!
//! **Fan-out happens in the event's own transaction** ([`fan_out`], called by
//! [`crate::outbox::record_many`]): a delivery row exists exactly when its event
//! committed, once per matching endpoint, with no cursor to advance and no window in
//! which an event id is taken but not yet visible (ids commit out of order under
//! concurrent writers, which a cursor over the outbox would have to track as gaps). The
//! cost is one read of the enabled endpoints per event-writing transaction.
//!
//! **Claims** take the head of each endpoint's queue only (no earlier open delivery of
//! the same endpoint), so one endpoint's deliveries go out one at a time in stream order.
//! On PostgreSQL the claim locks with `FOR UPDATE SKIP LOCKED` and writes a lease
//! (`locked_until`, `claimed_by`) before committing; the request is sent outside any
//! transaction, and the result is recorded only by the lease holder. A process that dies
//! between send and record leaves the lease to run out: the delivery is sent again (at
//! least once, a duplicate only then). SQLite has one process and one writer at a time.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use serde_json::{Value as Json, json};
use thidua_domain::access::Actor;
use thidua_domain::error::{FieldError, UserErrorCode};
use thidua_domain::event::{Audience, Scope};
use thidua_domain::journal::{AuditAction, AuditEntity};
use thidua_domain::msg;
use thidua_domain::webhook::{
    self, DeliveryStatus, EndpointUrl, EventTypes, SECRET_BYTES, SigningSecret, Subscription,
};
use uuid::Uuid;

use crate::audit;
use crate::error::StoreError;
use crate::outbox::{self, Event, NewEvent};
use crate::page::{CountQuery, Page, PageRequest};
use crate::raw;

/// Most events one `replayWebhooks` call queues; the answer says where to go on from.
pub const MAX_REPLAY: u64 = 1000;
/// Why an endpoint was disabled (the `disabled_reason` column).
pub const DISABLED_FAILING: &str = "FAILING";
pub const DISABLED_MANUALLY: &str = "MANUAL";
/// Its API client was disabled: the client's queued deliveries never go out.
pub const DISABLED_CLIENT: &str = "CLIENT_DISABLED";

/// `e` (an endpoint) is enabled and its client, if any, is not disabled; binds
/// [`live_values`]. Fan-out, claims and the due time all ask it, so a delivery queued
/// before its client was disabled is not sent either.
const LIVE: &str = "e.enabled = ? AND NOT EXISTS (SELECT 1 FROM api_clients c \
    WHERE c.id = e.api_client_id AND c.disabled = ?)";

fn live_values() -> [Value; 2] {
    [true.into(), true.into()]
}

/// A new random signing secret.
pub fn new_secret() -> Result<SigningSecret, StoreError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(SigningSecret::from_random(bytes))
}

/// The JSON body a receiver gets: `type`, `timestamp` and `data` (Standard Webhooks).
pub fn body(kind: &str, at: DateTime<Utc>, data: &Json) -> String {
    json!({
        "type": kind,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

fn event_data(id: i64, subject: &Json, details: &Json) -> Json {
    json!({"eventId": id, "subject": subject, "details": details})
}

fn event_body(e: &Event) -> String {
    body(
        e.kind.as_str(),
        e.occurred_at,
        &event_data(e.id, &e.subject, &e.body),
    )
}

#[derive(Debug, FromQueryResult)]
struct MatchRow {
    id: Uuid,
    event_types: String,
    owner_path: String,
    subtree_path: Option<String>,
}

const OPEN: &str = "('PENDING', 'FAILED')";

/// The id of the head of endpoint `e`'s queue: its earliest open delivery (the partial
/// index `ix_webhook_deliveries_open` answers it in one probe).
const HEAD: &str = "(SELECT p.id FROM webhook_deliveries p WHERE p.endpoint_id = e.id \
    AND p.status IN ('PENDING', 'FAILED') ORDER BY p.seq, p.id LIMIT 1)";

/// Creates the deliveries of freshly recorded events, in their transaction (see the
/// module doc). `events` pairs each id with what was written.
pub async fn fan_out(
    db: &impl ConnectionTrait,
    events: &[(i64, &NewEvent)],
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    if events
        .iter()
        .all(|(_, e)| e.kind.audience() == Audience::Internal)
    {
        return Ok(0);
    }
    let backend = db.get_database_backend();
    let endpoints = MatchRow::find_by_statement(raw::stmt(
        backend,
        &format!(
            "SELECT e.id, e.event_types, o.path AS owner_path, s.path AS subtree_path \
         FROM webhook_endpoints e JOIN org_units o ON o.id = e.owner_unit_id \
         LEFT JOIN org_units s ON s.id = e.subtree_unit_id WHERE {LIVE}"
        ),
        live_values().to_vec(),
    ))
    .all(db)
    .await?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let mut rows: Vec<NewDelivery> = Vec::new();
    for ep in &endpoints {
        let types = EventTypes::stored(&ep.event_types);
        let sub = Subscription {
            kinds: types.kinds(),
            owner_path: &ep.owner_path,
            subtree_path: ep.subtree_path.as_deref(),
        };
        for (id, e) in events {
            let scope = Scope {
                kind: e.kind,
                unit_path: e.unit_path.as_deref(),
                owner: e.user_id,
            };
            if webhook::wants(sub, scope) {
                rows.push(NewDelivery {
                    endpoint_id: ep.id,
                    event_id: Some(*id),
                    seq: *id,
                    event_type: e.kind.as_str().to_owned(),
                    payload: body(e.kind.as_str(), at, &event_data(*id, &e.subject, &e.body)),
                });
            }
        }
    }
    insert_deliveries(db, &rows, at).await?;
    Ok(rows.len())
}

struct NewDelivery {
    endpoint_id: Uuid,
    event_id: Option<i64>,
    seq: i64,
    event_type: String,
    payload: String,
}

async fn insert_deliveries(
    db: &impl ConnectionTrait,
    rows: &[NewDelivery],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks(200) {
        let sql = format!(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, seq, event_type, payload, \
             status, attempts, next_attempt_at, created_at) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?)"; chunk.len()].join(", ")
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 8);
        for r in chunk {
            values.push(Uuid::now_v7().into());
            values.push(r.endpoint_id.into());
            values.push(r.event_id.into());
            values.push(r.seq.into());
            values.push(r.event_type.clone().into());
            values.push(r.payload.clone().into());
            values.push(at.into());
            values.push(at.into());
        }
        db.execute_raw(raw::stmt(backend, &sql, values)).await?;
    }
    Ok(())
}

/// An endpoint as its owner sees it (never its secret).
#[derive(Debug, Clone, FromQueryResult)]
pub struct Endpoint {
    pub id: Uuid,
    pub url: String,
    pub event_types: String,
    pub subtree_unit_id: Option<Uuid>,
    pub owner_unit_id: Uuid,
    pub owner_path: String,
    pub created_by: Option<Uuid>,
    pub api_client_id: Option<Uuid>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub first_failure_at: Option<DateTime<Utc>>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ENDPOINT_COLUMNS: &str = "e.id, e.url, e.event_types, e.subtree_unit_id, e.owner_unit_id, \
    o.path AS owner_path, e.created_by, e.api_client_id, e.enabled, e.disabled_reason, \
    e.disabled_at, e.first_failure_at, e.previous_secret_expires_at, e.created_at, e.updated_at";

async fn endpoint(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Endpoint>, StoreError> {
    let backend = db.get_database_backend();
    Ok(Endpoint::find_by_statement(raw::stmt(
        backend,
        &format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e \
             JOIN org_units o ON o.id = e.owner_unit_id WHERE e.id = ?"
        ),
        vec![id.into()],
    ))
    .one(db)
    .await?)
}

/// The endpoint, if `actor` may manage it: NOT_FOUND when it does not exist, FORBIDDEN
/// when it lies outside the caller's rights.
pub async fn manageable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Endpoint, StoreError> {
    let e = endpoint(db, id)
        .await?
        .ok_or(StoreError::NotFound("webhook endpoint"))?;
    actor
        .may_manage_endpoint(&e.owner_path, e.api_client_id)
        .map_err(|_| StoreError::Forbidden)?;
    Ok(e)
}

#[derive(Debug, FromQueryResult)]
struct PathRow {
    path: String,
}

async fn unit_path(db: &impl ConnectionTrait, id: Uuid, field: &str) -> Result<String, StoreError> {
    let backend = db.get_database_backend();
    PathRow::find_by_statement(raw::stmt(
        backend,
        "SELECT path FROM org_units WHERE id = ?",
        vec![id.into()],
    ))
    .one(db)
    .await?
    .map(|r| r.path)
    .ok_or_else(|| {
        StoreError::Invalid(FieldError::new(
            field,
            UserErrorCode::UnknownReference,
            msg!("webhook-unit-unknown"),
        ))
    })
}

/// What registering an endpoint takes (already parsed).
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: EndpointUrl,
    pub event_types: EventTypes,
    pub owner_unit_id: Uuid,
    pub subtree_unit_id: Option<Uuid>,
}

/// The subtree filter must lie within the owner unit's subtree.
async fn check_subtree(
    db: &impl ConnectionTrait,
    owner_path: &str,
    subtree: Option<Uuid>,
) -> Result<(), StoreError> {
    if let Some(s) = subtree {
        let p = unit_path(db, s, "subtreeUnitId").await?;
        if !thidua_domain::org_unit::is_within(&p, owner_path) {
            return Err(StoreError::Invalid(FieldError::new(
                "subtreeUnitId",
                UserErrorCode::OutOfRange,
                msg!("webhook-subtree-outside-owner"),
            )));
        }
    }
    Ok(())
}

/// Registers an endpoint; returns it with its secret (shown this once).
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: NewEndpoint,
    now: DateTime<Utc>,
) -> Result<(Endpoint, SigningSecret), StoreError> {
    let owner_path = unit_path(db, input.owner_unit_id, "ownerUnitId").await?;
    actor
        .may_manage_webhooks(&owner_path)
        .map_err(|_| StoreError::Forbidden)?;
    webhook::may_receive(actor, &input.event_types).map_err(|_| StoreError::Forbidden)?;
    check_subtree(db, &owner_path, input.subtree_unit_id).await?;
    let secret = new_secret()?;
    let id = Uuid::now_v7();
    let backend = db.get_database_backend();
    db.execute_raw(raw::stmt(
        backend,
        "INSERT INTO webhook_endpoints (id, url, event_types, subtree_unit_id, owner_unit_id, \
         created_by, api_client_id, secret, enabled, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            id.into(),
            input.url.as_str().into(),
            input.event_types.to_stored().into(),
            input.subtree_unit_id.into(),
            input.owner_unit_id.into(),
            actor.user_id.into(),
            actor.client.as_ref().map(|c| c.client_id).into(),
            secret.as_str().into(),
            true.into(),
            now.into(),
            now.into(),
        ],
    ))
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::WebhookEndpoint,
        id,
        AuditAction::Create,
        json!({"url": input.url.as_str(), "eventTypes": input.event_types.to_stored()}),
    )
    .await?;
    let e = endpoint(db, id)
        .await?
        .ok_or(StoreError::NotFound("webhook endpoint"))?;
    Ok((e, secret))
}

/// Changes of an endpoint; `None` keeps a value. `subtree_unit_id: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct EndpointChange {
    pub url: Option<EndpointUrl>,
    pub event_types: Option<EventTypes>,
    pub subtree_unit_id: Option<Option<Uuid>>,
}

pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    change: EndpointChange,
    now: DateTime<Utc>,
) -> Result<Endpoint, StoreError> {
    let e = manageable(db, actor, id).await?;
    if let Some(types) = &change.event_types {
        webhook::may_receive(actor, types).map_err(|_| StoreError::Forbidden)?;
    }
    if let Some(s) = change.subtree_unit_id {
        check_subtree(db, &e.owner_path, s).await?;
    }
    let backend = db.get_database_backend();
    let url = change
        .url
        .as_ref()
        .map_or(e.url.clone(), |u| u.as_str().to_owned());
    let types = change
        .event_types
        .as_ref()
        .map_or(e.event_types.clone(), EventTypes::to_stored);
    let subtree = change.subtree_unit_id.unwrap_or(e.subtree_unit_id);
    db.execute_raw(raw::stmt(
        backend,
        "UPDATE webhook_endpoints SET url = ?, event_types = ?, subtree_unit_id = ?, updated_at = ? \
         WHERE id = ?",
        vec![
            url.clone().into(),
            types.clone().into(),
            subtree.into(),
            now.into(),
            id.into(),
        ],
    ))
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::WebhookEndpoint,
        id,
        AuditAction::Update,
        json!({"url": url, "eventTypes": types}),
    )
    .await?;
    endpoint(db, id)
        .await?
        .ok_or(StoreError::NotFound("webhook endpoint"))
}

/// Disables (by hand) or enables an endpoint. Enabling starts a fresh failure count; the
/// deliveries that waited while it was disabled go out, in order.
pub async fn set_enabled(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<Endpoint, StoreError> {
    manageable(db, actor, id).await?;
    let backend = db.get_database_backend();
    let (sql, values): (&str, Vec<Value>) = if enabled {
        (
            "UPDATE webhook_endpoints SET enabled = ?, disabled_reason = NULL, disabled_at = NULL, \
             first_failure_at = NULL, updated_at = ? WHERE id = ?",
            vec![true.into(), now.into(), id.into()],
        )
    } else {
        (
            "UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, disabled_at = ?, \
             updated_at = ? WHERE id = ? AND enabled = ?",
            vec![
                false.into(),
                DISABLED_MANUALLY.into(),
                now.into(),
                now.into(),
                id.into(),
                true.into(),
            ],
        )
    };
    db.execute_raw(raw::stmt(backend, sql, values)).await?;
    audit::record(
        db,
        actor,
        AuditEntity::WebhookEndpoint,
        id,
        if enabled {
            AuditAction::Reactivate
        } else {
            AuditAction::Deactivate
        },
        json!({}),
    )
    .await?;
    endpoint(db, id)
        .await?
        .ok_or(StoreError::NotFound("webhook endpoint"))
}

/// Disables the enabled endpoints of a client being disabled, saying why, on its
/// transaction.
pub(crate) async fn disable_for_client(
    db: &impl ConnectionTrait,
    client: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(db
        .execute_raw(raw::stmt(
            db.get_database_backend(),
            "UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, disabled_at = ?, \
             updated_at = ? WHERE api_client_id = ? AND enabled = ?",
            vec![
                false.into(),
                DISABLED_CLIENT.into(),
                now.into(),
                now.into(),
                client.into(),
                true.into(),
            ],
        ))
        .await?
        .rows_affected())
}

/// A new secret; the old one keeps verifying (deliveries carry both signatures) until
/// `now + overlap`.
pub async fn rotate_secret(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    overlap: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<(Endpoint, SigningSecret), StoreError> {
    manageable(db, actor, id).await?;
    let secret = new_secret()?;
    let backend = db.get_database_backend();
    db.execute_raw(raw::stmt(
        backend,
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = ?, \
         secret = ?, updated_at = ? WHERE id = ?",
        vec![
            (now + overlap).into(),
            secret.as_str().into(),
            now.into(),
            id.into(),
        ],
    ))
    .await?;
    audit::record(
        db,
        actor,
        AuditEntity::WebhookEndpoint,
        id,
        AuditAction::RotateSecret,
        json!({"previousValidUntil": (now + overlap).to_rfc3339()}),
    )
    .await?;
    let e = endpoint(db, id)
        .await?
        .ok_or(StoreError::NotFound("webhook endpoint"))?;
    Ok((e, secret))
}

/// The endpoints `actor` may manage (owner unit within a subtree where the caller may
/// manage webhooks), oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<Endpoint>, StoreError> {
    // A client lists the endpoints it registered, in its subtree.
    let (paths, own): (Vec<String>, Option<Uuid>) = match &actor.client {
        Some(c) if actor.may_manage_webhooks(&c.subtree_path).is_ok() => (
            vec![crate::page::subtree_pattern(&c.subtree_path)],
            Some(c.client_id),
        ),
        Some(_) => (vec![], None),
        None => (
            actor
                .grants
                .iter()
                .filter(|g| actor.may_manage_webhooks(&g.unit_path).is_ok())
                .map(|g| crate::page::subtree_pattern(&g.unit_path))
                .collect(),
            None,
        ),
    };
    if paths.is_empty() {
        return Ok(Page::from_overfetch(
            vec![],
            page.first,
            CountQuery::empty(),
        ));
    }
    let mut scope = format!("({})", vec!["o.path LIKE ?"; paths.len()].join(" OR "));
    let mut values: Vec<Value> = paths.iter().map(|p| p.clone().into()).collect();
    if let Some(client) = own {
        scope.push_str(" AND e.api_client_id = ?");
        values.push(client.into());
    }
    let count_values = values.clone();
    let mut sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e \
         JOIN org_units o ON o.id = e.owner_unit_id WHERE ({scope})"
    );
    if let Some(after) = &page.after {
        sql.push_str(" AND e.id > ?");
        values.push(after.id.into());
    }
    sql.push_str(" ORDER BY e.id LIMIT ?");
    values.push(i64::try_from(page.first + 1).unwrap_or(i64::MAX).into());
    let backend = db.get_database_backend();
    let rows = Endpoint::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    let count = CountQuery::raw(raw::stmt(
        backend,
        &format!(
            "SELECT COUNT(*) FROM webhook_endpoints e JOIN org_units o ON o.id = e.owner_unit_id \
             WHERE ({scope})"
        ),
        count_values,
    ));
    Ok(Page::from_overfetch(rows, page.first, count))
}

/// A delivery as listed (not its body).
#[derive(Debug, Clone, FromQueryResult)]
pub struct Delivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Option<i64>,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_response_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Delivery {
    pub fn status(&self) -> Option<DeliveryStatus> {
        DeliveryStatus::parse(&self.status)
    }
}

const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_id, event_type, status, attempts, \
    next_attempt_at, last_response_code, last_error, last_attempt_at, created_at, completed_at";

/// One endpoint's deliveries, newest first, optionally of one status. The caller checked
/// the endpoint.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    endpoint_id: Uuid,
    status: Option<DeliveryStatus>,
    page: &PageRequest,
) -> Result<Page<Delivery>, StoreError> {
    let mut cond = String::from("endpoint_id = ?");
    let mut values: Vec<Value> = vec![endpoint_id.into()];
    if let Some(s) = status {
        cond.push_str(" AND status = ?");
        values.push(s.as_str().into());
    }
    let count_values = values.clone();
    let mut sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE {cond}");
    if let Some(after) = &page.after {
        sql.push_str(" AND id < ?");
        values.push(after.id.into());
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    values.push(i64::try_from(page.first + 1).unwrap_or(i64::MAX).into());
    let backend = db.get_database_backend();
    let rows = Delivery::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    let count = CountQuery::raw(raw::stmt(
        backend,
        &format!("SELECT COUNT(*) FROM webhook_deliveries WHERE {cond}"),
        count_values,
    ));
    Ok(Page::from_overfetch(rows, page.first, count))
}

#[derive(Debug, FromQueryResult)]
struct PayloadRow {
    endpoint_id: Uuid,
    event_id: Option<i64>,
    event_type: String,
    payload: String,
    status: String,
}

/// The stream's last id: where manual deliveries queue (after what is already there).
async fn tail_seq(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    outbox::latest_id(db).await
}

async fn delivery(db: &impl ConnectionTrait, id: Uuid) -> Result<Delivery, StoreError> {
    let backend = db.get_database_backend();
    Delivery::find_by_statement(raw::stmt(
        backend,
        &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?"),
        vec![id.into()],
    ))
    .one(db)
    .await?
    .ok_or(StoreError::NotFound("webhook delivery"))
}

/// Sends a finished delivery's body again as a new delivery (a new `webhook-id`, so a
/// receiver that recorded the first one still processes it), queued after the stream.
pub async fn redeliver(
    db: &impl ConnectionTrait,
    actor: &Actor,
    delivery_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let backend = db.get_database_backend();
    let row = PayloadRow::find_by_statement(raw::stmt(
        backend,
        "SELECT endpoint_id, event_id, event_type, payload, status FROM webhook_deliveries \
         WHERE id = ?",
        vec![delivery_id.into()],
    ))
    .one(db)
    .await?
    .ok_or(StoreError::NotFound("webhook delivery"))?;
    manageable(db, actor, row.endpoint_id).await?;
    if DeliveryStatus::parse(&row.status).is_some_and(DeliveryStatus::is_open) {
        return Err(StoreError::Invalid(FieldError::new(
            "deliveryId",
            UserErrorCode::InvalidTransition,
            msg!("webhook-delivery-still-open"),
        )));
    }
    let seq = tail_seq(db).await?;
    let new = NewDelivery {
        endpoint_id: row.endpoint_id,
        event_id: row.event_id,
        seq,
        event_type: row.event_type,
        payload: row.payload,
    };
    let id = insert_one(db, new, now).await?;
    audit::record(
        db,
        actor,
        AuditEntity::WebhookEndpoint,
        row.endpoint_id,
        AuditAction::Redeliver,
        json!({"delivery": delivery_id.to_string(), "newDelivery": id.to_string()}),
    )
    .await?;
    delivery(db, id).await
}

async fn insert_one(
    db: &impl ConnectionTrait,
    d: NewDelivery,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let backend = db.get_database_backend();
    let id = Uuid::now_v7();
    db.execute_raw(raw::stmt(
        backend,
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, seq, event_type, payload, \
         status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?)",
        vec![
            id.into(),
            d.endpoint_id.into(),
            d.event_id.into(),
            d.seq.into(),
            d.event_type.into(),
            d.payload.into(),
            now.into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// Queues a `webhook.ping` delivery.
pub async fn ping(
    db: &impl ConnectionTrait,
    actor: &Actor,
    endpoint_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    manageable(db, actor, endpoint_id).await?;
    let seq = tail_seq(db).await?;
    let d = NewDelivery {
        endpoint_id,
        event_id: None,
        seq,
        event_type: webhook::PING.to_owned(),
        payload: body(
            webhook::PING,
            now,
            &json!({"endpointId": endpoint_id.to_string()}),
        ),
    };
    let id = insert_one(db, d, now).await?;
    audit::record(
        db,
        actor,
        AuditEntity::WebhookEndpoint,
        endpoint_id,
        AuditAction::Test,
        json!({"delivery": id.to_string()}),
    )
    .await?;
    delivery(db, id).await
}

/// Where a replay starts.
#[derive(Debug, Clone, Copy)]
pub enum Since {
    /// Events after this id.
    EventId(i64),
    /// Events that occurred at or after this time.
    Time(DateTime<Utc>),
}

/// What a replay queued.
#[derive(Debug, Clone)]
pub struct Replay {
    pub queued: usize,
    /// The last event looked at; replay again from here when `more` is set.
    pub last_event_id: Option<i64>,
    pub more: bool,
}

#[derive(Debug, FromQueryResult)]
struct MinRow {
    id: Option<i64>,
}

/// Queues new deliveries of the events still in the outbox since `since` that the
/// endpoint receives today, in stream order; at most [`MAX_REPLAY`] events are looked at.
pub async fn replay(
    db: &impl ConnectionTrait,
    actor: &Actor,
    endpoint_id: Uuid,
    since: Since,
    now: DateTime<Utc>,
) -> Result<Replay, StoreError> {
    let e = manageable(db, actor, endpoint_id).await?;
    let backend = db.get_database_backend();
    let after = match since {
        Since::EventId(id) => id,
        Since::Time(t) => {
            let r = MinRow::find_by_statement(raw::stmt(
                backend,
                "SELECT MIN(id) AS id FROM events WHERE occurred_at >= ?",
                vec![t.into()],
            ))
            .one(db)
            .await?;
            match r.and_then(|r| r.id) {
                Some(id) => id - 1,
                None => {
                    return Ok(Replay {
                        queued: 0,
                        last_event_id: None,
                        more: false,
                    });
                }
            }
        }
    };
    let events = outbox::since(db, after, MAX_REPLAY).await?;
    let more = events.len() as u64 >= MAX_REPLAY;
    let subtree_path = match e.subtree_unit_id {
        Some(s) => Some(unit_path(db, s, "endpointId").await?),
        None => None,
    };
    let types = EventTypes::stored(&e.event_types);
    let sub = Subscription {
        kinds: types.kinds(),
        owner_path: &e.owner_path,
        subtree_path: subtree_path.as_deref(),
    };
    let rows: Vec<NewDelivery> = events
        .iter()
        .filter(|ev| webhook::wants(sub, ev.scope()))
        .map(|ev| NewDelivery {
            endpoint_id,
            event_id: Some(ev.id),
            seq: ev.id,
            event_type: ev.kind.as_str().to_owned(),
            payload: event_body(ev),
        })
        .collect();
    insert_deliveries(db, &rows, now).await?;
    let last_event_id = events.last().map(|ev| ev.id);
    audit::record(
        db,
        actor,
        AuditEntity::WebhookEndpoint,
        endpoint_id,
        AuditAction::Replay,
        json!({"after": after, "queued": rows.len(), "lastEventId": last_event_id}),
    )
    .await?;
    Ok(Replay {
        queued: rows.len(),
        last_event_id,
        more,
    })
}

/// A delivery a worker holds the lease of, with what sending it takes.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Claimed {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_type: String,
    pub payload: String,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Claimed {
    /// The secrets to sign with now: the current one and, during a rotation's overlap,
    /// the previous one.
    pub fn secrets(&self, now: DateTime<Utc>) -> Vec<SigningSecret> {
        let mut out: Vec<SigningSecret> = SigningSecret::parse(&self.secret).into_iter().collect();
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
            && now < until
        {
            out.extend(SigningSecret::parse(prev));
        }
        out
    }
}

/// Claims up to `limit` due deliveries, each the head of its endpoint's queue, for
/// `worker` until `now + lease`. One transaction; see the module doc.
pub async fn claim(
    db: &crate::Database,
    worker: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: u64,
) -> Result<Vec<Claimed>, StoreError> {
    let backend = db.backend();
    let lock = if backend == DatabaseBackend::Postgres {
        " FOR UPDATE OF d SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT d.id, d.endpoint_id, d.event_type, d.payload, d.attempts, e.url, e.secret, \
         e.previous_secret, e.previous_secret_expires_at, d.created_at \
         FROM webhook_endpoints e JOIN webhook_deliveries d ON d.id = {HEAD} \
         WHERE {LIVE} AND d.next_attempt_at <= ? \
         AND (d.locked_until IS NULL OR d.locked_until <= ?) \
         ORDER BY d.next_attempt_at, d.seq LIMIT ?{lock}"
    );
    let txn = db.begin_write().await?;
    let res = async {
        let rows = Claimed::find_by_statement(raw::stmt(
            backend,
            &sql,
            live_values()
                .into_iter()
                .chain([
                    now.into(),
                    now.into(),
                    i64::try_from(limit).unwrap_or(i64::MAX).into(),
                ])
                .collect(),
        ))
        .all(&txn)
        .await?;
        if !rows.is_empty() {
            let upd = format!(
                "UPDATE webhook_deliveries SET locked_until = ?, claimed_by = ? WHERE id IN ({})",
                vec!["?"; rows.len()].join(", ")
            );
            let mut values: Vec<Value> = vec![(now + lease).into(), worker.into()];
            values.extend(rows.iter().map(|r| Value::from(r.id)));
            txn.execute_raw(raw::stmt(backend, &upd, values)).await?;
        }
        Ok::<_, StoreError>(rows)
    }
    .await;
    crate::db::settle(txn, res).await
}

/// The result of one attempt.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { code: u16 },
    /// Anything else: a non-2xx code, a timeout, a refused or failed connection.
    Failed {
        code: Option<u16>,
        error: String,
        /// When to try again; `None`: attempts are spent (dead letter).
        retry_at: Option<DateTime<Utc>>,
    },
}

/// What recording an attempt changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The lease was still ours (otherwise nothing was written).
    pub held: bool,
    pub dead: bool,
    pub endpoint_disabled: bool,
}

/// Records an attempt of a claimed delivery, if `worker` still holds its lease, and the
/// endpoint's health: a success ends its run of failures, a failure starts or extends it
/// and disables the endpoint once the run is `disable_after` long. One transaction.
pub async fn record(
    db: &crate::Database,
    worker: &str,
    claimed: &Claimed,
    outcome: &Outcome,
    now: DateTime<Utc>,
    disable_after: chrono::Duration,
) -> Result<Recorded, StoreError> {
    let backend = db.backend();
    let txn = db.begin_write().await?;
    let res = async {
        let attempts = claimed.attempts.saturating_add(1);
        let (status, code, error, next, completed) = match outcome {
            Outcome::Delivered { code } => (
                DeliveryStatus::Succeeded,
                Some(i32::from(*code)),
                None,
                now,
                Some(now),
            ),
            Outcome::Failed {
                code,
                error,
                retry_at,
            } => {
                let err: String = error.chars().take(500).collect();
                match retry_at {
                    Some(at) => (
                        DeliveryStatus::Failed,
                        code.map(i32::from),
                        Some(err),
                        *at,
                        None,
                    ),
                    None => (
                        DeliveryStatus::Dead,
                        code.map(i32::from),
                        Some(err),
                        now,
                        Some(now),
                    ),
                }
            }
        };
        let n = txn
            .execute_raw(raw::stmt(
                backend,
                &format!(
                    "UPDATE webhook_deliveries SET status = ?, attempts = ?, last_response_code = ?, \
                     last_error = ?, last_attempt_at = ?, next_attempt_at = ?, completed_at = ?, \
                     locked_until = NULL, claimed_by = NULL \
                     WHERE id = ? AND claimed_by = ? AND status IN {OPEN}"
                ),
                vec![
                    status.as_str().into(),
                    attempts.into(),
                    code.into(),
                    error.into(),
                    now.into(),
                    next.into(),
                    completed.into(),
                    claimed.id.into(),
                    worker.into(),
                ],
            ))
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(Recorded::default());
        }
        let mut rec = Recorded {
            held: true,
            dead: status == DeliveryStatus::Dead,
            endpoint_disabled: false,
        };
        if matches!(outcome, Outcome::Delivered { .. }) {
            txn.execute_raw(raw::stmt(
                backend,
                "UPDATE webhook_endpoints SET first_failure_at = NULL \
                 WHERE id = ? AND first_failure_at IS NOT NULL",
                vec![claimed.endpoint_id.into()],
            ))
            .await?;
        } else {
            txn.execute_raw(raw::stmt(
                backend,
                "UPDATE webhook_endpoints SET first_failure_at = ? \
                 WHERE id = ? AND first_failure_at IS NULL",
                vec![now.into(), claimed.endpoint_id.into()],
            ))
            .await?;
            let e = endpoint(&txn, claimed.endpoint_id).await?;
            if let Some(e) = e
                && e.enabled
                && e.first_failure_at
                    .is_some_and(|f| webhook::should_disable(f, now, disable_after))
            {
                txn.execute_raw(raw::stmt(
                    backend,
                    "UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, disabled_at = ?, \
                     updated_at = ? WHERE id = ?",
                    vec![
                        false.into(),
                        DISABLED_FAILING.into(),
                        now.into(),
                        now.into(),
                        claimed.endpoint_id.into(),
                    ],
                ))
                .await?;
                rec.endpoint_disabled = true;
            }
        }
        Ok::<_, StoreError>(rec)
    }
    .await;
    crate::db::settle(txn, res).await
}

#[derive(Debug, FromQueryResult)]
struct DueRow {
    at: Option<DateTime<Utc>>,
}

/// When the next head of an enabled endpoint's queue becomes claimable (its retry time,
/// or the end of the lease another send holds), if any: how long the worker may sleep
/// without a wake-up.
pub async fn next_due(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, StoreError> {
    let backend = db.get_database_backend();
    Ok(DueRow::find_by_statement(raw::stmt(
        backend,
        &format!(
            "SELECT MIN(CASE WHEN d.locked_until IS NOT NULL AND d.locked_until > d.next_attempt_at \
             THEN d.locked_until ELSE d.next_attempt_at END) AS at \
             FROM webhook_endpoints e JOIN webhook_deliveries d ON d.id = {HEAD} \
             WHERE {LIVE}"
        ),
        live_values().to_vec(),
    ))
    .one(db)
    .await?
    .and_then(|r| r.at))
}

/// Deletes finished deliveries (succeeded or dead) completed before `before`.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let backend = db.get_database_backend();
    Ok(db
        .execute_raw(raw::stmt(
            backend,
            "DELETE FROM webhook_deliveries WHERE status IN ('SUCCEEDED', 'DEAD') AND completed_at < ?",
            vec![before.into()],
        ))
        .await?
        .rows_affected())
}
