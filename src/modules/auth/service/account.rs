//! What a signed-in user changes about an account: profile, API keys, (for admins) roles, and
//! the account's deletion.

use secrecy::{ExposeSecret, SecretString};

use crate::modules::auth::Auth;
use crate::modules::auth::AuthError;
use crate::modules::auth::api_keys;
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::auth::extractor::AuthUser;
use crate::modules::auth::model::{Role, User};
use crate::modules::auth::users;
use crate::state::AppState;

use super::{name_for, session_id};

pub async fn update_profile(
    state: &AppState,
    id: &str,
    name: Option<&str>,
    preferences: Option<crate::modules::auth::model::Preferences>,
) -> Result<User, AuthError> {
    let name = name.map(|n| name_for(Some(n), "")).transpose()?;
    users::update(&state.store, id, |u| {
        if let Some(name) = &name {
            u.name = name.clone();
        }
        if let Some(preferences) = &preferences {
            u.preferences = preferences.clone();
        }
    })
    .await?
    .ok_or_else(|| AuthError::NotFound(format!("account `{id}`")))
}

pub async fn create_api_key(
    state: &AppState,
    user: &AuthUser,
    name: &str,
    scopes: Vec<api_keys::Scope>,
    client: &ClientInfo,
) -> Result<api_keys::CreatedKey, AuthError> {
    session_id(user)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AuthError::Invalid(
            "a key needs a name of 1 to 100 characters".into(),
        ));
    }
    if scopes.is_empty() {
        return Err(AuthError::Invalid(
            "a key needs at least one scope: `read` or `write`".into(),
        ));
    }
    let existing = api_keys::list(&state.store, user.id()).await?;
    if existing.len() >= api_keys::MAX_PER_USER {
        return Err(AuthError::Invalid(format!(
            "an account may have at most {} API keys: revoke one first",
            api_keys::MAX_PER_USER
        )));
    }
    let created = api_keys::create(&state.store, user.id(), name, scopes).await?;
    audit::record(
        &state.store,
        Action::ApiKeyCreated,
        Some(user.id()),
        Some(&created.key.id),
        client,
        None,
    )
    .await;
    Ok(created)
}

pub async fn revoke_api_key(
    state: &AppState,
    user: &AuthUser,
    id: &str,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    api_keys::revoke(&state.store, user.id(), id)
        .await?
        .ok_or_else(|| AuthError::NotFound(format!("API key `{id}`")))?;
    audit::record(
        &state.store,
        Action::ApiKeyRevoked,
        Some(user.id()),
        Some(id),
        client,
        None,
    )
    .await;
    Ok(())
}

/// Grants or withdraws the admin role (`actor` is `None` for the operator's token or the
/// command line).
pub async fn set_role(
    state: &AppState,
    actor: Option<&str>,
    id: &str,
    role: Role,
    client: &ClientInfo,
) -> Result<User, AuthError> {
    let user = users::update(&state.store, id, |u| u.role = role)
        .await?
        .ok_or_else(|| AuthError::NotFound(format!("account `{id}`")))?;
    let detail = Some(format!(
        "role {}",
        serde_json::to_value(role).unwrap_or_default()
    ));
    audit::record(
        &state.store,
        Action::RoleChanged,
        actor,
        Some(id),
        client,
        detail,
    )
    .await;
    Ok(user)
}

/// Deletes the account and everything it owns, once its password (when it has one) confirms
/// it: its workspaces (with their imports, graphs and share links), its API keys and its
/// sessions (they no longer find their account). The audit log keeps the event.
pub async fn delete_account(
    state: &AppState,
    user: &AuthUser,
    password: Option<&SecretString>,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let session = session_id(user)?;
    if let Some(stored) = user.user.password_hash.as_deref() {
        let given = password.ok_or(AuthError::InvalidCredentials)?;
        if !Auth::of(state).hasher.verify(given, Some(stored)).await? {
            return Err(AuthError::InvalidCredentials);
        }
    }
    let owned = crate::modules::sync::connection::of_tenant(&state.store, user.id()).await?;
    for connection in &owned {
        crate::modules::sync::workspaces::disconnect(state, connection, user.id(), client)
            .await
            .map_err(anyhow::Error::from)?;
    }
    for key in api_keys::list(&state.store, user.id()).await? {
        api_keys::revoke(&state.store, user.id(), &key.id).await?;
    }
    users::delete(&state.store, user.id()).await?;
    Auth::of(state)
        .sessions
        .end(session.expose_secret())
        .await?;
    let id = Some(user.id());
    audit::record(&state.store, Action::AccountDeleted, id, id, client, None).await;
    Ok(())
}
