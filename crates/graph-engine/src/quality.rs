//! The layout quality measures of `shared/bench/quality.py`, in Rust so that tests can assert
//! them: scale-normalised stress against hop distances and neighbourhood preservation (NP).
//! Both are exact and simple rather than fast (NP is quadratic); use them on small graphs.

use crate::Csr;
use std::collections::VecDeque;

/// Scale-normalised stress over the pairs (pivot, v) with finite hop distance d > 0: the layout
/// distances x are scaled by the s minimising Σ((s·x − d)/d)², and the mean of that term is
/// returned. 0 is a perfect embedding of hop distances; lower is better.
pub fn stress(g: &Csr, positions: &[[f32; 2]], pivots: &[u32]) -> f64 {
    // With a = Σ x²/d², b = Σ x/d over N pairs: s = b / a and the mean is (s²a − 2sb + N) / N.
    let (mut a, mut b, mut pairs) = (0.0f64, 0.0f64, 0usize);
    for &source in pivots {
        let hops = hop_distances(g, source);
        let p = positions[source as usize];
        for (v, &d) in hops.iter().enumerate() {
            if d == 0 || d == u32::MAX {
                continue;
            }
            let x = distance(p, positions[v]);
            let d = d as f64;
            a += x * x / (d * d);
            b += x / d;
            pairs += 1;
        }
    }
    if pairs == 0 || a == 0.0 {
        return 0.0;
    }
    let s = b / a;
    (s * s * a - 2.0 * s * b + pairs as f64) / pairs as f64
}

/// Mean over non-isolated nodes of the Jaccard similarity between a node's graph neighbours and
/// its `degree` nearest other nodes in the layout. 1 means every node's nearest points are
/// exactly its neighbours; higher is better. Quadratic in the node count.
pub fn neighbourhood_preservation(g: &Csr, positions: &[[f32; 2]]) -> f64 {
    let n = g.node_count();
    let (mut total, mut counted) = (0.0f64, 0usize);
    let mut others: Vec<(f64, u32)> = Vec::with_capacity(n);
    for v in 0..n as u32 {
        let neighbours = g.neighbours(v);
        let k = neighbours.len();
        if k == 0 {
            continue;
        }
        let p = positions[v as usize];
        others.clear();
        others.extend(
            (0..n as u32)
                .filter(|&u| u != v)
                .map(|u| (distance(p, positions[u as usize]), u)),
        );
        let k = k.min(others.len());
        others.select_nth_unstable_by(k - 1, |x, y| x.0.total_cmp(&y.0));
        // Neighbour lists are sorted, so membership is a binary search.
        let shared = others[..k]
            .iter()
            .filter(|(_, u)| neighbours.binary_search(u).is_ok())
            .count();
        total += shared as f64 / (neighbours.len() + k - shared) as f64;
        counted += 1;
    }
    if counted == 0 {
        0.0
    } else {
        total / counted as f64
    }
}

/// Breadth-first hop distances from `source` (`u32::MAX` where unreachable).
fn hop_distances(g: &Csr, source: u32) -> Vec<u32> {
    let mut hops = vec![u32::MAX; g.node_count()];
    hops[source as usize] = 0;
    let mut queue = VecDeque::from([source]);
    while let Some(v) = queue.pop_front() {
        for &u in g.neighbours(v) {
            if hops[u as usize] == u32::MAX {
                hops[u as usize] = hops[v as usize] + 1;
                queue.push_back(u);
            }
        }
    }
    hops
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f64 {
    let (dx, dy) = ((a[0] - b[0]) as f64, (a[1] - b[1]) as f64);
    (dx * dx + dy * dy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_drawn_straight_has_zero_stress_and_a_shuffled_one_does_not() {
        let g = Csr::undirected(5, &[(0, 1), (1, 2), (2, 3), (3, 4)]);
        let straight: Vec<[f32; 2]> = (0..5).map(|i| [i as f32 * 2.0, 0.0]).collect();
        assert!(stress(&g, &straight, &[0, 1, 2, 3, 4]) < 1e-9);
        let shuffled = [[0.0, 0.0], [3.0, 0.0], [1.0, 0.0], [4.0, 0.0], [2.0, 0.0]];
        assert!(stress(&g, &shuffled, &[0, 1, 2, 3, 4]) > 0.1);
    }

    #[test]
    fn neighbourhood_preservation_is_one_when_neighbours_are_nearest() {
        // Two far-apart edges: each node's single nearest point is its neighbour.
        let g = Csr::undirected(4, &[(0, 1), (2, 3)]);
        let near = [[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]];
        assert_eq!(neighbourhood_preservation(&g, &near), 1.0);
        let crossed = [[0.0, 0.0], [10.0, 0.0], [1.0, 0.0], [11.0, 0.0]];
        assert_eq!(neighbourhood_preservation(&g, &crossed), 0.0);
    }
}
