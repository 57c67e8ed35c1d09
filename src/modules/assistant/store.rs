//! Persistence of conversations, messages, plans and tasks through the document store. A
//! reader always names the tenant: a document of another user is treated as missing.

use super::model::{Conversation, Message, Plan, Task};
use crate::storage::{Collection, Filter, Index, Order, Query, Record, Store, StoreResult, Typed};

pub static CONVERSATIONS: Collection = Collection {
    name: "assistant_conversations",
    indexes: &[
        Index::on(&["tenant", "updated_at"]),
        Index::on(&["workspace"]),
    ],
    ttl_field: None,
    archived: false,
};

pub static MESSAGES: Collection = Collection {
    name: "assistant_messages",
    indexes: &[
        Index::on(&["conversation", "seq"]),
        Index::on(&["workspace"]),
        Index::on(&["tenant", "event"]),
    ],
    ttl_field: None,
    archived: false,
};

pub static PLANS: Collection = Collection {
    name: "assistant_plans",
    indexes: &[
        Index::on(&["conversation"]),
        Index::on(&["workspace"]),
        Index::on(&["tenant", "event"]),
    ],
    ttl_field: None,
    archived: false,
};

pub static TASKS: Collection = Collection {
    name: "assistant_tasks",
    indexes: &[
        Index::on(&["conversation"]),
        Index::on(&["workspace"]),
        Index::on(&["tenant", "event"]),
    ],
    ttl_field: None,
    archived: false,
};

/// Conversations a listing shows, and messages a conversation keeps, at most.
pub const MAX_CONVERSATIONS: usize = 100;
pub const MAX_MESSAGES: usize = 1000;

pub fn conversations(store: &Store) -> Typed<Conversation> {
    Typed::new(store.clone(), &CONVERSATIONS)
}

pub fn messages(store: &Store) -> Typed<Message> {
    Typed::new(store.clone(), &MESSAGES)
}

pub fn plans(store: &Store) -> Typed<Plan> {
    Typed::new(store.clone(), &PLANS)
}

pub fn tasks(store: &Store) -> Typed<Task> {
    Typed::new(store.clone(), &TASKS)
}

/// Documents whose `tenant` field is the caller's.
pub trait Owned {
    fn tenant(&self) -> &str;
}

macro_rules! owned {
    ($($t:ty),+) => {
        $(impl Owned for $t {
            fn tenant(&self) -> &str {
                &self.tenant
            }
        })+
    };
}
owned!(Conversation, Message, Plan, Task);

/// The record `id` of `typed` if it belongs to `tenant`.
pub async fn owned<T>(typed: &Typed<T>, tenant: &str, id: &str) -> StoreResult<Option<Record<T>>>
where
    T: Owned + serde::Serialize + serde::de::DeserializeOwned,
{
    Ok(typed.get(id).await?.filter(|r| r.value.tenant() == tenant))
}

/// The tenant's conversations, most recently active first.
pub async fn conversations_of(
    store: &Store,
    tenant: &str,
) -> StoreResult<Vec<Record<Conversation>>> {
    let query = Query::new(Filter::all().eq("tenant", tenant))
        .sort("updated_at", Order::Desc)
        .limit(MAX_CONVERSATIONS);
    Ok(conversations(store).find(&query).await?.0)
}

/// A conversation's messages, oldest first.
pub async fn messages_of(store: &Store, conversation: &str) -> StoreResult<Vec<Record<Message>>> {
    let query = Query::new(Filter::all().eq("conversation", conversation))
        .sort("seq", Order::Asc)
        .limit(MAX_MESSAGES);
    Ok(messages(store).find(&query).await?.0)
}

/// Ids of every document of `collection` whose `field` is `value`.
pub async fn ids_where(
    store: &Store,
    collection: &'static Collection,
    field: &str,
    value: &str,
) -> StoreResult<Vec<String>> {
    let typed: Typed<serde_json::Map<String, serde_json::Value>> =
        Typed::new(store.clone(), collection);
    let mut ids = Vec::new();
    let query = Query::new(Filter::all().eq(field, value)).limit(500);
    typed.for_each(&query, |record| ids.push(record.id)).await?;
    Ok(ids)
}
