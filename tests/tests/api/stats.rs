//! Dashboard counts: commendationStats and exemplarStats against hand-counted fixtures,
//! their scoping to the caller's subtree, their bad inputs and their statement counts.

use serde_json::{Value, json};
use thidua_tests::commendations::{RECORD_CONFERRED, award, nominate, person};
use thidua_tests::{Answer, Backend, TestApp, both, spawn_app};

both!(
    commendations_are_counted_by_every_dimension,
    commendation_stats_cover_only_what_the_caller_may_read,
    exemplars_are_counted_with_replications_and_units_without_models,
    stats_refuse_bad_input_with_stable_codes,
    stats_cost_the_same_statements_for_few_and_many_records
);

const C_STATS: &str = "query($f: CommendationStatsFilter!, $g: [CommendationDimension!]!) { \
    commendationStats(filter: $f, groupBy: $g) { total truncated groups { count level category \
    kind recipientType year individual topLevelUnit { code } field { code } } } }";

const C_SHARE: &str = "query($f: CommendationStatsFilter!) { commendationStats(filter: $f, groupBy: []) { \
    total directWorkerShare { individualCommendations directWorkers share \
    byYear { year individualCommendations directWorkers share } } } }";

const E_STATS: &str = "query($f: ExemplarStatsFilter, $g: [ExemplarDimension!]!) { \
    exemplarStats(filter: $f, groupBy: $g) { total truncated groups { count stage kind \
    field { code } homeUnit { code } topLevelUnit { code } } } }";

const MODEL: &str = "mutation($i: CreateExemplarInput!) { createExemplar(input: $i) { exemplar { id } userErrors { code } } }";

/// The groups of an answer as `(key, count)`: the key joins the values of `dims`
/// (`-` for null), in that order; sorted, so a test compares whole tables.
fn table(groups: &Value, dims: &[&str]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let key: Vec<String> = dims
                .iter()
                .map(|d| match &g[*d] {
                    Value::Null => "-".to_owned(),
                    Value::String(s) => s.clone(),
                    Value::Object(o) => o["code"].as_str().unwrap().to_owned(),
                    v => v.to_string(),
                })
                .collect();
            (key.join("/"), g["count"].as_i64().unwrap())
        })
        .collect();
    out.sort();
    out
}

fn rows(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
    v.sort();
    v
}

async fn commendation_table(
    app: &TestApp,
    token: &str,
    filter: Value,
    dims: &[&str],
    fields: &[&str],
) -> (i64, Vec<(String, i64)>) {
    let d = app
        .ok(Some(token), C_STATS, json!({"f": filter, "g": dims}))
        .await;
    let s = &d["commendationStats"];
    assert_eq!(s["truncated"], false);
    (s["total"].as_i64().unwrap(), table(&s["groups"], fields))
}

async fn field_id(app: &TestApp, code_index: usize) -> (String, String) {
    let d = app.ok(None, "{ fields { id code } }", json!({})).await;
    let f = &d["fields"][code_index];
    (
        f["id"].as_str().unwrap().to_owned(),
        f["code"].as_str().unwrap().to_owned(),
    )
}

async fn create_model(
    app: &TestApp,
    token: &str,
    name: &str,
    kind: &str,
    unit: &str,
    field: Option<&str>,
) -> String {
    let d = app
        .ok(
            Some(token),
            MODEL,
            json!({"i": {"name": name, "kind": kind, "homeUnitId": unit, "fieldId": field,
                         "identifiedOn": "2024-01-10"}}),
        )
        .await;
    d["createExemplar"]["exemplar"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{d}"))
        .to_owned()
}

/// The fixture of the commendation tests: units A (with A1 below it) and B under the root,
/// and eight commendations, seven of them in 2024–2025 (see the table in the first test).
pub(crate) struct Commendations {
    pub(crate) root: String,
    pub(crate) a: String,
    pub(crate) a1: String,
    pub(crate) b: String,
    field_code: String,
}

async fn nominate_ok(app: &TestApp, token: &str, input: Value) {
    let n = nominate(app, token, input).await;
    assert!(n["commendation"]["id"].is_string(), "{n}");
}

pub(crate) async fn commendation_fixture(app: &TestApp, admin: &str) -> Commendations {
    let root = app.root_unit(admin).await;
    let a = app.create_unit(admin, "TK-A", &root).await;
    let a1 = app.create_unit(admin, "TK-A1", &a).await;
    let b = app.create_unit(admin, "TK-B", &root).await;
    let (field, field_code) = field_id(app, 0).await;
    let bk = award(app, admin, "BANG-KHEN-UBND-TINH").await;
    let gk = award(app, admin, "GIAY-KHEN").await;
    let cstd = award(app, admin, "CSTD-TINH").await;
    let unit = |award: &str, kind: &str, u: &str, year: i32| {
        json!({"awardTypeId": award, "kind": kind, "recipient": {"unitId": u},
               "nominatingUnitId": u, "awardYear": year})
    };
    // 1. A, collective, 2024.
    nominate_ok(app, admin, unit(&bk, "CONG_TRANG", &a, 2024)).await;
    // 2. A1, collective, ad hoc, 2025.
    nominate_ok(app, admin, unit(&gk, "DOT_XUAT", &a1, 2025)).await;
    // 3. A person in A1, a direct worker, 2025.
    let pa = person(app, admin, "Nguyễn Văn A", &a1).await;
    nominate_ok(
        app,
        admin,
        json!({"awardTypeId": cstd, "kind": "CONG_TRANG", "recipient": {"personId": pa},
               "nominatingUnitId": a1, "awardYear": 2025, "isDirectWorker": true}),
    )
    .await;
    // 4. A person in B, not a direct worker, 2025.
    let pb = person(app, admin, "Trần Thị B", &b).await;
    nominate_ok(
        app,
        admin,
        json!({"awardTypeId": cstd, "kind": "CONG_TRANG", "recipient": {"personId": pb},
               "nominatingUnitId": b, "awardYear": 2025}),
    )
    .await;
    // 5. A collective model of A in the first field, 2025.
    let m = create_model(app, admin, "Mô hình A", "COLLECTIVE", &a, Some(&field)).await;
    nominate_ok(
        app,
        admin,
        json!({"awardTypeId": bk, "kind": "CONG_TRANG", "recipient": {"exemplarId": m},
               "nominatingUnitId": a, "awardYear": 2025}),
    )
    .await;
    // 6. B in 2019: outside the years asked for.
    nominate_ok(app, admin, unit(&gk, "CONG_TRANG", &b, 2019)).await;
    // 7. The province itself, 2024: no top-level unit.
    nominate_ok(app, admin, unit(&bk, "CONG_TRANG", &root, 2024)).await;
    // 8. B, conferred directly by a central decision, 2025.
    let central = award(app, admin, "BANG-KHEN-TTG").await;
    let d = app
        .ok(
            Some(admin),
            RECORD_CONFERRED,
            json!({"i": {"awardTypeId": central, "kind": "CONG_TRANG", "recipient": {"unitId": b},
                         "nominatingUnitId": b, "awardYear": 2025,
                         "decisionNumber": "77/QĐ-TTg", "decisionDate": "2026-09-02"}}),
        )
        .await;
    assert_eq!(
        d["recordConferredHonour"]["commendation"]["status"], "CONFERRED",
        "{d}"
    );
    Commendations {
        root,
        a,
        a1,
        b,
        field_code,
    }
}

async fn commendations_are_counted_by_every_dimension(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let fx = commendation_fixture(&app, &admin).await;
    let years = json!({"fromYear": 2024, "toYear": 2025});

    let (total, t) = commendation_table(&app, &admin, years.clone(), &[], &[]).await;
    assert_eq!((total, t), (7, rows(&[("", 7)])));
    let (_, t) = commendation_table(&app, &admin, years.clone(), &["YEAR"], &["year"]).await;
    assert_eq!(t, rows(&[("2024", 2), ("2025", 5)]));
    let (_, t) = commendation_table(
        &app,
        &admin,
        years.clone(),
        &["TOP_LEVEL_UNIT"],
        &["topLevelUnit"],
    )
    .await;
    assert_eq!(t, rows(&[("TK-A", 4), ("TK-B", 2), ("-", 1)]));
    let (_, t) = commendation_table(
        &app,
        &admin,
        years.clone(),
        &["INDIVIDUAL", "KIND"],
        &["individual", "kind"],
    )
    .await;
    assert_eq!(
        t,
        rows(&[
            ("false/CONG_TRANG", 4),
            ("false/DOT_XUAT", 1),
            ("true/CONG_TRANG", 2)
        ])
    );
    let (_, t) = commendation_table(
        &app,
        &admin,
        years.clone(),
        &["RECIPIENT_TYPE"],
        &["recipientType"],
    )
    .await;
    assert_eq!(t, rows(&[("UNIT", 4), ("PERSON", 2), ("EXEMPLAR", 1)]));
    let (_, t) = commendation_table(&app, &admin, years.clone(), &["FIELD"], &["field"]).await;
    assert_eq!(t, rows(&[(fx.field_code.as_str(), 1), ("-", 6)]));
    // Level and category come from the award catalogue.
    let cat = app
        .ok(
            Some(&admin),
            "{ awardTypes { code level category } }",
            json!({}),
        )
        .await;
    let of = |code: &str| {
        let t = cat["awardTypes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap();
        format!(
            "{}/{}",
            t["level"].as_str().unwrap(),
            t["category"].as_str().unwrap()
        )
    };
    let mut expected: std::collections::BTreeMap<String, i64> = Default::default();
    for (code, n) in [
        ("BANG-KHEN-UBND-TINH", 3),
        ("GIAY-KHEN", 1),
        ("CSTD-TINH", 2),
        ("BANG-KHEN-TTG", 1),
    ] {
        *expected.entry(of(code)).or_default() += n;
    }
    let (_, t) = commendation_table(
        &app,
        &admin,
        years.clone(),
        &["LEVEL", "CATEGORY"],
        &["level", "category"],
    )
    .await;
    assert_eq!(t, expected.into_iter().collect::<Vec<_>>());
    // Every dimension at once: the groups still add up to the total.
    let all = [
        "LEVEL",
        "CATEGORY",
        "KIND",
        "RECIPIENT_TYPE",
        "YEAR",
        "TOP_LEVEL_UNIT",
        "FIELD",
        "INDIVIDUAL",
    ];
    let d = app
        .ok(Some(&admin), C_STATS, json!({"f": years, "g": all}))
        .await;
    let groups = d["commendationStats"]["groups"].as_array().unwrap();
    assert_eq!(
        groups
            .iter()
            .map(|g| g["count"].as_i64().unwrap())
            .sum::<i64>(),
        7
    );

    // The status filter and a wider range.
    let (total, _) = commendation_table(
        &app,
        &admin,
        json!({"fromYear": 2024, "toYear": 2025, "status": "CONFERRED"}),
        &[],
        &[],
    )
    .await;
    assert_eq!(total, 1);
    let (total, _) = commendation_table(
        &app,
        &admin,
        json!({"fromYear": 2024, "toYear": 2025, "status": "NOMINATED"}),
        &[],
        &[],
    )
    .await;
    assert_eq!(total, 6);
    let (total, t) = commendation_table(
        &app,
        &admin,
        json!({"fromYear": 2019, "toYear": 2025, "unitId": fx.b}),
        &["YEAR"],
        &["year"],
    )
    .await;
    assert_eq!((total, t), (3, rows(&[("2019", 1), ("2025", 2)])));
    // Nothing counted: no groups, a zero total.
    let (total, t) = commendation_table(
        &app,
        &admin,
        json!({"fromYear": 2030, "toYear": 2031}),
        &["YEAR"],
        &["year"],
    )
    .await;
    assert_eq!((total, t.len()), (0, 0));

    // The direct-worker share of the same commendations, per year and in all.
    let d = app.ok(Some(&admin), C_SHARE, json!({"f": years})).await;
    assert_eq!(
        d["commendationStats"]["directWorkerShare"],
        json!({"individualCommendations": 2, "directWorkers": 1, "share": "50",
               "byYear": [
                   {"year": 2024, "individualCommendations": 0, "directWorkers": 0, "share": null},
                   {"year": 2025, "individualCommendations": 2, "directWorkers": 1, "share": "50"}]})
    );
    let d = app
        .ok(
            Some(&admin),
            C_SHARE,
            json!({"f": {"fromYear": 2025, "toYear": 2025, "unitId": fx.a}}),
        )
        .await;
    assert_eq!(
        d["commendationStats"]["directWorkerShare"]["share"], "100",
        "{d}"
    );
    let _ = (&fx.root, &fx.a1);
}

async fn commendation_stats_cover_only_what_the_caller_may_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let fx = commendation_fixture(&app, &admin).await;
    let years = json!({"fromYear": 2024, "toYear": 2025});
    let viewer = app
        .user_with_role(&admin, "xem.phuong", "VIEWER", &fx.a)
        .await;

    // Without a unit: the caller's own subtree only (1, 2, 3 and 5).
    let (total, t) = commendation_table(&app, &viewer, years.clone(), &["YEAR"], &["year"]).await;
    assert_eq!((total, t), (4, rows(&[("2024", 1), ("2025", 3)])));
    let d = app.ok(Some(&viewer), C_SHARE, json!({"f": years})).await;
    assert_eq!(
        d["commendationStats"]["directWorkerShare"]["individualCommendations"],
        1
    );
    // A unit below: that subtree.
    let (total, _) = commendation_table(
        &app,
        &viewer,
        json!({"fromYear": 2024, "toYear": 2025, "unitId": fx.a1}),
        &[],
        &[],
    )
    .await;
    assert_eq!(total, 2);
    // A unit beside or above: FORBIDDEN, not an empty count.
    for unit in [&fx.b, &fx.root] {
        let r = app
            .gql(
                Some(&viewer),
                C_STATS,
                json!({"f": {"fromYear": 2024, "toYear": 2025, "unitId": unit}, "g": []}),
            )
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
        let r = app
            .gql(
                Some(&viewer),
                E_STATS,
                json!({"f": {"unitId": unit}, "g": []}),
            )
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    }
    // Anonymous callers get nothing.
    let r = app
        .gql(None, C_STATS, json!({"f": years, "g": ["YEAR"]}))
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    let r = app.gql(None, E_STATS, json!({"g": []})).await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    // Two grants side by side count both subtrees, each once; a province-wide one all.
    let both_wards = app
        .user_with_role(&admin, "xem.hai.phuong", "VIEWER", &fx.a)
        .await;
    let d = app
        .ok(
            Some(&admin),
            "{ orgUnit(code: \"TK-B\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(d["orgUnit"]["id"], json!(fx.b));
    grant(&app, &admin, "xem.hai.phuong", "REPORTER", &fx.b).await;
    grant(&app, &admin, "xem.hai.phuong", "VIEWER", &fx.a1).await;
    let both_wards = relogin(&app, "xem.hai.phuong", both_wards).await;
    let (total, _) = commendation_table(&app, &both_wards, years.clone(), &[], &[]).await;
    assert_eq!(total, 6);
    let province = app
        .user_with_role(&admin, "xem.tinh", "VIEWER", &fx.root)
        .await;
    let (total, _) = commendation_table(&app, &province, years, &[], &[]).await;
    assert_eq!(total, 7);
}

/// Grants `role` on `unit` to the user named `username`.
async fn grant(app: &TestApp, admin: &str, username: &str, role: &str, unit: &str) {
    let d = app
        .ok(
            Some(admin),
            "{ users(first: 100) { edges { node { id username } } } }",
            json!({}),
        )
        .await;
    let uid = d["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["username"] == username)
        .unwrap()["node"]["id"]
        .clone();
    let d = app
        .ok(
            Some(admin),
            "mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { code } } }",
            json!({"i": {"userId": uid, "role": role, "unitId": unit}}),
        )
        .await;
    assert_eq!(d["grantRole"]["userErrors"], json!([]), "{d}");
}

/// A fresh token after the caller's grants changed (they are read at sign-in).
async fn relogin(app: &TestApp, username: &str, _old: String) -> String {
    app.login(username, thidua_tests::PASSWORD).await
}

async fn exemplars_are_counted_with_replications_and_units_without_models(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "DH-A", &root).await;
    let a1 = app.create_unit(&admin, "DH-A1", &a).await;
    let a2 = app.create_unit(&admin, "DH-A2", &a).await;
    let b = app.create_unit(&admin, "DH-B", &root).await;
    let c = app.create_unit(&admin, "DH-C", &root).await;
    let (f1, f1_code) = field_id(&app, 0).await;
    let (f2, f2_code) = field_id(&app, 1).await;
    let m1 = create_model(&app, &admin, "Mô hình 1", "COLLECTIVE", &a, Some(&f1)).await;
    let _m2 = create_model(&app, &admin, "Mô hình 2", "INDIVIDUAL", &a1, Some(&f2)).await;
    let m3 = create_model(&app, &admin, "Mô hình 3", "COLLECTIVE", &b, Some(&f1)).await;
    let _m4 = create_model(&app, &admin, "Mô hình 4", "INDIVIDUAL", &b, None).await;
    app.ok(
        Some(&admin),
        "mutation($i: ChangeExemplarStageInput!) { changeExemplarStage(input: $i) { exemplar { stage } } }",
        json!({"i": {"id": m1, "stage": "NURTURED", "onDate": "2024-05-01"}}),
    )
    .await;
    let replicate = |m: &str, u: &str| json!({"i": {"id": m, "unitId": u, "onDate": "2024-09-01"}});
    const REPLICATE: &str = "mutation($i: ReplicateExemplarInput!) { replicateExemplar(input: $i) { exemplar { id } userErrors { code } } }";
    for (m, u) in [(&m1, &b), (&m1, &c), (&m3, &a2)] {
        let d = app.ok(Some(&admin), REPLICATE, replicate(m, u)).await;
        assert_eq!(d["replicateExemplar"]["userErrors"], json!([]), "{d}");
    }

    let q = |f: Value, g: Value| json!({"f": f, "g": g});
    let d = app
        .ok(
            Some(&admin),
            E_STATS,
            q(json!({"unitId": root}), json!(["STAGE", "KIND"])),
        )
        .await;
    let s = &d["exemplarStats"];
    assert_eq!(s["total"], 4);
    assert_eq!(
        table(&s["groups"], &["stage", "kind"]),
        rows(&[
            ("IDENTIFIED/COLLECTIVE", 1),
            ("IDENTIFIED/INDIVIDUAL", 2),
            ("NURTURED/COLLECTIVE", 1)
        ])
    );
    let d = app
        .ok(Some(&admin), E_STATS, q(json!(null), json!(["FIELD"])))
        .await;
    assert_eq!(
        table(&d["exemplarStats"]["groups"], &["field"]),
        rows(&[(f1_code.as_str(), 2), (f2_code.as_str(), 1), ("-", 1)])
    );
    let d = app
        .ok(Some(&admin), E_STATS, q(json!(null), json!(["HOME_UNIT"])))
        .await;
    assert_eq!(
        table(&d["exemplarStats"]["groups"], &["homeUnit"]),
        rows(&[("DH-A", 1), ("DH-A1", 1), ("DH-B", 2)])
    );
    let d = app
        .ok(
            Some(&admin),
            E_STATS,
            q(json!(null), json!(["TOP_LEVEL_UNIT", "KIND"])),
        )
        .await;
    assert_eq!(
        table(&d["exemplarStats"]["groups"], &["topLevelUnit", "kind"]),
        rows(&[
            ("DH-A/COLLECTIVE", 1),
            ("DH-A/INDIVIDUAL", 1),
            ("DH-B/COLLECTIVE", 1),
            ("DH-B/INDIVIDUAL", 1)
        ])
    );
    // Filters: a subtree, a field, a stage, a kind.
    for (f, n) in [
        (json!({"unitId": a}), 2),
        (json!({"unitId": a1}), 1),
        (json!({"unitId": c}), 0),
        (json!({"fieldId": f1}), 2),
        (json!({"stage": "NURTURED"}), 1),
        (json!({"kind": "INDIVIDUAL", "unitId": b}), 1),
    ] {
        let d = app.ok(Some(&admin), E_STATS, q(f.clone(), json!([]))).await;
        assert_eq!(d["exemplarStats"]["total"], n, "{f}");
    }

    // Replications per model, most first, bounded by `first`.
    const MOST: &str = "query($f: ExemplarStatsFilter, $n: Int) { exemplarStats(filter: $f, groupBy: []) { \
        mostReplicated(first: $n) { replications exemplar { name } } } }";
    let d = app.ok(Some(&admin), MOST, json!({"n": 10})).await;
    assert_eq!(
        d["exemplarStats"]["mostReplicated"],
        json!([{"replications": 2, "exemplar": {"name": "Mô hình 1"}},
               {"replications": 1, "exemplar": {"name": "Mô hình 3"}}])
    );
    let d = app.ok(Some(&admin), MOST, json!({"n": 1})).await;
    assert_eq!(
        d["exemplarStats"]["mostReplicated"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Scoped by the model's home unit: B's subtree holds model 3 only.
    let d = app
        .ok(Some(&admin), MOST, json!({"f": {"unitId": b}, "n": 10}))
        .await;
    assert_eq!(
        d["exemplarStats"]["mostReplicated"],
        json!([{"replications": 1, "exemplar": {"name": "Mô hình 3"}}])
    );

    // Units that have neither built nor replicated a model: under A, A1 built one and A2
    // replicated one, A built one: none. Under the root's new units, only C replicated:
    // none either; a fresh unit D is listed, and in field 2 A, A2, B and C are too.
    const WITHOUT: &str = "query($f: ExemplarStatsFilter, $n: Int) { exemplarStats(filter: $f, groupBy: []) { \
        unitsWithoutModels(first: $n) { totalCount units { code } } } }";
    let d = app
        .ok(Some(&admin), WITHOUT, json!({"f": {"unitId": a}, "n": 10}))
        .await;
    assert_eq!(
        d["exemplarStats"]["unitsWithoutModels"],
        json!({"totalCount": 0, "units": []})
    );
    let d_unit = app.create_unit(&admin, "DH-D", &a).await;
    let d = app
        .ok(Some(&admin), WITHOUT, json!({"f": {"unitId": a}, "n": 10}))
        .await;
    assert_eq!(
        d["exemplarStats"]["unitsWithoutModels"],
        json!({"totalCount": 1, "units": [{"code": "DH-D"}]})
    );
    let d = app
        .ok(
            Some(&admin),
            WITHOUT,
            json!({"f": {"unitId": a, "fieldId": f2}, "n": 2}),
        )
        .await;
    // In field 2 only A1 has a model: A, A2 and D have none; the first two by depth, code.
    assert_eq!(
        d["exemplarStats"]["unitsWithoutModels"],
        json!({"totalCount": 3, "units": [{"code": "DH-A"}, {"code": "DH-A2"}]})
    );
    let _ = d_unit;

    // A ward viewer counts its own subtree only.
    let viewer = app.user_with_role(&admin, "xem.dh.a", "VIEWER", &a).await;
    let d = app
        .ok(Some(&viewer), E_STATS, q(json!(null), json!([])))
        .await;
    assert_eq!(d["exemplarStats"]["total"], 2);
}

fn user_error_code(a: &Answer) -> (Option<&str>, &Value, &Value) {
    let ext = &a.body["errors"][0]["extensions"];
    (a.error_code(), &ext["userErrorCode"], &ext["field"])
}

async fn stats_refuse_bad_input_with_stable_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let years = json!({"fromYear": 2024, "toYear": 2025});
    let cases: Vec<(Value, Value, &str, &str)> = vec![
        (
            years.clone(),
            json!(["YEAR", "LEVEL", "YEAR"]),
            "DUPLICATE",
            "groupBy",
        ),
        (
            json!({"fromYear": 2026, "toYear": 2025}),
            json!([]),
            "END_BEFORE_START",
            "filter.toYear",
        ),
        (
            json!({"fromYear": 2015, "toYear": 2025}),
            json!([]),
            "OUT_OF_RANGE",
            "filter.toYear",
        ),
        (
            json!({"fromYear": -2147483648, "toYear": 2025}),
            json!([]),
            "OUT_OF_RANGE",
            "filter.fromYear",
        ),
    ];
    for (f, g, code, field) in cases {
        let r = app
            .gql(Some(&admin), C_STATS, json!({"f": f, "g": g}))
            .await;
        assert_eq!(
            user_error_code(&r),
            (Some("BAD_USER_INPUT"), &json!(code), &json!(field)),
            "{}",
            r.body
        );
    }
    // Ten years is the longest range.
    let r = app
        .gql(
            Some(&admin),
            C_STATS,
            json!({"f": {"fromYear": 2016, "toYear": 2025}, "g": []}),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let r = app
        .gql(Some(&admin), E_STATS, json!({"g": ["STAGE", "STAGE"]}))
        .await;
    assert_eq!(
        user_error_code(&r),
        (
            Some("BAD_USER_INPUT"),
            &json!("DUPLICATE"),
            &json!("groupBy")
        )
    );
    // A dimension that does not exist is refused by the schema.
    let r = app.gql(Some(&admin), E_STATS, json!({"g": ["YEAR"]})).await;
    assert!(r.error_code().is_some(), "{}", r.body);
    assert!(r.body["data"].is_null() || r.body["data"]["exemplarStats"].is_null());

    // Unknown and malformed ids: a unit of another id, a deleted-like id, a field.
    let unknown_unit = {
        // A well-formed id of a unit that does not exist: a real unit's id, its uuid changed.
        let d = app.ok(Some(&admin), "{ fields { id } }", json!({})).await;
        let field = d["fields"][0]["id"].as_str().unwrap().to_owned();
        (
            field,
            node_id("OrgUnit", "00000000-0000-7000-8000-000000000000"),
        )
    };
    let r = app
        .gql(
            Some(&admin),
            C_STATS,
            json!({"f": {"fromYear": 2024, "toYear": 2025, "unitId": unknown_unit.1}, "g": []}),
        )
        .await;
    assert_eq!(
        user_error_code(&r),
        (
            Some("BAD_USER_INPUT"),
            &json!("UNKNOWN_REFERENCE"),
            &json!("filter.unitId")
        ),
        "{}",
        r.body
    );
    let r = app
        .gql(
            Some(&admin),
            E_STATS,
            json!({"f": {"unitId": unknown_unit.1}, "g": []}),
        )
        .await;
    assert_eq!(
        user_error_code(&r).1,
        &json!("UNKNOWN_REFERENCE"),
        "{}",
        r.body
    );
    let r = app
        .gql(
            Some(&admin),
            E_STATS,
            json!({"f": {"fieldId": node_id("Field", "00000000-0000-7000-8000-000000000000")}, "g": []}),
        )
        .await;
    assert_eq!(
        user_error_code(&r),
        (
            Some("BAD_USER_INPUT"),
            &json!("UNKNOWN_REFERENCE"),
            &json!("filter.fieldId")
        ),
        "{}",
        r.body
    );
    // A field's id where a unit's is expected, and garbage.
    for bad in [unknown_unit.0.as_str(), "not-an-id"] {
        let r = app
            .gql(
                Some(&admin),
                C_STATS,
                json!({"f": {"fromYear": 2024, "toYear": 2025, "unitId": bad}, "g": []}),
            )
            .await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    }
    // Bounded lists.
    for n in [0, 101] {
        let r = app
            .gql(
                Some(&admin),
                "query($n: Int) { exemplarStats(groupBy: []) { mostReplicated(first: $n) { replications } } }",
                json!({"n": n}),
            )
            .await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    }
    for n in [0, 501] {
        let r = app
            .gql(
                Some(&admin),
                "query($n: Int) { exemplarStats(groupBy: []) { unitsWithoutModels(first: $n) { totalCount } } }",
                json!({"n": n}),
            )
            .await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    }
    let _ = root;
}

/// A global id as the API encodes it: base64url of `Type:uuid`.
fn node_id(ty: &str, uuid: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ty}:{uuid}"))
}

const C_FULL: &str = "query($f: CommendationStatsFilter!) { commendationStats(filter: $f, \
    groupBy: [TOP_LEVEL_UNIT, FIELD, YEAR, LEVEL]) { total groups { count year level \
    topLevelUnit { code name } field { code name } } directWorkerShare { share byYear { year share } } } }";

const E_FULL: &str = "{ exemplarStats(groupBy: [HOME_UNIT, TOP_LEVEL_UNIT, FIELD]) { total groups { count \
    homeUnit { code } topLevelUnit { code } field { code } } mostReplicated(first: 20) { \
    replications exemplar { name } } unitsWithoutModels(first: 50) { totalCount units { code } } } }";

/// Statements run by `query`, and its answer.
async fn statements(app: &TestApp, token: &str, query: &str, vars: Value) -> (u64, Value) {
    let before = app.db.statements_run();
    let d = app.ok(Some(token), query, vars).await;
    (app.db.statements_run() - before, d)
}

async fn stats_cost_the_same_statements_for_few_and_many_records(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let (field, _) = field_id(&app, 0).await;
    let gk = award(&app, &admin, "GIAY-KHEN").await;
    let years = json!({"f": {"fromYear": 2020, "toYear": 2029}});
    // A signed-in request reading one table: the caller's session, then the table.
    let (base, _) = statements(&app, &admin, "{ programme { id } }", json!({})).await;

    add(&app, &admin, &root, &field, &gk, 0..2).await;
    let (c_few, d) = statements(&app, &admin, C_FULL, years.clone()).await;
    assert_eq!(d["commendationStats"]["total"], 2);
    let (e_few, d) = statements(&app, &admin, E_FULL, json!({})).await;
    assert_eq!(d["exemplarStats"]["total"], 2);
    add(&app, &admin, &root, &field, &gk, 2..14).await;
    let (c_many, d) = statements(&app, &admin, C_FULL, years).await;
    assert_eq!(d["commendationStats"]["total"], 14);
    assert_eq!(
        d["commendationStats"]["groups"].as_array().unwrap().len(),
        14
    );
    let (e_many, d) = statements(&app, &admin, E_FULL, json!({})).await;
    assert_eq!(d["exemplarStats"]["total"], 14);
    // commendationStats: the groups, the share, one batch of units and one of fields.
    assert_eq!(c_few, c_many, "the statement count grows with the records");
    assert!(
        c_many <= base + 3,
        "{c_many} statements, {base} for one table"
    );
    // exemplarStats: the groups, the most replicated, the units without models; units,
    // fields and models in batches (units in at most two: the groups' and the list's).
    assert!(
        e_few <= base + 6,
        "{e_few} statements, {base} for one table"
    );
    assert!(
        e_many <= base + 6,
        "{e_many} statements, {base} for one table"
    );
}

/// A unit under the root per index, with a model of its own honoured once.
async fn add(
    app: &TestApp,
    admin: &str,
    root: &str,
    field: &str,
    award: &str,
    range: std::ops::Range<i32>,
) {
    for i in range {
        let code = format!("SL-{i:02}");
        let u = app.create_unit(admin, &code, root).await;
        let m = create_model(
            app,
            admin,
            &format!("Mô hình {code}"),
            "COLLECTIVE",
            &u,
            Some(field),
        )
        .await;
        nominate_ok(
            app,
            admin,
            json!({"awardTypeId": award, "kind": "CONG_TRANG", "recipient": {"exemplarId": m},
                   "nominatingUnitId": u, "awardYear": 2020 + i % 5}),
        )
        .await;
    }
}
