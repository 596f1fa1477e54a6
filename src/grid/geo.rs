//! Province outlines (KOSTAT 2012, GeoJSON in WGS 84 lon/lat) and the geometry the grid build
//! and the map need: point in polygon (holes respected), distance to an outline, a
//! province's centroid, and great-circle distances.
//!
//! Invariants: every ring has at least three points; a point is in a province when it is
//! inside an outer ring and in none of that polygon's holes. Units: degrees, km.

use super::error::GridError;
use serde_json::Value;
use std::path::Path;

/// Mean Earth radius, km (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A ring of `(lon, lat)` points; the last point need not repeat the first.
pub type Ring = Vec<(f64, f64)>;

#[derive(Debug, Clone, PartialEq)]
pub struct Province {
    /// KOSTAT code (`11` Seoul … `39` Jeju).
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    /// Polygons, each an outer ring then its holes.
    pub polygons: Vec<Vec<Ring>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Provinces {
    pub list: Vec<Province>,
}

/// Great-circle (haversine) distance, km.
pub fn distance_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

fn inside_ring(lon: f64, lat: f64, ring: &Ring) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (x1, y1) = ring[i];
        let (x2, y2) = ring[(i + 1) % n];
        if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

/// Distance from a point to a ring's edges, km (local flat-earth approximation, good to a
/// fraction of a percent over the tens of km it is used for).
fn distance_to_ring_km(lon: f64, lat: f64, ring: &Ring) -> f64 {
    let kx = lat.to_radians().cos() * EARTH_RADIUS_KM.to_radians();
    let ky = EARTH_RADIUS_KM.to_radians();
    let n = ring.len();
    let mut best = f64::INFINITY;
    for i in 0..n {
        let (ax, ay) = ((ring[i].0 - lon) * kx, (ring[i].1 - lat) * ky);
        let (bx, by) = (
            (ring[(i + 1) % n].0 - lon) * kx,
            (ring[(i + 1) % n].1 - lat) * ky,
        );
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (px, py) = (ax + t * dx, ay + t * dy);
        best = best.min((px * px + py * py).sqrt());
    }
    best
}

impl Province {
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.polygons.iter().any(|p| {
            inside_ring(lon, lat, &p[0]) && !p[1..].iter().any(|h| inside_ring(lon, lat, h))
        })
    }

    /// 0 inside, else the distance to the nearest outer ring, km.
    pub fn distance_km(&self, lon: f64, lat: f64) -> f64 {
        if self.contains(lon, lat) {
            return 0.0;
        }
        self.polygons
            .iter()
            .map(|p| distance_to_ring_km(lon, lat, &p[0]))
            .fold(f64::INFINITY, f64::min)
    }

    /// Area-weighted centroid of the largest polygon's outer ring (lon, lat).
    pub fn centroid(&self) -> (f64, f64) {
        let mut best = (0.0, (0.0, 0.0));
        for p in &self.polygons {
            let ring = &p[0];
            let n = ring.len();
            let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
            for i in 0..n {
                let (x1, y1) = ring[i];
                let (x2, y2) = ring[(i + 1) % n];
                let cross = x1 * y2 - x2 * y1;
                a += cross;
                cx += (x1 + x2) * cross;
                cy += (y1 + y2) * cross;
            }
            if a.abs() > best.0 {
                best = (a.abs(), (cx / (3.0 * a), cy / (3.0 * a)));
            }
        }
        best.1
    }
}

impl Provinces {
    pub fn load(file: &Path) -> Result<Provinces, GridError> {
        let fail = |reason: String| GridError::one(file, None, "file", reason);
        let bytes = crate::fsio::read_bounded(file, crate::fsio::limits::GRID)
            .map_err(|e| fail(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8: {e}")))?;
        Self::parse(file, &text)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Provinces, GridError> {
        let bad = |field: &str, reason: String| GridError::one(file, None, field, reason);
        let root: Value = serde_json::from_str(text)
            .map_err(|e| GridError::one(file, Some(e.line()), "json", e.to_string()))?;
        let features = root["features"]
            .as_array()
            .ok_or_else(|| bad("features", "expected a GeoJSON FeatureCollection".into()))?;
        let mut list = Vec::new();
        for (i, f) in features.iter().enumerate() {
            let path = format!("features[{i}]");
            let props = &f["properties"];
            let text = |key: &str| -> Result<String, GridError> {
                props[key].as_str().map(str::to_string).ok_or_else(|| {
                    bad(
                        &format!("{path}.properties.{key}"),
                        "expected a string".into(),
                    )
                })
            };
            let geometry = &f["geometry"];
            let polygons: Vec<&Value> = match geometry["type"].as_str() {
                Some("Polygon") => vec![&geometry["coordinates"]],
                Some("MultiPolygon") => geometry["coordinates"]
                    .as_array()
                    .map(|a| a.iter().collect())
                    .unwrap_or_default(),
                other => {
                    return Err(bad(
                        &format!("{path}.geometry.type"),
                        format!("expected Polygon or MultiPolygon, found {other:?}"),
                    ))
                }
            };
            let mut parsed = Vec::new();
            for (j, polygon) in polygons.iter().enumerate() {
                let rings = polygon.as_array().ok_or_else(|| {
                    bad(
                        &format!("{path}.geometry.coordinates[{j}]"),
                        "expected rings".into(),
                    )
                })?;
                let mut out = Vec::new();
                for (r, ring) in rings.iter().enumerate() {
                    let points: Option<Ring> = ring.as_array().and_then(|pts| {
                        pts.iter()
                            .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                            .collect()
                    });
                    match points {
                        Some(p) if p.len() >= 3 => out.push(p),
                        _ => {
                            return Err(bad(
                                &format!("{path}.geometry.coordinates[{j}][{r}]"),
                                "expected a ring of at least three [lon, lat] points".into(),
                            ))
                        }
                    }
                }
                if !out.is_empty() {
                    parsed.push(out);
                }
            }
            list.push(Province {
                code: text("code")?,
                name_ko: text("name")?,
                name_en: text("name_eng")?,
                polygons: parsed,
            });
        }
        if list.is_empty() {
            return Err(bad("features", "no provinces".into()));
        }
        Ok(Provinces { list })
    }

    /// The province holding the point, else the one whose outline is nearest, with that
    /// distance (0 inside), km.
    pub fn nearest(&self, lon: f64, lat: f64) -> (usize, f64) {
        if let Some(i) = self.list.iter().position(|p| p.contains(lon, lat)) {
            return (i, 0.0);
        }
        let mut best = (0, f64::INFINITY);
        for (i, p) in self.list.iter().enumerate() {
            let d = p.distance_km(lon, lat);
            if d < best.1 {
                best = (i, d);
            }
        }
        best
    }

    pub fn by_code(&self, code: &str) -> Option<usize> {
        self.list.iter().position(|p| p.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_with_a_hole() {
        let outer = vec![(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)];
        let hole = vec![(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0)];
        let p = Province {
            code: "1".into(),
            name_ko: "가".into(),
            name_en: "A".into(),
            polygons: vec![vec![outer, hole]],
        };
        assert!(p.contains(0.5, 0.5));
        assert!(!p.contains(2.0, 2.0), "inside the hole");
        assert!(!p.contains(5.0, 2.0));
        let (cx, cy) = p.centroid();
        assert!((cx - 2.0).abs() < 1e-12 && (cy - 2.0).abs() < 1e-12);
        // one degree of latitude east of the square at the equator: 111.2 km
        let d = p.distance_km(5.0, 2.0);
        assert!((d - 111.195).abs() < 0.1, "{d}");
    }

    #[test]
    fn great_circle_seoul_to_busan() {
        // Seoul City Hall (126.978, 37.566) to Busan City Hall (129.075, 35.180): about 325 km
        let d = distance_km(126.978, 37.566, 129.075, 35.180);
        assert!((d - 325.0).abs() < 3.0, "{d}");
    }
}
