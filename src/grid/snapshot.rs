//! Operating snapshots: the rules that turn the network's plants and load shares into one
//! balanced operating point (`sites/grid/snapshots/*.json`), and the dispatch they give.
//!
//! A snapshot file states the national load (MW), the carriers that run at a fixed share of
//! their capacity (renewables, must-run), a merit order of tiers each dispatched up to an
//! availability factor, the carriers that are off, and which carriers' spare capacity picks up
//! a new load (participation, pro rata to each plant's headroom). Every carrier of
//! `plants.csv` must appear exactly once.
//!
//! Dispatch: must-run plants at their share; then tier by tier, each plant of a tier at the
//! same fraction of its available capacity, until the modelled load (national load × the
//! network's summed load shares) is met. The last tier used is the marginal one.
//!
//! Invariants of a [`Snapshot`]: every plant's output within `0..=availability × capacity`;
//! generation equals load to rounding (|imbalance| <= 1e-9 of the load); participation
//! weights non-negative, on buses, summing to 1, with positive total headroom. Units: MW.

use super::error::{GridError, Problems};
use super::network::Network;
use crate::site::locate::Locator;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Carriers counted as renewable in the stated renewable share.
pub const RENEWABLE: [&str; 5] = ["solar", "wind", "hydro", "ocean", "bio"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MustRun {
    pub carrier: String,
    /// Output as a fraction of installed capacity, 0-1.
    pub share_of_capacity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub carriers: Vec<String>,
    /// Fraction of installed capacity available for dispatch, (0, 1].
    pub availability: f64,
}

/// A snapshot file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRules {
    /// Equals the file name without `.json`.
    pub name: String,
    pub description: String,
    /// National load of the hour, MW (Jeju included; the model draws its share of it).
    pub total_load_mw: f64,
    pub must_run: Vec<MustRun>,
    pub merit_order: Vec<Tier>,
    /// Carriers at zero output.
    #[serde(default)]
    pub off: Vec<String>,
    /// Carriers whose spare capacity meets a new load (pro rata to headroom).
    pub participation: Vec<String>,
    pub sources: Vec<String>,
    #[serde(default)]
    pub assumed: Vec<String>,
    /// Ranges on the file's assumed numbers (`grid::ranges`), by JSON path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<String, crate::site::ranges::Range>,
}

impl SnapshotRules {
    /// The numbers of the file that may carry a range, with their rules.
    pub fn rangeable(&self) -> Vec<super::ranges::Rangeable> {
        use super::ranges::{Rangeable, FRACTION, SHARE};
        let mut numbers = vec![Rangeable::new(
            "total_load_mw".into(),
            self.total_load_mw,
            (0.0, true, 1e6),
        )];
        for (i, m) in self.must_run.iter().enumerate() {
            let path = format!("must_run[{i}].share_of_capacity");
            numbers.push(Rangeable::new(path, m.share_of_capacity, SHARE));
        }
        for (i, t) in self.merit_order.iter().enumerate() {
            let path = format!("merit_order[{i}].availability");
            numbers.push(Rangeable::new(path, t.availability, FRACTION));
        }
        numbers
    }
}

/// One balanced operating point.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub file: PathBuf,
    pub rules: SnapshotRules,
    /// Output of each plant (same order as `network.plants`), MW.
    pub dispatch_mw: Vec<f64>,
    /// Load at each bus, MW.
    pub load_mw: Vec<f64>,
    /// Net injection (generation − load) at each bus, MW; sums to zero.
    pub injection_mw: Vec<f64>,
    /// Share of a new load met at each bus (participating plants' headroom); sums to 1.
    pub participation: Vec<f64>,
    /// Spare capacity of the participating plants, MW: no new load can exceed it.
    pub participating_headroom_mw: f64,
    /// Index into `merit_order` of the tier that closed the balance (`None`: must-run alone).
    pub marginal_tier: Option<usize>,
}

impl Snapshot {
    pub fn name(&self) -> &str {
        &self.rules.name
    }

    pub fn total_generation_mw(&self) -> f64 {
        self.dispatch_mw.iter().sum()
    }

    pub fn total_load_mw(&self) -> f64 {
        self.load_mw.iter().sum()
    }

    /// Output by carrier, sorted by carrier name.
    pub fn by_carrier(&self, network: &Network) -> Vec<(String, f64, f64)> {
        let mut map: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (p, &mw) in network.plants.iter().zip(&self.dispatch_mw) {
            let e = map.entry(p.carrier.as_str()).or_default();
            e.0 += mw;
            e.1 += p.capacity_mw;
        }
        map.into_iter()
            .map(|(c, (mw, cap))| (c.to_string(), mw, cap))
            .collect()
    }

    /// Renewable generation ([`RENEWABLE`] carriers) as a fraction of the modelled load.
    pub fn renewable_share(&self, network: &Network) -> f64 {
        let renewable: f64 = network
            .plants
            .iter()
            .zip(&self.dispatch_mw)
            .filter(|(p, _)| RENEWABLE.contains(&p.carrier.as_str()))
            .map(|(_, mw)| mw)
            .sum();
        renewable / self.total_load_mw()
    }

    /// Reads and dispatches one snapshot file.
    pub fn load(file: &Path, network: &Network) -> Result<Snapshot, GridError> {
        let text = GridError::read_text(file)?;
        let rules: SnapshotRules = serde_json::from_str(&text)
            .map_err(|e| GridError::one(file, Some(e.line()), "json", e.to_string()))?;
        let locator = Locator::new(&text);
        let line = |path: &str| locator.value_position(path).map(|(l, _)| l);
        let mut problems = Problems::default();
        let mut bad = |path: &str, reason: String| problems.push(file, line(path), path, reason);

        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
        if stem.as_deref() != Some(rules.name.as_str()) {
            bad(
                "name",
                format!(
                    "expected the file name without .json (`{}`), found `{}`",
                    stem.unwrap_or_default(),
                    rules.name
                ),
            );
        }
        if !(rules.total_load_mw.is_finite()
            && rules.total_load_mw > 0.0
            && rules.total_load_mw <= 1e6)
        {
            bad(
                "total_load_mw",
                format!(
                    "expected a load > 0 and <= 1e6 MW, found {}",
                    rules.total_load_mw
                ),
            );
        }
        // every carrier of the plants exactly once
        let present: BTreeMap<&str, ()> = network
            .plants
            .iter()
            .map(|p| (p.carrier.as_str(), ()))
            .collect();
        let mut listed: BTreeMap<String, String> = BTreeMap::new();
        let mut note = |carrier: &str, path: String, bad: &mut dyn FnMut(&str, String)| {
            if !present.contains_key(carrier) {
                bad(
                    &path,
                    format!("unknown carrier `{carrier}` (no plant in plants.csv has it)"),
                );
            }
            if let Some(first) = listed.insert(carrier.to_string(), path.clone()) {
                bad(
                    &path,
                    format!("carrier `{carrier}` is already listed at {first}"),
                );
            }
        };
        for (i, m) in rules.must_run.iter().enumerate() {
            note(&m.carrier, format!("must_run[{i}].carrier"), &mut bad);
            if !(m.share_of_capacity.is_finite() && (0.0..=1.0).contains(&m.share_of_capacity)) {
                bad(
                    &format!("must_run[{i}].share_of_capacity"),
                    format!("expected a share in [0, 1], found {}", m.share_of_capacity),
                );
            }
        }
        for (i, t) in rules.merit_order.iter().enumerate() {
            if t.carriers.is_empty() {
                bad(
                    &format!("merit_order[{i}].carriers"),
                    "expected at least one carrier".into(),
                );
            }
            for (j, c) in t.carriers.iter().enumerate() {
                note(c, format!("merit_order[{i}].carriers[{j}]"), &mut bad);
            }
            if !(t.availability.is_finite() && t.availability > 0.0 && t.availability <= 1.0) {
                bad(
                    &format!("merit_order[{i}].availability"),
                    format!("expected a fraction in (0, 1], found {}", t.availability),
                );
            }
        }
        for (i, c) in rules.off.iter().enumerate() {
            note(c, format!("off[{i}]"), &mut bad);
        }
        for carrier in present.keys() {
            if !listed.contains_key(*carrier) {
                bad(
                    "merit_order",
                    format!(
                        "carrier `{carrier}` of plants.csv is in none of must_run, merit_order, off"
                    ),
                );
            }
        }
        let in_merit = |c: &str| {
            rules
                .merit_order
                .iter()
                .any(|t| t.carriers.iter().any(|x| x == c))
        };
        if rules.participation.is_empty() {
            bad("participation", "expected at least one carrier".into());
        }
        for (i, c) in rules.participation.iter().enumerate() {
            if !in_merit(c) {
                bad(
                    &format!("participation[{i}]"),
                    format!("carrier `{c}` is not dispatchable here (not in merit_order)"),
                );
            }
        }
        if rules.sources.is_empty() {
            bad("sources", "expected at least one source".into());
        }
        let rangeable = rules.rangeable();
        super::ranges::check(file, &locator, &rules.ranges, &rangeable, &mut problems);
        if !problems.is_empty() {
            return Err(GridError::Invalid(problems.0));
        }
        dispatch(file, rules, network, &line)
    }
}

/// Every `*.json` snapshot in `dir`, sorted by file name.
pub fn load_snapshots(dir: &Path, network: &Network) -> Result<Vec<Snapshot>, GridError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| GridError::one(dir, None, "folder", format!("cannot read: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(GridError::one(
            dir,
            None,
            "folder",
            "no snapshot files (*.json)",
        ));
    }
    let mut problems = Vec::new();
    let mut snapshots = Vec::new();
    for f in &files {
        match Snapshot::load(f, network) {
            Ok(s) => snapshots.push(s),
            Err(GridError::Invalid(p)) => problems.extend(p),
            Err(e) => return Err(e),
        }
    }
    if problems.is_empty() {
        Ok(snapshots)
    } else {
        Err(GridError::Invalid(problems))
    }
}

fn dispatch(
    file: &Path,
    rules: SnapshotRules,
    network: &Network,
    line: &dyn Fn(&str) -> Option<usize>,
) -> Result<Snapshot, GridError> {
    let share_sum: f64 = network.buses.iter().map(|b| b.load_share).sum();
    let load_mw: Vec<f64> = network
        .buses
        .iter()
        .map(|b| b.load_share * rules.total_load_mw)
        .collect();
    let load = rules.total_load_mw * share_sum;
    let mut output = vec![0.0; network.plants.len()];
    let mut available = vec![0.0; network.plants.len()];
    for m in &rules.must_run {
        for (i, p) in network.plants.iter().enumerate() {
            if p.carrier == m.carrier {
                output[i] = m.share_of_capacity * p.capacity_mw;
                available[i] = output[i];
            }
        }
    }
    let must: f64 = output.iter().sum();
    if must > load {
        return Err(GridError::one(
            file,
            line("must_run"),
            "must_run",
            format!(
                "unbalanced: must-run output {must:.1} MW exceeds the modelled load {load:.1} MW"
            ),
        ));
    }
    let mut remaining = load - must;
    let mut marginal = None;
    for (t, tier) in rules.merit_order.iter().enumerate() {
        let members: Vec<usize> = (0..network.plants.len())
            .filter(|&i| tier.carriers.contains(&network.plants[i].carrier))
            .collect();
        let tier_available: f64 = members
            .iter()
            .map(|&i| tier.availability * network.plants[i].capacity_mw)
            .sum();
        for &i in &members {
            available[i] = tier.availability * network.plants[i].capacity_mw;
        }
        if remaining <= 0.0 || tier_available <= 0.0 {
            continue;
        }
        let fraction = (remaining / tier_available).min(1.0);
        for &i in &members {
            output[i] = fraction * available[i];
        }
        remaining -= fraction * tier_available;
        marginal = Some(t);
        if fraction < 1.0 {
            remaining = 0.0;
        }
    }
    if remaining > 1e-9 * load {
        return Err(GridError::one(
            file,
            line("merit_order"),
            "merit_order",
            format!(
                "unbalanced: the load {load:.1} MW exceeds everything the merit order can \
                 dispatch by {remaining:.1} MW"
            ),
        ));
    }
    let mut injection: Vec<f64> = load_mw.iter().map(|l| -l).collect();
    for (p, &mw) in network.plants.iter().zip(&output) {
        injection[p.bus] += mw;
    }
    let imbalance: f64 = injection.iter().sum();
    if imbalance.abs() > 1e-9 * load.max(1.0) {
        return Err(GridError::Internal(format!(
            "{}: dispatch leaves {imbalance} MW unbalanced",
            file.display()
        )));
    }
    // participation: pro rata to the headroom of the participating carriers' plants
    let mut participation = vec![0.0; network.buses.len()];
    let mut headroom = 0.0;
    for (i, p) in network.plants.iter().enumerate() {
        if rules.participation.contains(&p.carrier) {
            let h = (available[i] - output[i]).max(0.0);
            participation[p.bus] += h;
            headroom += h;
        }
    }
    if headroom <= 0.0 {
        return Err(GridError::one(
            file,
            line("participation"),
            "participation",
            "no participating plant has spare capacity in this snapshot, so no new load can be met",
        ));
    }
    participation.iter_mut().for_each(|a| *a /= headroom);
    Ok(Snapshot {
        file: file.to_path_buf(),
        rules,
        dispatch_mw: output,
        load_mw,
        injection_mw: injection,
        participation,
        participating_headroom_mw: headroom,
        marginal_tier: marginal,
    })
}
