//! Turning scores into an order: highest score first, equal scores by alternative id ascending,
//! so the order never depends on input order or on how a sort treats equal keys.

use std::cmp::Ordering;

/// Indices of the alternatives, best first.
///
/// NaN scores (which a checked matrix never produces) sort last. `ids` must have one entry per
/// score.
pub fn rank_order(scores: &[f64], ids: &[String]) -> Vec<usize> {
    assert_eq!(scores.len(), ids.len(), "one id per score");
    let tie = tie_positions(ids);
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| compare(scores, &tie, a, b));
    order
}

/// 1-based rank of each alternative from an order returned by [`rank_order`].
pub fn ranks_from_order(order: &[usize]) -> Vec<usize> {
    let mut ranks = vec![0; order.len()];
    for (position, &alt) in order.iter().enumerate() {
        ranks[alt] = position + 1;
    }
    ranks
}

/// `tie[i]` is alternative `i`'s position when sorted by id (then by index, so equal ids still
/// get distinct positions). Comparing positions is the id tie-break without string compares.
pub(crate) fn tie_positions(ids: &[String]) -> Vec<usize> {
    let mut by_id: Vec<usize> = (0..ids.len()).collect();
    by_id.sort_by(|&a, &b| ids[a].cmp(&ids[b]).then(a.cmp(&b)));
    ranks_from_order(&by_id)
}

/// Better-first comparison of alternatives `a` and `b`; the single tie-break used everywhere.
pub(crate) fn compare(scores: &[f64], tie: &[usize], a: usize, b: usize) -> Ordering {
    key(scores[b])
        .total_cmp(&key(scores[a]))
        .then(tie[a].cmp(&tie[b]))
}

/// Maps NaN below every number and `-0.0` onto `0.0`, so `total_cmp` orders like `<`.
fn key(score: f64) -> f64 {
    if score.is_nan() {
        f64::NEG_INFINITY
    } else {
        score + 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn descending_with_id_tie_break() {
        let names = ids(&["seoul", "busan", "anyang", "daegu"]);
        let order = rank_order(&[0.5, 0.9, 0.5, 0.5], &names);
        assert_eq!(order, [1, 2, 3, 0]);
        assert_eq!(ranks_from_order(&order), [4, 1, 2, 3]);
    }

    #[test]
    fn order_does_not_depend_on_input_order() {
        let a = rank_order(&[0.2, 0.2, 0.7], &ids(&["b", "a", "c"]));
        let b = rank_order(&[0.7, 0.2, 0.2], &ids(&["c", "a", "b"]));
        assert_eq!(a, [2, 1, 0]);
        assert_eq!(b, [0, 1, 2]);
    }

    #[test]
    fn nan_sorts_last_and_signed_zero_ties() {
        let order = rank_order(&[f64::NAN, -0.0, 0.0], &ids(&["a", "c", "b"]));
        assert_eq!(order, [2, 1, 0]);
    }
}
