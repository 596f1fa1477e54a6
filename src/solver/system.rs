//! The discrete system: a cell-centred finite-volume assembly of a [`Problem`].
//!
//! Every row of the finest level is written in one form:
//!
//! `sum_N c_PN (u_P - u_N) + a_P (u_P - w_P) = s_P`
//!
//! `c_PN >= 0` is the coupling of cell P to its neighbour N (a face into a fixed cell or off the
//! grid is 0), `a_P` the anchor conductance (sinks `g h²`, wall links, links cut at fixed cells,
//! and for advection the net outflow), `w_P` its anchor value, `s_P = f h²` the cell-integrated
//! source. A fixed cell has no couplings and `a_P (u_P - w_P) = 0`. Written as `A u = b`, `A` is an
//! M-matrix with `A_PP = sum c + a`, `A_PN = -c`, `b = s + a w`; symmetric (`c_PN = c_NP`, stored
//! once per face) unless the problem has advection. Keeping differences (`u_P - u_N`, `u_P -
//! w_P`) rather than `A_PP u_P - ...` is what keeps residuals accurate in f32: the difference of
//! two nearby floats is exact, so rounding is relative to the flux, not to `u/h²`.
//!
//! The right-hand side (`s`, `w`) is kept apart from the operator together with how each known
//! value enters it, so new sources, sink values, fixed values or wall values give a new
//! right-hand side without assembling the operator again.

use super::parallel::{collect, each_mut, fold_blocks, position_first};
use super::problem::{Boundary, Problem, Rhs};
use std::io::{self, Write};

/// Neighbour directions of a 9-point stencil, in the order couplings are stored.
pub const W: usize = 0;
pub const E: usize = 1;
pub const S: usize = 2;
pub const N: usize = 3;
pub const SW: usize = 4;
pub const SE: usize = 5;
pub const NW: usize = 6;
pub const NE: usize = 7;
/// (di, dj) of each direction.
pub const OFFSETS: [(isize, isize); 8] = [
    (-1, 0),
    (1, 0),
    (0, -1),
    (0, 1),
    (-1, -1),
    (1, -1),
    (-1, 1),
    (1, 1),
];
/// The direction pointing back: `OFFSETS[OPPOSITE[d]] = -OFFSETS[d]`.
pub const OPPOSITE: [usize; 8] = [E, W, N, S, NE, NW, SE, SW];

/// The couplings of a 5-point operator.
#[derive(Clone, Debug, PartialEq)]
pub enum Faces {
    /// One conductance per face: `cx` the east face of each cell, `cy` the north face.
    Symmetric { cx: Vec<f64>, cy: Vec<f64> },
    /// Each cell's own coupling to each of its four neighbours (W, E, S, N).
    General { c: Vec<[f64; 4]> },
}

/// The finest level's operator: 5-point couplings and anchors (no right-hand side).
#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    pub nx: usize,
    pub ny: usize,
    pub faces: Faces,
    /// Anchor conductance a_P (> 0 for fixed cells).
    pub anchor: Vec<f64>,
}

impl Operator {
    pub fn cells(&self) -> usize {
        self.nx * self.ny
    }

    pub fn symmetric(&self) -> bool {
        matches!(self.faces, Faces::Symmetric { .. })
    }

    /// Couplings of cell p to W, E, S, N (0 where there is no neighbour).
    #[inline]
    pub fn couplings4(&self, p: usize) -> [f64; 4] {
        self.couplings4_ij(p % self.nx, p / self.nx)
    }

    /// [`Operator::couplings4`] of cell (i, j).
    #[inline]
    pub fn couplings4_ij(&self, i: usize, j: usize) -> [f64; 4] {
        let (nx, ny) = (self.nx, self.ny);
        let p = j * nx + i;
        match &self.faces {
            Faces::Symmetric { cx, cy } => [
                if i > 0 { cx[p - 1] } else { 0.0 },
                cx[p],
                if j > 0 { cy[p - nx] } else { 0.0 },
                if j + 1 < ny { cy[p] } else { 0.0 },
            ],
            Faces::General { c } => c[p],
        }
    }

    /// Couplings of cell p in 9-point order (corners 0).
    pub fn couplings(&self, p: usize) -> [f64; 8] {
        let c = self.couplings4(p);
        [c[0], c[1], c[2], c[3], 0.0, 0.0, 0.0, 0.0]
    }

    /// `sum_N c_PN` of cell p.
    pub fn face_sum(&self, p: usize) -> f64 {
        self.couplings4(p).iter().sum()
    }

    /// `sum_N c_PN (u_P - u_N)` over row j into `out` (a row of nx values). Interior cells take
    /// a path without neighbour tests: this is most of a residual's time.
    pub fn row_fluxes(&self, u: &[f64], j: usize, out: &mut [f64]) {
        self.row_fluxes_of(j, rows_around(u, j, self.nx, self.ny), out);
    }

    /// [`Operator::row_fluxes`] from the values of rows j - 1, j and j + 1 (`rows`; the first
    /// or last empty on the grid's edge rows), wherever those rows are kept.
    pub fn row_fluxes_of(&self, j: usize, rows: [&[f64]; 3], out: &mut [f64]) {
        let (nx, ny) = (self.nx, self.ny);
        let row = j * nx;
        let [south, mid, north] = rows;
        let edge = |i: usize| self.flux_in_rows(i, j, rows);
        if j == 0 || j + 1 == ny || nx < 3 {
            for (i, o) in out.iter_mut().enumerate() {
                *o = edge(i);
            }
            return;
        }
        out[0] = edge(0);
        out[nx - 1] = edge(nx - 1);
        match &self.faces {
            Faces::Symmetric { cx, cy } => {
                let (cx, cys, cyn) = (&cx[row..row + nx], &cy[row - nx..row], &cy[row..row + nx]);
                for i in 1..nx - 1 {
                    let c = mid[i];
                    out[i] = cx[i - 1] * (c - mid[i - 1])
                        + cx[i] * (c - mid[i + 1])
                        + cys[i] * (c - south[i])
                        + cyn[i] * (c - north[i]);
                }
            }
            Faces::General { c } => {
                let c = &c[row..row + nx];
                for i in 1..nx - 1 {
                    let v = mid[i];
                    let k = c[i];
                    out[i] = k[W] * (v - mid[i - 1])
                        + k[E] * (v - mid[i + 1])
                        + k[S] * (v - south[i])
                        + k[N] * (v - north[i]);
                }
            }
        }
    }

    /// `sum_N c_PN (u_P - u_N)` at cell (i, j) from the rows of values around row j (as
    /// [`Operator::row_fluxes_of`] takes them), each neighbour tested against the grid's edge.
    #[inline]
    fn flux_in_rows(&self, i: usize, j: usize, [south, mid, north]: [&[f64]; 3]) -> f64 {
        let (nx, ny) = (self.nx, self.ny);
        let c = self.couplings4_ij(i, j);
        let v = mid[i];
        let mut flux = 0.0;
        if i > 0 {
            flux += c[W] * (v - mid[i - 1]);
        }
        if i + 1 < nx {
            flux += c[E] * (v - mid[i + 1]);
        }
        if j > 0 {
            flux += c[S] * (v - south[i]);
        }
        if j + 1 < ny {
            flux += c[N] * (v - north[i]);
        }
        flux
    }

    /// `||A||_inf = max_P (2 sum c + a)`.
    pub fn norm_inf(&self) -> f64 {
        // a cell's place is stepped along the block, not divided out per cell
        let nx = self.nx;
        let part = |range: std::ops::Range<usize>| {
            let (mut i, mut j) = (range.start % nx, range.start / nx);
            let mut m = 0.0f64;
            for p in range {
                let c = self.couplings4_ij(i, j);
                m = m.max(2.0 * (c[0] + c[1] + c[2] + c[3]) + self.anchor[p]);
                i += 1;
                if i == nx {
                    (i, j) = (0, j + 1);
                }
            }
            m
        };
        fold_blocks(self.cells(), 0.0, part, f64::max)
    }

    /// `q = A p` (no anchor values: the linear part).
    pub fn apply(&self, x: &[f64], q: &mut [f64]) {
        super::parallel::for_rows(q, self.nx, |j, row| {
            self.row_fluxes(x, j, row);
            let base = j * self.nx;
            for (i, q) in row.iter_mut().enumerate() {
                *q += self.anchor[base + i] * x[base + i];
            }
        });
    }
}

/// Row j of a grid `nx` wide stored in `u`, with the rows either side of it (empty beyond the
/// grid's `ny` rows): what `row_fluxes_of` reads.
pub fn rows_around(u: &[f64], j: usize, nx: usize, ny: usize) -> [&[f64]; 3] {
    let row = j * nx;
    [
        if j > 0 { &u[row - nx..row] } else { &[] },
        &u[row..row + nx],
        if j + 1 < ny {
            &u[row + nx..row + 2 * nx]
        } else {
            &[]
        },
    ]
}

/// A wall link: cell `cell` is tied to side `side`'s value with conductance `c`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WallLink {
    pub cell: usize,
    pub side: usize,
    pub c: f64,
}

/// A face between a free cell and a fixed cell, removed from the operator and turned into an
/// anchor of the free cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CutLink {
    pub free: usize,
    pub fixed: usize,
    pub c: f64,
}

/// How the known values of a problem enter the anchor values: `a_P w_P = sum c v`.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownValues {
    /// `g h²` of each cell (inflow or sink), pulling toward `sink_value`.
    pub sink_area: Vec<f64>,
    pub walls: Vec<WallLink>,
    pub cut: Vec<CutLink>,
    pub fixed: Vec<bool>,
    pub spacing_m: f64,
}

/// The finest level with its right-hand side, ready for any backend.
#[derive(Clone, Debug)]
pub struct System {
    pub op: Operator,
    pub known: KnownValues,
    /// w_P: the value each cell's anchor pulls toward.
    pub anchor_value: Vec<f64>,
    /// s_P = f h².
    pub rhs: Vec<f64>,
}

/// Conductance of conduction `k` in series with a film `film` (either may be infinite).
pub fn series(k: f64, film: f64) -> f64 {
    if k <= 0.0 || film <= 0.0 {
        0.0
    } else {
        1.0 / (1.0 / k + 1.0 / film)
    }
}

fn harmonic(a: f64, b: f64) -> f64 {
    2.0 * a * b / (a + b)
}

impl System {
    /// Assembles a problem the caller has validated (see [`Problem::validate`]): its operator
    /// and its right-hand side.
    pub fn assemble(problem: &Problem) -> System {
        let mut system = Self::assemble_operator(problem);
        system.fill_rhs(problem_rhs(problem));
        system
    }

    /// [`System::assemble`] without the right-hand side (zero until [`System::set_rhs`]): for
    /// an operator that is prepared once and given its right-hand sides one by one.
    pub fn assemble_operator(problem: &Problem) -> System {
        if problem.symmetric() {
            return Self::assemble_symmetric(problem);
        }
        let (nx, ny) = (problem.nx, problem.ny);
        let n = nx * ny;
        let h = problem.spacing_m;
        let k = &problem.conductivity;
        let fixed: Vec<bool> = problem.fixed.iter().map(Option::is_some).collect();
        // c[p] = couplings of p to W, E, S, N before cutting at fixed cells
        let mut c = vec![[0.0f64; 4]; n];
        for j in 0..ny {
            for i in 0..nx {
                let p = j * nx + i;
                let (ox, oy) = problem
                    .openings
                    .as_ref()
                    .map_or((1.0, 1.0), |o| (o.x[p], o.y[p]));
                if i + 1 < nx {
                    let d = harmonic(k[p], k[p + 1]) * ox;
                    c[p][E] = d;
                    c[p + 1][W] = d;
                }
                if j + 1 < ny {
                    let d = harmonic(k[p], k[p + nx]) * oy;
                    c[p][N] = d;
                    c[p + nx][S] = d;
                }
            }
        }
        // what a fixed cell's row would have on its diagonal: scales its identity row like its
        // neighbours so ||A|| and ||b|| stay meaningful
        let mut fixed_diag: Vec<f64> = c.iter().map(|c| c.iter().sum()).collect();
        let mut anchor = vec![0.0; n];
        if let Some(adv) = &problem.advection {
            // first-order upwind: the coupling toward the upstream neighbour grows by the flux
            // that comes from it; the net outflow (faces and outflow) is the anchor, equal to
            // the inflow up to the flow's own imbalance
            for j in 0..ny {
                for i in 0..nx {
                    let p = j * nx + i;
                    if i + 1 < nx {
                        let f = adv.flux_x[p];
                        c[p][E] += (-f).max(0.0);
                        c[p + 1][W] += f.max(0.0);
                        anchor[p] += f;
                        anchor[p + 1] -= f;
                    }
                    if j + 1 < ny {
                        let f = adv.flux_y[p];
                        c[p][N] += (-f).max(0.0);
                        c[p + nx][S] += f.max(0.0);
                        anchor[p] += f;
                        anchor[p + nx] -= f;
                    }
                    anchor[p] += adv.outflow[p] * h * h;
                }
            }
        }
        let sink_area: Vec<f64> = problem.sink_coeff.iter().map(|g| g * h * h).collect();
        if problem.advection.is_none() {
            anchor.clone_from(&sink_area);
        }

        // cut every link into a fixed cell: it becomes an anchor of the free cell
        let mut cut = Vec::new();
        for p in 0..n {
            if fixed[p] {
                continue;
            }
            let (i, j) = (p % nx, p / nx);
            let neighbours = [
                (i > 0).then(|| p - 1),
                (i + 1 < nx).then(|| p + 1),
                (j > 0).then(|| p - nx),
                (j + 1 < ny).then(|| p + nx),
            ];
            for (d, q) in neighbours.into_iter().enumerate() {
                if let Some(q) = q.filter(|&q| fixed[q]) {
                    cut.push(CutLink {
                        free: p,
                        fixed: q,
                        c: c[p][d],
                    });
                    anchor[p] += c[p][d];
                    c[p][d] = 0.0;
                }
            }
        }
        // walls: the link from the cell centre to the wall (h/2 away, conductance 2k) in series
        // with the Robin film (alpha h per face of length h; infinite for a fixed value)
        let mut walls = Vec::new();
        let mut add_wall = |p: usize, side: usize| {
            let film = match problem.boundary[side] {
                Boundary::Fixed { .. } => f64::INFINITY,
                Boundary::Robin { coeff, .. } if coeff > 0.0 => coeff * h,
                _ => return,
            };
            let link = series(2.0 * k[p], film);
            fixed_diag[p] += link;
            if !fixed[p] {
                walls.push(WallLink {
                    cell: p,
                    side,
                    c: link,
                });
                anchor[p] += link;
            }
        };
        for j in 0..ny {
            add_wall(j * nx, 0);
            add_wall(j * nx + nx - 1, 1);
        }
        for i in 0..nx {
            add_wall(i, 2);
            add_wall((ny - 1) * nx + i, 3);
        }
        for p in 0..n {
            if fixed[p] {
                c[p] = [0.0; 4];
                let d = fixed_diag[p] + sink_area[p];
                anchor[p] = if d > 0.0 { d } else { 1.0 };
            }
        }
        let faces = if problem.symmetric() {
            Faces::Symmetric {
                cx: c.iter().map(|c| c[E]).collect(),
                cy: (0..n)
                    .map(|p| if p / nx + 1 < ny { c[p][N] } else { 0.0 })
                    .collect(),
            }
        } else {
            Faces::General { c }
        };
        System {
            op: Operator {
                nx,
                ny,
                faces,
                anchor,
            },
            known: KnownValues {
                sink_area,
                walls,
                cut,
                fixed,
                spacing_m: h,
            },
            anchor_value: vec![0.0; n],
            rhs: vec![0.0; n],
        }
    }

    /// [`System::assemble`] of a symmetric problem, building the face conductances directly
    /// (the finest level of a large grid: no per-cell temporaries beyond the operator itself).
    fn assemble_symmetric(problem: &Problem) -> System {
        let (nx, ny) = (problem.nx, problem.ny);
        let n = nx * ny;
        let h = problem.spacing_m;
        let k = &problem.conductivity;
        let mut cx = vec![0.0; n];
        let mut cy = vec![0.0; n];
        super::parallel::for_rows(&mut cx, nx, |j, row| {
            let base = j * nx;
            let inner = nx.saturating_sub(1);
            for (i, c) in row[..inner].iter_mut().enumerate() {
                let p = base + i;
                let open = problem.openings.as_ref().map_or(1.0, |o| o.x[p]);
                *c = harmonic(k[p], k[p + 1]) * open;
            }
        });
        super::parallel::for_rows(&mut cy, nx, |j, row| {
            if j + 1 == ny {
                return;
            }
            let base = j * nx;
            for (i, c) in row.iter_mut().enumerate() {
                let p = base + i;
                let open = problem.openings.as_ref().map_or(1.0, |o| o.y[p]);
                *c = harmonic(k[p], k[p + nx]) * open;
            }
        });
        let sink_area = collect(n, |p| problem.sink_coeff[p] * h * h);
        let mut anchor = collect(n, |p| sink_area[p]);
        let fixed = collect(n, |p| problem.fixed[p].is_some());
        let fixed_cells: Vec<usize> = if position_first(&fixed, |&f| f).is_some() {
            (0..n).filter(|&p| fixed[p]).collect()
        } else {
            Vec::new()
        };
        // a fixed cell's identity row is scaled like its neighbours' rows (sum of the links it
        // would have), so ||A|| and ||b|| stay meaningful
        let mut fixed_diag: Vec<(usize, f64)> = Vec::with_capacity(fixed_cells.len());
        let mut cut = Vec::new();
        for &q in &fixed_cells {
            let (i, j) = (q % nx, q / nx);
            let mut diag = 0.0;
            // (neighbour, face conductance slot) of each face of q
            let faces = [
                (i > 0).then(|| (q - 1, (true, q - 1))),
                (i + 1 < nx).then(|| (q + 1, (true, q))),
                (j > 0).then(|| (q - nx, (false, q - nx))),
                (j + 1 < ny).then(|| (q + nx, (false, q))),
            ];
            for (p, (xdir, slot)) in faces.into_iter().flatten() {
                let face = if xdir { &mut cx[slot] } else { &mut cy[slot] };
                let c = *face;
                diag += c;
                if !fixed[p] {
                    cut.push(CutLink {
                        free: p,
                        fixed: q,
                        c,
                    });
                    anchor[p] += c;
                }
                *face = 0.0;
            }
            fixed_diag.push((q, diag));
        }
        // walls: the link from the cell centre to the wall (h/2 away, conductance 2k) in series
        // with the Robin film (alpha h per face of length h; infinite for a fixed value)
        let mut walls = Vec::new();
        let mut wall_of_fixed = vec![0.0; fixed_cells.len()];
        let mut add_wall = |p: usize, side: usize| {
            let film = match problem.boundary[side] {
                Boundary::Fixed { .. } => f64::INFINITY,
                Boundary::Robin { coeff, .. } if coeff > 0.0 => coeff * h,
                _ => return,
            };
            let link = series(2.0 * k[p], film);
            if fixed[p] {
                if let Ok(f) = fixed_cells.binary_search(&p) {
                    wall_of_fixed[f] += link;
                }
            } else {
                walls.push(WallLink {
                    cell: p,
                    side,
                    c: link,
                });
                anchor[p] += link;
            }
        };
        for j in 0..ny {
            add_wall(j * nx, 0);
            add_wall(j * nx + nx - 1, 1);
        }
        for i in 0..nx {
            add_wall(i, 2);
            add_wall((ny - 1) * nx + i, 3);
        }
        for (f, &(q, diag)) in fixed_diag.iter().enumerate() {
            let d = diag + wall_of_fixed[f] + sink_area[q];
            anchor[q] = if d > 0.0 { d } else { 1.0 };
        }
        System {
            op: Operator {
                nx,
                ny,
                faces: Faces::Symmetric { cx, cy },
                anchor,
            },
            known: KnownValues {
                sink_area,
                walls,
                cut,
                fixed,
                spacing_m: h,
            },
            anchor_value: vec![0.0; n],
            rhs: vec![0.0; n],
        }
    }

    /// Replaces the right-hand side: sources, sink values, fixed values and wall values.
    pub fn set_rhs(&mut self, rhs: &Rhs) {
        self.fill_rhs(RhsView {
            source: &rhs.source,
            sink_value: &rhs.sink_value,
            fixed_value: FixedValues::Rhs(&rhs.fixed_value),
            boundary_value: rhs.boundary_value,
        });
    }

    fn fill_rhs(&mut self, rhs: RhsView) {
        let known = &self.known;
        let h2 = known.spacing_m * known.spacing_m;
        // anchor_value holds sum(c v) until it is divided by the anchor
        let weighted = &mut self.anchor_value;
        each_mut(weighted, |p, w| *w = known.sink_area[p] * rhs.sink_value[p]);
        for w in &known.walls {
            weighted[w.cell] += w.c * rhs.boundary_value[w.side];
        }
        for l in &known.cut {
            weighted[l.free] += l.c * rhs.fixed_value.at(l.fixed);
        }
        let anchor = &self.op.anchor;
        each_mut(weighted, |p, w| {
            *w = if known.fixed[p] {
                rhs.fixed_value.at(p)
            } else if anchor[p] > 0.0 {
                *w / anchor[p]
            } else {
                0.0
            }
        });
        each_mut(&mut self.rhs, |p, r| {
            *r = if known.fixed[p] {
                0.0
            } else {
                rhs.source[p] * h2
            }
        });
    }

    pub fn cells(&self) -> usize {
        self.op.cells()
    }

    /// `b = s + a w`.
    pub fn b(&self) -> Vec<f64> {
        (0..self.cells())
            .map(|p| self.rhs[p] + self.op.anchor[p] * self.anchor_value[p])
            .collect()
    }

    /// `b - A u` in difference form.
    pub fn residual(&self, u: &[f64], r: &mut [f64]) {
        let op = &self.op;
        super::parallel::for_rows(r, op.nx, |j, row| {
            op.row_fluxes(u, j, row);
            let base = j * op.nx;
            for (i, r) in row.iter_mut().enumerate() {
                let p = base + i;
                *r = self.rhs[p] - *r - op.anchor[p] * (u[p] - self.anchor_value[p]);
            }
        });
    }

    /// The residual `b - A 0 = b` of the zero iterate, as [`System::residual`] computes it.
    pub fn residual_of_zero(&self, r: &mut [f64]) {
        let op = &self.op;
        each_mut(r, |p, r| {
            *r = self.rhs[p] + op.anchor[p] * self.anchor_value[p]
        });
    }

    /// Normwise backward error and relative residual of `u` (see [`Quality`]).
    pub fn quality(&self, u: &[f64]) -> Quality {
        let mut r = vec![0.0; self.cells()];
        self.quality_with(&self.norms(), u, &mut r)
    }

    /// The norms of `A` and `b` that [`Quality`] divides by, computed once per right-hand side.
    pub fn norms(&self) -> Norms {
        self.norms_with(self.op.norm_inf())
    }

    /// [`System::norms`] with `||A||inf` known (it depends on the operator only).
    pub fn norms_with(&self, a_inf: f64) -> Norms {
        let part = |range: std::ops::Range<usize>| {
            range.fold([0.0f64; 2], |[inf, two], p| {
                let b = self.rhs[p] + self.op.anchor[p] * self.anchor_value[p];
                [inf.max(b.abs()), two + b * b]
            })
        };
        let [b_inf, b_two] = fold_blocks(self.cells(), [0.0; 2], part, |a, b| {
            [a[0].max(b[0]), a[1] + b[1]]
        });
        Norms {
            a_inf,
            b_inf,
            b_two: b_two.sqrt(),
        }
    }

    /// [`System::quality`] without allocating: `r` receives the residual.
    pub fn quality_with(&self, norms: &Norms, u: &[f64], r: &mut [f64]) -> Quality {
        self.residual(u, r);
        Quality::of(norms, u, r)
    }

    /// Writes `A` in Matrix Market coordinate form: the lower triangle and diagonal when it is
    /// symmetric, every entry otherwise.
    pub fn write_matrix_market(&self, out: &mut impl Write) -> io::Result<()> {
        let op = &self.op;
        let (nx, n) = (op.nx, self.cells());
        let symmetric = op.symmetric();
        let mut entries: Vec<(usize, usize, f64)> = Vec::with_capacity(5 * n);
        for p in 0..n {
            let c = op.couplings4(p);
            entries.push((p, p, c.iter().sum::<f64>() + op.anchor[p]));
            let (i, j) = (p % nx, p / nx);
            let neighbours = [
                (i > 0).then(|| p - 1),
                (i + 1 < nx).then(|| p + 1),
                (j > 0).then(|| p - nx),
                (j + 1 < op.ny).then(|| p + nx),
            ];
            for (d, q) in neighbours.into_iter().enumerate() {
                if let Some(q) = q {
                    if c[d] != 0.0 && (!symmetric || q < p) {
                        entries.push((p, q, -c[d]));
                    }
                }
            }
        }
        let kind = if symmetric { "symmetric" } else { "general" };
        writeln!(out, "%%MatrixMarket matrix coordinate real {kind}")?;
        writeln!(
            out,
            "% dcplan finite-volume system, cell index = j*nx + i (1-based below), nx = {nx}, ny = {}",
            op.ny
        )?;
        writeln!(out, "{n} {n} {}", entries.len())?;
        for (p, q, v) in entries {
            writeln!(out, "{} {} {:.17e}", p + 1, q + 1, v)?;
        }
        Ok(())
    }
}

/// A right-hand side borrowed from a [`Problem`] or an [`Rhs`], without copies.
struct RhsView<'a> {
    source: &'a [f64],
    sink_value: &'a [f64],
    fixed_value: FixedValues<'a>,
    boundary_value: [f64; 4],
}

enum FixedValues<'a> {
    Problem(&'a [Option<f64>]),
    Rhs(&'a [f64]),
}

impl FixedValues<'_> {
    #[inline]
    fn at(&self, p: usize) -> f64 {
        match self {
            FixedValues::Problem(v) => v[p].unwrap_or(0.0),
            FixedValues::Rhs(v) => v[p],
        }
    }
}

fn problem_rhs(problem: &Problem) -> RhsView<'_> {
    RhsView {
        source: &problem.source,
        sink_value: &problem.sink_value,
        fixed_value: FixedValues::Problem(&problem.fixed),
        boundary_value: problem.rhs_boundary_values(),
    }
}

/// Writes a dense vector in Matrix Market array form.
pub fn write_vector_market(v: &[f64], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "%%MatrixMarket matrix array real general")?;
    writeln!(out, "{} 1", v.len())?;
    for x in v {
        writeln!(out, "{x:.17e}")?;
    }
    Ok(())
}

/// `||A||inf`, `||b||inf`, `||b||2`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Norms {
    pub a_inf: f64,
    pub b_inf: f64,
    pub b_two: f64,
}

/// How good an approximate solution is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quality {
    /// Normwise backward error `||b - A u||inf / (||A||inf ||u||inf + ||b||inf)`: the relative
    /// perturbation of A and b for which u is exact. Means the same in f32 and f64.
    pub eta: f64,
    /// `||b - A u||2 / ||b||2`, for comparison with other solvers.
    pub rel_residual: f64,
    pub residual_inf: f64,
}

impl Quality {
    /// The quality of `u` whose residual is `r`.
    pub fn of(norms: &Norms, u: &[f64], r: &[f64]) -> Quality {
        // one pass over both vectors, in blocks of fixed size (so the sum's order does not
        // depend on the threads)
        let part = |range: std::ops::Range<usize>| -> [f64; 4] {
            let (mut bad, mut r_inf, mut r_two, mut u_inf) = (false, 0.0f64, 0.0f64, 0.0f64);
            for (&r, &u) in r[range.clone()].iter().zip(&u[range]) {
                bad |= !(r.is_finite() && u.is_finite());
                r_inf = r_inf.max(r.abs());
                r_two += r * r;
                u_inf = u_inf.max(u.abs());
            }
            [if bad { 1.0 } else { 0.0 }, r_inf, r_two, u_inf]
        };
        let sums = fold_blocks(r.len().min(u.len()), [0.0; 4], part, Quality::combine);
        Quality::from_sums(norms, sums)
    }

    /// Two blocks' sums for [`Quality::from_sums`] combined.
    pub fn combine(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
        [a[0] + b[0], a[1].max(b[1]), a[2] + b[2], a[3].max(b[3])]
    }

    /// The quality from sums over a residual r and an iterate u: [count of blocks with a
    /// non-finite entry, max |r|, sum r², max |u|].
    pub fn from_sums(norms: &Norms, sums: [f64; 4]) -> Quality {
        let [bad, r_inf, r_two, u_inf] = sums;
        if bad > 0.0 {
            // a NaN must never read as converged
            return Quality {
                eta: f64::INFINITY,
                rel_residual: f64::INFINITY,
                residual_inf: f64::INFINITY,
            };
        }
        let r_two = r_two.sqrt();
        let denom = norms.a_inf * u_inf + norms.b_inf;
        Quality {
            eta: if denom > 0.0 { r_inf / denom } else { 0.0 },
            rel_residual: if norms.b_two > 0.0 {
                r_two / norms.b_two
            } else {
                r_two
            },
            residual_inf: r_inf,
        }
    }
}
