//! Changes to the workspace, shared by the control API and Notion's write endpoints. Every
//! change sets `last_edited_time` on the page it changes (exactly; the API rounds it) and
//! reports the webhook events it causes. Page-level changes live here, links and relations in
//! `links`.

mod links;

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::ids::{Id, dashed};
use crate::model::{Blk, Block, BlockKind, Body, Ent, Entity, Kind, Parent, Workspace};

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
}
