//! Numerical verification of the solvers. Each check is written once against `&mut dyn Solver`
//! and run on the CPU (f64, the oracle) and on the GPU (f32 WGSL; lavapipe in CI, so GPU grids
//! stay at or below 256 × 256).
//!
//! The checks judge solutions against the problem statement, not against `System`: exact
//! solutions derived by hand, closed forms of the discrete equations, and a cell balance
//! assembled here from `Problem` alone. Tolerances scale with the problem (its range, its flux
//! totals, its norms); none is a float equality.

use crate::common;
use crate::trials;
use dcplan::gpu::{GpuError, GpuMultigrid};
use dcplan::solver::{
    Boundary, CpuMultigrid, Problem, Side, Solution, SolveError, SolveOptions, Solver, Tolerance,
};
use libtest_mimic::Trial;
use std::f64::consts::PI;
use std::time::Instant;

pub fn tests() -> Vec<Trial> {
    trials![
        plain cpu_second_order_variable_k_fixed_walls,
        gpu gpu_second_order_variable_k_fixed_walls,
        plain cpu_second_order_robin_walls_with_sink,
        gpu gpu_second_order_robin_walls_with_sink,
        plain cpu_conserves_sources_sinks_and_wall_fluxes,
        gpu gpu_conserves_sources_sinks_and_wall_fluxes,
        plain cpu_converges_on_random_heterogeneous_problems,
        gpu gpu_matches_cpu_on_random_heterogeneous_problems,
        plain cpu_cycle_count_bounded_independent_of_grid_size,
        gpu gpu_cycle_count_bounded_independent_of_grid_size,
        plain cpu_solves_odd_and_non_square_grids,
        gpu gpu_solves_odd_and_non_square_grids_like_cpu,
        plain cpu_fixed_cells_hold_their_value_ir_drop,
        gpu gpu_fixed_cells_hold_their_value_ir_drop,
        plain cpu_fixed_cell_strip_matches_discrete_quadratic,
        gpu gpu_fixed_cell_strip_matches_discrete_quadratic,
        plain cpu_uniform_source_and_sink_gives_constant_solution,
        gpu gpu_uniform_source_and_sink_gives_constant_solution,
        plain cpu_robin_slab_matches_closed_form,
        gpu gpu_robin_slab_matches_closed_form,
        plain cpu_refuses_invalid_problems_with_problem_error,
        gpu gpu_refuses_invalid_problems_with_problem_error,
        gpu gpu_check_size_names_storage_binding_limit,
        gpu gpu_allocation_errors_are_caught_by_error_scopes,
    ]
}

// ---------------------------------------------------------------------------------------------
// What each backend is held to
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct Backend {
    name: &'static str,
    f32_device: bool,
    /// Grids (n × n) of the order-of-accuracy runs; the GPU stops where f32 rounding would
    /// start to compete with the discretisation error.
    order_sizes: &'static [usize],
    /// `|sources - sinks - outflow| / sum of |terms|`.
    balance: f64,
    /// Error against a closed form of the discrete equations, relative to the solution's scale.
    exact: f64,
    /// Backward error of the solution, judged by this file's own assembly.
    eta: f64,
    /// Stopping rule of the analytic cases: f64 is driven to rounding so that the closed forms
    /// are met to rounding, not to `cond(A) × 1e-12`; f32 keeps its own target.
    analytic_eta: f64,
    /// Grids (n × n) of the cycle-count run.
    cycle_sizes: &'static [usize],
}

const CPU: Backend = Backend {
    name: "cpu",
    f32_device: false,
    order_sizes: &[16, 32, 64, 128, 256],
    balance: 1e-9,
    exact: 1e-10,
    eta: 2e-12,
    analytic_eta: 1e-15,
    cycle_sizes: &[32, 64, 128, 256, 512],
};

const GPU: Backend = Backend {
    name: "gpu",
    f32_device: true,
    order_sizes: &[16, 32, 64, 128],
    balance: 1e-4,
    exact: 1e-5,
    eta: 2e-6,
    analytic_eta: 1e-6,
    cycle_sizes: &[32, 64, 128, 256],
};

/// Both solvers agree to this, relative to the range of the CPU solution.
const GPU_VS_CPU: f64 = 1e-5;
/// No V-cycle count may exceed this, at any size.
const MAX_CYCLES: usize = 14;
/// Cycles may grow by at most this from the smallest to the largest grid.
const MAX_CYCLE_GROWTH: usize = 2;

fn solve(s: &mut dyn Solver, b: &Backend, p: &Problem, what: &str) -> Solution {
    solve_with(s, b, p, what, SolveOptions::for_precision(b.f32_device))
}

/// As `solve`, stopping at `b.analytic_eta`.
fn solve_to_rounding(s: &mut dyn Solver, b: &Backend, p: &Problem, what: &str) -> Solution {
    let mut options = SolveOptions::for_precision(b.f32_device);
    options.tolerance = Tolerance::Eta(b.analytic_eta);
    solve_with(s, b, p, what, options)
}

/// The CPU solution that GPU results are compared with: the default target, with cycles to
/// spare, so that a slow CPU convergence (tested on its own) does not hide a GPU comparison.
fn oracle(p: &Problem, what: &str) -> Solution {
    let mut options = SolveOptions::for_precision(false);
    options.max_cycles = 400;
    solve_with(&mut CpuMultigrid, &CPU, p, what, options)
}

fn solve_with(
    s: &mut dyn Solver,
    b: &Backend,
    p: &Problem,
    what: &str,
    options: SolveOptions,
) -> Solution {
    match s.solve(p, &options) {
        Ok(sol) => {
            assert_eq!(
                sol.u.len(),
                p.cells(),
                "{}: {what}: solution length",
                b.name
            );
            assert!(
                sol.u.iter().all(|v| v.is_finite()),
                "{}: {what}: non-finite values in the solution",
                b.name
            );
            sol
        }
        Err(e) => panic!(
            "{}: {what} ({} x {}): solve failed: {e}",
            b.name, p.nx, p.ny
        ),
    }
}

/// Runs `check` on the GPU solver (a `gpu` trial: the harness runs it only where there is an
/// adapter, or fails it when `DCPLAN_REQUIRE_GPU=1` and there is none).
fn on_gpu(check: impl FnOnce(&mut dyn Solver, &Backend)) {
    let mut gpu = common::gpu();
    let start = Instant::now();
    check(&mut gpu, &GPU);
    eprintln!("gpu part took {:.2} s", start.elapsed().as_secs_f64());
}

fn range(u: &[f64]) -> f64 {
    let (lo, hi) = u
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    hi - lo
}

fn max_abs(u: &[f64]) -> f64 {
    u.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// Index and centre of every cell, row-major.
fn cells(p: &Problem) -> Vec<(usize, f64, f64)> {
    let mut out = Vec::with_capacity(p.cells());
    for j in 0..p.ny {
        for i in 0..p.nx {
            let (x, y) = p.centre_m(i, j);
            out.push((p.index(i, j), x, y));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The cell balance, from the problem statement alone
// ---------------------------------------------------------------------------------------------

/// Per free cell: `f h² = g h² (u - u_s) + sum of fluxes out` through faces (harmonic-mean k),
/// walls (half a cell of conduction `2 k_P` in series with the Robin film `coeff h`) and into
/// fixed cells (toward their fixed value). Built here, independently of `System`.
#[derive(Debug, Default)]
struct Balance {
    source: f64,
    sink: f64,
    wall_outflow: f64,
    into_fixed: f64,
    /// Sum of the magnitudes of every source, sink, wall and fixed-cell term.
    scale: f64,
    /// `max |residual| / (||A||inf ||u||inf + ||b||inf)` over free cells.
    eta: f64,
    /// `||A||inf ||u||inf + ||b||inf`: a solve stopped at backward error `eta` leaves at most
    /// `eta × norms` of residual in each cell.
    norms: f64,
    /// Largest `|u - value|` over fixed cells, relative to `max(1, |value|)`.
    fixed_error: f64,
}

impl Balance {
    fn imbalance(&self) -> f64 {
        self.source - self.sink - self.wall_outflow - self.into_fixed
    }

    fn relative_imbalance(&self) -> f64 {
        self.imbalance().abs() / self.scale
    }
}

fn balance(p: &Problem, u: &[f64]) -> Balance {
    let h = p.spacing_m;
    let k = &p.conductivity;
    let mut bal = Balance::default();
    let (mut r_inf, mut a_inf, mut b_inf) = (0.0f64, 0.0f64, 0.0f64);
    for j in 0..p.ny {
        for i in 0..p.nx {
            let q = p.index(i, j);
            if let Some(v) = p.fixed[q] {
                bal.fixed_error = bal.fixed_error.max((u[q] - v).abs() / v.abs().max(1.0));
                continue;
            }
            let src = p.source[q] * h * h;
            let area = p.sink_coeff[q] * h * h;
            let snk = area * (u[q] - p.sink_value[q]);
            let mut out = 0.0;
            let mut faces = 0.0;
            let mut anchor = area;
            let mut b = src + area * p.sink_value[q];
            let neighbours = [
                (i > 0).then(|| q - 1),
                (i + 1 < p.nx).then(|| q + 1),
                (j > 0).then(|| q - p.nx),
                (j + 1 < p.ny).then(|| q + p.nx),
            ];
            for (side, nb) in [Side::West, Side::East, Side::South, Side::North]
                .into_iter()
                .zip(neighbours)
            {
                match nb {
                    Some(n) => {
                        let c = 2.0 * k[q] * k[n] / (k[q] + k[n]);
                        match p.fixed[n] {
                            Some(v) => {
                                let flux = c * (u[q] - v);
                                bal.into_fixed += flux;
                                bal.scale += flux.abs();
                                out += flux;
                                anchor += c;
                                b += c * v;
                            }
                            None => {
                                out += c * (u[q] - u[n]);
                                faces += c;
                            }
                        }
                    }
                    None => {
                        let (c, value) = match p.boundary[side as usize] {
                            Boundary::Fixed { value } => (2.0 * k[q], value),
                            Boundary::Robin { coeff, value } if coeff > 0.0 => {
                                (1.0 / (1.0 / (2.0 * k[q]) + 1.0 / (coeff * h)), value)
                            }
                            _ => continue,
                        };
                        let flux = c * (u[q] - value);
                        bal.wall_outflow += flux;
                        bal.scale += flux.abs();
                        out += flux;
                        anchor += c;
                        b += c * value;
                    }
                }
            }
            bal.source += src;
            bal.sink += snk;
            bal.scale += src.abs() + snk.abs();
            r_inf = r_inf.max((src - snk - out).abs());
            a_inf = a_inf.max(2.0 * faces + anchor);
            b_inf = b_inf.max(b.abs());
        }
    }
    let denom = a_inf * max_abs(u) + b_inf;
    bal.norms = denom;
    bal.eta = if denom > 0.0 { r_inf / denom } else { r_inf };
    bal
}

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

/// xorshift64*: a seeded, dependency-free source of test problems.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// A random sub-rectangle `[i0, i1) × [j0, j1)`, at least one cell.
    fn rect(&mut self, nx: usize, ny: usize) -> (usize, usize, usize, usize) {
        let (a, b) = (self.below(nx), self.below(nx));
        let (c, d) = (self.below(ny), self.below(ny));
        (a.min(b), a.max(b) + 1, c.min(d), c.max(d) + 1)
    }
}

fn fill_rect(field: &mut [f64], nx: usize, (i0, i1, j0, j1): (usize, usize, usize, usize), v: f64) {
    for j in j0..j1 {
        for i in i0..i1 {
            field[j * nx + i] = v;
        }
    }
}

/// A random heterogeneous problem: patches of k from 0.1 to 10 with cell noise, a sink region,
/// source patches, one random condition per side and two fixed cells.
fn random_problem(seed: u64, nx: usize, ny: usize) -> Problem {
    let mut rng = Rng::new(seed);
    let mut p = Problem::new(nx, ny, rng.uniform(0.5, 3.0));
    for _ in 0..6 {
        let rect = rng.rect(nx, ny);
        let k = 10f64.powf(rng.uniform(-1.0, 1.0));
        fill_rect(&mut p.conductivity, nx, rect, k);
    }
    for k in &mut p.conductivity {
        *k *= rng.uniform(0.8, 1.2);
    }
    let sink = rng.rect(nx, ny);
    let g = rng.uniform(0.01, 1.0);
    fill_rect(&mut p.sink_coeff, nx, sink, g);
    for v in &mut p.sink_value {
        *v = rng.uniform(15.0, 25.0);
    }
    for _ in 0..3 {
        let rect = rng.rect(nx, ny);
        let f = rng.uniform(-5.0, 50.0);
        fill_rect(&mut p.source, nx, rect, f);
    }
    for side in [Side::West, Side::East, Side::South, Side::North] {
        let value = rng.uniform(10.0, 30.0);
        let bc = match rng.below(3) {
            0 => Boundary::Fixed { value },
            1 => Boundary::Robin {
                coeff: 10f64.powf(rng.uniform(-1.0, 1.0)),
                value,
            },
            _ => Boundary::ZeroFlux,
        };
        p.set_boundary(side, bc);
    }
    for _ in 0..2 {
        let q = p.index(rng.below(nx), rng.below(ny));
        p.fixed[q] = Some(rng.uniform(10.0, 40.0));
    }
    p
}

// ---------------------------------------------------------------------------------------------
// 1. Manufactured solutions: second-order accuracy
// ---------------------------------------------------------------------------------------------

/// An exact solution on the unit square and the problem that has it.
struct Manufactured {
    name: &'static str,
    exact: fn(f64, f64) -> f64,
    /// Sets k, g, u_s, f and the walls from the cell centres; f is derived by hand from `exact`.
    fill: fn(&mut Problem),
}

/// k = 1 + 0.5 sin(2x + 3y): smooth, 0.5..1.5, no symmetry shared with the solutions.
fn k_wavy(x: f64, y: f64) -> f64 {
    1.0 + 0.5 * (2.0 * x + 3.0 * y).sin()
}

/// f = -div(k grad u) = -(k_x u_x + k_y u_y) - k lap(u), for k = `k_wavy`.
fn f_wavy(x: f64, y: f64, ux: f64, uy: f64, lap: f64) -> f64 {
    let c = (2.0 * x + 3.0 * y).cos();
    let (kx, ky) = (c, 1.5 * c);
    -(kx * ux + ky * uy) - k_wavy(x, y) * lap
}

/// u = 1 + sin(πx) sin(πy), every wall fixed at 1.
const VARIABLE_K_FIXED_WALLS: Manufactured = Manufactured {
    name: "variable k, four fixed walls",
    exact: |x, y| 1.0 + (PI * x).sin() * (PI * y).sin(),
    fill: |p| {
        for (q, x, y) in cells(p) {
            let (sx, cx, sy, cy) = (
                (PI * x).sin(),
                (PI * x).cos(),
                (PI * y).sin(),
                (PI * y).cos(),
            );
            let (ux, uy, lap) = (PI * cx * sy, PI * sx * cy, -2.0 * PI * PI * sx * sy);
            p.conductivity[q] = k_wavy(x, y);
            p.source[q] = f_wavy(x, y, ux, uy, lap);
        }
        for side in [Side::West, Side::East, Side::South, Side::North] {
            p.set_boundary(side, Boundary::Fixed { value: 1.0 });
        }
    },
};

/// u = 1 + 2x + sin(πx) cos(πy): west fixed at 1, east at 3, zero flux south and north
/// (u_y = 0 there).
const VARIABLE_K_TWO_FIXED_WALLS: Manufactured = Manufactured {
    name: "variable k, fixed west 1 / east 3, zero-flux south and north",
    exact: |x, y| 1.0 + 2.0 * x + (PI * x).sin() * (PI * y).cos(),
    fill: |p| {
        for (q, x, y) in cells(p) {
            let (sx, cx, sy, cy) = (
                (PI * x).sin(),
                (PI * x).cos(),
                (PI * y).sin(),
                (PI * y).cos(),
            );
            let ux = 2.0 + PI * cx * cy;
            let uy = -PI * sx * sy;
            let lap = -2.0 * PI * PI * sx * cy;
            p.conductivity[q] = k_wavy(x, y);
            p.source[q] = f_wavy(x, y, ux, uy, lap);
        }
        p.set_boundary(Side::West, Boundary::Fixed { value: 1.0 });
        p.set_boundary(Side::East, Boundary::Fixed { value: 3.0 });
    },
};

/// u = 2 + X(x) Y(y), X = cos(x - 0.4), Y = cos(0.8 (y - 0.3)), with
/// k = 1 + 0.5 sin(πx) sin(πy) (1 on every wall), sink g = 1 + x toward u_s = 0.5 + y, and a
/// Robin condition on all four walls toward 2. With k = 1 on the wall, `-k du/dn = a (u - 2)`
/// holds along each wall for a = k X'(0)/X(0) = tan 0.4 (west), -X'(1)/X(1) = tan 0.6 (east),
/// Y'(0)/Y(0) = 0.8 tan 0.24 (south), -Y'(1)/Y(1) = 0.8 tan 0.56 (north).
const ROBIN_WITH_SINK: Manufactured = Manufactured {
    name: "Robin on four walls (different coefficients), sink g = 1 + x",
    exact: |x, y| 2.0 + (x - 0.4).cos() * (0.8 * (y - 0.3)).cos(),
    fill: |p| {
        for (q, x, y) in cells(p) {
            let (xx, xp) = ((x - 0.4).cos(), -(x - 0.4).sin());
            let (yy, yp) = ((0.8 * (y - 0.3)).cos(), -0.8 * (0.8 * (y - 0.3)).sin());
            let (sx, cx, sy, cy) = (
                (PI * x).sin(),
                (PI * x).cos(),
                (PI * y).sin(),
                (PI * y).cos(),
            );
            let k = 1.0 + 0.5 * sx * sy;
            let (kx, ky) = (0.5 * PI * cx * sy, 0.5 * PI * sx * cy);
            // X'' = -X, Y'' = -0.64 Y
            let div = kx * xp * yy + ky * xx * yp - 1.64 * k * xx * yy;
            let (g, us) = (1.0 + x, 0.5 + y);
            let u = 2.0 + xx * yy;
            p.conductivity[q] = k;
            p.sink_coeff[q] = g;
            p.sink_value[q] = us;
            p.source[q] = -div + g * (u - us);
        }
        let robin = |coeff: f64| Boundary::Robin { coeff, value: 2.0 };
        p.set_boundary(Side::West, robin(0.4f64.tan()));
        p.set_boundary(Side::East, robin(0.6f64.tan()));
        p.set_boundary(Side::South, robin(0.8 * 0.24f64.tan()));
        p.set_boundary(Side::North, robin(0.8 * 0.56f64.tan()));
    },
};

/// Solves `case` on each n × n grid of `b.order_sizes` and asserts the max-norm error of the
/// cell-centre values falls with an observed order near 2 over the last two refinements.
fn check_order(s: &mut dyn Solver, b: &Backend, case: &Manufactured) {
    let mut errors = Vec::new();
    for &n in b.order_sizes {
        let mut p = Problem::new(n, n, 1.0 / n as f64);
        (case.fill)(&mut p);
        let sol = solve(s, b, &p, case.name);
        let err = cells(&p)
            .into_iter()
            .map(|(q, x, y)| (sol.u[q] - (case.exact)(x, y)).abs())
            .fold(0.0f64, f64::max);
        errors.push(err);
    }
    let orders: Vec<f64> = errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect();
    let errors_text: Vec<String> = errors.iter().map(|e| format!("{e:.3e}")).collect();
    let report = format!(
        "{}: {}: sizes {:?}, max errors [{}], observed orders {:.3?}",
        b.name,
        case.name,
        b.order_sizes,
        errors_text.join(", "),
        orders
    );
    eprintln!("{report}");
    let last = *orders.last().expect("at least two sizes");
    assert!(
        (1.8..=2.2).contains(&last),
        "order out of 1.8..2.2: {report}"
    );
    assert!(
        orders.iter().all(|&o| o > 1.5),
        "error does not fall at second order at every refinement: {report}"
    );
}

fn check_order_fixed_walls(s: &mut dyn Solver, b: &Backend) {
    check_order(s, b, &VARIABLE_K_FIXED_WALLS);
    check_order(s, b, &VARIABLE_K_TWO_FIXED_WALLS);
}

fn cpu_second_order_variable_k_fixed_walls() {
    check_order_fixed_walls(&mut CpuMultigrid, &CPU);
}

fn gpu_second_order_variable_k_fixed_walls() {
    on_gpu(check_order_fixed_walls);
}

fn cpu_second_order_robin_walls_with_sink() {
    check_order(&mut CpuMultigrid, &CPU, &ROBIN_WITH_SINK);
}

fn gpu_second_order_robin_walls_with_sink() {
    on_gpu(|s, b| check_order(s, b, &ROBIN_WITH_SINK));
}

// ---------------------------------------------------------------------------------------------
// 2. Conservation
// ---------------------------------------------------------------------------------------------

/// Sources balance sinks, wall outflow and flow into fixed cells, on problems that exercise
/// every kind of term: all three wall kinds, sinks, fixed cells, negative sources.
fn check_conservation(s: &mut dyn Solver, b: &Backend) {
    let mut problems = Vec::new();
    for (seed, nx, ny) in [(11, 64, 48), (12, 57, 83), (13, 100, 37)] {
        problems.push(random_problem(seed, nx, ny));
    }
    // every wall kind on one problem, whatever the seeds drew
    let mut p = random_problem(14, 72, 60);
    p.set_boundary(Side::West, Boundary::Fixed { value: 12.0 });
    p.set_boundary(
        Side::East,
        Boundary::Robin {
            coeff: 3.0,
            value: 30.0,
        },
    );
    p.set_boundary(Side::South, Boundary::ZeroFlux);
    p.set_boundary(
        Side::North,
        Boundary::Robin {
            coeff: 0.2,
            value: 18.0,
        },
    );
    problems.push(p);
    for (n, p) in problems.iter().enumerate() {
        let sol = solve(s, b, p, "conservation");
        let bal = balance(p, &sol.u);
        eprintln!(
            "{}: conservation #{n} {} x {}: source {:.6e}, sink {:.6e}, walls {:.6e}, \
             into fixed {:.6e}, relative imbalance {:.3e}",
            b.name,
            p.nx,
            p.ny,
            bal.source,
            bal.sink,
            bal.wall_outflow,
            bal.into_fixed,
            bal.relative_imbalance()
        );
        assert!(
            bal.relative_imbalance() <= b.balance,
            "{}: problem #{n} ({} x {}) does not conserve: {bal:?}, relative imbalance {:.3e} > {:.0e}",
            b.name,
            p.nx,
            p.ny,
            bal.relative_imbalance(),
            b.balance
        );
    }
}

fn cpu_conserves_sources_sinks_and_wall_fluxes() {
    check_conservation(&mut CpuMultigrid, &CPU);
}

fn gpu_conserves_sources_sinks_and_wall_fluxes() {
    on_gpu(check_conservation);
}

// ---------------------------------------------------------------------------------------------
// 3. GPU against the CPU oracle
// ---------------------------------------------------------------------------------------------

/// `max |u - u_ref| / (max u_ref - min u_ref)`.
fn relative_difference(u: &[f64], reference: &[f64]) -> f64 {
    let diff = u
        .iter()
        .zip(reference)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    diff / range(reference)
}

const RANDOM_CASES: [(u64, usize, usize); 4] =
    [(1, 45, 33), (2, 97, 61), (3, 131, 77), (4, 200, 151)];

/// The oracle itself reaches eta <= 1e-12 within the default cycle budget on the random
/// heterogeneous problems, with a residual this file assembles itself.
fn cpu_converges_on_random_heterogeneous_problems() {
    let mut failures = Vec::new();
    for (seed, nx, ny) in RANDOM_CASES {
        let p = random_problem(seed, nx, ny);
        match CpuMultigrid.solve(&p, &SolveOptions::for_precision(false)) {
            Ok(sol) => {
                let bal = balance(&p, &sol.u);
                eprintln!(
                    "cpu: seed {seed} {nx} x {ny}: {} cycles, eta {:.3e} (own assembly {:.3e})",
                    sol.stats.cycles, sol.stats.quality.eta, bal.eta
                );
                if bal.eta > CPU.eta {
                    failures.push(format!("seed {seed} {nx} x {ny}: own eta {:.3e}", bal.eta));
                }
            }
            Err(e) => failures.push(format!("seed {seed} {nx} x {ny}: {e}")),
        }
    }
    assert!(failures.is_empty(), "cpu: {}", failures.join("; "));
}

fn gpu_matches_cpu_on_random_heterogeneous_problems() {
    on_gpu(|gpu, b| {
        for (seed, nx, ny) in RANDOM_CASES {
            let p = random_problem(seed, nx, ny);
            let sol = solve(gpu, b, &p, "random problem");
            eprintln!(
                "gpu: seed {seed} {nx} x {ny}: eta {:.3e} in {} cycles",
                sol.stats.quality.eta, sol.stats.cycles
            );
            let cpu = oracle(&p, "random problem (oracle)");
            let diff = relative_difference(&sol.u, &cpu.u);
            eprintln!(
                "gpu vs cpu: seed {seed} {nx} x {ny}: relative difference {diff:.3e}, gpu eta \
                 {:.3e} in {} cycles (cpu {} cycles)",
                sol.stats.quality.eta, sol.stats.cycles, cpu.stats.cycles
            );
            assert!(
                sol.stats.quality.eta <= 1e-6,
                "seed {seed} {nx} x {ny}: gpu eta {:.3e} > 1e-6",
                sol.stats.quality.eta
            );
            assert!(
                diff <= GPU_VS_CPU,
                "seed {seed} {nx} x {ny}: max |u_gpu - u_cpu| / range(u_cpu) = {diff:.3e} > \
                 {GPU_VS_CPU:.0e} (range {:.4})",
                range(&cpu.u)
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// 4. Cycle counts independent of the grid
// ---------------------------------------------------------------------------------------------

/// One continuous problem on the unit square, sampled at n × n: k = exp(1.5 sin(2πx) cos(3πy))
/// (0.22..4.5), a sink in the east half, a hot disc, a fixed west wall, Robin east and north.
fn cycle_problem(n: usize) -> Problem {
    let mut p = Problem::new(n, n, 1.0 / n as f64);
    for (q, x, y) in cells(&p) {
        p.conductivity[q] = (1.5 * (2.0 * PI * x).sin() * (3.0 * PI * y).cos()).exp();
        if x > 0.5 {
            p.sink_coeff[q] = 5.0;
            p.sink_value[q] = 1.0;
        }
        if (x - 0.3).powi(2) + (y - 0.6).powi(2) < 0.04 {
            p.source[q] = 100.0;
        }
    }
    p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 });
    p.set_boundary(
        Side::East,
        Boundary::Robin {
            coeff: 2.0,
            value: 1.0,
        },
    );
    p.set_boundary(
        Side::North,
        Boundary::Robin {
            coeff: 0.5,
            value: 2.0,
        },
    );
    p
}

fn check_cycle_counts(s: &mut dyn Solver, b: &Backend) {
    let mut counts = Vec::new();
    for &n in b.cycle_sizes {
        let p = cycle_problem(n);
        let sol = solve(s, b, &p, "cycle-count problem");
        counts.push(sol.stats.cycles);
    }
    let report = format!(
        "{}: V-cycles to eta <= {:.0e} at n = {:?}: {:?}",
        b.name,
        if b.f32_device { 1e-6 } else { 1e-12 },
        b.cycle_sizes,
        counts
    );
    eprintln!("{report}");
    let (first, last) = (counts[0], *counts.last().unwrap());
    assert!(
        counts.iter().all(|&c| c <= MAX_CYCLES),
        "more than {MAX_CYCLES} cycles: {report}"
    );
    assert!(
        last <= first + MAX_CYCLE_GROWTH,
        "cycles grow by more than {MAX_CYCLE_GROWTH} with the grid: {report}"
    );
}

fn cpu_cycle_count_bounded_independent_of_grid_size() {
    check_cycle_counts(&mut CpuMultigrid, &CPU);
}

fn gpu_cycle_count_bounded_independent_of_grid_size() {
    on_gpu(check_cycle_counts);
}

// ---------------------------------------------------------------------------------------------
// 5. Odd and non-square grids
// ---------------------------------------------------------------------------------------------

const ODD_GRIDS: [(usize, usize); 8] = [
    (2, 2),
    (2, 37),
    (37, 2),
    (3, 3),
    (3, 2),
    (17, 33),
    (129, 31),
    (255, 257),
];

/// Converges on every odd or thin grid, with a residual this file assembles itself; on the GPU
/// also within `GPU_VS_CPU` of the CPU solution.
fn check_odd_grids(s: &mut dyn Solver, b: &Backend) {
    for (n, &(nx, ny)) in ODD_GRIDS.iter().enumerate() {
        let p = random_problem(100 + n as u64, nx, ny);
        let sol = solve(s, b, &p, "odd grid");
        let bal = balance(&p, &sol.u);
        eprintln!(
            "{}: {nx} x {ny}: {} cycles, eta {:.3e} (own assembly {:.3e})",
            b.name, sol.stats.cycles, sol.stats.quality.eta, bal.eta
        );
        assert!(
            bal.eta <= b.eta,
            "{}: {nx} x {ny}: backward error by independent assembly {:.3e} > {:.0e}",
            b.name,
            bal.eta,
            b.eta
        );
        assert!(
            bal.fixed_error <= b.exact,
            "{}: {nx} x {ny}: fixed cells moved by {:.3e} (relative)",
            b.name,
            bal.fixed_error
        );
        if b.f32_device {
            let cpu = oracle(&p, "odd grid (oracle)");
            let diff = relative_difference(&sol.u, &cpu.u);
            assert!(
                diff <= GPU_VS_CPU,
                "{nx} x {ny}: max |u_gpu - u_cpu| / range(u_cpu) = {diff:.3e} > {GPU_VS_CPU:.0e}"
            );
        }
    }
}

fn cpu_solves_odd_and_non_square_grids() {
    check_odd_grids(&mut CpuMultigrid, &CPU);
}

fn gpu_solves_odd_and_non_square_grids_like_cpu() {
    on_gpu(check_odd_grids);
}

// ---------------------------------------------------------------------------------------------
// 6. Fixed-value cells
// ---------------------------------------------------------------------------------------------

/// An IR-drop grid: a 400 V bus fed at three 3 × 3 clusters of fixed cells, sheet conductance
/// 20 S with a 5 S region, rack rows drawing 2 A/m², insulated edges.
fn ir_drop_problem() -> Problem {
    let (nx, ny) = (96, 64);
    let mut p = Problem::new(nx, ny, 0.5);
    p.conductivity.fill(20.0);
    fill_rect(&mut p.conductivity, nx, (40, 70, 10, 30), 5.0);
    for j in 0..ny {
        if j % 8 >= 4 {
            fill_rect(&mut p.source, nx, (4, nx - 4, j, j + 1), -2.0);
        }
    }
    for (ci, cj) in [(10, 10), (85, 50), (48, 32)] {
        for j in cj - 1..=cj + 1 {
            for i in ci - 1..=ci + 1 {
                let q = p.index(i, j);
                p.fixed[q] = Some(400.0);
            }
        }
    }
    p
}

/// One feed cell on the east edge of a 64 × 64 sheet, uniform 1 A/m² load: the feed cell is
/// the only anchor.
fn single_feed_problem() -> Problem {
    let mut p = Problem::new(64, 64, 0.5);
    p.conductivity.fill(20.0);
    p.source.fill(-1.0);
    let q = p.index(63, 32);
    p.fixed[q] = Some(400.0);
    p
}

fn check_feed_points(s: &mut dyn Solver, b: &Backend) {
    for (what, p) in [
        ("IR-drop grid, three feed clusters", ir_drop_problem()),
        ("IR-drop grid, one feed cell", single_feed_problem()),
    ] {
        check_feed_problem(s, b, what, &p);
    }
}

fn check_feed_problem(s: &mut dyn Solver, b: &Backend, what: &str, p: &Problem) {
    let p = p.clone();
    let sol = solve(s, b, &p, what);
    let bal = balance(&p, &sol.u);
    let tol = if b.f32_device { 1e-5 } else { 1e-12 };
    assert!(
        bal.fixed_error <= tol,
        "{}: {what}: feed cells moved by {:.3e} relative to 400 V (> {tol:.0e})",
        b.name,
        bal.fixed_error
    );
    // only loads: the bus is the highest point (maximum principle), and current flows
    let (max, min) = (
        sol.u.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        sol.u.iter().cloned().fold(f64::INFINITY, f64::min),
    );
    assert!(
        max <= 400.0 * (1.0 + tol),
        "{}: {what}: a cell is above the 400 V bus: {max}",
        b.name
    );
    assert!(
        min < 399.0,
        "{}: {what}: no voltage drop: min {min}",
        b.name
    );
    // every ampere drawn comes in through the feed cells. The stopping rule bounds each cell's
    // residual relative to 400 V, not to the 18 V drop, so the bound is the stopping rule's:
    // cells × eta × norms (a wrong feed-link conductance would miss it by orders of magnitude).
    let target = if b.f32_device { 1e-6 } else { 1e-12 };
    let allowed = p.cells() as f64 * target * bal.norms;
    assert!(
        bal.imbalance().abs() <= allowed,
        "{}: {what}: load current {:.6} A but feed current {:.6} A: imbalance {:.3e} > {allowed:.3e} \
         ({bal:?})",
        b.name,
        -bal.source,
        -bal.into_fixed,
        bal.imbalance()
    );
    eprintln!(
        "{}: {what}: IR drop {:.4} V, feed current {:.4} A, relative imbalance {:.3e}",
        b.name,
        400.0 - min,
        -bal.into_fixed,
        bal.relative_imbalance()
    );
}

/// A strip `n × 3`, fixed cells across both ends (values a and b), uniform k and source,
/// insulated walls. Between cell centres i = 0 and n-1 the discrete equations
/// `k (2 u_i - u_{i-1} - u_{i+1}) = f h²` are solved exactly by the quadratic
/// `u_i = a + (b - a) i/(n-1) + f h²/(2k) · i (n-1-i)`.
fn check_fixed_strip(s: &mut dyn Solver, b: &Backend) {
    let (n, h, k, f, ua, ub) = (50, 0.25, 3.0, 2.0, 10.0, 4.0);
    for along_x in [true, false] {
        let (nx, ny) = if along_x { (n, 3) } else { (3, n) };
        let mut p = Problem::new(nx, ny, h);
        p.conductivity.fill(k);
        p.source.fill(f);
        for t in 0..3 {
            let (first, last) = if along_x {
                (p.index(0, t), p.index(n - 1, t))
            } else {
                (p.index(t, 0), p.index(t, n - 1))
            };
            p.fixed[first] = Some(ua);
            p.fixed[last] = Some(ub);
        }
        let sol = solve_to_rounding(s, b, &p, "fixed-cell strip");
        let m = (n - 1) as f64;
        let exact = |i: usize| {
            let i = i as f64;
            ua + (ub - ua) * i / m + f * h * h / (2.0 * k) * i * (m - i)
        };
        let mut err = 0.0f64;
        let mut scale = 0.0f64;
        for j in 0..ny {
            for i in 0..nx {
                let e = exact(if along_x { i } else { j });
                err = err.max((sol.u[p.index(i, j)] - e).abs());
                scale = scale.max(e.abs());
            }
        }
        eprintln!(
            "{}: fixed strip {nx} x {ny}: max error {err:.3e} (scale {scale:.3})",
            b.name
        );
        assert!(
            err <= b.exact * scale,
            "{}: strip {nx} x {ny} with fixed ends: max |u - quadratic| = {err:.3e} > {:.0e} x {scale:.3}",
            b.name,
            b.exact
        );
    }
}

fn cpu_fixed_cells_hold_their_value_ir_drop() {
    check_feed_points(&mut CpuMultigrid, &CPU);
}

fn gpu_fixed_cells_hold_their_value_ir_drop() {
    on_gpu(check_feed_points);
}

fn cpu_fixed_cell_strip_matches_discrete_quadratic() {
    check_fixed_strip(&mut CpuMultigrid, &CPU);
}

fn gpu_fixed_cell_strip_matches_discrete_quadratic() {
    on_gpu(check_fixed_strip);
}

// ---------------------------------------------------------------------------------------------
// 7. Analytic cases
// ---------------------------------------------------------------------------------------------

/// Uniform source and sink, insulated walls: no gradient anywhere, so u = u_s + f/g whatever k.
fn check_uniform_sink(s: &mut dyn Solver, b: &Backend) {
    let (nx, ny) = (33, 20);
    let mut p = Problem::new(nx, ny, 1.5);
    let mut rng = Rng::new(7);
    for k in &mut p.conductivity {
        *k = 10f64.powf(rng.uniform(-1.0, 1.0));
    }
    let (f, g, us) = (12.0, 0.4, 25.0);
    p.source.fill(f);
    p.sink_coeff.fill(g);
    p.sink_value.fill(us);
    let sol = solve_to_rounding(s, b, &p, "uniform source and sink");
    let exact = us + f / g;
    let err = sol.u.iter().fold(0.0f64, |m, &u| m.max((u - exact).abs()));
    assert!(
        err <= b.exact * exact.abs(),
        "{}: uniform source/sink: max |u - (u_s + f/g)| = {err:.3e} (exact {exact})",
        b.name
    );
}

/// A slab with Robin ends and insulated sides carries one flux q through the films and the
/// conductor in series: `q = (v_w - v_e) / (1/a_w + L/k + 1/a_e)`, `u(x) = v_w - q (1/a_w + x/k)`
/// at every cell centre, exactly, in the discrete equations too. Run along x and along y.
fn check_robin_slab(s: &mut dyn Solver, b: &Backend) {
    let (n, h, k) = (60, 0.1, 2.5);
    let (a_lo, v_lo, a_hi, v_hi) = (0.7, 35.0, 4.0, 5.0);
    for along_x in [true, false] {
        let (nx, ny) = if along_x { (n, 4) } else { (4, n) };
        let mut p = Problem::new(nx, ny, h);
        p.conductivity.fill(k);
        let (lo, hi) = if along_x {
            (Side::West, Side::East)
        } else {
            (Side::South, Side::North)
        };
        p.set_boundary(
            lo,
            Boundary::Robin {
                coeff: a_lo,
                value: v_lo,
            },
        );
        p.set_boundary(
            hi,
            Boundary::Robin {
                coeff: a_hi,
                value: v_hi,
            },
        );
        let sol = solve_to_rounding(s, b, &p, "Robin slab");
        let length = n as f64 * h;
        let q = (v_lo - v_hi) / (1.0 / a_lo + length / k + 1.0 / a_hi);
        let mut err = 0.0f64;
        for (c, x, y) in cells(&p) {
            let t = if along_x { x } else { y };
            err = err.max((sol.u[c] - (v_lo - q * (1.0 / a_lo + t / k))).abs());
        }
        eprintln!(
            "{}: Robin slab {nx} x {ny}: max error {err:.3e}, flux {q:.4}",
            b.name
        );
        assert!(
            err <= b.exact * v_lo.abs().max(v_hi.abs()),
            "{}: Robin slab {nx} x {ny}: max |u - closed form| = {err:.3e}",
            b.name
        );
    }
}

fn cpu_uniform_source_and_sink_gives_constant_solution() {
    check_uniform_sink(&mut CpuMultigrid, &CPU);
}

fn gpu_uniform_source_and_sink_gives_constant_solution() {
    on_gpu(check_uniform_sink);
}

fn cpu_robin_slab_matches_closed_form() {
    check_robin_slab(&mut CpuMultigrid, &CPU);
}

fn gpu_robin_slab_matches_closed_form() {
    on_gpu(check_robin_slab);
}

// ---------------------------------------------------------------------------------------------
// 8. Invalid problems
// ---------------------------------------------------------------------------------------------

/// Each broken problem is refused with `SolveError::Problem` naming the field, not a panic and
/// not a device error.
fn check_invalid_problems(s: &mut dyn Solver, b: &Backend) {
    let anchored = || {
        let mut p = Problem::new(8, 6, 1.0);
        p.set_boundary(Side::West, Boundary::Fixed { value: 1.0 });
        p
    };
    let mut cases: Vec<(&str, Problem, &str)> = Vec::new();
    let mut p = anchored();
    p.conductivity[13] = f64::NAN;
    cases.push(("NaN conductivity", p, "conductivity[13]"));
    let mut p = anchored();
    p.conductivity[5] = 0.0;
    cases.push(("zero conductivity", p, "conductivity[5]"));
    let mut p = anchored();
    p.sink_coeff[7] = -0.5;
    cases.push(("negative sink", p, "sink_coeff[7]"));
    let mut p = anchored();
    p.source[2] = f64::INFINITY;
    cases.push(("infinite source", p, "source[2]"));
    let mut p = anchored();
    p.fixed[3] = Some(f64::NAN);
    cases.push(("NaN fixed value", p, "fixed[3]"));
    let mut p = anchored();
    p.set_boundary(
        Side::North,
        Boundary::Robin {
            coeff: -1.0,
            value: 0.0,
        },
    );
    cases.push(("negative Robin coefficient", p, "boundary.north.coeff"));
    let mut p = anchored();
    p.source.pop();
    cases.push(("short source field", p, "source"));
    cases.push(("1-cell-wide grid", Problem::new(1, 9, 1.0), "grid"));
    cases.push(("zero spacing", Problem::new(4, 4, 0.0), "spacing_m"));
    // insulated everywhere, no sink, no fixed cell: defined only up to a constant
    let mut p = Problem::new(8, 6, 1.0);
    p.source.fill(1.0);
    p.set_boundary(
        Side::East,
        Boundary::Robin {
            coeff: 0.0,
            value: 3.0,
        },
    );
    cases.push(("no anchor (singular)", p, "problem"));

    let options = SolveOptions::for_precision(b.f32_device);
    for (what, p, field) in &cases {
        match s.solve(p, &options) {
            Err(SolveError::Problem(e)) => {
                assert!(
                    e.field.starts_with(field),
                    "{}: {what}: refused for field `{}` ({e}), expected `{field}`",
                    b.name,
                    e.field
                );
                if *field == "problem" {
                    assert!(
                        e.reason.contains("singular"),
                        "{}: {what}: reason should say singular: {e}",
                        b.name
                    );
                }
            }
            other => panic!(
                "{}: {what}: expected SolveError::Problem, got {:?}",
                b.name,
                other.map(|s| s.stats)
            ),
        }
    }
}

fn cpu_refuses_invalid_problems_with_problem_error() {
    check_invalid_problems(&mut CpuMultigrid, &CPU);
}

fn gpu_refuses_invalid_problems_with_problem_error() {
    on_gpu(check_invalid_problems);
}

// ---------------------------------------------------------------------------------------------
// 9. Grids the adapter cannot hold
// ---------------------------------------------------------------------------------------------

fn gpu_check_size_names_storage_binding_limit() {
    let gpu = common::gpu();
    let binding = gpu.ctx().limits.max_storage_buffer_binding_size;
    // the largest per-cell binding: the smallest square over the binding limit
    let per_cell = dcplan::gpu::buffers::largest_binding_bytes_per_cell(
        dcplan::gpu::kernels::Variant::Symmetric,
    );
    let side = ((binding / per_cell) as f64).sqrt() as usize + 1;
    match gpu.check_size(side, side, true) {
        Err(e @ GpuError::GridTooLarge { .. }) => {
            let message = e.to_string();
            let GpuError::GridTooLarge {
                nx,
                ny,
                limit,
                value,
                needed,
            } = e
            else {
                unreachable!()
            };
            assert_eq!((nx, ny), (side, side), "{message}");
            assert_eq!(limit, "max_storage_buffer_binding_size", "{message}");
            assert_eq!(value, binding, "{message}");
            assert!(needed > value, "{message}");
            assert!(
                message.contains("max_storage_buffer_binding_size")
                    && message.contains(&binding.to_string()),
                "message should name the limit and its value: {message}"
            );
        }
        other => panic!(
            "{side} x {side} ({} bytes of coefficients) against a {binding}-byte binding limit: \
             expected GridTooLarge, got {other:?}",
            side as u64 * side as u64 * per_cell
        ),
    }
    // a realistic site grid: 1 km × 0.75 km at 1 m
    assert!(
        gpu.check_size(1024, 768, true).is_ok(),
        "1024 x 768 refused: {:?} (binding limit {binding})",
        gpu.check_size(1024, 768, true)
    );
    assert!(GpuMultigrid::check_size(&gpu, 2, 2, true).is_ok());
}

/// A device error inside an error scope comes back as a typed error naming what was attempted,
/// not as a panic or a lost device.
fn gpu_allocation_errors_are_caught_by_error_scopes() {
    let gpu = common::gpu();
    let ctx = gpu.ctx();
    let too_big = ctx.limits.max_buffer_size.saturating_add(4);
    let result = ctx.scoped("allocating an impossible buffer", || {
        ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("test.too_big"),
            size: too_big,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        })
    });
    match result {
        Err(
            e @ (dcplan::gpu::GpuError::Validation { .. }
            | dcplan::gpu::GpuError::OutOfMemory { .. }),
        ) => {
            assert!(
                e.to_string().contains("allocating an impossible buffer"),
                "{e}"
            );
        }
        Err(e) => panic!("unexpected error kind: {e}"),
        Ok(_) => panic!("a {too_big}-byte buffer was accepted"),
    }
    // the device still works afterwards
    let ok = ctx.scoped("allocating a small buffer", || {
        ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("test.small"),
            size: 256,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        })
    });
    assert!(ok.is_ok());
}
