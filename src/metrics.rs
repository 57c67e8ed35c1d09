//! Prometheus metrics, shared by every module: HTTP requests and latency by route and status,
//! jobs by state, dead letters, sync runs by how they ended, refused webhook deliveries, calls
//! to Notion, exports, the age of the oldest waiting job, alert notifications. Routes are recorded by pattern (`/api/admin/jobs/{id}`), never by raw
//! path, to bound cardinality.

use std::time::Duration;

use prometheus::proto::MetricType;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    jobs: IntGaugeVec,
    notion_calls: IntCounterVec,
    notion_latency: HistogramVec,
    export_pages: IntCounterVec,
    export_bytes: IntCounter,
    export_runs: IntCounterVec,
    dead_letters: IntGaugeVec,
    sync_runs: IntCounterVec,
    webhook_rejections: IntCounterVec,
    job_queue_age: IntGaugeVec,
    alert_notifications: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("notion_graph".into()), None).expect("valid prefix");
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests served"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let jobs = IntGaugeVec::new(
            Opts::new("jobs", "Jobs by queue and state"),
            &["queue", "state"],
        )
        .expect("valid metric");
        let notion_calls = IntCounterVec::new(
            Opts::new(
                "notion_calls_total",
                "Calls to Notion by endpoint and outcome; rate_limited, service_overload and \
                 transient outcomes are retried",
            ),
            &["endpoint", "outcome"],
        )
        .expect("valid metric");
        let notion_latency = HistogramVec::new(
            HistogramOpts::new("notion_call_duration_seconds", "Latency of calls to Notion")
                .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            &["endpoint"],
        )
        .expect("valid metric");
        let export_pages = IntCounterVec::new(
            Opts::new(
                "export_pages_total",
                "Pages, rows and databases exported (exported) or listed in an export's report \
                 after their retries (failed)",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let export_bytes = IntCounter::with_opts(Opts::new(
            "export_bytes_total",
            "Bytes of files exports wrote",
        ))
        .expect("valid metric");
        let export_runs = IntCounterVec::new(
            Opts::new("export_runs_total", "Exports by how they ended"),
            &["outcome"],
        )
        .expect("valid metric");
        let dead_letters = IntGaugeVec::new(
            Opts::new(
                "dead_letters",
                "Jobs that failed every attempt and wait for an admin to replay or discard them",
            ),
            &["queue"],
        )
        .expect("valid metric");
        let sync_runs = IntCounterVec::new(
            Opts::new(
                "sync_runs_total",
                "Sync runs of this process by how they ended: completed, failed or stopped",
            ),
            &["end"],
        )
        .expect("valid metric");
        let webhook_rejections = IntCounterVec::new(
            Opts::new(
                "webhook_rejections_total",
                "Webhook deliveries refused for a missing or wrong signature, by source",
            ),
            &["source"],
        )
        .expect("valid metric");
        let job_queue_age = IntGaugeVec::new(
            Opts::new(
                "job_queue_age_seconds",
                "Seconds the oldest job due to run has waited for a worker, by queue (0 when none waits)",
            ),
            &["queue"],
        )
        .expect("valid metric");
        let alert_notifications = IntCounterVec::new(
            Opts::new(
                "alert_notifications_total",
                "Alert notifications posted to a receiver, by receiver and outcome (delivered, \
                 failed: retried with backoff)",
            ),
            &["receiver", "outcome"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(jobs.clone()),
            Box::new(notion_calls.clone()),
            Box::new(notion_latency.clone()),
            Box::new(export_pages.clone()),
            Box::new(export_bytes.clone()),
            Box::new(export_runs.clone()),
            Box::new(dead_letters.clone()),
            Box::new(sync_runs.clone()),
            Box::new(webhook_rejections.clone()),
            Box::new(job_queue_age.clone()),
            Box::new(alert_notifications.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric registered once");
        }
        Self {
            registry,
            requests,
            latency,
            jobs,
            notion_calls,
            notion_latency,
            export_pages,
            export_bytes,
            export_runs,
            dead_letters,
            sync_runs,
            webhook_rejections,
            job_queue_age,
            alert_notifications,
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    pub fn observe_notion_call(&self, endpoint: &str, outcome: &str, elapsed: Duration) {
        self.notion_calls
            .with_label_values(&[endpoint, outcome])
            .inc();
        self.notion_latency
            .with_label_values(&[endpoint])
            .observe(elapsed.as_secs_f64());
    }

    /// One export ended (`completed` or `failed`) having exported `pages`, failed `failed`
    /// and written `bytes`.
    pub fn observe_export(&self, outcome: &str, pages: u64, failed: u64, bytes: u64) {
        self.export_runs.with_label_values(&[outcome]).inc();
        self.export_pages
            .with_label_values(&["exported"])
            .inc_by(pages);
        self.export_pages
            .with_label_values(&["failed"])
            .inc_by(failed);
        self.export_bytes.inc_by(bytes);
    }

    pub fn set_jobs(&self, queue: &str, state: &str, count: i64) {
        self.jobs.with_label_values(&[queue, state]).set(count);
    }

    pub fn set_dead_letters(&self, queue: &str, count: i64) {
        self.dead_letters.with_label_values(&[queue]).set(count);
    }

    /// `end` is `completed`, `failed` or `stopped`.
    pub fn observe_sync_run(&self, end: &str) {
        self.sync_runs.with_label_values(&[end]).inc();
    }

    /// `source` is `notion` or `stripe`.
    pub fn observe_webhook_rejection(&self, source: &str) {
        self.webhook_rejections.with_label_values(&[source]).inc();
    }

    pub fn set_job_queue_age(&self, queue: &str, seconds: i64) {
        self.job_queue_age.with_label_values(&[queue]).set(seconds);
    }

    /// `outcome` is `delivered` or `failed`.
    pub fn observe_alert_notification(&self, receiver: &str, outcome: &str) {
        self.alert_notifications
            .with_label_values(&[receiver, outcome])
            .inc();
    }

    /// Every series of the counter or gauge `name` (without the `notion_graph_` prefix) in
    /// this process: its labels and value. Alert rules read the service's metrics through it.
    pub fn series(&self, name: &str) -> Vec<(Vec<(String, String)>, f64)> {
        let full = format!("notion_graph_{name}");
        let families = self.registry.gather();
        let Some(family) = families.iter().find(|f| f.name() == full) else {
            return Vec::new();
        };
        family
            .get_metric()
            .iter()
            .map(|metric| {
                let labels = metric
                    .get_label()
                    .iter()
                    .map(|l| (l.name().to_owned(), l.value().to_owned()))
                    .collect();
                let value = match family.get_field_type() {
                    MetricType::COUNTER => metric.get_counter().get_value(),
                    _ => metric.get_gauge().get_value(),
                };
                (labels, value)
            })
            .collect()
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
