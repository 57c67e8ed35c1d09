//! What alerting stores: each alert's history (one document per episode of one rule and one set
//! of labels) and each instance's counter reports, which the evaluator sums.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::storage::{Collection, Index};

/// Alert history: pending and firing alerts, and resolved ones until they expire.
pub static ALERTS: Collection = Collection {
    name: "alerts",
    indexes: &[Index::on(&["since"]), Index::on(&["state", "since"])],
    ttl_field: Some("expires_at"),
    archived: true,
};

/// Each instance's recent counters (one document per process), kept one window long.
pub static REPORTS: Collection = Collection {
    name: "alert_reports",
    indexes: &[],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// A resolved alert stays in the history this long.
pub const HISTORY_MS: i64 = 30 * 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Above the threshold, for less than the rule's `for_secs` so far; nothing was sent.
    Pending,
    /// Above the threshold for long enough; receivers were notified.
    Firing,
    /// Back under the threshold after firing; receivers were notified again.
    Resolved,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Firing => "firing",
            Phase::Resolved => "resolved",
        }
    }
}

/// One episode of one alert: a rule and one set of labels, from the moment its value was first
/// seen above the threshold until it is back under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub rule: String,
    /// The rule and the labels that tell this alert from the rule's others
    /// (`dead_letters{queue=sync}`); notifications of one group replace each other.
    pub group: String,
    pub severity: String,
    /// The rule's labels, the series' labels (`queue`, `source`), `alertname` and `severity`.
    pub labels: BTreeMap<String, String>,
    pub state: Phase,
    /// The latest value seen above the threshold.
    pub value: f64,
    pub threshold: f64,
    pub summary: String,
    /// Epoch milliseconds: first seen above the threshold.
    pub since: i64,
    pub fired_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// When housekeeping drops a resolved alert (epoch milliseconds).
    pub expires_at: Option<i64>,
}

/// One instance's counters over its recent past.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// When the process started (epoch ms): every count it has is newer than that.
    pub started_at: i64,
    pub expires_at: i64,
    /// Oldest first, one per report interval.
    pub samples: Vec<Sample>,
}

/// The process's counters at one moment, since it started (see `reports::counters`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub at: i64,
    pub counters: BTreeMap<String, f64>,
}
