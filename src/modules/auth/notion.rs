//! Sign in with Notion (a public integration's OAuth). `start` sends the browser to Notion's
//! consent page with a random `state` that is single use, expires in ten minutes and is bound
//! to the browser by the `__Host-ng_oauth` cookie; `finish` checks all three before anything
//! is sent to Notion, exchanges the code, finds or creates the user (by the Notion user's id,
//! then by email), connects the workspace with sealed access and refresh tokens (reconnecting
//! updates it) and queues its first import. A signed-in user who starts it connects another
//! workspace to their account instead.

use serde_json::Value;

use super::audit::{self, Action, ClientInfo};
use super::model::User;
use super::service::{SignedIn, role_for_new_account, start_session};
use super::tokens::{self, Purpose, constant_time_eq};
use super::users::{self, NewUser};
use super::{AuthError, AuthUser};
use crate::modules::notion::TokenGrant;
use crate::modules::sync::service::{connect_with_grant, oauth_app};
use crate::modules::sync::workspaces;
use crate::state::AppState;

pub const STATE_COOKIE: &str = "__Host-ng_oauth";

/// Where to send the browser, and the state to bind to it.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
}

pub async fn start(state: &AppState, user: Option<&AuthUser>) -> Result<Started, AuthError> {
    let app = oauth_app(state).ok_or(AuthError::OAuthNotConfigured)?;
    let token = tokens::issue(
        &state.store,
        Purpose::NotionSignIn,
        user.map(AuthUser::id),
        None,
    )
    .await?;
    let authorize_url = app
        .authorize_url(&token)
        .map_err(|e| AuthError::Internal(e.into()))?;
    Ok(Started {
        authorize_url,
        state: token,
    })
}

/// What the callback received.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    /// The `state` the browser's cookie holds.
    pub bound: Option<&'a str>,
    /// Notion's `error` when the user declined.
    pub error: Option<&'a str>,
}

/// How the callback ended: a new session when nobody was signed in, and the workspace.
pub struct Finished {
    pub session: Option<SignedIn>,
    pub workspace: String,
}

pub async fn finish(
    state: &AppState,
    callback: Callback<'_>,
    client: &ClientInfo,
) -> Result<Finished, AuthError> {
    let (Some(returned), Some(bound)) = (callback.state, callback.bound) else {
        return Err(AuthError::OAuthState);
    };
    if !constant_time_eq(returned.as_bytes(), bound.as_bytes()) {
        return Err(AuthError::OAuthState);
    }
    let ticket = tokens::redeem(&state.store, Purpose::NotionSignIn, returned)
        .await?
        .ok_or(AuthError::OAuthState)?;
    let code = match (callback.code, callback.error) {
        (Some(code), None) => code,
        (_, error) => {
            let reason = error.unwrap_or("no authorization code");
            return Err(AuthError::OAuthRefused(format!(
                "Notion did not authorize the sign-in ({reason})"
            )));
        }
    };
    let grant = exchange(state, code).await?;
    let user = match &ticket.user {
        Some(id) => users::get(&state.store, id)
            .await?
            .ok_or(AuthError::OAuthState)?,
        None => user_for(state, &grant, client).await?,
    };
    let connection = connect_with_grant(state, &user.id, &grant)
        .await
        .map_err(|e| AuthError::OAuthRefused(e.to_string()))?;
    if let Err(error) = workspaces::queue_sync(state, &connection).await {
        tracing::error!(error = %error, connection = connection.id, "first import not queued");
    }
    audit::record(
        &state.store,
        Action::WorkspaceConnected,
        Some(&user.id),
        Some(&connection.id),
        client,
        Some("notion oauth".into()),
    )
    .await;
    let session = match ticket.user {
        Some(_) => None,
        None => {
            audit::record(
                &state.store,
                Action::SignIn,
                Some(&user.id),
                None,
                client,
                Some("notion".into()),
            )
            .await;
            crate::modules::analytics::track(
                state,
                &user.id,
                crate::modules::analytics::Event::SignedIn,
            );
            Some(start_session(state, user, client).await?)
        }
    };
    Ok(Finished {
        session,
        workspace: connection.id,
    })
}

async fn exchange(state: &AppState, code: &str) -> Result<TokenGrant, AuthError> {
    let app = oauth_app(state).ok_or(AuthError::OAuthNotConfigured)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(anyhow::Error::from)?;
    app.exchange_code(&http, code)
        .await
        .map_err(|e| AuthError::OAuthRefused(format!("Notion refused the sign-in: {e}")))
}

/// The Notion user who authorised, as `(id, name, email)`.
fn owner(grant: &TokenGrant) -> Option<(&str, &str, Option<&str>)> {
    let user = grant.owner.as_ref()?.get("user")?;
    let id = user.get("id")?.as_str()?;
    let name = user.get("name").and_then(Value::as_str).unwrap_or("");
    let email = user.pointer("/person/email").and_then(Value::as_str);
    Some((id, name, email))
}

/// The account of the Notion user: by their Notion id, else by their (Notion-verified) email,
/// else a new one.
async fn user_for(
    state: &AppState,
    grant: &TokenGrant,
    client: &ClientInfo,
) -> Result<User, AuthError> {
    let (notion_id, name, email) = owner(grant).ok_or_else(|| {
        AuthError::OAuthRefused(
            "Notion did not say which user authorized; sign in as a user, not a workspace".into(),
        )
    })?;
    if let Some(user) = users::by_notion_id(&state.store, notion_id).await? {
        return Ok(user);
    }
    let email = email
        .and_then(super::model::normalize_email)
        .ok_or_else(|| AuthError::OAuthRefused("Notion did not share an email address".into()))?;
    if let Some(existing) = users::by_email(&state.store, &email).await? {
        let linked = users::update(&state.store, &existing.id, |u| {
            u.notion_user_id = Some(notion_id.to_owned());
            u.email_verified = true;
        })
        .await?;
        return linked.ok_or_else(|| AuthError::NotFound(format!("account `{email}`")));
    }
    let name = if name.trim().is_empty() {
        email.split('@').next().unwrap_or("")
    } else {
        name.trim()
    };
    let new = NewUser {
        email: &email,
        name,
        role: role_for_new_account(state).await?,
        password_hash: None,
        notion_user_id: Some(notion_id),
        email_verified: true,
    };
    let user = users::create(&state.store, new)
        .await?
        .ok_or(AuthError::EmailTaken)?;
    audit::record(
        &state.store,
        Action::SignUp,
        Some(&user.id),
        Some(&user.id),
        client,
        Some("notion".into()),
    )
    .await;
    crate::modules::analytics::track(state, &user.id, crate::modules::analytics::Event::SignedUp);
    Ok(user)
}
