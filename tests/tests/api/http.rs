//! The HTTP contract: health and metrics endpoints, request ids, GraphQL-over-HTTP media
//! types and status codes, GET, limits, batches, body size, CSRF and GraphiQL.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};
use thidua_tests::{Backend, TestApp, both, spawn_app, spawn_app_with};

both!(
    health_and_readiness_answer_200,
    metrics_count_requests_errors_and_pool_connections,
    every_response_carries_a_request_id,
    sane_client_request_id_is_echoed_and_insane_one_replaced,
    graphql_response_media_type_maps_refusals_to_400,
    plain_json_clients_get_200_for_refusals,
    get_runs_queries,
    get_refuses_mutations_with_405_and_changes_nothing,
    query_deeper_than_the_limit_is_refused_quickly,
    depth_limit_is_configurable,
    too_many_aliases_are_refused,
    too_many_tokens_are_refused_before_parsing,
    batch_of_two_answers_with_two_results,
    batch_of_one_answers_with_an_array_even_when_pretty_printed,
    oversized_batches_are_refused_with_400,
    empty_batch_is_refused_with_400,
    body_over_the_size_limit_is_413,
    simple_content_types_without_preflight_header_are_refused_as_csrf,
    multipart_request_with_preflight_header_runs,
    graphiql_is_served_to_browsers_and_can_be_turned_off,
    refusals_before_graphql_are_counted_by_status_and_code,
    the_healthcheck_command_asks_readyz,
    introspection_can_be_turned_off,
);

const GQL_RESPONSE: &str = "application/graphql-response+json";

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn content_type(resp: &reqwest::Response) -> String {
    header(resp, "content-type").unwrap_or_default()
}

/// POSTs `body` as JSON with an `Accept` header; returns status, content type and JSON body.
async fn post_accepting(app: &TestApp, accept: Option<&str>, body: &Value) -> (u16, String, Value) {
    let mut req = app.client.post(app.url("/graphql")).json(body);
    if let Some(a) = accept {
        req = req.header(ACCEPT, a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = content_type(&resp);
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, ct, body)
}

/// Error codes of a single GraphQL response.
fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn metrics_text(app: &TestApp) -> String {
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        content_type(&resp).starts_with("text/plain"),
        "{}",
        content_type(&resp)
    );
    resp.text().await.unwrap()
}

/// Whether a unit with `code` exists (admin view).
async fn unit_exists(app: &TestApp, admin: &str, code: &str) -> bool {
    let d = app
        .ok(
            Some(admin),
            "query($c: String!) { orgUnit(code: $c) { id } }",
            json!({"c": code}),
        )
        .await;
    !d["orgUnit"].is_null()
}

fn create_unit_mutation(code: &str, parent: &str) -> String {
    format!(
        "mutation {{ createOrgUnit(input: {{code: \"{code}\", name: \"Đơn vị {code}\", kind: WARD, parentId: \"{parent}\"}}) {{ orgUnit {{ id }} userErrors {{ code }} }} }}"
    )
}

async fn health_and_readiness_answer_200(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
    // An unknown path is a 404, not a 500 or a GraphQL answer.
    let missing = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

async fn metrics_count_requests_errors_and_pool_connections(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = metrics_text(&app).await;
    assert!(
        !before.contains("thidua_graphql_errors_total{"),
        "errors counted before any error:\n{before}"
    );

    let (status, _, body) = post_accepting(
        &app,
        None,
        &json!({"query": "query ListFields { fields { name } }", "operationName": "ListFields"}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["errors"].is_null(), "{body}");
    let after_query = metrics_text(&app).await;
    assert!(
        after_query.contains("thidua_graphql_requests_total{operation=\"ListFields\"} 1"),
        "{after_query}"
    );
    assert!(
        after_query
            .contains("thidua_graphql_request_duration_seconds_count{operation=\"ListFields\"} 1"),
        "{after_query}"
    );
    assert!(
        after_query.contains("thidua_db_pool_connections{state=\"idle\"}")
            && after_query.contains("thidua_db_pool_connections{state=\"in_use\"}"),
        "{after_query}"
    );
    let statements = |text: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix("thidua_db_statements_total "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(statements(&after_query) > 0, "{after_query}");
    assert_eq!(
        statements(&after_query),
        app.db.statements_run(),
        "the exported count is the database's own"
    );
    assert!(
        !after_query.contains("thidua_graphql_errors_total{"),
        "a successful query counted an error:\n{after_query}"
    );

    let bad = app.gql(None, "{ fields { nope } }", json!({})).await;
    assert_eq!(bad.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
    let broken = app.gql(None, "{ fields { name }", json!({})).await;
    assert_eq!(broken.error_code(), Some("GRAPHQL_PARSE_FAILED"));
    let after_errors = metrics_text(&app).await;
    assert!(
        after_errors.contains("thidua_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\"} 1"),
        "{after_errors}"
    );
    assert!(
        after_errors.contains("thidua_graphql_errors_total{code=\"GRAPHQL_PARSE_FAILED\"} 1"),
        "{after_errors}"
    );
    assert!(
        after_errors.contains("thidua_graphql_requests_total{operation=\"anonymous\"} 2"),
        "{after_errors}"
    );
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.http.max_body_bytes = 1_000).await;
    let c = &app.client;
    let responses = vec![
        ("/healthz", c.get(app.url("/healthz")).send().await.unwrap()),
        ("/readyz", c.get(app.url("/readyz")).send().await.unwrap()),
        ("/metrics", c.get(app.url("/metrics")).send().await.unwrap()),
        ("404", c.get(app.url("/nope")).send().await.unwrap()),
        (
            "POST /graphql",
            c.post(app.url("/graphql"))
                .json(&json!({"query": "{ fields { name } }"}))
                .send()
                .await
                .unwrap(),
        ),
        (
            "GET /graphql without a query",
            c.get(app.url("/graphql")).send().await.unwrap(),
        ),
        (
            "CSRF refusal",
            c.post(app.url("/graphql"))
                .header(CONTENT_TYPE, "text/plain")
                .body("{\"query\": \"{ fields { name } }\"}")
                .send()
                .await
                .unwrap(),
        ),
        (
            "413",
            c.post(app.url("/graphql"))
                .json(&json!({"query": "{ fields { name } }", "variables": {"pad": "x".repeat(5_000)}}))
                .send()
                .await
                .unwrap(),
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (what, resp) in &responses {
        let id = header(resp, "x-request-id")
            .unwrap_or_else(|| panic!("{what} (HTTP {}): no x-request-id", resp.status()));
        assert!(!id.is_empty(), "{what}: empty x-request-id");
        assert!(seen.insert(id.clone()), "{what}: request id {id} reused");
    }
    assert_eq!(responses[7].1.status().as_u16(), 413, "the 413 case");
}

async fn sane_client_request_id_is_echoed_and_insane_one_replaced(backend: Backend) {
    let app = spawn_app(backend).await;
    for (path, id) in [("/graphql", "client-req_42"), ("/healthz", "abc-123")] {
        let req = if path == "/graphql" {
            app.client
                .post(app.url(path))
                .json(&json!({"query": "{ fields { name } }"}))
        } else {
            app.client.get(app.url(path))
        };
        let resp = req.header("x-request-id", id).send().await.unwrap();
        assert_eq!(
            header(&resp, "x-request-id").as_deref(),
            Some(id),
            "{path} did not echo the request id"
        );
    }
    // Ids that could forge log lines or are absurdly long are replaced, not echoed.
    for bad in ["has space", "semi;colon", &"x".repeat(65)] {
        let resp = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let got = header(&resp, "x-request-id").expect("a request id");
        assert_ne!(got, bad, "an unsafe request id was echoed");
        assert!(!got.is_empty());
    }
}

async fn graphql_response_media_type_maps_refusals_to_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let accept = Some(GQL_RESPONSE);

    let (status, ct, body) =
        post_accepting(&app, accept, &json!({"query": "{ fields { name }"})).await;
    assert_eq!(status, 400, "syntax error: {body}");
    assert!(ct.starts_with(GQL_RESPONSE), "content type {ct}");
    assert_eq!(codes(&body), vec!["GRAPHQL_PARSE_FAILED"], "{body}");
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");

    let (status, ct, body) =
        post_accepting(&app, accept, &json!({"query": "{ noSuchField }"})).await;
    assert_eq!(status, 400, "unknown field: {body}");
    assert!(ct.starts_with(GQL_RESPONSE), "content type {ct}");
    assert_eq!(codes(&body), vec!["GRAPHQL_VALIDATION_FAILED"], "{body}");

    let (status, ct, body) =
        post_accepting(&app, accept, &json!({"query": "{ fields { name } }"})).await;
    assert_eq!(status, 200, "valid query: {body}");
    assert!(ct.starts_with(GQL_RESPONSE), "content type {ct}");
    assert!(body["errors"].is_null(), "{body}");
    assert!(
        body["data"]["fields"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{body}"
    );

    // An error raised while executing (after validation) is still a 200 with data.
    let (status, _, body) = post_accepting(
        &app,
        accept,
        &json!({"query": "{ fields { name } me { user { username } } }"}),
    )
    .await;
    assert_eq!(status, 200, "execution error: {body}");
    assert_eq!(codes(&body), vec!["UNAUTHENTICATED"], "{body}");
}

async fn plain_json_clients_get_200_for_refusals(backend: Backend) {
    let app = spawn_app(backend).await;
    for accept in [None, Some("application/json")] {
        let (status, ct, body) =
            post_accepting(&app, accept, &json!({"query": "{ fields { name }"})).await;
        assert_eq!(status, 200, "accept {accept:?}: {body}");
        assert!(ct.starts_with("application/json"), "content type {ct}");
        assert_eq!(codes(&body), vec!["GRAPHQL_PARSE_FAILED"], "{body}");
    }
}

async fn get_runs_queries(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .get(app.url("/graphql?query={fields{name}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    assert!(
        body["data"]["fields"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{body}"
    );

    // With variables and an operation name, URL-encoded.
    let url = reqwest::Url::parse_with_params(
        &app.url("/graphql"),
        &[
            (
                "query",
                "query P($c: String) { programme(code: $c) { code } }",
            ),
            ("variables", "{\"c\": null}"),
            ("operationName", "P"),
        ],
    )
    .unwrap();
    let resp = app.client.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert!(body["data"]["programme"]["code"].is_string(), "{body}");
}

async fn get_refuses_mutations_with_405_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;

    let plain = create_unit_mutation("GET-1", &root);
    let named = format!(
        "query Q {{ fields {{ name }} }} {}",
        create_unit_mutation("GET-2", &root).replacen("mutation", "mutation M", 1)
    );
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("query", plain.as_str())],
        vec![("query", named.as_str()), ("operationName", "M")],
    ];
    for params in cases {
        let url = reqwest::Url::parse_with_params(&app.url("/graphql"), &params).unwrap();
        let resp = app
            .client
            .get(url)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 405, "{params:?}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    }
    assert!(
        !unit_exists(&app, &admin, "GET-1").await,
        "GET created a unit"
    );
    assert!(
        !unit_exists(&app, &admin, "GET-2").await,
        "GET created a unit"
    );

    // The same document over POST does create the unit (so the check above can fail).
    let posted = app.ok(Some(&admin), &plain, json!({})).await;
    assert!(
        posted["createOrgUnit"]["orgUnit"]["id"].is_string(),
        "{posted}"
    );
    assert!(unit_exists(&app, &admin, "GET-1").await);
}

/// `{ programme { targets { programme { targets … { id } } } } }` of `depth` levels.
fn nested(depth: usize) -> String {
    let mut q = String::from("id");
    for level in (1..depth).rev() {
        let field = if level % 2 == 1 {
            "programme"
        } else {
            "targets"
        };
        q = format!("{field} {{ {q} }}");
    }
    format!("{{ {q} }}")
}

async fn query_deeper_than_the_limit_is_refused_quickly(backend: Backend) {
    let app = spawn_app(backend).await;
    let deep = "{ programme { targets { programme { targets { programme { targets { programme { targets { programme { targets { programme { id } } } } } } } } } } } }";
    assert_eq!(deep, nested(12));
    let started = Instant::now();
    let a = app.gql(None, deep, json!({})).await;
    let elapsed = started.elapsed();
    assert_eq!(a.status, 200);
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
    assert!(a.data().is_null(), "{}", a.body);
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    // Much deeper is refused just as fast (it is never executed).
    let started = Instant::now();
    let a = app.gql(None, &nested(60), json!({})).await;
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
    assert!(started.elapsed() < Duration::from_secs(5));

    // At the limit (10 levels) the query runs.
    let ok = app.gql(None, &nested(10), json!({})).await;
    assert!(ok.body["errors"].is_null(), "{}", ok.body);
    assert!(ok.data()["programme"]["targets"].is_array(), "{}", ok.body);
}

async fn depth_limit_is_configurable(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.graphql.depth = 3).await;
    let ok = app
        .gql(None, "{ programme { targets { code } } }", json!({}))
        .await;
    assert!(ok.body["errors"].is_null(), "{}", ok.body);
    let too_deep = app
        .gql(
            None,
            "{ programme { targets { programme { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        too_deep.error_code(),
        Some("QUERY_TOO_COMPLEX"),
        "{}",
        too_deep.body
    );
    assert!(too_deep.data().is_null());
}

fn aliased(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("a{i}: fields {{ name }}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

async fn too_many_aliases_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let ok = app.gql(None, &aliased(15), json!({})).await;
    assert!(ok.body["errors"].is_null(), "{}", ok.body);
    assert!(ok.data()["a14"].is_array());

    let a = app.gql(None, &aliased(16), json!({})).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
    assert!(a.data().is_null(), "{}", a.body);

    // Aliases hidden in a nested selection and a fragment count too.
    let sneaky = format!(
        "{{ programme {{ {} }} ...F }} fragment F on Query {{ {} }}",
        (0..8)
            .map(|i| format!("t{i}: targets {{ code }}"))
            .collect::<Vec<_>>()
            .join(" "),
        (0..8)
            .map(|i| format!("f{i}: fields {{ name }}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let a = app.gql(None, &sneaky, json!({})).await;
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
}

async fn too_many_tokens_are_refused_before_parsing(backend: Backend) {
    let app = spawn_app(backend).await;
    // 5 + 995 = 1000 tokens: allowed.
    let ok = format!("{{ fields {{ {} }} }}", "name ".repeat(995));
    let a = app.gql(None, &ok, json!({})).await;
    assert!(a.body["errors"].is_null(), "{}", a.body);

    let over = format!("{{ fields {{ {} }} }}", "name ".repeat(996));
    let a = app.gql(None, &over, json!({})).await;
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
    assert!(a.data().is_null());

    // A huge document that would not even parse is refused as too big, not as a syntax error.
    let started = Instant::now();
    let huge = "{ a ".repeat(100_000);
    let a = app.gql(None, &huge, json!({})).await;
    assert_eq!(a.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", a.body);
    assert!(started.elapsed() < Duration::from_secs(5));
}

async fn post_raw_json(app: &TestApp, body: String) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn batch_of_two_answers_with_two_results(backend: Backend) {
    let app = spawn_app(backend).await;
    let batch = json!([
        {"query": "{ fields { name } }"},
        {"query": "query P { programme { code } }", "operationName": "P"},
    ]);
    for accept in [None, Some(GQL_RESPONSE)] {
        let (status, _, body) = post_accepting(&app, accept, &batch).await;
        assert_eq!(status, 200, "{body}");
        let results = body
            .as_array()
            .unwrap_or_else(|| panic!("not an array: {body}"));
        assert_eq!(results.len(), 2, "{body}");
        assert!(results[0]["data"]["fields"].is_array(), "{body}");
        assert!(
            results[1]["data"]["programme"]["code"].is_string(),
            "{body}"
        );
    }
    // One failing operation does not spoil the other.
    let (status, _, body) = post_accepting(
        &app,
        None,
        &json!([{"query": "{ fields { name }"}, {"query": "{ fields { name } }"}]),
    )
    .await;
    assert_eq!(status, 200);
    let results = body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"));
    assert_eq!(codes(&results[0]), vec!["GRAPHQL_PARSE_FAILED"]);
    assert!(results[1]["data"]["fields"].is_array(), "{body}");
}

async fn batch_of_one_answers_with_an_array_even_when_pretty_printed(backend: Backend) {
    let app = spawn_app(backend).await;
    for body in [
        "[{\"query\": \"{ fields { name } }\"}]".to_owned(),
        "\n  [\n    {\"query\": \"{ fields { name } }\"}\n  ]\n".to_owned(),
    ] {
        let (status, answer) = post_raw_json(&app, body.clone()).await;
        assert_eq!(status, 200, "{body:?}: {answer}");
        let results = answer.as_array().unwrap_or_else(|| {
            panic!("{body:?}: a batch of one must answer with an array, got {answer}")
        });
        assert_eq!(results.len(), 1);
        assert!(results[0]["data"]["fields"].is_array(), "{answer}");
    }
}

async fn oversized_batches_are_refused_with_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;

    let ten: Vec<Value> = (0..10)
        .map(|_| json!({"query": "{ fields { name } }"}))
        .collect();
    let (status, _, body) = post_accepting(&app, None, &Value::Array(ten)).await;
    assert_eq!(status, 200, "a batch of max_batch is fine: {body}");
    assert_eq!(body.as_array().map(Vec::len), Some(10));

    // Eleven operations, the last a mutation: refused whole, nothing runs.
    let mut eleven: Vec<Value> = (0..10)
        .map(|_| json!({"query": "{ fields { name } }"}))
        .collect();
    eleven.push(json!({"query": create_unit_mutation("BATCH-1", &root)}));
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin)
        .json(&Value::Array(eleven))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    assert!(!unit_exists(&app, &admin, "BATCH-1").await);

    // The batch size is configurable.
    let small = spawn_app_with(backend, |s| s.http.max_batch = 2).await;
    let three: Vec<Value> = (0..3)
        .map(|_| json!({"query": "{ fields { name } }"}))
        .collect();
    let (status, _, body) = post_accepting(&small, None, &Value::Array(three)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
}

async fn empty_batch_is_refused_with_400(backend: Backend) {
    let app = spawn_app(backend).await;
    for body in ["[]", " [ ] "] {
        let (status, answer) = post_raw_json(&app, body.into()).await;
        assert_eq!(status, 400, "{body:?}: {answer}");
        assert_eq!(codes(&answer), vec!["BAD_USER_INPUT"], "{body:?}: {answer}");
    }
}

async fn body_over_the_size_limit_is_413(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.http.max_body_bytes = 2_000).await;
    let small = app.gql(None, "{ fields { name } }", json!({})).await;
    assert_eq!(small.status, 200);
    assert!(small.body["errors"].is_null(), "{}", small.body);

    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": "{ fields { name } }", "variables": {"pad": "x".repeat(10_000)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);

    // The server is still fine afterwards.
    let again = app.gql(None, "{ fields { name } }", json!({})).await;
    assert_eq!(again.status, 200);
}

async fn simple_content_types_without_preflight_header_are_refused_as_csrf(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;

    let ops = |code: &str| json!({"query": create_unit_mutation(code, &root)}).to_string();
    let boundary = "csrf-boundary-0123456789";
    let cases: Vec<(&str, Option<String>, Vec<u8>)> = vec![
        (
            "CSRF-1",
            Some("text/plain".into()),
            ops("CSRF-1").into_bytes(),
        ),
        (
            "CSRF-2",
            Some("text/plain;charset=UTF-8".into()),
            ops("CSRF-2").into_bytes(),
        ),
        (
            "CSRF-3",
            Some(format!("multipart/form-data; boundary={boundary}")),
            multipart(boundary, &ops("CSRF-3")),
        ),
        (
            "CSRF-4",
            Some("application/x-www-form-urlencoded".into()),
            ops("CSRF-4").into_bytes(),
        ),
        ("CSRF-5", None, ops("CSRF-5").into_bytes()),
    ];
    for (code, ct, body) in cases {
        let mut req = app.client.post(app.url("/graphql")).bearer_auth(&admin);
        if let Some(ct) = &ct {
            req = req.header(CONTENT_TYPE, ct);
        }
        let resp = req.body(body).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{ct:?} was not refused");
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(codes(&answer), vec!["BAD_USER_INPUT"], "{answer}");
        assert!(
            !unit_exists(&app, &admin, code).await,
            "{ct:?} created {code}"
        );
    }

    // The same text/plain request with the preflight header is let through.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin)
        .header(CONTENT_TYPE, "text/plain")
        .header("apollo-require-preflight", "true")
        .body(ops("CSRF-6"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(unit_exists(&app, &admin, "CSRF-6").await);
}

/// A GraphQL multipart request (no files): `operations` and an empty `map`.
fn multipart(boundary: &str, operations: &str) -> Vec<u8> {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n\
         --{boundary}--\r\n"
    )
    .into_bytes()
}

async fn multipart_request_with_preflight_header_runs(backend: Backend) {
    let app = spawn_app(backend).await;
    // Multipart requests may carry files: only signed-in callers may send them.
    let admin = app.admin().await;
    let boundary = "thidua-multipart-boundary-42";
    let ops = json!({"query": "query($c: String) { programme(code: $c) { code } fields { name } }", "variables": {"c": null}})
        .to_string();
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Apollo-Require-Preflight", "true")
        .bearer_auth(&admin)
        .body(multipart(boundary, &ops))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["programme"]["code"].is_string(), "{body}");
    assert!(body["data"]["fields"].is_array(), "{body}");
}

async fn graphiql_is_served_to_browsers_and_can_be_turned_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(content_type(&resp).starts_with("text/html"));
    let page = resp.text().await.unwrap();
    assert!(page.to_lowercase().contains("graphiql"), "{page:.300}");

    // A non-browser GET without a query is a 400, not the page.
    let resp = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(!content_type(&resp).starts_with("text/html"));

    let off = spawn_app_with(backend, |s| s.http.graphiql = false).await;
    let resp = off
        .client
        .get(off.url("/graphql"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        !content_type(&resp).starts_with("text/html"),
        "{}",
        content_type(&resp)
    );
    let text = resp.text().await.unwrap();
    assert!(!text.to_lowercase().contains("graphiql"), "{text:.300}");
}

async fn introspection_can_be_turned_off(backend: Backend) {
    let query = "{ __schema { types { name } } }";
    let on = spawn_app(backend).await;
    let a = on.gql(None, query, json!({})).await;
    assert!(a.body["errors"].is_null(), "{}", a.body);
    assert!(
        a.data()["__schema"]["types"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );

    let off = spawn_app_with(backend, |s| s.graphql.introspection = false).await;
    for q in [query, "{ __type(name: \"Campaign\") { fields { name } } }"] {
        let a = off.gql(None, q, json!({})).await;
        assert_eq!(a.status, 200);
        // Nothing about the schema leaks…
        assert!(
            a.data().is_null() || (a.data()["__schema"].is_null() && a.data()["__type"].is_null()),
            "{q}: {}",
            a.body
        );
        // …and the client is told why, with a code.
        assert!(
            a.body["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{q}: introspection is off but no error says so: {}",
            a.body
        );
        assert!(a.error_code().is_some(), "{}", a.body);
        assert_ne!(a.error_code(), Some("INTERNAL"));
    }
    // Ordinary queries still work.
    let ok = off.gql(None, "{ fields { name } }", json!({})).await;
    assert!(ok.body["errors"].is_null(), "{}", ok.body);
}

/// The value of `thidua_http_refusals_total{code, status}` (0 when absent).
fn refusals(metrics: &str, status: u16, code: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("thidua_http_refusals_total{"))
        .filter(|l| l.contains(&format!("code=\"{code}\"")))
        .filter(|l| l.contains(&format!("status=\"{status}\"")))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

async fn refusals_before_graphql_are_counted_by_status_and_code(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.http.max_body_bytes = 1_000).await;
    let admin = app.admin().await;
    let before = metrics_text(&app).await;
    assert_eq!(refusals(&before, 400, "BAD_USER_INPUT"), 0, "{before}");
    let c = &app.client;
    let post = || c.post(app.url("/graphql"));
    let status = |r: reqwest::Response| r.status().as_u16();

    let csrf = post()
        .header(CONTENT_TYPE, "text/plain")
        .body("{\"query\": \"{ fields { name } }\"}");
    assert_eq!(status(csrf.send().await.unwrap()), 400, "CSRF");
    let malformed = post()
        .header(CONTENT_TYPE, "application/json")
        .body("{\"query\": ");
    assert_eq!(status(malformed.send().await.unwrap()), 400, "malformed");
    let empty = post().json(&json!([]));
    assert_eq!(status(empty.send().await.unwrap()), 400, "empty batch");
    let too_large = post()
        .json(&json!({"query": "{ fields { name } }", "variables": {"pad": "x".repeat(5_000)}}));
    assert_eq!(status(too_large.send().await.unwrap()), 413, "413");
    let mutation_over_get = c
        .get(app.url("/graphql"))
        .query(&[("query", create_unit_mutation("GET-1", "x"))])
        .send()
        .await
        .unwrap();
    assert_eq!(status(mutation_over_get), 405, "GET mutation");
    let bad_token = post()
        .bearer_auth("not-a-token")
        .json(&json!({"query": "{ fields { name } }"}));
    assert_eq!(status(bad_token.send().await.unwrap()), 401, "bad token");
    let boundary = "refusals-boundary";
    let ops = json!({"query": "{ fields { name } }"}).to_string();
    let anonymous_multipart = post()
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Apollo-Require-Preflight", "true")
        .body(multipart(boundary, &ops));
    assert_eq!(
        status(anonymous_multipart.send().await.unwrap()),
        401,
        "anonymous multipart"
    );
    // Eleven file parts, each named in the map: one more than a request may carry.
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{ops}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n",
        json!(
            (0..11)
                .map(|i| (i.to_string(), json!([format!("variables.f{i}")])))
                .collect::<serde_json::Map<_, _>>()
        )
    );
    for i in 0..11 {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{i}\"; filename=\"f{i}.jpg\"\r\n\r\nx\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let too_many_files = post()
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Apollo-Require-Preflight", "true")
        .bearer_auth(&admin)
        .body(body);
    assert_eq!(
        status(too_many_files.send().await.unwrap()),
        400,
        "too many files"
    );

    let after = metrics_text(&app).await;
    // CSRF, malformed JSON, empty batch, too many files.
    assert_eq!(refusals(&after, 400, "BAD_USER_INPUT"), 4, "{after}");
    assert_eq!(refusals(&after, 413, "BAD_USER_INPUT"), 1, "{after}");
    assert_eq!(refusals(&after, 405, "BAD_USER_INPUT"), 1, "{after}");
    assert_eq!(refusals(&after, 401, "UNAUTHENTICATED"), 2, "{after}");
    // None of them reached GraphQL.
    let operations = |m: &str| -> Vec<String> {
        m.lines()
            .filter(|l| l.starts_with("thidua_graphql_requests_total{"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(operations(&before), operations(&after), "{after}");
}

/// What `thidua healthcheck` runs (the container health check): 200 from /readyz is healthy.
async fn the_healthcheck_command_asks_readyz(backend: Backend) {
    use thidua_server::healthcheck::{default_url, probe};
    let app = spawn_app(backend).await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let url = default_url(port);
    assert!(url.ends_with("/readyz"), "{url}");
    let status = tokio::task::spawn_blocking(move || probe(&url, Duration::from_secs(3)))
        .await
        .unwrap();
    assert_eq!(status.unwrap(), 200);
    let missing = app.url("/nope");
    let status = tokio::task::spawn_blocking(move || probe(&missing, Duration::from_secs(3)))
        .await
        .unwrap();
    assert_eq!(status.unwrap(), 404);
}
