//! Clusters, fields and comparisons on the dashboards (issue 12, points 3 and 7), against a
//! hand-counted fixture: the `clusterId` filter of the four dashboard queries, a unit beside
//! its clusters, progress by field, two years side by side in one request; the grants, the
//! bad inputs and the statement counts.

use base64::Engine;
use serde_json::{Value, json};
use thidua_tests::commendations::{award, nominate};
use thidua_tests::{Backend, CREATE_CAMPAIGN, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::leaderboard::approve;
use crate::reports::submit;

both!(
    the_cluster_filter_narrows_every_dashboard_query,
    a_unit_is_compared_with_its_clusters,
    a_ward_manager_gets_only_its_part_of_a_cluster,
    progress_by_field_covers_the_fields_campaigns,
    two_years_side_by_side_in_one_request,
    bad_comparison_inputs_have_stable_codes,
    a_field_with_too_many_campaigns_is_out_of_range
);

const PROGRESS: &str = "query($c: ID, $fi: ID, $f: NaiveDate, $t: NaiveDate, $u: ID, $g: ProgressGroupBy, $k: ID) { \
    criterionProgress(campaignId: $c, fieldId: $fi, from: $f, to: $t, unitId: $u, groupBy: $g, clusterId: $k) { \
    unit { code } criteria { criterion { title } campaign { code } value reports \
    groups { unit { code } value reports } } } }";

const PROGRESS_CLUSTERS: &str = "query($c: ID!, $f: NaiveDate, $t: NaiveDate, $u: ID) { \
    criterionProgress(campaignId: $c, from: $f, to: $t, unitId: $u, groupBy: NONE) { \
    unit { code } criteria { value clusters { cluster { code name kind } value average units } } } }";

const COMPLIANCE: &str = "query($c: ID!, $p: String, $u: ID, $k: ID) { \
    reportingCompliance(campaignId: $c, period: $p, unitId: $u, clusterId: $k) { \
    unit { code } expected submitted missing submittedShare \
    rows { unit { code } expected submitted } \
    missingUnits(first: 10) { totalCount edges { node { unit { code } } } } } }";

/// Lean forms for counting statements: no relation loaded after the figures, so no
/// DataLoader batch whose size depends on timing.
const PROGRESS_LEAN: &str = "query($c: ID, $f: NaiveDate, $t: NaiveDate, $k: ID) { \
    criterionProgress(campaignId: $c, from: $f, to: $t, clusterId: $k) { criteria { value } } }";

const COMPLIANCE_LEAN: &str = "query($c: ID!, $p: String, $k: ID) { \
    reportingCompliance(campaignId: $c, period: $p, clusterId: $k) { expected submitted } }";

const COMPLIANCE_CLUSTERS: &str = "query($c: ID!, $p: String, $u: ID) { \
    reportingCompliance(campaignId: $c, period: $p, unitId: $u, groupBy: NONE) { \
    expected submitted submittedShare onTimeShare \
    clusters { cluster { code } units submittedShare onTimeShare } } }";

const C_STATS: &str = "query($f: CommendationStatsFilter!) { \
    commendationStats(filter: $f, groupBy: [YEAR]) { total groups { year count } } }";

const E_STATS: &str = "query($f: ExemplarStatsFilter) { \
    exemplarStats(filter: $f, groupBy: [HOME_UNIT]) { total groups { homeUnit { code } count } \
    unitsWithoutModels(first: 50) { totalCount units { code } } } }";

/// Root → wards W1…W4, each with one registered unit below it (A under W1, B under W2, C
/// under W3, D under W4). Cluster K1 (cụm) = W1, W2, W3; bloc K2 (khối) = W1, W4.
///
/// Campaign `{p}` (2024–2025, field 0), one COUNT criterion (SUM over periods); approved:
///
/// | unit | 2024-03 | 2025-03 |
/// |------|---------|---------|
/// | A    | 1       | 3       |
/// | B    | 2       | 5       |
/// | C    | 4       | 7       |
/// | D    | 8       | 9       |
///
/// Submitted, not approved (compliance only): April 2024 from A, B, C; April 2025 from A, B.
///
/// Commendations (collective, to the unit): A 2024, B 2025, C 2025, D 2025.
/// Exemplary models: home A, home D.
struct Fixture {
    admin: String,
    campaign: String,
    field: String,
    wards: [String; 4],
    units: [String; 4],
    k1: String,
    k2: String,
}

fn month(campaign: &str, unit: &str, criterion: &str, year: i32, m: u32, value: &str) -> Value {
    let end = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    let end = if m == 2 && year % 4 != 0 { 28 } else { end };
    json!({
        "id": Uuid::now_v7().to_string(), "campaignId": campaign, "unitId": unit,
        "period": {"kind": "MONTH", "start": format!("{year}-{m:02}-01"), "end": format!("{year}-{m:02}-{end}")},
        "values": [{"criterionId": criterion, "value": value}]
    })
}

async fn fields(app: &TestApp) -> Vec<String> {
    let d = app.ok(None, "{ fields { id } }", json!({})).await;
    d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Creates and launches a campaign with one COUNT criterion; its id and the criterion's.
async fn campaign(
    app: &TestApp,
    admin: &str,
    code: &str,
    root: &str,
    dates: (&str, &str),
    field: &str,
    launch: bool,
) -> (String, String) {
    let programme = app.programme_id().await;
    let d = app
        .ok(
            Some(admin),
            CREATE_CAMPAIGN,
            json!({"i": {
                "code": code, "title": format!("Phong trào {code}"), "kind": "THEMATIC",
                "programmeId": programme, "launchingUnitId": root,
                "startDate": dates.0, "endDate": dates.1, "fieldIds": [field],
                "criteria": [{"title": "Số hộ thoát nghèo", "measure": "COUNT", "unitLabel": "hộ",
                              "targetValue": "30", "weight": "1"}],
            }}),
        )
        .await;
    let c = &d["createCampaign"]["campaign"];
    let id = c["id"].as_str().unwrap_or_else(|| panic!("{d}")).to_owned();
    let criterion = c["criteria"][0]["id"].as_str().unwrap().to_owned();
    if launch {
        app.launch(admin, &id).await;
    }
    (id, criterion)
}

async fn register(app: &TestApp, admin: &str, campaign: &str, unit: &str) {
    app.ok(Some(admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": unit}}))
        .await;
}

pub(crate) async fn cluster(
    app: &TestApp,
    admin: &str,
    code: &str,
    kind: &str,
    members: &[&String],
) -> String {
    let d = app
        .ok(
            Some(admin),
            "mutation($i: CreateClusterInput!) { createCluster(input: $i) { cluster { id } userErrors { code } } }",
            json!({"i": {"code": code, "name": format!("Cụm thi đua {code}"), "kind": kind}}),
        )
        .await;
    let id = d["createCluster"]["cluster"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned();
    app.ok(
        Some(admin),
        "mutation($i: SetClusterMembersInput!) { setClusterMembers(input: $i) { cluster { id } userErrors { code } } }",
        json!({"i": {"id": id, "unitIds": members}}),
    )
    .await;
    id
}

async fn fixture(app: &TestApp, p: &str) -> Fixture {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let mut wards = vec![];
    let mut units = vec![];
    for (w, u) in ["W1", "W2", "W3", "W4"].iter().zip(["A", "B", "C", "D"]) {
        let ward = app.create_unit(&admin, &format!("{p}-{w}"), &root).await;
        units.push(
            app.create_unit(&admin, &format!("{p}-{w}-{u}"), &ward)
                .await,
        );
        wards.push(ward);
    }
    let k1 = cluster(
        app,
        &admin,
        &format!("{p}-K1"),
        "CLUSTER",
        &[&wards[0], &wards[1], &wards[2]],
    )
    .await;
    let k2 = cluster(
        app,
        &admin,
        &format!("{p}-K2"),
        "BLOC",
        &[&wards[0], &wards[3]],
    )
    .await;
    let field = fields(app).await[0].clone();
    let (campaign, criterion) = campaign(
        app,
        &admin,
        p,
        &root,
        ("2024-01-01", "2025-12-31"),
        &field,
        true,
    )
    .await;
    for u in &units {
        register(app, &admin, &campaign, u).await;
    }
    let mut approved = vec![];
    for (year, values) in [(2024, ["1", "2", "4", "8"]), (2025, ["3", "5", "7", "9"])] {
        for (u, v) in units.iter().zip(values) {
            approved.push(month(&campaign, u, &criterion, year, 3, v));
        }
    }
    let mut pending = vec![];
    for u in &units[..3] {
        pending.push(month(&campaign, u, &criterion, 2024, 4, "1"));
    }
    for u in &units[..2] {
        pending.push(month(&campaign, u, &criterion, 2025, 4, "1"));
    }
    let p1 = submit(app, &admin, approved).await;
    for r in p1["results"].as_array().unwrap() {
        let id = r["report"]["id"].as_str().unwrap_or_else(|| panic!("{p1}"));
        approve(app, &admin, id).await;
    }
    let p2 = submit(app, &admin, pending).await;
    assert_eq!(p2["results"].as_array().unwrap().len(), 5, "{p2}");
    // Commendations and models.
    let bk = award(app, &admin, "BANG-KHEN-UBND-TINH").await;
    for (u, year) in units.iter().zip([2024, 2025, 2025, 2025]) {
        let n = nominate(
            app,
            &admin,
            json!({"awardTypeId": bk, "kind": "CONG_TRANG", "recipient": {"unitId": u},
                   "nominatingUnitId": u, "awardYear": year}),
        )
        .await;
        assert!(n["commendation"]["id"].is_string(), "{n}");
    }
    for (name, u) in [("Mô hình A", &units[0]), ("Mô hình D", &units[3])] {
        app.ok(
            Some(&admin),
            "mutation($i: CreateExemplarInput!) { createExemplar(input: $i) { exemplar { id } userErrors { code } } }",
            json!({"i": {"name": name, "kind": "COLLECTIVE", "homeUnitId": u, "identifiedOn": "2024-01-10"}}),
        )
        .await;
    }
    Fixture {
        admin,
        campaign,
        field,
        wards: wards.try_into().unwrap(),
        units: units.try_into().unwrap(),
        k1,
        k2,
    }
}

/// `(code, value)` of each group of the first criterion, and its total value.
fn progress(d: &Value) -> (Value, Vec<(String, Value)>) {
    let c = &d["criterionProgress"]["criteria"][0];
    let groups = c["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["unit"]["code"].as_str().unwrap().to_owned(),
                g["value"].clone(),
            )
        })
        .collect();
    (c["value"].clone(), groups)
}

fn codes(v: &Value, path: &[&str]) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let mut y = x;
            for p in path {
                y = &y[*p];
            }
            y.as_str().unwrap().to_owned()
        })
        .collect()
}

async fn counted(app: &TestApp, token: &str, q: &str, vars: Value) -> (u64, Value) {
    let before = app.db.statements_run();
    let d = app.ok(Some(token), q, vars).await;
    (app.db.statements_run() - before, d)
}

async fn the_cluster_filter_narrows_every_dashboard_query(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "CF").await;
    let year =
        |k: Option<&str>| json!({"c": f.campaign, "f": "2025-01-01", "t": "2025-12-31", "k": k});

    // Progress 2025: everyone 3+5+7+9 = 24; cluster K1 (A, B, C) 3+5+7 = 15.
    let d = app.ok(Some(&f.admin), PROGRESS, year(None)).await;
    assert_eq!(d["criterionProgress"]["unit"]["code"], "QN");
    assert_eq!(progress(&d).0, json!("24"), "{d}");
    let d = app.ok(Some(&f.admin), PROGRESS, year(Some(&f.k1))).await;
    assert_eq!(
        progress(&d),
        (
            json!("15"),
            vec![
                ("CF-W1".into(), json!("3")),
                ("CF-W2".into(), json!("5")),
                ("CF-W3".into(), json!("7"))
            ]
        )
    );
    // Bloc K2 (A, D): 3+9.
    let d = app.ok(Some(&f.admin), PROGRESS, year(Some(&f.k2))).await;
    assert_eq!(
        progress(&d),
        (
            json!("12"),
            vec![("CF-W1".into(), json!("3")), ("CF-W4".into(), json!("9"))]
        )
    );
    // Inside one ward of the cluster: that ward's part only.
    let d = app
        .ok(
            Some(&f.admin),
            PROGRESS,
            json!({"c": f.campaign, "f": "2025-01-01", "t": "2025-12-31", "u": f.wards[3], "k": f.k1}),
        )
        .await;
    assert_eq!(progress(&d), (Value::Null, vec![]));
    // The cluster costs one statement more (loading it), whatever it holds: grants +
    // campaign + launching unit + criteria + figures (+ cluster).
    let (all_n, _) = counted(&app, &f.admin, PROGRESS_LEAN, year(None)).await;
    let (k1_n, _) = counted(&app, &f.admin, PROGRESS_LEAN, year(Some(&f.k1))).await;
    let (k2_n, _) = counted(&app, &f.admin, PROGRESS_LEAN, year(Some(&f.k2))).await;
    assert_eq!((all_n, k1_n, k2_n), (5, 6, 6));

    // Compliance for April 2025: A and B reported; of K1 (A, B, C) C is missing.
    let q = |k: Option<&str>| json!({"c": f.campaign, "p": "2025-04", "k": k});
    let d = app.ok(Some(&f.admin), COMPLIANCE, q(None)).await;
    let r = &d["reportingCompliance"];
    assert_eq!(
        (&r["expected"], &r["submitted"], &r["submittedShare"]),
        (&json!(4), &json!(2), &json!("0.5"))
    );
    let d = app.ok(Some(&f.admin), COMPLIANCE, q(Some(&f.k1))).await;
    let r = &d["reportingCompliance"];
    assert_eq!(
        (
            &r["expected"],
            &r["submitted"],
            &r["missing"],
            &r["submittedShare"]
        ),
        (&json!(3), &json!(2), &json!(1), &json!("0.6667")),
        "{d}"
    );
    assert_eq!(
        codes(&r["rows"], &["unit", "code"]),
        ["CF-W1", "CF-W2", "CF-W3"]
    );
    assert_eq!(
        codes(&r["missingUnits"]["edges"], &["node", "unit", "code"]),
        ["CF-W3-C"]
    );
    // grants + campaign + milestones + launching unit + counts (+ cluster).
    let (all_n, _) = counted(&app, &f.admin, COMPLIANCE_LEAN, q(None)).await;
    let (k1_n, _) = counted(&app, &f.admin, COMPLIANCE_LEAN, q(Some(&f.k1))).await;
    assert_eq!((all_n, k1_n), (5, 6));

    // Commendations 2024–2025: all 4 (2024: A; 2025: B, C, D); K1: A, B, C.
    let years = |k: Option<&str>| json!({"f": {"fromYear": 2024, "toYear": 2025, "clusterId": k}});
    let (all_n, d) = counted(&app, &f.admin, C_STATS, years(None)).await;
    assert_eq!(d["commendationStats"]["total"], 4);
    let (k1_n, d) = counted(&app, &f.admin, C_STATS, years(Some(&f.k1))).await;
    assert_eq!(
        d["commendationStats"],
        json!({"total": 3, "groups": [{"year": 2025, "count": 2}, {"year": 2024, "count": 1}]})
    );
    assert_eq!(k1_n, all_n + 1);
    let d = app.ok(Some(&f.admin), C_STATS, years(Some(&f.k2))).await;
    assert_eq!(d["commendationStats"]["total"], 2);

    // Models: home A and D. K1 holds A's; its units without a model are W1…W3, B and C.
    let d = app
        .ok(Some(&f.admin), E_STATS, json!({"f": {"clusterId": f.k1}}))
        .await;
    let s = &d["exemplarStats"];
    assert_eq!(s["total"], 1);
    assert_eq!(codes(&s["groups"], &["homeUnit", "code"]), ["CF-W1-A"]);
    assert_eq!(
        codes(&s["unitsWithoutModels"]["units"], &["code"]),
        ["CF-W1", "CF-W2", "CF-W3", "CF-W2-B", "CF-W3-C"]
    );
    let d = app
        .ok(Some(&f.admin), E_STATS, json!({"f": {"clusterId": f.k2}}))
        .await;
    assert_eq!(d["exemplarStats"]["total"], 2);
}

async fn a_unit_is_compared_with_its_clusters(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "CC").await;
    let vars = json!({"c": f.campaign, "f": "2025-01-01", "t": "2025-12-31", "u": f.wards[0]});
    let (with_n, d) = counted(&app, &f.admin, PROGRESS_CLUSTERS, vars.clone()).await;
    let c = &d["criterionProgress"]["criteria"][0];
    // W1 (A) reported 3; K1 sums A, B, C (15), their average unit 5; K2 has 2 reporting
    // units (A, D): hidden.
    assert_eq!(c["value"], "3");
    assert_eq!(
        c["clusters"],
        json!([
            {"cluster": {"code": "CC-K1", "name": "Cụm thi đua CC-K1", "kind": "CLUSTER"},
             "value": "15", "average": "5", "units": 3},
            {"cluster": {"code": "CC-K2", "name": "Cụm thi đua CC-K2", "kind": "BLOC"},
             "value": null, "average": null, "units": 2},
        ]),
        "{d}"
    );
    // Without `clusters` selected the two statements are not run.
    let (without_n, _) = counted(
        &app,
        &f.admin,
        "query($c: ID!, $f: NaiveDate, $t: NaiveDate, $u: ID) { \
         criterionProgress(campaignId: $c, from: $f, to: $t, unitId: $u, groupBy: NONE) { \
         unit { code } criteria { value } } }",
        vars,
    )
    .await;
    // The clusters (1) + their figures (1) + the cluster rows are already loaded.
    assert_eq!(
        with_n,
        without_n + 2,
        "{without_n} without, {with_n} with clusters"
    );

    // A unit in no cluster (the province): none.
    let d = app
        .ok(Some(&f.admin), PROGRESS_CLUSTERS, json!({"c": f.campaign}))
        .await;
    assert_eq!(d["criterionProgress"]["criteria"][0]["clusters"], json!([]));

    // Compliance for April 2025, W1 (A reported): K1 2 of 3, K2 (A, D) too small to show.
    let d = app
        .ok(
            Some(&f.admin),
            COMPLIANCE_CLUSTERS,
            json!({"c": f.campaign, "p": "2025-04", "u": f.wards[0]}),
        )
        .await;
    assert_eq!(
        d["reportingCompliance"],
        json!({"expected": 1, "submitted": 1, "submittedShare": "1", "onTimeShare": "1",
               "clusters": [
                   {"cluster": {"code": "CC-K1"}, "units": 3, "submittedShare": "0.6667", "onTimeShare": "0.6667"},
                   {"cluster": {"code": "CC-K2"}, "units": 2, "submittedShare": null, "onTimeShare": null}]}),
        "{d}"
    );
}

/// A ward manager asking with a cluster that is mostly outside its grants gets its own part
/// of the cluster (the filter narrows, never widens); the cluster comparison shows the
/// whole cluster's aggregate only.
async fn a_ward_manager_gets_only_its_part_of_a_cluster(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "CW").await;
    let manager = app
        .user_with_role(&f.admin, "quanly.cum", "MANAGER", &f.wards[0])
        .await;
    let d = app
        .ok(
            Some(&manager),
            PROGRESS,
            json!({"c": f.campaign, "f": "2025-01-01", "t": "2025-12-31", "k": f.k1}),
        )
        .await;
    assert_eq!(d["criterionProgress"]["unit"]["code"], "CW-W1");
    assert_eq!(
        progress(&d),
        (json!("3"), vec![("CW-W1-A".into(), json!("3"))])
    );
    let d = app
        .ok(
            Some(&manager),
            COMPLIANCE,
            json!({"c": f.campaign, "p": "2025-04", "k": f.k1}),
        )
        .await;
    assert_eq!(
        (
            &d["reportingCompliance"]["expected"],
            &d["reportingCompliance"]["submitted"]
        ),
        (&json!(1), &json!(1))
    );
    let d = app
        .ok(
            Some(&manager),
            C_STATS,
            json!({"f": {"fromYear": 2024, "toYear": 2025, "clusterId": f.k1}}),
        )
        .await;
    assert_eq!(d["commendationStats"]["total"], 1);
    let d = app
        .ok(Some(&manager), E_STATS, json!({"f": {"clusterId": f.k2}}))
        .await;
    assert_eq!(d["exemplarStats"]["total"], 1);
    // Its clusters' aggregates, never a peer's own figure.
    let d = app
        .ok(
            Some(&manager),
            PROGRESS_CLUSTERS,
            json!({"c": f.campaign, "f": "2025-01-01", "t": "2025-12-31"}),
        )
        .await;
    let c = &d["criterionProgress"]["criteria"][0];
    assert_eq!(c["clusters"][0]["value"], "15");
    assert_eq!(c["clusters"][1]["value"], Value::Null);
    // Another ward of the cluster, by unit: FORBIDDEN as before.
    for (q, vars) in [
        (
            PROGRESS,
            json!({"c": f.campaign, "u": f.wards[1], "k": f.k1}),
        ),
        (
            COMPLIANCE,
            json!({"c": f.campaign, "p": "2025-04", "u": f.wards[1], "k": f.k1}),
        ),
        (PROGRESS_CLUSTERS, json!({"c": f.campaign, "u": f.wards[1]})),
    ] {
        let a = app.gql(Some(&manager), q, vars).await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    }
}

async fn progress_by_field_covers_the_fields_campaigns(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "CB").await;
    let root = app.root_unit(&f.admin).await;
    // A second campaign of the field in 2025 (A reports 10 in May), a draft one of the
    // field, and a campaign of another field: neither of the last two counts.
    let (second, crit) = campaign(
        &app,
        &f.admin,
        "CB2",
        &root,
        ("2025-05-01", "2025-06-30"),
        &f.field,
        true,
    )
    .await;
    register(&app, &f.admin, &second, &f.units[0]).await;
    let p = submit(
        &app,
        &f.admin,
        vec![month(&second, &f.units[0], &crit, 2025, 5, "10")],
    )
    .await;
    approve(
        &app,
        &f.admin,
        p["results"][0]["report"]["id"].as_str().unwrap(),
    )
    .await;
    campaign(
        &app,
        &f.admin,
        "CB3",
        &root,
        ("2025-01-01", "2025-12-31"),
        &f.field,
        false,
    )
    .await;
    let other = fields(&app).await[1].clone();
    campaign(
        &app,
        &f.admin,
        "CB4",
        &root,
        ("2025-01-01", "2025-12-31"),
        &other,
        true,
    )
    .await;

    let run = |from: &str, to: &str| json!({"fi": f.field, "f": from, "t": to, "g": "NONE"});
    let (n, d) = counted(&app, &f.admin, PROGRESS, run("2025-01-01", "2025-12-31")).await;
    let p = &d["criterionProgress"];
    assert_eq!(p["unit"]["code"], "QN", "{d}");
    let shown: Vec<(Value, Value, Value)> = p["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["campaign"]["code"].clone(),
                c["value"].clone(),
                c["reports"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (json!("CB"), json!("24"), json!(4)),
            (json!("CB2"), json!("10"), json!(1))
        ]
    );
    // grants + field + campaigns + criteria + default unit + figures, then the unit and
    // the campaigns of the criteria (one batch each).
    assert!(n <= 8, "{n} statements");
    let (lean, _) = counted(
        &app,
        &f.admin,
        "query($fi: ID, $f: NaiveDate, $t: NaiveDate) { criterionProgress(fieldId: $fi, from: $f, to: $t) { criteria { value } } }",
        json!({"fi": f.field, "f": "2025-01-01", "t": "2025-12-31"}),
    )
    .await;
    assert_eq!(lean, 6);
    // 2024: only the first campaign overlaps, with last year's figures.
    let d = app
        .ok(Some(&f.admin), PROGRESS, run("2024-01-01", "2024-12-31"))
        .await;
    let c = &d["criterionProgress"]["criteria"];
    assert_eq!(c.as_array().unwrap().len(), 1);
    assert_eq!(
        (&c[0]["campaign"]["code"], &c[0]["value"]),
        (&json!("CB"), &json!("15"))
    );
    // A year without campaigns of the field: nothing, and no error.
    let d = app
        .ok(Some(&f.admin), PROGRESS, run("2030-01-01", "2030-12-31"))
        .await;
    assert_eq!(d["criterionProgress"]["criteria"], json!([]));
    // By field and cluster: K1 in the second campaign holds A.
    let d = app
        .ok(
            Some(&f.admin),
            PROGRESS,
            json!({"fi": f.field, "f": "2025-05-01", "t": "2025-05-31", "g": "NONE", "k": f.k2}),
        )
        .await;
    let c = &d["criterionProgress"]["criteria"];
    assert_eq!(
        (&c[0]["value"], &c[1]["value"]),
        (&Value::Null, &json!("10"))
    );
}

async fn two_years_side_by_side_in_one_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "CY").await;
    let both = "query($c: ID!) { \
        thisYear: criterionProgress(campaignId: $c, from: \"2025-01-01\", to: \"2025-12-31\", groupBy: CHILD_UNIT) { criteria { value groups { unit { code } value } } } \
        lastYear: criterionProgress(campaignId: $c, from: \"2024-01-01\", to: \"2024-12-31\", groupBy: CHILD_UNIT) { criteria { value groups { unit { code } value } } } }";
    let vars = json!({"c": f.campaign});
    let d = app.ok(Some(&f.admin), both, vars.clone()).await;
    let pair = |d: &Value, alias: &str| {
        let c = &d[alias]["criteria"][0];
        let groups: Vec<(String, Value)> = c["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["unit"]["code"].as_str().unwrap().to_owned(),
                    g["value"].clone(),
                )
            })
            .collect();
        (c["value"].clone(), groups)
    };
    let g = |v: [&str; 4]| -> Vec<(String, Value)> {
        ["CY-W1", "CY-W2", "CY-W3", "CY-W4"]
            .iter()
            .zip(v)
            .map(|(c, v)| ((*c).to_owned(), json!(v)))
            .collect()
    };
    assert_eq!(pair(&d, "thisYear"), (json!("24"), g(["3", "5", "7", "9"])));
    assert_eq!(pair(&d, "lastYear"), (json!("15"), g(["1", "2", "4", "8"])));
    // Each figure its own statement; the caller's grants are read once, and the lookups
    // the two share (campaign, criteria, unit) may be batched by the DataLoader: at most
    // twice one year's, less the grants.
    let lean = |aliases: &[(&str, &str)]| {
        let fields: Vec<String> = aliases
            .iter()
            .map(|(alias, year)| {
                format!(
                    "{alias}: criterionProgress(campaignId: $c, from: \"{year}-01-01\", to: \"{year}-12-31\") {{ criteria {{ value }} }}"
                )
            })
            .collect();
        format!("query($c: ID!) {{ {} }}", fields.join(" "))
    };
    let (one, _) = counted(&app, &f.admin, &lean(&[("thisYear", "2025")]), vars.clone()).await;
    let (two, _) = counted(
        &app,
        &f.admin,
        &lean(&[("thisYear", "2025"), ("lastYear", "2024")]),
        vars.clone(),
    )
    .await;
    // grants + campaign + launching unit + criteria + figures.
    assert_eq!(one, 5);
    assert!(
        two > one && two < 2 * one,
        "{one} for one year, {two} for two"
    );

    // Commendations: 2025 vs 2024, and compliance: April 2025 vs April 2024.
    let q = "query($c: ID!) { \
        thisYear: commendationStats(filter: {fromYear: 2025, toYear: 2025}, groupBy: []) { total } \
        lastYear: commendationStats(filter: {fromYear: 2024, toYear: 2024}, groupBy: []) { total } \
        aprilThisYear: reportingCompliance(campaignId: $c, period: \"2025-04\", groupBy: NONE) { expected submitted submittedShare } \
        aprilLastYear: reportingCompliance(campaignId: $c, period: \"2024-04\", groupBy: NONE) { expected submitted submittedShare } }";
    let (n, d) = counted(&app, &f.admin, q, json!({"c": f.campaign})).await;
    assert_eq!(
        d,
        json!({
            "thisYear": {"total": 3}, "lastYear": {"total": 1},
            "aprilThisYear": {"expected": 4, "submitted": 2, "submittedShare": "0.5"},
            "aprilLastYear": {"expected": 4, "submitted": 3, "submittedShare": "0.75"},
        })
    );
    // grants + 2 counts + 2 × (campaign, milestones, launching unit, counts), the
    // lookups maybe batched.
    assert!((6..=11).contains(&n), "{n} statements");
}

/// A query, its variables, the error code, and the user error code and field if any.
type Case = (
    &'static str,
    Value,
    &'static str,
    Option<(&'static str, &'static str)>,
);

async fn bad_comparison_inputs_have_stable_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "CX").await;
    let unknown = |kind: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{kind}:{}", Uuid::now_v7()))
    };
    let cases: Vec<Case> = vec![
        // Unknown cluster: NOT_FOUND as the queries' other ids, UNKNOWN_REFERENCE in stats filters.
        (
            PROGRESS,
            json!({"c": f.campaign, "k": unknown("Cluster")}),
            "NOT_FOUND",
            None,
        ),
        (
            COMPLIANCE,
            json!({"c": f.campaign, "p": "2025-04", "k": unknown("Cluster")}),
            "NOT_FOUND",
            None,
        ),
        (
            C_STATS,
            json!({"f": {"fromYear": 2024, "toYear": 2025, "clusterId": unknown("Cluster")}}),
            "BAD_USER_INPUT",
            Some(("UNKNOWN_REFERENCE", "filter.clusterId")),
        ),
        (
            E_STATS,
            json!({"f": {"clusterId": unknown("Cluster")}}),
            "BAD_USER_INPUT",
            Some(("UNKNOWN_REFERENCE", "filter.clusterId")),
        ),
        // Malformed, or the id of something else.
        (
            PROGRESS,
            json!({"c": f.campaign, "k": "not-an-id"}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            COMPLIANCE,
            json!({"c": f.campaign, "p": "2025-04", "k": f.campaign}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            C_STATS,
            json!({"f": {"fromYear": 2024, "toYear": 2025, "clusterId": "x\u{0}"}}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            E_STATS,
            json!({"f": {"clusterId": f.wards[0]}}),
            "BAD_USER_INPUT",
            None,
        ),
        // Campaign or field: exactly one.
        (
            PROGRESS,
            json!({"c": f.campaign, "fi": f.field, "f": "2025-01-01", "t": "2025-12-31"}),
            "BAD_USER_INPUT",
            Some(("NOT_APPLICABLE", "fieldId")),
        ),
        (
            PROGRESS,
            json!({}),
            "BAD_USER_INPUT",
            Some(("REQUIRED", "campaignId")),
        ),
        // By field the range is required, ordered, and under 10 years.
        (
            PROGRESS,
            json!({"fi": f.field, "t": "2025-12-31"}),
            "BAD_USER_INPUT",
            Some(("REQUIRED", "from")),
        ),
        (
            PROGRESS,
            json!({"fi": f.field, "f": "2025-01-01"}),
            "BAD_USER_INPUT",
            Some(("REQUIRED", "to")),
        ),
        (
            PROGRESS,
            json!({"fi": f.field, "f": "2025-02-01", "t": "2025-01-01"}),
            "BAD_USER_INPUT",
            Some(("END_BEFORE_START", "to")),
        ),
        (
            PROGRESS,
            json!({"fi": f.field, "f": "2015-01-01", "t": "2025-01-01"}),
            "BAD_USER_INPUT",
            Some(("OUT_OF_RANGE", "to")),
        ),
        (
            PROGRESS,
            json!({"fi": unknown("Field"), "f": "2025-01-01", "t": "2025-12-31"}),
            "NOT_FOUND",
            None,
        ),
        (
            PROGRESS,
            json!({"fi": f.campaign, "f": "2025-01-01", "t": "2025-12-31"}),
            "BAD_USER_INPUT",
            None,
        ),
    ];
    for (q, vars, code, user) in cases {
        let a = app.gql(Some(&f.admin), q, vars.clone()).await;
        assert_eq!(a.error_code(), Some(code), "{vars}: {}", a.body);
        if let Some((u, field)) = user {
            let ext = &a.body["errors"][0]["extensions"];
            assert_eq!(
                (&ext["userErrorCode"], &ext["field"]),
                (&json!(u), &json!(field)),
                "{vars}: {}",
                a.body
            );
        }
    }
    // Signed out: UNAUTHENTICATED, before any id is looked up.
    let a = app
        .gql(
            None,
            PROGRESS,
            json!({"c": f.campaign, "k": unknown("Cluster")}),
        )
        .await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
}

/// A field with more than 50 launched campaigns in the range is refused (narrow the range);
/// 50 are fine.
async fn a_field_with_too_many_campaigns_is_out_of_range(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let field = fields(&app).await[2].clone();
    for i in 0..50 {
        campaign(
            &app,
            &admin,
            &format!("FM{i:02}"),
            &root,
            ("2025-01-01", "2025-12-31"),
            &field,
            true,
        )
        .await;
    }
    // The 51st lies in 2026 only.
    campaign(
        &app,
        &admin,
        "FM50",
        &root,
        ("2026-01-01", "2026-12-31"),
        &field,
        true,
    )
    .await;
    let q = "query($fi: ID, $f: NaiveDate, $t: NaiveDate) { criterionProgress(fieldId: $fi, from: $f, to: $t) { criteria { value } } }";
    let d = app
        .ok(
            Some(&admin),
            q,
            json!({"fi": field, "f": "2025-01-01", "t": "2025-12-31"}),
        )
        .await;
    assert_eq!(
        d["criterionProgress"]["criteria"].as_array().unwrap().len(),
        50
    );
    let a = app
        .gql(
            Some(&admin),
            q,
            json!({"fi": field, "f": "2025-01-01", "t": "2026-12-31"}),
        )
        .await;
    assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{}", a.body);
    let ext = &a.body["errors"][0]["extensions"];
    assert_eq!(
        (&ext["userErrorCode"], &ext["field"]),
        (&json!("OUT_OF_RANGE"), &json!("fieldId"))
    );
}
