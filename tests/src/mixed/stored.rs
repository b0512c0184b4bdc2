//! The checks in SQL after the traffic: every report sent is stored exactly once (its row,
//! its values, one revision, one `REPORT_SUBMITTED` event), every approval is stored, and
//! every file is in the shared `blobs` table once, with its size.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, Statement};

use super::field::Field;
use super::traffic::File;
use super::{Tally, Target};

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let stmt = Statement::from_string(
        db.get_database_backend(),
        format!("SELECT ({sql})::bigint AS n"),
    );
    let row = db.query_one_raw(stmt).await.expect(sql).expect(sql);
    row.try_get::<i64>("", "n").expect(sql)
}

pub(crate) async fn check(
    target: &Target,
    field: &Field,
    sent: &HashSet<uuid::Uuid>,
    approvals: usize,
    files: &[File],
    tally: &Tally,
) {
    let db = sea_orm::Database::connect(&target.database_url)
        .await
        .expect("connect to the shared database");
    let stmt = Statement::from_string(
        db.get_database_backend(),
        "SELECT id::text AS id FROM progress_reports",
    );
    let rows = db
        .query_all_raw(stmt)
        .await
        .expect("reading the report ids");
    let stored: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "id").expect("an id"))
        .collect();
    let distinct: HashSet<&str> = stored.iter().map(String::as_str).collect();
    let sent_text: HashSet<String> = sent.iter().map(ToString::to_string).collect();
    let missing = sent_text
        .iter()
        .filter(|id| !distinct.contains(id.as_str()))
        .count();
    let extra = distinct
        .iter()
        .filter(|id| !sent_text.contains(**id))
        .count();
    let n = sent.len() as i64;
    tally.check(
        stored.len() == sent.len() && missing == 0 && extra == 0,
        || format!(
            "{} reports sent, {} rows stored ({} distinct ids, {missing} missing, {extra} never sent)",
            sent.len(),
            stored.len(),
            distinct.len()
        ),
    );
    let per_report = field.criteria_per_report() as i64;
    for (sql, want) in [
        ("SELECT count(*) FROM report_values", n * per_report),
        ("SELECT count(*) FROM report_revisions", n),
        (
            "SELECT count(*) FROM events WHERE kind = 'REPORT_SUBMITTED'",
            n,
        ),
        (
            "SELECT count(*) FROM progress_reports WHERE status = 'APPROVED'",
            approvals as i64,
        ),
        (
            "SELECT count(*) FROM events WHERE kind = 'REPORT_APPROVED'",
            approvals as i64,
        ),
        ("SELECT count(*) FROM attachments", files.len() as i64),
        (
            "SELECT count(DISTINCT sha256) FROM attachments",
            files.len() as i64,
        ),
        ("SELECT count(*) FROM blobs", files.len() as i64),
        (
            "SELECT coalesce(sum(size), 0) FROM blobs",
            files.iter().map(|f| f.bytes.len() as i64).sum(),
        ),
    ] {
        let got = count(&db, sql).await;
        tally.check(got == want, || format!("{sql}: {got}, expected {want}"));
    }
    if !files.is_empty() {
        let shas: Vec<String> = files.iter().map(|f| format!("'{}'", f.sha256)).collect();
        let sql = format!(
            "SELECT count(*) FROM blobs WHERE sha256 IN ({})",
            shas.join(",")
        );
        let got = count(&db, &sql).await;
        tally.check(got == files.len() as i64, || {
            format!("{got} of the {} files uploaded are in blobs", files.len())
        });
    }
    let _ = db.close().await;
}
