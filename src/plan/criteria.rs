//! From simulated sites to the decision matrix: the criteria a planner ranks by, each with
//! its unit, direction and resolution; the default weights; and why a site is infeasible.
//!
//! Default weights mirror Korea's grid-impact assessment for new loads of 10 MW and more
//! (Distributed Energy Act): technical 60 points (supply margin 30 — here the hosting capacity
//! left after the campus's peak, 20, and the IT the site can host, 10 — and voltage
//! maintenance 30), non-technical 20 (PUE, energy cost, carbon, thermal exceedance hours and
//! water, 4 each) and policy 20 (natural-hazard exposure 10, distance to the capital region for
//! latency 10). The mapping of the non-technical and policy points onto these criteria is
//! dcplan's, not the assessment's. The voltage criterion is the hall's own worst drop: the DC
//! grid model has no voltages, so it differs between facility designs, not between sites.

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

pub const SPECS: [Spec; 10] = [
    Spec {
        key: "grid_margin_mw",
        label: "grid hosting capacity left after peak",
        unit: "MW",
        direction: Direction::Benefit,
        resolution: 0.01,
        default_weight: 20.0,
    },
    Spec {
        key: "hostable_it_mw",
        label: "IT load the site can host",
        unit: "MW",
        direction: Direction::Benefit,
        resolution: 0.01,
        default_weight: 10.0,
    },
    Spec {
        key: "voltage_drop_pct",
        label: "worst voltage drop in the hall",
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
        default_weight: 4.0,
    },
    Spec {
        key: "energy_cost_krw_per_kwh",
        label: "energy cost per kWh of IT",
        unit: "KRW/kWh IT",
        direction: Direction::Cost,
        resolution: 0.01,
        default_weight: 4.0,
    },
    Spec {
        key: "carbon_g_per_kwh",
        label: "carbon per kWh of IT",
        unit: "g CO2/kWh IT",
        direction: Direction::Cost,
        resolution: 0.1,
        default_weight: 4.0,
    },
    Spec {
        key: "thermal_hours",
        label: "worst rack's hours outside ASHRAE recommended 18-27 °C",
        unit: "h/yr",
        direction: Direction::Cost,
        resolution: 1.0,
        default_weight: 4.0,
    },
    Spec {
        key: "wue_l_per_kwh",
        label: "water use effectiveness",
        unit: "L/kWh IT",
        direction: Direction::Cost,
        resolution: 0.001,
        default_weight: 4.0,
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

/// A named set of weights (`rank --weights NAME`): points per criterion, rescaled to sum to 1.
pub struct Preset {
    pub name: &'static str,
    pub description: &'static str,
    /// (criterion key, points); criteria not named weigh 0.
    pub points: &'static [(&'static str, f64)],
}

/// The presets. `grid-impact`: the items of Korea's grid-impact assessment (draft rules, as
/// reported; `plan::impact`) that a criterion measures, at the item's points — grid margin 15
/// (`grid_margin_mw`, the hosting capacity left after the peak) and efficiency plan 5 (`pue`);
/// voltage adequacy is pass/fail, already a reason of infeasibility, so `voltage_drop_pct`
/// weighs 0. The other items have no criterion (overload increase, securing margin,
/// self-generation, the non-technical and policy items; demand dispersion rewards distance
/// from the capital where the latency criterion penalises it) and are left out: the
/// assessment's own score is reported beside the ranking.
pub const PRESETS: [Preset; 1] = [Preset {
    name: "grid-impact",
    description:
        "grid-impact assessment items with a criterion: grid margin 15, efficiency 5 points",
    points: &[("grid_margin_mw", 15.0), ("pue", 5.0)],
}];

/// The weights of a preset, `None` for an unknown name.
pub fn preset_weights(name: &str) -> Option<Weights> {
    let preset = PRESETS.iter().find(|p| p.name == name)?;
    let raw = SPECS
        .iter()
        .map(|s| {
            preset
                .points
                .iter()
                .find(|(k, _)| *k == s.key)
                .map_or(0.0, |(_, p)| *p)
        })
        .collect();
    Weights::new(raw, &criteria()).ok()
}

fn round_to(v: f64, resolution: f64) -> f64 {
    (v / resolution).round() * resolution
}

/// The year's energy cost per kWh of IT energy, KRW/kWh: per IT kWh rather than the campus
/// total, so that a site whose land or grid holds fewer halls does not look cheaper for it
/// (the IT it can host is a criterion of its own).
pub fn energy_cost_krw_per_it_kwh(e: &crate::model::energy::Annual) -> f64 {
    e.energy_cost_krw / (e.it_mwh * 1000.0).max(f64::MIN_POSITIVE)
}

/// The year's carbon per kWh of IT energy, g CO2/kWh.
pub fn carbon_g_per_it_kwh(e: &crate::model::energy::Annual) -> f64 {
    e.carbon_t_co2 * 1e6 / (e.it_mwh * 1000.0).max(f64::MIN_POSITIVE)
}

/// The criteria values of one simulated site, rounded to each criterion's resolution.
pub fn values(site: &Site, m: &SiteMetrics) -> Vec<f64> {
    let e = &m.energy;
    let h = &site.hazards;
    let raw = [
        e.grid_margin_mw,
        m.hostable.it_mw,
        m.power.worst_drop_pct,
        e.pue,
        energy_cost_krw_per_it_kwh(e),
        carbon_g_per_it_kwh(e),
        m.hourly_thermal.worst_rack_hours_outside_recommended as f64,
        e.wue_l_per_kwh,
        (h.seismic + h.flood + h.typhoon) / 3.0,
        site.distance_to_seoul_km,
    ];
    raw.iter()
        .zip(&SPECS)
        .map(|(v, s)| round_to(*v, s.resolution))
        .collect()
}

/// Why a site cannot host the facility (empty when it can). A site is ranked when its land
/// holds at least one hall, the grid carries at least one hall's peak, and the hall's voltage
/// drop is within its limit. Rack inlets outside the A1 envelope in some hours do not exclude a
/// site: operators throttle the IT in those hours, so they lower the IT the site can host
/// ([`super::simulate::Hostable`]) and count in the thermal-hours criterion. A site that hosts
/// less than the whole design stays in the ranking with the shortfall in its notes.
pub fn infeasibility(facility: &Facility, m: &SiteMetrics) -> Vec<String> {
    let mut reasons = Vec::new();
    let h = &m.hostable;
    let hall_mw = facility.hall_it_mw();
    if h.land_it_mw + 1e-9 < hall_mw {
        reasons.push(format!(
            "no hall ({:.1} MW) fits the usable land: {}",
            hall_mw,
            m.campus.limit.as_deref().unwrap_or("the land is too small")
        ));
    }
    if h.grid_it_mw + 1e-9 < hall_mw {
        reasons.push(format!(
            "the grid hosting capacity {:.1} MW carries {:.2} MW of IT, less than one hall \
             ({hall_mw:.1} MW; peak {:.2} MW for the placed halls)",
            m.grid_fit.headroom_mw, h.grid_it_mw, m.energy.peak_facility_mw
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

/// What a ranked site cannot do of the design (empty when it hosts all of it).
pub fn shortfall(facility: &Facility, m: &SiteMetrics) -> Option<String> {
    let h = &m.hostable;
    (h.it_mw + 1e-9 < facility.it_load_mw).then(|| {
        format!(
            "hosts {:.1} of the {:.1} MW asked for, limited by {} (land {:.1}, grid {:.1}, \
             thermal {:.1} MW)",
            h.it_mw, facility.it_load_mw, h.limited_by, h.land_it_mw, h.grid_it_mw, h.thermal_it_mw
        )
    })
}

/// The decision matrix of the given (feasible) sites.
pub fn matrix(rows: &[(&Valid<Site>, &SiteMetrics)]) -> Matrix {
    Matrix {
        criteria: criteria(),
        alternatives: rows.iter().map(|(s, _)| s.id.clone()).collect(),
        values: rows.iter().map(|(s, m)| values(s, m)).collect(),
    }
}
