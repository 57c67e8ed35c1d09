//! Queries both backends can answer from an index: equality on a prefix of a declared index,
//! optionally sorted by the next field of that index, always tie-broken by id, paged by a keyset
//! cursor (never by offset, so pages stay correct while documents are inserted).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Collection, Document, StoreError, StoreResult, check_name};

/// Equality conditions, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter(pub Vec<(String, Value)>);

impl Filter {
    pub fn all() -> Self {
        Self::default()
    }

    pub fn eq(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.0.push((field.to_owned(), value.into()));
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Filter,
    /// Sort field; `None` sorts by id alone.
    pub sort: Option<String>,
    pub order: Order,
    pub limit: usize,
    pub after: Option<Cursor>,
}

impl Query {
    pub fn new(filter: Filter) -> Self {
        Self {
            filter,
            sort: None,
            order: Order::Asc,
            limit: 100,
            after: None,
        }
    }

    pub fn sort(mut self, field: &str, order: Order) -> Self {
        self.sort = Some(field.to_owned());
        self.order = order;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.after = cursor;
        self
    }

    /// Refuses queries that no declared index serves.
    pub(crate) fn check(&self, collection: &Collection) -> StoreResult<()> {
        for (field, value) in &self.filter.0 {
            check_name(field)?;
            if !is_scalar(value) {
                return Err(StoreError::Unindexed(format!(
                    "filter on `{field}` must be a scalar"
                )));
            }
        }
        if self.limit == 0 || self.limit > 10_000 {
            return Err(StoreError::Other(anyhow::anyhow!(
                "limit must be 1 to 10000"
            )));
        }
        if self.is_served_by_an_index(collection) {
            Ok(())
        } else {
            Err(StoreError::Unindexed(format!(
                "collection `{}` has no index starting with {:?}{}",
                collection.name,
                self.filter
                    .0
                    .iter()
                    .map(|(f, _)| f.as_str())
                    .collect::<Vec<_>>(),
                self.sort
                    .as_deref()
                    .map(|s| format!(" then `{s}`"))
                    .unwrap_or_default(),
            )))
        }
    }

    fn is_served_by_an_index(&self, collection: &Collection) -> bool {
        if self.filter.0.is_empty() && self.sort.is_none() {
            return true; // the primary key serves a plain scan by id
        }
        collection.indexes.iter().any(|index| {
            let k = self.filter.0.len();
            let prefix_matches = index.fields.len() >= k
                && index.fields[..k]
                    .iter()
                    .all(|f| self.filter.0.iter().any(|(g, _)| g == f));
            let sort_matches = match &self.sort {
                None => true,
                Some(sort) => index.fields.get(k) == Some(&sort.as_str()),
            };
            prefix_matches && sort_matches
        })
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// Where the next page starts: the last item's sort value and id. Opaque to API clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub sort_value: Option<Value>,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        hex_encode(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }

    pub fn decode(text: &str) -> Option<Self> {
        let bytes = hex_decode(text)?;
        serde_json::from_slice(&bytes).ok()
    }

    pub(crate) fn after(doc: &Document, sort: Option<&str>) -> Self {
        Self {
            sort_value: sort.map(|field| lookup(&doc.body, field).cloned().unwrap_or(Value::Null)),
            id: doc.id.clone(),
        }
    }
}

/// Follows a dotted path into a body.
pub(crate) fn lookup<'a>(
    body: &'a serde_json::Map<String, Value>,
    path: &str,
) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut current = body.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 4096 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One page of results and the cursor of the next one, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Document>,
    pub next: Option<Cursor>,
}

impl Page {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
    pub(crate) fn from_rows(mut items: Vec<Document>, query: &Query) -> Self {
        let has_more = items.len() > query.limit;
        items.truncate(query.limit);
        let next = if has_more {
            items
                .last()
                .map(|doc| Cursor::after(doc, query.sort.as_deref()))
        } else {
            None
        };
        Self { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Index;

    static PAGES: Collection = Collection {
        name: "pages",
        indexes: &[Index::on(&["tenant_id", "edited"])],
        ttl_field: None,
        archived: false,
    };

    #[test]
    fn an_index_prefix_and_its_next_field_serve_a_query() {
        let q = Query::new(Filter::all().eq("tenant_id", "t1")).sort("edited", Order::Desc);
        assert!(q.check(&PAGES).is_ok());
        assert!(Query::new(Filter::all()).check(&PAGES).is_ok());
    }

    #[test]
    fn a_filter_on_an_unindexed_field_is_refused() {
        let q = Query::new(Filter::all().eq("title", "Roadmap"));
        let err = q.check(&PAGES).unwrap_err();
        assert!(matches!(err, StoreError::Unindexed(_)));
        assert!(err.to_string().contains("title"));
    }

    #[test]
    fn a_sort_that_skips_the_index_prefix_is_refused() {
        let q = Query::new(Filter::all()).sort("edited", Order::Asc);
        assert!(matches!(q.check(&PAGES), Err(StoreError::Unindexed(_))));
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let cursor = Cursor {
            sort_value: Some(Value::from(5)),
            id: "a".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("zz"), None);
        assert_eq!(Cursor::decode("abc"), None);
    }
}
