//! Builds a workspace's graph from what the import stored, one page of the store at a time:
//! entities first (each becomes a node unless the options leave it out), then edges (each
//! becomes a link when both ends are nodes). An edge whose end no stored entity has (a synced
//! block whose original cannot be read) gets a dangling node of its own.

use std::collections::HashMap;

use graph_engine::EdgeList;

use super::model::{BuildOptions, Graph, Link, LinkKind, Node};
use crate::modules::sync::service::{for_each_edge, for_each_entity};
use crate::modules::sync::{Edge, Entity, EntityKind};
use crate::storage::{Store, StoreResult};

/// Accumulates nodes and links while the store is paged through.
struct Builder {
    options: BuildOptions,
    graph: Graph,
    index: HashMap<String, u32>,
    /// Stored entities the options leave out: their links are left out too.
    excluded: std::collections::HashSet<String>,
}

impl Builder {
    fn new(options: BuildOptions) -> Self {
        Self {
            options,
            graph: Graph::default(),
            index: HashMap::new(),
            excluded: Default::default(),
        }
    }

    fn keeps(&self, entity: &Entity) -> bool {
        (self.options.rows || entity.kind != EntityKind::Row)
            && (self.options.dangling || entity.shared)
            && (self.options.trashed || !entity.in_trash)
    }

    fn add_entity(&mut self, entity: Entity) {
        if !self.keeps(&entity) {
            self.excluded.insert(entity.notion_id);
            return;
        }
        let node = Node {
            title: entity.title,
            url: entity.url,
            kind: entity.kind,
            icon: entity.icon.map(|icon| icon.to_string()),
            parent: entity.parent,
            last_edited_time: entity.last_edited_time,
            trashed: entity.in_trash,
            dangling: !entity.shared,
            id: entity.notion_id,
        };
        self.push_node(node);
    }

    fn push_node(&mut self, node: Node) -> u32 {
        let at = self.graph.nodes.len() as u32;
        self.index.insert(node.id.clone(), at);
        self.graph.nodes.push(node);
        at
    }

    /// The node of `id`, a new dangling one for an id no entity has, or `None` when left out.
    fn endpoint(&mut self, id: &str) -> Option<u32> {
        if let Some(&at) = self.index.get(id) {
            return Some(at);
        }
        if self.excluded.contains(id) || !self.options.dangling {
            return None;
        }
        Some(self.push_node(Node::unknown(id)))
    }

    fn add_edge(&mut self, edge: Edge) {
        if edge.kind.is_hierarchy() && !self.options.hierarchy {
            return;
        }
        let Some(source) = self.endpoint(&edge.source) else {
            return;
        };
        let Some(target) = self.endpoint(&edge.target) else {
            return;
        };
        self.graph.links.push(Link {
            source,
            target,
            kind: edge.kind,
            provenance: edge.provenance,
        });
    }
}

/// The graph of one workspace (connection) as stored now.
pub async fn from_store(
    store: &Store,
    workspace: &str,
    options: BuildOptions,
) -> StoreResult<Graph> {
    let mut builder = Builder::new(options);
    for_each_entity(store, workspace, |entity| builder.add_entity(entity)).await?;
    for_each_edge(store, workspace, |edge| builder.add_edge(edge)).await?;
    Ok(builder.graph)
}

/// A graph of a plain edge list (benchmarks): nodes titled by their number, page mentions.
pub fn from_edge_list(list: &EdgeList) -> Graph {
    let nodes = (0..list.node_count)
        .map(|i| Node {
            id: i.to_string(),
            title: format!("node {i}"),
            kind: EntityKind::Page,
            dangling: false,
            ..Node::unknown("")
        })
        .collect();
    let links = list
        .edges
        .iter()
        .map(|&(source, target)| Link {
            source,
            target,
            kind: LinkKind::PageMention,
            provenance: String::new(),
        })
        .collect();
    Graph { nodes, links }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(id: &str, kind: EntityKind, shared: bool, trashed: bool) -> Entity {
        Entity {
            in_trash: trashed,
            shared,
            ..Entity::blank("c", id, kind)
        }
    }

    fn edge(source: &str, target: &str, kind: LinkKind) -> Edge {
        Edge {
            connection: "c".into(),
            owner: source.into(),
            source: source.into(),
            target: target.into(),
            kind,
            provenance: "b".into(),
            origin: crate::modules::sync::Origin::Content,
        }
    }

    fn build(options: BuildOptions) -> Graph {
        let mut builder = Builder::new(options);
        builder.add_entity(entity("a", EntityKind::Page, true, false));
        builder.add_entity(entity("r", EntityKind::Row, true, false));
        builder.add_entity(entity("t", EntityKind::Page, true, true));
        builder.add_entity(entity("x", EntityKind::Unknown, false, false));
        builder.add_edge(edge("a", "r", LinkKind::ChildPage));
        builder.add_edge(edge("a", "t", LinkKind::PageMention));
        builder.add_edge(edge("a", "x", LinkKind::PageMention));
        builder.add_edge(edge("a", "block-9", LinkKind::SyncedBlock));
        builder.graph
    }

    #[test]
    fn everything_is_kept_by_default_and_missing_ends_become_dangling_nodes() {
        let graph = build(BuildOptions::default());
        assert_eq!(graph.nodes.len(), 5);
        assert_eq!(graph.links.len(), 4);
        assert!(graph.nodes[4].dangling && graph.nodes[4].id == "block-9");
    }

    #[test]
    fn options_leave_out_nodes_and_every_link_touching_them() {
        let graph = build(BuildOptions {
            hierarchy: false,
            rows: true,
            dangling: false,
            trashed: false,
        });
        let ids: Vec<_> = graph.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "r"]);
        assert!(graph.links.is_empty());
    }
}
