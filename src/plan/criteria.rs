//! From simulated sites to the decision matrix: the criteria a planner ranks by, each with
//! its unit, direction and resolution; the default weights; and why a site is infeasible.
//!
//! Default weights mirror Korea's grid-impact assessment for new loads of 10 MW and more
//! (Distributed Energy Act): technical 60 points (supply margin 30, voltage maintenance 30),
//! non-technical 20 (PUE, energy cost, carbon and thermal margin, 5 each) and policy 20
//! (natural-hazard exposure 10, distance to the capital region for latency 10). The mapping of
//! the non-technical and policy points onto these criteria is dcplan's, not the assessment's.

use super::simulate::SiteMetrics;
use crate::rank::{Criterion, Direction, Matrix, Weights};
use crate::site::{Facility, Site, Valid};

/// A criterion and the smallest difference in it that means anything: values are rounded to
/// this before they are compared, so that rounding noise in a solve cannot reorder sites.
pub struct Spec {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub direction: Direction,
    pub resolution: f64,
    pub default_weight: f64,
}

pub const SPECS: [Spec; 8] = [
    Spec {
        key: "grid_margin_mw",
        label: "grid headroom left after peak",
        unit: "MW",
        direction: Direction::Benefit,
        resolution: 0.01,
        default_weight: 30.0,
    },
    Spec {
        key: "voltage_drop_pct",
        label: "worst voltage drop",
        unit: "%",
        direction: Direction::Cost,
        resolution: 0.01,
        default_weight: 30.0,
    },
    Spec {
        key: "pue",
        label: "annual PUE",
        unit: "-",
        direction: Direction::Cost,
        resolution: 0.001,
        default_weight: 5.0,
    },
    Spec {
        key: "energy_cost_bn_krw",
        label: "annual energy cost",
        unit: "bn KRW/yr",
        direction: Direction::Cost,
        resolution: 0.01,
        default_weight: 5.0,
    },
    Spec {
        key: "carbon_kt_co2",
        label: "annual carbon",
        unit: "kt CO2/yr",
        direction: Direction::Cost,
        resolution: 0.01,
        default_weight: 5.0,
    },
    Spec {
        key: "thermal_margin_k",
        label: "inlet margin to A1 32 °C",
        unit: "K",
        direction: Direction::Benefit,
        resolution: 0.01,
        default_weight: 5.0,
    },
    Spec {
        key: "hazard_score",
        label: "natural-hazard exposure",
        unit: "0-1",
        direction: Direction::Cost,
        resolution: 0.001,
        default_weight: 10.0,
    },
    Spec {
        key: "distance_to_seoul_km",
        label: "distance to Seoul (latency)",
        unit: "km",
        direction: Direction::Cost,
        resolution: 1.0,
        default_weight: 10.0,
    },
];

/// A1 allowable upper inlet temperature, °C.
pub const A1_MAX_C: f64 = 32.0;

pub fn criteria() -> Vec<Criterion> {
    SPECS
        .iter()
        .map(|s| Criterion {
            key: s.key.to_string(),
            label: s.label.to_string(),
            unit: s.unit.to_string(),
            direction: s.direction,
        })
        .collect()
}

pub fn default_weights() -> Weights {
    // the defaults are positive constants: they always form valid weights
    Weights::new(
        SPECS.iter().map(|s| s.default_weight).collect(),
        &criteria(),
    )
    .unwrap_or_else(|_| unreachable!("default weights are positive"))
}

fn round_to(v: f64, resolution: f64) -> f64 {
    (v / resolution).round() * resolution
}

/// The criteria values of one simulated site, rounded to each criterion's resolution.
pub fn values(site: &Site, m: &SiteMetrics) -> Vec<f64> {
    let e = &m.energy;
    let h = &site.hazards;
    let raw = [
        e.grid_margin_mw,
        m.power.worst_drop_pct,
        e.pue,
        e.energy_cost_krw / 1e9,
        e.carbon_t_co2 / 1e3,
        A1_MAX_C - m.thermal.worst_inlet_c,
        (h.seismic + h.flood + h.typhoon) / 3.0,
        site.distance_to_seoul_km,
    ];
    raw.iter()
        .zip(&SPECS)
        .map(|(v, s)| round_to(*v, s.resolution))
        .collect()
}

/// Why a site cannot host the facility (empty when it can).
pub fn infeasibility(site: &Site, facility: &Facility, m: &SiteMetrics) -> Vec<String> {
    let mut reasons = Vec::new();
    let e = &m.energy;
    if !e.grid_feasible {
        reasons.push(format!(
            "peak facility demand {:.2} MW exceeds the grid headroom {:.1} MW",
            e.peak_facility_mw, e.grid_headroom_mw
        ));
    }
    if m.thermal.outside_allowable_a1 > 0 {
        reasons.push(format!(
            "{} rack(s) outside the ASHRAE A1 allowable 15-32 °C at the design hour (worst {:.1} °C at {})",
            m.thermal.outside_allowable_a1, m.thermal.worst_inlet_c, m.thermal.worst_rack
        ));
    }
    let foot = facility.footprint();
    if !site.land.fits(&foot) {
        reasons.push(format!(
            "the hall ({:.1} × {:.1} m) does not fit the usable land ({:.1} × {:.1} m)",
            foot.width_m, foot.depth_m, site.land.usable_width_m, site.land.usable_depth_m
        ));
    }
    if !m.power.within_limit {
        reasons.push(format!(
            "worst voltage drop {:.2} % exceeds the {} % limit",
            m.power.worst_drop_pct, m.power.drop_limit_pct
        ));
    }
    reasons
}

/// The decision matrix of the given (feasible) sites.
pub fn matrix(rows: &[(&Valid<Site>, &SiteMetrics)]) -> Matrix {
    Matrix {
        criteria: criteria(),
        alternatives: rows.iter().map(|(s, _)| s.id.clone()).collect(),
        values: rows.iter().map(|(s, m)| values(s, m)).collect(),
    }
}
