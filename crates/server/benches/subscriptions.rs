//! Live updates under load (issue 13): one server process on PostgreSQL, 10,000 WebSocket
//! clients subscribed over `graphql-transport-ws`, then 100 events a second for 60 s, each
//! concerning a tenth of them. A program that prints numbers, not a timed test.
//!
//! ```sh
//! THIDUA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo bench -p thidua-server --bench subscriptions
//! ```
//!
//! Set-up through the API: ten wards, a reporter on each, a launched campaign they are
//! registered in, 50 units under each ward and a submitted report per unit and month of
//! 2025 (600 per reporter). Each client signs in as one of the
//! ten reporters (a thousand clients per reporter, sharing that reporter's token) and
//! subscribes to `myReportStatusChanged`. Then an administrator approves the reports at a
//! steady rate, round robin over the wards: each approval is one event that reaches the
//! thousand clients of its reporter.
//!
//! - **Latency** is from the event's `occurredAt` (stamped in the committing transaction,
//!   by the server's clock, which is this machine's) to the moment a client read it, over
//!   every delivery; also from the moment the approving request was sent, which adds the
//!   approval's own time.
//! - **Lost** counts deliveries that never arrived: every client must receive every event
//!   of its reporter, checked by report id at the clients.
//! - **Memory** is the server's RSS: before the clients, with them idle, and after they
//!   disconnect. **CPU** is the server's and this program's, over the event phase.
//!
//! The open-file limit is raised in this program (the server it spawns inherits it), not in
//! the server. `THIDUA_BENCH_CLIENTS` (default 10000), `THIDUA_BENCH_RATE` (events a second,
//! default 100) and `THIDUA_BENCH_SECONDS` (default 60) change the load.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::{Api, PgDatabase, Server, ServerOptions, text};
use tokio::runtime::Runtime;
use tokio::sync::{RwLock, Semaphore};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const WARDS: usize = 10;
const REPORTS_PER_WARD: usize = 600;
const PASSWORD: &str = "bench-reporter-password-2026";
/// Connections opened at once while the clients sign in.
const CONNECTING: usize = 200;
/// How long after the last approval the clients may still receive.
const DRAIN: Duration = Duration::from_secs(10);
/// Latency histogram: 1 ms buckets up to 30 s.
const BUCKETS: usize = 30_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's CPU time (user + system) from `/proc/self/stat`.
fn own_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

/// What the clients saw, shared by all of them.
struct Seen {
    /// Report id → when its approval was sent.
    sent: RwLock<HashMap<String, Instant>>,
    /// From the approval's send, and from the event's `occurredAt` (written in the
    /// committing transaction; the clock is this machine's, shared with the server).
    histogram: Vec<AtomicU64>,
    from_commit: Vec<AtomicU64>,
    received: AtomicU64,
    /// Events whose report id was not (yet) known: counted, not timed.
    unmatched: AtomicU64,
    /// Per ward: deliveries received.
    per_ward: Vec<AtomicU64>,
    /// Per ward: clients subscribed.
    subscribed: Vec<AtomicU64>,
    closed: AtomicUsize,
}

impl Seen {
    fn new() -> Self {
        Self {
            sent: RwLock::new(HashMap::new()),
            histogram: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            from_commit: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            received: AtomicU64::new(0),
            unmatched: AtomicU64::new(0),
            per_ward: (0..WARDS).map(|_| AtomicU64::new(0)).collect(),
            subscribed: (0..WARDS).map(|_| AtomicU64::new(0)).collect(),
            closed: AtomicUsize::new(0),
        }
    }

    fn quantile_ms(&self, q: f64) -> f64 {
        Self::quantile(&self.histogram, q)
    }

    fn quantile(histogram: &[AtomicU64], q: f64) -> f64 {
        let total: u64 = histogram.iter().map(|b| b.load(Ordering::Relaxed)).sum();
        if total == 0 {
            return f64::NAN;
        }
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (ms, b) in histogram.iter().enumerate() {
            seen += b.load(Ordering::Relaxed);
            if seen >= rank {
                return ms as f64 + 1.0;
            }
        }
        BUCKETS as f64
    }
}

/// One client: connects, signs in with `token`, subscribes, then records every event until
/// `stop` says so. Returns once subscribed (the reading goes on in a task of its own).
async fn client(
    ws_url: String,
    token: String,
    ward: usize,
    seen: Arc<Seen>,
    stop: Arc<tokio::sync::Notify>,
) -> Result<(), String> {
    let mut req = ws_url.into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    ws.send(Message::text(init.to_string()))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).map_err(|e| e.to_string())?;
                if v["type"] == "connection_ack" {
                    break;
                }
            }
            Some(Ok(_)) => {}
            other => return Err(format!("no connection_ack: {other:?}")),
        }
    }
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { myReportStatusChanged { reportId status occurredAt } }"}});
    ws.send(Message::text(sub.to_string()))
        .await
        .map_err(|e| e.to_string())?;
    seen.subscribed[ward].fetch_add(1, Ordering::Relaxed);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.notified() => break,
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(t))) => {
                        let received = Instant::now();
                        let Ok(v) = serde_json::from_str::<Value>(&t) else { continue };
                        match v["type"].as_str() {
                            Some("next") => {
                                let change = &v["payload"]["data"]["myReportStatusChanged"];
                                let id = change["reportId"].as_str().unwrap_or_default().to_owned();
                                if let Some(at) = change["occurredAt"]
                                    .as_str()
                                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                                {
                                    let ms = (chrono::Utc::now() - at.to_utc())
                                        .num_milliseconds()
                                        .max(0) as usize;
                                    seen.from_commit[ms.min(BUCKETS - 1)]
                                        .fetch_add(1, Ordering::Relaxed);
                                }
                                seen.received.fetch_add(1, Ordering::Relaxed);
                                seen.per_ward[ward].fetch_add(1, Ordering::Relaxed);
                                match seen.sent.read().await.get(&id) {
                                    Some(at) => {
                                        let ms = received.duration_since(*at).as_millis() as usize;
                                        seen.histogram[ms.min(BUCKETS - 1)]
                                            .fetch_add(1, Ordering::Relaxed);
                                    }
                                    None => {
                                        seen.unmatched.fetch_add(1, Ordering::Relaxed);
                                    }
                                }
                            }
                            Some("ping") => {
                                let _ = ws.send(Message::text(json!({"type": "pong"}).to_string())).await;
                            }
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                        seen.closed.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Some(Ok(_)) => {}
                }
            }
        }
        let _ = ws.close(None).await;
    });
    Ok(())
}

struct Setup {
    tokens: Vec<String>,
    /// Per ward, its submitted reports' ids.
    reports: Vec<Vec<String>>,
}

async fn set_up(api: &Api) -> Setup {
    let root = text(
        &api.run("{ orgUnit(code: \"QN\") { id } }", json!({})).await,
        "/orgUnit/id",
    );
    let programme = text(
        &api.run("{ programme { id } }", json!({})).await,
        "/programme/id",
    );
    let mut wards = vec![];
    for w in 0..WARDS {
        let d = api
            .run(
                "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }",
                json!({"i": {"code": format!("SUB-W{w:02}"), "name": format!("Phường {w}"), "kind": "WARD", "parentId": root}}),
            )
            .await;
        wards.push(text(&d, "/createOrgUnit/orgUnit/id"));
    }
    let d = api
        .run(
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { campaign { id criteria { id } } } }",
            json!({"i": {
                "code": "SUB-BENCH", "title": "Phong trào thi đua SUB-BENCH", "kind": "THEMATIC",
                "programmeId": programme, "launchingUnitId": root,
                "startDate": "2024-01-01", "endDate": "2025-12-31",
                "criteria": [{"title": "Số hộ", "measure": "COUNT", "unitLabel": "hộ", "targetValue": "10", "weight": "1"}],
            }}),
        )
        .await;
    let campaign = text(&d, "/createCampaign/campaign/id");
    let criterion = text(&d, "/createCampaign/campaign/criteria/0/id");
    api.run(
        "mutation($i: CampaignTransitionInput!) { launchCampaign(input: $i) { campaign { id } } }",
        json!({"i": {"id": campaign}}),
    )
    .await;
    let mut tokens = vec![];
    let mut reports = vec![];
    for (w, ward) in wards.iter().enumerate() {
        api.run(
            "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }",
            json!({"i": {"campaignId": campaign, "unitId": ward}}),
        )
        .await;
        let username = format!("sub.reporter{w:02}");
        let d = api
            .run(
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
                json!({"i": {"username": username, "displayName": username, "password": PASSWORD, "unitId": ward}}),
            )
            .await;
        let user = text(&d, "/createUser/user/id");
        api.run(
            "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } } }",
            json!({"i": {"userId": user, "role": "REPORTER", "unitId": ward}}),
        )
        .await;
        let mut reporter = Api {
            client: reqwest::Client::new(),
            url: api.url.clone(),
            token: String::new(),
        };
        let d = reporter
            .run(
                "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                json!({"i": {"username": username, "password": PASSWORD, "deviceName": "bench"}}),
            )
            .await;
        reporter.token = text(&d, "/login/accessToken");
        // Spread over units as wards report: 50 units under the ward, 12 months of 2025
        // each (a unit's year then holds 12 reports, as with monthly reporting).
        let mut units = vec![];
        for u in 0..REPORTS_PER_WARD / 12 {
            let d = api
                .run(
                    "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } } }",
                    json!({"i": {"code": format!("SUB-W{w:02}-U{u:02}"), "name": format!("Khu {w}-{u}"), "kind": "WARD", "parentId": ward}}),
                )
                .await;
            let unit = text(&d, "/createOrgUnit/orgUnit/id");
            api.run(
                "mutation($i: ParticipationInput!) { registerParticipation(input: $i) { participation { id } } }",
                json!({"i": {"campaignId": campaign, "unitId": unit}}),
            )
            .await;
            units.push(unit);
        }
        let mut ids = vec![];
        let all: Vec<(usize, u32)> = (0..units.len())
            .flat_map(|u| (1..=12).map(move |m| (u, m)))
            .collect();
        for chunk in all.chunks(50) {
            let batch: Vec<Value> = chunk
                .iter()
                .map(|&(u, month)| {
                    let first = chrono::NaiveDate::from_ymd_opt(2025, month, 1).expect("a month");
                    let last = first
                        .checked_add_months(chrono::Months::new(1))
                        .and_then(|d| d.pred_opt())
                        .expect("a month's last day");
                    json!({"id": uuid::Uuid::now_v7().to_string(), "campaignId": campaign, "unitId": units[u],
                        "period": {"kind": "MONTH", "start": first.to_string(), "end": last.to_string()},
                        "values": [{"criterionId": criterion, "value": "1"}]})
                })
                .collect();
            let d = reporter
                .run(
                    "mutation($i: SubmitReportsInput!) { submitReports(input: $i) { results { report { id } } } }",
                    json!({"i": {"reports": batch}}),
                )
                .await;
            for r in d["submitReports"]["results"].as_array().expect("results") {
                ids.push(r["report"]["id"].as_str().expect("a report id").to_owned());
            }
        }
        // Approve round robin over the units, so that consecutive approvals of a ward
        // touch different units.
        let per_unit = units.len();
        let ids: Vec<String> = (0..ids.len())
            .map(|k| ids[(k % per_unit) * 12 + k / per_unit].clone())
            .collect();
        tokens.push(reporter.token);
        reports.push(ids);
    }
    Setup { tokens, reports }
}

fn main() {
    let Some(admin_url) = support::pg_url() else {
        eprintln!("THIDUA_BENCH_POSTGRES_URL is not set: nothing to measure");
        return;
    };
    let clients = env_usize("THIDUA_BENCH_CLIENTS", 10_000);
    let rate = env_usize("THIDUA_BENCH_RATE", 100).max(1);
    let seconds = env_usize("THIDUA_BENCH_SECONDS", 60);
    // Each client is a socket here and one in the server, which inherits the limit.
    let want = (clients as u64) * 2 + 1024;
    match rlimit::increase_nofile_limit(want) {
        Ok(n) if n < clients as u64 + 512 => {
            eprintln!("the open-file limit is {n}, too low for {clients} clients");
            return;
        }
        Ok(n) => eprintln!("open-file limit {n}"),
        Err(e) => eprintln!("could not raise the open-file limit: {e}"),
    }
    let rt = Runtime::new().expect("a runtime");
    let pg = PgDatabase::create(&rt, &admin_url);
    let (server, _) = Server::start(&pg.url(), &ServerOptions::default());
    let graphql = server.graphql_url();
    let ws_url = graphql.replacen("http://", "ws://", 1);

    rt.block_on(async move {
        let api = Api::admin(graphql.clone()).await;
        eprintln!("setting up {WARDS} wards, reporters and {} reports…", WARDS * REPORTS_PER_WARD);
        let setup = set_up(&api).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss_before = server.rss_mib();

        eprintln!("connecting {clients} clients…");
        let seen = Arc::new(Seen::new());
        let stop = Arc::new(tokio::sync::Notify::new());
        let gate = Arc::new(Semaphore::new(CONNECTING));
        let started = Instant::now();
        let mut joins = vec![];
        for i in 0..clients {
            let permit = gate.clone().acquire_owned().await.expect("the gate");
            let (ws_url, seen, stop) = (ws_url.clone(), seen.clone(), stop.clone());
            let token = setup.tokens[i % WARDS].clone();
            joins.push(tokio::spawn(async move {
                let r = client(ws_url, token, i % WARDS, seen, stop).await;
                drop(permit);
                r
            }));
        }
        let mut failed = 0;
        for j in joins {
            if let Err(e) = j.await.expect("a client task") {
                if failed == 0 {
                    eprintln!("first client failure: {e}");
                }
                failed += 1;
            }
        }
        let connected = clients - failed;
        let connect_time = started.elapsed();
        // Let the server settle its subscriptions before measuring memory.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let rss_idle = server.rss_mib();

        let total = seconds * rate;
        eprintln!("approving {total} reports at {rate}/s…");
        let (server_cpu, own_cpu_before) = (server.cpu(), own_cpu());
        let approved = Arc::new(AtomicU64::new(0));
        let approved_per_ward: Arc<Vec<AtomicU64>> =
            Arc::new((0..WARDS).map(|_| AtomicU64::new(0)).collect());
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let phase = Instant::now();
        let mut tasks = vec![];
        for n in 0..total {
            let at = phase + interval * n as u32;
            tokio::time::sleep_until(at.into()).await;
            let ward = n % WARDS;
            let Some(id) = setup.reports[ward].get(n / WARDS).cloned() else {
                break;
            };
            seen.sent.write().await.insert(id.clone(), Instant::now());
            let (client, url, token) = (api.client.clone(), api.url.clone(), api.token.clone());
            let (approved, per_ward) = (approved.clone(), approved_per_ward.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({"query": "mutation($i: ApproveReportInput!) { approveReport(input: $i) { report { status } } }", "variables": {"i": {"id": id}}});
                let ok = match client.post(&url).bearer_auth(&token).json(&body).send().await {
                    Ok(r) => r.json::<Value>().await.ok().is_some_and(|v| {
                        v["data"]["approveReport"]["report"]["status"] == "APPROVED"
                    }),
                    Err(_) => false,
                };
                if ok {
                    approved.fetch_add(1, Ordering::Relaxed);
                    per_ward[ward].fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        let sending = phase.elapsed();
        // Wait until every expected delivery arrived, or the drain time passed.
        let expected: u64 = (0..WARDS)
            .map(|w| {
                approved_per_ward[w].load(Ordering::Relaxed)
                    * seen.subscribed[w].load(Ordering::Relaxed)
            })
            .sum();
        let drain_start = Instant::now();
        while seen.received.load(Ordering::Relaxed) < expected && drain_start.elapsed() < DRAIN {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let window = phase.elapsed();
        let server_cores = (server.cpu() - server_cpu).as_secs_f64() / window.as_secs_f64();
        let own_cores = (own_cpu() - own_cpu_before).as_secs_f64() / window.as_secs_f64();
        let received = seen.received.load(Ordering::Relaxed);
        let closed = seen.closed.load(Ordering::Relaxed);

        stop.notify_waiters();
        tokio::time::sleep(Duration::from_secs(5)).await;
        let rss_after = server.rss_mib();

        let approved = approved.load(Ordering::Relaxed);
        let p50 = seen.quantile_ms(0.5);
        let p99 = seen.quantile_ms(0.99);
        let max = seen.quantile_ms(1.0);
        println!("\n## thidua subscriptions on PostgreSQL\n");
        println!(
            "{clients} clients asked, {connected} subscribed in {:.1} s ({failed} failed); \
             {approved} of {total} approvals in {:.1} s ({:.1}/s), each for {} clients.\n",
            connect_time.as_secs_f64(),
            sending.as_secs_f64(),
            approved as f64 / sending.as_secs_f64(),
            connected / WARDS,
        );
        println!("| figure | value | goal | verdict |\n| --- | ---: | ---: | --- |");
        println!("| server RSS before the clients | {rss_before:.1} MiB | | |");
        println!(
            "| server RSS with the clients idle | {rss_idle:.1} MiB ({:.1} KiB per client) | | |",
            (rss_idle - rss_before) * 1024.0 / connected.max(1) as f64
        );
        println!("| server RSS 5 s after they left | {rss_after:.1} MiB | | |");
        println!(
            "| deliveries expected / received | {expected} / {received} | all | {} |",
            if received >= expected && expected > 0 { "PASS" } else { "FAIL" }
        );
        println!(
            "| deliveries lost | {} | 0 | |",
            expected.saturating_sub(received)
        );
        println!("| sockets closed by the server during the run | {closed} | 0 | |");
        println!(
            "| received before their send time was recorded (not timed) | {} | | |",
            seen.unmatched.load(Ordering::Relaxed)
        );
        let c50 = Seen::quantile(&seen.from_commit, 0.5);
        let c99 = Seen::quantile(&seen.from_commit, 0.99);
        let cmax = Seen::quantile(&seen.from_commit, 1.0);
        println!("| latency p50 (event committed → client read) | {c50:.0} ms | | |");
        println!(
            "| latency p99 (event committed → client read) | {c99:.0} ms | < 1000 ms | {} |",
            if c99 < 1000.0 { "PASS" } else { "FAIL" }
        );
        println!("| latency max (event committed → client read) | {cmax:.0} ms | | |");
        println!(
            "| latency p50 / p99 / max from sending the approval | {p50:.0} / {p99:.0} / {max:.0} ms | | |"
        );
        println!("| server CPU over the event phase | {server_cores:.2} cores | | |");
        println!("| this program's CPU (the clients) | {own_cores:.2} cores | | |");
        drop(server);
    });
    drop(pg);
}
