//! From the files of a Notion export to a workspace as an import stores it: entities (pages,
//! databases, rows) with their parents, and the typed edges between them. Pure: the same
//! files give the same workspace, whatever order the zip lists them in.
//!
//! - The hierarchy comes from the folders: a file's parent is the page (or database) whose
//!   folder holds it. A folder is named like its page (`Title <hex>`), or, in exports that
//!   leave the id off folders, like its page's file beside it.
//! - A file in a database's folder is a row of it.
//! - The first link to a child is the child's block (its hierarchy edge), a second one a
//!   mention of it; a row's link in its properties is a relation; any other link is a page or
//!   database mention. Targets the
//!   export does not hold are kept as unreadable entities, as an API import keeps them.

use std::collections::{BTreeMap, HashMap};

use super::names;
use super::parse::PageFile;
use crate::modules::notion::links::LinkKind;
use crate::modules::sync::model::{Edge, Entity, EntityKind, Origin};

/// One page, row or database file of the export.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// Folders, then the file name.
    pub path: Vec<String>,
    pub facts: PageFile,
}

/// What the export holds, ready to store.
#[derive(Debug, Default)]
pub struct Workspace {
    pub entities: Vec<Entity>,
    pub edges: BTreeMap<String, Edge>,
    /// Files whose name carries no id (not from a Notion export), left out.
    pub without_id: usize,
    /// The export's top folder when it has one (`Export-<uuid>`), for the workspace's name.
    pub top_title: Option<String>,
}

struct Node {
    id: String,
    title: String,
    /// The title as the file name spells it, which an id-less folder repeats.
    file_title: String,
    database: bool,
    dir: Vec<String>,
    links: Vec<super::parse::FoundLink>,
}

/// Builds the workspace of `files` for the connection `connection`.
pub fn build(connection: &str, files: Vec<ExportFile>) -> Workspace {
    let mut workspace = Workspace::default();
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for file in files {
        let Some((name, dir)) = file.path.split_last() else {
            continue;
        };
        let parsed = names::parse(name);
        let Some(id) = file.facts.own_id.clone().or(parsed.id) else {
            workspace.without_id += 1;
            continue;
        };
        let node = nodes.entry(id.clone()).or_insert_with(|| Node {
            id,
            title: String::new(),
            file_title: parsed.title.clone(),
            database: false,
            dir: dir.to_vec(),
            links: Vec::new(),
        });
        // A database has a CSV and a CSV of every row, or an HTML file: one node.
        node.database |= file.facts.database || parsed.extension.as_deref() == Some("csv");
        if node.title.is_empty() {
            node.title = file.facts.title.clone().unwrap_or(parsed.title);
        }
        node.links.extend(file.facts.links);
    }
    let folders = folder_ids(&nodes);
    let parents: HashMap<String, Option<String>> = nodes
        .values()
        .map(|n| (n.id.clone(), parent_of(&n.dir, &folders)))
        .collect();
    for node in nodes.values() {
        let parent = parents[&node.id].clone();
        let in_database = parent
            .as_deref()
            .and_then(|p| nodes.get(p))
            .is_some_and(|p| p.database);
        let kind = match (node.database, in_database) {
            (true, _) => EntityKind::Database,
            (false, true) => EntityKind::Row,
            (false, false) => EntityKind::Page,
        };
        workspace
            .entities
            .push(entity(connection, node, kind, parent.clone()));
        if let Some(parent) = &parent {
            let edge = hierarchy_edge(connection, &node.id, parent, kind);
            workspace.edges.entry(edge.key()).or_insert(edge);
        }
        for edge in references(connection, node, kind, &nodes, &parents) {
            workspace.edges.entry(edge.key()).or_insert(edge);
        }
    }
    add_unreadable_targets(connection, &mut workspace, &nodes);
    workspace.top_title = top_title(&nodes);
    workspace
}

/// The reference edges of `node`'s links (of kind `kind`): the first link to a child is its
/// block, already a hierarchy edge; another one is a mention of it.
fn references(
    connection: &str,
    node: &Node,
    kind: EntityKind,
    nodes: &BTreeMap<String, Node>,
    parents: &HashMap<String, Option<String>>,
) -> Vec<Edge> {
    let row = kind == EntityKind::Row;
    let mut child_links: HashMap<&str, usize> = HashMap::new();
    let mut edges = Vec::new();
    for link in &node.links {
        let target = link.target.as_str();
        if target == node.id {
            continue;
        }
        let child = parents
            .get(target)
            .is_some_and(|p| p.as_ref() == Some(&node.id));
        let seen = child_links.entry(target).or_default();
        *seen += usize::from(child);
        if *seen == 1 {
            continue;
        }
        let (kind, origin) = match (row && link.in_property, nodes.get(target)) {
            (true, _) => (LinkKind::Relation, Origin::Properties),
            (false, Some(t)) if t.database => (LinkKind::DatabaseMention, Origin::Content),
            _ => (LinkKind::PageMention, Origin::Content),
        };
        edges.push(reference(connection, &node.id, target, kind, origin));
    }
    edges
}

/// Every folder (by path) that is a page's or database's, and whose.
fn folder_ids(nodes: &BTreeMap<String, Node>) -> HashMap<Vec<String>, String> {
    let mut folders = HashMap::new();
    for node in nodes.values() {
        // The folder beside the file, named like it without the id (with it, the name says).
        let mut path = node.dir.clone();
        path.push(node.file_title.clone());
        folders.entry(path).or_insert_with(|| node.id.clone());
    }
    folders
}

/// The page or database holding a file in `dir`: the innermost folder that is one's.
fn parent_of(dir: &[String], folders: &HashMap<Vec<String>, String>) -> Option<String> {
    (1..=dir.len()).rev().find_map(|len| {
        let folder = &dir[..len];
        let name = names::parse(&folder[len - 1]);
        name.id.or_else(|| folders.get(folder).cloned())
    })
}

fn entity(connection: &str, node: &Node, kind: EntityKind, parent: Option<String>) -> Entity {
    Entity {
        title: node.title.clone(),
        url: Some(format!(
            "https://www.notion.so/{}",
            node.id.replace('-', "")
        )),
        parent,
        ..Entity::blank(connection, &node.id, kind)
    }
    .read()
}

/// A child page's or database's block in its parent, or a row's membership of its database,
/// as an API import stores them.
fn hierarchy_edge(connection: &str, child: &str, parent: &str, kind: EntityKind) -> Edge {
    let (link, owner, origin) = match kind {
        EntityKind::Row => (LinkKind::DataSourceRow, child, Origin::Properties),
        EntityKind::Database => (LinkKind::ChildDatabase, parent, Origin::Content),
        _ => (LinkKind::ChildPage, parent, Origin::Content),
    };
    Edge {
        connection: connection.to_owned(),
        owner: owner.to_owned(),
        source: parent.to_owned(),
        target: child.to_owned(),
        kind: link,
        provenance: child.to_owned(),
        origin,
    }
}

fn reference(connection: &str, source: &str, target: &str, kind: LinkKind, origin: Origin) -> Edge {
    Edge {
        connection: connection.to_owned(),
        owner: source.to_owned(),
        source: source.to_owned(),
        target: target.to_owned(),
        kind,
        provenance: source.to_owned(),
        origin,
    }
}

/// Targets of links that the export does not hold, and folders whose page has no file.
fn add_unreadable_targets(
    connection: &str,
    workspace: &mut Workspace,
    nodes: &BTreeMap<String, Node>,
) {
    let mut missing: BTreeMap<String, ()> = BTreeMap::new();
    for edge in workspace.edges.values() {
        for id in [&edge.source, &edge.target] {
            if !nodes.contains_key(id) {
                missing.insert(id.clone(), ());
            }
        }
    }
    for id in missing.into_keys() {
        let entity = Entity::blank(connection, &id, EntityKind::Unknown);
        workspace.entities.push(entity);
    }
}

/// The title of the one folder every file is in, when there is one (`Export-…`).
fn top_title(nodes: &BTreeMap<String, Node>) -> Option<String> {
    let mut tops = nodes.values().map(|n| n.dir.first());
    let first = tops.next()??;
    tops.all(|t| t == Some(first))
        .then(|| names::parse(first).title)
        .filter(|t| !t.is_empty())
}
