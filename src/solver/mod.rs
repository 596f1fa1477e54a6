//! The solver API: an operator is prepared once (assembly, hierarchy, device resources), then
//! solved for many right-hand sides; the solution comes back with how well it was solved. No
//! wgpu types here; the GPU backend implements [`Solver`] in `crate::gpu`.
//!
//! Invariants: a solution is returned only when it meets the tolerance; its quality is always
//! measured in f64 against the assembled system, whatever precision the backend computed in.

pub mod cpu;
pub mod direct;
pub mod hierarchy;
pub mod krylov;
pub mod laplacian;
pub mod parallel;
pub mod problem;
pub mod system;

pub use cpu::CpuMultigrid;
pub use direct::BandedDirect;
pub use problem::{Advection, Boundary, Openings, Problem, ProblemError, Rhs, Side};
pub use system::{Quality, System};

/// When to stop iterating.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// Normwise backward error `eta <= value` (see [`Quality::eta`]).
    Eta(f64),
    /// Relative residual `||b - A u||2 / ||b||2 <= value`, the usual stopping rule of other
    /// solvers (pyamg, SciPy, HYPRE), for like-for-like comparisons.
    RelResidual(f64),
}

impl Tolerance {
    pub fn met(&self, q: &Quality) -> bool {
        match *self {
            Tolerance::Eta(t) => q.eta <= t,
            Tolerance::RelResidual(t) => q.rel_residual <= t,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SolveOptions {
    pub tolerance: Tolerance,
    /// Most V-cycles (each Krylov iteration counts the cycles it applies).
    pub max_cycles: usize,
    /// Smoothing sweeps before and after each coarse-grid correction.
    pub pre_sweeps: usize,
    pub post_sweeps: usize,
}

impl SolveOptions {
    /// What an f64 solver delivers: eta <= 1e-12.
    pub fn f64_target() -> Self {
        SolveOptions {
            tolerance: Tolerance::Eta(1e-12),
            max_cycles: 60,
            pre_sweeps: 2,
            post_sweeps: 2,
        }
    }

    /// What an f32 device delivers: eta <= 1e-6.
    pub fn f32_target() -> Self {
        SolveOptions {
            tolerance: Tolerance::Eta(1e-6),
            ..Self::f64_target()
        }
    }

    /// The target of each precision (prefer [`Solver::default_options`]).
    pub fn for_precision(f32_device: bool) -> Self {
        if f32_device {
            Self::f32_target()
        } else {
            Self::f64_target()
        }
    }
}

/// What a solve cost and achieved.
#[derive(Clone, Debug, Default)]
pub struct SolveStats {
    pub cycles: usize,
    pub quality: Quality,
    /// Assembly, hierarchy, allocation and upload (of the prepare this solve used).
    pub setup_s: f64,
    /// The iterations and convergence checks only (GPU timestamps where the adapter has them).
    pub solve_s: f64,
    /// Whether `solve_s` comes from GPU timestamp queries.
    pub timestamped: bool,
    /// Convergence measure after each check, for plots and for the cycle-count tests.
    pub history: Vec<f64>,
    pub levels: usize,
}

#[derive(Clone, Debug)]
pub struct Solution {
    pub u: Vec<f64>,
    pub stats: SolveStats,
}

#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    #[error("invalid problem: {0}")]
    Problem(#[from] ProblemError),
    #[error("did not converge in {cycles} cycles (eta {eta:.3e}, relative residual {rel:.3e})")]
    NotConverged { cycles: usize, eta: f64, rel: f64 },
    /// The device failed (allocation, pipeline, lost device); the source is the backend's
    /// typed error (for wgpu, `crate::gpu::GpuError`).
    #[error("GPU: {0}")]
    Device(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which backend and adapter did the work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendInfo {
    /// "cpu" or "gpu".
    pub backend: String,
    /// Adapter name, or the CPU description.
    pub adapter: String,
}

/// One multigrid stage applied once, so that tests compare backends stage by stage and a
/// wrong stage is found by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// `sweeps` pre-smoothing sweeps on `level`: (u, rhs) -> u.
    Smooth { level: usize, sweeps: usize },
    /// The residual of `level`'s correction equation: (u, rhs) -> rhs - A u.
    Residual { level: usize },
    /// Restriction from `level` to `level + 1`: (fine residual, unused) -> coarse rhs.
    Restrict { level: usize },
    /// Interpolation from `level + 1` into `level`: (coarse correction, fine u) -> u + P e.
    Prolong { level: usize },
    /// The exact solve of the coarsest level: (rhs, unused) -> u.
    Coarse,
}

/// An operator made ready on a backend: solves any right-hand side of it.
pub trait Prepared: Send {
    /// Solves for `rhs` from `guess` (zero-shifted start when `None`).
    fn solve(
        &mut self,
        rhs: &Rhs,
        guess: Option<&[f64]>,
        options: &SolveOptions,
    ) -> Result<Solution, SolveError>;
    /// Levels of the hierarchy, the finest included.
    fn levels(&self) -> usize;
    /// Seconds per smoothing sweep on the finest level, timed over `sweeps` sweeps (for
    /// `dcplan bench`).
    fn time_smoother(&mut self, sweeps: usize) -> Result<f64, SolveError>;
    /// Bytes a finest-level sweep must move per cell (each field read once, written once).
    fn sweep_bytes_per_cell(&self) -> f64;
    /// Runs one stage on the given fields (see [`Probe`]) and returns its output.
    fn probe(&mut self, probe: Probe, a: &[f64], b: &[f64]) -> Result<Vec<f64>, SolveError>;
    /// Points of each level, the finest first.
    fn level_sizes(&self) -> Vec<(usize, usize)>;
}

/// A solver of [`Problem`]s. Write numerical tests once, generic over this trait.
pub trait Solver {
    fn info(&self) -> BackendInfo;
    /// The tolerance and cycle limits this backend's precision can meet.
    fn default_options(&self) -> SolveOptions;
    /// Assembles the operator of `problem`, builds its hierarchy and everything a solve needs
    /// (device buffers and bind groups on a GPU). The problem's right-hand side is only checked.
    fn prepare(&self, problem: &Problem) -> Result<Box<dyn Prepared>, SolveError>;
    /// The memory system's copy bandwidth (GB/s, bytes read plus written), measured now, to set
    /// the smoother's throughput against.
    fn copy_gbps(&self) -> Result<f64, SolveError> {
        Ok(parallel::host_copy_gbps(256 << 20))
    }
    /// Prepares and solves once.
    fn solve(&mut self, problem: &Problem, options: &SolveOptions) -> Result<Solution, SolveError> {
        let mut prepared = self.prepare(problem)?;
        prepared.solve(&problem.rhs(), None, options)
    }
}

/// Checks that `rhs` fits `system`'s grid and is finite.
pub fn check_rhs(system: &System, rhs: &Rhs) -> Result<(), ProblemError> {
    let n = system.cells();
    let err = |field: String, reason: String| Err(ProblemError { field, reason });
    for (name, field) in [
        ("source", &rhs.source),
        ("sink_value", &rhs.sink_value),
        ("fixed_value", &rhs.fixed_value),
    ] {
        if field.len() != n {
            return err(
                name.to_string(),
                format!("expected {n} cells, found {}", field.len()),
            );
        }
        if let Some(p) = parallel::position_first(field, |v| !v.is_finite()) {
            return err(
                format!("{name}[{p}]"),
                format!("expected a finite number, found {}", field[p]),
            );
        }
    }
    if let Some(side) = rhs.boundary_value.iter().position(|v| !v.is_finite()) {
        return err(
            format!("boundary[{side}].value"),
            "expected a finite number".to_string(),
        );
    }
    Ok(())
}

/// Solves `problem` with a prepared operator to the backward error `target_eta` in f64 even
/// when the backend computes in f32: mixed-precision iterative refinement, the residual taken in
/// f64 on the host and each correction solved by the backend (a few corrections, each gaining
/// the backend's own precision).
pub fn solve_refined(
    prepared: &mut dyn Prepared,
    problem: &Problem,
    options: &SolveOptions,
    target_eta: f64,
) -> Result<Solution, SolveError> {
    let mut solution = prepared.solve(&problem.rhs(), None, options)?;
    if solution.stats.quality.eta <= target_eta {
        return Ok(solution);
    }
    let system = System::assemble(problem);
    let norms = system.norms();
    let n = system.cells();
    let h2 = problem.spacing_m * problem.spacing_m;
    let mut r = vec![0.0; n];
    for _ in 0..4 {
        let quality = system.quality_with(&norms, &solution.u, &mut r);
        solution.stats.quality = quality;
        if quality.eta <= target_eta {
            break;
        }
        let correction = Rhs {
            source: r.iter().map(|v| v / h2).collect(),
            sink_value: vec![0.0; n],
            fixed_value: vec![0.0; n],
            boundary_value: [0.0; 4],
        };
        // the correction's own tolerance is relative to the residual it removes
        let delta = prepared.solve(&correction, None, options)?;
        solution.stats.cycles += delta.stats.cycles;
        for (u, d) in solution.u.iter_mut().zip(&delta.u) {
            *u += d;
        }
    }
    solution.stats.quality = system.quality_with(&norms, &solution.u, &mut r);
    Ok(solution)
}
