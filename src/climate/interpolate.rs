//! Monthly mean air temperature anywhere in Korea from the KMA station normals
//! (`sites/climate/kma-normals-1991-2020.json`), for candidate parcels that have no station of
//! their own.
//!
//! Method: inverse-distance weighting of the [`NEAREST`] nearest stations with a lapse-rate
//! correction. Each station's monthly mean is first brought to the parcel's elevation with the
//! standard-atmosphere lapse rate, `T_i + LAPSE (z_i - z)`, then the corrected values are
//! averaged with weights `1 / d_i^POWER` (`d_i` the great-circle distance). A parcel within
//! [`AT_STATION_KM`] of a station takes that station's (corrected) value alone, so the method is
//! exact at a station: at its own place and elevation it returns the station's normals.
//! Without an elevation the parcel is put at the weighted mean of the stations' elevations,
//! where the correction sums to zero (plain inverse-distance weighting).
//!
//! Parameters: [`LAPSE_K_PER_M`] 0.0065 K/m (ICAO standard atmosphere, ISO 2533, troposphere;
//! near-surface monthly lapse rates in Korea differ by season and terrain, an assumption),
//! [`NEAREST`] 4 and [`POWER`] 2 (the common choice; not tuned). How well it does on the
//! shipped stations, each predicted from the others: [`leave_one_out`], BENCHMARKS.md.
//!
//! Units: degrees, km, m, °C.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Temperature falls this much per metre of height, K/m.
pub const LAPSE_K_PER_M: f64 = 0.0065;
/// Stations averaged.
pub const NEAREST: usize = 4;
/// Inverse-distance power.
pub const POWER: f64 = 2.0;
/// A parcel this close to a station takes that station's value alone, km.
pub const AT_STATION_KM: f64 = 0.01;
/// Mean Earth radius, km (IUGG), as in `grid::geo`.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// One station's normals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    pub kma_id: u32,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub elevation_m: f64,
    pub monthly_mean_c: [f64; 12],
}

/// The station normals file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationNormals {
    pub source: String,
    pub period: String,
    pub stations: Vec<Station>,
}

/// A normals file that cannot be used, naming the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", file.display())]
pub struct NormalsError {
    pub file: PathBuf,
    pub reason: String,
}

impl StationNormals {
    pub fn parse(file: &Path, text: &str) -> Result<StationNormals, NormalsError> {
        let bad = |reason: String| NormalsError {
            file: file.to_path_buf(),
            reason,
        };
        let n: StationNormals = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if n.stations.len() < 2 {
            return Err(bad(format!(
                "stations: expected at least 2, found {}",
                n.stations.len()
            )));
        }
        for (i, s) in n.stations.iter().enumerate() {
            let finite = [s.lat, s.lon, s.elevation_m]
                .iter()
                .chain(&s.monthly_mean_c)
                .all(|v| v.is_finite());
            if !finite || !(-90.0..=90.0).contains(&s.lat) || !(-180.0..=180.0).contains(&s.lon) {
                return Err(bad(format!(
                    "stations[{i}] ({} {}): coordinates, elevation and monthly means must be \
                     finite numbers, lat within ±90 and lon within ±180",
                    s.kma_id, s.name
                )));
            }
        }
        Ok(n)
    }

    pub fn load(file: &Path) -> Result<StationNormals, NormalsError> {
        let fail = |reason: String| NormalsError {
            file: file.to_path_buf(),
            reason,
        };
        let bytes = crate::fsio::read_bounded(file, crate::fsio::limits::JSON)
            .map_err(|e| fail(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8: {e}")))?;
        Self::parse(file, &text)
    }
}

/// One station's part in an interpolated value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    /// Index into the stations.
    pub station: usize,
    pub distance_km: f64,
    /// Normalised weight (the weights sum to 1).
    pub weight: f64,
}

/// Monthly means at a place, and how they were made.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpolated {
    pub monthly_mean_c: [f64; 12],
    /// The elevation the values are for, m: the one given, or the stations' weighted mean.
    pub elevation_m: f64,
    /// Nearest first.
    pub stations: Vec<Contribution>,
}

/// Great-circle (haversine) distance, km.
pub fn distance_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let a = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Monthly means at (`lat`, `lon`) and `elevation_m` (none: see the module documentation),
/// leaving out station `exclude` (for cross-validation).
pub fn interpolate(
    normals: &StationNormals,
    lat: f64,
    lon: f64,
    elevation_m: Option<f64>,
    exclude: Option<usize>,
) -> Interpolated {
    let mut near: Vec<(usize, f64)> = normals
        .stations
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != exclude)
        .map(|(i, s)| (i, distance_km(lon, lat, s.lon, s.lat)))
        .collect();
    near.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let stations: Vec<Contribution> = match near.first() {
        Some(&(i, d)) if d <= AT_STATION_KM => vec![Contribution {
            station: i,
            distance_km: d,
            weight: 1.0,
        }],
        _ => {
            near.truncate(NEAREST);
            let raw: Vec<f64> = near.iter().map(|(_, d)| d.powf(-POWER)).collect();
            let sum: f64 = raw.iter().sum();
            near.iter()
                .zip(&raw)
                .map(|(&(station, distance_km), w)| Contribution {
                    station,
                    distance_km,
                    weight: w / sum,
                })
                .collect()
        }
    };
    let at = |c: &Contribution| &normals.stations[c.station];
    let z =
        elevation_m.unwrap_or_else(|| stations.iter().map(|c| c.weight * at(c).elevation_m).sum());
    let mut monthly_mean_c = [0.0; 12];
    for (m, out) in monthly_mean_c.iter_mut().enumerate() {
        *out = stations
            .iter()
            .map(|c| c.weight * (at(c).monthly_mean_c[m] + LAPSE_K_PER_M * (at(c).elevation_m - z)))
            .sum();
    }
    Interpolated {
        monthly_mean_c,
        elevation_m: z,
        stations,
    }
}

/// Leave-one-out errors of the method over the stations (each predicted from the others at
/// its own place and elevation), °C.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOut {
    pub stations: usize,
    /// Mean absolute error over every station-month.
    pub mean_abs_c: f64,
    /// Root mean square error over every station-month.
    pub rms_c: f64,
    /// Mean absolute error of the annual mean (the mean of the 12 months).
    pub annual_mean_abs_c: f64,
    /// The worst station-month: station number, name, month (1-12), predicted minus normal.
    pub worst: (u32, String, usize, f64),
    /// Each station: number, name, mean absolute error over its months, worst month's error.
    pub per_station: Vec<(u32, String, f64, f64)>,
}

/// [`LeaveOneOut`] of [`interpolate`] over `normals`.
pub fn leave_one_out(normals: &StationNormals) -> LeaveOneOut {
    let (mut abs, mut sq, mut annual, mut count) = (0.0, 0.0, 0.0, 0usize);
    let mut worst = (0, String::new(), 0, 0.0f64);
    let mut per_station = Vec::new();
    for (i, s) in normals.stations.iter().enumerate() {
        let p = interpolate(normals, s.lat, s.lon, Some(s.elevation_m), Some(i));
        let errors: Vec<f64> = (0..12)
            .map(|m| p.monthly_mean_c[m] - s.monthly_mean_c[m])
            .collect();
        let mut station_worst = 0.0f64;
        for (m, e) in errors.iter().enumerate() {
            abs += e.abs();
            sq += e * e;
            count += 1;
            if e.abs() > worst.3.abs() {
                worst = (s.kma_id, s.name.clone(), m + 1, *e);
            }
            if e.abs() > station_worst.abs() {
                station_worst = *e;
            }
        }
        annual += (errors.iter().sum::<f64>() / 12.0).abs();
        per_station.push((
            s.kma_id,
            s.name.clone(),
            errors.iter().map(|e| e.abs()).sum::<f64>() / 12.0,
            station_worst,
        ));
    }
    let n = normals.stations.len();
    LeaveOneOut {
        stations: n,
        mean_abs_c: abs / count.max(1) as f64,
        rms_c: (sq / count.max(1) as f64).sqrt(),
        annual_mean_abs_c: annual / n.max(1) as f64,
        worst,
        per_station,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> StationNormals {
        let file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/climate/kma-normals-1991-2020.json");
        StationNormals::load(&file).expect("the shipped normals load")
    }

    fn station(id: u32, lat: f64, lon: f64, z: f64, t: f64) -> Station {
        Station {
            kma_id: id,
            name: format!("s{id}"),
            lat,
            lon,
            elevation_m: z,
            monthly_mean_c: [t; 12],
        }
    }

    #[test]
    fn exact_at_every_shipped_station() {
        let n = shipped();
        assert_eq!(n.stations.len(), 42);
        for s in &n.stations {
            let p = interpolate(&n, s.lat, s.lon, Some(s.elevation_m), None);
            assert_eq!(
                p.monthly_mean_c, s.monthly_mean_c,
                "{} {}",
                s.kma_id, s.name
            );
            let p = interpolate(&n, s.lat, s.lon, None, None);
            assert_eq!(
                p.monthly_mean_c, s.monthly_mean_c,
                "{} without elevation",
                s.kma_id
            );
        }
    }

    #[test]
    fn weights_fall_with_distance_and_the_lapse_rate_applies() {
        let n = StationNormals {
            source: "test".into(),
            period: "test".into(),
            stations: vec![
                station(1, 36.0, 127.0, 0.0, 10.0),
                station(2, 36.0, 128.0, 1000.0, 4.0),
            ],
        };
        // halfway, at sea level: the high station is corrected by +6.5 K to 10.5, equal weights
        let mid = interpolate(&n, 36.0, 127.5, Some(0.0), None);
        assert!(
            (mid.stations[0].weight - 0.5).abs() < 1e-3,
            "{:?}",
            mid.stations
        );
        assert!(
            (mid.monthly_mean_c[0] - 10.25).abs() < 0.01,
            "{:?}",
            mid.monthly_mean_c
        );
        // a quarter of the way: weights 9:1 (inverse square)
        let q = interpolate(&n, 36.0, 127.25, Some(0.0), None);
        assert!(
            (q.stations[0].weight - 0.9).abs() < 1e-3,
            "{:?}",
            q.stations
        );
        // 500 m up: 3.25 K colder than at sea level
        let up = interpolate(&n, 36.0, 127.5, Some(500.0), None);
        assert!((mid.monthly_mean_c[0] - up.monthly_mean_c[0] - 3.25).abs() < 1e-9);
        // without an elevation: the weighted station elevation, plain IDW of the raw values
        let plain = interpolate(&n, 36.0, 127.5, None, None);
        assert!(
            (plain.monthly_mean_c[0] - 7.0).abs() < 0.01,
            "{:?}",
            plain.monthly_mean_c
        );
        assert!((plain.elevation_m - 500.0).abs() < 1.0);
    }

    #[test]
    fn leave_one_out_leaves_the_station_out() {
        let n = shipped();
        let s = &n.stations[5];
        let p = interpolate(&n, s.lat, s.lon, Some(s.elevation_m), Some(5));
        assert!(p.stations.iter().all(|c| c.station != 5));
        assert_eq!(p.stations.len(), NEAREST);
        let loo = leave_one_out(&n);
        assert_eq!(loo.per_station.len(), 42);
        // not exact any more, and not absurd: within a few kelvin on average
        assert!(loo.mean_abs_c > 0.05 && loo.mean_abs_c < 3.0, "{loo:?}");
        assert!(loo.worst.3.abs() >= loo.mean_abs_c);
    }
}
