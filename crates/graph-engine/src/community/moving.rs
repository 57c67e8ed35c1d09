//! Leiden's fast local moving: visit nodes from a queue, move each to the neighbouring
//! community with the best modularity gain, and requeue only the neighbours a move may have
//! affected. After the first sweep most of the queue is gone, which is what makes it several
//! times cheaper than Louvain's repeated full sweeps.

use super::network::Network;
use crate::metrics::rng::SplitMix64;
use std::collections::VecDeque;

/// Improves `membership` (labels below `network.node_count()`) by greedy single-node moves
/// until no move gains. Returns whether any node moved.
pub(super) fn move_nodes(
    network: &Network,
    membership: &mut [u32],
    resolution: f64,
    rng: &mut SplitMix64,
) -> bool {
    let n = network.node_count();
    let mut state = Communities::new(network, membership);
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let mut queue: VecDeque<u32> = order.into();
    let mut queued = vec![true; n];
    let mut scratch = NeighbourWeights::new(n);
    let mut moved = false;
    while let Some(v) = queue.pop_front() {
        if let Some(&next) = queue.front() {
            network.prefetch(next);
        }
        queued[v as usize] = false;
        let target = state.best_move(network, membership, v, resolution, &mut scratch);
        if target == membership[v as usize] {
            continue;
        }
        state.relocate(network, membership, v, target);
        moved = true;
        for (u, _) in network.links(v) {
            if !queued[u as usize] && membership[u as usize] != target {
                queued[u as usize] = true;
                queue.push_back(u);
            }
        }
    }
    moved
}

/// Per community: total node weight and node count, plus the currently empty labels.
struct Communities {
    weight: Vec<f64>,
    size: Vec<u32>,
    empty: Vec<u32>,
}

impl Communities {
    fn new(network: &Network, membership: &[u32]) -> Self {
        let n = network.node_count();
        let (mut weight, mut size) = (vec![0.0; n], vec![0u32; n]);
        for (v, &c) in membership.iter().enumerate() {
            weight[c as usize] += network.node_weight[v];
            size[c as usize] += 1;
        }
        // Reversed so that the smallest free label is reused first.
        let empty = (0..n as u32)
            .rev()
            .filter(|&c| size[c as usize] == 0)
            .collect();
        Self {
            weight,
            size,
            empty,
        }
    }

    /// The community `v` gains most by joining (its own when nothing beats staying); an empty
    /// one when `v` is better off alone than anywhere it is linked to.
    fn best_move(
        &mut self,
        network: &Network,
        membership: &[u32],
        v: u32,
        resolution: f64,
        scratch: &mut NeighbourWeights,
    ) -> u32 {
        let own = membership[v as usize];
        let kv = network.node_weight[v as usize];
        scratch.collect(network.links(v).map(|(u, w)| (membership[u as usize], w)));
        // Gain of joining c, v removed from its own community first: w(v,c) − γ·k_v·K_c / 2m.
        let penalty = resolution * kv / network.total_weight;
        let own_weight = self.weight[own as usize] - kv;
        let mut best = (own, scratch.weight_to(own) - penalty * own_weight);
        for &c in scratch.touched() {
            let gain = scratch.weight_to(c) - penalty * self.weight[c as usize];
            if gain > best.1 {
                best = (c, gain);
            }
        }
        scratch.clear();
        if best.1 < 0.0 && self.size[own as usize] > 1 {
            return *self.empty.last().expect("fewer communities than nodes");
        }
        best.0
    }

    fn relocate(&mut self, network: &Network, membership: &mut [u32], v: u32, target: u32) {
        let kv = network.node_weight[v as usize];
        let own = membership[v as usize];
        self.weight[own as usize] -= kv;
        self.size[own as usize] -= 1;
        if self.size[target as usize] == 0 {
            self.empty.pop();
        }
        self.weight[target as usize] += kv;
        self.size[target as usize] += 1;
        if self.size[own as usize] == 0 {
            self.empty.push(own);
        }
        membership[v as usize] = target;
    }
}

/// Link weight from one node to each neighbouring community, in a dense array cleared after
/// use through the list of touched slots (O(degree), not O(n), per node). Link weights are
/// positive, so a zero slot means "not touched yet" and no separate flag array is needed.
pub(super) struct NeighbourWeights {
    weight: Vec<f64>,
    touched: Vec<u32>,
}

impl NeighbourWeights {
    pub fn new(n: usize) -> Self {
        Self {
            weight: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    pub fn collect(&mut self, links: impl Iterator<Item = (u32, f64)>) {
        for (c, w) in links {
            let slot = &mut self.weight[c as usize];
            if *slot == 0.0 {
                self.touched.push(c);
            }
            *slot += w;
        }
    }

    pub fn weight_to(&self, c: u32) -> f64 {
        self.weight[c as usize]
    }

    pub fn touched(&self) -> &[u32] {
        &self.touched
    }

    pub fn clear(&mut self) {
        for &c in &self.touched {
            self.weight[c as usize] = 0.0;
        }
        self.touched.clear();
    }
}
