//! The black-box multigrid on the product's hard operators: coefficient contrast from 1 to 1e6
//! (random rectangles and busway-like conductor stripes), advection, and every stage of the
//! GPU cycle against the CPU's on odd, thin and non-square grids.
//!
//! Cycle counts are judged against bounds that do not grow with the contrast or the grid; the
//! advection cases against the closed-form solution of their discrete equations.

use crate::common;
use crate::trials;
use dcplan::solver::{
    Advection, Boundary, CpuMultigrid, Probe, Problem, Side, SolveOptions, Solver, Tolerance,
};
use libtest_mimic::Trial;

pub fn tests() -> Vec<Trial> {
    trials![
        plain cpu_cycles_bounded_independent_of_contrast_and_size,
        gpu gpu_cycles_bounded_independent_of_contrast_and_size,
        plain cpu_hall_power_sheet_cycles_bounded_from_0_3_to_0_05_m,
        gpu gpu_hall_power_sheet_cycles_bounded_from_0_3_to_0_05_m,
        plain cpu_hall_air_cycles_bounded_from_0_3_to_0_05_m,
        gpu gpu_hall_air_cycles_bounded_from_0_3_to_0_05_m,
        plain cpu_advection_matches_the_discrete_exponential_profile,
        gpu gpu_advection_matches_the_discrete_exponential_profile,
        plain cpu_advection_converges_and_conserves_heat_under_refinement,
        gpu gpu_advection_matches_cpu,
        gpu gpu_stages_match_cpu_stage_by_stage_on_odd_grids,
        plain prepared_operator_solves_many_right_hand_sides,
        gpu gpu_prepared_operator_solves_many_right_hand_sides,
    ]
}

/// A small deterministic generator (xorshift), so every run sees the same problems.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Thirty random rectangles with conductivities spread log-uniformly over `contrast`, random
/// sources, a fixed west wall.
fn random_rectangles(n: usize, contrast: f64, seed: u64) -> Problem {
    let mut rng = Rng(seed);
    let mut p = Problem::new(n, n, 1.0);
    for _ in 0..30 {
        let (x0, y0) = (
            (rng.next() * n as f64) as usize,
            (rng.next() * n as f64) as usize,
        );
        let w = 1 + (rng.next() * n as f64 / 4.0) as usize;
        let h = 1 + (rng.next() * n as f64 / 4.0) as usize;
        let k = contrast.powf(rng.next());
        for j in y0..(y0 + h).min(n) {
            for i in x0..(x0 + w).min(n) {
                let q = p.index(i, j);
                p.conductivity[q] = k;
            }
        }
    }
    for f in &mut p.source {
        *f = rng.next() - 0.5;
    }
    p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 });
    p
}

/// A busway-like power sheet, refined with n: a 60 m floor of conductance 1, busways 0.3 m wide
/// every 3.6 m along x and a main bar along y joining them, all of conductance `contrast`, fed
/// at both ends of the main bar, with the racks drawing current along the busways.
fn busway_sheet(n: usize, contrast: f64) -> Problem {
    let h = 60.0 / n as f64;
    let mut p = Problem::new(n, n, h);
    for j in 0..n {
        for i in 0..n {
            let q = p.index(i, j);
            let (x, y) = p.centre_m(i, j);
            let bus = (y % 3.6) < 0.3 && x > 1.0 && x < 59.0;
            let main = (x - 1.0).abs() < 0.15 && y < 57.9;
            p.conductivity[q] = if bus || main { contrast } else { 1.0 };
            if bus && x > 2.0 {
                p.source[q] = -1.0;
            }
        }
    }
    let i = (1.0 / h) as usize;
    for j in [0, (57.5 / h) as usize] {
        let q = p.index(i, j);
        p.fixed[q] = Some(230.0);
    }
    p
}

/// Cycles to the tolerance (f64), or on an f32 device to its floor: the GPU iterates until the
/// backward error stops improving, so its count is taken where the history (one entry per
/// batch of `check_every` cycles) first comes within a factor 2 of its best.
fn cycles(solver: &mut dyn Solver, p: &Problem, options: &SolveOptions, what: &str) -> usize {
    let s = match solver.solve(p, options) {
        Ok(s) => s,
        Err(e) => panic!("{what} ({} x {}): {e}", p.nx, p.ny),
    };
    if solver.info().backend != "gpu" {
        return s.stats.cycles;
    }
    let h = &s.stats.history;
    let best = h.iter().copied().fold(f64::INFINITY, f64::min);
    let batch = s.stats.cycles / h.len().max(1);
    let first = h.iter().position(|&e| e <= 2.0 * best).unwrap_or(h.len());
    (first + 1) * batch
}

/// Cycle counts over contrast 1 → 1e6 and two grid sizes: bounded, and not growing with either.
/// `growth`: how many more cycles the larger grid may take (GPU counts move in batches of two).
fn check_contrast_sweep(
    solver: &mut dyn Solver,
    options: &SolveOptions,
    sizes: [usize; 2],
    max: usize,
    growth: usize,
) {
    let mut report = Vec::new();
    for contrast in [1.0, 1e2, 1e4, 1e6] {
        for (name, make) in [
            (
                "random rectangles",
                random_rectangles as fn(usize, f64, u64) -> Problem,
            ),
            ("busway sheet", |n, c, _| busway_sheet(n, c)),
        ] {
            let counts: Vec<usize> = sizes
                .iter()
                .map(|&n| cycles(solver, &make(n, contrast, 7), options, name))
                .collect();
            report.push(format!("{name} contrast {contrast:e}: {counts:?}"));
            eprintln!("{}", report.last().expect("pushed"));
            for (&n, &c) in sizes.iter().zip(&counts) {
                assert!(
                    c <= max,
                    "{name}, contrast {contrast:e}, {n} x {n}: {c} cycles > {max}\n{}",
                    report.join("\n")
                );
            }
            assert!(
                counts[1] <= counts[0] + growth,
                "{name}, contrast {contrast:e}: cycles grow with the grid {counts:?}"
            );
        }
    }
}

fn cpu_cycles_bounded_independent_of_contrast_and_size() {
    check_contrast_sweep(
        &mut CpuMultigrid,
        &SolveOptions::f64_target(),
        [100, 200],
        16,
        3,
    );
}

fn gpu_cycles_bounded_independent_of_contrast_and_size() {
    let mut gpu = common::gpu();
    let options = gpu.default_options();
    check_contrast_sweep(&mut gpu, &options, [64, 128], 20, 4);
}

/// Cycles to solve one of the shipped 20 MW hall's systems, made by `system` at 0.3, 0.15, 0.1
/// and 0.05 m (25 k to 440 k cells): within `max`, and growing by at most `growth` from the
/// coarsest grid to the finest.
fn check_hall_refinement(
    what: &str,
    system: impl Fn(&dcplan::site::Facility, f64) -> Problem,
    solver: &mut dyn Solver,
    options: &SolveOptions,
    (max, growth): (usize, usize),
) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/facilities/ai-hall-20mw.json");
    let facility = dcplan::site::validate::load_facility(&path)
        .expect("shipped facility")
        .into_inner();
    let mut counts = Vec::new();
    for cell_m in [0.3, 0.15, 0.1, 0.05] {
        let p = system(&facility, cell_m);
        let c = cycles(solver, &p, options, &format!("{what} at {cell_m} m"));
        eprintln!("{what} {cell_m} m ({} x {}): {c} cycles", p.nx, p.ny);
        counts.push((cell_m, c));
    }
    for &(cell_m, c) in &counts {
        assert!(
            c <= max,
            "{what} at {cell_m} m: {c} cycles > {max} ({counts:?})"
        );
    }
    assert!(
        counts[3].1 <= counts[0].1 + growth,
        "{what}: cycles grow with refinement: {counts:?}"
    );
}

/// The hall's power (busway) sheet: 1e4 contrast between busway and floor, the unit
/// substations' feeds fixed.
fn power_sheet(facility: &dcplan::site::Facility, cell_m: f64) -> Problem {
    dcplan::bench::power_sheet(facility, cell_m).expect("power sheet")
}

/// The hall's nonsymmetric air-temperature system (advection on the hall's potential flow,
/// `bench::hall_air`), whose cell Péclet number falls as the grid refines.
fn hall_air(facility: &dcplan::site::Facility, cell_m: f64) -> Problem {
    let flow = SolveOptions::f64_target();
    dcplan::bench::hall_air(facility, cell_m, &CpuMultigrid, &flow)
        .unwrap_or_else(|e| panic!("hall air at {cell_m} m: {e}"))
        .problem
}

fn cpu_hall_air_cycles_bounded_from_0_3_to_0_05_m() {
    // BiCGStab counts two cycles per iteration
    let options = SolveOptions::f64_target();
    check_hall_refinement("hall air", hall_air, &mut CpuMultigrid, &options, (16, 4));
}

fn gpu_hall_air_cycles_bounded_from_0_3_to_0_05_m() {
    let mut gpu = common::gpu();
    let options = gpu.default_options();
    check_hall_refinement("hall air", hall_air, &mut gpu, &options, (16, 4));
}

fn cpu_hall_power_sheet_cycles_bounded_from_0_3_to_0_05_m() {
    // W-cycles (line smoothing of a symmetric operator): 6-7 cycles at every size
    let options = SolveOptions::f64_target();
    check_hall_refinement(
        "power sheet",
        power_sheet,
        &mut CpuMultigrid,
        &options,
        (10, 3),
    );
}

fn gpu_hall_power_sheet_cycles_bounded_from_0_3_to_0_05_m() {
    let mut gpu = common::gpu();
    let options = gpu.default_options();
    check_hall_refinement("power sheet", power_sheet, &mut gpu, &options, (20, 4));
}

/// A channel of `n` cells along x (and 3 rows, identical), flow `u_flux` (W/K) toward +x,
/// inflow at `t_in` into the west column, the east column held at `t_east`. The discrete
/// solution is `t_in + (t_east - t_in) rho^(i - (n - 1))` with `rho = (D + U) / D`.
fn channel(n: usize, d: f64, u_flux: f64, t_in: f64, t_east: f64) -> (Problem, Vec<f64>) {
    let ny = 3;
    let h = 0.1;
    let mut p = Problem::new(n, ny, h);
    p.conductivity.fill(d);
    let mut adv = Advection::zeros(n * ny);
    for j in 0..ny {
        for i in 0..n {
            let q = j * n + i;
            if i + 1 < n {
                adv.flux_x[q] = u_flux;
            }
            if i == 0 {
                p.sink_coeff[q] = u_flux / (h * h);
                p.sink_value[q] = t_in;
            }
            if i == n - 1 {
                p.fixed[q] = Some(t_east);
            }
        }
    }
    p.advection = Some(adv);
    let rho = (d + u_flux) / d;
    let exact = (0..n * ny)
        .map(|q| {
            let i = (q % n) as f64;
            t_in + (t_east - t_in) * rho.powf(i - (n - 1) as f64)
        })
        .collect();
    (p, exact)
}

fn check_channel(solver: &mut dyn Solver, options: &SolveOptions, tolerance: f64) {
    for (d, u) in [(1.0, 0.1), (1.0, 1.0), (1.0, 5.0), (0.5, 20.0)] {
        let (p, exact) = channel(40, d, u, 18.0, 30.0);
        let s = solver
            .solve(&p, options)
            .unwrap_or_else(|e| panic!("channel D = {d}, U = {u}: {e}"));
        let err =
            s.u.iter()
                .zip(&exact)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        // relative to the range of the solution, 12 K
        assert!(
            err / 12.0 <= tolerance,
            "channel D = {d}, U = {u}: max error {err:.3e} K against the discrete closed form \
             ({} cycles)",
            s.stats.cycles
        );
    }
}

fn cpu_advection_matches_the_discrete_exponential_profile() {
    let mut options = SolveOptions::f64_target();
    options.tolerance = Tolerance::Eta(1e-15);
    check_channel(&mut CpuMultigrid, &options, 1e-10);
}

fn gpu_advection_matches_the_discrete_exponential_profile() {
    let mut gpu = common::gpu();
    let options = gpu.default_options();
    check_channel(&mut gpu, &options, 1e-5);
}

/// A recirculating flow (a stream function on the cell corners, so the face fluxes conserve
/// mass exactly) through a channel, with a heat source in the middle, refined at fixed physics
/// so that the cell Péclet number falls as the grid is refined.
fn recirculation(n: usize, peclet: f64) -> Problem {
    let h = 1.0 / n as f64;
    let mut p = Problem::new(n, n, h);
    let k = 1.0;
    let pe = peclet * 64.0 / n as f64;
    p.conductivity.fill(k);
    let mut adv = Advection::zeros(n * n);
    let amp = pe * k / (std::f64::consts::PI * h);
    let psi =
        |x: f64, y: f64| amp * (std::f64::consts::PI * x).sin() * (std::f64::consts::PI * y).sin();
    let through = pe * k * 0.3;
    for j in 0..n {
        for i in 0..n {
            let q = j * n + i;
            let (x0, x1) = (i as f64 * h, (i + 1) as f64 * h);
            let (y0, y1) = (j as f64 * h, (j + 1) as f64 * h);
            if i + 1 < n {
                adv.flux_x[q] = psi(x1, y1) - psi(x1, y0) + through;
            }
            if j + 1 < n {
                adv.flux_y[q] = -(psi(x1, y1) - psi(x0, y1));
            }
            if i == 0 {
                p.sink_coeff[q] = through / (h * h);
                p.sink_value[q] = 20.0;
            }
            if i == n - 1 {
                adv.outflow[q] = through / (h * h);
            }
            if (x0 - 0.5).abs() < 0.1 && (y0 - 0.5).abs() < 0.1 {
                p.source[q] = 1000.0;
            }
        }
    }
    p.advection = Some(adv);
    p
}

/// Heat in (sources and inflow enthalpy) equals heat out (outflow enthalpy), cell by cell
/// summed, to the solver's precision: the upwind form is conservative.
fn heat_balance(p: &Problem, u: &[f64]) -> f64 {
    let adv = p.advection.as_ref().expect("advection");
    let h2 = p.spacing_m * p.spacing_m;
    let mut heat_in = 0.0;
    let mut heat_out = 0.0;
    for q in 0..p.cells() {
        heat_in += p.source[q] * h2 + p.sink_coeff[q] * h2 * p.sink_value[q];
        heat_out += adv.outflow[q] * h2 * u[q];
    }
    (heat_in - heat_out).abs() / heat_in
}

fn cpu_advection_converges_and_conserves_heat_under_refinement() {
    let options = SolveOptions::f64_target();
    for peclet in [1.0, 10.0] {
        let mut counts = Vec::new();
        for n in [64, 128, 256] {
            let p = recirculation(n, peclet);
            let s = CpuMultigrid
                .solve(&p, &options)
                .unwrap_or_else(|e| panic!("recirculation Pe {peclet} at {n}: {e}"));
            let imbalance = heat_balance(&p, &s.u);
            assert!(
                imbalance < 1e-9,
                "Pe {peclet} at {n}: heat imbalance {imbalance:.3e}"
            );
            counts.push(s.stats.cycles);
        }
        eprintln!("recirculation Pe {peclet}: cycles {counts:?}");
        assert!(
            counts.iter().all(|&c| c <= 30) && counts[2] <= counts[0] + 4,
            "Pe {peclet}: cycles {counts:?} (BiCGStab counts two per iteration)"
        );
    }
}

fn gpu_advection_matches_cpu() {
    let mut gpu = common::gpu();
    let p = recirculation(64, 1.0);
    let cpu = CpuMultigrid
        .solve(&p, &SolveOptions::f64_target())
        .expect("cpu");
    let options = gpu.default_options();
    let g = gpu.solve(&p, &options).expect("gpu");
    let range = cpu.u.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
        - cpu.u.iter().cloned().fold(f64::INFINITY, f64::min);
    let diff = cpu
        .u
        .iter()
        .zip(&g.u)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        diff / range < 1e-4,
        "GPU vs CPU on recirculation: {diff:.3e} of range {range:.3e} ({} cycles)",
        g.stats.cycles
    );
}

/// Random values for a level of `n` points.
fn random_field(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.next() * 2.0 - 1.0).collect()
}

/// Every stage of the GPU cycle against the CPU's, level by level, on grids that exercise odd
/// counts, thin strips and semicoarsening; for point and line smoothing, symmetric and
/// nonsymmetric finest operators.
fn gpu_stages_match_cpu_stage_by_stage_on_odd_grids() {
    let gpu = common::gpu();
    let mut problems: Vec<(String, Problem)> = Vec::new();
    for (nx, ny) in [(17, 33), (33, 17), (2, 40), (40, 2), (65, 9)] {
        let mut p = random_rectangles(nx.max(ny), 10.0, 3);
        // crop to nx x ny
        let n = nx.max(ny);
        let crop = |f: &[f64]| -> Vec<f64> {
            (0..ny)
                .flat_map(|j| (0..nx).map(move |i| (i, j)))
                .map(|(i, j)| f[j * n + i])
                .collect()
        };
        let mut q = Problem::new(nx, ny, p.spacing_m);
        q.conductivity = crop(&p.conductivity);
        q.source = crop(&p.source);
        q.boundary = p.boundary;
        q.sink_coeff.fill(0.01);
        p = q.clone();
        problems.push((format!("point {nx}x{ny}"), p));
        let mut lines = q.clone();
        for (k, c) in lines.conductivity.iter_mut().enumerate() {
            if (k / nx) % 5 == 0 {
                *c *= 1e4;
            }
        }
        problems.push((format!("lines {nx}x{ny}"), lines));
    }
    problems.push(("advection 32x32".into(), recirculation(32, 1.0)));
    let mut rng = Rng(11);
    for (name, p) in &problems {
        let mut cpu = CpuMultigrid.prepare(p).expect("cpu prepare");
        let mut gpu = gpu.prepare(p).expect("gpu prepare");
        let sizes = cpu.level_sizes();
        assert_eq!(sizes, gpu.level_sizes(), "{name}: level sizes");
        // f32 against f64: rounding grows with the conditioning of a line solve across 1e4
        // contrast; a wrong stage differs by O(1)
        let tolerance = if name.starts_with("lines") {
            2e-3
        } else {
            2e-4
        };
        let compare = |stage: &str, c: &[f64], g: &[f64]| {
            let scale = c.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-30);
            let diff = c
                .iter()
                .zip(g)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                diff / scale < tolerance,
                "{name}: stage {stage}: GPU differs from CPU by {diff:.3e} of {scale:.3e}"
            );
        };
        let last = sizes.len() - 1;
        for (level, &(nx, ny)) in sizes.iter().enumerate() {
            let n = nx * ny;
            let (u, s) = (random_field(&mut rng, n), random_field(&mut rng, n));
            for probe in [
                Probe::Smooth { level, sweeps: 2 },
                Probe::Residual { level },
            ] {
                let c = cpu.probe(probe, &u, &s).expect("cpu probe");
                let g = gpu.probe(probe, &u, &s).expect("gpu probe");
                compare(&format!("{probe:?}"), &c, &g);
            }
            if level < last {
                let (cnx, cny) = sizes[level + 1];
                let e = random_field(&mut rng, cnx * cny);
                let probe = Probe::Restrict { level };
                compare(
                    &format!("{probe:?}"),
                    &cpu.probe(probe, &u, &[]).expect("cpu"),
                    &gpu.probe(probe, &u, &[]).expect("gpu"),
                );
                let probe = Probe::Prolong { level };
                compare(
                    &format!("{probe:?}"),
                    &cpu.probe(probe, &e, &u).expect("cpu"),
                    &gpu.probe(probe, &e, &u).expect("gpu"),
                );
            }
        }
        let (cnx, cny) = sizes[last];
        let b = random_field(&mut rng, cnx * cny);
        compare(
            "Coarse",
            &cpu.probe(Probe::Coarse, &b, &[]).expect("cpu"),
            &gpu.probe(Probe::Coarse, &b, &[]).expect("gpu"),
        );
    }
}

/// A prepared operator solves new right-hand sides without being prepared again, and its
/// answers equal fresh solves of the whole problem.
fn prepared_operator_solves_many_right_hand_sides() {
    let p = random_rectangles(48, 1e3, 5);
    let options = SolveOptions::f64_target();
    let mut prepared = CpuMultigrid.prepare(&p).expect("prepare");
    let mut rng = Rng(2);
    for _ in 0..3 {
        let mut q = p.clone();
        for f in &mut q.source {
            *f = rng.next() * 10.0 - 5.0;
        }
        q.set_boundary(
            Side::West,
            Boundary::Fixed {
                value: rng.next() * 40.0,
            },
        );
        let reused = prepared.solve(&q.rhs(), None, &options).expect("reused");
        let fresh = CpuMultigrid.solve(&q, &options).expect("fresh");
        let scale = fresh.u.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = reused
            .u
            .iter()
            .zip(&fresh.u)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            diff <= 1e-9 * scale,
            "reused vs fresh: {diff:.3e} of {scale:.3e}"
        );
    }
}

/// The same on the GPU: one prepare serves every right-hand side.
fn gpu_prepared_operator_solves_many_right_hand_sides() {
    let p = random_rectangles(48, 1e3, 5);
    let gpu = common::gpu();
    let before = gpu.prepared_count();
    let mut prepared = gpu.prepare(&p).expect("gpu prepare");
    for value in [0.0, 10.0, 20.0] {
        let mut q = p.clone();
        q.set_boundary(Side::West, Boundary::Fixed { value });
        let s = prepared
            .solve(&q.rhs(), None, &gpu.default_options())
            .expect("gpu solve");
        assert!(s.stats.quality.eta <= 1e-6);
    }
    assert_eq!(
        gpu.prepared_count() - before,
        1,
        "one prepare for three solves"
    );
}
