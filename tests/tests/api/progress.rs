//! Progress by criterion: a hand-counted fixture (two units in two wards, three months, a
//! count and a percentage) checked per child unit, per month, per quarter and in total; the
//! grants, the bad inputs and the statement count.

use base64::Engine;
use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app};
use uuid::Uuid;

use crate::leaderboard::{report, submit_and_approve};

both!(
    progress_matches_the_hand_counted_fixture,
    period_aggregations_combine_each_units_reports,
    a_ward_manager_sees_only_their_ward_progress,
    bad_progress_inputs_have_stable_codes,
    progress_costs_a_fixed_number_of_statements
);

const Q: &str = "query($c: ID!, $f: NaiveDate, $t: NaiveDate, $u: ID, $g: ProgressGroupBy) { \
    criterionProgress(campaignId: $c, from: $f, to: $t, unitId: $u, groupBy: $g) { \
    from to unit { code } criteria { criterion { id title } target unitAggregation value reports \
    groups { unit { code } period value reports } } } }";

struct Fixture {
    admin: String,
    campaign: String,
    root: String,
    wards: [String; 2],
}

/// Root → wards `{p}-W1` (unit `{p}-W1-A`) and `{p}-W2` (unit `{p}-W2-B`). Criteria: a
/// count (SUM over periods, target 30) and a percentage (LATEST, target 80). Approved:
///
/// | unit | Jan | Feb | Mar |
/// |------|-----|-----|-----|
/// | A    | 3 / 40 | 5 / 50 | 7 / 60 |
/// | B    | 2 / 70 | 4 / 80 | 6 / 95 |
///
/// plus A's April report (100 / 10), submitted but not approved: it never counts.
async fn fixture(app: &TestApp, p: &str) -> Fixture {
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let w1 = app.create_unit(&admin, &format!("{p}-W1"), &root).await;
    let w2 = app.create_unit(&admin, &format!("{p}-W2"), &root).await;
    let a = app.create_unit(&admin, &format!("{p}-W1-A"), &w1).await;
    let b = app.create_unit(&admin, &format!("{p}-W2-B"), &w2).await;
    let c = app
        .create_campaign(
            &admin,
            p,
            &root,
            json!([
                {"title": "Số hộ thoát nghèo", "measure": "COUNT", "unitLabel": "hộ", "targetValue": "30", "weight": "1"},
                {"title": "Tỷ lệ hộ gia đình văn hóa", "measure": "PERCENT", "unitLabel": "%", "targetValue": "80", "weight": "1"}
            ]),
        )
        .await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{:?}", c.body))
        .to_owned();
    let criteria: Vec<String> = c.data()["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    app.launch(&admin, &campaign).await;
    for u in [&a, &b] {
        app.ok(Some(&admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": u}}))
            .await;
    }
    let batch = vec![
        report(&campaign, &a, &criteria, 1, &["3", "40"]),
        report(&campaign, &a, &criteria, 2, &["5", "50"]),
        report(&campaign, &a, &criteria, 3, &["7", "60"]),
        report(&campaign, &b, &criteria, 1, &["2", "70"]),
        report(&campaign, &b, &criteria, 2, &["4", "80"]),
        report(&campaign, &b, &criteria, 3, &["6", "95"]),
        report(&campaign, &a, &criteria, 4, &["100", "10"]),
    ];
    submit_and_approve(app, &admin, batch, &[0, 1, 2, 3, 4, 5]).await;
    Fixture {
        admin,
        campaign,
        root,
        wards: [w1, w2],
    }
}

/// (value, reports, groups as (unit code or period, value, reports)) of each criterion.
type Shown = Vec<(Value, Value, Vec<(Value, Value, Value)>)>;

fn shown(d: &Value) -> Shown {
    d["criterionProgress"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let groups = c["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    let key = if g["unit"].is_null() {
                        g["period"].clone()
                    } else {
                        g["unit"]["code"].clone()
                    };
                    (key, g["value"].clone(), g["reports"].clone())
                })
                .collect();
            (c["value"].clone(), c["reports"].clone(), groups)
        })
        .collect()
}

fn g(key: &str, value: &str, reports: u64) -> (Value, Value, Value) {
    (json!(key), json!(value), json!(reports))
}

async fn progress_matches_the_hand_counted_fixture(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "PG").await;
    let run = |vars: Value| {
        let app = &app;
        let admin = f.admin.clone();
        async move { app.ok(Some(&admin), Q, vars).await }
    };

    // By child unit (the default), over the campaign's dates, from the launching unit.
    let d = run(json!({"c": f.campaign})).await;
    let p = &d["criterionProgress"];
    assert_eq!(
        (&p["from"], &p["to"]),
        (&json!("2025-01-01"), &json!("2025-12-31"))
    );
    assert_eq!(p["unit"]["code"], "QN", "{d}");
    let crit = &p["criteria"];
    assert_eq!(crit[0]["criterion"]["title"], "Số hộ thoát nghèo");
    assert_eq!(
        (&crit[0]["target"], &crit[0]["unitAggregation"]),
        (&json!("30"), &json!("SUM"))
    );
    assert_eq!(
        (&crit[1]["target"], &crit[1]["unitAggregation"]),
        (&json!("80"), &json!("AVERAGE"))
    );
    // Count: A 3+5+7 = 15, B 2+4+6 = 12, summed 27. Percentage: latest A 60, B 95, mean 77.5.
    assert_eq!(
        shown(&d),
        vec![
            (
                json!("27"),
                json!(6),
                vec![g("PG-W1", "15", 3), g("PG-W2", "12", 3)]
            ),
            (
                json!("77.5"),
                json!(6),
                vec![g("PG-W1", "60", 3), g("PG-W2", "95", 3)]
            ),
        ]
    );

    // By month: each month's two units.
    let d = run(json!({"c": f.campaign, "g": "PERIOD_MONTH"})).await;
    assert_eq!(
        shown(&d),
        vec![
            (
                json!("27"),
                json!(6),
                vec![
                    g("2025-01", "5", 2),
                    g("2025-02", "9", 2),
                    g("2025-03", "13", 2)
                ]
            ),
            (
                json!("77.5"),
                json!(6),
                vec![
                    g("2025-01", "55", 2),
                    g("2025-02", "65", 2),
                    g("2025-03", "77.5", 2)
                ]
            ),
        ]
    );

    // By quarter, half-year and year: one group, the total.
    for (by, key) in [
        ("PERIOD_QUARTER", "2025-Q1"),
        ("PERIOD_HALF_YEAR", "2025-H1"),
        ("PERIOD_YEAR", "2025"),
    ] {
        let d = run(json!({"c": f.campaign, "g": by})).await;
        assert_eq!(
            shown(&d),
            vec![
                (json!("27"), json!(6), vec![g(key, "27", 6)]),
                (json!("77.5"), json!(6), vec![g(key, "77.5", 6)]),
            ],
            "{by}"
        );
    }

    // February–March, no groups: 5+7 + 4+6 = 22; the latest values stay March's.
    let d = run(json!({"c": f.campaign, "f": "2025-02-01", "t": "2025-03-31", "g": "NONE"})).await;
    assert_eq!(
        shown(&d),
        vec![
            (json!("22"), json!(4), vec![]),
            (json!("77.5"), json!(4), vec![]),
        ]
    );

    // One ward: its unit alone.
    let d = run(json!({"c": f.campaign, "u": f.wards[1]})).await;
    assert_eq!(
        shown(&d),
        vec![
            (json!("12"), json!(3), vec![g("PG-W2-B", "12", 3)]),
            (json!("95"), json!(3), vec![g("PG-W2-B", "95", 3)]),
        ]
    );

    // A range without approved reports: null values, no groups.
    let d = run(json!({"c": f.campaign, "f": "2025-04-01", "t": "2025-12-31"})).await;
    assert_eq!(
        shown(&d),
        vec![
            (Value::Null, json!(0), vec![]),
            (Value::Null, json!(0), vec![]),
        ]
    );
}

/// AVERAGE, MAX and MIN period aggregations, over the whole range and per period (the
/// per-period figures are folded into the range's).
async fn period_aggregations_combine_each_units_reports(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let w1 = app.create_unit(&admin, "PA-W1", &root).await;
    let w2 = app.create_unit(&admin, "PA-W2", &root).await;
    let a = app.create_unit(&admin, "PA-W1-A", &w1).await;
    let b = app.create_unit(&admin, "PA-W2-B", &w2).await;
    let c = app
        .create_campaign(
            &admin,
            "PA",
            &root,
            json!([
                {"title": "Điểm trung bình", "measure": "NUMBER", "unitLabel": "điểm", "targetValue": "5", "weight": "1", "periodAggregation": "AVERAGE"},
                {"title": "Tỷ lệ cao nhất", "measure": "PERCENT", "unitLabel": "%", "targetValue": "80", "weight": "1", "periodAggregation": "MAX"},
                {"title": "Tỷ lệ thấp nhất", "measure": "PERCENT", "unitLabel": "%", "targetValue": "80", "weight": "1", "periodAggregation": "MIN"}
            ]),
        )
        .await;
    let campaign = c.data()["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{:?}", c.body))
        .to_owned();
    let criteria: Vec<String> = c.data()["createCampaign"]["campaign"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    app.launch(&admin, &campaign).await;
    for u in [&a, &b] {
        app.ok(Some(&admin), "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }", json!({"i": {"campaignId": campaign, "unitId": u}}))
            .await;
    }
    let batch = vec![
        report(&campaign, &a, &criteria, 1, &["1", "60", "60"]),
        report(&campaign, &a, &criteria, 2, &["2", "50", "50"]),
        report(&campaign, &a, &criteria, 3, &["4", "40", "40"]),
        report(&campaign, &b, &criteria, 1, &["3", "70", "70"]),
        report(&campaign, &b, &criteria, 2, &["5", "95", "95"]),
        report(&campaign, &b, &criteria, 3, &["10", "80", "80"]),
    ];
    submit_and_approve(&app, &admin, batch, &[0, 1, 2, 3, 4, 5]).await;
    let run = |g: &str| app.ok(Some(&admin), Q, json!({"c": campaign, "g": g}));

    // A: average 7/3, max 60, min 40; B: average 6, max 95, min 70; units averaged.
    let d = run("CHILD_UNIT").await;
    assert_eq!(
        shown(&d),
        vec![
            (
                json!("4.1667"),
                json!(6),
                vec![g("PA-W1", "2.3333", 3), g("PA-W2", "6", 3)]
            ),
            (
                json!("77.5"),
                json!(6),
                vec![g("PA-W1", "60", 3), g("PA-W2", "95", 3)]
            ),
            (
                json!("55"),
                json!(6),
                vec![g("PA-W1", "40", 3), g("PA-W2", "70", 3)]
            ),
        ]
    );
    // Each month holds one report of each unit.
    let d = run("PERIOD_MONTH").await;
    let months = |v: [&str; 3]| {
        vec![
            g("2025-01", v[0], 2),
            g("2025-02", v[1], 2),
            g("2025-03", v[2], 2),
        ]
    };
    assert_eq!(
        shown(&d),
        vec![
            (json!("4.1667"), json!(6), months(["2", "3.5", "7"])),
            (json!("77.5"), json!(6), months(["65", "72.5", "60"])),
            (json!("55"), json!(6), months(["65", "72.5", "60"])),
        ]
    );
    // One quarter holds them all: the same figures as the whole range.
    let d = run("PERIOD_QUARTER").await;
    assert_eq!(
        shown(&d),
        vec![
            (json!("4.1667"), json!(6), vec![g("2025-Q1", "4.1667", 6)]),
            (json!("77.5"), json!(6), vec![g("2025-Q1", "77.5", 6)]),
            (json!("55"), json!(6), vec![g("2025-Q1", "55", 6)]),
        ]
    );
}

async fn a_ward_manager_sees_only_their_ward_progress(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "PW").await;
    let manager = app
        .user_with_role(&f.admin, "quanly.phuong1", "MANAGER", &f.wards[0])
        .await;
    // Without a unit: their ward (the launching unit, the root, is out of reach).
    let d = app.ok(Some(&manager), Q, json!({"c": f.campaign})).await;
    assert_eq!(d["criterionProgress"]["unit"]["code"], "PW-W1");
    assert_eq!(
        shown(&d),
        vec![
            (json!("15"), json!(3), vec![g("PW-W1-A", "15", 3)]),
            (json!("60"), json!(3), vec![g("PW-W1-A", "60", 3)]),
        ]
    );
    // The root or the other ward: FORBIDDEN.
    for unit in [&f.root, &f.wards[1]] {
        let a = app
            .gql(Some(&manager), Q, json!({"c": f.campaign, "u": unit}))
            .await;
        assert_eq!(a.error_code(), Some("FORBIDDEN"), "{}", a.body);
    }
    // Signed out: UNAUTHENTICATED.
    let a = app.gql(None, Q, json!({"c": f.campaign})).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"));
}

async fn bad_progress_inputs_have_stable_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "PB").await;
    let unknown = |kind: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{kind}:{}", Uuid::now_v7()))
    };
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (json!({"c": unknown("Campaign")}), "NOT_FOUND", None),
        (json!({"c": "not-an-id"}), "BAD_USER_INPUT", None),
        (
            json!({"c": f.campaign, "u": unknown("OrgUnit")}),
            "NOT_FOUND",
            None,
        ),
        (
            json!({"c": f.campaign, "u": f.campaign}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            json!({"c": f.campaign, "f": "2025-03-01", "t": "2025-02-28"}),
            "BAD_USER_INPUT",
            Some("END_BEFORE_START"),
        ),
        // The campaign ends in 2025: a `from` alone before it may invert the range too.
        (
            json!({"c": f.campaign, "f": "2026-01-01"}),
            "BAD_USER_INPUT",
            Some("END_BEFORE_START"),
        ),
        (
            json!({"c": f.campaign, "f": "2015-01-01", "t": "2025-01-01"}),
            "BAD_USER_INPUT",
            Some("OUT_OF_RANGE"),
        ),
        // Not a real day, or not a grouping: refused by the schema.
        (
            json!({"c": f.campaign, "f": "2025-13-01"}),
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
        (
            json!({"c": f.campaign, "g": "WEEK"}),
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
    ];
    for (vars, code, user_code) in cases {
        let a = app.gql(Some(&f.admin), Q, vars.clone()).await;
        assert_eq!(a.error_code(), Some(code), "{vars}: {}", a.body);
        if let Some(u) = user_code {
            assert_eq!(
                a.body["errors"][0]["extensions"]["userErrorCode"], u,
                "{vars}: {}",
                a.body
            );
        }
        assert!(a.data().is_null() || a.data()["criterionProgress"].is_null());
    }
    // Just under ten years is fine.
    app.ok(
        Some(&f.admin),
        Q,
        json!({"c": f.campaign, "f": "2016-01-01", "t": "2025-12-31"}),
    )
    .await;
}

async fn progress_costs_a_fixed_number_of_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    let f = fixture(&app, "PS").await;
    let mut counts = vec![];
    // Two unit groups, three month groups, none: the same statements.
    for by in ["CHILD_UNIT", "PERIOD_MONTH", "NONE"] {
        let before = app.db.statements_run();
        app.ok(Some(&f.admin), Q, json!({"c": f.campaign, "g": by}))
            .await;
        counts.push(app.db.statements_run() - before);
    }
    // caller's grants + campaign + launching unit + criteria + figures, and for unit groups
    // the group units (one batch), whatever the number of groups. (The root named by `unit`
    // is the launching unit, already loaded by the request.)
    assert_eq!(counts[1], counts[2], "{counts:?}");
    assert!(counts[0] <= counts[2] + 1 && counts[0] <= 6, "{counts:?}");
}
