//! Who decides which award as data (the authority table), households as recipients, and
//! council sessions listed by unit.

use serde_json::{Value, json};
use thidua_tests::commendations::{
    BALLOT, CONFER, award, nominate, review, session, session_at, tally, user_codes,
};
use thidua_tests::{Answer, Backend, TestApp, both, spawn_app};

both!(
    a_ward_council_confers_what_its_authority_row_says,
    authority_rows_check_their_input_and_only_administrators_edit_them,
    a_household_award_goes_to_a_household_named_by_its_head_and_unit,
    household_nominations_check_their_input,
    council_sessions_are_listed_by_unit_and_subtree
);

const AUTHORITIES: &str =
    "{ unitAuthorities { id unitKind highestLevel legalBasis version updatedAt } }";
const UPDATE: &str = "mutation($i: UpdateUnitAuthorityInput!) { updateUnitAuthority(input: $i) { unitAuthority { unitKind highestLevel legalBasis version } userErrors { field code message } } }";
const NOMINATE_HOUSEHOLD: &str = "mutation($i: NominateInput!) { nominateCommendation(input: $i) { commendation { id status recipientType householdHead personName isIndividual unit { code } } userErrors { field code message } } }";

/// The row of `kind` in the authority table.
async fn row(app: &TestApp, token: &str, kind: &str) -> Value {
    let d = app.ok(Some(token), AUTHORITIES, json!({})).await;
    d["unitAuthorities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unitKind"] == kind)
        .unwrap_or_else(|| panic!("no row {kind}: {d}"))
        .clone()
}

async fn set_row(
    app: &TestApp,
    token: &str,
    kind: &str,
    level: Value,
    basis: &str,
    version: Value,
) -> Answer {
    app.gql(
        Some(token),
        UPDATE,
        json!({"i": {"unitKind": kind, "highestLevel": level, "legalBasis": basis, "version": version}}),
    )
    .await
}

/// Nominates `award` for the unit `unit` in 2026, reviews it at `sess` and approves it
/// unanimously; returns its id.
async fn approved(app: &TestApp, token: &str, award: &str, unit: &str, sess: &str) -> String {
    let n = nominate(
        app,
        token,
        json!({"awardTypeId": award, "kind": "CONG_TRANG", "recipient": {"unitId": unit},
               "nominatingUnitId": unit, "awardYear": 2026}),
    )
    .await;
    let id = n["commendation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("nominate: {n}"))
        .to_owned();
    let r = review(app, token, &id, sess).await;
    assert_eq!(
        r["submitCommendationForReview"]["commendation"]["status"], "UNDER_REVIEW",
        "{r}"
    );
    let b = app
        .ok(Some(token), BALLOT, tally(&id, [3, 0, 3, 0, 0]))
        .await;
    assert_eq!(
        b["recordCouncilBallot"]["commendation"]["status"], "APPROVED",
        "{b}"
    );
    id
}

async fn confer(app: &TestApp, token: &str, id: &str, number: &str) -> Answer {
    app.gql(
        Some(token),
        CONFER,
        json!({"i": {"id": id, "decisionNumber": number, "decisionDate": "2026-11-25",
                      "issuingAuthority": "Chủ tịch UBND phường"}}),
    )
    .await
}

async fn a_ward_council_confers_what_its_authority_row_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "PHUONG-QH", &root).await;

    // Seeded from Law 06/2022 art. 80: a ward's chairman decides grassroots awards.
    let w = row(&app, &admin, "WARD").await;
    assert_eq!(w["highestLevel"], "GRASSROOTS", "{w}");
    assert!(w["legalBasis"].as_str().unwrap().contains("Điều 80"), "{w}");
    assert_eq!(
        row(&app, &admin, "PROVINCE").await["highestLevel"],
        "PROVINCIAL"
    );
    assert_eq!(
        row(&app, &admin, "VILLAGE").await["highestLevel"],
        Value::Null
    );

    let sess =
        session_at(&app, &admin, &ward, 3).await.data()["createCouncilSession"]["session"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let bang_khen = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    let giay_khen = award(&app, &admin, "GIAY-KHEN").await;
    let provincial = approved(&app, &admin, &bang_khen, &ward, &sess).await;
    let grassroots = approved(&app, &admin, &giay_khen, &ward, &sess).await;

    // Today the ward only proposes a provincial Bằng khen.
    let r = confer(&app, &admin, &provincial, "1/QĐ-P").await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["OUTSIDE_AUTHORITY"]);

    // A decree gives wards the provincial level: the same council now confers it.
    let r = set_row(
        &app,
        &admin,
        "WARD",
        json!("PROVINCIAL"),
        "NĐ 152/2025/NĐ-CP (giả định cho kiểm thử)",
        w["version"].clone(),
    )
    .await;
    let saved = &r.data()["updateUnitAuthority"];
    assert_eq!(saved["userErrors"], json!([]), "{saved}");
    assert_eq!(
        saved["unitAuthority"],
        json!({"unitKind": "WARD", "highestLevel": "PROVINCIAL",
               "legalBasis": "NĐ 152/2025/NĐ-CP (giả định cho kiểm thử)", "version": 2})
    );
    let r = confer(&app, &admin, &provincial, "1/QĐ-P").await;
    assert_eq!(
        r.data()["conferCommendation"]["commendation"]["status"],
        "CONFERRED",
        "{:?}",
        r.data()
    );
    // Other kinds keep their row.
    assert_eq!(
        row(&app, &admin, "COMMUNE").await["highestLevel"],
        "GRASSROOTS"
    );

    // Set to no authority: the ward decides nothing, not even a Giấy khen, and holds no
    // new council.
    let r = set_row(
        &app,
        &admin,
        "WARD",
        Value::Null,
        "Không có thẩm quyền (kiểm thử)",
        json!(2),
    )
    .await;
    assert_eq!(r.data()["updateUnitAuthority"]["userErrors"], json!([]));
    let r = confer(&app, &admin, &grassroots, "2/QĐ-P").await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["OUTSIDE_AUTHORITY"]);
    let r = session_at(&app, &admin, &ward, 3).await;
    assert_eq!(
        user_codes(&r, "createCouncilSession"),
        ["OUTSIDE_AUTHORITY"]
    );
    // Back to the seeded level: the Giấy khen is conferred after all.
    set_row(
        &app,
        &admin,
        "WARD",
        json!("GRASSROOTS"),
        "Luật Thi đua, khen thưởng 2022, Điều 80",
        json!(3),
    )
    .await;
    let r = confer(&app, &admin, &grassroots, "2/QĐ-P").await;
    assert_eq!(
        r.data()["conferCommendation"]["commendation"]["status"],
        "CONFERRED",
        "{:?}",
        r.data()
    );

    // Every edit is in the audit trail with the row before and after.
    let d = app
        .ok(
            Some(&admin),
            "{ auditLog(filter: {entity: \"UnitAuthority\"}) { edges { node { entity entityId action summary } } } }",
            json!({}),
        )
        .await;
    let edits = d["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(edits.len(), 3, "{d}");
    let newest = &edits[0]["node"];
    assert_eq!(newest["action"], "update");
    assert_eq!(newest["entityId"], w["id"]);
    let summary: Value = serde_json::from_str(newest["summary"].as_str().unwrap()).unwrap();
    assert_eq!(summary["unitKind"], "WARD");
    assert_eq!(summary["before"]["highestLevel"], Value::Null);
    assert_eq!(summary["after"]["highestLevel"], "GRASSROOTS");
}

async fn authority_rows_check_their_input_and_only_administrators_edit_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let manager = app
        .user_with_role(&admin, "quan.ly.tq", "MANAGER", &root)
        .await;
    let council = app
        .user_with_role(&admin, "hoi.dong.tq", "COUNCIL", &root)
        .await;
    let w = row(&app, &manager, "WARD").await;
    let v = w["version"].clone();

    // Only administrators edit the table; nothing changes.
    for token in [&manager, &council] {
        let r = set_row(&app, token, "WARD", json!("CENTRAL"), "x", v.clone()).await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{:?}", r.data());
    }
    let r = app
        .gql(
            None,
            UPDATE,
            json!({"i": {"unitKind": "WARD", "highestLevel": "CENTRAL", "legalBasis": "x", "version": 1}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    assert_eq!(row(&app, &admin, "WARD").await, w);

    // Bad input: each refused with its field and code, all at once.
    let codes = |r: &Answer| {
        (
            r.user_error_fields("updateUnitAuthority"),
            user_codes(r, "updateUnitAuthority"),
        )
    };
    let r = set_row(&app, &admin, "WARD", json!("PROVINCIAL"), "   ", v.clone()).await;
    assert_eq!(
        codes(&r),
        (vec!["legalBasis".to_owned()], vec!["REQUIRED".to_owned()])
    );
    let long = "Đ".repeat(2001);
    let r = set_row(&app, &admin, "WARD", json!("PROVINCIAL"), &long, v.clone()).await;
    assert_eq!(
        codes(&r),
        (vec!["legalBasis".to_owned()], vec!["TOO_LONG".to_owned()])
    );
    let r = set_row(&app, &admin, "WARD", json!("PROVINCIAL"), "", json!(0)).await;
    assert_eq!(
        codes(&r),
        (
            vec!["legalBasis".to_owned(), "version".to_owned()],
            vec!["REQUIRED".to_owned(), "OUT_OF_RANGE".to_owned()]
        )
    );
    // A level or kind outside the enums never reaches the resolver.
    let r = set_row(&app, &admin, "WARD", json!("GALACTIC"), "x", v.clone()).await;
    assert!(r.data().is_null() || r.data()["updateUnitAuthority"].is_null());
    let r = set_row(&app, &admin, "HAMLET", json!("PROVINCIAL"), "x", v.clone()).await;
    assert!(r.data().is_null() || r.data()["updateUnitAuthority"].is_null());
    assert_eq!(row(&app, &admin, "WARD").await, w, "nothing changed");

    // A stale version is a conflict.
    let ok = set_row(
        &app,
        &admin,
        "WARD",
        json!("GRASSROOTS"),
        "Điều 80",
        v.clone(),
    )
    .await;
    assert_eq!(
        ok.data()["updateUnitAuthority"]["unitAuthority"]["version"],
        2
    );
    let r = set_row(&app, &admin, "WARD", json!("PROVINCIAL"), "Điều 80", v).await;
    assert_eq!(r.error_code(), Some("CONFLICT"));
    assert_eq!(
        row(&app, &admin, "WARD").await["highestLevel"],
        "GRASSROOTS"
    );
}

async fn a_household_award_goes_to_a_household_named_by_its_head_and_unit(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "PHUONG-GD", &root).await;
    let other = app.create_unit(&admin, "XA-GD", &root).await;
    let family = award(&app, &admin, "GIA-DINH-VAN-HOA").await;
    let nom = |recipient: Value, year: i32| {
        let (app, admin, family, ward) = (&app, &admin, &family, &ward);
        async move {
            app.gql(
                Some(admin),
                NOMINATE_HOUSEHOLD,
                json!({"i": {"awardTypeId": family, "kind": "CONG_TRANG", "recipient": recipient,
                              "nominatingUnitId": ward, "awardYear": year}}),
            )
            .await
        }
    };
    let household =
        |head: &str, unit: &str| json!({"household": {"headName": head, "unitId": unit}});

    let r = nom(household("Nguyễn Văn An", &ward), 2025).await;
    let c = &r.data()["nominateCommendation"]["commendation"];
    assert_eq!(
        (
            &c["recipientType"],
            &c["householdHead"],
            &c["isIndividual"],
            &c["unit"]["code"]
        ),
        (
            &json!("HOUSEHOLD"),
            &json!("Nguyễn Văn An"),
            &json!(false),
            &json!("PHUONG-GD")
        ),
        "{:?}",
        r.data()
    );
    let first = c["id"].as_str().unwrap().to_owned();

    // The same household the same year, however the name is spaced or cased: a duplicate.
    let r = nom(household("  nguyễn  văn an ", &ward), 2025).await;
    assert_eq!(user_codes(&r, "nominateCommendation"), ["DUPLICATE"]);
    // The same household next year, and a namesake in another unit, are taken.
    let r = nom(household("Nguyễn Văn An", &ward), 2026).await;
    assert_eq!(
        r.data()["nominateCommendation"]["userErrors"],
        json!([]),
        "{:?}",
        r.data()
    );
    let r = nom(household("Nguyễn Văn An", &other), 2025).await;
    assert_eq!(
        r.data()["nominateCommendation"]["userErrors"],
        json!([]),
        "{:?}",
        r.data()
    );
    assert_eq!(
        r.data()["nominateCommendation"]["commendation"]["unit"]["code"],
        "XA-GD"
    );

    // A household award refuses a unit and a person; other awards refuse a household.
    let someone = thidua_tests::commendations::person(&app, &admin, "Trần Thị Bình", &ward).await;
    for recipient in [json!({"unitId": ward}), json!({"personId": someone})] {
        let r = nom(recipient.clone(), 2025).await;
        assert_eq!(
            user_codes(&r, "nominateCommendation"),
            ["RECIPIENT_KIND_MISMATCH"],
            "{recipient}"
        );
    }
    for code in ["GIAY-KHEN", "LAO-DONG-TIEN-TIEN", "BANG-KHEN-UBND-TINH"] {
        let other_award = award(&app, &admin, code).await;
        let r = app
            .gql(
                Some(&admin),
                NOMINATE_HOUSEHOLD,
                json!({"i": {"awardTypeId": other_award, "kind": "CONG_TRANG",
                              "recipient": household("Lê Văn Cường", &ward),
                              "nominatingUnitId": ward, "awardYear": 2025}}),
            )
            .await;
        assert_eq!(
            user_codes(&r, "nominateCommendation"),
            ["RECIPIENT_KIND_MISMATCH"],
            "{code}"
        );
    }

    // The ward's own council reviews it and its chairman confers it (Điều 80).
    let sess =
        session_at(&app, &admin, &ward, 3).await.data()["createCouncilSession"]["session"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let r = review(&app, &admin, &first, &sess).await;
    assert_eq!(
        r["submitCommendationForReview"]["commendation"]["status"],
        "UNDER_REVIEW"
    );
    let b = app
        .ok(Some(&admin), BALLOT, tally(&first, [3, 0, 3, 0, 0]))
        .await;
    assert_eq!(
        b["recordCouncilBallot"]["commendation"]["status"], "APPROVED",
        "{b}"
    );
    let r = confer(&app, &admin, &first, "9/QĐ-UBND-GD").await;
    assert_eq!(
        r.data()["conferCommendation"]["commendation"]["status"],
        "CONFERRED",
        "{:?}",
        r.data()
    );

    // Found by the head's name, accents ignored.
    let d = app
        .ok(
            Some(&admin),
            "query($s: String) { commendations(filter: {search: $s}) { edges { node { householdHead recipientType unit { code } } } } }",
            json!({"s": "nguyen van an"}),
        )
        .await;
    let found = d["commendations"]["edges"].as_array().unwrap();
    assert_eq!(found.len(), 3, "{d}");
    assert!(
        found
            .iter()
            .all(|e| e["node"]["recipientType"] == "HOUSEHOLD")
    );
}

async fn household_nominations_check_their_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "PHUONG-HK", &root).await;
    let other = app.create_unit(&admin, "PHUONG-KHAC", &root).await;
    let family = award(&app, &admin, "GIA-DINH-VAN-HOA").await;
    let send = |token: &str, recipient: Value| {
        let (app, family, ward) = (&app, &family, &ward);
        let token = token.to_owned();
        async move {
            app.gql(
                Some(&token),
                NOMINATE_HOUSEHOLD,
                json!({"i": {"awardTypeId": family, "kind": "CONG_TRANG", "recipient": recipient,
                              "nominatingUnitId": ward, "awardYear": 2025}}),
            )
            .await
        }
    };
    let fields_codes = |r: &Answer| {
        (
            r.user_error_fields("nominateCommendation"),
            user_codes(r, "nominateCommendation"),
        )
    };
    let pair = |f: &[&str], c: &[&str]| {
        (
            f.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        )
    };

    let r = send(
        &admin,
        json!({"household": {"headName": "  ", "unitId": ward}}),
    )
    .await;
    assert_eq!(
        fields_codes(&r),
        pair(&["recipient.household.headName"], &["REQUIRED"])
    );
    let r = send(
        &admin,
        json!({"household": {"headName": "A".repeat(301), "unitId": ward}}),
    )
    .await;
    assert_eq!(
        fields_codes(&r),
        pair(&["recipient.household.headName"], &["TOO_LONG"])
    );
    let r = send(
        &admin,
        json!({"household": {"headName": "", "unitId": "not-an-id"}}),
    )
    .await;
    assert_eq!(
        fields_codes(&r),
        pair(
            &["recipient.household.headName", "recipient.household.unitId"],
            &["REQUIRED", "INVALID_FORMAT"]
        )
    );
    // A well-formed id of no unit.
    let gone = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("OrgUnit:{}", uuid::Uuid::now_v7()))
    };
    let r = send(
        &admin,
        json!({"household": {"headName": "Phạm Văn Dũng", "unitId": gone}}),
    )
    .await;
    assert_eq!(
        fields_codes(&r),
        pair(&["recipient.household.unitId"], &["UNKNOWN_REFERENCE"])
    );
    // One recipient only.
    let r = send(
        &admin,
        json!({"unitId": ward, "household": {"headName": "Phạm Văn Dũng", "unitId": ward}}),
    )
    .await;
    assert_eq!(fields_codes(&r), pair(&["recipient"], &["INVALID_FORMAT"]));

    // A ward's manager nominates households of their ward only.
    let manager = app
        .user_with_role(&admin, "ql.phuong.hk", "MANAGER", &ward)
        .await;
    let r = send(
        &manager,
        json!({"household": {"headName": "Phạm Văn Dũng", "unitId": other}}),
    )
    .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = send(
        &manager,
        json!({"household": {"headName": "Phạm Văn Dũng", "unitId": ward}}),
    )
    .await;
    assert_eq!(
        r.data()["nominateCommendation"]["userErrors"],
        json!([]),
        "{:?}",
        r.data()
    );
}

async fn council_sessions_are_listed_by_unit_and_subtree(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "PHUONG-A", &root).await;
    let a_school = app.create_unit(&admin, "PHUONG-A-TRUONG", &a).await;
    let b = app.create_unit(&admin, "PHUONG-B", &root).await;
    let province = session(&app, &admin, 3).await;
    let mut ids = std::collections::HashMap::new();
    for (name, unit) in [("a", &a), ("a_school", &a_school), ("b", &b)] {
        let r = session_at(&app, &admin, unit, 3).await;
        ids.insert(
            name,
            r.data()["createCouncilSession"]["session"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let list = |filter: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            app.gql(
                Some(admin),
                "query($f: CouncilSessionFilter) { councilSessions(filter: $f) { edges { node { id unit { code } } } } }",
                json!({"f": filter}),
            )
            .await
        }
    };
    let ids_of = |r: &Answer| -> Vec<String> {
        let mut v: Vec<String> = r.data()["councilSessions"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{:?}", r.data()))
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    assert_eq!(
        ids_of(&list(json!({"unitId": a})).await),
        vec![ids["a"].clone()]
    );
    assert_eq!(
        ids_of(&list(json!({"unitSubtree": a})).await),
        sorted(vec![ids["a"].clone(), ids["a_school"].clone()])
    );
    assert_eq!(
        ids_of(&list(json!({"unitSubtree": b})).await),
        vec![ids["b"].clone()]
    );
    assert_eq!(
        ids_of(&list(json!({"unitId": root})).await),
        vec![province.clone()]
    );
    let all = sorted(vec![
        province,
        ids["a"].clone(),
        ids["a_school"].clone(),
        ids["b"].clone(),
    ]);
    assert_eq!(ids_of(&list(json!({"unitSubtree": root})).await), all);
    assert_eq!(ids_of(&list(Value::Null).await), all);
    // Both conditions: a's own council within the root's subtree.
    assert_eq!(
        ids_of(&list(json!({"unitId": a, "unitSubtree": root})).await),
        vec![ids["a"].clone()]
    );
    // Within b's subtree, a's council is not there.
    assert!(ids_of(&list(json!({"unitId": a, "unitSubtree": b})).await).is_empty());
    // A malformed id is refused, never read as "no filter".
    for f in [json!({"unitId": "nope"}), json!({"unitSubtree": "nope"})] {
        let r = list(f.clone()).await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{f}");
    }
}
