//! The command line's accounts: who it acts as, and accounts and admins the operator makes.

use secrecy::{ExposeSecret, SecretString};

use crate::modules::auth::Auth;
use crate::modules::auth::AuthError;
use crate::modules::auth::audit::{self, Action, ClientInfo};
use crate::modules::auth::model::{Role, User};
use crate::modules::auth::password::check_policy;
use crate::modules::auth::tokens::{self, Purpose};
use crate::modules::auth::users::{self, NewUser};
use crate::state::AppState;

use super::{email, name_for, set_role};

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
