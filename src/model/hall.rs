//! The coupled thermal and power fields of one data hall at one operating point, and the
//! basis fields that give every hour's rack inlets exactly.
//!
//! Heat: the hall airflow compact model (`airflow`): a potential flow through the rack-height
//! layer under a well-mixed zone, built from the floor plan (racks solid, intakes and exhausts
//! on their faces, supply from floor tiles in the cold aisles or from cooling units at the end
//! walls, containment closing aisle ends and roofs), and the air temperature advected and mixed
//! on it with every rack coupled intake to exhaust. The racks put the air share of their heat
//! into the air; the busways their I²R losses; the walls exchange with outdoor air.
//! Power: `-div(sigma grad V) = -i` for the phase voltage of the low-voltage busway sheet:
//! busways carry `busway_conductance_s_m` (corrected for conductor temperature), racks draw
//! their phase current from the busway above them, the unit substations hold the nominal
//! voltage where they feed the main busbars. The two are coupled both ways — losses heat the
//! air, warm air raises the conductor's resistance — and iterated to a fixed point.
//!
//! Superposition: for a fixed layout the air temperature is linear in the supply and outdoor
//! temperatures, the rack heats and the I²R sources, so each rack's inlet in any hour is
//! `T_s + (T_out - T_s) psi + u phi + u² lambda` with three basis solves (`HallBasis`): `phi`
//! the rise from the racks at full load, `lambda` from the design hour's I²R field, `psi` the
//! response to the outdoor air. Exact when the airflow is fixed (fans at constant flow; the
//! racks' rise shrinks with their load `u`) and the conductor resistance is frozen at its
//! design-hour temperatures (I²R then scales as `u²`); where either does not hold the hour
//! must be solved directly (`HallModel::solve`).
//! Units: m, W, K, °C, V, A; per-area quantities per m² of floor.

use super::airflow::{
    AirConditions, AirField, AirLayout, AirParams, AirRack, AirflowError, HallAir,
};
use super::params::HallParams;
use crate::layout::{CellKind, FloorPlan};
use crate::site::{AirSupply, Containment, Facility};
use crate::solver::{Problem, SolveError, SolveOptions, Solver};
use serde::Serialize;

/// The operating point: supply air and outdoor air temperatures, IT utilisation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Conditions {
    pub supply_c: f64,
    pub outdoor_c: f64,
    /// IT load as a share of full load.
    pub utilisation: f64,
}

/// Results of one rack.
#[derive(Debug, Clone, Serialize)]
pub struct RackResult {
    pub rack: String,
    pub inlet_c: f64,
    pub drop_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThermalMetrics {
    pub worst_inlet_c: f64,
    pub worst_rack: String,
    pub mean_inlet_c: f64,
    pub racks: usize,
    /// Racks whose inlet is outside the ASHRAE recommended envelope, 18-27 °C.
    pub outside_recommended: usize,
    /// Racks whose inlet is outside the ASHRAE A1 allowable envelope, 15-32 °C.
    pub outside_allowable_a1: usize,
    /// Temperature of the well-mixed zone above the racks (the ceiling returns), °C.
    pub zone_c: f64,
    /// Heat into the hall air (supply enthalpy, rack air heat, I²R) and out of it (returns,
    /// walls), W, enthalpy relative to 0 °C.
    pub heat_in_w: f64,
    pub heat_out_w: f64,
    /// |in - out| / in.
    pub heat_imbalance: f64,
    /// Field solves the last rack coupling took.
    pub coupling_solves: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PowerMetrics {
    pub nominal_phase_v: f64,
    pub worst_drop_pct: f64,
    pub worst_rack: String,
    pub drop_limit_pct: f64,
    pub within_limit: bool,
    /// I²R in the busways, all three phases, W.
    pub distribution_loss_w: f64,
    /// Current the feeds deliver and the racks draw, per phase, A.
    pub feed_current_a: f64,
    pub rack_current_a: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coupling {
    pub iterations: usize,
    pub converged: bool,
    /// Largest change of the temperature field in the last iteration, K.
    pub last_change_k: f64,
    pub tolerance_k: f64,
    /// Solver cycles of the last power solve and its backward error.
    pub power_cycles: usize,
    pub power_eta: f64,
}

/// Fields (row-major over the plan) and metrics of a hall.
#[derive(Debug, Clone)]
pub struct HallResult {
    pub temperature_c: Vec<f64>,
    /// The temperature the busway conductors' resistance was taken at: the air's, and over the
    /// racks the air rising there.
    pub conductor_c: Vec<f64>,
    /// Voltage drop, % of nominal, on busway cells; NaN elsewhere.
    pub drop_pct: Vec<f64>,
    /// I²R loss density, W/m².
    pub loss_w_per_m2: Vec<f64>,
    pub racks: Vec<RackResult>,
    pub thermal: ThermalMetrics,
    pub power: PowerMetrics,
    pub coupling: Coupling,
}

#[derive(Debug, thiserror::Error)]
pub enum HallError {
    #[error("hall air: {0}")]
    Air(#[source] AirflowError),
    #[error("power solve: {0}")]
    Power(#[source] SolveError),
    #[error("coupled heat and power did not settle in {iterations} iterations (last change {change_k:.3e} K)")]
    Coupling { iterations: usize, change_k: f64 },
}

impl HallError {
    /// The solver failure underneath, if any.
    pub fn solve_error(&self) -> Option<&SolveError> {
        match self {
            HallError::Power(s)
            | HallError::Air(AirflowError::Flow(s))
            | HallError::Air(AirflowError::Heat(s)) => Some(s),
            _ => None,
        }
    }
}

const MAX_COUPLING_ITERATIONS: usize = 30;

/// Air properties: density 1.19 kg/m³ and specific heat 1006 J/(kg K) (dry air near 24 °C).
pub const RHO_CP_J_M3K: f64 = 1.19 * 1006.0;

/// Heat one rack puts into its air at full load, W (the air share of its power).
pub fn rack_air_heat_w(facility: &Facility) -> f64 {
    facility.rack_kw * 1e3 * facility.air_share()
}

/// The airflow geometry of a floor plan with the facility's air design.
pub fn air_layout(plan: &FloorPlan, facility: &Facility) -> AirLayout {
    let design = facility.air_design();
    let (nx, ny, h) = (plan.nx, plan.ny, plan.cell_m);
    let mut layout = AirLayout::new(
        nx,
        ny,
        h,
        design.rack_height_m,
        0.5 * design.ceiling_height_m,
    );
    // racks draw the air share of their heat at the design rise
    let flow = rack_air_heat_w(facility) / (RHO_CP_J_M3K * facility.cooling.supply_delta_t_k);
    for rack in &plan.racks {
        for (i, j) in rack.cells.cells() {
            layout.set_solid(j * nx + i);
        }
    }
    for rack in &plan.racks {
        let cells = |r: &crate::layout::CellRect| -> Vec<usize> {
            r.cells()
                .map(|(i, j)| j * nx + i)
                .filter(|&c| !layout.solid[c])
                .collect()
        };
        layout.racks.push(AirRack {
            label: rack.label(),
            intake: cells(&rack.inlet),
            exhaust: cells(&rack.exhaust),
            flow_m3_s: flow.max(1e-9),
        });
    }
    let total: f64 = layout.racks.iter().map(|r| r.flow_m3_s).sum();
    let clearance_cells = plan
        .racks
        .iter()
        .map(|r| r.cells.i0)
        .min()
        .unwrap_or(0)
        .max(1);
    let supply_cells: Vec<usize> = match design.supply {
        AirSupply::FloorTiles => (0..plan.cells())
            .filter(|&c| plan.kind[c] == CellKind::ColdAisle && !layout.solid[c])
            .collect(),
        AirSupply::Perimeter => (0..plan.cells())
            .filter(|&c| {
                let i = c % nx;
                plan.kind[c] == CellKind::Perimeter
                    && (i < clearance_cells || i >= nx - clearance_cells)
            })
            .collect(),
    };
    for &c in &supply_cells {
        layout.supply_m3_s[c] = total / supply_cells.len().max(1) as f64;
    }
    if design.supply == AirSupply::FloorTiles {
        layout.tile_jets(design.tile_overshoot);
    }
    // containment: the contained aisles' ends and roofs close, but for their leakage
    let contained = match design.containment {
        Containment::None => None,
        Containment::ColdAisle => Some(CellKind::ColdAisle),
        Containment::HotAisle => Some(CellKind::HotAisle),
    };
    if let Some(kind) = contained {
        let leak = design.containment_leakage;
        for j in 0..ny {
            for i in 0..nx {
                let c = j * nx + i;
                if plan.kind[c] != kind {
                    continue;
                }
                for d in [(i > 0).then(|| c - 1), (i + 1 < nx).then(|| c + 1)]
                    .into_iter()
                    .flatten()
                {
                    if plan.kind[d] == CellKind::Perimeter {
                        // the face between c and d is indexed by its left cell
                        let a = c.min(d);
                        layout.openings.x[a] = layout.openings.x[a].min(leak);
                    }
                }
                if kind == CellKind::ColdAisle {
                    layout.top_open[c] = leak;
                }
            }
        }
        if kind == CellKind::HotAisle {
            // the end rows' backs face the walls: the band behind them, a hot aisle wide, is a
            // hot aisle against the wall (contained and ducted like the others)
            let depth = (facility.hot_aisle_m / h).round().max(1.0) as usize;
            let mut wall_aisle = vec![false; plan.cells()];
            for rack in &plan.racks {
                let outward = if rack.exhaust.j0 >= rack.cells.j1 {
                    1isize
                } else {
                    -1
                };
                for (i, j) in rack.exhaust.cells() {
                    if plan.kind[j * nx + i] != CellKind::Perimeter {
                        continue;
                    }
                    for step in 0..depth as isize {
                        let jj = j as isize + outward * step;
                        if (0..ny as isize).contains(&jj) {
                            wall_aisle[jj as usize * nx + i] = true;
                        }
                    }
                }
            }
            for j in 0..ny {
                for i in 1..nx {
                    let (a, b) = (j * nx + i - 1, j * nx + i);
                    if wall_aisle[a] != wall_aisle[b] {
                        layout.openings.x[a] = layout.openings.x[a].min(leak);
                    }
                }
            }
            // the hot aisles are ducted to the ceiling returns; the rest of the room is closed
            // from the zone by its ceiling but for leakage
            for c in 0..plan.cells() {
                if plan.kind[c] != CellKind::HotAisle && !wall_aisle[c] && !layout.solid[c] {
                    layout.top_open[c] = leak;
                }
            }
        }
    }
    layout
}

/// A hall prepared once: its floor plan and the prepared temperature model of its air.
pub struct HallModel {
    pub plan: FloorPlan,
    pub air: HallAir,
    pub params: HallParams,
    /// Heat each rack puts into its air at full load, W.
    pub rack_heat_w: f64,
}

/// Each rack's inlet response to the three things that change by the hour (see the module
/// comment), K per unit.
#[derive(Debug, Clone, Serialize)]
pub struct HallBasis {
    /// Rise above supply from the racks at full load.
    pub rack_k: Vec<f64>,
    /// Rise above supply from the design hour's I²R at full load.
    pub loss_k: Vec<f64>,
    /// Response to outdoor minus supply (a fraction).
    pub outdoor: Vec<f64>,
    /// The same three responses as whole fields over the plan (for the field of any hour).
    #[serde(skip)]
    pub fields: [Vec<f64>; 3],
}

impl HallBasis {
    /// The air temperature field, °C, at supply `s`, outdoor `o`, utilisation `u`.
    pub fn field(&self, s: f64, o: f64, u: f64) -> Vec<f64> {
        let [rack, loss, outdoor] = &self.fields;
        (0..rack.len())
            .map(|c| s + (o - s) * outdoor[c] + u * rack[c] + u * u * loss[c])
            .collect()
    }

    /// Each rack's inlet, °C, at supply `s`, outdoor `o`, utilisation `u`.
    pub fn inlets(&self, s: f64, o: f64, u: f64, out: &mut Vec<f64>) {
        out.clear();
        out.extend(
            (0..self.rack_k.len()).map(|r| {
                s + (o - s) * self.outdoor[r] + u * self.rack_k[r] + u * u * self.loss_k[r]
            }),
        );
    }
}

impl HallModel {
    pub fn new(
        plan: FloorPlan,
        facility: &Facility,
        params: HallParams,
        solver: &dyn Solver,
        options: &SolveOptions,
    ) -> Result<Self, HallError> {
        let layout = air_layout(&plan, facility);
        let air_params = AirParams {
            rho_cp_j_m3k: RHO_CP_J_M3K,
            k_eff_w_mk: facility.air_design().k_eff_w_mk,
            wall_u_w_m2k: params.wall_u_w_per_m2k,
        };
        let air = HallAir::new(layout, air_params, solver, options).map_err(HallError::Air)?;
        Ok(HallModel {
            plan,
            air,
            params,
            rack_heat_w: rack_air_heat_w(facility),
        })
    }

    fn field(&mut self, cond: &Conditions, source: &[f64]) -> Result<AirField, HallError> {
        let racks = self.air.layout.racks.len();
        self.air
            .solve(&AirConditions {
                supply_c: cond.supply_c,
                outdoor_c: cond.outdoor_c,
                rack_heat_w: vec![self.rack_heat_w * cond.utilisation; racks],
                source_w_m2: source.to_vec(),
            })
            .map_err(HallError::Air)
    }

    /// The coupled fields at one operating point. `tolerance_k`: stop when the temperature
    /// field changes by less than this between two coupling iterations.
    pub fn solve(
        &mut self,
        facility: &Facility,
        cond: Conditions,
        solver: &mut dyn Solver,
        options: &SolveOptions,
        tolerance_k: f64,
    ) -> Result<HallResult, HallError> {
        let n = self.plan.cells();
        let mut temperature = vec![cond.supply_c; n];
        let mut change = f64::INFINITY;
        for iteration in 1..=MAX_COUPLING_ITERATIONS {
            // the busway sheet (conductors in an insulating floor, 1e4 contrast) goes through
            // the same multigrid as the air: its Galerkin coarse levels and line smoothing see
            // the conductors on every level
            let power = solve_power(
                &self.plan,
                facility,
                &self.params,
                &temperature,
                cond.utilisation,
                solver,
                options,
            )
            .map_err(HallError::Power)?;
            let field = self.field(&cond, &power.loss_w_per_m2)?;
            // the conductors: in the air where the cell is air; over the racks (solid cells,
            // which the air model does not resolve) in the air that rises there — the zone
            // above, or without one the mean exhaust
            let over_racks = if field.zone_c.is_finite() {
                field.zone_c
            } else {
                field.exhaust_c.iter().sum::<f64>() / field.exhaust_c.len().max(1) as f64
            };
            let conductor: Vec<f64> = field
                .temperature_c
                .iter()
                .zip(&self.air.layout.solid)
                .map(|(&t, &solid)| if solid { over_racks } else { t })
                .collect();
            change = conductor
                .iter()
                .zip(&temperature)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            temperature = conductor;
            if change <= tolerance_k {
                let coupling = Coupling {
                    iterations: iteration,
                    converged: true,
                    last_change_k: change,
                    tolerance_k,
                    power_cycles: power.cycles,
                    power_eta: power.eta,
                };
                return Ok(finish(
                    &self.plan,
                    &self.params,
                    field,
                    temperature,
                    power,
                    coupling,
                ));
            }
        }
        Err(HallError::Coupling {
            iterations: MAX_COUPLING_ITERATIONS,
            change_k: change,
        })
    }

    /// The three basis responses of every rack's inlet, with the I²R field of `design` frozen.
    pub fn basis(&mut self, design: &HallResult) -> Result<HallBasis, HallError> {
        let zero = Conditions {
            supply_c: 0.0,
            outdoor_c: 0.0,
            utilisation: 1.0,
        };
        let rack = self.field(&zero, &[])?;
        let idle = Conditions {
            utilisation: 0.0,
            ..zero
        };
        let loss = self.field(&idle, &design.loss_w_per_m2)?;
        let outdoor = self.field(
            &Conditions {
                outdoor_c: 1.0,
                ..idle
            },
            &[],
        )?;
        Ok(HallBasis {
            rack_k: rack.intake_c,
            loss_k: loss.intake_c,
            outdoor: outdoor.intake_c,
            fields: [
                rack.temperature_c,
                loss.temperature_c,
                outdoor.temperature_c,
            ],
        })
    }

    /// The air field at supply `s`, outdoor `o`, utilisation `u` with the given I²R field
    /// scaled by `u²` (a direct solve: the oracle of the superposition).
    pub fn direct(
        &mut self,
        s: f64,
        o: f64,
        u: f64,
        loss_w_per_m2: &[f64],
    ) -> Result<AirField, HallError> {
        let source: Vec<f64> = loss_w_per_m2.iter().map(|q| q * u * u).collect();
        self.field(
            &Conditions {
                supply_c: s,
                outdoor_c: o,
                utilisation: u,
            },
            &source,
        )
    }
}

struct PowerField {
    drop_pct: Vec<f64>,
    loss_w_per_m2: Vec<f64>,
    rack_drop_pct: Vec<f64>,
    nominal_v: f64,
    feed_current_a: f64,
    rack_current_a: f64,
    cycles: usize,
    eta: f64,
}

/// Nominal phase voltage and the phase current of one rack at full load.
fn rack_current(facility: &Facility, params: &HallParams) -> (f64, f64) {
    let v_ll = facility.distribution_voltage_v;
    let current = facility.rack_kw * 1e3 / (3f64.sqrt() * v_ll * params.power_factor);
    (v_ll / 3f64.sqrt(), current)
}

/// The power problem at the given air temperatures (they set the conductor resistance).
pub fn power_problem(
    plan: &FloorPlan,
    facility: &Facility,
    params: &HallParams,
    temperature_c: &[f64],
    utilisation: f64,
) -> Problem {
    let h = plan.cell_m;
    let mut p = Problem::new(plan.nx, plan.ny, h);
    // a busway cell of side h is a run of length h: conductance busway_conductance_s_m / h
    let sigma_ref = facility.busway_conductance_s_m / h;
    for (c, &t) in temperature_c.iter().enumerate().take(plan.cells()) {
        let conductor = plan.busway[c] * sigma_ref
            / (1.0 + params.conductor_alpha_per_k * (t - params.conductor_reference_c));
        p.conductivity[c] = conductor.max(sigma_ref * params.floor_conductance_fraction);
    }
    let (nominal_v, full) = rack_current(facility, params);
    let current = full * utilisation;
    for rack in &plan.racks {
        let taps: Vec<usize> = rack
            .cells
            .cells()
            .map(|(i, j)| j * plan.nx + i)
            .filter(|&c| plan.busway[c] > 0.0)
            .collect();
        let per_cell = current / (taps.len().max(1) as f64 * h * h);
        for c in taps {
            p.source[c] -= per_cell;
        }
    }
    for &f in &plan.feeds {
        p.fixed[f] = Some(nominal_v);
    }
    p
}

fn solve_power(
    plan: &FloorPlan,
    facility: &Facility,
    params: &HallParams,
    temperature_c: &[f64],
    utilisation: f64,
    solver: &mut dyn Solver,
    options: &SolveOptions,
) -> Result<PowerField, SolveError> {
    let problem = power_problem(plan, facility, params, temperature_c, utilisation);
    let solution = solver.solve(&problem, options)?;
    let v = &solution.u;
    let (nx, ny, h) = (plan.nx, plan.ny, plan.cell_m);
    let (nominal_v, full) = rack_current(facility, params);
    let current = full * utilisation;
    let k = &problem.conductivity;
    let harmonic = |a: f64, b: f64| 2.0 * a * b / (a + b);
    // I²R per face, split between its two cells; three phase conductors
    let mut loss = vec![0.0; plan.cells()];
    let mut feed_current = 0.0;
    let is_feed = |c: usize| plan.feeds.contains(&c);
    for j in 0..ny {
        for i in 0..nx {
            let c = j * nx + i;
            for d in [
                (i + 1 < nx).then_some(c + 1),
                (j + 1 < ny).then_some(c + nx),
            ]
            .into_iter()
            .flatten()
            {
                let g = harmonic(k[c], k[d]);
                let dv = v[c] - v[d];
                let w = 3.0 * g * dv * dv;
                loss[c] += 0.5 * w;
                loss[d] += 0.5 * w;
                if is_feed(c) && !is_feed(d) {
                    feed_current += g * dv;
                }
                if is_feed(d) && !is_feed(c) {
                    feed_current -= g * dv;
                }
            }
        }
    }
    for l in &mut loss {
        *l /= h * h;
    }
    let drop: Vec<f64> = (0..plan.cells())
        .map(|c| {
            if plan.busway[c] > 0.0 {
                (nominal_v - v[c]) / nominal_v * 100.0
            } else {
                f64::NAN
            }
        })
        .collect();
    let rack_drop = plan
        .racks
        .iter()
        .map(|r| {
            r.cells
                .cells()
                .map(|(i, j)| j * nx + i)
                .filter(|&c| plan.busway[c] > 0.0)
                .map(|c| drop[c])
                .fold(0.0f64, f64::max)
        })
        .collect();
    Ok(PowerField {
        drop_pct: drop,
        loss_w_per_m2: loss,
        rack_drop_pct: rack_drop,
        nominal_v,
        feed_current_a: feed_current,
        rack_current_a: current * plan.racks.len() as f64,
        cycles: solution.stats.cycles,
        eta: solution.stats.quality.eta,
    })
}

fn finish(
    plan: &FloorPlan,
    params: &HallParams,
    field: AirField,
    conductor_c: Vec<f64>,
    power: PowerField,
    coupling: Coupling,
) -> HallResult {
    let temperature = field.temperature_c.clone();
    let racks: Vec<RackResult> = plan
        .racks
        .iter()
        .zip(&power.rack_drop_pct)
        .zip(&field.intake_c)
        .map(|((r, &drop), &inlet)| RackResult {
            rack: r.label(),
            inlet_c: inlet,
            drop_pct: drop,
        })
        .collect();
    // ties go to the first rack in plan order, so the choice is deterministic
    let worst = |key: fn(&RackResult) -> f64| {
        racks
            .iter()
            .fold(None::<&RackResult>, |best, r| match best {
                Some(b) if key(b) >= key(r) => Some(b),
                _ => Some(r),
            })
            .map(|r| (key(r), r.rack.clone()))
            .unwrap_or((f64::NAN, String::new()))
    };
    let (worst_inlet_c, worst_inlet_rack) = worst(|r| r.inlet_c);
    let (worst_drop_pct, worst_drop_rack) = worst(|r| r.drop_pct);
    let distribution_loss_w: f64 =
        power.loss_w_per_m2.iter().sum::<f64>() * plan.cell_m * plan.cell_m;
    let thermal = ThermalMetrics {
        worst_inlet_c,
        worst_rack: worst_inlet_rack,
        mean_inlet_c: racks.iter().map(|r| r.inlet_c).sum::<f64>() / racks.len().max(1) as f64,
        racks: racks.len(),
        outside_recommended: racks
            .iter()
            .filter(|r| !(18.0..=27.0).contains(&r.inlet_c))
            .count(),
        outside_allowable_a1: racks
            .iter()
            .filter(|r| !(15.0..=32.0).contains(&r.inlet_c))
            .count(),
        zone_c: field.zone_c,
        heat_in_w: field.heat_in_w,
        heat_out_w: field.heat_out_w,
        heat_imbalance: field.heat_imbalance(),
        coupling_solves: field.solves,
    };
    let power_metrics = PowerMetrics {
        nominal_phase_v: power.nominal_v,
        worst_drop_pct,
        worst_rack: worst_drop_rack,
        drop_limit_pct: params.drop_limit_pct,
        within_limit: worst_drop_pct <= params.drop_limit_pct,
        distribution_loss_w,
        feed_current_a: power.feed_current_a,
        rack_current_a: power.rack_current_a,
    };
    HallResult {
        temperature_c: temperature,
        conductor_c,
        drop_pct: power.drop_pct,
        loss_w_per_m2: power.loss_w_per_m2,
        racks,
        thermal,
        power: power_metrics,
        coupling,
    }
}
