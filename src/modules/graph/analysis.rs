//! One analysis of a built graph: its structure (the adjacency every algorithm reads) built
//! once, then the metrics, the communities (kept stable against the previous snapshot) and the
//! layout, assembled into a snapshot not yet stored.

use graph_engine::Csr;

use super::model::{BuildOptions, Graph, Metrics, Snapshot, SnapshotMeta};
use super::{layout, metrics};

/// The adjacency of a graph, built once per analysis and shared by metrics and layout.
pub struct Structure {
    /// `(source, target)` of every link, parallel links of different kinds included.
    pub pairs: Vec<(u32, u32)>,
    /// Each link source to target once (PageRank).
    pub directed: Csr,
    /// Each linked pair once, whichever way (components, communities, cuts, layout).
    pub undirected: Csr,
}

impl Structure {
    pub fn of(graph: &Graph) -> Self {
        let pairs = graph.pairs(true);
        let n = graph.nodes.len();
        Self {
            directed: Csr::directed(n, &pairs),
            undirected: Csr::undirected(n, &pairs),
            pairs,
        }
    }
}

/// Metrics and layout over `graph`, from `previous` when there is one: a snapshot not yet
/// stored (version 0).
pub fn analyse(
    workspace: &str,
    graph: Graph,
    options: BuildOptions,
    previous: Option<&Snapshot>,
) -> Snapshot {
    let structure = Structure::of(&graph);
    let metrics = metrics::compute(&graph, &structure, previous);
    let (positions, mean_displacement) = layout::positions(&graph, &structure, previous);
    assemble(
        workspace,
        graph,
        options,
        metrics,
        positions,
        mean_displacement,
    )
}

/// A snapshot (version 0, not yet stored) of parts computed apart.
pub fn assemble(
    workspace: &str,
    graph: Graph,
    options: BuildOptions,
    metrics: Metrics,
    positions: Vec<[f32; 2]>,
    mean_displacement: Option<f64>,
) -> Snapshot {
    Snapshot {
        meta: SnapshotMeta {
            workspace: workspace.to_owned(),
            version: 0,
            created_at: chrono::Utc::now().timestamp_millis(),
            options,
            node_count: graph.nodes.len() as u64,
            link_count: graph.links.len() as u64,
            community_count: metrics.live_communities().count() as u64,
            modularity: metrics.modularity,
            mean_displacement,
            stored_bytes: 0,
            chunk_count: 0,
            body: String::new(),
        },
        graph,
        metrics,
        positions,
    }
}
