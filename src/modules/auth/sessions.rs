//! Server-side sessions. The browser holds an opaque id (256 random bits) in the
//! `__Host-ng_session` cookie; the server keeps the session under the id's digest: in the
//! document store in embedded mode, in Redis in production (shared by every instance).
//!
//! A session ends at whichever comes first: `idle` after it was last used (default 7 days) or
//! `absolute` after sign-in (default 30 days). Logout deletes it; a password change, a reset
//! and "sign out everywhere" bump the user's session epoch, which ends every older session.
//!
//! A user's sessions can be listed (the documents are indexed by user; Redis keeps a set of
//! the user's session keys beside them). A listed session is named by its `public_id`, a
//! random id of its own: the id in the cookie, and its digest, never leave the server.

use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite, time};
use serde::{Deserialize, Serialize};

use super::model::rfc3339;
use super::tokens::{digest, random};
use crate::cache::SharedCache;
use crate::modules::sync::now_ms;
use crate::storage::{Collection, Filter, Index, Query, Store, Typed};

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
    /// What the account page and `GET /api/v1/me/sessions` call the session; empty in
    /// sessions begun before it existed (see [`Sessions::of_user`]).
    #[serde(default)]
    pub public_id: String,
    /// Browser and system, from the User-Agent at sign-in ([`super::device::describe`]).
    #[serde(default)]
    pub device: String,
}

/// A live session as its user sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Names the session to `DELETE /api/v1/me/sessions/{id}`; not the cookie's value.
    pub id: String,
    /// Browser and system, e.g. `Firefox on Linux`.
    pub device: String,
    /// RFC 3339: when it signed in.
    pub started_at: String,
    /// RFC 3339, to within a minute.
    pub last_seen_at: String,
    /// The session this request came with.
    pub current: bool,
}

/// A listed session: its storage key (the digest of its id) and what it holds.
pub struct Listed {
    key: String,
    pub session: Session,
}

impl Listed {
    /// Whether this is the session behind the cookie value `id`.
    pub fn is(&self, id: &str) -> bool {
        self.key == digest(id)
    }

    pub fn view(&self, current: bool) -> SessionView {
        SessionView {
            id: self.session.public_id.clone(),
            device: self.session.device.clone(),
            started_at: rfc3339(self.session.created_at),
            last_seen_at: rfc3339(self.session.last_seen_at),
            current,
        }
    }
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

    /// `key` is the digest of the session's id (what the documents are stored under).
    fn redis_key(key: &str) -> String {
        format!("session:{key}")
    }

    /// The Redis set of a user's session keys; it outlives each session it names.
    fn user_set(user: &str) -> String {
        format!("sessions-of:{user}")
    }

    async fn put(&self, key: &str, session: &Session, index_for: Duration) -> anyhow::Result<()> {
        match self {
            Self::Documents(typed) => {
                typed.upsert(key, session).await?;
            }
            Self::Redis(cache) => {
                let ttl = Duration::from_millis((session.expires_at - now_ms()).max(1) as u64);
                cache
                    .set(&Self::redis_key(key), &serde_json::to_vec(session)?, ttl)
                    .await?;
                cache
                    .add_member(&Self::user_set(&session.user), key, index_for)
                    .await?;
            }
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Session>> {
        Ok(match self {
            Self::Documents(typed) => typed.get(key).await?.map(|r| r.value),
            Self::Redis(cache) => match cache.get(&Self::redis_key(key)).await? {
                Some(bytes) => Some(serde_json::from_slice(&bytes)?),
                None => None,
            },
        })
    }

    /// The set of a user's sessions keeps a removed one's key until [`Self::of_user`] finds
    /// it gone: removing needs no read of the session to learn its user.
    async fn remove(&self, key: &str) -> anyhow::Result<()> {
        match self {
            Self::Documents(typed) => {
                typed.delete(key).await?;
            }
            Self::Redis(cache) => cache.delete(&Self::redis_key(key)).await?,
        }
        Ok(())
    }

    /// Every stored session of `user`, ended or not.
    async fn of_user(&self, user: &str) -> anyhow::Result<Vec<(String, Session)>> {
        let mut found = Vec::new();
        match self {
            Self::Documents(typed) => {
                let query = Query::new(Filter::all().eq("user", user)).limit(200);
                typed
                    .for_each(&query, |r| found.push((r.id, r.value)))
                    .await?;
            }
            Self::Redis(cache) => {
                let set = Self::user_set(user);
                for key in cache.members(&set).await? {
                    match self.get(&key).await? {
                        Some(session) => found.push((key, session)),
                        None => cache.remove_member(&set, &key).await?,
                    }
                }
            }
        }
        Ok(found)
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

    /// Starts a session for `user` at `epoch` on `device` and returns its id (for the cookie
    /// only).
    pub async fn start(
        &self,
        user: &str,
        epoch: u32,
        device: String,
    ) -> anyhow::Result<(String, Session)> {
        let now = now_ms();
        let mut session = Session {
            user: user.to_owned(),
            epoch,
            csrf: random(),
            created_at: now,
            last_seen_at: now,
            expires_at: 0,
            public_id: random(),
            device,
        };
        session.expires_at = self.timeouts.end(&session);
        let id = random();
        self.put(&digest(&id), &session).await?;
        Ok((id, session))
    }

    /// No session outlives its absolute timeout, so neither need the index of a user's.
    async fn put(&self, key: &str, session: &Session) -> anyhow::Result<()> {
        self.store.put(key, session, self.timeouts.absolute).await
    }

    /// The sessions of `user` that still hold: under the user's current `epoch` and not timed
    /// out. Newest first.
    pub async fn of_user(&self, user: &str, epoch: u32) -> anyhow::Result<Vec<Listed>> {
        let now = now_ms();
        let mut live: Vec<Listed> = self
            .store
            .of_user(user)
            .await?
            .into_iter()
            .filter(|(_, s)| s.user == user && s.epoch == epoch && now < self.timeouts.end(s))
            .map(|(key, mut session)| {
                // A session begun before public ids gets one derived from its key: stable, and
                // telling nothing of the id.
                if session.public_id.is_empty() {
                    session.public_id = digest(&format!("public:{key}"));
                }
                Listed { key, session }
            })
            .collect();
        live.sort_by_key(|l| std::cmp::Reverse(l.session.created_at));
        Ok(live)
    }

    /// Ends a session [`Self::of_user`] listed.
    pub async fn end_listed(&self, listed: &Listed) -> anyhow::Result<()> {
        self.store.remove(&listed.key).await
    }

    /// The live session behind `id`, its idle time renewed; `None` when unknown or timed out.
    pub async fn resume(&self, id: &str) -> anyhow::Result<Option<Session>> {
        if id.len() > 128 {
            return Ok(None);
        }
        let key = digest(id);
        let Some(mut session) = self.store.get(&key).await? else {
            return Ok(None);
        };
        let now = now_ms();
        if now >= self.timeouts.end(&session) {
            self.store.remove(&key).await?;
            return Ok(None);
        }
        if now - session.last_seen_at >= self.timeouts.touch_after_ms() {
            session.last_seen_at = now;
            session.expires_at = self.timeouts.end(&session);
            self.put(&key, &session).await?;
        }
        Ok(Some(session))
    }

    pub async fn end(&self, id: &str) -> anyhow::Result<()> {
        self.store.remove(&digest(id)).await
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
