//! A lease per workspace, so that two workers never sync the same workspace at once. It lives
//! in the document store (one compare-and-set per acquire or renewal, the same on SQLite and
//! MongoDB) and expires if its holder dies without releasing it.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::now_ms;
use crate::storage::{Collection, Record, Store, StoreError, StoreResult, Typed};

pub static LEASES: Collection = Collection {
    name: "sync_leases",
    indexes: &[],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Lease {
    holder: String,
    /// Epoch milliseconds after which anyone may take the lease.
    expires_at: i64,
}

/// A lease held by this process; renew it well before it expires, release it when done.
pub struct Held {
    store: Store,
    record: Record<Lease>,
    ttl: Duration,
}

fn leases(store: &Store) -> Typed<Lease> {
    Typed::new(store.clone(), &LEASES)
}

fn expiry(ttl: Duration) -> i64 {
    now_ms() + ttl.as_millis() as i64
}

/// When the lease on `key` expires (or expired; 0 once released); `None` when there is none.
pub async fn expires_at(store: &Store, key: &str) -> StoreResult<Option<i64>> {
    Ok(leases(store).get(key).await?.map(|r| r.value.expires_at))
}

/// Takes the lease on `key` for `holder`, unless someone else holds it and has not let it
/// expire. `None` means it is taken.
pub async fn acquire(
    store: &Store,
    key: &str,
    holder: &str,
    ttl: Duration,
) -> StoreResult<Option<Held>> {
    let fresh = Lease {
        holder: holder.to_owned(),
        expires_at: expiry(ttl),
    };
    let written = match leases(store).get(key).await? {
        None => leases(store).insert(key, &fresh).await,
        Some(current) if current.value.holder == holder || current.value.expires_at < now_ms() => {
            leases(store)
                .replace(&Record {
                    value: fresh,
                    ..current
                })
                .await
        }
        Some(_) => return Ok(None),
    };
    match written {
        Ok(record) => Ok(Some(Held {
            store: store.clone(),
            record,
            ttl,
        })),
        // Someone else took it between our read and our write.
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

impl Held {
    /// Extends the lease; an error means it was lost (expired and taken by someone else) and
    /// the holder must stop.
    pub async fn renew(&mut self) -> StoreResult<()> {
        let mut next = self.record.clone();
        next.value.expires_at = expiry(self.ttl);
        self.record = leases(&self.store).replace(&next).await?;
        Ok(())
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Gives the lease up at once (only if it is still ours).
    pub async fn release(self) -> StoreResult<()> {
        let mut expired = self.record.clone();
        expired.value.expires_at = 0;
        match leases(&self.store).replace(&expired).await {
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(other) => Err(other),
        }
    }
}

/// Waits up to one lease lifetime for the lease on `key`: a crashed holder's lease expires
/// by then. `holder` must be unique per attempt (two syncs in one process exclude each other
/// too).
pub async fn wait_for(
    store: &Store,
    key: &str,
    holder: &str,
    ttl: Duration,
) -> StoreResult<Option<Held>> {
    let deadline = tokio::time::Instant::now() + ttl + Duration::from_millis(500);
    loop {
        if let Some(held) = acquire(store, key, holder, ttl).await? {
            return Ok(Some(held));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep((ttl / 10).max(Duration::from_millis(50))).await;
    }
}

/// Runs `work` while a task of its own renews the lease (the renewals must not wait for
/// `work` to be polled); if the lease is lost, `work` is dropped.
pub async fn keep<T, E: From<anyhow::Error>>(
    held: Held,
    work: impl Future<Output = Result<T, E>>,
) -> (Option<Held>, Result<T, E>) {
    let (stop, stopped) = oneshot::channel();
    let (lost, lost_reason) = oneshot::channel();
    let renewer = tokio::spawn(renew_until(held, stopped, lost));
    let result = tokio::select! {
        result = work => result,
        Ok(reason) = lost_reason => Err(anyhow::anyhow!("the lease was lost: {reason}").into()),
    };
    let _ = stop.send(());
    (renewer.await.ok().flatten(), result)
}

/// Renews every third of the lease's lifetime until told to stop; gives the lease back then,
/// or reports why it was lost.
async fn renew_until(
    mut held: Held,
    mut stop: oneshot::Receiver<()>,
    lost: oneshot::Sender<String>,
) -> Option<Held> {
    let mut renew = tokio::time::interval(held.ttl() / 3);
    renew.tick().await;
    loop {
        tokio::select! {
            _ = &mut stop => return Some(held),
            _ = renew.tick() => {
                if let Err(error) = held.renew().await {
                    let _ = lost.send(error.to_string());
                    return None;
                }
            }
        }
    }
}
