//! Page bodies: a random mix of Notion block types with links sprinkled through rich text,
//! table cells and captions, nested lists, toggles, columns, synced blocks and block types
//! clients do not know. Child pages and databases are placed among the content.

use rand::Rng;
use rand::seq::IndexedRandom;

use super::Gen;
use crate::ids::UrlForm;
use crate::model::{Blk, BlockKind, Ent, Kind, Parent, Span, TextKind};

/// Block makers and their relative weights.
const MENU: [(Item, u32); 16] = [
    (Item::Paragraph, 30),
    (Item::Heading, 10),
    (Item::List, 12),
    (Item::ToDo, 5),
    (Item::Toggle, 7),
    (Item::Callout, 4),
    (Item::Quote, 3),
    (Item::Divider, 3),
    (Item::Columns, 3),
    (Item::Table, 3),
    (Item::Image, 3),
    (Item::Code, 2),
    (Item::LinkToPage, 4),
    (Item::SyncedOriginal, 2),
    (Item::SyncedRef, 2),
    (Item::Unknown, 2),
];

#[derive(Clone, Copy)]
enum Item {
    Paragraph,
    Heading,
    List,
    ToDo,
    Toggle,
    Callout,
    Quote,
    Divider,
    Columns,
    Table,
    Image,
    Code,
    LinkToPage,
    SyncedOriginal,
    SyncedRef,
    Unknown,
}

impl Gen {
    pub(super) fn write_page_contents(&mut self) {
        let mut children: Vec<Vec<Ent>> = vec![Vec::new(); self.ws.entities.len()];
        for (e, entity) in self.ws.entities.iter().enumerate() {
            if let Parent::Page(p) = entity.parent {
                children[p as usize].push(e as Ent);
            }
        }
        for i in 0..self.pages.len() {
            let page = self.pages[i];
            let n = self.rng.random_range(2..=10);
            for _ in 0..n {
                self.item(page, None, 0);
            }
            for &child in &children[page as usize] {
                let kind = match self.ws.entity(child).kind() {
                    Kind::Database => BlockKind::ChildDatabase(child),
                    _ => BlockKind::ChildPage(child),
                };
                let b = self.push(page, None, kind);
                // Trashed children leave no block behind, as in Notion.
                self.ws.block_mut(b).trashed = self.ws.entity(child).trashed;
                let blocks = self
                    .ws
                    .entity_mut(page)
                    .blocks_mut()
                    .expect("pages hold blocks");
                blocks.pop();
                let at = self.rng.random_range(0..=blocks.len());
                blocks.insert(at, b);
            }
        }
    }

    /// One top-level or nested content item; `depth` bounds nesting.
    pub(super) fn item(&mut self, page: Ent, parent: Option<Blk>, depth: u32) {
        let total: u32 = MENU.iter().map(|(_, w)| w).sum();
        let mut pick = self.rng.random_range(0..total);
        let mut item = Item::Paragraph;
        for (candidate, weight) in MENU {
            if pick < weight {
                item = candidate;
                break;
            }
            pick -= weight;
        }
        if depth > 1
            && !matches!(
                item,
                Item::Paragraph | Item::List | Item::ToDo | Item::Quote
            )
        {
            item = Item::Paragraph;
        }
        match item {
            Item::Paragraph => self.text(page, parent, TextKind::Paragraph),
            Item::Heading => self.heading(page, parent),
            Item::List => {
                let levels = if self.rng.random_bool(0.06) { 4 } else { 2 };
                self.list(page, parent, levels)
            }
            Item::ToDo => self.text(page, parent, TextKind::ToDo),
            Item::Toggle => self.container(page, parent, TextKind::Toggle, 1, depth),
            Item::Callout => self.container(page, parent, TextKind::Callout, 0, depth),
            Item::Quote => self.text(page, parent, TextKind::Quote),
            Item::Divider => self.push(page, parent, BlockKind::Divider),
            Item::Columns => self.columns(page, parent),
            Item::Table => self.table(page, parent),
            Item::Image => {
                let caption = self.caption(page);
                self.push(page, parent, BlockKind::Image { caption })
            }
            Item::Code => {
                let caption = self.caption(page);
                self.push(page, parent, BlockKind::Code { caption })
            }
            Item::LinkToPage => self.link_to_page(page, parent),
            Item::SyncedOriginal => self.synced_original(page, parent),
            Item::SyncedRef => self.synced_ref(page, parent),
            Item::Unknown => {
                let name = *["ai_block", "transcription"]
                    .choose(&mut self.rng)
                    .unwrap_or(&"ai_block");
                self.push(page, parent, BlockKind::Unknown(name))
            }
        };
    }

    fn text(&mut self, page: Ent, parent: Option<Blk>, kind: TextKind) -> Blk {
        let spans = self.spans(page, 0.3);
        self.push(page, parent, BlockKind::Text(kind, spans))
    }

    fn heading(&mut self, page: Ent, parent: Option<Blk>) -> Blk {
        let kind = *[TextKind::Heading1, TextKind::Heading2, TextKind::Heading3]
            .choose(&mut self.rng)
            .unwrap_or(&TextKind::Heading1);
        let b = self.text(page, parent, kind);
        if self.rng.random_bool(0.15) {
            // A toggleable heading holds children like a toggle does.
            self.text(page, Some(b), TextKind::Paragraph);
        }
        b
    }

    /// A run of list items; `levels` > 2 produces a chain nested that many levels deep.
    fn list(&mut self, page: Ent, parent: Option<Blk>, levels: u32) -> Blk {
        let kind = if self.rng.random_bool(0.5) {
            TextKind::Bulleted
        } else {
            TextKind::Numbered
        };
        let items = self.rng.random_range(1..=3);
        let mut first = None;
        for i in 0..items {
            let b = self.text(page, parent, kind);
            first.get_or_insert(b);
            if levels > 1 && (i == 0 && levels > 2 || self.rng.random_bool(0.25)) {
                self.list(page, Some(b), levels - 1);
            }
        }
        first.unwrap_or_default()
    }

    fn container(
        &mut self,
        page: Ent,
        parent: Option<Blk>,
        kind: TextKind,
        min: u32,
        depth: u32,
    ) -> Blk {
        let b = self.text(page, parent, kind);
        for _ in 0..self.rng.random_range(min..=3) {
            self.item(page, Some(b), depth + 1);
        }
        b
    }

    fn columns(&mut self, page: Ent, parent: Option<Blk>) -> Blk {
        let list = self.push(page, parent, BlockKind::ColumnList);
        for _ in 0..self.rng.random_range(2..=3) {
            let column = self.push(page, Some(list), BlockKind::Column);
            for _ in 0..self.rng.random_range(1..=2) {
                self.text(page, Some(column), TextKind::Paragraph);
            }
        }
        list
    }

    fn table(&mut self, page: Ent, parent: Option<Blk>) -> Blk {
        let width = self.rng.random_range(2..=3u8);
        let table = self.push(page, parent, BlockKind::Table { width });
        for _ in 0..self.rng.random_range(2..=4) {
            let cells = (0..width)
                .map(|_| {
                    if self.rng.random_bool(0.15) {
                        Vec::new()
                    } else {
                        self.spans(page, 0.15)
                    }
                })
                .collect();
            self.push(page, Some(table), BlockKind::TableRow(cells));
        }
        table
    }

    fn caption(&mut self, page: Ent) -> Vec<Span> {
        if self.rng.random_bool(0.3) {
            return Vec::new();
        }
        let mut spans = vec![Span::Lorem(self.next_text())];
        if self.rng.random_bool(0.3)
            && let Some(link) = self.page_link(page)
        {
            spans.push(link);
        }
        spans
    }

    fn link_to_page(&mut self, page: Ent, parent: Option<Blk>) -> Blk {
        let target = if self.rng.random_bool(0.2) && !self.databases.is_empty() {
            self.databases.choose(&mut self.rng).copied()
        } else {
            self.other_page(page)
        };
        match target {
            Some(t) => self.push(page, parent, BlockKind::LinkToPage(t)),
            None => self.text(page, parent, TextKind::Paragraph),
        }
    }

    fn synced_original(&mut self, page: Ent, parent: Option<Blk>) -> Blk {
        let b = self.push(page, parent, BlockKind::SyncedOriginal);
        for _ in 0..self.rng.random_range(1..=2) {
            let spans = self.spans(page, 0.6);
            self.push(page, Some(b), BlockKind::Text(TextKind::Paragraph, spans));
        }
        self.originals.push(b);
        b
    }

    fn synced_ref(&mut self, page: Ent, parent: Option<Blk>) -> Blk {
        let candidates: Vec<Blk> = self
            .originals
            .iter()
            .rev()
            .take(50)
            .copied()
            .filter(|o| self.ws.block(*o).page != page)
            .collect();
        match candidates.choose(&mut self.rng) {
            Some(&original) => self.push(page, parent, BlockKind::SyncedRef(original)),
            None => self.synced_original(page, parent),
        }
    }

    /// Body text, with a link or another inline element with probability `link_p`.
    pub(super) fn spans(&mut self, page: Ent, link_p: f64) -> Vec<Span> {
        let mut spans = vec![Span::Lorem(self.next_text())];
        if !self.rng.random_bool(link_p) {
            return spans;
        }
        spans.push(Span::Text(" ".into()));
        let roll = self.rng.random_range(0..100);
        let inline = match roll {
            0..45 => self.other_page(page).map(Span::Mention),
            45..53 => self
                .databases
                .choose(&mut self.rng)
                .copied()
                .map(Span::Mention),
            53..88 => self.other_page(page).map(|target| {
                let form = *UrlForm::ALL.choose(&mut self.rng).unwrap_or(&UrlForm::Slug);
                Span::Url { target, form }
            }),
            88..92 => Some(Span::User(self.rng.random_range(0..4))),
            92..95 => Some(Span::Date(self.rng.random_range(0..700))),
            95..97 => Some(Span::LinkPreview(self.next_text())),
            97..98 => Some(Span::TemplateMention),
            98..99 => Some(Span::UnknownMention),
            _ => Some(Span::Equation),
        };
        spans.extend(inline);
        if self.rng.random_bool(0.5) {
            spans.push(Span::Text(" ".into()));
            spans.push(Span::Lorem(self.next_text()));
        }
        spans
    }

    /// A page or row mention or URL link (never to `page` itself).
    pub(super) fn page_link(&mut self, page: Ent) -> Option<Span> {
        let target = self.other_page(page)?;
        Some(if self.rng.random_bool(0.5) {
            Span::Mention(target)
        } else {
            Span::Url {
                target,
                form: *UrlForm::ALL.choose(&mut self.rng).unwrap_or(&UrlForm::Bare),
            }
        })
    }

    /// A random page or row other than `page`.
    pub(super) fn other_page(&mut self, page: Ent) -> Option<Ent> {
        let target = *self.linkable.choose(&mut self.rng)?;
        (target != page).then_some(target)
    }
}
