//! The fewest API calls a perfect crawler needs to import the shared part of the workspace
//! (`GET /_sim/lower_bound`), following the bound in notion-api.md:
//! `P + B + K + ⌈S/100⌉ + Σ⌈rows/100⌉ + R`.
//!
//! How each term is counted here:
//! - `pages` (P): shared, untrashed pages and rows. Page objects carry no `has_children`, so a
//!   crawler must list every page's children once, even when the page is empty.
//! - `blocks_with_children` (B): blocks inside those pages whose children must be listed. Child
//!   page and database blocks are not counted (their content is listed as a page, or the
//!   database is fetched), nor are synced references whose original sits in a readable page (a
//!   crawler that caches by original id lists the original once). References to unreadable
//!   originals cost one call that answers 404.
//! - `databases` (K): shared, untrashed databases, one `GET /v1/databases/{id}` each.
//! - `search_results` (S): what search can return (shared, untrashed, not hidden pages, rows
//!   and data sources), in pages of 100.
//! - `data_source_rows`: live rows per readable data source; each data source costs
//!   `max(1, ⌈rows/100⌉)` queries (an empty one still needs one call to learn that).
//! - `overflowing_relations` (R): property-item calls for properties truncated on the page
//!   object (relations with more than 25 targets, rich text with more than 25 mentions),
//!   `⌈items/100⌉` each.
//! - `extra_list_pages`: further pages of children lists longer than 100 blocks.

use serde::{Deserialize, Serialize};

use crate::model::{Blk, BlockKind, Body, Kind, Span, Workspace};

const PAGE: usize = 100;
const CAP: usize = 25;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowerBound {
    pub pages: usize,
    pub blocks_with_children: usize,
    pub databases: usize,
    pub search_results: usize,
    pub data_source_rows: Vec<usize>,
    pub overflowing_relations: usize,
    pub extra_list_pages: usize,
    pub calls: usize,
}

impl LowerBound {
    pub fn of(ws: &Workspace) -> Self {
        let mut lb = LowerBound::default();
        for (index, e) in ws.entities.iter().enumerate() {
            if !e.shared || ws.in_trash(index as crate::model::Ent) {
                continue;
            }
            let kind = e.kind();
            if e.in_search && matches!(kind, Kind::Page | Kind::Row | Kind::DataSource) {
                lb.search_results += 1;
            }
            match &e.body {
                Body::Page { blocks } => lb.page(ws, blocks),
                Body::Row {
                    blocks,
                    relation,
                    notes,
                } => {
                    lb.page(ws, blocks);
                    if relation.len() > CAP {
                        lb.overflowing_relations += relation.len().div_ceil(PAGE);
                    }
                    let mentions = notes
                        .iter()
                        .filter(|s| matches!(s, Span::Mention(_)))
                        .count();
                    if mentions > CAP {
                        lb.overflowing_relations += notes.len().div_ceil(PAGE);
                    }
                }
                Body::Database { .. } => lb.databases += 1,
                Body::DataSource { rows, .. } => lb
                    .data_source_rows
                    .push(rows.iter().filter(|r| !ws.entity(**r).trashed).count()),
            }
        }
        lb.calls = lb.pages
            + lb.extra_list_pages
            + lb.blocks_with_children
            + lb.databases
            + lb.search_results.div_ceil(PAGE)
            + lb.data_source_rows
                .iter()
                .map(|r| r.div_ceil(PAGE).max(1))
                .sum::<usize>()
            + lb.overflowing_relations;
        lb
    }

    fn page(&mut self, ws: &Workspace, blocks: &[Blk]) {
        self.pages += 1;
        self.list(ws, blocks);
    }

    /// Counts the pages beyond the first of one children list, then recurses.
    fn list(&mut self, ws: &Workspace, blocks: &[Blk]) {
        let live = ws.live(blocks);
        self.extra_list_pages += live.len().div_ceil(PAGE).saturating_sub(1);
        for b in live {
            match ws.block(b).kind {
                BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_) => {}
                BlockKind::SyncedRef(original) => {
                    let holder = ws.entity(ws.block(original).page);
                    if !holder.shared || holder.trashed {
                        self.blocks_with_children += 1;
                    }
                }
                _ if ws.has_children(b) => {
                    self.blocks_with_children += 1;
                    self.list(ws, &ws.block(b).children);
                }
                _ => {}
            }
        }
    }
}
