//! A user's active sessions: listed (this one marked) and ended one at a time, beside "sign
//! out everywhere". Sessions are named by their public id; the id in a cookie never appears.

use secrecy::ExposeSecret;

use crate::modules::auth::Auth;
use crate::modules::auth::AuthError;
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::auth::extractor::{AuthUser, Credential};
use crate::modules::auth::sessions::SessionView;
use crate::state::AppState;

use super::session_id;

/// The user's sessions that still hold, newest first; the caller's own is `current` (none is,
/// for an API key).
pub async fn list_sessions(
    state: &AppState,
    user: &AuthUser,
) -> Result<Vec<SessionView>, AuthError> {
    let this = match &user.credential {
        Credential::Session { id, .. } => Some(id.expose_secret()),
        Credential::ApiKey { .. } => None,
    };
    let listed = Auth::of(state)
        .sessions
        .of_user(user.id(), user.user.session_epoch)
        .await?;
    Ok(listed
        .iter()
        .map(|l| l.view(this.is_some_and(|id| l.is(id))))
        .collect())
}

/// Ends the user's session named `public_id` (needs a browser session, as the other account
/// safeguards do). Another user's, or an ended one, is not found. Returns whether it was the
/// caller's own, whose cookie the answer should then remove.
pub async fn end_session(
    state: &AppState,
    user: &AuthUser,
    public_id: &str,
    client: &ClientInfo,
) -> Result<bool, AuthError> {
    let this = session_id(user)?.expose_secret();
    let sessions = &Auth::of(state).sessions;
    let listed = sessions.of_user(user.id(), user.user.session_epoch).await?;
    let found = listed
        .iter()
        .find(|l| l.session.public_id == public_id)
        .ok_or_else(|| {
            let named: String = public_id.chars().take(64).collect();
            AuthError::NotFound(format!("session `{named}`"))
        })?;
    sessions.end_listed(found).await?;
    audit::record(
        &state.store,
        Action::SessionRevoked,
        Some(user.id()),
        Some(public_id),
        client,
        Some(found.session.device.clone()),
    )
    .await;
    Ok(found.is(this))
}
