//! The year of weather and the design hot hour of a site, from whatever its file provides:
//! an EPW file (hours and, when present, the ASHRAE design conditions of its header), or the
//! monthly normals (an hourly year synthesised by [`synth::synthesize`]); the site file's own
//! design dry and wet bulb take precedence over both.
//!
//! Nothing here reads a file: the pipeline reads (and hashes) the site's EPW once and passes
//! it in parsed.

use super::epw::EpwFile;
use super::synth::{synthesize, MonthlyClimate};
use super::{ClimateError, HourlyYear};
use crate::site::Site;
use serde::Serialize;

/// Outdoor air at the design hot hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignAir {
    pub dry_bulb_c: f64,
    pub wet_bulb_c: f64,
    /// Where the figures come from, in words.
    pub source: String,
}

/// A site's weather for the model.
#[derive(Debug, Clone)]
pub struct SiteClimate {
    pub year: HourlyYear,
    pub design: DesignAir,
    /// Defaults the synthesis had to assume (field and note), for the report.
    pub assumed: Vec<(String, String)>,
}

/// The site's year: the hours of `epw` (the weather file the site names, already read), or
/// hours synthesised from the site's monthly normals when it names none.
pub fn site_climate(site: &Site, epw: Option<&EpwFile>) -> Result<SiteClimate, ClimateError> {
    let c = &site.climate;
    let (year, header, mut assumed) = match epw {
        Some(file) => (file.year.clone(), file.design.clone(), Vec::new()),
        None => {
            let s = synthesize(&MonthlyClimate {
                monthly_mean_c: &c.monthly_mean_c,
                monthly_diurnal_range_k: c.monthly_diurnal_range_c.as_deref(),
                monthly_rh_pct: c.monthly_rh_pct.as_deref(),
                elevation_m: site.elevation_m,
            })?;
            let notes = s
                .assumed
                .iter()
                .map(|a| (format!("climate.{}", a.field), a.note.clone()))
                .collect();
            (s.year, None, notes)
        }
    };
    let design = if let Some(d) = &c.design {
        DesignAir {
            dry_bulb_c: d.dry_bulb_c,
            wet_bulb_c: d.coincident_wet_bulb_c,
            source: format!(
                "site file climate.design{}",
                d.note
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
        }
    } else if let Some(h) = header {
        DesignAir {
            dry_bulb_c: h.cooling_004_db_c,
            wet_bulb_c: h.cooling_004_mcwb_c,
            source: "EPW header: ASHRAE 0.4 % cooling dry bulb and mean coincident wet bulb".into(),
        }
    } else {
        let d = year.derive_design_conditions()?;
        assumed.push((
            "climate.design".into(),
            "no design conditions in the site file or a weather file: the 0.4 % dry bulb and \
             its mean coincident wet bulb were derived from the synthesised year"
                .into(),
        ));
        DesignAir {
            dry_bulb_c: d.cooling_004_db_c,
            wet_bulb_c: d.cooling_004_mcwb_c,
            source: "derived from the hourly year: 0.4 % dry bulb and mean coincident wet bulb"
                .into(),
        }
    };
    Ok(SiteClimate {
        year,
        design,
        assumed,
    })
}
