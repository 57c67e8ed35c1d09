//! The evaluation loop. Every process runs it: each interval it reports its own counters, then
//! tries to take the evaluator lease (the sync lease's compare-and-set, in the store, so the
//! same on SQLite and MongoDB). The one instance that holds it evaluates every rule and records
//! what changed; the lease lasts three intervals, so a dead evaluator is replaced that soon.

use std::collections::HashMap;
use std::time::Duration;

use super::model::{ALERTS, Alert, HISTORY_MS, Phase};
use super::notify::Notify;
use super::reports;
use super::rules::{self, Observed, Series, Step};
use crate::config::AlertRule;
use crate::modules::sync::lease;
use crate::state::AppState;
use crate::storage::{Filter, Order, Query, Record, Typed};

const LEASE_KEY: &str = "alerts-evaluator";

fn alerts(state: &AppState) -> Typed<Alert> {
    Typed::new(state.store.clone(), &ALERTS)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Reports and (under the lease) evaluates every `alert_interval_secs`, until aborted.
pub async fn run(state: AppState) {
    let started_at = now_ms();
    let interval = Duration::from_secs(state.settings.alerts.alert_interval_secs.max(1));
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await; // the first tick is immediate: a process that just started has nothing
    loop {
        ticks.tick().await;
        if let Err(error) = tick(&state, started_at, interval).await {
            tracing::warn!(error = format!("{error:#}"), "alert evaluation failed");
        }
    }
}

async fn tick(state: &AppState, started_at: i64, interval: Duration) -> anyhow::Result<()> {
    reports::publish(state, started_at, now_ms()).await?;
    let holder = &state.instance;
    if lease::acquire(&state.store, LEASE_KEY, holder, interval * 3)
        .await?
        .is_none()
    {
        return Ok(()); // another instance evaluates
    }
    evaluate(state, now_ms()).await
}

/// One evaluation of every rule at `now`.
pub async fn evaluate(state: &AppState, now: i64) -> anyhow::Result<()> {
    let observed = observe(state, now).await?;
    let mut active = active(state).await?;
    for rule in state
        .settings
        .alerts
        .alert_rules
        .iter()
        .filter(|r| r.enabled)
    {
        for series in rules::series(rule, &observed) {
            let current = active.remove(&rules::group_key(&rule.name, &series.labels));
            let breaching = rules::breaches(rule, series.value);
            apply(state, rule, &series, current, breaching, now).await?;
        }
    }
    // What no rule saw this time (a rule turned off, traffic that stopped) no longer breaches.
    for (_, record) in active {
        let phase = Some((record.value.state, record.value.since));
        match rules::step(phase, false, 0, now) {
            Step::Resolve => resolve(state, record, now).await?,
            _ => drop(alerts(state).delete(&record.id).await?),
        }
    }
    Ok(())
}

/// The levels from the shared backend, and every instance's counter reports.
async fn observe(state: &AppState, now: i64) -> anyhow::Result<Observed> {
    state
        .jobs
        .refresh_metrics(&state.metrics, state.modules)
        .await;
    crate::jobs::refresh_metrics(state).await;
    let by_queue = |name: &str| -> Vec<(String, f64)> {
        let series = state.metrics.series(name).into_iter();
        series
            .filter_map(|(labels, value)| {
                let queue = labels.into_iter().find(|(k, _)| k == "queue")?.1;
                Some((queue, value))
            })
            .collect()
    };
    Ok(Observed {
        now,
        dead_letters: by_queue("dead_letters"),
        queue_ages: by_queue("job_queue_age_seconds"),
        reports: reports::live(state, now).await?,
    })
}

/// Pending and firing alerts, by group.
async fn active(state: &AppState) -> anyhow::Result<HashMap<String, Record<Alert>>> {
    let mut active = HashMap::new();
    for phase in [Phase::Pending, Phase::Firing] {
        let query = Query::new(Filter::all().eq("state", phase.as_str()))
            .sort("since", Order::Asc)
            .limit(10_000);
        let (found, _) = alerts(state).find(&query).await?;
        active.extend(found.into_iter().map(|r| (r.value.group.clone(), r)));
    }
    Ok(active)
}

async fn apply(
    state: &AppState,
    rule: &AlertRule,
    series: &Series,
    current: Option<Record<Alert>>,
    breaching: bool,
    now: i64,
) -> anyhow::Result<()> {
    let phase = current.as_ref().map(|r| (r.value.state, r.value.since));
    match (
        rules::step(phase, breaching, rule.for_secs as i64 * 1000, now),
        current,
    ) {
        (Step::Pend, _) => drop(insert(state, fresh(rule, series, Phase::Pending, now)).await?),
        (Step::Fire, None) => {
            let record = insert(state, fresh(rule, series, Phase::Firing, now)).await?;
            notify(state, &record, Phase::Firing).await?;
        }
        (Step::Fire, Some(mut record)) => {
            (record.value.state, record.value.fired_at) = (Phase::Firing, Some(now));
            record.value.value = series.value;
            let record = alerts(state).replace(&record).await?;
            notify(state, &record, Phase::Firing).await?;
        }
        (Step::Refresh, Some(mut record)) if record.value.value != series.value => {
            record.value.value = series.value;
            alerts(state).replace(&record).await?;
        }
        (Step::Resolve, Some(record)) => resolve(state, record, now).await?,
        (Step::Forget, Some(record)) => drop(alerts(state).delete(&record.id).await?),
        _ => {}
    }
    Ok(())
}

fn fresh(rule: &AlertRule, series: &Series, phase: Phase, now: i64) -> Alert {
    Alert {
        rule: rule.name.clone(),
        group: rules::group_key(&rule.name, &series.labels),
        severity: rule.severity.as_str().into(),
        labels: rules::alert_labels(rule, series),
        state: phase,
        value: series.value,
        threshold: rule.threshold,
        summary: rule.summary.clone(),
        since: now,
        fired_at: (phase == Phase::Firing).then_some(now),
        resolved_at: None,
        expires_at: None,
    }
}

async fn insert(state: &AppState, alert: Alert) -> anyhow::Result<Record<Alert>> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    Ok(alerts(state).insert(&id, &alert).await?)
}

async fn resolve(state: &AppState, mut record: Record<Alert>, now: i64) -> anyhow::Result<()> {
    record.value.state = Phase::Resolved;
    record.value.resolved_at = Some(now);
    record.value.expires_at = Some(now + HISTORY_MS);
    let record = alerts(state).replace(&record).await?;
    notify(state, &record, Phase::Resolved).await
}

/// Enqueues one notification per receiver whose matchers the alert's labels satisfy.
async fn notify(state: &AppState, record: &Record<Alert>, status: Phase) -> anyhow::Result<()> {
    let alert = &record.value;
    tracing::info!(
        group = alert.group,
        value = alert.value,
        status = status.as_str(),
        "alert"
    );
    let receivers = &state.settings.alerts.alert_receivers;
    for receiver in receivers
        .iter()
        .filter(|r| rules::routes_to(&r.matchers, &alert.labels))
    {
        let job = Notify {
            alert: record.id.clone(),
            receiver: receiver.name.clone(),
            status,
        };
        state.jobs.push(&job).await?;
    }
    Ok(())
}
