//! Ranges on the assumed figures of the grid model's hand-written files: a snapshot file
//! (national load, must-run shares, tier availabilities) and the line-type table (reactances,
//! ratings, the emergency factor) may give any of those numbers a range in a `ranges` object,
//! `{"merit_order[2].availability": {"low": 0.85, "high": 1.0, "dist": "triangular"}}`, in the
//! form of site and facility files (`site::ranges::Range`).
//!
//! Validation, every problem named by file, line and path: the key is a rangeable number of
//! that file; `low` and `high` are finite and inside the number's own rule; `low <= value <=
//! high`. No default ranges: the files' `assumed` entries are prose, not paths.
//!
//! Use: `rank --uncertainty` draws the snapshot figures and the ratings and emergency factor
//! of the line-type table through a new dispatch and screen of the sites' buses
//! (`grid::draws`); the reactances, which change the PTDF, are held at their file values and
//! listed as such.

use super::error::Problems;
use crate::site::locate::Locator;
use crate::site::ranges::Range;
use std::collections::BTreeMap;
use std::path::Path;

/// A number of a file that may carry a range, with its rule: `min < value` (`min_open`) or
/// `min <= value`, and `value <= max`.
pub struct Rangeable {
    pub path: String,
    pub value: f64,
    pub min: f64,
    pub min_open: bool,
    pub max: f64,
}

impl Rangeable {
    pub fn new(path: String, value: f64, (min, min_open, max): (f64, bool, f64)) -> Self {
        Rangeable {
            path,
            value,
            min,
            min_open,
            max,
        }
    }

    fn allows(&self, v: f64) -> bool {
        v.is_finite()
            && v <= self.max
            && if self.min_open {
                v > self.min
            } else {
                v >= self.min
            }
    }

    fn rule(&self) -> String {
        let open = if self.min_open { "(" } else { "[" };
        if self.max < f64::MAX {
            format!("a number in {open}{}, {}]", self.min, self.max)
        } else if self.min_open {
            format!("a number above {}", self.min)
        } else {
            format!("a number of at least {}", self.min)
        }
    }
}

/// A share in [0, 1], a fraction in (0, 1], a positive number, a factor of at least 1.
pub const SHARE: (f64, bool, f64) = (0.0, false, 1.0);
pub const FRACTION: (f64, bool, f64) = (0.0, true, 1.0);
pub const POSITIVE: (f64, bool, f64) = (0.0, true, f64::MAX);
pub const AT_LEAST_ONE: (f64, bool, f64) = (1.0, false, f64::MAX);

/// Checks every range of `ranges` against the file's rangeable `numbers`.
pub fn check(
    file: &Path,
    locator: &Locator,
    ranges: &BTreeMap<String, Range>,
    numbers: &[Rangeable],
    problems: &mut Problems,
) {
    let line = |key: &str, end: &str| {
        locator
            .value_position(&format!("ranges.{key}.{end}"))
            .or_else(|| locator.key_position("ranges"))
            .map(|(l, _)| l)
    };
    for (key, range) in ranges {
        let path = format!("ranges.{key}");
        let Some(n) = numbers.iter().find(|n| n.path == *key) else {
            let known: Vec<&str> = numbers.iter().map(|n| n.path.as_str()).collect();
            problems.push(
                file,
                line(key, "low"),
                &path,
                format!(
                    "not a number of this file that takes a range (those are: {})",
                    known.join(", ")
                ),
            );
            continue;
        };
        for (end, v) in [("low", range.low), ("high", range.high)] {
            if !n.allows(v) {
                problems.push(
                    file,
                    line(key, end),
                    &format!("{path}.{end}"),
                    format!("expected {}, found {v}", n.rule()),
                );
            }
        }
        if range.low > n.value {
            problems.push(
                file,
                line(key, "low"),
                &format!("{path}.low"),
                format!(
                    "expected low <= the file's value {}, found {}",
                    n.value, range.low
                ),
            );
        }
        if range.high < n.value {
            problems.push(
                file,
                line(key, "high"),
                &format!("{path}.high"),
                format!(
                    "expected high >= the file's value {}, found {}",
                    n.value, range.high
                ),
            );
        }
    }
}
