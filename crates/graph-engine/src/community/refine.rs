//! Leiden's refinement: inside each community found by local moving, start from singletons
//! and merge nodes only into well-connected subcommunities they are linked to.
//!
//! This is what separates Leiden from Louvain: aggregation then works on these refined
//! subcommunities, each connected by construction, so a community can never end up glued
//! together from pieces with no link between them.

use super::moving::NeighbourWeights;
use super::network::Network;
use crate::metrics::rng::SplitMix64;

/// Tuning of the merge step.
#[derive(Clone, Copy, Debug)]
pub(super) struct RefineParams {
    pub resolution: f64,
    /// θ: a node joins subcommunity S with probability ∝ exp(gain/θ) over the non-negative
    /// gains; 0 means always the best gain.
    pub randomness: f64,
}

/// Refined labels (each a node id of the subcommunity's first node, not dense), every refined
/// subcommunity inside one community of `partition` and connected.
pub(super) fn refine(
    network: &Network,
    partition: &[u32],
    params: RefineParams,
    rng: &mut SplitMix64,
) -> Vec<u32> {
    let mut state = Subcommunities::singletons(network, partition);
    let mut order: Vec<u32> = (0..network.node_count() as u32).collect();
    rng.shuffle(&mut order);
    let mut scratch = NeighbourWeights::new(network.node_count());
    for (i, &v) in order.iter().enumerate() {
        if let Some(&next) = order.get(i + 1) {
            network.prefetch(next);
        }
        if state.can_leave(network, partition, v, params.resolution) {
            let target = state.choose(network, partition, v, params, rng, &mut scratch);
            if let Some((s, weight_to_s)) = target {
                state.merge(network, v, s, weight_to_s);
            }
            scratch.clear();
        }
    }
    state.label
}

/// Refined subcommunities: label per node; per label its size, total node weight and the
/// link weight to the rest of its enclosing community (`w(S, C − S)`).
struct Subcommunities {
    label: Vec<u32>,
    size: Vec<u32>,
    weight: Vec<f64>,
    external: Vec<f64>,
    /// Total node weight of each community of the partition being refined (`K_C`).
    community_weight: Vec<f64>,
}

impl Subcommunities {
    fn singletons(network: &Network, partition: &[u32]) -> Self {
        let n = network.node_count();
        let mut community_weight = vec![0.0; n];
        let mut external = vec![0.0; n];
        for v in 0..n as u32 {
            let c = partition[v as usize];
            community_weight[c as usize] += network.node_weight[v as usize];
            external[v as usize] = network
                .links(v)
                .filter(|&(u, _)| partition[u as usize] == c)
                .map(|(_, w)| w)
                .sum();
        }
        Self {
            label: (0..n as u32).collect(),
            size: vec![1; n],
            weight: network.node_weight.clone(),
            external,
            community_weight,
        }
    }

    /// Whether the subcommunity of weight `k` (with `external` link weight) is well connected
    /// to the rest of its community: `w(S, C − S) ≥ γ·K_S·(K_C − K_S) / 2m`.
    fn well_connected(
        &self,
        network: &Network,
        community: u32,
        k: f64,
        external: f64,
        resolution: f64,
    ) -> bool {
        let rest = self.community_weight[community as usize] - k;
        external >= resolution * k * rest / network.total_weight
    }

    /// Only nodes still alone may move, and only if well connected to their community.
    fn can_leave(&self, network: &Network, partition: &[u32], v: u32, resolution: f64) -> bool {
        let s = self.label[v as usize] as usize;
        self.size[s] == 1
            && self.well_connected(
                network,
                partition[v as usize],
                self.weight[s],
                self.external[s],
                resolution,
            )
    }

    /// The subcommunity `v` joins (with `v`'s link weight to it), or `None` to stay alone.
    fn choose(
        &self,
        network: &Network,
        partition: &[u32],
        v: u32,
        params: RefineParams,
        rng: &mut SplitMix64,
        scratch: &mut NeighbourWeights,
    ) -> Option<(u32, f64)> {
        let c = partition[v as usize];
        let inside = network
            .links(v)
            .filter(|&(u, _)| partition[u as usize] == c);
        scratch.collect(inside.map(|(u, w)| (self.label[u as usize], w)));
        let penalty = params.resolution * network.node_weight[v as usize] / network.total_weight;
        let candidates: Vec<Candidate> = scratch
            .touched()
            .iter()
            .filter(|&&s| {
                let (k, external) = (self.weight[s as usize], self.external[s as usize]);
                self.well_connected(network, c, k, external, params.resolution)
            })
            .map(|&s| {
                let weight_to = scratch.weight_to(s);
                let gain = weight_to - penalty * self.weight[s as usize];
                Candidate {
                    label: s,
                    weight_to,
                    gain,
                }
            })
            // Staying alone gains 0, so only subcommunities with a non-negative gain compete.
            .filter(|candidate| candidate.gain >= 0.0)
            .collect();
        let chosen = pick(&candidates, params.randomness, rng)?;
        Some((chosen.label, chosen.weight_to))
    }

    fn merge(&mut self, network: &Network, v: u32, s: u32, weight_to_s: f64) {
        let own = self.label[v as usize] as usize;
        let s = s as usize;
        self.size[own] = 0;
        self.size[s] += 1;
        self.weight[s] += network.node_weight[v as usize];
        // Links between v and S become internal: they leave both external sums.
        self.external[s] += self.external[own] - 2.0 * weight_to_s;
        self.label[v as usize] = s as u32;
    }
}

/// A subcommunity `v` may join: its label, `v`'s link weight to it and the modularity gain.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    label: u32,
    weight_to: f64,
    gain: f64,
}

/// Best gain when `randomness` is 0, else a draw ∝ exp(gain/θ) (the "stay alone" option with
/// gain 0 included). Shifted by the best gain so the exponentials cannot overflow.
fn pick(candidates: &[Candidate], randomness: f64, rng: &mut SplitMix64) -> Option<Candidate> {
    // On equal gains the first candidate wins, so the choice follows the (seeded) link order.
    let best = candidates
        .iter()
        .copied()
        .reduce(|b, c| if c.gain > b.gain { c } else { b })?;
    if randomness <= 0.0 {
        return Some(best);
    }
    let weight = |gain: f64| ((gain - best.gain) / randomness).exp();
    let stay = weight(0.0);
    let total: f64 = stay + candidates.iter().map(|c| weight(c.gain)).sum::<f64>();
    let mut draw = rng.next_f64() * total - stay;
    if draw < 0.0 {
        return None;
    }
    for &candidate in candidates {
        draw -= weight(candidate.gain);
        if draw < 0.0 {
            return Some(candidate);
        }
    }
    // Only rounding can leave `draw` non-negative here.
    Some(best)
}
