//! Weighted sum of min-max scaled criteria, the default score of `dcplan rank`.
//!
//! Scaled values, scores and contributions are unitless and lie in [0, 1]. A criterion on which
//! every alternative has the same value scales to 1 for all of them: it shifts every score by
//! its weight and cannot separate the alternatives.

use serde::Serialize;

use crate::rank::{Direction, Matrix, Weights};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// `scores[a] = sum_c contributions[a][c]`, in [0, 1].
    pub scores: Vec<f64>,
    /// `normalised[a][c]` in [0, 1]: 1 for the best value of criterion `c`, 0 for the worst.
    pub normalised: Vec<Vec<f64>>,
    /// `contributions[a][c] = w_c * normalised[a][c]`.
    pub contributions: Vec<Vec<f64>>,
}

/// Min-max scales each criterion onto [0, 1] by its direction (see the module docs).
pub fn normalise_min_max(m: &Matrix) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; m.n_criteria()]; m.n_alternatives()];
    for (c, criterion) in m.criteria.iter().enumerate() {
        let column = m.values.iter().map(|row| row[c]);
        let min = column.clone().fold(f64::INFINITY, f64::min);
        let max = column.fold(f64::NEG_INFINITY, f64::max);
        let span = max - min;
        for (row, out_row) in m.values.iter().zip(&mut out) {
            out_row[c] = if span > 0.0 {
                match criterion.direction {
                    Direction::Benefit => (row[c] - min) / span,
                    Direction::Cost => (max - row[c]) / span,
                }
            } else {
                1.0
            };
        }
    }
    out
}

/// Scores every alternative by the weighted sum of its min-max scaled criteria.
///
/// Panics if `w` does not have one weight per criterion: [`Weights`] built against the same
/// criteria always do.
pub fn weighted_sum(m: &Matrix, w: &Weights) -> Scored {
    assert_eq!(w.len(), m.n_criteria(), "one weight per criterion");
    let normalised = normalise_min_max(m);
    let contributions: Vec<Vec<f64>> = normalised
        .iter()
        .map(|row| row.iter().zip(w.as_slice()).map(|(n, w)| w * n).collect())
        .collect();
    let scores = contributions.iter().map(|row| row.iter().sum()).collect();
    Scored {
        scores,
        normalised,
        contributions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::criteria::tests::matrix;
    use crate::rank::{rank_order, Direction::*};

    const TOL: f64 = 1e-12;

    fn ids(m: &Matrix, order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| m.alternatives[i].clone()).collect()
    }

    #[test]
    fn normalisation_by_direction() {
        let m = matrix(
            &[
                ("power_mw", Benefit),
                ("price_krw", Cost),
                ("flat", Benefit),
            ],
            &[
                ("a", &[10.0, 300.0, 5.0]),
                ("b", &[20.0, 100.0, 5.0]),
                ("c", &[15.0, 200.0, 5.0]),
            ],
        );
        let n = normalise_min_max(&m);
        let expected = [[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.5, 0.5, 1.0]];
        for (row, want) in n.iter().zip(expected) {
            for (got, want) in row.iter().zip(want) {
                assert!((got - want).abs() < TOL, "{n:?}");
            }
        }
    }

    #[test]
    fn known_order_and_contributions() {
        // Scaled: a = (1, 0, 0.5), b = (0, 1, 1), c = (0.5, 0.5, 0).
        let m = matrix(
            &[("grid_mw", Benefit), ("tariff", Cost), ("water", Benefit)],
            &[
                ("a", &[100.0, 150.0, 3.0]),
                ("b", &[50.0, 100.0, 5.0]),
                ("c", &[75.0, 125.0, 1.0]),
            ],
        );
        let w = Weights::new(vec![0.5, 0.3, 0.2], &m.criteria).unwrap();
        let s = weighted_sum(&m, &w);
        let expected = [0.5 + 0.1, 0.3 + 0.2, 0.25 + 0.15];
        for (got, want) in s.scores.iter().zip(expected) {
            assert!((got - want).abs() < TOL, "{:?}", s.scores);
        }
        for (row, score) in s.contributions.iter().zip(&s.scores) {
            assert!((row.iter().sum::<f64>() - score).abs() < TOL);
        }
        assert!((s.contributions[2][0] - 0.25).abs() < TOL);
        assert_eq!(
            ids(&m, &rank_order(&s.scores, &m.alternatives)),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn weight_change_swaps_a_pair() {
        // a leads on grid, b on tariff; c sits in the middle of both and never wins.
        let m = matrix(
            &[("grid_mw", Benefit), ("tariff", Cost)],
            &[
                ("a", &[100.0, 120.0]),
                ("b", &[60.0, 80.0]),
                ("c", &[80.0, 100.0]),
            ],
        );
        let grid_heavy = Weights::new(vec![0.7, 0.3], &m.criteria).unwrap();
        let tariff_heavy = Weights::new(vec![0.3, 0.7], &m.criteria).unwrap();
        let before = rank_order(&weighted_sum(&m, &grid_heavy).scores, &m.alternatives);
        let after = rank_order(&weighted_sum(&m, &tariff_heavy).scores, &m.alternatives);
        assert_eq!(ids(&m, &before), ["a", "c", "b"]);
        assert_eq!(ids(&m, &after), ["b", "c", "a"]);
    }

    #[test]
    fn constant_criterion_cannot_separate() {
        let m = matrix(
            &[("grid_mw", Benefit), ("flat", Cost)],
            &[("a", &[1.0, 7.0]), ("b", &[2.0, 7.0])],
        );
        let w = Weights::new(vec![0.5, 0.5], &m.criteria).unwrap();
        let s = weighted_sum(&m, &w);
        assert!((s.scores[0] - 0.5).abs() < TOL && (s.scores[1] - 1.0).abs() < TOL);
        assert!(s.normalised.iter().all(|row| row[1] == 1.0));
    }
}
