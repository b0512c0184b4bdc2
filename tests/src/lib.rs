//! Test harness: a real server on a free port over a fresh database (SQLite always,
//! PostgreSQL when `THIDUA_TEST_POSTGRES_URL` is set), talked to over real HTTP; in this
//! process (`spawn_app`), or as the `thidua` binary (`process`, for the server package's
//! process-level tests). Both get their databases and directories from `Scratch`.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// The root query merges four groups of query objects: deeper than rustc's default.
#![recursion_limit = "256"]

use std::path::PathBuf;

use serde_json::{Value, json};
use thidua_persistence::Database;
use thidua_server::config::Settings;
use thidua_server::startup::Application;

pub mod commendations;
pub mod events;
pub mod haproxy;
pub mod mixed;
pub mod multipart;
pub mod process;
pub mod receiver;
pub mod s3;
mod scratch;
mod sweep;
mod template;
pub mod totals;

pub use scratch::{Scratch, replace_db_name};

pub const ADMIN_PASSWORD: &str = "root-keeper-for-tests";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "password-for-tests";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per available backend: `both!(name)` makes `name::sqlite` and
/// `name::postgres` (the latter passes trivially, saying so, when PostgreSQL is not configured).
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::postgres_url().is_none() {
                        eprintln!("THIDUA_TEST_POSTGRES_URL not set: skipping the PostgreSQL run");
                        return;
                    }
                    super::$name($crate::Backend::Postgres).await;
                }
            }
        )+
    };
}

/// The harness's HTTP client asks for English (`Accept-Language: en`), so tests may read
/// message texts; a test of the Vietnamese default makes its own client.
pub fn english_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_static("en"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("reqwest client")
}

pub fn postgres_url() -> Option<String> {
    std::env::var("THIDUA_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Database,
    pub backend: Backend,
    /// The database this server uses (what `spawn_app_sharing` points another server at).
    pub database_url: String,
    /// The server's data directory (`THIDUA_DATA_DIR`): evidence files go under
    /// `evidence/`. Shared with servers made by `spawn_app_sharing`.
    pub data_dir: PathBuf,
    handle: actix_web::dev::ServerHandle,
    /// The database and directory this server owns (none for `spawn_app_sharing`).
    scratch: Option<Scratch>,
    /// This server's "now": `clock.advance(…)` ages sessions and tokens.
    pub clock: thidua_domain::clock::Clock,
    /// This server's event stream (what its subscriptions are fed from).
    pub events: thidua_server::events::EventHub,
    /// This server's webhook worker (`halt()` plays a crash).
    pub webhooks: thidua_server::webhooks::WebhookWorker,
}

/// Settings for a test server on `database_url`, with a fresh data directory under the
/// system temp directory (created on first use; `spawn_app` points it at a directory
/// it removes afterwards).
pub fn test_settings(database_url: String) -> Settings {
    let mut s = Settings::from_env();
    s.database.url = database_url.into();
    s.storage.data_dir = std::env::temp_dir().join(format!(
        "thidua-test-data-{}",
        uuid::Uuid::new_v4().simple()
    ));
    s.http.port = 0;
    s.http.host = "127.0.0.1".into();
    s.http.workers = 2;
    s.database.max_connections = 5;
    s.auth.jwt_secret = Some(JWT_SECRET.into());
    s.auth.admin_password = Some(ADMIN_PASSWORD.into());
    s.http.shutdown_timeout_secs = 1;
    // Tests take snapshots themselves, when they mean to.
    s.jobs.snapshot_interval_secs = 0;
    s
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A server on a database of its own, migrated and seeded (a copy of the template).
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        thidua_server::telemetry::init(
            &thidua_server::config::LogFilter::default(),
            thidua_server::config::LogFormat::Text,
            std::io::stderr,
        );
    }
    let scratch = Scratch::seeded(backend).await;
    let (url, data_dir) = (scratch.database_url().to_owned(), scratch.dir.clone());
    start(backend, url, data_dir, Some(scratch), tweak).await
}

/// Starts a server on `url` (already created) keeping its files in `data_dir`; `scratch`
/// is what its drop removes.
async fn start(
    backend: Backend,
    url: String,
    data_dir: PathBuf,
    scratch: Option<Scratch>,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = test_settings(url.clone());
    settings.storage.data_dir = data_dir;
    tweak(&mut settings);
    let data_dir = settings.storage.data_dir.clone();
    let clock = thidua_domain::clock::Clock::default();
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("build app");
    let port = app.port();
    let db = app.db();
    let events = app.events();
    let webhooks = app.webhooks();
    let server_handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: english_client(),
        db,
        backend,
        database_url: url,
        data_dir,
        handle: server_handle,
        scratch,
        clock,
        events,
        webhooks,
    }
}

/// Another server (another replica) on the same database and data directory as `app`.
/// It owns neither: dropping it stops only its server; `app` still cleans up. Drop it first.
pub async fn spawn_app_sharing(app: &TestApp) -> TestApp {
    spawn_app_sharing_with(app, |_| {}).await
}

pub async fn spawn_app_sharing_with(app: &TestApp, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    start(
        app.backend,
        app.database_url.clone(),
        app.data_dir.clone(),
        None,
        tweak,
    )
    .await
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A dropped server sends no more webhooks (its worker runs on the test's runtime).
        self.webhooks.halt();
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
        // Removes the directory and drops the database.
        drop(self.scratch.take());
    }
}

/// A GraphQL answer: the JSON body plus the HTTP status and request id.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Value,
}

impl Answer {
    /// Reads status, request id and JSON body (Null when the body is not JSON).
    pub async fn read(resp: reqwest::Response) -> Self {
        let status = resp.status().as_u16();
        let request_id = resp
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            request_id,
            body,
        }
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The `extensions.code` of the first error, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    /// The codes of a payload's `userErrors` at `path` (e.g. "createCampaign").
    pub fn user_error_codes(&self, path: &str) -> Vec<String> {
        self.body["data"][path]["userErrors"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|e| e["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn user_error_fields(&self, path: &str) -> Vec<String> {
        self.body["data"][path]["userErrors"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        let resp = self.client.get(self.url("/metrics")).send().await;
        resp.expect("GET /metrics")
            .text()
            .await
            .expect("metrics text")
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Answer::read(req.send().await.expect("request")).await
    }

    /// Runs a query and panics (with the body) if it returned errors.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let a = self.gql(token, query, variables).await;
        assert!(a.body["errors"].is_null(), "unexpected errors: {}", a.body);
        a.body["data"].clone()
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let d = self
            .ok(
                None,
                "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                json!({"i": {"username": username, "password": password}}),
            )
            .await;
        d["login"]["accessToken"].as_str().unwrap().to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await
    }

    pub async fn root_unit(&self, token: &str) -> String {
        let d = self
            .ok(Some(token), "{ orgUnit(code: \"QN\") { id } }", json!({}))
            .await;
        d["orgUnit"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn programme_id(&self) -> String {
        let d = self.ok(None, "{ programme { id } }", json!({})).await;
        d["programme"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_unit(&self, token: &str, code: &str, parent: &str) -> String {
        let d = self
            .ok(
                Some(token),
                "mutation($i: CreateOrgUnitInput!) { createOrgUnit(input: $i) { orgUnit { id } userErrors { code field } } }",
                json!({"i": {"code": code, "name": format!("Đơn vị {code}"), "kind": "WARD", "parentId": parent}}),
            )
            .await;
        d["createOrgUnit"]["orgUnit"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createOrgUnit: {d}"))
            .to_owned()
    }

    /// Creates a user holding `role` on `unit` and returns their access token.
    pub async fn user_with_role(
        &self,
        admin: &str,
        username: &str,
        role: &str,
        unit: &str,
    ) -> String {
        let d = self
            .ok(
                Some(admin),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }",
                json!({"i": {"username": username, "displayName": username, "password": PASSWORD}}),
            )
            .await;
        let uid = d["createUser"]["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createUser: {d}"))
            .to_owned();
        self.ok(
            Some(admin),
            "mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } userErrors { code } } }",
            json!({"i": {"userId": uid, "role": role, "unitId": unit}}),
        )
        .await;
        self.login(username, PASSWORD).await
    }

    /// Creates a draft campaign launched by `unit`; `criteria` is a JSON array of CriterionInput.
    pub async fn create_campaign(
        &self,
        token: &str,
        code: &str,
        unit: &str,
        criteria: Value,
    ) -> Answer {
        let programme = self.programme_id().await;
        self.gql(
            Some(token),
            CREATE_CAMPAIGN,
            json!({"i": {
                "code": code, "title": format!("Phong trào thi đua {code}"), "kind": "THEMATIC",
                "programmeId": programme, "launchingUnitId": unit,
                "startDate": "2025-01-01", "endDate": "2025-12-31", "criteria": criteria,
            }}),
        )
        .await
    }

    pub async fn launch(&self, token: &str, id: &str) -> Answer {
        self.gql(
            Some(token),
            "mutation($i: CampaignTransitionInput!) { launchCampaign(input: $i) { campaign { id status version } userErrors { field code message } } }",
            json!({"i": {"id": id}}),
        )
        .await
    }
}

pub const CREATE_CAMPAIGN: &str = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { campaign { id code status version criteria { id isConcrete } } userErrors { field code message } } }";

/// A concrete criterion (measurable target, unit label, positive weight).
pub fn concrete(title: &str) -> Value {
    json!({"title": title, "measure": "PERCENT", "unitLabel": "%", "targetValue": "95", "weight": "1"})
}

/// A criterion without a target value: not concrete.
pub fn vague(title: &str) -> Value {
    json!({"title": title, "measure": "NUMBER", "weight": "1"})
}

/// Redis for the tests that share limits between replicas (`THIDUA_TEST_REDIS_URL`).
pub fn redis_url() -> Option<String> {
    std::env::var("THIDUA_TEST_REDIS_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A TCP proxy in front of PostgreSQL that a test can cut (every connection closed, new
/// ones dropped at once) and restore, to simulate a database outage for real.
pub struct CutProxy {
    pub port: u16,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CutProxy {
    /// Forwards a free local port to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> =
            Default::default();
        let (o, l) = (open.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                l.lock().unwrap().push(task.abort_handle());
            }
        });
        Self {
            port,
            open,
            links,
            accept,
        }
    }

    /// The outage: closes every forwarded connection and drops new ones.
    pub fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for l in self.links.lock().unwrap().drain(..) {
            l.abort();
        }
    }

    pub fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// `url` with its host and port replaced by `127.0.0.1:port`.
pub fn via_port(url: &str, port: u16) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    u.set_host(Some("127.0.0.1")).unwrap();
    u.set_port(Some(port)).unwrap();
    u.to_string()
}

/// `host:port` of a database URL.
pub fn host_port(url: &str) -> String {
    let u = reqwest::Url::parse(url).unwrap();
    format!(
        "{}:{}",
        u.host_str().unwrap_or("127.0.0.1"),
        u.port().unwrap_or(5432)
    )
}
