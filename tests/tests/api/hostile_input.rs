//! Hostile or careless input at the boundary (issue 8, points 1–4): extreme integers,
//! NUL bytes, numbers a column cannot hold, loosely written numbers and dates. Each is
//! refused with a stable code, the process keeps serving, and nothing answers INTERNAL.

use serde_json::{Value, json};
use thidua_tests::{Answer, Backend, both, spawn_app};
use uuid::Uuid;

use crate::reports::{SUBMIT, field};

both!(
    direct_worker_share_with_extreme_years_is_bad_user_input_and_the_server_keeps_serving,
    integer_arguments_outside_their_bounds_are_refused,
    nul_in_query_arguments_is_bad_user_input_signed_in_or_not,
    a_nul_narrative_or_a_huge_value_rejects_only_its_own_report,
    loosely_written_numbers_and_dates_are_refused,
    a_value_resent_as_returned_is_a_duplicate_not_a_conflict,
    dashboard_and_export_link_arguments_refuse_nul_extreme_and_overlong_values,
);

fn assert_never_internal(a: &Answer, what: &str) {
    assert!(a.status < 500, "{what}: HTTP {}: {}", a.status, a.body);
    if let Some(errors) = a.body["errors"].as_array() {
        for e in errors {
            assert_ne!(e["extensions"]["code"], "INTERNAL", "{what}: {}", a.body);
        }
    }
}

fn assert_bad_input(a: &Answer, what: &str) {
    assert_never_internal(a, what);
    assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{what}: {}", a.body);
}

const SHARE: &str =
    "query($f: Int!, $t: Int!) { directWorkerShare(fromYear: $f, toYear: $t) { year share } }";

async fn direct_worker_share_with_extreme_years_is_bad_user_input_and_the_server_keeps_serving(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let viewer = app
        .user_with_role(&admin, "xem.tinh", "VIEWER", &root)
        .await;
    for (from, to) in [
        (i32::MIN, 960_645),
        (i32::MIN, i32::MAX),
        (2000, i32::MAX),
        (i32::MAX, i32::MIN),
        (-1, 2025),
        (2025, 2024),
        (1900, 1951),
    ] {
        let a = app
            .gql(Some(&viewer), SHARE, json!({"f": from, "t": to}))
            .await;
        assert_bad_input(&a, &format!("directWorkerShare({from}, {to})"));
    }
    // Still serving, and a range of 51 years is fine.
    let d = app
        .ok(Some(&viewer), SHARE, json!({"f": 2000, "t": 2050}))
        .await;
    assert_eq!(d["directWorkerShare"].as_array().unwrap().len(), 51);
    assert_eq!(d["directWorkerShare"][0]["year"], 2000);
}

async fn integer_arguments_outside_their_bounds_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let token = Some(f.admin.as_str());
    let pages = [
        "query($n: Int) { campaigns(first: $n) { edges { node { id } } } }",
        "query($n: Int) { orgUnits(first: $n) { edges { node { id } } } }",
        "query($n: Int) { reports(first: $n) { edges { node { id } } } }",
        "query($n: Int) { exemplars(first: $n) { edges { node { id } } } }",
        "query($n: Int) { councilSessions(first: $n) { edges { node { id } } } }",
        "query($n: Int) { commendations(first: $n) { edges { node { id } } } }",
        "query($n: Int) { auditLog(first: $n) { edges { node { id } } } }",
    ];
    for q in pages {
        for n in [-1, 101, i32::MIN, i32::MAX] {
            assert_bad_input(
                &app.gql(token, q, json!({"n": n})).await,
                &format!("{q} {n}"),
            );
        }
        for n in [0, 1, 100] {
            let a = app.gql(token, q, json!({"n": n})).await;
            assert!(a.body["errors"].is_null(), "{q} {n}: {}", a.body);
        }
    }
    let changes = "query($n: Int) { changes(first: $n) { hasMore } }";
    for n in [0, 501, i32::MIN, i32::MAX] {
        assert_bad_input(&app.gql(token, changes, json!({"n": n})).await, "changes");
    }
    assert!(app.gql(token, changes, json!({"n": 500})).await.body["errors"].is_null());
    let board = "query($c: ID!, $n: Int) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", \
                 periodEnd: \"2025-12-31\", first: $n) { rank } }";
    for n in [0, 1001, i32::MIN, i32::MAX] {
        let a = app
            .gql(token, board, json!({"c": f.campaign, "n": n}))
            .await;
        assert_bad_input(&a, "leaderboard");
    }
    let by_year =
        "query($y: Int) { commendations(filter: {decisionYear: $y}) { edges { node { id } } } }";
    for y in [i32::MIN, -1, 0, 1899, 2101, i32::MAX] {
        assert_bad_input(
            &app.gql(token, by_year, json!({"y": y})).await,
            "decisionYear",
        );
    }
    assert!(app.gql(token, by_year, json!({"y": 2025})).await.body["errors"].is_null());
    // Mutation inputs: OUT_OF_RANGE in userErrors, on the field.
    let launch = "mutation($i: CampaignTransitionInput!) { closeCampaign(input: $i) { campaign { id } userErrors { field code } } }";
    for v in [0, -1, i32::MIN] {
        let a = app
            .gql(
                token,
                launch,
                json!({"i": {"id": f.campaign, "version": v}}),
            )
            .await;
        assert_never_internal(&a, "closeCampaign version");
        assert_eq!(
            a.user_error_codes("closeCampaign"),
            ["OUT_OF_RANGE"],
            "{}",
            a.body
        );
        assert_eq!(
            a.user_error_fields("closeCampaign"),
            ["version"],
            "{}",
            a.body
        );
    }
    let mut r = f.report(Uuid::now_v7(), &f.ward_a, 1);
    r["version"] = json!(i32::MIN);
    let a = app.gql(token, SUBMIT, json!({"i": {"reports": [r]}})).await;
    let res = &a.data()["submitReports"]["results"][0];
    assert_eq!(res["status"], "REJECTED", "{}", a.body);
    assert_eq!(res["userErrors"][0]["code"], "OUT_OF_RANGE", "{}", a.body);
}

async fn nul_in_query_arguments_is_bad_user_input_signed_in_or_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let cases = [
        (
            "programme(code:)",
            "query($s: String) { programme(code: $s) { id } }",
        ),
        (
            "campaign(code:)",
            "query($s: String) { campaign(code: $s) { id } }",
        ),
        (
            "orgUnit(code:)",
            "query($s: String) { orgUnit(code: $s) { id } }",
        ),
        (
            "campaigns(filter: {search:})",
            "query($s: String) { campaigns(filter: {search: $s}) { edges { node { id } } } }",
        ),
        (
            "auditLog(filter: {requestId:})",
            "query($s: String) { auditLog(filter: {requestId: $s}) { edges { node { id } } } }",
        ),
        (
            "auditLog(filter: {entity:})",
            "query($s: String) { auditLog(filter: {entity: $s}) { edges { node { id } } } }",
        ),
        (
            "targets(horizon:)",
            "query($s: String) { targets(horizon: $s) { code } }",
        ),
        (
            "campaigns(after:)",
            "query($s: String) { campaigns(after: $s) { edges { node { id } } } }",
        ),
    ];
    // A cursor whose sort value carries a NUL.
    let cursor = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{}\nab\u{0}c", Uuid::now_v7()))
    };
    for (what, q) in cases {
        let values = if what.ends_with("(after:)") {
            vec![cursor.clone()]
        } else {
            vec![
                "KTX\u{0}2025".to_owned(),
                "a\u{0}".repeat(3),
                "\u{0}".to_owned(),
            ]
        };
        for value in values {
            let signed_in = app.gql(Some(&admin), q, json!({"s": value})).await;
            assert_bad_input(&signed_in, &format!("{what} signed in"));
            let anonymous = app.gql(None, q, json!({"s": value})).await;
            assert_never_internal(&anonymous, &format!("{what} anonymous"));
            let code = anonymous.error_code();
            // Either the argument is refused, or the caller is (before any SQL runs).
            assert!(
                matches!(
                    code,
                    Some("BAD_USER_INPUT" | "UNAUTHENTICATED" | "FORBIDDEN")
                ),
                "{what} anonymous: {}",
                anonymous.body
            );
        }
    }
    // Public lookups refuse the argument itself for anonymous callers too.
    for q in [
        "query($s: String) { programme(code: $s) { id } }",
        "query($s: String) { targets(horizon: $s) { code } }",
    ] {
        assert_bad_input(&app.gql(None, q, json!({"s": "x\u{0}"})).await, q);
    }
}

fn statuses(payload: &Value) -> Vec<String> {
    payload["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_nul_narrative_or_a_huge_value_rejects_only_its_own_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let good_a = f.report(Uuid::now_v7(), &f.ward_a, 1);
    let mut nul = f.report(Uuid::now_v7(), &f.ward_a, 2);
    nul["narrative"] = json!("Báo cáo\u{0}tháng 2");
    let mut huge = f.report(Uuid::now_v7(), &f.ward_a, 3);
    huge["values"][3]["value"] = json!("10000000000000000");
    let mut huge_count = f.report(Uuid::now_v7(), &f.ward_a, 4);
    huge_count["values"][1]["value"] = json!(10_000_000_000_000_000_u64);
    let mut escape = f.report(Uuid::now_v7(), &f.ward_a, 5);
    escape["narrative"] = json!("\u{1b}[31mđỏ");
    let good_b = f.report(Uuid::now_v7(), &f.ward_a, 6);
    let batch = json!({"i": {"reports": [good_a, nul, huge, huge_count, escape, good_b]}});

    let first = app.gql(Some(&f.reporter), SUBMIT, batch.clone()).await;
    assert_never_internal(&first, "first send");
    let p = &first.data()["submitReports"];
    assert_eq!(
        statuses(p),
        [
            "ACCEPTED", "REJECTED", "REJECTED", "REJECTED", "REJECTED", "ACCEPTED"
        ],
        "{}",
        first.body
    );
    let err = |i: usize| {
        (
            p["results"][i]["userErrors"][0]["field"].clone(),
            p["results"][i]["userErrors"][0]["code"].clone(),
        )
    };
    assert_eq!(err(1), (json!("narrative"), json!("INVALID_FORMAT")));
    assert_eq!(err(2), (json!("values.3.value"), json!("OUT_OF_RANGE")));
    assert_eq!(err(3), (json!("values.1.value"), json!("OUT_OF_RANGE")));
    assert_eq!(err(4), (json!("narrative"), json!("INVALID_FORMAT")));

    // The good ones are stored, and a retry of the whole batch answers the same way.
    let stored = app
        .ok(
            Some(&f.admin),
            "query($c: ID) { reports(filter: {campaignId: $c}, first: 100) { edges { node { clientId } } } }",
            json!({"c": f.campaign}),
        )
        .await;
    let mut ids: Vec<&str> = stored["reports"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["clientId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut want = [
        batch["i"]["reports"][0]["id"].as_str().unwrap(),
        batch["i"]["reports"][5]["id"].as_str().unwrap(),
    ];
    want.sort_unstable();
    assert_eq!(ids, want);
    let retry = app.gql(Some(&f.reporter), SUBMIT, batch).await;
    assert_never_internal(&retry, "retry");
    let p2 = &retry.data()["submitReports"];
    assert_eq!(
        statuses(p2),
        [
            "DUPLICATE",
            "REJECTED",
            "REJECTED",
            "REJECTED",
            "REJECTED",
            "DUPLICATE"
        ],
        "{}",
        retry.body
    );
    for i in 1..5 {
        assert_eq!(
            p2["results"][i]["userErrors"],
            p["results"][i]["userErrors"]
        );
    }
}

async fn loosely_written_numbers_and_dates_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"values": {"3": "1_000"}}),
            "values.3.value",
            "NOT_A_NUMBER",
        ),
        (
            json!({"values": {"3": "1e3"}}),
            "values.3.value",
            "NOT_A_NUMBER",
        ),
        (
            json!({"values": {"3": " 12"}}),
            "values.3.value",
            "NOT_A_NUMBER",
        ),
        (
            json!({"values": {"3": "+12"}}),
            "values.3.value",
            "NOT_A_NUMBER",
        ),
        (
            json!({"values": {"3": "12.34567"}}),
            "values.3.value",
            "OUT_OF_RANGE",
        ),
        (
            json!({"start": "2025-2-1"}),
            "period.start",
            "INVALID_FORMAT",
        ),
        (
            json!({"start": "+002025-02-01"}),
            "period.start",
            "INVALID_FORMAT",
        ),
        (json!({"end": "2025-02-30"}), "period.end", "INVALID_FORMAT"),
    ];
    for (edit, field_path, code) in cases {
        let mut r = f.report(Uuid::now_v7(), &f.ward_a, 2);
        if let Some(v) = edit["values"]["3"].as_str() {
            r["values"][3]["value"] = json!(v);
        }
        if let Some(s) = edit["start"].as_str() {
            r["period"]["start"] = json!(s);
        }
        if let Some(e) = edit["end"].as_str() {
            r["period"]["end"] = json!(e);
        }
        let a = app
            .gql(Some(&f.reporter), SUBMIT, json!({"i": {"reports": [r]}}))
            .await;
        assert_never_internal(&a, &edit.to_string());
        let res = &a.data()["submitReports"]["results"][0];
        assert_eq!(res["status"], "REJECTED", "{edit}: {}", a.body);
        assert_eq!(
            res["userErrors"][0]["field"], field_path,
            "{edit}: {}",
            a.body
        );
        assert_eq!(res["userErrors"][0]["code"], code, "{edit}: {}", a.body);
    }
    // Date and Decimal arguments elsewhere: refused before anything runs.
    let root = app.root_unit(&f.admin).await;
    for (start, weight) in [
        ("2025-1-1", "1"),
        ("+002025-01-01", "1"),
        ("2025-01-01", "1_0"),
        ("2025-01-01", "1e1"),
        ("2025-01-01", "0.12345"),
    ] {
        let a = app
            .gql(
                Some(&f.admin),
                thidua_tests::CREATE_CAMPAIGN,
                json!({"i": {
                    "code": "LOOSE", "title": "Phong trào", "kind": "THEMATIC",
                    "programmeId": app.programme_id().await, "launchingUnitId": root,
                    "startDate": start, "endDate": "2025-12-31",
                    "criteria": [{"title": "Tỷ lệ", "measure": "PERCENT", "unitLabel": "%", "targetValue": "95", "weight": weight}],
                }}),
            )
            .await;
        assert_never_internal(&a, start);
        assert!(
            a.data()["createCampaign"].is_null(),
            "{start} {weight}: {}",
            a.body
        );
        assert!(
            matches!(
                a.error_code(),
                Some("GRAPHQL_VALIDATION_FAILED" | "BAD_USER_INPUT")
            ),
            "{start} {weight}: {}",
            a.body
        );
    }
    let on = "query($d: NaiveDate) { awardTypes(inEffectOn: $d) { id } }";
    assert!(
        app.gql(Some(&f.admin), on, json!({"d": "2025-1-1"}))
            .await
            .body["errors"]
            .is_array()
    );
    assert!(
        app.gql(Some(&f.admin), on, json!({"d": "2025-01-01"}))
            .await
            .body["errors"]
            .is_null()
    );
}

const VALUES: &str = "query($id: ID!) { report(id: $id) { version values { value } } }";

async fn a_value_resent_as_returned_is_a_duplicate_not_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = field(&app).await;
    // A value with more decimals than the column keeps is refused, not rounded: PostgreSQL
    // once stored 12.3457 while the revision kept 12.34567, so a resend was a CONFLICT.
    let id = Uuid::now_v7();
    let mut r = f.report(id, &f.ward_a, 3);
    r["values"][3]["value"] = json!("12.34567");
    let refused = app
        .gql(
            Some(&f.reporter),
            SUBMIT,
            json!({"i": {"reports": [r.clone()]}}),
        )
        .await;
    let res = &refused.data()["submitReports"]["results"][0];
    assert_eq!(res["status"], "REJECTED", "{}", refused.body);
    assert_eq!(
        res["userErrors"][0]["code"], "OUT_OF_RANGE",
        "{}",
        refused.body
    );
    r["values"][3]["value"] = json!("12.3456");
    r["location"] = json!({"latitude": "20.95171234567", "longitude": 107.080612345678_f64});
    let first = app
        .gql(
            Some(&f.reporter),
            SUBMIT,
            json!({"i": {"reports": [r.clone()]}}),
        )
        .await;
    let res = &first.data()["submitReports"]["results"][0];
    assert_eq!(res["status"], "ACCEPTED", "{}", first.body);
    let gid = res["report"]["id"].as_str().unwrap().to_owned();
    let back = app.ok(Some(&f.reporter), VALUES, json!({"id": gid})).await;
    let returned: Vec<Value> = back["report"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].clone())
        .collect();
    assert_eq!(returned[3], json!("12.3456"), "{back}");
    // Resend exactly what came back: same content, nothing changes.
    for (i, v) in returned.iter().enumerate() {
        r["values"][i]["value"] = v.clone();
    }
    let again = app
        .gql(Some(&f.reporter), SUBMIT, json!({"i": {"reports": [r]}}))
        .await;
    assert_never_internal(&again, "resend");
    let res = &again.data()["submitReports"]["results"][0];
    assert_eq!(res["status"], "DUPLICATE", "{}", again.body);
    assert_eq!(res["report"]["version"], 1, "{}", again.body);
}

/// The last line of defence: whatever a missed check lets through, PostgreSQL's refusal of
/// an input value (by SQLSTATE) is a user error, not a database failure (INTERNAL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_invalid_input_sqlstates_become_user_errors() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    use thidua_domain::UserErrorCode;
    use thidua_persistence::StoreError;
    if thidua_tests::postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping");
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let run = |sql: &str, v: sea_orm::Value| {
        let st = Statement::from_sql_and_values(DbBackend::Postgres, sql, [v]);
        let conn = app.db.conn.clone();
        async move { conn.query_one_raw(st).await.map(|_| ()) }
    };
    let cases = [
        (
            "SELECT $1::text",
            "a\0b".into(),
            UserErrorCode::InvalidFormat,
        ),
        (
            "SELECT $1::numeric(20,4)",
            rust_decimal::Decimal::from(10_i64.pow(16)).into(),
            UserErrorCode::OutOfRange,
        ),
        (
            "SELECT $1::text::int",
            "abc".into(),
            UserErrorCode::InvalidFormat,
        ),
        (
            "SELECT $1::text::date",
            "2025-02-30".into(),
            UserErrorCode::OutOfRange,
        ),
    ];
    for (sql, v, code) in cases {
        let err = run(sql, v).await.expect_err(sql);
        match StoreError::from(err) {
            StoreError::Invalid(f) => assert_eq!(f.code, code, "{sql}"),
            other => panic!("{sql}: {other:?}"),
        }
    }
    // Anything else is still a database failure.
    let err = run("SELECT 1 / $1::int", 0.into())
        .await
        .expect_err("division");
    assert!(matches!(StoreError::from(err), StoreError::Db(_)));
}

/// The dashboard arguments of issue 12 (cluster and field ids, the breakdown window, export
/// links): a NUL byte, an over-long string and an extreme number or date are each refused
/// with BAD_USER_INPUT, never INTERNAL.
async fn dashboard_and_export_link_arguments_refuse_nul_extreme_and_overlong_values(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let f = crate::compliance::fixture(&app, "HD", 0).await;
    let c = &f.campaign;
    let ids = [
        ("NUL", "Q2x1c3Rlcjo\u{0}x".to_owned()),
        ("over-long", "Q".repeat(100_000)),
        (
            "extreme number",
            "99999999999999999999999999999999".to_owned(),
        ),
    ];
    let by_id = [
        (
            "reportingCompliance(clusterId:)",
            format!(
                "query($s: ID) {{ reportingCompliance(campaignId: \"{c}\", period: \"2025-03\", \
                 clusterId: $s) {{ expected }} }}"
            ),
        ),
        (
            "criterionProgress(clusterId:)",
            format!(
                "query($s: ID) {{ criterionProgress(campaignId: \"{c}\", clusterId: $s) \
                 {{ criteria {{ value }} }} }}"
            ),
        ),
        (
            "criterionProgress(fieldId:)",
            "query($s: ID) { criterionProgress(fieldId: $s, from: \"2025-01-01\", \
             to: \"2025-12-31\") { criteria { value } } }"
                .to_owned(),
        ),
        (
            "commendationStats(filter: {clusterId:})",
            "query($s: ID) { commendationStats(filter: {fromYear: 2025, toYear: 2025, \
             clusterId: $s}, groupBy: []) { total } }"
                .to_owned(),
        ),
        (
            "exemplarStats(filter: {clusterId:})",
            "query($s: ID) { exemplarStats(filter: {clusterId: $s}, groupBy: []) { total } }"
                .to_owned(),
        ),
    ];
    for (what, q) in &by_id {
        for (kind, value) in &ids {
            let a = app.gql(Some(&f.admin), q, json!({"s": value})).await;
            assert_bad_input(&a, &format!("{what} {kind}"));
        }
    }

    let breakdown = "query($f: NaiveDate, $t: NaiveDate) { targets { code \
        byTopLevelUnit(from: $f, to: $t) { counted } } }";
    // A malformed date is refused by the scalar (GRAPHQL_VALIDATION_FAILED, as every
    // NaiveDate argument); real but extreme dates by the window rule (BAD_USER_INPUT).
    for (kind, from, to, code) in [
        (
            "NUL",
            json!("2025-01-01\u{0}"),
            json!(null),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "over-long",
            json!("2".repeat(100_000)),
            json!(null),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "extreme year",
            json!("+262142-01-01"),
            json!(null),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "extreme dates",
            json!("0001-01-01"),
            json!("9999-12-31"),
            "BAD_USER_INPUT",
        ),
    ] {
        let a = app
            .gql(Some(&f.admin), breakdown, json!({"f": from, "t": to}))
            .await;
        assert_never_internal(&a, kind);
        assert_eq!(
            a.error_code(),
            Some(code),
            "byTopLevelUnit {kind}: {}",
            a.body
        );
    }

    let link = "mutation($p: String!, $q: String) { createExportLink(input: {path: $p, \
        query: $q}) { url } }";
    for (kind, path, query) in [
        ("NUL path", json!("/exports/reports.csv\u{0}"), json!(null)),
        ("over-long path", json!("/".repeat(100_000)), json!(null)),
        (
            "NUL query",
            json!("/exports/reports.csv"),
            json!("status=\u{0}"),
        ),
        (
            "over-long query",
            json!("/exports/reports.csv"),
            json!("a".repeat(100_000)),
        ),
        (
            "extreme number query",
            json!("/exports/commendationStats.csv"),
            json!("fromYear=99999999999999999999&toYear=2025"),
        ),
    ] {
        let a = app
            .gql(Some(&f.admin), link, json!({"p": path, "q": query}))
            .await;
        if kind == "extreme number query" {
            // A link only binds the query string; the export itself refuses the year.
            assert_never_internal(&a, kind);
            let url = a.body["data"]["createExportLink"]["url"]
                .as_str()
                .unwrap_or_else(|| panic!("{kind}: {}", a.body));
            let download = crate::exports::get(&app, None, url).await;
            assert_eq!(download.status(), 400, "{kind}");
            let body: Value = download.json().await.unwrap();
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{kind}"
            );
            continue;
        }
        assert_bad_input(&a, kind);
    }
}
