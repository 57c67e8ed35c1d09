//! The pure part of alerting: what each rule sees (its series, one per set of labels), whether a
//! series breaches, how alerts are grouped, and how an alert moves from pending to firing to
//! resolved. Nothing here reads a clock or a store.

use std::collections::BTreeMap;

use super::model::{Phase, Report};
use super::reports::{increase, increases};
use crate::config::{AlertRule, Signal};

/// What the evaluator observed at `now`: the levels read from the shared backend, and every
/// live instance's counter reports.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub now: i64,
    /// Dead letters by queue.
    pub dead_letters: Vec<(String, f64)>,
    /// Seconds the oldest due job has waited, by queue.
    pub queue_ages: Vec<(String, f64)>,
    pub reports: Vec<Report>,
}

/// One value a rule sees, with the labels that tell it from the rule's other values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

fn labelled(label: &str, values: impl IntoIterator<Item = (String, f64)>) -> Vec<Series> {
    values
        .into_iter()
        .map(|(name, value)| Series {
            labels: BTreeMap::from([(label.to_owned(), name)]),
            value,
        })
        .collect()
}

fn single(value: Option<f64>) -> Vec<Series> {
    value
        .map(|value| Series {
            labels: BTreeMap::new(),
            value,
        })
        .into_iter()
        .collect()
}

/// `part / whole` over the window; nothing when nothing happened (no traffic is no ratio).
fn ratio(reports: &[Report], part: &str, whole: &str, window: i64, now: i64) -> Option<f64> {
    let whole = increase(reports, whole, window, now);
    (whole > 0.0).then(|| increase(reports, part, window, now) / whole)
}

/// The series `rule` sees in `observed`.
pub fn series(rule: &AlertRule, observed: &Observed) -> Vec<Series> {
    let (reports, now) = (&observed.reports[..], observed.now);
    let window = rule.window_secs as i64 * 1000;
    match rule.signal {
        Signal::DeadLetters => labelled("queue", observed.dead_letters.clone()),
        Signal::JobQueueAgeSeconds => labelled("queue", observed.queue_ages.clone()),
        Signal::SyncFailures => single(Some(increase(reports, "sync_failed", window, now))),
        Signal::Http5xxRatio => single(ratio(reports, "http_5xx", "http_requests", window, now)),
        Signal::Notion429Ratio => single(ratio(reports, "notion_429", "notion_calls", window, now)),
        Signal::WebhookRejections => labelled(
            "source",
            increases(reports, "webhook_rejections:", window, now),
        ),
    }
}

/// Whether a value is one the rule fires on.
pub fn breaches(rule: &AlertRule, value: f64) -> bool {
    value > rule.threshold
}

/// What identifies an alert: its rule and its series' labels, e.g. `dead_letters{queue=sync}`.
pub fn group_key(rule: &str, labels: &BTreeMap<String, String>) -> String {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{rule}{{{}}}", labels.join(","))
}

/// Every label of an alert: the rule's own, its series', its name and its severity (which
/// receivers route on).
pub fn alert_labels(rule: &AlertRule, series: &Series) -> BTreeMap<String, String> {
    let mut labels = rule.labels.clone();
    labels.extend(series.labels.clone());
    labels.insert("alertname".into(), rule.name.clone());
    labels.insert("severity".into(), rule.severity.as_str().into());
    labels
}

/// Whether a receiver with these matchers takes an alert with these labels.
pub fn routes_to(matchers: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// What becomes of one alert at one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing to record.
    Nothing,
    /// Newly above the threshold, and the rule wants it to stay there a while first.
    Pend,
    /// Fires now: receivers are notified.
    Fire,
    /// Still firing (or still pending): its value is updated.
    Refresh,
    /// Back under the threshold after firing: receivers are notified.
    Resolve,
    /// Back under the threshold before it fired: forgotten, nobody was told.
    Forget,
}

/// The transition of an alert that is `current` (its phase and since when it breaches, if it
/// is pending or firing) when the condition now is `breaching`.
pub fn step(current: Option<(Phase, i64)>, breaching: bool, for_ms: i64, now: i64) -> Step {
    match (current, breaching) {
        (None, false) => Step::Nothing,
        (None, true) if for_ms <= 0 => Step::Fire,
        (None, true) => Step::Pend,
        (Some((Phase::Pending, since)), true) if now - since >= for_ms => Step::Fire,
        (Some((Phase::Pending | Phase::Firing, _)), true) => Step::Refresh,
        (Some((Phase::Pending, _)), false) => Step::Forget,
        (Some((Phase::Firing, _)), false) => Step::Resolve,
        (Some((Phase::Resolved, _)), _) => Step::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_alert_rules;
    use crate::modules::alerts::model::Sample;

    fn rule(name: &str) -> AlertRule {
        default_alert_rules()
            .into_iter()
            .find(|r| r.name == name)
            .unwrap()
    }

    fn report(started_at: i64, samples: &[(i64, &[(&str, f64)])]) -> Report {
        Report {
            started_at,
            expires_at: i64::MAX,
            samples: samples
                .iter()
                .map(|(at, counters)| Sample {
                    at: *at,
                    counters: counters.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn an_alert_pends_then_fires_then_resolves() {
        let for_ms = 300_000;
        assert_eq!(step(None, false, for_ms, 0), Step::Nothing);
        assert_eq!(step(None, true, for_ms, 0), Step::Pend);
        let pending = Some((Phase::Pending, 1_000));
        assert_eq!(step(pending, true, for_ms, 2_000), Step::Refresh);
        assert_eq!(step(pending, true, for_ms, 301_000), Step::Fire);
        assert_eq!(step(pending, false, for_ms, 2_000), Step::Forget);
        let firing = Some((Phase::Firing, 1_000));
        assert_eq!(step(firing, true, for_ms, 900_000), Step::Refresh);
        assert_eq!(step(firing, false, for_ms, 900_000), Step::Resolve);
    }

    #[test]
    fn a_rule_without_a_delay_fires_at_once() {
        assert_eq!(step(None, true, 0, 5), Step::Fire);
    }

    #[test]
    fn the_5xx_ratio_is_summed_over_instances_within_the_window() {
        let now = 1_000_000;
        let old = report(
            0,
            &[
                (
                    now - 400_000,
                    &[("http_requests", 100.0), ("http_5xx", 50.0)],
                ),
                (
                    now - 300_000,
                    &[("http_requests", 200.0), ("http_5xx", 50.0)],
                ),
                (now, &[("http_requests", 290.0), ("http_5xx", 60.0)]),
            ],
        );
        // Started within the window: everything it counted is recent.
        let young = report(now - 10_000, &[(now, &[("http_requests", 10.0)])]);
        let observed = Observed {
            now,
            reports: vec![old, young],
            ..Observed::default()
        };
        let seen = series(&rule("http_5xx"), &observed);
        assert_eq!(seen.len(), 1);
        assert!((seen[0].value - 10.0 / 100.0).abs() < 1e-9, "{seen:?}");
        assert!(breaches(&rule("http_5xx"), seen[0].value));
    }

    #[test]
    fn no_traffic_is_no_ratio_and_levels_carry_their_queue() {
        let observed = Observed {
            now: 10,
            dead_letters: vec![("sync".into(), 2.0), ("canary".into(), 0.0)],
            ..Observed::default()
        };
        assert!(series(&rule("http_5xx"), &observed).is_empty());
        let dead = series(&rule("dead_letters"), &observed);
        assert_eq!(dead[0].labels["queue"], "sync");
        let breaching: Vec<_> = dead
            .iter()
            .filter(|s| breaches(&rule("dead_letters"), s.value))
            .collect();
        assert_eq!(breaching.len(), 1);
    }

    #[test]
    fn webhook_rejections_are_one_series_per_source() {
        let now = 2_000_000;
        let reports = vec![report(
            0,
            &[
                (now - 900_000, &[("webhook_rejections:stripe", 1.0)]),
                (
                    now,
                    &[
                        ("webhook_rejections:stripe", 9.0),
                        ("webhook_rejections:notion", 2.0),
                    ],
                ),
            ],
        )];
        let observed = Observed {
            now,
            reports,
            ..Observed::default()
        };
        let seen = series(&rule("webhook_rejections"), &observed);
        let by_source: BTreeMap<_, _> = seen
            .iter()
            .map(|s| (s.labels["source"].as_str(), s.value))
            .collect();
        assert_eq!(
            by_source,
            BTreeMap::from([("notion", 2.0), ("stripe", 8.0)])
        );
    }

    #[test]
    fn alerts_group_by_rule_and_labels_and_route_by_label() {
        let dead = rule("dead_letters");
        let series = Series {
            labels: BTreeMap::from([("queue".into(), "sync".into())]),
            value: 1.0,
        };
        assert_eq!(
            group_key(&dead.name, &series.labels),
            "dead_letters{queue=sync}"
        );
        let labels = alert_labels(&dead, &series);
        assert_eq!(labels["severity"], "warning");
        let pages = BTreeMap::from([("severity".to_string(), "critical".to_string())]);
        assert!(!routes_to(&pages, &labels));
        assert!(routes_to(&BTreeMap::new(), &labels));
        let sync = BTreeMap::from([("queue".to_string(), "sync".to_string())]);
        assert!(routes_to(&sync, &labels));
    }
}
