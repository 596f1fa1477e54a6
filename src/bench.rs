//! `dcplan bench`: a size sweep of the solver on one fixed variable-coefficient problem with
//! sinks and mixed boundaries, with throughput set against the memory system's own copy rate;
//! and the export of that problem in Matrix Market form so other solvers can race it.

use crate::backend::Backend;
use crate::fsio::{write_atomic_with, WriteError};
use crate::solver::system::{write_vector_market, System};
use crate::solver::{Boundary, Problem, Side, SolveError, SolveOptions};
use serde::Serialize;
use std::f64::consts::PI;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The benchmark problem on an n × n grid over a 1 m square: smoothly varying conductivity
/// with ten-times-higher stripes (like busways), four sink blocks (like cooling units), a source
/// in rows of blocks (like racks), a fixed wall, two Robin walls and one zero-flux wall.
pub fn problem(n: usize) -> Problem {
    let mut p = Problem::new(n, n, 1.0 / n as f64);
    for j in 0..n {
        for i in 0..n {
            let q = p.index(i, j);
            let (x, y) = p.centre_m(i, j);
            let stripe = (y * 8.0).fract() < 0.1;
            p.conductivity[q] = (1.0 + 0.5 * (2.0 * PI * x).sin() * (2.0 * PI * y).sin())
                * if stripe { 10.0 } else { 1.0 };
            let cooler = ((x - 0.25).abs() < 0.06 || (x - 0.75).abs() < 0.06)
                && ((y - 0.2).abs() < 0.08 || (y - 0.8).abs() < 0.08);
            if cooler {
                p.sink_coeff[q] = 400.0;
                p.sink_value[q] = 18.0;
            }
            let rack =
                (x * 6.0).fract() > 0.3 && (x * 6.0).fract() < 0.7 && (0.1..0.9).contains(&y);
            p.source[q] = if rack { 2000.0 } else { 0.0 };
        }
    }
    p.set_boundary(Side::West, Boundary::Fixed { value: 25.0 });
    p.set_boundary(
        Side::East,
        Boundary::Robin {
            coeff: 10.0,
            value: 30.0,
        },
    );
    p.set_boundary(Side::South, Boundary::ZeroFlux);
    p.set_boundary(
        Side::North,
        Boundary::Robin {
            coeff: 5.0,
            value: 20.0,
        },
    );
    p
}

/// The power (busway) sheet of a facility's hall at `cell_m`: the LV conductor sheet with its
/// 1e4 contrast between busway and floor cells, rack loads as current sinks and the unit
/// substations' feeds as fixed voltages, at the conductors' reference temperature (so at their
/// rated conductance) and full load: the product's own hardest symmetric system.
pub fn power_sheet(
    facility: &crate::site::Facility,
    cell_m: f64,
) -> Result<Problem, crate::layout::LayoutError> {
    let plan = crate::layout::FloorPlan::build(facility, cell_m)?;
    let params = crate::model::HallParams::default();
    let temperature_c = vec![params.conductor_reference_c; plan.cells()];
    Ok(crate::model::hall::power_problem(
        &plan,
        facility,
        &params,
        &temperature_c,
        1.0,
    ))
}

/// The hall air system of `bench --hall-air`, with what the table reports beside its times.
pub struct HallAirSystem {
    pub problem: Problem,
    /// The largest cell Péclet number of its operator (advection against mixing).
    pub max_cell_peclet: f64,
}

/// Why the hall air system could not be built.
#[derive(Debug, thiserror::Error)]
pub enum HallAirError {
    #[error("floor plan: {0}")]
    Layout(#[from] crate::layout::LayoutError),
    #[error(transparent)]
    Hall(#[from] crate::model::hall::HallError),
}

/// The air temperature system of a facility's hall at `cell_m`, at the design point `simulate`
/// prepares the facility for (supply and outdoor air at the supply set point, full load): the
/// advection–diffusion operator `simulate` builds on the hall's potential flow (nonsymmetric:
/// first-order upwind), with each rack's exhaust at the supply temperature plus its rise
/// `P / (rho c_p Q)` and the zone above at the supply plus the racks' mean rise, and no I²R
/// heat. In `simulate` those loop temperatures and the busway heat come out of the coupling,
/// which solves this same operator many times over; fixing them here makes the system one
/// solve, the same size and operator, that other solvers can race. `options` solve the
/// potential flow (the solver's own target, as in `simulate`).
pub fn hall_air(
    facility: &crate::site::Facility,
    cell_m: f64,
    solver: &dyn crate::solver::Solver,
    options: &SolveOptions,
) -> Result<HallAirSystem, HallAirError> {
    let plan = crate::layout::FloorPlan::build(facility, cell_m)?;
    let params = crate::model::HallParams::default();
    let hall = crate::model::hall::HallModel::new(plan, facility, params, solver, options)?;
    let air = &hall.air;
    let racks = air.layout.racks.len();
    let supply_c = facility.cooling.supply_setpoint_c;
    let rises = air.rises_k(&vec![hall.rack_heat_w; racks]);
    let mean_rise = rises.iter().sum::<f64>() / racks.max(1) as f64;
    let mut loop_c: Vec<f64> = rises.iter().map(|r| supply_c + r).collect();
    loop_c.resize(air.loop_count(), supply_c + mean_rise);
    Ok(HallAirSystem {
        problem: air.field_problem(supply_c, supply_c, &loop_c, &[]),
        max_cell_peclet: air.max_cell_peclet(),
    })
}

/// One line of the sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    /// What was solved: `benchmark` (the synthetic problem), `power sheet` or `hall air`.
    pub system: String,
    pub backend: String,
    pub adapter: String,
    /// Grid size: n × n for the benchmark; the larger side otherwise (see `nx`, `ny`).
    pub n: usize,
    pub nx: usize,
    pub ny: usize,
    pub cells: usize,
    pub levels: usize,
    pub cycles: usize,
    pub eta: f64,
    pub rel_residual: f64,
    pub setup_s: f64,
    pub solve_s: f64,
    pub total_s: f64,
    /// Whether solve_s comes from GPU timestamp queries.
    pub timestamped: bool,
    /// Finest-level cells smoothed per second, per sweep.
    pub smoother_cups: f64,
    /// Effective bandwidth of the smoother: the bytes a sweep would move reading and writing
    /// each of its fields once (`Prepared::sweep_bytes_per_cell`) per second of sweep time.
    /// Where sweeps share passes over memory (the CPU does two point sweeps in one pass) it can
    /// exceed the copy bandwidth.
    pub smoother_gbps: f64,
    /// Host (or device) memory copy bandwidth, read + write bytes per second.
    pub copy_gbps: f64,
    /// smoother_gbps / copy_gbps.
    pub bandwidth_fraction: f64,
}

/// Default sizes: up to 4096 on a hardware GPU, smaller on the CPU or a software adapter.
/// Peak host memory of one benchmark solve per cell, bytes: the CPU solver at n = 8192 peaked
/// at 10.8 GB resident (161 bytes per cell: the problem's coefficient arrays, the assembled
/// system, the multigrid hierarchy and the Krylov vectors), rounded up.
pub const BYTES_PER_CELL: u64 = 170;

/// The largest n the benchmark runs (n × n cells): 16384² cells need about 45 GB.
pub const MAX_SIZE: usize = 16_384;

/// Refuses, before anything is allocated, a size above [`MAX_SIZE`] or one whose estimated
/// memory exceeds what this machine has available; the message gives the estimate.
pub fn check_sizes(sizes: &[usize]) -> Result<(), String> {
    let free = crate::fsio::available_memory_bytes();
    for &n in sizes {
        let need = (n as f64).powi(2) * BYTES_PER_CELL as f64;
        let gib = |b: f64| format!("{:.1} GiB", b / (1u64 << 30) as f64);
        if n > MAX_SIZE {
            return Err(format!(
                "--sizes: {n} x {n} needs about {}; sizes go up to {MAX_SIZE}",
                gib(need)
            ));
        }
        if let Some(free) = free {
            if need > free as f64 {
                return Err(format!(
                    "--sizes: {n} x {n} needs about {} and this machine has {} available",
                    gib(need),
                    gib(free as f64)
                ));
            }
        }
    }
    Ok(())
}

pub fn default_sizes(backend: &Backend) -> Vec<usize> {
    match backend {
        Backend::Gpu(g) if g.ctx().adapter.hardware => vec![256, 512, 1024, 2048, 4096],
        Backend::Gpu(_) => vec![64, 128, 256, 512],
        Backend::Cpu(_) => vec![128, 256, 512, 1024, 2048],
    }
}

/// Runs the sweep, calling `report` after each size.
pub fn run(
    backend: &mut Backend,
    sizes: &[usize],
    options: &SolveOptions,
    report: impl FnMut(&Record),
) -> Result<Vec<Record>, SolveError> {
    let problems = sizes.iter().map(|&n| ("benchmark", problem(n)));
    run_on(backend, problems, options, report)
}

/// Times each (name, problem) as [`run`] times the benchmark sizes.
pub fn run_on(
    backend: &mut Backend,
    problems: impl IntoIterator<Item = (&'static str, Problem)>,
    options: &SolveOptions,
    mut report: impl FnMut(&Record),
) -> Result<Vec<Record>, SolveError> {
    let solver = backend.solver();
    let copy = solver.copy_gbps()?;
    // first use compiles pipelines and warms caches; keep it out of the figures
    solver.solve(&problem(64), options)?;
    let info = solver.info();
    let mut records = Vec::new();
    for (name, p) in problems {
        let (nx, ny) = (p.nx, p.ny);
        // the right-hand side is input, made before the clock starts as the HYPRE driver reads
        // its b before its clock; copying it into the system is timed (in the solve)
        let rhs = p.rhs();
        let start = Instant::now();
        let mut prepared = solver.prepare(&p)?;
        let solution = prepared.solve(&rhs, None, options)?;
        let total_s = start.elapsed().as_secs_f64();
        let sweeps = (20_000_000 / p.cells()).clamp(2, 50);
        let sweep_s = prepared.time_smoother(sweeps)?;
        let cells = p.cells();
        let cups = cells as f64 / sweep_s;
        let gbps = cups * prepared.sweep_bytes_per_cell() / 1e9;
        let s = &solution.stats;
        let record = Record {
            system: name.to_string(),
            backend: info.backend.clone(),
            adapter: info.adapter.clone(),
            n: nx.max(ny),
            nx,
            ny,
            cells,
            levels: s.levels,
            cycles: s.cycles,
            eta: s.quality.eta,
            rel_residual: s.quality.rel_residual,
            setup_s: s.setup_s,
            solve_s: s.solve_s,
            total_s,
            timestamped: s.timestamped,
            smoother_cups: cups,
            smoother_gbps: gbps,
            copy_gbps: copy,
            bandwidth_fraction: gbps / copy,
        };
        report(&record);
        records.push(record);
    }
    Ok(records)
}

/// Writes the benchmark problem of size n as A.mtx, b.mtx and x.mtx (dcplan's solution) in
/// `dir`, plus dcplan.json with dcplan's own record for the comparison script. Each file is
/// written atomically (`crate::fsio`).
pub fn export(dir: &Path, system: &System, x: &[f64], record: &Record) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError {
        path: dir.to_path_buf(),
        source,
    })?;
    write_atomic_with(&dir.join("A.mtx"), |o| {
        system.write_matrix_market(&mut WriteRef(o))
    })?;
    write_atomic_with(&dir.join("b.mtx"), |o| {
        write_vector_market(&system.b(), &mut WriteRef(o))
    })?;
    write_atomic_with(&dir.join("x.mtx"), |o| {
        write_vector_market(x, &mut WriteRef(o))
    })?;
    write_atomic_with(&dir.join("dcplan.json"), |o| {
        serde_json::to_writer_pretty(&mut WriteRef(o), record).map_err(std::io::Error::other)?;
        writeln!(o)
    })
}

/// Adapts `&mut dyn Write` to the `impl Write` the writers take.
struct WriteRef<'a>(&'a mut dyn Write);

impl Write for WriteRef<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
