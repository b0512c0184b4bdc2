//! Events written straight into the outbox, as a mutation's transaction writes them (with
//! their webhook fan-out), for tests of what consumes the stream.

use serde_json::json;
use thidua_persistence::Database;
use thidua_persistence::outbox::{self, EventKind, NewEvent};

/// Commits `n` province-wide `SNAPSHOT_TAKEN` events, one transaction each, with bodies
/// `{"tag": tag, "i": i}`; returns their ids in commit order.
pub async fn snapshots_one_by_one(db: &Database, n: usize, tag: &str) -> Vec<i64> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let txn = db.begin_write().await.expect("begin");
        let event =
            NewEvent::new(EventKind::SnapshotTaken, json!({})).body(json!({"tag": tag, "i": i}));
        ids.extend(
            outbox::record_many(&txn, vec![event])
                .await
                .expect("record"),
        );
        txn.commit().await.expect("commit");
    }
    ids
}

/// Commits `n` `TARGET_VALUE_CHANGED` events in one transaction, each about 1 KB on the
/// wire (value `i`): far more than the socket buffers of a client that reads nothing.
pub async fn padded_target_changes_at_once(db: &Database, n: usize) {
    let padding = "x".repeat(900);
    let txn = db.begin_write().await.expect("begin");
    let events = (0..n)
        .map(|i| {
            NewEvent::new(
                EventKind::TargetValueChanged,
                json!({"target": uuid::Uuid::nil()}),
            )
            .body(json!({"code": format!("{padding}{i}"), "value": i.to_string()}))
        })
        .collect();
    outbox::record_many(&txn, events).await.expect("record");
    txn.commit().await.expect("commit");
}
