//! The award catalogue as data: the rows the law names, each with its level, NĐ 98/2023
//! Đ54 cash coefficient, central-body flag and legal basis, edited by administrators only;
//! a title with no start date is not in effect.

use serde_json::{Value, json};
use thidua_tests::commendations::{NOMINATE, award, user_codes};
use thidua_tests::{Backend, TestApp, both, spawn_app};

both!(
    catalogue_lists_the_law_s_rows_with_level_coefficient_and_legal_basis,
    administrators_edit_coefficient_basis_and_central_flag_within_bounds,
    a_title_without_start_date_is_refused_until_an_administrator_sets_one
);

const CATALOGUE: &str = "query($c: Boolean, $d: NaiveDate) { awardTypes(centralBody: $c, inEffectOn: $d) { \
    id code name category level recipientKind approvalThreshold conferringAuthority legalBasis \
    cashCoefficient centralBody effectiveFrom effectiveTo version } }";

async fn catalogue(app: &TestApp, token: &str, vars: Value) -> Vec<Value> {
    app.ok(Some(token), CATALOGUE, vars).await["awardTypes"]
        .as_array()
        .unwrap()
        .clone()
}

fn row<'a>(rows: &'a [Value], code: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row {code}"))
}

fn codes(rows: &[Value]) -> Vec<&str> {
    rows.iter().map(|r| r["code"].as_str().unwrap()).collect()
}

async fn catalogue_lists_the_law_s_rows_with_level_coefficient_and_legal_basis(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let all = catalogue(&app, &admin, json!({})).await;

    let facts = |code: &str| {
        let r = row(&all, code);
        (
            r["level"].as_str().unwrap().to_owned(),
            r["recipientKind"].as_str().unwrap().to_owned(),
            r["cashCoefficient"].clone(),
            r["centralBody"].clone(),
        )
    };
    let f = |level: &str, kind: &str, cash: Value, central: bool| {
        (level.to_owned(), kind.to_owned(), cash, json!(central))
    };
    // NĐ 98/2023 Đ54 multiples of the base salary.
    assert_eq!(
        facts("LAO-DONG-TIEN-TIEN"),
        f("GRASSROOTS", "INDIVIDUAL", json!("0.3"), false)
    );
    assert_eq!(
        facts("CHIEN-SI-TIEN-TIEN"),
        f("GRASSROOTS", "INDIVIDUAL", json!("0.3"), false)
    );
    assert_eq!(
        facts("CSTD-TOAN-QUOC"),
        f("CENTRAL", "INDIVIDUAL", json!("4.5"), true)
    );
    assert_eq!(
        facts("DON-VI-TIEN-TIEN"),
        f("GRASSROOTS", "COLLECTIVE", json!("0.8"), false)
    );
    assert_eq!(
        facts("DON-VI-QUYET-THANG"),
        f("PROVINCIAL", "COLLECTIVE", json!("1.5"), false)
    );
    assert_eq!(
        facts("XA-PHUONG-TIEU-BIEU"),
        f("PROVINCIAL", "COLLECTIVE", json!("2"), false)
    );
    assert_eq!(
        facts("THON-TDP-VAN-HOA"),
        f("GRASSROOTS", "COLLECTIVE", json!("1.5"), false)
    );
    assert_eq!(
        facts("GIA-DINH-VAN-HOA"),
        f("GRASSROOTS", "HOUSEHOLD", Value::Null, false)
    );
    assert_eq!(
        facts("CO-THI-DUA-CP"),
        f("CENTRAL", "COLLECTIVE", json!("12"), true)
    );
    // Central bodies: ministries and central organisations, counted as central.
    for code in [
        "BANG-KHEN-BO-NGANH",
        "BANG-KHEN-TLD",
        "BANG-KHEN-TWD",
        "BANG-KHEN-MTTQ",
        "CO-THI-DUA-BO-NGANH",
        "CO-THI-DUA-TLD",
        "CO-THI-DUA-TWD",
        "CO-THI-DUA-MTTQ",
    ] {
        let r = row(&all, code);
        assert_eq!(
            (&r["level"], &r["centralBody"]),
            (&json!("MINISTERIAL"), &json!(true)),
            "{r}"
        );
    }
    assert!(
        row(&all, "BANG-KHEN-TLD")["conferringAuthority"]
            .as_str()
            .unwrap()
            .contains("Tổng Liên đoàn Lao động Việt Nam")
    );
    // Luật 2022 Đ33: ten orders, five of them in three classes.
    let orders: Vec<&Value> = all.iter().filter(|r| r["category"] == "ORDER").collect();
    assert_eq!(orders.len(), 20);
    for o in &orders {
        assert!(o["legalBasis"].as_str().unwrap().contains("Điều 33"), "{o}");
    }
    for code in [
        "HUAN-CHUONG-SAO-VANG",
        "HUAN-CHUONG-HUU-NGHI",
        "HUAN-CHUONG-CHIEN-CONG-3",
    ] {
        assert_eq!(row(&all, code)["category"], "ORDER");
    }
    // Luật 2022 Đ59: the state honorary titles.
    let honorary: Vec<&str> = all
        .iter()
        .filter(|r| r["category"] == "STATE_HONORARY_TITLE")
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(honorary.len(), 12, "{honorary:?}");
    for code in [
        "TINH-ANH-HUNG",
        "BA-ME-VN-ANH-HUNG",
        "ANH-HUNG-LLVTND",
        "NGHE-SI-NHAN-DAN",
        "NGHE-NHAN-UU-TU",
    ] {
        assert!(honorary.contains(&code), "{code}");
        assert!(
            row(&all, code)["legalBasis"]
                .as_str()
                .unwrap()
                .contains("Điều 59")
        );
    }
    // Every row names its legal basis; the coefficient's source is named where one is set.
    for r in &all {
        assert!(!r["legalBasis"].as_str().unwrap().is_empty(), "{r}");
        if !r["cashCoefficient"].is_null() {
            assert!(r["legalBasis"].as_str().unwrap().contains("Điều 54"), "{r}");
        }
    }
    // The provincial title stays, not in effect.
    let citizen = row(&all, "CONG-DAN-QN-UU-TU");
    assert_eq!(
        (&citizen["effectiveFrom"], &citizen["category"]),
        (&Value::Null, &json!("PROVINCIAL_TITLE"))
    );
    let today = catalogue(&app, &admin, json!({"d": "2026-06-01"})).await;
    assert!(!codes(&today).contains(&"CONG-DAN-QN-UU-TU"));
    assert_eq!(today.len() + 1, all.len());

    // The set target 3 may count is a filter on data.
    let central = codes(&catalogue(&app, &admin, json!({"c": true})).await).join(",");
    assert!(central.contains("BANG-KHEN-TWD") && central.contains("HUAN-CHUONG-LD-1"));
    assert!(!central.contains("BANG-KHEN-UBND-TINH") && !central.contains("GIAY-KHEN"));
    let not_central = catalogue(&app, &admin, json!({"c": false})).await;
    assert_eq!(central.split(',').count() + not_central.len(), all.len());
}

const UPDATE: &str = "mutation($i: UpdateAwardTypeInput!) { updateAwardType(input: $i) { \
    awardType { version cashCoefficient legalBasis centralBody effectiveFrom } userErrors { field code } } }";
const CREATE: &str = "mutation($i: AwardTypeFields!) { createAwardType(input: $i) { \
    awardType { code cashCoefficient centralBody effectiveFrom } userErrors { field code } } }";

/// The editable fields of a row as the catalogue returns them.
fn fields_of(r: &Value) -> Value {
    json!({
        "code": r["code"], "name": r["name"], "category": r["category"], "level": r["level"],
        "recipientKind": r["recipientKind"], "approvalThreshold": r["approvalThreshold"],
        "conferringAuthority": r["conferringAuthority"], "legalBasis": r["legalBasis"],
        "cashCoefficient": r["cashCoefficient"], "centralBody": r["centralBody"],
        "effectiveFrom": r["effectiveFrom"], "effectiveTo": r["effectiveTo"],
    })
}

async fn administrators_edit_coefficient_basis_and_central_flag_within_bounds(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let manager = app
        .user_with_role(&admin, "quan.ly", "MANAGER", &root)
        .await;
    let all = catalogue(&app, &admin, json!({})).await;
    let lđtt = row(&all, "LAO-DONG-TIEN-TIEN");
    let id = lđtt["id"].clone();

    let mut edited = fields_of(lđtt);
    edited["cashCoefficient"] = json!("0.35");
    edited["legalBasis"] = json!("Nghị định 98/2023/NĐ-CP Điều 54, khoản 1 điểm d");
    edited["centralBody"] = json!(false);
    let send = |fields: Value, version: Value| json!({"i": {"id": id, "version": version, "fields": fields}});

    // Not an administrator: refused, nothing changed.
    let r = app
        .gql(
            Some(&manager),
            UPDATE,
            send(edited.clone(), lđtt["version"].clone()),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // Out of bounds: each refused with its field and code.
    for (field, value, code) in [
        ("cashCoefficient", json!("-0.1"), "OUT_OF_RANGE"),
        ("cashCoefficient", json!("100.5"), "OUT_OF_RANGE"),
        ("cashCoefficient", json!("0.305"), "OUT_OF_RANGE"),
        ("legalBasis", json!("Đ".repeat(2001)), "TOO_LONG"),
        ("legalBasis", json!("   "), "REQUIRED"),
        ("legalBasis", json!("Điều\u{0}54"), "INVALID_FORMAT"),
    ] {
        let mut bad = edited.clone();
        bad[field] = value;
        let r = app
            .gql(Some(&admin), UPDATE, send(bad, lđtt["version"].clone()))
            .await;
        assert_eq!(r.user_error_codes("updateAwardType"), [code], "{field}");
        assert_eq!(
            r.user_error_fields("updateAwardType"),
            [format!("fields.{field}")]
        );
    }
    let unchanged = catalogue(&app, &admin, json!({})).await;
    assert_eq!(
        row(&unchanged, "LAO-DONG-TIEN-TIEN"),
        lđtt,
        "refusals change nothing"
    );

    // An administrator edits the coefficient and the basis.
    let u = app
        .ok(
            Some(&admin),
            UPDATE,
            send(edited.clone(), lđtt["version"].clone()),
        )
        .await;
    assert_eq!(
        u["updateAwardType"]["awardType"],
        json!({"version": lđtt["version"].as_i64().unwrap() + 1, "cashCoefficient": "0.35",
               "legalBasis": "Nghị định 98/2023/NĐ-CP Điều 54, khoản 1 điểm d", "centralBody": false,
               "effectiveFrom": "2024-01-01"})
    );
    // A coefficient may be cleared (none stated).
    let mut cleared = edited.clone();
    cleared["cashCoefficient"] = Value::Null;
    let u = app
        .ok(
            Some(&admin),
            UPDATE,
            send(cleared, json!(lđtt["version"].as_i64().unwrap() + 1)),
        )
        .await;
    assert_eq!(
        u["updateAwardType"]["awardType"]["cashCoefficient"],
        Value::Null
    );

    // A new central body's row, created with its coefficient and flag.
    let mut new = fields_of(row(&all, "BANG-KHEN-TLD"));
    new["code"] = json!("BANG-KHEN-HOI-ND");
    new["name"] = json!("Bằng khen của Trung ương Hội Nông dân Việt Nam");
    new["cashCoefficient"] = json!("1");
    let c = app
        .ok(Some(&admin), CREATE, json!({"i": new.clone()}))
        .await;
    assert_eq!(
        c["createAwardType"]["awardType"],
        json!({"code": "BANG-KHEN-HOI-ND", "cashCoefficient": "1", "centralBody": true, "effectiveFrom": "2024-01-01"})
    );
    new["code"] = json!("BANG-KHEN-HOI-CCB");
    new["cashCoefficient"] = json!("150");
    let r = app
        .gql(Some(&admin), CREATE, json!({"i": new.clone()}))
        .await;
    assert_eq!(user_codes(&r, "createAwardType"), ["OUT_OF_RANGE"]);
    assert_eq!(r.user_error_fields("createAwardType"), ["cashCoefficient"]);
    new["cashCoefficient"] = json!("1");
    let r = app.gql(Some(&manager), CREATE, json!({"i": new})).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
}

async fn a_title_without_start_date_is_refused_until_an_administrator_sets_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let unit = app.create_unit(&admin, "KT-A", &root).await;
    let citizen = award(&app, &admin, "CONG-DAN-QN-UU-TU").await;
    let nominate = |award: String| {
        json!({"i": {"awardTypeId": award, "kind": "CONG_TRANG", "nominatingUnitId": unit, "awardYear": 2026,
                     "recipient": {"person": {"name": "Nguyễn Thị Hạ", "unitId": unit}}}})
    };

    let r = app
        .gql(Some(&admin), NOMINATE, nominate(citizen.clone()))
        .await;
    assert_eq!(
        r.user_error_codes("nominateCommendation"),
        ["AWARD_NOT_IN_EFFECT"]
    );
    assert_eq!(r.user_error_fields("nominateCommendation"), ["awardTypeId"]);

    // A household title goes to a household, not to a person.
    let family = award(&app, &admin, "GIA-DINH-VAN-HOA").await;
    let r = app.gql(Some(&admin), NOMINATE, nominate(family)).await;
    assert_eq!(
        r.user_error_codes("nominateCommendation"),
        ["RECIPIENT_KIND_MISMATCH"]
    );

    // The administrator sets the start date once the resolution exists.
    let all = catalogue(&app, &admin, json!({})).await;
    let row = row(&all, "CONG-DAN-QN-UU-TU");
    let mut fields = fields_of(row);
    fields["effectiveFrom"] = json!("2026-01-01");
    fields["legalBasis"] =
        json!("Nghị quyết của HĐND tỉnh Quảng Ninh (số hiệu giả định trong kiểm thử)");
    let u = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({"i": {"id": row["id"], "version": row["version"], "fields": fields}}),
        )
        .await;
    assert_eq!(
        u["updateAwardType"]["awardType"]["effectiveFrom"], "2026-01-01",
        "{u}"
    );
    let n = app.ok(Some(&admin), NOMINATE, nominate(citizen)).await;
    assert_eq!(n["nominateCommendation"]["userErrors"], json!([]), "{n}");
    assert_eq!(
        n["nominateCommendation"]["commendation"]["status"],
        "NOMINATED"
    );
}
