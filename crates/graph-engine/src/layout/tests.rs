//! Properties of the layout on small planted-partition graphs: determinism, separated clusters,
//! a faithful Barnes-Hut approximation and a stable incremental mode.

use super::graph::WeightedGraph;
use super::quadtree::QuadTree;
use super::rng::Rng;
use super::*;

/// `blocks` groups of `size` nodes, each node with about `inside` neighbours in its block and
/// `across` elsewhere (the shape of shared/bench/gen_sbm.py, smaller).
fn planted(blocks: usize, size: usize, inside: f32, across: f32, seed: u64) -> Vec<(u32, u32)> {
    let n = blocks * size;
    let mut rng = Rng::new(seed);
    let p_in = inside / (size - 1) as f32;
    let p_out = across / (n - size) as f32;
    let mut edges = Vec::new();
    for u in 0..n {
        for v in u + 1..n {
            let p = if u / size == v / size { p_in } else { p_out };
            if rng.unit() < p {
                edges.push((u as u32, v as u32));
            }
        }
    }
    edges
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn fast_options() -> LayoutOptions {
    LayoutOptions {
        threads: 2,
        ..LayoutOptions::default()
    }
}

#[test]
fn same_seed_gives_the_same_layout_whatever_the_thread_count() {
    // 1,500 nodes: enough for the finest level to be split across two threads.
    // Few iterations: determinism does not need a converged layout.
    let g = Csr::undirected(1500, &planted(30, 50, 5.0, 1.0, 7));
    let short = LayoutOptions {
        coarsest_iterations: 50,
        level_iterations: 5,
        final_iterations: 10,
        ..fast_options()
    };
    let two = layout(&g, &short);
    let one = layout(
        &g,
        &LayoutOptions {
            threads: 1,
            ..short.clone()
        },
    );
    assert_eq!(one, two);
    assert!(two.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    let other = layout(
        &g,
        &LayoutOptions {
            seed: 2,
            ..short.clone()
        },
    );
    assert_ne!(other, two);
}

#[test]
fn planted_blocks_come_out_as_separate_clusters() {
    let size = 50;
    let g = Csr::undirected(1000, &planted(20, size, 6.0, 1.0, 3));
    let pos = layout(&g, &fast_options());
    let (mut intra, mut inter) = ((0.0f64, 0usize), (0.0f64, 0usize));
    // Every 7th pair keeps this quick in debug builds while sampling all block pairs.
    for u in (0..pos.len()).step_by(7) {
        for v in (u + 1..pos.len()).step_by(3) {
            let d = distance(pos[u], pos[v]) as f64;
            let slot = if u / size == v / size {
                &mut intra
            } else {
                &mut inter
            };
            slot.0 += d;
            slot.1 += 1;
        }
    }
    let (intra, inter) = (intra.0 / intra.1 as f64, inter.0 / inter.1 as f64);
    assert!(intra < 0.35 * inter, "intra {intra} inter {inter}");
}

#[test]
fn barnes_hut_matches_the_exact_sum_when_every_cell_is_opened_and_is_close_when_not() {
    let mut rng = Rng::new(5);
    let pos: Vec<[f32; 2]> = (0..500)
        .map(|_| [rng.symmetric() * 10.0, rng.symmetric() * 10.0])
        .collect();
    let mass: Vec<f32> = (0..500).map(|i| 1.0 + (i % 3) as f32).collect();
    let tree = QuadTree::build(&pos, &mass);
    for &p in pos.iter().step_by(37) {
        let mut exact = [0.0f32; 2];
        for (q, &m) in pos.iter().zip(&mass) {
            let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
            let d2 = dx * dx + dy * dy;
            if d2 > 0.0 {
                exact[0] += dx * m / d2;
                exact[1] += dy * m / d2;
            }
        }
        let opened = tree.repulsion(p, 0.0);
        let approximate = tree.repulsion(p, 1.0);
        let scale = distance(exact, [0.0; 2]).max(1.0);
        assert!(distance(opened, exact) < 1e-3 * scale);
        assert!(distance(approximate, exact) < 0.1 * scale);
    }
}

#[test]
fn coarsening_keeps_the_total_mass_and_shrinks_to_a_small_graph() {
    let g = Csr::undirected(1000, &planted(20, 50, 5.0, 1.0, 11));
    let fine = WeightedGraph::from_csr(&g);
    let levels = coarsen::hierarchy(&fine, None, &mut Rng::new(1));
    let coarsest = &levels.last().expect("1000 nodes coarsen").graph;
    assert!(coarsest.node_count() <= 250, "{}", coarsest.node_count());
    for level in &levels {
        assert_eq!(level.graph.mass.iter().sum::<f32>(), 1000.0);
    }
}

#[test]
fn adding_two_percent_of_nodes_barely_moves_the_others_and_places_newcomers_by_their_neighbours() {
    let edges = planted(20, 50, 5.0, 1.0, 13);
    let n = 1000;
    // The old snapshot lacks every 50th node (2 %), renumbered densely.
    let kept: Vec<u32> = (0..n as u32).filter(|v| v % 50 != 49).collect();
    let mut old_id = vec![u32::MAX; n];
    for (i, &v) in kept.iter().enumerate() {
        old_id[v as usize] = i as u32;
    }
    let old_edges: Vec<(u32, u32)> = edges
        .iter()
        .filter_map(|&(u, v)| {
            let (a, b) = (old_id[u as usize], old_id[v as usize]);
            (a != u32::MAX && b != u32::MAX).then_some((a, b))
        })
        .collect();
    let options = fast_options();
    let before = layout(&Csr::undirected(kept.len(), &old_edges), &options);
    let previous: Vec<Option<[f32; 2]>> = (0..n)
        .map(|v| (old_id[v] != u32::MAX).then(|| before[old_id[v] as usize]))
        .collect();
    let g = Csr::undirected(n, &edges);
    let after = relayout(&g, &previous, &options);
    let moved = mean_relative_displacement(&previous, &after);
    assert!(moved < 0.01, "mean relative displacement {moved}");
    let diameter = distance_extent(&after);
    let mut worst_gap = 0.0f32;
    for v in (0..n).filter(|v| previous[*v].is_none()) {
        let nb = g.neighbours(v as u32);
        if nb.is_empty() {
            continue;
        }
        let c = nb.iter().fold([0.0f32; 2], |c, &u| {
            let p = after[u as usize];
            [c[0] + p[0] / nb.len() as f32, c[1] + p[1] / nb.len() as f32]
        });
        // The diameter is the packed one: before `pack_components` far lone nodes doubled it,
        // and this bound was 0.1 of that (the gaps themselves are as they were, 5 to 7 units).
        let gap = distance(after[v], c) / diameter;
        assert!(
            gap < 0.15,
            "node {v} is {gap} diameters from its neighbours"
        );
        worst_gap = worst_gap.max(gap);
    }
    eprintln!(
        "incremental: mean relative displacement {moved:.5}, worst newcomer gap {worst_gap:.4}"
    );
}

fn distance_extent(pos: &[[f32; 2]]) -> f32 {
    let lo = pos
        .iter()
        .fold([f32::INFINITY; 2], |a, p| [a[0].min(p[0]), a[1].min(p[1])]);
    let hi = pos.iter().fold([f32::NEG_INFINITY; 2], |a, p| {
        [a[0].max(p[0]), a[1].max(p[1])]
    });
    distance(lo, hi)
}

#[test]
fn relayout_without_previous_positions_is_a_fresh_layout_and_keeps_a_given_frame() {
    let g = Csr::undirected(300, &planted(6, 50, 5.0, 1.0, 17));
    let options = fast_options();
    assert_eq!(relayout(&g, &[], &options), layout(&g, &options));
    // An unchanged graph given in a shifted, scaled frame stays in that frame.
    let base = layout(&g, &options);
    let shifted: Vec<Option<[f32; 2]>> = base
        .iter()
        .map(|p| Some([p[0] * 3.0 + 100.0, p[1] * 3.0 - 50.0]))
        .collect();
    let again = relayout(&g, &shifted, &options);
    assert!(mean_relative_displacement(&shifted, &again) < 0.01);
}

#[test]
fn displacement_is_relative_to_the_diagonal_and_ignores_new_nodes() {
    let before = [Some([0.0, 0.0]), Some([3.0, 4.0]), None];
    let after = [[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]];
    assert_eq!(mean_relative_displacement(&before, &after), 0.0);
    let after = [[0.5, 0.0], [3.0, 4.0], [0.0, 0.0]];
    let expected = (0.5 / 2.0) / 5.0;
    assert!((mean_relative_displacement(&before, &after) - expected).abs() < 1e-6);
    assert_eq!(mean_relative_displacement(&[None], &[[1.0, 1.0]]), 0.0);
}

#[test]
fn planted_partition_layout_preserves_neighbourhoods_far_better_than_random() {
    let g = Csr::undirected(1000, &planted(20, 50, 5.0, 1.0, 19));
    let pos = layout(&g, &fast_options());
    let mut rng = Rng::new(3);
    let random: Vec<[f32; 2]> = (0..1000).map(|_| [rng.unit(), rng.unit()]).collect();
    let pivots: Vec<u32> = (0..1000).step_by(20).collect();
    let np = crate::quality::neighbourhood_preservation(&g, &pos);
    let np_random = crate::quality::neighbourhood_preservation(&g, &random);
    let stress = crate::quality::stress(&g, &pos, &pivots);
    let stress_random = crate::quality::stress(&g, &random, &pivots);
    eprintln!(
        "planted 1000: NP {np:.3} (random {np_random:.3}), stress {stress:.3} (random {stress_random:.3})"
    );
    assert!(
        np > 0.15 && np > 20.0 * np_random,
        "NP {np} vs random {np_random}"
    );
    assert!(
        stress < 0.95 * stress_random,
        "stress {stress} vs random {stress_random}"
    );
}

#[test]
fn community_aware_layout_is_deterministic_and_keeps_communities_together() {
    let size = 50;
    let g = Csr::undirected(1000, &planted(20, size, 5.0, 1.0, 23));
    let membership: Vec<u32> = (0..1000).map(|v| (v / size) as u32).collect();
    let options = fast_options();
    let pos = layout_with_communities(&g, &membership, &options);
    assert_eq!(pos, layout_with_communities(&g, &membership, &options));
    let np = crate::quality::neighbourhood_preservation(&g, &pos);
    assert!(np > 0.15, "NP {np}");
    // Each community's spread around its centroid is small next to the distance between centroids.
    let centroid = |c: usize| {
        let members = &pos[c * size..(c + 1) * size];
        members.iter().fold([0.0f32; 2], |a, p| {
            [a[0] + p[0] / size as f32, a[1] + p[1] / size as f32]
        })
    };
    let centres: Vec<[f32; 2]> = (0..20).map(centroid).collect();
    let spread = (0..1000)
        .map(|v| distance(pos[v], centres[v / size]))
        .sum::<f32>()
        / 1000.0;
    let between = centres
        .iter()
        .flat_map(|a| centres.iter().map(|b| distance(*a, *b)))
        .sum::<f32>()
        / 380.0;
    assert!(spread < 0.3 * between, "spread {spread} between {between}");
}

#[test]
fn tiny_and_edgeless_graphs_get_finite_distinct_positions() {
    assert!(layout(&Csr::undirected(0, &[]), &fast_options()).is_empty());
    assert_eq!(layout(&Csr::undirected(1, &[]), &fast_options()).len(), 1);
    let pos = layout(&Csr::undirected(5, &[(0, 1)]), &fast_options());
    assert!(pos.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    for (i, a) in pos.iter().enumerate() {
        assert!(pos[i + 1..].iter().all(|b| distance(*a, *b) > 0.0));
    }
    let grown = relayout(
        &Csr::undirected(6, &[(0, 1), (4, 5)]),
        &[Some([0.0, 0.0])],
        &fast_options(),
    );
    assert!(grown.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
}

#[test]
fn label_propagation_finds_two_cliques_joined_by_one_edge() {
    let mut edges = Vec::new();
    for base in [0u32, 6] {
        for u in base..base + 6 {
            for v in u + 1..base + 6 {
                edges.push((u, v));
            }
        }
    }
    edges.push((0, 6));
    let g = WeightedGraph::from_csr(&Csr::undirected(12, &edges));
    let labels = communities::label_propagation(&g, &mut Rng::new(4));
    assert!(labels[..6].iter().all(|&l| l == labels[0]));
    assert!(labels[6..].iter().all(|&l| l == labels[6]));
    assert_ne!(labels[0], labels[6]);
}

#[test]
fn lone_nodes_and_small_components_sit_next_to_the_graph_not_far_away() {
    let mut edges = planted(4, 50, 5.0, 1.0, 23);
    edges.push((200, 201));
    let g = Csr::undirected(205, &edges); // 202 to 204 have no link at all
    let pos = layout(&g, &fast_options());
    let main: Vec<[f32; 2]> = pos[..200].to_vec();
    let reach = distance_extent(&main);
    let centre = main.iter().fold([0.0f32; 2], |c, p| {
        [c[0] + p[0] / 200.0, c[1] + p[1] / 200.0]
    });
    for (v, &p) in pos.iter().enumerate().skip(200) {
        let out = distance(centre, p) / reach;
        assert!(
            out < 1.0,
            "node {v} is {out} of the graph's extent from its centre"
        );
    }
}
