//! One site, end to end. The facility is prepared once for every site ([`prepare_facility`]):
//! its hall's floor plan, the airflow and the prepared temperature model, the coupled heat and
//! power fields at the plant's set point, and the three basis fields that give every hour's
//! rack inlets exactly. Each site then ([`simulate`]) gets its weather, its campus on its land,
//! its plant sized for its design condition and run for every hour (supply temperatures
//! floating where capacity runs out), every rack's inlet in every hour, its water, its grid
//! hosting capacity and the IT load it can host — and what limits it.

use super::inputs::{FacilityInput, FileHash, SiteInput};
use crate::backend::Backend;
use crate::climate::site_climate::{site_climate, DesignAir};
use crate::climate::ClimateError;
use crate::grid::{site_hosting, HostingMap, SiteHosting};
use crate::layout::campus::{place, CampusPlan, CampusRules};
use crate::layout::{FloorPlan, LayoutError};
use crate::model::energy::{annual_sized, DesignCondition, HourResult};
use crate::model::hall::{
    Conditions, Coupling, HallBasis, HallError, HallModel, HallResult, PowerMetrics, RackResult,
    ThermalMetrics,
};
use crate::model::params::HallParams;
use crate::solver::{SolveOptions, Solver};
use serde::Serialize;

/// Why a site could not be simulated (the site file is named by whoever reports it).
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("climate: {0}")]
    Climate(#[source] ClimateError),
    #[error("floor plan: {0}")]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Hall(#[from] HallError),
    #[error("energy model: {0}")]
    Energy(#[from] crate::model::energy::EnergyError),
    #[error("grid: {0}")]
    Grid(#[from] crate::grid::GridError),
}

/// How tightly a site is solved: the solver's stopping rule, and the coupling tolerance, set
/// above the solver's own precision (1e-6 K in f64, 1e-3 K in f32).
#[derive(Debug, Clone)]
pub struct Precision {
    pub options: SolveOptions,
    pub coupling_tolerance_k: f64,
}

impl Precision {
    /// f64 on the CPU.
    pub fn cpu() -> Self {
        Precision {
            options: SolveOptions::f64_target(),
            coupling_tolerance_k: 1e-6,
        }
    }

    /// What the backend's arithmetic allows: its solver's own stopping rule (f32 on a GPU,
    /// f64 on the CPU), and a coupling tolerance above it.
    pub fn for_backend(backend: &mut Backend) -> Self {
        Precision {
            options: backend.solver().default_options(),
            coupling_tolerance_k: if backend.is_gpu() { 1e-3 } else { 1e-6 },
        }
    }
}

/// ASHRAE TC 9.9 inlet envelopes, °C: recommended 18-27, A1 allowable 15-32.
pub const RECOMMENDED_C: (f64, f64) = (18.0, 27.0);
pub const A1_C: (f64, f64) = (15.0, 32.0);

/// The facility, prepared once for every site: it is the same hall wherever it stands.
pub struct FacilityModel {
    pub plan: FloorPlan,
    pub params: HallParams,
    /// The coupled heat and power fields at the air set point, full load, outdoor air at the
    /// set point; its I²R field and conductor temperatures are the ones frozen in the basis.
    pub design: HallResult,
    pub basis: HallBasis,
    pub backend: String,
    pub adapter: String,
}

/// Prepares the facility on `solver` (the potential flow, the temperature operator, one
/// coupled solve and three basis solves).
pub fn prepare_facility(
    facility: &FacilityInput,
    cell_m: f64,
    solver: &mut dyn Solver,
    precision: &Precision,
) -> Result<FacilityModel, SimulateError> {
    let f = &facility.facility;
    let plan = FloorPlan::build(f, cell_m)?;
    let params = HallParams::default();
    let mut hall = HallModel::new(plan.clone(), f, params.clone(), solver, &precision.options)?;
    let setpoint = f.cooling.supply_setpoint_c;
    let design = hall.solve(
        f,
        Conditions {
            supply_c: setpoint,
            outdoor_c: setpoint,
            utilisation: 1.0,
        },
        solver,
        &precision.options,
        precision.coupling_tolerance_k,
    )?;
    let basis = hall.basis(&design)?;
    let info = solver.info();
    Ok(FacilityModel {
        plan,
        params,
        design,
        basis,
        backend: info.backend,
        adapter: info.adapter,
    })
}

/// Identifies the inputs of a result.
#[derive(Debug, Clone, Serialize)]
pub struct Inputs {
    pub site_id: String,
    pub site_name_en: String,
    pub site_name_ko: String,
    pub site_file: String,
    pub facility_name: String,
    pub facility_file: String,
    /// IT load the facility asks for (every hall), MW.
    pub it_load_mw: f64,
    /// Every file the result depends on (site, its weather file, facility, grid model), with
    /// the SHA-256 of the bytes read.
    pub files: Vec<FileHash>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GridInfo {
    pub nx: usize,
    pub ny: usize,
    pub cell_m: f64,
    pub hall_width_m: f64,
    pub hall_depth_m: f64,
    pub racks: usize,
}

/// The design condition: outdoor air and the supply air set point.
#[derive(Debug, Clone, Serialize)]
pub struct DesignHour {
    #[serde(flatten)]
    pub outdoor: DesignAir,
    pub supply_c: f64,
}

/// One figure that is an assumption, with why.
#[derive(Debug, Clone, Serialize)]
pub struct Assumed {
    pub path: String,
    pub note: String,
}

/// One rack over the year.
#[derive(Debug, Clone, Serialize)]
pub struct RackHours {
    pub rack: String,
    pub max_inlet_c: f64,
    pub hours_outside_recommended: usize,
    pub hours_outside_a1: usize,
}

/// Every hour's rack inlets, from the basis fields.
#[derive(Debug, Clone, Serialize)]
pub struct HourlyThermal {
    pub hours: usize,
    /// How the hours were obtained and when that is exact.
    pub method: &'static str,
    /// The hour with the hottest rack inlet (0-based), its outdoor and supply air, °C.
    pub worst_hour: usize,
    pub worst_hour_outdoor_c: f64,
    pub worst_hour_supply_c: f64,
    /// The rack with the most hours outside the recommended envelope (ties: hottest, then
    /// plan order), and its hours.
    pub worst_rack: String,
    pub worst_rack_hours_outside_recommended: usize,
    pub worst_rack_hours_outside_a1: usize,
    /// Rack-hours outside each envelope, over all racks.
    pub rack_hours_outside_recommended: usize,
    pub rack_hours_outside_a1: usize,
    pub max_inlet_c: f64,
    /// Hours the facility water exceeded its W-class limit (liquid cooling).
    pub liquid_hours_above_class: usize,
    /// Largest utilisation at which no rack leaves the A1 envelope in any hour (1: full
    /// load is fine).
    pub a1_utilisation_limit: f64,
    pub racks: Vec<RackHours>,
}

/// Where the grid headroom came from.
#[derive(Debug, Clone, Serialize)]
pub struct GridFit {
    /// "computed" (the hosting capacity of the national grid model) or "override" (the site
    /// file's `power.grid_headroom_mw`).
    pub source: &'static str,
    pub headroom_mw: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosting: Option<SiteHosting>,
}

/// The IT load the site can host, and what holds it there.
#[derive(Debug, Clone, Serialize)]
pub struct Hostable {
    pub it_mw: f64,
    /// "facility" when the whole design fits, else "land", "grid" or "thermal".
    pub limited_by: String,
    pub land_it_mw: f64,
    pub grid_it_mw: f64,
    pub thermal_it_mw: f64,
    /// Water is not a limit the model can judge: no site file gives the water available.
    pub water: &'static str,
}

/// Everything `simulate` reports for a site (metrics.json).
#[derive(Debug, Clone, Serialize)]
pub struct SiteMetrics {
    pub dcplan_version: &'static str,
    pub backend: String,
    pub adapter: String,
    pub inputs: Inputs,
    pub grid: GridInfo,
    pub campus: CampusPlan,
    pub design_hour: DesignHour,
    /// The hall's field in the worst hour of the year.
    pub thermal: ThermalMetrics,
    pub hourly_thermal: HourlyThermal,
    pub power: PowerMetrics,
    pub coupling: Coupling,
    /// The year's hourly energy balance of the placed halls (PUE, energy, cost, carbon,
    /// water, peak against headroom).
    pub energy: crate::model::energy::Annual,
    pub grid_fit: GridFit,
    pub hostable: Hostable,
    /// The grid-impact assessment items the model can score ([`super::impact`]).
    pub grid_impact: super::impact::GridImpact,
    pub model: HallParams,
    pub assumed: Vec<Assumed>,
}

/// A simulated site: its metrics and the fields behind them.
pub struct SiteRun {
    pub metrics: SiteMetrics,
    pub plan: FloorPlan,
    /// The hall's fields: the air temperature of the worst hour, the design voltage drop.
    pub hall: HallResult,
}

/// Per-rack statistics of the year, the worst hour and the A1 utilisation limit.
fn hourly_thermal(
    model: &FacilityModel,
    year: &crate::climate::HourlyYear,
    hours: &[HourResult],
) -> HourlyThermal {
    let basis = &model.basis;
    let racks = basis.rack_k.len();
    let mut max_inlet = vec![f64::NEG_INFINITY; racks];
    let mut rec = vec![0usize; racks];
    let mut a1 = vec![0usize; racks];
    let (mut worst_hour, mut worst_c) = (0, f64::NEG_INFINITY);
    let mut inlets = Vec::with_capacity(racks);
    let mut u_limit: f64 = 1.0;
    for (k, (h, r)) in year.hours.iter().zip(hours).enumerate() {
        let (s, o, u) = (r.supply_c, h.dry_bulb_c, r.utilisation);
        basis.inlets(s, o, u, &mut inlets);
        for (i, &t) in inlets.iter().enumerate() {
            max_inlet[i] = max_inlet[i].max(t);
            rec[i] += usize::from(!(RECOMMENDED_C.0..=RECOMMENDED_C.1).contains(&t));
            a1[i] += usize::from(!(A1_C.0..=A1_C.1).contains(&t));
            if t > worst_c {
                (worst_hour, worst_c) = (k, t);
            }
            // the largest v <= u with s + (o - s) psi + v phi + v² lambda <= A1 max
            if t > A1_C.1 {
                let (b, c) = (basis.rack_k[i], basis.loss_k[i]);
                let a = s + (o - s) * basis.outdoor[i] - A1_C.1;
                let v = if c > 0.0 {
                    (-b + (b * b - 4.0 * c * a).max(0.0).sqrt()) / (2.0 * c)
                } else if b > 0.0 {
                    -a / b
                } else {
                    0.0
                };
                u_limit = u_limit.min((v / u.max(1e-12)).clamp(0.0, 1.0));
            }
        }
    }
    let labels: Vec<String> = model.plan.racks.iter().map(|r| r.label()).collect();
    let worst = (0..racks).fold(0, |best, i| {
        if (rec[i], a1[i], max_inlet[i]) > (rec[best], a1[best], max_inlet[best]) {
            i
        } else {
            best
        }
    });
    HourlyThermal {
        hours: hours.len(),
        method: "superposition of three basis fields per hall (rack heat at full load, the design \
                 I²R field, outdoor air): exact for fixed airflow and frozen conductor \
                 resistance; utilisation scales the racks linearly and I²R as its square",
        worst_hour,
        worst_hour_outdoor_c: year
            .hours
            .get(worst_hour)
            .map_or(f64::NAN, |h| h.dry_bulb_c),
        worst_hour_supply_c: hours.get(worst_hour).map_or(f64::NAN, |h| h.supply_c),
        worst_rack: labels.get(worst).cloned().unwrap_or_default(),
        worst_rack_hours_outside_recommended: rec.get(worst).copied().unwrap_or(0),
        worst_rack_hours_outside_a1: a1.get(worst).copied().unwrap_or(0),
        rack_hours_outside_recommended: rec.iter().sum(),
        rack_hours_outside_a1: a1.iter().sum(),
        max_inlet_c: worst_c,
        liquid_hours_above_class: hours.iter().filter(|h| h.liquid_above_class).count(),
        a1_utilisation_limit: u_limit,
        racks: (0..racks)
            .map(|i| RackHours {
                rack: labels[i].clone(),
                max_inlet_c: max_inlet[i],
                hours_outside_recommended: rec[i],
                hours_outside_a1: a1[i],
            })
            .collect(),
    }
}

/// The thermal metrics of one field (the worst hour's).
fn field_metrics(design: &ThermalMetrics, racks: &[RackResult]) -> ThermalMetrics {
    let worst = racks
        .iter()
        .fold(None::<&RackResult>, |best, r| match best {
            Some(b) if b.inlet_c >= r.inlet_c => Some(b),
            _ => Some(r),
        });
    ThermalMetrics {
        worst_inlet_c: worst.map_or(f64::NAN, |r| r.inlet_c),
        worst_rack: worst.map(|r| r.rack.clone()).unwrap_or_default(),
        mean_inlet_c: racks.iter().map(|r| r.inlet_c).sum::<f64>() / racks.len().max(1) as f64,
        racks: racks.len(),
        outside_recommended: racks
            .iter()
            .filter(|r| !(RECOMMENDED_C.0..=RECOMMENDED_C.1).contains(&r.inlet_c))
            .count(),
        outside_allowable_a1: racks
            .iter()
            .filter(|r| !(A1_C.0..=A1_C.1).contains(&r.inlet_c))
            .count(),
        ..design.clone()
    }
}

/// The campus rules of a facility, as [`simulate`] places it (without a campus section: one hall
/// with nothing beside it).
pub fn campus_rules(facility: &crate::site::Facility) -> CampusRules {
    let c = facility.campus.as_ref();
    let foot = facility.footprint();
    CampusRules {
        halls: facility.halls() as usize,
        hall_width_m: foot.width_m,
        hall_depth_m: foot.depth_m,
        hall_it_mw: facility.hall_it_mw(),
        hall_gap_m: c.map_or(0.0, |c| c.hall_gap_m),
        yard_m2_per_mw: c.map_or(0.0, |c| c.yard_m2_per_mw),
        substation_m2: c.map_or(0.0, |c| c.substation_m2),
        setback_m: c.map_or(0.0, |c| c.setback_m),
    }
}

/// Runs the model for one site with the prepared facility; `grid` is the national hosting
/// map (absent: only a site-file override can give the headroom).
pub fn simulate(
    input: &SiteInput,
    facility_input: &FacilityInput,
    model: &FacilityModel,
    grid: Option<&HostingMap>,
    extra_files: &[FileHash],
) -> Result<SiteRun, SimulateError> {
    let (site, facility) = (&input.site, &facility_input.facility);
    let climate = site_climate(site, input.weather.as_ref().map(|w| &w.epw))
        .map_err(SimulateError::Climate)?;
    // the campus on the land
    let campus = place(
        &campus_rules(facility),
        site.land.usable_width_m,
        site.land.usable_depth_m,
    );
    let halls = campus.halls_placed;
    // the plant sized for the site's design condition; the year
    // seawater plants are sized for the warmest month of the sea-temperature proxy
    let sea_c = crate::model::energy::sea_temperature_proxy_c(&climate.year)
        .map(|m| m.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .unwrap_or(climate.design.wet_bulb_c);
    // a standard design states its own condition; else the site's
    let (dry_bulb_c, wet_bulb_c) = facility.plant.as_ref().and_then(|p| p.design).map_or(
        (climate.design.dry_bulb_c, climate.design.wet_bulb_c),
        |d| (d.dry_bulb_c, d.wet_bulb_c),
    );
    let design = DesignCondition {
        dry_bulb_c,
        wet_bulb_c,
        sea_c,
    };
    let loss_kw = model.design.power.distribution_loss_w / 1e3;
    let (_, hours, mut energy) = annual_sized(
        site,
        facility,
        &climate.year,
        loss_kw,
        design,
        halls.max(1),
        0.0,
    )?;
    if halls == 0 {
        // nothing fits: the energy figures describe one hall that is not built
        energy.halls = 0;
    }
    // the grid: the site file's override, else the hosting capacity of its bus
    let peak_mw = energy.peak_facility_mw;
    let grid_fit = match (site.power.grid_headroom_mw, grid) {
        (Some(mw), _) => GridFit {
            source: "override",
            headroom_mw: mw,
            hosting: None,
        },
        (None, Some(map)) => {
            let h = site_hosting(map, &site.power, site.lat, site.lon, peak_mw)?;
            GridFit {
                source: "computed",
                headroom_mw: h.hosting_mw,
                hosting: Some(h),
            }
        }
        (None, None) => {
            return Err(SimulateError::Grid(crate::grid::GridError::Site(
                "power.grid_headroom_mw is absent and no grid model (grid/ beside the sites) \
                 was found to compute it"
                    .into(),
            )))
        }
    };
    energy.grid_headroom_mw = grid_fit.headroom_mw;
    energy.grid_margin_mw = grid_fit.headroom_mw - energy.peak_facility_mw;
    energy.grid_feasible = energy.grid_margin_mw >= 0.0;
    // every hour's rack inlets
    let hourly = hourly_thermal(model, &climate.year, &hours);
    let worst_hour = &hours[hourly.worst_hour];
    let worst_field = model.basis.field(
        worst_hour.supply_c,
        hourly.worst_hour_outdoor_c,
        worst_hour.utilisation,
    );
    let mut inlets = Vec::new();
    model.basis.inlets(
        worst_hour.supply_c,
        hourly.worst_hour_outdoor_c,
        worst_hour.utilisation,
        &mut inlets,
    );
    let racks: Vec<RackResult> = model
        .design
        .racks
        .iter()
        .zip(&inlets)
        .map(|(r, &t)| RackResult {
            inlet_c: t,
            ..r.clone()
        })
        .collect();
    let thermal = field_metrics(&model.design.thermal, &racks);
    // the IT the site can host: what the land holds, the grid carries at this site's peak
    // per MW of IT, and the utilisation the racks stand in the worst hours
    let land_it_mw = campus.it_mw_placed;
    let peak_per_it = if land_it_mw > 0.0 {
        energy.peak_facility_mw / land_it_mw
    } else {
        f64::INFINITY
    };
    let grid_it_mw = (grid_fit.headroom_mw / peak_per_it).max(0.0);
    let thermal_it_mw = land_it_mw * hourly.a1_utilisation_limit;
    let it_mw = land_it_mw.min(grid_it_mw).min(thermal_it_mw);
    let limited_by = if it_mw >= facility.it_load_mw - 1e-9 {
        "facility"
    } else if it_mw == land_it_mw {
        "land"
    } else if it_mw == grid_it_mw {
        "grid"
    } else {
        "thermal"
    };
    let hostable = Hostable {
        it_mw,
        limited_by: limited_by.into(),
        land_it_mw,
        grid_it_mw,
        thermal_it_mw,
        water: "not judged: no site file gives the water available",
    };
    let mut assumed: Vec<Assumed> = site
        .assumed
        .iter()
        .map(|p| Assumed {
            path: format!("site.{p}"),
            note: "listed as assumed in the site file".into(),
        })
        .chain(facility.assumed.iter().map(|p| Assumed {
            path: format!("facility.{p}"),
            note: "listed as assumed in the facility file".into(),
        }))
        .chain(climate.assumed.iter().map(|(path, note)| Assumed {
            path: format!("site.{path}"),
            note: note.clone(),
        }))
        .collect();
    assumed.extend(
        HallParams::provenance()
            .into_iter()
            .filter(|(_, note)| !note.starts_with("sourced"))
            .map(|(path, note)| Assumed {
                path: path.into(),
                note: note.into(),
            }),
    );
    let grid_impact = super::impact::assess(site, &model.design.power, &energy, &grid_fit);
    let plan = &model.plan;
    let metrics = SiteMetrics {
        dcplan_version: env!("CARGO_PKG_VERSION"),
        backend: model.backend.clone(),
        adapter: model.adapter.clone(),
        inputs: Inputs {
            site_id: site.id.clone(),
            site_name_en: site.name_en.clone(),
            site_name_ko: site.name_ko.clone(),
            site_file: input.path.display().to_string(),
            facility_name: facility.name.clone(),
            facility_file: facility_input.path.display().to_string(),
            it_load_mw: facility.it_load_mw,
            files: input
                .files()
                .into_iter()
                .chain([facility_input.hash.clone()])
                .chain(extra_files.iter().cloned())
                .collect(),
        },
        grid: GridInfo {
            nx: plan.nx,
            ny: plan.ny,
            cell_m: plan.cell_m,
            hall_width_m: plan.width_m,
            hall_depth_m: plan.depth_m,
            racks: plan.racks.len(),
        },
        campus,
        design_hour: DesignHour {
            outdoor: climate.design,
            supply_c: facility.cooling.supply_setpoint_c,
        },
        thermal,
        hourly_thermal: hourly,
        power: model.design.power.clone(),
        coupling: model.design.coupling.clone(),
        energy,
        grid_fit,
        hostable,
        grid_impact,
        model: model.params.clone(),
        assumed,
    };
    let hall = HallResult {
        temperature_c: worst_field,
        racks,
        thermal: metrics.thermal.clone(),
        ..model.design.clone()
    };
    Ok(SiteRun {
        metrics,
        plan: model.plan.clone(),
        hall,
    })
}
