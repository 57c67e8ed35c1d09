//! Incremental layout: when a snapshot gains or loses a few nodes, keep the old picture. Old
//! nodes start where they were and are held nearly still, new nodes start at the centroid of
//! their placed neighbours, and only a short local relaxation follows.

use super::forces::{self, Schedule};
use super::graph::WeightedGraph;
use super::rng::Rng;
use super::{LayoutOptions, layout, parallel};
use crate::Csr;

/// How far an old node may move relative to a new one in the settling phase.
const OLD_MOBILITY: f32 = 0.1;

/// A layout of `g` that keeps the nodes of a previous one in place: `previous[v]` is
/// `Some(position)` for nodes that existed before (missing entries count as new). Old nodes move
/// little, new nodes settle near their neighbours; the result is in the previous coordinates.
/// Deterministic for (graph, previous, options). With no previous positions it is [`layout`].
pub fn relayout(g: &Csr, previous: &[Option<[f32; 2]>], options: &LayoutOptions) -> Vec<[f32; 2]> {
    let n = g.node_count();
    let old: Vec<Option<[f32; 2]>> = (0..n).map(|v| previous.get(v).copied().flatten()).collect();
    if old.iter().all(Option::is_none) {
        return layout(g, options);
    }
    let frame = Frame::fit(g, &old);
    let mut rng = Rng::new(options.seed);
    let mut pos = place_new_nodes(g, &frame, &old, &mut rng);
    let fine = WeightedGraph::from_csr(g);
    let threads = parallel::thread_count(options.threads);
    let model = options.model(&fine);
    // Phase 1: only new nodes move, so they find their spot against a fixed background.
    let frozen: Vec<f32> = old
        .iter()
        .map(|p| if p.is_some() { 0.0 } else { 1.0 })
        .collect();
    let settle = Schedule {
        iterations: 40,
        step: 0.3,
        tolerance: 1e-3,
    };
    forces::relax(&fine, &mut pos, &model, &settle, Some(&frozen), threads);
    // Phase 2: old nodes may yield a little so the newcomers' neighbourhood can make room.
    let yielding = near_newcomers(g, &frozen);
    let adjust = Schedule {
        iterations: 15,
        step: 0.1,
        tolerance: 1e-3,
    };
    forces::relax(&fine, &mut pos, &model, &adjust, Some(&yielding), threads);
    let mut placed: Vec<[f32; 2]> = pos.iter().map(|&p| frame.to_outer(p)).collect();
    super::pack_components(g, &mut placed);
    placed
}

/// Mobility for the settling phase: 1 for new nodes, `OLD_MOBILITY` for old nodes up to two
/// hops from one, 0 (not even computed) elsewhere.
fn near_newcomers(g: &Csr, mobility: &[f32]) -> Vec<f32> {
    let mut out = mobility.to_vec();
    let mut frontier: Vec<u32> = (0..g.node_count() as u32)
        .filter(|&v| mobility[v as usize] > 0.0)
        .collect();
    for _ in 0..2 {
        let mut next = Vec::new();
        for &v in &frontier {
            for &u in g.neighbours(v) {
                if out[u as usize] == 0.0 {
                    out[u as usize] = OLD_MOBILITY;
                    next.push(u);
                }
            }
        }
        frontier = next;
    }
    out
}

/// Mean displacement of the nodes present in both `before` and `after`, divided by the diagonal
/// of `after`'s bounding box. 0 when no node is shared.
pub fn mean_relative_displacement(before: &[Option<[f32; 2]>], after: &[[f32; 2]]) -> f64 {
    let mut total = 0.0f64;
    let mut count = 0usize;
    for (b, a) in before.iter().zip(after) {
        if let Some(b) = b {
            total += distance(*a, *b) as f64;
            count += 1;
        }
    }
    let diameter = bounding_diagonal(after.iter().copied()) as f64;
    if count == 0 || diameter <= 0.0 {
        return 0.0;
    }
    total / count as f64 / diameter
}

/// Maps the caller's coordinates to the model's (centred, unit median edge) and back, so that
/// step lengths and forces mean the same whatever scale the previous layout had.
struct Frame {
    centre: [f32; 2],
    scale: f32,
}

impl Frame {
    fn fit(g: &Csr, old: &[Option<[f32; 2]>]) -> Self {
        let placed: Vec<[f32; 2]> = old.iter().flatten().copied().collect();
        let count = placed.len() as f32;
        let centre = placed.iter().fold([0.0f32; 2], |c, p| {
            [c[0] + p[0] / count, c[1] + p[1] / count]
        });
        let mean_square = placed
            .iter()
            .map(|&p| distance(p, centre).powi(2))
            .sum::<f32>()
            / count;
        let target = RMS_RADIUS_PER_SQRT_N * (g.node_count() as f32).sqrt();
        let rms = mean_square.sqrt();
        Self {
            centre,
            scale: if rms > 0.0 { target / rms } else { 1.0 },
        }
    }

    fn to_inner(&self, p: [f32; 2]) -> [f32; 2] {
        [
            (p[0] - self.centre[0]) * self.scale,
            (p[1] - self.centre[1]) * self.scale,
        ]
    }

    fn to_outer(&self, p: [f32; 2]) -> [f32; 2] {
        [
            p[0] / self.scale + self.centre[0],
            p[1] / self.scale + self.centre[1],
        ]
    }
}

/// The root-mean-square radius of a fresh layout is about this times `sqrt(n)` (the model's
/// repulsion is normalised for it); previous layouts are scaled to it so forces balance as usual.
const RMS_RADIUS_PER_SQRT_N: f32 = 0.3;

/// Old nodes where they were; new nodes, in breadth-first rounds from the placed ones, at the
/// centroid of their placed neighbours plus a small jitter; nodes with no placed node in reach
/// at random within the layout's extent.
fn place_new_nodes(
    g: &Csr,
    frame: &Frame,
    old: &[Option<[f32; 2]>],
    rng: &mut Rng,
) -> Vec<[f32; 2]> {
    const JITTER: f32 = 0.2;
    let mut pos: Vec<Option<[f32; 2]>> = old.iter().map(|p| p.map(|p| frame.to_inner(p))).collect();
    let mut pending: Vec<u32> = (0..g.node_count() as u32)
        .filter(|&v| pos[v as usize].is_none())
        .collect();
    while !pending.is_empty() {
        // Each round reads only positions fixed in earlier rounds, so the order inside a round
        // does not matter.
        let placed: Vec<(u32, [f32; 2])> = pending
            .iter()
            .filter_map(|&v| {
                centroid(g.neighbours(v).iter().filter_map(|&u| pos[u as usize])).map(|c| (v, c))
            })
            .collect();
        if placed.is_empty() {
            break;
        }
        for &(v, c) in &placed {
            pos[v as usize] = Some([
                c[0] + JITTER * rng.symmetric(),
                c[1] + JITTER * rng.symmetric(),
            ]);
        }
        pending.retain(|&v| pos[v as usize].is_none());
    }
    let extent = bounding_diagonal(pos.iter().flatten().copied()).max(1.0) * 0.5;
    pos.into_iter()
        .map(|p| p.unwrap_or_else(|| [rng.symmetric() * extent, rng.symmetric() * extent]))
        .collect()
}

fn centroid(points: impl Iterator<Item = [f32; 2]>) -> Option<[f32; 2]> {
    let (mut x, mut y, mut k) = (0.0f32, 0.0f32, 0usize);
    for p in points {
        x += p[0];
        y += p[1];
        k += 1;
    }
    (k > 0).then(|| [x / k as f32, y / k as f32])
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn bounding_diagonal(points: impl Iterator<Item = [f32; 2]>) -> f32 {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for p in points {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if lo[0] > hi[0] {
        return 0.0;
    }
    distance(lo, hi)
}
