//! What an import stores: the workspace's entities (pages, rows, databases, data sources) and
//! the typed edges between them, each with its provenance.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::modules::notion::links::LinkKind;
use crate::storage::{Collection, Index};

pub static ENTITIES: Collection = Collection {
    name: "notion_entities",
    indexes: &[
        Index::on(&["connection", "kind"]),
        Index::on(&["connection", "notion_id"]),
    ],
    ttl_field: None,
    archived: false,
};

pub static EDGES: Collection = Collection {
    name: "notion_edges",
    indexes: &[
        Index::on(&["connection", "owner", "origin"]),
        Index::on(&["connection", "kind"]),
    ],
    ttl_field: None,
    archived: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Page,
    Row,
    Database,
    DataSource,
    /// A link target the integration cannot read: Notion does not say what it is.
    Unknown,
}

impl EntityKind {
    pub const ALL: [&'static str; 5] = ["page", "row", "database", "data_source", "unknown"];

    /// The stored name (the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Self::Page => Self::ALL[0],
            Self::Row => Self::ALL[1],
            Self::Database => Self::ALL[2],
            Self::DataSource => Self::ALL[3],
            Self::Unknown => Self::ALL[4],
        }
    }
}

/// A page, row, database or data source as imported. `shared: false` marks an id the
/// integration cannot read (a link target that answered 404).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub connection: String,
    pub notion_id: String,
    pub kind: EntityKind,
    pub title: String,
    pub url: Option<String>,
    pub icon: Option<serde_json::Value>,
    pub parent: Option<String>,
    pub created_time: Option<String>,
    pub last_edited_time: Option<String>,
    pub in_trash: bool,
    pub shared: bool,
    /// Changes when the title, parent, trash state or edit time changes.
    pub fingerprint: String,
}

impl Entity {
    /// An entity known only by id: not read (yet), or unreadable.
    pub fn blank(connection: &str, notion_id: &str, kind: EntityKind) -> Self {
        Self {
            connection: connection.to_owned(),
            notion_id: notion_id.to_owned(),
            kind,
            title: String::new(),
            url: None,
            icon: None,
            parent: None,
            created_time: None,
            last_edited_time: None,
            in_trash: false,
            shared: false,
            fingerprint: String::new(),
        }
    }

    /// Marks the entity as read and derives its fingerprint from what it now holds.
    pub fn read(mut self) -> Self {
        self.shared = true;
        self.fingerprint = fingerprint(&[
            &self.title,
            self.parent.as_deref().unwrap_or(""),
            self.last_edited_time.as_deref().unwrap_or(""),
            &self.in_trash.to_string(),
        ]);
        self
    }
}

/// Which read produced an edge, so that re-reading one part replaces exactly its edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The page object: properties and row parentage.
    Properties,
    /// The page's block tree.
    Content,
}

impl Origin {
    /// The stored name (the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Self::Properties => "properties",
            Self::Content => "content",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub connection: String,
    /// The page whose read produced the edge (usually the source; for a row's membership of
    /// its database, the row).
    pub owner: String,
    pub source: String,
    pub target: String,
    /// Stored under its [`LinkKind::name`], the names the first versions wrote.
    pub kind: LinkKind,
    /// The block (or page) the link was found in.
    pub provenance: String,
    pub origin: Origin,
}

impl Edge {
    /// The stored id: one edge per (source, target, kind) per origin. Built from the stored
    /// names, lowercase (as every version wrote it), so that a re-read overwrites its edge.
    pub fn key(&self) -> String {
        let Self {
            connection,
            source,
            target,
            kind,
            origin,
            ..
        } = self;
        let (kind, origin) = (kind.name(), origin.name());
        format!("{connection}:{source}:{kind}:{target}:{origin}").to_lowercase()
    }

    /// The edges by key, each key built once; of a repeated edge the first is kept (its
    /// provenance is the first place the link was found).
    pub fn keyed(edges: impl IntoIterator<Item = Edge>) -> BTreeMap<String, Edge> {
        let mut keyed = BTreeMap::new();
        for edge in edges {
            keyed.entry(edge.key()).or_insert(edge);
        }
        keyed
    }
}

/// 64-bit FNV-1a: a stable fingerprint (std's hasher may change between releases).
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
