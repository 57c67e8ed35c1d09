//! Test harness: the real application on port 0, in either mode, against the real services
//! that `scripts/test` starts. Under `scripts/test` (TEST_SERVICES=required) a missing service
//! fails the test; under plain `cargo test` the test is skipped with a notice.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use notion_graph::config::Settings;
use notion_graph::startup::{Application, Role, ShutdownTrigger};
use notion_graph::state::AppState;
use secrecy::SecretString;
use serde_json::Value;
use tempfile::TempDir;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// The default plan of test instances (see [`test_settings`]).
pub const SUITE_PLAN: &str = "team";

/// The address of a service `scripts/test` started, or `None` (with a notice) to skip.
pub fn service(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Some(value),
        _ if std::env::var("TEST_SERVICES").as_deref() == Ok("required") => {
            panic!("{variable} is not set but TEST_SERVICES=required")
        }
        _ => {
            eprintln!("skipped: {variable} is not set (scripts/test starts the services)");
            None
        }
    }
}

/// A namespace no other test uses, for Redis prefixes and Mongo databases.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Embedded,
    /// MongoDB documents, Redis cache and jobs.
    Production,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Embedded, Mode::Production];
}

/// The sealing key every test instance and process shares (never a production key).
pub const TEST_KEYS: &str = "test:dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE=";

/// Settings for a test instance, or `None` when the mode's services are unavailable.
pub fn test_settings(mode: Mode, data_dir: &Path) -> Option<Settings> {
    let mut settings = Settings::default();
    let server = &mut settings.server;
    (
        server.port,
        server.shutdown_timeout_secs,
        server.shutdown_drain_ms,
    ) = (0, 10, 0);
    let storage = &mut settings.storage;
    storage.data_dir = data_dir.to_owned();
    (storage.redis_prefix, storage.mongodb_database) = (unique("t"), unique("t"));
    if mode == Mode::Production {
        storage.mongodb_uri = Some(SecretString::from(service("TEST_MONGODB_URI")?));
        storage.redis_url = Some(SecretString::from(service("TEST_REDIS_URL")?));
        settings.accounts.smtp_url = Some(SecretString::from(service("TEST_SMTP_URL")?));
    }
    let jobs = &mut settings.jobs;
    (jobs.backoff_ms, jobs.heartbeat_ms, jobs.max_attempts) = (20, 400, 3);
    jobs.housekeeping_cron = "* * * * * *".into();
    settings.sync.lease_ms = 5000;
    settings.security.admin_token = Some(SecretString::from(ADMIN_TOKEN));
    settings.security.encryption_keys = Some(SecretString::from(TEST_KEYS));
    // The suite tests features, not plans: it runs on the most generous default plan, and the
    // billing tests (tests/api/billing*.rs) set `free` to test each limit.
    settings.billing.default_plan = SUITE_PLAN.into();
    Some(settings)
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    shutdown: ShutdownTrigger,
    running: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _data: TempDir,
}

/// Starts the application in `mode` (HTTP plus workers), or `None` to skip.
pub async fn spawn_app(mode: Mode) -> Option<TestApp> {
    spawn_app_with(mode, |_| {}).await
}

pub async fn spawn_app_with(mode: Mode, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let data = TempDir::new().expect("temp dir");
    let mut settings = test_settings(mode, data.path())?;
    adjust(&mut settings);
    Some(start(settings, data).await)
}

pub async fn start(settings: Settings, data: TempDir) -> TestApp {
    if std::env::var_os("RUST_LOG").is_some() {
        notion_graph::telemetry::init(notion_graph::config::LogFormat::Text);
    }
    let app = Application::build(settings, Role::Server { with_workers: true })
        .await
        .expect("app builds");
    let address = format!(
        "http://127.0.0.1:{}",
        app.port().expect("a server has a port")
    );
    let state = app.state().clone();
    let shutdown = app.shutdown_trigger();
    let running = Some(tokio::spawn(app.run_until_stopped()));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        state,
        shutdown,
        running,
        _data: data,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> reqwest::Response {
        let request = self
            .client
            .post(self.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .json(body);
        request.send().await.expect("request sent")
    }

    /// Stops gracefully, as SIGTERM would, and waits for the process-equivalent to end.
    /// Stops the app and hands back its data folder, for commands to run on it afterwards.
    pub async fn stop_keeping_data(mut self) -> TempDir {
        let data = std::mem::replace(&mut self._data, TempDir::new().unwrap());
        self.stop().await;
        data
    }

    pub async fn stop(mut self) {
        self.shutdown.trigger();
        if let Some(running) = self.running.take() {
            running
                .await
                .expect("app task")
                .expect("app stopped cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Polls `check` until it returns `Some`, or panics after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    within(limit, check)
        .await
        .unwrap_or_else(|| panic!("timed out after {limit:?} waiting for {what}"))
}

/// Polls `check` until it returns `Some`, or gives `None` after `limit`.
pub async fn within<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if started.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// The service binary, run as its own process (for signals and crashes).
pub struct Process {
    pub child: Child,
    pub address: String,
}

/// A client that leaves bodies as the server encoded them, so that their encoding shows.
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .build()
        .unwrap()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary on `data` with the test keys, `stdin` as its standard input.
pub fn run_binary(data: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(binary())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("NOTION_GRAPH_ENCRYPTION_KEYS", TEST_KEYS)
        .env_remove("MONGODB_URI")
        .env_remove("REDIS_URL")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_notion-graph"))
}

impl Process {
    /// `notion-graph serve` on a free port with `data_dir`, plus extra environment.
    pub fn serve(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let args = ["serve", "--port", &port.to_string()].map(String::from);
        let mut process = Self::start(data_dir, &args, env);
        process.address = format!("http://127.0.0.1:{port}");
        process
    }

    /// `notion-graph serve --with-workers` as [`Process::serve`] does, with everything it
    /// writes (standard output and error) going to `log`.
    pub fn serve_logging_to(data_dir: &Path, env: &[(&str, &str)], log: &Path) -> Self {
        let port = free_port();
        let args = ["serve", "--with-workers", "--port", &port.to_string()].map(String::from);
        let file = std::fs::File::create(log).expect("a log file");
        let mut command = Self::command(data_dir, &args, env);
        command.stdout(file.try_clone().unwrap()).stderr(file);
        Self {
            child: command.spawn().expect("the binary starts"),
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The binary with `args`, the test timings (fast heartbeats, retries and lease expiry),
    /// the embedded mode unless `env` names services, plus `env`.
    pub fn start(data_dir: &Path, args: &[String], env: &[(&str, &str)]) -> Self {
        let child = Self::command(data_dir, args, env)
            .spawn()
            .expect("the binary starts");
        Self {
            child,
            address: String::new(),
        }
    }

    fn command(data_dir: &Path, args: &[String], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(["--data-dir", data_dir.to_str().unwrap()])
            .args(args)
            .env("NOTION_GRAPH_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("NOTION_GRAPH_JOB_HEARTBEAT_MS", "400")
            .env("NOTION_GRAPH_JOB_BACKOFF_MS", "20")
            .env("NOTION_GRAPH_SYNC_LEASE_MS", "5000")
            .env("NOTION_GRAPH_ENCRYPTION_KEYS", TEST_KEYS)
            .env("NOTION_GRAPH_DEFAULT_PLAN", SUITE_PLAN)
            .env("RUST_LOG", "warn")
            .env_remove("MONGODB_URI")
            .env_remove("REDIS_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    pub async fn wait_ready(&self, client: &reqwest::Client) {
        let url = format!("{}/livez", self.address);
        eventually(Duration::from_secs(20), "the process to listen", || async {
            client
                .get(&url)
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())
        })
        .await;
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status();
        assert!(status.expect("kill runs").success());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headless Chromium driven by playwright, when `scripts/test` provides them (`TEST_PYTHON`,
/// its venv with playwright, and `TEST_CHROMIUM`).
pub struct Browser {
    python: String,
    chromium: String,
}

impl Browser {
    /// The browser, or `None` (with a notice) to skip.
    pub fn available() -> Option<Self> {
        let (python, chromium) = (service("TEST_PYTHON")?, service("TEST_CHROMIUM")?);
        Some(Self { python, chromium })
    }

    /// Runs the driver `tests/browser/{driver}` with `config` (plus `chromium`, the executable)
    /// as its one argument, printing its report, and fails the test when the driver fails.
    pub async fn run(&self, driver: &str, mut config: Value) {
        config["chromium"] = Value::from(self.chromium.as_str());
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser")
            .join(driver);
        let output = tokio::process::Command::new(&self.python)
            .arg(script)
            .arg(config.to_string())
            .output()
            .await
            .expect("the browser driver starts");
        let report = String::from_utf8_lossy(&output.stdout);
        eprintln!("{report}{}", String::from_utf8_lossy(&output.stderr));
        assert!(
            output.status.success(),
            "the browser checks in {driver} failed:\n{report}"
        );
    }
}
