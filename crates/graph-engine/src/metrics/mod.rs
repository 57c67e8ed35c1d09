//! Whole-graph metrics: PageRank, connected components, bridges and articulation points, and
//! sampled betweenness. Each works on a [`Csr`](crate::Csr) and allocates only its result and
//! O(V) scratch, so a 100k-node graph costs milliseconds to tens of milliseconds.

mod betweenness;
mod components;
mod cuts;
mod pagerank;
pub(crate) mod rng;

pub use betweenness::approximate_betweenness;
pub use components::{component_count, connected_components};
pub(crate) use components::{count_per_label, relabel_by_size};
pub use cuts::{CutStructure, articulation_points, bridges, cut_structure};
pub use pagerank::{pagerank, pagerank_with_iterations};

/// The `top_n` nodes by `scores`, highest first (ties: smaller node id first).
///
/// Guarantees: at most `top_n` entries, each `(node, score)`; NaN scores sort last.
pub fn top_nodes<T: Copy + PartialOrd>(scores: &[T], top_n: usize) -> Vec<(u32, T)> {
    let mut ranked: Vec<(u32, T)> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (i as u32, s))
        .collect();
    ranked.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or_else(|| nan_last(a.1, b.1))
            .then(a.0.cmp(&b.0))
    });
    ranked.truncate(top_n);
    ranked
}

/// Orders a comparable value before an incomparable one (NaN is not equal to itself).
fn nan_last<T: PartialOrd>(a: T, b: T) -> std::cmp::Ordering {
    #[allow(clippy::eq_op)]
    let (a_ok, b_ok) = (a == a, b == b);
    b_ok.cmp(&a_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_nodes_are_highest_first_with_ties_by_id_and_nan_last() {
        let scores = [1.0, f64::NAN, 3.0, 3.0, 0.5];
        assert_eq!(top_nodes(&scores, 3), vec![(2, 3.0), (3, 3.0), (0, 1.0)]);
        assert_eq!(top_nodes(&[4u32, 9, 1], 10), vec![(1, 9), (0, 4), (2, 1)]);
        assert_eq!(top_nodes(&scores, 5).last().unwrap().0, 1);
    }
}
