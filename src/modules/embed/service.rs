//! Share links: create, list, change and revoke them for a workspace's owner, and resolve the
//! token of an embed URL to a live share. Pure checks live in `model`; this is the sequence.

use secrecy::{ExposeSecret, SecretString};

use super::model::{FieldError, MAX_NAME, NewShare, Preset, Share, ShareUpdate, ShareView};
use super::store::{self, shares};
use crate::crypto::{Binding, CryptoError};
use crate::error::{AppError, Code};
use crate::modules::auth::model::rfc3339;
use crate::modules::auth::tokens::{digest, random};
use crate::modules::graph::{self, ExportRequest, Format, GraphError};
use crate::modules::sync::connection::{self, Connection};
use crate::modules::sync::now_ms;
use crate::state::AppState;
use crate::storage::{Filter, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// Unknown, revoked, expired, someone else's, or its workspace is gone: all look the same.
    #[error("no share link `{0}` (it may have been revoked or have expired)")]
    UnknownShare(String),
    #[error("`name` must be 1 to {MAX_NAME} characters")]
    InvalidName,
    #[error("`{}`: {}", .0.field, .0.message)]
    InvalidPreset(FieldError),
    #[error("`expires_at`: {0}")]
    InvalidExpiry(String),
    /// Refused by the owner's plan (a `plan_limit` problem naming the plan that allows it).
    #[error("{0}")]
    Plan(Box<AppError>),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<EmbedError> for AppError {
    fn from(error: EmbedError) -> Self {
        let detail = error.to_string();
        let (code, field) = match error {
            EmbedError::Plan(e) => return *e,
            EmbedError::Graph(e) => return e.into(),
            EmbedError::Store(e) => return e.into(),
            EmbedError::Crypto(e) => return e.into(),
            EmbedError::Other(e) => return e.into(),
            EmbedError::UnknownShare(_) => (Code::UnknownShare, None),
            EmbedError::InvalidName => (Code::InvalidValue, Some("name")),
            EmbedError::InvalidPreset(e) => (Code::InvalidPreset, Some(e.field)),
            EmbedError::InvalidExpiry(_) => (Code::InvalidExpiry, Some("expires_at")),
        };
        let problem = AppError::new(code, detail);
        match field {
            Some(field) => problem.with("field", field),
            None => problem,
        }
    }
}

/// The holder name of a share's snapshot pin.
fn holder(id: &str) -> String {
    format!("share:{id}")
}

/// Where a share's token is sealed: its owner and the share itself.
fn sealed_field(id: &str) -> String {
    format!("embed_share_token:{id}")
}

/// The embed page of `token`.
pub fn embed_url(state: &AppState, token: &str) -> String {
    format!("{}/embed/{token}", state.settings.public_url())
}

/// Creates a share link for `connection` (already checked to be the caller's).
pub async fn create(
    state: &AppState,
    connection: &Connection,
    new: NewShare,
) -> Result<ShareView, EmbedError> {
    let name = checked_name(&new.name)?;
    let expires_at = new.expires_at.as_deref().map(expiry).transpose()?;
    check_preset(state, &connection.id, &new.preset).await?;
    if !new.preset.hide_titles {
        allow_private(state, &connection.tenant).await?;
    }
    let id = format!("shr_{}", ulid::Ulid::generate());
    let token = random();
    let now = now_ms();
    let share = Share {
        tenant: connection.tenant.clone(),
        workspace: connection.id.clone(),
        name,
        preset: new.preset,
        hash: digest(&token),
        token: state.keys.seal(
            &SecretString::from(token),
            Binding {
                tenant: &connection.tenant,
                field: &sealed_field(&id),
            },
        ),
        created_at: now,
        updated_at: now,
        expires_at,
    };
    shares(&state.store).insert(&id, &share).await?;
    apply_pin(state, &id, &share).await?;
    crate::modules::analytics::track(
        state,
        &share.tenant,
        crate::modules::analytics::Event::ShareCreated,
    );
    view(state, &id, &share)
}

/// Refuses another link showing titles when the owner's plan allows no more.
async fn allow_private(state: &AppState, tenant: &str) -> Result<(), EmbedError> {
    crate::modules::payments::service::allow_private_share(state, tenant)
        .await
        .map_err(|e| EmbedError::Plan(Box::new(e)))
}

/// A workspace's share links, newest first.
pub async fn list(state: &AppState, workspace: &str) -> Result<Vec<ShareView>, EmbedError> {
    let now = now_ms();
    store::for_workspace(&state.store, workspace)
        .await?
        .iter()
        .filter(|(_, share)| share.is_live(now))
        .map(|(id, share)| view(state, id, share))
        .collect()
}

/// Changes a share link of `tenant` (any tenant's for the operator's `None`).
pub async fn update(
    state: &AppState,
    tenant: Option<&str>,
    id: &str,
    change: ShareUpdate,
) -> Result<ShareView, EmbedError> {
    let (_, mut share) = owned(state, tenant, id).await?;
    if let Some(name) = &change.name {
        share.name = checked_name(name)?;
    }
    if let Some(expires_at) = &change.expires_at {
        share.expires_at = expires_at.as_deref().map(expiry).transpose()?;
    }
    if let Some(preset) = change.preset {
        check_preset(state, &share.workspace, &preset).await?;
        if share.preset.hide_titles && !preset.hide_titles {
            allow_private(state, &share.tenant).await?;
        }
        share.preset = preset;
    }
    share.updated_at = now_ms();
    shares(&state.store).upsert(id, &share).await?;
    apply_pin(state, id, &share).await?;
    view(state, id, &share)
}

/// Revokes a share link of `tenant` (any tenant's for the operator's `None`): from the next
/// request on, on every instance, its URL answers 404. Returns the share's id.
pub async fn revoke(
    state: &AppState,
    tenant: Option<&str>,
    id_or_url: &str,
) -> Result<String, EmbedError> {
    let id = match token_in(id_or_url) {
        Some(token) => store::by_hash(&state.store, &digest(token))
            .await?
            .map(|(id, _)| id)
            .ok_or_else(|| EmbedError::UnknownShare(id_or_url.to_owned()))?,
        None => id_or_url.to_owned(),
    };
    owned(state, tenant, &id).await?;
    shares(&state.store).delete(&id).await?;
    graph::service(state).unpin(&holder(&id)).await?;
    Ok(id)
}

/// Deletes every share link of `workspace` (it was removed); the graph module deletes their
/// pins with the workspace's snapshots.
pub async fn delete_workspace(state: &AppState, workspace: &str) -> anyhow::Result<()> {
    let mine = Filter::all().eq("workspace", workspace);
    crate::storage::delete_matching(&state.store, &store::SHARES, &mine).await?;
    Ok(())
}

/// The live share an embed URL's token opens: unknown, revoked and expired tokens, and shares
/// whose workspace was disconnected, are all the same 404. Read from the store every time.
pub async fn resolve(state: &AppState, token: &str) -> Result<(String, Share), EmbedError> {
    let unknown = || EmbedError::UnknownShare("this embed link".into());
    if token.len() > 128 {
        return Err(unknown());
    }
    let (id, share) = store::by_hash(&state.store, &digest(token))
        .await?
        .filter(|(_, share)| share.is_live(now_ms()))
        .ok_or_else(unknown)?;
    match connection::get(&state.store, &share.workspace).await? {
        Some(c) if c.tenant == share.tenant => Ok((id, share)),
        // Disconnected (or now someone else's): the link goes for good, so that connecting the
        // workspace again does not bring it back.
        _ => {
            shares(&state.store).delete(&id).await?;
            graph::service(state).unpin(&holder(&id)).await?;
            Err(unknown())
        }
    }
}

/// The export of a share's view in `format`, at its pinned version or the newest.
pub fn export_request(preset: &Preset, format: Format, version: Option<u64>) -> ExportRequest {
    ExportRequest {
        view: preset.view_request(),
        format,
        by_id: false,
        version: version.or(preset.version),
    }
}

/// The token in an embed URL (`.../embed/{token}[/...]`), if `text` is one.
pub fn token_in(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("/embed/")?;
    rest.split(['/', '?', '#']).next().filter(|t| !t.is_empty())
}

async fn owned(
    state: &AppState,
    tenant: Option<&str>,
    id: &str,
) -> Result<(String, Share), EmbedError> {
    match shares(&state.store).get(id).await? {
        Some(r) if tenant.is_none_or(|t| t == r.value.tenant) && r.value.is_live(now_ms()) => {
            Ok((r.id, r.value))
        }
        _ => Err(EmbedError::UnknownShare(id.to_owned())),
    }
}

fn checked_name(name: &str) -> Result<String, EmbedError> {
    let name = name.trim();
    match name.chars().count() {
        1..=MAX_NAME => Ok(name.to_owned()),
        _ => Err(EmbedError::InvalidName),
    }
}

/// Epoch milliseconds of an RFC 3339 time that has not passed.
fn expiry(text: &str) -> Result<i64, EmbedError> {
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|e| EmbedError::InvalidExpiry(format!("`{text}` is not an RFC 3339 time ({e})")))?
        .timestamp_millis();
    if at <= now_ms() {
        return Err(EmbedError::InvalidExpiry(format!("{text} has passed")));
    }
    Ok(at)
}

/// The preset's own checks, then what only the graph can tell: that a pinned version exists
/// and that a neighbourhood's root names one page (rendering it also warms the cache).
async fn check_preset(
    state: &AppState,
    workspace: &str,
    preset: &Preset,
) -> Result<(), EmbedError> {
    preset.validate().map_err(EmbedError::InvalidPreset)?;
    let request = export_request(preset, Format::Bin, None);
    match graph::service(state).export(workspace, &request).await {
        Ok(_) => Ok(()),
        Err(GraphError::UnknownVersion(..)) => Err(EmbedError::InvalidPreset(FieldError {
            field: "preset.version",
            message: format!(
                "this workspace has no snapshot {}",
                preset.version.unwrap_or(0)
            ),
        })),
        Err(GraphError::View(e)) => Err(EmbedError::InvalidPreset(FieldError {
            field: "preset.root",
            message: e.to_string(),
        })),
        Err(other) => Err(other.into()),
    }
}

/// Keeps the share's pinned version from pruning for as long as the share lives.
async fn apply_pin(state: &AppState, id: &str, share: &Share) -> Result<(), EmbedError> {
    let service = graph::service(state);
    match share.preset.version {
        Some(version) => {
            service
                .pin(&holder(id), &share.workspace, version, share.expires_at)
                .await?
        }
        None => {
            service.unpin(&holder(id)).await?;
        }
    }
    Ok(())
}

fn view(state: &AppState, id: &str, share: &Share) -> Result<ShareView, EmbedError> {
    let field = sealed_field(id);
    let token = state.keys.open(
        &share.token,
        Binding {
            tenant: &share.tenant,
            field: &field,
        },
    )?;
    Ok(ShareView {
        id: id.to_owned(),
        workspace: share.workspace.clone(),
        name: share.name.clone(),
        preset: share.preset.clone(),
        url: embed_url(state, token.expose_secret()),
        created_at: rfc3339(share.created_at),
        updated_at: rfc3339(share.updated_at),
        expires_at: share.expires_at.map(rfc3339),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_in_an_embed_url_and_not_in_an_id() {
        assert_eq!(token_in("https://x.test/embed/abc"), Some("abc"));
        assert_eq!(token_in("http://h/embed/abc/graph.bin?v=2"), Some("abc"));
        assert_eq!(token_in("shr_01J"), None);
        assert_eq!(token_in("https://x.test/embed/"), None);
    }

    #[test]
    fn an_expiry_must_be_rfc3339_and_in_the_future() {
        assert!(expiry("2999-01-01T00:00:00Z").is_ok());
        assert!(matches!(
            expiry("2000-01-01T00:00:00Z"),
            Err(EmbedError::InvalidExpiry(_))
        ));
        assert!(matches!(
            expiry("tomorrow"),
            Err(EmbedError::InvalidExpiry(_))
        ));
    }
}
