//! A target's history as a dashboard draws it: every daily snapshot, or one point per
//! month (the month's last), within a bounded date range.

use serde_json::json;
use thidua_tests::{Backend, TestApp, both, spawn_app};

both!(
    a_target_history_is_drawn_by_day_or_by_month,
    a_history_range_must_be_ordered_and_at_most_ten_years
);

const HISTORY: &str = "query($from: NaiveDate, $to: NaiveDate, $interval: SeriesInterval) { targets { \
    code history(from: $from, to: $to, interval: $interval) { on value } } }";

async fn snapshot_on(app: &TestApp, day: &str) {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    thidua_persistence::snapshots::take(&app.db.conn, date, &|m| format!("{m:?}"))
        .await
        .unwrap();
}

/// The days of the first target's history points.
async fn days(app: &TestApp, vars: serde_json::Value) -> Vec<String> {
    let d = app.ok(None, HISTORY, vars).await;
    d["targets"][0]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["on"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_target_history_is_drawn_by_day_or_by_month(backend: Backend) {
    let app = spawn_app(backend).await;
    for day in [
        "2026-01-05",
        "2026-01-20",
        "2026-02-03",
        "2026-03-31",
        "2026-03-01",
    ] {
        snapshot_on(&app, day).await;
    }
    assert_eq!(
        days(&app, json!({})).await,
        [
            "2026-01-05",
            "2026-01-20",
            "2026-02-03",
            "2026-03-01",
            "2026-03-31"
        ]
    );
    assert_eq!(
        days(&app, json!({"interval": "MONTH"})).await,
        ["2026-01-20", "2026-02-03", "2026-03-31"]
    );
    assert_eq!(
        days(
            &app,
            json!({"interval": "MONTH", "from": "2026-01-06", "to": "2026-03-30"})
        )
        .await,
        ["2026-01-20", "2026-02-03", "2026-03-01"]
    );
    // Every target answers with its own line, each point with a value or null.
    let d = app.ok(None, HISTORY, json!({"interval": "DAY"})).await;
    for t in d["targets"].as_array().unwrap() {
        assert_eq!(t["history"].as_array().unwrap().len(), 5, "{t}");
    }
}

async fn a_history_range_must_be_ordered_and_at_most_ten_years(backend: Backend) {
    let app = spawn_app(backend).await;
    for (case, vars) in [
        (
            "inverted",
            json!({"from": "2026-03-01", "to": "2026-02-01"}),
        ),
        (
            "eleven years",
            json!({"from": "2020-01-01", "to": "2031-01-02"}),
        ),
    ] {
        let a = app.gql(None, HISTORY, vars).await;
        assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{case}: {}", a.body);
    }
    let a = app.gql(None, HISTORY, json!({"interval": "WEEK"})).await;
    assert_eq!(
        a.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        a.body
    );
    assert!(
        days(&app, json!({"from": "2020-01-01", "to": "2030-01-01"}))
            .await
            .is_empty()
    );
}
