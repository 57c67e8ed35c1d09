//! Accounts as the JSON API and the (coming) server-rendered pages both use them: sign-up,
//! login, logout, password change, email verification and password reset. No actix types here:
//! a handler extracts, calls one of these, and renders the result.

use secrecy::{ExposeSecret, SecretString};

use super::AuthError;
use super::audit::{self, Action, ClientInfo};
use super::extractor::{AuthUser, Credential};
use super::limits::{self, Subjects};
use super::mail::Mail;
use super::model::{Role, User, normalize_email};
use super::password::check_policy;
use super::tokens::{self, Purpose};
use super::users::{self, NewUser};
use super::Auth;
use crate::state::AppState;

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

pub async fn start_session(state: &AppState, user: User) -> Result<SignedIn, AuthError> {
    let (session_id, session) = Auth::of(state).sessions
        .start(&user.id, user.session_epoch)
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
    send_verification(state, &user).await?;
    start_session(state, user).await
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
            start_session(state, user).await
        }
        user => {
            limits::record_failure(&*state.cache, &subjects).await?;
            let id = user.as_ref().map(|u| u.id.as_str());
            audit::record(&state.store, Action::SignInFailed, id, id, client, None).await;
            Err(AuthError::InvalidCredentials)
        }
    }
}

fn session_id(user: &AuthUser) -> Result<&SecretString, AuthError> {
    match &user.credential {
        Credential::Session { id, .. } => Ok(id),
        Credential::ApiKey { .. } => Err(AuthError::SessionRequired),
    }
}

pub async fn log_out(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
) -> Result<(), AuthError> {
    Auth::of(state).sessions
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
    for key in super::api_keys::list(&state.store, user.id()).await? {
        super::api_keys::revoke(&state.store, user.id(), &key.id).await?;
    }
    users::delete(&state.store, user.id()).await?;
    Auth::of(state).sessions.end(session.expose_secret()).await?;
    let id = Some(user.id());
    audit::record(&state.store, Action::AccountDeleted, id, id, client, None).await;
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
    start_session(state, updated).await
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

pub async fn update_profile(
    state: &AppState,
    id: &str,
    name: Option<&str>,
    preferences: Option<super::model::Preferences>,
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
    scopes: Vec<super::api_keys::Scope>,
    client: &ClientInfo,
) -> Result<super::api_keys::CreatedKey, AuthError> {
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
    let existing = super::api_keys::list(&state.store, user.id()).await?;
    if existing.len() >= super::api_keys::MAX_PER_USER {
        return Err(AuthError::Invalid(format!(
            "an account may have at most {} API keys: revoke one first",
            super::api_keys::MAX_PER_USER
        )));
    }
    let created = super::api_keys::create(&state.store, user.id(), name, scopes).await?;
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
    super::api_keys::revoke(&state.store, user.id(), id)
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

/// Who the command line acts as: the account `email` names, else the instance's first admin.
/// An instance without an admin gets one, `admin@localhost`, made here: the person at the
/// terminal runs the instance. It has no password (one is set through a reset link).
pub async fn acting_user(state: &AppState, email: Option<&str>) -> Result<User, AuthError> {
    if let Some(text) = email {
        let email = self::email(text)?;
        return users::by_email(&state.store, &email)
            .await?
            .ok_or_else(|| AuthError::NotFound(format!("account `{email}`")));
    }
    if let Some(admin) = users::first_admin(&state.store).await? {
        return Ok(admin);
    }
    let new = NewUser {
        email: LOCAL_ADMIN,
        name: "Admin",
        role: Role::Admin,
        password_hash: None,
        notion_user_id: None,
        email_verified: false,
    };
    match users::create(&state.store, new).await? {
        Some(user) => {
            tracing::info!(email = LOCAL_ADMIN, "created the instance's admin account");
            Ok(user)
        }
        None => users::by_email(&state.store, LOCAL_ADMIN)
            .await?
            .ok_or_else(|| AuthError::NotFound(format!("account `{LOCAL_ADMIN}`"))),
    }
}

/// The admin account an embedded instance makes for its command line.
pub const LOCAL_ADMIN: &str = "admin@localhost";

/// `admin create-user`: an account made by the operator, with a password or, without one, a
/// link (valid an hour) where its owner chooses it.
pub async fn create_account(
    state: &AppState,
    email_text: &str,
    name: Option<&str>,
    role: Role,
    password: Option<&SecretString>,
) -> Result<(User, Option<String>), AuthError> {
    let email = email(email_text)?;
    let name = name_for(name, &email)?;
    let password_hash = match password {
        Some(password) => {
            check_policy(password.expose_secret(), &email)?;
            Some(Auth::of(state).hasher.hash(password).await?)
        }
        None => None,
    };
    let link_needed = password_hash.is_none();
    let new = NewUser {
        email: &email,
        name: &name,
        role,
        password_hash,
        notion_user_id: None,
        email_verified: false,
    };
    let user = users::create(&state.store, new)
        .await?
        .ok_or(AuthError::EmailTaken)?;
    let operator = ClientInfo::default();
    audit::record(
        &state.store,
        Action::SignUp,
        None,
        Some(&user.id),
        &operator,
        Some("admin create-user".into()),
    )
    .await;
    let link = if link_needed {
        let token = tokens::issue(
            &state.store,
            Purpose::ResetPassword,
            Some(&user.id),
            Some(&user.email),
        )
        .await?;
        Some(format!(
            "{}/reset-password?token={token}",
            state.settings.public_url()
        ))
    } else {
        None
    };
    Ok((user, link))
}

/// `admin grant`: the account `email` names becomes an admin.
pub async fn grant_admin(state: &AppState, email_text: &str) -> Result<User, AuthError> {
    let email = email(email_text)?;
    let user = users::by_email(&state.store, &email)
        .await?
        .ok_or_else(|| AuthError::NotFound(format!("account `{email}`")))?;
    set_role(state, None, &user.id, Role::Admin, &ClientInfo::default()).await
}
