//! `GET /exports/<name>.csv`: the exemplary-model register as Excel opens it, with the
//! GraphQL query's filters, refused before any work without a valid token.

use serde_json::json;
use thidua_tests::{Backend, TestApp, both, spawn_app};

both!(
    the_commendation_register_exports_decisions_and_recipients,
    the_exemplar_register_exports_as_csv_with_its_filters,
    exports_refuse_missing_tokens_unknown_names_and_bad_filters,
    the_report_register_pivots_a_campaign_and_lists_values_otherwise,
    the_report_register_keeps_to_the_callers_scope_and_refuses_bad_filters,
    the_registers_export_as_xlsx_with_typed_cells_and_a_frozen_header
);

const CREATE: &str = "mutation($i: CreateExemplarInput!) { createExemplar(input: $i) { exemplar { id } userErrors { field code } } }";

pub(crate) async fn model(app: &TestApp, token: &str, name: &str, kind: &str, unit: &str) {
    let d = app
        .ok(
            Some(token),
            CREATE,
            json!({"i": {"name": name, "kind": kind, "homeUnitId": unit, "identifiedOn": "2024-03-01"}}),
        )
        .await;
    assert!(d["createExemplar"]["exemplar"]["id"].is_string(), "{d}");
}

pub(crate) async fn get(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn the_exemplar_register_exports_as_csv_with_its_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "EXP-W1", &root).await;
    let other = app.create_unit(&admin, "EXP-W2", &root).await;
    model(
        &app,
        &admin,
        "Mô hình \"Dân vận khéo\", phường 1",
        "COLLECTIVE",
        &ward,
    )
    .await;
    model(
        &app,
        &admin,
        "=HYPERLINK(\"http://x\")",
        "INDIVIDUAL",
        &ward,
    )
    .await;
    model(&app, &admin, "Tổ tự quản", "COLLECTIVE", &other).await;

    let resp = get(&app, Some(&admin), "/exports/exemplars.csv").await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''exemplars.csv"),
        "{disposition}"
    );
    let body = resp.text().await.unwrap();
    assert!(body.starts_with('\u{feff}'), "a BOM first");
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines.len(),
        5,
        "header, 3 rows and the final empty line: {body}"
    );
    assert!(lines[0].starts_with("Exemplary model,"), "{}", lines[0]);
    assert!(
        lines[1].starts_with(
            "\"Mô hình \"\"Dân vận khéo\"\", phường 1\",collective,identified,EXP-W1,"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("\"'=HYPERLINK("),
        "a formula is defused: {}",
        lines[2]
    );
    assert!(lines[3].contains(",EXP-W2,"), "{}", lines[3]);

    // The filters of `exemplars(filter:)`.
    let by_unit = get(
        &app,
        Some(&admin),
        &format!("/exports/exemplars.csv?unitSubtree={ward}&stage=IDENTIFIED"),
    )
    .await;
    let body = by_unit.text().await.unwrap();
    assert_eq!(body.matches("\r\n").count(), 3, "{body}");
    assert!(!body.contains("EXP-W2"), "{body}");
    let searched = get(
        &app,
        Some(&admin),
        "/exports/exemplars.csv?search=to%20tu%20quan",
    )
    .await;
    let body = searched.text().await.unwrap();
    assert_eq!(body.matches("\r\n").count(), 2, "{body}");
    assert!(body.contains("Tổ tự quản"), "{body}");

    // In Vietnamese by default.
    let vi = reqwest::Client::new()
        .get(app.url("/exports/exemplars.csv?stage=REPLICATED"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        vi.trim_start_matches('\u{feff}').matches("\r\n").count(),
        1,
        "{vi}"
    );
    assert!(vi.contains("Tên mô hình"), "{vi}");
}

async fn exports_refuse_missing_tokens_unknown_names_and_bad_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let anonymous = get(&app, None, "/exports/exemplars.csv").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let forged = get(&app, Some("not-a-token"), "/exports/exemplars.csv").await;
    assert_eq!(forged.status(), 401);
    for (path, status, code) in [
        ("/exports/nothing.csv", 404, "NOT_FOUND"),
        ("/exports/exemplars.csv?stage=FAMOUS", 400, "BAD_USER_INPUT"),
        (
            "/exports/exemplars.csv?unitSubtree=garbage",
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/exports/exemplars.csv?fieldId=garbage",
            400,
            "BAD_USER_INPUT",
        ),
        ("/exports/exemplars.csv?colour=red", 400, "BAD_USER_INPUT"),
        ("/exports/exemplars.csv?search=%00", 400, "BAD_USER_INPUT"),
    ] {
        let resp = get(&app, Some(&admin), path).await;
        assert_eq!(resp.status(), status, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{path}: {body}"
        );
    }
    let long_search = format!("/exports/exemplars.csv?search={}", "x".repeat(5_000));
    let long_id = format!("/exports/exemplars.csv?unitSubtree={}", "A".repeat(5_000));
    for path in [long_search, long_id] {
        let resp = get(&app, Some(&admin), &path).await;
        assert_eq!(resp.status(), 400, "over-long parameter");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
    let many: String = (0..17).map(|i| format!("p{i}=1&")).collect();
    let resp = get(
        &app,
        Some(&admin),
        &format!("/exports/exemplars.csv?{many}"),
    )
    .await;
    assert_eq!(resp.status(), 400);
    // A signed-in caller without any role reads nothing.
    let d = app
        .ok(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            json!({"i": {"username": "exp-nobody", "displayName": "Nobody", "password": thidua_tests::PASSWORD}}),
        )
        .await;
    assert!(d["createUser"]["user"]["id"].is_string(), "{d}");
    let nobody = app.login("exp-nobody", thidua_tests::PASSWORD).await;
    assert_eq!(
        get(&app, Some(&nobody), "/exports/exemplars.csv")
            .await
            .status(),
        403
    );
}

async fn the_commendation_register_exports_decisions_and_recipients(backend: Backend) {
    use thidua_tests::commendations::{approve_and_confer, award, nominate, session};
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "EXP-C1", &root).await;
    let sess = session(&app, &admin, 10).await;
    let provincial = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    let conferred = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial, "kind": "CONG_TRANG", "recipient": {"unitId": ward},
               "nominatingUnitId": ward, "awardYear": 2025}),
    )
    .await;
    let id = conferred["commendation"]["id"].as_str().unwrap().to_owned();
    approve_and_confer(&app, &admin, &id, &sess, 10, "15/QĐ-UBND", "2026-01-10").await;
    let pending = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial, "kind": "DOT_XUAT", "recipient": {"unitId": root},
               "nominatingUnitId": root, "awardYear": 2026}),
    )
    .await;
    assert!(pending["commendation"]["id"].is_string(), "{pending}");

    let body = get(&app, Some(&admin), "/exports/commendations.csv")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{body}");
    assert!(
        lines[0].starts_with("Decision number,Decision date,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("15/QĐ-UBND,2026-01-10,"),
        "the conferred one, with its decision: {}",
        lines[1]
    );
    assert!(
        lines[1].contains(",provincial,merit,Đơn vị EXP-C1,collective,EXP-C1,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",2025,conferred,"), "{}", lines[1]);
    assert!(lines[2].starts_with(",,,"), "no decision yet: {}", lines[2]);
    assert!(lines[2].contains(",ad hoc,"), "{}", lines[2]);

    let only_conferred = get(
        &app,
        Some(&admin),
        &format!(
            "/exports/commendations.csv?status=CONFERRED&unitSubtree={ward}&decisionYear=2026"
        ),
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(
        only_conferred.matches("\r\n").count(),
        2,
        "{only_conferred}"
    );
    for (path, code) in [
        ("/exports/commendations.csv?status=WON", "BAD_USER_INPUT"),
        (
            "/exports/commendations.csv?decisionYear=20x6",
            "BAD_USER_INPUT",
        ),
        (
            "/exports/commendations.csv?decisionYear=3000",
            "BAD_USER_INPUT",
        ),
        (
            "/exports/commendations.csv?awardTypeId=garbage",
            "BAD_USER_INPUT",
        ),
        (
            "/exports/commendations.csv?stage=IDENTIFIED",
            "BAD_USER_INPUT",
        ),
        (
            "/exports/commendations.csv?decisionYear=99999999999",
            "BAD_USER_INPUT",
        ),
        ("/exports/commendations.csv?personId=%00", "BAD_USER_INPUT"),
    ] {
        let resp = get(&app, Some(&admin), path).await;
        assert_eq!(resp.status(), 400, "{path}");
        let b: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(b["errors"][0]["extensions"]["code"], code, "{path}: {b}");
    }
}

/// A campaign with two criteria, two wards under the root, one report each (ward 1 first).
/// Returns (campaign, [ward1, ward2], [report1, report2]).
async fn reported(app: &TestApp, admin: &str) -> (String, Vec<String>, Vec<String>) {
    use crate::leaderboard::report;
    let root = app.root_unit(admin).await;
    let w1 = app.create_unit(admin, "EXP-R1", &root).await;
    let w2 = app.create_unit(admin, "EXP-R2", &root).await;
    let c = app
        .create_campaign(
            admin,
            "EXP-CAMP",
            &root,
            json!([
                {"title": "Hộ gia đình văn hóa", "measure": "PERCENT", "unitLabel": "%", "targetValue": "90", "weight": "2"},
                {"title": "Mô hình mới", "measure": "COUNT", "unitLabel": "mô hình", "targetValue": "4", "weight": "1"}
            ]),
        )
        .await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let criteria: Vec<String> = c.data()["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    app.launch(admin, &campaign).await;
    for u in [&w1, &w2] {
        app.ok(Some(admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": u}}))
            .await;
    }
    let p = crate::reports::submit(
        app,
        admin,
        vec![
            report(&campaign, &w1, &criteria, 1, &["92.5", "3"]),
            report(&campaign, &w2, &criteria, 2, &["45", "0"]),
        ],
    )
    .await;
    let ids: Vec<String> = p["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{p}");
    (campaign, vec![w1, w2], ids)
}

async fn csv_lines(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let resp = get(app, Some(token), path).await;
    assert_eq!(resp.status(), 200, "{path}");
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let body = resp.text().await.unwrap();
    assert!(body.starts_with('\u{feff}'), "a BOM first");
    let mut lines: Vec<String> = body
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines.pop().as_deref(),
        Some(""),
        "ends with a line break: {body}"
    );
    lines
}

async fn the_report_register_pivots_a_campaign_and_lists_values_otherwise(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (campaign, _, ids) = reported(&app, &admin).await;
    crate::leaderboard::approve(&app, &admin, &ids[0]).await;

    let lines = csv_lines(
        &app,
        &admin,
        &format!("/exports/reports.csv?campaignId={campaign}"),
    )
    .await;
    assert_eq!(
        lines[0],
        "Campaign code,Unit code,Unit,Period start,Period end,Status,Submitted at,Reviewed at,Hộ gia đình văn hóa,Mô hình mới"
    );
    assert_eq!(lines.len(), 3, "one line per report: {lines:?}");
    assert!(
        lines[1].starts_with("EXP-CAMP,EXP-R2,Đơn vị EXP-R2,2025-02-01,2025-02-28,submitted,"),
        "newest first: {}",
        lines[1]
    );
    assert!(
        lines[1].ends_with(",,45,0"),
        "not reviewed; values by criterion: {}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("EXP-CAMP,EXP-R1,Đơn vị EXP-R1,2025-01-01,2025-01-31,approved,"),
        "{}",
        lines[2]
    );
    assert!(lines[2].ends_with(",92.5,3"), "{}", lines[2]);
    let reviewed = lines[2].split(',').nth(7).unwrap();
    assert_eq!(
        reviewed.len(),
        "2026-01-01 10:00".len(),
        "a review time: {}",
        lines[2]
    );

    // The filters of `reports(filter:)`.
    let approved = csv_lines(
        &app,
        &admin,
        &format!("/exports/reports.csv?campaignId={campaign}&status=APPROVED"),
    )
    .await;
    assert_eq!(approved.len(), 2, "{approved:?}");
    assert!(approved[1].contains(",EXP-R1,"), "{approved:?}");

    // Without a campaign: a line per report and value.
    let all = csv_lines(&app, &admin, "/exports/reports.csv").await;
    assert!(
        all[0].ends_with(",Reviewed at,Criterion,Value"),
        "{}",
        all[0]
    );
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(all[1].ends_with(",Hộ gia đình văn hóa,45"), "{}", all[1]);
    assert!(all[2].ends_with(",Mô hình mới,0"), "{}", all[2]);
    assert!(all[3].ends_with(",Hộ gia đình văn hóa,92.5"), "{}", all[3]);

    // In Vietnamese by default.
    let vi = reqwest::Client::new()
        .get(app.url("/exports/reports.csv"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        vi.contains("Mã phong trào") && vi.contains("Tiêu chí"),
        "{vi}"
    );
}

async fn the_report_register_keeps_to_the_callers_scope_and_refuses_bad_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (campaign, wards, _) = reported(&app, &admin).await;
    let reporter = app
        .user_with_role(&admin, "exp-reporter", "REPORTER", &wards[0])
        .await;
    let own = csv_lines(
        &app,
        &reporter,
        &format!("/exports/reports.csv?campaignId={campaign}"),
    )
    .await;
    assert_eq!(own.len(), 2, "only the ward's report: {own:?}");
    assert!(own[1].contains(",EXP-R1,"), "{own:?}");
    let values = csv_lines(&app, &reporter, "/exports/reports.csv").await;
    assert_eq!(values.len(), 3, "the ward's two values: {values:?}");
    assert!(values.iter().all(|l| !l.contains("EXP-R2")), "{values:?}");
    let elsewhere = csv_lines(
        &app,
        &reporter,
        &format!("/exports/reports.csv?unitSubtree={}", wards[1]),
    )
    .await;
    assert_eq!(elsewhere.len(), 1, "the header only: {elsewhere:?}");

    assert_eq!(get(&app, None, "/exports/reports.csv").await.status(), 401);
    assert_eq!(
        get(&app, Some("not-a-token"), "/exports/reports.csv")
            .await
            .status(),
        401
    );
    for path in [
        "/exports/reports.csv?campaignId=garbage",
        "/exports/reports.csv?status=LOST",
        "/exports/reports.csv?unitSubtree=garbage",
        "/exports/reports.csv?search=x",
    ] {
        let resp = get(&app, Some(&admin), path).await;
        assert_eq!(resp.status(), 400, "{path}");
        let b: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            b["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{path}: {b}"
        );
    }
}

/// The text of `part` inside an xlsx (a zip of XML parts).
pub(crate) fn xlsx_part(bytes: &[u8], part: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    let mut text = String::new();
    zip.by_name(part)
        .unwrap_or_else(|_| panic!("{part} in the workbook"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

async fn the_registers_export_as_xlsx_with_typed_cells_and_a_frozen_header(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "EXP-X1", &root).await;
    model(
        &app,
        &admin,
        "=HYPERLINK(\"http://x\")",
        "COLLECTIVE",
        &ward,
    )
    .await;
    model(&app, &admin, "Tổ tự quản", "INDIVIDUAL", &ward).await;

    let resp = reqwest::Client::new()
        .get(app.url("/exports/exemplars.xlsx"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(
        h["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''exemplars.xlsx"),
        "{disposition}"
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip");
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    // Constant-memory mode writes strings inline.
    assert!(sheet.contains("Tên mô hình"), "Vietnamese headers: {sheet}");
    assert!(
        sheet.contains("state=\"frozen\""),
        "a frozen header: {sheet}"
    );
    assert!(
        sheet.contains("t=\"inlineStr\"><is><t>=HYPERLINK(\"http://x\")</t>"),
        "a formula-looking name stays text: {sheet}"
    );
    assert!(!sheet.contains("<f>"), "no formulas: {sheet}");
    assert_eq!(
        sheet.matches("<row ").count(),
        3,
        "header and 2 rows: {sheet}"
    );
    // Replications (0) is a number cell, the recording date a date-formatted number.
    assert!(sheet.contains("<c r=\"H2\"><v>0</v></c>"), "{sheet}");
    assert!(
        sheet.contains("<c r=\"I2\" s=\"2\"><v>4"),
        "a date serial: {sheet}"
    );
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    assert!(styles.contains("dd/mm/yyyy"), "{styles}");

    let filtered = get(
        &app,
        Some(&admin),
        "/exports/commendations.xlsx?status=CONFERRED",
    )
    .await;
    assert_eq!(filtered.status(), 200);
    let bytes = filtered.bytes().await.unwrap();
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(
        sheet.matches("<row ").count(),
        1,
        "the header only: {sheet}"
    );
    assert!(sheet.contains(">Decision number<"), "{sheet}");

    for (path, status) in [
        ("/exports/exemplars.xlsx?stage=FAMOUS", 400),
        ("/exports/commendations.xlsx?status=WON", 400),
        ("/exports/reports.pdf", 404),
    ] {
        assert_eq!(
            get(&app, Some(&admin), path).await.status(),
            status,
            "{path}"
        );
    }
    assert_eq!(
        get(&app, None, "/exports/exemplars.xlsx").await.status(),
        401
    );
}
