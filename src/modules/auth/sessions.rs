//! Server-side sessions. The browser holds an opaque id (256 random bits) in the
//! `__Host-ng_session` cookie; the server keeps the session under the id's digest: in the
//! document store in embedded mode, in Redis in production (shared by every instance).
//!
//! A session ends at whichever comes first: `idle` after it was last used (default 7 days) or
//! `absolute` after sign-in (default 30 days). Logout deletes it; a password change, a reset
//! and "sign out everywhere" bump the user's session epoch, which ends every older session.

use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite, time};
use serde::{Deserialize, Serialize};

use super::tokens::{digest, random};
use crate::cache::SharedCache;
use crate::modules::sync::now_ms;
use crate::storage::{Collection, Index, Store, Typed};

pub const COOKIE: &str = "__Host-ng_session";

pub static SESSIONS: Collection = Collection {
    name: "sessions",
    indexes: &[Index::on(&["user"])],
    ttl_field: Some("expires_at"),
    archived: false,
};

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user: String,
    /// The user's session epoch when the session began.
    pub epoch: u32,
    /// The synchronizer token cookie-authenticated writes must echo in `X-CSRF-Token`.
    pub csrf: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When the session ends if it is not used again (the store's TTL field).
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Timeouts {
    fn end(&self, session: &Session) -> i64 {
        let idle_end = session.last_seen_at + self.idle.as_millis() as i64;
        let absolute_end = session.created_at + self.absolute.as_millis() as i64;
        idle_end.min(absolute_end)
    }

    /// How stale `last_seen_at` may get before a request writes it again: a write per
    /// request would cost more than the session check itself.
    fn touch_after_ms(&self) -> i64 {
        (self.idle.as_millis() as i64 / 100).min(60_000)
    }
}

/// Where sessions live.
#[derive(Clone)]
pub enum SessionStore {
    Documents(Typed<Session>),
    Redis(SharedCache),
}

impl SessionStore {
    pub fn documents(store: &Store) -> Self {
        Self::Documents(Typed::new(store.clone(), &SESSIONS))
    }

    fn key(id: &str) -> String {
        format!("session:{}", digest(id))
    }

    async fn put(&self, id: &str, session: &Session) -> anyhow::Result<()> {
        match self {
            Self::Documents(typed) => {
                typed.upsert(&digest(id), session).await?;
            }
            Self::Redis(cache) => {
                let ttl = Duration::from_millis((session.expires_at - now_ms()).max(1) as u64);
                cache
                    .set(&Self::key(id), &serde_json::to_vec(session)?, ttl)
                    .await?;
            }
        }
        Ok(())
    }

    async fn get(&self, id: &str) -> anyhow::Result<Option<Session>> {
        Ok(match self {
            Self::Documents(typed) => typed.get(&digest(id)).await?.map(|r| r.value),
            Self::Redis(cache) => match cache.get(&Self::key(id)).await? {
                Some(bytes) => Some(serde_json::from_slice(&bytes)?),
                None => None,
            },
        })
    }

    async fn remove(&self, id: &str) -> anyhow::Result<()> {
        match self {
            Self::Documents(typed) => {
                typed.delete(&digest(id)).await?;
            }
            Self::Redis(cache) => cache.delete(&Self::key(id)).await?,
        }
        Ok(())
    }
}

/// Sessions with their timeouts.
#[derive(Clone)]
pub struct Sessions {
    store: SessionStore,
    pub timeouts: Timeouts,
}

impl Sessions {
    pub fn new(store: SessionStore, timeouts: Timeouts) -> Self {
        Self { store, timeouts }
    }

    /// Starts a session for `user` at `epoch` and returns its id (for the cookie only).
    pub async fn start(&self, user: &str, epoch: u32) -> anyhow::Result<(String, Session)> {
        let now = now_ms();
        let mut session = Session {
            user: user.to_owned(),
            epoch,
            csrf: random(),
            created_at: now,
            last_seen_at: now,
            expires_at: 0,
        };
        session.expires_at = self.timeouts.end(&session);
        let id = random();
        self.store.put(&id, &session).await?;
        Ok((id, session))
    }

    /// The live session behind `id`, its idle time renewed; `None` when unknown or timed out.
    pub async fn resume(&self, id: &str) -> anyhow::Result<Option<Session>> {
        if id.len() > 128 {
            return Ok(None);
        }
        let Some(mut session) = self.store.get(id).await? else {
            return Ok(None);
        };
        let now = now_ms();
        if now >= self.timeouts.end(&session) {
            self.store.remove(id).await?;
            return Ok(None);
        }
        if now - session.last_seen_at >= self.timeouts.touch_after_ms() {
            session.last_seen_at = now;
            session.expires_at = self.timeouts.end(&session);
            self.store.put(id, &session).await?;
        }
        Ok(Some(session))
    }

    pub async fn end(&self, id: &str) -> anyhow::Result<()> {
        self.store.remove(id).await
    }

    /// The cookie that carries `id`: `__Host-` (Secure, `Path=/`, no `Domain`), HttpOnly,
    /// SameSite=Lax, kept by the browser until the absolute timeout.
    pub fn cookie(&self, id: &str) -> Cookie<'static> {
        Cookie::build(COOKIE, id.to_owned())
            .secure(true)
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(time::Duration::seconds(
                self.timeouts.absolute.as_secs() as i64
            ))
            .finish()
    }

    /// Tells the browser to drop the cookie.
    pub fn removal_cookie() -> Cookie<'static> {
        let mut cookie = Cookie::build(COOKIE, "")
            .secure(true)
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .finish();
        cookie.make_removal();
        cookie
    }
}
