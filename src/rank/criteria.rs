//! The decision matrix: criteria (key, label, unit, direction), alternative ids, and one row of
//! raw values per alternative in criterion order, each in that criterion's unit.
//!
//! Invariant of a matrix built by [`Matrix::new`]: at least one criterion and one alternative,
//! unique alternative ids, one finite value per (alternative, criterion).

use serde::{Deserialize, Serialize};

use crate::rank::RankError;

/// Whether a larger value of a criterion is better or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher is better (grid margin, water supply).
    Benefit,
    /// Lower is better (land price, latency, tariff).
    Cost,
}

impl Direction {
    /// True when `a` is strictly better than `b` under this direction.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Benefit => a > b,
            Direction::Cost => a < b,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable machine name with its unit, e.g. `grid_margin_mw`; used in overrides and files.
    pub key: String,
    /// Human label for reports, e.g. `Grid margin`.
    pub label: String,
    /// Unit of the raw values, e.g. `MW`.
    pub unit: String,
    pub direction: Direction,
}

impl Criterion {
    pub fn new(key: &str, label: &str, unit: &str, direction: Direction) -> Self {
        Self {
            key: key.to_owned(),
            label: label.to_owned(),
            unit: unit.to_owned(),
            direction,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub criteria: Vec<Criterion>,
    /// Alternative (site) ids, one per row of `values`.
    pub alternatives: Vec<String>,
    /// `values[alternative][criterion]`, raw, in the criterion's unit.
    pub values: Vec<Vec<f64>>,
}

impl Matrix {
    /// Builds a matrix and checks its invariants.
    pub fn new(
        criteria: Vec<Criterion>,
        alternatives: Vec<String>,
        values: Vec<Vec<f64>>,
    ) -> Result<Self, RankError> {
        let m = Self {
            criteria,
            alternatives,
            values,
        };
        m.validate()?;
        Ok(m)
    }

    /// Checks the invariants of a matrix whose fields were set directly.
    pub fn validate(&self) -> Result<(), RankError> {
        if self.criteria.is_empty() {
            return Err(RankError::NoCriteria);
        }
        if self.alternatives.is_empty() {
            return Err(RankError::NoAlternatives);
        }
        if self.values.len() != self.alternatives.len() {
            return Err(RankError::RowCount {
                expected: self.alternatives.len(),
                got: self.values.len(),
            });
        }
        let mut ids: Vec<&str> = self.alternatives.iter().map(String::as_str).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|p| p[0] == p[1]) {
            return Err(RankError::DuplicateAlternative {
                id: pair[0].to_owned(),
            });
        }
        for (id, row) in self.alternatives.iter().zip(&self.values) {
            if row.len() != self.criteria.len() {
                return Err(RankError::RowLength {
                    id: id.clone(),
                    expected: self.criteria.len(),
                    got: row.len(),
                });
            }
            if let Some((c, &value)) = self.criteria.iter().zip(row).find(|(_, v)| !v.is_finite()) {
                return Err(RankError::NonFiniteValue {
                    id: id.clone(),
                    key: c.key.clone(),
                    value,
                });
            }
        }
        Ok(())
    }

    pub fn n_alternatives(&self) -> usize {
        self.alternatives.len()
    }

    pub fn n_criteria(&self) -> usize {
        self.criteria.len()
    }

    /// Index of the criterion with this key.
    pub fn criterion_index(&self, key: &str) -> Option<usize> {
        self.criteria.iter().position(|c| c.key == key)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a checked matrix from `(key, direction)` pairs and `(id, row)` pairs.
    pub(crate) fn matrix(criteria: &[(&str, Direction)], rows: &[(&str, &[f64])]) -> Matrix {
        Matrix::new(
            criteria
                .iter()
                .map(|&(k, d)| Criterion::new(k, k, "-", d))
                .collect(),
            rows.iter().map(|(id, _)| (*id).to_owned()).collect(),
            rows.iter().map(|(_, r)| r.to_vec()).collect(),
        )
        .expect("test matrix is valid")
    }

    #[test]
    fn rejects_bad_shapes_and_values() {
        let c = vec![Criterion::new("a_mw", "A", "MW", Direction::Benefit)];
        let err = Matrix::new(c.clone(), vec!["s1".into()], vec![vec![1.0, 2.0]]).unwrap_err();
        assert!(matches!(err, RankError::RowLength { ref id, expected: 1, got: 2 } if id == "s1"));

        let err = Matrix::new(
            c.clone(),
            vec!["s1".into(), "s1".into()],
            vec![vec![1.0], vec![2.0]],
        )
        .unwrap_err();
        assert!(matches!(err, RankError::DuplicateAlternative { ref id } if id == "s1"));

        let err = Matrix::new(c.clone(), vec!["s1".into()], vec![vec![f64::NAN]]).unwrap_err();
        assert!(matches!(err, RankError::NonFiniteValue { ref key, .. } if key == "a_mw"));

        let err = Matrix::new(c, vec![], vec![]).unwrap_err();
        assert!(matches!(err, RankError::NoAlternatives));
    }

    #[test]
    fn direction_serialises_lowercase() {
        let json = serde_json::to_string(&Direction::Cost).unwrap();
        assert_eq!(json, "\"cost\"");
    }
}
