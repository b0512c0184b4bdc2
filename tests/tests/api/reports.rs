//! Progress reports from the field: idempotent batches, per-value checks, permissions,
//! and the review cycle.

use serde_json::{Value, json};
use thidua_domain::id::{CampaignId, ReportId, UnitId};
use thidua_tests::{Backend, TestApp, both, spawn_app};
use uuid::Uuid;

both!(
    the_same_batch_sent_20_times_is_stored_once,
    one_bad_report_does_not_sink_the_batch,
    each_bad_value_kind_has_its_own_code,
    reporters_submit_only_for_their_units_and_cannot_review,
    review_cycle_keeps_revisions_and_locks_approved_reports,
    a_batch_of_new_reports_costs_a_fixed_number_of_statements,
    a_report_status_this_service_never_writes_is_an_internal_error,
    a_campaign_closed_between_judging_and_writing_a_batch_takes_none_of_it,
    a_unit_withdrawn_between_judging_and_writing_a_batch_takes_none_of_it,
    half_year_and_year_reports_are_calendar_periods
);

pub const SUBMIT: &str = "mutation($i: SubmitReportsInput!) { submitReports(input: $i) { \
    results { id status userErrors { field code message } report { id clientId status revision version returnReason } } \
    userErrors { field code } } }";

/// A launched campaign with four criteria (percent, count, yes/no, number), wards A and B
/// registered, a reporter on A and a manager on the province.
pub struct Field {
    pub admin: String,
    pub reporter: String,
    pub manager: String,
    pub campaign: String,
    pub ward_a: String,
    pub ward_b: String,
    /// Criterion ids: percent, count, yes/no, number.
    pub criteria: Vec<String>,
}

pub async fn field(app: &TestApp) -> Field {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward_a = app.create_unit(&admin, "WARD-A", &root).await;
    let ward_b = app.create_unit(&admin, "WARD-B", &root).await;
    let reporter = app
        .user_with_role(&admin, "bao.cao.a", "REPORTER", &ward_a)
        .await;
    let manager = app
        .user_with_role(&admin, "quan.ly.tinh", "MANAGER", &root)
        .await;
    let c = app
        .create_campaign(
            &admin,
            "RPT-1",
            &root,
            json!([
                {"title": "Tỷ lệ hộ gia đình văn hóa", "measure": "PERCENT", "unitLabel": "%", "targetValue": "90", "weight": "1"},
                {"title": "Số mô hình mới", "measure": "COUNT", "unitLabel": "mô hình", "targetValue": "3", "weight": "1"},
                {"title": "Có kế hoạch thi đua", "measure": "YES_NO", "unitLabel": "có/không", "targetValue": "1", "weight": "1"},
                {"title": "Tỷ lệ hộ nghèo", "measure": "NUMBER", "direction": "LOWER_IS_BETTER", "unitLabel": "%", "targetValue": "1.5", "weight": "2"}
            ]),
        )
        .await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let criteria = c.data()["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    app.launch(&admin, &campaign).await;
    for unit in [&ward_a, &ward_b] {
        app.ok(
            Some(&admin),
            "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }",
            json!({"i": {"campaignId": campaign, "unitId": unit, "pledge": "Hoàn thành xuất sắc"}}),
        )
        .await;
    }
    Field {
        admin,
        reporter,
        manager,
        campaign,
        ward_a,
        ward_b,
        criteria,
    }
}

impl Field {
    /// A valid report for `unit` in month `month` of 2025.
    pub fn report(&self, id: Uuid, unit: &str, month: u32) -> Value {
        let end = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(month - 1) as usize];
        json!({
            "id": id.to_string(),
            "campaignId": self.campaign,
            "unitId": unit,
            "period": {"kind": "MONTH", "start": format!("2025-{month:02}-01"), "end": format!("2025-{month:02}-{end}")},
            "values": [
                {"criterionId": self.criteria[0], "value": "92.5"},
                {"criterionId": self.criteria[1], "value": 2},
                {"criterionId": self.criteria[2], "value": "1"},
                {"criterionId": self.criteria[3], "value": 1.8}
            ],
            "narrative": "Tổ chức 3 hội nghị tuyên truyền",
            "location": {"latitude": "20.9517", "longitude": "107.0806"}
        })
    }
}

pub async fn submit(app: &TestApp, token: &str, reports: Vec<Value>) -> Value {
    app.ok(Some(token), SUBMIT, json!({"i": {"reports": reports}}))
        .await["submitReports"]
        .clone()
}

fn statuses(payload: &Value) -> Vec<String> {
    payload["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

async fn count_reports(app: &TestApp, token: &str, campaign: &str) -> usize {
    let d = app
        .ok(
            Some(token),
            "query($c: ID) { reports(filter: {campaignId: $c}, first: 100) { edges { node { clientId } } } }",
            json!({"c": campaign}),
        )
        .await;
    d["reports"]["edges"].as_array().unwrap().len()
}

async fn the_same_batch_sent_20_times_is_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let batch: Vec<Value> = (1..=5)
        .map(|m| f.report(Uuid::now_v7(), &f.ward_a, m))
        .collect();

    // 10 sequential sends, then 10 concurrent ones.
    for _ in 0..10 {
        let p = submit(&app, &f.reporter, batch.clone()).await;
        assert!(
            statuses(&p)
                .iter()
                .all(|s| s == "ACCEPTED" || s == "DUPLICATE"),
            "{p}"
        );
    }
    let sends = (0..10).map(|_| submit(&app, &f.reporter, batch.clone()));
    for p in futures_join(sends).await {
        assert!(statuses(&p).iter().all(|s| s == "DUPLICATE"), "{p}");
    }
    assert_eq!(count_reports(&app, &f.admin, &f.campaign).await, 5);

    // Concurrency from a cold start: 10 senders racing on fresh ids.
    let fresh: Vec<Value> = (6..=8)
        .map(|m| f.report(Uuid::now_v7(), &f.ward_a, m))
        .collect();
    let answers = futures_join((0..10).map(|_| submit(&app, &f.reporter, fresh.clone()))).await;
    let accepted = answers
        .iter()
        .flat_map(statuses)
        .filter(|s| s == "ACCEPTED")
        .count();
    assert!(
        answers
            .iter()
            .flat_map(statuses)
            .all(|s| s == "ACCEPTED" || s == "DUPLICATE")
    );
    assert_eq!(accepted, 3, "each new report is accepted exactly once");
    assert_eq!(count_reports(&app, &f.admin, &f.campaign).await, 8);
}

async fn futures_join<F: std::future::Future<Output = Value>>(
    futs: impl Iterator<Item = F>,
) -> Vec<Value> {
    futures_util::future::join_all(futs).await
}

async fn one_bad_report_does_not_sink_the_batch(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let mut batch: Vec<Value> = (1..=10)
        .map(|m| f.report(Uuid::now_v7(), &f.ward_a, m))
        .collect();
    batch[6]["values"][0]["value"] = json!("101");
    let p = submit(&app, &f.reporter, batch).await;
    let s = statuses(&p);
    assert_eq!(s.iter().filter(|s| *s == "ACCEPTED").count(), 9, "{p}");
    assert_eq!(s[6], "REJECTED");
    assert_eq!(p["results"][6]["userErrors"][0]["field"], "values.0.value");
    assert_eq!(
        p["results"][6]["userErrors"][0]["code"],
        "PERCENT_OUT_OF_RANGE"
    );
    assert_eq!(count_reports(&app, &f.admin, &f.campaign).await, 9);
}

async fn each_bad_value_kind_has_its_own_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let root = app.root_unit(&f.admin).await;
    let draft = app
        .create_campaign(
            &f.admin,
            "RPT-DRAFT",
            &root,
            json!([thidua_tests::concrete("x")]),
        )
        .await;
    let draft = draft.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app
        .create_campaign(
            &f.admin,
            "RPT-OTHER",
            &root,
            json!([thidua_tests::concrete("y")]),
        )
        .await;
    let other_criterion = other.data()["createCampaign"]["campaign"]["criteria"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ward_c = app.create_unit(&f.admin, "WARD-C", &root).await;

    let with = |edit: &dyn Fn(&mut Value)| {
        let mut r = f.report(Uuid::now_v7(), &f.ward_a, 3);
        edit(&mut r);
        r
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "percent 101",
            with(&|r| r["values"][0]["value"] = json!(101)),
            "PERCENT_OUT_OF_RANGE",
        ),
        (
            "count -1",
            with(&|r| r["values"][1]["value"] = json!(-1)),
            "INVALID_COUNT",
        ),
        (
            "count 2.5",
            with(&|r| r["values"][1]["value"] = json!(2.5)),
            "INVALID_COUNT",
        ),
        (
            "yes/no 7",
            with(&|r| r["values"][2]["value"] = json!(7)),
            "NOT_YES_NO",
        ),
        (
            "NaN",
            with(&|r| r["values"][3]["value"] = json!("NaN")),
            "NOT_A_NUMBER",
        ),
        (
            "other campaign's criterion",
            with(&|r| r["values"][3]["criterionId"] = json!(other_criterion)),
            "UNKNOWN_CRITERION",
        ),
        (
            "duplicate criterion",
            with(&|r| r["values"][3]["criterionId"] = r["values"][2]["criterionId"].clone()),
            "DUPLICATE_CRITERION",
        ),
        (
            "period outside",
            with(&|r| {
                r["period"] = json!({"kind": "MONTH", "start": "2026-01-01", "end": "2026-01-31"})
            }),
            "PERIOD_OUTSIDE_CAMPAIGN",
        ),
        (
            "bad month",
            with(&|r| {
                r["period"] = json!({"kind": "MONTH", "start": "2025-01-05", "end": "2025-01-31"})
            }),
            "INVALID_PERIOD",
        ),
        (
            "half-year from April",
            with(&|r| {
                r["period"] =
                    json!({"kind": "HALF_YEAR", "start": "2025-04-01", "end": "2025-09-30"})
            }),
            "INVALID_PERIOD",
        ),
        (
            "year ending 30 Dec",
            with(&|r| {
                r["period"] = json!({"kind": "YEAR", "start": "2025-01-01", "end": "2025-12-30"})
            }),
            "INVALID_PERIOD",
        ),
        (
            "draft campaign",
            with(&|r| r["campaignId"] = json!(draft)),
            "CAMPAIGN_NOT_LAUNCHED",
        ),
        (
            "not participating",
            with(&|r| r["unitId"] = json!(ward_c)),
            "NOT_PARTICIPATING",
        ),
        (
            "bad latitude",
            with(&|r| r["location"]["latitude"] = json!(91)),
            "INVALID_LOCATION",
        ),
        (
            "bad id",
            with(&|r| r["id"] = json!("not-a-uuid")),
            "INVALID_FORMAT",
        ),
    ];
    let names: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let batch: Vec<Value> = cases.iter().map(|c| c.1.clone()).collect();
    // The admin may report for any unit, so only the data is at fault.
    let p = submit(&app, &f.admin, batch).await;
    for (i, (name, _, code)) in cases.iter().enumerate() {
        let r = &p["results"][i];
        assert_eq!(r["status"], "REJECTED", "{name}: {r}");
        let codes: Vec<&str> = r["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert!(
            codes.contains(code),
            "{name}: expected {code}, got {codes:?}"
        );
    }
    assert_eq!(names.len(), 15);
    assert_eq!(
        count_reports(&app, &f.admin, &f.campaign).await,
        0,
        "nothing bad was stored"
    );
}

async fn reporters_submit_only_for_their_units_and_cannot_review(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let p = submit(
        &app,
        &f.reporter,
        vec![
            f.report(Uuid::now_v7(), &f.ward_b, 1),
            f.report(Uuid::now_v7(), &f.ward_a, 1),
        ],
    )
    .await;
    assert_eq!(statuses(&p), vec!["REJECTED", "ACCEPTED"]);
    assert_eq!(p["results"][0]["userErrors"][0]["code"], "FORBIDDEN");
    let id = p["results"][1]["report"]["id"].as_str().unwrap().to_owned();
    let a = app
        .gql(
            Some(&f.reporter),
            "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }",
            json!({"i": {"id": id}}),
        )
        .await;
    assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    // A viewer cannot submit at all.
    let viewer = app
        .user_with_role(&f.admin, "nguoi.xem", "VIEWER", &f.ward_a)
        .await;
    let p = submit(&app, &viewer, vec![f.report(Uuid::now_v7(), &f.ward_a, 2)]).await;
    assert_eq!(p["results"][0]["userErrors"][0]["code"], "FORBIDDEN");
    // Without a token: UNAUTHENTICATED.
    let anon = app
        .gql(
            None,
            SUBMIT,
            json!({"i": {"reports": [f.report(Uuid::now_v7(), &f.ward_a, 2)]}}),
        )
        .await;
    assert_eq!(anon.error_code(), Some("UNAUTHENTICATED"));
}

async fn review_cycle_keeps_revisions_and_locks_approved_reports(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let (id1, id2) = (Uuid::now_v7(), Uuid::now_v7());
    let p = submit(
        &app,
        &f.reporter,
        vec![f.report(id1, &f.ward_a, 1), f.report(id2, &f.ward_a, 2)],
    )
    .await;
    let gid1 = p["results"][0]["report"]["id"].as_str().unwrap().to_owned();
    let gid2 = p["results"][1]["report"]["id"].as_str().unwrap().to_owned();

    // An edit while awaiting review needs the current version.
    let mut edited = f.report(id2, &f.ward_a, 2);
    edited["values"][1]["value"] = json!(3);
    let stale = submit(&app, &f.reporter, vec![edited.clone()]).await;
    assert_eq!(stale["results"][0]["userErrors"][0]["code"], "CONFLICT");
    edited["version"] = json!(1);
    let ok = submit(&app, &f.reporter, vec![edited.clone()]).await;
    assert_eq!(ok["results"][0]["status"], "ACCEPTED", "{ok}");
    assert_eq!(ok["results"][0]["report"]["version"], 2);

    // Approve report 1: locked from then on.
    let approved = app
        .ok(Some(&f.manager), "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } userErrors { code } } }", json!({"i": {"id": gid1}}))
        .await;
    assert_eq!(approved["approveReport"]["report"]["status"], "APPROVED");
    let mut late = f.report(id1, &f.ward_a, 1);
    late["narrative"] = json!("sửa sau khi duyệt");
    late["version"] = json!(2);
    let locked = submit(&app, &f.reporter, vec![late]).await;
    assert_eq!(locked["results"][0]["userErrors"][0]["code"], "LOCKED");
    // The identical resend of an approved report is still a harmless duplicate.
    let again = submit(&app, &f.reporter, vec![f.report(id1, &f.ward_a, 1)]).await;
    assert_eq!(again["results"][0]["status"], "DUPLICATE");

    // Return report 2 with a reason; the reporter sees it and resubmits.
    let no_reason = app
        .ok(Some(&f.manager), "mutation($i: ReturnReportInput!) { returnReport(input: $i) { report { status } userErrors { code field } } }", json!({"i": {"id": gid2, "reason": "  "}}))
        .await;
    assert_eq!(
        no_reason["returnReport"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    app.ok(
        Some(&f.manager),
        "mutation($i: ReturnReportInput!) { returnReport(input: $i) { report { status } } }",
        json!({"i": {"id": gid2, "reason": "Thiếu số liệu tháng 2, đề nghị bổ sung"}}),
    )
    .await;
    let seen = app
        .ok(
            Some(&f.reporter),
            "query($id: ID!) { report(id: $id) { status returnReason version } }",
            json!({"id": gid2}),
        )
        .await;
    assert_eq!(seen["report"]["status"], "RETURNED");
    assert_eq!(
        seen["report"]["returnReason"],
        "Thiếu số liệu tháng 2, đề nghị bổ sung"
    );
    let version = seen["report"]["version"].as_i64().unwrap();
    let mut fixed = edited.clone();
    fixed["values"][1]["value"] = json!(4);
    fixed["version"] = json!(version);
    let resubmitted = submit(&app, &f.reporter, vec![fixed]).await;
    assert_eq!(
        resubmitted["results"][0]["report"]["revision"], 2,
        "{resubmitted}"
    );
    assert_eq!(resubmitted["results"][0]["report"]["status"], "SUBMITTED");
    let history = app
        .ok(Some(&f.manager), "query($id: ID!) { report(id: $id) { revisions { revision outcome returnReason content } values { value criterion { title } } } }", json!({"id": gid2}))
        .await;
    let revs = history["report"]["revisions"].as_array().unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(
        (revs[0]["revision"].as_i64(), revs[0]["outcome"].as_str()),
        (Some(1), Some("RETURNED"))
    );
    assert_eq!(
        revs[0]["returnReason"],
        "Thiếu số liệu tháng 2, đề nghị bổ sung"
    );
    assert!(
        revs[0]["content"]
            .as_str()
            .unwrap()
            .contains("\"value\":\"3\"")
    );
    assert_eq!(
        (revs[1]["revision"].as_i64(), revs[1]["outcome"].as_str()),
        (Some(2), Some("SUBMITTED"))
    );
    assert!(
        history["report"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["value"] == "4")
    );
    // Approved reports cannot be reviewed again.
    let twice = app
        .ok(Some(&f.manager), "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } userErrors { code } } }", json!({"i": {"id": gid1}}))
        .await;
    assert_eq!(twice["approveReport"]["userErrors"][0]["code"], "LOCKED");
}

async fn a_batch_of_new_reports_costs_a_fixed_number_of_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let mut costs = vec![];
    for (size, first_month) in [(5u32, 1u32), (12, 6)] {
        // Distinct periods per report: custom ranges of one day each.
        let batch: Vec<Value> = (0..size)
            .map(|d| {
                let mut r = f.report(Uuid::now_v7(), &f.ward_a, first_month);
                let day = format!("2025-{first_month:02}-{:02}", d + 1);
                r["period"] = json!({"kind": "CUSTOM", "start": day, "end": day});
                r
            })
            .collect();
        let before = app.db.statements_run();
        let p = submit(&app, &f.reporter, batch).await;
        costs.push(app.db.statements_run() - before);
        assert!(statuses(&p).iter().all(|s| s == "ACCEPTED"), "{p}");
    }
    assert_eq!(
        costs[0], costs[1],
        "statements grew with the batch: {costs:?}"
    );
}

/// A stored status outside the closed set (a hand edit, a botched migration) is refused when
/// the row is read: INTERNAL wherever the report is read or reviewed, never shown as another
/// status nor judged as one (it once read as APPROVED in persistence, SUBMITTED in the API).
async fn a_report_status_this_service_never_writes_is_an_internal_error(backend: Backend) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use thidua_persistence::entities::progress_report;

    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let (bad, good) = (Uuid::now_v7(), Uuid::now_v7());
    let p = submit(
        &app,
        &f.reporter,
        vec![f.report(bad, &f.ward_a, 1), f.report(good, &f.ward_a, 2)],
    )
    .await;
    let gid_bad = p["results"][0]["report"]["id"].as_str().unwrap().to_owned();
    let gid_good = p["results"][1]["report"]["id"].as_str().unwrap().to_owned();
    let res = progress_report::Entity::update_many()
        .col_expr(progress_report::Column::Status, Expr::val("ARCHIVED"))
        .filter(progress_report::Column::Id.eq(bad))
        .exec(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 1);

    let read = app
        .gql(
            Some(&f.manager),
            "query($id: ID!) { report(id: $id) { status } }",
            json!({"id": gid_bad}),
        )
        .await;
    assert_eq!(read.error_code(), Some("INTERNAL"), "{}", read.body);
    assert!(read.data()["report"].is_null(), "{}", read.body);

    let approve = app
        .gql(
            Some(&f.manager),
            "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } userErrors { code } } }",
            json!({"i": {"id": gid_bad}}),
        )
        .await;
    assert_eq!(approve.error_code(), Some("INTERNAL"), "{}", approve.body);

    // The server keeps serving, and the other report reads as it was stored.
    let other = app
        .ok(
            Some(&f.manager),
            "query($id: ID!) { report(id: $id) { status } }",
            json!({"id": gid_good}),
        )
        .await;
    assert_eq!(other["report"]["status"], "SUBMITTED");
}

/// A reporter on the whole province (so on both wards), and one new March-to-June report
/// per (ward, month) given, for calling the two halves of `submit_batch` directly.
async fn direct_batch(
    app: &TestApp,
    f: &Field,
    items: &[(&str, u32)],
) -> (
    thidua_domain::access::Actor,
    Vec<thidua_persistence::reports::NewReport>,
) {
    use chrono::NaiveDate;
    use thidua_domain::access::{Actor, Grant, Role};
    use thidua_domain::report::{Period, PeriodKind, RawValue};
    use thidua_persistence::{org_units, reports};

    let uuid = |id: &str| thidua_api::ids::decode_any(id).unwrap().1;
    let root = org_units::by_code(&app.db.conn, "QN")
        .await
        .unwrap()
        .unwrap();
    let actor = Actor {
        user_id: None,
        label: "test".into(),
        grants: vec![Grant {
            role: Role::Reporter,
            unit_path: root.path.clone(),
        }],
        request_id: "test".into(),
        client: None,
    };
    let values: Vec<RawValue> = f
        .criteria
        .iter()
        .zip(["92.5", "2", "1", "1.8"])
        .map(|(c, v)| RawValue {
            criterion_id: Some(uuid(c)),
            value: v.into(),
        })
        .collect();
    let items = items
        .iter()
        .map(|&(unit, month)| reports::NewReport {
            id: ReportId::from_uuid(Uuid::now_v7()),
            campaign_id: CampaignId::from_uuid(uuid(&f.campaign)),
            unit_id: UnitId::from_uuid(uuid(unit)),
            period: Period::parse(
                PeriodKind::Month,
                NaiveDate::from_ymd_opt(2025, month, 1).unwrap(),
                NaiveDate::from_ymd_opt(2025, month, 30).unwrap(),
            )
            .unwrap(),
            narrative: None,
            location: None,
            values: values.clone(),
            version: None,
        })
        .collect();
    (actor, items)
}

/// The bulk path judges a batch from a read taken before its write transaction; the write
/// reads the campaign again, under lock, so a close that lands in between is seen. The
/// two halves of `submit_batch` are called directly to put the close exactly there.
async fn a_campaign_closed_between_judging_and_writing_a_batch_takes_none_of_it(backend: Backend) {
    use thidua_domain::UserErrorCode;
    use thidua_persistence::{StoreError, reports};

    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let (actor, items) = direct_batch(&app, &f, &[(&f.ward_a, 4), (&f.ward_a, 6)]).await;

    let judged = reports::judge_batch(&app.db, &actor, &items).await;
    let closed = app
        .ok(
            Some(&f.admin),
            "mutation($i: CampaignTransitionInput!) { closeCampaign(input: $i) { campaign { status } } }",
            json!({"i": {"id": f.campaign}}),
        )
        .await;
    assert_eq!(closed["closeCampaign"]["campaign"]["status"], "CLOSED");
    let results = reports::write_batch(&app.db, &actor, judged).await;

    assert_eq!(results.len(), 2);
    for r in results {
        match r {
            Err(StoreError::Invalid(e)) => {
                assert_eq!(e.code, UserErrorCode::CampaignNotLaunched, "{e}");
                assert_eq!(e.message, thidua_domain::msg!("reports-only-launched"));
            }
            other => panic!("a report reached a closed campaign: {other:?}"),
        }
    }
    assert_eq!(
        count_reports(&app, &f.admin, &f.campaign).await,
        0,
        "nothing was written to the closed campaign"
    );
}

/// Likewise for registrations: the write reads them again, under lock, so a unit that
/// withdraws between judging and writing gets none of its reports in, while the other
/// unit's reports in the same batch are still written.
async fn a_unit_withdrawn_between_judging_and_writing_a_batch_takes_none_of_it(backend: Backend) {
    use thidua_domain::UserErrorCode;
    use thidua_persistence::StoreError;
    use thidua_persistence::reports::{self, Outcome};

    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let (actor, items) = direct_batch(
        &app,
        &f,
        &[
            (&f.ward_a, 4),
            (&f.ward_b, 4),
            (&f.ward_a, 6),
            (&f.ward_b, 6),
        ],
    )
    .await;

    let judged = reports::judge_batch(&app.db, &actor, &items).await;
    let withdrawn = app
        .ok(
            Some(&f.admin),
            "mutation($i: ParticipationInput!) { withdrawParticipation(input: $i) { participation { status } } }",
            json!({"i": {"campaignId": f.campaign, "unitId": f.ward_a}}),
        )
        .await;
    assert_eq!(
        withdrawn["withdrawParticipation"]["participation"]["status"],
        "WITHDRAWN"
    );
    let results = reports::write_batch(&app.db, &actor, judged).await;

    assert_eq!(results.len(), 4);
    for (i, r) in results.into_iter().enumerate() {
        match (i % 2, r) {
            (0, Err(StoreError::Invalid(e))) => {
                assert_eq!(e.code, UserErrorCode::NotParticipating, "{e}");
                assert_eq!(e.field, "unitId");
            }
            (1, Ok((Outcome::Accepted, m))) => assert_eq!(m.id, items[i].id.uuid()),
            (_, other) => panic!("item {i} ended wrongly: {other:?}"),
        }
    }
    assert_eq!(
        count_reports(&app, &f.admin, &f.campaign).await,
        2,
        "only the registered ward's reports were written"
    );
}

/// Báo cáo 6 tháng and báo cáo năm: HALF_YEAR runs 1 Jan–30 Jun or 1 Jul–31 Dec, YEAR 1 Jan–31
/// Dec; anything else is INVALID_PERIOD, and the accepted ones read back with their kind.
async fn half_year_and_year_reports_are_calendar_periods(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let with_period = |kind: &str, start: &str, end: &str| {
        let mut r = f.report(Uuid::now_v7(), &f.ward_a, 1);
        r["period"] = json!({"kind": kind, "start": start, "end": end});
        r
    };
    let cases = [
        ("HALF_YEAR", "2025-01-01", "2025-06-30", true),
        ("HALF_YEAR", "2025-07-01", "2025-12-31", true),
        ("YEAR", "2025-01-01", "2025-12-31", true),
        ("HALF_YEAR", "2025-01-01", "2025-07-31", false),
        ("HALF_YEAR", "2025-03-01", "2025-08-31", false),
        ("HALF_YEAR", "2025-07-01", "2025-12-30", false),
        ("YEAR", "2025-02-01", "2025-12-31", false),
        ("YEAR", "2025-01-01", "2025-06-30", false),
    ];
    let batch: Vec<Value> = cases
        .iter()
        .map(|(k, s, e, _)| with_period(k, s, e))
        .collect();
    let p = submit(&app, &f.admin, batch).await;
    for (i, (kind, start, end, ok)) in cases.iter().enumerate() {
        let r = &p["results"][i];
        if *ok {
            assert_eq!(r["status"], "ACCEPTED", "{kind} {start}–{end}: {r}");
        } else {
            assert_eq!(r["status"], "REJECTED", "{kind} {start}–{end}: {r}");
            assert_eq!(r["userErrors"][0]["code"], "INVALID_PERIOD", "{r}");
            assert_eq!(r["userErrors"][0]["field"], "period", "{r}");
        }
    }
    let id = p["results"][2]["report"]["id"].as_str().unwrap();
    let read = app
        .ok(
            Some(&f.admin),
            "query($id: ID!) { report(id: $id) { period { kind start end } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        read["report"]["period"],
        json!({"kind": "YEAR", "start": "2025-01-01", "end": "2025-12-31"})
    );
}
