//! A quick community guess for [`super::layout`]: seeded label propagation. Coarsening within
//! these groups first keeps dense groups together, so they come out as separate clusters even
//! when the caller has no community detection of its own.

use super::graph::WeightedGraph;
use super::rng::Rng;

/// Rounds of propagation; labels settle within a handful on sparse graphs.
const ROUNDS: usize = 8;

/// One label per node: each node in turn (seeded order) takes the label with the largest edge
/// weight among its neighbours, ties to the smaller label. Sequential, so deterministic.
pub(crate) fn label_propagation(g: &WeightedGraph, rng: &mut Rng) -> Vec<u32> {
    let n = g.node_count();
    let mut label: Vec<u32> = (0..n as u32).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    // Dense weight accumulator by label plus the touched list: O(degree) per visit.
    let mut weight = vec![0.0f32; n];
    let mut touched: Vec<u32> = Vec::new();
    for _ in 0..ROUNDS {
        let mut changed = 0usize;
        for &v in &order {
            let v = v as usize;
            for (u, w) in g.row(v) {
                let l = label[u];
                if weight[l as usize] == 0.0 {
                    touched.push(l);
                }
                weight[l as usize] += w;
            }
            let mut best = label[v];
            let mut best_weight = 0.0f32;
            for &l in &touched {
                let w = weight[l as usize];
                if w > best_weight || (w == best_weight && l < best) {
                    best = l;
                    best_weight = w;
                }
                weight[l as usize] = 0.0;
            }
            touched.clear();
            if best != label[v] {
                label[v] = best;
                changed += 1;
            }
        }
        if changed * 100 < n {
            break;
        }
    }
    label
}
