//! Notifications: one job per alert, change and receiver, so that a receiver that is down gets
//! the notification later (the job queue retries with backoff, and one that fails every attempt
//! is a dead letter an admin can replay) while the others already have theirs. The body is the
//! documented JSON or a Slack incoming-webhook message, signed with the receiver's secret.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use super::model::{ALERTS, Alert, Phase};
use crate::config::{AlertReceiver, ReceiverFormat};
use crate::jobs::Job;
use crate::state::AppState;
use crate::storage::Typed;

/// The header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "Notion-Graph-Signature";
const TIMEOUT: Duration = Duration::from_secs(10);

/// Tells one receiver that one alert fired or resolved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notify {
    pub alert: String,
    pub receiver: String,
    /// `firing` or `resolved`: what happened, whatever the alert did since.
    pub status: Phase,
}

impl Job for Notify {
    const QUEUE: &'static str = "alert_notify";

    async fn run(self, state: &AppState) -> anyhow::Result<()> {
        let receivers = &state.settings.alerts.alert_receivers;
        let Some(receiver) = receivers.iter().find(|r| r.name == self.receiver) else {
            tracing::warn!(
                receiver = self.receiver,
                "alert receiver no longer configured"
            );
            return Ok(());
        };
        let alerts = Typed::<Alert>::new(state.store.clone(), &ALERTS);
        let Some(alert) = alerts.get(&self.alert).await? else {
            return Ok(()); // expired from the history long ago
        };
        let now = chrono::Utc::now();
        let body = body(
            receiver.format,
            &self.alert,
            &alert.value,
            self.status,
            &state.settings.public_url(),
        );
        let body = serde_json::to_vec(&body)?;
        let outcome = post(receiver, body, now.timestamp()).await;
        let label = if outcome.is_ok() {
            "delivered"
        } else {
            "failed"
        };
        state
            .metrics
            .observe_alert_notification(&receiver.name, label);
        outcome
    }
}

async fn post(receiver: &AlertReceiver, body: Vec<u8>, now: i64) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().timeout(TIMEOUT).build()?;
    let mut request = http
        .post(receiver.url.expose_secret())
        .header("content-type", "application/json");
    if let Some(secret) = &receiver.secret {
        request = request.header(
            SIGNATURE_HEADER,
            signature(secret.expose_secret(), now, &body),
        );
    }
    // The URL is a secret: errors name the receiver, never the address.
    let response = request
        .body(body)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("receiver {}: {}", receiver.name, e.without_url()))?;
    let status = response.status();
    anyhow::ensure!(
        status.is_success(),
        "receiver {} answered {status}",
        receiver.name
    );
    Ok(())
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds): the HMAC-SHA256
/// of `<timestamp>.<body>` under `secret`, as Stripe signs its webhooks, so that a receiver can
/// refuse both forgeries and replays of old deliveries.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// The body a receiver gets for alert `id` at `status`.
pub fn body(
    format: ReceiverFormat,
    id: &str,
    alert: &Alert,
    status: Phase,
    instance: &str,
) -> Value {
    match format {
        ReceiverFormat::Json => json!({
            "version": 1,
            // The same for every retry of one notification: receivers may drop repeats by it.
            "id": format!("{id}:{}", status.as_str()),
            "status": status,
            "group": alert.group,
            "rule": alert.rule,
            "severity": alert.severity,
            "labels": alert.labels,
            "value": alert.value,
            "threshold": alert.threshold,
            "summary": alert.summary,
            "since": alert.since,
            "fired_at": alert.fired_at,
            "resolved_at": alert.resolved_at,
            "instance": instance,
        }),
        ReceiverFormat::Slack => {
            let text = slack_text(alert, status);
            json!({
                "text": text,
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            })
        }
    }
}

/// One line: `[FIRING] warning dead_letters{queue=sync}: 3 (threshold 0). summary`.
fn slack_text(alert: &Alert, status: Phase) -> String {
    let mut text = format!(
        "[{}] {} {}: {} (threshold {})",
        status.as_str().to_uppercase(),
        alert.severity,
        alert.group,
        round(alert.value),
        round(alert.threshold),
    );
    if !alert.summary.is_empty() {
        text.push_str(". ");
        text.push_str(&alert.summary);
    }
    text
}

fn round(value: f64) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn alert() -> Alert {
        Alert {
            rule: "dead_letters".into(),
            group: "dead_letters{queue=sync}".into(),
            severity: "warning".into(),
            labels: BTreeMap::from([("queue".into(), "sync".into())]),
            state: Phase::Firing,
            value: 3.0,
            threshold: 0.0,
            summary: "replay them".into(),
            since: 1,
            fired_at: Some(2),
            resolved_at: None,
            expires_at: None,
        }
    }

    #[test]
    fn the_signature_is_the_hmac_of_the_timestamp_and_the_body() {
        // Computed independently: python3 -c "import hmac,hashlib;
        // print(hmac.new(b'k', b'1700000000.{}', hashlib.sha256).hexdigest())"
        assert_eq!(
            signature("k", 1_700_000_000, b"{}"),
            "t=1700000000,v1=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"
        );
        assert_ne!(
            signature("k", 1_700_000_001, b"{}"),
            signature("k", 1_700_000_000, b"{}")
        );
    }

    #[test]
    fn a_json_body_names_its_notification_and_a_slack_body_reads_as_one_line() {
        let json = body(
            ReceiverFormat::Json,
            "a1",
            &alert(),
            Phase::Resolved,
            "https://x",
        );
        assert_eq!(
            (json["id"].as_str(), json["status"].as_str()),
            (Some("a1:resolved"), Some("resolved"))
        );
        assert_eq!(json["labels"]["queue"], "sync");
        let slack = body(
            ReceiverFormat::Slack,
            "a1",
            &alert(),
            Phase::Firing,
            "https://x",
        );
        assert_eq!(
            slack["text"],
            "[FIRING] warning dead_letters{queue=sync}: 3 (threshold 0). replay them"
        );
        assert_eq!(slack["blocks"][0]["text"]["text"], slack["text"]);
    }
}
