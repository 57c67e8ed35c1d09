//! Secrets the product hands out: session ids, API keys, CSRF tokens, and single-use links
//! (email verification, password reset, OAuth `state`). All are ≥ 256 random bits, and the
//! store keeps only their SHA-256 digest, so that a copy of the database opens nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::storage::{Collection, Store, StoreResult, Typed};

pub static TOKENS: Collection = Collection {
    name: "auth_tokens",
    indexes: &[],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// 32 random bytes from the thread's CSPRNG, URL-safe base64 (43 characters).
pub fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares without stopping at the first difference, so timing says nothing of the secret.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    NotionSignIn,
}

impl Purpose {
    /// How long a link stays usable, in milliseconds.
    pub fn lifetime_ms(self) -> i64 {
        match self {
            Purpose::VerifyEmail => 24 * 3_600_000,
            Purpose::ResetPassword => 3_600_000,
            Purpose::NotionSignIn => 10 * 60_000,
        }
    }
}

/// A single-use token as stored (under the digest of the token).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ticket {
    pub purpose: Purpose,
    /// The account it acts on; for a Notion sign-in, the signed-in user who is connecting a
    /// workspace, if any.
    pub user: Option<String>,
    /// The email the token was sent to: a change of address makes it useless.
    pub email: Option<String>,
    pub expires_at: i64,
}

fn tickets(store: &Store) -> Typed<Ticket> {
    Typed::new(store.clone(), &TOKENS)
}

/// Stores a new ticket and returns the token that redeems it.
pub async fn issue(
    store: &Store,
    purpose: Purpose,
    user: Option<&str>,
    email: Option<&str>,
) -> StoreResult<String> {
    let token = random();
    let ticket = Ticket {
        purpose,
        user: user.map(str::to_owned),
        email: email.map(str::to_owned),
        expires_at: crate::modules::sync::now_ms() + purpose.lifetime_ms(),
    };
    tickets(store).insert(&digest(&token), &ticket).await?;
    Ok(token)
}

/// The ticket behind `token` if it is of `purpose` and unexpired, without using it up (to
/// check the rest of a request before [`redeem`] spends the link).
pub async fn peek(store: &Store, purpose: Purpose, token: &str) -> StoreResult<Option<Ticket>> {
    if token.len() > 128 {
        return Ok(None);
    }
    let ticket = tickets(store).get(&digest(token)).await?.map(|r| r.value);
    Ok(ticket.filter(|t| t.purpose == purpose && t.expires_at > crate::modules::sync::now_ms()))
}

/// The ticket behind `token` if it is of `purpose` and unexpired; it is consumed either way.
/// Only one of two concurrent redemptions wins (the delete decides).
pub async fn redeem(store: &Store, purpose: Purpose, token: &str) -> StoreResult<Option<Ticket>> {
    if token.len() > 128 {
        return Ok(None);
    }
    let id = digest(token);
    let Some(record) = tickets(store).get(&id).await? else {
        return Ok(None);
    };
    let won = tickets(store).delete(&id).await?;
    let ticket = record.value;
    let valid =
        won && ticket.purpose == purpose && ticket.expires_at > crate::modules::sync::now_ms();
    Ok(valid.then_some(ticket))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_digests_stable() {
        let (a, b) = (random(), random());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest("x"), digest("x"));
        assert_eq!(digest("x").len(), 64);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
