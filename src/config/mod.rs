//! Settings, parsed once at start-up: defaults, then an optional TOML file, then environment
//! variables (`NOTION_GRAPH_<KEY>`, plus the conventional `MONGODB_URI` and `REDIS_URL`), then
//! command-line flags ([`layers`]). Secrets are [`SecretString`]s, which never print. A bad
//! value is reported with its key and where it came from.
//!
//! [`Settings`] is nested by concern (`settings.jobs.max_attempts`); the keys users write stay
//! flat and unchanged (`job_max_attempts`, `NOTION_GRAPH_JOB_MAX_ATTEMPTS`): each field's serde
//! name is its key.

mod alerts;
mod assistant;
mod billing;
mod layers;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

pub use alerts::{
    AlertReceiver, AlertRule, AlertSettings, ReceiverFormat, Severity, Signal, default_alert_rules,
};
pub use assistant::AssistantSettings;
pub use billing::{AnalyticsSettings, BillingSettings, Limit, Plan, default_plans};
use values::{list, parsed, parsed_option};

/// Where the values of a running instance come from; see the README for each key.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub jobs: JobSettings,
    pub sync: SyncSettings,
    pub notion: NotionSettings,
    pub security: SecuritySettings,
    pub graph: GraphSettings,
    pub export: ExportSettings,
    pub accounts: AccountSettings,
    pub billing: BillingSettings,
    pub analytics: AnalyticsSettings,
    pub assistant: AssistantSettings,
    pub alerts: AlertSettings,
}

/// How this process serves HTTP, and logs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    #[serde(deserialize_with = "parsed")]
    pub port: u16,
    pub log_format: LogFormat,
    #[serde(deserialize_with = "parsed")]
    pub max_body_bytes: usize,
    /// Origins allowed to call the API from a browser; empty keeps CORS closed.
    #[serde(deserialize_with = "list")]
    pub cors_allowed_origins: Vec<String>,
    /// Who may frame the embed page (CSP `frame-ancestors`).
    #[serde(deserialize_with = "list")]
    pub embed_frame_ancestors: Vec<String>,
    /// Send `Strict-Transport-Security`; unset means "only when running in production mode".
    #[serde(deserialize_with = "parsed_option")]
    pub hsts: Option<bool>,
    /// Milliseconds between SIGTERM and closing the listener, while `/readyz` already answers
    /// 503 so that load balancers stop sending new requests.
    #[serde(deserialize_with = "parsed")]
    pub shutdown_drain_ms: u64,
    /// Seconds that in-flight requests and jobs get to finish after SIGTERM.
    #[serde(deserialize_with = "parsed")]
    pub shutdown_timeout_secs: u64,
    /// Where a `worker` process serves `/metrics`, `/livez` and `/readyz` (`host:port`); unset,
    /// a worker listens nowhere (a `serve` process serves them on its own port).
    pub worker_metrics_addr: Option<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1".into(),
            port: 8080,
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            cors_allowed_origins: Vec::new(),
            embed_frame_ancestors: vec![
                "https://www.notion.so".into(),
                "https://*.notion.so".into(),
                "https://notion.site".into(),
                "https://*.notion.site".into(),
            ],
            hsts: None,
            shutdown_drain_ms: 1000,
            shutdown_timeout_secs: 30,
            worker_metrics_addr: None,
        }
    }
}

/// Where documents, cache and jobs live.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// Home of the embedded SQLite file.
    pub data_dir: PathBuf,
    /// Documents go to MongoDB when set; may hold a password, hence secret.
    pub mongodb_uri: Option<SecretString>,
    pub mongodb_database: String,
    /// Cache, rate limits, pub/sub and jobs go to Redis when set.
    pub redis_url: Option<SecretString>,
    /// Prefix of every Redis key and channel, so that deployments can share a server.
    pub redis_prefix: String,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            mongodb_uri: None,
            mongodb_database: "notion_graph".into(),
            redis_url: None,
            redis_prefix: "ng".into(),
        }
    }
}

/// The job workers and their schedule.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    #[serde(rename = "job_max_attempts", deserialize_with = "parsed")]
    pub max_attempts: u32,
    /// First retry delay; each later attempt doubles it, with jitter.
    #[serde(rename = "job_backoff_ms", deserialize_with = "parsed")]
    pub backoff_ms: u64,
    #[serde(rename = "job_concurrency", deserialize_with = "parsed")]
    pub concurrency: usize,
    /// Workers beat this often; a dead worker's jobs are re-enqueued after three missed beats
    /// (and at least four seconds).
    #[serde(rename = "job_heartbeat_ms", deserialize_with = "parsed")]
    pub heartbeat_ms: u64,
    /// When housekeeping runs, and due workspace syncs are enqueued: a cron expression with
    /// seconds (`sec min hour day month weekday`).
    pub housekeeping_cron: String,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            backoff_ms: 1000,
            concurrency: 4,
            heartbeat_ms: 5000,
            housekeeping_cron: "0 * * * * *".into(),
        }
    }
}

/// How connected workspaces are kept in sync.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Minutes between scheduled incremental syncs of a new connection.
    #[serde(rename = "sync_interval_minutes", deserialize_with = "parsed")]
    pub interval_minutes: u32,
    /// How long a worker's hold on a workspace lasts unless renewed; a crashed worker's sync
    /// is taken over after this.
    #[serde(rename = "sync_lease_ms", deserialize_with = "parsed")]
    pub lease_ms: u64,
    /// Hours between reconciliations: incremental syncs that also check every page search does
    /// not return (deletions and hidden pages no webhook reported).
    #[serde(deserialize_with = "parsed")]
    pub reconcile_interval_hours: u32,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            interval_minutes: 60,
            lease_ms: 30_000,
            reconcile_interval_hours: 24,
        }
    }
}

/// The Notion API every part of the product talks to: the server, the workers and the
/// commands read it from here, never from a request.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotionSettings {
    /// Notion's API, or a stand-in for it (the simulator).
    #[serde(rename = "notion_api_url")]
    pub api_url: String,
    /// Requests per second a newly connected workspace may spend (Notion allows about 3 per
    /// integration).
    #[serde(rename = "notion_rate", deserialize_with = "parsed")]
    pub rate: f64,
    /// Talk to a built-in Notion simulator serving a generated sample workspace on a loopback
    /// port instead of Notion (`serve --demo`): the product can be tried without an account.
    #[serde(deserialize_with = "parsed")]
    pub demo: bool,
    /// The built-in sample workspace's simulator, when this process started one (every
    /// embedded instance does; see `dashboard::demo`). Not a setting: it is filled in at start.
    #[serde(skip)]
    pub sample: Option<SampleNotion>,
}

/// Where the sample workspace is served, with its integration token and request rate.
#[derive(Debug, Clone)]
pub struct SampleNotion {
    pub api_url: String,
    pub token: String,
    pub rate: f64,
}

impl Default for NotionSettings {
    fn default() -> Self {
        Self {
            api_url: "https://api.notion.com".into(),
            rate: 3.0,
            demo: false,
            sample: None,
        }
    }
}

/// How graph snapshots are kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphSettings {
    /// Snapshots kept per workspace: the newest this many, besides the versions a share link
    /// pins; older ones are deleted with their chunks after each build.
    #[serde(rename = "graph_snapshots_kept", deserialize_with = "parsed")]
    pub snapshots_kept: usize,
    /// How long a rebuild after a sync waits, so that the syncs and webhook re-reads of that
    /// moment make one build rather than one each.
    #[serde(rename = "graph_build_debounce_ms", deserialize_with = "parsed")]
    pub build_debounce_ms: u64,
}

impl Default for GraphSettings {
    fn default() -> Self {
        Self {
            snapshots_kept: 20,
            build_debounce_ms: 10_000,
        }
    }
}

/// Workspace exports, and the Notion export zips users upload.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportSettings {
    /// Days an export (its record and its zip) is kept after it was asked for or finished.
    #[serde(rename = "export_retention_days", deserialize_with = "parsed")]
    pub retention_days: u32,
    /// What the files of one Notion export zip may expand to, in megabytes, nested zips
    /// included: a zip that expands further is refused as a zip bomb.
    #[serde(rename = "zip_expanded_megabytes", deserialize_with = "parsed")]
    pub zip_expanded_megabytes: u64,
}

impl Default for ExportSettings {
    fn default() -> Self {
        Self {
            retention_days: 7,
            zip_expanded_megabytes: 8_192,
        }
    }
}

impl ExportSettings {
    /// The retention in milliseconds.
    pub fn retention_ms(&self) -> i64 {
        i64::from(self.retention_days) * 24 * 3_600_000
    }
}

/// Secrets that protect the admin API and the tokens at rest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Bearer token of the admin API.
    pub admin_token: Option<SecretString>,
    /// Keys that seal Notion tokens at rest: `id:base64key[,id:base64key...]` (32-byte keys;
    /// the first encrypts, all decrypt). Required with MongoDB; an embedded instance without
    /// it keeps its own key in `data_dir/secret.key`.
    pub encryption_keys: Option<SecretString>,
}

/// Accounts and sessions: sign-in with Notion, session timeouts, mail, password hashing.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// The address users reach this instance at, for links in mail and the OAuth redirect;
    /// unset means `http://localhost:<port>`.
    pub public_url: Option<String>,
    /// Sign in with Notion (a public integration): both must be set to enable it.
    pub notion_oauth_client_id: Option<String>,
    pub notion_oauth_client_secret: Option<SecretString>,
    /// A session ends this long after its last use...
    #[serde(deserialize_with = "parsed")]
    pub session_idle_secs: u64,
    /// ...or this long after sign-in, whichever comes first.
    #[serde(deserialize_with = "parsed")]
    pub session_absolute_secs: u64,
    /// Mail goes out through this SMTP server (`smtp://host:port`, `smtps://user:pass@host`,
    /// `smtp://host?tls=required`); unset writes `.eml` files to `data_dir/outbox/`.
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    /// Argon2id hashes computed at once; 0 means every core but one.
    #[serde(deserialize_with = "parsed")]
    pub password_hash_concurrency: usize,
    /// Take the client IP from the last `X-Forwarded-For` hop (only behind a proxy that sets it).
    #[serde(deserialize_with = "parsed")]
    pub trust_forwarded_for: bool,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            public_url: None,
            notion_oauth_client_id: None,
            notion_oauth_client_secret: None,
            session_idle_secs: 7 * 24 * 3600,
            session_absolute_secs: 30 * 24 * 3600,
            smtp_url: None,
            mail_from: "notion-graph <no-reply@localhost>".into(),
            password_hash_concurrency: 0,
            trust_forwarded_for: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Which engine holds what: derived from the settings, printed in the first log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub documents_in_mongodb: bool,
    pub jobs_in_redis: bool,
}

impl Mode {
    /// In embedded mode `serve` also runs the job workers; in production they are separate.
    pub fn is_embedded(self) -> bool {
        !self.jobs_in_redis
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match (self.documents_in_mongodb, self.jobs_in_redis) {
            (false, false) => "embedded",
            (true, true) => "production",
            _ => "mixed",
        };
        let documents = if self.documents_in_mongodb {
            "mongodb"
        } else {
            "sqlite"
        };
        let rest = if self.jobs_in_redis {
            "redis"
        } else {
            "sqlite+memory"
        };
        write!(f, "{name} (documents: {documents}, jobs and cache: {rest})")
    }
}

/// A value given on the command line: the key it sets and the flag that set it.
#[derive(Debug, Clone)]
pub struct FlagValue {
    pub key: &'static str,
    pub flag: &'static str,
    pub value: String,
}

impl Settings {
    pub fn mode(&self) -> Mode {
        Mode {
            documents_in_mongodb: self.storage.mongodb_uri.is_some(),
            jobs_in_redis: self.storage.redis_url.is_some(),
        }
    }

    pub fn hsts_enabled(&self) -> bool {
        let production = Mode {
            documents_in_mongodb: true,
            jobs_in_redis: true,
        };
        self.server.hsts.unwrap_or(self.mode() == production)
    }

    /// Where links in mail and OAuth redirects point, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.accounts.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://localhost:{}", self.server.port),
        }
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.storage.data_dir.join("notion-graph.sqlite")
    }

    /// Layers the sources in order: defaults, `file`, `env`, then `flags`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[FlagValue],
    ) -> Result<Self, ConfigError> {
        let mut layers = layers::Layers::default();
        if let Some(path) = file {
            layers.add_file(path)?;
        }
        layers.add_env(env);
        layers.add_flags(flags);
        let settings = layers.into_settings()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks that need more than a type: the values must also make sense together.
    fn validate(&self) -> Result<(), ConfigError> {
        use std::str::FromStr;
        let cron = &self.jobs.housekeeping_cron;
        cron::Schedule::from_str(cron).map_err(|e| {
            ConfigError(format!(
                "key `housekeeping_cron`: `{cron}` is not a cron expression with seconds: {e}"
            ))
        })?;
        if self.storage.mongodb_uri.is_some() && self.security.encryption_keys.is_none() {
            return Err(ConfigError(
                "key `encryption_keys`: required with `mongodb_uri`, so that every instance seals and opens tokens with the same keys".into(),
            ));
        }
        if self.sync.interval_minutes == 0 || self.sync.lease_ms < 1000 {
            return Err(ConfigError(
                "keys `sync_interval_minutes` and `sync_lease_ms`: expected at least 1 minute and 1000 ms".into(),
            ));
        }
        if self.server.max_body_bytes == 0 {
            return Err(ConfigError(
                "key `max_body_bytes`: expected a number of bytes above 0".into(),
            ));
        }
        if self.graph.snapshots_kept == 0 {
            return Err(ConfigError(
                "key `graph_snapshots_kept`: expected at least 1 (the newest snapshot is always kept)".into(),
            ));
        }
        if self.export.retention_days == 0 || self.export.zip_expanded_megabytes == 0 {
            return Err(ConfigError(
                "keys `export_retention_days` and `zip_expanded_megabytes`: expected at least 1"
                    .into(),
            ));
        }
        let accounts = &self.accounts;
        accounts.validate_mail()?;
        self.billing.validate()?;
        self.assistant.validate()?;
        self.alerts.validate()?;
        self.server.validate()?;
        if accounts.session_idle_secs == 0
            || accounts.session_absolute_secs < accounts.session_idle_secs
        {
            return Err(ConfigError(
                "keys `session_idle_secs` and `session_absolute_secs`: expected an idle timeout above 0 and an absolute timeout at least as long".into(),
            ));
        }
        self.notion.validate()
    }
}

impl AccountSettings {
    /// Mail is sent long after start-up: a bad sender or server is refused now, by key.
    fn validate_mail(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError(format!(
                "key `mail_from`: `{}` is not a mailbox (e.g. `notion-graph <no-reply@example.com>`)",
                self.mail_from
            )));
        }
        let smtp = self
            .smtp_url
            .as_ref()
            .map(|url| url.expose_secret().to_owned());
        let bad_smtp = smtp.is_some_and(|url| {
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url).is_err()
        });
        if bad_smtp {
            return Err(ConfigError(
                "key `smtp_url`: expected smtp://host:port, smtps://user:password@host or smtp://host?tls=required".into(),
            ));
        }
        Ok(())
    }
}

impl ServerSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        let address = self.worker_metrics_addr.as_deref();
        if address.is_some_and(|a| a.parse::<std::net::SocketAddr>().is_err()) {
            return Err(ConfigError(format!(
                "key `worker_metrics_addr`: `{}` is not an address such as 0.0.0.0:9464",
                address.unwrap_or_default()
            )));
        }
        Ok(())
    }
}

impl NotionSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        let url = url::Url::parse(&self.api_url).ok();
        if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
            return Err(ConfigError(format!(
                "key `notion_api_url`: `{}` is not an http(s) URL",
                self.api_url
            )));
        }
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(ConfigError(format!(
                "key `notion_rate`: `{}` is not a positive number of requests per second",
                self.rate
            )));
        }
        Ok(())
    }
}

/// A configuration value that could not be used; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl From<ConfigError> for crate::error::AppError {
    fn from(error: ConfigError) -> Self {
        crate::error::AppError::new(crate::error::Code::InvalidSetting, error.to_string())
    }
}

#[cfg(test)]
mod tests;
