//! `search` in list filters: accents, `đ` and case are ignored, words match in any order,
//! wildcards are literal, bad input is refused with a code; on PostgreSQL a trigram index
//! serves it.

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, TransactionTrait};
use serde_json::{Value, json};
use thidua_domain::text::SearchQuery;
use thidua_persistence::entities::{campaign, commendation, exemplar, org_unit, person, user};
use thidua_persistence::search::matches;
use thidua_tests::commendations::{CORRECT, approve_and_confer, award, model, nominate, session};
use thidua_tests::{Backend, CREATE_CAMPAIGN, TestApp, both, concrete, postgres_url, spawn_app};

both!(
    units_are_found_without_accents_case_or_word_order,
    models_and_campaigns_are_found_by_folded_words,
    commendations_are_found_by_the_recipients_name,
    wildcards_in_a_search_match_only_themselves,
    bad_searches_are_refused_with_codes,
    the_migration_folds_rows_that_exist_before_it,
);

const UNITS: &str = "query($s: String) { orgUnits(first: 100, filter: {search: $s, includeInactive: true}) { edges { node { code name } } } }";
const MODELS: &str =
    "query($s: String) { exemplars(first: 100, filter: {search: $s}) { edges { node { name } } } }";
const CAMPAIGNS: &str =
    "query($s: String) { campaigns(first: 100, filter: {search: $s}) { edges { node { code } } } }";
const COMMENDATIONS: &str = "query($s: String) { commendations(first: 100, filter: {search: $s}) { edges { node { id } } } }";

async fn unit(app: &TestApp, token: &str, code: &str, name: &str, parent: &str) -> String {
    let d = app
        .ok(
            Some(token),
            "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } userErrors { code field } } }",
            json!({"i": {"code": code, "name": name, "kind": "WARD", "parentId": parent}}),
        )
        .await;
    d["createOrgUnit"]["orgUnit"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createOrgUnit: {d}"))
        .to_owned()
}

/// The values of `field` of every node a list query returns for `search`.
async fn found(app: &TestApp, token: &str, query: &str, search: &str, field: &str) -> Vec<String> {
    let d = app.ok(Some(token), query, json!({"s": search})).await;
    let list = d.as_object().unwrap().values().next().unwrap();
    let mut out: Vec<String> = list["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"][field].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

async fn units_are_found_without_accents_case_or_word_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    unit(&app, &admin, "HL", "Thành phố Hạ Long", &root).await;
    let dt = unit(&app, &admin, "DT", "Thị xã Đông Triều", &root).await;
    unit(&app, &admin, "HH", "Huyện Hải Hà", &root).await;
    let codes = |s: &'static str| found(&app, &admin, UNITS, s, "code");

    assert_eq!(codes("Ha Long").await, ["HL"]);
    assert_eq!(codes("LONG hạ").await, ["HL"]);
    assert_eq!(codes("HẠ LONG").await, ["HL"]);
    // NFD input (marks typed as separate characters) is the same search.
    assert_eq!(codes("Ha\u{323} Long").await, ["HL"]);
    // `đ` and `d` are one letter for search, both ways.
    assert_eq!(codes("dong trieu").await, ["DT"]);
    assert_eq!(codes("Đông").await, ["DT"]);
    assert_eq!(codes("hai ha").await, ["HH"]);
    // Every word must appear: "ha" alone is in two names, "ha long" in one.
    assert_eq!(codes("ha").await, ["HH", "HL"]);
    assert!(codes("ha long trieu").await.is_empty());
    // The code is searchable too; a blank search is no filter.
    assert_eq!(codes("dt").await, ["DT"]);
    assert!(
        codes("   ").await.len() >= 4,
        "blank search lists every unit"
    );

    // A renamed unit is found by its new name only.
    app.ok(
        Some(&admin),
        "mutation($i: UpdateOrgUnitInput!) { updateOrgUnit(input: $i) { orgUnit { id } userErrors { code } } }",
        json!({"i": {"id": dt, "name": "Thành phố Đông Triều"}}),
    )
    .await;
    assert_eq!(codes("thanh pho dong").await, ["DT"]);
    assert!(codes("thi xa dong").await.is_empty());
}

async fn models_and_campaigns_are_found_by_folded_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    model(&app, &admin, "Mô hình Dân vận khéo", "COLLECTIVE", &root).await;
    model(&app, &admin, "Đảng viên gương mẫu", "INDIVIDUAL", &root).await;
    let names = |s: &'static str| found(&app, &admin, MODELS, s, "name");
    assert_eq!(names("dan van KHEO").await, ["Mô hình Dân vận khéo"]);
    assert_eq!(names("khéo mô").await, ["Mô hình Dân vận khéo"]);
    assert_eq!(names("dang vien").await, ["Đảng viên gương mẫu"]);
    // Each word may match inside a longer one ("dan" in "dang"), but all must match.
    assert!(names("van mau").await.is_empty());

    let programme = app.programme_id().await;
    let c = app
        .ok(
            Some(&admin),
            CREATE_CAMPAIGN,
            json!({"i": {
                "code": "HL-XANH", "title": "Phong trào thi đua Hạ Long xanh", "kind": "THEMATIC",
                "summary": "Sạch, đẹp, văn minh", "programmeId": programme, "launchingUnitId": root,
                "startDate": "2025-01-01", "endDate": "2025-12-31", "criteria": [concrete("Tỷ lệ hộ")],
            }}),
        )
        .await;
    assert!(c["createCampaign"]["userErrors"] == json!([]), "{c}");
    let codes = |s: &'static str| found(&app, &admin, CAMPAIGNS, s, "code");
    assert_eq!(codes("sach ha long").await, ["HL-XANH"]);
    assert_eq!(codes("VAN minh hl-xanh").await, ["HL-XANH"]);
    assert_eq!(codes("thi dua XANH").await, ["HL-XANH"]);
    assert!(codes("ha long do").await.is_empty());
}

async fn commendations_are_found_by_the_recipients_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let hg = unit(&app, &admin, "HG", "Phường Hồng Gai", &root).await;
    let cp = unit(&app, &admin, "CP", "Phường Cẩm Phả", &root).await;
    let individual = award(&app, &admin, "CSTD-CO-SO").await;
    let collective = award(&app, &admin, "TT-LAO-DONG-XUAT-SAC").await;
    let central = award(&app, &admin, "BANG-KHEN-TTG").await;
    let nominate_id = |input: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            let n = nominate(app, admin, input).await;
            n["commendation"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{n}"))
                .to_owned()
        }
    };
    let person = nominate_id(json!({
        "awardTypeId": individual, "kind": "CONG_TRANG", "nominatingUnitId": cp, "awardYear": 2026,
        "recipient": {"person": {"name": "Đặng Thị Hồng", "position": "Thợ lò", "unitId": cp}}}))
    .await;
    let collective_hg = nominate_id(json!({
        "awardTypeId": collective, "kind": "CONG_TRANG", "nominatingUnitId": hg, "awardYear": 2026,
        "recipient": {"unitId": hg}}))
    .await;
    let m = model(&app, &admin, "Tổ tự quản Bạch Đằng", "COLLECTIVE", &cp).await;
    let for_model = nominate_id(json!({
        "awardTypeId": central, "kind": "CONG_TRANG", "nominatingUnitId": cp, "awardYear": 2026,
        "recipient": {"exemplarId": m}}))
    .await;
    let ids = |s: &'static str| found(&app, &admin, COMMENDATIONS, s, "id");
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    assert_eq!(ids("dang thi hong").await, vec![person.clone()]);
    assert_eq!(ids("HỒNG đặng").await, vec![person.clone()]);
    // A unit recipient by the unit's name, a model by the model's name.
    assert_eq!(ids("hong gai").await, vec![collective_hg.clone()]);
    assert_eq!(ids("bach dang").await, vec![for_model.clone()]);
    // "hong" is in the person's name and in the unit's: both recipients.
    assert_eq!(
        ids("hong").await,
        sorted(vec![person.clone(), collective_hg.clone()])
    );
    // A person is not found by their unit's name: the search is about recipients.
    assert!(ids("cam pha").await.is_empty());
    // A renamed unit's honours are found by its new name.
    app.ok(
        Some(&admin),
        "mutation($i: UpdateOrgUnitInput!) { updateOrgUnit(input: $i) { orgUnit { id } userErrors { code } } }",
        json!({"i": {"id": hg, "name": "Phường Hà Lầm"}}),
    )
    .await;
    assert_eq!(ids("ha lam").await, vec![collective_hg.clone()]);
    assert!(ids("hong gai").await.is_empty());

    // A corrected name replaces the old one in search.
    let sess = session(&app, &admin, 1).await;
    approve_and_confer(&app, &admin, &person, &sess, 1, "7/QĐ", "2026-06-01").await;
    app.ok(
        Some(&admin),
        CORRECT,
        json!({"i": {"id": person, "reason": "Sửa tên", "personName": "Đặng Thị Hương"}}),
    )
    .await;
    assert_eq!(ids("dang thi huong").await, vec![person.clone()]);
    assert!(ids("dang thi hong").await.is_empty());
}

async fn wildcards_in_a_search_match_only_themselves(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    unit(&app, &admin, "PCT", "Khu 100% an toàn", &root).await;
    unit(&app, &admin, "UND", "Tổ_dân phố 5", &root).await;
    unit(&app, &admin, "BSL", r"Thôn A\B", &root).await;
    unit(&app, &admin, "PLAIN", "Thôn Trung tâm", &root).await;
    let codes = |s: &'static str| found(&app, &admin, UNITS, s, "code");
    assert_eq!(codes("%").await, ["PCT"]);
    assert_eq!(codes("100%").await, ["PCT"]);
    assert!(codes("10%an").await.is_empty());
    assert_eq!(codes("_").await, ["UND"]);
    assert!(codes("to_dan_pho").await.is_empty());
    assert_eq!(codes(r"\").await, ["BSL"]);
    assert_eq!(codes(r"a\b").await, ["BSL"]);
    assert!(codes(r"\%").await.is_empty());
    assert!(codes("thon%tam").await.is_empty());
    // The same literal meaning in every list.
    for (q, field) in [(MODELS, "name"), (CAMPAIGNS, "code"), (COMMENDATIONS, "id")] {
        for s in ["%", "_", r"\", "%%", "'; --"] {
            assert!(
                found(&app, &admin, q, s, field).await.is_empty(),
                "{s:?} found rows with {q}"
            );
        }
    }
}

async fn bad_searches_are_refused_with_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let nine_words = "a b c d e f g h i".to_owned();
    let cases = [
        ("a".repeat(201), "TOO_LONG"),
        ("Hạ".repeat(101), "TOO_LONG"),
        ("x".repeat(1_000_000), "TOO_LONG"),
        ("ha\u{0}long".to_owned(), "INVALID_FORMAT"),
        ("ha\nlong".to_owned(), "INVALID_FORMAT"),
        ("ha\tlong".to_owned(), "INVALID_FORMAT"),
        ("\u{1b}[31m".to_owned(), "INVALID_FORMAT"),
        ("a\u{85}".to_owned(), "INVALID_FORMAT"),
        (nine_words, "TOO_MANY"),
    ];
    for q in [UNITS, MODELS, CAMPAIGNS, COMMENDATIONS] {
        for (s, code) in &cases {
            let a = app.gql(Some(&admin), q, json!({"s": s})).await;
            let what = format!("{q} with {:?}", s.chars().take(20).collect::<String>());
            assert_eq!(a.status, 200, "{what}: {}", a.body);
            assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{what}: {}", a.body);
            let ext = &a.body["errors"][0]["extensions"];
            assert_eq!(ext["userErrorCode"], *code, "{what}: {}", a.body);
            assert_eq!(ext["field"], "filter.search", "{what}: {}", a.body);
        }
        // Eight distinct words (repeats counted once) are allowed.
        let ok = app
            .gql(Some(&admin), q, json!({"s": "a b c d e f g h a b"}))
            .await;
        assert!(ok.body["errors"].is_null(), "{q}: {}", ok.body);
    }
    // Reading lists needs a sign-in, search or not.
    let a = app.gql(None, UNITS, json!({"s": "ha long"})).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
}

/// Every `search_text` column (and people's `search_key`) is read through its GIN trigram
/// index on PostgreSQL: the plan of the very condition the lists use (`LIKE … ESCAPE`),
/// with sequential scans priced out so the plan does not depend on how few rows a test
/// database holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_search_is_served_by_trigram_indexes() {
    if postgres_url().is_none() {
        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the PostgreSQL run");
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let q = SearchQuery::parse("Hạ Long").unwrap().unwrap();
    let statements = [
        (
            "org_units",
            org_unit::Entity::find()
                .filter(matches(org_unit::Column::SearchText, &q))
                .build(DbBackend::Postgres),
        ),
        (
            "campaigns",
            campaign::Entity::find()
                .filter(matches(campaign::Column::SearchText, &q))
                .build(DbBackend::Postgres),
        ),
        (
            "exemplars",
            exemplar::Entity::find()
                .filter(matches(exemplar::Column::SearchText, &q))
                .build(DbBackend::Postgres),
        ),
        (
            "commendations",
            commendation::Entity::find()
                .filter(matches(commendation::Column::SearchText, &q))
                .build(DbBackend::Postgres),
        ),
        (
            "users",
            user::Entity::find()
                .filter(matches(user::Column::SearchText, &q))
                .build(DbBackend::Postgres),
        ),
        // People keep their folded name in `search_key` (migration m20261130_000008).
        (
            "persons",
            person::Entity::find()
                .filter(matches(person::Column::SearchKey, &q))
                .build(DbBackend::Postgres),
        ),
    ];
    let db = &app.db.conn;
    for (table, stmt) in statements {
        let txn = db.begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
        let explain = sea_orm::Statement {
            sql: format!("EXPLAIN {}", stmt.sql),
            ..stmt
        };
        let plan: Vec<String> = txn
            .query_all_raw(explain)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap())
            .collect();
        txn.rollback().await.unwrap();
        let plan = plan.join("\n");
        let column = if table == "persons" {
            "search_key"
        } else {
            "search_text"
        };
        let index = format!("ix_{table}_{column}_trgm");
        assert!(
            plan.contains(&index),
            "{table}: the plan does not use {index}:\n{plan}"
        );
    }
}

/// Rows written before the search migration get their folded `search_text` from it: the
/// schema is migrated up to the migration before, rows are inserted as an older release
/// wrote them, then the search migration runs alone.
async fn the_migration_folds_rows_that_exist_before_it(backend: Backend) {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use thidua_migrations::{Migrator, MigratorTrait};

    let scratch = thidua_tests::Scratch::empty(backend).await;
    let db = sea_orm::Database::connect(scratch.database_url())
        .await
        .unwrap();
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261130_000006_search")
        .expect("the search migration is registered");
    Migrator::up(&db, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();

    let now = chrono::Utc::now();
    let (hl, hl_again, hh) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    let mut units = Query::insert();
    units.into_table(Alias::new("org_units")).columns(
        [
            "id",
            "code",
            "name",
            "kind",
            "parent_id",
            "path",
            "depth",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        .map(Alias::new),
    );
    for (id, code, name) in [
        (hl, "HL", "Thành phố Hạ Long"),
        (hl_again, "HL-CU", "Thành phố Hạ Long"),
        (hh, "HH", "Huyện ĐẦM Hà"),
    ] {
        units.values_panic([
            id.into(),
            code.into(),
            name.into(),
            "WARD".into(),
            Option::<uuid::Uuid>::None.into(),
            format!("/{id}/").into(),
            0.into(),
            true.into(),
            1.into(),
            now.into(),
            now.into(),
        ]);
    }
    db.execute(&units).await.unwrap();
    let mut models = Query::insert();
    models
        .into_table(Alias::new("exemplars"))
        .columns(
            [
                "id",
                "name",
                "kind",
                "home_unit_id",
                "is_direct_worker",
                "stage",
                "version",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            uuid::Uuid::now_v7().into(),
            "Mô hình Dân vận khéo".into(),
            "COLLECTIVE".into(),
            hl.into(),
            false.into(),
            "IDENTIFIED".into(),
            1.into(),
            now.into(),
            now.into(),
        ]);
    db.execute(&models).await.unwrap();
    let award = uuid::Uuid::now_v7();
    let mut awards = Query::insert();
    awards
        .into_table(Alias::new("award_types"))
        .columns(
            [
                "id",
                "code",
                "name",
                "category",
                "level",
                "recipient_kind",
                "approval_threshold",
                "conferring_authority",
                "legal_basis",
                "effective_from",
                "sort_order",
                "version",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            award.into(),
            "BK-TEST".into(),
            "Bằng khen".into(),
            "EMULATION_TITLE".into(),
            "PROVINCIAL".into(),
            "BOTH".into(),
            rust_decimal::Decimal::from(90).into(),
            "Chủ tịch UBND tỉnh".into(),
            "Luật TĐKT 2022".into(),
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().into(),
            1.into(),
            1.into(),
            now.into(),
            now.into(),
        ]);
    db.execute(&awards).await.unwrap();
    let mut honours = Query::insert();
    honours.into_table(Alias::new("commendations")).columns(
        [
            "id",
            "award_type_id",
            "kind",
            "status",
            "recipient_type",
            "unit_id",
            "exemplar_id",
            "person_name",
            "recipient_key",
            "is_individual",
            "is_direct_worker",
            "nominating_unit_id",
            "award_year",
            "version",
            "created_at",
            "updated_at",
        ]
        .map(Alias::new),
    );
    let model_id: uuid::Uuid = {
        let q = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("exemplars"))
            .to_owned();
        db.query_one(&q)
            .await
            .unwrap()
            .unwrap()
            .try_get("", "id")
            .unwrap()
    };
    for (kind, model, person) in [
        ("UNIT", None, None),
        ("EXEMPLAR", Some(model_id), None),
        ("PERSON", None, Some("Đặng Thị Hồng")),
    ] {
        honours.values_panic([
            uuid::Uuid::now_v7().into(),
            award.into(),
            "CONG_TRANG".into(),
            "NOMINATED".into(),
            kind.into(),
            hh.into(),
            model.into(),
            person.map(str::to_owned).into(),
            format!("{kind}:{}", uuid::Uuid::now_v7()).into(),
            person.is_some().into(),
            false.into(),
            hh.into(),
            2026.into(),
            1.into(),
            now.into(),
            now.into(),
        ]);
    }
    db.execute(&honours).await.unwrap();
    let mut users = Query::insert();
    users
        .into_table(Alias::new("users"))
        .columns(
            [
                "id",
                "username",
                "display_name",
                "password_hash",
                "is_active",
                "created_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            uuid::Uuid::now_v7().into(),
            "nguyen.van.a".into(),
            "Nguyễn Văn Đức".into(),
            "x".into(),
            true.into(),
            now.into(),
        ]);
    db.execute(&users).await.unwrap();

    Migrator::up(&db, Some(1)).await.unwrap();

    let texts = |table: &'static str| {
        let db = &db;
        async move {
            let q = Query::select()
                .column(Alias::new("search_text"))
                .from(Alias::new(table))
                .order_by(Alias::new("search_text"), sea_orm::sea_query::Order::Asc)
                .and_where(Expr::col(Alias::new("search_text")).ne(""))
                .to_owned();
            db.query_all(&q)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String>("", "search_text").unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        texts("org_units").await,
        [
            "hh huyen dam ha",
            "hl thanh pho ha long",
            "hl-cu thanh pho ha long"
        ]
    );
    assert_eq!(texts("exemplars").await, ["mo hinh dan van kheo"]);
    assert_eq!(texts("users").await, ["nguyen.van.a nguyen van duc"]);
    // A unit's honour by the unit's name, a model's by the model's, a person's by theirs.
    assert_eq!(
        texts("commendations").await,
        ["dang thi hong", "huyen dam ha", "mo hinh dan van kheo"]
    );
    db.close().await.unwrap();
}
