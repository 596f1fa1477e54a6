//! Ranges for uncertain figures: a site or facility file may give any of its ruled numbers a
//! range (`"ranges": {"land.usable_width_m": {"low": 120, "high": 180, "dist": "uniform"}}`);
//! an assumed figure that gives none gets the documented default of its kind
//! ([`DEFAULT_RANGES`]), marked as a default wherever it is reported.
//!
//! Distributions, each on `[low, high]` around the file's value `v` (the nominal):
//! - `uniform`: flat on `[low, high]`;
//! - `triangular`: mode at `v`;
//! - `normal`: mean `v`, standard deviation `(high - low) / 4`, clipped to `[low, high]` (a
//!   draw beyond a bound is set to the bound, so each bound carries the tail's mass).
//!
//! Validation (in [`validate`](super::validate)): the key names a scalar number of the file
//! with a rule in [`rules`](super::rules) and present in the file; `low` and `high` are finite,
//! inside the field's rule, and `low <= value <= high`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules::{Bound, NumberRule, FACILITY_NUMBERS, SITE_NUMBERS};
use super::types::{Facility, Site};

/// How a figure is distributed on its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    /// Flat on `[low, high]`.
    #[default]
    Uniform,
    /// Triangular on `[low, high]` with its mode at the file's value.
    Triangular,
    /// Normal with mean at the file's value and standard deviation `(high - low) / 4`,
    /// clipped to `[low, high]`.
    Normal,
}

impl Dist {
    pub fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "uniform",
            Dist::Triangular => "triangular",
            Dist::Normal => "normal (clipped)",
        }
    }
}

/// The range of one figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lowest plausible value, in the field's unit; at most the file's value.
    pub low: f64,
    /// Highest plausible value, in the field's unit; at least the file's value.
    pub high: f64,
    /// Distribution on `[low, high]`; default uniform.
    #[serde(default)]
    pub dist: Dist,
}

impl Range {
    /// The `p`-quantile (0 <= p <= 1) of the figure whose file value is `nominal`. Monotone
    /// in `p`; `quantile(0) = low` and `quantile(1) = high` for the uniform and triangular
    /// distributions.
    pub fn quantile(&self, p: f64, nominal: f64) -> f64 {
        let (a, b) = (self.low, self.high);
        let p = p.clamp(0.0, 1.0);
        if b <= a {
            return a;
        }
        match self.dist {
            Dist::Uniform => a + p * (b - a),
            Dist::Triangular => {
                let c = nominal.clamp(a, b);
                let f = (c - a) / (b - a);
                if p < f {
                    a + (p * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - p) * (b - a) * (b - c)).sqrt()
                }
            }
            Dist::Normal => {
                let sd = (b - a) / 4.0;
                (nominal + sd * normal_quantile(p)).clamp(a, b)
            }
        }
    }
}

/// The standard normal quantile (Acklam's rational approximation, relative error below
/// 1.2e-9); ±infinity at 0 and 1.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// How wide a default range is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spread {
    /// `value × (1 ± f)`.
    Relative(f64),
    /// `value ± d`, in the field's unit.
    Absolute(f64),
}

/// The default range of one kind of assumed figure.
pub struct DefaultRange {
    /// A JSON path, or a prefix ending in `.` (`hazards.`: every hazard score).
    pub pattern: &'static str,
    /// What kind of figure it is, for the report.
    pub kind: &'static str,
    pub spread: Spread,
}

/// Default ranges by kind of figure, used for an assumed figure (one listed in the file's
/// `assumed`) that gives no range of its own; uniform, and clipped to the field's rule. These
/// are dcplan's judgement of how far such an assumption may be off, not measured spreads:
/// every use is labelled `default` in the report. Assumed figures of other kinds get no
/// default range (they are listed as held at their file value).
pub const DEFAULT_RANGES: &[DefaultRange] = &[
    DefaultRange {
        pattern: "hazards.",
        kind: "hazard score (0-1)",
        spread: Spread::Absolute(0.1),
    },
    DefaultRange {
        pattern: "land.",
        kind: "plot dimension",
        spread: Spread::Relative(0.10),
    },
    DefaultRange {
        pattern: "power.tariff_krw_per_kwh",
        kind: "tariff",
        spread: Spread::Relative(0.10),
    },
    DefaultRange {
        pattern: "power.grid_carbon_kg_per_kwh",
        kind: "grid carbon factor",
        spread: Spread::Relative(0.10),
    },
    DefaultRange {
        pattern: "power.grid_headroom_mw",
        kind: "grid headroom (site-file override)",
        spread: Spread::Relative(0.20),
    },
    DefaultRange {
        pattern: "power.substation_distance_km",
        kind: "distance",
        spread: Spread::Relative(0.20),
    },
    DefaultRange {
        pattern: "distance_to_seoul_km",
        kind: "distance",
        spread: Spread::Relative(0.10),
    },
    DefaultRange {
        pattern: "campus.",
        kind: "campus allowance (gap, yard, substation, setback)",
        spread: Spread::Relative(0.20),
    },
];

/// The default range of an assumed figure at `path` with file value `value` and rule
/// `bound`, if its kind has one.
pub fn default_range(path: &str, value: f64, bound: Bound) -> Option<(Range, &'static str)> {
    let d = DEFAULT_RANGES.iter().find(|d| {
        if d.pattern.ends_with('.') {
            path.starts_with(d.pattern)
        } else {
            path == d.pattern
        }
    })?;
    let (low, high) = match d.spread {
        Spread::Relative(f) => (value * (1.0 - f), value * (1.0 + f)),
        Spread::Absolute(a) => (value - a, value + a),
    };
    let (lo_bound, hi_bound) = match bound {
        Bound::Range { min, max } => (min, max),
        Bound::NonNegative { max } => (0.0, max),
        // a positive field keeps at least a tenth of its value
        Bound::Positive { max } => (value * 0.1, max),
    };
    Some((
        Range {
            low: low.max(lo_bound).min(value),
            high: high.min(hi_bound).max(value),
            dist: Dist::Uniform,
        },
        d.kind,
    ))
}

/// The rule of a scalar number of a site file.
pub fn site_range_rule(path: &str) -> Option<&'static NumberRule<Site>> {
    SITE_NUMBERS.iter().find(|r| r.path == path)
}

/// The rule of a scalar number of a facility file.
pub fn facility_range_rule(path: &str) -> Option<&'static NumberRule<Facility>> {
    FACILITY_NUMBERS.iter().find(|r| r.path == path)
}

/// One uncertain figure of a file: its path, its file value and the range used.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranged {
    pub path: String,
    pub nominal: f64,
    pub range: Range,
    /// `None`: the file gives the range; else the kind of figure whose default it is.
    pub default_kind: Option<&'static str>,
}

fn ranged<T>(
    rules: &'static [NumberRule<T>],
    value: &T,
    ranges: &BTreeMap<String, Range>,
    assumed: &[String],
) -> Vec<Ranged> {
    // in the rules' order (the format's), so the list does not depend on the file's order
    rules
        .iter()
        .filter_map(|rule| {
            let nominal = (rule.value)(value)?;
            if let Some(r) = ranges.get(rule.path) {
                return Some(Ranged {
                    path: rule.path.to_string(),
                    nominal,
                    range: *r,
                    default_kind: None,
                });
            }
            if !assumed.iter().any(|a| a == rule.path) {
                return None;
            }
            let (range, kind) = default_range(rule.path, nominal, rule.bound)?;
            Some(Ranged {
                path: rule.path.to_string(),
                nominal,
                range,
                default_kind: Some(kind),
            })
        })
        .collect()
}

/// Every uncertain figure of a (valid) site: the file's ranges, and the defaults of its
/// assumed figures that give none.
pub fn site_ranged(site: &Site) -> Vec<Ranged> {
    ranged(SITE_NUMBERS, site, &site.ranges, &site.assumed)
}

/// Every uncertain figure of a (valid) facility.
pub fn facility_ranged(facility: &Facility) -> Vec<Ranged> {
    ranged(
        FACILITY_NUMBERS,
        facility,
        &facility.ranges,
        &facility.assumed,
    )
}

/// Assumed figures of a file that carry no range (neither the file's nor a default): held at
/// their file value by any uncertainty analysis.
pub fn unranged_assumed(assumed: &[String], ranged: &[Ranged]) -> Vec<String> {
    assumed
        .iter()
        .filter(|a| !ranged.iter().any(|r| &r.path == *a))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_span_the_range_and_are_monotone() {
        for dist in [Dist::Uniform, Dist::Triangular, Dist::Normal] {
            let r = Range {
                low: 2.0,
                high: 6.0,
                dist,
            };
            let mut last = f64::NEG_INFINITY;
            for i in 0..=100 {
                let q = r.quantile(i as f64 / 100.0, 3.0);
                assert!((2.0..=6.0).contains(&q), "{dist:?} {q}");
                assert!(q >= last, "{dist:?} not monotone");
                last = q;
            }
            assert_eq!(r.quantile(0.0, 3.0), 2.0);
            assert_eq!(r.quantile(1.0, 3.0), 6.0);
        }
        let u = Range {
            low: 2.0,
            high: 6.0,
            dist: Dist::Uniform,
        };
        assert_eq!(u.quantile(0.25, 3.0), 3.0);
        // triangular: the mode splits the mass (c - a) / (b - a) = 1/4 below it
        let t = Range {
            dist: Dist::Triangular,
            ..u
        };
        assert!((t.quantile(0.25, 3.0) - 3.0).abs() < 1e-12);
        // normal: the median is the file value; the quartile is 0.674 sd away
        let n = Range {
            dist: Dist::Normal,
            ..u
        };
        assert!((n.quantile(0.5, 3.0) - 3.0).abs() < 1e-9);
        assert!((n.quantile(0.75, 3.0) - (3.0 + 0.674_489_750_196_081_7)).abs() < 1e-8);
    }

    #[test]
    fn normal_quantile_matches_known_values() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.01, -2.326_347_874_040_841),
            (0.9999, 3.719_016_485_455_68),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-8, "{p}");
        }
    }

    #[test]
    fn defaults_by_kind_are_clipped_to_the_rule() {
        let (r, kind) = default_range("hazards.flood", 0.95, Bound::Range { min: 0.0, max: 1.0 })
            .expect("hazards have a default");
        assert_eq!(kind, "hazard score (0-1)");
        assert!((r.low - 0.85).abs() < 1e-12 && r.high == 1.0);
        let (r, _) = default_range("land.usable_width_m", 200.0, Bound::Positive { max: 1e5 })
            .expect("land has a default");
        assert!((r.low - 180.0).abs() < 1e-9 && (r.high - 220.0).abs() < 1e-9);
        assert!(default_range(
            "climate.design.dry_bulb_c",
            30.0,
            Bound::NonNegative { max: 50.0 }
        )
        .is_none());
    }
}
