//! The first page of every workspace holds one of each construct, so that even a small
//! workspace exercises every block type, link form and edge kind a crawler must handle.

use super::Gen;
use crate::ids::UrlForm;
use crate::model::{Blk, BlockKind, Ent, Span, TextKind};

impl Gen {
    pub(super) fn build_showcase(&mut self) {
        let Some(&home) = self.pages.first() else {
            return;
        };
        let ws = &self.ws;
        let others: Vec<Ent> = self
            .linkable
            .iter()
            .copied()
            .filter(|e| *e != home && ws.entity(*e).shared && !ws.entity(*e).trashed)
            .collect();
        let unshared = self
            .linkable
            .iter()
            .copied()
            .find(|e| !ws.entity(*e).shared);
        let trashed = self
            .linkable
            .iter()
            .copied()
            .find(|e| ws.entity(*e).trashed);
        let row = self.rows.iter().copied().find(|e| ws.entity(*e).shared);
        let database = self
            .databases
            .iter()
            .copied()
            .find(|e| ws.entity(*e).shared);
        let pick = |k: usize| (!others.is_empty()).then(|| others[k % others.len()]);

        self.para(
            home,
            None,
            TextKind::Heading1,
            vec![Span::Text("Everything in one page".into())],
        );
        let mentions = [pick(0), row, database, unshared, trashed];
        let spans = mentions
            .into_iter()
            .flatten()
            .flat_map(|t| [Span::Text(" see ".into()), Span::Mention(t)])
            .collect();
        self.para(home, None, TextKind::Paragraph, spans);

        let urls = UrlForm::ALL
            .iter()
            .enumerate()
            .filter_map(|(k, form)| {
                pick(k + 1).map(|target| Span::Url {
                    target,
                    form: *form,
                })
            })
            .flat_map(|s| [Span::Text(" link ".into()), s])
            .collect();
        self.para(home, None, TextKind::Paragraph, urls);

        for target in [pick(7), database].into_iter().flatten() {
            self.push(home, None, BlockKind::LinkToPage(target));
        }

        // A bulleted list nested four levels deep, with a mention at the bottom.
        let mut parent = None;
        for level in 0..4 {
            let mut spans = vec![Span::Text(format!("Level {}", level + 1).into())];
            if level == 3 {
                spans.extend(pick(8).map(Span::Mention));
            }
            parent = Some(self.para(home, parent, TextKind::Bulleted, spans));
        }

        let toggle = self.para(
            home,
            None,
            TextKind::Toggle,
            vec![Span::Text("Details".into())],
        );
        self.para(
            home,
            Some(toggle),
            TextKind::Paragraph,
            self.mention_of(pick(9)),
        );
        let callout = self.para(
            home,
            None,
            TextKind::Callout,
            self.url_to(pick(10), UrlForm::Relative),
        );
        self.para(
            home,
            Some(callout),
            TextKind::Paragraph,
            self.mention_of(pick(11)),
        );

        let columns = self.push(home, None, BlockKind::ColumnList);
        for k in 0..2 {
            let column = self.push(home, Some(columns), BlockKind::Column);
            self.para(
                home,
                Some(column),
                TextKind::Paragraph,
                self.mention_of(pick(12 + k)),
            );
        }

        let table = self.push(home, None, BlockKind::Table { width: 2 });
        self.push(
            home,
            Some(table),
            BlockKind::TableRow(vec![
                vec![Span::Text("Name".into())],
                vec![Span::Text("Link".into())],
            ]),
        );
        self.push(
            home,
            Some(table),
            BlockKind::TableRow(vec![
                vec![Span::Text("Cell".into())],
                self.url_to(pick(14), UrlForm::Bare),
            ]),
        );

        self.push(
            home,
            None,
            BlockKind::Image {
                caption: self.mention_of(pick(15)),
            },
        );
        self.push(
            home,
            None,
            BlockKind::Code {
                caption: self.url_to(pick(16), UrlForm::App),
            },
        );

        // A synced original here, referenced from another page.
        let original = self.push(home, None, BlockKind::SyncedOriginal);
        self.para(
            home,
            Some(original),
            TextKind::Paragraph,
            self.mention_of(pick(17)),
        );
        self.originals.push(original);
        if let Some(other) = self.pages.get(1).copied() {
            self.push(other, None, BlockKind::SyncedRef(original));
        }
        // A reference here to an original that lives in a page the integration cannot see.
        if let Some(hidden) = self
            .pages
            .iter()
            .copied()
            .find(|p| !self.ws.entity(*p).shared)
        {
            let hidden_original = self.push(hidden, None, BlockKind::SyncedOriginal);
            self.para(
                hidden,
                Some(hidden_original),
                TextKind::Paragraph,
                self.mention_of(Some(home)),
            );
            self.push(home, None, BlockKind::SyncedRef(hidden_original));
        }

        self.push(home, None, BlockKind::Unknown("ai_block"));
        self.push(home, None, BlockKind::Unknown("transcription"));
        let odd = vec![
            Span::User(0),
            Span::Text(" ".into()),
            Span::Date(42),
            Span::Text(" ".into()),
            Span::LinkPreview(7),
            Span::Text(" ".into()),
            Span::TemplateMention,
            Span::Text(" ".into()),
            Span::UnknownMention,
            Span::Text(" ".into()),
            Span::Equation,
        ];
        self.para(home, None, TextKind::Paragraph, odd);
    }

    fn para(&mut self, page: Ent, parent: Option<Blk>, kind: TextKind, spans: Vec<Span>) -> Blk {
        self.push(page, parent, BlockKind::Text(kind, spans))
    }

    fn mention_of(&self, target: Option<Ent>) -> Vec<Span> {
        let mut spans = vec![Span::Text("About ".into())];
        spans.extend(target.map(Span::Mention));
        spans
    }

    fn url_to(&self, target: Option<Ent>, form: UrlForm) -> Vec<Span> {
        let mut spans = vec![Span::Text("Open ".into())];
        spans.extend(target.map(|target| Span::Url { target, form }));
        spans
    }
}
