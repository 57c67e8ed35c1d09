//! The workspace as stored: structured, index-linked data that is rendered to Notion JSON on
//! request. Entities (pages, databases, data sources, rows) and blocks live in flat vectors and
//! refer to each other by index, which keeps 100k-page workspaces compact.

use std::collections::HashMap;

use crate::ids::{Id, UrlForm};

/// Index into `Workspace::entities`.
pub type Ent = u32;
/// Index into `Workspace::blocks`.
pub type Blk = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Page,
    Database,
    DataSource,
    Row,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Database => "database",
            Kind::DataSource => "data_source",
            Kind::Row => "row",
        }
    }

    /// Pages and rows are both Notion page objects.
    pub fn is_page(self) -> bool {
        matches!(self, Kind::Page | Kind::Row)
    }
}

/// Where an entity sits. Rows point at their data source, data sources at their database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    Workspace,
    Page(Ent),
    Database(Ent),
    DataSource(Ent),
}

/// Kind-specific contents.
#[derive(Clone, Debug)]
pub enum Body {
    Page {
        blocks: Vec<Blk>,
    },
    Database {
        sources: Vec<Ent>,
    },
    DataSource {
        rows: Vec<Ent>,
        /// The data source this one's relation property points at.
        related: Ent,
    },
    Row {
        blocks: Vec<Blk>,
        relation: Vec<Ent>,
        /// The rich-text "Notes" property; may hold mentions.
        notes: Vec<Span>,
    },
}

#[derive(Clone, Debug)]
pub struct Entity {
    pub id: Id,
    pub title: String,
    pub parent: Parent,
    pub shared: bool,
    pub in_search: bool,
    pub trashed: bool,
    /// Milliseconds since the epoch, exact; the API rounds them to the minute.
    pub created: i64,
    pub edited: i64,
    pub body: Body,
}

impl Entity {
    pub fn kind(&self) -> Kind {
        match self.body {
            Body::Page { .. } => Kind::Page,
            Body::Database { .. } => Kind::Database,
            Body::DataSource { .. } => Kind::DataSource,
            Body::Row { .. } => Kind::Row,
        }
    }

    /// Top-level content blocks of a page or row; empty for containers.
    pub fn blocks(&self) -> &[Blk] {
        match &self.body {
            Body::Page { blocks } | Body::Row { blocks, .. } => blocks,
            _ => &[],
        }
    }

    pub fn blocks_mut(&mut self) -> Option<&mut Vec<Blk>> {
        match &mut self.body {
            Body::Page { blocks } | Body::Row { blocks, .. } => Some(blocks),
            _ => None,
        }
    }

    /// Data sources of a database or rows of a data source.
    pub fn members(&self) -> &[Ent] {
        match &self.body {
            Body::Database { sources } => sources,
            Body::DataSource { rows, .. } => rows,
            _ => &[],
        }
    }
}

/// One piece of rich text.
#[derive(Clone, Debug)]
pub enum Span {
    /// Generated words, expanded from the seed on render.
    Lorem(u32),
    Text(Box<str>),
    /// A page or database mention (the target's kind decides which).
    Mention(Ent),
    /// A text link to a workspace entity in one of Notion's URL forms.
    Url {
        target: Ent,
        form: UrlForm,
    },
    /// A text link given by URL (external, or a Notion URL written through the API).
    Link {
        text: Box<str>,
        url: Box<str>,
    },
    User(u8),
    Date(u32),
    LinkPreview(u32),
    /// Known mention type that is not a graph edge.
    TemplateMention,
    /// A mention type clients do not know yet.
    UnknownMention,
    Equation,
}

/// Block types that carry a rich-text body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    Paragraph,
    Heading1,
    Heading2,
    Heading3,
    Bulleted,
    Numbered,
    ToDo,
    Toggle,
    Quote,
    Callout,
}

impl TextKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TextKind::Paragraph => "paragraph",
            TextKind::Heading1 => "heading_1",
            TextKind::Heading2 => "heading_2",
            TextKind::Heading3 => "heading_3",
            TextKind::Bulleted => "bulleted_list_item",
            TextKind::Numbered => "numbered_list_item",
            TextKind::ToDo => "to_do",
            TextKind::Toggle => "toggle",
            TextKind::Quote => "quote",
            TextKind::Callout => "callout",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "paragraph" => TextKind::Paragraph,
            "heading_1" => TextKind::Heading1,
            "heading_2" => TextKind::Heading2,
            "heading_3" => TextKind::Heading3,
            "bulleted_list_item" => TextKind::Bulleted,
            "numbered_list_item" => TextKind::Numbered,
            "to_do" => TextKind::ToDo,
            "toggle" => TextKind::Toggle,
            "quote" => TextKind::Quote,
            "callout" => TextKind::Callout,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub enum BlockKind {
    Text(TextKind, Vec<Span>),
    Divider,
    ColumnList,
    Column,
    Table {
        width: u8,
    },
    TableRow(Vec<Vec<Span>>),
    Image {
        caption: Vec<Span>,
    },
    Code {
        caption: Vec<Span>,
    },
    /// Rendered with the child's id; the child entity is the source of truth.
    ChildPage(Ent),
    ChildDatabase(Ent),
    LinkToPage(Ent),
    SyncedOriginal,
    /// A synced block reference; its children are the original's.
    SyncedRef(Blk),
    /// A block type clients do not know (`ai_block`, `transcription`).
    Unknown(&'static str),
}

#[derive(Clone, Debug)]
pub struct Block {
    pub id: Id,
    /// The page or row whose content this block is part of.
    pub page: Ent,
    /// The enclosing block, `None` at the top level of the page.
    pub parent: Option<Blk>,
    pub kind: BlockKind,
    pub children: Vec<Blk>,
    pub created: i64,
    pub edited: i64,
    pub trashed: bool,
}

/// What an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref {
    Entity(Ent),
    Block(Blk),
}

/// The whole simulated workspace.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub seed: u64,
    pub workspace_id: Id,
    pub users: Vec<Id>,
    pub entities: Vec<Entity>,
    pub blocks: Vec<Block>,
    pub index: HashMap<Id, Ref>,
}

impl Workspace {
    pub fn entity(&self, e: Ent) -> &Entity {
        &self.entities[e as usize]
    }

    pub fn entity_mut(&mut self, e: Ent) -> &mut Entity {
        &mut self.entities[e as usize]
    }

    pub fn block(&self, b: Blk) -> &Block {
        &self.blocks[b as usize]
    }

    pub fn block_mut(&mut self, b: Blk) -> &mut Block {
        &mut self.blocks[b as usize]
    }

    pub fn lookup(&self, id: Id) -> Option<Ref> {
        self.index.get(&id).copied()
    }

    pub fn lookup_entity(&self, id: Id) -> Option<Ent> {
        match self.lookup(id)? {
            Ref::Entity(e) => Some(e),
            Ref::Block(_) => None,
        }
    }

    /// The database a row belongs to (through its data source).
    pub fn row_database(&self, row: Ent) -> Option<Ent> {
        match self.entity(row).parent {
            Parent::DataSource(ds) => match self.entity(ds).parent {
                Parent::Database(db) => Some(db),
                _ => None,
            },
            _ => None,
        }
    }

    /// Appends an entity and indexes its id.
    pub fn push_entity(&mut self, entity: Entity) -> Ent {
        let e = self.entities.len() as Ent;
        self.index.insert(entity.id, Ref::Entity(e));
        self.entities.push(entity);
        e
    }

    /// Appends a block and indexes its id; child page/database blocks reuse the child's id and
    /// are reached through the entity instead.
    pub fn push_block(&mut self, block: Block) -> Blk {
        let b = self.blocks.len() as Blk;
        if !matches!(
            block.kind,
            BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)
        ) {
            self.index.insert(block.id, Ref::Block(b));
        }
        self.blocks.push(block);
        b
    }

    /// Whether a block has children as the API reports it.
    pub fn has_children(&self, b: Blk) -> bool {
        let block = self.block(b);
        match block.kind {
            BlockKind::SyncedRef(original) => !self.live_children(original).is_empty(),
            BlockKind::ChildPage(page) => self
                .entity(page)
                .blocks()
                .iter()
                .any(|c| !self.block(*c).trashed),
            BlockKind::ChildDatabase(_) => false,
            _ => !self.live_children(b).is_empty(),
        }
    }

    /// Children that are not trashed, in order.
    pub fn live_children(&self, b: Blk) -> Vec<Blk> {
        self.live(&self.block(b).children)
    }

    pub fn live(&self, blocks: &[Blk]) -> Vec<Blk> {
        blocks
            .iter()
            .copied()
            .filter(|c| !self.block(*c).trashed)
            .collect()
    }

    /// The page holding a block; for synced references the content belongs elsewhere.
    pub fn block_page(&self, b: Blk) -> Ent {
        self.block(b).page
    }

    /// Trashed itself, or inside a trashed database (data sources and rows follow their
    /// database into the trash).
    pub fn in_trash(&self, e: Ent) -> bool {
        let entity = self.entity(e);
        entity.trashed
            || match entity.parent {
                Parent::Database(db) => self.entity(db).trashed,
                Parent::DataSource(ds) => self.in_trash(ds),
                _ => false,
            }
    }

    /// Is this entity visible to the integration at all?
    pub fn visible(&self, e: Ent) -> bool {
        self.entity(e).shared
    }
}
