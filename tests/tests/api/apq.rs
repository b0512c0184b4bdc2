//! Automatic persisted queries (Apollo APQ) and strict trusted-documents mode: hashes
//! over POST and GET, registration, hash mismatches, the store shared by replicas, and
//! strict mode refusing anything not registered in advance.

use std::path::PathBuf;

use serde_json::{Value, json};
use thidua_persistence::persisted_queries;
use thidua_server::apq::{register_trusted_document, sha256_hex};
use thidua_server::config::DocumentsCommand;
use thidua_tests::{
    Backend, TestApp, both, spawn_app, spawn_app_sharing, spawn_app_sharing_with, spawn_app_with,
    test_settings,
};

both!(
    an_unknown_hash_is_not_found,
    other_versions_are_not_supported,
    a_registered_hash_runs_alone_over_post_and_get,
    a_hash_mismatch_is_refused_and_nothing_is_stored,
    only_documents_that_pass_the_limits_and_validate_are_stored,
    a_stored_mutation_never_runs_over_get,
    a_second_replica_resolves_a_hash_registered_through_the_first,
    concurrent_registrations_of_one_hash_all_succeed,
    strict_mode_refuses_untrusted_text_and_apq_registration,
    strict_mode_runs_trusted_documents_by_hash_or_exact_text,
    documents_register_command_stores_trusted_documents,
);

const TARGETS: &str = "query Targets($h: String) { targets(horizon: $h) { code } }";
const FIELDS: &str = "query Fields { fields { name } }";

fn pq(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

/// POSTs a JSON body to `/graphql`; returns the status and JSON body.
async fn post(app: &TestApp, body: &Value) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// GETs `/graphql` with the hash only (as phones do), plus optional variables.
async fn get_hash(app: &TestApp, hash: &str, variables: Option<&Value>) -> (u16, Value) {
    let ext = pq(hash).to_string();
    let vars = variables.map(Value::to_string);
    let mut params = vec![("extensions", ext.as_str())];
    if let Some(v) = &vars {
        params.push(("variables", v.as_str()));
    }
    let url = reqwest::Url::parse_with_params(&app.url("/graphql"), &params).unwrap();
    let resp = app.client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

fn assert_ok(status: u16, body: &Value) {
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "unexpected errors: {body}");
}

async fn stored(app: &TestApp, hash: &str) -> Option<persisted_queries::Model> {
    persisted_queries::get(&app.db.conn, hash).await.unwrap()
}

async fn an_unknown_hash_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let hash = sha256_hex(FIELDS);

    let (status, body) = post(&app, &json!({"extensions": pq(&hash)})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["errors"][0]["message"], "PersistedQueryNotFound",
        "{body}"
    );
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");
    assert!(body["data"].is_null(), "{body}");

    let (status, body) = get_hash(&app, &hash, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["errors"][0]["message"], "PersistedQueryNotFound",
        "{body}"
    );
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");

    // A malformed hash is simply never found (and costs no database lookup).
    let (_, body) = post(&app, &json!({"extensions": pq("not-a-hash")})).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");

    // An empty query without a hash is still a malformed request.
    let (status, body) = post(&app, &json!({"query": "", "extensions": {}})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{body}");
}

async fn other_versions_are_not_supported(backend: Backend) {
    let app = spawn_app(backend).await;
    let hash = sha256_hex(FIELDS);
    let body = json!({
        "query": FIELDS,
        "extensions": {"persistedQuery": {"version": 2, "sha256Hash": hash}},
    });
    let (status, body) = post(&app, &body).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_SUPPORTED"), "{body}");
    assert!(stored(&app, &hash).await.is_none());
}

async fn a_registered_hash_runs_alone_over_post_and_get(backend: Backend) {
    let app = spawn_app(backend).await;
    let hash = sha256_hex(TARGETS);
    let vars = json!({"h": "2025"});

    // The plain answer, to compare with.
    let expected = app.ok(None, TARGETS, vars.clone()).await;
    assert!(expected["targets"].is_array(), "{expected}");

    // Hash only first: not found, as an Apollo client expects before it retries.
    let (_, body) = post(&app, &json!({"variables": vars, "extensions": pq(&hash)})).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");

    // Hash and text: runs and registers.
    let (status, body) = post(
        &app,
        &json!({"query": TARGETS, "variables": vars, "extensions": pq(&hash)}),
    )
    .await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);
    let row = stored(&app, &hash).await.expect("the query was stored");
    assert_eq!(row.query, TARGETS);
    assert!(!row.trusted);

    // The hash alone now runs, over POST and over GET, with variables.
    let (status, body) = post(&app, &json!({"variables": vars, "extensions": pq(&hash)})).await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);

    let (status, body) = get_hash(&app, &hash, Some(&vars)).await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);

    // An upper-case hash names the same query.
    let (status, body) = get_hash(&app, &hash.to_ascii_uppercase(), Some(&vars)).await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);

    // Registering again is harmless.
    let (status, body) = post(
        &app,
        &json!({"query": TARGETS, "variables": vars, "extensions": pq(&hash)}),
    )
    .await;
    assert_ok(status, &body);
    assert_eq!(persisted_queries::count(&app.db.conn).await.unwrap(), 1);

    // Batches may mix hashes and texts.
    let (status, body) = post(
        &app,
        &json!([
            {"variables": vars, "extensions": pq(&hash)},
            {"query": FIELDS},
        ]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["data"], expected, "{body}");
    assert!(body[1]["data"]["fields"].is_array(), "{body}");
}

async fn a_hash_mismatch_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong = sha256_hex(TARGETS);
    let (status, body) = post(&app, &json!({"query": FIELDS, "extensions": pq(&wrong)})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), Some("PERSISTED_QUERY_HASH_MISMATCH"), "{body}");
    assert!(body["data"].is_null(), "{body}");

    // A hash that is not even hex is a mismatch too.
    let (_, body) = post(&app, &json!({"query": FIELDS, "extensions": pq("xyz")})).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_HASH_MISMATCH"), "{body}");

    assert!(stored(&app, &wrong).await.is_none());
    assert!(stored(&app, &sha256_hex(FIELDS)).await.is_none());
    assert_eq!(persisted_queries::count(&app.db.conn).await.unwrap(), 0);
    let (_, body) = get_hash(&app, &wrong, None).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");
}

async fn only_documents_that_pass_the_limits_and_validate_are_stored(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.graphql.aliases = 2).await;

    let invalid = "{ fields { nope } }";
    let (_, body) = post(
        &app,
        &json!({"query": invalid, "extensions": pq(&sha256_hex(invalid))}),
    )
    .await;
    assert_eq!(code(&body), Some("GRAPHQL_VALIDATION_FAILED"), "{body}");

    let unparsable = "{ fields { name }";
    let (_, body) = post(
        &app,
        &json!({"query": unparsable, "extensions": pq(&sha256_hex(unparsable))}),
    )
    .await;
    assert_eq!(code(&body), Some("GRAPHQL_PARSE_FAILED"), "{body}");

    let aliased = "{ a: fields { name } b: fields { name } c: fields { name } }";
    let (_, body) = post(
        &app,
        &json!({"query": aliased, "extensions": pq(&sha256_hex(aliased))}),
    )
    .await;
    assert_eq!(code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");

    assert_eq!(persisted_queries::count(&app.db.conn).await.unwrap(), 0);

    // A stored text gets the limits too when it runs by hash (here: stored behind the
    // server's back, as another replica with looser limits might have).
    let hash = sha256_hex(aliased);
    persisted_queries::insert(&app.db.conn, &hash, aliased, false)
        .await
        .unwrap();
    let (_, body) = get_hash(&app, &hash, None).await;
    assert_eq!(code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
}

async fn a_stored_mutation_never_runs_over_get(backend: Backend) {
    let app = spawn_app(backend).await;
    let login = "mutation Login { login(input: {username: \"admin\", password: \"wrong\"}) { accessToken } }";
    let hash = sha256_hex(login);

    // A GET registration of a mutation is refused and stores nothing.
    let ext = pq(&hash).to_string();
    let url = reqwest::Url::parse_with_params(
        &app.url("/graphql"),
        &[("query", login), ("extensions", ext.as_str())],
    )
    .unwrap();
    let resp = app.client.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert!(stored(&app, &hash).await.is_none());

    // Registered over POST (it runs: the login fails)...
    let (_, body) = post(&app, &json!({"query": login, "extensions": pq(&hash)})).await;
    assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert!(stored(&app, &hash).await.is_some());

    // ...it still never runs over GET by hash.
    let (status, body) = get_hash(&app, &hash, None).await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{body}");

    // POST by hash runs it.
    let (_, body) = post(&app, &json!({"extensions": pq(&hash)})).await;
    assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");
}

async fn a_second_replica_resolves_a_hash_registered_through_the_first(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_app_sharing(&first).await;
    assert_ne!(first.address, second.address);
    let hash = sha256_hex(FIELDS);

    // Unknown on the second first (a miss must not be remembered)...
    let (_, body) = get_hash(&second, &hash, None).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");

    // ...registered through the first...
    let (status, body) = post(&first, &json!({"query": FIELDS, "extensions": pq(&hash)})).await;
    assert_ok(status, &body);
    let expected = body["data"].clone();

    // ...then known to the second, over GET and POST.
    let (status, body) = get_hash(&second, &hash, None).await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);
    let (status, body) = post(&second, &json!({"extensions": pq(&hash)})).await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);

    // And the other way round.
    let (status, body) = post(
        &second,
        &json!({"query": TARGETS, "extensions": pq(&sha256_hex(TARGETS))}),
    )
    .await;
    assert_ok(status, &body);
    let (status, body) = get_hash(&first, &sha256_hex(TARGETS), None).await;
    assert_ok(status, &body);
    assert!(body["data"]["targets"].is_array(), "{body}");
}

async fn concurrent_registrations_of_one_hash_all_succeed(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_app_sharing(&first).await;
    let hash = sha256_hex(FIELDS);
    let body = json!({"query": FIELDS, "extensions": pq(&hash)});

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let client = first.client.clone();
        let url = if i % 2 == 0 {
            first.url("/graphql")
        } else {
            second.url("/graphql")
        };
        let body = body.clone();
        tasks.spawn(async move {
            let resp = client.post(url).json(&body).send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            (status, body)
        });
    }
    while let Some(r) = tasks.join_next().await {
        let (status, body) = r.unwrap();
        assert_ok(status, &body);
        assert!(body["data"]["fields"].is_array(), "{body}");
    }
    assert_eq!(persisted_queries::count(&first.db.conn).await.unwrap(), 1);

    // The storage call itself treats a lost race as success.
    assert!(
        !persisted_queries::insert(&first.db.conn, &hash, FIELDS, false)
            .await
            .unwrap()
    );
}

fn strict(s: &mut thidua_server::config::Settings) {
    s.graphql.trusted_documents_only = true;
}

async fn strict_mode_refuses_untrusted_text_and_apq_registration(backend: Backend) {
    let app = spawn_app_with(backend, strict).await;

    // Plain text that is not a trusted document.
    let a = app.gql(None, FIELDS, json!({})).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.error_code(),
        Some("PERSISTED_QUERY_NOT_TRUSTED"),
        "{}",
        a.body
    );
    assert!(a.data().is_null(), "{}", a.body);

    // Over GET too.
    let url = reqwest::Url::parse_with_params(&app.url("/graphql"), &[("query", FIELDS)]).unwrap();
    let body: Value = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_TRUSTED"), "{body}");

    // Introspection is not exempt.
    let a = app
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        a.error_code(),
        Some("PERSISTED_QUERY_NOT_TRUSTED"),
        "{}",
        a.body
    );

    // Nor is signing in.
    let a = app
        .gql(
            None,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            json!({"i": {"username": "admin", "password": thidua_tests::ADMIN_PASSWORD}}),
        )
        .await;
    assert_eq!(
        a.error_code(),
        Some("PERSISTED_QUERY_NOT_TRUSTED"),
        "{}",
        a.body
    );

    // APQ registration is refused and stores nothing.
    let hash = sha256_hex(FIELDS);
    let (status, body) = post(&app, &json!({"query": FIELDS, "extensions": pq(&hash)})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_TRUSTED"), "{body}");
    assert!(stored(&app, &hash).await.is_none());

    // An unknown hash is not found; a stored but untrusted one is not trusted.
    let (_, body) = get_hash(&app, &hash, None).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");
    persisted_queries::insert(&app.db.conn, &hash, FIELDS, false)
        .await
        .unwrap();
    let (_, body) = get_hash(&app, &hash, None).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_TRUSTED"), "{body}");
    let a = app.gql(None, FIELDS, json!({})).await;
    assert_eq!(
        a.error_code(),
        Some("PERSISTED_QUERY_NOT_TRUSTED"),
        "{}",
        a.body
    );

    // A hash mismatch is still a mismatch.
    let (_, body) = post(
        &app,
        &json!({"query": FIELDS, "extensions": pq(&sha256_hex(TARGETS))}),
    )
    .await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_HASH_MISMATCH"), "{body}");
}

async fn strict_mode_runs_trusted_documents_by_hash_or_exact_text(backend: Backend) {
    let app = spawn_app_with(backend, strict).await;
    let hash = register_trusted_document(&app.db.conn, TARGETS)
        .await
        .unwrap();
    assert_eq!(hash, sha256_hex(TARGETS));
    let vars = json!({"h": "2025"});

    // By hash, over GET and POST.
    let (status, body) = get_hash(&app, &hash, Some(&vars)).await;
    assert_ok(status, &body);
    assert!(body["data"]["targets"].is_array(), "{body}");
    let expected = body["data"].clone();
    let (status, body) = post(&app, &json!({"variables": vars, "extensions": pq(&hash)})).await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);

    // By its exact text, with or without the hash.
    let a = app.gql(None, TARGETS, vars.clone()).await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    assert_eq!(a.body["data"], expected);
    let (status, body) = post(
        &app,
        &json!({"query": TARGETS, "variables": vars, "extensions": pq(&hash)}),
    )
    .await;
    assert_ok(status, &body);

    // Not by a text that differs, even by one space.
    let a = app.gql(None, &format!("{TARGETS} "), vars.clone()).await;
    assert_eq!(
        a.error_code(),
        Some("PERSISTED_QUERY_NOT_TRUSTED"),
        "{}",
        a.body
    );

    // A document first seen as untrusted becomes runnable once registered as trusted,
    // without a restart (another process may register it: the CLI).
    let fields_hash = sha256_hex(FIELDS);
    persisted_queries::insert(&app.db.conn, &fields_hash, FIELDS, false)
        .await
        .unwrap();
    let (_, body) = get_hash(&app, &fields_hash, None).await;
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_TRUSTED"), "{body}");
    register_trusted_document(&app.db.conn, FIELDS)
        .await
        .unwrap();
    let (status, body) = get_hash(&app, &fields_hash, None).await;
    assert_ok(status, &body);
    assert!(body["data"]["fields"].is_array(), "{body}");
    assert!(stored(&app, &fields_hash).await.unwrap().trusted);

    // A strict replica on the same database runs the trusted documents as well.
    let second = spawn_app_sharing_with(&app, strict).await;
    let (status, body) = get_hash(&second, &hash, Some(&vars)).await;
    assert_ok(status, &body);
    assert_eq!(body["data"], expected);
}

async fn documents_register_command_stores_trusted_documents(backend: Backend) {
    let app = spawn_app(backend).await;
    let dir = std::env::temp_dir().join(format!("thidua-docs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = [("fields.graphql", FIELDS), ("targets.graphql", TARGETS)]
        .iter()
        .map(|(name, text)| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    let settings = test_settings(app.database_url.clone());
    let result = thidua_server::cli::documents(
        &settings,
        DocumentsCommand::Register {
            files: files.clone(),
        },
    )
    .await;

    // A file that is not a GraphQL document is refused before anything is stored.
    let bad = dir.join("bad.graphql");
    std::fs::write(&bad, "{ fields {").unwrap();
    let refused =
        thidua_server::cli::documents(&settings, DocumentsCommand::Register { files: vec![bad] })
            .await;
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap();
    assert!(refused.is_err());

    for text in [FIELDS, TARGETS] {
        let row = stored(&app, &sha256_hex(text)).await.expect("registered");
        assert!(row.trusted);
        assert_eq!(row.query, text);
    }
    assert_eq!(persisted_queries::count(&app.db.conn).await.unwrap(), 2);

    // A strict server on that database runs them by hash.
    let strict_app = spawn_app_sharing_with(&app, strict).await;
    let (status, body) = get_hash(&strict_app, &sha256_hex(FIELDS), None).await;
    assert_ok(status, &body);
    assert!(body["data"]["fields"].is_array(), "{body}");
}
