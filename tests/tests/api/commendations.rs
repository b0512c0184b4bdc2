//! Commendations: the catalogue, council ballots over all members, the workflow and its
//! locks, prerequisites from recorded history, target 3 and the direct-worker indicator.

use serde_json::{Value, json};
use thidua_tests::commendations::{
    BALLOT, CONFER, CORRECT, DECLINE, LIST, NOMINATE, PROPOSE, RECORD_CONFERRED, REJECT, REVIEW,
    SESSION, UPWARD_DECISION, approve_and_confer, award, id_of, model, nominate, person, review,
    session, session_at, tally, target, user_codes, user_error_field,
};
use thidua_tests::{Backend, both, spawn_app};

both!(
    whole_path_moves_target_3_once_per_model,
    ballot_threshold_is_a_share_of_all_members,
    commendation_permissions_and_stable_codes,
    conferred_records_change_only_by_recorded_correction,
    prerequisites_catalogue_and_direct_worker_share,
    listing_commendations_runs_a_bounded_number_of_statements,
    identical_nominations_sent_at_once_store_one,
    sessions_catalogue_decisions_and_snapshots_check_their_input,
    unknown_references_and_mismatched_links_have_their_codes,
    a_central_award_is_proposed_upward_then_conferred_or_declined,
    a_unit_council_reviews_its_subtree_and_confers_only_what_its_head_decides,
    central_honours_are_recorded_conferred_without_a_ballot,
    award_rows_say_who_decides_and_on_what_legal_basis
);

async fn whole_path_moves_target_3_once_per_model(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let b = app.create_unit(&admin, "KT-B", &root).await;
    let t3 = target(&app, "T3-TRUNG-UONG").await;
    assert_eq!(t3["progress"]["value"], "0", "{t3}");

    // The model is identified, nurtured and replicated.
    let m = model(&app, &admin, "Mô hình Dân vận khéo", "COLLECTIVE", &a).await;
    app.ok(
        Some(&admin),
        "mutation($i: ChangeExemplarStageInput!) { changeExemplarStage(input: $i) { exemplar { stage } } }",
        json!({"i": {"id": m, "stage": "NURTURED", "onDate": "2024-05-01"}}),
    )
    .await;
    app.ok(
        Some(&admin),
        "mutation($i: ReplicateExemplarInput!) { replicateExemplar(input: $i) { exemplar { id } } }",
        json!({"i": {"id": m, "unitId": b, "onDate": "2024-09-01"}}),
    )
    .await;

    let sess = session(&app, &admin, 10).await;
    let central = award(&app, &admin, "BANG-KHEN-TTG").await;
    let nominated = nominate(
        &app,
        &admin,
        json!({"awardTypeId": central, "kind": "CONG_TRANG", "recipient": {"exemplarId": m},
               "nominatingUnitId": a, "awardYear": 2026, "citation": "Thành tích xuất sắc"}),
    )
    .await;
    assert_eq!(
        nominated["commendation"]["status"], "NOMINATED",
        "{nominated}"
    );
    let c1 = nominated["commendation"]["id"].as_str().unwrap().to_owned();
    // Nominated, not conferred: the target does not move.
    assert_eq!(
        target(&app, "T3-TRUNG-UONG").await["progress"]["value"],
        "0"
    );

    let conferred =
        approve_and_confer(&app, &admin, &c1, &sess, 10, "1234/QĐ-TTg", "2027-03-15").await;
    assert_eq!(
        conferred["commendation"]["status"], "CONFERRED",
        "{conferred}"
    );
    assert_eq!(
        conferred["commendation"]["issuingAuthority"],
        "Thủ tướng Chính phủ"
    );
    let t3 = target(&app, "T3-TRUNG-UONG").await;
    assert_eq!(t3["progress"]["value"], "1", "{t3}");
    assert!(
        t3["progress"]["note"]
            .as_str()
            .unwrap()
            .contains("1 distinct")
    );

    // The same model honoured again at central level still counts once.
    let order = award(&app, &admin, "HUAN-CHUONG-LD-3").await;
    let again = nominate(
        &app,
        &admin,
        json!({"awardTypeId": order, "kind": "CONG_TRANG", "recipient": {"exemplarId": m},
               "nominatingUnitId": a, "awardYear": 2026}),
    )
    .await;
    let c2 = again["commendation"]["id"].as_str().unwrap().to_owned();
    approve_and_confer(&app, &admin, &c2, &sess, 10, "99/QĐ-CTN", "2028-05-01").await;
    assert_eq!(
        target(&app, "T3-TRUNG-UONG").await["progress"]["value"],
        "1"
    );

    // Another model: a central decision dated 2025 does not count, nor does a provincial one.
    let m2 = model(&app, &admin, "Mô hình Chi hội phụ nữ", "COLLECTIVE", &b).await;
    let early = nominate(
        &app,
        &admin,
        json!({"awardTypeId": central, "kind": "CONG_TRANG", "recipient": {"exemplarId": m2},
               "nominatingUnitId": b, "awardYear": 2025}),
    )
    .await;
    let c3 = early["commendation"]["id"].as_str().unwrap().to_owned();
    approve_and_confer(&app, &admin, &c3, &sess, 10, "2000/QĐ-TTg", "2025-12-20").await;
    let provincial = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    let prov = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial, "kind": "CONG_TRANG", "recipient": {"exemplarId": m2},
               "nominatingUnitId": b, "awardYear": 2026}),
    )
    .await;
    let c4 = prov["commendation"]["id"].as_str().unwrap().to_owned();
    approve_and_confer(&app, &admin, &c4, &sess, 10, "15/QĐ-UBND", "2027-01-10").await;
    let t3 = target(&app, "T3-TRUNG-UONG").await;
    assert_eq!(t3["progress"]["value"], "1", "{t3}");
    assert_eq!(t3["progress"]["shareOfStretch"], "0.1");

    // Revoking one of the model's two central honours leaves it counted; revoking both does not.
    const REVOKE: &str = "mutation($i: RevokeCommendationInput!) { revokeCommendation(input: $i) { commendation { status corrections { reason changes } } userErrors { field code } } }";
    let r = app
        .gql(Some(&admin), REVOKE, json!({"i": {"id": c1, "reason": ""}}))
        .await;
    assert_eq!(user_codes(&r, "revokeCommendation"), ["REQUIRED"]);
    let council = app
        .user_with_role(&admin, "hoi.dong", "COUNCIL", &root)
        .await;
    let r = app
        .gql(
            Some(&council),
            REVOKE,
            json!({"i": {"id": c1, "reason": "Hồ sơ không trung thực"}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let revoked = app
        .ok(
            Some(&admin),
            REVOKE,
            json!({"i": {"id": c1, "reason": "Hồ sơ không trung thực"}}),
        )
        .await;
    assert_eq!(
        revoked["revokeCommendation"]["commendation"],
        json!({"status": "REVOKED", "corrections": [{"reason": "Hồ sơ không trung thực", "changes": {"status": {"from": "CONFERRED", "to": "REVOKED"}}}]})
    );
    assert_eq!(
        target(&app, "T3-TRUNG-UONG").await["progress"]["value"],
        "1"
    );
    app.ok(
        Some(&admin),
        REVOKE,
        json!({"i": {"id": c2, "reason": "Thu hồi theo quyết định"}}),
    )
    .await;
    assert_eq!(
        target(&app, "T3-TRUNG-UONG").await["progress"]["value"],
        "0"
    );
    let again = app
        .gql(
            Some(&admin),
            REVOKE,
            json!({"i": {"id": c2, "reason": "Lần nữa"}}),
        )
        .await;
    assert_eq!(user_codes(&again, "revokeCommendation"), ["LOCKED"]);

    // The model lists both its commendations.
    let listed = app
        .ok(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on Exemplar { commendations { awardType { code level } status } } } }",
            json!({"id": m}),
        )
        .await;
    assert_eq!(
        listed["node"]["commendations"].as_array().unwrap().len(),
        2,
        "{listed}"
    );

    // A snapshot puts today's value on the history line.
    let snap = app
        .ok(
            Some(&admin),
            "mutation { takeTargetSnapshots { taken takenOn } }",
            json!({}),
        )
        .await;
    assert_eq!(snap["takeTargetSnapshots"]["taken"], 4, "{snap}");
    let history = &target(&app, "T3-TRUNG-UONG").await["history"];
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["value"], "0");
    assert_eq!(history[0]["on"], snap["takeTargetSnapshots"]["takenOn"]);
}

async fn ballot_threshold_is_a_share_of_all_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let council = app
        .user_with_role(&admin, "hoi.dong", "COUNCIL", &root)
        .await;
    let sess = session(&app, &council, 10).await;
    let provincial_csdt = award(&app, &admin, "CSTD-TINH").await;
    let person =
        |name: &str| json!({"person": {"name": name, "position": "Công nhân", "unitId": a}});
    let n = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial_csdt, "kind": "CONG_TRANG", "recipient": person("Nguyễn Văn A"),
               "nominatingUnitId": a, "awardYear": 2026, "isDirectWorker": true}),
    )
    .await;
    let id = n["commendation"]["id"].as_str().unwrap().to_owned();
    assert_eq!(n["commendation"]["isDirectWorker"], true);
    review(&app, &council, &id, &sess).await;

    // 8 yes of 10 members, 2 absent without a written vote: 80 % fails a 90 % threshold.
    let b = app
        .ok(Some(&council), BALLOT, tally(&id, [8, 0, 8, 0, 0]))
        .await;
    let c = &b["recordCouncilBallot"]["commendation"];
    assert_eq!(c["status"], "REJECTED", "{b}");
    assert_eq!(
        c["ballot"],
        json!({"members": 10, "present": 8, "inWriting": 0, "yes": 8, "no": 0, "abstain": 0, "yesShare": "80"})
    );
    assert!(
        c["decisionNote"]
            .as_str()
            .unwrap()
            .contains("8 of 10 members voted yes (80%); the threshold is 90% of all members"),
        "{c}"
    );

    // With the two absentees voting yes in writing, 10 of 10 passes.
    let n2 = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial_csdt, "kind": "CONG_TRANG", "recipient": person("Trần Thị B"),
               "nominatingUnitId": a, "awardYear": 2026}),
    )
    .await;
    let id2 = n2["commendation"]["id"].as_str().unwrap().to_owned();
    review(&app, &council, &id2, &sess).await;
    let passed = app
        .ok(Some(&council), BALLOT, tally(&id2, [8, 2, 9, 1, 0]))
        .await;
    assert_eq!(
        passed["recordCouncilBallot"]["commendation"]["status"], "APPROVED",
        "{passed}"
    );
    // A decided nomination takes no second ballot.
    let twice = app
        .ok(Some(&council), BALLOT, tally(&id2, [10, 0, 10, 0, 0]))
        .await;
    assert_eq!(
        twice["recordCouncilBallot"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
}

async fn commendation_permissions_and_stable_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let b = app.create_unit(&admin, "KT-B", &root).await;
    let manager_a = app.user_with_role(&admin, "quan.ly.a", "MANAGER", &a).await;
    let manager_root = app
        .user_with_role(&admin, "quan.ly", "MANAGER", &root)
        .await;
    let reporter = app.user_with_role(&admin, "bao.cao", "REPORTER", &a).await;
    let council = app
        .user_with_role(&admin, "hoi.dong", "COUNCIL", &root)
        .await;
    let sess = session(&app, &admin, 5).await;
    let collective = award(&app, &admin, "TT-LAO-DONG-XUAT-SAC").await;
    let individual = award(&app, &admin, "CSTD-CO-SO").await;
    let nomination_for = |award: &str, unit: &str, year: i32| {
        json!({"i": {"awardTypeId": award, "kind": "CONG_TRANG", "recipient": {"unitId": unit},
                     "nominatingUnitId": unit, "awardYear": year}})
    };
    let unit_nomination = |award: &str, unit: &str| nomination_for(award, unit, 2026);

    // A Reporter nominating → FORBIDDEN; a Manager outside their subtree → FORBIDDEN.
    let r = app
        .gql(Some(&reporter), NOMINATE, unit_nomination(&collective, &a))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .gql(Some(&manager_a), NOMINATE, unit_nomination(&collective, &b))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    // Linking the honour to another subtree's model (which would count it for target 3).
    let model_b = model(&app, &admin, "Mô hình của B", "INDIVIDUAL", &b).await;
    let r = app
        .gql(
            Some(&manager_a),
            NOMINATE,
            json!({"i": {"awardTypeId": individual, "kind": "CONG_TRANG",
                         "recipient": {"person": {"name": "Đỗ Văn F", "unitId": a}},
                         "exemplarId": model_b, "nominatingUnitId": a, "awardYear": 2026}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .gql(Some(&council), NOMINATE, unit_nomination(&collective, &a))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // Recipient kind mismatch, a campaign commendation without its campaign, bad ids.
    let r = app
        .gql(Some(&manager_a), NOMINATE, unit_nomination(&individual, &a))
        .await;
    assert_eq!(
        user_codes(&r, "nominateCommendation"),
        ["RECIPIENT_KIND_MISMATCH"]
    );
    let r = app
        .gql(
            Some(&manager_a),
            NOMINATE,
            json!({"i": {"awardTypeId": collective, "kind": "PHONG_TRAO_THI_DUA", "recipient": {"unitId": a},
                         "nominatingUnitId": a, "awardYear": 2026}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "nominateCommendation"),
        ["CAMPAIGN_REQUIRED"]
    );
    let r = app
        .gql(
            Some(&manager_a),
            NOMINATE,
            json!({"i": {"awardTypeId": "nope", "kind": "CONG_TRANG", "recipient": {"unitId": a},
                         "nominatingUnitId": a, "awardYear": 2026}}),
        )
        .await;
    assert_eq!(user_codes(&r, "nominateCommendation"), ["INVALID_FORMAT"]);
    let r = app
        .gql(
            Some(&manager_a),
            NOMINATE,
            json!({"i": {"awardTypeId": collective, "kind": "CONG_TRANG", "recipient": {"unitId": a, "person": {"name": "X", "unitId": a}},
                         "nominatingUnitId": a, "awardYear": 2026}}),
        )
        .await;
    assert_eq!(user_error_field(&r), "recipient");
    let r = app
        .gql(
            Some(&manager_a),
            NOMINATE,
            json!({"i": {"awardTypeId": collective, "kind": "CONG_TRANG", "recipient": {"unitId": a},
                         "nominatingUnitId": a, "awardYear": 1990}}),
        )
        .await;
    assert_eq!(user_codes(&r, "nominateCommendation"), ["OUT_OF_RANGE"]);

    let ok = app
        .ok(Some(&manager_a), NOMINATE, unit_nomination(&collective, &a))
        .await;
    let id = id_of(&ok, "nominateCommendation");
    // The same award for the same recipient and year again (a retry, say) is refused.
    let r = app
        .gql(Some(&manager_a), NOMINATE, unit_nomination(&collective, &a))
        .await;
    assert_eq!(user_codes(&r, "nominateCommendation"), ["DUPLICATE"]);

    // Only the council puts it before a session and votes: a Manager voting → FORBIDDEN.
    let r = app
        .gql(
            Some(&manager_root),
            REVIEW,
            json!({"i": {"id": id, "sessionId": sess}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    review(&app, &council, &id, &sess).await;
    let vote = tally(&id, [5, 0, 5, 0, 0]);
    let r = app.gql(Some(&manager_root), BALLOT, vote.clone()).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // Tallies must add up and fit the council.
    let r = app
        .gql(Some(&council), BALLOT, tally(&id, [5, 0, 3, 0, 0]))
        .await;
    assert_eq!(user_codes(&r, "recordCouncilBallot"), ["TALLY_MISMATCH"]);
    let r = app
        .gql(Some(&council), BALLOT, tally(&id, [5, 1, 6, 0, 0]))
        .await;
    assert_eq!(
        user_codes(&r, "recordCouncilBallot"),
        ["TALLY_EXCEEDS_MEMBERS"]
    );
    let r = app
        .gql(Some(&council), BALLOT, tally(&id, [-1, 0, 0, 0, 0]))
        .await;
    assert_eq!(user_codes(&r, "recordCouncilBallot"), ["OUT_OF_RANGE"]);
    app.ok(Some(&council), BALLOT, vote).await;

    // Only Admins confer: the council conferring → FORBIDDEN.
    let confer =
        json!({"i": {"id": id, "decisionNumber": "12/QĐ-UBND", "decisionDate": "2026-11-01"}});
    let r = app.gql(Some(&council), CONFER, confer.clone()).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    app.ok(Some(&admin), CONFER, confer).await;

    // A decision number is unique per authority, compared loosely.
    let other = app
        .ok(
            Some(&manager_a),
            NOMINATE,
            nomination_for(&collective, &a, 2025),
        )
        .await;
    let id2 = id_of(&other, "nominateCommendation");
    review(&app, &admin, &id2, &sess).await;
    app.ok(Some(&admin), BALLOT, tally(&id2, [5, 0, 5, 0, 0]))
        .await;
    let dup = app
        .gql(
            Some(&admin),
            CONFER,
            json!({"i": {"id": id2, "decisionNumber": " 12/qđ-ubnd ", "decisionDate": "2026-11-02"}}),
        )
        .await;
    assert_eq!(
        user_codes(&dup, "conferCommendation"),
        ["DUPLICATE_DECISION_NUMBER"]
    );
    // The same number from another authority is a different decision.
    let elsewhere = app
        .ok(
            Some(&admin),
            CONFER,
            json!({"i": {"id": id2, "decisionNumber": "12/QĐ-UBND", "decisionDate": "2026-11-02", "issuingAuthority": "Chủ tịch UBND phường Hạ Long"}}),
        )
        .await;
    assert_eq!(
        elsewhere["conferCommendation"]["commendation"]["status"], "CONFERRED",
        "{elsewhere}"
    );

    // Conferring a nomination that was never approved is refused.
    let fresh = app
        .ok(
            Some(&manager_a),
            NOMINATE,
            nomination_for(&collective, &a, 2024),
        )
        .await;
    let id3 = id_of(&fresh, "nominateCommendation");
    let r = app
        .gql(
            Some(&admin),
            CONFER,
            json!({"i": {"id": id3, "decisionNumber": "77/QĐ-UBND", "decisionDate": "2026-11-02"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["INVALID_TRANSITION"]);
    let r = app
        .ok(
            Some(&council),
            REJECT,
            json!({"i": {"id": id3, "reason": "  "}}),
        )
        .await;
    assert_eq!(r["rejectCommendation"]["userErrors"][0]["code"], "REQUIRED");
    let r = app
        .ok(
            Some(&council),
            REJECT,
            json!({"i": {"id": id3, "reason": "Hồ sơ chưa đầy đủ"}}),
        )
        .await;
    assert_eq!(
        r["rejectCommendation"]["commendation"]["status"],
        "REJECTED"
    );
    assert_eq!(
        r["rejectCommendation"]["commendation"]["decisionNote"],
        "Hồ sơ chưa đầy đủ"
    );
    // Once rejected, the same nomination may be put forward again with a better dossier.
    let again = app
        .ok(
            Some(&manager_a),
            NOMINATE,
            nomination_for(&collective, &a, 2024),
        )
        .await;
    assert_eq!(
        again["nominateCommendation"]["commendation"]["status"],
        "NOMINATED"
    );
}

async fn conferred_records_change_only_by_recorded_correction(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let council = app
        .user_with_role(&admin, "hoi.dong", "COUNCIL", &root)
        .await;
    let sess = session(&app, &admin, 3).await;
    let giay_khen = award(&app, &admin, "GIAY-KHEN").await;
    let n = nominate(
        &app,
        &admin,
        json!({"awardTypeId": giay_khen, "kind": "DOT_XUAT", "recipient": {"person": {"name": "Lê Văn C", "unitId": a}},
               "nominatingUnitId": a, "awardYear": 2026}),
    )
    .await;
    let id = n["commendation"]["id"].as_str().unwrap().to_owned();
    approve_and_confer(&app, &admin, &id, &sess, 3, "5/QĐ-UBND", "2026-10-01").await;

    // Locked: the workflow cannot move it any more.
    let r = app
        .gql(
            Some(&council),
            REJECT,
            json!({"i": {"id": id, "reason": "Thu hồi"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "rejectCommendation"), ["LOCKED"]);
    // Only an Admin corrects, with a reason.
    let fix =
        json!({"i": {"id": id, "reason": "Sai số quyết định", "decisionNumber": "6/QĐ-UBND"}});
    let r = app.gql(Some(&council), CORRECT, fix.clone()).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .gql(
            Some(&admin),
            CORRECT,
            json!({"i": {"id": id, "reason": " ", "decisionNumber": "6/QĐ-UBND"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "correctCommendation"), ["REQUIRED"]);
    let r = app
        .gql(
            Some(&admin),
            CORRECT,
            json!({"i": {"id": id, "reason": "Không đổi gì", "decisionNumber": "5/QĐ-UBND"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "correctCommendation"), ["REQUIRED"]);
    let d = app.ok(Some(&admin), CORRECT, fix).await;
    let c = &d["correctCommendation"]["commendation"];
    assert_eq!(c["decisionNumber"], "6/QĐ-UBND", "{d}");
    assert_eq!(
        c["corrections"],
        json!([{"reason": "Sai số quyết định", "changes": {"decisionNumber": {"from": "5/QĐ-UBND", "to": "6/QĐ-UBND"}}, "by": {"username": "admin"}}])
    );
    // The correction is in the audit trail too.
    let audit = app
        .ok(
            Some(&admin),
            "query($e: ID) { auditLog(filter: {entity: \"Commendation\", entityId: $e}) { edges { node { action } } } }",
            json!({"e": id}),
        )
        .await;
    let actions: Vec<&str> = audit["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[0], "correct", "{audit}");
    assert!(actions.contains(&"confer") && actions.contains(&"nominate"));
}

async fn prerequisites_catalogue_and_direct_worker_share(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let manager = app
        .user_with_role(&admin, "quan.ly", "MANAGER", &root)
        .await;
    let sess = session(&app, &admin, 5).await;

    // The seeded catalogue carries the national title's prerequisite as data.
    let cat = app
        .ok(
            Some(&admin),
            "{ awardTypes(level: CENTRAL) { code level recipientKind approvalThreshold prerequisiteYears prerequisite { code } legalBasis } }",
            json!({}),
        )
        .await;
    let national = cat["awardTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "CSTD-TOAN-QUOC")
        .unwrap()
        .clone();
    assert_eq!(
        (
            &national["approvalThreshold"],
            &national["prerequisiteYears"],
            &national["prerequisite"]["code"]
        ),
        (&json!("90"), &json!(2), &json!("CSTD-TINH"))
    );

    let provincial = award(&app, &admin, "CSTD-TINH").await;
    let national_id = award(&app, &admin, "CSTD-TOAN-QUOC").await;
    let d = person(&app, &admin, "Phạm Thị D", &a).await;
    let pd = json!({"personId": d, "position": "Thợ lò"});
    let mut numbers = 0;
    for year in [2023, 2025] {
        let n = nominate(
            &app,
            &admin,
            json!({"awardTypeId": provincial, "kind": "CONG_TRANG", "recipient": pd,
                   "nominatingUnitId": a, "awardYear": year, "isDirectWorker": true}),
        )
        .await;
        numbers += 1;
        approve_and_confer(
            &app,
            &admin,
            n["commendation"]["id"].as_str().unwrap(),
            &sess,
            5,
            &format!("{numbers}/QĐ-UBND"),
            "2026-02-01",
        )
        .await;
    }
    // CSTĐ toàn quốc counts consecutive conferrals (within three years of each other),
    // so 2023 and 2025 qualify; the initiative it also requires is not recorded yet.
    let n = nominate(
        &app,
        &admin,
        json!({"awardTypeId": national_id, "kind": "CONG_TRANG", "recipient": pd,
               "nominatingUnitId": a, "awardYear": 2026}),
    )
    .await;
    assert_eq!(
        n["commendation"]["prerequisite"],
        json!({"met": false, "years": [2023, 2025], "longestRun": 2, "consecutiveYears": 2, "required": {"code": "CSTD-TINH"}}),
        "{n}"
    );
    // A namesake in the same unit is another person: their honour is not hers.
    let namesake = person(&app, &admin, "Phạm Thị D", &a).await;
    assert_ne!(namesake, d);
    let other = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial, "kind": "CONG_TRANG", "recipient": {"personId": namesake},
               "nominatingUnitId": a, "awardYear": 2021}),
    )
    .await;
    approve_and_confer(
        &app,
        &admin,
        other["commendation"]["id"].as_str().unwrap(),
        &sess,
        5,
        "8/QĐ-UBND",
        // Decided in 2025: outside the direct-worker years checked below.
        "2025-12-15",
    )
    .await;
    let n2024 = nominate(
        &app,
        &admin,
        json!({"awardTypeId": provincial, "kind": "CONG_TRANG", "recipient": {"personId": d},
               "nominatingUnitId": a, "awardYear": 2024}),
    )
    .await;
    approve_and_confer(
        &app,
        &admin,
        n2024["commendation"]["id"].as_str().unwrap(),
        &sess,
        5,
        "9/QĐ-UBND",
        "2026-03-01",
    )
    .await;
    let again = app
        .ok(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on Commendation { prerequisite { met titleMet years longestRun initiativeRequired initiativeMet } } } }",
            json!({"id": n["commendation"]["id"]}),
        )
        .await;
    assert_eq!(
        again["node"]["prerequisite"],
        json!({"met": false, "titleMet": true, "years": [2023, 2024, 2025], "longestRun": 3,
               "initiativeRequired": true, "initiativeMet": false}),
        "the namesake's 2021 title is not hers"
    );
    let with_initiative = nominate(
        &app,
        &admin,
        json!({"awardTypeId": national_id, "kind": "CONG_TRANG", "recipient": pd,
               "nominatingUnitId": a, "awardYear": 2027,
               "initiativeReference": "QĐ 15/QĐ-HĐKH công nhận sáng kiến cấp toàn quốc"}),
    )
    .await;
    assert_eq!(
        with_initiative["commendation"]["prerequisite"]["met"],
        json!(true),
        "{with_initiative}"
    );
    // The initiative reference is bounded text: an over-long or NUL-bearing one is refused
    // on its field and nothing is stored.
    for (bad, code) in [
        ("x".repeat(301), "TOO_LONG"),
        ("x".repeat(1_000_000), "TOO_LONG"),
        ("sáng kiến\u{0}".to_owned(), "INVALID_FORMAT"),
    ] {
        let r = nominate(
            &app,
            &admin,
            json!({"awardTypeId": national_id, "kind": "CONG_TRANG", "recipient": pd,
                   "nominatingUnitId": a, "awardYear": 2028, "initiativeReference": bad}),
        )
        .await;
        assert!(r["commendation"].is_null(), "{r}");
        assert_eq!(r["userErrors"][0]["field"], "initiativeReference", "{r}");
        assert_eq!(r["userErrors"][0]["code"], code, "{r}");
    }

    // Editing the catalogue: admins only, checked, with optimistic locking.
    let fields = json!({"code": "BANG-KHEN-BO", "name": "Bằng khen của Bộ trưởng", "category": "CERTIFICATE_OF_MERIT",
        "level": "MINISTERIAL", "recipientKind": "BOTH", "approvalThreshold": "75", "conferringAuthority": "Bộ trưởng",
        "legalBasis": "Nghị định 98/2023/NĐ-CP", "effectiveFrom": "2024-01-01"});
    const CREATE_AWARD: &str = "mutation($i: AwardTypeFields!) { createAwardType(input: $i) { awardType { id version approvalThreshold } userErrors { field code } } }";
    let r = app
        .gql(Some(&manager), CREATE_AWARD, json!({"i": fields}))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let mut bad = fields.clone();
    bad["approvalThreshold"] = json!("0");
    bad["code"] = json!("x");
    let r = app.gql(Some(&admin), CREATE_AWARD, json!({"i": bad})).await;
    assert_eq!(
        r.user_error_fields("createAwardType"),
        ["code", "approvalThreshold"]
    );
    let created = app
        .ok(Some(&admin), CREATE_AWARD, json!({"i": fields}))
        .await;
    let new_id = created["createAwardType"]["awardType"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(Some(&admin), CREATE_AWARD, json!({"i": fields}))
        .await;
    assert_eq!(user_codes(&r, "createAwardType"), ["DUPLICATE"]);
    const UPDATE_AWARD: &str = "mutation($i: UpdateAwardTypeInput!) { updateAwardType(input: $i) { awardType { version approvalThreshold effectiveTo } userErrors { field code } } }";
    let mut retired = fields.clone();
    retired["approvalThreshold"] = json!("80");
    retired["effectiveTo"] = json!("2025-12-31");
    let u = app
        .ok(
            Some(&admin),
            UPDATE_AWARD,
            json!({"i": {"id": new_id, "version": 1, "fields": retired}}),
        )
        .await;
    assert_eq!(
        u["updateAwardType"]["awardType"],
        json!({"version": 2, "approvalThreshold": "80", "effectiveTo": "2025-12-31"})
    );
    let stale = app
        .gql(
            Some(&admin),
            UPDATE_AWARD,
            json!({"i": {"id": new_id, "version": 1, "fields": retired}}),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"));
    // An award no longer in effect takes no new nominations.
    let r = app
        .gql(
            Some(&admin),
            NOMINATE,
            json!({"i": {"awardTypeId": new_id, "kind": "CONG_TRANG", "recipient": {"unitId": a}, "nominatingUnitId": a, "awardYear": 2026}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "nominateCommendation"),
        ["AWARD_NOT_IN_EFFECT"]
    );

    // Direct workers' share of individual commendations, per year of decision: the three
    // 2026 decisions above went to one direct worker (flagged twice of three), nothing in 2027.
    let share = app
        .ok(
            Some(&admin),
            "{ directWorkerShare(fromYear: 2026, toYear: 2027) { year individualCommendations directWorkers share } }",
            json!({}),
        )
        .await;
    assert_eq!(
        share["directWorkerShare"],
        json!([
            {"year": 2026, "individualCommendations": 3, "directWorkers": 2, "share": "66.67"},
            {"year": 2027, "individualCommendations": 0, "directWorkers": 0, "share": null}
        ])
    );
    let r = app
        .gql(
            Some(&admin),
            "{ directWorkerShare(fromYear: 2027, toYear: 2026) { year } }",
            json!({}),
        )
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
}

async fn listing_commendations_runs_a_bounded_number_of_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let sess = session(&app, &admin, 3).await;
    let national = award(&app, &admin, "CSTD-TOAN-QUOC").await;
    let m = model(&app, &admin, "Cá nhân điển hình", "INDIVIDUAL", &a).await;
    for i in 0..30 {
        let n = nominate(
            &app,
            &admin,
            json!({"awardTypeId": national, "kind": "CONG_TRANG", "recipient": {"person": {"name": format!("Người {i}"), "unitId": a}},
                   "exemplarId": m, "nominatingUnitId": a, "awardYear": 2026}),
        )
        .await;
        let id = n["commendation"]["id"].as_str().unwrap().to_owned();
        if i % 2 == 0 {
            review(&app, &admin, &id, &sess).await;
            app.ok(Some(&admin), BALLOT, tally(&id, [3, 0, 3, 0, 0]))
                .await;
        }
    }
    let mut counts = vec![];
    for n in [3usize, 30] {
        let before = app.db.statements_run();
        let d = app.ok(Some(&admin), LIST, json!({"n": n})).await;
        counts.push(app.db.statements_run() - before);
        let edges = d["commendations"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["prerequisite"]["met"] == false)
        );
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["exemplar"]["name"] == "Cá nhân điển hình")
        );
    }
    // One statement per loader and level: the list, grants, award types (three depths),
    // units, models, sessions (two depths), the prerequisite check (three) and corrections.
    // Keys of one type at different depths may or may not share a batch depending on
    // timing, so the bound is what is fixed, not the exact count; it does not grow with N.
    const BOUND: u64 = 14;
    assert!(
        counts.iter().all(|c| *c <= BOUND),
        "statements for 3 and 30: {counts:?}, bound {BOUND}"
    );
}

async fn identical_nominations_sent_at_once_store_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let giay_khen = award(&app, &admin, "GIAY-KHEN").await;
    let e = person(&app, &admin, "Vũ Văn E", &a).await;
    let input = json!({"i": {"awardTypeId": giay_khen, "kind": "DOT_XUAT",
        "recipient": {"personId": e}, "nominatingUnitId": a, "awardYear": 2026}});
    let answers = futures_util::future::join_all(
        (0..6).map(|_| app.gql(Some(&admin), NOMINATE, input.clone())),
    )
    .await;
    let mut stored = 0;
    for r in &answers {
        assert_eq!(
            r.error_code(),
            None,
            "no request-level error: {:?}",
            r.data()
        );
        match r.data()["nominateCommendation"]["commendation"]["id"].as_str() {
            Some(_) => stored += 1,
            None => assert_eq!(user_codes(r, "nominateCommendation"), ["DUPLICATE"]),
        }
    }
    assert_eq!(stored, 1);
    let listed = app
        .ok(
            Some(&admin),
            "{ commendations { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["commendations"]["edges"].as_array().unwrap().len(),
        1
    );
}

async fn sessions_catalogue_decisions_and_snapshots_check_their_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let manager = app
        .user_with_role(&admin, "quan.ly", "MANAGER", &root)
        .await;

    // Council sessions: the council's (or an admin's), with every member named.
    let r = app
        .gql(
            Some(&manager),
            SESSION,
            json!({"i": {"title": "Phiên họp", "heldOn": "2026-11-20", "members": [{"name": "A"}]}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .gql(
            Some(&admin),
            SESSION,
            json!({"i": {"title": "Phiên họp", "heldOn": "2026-11-20", "members": []}}),
        )
        .await;
    assert_eq!(r.user_error_fields("createCouncilSession"), ["members"]);
    let r = app
        .gql(
            Some(&admin),
            SESSION,
            json!({"i": {"title": " ", "heldOn": "2026-11-20", "members": [{"name": "A"}, {"name": "  "}]}}),
        )
        .await;
    assert_eq!(
        r.user_error_fields("createCouncilSession"),
        ["title", "members.1.name"],
        "every problem at once"
    );
    let r = app
        .gql(
            Some(&admin),
            SESSION,
            json!({"i": {"title": "Phiên họp", "heldOn": "2026-11-20", "members": [{"name": "A"}, {"name": "  "}]}}),
        )
        .await;
    assert_eq!(
        r.user_error_fields("createCouncilSession"),
        ["members.1.name"]
    );

    // The catalogue: prerequisites come as a pair, never the award itself; admins edit.
    const CREATE_AWARD: &str = "mutation($i: AwardTypeFields!) { createAwardType(input: $i) { awardType { id version } userErrors { field code } } }";
    const UPDATE_AWARD: &str = "mutation($i: UpdateAwardTypeInput!) { updateAwardType(input: $i) { awardType { version } userErrors { field code } } }";
    let fields = json!({"code": "GK-THU", "name": "Giấy khen thử", "category": "CERTIFICATE",
        "level": "GRASSROOTS", "recipientKind": "BOTH", "approvalThreshold": "51", "conferringAuthority": "Giám đốc",
        "legalBasis": "Nghị định 98/2023/NĐ-CP", "effectiveFrom": "2024-01-01"});
    let mut half = fields.clone();
    half["prerequisiteYears"] = json!(2);
    let r = app
        .gql(Some(&admin), CREATE_AWARD, json!({"i": half}))
        .await;
    assert_eq!(
        r.user_error_fields("createAwardType"),
        ["prerequisiteAwardTypeId"]
    );
    let mut backwards = fields.clone();
    backwards["effectiveTo"] = json!("2023-12-31");
    let r = app
        .gql(Some(&admin), CREATE_AWARD, json!({"i": backwards}))
        .await;
    assert_eq!(user_codes(&r, "createAwardType"), ["END_BEFORE_START"]);
    let created = app
        .ok(Some(&admin), CREATE_AWARD, json!({"i": fields}))
        .await;
    let id = created["createAwardType"]["awardType"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut own = fields.clone();
    own["prerequisiteAwardTypeId"] = json!(id);
    own["prerequisiteYears"] = json!(1);
    let r = app
        .gql(
            Some(&admin),
            UPDATE_AWARD,
            json!({"i": {"id": id, "version": 1, "fields": own}}),
        )
        .await;
    assert_eq!(
        r.user_error_fields("updateAwardType"),
        ["prerequisiteAwardTypeId"]
    );
    let r = app
        .gql(
            Some(&manager),
            UPDATE_AWARD,
            json!({"i": {"id": id, "version": 1, "fields": fields}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // Decisions: a session that does not exist, a decision date out of range.
    let sess = session(&app, &admin, 3).await;
    let n = nominate(
        &app,
        &admin,
        json!({"awardTypeId": id, "kind": "CONG_TRANG", "recipient": {"unitId": a}, "nominatingUnitId": a, "awardYear": 2026}),
    )
    .await;
    let cid = n["commendation"]["id"].as_str().unwrap().to_owned();
    let r = app
        .gql(
            Some(&admin),
            REVIEW,
            json!({"i": {"id": cid, "sessionId": a}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "submitCommendationForReview"),
        ["INVALID_FORMAT"],
        "a unit id is not a session id"
    );
    review(&app, &admin, &cid, &sess).await;
    app.ok(Some(&admin), BALLOT, tally(&cid, [3, 0, 3, 0, 0]))
        .await;
    let r = app
        .gql(
            Some(&admin),
            CONFER,
            json!({"i": {"id": cid, "decisionNumber": "1/QĐ", "decisionDate": "1990-01-01"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["OUT_OF_RANGE"]);
    let r = app
        .gql(
            Some(&admin),
            CONFER,
            json!({"i": {"id": cid, "decisionNumber": "9".repeat(101), "decisionDate": "2026-01-01"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["TOO_LONG"]);

    // Snapshots are the programme administrators' to take; ranges are bounded.
    let r = app
        .gql(
            Some(&manager),
            "mutation { takeTargetSnapshots { taken } }",
            json!({}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .gql(
            Some(&admin),
            "{ directWorkerShare(fromYear: 1900, toYear: 2026) { year } }",
            json!({}),
        )
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
}

async fn unknown_references_and_mismatched_links_have_their_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "KT-A", &root).await;
    let giay_khen = award(&app, &admin, "GIAY-KHEN").await;
    let nowhere = |ty: thidua_api::ids::NodeType| ty.encode(uuid::Uuid::now_v7()).to_string();

    // Ids of the right kind that name nothing.
    let base = json!({"awardTypeId": giay_khen, "kind": "CONG_TRANG", "recipient": {"unitId": a},
                      "nominatingUnitId": a, "awardYear": 2026});
    let mut no_award = base.clone();
    no_award["awardTypeId"] = json!(nowhere(thidua_api::ids::NodeType::AwardType));
    let mut no_campaign = base.clone();
    no_campaign["kind"] = json!("PHONG_TRAO_THI_DUA");
    no_campaign["campaignId"] = json!(nowhere(thidua_api::ids::NodeType::Campaign));
    for (input, field) in [(no_award, "awardTypeId"), (no_campaign, "campaignId")] {
        let r = app.gql(Some(&admin), NOMINATE, json!({"i": input})).await;
        assert_eq!(
            user_codes(&r, "nominateCommendation"),
            ["UNKNOWN_REFERENCE"]
        );
        assert_eq!(r.user_error_fields("nominateCommendation"), [field]);
    }
    let r = app
        .gql(
            Some(&admin),
            "mutation($i: UpdateAwardTypeInput!) { updateAwardType(input: $i) { userErrors { code } } }",
            json!({"i": {"id": nowhere(thidua_api::ids::NodeType::AwardType), "version": 1, "fields": {"code": "X-1", "name": "X",
                "category": "CERTIFICATE", "level": "GRASSROOTS", "recipientKind": "BOTH", "approvalThreshold": "51",
                "conferringAuthority": "X", "legalBasis": "X", "effectiveFrom": "2024-01-01"}}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("NOT_FOUND"));

    // A model as recipient cannot also link another model.
    let m1 = model(&app, &admin, "Mô hình 1", "INDIVIDUAL", &a).await;
    let m2 = model(&app, &admin, "Mô hình 2", "INDIVIDUAL", &a).await;
    let mut both = base.clone();
    both["recipient"] = json!({"exemplarId": m1});
    both["exemplarId"] = json!(m2);
    let r = app.gql(Some(&admin), NOMINATE, json!({"i": both})).await;
    assert_eq!(r.user_error_fields("nominateCommendation"), ["exemplarId"]);

    // A ballot needs the council to have taken the nomination up first.
    let n = nominate(&app, &admin, base.clone()).await;
    let id = n["commendation"]["id"].as_str().unwrap().to_owned();
    let r = app
        .gql(Some(&admin), BALLOT, tally(&id, [1, 0, 1, 0, 0]))
        .await;
    assert_eq!(
        user_codes(&r, "recordCouncilBallot"),
        ["INVALID_TRANSITION"]
    );

    // A person's name is corrected only on a person's honour.
    let sess = session(&app, &admin, 1).await;
    approve_and_confer(&app, &admin, &id, &sess, 1, "3/QĐ", "2026-06-01").await;
    let r = app
        .gql(
            Some(&admin),
            CORRECT,
            json!({"i": {"id": id, "reason": "Sửa tên", "personName": "Nguyễn Văn G"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "correctCommendation"), ["INVALID_FORMAT"]);

    // A council is not a crowd.
    let crowd: Vec<Value> = (0..201)
        .map(|i| json!({"name": format!("Ủy viên {i}")}))
        .collect();
    let r = app
        .gql(
            Some(&admin),
            SESSION,
            json!({"i": {"title": "Phiên họp", "heldOn": "2026-11-20", "members": crowd}}),
        )
        .await;
    assert_eq!(user_codes(&r, "createCouncilSession"), ["TOO_MANY"]);
}

/// Nominates `award` for the unit `unit` (a collective) in 2026 and returns its id.
async fn nominate_unit(
    app: &thidua_tests::TestApp,
    token: &str,
    award: &str,
    unit: &str,
) -> String {
    let n = nominate(
        app,
        token,
        json!({"awardTypeId": award, "kind": "CONG_TRANG", "recipient": {"unitId": unit},
               "nominatingUnitId": unit, "awardYear": 2026}),
    )
    .await;
    n["commendation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("nominate: {n}"))
        .to_owned()
}

/// Review by `sess` and a unanimous ballot of its `members`: APPROVED.
async fn approve(app: &thidua_tests::TestApp, token: &str, id: &str, sess: &str, members: i64) {
    let r = review(app, token, id, sess).await;
    assert_eq!(
        r["submitCommendationForReview"]["commendation"]["status"], "UNDER_REVIEW",
        "{r}"
    );
    let b = app
        .ok(Some(token), BALLOT, tally(id, [members, 0, members, 0, 0]))
        .await;
    assert_eq!(
        b["recordCouncilBallot"]["commendation"]["status"], "APPROVED",
        "{b}"
    );
}

async fn a_central_award_is_proposed_upward_then_conferred_or_declined(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "UP-A", &root).await;
    let b = app.create_unit(&admin, "UP-B", &root).await;
    let sess = session(&app, &admin, 5).await;
    let central = award(&app, &admin, "BANG-KHEN-TTG").await;

    let c1 = nominate_unit(&app, &admin, &central, &a).await;
    approve(&app, &admin, &c1, &sess, 5).await;
    // The province only proposes a Prime-Minister award: conferring it here is refused.
    let decision =
        json!({"i": {"id": c1, "decisionNumber": "77/QĐ-TTg", "decisionDate": "2027-02-01"}});
    let r = app.gql(Some(&admin), CONFER, decision.clone()).await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["OUTSIDE_AUTHORITY"]);
    // Nor is there an upward decision before the proposal.
    let r = app
        .gql(Some(&admin), UPWARD_DECISION, decision.clone())
        .await;
    assert_eq!(
        user_codes(&r, "recordUpwardDecision"),
        ["INVALID_TRANSITION"]
    );
    let r = app
        .gql(
            Some(&admin),
            PROPOSE,
            json!({"i": {"id": c1, "proposedOn": "1999-12-01"}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "proposeCommendationUpward"),
        ["OUT_OF_RANGE"]
    );
    let p = app
        .ok(
            Some(&admin),
            PROPOSE,
            json!({"i": {"id": c1, "proposedOn": "2026-12-01"}}),
        )
        .await;
    let p = &p["proposeCommendationUpward"]["commendation"];
    assert_eq!(
        (p["status"].as_str(), p["proposedOn"].as_str()),
        (Some("PROPOSED_UPWARD"), Some("2026-12-01")),
        "{p}"
    );
    // Proposing twice, or conferring by the council's own decision, is refused.
    let r = app
        .gql(
            Some(&admin),
            PROPOSE,
            json!({"i": {"id": c1, "proposedOn": "2026-12-02"}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "proposeCommendationUpward"),
        ["INVALID_TRANSITION"]
    );
    let r = app.gql(Some(&admin), CONFER, decision.clone()).await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["INVALID_TRANSITION"]);
    // The higher authority's decision cannot predate the dossier.
    let r = app
        .gql(
            Some(&admin),
            UPWARD_DECISION,
            json!({"i": {"id": c1, "decisionNumber": "77/QĐ-TTg", "decisionDate": "2026-11-30"}}),
        )
        .await;
    assert_eq!(
        (
            user_codes(&r, "recordUpwardDecision"),
            r.user_error_fields("recordUpwardDecision")
        ),
        (
            vec!["OUT_OF_RANGE".to_owned()],
            vec!["decisionDate".to_owned()]
        )
    );
    let d = app.ok(Some(&admin), UPWARD_DECISION, decision).await;
    let d = &d["recordUpwardDecision"]["commendation"];
    assert_eq!(d["status"], "CONFERRED", "{d}");
    assert_eq!(d["issuingAuthority"], "Thủ tướng Chính phủ");
    assert_eq!(d["decisionDate"], "2027-02-01");

    // The central level declines another proposal: it no longer stays APPROVED.
    let c2 = nominate_unit(&app, &admin, &central, &b).await;
    approve(&app, &admin, &c2, &sess, 5).await;
    let r = app
        .gql(
            Some(&admin),
            DECLINE,
            json!({"i": {"id": c2, "reason": "x"}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "declineCommendationUpward"),
        ["INVALID_TRANSITION"]
    );
    app.ok(
        Some(&admin),
        PROPOSE,
        json!({"i": {"id": c2, "proposedOn": "2026-12-01"}}),
    )
    .await;
    let r = app
        .gql(
            Some(&admin),
            DECLINE,
            json!({"i": {"id": c2, "reason": "  "}}),
        )
        .await;
    assert_eq!(user_codes(&r, "declineCommendationUpward"), ["REQUIRED"]);
    let council = app.user_with_role(&admin, "hd-up", "COUNCIL", &root).await;
    let r = app
        .gql(
            Some(&council),
            DECLINE,
            json!({"i": {"id": c2, "reason": "Chưa đủ tiêu chuẩn"}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let d = app
        .ok(
            Some(&admin),
            DECLINE,
            json!({"i": {"id": c2, "reason": "Chưa đủ tiêu chuẩn theo Điều 71"}}),
        )
        .await;
    let d = &d["declineCommendationUpward"]["commendation"];
    assert_eq!(
        (d["status"].as_str(), d["declinedReason"].as_str()),
        (
            Some("DECLINED_UPWARD"),
            Some("Chưa đủ tiêu chuẩn theo Điều 71")
        ),
        "{d}"
    );
    let r = app
        .gql(
            Some(&admin),
            UPWARD_DECISION,
            json!({"i": {"id": c2, "decisionNumber": "78/QĐ-TTg", "decisionDate": "2027-02-01"}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "recordUpwardDecision"),
        ["INVALID_TRANSITION"]
    );
    // A declined proposal frees the recipient for a new nomination of the same year.
    let again = nominate(
        &app,
        &admin,
        json!({"awardTypeId": central, "kind": "CONG_TRANG", "recipient": {"unitId": b},
               "nominatingUnitId": b, "awardYear": 2026}),
    )
    .await;
    assert_eq!(again["commendation"]["status"], "NOMINATED", "{again}");

    // A provincial award is the province's to confer, not to propose.
    let provincial = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    let c3 = nominate_unit(&app, &admin, &provincial, &a).await;
    approve(&app, &admin, &c3, &sess, 5).await;
    let r = app
        .gql(
            Some(&admin),
            PROPOSE,
            json!({"i": {"id": c3, "proposedOn": "2026-12-01"}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "proposeCommendationUpward"),
        ["INVALID_TRANSITION"]
    );
    let c = app
        .ok(
            Some(&admin),
            CONFER,
            json!({"i": {"id": c3, "decisionNumber": "9/QĐ-UBND", "decisionDate": "2026-12-05"}}),
        )
        .await;
    assert_eq!(
        c["conferCommendation"]["commendation"]["status"], "CONFERRED",
        "{c}"
    );
}

async fn a_unit_council_reviews_its_subtree_and_confers_only_what_its_head_decides(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let ward = app.create_unit(&admin, "PHUONG-1", &root).await;
    let group = app.create_unit(&admin, "PHUONG-1-TO", &ward).await;
    let other = app.create_unit(&admin, "PHUONG-2", &root).await;
    // The ward's council member holds the right on the ward, not on the province.
    let council = app
        .user_with_role(&admin, "hd-phuong", "COUNCIL", &ward)
        .await;
    let r = session_at(&app, &council, &root, 3).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .gql(
            Some(&council),
            SESSION,
            json!({"i": {"title": "Phiên tỉnh", "heldOn": "2026-11-20", "members": [{"name": "A"}]}}),
        )
        .await;
    assert_eq!(
        r.error_code(),
        Some("FORBIDDEN"),
        "the root is the default unit"
    );
    let r = session_at(&app, &council, &ward, 3).await;
    let s = &r.data()["createCouncilSession"]["session"];
    assert_eq!(s["unit"]["code"], "PHUONG-1", "{s}");
    let sess = s["id"].as_str().unwrap().to_owned();

    // A Giấy khen in the ward's subtree: reviewed, voted and conferred at the ward.
    let giay_khen = award(&app, &admin, "GIAY-KHEN").await;
    let c1 = nominate_unit(&app, &admin, &giay_khen, &group).await;
    approve(&app, &council, &c1, &sess, 3).await;
    let c = app
        .ok(
            Some(&admin),
            CONFER,
            json!({"i": {"id": c1, "decisionNumber": "5/QĐ-UBND-P1", "decisionDate": "2026-11-25",
                          "issuingAuthority": "Chủ tịch UBND phường 1"}}),
        )
        .await;
    assert_eq!(
        c["conferCommendation"]["commendation"]["status"], "CONFERRED",
        "{c}"
    );

    // Outside the ward's subtree the session cannot review, even for an Admin.
    let c2 = nominate_unit(&app, &admin, &giay_khen, &other).await;
    let r = app
        .gql(
            Some(&admin),
            REVIEW,
            json!({"i": {"id": c2, "sessionId": sess}}),
        )
        .await;
    assert_eq!(
        (
            user_codes(&r, "submitCommendationForReview"),
            r.user_error_fields("submitCommendationForReview")
        ),
        (
            vec!["OUTSIDE_AUTHORITY".to_owned()],
            vec!["sessionId".to_owned()]
        )
    );
    // The ward's council member cannot put it before the province's council either.
    let province = session(&app, &admin, 3).await;
    let r = app
        .gql(
            Some(&council),
            REVIEW,
            json!({"i": {"id": c2, "sessionId": province}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // A provincial Bằng khen voted at the ward is only a proposal.
    let bang_khen = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    let c3 = nominate_unit(&app, &admin, &bang_khen, &ward).await;
    approve(&app, &council, &c3, &sess, 3).await;
    let r = app
        .gql(
            Some(&admin),
            CONFER,
            json!({"i": {"id": c3, "decisionNumber": "6/QĐ-UBND-P1", "decisionDate": "2026-11-25"}}),
        )
        .await;
    assert_eq!(user_codes(&r, "conferCommendation"), ["OUTSIDE_AUTHORITY"]);
    let p = app
        .ok(
            Some(&admin),
            PROPOSE,
            json!({"i": {"id": c3, "proposedOn": "2026-11-26"}}),
        )
        .await;
    assert_eq!(
        p["proposeCommendationUpward"]["commendation"]["status"], "PROPOSED_UPWARD",
        "{p}"
    );

    // A village's head decides nothing, so it holds no council; an unknown unit is named.
    let village = app
        .ok(
            Some(&admin),
            "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }",
            json!({"i": {"code": "THON-1", "name": "Thôn 1", "kind": "VILLAGE", "parentId": ward}}),
        )
        .await["createOrgUnit"]["orgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = session_at(&app, &admin, &village, 3).await;
    assert_eq!(
        user_codes(&r, "createCouncilSession"),
        ["OUTSIDE_AUTHORITY"]
    );
    let r = session_at(&app, &admin, "not-an-id", 3).await;
    assert_eq!(
        r.user_error_fields("createCouncilSession"),
        ["unitId"],
        "{:?}",
        r.data()
    );
}

async fn central_honours_are_recorded_conferred_without_a_ballot(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let a = app.create_unit(&admin, "TW-A", &root).await;
    let central = award(&app, &admin, "BANG-KHEN-TTG").await;
    let honour = |award: &str, number: &str| {
        json!({"i": {"awardTypeId": award, "kind": "CONG_TRANG", "recipient": {"unitId": a},
                     "nominatingUnitId": a, "awardYear": 2026,
                     "decisionNumber": number, "decisionDate": "2026-09-02"}})
    };
    let d = app
        .ok(
            Some(&admin),
            RECORD_CONFERRED,
            honour(&central, "501/QĐ-TTg"),
        )
        .await;
    let c = &d["recordConferredHonour"]["commendation"];
    assert_eq!(c["status"], "CONFERRED", "{d}");
    assert_eq!(c["recordedDirectly"], true);
    assert_eq!(c["session"], Value::Null);
    assert_eq!(c["issuingAuthority"], "Thủ tướng Chính phủ");

    // The same decision number of the same authority is one honour only.
    let order = award(&app, &admin, "HUAN-CHUONG-LD-3").await;
    let r = app
        .gql(
            Some(&admin),
            RECORD_CONFERRED,
            json!({"i": {"awardTypeId": order, "kind": "CONG_TRANG", "recipient": {"unitId": a},
                         "nominatingUnitId": a, "awardYear": 2026, "decisionNumber": "501/QĐ-TTg",
                         "decisionDate": "2026-09-02", "issuingAuthority": "Thủ tướng Chính phủ"}}),
        )
        .await;
    assert_eq!(
        user_codes(&r, "recordConferredHonour"),
        ["DUPLICATE_DECISION_NUMBER"]
    );
    // What the province decides passes its council.
    let provincial = award(&app, &admin, "BANG-KHEN-UBND-TINH").await;
    let r = app
        .gql(
            Some(&admin),
            RECORD_CONFERRED,
            honour(&provincial, "1/QĐ-UBND"),
        )
        .await;
    assert_eq!(
        (
            user_codes(&r, "recordConferredHonour"),
            r.user_error_fields("recordConferredHonour")
        ),
        (
            vec!["BALLOT_REQUIRED".to_owned()],
            vec!["awardTypeId".to_owned()]
        )
    );
    // Administrators only: a manager of the unit may nominate but not record a conferral.
    let manager = app.user_with_role(&admin, "ql-tw", "MANAGER", &root).await;
    let r = app
        .gql(Some(&manager), RECORD_CONFERRED, honour(&order, "2/QĐ-CTN"))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .gql(Some(&admin), RECORD_CONFERRED, honour(&order, " "))
        .await;
    assert_eq!(user_codes(&r, "recordConferredHonour"), ["REQUIRED"]);
    // Recorded directly, it is listed and audited like any conferral.
    let audit = app
        .ok(
            Some(&admin),
            "{ auditLog(first: 20) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert!(audit.to_string().contains("record_conferred"), "{audit}");
}

async fn award_rows_say_who_decides_and_on_what_legal_basis(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let rows = app
        .ok(
            Some(&admin),
            "{ awardTypes { id code name version level decidingLevel thresholdBasis authorityBasis } }",
            json!({}),
        )
        .await;
    let row = |code: &str| {
        rows["awardTypes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap_or_else(|| panic!("{code}"))
            .clone()
    };
    let cstd = row("CSTD-TINH");
    assert_eq!(cstd["name"], "Chiến sĩ thi đua cấp bộ, ban, ngành, tỉnh");
    assert_eq!(cstd["decidingLevel"], "PROVINCIAL");
    assert!(
        cstd["thresholdBasis"].as_str().unwrap().contains("90%"),
        "{cstd}"
    );
    let giay_khen = row("GIAY-KHEN");
    assert_eq!(giay_khen["decidingLevel"], "GRASSROOTS");
    assert!(
        giay_khen["authorityBasis"]
            .as_str()
            .unwrap()
            .contains("Điều 80")
    );
    assert!(giay_khen["thresholdBasis"].as_str().unwrap().contains('⚠'));
    assert_eq!(row("BANG-KHEN-TTG")["decidingLevel"], "CENTRAL");

    const UPDATE: &str = "mutation($i: UpdateAwardTypeInput!) { updateAwardType(input: $i) { awardType { version decidingLevel thresholdBasis authorityBasis approvalThreshold } userErrors { field code } } }";
    let fields = |extra: Value| {
        let mut f = json!({"code": "GIAY-KHEN", "name": "Giấy khen", "category": "CERTIFICATE",
            "level": "GRASSROOTS", "recipientKind": "BOTH", "approvalThreshold": "60",
            "conferringAuthority": "Thủ trưởng cơ quan, đơn vị", "legalBasis": "Luật TĐKT 2022",
            "effectiveFrom": "2024-01-01"});
        for (k, v) in extra.as_object().unwrap() {
            f[k] = v.clone();
        }
        f
    };
    let id = giay_khen["id"].as_str().unwrap();
    let v = giay_khen["version"].as_i64().unwrap();
    let r = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"i": {"id": id, "version": v, "fields": fields(json!({"thresholdBasis": "x".repeat(301)}))}}),
        )
        .await;
    assert_eq!(
        (
            user_codes(&r, "updateAwardType"),
            r.user_error_fields("updateAwardType")
        ),
        (
            vec!["TOO_LONG".to_owned()],
            vec!["fields.thresholdBasis".to_owned()]
        )
    );
    let manager = app
        .user_with_role(&admin, "ql-award", "MANAGER", &app.root_unit(&admin).await)
        .await;
    let r = app
        .gql(
            Some(&manager),
            UPDATE,
            json!({"i": {"id": id, "version": v, "fields": fields(json!({}))}}),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let u = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({"i": {"id": id, "version": v, "fields": fields(json!({
                "decidingLevel": "PROVINCIAL",
                "thresholdBasis": "NĐ 98/2023/NĐ-CP, đã đối chiếu",
                "authorityBasis": "NĐ 152/2025/NĐ-CP"}))}}),
        )
        .await;
    let a = &u["updateAwardType"]["awardType"];
    assert_eq!(
        (
            a["decidingLevel"].as_str(),
            a["thresholdBasis"].as_str(),
            a["authorityBasis"].as_str(),
            a["approvalThreshold"].as_str()
        ),
        (
            Some("PROVINCIAL"),
            Some("NĐ 98/2023/NĐ-CP, đã đối chiếu"),
            Some("NĐ 152/2025/NĐ-CP"),
            Some("60")
        ),
        "{u}"
    );
    // An update that leaves them out keeps them.
    let u = app
        .ok(
            Some(&admin),
            UPDATE,
            json!({"i": {"id": id, "version": v + 1, "fields": fields(json!({}))}}),
        )
        .await;
    let a = &u["updateAwardType"]["awardType"];
    assert_eq!(a["decidingLevel"], "PROVINCIAL", "{u}");
    assert_eq!(a["thresholdBasis"], "NĐ 98/2023/NĐ-CP, đã đối chiếu");
}
