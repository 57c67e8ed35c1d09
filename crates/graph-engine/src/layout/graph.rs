//! The weighted graph the force loops run on: a level of the multilevel hierarchy, where a node
//! stands for a group of original nodes (its mass) and an edge for the links between two groups
//! (its weight).

use crate::Csr;

/// Weighted undirected adjacency in CSR form; both directions of every edge are stored.
#[derive(Clone, Debug)]
pub(crate) struct WeightedGraph {
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
    pub weights: Vec<f32>,
    /// How many original nodes each node stands for.
    pub mass: Vec<f32>,
}

impl WeightedGraph {
    /// The original graph: unit masses and unit edge weights.
    pub(crate) fn from_csr(g: &Csr) -> Self {
        let (offsets, targets) = g.raw();
        Self {
            offsets: offsets.to_vec(),
            targets: targets.to_vec(),
            weights: vec![1.0; targets.len()],
            mass: vec![1.0; g.node_count()],
        }
    }

    pub(crate) fn node_count(&self) -> usize {
        self.mass.len()
    }

    /// `(neighbour, weight)` pairs of `v`.
    pub(crate) fn row(&self, v: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let range = self.offsets[v] as usize..self.offsets[v + 1] as usize;
        self.targets[range.clone()]
            .iter()
            .zip(&self.weights[range])
            .map(|(&u, &w)| (u as usize, w))
    }

    /// The graph of groups: `group[v]` names `v`'s coarse node (`0..group_count`), masses and
    /// parallel edge weights add up, edges inside a group disappear.
    pub(crate) fn contract(&self, group: &[u32], group_count: usize) -> Self {
        let members = members_by_group(group, group_count);
        let mut mass = vec![0.0f32; group_count];
        for (v, &c) in group.iter().enumerate() {
            mass[c as usize] += self.mass[v];
        }
        // A dense accumulator indexed by coarse node plus the list of touched slots keeps the
        // whole contraction O(V + E) with one allocation.
        let mut acc = vec![0.0f32; group_count];
        let mut touched: Vec<u32> = Vec::new();
        let mut offsets = Vec::with_capacity(group_count + 1);
        offsets.push(0u32);
        let (mut targets, mut weights) = (Vec::new(), Vec::new());
        for (c, list) in members.iter().enumerate() {
            for &v in list {
                for (u, w) in self.row(v as usize) {
                    let cu = group[u];
                    if cu as usize == c {
                        continue;
                    }
                    if acc[cu as usize] == 0.0 {
                        touched.push(cu);
                    }
                    acc[cu as usize] += w;
                }
            }
            touched.sort_unstable();
            for &cu in &touched {
                targets.push(cu);
                weights.push(acc[cu as usize]);
                acc[cu as usize] = 0.0;
            }
            touched.clear();
            offsets.push(targets.len() as u32);
        }
        Self {
            offsets,
            targets,
            weights,
            mass,
        }
    }
}

/// Members of each group, in increasing node order.
pub(crate) fn members_by_group(group: &[u32], group_count: usize) -> Vec<Vec<u32>> {
    let mut members = vec![Vec::new(); group_count];
    for (v, &c) in group.iter().enumerate() {
        members[c as usize].push(v as u32);
    }
    members
}
