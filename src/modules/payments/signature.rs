//! Our own verifier of Stripe's `Stripe-Signature` header (security.md 14): an HMAC-SHA256 of
//! `{t}.{payload}` under the endpoint's signing secret, hex-encoded in one or more `v1`
//! values. Any `v1` may match any configured secret (Stripe sends one `v1` per active secret
//! while a secret rolls; we keep several so that ours can roll too), and `t` must lie within
//! the tolerance of now, so that a recorded delivery cannot be replayed later. Pure: the
//! clock and the secrets are arguments.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far `t` may be from now, either way (Stripe's libraries use the same 300 s).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery was refused; each is a 400 that changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp `t` or no `v1` signature")]
    Malformed,
    #[error("the Stripe-Signature timestamp is more than {TOLERANCE_SECS} s from now")]
    Stale,
    #[error("no v1 signature in Stripe-Signature matches the payload")]
    Mismatch,
}

/// The parts of a `Stripe-Signature` header we use: `t=...,v1=...,v1=...` (other schemes,
/// such as `v0`, are ignored, as Stripe advises).
#[derive(Debug, PartialEq, Eq)]
struct Header {
    timestamp: i64,
    signatures: Vec<Vec<u8>>,
}

fn parse(header: &str) -> Result<Header, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => timestamp = value.parse::<i64>().ok(),
            // A v1 that is not hex cannot match; skip it and look at the others.
            "v1" => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    match (timestamp, signatures.is_empty()) {
        (Some(timestamp), false) => Ok(Header {
            timestamp,
            signatures,
        }),
        _ => Err(SignatureError::Malformed),
    }
}

/// The `v1` signature of `payload` sent at `timestamp` under `secret`.
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, payload).finalize().into_bytes())
}

fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// Checks `header` against `payload` (the raw body, byte for byte) at `now` (Unix seconds):
/// `Ok` when its timestamp is within [`TOLERANCE_SECS`] and one of its `v1` values is the
/// HMAC under one of `secrets`. Comparisons run in constant time.
pub fn verify(
    header: Option<&str>,
    payload: &[u8],
    secrets: &[&str],
    now: i64,
) -> Result<(), SignatureError> {
    let header = parse(header.ok_or(SignatureError::Missing)?)?;
    if (now - header.timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let matches = secrets.iter().any(|secret| {
        header.signatures.iter().any(|signature| {
            mac(secret, header.timestamp, payload)
                .verify_slice(signature)
                .is_ok()
        })
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;

    fn header(t: i64, signatures: &[String]) -> String {
        let v1: Vec<String> = signatures.iter().map(|s| format!("v1={s}")).collect();
        format!("t={t},{}", v1.join(","))
    }

    #[test]
    fn a_signature_over_t_dot_payload_verifies() {
        let signed = header(NOW, &[sign("whsec_a", NOW, BODY)]);
        assert_eq!(verify(Some(&signed), BODY, &["whsec_a"], NOW), Ok(()));
    }

    #[test]
    fn the_mac_is_hmac_sha256_of_t_dot_payload_in_hex() {
        // Computed independently: `printf '1.{}' | openssl dgst -sha256 -hmac secret`.
        assert_eq!(
            sign("secret", 1, b"{}"),
            "1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908"
        );
    }

    #[test]
    fn a_changed_body_or_timestamp_fails() {
        let signed = header(NOW, &[sign("whsec_a", NOW, BODY)]);
        let other = br#"{"id":"evt_1","type":"invoice.paid "}"#;
        assert_eq!(
            verify(Some(&signed), other, &["whsec_a"], NOW),
            Err(SignatureError::Mismatch)
        );
        let moved = signed.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(
            verify(Some(&moved), BODY, &["whsec_a"], NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_tolerance_is_300_seconds_either_way() {
        for t in [NOW - 300, NOW + 300] {
            let signed = header(t, &[sign("whsec_a", t, BODY)]);
            assert_eq!(verify(Some(&signed), BODY, &["whsec_a"], NOW), Ok(()));
        }
        for t in [NOW - 301, NOW + 301] {
            let signed = header(t, &[sign("whsec_a", t, BODY)]);
            assert_eq!(
                verify(Some(&signed), BODY, &["whsec_a"], NOW),
                Err(SignatureError::Stale)
            );
        }
    }

    #[test]
    fn any_of_several_v1_values_may_match_any_of_several_secrets() {
        let signed = header(
            NOW,
            &[
                sign("whsec_unknown", NOW, BODY),
                sign("whsec_old", NOW, BODY),
            ],
        );
        assert_eq!(
            verify(Some(&signed), BODY, &["whsec_new", "whsec_old"], NOW),
            Ok(())
        );
        assert_eq!(
            verify(Some(&signed), BODY, &["whsec_new"], NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_malformed_and_foreign_schemes_are_refused() {
        assert_eq!(
            verify(None, BODY, &["k"], NOW),
            Err(SignatureError::Missing)
        );
        let v0_only = format!("t={NOW},v0={}", sign("k", NOW, BODY));
        for bad in [
            "",
            "garbage",
            "t=abc,v1=00",
            &format!("v1={}", sign("k", NOW, BODY)),
            &v0_only,
        ] {
            assert_eq!(
                verify(Some(bad), BODY, &["k"], NOW),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        let not_hex = format!("t={NOW},v1=zz,v1={}", sign("k", NOW, BODY));
        assert_eq!(verify(Some(&not_hex), BODY, &["k"], NOW), Ok(()));
        let signed = header(NOW, &[sign("k", NOW, BODY)]);
        assert_eq!(
            verify(Some(&signed), BODY, &[], NOW),
            Err(SignatureError::Mismatch),
            "no secret configured matches nothing"
        );
    }
}
