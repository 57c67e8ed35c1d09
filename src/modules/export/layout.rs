//! Where every exported page goes: the tree of the workspace (pages under their parents,
//! rows in their database's folder) laid out as files, built from the stored import's
//! entities alone. Pure: the same entities give the same paths, whatever order they come in.
//!
//! ```text
//! OUT/manifest.json           the only file that says when the export ran
//! OUT/Roadmap.md              a page
//! OUT/Roadmap/Q3.md           its child (a folder per page that has children)
//! OUT/Roadmap/Tasks/_database.md, rows.csv, Fix login.md
//! OUT/json/<id>.json          the raw Notion objects and block trees
//! ```

use std::collections::HashMap;

use super::names::{self, Sibling};

/// What the layout needs of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub kind: NodeKind,
    pub title: String,
    /// The page, database (or data source, for a row) it lives in, as stored.
    pub parent: Option<String>,
    pub created: Option<String>,
    pub last_edited: Option<String>,
    pub url: Option<String>,
    pub icon: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Page,
    Row,
    Database,
}

/// One exported entity and its place.
#[derive(Debug, Clone)]
pub struct Node {
    pub entry: Entry,
    /// The parent in the export's tree (an index into [`Plan::nodes`]).
    pub parent: Option<usize>,
    /// Its Markdown file, relative to the export root, `/`-separated.
    pub file: String,
    /// The folder holding its children (or, for a database, its files).
    pub folder: Option<String>,
}

/// Every exported entity, in a stable order (by path), with lookup by id.
#[derive(Debug, Default)]
pub struct Plan {
    pub nodes: Vec<Node>,
    by_id: HashMap<String, usize>,
}

/// Names the root holds besides pages.
pub const ROOT_RESERVED: [&str; 2] = ["json", "manifest.json"];
/// Names a database folder holds besides its rows.
pub const DATABASE_FILE: &str = "_database.md";
pub const ROWS_FILE: &str = "rows.csv";

impl Plan {
    /// Lays out `entries` (pages, rows and databases that are readable and not in the trash).
    /// `hosts` maps an id to the page that holds it when its stored parent is a block (a page
    /// inside a toggle or a column), from the import's child-page edges; `data_sources` maps a
    /// data source to its database, for rows stored under their data source.
    pub fn new(
        entries: Vec<Entry>,
        hosts: &HashMap<String, String>,
        data_sources: &HashMap<String, String>,
    ) -> Self {
        let index: HashMap<String, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let resolve = |entry: &Entry| -> Option<usize> {
            let stored = entry.parent.as_deref()?;
            let stored = data_sources.get(stored).map_or(stored, String::as_str);
            index
                .get(stored)
                .or_else(|| hosts.get(&entry.id).and_then(|host| index.get(host)))
                .or_else(|| hosts.get(stored).and_then(|host| index.get(host)))
                .copied()
        };
        let mut parents: Vec<Option<usize>> = entries.iter().map(resolve).collect();
        break_cycles(&mut parents);
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
        let mut roots = Vec::new();
        for (i, parent) in parents.iter().enumerate() {
            match parent {
                Some(p) => children[*p].push(i),
                None => roots.push(i),
            }
        }
        let order = |list: &mut Vec<usize>| {
            list.sort_by(|a, b| {
                let (a, b) = (&entries[*a], &entries[*b]);
                (&a.created, &a.id).cmp(&(&b.created, &b.id))
            });
        };
        order(&mut roots);
        children.iter_mut().for_each(order);
        let mut files: Vec<(String, Option<String>)> = vec![(String::new(), None); entries.len()];
        let mut queue: Vec<(String, Vec<usize>, &[&str])> =
            vec![(String::new(), roots, &ROOT_RESERVED)];
        while let Some((dir, siblings, reserved)) = queue.pop() {
            let described: Vec<Sibling<'_>> = siblings
                .iter()
                .map(|i| Sibling {
                    id: &entries[*i].id,
                    title: &entries[*i].title,
                    folder: !children[*i].is_empty(),
                    only_folder: entries[*i].kind == NodeKind::Database,
                })
                .collect();
            let stems = names::assign(&described, reserved);
            for (i, stem) in siblings.iter().zip(stems) {
                let folder = format!("{dir}{stem}/");
                let is_database = entries[*i].kind == NodeKind::Database;
                let file = if is_database {
                    format!("{folder}{DATABASE_FILE}")
                } else {
                    format!("{dir}{stem}.md")
                };
                let has_folder = is_database || !children[*i].is_empty();
                if !children[*i].is_empty() {
                    let reserved: &[&str] = if is_database {
                        &[DATABASE_FILE, ROWS_FILE]
                    } else {
                        &[]
                    };
                    queue.push((folder.clone(), std::mem::take(&mut children[*i]), reserved));
                }
                files[*i] = (file, has_folder.then_some(folder));
            }
        }
        let mut nodes: Vec<Node> = entries
            .into_iter()
            .zip(files)
            .zip(parents)
            .map(|((entry, (file, folder)), parent)| Node {
                entry,
                parent,
                file,
                folder,
            })
            .collect();
        sort_by_path(&mut nodes);
        let by_id = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.entry.id.clone(), i))
            .collect();
        Self { nodes, by_id }
    }

    pub fn get(&self, id: &str) -> Option<&Node> {
        self.by_id.get(id).map(|i| &self.nodes[*i])
    }

    /// The nodes whose tree parent is `index`, in path order.
    pub fn children_of(&self, index: usize) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.parent == Some(index))
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// A digest of every id and path: a checkpoint from another layout is not resumed.
    pub fn fingerprint(&self) -> String {
        let mut parts: Vec<&str> = Vec::with_capacity(self.nodes.len() * 2);
        for node in &self.nodes {
            parts.push(&node.entry.id);
            parts.push(&node.file);
        }
        crate::modules::sync::model::fingerprint(&parts)
    }
}

/// Sorts nodes by file and fixes the parent indexes to the new order.
fn sort_by_path(nodes: &mut Vec<Node>) {
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|a, b| nodes[*a].file.cmp(&nodes[*b].file));
    let mut new_index = vec![0; nodes.len()];
    for (new, old) in order.iter().enumerate() {
        new_index[*old] = new;
    }
    let mut taken: Vec<Option<Node>> = std::mem::take(nodes).into_iter().map(Some).collect();
    *nodes = order
        .iter()
        .map(|old| {
            let mut node = taken[*old].take().expect("each node once");
            node.parent = node.parent.map(|p| new_index[p]);
            node
        })
        .collect();
}

/// A parent chain that loops (possible in inconsistent data) is cut where it closes: that
/// node becomes a root.
fn break_cycles(parents: &mut [Option<usize>]) {
    let mut state = vec![0u8; parents.len()]; // 0 unseen, 1 on the current walk, 2 done
    for start in 0..parents.len() {
        let mut walk = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                2 => break,
                1 => {
                    parents[walk.last().copied().unwrap_or(i)] = None;
                    break;
                }
                _ => {
                    state[i] = 1;
                    walk.push(i);
                    at = parents[i];
                }
            }
        }
        for i in walk {
            state[i] = 2;
        }
    }
}

/// The link from the file `from` to the file `to` (both relative to the export root), each
/// segment encoded for a Markdown link: `../Tasks/Fix%20login.md`.
pub fn href(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts[..to_parts.len() - 1])
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from_dirs.len() - common];
    parts.extend(to_parts[common..].iter().map(|p| encode_segment(p)));
    parts.join("/")
}

/// A path segment as a link destination: what Markdown or a URL would read otherwise is
/// percent-encoded; other characters (accents, emoji, right-to-left text) stay as they are.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for c in segment.chars() {
        match c {
            ' ' | '%' | '#' | '?' | '(' | ')' | '<' | '>' | '[' | ']' | '^' | '`' | '{' | '}' => {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`encode_segment`] (and any other percent-encoding) for a link read back.
pub fn decode(href: &str) -> String {
    let bytes = href.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, kind: NodeKind, title: &str, parent: Option<&str>) -> Entry {
        Entry {
            id: id.into(),
            kind,
            title: title.into(),
            parent: parent.map(str::to_owned),
            created: Some(format!("2024-01-01T00:00:{id}Z")),
            last_edited: None,
            url: None,
            icon: None,
        }
    }

    fn files(plan: &Plan) -> Vec<&str> {
        plan.nodes.iter().map(|n| n.file.as_str()).collect()
    }

    #[test]
    fn pages_with_children_get_a_folder_and_databases_hold_their_rows() {
        use NodeKind::*;
        let entries = vec![
            entry("01", Page, "Roadmap", None),
            entry("02", Page, "Q3", Some("01")),
            entry("03", Database, "Tasks", Some("01")),
            entry("04", Row, "Fix login", Some("ds")),
            entry("05", Page, "In a toggle", Some("block-1")),
            entry("06", Page, "json", None),
            entry("08", Page, "under json", Some("06")),
            entry("07", Row, "rows.csv", Some("03")),
        ];
        let hosts = HashMap::from([("05".to_owned(), "02".to_owned())]);
        let sources = HashMap::from([("ds".to_owned(), "03".to_owned())]);
        let plan = Plan::new(entries, &hosts, &sources);
        assert_eq!(
            files(&plan),
            [
                "Roadmap.md",
                "Roadmap/Q3.md",
                "Roadmap/Q3/In a toggle.md",
                "Roadmap/Tasks/Fix login.md",
                "Roadmap/Tasks/_database.md",
                "Roadmap/Tasks/rows.csv.md",
                "json (06).md",
                "json (06)/under json.md",
            ]
        );
        let q3 = plan.get("02").unwrap();
        assert_eq!(q3.folder.as_deref(), Some("Roadmap/Q3/"));
        assert_eq!(plan.nodes[q3.parent.unwrap()].entry.id, "01");
    }

    #[test]
    fn a_parent_cycle_is_cut_and_unknown_parents_are_roots() {
        use NodeKind::*;
        let entries = vec![
            entry("01", Page, "A", Some("02")),
            entry("02", Page, "B", Some("01")),
            entry("03", Page, "C", Some("gone")),
        ];
        let plan = Plan::new(entries, &HashMap::new(), &HashMap::new());
        assert_eq!(plan.nodes.len(), 3);
        assert!(
            plan.nodes
                .iter()
                .any(|n| n.parent.is_none() && n.entry.id != "03")
        );
        assert!(plan.get("03").unwrap().parent.is_none());
    }

    #[test]
    fn hrefs_are_relative_and_encoded() {
        assert_eq!(href("A.md", "B.md"), "B.md");
        assert_eq!(href("A/B/C.md", "A/D.md"), "../D.md");
        assert_eq!(
            href("A.md", "A/Tasks/Fix login.md"),
            "A/Tasks/Fix%20login.md"
        );
        assert_eq!(
            href("X/Y.md", "Q (1a2b)#?.md"),
            "../Q%20%281a2b%29%23%3F.md"
        );
        assert_eq!(decode("../Q%20%281a2b%29%23%3F.md"), "../Q (1a2b)#?.md");
        assert_eq!(href("A.md", "🚀 launch.md"), "🚀%20launch.md");
    }
}
