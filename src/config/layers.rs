//! The layered loader: defaults, then an optional TOML file, then environment variables, then
//! command-line flags, each key remembering where its value came from so that a bad value is
//! reported with its key and its source. Keys are flat (`port`, `job_max_attempts`), the same in
//! the file, the environment (`NOTION_GRAPH_<KEY>`) and the flags; each belongs to the section
//! whose struct has a field of that name.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::values::keys_of;
use super::{ConfigError, FlagValue, Settings};

const ENV_PREFIX: &str = "NOTION_GRAPH_";
/// Read under their conventional names, without the prefix.
const CONVENTIONAL: [&str; 2] = ["MONGODB_URI", "REDIS_URL"];

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Env(String),
    Flag(&'static str),
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
pub(super) struct Layers {
    table: toml::Table,
    sources: BTreeMap<String, Source>,
}

impl Layers {
    fn set(&mut self, key: &str, value: toml::Value, source: Source) {
        self.table.insert(key.to_owned(), value);
        self.sources.insert(key.to_owned(), source);
    }

    pub(super) fn add_file(&mut self, path: &Path) -> Result<(), ConfigError> {
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

    pub(super) fn add_env(&mut self, env: impl IntoIterator<Item = (String, String)>) {
        for (name, value) in env {
            let key = if CONVENTIONAL.contains(&name.as_str()) {
                name.to_ascii_lowercase()
            } else {
                match name.strip_prefix(ENV_PREFIX) {
                    Some(rest) => rest.to_ascii_lowercase(),
                    None => continue,
                }
            };
            if value.is_empty() {
                continue;
            }
            self.set(&key, toml::Value::String(value), Source::Env(name));
        }
    }

    pub(super) fn add_flags(&mut self, flags: &[FlagValue]) {
        for flag in flags {
            let value = toml::Value::String(flag.value.clone());
            self.set(flag.key, value, Source::Flag(flag.flag));
        }
    }

    /// Sorts the keys into their sections and reads each; a key no section takes is refused.
    pub(super) fn into_settings(self) -> Result<Settings, ConfigError> {
        let mut layers = self;
        let settings = Settings {
            server: layers.section()?,
            storage: layers.section()?,
            jobs: layers.section()?,
            sync: layers.section()?,
            notion: layers.section()?,
            security: layers.section()?,
            graph: layers.section()?,
            export: layers.section()?,
            accounts: layers.section()?,
            billing: layers.section()?,
            analytics: layers.section()?,
            assistant: layers.section()?,
            alerts: layers.section()?,
        };
        match layers.table.keys().next() {
            None => Ok(settings),
            Some(key) => Err(ConfigError(format!(
                "unknown key `{key}`{}; the README lists every key",
                layers.origin(key)
            ))),
        }
    }

    /// Takes the keys of section `T` out of the table and reads them over its defaults.
    fn section<T: DeserializeOwned>(&mut self) -> Result<T, ConfigError> {
        let mut mine = toml::Table::new();
        for key in keys_of::<T>() {
            if let Some(value) = self.table.remove(*key) {
                mine.insert((*key).to_owned(), value);
            }
        }
        serde_path_to_error::deserialize(mine).map_err(|err| {
            let key = err.path().to_string();
            let inner = err.into_inner();
            ConfigError(format!("key `{key}`{}: {inner}", self.origin(&key)))
        })
    }

    fn origin(&self, key: &str) -> String {
        self.sources
            .get(key)
            .map(|s| format!(" (from {s})"))
            .unwrap_or_default()
    }
}
