//! Korea's grid-impact assessment for new loads of 10 MW and more (draft rules, as reported in
//! `data/grid/README.md`): the items this model can score for a simulated site, each with its
//! stated scoring rule, and the items it cannot, listed as not modelled with their points.
//!
//! The draft gives each item's points, not how a case earns them, so every rule here is
//! dcplan's assumed mapping from a computed figure to points (linear between two stated
//! anchors, clamped), marked `assumed` in every report. Items scored:
//! - voltage adequacy (pass/fail gate): the hall's worst busway voltage drop within the
//!   facility's limit, a proxy — the assessment means grid bus voltages, which the DC grid model
//!   does not have;
//! - grid margin (15): `15 × clamp((H − L) / L, 0, 1)`, with `H` the grid headroom (the N-1
//!   hosting capacity of the site's bus in the worse snapshot, or the site file's override) and
//!   `L` the campus's peak demand: full points when the margin left after connection is at
//!   least the load itself;
//! - overload increase (10): of the branches the load moves, the one most loaded after
//!   connection (`grid::site::overload_increase`): `10 × clamp(1 − Δ / 10 pp, 0, 1)` with `Δ`
//!   the increase of its loading in percentage points, and 0 when it ends above its rating;
//!   10 when the load moves no branch by the distribution-factor cutoff;
//! - efficiency plan (5): `5 × clamp((1.6 − PUE) / (1.6 − 1.2), 0, 1)`, 1.6 about the
//!   industry-average annual PUE of recent operator surveys, 1.2 an efficient new hall;
//! - self-sufficiency (10): `10 × clamp(G / D, 0, 1)`, generation over load of the province of
//!   the site's bus, over the grid model's snapshots (`grid::site::province_balance`);
//! - demand dispersion (±15): +15 outside the capital region (Seoul, Incheon, Gyeonggi by the
//!   site file's `province`), −15 inside.
//!
//! Pass/fail against the 70 points a case needs: the scored points plus the not-modelled items
//! at their least (`lower`) and at their most (`upper`, the stated points; the draft's
//! non-technical bonuses have no stated size and are not counted). `fail` when the voltage gate
//! fails or `upper < 70`; `pass` when `lower >= 70`; else `open` (decided by items the model
//! cannot score). Units: points; figures in the unit each item states.

use serde::{Deserialize, Serialize};

use super::simulate::GridFit;
use crate::model::energy::Annual;
use crate::model::hall::PowerMetrics;
use crate::site::Site;

/// Points a case needs.
pub const PASS_POINTS: f64 = 70.0;

/// Anchors of the efficiency rule: annual PUE scoring nothing, and full points.
pub const PUE_ZERO: f64 = 1.6;
pub const PUE_FULL: f64 = 1.2;

/// Increase of the most loaded branch's loading that scores no overload points, % points.
pub const OVERLOAD_ZERO_PCT_POINTS: f64 = 10.0;

/// Province names (lower case, English or Korean) of the capital region.
pub const CAPITAL_REGION: [&str; 6] = ["seoul", "incheon", "gyeonggi", "서울", "인천", "경기"];

/// One item of the assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub key: String,
    pub label: String,
    /// "gate" (pass/fail), "technical", "non-technical" or "policy".
    pub group: String,
    /// The item's least and most points in the draft (a penalty's most is 0).
    pub min_points: f64,
    pub max_points: f64,
    /// `None`: not modelled (see `not_modelled`), or the pass/fail gate.
    pub points: Option<f64>,
    /// The figure the points come from, in `unit`.
    pub value: Option<f64>,
    pub unit: String,
    /// The figure in words, for a report cell (empty when not modelled).
    pub figure: String,
    /// The scoring rule (assumed) or, for an item not modelled, why.
    pub rule: String,
    pub modelled: bool,
}

/// The assessment of one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridImpact {
    /// Voltage adequacy (the hall's proxy); a failed gate fails the case.
    pub voltage_adequacy_pass: bool,
    pub items: Vec<Item>,
    /// Points of the items scored, and of the not-modelled ones at their least and most.
    pub modelled_points: f64,
    pub lower_points: f64,
    pub upper_points: f64,
    pub pass_points: f64,
    /// "pass", "fail" or "open".
    pub verdict: String,
    pub verdict_reason: String,
    pub basis: String,
    /// Unit of every `*_points` figure here and in the items: "points" of the assessment.
    pub points_unit: String,
}

const BASIS: &str = "Korean grid-impact assessment for new loads of 10 MW and more, draft rules \
    as reported (item points only); every scoring rule is dcplan's assumed mapping";

fn scored(
    key: &str,
    label: &str,
    group: &str,
    range: (f64, f64),
    points: f64,
    value: f64,
    unit: &str,
    rule: &str,
) -> Item {
    Item {
        key: key.into(),
        label: label.into(),
        group: group.into(),
        min_points: range.0,
        max_points: range.1,
        points: Some(points),
        value: Some(value),
        unit: unit.into(),
        figure: format!("{value:.2} {unit}"),
        rule: format!("assumed: {rule}"),
        modelled: true,
    }
}

fn not_modelled(key: &str, label: &str, group: &str, range: (f64, f64), why: &str) -> Item {
    Item {
        key: key.into(),
        label: label.into(),
        group: group.into(),
        min_points: range.0,
        max_points: range.1,
        points: None,
        value: None,
        unit: String::new(),
        figure: String::new(),
        rule: format!("not modelled: {why}"),
        modelled: false,
    }
}

fn linear(x: f64, zero: f64, full: f64, points: f64) -> f64 {
    points * ((x - zero) / (full - zero)).clamp(0.0, 1.0)
}

/// Whether a province name is in the capital region.
pub fn in_capital_region(province: &str) -> bool {
    let p = province.to_lowercase();
    CAPITAL_REGION.iter().any(|c| p.contains(c))
}

/// Points of the grid-margin item: `15 × clamp((H − L) / L, 0, 1)` for headroom `H` and peak
/// load `L` (MW); 0 without a load.
pub fn margin_points(headroom_mw: f64, load_mw: f64) -> f64 {
    if load_mw > 0.0 {
        15.0 * ((headroom_mw - load_mw) / load_mw).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The assessment of a simulated site: its voltage check, energy year and grid fit.
pub fn assess(site: &Site, power: &PowerMetrics, energy: &Annual, grid: &GridFit) -> GridImpact {
    let load = energy.peak_facility_mw;
    let margin = grid.headroom_mw - load;
    let margin_points = margin_points(grid.headroom_mw, load);
    let no_flows = "the site file gives the headroom (power.grid_headroom_mw): no network flows";
    let overload = match &grid.hosting {
        None => not_modelled(
            "overload_increase",
            "overload increase",
            "technical",
            (0.0, 10.0),
            no_flows,
        ),
        Some(h) => {
            let (delta, after) = h
                .overload
                .as_ref()
                .map_or((0.0, 0.0), |o| (o.increase_pct_points, o.loading_after_pct));
            let points = if after > 100.0 && delta > 0.0 {
                0.0
            } else {
                10.0 * (1.0 - delta / OVERLOAD_ZERO_PCT_POINTS).clamp(0.0, 1.0)
            };
            scored(
                "overload_increase",
                "overload increase",
                "technical",
                (0.0, 10.0),
                points,
                delta,
                "% points",
                "10 × clamp(1 − Δ / 10, 0, 1), Δ the loading increase of the most loaded branch the \
                 load moves (worse snapshot, N-1 cases included); 0 when that branch ends above its \
                 rating; 10 when the load moves no branch by the cutoff",
            )
        }
    };
    let self_sufficiency = match &grid.hosting {
        None => not_modelled(
            "self_sufficiency",
            "self-sufficiency",
            "policy",
            (0.0, 10.0),
            no_flows,
        ),
        Some(h) => Item {
            figure: format!(
                "{:.1} % in {}",
                100.0 * h.province.self_sufficiency,
                h.province.province
            ),
            ..scored(
            "self_sufficiency",
            "self-sufficiency",
            "policy",
            (0.0, 10.0),
            10.0 * h.province.self_sufficiency.clamp(0.0, 1.0),
            100.0 * h.province.self_sufficiency,
            "%",
            "10 × clamp(G / D, 0, 1), generation over load of the province of the site's bus over \
             the grid model's snapshots (a proxy for the annual ratio)",
        )
        },
    };
    let capital = in_capital_region(&site.province);
    let items = vec![
        scored(
            "grid_margin",
            "grid margin",
            "technical",
            (0.0, 15.0),
            margin_points,
            margin,
            "MW",
            "15 × clamp((H − L) / L, 0, 1), H the grid headroom, L the campus peak",
        ),
        overload,
        not_modelled(
            "margin_difficulty",
            "difficulty of securing margin",
            "technical",
            (0.0, 20.0),
            "needs KEPCO's reinforcement plans and costs",
        ),
        not_modelled(
            "self_generation",
            "self-generation plan",
            "technical",
            (0.0, 10.0),
            "a fact of the application (the facility file states no on-site generation)",
        ),
        scored(
            "efficiency",
            "efficiency plan",
            "technical",
            (0.0, 5.0),
            linear(energy.pue, PUE_ZERO, PUE_FULL, 5.0),
            energy.pue,
            "PUE",
            "5 × clamp((1.6 − PUE) / (1.6 − 1.2), 0, 1), annual PUE",
        ),
        not_modelled("site_bonus", "bonus for providing a site", "technical", (0.0, 5.0), "an administrative fact"),
        not_modelled(
            "voltage_application_penalty",
            "penalty for a voltage application",
            "technical",
            (-15.0, 0.0),
            "an administrative fact",
        ),
        not_modelled("business_stability", "business stability", "non-technical", (0.0, 5.0), "a fact of the applicant"),
        not_modelled(
            "local_fiscal_contribution",
            "local fiscal contribution",
            "non-technical",
            (0.0, 5.0),
            "a fact of the applicant",
        ),
        not_modelled("value_added", "value added", "non-technical", (0.0, 5.0), "a fact of the applicant"),
        not_modelled("direct_jobs", "direct jobs", "non-technical", (0.0, 5.0), "a fact of the applicant"),
        self_sufficiency,
        not_modelled("policy_fit", "policy fit", "policy", (0.0, 10.0), "a judgement of the assessors"),
        Item {
            figure: format!(
                "{} the capital region ({})",
                if capital { "in" } else { "outside" },
                site.province
            ),
            ..scored(
            "demand_dispersion",
            "demand dispersion",
            "policy",
            (-15.0, 15.0),
            if capital { -15.0 } else { 15.0 },
            if capital { 1.0 } else { 0.0 },
            "1 = capital region",
            "+15 outside the capital region (Seoul, Incheon, Gyeonggi by the site's province), −15 inside",
        )
        },
    ];
    summarise(
        power.within_limit,
        power.worst_drop_pct,
        power.drop_limit_pct,
        items,
    )
}

/// The totals and verdict of scored and not-modelled items behind a voltage gate.
pub fn summarise(
    gate_pass: bool,
    drop_pct: f64,
    limit_pct: f64,
    mut items: Vec<Item>,
) -> GridImpact {
    let modelled: f64 = items.iter().filter_map(|i| i.points).sum();
    let open = items.iter().filter(|i| !i.modelled);
    let lower = modelled + open.clone().map(|i| i.min_points).sum::<f64>();
    let upper = modelled + open.map(|i| i.max_points).sum::<f64>();
    let (verdict, reason) = if !gate_pass {
        ("fail", "voltage adequacy fails".to_string())
    } else if upper < PASS_POINTS {
        (
            "fail",
            format!("at most {upper:.1} points even with every item not modelled at its best"),
        )
    } else if lower >= PASS_POINTS {
        (
            "pass",
            format!("at least {lower:.1} points even with every item not modelled at its worst"),
        )
    } else {
        (
            "open",
            format!(
                "{lower:.1} to {upper:.1} points: needs {:.1} more from items not modelled",
                PASS_POINTS - modelled
            ),
        )
    };
    items.insert(
        0,
        Item {
            key: "voltage_adequacy".into(),
            label: "voltage adequacy".into(),
            group: "gate".into(),
            min_points: 0.0,
            max_points: 0.0,
            points: None,
            value: Some(drop_pct),
            unit: "%".into(),
            figure: format!(
                "{} (worst drop {drop_pct:.2} %)",
                if gate_pass { "pass" } else { "fail" }
            ),
            rule: format!(
                "assumed proxy: pass when the hall's worst busway voltage drop is within its {limit_pct} % \
                 limit (the assessment means grid bus voltages, which the DC grid model has not)"
            ),
            modelled: true,
        },
    );
    GridImpact {
        voltage_adequacy_pass: gate_pass,
        items,
        modelled_points: modelled,
        lower_points: lower,
        upper_points: upper,
        pass_points: PASS_POINTS,
        verdict: verdict.into(),
        verdict_reason: reason,
        basis: BASIS.into(),
        points_unit: "points".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(points: Option<f64>, range: (f64, f64)) -> Item {
        match points {
            Some(p) => scored("k", "k", "technical", range, p, 0.0, "", "r"),
            None => not_modelled("k", "k", "technical", range, "w"),
        }
    }

    #[test]
    fn verdicts_follow_the_bounds() {
        // 60 scored, one open item worth 0..20: 60..80 is open
        let v = summarise(
            true,
            1.0,
            2.0,
            vec![item(Some(60.0), (0.0, 60.0)), item(None, (0.0, 20.0))],
        );
        assert_eq!(v.verdict, "open");
        assert!((v.lower_points - 60.0).abs() < 1e-12 && (v.upper_points - 80.0).abs() < 1e-12);
        // 75 scored, a penalty of up to −5 open: at least 70
        let v = summarise(
            true,
            1.0,
            2.0,
            vec![item(Some(75.0), (0.0, 80.0)), item(None, (-5.0, 0.0))],
        );
        assert_eq!(v.verdict, "pass");
        // 40 scored, 20 open: at most 60
        let v = summarise(
            true,
            1.0,
            2.0,
            vec![item(Some(40.0), (0.0, 40.0)), item(None, (0.0, 20.0))],
        );
        assert_eq!(v.verdict, "fail");
        // the gate fails a case whatever its points
        let v = summarise(false, 3.0, 2.0, vec![item(Some(100.0), (0.0, 100.0))]);
        assert_eq!(v.verdict, "fail");
        assert_eq!(v.items[0].key, "voltage_adequacy");
    }

    #[test]
    fn capital_region_by_name() {
        assert!(in_capital_region("Gyeonggi-do"));
        assert!(in_capital_region("서울특별시"));
        assert!(!in_capital_region("Gyeongsangbuk-do"));
    }
}
