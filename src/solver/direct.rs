//! Exact f64 solver: banded Cholesky of the whole grid (the same factorisation the multigrid
//! uses on its coarsest level), for problems small enough that `cells × band²` is cheap and
//! hard enough that multigrid's rediscretised coarse levels do not see their features — thin
//! conductors in an insulating floor, as in a busway network, with 1e4 contrast across
//! features one or two cells wide.

use super::hierarchy::BandedCholesky;
use super::system::System;
use super::{BackendInfo, Problem, Solution, SolveError, SolveOptions, SolveStats, Solver};
use std::time::Instant;

#[derive(Debug, Default, Clone)]
pub struct BandedDirect;

/// Work of the banded factorisation, in multiply-adds: `cells × min(nx, ny)²`.
pub fn factor_work(nx: usize, ny: usize) -> f64 {
    let band = nx.min(ny) as f64;
    nx as f64 * ny as f64 * band * band
}

impl Solver for BandedDirect {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            backend: "cpu".into(),
            adapter: "CPU f64 banded Cholesky".into(),
        }
    }

    fn solve(&mut self, problem: &Problem, options: &SolveOptions) -> Result<Solution, SolveError> {
        problem.validate()?;
        let start = Instant::now();
        let system = System::assemble(problem);
        let factor = BandedCholesky::factor(&system.op);
        let setup_s = start.elapsed().as_secs_f64();
        let solve_start = Instant::now();
        let mut u = vec![0.0; system.cells()];
        factor.solve(&system.b(), &mut u);
        let quality = system.quality(&u);
        let stats = SolveStats {
            cycles: 1,
            quality,
            setup_s,
            solve_s: solve_start.elapsed().as_secs_f64(),
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
}
