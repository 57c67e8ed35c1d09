//! The force model and the iteration loop that relaxes one level: Barnes-Hut repulsion between
//! all nodes, attraction along weighted edges, a weak pull to the centre, and an adaptive global
//! step length (Hu's scheme: lengthen while the energy keeps falling, shorten when it rises).

use super::graph::WeightedGraph;
use super::parallel;
use super::quadtree::QuadTree;

/// Force parameters (the natural edge length is 1).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Model {
    /// Repulsion strength between two unit masses at distance d is `repulsion / d`.
    pub repulsion: f32,
    /// Attraction along an edge of weight w at distance d is `w * d^attraction_power`.
    pub attraction_power: f32,
    /// Constant pull to the origin per unit mass; keeps components together.
    pub gravity: f32,
    /// Barnes-Hut opening criterion.
    pub theta: f32,
}

/// How one relaxation run moves the nodes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    pub iterations: usize,
    /// Initial step length (distance a node moves per iteration).
    pub step: f32,
    /// Stop when the mean move falls below this.
    pub tolerance: f32,
}

/// Net force on every node for the current positions, or only on the `active` ones (the others
/// get zero), for incremental layouts where most nodes stay put.
pub(crate) fn forces(
    g: &WeightedGraph,
    pos: &[[f32; 2]],
    model: &Model,
    threads: usize,
    active: Option<&[u32]>,
    out: &mut [[f32; 2]],
) {
    let tree = QuadTree::build(pos, &g.mass);
    if let Some(nodes) = active {
        let mut compact = vec![[0.0f32; 2]; nodes.len()];
        parallel::fill(&mut compact, threads, |i| {
            let v = nodes[i] as usize;
            node_force(g, pos, model, v, tree.repulsion(pos[v], model.theta))
        });
        out.fill([0.0; 2]);
        for (&v, &f) in nodes.iter().zip(&compact) {
            out[v as usize] = f;
        }
        return;
    }
    let mut in_tree_order = vec![[0.0f32; 2]; pos.len()];
    parallel::fill(&mut in_tree_order, threads, |i| {
        tree.repulsion(tree.point(i), model.theta)
    });
    let mut repulsion = vec![[0.0f32; 2]; pos.len()];
    for (&v, &r) in tree.order().iter().zip(&in_tree_order) {
        repulsion[v as usize] = r;
    }
    parallel::fill(out, threads, |v| node_force(g, pos, model, v, repulsion[v]));
}

/// The force on `v` given its unscaled Barnes-Hut repulsion sum `r`.
fn node_force(
    g: &WeightedGraph,
    pos: &[[f32; 2]],
    model: &Model,
    v: usize,
    r: [f32; 2],
) -> [f32; 2] {
    let p = pos[v];
    let m = g.mass[v];
    let mut f = [r[0] * model.repulsion * m, r[1] * model.repulsion * m];
    for (u, w) in g.row(v) {
        let dx = pos[u][0] - p[0];
        let dy = pos[u][1] - p[1];
        let d = (dx * dx + dy * dy).sqrt();
        // (q - p) / d * w * d^power
        let s = w * attraction_scale(d, model.attraction_power);
        f[0] += dx * s;
        f[1] += dy * s;
    }
    let d = (p[0] * p[0] + p[1] * p[1]).sqrt();
    if d > 1e-6 {
        let s = model.gravity * m / d;
        f[0] -= p[0] * s;
        f[1] -= p[1] * s;
    }
    f
}

/// `d^(power - 1)`, with the common powers special-cased because `powf` dominates the loop.
fn attraction_scale(d: f32, power: f32) -> f32 {
    if power == 1.0 {
        1.0
    } else if power == 2.0 {
        d
    } else if power == 0.0 {
        if d > 1e-9 { 1.0 / d } else { 0.0 }
    } else {
        d.powf(power - 1.0)
    }
}

/// Relaxes `pos` in place. `mobility[v]` (default 1) scales how far `v` may move, so incremental
/// layouts can hold old nodes nearly still. Returns the final step length.
pub(crate) fn relax(
    g: &WeightedGraph,
    pos: &mut [[f32; 2]],
    model: &Model,
    schedule: &Schedule,
    mobility: Option<&[f32]>,
    threads: usize,
) -> f32 {
    const COOLING: f32 = 0.9;
    let n = pos.len();
    let mut force = vec![[0.0f32; 2]; n];
    let mut step = schedule.step;
    let mut energy_before = f64::INFINITY;
    let mut progress = 0;
    // Nodes that cannot move need no force.
    let active: Option<Vec<u32>> =
        mobility.map(|m| (0..n as u32).filter(|&v| m[v as usize] > 0.0).collect());
    for _ in 0..schedule.iterations {
        forces(g, pos, model, threads, active.as_deref(), &mut force);
        let (energy, moved) = apply(pos, &force, step, mobility);
        // Hu (2005): grow the step after five improving rounds in a row, shrink on any rise.
        if energy < energy_before {
            progress += 1;
            if progress >= 5 {
                progress = 0;
                step /= COOLING;
            }
        } else {
            progress = 0;
            step *= COOLING;
        }
        energy_before = energy;
        if moved / (n.max(1) as f64) < schedule.tolerance as f64 {
            break;
        }
    }
    step
}

/// Moves each node `step` along its force; returns (Σ|F|², Σ move).
fn apply(
    pos: &mut [[f32; 2]],
    force: &[[f32; 2]],
    step: f32,
    mobility: Option<&[f32]>,
) -> (f64, f64) {
    let mut energy = 0.0f64;
    let mut moved = 0.0f64;
    for (v, (p, f)) in pos.iter_mut().zip(force).enumerate() {
        let norm2 = f[0] * f[0] + f[1] * f[1];
        energy += norm2 as f64;
        if norm2 <= 0.0 {
            continue;
        }
        let norm = norm2.sqrt();
        let scale = step * mobility.map_or(1.0, |m| m[v]) / norm;
        p[0] += f[0] * scale;
        p[1] += f[1] * scale;
        moved += (step * mobility.map_or(1.0, |m| m[v])) as f64;
    }
    (energy, moved)
}
