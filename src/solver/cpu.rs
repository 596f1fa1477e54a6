//! CPU reference solver: f64 geometric multigrid (V-cycles, red–black Gauss–Seidel).
//!
//! This is the oracle the GPU solver is tested against, and the backend used where there is no
//! hardware GPU. Same hierarchy, transfers and smoother as the GPU solver, in f64.

use super::hierarchy::{solve_coarsest, CoarseLevel, Hierarchy, Interp};
use super::system::{Operator, System};
use super::{BackendInfo, Problem, Solution, SolveError, SolveOptions, SolveStats, Solver};
use std::time::Instant;

#[derive(Debug, Default, Clone)]
pub struct CpuMultigrid;

/// Fields of one level: solution (or correction), right-hand side, residual.
struct Fields {
    u: Vec<f64>,
    s: Vec<f64>,
    r: Vec<f64>,
}

impl Fields {
    fn zeros(n: usize) -> Self {
        Fields {
            u: vec![0.0; n],
            s: vec![0.0; n],
            r: vec![0.0; n],
        }
    }
}

impl Solver for CpuMultigrid {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            backend: "cpu".into(),
            adapter: format!("CPU f64 multigrid ({} threads)", 1),
        }
    }

    fn solve(&mut self, problem: &Problem, options: &SolveOptions) -> Result<Solution, SolveError> {
        problem.validate()?;
        let start = Instant::now();
        let system = System::assemble(problem);
        let hierarchy = Hierarchy::build(&system);
        let mut fields: Vec<Fields> = std::iter::once(system.cells())
            .chain(hierarchy.coarse.iter().map(|l| l.op.cells()))
            .map(Fields::zeros)
            .collect();
        fields[0].s.clone_from(&system.rhs);
        let setup_s = start.elapsed().as_secs_f64();

        let solve_start = Instant::now();
        let mut stats = SolveStats {
            setup_s,
            levels: hierarchy.levels(),
            ..Default::default()
        };
        let mg = Multigrid {
            system: &system,
            hierarchy: &hierarchy,
            options,
        };
        let mut quality = system.quality(&fields[0].u);
        while !options.tolerance.met(&quality) && stats.cycles < options.max_cycles {
            mg.vcycle(0, &mut fields);
            stats.cycles += 1;
            quality = system.quality(&fields[0].u);
            stats.history.push(quality.eta);
        }
        stats.solve_s = solve_start.elapsed().as_secs_f64();
        stats.quality = quality;
        if !options.tolerance.met(&quality) {
            return Err(SolveError::NotConverged {
                cycles: stats.cycles,
                eta: quality.eta,
                rel: quality.rel_residual,
            });
        }
        let u = std::mem::take(&mut fields[0].u);
        Ok(Solution { u, stats })
    }
}

struct Multigrid<'a> {
    system: &'a System,
    hierarchy: &'a Hierarchy,
    options: &'a SolveOptions,
}

impl Multigrid<'_> {
    fn op(&self, level: usize) -> &Operator {
        if level == 0 {
            &self.system.op
        } else {
            &self.hierarchy.coarse[level - 1].op
        }
    }

    /// Anchor values: the problem's on the finest level, 0 on coarse levels (corrections).
    fn anchor_value(&self, level: usize) -> Option<&[f64]> {
        (level == 0).then_some(self.system.anchor_value.as_slice())
    }

    fn vcycle(&self, level: usize, fields: &mut [Fields]) {
        let op = self.op(level);
        if level + 1 == fields.len() {
            let f = &mut fields[level];
            solve_coarsest(op, &f.s, &mut f.u);
            return;
        }
        let w = self.anchor_value(level);
        smooth(op, w, &mut fields[level], self.options.pre_sweeps);
        residual(op, w, &mut fields[level]);
        let coarse = &self.hierarchy.coarse[level];
        let (fine, rest) = fields.split_at_mut(level + 1);
        restrict(op, &fine[level].r, coarse, &mut rest[0]);
        self.vcycle(level + 1, fields);
        let (fine, rest) = fields.split_at_mut(level + 1);
        prolong_add(coarse, &rest[0].u, op, &mut fine[level].u);
        smooth(op, w, &mut fields[level], self.options.post_sweeps);
    }
}

/// `sweeps` red–black Gauss–Seidel sweeps, each update in correction form.
fn smooth(op: &Operator, w: Option<&[f64]>, f: &mut Fields, sweeps: usize) {
    let nx = op.nx;
    for _ in 0..sweeps {
        for colour in 0..2 {
            for j in 0..op.ny {
                for i in ((j + colour) % 2..nx).step_by(2) {
                    let p = j * nx + i;
                    let wp = w.map_or(0.0, |w| w[p]);
                    let up = f.u[p];
                    let diag = op.face_sum(i, j) + op.anchor[p];
                    let res = f.s[p] - op.flux_out(&f.u, i, j) - op.anchor[p] * (up - wp);
                    f.u[p] = up + res / diag;
                }
            }
        }
    }
}

fn residual(op: &Operator, w: Option<&[f64]>, f: &mut Fields) {
    for j in 0..op.ny {
        for i in 0..op.nx {
            let p = j * op.nx + i;
            let wp = w.map_or(0.0, |w| w[p]);
            f.r[p] = f.s[p] - op.flux_out(&f.u, i, j) - op.anchor[p] * (f.u[p] - wp);
        }
    }
}

/// Coarse right-hand side = sum of the children's residuals; coarse correction starts at 0.
fn restrict(fine: &Operator, r: &[f64], coarse: &CoarseLevel, out: &mut Fields) {
    out.s.fill(0.0);
    out.u.fill(0.0);
    for j in 0..fine.ny {
        for i in 0..fine.nx {
            out.s[(j / coarse.ry) * coarse.op.nx + i / coarse.rx] += r[j * fine.nx + i];
        }
    }
}

fn prolong_add(coarse: &CoarseLevel, e: &[f64], fine: &Operator, u: &mut [f64]) {
    let cnx = coarse.op.nx;
    let at =
        |j: usize, x: &Interp| (1.0 - x.w_nb) * e[j * cnx + x.coarse] + x.w_nb * e[j * cnx + x.nb];
    for (j, y) in coarse.py.iter().enumerate() {
        for (i, x) in coarse.px.iter().enumerate() {
            u[j * fine.nx + i] += (1.0 - y.w_nb) * at(y.coarse, x) + y.w_nb * at(y.nb, x);
        }
    }
}
