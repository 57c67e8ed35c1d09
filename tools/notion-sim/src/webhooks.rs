//! Webhook delivery: the verification handshake on start, then one signed event per change,
//! POSTed after a short delay (Notion delivers asynchronously) and retried a few times.
//! Signature: `X-Notion-Signature: sha256=<hex HMAC-SHA256(raw body, key = verification_token)>`.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::ids::{Id, dashed, exact_time, now_ms};
use crate::mutate::Change;

/// Delay before an event is sent, like Notion's batching window (kept short for tests).
const DELIVERY_DELAY: Duration = Duration::from_millis(100);
const ATTEMPTS: u32 = 4;

/// Hex HMAC-SHA256 of `body` keyed with the verification token.
pub fn signature(token: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub struct Webhooks {
    pub verification_token: String,
    pub sender: mpsc::UnboundedSender<Change>,
    pub task: JoinHandle<()>,
}

/// Starts the delivery task: handshake first, then events in order.
pub fn spawn(url: String, workspace_id: Id) -> Webhooks {
    let verification_token = format!("secret_{}", uuid::Uuid::new_v4().simple());
    let (sender, mut receiver) = mpsc::unbounded_channel::<Change>();
    let token = verification_token.clone();
    let task = tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        let handshake = json!({ "verification_token": token }).to_string();
        deliver(&client, &url, handshake, None).await;
        let subscription = uuid::Uuid::new_v4().to_string();
        while let Some(change) = receiver.recv().await {
            tokio::time::sleep(DELIVERY_DELAY).await;
            let body = json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "timestamp": exact_time(now_ms()),
                "workspace_id": dashed(workspace_id),
                "workspace_name": "Simulated workspace",
                "subscription_id": subscription,
                "integration_id": dashed(workspace_id ^ 1),
                "type": change.kind,
                "authors": [{ "id": dashed(workspace_id ^ 2), "type": "person" }],
                "attempt_number": 1,
                "entity": { "id": dashed(change.page), "type": "page" },
                "data": change.data,
            })
            .to_string();
            let signed = signature(&token, body.as_bytes());
            deliver(&client, &url, body, Some(signed)).await;
        }
    });
    Webhooks {
        verification_token,
        sender,
        task,
    }
}

/// POSTs one body, retrying with backoff on errors and non-2xx answers.
async fn deliver(client: &reqwest::Client, url: &str, body: String, signature: Option<String>) {
    for attempt in 0..ATTEMPTS {
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(sig) = &signature {
            request = request.header("X-Notion-Signature", sig);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => return,
            _ => tokio::time::sleep(Duration::from_millis(200 << attempt)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
