//! Accounts: who a user is, their role and preferences, as stored and as shown.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::storage::{Collection, Index};

pub static USERS: Collection = Collection {
    name: "users",
    indexes: &[
        Index::unique(&["email"]),
        Index::on(&["notion_user_id"]),
        Index::on(&["role", "created_at"]),
        Index::on(&["created_at"]),
    ],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Admin,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// What a user chose for themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    pub theme: Theme,
    /// No product analytics events for this user.
    pub analytics_opt_out: bool,
}

/// A stored account. The id is the tenant of everything the user owns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    /// Lowercased; unique.
    pub email: String,
    pub name: String,
    pub role: Role,
    pub email_verified: bool,
    /// Argon2id PHC string; `None` for accounts made through Notion sign-in alone.
    pub password_hash: Option<String>,
    /// The Notion user who signs in with Notion as this account.
    pub notion_user_id: Option<String>,
    /// Epoch milliseconds.
    pub created_at: i64,
    #[serde(default)]
    pub preferences: Preferences,
    /// Bumped by a password change, a reset and "sign out everywhere": sessions made under an
    /// older epoch are no longer valid.
    #[serde(default)]
    pub session_epoch: u32,
}

/// A user as the API shows them (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub email_verified: bool,
    pub has_password: bool,
    pub notion_connected: bool,
    /// RFC 3339.
    pub created_at: String,
    pub preferences: Preferences,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            email_verified: user.email_verified,
            has_password: user.password_hash.is_some(),
            notion_connected: user.notion_user_id.is_some(),
            created_at: rfc3339(user.created_at),
            preferences: user.preferences.clone(),
        }
    }
}

/// Epoch milliseconds as RFC 3339 text.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Trims and lowercases an address, and checks that it looks like one (the verification mail
/// proves the rest).
pub fn normalize_email(text: &str) -> Option<String> {
    let email = text.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(email)
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(
            normalize_email("admin@localhost").as_deref(),
            Some("admin@localhost")
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a b@c.d",
            "a@b@c",
            "a@.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }
}
