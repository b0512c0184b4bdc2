//! People as records: namesakes stay apart, history follows the person, foreign recipients
//! need no unit, and award rows say how prerequisites count.

use serde_json::{Value, json};
use thidua_tests::commendations::{CREATE_PERSON, award, nominate, person, user_codes};
use thidua_tests::{Backend, both, spawn_app};

both!(
    people_are_records_with_a_history_and_a_hashed_identity_number,
    honours_follow_the_person_not_the_name,
    foreign_recipients_need_no_unit_but_only_for_doi_ngoai,
    award_rows_say_how_a_prerequisite_counts
);

const PERSON: &str = "query($id: ID!) { person(id: $id) { id name position hasNationalId isForeign version \
    unit { id } unitHistory { unit { id } from to } commendations { id } } }";
const MOVE: &str = "mutation($i: MovePersonInput!) { movePerson(input: $i) { person { id unit { id } } userErrors { field code } } }";
const UPDATE: &str = "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { person { id name version } userErrors { field code } } }";
const PEOPLE: &str =
    "query($f: PersonFilter) { people(filter: $f, first: 50) { edges { node { id name } } } }";

fn ids(d: &Value) -> Vec<String> {
    d["people"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn people_are_records_with_a_history_and_a_hashed_identity_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "PH-A", &root).await;
    let b = app.create_unit(&admin, "PH-B", &root).await;
    let manager_a = app.user_with_role(&admin, "ql-a", "MANAGER", &a).await;

    let created = app
        .ok(
            Some(&manager_a),
            CREATE_PERSON,
            json!({"i": {"name": "Nguyễn Văn Đông", "unitId": a, "nationalId": "022 088 001234", "since": "2019-03-01"}}),
        )
        .await;
    let dong = created["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A namesake in the same unit is a second record.
    let namesake = person(&app, &admin, "Nguyễn Văn Đông", &a).await;
    assert_ne!(dong, namesake);
    let found = app
        .ok(
            Some(&manager_a),
            PEOPLE,
            json!({"f": {"search": "dong NGUYEN"}}),
        )
        .await;
    assert_eq!(ids(&found).len(), 2, "{found}");
    let in_b = app
        .ok(Some(&admin), PEOPLE, json!({"f": {"unitSubtree": b}}))
        .await;
    assert!(ids(&in_b).is_empty());

    // The identity number: normalised, unique, never returned.
    let p = app.ok(Some(&admin), PERSON, json!({"id": dong})).await;
    assert_eq!(p["person"]["hasNationalId"], json!(true));
    assert!(!p.to_string().contains("001234"));
    for (input, field, code) in [
        (
            json!({"name": "Trần Văn B", "unitId": a, "nationalId": "022088001234"}),
            "nationalId",
            "DUPLICATE",
        ),
        (
            json!({"name": "Trần Văn B", "unitId": a, "nationalId": "12/34"}),
            "nationalId",
            "INVALID_FORMAT",
        ),
        (
            json!({"name": "x".repeat(301), "unitId": a}),
            "name",
            "TOO_LONG",
        ),
        (
            json!({"name": "Trần Văn B", "unitId": a, "since": "1900-01-01"}),
            "since",
            "OUT_OF_RANGE",
        ),
        (
            json!({"name": "Trần Văn B", "unitId": "bm90LWFuLWlk"}),
            "unitId",
            "INVALID_FORMAT",
        ),
    ] {
        let r = app
            .gql(Some(&admin), CREATE_PERSON, json!({"i": input}))
            .await;
        assert_eq!(user_codes(&r, "createPerson"), [code], "{input}");
        assert_eq!(r.user_error_fields("createPerson"), [field], "{input}");
    }
    // Permissions follow the unit: a manager of A cannot record people of B, nor foreigners.
    for input in [
        json!({"name": "Lê B", "unitId": b}),
        json!({"name": "John Smith"}),
    ] {
        let r = app
            .gql(Some(&manager_a), CREATE_PERSON, json!({"i": input}))
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{input}");
    }

    // Moves: a new stint, the old one closed the same day; refused moves have their codes.
    let r = app
        .gql(
            Some(&manager_a),
            MOVE,
            json!({"i": {"id": dong, "unitId": b, "on": "2025-07-01"}}),
        )
        .await;
    assert_eq!(
        r.error_code(),
        Some("FORBIDDEN"),
        "the target unit is not the manager's"
    );
    for (on, unit, code) in [
        ("2019-03-01", &b, "END_BEFORE_START"),
        ("2025-07-01", &a, "INVALID_TRANSITION"),
        ("1900-01-01", &b, "OUT_OF_RANGE"),
    ] {
        let r = app
            .gql(
                Some(&admin),
                MOVE,
                json!({"i": {"id": dong, "unitId": unit, "on": on}}),
            )
            .await;
        assert_eq!(user_codes(&r, "movePerson"), [code], "{on}");
    }
    let moved = app
        .ok(
            Some(&admin),
            MOVE,
            json!({"i": {"id": dong, "unitId": b, "on": "2025-07-01"}}),
        )
        .await;
    assert_eq!(moved["movePerson"]["person"]["unit"]["id"], json!(b));
    let p = app.ok(Some(&admin), PERSON, json!({"id": dong})).await;
    assert_eq!(
        p["person"]["unitHistory"],
        json!([{"unit": {"id": a}, "from": "2019-03-01", "to": "2025-07-01"},
               {"unit": {"id": b}, "from": "2025-07-01", "to": null}])
    );
    // Corrections use optimistic locking.
    let version = p["person"]["version"].as_i64().unwrap();
    let r = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"i": {"id": dong, "version": version + 5, "name": "Nguyễn Văn Đồng"}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("CONFLICT"));
    let r = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({"i": {"id": dong, "version": version, "name": "Nguyễn Văn Đồng"}}),
        )
        .await;
    assert_eq!(
        r["updatePerson"]["person"]["name"],
        json!("Nguyễn Văn Đồng")
    );
    let r = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"i": {"id": dong, "version": version + 1, "nationalId": "abc"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "updatePerson"), ["INVALID_FORMAT"]);
    // Anonymous callers read nothing.
    assert_eq!(
        app.gql(None, PERSON, json!({"id": dong}))
            .await
            .error_code(),
        Some("UNAUTHENTICATED")
    );
}

async fn honours_follow_the_person_not_the_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "HN-A", &root).await;
    let b = app.create_unit(&admin, "HN-B", &root).await;
    let lđtt = award(&app, &admin, "LAO-DONG-TIEN-TIEN").await;

    // Nominating a new person records them with the nomination.
    let n = app
        .ok(
            Some(&admin),
            "mutation($i: NominateInput!) { nominateCommendation(input: $i) { commendation { id person { id name position unit { id } } } userErrors { field code } } }",
            json!({"i": {"awardTypeId": lđtt, "kind": "CONG_TRANG", "nominatingUnitId": a, "awardYear": 2025,
                         "recipient": {"person": {"name": "Hoàng Thị Lan", "position": "Thợ mỏ", "unitId": a}}}}),
        )
        .await;
    let c = &n["nominateCommendation"]["commendation"];
    let lan = c["person"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{n}"))
        .to_owned();
    assert_eq!(c["person"]["position"], json!("Thợ mỏ"));
    // A second honour names her by id; the namesake's honour stays the namesake's.
    let namesake = person(&app, &admin, "Hoàng Thị Lan", &a).await;
    for (who, year) in [(&lan, 2024), (&namesake, 2024)] {
        let r = nominate(
            &app,
            &admin,
            json!({"awardTypeId": lđtt, "kind": "CONG_TRANG", "nominatingUnitId": a, "awardYear": year,
                   "recipient": {"personId": who}}),
        )
        .await;
        assert!(r["userErrors"].as_array().unwrap().is_empty(), "{r}");
    }
    // She moves to B: her honours go with her.
    app.ok(
        Some(&admin),
        MOVE,
        json!({"i": {"id": lan, "unitId": b, "on": "2026-01-01"}}),
    )
    .await;
    let p = app.ok(Some(&admin), PERSON, json!({"id": lan})).await;
    assert_eq!(
        p["person"]["commendations"].as_array().unwrap().len(),
        2,
        "{p}"
    );
    let listed = app
        .ok(
            Some(&admin),
            "query($p: ID) { commendations(filter: {personId: $p}) { edges { node { id } } } }",
            json!({"p": namesake}),
        )
        .await;
    assert_eq!(
        listed["commendations"]["edges"].as_array().unwrap().len(),
        1
    );

    // Refusals name their field.
    let unknown = person(&app, &admin, "Tạm", &a).await;
    let cases = [
        (
            json!({"unitId": a, "personId": unknown}),
            "recipient",
            "INVALID_FORMAT",
        ),
        (
            json!({"unitId": a, "position": "Tổ trưởng"}),
            "recipient.position",
            "INVALID_FORMAT",
        ),
        (
            json!({"personId": "bm90LWFuLWlk"}),
            "recipient.personId",
            "INVALID_FORMAT",
        ),
        (
            json!({"person": {"name": " ", "unitId": a}}),
            "recipient.person.name",
            "REQUIRED",
        ),
        (
            json!({"person": {"name": "Bùi C", "unitId": a, "nationalId": "x"}}),
            "recipient.person.nationalId",
            "INVALID_FORMAT",
        ),
    ];
    for (recipient, field, code) in cases {
        let r = app
            .gql(
                Some(&admin),
                thidua_tests::commendations::NOMINATE,
                json!({"i": {"awardTypeId": lđtt, "kind": "CONG_TRANG", "nominatingUnitId": a, "awardYear": 2026,
                             "recipient": recipient}}),
            )
            .await;
        assert_eq!(
            user_codes(&r, "nominateCommendation"),
            [code],
            "{recipient}"
        );
        assert_eq!(
            r.user_error_fields("nominateCommendation"),
            [field],
            "{recipient}"
        );
    }
    // A refused nomination does not leave the person it would have recorded.
    let r = app
        .gql(
            Some(&admin),
            thidua_tests::commendations::NOMINATE,
            json!({"i": {"awardTypeId": lđtt, "kind": "PHONG_TRAO_THI_DUA", "nominatingUnitId": a, "awardYear": 2026,
                         "recipient": {"person": {"name": "Người Không Lưu", "unitId": a}}}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "nominateCommendation"),
        ["CAMPAIGN_REQUIRED"]
    );
    let found = app
        .ok(
            Some(&admin),
            PEOPLE,
            json!({"f": {"search": "nguoi khong luu"}}),
        )
        .await;
    assert!(ids(&found).is_empty(), "{found}");
}

async fn foreign_recipients_need_no_unit_but_only_for_doi_ngoai(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "FR-A", &root).await;
    let manager_a = app.user_with_role(&admin, "ql-fr", "MANAGER", &a).await;
    let giay_khen = award(&app, &admin, "GIAY-KHEN").await;
    const Q: &str = "mutation($i: NominateInput!) { nominateCommendation(input: $i) { commendation { id unit { id } person { isForeign unit { id } } } userErrors { field code } } }";
    let foreigner = json!({"person": {"name": "Kim Min-jun", "nationalId": "M12345678"}});
    let r = app
        .gql(
            Some(&manager_a),
            Q,
            json!({"i": {"awardTypeId": giay_khen, "kind": "CONG_TRANG", "nominatingUnitId": a, "awardYear": 2026, "recipient": foreigner}}),
        )
        .await;
    assert_eq!(user_codes(&r, "nominateCommendation"), ["UNIT_REQUIRED"]);
    assert_eq!(
        r.user_error_fields("nominateCommendation"),
        ["recipient.personId"]
    );
    let ok = app
        .ok(
            Some(&manager_a),
            Q,
            json!({"i": {"awardTypeId": giay_khen, "kind": "DOI_NGOAI", "nominatingUnitId": a, "awardYear": 2026, "recipient": foreigner}}),
        )
        .await;
    let c = &ok["nominateCommendation"]["commendation"];
    assert_eq!(
        c["person"],
        json!({"isForeign": true, "unit": null}),
        "{ok}"
    );
    // Kept under the nominating unit, where its managers find it.
    assert_eq!(c["unit"]["id"], json!(a));
    let foreign = app
        .ok(Some(&admin), PEOPLE, json!({"f": {"foreign": true}}))
        .await;
    assert_eq!(ids(&foreign).len(), 1);
}

async fn award_rows_say_how_a_prerequisite_counts(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let provincial = award(&app, &admin, "CSTD-TINH").await;
    const CREATE: &str = "mutation($i: AwardTypeFields!) { createAwardType(input: $i) { awardType { prerequisiteYears prerequisiteKind prerequisiteMaxGapYears requiresInitiative } userErrors { field code } } }";
    let fields = |code: &str, extra: Value| {
        let mut f = json!({"code": code, "name": "Chiến sĩ thi đua cấp bộ", "category": "EMULATION_TITLE",
            "level": "MINISTERIAL", "recipientKind": "INDIVIDUAL", "approvalThreshold": "90", "conferringAuthority": "Bộ trưởng",
            "legalBasis": "Nghị định 98/2023/NĐ-CP", "effectiveFrom": "2024-01-01",
            "prerequisiteAwardTypeId": provincial, "prerequisiteYears": 2});
        for (k, v) in extra.as_object().unwrap() {
            f[k] = v.clone();
        }
        json!({"i": f})
    };
    let ok = app
        .ok(
            Some(&admin),
            CREATE,
            fields("CSTD-X", json!({"prerequisiteKind": "CONSECUTIVE_CONFERRALS", "prerequisiteMaxGapYears": 3, "requiresInitiative": true})),
        )
        .await;
    assert_eq!(
        ok["createAwardType"]["awardType"],
        json!({"prerequisiteYears": 2, "prerequisiteKind": "CONSECUTIVE_CONFERRALS", "prerequisiteMaxGapYears": 3, "requiresInitiative": true})
    );
    for (extra, field, code) in [
        (
            json!({"prerequisiteKind": "CONSECUTIVE_CONFERRALS"}),
            "prerequisiteMaxGapYears",
            "REQUIRED",
        ),
        (
            json!({"prerequisiteMaxGapYears": 3}),
            "prerequisiteMaxGapYears",
            "INVALID_FORMAT",
        ),
        (
            json!({"prerequisiteKind": "CONSECUTIVE_CONFERRALS", "prerequisiteMaxGapYears": 11}),
            "prerequisiteMaxGapYears",
            "OUT_OF_RANGE",
        ),
        (
            json!({"prerequisiteYears": 0}),
            "prerequisiteYears",
            "OUT_OF_RANGE",
        ),
    ] {
        let r = app
            .gql(Some(&admin), CREATE, fields("CSTD-Y", extra.clone()))
            .await;
        assert_eq!(user_codes(&r, "createAwardType"), [code], "{extra}");
        assert_eq!(r.user_error_fields("createAwardType"), [field], "{extra}");
    }
    // The seeded national title counts conferrals and needs an initiative.
    let d = app
        .ok(
            Some(&admin),
            "{ awardTypes(level: CENTRAL) { code prerequisiteKind prerequisiteMaxGapYears requiresInitiative } }",
            json!({}),
        )
        .await;
    let national = d["awardTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "CSTD-TOAN-QUOC")
        .unwrap()
        .clone();
    assert_eq!(
        national,
        json!({"code": "CSTD-TOAN-QUOC", "prerequisiteKind": "CONSECUTIVE_CONFERRALS", "prerequisiteMaxGapYears": 3, "requiresInitiative": true})
    );
}
