//! Introspection: graphql-js's standard introspection query (what GraphiQL, `gql`,
//! graphql-inspector and code generators send) runs under the default limits, hostile
//! introspection stays bounded, and the exported SDL says what introspection says.

use serde_json::{Value, json};
use thidua_tests::{Backend, both, spawn_app, spawn_app_with};

both!(
    standard_introspection_query_runs_under_default_limits,
    deep_or_multiplying_introspection_is_still_refused,
    introspection_mixed_with_data_keeps_the_data_limits,
    standard_introspection_query_is_refused_when_introspection_is_off,
    fragment_cycles_are_refused_without_taking_the_server_down,
);

/// `getIntrospectionQuery()` of graphql-js 16.15.0, verbatim, with its option variants.
const STANDARD: &[(&str, &str)] = &[
    (
        "default",
        include_str!("../../fixtures/introspection/graphql-js-16.15.0.graphql"),
    ),
    (
        "all options",
        include_str!("../../fixtures/introspection/graphql-js-16.15.0-all-options.graphql"),
    ),
    (
        "all options and oneOf",
        include_str!("../../fixtures/introspection/graphql-js-16.15.0-all-options-one-of.graphql"),
    ),
];

fn scalar<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["types"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == name))
        .unwrap_or(&Value::Null)
}

async fn standard_introspection_query_runs_under_default_limits(backend: Backend) {
    let app = spawn_app(backend).await;
    for (variant, query) in STANDARD {
        // As GraphiQL sends it: with its operation name.
        let resp = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({"query": query, "operationName": "IntrospectionQuery", "variables": {}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{variant}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["errors"].is_null(), "{variant}: {body}");
        let schema = &body["data"]["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query", "{variant}");
        assert_eq!(schema["mutationType"]["name"], "Mutation", "{variant}");
        assert!(
            schema["types"].as_array().is_some_and(|t| t.len() > 20),
            "{variant}: {body:.300}"
        );
        assert!(scalar(schema, "Campaign")["fields"].is_array(), "{variant}");
        if *variant != "default" {
            assert_eq!(
                scalar(schema, "DateTime")["specifiedByURL"],
                "https://datatracker.ietf.org/doc/html/rfc3339",
                "{variant}"
            );
        }
    }
    // Without an operation name, and from an anonymous caller over GET, too.
    let a = app.gql(None, STANDARD[0].1, json!({})).await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    let url =
        reqwest::Url::parse_with_params(&app.url("/graphql"), &[("query", STANDARD[0].1)]).unwrap();
    let body: Value = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body:.300}");
    assert!(body["data"]["__schema"]["types"].is_array());
}

/// `{ __type(name: "Campaign") { ofType { ofType … { name } } } }` with `levels` `ofType`.
fn of_type_chain(levels: usize) -> String {
    format!(
        "{{ __type(name: \"Campaign\") {{ {} name {} }} }}",
        "ofType { ".repeat(levels),
        "}".repeat(levels)
    )
}

async fn deep_or_multiplying_introspection_is_still_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    // The standard query's depth (15) passes; one more level is refused.
    let ok = app.gql(None, &of_type_chain(13), json!({})).await;
    assert!(ok.body["errors"].is_null(), "{}", ok.body);
    for levels in [14, 40] {
        let a = app.gql(None, &of_type_chain(levels), json!({})).await;
        assert_eq!(
            a.error_code(),
            Some("QUERY_TOO_COMPLEX"),
            "{levels}: {}",
            a.body
        );
        assert!(a.data().is_null(), "{}", a.body);
    }
    // Lists inside lists multiply the answer: four nested lists are refused, also when
    // hidden in fragments; so is a second `__schema`.
    for q in [
        "{ __schema { types { fields { type { fields { args { name } } } } } } }",
        "{ __schema { types { ...T } } } fragment T on __Type { possibleTypes { interfaces { fields { name } } } }",
        "{ __type(name: \"Query\") { fields { type { ofType { fields { args { type { fields { name } } } } } } } } }",
        // Each `__schema` answers the whole schema: asking twice only multiplies the work.
        "{ a: __schema { types { name } } b: __schema { types { name } } }",
        "{ ...S ...S } fragment S on Query { __schema { types { name } } }",
    ] {
        let a = app.gql(None, q, json!({})).await;
        assert_eq!(
            a.error_code(),
            Some("QUERY_TOO_COMPLEX"),
            "{q}: {:.300}",
            a.body
        );
        assert!(a.data().is_null(), "{}", a.body);
    }
}

async fn introspection_mixed_with_data_keeps_the_data_limits(backend: Backend) {
    let app = spawn_app(backend).await;
    // Depth 12 with a data field beside it: the data limit (10) applies.
    let q = format!(
        "{{ fields {{ name }} {} }}",
        &of_type_chain(10)[2..of_type_chain(10).len() - 2]
    );
    let a = app.gql(None, &q, json!({})).await;
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
    // A second `__schema` is refused beside data fields too.
    let a = app
        .gql(
            None,
            "{ fields { name } a: __schema { types { name } } b: __schema { types { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
    let a = app
        .gql(
            None,
            "{ fields { name } __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    // A second operation with data in the same document keeps it on the data schema too.
    let q = format!(
        "query A {{ fields {{ name }} }} query B {}",
        of_type_chain(10)
    );
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": q, "operationName": "B"}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{body}"
    );
    // A configured depth below 10 still lets the standard query through.
    let low = spawn_app_with(backend, |s| s.graphql.depth = 3).await;
    let a = low.gql(None, STANDARD[1].1, json!({})).await;
    assert!(a.body["errors"].is_null(), "{:.300}", a.body);
    let a = low
        .gql(
            None,
            "{ programme { targets { programme { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
}

async fn standard_introspection_query_is_refused_when_introspection_is_off(backend: Backend) {
    let off = spawn_app_with(backend, |s| s.graphql.introspection = false).await;
    for (variant, query) in STANDARD {
        let a = off.gql(None, query, json!({})).await;
        assert!(a.data().is_null(), "{variant}: {}", a.body);
        assert_eq!(
            a.error_code(),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{variant}: {}",
            a.body
        );
    }
}

/// The `@specifiedBy` URL of each scalar in the committed SDL equals what a live
/// server's introspection reports (and at least DateTime and Upload have one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_sdl_carries_the_specified_by_urls_introspection_reports() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/schema.graphql");
    let sdl = std::fs::read_to_string(&path).unwrap();
    let mut in_sdl: Vec<(String, String)> = sdl
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("scalar ")?;
            let (name, dir) = rest.split_once(" @specifiedBy(url: \"")?;
            Some((name.to_owned(), dir.strip_suffix("\")")?.to_owned()))
        })
        .collect();
    in_sdl.sort();

    let app = spawn_app(Backend::Sqlite).await;
    let data = app
        .ok(
            None,
            "{ __schema { types { name kind specifiedByURL } } }",
            json!({}),
        )
        .await;
    let mut live: Vec<(String, String)> = data["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "SCALAR")
        .filter_map(|t| {
            Some((
                t["name"].as_str()?.to_owned(),
                t["specifiedByURL"].as_str()?.to_owned(),
            ))
        })
        .collect();
    live.sort();
    assert_eq!(in_sdl, live);
    for name in ["DateTime", "Upload"] {
        assert!(live.iter().any(|(n, _)| n == name), "{name}: {live:?}");
    }
}

/// A fragment cycle used to recurse until the stack overflowed (aborting the process)
/// in the introspection check that runs before validation when introspection is off.
async fn fragment_cycles_are_refused_without_taking_the_server_down(backend: Backend) {
    let cycle = "query { ...F } fragment F on Query { ...G } fragment G on Query { ...F }";
    let off = spawn_app_with(backend, |s| s.graphql.introspection = false).await;
    let on = spawn_app(backend).await;
    for app in [&off, &on] {
        for q in [
            cycle,
            "query { ...F } fragment F on Query { ...F __schema { queryType { name } } }",
        ] {
            let a = app.gql(None, q, json!({})).await;
            assert_eq!(a.status, 200, "{q}: {}", a.body);
            assert!(
                matches!(
                    a.error_code(),
                    Some("GRAPHQL_VALIDATION_FAILED" | "QUERY_TOO_COMPLEX")
                ),
                "{q}: {}",
                a.body
            );
            assert!(a.data().is_null(), "{}", a.body);
        }
        let a = app.gql(None, "{ fields { name } }", json!({})).await;
        assert!(a.body["errors"].is_null(), "{}", a.body);
    }
}
