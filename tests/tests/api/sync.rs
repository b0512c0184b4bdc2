//! Offline sync: `changes(since:)` delivers every change exactly as the app needs it,
//! never skipping one written while the app pages or committed out of order.

use std::collections::HashSet;
use std::time::{Duration, Instant};
use thidua_domain::id::CampaignId;

use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, concrete, spawn_app, spawn_app_with};
use uuid::Uuid;

use crate::reports::{field, submit};

both!(
    a_phone_catches_up_on_every_kind_of_change_with_tombstones,
    changes_written_between_pages_are_not_lost,
    the_home_screen_loads_in_one_round_trip,
    milestones_added_during_a_launch_reach_the_feed,
    a_change_op_this_service_never_writes_is_an_internal_error
);

const CHANGES: &str = "query($s: String, $n: Int) { changes(since: $s, first: $n) { nextToken hasMore \
    changes { entity id op campaign { code status } criterion { title } milestone { title status } \
    participation { status unit { code } } report { clientId status } } } }";

/// Pages until caught up; returns every change seen (in order) and the final token.
async fn sync(
    app: &TestApp,
    token: &str,
    since: Option<String>,
    page: i64,
) -> (Vec<Value>, String) {
    let mut since = since;
    let mut all = vec![];
    loop {
        let d = app
            .ok(Some(token), CHANGES, json!({"s": since, "n": page}))
            .await;
        let feed = &d["changes"];
        all.extend(feed["changes"].as_array().unwrap().iter().cloned());
        since = Some(feed["nextToken"].as_str().unwrap().to_owned());
        if !feed["hasMore"].as_bool().unwrap() {
            return (all, since.unwrap_or_default());
        }
    }
}

/// Syncs repeatedly until `done` holds for what arrived (PostgreSQL may hold rows back
/// while an unrelated older transaction is still open), or fails after 60 s.
pub(crate) async fn sync_until(
    app: &TestApp,
    token: &str,
    since: Option<String>,
    done: impl Fn(&[Value]) -> bool,
) -> (Vec<Value>, String) {
    let started = Instant::now();
    let (mut seen, mut since) = (vec![], since);
    loop {
        let (more, next) = sync(app, token, since, 50).await;
        seen.extend(more);
        if done(&seen) {
            return (seen, next);
        }
        since = Some(next);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "changes never arrived: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn has(changes: &[Value], entity: &str, op: &str, pred: impl Fn(&Value) -> bool) -> bool {
    changes
        .iter()
        .any(|c| c["entity"] == entity && c["op"] == op && pred(c))
}

async fn a_phone_catches_up_on_every_kind_of_change_with_tombstones(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let root = app.root_unit(&f.admin).await;

    // Fresh install: the launched campaign, its criteria, and ward A's participation (not B's).
    let (first, token) = sync_until(&app, &f.reporter, None, |seen| {
        has(seen, "Campaign", "UPSERT", |c| {
            c["campaign"]["code"] == "RPT-1"
        }) && seen
            .iter()
            .filter(|c| c["entity"] == "Participation")
            .count()
            >= 1
    })
    .await;
    assert!(has(&first, "Campaign", "UPSERT", |c| c["campaign"]["code"]
        == "RPT-1"));
    assert_eq!(
        first.iter().filter(|c| c["entity"] == "Criterion").count(),
        4
    );
    let units: Vec<&str> = first
        .iter()
        .filter(|c| c["entity"] == "Participation")
        .map(|c| c["participation"]["unit"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(units, vec!["WARD-A"]);

    // Meanwhile, at the province and in the ward:
    let c2 = app
        .create_campaign(
            &f.admin,
            "SYNC-NEW",
            &root,
            json!([concrete("Tiêu chí mới")]),
        )
        .await;
    let c2 = c2.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.launch(&f.admin, &c2).await;
    let c3 = app
        .create_campaign(&f.admin, "SYNC-CANCEL", &root, json!([concrete("x")]))
        .await;
    let c3 = c3.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.launch(&f.admin, &c3).await;
    app.ok(
        Some(&f.admin),
        "mutation($i: CampaignTransitionInput!) { cancelCampaign(input: $i) { campaign { id } } }",
        json!({"i": {"id": c3, "reason": "Trùng nội dung"}}),
    )
    .await;
    let add = "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }";
    app.ok(Some(&f.admin), add, json!({"i": {"campaignId": f.campaign, "kind": "INTERIM_REVIEW", "title": "Sơ kết quý III", "dueDate": "2025-09-30"}})).await;
    let m2 = app.ok(Some(&f.admin), add, json!({"i": {"campaignId": f.campaign, "kind": "REPORTING_DEADLINE", "title": "Hạn báo cáo tháng 6", "dueDate": "2025-06-30"}})).await;
    let m2 = m2["addMilestone"]["milestone"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(Some(&f.admin), "mutation($i: CompleteMilestoneInput!) { completeMilestone(input: $i) { milestone { id } } }", json!({"i": {"id": m2}})).await;
    let report_id = Uuid::now_v7();
    submit(&app, &f.reporter, vec![f.report(report_id, &f.ward_a, 4)]).await;
    let withdraw = "mutation($i: ParticipationInput!) { withdrawParticipation(input: $i) { participation { id } } }";
    app.ok(
        Some(&f.admin),
        withdraw,
        json!({"i": {"campaignId": f.campaign, "unitId": f.ward_a}}),
    )
    .await;
    app.ok(
        Some(&f.admin),
        withdraw,
        json!({"i": {"campaignId": f.campaign, "unitId": f.ward_b}}),
    )
    .await;

    let expected = |seen: &[Value]| {
        has(seen, "Campaign", "UPSERT", |c| {
            c["campaign"]["code"] == "SYNC-NEW"
        }) && has(seen, "Criterion", "UPSERT", |c| {
            c["criterion"]["title"] == "Tiêu chí mới"
        }) && has(seen, "Campaign", "TOMBSTONE", |c| {
            c["campaign"]["code"] == "SYNC-CANCEL" && c["campaign"]["status"] == "CANCELLED"
        }) && has(seen, "Milestone", "UPSERT", |c| {
            c["milestone"]["title"] == "Sơ kết quý III"
        }) && has(seen, "Milestone", "UPSERT", |c| {
            c["milestone"]["title"] == "Hạn báo cáo tháng 6" && c["milestone"]["status"] == "DONE"
        }) && has(seen, "ProgressReport", "UPSERT", |c| {
            c["report"]["clientId"] == report_id.to_string().as_str()
        }) && has(seen, "Participation", "TOMBSTONE", |c| {
            c["participation"]["unit"]["code"] == "WARD-A"
        })
    };
    let (seen, token) = sync_until(&app, &f.reporter, Some(token), expected).await;
    assert!(
        !seen
            .iter()
            .any(|c| c["participation"]["unit"]["code"] == "WARD-B"),
        "another ward's participation leaked"
    );

    // Caught up: nothing new, and the token stays usable.
    let (nothing, _) = sync(&app, &f.reporter, Some(token), 50).await;
    assert!(nothing.is_empty(), "{nothing:?}");

    let bad = app
        .gql(Some(&f.reporter), CHANGES, json!({"s": "garbage", "n": 5}))
        .await;
    assert_eq!(bad.error_code(), Some("BAD_USER_INPUT"));
    let anon = app.gql(None, CHANGES, json!({"s": null, "n": 5})).await;
    assert_eq!(anon.error_code(), Some("UNAUTHENTICATED"));
}

async fn changes_written_between_pages_are_not_lost(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let add = "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }";
    for i in 0..6 {
        app.ok(Some(&f.admin), add, json!({"i": {"campaignId": f.campaign, "kind": "CUSTOM", "title": format!("Mốc {i}"), "dueDate": "2025-12-01"}})).await;
    }
    // Page through two at a time, writing a new milestone after every page.
    let mut since: Option<String> = None;
    let mut titles = HashSet::new();
    let mut written = HashSet::new();
    for round in 0..20 {
        let d = app
            .ok(Some(&f.reporter), CHANGES, json!({"s": since, "n": 2}))
            .await;
        for c in d["changes"]["changes"].as_array().unwrap() {
            if let Some(t) = c["milestone"]["title"].as_str() {
                titles.insert(t.to_owned());
            }
        }
        since = Some(d["changes"]["nextToken"].as_str().unwrap().to_owned());
        if round < 5 {
            let title = format!("Viết giữa trang {round}");
            app.ok(Some(&f.admin), add, json!({"i": {"campaignId": f.campaign, "kind": "CUSTOM", "title": title, "dueDate": "2025-12-02"}})).await;
            written.insert(title);
        } else if !d["changes"]["hasMore"].as_bool().unwrap() {
            break;
        }
    }
    // On PostgreSQL a change may be held back while an older transaction (of any
    // database on the server) is open; keep syncing until everything arrived.
    let want: HashSet<String> = (0..6)
        .map(|i| format!("Mốc {i}"))
        .chain(written.iter().cloned())
        .collect();
    let missing = |titles: &HashSet<String>| want.difference(titles).cloned().collect::<Vec<_>>();
    if !missing(&titles).is_empty() {
        let (late, _) = sync_until(&app, &f.reporter, since, |seen| {
            let mut t = titles.clone();
            t.extend(
                seen.iter()
                    .filter_map(|c| c["milestone"]["title"].as_str().map(str::to_owned)),
            );
            missing(&t).is_empty()
        })
        .await;
        titles.extend(
            late.iter()
                .filter_map(|c| c["milestone"]["title"].as_str().map(str::to_owned)),
        );
    }
    assert!(
        missing(&titles).is_empty(),
        "lost while paging: {:?}",
        missing(&titles)
    );

    if backend == Backend::Postgres {
        out_of_order_commits_still_reach_the_client(&app, &f).await;
    }
}

/// PostgreSQL hands out change numbers in one order and commits in another: a write
/// whose transaction began first but commits last must still reach a client that has
/// already synced past the later one.
async fn out_of_order_commits_still_reach_the_client(app: &TestApp, f: &crate::reports::Field) {
    use thidua_persistence::{milestones, org_units, seed};
    // B writes to another launched campaign: writes to one campaign serialise on its row.
    let root = org_units::by_code(&app.db.conn, "QN")
        .await
        .unwrap()
        .unwrap();
    let root_id = thidua_api::ids::NodeType::OrgUnit
        .encode(root.id)
        .to_string();
    let other = app
        .create_campaign(&f.admin, "RPT-FAST", &root_id, json!([concrete("c")]))
        .await;
    let other = other.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.launch(&f.admin, &other).await.data()["launchCampaign"]["campaign"]["status"],
        "LAUNCHED"
    );
    let (_, mut token) = sync(app, &f.reporter, None, 500).await;
    let actor = seed::system_actor(&root.path);
    let campaign = thidua_api::ids::decode_any(&f.campaign).unwrap().1;

    // Transaction A takes its change number first and stays open…
    let slow = app.db.begin_write().await.unwrap();
    let title = thidua_domain::text::Title::parse("Ghi chậm (giao dịch mở)").unwrap();
    let due = chrono::NaiveDate::from_ymd_opt(2025, 11, 30).unwrap();
    milestones::add(
        &slow,
        &actor,
        milestones::Owner::Campaign(CampaignId::from_uuid(campaign)),
        thidua_domain::milestone::MilestoneKind::Custom,
        title,
        due,
    )
    .await
    .unwrap();
    // …while B is written and committed through the API, and the client syncs past it.
    let add = "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }";
    app.ok(Some(&f.admin), add, json!({"i": {"campaignId": other, "kind": "CUSTOM", "title": "Ghi nhanh", "dueDate": "2025-11-30"}})).await;
    let (early, next) = sync(app, &f.reporter, Some(token), 500).await;
    token = next;
    assert!(
        !early
            .iter()
            .any(|c| c["milestone"]["title"] == "Ghi chậm (giao dịch mở)"),
        "an uncommitted write was visible"
    );
    // A commits last. Both must arrive; B may still be held back for a while after A shows
    // up when a transaction of another database on the same server began between them
    // (the horizon is cluster-wide), so wait for both.
    slow.commit().await.unwrap();
    let titled = |c: &Value, t: &str| c["milestone"]["title"] == t;
    let fast_early = early.iter().any(|c| titled(c, "Ghi nhanh"));
    sync_until(app, &f.reporter, Some(token), |seen| {
        seen.iter().any(|c| titled(c, "Ghi chậm (giao dịch mở)"))
            && (fast_early || seen.iter().any(|c| titled(c, "Ghi nhanh")))
    })
    .await;
}

async fn the_home_screen_loads_in_one_round_trip(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let report_id = Uuid::now_v7();
    submit(&app, &f.reporter, vec![f.report(report_id, &f.ward_a, 5)]).await;
    app.ok(
        Some(&f.admin),
        "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } } }",
        json!({"i": {"campaignId": f.campaign, "kind": "REPORTING_DEADLINE", "title": "Hạn báo cáo", "dueDate": "2099-01-31"}}),
    )
    .await;
    let before = app.db.statements_run();
    let d = app
        .ok(
            Some(&f.reporter),
            "{ me { user { username } units { code } openCampaigns { code criteria { title measure } \
             nextMilestone { title dueDate status } myLastReport { clientId status } } } }",
            json!({}),
        )
        .await;
    let statements = app.db.statements_run() - before;
    let me = &d["me"];
    assert_eq!(me["user"]["username"], "bao.cao.a");
    assert_eq!(me["units"], json!([{"code": "WARD-A"}]));
    let open = me["openCampaigns"].as_array().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["code"], "RPT-1");
    assert_eq!(open[0]["criteria"].as_array().unwrap().len(), 4);
    assert_eq!(open[0]["nextMilestone"]["title"], "Hạn báo cáo");
    assert_eq!(
        open[0]["myLastReport"]["clientId"],
        report_id.to_string().as_str()
    );
    assert!(
        statements <= 8,
        "the home screen took {statements} statements"
    );
}

/// `addMilestone` and `launchCampaign` racing on the same campaign: whichever commits
/// first, every milestone of a launched campaign must reach a fresh sync. (Before the two
/// serialised on the campaign row, a milestone added while a launch was listing the
/// campaign's milestones got no feed row and no phone ever received it.)
async fn milestones_added_during_a_launch_reach_the_feed(backend: Backend) {
    use futures_util::future::join_all;

    const CAMPAIGNS: usize = 6;
    const PER_CAMPAIGN: usize = 15;
    // 96 writes at once queue for the test server's 5 connections; on a loaded machine the
    // queue can outlast the 3 s default wait, which is not what this test is about.
    let app = spawn_app_with(backend, |s| s.database.acquire_timeout_ms = 60_000).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let mut ids = vec![];
    for i in 0..CAMPAIGNS {
        let a = app
            .create_campaign(&admin, &format!("RACE-{i}"), &root, json!([concrete("c")]))
            .await;
        ids.push(
            a.data()["createCampaign"]["campaign"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let add = "mutation($i: AddMilestoneInput!) { addMilestone(input: $i) { milestone { id } userErrors { code } } }";
    // Per campaign: the launch goes out among its milestone writes, all at once.
    let mut adds = vec![];
    let mut launches = vec![];
    for (c, id) in ids.iter().enumerate() {
        for m in 0..PER_CAMPAIGN {
            let (app, admin, id) = (&app, &admin, id.clone());
            adds.push(async move {
                app.gql(
                    Some(admin),
                    add,
                    json!({"i": {"campaignId": id, "kind": "CUSTOM",
                    "title": format!("Mốc {c}-{m}"), "dueDate": "2025-06-01"}}),
                )
                .await
            });
        }
        launches.push(app.launch(&admin, id));
    }
    let (added, launched) = tokio::join!(join_all(adds), join_all(launches));
    for a in added.iter().chain(&launched) {
        assert!(a.body["errors"].is_null(), "unexpected errors: {}", a.body);
    }
    for l in &launched {
        assert_eq!(
            l.data()["launchCampaign"]["campaign"]["status"],
            "LAUNCHED",
            "{}",
            l.body
        );
    }

    // Every milestone that exists on those (now launched) campaigns.
    let mut stored = HashSet::new();
    for id in &ids {
        let d = app
            .ok(Some(&admin), "query($id: ID!) { node(id: $id) { ... on Campaign { status milestones { id } } } }", json!({"id": id}))
            .await;
        assert_eq!(d["node"]["status"], "LAUNCHED");
        for m in d["node"]["milestones"].as_array().unwrap() {
            stored.insert(m["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        stored.len(),
        CAMPAIGNS * PER_CAMPAIGN,
        "every addMilestone succeeded"
    );

    // A fresh sync must deliver each of them (PostgreSQL may briefly hold rows back while
    // an older transaction of the cluster is open, so retry for a while before judging).
    let started = Instant::now();
    let missing = loop {
        let (seen, _) = sync(&app, &admin, None, 200).await;
        let fed: HashSet<String> = seen
            .iter()
            .filter(|c| c["entity"] == "Milestone")
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect();
        let missing: Vec<&String> = stored.difference(&fed).collect();
        if missing.is_empty() || started.elapsed() > Duration::from_secs(60) {
            break missing.len();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        missing,
        0,
        "{missing} of {} milestones of launched campaigns never reach the change feed",
        stored.len()
    );
}

/// A stored op outside the closed set is refused when the feed is read: INTERNAL, never
/// guessed to be an upsert (as it once was: anything but TOMBSTONE read as UPSERT).
async fn a_change_op_this_service_never_writes_is_an_internal_error(backend: Backend) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use thidua_persistence::entities::change_entry;

    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let (before, _) = sync_until(&app, &f.reporter, None, |c| {
        has(c, "Campaign", "UPSERT", |_| true)
    })
    .await;
    assert!(
        before
            .iter()
            .all(|c| c["op"] == "UPSERT" || c["op"] == "TOMBSTONE")
    );

    let res = change_entry::Entity::update_many()
        .col_expr(change_entry::Column::Op, Expr::val("DELETE"))
        .filter(change_entry::Column::Entity.eq("Campaign"))
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert!(res.rows_affected >= 1);

    let read = app
        .gql(Some(&f.reporter), CHANGES, json!({"s": null, "n": 50}))
        .await;
    assert_eq!(read.error_code(), Some("INTERNAL"), "{}", read.body);
}
