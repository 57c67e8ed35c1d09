//! Betweenness centrality by Brandes' algorithm from a seeded sample of sources.
//!
//! Exact betweenness needs one BFS per node (O(V·E): hours at 100k nodes); a few dozen random
//! sources rank the bridges between clusters correctly, which is what the graph view uses it
//! for. The sample sum is scaled by `n / samples`, an unbiased estimate of the full value.
//! Sources run on all cores in fixed chunks, so the result does not depend on the core count.

use super::rng::SplitMix64;
use crate::Csr;

/// Estimated betweenness of every node of the undirected graph `g` from `samples` sources
/// drawn without replacement (seeded: the same seed gives the same result).
///
/// Guarantees: with `samples >= n` every node is a source and the result is the exact
/// betweenness (each unordered pair counted once, endpoints excluded), as networkx's
/// `betweenness_centrality(normalized=False)`. Otherwise the expectation equals it.
pub fn approximate_betweenness(g: &Csr, samples: usize, seed: u64) -> Vec<f64> {
    let n = g.node_count();
    let sources = sample_sources(n, samples, seed);
    if sources.is_empty() {
        return vec![0.0; n];
    }
    let mut total = sum_in_chunks(g, &sources);
    // Each unordered pair is seen from both ends when all nodes are sources, hence the half.
    let scale = n as f64 / sources.len() as f64 / 2.0;
    total.iter_mut().for_each(|b| *b *= scale);
    total
}

/// Sources are cut into at most `CHUNKS` fixed chunks, each summed on its own and the chunk
/// sums added in chunk order: the float additions, hence the result, are the same whatever
/// the number of threads that computed the chunks.
const CHUNKS: usize = 8;

fn sum_in_chunks(g: &Csr, sources: &[u32]) -> Vec<f64> {
    let chunks: Vec<&[u32]> = sources.chunks(sources.len().div_ceil(CHUNKS)).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(chunks.len());
    let mut sums: Vec<(usize, Vec<f64>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let mine: Vec<(usize, &[u32])> = chunks
                    .iter()
                    .copied()
                    .enumerate()
                    .skip(t)
                    .step_by(threads)
                    .collect();
                scope.spawn(move || {
                    mine.into_iter()
                        .map(|(i, chunk)| (i, dependencies(g, chunk)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("betweenness worker panicked"))
            .collect()
    });
    sums.sort_unstable_by_key(|&(i, _)| i);
    let mut chunk_sums = sums.into_iter().map(|(_, sum)| sum);
    let first = chunk_sums.next().expect("at least one chunk");
    chunk_sums.fold(first, |mut total, sum| {
        total.iter_mut().zip(sum).for_each(|(t, s)| *t += s);
        total
    })
}

/// Sum over `sources` of every node's dependency on the source (Brandes' δ).
fn dependencies(g: &Csr, sources: &[u32]) -> Vec<f64> {
    let mut state = Brandes::new(g.node_count());
    let mut total = vec![0.0; g.node_count()];
    for &source in sources {
        state.accumulate_from(g, source, &mut total);
    }
    total
}

/// `min(samples, n)` distinct nodes; all of them, in order, when `samples >= n`.
fn sample_sources(n: usize, samples: usize, seed: u64) -> Vec<u32> {
    let mut nodes: Vec<u32> = (0..n as u32).collect();
    if samples >= n {
        return nodes;
    }
    // Partial Fisher-Yates: the first `samples` slots end up a uniform sample.
    let mut rng = SplitMix64::new(seed);
    for i in 0..samples {
        let j = i + rng.below(n - i);
        nodes.swap(i, j);
    }
    nodes.truncate(samples);
    nodes
}

/// Per-source scratch space, reused so each BFS allocates nothing.
struct Brandes {
    distance: Vec<u32>,
    paths: Vec<f64>,
    dependency: Vec<f64>,
    visit_order: Vec<u32>,
}

const FAR: u32 = u32::MAX;

impl Brandes {
    fn new(n: usize) -> Self {
        Self {
            distance: vec![FAR; n],
            paths: vec![0.0; n],
            dependency: vec![0.0; n],
            visit_order: Vec::with_capacity(n),
        }
    }

    /// Adds every node's dependency on `source` to `total`.
    fn accumulate_from(&mut self, g: &Csr, source: u32, total: &mut [f64]) {
        self.count_shortest_paths(g, source);
        // Reverse BFS order: a node's successors are final before the node is.
        for &w in self.visit_order.iter().rev() {
            let (dw, sw) = (self.distance[w as usize], self.paths[w as usize]);
            let share = (1.0 + self.dependency[w as usize]) / sw;
            for &v in g.neighbours(w) {
                if self.distance[v as usize] != FAR && self.distance[v as usize] + 1 == dw {
                    self.dependency[v as usize] += self.paths[v as usize] * share;
                }
            }
            if w != source {
                total[w as usize] += self.dependency[w as usize];
            }
        }
        self.reset();
    }

    /// BFS from `source` filling distances, shortest-path counts and the visit order.
    fn count_shortest_paths(&mut self, g: &Csr, source: u32) {
        self.distance[source as usize] = 0;
        self.paths[source as usize] = 1.0;
        self.visit_order.push(source);
        let mut head = 0;
        while let Some(&u) = self.visit_order.get(head) {
            head += 1;
            let next = self.distance[u as usize] + 1;
            for &v in g.neighbours(u) {
                let dv = &mut self.distance[v as usize];
                if *dv == FAR {
                    *dv = next;
                    self.visit_order.push(v);
                }
                if *dv == next {
                    self.paths[v as usize] += self.paths[u as usize];
                }
            }
        }
    }

    /// Clears only what this BFS touched: O(reached), not O(n), per source.
    fn reset(&mut self) {
        for &v in &self.visit_order {
            self.distance[v as usize] = FAR;
            self.paths[v as usize] = 0.0;
            self.dependency[v as usize] = 0.0;
        }
        self.visit_order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Distances and shortest-path counts from `s` by plain BFS.
    fn paths_from(g: &Csr, s: u32) -> (Vec<Option<u32>>, Vec<f64>) {
        let n = g.node_count();
        let (mut distance, mut count) = (vec![None; n], vec![0.0; n]);
        distance[s as usize] = Some(0);
        count[s as usize] = 1.0;
        let mut frontier = vec![s];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for &u in &frontier {
                let du = distance[u as usize].unwrap();
                for &v in g.neighbours(u) {
                    if distance[v as usize].is_none() {
                        distance[v as usize] = Some(du + 1);
                        next.push(v);
                    }
                    if distance[v as usize] == Some(du + 1) {
                        count[v as usize] += count[u as usize];
                    }
                }
            }
            frontier = next;
        }
        (distance, count)
    }

    /// Betweenness by definition: Σ over pairs s < t of σ_st(v) / σ_st.
    fn by_definition(g: &Csr) -> Vec<f64> {
        let n = g.node_count() as u32;
        let from: Vec<_> = (0..n).map(|s| paths_from(g, s)).collect();
        let mut result = vec![0.0; n as usize];
        for s in 0..n {
            for t in s + 1..n {
                let (ds, cs) = &from[s as usize];
                let Some(dst) = ds[t as usize] else { continue };
                for v in (0..n).filter(|&v| v != s && v != t) {
                    let (dt, ct) = &from[t as usize];
                    let (a, b) = (ds[v as usize], dt[v as usize]);
                    if a.zip(b).is_some_and(|(a, b)| a + b == dst) {
                        result[v as usize] += cs[v as usize] * ct[v as usize] / cs[t as usize];
                    }
                }
            }
        }
        result
    }

    proptest! {
        #[test]
        fn all_sources_match_the_definition(
            n in 1usize..10,
            raw in proptest::collection::vec((0u32..10, 0u32..10), 0..25),
        ) {
            let edges: Vec<_> = raw.into_iter().filter(|&(u, v)| (u as usize) < n && (v as usize) < n).collect();
            let g = Csr::undirected(n, &edges);
            for (ours, truth) in approximate_betweenness(&g, n, 0).iter().zip(by_definition(&g)) {
                prop_assert!((ours - truth).abs() < 1e-9, "{ours} vs {truth}");
            }
        }
    }

    #[test]
    fn exact_on_a_path_when_every_node_is_a_source() {
        // On a path of n nodes, node i lies on i·(n−1−i) shortest paths.
        let n = 7u32;
        let edges: Vec<_> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let b = approximate_betweenness(&Csr::undirected(n as usize, &edges), 100, 1);
        for (i, value) in b.iter().enumerate() {
            assert_eq!(*value, (i * (n as usize - 1 - i)) as f64);
        }
    }

    #[test]
    fn splits_credit_between_equal_paths_on_a_square() {
        let g = Csr::undirected(4, &[(0, 1), (1, 2), (2, 3), (3, 0)]);
        assert_eq!(approximate_betweenness(&g, 4, 0), vec![0.5; 4]);
    }

    #[test]
    fn sampling_is_deterministic_and_scales_towards_the_exact_value() {
        let n = 60u32;
        let edges: Vec<_> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let g = Csr::undirected(n as usize, &edges);
        assert_eq!(
            approximate_betweenness(&g, 20, 9),
            approximate_betweenness(&g, 20, 9)
        );
        let estimate: f64 = approximate_betweenness(&g, 30, 9).iter().sum();
        let exact: f64 = approximate_betweenness(&g, 60, 9).iter().sum();
        assert!(
            (estimate / exact - 1.0).abs() < 0.35,
            "{estimate} vs {exact}"
        );
    }
}
