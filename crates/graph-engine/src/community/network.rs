//! The weighted graph Leiden works on: level 0 is the input with unit weights, each further
//! level has one node per refined community of the level below.

use crate::Csr;

/// Undirected weighted graph in CSR form. Self loops are not stored as arcs: an aggregate
/// node's internal weight only shows in its `node_weight` (its total degree), which is all the
/// modularity gains need.
#[derive(Clone, Debug)]
pub(super) struct Network {
    offsets: Vec<u32>,
    /// `(neighbour, weight)` side by side: one cache line per row instead of two arrays.
    links: Vec<(u32, f64)>,
    /// Total degree (strength) of each node, internal links of an aggregate counted twice.
    pub node_weight: Vec<f64>,
    /// Twice the total link weight (`2m`), the same on every level.
    pub total_weight: f64,
}

impl Network {
    pub fn from_csr(g: &Csr) -> Self {
        let (offsets, targets) = g.raw();
        let node_weight = (0..g.node_count() as u32)
            .map(|v| g.degree(v) as f64)
            .collect();
        Self {
            offsets: offsets.to_vec(),
            links: targets.iter().map(|&t| (t, 1.0)).collect(),
            node_weight,
            total_weight: targets.len() as f64,
        }
    }

    pub fn node_count(&self) -> usize {
        self.node_weight.len()
    }

    /// `(neighbour, weight)` pairs of `node`.
    pub fn links(&self, node: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let range = self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize;
        self.links[range].iter().copied()
    }

    /// Hints the CPU to start loading `node`'s row: the local-moving queue visits nodes in
    /// random order, so without it nearly every row costs a cache miss.
    #[inline]
    pub fn prefetch(&self, node: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let start = self.offsets[node as usize] as usize;
            if let Some(first) = self.links.get(start) {
                // SAFETY: SSE is part of the x86_64 baseline, and a prefetch is only a hint: it
                // reads nothing the program sees and never faults, whatever the address.
                #[expect(unsafe_code, reason = "a prefetch hint, see SAFETY")]
                unsafe {
                    _mm_prefetch::<_MM_HINT_T0>((first as *const (u32, f64)).cast())
                };
            }
        }
    }

    /// The network with one node per group of `group` (dense ids `0..group_count`): links
    /// between groups summed, links inside a group folded into its node weight.
    pub fn aggregate(&self, group: &[u32], group_count: usize) -> Self {
        let members = Members::of(group, group_count);
        let mut builder = RowBuilder::new(group_count);
        let mut node_weight = vec![0.0; group_count];
        for (c, weight) in node_weight.iter_mut().enumerate() {
            for &u in members.of_group(c) {
                *weight += self.node_weight[u as usize];
                for (v, w) in self.links(u) {
                    let target = group[v as usize];
                    if target as usize != c {
                        builder.add(target, w);
                    }
                }
            }
            builder.finish_row();
        }
        let (offsets, links) = builder.into_parts();
        Self {
            offsets,
            links,
            node_weight,
            total_weight: self.total_weight,
        }
    }
}

/// Nodes listed group by group (a counting sort), in node order within a group.
pub(super) struct Members {
    offsets: Vec<u32>,
    nodes: Vec<u32>,
}

impl Members {
    pub fn of(group: &[u32], group_count: usize) -> Self {
        let mut offsets = vec![0u32; group_count + 1];
        for &c in group {
            offsets[c as usize + 1] += 1;
        }
        for i in 0..group_count {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut nodes = vec![0u32; group.len()];
        for (v, &c) in group.iter().enumerate() {
            nodes[fill[c as usize] as usize] = v as u32;
            fill[c as usize] += 1;
        }
        Self { offsets, nodes }
    }

    pub fn of_group(&self, c: usize) -> &[u32] {
        &self.nodes[self.offsets[c] as usize..self.offsets[c + 1] as usize]
    }
}

/// Accumulates one row at a time, merging repeated targets through a dense scratch array.
struct RowBuilder {
    offsets: Vec<u32>,
    links: Vec<(u32, f64)>,
    pending: Vec<f64>,
    touched: Vec<u32>,
}

impl RowBuilder {
    fn new(node_count: usize) -> Self {
        Self {
            offsets: vec![0],
            links: Vec::new(),
            pending: vec![0.0; node_count],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, target: u32, weight: f64) {
        // Weights are positive, so a zero slot means "not in this row yet".
        if self.pending[target as usize] == 0.0 {
            self.touched.push(target);
        }
        self.pending[target as usize] += weight;
    }

    fn finish_row(&mut self) {
        for &t in &self.touched {
            self.links
                .push((t, std::mem::take(&mut self.pending[t as usize])));
        }
        self.touched.clear();
        self.offsets.push(self.links.len() as u32);
    }

    fn into_parts(self) -> (Vec<u32>, Vec<(u32, f64)>) {
        (self.offsets, self.links)
    }
}

/// Renames labels to `0..count` in order of first appearance; returns `count`.
pub(super) fn renumber(labels: &mut [u32]) -> usize {
    const UNSET: u32 = u32::MAX;
    let mut rename = vec![UNSET; labels.len()];
    let mut count = 0u32;
    for label in labels.iter_mut() {
        let slot = &mut rename[*label as usize];
        if *slot == UNSET {
            *slot = count;
            count += 1;
        }
        *label = *slot;
    }
    count as usize
}
