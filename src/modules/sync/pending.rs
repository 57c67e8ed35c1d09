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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::storage::{Collection, Store, StoreError, StoreResult, Typed};

/// One document per connection, with the connection's id.
pub static PENDING: Collection = Collection {
    name: "sync_pending_refreshes",
    indexes: &[],
    ttl_field: None,
    archived: false,
};

/// Each id with the number of the request that named it last, so that a request that comes
/// in while an earlier one for the same id is being re-read is not removed with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub pages: BTreeMap<String, u64>,
    pub databases: BTreeMap<String, u64>,
    next: u64,
}

impl Pending {
    pub fn asking(pages: Vec<String>, databases: Vec<String>) -> Self {
        let mut asked = Pending::default();
        asked.name(pages, databases);
        asked
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty() && self.databases.is_empty()
    }

    fn name(
        &mut self,
        pages: impl IntoIterator<Item = String>,
        databases: impl IntoIterator<Item = String>,
    ) {
        for id in pages {
            self.pages.insert(id, self.next);
            self.next += 1;
        }
        for id in databases {
            self.databases.insert(id, self.next);
            self.next += 1;
        }
    }

    fn merge(&mut self, other: &Pending) {
        self.name(other.pages.keys().cloned(), other.databases.keys().cloned());
    }

    fn subtract(&mut self, done: &Pending) {
        self.pages.retain(|id, n| done.pages.get(id) != Some(n));
        self.databases
            .retain(|id, n| done.databases.get(id) != Some(n));
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

    fn ids(ids: &BTreeMap<String, u64>) -> Vec<&str> {
        ids.keys().map(String::as_str).collect()
    }

    #[test]
    fn a_finished_reread_removes_only_what_it_covered() {
        let mut waiting = Pending::asking(vec!["a".into(), "b".into()], vec!["d".into()]);
        let being_read = waiting.clone();
        // Asked again while being read: the re-read may have read it before the change.
        waiting.merge(&Pending::asking(vec!["b".into(), "c".into()], vec![]));
        waiting.subtract(&being_read);
        assert_eq!(ids(&waiting.pages), ["b", "c"]);
        assert!(waiting.databases.is_empty());
        waiting.subtract(&waiting.clone());
        assert!(waiting.is_empty());
    }
}
