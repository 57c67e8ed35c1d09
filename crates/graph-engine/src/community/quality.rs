//! Modularity, and the final clean-up every partition goes through: split any community that
//! is not connected and number communities by size.

use crate::Csr;
use crate::metrics::{count_per_label, relabel_by_size};

/// Newman modularity of `membership` on the undirected graph `g` with resolution γ:
/// `Σ_c [ L_c / m − γ·(K_c / 2m)² ]` (`L_c` links inside c, `K_c` its total degree).
///
/// Guarantees: the value networkx and igraph report for the same partition (up to rounding);
/// 0 for a graph without links. `membership` must have one label per node.
pub fn modularity(g: &Csr, membership: &[u32], resolution: f64) -> f64 {
    assert_eq!(membership.len(), g.node_count(), "one label per node");
    let two_m = g.arc_count() as f64;
    if two_m == 0.0 {
        return 0.0;
    }
    let count = membership.iter().max().map_or(0, |&m| m as usize + 1);
    let (mut inside, mut degree) = (vec![0.0; count], vec![0.0; count]);
    for (u, v) in g.arcs() {
        let c = membership[u as usize];
        degree[c as usize] += 1.0;
        if membership[v as usize] == c {
            inside[c as usize] += 1.0;
        }
    }
    // `inside` counts each internal link twice (both arcs), as `2·L_c`.
    inside
        .iter()
        .zip(&degree)
        .map(|(l, k)| l / two_m - resolution * (k / two_m).powi(2))
        .sum()
}

/// Labels where every community of `membership` is split into its connected pieces, then
/// renumbered densely by size descending (ties: the piece holding the smaller node first).
///
/// Splitting never lowers modularity: pieces with no link between them only lose the
/// `−γ·2·K_a·K_b/(2m)²` cross term by separating.
pub(super) fn connected_by_size(g: &Csr, membership: &[u32]) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let n = g.node_count();
    let mut piece = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut count = 0u32;
    for start in 0..n {
        if piece[start] != UNSEEN {
            continue;
        }
        piece[start] = count;
        stack.push(start as u32);
        while let Some(u) = stack.pop() {
            for &v in g.neighbours(u) {
                if piece[v as usize] == UNSEEN && membership[v as usize] == membership[start] {
                    piece[v as usize] = count;
                    stack.push(v);
                }
            }
        }
        count += 1;
    }
    relabel_by_size(&piece, &count_per_label(&piece))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_triangles_joined_by_one_link() {
        // m = 7; each triangle: L = 3, K = 7. Q = 2·(3/7 − (7/14)²) = 6/7 − 1/2.
        let g = Csr::undirected(6, &[(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)]);
        let q = modularity(&g, &[0, 0, 0, 1, 1, 1], 1.0);
        assert!((q - (6.0 / 7.0 - 0.5)).abs() < 1e-12);
        assert!(modularity(&g, &[0; 6], 1.0).abs() < 1e-12);
        assert_eq!(modularity(&Csr::undirected(3, &[]), &[0, 1, 2], 1.0), 0.0);
    }

    #[test]
    fn disconnected_communities_are_split_and_numbered_by_size() {
        // Community 5 holds {0,1} and {4}, which share no link; community 7 holds {2,3,5}.
        let g = Csr::undirected(6, &[(0, 1), (2, 3), (3, 5), (1, 2)]);
        let labels = connected_by_size(&g, &[5, 5, 7, 7, 5, 7]);
        assert_eq!(labels, vec![1, 1, 0, 0, 2, 0]);
    }
}
