//! Agreement between two partitions, to score a found partition against a planted one.

use std::collections::HashMap;

/// Normalised mutual information `2·I(a;b) / (H(a) + H(b))` of two labelings of the same
/// nodes (the definition igraph's `compare_communities(method="nmi")` uses).
///
/// Guarantees: in `[0, 1]`, 1 exactly when the partitions are equal up to renaming labels;
/// 1 when both put every node in one community (no information either side).
pub fn normalized_mutual_information(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(a.len(), b.len(), "labelings of the same nodes");
    let n = a.len() as f64;
    let (ha, hb) = (
        entropy(counts(a.iter().copied()), n),
        entropy(counts(b.iter().copied()), n),
    );
    if ha + hb == 0.0 {
        return 1.0;
    }
    let joint = entropy(counts(a.iter().zip(b).map(|(&x, &y)| (x, y))), n);
    // I(a;b) = H(a) + H(b) − H(a,b).
    (2.0 * (ha + hb - joint) / (ha + hb)).clamp(0.0, 1.0)
}

fn counts<K: std::hash::Hash + Eq>(labels: impl Iterator<Item = K>) -> Vec<usize> {
    let mut map = HashMap::new();
    for label in labels {
        *map.entry(label).or_insert(0usize) += 1;
    }
    // Sorted so the float sum, and thus the result, does not depend on hash order.
    let mut sizes: Vec<usize> = map.into_values().collect();
    sizes.sort_unstable();
    sizes
}

fn entropy(sizes: Vec<usize>, n: f64) -> f64 {
    sizes
        .iter()
        .map(|&s| s as f64 / n)
        .map(|p| -p * p.ln())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_up_to_renaming_is_one_and_independent_is_zero() {
        assert!((normalized_mutual_information(&[0, 0, 1, 1], &[7, 7, 3, 3]) - 1.0).abs() < 1e-12);
        assert!(normalized_mutual_information(&[0, 0, 1, 1], &[0, 1, 0, 1]).abs() < 1e-12);
        let partial = normalized_mutual_information(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]);
        assert!(partial > 0.3 && partial < 0.9, "{partial}");
    }
}
