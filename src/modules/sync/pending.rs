//! The re-reads webhooks asked for, kept per connection until one is done.
//!
//! A webhook event adds its page or database here and enqueues a [`WebhookRefresh`] to drain
//! the set under the workspace's lease. A refresh that finds the lease held leaves the set
//! as it is and ends: whoever holds the lease looks at the set again after releasing it
//! ([`drain_after`]), so an event that arrives during a long import, or during a burst of
//! other events, is re-read once the workspace is free instead of being lost when a job runs
//! out of attempts. Ids are removed only once their re-read succeeded; events that arrive
//! meanwhile stay for the next drain.
//!
//! [`WebhookRefresh`]: super::jobs::WebhookRefresh

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::storage::{Collection, Store, StoreError, StoreResult, Typed};

/// One document per connection, with the connection's id.
pub static PENDING: Collection = Collection {
    name: "sync_pending_refreshes",
    indexes: &[],
    ttl_field: None,
};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub pages: BTreeSet<String>,
    pub databases: BTreeSet<String>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty() && self.databases.is_empty()
    }

    fn merge(&mut self, other: &Pending) {
        self.pages.extend(other.pages.iter().cloned());
        self.databases.extend(other.databases.iter().cloned());
    }

    fn subtract(&mut self, done: &Pending) {
        self.pages.retain(|id| !done.pages.contains(id));
        self.databases.retain(|id| !done.databases.contains(id));
    }
}

fn pending(store: &Store) -> Typed<Pending> {
    Typed::new(store.clone(), &PENDING)
}

/// Adds `more` to the connection's set, creating it the first time.
pub async fn add(store: &Store, connection: &str, more: &Pending) -> StoreResult<()> {
    if more.is_empty() {
        return Ok(());
    }
    loop {
        let merged = pending(store)
            .update(connection, |set| {
                set.merge(more);
                Some(())
            })
            .await?;
        if merged.is_some() {
            return Ok(());
        }
        match pending(store).insert(connection, more).await {
            // Another event created it first: merge into theirs.
            Err(StoreError::Conflict(_)) => continue,
            other => return other.map(|_| ()),
        }
    }
}

/// What the connection has waiting (empty when nothing is).
pub async fn get(store: &Store, connection: &str) -> StoreResult<Pending> {
    Ok(pending(store)
        .get(connection)
        .await?
        .map(|record| record.value)
        .unwrap_or_default())
}

/// Removes what a successful re-read covered.
pub async fn remove(store: &Store, connection: &str, done: &Pending) -> StoreResult<()> {
    pending(store)
        .update(connection, |set| {
            set.subtract(done);
            Some(())
        })
        .await
        .map(|_| ())
}

/// Called by every holder of a workspace's lease once it has released it: re-reads asked for
/// while it held it are handed to a job now, since their own jobs found the lease held.
pub async fn drain_after(state: &AppState, connection: &str) -> anyhow::Result<()> {
    if get(&state.store, connection).await?.is_empty() {
        return Ok(());
    }
    state
        .jobs
        .push(&super::jobs::WebhookRefresh::drain(connection))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pages: &[&str], databases: &[&str]) -> Pending {
        Pending {
            pages: pages.iter().map(|s| s.to_string()).collect(),
            databases: databases.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_finished_reread_removes_only_what_it_covered() {
        let mut waiting = set(&["a", "b"], &["d"]);
        waiting.merge(&set(&["c"], &[]));
        waiting.subtract(&set(&["a", "b"], &[]));
        assert_eq!(waiting, set(&["c"], &["d"]));
        waiting.subtract(&waiting.clone());
        assert!(waiting.is_empty());
    }
}
