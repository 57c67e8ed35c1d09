//! Bridges and articulation points by one iterative depth-first search (Hopcroft-Tarjan
//! low-links).
//!
//! Iterative because the graphs have 100k+ nodes and a path-like region would overflow the
//! thread stack with one frame per node.

use crate::Csr;

/// The edges and nodes whose removal disconnects part of the graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CutStructure {
    /// Bridges as `(u, v)` with `u < v`, sorted.
    pub bridges: Vec<(u32, u32)>,
    /// Articulation points, sorted.
    pub articulation_points: Vec<u32>,
}

/// Bridges of the undirected graph `g`: edges whose removal increases the number of
/// components. Each as `(u, v)` with `u < v`, sorted.
pub fn bridges(g: &Csr) -> Vec<(u32, u32)> {
    cut_structure(g).bridges
}

/// Articulation points of the undirected graph `g`: nodes whose removal (with their edges)
/// increases the number of components. Sorted.
pub fn articulation_points(g: &Csr) -> Vec<u32> {
    cut_structure(g).articulation_points
}

/// Both [`bridges`] and [`articulation_points`] from a single DFS.
pub fn cut_structure(g: &Csr) -> CutStructure {
    let mut search = Search::new(g.node_count());
    for root in 0..g.node_count() as u32 {
        if search.order[root as usize] == UNVISITED {
            search.explore(g, root);
        }
    }
    search.finish()
}

const UNVISITED: u32 = u32::MAX;

/// DFS state: `order` is the discovery time, `low` the smallest discovery time reachable from
/// the node's subtree by one back edge.
struct Search {
    order: Vec<u32>,
    low: Vec<u32>,
    is_cut: Vec<bool>,
    bridges: Vec<(u32, u32)>,
    clock: u32,
}

/// One stack frame: the node, its DFS parent, and how far through its neighbours it is.
struct Frame {
    node: u32,
    parent: u32,
    next: usize,
}

impl Search {
    fn new(n: usize) -> Self {
        Self {
            order: vec![UNVISITED; n],
            low: vec![0; n],
            is_cut: vec![false; n],
            bridges: Vec::new(),
            clock: 0,
        }
    }

    fn visit(&mut self, node: u32) {
        self.order[node as usize] = self.clock;
        self.low[node as usize] = self.clock;
        self.clock += 1;
    }

    fn explore(&mut self, g: &Csr, root: u32) {
        self.visit(root);
        let mut root_children = 0;
        let mut stack = vec![Frame {
            node: root,
            parent: UNVISITED,
            next: 0,
        }];
        while let Some(frame) = stack.last_mut() {
            let (node, parent) = (frame.node, frame.parent);
            let Some(&child) = g.neighbours(node).get(frame.next) else {
                stack.pop();
                if parent != UNVISITED {
                    self.retreat(parent, node);
                }
                continue;
            };
            frame.next += 1;
            // Rows have no duplicates, so skipping the parent by id skips exactly the tree edge.
            if child == parent {
                continue;
            }
            if self.order[child as usize] == UNVISITED {
                root_children += usize::from(node == root);
                self.visit(child);
                stack.push(Frame {
                    node: child,
                    parent: node,
                    next: 0,
                });
            } else {
                let low = &mut self.low[node as usize];
                *low = (*low).min(self.order[child as usize]);
            }
        }
        // The root is a cut node exactly when it has two DFS subtrees, whatever their low-links.
        self.is_cut[root as usize] = root_children >= 2;
    }

    /// Back from `child` to `parent`: propagate the low-link and classify the tree edge.
    fn retreat(&mut self, parent: u32, child: u32) {
        let (p, c) = (parent as usize, child as usize);
        self.low[p] = self.low[p].min(self.low[c]);
        if self.low[c] > self.order[p] {
            self.bridges.push((parent.min(child), parent.max(child)));
        }
        if self.low[c] >= self.order[p] {
            // Wrong for the root, which `explore` overwrites afterwards.
            self.is_cut[p] = true;
        }
    }

    fn finish(mut self) -> CutStructure {
        self.bridges.sort_unstable();
        let articulation_points = (0..self.is_cut.len() as u32)
            .filter(|&v| self.is_cut[v as usize])
            .collect();
        CutStructure {
            bridges: self.bridges,
            articulation_points,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::component_count;
    use proptest::prelude::*;

    fn without_edge(n: usize, edges: &[(u32, u32)], removed: (u32, u32)) -> Csr {
        let kept: Vec<_> = edges
            .iter()
            .copied()
            .filter(|&(u, v)| (u.min(v), u.max(v)) != removed)
            .collect();
        Csr::undirected(n, &kept)
    }

    /// Removing a node = isolating it; it then adds exactly one component of its own.
    fn without_node(n: usize, edges: &[(u32, u32)], removed: u32) -> Csr {
        let kept: Vec<_> = edges
            .iter()
            .copied()
            .filter(|&(u, v)| u != removed && v != removed)
            .collect();
        Csr::undirected(n, &kept)
    }

    #[test]
    fn two_triangles_joined_by_a_path() {
        // 0-1-2-0 triangle, 2-3, 3-4, 4-5-6-4 triangle.
        let edges = [
            (0, 1),
            (1, 2),
            (2, 0),
            (2, 3),
            (3, 4),
            (4, 5),
            (5, 6),
            (6, 4),
        ];
        let cuts = cut_structure(&Csr::undirected(7, &edges));
        assert_eq!(cuts.bridges, vec![(2, 3), (3, 4)]);
        assert_eq!(cuts.articulation_points, vec![2, 3, 4]);
    }

    #[test]
    fn a_long_path_does_not_overflow_the_stack() {
        let n = 200_000u32;
        let edges: Vec<_> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let cuts = cut_structure(&Csr::undirected(n as usize, &edges));
        assert_eq!(cuts.bridges.len(), n as usize - 1);
        assert_eq!(cuts.articulation_points.len(), n as usize - 2);
    }

    proptest! {
        #[test]
        fn matches_removing_each_edge_and_node(
            n in 1usize..10,
            raw in proptest::collection::vec((0u32..10, 0u32..10), 0..20),
        ) {
            let edges: Vec<_> = raw.into_iter().filter(|&(u, v)| (u as usize) < n && (v as usize) < n).collect();
            let g = Csr::undirected(n, &edges);
            let base = component_count(&g);
            let cuts = cut_structure(&g);
            let expected_bridges: Vec<_> = g.arcs().filter(|&(u, v)| u < v)
                .filter(|&e| component_count(&without_edge(n, &edges, e)) > base).collect();
            prop_assert_eq!(&cuts.bridges, &expected_bridges);
            let expected_points: Vec<u32> = (0..n as u32)
                .filter(|&v| component_count(&without_node(n, &edges, v)) > base + 1).collect();
            prop_assert_eq!(&cuts.articulation_points, &expected_points);
        }
    }
}
