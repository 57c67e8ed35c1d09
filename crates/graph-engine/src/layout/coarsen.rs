//! Coarsening for the multilevel layout: repeatedly merge each node with its most strongly tied
//! unmatched neighbour (heavy-edge matching) until a few hundred nodes are left. Dense groups
//! (communities) merge first, so the coarsest layout already separates them.

use super::graph::WeightedGraph;
use super::rng::Rng;

/// Stop coarsening at this size: the coarsest layout is cheap and global.
const COARSEST: usize = 200;
/// Stop when a round removes less than this share of the nodes (stars and hubs stall matching).
const MIN_SHRINK: f32 = 0.1;

/// One level of the hierarchy: the coarse graph and, for each finer node, its coarse node.
pub(crate) struct Level {
    pub graph: WeightedGraph,
    pub parent_of_finer: Vec<u32>,
}

/// Coarser and coarser levels above `g` (finest first), possibly none for small graphs. With
/// `communities` (one label per node of `g`), nodes merge only within their community until
/// that stalls, so every community contracts to its own coarse nodes before any two mix.
pub(crate) fn hierarchy(
    g: &WeightedGraph,
    communities: Option<&[u32]>,
    rng: &mut Rng,
) -> Vec<Level> {
    let mut levels: Vec<Level> = Vec::new();
    let mut labels: Option<Vec<u32>> = communities.map(<[u32]>::to_vec);
    loop {
        let current = levels.last().map_or(g, |l| &l.graph);
        let n = current.node_count();
        if n <= COARSEST {
            break;
        }
        let (mut group, mut count) = match_heavy_edges(current, labels.as_deref(), rng);
        if labels.is_some() && shrank_too_little(n, count) {
            labels = None;
            (group, count) = match_heavy_edges(current, None, rng);
        }
        if shrank_too_little(n, count) {
            break;
        }
        if let Some(old) = &labels {
            let mut coarse = vec![0u32; count];
            for (v, &c) in group.iter().enumerate() {
                coarse[c as usize] = old[v];
            }
            labels = Some(coarse);
        }
        let graph = current.contract(&group, count);
        levels.push(Level {
            graph,
            parent_of_finer: group,
        });
    }
    levels
}

fn shrank_too_little(before: usize, after: usize) -> bool {
    (before - after) as f32 <= MIN_SHRINK * before as f32
}

/// Heavy-edge matching in a random visiting order. The tie strength `w / (m_u * m_v)` favours
/// light partners, which keeps coarse masses balanced. A node left without a free partner joins
/// its strongest neighbour's pair (at most three per group) so hub-and-leaves graphs still shrink.
/// With `labels`, only nodes of equal label merge.
fn match_heavy_edges(
    g: &WeightedGraph,
    labels: Option<&[u32]>,
    rng: &mut Rng,
) -> (Vec<u32>, usize) {
    let allowed = |v: usize, u: usize| labels.is_none_or(|l| l[u] == l[v]);
    const UNSET: u32 = u32::MAX;
    let n = g.node_count();
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let mut group = vec![UNSET; n];
    let mut size: Vec<u8> = Vec::new();
    for &v in &order {
        let v = v as usize;
        if group[v] != UNSET {
            continue;
        }
        let best = strongest(g, v, |u| group[u] == UNSET && allowed(v, u));
        group[v] = size.len() as u32;
        if let Some(u) = best {
            group[u] = group[v];
            size.push(2);
        } else {
            size.push(1);
        }
    }
    // Second pass: singletons join a neighbouring pair, so leaves of a hub do not stall.
    for &v in &order {
        let v = v as usize;
        if size[group[v] as usize] != 1 {
            continue;
        }
        if let Some(u) = strongest(g, v, |u| size[group[u] as usize] == 2 && allowed(v, u)) {
            size[group[v] as usize] = 0;
            group[v] = group[u];
            size[group[u] as usize] = 3;
        }
    }
    renumber(group, &size)
}

/// The neighbour of `v` that passes `free` with the largest `w / (m_v * m_u)`; ties go to the
/// lower id so the choice is deterministic.
fn strongest(g: &WeightedGraph, v: usize, free: impl Fn(usize) -> bool) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (u, w) in g.row(v) {
        if u == v || !free(u) {
            continue;
        }
        let score = w / (g.mass[v] * g.mass[u]);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((u, score));
        }
    }
    best.map(|(u, _)| u)
}

/// Drops emptied groups and numbers the rest `0..count` in order of first member.
fn renumber(mut group: Vec<u32>, size: &[u8]) -> (Vec<u32>, usize) {
    let mut new_id = vec![u32::MAX; size.len()];
    let mut count = 0u32;
    for c in group.iter_mut() {
        let slot = &mut new_id[*c as usize];
        if *slot == u32::MAX {
            *slot = count;
            count += 1;
        }
        *c = *slot;
    }
    (group, count as usize)
}
