//! SQLite writers take turns in arrival order.
//!
//! SQLite has one write lock per file. Writers that find it taken wait in SQLite's busy
//! handler, which sleeps and tries again: whoever retries at the right moment wins, so
//! under load some writers wait many times longer than others (a p99 of 1.8 s beside a
//! p50 of a few hundred milliseconds at 16 ingesting clients). A fair async semaphore in
//! front of the lock hands it over first come, first served; the busy timeout stays as the
//! last resort for writers in other processes (the command line) and for the few writes
//! that do not take a turn. PostgreSQL locks rows, not the database, and is never gated.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a writer waits for its turn before giving up as the pool does when it has no
/// connection to give (503, try again): the same as SQLite's busy timeout.
pub(crate) const TURN_WAIT: Duration = Duration::from_secs(10);

/// Called with how long each writer waited for its turn (for a metric).
type WaitObserver = Arc<dyn Fn(Duration) + Send + Sync>;

/// The queue of one SQLite file, shared by every pool of this process on that file (the
/// server's, the event stream's and the webhook worker's).
pub(crate) struct Gate {
    turns: Arc<Semaphore>,
    /// Writers waiting for their turn now (for a gauge, and for tests to line writers up).
    waiting: AtomicUsize,
    observer: RwLock<Option<WaitObserver>>,
}

/// Counts one writer as waiting while it lives (a cancelled wait too).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::Relaxed);
        Self(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Gates by canonical file path; entries die with their last pool.
static GATES: LazyLock<Mutex<HashMap<String, Weak<Gate>>>> = LazyLock::new(Default::default);

impl Gate {
    fn new() -> Self {
        Self {
            turns: Arc::new(Semaphore::new(1)),
            waiting: AtomicUsize::new(0),
            observer: RwLock::new(None),
        }
    }

    /// The gate of the SQLite database at `url`: the one already open for that file in
    /// this process, else a new one. An in-memory database (one per connection string and
    /// pool) gets a gate of its own.
    pub(crate) fn for_sqlite(url: &str) -> Arc<Gate> {
        let Some(key) = file_key(url) else {
            return Arc::new(Gate::new());
        };
        let mut gates = GATES.lock().unwrap_or_else(|p| p.into_inner());
        gates.retain(|_, g| g.strong_count() > 0);
        if let Some(g) = gates.get(&key).and_then(Weak::upgrade) {
            return g;
        }
        let g = Arc::new(Gate::new());
        gates.insert(key, Arc::downgrade(&g));
        g
    }

    /// Waits for this caller's turn, at most [`TURN_WAIT`].
    pub(crate) async fn turn(&self) -> Result<WriteTurn, DbErr> {
        let asked = Instant::now();
        let waiting = Waiting::new(&self.waiting);
        let permit = tokio::time::timeout(TURN_WAIT, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
            // The semaphore is never closed.
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        drop(waiting);
        let observer = self
            .observer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(observe) = observer {
            observe(asked.elapsed());
        }
        Ok(WriteTurn(Some(permit)))
    }

    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    pub(crate) fn observe(&self, observer: WaitObserver) {
        *self.observer.write().unwrap_or_else(|p| p.into_inner()) = Some(observer);
    }
}

/// The file an SQLite URL names, canonical so that two spellings of one path share a
/// gate; `None` for an in-memory database.
fn file_key(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.split('&').any(|p| p == "mode=memory") {
        return None;
    }
    Some(
        std::fs::canonicalize(path)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| path.to_owned()),
    )
}

/// A writer's turn at the SQLite file: the next writer goes when this is dropped. Empty
/// on PostgreSQL. Hold it across a write made outside a transaction (a single statement
/// on the pool), and never ask for a second turn while holding one (that waits forever
/// behind itself).
#[must_use = "the turn ends when this is dropped"]
pub struct WriteTurn(Option<OwnedSemaphorePermit>);

impl WriteTurn {
    /// No turn to take (PostgreSQL).
    pub(crate) fn ungated() -> Self {
        Self(None)
    }

    fn is_gated(&self) -> bool {
        self.0.is_some()
    }
}

/// A write transaction that holds its writer's turn until it commits or rolls back. Use it
/// wherever a transaction is wanted (`&txn` is a connection); end it with [`commit`] or
/// [`rollback`]. Dropped without either (an early return, a cancelled request, a panic), it
/// rolls back, and on SQLite the turn passes on only once the rollback has released the
/// lock, so the next writer never finds the lock still held by an abandoned transaction.
///
/// [`commit`]: WriteTxn::commit
/// [`rollback`]: WriteTxn::rollback
pub struct WriteTxn {
    backend: DbBackend,
    /// `None` only once it has ended.
    open: Option<(DatabaseTransaction, WriteTurn)>,
}

impl WriteTxn {
    pub(crate) fn new(txn: DatabaseTransaction, turn: WriteTurn) -> Self {
        Self {
            backend: txn.get_database_backend(),
            open: Some((txn, turn)),
        }
    }

    fn txn(&self) -> Result<&DatabaseTransaction, DbErr> {
        self.open
            .as_ref()
            .map(|(t, _)| t)
            .ok_or_else(|| DbErr::Custom("the write transaction has ended".into()))
    }

    pub async fn commit(mut self) -> Result<(), DbErr> {
        match self.open.take() {
            Some((txn, turn)) => {
                let res = txn.commit().await;
                drop(turn);
                res
            }
            None => Ok(()),
        }
    }

    pub async fn rollback(mut self) -> Result<(), DbErr> {
        match self.open.take() {
            Some((txn, turn)) => {
                let res = txn.rollback().await;
                drop(turn);
                res
            }
            None => Ok(()),
        }
    }
}

impl Drop for WriteTxn {
    fn drop(&mut self) {
        let Some((txn, turn)) = self.open.take() else {
            return;
        };
        if turn.is_gated()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                let _ = txn.rollback().await;
                drop(turn);
            });
        } else {
            // PostgreSQL, or no runtime left: the transaction's own drop queues its
            // rollback, then the turn (if any) ends.
            drop(txn);
            drop(turn);
        }
    }
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTxn")
            .field("backend", &self.backend)
            .field("open", &self.open.is_some())
            .finish()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.backend
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn()?.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn()?.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn()?.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn()?.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn()
            .map(ConnectionTrait::support_returning)
            .unwrap_or_else(|_| self.backend.support_returning())
    }
}

#[cfg(test)]
mod tests;
