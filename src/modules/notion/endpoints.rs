//! The endpoints the product uses, typed. Every list is a stream that follows cursors 100 at a
//! time; a cursor Notion rejects restarts that list once from the beginning (consumers
//! deduplicate by id, as they must anyway: lists can shift while they are read).

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::client::{Call, NotionClient};
use super::error::NotionError;
use super::model::{Block, DataSource, Database, List, Object, Page, PropertyItem, User};

const PAGE_SIZE: usize = 100;

/// How a list is requested: GET lists take the cursor as a query parameter, POST lists in the
/// body.
#[derive(Clone)]
struct ListCall {
    method: Method,
    path: String,
    endpoint: &'static str,
    body: Value,
}

/// Where a list stands between two requests.
struct Cursor {
    next: Option<String>,
    finished: bool,
    restarted: bool,
}

impl NotionClient {
    async fn get<T: DeserializeOwned>(
        &self,
        path: String,
        endpoint: &'static str,
    ) -> Result<T, NotionError> {
        self.call(Call {
            method: Method::GET,
            path,
            endpoint,
            query: Vec::new(),
            body: None,
        })
        .await
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        endpoint: &'static str,
        body: &Value,
    ) -> Result<T, NotionError> {
        self.call(Call {
            method,
            path,
            endpoint,
            query: Vec::new(),
            body: Some(body),
        })
        .await
    }

    async fn list_page<T: DeserializeOwned>(
        &self,
        list: &ListCall,
        cursor: Option<&str>,
    ) -> Result<List<T>, NotionError> {
        if list.method == Method::GET {
            let mut query = vec![("page_size", PAGE_SIZE.to_string())];
            query.extend(cursor.map(|c| ("start_cursor", c.to_owned())));
            let call = Call {
                method: Method::GET,
                path: list.path.clone(),
                endpoint: list.endpoint,
                query,
                body: None,
            };
            return self.call(call).await;
        }
        let mut body = list.body.clone();
        body["page_size"] = json!(PAGE_SIZE);
        if let Some(cursor) = cursor {
            body["start_cursor"] = json!(cursor);
        }
        self.send_json(list.method.clone(), list.path.clone(), list.endpoint, &body)
            .await
    }

    fn paginate<T: DeserializeOwned + Send + 'static>(
        &self,
        list: ListCall,
    ) -> BoxStream<'static, Result<T, NotionError>> {
        let client = self.clone();
        let start = Cursor {
            next: None,
            finished: false,
            restarted: false,
        };
        stream::try_unfold(start, move |mut cursor| {
            let (client, list) = (client.clone(), list.clone());
            async move {
                if cursor.finished {
                    return Ok(None);
                }
                let page = match client.list_page::<T>(&list, cursor.next.as_deref()).await {
                    Err(NotionError::InvalidCursor)
                        if cursor.next.is_some() && !cursor.restarted =>
                    {
                        tracing::warn!(
                            endpoint = list.endpoint,
                            "Notion rejected a cursor; restarting the list"
                        );
                        cursor = Cursor {
                            next: None,
                            finished: false,
                            restarted: true,
                        };
                        client.list_page::<T>(&list, None).await?
                    }
                    other => other?,
                };
                cursor.finished = !page.has_more || page.next_cursor.is_none();
                cursor.next = page.next_cursor;
                Ok(Some((
                    stream::iter(page.results.into_iter().map(Ok)),
                    cursor,
                )))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// Pages and data sources whose title matches `query` (all when empty), most recently
    /// edited first. Incomplete by Notion's design: a seed for traversal, not the whole.
    pub fn search(
        &self,
        query: &str,
        object: Option<&str>,
    ) -> BoxStream<'static, Result<Object, NotionError>> {
        let mut body =
            json!({ "sort": { "timestamp": "last_edited_time", "direction": "descending" } });
        if !query.is_empty() {
            body["query"] = json!(query);
        }
        if let Some(object) = object {
            body["filter"] = json!({ "property": "object", "value": object });
        }
        self.paginate(search_call(body))
    }

    /// One page of [`Self::search`] (all objects), for a caller that keeps the cursor itself
    /// (to resume): the results and the next cursor, `None` at the end.
    pub async fn search_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<Object>, Option<String>), NotionError> {
        let list = search_call(json!({
            "sort": { "timestamp": "last_edited_time", "direction": "descending" }
        }));
        let page: List<Object> = self.list_page(&list, cursor).await?;
        let next = page.next_cursor.filter(|_| page.has_more);
        Ok((page.results, next))
    }

    pub async fn page(&self, id: &str) -> Result<Page, NotionError> {
        self.get(format!("/v1/pages/{id}"), "GET /v1/pages/{id}")
            .await
    }

    /// The full value of a property that the page object cut at 25 entries.
    pub fn page_property(
        &self,
        page: &str,
        property: &str,
    ) -> BoxStream<'static, Result<PropertyItem, NotionError>> {
        let path = format!("/v1/pages/{page}/properties/{}", encode(property));
        self.paginate(ListCall {
            method: Method::GET,
            path,
            endpoint: "GET /v1/pages/{id}/properties/{property_id}",
            body: Value::Null,
        })
    }

    pub async fn block(&self, id: &str) -> Result<Block, NotionError> {
        self.get(format!("/v1/blocks/{id}"), "GET /v1/blocks/{id}")
            .await
    }

    /// One level of children; blocks with `has_children` need their own call.
    pub fn block_children(&self, id: &str) -> BoxStream<'static, Result<Block, NotionError>> {
        let path = format!("/v1/blocks/{id}/children");
        self.paginate(ListCall {
            method: Method::GET,
            path,
            endpoint: "GET /v1/blocks/{id}/children",
            body: Value::Null,
        })
    }

    pub async fn database(&self, id: &str) -> Result<Database, NotionError> {
        self.get(format!("/v1/databases/{id}"), "GET /v1/databases/{id}")
            .await
    }

    pub async fn data_source(&self, id: &str) -> Result<DataSource, NotionError> {
        self.get(
            format!("/v1/data_sources/{id}"),
            "GET /v1/data_sources/{id}",
        )
        .await
    }

    /// The rows of a data source, optionally only those edited on or after `edited_since`
    /// (an ISO 8601 time).
    pub fn query_data_source(
        &self,
        id: &str,
        edited_since: Option<&str>,
    ) -> BoxStream<'static, Result<Page, NotionError>> {
        let body = match edited_since {
            Some(since) => {
                json!({ "filter": { "timestamp": "last_edited_time", "last_edited_time": { "on_or_after": since } } })
            }
            None => json!({}),
        };
        let path = format!("/v1/data_sources/{id}/query");
        self.paginate(ListCall {
            method: Method::POST,
            path,
            endpoint: "POST /v1/data_sources/{id}/query",
            body,
        })
    }

    /// A page object as Notion sent it, for a caller that keeps it whole (the export).
    pub async fn page_json(&self, id: &str) -> Result<Value, NotionError> {
        self.get(format!("/v1/pages/{id}"), "GET /v1/pages/{id}")
            .await
    }

    /// A database object as Notion sent it.
    pub async fn database_json(&self, id: &str) -> Result<Value, NotionError> {
        self.get(format!("/v1/databases/{id}"), "GET /v1/databases/{id}")
            .await
    }

    /// A data source object (with its schema) as Notion sent it.
    pub async fn data_source_json(&self, id: &str) -> Result<Value, NotionError> {
        self.get(
            format!("/v1/data_sources/{id}"),
            "GET /v1/data_sources/{id}",
        )
        .await
    }

    /// Every entry of a page property (the full list of one Notion cut at 25) as Notion sent
    /// them.
    pub fn page_property_json(
        &self,
        page: &str,
        property: &str,
    ) -> BoxStream<'static, Result<Value, NotionError>> {
        let path = format!("/v1/pages/{page}/properties/{}", encode(property));
        self.paginate(ListCall {
            method: Method::GET,
            path,
            endpoint: "GET /v1/pages/{id}/properties/{property_id}",
            body: Value::Null,
        })
    }

    /// One level of children as Notion sent them.
    pub fn block_children_json(&self, id: &str) -> BoxStream<'static, Result<Value, NotionError>> {
        self.paginate(ListCall {
            method: Method::GET,
            path: format!("/v1/blocks/{id}/children"),
            endpoint: "GET /v1/blocks/{id}/children",
            body: Value::Null,
        })
    }

    /// The integration's bot user: a cheap check that a token works.
    pub async fn me(&self) -> Result<User, NotionError> {
        self.get("/v1/users/me".into(), "GET /v1/users/me").await
    }

    pub async fn create_page(&self, body: &Value) -> Result<Page, NotionError> {
        self.send_json(Method::POST, "/v1/pages".into(), "POST /v1/pages", body)
            .await
    }

    pub async fn update_page(&self, id: &str, body: &Value) -> Result<Page, NotionError> {
        self.send_json(
            Method::PATCH,
            format!("/v1/pages/{id}"),
            "PATCH /v1/pages/{id}",
            body,
        )
        .await
    }

    /// `POST /v1/pages/{id}/move`: the page moves under the parent `body` names.
    pub async fn move_page(&self, id: &str, body: &Value) -> Result<Page, NotionError> {
        self.send_json(
            Method::POST,
            format!("/v1/pages/{id}/move"),
            "POST /v1/pages/{id}/move",
            body,
        )
        .await
    }

    /// `POST /v1/comments`: a comment on a page (the body names it); Notion answers the comment.
    pub async fn create_comment(&self, body: &Value) -> Result<Value, NotionError> {
        self.send_json(
            Method::POST,
            "/v1/comments".into(),
            "POST /v1/comments",
            body,
        )
        .await
    }

    pub async fn append_children(
        &self,
        id: &str,
        body: &Value,
    ) -> Result<List<Block>, NotionError> {
        self.send_json(
            Method::PATCH,
            format!("/v1/blocks/{id}/children"),
            "PATCH /v1/blocks/{id}/children",
            body,
        )
        .await
    }

    pub async fn delete_block(&self, id: &str) -> Result<Block, NotionError> {
        self.call(Call {
            method: Method::DELETE,
            path: format!("/v1/blocks/{id}"),
            endpoint: "DELETE /v1/blocks/{id}",
            query: Vec::new(),
            body: None,
        })
        .await
    }
}

/// Property ids are short strings that may hold `%`, `;`, `=` and the like.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn search_call(body: Value) -> ListCall {
    ListCall {
        method: Method::POST,
        path: "/v1/search".into(),
        endpoint: "POST /v1/search",
        body,
    }
}
