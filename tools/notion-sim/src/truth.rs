//! Ground truth: every entity and every edge, as the importer should end up storing them.
//!
//! Edge rules: the source is the page, row or database whose content or properties hold the
//! link. Links inside a synced original belong to the original's page only; a page holding a
//! reference gets one `synced_block` edge to the original's page. Trashed blocks (including
//! the child-page block of a trashed page and the rows a query no longer returns) carry no
//! edges, but links *to* trashed or unshared targets are kept: the importer stores them as
//! dangling. Edges are deduplicated per (source, target, kind) and self-links are dropped.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::ids::{dashed, parse_notion_url};
use crate::model::{Blk, BlockKind, Body, Ent, Kind, Parent, Span, Workspace};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTruth {
    pub id: String,
    /// `page`, `database`, `data_source` or `row`.
    pub kind: String,
    pub title: String,
    /// The parent page, database (for data sources and rows) or `None` at the workspace top.
    pub parent: Option<String>,
    pub shared: bool,
    pub in_search: bool,
    pub trashed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EdgeTruth {
    pub source: String,
    pub target: String,
    pub kind: String,
}

/// `GET /_sim/truth`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    pub pages: Vec<PageTruth>,
    pub edges: Vec<EdgeTruth>,
}

pub const EDGE_KINDS: [&str; 9] = [
    "page_mention",
    "database_mention",
    "notion_url",
    "link_to_page",
    "child_page",
    "child_database",
    "relation",
    "synced_block",
    "data_source_row",
];

impl Truth {
    pub fn of(ws: &Workspace) -> Self {
        let pages = (0..ws.entities.len() as Ent)
            .map(|e| page_truth(ws, e))
            .collect();
        let mut edges = Vec::new();
        for e in 0..ws.entities.len() as Ent {
            for (target, kind) in entity_edges(ws, e) {
                edges.push((e, target, kind));
            }
        }
        let mut seen = HashSet::new();
        let edges = edges
            .into_iter()
            .filter(|edge| edge.0 != edge.1 && seen.insert(*edge))
            .map(|(s, t, kind)| EdgeTruth {
                source: dashed(ws.entity(s).id),
                target: dashed(ws.entity(t).id),
                kind: kind.to_owned(),
            })
            .collect();
        Truth { pages, edges }
    }
}

fn page_truth(ws: &Workspace, index: Ent) -> PageTruth {
    let e = ws.entity(index);
    let parent = match e.parent {
        Parent::Workspace => None,
        Parent::Page(p) | Parent::Database(p) => Some(ws.entity(p).id),
        // Rows hang under their database in the graph (the data_source_row edge's source).
        Parent::DataSource(ds) => match ws.entity(ds).parent {
            Parent::Database(db) => Some(ws.entity(db).id),
            _ => Some(ws.entity(ds).id),
        },
    };
    PageTruth {
        id: dashed(e.id),
        kind: e.kind().as_str().to_owned(),
        title: e.title.clone(),
        parent: parent.map(dashed),
        shared: e.shared,
        in_search: e.in_search,
        trashed: ws.in_trash(index),
    }
}

/// Outgoing edges of one entity as (target, kind), possibly with duplicates.
pub fn entity_edges(ws: &Workspace, e: Ent) -> Vec<(Ent, &'static str)> {
    let mut out = Vec::new();
    match &ws.entity(e).body {
        Body::Page { blocks } => blocks_edges(ws, blocks, &mut out),
        Body::Row {
            blocks,
            relation,
            notes,
        } => {
            blocks_edges(ws, blocks, &mut out);
            out.extend(relation.iter().map(|t| (*t, "relation")));
            spans_edges(ws, notes, &mut out);
        }
        Body::Database { sources } => {
            for ds in sources {
                let rows = ws.entity(*ds).members();
                out.extend(
                    rows.iter()
                        .filter(|r| !ws.entity(**r).trashed)
                        .map(|r| (*r, "data_source_row")),
                );
            }
        }
        Body::DataSource { .. } => {}
    }
    out
}

fn blocks_edges(ws: &Workspace, blocks: &[Blk], out: &mut Vec<(Ent, &'static str)>) {
    for &b in blocks {
        let block = ws.block(b);
        if block.trashed {
            continue;
        }
        match &block.kind {
            BlockKind::Text(_, spans)
            | BlockKind::Image { caption: spans }
            | BlockKind::Code { caption: spans } => spans_edges(ws, spans, out),
            BlockKind::TableRow(cells) => cells.iter().for_each(|c| spans_edges(ws, c, out)),
            BlockKind::ChildPage(c) => out.push((*c, "child_page")),
            BlockKind::ChildDatabase(c) => out.push((*c, "child_database")),
            BlockKind::LinkToPage(t) => out.push((*t, "link_to_page")),
            BlockKind::SyncedRef(original) => {
                out.push((ws.block(*original).page, "synced_block"));
                continue;
            }
            _ => {}
        }
        blocks_edges(ws, &block.children, out);
    }
}

pub fn spans_edges(ws: &Workspace, spans: &[Span], out: &mut Vec<(Ent, &'static str)>) {
    for span in spans {
        match span {
            Span::Mention(t) => {
                let kind = if ws.entity(*t).kind() == Kind::Database {
                    "database_mention"
                } else {
                    "page_mention"
                };
                out.push((*t, kind));
            }
            Span::Url { target, .. } => out.push((*target, "notion_url")),
            Span::Link { url, .. } => {
                if let Some(t) = parse_notion_url(url).and_then(|id| ws.lookup_entity(id)) {
                    out.push((t, "notion_url"));
                }
            }
            _ => {}
        }
    }
}
