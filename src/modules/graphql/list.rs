//! Lists as every list field gives them: `first` items from the cursor `after`, with the total
//! and the cursor of the rest, so that a client pages through any of them the same way.

use async_graphql::{OutputType, SimpleObject};

use super::changes::Edge;
use super::errors::{Answer, coded};
use super::page::{Community, Link, Page};
use crate::error::Code;

/// The most items one list field gives (`first`).
pub const MAX_FIRST: usize = 100;

/// A list cut to `first` items, with the cursor to pass as `after` for the rest.
#[derive(SimpleObject)]
#[graphql(concrete(name = "PageList", params(Page)))]
#[graphql(concrete(name = "LinkList", params(Link)))]
#[graphql(concrete(name = "EdgeList", params(Edge)))]
#[graphql(concrete(name = "CommunityList", params(Community)))]
pub struct List<T: OutputType> {
    /// How many there are in all.
    pub total: usize,
    pub items: Vec<T>,
    /// `null` on the last part.
    pub next_cursor: Option<String>,
}

/// `all` from the cursor `after`, `first` of them, each made by `item`.
pub fn list<T, U: OutputType>(
    all: &[T],
    first: usize,
    after: Option<&str>,
    item: impl Fn(&T) -> U,
) -> Answer<List<U>> {
    let first = within("first", first, MAX_FIRST)?;
    let start: usize = match after {
        None => 0,
        Some(cursor) => cursor.parse().map_err(|_| {
            coded(
                Code::InvalidCursor,
                format!("`after` `{cursor}` is not a cursor this API gave"),
            )
        })?,
    };
    let end = start.saturating_add(first).min(all.len());
    let items = all.get(start.min(end)..end).unwrap_or_default();
    Ok(List {
        total: all.len(),
        items: items.iter().map(item).collect(),
        next_cursor: (end < all.len()).then(|| end.to_string()),
    })
}

pub fn within(name: &str, given: usize, max: usize) -> Answer<usize> {
    if (1..=max).contains(&given) {
        Ok(given)
    } else {
        Err(coded(
            Code::InvalidLimit,
            format!("`{name}` is {given}: give 1 to {max}"),
        ))
    }
}
