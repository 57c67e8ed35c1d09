//! Page names resolved against the workspace's titles: a Notion URL or id first, then the
//! exact title, then the title in any case, then a fuzzy match (a few typos, or a title that
//! contains the words). Two candidates that fit equally well are never guessed between: the
//! caller asks the user which one, by number.

use std::collections::HashMap;

use graph_engine::Csr;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::grammar::{Rows, distance_within};
use super::intent::PageName;
use crate::modules::graph::Snapshot;
use crate::modules::graph::views::shortest_path;
use crate::modules::notion::ids;
use crate::modules::sync::EntityKind;

/// Candidates a question lists at most.
pub const MAX_CANDIDATES: usize = 5;

/// A page (or database) of the workspace, as plans and replies name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = AssistantTarget)]
pub struct Target {
    /// The Notion id (dashed).
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    /// `page`, `row`, `database` or `data_source`.
    #[schema(value_type = String)]
    pub kind: EntityKind,
}

impl Target {
    /// The page as a Markdown link (its title alone when it has no URL).
    pub fn link(&self) -> String {
        let title = escape(&self.title);
        match &self.url {
            Some(url) => format!("[{title}]({url})"),
            None => title,
        }
    }
}

/// Markdown-escapes a title, so that a page called `*[x](javascript:...)` stays text.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '|' | '~'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// What a name resolved to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    Found(Target),
    /// Several pages fit as well as each other, best first.
    Ambiguous(Vec<Target>),
    Missing,
}

struct Entry {
    /// Position in `targets`.
    at: u32,
    folded: String,
    length: usize,
    letters: Letters,
}

/// How many of each character a text holds (white space aside), in 32 buckets by code point:
/// a cheap test that rules most titles out before the distance or the words are looked at.
#[derive(Clone, Copy)]
struct Letters([u8; 32]);

impl Letters {
    fn of(text: &str) -> Self {
        let mut counts = [0u8; 32];
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            let bucket = &mut counts[c as usize % 32];
            *bucket = bucket.saturating_add(1);
        }
        Self(counts)
    }

    /// Whether `other` may be within `edits` of this: an edit changes two counts by one at
    /// most (a swap none), so texts further apart than twice the edits in these counts are.
    fn near(&self, other: &Letters, edits: usize) -> bool {
        let apart: usize = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        apart <= 2 * edits
    }

    /// Whether every character of `other` is among these (as it must be for its words to
    /// start words of this text).
    fn has_all_of(&self, other: &Letters) -> bool {
        self.0
            .iter()
            .zip(&other.0)
            .all(|(mine, theirs)| *theirs == 0 || *mine > 0)
    }
}

/// The titles of one snapshot, ready to resolve names against and search, with its links
/// both ways for paths: built once per snapshot, so that a question costs only its answer.
/// Trashed pages and link targets the integration cannot read are left out of names (an id
/// still finds a trashed page).
pub struct TitleIndex {
    targets: Vec<Target>,
    /// The graph node of each target, by position.
    nodes: Vec<u32>,
    /// The live titled targets, for fuzzy matching.
    entries: Vec<Entry>,
    /// Position in `targets` by the id's 32 hex digits.
    by_id: HashMap<String, usize>,
    by_title: HashMap<String, Vec<usize>>,
    by_folded: HashMap<String, Vec<usize>>,
    /// Every link (hierarchy included) in both directions.
    undirected: Csr,
}

impl TitleIndex {
    pub fn new(snapshot: &Snapshot) -> Self {
        let nodes = &snapshot.graph.nodes;
        let rank = &snapshot.metrics.pagerank;
        let mut order: Vec<u32> = (0..nodes.len() as u32)
            .filter(|&i| !nodes[i as usize].dangling)
            .collect();
        // Highest PageRank first, so that candidates come out in that order.
        order.sort_by(|&a, &b| {
            let (ra, rb) = (rank.get(a as usize), rank.get(b as usize));
            rb.unwrap_or(&0.0)
                .total_cmp(ra.unwrap_or(&0.0))
                .then(a.cmp(&b))
        });
        let mut index = Self {
            targets: Vec::with_capacity(order.len()),
            nodes: Vec::with_capacity(order.len()),
            entries: Vec::with_capacity(order.len()),
            by_id: HashMap::with_capacity(order.len()),
            by_title: HashMap::new(),
            by_folded: HashMap::new(),
            undirected: Csr::undirected(nodes.len(), &snapshot.graph.pairs(true)),
        };
        for node in order {
            let n = &nodes[node as usize];
            let at = index.targets.len();
            index.by_id.insert(hex(&n.id), at);
            index.nodes.push(node);
            index.targets.push(Target {
                id: n.id.clone(),
                title: n.title.trim().to_owned(),
                url: n.url.clone(),
                kind: n.kind,
            });
            // A data source shares its database's title; the database stands for both.
            if n.trashed || n.title.trim().is_empty() || n.kind == EntityKind::DataSource {
                continue;
            }
            let folded = fold(&n.title);
            index
                .by_title
                .entry(n.title.trim().to_owned())
                .or_default()
                .push(at);
            index.by_folded.entry(folded.clone()).or_default().push(at);
            index.entries.push(Entry {
                at: at as u32,
                length: folded.chars().count(),
                letters: Letters::of(&folded),
                folded,
            });
        }
        index
    }

    /// The graph node (index into the snapshot's nodes) of the page with this Notion id.
    pub fn node(&self, id: &str) -> Option<u32> {
        self.by_id.get(&hex(id)).map(|&at| self.nodes[at])
    }

    /// The target of a graph node, if the index holds it.
    pub fn target_of(&self, snapshot: &Snapshot, node: u32) -> Option<&Target> {
        let id = &snapshot.graph.nodes.get(node as usize)?.id;
        self.by_id.get(&hex(id)).map(|&at| &self.targets[at])
    }

    /// The fewest links between two graph nodes, either way along each.
    pub fn path(&self, start: u32, goal: u32) -> Option<Vec<u32>> {
        shortest_path(&self.undirected, start, goal)
    }

    /// Up to `limit` live titled pages whose title contains `text` (any case), highest
    /// PageRank first.
    pub fn search(&self, text: &str, limit: usize) -> Vec<&Target> {
        let wanted = fold(text);
        self.entries
            .iter()
            .filter(|e| e.folded.contains(&wanted))
            .take(limit)
            .map(|e| &self.targets[e.at as usize])
            .collect()
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The page `name` means, or the candidates to ask about.
    pub fn resolve(&self, name: &PageName) -> Resolution {
        let text = name.as_str().trim().trim_matches(['"', '\'', '“', '”']);
        if let Some(id) = mentioned_id(text) {
            return match self.by_id.get(&hex(&id)) {
                Some(&at) => Resolution::Found(self.targets[at].clone()),
                None => Resolution::Missing,
            };
        }
        let forms = forms(text);
        let exact = forms
            .iter()
            .find_map(|form| self.by_title.get(form.as_str()));
        let any_case = || {
            forms
                .iter()
                .find_map(|form| self.by_folded.get(&fold(form)))
        };
        if let Some(found) = exact.or_else(any_case) {
            return self.pick(found.iter().copied());
        }
        forms
            .iter()
            .map(|form| self.fuzzy(&fold(form)))
            .find(|r| *r != Resolution::Missing)
            .unwrap_or(Resolution::Missing)
    }

    /// One target, or a question among several.
    fn pick(&self, positions: impl Iterator<Item = usize>) -> Resolution {
        let mut found: Vec<Target> = positions
            .take(MAX_CANDIDATES)
            .map(|at| self.targets[at].clone())
            .collect();
        match found.len() {
            0 => Resolution::Missing,
            1 => Resolution::Found(found.remove(0)),
            _ => Resolution::Ambiguous(found),
        }
    }

    /// Titles a few typos away (fewest first), else titles containing the words; the best
    /// fit wins only when nothing else fits as well.
    fn fuzzy(&self, wanted: &str) -> Resolution {
        let length = wanted.chars().count();
        let allowed = match length {
            0..=3 => 0,
            4..=7 => 1,
            8..=12 => 2,
            _ => 3,
        };
        let wanted_chars: Vec<char> = wanted.chars().collect();
        let letters = Letters::of(wanted);
        let (mut title, mut rows) = (Vec::new(), Rows::default());
        let mut best: Vec<(usize, usize)> = Vec::new();
        for entry in &self.entries {
            let close = allowed > 0
                && entry.length.abs_diff(length) <= allowed
                && entry.letters.near(&letters, allowed);
            let typos = close.then(|| {
                title.clear();
                title.extend(entry.folded.chars());
                distance_within(&title, &wanted_chars, allowed, &mut rows)
            });
            let typos = typos.flatten();
            let score = if let Some(typos) = typos {
                typos
            } else if length >= 3
                && entry.letters.has_all_of(&letters)
                && contains_words(&entry.folded, wanted)
            {
                allowed + 1
            } else {
                continue;
            };
            match best.first() {
                Some(&(top, _)) if score > top => {}
                Some(&(top, _)) if score < top => best = vec![(score, entry.at as usize)],
                _ => best.push((score, entry.at as usize)),
            }
        }
        self.pick(best.into_iter().map(|(_, at)| at))
    }
}

/// The 32 hex digits of an id, lowercase.
fn hex(id: &str) -> String {
    id.replace('-', "").to_ascii_lowercase()
}

fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A Notion id the text is or holds: a Notion URL, a bare id, dashed or not.
fn mentioned_id(text: &str) -> Option<String> {
    if let Some(id) = ids::from_notion_url(text).or_else(|| ids::normalize(text)) {
        return Some(id);
    }
    text.split(|c: char| !c.is_ascii_hexdigit() && c != '-')
        .find_map(|word| ids::normalize(word.trim_matches('-')))
}

/// The name as typed, then without the words around a name people add ("the ... page").
fn forms(text: &str) -> Vec<String> {
    const BEFORE: &[&str] = &["the ", "a ", "an ", "my ", "our ", "page ", "database "];
    const AFTER: &[&str] = &[" page", " database", " doc", " db", " note", " notes page"];
    let mut forms = vec![text.to_owned()];
    let mut bare = text.to_owned();
    loop {
        let lower = bare.to_lowercase();
        let cut = BEFORE
            .iter()
            .find(|w| lower.starts_with(*w))
            .map(|w| bare[w.len()..].to_owned())
            .or_else(|| {
                AFTER
                    .iter()
                    .find(|w| lower.ends_with(*w) && lower.len() > w.len())
                    .map(|w| bare[..bare.len() - w.len()].to_owned())
            });
        match cut {
            Some(shorter) if !shorter.trim().is_empty() => {
                bare = shorter.trim().to_owned();
                forms.push(bare.clone());
            }
            _ => return forms,
        }
    }
}

/// Whether every word of `wanted` starts a word of `title` ("q3 plan" fits "Q3 planning notes").
fn contains_words(title: &str, wanted: &str) -> bool {
    wanted
        .split_whitespace()
        .all(|w| title.split_whitespace().any(|t| t.starts_with(w)))
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
