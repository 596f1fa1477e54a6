//! CPU reference solver: f64 geometric multigrid (V-cycles, red–black Gauss–Seidel).
//!
//! This is the oracle the GPU solver is tested against, and the backend used where there is no
//! hardware GPU. Same hierarchy, transfers and smoother as the GPU solver, in f64.

use super::hierarchy::{CoarseLevel, Hierarchy, Interp};
use super::parallel::{dot, for_rows, threads, MIN_PARALLEL_CELLS};
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
            adapter: format!("CPU f64 multigrid, {} threads", threads()),
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
            homogeneous: false,
        };
        let norms = system.norms();
        let n = system.cells();
        let mut r = vec![0.0; n];
        let mut quality = system.quality_with(&norms, &fields[0].u, &mut r);
        if !options.tolerance.met(&quality) && options.max_cycles > 0 {
            mg.full_multigrid(&mut fields);
            stats.cycles += 1;
            quality = system.quality_with(&norms, &fields[0].u, &mut r);
            stats.history.push(quality.eta);
        }
        // Flexible conjugate gradients with one V-cycle as the preconditioner: the cycle alone
        // converges fast on smooth problems, but where a coarse operator misjudges strong
        // coefficient jumps or fixed cells it may over-correct a few modes; the Krylov
        // recurrence removes those few at the cost of two dot products per cycle.
        let mut x = fields[0].u.clone();
        let preconditioner = Multigrid {
            homogeneous: true,
            ..mg
        };
        let (mut p, mut q) = (vec![0.0; n], vec![0.0; n]);
        let mut pq_prev = 0.0;
        while !options.tolerance.met(&quality) && stats.cycles < options.max_cycles {
            fields[0].s.copy_from_slice(&r);
            fields[0].u.fill(0.0);
            preconditioner.vcycle(0, &mut fields);
            let z = &fields[0].u;
            if pq_prev > 0.0 {
                let beta = dot(z, &q) / pq_prev;
                for (p, z) in p.iter_mut().zip(z) {
                    *p = z - beta * *p;
                }
            } else {
                p.copy_from_slice(z);
            }
            apply(&system.op, &p, &mut q);
            let pq = dot(&p, &q);
            if pq.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                break; // p = 0: the residual is already at rounding level
            }
            let alpha = dot(&p, &r) / pq;
            for (x, p) in x.iter_mut().zip(&p) {
                *x += alpha * p;
            }
            pq_prev = pq;
            stats.cycles += 1;
            // the true residual, not the recurrence, so eta is exact whatever rounding did
            quality = system.quality_with(&norms, &x, &mut r);
            stats.history.push(quality.eta);
        }
        fields[0].u = x;
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

#[derive(Clone, Copy)]
struct Multigrid<'a> {
    system: &'a System,
    hierarchy: &'a Hierarchy,
    options: &'a SolveOptions,
    /// Solve for a correction on the finest level too (anchor values 0): the preconditioner.
    homogeneous: bool,
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
        (level == 0 && !self.homogeneous).then_some(self.system.anchor_value.as_slice())
    }

    /// Full multigrid from u = 0: the residual is restricted to the coarsest level, solved
    /// there, and each finer level starts from the interpolated coarse solution plus one
    /// V-cycle. Counted as one cycle (it costs about one V-cycle more than a V-cycle).
    fn full_multigrid(&self, fields: &mut [Fields]) {
        let last = fields.len() - 1;
        fields[0].u.fill(0.0);
        for level in 0..last {
            let op = self.op(level);
            residual(op, self.anchor_value(level), &mut fields[level]);
            let coarse = &self.hierarchy.coarse[level];
            let (fine, rest) = fields.split_at_mut(level + 1);
            restrict(op, &fine[level].r, coarse, &mut rest[0]);
        }
        self.solve_coarsest(&mut fields[last], last);
        for level in (0..last).rev() {
            let coarse = &self.hierarchy.coarse[level];
            let (fine, rest) = fields.split_at_mut(level + 1);
            prolong_add(coarse, &rest[0].u, self.op(level), &mut fine[level].u);
            self.vcycle(level, fields);
        }
    }

    /// Exact solve of the coarsest level: `A u = s + a w` (w only when it is the finest).
    fn solve_coarsest(&self, f: &mut Fields, level: usize) {
        let op = self.op(level);
        f.r.copy_from_slice(&f.s);
        if let Some(w) = self.anchor_value(level) {
            for (p, r) in f.r.iter_mut().enumerate() {
                *r += op.anchor[p] * w[p];
            }
        }
        self.hierarchy.coarsest.solve(&f.r, &mut f.u);
    }

    fn vcycle(&self, level: usize, fields: &mut [Fields]) {
        let op = self.op(level);
        if level + 1 == fields.len() {
            self.solve_coarsest(&mut fields[level], level);
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
///
/// Each sweep is one pass over memory: the red update of row j is followed at once by the black
/// update of row j - 1, whose red neighbours (rows j - 2 .. j) are then all new. Rows are split
/// into one block per thread; a block's first and last black rows wait until every block has
/// done its red rows, so the result is exactly the global red sweep followed by the black one.
fn smooth(op: &Operator, w: Option<&[f64]>, f: &mut Fields, sweeps: usize) {
    // spawning costs tens of microseconds: small levels run on the calling thread
    let threads = if op.cells() < MIN_PARALLEL_CELLS {
        1
    } else {
        threads().min(op.ny / 4).max(1)
    };
    let cells = SharedCells::new(&mut f.u);
    let s = &f.s;
    let block = op.ny.div_ceil(threads);
    for _ in 0..sweeps {
        let relax = |j: usize, colour: usize| relax_row(op, w, s, &cells, j, colour);
        std::thread::scope(|scope| {
            for t in 1..threads {
                let (j0, j1) = (t * block, ((t + 1) * block).min(op.ny));
                scope.spawn(move || sweep_block(j0, j1, &relax));
            }
            sweep_block(0, block.min(op.ny), &relax);
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

/// Updates the cells of one colour in row j (red: (i + j) even).
fn relax_row(
    op: &Operator,
    w: Option<&[f64]>,
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
            relax_cell(op, w, s, u, i, j);
        }
        return;
    }
    // an interior row: the end cells have missing neighbours, the rest do not, so the loop
    // over them needs no neighbour tests (this loop is most of a solve's time)
    if first == 0 {
        relax_cell(op, w, s, u, 0, j);
    }
    let start = if first == 0 { 2 } else { 1 };
    let end = row + nx - 1; // exclusive: the last cell is done below
    let (cx, cy, anchor) = (&op.cx[..], &op.cy[..], &op.anchor[..]);
    let (lo, hi) = (row - nx, row + 2 * nx);
    assert!(hi <= u.len && hi <= cx.len() && hi <= s.len() && w.is_none_or(|w| hi <= w.len()));
    let mut p = row + start;
    while p < end {
        // SAFETY: lo <= p - nx and p + nx < hi <= every slice's length (asserted above); the
        // cells read and written follow the rules of `SharedCells`.
        unsafe {
            let up = u.read(p);
            let (ce, cw) = (*cx.get_unchecked(p), *cx.get_unchecked(p - 1));
            let (cn, cs) = (*cy.get_unchecked(p), *cy.get_unchecked(p - nx));
            let a = *anchor.get_unchecked(p);
            let flux = ce * (up - u.read(p + 1))
                + cw * (up - u.read(p - 1))
                + cn * (up - u.read(p + nx))
                + cs * (up - u.read(p - nx));
            let wp = match w {
                Some(w) => *w.get_unchecked(p),
                None => 0.0,
            };
            let diag = ce + cw + cn + cs + a;
            u.write(p, up + (*s.get_unchecked(p) - flux - a * (up - wp)) / diag);
        }
        p += 2;
    }
    debug_assert!(lo < row);
    if (nx - 1 + first).is_multiple_of(2) {
        relax_cell(op, w, s, u, nx - 1, j);
    }
}

/// Updates cell (i, j), whichever neighbours it has.
fn relax_cell(op: &Operator, w: Option<&[f64]>, s: &[f64], u: &SharedCells, i: usize, j: usize) {
    let (nx, ny) = (op.nx, op.ny);
    let p = j * nx + i;
    let up = u.get(p);
    let (mut flux, mut diag) = (0.0, op.anchor[p]);
    if i + 1 < nx {
        flux += op.cx[p] * (up - u.get(p + 1));
        diag += op.cx[p];
    }
    if i > 0 {
        flux += op.cx[p - 1] * (up - u.get(p - 1));
        diag += op.cx[p - 1];
    }
    if j + 1 < ny {
        flux += op.cy[p] * (up - u.get(p + nx));
        diag += op.cy[p];
    }
    if j > 0 {
        flux += op.cy[p - nx] * (up - u.get(p - nx));
        diag += op.cy[p - nx];
    }
    let wp = w.map_or(0.0, |w| w[p]);
    u.set(p, up + (s[p] - flux - op.anchor[p] * (up - wp)) / diag);
}

/// A solution vector that smoothing threads update in place, each its own cells.
struct SharedCells {
    ptr: *mut f64,
    len: usize,
}

// SAFETY: threads write disjoint cells: within a colour phase a thread writes only cells of
// that colour in its own rows and reads only cells of the other colour, and the rows where one
// block's writes meet another block's reads (each block's first and last black rows) are
// updated after the scope has joined every thread. So no cell is written by one thread while
// another reads or writes it.
unsafe impl Sync for SharedCells {}

impl SharedCells {
    fn new(u: &mut [f64]) -> Self {
        SharedCells {
            ptr: u.as_mut_ptr(),
            len: u.len(),
        }
    }

    #[inline(always)]
    fn get(&self, p: usize) -> f64 {
        assert!(p < self.len);
        // SAFETY: in bounds (checked above); see the Sync impl for why no write races it.
        unsafe { *self.ptr.add(p) }
    }

    /// # Safety
    /// `p < len`, and no other thread writes cell p now.
    #[inline(always)]
    unsafe fn read(&self, p: usize) -> f64 {
        unsafe { *self.ptr.add(p) }
    }

    /// # Safety
    /// `p < len`, and no other thread reads or writes cell p now.
    #[inline(always)]
    unsafe fn write(&self, p: usize, v: f64) {
        unsafe { *self.ptr.add(p) = v }
    }

    #[inline(always)]
    fn set(&self, p: usize, v: f64) {
        assert!(p < self.len);
        // SAFETY: in bounds (checked above); see the Sync impl.
        unsafe { *self.ptr.add(p) = v }
    }
}

/// `q = A p` (no anchor values: A is the linear part).
fn apply(op: &Operator, p: &[f64], q: &mut [f64]) {
    for_rows(q, op.nx, |j, row| {
        for (i, q) in row.iter_mut().enumerate() {
            let k = j * op.nx + i;
            *q = op.flux_out(p, i, j) + op.anchor[k] * p[k];
        }
    });
}

fn residual(op: &Operator, w: Option<&[f64]>, f: &mut Fields) {
    let (u, s) = (&f.u, &f.s);
    for_rows(&mut f.r, op.nx, |j, row| {
        for (i, r) in row.iter_mut().enumerate() {
            let p = j * op.nx + i;
            let wp = w.map_or(0.0, |w| w[p]);
            *r = s[p] - op.flux_out(u, i, j) - op.anchor[p] * (u[p] - wp);
        }
    });
}

/// Coarse right-hand side = sum of the children's residuals; coarse correction starts at 0.
fn restrict(fine: &Operator, r: &[f64], coarse: &CoarseLevel, out: &mut Fields) {
    out.u.fill(0.0);
    let (rx, ry) = (coarse.rx, coarse.ry);
    for_rows(&mut out.s, coarse.op.nx, |cj, row| {
        row.fill(0.0);
        for j in (cj * ry)..((cj * ry + ry).min(fine.ny)) {
            let fine_row = &r[j * fine.nx..(j + 1) * fine.nx];
            for (i, v) in fine_row.iter().enumerate() {
                row[i / rx] += v;
            }
        }
    });
}

fn prolong_add(coarse: &CoarseLevel, e: &[f64], fine: &Operator, u: &mut [f64]) {
    let cnx = coarse.op.nx;
    let at =
        |j: usize, x: &Interp| (1.0 - x.w_nb) * e[j * cnx + x.coarse] + x.w_nb * e[j * cnx + x.nb];
    for_rows(u, fine.nx, |j, row| {
        let y = &coarse.py[j];
        for (u, x) in row.iter_mut().zip(&coarse.px) {
            *u += (1.0 - y.w_nb) * at(y.coarse, x) + y.w_nb * at(y.nb, x);
        }
    });
}

/// Seconds per red–black sweep on the finest level of `system`, timed over `sweeps` sweeps
/// (for `dcplan bench`).
pub fn time_smoother(system: &System, sweeps: usize) -> f64 {
    let mut f = Fields::zeros(system.cells());
    f.s.clone_from(&system.rhs);
    let start = Instant::now();
    smooth(&system.op, Some(&system.anchor_value), &mut f, sweeps);
    start.elapsed().as_secs_f64() / sweeps.max(1) as f64
}

/// Bytes a CPU sweep must move per cell: reads u, cx, cy, anchor, anchor value and rhs, writes u
/// (f64 each).
pub const SWEEP_BYTES_PER_CELL: f64 = 56.0;
