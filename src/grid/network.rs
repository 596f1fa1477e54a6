//! The national network as dcplan ships it (`sites/grid/`): buses, branches and plants, read
//! from CSV tables and checked before any computation.
//!
//! Files (all in one folder):
//! - `network.json` — format tag, MVA base, what it was built from and by which rules, the
//!   islands and items left out;
//! - `buses.csv` — `id,station,kv,lon,lat,province,load_share`: one bus per station and voltage
//!   class; `load_share` is the fraction of the national load drawn at the bus;
//! - `branches.csv` — `id,kind,from,to,circuits,length_km,x_pu,normal_mw,emergency_mw,source`:
//!   lines and transformers; reactance (per unit on the MVA base) and ratings are PER CIRCUIT
//!   (per transformer unit), `circuits` identical circuits in parallel;
//! - `plants.csv` — `id,name,carrier,capacity_mw,bus,placement`.
//!
//! Invariants after [`Network::load`]: ids unique; every branch joins two different known
//! buses (a line joins buses of one voltage, a transformer two voltages); reactances, ratings
//! and lengths positive, emergency rating at least the normal one; load shares in [0, 1]
//! summing to at most 1; the buses form one connected network. Units: kV, MW, km, degrees
//! (WGS 84), per unit on `base_mva`.

use super::error::{GridError, GridProblem, Problems};
use super::table::{sig6, write_csv, Table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The format tag of `network.json`.
pub const FORMAT: &str = "dcplan-grid/1";
pub const BUS_COLUMNS: [&str; 7] = [
    "id",
    "station",
    "kv",
    "lon",
    "lat",
    "province",
    "load_share",
];
pub const BRANCH_COLUMNS: [&str; 10] = [
    "id",
    "kind",
    "from",
    "to",
    "circuits",
    "length_km",
    "x_pu",
    "normal_mw",
    "emergency_mw",
    "source",
];
pub const PLANT_COLUMNS: [&str; 6] = ["id", "name", "carrier", "capacity_mw", "bus", "placement"];
/// Largest number of parallel circuits (or transformer units) a branch may have.
pub const MAX_CIRCUITS: u32 = 16;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bus {
    pub id: String,
    /// Station (substation) identifier of the source data.
    pub station: String,
    /// Nominal voltage, kV.
    pub kv: f64,
    pub lon: f64,
    pub lat: f64,
    /// Province or metropolitan city, English (KOSTAT `name_eng`).
    pub province: String,
    /// Fraction of the national load drawn at this bus.
    pub load_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BranchKind {
    Line,
    Transformer,
}

impl BranchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BranchKind::Line => "line",
            BranchKind::Transformer => "transformer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Branch {
    pub id: String,
    pub kind: BranchKind,
    /// Bus indices.
    pub from: usize,
    pub to: usize,
    /// Identical circuits (transformer units) in parallel.
    pub circuits: u32,
    /// Route length, km (lines only).
    pub length_km: Option<f64>,
    /// Series reactance of ONE circuit, per unit on the network's MVA base.
    pub x_pu: f64,
    /// Continuous (normal) rating of one circuit, MW.
    pub normal_mw: f64,
    /// Short-time emergency rating of one circuit, MW (applies after an outage).
    pub emergency_mw: f64,
    /// Where the branch comes from (OSM way id, transformer record).
    pub source: String,
}

impl Branch {
    /// Susceptance of all circuits together, MW per radian of angle difference.
    pub fn susceptance_mw_per_rad(&self, base_mva: f64) -> f64 {
        self.circuits as f64 * base_mva / self.x_pu
    }

    pub fn normal_total_mw(&self) -> f64 {
        self.circuits as f64 * self.normal_mw
    }

    pub fn emergency_total_mw(&self) -> f64 {
        self.circuits as f64 * self.emergency_mw
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plant {
    pub id: String,
    pub name: String,
    /// Fuel or source (`nuclear`, `bituminous`, `LNG`, `solar`, …), as in the KPX records.
    pub carrier: String,
    pub capacity_mw: f64,
    /// Bus index.
    pub bus: usize,
    /// How the plant was placed on its bus (the build rule and distance).
    pub placement: String,
}

/// A connected component of the raw network that is not part of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Island {
    /// Buses as `station-kV` names.
    pub buses: Vec<String>,
    pub lon: f64,
    pub lat: f64,
    pub note: String,
}

/// `network.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkInfo {
    pub format: String,
    pub base_mva: f64,
    pub frequency_hz: f64,
    pub description: String,
    pub built_from: Vec<String>,
    pub build_command: String,
    pub rules: Vec<String>,
    pub islands: Vec<Island>,
    /// Items of the raw data left out of the model, each with its reason.
    pub left_out: Vec<String>,
    /// Share of the national load in provinces with no bus in the model (Jeju).
    pub load_share_left_out: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub dir: PathBuf,
    pub info: NetworkInfo,
    pub buses: Vec<Bus>,
    pub branches: Vec<Branch>,
    pub plants: Vec<Plant>,
}

impl Network {
    /// The network shipped under `dir` (normally `sites/grid`).
    pub fn load_shipped(dir: &Path) -> Result<Network, GridError> {
        Network::load(dir)
    }

    pub fn load(dir: &Path) -> Result<Network, GridError> {
        let info_file = dir.join("network.json");
        let text = GridError::read_text(&info_file)?;
        let info: NetworkInfo = serde_json::from_str(&text)
            .map_err(|e| GridError::one(&info_file, Some(e.line()), "json", e.to_string()))?;
        let mut problems = Problems::default();
        if info.format != FORMAT {
            problems.push(
                &info_file,
                None,
                "format",
                format!("expected `{FORMAT}`, found `{}`", info.format),
            );
        }
        if !(info.base_mva.is_finite() && info.base_mva > 0.0) {
            problems.push(
                &info_file,
                None,
                "base_mva",
                format!("expected a positive number, found {}", info.base_mva),
            );
        }

        let bus_file = dir.join("buses.csv");
        let branch_file = dir.join("branches.csv");
        let plant_file = dir.join("plants.csv");
        let buses = read_buses(&bus_file, &mut problems)?;
        let index: BTreeMap<&str, usize> = buses
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.as_str(), i))
            .collect();
        let branches = read_branches(&branch_file, &buses, &index, &mut problems)?;
        let plants = read_plants(&plant_file, &index, &mut problems)?;
        if problems.is_empty() {
            check_connected(&bus_file, &buses, &branches, &mut problems);
        }
        problems.into_result(Network {
            dir: dir.to_path_buf(),
            info,
            buses,
            branches,
            plants,
        })
    }

    pub fn bus_index(&self, id: &str) -> Option<usize> {
        self.buses.iter().position(|b| b.id == id)
    }

    /// The four files' names and contents, as the build writes them.
    pub fn files(&self) -> Result<Vec<(&'static str, String)>, GridError> {
        let buses: Vec<Vec<String>> = self
            .buses
            .iter()
            .map(|b| {
                vec![
                    b.id.clone(),
                    b.station.clone(),
                    format!("{}", b.kv),
                    format!("{}", b.lon),
                    format!("{}", b.lat),
                    b.province.clone(),
                    sig6(b.load_share),
                ]
            })
            .collect();
        let branches: Vec<Vec<String>> = self
            .branches
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.kind.as_str().to_string(),
                    self.buses[r.from].id.clone(),
                    self.buses[r.to].id.clone(),
                    r.circuits.to_string(),
                    r.length_km.map(sig6).unwrap_or_default(),
                    sig6(r.x_pu),
                    sig6(r.normal_mw),
                    sig6(r.emergency_mw),
                    r.source.clone(),
                ]
            })
            .collect();
        let plants: Vec<Vec<String>> = self
            .plants
            .iter()
            .map(|p| {
                vec![
                    p.id.clone(),
                    p.name.clone(),
                    p.carrier.clone(),
                    sig6(p.capacity_mw),
                    self.buses[p.bus].id.clone(),
                    p.placement.clone(),
                ]
            })
            .collect();
        let mut json = serde_json::to_string_pretty(&self.info)
            .map_err(|e| GridError::Internal(e.to_string()))?;
        json.push('\n');
        Ok(vec![
            ("buses.csv", write_csv(&BUS_COLUMNS, &buses)?),
            ("branches.csv", write_csv(&BRANCH_COLUMNS, &branches)?),
            ("plants.csv", write_csv(&PLANT_COLUMNS, &plants)?),
            ("network.json", json),
        ])
    }
}

fn unique(seen: &mut BTreeMap<String, usize>, id: &str, line: usize) -> Option<usize> {
    match seen.get(id) {
        Some(&first) => Some(first),
        None => {
            seen.insert(id.to_string(), line);
            None
        }
    }
}

fn read_buses(file: &Path, problems: &mut Problems) -> Result<Vec<Bus>, GridError> {
    let table = Table::read(file, &BUS_COLUMNS)?;
    let mut buses = Vec::with_capacity(table.len());
    let mut seen = BTreeMap::new();
    let mut share_sum = 0.0;
    for row in table.rows() {
        let id = row.text("id", problems);
        let station = row.text("station", problems);
        let kv = row.bounded("kv", 0.0, true, 1200.0, "a voltage (kV)", problems);
        let lon = row.bounded("lon", 124.0, false, 132.0, "a longitude in Korea", problems);
        let lat = row.bounded("lat", 33.0, false, 39.0, "a latitude in Korea", problems);
        let province = row.text("province", problems);
        let share = row.bounded("load_share", 0.0, false, 1.0, "a share", problems);
        if let Some(id) = &id {
            if let Some(first) = unique(&mut seen, id, row.line) {
                row.problem(
                    problems,
                    "id",
                    format!("duplicate bus `{id}` (first on line {first})"),
                );
            }
        }
        if let (Some(id), Some(station), Some(kv), Some(lon), Some(lat), Some(province), Some(s)) =
            (id, station, kv, lon, lat, province, share)
        {
            share_sum += s;
            buses.push(Bus {
                id,
                station,
                kv,
                lon,
                lat,
                province,
                load_share: s,
            });
        }
    }
    if table.is_empty() {
        problems.push(file, None, "rows", "no buses");
    }
    if share_sum > 1.0 + 1e-6 || (problems.is_empty() && share_sum <= 0.0) {
        problems.push(
            file,
            None,
            "load_share",
            format!("expected shares summing to a value in (0, 1], found {share_sum}"),
        );
    }
    Ok(buses)
}

fn read_branches(
    file: &Path,
    buses: &[Bus],
    index: &BTreeMap<&str, usize>,
    problems: &mut Problems,
) -> Result<Vec<Branch>, GridError> {
    let table = Table::read(file, &BRANCH_COLUMNS)?;
    let mut branches = Vec::with_capacity(table.len());
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let id = row.text("id", problems);
        let kind = match row.raw("kind") {
            "line" => Some(BranchKind::Line),
            "transformer" => Some(BranchKind::Transformer),
            other => {
                row.problem(
                    problems,
                    "kind",
                    format!("expected `line` or `transformer`, found `{other}`"),
                );
                None
            }
        };
        let from = lookup_bus(&row, "from", index, problems);
        let to = lookup_bus(&row, "to", index, problems);
        let circuits = match row.raw("circuits").parse::<u32>() {
            Ok(c) if (1..=MAX_CIRCUITS).contains(&c) => Some(c),
            _ => {
                row.problem(
                    problems,
                    "circuits",
                    format!(
                        "expected a whole number of circuits from 1 to {MAX_CIRCUITS}, found `{}`",
                        row.raw("circuits")
                    ),
                );
                None
            }
        };
        let length = row.optional_number("length_km", problems);
        let x = row.number("x_pu", problems);
        if let Some(x) = x {
            if x <= 0.0 {
                row.problem(
                    problems,
                    "x_pu",
                    format!("expected a positive reactance, found {x}"),
                );
            }
        }
        let normal = row.bounded("normal_mw", 0.0, true, 1e5, "a rating (MW)", problems);
        let emergency = row.bounded("emergency_mw", 0.0, true, 1e5, "a rating (MW)", problems);
        if let (Some(n), Some(e)) = (normal, emergency) {
            if e < n {
                row.problem(
                    problems,
                    "emergency_mw",
                    format!("expected at least the normal rating ({n} MW), found {e}"),
                );
            }
        }
        if let Some(id) = &id {
            if let Some(first) = unique(&mut seen, id, row.line) {
                row.problem(
                    problems,
                    "id",
                    format!("duplicate branch `{id}` (first on line {first})"),
                );
            }
        }
        if let (Some(f), Some(t)) = (from, to) {
            if f == t {
                row.problem(
                    problems,
                    "to",
                    format!("joins bus `{}` to itself", buses[f].id),
                );
            } else if let Some(kind) = kind {
                let same = (buses[f].kv - buses[t].kv).abs() < 1e-9;
                match kind {
                    BranchKind::Line if !same => row.problem(
                        problems,
                        "kind",
                        format!(
                            "a line joins buses of one voltage, but `{}` is {} kV and `{}` {} kV",
                            buses[f].id, buses[f].kv, buses[t].id, buses[t].kv
                        ),
                    ),
                    BranchKind::Transformer if same => row.problem(
                        problems,
                        "kind",
                        format!(
                            "a transformer joins two voltages, but both buses are {} kV",
                            buses[f].kv
                        ),
                    ),
                    _ => {}
                }
            }
        }
        let length_km = match (kind, length) {
            (Some(BranchKind::Line), Some(None)) => {
                row.problem(problems, "length_km", "a line needs its length");
                None
            }
            (_, Some(Some(l))) if l <= 0.0 => {
                row.problem(
                    problems,
                    "length_km",
                    format!("expected a positive length, found {l}"),
                );
                None
            }
            (_, Some(l)) => Some(l),
            _ => None,
        };
        if let (
            Some(id),
            Some(kind),
            Some(from),
            Some(to),
            Some(circuits),
            Some(length_km),
            Some(x),
            Some(n),
            Some(e),
        ) = (
            id, kind, from, to, circuits, length_km, x, normal, emergency,
        ) {
            if x > 0.0 && from != to {
                branches.push(Branch {
                    id,
                    kind,
                    from,
                    to,
                    circuits,
                    length_km,
                    x_pu: x,
                    normal_mw: n,
                    emergency_mw: e,
                    source: row.raw("source").to_string(),
                });
            }
        }
    }
    Ok(branches)
}

fn lookup_bus(
    row: &super::table::Row<'_>,
    column: &str,
    index: &BTreeMap<&str, usize>,
    problems: &mut Problems,
) -> Option<usize> {
    let name = row.raw(column);
    let found = index.get(name).copied();
    if found.is_none() {
        row.problem(
            problems,
            column,
            format!("unknown bus `{name}` (not in buses.csv)"),
        );
    }
    found
}

fn read_plants(
    file: &Path,
    index: &BTreeMap<&str, usize>,
    problems: &mut Problems,
) -> Result<Vec<Plant>, GridError> {
    let table = Table::read(file, &PLANT_COLUMNS)?;
    let mut plants = Vec::with_capacity(table.len());
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let id = row.text("id", problems);
        let name = row.text("name", problems);
        let carrier = row.text("carrier", problems);
        let capacity = row.bounded("capacity_mw", 0.0, false, 1e5, "a capacity (MW)", problems);
        let bus = lookup_bus(&row, "bus", index, problems);
        if let Some(id) = &id {
            if let Some(first) = unique(&mut seen, id, row.line) {
                row.problem(
                    problems,
                    "id",
                    format!("duplicate plant `{id}` (first on line {first})"),
                );
            }
        }
        if let (Some(id), Some(name), Some(carrier), Some(capacity_mw), Some(bus)) =
            (id, name, carrier, capacity, bus)
        {
            plants.push(Plant {
                id,
                name,
                carrier,
                capacity_mw,
                bus,
                placement: row.raw("placement").to_string(),
            });
        }
    }
    Ok(plants)
}

/// Every bus must reach the first one through branches: the DC load flow needs one network.
fn check_connected(file: &Path, buses: &[Bus], branches: &[Branch], problems: &mut Problems) {
    let components = components(buses.len(), branches.iter().map(|b| (b.from, b.to)));
    let main = components[0];
    let stray: Vec<&str> = buses
        .iter()
        .zip(&components)
        .filter(|(_, &c)| c != main)
        .map(|(b, _)| b.id.as_str())
        .collect();
    if !stray.is_empty() {
        let shown: Vec<&str> = stray.iter().take(10).copied().collect();
        problems.0.push(GridProblem::new(
            file,
            None,
            "id",
            format!(
                "{} bus(es) not connected to `{}` through branches.csv: {}{}",
                stray.len(),
                buses[0].id,
                shown.join(", "),
                if stray.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
        ));
    }
}

/// Component label of every node (the smallest node index in its component).
pub fn components(nodes: usize, edges: impl Iterator<Item = (usize, usize)>) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..nodes).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi] = lo;
        }
    }
    (0..nodes).map(|i| find(&mut parent, i)).collect()
}
