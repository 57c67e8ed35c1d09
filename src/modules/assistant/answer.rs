//! Answers to the read intents, written from one snapshot of the graph (and its diff) as
//! Markdown: every page named is a link to it in Notion, every title escaped.

use super::resolve::{Target, TitleIndex, escape};
use crate::modules::graph::{Snapshot, SnapshotDiff};

/// Pages an answer lists at most before saying how many more there are.
pub const LISTED: usize = 15;

/// What the assistant can do, with examples; the answer to help and to anything unknown.
pub const HELP: &str = "I answer from your workspace's graph, and I change pages only after you confirm a plan. Try:\n\
- *what links to Roadmap?* · *what does Roadmap link to?*\n\
- *path from Roadmap to Journal* · *orphans* · *hubs*\n\
- *summary* · *summary of community Roadmap* · *what changed since the last sync?*\n\
- *search for meeting* · *open Roadmap*\n\
- *create page Q3 goals under Planning with text Ship it*\n\
- *add a to-do Call Ana to Roadmap* · *append Done for today to Journal*\n\
- *add a row Fix login to Tasks with Status=Done*\n\
- *comment on Roadmap: looks good* · *rename Roadmap to Roadmap 2027*\n\
- *move Ideas under Roadmap* · *archive Old notes*\n\
- *undo* · *status*\n\
Page names may be misspelt, in quotes, or a Notion link.";

pub struct Graph<'a> {
    pub snapshot: &'a Snapshot,
    pub index: &'a TitleIndex,
}

impl Graph<'_> {
    fn link_of(&self, node: u32) -> String {
        match self.index.target_of(self.snapshot, node) {
            Some(target) => target.link(),
            None => {
                let node = &self.snapshot.graph.nodes[node as usize];
                escape(if node.title.is_empty() {
                    &node.id
                } else {
                    &node.title
                })
            }
        }
    }

    fn list(&self, nodes: impl ExactSizeIterator<Item = (u32, String)>) -> String {
        let total = nodes.len();
        let mut lines: Vec<String> = nodes
            .take(LISTED)
            .map(|(node, note)| format!("- {}{note}", self.link_of(node)))
            .collect();
        if total > LISTED {
            lines.push(format!("- … and {} more", total - LISTED));
        }
        lines.join("\n")
    }

    /// Links to the page, each with its kind.
    pub fn backlinks(&self, page: &Target) -> String {
        let Some(node) = self.index.node(&page.id) else {
            return format!("{} is not in the graph yet.", page.link());
        };
        let links: Vec<(u32, String)> = self
            .snapshot
            .graph
            .links
            .iter()
            .filter(|l| l.target == node && l.source != node)
            .map(|l| (l.source, format!(" ({})", l.kind.name().replace('_', " "))))
            .collect();
        match links.len() {
            0 => format!("Nothing links to {}.", page.link()),
            n => format!(
                "{n} link{} to {}:\n{}",
                plural(n),
                page.link(),
                self.list(links.into_iter())
            ),
        }
    }

    /// Links from the page, each with its kind.
    pub fn links(&self, page: &Target) -> String {
        let Some(node) = self.index.node(&page.id) else {
            return format!("{} is not in the graph yet.", page.link());
        };
        let links: Vec<(u32, String)> = self
            .snapshot
            .graph
            .links
            .iter()
            .filter(|l| l.source == node && l.target != node)
            .map(|l| (l.target, format!(" ({})", l.kind.name().replace('_', " "))))
            .collect();
        match links.len() {
            0 => format!("{} links to nothing.", page.link()),
            n => format!(
                "{} has {n} link{}:\n{}",
                page.link(),
                plural(n),
                self.list(links.into_iter())
            ),
        }
    }

    pub fn path(&self, from: &Target, to: &Target) -> String {
        let (Some(start), Some(goal)) = (self.index.node(&from.id), self.index.node(&to.id)) else {
            return "One of these pages is not in the graph yet.".into();
        };
        match self.index.path(start, goal) {
            None => format!("No chain of links joins {} and {}.", from.link(), to.link()),
            Some(path) if path.len() == 1 => format!("{} is the same page.", from.link()),
            Some(path) => {
                let steps: Vec<String> = path.iter().map(|&n| self.link_of(n)).collect();
                let hops = path.len() - 1;
                format!("{hops} link{} apart: {}", plural(hops), steps.join(" → "))
            }
        }
    }

    fn live(&self, node: u32) -> bool {
        let node = &self.snapshot.graph.nodes[node as usize];
        !node.trashed && !node.dangling
    }

    pub fn orphans(&self) -> String {
        let mut orphans: Vec<u32> = self
            .snapshot
            .metrics
            .orphans
            .iter()
            .copied()
            .filter(|&n| self.live(n))
            .collect();
        let rank = &self.snapshot.metrics.pagerank;
        orphans.sort_by(|&a, &b| rank[b as usize].total_cmp(&rank[a as usize]));
        match orphans.len() {
            0 => "No orphans: every page links or is linked to.".into(),
            n => format!(
                "{n} orphan{} (no links in or out, besides parent and child):\n{}",
                plural(n),
                self.list(orphans.into_iter().map(|o| (o, String::new())))
            ),
        }
    }

    pub fn hubs(&self) -> String {
        let metrics = &self.snapshot.metrics;
        let hubs: Vec<(u32, String)> = metrics
            .hubs
            .iter()
            .filter(|&&n| self.live(n))
            .map(|&n| {
                let (i, o) = (
                    metrics.in_degree[n as usize],
                    metrics.out_degree[n as usize],
                );
                (n, format!(" ({i} in, {o} out)"))
            })
            .collect();
        match hubs.len() {
            0 => "No hubs yet: the workspace has no links.".into(),
            _ => format!("The most linked pages:\n{}", self.list(hubs.into_iter())),
        }
    }

    pub fn summary(&self) -> String {
        let (meta, metrics) = (&self.snapshot.meta, &self.snapshot.metrics);
        let mut communities: Vec<_> = metrics.live_communities().collect();
        communities.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
        let lines: Vec<String> = communities
            .iter()
            .take(5)
            .map(|c| format!("- **{}** ({} pages)", escape(&c.label), c.size))
            .collect();
        format!(
            "{} pages and {} links in {} communities, {} orphans (snapshot {}).\nThe largest communities:\n{}",
            meta.node_count,
            meta.link_count,
            meta.community_count,
            metrics.orphans.len(),
            meta.version,
            lines.join("\n")
        )
    }

    /// One community, found by its label (any case, or words of it).
    pub fn community(&self, label: &str) -> String {
        let wanted = label.trim().to_lowercase();
        let metrics = &self.snapshot.metrics;
        let found = metrics
            .live_communities()
            .find(|c| c.label.to_lowercase() == wanted)
            .or_else(|| {
                metrics
                    .live_communities()
                    .find(|c| c.label.to_lowercase().contains(&wanted))
            });
        let Some(community) = found else {
            return format!(
                "No community is called “{}”. Ask for the *summary* to see them.",
                escape(label)
            );
        };
        let rank = &metrics.pagerank;
        let mut members: Vec<u32> = (0..metrics.community.len() as u32)
            .filter(|&n| metrics.community[n as usize] == community.id && self.live(n))
            .collect();
        members.sort_by(|&a, &b| rank[b as usize].total_cmp(&rank[a as usize]));
        format!(
            "The community **{}** has {} pages; its centre is {}. Its most central pages:\n{}",
            escape(&community.label),
            community.size,
            self.link_of(community.central),
            self.list(members.into_iter().map(|m| (m, String::new())))
        )
    }

    pub fn search(&self, text: &str) -> String {
        let hits = self.index.search(text, LISTED);
        if hits.is_empty() {
            return format!("No page title contains “{}”.", escape(text));
        }
        let lines: Vec<String> = hits.iter().map(|t| format!("- {}", t.link())).collect();
        format!("Pages matching “{}”:\n{}", escape(text), lines.join("\n"))
    }

    /// The page: its link, kind and how it is linked (its text is added by the caller).
    pub fn open(&self, page: &Target) -> String {
        let Some(node) = self.index.node(&page.id) else {
            return page.link();
        };
        let metrics = &self.snapshot.metrics;
        format!(
            "{} is a {} with {} links in and {} out.",
            page.link(),
            page.kind.name().replace('_', " "),
            metrics.in_degree.get(node as usize).unwrap_or(&0),
            metrics.out_degree.get(node as usize).unwrap_or(&0)
        )
    }

    pub fn changes(&self, diff: &SnapshotDiff) -> String {
        if diff.from == diff.to {
            return "Only one snapshot exists yet: nothing to compare it with.".into();
        }
        let name = |id: &String| match self.index.node(id) {
            Some(node) => self.link_of(node),
            None => format!("`{id}`"),
        };
        let mut text = format!(
            "From snapshot {} to {}: {} pages added, {} removed, {} links added, {} removed.",
            diff.from,
            diff.to,
            diff.added_nodes.len(),
            diff.removed_nodes.len(),
            diff.added_links.len(),
            diff.removed_links.len()
        );
        for (label, ids) in [
            ("New pages", &diff.added_nodes),
            ("Removed pages", &diff.removed_nodes),
            ("New orphans", &diff.new_orphans),
        ] {
            if !ids.is_empty() {
                let shown: Vec<String> = ids.iter().take(LISTED).map(name).collect();
                text.push_str(&format!("\n{label}: {}", shown.join(", ")));
            }
        }
        if !diff.broken_links.is_empty() {
            text.push_str(&format!(
                "\n{} links now point to trashed or unreadable pages.",
                diff.broken_links.len()
            ));
        }
        text
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
