//! The 2-D layout of a snapshot, through the engine. With a previous snapshot, every node that
//! was there before starts where it was, so that a map a user knows moves as little as it can.

use std::collections::HashMap;

use graph_engine::layout::{self, LayoutOptions};

use super::analysis::Structure;
use super::model::{Graph, Snapshot};

/// The layout's seed: the same graph always gets the same first layout.
pub const LAYOUT_SEED: u64 = 0x6e67_6c61;

/// Positions of `graph`'s nodes over its `structure`, and the mean displacement from `previous`
/// when there is one. A first layout coarsens within communities it guesses by label
/// propagation: on the planted-partition benchmark that keeps neighbourhoods better than
/// Leiden's communities do (NP 0.235 against 0.218 at 100k, stress 0.195 against 0.192).
pub fn positions(
    graph: &Graph,
    structure: &Structure,
    previous: Option<&Snapshot>,
) -> (Vec<[f32; 2]>, Option<f64>) {
    let options = LayoutOptions {
        seed: LAYOUT_SEED,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        ..LayoutOptions::default()
    };
    let csr = &structure.undirected;
    match previous {
        None => (layout::layout(csr, &options), None),
        Some(previous) => {
            let seeds = previous_positions(graph, previous);
            let placed = layout::relayout(csr, &seeds, &options);
            let moved = layout::mean_relative_displacement(&seeds, &placed);
            (placed, Some(moved))
        }
    }
}

/// Each node's position in `previous`, matched by Notion id.
pub fn previous_positions(graph: &Graph, previous: &Snapshot) -> Vec<Option<[f32; 2]>> {
    let by_id: HashMap<&str, [f32; 2]> = previous
        .graph
        .nodes
        .iter()
        .zip(&previous.positions)
        .map(|(node, &at)| (node.id.as_str(), at))
        .collect();
    graph
        .nodes
        .iter()
        .map(|node| by_id.get(node.id.as_str()).copied())
        .collect()
}
