//! The solver API: one steady diffusion–reaction problem in, its solution and how well it was
//! solved out. No wgpu types here; the GPU backend implements [`Solver`] in `crate::gpu`.
//!
//! Invariants: a solution is returned only when it meets the tolerance; its quality is always
//! measured in f64 against the assembled system, whatever precision the backend computed in.

pub mod cpu;
pub mod direct;
pub mod hierarchy;
pub mod laplacian;
pub mod parallel;
pub mod problem;
pub mod system;

pub use cpu::CpuMultigrid;
pub use direct::BandedDirect;
pub use problem::{Boundary, Problem, ProblemError, Side};
pub use system::{Quality, System};

/// When to stop iterating.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// Normwise backward error `eta <= value` (see [`Quality::eta`]).
    Eta(f64),
    /// Relative residual `||b - A u||2 / ||b||2 <= value`, the usual stopping rule of other
    /// solvers (pyamg, SciPy), for like-for-like comparisons.
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
    pub max_cycles: usize,
    /// Red–black Gauss–Seidel sweeps before and after each coarse-grid correction.
    pub pre_sweeps: usize,
    pub post_sweeps: usize,
}

impl SolveOptions {
    /// The targets of each precision: eta <= 1e-12 in f64, eta <= 1e-6 in f32.
    pub fn for_precision(f32_device: bool) -> Self {
        SolveOptions {
            tolerance: Tolerance::Eta(if f32_device { 1e-6 } else { 1e-12 }),
            max_cycles: 60,
            pre_sweeps: 2,
            post_sweeps: 2,
        }
    }
}

/// What a solve cost and achieved.
#[derive(Clone, Debug, Default)]
pub struct SolveStats {
    pub cycles: usize,
    pub quality: Quality,
    /// Assembly, hierarchy, allocation and upload.
    pub setup_s: f64,
    /// The V-cycles and convergence checks only (GPU timestamps where the adapter has them).
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

/// A solver of [`Problem`]s. Write numerical tests once, generic over this trait.
pub trait Solver {
    fn info(&self) -> BackendInfo;
    fn solve(&mut self, problem: &Problem, options: &SolveOptions) -> Result<Solution, SolveError>;
}
