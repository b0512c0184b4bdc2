//! The event stream: every watched mutation writes its event in its own transaction (none
//! for a refused one), the hub fans committed events out, across replicas on PostgreSQL,
//! and replays what it missed while its LISTEN connection was down.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::json;
use thidua_persistence::outbox::{self, Event, EventKind, NewEvent};
use thidua_tests::{Backend, TestApp, both, spawn_app, spawn_app_sharing, spawn_app_with};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::reports::{field, submit};

both!(
    every_watched_mutation_writes_its_event,
    a_refused_mutation_writes_no_event,
    the_hub_fans_out_committed_events_in_order,
    pruning_deletes_only_old_events,
    an_overdue_milestone_is_announced_once,
    a_change_that_moves_a_computed_target_announces_its_new_value_once
);

/// How long a test waits for an event before failing (an upper bound, not a measurement).
const WAIT: Duration = Duration::from_secs(20);

async fn all_events(app: &TestApp) -> Vec<Event> {
    outbox::since(&app.db.conn, 0, 10_000).await.unwrap()
}

/// The kinds of the events after `after` that requests caused: the server's own
/// announcements (targets recomputed after a quiet time, overdue milestones found at
/// start) may land at any moment and are left out.
async fn kinds_after(app: &TestApp, after: i64) -> Vec<EventKind> {
    outbox::since(&app.db.conn, after, 10_000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .filter(|k| {
            !matches!(
                k,
                EventKind::TargetValueChanged | EventKind::MilestoneOverdue
            )
        })
        .collect()
}

async fn last_id(app: &TestApp) -> i64 {
    outbox::latest_id(&app.db.conn).await.unwrap()
}

/// Waits for the next event on `rx` of one of `kinds`, skipping others.
async fn next_of(rx: &mut broadcast::Receiver<Arc<Event>>, kinds: &[EventKind]) -> Arc<Event> {
    tokio::time::timeout(WAIT, async {
        loop {
            let e = rx.recv().await.expect("event stream open");
            if kinds.contains(&e.kind) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kinds:?} event within {WAIT:?}"))
}

const APPROVE: &str = "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } userErrors { code } } }";
const RETURN: &str = "mutation($i: ReturnReportInput!) { returnReport(input: $i) { report { status } userErrors { code } } }";

async fn every_watched_mutation_writes_its_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let setup = all_events(&app).await;
    // The field's campaign was launched and two wards registered.
    let launched: Vec<&Event> = setup
        .iter()
        .filter(|e| e.kind == EventKind::CampaignLaunched)
        .collect();
    assert_eq!(launched.len(), 1, "{setup:?}");
    assert_eq!(
        setup
            .iter()
            .filter(|e| e.kind == EventKind::ParticipationRegistered)
            .count(),
        2
    );
    assert!(launched[0].request_id.is_some(), "{:?}", launched[0]);

    // Reports: submitted, approved, returned; each event names the report and its owner.
    let before = last_id(&app).await;
    let ids = [Uuid::now_v7(), Uuid::now_v7()];
    let sent = submit(
        &app,
        &f.reporter,
        vec![
            f.report(ids[0], &f.ward_a, 1),
            f.report(ids[1], &f.ward_a, 2),
        ],
    )
    .await;
    let report_ids: Vec<String> = sent["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report"]["id"].as_str().unwrap().to_owned())
        .collect();
    app.ok(
        Some(&f.manager),
        APPROVE,
        json!({"i": {"id": report_ids[0]}}),
    )
    .await;
    app.ok(
        Some(&f.manager),
        RETURN,
        json!({"i": {"id": report_ids[1], "reason": "Thiếu số liệu"}}),
    )
    .await;
    let evs: Vec<Event> = outbox::since(&app.db.conn, before, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.is_report())
        .collect();
    let kinds: Vec<EventKind> = evs.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::ReportSubmitted,
            EventKind::ReportSubmitted,
            EventKind::ReportApproved,
            EventKind::ReportReturned
        ]
    );
    let returned = &evs[3];
    assert_eq!(returned.subject_id("report"), Some(ids[1]));
    assert_eq!(returned.body["reason"], "Thiếu số liệu");
    assert_eq!(returned.body["status"], "RETURNED");
    assert!(returned.user_id.is_some());
    assert!(returned.unit_path.as_deref().unwrap().ends_with('/'));
    // Ids grow in commit order.
    assert!(evs.windows(2).all(|w| w[0].id < w[1].id));

    // Milestones: added and completed.
    let before = last_id(&app).await;
    let m = app
        .ok(
            Some(&f.admin),
            "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } userErrors { code } } }",
            json!({"i": {"campaignId": f.campaign, "kind": "INTERIM_REVIEW", "title": "Sơ kết", "dueDate": "2099-06-30"}}),
        )
        .await;
    let mid = m["addMilestone"]["milestone"]["id"].as_str().unwrap();
    app.ok(
        Some(&f.admin),
        "mutation($i: CompleteMilestoneInput!) { completeMilestone(input: $i) { milestone { status } userErrors { code } } }",
        json!({"i": {"id": mid}}),
    )
    .await;
    // Participation withdrawn, then the campaign closed.
    app.ok(
        Some(&f.admin),
        "mutation($i: ParticipationInput!) { withdrawParticipation(input: $i) { participation { status } } }",
        json!({"i": {"campaignId": f.campaign, "unitId": f.ward_b}}),
    )
    .await;
    app.ok(
        Some(&f.admin),
        "mutation($i: CampaignTransitionInput!) { closeCampaign(input: $i) { campaign { status } userErrors { code } } }",
        json!({"i": {"id": f.campaign}}),
    )
    .await;
    let kinds = kinds_after(&app, before).await;
    for k in [
        EventKind::MilestoneAdded,
        EventKind::MilestoneCompleted,
        EventKind::ParticipationWithdrawn,
        EventKind::CampaignClosed,
    ] {
        assert_eq!(
            kinds.iter().filter(|x| **x == k).count(),
            1,
            "{k}: {kinds:?}"
        );
    }

    // A draft campaign cancelled.
    let root = app.root_unit(&f.admin).await;
    let c = app
        .create_campaign(
            &f.admin,
            "EV-CANCEL",
            &root,
            json!([thidua_tests::concrete("Tỷ lệ")]),
        )
        .await;
    let cid = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.launch(&f.admin, &cid).await;
    let before = last_id(&app).await;
    app.ok(
        Some(&f.admin),
        "mutation($i: CampaignTransitionInput!) { cancelCampaign(input: $i) { campaign { status } userErrors { code } } }",
        json!({"i": {"id": cid, "reason": "Trùng nội dung"}}),
    )
    .await;
    assert_eq!(
        kinds_after(&app, before).await,
        vec![EventKind::CampaignCancelled]
    );

    // Exemplars: a stage change and a replication, then a nomination.
    let model = thidua_tests::commendations::model(
        &app,
        &f.admin,
        "Mô hình Dân vận khéo",
        "COLLECTIVE",
        &f.ward_a,
    )
    .await;
    let before = last_id(&app).await;
    app.ok(
        Some(&f.admin),
        "mutation($i: ChangeExemplarStageInput!) { changeExemplarStage(input: $i) { exemplar { stage } } }",
        json!({"i": {"id": model, "stage": "NURTURED", "onDate": "2024-05-01"}}),
    )
    .await;
    app.ok(
        Some(&f.admin),
        "mutation($i: ReplicateExemplarInput!) { replicateExemplar(input: $i) { exemplar { id } } }",
        json!({"i": {"id": model, "unitId": f.ward_b, "onDate": "2024-09-01"}}),
    )
    .await;
    let award = thidua_tests::commendations::award(&app, &f.admin, "BANG-KHEN-TTG").await;
    let n = thidua_tests::commendations::nominate(
        &app,
        &f.admin,
        json!({"awardTypeId": award, "kind": "CONG_TRANG", "recipient": {"exemplarId": model},
               "nominatingUnitId": f.ward_a, "awardYear": 2026, "citation": "Thành tích xuất sắc"}),
    )
    .await;
    assert!(n["commendation"]["id"].is_string(), "{n}");
    let evs = outbox::since(&app.db.conn, before, 100).await.unwrap();
    let kinds: Vec<EventKind> = evs.iter().map(|e| e.kind).collect();
    for k in [
        EventKind::ExemplarStageChanged,
        EventKind::ExemplarReplicated,
        EventKind::CommendationStatusChanged,
    ] {
        assert_eq!(
            kinds.iter().filter(|x| **x == k).count(),
            1,
            "{k}: {kinds:?}"
        );
    }
    let replicated = evs
        .iter()
        .find(|e| e.kind == EventKind::ExemplarReplicated)
        .unwrap();
    // A replication concerns the unit taking the model up.
    let ward_b_path = evs
        .iter()
        .find(|e| e.kind == EventKind::ExemplarReplicated)
        .and_then(|e| e.unit_path.clone())
        .unwrap();
    assert_ne!(
        Some(ward_b_path.as_str()),
        evs.iter()
            .find(|e| e.kind == EventKind::ExemplarStageChanged)
            .and_then(|e| e.unit_path.as_deref())
    );
    assert!(replicated.subject_id("exemplar").is_some());

    // A snapshot of the targets.
    let before = last_id(&app).await;
    thidua_server::startup::take_snapshots(&app.db)
        .await
        .unwrap();
    assert_eq!(
        kinds_after(&app, before).await,
        vec![EventKind::SnapshotTaken]
    );
}

async fn a_refused_mutation_writes_no_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let id = Uuid::now_v7();
    let sent = submit(&app, &f.reporter, vec![f.report(id, &f.ward_a, 3)]).await;
    let report = sent["results"][0]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = last_id(&app).await;

    // A reporter may not review: FORBIDDEN, and nothing is written.
    let a = app
        .gql(Some(&f.reporter), APPROVE, json!({"i": {"id": report}}))
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    // Returning without a reason is a user error.
    let r = app
        .gql(
            Some(&f.manager),
            RETURN,
            json!({"i": {"id": report, "reason": " "}}),
        )
        .await;
    assert!(!r.user_error_codes("returnReport").is_empty(), "{}", r.body);
    // A report for a ward the reporter does not hold is refused.
    let other = submit(
        &app,
        &f.reporter,
        vec![f.report(Uuid::now_v7(), &f.ward_b, 3)],
    )
    .await;
    assert_eq!(other["results"][0]["status"], "REJECTED", "{other}");
    // Launching a launched campaign is an invalid transition.
    let again = app.launch(&f.admin, &f.campaign).await;
    assert!(
        !again.user_error_codes("launchCampaign").is_empty(),
        "{}",
        again.body
    );
    assert_eq!(kinds_after(&app, before).await, vec![]);

    // A write that fails after its event was written rolls the event back with it.
    let txn = app.db.begin_write().await.unwrap();
    outbox::record(
        &txn,
        NewEvent::new(EventKind::SnapshotTaken, json!({})).body(json!({"test": true})),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(kinds_after(&app, before).await, vec![]);

    // The same mutation done right writes its one event.
    app.ok(Some(&f.manager), APPROVE, json!({"i": {"id": report}}))
        .await;
    assert_eq!(
        kinds_after(&app, before).await,
        vec![EventKind::ReportApproved]
    );
}

async fn write_events(app: &TestApp, n: usize, tag: &str) {
    thidua_tests::events::snapshots_one_by_one(&app.db, n, tag).await;
}

async fn the_hub_fans_out_committed_events_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let mut rx = app.events.subscribe();
    let id = Uuid::now_v7();
    submit(&app, &f.reporter, vec![f.report(id, &f.ward_a, 4)]).await;
    let e = next_of(&mut rx, &[EventKind::ReportSubmitted]).await;
    assert_eq!(e.subject_id("report"), Some(id));

    // A transaction rolled back is never delivered; the next commit is.
    let txn = app.db.begin_write().await.unwrap();
    outbox::record(
        &txn,
        NewEvent::new(EventKind::SnapshotTaken, json!({})).body(json!({"tag": "rolled back"})),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    write_events(&app, 5, "in order").await;
    for i in 0..5 {
        let e = next_of(&mut rx, &[EventKind::SnapshotTaken]).await;
        assert_eq!(e.body["tag"], "in order", "{e:?}");
        assert_eq!(e.body["i"], i);
    }
}

async fn pruning_deletes_only_old_events(backend: Backend) {
    let app = spawn_app(backend).await;
    write_events(&app, 3, "old").await;
    let before = all_events(&app).await;
    // Nothing is older than the oldest event. (The seed's events are as old as the database
    // they were copied from: on PostgreSQL a template that may have been built hours ago.)
    let oldest = before.iter().map(|e| e.occurred_at).min().unwrap();
    let pruned = outbox::prune(&app.db.conn, oldest).await.unwrap();
    assert_eq!(pruned, 0);
    assert_eq!(all_events(&app).await.len(), before.len());
    let cut = chrono::Utc::now() + chrono::Duration::seconds(1);
    let pruned = outbox::prune(&app.db.conn, cut).await.unwrap();
    assert!(pruned as usize >= 3, "{pruned}");
    assert!(all_events(&app).await.iter().all(|e| e.occurred_at >= cut));
    // Ids are never reused after pruning.
    write_events(&app, 1, "after").await;
    let after = all_events(&app).await;
    let newest = after.iter().find(|e| e.body["tag"] == "after").unwrap();
    assert!(newest.id > before.iter().map(|e| e.id).max().unwrap());
}

/// PostgreSQL: an event committed through one replica reaches the hub of another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_on_one_replica_reaches_another() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    }
    let one = spawn_app(Backend::Postgres).await;
    let two = spawn_app_sharing(&one).await;
    let f = field(&one).await;
    let mut rx = two.events.subscribe();
    let id = Uuid::now_v7();
    submit(&one, &f.reporter, vec![f.report(id, &f.ward_a, 5)]).await;
    let e = next_of(&mut rx, &[EventKind::ReportSubmitted]).await;
    assert_eq!(e.subject_id("report"), Some(id));
    drop(two);
}

/// PostgreSQL: the LISTEN connection is killed while events are written; every event
/// still arrives, once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_listener_replays_every_event_once_in_order() {
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let mut rx = app.events.subscribe();
    write_events(&app, 3, "replay").await;
    let kill = Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE query LIKE 'LISTEN%' AND datname = current_database() AND pid <> pg_backend_pid()",
    );
    let killed = app.db.conn.query_all_raw(kill.clone()).await.unwrap();
    assert_eq!(killed.len(), 1, "one LISTEN connection per process");
    // Written while the listener is down or reconnecting: their notifications are lost.
    write_events(&app, 7, "replay").await;
    let mut seen = vec![];
    while seen.len() < 10 {
        let e = next_of(&mut rx, &[EventKind::SnapshotTaken]).await;
        assert_eq!(e.body["tag"], "replay");
        seen.push(e.body["i"].as_i64().unwrap());
    }
    assert_eq!(seen, vec![0, 1, 2, 0, 1, 2, 3, 4, 5, 6]);
    // Nothing is delivered twice: a later event is the next thing received.
    write_events(&app, 1, "after").await;
    let e = next_of(&mut rx, &[EventKind::SnapshotTaken]).await;
    assert_eq!(e.body["tag"], "after");
}

async fn an_overdue_milestone_is_announced_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let m = app
        .ok(
            Some(&f.admin),
            "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } userErrors { code } } }",
            json!({"i": {"campaignId": f.campaign, "kind": "REPORTING_DEADLINE", "title": "Báo cáo quý I", "dueDate": "2025-03-31"}}),
        )
        .await;
    assert!(m["addMilestone"]["milestone"]["id"].is_string(), "{m}");
    // (The seeded programme's own 2025 review is overdue too: only this one is counted.)
    let overdue = |evs: Vec<Event>| {
        evs.into_iter()
            .filter(|e| e.kind == EventKind::MilestoneOverdue && e.body["title"] == "Báo cáo quý I")
            .count()
    };
    // The hourly check (also run at start) announces it once, however often it runs.
    thidua_server::events::announce_overdue(&app.db)
        .await
        .unwrap();
    assert_eq!(
        thidua_server::events::announce_overdue(&app.db)
            .await
            .unwrap(),
        0
    );
    let evs = all_events(&app).await;
    assert_eq!(overdue(evs.clone()), 1, "{evs:?}");
    let e = evs
        .iter()
        .find(|e| e.kind == EventKind::MilestoneOverdue && e.body["title"] == "Báo cáo quý I")
        .unwrap();
    assert_eq!(e.body["dueDate"], "2025-03-31");
    assert!(e.unit_path.is_some());
    // A completed or future milestone is never overdue.
    app.ok(
        Some(&f.admin),
        "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } userErrors { code } } }",
        json!({"i": {"campaignId": f.campaign, "kind": "FINAL_REVIEW", "title": "Tổng kết", "dueDate": "2099-12-31"}}),
    )
    .await;
    thidua_server::events::announce_overdue(&app.db)
        .await
        .unwrap();
    assert_eq!(overdue(all_events(&app).await), 1);
}

async fn a_change_that_moves_a_computed_target_announces_its_new_value_once(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.events.target_debounce_ms = 100).await;
    let mut rx = app.events.subscribe();
    // Launching a campaign with concrete criteria moves target 1 (the share of such
    // campaigns); the announcement follows once the changes stop.
    let _f = field(&app).await;
    let t1 = loop {
        let e = next_of(&mut rx, &[EventKind::TargetValueChanged]).await;
        if e.body["code"] == "T1-TIEU-CHI" {
            break e;
        }
    };
    assert!(t1.subject_id("target").is_some());
    assert!(t1.body["value"].is_string(), "{t1:?}");
    // Recomputing without a change announces nothing.
    let txn = app.db.begin_write().await.unwrap();
    let n = outbox::announce_target_changes(&txn, thidua_domain::calendar::today(), None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(n, 0);
}
