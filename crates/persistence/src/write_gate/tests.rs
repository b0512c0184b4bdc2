//! The gate on real databases: SQLite files always, PostgreSQL when
//! `THIDUA_TEST_POSTGRES_URL` is set.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::file_key;
use crate::{Database, DbOptions};

fn options(url: String) -> DbOptions {
    DbOptions {
        url,
        max_connections: 8,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: None,
        idle_in_transaction_timeout: None,
        pooler: crate::pooler::Pooler::None,
    }
}

/// An SQLite file with one table the writers append to, and its directory.
async fn sqlite() -> (Database, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("thidua-gate-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("g.db").display());
    let db = Database::connect(&options(url)).await.unwrap();
    db.conn
        .execute_unprepared(
            "CREATE TABLE written (seq INTEGER PRIMARY KEY AUTOINCREMENT, writer INTEGER NOT NULL)",
        )
        .await
        .unwrap();
    (db, dir)
}

async fn append(c: &impl ConnectionTrait, writer: i64) {
    c.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "INSERT INTO written (writer) VALUES (?)",
        [writer.into()],
    ))
    .await
    .unwrap();
}

/// The writers in the order their rows were written.
async fn written(db: &Database) -> Vec<i64> {
    db.conn
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT writer FROM written ORDER BY seq",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<i64>("", "writer").unwrap())
        .collect()
}

/// Lets the other tasks run until `n` writers wait for their turn (fails, not hangs, when
/// they never do).
async fn lined_up(db: &Database, n: usize) {
    for _ in 0..100_000 {
        if db.writers_waiting() >= n {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("{} writers waiting, not {n}", db.writers_waiting());
}

/// Writers that line up while the lock is held write in the order they lined up, each
/// after the one before has committed, and the wait for a turn is reported.
#[tokio::test]
async fn sqlite_writers_take_turns_in_arrival_order() {
    let (db, dir) = sqlite().await;
    let observed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = observed.clone();
    db.observe_write_waits(move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    let holder = db.begin_write().await.unwrap();
    append(&holder, -1).await;
    const WRITERS: i64 = 12;
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let db2 = db.clone();
        tasks.push(tokio::spawn(async move {
            let txn = db2.begin_write().await.unwrap();
            // A yield between statements lets the others run: none may slip in.
            tokio::task::yield_now().await;
            append(&txn, i).await;
            txn.commit().await.unwrap();
        }));
        // Writer i is in the queue before writer i + 1 starts (one thread: nothing else runs).
        lined_up(&db, usize::try_from(i + 1).unwrap()).await;
    }
    assert_eq!(
        written(&db).await,
        Vec::<i64>::new(),
        "nothing committed yet"
    );
    holder.commit().await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let expected: Vec<i64> = std::iter::once(-1).chain(0..WRITERS).collect();
    assert_eq!(written(&db).await, expected);
    assert_eq!(db.writers_waiting(), 0);
    assert_eq!(
        observed.load(std::sync::atomic::Ordering::Relaxed),
        usize::try_from(WRITERS + 1).unwrap()
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Write `writer`'s row, then give up without committing.
async fn abandon(db: &Database, writer: i64) -> Result<(), &'static str> {
    let txn = db.begin_write().await.unwrap();
    append(&txn, writer).await;
    Err("gave up")
}

/// A transaction dropped without commit or rollback (an early return, a panic, a cancelled
/// request) rolls back and passes the turn on: the next writer gets the lock.
#[tokio::test]
async fn a_dropped_write_transaction_rolls_back_and_passes_the_turn() {
    let (db, dir) = sqlite().await;
    // An early return.
    assert!(abandon(&db, 1).await.is_err());
    // A panic while writing.
    let db2 = db.clone();
    let panicked = tokio::spawn(async move {
        let txn = db2.begin_write().await.unwrap();
        append(&txn, 2).await;
        panic!("a bug while writing");
    })
    .await;
    assert!(panicked.is_err());
    // A cancelled request: the future is dropped while it holds the transaction.
    let db3 = db.clone();
    let cancelled = tokio::time::timeout(Duration::from_millis(50), async move {
        let txn = db3.begin_write().await.unwrap();
        append(&txn, 3).await;
        std::future::pending::<()>().await;
    })
    .await;
    assert!(cancelled.is_err());
    // Each time the next writer got the turn and the lock (or this fails after the
    // turn's wait, not hangs), and nothing abandoned was kept.
    let txn = db.begin_write().await.unwrap();
    append(&txn, 4).await;
    txn.commit().await.unwrap();
    let txn = db.begin_write().await.unwrap();
    append(&txn, 5).await;
    txn.rollback().await.unwrap();
    assert_eq!(written(&db).await, vec![4]);
    assert_eq!(db.writers_waiting(), 0);
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Every pool on one file (the server, its event stream, its webhook worker) queues in the
/// same line; a pool on another file does not.
#[tokio::test]
async fn pools_on_one_sqlite_file_share_the_line() {
    let (db, dir) = sqlite().await;
    let url = format!("sqlite:{}/./g.db", dir.display());
    let same = Database::connect(&options(url)).await.unwrap();
    let (other, other_dir) = sqlite().await;
    let holder = db.begin_write().await.unwrap();
    // Another file: not in this line.
    let elsewhere = other.begin_write().await.unwrap();
    elsewhere.rollback().await.unwrap();
    let waiter = tokio::spawn(async move {
        let txn = same.begin_write().await.unwrap();
        append(&txn, 2).await;
        txn.commit().await.unwrap();
        same
    });
    lined_up(&db, 1).await;
    append(&holder, 1).await;
    holder.commit().await.unwrap();
    let same = waiter.await.unwrap();
    assert_eq!(written(&db).await, vec![1, 2]);
    same.close().await;
    db.close().await;
    other.close().await;
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(other_dir);
}

/// A write outside a transaction takes its turn like a transaction does.
#[tokio::test]
async fn a_write_turn_waits_for_the_open_transaction() {
    let (db, dir) = sqlite().await;
    let holder = db.begin_write().await.unwrap();
    let db2 = db.clone();
    let single = tokio::spawn(async move {
        let turn = db2.write_turn().await.unwrap();
        append(&db2.conn, 2).await;
        drop(turn);
    });
    lined_up(&db, 1).await;
    append(&holder, 1).await;
    holder.commit().await.unwrap();
    single.await.unwrap();
    assert_eq!(written(&db).await, vec![1, 2]);
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// PostgreSQL locks rows, not the database: write transactions are not queued (two open
/// at once in one task would otherwise wait for each other until the turn's wait ends).
#[tokio::test]
async fn postgres_write_transactions_are_not_queued() {
    let Some(url) = std::env::var("THIDUA_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: PostgreSQL not checked");
        return;
    };
    let db = Database::connect(&options(url)).await.unwrap();
    let first = db.begin_write().await.unwrap();
    let second = db.begin_write().await.unwrap();
    let _turn = db.write_turn().await.unwrap();
    assert_eq!(db.writers_waiting(), 0);
    second.rollback().await.unwrap();
    first.rollback().await.unwrap();
    db.close().await;
}

#[test]
fn two_spellings_of_one_file_share_a_key_and_memory_has_none() {
    let dir = std::env::temp_dir().join(format!("thidua-gate-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.db");
    std::fs::write(&file, b"").unwrap();
    let plain = format!("sqlite://{}", file.display());
    let dotted = format!("sqlite:{}/./a.db?mode=rwc", dir.display());
    assert_eq!(file_key(&plain), file_key(&dotted));
    assert!(file_key(&plain).is_some());
    assert_ne!(
        file_key(&plain),
        file_key(&format!("sqlite://{}/b.db", dir.display()))
    );
    for memory in [
        "sqlite::memory:",
        "sqlite://:memory:",
        "sqlite://x.db?mode=memory",
    ] {
        assert_eq!(file_key(memory), None, "{memory}");
    }
    assert_eq!(file_key("postgres://h/db"), None);
    std::fs::remove_dir_all(&dir).unwrap();
}
