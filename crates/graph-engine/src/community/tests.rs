//! Leiden against planted partitions and its structural guarantees.

use super::*;
use crate::metrics::connected_components;

/// Planted partition: `blocks` blocks of `size` nodes, links inside a block with probability
/// `p_in`, between blocks with `p_out`. Returns the graph and the planted block per node.
fn planted(blocks: u32, size: u32, p_in: f64, p_out: f64, seed: u64) -> (Csr, Vec<u32>) {
    let n = blocks * size;
    let mut rng = SplitMix64::new(seed);
    let mut edges = Vec::new();
    for u in 0..n {
        for v in u + 1..n {
            let p = if u / size == v / size { p_in } else { p_out };
            if rng.next_f64() < p {
                edges.push((u, v));
            }
        }
    }
    (
        Csr::undirected(n as usize, &edges),
        (0..n).map(|v| v / size).collect(),
    )
}

/// Every community's induced subgraph is connected.
fn assert_communities_connected(g: &Csr, membership: &[u32]) {
    let inside: Vec<(u32, u32)> = g
        .arcs()
        .filter(|&(u, v)| membership[u as usize] == membership[v as usize])
        .collect();
    let pieces = connected_components(&Csr::undirected(g.node_count(), &inside));
    let piece_count = pieces.iter().max().map_or(0, |&m| m + 1);
    let community_count = membership.iter().max().map_or(0, |&m| m + 1);
    assert_eq!(piece_count, community_count, "a community is disconnected");
}

#[test]
fn recovers_a_planted_partition_with_the_truths_modularity() {
    let (g, truth) = planted(20, 30, 0.3, 0.004, 3);
    let found = leiden(&g, &LeidenOptions::default());
    assert_eq!(found.community_count, 20);
    assert!((normalized_mutual_information(&found.membership, &truth) - 1.0).abs() < 1e-9);
    let truth_q = modularity(&g, &truth, 1.0);
    assert!(
        found.modularity >= truth_q - 1e-9,
        "{} < {truth_q}",
        found.modularity
    );
}

#[test]
fn noisy_planted_partition_stays_close_and_connected() {
    let (g, truth) = planted(20, 30, 0.2, 0.005, 5);
    let found = leiden(&g, &LeidenOptions::default());
    assert_communities_connected(&g, &found.membership);
    assert!(found.modularity >= modularity(&g, &truth, 1.0) - 0.01);
    let nmi = normalized_mutual_information(&found.membership, &truth);
    assert!(nmi > 0.85, "NMI {nmi}");
    assert!((found.modularity - modularity(&g, &found.membership, 1.0)).abs() < 1e-12);
}

#[test]
fn ids_are_dense_and_ordered_by_size() {
    let (g, _) = planted(10, 20, 0.2, 0.02, 8);
    let found = leiden(
        &g,
        &LeidenOptions {
            seed: 1,
            ..LeidenOptions::default()
        },
    );
    let mut sizes = vec![0usize; found.community_count];
    found
        .membership
        .iter()
        .for_each(|&c| sizes[c as usize] += 1);
    assert!(sizes.iter().all(|&s| s > 0));
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
}

#[test]
fn the_same_seed_gives_the_same_partition() {
    let (g, _) = planted(15, 20, 0.12, 0.02, 11);
    for seed in [0, 42, 7] {
        let options = LeidenOptions {
            seed,
            ..LeidenOptions::default()
        };
        assert_eq!(
            leiden(&g, &options).membership,
            leiden(&g, &options).membership
        );
    }
}

#[test]
fn sparse_random_graphs_give_connected_communities() {
    for seed in 0..8 {
        let (g, _) = planted(1, 120, 0.02, 0.0, seed);
        let options = LeidenOptions {
            seed,
            randomness: 0.5,
            ..LeidenOptions::default()
        };
        let found = leiden(&g, &options);
        assert_communities_connected(&g, &found.membership);
        assert!(found.modularity >= 0.0);
    }
}

#[test]
fn isolated_nodes_and_empty_graphs() {
    let g = Csr::undirected(5, &[(0, 1), (1, 2), (2, 0)]);
    let found = leiden(&g, &LeidenOptions::default());
    assert_eq!(found.membership, vec![0, 0, 0, 1, 2]);
    let empty = leiden(&Csr::undirected(0, &[]), &LeidenOptions::default());
    assert_eq!((empty.community_count, empty.membership.len()), (0, 0));
    let no_links = leiden(&Csr::undirected(3, &[]), &LeidenOptions::default());
    assert_eq!((no_links.community_count, no_links.modularity), (3, 0.0));
}

#[test]
fn greedy_refinement_and_higher_resolution_work_too() {
    let (g, truth) = planted(8, 25, 0.3, 0.01, 2);
    let greedy = leiden(
        &g,
        &LeidenOptions {
            randomness: 0.0,
            ..LeidenOptions::default()
        },
    );
    assert!((normalized_mutual_information(&greedy.membership, &truth) - 1.0).abs() < 1e-9);
    let fine = leiden(
        &g,
        &LeidenOptions {
            resolution: 4.0,
            ..LeidenOptions::default()
        },
    );
    assert!(fine.community_count >= greedy.community_count);
    assert_communities_connected(&g, &fine.membership);
}

#[test]
fn starting_from_a_partition_keeps_a_good_one() {
    let (g, truth) = planted(12, 25, 0.3, 0.005, 4);
    let found = leiden_from(&g, &truth, &LeidenOptions::default());
    assert!((normalized_mutual_information(&found.membership, &truth) - 1.0).abs() < 1e-9);
    // A start with every node together still ends at the planted blocks.
    let merged = leiden_from(&g, &vec![9; truth.len()], &LeidenOptions::default());
    assert!(normalized_mutual_information(&merged.membership, &truth) > 0.95);
}

#[test]
fn local_moving_from_a_partition_moves_only_what_an_edit_concerns() {
    let (g, truth) = planted(10, 30, 0.3, 0.01, 5);
    let settled = move_from(
        &g,
        &leiden(&g, &LeidenOptions::default()).membership,
        &LeidenOptions::default(),
    );
    // A settled partition is a fixed point of local moving.
    let again = move_from(&g, &settled.membership, &LeidenOptions::default());
    assert_eq!(again.membership, settled.membership);
    assert!(normalized_mutual_information(&settled.membership, &truth) > 0.95);
    // One more link moves at most its two ends.
    let (a, b) = (
        0u32,
        (0..300u32)
            .find(|&v| settled.membership[v as usize] != settled.membership[0])
            .unwrap(),
    );
    let mut arcs: Vec<(u32, u32)> = g.arcs().filter(|(u, v)| u < v).collect();
    arcs.push((a, b));
    let edited = Csr::undirected(300, &arcs);
    let moved = move_from(&edited, &settled.membership, &LeidenOptions::default());
    let changed = (0..300)
        .filter(|&v| moved_away(&moved.membership, &settled.membership, v))
        .count();
    assert!(changed <= 2, "{changed} nodes moved");
}

/// Whether `v` left its group of `b` in `a`: it no longer shares a community with the first
/// node of that group (labels themselves may differ between the two).
fn moved_away(a: &[u32], b: &[u32], v: usize) -> bool {
    let first = b.iter().position(|&c| c == b[v]).unwrap();
    a[v] != a[first]
}
