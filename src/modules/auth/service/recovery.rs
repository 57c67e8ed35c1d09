//! Proving an address and recovering an account by mail: verification and password reset,
//! each with a single-use, expiring token sent through `mail`.

use secrecy::{ExposeSecret, SecretString};

use crate::modules::auth::Auth;
use crate::modules::auth::AuthError;
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::auth::extractor::AuthUser;
use crate::modules::auth::limits;
use crate::modules::auth::mail::Mail;
use crate::modules::auth::model::{User, normalize_email};
use crate::modules::auth::password::check_policy;
use crate::modules::auth::tokens::{self, Purpose};
use crate::modules::auth::users;
use crate::state::AppState;

use super::{admit_mail, deliver, set_password};

/// Mails a link that verifies the user's address.
pub async fn send_verification(state: &AppState, user: &User) -> Result<(), AuthError> {
    let token = tokens::issue(
        &state.store,
        Purpose::VerifyEmail,
        Some(&user.id),
        Some(&user.email),
    )
    .await?;
    let link = format!("{}/verify-email?token={token}", state.settings.public_url());
    let body = format!(
        "Hello {},\n\nconfirm that this is your address by opening this link within 24 hours:\n\n{link}\n\nIf you did not sign up for notion-graph, ignore this message.\n",
        user.name
    );
    deliver(
        state,
        Mail {
            to: &user.email,
            subject: "Confirm your email address",
            body,
        },
    );
    Ok(())
}

pub async fn resend_verification(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    if user.user.email_verified {
        return Ok(());
    }
    admit_mail(state, &user.user.email, client).await?;
    send_verification(state, &user.user).await
}

pub async fn verify_email(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<User, AuthError> {
    let ticket = tokens::redeem(&state.store, Purpose::VerifyEmail, token)
        .await?
        .ok_or(AuthError::InvalidLink)?;
    let id = ticket.user.ok_or(AuthError::InvalidLink)?;
    let user = users::update(&state.store, &id, |u| {
        if ticket.email.as_deref() == Some(u.email.as_str()) {
            u.email_verified = true;
        }
    })
    .await?
    .filter(|u| u.email_verified)
    .ok_or(AuthError::InvalidLink)?;
    audit::record(
        &state.store,
        Action::EmailVerified,
        Some(&user.id),
        None,
        client,
        None,
    )
    .await;
    Ok(user)
}

/// Mails a reset link if the account exists; answers the same either way.
pub async fn request_reset(
    state: &AppState,
    email: &str,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let email = email_or_nothing(email);
    admit_mail(state, &email, client).await?;
    let Some(user) = users::by_email(&state.store, &email).await? else {
        return Ok(());
    };
    let token = tokens::issue(
        &state.store,
        Purpose::ResetPassword,
        Some(&user.id),
        Some(&user.email),
    )
    .await?;
    let link = format!(
        "{}/reset-password?token={token}",
        state.settings.public_url()
    );
    let body = format!(
        "Hello {},\n\nsomeone asked to reset the password of your notion-graph account. Choose a new one by opening this link within an hour:\n\n{link}\n\nIf it was not you, ignore this message: your password stays as it is.\n",
        user.name
    );
    deliver(
        state,
        Mail {
            to: &user.email,
            subject: "Reset your password",
            body,
        },
    );
    audit::record(
        &state.store,
        Action::PasswordResetRequested,
        Some(&user.id),
        None,
        client,
        None,
    )
    .await;
    Ok(())
}

fn email_or_nothing(text: &str) -> String {
    normalize_email(text).unwrap_or_else(|| text.trim().to_lowercase())
}

/// Sets a new password from a reset link: every session ends, the address counts as verified
/// (the link reached it) and a login block on the account is lifted.
pub async fn confirm_reset(
    state: &AppState,
    token: &str,
    password: &SecretString,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    let ticket = tokens::peek(&state.store, Purpose::ResetPassword, token)
        .await?
        .ok_or(AuthError::InvalidLink)?;
    let user_id = ticket.user.ok_or(AuthError::InvalidLink)?;
    let user = users::get(&state.store, &user_id)
        .await?
        .filter(|u| ticket.email.as_deref() == Some(u.email.as_str()))
        .ok_or(AuthError::InvalidLink)?;
    check_policy(password.expose_secret(), &user.email)?;
    if tokens::redeem(&state.store, Purpose::ResetPassword, token)
        .await?
        .is_none()
    {
        return Err(AuthError::InvalidLink);
    }
    let hash = Auth::of(state).hasher.hash(password).await?;
    set_password(state, &user.id, hash).await?;
    users::update(&state.store, &user.id, |u| u.email_verified = true).await?;
    limits::clear_account(&*state.cache, &user.email).await?;
    audit::record(
        &state.store,
        Action::PasswordReset,
        Some(&user.id),
        None,
        client,
        None,
    )
    .await;
    Ok(())
}
