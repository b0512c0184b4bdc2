//! The event outbox: domain events written in the transaction of the change they report.
//!
//! [`record`] inserts the row on the caller's connection, which must be the write
//! transaction of the change: the event then exists exactly when the change committed.
//! On PostgreSQL it also sends `NOTIFY thidua_events, '<id>'` in that transaction, which
//! PostgreSQL delivers at commit, in commit order, to every listening replica; the payload
//! is only the id (NOTIFY payloads are capped), readers fetch bodies with [`since`] /
//! [`by_ids`]. SQLite has one process: [`record_many`] bumps an in-process signal
//! ([`local_writes`]) before the commit; the reader then opens a write transaction of its
//! own, which SQLite grants only once the writer has committed or rolled back, and reads
//! what committed. No polling either way.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Value};
use serde_json::{Value as Json, json};
use thidua_domain::access::Actor;
use uuid::Uuid;

pub use thidua_domain::event::EventKind;

use crate::error::StoreError;
use crate::raw;

/// The PostgreSQL channel every replica listens on.
pub const CHANNEL: &str = "thidua_events";

/// An event to write.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    /// Ids of what the event is about, e.g. `{"report": "<uuid>", "campaign": "<uuid>"}`.
    pub subject: Json,
    /// Materialised path of the unit the event concerns (who may see it).
    pub unit_path: Option<String>,
    /// The user the event belongs to (a report's submitter).
    pub user_id: Option<Uuid>,
    /// The request that caused it (empty: none, e.g. a scheduled job).
    pub request_id: String,
    pub body: Json,
}

impl NewEvent {
    pub fn new(kind: EventKind, subject: Json) -> Self {
        Self {
            kind,
            subject,
            unit_path: None,
            user_id: None,
            request_id: String::new(),
            body: Json::Object(Default::default()),
        }
    }

    pub fn unit(mut self, path: &str) -> Self {
        self.unit_path = Some(path.to_owned());
        self
    }

    pub fn owner(mut self, user: Option<Uuid>) -> Self {
        self.user_id = user;
        self
    }

    pub fn request(mut self, request_id: &str) -> Self {
        self.request_id = request_id.to_owned();
        self
    }

    pub fn body(mut self, body: Json) -> Self {
        self.body = body;
        self
    }
}

/// A committed event as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub subject: Json,
    pub unit_path: Option<String>,
    pub user_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub body: Json,
}

impl Event {
    /// A subject id by its key (`"report"`, `"campaign"`…).
    pub fn subject_id(&self, key: &str) -> Option<Uuid> {
        self.subject.get(key)?.as_str()?.parse().ok()
    }

    pub fn scope(&self) -> thidua_domain::event::Scope<'_> {
        thidua_domain::event::Scope {
            kind: self.kind,
            unit_path: self.unit_path.as_deref(),
            owner: self.user_id,
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    kind: String,
    subject: String,
    unit_path: Option<String>,
    user_id: Option<Uuid>,
    occurred_at: DateTime<Utc>,
    request_id: Option<String>,
    body: String,
}

impl Row {
    /// A row this build cannot read (a kind from a newer release) is skipped, not fatal.
    fn parse(self) -> Option<Event> {
        let Some(kind) = EventKind::parse(&self.kind) else {
            tracing::warn!(id = self.id, kind = %self.kind, "skipping an event of unknown kind");
            return None;
        };
        Some(Event {
            id: self.id,
            kind,
            subject: serde_json::from_str(&self.subject).unwrap_or(Json::Null),
            unit_path: self.unit_path,
            user_id: self.user_id,
            occurred_at: self.occurred_at,
            request_id: self.request_id,
            body: serde_json::from_str(&self.body).unwrap_or(Json::Null),
        })
    }
}

#[derive(Debug, FromQueryResult)]
struct IdRow {
    id: i64,
}

const COLUMNS: &str = "id, kind, subject, unit_path, user_id, occurred_at, request_id, body";

/// Writes `events` in the caller's transaction and, on PostgreSQL, queues one NOTIFY
/// carrying the last id (delivered at commit; a reader fetches everything after the
/// last id it saw, so one wake-up covers the batch). Returns the ids.
pub async fn record_many(
    db: &impl ConnectionTrait,
    events: Vec<NewEvent>,
) -> Result<Vec<i64>, StoreError> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let mut ids = Vec::with_capacity(events.len());
    for chunk in events.chunks(500) {
        let sql = format!(
            "INSERT INTO events (kind, subject, unit_path, user_id, occurred_at, request_id, body) VALUES {} RETURNING id",
            vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 7);
        for e in chunk {
            values.push(e.kind.as_str().into());
            values.push(e.subject.to_string().into());
            values.push(e.unit_path.clone().into());
            values.push(e.user_id.into());
            values.push(now.into());
            values.push(Some(e.request_id.clone()).filter(|r| !r.is_empty()).into());
            values.push(e.body.to_string().into());
        }
        let rows = IdRow::find_by_statement(raw::stmt(backend, &sql, values))
            .all(db)
            .await?;
        let start = ids.len();
        ids.extend(rows.into_iter().map(|r| r.id));
        // Webhook deliveries of these events, in the same transaction.
        let written: Vec<(i64, &NewEvent)> = ids[start..].iter().copied().zip(chunk).collect();
        crate::webhooks::fan_out(db, &written, now).await?;
    }
    match (backend, ids.iter().max()) {
        (DatabaseBackend::Postgres, Some(last)) => {
            db.execute_raw(raw::stmt(
                backend,
                "SELECT pg_notify(?, ?)",
                vec![CHANNEL.into(), last.to_string().into()],
            ))
            .await?;
        }
        (_, Some(_)) => local_signal().send_modify(|n| *n = n.wrapping_add(1)),
        (_, None) => {}
    }
    Ok(ids)
}

fn local_signal() -> &'static tokio::sync::watch::Sender<u64> {
    static SIGNAL: std::sync::OnceLock<tokio::sync::watch::Sender<u64>> =
        std::sync::OnceLock::new();
    SIGNAL.get_or_init(|| tokio::sync::watch::channel(0).0)
}

/// Changes whenever an event is written on SQLite in this process, before its transaction
/// ends: a reader woken by it must wait for the writer (take the write lock) before
/// reading. Shared by every database of the process (tests run several): a reader woken
/// by another database's write finds nothing new, which costs one short read.
pub fn local_writes() -> tokio::sync::watch::Receiver<u64> {
    local_signal().subscribe()
}

/// Writes one event in the caller's transaction; see [`record_many`].
pub async fn record(db: &impl ConnectionTrait, event: NewEvent) -> Result<i64, StoreError> {
    record_many(db, vec![event])
        .await?
        .pop()
        .ok_or_else(|| StoreError::Internal("the event insert returned no id".into()))
}

/// Records that `user`'s access changed (`why`: what changed it), in the caller's
/// transaction: every replica closes that user's live connections once it commits, so they
/// reconnect with their grants as they are then.
pub async fn access_changed(
    db: &impl ConnectionTrait,
    user: Uuid,
    why: &str,
    request_id: &str,
) -> Result<i64, StoreError> {
    record(
        db,
        NewEvent::new(EventKind::AccessChanged, serde_json::json!({"user": user}))
            .request(request_id)
            .body(serde_json::json!({"reason": why})),
    )
    .await
}

/// Up to `limit` committed events after `after_id`, oldest first.
pub async fn since(
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Event>, StoreError> {
    let backend = db.get_database_backend();
    let sql = format!("SELECT {COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?");
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = Row::find_by_statement(raw::stmt(
        backend,
        &sql,
        vec![after_id.into(), limit.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().filter_map(Row::parse).collect())
}

/// Up to `limit` committed events of `kinds` after `after_id`, oldest first (by the
/// `(kind, id)` index).
pub async fn of_kinds_since(
    db: &impl ConnectionTrait,
    kinds: &[EventKind],
    after_id: i64,
    limit: u64,
) -> Result<Vec<Event>, StoreError> {
    if kinds.is_empty() {
        return Ok(vec![]);
    }
    let backend = db.get_database_backend();
    let marks = vec!["?"; kinds.len()].join(", ");
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE kind IN ({marks}) AND id > ? ORDER BY id LIMIT ?"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut values: Vec<Value> = kinds.iter().map(|k| k.as_str().into()).collect();
    values.push(after_id.into());
    values.push(limit.into());
    let rows = Row::find_by_statement(raw::stmt(backend, &sql, values))
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(Row::parse).collect())
}

/// The events among `ids` that exist (committed), oldest first.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Event>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE id IN ({}) ORDER BY id",
            vec!["?"; chunk.len()].join(", ")
        );
        let values = chunk.iter().map(|i| Value::from(*i)).collect();
        let rows = Row::find_by_statement(raw::stmt(backend, &sql, values))
            .all(db)
            .await?;
        out.extend(rows.into_iter().filter_map(Row::parse));
    }
    Ok(out)
}

/// The newest event id (0 when there is none): where a reader starting now begins.
pub async fn latest_id(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let backend = db.get_database_backend();
    let row = IdRow::find_by_statement(raw::stmt(
        backend,
        "SELECT COALESCE(MAX(id), 0) AS id FROM events",
        vec![],
    ))
    .one(db)
    .await?;
    Ok(row.map_or(0, |r| r.id))
}

/// Deletes events that occurred before `older_than`; returns how many.
pub async fn prune(
    db: &impl ConnectionTrait,
    older_than: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let backend = db.get_database_backend();
    let res = db
        .execute_raw(raw::stmt(
            backend,
            "DELETE FROM events WHERE occurred_at < ?",
            vec![older_than.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// The events of reports just submitted (or resubmitted, or edited while awaiting review).
pub(crate) fn submitted<'a>(
    actor: &Actor,
    rows: impl Iterator<Item = (&'a str, &'a crate::entities::progress_report::Model)>,
) -> Vec<NewEvent> {
    rows.map(|(unit_path, m)| report_event(EventKind::ReportSubmitted, unit_path, m, actor, None))
        .collect()
}

/// The event of a report approved or returned (`reason` given when returned).
pub(crate) fn reviewed(
    unit_path: &str,
    m: &crate::entities::progress_report::Model,
    actor: &Actor,
    approved: bool,
    reason: Option<&str>,
) -> NewEvent {
    let kind = if approved {
        EventKind::ReportApproved
    } else {
        EventKind::ReportReturned
    };
    report_event(kind, unit_path, m, actor, reason)
}

fn report_event(
    kind: EventKind,
    unit_path: &str,
    m: &crate::entities::progress_report::Model,
    actor: &Actor,
    reason: Option<&str>,
) -> NewEvent {
    let status = match kind {
        EventKind::ReportApproved => "APPROVED",
        EventKind::ReportReturned => "RETURNED",
        _ => "SUBMITTED",
    };
    NewEvent::new(
        kind,
        json!({"report": m.id, "campaign": m.campaign_id, "unit": m.unit_id}),
    )
    .unit(unit_path)
    .owner(m.submitted_by)
    .request(&actor.request_id)
    .body(json!({
        "status": status,
        "revision": m.revision,
        "reason": reason,
        "periodKind": m.period_kind.as_str(),
        "periodStart": m.period_start,
        "periodEnd": m.period_end,
    }))
}

/// An event about `subject`, concerning the unit at `unit_path`, caused by `actor`.
pub(crate) fn by_actor(
    actor: &Actor,
    kind: EventKind,
    subject: Json,
    unit_path: &str,
    body: Json,
) -> NewEvent {
    NewEvent::new(kind, subject)
        .unit(unit_path)
        .request(&actor.request_id)
        .body(body)
}

/// The materialised path of a unit, for an event about it.
pub(crate) async fn path_of(
    db: &impl ConnectionTrait,
    unit_id: Uuid,
) -> Result<String, StoreError> {
    Ok(
        crate::org_units::referenced(db, thidua_domain::id::UnitId::from_uuid(unit_id))
            .await?
            .path,
    )
}

/// The event of a milestone; its unit is its campaign's launching unit or its programme's
/// owner (milestones are province-wide, the unit only says where it belongs).
pub(crate) async fn milestone(
    db: &impl ConnectionTrait,
    m: &crate::entities::milestone::Model,
    kind: EventKind,
) -> Result<NewEvent, StoreError> {
    use sea_orm::EntityTrait;
    let unit_id = match (m.campaign_id, m.programme_id) {
        (Some(c), _) => crate::entities::campaign::Entity::find_by_id(c)
            .one(db)
            .await?
            .map(|c| c.launching_unit_id),
        (None, Some(p)) => crate::entities::programme::Entity::find_by_id(p)
            .one(db)
            .await?
            .map(|p| p.owner_unit_id),
        (None, None) => None,
    };
    let mut e = NewEvent::new(
        kind,
        json!({"milestone": m.id, "campaign": m.campaign_id, "programme": m.programme_id, "unit": unit_id}),
    )
    .body(json!({"title": m.title, "dueDate": m.due_date, "completed": m.completed_at.is_some()}));
    if let Some(u) = unit_id {
        e = e.unit(&path_of(db, u).await?);
    }
    Ok(e)
}

#[derive(Debug, FromQueryResult)]
struct DueRow {
    id: Uuid,
}

/// Announces, once each, the milestones that became overdue (due before `today`, not
/// completed): marks them and writes a MILESTONE_OVERDUE event for each, in the caller's
/// transaction. Replicas running it together announce each milestone once (the mark is
/// set with a conditional update). Returns how many were announced.
pub async fn announce_overdue(
    db: &impl ConnectionTrait,
    today: chrono::NaiveDate,
) -> Result<usize, StoreError> {
    use sea_orm::EntityTrait;
    let backend = db.get_database_backend();
    let due = DueRow::find_by_statement(raw::stmt(
        backend,
        "SELECT id FROM milestones WHERE due_date < ? AND completed_at IS NULL \
         AND overdue_announced_at IS NULL ORDER BY due_date, id LIMIT 1000",
        vec![today.into()],
    ))
    .all(db)
    .await?;
    let now = Utc::now();
    let mut events = Vec::new();
    for d in due {
        let res = db
            .execute_raw(raw::stmt(
                backend,
                "UPDATE milestones SET overdue_announced_at = ? WHERE id = ? AND overdue_announced_at IS NULL",
                vec![now.into(), d.id.into()],
            ))
            .await?;
        if res.rows_affected() == 0 {
            continue;
        }
        if let Some(m) = crate::entities::milestone::Entity::find_by_id(d.id)
            .one(db)
            .await?
        {
            events.push(milestone(db, &m, EventKind::MilestoneOverdue).await?);
        }
    }
    let n = events.len();
    if n > 0 {
        record_many(db, events).await?;
    }
    Ok(n)
}

/// PostgreSQL advisory lock key serialising target announcements across replicas ("thidtarg").
const TARGET_LOCK: i64 = 0x7468_6964_7461_7267;

/// Computes every target (or only `only`) as of `today` and, for each whose value differs
/// from the value last announced (its newest TARGET_VALUE_CHANGED event), writes a
/// TARGET_VALUE_CHANGED event in the caller's transaction. Replicas are serialised by an
/// advisory lock (SQLite: the write transaction), so a change is announced once. The
/// server calls this shortly after a burst of changes (debounced); a manual value
/// calls it at once. Returns how many targets were announced.
pub async fn announce_target_changes(
    db: &impl ConnectionTrait,
    today: chrono::NaiveDate,
    only: Option<Uuid>,
) -> Result<usize, StoreError> {
    use sea_orm::EntityTrait;
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        db.execute_raw(raw::stmt(
            backend,
            "SELECT pg_advisory_xact_lock(?)",
            vec![TARGET_LOCK.into()],
        ))
        .await?;
    }
    let targets: Vec<_> = crate::entities::target::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|t| only.is_none_or(|o| o == t.id))
        .collect();
    let sql = format!("SELECT {COLUMNS} FROM events WHERE kind = ? ORDER BY id DESC LIMIT 1000");
    let announced: Vec<Event> = Row::find_by_statement(raw::stmt(
        backend,
        &sql,
        vec![EventKind::TargetValueChanged.as_str().into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .filter_map(Row::parse)
    .collect();
    let ids: Vec<thidua_domain::id::TargetId> = targets
        .iter()
        .map(|t| thidua_domain::id::TargetId::from_uuid(t.id))
        .collect();
    let values = crate::programme::values_by_target_ids(db, &ids).await?;
    let mut events = Vec::new();
    let mut computed = crate::current_values::current_values(db, &targets, &values, today).await?;
    for t in &targets {
        let current = computed
            .remove(&t.id)
            .ok_or(StoreError::NotFound("target"))?;
        let now = json!(current.value.map(|v| v.normalize().to_string()));
        let before = announced
            .iter()
            .find(|e| e.subject_id("target") == Some(t.id))
            .map(|e| e.body.get("value").cloned().unwrap_or(Json::Null));
        if before.as_ref() == Some(&now) || (before.is_none() && current.value.is_none()) {
            continue;
        }
        events.push(
            NewEvent::new(EventKind::TargetValueChanged, json!({"target": t.id})).body(
                json!({"code": t.code, "value": now, "previous": before, "asOf": current.as_of}),
            ),
        );
    }
    let n = events.len();
    if n > 0 {
        record_many(db, events).await?;
    }
    Ok(n)
}
