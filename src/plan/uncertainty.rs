//! How sure a ranking is (`rank --uncertainty N`): the uncertain figures of the site and
//! facility files (their `ranges`, or the default range of an assumed figure's kind, see
//! `site::ranges`) and the weights are drawn together by seeded Monte Carlo, every site is
//! re-evaluated cheaply from its simulation, and the report says how often each site ranks
//! first, in the top K and at every rank — under the weights alone, the inputs alone and both —
//! with the Monte Carlo standard error; which single assumption can reverse the leading pairs
//! (a tornado per pair); and which assumption is worth measuring first (expected value of
//! perfect information, by decile binning).
//!
//! Re-evaluation, per figure (the [`Treatment`] in the report):
//! - `direct`: the figure is a criterion or enters one linearly, so the re-evaluation is exact:
//!   hazard scores (their mean is the hazard criterion), distance to Seoul, tariff (energy
//!   cost ∝ tariff), grid carbon factor (carbon ∝ factor), grid headroom (margin = headroom −
//!   peak; the IT the grid carries ∝ headroom) — the site file's override, or, when no grid
//!   file gives a range, the computed hosting capacity of the national model as an input of
//!   dcplan's own with the default range ±[`COMPUTED_HOSTING_SPREAD`];
//! - `replaced`: the campus is placed again on the drawn land with the drawn campus
//!   allowances, and the energy totals and the peak scale with the halls placed. This is exact:
//!   the halls are identical and the plant is sized per hall, so the simulation itself scales
//!   its one-hall year by the hall count; PUE, WUE and the thermal hours do not change;
//! - `screened`: a figure of the grid model (a snapshot's national load, must-run share or
//!   tier availability; a line type's or transformer type's rating; the emergency factor): the
//!   snapshots are dispatched again and every computed site's bus screened again for its N-1
//!   hosting capacity, which becomes the site's grid headroom in that draw (`grid::draws`: the
//!   same minimum as a full screen, from the nominal PTDF and outage factors). These replace the
//!   default ±20 % on the computed hosting capacity;
//! - `no effect`: no criterion depends on the figure (the substation distance);
//! - `nominal`: held at its file value, because it would need a new simulation (climate
//!   series, coordinates, the facility's hall and plant design, the connection voltage, which
//!   picks a bus) or a new PTDF (the line-type table's reactances). Listed in the report with
//!   the assumed figures that have no range.
//!
//! Feasibility is judged again in every draw (a hall must fit the land and the grid), and the
//! criteria are min-max normalised over the sites feasible in that draw, as in the nominal
//! ranking.
//!
//! Correlation: each figure is drawn once per draw, and everything it describes moves with it.
//! A grid figure is national: every site whose headroom the model computes sees the same drawn
//! load, dispatch and ratings, so their hosting capacities move together (one dispatch per
//! snapshot, one rating per line or transformer type, one emergency factor); a facility figure
//! moves every site. Different figures are independent: of different sites, of the site and the
//! grid, and the same figure in two snapshot files (the summer peak's load and the light-load
//! hour's).
//!
//! Determinism: every stream is ChaCha8 seeded from the seed through splitmix64 (one stream per
//! mode, one for the noise reference), figures are drawn in a fixed order (sites in input order,
//! then the facility, each in its format's field order, then the grid's snapshot files by name
//! and the line-type table, each by JSON path), and nothing depends on threads or time.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::criteria::{infeasibility, values, SPECS};
use super::evaluate::Evaluated;
use crate::grid::draws::GridDraws;
use crate::grid::params::LineTypes;
use crate::grid::HostingMap;
use crate::layout::campus::{place, CampusRules};
use crate::rank::{rank_order, weighted_sum, Matrix, RankError, WeightSampler, Weights};
use crate::site::ranges::{
    facility_range_rule as facility_rule, facility_ranged, site_range_rule as site_rule,
    site_ranged, unranged_assumed, Dist, Range, Ranged,
};
use crate::site::Facility;
use std::path::Path;

use super::error::PlanError;
use super::impact::margin_points;

/// The sites whose headroom the grid model computes, and the grid's drawn figures at their buses.
fn grid_inputs(
    evaluated: &[Evaluated],
    (map, line_types): GridModel<'_>,
) -> Result<Option<GridInputs>, PlanError> {
    let ranged = map
        .snapshots
        .iter()
        .any(|s| !s.snapshot.rules.ranges.is_empty())
        || line_types.is_some_and(|(_, t)| !t.ranges.is_empty());
    if !ranged {
        return Ok(None);
    }
    let mut buses = Vec::new();
    let mut slot = Vec::new();
    for e in evaluated {
        let bus = e
            .run
            .metrics
            .grid_fit
            .hosting
            .as_ref()
            .and_then(|h| map.network.bus_index(&h.bus));
        slot.push(bus.map(|b| {
            buses.push(b);
            buses.len() - 1
        }));
    }
    let draws = GridDraws::new(map, line_types, &buses)?;
    if draws.figures().is_empty() && draws.held().is_empty() {
        return Ok(None);
    }
    Ok(Some(GridInputs { draws, slot }))
}

/// How a figure's draws reach the criteria (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    Direct,
    Replaced,
    /// A grid-model figure: the snapshots dispatched again and the sites' buses screened again
    /// (`grid::draws`).
    Screened,
    NoEffect,
    Nominal,
}

/// Which number of the cheap re-evaluation a figure sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lever {
    Seismic,
    Flood,
    Typhoon,
    Distance,
    Tariff,
    Carbon,
    Headroom,
    LandWidth,
    LandDepth,
    HallGap,
    Yard,
    Substation,
    Setback,
    /// Figure `j` of the grid model's drawn figures (`grid::draws::GridDraws::figures`).
    Grid(usize),
}

/// One uncertain figure.
#[derive(Debug, Clone)]
pub struct Input {
    /// Index of its site among the bases; `None`: the facility's (it moves every site).
    pub site: Option<usize>,
    pub path: String,
    pub nominal: f64,
    pub range: Range,
    /// `None`: the file's range; else the kind whose default range it uses.
    pub default_kind: Option<&'static str>,
    pub lever: Option<Lever>,
    pub treatment: Treatment,
}

fn site_lever(path: &str) -> (Option<Lever>, Treatment) {
    use Lever::*;
    let lever = match path {
        "hazards.seismic" => Seismic,
        "hazards.flood" => Flood,
        "hazards.typhoon" => Typhoon,
        "distance_to_seoul_km" => Distance,
        "power.tariff_krw_per_kwh" => Tariff,
        "power.grid_carbon_kg_per_kwh" => Carbon,
        "power.grid_headroom_mw" => Headroom,
        "land.usable_width_m" => return (Some(LandWidth), Treatment::Replaced),
        "land.usable_depth_m" => return (Some(LandDepth), Treatment::Replaced),
        "power.substation_distance_km" => return (None, Treatment::NoEffect),
        _ => return (None, Treatment::Nominal),
    };
    (Some(lever), Treatment::Direct)
}

fn facility_lever(path: &str) -> (Option<Lever>, Treatment) {
    let lever = match path {
        "campus.hall_gap_m" => Lever::HallGap,
        "campus.yard_m2_per_mw" => Lever::Yard,
        "campus.substation_m2" => Lever::Substation,
        "campus.setback_m" => Lever::Setback,
        _ => return (None, Treatment::Nominal),
    };
    (Some(lever), Treatment::Replaced)
}

/// A site reduced to what its criteria depend on: the figures that may be drawn and the
/// per-hall results of its simulation that do not change with them.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteBase {
    pub id: String,
    pub hazards: [f64; 3],
    pub distance_km: f64,
    pub tariff: f64,
    pub carbon: f64,
    pub headroom_mw: f64,
    pub land_m: [f64; 2],
    /// Facility energy per IT energy that the tariff and the grid's carbon factor apply to
    /// (energy cost per IT kWh per unit tariff; carbon per IT kWh per unit factor).
    pub billed_per_it_kwh: f64,
    pub peak_mw_per_hall: f64,
    pub pue: f64,
    pub wue: f64,
    pub thermal_hours: f64,
    pub voltage_drop_pct: f64,
    pub voltage_ok: bool,
    pub a1_utilisation_limit: f64,
}

impl SiteBase {
    pub fn from_evaluated(e: &Evaluated) -> SiteBase {
        let (site, m) = (&e.input.site, &e.run.metrics);
        let en = &m.energy;
        // the simulation counts one hall when none is placed (see `simulate`)
        let halls = m.campus.halls_placed.max(1) as f64;
        SiteBase {
            id: site.id.clone(),
            hazards: [
                site.hazards.seismic,
                site.hazards.flood,
                site.hazards.typhoon,
            ],
            distance_km: site.distance_to_seoul_km,
            tariff: site.power.tariff_krw_per_kwh,
            carbon: site.power.grid_carbon_kg_per_kwh,
            headroom_mw: m.grid_fit.headroom_mw,
            land_m: [site.land.usable_width_m, site.land.usable_depth_m],
            billed_per_it_kwh: super::criteria::energy_cost_krw_per_it_kwh(en)
                / en.tariff_krw_per_kwh.max(f64::MIN_POSITIVE),
            peak_mw_per_hall: en.peak_facility_mw / halls,
            pue: en.pue,
            wue: en.wue_l_per_kwh,
            thermal_hours: m.hourly_thermal.worst_rack_hours_outside_recommended as f64,
            voltage_drop_pct: m.power.worst_drop_pct,
            voltage_ok: m.power.within_limit,
            a1_utilisation_limit: m.hourly_thermal.a1_utilisation_limit,
        }
    }

    /// Peak facility demand (MW) of the campus that `rules` place on `s`'s land.
    pub fn peak_mw(&self, s: &SiteBase, rules: &CampusRules) -> f64 {
        let campus = place(rules, s.land_m[0], s.land_m[1]);
        self.peak_mw_per_hall * campus.halls_placed.max(1) as f64
    }

    /// The criteria values (rounded like [`values`]) with the figures in `s` and the campus
    /// `rules`; `None` when the site cannot host one hall (as [`infeasibility`] judges).
    pub fn values(&self, s: &SiteBase, rules: &CampusRules) -> Option<Vec<f64>> {
        let campus = place(rules, s.land_m[0], s.land_m[1]);
        let halls = campus.halls_placed.max(1) as f64;
        let land_it = campus.it_mw_placed;
        let peak = self.peak_mw_per_hall * halls;
        let per_it = if land_it > 0.0 {
            peak / land_it
        } else {
            f64::INFINITY
        };
        let grid_it = (s.headroom_mw / per_it).max(0.0);
        let thermal_it = land_it * self.a1_utilisation_limit;
        let it = land_it.min(grid_it).min(thermal_it);
        let hall_mw = rules.hall_it_mw;
        if land_it + 1e-9 < hall_mw || grid_it + 1e-9 < hall_mw || !self.voltage_ok {
            return None;
        }
        let raw = [
            s.headroom_mw - peak,
            it,
            self.voltage_drop_pct,
            self.pue,
            self.billed_per_it_kwh * s.tariff,
            self.billed_per_it_kwh * s.carbon * 1000.0,
            self.thermal_hours,
            self.wue,
            (s.hazards[0] + s.hazards[1] + s.hazards[2]) / 3.0,
            s.distance_km,
        ];
        Some(
            raw.iter()
                .zip(&SPECS)
                .map(|(v, spec)| (v / spec.resolution).round() * spec.resolution)
                .collect(),
        )
    }
}

fn set(lever: Lever, x: f64, s: Option<&mut SiteBase>, rules: &mut CampusRules) {
    match (lever, s) {
        (Lever::HallGap, _) => rules.hall_gap_m = x,
        (Lever::Yard, _) => rules.yard_m2_per_mw = x,
        (Lever::Substation, _) => rules.substation_m2 = x,
        (Lever::Setback, _) => rules.setback_m = x,
        (_, None) | (Lever::Grid(_), _) => {}
        (Lever::Seismic, Some(s)) => s.hazards[0] = x,
        (Lever::Flood, Some(s)) => s.hazards[1] = x,
        (Lever::Typhoon, Some(s)) => s.hazards[2] = x,
        (Lever::Distance, Some(s)) => s.distance_km = x,
        (Lever::Tariff, Some(s)) => s.tariff = x,
        (Lever::Carbon, Some(s)) => s.carbon = x,
        (Lever::Headroom, Some(s)) => s.headroom_mw = x,
        (Lever::LandWidth, Some(s)) => s.land_m[0] = x,
        (Lever::LandDepth, Some(s)) => s.land_m[1] = x,
    }
}

/// What the analysis is given.
pub struct Problem {
    pub bases: Vec<SiteBase>,
    pub rules: CampusRules,
    pub inputs: Vec<Input>,
    /// Assumed figures held at their file value: (`site_id: path` or `facility: path`, why).
    pub held: Vec<(String, String)>,
    /// The grid model's drawn figures, when a grid file gives ranges.
    pub grid: Option<GridInputs>,
}

/// The grid model's figures in the analysis and the sites they move.
pub struct GridInputs {
    pub draws: GridDraws,
    /// Per base: the slot of its bus among the buses of `draws` (`None`: its headroom is the
    /// site file's override, which the grid figures do not move).
    pub slot: Vec<Option<usize>>,
}

/// The national grid model a ranking used: its hosting map and, if found, the line-type table.
pub type GridModel<'a> = (&'a HostingMap, Option<(&'a Path, &'a LineTypes)>);

/// Default range of the computed hosting capacity (not a file figure: it rests on assumed line
/// ratings and dispatch), relative; used only when no grid file gives a range.
pub const COMPUTED_HOSTING_SPREAD: f64 = 0.20;

impl Problem {
    /// The bases, figures and held figures of simulated sites. Fails (an internal error) if the
    /// re-evaluation at the file values does not reproduce a simulated site's feasibility and
    /// criteria (to one step of each criterion's resolution: the same sums in another order).
    /// With `grid`, the ranged figures of its snapshot files and line-type table are drawn
    /// through a new dispatch and screen of the sites' buses (`grid::draws`), and replace the
    /// default range of the computed hosting capacity.
    pub fn from_evaluated(
        evaluated: &[Evaluated],
        facility: &Facility,
        grid: Option<GridModel<'_>>,
    ) -> Result<Problem, PlanError> {
        let rules = super::simulate::campus_rules(facility);
        let grid = match grid {
            Some(g) => grid_inputs(evaluated, g)?,
            None => None,
        };
        let grid_drawn = grid.as_ref().is_some_and(|g| !g.draws.figures().is_empty());
        let mut bases = Vec::new();
        let mut inputs = Vec::new();
        let mut held = Vec::new();
        for (i, e) in evaluated.iter().enumerate() {
            let site = &e.input.site;
            let base = SiteBase::from_evaluated(e);
            let reasons = infeasibility(facility, &e.run.metrics);
            let simulated = reasons.is_empty().then(|| values(site, &e.run.metrics));
            // the same sums in another order may land a rounded value one step apart
            let cheap = base.values(&base, &rules);
            let agree = match (&cheap, &simulated) {
                (Some(x), Some(y)) => x
                    .iter()
                    .zip(y)
                    .zip(&SPECS)
                    .all(|((x, y), spec)| (x - y).abs() <= spec.resolution * (1.0 + 1e-9)),
                (None, None) => true,
                _ => false,
            };
            if !agree {
                return Err(PlanError::Internal(format!(
                    "{}: the re-evaluation at the file values gives {:?}, the simulation {:?}",
                    site.id,
                    base.values(&base, &rules),
                    simulated
                )));
            }
            let ranged = site_ranged(site);
            for r in &ranged {
                let (lever, treatment) = site_lever(&r.path);
                inputs.push(input(Some(i), r, lever, treatment));
                if treatment == Treatment::Nominal {
                    held.push((
                        format!("{}: {}", site.id, r.path),
                        "ranged, but held at its file value: it needs a new simulation".into(),
                    ));
                }
            }
            if e.run.metrics.grid_fit.source == "computed" && !grid_drawn {
                let h = base.headroom_mw;
                inputs.push(Input {
                    site: Some(i),
                    path: "grid.hosting_mw (computed)".into(),
                    nominal: h,
                    range: Range {
                        low: (h * (1.0 - COMPUTED_HOSTING_SPREAD)).max(0.0),
                        high: h * (1.0 + COMPUTED_HOSTING_SPREAD),
                        dist: Dist::Uniform,
                    },
                    default_kind: Some("computed hosting capacity (assumed ratings, dispatch)"),
                    lever: Some(Lever::Headroom),
                    treatment: Treatment::Direct,
                });
            }
            for path in unranged_assumed(&site.assumed, &ranged) {
                held.push((
                    format!("{}: {path}", site.id),
                    "assumed, no range of its kind: held at its file value".into(),
                ));
            }
            bases.push(base);
        }
        let ranged = facility_ranged(facility);
        for r in &ranged {
            let (lever, treatment) = facility_lever(&r.path);
            inputs.push(input(None, r, lever, treatment));
            if treatment == Treatment::Nominal {
                held.push((
                    format!("facility: {}", r.path),
                    "ranged, but held at its file value: it needs a new simulation".into(),
                ));
            }
        }
        for path in unranged_assumed(&facility.assumed, &ranged) {
            held.push((
                format!("facility: {path}"),
                "assumed, no range of its kind: held at its file value".into(),
            ));
        }
        if let Some(g) = &grid {
            for (j, f) in g.draws.figures().iter().enumerate() {
                inputs.push(Input {
                    site: None,
                    path: f.name(),
                    nominal: f.nominal,
                    range: f.range,
                    default_kind: None,
                    lever: Some(Lever::Grid(j)),
                    treatment: Treatment::Screened,
                });
            }
            for h in g.draws.held() {
                held.push((format!("grid: {} {}", h.file, h.path), h.why.into()));
            }
        }
        Ok(Problem {
            bases,
            rules,
            inputs,
            held,
            grid,
        })
    }

    /// Criteria values of every site with figure `j` of `inputs` at `x[j]` (`None`: nominal).
    fn evaluate(&self, x: &[Option<f64>]) -> Vec<Option<Vec<f64>>> {
        let (values, _, _) = self.evaluate_states(x);
        values
    }

    /// As [`Self::evaluate`], with the drawn state of every site and the drawn campus rules.
    fn evaluate_states(
        &self,
        x: &[Option<f64>],
    ) -> (Vec<Option<Vec<f64>>>, Vec<SiteBase>, CampusRules) {
        let mut states = self.bases.clone();
        let mut rules = self.rules;
        let mut grid_values: Option<Vec<f64>> = None;
        for (input, x) in self.inputs.iter().zip(x) {
            match (input.lever, x, &self.grid) {
                (Some(Lever::Grid(j)), Some(x), Some(g)) => {
                    grid_values.get_or_insert_with(|| g.draws.nominal())[j] = *x;
                }
                (Some(lever), Some(x), _) => {
                    set(lever, *x, input.site.map(|i| &mut states[i]), &mut rules);
                }
                _ => {}
            }
        }
        // every site sees the same drawn grid: one dispatch per snapshot, every bus screened
        if let (Some(g), Some(v)) = (&self.grid, &grid_values) {
            let hosting = g.draws.hosting_mw(v);
            for (state, slot) in states.iter_mut().zip(&g.slot) {
                if let Some(k) = slot {
                    state.headroom_mw = hosting[*k];
                }
            }
        }
        let values = self
            .bases
            .iter()
            .zip(&states)
            .map(|(b, s)| b.values(s, &rules))
            .collect();
        (values, states, rules)
    }

    fn ids(&self) -> Vec<String> {
        self.bases.iter().map(|b| b.id.clone()).collect()
    }
}

fn input(site: Option<usize>, r: &Ranged, lever: Option<Lever>, treatment: Treatment) -> Input {
    Input {
        site,
        path: r.path.clone(),
        nominal: r.nominal,
        range: r.range,
        default_kind: r.default_kind,
        lever,
        treatment,
    }
}

/// Scores and ranks of one scenario, per site.
type Scenario = (Vec<f64>, Vec<Option<usize>>);

/// Scores (0 for a site infeasible in this scenario) and 1-based ranks of one scenario.
fn score(values: &[Option<Vec<f64>>], ids: &[String], w: &[f64]) -> Scenario {
    let feasible: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
    let mut scores = vec![0.0; values.len()];
    let mut ranks = vec![None; values.len()];
    if feasible.is_empty() {
        return (scores, ranks);
    }
    let m = Matrix {
        criteria: super::criteria::criteria(),
        alternatives: feasible.iter().map(|&i| ids[i].clone()).collect(),
        values: feasible.iter().filter_map(|&i| values[i].clone()).collect(),
    };
    let weights = match Weights::new(w.to_vec(), &m.criteria) {
        Ok(w) => w,
        Err(_) => return (scores, ranks),
    };
    let s = weighted_sum(&m, &weights);
    for (k, &i) in feasible.iter().enumerate() {
        scores[i] = s.scores[k];
    }
    for (pos, k) in rank_order(&s.scores, &m.alternatives)
        .into_iter()
        .enumerate()
    {
        ranks[feasible[k]] = Some(pos + 1);
    }
    (scores, ranks)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Settings of the analysis.
#[derive(Debug, Clone)]
pub struct Settings {
    pub draws: usize,
    pub seed: u64,
    pub top_k: usize,
    pub radius: f64,
    pub weights: Weights,
}

/// One site under one mode.
#[derive(Debug, Clone, Serialize)]
pub struct SiteOdds {
    pub site_id: String,
    pub p_first: f64,
    /// Probabilities are fractions of draws (0-1). Monte Carlo standard error of `p_first`,
    /// sqrt(p (1 - p) / draws).
    pub p_first_se: f64,
    pub p_top_k: f64,
    pub p_top_k_se: f64,
    /// Fraction of draws in which the site can host one hall.
    pub p_feasible: f64,
    /// `rank_distribution[r]`: fraction of draws at rank r + 1 (infeasible draws in none).
    pub rank_distribution: Vec<f64>,
    pub mean_rank: Option<f64>,
}

/// The odds under one mode of drawing.
#[derive(Debug, Clone, Serialize)]
pub struct Mode {
    /// "weights" (inputs at their file values), "inputs" (the chosen weights) or "joint".
    pub mode: &'static str,
    pub draws: usize,
    pub sites: Vec<SiteOdds>,
}

/// One bar of a tornado: the score difference (first − second of the pair, score points
/// 0–1) with the figure at its low and at its high end, everything else at its file value.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub input: String,
    /// Unit of `low` and `high` (empty: a dimensionless score, share or factor).
    pub unit: String,
    pub low: f64,
    pub high: f64,
    /// `None`: one of the pair cannot host a hall there.
    pub difference_at_low: Option<f64>,
    pub difference_at_high: Option<f64>,
    /// Largest move of the difference from its nominal value (a site that becomes infeasible
    /// counts as the whole nominal difference and more: listed first).
    pub swing: f64,
    /// At one end the second site ranks above the first, or the first cannot host a hall.
    pub reverses: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tornado {
    pub first: String,
    pub second: String,
    /// Nominal score difference, score points.
    pub difference: f64,
    /// Figures that move the difference, largest swing first.
    pub bars: Vec<Bar>,
    /// Ranged figures that do not move it (held at nominal, no effect, or another site's
    /// figure that leaves the normalisation as it is).
    pub unmoved: usize,
}

/// Expected value of perfect information about one figure.
#[derive(Debug, Clone, Serialize)]
pub struct Evpi {
    pub input: String,
    /// Unit: score points (0–1 scale of the weighted sum): how much better the chosen site's
    /// score is, on average, if the figure were known before choosing.
    pub evpi: f64,
    /// Whether it stands above the noise reference (the same estimate for a draw that moves
    /// nothing).
    pub above_noise: bool,
}

/// One ranged figure, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub input: String,
    /// Unit of the value and its range (empty: a dimensionless score or fraction).
    pub unit: String,
    pub nominal: f64,
    pub low: f64,
    pub high: f64,
    pub dist: &'static str,
    /// "file" or "default: <kind>".
    pub range_from: String,
    pub treatment: Treatment,
}

/// The uncertainty section of ranking.json.
#[derive(Debug, Clone, Serialize)]
pub struct Uncertainty {
    pub draws: usize,
    pub seed: u64,
    pub top_k: usize,
    /// Weights drawn as in the stability analysis, with this radius.
    pub radius: f64,
    pub method: &'static str,
    pub inputs: Vec<InputInfo>,
    /// Assumed figures held at their file values, and why.
    pub held_at_nominal: Vec<HeldFigure>,
    /// With drawn grid figures: each computed site's grid headroom over the inputs-alone draws,
    /// and the grid-impact assessment's grid-margin item that follows it (nominal order).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grid_headroom: Vec<GridHeadroom>,
    pub modes: Vec<Mode>,
    pub tornadoes: Vec<Tornado>,
    /// Figures that alone, at one end of their range, reverse the leading pair.
    pub can_reverse_top_pair: Vec<String>,
    /// Per figure, largest first (score points).
    pub value_of_information: Vec<Evpi>,
    /// The decile-binning estimate for a draw that moves nothing: its bias at this draw count.
    pub evpi_noise_reference: f64,
    /// Knowing every ranged figure (weights as chosen): E[max score] − max E[score].
    pub evpi_everything: f64,
    pub evpi_method: &'static str,
}

/// One site's grid headroom under the drawn grid figures (inputs alone).
#[derive(Debug, Clone, Serialize)]
pub struct GridHeadroom {
    pub site_id: String,
    /// Hosting capacity of its bus at the file values, MW.
    pub nominal_mw: f64,
    /// 5th, 50th and 95th percentiles over the draws (nearest rank), MW.
    pub p05_mw: f64,
    pub p50_mw: f64,
    pub p95_mw: f64,
    /// Grid-margin points (0–15, `plan::impact::margin_points`) at the file values and their
    /// mean over the draws.
    pub margin_points_nominal: f64,
    pub margin_points_mean: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeldFigure {
    pub input: String,
    pub why: String,
}

const METHOD: &str =
    "each draw sets every ranged figure by its distribution (each figure once, shared by all it \
    describes; different figures independent) and/or \
    the weights ((1 - radius) w + radius s, s uniform on the simplex); sites are re-evaluated \
    from their simulation: hazards, distance, tariff, carbon factor and grid headroom enter the \
    criteria directly; land and campus allowances place the campus again and scale energy, \
    carbon and peak by the halls placed (exact: identical halls, plant sized per hall); the grid \
    model's figures (snapshot load, must-run shares, availabilities, line and transformer \
    ratings, emergency factor) dispatch the snapshots again and screen every computed site's \
    bus again for its N-1 hosting capacity, which is the site's grid headroom in that draw; \
    figures needing a new simulation or a new PTDF are held at their file values \
    (held_at_nominal); feasibility is judged again and the criteria normalised over the sites \
    feasible in each draw";

const EVPI_METHOD: &str = "partial EVPI by decile binning on the inputs-alone draws (weights as \
    chosen): sum over the \
    figure's deciles of (share of draws) x max over sites of the mean score in the decile, minus \
    max over sites of the overall mean score; a site infeasible in a draw scores 0. The estimate \
    is biased upward by Monte Carlo noise; evpi_noise_reference is the same estimate for a draw \
    that moves nothing";

fn name(p: &Problem, input: &Input) -> String {
    match (input.site, input.lever) {
        (Some(i), _) => format!("{}: {}", p.bases[i].id, input.path),
        (None, Some(Lever::Grid(_))) => format!("grid: {}", input.path),
        (None, _) => format!("facility: {}", input.path),
    }
}

/// Runs the analysis; `progress` hears (draws done, draws in all).
pub fn analyse(
    p: &Problem,
    s: &Settings,
    progress: &dyn Fn(usize, usize),
) -> Result<Uncertainty, RankError> {
    if s.draws == 0 {
        return Err(RankError::NoDraws);
    }
    if s.top_k == 0 {
        return Err(RankError::BadTopK);
    }
    let n = p.bases.len();
    let m = p.inputs.len();
    let ids = p.ids();
    let nominal_w = s.weights.as_slice().to_vec();
    // the nominal order, best first, as the ranking gives it
    let nominal = score(&p.evaluate(&vec![None; m]), &ids, &nominal_w);
    let mut order: Vec<usize> = (0..n).filter(|&i| nominal.1[i].is_some()).collect();
    order.sort_by_key(|&i| nominal.1[i]);
    let order = &order[..];
    let total = 3 * s.draws;
    let mut modes = Vec::new();
    let mut voi_scores: Vec<f64> = Vec::new();
    let mut voi_p: Vec<f64> = Vec::new();
    // the grid headroom of every site in the inputs-alone draws, and its grid-margin points
    let mut headroom: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut points = vec![0.0; n];
    for (k, mode) in ["weights", "inputs", "joint"].into_iter().enumerate() {
        let seed = splitmix(s.seed ^ splitmix(k as u64 + 1));
        let mut sampler = WeightSampler::new(&s.weights, s.radius, splitmix(seed))?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (draw_w, draw_x) = (mode != "inputs", mode != "weights");
        let mut w = nominal_w.clone();
        let mut x: Vec<Option<f64>> = vec![None; m];
        let mut first = vec![0usize; n];
        let mut top = vec![0usize; n];
        let mut at = vec![vec![0usize; n]; n];
        for d in 0..s.draws {
            if draw_w {
                sampler.draw_into(&mut w);
            }
            if draw_x {
                for (j, input) in p.inputs.iter().enumerate() {
                    let u: f64 = rng.random();
                    x[j] = Some(input.range.quantile(u, input.nominal));
                    if mode == "inputs" {
                        voi_p.push(u);
                    }
                }
            }
            let (values, states, rules) = p.evaluate_states(&x);
            if mode == "inputs" && p.grid.is_some() {
                for (i, (b, st)) in p.bases.iter().zip(&states).enumerate() {
                    headroom[i].push(st.headroom_mw);
                    points[i] += margin_points(st.headroom_mw, b.peak_mw(st, &rules));
                }
            }
            let (scores, ranks) = score(&values, &ids, &w);
            for (i, r) in ranks.iter().enumerate() {
                if let Some(r) = *r {
                    at[i][r - 1] += 1;
                    first[i] += usize::from(r == 1);
                    top[i] += usize::from(r <= s.top_k);
                }
            }
            if mode == "inputs" {
                voi_scores.extend_from_slice(&scores);
            }
            if d % 64 == 63 || d + 1 == s.draws {
                progress(k * s.draws + d + 1, total);
            }
        }
        let frac = |c: usize| c as f64 / s.draws as f64;
        let se = |p: f64| (p * (1.0 - p) / s.draws as f64).sqrt();
        let sites = order_all(order, n)
            .into_iter()
            .map(|i| {
                let feasible: usize = at[i].iter().sum();
                let mean = (feasible > 0).then(|| {
                    at[i]
                        .iter()
                        .enumerate()
                        .map(|(r, &c)| (r + 1) as f64 * c as f64)
                        .sum::<f64>()
                        / feasible as f64
                });
                SiteOdds {
                    site_id: ids[i].clone(),
                    p_first: frac(first[i]),
                    p_first_se: se(frac(first[i])),
                    p_top_k: frac(top[i]),
                    p_top_k_se: se(frac(top[i])),
                    p_feasible: frac(feasible),
                    rank_distribution: at[i].iter().map(|&c| frac(c)).collect(),
                    mean_rank: mean,
                }
            })
            .collect();
        modes.push(Mode {
            mode,
            draws: s.draws,
            sites,
        });
    }

    // tornadoes: every figure at its low and its high end, the rest nominal
    let ends: Vec<[Scenario; 2]> = (0..m)
        .map(|j| {
            let at = |v: f64| {
                let mut x = vec![None; m];
                x[j] = Some(v);
                score(&p.evaluate(&x), &ids, &nominal_w)
            };
            [at(p.inputs[j].range.low), at(p.inputs[j].range.high)]
        })
        .collect();
    // the consecutive pairs within the top K (at least the leading pair)
    let pairs = if order.len() >= 2 {
        s.top_k.clamp(2, order.len()) - 1
    } else {
        0
    };
    let mut tornadoes = Vec::new();
    for r in 0..pairs {
        let (a, b) = (order[r], order[r + 1]);
        let d0 = nominal.0[a] - nominal.0[b];
        let mut bars = Vec::new();
        let mut unmoved = 0;
        for (j, input) in p.inputs.iter().enumerate() {
            let diff = |e: &Scenario| match (e.1[a], e.1[b]) {
                (Some(_), Some(_)) => Some(e.0[a] - e.0[b]),
                _ => None,
            };
            let reverses_at = |e: &Scenario| match (e.1[a], e.1[b]) {
                (Some(ra), Some(rb)) => rb < ra,
                (None, _) => true,
                _ => false,
            };
            let (lo, hi) = (diff(&ends[j][0]), diff(&ends[j][1]));
            let swing = [lo, hi]
                .iter()
                .map(|d| d.map_or(f64::INFINITY, |d| (d - d0).abs()))
                .fold(0.0, f64::max);
            if swing <= 1e-12 {
                unmoved += 1;
                continue;
            }
            bars.push(Bar {
                input: name(p, input),
                unit: unit(p, input),
                low: input.range.low,
                high: input.range.high,
                difference_at_low: lo,
                difference_at_high: hi,
                swing: if swing.is_finite() { swing } else { d0.abs() },
                reverses: reverses_at(&ends[j][0]) || reverses_at(&ends[j][1]),
            });
        }
        // infeasible ends first, then by swing; ties by name
        bars.sort_by(|x, y| {
            let inf = |b: &Bar| b.difference_at_low.is_none() || b.difference_at_high.is_none();
            inf(y)
                .cmp(&inf(x))
                .then(y.swing.total_cmp(&x.swing))
                .then(x.input.cmp(&y.input))
        });
        tornadoes.push(Tornado {
            first: ids[a].clone(),
            second: ids[b].clone(),
            difference: d0,
            bars,
            unmoved,
        });
    }
    let can_reverse_top_pair = tornadoes
        .first()
        .map(|t| {
            t.bars
                .iter()
                .filter(|b| b.reverses)
                .map(|b| b.input.clone())
                .collect()
        })
        .unwrap_or_default();

    // value of information, on the inputs-alone draws: the weights are the planner's
    // choice, not something to measure
    let draws = s.draws;
    let score_of = |d: usize, i: usize| voi_scores[d * n + i];
    let best_mean = |idx: &[usize]| -> f64 {
        (0..n)
            .map(|i| idx.iter().map(|&d| score_of(d, i)).sum::<f64>() / idx.len() as f64)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let all: Vec<usize> = (0..draws).collect();
    let base = if n > 0 { best_mean(&all) } else { 0.0 };
    let binned = |u: &dyn Fn(usize) -> f64| -> f64 {
        let mut bins: Vec<Vec<usize>> = vec![Vec::new(); 10];
        for d in 0..draws {
            bins[((u(d) * 10.0) as usize).min(9)].push(d);
        }
        bins.iter()
            .filter(|b| !b.is_empty())
            .map(|b| b.len() as f64 / draws as f64 * best_mean(b))
            .sum::<f64>()
            - base
    };
    let mut noise_rng = ChaCha8Rng::seed_from_u64(splitmix(s.seed ^ 0x006e_6f69_7365));
    let noise_u: Vec<f64> = (0..draws).map(|_| noise_rng.random()).collect();
    let noise = if n > 0 { binned(&|d| noise_u[d]) } else { 0.0 };
    let noise = if noise.abs() < 1e-12 { 0.0 } else { noise };
    let mut voi: Vec<Evpi> = p
        .inputs
        .iter()
        .enumerate()
        .filter(|(_, i)| i.lever.is_some() && n > 0)
        .map(|(j, input)| {
            // below 1e-12 is rounding in the sums, not information
            let e = binned(&|d| voi_p[d * m + j]);
            let e = if e.abs() < 1e-12 { 0.0 } else { e };
            Evpi {
                input: name(p, input),
                evpi: e,
                above_noise: e > 2.0 * noise.max(0.0) + 1e-12,
            }
        })
        .collect();
    voi.sort_by(|x, y| y.evpi.total_cmp(&x.evpi).then(x.input.cmp(&y.input)));
    let everything = if n > 0 {
        (0..draws)
            .map(|d| {
                (0..n)
                    .map(|i| score_of(d, i))
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .sum::<f64>()
            / draws as f64
            - base
    } else {
        0.0
    };
    let everything = if everything.abs() < 1e-12 {
        0.0
    } else {
        everything
    };

    let grid_headroom = match &p.grid {
        Some(g) => order_all(order, n)
            .into_iter()
            .filter(|&i| g.slot[i].is_some())
            .map(|i| {
                let mut h = headroom[i].clone();
                h.sort_by(f64::total_cmp);
                let q = |f: f64| h[((f * (h.len() - 1) as f64).round() as usize).min(h.len() - 1)];
                let b = &p.bases[i];
                GridHeadroom {
                    site_id: ids[i].clone(),
                    nominal_mw: b.headroom_mw,
                    p05_mw: q(0.05),
                    p50_mw: q(0.5),
                    p95_mw: q(0.95),
                    margin_points_nominal: margin_points(b.headroom_mw, b.peak_mw(b, &p.rules)),
                    margin_points_mean: points[i] / s.draws as f64,
                }
            })
            .collect(),
        None => Vec::new(),
    };

    Ok(Uncertainty {
        draws: s.draws,
        grid_headroom,
        seed: s.seed,
        top_k: s.top_k,
        radius: s.radius,
        method: METHOD,
        inputs: p
            .inputs
            .iter()
            .map(|i| InputInfo {
                input: name(p, i),
                unit: unit(p, i),
                nominal: i.nominal,
                low: i.range.low,
                high: i.range.high,
                dist: i.range.dist.name(),
                range_from: match i.default_kind {
                    None => "file".into(),
                    Some(k) => format!("default: {k}"),
                },
                treatment: i.treatment,
            })
            .collect(),
        held_at_nominal: p
            .held
            .iter()
            .map(|(input, why)| HeldFigure {
                input: input.clone(),
                why: why.clone(),
            })
            .collect(),
        modes,
        tornadoes,
        can_reverse_top_pair,
        value_of_information: voi,
        evpi_noise_reference: noise,
        evpi_everything: everything,
        evpi_method: EVPI_METHOD,
    })
}

/// The unit of a figure, from its rule.
fn unit(p: &Problem, i: &Input) -> String {
    let u = if let (Some(Lever::Grid(j)), Some(g)) = (i.lever, &p.grid) {
        g.draws.figures()[j].unit
    } else if i.path.starts_with("grid.hosting_mw") {
        " MW"
    } else if i.site.is_some() {
        site_rule(&i.path).map_or("", |r| r.unit)
    } else {
        facility_rule(&i.path).map_or("", |r| r.unit)
    };
    u.trim().to_string()
}

/// The nominal order, then the sites not in it (infeasible at the file values) by index.
fn order_all(order: &[usize], n: usize) -> Vec<usize> {
    let mut all = order.to_vec();
    all.extend((0..n).filter(|i| !order.contains(i)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::criteria::{criteria, SPECS};

    fn base(id: &str, hazard: f64, distance_km: f64) -> SiteBase {
        SiteBase {
            id: id.into(),
            hazards: [hazard; 3],
            distance_km,
            tariff: 100.0,
            carbon: 0.4,
            headroom_mw: 100.0,
            land_m: [500.0, 500.0],
            billed_per_it_kwh: 1.2,
            peak_mw_per_hall: 25.0,
            pue: 1.2,
            wue: 0.1,
            thermal_hours: 0.0,
            voltage_drop_pct: 1.0,
            voltage_ok: true,
            a1_utilisation_limit: 1.0,
        }
    }

    fn rules() -> CampusRules {
        CampusRules {
            halls: 1,
            hall_width_m: 50.0,
            hall_depth_m: 50.0,
            hall_it_mw: 20.0,
            hall_gap_m: 0.0,
            yard_m2_per_mw: 0.0,
            substation_m2: 0.0,
            setback_m: 0.0,
        }
    }

    fn uniform(site: usize, path: &str, nominal: f64, low: f64, high: f64, lever: Lever) -> Input {
        Input {
            site: Some(site),
            path: path.into(),
            nominal,
            range: Range {
                low,
                high,
                dist: Dist::Uniform,
            },
            default_kind: None,
            lever: Some(lever),
            treatment: Treatment::Direct,
        }
    }

    /// Hazard 20, distance 10, every other criterion 1 (on which all sites agree).
    fn weights() -> Weights {
        let raw = SPECS
            .iter()
            .map(|s| match s.key {
                "hazard_score" => 20.0,
                "distance_to_seoul_km" => 10.0,
                _ => 1.0,
            })
            .collect();
        Weights::new(raw, &criteria()).unwrap()
    }

    fn settings(draws: usize, seed: u64) -> Settings {
        Settings {
            draws,
            seed,
            top_k: 2,
            radius: 0.3,
            weights: weights(),
        }
    }

    /// Three sites; `a`'s seismic score s ~ U(0, 1) with flood and typhoon 0.3, so its hazard
    /// score is (s + 0.6) / 3 inside the span [0.2, 0.8] that `b` and `c` hold. `a` is nearest
    /// (100 km), `b` farthest (300), `c` between. Min-max normalised, with W = 38:
    /// score(a) − score(b) = (20/W)((0.8 − h)/0.6 − 1) + 10/W, linear in s, zero at h = 0.5,
    /// that is s = 0.9: `b` passes `a` with probability 0.1.
    fn linear_case() -> Problem {
        let mut a = base("a", 0.3, 100.0);
        a.hazards[0] = 0.3;
        Problem {
            bases: vec![a, base("b", 0.2, 300.0), base("c", 0.8, 200.0)],
            rules: rules(),
            inputs: vec![uniform(0, "hazards.seismic", 0.3, 0.0, 1.0, Lever::Seismic)],
            held: Vec::new(),
            grid: None,
        }
    }

    /// The formula of [`linear_case`], with the hazard score rounded to its resolution.
    fn difference(s: f64) -> f64 {
        let h = (((s + 0.6) / 3.0) / 0.001).round() * 0.001;
        (20.0 / 38.0) * ((0.8 - h) / 0.6 - 1.0) + 10.0 / 38.0
    }

    fn within_4_se(estimate: f64, p: f64, draws: usize, slack: f64) {
        let se = (p * (1.0 - p) / draws as f64).sqrt();
        assert!(
            (estimate - p).abs() <= 4.0 * se + slack,
            "estimate {estimate} vs exact {p} (4 se = {})",
            4.0 * se
        );
    }

    #[test]
    fn linear_case_flip_probability_and_tornado_match_the_formula() {
        let p = linear_case();
        let draws = 20_000;
        let u = analyse(&p, &settings(draws, 7), &|_, _| {}).unwrap();
        let inputs = &u.modes[1];
        assert_eq!(inputs.mode, "inputs");
        let (a, b) = (&inputs.sites[0], &inputs.sites[1]);
        assert_eq!((a.site_id.as_str(), b.site_id.as_str()), ("a", "b"));
        // b first when s > 0.9 (0.9015 once h is rounded: slack 0.002)
        within_4_se(b.p_first, 0.1, draws, 0.002);
        within_4_se(a.p_first, 0.9, draws, 0.002);
        assert!(
            (a.p_first_se - (a.p_first * (1.0 - a.p_first) / draws as f64).sqrt()).abs() < 1e-15
        );
        // weights alone: the inputs stay nominal (s = 0.3), a's lead is (20/38)(-1/6) + 10/38
        let t = &u.tornadoes[0];
        assert_eq!((t.first.as_str(), t.second.as_str()), ("a", "b"));
        assert!((t.difference - difference(0.3)).abs() < 1e-12);
        let bar = &t.bars[0];
        assert_eq!(bar.input, "a: hazards.seismic");
        assert!((bar.difference_at_low.unwrap() - difference(0.0)).abs() < 1e-12);
        assert!((bar.difference_at_high.unwrap() - difference(1.0)).abs() < 1e-12);
        assert!(bar.reverses && difference(1.0) < 0.0);
        assert_eq!(u.can_reverse_top_pair, ["a: hazards.seismic"]);
        // knowing s is worth something here: the choice changes in a tenth of the draws
        // knowing s first: b is chosen in the last decile, where a trails by k (s - 0.9) on
        // average, k = (20/38)/1.8, so EVPI = k 0.1² / 2 (the flip sits on a decile edge, so
        // decile binning loses nothing here); the same for knowing everything
        let k = (20.0 / 38.0) / 1.8;
        let exact = k * 0.01 / 2.0;
        let e = u.value_of_information[0].evpi;
        assert!((e - exact).abs() <= 0.1 * exact, "EVPI {e} vs {exact}");
        assert!((u.evpi_everything - exact).abs() <= 0.1 * exact);
        assert!(u.value_of_information[0].above_noise);
    }

    #[test]
    fn a_site_that_dominates_every_draw_is_first_in_every_draw() {
        // a is nearest and safest whatever b's and c's drawn figures are
        let p = Problem {
            bases: vec![
                base("b", 0.5, 300.0),
                base("a", 0.1, 100.0),
                base("c", 0.6, 200.0),
            ],
            rules: rules(),
            inputs: vec![
                uniform(0, "hazards.seismic", 0.5, 0.2, 0.9, Lever::Seismic),
                uniform(
                    0,
                    "distance_to_seoul_km",
                    300.0,
                    150.0,
                    400.0,
                    Lever::Distance,
                ),
                uniform(2, "hazards.flood", 0.6, 0.3, 1.0, Lever::Flood),
            ],
            held: Vec::new(),
            grid: None,
        };
        let u = analyse(&p, &settings(2_000, 3), &|_, _| {}).unwrap();
        for mode in &u.modes {
            let a = mode.sites.iter().find(|s| s.site_id == "a").unwrap();
            assert_eq!(a.p_first, 1.0, "{}", mode.mode);
            assert_eq!(a.p_first_se, 0.0);
            assert_eq!(a.rank_distribution[0], 1.0);
        }
        assert!(u.can_reverse_top_pair.is_empty());
        assert!(u.value_of_information.iter().all(|e| e.evpi == 0.0));
        assert_eq!(u.evpi_everything, 0.0);
    }

    #[test]
    fn same_seed_same_bytes_other_seed_within_the_reported_error() {
        let p = linear_case();
        let json = |seed| {
            serde_json::to_string(&analyse(&p, &settings(4_000, seed), &|_, _| {}).unwrap())
                .unwrap()
        };
        assert_eq!(json(11), json(11));
        let (x, y) = (
            analyse(&p, &settings(4_000, 11), &|_, _| {}).unwrap(),
            analyse(&p, &settings(4_000, 12), &|_, _| {}).unwrap(),
        );
        let mut moved = false;
        for (mx, my) in x.modes.iter().zip(&y.modes) {
            for (a, b) in mx.sites.iter().zip(&my.sites) {
                let se = (a.p_first_se.powi(2) + b.p_first_se.powi(2)).sqrt();
                assert!(
                    (a.p_first - b.p_first).abs() <= 4.0 * se + 1e-12,
                    "{} {}",
                    mx.mode,
                    a.site_id
                );
                moved |= a.p_first != b.p_first;
            }
        }
        assert!(moved, "a different seed should draw differently");
    }

    #[test]
    fn land_draws_place_the_campus_again_and_can_make_a_site_infeasible() {
        // a's plot is 40-60 m wide for a 50 m hall: it hosts a hall in half the draws
        let mut a = base("a", 0.2, 100.0);
        a.land_m = [55.0, 500.0];
        let mut input = uniform(0, "land.usable_width_m", 55.0, 40.0, 60.0, Lever::LandWidth);
        input.treatment = Treatment::Replaced;
        let p = Problem {
            bases: vec![a, base("b", 0.5, 300.0), base("c", 0.6, 200.0)],
            rules: rules(),
            inputs: vec![input],
            held: Vec::new(),
            grid: None,
        };
        let draws = 10_000;
        let u = analyse(&p, &settings(draws, 5), &|_, _| {}).unwrap();
        let a = u.modes[1].sites.iter().find(|s| s.site_id == "a").unwrap();
        within_4_se(a.p_feasible, 0.5, draws, 0.0);
        let bar = &u.tornadoes[0].bars[0];
        assert_eq!(bar.difference_at_low, None);
        assert!(bar.reverses);
        // the nominal values reproduce what the base holds; cost and carbon per IT kWh
        let b = &p.bases[1];
        let v = b.values(b, &p.rules).unwrap();
        assert_eq!(v[0], 75.0); // 100 MW headroom - 25 MW peak
        assert!((v[4] - 120.0).abs() < 1e-9); // 1.2 billed kWh per IT kWh x 100 KRW/kWh
        assert!((v[5] - 480.0).abs() < 1e-9); // 1.2 x 0.4 kg/kWh = 480 g/kWh
    }
}
