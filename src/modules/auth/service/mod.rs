//! Accounts as the JSON API and the server-rendered pages both use them: sign-up,
//! login, logout, password change, email verification and password reset. No actix types here:
//! a handler extracts, calls one of these, and renders the result.

mod account;
mod operator;
mod recovery;
mod sessions;
mod sign_in;

pub use account::{create_api_key, delete_account, revoke_api_key, set_role, update_profile};
pub use operator::{LOCAL_ADMIN, acting_user, create_account, grant_admin};
pub use recovery::{
    confirm_reset, request_reset, resend_verification, send_verification, verify_email,
};
pub use sessions::{end_session, list_sessions};
pub use sign_in::{
    change_password, log_in, log_out, log_out_everywhere, role_for_new_account, sign_up,
    start_session,
};

use super::Auth;
use super::AuthError;
use super::audit::ClientInfo;
use super::extractor::{AuthUser, Credential};
use super::limits;
use super::mail::Mail;
use super::model::{User, normalize_email};
use super::tokens;
use super::users;
use crate::state::AppState;
use secrecy::SecretString;

/// A new session: the id goes only into the cookie, the CSRF token to the page.
pub struct SignedIn {
    pub user: User,
    pub session_id: String,
    pub csrf_token: String,
}

pub struct SignUp {
    pub email: String,
    pub password: SecretString,
    pub name: Option<String>,
}

fn email(text: &str) -> Result<String, AuthError> {
    normalize_email(text).ok_or_else(|| AuthError::InvalidEmail(text.chars().take(64).collect()))
}

fn name_for(name: Option<&str>, email: &str) -> Result<String, AuthError> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    match name {
        Some(name) if name.chars().count() > 100 => Err(AuthError::Invalid(
            "the name must be at most 100 characters".into(),
        )),
        Some(name) => Ok(name.to_owned()),
        None => Ok(email.split('@').next().unwrap_or(email).to_owned()),
    }
}

fn session_id(user: &AuthUser) -> Result<&SecretString, AuthError> {
    match &user.credential {
        Credential::Session { id, .. } => Ok(id),
        Credential::ApiKey { .. } => Err(AuthError::SessionRequired),
    }
}

async fn set_password(state: &AppState, id: &str, hash: String) -> Result<User, AuthError> {
    users::update(&state.store, id, |u| {
        u.password_hash = Some(hash.clone());
        u.session_epoch += 1;
    })
    .await?
    .ok_or_else(|| AuthError::NotFound(format!("account `{id}`")))
}

async fn admit_mail(state: &AppState, email: &str, client: &ClientInfo) -> Result<(), AuthError> {
    let address = format!("mail:address:{}", tokens::digest(email));
    limits::admit(&*state.cache, &address, limits::mail_per_address()).await?;
    if let Some(ip) = &client.ip {
        limits::admit(
            &*state.cache,
            &format!("mail:ip:{ip}"),
            limits::mail_per_ip(),
        )
        .await?;
    }
    Ok(())
}

/// Sends in the background: the answer takes as long whether or not a message goes out.
fn deliver(state: &AppState, mail: Mail<'_>) {
    let mailer = Auth::of(state).mailer.clone();
    let (to, subject, body) = (mail.to.to_owned(), mail.subject.to_owned(), mail.body);
    tokio::spawn(async move {
        let mail = Mail {
            to: &to,
            subject: &subject,
            body,
        };
        if let Err(error) = mailer.send(mail).await {
            tracing::error!(error = format!("{error:#}"), subject, "cannot send mail");
        }
    });
}
