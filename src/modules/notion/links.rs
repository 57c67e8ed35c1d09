//! Link extraction: pure functions from a block, a page or a property item to the edges they
//! carry, each with its provenance (the block or page it was found in). Targets are lowercase
//! dashed UUIDs. A relation or rich-text property that Notion cut at 25 entries is flagged
//! `truncated`, so that the importer fetches the full list from the property endpoint.

use serde::{Deserialize, Serialize};

use super::ids;
use super::model::{
    Block, BlockKind, LinkTarget, Mention, Object, Page, Parent, PropertyItem, PropertyItemValue,
    PropertyValue, RichText, RichTextContent,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    PageMention,
    DatabaseMention,
    NotionUrl,
    LinkToPage,
    ChildPage,
    ChildDatabase,
    Relation,
    /// A synced block reference; the target is the *original block*, whose page the importer
    /// resolves.
    SyncedBlock,
    /// A row's membership of its database; the target is the database.
    DataSourceRow,
}

impl LinkKind {
    pub const ALL: [LinkKind; 9] = [
        Self::PageMention,
        Self::DatabaseMention,
        Self::NotionUrl,
        Self::LinkToPage,
        Self::ChildPage,
        Self::ChildDatabase,
        Self::Relation,
        Self::SyncedBlock,
        Self::DataSourceRow,
    ];

    /// The name stored edges carry (the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Self::PageMention => "page_mention",
            Self::DatabaseMention => "database_mention",
            Self::NotionUrl => "notion_url",
            Self::LinkToPage => "link_to_page",
            Self::ChildPage => "child_page",
            Self::ChildDatabase => "child_database",
            Self::Relation => "relation",
            Self::SyncedBlock => "synced_block",
            Self::DataSourceRow => "data_source_row",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Structure rather than reference: a page's children, a data source's rows.
    pub fn is_hierarchy(self) -> bool {
        matches!(
            self,
            Self::ChildPage | Self::ChildDatabase | Self::DataSourceRow
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub kind: LinkKind,
    pub target: String,
    /// The block (or, for properties and parentage, the page) the link was found in.
    pub source: String,
    /// Set on the links of a property Notion cut short; the rest must be fetched.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

fn link(kind: LinkKind, target: &str, source: &str) -> Option<Link> {
    Some(Link {
        kind,
        target: ids::normalize(target)?,
        source: source.to_owned(),
        truncated: false,
    })
}

/// Links in runs of rich text: page and database mentions, and links to Notion URLs.
pub fn from_rich_text(text: &[RichText], source: &str) -> Vec<Link> {
    text.iter()
        .filter_map(|run| from_run(run, source))
        .collect()
}

fn from_run(run: &RichText, source: &str) -> Option<Link> {
    match &run.content {
        RichTextContent::Mention(Mention::Page(id)) => link(LinkKind::PageMention, id, source),
        RichTextContent::Mention(Mention::Database(id) | Mention::DataSource(id)) => {
            link(LinkKind::DatabaseMention, id, source)
        }
        RichTextContent::Mention(Mention::LinkMention(url) | Mention::LinkPreview(url)) => {
            notion_url(url, source)
        }
        RichTextContent::Text { link: Some(url) } => notion_url(url, source),
        _ => None,
    }
}

fn notion_url(url: &str, source: &str) -> Option<Link> {
    Some(Link {
        kind: LinkKind::NotionUrl,
        target: ids::from_notion_url(url)?,
        source: source.to_owned(),
        truncated: false,
    })
}

/// The links a block carries itself (its children are separate blocks).
pub fn from_block(block: &Block) -> Vec<Link> {
    let source = block.id.as_str();
    let one = |kind, target: &str| link(kind, target, source).into_iter().collect();
    match &block.kind {
        BlockKind::ChildPage { .. } => one(LinkKind::ChildPage, &block.id),
        BlockKind::ChildDatabase { .. } => one(LinkKind::ChildDatabase, &block.id),
        BlockKind::LinkToPage(LinkTarget::Page(id) | LinkTarget::Database(id)) => {
            one(LinkKind::LinkToPage, id)
        }
        BlockKind::SyncedBlock {
            synced_from: Some(original),
        } => one(LinkKind::SyncedBlock, original),
        BlockKind::TableRow { cells } => cells
            .iter()
            .flat_map(|cell| from_rich_text(cell, source))
            .collect(),
        kind => match text_of(kind) {
            Some(text) => {
                let mut links = from_rich_text(&text.rich_text, source);
                links.extend(from_rich_text(&text.caption, source));
                links.extend(text.url.as_deref().and_then(|url| notion_url(url, source)));
                links
            }
            None => Vec::new(),
        },
    }
}

fn text_of(kind: &BlockKind) -> Option<&super::model::Text> {
    use BlockKind::*;
    match kind {
        Paragraph(t) | Heading1(t) | Heading2(t) | Heading3(t) | BulletedListItem(t)
        | NumberedListItem(t) | ToDo(t) | Toggle(t) | Quote(t) | Callout(t) | Template(t)
        | Code(t) | Image(t) | Video(t) | File(t) | Pdf(t) | Audio(t) | Bookmark(t) | Embed(t)
        | LinkPreview(t) => Some(t),
        _ => None,
    }
}

/// The links in a page's properties, and a row's membership of its database.
pub fn from_page(page: &Page) -> Vec<Link> {
    let source = page.id.as_str();
    let mut links: Vec<Link> = page
        .properties
        .values()
        .flat_map(|p| from_property(p, source))
        .collect();
    if let Some(Parent::DataSource {
        database_id: Some(database),
        ..
    }) = &page.parent
    {
        links.extend(link(LinkKind::DataSourceRow, database, source));
    }
    links
}

fn from_property(property: &PropertyValue, source: &str) -> Vec<Link> {
    let (mut links, truncated) = match property {
        PropertyValue::Title { text, has_more, .. }
        | PropertyValue::RichText { text, has_more, .. } => {
            (from_rich_text(text, source), *has_more)
        }
        PropertyValue::Relation {
            targets, has_more, ..
        } => (
            targets
                .iter()
                .filter_map(|t| link(LinkKind::Relation, t, source))
                .collect(),
            *has_more,
        ),
        PropertyValue::Other { .. } => (Vec::new(), false),
    };
    links.iter_mut().for_each(|l| l.truncated = truncated);
    links
}

/// The links in one item of a full property list; `page` is the page the property belongs to.
pub fn from_property_item(item: &PropertyItem, page: &str) -> Vec<Link> {
    match &item.value {
        PropertyItemValue::Relation(target) => {
            link(LinkKind::Relation, target, page).into_iter().collect()
        }
        PropertyItemValue::Title(run) | PropertyItemValue::RichText(run) => {
            from_run(run, page).into_iter().collect()
        }
        PropertyItemValue::Other(_) => Vec::new(),
    }
}

/// The links in any parsed response: a block, a page, a property item, or a list of those.
/// `page` names the page a property-item list belongs to, when known.
pub fn from_object(object: &Object, page: Option<&str>) -> Vec<Link> {
    match object {
        Object::Block(block) => from_block(block),
        Object::Page(p) => from_page(p),
        Object::PropertyItem(item) => from_property_item(item, page.unwrap_or(&item.id)),
        Object::List(list) => list
            .results
            .iter()
            .flat_map(|o| from_object(o, page))
            .collect(),
        _ => Vec::new(),
    }
}

/// The links in a saved API response (a block list, a block, a page, a property-item list, a
/// search or query result); an error says why the text is none of these.
pub fn from_json(text: &str) -> Result<Vec<Link>, String> {
    let object: Object =
        serde_json::from_str(text).map_err(|e| format!("not a Notion API response: {e}"))?;
    match &object {
        Object::Block(_) | Object::Page(_) | Object::PropertyItem(_) | Object::List(_) => {
            Ok(from_object(&object, None))
        }
        Object::Error(error) => Err(format!(
            "an error response ({} {}), not content",
            error.status, error.code
        )),
        _ => {
            Err("not a block list, block, page, property-item list, search or query result".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const A: &str = "11111111-2222-3333-4444-555555555555";
    const B: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    fn block(value: Value) -> Block {
        serde_json::from_value(value).unwrap()
    }

    fn kinds(links: &[Link]) -> Vec<(LinkKind, &str)> {
        links.iter().map(|l| (l.kind, l.target.as_str())).collect()
    }

    #[test]
    fn mentions_and_notion_urls_in_text_and_captions_become_links() {
        let b = block(json!({"id": "blk", "type": "image", "image": {
            "caption": [{"type": "mention", "mention": {"type": "page", "page": {"id": A.replace('-', "")}}}],
            "type": "external", "external": {"url": "https://x.example/i.png"}}}));
        assert_eq!(kinds(&from_block(&b)), [(LinkKind::PageMention, A)]);
        let b = block(
            json!({"id": "blk", "type": "paragraph", "paragraph": {"rich_text": [
                {"type": "text", "text": {"content": "x", "link": {"url": format!("https://www.notion.so/Plan-{}", B.replace('-', ""))}}},
                {"type": "text", "text": {"content": "y", "link": {"url": "https://example.com"}}},
                {"type": "mention", "mention": {"type": "database", "database": {"id": A}}},
                {"type": "mention", "mention": {"type": "user", "user": {"id": B}}}
            ]}}),
        );
        assert_eq!(
            kinds(&from_block(&b)),
            [(LinkKind::NotionUrl, B), (LinkKind::DatabaseMention, A)]
        );
    }

    #[test]
    fn structural_blocks_link_to_their_targets() {
        let child = block(json!({"id": A, "type": "child_page", "child_page": {"title": "Kid"}}));
        assert_eq!(kinds(&from_block(&child)), [(LinkKind::ChildPage, A)]);
        let to = block(
            json!({"id": "x", "type": "link_to_page", "link_to_page": {"type": "page_id", "page_id": B}}),
        );
        assert_eq!(kinds(&from_block(&to)), [(LinkKind::LinkToPage, B)]);
        let synced = block(
            json!({"id": "x", "type": "synced_block", "synced_block": {"synced_from": {"type": "block_id", "block_id": A}}}),
        );
        assert_eq!(kinds(&from_block(&synced)), [(LinkKind::SyncedBlock, A)]);
        let original = block(
            json!({"id": "x", "type": "synced_block", "synced_block": {"synced_from": null}}),
        );
        assert!(from_block(&original).is_empty());
        let row = block(
            json!({"id": "x", "type": "table_row", "table_row": {"cells": [[], [
            {"type": "mention", "mention": {"type": "page", "page": {"id": B}}}]]}}),
        );
        assert_eq!(kinds(&from_block(&row)), [(LinkKind::PageMention, B)]);
    }

    #[test]
    fn truncated_relations_are_flagged_and_rows_link_to_their_database() {
        let page: Page = serde_json::from_value(json!({"id": A,
            "parent": {"type": "data_source_id", "data_source_id": "ds", "database_id": B},
            "properties": {"Rel": {"id": "r", "type": "relation", "relation": [{"id": B}], "has_more": true}}}))
        .unwrap();
        let links = from_page(&page);
        assert_eq!(
            kinds(&links),
            [(LinkKind::Relation, B), (LinkKind::DataSourceRow, B)]
        );
        assert!(links[0].truncated);
        assert!(!links[1].truncated);
    }

    #[test]
    fn malformed_targets_are_dropped_not_invented() {
        let b = block(
            json!({"id": "x", "type": "link_to_page", "link_to_page": {"type": "page_id", "page_id": "not-an-id"}}),
        );
        assert!(from_block(&b).is_empty());
    }
}
