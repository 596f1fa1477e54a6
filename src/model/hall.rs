//! The coupled thermal and power fields of one data hall at one operating point.
//!
//! Heat: `-div(k grad T) + g (T - T_s) = q` for the air temperature at inlet height, depth
//! integrated over the hall height. `q`: the share of rack heat that recirculates to inlet
//! height, plus the busways' I²R losses; `g`, `T_s`: supply air from the cooling units entering
//! the cold aisles, sized so that the whole supply carries the IT load at the design air-side
//! temperature rise; walls: Robin coupling to the outdoor air through the wall's U-value.
//! Power: `-div(sigma grad V) = -i` for the phase voltage of the busway sheet: busways carry
//! `busway_conductance_s_m` (corrected for conductor temperature), racks draw their phase
//! current from the busway above them, the switchboard feeds hold the nominal voltage.
//! The two are coupled both ways — losses heat the air, warm air raises the conductor's
//! resistance — and iterated to a fixed point.
//! Units: m, W, K, °C, V, A; per-area quantities per m² of floor.

use super::params::HallParams;
use crate::layout::{CellKind, FloorPlan};
use crate::site::Facility;
use crate::solver::system::series;
use crate::solver::{Boundary, Problem, SolveError, SolveOptions, Solver};
use serde::Serialize;

/// The operating point: supply air and outdoor air temperatures.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Conditions {
    pub supply_c: f64,
    pub outdoor_c: f64,
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
    /// Heat into the air (recirculated rack heat + I²R) and out (supply + walls), W.
    pub heat_in_w: f64,
    pub heat_to_supply_w: f64,
    pub heat_through_walls_w: f64,
    /// |in - out| / in.
    pub heat_imbalance: f64,
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
    /// Solver cycles of the last heat and power solves and their backward errors.
    pub heat_cycles: usize,
    pub heat_eta: f64,
    pub power_cycles: usize,
    pub power_eta: f64,
}

/// Fields (row-major over the plan) and metrics of a hall.
#[derive(Debug, Clone)]
pub struct HallResult {
    pub temperature_c: Vec<f64>,
    /// Voltage drop, % of nominal, on busway cells; NaN elsewhere.
    pub drop_pct: Vec<f64>,
    /// I²R loss density, W/m².
    pub loss_w_per_m2: Vec<f64>,
    pub racks: Vec<RackResult>,
    pub thermal: ThermalMetrics,
    pub power: PowerMetrics,
    pub coupling: Coupling,
    /// The last heat problem, for checks.
    pub heat_problem: Problem,
}

#[derive(Debug, thiserror::Error)]
pub enum HallError {
    #[error("heat solve: {0}")]
    Heat(#[source] SolveError),
    #[error("power solve: {0}")]
    Power(#[source] SolveError),
    #[error("coupled heat and power did not settle in {iterations} iterations (last change {change_k:.3e} K)")]
    Coupling { iterations: usize, change_k: f64 },
}

const MAX_COUPLING_ITERATIONS: usize = 30;

/// Solves the coupled fields. `tolerance_k`: stop when the temperature field changes by less
/// than this between two coupling iterations (set it above the solver's own precision).
pub fn solve_hall(
    plan: &FloorPlan,
    facility: &Facility,
    params: &HallParams,
    conditions: Conditions,
    solver: &mut dyn Solver,
    options: &SolveOptions,
    tolerance_k: f64,
) -> Result<HallResult, HallError> {
    let n = plan.cells();
    let mut temperature = vec![conditions.supply_c; n];
    let mut change = f64::INFINITY;
    // the heat operator does not change between coupling iterations (only the I²R sources
    // do): it is prepared once; the power operator depends on the conductor temperature
    let mut heat = heat_problem(plan, facility, params, conditions, &vec![0.0; n]);
    let mut prepared_heat = solver.prepare(&heat).map_err(HallError::Heat)?;
    for iteration in 1..=MAX_COUPLING_ITERATIONS {
        // the busway sheet (conductors in an insulating floor, 1e4 contrast) goes through the
        // same multigrid as the heat: its Galerkin coarse levels and line smoothing see the
        // conductors on every level
        let power = solve_power(plan, facility, params, &temperature, solver, options)
            .map_err(HallError::Power)?;
        heat = heat_problem(plan, facility, params, conditions, &power.loss_w_per_m2);
        let solution = prepared_heat
            .solve(&heat.rhs(), Some(&temperature), options)
            .map_err(HallError::Heat)?;
        change = solution
            .u
            .iter()
            .zip(&temperature)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        temperature = solution.u;
        if change <= tolerance_k {
            let coupling = Coupling {
                iterations: iteration,
                converged: true,
                last_change_k: change,
                tolerance_k,
                heat_cycles: solution.stats.cycles,
                heat_eta: solution.stats.quality.eta,
                power_cycles: power.cycles,
                power_eta: power.eta,
            };
            return Ok(finish(plan, params, heat, temperature, power, coupling));
        }
    }
    Err(HallError::Coupling {
        iterations: MAX_COUPLING_ITERATIONS,
        change_k: change,
    })
}

/// The heat problem for given I²R loss densities.
pub fn heat_problem(
    plan: &FloorPlan,
    facility: &Facility,
    params: &HallParams,
    conditions: Conditions,
    loss_w_per_m2: &[f64],
) -> Problem {
    let h = plan.cell_m;
    let mut p = Problem::new(plan.nx, plan.ny, h);
    p.conductivity
        .fill(params.k_eff_w_per_mk * params.hall_height_m);
    // supply: the whole airflow carries the IT load at the design temperature rise; most of
    // it enters the cold aisles, the rest is drawn from the clearance bands at the west and
    // east walls where the cooling units stand
    let it_w = facility.it_load_mw * 1e6;
    let airflow_w_per_k = it_w / facility.cooling.supply_delta_t_k.max(1e-6);
    let cold_w_per_k = airflow_w_per_k * (1.0 - params.perimeter_return_share);
    let return_w_per_k = airflow_w_per_k * params.perimeter_return_share;
    let weight = |i: usize| {
        let x = (i as f64 + 0.5) * h / plan.width_m;
        let to_middle = 1.0 - (2.0 * x - 1.0).abs();
        1.0 - params.supply_falloff * to_middle
    };
    let clearance_cells = plan.racks.iter().map(|r| r.cells.i0).min().unwrap_or(0);
    let at_end_wall = |c: usize| {
        let i = c % plan.nx;
        plan.kind[c] == CellKind::Perimeter
            && (i < clearance_cells || i >= plan.nx - clearance_cells)
    };
    let cold_weight: f64 = (0..plan.cells())
        .filter(|&c| plan.kind[c] == CellKind::ColdAisle)
        .map(|c| weight(c % plan.nx))
        .sum();
    let return_cells = (0..plan.cells()).filter(|&c| at_end_wall(c)).count() as f64;
    for (c, &loss) in loss_w_per_m2.iter().enumerate().take(plan.cells()) {
        if plan.kind[c] == CellKind::ColdAisle && cold_weight > 0.0 {
            p.sink_coeff[c] = cold_w_per_k * weight(c % plan.nx) / (cold_weight * h * h);
        } else if at_end_wall(c) && return_cells > 0.0 {
            p.sink_coeff[c] = return_w_per_k / (return_cells * h * h);
        }
        p.sink_value[c] = conditions.supply_c;
        p.source[c] = loss;
    }
    for rack in &plan.racks {
        let area = rack.cells.count() as f64 * h * h;
        let q = params.recirculation_fraction * facility.rack_kw * 1e3 / area;
        for (i, j) in rack.cells.cells() {
            p.source[j * plan.nx + i] += q;
        }
    }
    let wall = Boundary::Robin {
        coeff: params.wall_u_w_per_m2k * params.hall_height_m,
        value: conditions.outdoor_c,
    };
    p.boundary = [wall; 4];
    p
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

/// Nominal phase voltage and the phase current of one rack.
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
    let (nominal_v, current) = rack_current(facility, params);
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
    solver: &mut dyn Solver,
    options: &SolveOptions,
) -> Result<PowerField, SolveError> {
    let problem = power_problem(plan, facility, params, temperature_c);
    let solution = solver.solve(&problem, options)?;
    let v = &solution.u;
    let (nx, ny, h) = (plan.nx, plan.ny, plan.cell_m);
    let (nominal_v, current) = rack_current(facility, params);
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

/// Heat flows of a solved heat problem: (in, to supply, through walls), W.
pub fn heat_flows(p: &Problem, t: &[f64]) -> (f64, f64, f64) {
    let (nx, ny, h) = (p.nx, p.ny, p.spacing_m);
    let area = h * h;
    let heat_in: f64 = p.source.iter().map(|q| q * area).sum();
    let to_supply: f64 = (0..p.cells())
        .map(|c| p.sink_coeff[c] * area * (t[c] - p.sink_value[c]))
        .sum();
    let mut walls = 0.0;
    let mut wall = |c: usize, bc: Boundary| {
        if let Boundary::Robin { coeff, value } = bc {
            walls += series(2.0 * p.conductivity[c], coeff * h) * (t[c] - value);
        }
    };
    for j in 0..ny {
        wall(j * nx, p.boundary[0]);
        wall(j * nx + nx - 1, p.boundary[1]);
    }
    for i in 0..nx {
        wall(i, p.boundary[2]);
        wall((ny - 1) * nx + i, p.boundary[3]);
    }
    (heat_in, to_supply, walls)
}

fn finish(
    plan: &FloorPlan,
    params: &HallParams,
    heat: Problem,
    temperature: Vec<f64>,
    power: PowerField,
    coupling: Coupling,
) -> HallResult {
    let nx = plan.nx;
    let racks: Vec<RackResult> = plan
        .racks
        .iter()
        .zip(&power.rack_drop_pct)
        .map(|(r, &drop)| {
            let inlet = r
                .inlet
                .cells()
                .map(|(i, j)| temperature[j * nx + i])
                .sum::<f64>()
                / r.inlet.count().max(1) as f64;
            RackResult {
                rack: r.label(),
                inlet_c: inlet,
                drop_pct: drop,
            }
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
    let (heat_in, to_supply, walls) = heat_flows(&heat, &temperature);
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
        heat_in_w: heat_in,
        heat_to_supply_w: to_supply,
        heat_through_walls_w: walls,
        heat_imbalance: (heat_in - to_supply - walls).abs() / heat_in.abs().max(f64::MIN_POSITIVE),
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
        drop_pct: power.drop_pct,
        loss_w_per_m2: power.loss_w_per_m2,
        racks,
        thermal,
        power: power_metrics,
        coupling,
        heat_problem: heat,
    }
}
