//! Evidence files for progress reports: multipart uploads (GraphQL multipart request spec),
//! type judged by content, size cap, who may attach and download, stored once.

use std::path::{Path, PathBuf};

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use thidua_persistence::entities::{attachment, audit_entry};
use thidua_tests::{Answer, Backend, TestApp, both, spawn_app, spawn_app_with};
use uuid::Uuid;

use crate::reports::{Field, field, submit};

both!(
    a_file_over_the_cap_is_refused_and_nothing_is_stored,
    the_cap_is_configurable_and_a_file_at_the_cap_is_accepted,
    an_executable_named_jpg_is_refused,
    only_those_who_may_report_for_the_unit_may_attach,
    the_same_file_sent_twice_is_stored_once,
    downloads_are_for_readers_of_the_report,
    a_multipart_upload_without_the_preflight_header_is_refused,
    an_approved_report_is_locked,
    file_names_are_kept_safe_and_typed_by_content,
    upload_markers_outside_multipart_are_refused,
    an_upload_without_a_valid_token_is_refused_before_its_body_is_read,
    uploads_beyond_the_bound_are_answered_at_once_without_reading_them,
    a_large_upload_streams_to_disk_and_is_stored_under_its_sha256,
    a_file_sent_to_one_replica_downloads_from_another
);

const ATTACH: &str = "mutation($i: AttachEvidenceInput!) { attachEvidence(input: $i) { \
    attachment { id fileName contentType sizeBytes sha256 createdAt downloadUrl } \
    userErrors { field code message } } }";

/// A tiny JPEG as far as any sniffer can tell (SOI, APP0/JFIF header, EOI).
fn tiny_jpeg() -> Vec<u8> {
    let mut b = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    b.extend_from_slice(b"bang chung thi dua");
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn tiny_png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    b
}

/// The multipart request attaching `bytes` as `file_name` to `report_id`.
fn multipart(
    report_id: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (String, Vec<u8>) {
    let operations = json!({
        "query": ATTACH,
        "variables": {"i": {"reportId": report_id, "file": null}},
    });
    thidua_tests::multipart::upload(&operations, file_name, content_type, bytes)
}

struct Upload<'a> {
    token: Option<&'a str>,
    report: &'a str,
    file_name: &'a str,
    content_type: &'a str,
    bytes: &'a [u8],
    preflight: bool,
}

impl<'a> Upload<'a> {
    fn new(token: &'a str, report: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            token: Some(token),
            report,
            file_name: "anh-hien-truong.jpg",
            content_type: "image/jpeg",
            bytes,
            preflight: true,
        }
    }

    async fn send(&self, app: &TestApp) -> Answer {
        let (boundary, body) =
            multipart(self.report, self.file_name, self.content_type, self.bytes);
        let mut req = app
            .client
            .post(app.url("/graphql"))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if self.preflight {
            req = req.header("Apollo-Require-Preflight", "true");
        }
        if let Some(t) = self.token {
            req = req.bearer_auth(t);
        }
        Answer::read(req.send().await.expect("upload request")).await
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Every blob the server keeps as evidence, by name: files on disk (temporary files
/// included) and rows of the database's `blobs` table (the store on PostgreSQL).
async fn stored(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = files_under(&app.data_dir.join("evidence"))
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .collect();
    let rows = app
        .db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.backend(),
            "SELECT sha256 FROM blobs",
        ))
        .await
        .unwrap();
    names.extend(
        rows.iter()
            .map(|r| r.try_get::<String>("", "sha256").unwrap()),
    );
    names.sort();
    names
}

/// The stored bytes of blob `sha`, wherever the server keeps them.
async fn stored_bytes(app: &TestApp, sha: &str) -> Vec<u8> {
    let file = app.data_dir.join("evidence").join(&sha[..2]).join(sha);
    if let Ok(bytes) = std::fs::read(file) {
        return bytes;
    }
    let row = app
        .db
        .conn
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            app.db.backend(),
            match app.db.backend() {
                sea_orm::DatabaseBackend::Postgres => "SELECT content FROM blobs WHERE sha256 = $1",
                _ => "SELECT content FROM blobs WHERE sha256 = ?",
            },
            [sha.into()],
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("blob {sha} is stored nowhere"));
    row.try_get::<Vec<u8>>("", "content").unwrap()
}

/// Files still staged (uploads being received, or leaked).
fn staged_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.data_dir.join("incoming"))
}

/// Waits (up to 5 s) for the staging directory to empty: a request the client broke
/// off ends on the server a moment later.
async fn assert_nothing_staged(app: &TestApp) {
    for _ in 0..50 {
        if staged_files(app).is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("staged files left behind: {:?}", staged_files(app));
}

async fn attachment_rows(app: &TestApp) -> u64 {
    attachment::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap()
}

/// The field fixture and one report of ward A by its reporter; returns the report's id.
async fn field_with_report(app: &TestApp) -> (Field, String) {
    let f = field(app).await;
    let p = submit(
        app,
        &f.reporter,
        vec![f.report(Uuid::now_v7(), &f.ward_a, 1)],
    )
    .await;
    let id = p["results"][0]["report"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("submit: {p}"))
        .to_owned();
    (f, id)
}

fn attached(a: &Answer) -> &Value {
    &a.body["data"]["attachEvidence"]["attachment"]
}

async fn a_file_over_the_cap_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let mut big = tiny_jpeg();
    big.resize(10 * 1024 * 1024 + 1, 0xAB);
    let a = Upload::new(&f.reporter, &report, &big).send(&app).await;
    assert_eq!(a.status, 413, "{}", a.body);
    assert_eq!(a.error_code(), Some("FILE_TOO_LARGE"), "{}", a.body);
    let message = a.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("10485760"), "{message}");
    assert!(stored(&app).await.is_empty(), "{:?}", stored(&app).await);
    assert_eq!(attachment_rows(&app).await, 0);
    assert_nothing_staged(&app).await;

    // The server is fine afterwards, and a small file still goes through.
    let ok = Upload::new(&f.reporter, &report, &tiny_jpeg())
        .send(&app)
        .await;
    assert!(attached(&ok).is_object(), "{}", ok.body);
}

async fn the_cap_is_configurable_and_a_file_at_the_cap_is_accepted(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.storage.max_upload_bytes = 4096).await;
    let (f, report) = field_with_report(&app).await;
    let mut at_cap = tiny_jpeg();
    at_cap.resize(4096, 0x11);
    let a = Upload::new(&f.reporter, &report, &at_cap).send(&app).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(attached(&a)["sizeBytes"], 4096, "{}", a.body);

    let mut over = tiny_jpeg();
    over.resize(4097, 0x22);
    let a = Upload::new(&f.reporter, &report, &over).send(&app).await;
    assert_eq!(a.status, 413, "{}", a.body);
    assert_eq!(a.error_code(), Some("FILE_TOO_LARGE"), "{}", a.body);
    assert_eq!(stored(&app).await.len(), 1);
    assert_eq!(attachment_rows(&app).await, 1);

    // JSON requests keep the general body limit, whatever the upload limit is.
    let app = spawn_app_with(backend, |s| s.http.max_body_bytes = 2_000).await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": "{ fields { name } }", "variables": {"pad": "x".repeat(3_000)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
}

async fn an_executable_named_jpg_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(4096, 0);
    let mut u = Upload::new(&f.reporter, &report, &elf);
    u.file_name = "anh.jpg";
    u.content_type = "image/jpeg";
    let a = u.send(&app).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(attached(&a).is_null(), "{}", a.body);
    assert_eq!(
        a.user_error_codes("attachEvidence"),
        vec!["UNSUPPORTED_FILE_TYPE"],
        "{}",
        a.body
    );
    assert_eq!(a.user_error_fields("attachEvidence"), vec!["file"]);

    // Nor does a script or an SVG pass as an image, whatever it claims.
    for (name, ct, bytes) in [
        (
            "x.png",
            "image/png",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
        ),
        ("x.pdf", "application/pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("x.webp", "image/webp", b"RIFF\x24\0\0\0WAVEfmt "),
    ] {
        let mut u = Upload::new(&f.reporter, &report, bytes);
        u.file_name = name;
        u.content_type = ct;
        let a = u.send(&app).await;
        assert_eq!(
            a.user_error_codes("attachEvidence"),
            vec!["UNSUPPORTED_FILE_TYPE"],
            "{name}: {}",
            a.body
        );
    }
    assert!(stored(&app).await.is_empty());
    assert_eq!(attachment_rows(&app).await, 0);
}

async fn only_those_who_may_report_for_the_unit_may_attach(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let reporter_b = app
        .user_with_role(&f.admin, "bao.cao.b", "REPORTER", &f.ward_b)
        .await;
    let viewer = app
        .user_with_role(&f.admin, "xem.tinh", "VIEWER", &f.ward_a)
        .await;
    let jpeg = tiny_jpeg();

    for token in [&reporter_b, &viewer] {
        let a = Upload::new(token, &report, &jpeg).send(&app).await;
        assert!(attached(&a).is_null(), "{}", a.body);
        let forbidden = a.error_code() == Some("FORBIDDEN")
            || a.user_error_codes("attachEvidence") == vec!["FORBIDDEN"];
        assert!(forbidden, "{}", a.body);
    }

    let mut anonymous = Upload::new("", &report, &jpeg);
    anonymous.token = None;
    let a = anonymous.send(&app).await;
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);

    let unknown = thidua_api::ids::NodeType::ProgressReport.encode(Uuid::now_v7());
    let a = Upload::new(&f.reporter, &unknown, &jpeg).send(&app).await;
    assert_eq!(a.error_code(), Some("NOT_FOUND"), "{}", a.body);

    let a = Upload::new(&f.reporter, "not-an-id", &jpeg)
        .send(&app)
        .await;
    assert_eq!(a.user_error_codes("attachEvidence"), vec!["INVALID_FORMAT"]);

    assert!(stored(&app).await.is_empty(), "{:?}", stored(&app).await);
    assert_eq!(attachment_rows(&app).await, 0);

    // A manager of the province may attach to the ward's report.
    let a = Upload::new(&f.manager, &report, &jpeg).send(&app).await;
    assert!(attached(&a).is_object(), "{}", a.body);
}

async fn the_same_file_sent_twice_is_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let jpeg = tiny_jpeg();
    let first = Upload::new(&f.reporter, &report, &jpeg).send(&app).await;
    let a = attached(&first).clone();
    assert!(a.is_object(), "{}", first.body);
    assert_eq!(a["contentType"], "image/jpeg");
    assert_eq!(a["fileName"], "anh-hien-truong.jpg");
    assert_eq!(a["sizeBytes"], jpeg.len());
    let sha = thidua_domain::evidence::sha256_hex(&jpeg);
    assert_eq!(a["sha256"], sha.as_str());
    let uuid = a["downloadUrl"]
        .as_str()
        .unwrap()
        .strip_prefix("/evidence/")
        .unwrap()
        .to_owned();
    assert!(Uuid::parse_str(&uuid).is_ok(), "{a}");

    let second = Upload::new(&f.reporter, &report, &jpeg).send(&app).await;
    assert_eq!(attached(&second)["id"], a["id"], "{}", second.body);
    assert!(second.user_error_codes("attachEvidence").is_empty());

    // Concurrent resends change nothing either.
    let sends = (0..4).map(|_| async { Upload::new(&f.reporter, &report, &jpeg).send(&app).await });
    for r in futures_util::future::join_all(sends).await {
        assert_eq!(attached(&r)["id"], a["id"], "{}", r.body);
    }

    assert_eq!(attachment_rows(&app).await, 1);
    assert_eq!(stored(&app).await, vec![sha.clone()]);
    assert_eq!(stored_bytes(&app, &sha).await, jpeg);
    let audits = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("attach_evidence"))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(audits, 1);

    // The same file on another report is another attachment, but still one file on disk.
    let p = submit(
        &app,
        &f.reporter,
        vec![f.report(Uuid::now_v7(), &f.ward_a, 2)],
    )
    .await;
    let report_2 = p["results"][0]["report"]["id"].as_str().unwrap().to_owned();
    let on_2 = Upload::new(&f.reporter, &report_2, &jpeg).send(&app).await;
    assert!(attached(&on_2).is_object(), "{}", on_2.body);
    assert_ne!(attached(&on_2)["id"], a["id"]);
    assert_eq!(attachment_rows(&app).await, 2);
    assert_eq!(stored(&app).await, vec![sha.clone()]);

    // The report lists it; another file is a second attachment.
    let png = tiny_png();
    let mut u = Upload::new(&f.reporter, &report, &png);
    u.file_name = "so-do.png";
    u.content_type = "application/octet-stream";
    let other = u.send(&app).await;
    assert_eq!(
        attached(&other)["contentType"],
        "image/png",
        "{}",
        other.body
    );
    let d = app
        .ok(
            Some(&f.reporter),
            "query($c: ID) { reports(filter: {campaignId: $c}, first: 10) { edges { node { id \
             attachments { id fileName contentType sizeBytes sha256 downloadUrl } } } } }",
            json!({"c": f.campaign}),
        )
        .await;
    let edges = d["reports"]["edges"].as_array().unwrap();
    let attachments_of = |id: &str| {
        edges
            .iter()
            .find(|e| e["node"]["id"] == id)
            .map(|e| e["node"]["attachments"].as_array().unwrap().clone())
            .unwrap_or_else(|| panic!("report {id} not listed: {d}"))
    };
    let list = attachments_of(&report);
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["id"], a["id"]);
    assert_eq!(list[1]["fileName"], "so-do.png");
    let list = attachments_of(&report_2);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["sha256"], sha.as_str());
    assert_eq!(stored(&app).await.len(), 2);
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

async fn downloads_are_for_readers_of_the_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let jpeg = tiny_jpeg();
    let mut u = Upload::new(&f.reporter, &report, &jpeg);
    u.file_name = "Ảnh hội nghị đợt 1.jpg";
    let a = u.send(&app).await;
    let url = attached(&a)["downloadUrl"].as_str().unwrap().to_owned();

    let get = |token: Option<&str>, url: &str| {
        let mut req = app.client.get(app.url(url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };

    let mut bodies = vec![];
    for token in [&f.reporter, &f.manager] {
        let resp = get(Some(token), &url).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let h = resp.headers().clone();
        assert_eq!(header(&h, "content-type"), "image/jpeg");
        assert_eq!(header(&h, "x-content-type-options"), "nosniff");
        assert_eq!(header(&h, "cache-control"), "private, max-age=0");
        assert_eq!(
            header(&h, "content-disposition"),
            "attachment; filename=\"Anh hoi nghi dot 1.jpg\"; \
             filename*=UTF-8''%E1%BA%A2nh%20h%E1%BB%99i%20ngh%E1%BB%8B%20%C4%91%E1%BB%A3t%201.jpg"
        );
        bodies.push(resp.bytes().await.unwrap().to_vec());
    }
    assert_eq!(bodies[0], jpeg);
    assert_eq!(bodies[0], bodies[1]);

    let reporter_b = app
        .user_with_role(&f.admin, "bao.cao.b", "REPORTER", &f.ward_b)
        .await;
    let cases = [
        (Some(reporter_b.as_str()), url.clone(), 403, "FORBIDDEN"),
        (None, url.clone(), 401, "UNAUTHENTICATED"),
        (Some("not-a-token"), url.clone(), 401, "UNAUTHENTICATED"),
        (
            Some(f.reporter.as_str()),
            format!("/evidence/{}", Uuid::now_v7()),
            404,
            "NOT_FOUND",
        ),
        (
            Some(f.reporter.as_str()),
            "/evidence/..%2F..%2Fetc".into(),
            404,
            "NOT_FOUND",
        ),
    ];
    for (token, url, status, code) in cases {
        let resp = get(token, &url).await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{url} with {token:?}");
        assert!(
            header(resp.headers(), "content-type").starts_with("application/json"),
            "{url}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    }

    // `node` resolves the attachment and its report for their readers only.
    const NODE: &str = "query($a: ID!, $r: ID!) { a: node(id: $a) { ... on Attachment { fileName } } \
        r: node(id: $r) { ... on ProgressReport { id } } }";
    let ids = json!({"a": attached(&a)["id"], "r": report});
    let mine = app.ok(Some(&f.reporter), NODE, ids.clone()).await;
    assert_eq!(mine["a"]["fileName"], "Ảnh hội nghị đợt 1.jpg", "{mine}");
    assert_eq!(mine["r"]["id"], report.as_str());
    let theirs = app.ok(Some(&reporter_b), NODE, ids).await;
    assert_eq!(theirs, json!({"a": null, "r": null}));
}

async fn a_multipart_upload_without_the_preflight_header_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let jpeg = tiny_jpeg();
    let mut u = Upload::new(&f.reporter, &report, &jpeg);
    u.preflight = false;
    let a = u.send(&app).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{}", a.body);
    assert!(stored(&app).await.is_empty());
    assert_eq!(attachment_rows(&app).await, 0);
}

async fn an_approved_report_is_locked(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let d = app
        .ok(
            Some(&f.manager),
            "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } userErrors { code } } }",
            json!({"i": {"id": report}}),
        )
        .await;
    assert_eq!(d["approveReport"]["report"]["status"], "APPROVED", "{d}");
    for token in [&f.reporter, &f.manager] {
        let a = Upload::new(token, &report, &tiny_jpeg()).send(&app).await;
        assert_eq!(
            a.user_error_codes("attachEvidence"),
            vec!["LOCKED"],
            "{}",
            a.body
        );
    }
    assert!(stored(&app).await.is_empty());
    assert_eq!(attachment_rows(&app).await, 0);
}

async fn file_names_are_kept_safe_and_typed_by_content(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let png = tiny_png();
    let mut u = Upload::new(&f.reporter, &report, &png);
    u.file_name = "../../etc/bao-cao.exe";
    u.content_type = "application/x-msdownload";
    let a = u.send(&app).await;
    assert_eq!(attached(&a)["fileName"], "bao-cao.exe.png", "{}", a.body);
    assert_eq!(attached(&a)["contentType"], "image/png");

    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let long = format!("{}.pdf", "Biên bản ".repeat(40));
    let mut u = Upload::new(&f.reporter, &report, &pdf);
    u.file_name = &long;
    u.content_type = "image/jpeg";
    let a = u.send(&app).await;
    let name = attached(&a)["fileName"].as_str().unwrap().to_owned();
    assert_eq!(name.chars().count(), 255, "{name}");
    assert!(name.starts_with("Biên bản Biên bản"), "{name}");
    assert!(name.ends_with(".pdf"), "{name}");
    assert_eq!(attached(&a)["contentType"], "application/pdf");

    let resp = app
        .client
        .get(app.url(attached(&a)["downloadUrl"].as_str().unwrap()))
        .bearer_auth(&f.manager)
        .send()
        .await
        .unwrap();
    assert_eq!(header(resp.headers(), "content-type"), "application/pdf");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);
}

async fn upload_markers_outside_multipart_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    for marker in [
        "#__graphql_file__:0",
        "#__graphql_file__:x",
        "#__graphql_file__:99",
    ] {
        let a = app
            .gql(
                Some(&f.reporter),
                ATTACH,
                json!({"i": {"reportId": report, "file": marker}}),
            )
            .await;
        assert_eq!(
            a.error_code(),
            Some("BAD_USER_INPUT"),
            "{marker}: {}",
            a.body
        );
    }
    let inline = format!(
        "mutation {{ attachEvidence(input: {{reportId: \"{report}\", file: \"#__graphql_file__:x\"}}) {{ userErrors {{ code }} }} }}"
    );
    let a = app.gql(Some(&f.reporter), &inline, json!({})).await;
    assert_eq!(a.error_code(), Some("BAD_USER_INPUT"), "{}", a.body);
    // The same written with an escape gets past the text check; the server answers
    // INTERNAL (or a validation error) and stays up.
    let escaped = inline.replace("#__graphql_file__", "\\u0023__graphql_file__");
    let a = app.gql(Some(&f.reporter), &escaped, json!({})).await;
    assert!(a.error_code().is_some(), "{}", a.body);
    let again = app.gql(None, "{ fields { name } }", json!({})).await;
    assert_eq!(again.status, 200);
    assert!(stored(&app).await.is_empty());
}

/// What a raw HTTP/1.1 exchange answered: status, headers (lower-case names), body.
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Opens a connection and sends the head of a 9 MiB multipart upload and only its first
/// `sent` bytes, as a slow (or hostile) client would; the rest never comes.
fn begin_upload(app: &TestApp, token: Option<&str>, sent: usize) -> std::net::TcpStream {
    use std::io::Write as _;
    let addr = app.address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let declared = 9 * 1024 * 1024;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n\
         Apollo-Require-Preflight: true\r\n{auth}Content-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let ops = "--xyz\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"{ fields { name } }\"}\r\n";
    let mut body = ops.as_bytes().to_vec();
    body.resize(sent.max(body.len()), b'a');
    stream.write_all(&body).unwrap();
    stream
}

/// Reads one answer within `timeout`; `None` if none came (the server is still reading).
fn read_answer(
    stream: &mut std::net::TcpStream,
    timeout: std::time::Duration,
) -> Option<RawAnswer> {
    use std::io::Read as _;
    stream.set_read_timeout(Some(timeout)).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    Some(RawAnswer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

async fn raw_upload(
    app: &TestApp,
    token: Option<String>,
    sent: usize,
    timeout: std::time::Duration,
) -> (Option<RawAnswer>, std::net::TcpStream) {
    let stream = begin_upload(app, token.as_deref(), sent);
    tokio::task::spawn_blocking(move || {
        let mut stream = stream;
        let a = read_answer(&mut stream, timeout);
        (a, stream)
    })
    .await
    .unwrap()
}

async fn an_upload_without_a_valid_token_is_refused_before_its_body_is_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let wait = std::time::Duration::from_secs(5);
    // The client sends 16 KiB of a declared 9 MiB and stops: the answer comes anyway.
    let (a, _conn) = raw_upload(&app, None, 16 * 1024, wait).await;
    let a = a.expect("no answer before the body was complete: the server waited for it");
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(a.header("www-authenticate"), Some("Bearer"));
    assert!(a.body.contains("UNAUTHENTICATED"), "{}", a.body);

    let (a, _conn) = raw_upload(&app, Some("not-a-token".into()), 16 * 1024, wait).await;
    let a = a.expect("no answer before the body was complete");
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(
        a.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert!(a.body.contains("UNAUTHENTICATED"), "{}", a.body);
    assert_nothing_staged(&app).await;

    // A whole anonymous upload, small enough to be sent at once, is refused too.
    let jpeg = tiny_jpeg();
    let mut u = Upload::new("", "00000000-0000-0000-0000-000000000000", &jpeg);
    u.token = None;
    let a = u.send(&app).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(a.error_code(), Some("UNAUTHENTICATED"), "{}", a.body);
    assert!(stored(&app).await.is_empty());
}

async fn uploads_beyond_the_bound_are_answered_at_once_without_reading_them(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.storage.max_concurrent_uploads = 1).await;
    let (f, report) = field_with_report(&app).await;
    // A slow upload takes the only slot: it never finishes its body.
    let slow = begin_upload(&app, Some(&f.reporter), 32 * 1024);
    // The next one is answered at once, before its body (also incomplete) is read.
    let mut refused = None;
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let (a, _conn) = raw_upload(
            &app,
            Some(f.reporter.clone()),
            16 * 1024,
            std::time::Duration::from_secs(2),
        )
        .await;
        if let Some(a) = a.filter(|a| a.status == 503) {
            refused = Some(a);
            break;
        }
    }
    let a = refused.expect("an upload beyond the bound was not refused");
    assert_eq!(a.header("retry-after"), Some("1"), "{:?}", a.headers);
    assert!(a.body.contains("RATE_LIMITED"), "{}", a.body);
    let again = Upload::new(&f.reporter, &report, &tiny_jpeg())
        .send(&app)
        .await;
    assert_eq!(again.status, 503, "{}", again.body);
    assert_eq!(again.error_code(), Some("RATE_LIMITED"), "{}", again.body);

    // The slow client gives up: its slot is freed, its partial file removed, and an
    // upload goes through again.
    drop(slow);
    let mut stored = None;
    for _ in 0..50 {
        let a = Upload::new(&f.reporter, &report, &tiny_jpeg())
            .send(&app)
            .await;
        if a.status == 200 {
            stored = Some(a);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let a = stored.expect("the slot was never freed");
    assert!(attached(&a).is_object(), "{}", a.body);
    assert_nothing_staged(&app).await;
    assert_eq!(attachment_rows(&app).await, 1);
}

async fn a_large_upload_streams_to_disk_and_is_stored_under_its_sha256(backend: Backend) {
    let app = spawn_app(backend).await;
    let (f, report) = field_with_report(&app).await;
    let mut big = tiny_jpeg();
    big.extend((0..9 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let sha = thidua_domain::evidence::sha256_hex(&big);
    let a = Upload::new(&f.reporter, &report, &big).send(&app).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(attached(&a)["sha256"], sha.as_str(), "{}", a.body);
    assert_eq!(attached(&a)["sizeBytes"], big.len(), "{}", a.body);
    assert!(
        stored_bytes(&app, &sha).await == big,
        "the stored bytes differ"
    );
    assert_eq!(stored(&app).await, vec![sha]);
    assert_nothing_staged(&app).await;

    // A refused type is staged, then removed when the request ends.
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.resize(300_000, 7);
    let a = Upload::new(&f.reporter, &report, &elf).send(&app).await;
    assert_eq!(
        a.user_error_codes("attachEvidence"),
        vec!["UNSUPPORTED_FILE_TYPE"],
        "{}",
        a.body
    );
    assert_nothing_staged(&app).await;
    assert_eq!(stored(&app).await.len(), 1);
    assert_eq!(attachment_rows(&app).await, 1);
}

/// Two server processes on one database, each with its own data directory and the
/// blob store `store` sets: a file sent to the first downloads from both, and sent again
/// to the second is the same attachment. Returns the servers (second, first), the second's
/// data directory (held with its scratch) and the file's sha256.
async fn across_replicas(
    backend: Backend,
    store: impl Fn(&mut thidua_server::config::Settings),
) -> (TestApp, TestApp, thidua_tests::Scratch, String) {
    let one = spawn_app_with(backend, &store).await;
    let elsewhere = thidua_tests::Scratch::new();
    let other_dir = elsewhere.dir.clone();
    let two = thidua_tests::spawn_app_sharing_with(&one, |s| {
        store(s);
        s.storage.data_dir = other_dir;
    })
    .await;
    let (f, report) = field_with_report(&one).await;
    let jpeg = tiny_jpeg();
    let a = Upload::new(&f.reporter, &report, &jpeg).send(&one).await;
    let url = attached(&a)["downloadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", a.body))
        .to_owned();
    for app in [&two, &one] {
        let resp = app
            .client
            .get(app.url(&url))
            .bearer_auth(&f.manager)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "from {}", app.address);
        assert_eq!(resp.bytes().await.unwrap().to_vec(), jpeg);
    }
    let again = Upload::new(&f.reporter, &report, &jpeg).send(&two).await;
    assert_eq!(attached(&again)["id"], attached(&a)["id"], "{}", again.body);
    (
        two,
        one,
        elsewhere,
        thidua_domain::evidence::sha256_hex(&jpeg),
    )
}

/// With the database blob store (the default on PostgreSQL, chosen by setting on SQLite)
/// a file sent to one replica downloads from another, is stored once, and neither keeps a
/// file on its disk.
async fn a_file_sent_to_one_replica_downloads_from_another(backend: Backend) {
    let (two, one, elsewhere, sha) = across_replicas(backend, |s| {
        if backend == Backend::Sqlite {
            s.storage.blob_store = thidua_server::config::BlobStoreKind::Database;
        }
    })
    .await;
    assert_eq!(stored(&one).await, vec![sha]);
    for dir in [
        one.data_dir.join("evidence"),
        elsewhere.dir.join("evidence"),
    ] {
        assert!(files_under(&dir).is_empty(), "files on disk: {dir:?}");
    }
    drop(two);
}

/// The S3 store against a real S3-compatible server (moto): a file sent to one replica is
/// an object `evidence/<sha256>` in the bucket, downloads from another, is stored once, and
/// is on neither replica's disk nor in the database.
#[tokio::test]
async fn with_the_s3_store_a_file_sent_to_one_replica_downloads_from_another() {
    use thidua_tests::s3::{ACCESS_KEY, S3Server, SECRET_KEY};
    let Some(s3) = S3Server::start().await else {
        eprintln!("moto (python3 -m moto.server) is not installed: skipping");
        return;
    };
    let (two, one, elsewhere, sha) = across_replicas(Backend::Sqlite, |s| {
        s.storage.blob_store = thidua_server::config::BlobStoreKind::S3;
        s.storage.s3_bucket = Some(s3.bucket.clone());
        s.storage.s3_endpoint = Some(s3.endpoint.clone());
        s.storage.s3_access_key_id = Some(ACCESS_KEY.into());
        s.storage.s3_secret_access_key = Some(SECRET_KEY.into());
    })
    .await;
    assert_eq!(s3.keys().await, vec![format!("evidence/{sha}")]);
    assert!(stored(&one).await.is_empty());
    assert!(files_under(&elsewhere.dir.join("evidence")).is_empty());
    drop(two);
}
