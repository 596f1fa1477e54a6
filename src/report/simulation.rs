//! The files `dcplan simulate` writes for one site: metrics.json, thermal.png, voltage.png.

use super::heatmap::{write_pngs_same_size, Colormap, Field, Heatmap, Marker, Rect};
use super::{create_dir, ReportError};
use crate::fsio::write_json;
use crate::plan::simulate::SiteRun;
use std::path::{Path, PathBuf};

/// Writes the site's three files into `dir` (created if missing); returns their paths.
pub fn write_site(run: &SiteRun, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    create_dir(dir)?;
    let m = &run.metrics;
    let plan = &run.plan;
    let outlines: Vec<Rect> = plan
        .racks
        .iter()
        .map(|r| Rect {
            x0_m: r.outline_m[0],
            y0_m: r.outline_m[1],
            x1_m: r.outline_m[2],
            y1_m: r.outline_m[3],
        })
        .collect();
    let rack_centre = |label: &str| {
        plan.racks.iter().find(|r| r.label() == label).map(|r| {
            (
                0.5 * (r.outline_m[0] + r.outline_m[2]),
                0.5 * (r.outline_m[1] + r.outline_m[3]),
            )
        })
    };
    let field = |values| Field {
        nx: plan.nx,
        ny: plan.ny,
        values,
        cell_m: plan.cell_m,
    };
    // Korean and English names, in the shipped Hangul font (report::text)
    let site = format!("{} {}", m.inputs.site_name_ko, m.inputs.site_name_en);
    let w = &m.hourly_thermal;
    let thermal = Heatmap {
        field: field(&run.hall.temperature_c),
        title: format!(
            "{site}: air at rack-inlet height, hottest hour of the year (hour {}, {:.1} °C \
             outdoors, supply {:.1} °C)",
            w.worst_hour + 1,
            w.worst_hour_outdoor_c,
            w.worst_hour_supply_c
        ),
        unit: "°C".into(),
        colormap: Colormap::Inferno,
        outlines: &outlines,
        marker: rack_centre(&m.thermal.worst_rack).map(|(x, y)| Marker {
            x_m: x,
            y_m: y,
            label: format!(
                "worst inlet {} {:.1} °C",
                m.thermal.worst_rack, m.thermal.worst_inlet_c
            ),
        }),
        range: None,
    };
    let voltage = Heatmap {
        field: field(&run.hall.drop_pct),
        title: format!(
            "{site}: busway voltage drop at full IT load, {} V",
            (m.power.nominal_phase_v * 3f64.sqrt()).round()
        ),
        unit: "%".into(),
        colormap: Colormap::Viridis,
        outlines: &outlines,
        marker: rack_centre(&m.power.worst_rack).map(|(x, y)| Marker {
            x_m: x,
            y_m: y,
            label: format!(
                "worst drop {} {:.2} %",
                m.power.worst_rack, m.power.worst_drop_pct
            ),
        }),
        range: None,
    };
    let paths = [
        dir.join("metrics.json"),
        dir.join("thermal.png"),
        dir.join("voltage.png"),
    ];
    write_json(&paths[0], m)?;
    // the two figures side by side in report.html: one size for both
    write_pngs_same_size(&[(&thermal, &paths[1]), (&voltage, &paths[2])])?;
    Ok(paths.to_vec())
}
