//! Counter reports. A counter (requests, Notion calls, sync runs, refused webhooks) lives in the
//! process that counted it, so every instance writes its own to the store each interval, with
//! a window's worth of history; the one evaluator sums what every instance counted within a
//! rule's window. A restarted process is a new instance (a new report), so no count is lost or
//! counted twice when counters start again from zero.

use std::collections::BTreeMap;

use super::model::{REPORTS, Report, Sample};
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::storage::{Filter, Query, StoreResult, Typed};

fn reports(state: &AppState) -> Typed<Report> {
    Typed::new(state.store.clone(), &REPORTS)
}

/// This process's counters that rules read, by the keys [`increase`] takes.
pub fn counters(metrics: &Metrics) -> BTreeMap<String, f64> {
    let mut counters = BTreeMap::new();
    let mut add = |key: String, value: f64| *counters.entry(key).or_insert(0.0) += value;
    for (labels, value) in metrics.series("http_requests_total") {
        add("http_requests".into(), value);
        if label(&labels, "status").starts_with('5') {
            add("http_5xx".into(), value);
        }
    }
    for (labels, value) in metrics.series("notion_calls_total") {
        add("notion_calls".into(), value);
        if label(&labels, "outcome") == "rate_limited" {
            add("notion_429".into(), value);
        }
    }
    for (labels, value) in metrics.series("sync_runs_total") {
        if label(&labels, "end") == "failed" {
            add("sync_failed".into(), value);
        }
    }
    for (labels, value) in metrics.series("webhook_rejections_total") {
        add(
            format!("webhook_rejections:{}", label(&labels, "source")),
            value,
        );
    }
    counters
}

fn label<'a>(labels: &'a [(String, String)], name: &str) -> &'a str {
    labels
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Adds `sample` to `report`, keeping only the samples a window of `keep_ms` needs (the newest
/// one at or before its start, and every later one).
pub fn record(report: &mut Report, sample: Sample, keep_ms: i64) {
    let since = sample.at - keep_ms;
    report.samples.push(sample);
    let first_needed = report
        .samples
        .iter()
        .rposition(|s| s.at <= since)
        .unwrap_or(0);
    report.samples.drain(..first_needed);
}

/// Writes this process's counters now (one document per process, `state.instance`).
pub async fn publish(state: &AppState, started_at: i64, now: i64) -> StoreResult<()> {
    let interval = state.settings.alerts.alert_interval_secs as i64 * 1000;
    let keep = state.settings.alerts.longest_window_secs() as i64 * 1000 + interval;
    let mut report = reports(state)
        .get(&state.instance)
        .await?
        .map(|r| r.value)
        .unwrap_or_else(|| Report {
            started_at,
            ..Report::default()
        });
    let sample = Sample {
        at: now,
        counters: counters(&state.metrics),
    };
    record(&mut report, sample, keep);
    // A dead instance's counts still count until its last window has passed.
    report.expires_at = now + keep + interval;
    reports(state).upsert(&state.instance, &report).await?;
    Ok(())
}

/// Every live instance's report.
pub async fn live(state: &AppState, now: i64) -> StoreResult<Vec<Report>> {
    let (found, _) = reports(state)
        .find(&Query::new(Filter::all()).limit(1000))
        .await?;
    Ok(found
        .into_iter()
        .map(|r| r.value)
        .filter(|r| r.expires_at >= now)
        .collect())
}

/// How much one report's `key` grew since `since`.
fn grew(report: &Report, key: &str, since: i64) -> f64 {
    let value = |sample: &Sample| sample.counters.get(key).copied().unwrap_or(0.0);
    let Some(latest) = report.samples.last() else {
        return 0.0;
    };
    let base = if report.started_at >= since {
        0.0 // everything this process counted is within the window
    } else {
        let at_start = report.samples.iter().rev().find(|s| s.at <= since);
        at_start.or(report.samples.first()).map_or(0.0, value)
    };
    (value(latest) - base).max(0.0)
}

/// How much `key` grew over every instance within the `window_ms` before `now`.
pub fn increase(reports: &[Report], key: &str, window_ms: i64, now: i64) -> f64 {
    reports.iter().map(|r| grew(r, key, now - window_ms)).sum()
}

/// [`increase`] of every key starting with `prefix`, by the rest of the key.
pub fn increases(reports: &[Report], prefix: &str, window_ms: i64, now: i64) -> Vec<(String, f64)> {
    let mut names: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.samples.iter().flat_map(|s| s.counters.keys()))
        .filter_map(|k| k.strip_prefix(prefix))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let key = format!("{prefix}{name}");
            (name.to_owned(), increase(reports, &key, window_ms, now))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: i64, value: f64) -> Sample {
        Sample {
            at,
            counters: BTreeMap::from([("sync_failed".to_string(), value)]),
        }
    }

    #[test]
    fn a_report_keeps_what_its_window_needs_and_no_more() {
        let mut report = Report::default();
        for at in 0..10 {
            record(&mut report, sample(at * 10, at as f64), 25);
        }
        let kept: Vec<i64> = report.samples.iter().map(|s| s.at).collect();
        assert_eq!(kept, vec![60, 70, 80, 90]);
    }

    #[test]
    fn a_process_older_than_the_window_counts_from_the_sample_at_its_start() {
        let report = Report {
            started_at: 0,
            expires_at: 0,
            samples: vec![sample(100, 4.0), sample(200, 6.0), sample(300, 9.0)],
        };
        assert_eq!(
            increase(std::slice::from_ref(&report), "sync_failed", 150, 300),
            5.0
        );
        // No sample that old: the oldest one is the best base there is.
        assert_eq!(increase(&[report], "sync_failed", 290, 300), 5.0);
    }

    #[test]
    fn the_metrics_become_report_counters() {
        let metrics = Metrics::new();
        let ms = std::time::Duration::from_millis(1);
        metrics.observe_request("GET", "/x", 200, ms);
        metrics.observe_request("GET", "/x", 503, ms);
        metrics.observe_notion_call("search", "rate_limited", ms);
        metrics.observe_sync_run("failed");
        metrics.observe_webhook_rejection("stripe");
        let counters = counters(&metrics);
        assert_eq!(counters["http_requests"], 2.0);
        assert_eq!(counters["http_5xx"], 1.0);
        assert_eq!(
            (counters["notion_calls"], counters["notion_429"]),
            (1.0, 1.0)
        );
        assert_eq!(counters["sync_failed"], 1.0);
        assert_eq!(counters["webhook_rejections:stripe"], 1.0);
    }
}
