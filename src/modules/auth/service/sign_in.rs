//! Signing up, in and out, and changing the password (which signs every other session out).

use secrecy::{ExposeSecret, SecretString};

use crate::modules::auth::Auth;
use crate::modules::auth::AuthError;
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::auth::device::describe;
use crate::modules::auth::extractor::AuthUser;
use crate::modules::auth::limits::{self, Subjects};
use crate::modules::auth::model::{Role, User, normalize_email};
use crate::modules::auth::password::check_policy;
use crate::modules::auth::users::{self, NewUser};
use crate::state::AppState;

use super::recovery::send_verification;
use super::{SignUp, SignedIn, admit_mail, email, name_for, session_id, set_password};

/// In embedded mode the first account is the instance's admin (the person who started it);
/// in production admins are made with `notion-graph admin`.
pub async fn role_for_new_account(state: &AppState) -> Result<Role, AuthError> {
    let embedded = state.settings.mode().is_embedded();
    Ok(if embedded && !users::any_admin(&state.store).await? {
        Role::Admin
    } else {
        Role::User
    })
}

/// A new session for `user` on the device `client` describes.
pub async fn start_session(
    state: &AppState,
    user: User,
    client: &ClientInfo,
) -> Result<SignedIn, AuthError> {
    let device = describe(client.user_agent.as_deref());
    let (session_id, session) = Auth::of(state)
        .sessions
        .start(&user.id, user.session_epoch, device)
        .await?;
    Ok(SignedIn {
        user,
        session_id,
        csrf_token: session.csrf,
    })
}

pub async fn sign_up(
    state: &AppState,
    input: SignUp,
    client: &ClientInfo,
) -> Result<SignedIn, AuthError> {
    let email = email(&input.email)?;
    check_policy(input.password.expose_secret(), &email)?;
    let name = name_for(input.name.as_deref(), &email)?;
    admit_mail(state, &email, client).await?;
    let password_hash = Some(Auth::of(state).hasher.hash(&input.password).await?);
    let new = NewUser {
        email: &email,
        name: &name,
        role: role_for_new_account(state).await?,
        password_hash,
        notion_user_id: None,
        email_verified: false,
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
        None,
    )
    .await;
    crate::modules::analytics::track(state, &user.id, crate::modules::analytics::Event::SignedUp);
    send_verification(state, &user).await?;
    start_session(state, user, client).await
}

/// The same answer, after the same work, for a wrong password and an unknown email.
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: &SecretString,
    client: &ClientInfo,
) -> Result<SignedIn, AuthError> {
    let email = normalize_email(email).unwrap_or_else(|| email.trim().to_lowercase());
    let subjects = Subjects::new(&email, client.ip.as_deref());
    limits::check(&*state.cache, &subjects).await?;
    let user = users::by_email(&state.store, &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let matched = Auth::of(state).hasher.verify(password, stored).await?;
    match user {
        Some(user) if matched => {
            audit::record(
                &state.store,
                Action::SignIn,
                Some(&user.id),
                None,
                client,
                None,
            )
            .await;
            crate::modules::analytics::track(
                state,
                &user.id,
                crate::modules::analytics::Event::SignedIn,
            );
            start_session(state, user, client).await
        }
        user => {
            limits::record_failure(&*state.cache, &subjects).await?;
            let id = user.as_ref().map(|u| u.id.as_str());
            audit::record(&state.store, Action::SignInFailed, id, id, client, None).await;
            Err(AuthError::InvalidCredentials)
        }
    }
}

pub async fn log_out(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    Auth::of(state)
        .sessions
        .end(session_id(user)?.expose_secret())
        .await?;
    audit::record(
        &state.store,
        Action::SignOut,
        Some(user.id()),
        None,
        client,
        None,
    )
    .await;
    Ok(())
}

/// Ends every session of the user, this one included.
pub async fn log_out_everywhere(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let id = session_id(user)?;
    users::update(&state.store, user.id(), |u| u.session_epoch += 1).await?;
    Auth::of(state).sessions.end(id.expose_secret()).await?;
    audit::record(
        &state.store,
        Action::SignOutEverywhere,
        Some(user.id()),
        None,
        client,
        None,
    )
    .await;
    Ok(())
}

/// Changes the password (the current one is required when there is one), ends every other
/// session, and starts a new one for this browser.
pub async fn change_password(
    state: &AppState,
    user: &AuthUser,
    current: Option<&SecretString>,
    new: &SecretString,
    client: &ClientInfo,
) -> Result<SignedIn, AuthError> {
    let id = session_id(user)?;
    if let Some(stored) = user.user.password_hash.as_deref() {
        let current = current.ok_or(AuthError::InvalidCredentials)?;
        if !Auth::of(state).hasher.verify(current, Some(stored)).await? {
            return Err(AuthError::InvalidCredentials);
        }
    }
    check_policy(new.expose_secret(), &user.user.email)?;
    let hash = Auth::of(state).hasher.hash(new).await?;
    let updated = set_password(state, user.id(), hash).await?;
    Auth::of(state).sessions.end(id.expose_secret()).await?;
    audit::record(
        &state.store,
        Action::PasswordChanged,
        Some(user.id()),
        None,
        client,
        None,
    )
    .await;
    start_session(state, updated, client).await
}
