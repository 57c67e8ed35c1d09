//! Database rows: relation targets (a few per row, plus rows with more than 25 and more than
//! 100 targets), rich-text notes with mentions (one row with more than 25), and small bodies.

use rand::Rng;

use super::Gen;
use crate::model::{Body, Ent, Span, TextKind};

/// Page objects show at most this many relation targets or rich-text mentions.
const PAGE_OBJECT_CAP: usize = 25;

impl Gen {
    pub(super) fn fill_rows(&mut self) {
        for s in 0..self.sources.len() {
            let ds = self.sources[s];
            let Body::DataSource { rows, related } = &self.ws.entity(ds).body else {
                continue;
            };
            let (rows, pool) = (rows.clone(), self.ws.entity(*related).members().to_vec());
            for (i, &row) in rows.iter().enumerate() {
                let wanted = match i {
                    // The first rows of each data source overflow the page-object cap; with a
                    // large related data source the first one also passes 100.
                    0 if pool.len() > 101 => 250.min(pool.len() - 1),
                    0 | 1 if pool.len() > PAGE_OBJECT_CAP + 2 => {
                        PAGE_OBJECT_CAP + 5.min(pool.len() - PAGE_OBJECT_CAP - 2)
                    }
                    _ => self.rng.random_range(0..=3),
                };
                let relation = self.pick_targets(&pool, row, wanted);
                let notes = self.notes(row, s == 0 && i == 2);
                if let Body::Row {
                    relation: r,
                    notes: n,
                    ..
                } = &mut self.ws.entity_mut(row).body
                {
                    *r = relation;
                    *n = notes;
                }
                if self.rng.random_bool(0.3) {
                    for _ in 0..self.rng.random_range(1..=3) {
                        let spans = self.spans(row, 0.3);
                        self.push(
                            row,
                            None,
                            crate::model::BlockKind::Text(TextKind::Paragraph, spans),
                        );
                    }
                }
            }
        }
    }

    /// `wanted` distinct targets from `pool`, never the row itself.
    fn pick_targets(&mut self, pool: &[Ent], row: Ent, wanted: usize) -> Vec<Ent> {
        if pool.is_empty() || wanted == 0 {
            return Vec::new();
        }
        let start = self.rng.random_range(0..pool.len());
        let mut out = Vec::with_capacity(wanted);
        if wanted * 3 > pool.len() {
            // Many targets: a contiguous (wrapping) run keeps them distinct cheaply.
            out.extend(
                (0..pool.len())
                    .map(|k| pool[(start + k) % pool.len()])
                    .filter(|t| *t != row)
                    .take(wanted),
            );
            return out;
        }
        for _ in 0..wanted * 4 {
            let t = pool[self.rng.random_range(0..pool.len())];
            if t != row && !out.contains(&t) {
                out.push(t);
                if out.len() == wanted {
                    break;
                }
            }
        }
        out
    }

    /// The "Notes" rich text: usually plain, sometimes a mention; `overflow` writes more
    /// mentions than a page object shows.
    fn notes(&mut self, row: Ent, overflow: bool) -> Vec<Span> {
        let mut spans = vec![Span::Lorem(self.next_text())];
        let mentions = if overflow {
            PAGE_OBJECT_CAP + 5
        } else {
            usize::from(self.rng.random_bool(0.15))
        };
        for _ in 0..mentions {
            if let Some(target) = self.other_page(row) {
                spans.push(Span::Text(" ".into()));
                spans.push(Span::Mention(target));
            }
        }
        spans
    }
}
