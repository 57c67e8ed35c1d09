//! Components placed beside the main one. Between components only repulsion and the weak
//! gravity act, and the repulsion of a whole graph outweighs the gravity until far out: a page
//! with no link to the rest settled some hundred radii of the main component away, so a
//! picture fitted to every node showed the graph itself as a dot. After relaxation, each
//! smaller component keeps its own shape and is moved as a whole onto rings around the main
//! one, largest first, one spacing (the mean link length) apart.

use crate::Csr;

/// Moves every component but the largest next to it, as described above. The largest keeps
/// its place; the same graph and positions give the same result.
pub fn pack_components(g: &Csr, pos: &mut [[f32; 2]]) {
    let components = components(g);
    let Some((main, others)) = components.split_first() else {
        return;
    };
    if others.is_empty() {
        return;
    }
    let spacing = mean_link_length(g, pos).unwrap_or(1.0);
    let (centre, main_radius) = extent(main, pos);
    let mut ring = Ring::new(main_radius + spacing, spacing);
    for members in others {
        let (own_centre, radius) = extent(members, pos);
        let at = ring.place(centre, radius + spacing / 2.0);
        let shift = [at[0] - own_centre[0], at[1] - own_centre[1]];
        for &v in members {
            let p = &mut pos[v as usize];
            *p = [p[0] + shift[0], p[1] + shift[1]];
        }
    }
}

/// The connected components, largest first (equal sizes by their smallest node), each as its
/// nodes.
fn components(g: &Csr) -> Vec<Vec<u32>> {
    let n = g.node_count();
    let mut seen = vec![false; n];
    let mut components = Vec::new();
    for start in 0..n as u32 {
        if seen[start as usize] {
            continue;
        }
        seen[start as usize] = true;
        let mut members = vec![start];
        let mut next = 0;
        while let Some(&v) = members.get(next) {
            next += 1;
            for &u in g.neighbours(v) {
                if !std::mem::replace(&mut seen[u as usize], true) {
                    members.push(u);
                }
            }
        }
        components.push(members);
    }
    // Stable: equal sizes stay in the order of their smallest node.
    components.sort_by_key(|members| std::cmp::Reverse(members.len()));
    components
}

/// The mean length of the links; none for a graph without links.
fn mean_link_length(g: &Csr, pos: &[[f32; 2]]) -> Option<f32> {
    let (mut total, mut count) = (0.0f64, 0u64);
    for (u, v) in g.arcs() {
        total += f64::from(distance(pos[u as usize], pos[v as usize]));
        count += 1;
    }
    let mean = (total / count.max(1) as f64) as f32;
    (count > 0 && mean > 0.0).then_some(mean)
}

/// The centre (mean position) of `members` and their farthest distance from it.
fn extent(members: &[u32], pos: &[[f32; 2]]) -> ([f32; 2], f32) {
    let (mut x, mut y) = (0.0f64, 0.0f64);
    for &v in members {
        x += f64::from(pos[v as usize][0]);
        y += f64::from(pos[v as usize][1]);
    }
    let k = members.len().max(1) as f64;
    let centre = [(x / k) as f32, (y / k) as f32];
    let radius = members
        .iter()
        .map(|&v| distance(centre, pos[v as usize]))
        .fold(0.0, f32::max);
    (centre, radius)
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Rings around the main component, filled one footprint after the other: a footprint of
/// radius `r` sits with its inner edge on the ring and takes `2r + spacing` of its arc; when a
/// ring is full, the next starts outside its widest footprint.
struct Ring {
    inner: f32,
    spacing: f32,
    angle: f32,
    widest: f32,
}

impl Ring {
    fn new(inner: f32, spacing: f32) -> Self {
        Self {
            inner,
            spacing,
            angle: 0.0,
            widest: 0.0,
        }
    }

    /// Where the centre of the next footprint of radius `r` goes, around `centre`.
    fn place(&mut self, centre: [f32; 2], r: f32) -> [f32; 2] {
        let mut sweep = (2.0 * r + self.spacing) / (self.inner + r);
        if self.angle > 0.0 && self.angle + sweep > std::f32::consts::TAU {
            self.inner += 2.0 * self.widest + self.spacing;
            (self.angle, self.widest) = (0.0, 0.0);
            sweep = (2.0 * r + self.spacing) / (self.inner + r);
        }
        let middle = self.angle + sweep / 2.0;
        self.angle += sweep;
        self.widest = self.widest.max(r);
        let reach = self.inner + r;
        [
            centre[0] + reach * middle.cos(),
            centre[1] + reach * middle.sin(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_components_come_next_to_the_main_one_keeping_their_shape() {
        // A square of four linked nodes, a linked pair and three lone nodes far away.
        let g = Csr::undirected(9, &[(0, 1), (1, 2), (2, 3), (3, 0), (4, 5)]);
        let mut pos = vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [500.0, 500.0],
            [500.5, 500.0],
            [-900.0, 10.0],
            [10.0, 800.0],
            [300.0, -700.0],
        ];
        let square = pos[..4].to_vec();
        pack_components(&g, &mut pos);
        assert_eq!(&pos[..4], square.as_slice(), "the main component stays");
        assert!((pos[5][0] - pos[4][0] - 0.5).abs() < 1e-4 && (pos[5][1] - pos[4][1]).abs() < 1e-4);
        let centre = [0.5, 0.5];
        for (v, &p) in pos.iter().enumerate().skip(4) {
            assert!(
                distance(centre, p) < 4.0,
                "node {v} at {p:?} is next to the square"
            );
        }
        for a in 0..pos.len() {
            for b in a + 1..pos.len() {
                assert!(distance(pos[a], pos[b]) > 0.3, "{a} and {b} apart");
            }
        }
    }

    #[test]
    fn many_lone_nodes_fill_rings_without_overlapping() {
        let g = Csr::undirected(202, &[(0, 1)]);
        let mut pos: Vec<[f32; 2]> = (0..202).map(|v| [v as f32 * 100.0, 0.0]).collect();
        pos[1] = [1.0, 0.0];
        pack_components(&g, &mut pos);
        for a in 0..pos.len() {
            for b in a + 1..pos.len() {
                assert!(distance(pos[a], pos[b]) > 0.9, "{a} and {b} overlap");
            }
        }
        let far = pos
            .iter()
            .map(|&p| distance([0.5, 0.0], p))
            .fold(0.0, f32::max);
        // 200 footprints of one spacing each fit in a disc of radius about sqrt(200).
        assert!(far < 30.0, "the farthest node is {far} out");
    }

    #[test]
    fn a_connected_graph_is_left_as_it_is() {
        let g = Csr::undirected(3, &[(0, 1), (1, 2)]);
        let mut pos = vec![[0.0, 0.0], [5.0, 0.0], [100.0, 3.0]];
        let before = pos.clone();
        pack_components(&g, &mut pos);
        assert_eq!(pos, before);
    }
}
