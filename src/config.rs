//! Settings, parsed once at start-up: defaults, then an optional TOML file, then environment
//! variables (`NOTION_GRAPH_<KEY>`, plus the conventional `MONGODB_URI` and `REDIS_URL`), then
//! command-line flags. Secrets are [`SecretString`]s, which never print. A bad value is reported
//! with its key and where it came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

const ENV_PREFIX: &str = "NOTION_GRAPH_";

/// Where the values of a running instance come from; see the README for each key.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub bind: String,
    #[serde(deserialize_with = "parsed")]
    pub port: u16,
    /// Home of the embedded SQLite file.
    pub data_dir: PathBuf,
    /// Documents go to MongoDB when set; may hold a password, hence secret.
    pub mongodb_uri: Option<SecretString>,
    pub mongodb_database: String,
    /// Cache, rate limits, pub/sub and jobs go to Redis when set.
    pub redis_url: Option<SecretString>,
    /// Prefix of every Redis key and channel, so that deployments can share a server.
    pub redis_prefix: String,
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
    /// Bearer token for the admin API until accounts and roles exist.
    pub admin_token: Option<SecretString>,
    #[serde(deserialize_with = "parsed")]
    pub job_max_attempts: u32,
    /// First retry delay; each later attempt doubles it, with jitter.
    #[serde(deserialize_with = "parsed")]
    pub job_backoff_ms: u64,
    #[serde(deserialize_with = "parsed")]
    pub job_concurrency: usize,
    /// Workers beat this often; a dead worker's jobs are re-enqueued after three missed beats.
    #[serde(deserialize_with = "parsed")]
    pub job_heartbeat_ms: u64,
    /// When housekeeping runs, and due workspace syncs are enqueued: a cron expression with
    /// seconds (`sec min hour day month weekday`).
    pub housekeeping_cron: String,
    /// Keys that seal Notion tokens at rest: `id:base64key[,id:base64key...]` (32-byte keys;
    /// the first encrypts, all decrypt). Required with MongoDB; an embedded instance without
    /// it keeps its own key in `data_dir/secret.key`.
    pub encryption_keys: Option<SecretString>,
    /// Minutes between scheduled incremental syncs of a new connection.
    #[serde(deserialize_with = "parsed")]
    pub sync_interval_minutes: u32,
    /// How long a worker's hold on a workspace lasts unless renewed; a crashed worker's sync
    /// is taken over after this.
    #[serde(deserialize_with = "parsed")]
    pub sync_lease_ms: u64,
    /// Hours between reconciliations: incremental syncs that also check every page search does
    /// not return (deletions and hidden pages no webhook reported).
    #[serde(deserialize_with = "parsed")]
    pub reconcile_interval_hours: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1".into(),
            port: 8080,
            data_dir: PathBuf::from("./data"),
            mongodb_uri: None,
            mongodb_database: "notion_graph".into(),
            redis_url: None,
            redis_prefix: "ng".into(),
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            cors_allowed_origins: Vec::new(),
            embed_frame_ancestors: vec![
                "https://www.notion.so".into(),
                "https://*.notion.so".into(),
                "https://*.notion.site".into(),
            ],
            hsts: None,
            shutdown_drain_ms: 1000,
            shutdown_timeout_secs: 30,
            admin_token: None,
            job_max_attempts: 5,
            job_backoff_ms: 1000,
            job_concurrency: 4,
            job_heartbeat_ms: 5000,
            housekeeping_cron: "0 * * * * *".into(),
            encryption_keys: None,
            sync_interval_minutes: 60,
            sync_lease_ms: 30_000,
            reconcile_interval_hours: 24,
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

impl Settings {
    pub fn mode(&self) -> Mode {
        Mode {
            documents_in_mongodb: self.mongodb_uri.is_some(),
            jobs_in_redis: self.redis_url.is_some(),
        }
    }

    pub fn hsts_enabled(&self) -> bool {
        self.hsts.unwrap_or(
            self.mode()
                == Mode {
                    documents_in_mongodb: true,
                    jobs_in_redis: true,
                },
        )
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("notion-graph.sqlite")
    }

    /// Layers the sources in order; `flags` are `(key, value)` pairs from the command line.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[(&str, String)],
    ) -> Result<Self, ConfigError> {
        let mut layers = Layers::default();
        if let Some(path) = file {
            layers.add_file(path)?;
        }
        layers.add_env(env)?;
        for (key, value) in flags {
            layers.set(
                key,
                toml::Value::String(value.clone()),
                Source::Flag(key.replace('_', "-")),
            );
        }
        let settings = layers.into_settings()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks that need more than a type: the values must also make sense together.
    fn validate(&self) -> Result<(), ConfigError> {
        use std::str::FromStr;
        cron::Schedule::from_str(&self.housekeeping_cron).map_err(|e| {
            ConfigError(format!(
                "key `housekeeping_cron`: `{}` is not a cron expression with seconds: {e}",
                self.housekeeping_cron
            ))
        })?;
        if self.mongodb_uri.is_some() && self.encryption_keys.is_none() {
            return Err(ConfigError(
                "key `encryption_keys`: required with `mongodb_uri`, so that every instance seals and opens tokens with the same keys".into(),
            ));
        }
        if self.sync_interval_minutes == 0 || self.sync_lease_ms < 1000 {
            return Err(ConfigError(
                "keys `sync_interval_minutes` and `sync_lease_ms`: expected at least 1 minute and 1000 ms".into(),
            ));
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError(
                "key `max_body_bytes`: expected a number of bytes above 0".into(),
            ));
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

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Env(String),
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Flag(name) => write!(f, "flag --{name}"),
        }
    }
}

#[derive(Default)]
struct Layers {
    table: toml::Table,
    sources: BTreeMap<String, Source>,
}

impl Layers {
    fn set(&mut self, key: &str, value: toml::Value, source: Source) {
        self.table.insert(key.to_owned(), value);
        self.sources.insert(key.to_owned(), source);
    }

    fn add_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
        let table: toml::Table = text.parse().map_err(|e| {
            ConfigError(format!(
                "config file {} is not valid TOML: {e}",
                path.display()
            ))
        })?;
        for (key, value) in table {
            self.set(&key, value, Source::File(path.to_owned()));
        }
        Ok(())
    }

    fn add_env(
        &mut self,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (name, value) in env {
            let key = match name.as_str() {
                "MONGODB_URI" | "REDIS_URL" => name.to_ascii_lowercase(),
                _ => match name.strip_prefix(ENV_PREFIX) {
                    Some(rest) => rest.to_ascii_lowercase(),
                    None => continue,
                },
            };
            if value.is_empty() {
                continue;
            }
            self.set(&key, toml::Value::String(value), Source::Env(name));
        }
        Ok(())
    }

    fn into_settings(self) -> Result<Settings, ConfigError> {
        let Layers { table, sources } = self;
        serde_path_to_error::deserialize(table).map_err(|err| {
            let key = err.path().to_string();
            let origin = sources
                .get(&key)
                .map(|s| format!(" (from {s})"))
                .unwrap_or_default();
            let inner = err.into_inner().to_string();
            if key == "." {
                // deny_unknown_fields reports at the root; the message names the key.
                ConfigError(inner)
            } else {
                ConfigError(format!("key `{key}`{origin}: {inner}"))
            }
        })
    }
}

/// Accepts a native TOML value or a string to parse (environment variables and flags are text).
fn parsed<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw<T> {
        Native(T),
        Text(String),
    }
    match Raw::<T>::deserialize(deserializer)? {
        Raw::Native(value) => Ok(value),
        Raw::Text(text) => text.trim().parse().map_err(|_| {
            serde::de::Error::custom(format!(
                "`{text}` is not valid; expected {}",
                describe::<T>()
            ))
        }),
    }
}

fn parsed_option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
{
    parsed(deserializer).map(Some)
}

fn describe<T>() -> &'static str {
    match std::any::type_name::<T>() {
        "u16" => "a whole number from 0 to 65535",
        "u32" | "u64" | "usize" => "a whole number of 0 or more",
        "bool" => "true or false",
        other => other,
    }
}

/// A list: a TOML array, or comma-separated text.
fn list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Items(Vec<String>),
        Text(String),
    }
    Ok(match Raw::deserialize(deserializer)? {
        Raw::Items(items) => items,
        Raw::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_describe_the_embedded_mode() {
        let settings = Settings::load(None, env(&[]), &[]).unwrap();
        assert_eq!(settings.port, 8080);
        assert_eq!(settings.bind, "127.0.0.1");
        assert!(settings.mode().is_embedded());
        assert!(!settings.hsts_enabled());
    }

    #[test]
    fn later_layers_win_file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "port = 9000\nbind = \"0.0.0.0\"\njob_max_attempts = 7\n",
        )
        .unwrap();
        let settings = Settings::load(
            Some(&file),
            env(&[
                ("NOTION_GRAPH_PORT", "9100"),
                ("NOTION_GRAPH_JOB_MAX_ATTEMPTS", "3"),
            ]),
            &[("port", "9200".into())],
        )
        .unwrap();
        assert_eq!(settings.port, 9200);
        assert_eq!(settings.bind, "0.0.0.0");
        assert_eq!(settings.job_max_attempts, 3);
    }

    const KEYS: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    #[test]
    fn mongodb_without_sealing_keys_is_refused_by_key() {
        let refused = Settings::load(None, env(&[("MONGODB_URI", "mongodb://h/")]), &[]);
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("`encryption_keys`"), "{message}");
    }

    #[test]
    fn conventional_service_urls_select_production_mode() {
        let settings = Settings::load(
            None,
            env(&[
                ("MONGODB_URI", "mongodb://u:pw@h/"),
                ("REDIS_URL", "redis://h/"),
                ("NOTION_GRAPH_ENCRYPTION_KEYS", KEYS),
            ]),
            &[],
        )
        .unwrap();
        assert!(!settings.mode().is_embedded());
        assert!(settings.hsts_enabled());
        assert_eq!(
            settings.mongodb_uri.unwrap().expose_secret(),
            "mongodb://u:pw@h/"
        );
    }

    #[test]
    fn a_bad_value_names_its_key_and_source() {
        let err = Settings::load(None, env(&[("NOTION_GRAPH_PORT", "eighty")]), &[]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("`port`"), "{message}");
        assert!(message.contains("NOTION_GRAPH_PORT"), "{message}");
        assert!(message.contains("0 to 65535"), "{message}");
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let err = Settings::load(None, env(&[("NOTION_GRAPH_PROT", "1")]), &[]).unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err =
            Settings::load(Some(Path::new("/nonexistent/x.toml")), env(&[]), &[]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.toml"), "{err}");
    }

    #[test]
    fn a_bad_cron_expression_is_refused_by_key() {
        let err = Settings::load(
            None,
            env(&[("NOTION_GRAPH_HOUSEKEEPING_CRON", "every day")]),
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("housekeeping_cron"), "{err}");
    }

    #[test]
    fn secrets_never_print() {
        let settings = Settings::load(
            None,
            env(&[("NOTION_GRAPH_ADMIN_TOKEN", "hunter2-secret")]),
            &[],
        )
        .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2-secret"), "{printed}");
    }

    #[test]
    fn lists_accept_comma_separated_text() {
        let settings = Settings::load(
            None,
            env(&[(
                "NOTION_GRAPH_CORS_ALLOWED_ORIGINS",
                "https://a.example, https://b.example",
            )]),
            &[],
        )
        .unwrap();
        assert_eq!(
            settings.cors_allowed_origins,
            ["https://a.example", "https://b.example"]
        );
    }
}
