//! The Pareto front: alternatives that no other alternative beats outright. Works on raw values
//! with each criterion's direction, so it does not depend on weights or scaling.

use crate::rank::Matrix;

/// `front[a]` is true when no alternative dominates `a`. `b` dominates `a` when `b` is at least
/// as good as `a` on every criterion and strictly better on at least one. Identical
/// alternatives do not dominate each other, so duplicates are on or off the front together.
pub fn pareto_front(m: &Matrix) -> Vec<bool> {
    (0..m.n_alternatives())
        .map(|a| !(0..m.n_alternatives()).any(|b| b != a && dominates(m, b, a)))
        .collect()
}

/// True when alternative `b` dominates alternative `a`.
pub fn dominates(m: &Matrix, b: usize, a: usize) -> bool {
    let (rb, ra) = (&m.values[b], &m.values[a]);
    let mut strictly_better = false;
    for (c, criterion) in m.criteria.iter().enumerate() {
        if criterion.direction.better(ra[c], rb[c]) {
            return false;
        }
        strictly_better |= criterion.direction.better(rb[c], ra[c]);
    }
    strictly_better
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::criteria::tests::matrix;
    use crate::rank::Direction::*;

    #[test]
    fn constructed_front() {
        let m = matrix(
            &[("grid_mw", Benefit), ("tariff", Cost)],
            &[
                ("best_grid", &[100.0, 120.0]),
                ("cheap", &[60.0, 80.0]),
                ("middle", &[80.0, 100.0]),
                // Worse than `middle` on both.
                ("dominated", &[70.0, 110.0]),
                // Equal to `best_grid` on grid, worse on tariff: weakly dominated.
                ("weak", &[100.0, 130.0]),
                // Two copies of a point nothing beats: both stay.
                ("twin_a", &[90.0, 105.0]),
                ("twin_b", &[90.0, 105.0]),
                // Two copies of a dominated point: both go.
                ("lost_a", &[50.0, 90.0]),
                ("lost_b", &[50.0, 90.0]),
            ],
        );
        let front = pareto_front(&m);
        let on: Vec<&str> = m
            .alternatives
            .iter()
            .zip(&front)
            .filter(|(_, on)| **on)
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(on, ["best_grid", "cheap", "middle", "twin_a", "twin_b"]);
        assert!(dominates(&m, 2, 3) && !dominates(&m, 3, 2));
        assert!(!dominates(&m, 5, 6) && !dominates(&m, 6, 5));
    }

    #[test]
    fn single_and_all_equal() {
        let m = matrix(&[("x", Cost)], &[("only", &[1.0])]);
        assert_eq!(pareto_front(&m), [true]);
        let m = matrix(
            &[("x", Cost), ("y", Benefit)],
            &[("a", &[1.0, 2.0]), ("b", &[1.0, 2.0])],
        );
        assert_eq!(pareto_front(&m), [true, true]);
    }
}
