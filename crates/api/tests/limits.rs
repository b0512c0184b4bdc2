//! The limits hold for the schema itself, not only for the HTTP route: a document executed
//! in-process (as a test, a job or another transport would) is refused just the same.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// The schema's four query groups nest deeper than rustc's default limit (see thidua-server).
#![recursion_limit = "256"]

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Response;
use thidua_api::auth::TokenKeys;
use thidua_api::{ApiState, AppSchema, Caller, Limits, RequestCtx};
use thidua_persistence::blobs::DiskStore;
use thidua_persistence::{Database, DbOptions};

/// A migrated SQLite database in a fresh temporary directory, and the state over it.
async fn state(limits: Limits) -> ApiState {
    let dir = std::env::temp_dir().join(format!("thidua-api-limits-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Database::connect(&DbOptions {
        url: format!("sqlite://{}?mode=rwc", dir.join("thidua.db").display()),
        max_connections: 2,
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: None,
        idle_in_transaction_timeout: None,
        pooler: thidua_persistence::pooler::Pooler::None,
    })
    .await
    .unwrap();
    db.migrate().await.unwrap();
    ApiState {
        db,
        tokens: TokenKeys::new(
            b"a test secret that is long enough for HS256",
            "thidua",
            "thidua",
            Duration::from_secs(600),
        ),
        limits,
        blobs: Arc::new(DiskStore::new(dir.join("evidence"))),
        max_upload_bytes: 1 << 20,
        clock: Default::default(),
        sessions: Default::default(),
        webhooks: Default::default(),
    }
}

async fn schema(limits: Limits) -> AppSchema {
    thidua_api::build_schema(Some(state(limits).await), &limits)
}

async fn run(schema: &AppSchema, query: &str) -> Response {
    let st = schema
        .data::<ApiState>()
        .map(|s| s.db.clone())
        .expect("the schema holds its state");
    let request = async_graphql::Request::new(query)
        .data(RequestCtx {
            caller: Caller::Anonymous,
            request_id: "in-process".into(),
            session: None,
        })
        .data(thidua_api::loaders::request_loader(
            st,
            Duration::ZERO,
            true,
        ));
    // The messages below are asserted in English, as a client asking for it gets them.
    thidua_api::i18n::scope(thidua_api::i18n::Locale::En, schema.execute(request)).await
}

fn code(resp: &Response) -> Option<String> {
    let e = resp.errors.first()?;
    match e.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn aliased(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("a{i}: fields {{ name }}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

fn nested(levels: usize) -> String {
    let mut q = String::from("id");
    for level in 1..levels {
        let field = if level % 2 == 1 {
            "programme"
        } else {
            "targets"
        };
        q = format!("{field} {{ {q} }}");
    }
    format!("{{ {q} }}")
}

#[tokio::test]
async fn in_process_execution_is_refused_past_every_limit() {
    let schema = schema(Limits::default()).await;

    let ok = run(&schema, &aliased(15)).await;
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);

    let too_many_aliases = run(&schema, &aliased(16)).await;
    assert_eq!(
        code(&too_many_aliases).as_deref(),
        Some("QUERY_TOO_COMPLEX")
    );
    assert!(too_many_aliases.errors[0].message.contains("aliases"));

    let too_many_tokens = run(
        &schema,
        &format!("{{ fields {{ {} }} }}", "name ".repeat(996)),
    )
    .await;
    assert_eq!(code(&too_many_tokens).as_deref(), Some("QUERY_TOO_COMPLEX"));
    assert!(too_many_tokens.errors[0].message.contains("tokens"));
    // Too big to be worth parsing: refused as too big, not as a syntax error.
    let huge = run(&schema, &"{ a ".repeat(100_000)).await;
    assert_eq!(code(&huge).as_deref(), Some("QUERY_TOO_COMPLEX"));

    let at_the_depth = run(&schema, &nested(10)).await;
    assert!(at_the_depth.errors.is_empty(), "{:?}", at_the_depth.errors);
    let too_deep = run(&schema, &nested(12)).await;
    assert_eq!(code(&too_deep).as_deref(), Some("QUERY_TOO_COMPLEX"));
    assert_eq!(too_deep.errors[0].message, "Query is nested too deep.");

    let twice = run(
        &schema,
        "{ a: __schema { queryType { name } } b: __schema { queryType { name } } }",
    )
    .await;
    assert_eq!(code(&twice).as_deref(), Some("QUERY_TOO_COMPLEX"));

    let broken = run(&schema, "{ fields { name }").await;
    assert_eq!(code(&broken).as_deref(), Some("GRAPHQL_PARSE_FAILED"));
    let invalid = run(&schema, "{ noSuchField }").await;
    assert_eq!(code(&invalid).as_deref(), Some("GRAPHQL_VALIDATION_FAILED"));
}

#[tokio::test]
async fn in_process_execution_is_refused_past_the_complexity_limit() {
    let schema = schema(Limits {
        complexity: 3,
        ..Limits::default()
    })
    .await;
    let ok = run(&schema, "{ fields { name } }").await;
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);
    let too_complex = run(&schema, "{ a: fields { name } b: fields { name } }").await;
    assert_eq!(code(&too_complex).as_deref(), Some("QUERY_TOO_COMPLEX"));
    assert_eq!(too_complex.errors[0].message, "Query is too complex.");
}

#[tokio::test]
async fn in_process_introspection_is_refused_when_it_is_off() {
    let schema = schema(Limits {
        introspection: false,
        ..Limits::default()
    })
    .await;
    let resp = run(&schema, "{ __schema { types { name } } }").await;
    assert_eq!(code(&resp).as_deref(), Some("GRAPHQL_VALIDATION_FAILED"));
    assert_eq!(
        resp.errors[0].message,
        "introspection is disabled on this server"
    );
    let through_a_fragment = run(
        &schema,
        "query { ...F } fragment F on Query { __type(name: \"Query\") { name } }",
    )
    .await;
    assert_eq!(
        code(&through_a_fragment).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED")
    );
    let data = run(&schema, "{ fields { name } }").await;
    assert!(data.errors.is_empty(), "{:?}", data.errors);
}
