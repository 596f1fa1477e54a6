//! Candidate parcels to site files (`dcplan parcels`): each parcel of a GeoJSON file (a point,
//! or a polygon whose area and bounding box give the land) becomes a site file that `rank`
//! takes, every figure either computed from shipped data or marked assumed.
//!
//! - Climate: monthly means by [`crate::climate::interpolate`] from the KMA station normals
//!   (`climate/kma-normals-1991-2020.json` in the data folder), at the parcel's elevation
//!   (`properties.elevation_m`; absent: the stations' weighted elevation, marked assumed and
//!   ranged over the stations' elevations).
//!   Diurnal range and humidity are left out: the model's defaults apply and say so.
//! - Province: the KOSTAT province holding the point (`geo/provinces-kostat-2012-simple.geojson`),
//!   or the nearest within [`COAST_KM`] (the outlines are simplified).
//! - Grid: the nearest 154 kV bus of the network model (`grid/`) within
//!   `grid::site::LINK_REACH_KM`, named in `power.grid_bus`; its straight-line distance is the
//!   substation distance (assumed: the route is longer). The headroom comes from the model.
//! - Land: a polygon's area as a rectangle of its bounding box's proportions (assumed: the
//!   largest rectangle inside an irregular parcel is smaller); a point's
//!   `properties.usable_width_m` and `usable_depth_m`, else [`DEFAULT_LAND_M`] (assumed).
//! - Hazards: unknown for a parcel: 0.5 on every 0-1 score, marked assumed and ranged over the
//!   whole scale.
//! - Tariff and grid carbon: the national figures the shipped sites use (one national value).
//!
//! Every problem of every parcel is reported together, each naming its feature and field.

use crate::climate::interpolate::{interpolate, StationNormals, LAPSE_K_PER_M, NEAREST, POWER};
use crate::grid::geo::{distance_km, Provinces};
use crate::grid::site::{link_bus, LINK_REACH_KM};
use crate::grid::Network;
use crate::site::limits::{ELEVATION_MAX_M, ELEVATION_MIN_M};
use crate::site::{parse_site, Power};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A point this far outside every (simplified) province outline still takes the nearest, km.
pub const COAST_KM: f64 = 5.0;
/// Usable land of a point parcel with none given, m (width, depth): the first campus phase of
/// the shipped sites.
pub const DEFAULT_LAND_M: (f64, f64) = (150.0, 200.0);
/// Seoul City Hall (lat, lon), for the distance criterion.
pub const SEOUL_CITY_HALL: (f64, f64) = (37.5663, 126.9779);
/// KEPCO industrial (eul) tariff from 2024-10-24, KRW/kWh, and the national grid emission
/// factor for 2023, kg CO2/kWh, as in the shipped sites.
pub const TARIFF_KRW_PER_KWH: f64 = 182.7;
pub const GRID_CARBON_KG_PER_KWH: f64 = 0.4173;

/// English names of the KOSTAT province codes, as the shipped sites spell them (current names;
/// the 2012 outlines carry Gangwon-do and Jeollabuk-do).
const PROVINCE_NAMES: [(&str, &str); 17] = [
    ("11", "Seoul"),
    ("21", "Busan Metropolitan City"),
    ("22", "Daegu Metropolitan City"),
    ("23", "Incheon Metropolitan City"),
    ("24", "Gwangju Metropolitan City"),
    ("25", "Daejeon Metropolitan City"),
    ("26", "Ulsan Metropolitan City"),
    ("29", "Sejong Special Self-Governing City"),
    ("31", "Gyeonggi-do"),
    ("32", "Gangwon State"),
    ("33", "Chungcheongbuk-do"),
    ("34", "Chungcheongnam-do"),
    ("35", "Jeonbuk State"),
    ("36", "Jeollanam-do"),
    ("37", "Gyeongsangbuk-do"),
    ("38", "Gyeongsangnam-do"),
    ("39", "Jeju Special Self-Governing Province"),
];

/// The shipped data a conversion reads, from the data folder (`sites/`).
pub struct ParcelData {
    pub normals: StationNormals,
    pub provinces: Provinces,
    pub network: Network,
    /// The files read, for the record.
    pub files: Vec<PathBuf>,
}

/// Why parcels could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum ParcelError {
    /// The shipped data could not be read.
    #[error("{0}")]
    Data(String),
    /// Problems in the parcels file, every one.
    #[error("{} problem(s) in {}:\n{}", problems.len(), file.display(), problems.join("\n"))]
    Parcels {
        file: PathBuf,
        problems: Vec<String>,
    },
}

impl ParcelData {
    /// Reads the normals, the province outlines and the network model from `dir`.
    pub fn load(dir: &Path) -> Result<ParcelData, ParcelError> {
        let normals_file = dir.join("climate/kma-normals-1991-2020.json");
        let provinces_file = dir.join("geo/provinces-kostat-2012-simple.geojson");
        let grid_dir = dir.join("grid");
        let normals =
            StationNormals::load(&normals_file).map_err(|e| ParcelError::Data(e.to_string()))?;
        let provinces =
            Provinces::load(&provinces_file).map_err(|e| ParcelError::Data(e.to_string()))?;
        let network = Network::load(&grid_dir).map_err(|e| ParcelError::Data(e.to_string()))?;
        Ok(ParcelData {
            normals,
            provinces,
            network,
            files: vec![normals_file, provinces_file, grid_dir],
        })
    }
}

/// One converted parcel: its id and its site file's text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelSite {
    pub id: String,
    pub json: String,
}

/// A parcel's place and land, from its geometry.
struct Shape {
    lat: f64,
    lon: f64,
    /// Width and depth of the land, m, for a polygon.
    land_m: Option<(f64, f64)>,
    kind: &'static str,
}

/// `v` to `decimals` places, dividing by an exact power of ten so that the JSON shows the short
/// decimal (44.9, not 44.900000000000006).
fn round_to(v: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (v * scale).round() / scale
}

/// Local metres per degree of (lon, lat) at `lat` (equirectangular; good over a parcel).
fn metres_per_degree(lat: f64) -> (f64, f64) {
    let m = crate::grid::geo::EARTH_RADIUS_KM * 1000.0 * std::f64::consts::PI / 180.0;
    (m * lat.to_radians().cos(), m)
}

fn ring(v: &Value) -> Option<Vec<(f64, f64)>> {
    let pts: Option<Vec<(f64, f64)>> = v
        .as_array()?
        .iter()
        .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .collect();
    pts.filter(|p| p.len() >= 3)
}

/// Signed shoelace area of a ring in local metres, and its centroid (lon, lat).
fn ring_area(r: &[(f64, f64)], lat0: f64) -> (f64, (f64, f64)) {
    let (kx, ky) = metres_per_degree(lat0);
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..r.len() {
        let (x1, y1) = r[i];
        let (x2, y2) = r[(i + 1) % r.len()];
        let cross = x1 * y2 - x2 * y1;
        a += cross;
        cx += (x1 + x2) * cross;
        cy += (y1 + y2) * cross;
    }
    let centroid = if a.abs() > 0.0 {
        (cx / (3.0 * a), cy / (3.0 * a))
    } else {
        r[0]
    };
    (0.5 * a * kx * ky, centroid)
}

fn shape(geometry: &Value) -> Result<Shape, String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry
        .get("coordinates")
        .ok_or("geometry.coordinates: missing")?;
    let polygons: Vec<&Value> = match kind {
        "Point" => {
            let lon = coords.get(0).and_then(Value::as_f64);
            let lat = coords.get(1).and_then(Value::as_f64);
            return match (lon, lat) {
                (Some(lon), Some(lat)) => Ok(Shape {
                    lat,
                    lon,
                    land_m: None,
                    kind: "point",
                }),
                _ => Err("geometry.coordinates: expected [lon, lat]".into()),
            };
        }
        "Polygon" => vec![coords],
        "MultiPolygon" => coords
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        other => {
            return Err(format!(
                "geometry.type: expected Point, Polygon or MultiPolygon, found `{other}`"
            ))
        }
    };
    let mut rings: Vec<(Vec<(f64, f64)>, bool)> = Vec::new();
    for p in polygons {
        let list = p.as_array().ok_or("geometry.coordinates: expected rings")?;
        for (k, r) in list.iter().enumerate() {
            let r =
                ring(r).ok_or("geometry.coordinates: a ring needs 3 or more [lon, lat] points")?;
            rings.push((r, k > 0));
        }
    }
    let all: Vec<(f64, f64)> = rings.iter().flat_map(|(r, _)| r.iter().copied()).collect();
    if all.is_empty() {
        return Err("geometry.coordinates: no ring".into());
    }
    let (lon_min, lon_max) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (lat_min, lat_max) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let lat0 = 0.5 * (lat_min + lat_max);
    let (mut area, mut cx, mut cy, mut outer) = (0.0, 0.0, 0.0, 0.0);
    for (r, hole) in &rings {
        let (a, c) = ring_area(r, lat0);
        if *hole {
            area -= a.abs();
        } else {
            area += a.abs();
            outer += a.abs();
            cx += a.abs() * c.0;
            cy += a.abs() * c.1;
        }
    }
    if !(area > 0.0) || !(outer > 0.0) {
        return Err("geometry: the polygon has no area".into());
    }
    let (kx, ky) = metres_per_degree(lat0);
    let (w, d) = ((lon_max - lon_min) * kx, (lat_max - lat_min) * ky);
    // a rectangle of the parcel's area with its bounding box's proportions
    let width = (area * w / d).sqrt();
    let depth = (area * d / w).sqrt();
    Ok(Shape {
        lat: cy / outer,
        lon: cx / outer,
        land_m: Some((width, depth)),
        kind: "polygon",
    })
}

fn number(props: &Value, key: &str) -> Result<Option<f64>, String> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| format!("properties.{key}: expected a number, found {v}")),
    }
}

fn text(props: &Value, key: &str) -> Result<Option<String>, String> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(v) => Err(format!(
            "properties.{key}: expected a non-empty string, found {v}"
        )),
    }
}

/// Converts every parcel of the GeoJSON `text` (from `file`) to a site file; every problem of
/// every parcel is reported together. `out_dir` is where the site files will be written (each
/// is validated as if it were there).
pub fn convert(
    file: &Path,
    text: &str,
    data: &ParcelData,
    out_dir: &Path,
) -> Result<Vec<ParcelSite>, ParcelError> {
    let fail = |problems: Vec<String>| ParcelError::Parcels {
        file: file.to_path_buf(),
        problems,
    };
    let doc: Value =
        serde_json::from_str(text).map_err(|e| fail(vec![format!("not JSON: {e}")]))?;
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .filter(|_| doc.get("type").and_then(Value::as_str) == Some("FeatureCollection"))
        .ok_or_else(|| {
            fail(vec![
                "expected a GeoJSON FeatureCollection with `features`".into()
            ])
        })?;
    let mut problems = Vec::new();
    let mut sites = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for (k, f) in features.iter().enumerate() {
        let at = |m: String| format!("features[{k}].{m}");
        match parcel(k, f, data, out_dir) {
            Ok(site) => {
                if let Some(first) = seen.insert(site.id.clone(), k) {
                    problems.push(at(format!(
                        "properties.id: `{}` is also the id of features[{first}]",
                        site.id
                    )));
                }
                sites.push(site);
            }
            Err(list) => problems.extend(list.into_iter().map(at)),
        }
    }
    if features.is_empty() {
        problems.push("features: no parcel".into());
    }
    if problems.is_empty() {
        Ok(sites)
    } else {
        Err(fail(problems))
    }
}

fn parcel(
    k: usize,
    f: &Value,
    data: &ParcelData,
    out_dir: &Path,
) -> Result<ParcelSite, Vec<String>> {
    let empty = json!({});
    let props = f
        .get("properties")
        .filter(|p| p.is_object())
        .unwrap_or(&empty);
    let mut problems = Vec::new();
    let mut take = |r: Result<Option<f64>, String>| {
        r.unwrap_or_else(|e| {
            problems.push(e);
            None
        })
    };
    let elevation = take(number(props, "elevation_m").and_then(|e| match e {
        Some(m) if !(ELEVATION_MIN_M..=ELEVATION_MAX_M).contains(&m) => Err(format!(
            "properties.elevation_m: {m} m is outside {ELEVATION_MIN_M}..{ELEVATION_MAX_M} m (Hallasan, the highest point of South Korea, is 1,947 m)"
        )),
        e => Ok(e),
    }));
    let given_w = take(number(props, "usable_width_m"));
    let given_d = take(number(props, "usable_depth_m"));
    let id = match text(props, "id") {
        Ok(Some(id))
            if !id.is_empty()
                && id.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                }) =>
        {
            id
        }
        Ok(Some(id)) => {
            problems.push(format!(
                "properties.id: `{id}` must be lowercase ASCII letters, digits, `_` or `-`"
            ));
            String::new()
        }
        Ok(None) => format!("parcel-{:05}", k + 1),
        Err(e) => {
            problems.push(e);
            String::new()
        }
    };
    let name = text(props, "name").unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let shape = match f.get("geometry") {
        Some(g) if g.is_object() => shape(g).map_err(|e| problems.push(e)).ok(),
        _ => {
            problems.push("geometry: missing".into());
            None
        }
    };
    let Some(shape) = shape else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let (lat, lon) = (shape.lat, shape.lon);
    let (pi, pd) = data.provinces.nearest(lon, lat);
    if pd > COAST_KM {
        return Err(vec![format!(
            "geometry: ({lat:.4}, {lon:.4}) is {pd:.1} km outside the nearest province ({}); not in South Korea?",
            data.provinces.list[pi].name_en
        )]);
    }
    let province = &data.provinces.list[pi];
    let province_en = PROVINCE_NAMES
        .iter()
        .find(|(c, _)| *c == province.code)
        .map_or(province.name_en.as_str(), |(_, n)| n);
    let probe = Power {
        grid_headroom_mw: None,
        connection_voltage_kv: 154.0,
        substation_distance_km: 0.0,
        tariff_krw_per_kwh: TARIFF_KRW_PER_KWH,
        grid_carbon_kg_per_kwh: GRID_CARBON_KG_PER_KWH,
        nearby_generation: Vec::new(),
        grid_bus: None,
    };
    let (bus, _, bus_km) = link_bus(&data.network, &probe, lat, lon).map_err(|e| {
        vec![format!(
            "geometry: {e} (a parcel off the modelled network, such as one on Jeju, needs its site file written by hand with a power.grid_headroom_mw override)"
        )]
    })?;
    let bus_id = data.network.buses[bus].id.clone();
    let climate = interpolate(&data.normals, lat, lon, elevation, None);
    let nearest = &data.normals.stations[climate.stations[0].station];
    let used: Vec<String> = climate
        .stations
        .iter()
        .map(|c| {
            let s = &data.normals.stations[c.station];
            format!(
                "{} {} ({:.1} km, weight {:.3})",
                s.kma_id, s.name, c.distance_km, c.weight
            )
        })
        .collect();
    let (width, depth, land_note) = match (shape.land_m, given_w, given_d) {
        (Some((w, d)), _, _) => (
            round_to(w, 1),
            round_to(d, 1),
            "land.usable_width_m, land.usable_depth_m (assumed): a rectangle of the parcel polygon's area with its bounding box's proportions; the largest rectangle inside an irregular parcel is smaller".to_string(),
        ),
        (None, Some(w), Some(d)) => (w, d, "land.usable_width_m, land.usable_depth_m: as given in the parcels file".to_string()),
        _ => (
            DEFAULT_LAND_M.0,
            DEFAULT_LAND_M.1,
            format!("land (assumed): a point parcel with no land given; {} x {} m, the first campus phase of the shipped sites", DEFAULT_LAND_M.0, DEFAULT_LAND_M.1),
        ),
    };
    let mut assumed: Vec<&str> = vec!["climate.monthly_mean_c"];
    if elevation.is_none() {
        assumed.push("elevation_m");
    }
    assumed.extend([
        "power.connection_voltage_kv",
        "power.substation_distance_km",
    ]);
    if shape.land_m.is_some() || given_w.is_none() || given_d.is_none() {
        assumed.extend(["land.usable_width_m", "land.usable_depth_m"]);
    }
    assumed.extend(["hazards.seismic", "hazards.flood", "hazards.typhoon"]);
    // without a given elevation the parcel's is only known to lie near its stations': the range
    // of theirs, which a mountain parcel may still exceed
    let station_elevations = climate
        .stations
        .iter()
        .map(|c| data.normals.stations[c.station].elevation_m);
    let elevation_range_m =
        station_elevations.fold((f64::MAX, f64::MIN), |(lo, hi), e| (lo.min(e), hi.max(e)));
    let mut ranges = serde_json::Map::new();
    if elevation.is_none() {
        ranges.insert(
            "elevation_m".into(),
            json!({"low": round_to(elevation_range_m.0, 1), "high": round_to(elevation_range_m.1, 1), "dist": "uniform"}),
        );
    }
    // an unsurveyed parcel's hazard may be anywhere on the scale, wider than the default range
    for hazard in ["seismic", "flood", "typhoon"] {
        ranges.insert(
            format!("hazards.{hazard}"),
            json!({"low": 0.0, "high": 1.0, "dist": "uniform"}),
        );
    }
    let seoul_km = distance_km(lon, lat, SEOUL_CITY_HALL.1, SEOUL_CITY_HALL.0);
    let name_en = name.clone().unwrap_or_else(|| format!("Parcel {id}"));
    let mut site = json!({
        "id": id,
        "name_en": name_en,
        "name_ko": name.unwrap_or_else(|| format!("후보지 {id}")),
        "province": province_en,
        "lat": round_to(lat, 5),
        "lon": round_to(lon, 5),
        "elevation_m": round_to(climate.elevation_m, 1),
        "climate": {
            "kma_station": {
                "id": nearest.kma_id,
                "name": nearest.name,
                "note": format!("the nearest KMA station; monthly_mean_c interpolated from {}", used.join(", ")),
            },
            "monthly_mean_c": climate.monthly_mean_c.iter().map(|t| round_to(*t, 2)).collect::<Vec<_>>(),
        },
        "power": {
            "connection_voltage_kv": 154.0,
            "substation_distance_km": round_to(bus_km, 1),
            "tariff_krw_per_kwh": TARIFF_KRW_PER_KWH,
            "grid_carbon_kg_per_kwh": GRID_CARBON_KG_PER_KWH,
            "grid_bus": bus_id,
        },
        "land": {"usable_width_m": width, "usable_depth_m": depth},
        "hazards": {
            "seismic": 0.5,
            "flood": 0.5,
            "typhoon": 0.5,
            "note": "unknown for this parcel: 0.5, the middle of the 0-1 scale; the true score may be anywhere from 0 to 1 until the parcel is surveyed",
        },
        "distance_to_seoul_km": round_to(seoul_km, 0),
        "sources": [
            format!("generated by dcplan parcels from feature {k} ({}) of the parcels file", shape.kind),
            format!("lat, lon: {}", if shape.kind == "point" { "the parcel's point" } else { "the area centroid of the parcel's polygon" }),
            if elevation.is_some() {
                "elevation_m: as given in the parcels file".to_string()
            } else {
                format!("elevation_m (assumed): none given; the interpolation weights' mean of the stations' elevations, where the lapse-rate correction vanishes; ranged over the stations' elevations, {:.1}-{:.1} m (a parcel in the mountains may lie higher, and its climate be cooler by {} K/km)", elevation_range_m.0, elevation_range_m.1, LAPSE_K_PER_M * 1000.0)
            },
            format!("climate.monthly_mean_c (interpolated): KMA 1991-2020 monthly mean temperature normals (sites/climate/kma-normals-1991-2020.json, data.kma.go.kr/normals) of the {NEAREST} nearest stations, inverse-distance weighted (power {POWER}) after a {} K/km lapse-rate correction to the parcel's elevation (docs/MODEL.md; leave-one-out error over the stations in BENCHMARKS.md)", LAPSE_K_PER_M * 1000.0),
            "climate.monthly_diurnal_range_c, climate.monthly_rh_pct: not given; the model's defaults apply and are listed in the results as assumed".to_string(),
            format!("province: KOSTAT 2012 province outline holding the point (sites/geo), {}", province.name_ko),
            format!("power.grid_bus: the nearest 154 kV bus of the network model (sites/grid, OpenStreetMap), {bus_id}, within the {LINK_REACH_KM} km link reach"),
            "power.connection_voltage_kv (assumed): 154 kV, the transmission connection of a new load of tens of MW".to_string(),
            "power.substation_distance_km (assumed): straight line to the modelled bus; a feeder's route is longer".to_string(),
            "power.tariff_krw_per_kwh: KEPCO industrial (eul) tariff, 182.7 KRW/kWh from 2024-10-24, as in the shipped sites".to_string(),
            "power.grid_carbon_kg_per_kwh: national consumption-side grid emission factor for 2023, 0.4173 tCO2eq/MWh (Ministry of Climate, Energy & Environment, 2025-12-17); one national value".to_string(),
            land_note,
            "hazards (assumed): no hazard survey of the parcel; each score ranged over the whole 0-1 scale".to_string(),
            "distance_to_seoul_km: great-circle distance from the parcel to Seoul City Hall (37.5663 N, 126.9779 E)".to_string(),
        ],
        "assumed": assumed,
    });
    site["ranges"] = Value::Object(ranges);
    let mut json = serde_json::to_string_pretty(&site).map_err(|e| vec![e.to_string()])?;
    json.push('\n');
    // the site file must be one `rank` accepts: validated as if written in the output folder
    parse_site(&json, &out_dir.join(format!("{id}.json"))).map_err(|e| {
        e.findings()
            .iter()
            .map(|f| format!("the generated site file is invalid: {f}"))
            .collect::<Vec<_>>()
    })?;
    Ok(ParcelSite { id, json })
}
