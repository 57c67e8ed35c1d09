//! Deterministic workspace generation: the same seed and size always give the same workspace.
//! This file lays out the entities (page tree, databases, data sources, rows), sharing, trash
//! and timestamps; `content` writes page bodies, `rows` fills database rows and `showcase`
//! guarantees that every construct appears at least once.

mod content;
mod rows;
mod showcase;

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ids::{Id, hash_id, mix, new_id, unit};
use crate::model::{Blk, Block, BlockKind, Body, Ent, Entity, Parent, Workspace};
use crate::text;

/// 2024-01-01T00:00:00Z: generated history starts here, well before any control-API edit.
const EPOCH_MS: i64 = 1_704_067_200_000;
const DAY_MS: i64 = 86_400_000;

/// Generates the workspace for `seed` with `pages` page objects (ordinary pages plus rows),
/// with the default search-hidden fraction of 0.2.
pub fn generate(seed: u64, pages: usize) -> Workspace {
    let mut ws = Gen::new(seed, pages.max(1)).run();
    ws.apply_search_hidden(0.2);
    ws
}

/// Generator state: the workspace being built plus the lists content generation draws from.
pub(crate) struct Gen {
    pub ws: Workspace,
    pub rng: ChaCha8Rng,
    total: usize,
    /// Ordinary pages in creation order (parents before children).
    pub pages: Vec<Ent>,
    pub rows: Vec<Ent>,
    pub databases: Vec<Ent>,
    pub sources: Vec<Ent>,
    /// Pages and rows: everything a mention or URL can point at.
    pub linkable: Vec<Ent>,
    /// Synced block originals created so far, for references to reuse.
    pub originals: Vec<Blk>,
    text_seed: u32,
}

impl Gen {
    fn new(seed: u64, total: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let workspace_id = new_id(&mut rng);
        let users = (0..4).map(|_| new_id(&mut rng)).collect();
        let ws = Workspace {
            seed,
            workspace_id,
            users,
            entities: Vec::with_capacity(total + total / 20 + 4),
            blocks: Vec::with_capacity(total * 12),
            index: HashMap::with_capacity(total * 13),
        };
        Self {
            ws,
            rng,
            total,
            pages: Vec::new(),
            rows: Vec::new(),
            databases: Vec::new(),
            sources: Vec::new(),
            linkable: Vec::new(),
            originals: Vec::new(),
            text_seed: (seed as u32).wrapping_mul(2_654_435_761),
        }
    }

    fn run(mut self) -> Workspace {
        let n_rows = if self.total >= 30 {
            self.total * 2 / 5
        } else {
            self.total / 4
        };
        let n_pages = self.total - n_rows;
        self.build_page_tree(n_pages);
        self.build_databases(n_rows);
        self.share();
        self.trash();
        self.linkable = self.pages.iter().chain(self.rows.iter()).copied().collect();
        self.write_page_contents();
        self.fill_rows();
        self.build_showcase();
        self.ws
    }

    /// A fresh seed for generated words.
    pub fn next_text(&mut self) -> u32 {
        self.text_seed = self.text_seed.wrapping_add(0x9e37_79b9);
        self.text_seed
    }

    /// Creation and edit times spread over roughly 400 days in creation order.
    fn stamps(&mut self, position: usize) -> (i64, i64) {
        let span = 400 * DAY_MS / (self.total as i64 + 1);
        let created = EPOCH_MS + position as i64 * span + self.rng.random_range(0..60_000);
        let edited = created + self.rng.random_range(0..120 * DAY_MS);
        (created, edited)
    }

    fn add_entity(&mut self, title: String, parent: Parent, body: Body, position: usize) -> Ent {
        let (created, edited) = self.stamps(position);
        let id = new_id(&mut self.rng);
        self.ws.push_entity(Entity {
            id,
            title,
            parent,
            shared: true,
            in_search: true,
            trashed: false,
            created,
            edited,
            body,
        })
    }

    /// A random recursive tree: each page hangs under a uniformly chosen earlier page, which
    /// gives depths of a few levels up to a few dozen for large workspaces.
    fn build_page_tree(&mut self, n_pages: usize) {
        let n_roots = (n_pages / 40).clamp(1, n_pages.max(1)).max(2.min(n_pages));
        for i in 0..n_pages {
            let parent = if i < n_roots {
                Parent::Workspace
            } else {
                Parent::Page(self.pages[self.rng.random_range(0..i)])
            };
            let title = text::title(self.ws.seed ^ mix(i as u64), i);
            let page = self.add_entity(title, parent, Body::Page { blocks: Vec::new() }, i);
            self.pages.push(page);
        }
    }

    /// Databases under random pages, one or two data sources each, rows spread over them.
    /// The first data source is large (over 100 rows) once there are enough rows, so that
    /// relations with more than 100 targets exist.
    fn build_databases(&mut self, n_rows: usize) {
        if n_rows == 0 || self.pages.is_empty() {
            return;
        }
        let n_db = (n_rows / 40).max(1);
        for d in 0..n_db {
            // The first database (home of the large data source) sits on the first page, which
            // is always shared, so its over-100 relation is always reachable.
            let parent = if d == 0 {
                self.pages[0]
            } else {
                self.pages[self.rng.random_range(0..self.pages.len())]
            };
            let title = format!(
                "{} DB",
                text::title(self.ws.seed ^ mix((d as u64 + 1) << 32), d)
            );
            let position = self.rng.random_range(0..self.total);
            let db = self.add_entity(
                title.clone(),
                Parent::Page(parent),
                Body::Database {
                    sources: Vec::new(),
                },
                position,
            );
            self.databases.push(db);
            let two = d == 1 || self.rng.random_bool(0.3);
            for s in 0..(1 + usize::from(two)) {
                let name = if s == 0 {
                    title.trim_end_matches(" DB").to_owned()
                } else {
                    format!("{} archive", title.trim_end_matches(" DB"))
                };
                // The first data source relates to itself; the others to it or to themselves.
                let own = self.ws.entities.len() as Ent;
                let related = match self.sources.first() {
                    Some(&first) if self.rng.random_bool(0.5) => first,
                    _ => own,
                };
                let ds = self.add_entity(
                    name,
                    Parent::Database(db),
                    Body::DataSource {
                        rows: Vec::new(),
                        related,
                    },
                    position,
                );
                if let Body::Database { sources } = &mut self.ws.entity_mut(db).body {
                    sources.push(ds);
                }
                self.sources.push(ds);
            }
        }
        let first = if n_rows >= 115 {
            (n_rows / 8).max(110)
        } else {
            n_rows.div_ceil(self.sources.len())
        };
        for r in 0..n_rows {
            let ds = if r < first || self.sources.len() == 1 {
                self.sources[0]
            } else {
                self.sources[self.rng.random_range(1..self.sources.len())]
            };
            let title = text::title(self.ws.seed ^ mix(r as u64 + (1 << 40)), r);
            let position = self.rng.random_range(0..self.total);
            let body = Body::Row {
                blocks: Vec::new(),
                relation: Vec::new(),
                notes: Vec::new(),
            };
            let row = self.add_entity(title, Parent::DataSource(ds), body, position);
            if let Body::DataSource { rows, .. } = &mut self.ws.entity_mut(ds).body {
                rows.push(row);
            }
            self.rows.push(row);
        }
    }

    /// Some top-level pages are not shared with the integration (their whole subtree is
    /// invisible), and a few pages inside unshared trees are shared on their own.
    fn share(&mut self) {
        let roots: Vec<Ent> = self
            .pages
            .iter()
            .copied()
            .filter(|p| self.ws.entity(*p).parent == Parent::Workspace)
            .collect();
        for (i, root) in roots.iter().enumerate() {
            let unshared =
                i > 0 && (self.rng.random_bool(0.1) || (roots.len() >= 3 && i == roots.len() - 1));
            self.ws.entity_mut(*root).shared = !unshared;
        }
        let mut explicit_done = false;
        for &page in &self.pages {
            let Parent::Page(parent) = self.ws.entity(page).parent else {
                continue;
            };
            let parent_shared = self.ws.entity(parent).shared;
            let explicit = !parent_shared && (!explicit_done || self.rng.random_bool(0.15));
            explicit_done |= explicit;
            self.ws.entity_mut(page).shared = parent_shared || explicit;
        }
        for &db in &self.databases {
            let Parent::Page(parent) = self.ws.entity(db).parent else {
                continue;
            };
            let shared = self.ws.entity(parent).shared;
            self.ws.entity_mut(db).shared = shared;
            for ds in self.ws.entity(db).members().to_vec() {
                self.ws.entity_mut(ds).shared = shared;
                for row in self.ws.entity(ds).members().to_vec() {
                    self.ws.entity_mut(row).shared = shared;
                }
            }
        }
    }

    /// Trashes about 2% of leaf pages and 1% of rows (never the first two pages, which the
    /// showcase uses). Trashing only leaves keeps "a trashed page's subtree" out of the model.
    fn trash(&mut self) {
        let mut has_children = vec![false; self.ws.entities.len()];
        for e in &self.ws.entities {
            if let Parent::Page(p) = e.parent {
                has_children[p as usize] = true;
            }
        }
        let mut any = false;
        for (i, &page) in self.pages.iter().enumerate().skip(2) {
            let leaf = !has_children[page as usize];
            if leaf && (self.rng.random_bool(0.02) || (!any && i + 1 == self.pages.len())) {
                self.ws.entity_mut(page).trashed = true;
                any = true;
            }
        }
        for &row in self.rows.iter().skip(3) {
            if self.rng.random_bool(0.01) {
                self.ws.entity_mut(row).trashed = true;
            }
        }
    }

    /// Appends a block to a page's top level or to a parent block's children.
    pub fn push(&mut self, page: Ent, parent: Option<Blk>, kind: BlockKind) -> Blk {
        let owner = self.ws.entity(page);
        let (created, edited) = (owner.created, owner.edited);
        let id = match kind {
            BlockKind::ChildPage(e) | BlockKind::ChildDatabase(e) => self.ws.entity(e).id,
            _ => new_id(&mut self.rng),
        };
        let b = self.ws.push_block(Block {
            id,
            page,
            parent,
            kind,
            children: Vec::new(),
            created,
            edited,
            trashed: false,
        });
        match parent {
            Some(p) => self.ws.block_mut(p).children.push(b),
            None => {
                if let Some(blocks) = self.ws.entity_mut(page).blocks_mut() {
                    blocks.push(b);
                }
            }
        }
        b
    }
}

impl Workspace {
    /// Decides which pages and data sources search leaves out. Top-level pages and pages
    /// shared on their own always appear, so that a crawler seeded by search can reach
    /// everything shared; the rest is hidden by a stable hash of the id.
    pub fn apply_search_hidden(&mut self, fraction: f64) {
        let seed = mix(self.seed ^ 0x5ea2c4);
        let anchors: Vec<bool> = self
            .entities
            .iter()
            .map(|e| match e.parent {
                Parent::Workspace => true,
                Parent::Page(p) => e.kind() == crate::model::Kind::Page && !self.entity(p).shared,
                _ => false,
            })
            .collect();
        for (e, anchor) in self.entities.iter_mut().zip(anchors) {
            e.in_search = anchor || unit(hash_id(e.id) ^ seed) >= fraction;
        }
    }

    /// A new id that is not in use (for entities and blocks created after generation).
    pub fn fresh_id(&self) -> Id {
        loop {
            let id = uuid::Uuid::new_v4().as_u128();
            if !self.index.contains_key(&id) {
                return id;
            }
        }
    }
}
