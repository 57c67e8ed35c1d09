//! Typed Notion objects for the pinned version (2025-09-03), parsed tolerantly: unknown fields
//! are ignored, and unknown block, mention, property and object types are kept as `Unknown`.

mod block;
mod page;
mod rich_text;

use serde::Deserialize;
use serde_json::Value;

pub use block::{Block, BlockKind, LinkTarget, Text};
pub use page::{
    Container, DataSource, DataSourceRef, Database, Page, PropertyItem, PropertyItemValue,
    PropertyValue,
};
pub use rich_text::{Mention, RichText, RichTextContent};

/// Where an object lives.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawParent")]
pub enum Parent {
    Page(String),
    Database(String),
    /// A data source row: its data source and that source's database.
    DataSource {
        data_source_id: String,
        database_id: Option<String>,
    },
    Block(String),
    Workspace,
    Unknown(String),
}

#[derive(Deserialize)]
struct RawParent {
    #[serde(rename = "type", default)]
    type_name: String,
    page_id: Option<String>,
    database_id: Option<String>,
    data_source_id: Option<String>,
    block_id: Option<String>,
}

impl From<RawParent> for Parent {
    fn from(raw: RawParent) -> Self {
        let unknown = || Parent::Unknown(raw.type_name.clone());
        match raw.type_name.as_str() {
            "page_id" => raw.page_id.clone().map_or_else(unknown, Parent::Page),
            "database_id" => raw
                .database_id
                .clone()
                .map_or_else(unknown, Parent::Database),
            "data_source_id" => raw
                .data_source_id
                .clone()
                .map_or_else(unknown, |data_source_id| Parent::DataSource {
                    data_source_id,
                    database_id: raw.database_id.clone(),
                }),
            "block_id" => raw.block_id.clone().map_or_else(unknown, Parent::Block),
            "workspace" => Parent::Workspace,
            _ => unknown(),
        }
    }
}

/// A page of a paginated list.
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    pub results: Vec<T>,
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// For a bot: the workspace it belongs to.
    #[serde(default)]
    pub bot: Option<BotInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BotInfo {
    #[serde(default)]
    pub workspace_name: Option<String>,
    #[serde(default)]
    pub workspace_id: Option<String>,
}

/// Notion's error body: `{"object":"error","status","code","message","request_id"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub additional_data: Option<Value>,
}

/// Any object a response can hold, by its `object` field.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "object", rename_all = "snake_case")]
pub enum Object {
    Page(Page),
    Database(Database),
    DataSource(DataSource),
    Block(Block),
    PropertyItem(PropertyItem),
    User(User),
    Error(ErrorBody),
    List(List<Object>),
    #[serde(other)]
    Unknown,
}
