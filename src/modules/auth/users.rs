//! Persistence of accounts. Emails are unique (a unique index decides between two signups of
//! the same address at once).

use super::model::{Preferences, Role, USERS, User};
use crate::modules::sync::now_ms;
use crate::storage::{Cursor, Filter, Order, Query, Store, StoreError, StoreResult, Typed};

pub fn users(store: &Store) -> Typed<User> {
    Typed::new(store.clone(), &USERS)
}

/// What a new account starts with.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: Option<String>,
    pub notion_user_id: Option<&'a str>,
    pub email_verified: bool,
}

/// Creates the account; `Ok(None)` when the email is taken.
pub async fn create(store: &Store, new: NewUser<'_>) -> StoreResult<Option<User>> {
    let user = User {
        id: ulid::Ulid::generate().to_string(),
        email: new.email.to_owned(),
        name: new.name.to_owned(),
        role: new.role,
        email_verified: new.email_verified,
        password_hash: new.password_hash,
        notion_user_id: new.notion_user_id.map(str::to_owned),
        created_at: now_ms(),
        preferences: Preferences::default(),
        session_epoch: 0,
    };
    match users(store).insert(&user.id, &user).await {
        Ok(_) => Ok(Some(user)),
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Deletes the account document; `false` when there was none.
pub async fn delete(store: &Store, id: &str) -> StoreResult<bool> {
    users(store).delete(id).await
}

pub async fn get(store: &Store, id: &str) -> StoreResult<Option<User>> {
    Ok(users(store).get(id).await?.map(|r| r.value))
}

async fn first(store: &Store, filter: Filter) -> StoreResult<Option<User>> {
    let (page, _) = users(store).find(&Query::new(filter).limit(1)).await?;
    Ok(page.into_iter().next().map(|r| r.value))
}

pub async fn by_email(store: &Store, email: &str) -> StoreResult<Option<User>> {
    first(store, Filter::all().eq("email", email)).await
}

pub async fn by_notion_id(store: &Store, notion_user: &str) -> StoreResult<Option<User>> {
    first(store, Filter::all().eq("notion_user_id", notion_user)).await
}

/// The oldest admin: who the command line acts as by default.
pub async fn first_admin(store: &Store) -> StoreResult<Option<User>> {
    let query = Query::new(Filter::all().eq("role", "admin"))
        .sort("created_at", Order::Asc)
        .limit(1);
    let (page, _) = users(store).find(&query).await?;
    Ok(page.into_iter().next().map(|r| r.value))
}

pub async fn any_admin(store: &Store) -> StoreResult<bool> {
    Ok(users(store)
        .count(&Filter::all().eq("role", "admin"))
        .await?
        > 0)
}

/// One page of accounts, newest first.
pub async fn page(
    store: &Store,
    limit: usize,
    after: Option<Cursor>,
) -> StoreResult<(Vec<User>, Option<Cursor>)> {
    let query = Query::new(Filter::all())
        .sort("created_at", Order::Desc)
        .limit(limit)
        .after(after);
    let (page, next) = users(store).find(&query).await?;
    Ok((page.into_iter().map(|r| r.value).collect(), next))
}

/// Applies `change` to the stored user (retrying on a concurrent write).
pub async fn update(
    store: &Store,
    id: &str,
    mut change: impl FnMut(&mut User),
) -> StoreResult<Option<User>> {
    let updated = users(store)
        .update(id, |user| {
            change(user);
            Some(())
        })
        .await?;
    Ok(updated.map(|r| r.value))
}
