//! TOPSIS closeness (Hwang & Yoon 1981), a second opinion beside the weighted sum.
//!
//! Closeness is unitless in [0, 1]: 1 at the ideal point, 0 at the anti-ideal point. Values are
//! expected on a ratio scale (non-negative, zero meaning none), as vector scaling assumes.

use crate::rank::{Direction, Matrix, Weights};

/// Closeness `d- / (d+ + d-)` of each alternative to the ideal point.
///
/// A criterion whose values are all zero has no length to divide by; it scales to 0 for every
/// alternative and so adds nothing to either distance. If every alternative sits on both the
/// ideal and the anti-ideal point (they are identical on every weighted criterion), closeness
/// is 0.5 for all: none is nearer either end.
///
/// Panics if `w` does not have one weight per criterion.
pub fn topsis(m: &Matrix, w: &Weights) -> Vec<f64> {
    assert_eq!(w.len(), m.n_criteria(), "one weight per criterion");
    let n_crit = m.n_criteria();

    let norms: Vec<f64> = (0..n_crit)
        .map(|c| {
            m.values
                .iter()
                .map(|row| row[c] * row[c])
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let weighted: Vec<Vec<f64>> = m
        .values
        .iter()
        .map(|row| {
            (0..n_crit)
                .map(|c| {
                    if norms[c] > 0.0 {
                        w.as_slice()[c] * row[c] / norms[c]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();

    let mut ideal = vec![0.0; n_crit];
    let mut anti = vec![0.0; n_crit];
    for (c, criterion) in m.criteria.iter().enumerate() {
        let column = weighted.iter().map(|row| row[c]);
        let min = column.clone().fold(f64::INFINITY, f64::min);
        let max = column.fold(f64::NEG_INFINITY, f64::max);
        (ideal[c], anti[c]) = match criterion.direction {
            Direction::Benefit => (max, min),
            Direction::Cost => (min, max),
        };
    }

    weighted
        .iter()
        .map(|row| {
            let d_plus = distance(row, &ideal);
            let d_minus = distance(row, &anti);
            let total = d_plus + d_minus;
            if total > 0.0 {
                d_minus / total
            } else {
                0.5
            }
        })
        .collect()
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::criteria::tests::matrix;
    use crate::rank::{rank_order, ranks_from_order, Direction::*};

    /// The mobile-handset example that circulates with Python `topsis` packages and tutorials,
    /// here as printed in the README of the PyPI package `topsis-ishan-102313022`: five handsets
    /// M1..M5 on storage (GB, +), camera (MP, +), price ($, -), looks (of 5, +), weights 0.25
    /// each. Published scores (6 decimals): 0.534277, 0.308368, 0.691632, 0.534737, 0.401046;
    /// ranks 3, 5, 1, 2, 4.
    #[test]
    fn mobile_handset_example() {
        let m = matrix(
            &[
                ("storage_gb", Benefit),
                ("camera_mp", Benefit),
                ("price_usd", Cost),
                ("looks", Benefit),
            ],
            &[
                ("M1", &[16.0, 12.0, 250.0, 5.0]),
                ("M2", &[16.0, 8.0, 200.0, 3.0]),
                ("M3", &[32.0, 16.0, 300.0, 4.0]),
                ("M4", &[32.0, 8.0, 275.0, 4.0]),
                ("M5", &[16.0, 16.0, 225.0, 2.0]),
            ],
        );
        let w = Weights::new(vec![0.25; 4], &m.criteria).unwrap();
        let c = topsis(&m, &w);
        let published = [0.534277, 0.308368, 0.691632, 0.534737, 0.401046];
        for (got, want) in c.iter().zip(published) {
            // Published to 6 decimals: half a unit in the last place.
            assert!((got - want).abs() <= 5e-7, "{c:?}");
        }
        let order = rank_order(&c, &m.alternatives);
        assert_eq!(ranks_from_order(&order), [3, 5, 1, 2, 4]);
    }

    #[test]
    fn weights_scale_free_and_ends_of_range() {
        // a is best on everything, c worst on everything: closeness 1 and 0.
        let m = matrix(
            &[("grid_mw", Benefit), ("tariff", Cost)],
            &[("a", &[10.0, 1.0]), ("b", &[5.0, 2.0]), ("c", &[1.0, 3.0])],
        );
        let c1 = topsis(&m, &Weights::new(vec![1.0, 1.0], &m.criteria).unwrap());
        let c2 = topsis(&m, &Weights::new(vec![7.0, 7.0], &m.criteria).unwrap());
        assert!((c1[0] - 1.0).abs() < 1e-12 && c1[2].abs() < 1e-12, "{c1:?}");
        for (a, b) in c1.iter().zip(&c2) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn degenerate_columns() {
        let m = matrix(
            &[("zero", Benefit), ("same", Cost)],
            &[("a", &[0.0, 4.0]), ("b", &[0.0, 4.0])],
        );
        let c = topsis(&m, &Weights::new(vec![1.0, 1.0], &m.criteria).unwrap());
        assert_eq!(c, [0.5, 0.5]);
    }
}
