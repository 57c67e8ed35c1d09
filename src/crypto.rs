//! Encryption at rest for third-party secrets (Notion access and refresh tokens).
//!
//! XChaCha20-Poly1305 with a fresh random 192-bit nonce per encryption (random nonces of that
//! size never collide in practice, unlike AES-GCM's 96 bits). The associated data binds each
//! ciphertext to its tenant and field, so a token copied into another tenant's document, or
//! into another field, fails to decrypt. Every ciphertext names its key id so that keys can
//! rotate: the first configured key encrypts, every configured key decrypts.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// A secret as stored: never the secret's bytes, only what decrypts to them with the right key,
/// tenant and field.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub key_id: String,
    /// Base64 of nonce (24 bytes) followed by ciphertext and tag.
    pub data: String,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({})", self.key_id)
    }
}

/// Where a sealed value belongs; both parts become the associated data.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub tenant: &'a str,
    pub field: &'a str,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        // Length-prefixed so that ("ab", "c") and ("a", "bc") differ.
        format!("{}:{}|{}", self.tenant.len(), self.tenant, self.field).into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the value was sealed with key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("the sealed value does not open with its key, tenant and field")]
    Corrupt,
}

/// A value that does not open is the operator's configuration or the data at fault, never the
/// caller's: it is logged and answered as an internal error.
impl From<CryptoError> for crate::error::AppError {
    fn from(error: CryptoError) -> Self {
        crate::error::AppError::Internal(error.into())
    }
}

/// The configured keys: the active one first.
#[derive(Clone)]
pub struct Keyring {
    active: String,
    keys: HashMap<String, XChaCha20Poly1305>,
}

impl Keyring {
    /// Parses `id:base64key[,id:base64key...]`; each key is 32 bytes; the first one encrypts.
    pub fn parse(text: &SecretString) -> anyhow::Result<Self> {
        let mut active = None;
        let mut keys = HashMap::new();
        for entry in text.expose_secret().split(',').map(str::trim) {
            let (id, encoded) = entry
                .split_once(':')
                .filter(|(id, _)| !id.is_empty())
                .context("each encryption key is written `id:base64key`")?;
            let bytes = BASE64
                .decode(encoded)
                .ok()
                .filter(|b| b.len() == 32)
                .with_context(|| format!("encryption key `{id}` is not 32 bytes of base64"))?;
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes).expect("32-byte key");
            active.get_or_insert_with(|| id.to_owned());
            keys.insert(id.to_owned(), cipher);
        }
        let active = active.context("no encryption key given")?;
        Ok(Self { active, keys })
    }

    /// The keys from configuration, or else the embedded instance's own key file under
    /// `data_dir`, created (readable by its owner only) on first use.
    pub fn load(configured: Option<&SecretString>, data_dir: &Path) -> anyhow::Result<Self> {
        match configured {
            Some(keys) => Self::parse(keys).context("key `encryption_keys`"),
            None => Self::parse(&local_key(data_dir)?),
        }
    }

    pub fn seal(&self, plain: &SecretString, binding: Binding<'_>) -> Sealed {
        let cipher = &self.keys[&self.active];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plain.expose_secret().as_bytes(),
            aad: &binding.associated_data(),
        };
        let mut data = nonce.to_vec();
        data.extend(
            cipher
                .encrypt(&nonce, payload)
                .expect("encryption cannot fail"),
        );
        Sealed {
            key_id: self.active.clone(),
            data: BASE64.encode(data),
        }
    }

    pub fn open(&self, sealed: &Sealed, binding: Binding<'_>) -> Result<SecretString, CryptoError> {
        let cipher = self
            .keys
            .get(&sealed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(sealed.key_id.clone()))?;
        let data = BASE64
            .decode(&sealed.data)
            .map_err(|_| CryptoError::Corrupt)?;
        if data.len() < 24 {
            return Err(CryptoError::Corrupt);
        }
        let (nonce, message) = data.split_at(24);
        let nonce = XNonce::from(<[u8; 24]>::try_from(nonce).expect("split at 24"));
        let payload = Payload {
            msg: message,
            aad: &binding.associated_data(),
        };
        let plain = cipher
            .decrypt(&nonce, payload)
            .map_err(|_| CryptoError::Corrupt)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| CryptoError::Corrupt)
    }
}

/// The embedded instance's key: `data_dir/secret.key`, mode 0600.
fn local_key(data_dir: &Path) -> anyhow::Result<SecretString> {
    let path = data_dir.join("secret.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let key = XChaCha20Poly1305::generate_key(&mut OsRng);
    let text = format!("local:{}", BASE64.encode(key));
    write_private(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(SecretString::from(text))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(text: &str) -> Keyring {
        Keyring::parse(&SecretString::from(text.to_owned())).unwrap()
    }

    const K1: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const K2: &str = "k2:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    const TOKEN: &str = "ntn_1234567890abcdef";

    fn at<'a>(tenant: &'a str, field: &'a str) -> Binding<'a> {
        Binding { tenant, field }
    }

    #[test]
    fn a_sealed_token_opens_only_with_its_tenant_and_field() {
        let keys = keyring(K1);
        let sealed = keys.seal(&TOKEN.to_owned().into(), at("t1", "access_token"));
        let opened = keys.open(&sealed, at("t1", "access_token")).unwrap();
        assert_eq!(opened.expose_secret(), TOKEN);
        assert!(keys.open(&sealed, at("t2", "access_token")).is_err());
        assert!(keys.open(&sealed, at("t1", "refresh_token")).is_err());
    }

    #[test]
    fn the_stored_form_never_contains_the_token_and_nonces_are_fresh() {
        let keys = keyring(K1);
        let a = keys.seal(&TOKEN.to_owned().into(), at("t", "f"));
        let b = keys.seal(&TOKEN.to_owned().into(), at("t", "f"));
        let stored = serde_json::to_string(&a).unwrap();
        assert!(!stored.contains(TOKEN) && !stored.contains(&BASE64.encode(TOKEN)));
        assert_ne!(a.data, b.data);
        assert_eq!(a.key_id, "k1");
    }

    #[test]
    fn keys_rotate_new_values_use_the_first_old_ones_still_open() {
        let old = keyring(K1).seal(&TOKEN.to_owned().into(), at("t", "f"));
        let rotated = keyring(&format!("{K2},{K1}"));
        assert_eq!(
            rotated.open(&old, at("t", "f")).unwrap().expose_secret(),
            TOKEN
        );
        assert_eq!(
            rotated.seal(&TOKEN.to_owned().into(), at("t", "f")).key_id,
            "k2"
        );
        assert!(matches!(
            keyring(K2).open(&old, at("t", "f")),
            Err(CryptoError::UnknownKey(id)) if id == "k1"
        ));
    }

    #[test]
    fn a_tampered_ciphertext_is_refused() {
        let keys = keyring(K1);
        let mut sealed = keys.seal(&TOKEN.to_owned().into(), at("t", "f"));
        let mut bytes = BASE64.decode(&sealed.data).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        sealed.data = BASE64.encode(bytes);
        assert!(matches!(
            keys.open(&sealed, at("t", "f")),
            Err(CryptoError::Corrupt)
        ));
    }

    #[test]
    fn bad_key_text_is_refused_with_a_reason() {
        for bad in [
            "",
            "k1",
            "k1:short",
            ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ] {
            assert!(
                Keyring::parse(&SecretString::from(bad.to_owned())).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_local_key_is_created_once_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = Keyring::load(None, dir.path()).unwrap();
        let sealed = first.seal(&TOKEN.to_owned().into(), at("t", "f"));
        let again = Keyring::load(None, dir.path()).unwrap();
        assert_eq!(
            again.open(&sealed, at("t", "f")).unwrap().expose_secret(),
            TOKEN
        );
        let mode = std::fs::metadata(dir.path().join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
