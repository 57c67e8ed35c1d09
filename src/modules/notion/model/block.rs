//! Blocks: every current block type, each with the fields that matter to the graph. A type
//! this code does not know (or a known type whose payload has changed shape) is kept as
//! [`BlockKind::Unknown`] with its name, never an error.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Parent, RichText};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "RawBlock")]
pub struct Block {
    pub id: String,
    pub parent: Option<Parent>,
    pub created_time: Option<String>,
    pub last_edited_time: Option<String>,
    pub has_children: bool,
    /// `archived` (older versions) or `in_trash` (newer): either means trashed.
    pub in_trash: bool,
    pub kind: BlockKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    Paragraph(Text),
    Heading1(Text),
    Heading2(Text),
    Heading3(Text),
    BulletedListItem(Text),
    NumberedListItem(Text),
    ToDo(Text),
    Toggle(Text),
    Quote(Text),
    Callout(Text),
    Template(Text),
    Code(Text),
    Image(Text),
    Video(Text),
    File(Text),
    Pdf(Text),
    Audio(Text),
    Bookmark(Text),
    Embed(Text),
    LinkPreview(Text),
    ChildPage { title: String },
    ChildDatabase { title: String },
    LinkToPage(LinkTarget),
    SyncedBlock { synced_from: Option<String> },
    Table,
    TableRow { cells: Vec<Vec<RichText>> },
    Equation,
    Divider,
    TableOfContents,
    Breadcrumb,
    ColumnList,
    Column,
    Unsupported,
    Unknown(String),
}

/// The text of a block and of its caption (media, code, bookmarks and embeds have captions).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Text {
    #[serde(default)]
    pub rich_text: Vec<RichText>,
    #[serde(default)]
    pub caption: Vec<RichText>,
    /// Bookmarks, embeds, link previews and external media.
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkTarget {
    Page(String),
    Database(String),
    Other(String),
}

#[derive(Deserialize)]
struct RawBlock {
    id: String,
    #[serde(default)]
    parent: Option<Parent>,
    #[serde(default)]
    created_time: Option<String>,
    #[serde(default)]
    last_edited_time: Option<String>,
    #[serde(default)]
    has_children: bool,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    in_trash: bool,
    #[serde(rename = "type", default)]
    type_name: String,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl From<RawBlock> for Block {
    fn from(mut raw: RawBlock) -> Self {
        let payload = raw.rest.remove(&raw.type_name).unwrap_or(Value::Null);
        let kind = BlockKind::parse(&raw.type_name, payload);
        Block {
            id: raw.id,
            parent: raw.parent,
            created_time: raw.created_time,
            last_edited_time: raw.last_edited_time,
            has_children: raw.has_children,
            in_trash: raw.archived || raw.in_trash,
            kind,
        }
    }
}

fn typed<T: DeserializeOwned>(payload: Value) -> Option<T> {
    serde_json::from_value(payload).ok()
}

fn string_at(payload: &Value, key: &str) -> Option<String> {
    payload.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl BlockKind {
    fn parse(type_name: &str, payload: Value) -> Self {
        Self::known(type_name, payload).unwrap_or_else(|| BlockKind::Unknown(type_name.to_owned()))
    }

    fn known(type_name: &str, payload: Value) -> Option<Self> {
        if let Some(wrap) = text_variant(type_name) {
            return typed::<Text>(payload).map(wrap);
        }
        Some(match type_name {
            "child_page" => BlockKind::ChildPage {
                title: string_at(&payload, "title").unwrap_or_default(),
            },
            "child_database" => BlockKind::ChildDatabase {
                title: string_at(&payload, "title").unwrap_or_default(),
            },
            "link_to_page" => BlockKind::LinkToPage(link_target(&payload)?),
            "synced_block" => BlockKind::SyncedBlock {
                synced_from: payload
                    .get("synced_from")
                    .and_then(|s| string_at(s, "block_id")),
            },
            "table" => BlockKind::Table,
            "table_row" => BlockKind::TableRow {
                cells: typed(payload.get("cells")?.clone())?,
            },
            "equation" => BlockKind::Equation,
            "divider" => BlockKind::Divider,
            "table_of_contents" => BlockKind::TableOfContents,
            "breadcrumb" => BlockKind::Breadcrumb,
            "column_list" => BlockKind::ColumnList,
            "column" => BlockKind::Column,
            "unsupported" => BlockKind::Unsupported,
            _ => return None,
        })
    }
}

/// Blocks whose payload is text (with a caption or a URL for some).
fn text_variant(type_name: &str) -> Option<fn(Text) -> BlockKind> {
    Some(match type_name {
        "paragraph" => BlockKind::Paragraph,
        "heading_1" => BlockKind::Heading1,
        "heading_2" => BlockKind::Heading2,
        "heading_3" => BlockKind::Heading3,
        "bulleted_list_item" => BlockKind::BulletedListItem,
        "numbered_list_item" => BlockKind::NumberedListItem,
        "to_do" => BlockKind::ToDo,
        "toggle" => BlockKind::Toggle,
        "quote" => BlockKind::Quote,
        "callout" => BlockKind::Callout,
        "template" => BlockKind::Template,
        "code" => BlockKind::Code,
        "image" => BlockKind::Image,
        "video" => BlockKind::Video,
        "file" => BlockKind::File,
        "pdf" => BlockKind::Pdf,
        "audio" => BlockKind::Audio,
        "bookmark" => BlockKind::Bookmark,
        "embed" => BlockKind::Embed,
        "link_preview" => BlockKind::LinkPreview,
        _ => return None,
    })
}

fn link_target(payload: &Value) -> Option<LinkTarget> {
    let kind = payload.get("type").and_then(Value::as_str)?;
    let id = string_at(payload, kind)?;
    Some(match kind {
        "page_id" => LinkTarget::Page(id),
        "database_id" => LinkTarget::Database(id),
        _ => LinkTarget::Other(id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(value: Value) -> Block {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn known_blocks_are_typed_and_unknown_ones_kept_by_name() {
        let b = block(
            json!({"object": "block", "id": "b1", "type": "link_to_page", "has_children": false,
            "link_to_page": {"type": "database_id", "database_id": "d1"}, "archived": true}),
        );
        assert_eq!(
            b.kind,
            BlockKind::LinkToPage(LinkTarget::Database("d1".into()))
        );
        assert!(b.in_trash);
        let b = block(json!({"id": "b2", "type": "ai_block", "ai_block": {"prompt": "x"}}));
        assert_eq!(b.kind, BlockKind::Unknown("ai_block".into()));
        let b = block(
            json!({"id": "b3", "type": "paragraph", "paragraph": {"rich_text": "not a list"}}),
        );
        assert_eq!(
            b.kind,
            BlockKind::Unknown("paragraph".into()),
            "a changed shape is not an error"
        );
    }
}
