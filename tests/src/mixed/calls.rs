//! Requests of the mixed traffic, each timed, attributed to the process that answered and
//! checked: HTTP 200, a JSON body with `data` and without `errors`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Kind, Sample, Tally};
use crate::haproxy::SERVED_BY;

/// How many times an upload is sent while the process is busy.
const UPLOAD_ATTEMPTS: usize = 30;

enum Attempt {
    Data(Value),
    Busy(Duration),
    Failed,
}

/// One simulated client: its own HTTP client (its own keep-alive connections).
pub(crate) struct Caller {
    http: reqwest::Client,
    pub(crate) tally: Arc<Tally>,
}

/// The index of `s1`, `s2`, … in the balancer's `X-Served-By`.
pub(crate) fn served_by(headers: &reqwest::header::HeaderMap) -> Option<usize> {
    let name = headers.get(SERVED_BY)?.to_str().ok()?;
    name.strip_prefix('s')?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
}

impl Caller {
    pub(crate) fn new(tally: &Arc<Tally>) -> Self {
        // Idle connections are dropped before a server's keep-alive (actix: 5 s) can close
        // them under a request just sent.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        Self {
            http,
            tally: Arc::clone(tally),
        }
    }

    /// Posts an operation through the balancer at `url`; returns its `data` when the answer
    /// passed the checks, else records the failure and returns `None`.
    pub(crate) async fn graphql(
        &self,
        url: &str,
        token: &str,
        kind: Kind,
        query: &str,
        variables: Value,
    ) -> Option<Value> {
        let req = self
            .http
            .post(url)
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}));
        self.answer(kind, req).await
    }

    /// Uploads `bytes` as evidence for `report` (multipart, through the balancer).
    pub(crate) async fn upload(
        &self,
        url: &str,
        token: &str,
        query: &str,
        report: &str,
        bytes: &[u8],
    ) -> Option<Value> {
        let operations =
            json!({"query": query, "variables": {"i": {"reportId": report, "file": null}}});
        let (boundary, body) =
            crate::multipart::upload(&operations, "anh-hien-truong.jpg", "image/jpeg", bytes);
        // A process receiving its most uploads at once answers 503 with `Retry-After`: as a
        // client must, wait that long and send again.
        for _ in 0..UPLOAD_ATTEMPTS {
            let req = self
                .http
                .post(url)
                .bearer_auth(token)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("apollo-require-preflight", "true")
                .body(body.clone());
            match self.attempt(Kind::Upload, req, true).await {
                Attempt::Data(d) => return Some(d),
                Attempt::Busy(wait) => tokio::time::sleep(wait).await,
                Attempt::Failed => return None,
            }
        }
        self.tally.fail(format!(
            "upload: still busy after {UPLOAD_ATTEMPTS} attempts"
        ));
        None
    }

    /// Downloads `path` from process `process` at `base` directly; checks the bytes.
    pub(crate) async fn download(
        &self,
        base: &str,
        process: usize,
        path: &str,
        token: &str,
        expected: &[u8],
    ) {
        let started = Instant::now();
        let answer = self
            .http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await;
        let got = match answer {
            Ok(resp) if resp.status() == 200 => resp.bytes().await.map_err(|e| e.to_string()),
            Ok(resp) => Err(format!("HTTP {}", resp.status())),
            Err(e) => Err(e.to_string()),
        };
        self.tally.sample(Sample {
            kind: Kind::Download,
            latency: started.elapsed(),
            process: Some(process),
            via_balancer: false,
        });
        match got {
            Ok(bytes) => self.tally.check(bytes.as_ref() == expected, || {
                format!(
                    "{path} from process {}: {} bytes, not the {} uploaded",
                    process + 1,
                    bytes.len(),
                    expected.len()
                )
            }),
            Err(e) => self
                .tally
                .fail(format!("{path} from process {}: {e}", process + 1)),
        }
    }

    async fn answer(&self, kind: Kind, req: reqwest::RequestBuilder) -> Option<Value> {
        match self.attempt(kind, req, false).await {
            Attempt::Data(d) => Some(d),
            Attempt::Busy(_) | Attempt::Failed => None,
        }
    }

    /// Sends `req` and checks the answer; with `busy_ok`, a 503 with `Retry-After` is
    /// `Busy` (to be sent again), not a failure.
    async fn attempt(&self, kind: Kind, req: reqwest::RequestBuilder, busy_ok: bool) -> Attempt {
        let started = Instant::now();
        let answer = req.send().await;
        let (status, process, body) = match answer {
            Ok(resp) => {
                let (status, process) = (resp.status(), served_by(resp.headers()));
                let retry_after = (resp.headers().get("retry-after"))
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                if let Some(secs) = retry_after.filter(|_| busy_ok && status == 503) {
                    self.tally.sample(Sample {
                        kind,
                        latency: started.elapsed(),
                        process,
                        via_balancer: true,
                    });
                    return Attempt::Busy(Duration::from_secs(secs));
                }
                (
                    status,
                    process,
                    resp.bytes().await.map_err(|e| e.to_string()),
                )
            }
            Err(e) => {
                self.tally.fail(format!("{kind:?}: {e}"));
                return Attempt::Failed;
            }
        };
        self.tally.sample(Sample {
            kind,
            latency: started.elapsed(),
            process,
            via_balancer: true,
        });
        let body: Value = match body.map(|b| serde_json::from_slice(&b)) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                self.tally
                    .fail(format!("{kind:?}: HTTP {status}, not JSON: {e}"));
                return Attempt::Failed;
            }
            Err(e) => {
                self.tally.fail(format!("{kind:?}: HTTP {status}: {e}"));
                return Attempt::Failed;
            }
        };
        let data = &body["data"];
        if status != 200 || body.get("errors").is_some() || !data.is_object() {
            self.tally.fail(format!("{kind:?}: HTTP {status}: {body}"));
            return Attempt::Failed;
        }
        Attempt::Data(data.clone())
    }
}
