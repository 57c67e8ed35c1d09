//! Connected components of an undirected graph by breadth-first search.

use crate::Csr;

/// Component id per node of the undirected graph `g`.
///
/// Guarantees: ids are dense from 0 and ordered by component size descending (0 is the
/// largest; ties go to the component holding the smaller node id), so the numbering is a pure
/// function of the graph. Iterative: no recursion depth limit.
pub fn connected_components(g: &Csr) -> Vec<u32> {
    let discovered = components_in_discovery_order(g);
    let sizes = count_per_label(&discovered);
    relabel_by_size(&discovered, &sizes)
}

/// Number of components of `g` (isolated nodes count as components of their own).
pub fn component_count(g: &Csr) -> usize {
    count_per_label(&components_in_discovery_order(g)).len()
}

/// Labels in order of each component's smallest node (BFS started from every unvisited node).
fn components_in_discovery_order(g: &Csr) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let n = g.node_count();
    let mut label = vec![UNSEEN; n];
    let mut queue = Vec::with_capacity(n);
    let mut next_label = 0u32;
    for start in 0..n as u32 {
        if label[start as usize] != UNSEEN {
            continue;
        }
        label[start as usize] = next_label;
        queue.clear();
        queue.push(start);
        let mut head = 0;
        while let Some(&u) = queue.get(head) {
            head += 1;
            for &v in g.neighbours(u) {
                if label[v as usize] == UNSEEN {
                    label[v as usize] = next_label;
                    queue.push(v);
                }
            }
        }
        next_label += 1;
    }
    label
}

/// Sizes of labels `0..=max` (labels are dense).
pub(crate) fn count_per_label(labels: &[u32]) -> Vec<usize> {
    let count = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut sizes = vec![0usize; count];
    for &l in labels {
        sizes[l as usize] += 1;
    }
    sizes
}

/// Renames labels so that 0 is the largest; the stable sort keeps ties in the old label order.
pub(crate) fn relabel_by_size(labels: &[u32], sizes: &[usize]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..sizes.len() as u32).collect();
    order.sort_by_key(|&l| std::cmp::Reverse(sizes[l as usize]));
    let mut rename = vec![0u32; sizes.len()];
    for (new, &old) in order.iter().enumerate() {
        rename[old as usize] = new as u32;
    }
    labels.iter().map(|&l| rename[l as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_component_is_zero_and_isolated_nodes_are_their_own() {
        // {0,1}, {2,3,4}, {5}
        let g = Csr::undirected(6, &[(0, 1), (2, 3), (3, 4)]);
        assert_eq!(connected_components(&g), vec![1, 1, 0, 0, 0, 2]);
        assert_eq!(component_count(&g), 3);
    }

    #[test]
    fn empty_graph_has_no_components() {
        assert!(connected_components(&Csr::undirected(0, &[])).is_empty());
    }
}
