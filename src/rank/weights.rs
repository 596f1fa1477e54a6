//! Criterion weights: one per criterion, in criterion order, non-negative, summing to 1.
//!
//! Users give weights on any scale (`3` and `1` mean the same as `0.75` and `0.25`); the
//! constructor rescales them. Overrides and JSON files name criteria by key, and each rejection
//! names the key at fault.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::rank::{Criterion, RankError};

/// Normalised weights: `w[c] >= 0`, `sum(w) == 1` up to rounding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weights(Vec<f64>);

impl Weights {
    /// Checks raw weights (one per criterion) and rescales them to sum to 1. Rejects a wrong
    /// count, NaN or infinite values, negative values and an all-zero vector.
    pub fn new(raw: Vec<f64>, criteria: &[Criterion]) -> Result<Self, RankError> {
        if raw.len() != criteria.len() {
            return Err(RankError::WeightCount {
                expected: criteria.len(),
                got: raw.len(),
            });
        }
        for (c, &value) in criteria.iter().zip(&raw) {
            if !value.is_finite() {
                return Err(RankError::NotFinite {
                    key: c.key.clone(),
                    value,
                });
            }
            if value < 0.0 {
                return Err(RankError::Negative {
                    key: c.key.clone(),
                    value,
                });
            }
        }
        // Dividing by the largest weight first keeps the sum finite for huge inputs.
        let max = raw.iter().copied().fold(0.0_f64, f64::max);
        if max == 0.0 {
            return Err(RankError::AllZero {
                keys: join_keys(criteria),
            });
        }
        let scaled: Vec<f64> = raw.iter().map(|v| v / max).collect();
        let sum: f64 = scaled.iter().sum();
        // `+ 0.0` turns a `-0.0` input into `+0.0`.
        Ok(Self(scaled.iter().map(|v| v / sum + 0.0).collect()))
    }

    /// Weights that are already normalised (as [`as_slice`](Self::as_slice) gave them, say
    /// read back from a file), kept bit for bit: rescaling them again could move the last bit.
    /// Rejects a wrong count, non-finite or negative values, and a sum further than 1e-9 from 1.
    pub fn from_normalised(w: Vec<f64>, criteria: &[Criterion]) -> Result<Self, RankError> {
        // the checks of `new`: count, finite, non-negative, not all zero
        Self::new(w.clone(), criteria)?;
        let sum: f64 = w.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            return Err(RankError::NotNormalised { sum });
        }
        Ok(Self(w))
    }

    /// Every criterion weighted the same.
    pub fn equal(criteria: &[Criterion]) -> Result<Self, RankError> {
        Self::new(vec![1.0; criteria.len()], criteria)
    }

    pub fn as_slice(&self) -> &[f64] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Applies `key=value,key=value` overrides to `base`.
///
/// Each named criterion's entry in the (normalised) base is replaced by the given value, then
/// the whole vector is rescaled to sum to 1. So with four equal base weights of 0.25,
/// `grid_margin_mw=0.5` makes grid margin twice as important as each of the others. Whitespace
/// around items, keys and values is ignored; an empty spec returns `base` unchanged.
pub fn parse_overrides(
    spec: &str,
    criteria: &[Criterion],
    base: &Weights,
) -> Result<Weights, RankError> {
    if base.len() != criteria.len() {
        return Err(RankError::WeightCount {
            expected: criteria.len(),
            got: base.len(),
        });
    }
    if spec.trim().is_empty() {
        return Ok(base.clone());
    }
    let mut raw = base.as_slice().to_vec();
    let mut seen = vec![false; criteria.len()];
    for item in spec.split(',') {
        let item = item.trim();
        let (key, value) = match item.split('=').collect::<Vec<_>>().as_slice() {
            [key, value] if !key.trim().is_empty() => (key.trim(), value.trim()),
            _ => {
                return Err(RankError::Malformed {
                    item: item.to_owned(),
                });
            }
        };
        let idx = key_index(key, criteria)?;
        if std::mem::replace(&mut seen[idx], true) {
            return Err(RankError::DuplicateKey {
                key: key.to_owned(),
            });
        }
        raw[idx] = value.parse::<f64>().map_err(|_| RankError::BadNumber {
            key: key.to_owned(),
            value: value.to_owned(),
        })?;
    }
    Weights::new(raw, criteria)
}

/// Reads weights from a JSON object `{"key": number, ...}` that names every criterion exactly
/// once. A missing criterion is an error rather than a silent zero, so a weights file written
/// before a criterion was added fails loudly instead of ignoring it.
pub fn weights_from_json(text: &str, criteria: &[Criterion]) -> Result<Weights, RankError> {
    let Entries(entries) = serde_json::from_str(text)?;
    let mut raw: Vec<Option<f64>> = vec![None; criteria.len()];
    for (key, value) in entries {
        let idx = key_index(&key, criteria)?;
        if raw[idx].is_some() {
            return Err(RankError::DuplicateKey { key });
        }
        let number = value.as_f64().ok_or_else(|| RankError::BadNumber {
            key: key.clone(),
            value: value.to_string(),
        })?;
        raw[idx] = Some(number);
    }
    let raw = criteria
        .iter()
        .zip(raw)
        .map(|(c, w)| w.ok_or_else(|| RankError::MissingKey { key: c.key.clone() }))
        .collect::<Result<Vec<_>, _>>()?;
    Weights::new(raw, criteria)
}

fn key_index(key: &str, criteria: &[Criterion]) -> Result<usize, RankError> {
    criteria
        .iter()
        .position(|c| c.key == key)
        .ok_or_else(|| RankError::UnknownKey {
            key: key.to_owned(),
            known: join_keys(criteria),
        })
}

fn join_keys(criteria: &[Criterion]) -> String {
    criteria
        .iter()
        .map(|c| c.key.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON object's entries in file order, duplicates kept, so that a key given twice is an
/// error instead of "last one wins".
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object mapping criterion keys to weights")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::Direction;

    fn criteria() -> Vec<Criterion> {
        ["grid_margin_mw", "land_price_krw_per_m2", "latency_ms"]
            .iter()
            .map(|k| Criterion::new(k, k, "-", Direction::Benefit))
            .collect()
    }

    fn assert_weights(w: &Weights, expected: &[f64]) {
        assert_eq!(w.len(), expected.len());
        for (got, want) in w.as_slice().iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{:?} != {expected:?}", w);
        }
    }

    #[test]
    fn constructor_normalises() {
        let w = Weights::new(vec![3.0, 1.0, 0.0], &criteria()).unwrap();
        assert_weights(&w, &[0.75, 0.25, 0.0]);
        let w = Weights::new(vec![1e308, 1e308, 1e308], &criteria()).unwrap();
        assert_weights(&w, &[1.0 / 3.0; 3]);
    }

    #[test]
    fn constructor_rejects_and_names_the_key() {
        let c = criteria();
        let err = Weights::new(vec![1.0, -0.5, 1.0], &c).unwrap_err();
        assert!(
            matches!(err, RankError::Negative { ref key, value } if key == "land_price_krw_per_m2" && value == -0.5)
        );
        let err = Weights::new(vec![1.0, 1.0, f64::NAN], &c).unwrap_err();
        assert!(matches!(err, RankError::NotFinite { ref key, .. } if key == "latency_ms"));
        let err = Weights::new(vec![f64::INFINITY, 1.0, 1.0], &c).unwrap_err();
        assert!(matches!(err, RankError::NotFinite { ref key, .. } if key == "grid_margin_mw"));
        let err = Weights::new(vec![0.0, -0.0, 0.0], &c).unwrap_err();
        assert!(matches!(err, RankError::AllZero { .. }));
        let err = Weights::new(vec![1.0], &c).unwrap_err();
        assert!(matches!(
            err,
            RankError::WeightCount {
                expected: 3,
                got: 1
            }
        ));
    }

    #[test]
    fn overrides_replace_then_renormalise() {
        let c = criteria();
        let base = Weights::equal(&c).unwrap();
        let w = parse_overrides(" grid_margin_mw = 2/3 ", &c, &base);
        assert!(
            matches!(w, Err(RankError::BadNumber { ref key, ref value }) if key == "grid_margin_mw" && value == "2/3")
        );

        let w = parse_overrides("grid_margin_mw=1, latency_ms=0", &c, &base).unwrap();
        // Base entries are 1/3 each: (1, 1/3, 0) rescaled.
        assert_weights(&w, &[0.75, 0.25, 0.0]);

        assert_eq!(parse_overrides("  ", &c, &base).unwrap(), base);
    }

    #[test]
    fn override_errors() {
        let c = criteria();
        let base = Weights::equal(&c).unwrap();
        let err = parse_overrides("grid_margin_mw=1,pue=2", &c, &base).unwrap_err();
        assert!(matches!(err, RankError::UnknownKey { ref key, .. } if key == "pue"));
        assert!(err.to_string().contains("latency_ms"), "{err}");

        let err = parse_overrides("latency_ms=-1", &c, &base).unwrap_err();
        assert!(matches!(err, RankError::Negative { ref key, .. } if key == "latency_ms"));

        let err = parse_overrides("latency_ms=NaN", &c, &base).unwrap_err();
        assert!(matches!(err, RankError::NotFinite { ref key, .. } if key == "latency_ms"));

        let err = parse_overrides(
            "grid_margin_mw=0,land_price_krw_per_m2=0,latency_ms=0",
            &c,
            &base,
        )
        .unwrap_err();
        assert!(matches!(err, RankError::AllZero { .. }));

        let err = parse_overrides("a=b=c", &c, &base).unwrap_err();
        assert!(matches!(err, RankError::Malformed { ref item } if item == "a=b=c"));
        for bad in [
            "latency_ms",
            "=1",
            "latency_ms=1,",
            "latency_ms=1,,grid_margin_mw=1",
        ] {
            let err = parse_overrides(bad, &c, &base).unwrap_err();
            assert!(matches!(err, RankError::Malformed { .. }), "{bad}: {err}");
        }

        let err = parse_overrides("latency_ms=1,latency_ms=2", &c, &base).unwrap_err();
        assert!(matches!(err, RankError::DuplicateKey { ref key } if key == "latency_ms"));

        let err = parse_overrides("latency_ms=", &c, &base).unwrap_err();
        assert!(matches!(err, RankError::BadNumber { ref key, .. } if key == "latency_ms"));
    }

    #[test]
    fn json_weights() {
        let c = criteria();
        let w = weights_from_json(
            r#"{"latency_ms": 1, "grid_margin_mw": 2, "land_price_krw_per_m2": 1}"#,
            &c,
        )
        .unwrap();
        assert_weights(&w, &[0.5, 0.25, 0.25]);

        let err = weights_from_json(r#"{"latency_ms": 1, "pue": 1}"#, &c).unwrap_err();
        assert!(matches!(err, RankError::UnknownKey { ref key, .. } if key == "pue"));

        let err = weights_from_json(
            r#"{"latency_ms": "high", "grid_margin_mw": 1, "land_price_krw_per_m2": 1}"#,
            &c,
        )
        .unwrap_err();
        assert!(
            matches!(err, RankError::BadNumber { ref key, ref value } if key == "latency_ms" && value == "\"high\"")
        );

        let err = weights_from_json(
            r#"{"latency_ms": -1, "grid_margin_mw": 1, "land_price_krw_per_m2": 1}"#,
            &c,
        )
        .unwrap_err();
        assert!(matches!(err, RankError::Negative { ref key, .. } if key == "latency_ms"));

        let err = weights_from_json(r#"{"latency_ms": 1, "grid_margin_mw": 1}"#, &c).unwrap_err();
        assert!(matches!(err, RankError::MissingKey { ref key } if key == "land_price_krw_per_m2"));

        let err = weights_from_json(
            r#"{"latency_ms": 1, "latency_ms": 2, "grid_margin_mw": 1, "land_price_krw_per_m2": 1}"#,
            &c,
        )
        .unwrap_err();
        assert!(matches!(err, RankError::DuplicateKey { ref key } if key == "latency_ms"));

        let err = weights_from_json(
            r#"{"latency_ms": 0, "grid_margin_mw": 0, "land_price_krw_per_m2": 0}"#,
            &c,
        )
        .unwrap_err();
        assert!(matches!(err, RankError::AllZero { .. }));

        let err = weights_from_json("[1, 2, 3]", &c).unwrap_err();
        assert!(matches!(err, RankError::Json(_)));
    }
}
