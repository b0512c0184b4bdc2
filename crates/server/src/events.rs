//! The event hub: reads committed events from the outbox and fans them out in process.
//!
//! On PostgreSQL one dedicated connection per process LISTENs on `thidua_events`; each
//! notification (carrying only an id) wakes the reader, which reads every event after the
//! last one it saw. Ids are taken at insert but become visible at commit, so an id can
//! commit after a higher one: the reader remembers the ids it skipped for a while and
//! looks them up again on later wake-ups (a rolled-back transaction leaves a gap for
//! good, which then expires). After the LISTEN connection is lost the reader connects
//! again, LISTENs, and only then replays from the last id: notifications sent meanwhile
//! were lost, the rows were not. On SQLite (one process) the writer signals in process
//! ([`outbox::local_writes`]) and the reader waits for the writer's lock before reading.
//!
//! Beside the stream the hub runs the outbox's housekeeping: pruning by age, announcing
//! overdue milestones, and recomputing targets after changes (debounced).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::DatabaseBackend;
use sea_orm::sqlx::postgres::PgListener;
use thidua_persistence::outbox::{self, Event, EventKind};
use thidua_persistence::{Database, StoreError};
use tokio::sync::broadcast;

use crate::config::EventSettings;
use crate::metrics::EventMetrics;

/// Events read per statement while catching up.
const PAGE: u64 = 500;
/// How long an id skipped by the reader is looked for again (a transaction holding an
/// id longer than this is past any sane statement or idle timeout).
const GAP_WAIT: Duration = Duration::from_secs(120);
/// Most skipped ids remembered; a larger jump (a sequence reset, a bulk delete) is not
/// tracked id by id.
const MAX_GAPS: usize = 10_000;
/// After a failed read, the reader tries again this soon even without a wake-up.
const RETRY: Duration = Duration::from_secs(1);

/// The in-process end of the stream: every committed event, once, in commit order.
#[derive(Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<Event>>,
    access: Arc<AccessWatch>,
}

/// Sessions and users that live connections are open for, so that a session ending
/// (SESSION_ENDED) or a user's access changing (ACCESS_CHANGED), from any replica, closes
/// them at once instead of when their access token expires.
#[derive(Default)]
pub struct AccessWatch {
    sessions: Watch,
    users: Watch,
}

impl AccessWatch {
    /// Changes to `true` when the session ends.
    pub fn session(&self, session: uuid::Uuid) -> tokio::sync::watch::Receiver<bool> {
        self.sessions.watch(session)
    }

    /// Changes to `true` when the user's access changes.
    pub fn user(&self, user: uuid::Uuid) -> tokio::sync::watch::Receiver<bool> {
        self.users.watch(user)
    }
}

/// Ids being watched, each with the sender its watchers hear the end from.
#[derive(Default)]
struct Watch {
    open: std::sync::Mutex<Watched>,
}

#[derive(Default)]
struct Watched {
    by_id: std::collections::HashMap<uuid::Uuid, tokio::sync::watch::Sender<bool>>,
    /// Size at which ids nobody watches any more are swept out (twice the size after
    /// the last sweep: amortised constant time per watch).
    sweep_at: usize,
}

impl Watch {
    fn watch(&self, id: uuid::Uuid) -> tokio::sync::watch::Receiver<bool> {
        let Ok(mut open) = self.open.lock() else {
            return tokio::sync::watch::channel(false).1;
        };
        if open.by_id.len() >= open.sweep_at {
            open.by_id.retain(|_, tx| tx.receiver_count() > 0);
            open.sweep_at = (open.by_id.len() * 2).max(64);
        }
        open.by_id
            .entry(id)
            .or_insert_with(|| tokio::sync::watch::channel(false).0)
            .subscribe()
    }

    fn end_all(&self) {
        if let Ok(mut open) = self.open.lock() {
            for (_, tx) in open.by_id.drain() {
                let _ = tx.send(true);
            }
        }
    }

    fn ended(&self, id: uuid::Uuid) {
        if let Ok(mut open) = self.open.lock()
            && let Some(tx) = open.by_id.remove(&id)
        {
            let _ = tx.send(true);
        }
    }
}

impl EventHub {
    pub fn sender(&self) -> broadcast::Sender<Arc<Event>> {
        self.tx.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    pub fn access(&self) -> &AccessWatch {
        &self.access
    }

    /// Starts the reader and the housekeeping jobs. `listen_url` is the PostgreSQL URL
    /// the LISTEN connection opens (ignored on SQLite).
    pub async fn start(
        db: Database,
        listen_url: String,
        settings: &EventSettings,
        metrics: EventMetrics,
    ) -> Result<Self, StoreError> {
        let (tx, _) = broadcast::channel(settings.event_buffer.max(16));
        let start = outbox::latest_id(&db.conn).await?;
        let cursor = Cursor {
            last: start,
            gaps: BTreeMap::new(),
            track_gaps: db.backend() == DatabaseBackend::Postgres,
        };
        let reader = Reader {
            db: db.clone(),
            tx: tx.clone(),
            metrics,
            cursor,
        };
        match db.backend() {
            DatabaseBackend::Postgres => {
                tokio::spawn(reader.listen(listen_url));
            }
            _ => {
                tokio::spawn(reader.follow_local());
            }
        }
        let access = Arc::new(AccessWatch::default());
        spawn_access_watch(access.clone(), tx.subscribe(), db.clone(), start);
        spawn_housekeeping(db.clone(), settings.retention());
        spawn_target_debouncer(
            db,
            tx.subscribe(),
            Duration::from_millis(settings.target_debounce_ms),
        );
        Ok(Self { tx, access })
    }
}

/// Where the reader is: the highest id seen and the lower ids not seen yet.
struct Cursor {
    last: i64,
    gaps: BTreeMap<i64, Instant>,
    track_gaps: bool,
}

struct Reader {
    db: Database,
    tx: broadcast::Sender<Arc<Event>>,
    metrics: EventMetrics,
    cursor: Cursor,
}

impl Reader {
    fn publish(&self, e: Event) {
        self.metrics.published.inc();
        // No receiver is fine: nobody is subscribed right now.
        let _ = self.tx.send(Arc::new(e));
    }

    /// Reads and publishes everything committed after the cursor, then the gaps.
    async fn catch_up(&mut self) -> Result<(), StoreError> {
        loop {
            let batch = outbox::since(&self.db.conn, self.cursor.last, PAGE).await?;
            let n = batch.len();
            for e in batch {
                let c = &mut self.cursor;
                if c.track_gaps && e.id > c.last + 1 {
                    let missing = usize::try_from(e.id - c.last - 1).unwrap_or(usize::MAX);
                    if c.gaps.len().saturating_add(missing) <= MAX_GAPS {
                        let now = Instant::now();
                        for id in c.last + 1..e.id {
                            c.gaps.insert(id, now);
                        }
                    }
                }
                c.last = c.last.max(e.id);
                self.publish(e);
            }
            if (n as u64) < PAGE {
                break;
            }
        }
        if !self.cursor.gaps.is_empty() {
            self.cursor
                .gaps
                .retain(|_, since| since.elapsed() < GAP_WAIT);
            let ids: Vec<i64> = self.cursor.gaps.keys().copied().collect();
            for e in outbox::by_ids(&self.db.conn, &ids).await? {
                self.cursor.gaps.remove(&e.id);
                self.publish(e);
            }
        }
        Ok(())
    }

    /// PostgreSQL: LISTEN, replay, then read on every notification; reconnect and replay
    /// whenever the connection is lost.
    async fn listen(mut self, url: String) {
        let mut backoff = Duration::from_millis(100);
        let mut first = true;
        loop {
            let mut listener = match connect_listener(&url).await {
                Ok(l) => {
                    backoff = Duration::from_millis(100);
                    l
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event listener cannot connect; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            };
            if !first {
                self.metrics.listener_reconnects.inc();
                tracing::info!(
                    after_id = self.cursor.last,
                    "event listener reconnected; replaying"
                );
            }
            first = false;
            let mut dirty = self.catch_up().await.is_err();
            loop {
                let wait = if dirty || !self.cursor.gaps.is_empty() {
                    RETRY
                } else {
                    Duration::from_secs(3600)
                };
                match tokio::time::timeout(wait, listener.try_recv()).await {
                    Ok(Ok(Some(_))) => while listener.next_buffered().is_some() {},
                    Ok(Ok(None)) => break,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "event listener connection lost");
                        break;
                    }
                    // Quiet: look for gaps or retry a failed read.
                    Err(_) => {}
                }
                dirty = match self.catch_up().await {
                    Ok(()) => false,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading events failed; retrying");
                        true
                    }
                };
            }
        }
    }

    /// SQLite: wait for a write signal, wait for the writer's lock, read.
    async fn follow_local(mut self) {
        let mut writes = outbox::local_writes();
        while writes.changed().await.is_ok() {
            // The writer signalled before committing: once the write lock is ours, it
            // has committed (or rolled back).
            if let Ok(t) = self.db.begin_write().await {
                let _ = t.rollback().await;
            }
            if let Err(e) = self.catch_up().await {
                tracing::warn!(error = %e, "reading events failed; retrying at the next write");
            }
        }
    }
}

async fn connect_listener(url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut l = PgListener::connect(url).await?;
    l.eager_reconnect(false);
    l.listen(outbox::CHANNEL).await?;
    Ok(l)
}

/// Passes SESSION_ENDED and ACCESS_CHANGED events to the connections watching those
/// sessions and users. Falling behind the stream loses no end of access: what was missed
/// is read back from the outbox (failing that, every watched connection is closed).
fn spawn_access_watch(
    access: Arc<AccessWatch>,
    mut rx: broadcast::Receiver<Arc<Event>>,
    db: Database,
    mut last: i64,
) {
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    last = last.max(e.id);
                    access.apply(&e);
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(
                        events = n,
                        after_id = last,
                        "the access watch fell behind the event stream; reading back"
                    );
                    match access.catch_up(&db, last).await {
                        Ok(seen) => last = last.max(seen),
                        Err(e) => {
                            tracing::warn!(error = %e, "reading back ends of access failed; closing every live connection");
                            access.sessions.end_all();
                            access.users.end_all();
                        }
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

impl AccessWatch {
    fn apply(&self, e: &Event) {
        match e.kind {
            EventKind::SessionEnded => {
                if let Some(id) = e.subject_id("session") {
                    self.sessions.ended(id);
                }
            }
            EventKind::AccessChanged => {
                if let Some(id) = e.subject_id("user") {
                    self.users.ended(id);
                }
            }
            _ => {}
        }
    }

    /// Applies the ends of access committed after event `after`; the last id read.
    async fn catch_up(&self, db: &Database, mut after: i64) -> Result<i64, StoreError> {
        const KINDS: [EventKind; 2] = [EventKind::SessionEnded, EventKind::AccessChanged];
        loop {
            let batch = outbox::of_kinds_since(&db.conn, &KINDS, after, PAGE).await?;
            for e in &batch {
                after = after.max(e.id);
                self.apply(e);
            }
            if (batch.len() as u64) < PAGE {
                return Ok(after);
            }
        }
    }
}

/// Hourly: prune events past the retention, announce milestones that became overdue.
fn spawn_housekeeping(db: Database, retention: chrono::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // One DELETE on the pool, in its writer's turn on SQLite.
            let pruned = async {
                let _turn = db.write_turn().await?;
                outbox::prune(&db.conn, chrono::Utc::now() - retention).await
            };
            match pruned.await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "pruned old events"),
                Err(e) => tracing::warn!(error = %e, "pruning events failed"),
            }
            if let Err(e) = announce_overdue(&db).await {
                tracing::warn!(error = %e, "announcing overdue milestones failed");
            }
        }
    });
}

/// Writes MILESTONE_OVERDUE events for milestones that became overdue; one transaction.
pub async fn announce_overdue(db: &Database) -> Result<usize, StoreError> {
    let txn = db.begin_write().await?;
    match outbox::announce_overdue(&txn, thidua_domain::calendar::today()).await {
        Ok(n) => {
            txn.commit().await?;
            Ok(n)
        }
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// Kinds of event after which a computed target may have moved.
fn moves_targets(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::CampaignLaunched
            | EventKind::CampaignClosed
            | EventKind::CampaignCancelled
            | EventKind::ExemplarStageChanged
            | EventKind::ExemplarReplicated
            | EventKind::CommendationStatusChanged
            | EventKind::ParticipationRegistered
            | EventKind::ParticipationWithdrawn
            | EventKind::ReportApproved
    )
}

/// After changes that may move computed targets, waits for `quiet` without more of them
/// (at most ten times that in a steady stream), then recomputes the targets and announces
/// those whose value changed. Every replica does this; the announcement itself is
/// serialised and compared with the last one, so a change is announced once.
fn spawn_target_debouncer(db: Database, mut rx: broadcast::Receiver<Arc<Event>>, quiet: Duration) {
    tokio::spawn(async move {
        loop {
            // Wait for a trigger.
            loop {
                match rx.recv().await {
                    Ok(e) if moves_targets(e.kind) => break,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
            let deadline = tokio::time::Instant::now() + quiet * 10;
            loop {
                let until = (tokio::time::Instant::now() + quiet).min(deadline);
                match tokio::time::timeout_at(until, rx.recv()).await {
                    Err(_) => break,
                    Ok(Err(broadcast::error::RecvError::Closed)) => return,
                    Ok(_) if tokio::time::Instant::now() >= deadline => break,
                    Ok(_) => {}
                }
            }
            if let Err(e) = announce_targets(&db).await {
                tracing::warn!(error = %e, "announcing target changes failed");
            }
        }
    });
}

async fn announce_targets(db: &Database) -> Result<usize, StoreError> {
    let txn = db.begin_write().await?;
    match outbox::announce_target_changes(&txn, thidua_domain::calendar::today(), None).await {
        Ok(n) => {
            txn.commit().await?;
            Ok(n)
        }
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// Feeds the subscription streams' figures into the metrics.
pub struct Observer(pub EventMetrics);

impl thidua_api::subscription::FeedObserver for Observer {
    fn delivered(&self, oldest: chrono::DateTime<chrono::Utc>) {
        let lag = (chrono::Utc::now() - oldest)
            .num_microseconds()
            .unwrap_or(0);
        // Clocks of two replicas may disagree a little: a negative lag counts as none.
        #[allow(clippy::cast_precision_loss)]
        self.0.lag.observe(lag.max(0) as f64 / 1e6);
    }

    fn lagged(&self, n: u64) {
        self.0.dropped.with_label_values(&["lagged"]).inc_by(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_reaches_every_watcher_of_that_id_only() {
        let w = Watch::default();
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let (a1, a2, b1) = (w.watch(a), w.watch(a), w.watch(b));
        w.ended(a);
        assert!(*a1.borrow() && *a2.borrow());
        assert!(!*b1.borrow());
        // A watcher that comes after the end waits for a new one.
        let a3 = w.watch(a);
        assert!(!*a3.borrow());
        w.end_all();
        assert!(*a3.borrow() && *b1.borrow());
    }

    #[test]
    fn ids_nobody_watches_are_swept_out() {
        let w = Watch::default();
        let kept: Vec<_> = (0..10).map(|_| w.watch(uuid::Uuid::now_v7())).collect();
        for _ in 0..1000 {
            drop(w.watch(uuid::Uuid::now_v7()));
        }
        let len = w.open.lock().unwrap().by_id.len();
        // Swept whenever the map doubled: never more than about twice what is watched
        // plus the floor.
        assert!(len <= 128, "{len}");
        assert!(kept.iter().all(|rx| !*rx.borrow()));
    }
}
