//! CPU reference solver: f64 black-box multigrid (see `hierarchy`) as the preconditioner of a
//! Krylov iteration — flexible conjugate gradients for symmetric operators, BiCGStab for
//! nonsymmetric ones (advection).
//!
//! Smoothers: red–black Gauss–Seidel on the finest (5-point) level, four-colour Gauss–Seidel on
//! the 9-point coarse levels (the colours are the parities of (i, j): no point's neighbour has
//! its colour, so each colour updates in parallel and the result does not depend on threads).
//! This is the oracle the GPU solver is tested against, and the backend where there is no
//! hardware GPU.

use super::hierarchy::{
    CoarseLevel, Hierarchy, Smoothing, Stencil, Stencil9, Weights, CNE, CNW, CSE, CSW, XE, XW, YN,
    YS,
};
use super::parallel::{
    axpy, dot, each, each_mut, for_chunks2, for_row_blocks2, for_rows, threads, threads_for_len,
    FOLD_BLOCK,
};
use super::system::{Faces, Norms, Operator, Quality, System, OFFSETS};
use super::{
    check_rhs, BackendInfo, Prepared, Probe, Problem, Rhs, Solution, SolveError, SolveOptions,
    SolveStats, Solver,
};
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

    /// `sweeps` alternating line sweeps of this level's operator (`r` is the scratch).
    fn smooth_lines(&mut self, op: &impl LineOp, f: &LineFactors, sweeps: usize, reverse: bool) {
        smooth_lines(op, f, &mut self.u, &self.s, &mut self.r, sweeps, reverse);
    }

    /// [`Fields::smooth_lines`] on the finest level.
    fn smooth_lines_finest(&mut self, op: &Operator, f: &LineFactors, sweeps: usize, rev: bool) {
        match &op.faces {
            Faces::Symmetric { cx, cy } => {
                let interior = SymInterior { cx, cy, nx: op.nx };
                self.smooth_lines(
                    &Fine {
                        op,
                        interior: &interior,
                    },
                    f,
                    sweeps,
                    rev,
                )
            }
            Faces::General { c } => self.smooth_lines(
                &Fine {
                    op,
                    interior: &GenInterior { c },
                },
                f,
                sweeps,
                rev,
            ),
        }
    }
}

/// An operator prepared on the CPU: its system, hierarchy and work fields.
pub struct CpuPrepared {
    pub system: System,
    pub hierarchy: Hierarchy,
    /// Every level's line factorisations, finest first (none under point smoothing).
    lines: Vec<LineFactors>,
    fields: Vec<Fields>,
    /// `||A||inf` of the finest operator (every right-hand side's norms divide by it).
    a_inf: f64,
    setup_s: f64,
}

impl Solver for CpuMultigrid {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            backend: "cpu".into(),
            adapter: format!("CPU f64 multigrid, {} threads", threads()),
        }
    }

    fn default_options(&self) -> SolveOptions {
        SolveOptions::f64_target()
    }

    fn prepare(&self, problem: &Problem) -> Result<Box<dyn Prepared>, SolveError> {
        problem.validate()?;
        // the right-hand side comes with each solve
        Ok(Box::new(CpuPrepared::new(System::assemble_operator(
            problem,
        ))))
    }
}

impl CpuPrepared {
    /// Builds the hierarchy of an assembled system and allocates every level's fields.
    pub fn new(system: System) -> Self {
        let start = Instant::now();
        let hierarchy = Hierarchy::build(&system.op);
        let fields = std::iter::once(system.cells())
            .chain(hierarchy.coarse.iter().map(|l| l.op.cells()))
            .map(Fields::zeros)
            .collect();
        let lines = if hierarchy.smoothing == Smoothing::Lines {
            std::iter::once(LineFactors::new(&system.op))
                .chain(hierarchy.coarse.iter().map(|l| LineFactors::new(&l.op)))
                .collect()
        } else {
            Vec::new()
        };
        CpuPrepared {
            a_inf: system.op.norm_inf(),
            system,
            hierarchy,
            lines,
            fields,
            setup_s: start.elapsed().as_secs_f64(),
        }
    }

    fn multigrid<'a>(&'a self, options: &'a SolveOptions) -> Multigrid<'a> {
        Multigrid {
            system: &self.system,
            hierarchy: &self.hierarchy,
            lines: &self.lines,
            options,
        }
    }

    /// The iteration on the system's current right-hand side, from `x`.
    /// `zero`: `x` is all zeros (no guess), so the first residual is `b` itself.
    fn iterate(
        &mut self,
        mut x: Vec<f64>,
        zero: bool,
        options: &SolveOptions,
    ) -> Result<Solution, SolveError> {
        let solve_start = Instant::now();
        let mut stats = SolveStats {
            setup_s: self.setup_s,
            levels: self.hierarchy.levels(),
            ..Default::default()
        };
        let norms = self.system.norms_with(self.a_inf);
        let n = self.system.cells();
        let mut r = vec![0.0; n];
        let mut quality = if zero {
            self.system.residual_of_zero(&mut r);
            Quality::of(&norms, &x, &r)
        } else {
            self.system.quality_with(&norms, &x, &mut r)
        };
        let mut fields = std::mem::take(&mut self.fields);
        let mg = self.multigrid(options);
        if !options.tolerance.met(&quality) && options.max_cycles > 0 {
            // full multigrid on the correction: a start within the discretisation error
            mg.full_multigrid(&mut r, &mut fields);
            if zero {
                // 0 + e: take the correction's vector (the field gets the zeros)
                std::mem::swap(&mut x, &mut fields[0].u);
            } else {
                axpy(1.0, &fields[0].u, &mut x);
            }
            stats.cycles += 1;
            quality = self.system.quality_with(&norms, &x, &mut r);
            stats.history.push(quality.eta);
        }
        let result = if self.system.op.symmetric() {
            mg.fcg(&mut x, &mut r, &norms, &mut fields, &mut stats, quality)
        } else {
            mg.bicgstab(&mut x, &mut r, &norms, &mut fields, &mut stats, quality)
        };
        self.fields = fields;
        stats.quality = result;
        stats.solve_s = solve_start.elapsed().as_secs_f64();
        if !options.tolerance.met(&result) {
            return Err(SolveError::NotConverged {
                cycles: stats.cycles,
                eta: result.eta,
                rel: result.rel_residual,
            });
        }
        Ok(Solution { u: x, stats })
    }
}

impl Prepared for CpuPrepared {
    fn solve(
        &mut self,
        rhs: &Rhs,
        guess: Option<&[f64]>,
        options: &SolveOptions,
    ) -> Result<Solution, SolveError> {
        check_rhs(&self.system, rhs)?;
        self.system.set_rhs(rhs);
        let n = self.system.cells();
        let x = match guess {
            Some(g) if g.len() == n && g.iter().all(|v| v.is_finite()) => Some(g.to_vec()),
            _ => None,
        };
        let zero = x.is_none();
        self.iterate(x.unwrap_or_else(|| vec![0.0; n]), zero, options)
    }

    fn levels(&self) -> usize {
        self.hierarchy.levels()
    }

    fn time_smoother(&mut self, sweeps: usize) -> Result<f64, SolveError> {
        let f = &mut self.fields[0];
        // the last solve's right-hand side (zeros before any: the work is the same)
        f.s.clone_from(&self.system.rhs);
        f.u.fill(0.0);
        let start = Instant::now();
        if self.hierarchy.smoothing == Smoothing::Lines {
            f.smooth_lines_finest(&self.system.op, &self.lines[0], sweeps.div_ceil(2), false);
        } else {
            smooth5(&self.system.op, f, sweeps);
        }
        Ok(start.elapsed().as_secs_f64() / sweeps.max(1) as f64)
    }

    fn probe(&mut self, probe: Probe, a: &[f64], b: &[f64]) -> Result<Vec<f64>, SolveError> {
        let options = SolveOptions::f64_target();
        let mg = Multigrid {
            system: &self.system,
            hierarchy: &self.hierarchy,
            lines: &self.lines,
            options: &options,
        };
        let fields = &mut self.fields;
        let last = fields.len() - 1;
        let check = |level: usize, len: usize| -> Result<(), SolveError> {
            let n = fields.get(level).map_or(0, |f| f.u.len());
            if level > last || len != n {
                return Err(SolveError::Problem(super::ProblemError {
                    field: format!("probe.level[{level}]"),
                    reason: format!("expected {n} values, found {len}"),
                }));
            }
            Ok(())
        };
        Ok(match probe {
            Probe::Smooth { level, sweeps } => {
                check(level, a.len())?;
                let f = &mut fields[level];
                f.u.copy_from_slice(a);
                f.s.copy_from_slice(b);
                mg.smooth(level, f, sweeps, false);
                f.u.clone()
            }
            Probe::Residual { level } => {
                check(level, a.len())?;
                let f = &mut fields[level];
                f.u.copy_from_slice(a);
                f.s.copy_from_slice(b);
                mg.residual(level, f);
                f.r.clone()
            }
            Probe::Restrict { level } => {
                check(level + 1, fields.get(level + 1).map_or(0, |f| f.u.len()))?;
                check(level, a.len())?;
                let mut out = vec![0.0; fields[level + 1].u.len()];
                restrict(&mg.coarse(level + 1).p, a, mg.nx(level), &mut out);
                out
            }
            Probe::Prolong { level } => {
                check(level + 1, a.len())?;
                check(level, b.len())?;
                let mut u = b.to_vec();
                prolong_add(&mg.coarse(level + 1).p, a, mg.nx(level), &mut u);
                u
            }
            Probe::Coarse => {
                check(last, a.len())?;
                let mut u = vec![0.0; a.len()];
                self.hierarchy.coarsest.solve(a, &mut u);
                u
            }
        })
    }

    fn level_sizes(&self) -> Vec<(usize, usize)> {
        std::iter::once((self.system.op.nx, self.system.op.ny))
            .chain(self.hierarchy.coarse.iter().map(|l| (l.op.nx, l.op.ny)))
            .collect()
    }

    fn sweep_bytes_per_cell(&self) -> f64 {
        match self.system.op.faces {
            // reads u, cx, cy, anchor and rhs, writes u (f64 each)
            Faces::Symmetric { .. } => 48.0,
            // reads u, four couplings, anchor and rhs, writes u
            Faces::General { .. } => 64.0,
        }
    }
}

#[derive(Clone, Copy)]
struct Multigrid<'a> {
    system: &'a System,
    hierarchy: &'a Hierarchy,
    lines: &'a [LineFactors],
    options: &'a SolveOptions,
}

impl Multigrid<'_> {
    /// Cycles on each coarse level per visit: two (a W-cycle) for a symmetric operator smoothed
    /// by lines — strong coefficient contrast, where the coarse problems are as hard as the
    /// finest and one V-cycle leaves much of their error (the hall's power sheet: 3 cycles to a
    /// relative residual of 1e-6 instead of 8, in 30 % less time); one (a V-cycle) otherwise,
    /// where a W-cycle costs more than it saves (measured on the benchmark and the hall's air).
    fn coarse_visits(&self) -> usize {
        if self.hierarchy.smoothing == Smoothing::Lines && self.system.op.symmetric() {
            2
        } else {
            1
        }
    }

    fn coarse(&self, level: usize) -> &CoarseLevel {
        &self.hierarchy.coarse[level - 1]
    }

    /// One V-cycle on the correction equation of `level` (right-hand side in `fields[level].s`,
    /// correction in `fields[level].u`, starting from its current value).
    fn vcycle(&self, level: usize, fields: &mut [Fields]) {
        let last = fields.len() - 1;
        if level == last {
            let f = &mut fields[level];
            self.hierarchy.coarsest.solve(&f.s, &mut f.u);
            return;
        }
        let (pre, post) = (self.options.pre_sweeps, self.options.post_sweeps);
        let next = self.coarse(level + 1);
        // on the finest level under point smoothing, the last pre-smoothing pair goes in one
        // pass with the residual and its restriction, the first post-smoothing pair with the
        // interpolated correction
        let (cells, ny) = if level == 0 {
            (self.system.op.cells(), self.system.op.ny)
        } else {
            let op = &self.coarse(level).op;
            (op.cells(), op.ny)
        };
        let threads = threads_for(cells, ny);
        let fused = self.hierarchy.smoothing == Smoothing::Point && stages_fit(ny, threads, 6);
        {
            let (fine, rest) = fields.split_at_mut(level + 1);
            let coarse = &mut rest[0];
            if fused && pre >= 2 {
                self.smooth(level, &mut fine[level], pre - 2, false);
                let (f, s) = (&mut fine[level], &mut coarse.s);
                match level {
                    0 => pre_pass(&self.system.op, f, &next.p, s, threads),
                    _ => pre_pass9(&self.coarse(level).op, f, &next.p, s, threads),
                }
            } else {
                self.smooth(level, &mut fine[level], pre, false);
                self.residual(level, &mut fine[level]);
                restrict(&next.p, &fine[level].r, self.nx(level), &mut coarse.s);
            }
            coarse.u.fill(0.0);
        }
        // the coarsest level is solved exactly: once is enough
        let visits = if level + 2 < fields.len() {
            self.coarse_visits()
        } else {
            1
        };
        for _ in 0..visits {
            self.vcycle(level + 1, fields);
        }
        let (fine, rest) = fields.split_at_mut(level + 1);
        if fused && post >= 2 {
            let (f, e) = (&mut fine[level], &rest[0].u);
            match level {
                0 => post_pass(&self.system.op, f, &next.p, e, threads),
                _ => post_pass9(&self.coarse(level).op, f, &next.p, e, threads),
            }
            self.smooth(level, &mut fine[level], post - 2, true);
        } else {
            prolong_add(&next.p, &rest[0].u, self.nx(level), &mut fine[level].u);
            self.smooth(level, &mut fine[level], post, true);
        }
    }

    fn nx(&self, level: usize) -> usize {
        if level == 0 {
            self.system.op.nx
        } else {
            self.coarse(level).op.nx
        }
    }

    fn smooth(&self, level: usize, f: &mut Fields, sweeps: usize, reverse: bool) {
        if self.hierarchy.smoothing == Smoothing::Lines {
            // an alternating line sweep does the work of two point sweeps
            let sweeps = sweeps.div_ceil(2);
            let factors = &self.lines[level];
            if level == 0 {
                f.smooth_lines_finest(&self.system.op, factors, sweeps, reverse);
            } else {
                f.smooth_lines(&self.coarse(level).op, factors, sweeps, reverse);
            }
            return;
        }
        if level == 0 {
            smooth5(&self.system.op, f, sweeps);
        } else {
            smooth9(&self.coarse(level).op, f, sweeps);
        }
    }

    fn residual(&self, level: usize, f: &mut Fields) {
        if level == 0 {
            residual5(&self.system.op, f);
        } else {
            residual9(&self.coarse(level).op, f);
        }
    }

    /// Full multigrid for the correction of residual `r`: `r` restricted to every level, the
    /// coarsest solved, and each finer level started from the interpolated coarse correction
    /// plus one V-cycle. The correction ends in `fields[0].u`.
    fn full_multigrid(&self, r: &mut Vec<f64>, fields: &mut [Fields]) {
        let last = fields.len() - 1;
        // r is lent to the finest level as its right-hand side (swapped in and back)
        std::mem::swap(r, &mut fields[0].s);
        for level in 0..last {
            let (fine, rest) = fields.split_at_mut(level + 1);
            let next = self.coarse(level + 1);
            restrict(&next.p, &fine[level].s, self.nx(level), &mut rest[0].s);
        }
        {
            let f = &mut fields[last];
            self.hierarchy.coarsest.solve(&f.s, &mut f.u);
        }
        for level in (0..last).rev() {
            let (fine, rest) = fields.split_at_mut(level + 1);
            fine[level].u.fill(0.0);
            prolong_add(
                &self.coarse(level + 1).p,
                &rest[0].u,
                self.nx(level),
                &mut fine[level].u,
            );
            self.vcycle(level, fields);
        }
        std::mem::swap(r, &mut fields[0].s);
    }

    /// z = M r: one V-cycle from zero, z in `fields[0].u`; r is lent to the finest level as
    /// its right-hand side (swapped in and back, not copied).
    fn precondition(&self, r: &mut Vec<f64>, fields: &mut [Fields]) {
        std::mem::swap(r, &mut fields[0].s);
        fields[0].u.fill(0.0);
        self.vcycle(0, fields);
        std::mem::swap(r, &mut fields[0].s);
    }

    /// Flexible conjugate gradients with one V-cycle as the preconditioner: the cycle alone
    /// converges fast, and the Krylov recurrence removes the few modes a cycle may leave.
    fn fcg(
        &self,
        x: &mut [f64],
        r: &mut Vec<f64>,
        norms: &Norms,
        fields: &mut [Fields],
        stats: &mut SolveStats,
        mut quality: Quality,
    ) -> Quality {
        let n = x.len();
        let op = &self.system.op;
        // the next p is made in the finest level's residual field (free between cycles), so
        // the pass that makes it can read the old p on the rows around its block while other
        // threads write theirs; the two then trade places
        let (mut p, mut q) = (vec![0.0; n], vec![0.0; n]);
        let mut pq_prev = 0.0;
        while !self.options.tolerance.met(&quality) && stats.cycles < self.options.max_cycles {
            self.precondition(r, fields);
            let finest = &mut fields[0];
            let beta = if pq_prev > 0.0 {
                dot(&finest.u, &q) / pq_prev
            } else {
                0.0
            };
            let [pq, pr] = direction(op, &finest.u, beta, &p, &mut finest.r, &mut q, r);
            std::mem::swap(&mut p, &mut finest.r);
            if pq.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                break; // p = 0: the residual is already at rounding level
            }
            let alpha = pr / pq;
            pq_prev = pq;
            stats.cycles += 1;
            // the recurrence's residual steers the iteration; where it says the tolerance is
            // met, the true residual decides (so eta is exact whatever rounding did)
            quality = Quality::from_sums(norms, step(alpha, &p, &q, x, r));
            if self.options.tolerance.met(&quality) {
                quality = self.system.quality_with(norms, x, r);
            }
            stats.history.push(quality.eta);
        }
        quality
    }

    /// BiCGStab, right-preconditioned by one V-cycle per application (two per iteration), with
    /// the true residual replacing the recurrence after every iteration.
    fn bicgstab(
        &self,
        x: &mut [f64],
        r: &mut [f64],
        norms: &Norms,
        fields: &mut [Fields],
        stats: &mut SolveStats,
        mut quality: Quality,
    ) -> Quality {
        let n = x.len();
        let op = &self.system.op;
        let mut rhat = r.to_vec();
        let mut phat = vec![0.0; n];
        let (mut p, mut v) = (vec![0.0; n], vec![0.0; n]);
        let (mut s, mut t) = (vec![0.0; n], vec![0.0; n]);
        let (mut rho_old, mut alpha, mut omega) = (1.0f64, 1.0f64, 1.0f64);
        // p and v are zero (at the start and after a restart), so the next p is r: set without
        // reading them (fresh vectors' pages read before they are written cost a second fault
        // and a TLB shootdown each when written, see `direction`)
        let mut restarted = true;
        while !self.options.tolerance.met(&quality) && stats.cycles < self.options.max_cycles {
            let mut rho = dot(&rhat, r);
            if rho.abs() < 1e-300 {
                // breakdown: restart with the current residual as the shadow
                rhat.copy_from_slice(r);
                rho = dot(&rhat, r);
                restarted = true;
                (rho_old, alpha, omega) = (1.0, 1.0, 1.0);
                if rho <= 0.0 {
                    break;
                }
            }
            let beta = (rho / rho_old) * (alpha / omega);
            if restarted {
                each_mut(&mut p, |k, p| *p = r[k]);
                restarted = false;
            } else {
                each_mut(&mut p, |k, p| *p = r[k] + beta * (*p - omega * v[k]));
            }
            self.precondition(&mut p, fields);
            std::mem::swap(&mut phat, &mut fields[0].u);
            op.apply(&phat, &mut v);
            let rv = dot(&rhat, &v);
            if rv == 0.0 || !rv.is_finite() {
                break;
            }
            alpha = rho / rv;
            each_mut(&mut s, |k, s| *s = r[k] - alpha * v[k]);
            axpy(alpha, &phat, x);
            stats.cycles += 1;
            self.precondition(&mut s, fields);
            let shat = &fields[0].u;
            op.apply(shat, &mut t);
            let tt = dot(&t, &t);
            omega = if tt > 0.0 { dot(&t, &s) / tt } else { 0.0 };
            axpy(omega, shat, x);
            stats.cycles += 1;
            rho_old = rho;
            quality = self.system.quality_with(norms, x, r);
            stats.history.push(quality.eta);
            if omega == 0.0 {
                // stagnation: restart from the true residual
                rhat.copy_from_slice(r);
                restarted = true;
                (rho_old, alpha, omega) = (1.0, 1.0, 1.0);
            }
        }
        quality
    }
}

/// The next search direction `p_next = z - beta p` and `q = A p_next` in one pass over memory
/// (each block of rows makes its rows of `p_next` just ahead of the rows of `q` that read them,
/// and the rows around the block from `z` and `p`, which no thread writes), returning
/// `[p_next . q, p_next . r]`.
fn direction(
    op: &Operator,
    z: &[f64],
    beta: f64,
    p: &[f64],
    p_next: &mut [f64],
    q: &mut [f64],
    r: &[f64],
) -> [f64; 2] {
    let (nx, ny) = (op.nx, op.ny);
    let make = |j: usize, out: &mut [f64]| {
        let row = j * nx;
        if beta == 0.0 {
            // the first direction is z itself, and p is not read: p is then a fresh vector,
            // whose pages reading would map to the kernel's shared zero page, so that each of
            // them would fault again when first written (by the smoother, where p goes next),
            // that time with a TLB shootdown across the solver's threads (about 12 µs a page
            // against 1.3 µs on the 2-core VM: 11 ms of a 0.14 s power-sheet solve)
            out.copy_from_slice(&z[row..row + nx]);
            return;
        }
        for ((o, z), p) in out.iter_mut().zip(&z[row..row + nx]).zip(&p[row..row + nx]) {
            *o = z - beta * p;
        }
    };
    let parts = for_row_blocks2(q, p_next, nx, |j0, qb, pb| {
        let rows = qb.len() / nx;
        let j1 = j0 + rows;
        let mut south = vec![0.0; if j0 > 0 { nx } else { 0 }];
        if j0 > 0 {
            make(j0 - 1, &mut south);
        }
        let mut north = vec![0.0; if j1 < ny { nx } else { 0 }];
        if j1 < ny {
            make(j1, &mut north);
        }
        if rows > 0 {
            make(j0, &mut pb[..nx]);
        }
        let (mut pq, mut pr) = (0.0, 0.0);
        for k in 0..rows {
            let j = j0 + k;
            if k + 1 < rows {
                make(j + 1, &mut pb[(k + 1) * nx..(k + 2) * nx]);
            }
            let below: &[f64] = if k > 0 {
                &pb[(k - 1) * nx..k * nx]
            } else {
                &south
            };
            let mid = &pb[k * nx..(k + 1) * nx];
            let above: &[f64] = if k + 1 < rows {
                &pb[(k + 1) * nx..(k + 2) * nx]
            } else {
                &north
            };
            let out = &mut qb[k * nx..(k + 1) * nx];
            op.row_fluxes_of(j, [below, mid, above], out);
            let base = j * nx;
            let (anchor, r) = (&op.anchor[base..base + nx], &r[base..base + nx]);
            for i in 0..nx {
                out[i] += anchor[i] * mid[i];
                pq += mid[i] * out[i];
                pr += mid[i] * r[i];
            }
        }
        [pq, pr]
    });
    parts
        .iter()
        .fold([0.0; 2], |a, b| [a[0] + b[0], a[1] + b[1]])
}

/// `x += alpha p`, `r -= alpha q` and the sums of [`Quality::from_sums`] over the new (r, x), in
/// one pass (blocks of fixed size, so the sums do not depend on the threads).
fn step(alpha: f64, p: &[f64], q: &[f64], x: &mut [f64], r: &mut [f64]) -> [f64; 4] {
    let block = |k: usize, x: &mut [f64], r: &mut [f64]| {
        let (p, q) = (&p[k * FOLD_BLOCK..], &q[k * FOLD_BLOCK..]);
        let (mut bad, mut r_inf, mut r_two, mut x_inf) = (false, 0.0f64, 0.0f64, 0.0f64);
        for k in 0..x.len() {
            x[k] += alpha * p[k];
            r[k] -= alpha * q[k];
            let (xv, rv) = (x[k], r[k]);
            bad |= !(rv.is_finite() && xv.is_finite());
            r_inf = r_inf.max(rv.abs());
            r_two += rv * rv;
            x_inf = x_inf.max(xv.abs());
        }
        [if bad { 1.0 } else { 0.0 }, r_inf, r_two, x_inf]
    };
    let parts = for_chunks2(x, r, FOLD_BLOCK, block);
    parts.into_iter().fold([0.0; 4], Quality::combine)
}

/// A solution vector that smoothing threads update in place, each its own cells.
struct SharedCells {
    ptr: *mut f64,
    len: usize,
}

// SAFETY: the smoothers write disjoint cells: within a colour phase a thread writes only
// cells of that colour in its own rows and reads only cells of other colours (no neighbour of
// a cell has its colour), and where one block's writes meet another block's reads (the
// red–black fusion's block edges) those rows are updated after the threads have joined.
unsafe impl Sync for SharedCells {}

impl SharedCells {
    fn new(u: &mut [f64]) -> Self {
        SharedCells {
            ptr: u.as_mut_ptr(),
            len: u.len(),
        }
    }

    /// # Safety
    /// `p < len`, and no other thread writes cell p now.
    #[inline(always)]
    unsafe fn read(&self, p: usize) -> f64 {
        debug_assert!(p < self.len);
        unsafe { *self.ptr.add(p) }
    }

    /// # Safety
    /// `p < len`, and no other thread reads or writes cell p now.
    #[inline(always)]
    unsafe fn write(&self, p: usize, v: f64) {
        debug_assert!(p < self.len);
        unsafe { *self.ptr.add(p) = v }
    }

    /// Cells `from..to` to read.
    ///
    /// # Safety
    /// `from <= to <= len`, and no thread writes those cells while the slice lives.
    #[inline(always)]
    unsafe fn cells(&self, from: usize, to: usize) -> &[f64] {
        assert!(from <= to && to <= self.len);
        unsafe { std::slice::from_raw_parts(self.ptr.add(from), to - from) }
    }

    /// Cells `from..to` to write.
    ///
    /// # Safety
    /// `from <= to <= len`, and no other thread reads or writes those cells while the slice
    /// lives.
    #[allow(clippy::mut_from_ref)] // disjoint rows per thread, as `SharedCells` says
    #[inline(always)]
    unsafe fn cells_mut(&self, from: usize, to: usize) -> &mut [f64] {
        assert!(from <= to && to <= self.len);
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(from), to - from) }
    }

    /// Row j of a grid nx wide and the rows either side of it (empty beyond the grid's
    /// `ny` rows), to read.
    ///
    /// # Safety
    /// As [`SharedCells::cells`] for rows j - 1 ..= j + 1.
    #[inline(always)]
    unsafe fn rows3(&self, j: usize, nx: usize, ny: usize) -> [&[f64]; 3] {
        let row = j * nx;
        unsafe {
            [
                if j > 0 {
                    self.cells(row - nx, row)
                } else {
                    &[]
                },
                self.cells(row, row + nx),
                if j + 1 < ny {
                    self.cells(row + nx, row + 2 * nx)
                } else {
                    &[]
                },
            ]
        }
    }
}

/// Threads for a level of `cells` cells and `rows` rows.
fn threads_for(cells: usize, rows: usize) -> usize {
    threads_for_len(cells).min(rows / 4).max(1)
}

/// Interior couplings of the finest level, read without bounds checks.
trait Interior: Sync {
    /// W, E, S, N couplings of an interior cell p (not on the grid's edge).
    ///
    /// # Safety
    /// p must be an interior cell of the level the couplings belong to.
    unsafe fn at(&self, p: usize) -> [f64; 4];
}

struct SymInterior<'a> {
    cx: &'a [f64],
    cy: &'a [f64],
    nx: usize,
}

impl Interior for SymInterior<'_> {
    #[inline(always)]
    unsafe fn at(&self, p: usize) -> [f64; 4] {
        unsafe {
            [
                *self.cx.get_unchecked(p - 1),
                *self.cx.get_unchecked(p),
                *self.cy.get_unchecked(p - self.nx),
                *self.cy.get_unchecked(p),
            ]
        }
    }
}

struct GenInterior<'a> {
    c: &'a [[f64; 4]],
}

impl Interior for GenInterior<'_> {
    #[inline(always)]
    unsafe fn at(&self, p: usize) -> [f64; 4] {
        unsafe { *self.c.get_unchecked(p) }
    }
}

/// `sweeps` red–black Gauss–Seidel sweeps on the finest level, each update in correction form.
/// Sweeps go in pairs, each pair in one pass over memory ([`smooth5_pair`]).
fn smooth5(op: &Operator, f: &mut Fields, sweeps: usize) {
    match &op.faces {
        Faces::Symmetric { cx, cy } => {
            smooth5_by_pairs(op, &SymInterior { cx, cy, nx: op.nx }, f, sweeps)
        }
        Faces::General { c } => smooth5_by_pairs(op, &GenInterior { c }, f, sweeps),
    }
}

fn smooth5_by_pairs(op: &Operator, interior: &impl Interior, f: &mut Fields, sweeps: usize) {
    for _ in 0..sweeps / 2 {
        smooth5_pair(op, interior, f);
    }
    if sweeps % 2 == 1 {
        smooth5_with(op, interior, f, 1);
    }
}

/// Two red–black sweeps in one pass over memory (temporal blocking). The four stages — red 1,
/// black 1, red 2, black 2 — follow each other down the rows as a wavefront: at row t, red 1 of
/// row t, black 1 of t - 1, red 2 of t - 2, black 2 of t - 3, each reading only rows its stage
/// before has finished. So the result is exactly that of two sweeps one after the other, with
/// the data of a few rows in cache instead of two trips through memory.
///
/// Threads take one block of rows each. Near a block's edge a stage needs rows of the next
/// block at the stage before, so stage s (1 for black 1, 2 for red 2, 3 for black 2) of the s
/// rows at each inner edge waits until every thread is done, and is then run in stage order
/// across the edge. Until then no thread writes a cell another reads: a block's red-1 rows read
/// only black cells of the next block's edge row, which no stage but the waiting ones writes.
fn smooth5_pair(op: &Operator, interior: &impl Interior, f: &mut Fields) {
    smooth5_pair_in(op, interior, f, threads_for(op.cells(), op.ny));
}

/// [`smooth5_pair`] in `threads` blocks of rows.
fn smooth5_pair_in(op: &Operator, interior: &impl Interior, f: &mut Fields, threads: usize) {
    if !stages_fit(op.ny, threads, 4) {
        smooth5_with(op, interior, f, 2);
        return;
    }
    let cells = SharedCells::new(&mut f.u);
    let s = &f.s;
    sweep_stages(op.ny, threads, 4, |j, stage| {
        relax_row5(op, interior, s, &cells, j, stage % 2)
    });
}

/// Whether a level of `ny` rows in `threads` blocks can run a wavefront of `stages` stages
/// (each block's rows that wait at either end must not meet).
fn stages_fit(ny: usize, threads: usize, stages: usize) -> bool {
    threads == 1 || ny.div_ceil(threads) >= 2 * stages
}

/// A level's last two pre-smoothing sweeps, its residual and the residual's restriction to the
/// next level (into `coarse_s`) in one pass over memory: the wavefront of a sweep pair
/// (`relax(j, stage)` for stages 0..4, as [`smooth5_pair`] or the coarse levels' pairs) with two
/// stages more, the residual of row t - 4 (`residual(j, rows of u around j, out)`: its rows have
/// had both sweeps by then) and the coarse row gathered from rows t - 6 .. t - 4. Exactly what
/// the separate sweeps, residual and restriction give.
#[allow(clippy::too_many_arguments)] // the level's fields, its operator's two kernels, the transfer
fn pair_restrict_pass(
    (nx, ny): (usize, usize),
    threads: usize,
    f: &mut Fields,
    w: &Weights,
    coarse_s: &mut [f64],
    relax: impl Fn(&SharedCells, &[f64], usize, usize) + Sync,
    residual: impl Fn(usize, &[f64], [&[f64]; 3], &mut [f64]) + Sync,
) {
    let (cells, res, out) = (
        SharedCells::new(&mut f.u),
        SharedCells::new(&mut f.r),
        SharedCells::new(coarse_s),
    );
    let s = &f.s;
    sweep_stages(ny, threads, 6, |j, stage| match stage {
        0..=3 => relax(&cells, s, j, stage),
        // SAFETY: the wavefront has finished rows j - 1 ..= j + 1 of u (no stage writes them
        // now) and row j of r is this stage's alone
        4 => unsafe {
            residual(
                j,
                s,
                cells.rows3(j, nx, ny),
                res.cells_mut(j * nx, (j + 1) * nx),
            );
        },
        _ => {
            let cj = if w.ry == 2 {
                if j % 2 == 1 {
                    return;
                }
                j / 2
            } else {
                j
            };
            // SAFETY: rows j - 1 ..= j + 1 of r are final, coarse row cj is this stage's alone
            unsafe {
                let rows = if w.ry == 2 {
                    res.rows3(j, nx, ny)
                } else {
                    [&[][..], res.cells(j * nx, (j + 1) * nx), &[][..]]
                };
                restrict_row(w, rows, nx, cj, out.cells_mut(cj * w.cnx, (cj + 1) * w.cnx));
            }
        }
    });
}

/// The coarse correction `e` added to a level and its first two post-smoothing sweeps in one
/// pass over memory: the wavefront of a sweep pair (`relax(j, stage)`, stages 0..4) behind a
/// stage that interpolates row t. Exactly what `prolong_add` and the two sweeps give.
fn prolong_pair_pass(
    (nx, ny): (usize, usize),
    threads: usize,
    f: &mut Fields,
    w: &Weights,
    e: &[f64],
    relax: impl Fn(&SharedCells, &[f64], usize, usize) + Sync,
) {
    let cells = SharedCells::new(&mut f.u);
    let s = &f.s;
    sweep_stages(ny, threads, 5, |j, stage| match stage {
        // SAFETY: row j is this stage's alone until the sweeps behind it reach it
        0 => prolong_row(w, e, j, unsafe { cells.cells_mut(j * nx, (j + 1) * nx) }),
        _ => relax(&cells, s, j, stage - 1),
    });
}

/// Row j of the residual `s - A u` (correction form), `out` holding the row's fluxes and `u`
/// its values on entry.
#[inline(always)]
fn finish_residual(anchor: &[f64], s: &[f64], (j, nx): (usize, usize), u: &[f64], out: &mut [f64]) {
    let row = j * nx;
    let (s, a) = (&s[row..row + nx], &anchor[row..row + nx]);
    for i in 0..nx {
        out[i] = s[i] - out[i] - a[i] * u[i];
    }
}

/// The finest level's [`pair_restrict_pass`] (red–black sweeps), whichever faces it has.
fn pre_pass(op: &Operator, f: &mut Fields, w: &Weights, coarse_s: &mut [f64], threads: usize) {
    fn run(
        op: &Operator,
        interior: &impl Interior,
        f: &mut Fields,
        (w, coarse_s): (&Weights, &mut [f64]),
        threads: usize,
    ) {
        pair_restrict_pass(
            (op.nx, op.ny),
            threads,
            f,
            w,
            coarse_s,
            |u, s, j, stage| relax_row5(op, interior, s, u, j, stage % 2),
            |j, s, rows, out| {
                op.row_fluxes_of(j, rows, out);
                finish_residual(&op.anchor, s, (j, op.nx), rows[1], out)
            },
        )
    }
    match &op.faces {
        Faces::Symmetric { cx, cy } => {
            let interior = SymInterior { cx, cy, nx: op.nx };
            run(op, &interior, f, (w, coarse_s), threads)
        }
        Faces::General { c } => run(op, &GenInterior { c }, f, (w, coarse_s), threads),
    }
}

/// The finest level's [`prolong_pair_pass`], whichever faces it has.
fn post_pass(op: &Operator, f: &mut Fields, w: &Weights, e: &[f64], threads: usize) {
    fn run(
        op: &Operator,
        interior: &impl Interior,
        f: &mut Fields,
        w: &Weights,
        e: &[f64],
        t: usize,
    ) {
        let relax = |u: &SharedCells, s: &[f64], j, stage: usize| {
            relax_row5(op, interior, s, u, j, stage % 2)
        };
        prolong_pair_pass((op.nx, op.ny), t, f, w, e, relax)
    }
    match &op.faces {
        Faces::Symmetric { cx, cy } => {
            let interior = SymInterior { cx, cy, nx: op.nx };
            run(op, &interior, f, w, e, threads)
        }
        Faces::General { c } => run(op, &GenInterior { c }, f, w, e, threads),
    }
}

/// One stage of a coarse level's sweep pair: the even rows at stages 0 and 2, the odd rows at
/// 1 and 3 (see [`smooth9`]).
fn relax_stage9(op: &Stencil9, u: &SharedCells, s: &[f64], j: usize, stage: usize) {
    if j % 2 == stage % 2 {
        relax_row9(op, s, u, j);
    }
}

/// A coarse level's [`pair_restrict_pass`] (four-colour sweeps).
fn pre_pass9(op: &Stencil9, f: &mut Fields, w: &Weights, coarse_s: &mut [f64], threads: usize) {
    pair_restrict_pass(
        (op.nx, op.ny),
        threads,
        f,
        w,
        coarse_s,
        |u, s, j, stage| relax_stage9(op, u, s, j, stage),
        |j, s, rows, out| {
            op.row_fluxes_of(j, rows, out);
            finish_residual(&op.anchor, s, (j, op.nx), rows[1], out)
        },
    )
}

/// A coarse level's [`prolong_pair_pass`].
fn post_pass9(op: &Stencil9, f: &mut Fields, w: &Weights, e: &[f64], threads: usize) {
    let relax = |u: &SharedCells, s: &[f64], j, stage| relax_stage9(op, u, s, j, stage);
    prolong_pair_pass((op.nx, op.ny), threads, f, w, e, relax)
}

/// The wavefront of `stages` stages over `ny` rows in `threads` blocks (see [`smooth5_pair`]
/// for two red–black sweeps, four stages): `relax(j, stage)` does what stage `stage` does in
/// row j, which may read what every earlier stage did in rows j - 1 ..= j + 1. Stage s of the
/// s rows at each inner block edge waits until every block is done and then runs in stage
/// order across the edge. Blocks are at least 2 `stages` rows (but the last).
fn sweep_stages(ny: usize, threads: usize, stages: usize, relax: impl Fn(usize, usize) + Sync) {
    let block = ny.div_ceil(threads);
    let bounds = |t: usize| ((t * block).min(ny), ((t + 1) * block).min(ny));
    each(threads, |t| {
        let (j0, j1) = bounds(t);
        if j0 >= j1 {
            return;
        }
        let (lo, hi) = (j0 > 0, j1 < ny);
        let waits = |stage: usize, j: usize| (lo && j < j0 + stage) || (hi && j + stage >= j1);
        for front in j0..j1 + stages - 1 {
            for stage in 0..stages {
                let Some(j) = front.checked_sub(stage).filter(|&j| j >= j0 && j < j1) else {
                    continue;
                };
                if !waits(stage, j) {
                    relax(j, stage);
                }
            }
        }
    });
    // the waiting stages at each inner edge b, in stage order: rows b - s .. b + s - 1
    for t in 1..threads {
        let b = bounds(t).0;
        if b == 0 || b >= ny {
            continue;
        }
        for stage in 1..stages {
            for j in b.saturating_sub(stage)..(b + stage).min(ny) {
                relax(j, stage);
            }
        }
    }
}

/// Each sweep is one pass over memory: the red update of row j is followed at once by the black
/// update of row j - 1, whose red neighbours (rows j - 2 .. j) are then all new. Rows are split
/// into one block per thread; a block's first and last black rows wait until every block has
/// done its red rows, so the result is exactly the global red sweep followed by the black one.
fn smooth5_with(op: &Operator, interior: &impl Interior, f: &mut Fields, sweeps: usize) {
    let threads = threads_for(op.cells(), op.ny);
    let cells = SharedCells::new(&mut f.u);
    let s = &f.s;
    let block = op.ny.div_ceil(threads);
    for _ in 0..sweeps {
        let relax = |j: usize, colour: usize| relax_row5(op, interior, s, &cells, j, colour);
        each(threads, |t| {
            let (j0, j1) = ((t * block).min(op.ny), ((t + 1) * block).min(op.ny));
            sweep_block(j0, j1, &relax);
        });
        for t in 0..threads {
            let (j0, j1) = (t * block, ((t + 1) * block).min(op.ny));
            if j1 > j0 {
                relax(j0, 1);
                if j1 - 1 > j0 {
                    relax(j1 - 1, 1);
                }
            }
        }
    }
}

/// Red rows j0..j1 and black rows j0+1..j1-1 of one block, fused row by row.
fn sweep_block(j0: usize, j1: usize, relax: &(impl Fn(usize, usize) + Sync)) {
    for j in j0..j1 {
        relax(j, 0);
        if j >= j0 + 2 {
            relax(j - 1, 1);
        }
    }
}

/// Updates the cells of one colour in row j (red: (i + j) even) of the finest level.
fn relax_row5(
    op: &Operator,
    interior: &impl Interior,
    s: &[f64],
    u: &SharedCells,
    j: usize,
    colour: usize,
) {
    let (nx, ny) = (op.nx, op.ny);
    let row = j * nx;
    let first = (j + colour) % 2;
    if j == 0 || j + 1 == ny || nx < 3 {
        for i in (first..nx).step_by(2) {
            relax_cell5(op, s, u, row + i);
        }
        return;
    }
    // an interior row: the end cells have missing neighbours, the rest do not, so the loop
    // over them needs no neighbour tests (this loop is most of a solve's time)
    if first == 0 {
        relax_cell5(op, s, u, row);
    }
    let start = if first == 0 { 2 } else { 1 };
    let end = row + nx - 1; // exclusive: the last cell is done below
    let anchor = &op.anchor[..];
    assert!(row + 2 * nx <= u.len && row + 2 * nx <= s.len() && row + 2 * nx <= anchor.len());
    let mut p = row + start;
    while p < end {
        // SAFETY: p is an interior cell (0 < i < nx - 1, 0 < j < ny - 1), so p ± 1 and p ± nx
        // are in bounds (asserted above); the cells read and written follow `SharedCells`.
        unsafe {
            let up = u.read(p);
            let [cw, ce, cs, cn] = interior.at(p);
            let a = *anchor.get_unchecked(p);
            let flux = ce * (up - u.read(p + 1))
                + cw * (up - u.read(p - 1))
                + cn * (up - u.read(p + nx))
                + cs * (up - u.read(p - nx));
            let diag = ce + cw + cn + cs + a;
            u.write(p, up + (*s.get_unchecked(p) - flux - a * up) / diag);
        }
        p += 2;
    }
    if (nx - 1 + first).is_multiple_of(2) {
        relax_cell5(op, s, u, row + nx - 1);
    }
}

/// `sum_N c_PN (v - u_N)` at (i, j) of the finest level (couplings W, E, S, N in `c`), each
/// neighbour tested against the grid's edge.
///
/// # Safety
/// (i, j) is on the nx × ny grid of `u`, and `u` follows [`SharedCells`].
#[inline(always)]
unsafe fn flux5_tested(
    u: &SharedCells,
    c: [f64; 4],
    v: f64,
    (i, j): (usize, usize),
    (nx, ny): (usize, usize),
) -> f64 {
    let p = j * nx + i;
    let mut flux = 0.0;
    unsafe {
        if i > 0 {
            flux += c[0] * (v - u.read(p - 1));
        }
        if i + 1 < nx {
            flux += c[1] * (v - u.read(p + 1));
        }
        if j > 0 {
            flux += c[2] * (v - u.read(p - nx));
        }
        if j + 1 < ny {
            flux += c[3] * (v - u.read(p + nx));
        }
    }
    flux
}

/// Updates finest-level cell p, whichever neighbours it has (correction form: anchor value 0).
fn relax_cell5(op: &Operator, s: &[f64], u: &SharedCells, p: usize) {
    let (nx, ny) = (op.nx, op.ny);
    let (i, j) = (p % nx, p / nx);
    let c = op.couplings4(p);
    // SAFETY: every index is a neighbour that exists; see `SharedCells` for the threads.
    unsafe {
        let up = u.read(p);
        let flux = flux5_tested(u, c, up, (i, j), (nx, ny));
        let a = op.anchor[p];
        let diag = c.iter().sum::<f64>() + a;
        u.write(p, up + (s[p] - flux - a * up) / diag);
    }
}

/// `sweeps` four-colour Gauss–Seidel sweeps on a coarse level. The colours are the parities of
/// (i, j), updated in the order (0,0), (1,0), (0,1), (1,1); the sweep is done in one pass over
/// memory, row by row — an even row's two colours fused (each odd point right after the even
/// point east of it), then the odd row below it — which gives exactly the colour-by-colour
/// result. Rows are split into blocks of even length per thread; the odd row just above each
/// block's start waits until every thread is done.
///
/// Sweeps go in pairs, each pair in one pass over memory: the even rows are a red–black
/// sweep's red rows and the odd rows its black ones (an even row's points read only odd rows
/// and the odd rows read the even rows' new values), so [`sweep_stages`]'s wavefront applies.
fn smooth9(op: &Stencil9, f: &mut Fields, sweeps: usize) {
    smooth9_in(op, f, sweeps, threads_for(op.cells(), op.ny));
}

/// [`smooth9`] in `threads` blocks of rows.
fn smooth9_in(op: &Stencil9, f: &mut Fields, sweeps: usize, threads: usize) {
    let pairs = if !stages_fit(op.ny, threads, 4) {
        0
    } else {
        sweeps / 2
    };
    {
        let cells = SharedCells::new(&mut f.u);
        let s = &f.s;
        for _ in 0..pairs {
            sweep_stages(op.ny, threads, 4, |j, stage| {
                if j % 2 == stage % 2 {
                    relax_row9(op, s, &cells, j);
                }
            });
        }
    }
    smooth9_plain(op, f, sweeps - 2 * pairs, threads);
}

/// `sweeps` single four-colour sweeps, one pass over memory each.
fn smooth9_plain(op: &Stencil9, f: &mut Fields, sweeps: usize, threads: usize) {
    let cells = SharedCells::new(&mut f.u);
    let s = &f.s;
    let ny = op.ny;
    let block = ny.div_ceil(threads).div_ceil(2) * 2;
    let blocks: Vec<(usize, usize)> = (0..threads)
        .map(|t| (t * block, ((t + 1) * block).min(ny)))
        .filter(|(j0, j1)| j1 > j0)
        .collect();
    for _ in 0..sweeps {
        let run = |j0: usize, j1: usize| {
            for j in (j0..j1).step_by(2) {
                relax_row9(op, s, &cells, j);
                if j > j0 {
                    relax_row9(op, s, &cells, j - 1);
                }
            }
            // the block's last odd row waits for the next block's first row
            if j1.is_multiple_of(2) && j1 == ny {
                relax_row9(op, s, &cells, j1 - 1);
            }
        };
        if blocks.len() == 1 {
            run(0, ny);
        } else {
            each(blocks.len(), |b| run(blocks[b].0, blocks[b].1));
            for &(_, j1) in &blocks {
                if j1 < ny {
                    relax_row9(op, s, &cells, j1 - 1);
                }
            }
        }
    }
}

/// Updates both colours of row j of a coarse level: its even points, then its odd points
/// (the colour order of the sweep). Each pass's points do not depend on each other, and each
/// reads its own cache line of couplings.
fn relax_row9(op: &Stencil9, s: &[f64], u: &SharedCells, j: usize) {
    let nx = op.nx;
    if j == 0 || j + 1 == op.ny || nx < 3 {
        for parity in 0..2 {
            for i in (parity..nx).step_by(2) {
                relax_cell9(op, s, u, i, j);
            }
        }
        return;
    }
    // every neighbour of an interior point of this row is in bounds
    let end = (j + 1) * nx;
    assert!(end + nx <= u.len && end <= op.c.len() && end <= op.anchor.len() && end <= s.len());
    for parity in 0..2 {
        if parity == 0 {
            relax_cell9(op, s, u, 0, j);
        }
        let mut p = j * nx + if parity == 0 { 2 } else { 1 };
        let last = j * nx + nx - 1;
        while p < last {
            // SAFETY: 0 < i < nx - 1 in an interior row (bounds asserted above); see
            // `SharedCells`
            unsafe { relax_interior9(op, s, u, p) };
            p += 2;
        }
        if (nx - 1) % 2 == parity {
            relax_cell9(op, s, u, nx - 1, j);
        }
    }
}

/// Updates interior point p of a coarse level, its neighbours read unchecked.
///
/// # Safety
/// p is an interior point of `op` (all eight neighbours exist) and `u` follows
/// [`SharedCells`].
#[inline(always)]
unsafe fn relax_interior9(op: &Stencil9, s: &[f64], u: &SharedCells, p: usize) {
    let nx = op.nx;
    unsafe {
        let k = op.c.get_unchecked(p).map(f64::from);
        let a = *op.anchor.get_unchecked(p);
        let v = u.read(p);
        let flux = k[0] * (v - u.read(p - 1))
            + k[1] * (v - u.read(p + 1))
            + k[2] * (v - u.read(p - nx))
            + k[3] * (v - u.read(p + nx))
            + k[4] * (v - u.read(p - nx - 1))
            + k[5] * (v - u.read(p - nx + 1))
            + k[6] * (v - u.read(p + nx - 1))
            + k[7] * (v - u.read(p + nx + 1));
        let diag = k[0] + k[1] + k[2] + k[3] + k[4] + k[5] + k[6] + k[7] + a;
        u.write(p, v + (*s.get_unchecked(p) - flux - a * v) / diag);
    }
}

fn relax_cell9(op: &Stencil9, s: &[f64], u: &SharedCells, i: usize, j: usize) {
    let (nx, ny) = (op.nx as isize, op.ny as isize);
    let p = j * op.nx + i;
    let c = op.c[p].map(f64::from);
    // SAFETY: neighbour indices are checked against the grid; see `SharedCells`.
    unsafe {
        let up = u.read(p);
        let mut flux = 0.0;
        let mut diag = op.anchor[p];
        for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
            let (x, y) = (i as isize + di, j as isize + dj);
            if c[d] != 0.0 && x >= 0 && y >= 0 && x < nx && y < ny {
                flux += c[d] * (up - u.read((y * nx + x) as usize));
                diag += c[d];
            }
        }
        u.write(p, up + (s[p] - flux - op.anchor[p] * up) / diag);
    }
}

fn residual5(op: &Operator, f: &mut Fields) {
    let (u, s) = (&f.u, &f.s);
    for_rows(&mut f.r, op.nx, |j, row| {
        op.row_fluxes(u, j, row);
        let base = j * op.nx;
        for (i, r) in row.iter_mut().enumerate() {
            let p = base + i;
            *r = s[p] - *r - op.anchor[p] * u[p];
        }
    });
}

fn residual9(op: &Stencil9, f: &mut Fields) {
    let (u, s) = (&f.u, &f.s);
    for_rows(&mut f.r, op.nx, |j, row| {
        op.row_fluxes(u, j, row);
        let base = j * op.nx;
        for (i, r) in row.iter_mut().enumerate() {
            let p = base + i;
            *r = s[p] - *r - op.anchor[p] * u[p];
        }
    });
}

/// `out = R r` (R = P^T): each coarse point gathers the shares of the fine points around it.
pub fn restrict(w: &Weights, r: &[f64], fine_nx: usize, out: &mut [f64]) {
    let fine_ny = r.len() / fine_nx;
    for_rows(out, w.cnx, |cj, row| {
        let fj = cj * w.ry;
        let at = |j: usize| &r[j * fine_nx..(j + 1) * fine_nx];
        let rows = if w.ry == 2 {
            [
                if fj > 0 { at(fj - 1) } else { &[] },
                at(fj),
                if fj + 1 < fine_ny { at(fj + 1) } else { &[] },
            ]
        } else {
            [&[][..], at(fj), &[][..]]
        };
        restrict_row(w, rows, fine_nx, cj, row);
    });
}

/// Row cj of `R r` from the fine rows it gathers from: `rows` are fine rows 2cj - 1, 2cj,
/// 2cj + 1 when y is coarsened (the first or last empty beyond the grid), else row cj alone
/// in the middle.
pub fn restrict_row(w: &Weights, rows: [&[f64]; 3], fine_nx: usize, cj: usize, out: &mut [f64]) {
    let cnx = w.cnx;
    let (fy0, ry) = (cj * w.ry, w.ry);
    // the fine rows (first, last) of the window and their index into `rows`
    let (j0, j1) = if ry == 2 {
        (
            fy0 - usize::from(!rows[0].is_empty()),
            fy0 + usize::from(!rows[2].is_empty()),
        )
    } else {
        (fy0, fy0)
    };
    let slot_of = |fj: usize| if ry == 2 { fj + 1 - fy0 } else { 1 };
    let general = |ci: usize| -> f64 {
        let (i0, i1) = if w.rx == 2 {
            ((2 * ci).saturating_sub(1), (2 * ci + 1).min(fine_nx - 1))
        } else {
            (ci, ci)
        };
        let mut acc = 0.0;
        for fj in j0..=j1 {
            let line = rows[slot_of(fj)];
            for (fi, &v) in line.iter().enumerate().take(i1 + 1).skip(i0) {
                let (ox, oy, l) = w.local(fi, fj);
                acc += l[(cj - oy) * 2 + (ci - ox)] * v;
            }
        }
        acc
    };
    // full coarsening away from the edges: the nine fine points of each coarse point by
    // their place, with no tests
    let fast = w.rx == 2 && ry == 2 && !rows[0].is_empty() && !rows[2].is_empty();
    for (ci, out) in out.iter_mut().enumerate() {
        if !(fast && ci > 0 && 2 * ci + 1 < fine_nx) {
            *out = general(ci);
            continue;
        }
        let (fi, [dn, mid, up]) = (2 * ci, rows);
        let c = |x: usize, y: usize| w.w[y * cnx + x].map(f64::from);
        let (own, west, south, sw) = (c(ci, cj), c(ci - 1, cj), c(ci, cj - 1), c(ci - 1, cj - 1));
        *out = mid[fi]
            + own[XW] * mid[fi + 1]
            + west[XE] * mid[fi - 1]
            + own[YS] * up[fi]
            + south[YN] * dn[fi]
            + own[CSW] * up[fi + 1]
            + west[CSE] * up[fi - 1]
            + south[CNW] * dn[fi + 1]
            + sw[CNE] * dn[fi - 1];
    }
}

/// `u += P e`: each fine point adds its interpolation from the coarse points around it.
pub fn prolong_add(w: &Weights, e: &[f64], fine_nx: usize, u: &mut [f64]) {
    for_rows(u, fine_nx, |j, row| prolong_row(w, e, j, row));
}

/// Row j of [`prolong_add`].
fn prolong_row(w: &Weights, e: &[f64], j: usize, row: &mut [f64]) {
    let (cnx, cny) = (w.cnx, w.cny);
    if w.rx == 2 && w.ry == 2 {
        // full coarsening: each fine point's weights by the parity of its row and column
        let (cj, odd_row) = (j / 2, j % 2 == 1);
        let cj1 = (cj + 1).min(cny - 1);
        let (e0, e1) = (&e[cj * cnx..(cj + 1) * cnx], &e[cj1 * cnx..(cj1 + 1) * cnx]);
        let wr = &w.w[cj * cnx..(cj + 1) * cnx];
        for (i, u) in row.iter_mut().enumerate() {
            let ci = i / 2;
            let ci1 = (ci + 1).min(cnx - 1);
            let k = wr[ci].map(f64::from);
            *u += match (i % 2 == 1, odd_row) {
                (false, false) => e0[ci],
                (true, false) => k[XW] * e0[ci] + k[XE] * e0[ci1],
                (false, true) => k[YS] * e0[ci] + k[YN] * e1[ci],
                (true, true) => {
                    k[CSW] * e0[ci] + k[CSE] * e0[ci1] + k[CNW] * e1[ci] + k[CNE] * e1[ci1]
                }
            };
        }
        return;
    }
    for (i, u) in row.iter_mut().enumerate() {
        let (ox, oy, l) = w.local(i, j);
        let (x1, y1) = ((ox + 1).min(cnx - 1), (oy + 1).min(cny - 1));
        *u += l[0] * e[oy * cnx + ox]
            + l[1] * e[oy * cnx + x1]
            + l[2] * e[y1 * cnx + ox]
            + l[3] * e[y1 * cnx + x1];
    }
}

/// Alternating zebra line Gauss–Seidel: every other row solved exactly along x (a tridiagonal
/// solve with the couplings to the rows around it taken from the current values), then the
/// rows between; then the same for columns along y. Lines take strong couplings along them
/// implicitly, which point smoothing cannot: a thin conductor in an insulating floor, say.
/// Each line solve is in increment form (the residual of the line, then `u += delta`), so f32
/// keeps the accuracy of the difference form.
///
/// The lines' matrices do not change between sweeps, so their factorisations are made once
/// ([`LineFactors`]); a sweep is then two passes over each line, no divisions. Memory is walked
/// along rows in both directions: rows are relaxed four at a time (their recurrences
/// interleaved, so none waits on its own previous point), and the columns of one colour are
/// eliminated together, row after row, from both edges to the middle row at once (each thread
/// a half of the rows, [`LineWork::columns`]). The forward values live in `y` (the level's
/// residual buffer, free while it is smoothed).
fn smooth_lines(
    op: &impl LineOp,
    factors: &LineFactors,
    u: &mut [f64],
    s: &[f64],
    y: &mut [f64],
    sweeps: usize,
    reverse: bool,
) {
    let (nx, ny) = op.dims();
    let cells = SharedCells::new(u);
    let y = SharedCells::new(y);
    let work = LineWork {
        cells: &cells,
        s,
        y: &y,
    };
    let threads = threads_for(nx * ny, ny.min(nx));
    for _ in 0..sweeps {
        if reverse {
            work.columns(op, &factors.y, 1, threads);
            work.row_pair(op, &factors.x, 1, threads);
        } else {
            work.row_pair(op, &factors.x, 0, threads);
            work.columns(op, &factors.y, 0, threads);
        }
    }
}

/// Thomas's algorithm on every line of a level, in normalised form. Along a line with
/// diagonal `diag_k` and couplings `prev_k`, `next_k` to its neighbours on the line (0 past its
/// ends): `d_k = diag_k - prev_k g_(k-1)`, `g_k = next_k / d_k`; each point keeps
/// `[g_k, 1 / d_k]`. A solve is then `y_k = (res_k + prev_k y_(k-1)) / d_k` forward and
/// `delta_k = y_k + g_k delta_(k+1)` back. The lines' matrices are diagonally dominant (an
/// M-matrix's), so no pivoting is needed. The factors are kept in single precision: a line
/// solve is part of a smoother, whose updates are corrections of the double-precision residual,
/// so a relative error of 1e-7 in them changes nothing but the bytes read.
pub struct LineFactors {
    /// Rows (lines along x), by point.
    x: Vec<[f32; 2]>,
    /// Columns (lines along y), by point, twisted at the middle row ([`column_factors`]).
    y: Vec<[f32; 2]>,
}

impl LineFactors {
    pub fn new(op: &impl Stencil) -> Self {
        let (nx, ny) = (op.nx(), op.ny());
        let line = |c: [f64; 8], a: f64, k: usize, len: usize, (pi, ni): (usize, usize)| {
            let diag = c.iter().sum::<f64>() + a;
            let prev = if k > 0 { c[pi] } else { 0.0 };
            let next = if k + 1 < len { c[ni] } else { 0.0 };
            (diag, prev, next)
        };
        let mut x = vec![[0.0; 2]; nx * ny];
        super::parallel::for_rows_of(&mut x, nx, |j, row| {
            let mut g = 0.0;
            for (i, f) in row.iter_mut().enumerate() {
                let p = j * nx + i;
                let (diag, prev, next) = line(op.couplings_ij(i, j), op.anchor(p), i, nx, (0, 1));
                let inv = 1.0 / (diag - prev * g);
                g = next * inv;
                *f = [g as f32, inv as f32];
            }
        });
        let y = column_factors(op);
        LineFactors { x, y }
    }
}

/// The columns' factorisations, twisted at the middle row `m = ny / 2`: the rows below it
/// eliminated from the south edge, the rows above from the north, and row m, where the two
/// meet, keeping `1 / d_m` with `d_m = diag_m - south_m g_(m-1) - north_m g_(m+1)` (see
/// [`LineWork::columns`]). Both halves go at once, one per task.
fn column_factors(op: &impl Stencil) -> Vec<[f32; 2]> {
    let (nx, ny) = (op.nx(), op.ny());
    let m = ny / 2;
    let mut y = vec![[0.0f32; 2]; nx * ny];
    if y.is_empty() {
        return y;
    }
    // the point's diagonal and couplings to the south and north (0 past the edges)
    let terms = |i: usize, j: usize| {
        let c = op.couplings_ij(i, j);
        let diag = c.iter().sum::<f64>() + op.anchor(j * nx + i);
        let south = if j > 0 { c[2] } else { 0.0 };
        let north = if j + 1 < ny { c[3] } else { 0.0 };
        (diag, south, north)
    };
    {
        let (below, rest) = y.split_at_mut(m * nx);
        let above = &mut rest[nx..];
        let halves = [std::sync::Mutex::new(below), std::sync::Mutex::new(above)];
        super::parallel::each(2, |h| {
            let mut half = halves[h].lock().unwrap_or_else(|e| e.into_inner());
            let rows = half.len() / nx.max(1);
            for k in 0..rows {
                // the half's rows in elimination order, each from the one eliminated before it
                let (j, r) = if h == 0 {
                    (k, k)
                } else {
                    (ny - 1 - k, rows - 1 - k)
                };
                for i in 0..nx {
                    let (diag, south, north) = terms(i, j);
                    // coupling to the row eliminated before, and to the one after
                    let (prev, next) = if h == 0 {
                        (south, north)
                    } else {
                        (north, south)
                    };
                    let g = match (h, k) {
                        (_, 0) => 0.0,
                        (0, _) => f64::from(half[(r - 1) * nx + i][0]),
                        _ => f64::from(half[(r + 1) * nx + i][0]),
                    };
                    let inv = 1.0 / (diag - prev * g);
                    half[r * nx + i] = [(next * inv) as f32, inv as f32];
                }
            }
        });
    }
    for i in 0..nx {
        let (diag, south, north) = terms(i, m);
        let gs = if m > 0 {
            f64::from(y[(m - 1) * nx + i][0])
        } else {
            0.0
        };
        let gn = if m + 1 < ny {
            f64::from(y[(m + 1) * nx + i][0])
        } else {
            0.0
        };
        y[m * nx + i] = [0.0, (1.0 / (diag - south * gs - north * gn)) as f32];
    }
    y
}

/// A level's operator as the line smoother reads it.
trait LineOp: Sync {
    fn dims(&self) -> (usize, usize);
    /// At point (i, j): the residual `s - A u` with the current values, and the couplings to
    /// the previous and next point along x (`X`) or y (0 past the grid's edge).
    ///
    /// # Safety
    /// (i, j) is on the grid and `u` follows [`SharedCells`]: no other thread writes (i, j)
    /// or its neighbours now.
    unsafe fn terms<const X: bool>(
        &self,
        u: &SharedCells,
        s: &[f64],
        i: usize,
        j: usize,
    ) -> [f64; 3];
}

/// The finest level with its interior couplings read unchecked.
struct Fine<'a, I: Interior> {
    op: &'a Operator,
    interior: &'a I,
}

/// `[res, prev, next]` of a point from its couplings in W, E, S, N order.
#[inline(always)]
fn line_terms<const X: bool>(
    res: f64,
    c: [f64; 4],
    (i, j): (usize, usize),
    (nx, ny): (usize, usize),
) -> [f64; 3] {
    let (line, len) = if X { (i, nx) } else { (j, ny) };
    let (prev, next) = if X { (c[0], c[1]) } else { (c[2], c[3]) };
    [
        res,
        if line > 0 { prev } else { 0.0 },
        if line + 1 < len { next } else { 0.0 },
    ]
}

impl<I: Interior> LineOp for Fine<'_, I> {
    fn dims(&self) -> (usize, usize) {
        (self.op.nx, self.op.ny)
    }

    #[inline(always)]
    unsafe fn terms<const X: bool>(
        &self,
        u: &SharedCells,
        s: &[f64],
        i: usize,
        j: usize,
    ) -> [f64; 3] {
        let (nx, ny) = (self.op.nx, self.op.ny);
        let p = j * nx + i;
        // SAFETY: interior points have all four neighbours; the rest are tested one by one
        unsafe {
            let a = *self.op.anchor.get_unchecked(p);
            let v = u.read(p);
            let (c, flux) = if i > 0 && j > 0 && i + 1 < nx && j + 1 < ny {
                let c = self.interior.at(p);
                let flux = c[0] * (v - u.read(p - 1))
                    + c[1] * (v - u.read(p + 1))
                    + c[2] * (v - u.read(p - nx))
                    + c[3] * (v - u.read(p + nx));
                (c, flux)
            } else {
                let c = self.op.couplings4_ij(i, j);
                (c, flux5_tested(u, c, v, (i, j), (nx, ny)))
            };
            let res = *s.get_unchecked(p) - flux - a * v;
            line_terms::<X>(res, c, (i, j), (nx, ny))
        }
    }
}

impl LineOp for Stencil9 {
    fn dims(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    #[inline(always)]
    unsafe fn terms<const X: bool>(
        &self,
        u: &SharedCells,
        s: &[f64],
        i: usize,
        j: usize,
    ) -> [f64; 3] {
        let (nx, ny) = (self.nx, self.ny);
        let p = j * nx + i;
        // SAFETY: interior points have all eight neighbours; edge points test each one
        unsafe {
            let k = self.c.get_unchecked(p).map(f64::from);
            let a = *self.anchor.get_unchecked(p);
            let v = u.read(p);
            let flux = if i > 0 && j > 0 && i + 1 < nx && j + 1 < ny {
                k[0] * (v - u.read(p - 1))
                    + k[1] * (v - u.read(p + 1))
                    + k[2] * (v - u.read(p - nx))
                    + k[3] * (v - u.read(p + nx))
                    + k[4] * (v - u.read(p - nx - 1))
                    + k[5] * (v - u.read(p - nx + 1))
                    + k[6] * (v - u.read(p + nx - 1))
                    + k[7] * (v - u.read(p + nx + 1))
            } else {
                let (sx, sy) = (nx as isize, ny as isize);
                let mut flux = 0.0;
                for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
                    let (x, y) = (i as isize + di, j as isize + dj);
                    if k[d] != 0.0 && x >= 0 && y >= 0 && x < sx && y < sy {
                        flux += k[d] * (v - u.read((y * sx + x) as usize));
                    }
                }
                flux
            };
            let res = *s.get_unchecked(p) - flux - a * v;
            line_terms::<X>(res, [k[0], k[1], k[2], k[3]], (i, j), (nx, ny))
        }
    }
}

/// The fields of one line sweep (see [`LineFactors`] for the recurrences).
struct LineWork<'a> {
    cells: &'a SharedCells,
    s: &'a [f64],
    y: &'a SharedCells,
}

/// A level's rows (lines along x) in thread blocks of even length, so each block's lines of
/// a parity are its own; the parity solved second in a sweep, `1 - first`, has in each block
/// the lines between the block's own lines of the first parity, and at most one that reads
/// another block's line: the block's last odd line (before the next block) or its first even
/// line (after the previous one).
struct LineBlocks {
    lines: usize,
    block: usize,
    threads: usize,
    second: usize,
}

impl LineBlocks {
    fn new(lines: usize, threads: usize, first: usize) -> Self {
        LineBlocks {
            lines,
            block: lines.div_ceil(threads).div_ceil(2) * 2,
            threads,
            second: 1 - first,
        }
    }

    /// Block t's lines, from and below.
    fn bounds(&self, t: usize) -> (usize, usize) {
        let n = self.lines;
        ((t * self.block).min(n), ((t + 1) * self.block).min(n))
    }

    /// Block t's second-parity lines that read only its own lines (from, below; step 2).
    fn own(&self, t: usize) -> (usize, usize) {
        let (b0, b1) = self.bounds(t);
        match self.second {
            1 if b1 < self.lines => (b0 + 1, b1 - 1),
            0 if b0 > 0 => (b0 + 2, b1),
            _ => (b0 + self.second, b1),
        }
    }

    /// Every block's second-parity line that reads another block's line.
    fn edges(&self) -> Vec<usize> {
        (0..self.threads)
            .filter_map(|t| {
                let (b0, b1) = self.bounds(t);
                match self.second {
                    1 if b1 < self.lines && b1 > b0 => Some(b1 - 1),
                    0 if b0 > 0 && b1 > b0 => Some(b0),
                    _ => None,
                }
            })
            .collect()
    }
}

/// Rows relaxed together, their recurrences interleaved.
const ROW_GROUP: usize = 4;

impl LineWork<'_> {
    /// Solves the rows j0, j0 + 2, .. below j1 along x, the rows between held.
    #[inline(never)]
    fn rows(&self, op: &impl LineOp, f: &[[f32; 2]], j0: usize, j1: usize) {
        let nx = op.dims().0;
        if j0 >= j1 {
            return;
        }
        let last = j0 + (j1 - 1 - j0) / 2 * 2;
        assert!((last + 1) * nx <= f.len() && (last + 1) * nx <= self.y.len);
        // SAFETY: this thread alone writes these rows (of u and y), and no thread writes the
        // rows of the other parity it reads around them while it runs (`row_pair` defers the
        // rows next to another block's); u changes only in the back substitution, after the
        // row's residuals are all taken. Every index is in a row asserted above.
        let forward = |j: usize, i: usize, y: f64| unsafe {
            let p = j * nx + i;
            let [res, prev, _] = op.terms::<true>(self.cells, self.s, i, j);
            let y = (res + prev * y) * f64::from(f.get_unchecked(p)[1]);
            self.y.write(p, y);
            y
        };
        let back = |j: usize, i: usize, delta: f64| unsafe {
            let p = j * nx + i;
            let delta = self.y.read(p) + f64::from(f.get_unchecked(p)[0]) * delta;
            self.cells.write(p, self.cells.read(p) + delta);
            delta
        };
        for g in (j0..j1).step_by(2 * ROW_GROUP) {
            let [a, b, c, d] = [g, g + 2, g + 4, g + 6];
            if d > last {
                for j in (g..j1).step_by(2) {
                    (0..nx).fold(0.0, |y, i| forward(j, i, y));
                    (0..nx).rev().fold(0.0, |delta, i| back(j, i, delta));
                }
                continue;
            }
            // four recurrences side by side: none waits on its own last point
            let mut y = [0.0; 4];
            for i in 0..nx {
                y = [
                    forward(a, i, y[0]),
                    forward(b, i, y[1]),
                    forward(c, i, y[2]),
                    forward(d, i, y[3]),
                ];
            }
            let mut delta = [0.0; 4];
            for i in (0..nx).rev() {
                delta = [
                    back(a, i, delta[0]),
                    back(b, i, delta[1]),
                    back(c, i, delta[2]),
                    back(d, i, delta[3]),
                ];
            }
        }
    }

    /// The row half of an alternating sweep: the rows of parity `first` solved along x, then
    /// the others, in `threads` blocks of rows (each of even length, so each block's rows of
    /// a parity are its own), in one pass: each group of first-parity rows is followed by the
    /// second-parity rows it completes. A block's second-parity row next to another block's
    /// rows waits for the threads to join.
    fn row_pair(&self, op: &impl LineOp, f: &[[f32; 2]], first: usize, threads: usize) {
        let blocks = LineBlocks::new(op.dims().1, threads, first);
        // each thread writes only its own block's rows; a second-parity row is solved once
        // both first-parity rows around it are (the rows it reads are final or not written now)
        each(threads, |t| {
            let (b0, b1) = blocks.bounds(t);
            let (mut next, until) = blocks.own(t);
            for g in (b0 + first..b1).step_by(2 * ROW_GROUP) {
                let end = (g + 2 * ROW_GROUP).min(b1);
                self.rows(op, f, g, end);
                // the second-parity rows below the group's last row are complete
                let done = g + (end - 1 - g) / 2 * 2;
                let ready = if end >= b1 { until } else { done.min(until) };
                if ready > next {
                    self.rows(op, f, next, ready);
                    next += (ready - next).div_ceil(2) * 2;
                }
            }
            // what is left (all of them where the block has no first-parity rows)
            self.rows(op, f, next, until);
        });
        let edges = blocks.edges();
        each(edges.len(), |e| self.rows(op, f, edges[e], edges[e] + 1));
    }

    /// The column half of an alternating sweep: the columns of parity `first` solved along y,
    /// then the others. Each column's solve is twisted at the middle row m ([`column_factors`]):
    /// the rows below m are eliminated from the south edge up and the rows above from the
    /// north edge down, at the same time; row m then takes both; the back substitution runs
    /// from m out to both edges. So the work splits by halves of the grid's rows, each a
    /// contiguous run of memory walked row after row (on two threads the parallel eliminations
    /// run 1.9× faster than when the threads took bands of columns, each a part of every row:
    /// 1.5 against 2.8 ms a column half on the 0.05 m power sheet). With more threads, each
    /// half is also cut into `threads / 2` bands of columns.
    fn columns(&self, op: &impl LineOp, f: &[[f32; 2]], first: usize, threads: usize) {
        let (nx, ny) = op.dims();
        assert!(nx * ny <= f.len() && nx * ny <= self.y.len && first < 2);
        let m = ny / 2;
        let bands = (threads / 2).max(1);
        let width = nx.div_ceil(bands).div_ceil(2) * 2;
        // task t: band t / 2, the south half (t even) or the north half; one task: all
        let tasks = if threads > 1 { 2 * bands } else { 1 };
        // runs `pass(columns, north)` on every task's band and half(s)
        let by_halves = |pass: &(dyn Fn((usize, usize), bool) + Sync)| {
            each(tasks, |t| {
                let (i0, i1) = ((t / 2 * width).min(nx), ((t / 2 + 1) * width).min(nx));
                let halves: &[bool] = match (tasks, t % 2) {
                    (1, _) => &[false, true],
                    (_, 0) => &[false],
                    _ => &[true],
                };
                for &north in halves {
                    pass((i0, i1), north);
                }
            })
        };
        for parity in [first, 1 - first] {
            // SAFETY (each pass): a task writes u and y only in its own half's rows and band's
            // columns of this parity; it reads u in the other parity's columns (not written in
            // this pass) and y in its own points and row m (written before the pass)
            by_halves(&|(i0, i1), north| {
                let cols = (i0 + parity, i1);
                if north {
                    for j in (m + 1..ny).rev() {
                        unsafe { self.eliminate(op, f, cols, j, true) };
                    }
                } else {
                    for j in 0..m {
                        unsafe { self.eliminate(op, f, cols, j, false) };
                    }
                }
            });
            // SAFETY: the threads have joined; row m reads the rows beside it, now eliminated
            unsafe { self.pivot(op, f, (parity, nx), m) };
            by_halves(&|(i0, i1), north| {
                let cols = (i0 + parity, i1);
                if north {
                    for j in m + 1..ny {
                        unsafe { self.substitute((nx, ny), f, cols, j, true) };
                    }
                } else {
                    for j in (0..m).rev() {
                        unsafe { self.substitute((nx, ny), f, cols, j, false) };
                    }
                }
            });
        }
    }

    /// Row m of the columns i0, i0 + 2, .. below i1, where a twisted solve's two eliminations
    /// meet: its increment from both neighbours' forward values, added to u, and kept in y for
    /// the back substitutions out of it.
    ///
    /// # Safety
    /// As [`LineWork::eliminate`]; the rows beside m are eliminated.
    unsafe fn pivot(&self, op: &impl LineOp, f: &[[f32; 2]], (i0, i1): (usize, usize), m: usize) {
        let (nx, ny) = op.dims();
        let base = m * nx;
        for i in (i0..i1).step_by(2) {
            let p = base + i;
            // SAFETY: p and its neighbours are on the grid (every index below is tested)
            unsafe {
                let [res, south, north] = op.terms::<false>(self.cells, self.s, i, m);
                let mut sum = res;
                if m > 0 {
                    sum += south * self.y.read(p - nx);
                }
                if m + 1 < ny {
                    sum += north * self.y.read(p + nx);
                }
                let delta = sum * f64::from(f.get_unchecked(p)[1]);
                self.y.write(p, delta);
                self.cells.write(p, self.cells.read(p) + delta);
            }
        }
    }

    /// The elimination step of row j of the columns i0, i0 + 2, .. below i1, eliminated from
    /// the south edge or (`from_north`) the north.
    ///
    /// # Safety
    /// No other thread writes these points (of u and y) or reads them now, nor writes their
    /// neighbours in u; the row before j in the elimination's order is eliminated.
    #[inline(always)]
    unsafe fn eliminate(
        &self,
        op: &impl LineOp,
        f: &[[f32; 2]],
        (i0, i1): (usize, usize),
        j: usize,
        from_north: bool,
    ) {
        let (nx, ny) = op.dims();
        let base = j * nx;
        for i in (i0..i1).step_by(2) {
            let p = base + i;
            // SAFETY: p and its neighbours are on the grid (every index below is tested)
            unsafe {
                let [res, south, north] = op.terms::<false>(self.cells, self.s, i, j);
                let before = if !from_north {
                    if j > 0 {
                        south * self.y.read(p - nx)
                    } else {
                        0.0
                    }
                } else if j + 1 < ny {
                    north * self.y.read(p + nx)
                } else {
                    0.0
                };
                let [_, inv] = *f.get_unchecked(p);
                self.y.write(p, (res + before) * f64::from(inv));
            }
        }
    }

    /// The back substitution step of row j of the columns i0, i0 + 2, .. below i1, eliminated
    /// from the south or (`from_north`) the north: their increments made and added to u.
    ///
    /// # Safety
    /// As [`LineWork::eliminate`]; the row after j in the elimination's order is
    /// substituted.
    #[inline(always)]
    unsafe fn substitute(
        &self,
        (nx, ny): (usize, usize),
        f: &[[f32; 2]],
        (i0, i1): (usize, usize),
        j: usize,
        from_north: bool,
    ) {
        let base = j * nx;
        for i in (i0..i1).step_by(2) {
            let p = base + i;
            // SAFETY: p and the point after it are on the grid (tested)
            unsafe {
                let after = if !from_north {
                    if j + 1 < ny {
                        self.y.read(p + nx)
                    } else {
                        0.0
                    }
                } else if j > 0 {
                    self.y.read(p - nx)
                } else {
                    0.0
                };
                let [g, _] = *f.get_unchecked(p);
                let delta = self.y.read(p) + f64::from(g) * after;
                self.y.write(p, delta);
                self.cells.write(p, self.cells.read(p) + delta);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::problem::{Boundary, Problem, Side};

    /// max |a - b| against max |b|.
    fn gap(a: &[f64], b: &[f64]) -> (f64, f64) {
        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = a
            .iter()
            .zip(b)
            .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
        (diff, scale)
    }

    /// A pseudo-random value in [0, 1) from an integer (splitmix64).
    fn noise(k: u64) -> f64 {
        let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }

    /// Fields of a random variable-coefficient system on nx × ny, with random u and s.
    fn random_level(nx: usize, ny: usize) -> (Operator, Fields) {
        let mut p = Problem::new(nx, ny, 0.1);
        for (q, k) in p.conductivity.iter_mut().enumerate() {
            *k = 10f64.powf(3.0 * noise(q as u64));
        }
        p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 });
        let system = System::assemble(&p);
        let n = nx * ny;
        let mut f = Fields::zeros(n);
        for q in 0..n {
            f.u[q] = noise(7 * q as u64 + 1) - 0.5;
            f.s[q] = noise(7 * q as u64 + 2) - 0.5;
        }
        (system.op, f)
    }

    /// The lines (rows along x, or columns along y) of parity `first`, then the others, each
    /// solved exactly with the current values around it, one after another: what
    /// [`LineWork::row_pair`] and [`LineWork::columns`] must give.
    fn lines_in_order(op: &impl Stencil, u: &mut [f64], s: &[f64], first: usize, along_x: bool) {
        let (nx, ny) = (op.nx(), op.ny());
        let (lines, len) = if along_x { (ny, nx) } else { (nx, ny) };
        let at = |l: usize, k: usize| if along_x { (k, l) } else { (l, k) };
        for parity in [first, 1 - first] {
            for l in (parity..lines).step_by(2) {
                // residual and tridiagonal of line l, solved by Thomas's algorithm
                let (mut r, mut d) = (vec![0.0; len], vec![0.0; len]);
                let (mut lo, mut hi) = (vec![0.0; len], vec![0.0; len]);
                for k in 0..len {
                    let (i, j) = at(l, k);
                    let p = j * nx + i;
                    let c = op.couplings_ij(i, j);
                    let mut flux = 0.0;
                    for (e, &(di, dj)) in OFFSETS.iter().enumerate() {
                        let (x, y) = (i as isize + di, j as isize + dj);
                        if c[e] != 0.0 && x >= 0 && y >= 0 && x < nx as isize && y < ny as isize {
                            flux += c[e] * (u[p] - u[y as usize * nx + x as usize]);
                        }
                    }
                    r[k] = s[p] - flux - op.anchor(p) * u[p];
                    d[k] = c.iter().sum::<f64>() + op.anchor(p);
                    (lo[k], hi[k]) = if along_x { (c[0], c[1]) } else { (c[2], c[3]) };
                }
                for k in 1..len {
                    let m = lo[k] / d[k - 1];
                    d[k] -= m * hi[k - 1];
                    r[k] += m * r[k - 1];
                }
                let mut delta = 0.0;
                for k in (0..len).rev() {
                    delta = (r[k] + if k + 1 < len { hi[k] * delta } else { 0.0 }) / d[k];
                    let (i, j) = at(l, k);
                    u[j * nx + i] += delta;
                }
            }
        }
    }

    /// Each half of a line sweep — the rows of both parities in one pass, the columns of each
    /// in a twisted solve from both edges to the middle row — equals exact line solves in
    /// order: finest symmetric and nonsymmetric operators and a coarse 9-point one, odd and
    /// even sizes, either parity first, 1 to 7 threads' blocks (rows: their edge lines
    /// deferred; columns: halves and bands).
    #[test]
    fn line_halves_equal_exact_line_solves_in_order() {
        fn check(op: &impl Stencil, line: &impl LineOp, what: &str) {
            let (nx, ny) = (op.nx(), op.ny());
            let n = nx * ny;
            let factors = LineFactors::new(op);
            let u0: Vec<f64> = (0..n).map(|q| noise(5 * q as u64 + 3) - 0.5).collect();
            let s: Vec<f64> = (0..n).map(|q| noise(5 * q as u64 + 4) - 0.5).collect();
            for (first, along_x) in [(0, true), (1, true), (0, false), (1, false)] {
                let mut expect = u0.clone();
                lines_in_order(op, &mut expect, &s, first, along_x);
                for blocks in [1, 2, 3, 7] {
                    let (mut u, mut y) = (u0.clone(), vec![0.0; n]);
                    let (cells, y) = (SharedCells::new(&mut u), SharedCells::new(&mut y));
                    let work = LineWork {
                        cells: &cells,
                        s: &s,
                        y: &y,
                    };
                    if along_x {
                        work.row_pair(line, &factors.x, first, blocks);
                    } else {
                        work.columns(line, &factors.y, first, blocks);
                    }
                    let (diff, scale) = gap(&u, &expect);
                    let half = if along_x { "rows" } else { "columns" };
                    // the factors are single precision: a few roundings of 6e-8 (a wrong order
                    // or a missed row differs by O(1))
                    assert!(
                        diff <= 1e-6 * scale,
                        "{what} {nx} x {ny}, {half}, parity {first} first, {blocks} blocks: \
                         differs by {diff:e} (scale {scale:e})"
                    );
                    let (moved, _) = gap(&u, &u0);
                    assert!(moved > 1e-3, "{what}: the line solves changed nothing");
                }
            }
        }
        for (nx, ny) in [(40, 30), (37, 41), (9, 64), (64, 9), (50, 23)] {
            let (op, _) = random_level(nx, ny);
            let Faces::Symmetric { cx, cy } = &op.faces else {
                panic!("a diffusion problem assembles symmetric");
            };
            let interior = SymInterior { cx, cy, nx };
            check(
                &op,
                &Fine {
                    op: &op,
                    interior: &interior,
                },
                "finest symmetric",
            );
            let coarse = Hierarchy::build(&op).coarse.swap_remove(0).op;
            check(&coarse, &coarse, "coarse");
            // a nonsymmetric finest operator: the same conductivities with a flow along x
            let mut p = Problem::new(nx, ny, 0.1);
            for (q, k) in p.conductivity.iter_mut().enumerate() {
                *k = 10f64.powf(3.0 * noise(q as u64));
            }
            p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 });
            let mut flow = crate::solver::problem::Advection::zeros(nx * ny);
            for (q, f) in flow.flux_x.iter_mut().enumerate() {
                if (q + 1) % nx != 0 {
                    *f = 0.5;
                }
            }
            for j in 0..ny {
                flow.outflow[j * nx + nx - 1] = 0.5 / 0.01;
                p.sink_coeff[j * nx] = 0.5 / 0.01;
            }
            p.advection = Some(flow);
            let op = System::assemble(&p).op;
            let Faces::General { c } = &op.faces else {
                panic!("advection assembles general faces");
            };
            let line = Fine {
                op: &op,
                interior: &GenInterior { c },
            };
            check(&op, &line, "finest nonsymmetric");
        }
    }

    /// Two sweeps in one pass give the two sweeps' result, on grids whose rows split into
    /// blocks unevenly, for 1 to 16 blocks (the last short, or too short to fuse).
    #[test]
    fn fused_sweep_pair_equals_two_sweeps() {
        let cases = [(200, 200), (181, 203), (257, 131), (40, 30), (33, 129)];
        for ((nx, ny), blocks) in cases
            .into_iter()
            .flat_map(|c| [1, 2, 3, 7, 16].map(|b| (c, b)))
        {
            let (op, mut fused) = random_level(nx, ny);
            let (_, mut plain) = random_level(nx, ny);
            let Faces::Symmetric { cx, cy } = &op.faces else {
                panic!("a diffusion problem assembles symmetric");
            };
            let interior = SymInterior { cx, cy, nx };
            smooth5_pair_in(&op, &interior, &mut fused, blocks);
            smooth5_with(&op, &interior, &mut plain, 2);
            let scale = plain.u.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let diff = fused
                .u
                .iter()
                .zip(&plain.u)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                diff <= 1e-14 * scale,
                "{nx} x {ny}, {blocks} blocks: fused pair differs from two sweeps by {diff:e} \
                 (scale {scale:e})"
            );
            // and the pair did smooth: u moved
            let (_, start) = random_level(nx, ny);
            let moved = start
                .u
                .iter()
                .zip(&fused.u)
                .any(|(a, b)| (a - b).abs() > 1e-3);
            assert!(moved, "{nx} x {ny}: the sweeps changed nothing");
        }
    }

    /// The same on a coarse level's 9-point Galerkin operator (four-colour sweeps).
    #[test]
    fn fused_coarse_sweep_pair_equals_two_sweeps() {
        for (nx, ny) in [(400, 300), (363, 261), (90, 61)] {
            let (op, fine) = random_level(nx, ny);
            let coarse = Hierarchy::build(&op).coarse.swap_remove(0).op;
            let n = coarse.cells();
            let start = |k: u64| Fields {
                u: (0..n).map(|q| noise(3 * q as u64 + k) - 0.5).collect(),
                s: fine.s[..n].to_vec(),
                r: vec![0.0; n],
            };
            for blocks in [1, 2, 3, 7, 16] {
                let (mut fused, mut plain) = (start(1), start(1));
                smooth9_in(&coarse, &mut fused, 2, blocks);
                smooth9_plain(&coarse, &mut plain, 2, 1);
                let (diff, scale) = gap(&fused.u, &plain.u);
                assert!(
                    diff <= 1e-14 * scale,
                    "{} x {}, {blocks} blocks: fused pair differs by {diff:e} (scale {scale:e})",
                    coarse.nx,
                    coarse.ny
                );
                let (moved, _) = gap(&fused.u, &start(1).u);
                assert!(moved > 1e-3, "the sweeps changed nothing");
            }
        }
    }

    /// The fused passes of a V-cycle — the last pre-smoothing pair with the residual and its
    /// restriction, the interpolated correction with the first post-smoothing pair — give what
    /// the separate steps give, on the finest level and a coarse one, for 1 to 16 blocks (as
    /// far as the blocks are tall enough for the wavefront) and grids that coarsen on one axis.
    #[test]
    fn fused_transfer_passes_equal_the_separate_steps() {
        let same = |at: &str, what: &str, fused: &[f64], plain: &[f64]| {
            let (diff, scale) = gap(fused, plain);
            assert!(
                diff <= 1e-14 * scale,
                "{at}: fused {what} differs by {diff:e} (scale {scale:e})"
            );
        };
        for (nx, ny) in [
            (200, 200),
            (181, 203),
            (257, 131),
            (33, 129),
            (600, 7),
            (600, 2),
        ] {
            let (op, start) = random_level(nx, ny);
            let hierarchy = Hierarchy::build(&op);
            // (600 x 2 has one coarse level, reached by halving x only)
            let two = hierarchy.coarse.len() > 1;
            let w0 = &hierarchy.coarse[0].p;
            let w1 = &hierarchy.coarse[usize::from(two)].p;
            let level1 = &hierarchy.coarse[0].op;
            let n1 = level1.cells();
            let coarse_start = Fields {
                u: (0..n1).map(|q| noise(5 * q as u64 + 3) - 0.5).collect(),
                s: start.s[..n1].to_vec(),
                r: vec![0.0; n1],
            };
            let n2 = w1.cnx * w1.cny;
            let e1: Vec<f64> = (0..n1).map(|q| noise(9 * q as u64 + 4) - 0.5).collect();
            let e2: Vec<f64> = (0..n2).map(|q| noise(9 * q as u64 + 5) - 0.5).collect();
            for blocks in [1, 2, 3, 7, 16] {
                let copy = |f: &Fields| Fields {
                    u: f.u.clone(),
                    s: f.s.clone(),
                    r: f.r.clone(),
                };
                if stages_fit(ny, blocks, 6) {
                    // finest: pre-pass
                    let (mut fused, mut plain) = (copy(&start), copy(&start));
                    let (mut fused_s, mut plain_s) = (vec![0.0; n1], vec![0.0; n1]);
                    pre_pass(&op, &mut fused, w0, &mut fused_s, blocks);
                    smooth5(&op, &mut plain, 2);
                    residual5(&op, &mut plain);
                    restrict(w0, &plain.r, nx, &mut plain_s);
                    let at = format!("{nx} x {ny}, {blocks} blocks");
                    same(&at, "u", &fused.u, &plain.u);
                    same(&at, "restricted residual", &fused_s, &plain_s);
                    // finest: post-pass
                    let (mut fused, mut plain) = (copy(&start), copy(&start));
                    post_pass(&op, &mut fused, w0, &e1, blocks);
                    prolong_add(w0, &e1, nx, &mut plain.u);
                    smooth5(&op, &mut plain, 2);
                    same(&at, "correction and pair", &fused.u, &plain.u);
                    let (moved, _) = gap(&fused.u, &start.u);
                    assert!(moved > 1e-3, "the post-pass changed nothing");
                }
                if two && stages_fit(level1.ny, blocks, 6) {
                    let (mut fused, mut plain) = (copy(&coarse_start), copy(&coarse_start));
                    let (mut fused_s, mut plain_s) = (vec![0.0; n2], vec![0.0; n2]);
                    pre_pass9(level1, &mut fused, w1, &mut fused_s, blocks);
                    smooth9_plain(level1, &mut plain, 2, 1);
                    residual9(level1, &mut plain);
                    restrict(w1, &plain.r, level1.nx, &mut plain_s);
                    let at = format!("level 1 of {nx} x {ny}, {blocks} blocks");
                    same(&at, "u", &fused.u, &plain.u);
                    same(&at, "restricted residual", &fused_s, &plain_s);
                    let (mut fused, mut plain) = (copy(&coarse_start), copy(&coarse_start));
                    post_pass9(level1, &mut fused, w1, &e2, blocks);
                    prolong_add(w1, &e2, level1.nx, &mut plain.u);
                    smooth9_plain(level1, &mut plain, 2, 1);
                    same(&at, "post-pass", &fused.u, &plain.u);
                }
            }
        }
    }
}
