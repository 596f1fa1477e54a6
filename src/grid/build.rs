//! Builds the shipped network (`sites/grid/`) from the raw OpenStreetMap-derived PyPSA-KR
//! tables, the KPX plant records and the provincial demand, by the rules below. It needs the
//! raw data only here; everything else reads the built files.
//!
//! Rules, in order (each is also written into `network.json`):
//! 1. Voltage class: each raw bus or line voltage goes to the nearest of 154, 345 and 765 kV
//!    (relative difference; OSM has typos such as 354 or 145 kV); more than 15 % from every
//!    class is left out. HVDC buses, lines and converters (the Jeju links) are left out.
//! 2. One bus per station and voltage class (raw buses merged), at the first raw bus's
//!    coordinates; named `S<station>-<kV>`.
//! 3. Lines: circuits = OSM cables / 3, rounded down, at least 1 (3 cables = one three-phase
//!    circuit; 1 or 2 cables are taken as one circuit); reactance and rating per circuit from
//!    the line type of the voltage (`line_types.json`; cables use the underground type).
//!    A line whose two ends merge into one bus is left out.
//! 4. Transformers: between two classes of one station, as many units of the voltage pair's
//!    type as that type states; a record whose ends merge into one class is left out.
//! 5. The model is the largest connected component; the others are reported as islands.
//! 6. Provinces: a bus takes the province whose outline holds it, else the nearest outline.
//! 7. Load: each province's share of the national annual demand is spread in equal parts
//!    over its 154 kV buses in the model; a province with none (Jeju) is left out and its
//!    share reported.
//! 8. Plants: KPX plant records; a plant of 500 MW or more goes to the nearest 345/765 kV
//!    bus, a smaller one to the nearest 154 kV bus, within 30 km; failing that the nearest bus
//!    of any voltage within 30 km; else it is left out (islands off the grid, Jeju).
//!    Province-level aggregate records (`<carrier>_<province>_정회원`) are spread in equal
//!    parts over the province's 154 kV buses. A record without coordinates is placed at its
//!    province's centroid (marked in `placement`). Zero-capacity records are left out.
//!
//! Units: kV, km, MW, degrees.

use super::error::GridError;
use super::geo::{distance_km, Provinces};
use super::network::{
    components, Branch, BranchKind, Bus, Island, Network, NetworkInfo, Plant, FORMAT,
};
use super::params::LineTypes;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Nominal voltage classes, kV.
pub const CLASSES_KV: [f64; 3] = [154.0, 345.0, 765.0];
/// Largest relative distance of a raw voltage from its class.
pub const CLASS_TOLERANCE: f64 = 0.15;
/// Plants at or above this size connect at 345/765 kV.
pub const LARGE_PLANT_MW: f64 = 500.0;
/// Farthest a plant may be from its bus.
pub const PLANT_REACH_KM: f64 = 30.0;

/// Where the raw data are.
pub struct BuildInputs {
    /// Folder with `all_buses_build_network.csv`, … , `plants_2025.json`, `province_demand.json`.
    pub raw_grid: PathBuf,
    /// KOSTAT province outlines (GeoJSON).
    pub provinces: PathBuf,
    /// `line_types.json`.
    pub line_types: PathBuf,
    /// The command line that ran the build, for `network.json`.
    pub command: String,
}

/// KOSTAT code → (key in province_demand.json, province name in the plant records).
const PROVINCE_KEYS: [(&str, &str, &str); 17] = [
    ("11", "서울", "서울특별시"),
    ("21", "부산", "부산광역시"),
    ("22", "대구", "대구광역시"),
    ("23", "인천", "인천광역시"),
    ("24", "광주", "광주광역시"),
    ("25", "대전", "대전광역시"),
    ("26", "울산", "울산광역시"),
    ("29", "세종", "세종특별자치시"),
    ("31", "경기", "경기도"),
    ("32", "강원", "강원특별자치도"),
    ("33", "충북", "충청북도"),
    ("34", "충남", "충청남도"),
    ("35", "전북", "전북특별자치도"),
    ("36", "전남", "전라남도"),
    ("37", "경북", "경상북도"),
    ("38", "경남", "경상남도"),
    ("39", "제주", "제주특별자치도"),
];

/// The nearest class of a raw voltage in volts, `None` if too far from every class.
pub fn voltage_class(volts: f64) -> Option<f64> {
    let kv = volts / 1000.0;
    let (best, rel) = CLASSES_KV
        .iter()
        .map(|&c| (c, ((kv - c) / c).abs()))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    (rel <= CLASS_TOLERANCE).then_some(best)
}

/// Three-phase circuits from an OSM cable count: cables / 3 rounded down, at least 1.
pub fn circuits_from_cables(cables: f64) -> u32 {
    ((cables / 3.0).floor() as u32).max(1)
}

struct RawTable {
    file: PathBuf,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl RawTable {
    fn read(file: PathBuf) -> Result<RawTable, GridError> {
        let mut reader = csv::Reader::from_path(&file)
            .map_err(|e| GridError::one(&file, None, "file", format!("cannot read: {e}")))?;
        let header = reader
            .headers()
            .map_err(|e| GridError::one(&file, Some(1), "header", e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .enumerate()
            .map(|(i, r)| r.map_err(|e| GridError::one(&file, Some(i + 2), "row", e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RawTable { file, header, rows })
    }

    fn column(&self, name: &str) -> Result<usize, GridError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| GridError::one(&self.file, Some(1), name, "missing column"))
    }

    fn text<'r>(&self, row: &'r csv::StringRecord, column: usize) -> &'r str {
        row.get(column).unwrap_or("").trim()
    }

    fn number(&self, row: usize, column: usize, name: &str) -> Result<f64, GridError> {
        let v = self.text(&self.rows[row], column);
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                GridError::one(
                    &self.file,
                    Some(row + 2),
                    name,
                    format!("expected a number, found `{v}`"),
                )
            })
    }
}

#[derive(Deserialize)]
struct PlantRecords {
    plants: Vec<PlantRecord>,
}

#[derive(Deserialize)]
struct PlantRecord {
    plant_ko: String,
    carrier: String,
    province_ko: String,
    lon: Option<f64>,
    lat: Option<f64>,
    capacity_mw: f64,
}

#[derive(Deserialize)]
struct Demand {
    demand_mwh: BTreeMap<String, f64>,
}

fn read_json<T: for<'de> Deserialize<'de>>(file: &Path) -> Result<T, GridError> {
    let text = GridError::read_text(file)?;
    serde_json::from_str(&text)
        .map_err(|e| GridError::one(file, Some(e.line()), "json", e.to_string()))
}

struct MergedBus {
    station: String,
    kv: f64,
    lon: f64,
    lat: f64,
    raw: Vec<String>,
}

struct RawBranch {
    id: String,
    kind: BranchKind,
    a: usize,
    b: usize,
    circuits: u32,
    length_km: Option<f64>,
    x_pu: f64,
    normal_mw: f64,
    source: String,
}

/// Builds the network; the caller writes it with [`Network::write`].
pub fn build(inputs: &BuildInputs) -> Result<Network, GridError> {
    let types = LineTypes::load(&inputs.line_types)?;
    let provinces = Provinces::load(&inputs.provinces)?;
    let raw = &inputs.raw_grid;
    let mut left_out: Vec<String> = Vec::new();

    // 1-2. buses per station and class
    let buses_t = RawTable::read(raw.join("all_buses_build_network.csv"))?;
    let (c_id, c_station, c_volt, c_dc, c_lon, c_lat) = (
        buses_t.column("bus_id")?,
        buses_t.column("station_id")?,
        buses_t.column("voltage")?,
        buses_t.column("dc")?,
        buses_t.column("lon")?,
        buses_t.column("lat")?,
    );
    let mut merged: Vec<MergedBus> = Vec::new();
    let mut by_key: BTreeMap<(String, u32), usize> = BTreeMap::new();
    let mut raw_bus: BTreeMap<String, usize> = BTreeMap::new();
    let mut snapped = Vec::new();
    for (r, row) in buses_t.rows.iter().enumerate() {
        let id = buses_t.text(row, c_id).to_string();
        let volts = buses_t.number(r, c_volt, "voltage")?;
        if buses_t.text(row, c_dc) == "True" {
            left_out.push(format!(
                "raw bus {id}: HVDC terminal ({} kV DC)",
                volts / 1000.0
            ));
            continue;
        }
        let Some(kv) = voltage_class(volts) else {
            left_out.push(format!(
                "raw bus {id}: {} kV is no 154/345/765 kV class",
                volts / 1000.0
            ));
            continue;
        };
        if (volts / 1000.0 - kv).abs() > 1e-9 {
            snapped.push(format!("{id} ({} kV)", volts / 1000.0));
        }
        let station = buses_t.text(row, c_station).to_string();
        let key = (station.clone(), kv as u32);
        let index = *by_key.entry(key).or_insert_with(|| {
            merged.push(MergedBus {
                station: station.clone(),
                kv,
                lon: 0.0,
                lat: 0.0,
                raw: Vec::new(),
            });
            merged.len() - 1
        });
        let m = &mut merged[index];
        if m.raw.is_empty() {
            m.lon = buses_t.number(r, c_lon, "lon")?;
            m.lat = buses_t.number(r, c_lat, "lat")?;
        }
        m.raw.push(id.clone());
        raw_bus.insert(id, index);
    }
    if !snapped.is_empty() {
        left_out.push(format!(
            "(not left out) raw buses snapped to the nearest voltage class: {}",
            snapped.join(", ")
        ));
    }

    // 3. lines
    let lines_t = RawTable::read(raw.join("all_lines_build_network.csv"))?;
    let (l_id, l_circ, l_volt, l_b0, l_b1, l_len, l_ug, l_dc) = (
        lines_t.column("line_id")?,
        lines_t.column("circuits")?,
        lines_t.column("voltage")?,
        lines_t.column("bus0")?,
        lines_t.column("bus1")?,
        lines_t.column("length")?,
        lines_t.column("underground")?,
        lines_t.column("dc")?,
    );
    let mut raw_branches: Vec<RawBranch> = Vec::new();
    for (r, row) in lines_t.rows.iter().enumerate() {
        let id = lines_t.text(row, l_id).to_string();
        if lines_t.text(row, l_dc) == "True" {
            left_out.push(format!("line {id}: HVDC cable"));
            continue;
        }
        let (Some(&a), Some(&b)) = (
            raw_bus.get(lines_t.text(row, l_b0)),
            raw_bus.get(lines_t.text(row, l_b1)),
        ) else {
            left_out.push(format!("line {id}: an end bus was left out"));
            continue;
        };
        if a == b {
            left_out.push(format!(
                "line {id}: both ends merge into bus {}",
                bus_name(&merged[a])
            ));
            continue;
        }
        let volts = lines_t.number(r, l_volt, "voltage")?;
        let kv = merged[a].kv;
        if voltage_class(volts) != Some(kv) || merged[b].kv != kv {
            left_out.push(format!(
                "line {id}: {} kV line between buses of {} and {} kV",
                volts / 1000.0,
                merged[a].kv,
                merged[b].kv
            ));
            continue;
        }
        let cables = lines_t.number(r, l_circ, "circuits")?;
        let length_km = lines_t.number(r, l_len, "length")? / 1000.0;
        if length_km <= 0.0 {
            left_out.push(format!("line {id}: length {length_km} km"));
            continue;
        }
        let underground = lines_t.text(row, l_ug) == "True";
        let line = types.line(kv).ok_or_else(|| {
            GridError::one(
                &inputs.line_types,
                None,
                "lines",
                format!("no line type for {kv} kV"),
            )
        })?;
        let circuits = circuits_from_cables(cables);
        raw_branches.push(RawBranch {
            id: id.clone(),
            kind: BranchKind::Line,
            a,
            b,
            circuits,
            length_km: Some(length_km),
            x_pu: types.line_x_pu(line, length_km, underground),
            normal_mw: line.normal_mw_per_circuit,
            source: format!(
                "{cables} cables, {}",
                if underground {
                    "underground"
                } else {
                    "overhead"
                }
            ),
        });
    }

    // 4. transformers
    let tr_t = RawTable::read(raw.join("all_transformers_build_network.csv"))?;
    let (t_id, t_b0, t_b1) = (
        tr_t.column("line_id")?,
        tr_t.column("bus0")?,
        tr_t.column("bus1")?,
    );
    for row in &tr_t.rows {
        let id = tr_t.text(row, t_id).to_string();
        let (Some(&a), Some(&b)) = (
            raw_bus.get(tr_t.text(row, t_b0)),
            raw_bus.get(tr_t.text(row, t_b1)),
        ) else {
            left_out.push(format!("transformer {id}: an end bus was left out"));
            continue;
        };
        if a == b {
            left_out.push(format!(
                "transformer {id}: both ends merge into bus {} (one voltage class)",
                bus_name(&merged[a])
            ));
            continue;
        }
        let t = types
            .transformer(merged[a].kv, merged[b].kv)
            .ok_or_else(|| {
                GridError::one(
                    &inputs.line_types,
                    None,
                    "transformers",
                    format!(
                        "no transformer type for {}/{} kV",
                        merged[a].kv, merged[b].kv
                    ),
                )
            })?;
        raw_branches.push(RawBranch {
            id: id.clone(),
            kind: BranchKind::Transformer,
            a,
            b,
            circuits: t.units,
            length_km: None,
            x_pu: types.transformer_x_pu(t),
            normal_mw: t.unit_mva,
            source: format!("{} x {} MVA assumed", t.units, t.unit_mva),
        });
    }
    let conv_file = raw.join("all_converters_build_network.csv");
    if let Ok(conv) = RawTable::read(conv_file) {
        if let Ok(c) = conv.column("converter_id") {
            for row in &conv.rows {
                left_out.push(format!("converter {}: HVDC (Jeju link)", conv.text(row, c)));
            }
        }
    }

    // 5. largest component
    let labels = components(merged.len(), raw_branches.iter().map(|b| (b.a, b.b)));
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for &l in &labels {
        *sizes.entry(l).or_default() += 1;
    }
    let main = *sizes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(l, _)| l)
        .ok_or_else(|| GridError::one(&buses_t.file, None, "rows", "no buses"))?;
    let mut islands = Vec::new();
    for (&label, &size) in &sizes {
        if label == main {
            continue;
        }
        let members: Vec<usize> = (0..merged.len()).filter(|&i| labels[i] == label).collect();
        let first = &merged[members[0]];
        let (p, _) = provinces.nearest(first.lon, first.lat);
        islands.push(Island {
            buses: members.iter().map(|&i| bus_name(&merged[i])).collect(),
            lon: first.lon,
            lat: first.lat,
            note: format!(
                "{size} bus(es) in {} with no AC branch to the main network{}",
                provinces.list[p].name_en,
                if provinces.list[p].code == "39" {
                    " (Jeju: joined to the mainland only by HVDC)"
                } else {
                    " (gap in the OSM data)"
                }
            ),
        });
    }
    let kept: Vec<usize> = (0..merged.len()).filter(|&i| labels[i] == main).collect();
    let mut new_index = vec![usize::MAX; merged.len()];
    for (j, &i) in kept.iter().enumerate() {
        new_index[i] = j;
    }

    // 6. provinces of buses
    let mut buses: Vec<Bus> = kept
        .iter()
        .map(|&i| {
            let m = &merged[i];
            let (p, _) = provinces.nearest(m.lon, m.lat);
            Bus {
                id: bus_name(m),
                station: m.station.clone(),
                kv: m.kv,
                lon: m.lon,
                lat: m.lat,
                province: provinces.list[p].name_en.clone(),
                load_share: 0.0,
            }
        })
        .collect();
    let province_of: Vec<usize> = buses
        .iter()
        .map(|b| provinces.nearest(b.lon, b.lat).0)
        .collect();

    // 7. load shares
    let demand_file = raw.join("province_demand.json");
    let demand: Demand = read_json(&demand_file)?;
    let total: f64 = demand.demand_mwh.values().sum();
    let mut load_share_left_out = 0.0;
    for (code, key, _) in PROVINCE_KEYS {
        let Some(&mwh) = demand.demand_mwh.get(key) else {
            return Err(GridError::one(
                &demand_file,
                None,
                &format!("demand_mwh.{key}"),
                "missing province",
            ));
        };
        let p = provinces.by_code(code).ok_or_else(|| {
            GridError::one(
                &inputs.provinces,
                None,
                "features",
                format!("no province with code {code}"),
            )
        })?;
        let targets: Vec<usize> = (0..buses.len())
            .filter(|&i| province_of[i] == p && buses[i].kv == 154.0)
            .collect();
        let share = mwh / total;
        if targets.is_empty() {
            load_share_left_out += share;
            left_out.push(format!(
                "load of {} ({:.2} % of national demand): no 154 kV bus of the province in the model",
                provinces.list[p].name_en,
                100.0 * share
            ));
            continue;
        }
        for &i in &targets {
            buses[i].load_share += share / targets.len() as f64;
        }
    }

    // branches of the model
    let branches: Vec<Branch> = raw_branches
        .iter()
        .filter_map(|r| {
            if labels[r.a] != main {
                return None;
            }
            Some(Branch {
                id: r.id.clone(),
                kind: r.kind,
                from: new_index[r.a],
                to: new_index[r.b],
                circuits: r.circuits,
                length_km: r.length_km,
                x_pu: r.x_pu,
                normal_mw: r.normal_mw,
                emergency_mw: r.normal_mw * types.emergency_factor,
                source: r.source.clone(),
            })
        })
        .collect();
    let island_branches = raw_branches.len() - branches.len();
    if island_branches > 0 {
        left_out.push(format!("{island_branches} branch(es) of the islands above"));
    }

    // 8. plants
    let plants_file = raw.join("plants_2025.json");
    let records: PlantRecords = read_json(&plants_file)?;
    let mut plants = Vec::new();
    for (r, rec) in records.plants.iter().enumerate() {
        let id = format!("P{:03}", r + 1);
        if rec.capacity_mw.is_nan() || rec.capacity_mw <= 0.0 {
            left_out.push(format!("plant {id} {}: zero capacity", rec.plant_ko));
            continue;
        }
        let code = PROVINCE_KEYS
            .iter()
            .find(|(_, _, name)| *name == rec.province_ko)
            .map(|(c, _, _)| *c);
        let province = code.and_then(|c| provinces.by_code(c));
        if rec.plant_ko.contains("_정회원") {
            let targets: Vec<usize> = (0..buses.len())
                .filter(|&i| Some(province_of[i]) == province && buses[i].kv == 154.0)
                .collect();
            if targets.is_empty() {
                left_out.push(format!(
                    "plant {id} {} ({} MW {}): no 154 kV bus of its province in the model",
                    rec.plant_ko, rec.capacity_mw, rec.carrier
                ));
                continue;
            }
            for (k, &i) in targets.iter().enumerate() {
                plants.push(Plant {
                    id: format!("{id}#{}", k + 1),
                    name: rec.plant_ko.clone(),
                    carrier: rec.carrier.clone(),
                    capacity_mw: rec.capacity_mw / targets.len() as f64,
                    bus: i,
                    placement: format!("aggregate, 1/{}", targets.len()),
                });
            }
            continue;
        }
        let (lon, lat, located) = match (rec.lon, rec.lat, province) {
            (Some(lon), Some(lat), _) => (lon, lat, "recorded location"),
            (_, _, Some(p)) => {
                let (lon, lat) = provinces.list[p].centroid();
                (
                    lon,
                    lat,
                    "no recorded location: placed at its province's centroid (assumed)",
                )
            }
            _ => {
                left_out.push(format!(
                    "plant {id} {}: no location and no known province",
                    rec.plant_ko
                ));
                continue;
            }
        };
        let wants_high = rec.capacity_mw >= LARGE_PLANT_MW;
        let nearest = |pred: &dyn Fn(&Bus) -> bool| {
            buses
                .iter()
                .enumerate()
                .filter(|(_, b)| pred(b))
                .map(|(i, b)| (i, distance_km(lon, lat, b.lon, b.lat)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        };
        let suited = nearest(&|b: &Bus| {
            if wants_high {
                b.kv >= 345.0
            } else {
                b.kv == 154.0
            }
        });
        let choice = match suited {
            Some((i, d)) if d <= PLANT_REACH_KM => Some((i, d, "nearest bus of its size class")),
            _ => nearest(&|_| true)
                .filter(|&(_, d)| d <= PLANT_REACH_KM)
                .map(|(i, d)| {
                    (
                        i,
                        d,
                        "nearest bus of any voltage (none of its size class within reach)",
                    )
                }),
        };
        let Some((bus, d, how)) = choice else {
            left_out.push(format!(
                "plant {id} {} ({} MW {}): no bus within {PLANT_REACH_KM} km",
                rec.plant_ko, rec.capacity_mw, rec.carrier
            ));
            continue;
        };
        plants.push(Plant {
            id,
            name: rec.plant_ko.clone(),
            carrier: rec.carrier.clone(),
            capacity_mw: rec.capacity_mw,
            bus,
            placement: format!("{located}; {how} ({} kV), {:.1} km", buses[bus].kv, d),
        });
    }

    let info = NetworkInfo {
        format: FORMAT.to_string(),
        base_mva: types.base_mva,
        frequency_hz: types.frequency_hz,
        description: "Korean transmission network (154, 345 and 765 kV) for DC load flow and N-1 \
                      hosting capacity, built by dcplan from OpenStreetMap-derived data; see \
                      ATTRIBUTION.md for sources and licences and docs/GRID.md for the model"
            .to_string(),
        built_from: vec![
            "all_buses_build_network.csv, all_lines_build_network.csv, all_transformers_build_network.csv, all_converters_build_network.csv: PyPSA-Earth network for Korea from OpenStreetMap (github.com/RogerKwak/PyPSA-KR, data/base_network/); © OpenStreetMap contributors, ODbL 1.0".to_string(),
            "plants_2025.json: KPX member-generator unit records grouped by plant, as read in github.com/PLANiT-Institute/PyPSA-KR-PLANiT (data/Provincenode2024/generators.csv); facts only".to_string(),
            "province_demand.json: annual demand by province, same repository (data/archive/others/province_demand.xlsx); facts only".to_string(),
            "provinces: KOSTAT 2012 province outlines via github.com/southkorea/southkorea-maps".to_string(),
            "line_types.json: per-voltage standard parameters (pandapower standard types, KEPCO capacities), assumed".to_string(),
        ],
        build_command: inputs.command.clone(),
        rules: vec![
            format!("voltage class: nearest of 154/345/765 kV within {} %; HVDC left out", CLASS_TOLERANCE * 100.0),
            "one bus per station and voltage class, at the first raw bus's coordinates; id S<station>-<kV>".into(),
            "line circuits = OSM cables / 3 rounded down, at least 1; reactance and rating per circuit from line_types.json by voltage (underground cables: the underground reactance); branch ids are the PyPSA-KR line and transformer ids (OSM way ids for lines)".into(),
            "transformers: units and unit rating from line_types.json by voltage pair".into(),
            format!("emergency rating = {} x normal", types.emergency_factor),
            "the model is the largest connected component; the rest are islands".into(),
            "bus province: the KOSTAT outline holding it, else the nearest".into(),
            "load: each province's share of national annual demand, in equal parts over its 154 kV buses".into(),
            format!("plants: >= {LARGE_PLANT_MW} MW to the nearest 345/765 kV bus, smaller to the nearest 154 kV bus, within {PLANT_REACH_KM} km, else the nearest bus of any voltage within {PLANT_REACH_KM} km, else left out; provincial aggregate records spread over the province's 154 kV buses; records without coordinates at their province's centroid; placement `aggregate, 1/N` marks one of the N equal parts of a provincial aggregate record"),
        ],
        islands,
        left_out,
        load_share_left_out,
    };
    Ok(Network {
        dir: PathBuf::new(),
        info,
        buses,
        branches,
        plants,
    })
}

fn bus_name(m: &MergedBus) -> String {
    format!("S{}-{}", m.station, m.kv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voltage_classes_and_circuits() {
        assert_eq!(voltage_class(354_000.0), Some(345.0));
        assert_eq!(voltage_class(145_000.0), Some(154.0));
        assert_eq!(voltage_class(380_000.0), Some(345.0));
        assert_eq!(voltage_class(765_000.0), Some(765.0));
        assert_eq!(voltage_class(22_900.0), None);
        assert_eq!(voltage_class(250_000.0), None);
        assert_eq!(circuits_from_cables(6.0), 2);
        assert_eq!(circuits_from_cables(12.0), 4);
        assert_eq!(circuits_from_cables(8.0), 2);
        assert_eq!(circuits_from_cables(3.0), 1);
        assert_eq!(circuits_from_cables(1.0), 1);
    }
}
