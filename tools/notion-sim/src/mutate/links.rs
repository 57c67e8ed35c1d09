//! Link and relation edits: adding and removing links in page content, relation targets, and
//! trashing single blocks.

use serde_json::json;

use super::{Change, NewBlock};
use crate::error::{ApiError, ApiResult};
use crate::ids::{Id, UrlForm, dashed};
use crate::model::{Blk, BlockKind, Body, Ent, Span, TextKind, Workspace};

impl Workspace {
    /// Appends a paragraph (or `link_to_page` block) linking to `target`.
    pub fn add_link(
        &mut self,
        e: Ent,
        target: Ent,
        kind: &str,
        now: i64,
    ) -> ApiResult<Vec<Change>> {
        let block = match kind {
            "page_mention" => BlockKind::Text(
                TextKind::Paragraph,
                vec![Span::Text("See ".into()), Span::Mention(target)],
            ),
            "notion_url" => BlockKind::Text(
                TextKind::Paragraph,
                vec![
                    Span::Text("Link: ".into()),
                    Span::Url {
                        target,
                        form: UrlForm::Slug,
                    },
                ],
            ),
            "link_to_page" => BlockKind::LinkToPage(target),
            other => {
                return Err(ApiError::validation(format!(
                    "Unknown link kind `{other}`: use page_mention, notion_url or link_to_page."
                )));
            }
        };
        if !self.entity(e).kind().is_page() {
            return Err(ApiError::validation(
                "Links can only be added to pages and rows.",
            ));
        }
        Ok(self
            .append_blocks(
                e,
                None,
                vec![NewBlock {
                    kind: block,
                    children: Vec::new(),
                }],
                now,
            )
            .1)
    }

    /// Removes every link from `e` to `target` (mentions and URL links become plain text,
    /// `link_to_page` blocks are trashed). Returns how many were removed.
    pub fn remove_links(&mut self, e: Ent, target: Ent, now: i64) -> (usize, Vec<Change>) {
        let title: Box<str> = self.entity(target).title.clone().into();
        let target_id = self.entity(target).id;
        let mut removed = 0;
        let mut stack: Vec<Blk> = self.entity(e).blocks().to_vec();
        while let Some(b) = stack.pop() {
            let block = &mut self.blocks[b as usize];
            match &mut block.kind {
                BlockKind::LinkToPage(t) if *t == target && !block.trashed => {
                    block.trashed = true;
                    removed += 1;
                }
                BlockKind::Text(_, spans)
                | BlockKind::Image { caption: spans }
                | BlockKind::Code { caption: spans } => {
                    removed += unlink(spans, target, target_id, &title)
                }
                BlockKind::TableRow(cells) => {
                    removed += cells
                        .iter_mut()
                        .map(|c| unlink(c, target, target_id, &title))
                        .sum::<usize>()
                }
                _ => {}
            }
            if !matches!(block.kind, BlockKind::SyncedRef(_)) {
                stack.extend(block.children.iter().copied());
            }
        }
        if let Body::Row { notes, .. } = &mut self.entity_mut(e).body {
            removed += unlink(notes, target, target_id, &title);
        }
        if removed == 0 {
            return (0, Vec::new());
        }
        self.touch(e, now);
        (
            removed,
            self.page_change(e, "page.content_updated", json!({ "updated_blocks": [] })),
        )
    }

    /// Adds a relation target to a row's relation property.
    pub fn add_relation(&mut self, row: Ent, target: Ent, now: i64) -> ApiResult<Vec<Change>> {
        let Body::Row { relation, .. } = &mut self.entity_mut(row).body else {
            return Err(ApiError::validation(
                "Relations exist only on database rows.",
            ));
        };
        if !relation.contains(&target) {
            relation.push(target);
        }
        self.touch(row, now);
        Ok(self.page_change(
            row,
            "page.properties_updated",
            json!({ "updated_properties": [crate::render::page::ROW_PROPS[1].id] }),
        ))
    }

    /// Replaces a row's relation targets.
    pub fn set_relation(
        &mut self,
        row: Ent,
        targets: Vec<Ent>,
        now: i64,
    ) -> ApiResult<Vec<Change>> {
        let Body::Row { relation, .. } = &mut self.entity_mut(row).body else {
            return Err(ApiError::validation(
                "Relations exist only on database rows.",
            ));
        };
        *relation = targets;
        self.touch(row, now);
        Ok(self.page_change(
            row,
            "page.properties_updated",
            json!({ "updated_properties": [crate::render::page::ROW_PROPS[1].id] }),
        ))
    }

    /// Trashes one block (not a page: see `set_trashed`).
    pub fn trash_block(&mut self, b: Blk, now: i64) -> Vec<Change> {
        self.block_mut(b).trashed = true;
        self.block_mut(b).edited = now;
        let page = self.block(b).page;
        self.touch(page, now);
        self.page_change(
            page,
            "page.content_updated",
            json!({ "updated_blocks": [{ "id": dashed(self.block(b).id), "type": "block" }] }),
        )
    }
}

/// Replaces links to `target` with plain text; returns how many were replaced.
fn unlink(spans: &mut [Span], target: Ent, target_id: Id, title: &str) -> usize {
    let mut n = 0;
    for span in spans.iter_mut() {
        let hit = match span {
            Span::Mention(t) | Span::Url { target: t, .. } => *t == target,
            Span::Link { url, .. } => crate::ids::parse_notion_url(url) == Some(target_id),
            _ => false,
        };
        if hit {
            *span = Span::Text(title.into());
            n += 1;
        }
    }
    n
}
