//! One site, end to end: its weather, the facility's floor plan, the coupled hall fields at the
//! design hot hour, and the metrics a planner reads. `dcplan simulate` writes what this returns.

use super::inputs::{FacilityInput, FileHash, SiteInput};
use crate::backend::Backend;
use crate::climate::site_climate::{site_climate, DesignAir};
use crate::climate::ClimateError;
use crate::layout::{FloorPlan, LayoutError};
use crate::model::hall::{
    solve_hall, Conditions, Coupling, HallError, HallResult, PowerMetrics, ThermalMetrics,
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

/// Identifies the inputs of a result.
#[derive(Debug, Clone, Serialize)]
pub struct Inputs {
    pub site_id: String,
    pub site_name_en: String,
    pub site_name_ko: String,
    pub site_file: String,
    pub facility_name: String,
    pub facility_file: String,
    pub it_load_mw: f64,
    /// Every file the result depends on (site, its weather file, facility), with the SHA-256
    /// of the bytes read.
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

/// The design hot hour: outdoor air and the supply air the plant holds.
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

/// Everything `simulate` reports for a site (metrics.json).
#[derive(Debug, Clone, Serialize)]
pub struct SiteMetrics {
    pub dcplan_version: &'static str,
    pub backend: String,
    pub adapter: String,
    pub inputs: Inputs,
    pub grid: GridInfo,
    pub design_hour: DesignHour,
    pub thermal: ThermalMetrics,
    pub power: PowerMetrics,
    pub coupling: Coupling,
    /// The year's hourly energy balance (PUE, energy, cost, carbon, peak against headroom).
    pub energy: crate::model::energy::Annual,
    pub model: HallParams,
    pub assumed: Vec<Assumed>,
}

/// A simulated site: its metrics and the fields behind them.
pub struct SiteRun {
    pub metrics: SiteMetrics,
    pub plan: FloorPlan,
    pub hall: HallResult,
}

/// Runs the model for one site with the facility on grid cells of `cell_m`.
pub fn simulate(
    input: &SiteInput,
    facility_input: &FacilityInput,
    cell_m: f64,
    solver: &mut dyn Solver,
    precision: &Precision,
) -> Result<SiteRun, SimulateError> {
    let (site, facility) = (&input.site, &facility_input.facility);
    let (options, tolerance_k) = (&precision.options, precision.coupling_tolerance_k);
    let climate = site_climate(site, input.weather.as_ref().map(|w| &w.epw))
        .map_err(SimulateError::Climate)?;
    let plan = FloorPlan::build(facility, cell_m)?;
    let params = HallParams::default();
    // the plant holds its set point at the design hour (chillers trim what the economizer
    // cannot); the outdoor air reaches the hall through its walls
    let supply_c = facility.cooling.supply_setpoint_c;
    let conditions = Conditions {
        supply_c,
        outdoor_c: climate.design.dry_bulb_c,
    };
    let hall = solve_hall(
        &plan,
        facility,
        &params,
        conditions,
        solver,
        options,
        tolerance_k,
    )?;
    // the busway losses of the power solve at full IT load enter every hour's balance
    let energy = crate::model::energy::annual(
        site,
        facility,
        &climate.year,
        hall.power.distribution_loss_w / 1e3,
    )?;
    let info = solver.info();
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
    let metrics = SiteMetrics {
        dcplan_version: env!("CARGO_PKG_VERSION"),
        backend: info.backend,
        adapter: info.adapter,
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
        design_hour: DesignHour {
            outdoor: climate.design,
            supply_c,
        },
        thermal: hall.thermal.clone(),
        power: hall.power.clone(),
        coupling: hall.coupling.clone(),
        energy,
        model: params,
        assumed,
    };
    Ok(SiteRun {
        metrics,
        plan,
        hall,
    })
}
