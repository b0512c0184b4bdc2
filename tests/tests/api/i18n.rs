//! Vietnamese first: messages answer in Vietnamese unless the client asks for English.

use serde_json::{Value, json};
use thidua_tests::{Answer, Backend, TestApp, both, spawn_app};

const CREATE_UNIT: &str = "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } userErrors { field code message } } }";

/// One GraphQL call with `Accept-Language` as given (none when `None`).
async fn call(
    app: &TestApp,
    token: &str,
    lang: Option<&str>,
    query: &str,
    variables: Value,
) -> (Answer, Option<String>) {
    let client = reqwest::Client::new();
    let mut req = client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(lang) = lang {
        req = req.header("accept-language", lang);
    }
    let resp = req.send().await.expect("request");
    let content_language = resp
        .headers()
        .get("content-language")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (Answer::read(resp).await, content_language)
}

async fn a_validation_error_answers_in_vietnamese_unless_english_is_asked_for(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let root = app.root_unit(&admin).await;
    let blank = json!({"i": {"code": "PHUONG-1", "name": "  ", "kind": "WARD", "parentId": root}});

    let cases = [
        (None, "Không được để trống", "vi"),
        (Some("fr-FR, de;q=0.9"), "Không được để trống", "vi"),
        (Some("vi-VN,vi;q=0.9,en;q=0.8"), "Không được để trống", "vi"),
        (Some("en"), "must not be empty", "en"),
        (
            Some("fr;q=0.9, en-GB;q=0.8, vi;q=0.1"),
            "must not be empty",
            "en",
        ),
    ];
    for (lang, want, tag) in cases {
        let (a, content_language) = call(&app, &admin, lang, CREATE_UNIT, blank.clone()).await;
        let errs = &a.body["data"]["createOrgUnit"]["userErrors"];
        assert_eq!(errs[0]["code"], "REQUIRED", "{lang:?}: {}", a.body);
        assert_eq!(errs[0]["field"], "name", "{lang:?}: {}", a.body);
        assert_eq!(errs[0]["message"], want, "{lang:?}: {}", a.body);
        assert_eq!(content_language.as_deref(), Some(tag), "{lang:?}");
    }

    // errors[].message: a bad query argument, with its bound in the text.
    let query = "{ orgUnits(first: 100000) { nodes { id } } }";
    let (vi, _) = call(&app, &admin, None, query, json!({})).await;
    assert_eq!(vi.error_code(), Some("BAD_USER_INPUT"), "{}", vi.body);
    let text = vi.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(text == "Tham số `first` phải từ 0 đến 100", "{text}");
    let (en, _) = call(&app, &admin, Some("en"), query, json!({})).await;
    assert_eq!(en.error_code(), Some("BAD_USER_INPUT"), "{}", en.body);
    let text = en.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(text == "`first` must be between 0 and 100", "{text}");
}

async fn a_refusal_before_execution_speaks_the_asked_language_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let mutation_over_get = |lang: Option<&'static str>| {
        let mut req = reqwest::Client::new()
            .get(app.url("/graphql"))
            .bearer_auth(&admin)
            .query(&[("query", "mutation { takeTargetSnapshots { taken } }")]);
        if let Some(lang) = lang {
            req = req.header("accept-language", lang);
        }
        req
    };
    let vi = Answer::read(mutation_over_get(None).send().await.expect("request")).await;
    let en = Answer::read(mutation_over_get(Some("en")).send().await.expect("request")).await;
    assert_eq!(
        vi.error_code(),
        en.error_code(),
        "{} / {}",
        vi.body,
        en.body
    );
    assert_eq!(
        vi.body["errors"][0]["message"],
        "Không được gửi mutation qua GET; hãy dùng POST"
    );
    assert_eq!(
        en.body["errors"][0]["message"],
        "mutations are not allowed over GET; use POST"
    );
}

both!(
    a_validation_error_answers_in_vietnamese_unless_english_is_asked_for,
    a_refusal_before_execution_speaks_the_asked_language_too,
);
