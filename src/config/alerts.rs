//! Settings of in-product alerting: the rules over the service's own metrics, the webhook
//! receivers notifications go to, and how often the rules are evaluated. The `alert_rules` key
//! changes the defaults rather than replacing them, as `plans` does: an entry named like a
//! default rule starts from it (`[{"name":"dead_letters","threshold":5}]` changes that
//! threshold alone, `"enabled":false` turns it off); an entry with a new name is a whole rule.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::ConfigError;
use super::values::parsed;

/// What a rule watches: one of the service's own metrics, summed over every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Jobs that failed every attempt, by `queue` (a count, not a rate).
    DeadLetters,
    /// Sync runs that ended `failed` within the window.
    SyncFailures,
    /// The share of HTTP responses that were 5xx within the window (0 to 1).
    Http5xxRatio,
    /// The share of calls to Notion answered 429 within the window (0 to 1).
    Notion429Ratio,
    /// Seconds the oldest job due to run has waited, by `queue`.
    JobQueueAgeSeconds,
    /// Webhook deliveries refused for a missing or wrong signature within the window, by
    /// `source`.
    WebhookRejections,
}

impl Signal {
    /// Whether the value is counted over the rule's `window_secs` (otherwise it is a level).
    pub fn is_windowed(self) -> bool {
        !matches!(self, Signal::DeadLetters | Signal::JobQueueAgeSeconds)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One rule: it fires when `signal` is above `threshold` for `for_secs` in a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Names the rule in notifications and history (letters, digits and `_`).
    pub name: String,
    pub signal: Signal,
    /// Fires when the value is above this.
    pub threshold: f64,
    /// The window a counted signal is measured over (ignored by levels).
    #[serde(default = "default_window")]
    pub window_secs: u64,
    /// How long the value must stay above the threshold before the alert fires.
    #[serde(default)]
    pub for_secs: u64,
    pub severity: Severity,
    /// Extra labels, for routing to receivers (`team = "billing"`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// One line a person reads in the notification.
    #[serde(default)]
    pub summary: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn default_window() -> u64 {
    300
}

fn enabled() -> bool {
    true
}

fn rule(name: &str, signal: Signal, threshold: f64, window: u64, for_secs: u64) -> AlertRule {
    AlertRule {
        name: name.into(),
        signal,
        threshold,
        window_secs: window,
        for_secs,
        severity: Severity::Warning,
        labels: BTreeMap::new(),
        summary: String::new(),
        enabled: true,
    }
}

/// The rules when the settings change none of them; `deploy/prometheus/alerts.yml` mirrors them.
pub fn default_alert_rules() -> Vec<AlertRule> {
    use Signal::*;
    let with = |mut rule: AlertRule, severity, summary: &str| {
        rule.severity = severity;
        rule.summary = summary.into();
        rule
    };
    vec![
        with(
            rule("dead_letters", DeadLetters, 0.0, 0, 300),
            Severity::Warning,
            "jobs failed every attempt: read the error in /admin, fix the cause, replay them",
        ),
        with(
            rule("sync_failures", SyncFailures, 3.0, 3600, 0),
            Severity::Warning,
            "sync runs are failing: see the workspaces' sync history and the worker logs",
        ),
        with(
            rule("http_5xx", Http5xxRatio, 0.02, 300, 300),
            Severity::Critical,
            "more than 2% of requests answer 5xx: check /readyz, MongoDB and Redis",
        ),
        with(
            rule("notion_rate_limited", Notion429Ratio, 0.1, 600, 900),
            Severity::Warning,
            "more than 10% of calls to Notion are rate limited: syncs are slow",
        ),
        with(
            rule("job_queue_age", JobQueueAgeSeconds, 600.0, 0, 300),
            Severity::Warning,
            "jobs wait more than 10 minutes for a worker: check the worker processes",
        ),
        with(
            rule("webhook_rejections", WebhookRejections, 5.0, 900, 0),
            Severity::Warning,
            "webhook deliveries are refused for their signature: a secret was rotated or someone probes",
        ),
    ]
}

/// How a receiver wants its notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiverFormat {
    /// The documented JSON body (`docs/operations.md`, "Alert notifications").
    #[default]
    Json,
    /// A Slack incoming-webhook body (`text` and `blocks`), which Mattermost and others read too.
    Slack,
}

/// A webhook that notifications go to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertReceiver {
    pub name: String,
    /// Secret: a Slack webhook URL is a credential.
    pub url: SecretString,
    #[serde(default)]
    pub format: ReceiverFormat,
    /// Signs each body (HMAC-SHA256, header `Notion-Graph-Signature`); unset sends unsigned.
    pub secret: Option<SecretString>,
    /// Only alerts whose labels have all these values go here; empty takes every alert.
    #[serde(default, rename = "match")]
    pub matchers: BTreeMap<String, String>,
}

/// Alerting: rules, receivers, and the evaluation interval.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    #[serde(deserialize_with = "rules")]
    pub alert_rules: Vec<AlertRule>,
    #[serde(deserialize_with = "receivers")]
    pub alert_receivers: Vec<AlertReceiver>,
    /// Seconds between two evaluations (and between two reports of each instance's counters).
    #[serde(deserialize_with = "parsed")]
    pub alert_interval_secs: u64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            alert_rules: default_alert_rules(),
            alert_receivers: Vec::new(),
            alert_interval_secs: 30,
        }
    }
}

/// A TOML array of tables, or the same as JSON text (environment variables).
fn entries<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &str,
) -> Result<Vec<Map<String, Value>>, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Items(Vec<Map<String, Value>>),
        Text(String),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Items(items) => Ok(items),
        Raw::Text(text) => serde_json::from_str(&text)
            .map_err(|e| D::Error::custom(format!("expected a JSON array of {what}: {e}"))),
    }
}

fn rules<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<AlertRule>, D::Error> {
    let entries = entries(deserializer, "rules")?;
    merge_rules(default_alert_rules(), entries).map_err(serde::de::Error::custom)
}

fn receivers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<AlertReceiver>, D::Error> {
    entries(deserializer, "receivers")?
        .into_iter()
        .map(|entry| serde_json::from_value(Value::Object(entry)))
        .collect::<Result<_, _>>()
        .map_err(|e| serde::de::Error::custom(format!("a receiver: {e}")))
}

/// Applies `entries` over `rules`, by name (see the module's documentation).
fn merge_rules(
    mut rules: Vec<AlertRule>,
    entries: Vec<Map<String, Value>>,
) -> Result<Vec<AlertRule>, String> {
    for entry in entries {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .ok_or("every rule needs a `name`")?
            .to_owned();
        let position = rules.iter().position(|r| r.name == name);
        let mut merged = match position.map(|i| serde_json::to_value(&rules[i])) {
            Some(Ok(Value::Object(fields))) => fields,
            _ => Map::new(),
        };
        merged.extend(entry);
        let rule: AlertRule = serde_json::from_value(Value::Object(merged))
            .map_err(|e| format!("rule `{name}`: {e}"))?;
        match position {
            Some(i) => rules[i] = rule,
            None => rules.push(rule),
        }
    }
    Ok(rules)
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl AlertSettings {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.alert_interval_secs == 0 {
            return Err(ConfigError(
                "key `alert_interval_secs`: expected at least 1 second".into(),
            ));
        }
        let mut names = std::collections::HashSet::new();
        for rule in &self.alert_rules {
            let problem = if !is_name(&rule.name) || !names.insert(&rule.name) {
                Some("names must be unique letters, digits, `_` or `-`")
            } else if !rule.threshold.is_finite() {
                Some("`threshold` must be a number")
            } else if rule.signal.is_windowed() && rule.window_secs == 0 {
                Some("`window_secs` must be at least 1 for a counted signal")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(ConfigError(format!(
                    "key `alert_rules`: rule `{}`: {problem}",
                    rule.name
                )));
            }
        }
        self.validate_receivers()
    }

    fn validate_receivers(&self) -> Result<(), ConfigError> {
        let mut names = std::collections::HashSet::new();
        for receiver in &self.alert_receivers {
            let url = url::Url::parse(receiver.url.expose_secret()).ok();
            let problem = if !is_name(&receiver.name) || !names.insert(&receiver.name) {
                "names must be unique letters, digits, `_` or `-`"
            } else if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
                "`url` is not an http(s) URL"
            } else {
                continue;
            };
            return Err(ConfigError(format!(
                "key `alert_receivers`: receiver `{}`: {problem}",
                receiver.name
            )));
        }
        Ok(())
    }

    /// The longest window of any rule: how far back each instance keeps its counters.
    pub fn longest_window_secs(&self) -> u64 {
        self.alert_rules
            .iter()
            .filter(|r| r.enabled && r.signal.is_windowed())
            .map(|r| r.window_secs)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn objects(values: Vec<Value>) -> Vec<Map<String, Value>> {
        values
            .into_iter()
            .map(|v| v.as_object().unwrap().clone())
            .collect()
    }

    #[test]
    fn an_entry_named_like_a_default_rule_changes_only_what_it_says() {
        let entries = objects(vec![
            json!({"name": "dead_letters", "threshold": 4, "labels": {"team": "ops"}}),
            json!({"name": "http_5xx", "enabled": false}),
        ]);
        let rules = merge_rules(default_alert_rules(), entries).unwrap();
        let dead = &rules[0];
        assert_eq!((dead.threshold, dead.for_secs), (4.0, 300));
        assert_eq!(dead.labels["team"], "ops");
        assert!(!rules.iter().find(|r| r.name == "http_5xx").unwrap().enabled);
        assert_eq!(rules.len(), default_alert_rules().len());
    }

    #[test]
    fn a_new_rule_must_be_whole_and_names_its_field() {
        let whole = objects(vec![json!({
            "name": "exports", "signal": "sync_failures", "threshold": 0, "severity": "info"
        })]);
        let rules = merge_rules(default_alert_rules(), whole).unwrap();
        assert_eq!(rules.last().unwrap().window_secs, 300);
        let partial = objects(vec![json!({"name": "mine", "threshold": 1})]);
        let error = merge_rules(default_alert_rules(), partial).unwrap_err();
        assert!(
            error.contains("mine") && error.contains("signal"),
            "{error}"
        );
        let unknown = objects(vec![json!({"name": "dead_letters", "treshold": 1})]);
        let error = merge_rules(default_alert_rules(), unknown).unwrap_err();
        assert!(error.contains("treshold"), "{error}");
    }
}
