//! The dashboard aggregates as files (`/exports/<query>.csv|.xlsx`) and the report register
//! as a workbook: each file says cell for cell what the GraphQL query answers for the same
//! arguments, on the hand-counted compliance fixture; and the refusals are the query's.

use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app};

use crate::compliance::fixture;
use crate::exports::{get, model, xlsx_part};

both!(
    the_compliance_export_is_the_querys_answer_cell_for_cell,
    the_progress_export_has_a_row_per_criterion_and_group_and_its_total,
    the_stats_exports_name_their_dimensions_and_count_as_the_queries_do,
    aggregate_exports_refuse_as_their_queries_do,
    the_report_register_exports_as_a_typed_workbook,
    an_aggregate_export_costs_the_same_statements_for_4_and_12_units
);

/// The cells of a CSV file (after its BOM), quotes undone.
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let body = body
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("a BOM first: {body}"));
    let mut rows = vec![];
    for line in body.split("\r\n").filter(|l| !l.is_empty()) {
        let (mut cells, mut cell, mut quoted) = (vec![], String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => cells.push(std::mem::take(&mut cell)),
                _ => cell.push(c),
            }
        }
        cells.push(cell);
        rows.push(cells);
    }
    rows
}

/// The cells of the first sheet of a workbook, by row, as text: a number's `<v>`, an
/// inline string's `<t>`, empty for a missing cell at the end. Cells carry their style
/// (`s="…"`) so a date can be told from a number.
fn sheet_rows(bytes: &[u8]) -> Vec<Vec<(String, bool)>> {
    let sheet = xlsx_part(bytes, "xl/worksheets/sheet1.xml");
    let data = sheet.split("<sheetData>").nth(1).unwrap_or_default();
    data.split("<row ")
        .skip(1)
        .map(|row| {
            row.split("<c ")
                .skip(1)
                .map(|c| {
                    let styled = c.split('>').next().unwrap_or_default().contains(" s=");
                    let value = between(c, "<v>", "</v>")
                        .or_else(|| between(c, "<t>", "</t>"))
                        .or_else(|| between(c, "<t xml:space=\"preserve\">", "</t>"))
                        .unwrap_or_default();
                    (value.replace("&amp;", "&"), styled)
                })
                .collect()
        })
        .collect()
}

fn between<'a>(s: &'a str, from: &str, to: &str) -> Option<&'a str> {
    let start = s.find(from)? + from.len();
    let end = s[start..].find(to)? + start;
    Some(&s[start..end])
}

/// A file's rows from CSV and from the workbook of the same export, checked equal cell
/// for cell (the workbook leaves empty cells out, so they compare as trailing empties).
async fn both_files(app: &TestApp, token: &str, path_and_query: &str) -> Vec<Vec<String>> {
    let (stem, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let csv = get(app, Some(token), &format!("/exports/{stem}.csv?{query}")).await;
    assert_eq!(csv.status(), 200, "{stem}.csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let rows = csv_rows(&csv.text().await.unwrap());
    let xlsx = get(app, Some(token), &format!("/exports/{stem}.xlsx?{query}")).await;
    assert_eq!(xlsx.status(), 200, "{stem}.xlsx");
    let disposition = xlsx.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{stem}.xlsx")),
        "{disposition}"
    );
    let bytes = xlsx.bytes().await.unwrap();
    assert!(
        xlsx_part(&bytes, "xl/worksheets/sheet1.xml").contains("state=\"frozen\""),
        "a frozen header"
    );
    let sheet = sheet_rows(&bytes);
    assert_eq!(sheet.len(), rows.len(), "{stem}: rows of csv and xlsx");
    for (i, (c, x)) in rows.iter().zip(&sheet).enumerate() {
        // The workbook leaves empty cells out: compare the filled ones, in order.
        let x: Vec<&str> = x
            .iter()
            .map(|(v, _)| v.as_str())
            .filter(|v| !v.is_empty())
            .collect();
        let c: Vec<&str> = c
            .iter()
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .collect();
        assert_eq!(c, x, "{stem} row {i}");
    }
    rows
}

fn int(v: &Value) -> String {
    v.as_i64().map(|n| n.to_string()).unwrap_or_default()
}

fn dec(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

const COMPLIANCE: &str = "query($c: ID!, $p: String, $u: ID, $g: ComplianceGroupBy) { \
    reportingCompliance(campaignId: $c, period: $p, unitId: $u, groupBy: $g) { \
    unit { code } expected submitted onTime late approved returned missing submittedShare onTimeShare \
    rows { unit { code name } expected submitted onTime late approved returned missing submittedShare onTimeShare } } }";

fn compliance_figures(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = [
        "expected",
        "submitted",
        "onTime",
        "late",
        "approved",
        "returned",
        "missing",
    ]
    .iter()
    .map(|k| int(&v[*k]))
    .collect();
    f.push(dec(&v["submittedShare"]));
    f.push(dec(&v["onTimeShare"]));
    f
}

async fn the_compliance_export_is_the_querys_answer_cell_for_cell(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "XC", 0).await;
    let d = app
        .ok(
            Some(&f.admin),
            COMPLIANCE,
            json!({"c": f.campaign, "p": "2025-03"}),
        )
        .await;
    let c = &d["reportingCompliance"];
    let rows = both_files(
        &app,
        &f.admin,
        &format!(
            "reportingCompliance?campaignId={}&period=2025-03",
            f.campaign
        ),
    )
    .await;
    assert_eq!(
        rows[0],
        [
            "Unit code",
            "Unit",
            "Expected",
            "Submitted",
            "On time",
            "Late",
            "Approved",
            "Returned",
            "Missing",
            "Submitted share",
            "On-time share"
        ]
    );
    let mut expected: Vec<Vec<String>> = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut cells = vec![dec(&r["unit"]["code"]), dec(&r["unit"]["name"])];
            cells.extend(compliance_figures(r));
            cells
        })
        .collect();
    let mut total = vec![String::new(), "Total".to_owned()];
    total.extend(compliance_figures(c));
    expected.push(total);
    assert_eq!(rows[1..], expected[..]);
    // The hand count (see `compliance`): two wards, then the total.
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1][..3], ["XC-W1", "Đơn vị XC-W1", "2"]);
    assert_eq!(
        rows[3][2..],
        ["4", "3", "2", "1", "1", "1", "1", "0.75", "0.5"]
    );

    // Totals only, for a ward, by the same arguments as the query.
    let ward = &f.wards[1];
    let rows = both_files(
        &app,
        &f.admin,
        &format!(
            "reportingCompliance?campaignId={}&period=2025-03&unitId={ward}&groupBy=NONE",
            f.campaign
        ),
    )
    .await;
    let d = app
        .ok(
            Some(&f.admin),
            COMPLIANCE,
            json!({"c": f.campaign, "p": "2025-03", "u": ward, "g": "NONE"}),
        )
        .await;
    assert_eq!(rows.len(), 2, "the header and the total");
    assert_eq!(
        rows[1][2..],
        compliance_figures(&d["reportingCompliance"])[..]
    );
    assert_eq!(rows[1][2..5], ["2", "1", "1"]);

    // In Vietnamese by default.
    let vi = reqwest::Client::new()
        .get(app.url(&format!(
            "/exports/reportingCompliance.csv?campaignId={}&period=2025-03",
            f.campaign
        )))
        .bearer_auth(&f.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let vi = csv_rows(&vi);
    assert_eq!(vi[0][..3], ["Mã đơn vị", "Đơn vị", "Phải báo cáo"]);
    assert_eq!(vi[3][1], "Tổng cộng");
}

const PROGRESS: &str = "query($c: ID!, $g: ProgressGroupBy) { criterionProgress(campaignId: $c, groupBy: $g) { \
    criteria { campaign { code } criterion { title } target value reports groups { period value reports unit { code name } } } } }";

async fn the_progress_export_has_a_row_per_criterion_and_group_and_its_total(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "XP", 0).await;
    for group_by in ["CHILD_UNIT", "PERIOD_MONTH"] {
        let d = app
            .ok(
                Some(&f.admin),
                PROGRESS,
                json!({"c": f.campaign, "g": group_by}),
            )
            .await;
        let rows = both_files(
            &app,
            &f.admin,
            &format!(
                "criterionProgress?campaignId={}&groupBy={group_by}",
                f.campaign
            ),
        )
        .await;
        assert_eq!(
            rows[0],
            [
                "Campaign",
                "Criterion",
                "Unit code",
                "Unit",
                "Period",
                "Value",
                "Target",
                "Reports"
            ]
        );
        let mut expected = vec![];
        for c in d["criterionProgress"]["criteria"].as_array().unwrap() {
            let campaign = dec(&c["campaign"]["code"]);
            let title = dec(&c["criterion"]["title"]);
            for g in c["groups"].as_array().unwrap() {
                expected.push(vec![
                    campaign.clone(),
                    title.clone(),
                    dec(&g["unit"]["code"]),
                    dec(&g["unit"]["name"]),
                    dec(&g["period"]),
                    dec(&g["value"]),
                    dec(&c["target"]),
                    int(&g["reports"]),
                ]);
            }
            expected.push(vec![
                campaign,
                title,
                String::new(),
                "Total".into(),
                String::new(),
                dec(&c["value"]),
                dec(&c["target"]),
                int(&c["reports"]),
            ]);
        }
        assert_eq!(rows[1..], expected[..], "{group_by}");
        // Only A1's March report is approved (value 5): one group, then the total.
        assert_eq!(rows.len(), 3, "{group_by}: {rows:?}");
        assert_eq!(rows[2][5..], ["5", "95", "1"], "{group_by}");
    }
    assert_eq!(
        csv_rows(
            &get(
                &app,
                Some(&f.admin),
                &format!(
                    "/exports/criterionProgress.csv?campaignId={}&groupBy=PERIOD_MONTH",
                    f.campaign
                )
            )
            .await
            .text()
            .await
            .unwrap()
        )[1][4],
        "2025-03"
    );
}

const EXEMPLAR_STATS: &str = "query($g: [ExemplarDimension!]!) { exemplarStats(groupBy: $g) { \
    total groups { count stage kind homeUnit { name } } } }";

async fn the_stats_exports_name_their_dimensions_and_count_as_the_queries_do(backend: Backend) {
    use thidua_tests::commendations::{award, nominate};
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let w1 = app.create_unit(&admin, "XS-W1", &root).await;
    let w2 = app.create_unit(&admin, "XS-W2", &root).await;
    model(&app, &admin, "Mô hình A", "COLLECTIVE", &w1).await;
    model(&app, &admin, "Mô hình B", "COLLECTIVE", &w1).await;
    model(&app, &admin, "Mô hình C", "INDIVIDUAL", &w2).await;

    let d = app
        .ok(
            Some(&admin),
            EXEMPLAR_STATS,
            json!({"g": ["HOME_UNIT", "KIND"]}),
        )
        .await;
    let rows = both_files(&app, &admin, "exemplarStats?groupBy=HOME_UNIT,KIND").await;
    assert_eq!(rows[0], ["Unit", "Collective/individual", "Count"]);
    let mut expected: Vec<Vec<String>> = d["exemplarStats"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            vec![
                dec(&g["homeUnit"]["name"]),
                dec(&g["kind"]).to_lowercase(),
                int(&g["count"]),
            ]
        })
        .collect();
    expected.push(vec![
        "Total".into(),
        String::new(),
        int(&d["exemplarStats"]["total"]),
    ]);
    assert_eq!(rows[1..], expected[..]);
    assert_eq!(
        rows[1..],
        [
            ["Đơn vị XS-W1", "collective", "2"],
            ["Đơn vị XS-W2", "individual", "1"],
            ["Total", "", "3"]
        ]
    );
    // Filtered as the query's filter is; no dimension: the total alone.
    let rows = both_files(&app, &admin, &format!("exemplarStats?unitId={w2}")).await;
    assert_eq!(rows, [vec!["Count"], vec!["1"]]);

    let provincial = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    for (unit, year) in [(&w1, 2024), (&w1, 2025), (&w2, 2025)] {
        nominate(
            &app,
            &admin,
            json!({"awardTypeId": provincial, "kind": "CONG_TRANG", "recipient": {"unitId": unit},
                   "nominatingUnitId": unit, "awardYear": year}),
        )
        .await;
    }
    let d = app
        .ok(
            Some(&admin),
            "query($g: [CommendationDimension!]!) { commendationStats(filter: {fromYear: 2024, toYear: 2025}, groupBy: $g) { \
             total groups { count year level } } }",
            json!({"g": ["YEAR", "LEVEL"]}),
        )
        .await;
    let rows = both_files(
        &app,
        &admin,
        "commendationStats?fromYear=2024&toYear=2025&groupBy=YEAR,LEVEL",
    )
    .await;
    assert_eq!(rows[0], ["Year of achievement", "Level", "Count"]);
    let mut expected: Vec<Vec<String>> = d["commendationStats"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            vec![
                int(&g["year"]),
                dec(&g["level"]).to_lowercase(),
                int(&g["count"]),
            ]
        })
        .collect();
    expected.push(vec![
        "Total".into(),
        String::new(),
        int(&d["commendationStats"]["total"]),
    ]);
    assert_eq!(rows[1..], expected[..]);
    assert_eq!(
        rows[1..],
        [
            ["2025", "provincial", "2"],
            ["2024", "provincial", "1"],
            ["Total", "", "3"]
        ]
    );
    // A year is a number cell in the workbook.
    let bytes = get(
        &app,
        Some(&admin),
        "/exports/commendationStats.xlsx?fromYear=2024&toYear=2025&groupBy=YEAR",
    )
    .await
    .bytes()
    .await
    .unwrap();
    assert!(
        xlsx_part(&bytes, "xl/worksheets/sheet1.xml").contains("<c r=\"A2\"><v>2025</v></c>"),
        "a typed year"
    );
}

/// Status, `extensions.code` and `extensions.userErrorCode` of an export's refusal.
async fn refusal(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Value, Value) {
    let resp = get(app, token, path).await;
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let x = &body["errors"][0]["extensions"];
    (status, x["code"].clone(), x["userErrorCode"].clone())
}

async fn aggregate_exports_refuse_as_their_queries_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "XR", 0).await;
    let c = &f.campaign;
    let all = [
        format!("/exports/reportingCompliance.csv?campaignId={c}&period=2025-03"),
        format!("/exports/criterionProgress.xlsx?campaignId={c}"),
        "/exports/commendationStats.csv?fromYear=2024&toYear=2025".to_owned(),
        "/exports/exemplarStats.xlsx".to_owned(),
    ];
    for path in &all {
        let resp = get(&app, None, path).await;
        assert_eq!(resp.status(), 401, "{path}");
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        assert_eq!(
            get(&app, Some("forged"), path).await.status(),
            401,
            "{path}"
        );
    }
    for (path, status, code, user_code) in [
        (
            "/exports/reportingCompliance.csv?period=2025-03".to_owned(),
            400,
            "BAD_USER_INPUT",
            json!("REQUIRED"),
        ),
        (
            format!("/exports/reportingCompliance.csv?campaignId={c}"),
            400,
            "BAD_USER_INPUT",
            json!("REQUIRED"),
        ),
        (
            format!("/exports/reportingCompliance.csv?campaignId={c}&period=2025-13"),
            400,
            "BAD_USER_INPUT",
            json!("INVALID_PERIOD"),
        ),
        (
            format!("/exports/reportingCompliance.xlsx?campaignId={c}&period=2025-03&groupBy=WARD"),
            400,
            "BAD_USER_INPUT",
            json!("INVALID_FORMAT"),
        ),
        (
            "/exports/reportingCompliance.csv?campaignId=garbage&period=2025-03".to_owned(),
            400,
            "BAD_USER_INPUT",
            Value::Null,
        ),
        (
            format!("/exports/reportingCompliance.csv?campaignId={c}&period=2025-03&colour=red"),
            400,
            "BAD_USER_INPUT",
            Value::Null,
        ),
        (
            "/exports/criterionProgress.csv?from=2025-01-01&to=2025-12-31".to_owned(),
            400,
            "BAD_USER_INPUT",
            json!("REQUIRED"),
        ),
        (
            format!("/exports/criterionProgress.csv?campaignId={c}&fieldId={c}"),
            400,
            "BAD_USER_INPUT",
            json!("NOT_APPLICABLE"),
        ),
        (
            format!("/exports/commendationStats.csv?fromYear=2024&toYear=2025&clusterId={c}"),
            400,
            "BAD_USER_INPUT",
            Value::Null,
        ),
        (
            format!("/exports/criterionProgress.csv?campaignId={c}&from=2025-02-30"),
            400,
            "BAD_USER_INPUT",
            json!("INVALID_FORMAT"),
        ),
        (
            format!("/exports/criterionProgress.csv?campaignId={c}&from=2025-03-01&to=2024-03-01"),
            400,
            "BAD_USER_INPUT",
            json!("END_BEFORE_START"),
        ),
        (
            "/exports/commendationStats.csv?fromYear=20x4&toYear=2025".to_owned(),
            400,
            "BAD_USER_INPUT",
            json!("INVALID_FORMAT"),
        ),
        (
            "/exports/commendationStats.csv?fromYear=2000&toYear=2025".to_owned(),
            400,
            "BAD_USER_INPUT",
            json!("OUT_OF_RANGE"),
        ),
        (
            "/exports/commendationStats.csv?fromYear=2024&toYear=2025&groupBy=YEAR,YEAR".to_owned(),
            400,
            "BAD_USER_INPUT",
            json!("DUPLICATE"),
        ),
        (
            "/exports/exemplarStats.csv?groupBy=COLOUR".to_owned(),
            400,
            "BAD_USER_INPUT",
            json!("INVALID_FORMAT"),
        ),
        (
            "/exports/exemplarStats.csv?stage=FAMOUS".to_owned(),
            400,
            "BAD_USER_INPUT",
            json!("INVALID_FORMAT"),
        ),
        (
            format!("/exports/exemplarStats.csv?fieldId={c}"),
            400,
            "BAD_USER_INPUT",
            Value::Null,
        ),
    ] {
        let (s, got, user) = refusal(&app, Some(&f.admin), &path).await;
        assert_eq!(
            (s, got.as_str().unwrap_or_default()),
            (status, code),
            "{path}"
        );
        if !user_code.is_null() {
            assert_eq!(user, user_code, "{path}");
        }
    }

    // A ward's manager reads their ward, not the other one, nor the province's totals.
    let manager = app
        .user_with_role(&f.admin, "xr-manager", "MANAGER", &f.wards[0])
        .await;
    let own = get(
        &app,
        Some(&manager),
        &format!(
            "/exports/reportingCompliance.csv?campaignId={c}&period=2025-03&unitId={}",
            f.wards[0]
        ),
    )
    .await;
    assert_eq!(own.status(), 200);
    for path in [
        format!(
            "/exports/reportingCompliance.csv?campaignId={c}&period=2025-03&unitId={}",
            f.wards[1]
        ),
        format!(
            "/exports/criterionProgress.xlsx?campaignId={c}&unitId={}",
            f.root
        ),
        format!("/exports/exemplarStats.csv?unitId={}", f.wards[1]),
        format!(
            "/exports/commendationStats.csv?fromYear=2024&toYear=2025&unitId={}",
            f.root
        ),
    ] {
        let (s, code, _) = refusal(&app, Some(&manager), &path).await;
        assert_eq!((s, code), (403, json!("FORBIDDEN")), "{path}");
    }
}

async fn the_report_register_exports_as_a_typed_workbook(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "XW", 0).await;
    let path = format!("/exports/reports.xlsx?campaignId={}", f.campaign);
    let resp = get(&app, Some(&f.admin), &path).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = resp.bytes().await.unwrap();
    let rows = sheet_rows(&bytes);
    let csv = csv_rows(
        &get(
            &app,
            Some(&f.admin),
            &format!("/exports/reports.csv?campaignId={}", f.campaign),
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    assert_eq!(rows.len(), 6, "the header and five reports");
    assert_eq!(csv.len(), rows.len());
    let header: Vec<&str> = rows[0].iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(header, csv[0], "the same columns: {header:?}");
    assert_eq!(header.last(), Some(&"Tiêu chí 1"), "a column per criterion");
    for row in &rows[1..] {
        // Period start and end: date-formatted numbers (Excel serials in 2025: 45xxx).
        assert!(row[3].1 && row[3].0.starts_with("45"), "{row:?}");
        assert!(row[4].1 && row[4].0.starts_with("45"), "{row:?}");
        // Submitted at: a date-time serial.
        assert!(row[6].1 && row[6].0.starts_with("45"), "{row:?}");
        // The value: a plain number.
        assert_eq!(row.last().unwrap(), &("5".to_owned(), false), "{row:?}");
    }
    assert!(
        rows[1..].iter().any(|r| r[6].0.contains('.')),
        "a moment keeps its time of day: {rows:?}"
    );
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    assert!(styles.contains("dd/mm/yyyy hh:mm"), "{styles}");
}

async fn statements_for(app: &TestApp, token: &str, path: &str) -> u64 {
    let before = app.db.statements_run();
    let resp = get(app, Some(token), path).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.bytes().await.unwrap();
    app.db.statements_run() - before
}

async fn an_aggregate_export_costs_the_same_statements_for_4_and_12_units(backend: Backend) {
    let app = spawn_app(backend).await;
    let small = fixture(&app, "XS", 0).await;
    let large = fixture(&app, "XL", 8).await;
    for (stem, query, expected) in [
        ("reportingCompliance", "&period=2025-03", 6),
        ("criterionProgress", "", 6),
    ] {
        let s = statements_for(
            &app,
            &small.admin,
            &format!("/exports/{stem}.csv?campaignId={}{query}", small.campaign),
        )
        .await;
        let l = statements_for(
            &app,
            &large.admin,
            &format!("/exports/{stem}.xlsx?campaignId={}{query}", large.campaign),
        )
        .await;
        assert_eq!(s, l, "{stem}: {s} statements for 4 units, {l} for 12");
        // The query's own: grants + campaign + milestones or criteria + launching unit
        // + figures + the groups' units; progress also names each criterion's campaign,
        // which the request has already loaded (it is cached for the request).
        assert_eq!(s, expected, "{stem}: {s} statements");
    }
}
