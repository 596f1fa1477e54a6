//! Exact f64 solves by banded LU factorisation: the multigrid's coarsest level, and a whole-grid
//! direct solver ([`BandedDirect`]) kept as a test oracle and for tiny grids.
//!
//! Points are numbered along the shorter axis first, so the half-bandwidth of a 9-point (or
//! 5-point) stencil is `min(nx, ny) + 1`; the work is `O(n b²)`. No pivoting: every level is an
//! anchored, diagonally dominant M-matrix or its Galerkin image, for which elimination without
//! pivoting is stable.

use super::hierarchy::Stencil;
use super::system::{System, OFFSETS};
use super::{
    BackendInfo, Prepared, Probe, Problem, Rhs, Solution, SolveError, SolveOptions, SolveStats,
    Solver,
};
use std::time::Instant;

/// LU factors of a level's matrix in band storage.
#[derive(Clone, Debug)]
pub struct BandedLu {
    pub nx: usize,
    pub ny: usize,
    /// Half-bandwidth.
    pub band: usize,
    /// Numbering runs down columns (x-major) because the grid is wider than tall.
    pub column_major: bool,
    /// Row k, column k + d - band at `lu[k * (2 band + 1) + d]`: L below the diagonal (unit
    /// diagonal not stored), U on and above it.
    pub lu: Vec<f64>,
}

impl BandedLu {
    pub fn factor(op: &impl Stencil) -> Self {
        let (nx, ny) = (op.nx(), op.ny());
        let column_major = nx > ny;
        let band = nx.min(ny) + 1;
        let w = 2 * band + 1;
        let n = nx * ny;
        let mut f = BandedLu {
            nx,
            ny,
            band,
            column_major,
            lu: vec![0.0; n * w],
        };
        for j in 0..ny {
            for i in 0..nx {
                let p = j * nx + i;
                let k = f.order(i, j);
                let c = op.couplings(p);
                f.lu[k * w + band] = c.iter().sum::<f64>() + op.anchor(p);
                for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
                    let (x, y) = (i as isize + di, j as isize + dj);
                    if c[d] != 0.0 && x >= 0 && y >= 0 && (x as usize) < nx && (y as usize) < ny {
                        let q = f.order(x as usize, y as usize);
                        // column q of row k sits at offset q - k + band
                        let slot = (q as isize - k as isize + band as isize) as usize;
                        f.lu[k * w + slot] = -c[d];
                    }
                }
            }
        }
        let lu = &mut f.lu;
        for k in 0..n {
            let pivot = lu[k * w + band];
            let pivot = if pivot.abs() > f64::MIN_POSITIVE {
                pivot
            } else {
                f64::MIN_POSITIVE
            };
            lu[k * w + band] = pivot;
            for i in (k + 1)..(k + band + 1).min(n) {
                // row i, column k at offset k - i + band
                let ik = i * w + (k + band - i);
                let l = lu[ik] / pivot;
                lu[ik] = l;
                if l == 0.0 {
                    continue;
                }
                for j in (k + 1)..(k + band + 1).min(n) {
                    let kj = k * w + (j + band - k);
                    let ij = i * w + (j + band - i);
                    lu[ij] -= l * lu[kj];
                }
            }
        }
        f
    }

    /// Position of point (i, j) in the banded numbering.
    pub fn order(&self, i: usize, j: usize) -> usize {
        if self.column_major {
            i * self.ny + j
        } else {
            j * self.nx + i
        }
    }

    /// Grid index of the k-th point in the banded numbering.
    fn grid(&self, k: usize) -> usize {
        if self.column_major {
            (k % self.ny) * self.nx + k / self.ny
        } else {
            k
        }
    }

    /// Solves `A u = rhs` (both in grid order).
    pub fn solve(&self, rhs: &[f64], u: &mut [f64]) {
        let (b, w, n) = (self.band, 2 * self.band + 1, self.nx * self.ny);
        let lu = &self.lu;
        let mut y = vec![0.0; n];
        for k in 0..n {
            let mut acc = rhs[self.grid(k)];
            for d in 1..=b.min(k) {
                acc -= lu[k * w + b - d] * y[k - d];
            }
            y[k] = acc;
        }
        for k in (0..n).rev() {
            let mut acc = y[k];
            for d in 1..=b.min(n - 1 - k) {
                acc -= lu[k * w + b + d] * y[k + d];
            }
            y[k] = acc / lu[k * w + b];
        }
        for k in 0..n {
            u[self.grid(k)] = y[k];
        }
    }
}

/// Work of the banded factorisation, in multiply-adds: `cells × (min(nx, ny) + 1)²`.
pub fn factor_work(nx: usize, ny: usize) -> f64 {
    let band = nx.min(ny) as f64 + 1.0;
    nx as f64 * ny as f64 * band * band
}

/// The whole-grid direct solver.
#[derive(Debug, Default, Clone)]
pub struct BandedDirect;

/// A factored grid: solves any right-hand side exactly.
pub struct DirectPrepared {
    system: System,
    factor: BandedLu,
    setup_s: f64,
}

impl Prepared for DirectPrepared {
    fn solve(
        &mut self,
        rhs: &Rhs,
        _guess: Option<&[f64]>,
        options: &SolveOptions,
    ) -> Result<Solution, SolveError> {
        super::check_rhs(&self.system, rhs)?;
        self.system.set_rhs(rhs);
        let start = Instant::now();
        let mut u = vec![0.0; self.system.cells()];
        self.factor.solve(&self.system.b(), &mut u);
        let quality = self.system.quality(&u);
        let stats = SolveStats {
            cycles: 1,
            quality,
            setup_s: self.setup_s,
            solve_s: start.elapsed().as_secs_f64(),
            timestamped: false,
            history: vec![quality.eta],
            levels: 1,
        };
        if !options.tolerance.met(&quality) {
            return Err(SolveError::NotConverged {
                cycles: 1,
                eta: quality.eta,
                rel: quality.rel_residual,
            });
        }
        Ok(Solution { u, stats })
    }

    fn levels(&self) -> usize {
        1
    }

    /// A direct solver has no smoother: the time of one forward and back substitution.
    fn time_smoother(&mut self, _sweeps: usize) -> Result<f64, SolveError> {
        let b = self.system.b();
        let mut u = vec![0.0; b.len()];
        let start = Instant::now();
        self.factor.solve(&b, &mut u);
        Ok(start.elapsed().as_secs_f64())
    }

    fn sweep_bytes_per_cell(&self) -> f64 {
        8.0 * (2 * self.factor.band + 1) as f64
    }

    /// A direct solver has one level, which is its coarsest.
    fn probe(&mut self, probe: Probe, a: &[f64], _b: &[f64]) -> Result<Vec<f64>, SolveError> {
        match probe {
            Probe::Coarse if a.len() == self.system.cells() => {
                let mut u = vec![0.0; a.len()];
                self.factor.solve(a, &mut u);
                Ok(u)
            }
            _ => Err(SolveError::Problem(super::ProblemError {
                field: "probe".into(),
                reason: format!("a direct solver has only its exact solve, not {probe:?}"),
            })),
        }
    }

    fn level_sizes(&self) -> Vec<(usize, usize)> {
        vec![(self.system.op.nx, self.system.op.ny)]
    }
}

impl Solver for BandedDirect {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            backend: "cpu".into(),
            adapter: "CPU f64 banded LU".into(),
        }
    }

    fn default_options(&self) -> SolveOptions {
        SolveOptions::f64_target()
    }

    fn prepare(&self, problem: &Problem) -> Result<Box<dyn Prepared>, SolveError> {
        problem.validate()?;
        let start = Instant::now();
        let system = System::assemble(problem);
        let factor = BandedLu::factor(&system.op);
        Ok(Box::new(DirectPrepared {
            system,
            factor,
            setup_s: start.elapsed().as_secs_f64(),
        }))
    }
}
