//! Compressed sparse rows: every node's neighbours in one contiguous slice, the layout the hot
//! loops (PageRank, community moves, layout forces) want.

/// A graph in compressed sparse row form over nodes `0..node_count()`.
///
/// Guarantees: neighbour lists are sorted and free of duplicates and self loops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Csr {
    /// The undirected graph of `edges`: each edge appears in both endpoints' lists.
    pub fn undirected(node_count: usize, edges: &[(u32, u32)]) -> Self {
        let both_ways = edges.iter().flat_map(|&(u, v)| [(u, v), (v, u)]);
        Self::from_arcs(node_count, both_ways)
    }

    /// The directed graph of `edges`: `v` is in `u`'s list for each `(u, v)`.
    pub fn directed(node_count: usize, edges: &[(u32, u32)]) -> Self {
        Self::from_arcs(node_count, edges.iter().copied())
    }

    /// The same graph with every arc reversed (in-neighbours become neighbours).
    pub fn transpose(&self) -> Self {
        let reversed: Vec<(u32, u32)> = self.arcs().map(|(u, v)| (v, u)).collect();
        Self::from_arcs(self.node_count(), reversed.into_iter())
    }

    pub fn node_count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of stored arcs (an undirected edge counts twice).
    pub fn arc_count(&self) -> usize {
        self.targets.len()
    }

    pub fn neighbours(&self, node: u32) -> &[u32] {
        let node = node as usize;
        &self.targets[self.offsets[node] as usize..self.offsets[node + 1] as usize]
    }

    pub fn degree(&self, node: u32) -> usize {
        self.neighbours(node).len()
    }

    /// The raw offsets (`node_count() + 1` entries) and targets, for loops that index directly.
    pub fn raw(&self) -> (&[u32], &[u32]) {
        (&self.offsets, &self.targets)
    }

    /// Every arc `(u, v)` in node order.
    pub fn arcs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.node_count() as u32)
            .flat_map(move |u| self.neighbours(u).iter().map(move |&v| (u, v)))
    }

    /// Counting sort by source, then sort and dedup each row: O(V + E log d).
    fn from_arcs(node_count: usize, arcs: impl Iterator<Item = (u32, u32)> + Clone) -> Self {
        let mut offsets = vec![0u32; node_count + 1];
        for (u, v) in arcs.clone() {
            if u != v {
                offsets[u as usize + 1] += 1;
            }
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; offsets[node_count] as usize];
        for (u, v) in arcs {
            if u != v {
                targets[fill[u as usize] as usize] = v;
                fill[u as usize] += 1;
            }
        }
        Self::dedup_rows(offsets, targets)
    }

    fn dedup_rows(offsets: Vec<u32>, mut targets: Vec<u32>) -> Self {
        let mut compact = Vec::with_capacity(offsets.len());
        compact.push(0u32);
        let mut write = 0usize;
        for row in offsets.windows(2) {
            let (start, end) = (row[0] as usize, row[1] as usize);
            targets[start..end].sort_unstable();
            let mut previous = None;
            for read in start..end {
                let v = targets[read];
                if previous != Some(v) {
                    targets[write] = v;
                    write += 1;
                    previous = Some(v);
                }
            }
            compact.push(write as u32);
        }
        targets.truncate(write);
        targets.shrink_to_fit();
        Self {
            offsets: compact,
            targets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undirected_rows_are_symmetric_sorted_and_without_duplicates_or_loops() {
        let g = Csr::undirected(4, &[(0, 1), (1, 0), (2, 1), (3, 3), (0, 2)]);
        assert_eq!(g.neighbours(0), &[1, 2]);
        assert_eq!(g.neighbours(1), &[0, 2]);
        assert_eq!(g.neighbours(2), &[0, 1]);
        assert!(g.neighbours(3).is_empty());
        assert_eq!(g.arc_count(), 6);
    }

    #[test]
    fn transpose_turns_out_neighbours_into_in_neighbours() {
        let g = Csr::directed(3, &[(0, 1), (0, 2), (2, 1)]);
        let t = g.transpose();
        assert_eq!(t.neighbours(1), &[0, 2]);
        assert_eq!(t.neighbours(2), &[0]);
        assert!(t.neighbours(0).is_empty());
    }
}
