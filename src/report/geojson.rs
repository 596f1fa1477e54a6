//! `ranking.geojson` (and `dcplan rank --format geojson`): the ranking as an RFC 7946
//! FeatureCollection for GIS (QGIS, geopandas), one Point feature per site.
//!
//! Each feature's `id` is the site id and its `geometry` the site's WGS 84 position as
//! `[longitude, latitude]` (RFC 7946 order, no `crs` member). Its properties are flat, so
//! that every GIS shows them as attribute columns: `site_id`, `name_ko`, `name_en`,
//! `province`, `rank` (null for an infeasible site), `feasible`, `reasons` (joined by "; ",
//! empty when feasible), `hostable_it_mw`, `limited_by`, `shortfall` (null when the site
//! hosts the whole design), `score`, `topsis`, `topsis_rank`, `pareto_optimal`, `p_first`,
//! `p_top_k`, and for every criterion its value under its key (e.g. `pue`,
//! `grid_margin_mw`), `<key>_normalised` and `<key>_contribution` (null for an infeasible
//! site). The collection carries one foreign member, `dcplan`: the version, K of `p_top_k`,
//! and each criterion's label, unit, direction and weight.
//!
//! Invariants: features in report order (feasible by rank, then infeasible by id); the same
//! report gives the same bytes.

use crate::plan::ranking::RankingReport;
use serde_json::{json, Map, Value};

/// Where a site is: the site file's position and province.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteLocation {
    pub site_id: String,
    pub lon: f64,
    pub lat: f64,
    pub province: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GeoJsonError {
    #[error("site {0} has no position to put on the map")]
    NoLocation(String),
    #[error("site {site}: position ({lon}, {lat}) is not a finite longitude and latitude")]
    BadPosition { site: String, lon: f64, lat: f64 },
    #[error("cannot serialise the GeoJSON: {0}")]
    Serialise(#[from] serde_json::Error),
}

/// The ranking as GeoJSON text (one line, newline-terminated).
pub fn to_geojson(r: &RankingReport, locations: &[SiteLocation]) -> Result<String, GeoJsonError> {
    let mut features = Vec::with_capacity(r.ranking.len());
    for s in &r.ranking {
        let loc = locations
            .iter()
            .find(|l| l.site_id == s.site_id)
            .ok_or_else(|| GeoJsonError::NoLocation(s.site_id.clone()))?;
        if !(loc.lon.is_finite()
            && loc.lat.is_finite()
            && (-180.0..=180.0).contains(&loc.lon)
            && (-90.0..=90.0).contains(&loc.lat))
        {
            return Err(GeoJsonError::BadPosition {
                site: s.site_id.clone(),
                lon: loc.lon,
                lat: loc.lat,
            });
        }
        let mut p = Map::new();
        p.insert("site_id".into(), json!(s.site_id));
        p.insert("name_ko".into(), json!(s.name_ko));
        p.insert("name_en".into(), json!(s.name_en));
        p.insert("province".into(), json!(loc.province));
        p.insert("rank".into(), json!(s.rank));
        p.insert("feasible".into(), json!(s.feasible));
        p.insert("reasons".into(), json!(s.reasons.join("; ")));
        p.insert("hostable_it_mw".into(), json!(s.hostable_it_mw));
        p.insert("limited_by".into(), json!(s.limited_by));
        p.insert("shortfall".into(), json!(s.shortfall));
        p.insert("score".into(), json!(s.score));
        p.insert("topsis".into(), json!(s.topsis));
        p.insert("topsis_rank".into(), json!(s.topsis_rank));
        p.insert("pareto_optimal".into(), json!(s.pareto_optimal));
        p.insert("p_first".into(), json!(s.p_first));
        p.insert("p_top_k".into(), json!(s.p_top_k));
        for v in &s.values {
            p.insert(v.key.clone(), json!(v.value));
            p.insert(format!("{}_normalised", v.key), json!(v.normalised));
            p.insert(format!("{}_contribution", v.key), json!(v.contribution));
        }
        features.push(json!({
            "type": "Feature",
            "id": s.site_id,
            "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
            "properties": Value::Object(p),
        }));
    }
    let criteria: Vec<Value> = r
        .criteria
        .iter()
        .map(|c| {
            json!({"key": c.key, "label": c.label, "unit": c.unit,
                   "direction": c.direction, "weight": c.weight})
        })
        .collect();
    let value = json!({
        "type": "FeatureCollection",
        "dcplan": {
            "version": r.dcplan_version,
            "top_k": r.stability.top_k,
            "criteria": criteria,
        },
        "features": features,
    });
    let mut text = serde_json::to_string(&value)?;
    text.push('\n');
    Ok(text)
}
