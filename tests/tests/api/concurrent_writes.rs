//! Many clients writing at once: on SQLite every write waits its turn at one gate (first
//! come, first served) instead of racing for the file's lock; nothing is lost or doubled,
//! on either database.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::reports::{Field, SUBMIT, field};

both!(sixteen_clients_submitting_batches_at_once_lose_and_double_nothing);

const CLIENTS: usize = 16;
const BATCHES: usize = 3;
const BATCH: usize = 10;

/// Report `g` of the run: units alternate, and each report of a unit has its own custom
/// period inside 2025 (start day, length).
fn report(f: &Field, g: usize, id: Uuid) -> Value {
    let unit = if g.is_multiple_of(2) {
        &f.ward_a
    } else {
        &f.ward_b
    };
    let slot = g / 2;
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
        + chrono::Days::new(u64::try_from(slot % 300).unwrap());
    let end = start + chrono::Days::new(u64::try_from(slot / 300).unwrap());
    json!({
        "id": id.to_string(),
        "campaignId": f.campaign,
        "unitId": unit,
        "period": {"kind": "CUSTOM", "start": start.to_string(), "end": end.to_string()},
        "values": [
            {"criterionId": f.criteria[0], "value": "92.5"},
            {"criterionId": f.criteria[1], "value": 2},
            {"criterionId": f.criteria[2], "value": "1"},
            {"criterionId": f.criteria[3], "value": 1.8}
        ],
        "narrative": format!("Báo cáo số {g}")
    })
}

/// Sends `reports` as one batch; the status of each result, in order.
async fn send(app: &TestApp, token: &str, reports: Vec<Value>) -> Vec<String> {
    let a = app
        .gql(Some(token), SUBMIT, json!({"i": {"reports": reports}}))
        .await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    a.body["data"]["submitReports"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(app.db.backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// The count of a metric's samples (0 when it has none yet).
async fn metric(app: &TestApp, name: &str) -> u64 {
    app.metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

async fn sixteen_clients_submitting_batches_at_once_lose_and_double_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let waits_before = metric(&app, "thidua_db_write_wait_seconds_count").await;
    // Every client's batches, made up front: new reports with their own ids.
    let batches: Vec<Vec<Vec<Value>>> = (0..CLIENTS)
        .map(|c| {
            (0..BATCHES)
                .map(|b| {
                    (0..BATCH)
                        .map(|n| report(&f, (c * BATCHES + b) * BATCH + n, Uuid::now_v7()))
                        .collect()
                })
                .collect()
        })
        .collect();
    let ids: std::collections::HashSet<String> = batches
        .iter()
        .flatten()
        .flatten()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), CLIENTS * BATCHES * BATCH);

    // All clients at once, each sending its batches one after another, then its first
    // batch again (a phone retrying): new ones ACCEPTED, the retry all DUPLICATE.
    let clients = batches.iter().map(|mine| {
        let (app, token) = (&app, f.admin.as_str());
        async move {
            let mut statuses = vec![];
            for b in mine {
                statuses.push(send(app, token, b.clone()).await);
            }
            // The retry is judged a duplicate before any write: it takes no turn.
            let again = send(app, token, mine[0].clone()).await;
            (statuses, again)
        }
    });
    for (statuses, again) in futures_util::future::join_all(clients).await {
        for s in statuses {
            assert_eq!(s, vec!["ACCEPTED"; BATCH]);
        }
        assert_eq!(again, vec!["DUPLICATE"; BATCH]);
    }

    // Stored once each, with all their values.
    let reports = count(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM progress_reports",
    )
    .await;
    let distinct = count(
        &app,
        "SELECT CAST(COUNT(DISTINCT id) AS BIGINT) AS n FROM progress_reports",
    )
    .await;
    let values = count(
        &app,
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM report_values",
    )
    .await;
    let sent = i64::try_from(ids.len()).unwrap();
    assert_eq!((reports, distinct, values), (sent, sent, 4 * sent));

    // The writes went through the gate on SQLite (and never on PostgreSQL).
    let waits = metric(&app, "thidua_db_write_wait_seconds_count").await - waits_before;
    match backend {
        Backend::Sqlite => assert!(
            waits >= u64::try_from(CLIENTS * BATCHES).unwrap(),
            "{waits} turns taken"
        ),
        Backend::Postgres => assert_eq!(waits, 0),
    }
    assert_eq!(metric(&app, "thidua_db_writers_waiting").await, 0);
}
