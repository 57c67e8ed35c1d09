//! Communities that keep their ids from one snapshot to the next, so that a user's "the blue
//! cluster" or a share link's community filter still means the same pages after an edit.
//!
//! Every partition stored is settled: Leiden, then local moving until no single page gains by
//! moving. The next build starts from it (new pages alone) and by default only moves the pages
//! an edit concerns; Leiden from the previous membership replaces that only when it finds
//! clearly better communities (after many edits). Then each community found takes the id
//! most of its pages had before.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use graph_engine::Csr;
use graph_engine::community::{LeidenOptions, Partition, leiden, leiden_from, move_from};

use super::model::{Graph, Snapshot};

/// Leiden's seed: the same graph always gets the same communities.
pub const COMMUNITY_SEED: u64 = 0x6e67;
/// Modularity that re-optimising every community must gain over moving single pages before it
/// is worth moving many pages to other communities.
const REOPTIMISE_GAIN: f64 = 0.01;

/// The communities of `g` (the undirected structure of `graph`), with ids kept from `previous`.
pub fn detect(g: &Csr, graph: &Graph, previous: Option<&Snapshot>) -> Partition {
    let options = LeidenOptions {
        seed: COMMUNITY_SEED,
        ..LeidenOptions::default()
    };
    let settle = |found: Partition| move_from(g, &found.membership, &options);
    let Some(previous) = previous else {
        return settle(leiden(g, &options));
    };
    let before = previous_membership(graph, previous);
    let mut fresh = previous.metrics.communities.len() as u32;
    let start: Vec<u32> = before
        .iter()
        .map(|c| {
            c.unwrap_or_else(|| {
                fresh += 1;
                fresh
            })
        })
        .collect();
    let moved = move_from(g, &start, &options);
    let reoptimised = settle(leiden_from(g, &start, &options));
    let mut partition = if reoptimised.modularity > moved.modularity + REOPTIMISE_GAIN {
        reoptimised
    } else {
        moved
    };
    partition.membership = keep_ids(&partition.membership, &before);
    partition.community_count = partition
        .membership
        .iter()
        .max()
        .map_or(0, |&c| c as usize + 1);
    partition
}

/// Each node's community in `previous`, matched by Notion id (`None` for a new node).
fn previous_membership(graph: &Graph, previous: &Snapshot) -> Vec<Option<u32>> {
    let by_id: HashMap<&str, u32> = previous
        .graph
        .nodes
        .iter()
        .zip(&previous.metrics.community)
        .map(|(node, &c)| (node.id.as_str(), c))
        .collect();
    graph
        .nodes
        .iter()
        .map(|node| by_id.get(node.id.as_str()).copied())
        .collect()
}

/// `membership` renamed so that communities keep earlier ids: the pairs (new community,
/// earlier id) sharing the most nodes are matched first, each side at most once; a community
/// left unmatched takes the lowest id no community holds, largest community first.
pub fn keep_ids(membership: &[u32], before: &[Option<u32>]) -> Vec<u32> {
    let count = membership.iter().max().map_or(0, |&c| c as usize + 1);
    let mut shared: HashMap<(u32, u32), u32> = HashMap::new();
    for (&now, &was) in membership.iter().zip(before) {
        if let Some(was) = was {
            *shared.entry((now, was)).or_default() += 1;
        }
    }
    let mut pairs: Vec<((u32, u32), u32)> = shared.into_iter().collect();
    pairs.sort_unstable_by_key(|&(pair, nodes)| (Reverse(nodes), pair));
    let mut id_of: Vec<Option<u32>> = vec![None; count];
    let mut taken = HashSet::new();
    for ((now, was), _) in pairs {
        if id_of[now as usize].is_none() && !taken.contains(&was) {
            id_of[now as usize] = Some(was);
            taken.insert(was);
        }
    }
    // Leiden numbers communities by size, largest first.
    let mut free = (0u32..).filter(|id| !taken.contains(id));
    let id_of: Vec<u32> = id_of
        .into_iter()
        .map(|id| id.unwrap_or_else(|| free.next().expect("ids are unbounded")))
        .collect();
    membership.iter().map(|&c| id_of[c as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communities_keep_the_id_most_of_their_nodes_had() {
        // Leiden renumbered by size: the old community 1 grew and is now 0.
        let membership = [0, 0, 0, 1, 1];
        let before = [Some(1), Some(1), None, Some(0), Some(0)];
        assert_eq!(keep_ids(&membership, &before), [1, 1, 1, 0, 0]);
    }

    #[test]
    fn a_new_community_takes_the_lowest_free_id_and_a_lost_one_leaves_a_gap() {
        let membership = [0, 0, 1, 2];
        let before = [Some(2), Some(2), None, Some(2)];
        // Community 0 keeps 2; 1 and 2 are new (2 was taken): they take 0 and 1.
        assert_eq!(keep_ids(&membership, &before), [2, 2, 0, 1]);
        let membership = [0, 0];
        assert_eq!(keep_ids(&membership, &[Some(3), Some(3)]), [3, 3]);
    }

    #[test]
    fn a_split_community_keeps_its_id_for_its_larger_part() {
        let membership = [0, 0, 0, 1, 1];
        let before = [Some(0); 5];
        assert_eq!(keep_ids(&membership, &before), [0, 0, 0, 1, 1]);
        let membership = [1, 1, 1, 0, 0];
        assert_eq!(keep_ids(&membership, &before), [0, 0, 0, 1, 1]);
    }
}
