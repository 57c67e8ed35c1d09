//! Passwords: the policy a new password must meet, and Argon2id hashing that runs on blocking
//! threads with bounded concurrency, so that a storm of logins queues here instead of taking
//! the async threads every other request needs.
//!
//! The common-password list is Django's (`django/contrib/auth/common-passwords.txt.gz`, Django
//! 5.2, BSD-3-Clause): 20,000 passwords from Royce Williams' list, lowercased.

use std::collections::HashSet;
use std::io::Read;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
pub const MIN_LENGTH: usize = 10;
/// Long enough for any passphrase; bounds the work an attacker can ask for (at most 1 KiB of
/// UTF-8). Counted in characters, as the OpenAPI document's `maxLength` counts.
pub const MAX_LENGTH: usize = 256;

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut text = String::new();
    flate2::read::GzDecoder::new(&include_bytes!("common-passwords.txt.gz")[..])
        .read_to_string(&mut text)
        .expect("the embedded password list is valid gzip");
    text.lines().map(str::to_owned).collect()
});

/// Why a new password is refused, in words the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the password must be at least {MIN_LENGTH} characters long")]
    TooShort,
    #[error("the password must be at most {MAX_LENGTH} characters long")]
    TooLong,
    #[error("this password is on a list of commonly used passwords; choose another")]
    Common,
    #[error("the password must not be your email address")]
    IsEmail,
}

/// NIST SP 800-63B: length, not composition rules; refuse common and context-specific ones.
/// The password is used byte for byte (no trimming or normalisation).
pub fn check_policy(password: &str, email: &str) -> Result<(), PolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PolicyError::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered) {
        return Err(PolicyError::Common);
    }
    if lowered == email.to_lowercase() {
        return Err(PolicyError::IsEmail);
    }
    Ok(())
}

/// Hashes and verifies with Argon2id, at most `permits` at a time, off the async threads.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified against when an email is unknown, so that the answer takes as long.
    dummy: Arc<str>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &[u8]) -> anyhow::Result<String> {
    let hash: PasswordHash = argon2()
        .hash_password(password)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

fn verify_now(password: &[u8], phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| argon2().verify_password(password, &hash).is_ok())
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        let dummy = hash_now(b"an unknown account still costs one hash").expect("argon2 works");
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: dummy.into(),
        }
    }

    /// The default concurrency: every core but one, so hashing never takes them all.
    pub fn default_concurrency() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await?;
        Ok(tokio::task::spawn_blocking(work).await?)
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) with a fresh random salt.
    pub async fn hash(&self, password: &SecretString) -> anyhow::Result<String> {
        let password = password.clone();
        self.blocking(move || hash_now(password.expose_secret().as_bytes()))
            .await?
    }

    /// Whether `password` matches `phc`; with no stored hash, a dummy one is checked so that
    /// the time taken does not tell whether the account exists or has a password.
    pub async fn verify(&self, password: &SecretString, phc: Option<&str>) -> anyhow::Result<bool> {
        let password = password.clone();
        let (phc, real) = match phc {
            Some(phc) => (phc.to_owned(), true),
            None => (self.dummy.to_string(), false),
        };
        let matched = self
            .blocking(move || verify_now(password.expose_secret().as_bytes(), &phc))
            .await?;
        Ok(real && matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// security.md 2 ("similar time"): an unknown account is verified against a hash of the
    /// same algorithm, version and cost as a real account's, through the same code.
    #[tokio::test]
    async fn an_unknown_account_costs_the_same_hash_as_a_real_one() {
        let hasher = Hasher::new(1);
        let password = SecretString::from("a long enough passphrase");
        let real = hasher.hash(&password).await.unwrap();
        let cost = |phc: &str| {
            let hash = PasswordHash::new(phc).unwrap();
            (
                hash.algorithm.to_string(),
                hash.version,
                hash.params.to_string(),
            )
        };
        assert_eq!(cost(&real), cost(&hasher.dummy));
        assert!(hasher.verify(&password, Some(&real)).await.unwrap());
        assert!(!hasher.verify(&password, None).await.unwrap());
    }

    #[test]
    fn common_short_and_email_passwords_are_refused() {
        assert_eq!(check_policy("short", "a@b.c"), Err(PolicyError::TooShort));
        assert_eq!(
            check_policy("1234567890", "a@b.c"),
            Err(PolicyError::Common)
        );
        assert_eq!(
            check_policy("Password123", "a@b.c"),
            Err(PolicyError::Common)
        );
        assert_eq!(
            check_policy("someone@example.com", "Someone@example.com"),
            Err(PolicyError::IsEmail)
        );
        assert_eq!(
            check_policy(&"x".repeat(MAX_LENGTH + 1), "a@b.c"),
            Err(PolicyError::TooLong)
        );
        assert_eq!(
            check_policy("correct horse battery staple", "a@b.c"),
            Ok(())
        );
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let hash = hash_now(b"correct horse battery staple").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_now(b"correct horse battery staple", &hash));
        assert!(!verify_now(b"correct horse battery stapl", &hash));
    }

    #[tokio::test]
    async fn a_long_password_is_used_byte_for_byte() {
        let hasher = Hasher::new(1);
        let long: String = "ünïcødé-passphrase-".repeat(5);
        assert!(long.len() > 64);
        let hash = hasher
            .hash(&SecretString::from(long.clone()))
            .await
            .unwrap();
        assert!(
            hasher
                .verify(&SecretString::from(long.clone()), Some(&hash))
                .await
                .unwrap()
        );
        let mut shorter = long.clone();
        shorter.pop();
        assert!(
            !hasher
                .verify(&SecretString::from(shorter), Some(&hash))
                .await
                .unwrap()
        );
        let spaced = format!("{long} ");
        assert!(
            !hasher
                .verify(&SecretString::from(spaced), Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(&SecretString::from(long), None)
                .await
                .unwrap()
        );
    }
}
