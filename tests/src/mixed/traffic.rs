//! The traffic itself: readers, reporters (batches, retries, evidence) and an approver,
//! each a task looping until the planned time is up; and the probe before it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::calls::Caller;
use super::field::{Field, evidence};
use super::live::Watchers;
use super::{Kind, Plan, Tally, Target};

const SUBMIT: &str = "mutation($i: SubmitReportsInput!) { submitReports(input: $i) { \
    results { id status report { id } userErrors { code message } } userErrors { code message } } }";
const APPROVE: &str = "mutation($i: ApproveReportInput!) { approveReport(input: $i) { \
    report { id status } userErrors { code message } } }";
pub(crate) const ATTACH: &str = "mutation($i: AttachEvidenceInput!) { attachEvidence(input: $i) { \
    attachment { sha256 sizeBytes downloadUrl } userErrors { code message } } }";

/// What the readers ask, in turn, and where each answer must have something.
const READS: [(&str, &str); 4] = [
    (
        "{ campaigns(first: 20) { nodes { id code title status launchingUnit { name } \
            criteria { id title measure } } } }",
        "/campaigns/nodes/0/criteria/0/id",
    ),
    (
        "query($c: ID!) { reportingCompliance(campaignId: $c, period: \"2025\") { expected \
            submitted approved missing rows { unit { code } submitted approved } } }",
        "/reportingCompliance/expected",
    ),
    (
        "query($c: ID) { reports(filter: {campaignId: $c}, first: 20) { nodes { id clientId \
            status period { kind start end } values { criterion { id } value } } } }",
        "/reports/nodes/0/values/0/value",
    ),
    (
        "query($c: ID!) { leaderboard(campaignId: $c, periodStart: \"2025-01-01\", \
            periodEnd: \"2025-12-31\", first: 10) { rank score unit { name } } }",
        "/leaderboard/0/unit/name",
    ),
];

/// A file uploaded: its bytes and where to download it.
pub(crate) struct File {
    pub(crate) bytes: Vec<u8>,
    pub(crate) sha256: String,
}

/// What the traffic (or the probe) did: report ids sent (client ids), approvals per ward
/// (report ids as the API names them), files uploaded.
#[derive(Default)]
pub(crate) struct Done {
    pub(crate) sent: HashSet<uuid::Uuid>,
    pub(crate) approved: Vec<Vec<String>>,
    pub(crate) files: Vec<File>,
}

/// One report per ward, approved: every watcher must hear of it before the traffic starts.
pub(crate) async fn probe(field: &Field, tally: &Arc<Tally>, watchers: &Watchers) -> Done {
    let caller = Caller::new(tally);
    let mut done = Done {
        approved: vec![vec![]; field.wards.len()],
        ..Done::default()
    };
    for (w, token) in field.reporters.iter().enumerate() {
        let id = uuid::Uuid::now_v7();
        let reports = vec![field.report(id, w, 0)];
        let d = caller
            .graphql(
                &field.url,
                token,
                Kind::Submit,
                SUBMIT,
                json!({"i": {"reports": reports}}),
            )
            .await
            .expect("the probe report");
        let report = d
            .pointer("/submitReports/results/0/report/id")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("the probe report: {d}"))
            .to_owned();
        done.sent.insert(id);
        let d = caller
            .graphql(
                &field.url,
                &field.manager,
                Kind::Approve,
                APPROVE,
                json!({"i": {"id": report}}),
            )
            .await
            .expect("the probe's approval");
        assert_eq!(d["approveReport"]["report"]["status"], "APPROVED", "{d}");
        done.approved[w].push(report);
    }
    assert!(
        watchers.wait_for(&done.approved).await,
        "a watcher did not hear the probe's approval within 30 s"
    );
    done
}

/// Runs every task until `plan.duration` is up; returns what they did.
pub(crate) async fn run(target: &Target, plan: &Plan, field: &Field, tally: &Arc<Tally>) -> Done {
    let deadline = Instant::now() + plan.duration;
    let field = Arc::new(field.clone());
    let processes = Arc::new(target.processes.clone());
    let (to_approve, approvals) = mpsc::unbounded_channel::<(usize, String)>();
    let approver = tokio::spawn(approver(
        Caller::new(tally),
        field.clone(),
        approvals,
        deadline,
    ));
    let readers: Vec<_> = (0..plan.readers)
        .map(|r| tokio::spawn(reader(Caller::new(tally), field.clone(), r, deadline)))
        .collect();
    let reporters: Vec<_> = (0..field.wards.len())
        .map(|w| {
            tokio::spawn(reporter(
                Caller::new(tally),
                field.clone(),
                processes.clone(),
                plan.clone(),
                w,
                to_approve.clone(),
                deadline,
            ))
        })
        .collect();
    drop(to_approve);
    let mut done = Done::default();
    for r in readers {
        r.await.expect("a reader task");
    }
    for r in reporters {
        let (sent, files) = r.await.expect("a reporter task");
        done.sent.extend(sent);
        done.files.extend(files);
    }
    done.approved = approver.await.expect("the approver task");
    done
}

async fn reader(caller: Caller, field: Arc<Field>, first: usize, deadline: Instant) {
    let mut n = first;
    while Instant::now() < deadline {
        let (query, must) = READS[n % READS.len()];
        n += 1;
        let vars = json!({"c": field.campaign});
        if let Some(d) = caller
            .graphql(&field.url, &field.viewer, Kind::Read, query, vars)
            .await
        {
            caller
                .tally
                .check(d.pointer(must).is_some_and(|v| !v.is_null()), || {
                    format!("read: no {must} in {d}")
                });
        }
    }
}

/// The statuses of a `submitReports` answer, and the report id of each result.
fn results(d: &Value) -> Vec<(String, Option<String>)> {
    let items = d
        .pointer("/submitReports/results")
        .and_then(Value::as_array);
    items
        .map(|r| {
            r.iter()
                .map(|r| {
                    let status = r["status"].as_str().unwrap_or("?").to_owned();
                    (status, r["report"]["id"].as_str().map(str::to_owned))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn reporter(
    caller: Caller,
    field: Arc<Field>,
    processes: Arc<Vec<String>>,
    plan: Plan,
    w: usize,
    to_approve: mpsc::UnboundedSender<(usize, String)>,
    deadline: Instant,
) -> (Vec<uuid::Uuid>, Vec<File>) {
    let token = &field.reporters[w];
    let (mut sent, mut files, mut previous) = (vec![], vec![], None::<Value>);
    let mut i = 0usize;
    while Instant::now() < deadline {
        let ids: Vec<uuid::Uuid> = (0..plan.batch).map(|_| uuid::Uuid::now_v7()).collect();
        let reports: Vec<Value> = (ids.iter().enumerate())
            .map(|(n, id)| field.report(*id, w, i * plan.batch + n))
            .collect();
        let vars = json!({"i": {"reports": reports}});
        sent.extend(&ids);
        // Every fourth batch is sent twice at once (a retry before the first answer came).
        let twice = i % 4 == 3;
        let answers = if twice {
            let (a, b) = tokio::join!(
                caller.graphql(&field.url, token, Kind::Submit, SUBMIT, vars.clone()),
                caller.graphql(&field.url, token, Kind::Retry, SUBMIT, vars.clone())
            );
            vec![a, b]
        } else {
            vec![
                caller
                    .graphql(&field.url, token, Kind::Submit, SUBMIT, vars.clone())
                    .await,
            ]
        };
        let Some(answers) = answers.into_iter().collect::<Option<Vec<Value>>>() else {
            i += 1;
            continue;
        };
        let answers: Vec<_> = answers.iter().map(results).collect();
        let mut accepted_ids = vec![None; plan.batch];
        for n in 0..plan.batch {
            let statuses: Vec<&str> = answers
                .iter()
                .map(|a| a.get(n).map_or("missing", |r| r.0.as_str()))
                .collect();
            let accepted = statuses.iter().filter(|s| **s == "ACCEPTED").count();
            let duplicate = statuses.iter().filter(|s| **s == "DUPLICATE").count();
            caller.tally.check(
                accepted == 1 && accepted + duplicate == statuses.len(),
                || {
                    format!(
                        "report {} sent {} time(s) at once: {statuses:?}",
                        ids[n],
                        statuses.len()
                    )
                },
            );
            accepted_ids[n] = answers.iter().find_map(|a| {
                a.get(n)
                    .filter(|r| r.0 == "ACCEPTED")
                    .and_then(|r| r.1.clone())
            });
        }
        // Every fourth, the previous batch again: all DUPLICATE.
        if i % 4 == 1
            && let Some(prev) = previous.take()
            && let Some(d) = caller
                .graphql(&field.url, token, Kind::Retry, SUBMIT, prev)
                .await
        {
            let statuses: Vec<String> = results(&d).into_iter().map(|r| r.0).collect();
            caller.tally.check(
                statuses.len() == plan.batch && statuses.iter().all(|s| s == "DUPLICATE"),
                || format!("a batch sent again: {statuses:?}"),
            );
        }
        previous = Some(vars);
        if let Some(first) = accepted_ids[0].clone() {
            let _ = to_approve.send((w, first));
        }
        if i.is_multiple_of(plan.upload_every)
            && let Some(report) = &accepted_ids[1]
        {
            let seed = ids[1].as_u128() as u64;
            if let Some(file) = upload(
                &caller,
                &field,
                &processes,
                token,
                report,
                evidence(seed, plan.file_bytes),
            )
            .await
            {
                files.push(file);
            }
        }
        i += 1;
    }
    (sent, files)
}

/// Uploads `bytes` through the balancer, then downloads them from every process directly.
async fn upload(
    caller: &Caller,
    field: &Field,
    processes: &[String],
    token: &str,
    report: &str,
    bytes: Vec<u8>,
) -> Option<File> {
    let d = caller
        .upload(&field.url, token, ATTACH, report, &bytes)
        .await?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let a = &d["attachEvidence"]["attachment"];
    let (got_sha, size) = (a["sha256"].as_str(), a["sizeBytes"].as_u64());
    let Some(path) = a["downloadUrl"].as_str() else {
        caller.tally.fail(format!("upload: {d}"));
        return None;
    };
    caller.tally.check(
        got_sha == Some(sha256.as_str()) && size == Some(bytes.len() as u64),
        || format!("upload of {} bytes answered {a}", bytes.len()),
    );
    for (p, base) in processes.iter().enumerate() {
        caller.download(base, p, path, token, &bytes).await;
    }
    Some(File { bytes, sha256 })
}

/// Approves what the reporters hand over, until the planned time is up.
async fn approver(
    caller: Caller,
    field: Arc<Field>,
    mut queue: mpsc::UnboundedReceiver<(usize, String)>,
    deadline: Instant,
) -> Vec<Vec<String>> {
    let mut approved = vec![vec![]; field.wards.len()];
    let until = tokio::time::Instant::from_std(deadline);
    while let Ok(Some((w, report))) = tokio::time::timeout_at(until, queue.recv()).await {
        let vars = json!({"i": {"id": report}});
        if let Some(d) = caller
            .graphql(&field.url, &field.manager, Kind::Approve, APPROVE, vars)
            .await
        {
            let ok = d["approveReport"]["report"]["status"] == "APPROVED"
                && d["approveReport"]["userErrors"] == json!([]);
            caller.tally.check(ok, || format!("approval: {d}"));
            if ok {
                approved[w].push(report);
            }
        }
    }
    approved
}
