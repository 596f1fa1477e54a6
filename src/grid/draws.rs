//! The grid model's ranged figures as Monte Carlo inputs: a drawn national load, must-run share,
//! tier availability, line or transformer rating or emergency factor reaches a bus's N-1
//! hosting capacity through a new dispatch and a new screen, done cheaply from what the
//! nominal [`HostingMap`] already holds.
//!
//! What is linear and reused (the network's topology, `B` factor, PTDF and outage factors do not
//! change, because no reactance is drawn):
//! - dispatch: within a snapshot every plant's output is its carrier's must-run share, or its
//!   tier's common fraction of available capacity, so the base flows are a sum of fixed flow
//!   patterns (PTDF × capacity per must-run carrier and per tier, PTDF × load shares) weighted
//!   by a handful of scalars that the dispatch rules give per draw; the post-outage flows follow
//!   by the outage factors, `f + D f_k`;
//! - the new load's sensitivity: the participating plants' spare capacity is, per tier, a fixed
//!   pattern (the tier's participating capacity) times `(1 − fraction) × availability`, so the
//!   flow per MW of new load is a convex combination of per-tier patterns;
//! - ratings enter the room of each constraint linearly: every branch of a line type (by
//!   voltage) or transformer type (by voltage pair) has its rating scaled by drawn / file value,
//!   and every post-outage (emergency) rating by the drawn emergency factor over the file's.
//!
//! What is screened again per draw: for each site's bus, the minimum over its *candidate*
//! constraints of room / |σ| (the rule of `grid::screen`: a constraint counts only when the
//! new load moves it by the distribution-factor cutoff and it has room before the load),
//! capped at the participating spare capacity, in the base case and after each credible single
//! outage, in every snapshot; the worse snapshot's value is the site's hosting capacity, as in
//! `grid::site`. The candidates are found once, from bounds over the whole box of ranges: each
//! dispatch coefficient on its interval (a tier's output is monotone in the load, the must-run
//! shares and the availabilities, so two corners bound it), so each flow on an interval; each
//! rating on the interval of its class and of the emergency factor; σ within the hull of the
//! participating tiers' σ. The greatest hosting capacity any draw can give is at most the
//! least, over the constraints that count in every draw, of their greatest value (or the
//! greatest spare capacity); a constraint whose least value exceeds it can never bind and is
//! dropped. So the cheap screen gives the minimum over every constraint, not an approximation
//! of it: [`GridDraws::hosting_full_mw`] scans every constraint instead, and the tests compare
//! the two, and both against a fresh [`HostingMap::compute`] on the drawn files (they differ by
//! rounding: flows here are sums of PTDF patterns, there solves). On the shipped network, with
//! the 15 shipped sites and the seven drawn figures of the `BENCHMARKS.md` case, about 4,800 of
//! the 790,000 constraints per bus and snapshot remain. They are kept in the order of their
//! least value, so a scan stops at the first that cannot beat the minimum found so far.
//!
//! Correlation, as the physics shares the figures: a snapshot figure is drawn once per draw and
//! every site sees it (the sites' hosting capacities move together); a line type's rating is
//! drawn once for every line of that voltage, a transformer type's for every transformer of
//! that voltage pair, and the emergency factor once for every branch. Different figures are
//! independent of each other, including the same figure in two snapshot files (the summer
//! peak's load and the light-load hour's load).
//!
//! Held at their file values (listed by [`GridDraws::held`]): the reactances
//! (`lines[i].overhead_x_ohm_per_km_50hz`, `underground_x…`, `reactance_frequency_factor`,
//! `transformers[i].vk_percent`), which change the PTDF and outage factors and so every
//! candidate; `transformers[i].unit_mva` is drawn as a rating only (its effect on the
//! transformer's reactance is held). A new DC model costs about 0.02 s on the shipped network
//! (`grid capacity` reports it as "analysis"), but every bound and candidate would follow it
//! (0.4 s for 15 sites), too much per draw; a few grid scenarios would be affordable and are
//! left for later. Branches of no type of the table keep their file ratings.
//!
//! Before any draw, the two corners of the box that bound the dispatch (least load with most
//! must-run and availability; most load with least) are dispatched: a box in which some draw
//! could not balance is refused as bad input, naming the snapshot file. Units: MW, MW per MW.

use super::error::{GridError, GridProblem};
use super::hosting::{case_rating, HostingMap, ROOM_EPS_MW};
use super::params::LineTypes;
use super::screen::{DFAX_CUTOFF, NONE};
use crate::site::ranges::Range;
use std::path::{Path, PathBuf};

/// Which number of the model a drawn figure sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    TotalLoad {
        snap: usize,
    },
    MustRun {
        snap: usize,
        entry: usize,
    },
    Availability {
        snap: usize,
        tier: usize,
    },
    /// The normal rating of a branch type (index into the rating classes: line types, then
    /// transformer types).
    Rating {
        class: usize,
    },
    EmergencyFactor,
}

/// One drawn figure of a grid file.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name: `summer_peak.json`, `line_types.json`.
    pub file: String,
    /// JSON path inside it, as the `ranges` key.
    pub path: String,
    pub nominal: f64,
    pub range: Range,
    pub unit: &'static str,
    pub effect: Effect,
}

impl Figure {
    /// `summer_peak.json total_load_mw`.
    pub fn name(&self) -> String {
        format!("{} {}", self.file, self.path)
    }
}

/// A ranged figure held at its file value, and why.
#[derive(Debug, Clone)]
pub struct Held {
    pub file: String,
    pub path: String,
    pub why: &'static str,
}

const REACTANCE_HELD: &str = "a reactance: drawing it changes the PTDF and outage factors, \
    so it is held at its file value (the Monte Carlo reuses the nominal factorisation)";

/// One constraint of one bus: branch `l` in case `case` (outage of `k`, or the base case).
#[derive(Debug, Clone, Copy)]
struct Constraint {
    case: u32,
    l: u32,
    k: u32,
    d: f64,
    /// Rating of `l` in this case at the file values, MW.
    rating_mw: f64,
    /// −(PTDF[l][bus] + d PTDF[k][bus]): the bus's own part of σ.
    bus_part: f64,
    /// Least value this constraint can take anywhere in the box of ranges, MW (0 until the
    /// candidates are found).
    least_mw: f64,
}

/// The linear pieces of one snapshot's dispatch.
struct SnapModel {
    file: PathBuf,
    share_sum: f64,
    /// PTDF × load shares: flow per MW of national load (withdrawn).
    load_flow: Vec<f64>,
    must_cap: Vec<f64>,
    must_flow: Vec<Vec<f64>>,
    tier_cap: Vec<f64>,
    tier_flow: Vec<Vec<f64>>,
    /// Participating capacity per tier, and PTDF × it by bus.
    part_cap: Vec<f64>,
    part_flow: Vec<Vec<f64>>,
    total: f64,
    shares: Vec<f64>,
    avail: Vec<f64>,
}

/// A snapshot dispatched at drawn figures.
struct SnapState {
    /// Base-case branch flows, MW.
    flow: Vec<f64>,
    /// Flow per MW of new load met by the participating plants.
    transfer: Vec<f64>,
    /// Participating spare capacity, MW.
    cap_mw: f64,
}

/// The grid figures of the Monte Carlo and the cheap re-screen of the sites' buses.
pub struct GridDraws {
    figures: Vec<Figure>,
    held: Vec<Held>,
    snaps: Vec<SnapModel>,
    /// Rating class of each branch (`None`: no type of the table; its rating stays).
    class: Vec<Option<usize>>,
    classes: usize,
    emergency_nominal: f64,
    class_nominal: Vec<f64>,
    buses: Vec<usize>,
    /// `[slot][snapshot]`: the constraints that can bind somewhere in the box of ranges.
    candidates: Vec<Vec<Vec<Constraint>>>,
}

impl GridDraws {
    /// The ranged figures of `map`'s snapshots and of the line-type table (if given), for the
    /// sites at `buses`. Fails on a box of ranges in which a dispatch cannot balance (bad
    /// input) or if the linear model does not reproduce the nominal map (a defect).
    pub fn new(
        map: &HostingMap,
        line_types: Option<(&Path, &LineTypes)>,
        buses: &[usize],
    ) -> Result<GridDraws, GridError> {
        let net = &map.network;
        let model = &map.model;
        let (n, m) = (model.buses, model.branches);
        let mut figures = Vec::new();
        let mut held = Vec::new();
        let mut snaps = Vec::new();
        for (si, sh) in map.snapshots.iter().enumerate() {
            let snap = &sh.snapshot;
            let rules = &snap.rules;
            let file_name = file_name(&snap.file);
            let numbers = rules.rangeable();
            for (path, range) in &rules.ranges {
                let Some(number) = numbers.iter().find(|r| r.path == *path) else {
                    continue; // refused when the file was read
                };
                let effect = if path == "total_load_mw" {
                    Effect::TotalLoad { snap: si }
                } else if let Some(i) = index_in(path, "must_run[", "].share_of_capacity") {
                    Effect::MustRun { snap: si, entry: i }
                } else if let Some(i) = index_in(path, "merit_order[", "].availability") {
                    Effect::Availability { snap: si, tier: i }
                } else {
                    continue;
                };
                figures.push(Figure {
                    file: file_name.clone(),
                    path: path.clone(),
                    nominal: number.value,
                    range: *range,
                    unit: if path == "total_load_mw" { "MW" } else { "" },
                    effect,
                });
            }
            let pattern = |carriers: &dyn Fn(&str) -> bool| {
                let mut by_bus = vec![0.0; n];
                let mut cap = 0.0;
                for p in &net.plants {
                    if carriers(&p.carrier) {
                        by_bus[p.bus] += p.capacity_mw;
                        cap += p.capacity_mw;
                    }
                }
                (cap, model.ptdf_times(&by_bus))
            };
            let (mut must_cap, mut must_flow) = (Vec::new(), Vec::new());
            for mr in &rules.must_run {
                let (c, f) = pattern(&|c| c == mr.carrier);
                must_cap.push(c);
                must_flow.push(f);
            }
            let (mut tier_cap, mut tier_flow, mut part_cap, mut part_flow) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for t in &rules.merit_order {
                let (c, f) = pattern(&|c| t.carriers.iter().any(|x| x == c));
                tier_cap.push(c);
                tier_flow.push(f);
                let (c, f) = pattern(&|c| {
                    t.carriers.iter().any(|x| x == c) && rules.participation.iter().any(|x| x == c)
                });
                part_cap.push(c);
                part_flow.push(f);
            }
            let shares: Vec<f64> = net.buses.iter().map(|b| b.load_share).collect();
            snaps.push(SnapModel {
                file: snap.file.clone(),
                share_sum: shares.iter().sum(),
                load_flow: model.ptdf_times(&shares),
                must_cap,
                must_flow,
                tier_cap,
                tier_flow,
                part_cap,
                part_flow,
                total: rules.total_load_mw,
                shares: rules.must_run.iter().map(|x| x.share_of_capacity).collect(),
                avail: rules.merit_order.iter().map(|x| x.availability).collect(),
            });
        }

        // rating classes: line types by voltage, then transformer types by voltage pair
        let mut class = vec![None; m];
        let mut class_nominal = Vec::new();
        let mut emergency_nominal = 1.0;
        let mut classes = 0;
        if let Some((file, types)) = line_types {
            let kv = |bus: usize| net.buses[bus].kv;
            for (l, b) in net.branches.iter().enumerate() {
                class[l] = match b.kind {
                    super::network::BranchKind::Line => types
                        .lines
                        .iter()
                        .position(|t| (t.kv - kv(b.from)).abs() < 1e-9),
                    super::network::BranchKind::Transformer => {
                        let (lo, hi) = (kv(b.from).min(kv(b.to)), kv(b.from).max(kv(b.to)));
                        types
                            .transformers
                            .iter()
                            .position(|t| {
                                (t.kv_low - lo).abs() < 1e-9 && (t.kv_high - hi).abs() < 1e-9
                            })
                            .map(|j| types.lines.len() + j)
                    }
                };
            }
            classes = types.lines.len() + types.transformers.len();
            class_nominal.extend(types.lines.iter().map(|t| t.normal_mw_per_circuit));
            class_nominal.extend(types.transformers.iter().map(|t| t.unit_mva));
            emergency_nominal = types.emergency_factor;
            let name = file_name(file);
            let numbers = types.rangeable();
            for (path, range) in &types.ranges {
                let Some(number) = numbers.iter().find(|r| r.path == *path) else {
                    continue;
                };
                let (effect, unit) = if path == "emergency_factor" {
                    (Effect::EmergencyFactor, "")
                } else if let Some(i) = index_in(path, "lines[", "].normal_mw_per_circuit") {
                    (Effect::Rating { class: i }, "MW")
                } else if let Some(j) = index_in(path, "transformers[", "].unit_mva") {
                    (
                        Effect::Rating {
                            class: types.lines.len() + j,
                        },
                        "MVA",
                    )
                } else {
                    held.push(Held {
                        file: name.clone(),
                        path: path.clone(),
                        why: REACTANCE_HELD,
                    });
                    continue;
                };
                figures.push(Figure {
                    file: name.clone(),
                    path: path.clone(),
                    nominal: number.value,
                    range: *range,
                    unit,
                    effect,
                });
            }
        }

        let mut draws = GridDraws {
            figures,
            held,
            snaps,
            class,
            classes,
            emergency_nominal,
            class_nominal,
            buses: buses.to_vec(),
            candidates: Vec::new(),
        };
        draws.check_corners()?;
        draws.check_nominal_flows(map)?;
        draws.find_candidates(map);
        // the candidates must reproduce the map at the file values
        let nominal = draws.hosting_mw(&draws.nominal());
        for (slot, &bus) in buses.iter().enumerate() {
            let want = map.snapshots[map.worse_snapshot(bus)].buses[bus].hosting_mw;
            if (nominal[slot] - want).abs() > 1e-6 * want.abs().max(1.0) {
                return Err(GridError::Internal(format!(
                    "bus {}: the re-screen at the file values gives {} MW, the hosting map {want} MW",
                    net.buses[bus].id, nominal[slot]
                )));
            }
        }
        Ok(draws)
    }

    pub fn figures(&self) -> &[Figure] {
        &self.figures
    }

    pub fn held(&self) -> &[Held] {
        &self.held
    }

    /// The figures' file values.
    pub fn nominal(&self) -> Vec<f64> {
        self.figures.iter().map(|f| f.nominal).collect()
    }

    /// Hosting capacity (MW, the worse snapshot) of each bus given to [`GridDraws::new`], in
    /// that order, with figure `j` at `values[j]`, over the candidate constraints.
    pub fn hosting_mw(&self, values: &[f64]) -> Vec<f64> {
        let (factor, emergency) = self.rating_factors(values);
        let states = self.states(values);
        self.candidates
            .iter()
            .map(|per_snap| {
                per_snap
                    .iter()
                    .zip(&states)
                    .map(|(cons, st)| match st {
                        Some(st) => {
                            let mut best = st.cap_mw;
                            for c in cons {
                                // the bound and the value round differently: a whisker
                                if c.least_mw * (1.0 - 1e-9) >= best {
                                    break;
                                }
                                if let Some(v) = value(c, st, &self.class, &factor, emergency) {
                                    best = best.min(v);
                                }
                            }
                            best
                        }
                        None => 0.0,
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    /// The same over every constraint of `map` (the map these draws were made from): the
    /// oracle of [`Self::hosting_mw`], some hundred times slower.
    pub fn hosting_full_mw(&self, map: &HostingMap, values: &[f64]) -> Vec<f64> {
        let (factor, emergency) = self.rating_factors(values);
        let states = self.states(values);
        self.buses
            .iter()
            .map(|&bus| {
                states
                    .iter()
                    .map(|st| match st {
                        Some(st) => {
                            let mut best = st.cap_mw;
                            for_each_constraint(map, bus, |c| {
                                if let Some(v) = value(&c, st, &self.class, &factor, emergency) {
                                    best = best.min(v);
                                }
                            });
                            best
                        }
                        None => 0.0,
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    /// Candidate constraints, summed over buses and snapshots.
    pub fn candidate_count(&self) -> usize {
        self.candidates.iter().flatten().map(Vec::len).sum()
    }

    fn states(&self, values: &[f64]) -> Vec<Option<SnapState>> {
        (0..self.snaps.len())
            .map(|s| self.state(s, values))
            .collect()
    }

    /// Scale of each rating class's normal rating and of every emergency rating.
    fn rating_factors(&self, values: &[f64]) -> (Vec<f64>, f64) {
        let mut factor = vec![1.0; self.classes];
        let mut emergency = 1.0;
        for (f, &v) in self.figures.iter().zip(values) {
            match f.effect {
                Effect::Rating { class } => factor[class] = v / self.class_nominal[class],
                Effect::EmergencyFactor => emergency = v / self.emergency_nominal,
                _ => {}
            }
        }
        (factor, emergency)
    }

    /// Snapshot `s`'s drawn rules: (national load, must-run shares, availabilities).
    fn rules_of(&self, s: usize, values: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let sm = &self.snaps[s];
        let (mut total, mut shares, mut avail) = (sm.total, sm.shares.clone(), sm.avail.clone());
        for (f, &v) in self.figures.iter().zip(values) {
            match f.effect {
                Effect::TotalLoad { snap } if snap == s => total = v,
                Effect::MustRun { snap, entry } if snap == s => shares[entry] = v,
                Effect::Availability { snap, tier } if snap == s => avail[tier] = v,
                _ => {}
            }
        }
        (total, shares, avail)
    }

    /// The dispatch of `snapshot::dispatch` in scalars: each tier's fraction of its available
    /// capacity and the participating spare capacity; `Err` when it cannot balance.
    fn fractions(
        sm: &SnapModel,
        total: f64,
        shares: &[f64],
        avail: &[f64],
    ) -> Result<(Vec<f64>, f64), String> {
        let load = total * sm.share_sum;
        let must: f64 = shares.iter().zip(&sm.must_cap).map(|(s, c)| s * c).sum();
        if must > load {
            return Err(format!(
                "must-run output {must:.1} MW exceeds the modelled load {load:.1} MW"
            ));
        }
        let mut remaining = load - must;
        let mut frac = vec![0.0; avail.len()];
        for (t, a) in avail.iter().enumerate() {
            let available = a * sm.tier_cap[t];
            if remaining <= 0.0 || available <= 0.0 {
                continue;
            }
            frac[t] = (remaining / available).min(1.0);
            remaining -= frac[t] * available;
            if frac[t] < 1.0 {
                remaining = 0.0;
            }
        }
        if remaining > 1e-9 * load {
            return Err(format!(
                "the load {load:.1} MW exceeds what the merit order can dispatch by \
                 {remaining:.1} MW"
            ));
        }
        let cap: f64 = (0..avail.len())
            .map(|t| (1.0 - frac[t]) * avail[t] * sm.part_cap[t])
            .sum();
        if cap <= 0.0 {
            return Err("no participating plant has spare capacity".into());
        }
        Ok((frac, cap))
    }

    fn state(&self, s: usize, values: &[f64]) -> Option<SnapState> {
        let sm = &self.snaps[s];
        let (total, shares, avail) = self.rules_of(s, values);
        let (frac, cap_mw) = Self::fractions(sm, total, &shares, &avail).ok()?;
        let m = sm.load_flow.len();
        let mut flow: Vec<f64> = sm.load_flow.iter().map(|f| -total * f).collect();
        for (share, f) in shares.iter().zip(&sm.must_flow) {
            axpy(*share, f, &mut flow);
        }
        let mut transfer = vec![0.0; m];
        for t in 0..avail.len() {
            axpy(frac[t] * avail[t], &sm.tier_flow[t], &mut flow);
            if sm.part_cap[t] > 0.0 {
                axpy(
                    (1.0 - frac[t]) * avail[t] / cap_mw,
                    &sm.part_flow[t],
                    &mut transfer,
                );
            }
        }
        Some(SnapState {
            flow,
            transfer,
            cap_mw,
        })
    }

    /// Every dispatch inside the box of ranges balances if its two extreme corners do.
    fn check_corners(&self) -> Result<(), GridError> {
        let mut problems = Vec::new();
        for (s, sm) in self.snaps.iter().enumerate() {
            for high_load in [false, true] {
                let mut values = self.nominal();
                let mut any = false;
                for (j, f) in self.figures.iter().enumerate() {
                    let (lo, hi) = (f.range.low, f.range.high);
                    match f.effect {
                        Effect::TotalLoad { snap } if snap == s => {
                            values[j] = if high_load { hi } else { lo };
                        }
                        Effect::MustRun { snap, .. } | Effect::Availability { snap, .. }
                            if snap == s =>
                        {
                            values[j] = if high_load { lo } else { hi };
                        }
                        _ => continue,
                    }
                    any = true;
                }
                if !any {
                    continue;
                }
                let (total, shares, avail) = self.rules_of(s, &values);
                if let Err(why) = Self::fractions(sm, total, &shares, &avail) {
                    let corner = if high_load {
                        "the national load at its high end and must-run shares and availabilities at their low ends"
                    } else {
                        "the national load at its low end and must-run shares and availabilities at their high ends"
                    };
                    problems.push(GridProblem::new(
                        &sm.file,
                        None,
                        "ranges",
                        format!("with {corner}, the dispatch cannot balance: {why}"),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(GridError::Invalid(problems))
        }
    }

    /// The linear dispatch at the file values gives the map's flows and transfer.
    fn check_nominal_flows(&self, map: &HostingMap) -> Result<(), GridError> {
        let nominal = self.nominal();
        for (s, sh) in map.snapshots.iter().enumerate() {
            let st = self.state(s, &nominal).ok_or_else(|| {
                GridError::Internal(format!(
                    "{}: no dispatch at the file values",
                    sh.snapshot.name()
                ))
            })?;
            let scale = sh.base_flow_mw.iter().fold(1.0f64, |a, f| a.max(f.abs()));
            let flow_err = max_diff(&st.flow, &sh.base_flow_mw);
            let transfer_err = max_diff(&st.transfer, &sh.participation_flow);
            let cap_err = (st.cap_mw - sh.snapshot.participating_headroom_mw).abs();
            if flow_err > 1e-9 * scale || transfer_err > 1e-9 || cap_err > 1e-9 * st.cap_mw {
                return Err(GridError::Internal(format!(
                    "{}: the linear dispatch differs from the snapshot's (flows by {flow_err} MW, \
                     transfer by {transfer_err}, spare capacity by {cap_err} MW)",
                    sh.snapshot.name()
                )));
            }
        }
        Ok(())
    }

    /// The bounds of the dispatch's coefficients over the box of ranges, for snapshot `s`:
    /// (national load, each must-run share, each tier's output as a fraction of its capacity).
    /// A tier's output rises with the load and its own availability and falls with the
    /// must-run shares and the availabilities of the tiers before it, so two corners bound it.
    fn coefficient_bounds(&self, s: usize) -> (Bound, Vec<Bound>, Vec<Bound>) {
        let sm = &self.snaps[s];
        let ends = |f: &Figure| (f.range.low, f.range.high);
        let mut load = (sm.total, sm.total);
        let mut must: Vec<Bound> = sm.shares.iter().map(|&x| (x, x)).collect();
        for f in &self.figures {
            match f.effect {
                Effect::TotalLoad { snap } if snap == s => load = ends(f),
                Effect::MustRun { snap, entry } if snap == s => must[entry] = ends(f),
                _ => {}
            }
        }
        // the corner that maximises (`up`) or minimises tier `t`'s output
        let corner = |t: usize, up: bool| -> Vec<f64> {
            self.figures
                .iter()
                .map(|f| {
                    let (lo, hi) = ends(f);
                    let pick = |high: bool| if high { hi } else { lo };
                    match f.effect {
                        Effect::TotalLoad { snap } if snap == s => pick(up),
                        Effect::MustRun { snap, .. } if snap == s => pick(!up),
                        Effect::Availability { snap, tier } if snap == s && tier == t => pick(up),
                        Effect::Availability { snap, tier } if snap == s && tier < t => pick(!up),
                        _ => f.nominal,
                    }
                })
                .collect()
        };
        let output = |x: &[f64], t: usize| -> Option<f64> {
            let (total, shares, avail) = self.rules_of(s, x);
            let (frac, _) = Self::fractions(sm, total, &shares, &avail).ok()?;
            Some(frac[t] * avail[t])
        };
        let tiers = (0..sm.avail.len())
            .map(|t| {
                let hi_avail = self
                    .figures
                    .iter()
                    .find(|f| f.effect == Effect::Availability { snap: s, tier: t })
                    .map_or(sm.avail[t], |f| f.range.high);
                let lo = output(&corner(t, false), t).unwrap_or(0.0);
                let hi = output(&corner(t, true), t).unwrap_or(hi_avail);
                (lo.min(hi), hi.max(lo))
            })
            .collect();
        ((-load.1, -load.0), must, tiers)
    }

    /// The candidates of every bus: the constraints whose least possible value over the box
    /// of ranges is at most the greatest possible hosting capacity (the least, over the
    /// constraints that count in every draw, of their greatest value; or the greatest spare
    /// capacity). Bounds: each coefficient of the dispatch on its interval (flows), every
    /// rating class and the emergency factor on theirs (ratings), σ a convex combination of
    /// the participating tiers' σ. A constraint left out exceeds the hosting capacity in every
    /// draw, so the candidates give the same minimum as every constraint.
    fn find_candidates(&mut self, map: &HostingMap) {
        let cases = &map.cases;
        let m = map.model.branches;
        let mut factor_range = vec![(1.0, 1.0); self.classes];
        let mut emergency_range = (1.0, 1.0);
        for f in &self.figures {
            match f.effect {
                Effect::Rating { class } => {
                    let nom = self.class_nominal[class];
                    factor_range[class] = (f.range.low / nom, f.range.high / nom);
                }
                Effect::EmergencyFactor => {
                    let nom = self.emergency_nominal;
                    emergency_range = (f.range.low / nom, f.range.high / nom);
                }
                _ => {}
            }
        }
        let mut candidates = vec![Vec::new(); self.buses.len()];
        for s in 0..self.snaps.len() {
            let sm = &self.snaps[s];
            let (load, must, tiers) = self.coefficient_bounds(s);
            let mut patterns: Vec<(Bound, &[f64])> = vec![(load, &sm.load_flow[..])];
            patterns.extend(must.iter().zip(&sm.must_flow).map(|(b, f)| (*b, &f[..])));
            patterns.extend(tiers.iter().zip(&sm.tier_flow).map(|(b, f)| (*b, &f[..])));
            // flow and rating bounds of every (case, branch), shared by the buses
            let mut flow = vec![(0.0, 0.0); cases.cases * m];
            let mut rating = vec![(0.0, 0.0); cases.cases * m];
            for case in 0..cases.cases {
                let k = cases.outaged[case];
                for l in 0..m {
                    let Some(r) = case_rating(&map.network, cases, case, l) else {
                        continue;
                    };
                    let d = cases.d[case * m + l];
                    let (mut lo, mut hi) = (0.0, 0.0);
                    for ((a, b), pat) in &patterns {
                        let p = pat[l] + if k == NONE { 0.0 } else { d * pat[k as usize] };
                        lo += (a * p).min(b * p);
                        hi += (a * p).max(b * p);
                    }
                    flow[case * m + l] = (lo, hi);
                    let (g_lo, g_hi) = self.class[l].map_or((1.0, 1.0), |c| factor_range[c]);
                    let (e_lo, e_hi) = if case > 0 {
                        emergency_range
                    } else {
                        (1.0, 1.0)
                    };
                    rating[case * m + l] = (r * g_lo * e_lo, r * g_hi * e_hi);
                }
            }
            let tier_transfer: Vec<Vec<f64>> = sm
                .part_flow
                .iter()
                .zip(&sm.part_cap)
                .filter(|(_, &c)| c > 0.0)
                .map(|(f, c)| f.iter().map(|x| x / c).collect())
                .collect();
            let cap_hi: f64 = (0..sm.avail.len())
                .map(|t| {
                    let hi = self
                        .figures
                        .iter()
                        .find(|f| f.effect == Effect::Availability { snap: s, tier: t })
                        .map_or(sm.avail[t], |f| f.range.high);
                    hi * sm.part_cap[t]
                })
                .sum();
            for (slot, &bus) in self.buses.iter().enumerate() {
                // two passes: the greatest possible hosting capacity, then the constraints
                // that can come below it
                let bound = |c: &Constraint| -> Option<(f64, f64)> {
                    let i = c.case as usize * m + c.l as usize;
                    let (mut s_lo, mut s_hi) = (f64::INFINITY, f64::NEG_INFINITY);
                    for t in &tier_transfer {
                        let tk = if c.k == NONE { 0.0 } else { t[c.k as usize] };
                        let sigma = t[c.l as usize] + c.d * tk + c.bus_part;
                        s_lo = s_lo.min(sigma);
                        s_hi = s_hi.max(sigma);
                    }
                    let a_max = s_lo.abs().max(s_hi.abs());
                    if a_max < DFAX_CUTOFF * (1.0 - 1e-9) {
                        return None; // never moved by the cutoff
                    }
                    let a_min = if s_lo > 0.0 || s_hi < 0.0 {
                        s_lo.abs().min(s_hi.abs())
                    } else {
                        0.0
                    };
                    let ((f_lo, f_hi), (r_lo, r_hi)) = (flow[i], rating[i]);
                    // room toward each limit the new load can drive the flow to
                    let (room_lo, room_hi) = match (s_lo > 0.0, s_hi < 0.0) {
                        (true, _) => (r_lo - f_hi, r_hi - f_lo),
                        (_, true) => (r_lo + f_lo, r_hi + f_hi),
                        _ => (
                            (r_lo - f_hi).min(r_lo + f_lo),
                            (r_hi - f_lo).max(r_hi + f_hi),
                        ),
                    };
                    let counts = room_lo > ROOM_EPS_MW;
                    let value_lo = if counts { room_lo / a_max } else { 0.0 };
                    let value_hi = if counts && a_min >= DFAX_CUTOFF {
                        room_hi / a_min
                    } else {
                        f64::INFINITY
                    };
                    Some((value_lo, value_hi))
                };
                let mut upper = cap_hi;
                for_each_constraint(map, bus, |c| {
                    if let Some((_, hi)) = bound(&c) {
                        upper = upper.min(hi);
                    }
                });
                // the slack covers rounding in the bounds
                let keep = upper * (1.0 + 1e-9) + 1e-9;
                let mut kept = Vec::new();
                for_each_constraint(map, bus, |c| {
                    if let Some((lo, _)) = bound(&c).filter(|(lo, _)| *lo <= keep) {
                        kept.push(Constraint { least_mw: lo, ..c });
                    }
                });
                // least first, so a scan can stop where no later one can beat its minimum
                kept.sort_by(|a, b| {
                    a.least_mw
                        .total_cmp(&b.least_mw)
                        .then(a.case.cmp(&b.case))
                        .then(a.l.cmp(&b.l))
                });
                candidates[slot].push(kept);
            }
        }
        self.candidates = candidates;
    }
}

type Bound = (f64, f64);

/// Every constraint of `bus`: each branch with a rating in each case.
fn for_each_constraint(map: &HostingMap, bus: usize, mut f: impl FnMut(Constraint)) {
    let cases = &map.cases;
    let (n, m) = (map.model.buses, map.model.branches);
    let ptdf = &map.model.ptdf;
    for case in 0..cases.cases {
        let k = cases.outaged[case];
        for l in 0..m {
            let Some(rating_mw) = case_rating(&map.network, cases, case, l) else {
                continue;
            };
            let d = cases.d[case * m + l];
            let p = |b: usize| ptdf[b * n + bus];
            let bus_part = -(p(l) + if k == NONE { 0.0 } else { d * p(k as usize) });
            f(Constraint {
                case: case as u32,
                l: l as u32,
                k,
                d,
                rating_mw,
                bus_part,
                least_mw: 0.0,
            });
        }
    }
}

/// Room (MW, toward the limit the new load drives the flow to) and |σ| of constraint `c` in
/// state `st`.
#[inline]
fn room_and_sigma(
    c: &Constraint,
    st: &SnapState,
    class: &[Option<usize>],
    factor: &[f64],
    emergency: f64,
) -> (f64, f64) {
    let l = c.l as usize;
    let (fk, tk) = if c.k == NONE {
        (0.0, 0.0)
    } else {
        (st.flow[c.k as usize], st.transfer[c.k as usize])
    };
    let flow = st.flow[l] + c.d * fk;
    let sigma = st.transfer[l] + c.d * tk + c.bus_part;
    let mut rating = c.rating_mw * class[l].map_or(1.0, |k| factor[k]);
    if c.case > 0 {
        rating *= emergency;
    }
    let room = if sigma > 0.0 {
        rating - flow
    } else {
        rating + flow
    };
    (room, sigma.abs())
}

/// The new load at which constraint `c` binds in state `st`; `None` when it cannot bind
/// (already violated, or moved by less than the cutoff), as `grid::screen` judges.
#[inline]
fn value(
    c: &Constraint,
    st: &SnapState,
    class: &[Option<usize>],
    factor: &[f64],
    emergency: f64,
) -> Option<f64> {
    let (room, a) = room_and_sigma(c, st, class, factor, emergency);
    (room > ROOM_EPS_MW && a >= DFAX_CUTOFF).then(|| room / a)
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
}

/// `7` from `must_run[7].share_of_capacity` with prefix `must_run[` and suffix `]…`.
fn index_in(path: &str, prefix: &str, suffix: &str) -> Option<usize> {
    path.strip_prefix(prefix)?
        .strip_suffix(suffix)?
        .parse()
        .ok()
}
