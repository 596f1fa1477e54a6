//! `dcplan grid capacity` output: one record per bus with its hosting capacity in each
//! snapshot and what binds, written as a table, CSV, JSON or GeoJSON points (for QGIS).
//!
//! Invariants: buses in network order; snapshots in file-name order; MW rounded to 0.001 so
//! the same inputs give the same bytes on every backend whose results agree to that. Units:
//! MW, kV, degrees.

use super::error::GridError;
use super::hosting::{HostingMap, Limit};
use super::table::write_csv;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotCapacity {
    pub snapshot: String,
    pub hosting_mw: f64,
    /// `headroom` or `branch`.
    pub limited_by: &'static str,
    pub binding_branch: Option<String>,
    /// `None`: the base case (or the headroom) binds.
    pub binding_outage: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BusCapacity {
    pub bus: String,
    pub kv: f64,
    pub province: String,
    pub lon: f64,
    pub lat: f64,
    pub snapshots: Vec<SnapshotCapacity>,
    pub worse_snapshot: String,
    pub hosting_mw: f64,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Records of every bus; `only` keeps one snapshot.
pub fn records(map: &HostingMap, only: Option<&str>) -> Vec<BusCapacity> {
    let net = &map.network;
    let chosen: Vec<usize> = (0..map.snapshots.len())
        .filter(|&i| only.is_none_or(|n| map.snapshots[i].snapshot.name() == n))
        .collect();
    net.buses
        .iter()
        .enumerate()
        .map(|(bus, b)| {
            let snapshots: Vec<SnapshotCapacity> = chosen
                .iter()
                .map(|&i| {
                    let s = &map.snapshots[i];
                    let h = s.buses[bus];
                    let (limited_by, branch, outage) = match h.limit {
                        Limit::Headroom => ("headroom", None, None),
                        Limit::Branch { branch, outage, .. } => (
                            "branch",
                            Some(net.branches[branch].id.clone()),
                            outage.map(|o| net.branches[o].id.clone()),
                        ),
                    };
                    SnapshotCapacity {
                        snapshot: s.snapshot.name().to_string(),
                        hosting_mw: round3(h.hosting_mw),
                        limited_by,
                        binding_branch: branch,
                        binding_outage: outage,
                    }
                })
                .collect();
            let worse = snapshots
                .iter()
                .enumerate()
                .min_by(|a, b| {
                    a.1.hosting_mw
                        .total_cmp(&b.1.hosting_mw)
                        .then(a.0.cmp(&b.0))
                })
                .map(|(i, _)| i)
                .unwrap_or(0);
            BusCapacity {
                bus: b.id.clone(),
                kv: b.kv,
                province: b.province.clone(),
                lon: b.lon,
                lat: b.lat,
                worse_snapshot: snapshots
                    .get(worse)
                    .map(|s| s.snapshot.clone())
                    .unwrap_or_default(),
                hosting_mw: snapshots.get(worse).map_or(0.0, |s| s.hosting_mw),
                snapshots,
            }
        })
        .collect()
}

fn limit_text(s: &SnapshotCapacity) -> (String, String) {
    match (&s.binding_branch, &s.binding_outage) {
        (None, _) => ("headroom".into(), "-".into()),
        (Some(b), None) => (b.clone(), "base".into()),
        (Some(b), Some(o)) => (b.clone(), o.clone()),
    }
}

pub fn table(records: &[BusCapacity]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = records
        .first()
        .map(|r| r.snapshots.iter().map(|s| s.snapshot.as_str()).collect())
        .unwrap_or_default();
    out.push_str(&format!("{:<12} {:>4} {:<18}", "bus", "kV", "province"));
    for n in &names {
        out.push_str(&format!(
            " {:>12} {:<18} {:<18}",
            format!("{n:.12}"),
            "binding branch",
            "after outage of"
        ));
    }
    out.push('\n');
    for r in records {
        out.push_str(&format!("{:<12} {:>4} {:<18.18}", r.bus, r.kv, r.province));
        for s in &r.snapshots {
            let (b, o) = limit_text(s);
            out.push_str(&format!(
                " {:>12.1} {:<18.18} {:<18.18}",
                s.hosting_mw, b, o
            ));
        }
        out.push('\n');
    }
    out
}

pub fn csv(records: &[BusCapacity]) -> Result<String, GridError> {
    let names: Vec<String> = records
        .first()
        .map(|r| r.snapshots.iter().map(|s| s.snapshot.clone()).collect())
        .unwrap_or_default();
    let mut header: Vec<String> = ["bus", "kv", "province", "lon", "lat"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for n in &names {
        header.push(format!("{n}_mw"));
        header.push(format!("{n}_binding_branch"));
        header.push(format!("{n}_binding_outage"));
    }
    header.push("worse_snapshot".into());
    header.push("hosting_mw".into());
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let mut row = vec![
                r.bus.clone(),
                r.kv.to_string(),
                r.province.clone(),
                r.lon.to_string(),
                r.lat.to_string(),
            ];
            for s in &r.snapshots {
                let (b, o) = limit_text(s);
                row.push(format!("{:.3}", s.hosting_mw));
                row.push(b);
                row.push(o);
            }
            row.push(r.worse_snapshot.clone());
            row.push(format!("{:.3}", r.hosting_mw));
            row
        })
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv(&header_refs, &rows)
}

pub fn json(map: &HostingMap, records: &[BusCapacity]) -> Result<String, GridError> {
    let snapshots: Vec<serde_json::Value> = map
        .snapshots
        .iter()
        .map(|s| {
            json!({
                "name": s.snapshot.name(),
                "total_load_mw": s.snapshot.rules.total_load_mw,
                "modelled_load_mw": round3(s.snapshot.total_load_mw()),
                "participating_headroom_mw": round3(s.snapshot.participating_headroom_mw),
                "violations_before_new_load": s.violations.len(),
            })
        })
        .collect();
    let value = json!({
        "dcplan_version": env!("CARGO_PKG_VERSION"),
        "units": {"hosting_mw": "MW", "kv": "kV", "lon": "degrees east", "lat": "degrees north"},
        "rule": "largest new load at the bus with every branch within its normal rating in the base case and its emergency rating after every credible single-circuit outage; constraints already violated before the load are not counted",
        "snapshots": snapshots,
        "buses": records,
    });
    let mut text =
        serde_json::to_string_pretty(&value).map_err(|e| GridError::Internal(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// GeoJSON FeatureCollection of bus points; each feature's properties hold the MW per
/// snapshot (`<snapshot>_mw`), the worse snapshot and its MW (`hosting_mw`), and what binds.
pub fn geojson(records: &[BusCapacity]) -> Result<String, GridError> {
    let features: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let mut props = serde_json::Map::new();
            props.insert("bus".into(), json!(r.bus));
            props.insert("kv".into(), json!(r.kv));
            props.insert("province".into(), json!(r.province));
            for s in &r.snapshots {
                let (b, o) = limit_text(s);
                props.insert(format!("{}_mw", s.snapshot), json!(s.hosting_mw));
                props.insert(format!("{}_binding_branch", s.snapshot), json!(b));
                props.insert(format!("{}_binding_outage", s.snapshot), json!(o));
            }
            props.insert("worse_snapshot".into(), json!(r.worse_snapshot));
            props.insert("hosting_mw".into(), json!(r.hosting_mw));
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                "properties": props,
            })
        })
        .collect();
    let value = json!({"type": "FeatureCollection", "features": features});
    let mut text = serde_json::to_string(&value).map_err(|e| GridError::Internal(e.to_string()))?;
    text.push('\n');
    Ok(text)
}
