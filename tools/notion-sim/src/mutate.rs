//! Changes to the workspace, shared by the control API and Notion's write endpoints. Every
//! change sets `last_edited_time` on the page it changes (exactly; the API rounds it) and
//! reports the webhook events it causes.

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::ids::{Id, UrlForm, dashed};
use crate::model::{
    Blk, Block, BlockKind, Body, Ent, Entity, Kind, Parent, Span, TextKind, Workspace,
};

/// A webhook-worthy change to one page.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub kind: &'static str,
    pub page: Id,
    pub data: Value,
}

/// A block to create, parsed from a request.
#[derive(Clone, Debug)]
pub struct NewBlock {
    pub kind: BlockKind,
    pub children: Vec<NewBlock>,
}

fn change(kind: &'static str, page: Id, data: Value) -> Change {
    Change { kind, page, data }
}

impl Workspace {
    /// Marks an entity edited now (strictly later than before, so edits are always visible).
    pub fn touch(&mut self, e: Ent, now: i64) {
        let entity = self.entity_mut(e);
        entity.edited = now.max(entity.edited + 1);
    }

    fn parent_ref(&self, e: Ent) -> Value {
        match self.entity(e).parent {
            Parent::Workspace => json!({ "type": "workspace" }),
            Parent::Page(p) => json!({ "id": dashed(self.entity(p).id), "type": "page" }),
            Parent::Database(p) | Parent::DataSource(p) => {
                json!({ "id": dashed(self.entity(p).id), "type": "database" })
            }
        }
    }

    /// Creates a page under a page (or the workspace top when `parent` is `None`), or a row when
    /// the parent is a data source or a database (its first data source).
    pub fn create_page(
        &mut self,
        parent: Option<Ent>,
        title: &str,
        now: i64,
    ) -> ApiResult<(Ent, Vec<Change>)> {
        let (parent, body, shared) = match parent {
            None => (Parent::Workspace, Body::Page { blocks: Vec::new() }, true),
            Some(p) => {
                let holder = self.entity(p);
                let ds =
                    match holder.kind() {
                        Kind::Page => None,
                        Kind::DataSource => Some(p),
                        Kind::Database => Some(*holder.members().first().ok_or_else(|| {
                            ApiError::validation("The database has no data source.")
                        })?),
                        Kind::Row => {
                            return Err(ApiError::validation(
                                "Pages cannot be created inside database rows by the simulator.",
                            ));
                        }
                    };
                match ds {
                    Some(ds) => (
                        Parent::DataSource(ds),
                        Body::Row {
                            blocks: Vec::new(),
                            relation: Vec::new(),
                            notes: Vec::new(),
                        },
                        holder.shared,
                    ),
                    None => (
                        Parent::Page(p),
                        Body::Page { blocks: Vec::new() },
                        holder.shared,
                    ),
                }
            }
        };
        let id = self.fresh_id();
        let e = self.push_entity(Entity {
            id,
            title: title.to_owned(),
            parent,
            shared,
            in_search: true,
            trashed: false,
            created: now,
            edited: now,
            body,
        });
        match parent {
            Parent::Page(p) => {
                self.append_to_page(p, None, BlockKind::ChildPage(e), id, now);
                self.touch(p, now);
            }
            Parent::DataSource(ds) => {
                if let Body::DataSource { rows, .. } = &mut self.entity_mut(ds).body {
                    rows.push(e);
                }
            }
            _ => {}
        }
        let data = json!({ "parent": self.parent_ref(e) });
        Ok((e, vec![change("page.created", id, data)]))
    }

    /// Appends one block (not indexed twice for child pages) and returns it.
    fn append_to_page(
        &mut self,
        page: Ent,
        parent: Option<Blk>,
        kind: BlockKind,
        id: Id,
        now: i64,
    ) -> Blk {
        let b = self.push_block(Block {
            id,
            page,
            parent,
            kind,
            children: Vec::new(),
            created: now,
            edited: now,
            trashed: false,
        });
        match parent {
            Some(p) => self.block_mut(p).children.push(b),
            None => {
                if let Some(blocks) = self.entity_mut(page).blocks_mut() {
                    blocks.push(b);
                }
            }
        }
        b
    }

    /// Appends blocks (with their children) to a page or under a block; returns the new
    /// first-level blocks.
    pub fn append_blocks(
        &mut self,
        page: Ent,
        parent: Option<Blk>,
        blocks: Vec<NewBlock>,
        now: i64,
    ) -> (Vec<Blk>, Vec<Change>) {
        let mut created = Vec::new();
        for nb in blocks {
            created.push(self.append_tree(page, parent, nb, now));
        }
        self.touch(page, now);
        let updated: Vec<Value> = created
            .iter()
            .map(|b| json!({ "id": dashed(self.block(*b).id), "type": "block" }))
            .collect();
        let id = self.entity(page).id;
        let data = json!({ "parent": self.parent_ref(page), "updated_blocks": updated });
        (created, vec![change("page.content_updated", id, data)])
    }

    fn append_tree(&mut self, page: Ent, parent: Option<Blk>, nb: NewBlock, now: i64) -> Blk {
        let id = self.fresh_id();
        let b = self.append_to_page(page, parent, nb.kind, id, now);
        for child in nb.children {
            self.append_tree(page, Some(b), child, now);
        }
        b
    }

    pub fn rename(&mut self, e: Ent, title: &str, now: i64) -> Vec<Change> {
        self.entity_mut(e).title = title.to_owned();
        self.touch(e, now);
        self.page_change(
            e,
            "page.properties_updated",
            json!({ "updated_properties": ["title"] }),
        )
    }

    fn page_change(&self, e: Ent, kind: &'static str, mut data: Value) -> Vec<Change> {
        let entity = self.entity(e);
        if !entity.kind().is_page() {
            return Vec::new();
        }
        data["parent"] = self.parent_ref(e);
        vec![change(kind, entity.id, data)]
    }

    /// The top-level block that shows `child` inside its parent page, if any.
    fn child_block(&self, page: Ent, child: Ent) -> Option<Blk> {
        self.entity(page).blocks().iter().copied().find(|b| matches!(self.block(*b).kind, BlockKind::ChildPage(c) | BlockKind::ChildDatabase(c) if c == child))
    }

    /// Trashes or restores a page, row or database; its block in the parent page follows.
    pub fn set_trashed(&mut self, e: Ent, trashed: bool, now: i64) -> Vec<Change> {
        if self.entity(e).trashed == trashed {
            return Vec::new();
        }
        self.entity_mut(e).trashed = trashed;
        self.touch(e, now);
        if let Parent::Page(p) = self.entity(e).parent {
            if let Some(b) = self.child_block(p, e) {
                self.block_mut(b).trashed = trashed;
            }
            self.touch(p, now);
        }
        let kind = if trashed {
            "page.deleted"
        } else {
            "page.undeleted"
        };
        self.page_change(e, kind, json!({}))
    }

    /// Moves an ordinary page under another page (or to the workspace top). Sharing follows
    /// the new parent, as access in Notion is inherited.
    pub fn move_page(&mut self, e: Ent, to: Option<Ent>, now: i64) -> ApiResult<Vec<Change>> {
        if self.entity(e).kind() != Kind::Page {
            return Err(ApiError::validation("Only ordinary pages can be moved."));
        }
        let mut cursor = to;
        while let Some(p) = cursor {
            if p == e {
                return Err(ApiError::validation("A page cannot be moved under itself."));
            }
            if self.entity(p).kind() != Kind::Page {
                return Err(ApiError::validation("The new parent must be a page."));
            }
            cursor = match self.entity(p).parent {
                Parent::Page(q) => Some(q),
                _ => None,
            };
        }
        let id = self.entity(e).id;
        let block = match self.entity(e).parent {
            Parent::Page(old) => {
                let b = self.child_block(old, e);
                if let (Some(b), Some(blocks)) = (b, self.entity_mut(old).blocks_mut()) {
                    blocks.retain(|x| *x != b);
                }
                self.touch(old, now);
                b
            }
            _ => None,
        };
        self.entity_mut(e).parent = to.map_or(Parent::Workspace, Parent::Page);
        if let Some(p) = to {
            match block {
                Some(b) => {
                    self.block_mut(b).page = p;
                    if let Some(blocks) = self.entity_mut(p).blocks_mut() {
                        blocks.push(b);
                    }
                }
                None => {
                    self.append_to_page(p, None, BlockKind::ChildPage(e), id, now);
                }
            }
            self.touch(p, now);
            let shared = self.entity(p).shared;
            self.set_subtree_shared(e, shared);
        }
        self.touch(e, now);
        Ok(self.page_change(e, "page.moved", json!({})))
    }

    fn set_subtree_shared(&mut self, root: Ent, shared: bool) {
        let mut stack = vec![root];
        while let Some(e) = stack.pop() {
            self.entity_mut(e).shared = shared;
            for &b in self.entity(e).blocks() {
                if let BlockKind::ChildPage(c) | BlockKind::ChildDatabase(c) = self.block(b).kind {
                    stack.push(c);
                }
            }
            stack.extend(self.entity(e).members().iter().copied());
        }
    }

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
