//! The multigrid hierarchy shared by the CPU and GPU solvers: which levels exist, how values
//! move between them, and each coarse level's operator.
//!
//! Black-box multigrid in the manner of Dendy (1982; 1983 for nonsymmetric operators): the
//! levels are index lattices, each coarse point the fine point of even index on each coarsened
//! axis (`n -> ceil(n/2)`, so odd, even and non-square grids coarsen alike). Interpolation is
//! built from the operator, not the geometry: a fine point between two coarse points along x
//! takes weights from its stencil collapsed onto that line (the west and east columns against
//! the middle column, anchors included), along y likewise, and a fine point between four coarse
//! points is interpolated from its eight neighbours by its own row of the operator. Coarse
//! operators are Galerkin, `A_c = P^T A P`, nine-point, kept in difference form (couplings and
//! an anchor equal to the row sum `P^T A P 1`, computed from `A (P 1)` in difference form so
//! small anchors survive). So coefficient jumps, fixed cells and thin conductors are seen on
//! every level as the finest operator sees them, whatever the contrast. For nonsymmetric
//! (advection) operators the restriction is also `P^T`: Dendy's restriction from the collapsed
//! stencils of `A^T` made the coarse operators of recirculating flows lose diagonal dominance
//! in our tests, while `P^T` stayed stable under BiCGStab.
//!
//! An axis is halved while it has 3 or more points and its points are no farther apart than
//! the other axis's (so coarse stencils stay within 2:1 anisotropy for point smoothers); a thin
//! grid (2 × 1000, say) stops with many points on its coarsest level, which a banded direct
//! factorisation solves exactly, as it does every coarsest level.

use super::direct::BandedLu;
use super::system::{Operator, E, N, NE, NW, OFFSETS, S, SE, SW, W};

/// A level's couplings, in the 9-point difference form `sum_d c_d (u_P - u_d) + a u_P`.
pub trait Stencil: Sync {
    fn nx(&self) -> usize;
    fn ny(&self) -> usize;
    /// Couplings of point p in direction order W, E, S, N, SW, SE, NW, NE; 0 where there is no
    /// neighbour.
    fn couplings(&self, p: usize) -> [f64; 8];
    fn anchor(&self, p: usize) -> f64;
    /// [`Stencil::couplings`] of point (i, j).
    #[inline]
    fn couplings_ij(&self, i: usize, j: usize) -> [f64; 8] {
        self.couplings(j * self.nx() + i)
    }
}

impl Stencil for Operator {
    fn nx(&self) -> usize {
        self.nx
    }
    fn ny(&self) -> usize {
        self.ny
    }
    fn couplings(&self, p: usize) -> [f64; 8] {
        Operator::couplings(self, p)
    }
    fn anchor(&self, p: usize) -> f64 {
        self.anchor[p]
    }
    #[inline]
    fn couplings_ij(&self, i: usize, j: usize) -> [f64; 8] {
        let c = self.couplings4_ij(i, j);
        [c[0], c[1], c[2], c[3], 0.0, 0.0, 0.0, 0.0]
    }
}

/// A coarse level's operator: nine couplings per point and an anchor.
///
/// The couplings are kept in single precision (the anchors, which can be many orders below
/// them, in double): a coarse level only has to correct the finest level's error, whose
/// residual stays in double, and a relative change of 1e-7 in its operator changes that
/// correction by as little. Smoothing and residuals read half the bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Stencil9 {
    pub nx: usize,
    pub ny: usize,
    pub c: Vec<[f32; 8]>,
    pub anchor: Vec<f64>,
}

impl Stencil for Stencil9 {
    fn nx(&self) -> usize {
        self.nx
    }
    fn ny(&self) -> usize {
        self.ny
    }
    fn couplings(&self, p: usize) -> [f64; 8] {
        self.c[p].map(f64::from)
    }
    fn anchor(&self, p: usize) -> f64 {
        self.anchor[p]
    }
    #[inline]
    fn couplings_ij(&self, i: usize, j: usize) -> [f64; 8] {
        self.c[j * self.nx + i].map(f64::from)
    }
}

impl Stencil9 {
    pub fn cells(&self) -> usize {
        self.nx * self.ny
    }

    /// `sum_d c_d (u_P - u_d)` over row j into `out`; interior points skip the neighbour tests.
    pub fn row_fluxes(&self, u: &[f64], j: usize, out: &mut [f64]) {
        let rows = super::system::rows_around(u, j, self.nx, self.ny);
        self.row_fluxes_of(j, rows, out);
    }

    /// [`Stencil9::row_fluxes`] from the values of rows j - 1, j and j + 1 (`rows`; the first or
    /// last empty on the grid's edge rows).
    pub fn row_fluxes_of(&self, j: usize, rows: [&[f64]; 3], out: &mut [f64]) {
        let (nx, ny) = (self.nx, self.ny);
        let row = j * nx;
        let [dn, mid, up] = rows;
        let edge = |i: usize| -> f64 {
            let c = self.c[row + i].map(f64::from);
            let v = mid[i];
            let mut flux = 0.0;
            for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
                let x = i as isize + di;
                let y = j as isize + dj;
                if c[d] != 0.0 && x >= 0 && y >= 0 && x < nx as isize && y < ny as isize {
                    let line = [dn, mid, up][(dj + 1) as usize];
                    flux += c[d] * (v - line[x as usize]);
                }
            }
            flux
        };
        if j == 0 || j + 1 == ny || nx < 3 {
            for (i, o) in out.iter_mut().enumerate() {
                *o = edge(i);
            }
            return;
        }
        out[0] = edge(0);
        out[nx - 1] = edge(nx - 1);
        let c = &self.c[row..row + nx];
        for i in 1..nx - 1 {
            let (v, k) = (mid[i], c[i].map(f64::from));
            out[i] = k[W] * (v - mid[i - 1])
                + k[E] * (v - mid[i + 1])
                + k[S] * (v - dn[i])
                + k[N] * (v - up[i])
                + k[SW] * (v - dn[i - 1])
                + k[SE] * (v - dn[i + 1])
                + k[NW] * (v - up[i - 1])
                + k[NE] * (v - up[i + 1]);
        }
    }

    /// Sum of the couplings of point p.
    pub fn face_sum(&self, p: usize) -> f64 {
        self.c[p].iter().map(|&c| f64::from(c)).sum()
    }

    pub fn norm_inf(&self) -> f64 {
        (0..self.cells()).fold(0.0f64, |m, p| {
            let off: f64 = self.c[p].iter().map(|&c| f64::from(c).abs()).sum();
            m.max(off + (self.face_sum(p) + self.anchor[p]).abs())
        })
    }
}

/// Weights that carry values between a level and the next coarser one, stored per coarse
/// point (I, J) for the fine points it owns: `[xw, xe, ys, yn, sw, se, nw, ne]`:
/// - fine (2I+1, 2J) takes `xw` of coarse (I, J) and `xe` of (I+1, J);
/// - fine (2I, 2J+1) takes `ys` of (I, J) and `yn` of (I, J+1);
/// - fine (2I+1, 2J+1) takes `sw`, `se`, `nw`, `ne` of (I, J), (I+1, J), (I, J+1), (I+1, J+1);
/// - fine (2I, 2J) is coarse point (I, J) itself, weight 1.
///
/// On an axis that is not coarsened (ratio 1) the fine index equals the coarse one and only
/// the other axis's weights are used.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub cnx: usize,
    pub cny: usize,
    pub rx: usize,
    pub ry: usize,
    /// Kept in single precision: interpolation needs no more (the weights lie in [0, 1]), the
    /// coarse operators are made from these rounded weights, so they stay exactly Galerkin,
    /// and each V-cycle reads half the bytes.
    pub w: Vec<[f32; 8]>,
}

/// Indices into a [`Weights`] entry.
pub const XW: usize = 0;
pub const XE: usize = 1;
pub const YS: usize = 2;
pub const YN: usize = 3;
pub const CSW: usize = 4;
pub const CSE: usize = 5;
pub const CNW: usize = 6;
pub const CNE: usize = 7;

/// Offsets of the four parent slots of a fine point from its owner: (0,0), (1,0), (0,1), (1,1).
pub const SLOTS: [(usize, usize); 4] = [(0, 0), (1, 0), (0, 1), (1, 1)];

impl Weights {
    /// The owner of fine point (i, j) — the coarse point at or just below it on each axis — and
    /// the point's weights toward the owner's four slots [`SLOTS`] (0 where it has no parent,
    /// including parents beyond the coarse grid).
    #[inline(always)]
    pub fn local(&self, i: usize, j: usize) -> (usize, usize, [f64; 4]) {
        let (ox, ax) = if self.rx == 2 {
            (i >> 1, i & 1)
        } else {
            (i, 0)
        };
        let (oy, ay) = if self.ry == 2 {
            (j >> 1, j & 1)
        } else {
            (j, 0)
        };
        let w = self.w[oy * self.cnx + ox].map(f64::from);
        let l = match (ax, ay) {
            (0, 0) => [1.0, 0.0, 0.0, 0.0],
            (1, 0) => [w[XW], w[XE], 0.0, 0.0],
            (0, _) => [w[YS], 0.0, w[YN], 0.0],
            _ => [w[CSW], w[CSE], w[CNW], w[CNE]],
        };
        (ox, oy, l)
    }

    /// The fine points owned by coarse point (ox, oy) on a fine grid of nx × ny.
    #[inline(always)]
    pub fn owned(
        &self,
        ox: usize,
        oy: usize,
        nx: usize,
        ny: usize,
    ) -> ([(usize, usize); 4], usize) {
        let mut out = [(0, 0); 4];
        let mut len = 0;
        let (fx, fy) = (ox * self.rx, oy * self.ry);
        for b in 0..self.ry {
            for a in 0..self.rx {
                if fx + a < nx && fy + b < ny {
                    out[len] = (fx + a, fy + b);
                    len += 1;
                }
            }
        }
        (out, len)
    }
}

/// One coarse level: its operator and how it relates to the finer level above it.
#[derive(Clone, Debug)]
pub struct CoarseLevel {
    pub op: Stencil9,
    /// Interpolation from this level into the finer one; restriction is its transpose.
    pub p: Weights,
}

/// How every level is smoothed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Smoothing {
    /// Red–black (finest) and four-colour (coarse) point Gauss–Seidel: enough where neighbouring
    /// couplings are within [`LINE_CONTRAST`] of each other.
    Point,
    /// Alternating zebra line Gauss–Seidel on every level: for strong coefficient jumps (thin
    /// conductors in an insulating floor, say) and for advection, where point smoothing
    /// leaves errors that are smooth along a strong line but not across it.
    Lines,
}

/// Coupling contrast between a cell's neighbours above which [`Smoothing::Lines`] is used.
pub const LINE_CONTRAST: f64 = 10.0;

impl Smoothing {
    /// Lines for a nonsymmetric operator or one whose couplings around some cell differ by
    /// more than [`LINE_CONTRAST`]; points otherwise.
    pub fn for_operator(op: &Operator) -> Smoothing {
        if !op.symmetric() {
            return Smoothing::Lines;
        }
        let strong = super::parallel::any(op.ny, |j| {
            (0..op.nx).any(|i| contrasted(op.couplings4_ij(i, j)))
        });
        if strong {
            Smoothing::Lines
        } else {
            Smoothing::Point
        }
    }
}

/// Whether a cell's couplings differ by more than [`LINE_CONTRAST`].
fn contrasted(c: [f64; 4]) -> bool {
    let max = c.iter().copied().fold(0.0f64, f64::max);
    let min = c
        .iter()
        .copied()
        .filter(|&v| v > 0.0)
        .fold(f64::INFINITY, f64::min);
    max > LINE_CONTRAST * min
}

#[derive(Clone, Debug)]
pub struct Hierarchy {
    pub smoothing: Smoothing,
    pub coarse: Vec<CoarseLevel>,
    /// Exact solver of the coarsest level (the finest itself when it cannot coarsen).
    pub coarsest: BandedLu,
}

/// Coarsening stops once a level has no more points than this: the banded factor of such a
/// level is cheap to apply.
pub const COARSEST_POINTS: usize = 64;

/// Sizes of every level from the finest, with the ratios used to reach each one.
///
/// An axis is halved while it has 3 or more points and its points are no farther apart than
/// the other axis's, so coarse stencils never get more anisotropic than 2:1 from the
/// coarsening itself.
pub fn level_sizes(nx: usize, ny: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut sizes = vec![(nx, ny, 1, 1)];
    let (mut x, mut y) = (nx, ny);
    let (mut hx, mut hy) = (1u64, 1u64);
    while x * y > COARSEST_POINTS {
        let rx = if x >= 3 && hx <= hy { 2 } else { 1 };
        let ry = if y >= 3 && hy <= hx { 2 } else { 1 };
        if rx == 1 && ry == 1 {
            break;
        }
        x = x.div_ceil(rx);
        y = y.div_ceil(ry);
        hx *= rx as u64;
        hy *= ry as u64;
        sizes.push((x, y, rx, ry));
    }
    sizes
}

/// Weight `part / whole`, kept within [0, 1] (a coarse Galerkin stencil may carry small
/// couplings of the wrong sign, which must not make an interpolation weight negative or
/// larger than one).
fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 && part > 0.0 {
        (part / whole).min(1.0)
    } else {
        0.0
    }
}

/// Operator-dependent interpolation from the coarse level of size (cnx, cny) into `fine`.
pub fn interpolation(fine: &impl Stencil, cnx: usize, cny: usize, rx: usize, ry: usize) -> Weights {
    let (nx, ny) = (fine.nx(), fine.ny());
    // the edge points' weights (x-lines, then y-lines) of coarse point (ci, cj)
    let edges = |ci: usize, cj: usize| -> [f64; 4] {
        let mut e = [0.0f64; 4];
        if ci >= cnx || cj >= cny {
            return e;
        }
        let (i, j) = (ci * rx, cj * ry);
        if rx == 2 && i + 1 < nx {
            let f = j * nx + i + 1;
            let k = fine.couplings_ij(i + 1, j);
            let west = k[W] + k[SW] + k[NW];
            let east = k[E] + k[SE] + k[NE];
            let whole = west + east + fine.anchor(f);
            e[XW] = ratio(west, whole);
            e[XE] = ratio(east, whole);
        }
        if ry == 2 && j + 1 < ny {
            let f = (j + 1) * nx + i;
            let k = fine.couplings_ij(i, j + 1);
            let south = k[S] + k[SW] + k[SE];
            let north = k[N] + k[NW] + k[NE];
            let whole = south + north + fine.anchor(f);
            e[YS] = ratio(south, whole);
            e[YN] = ratio(north, whole);
        }
        e
    };
    // the centre points read the edge weights of the coarse points east and north, which are
    // recomputed there rather than stored (cheaper than a pass over another array)
    let mut w = vec![[0.0f32; 8]; cnx * cny];
    super::parallel::for_rows_of(&mut w, cnx, |cj, row| {
        let mut own = edges(0, cj);
        for (ci, out) in row.iter_mut().enumerate() {
            let east = edges(ci + 1, cj);
            for (o, &v) in out[..4].iter_mut().zip(&own) {
                *o = v as f32;
            }
            let (i, j) = (2 * ci + 1, 2 * cj + 1);
            if rx == 2 && ry == 2 && i < nx && j < ny {
                // centre points: the point's own row, with the edge points' interpolations
                // substituted
                let north = edges(ci, cj + 1);
                let f = j * nx + i;
                let k = fine.couplings_ij(i, j);
                let whole: f64 = k.iter().sum::<f64>() + fine.anchor(f);
                // west neighbour (2I, 2J+1): y-line of (I, J); east (2I+2, 2J+1): of (I+1, J);
                // south (2I+1, 2J): x-line of (I, J); north (2I+1, 2J+2): of (I, J+1)
                let sw = k[SW] + k[W] * own[YS] + k[S] * own[XW];
                let se = k[SE] + k[E] * east[YS] + k[S] * own[XE];
                let nw = k[NW] + k[W] * own[YN] + k[N] * north[XW];
                let ne = k[NE] + k[E] * east[YN] + k[N] * north[XE];
                out[CSW] = ratio(sw, whole) as f32;
                out[CSE] = ratio(se, whole) as f32;
                out[CNW] = ratio(nw, whole) as f32;
                out[CNE] = ratio(ne, whole) as f32;
            }
            own = east;
        }
    });
    Weights {
        cnx,
        cny,
        rx,
        ry,
        w,
    }
}

/// The Galerkin coarse operator `P^T A P` in difference form (restriction is the transpose of
/// interpolation, for nonsymmetric operators too; see the module notes).
///
/// Each coarse row gathers from at most three consecutive fine rows. For those rows it first
/// computes the rows of `A P` — `(A P)(f, K)` is nonzero only for K within one coarse point of
/// f's owner, so each fits a 3 × 3 array — together with `(A (P 1))(f)` in difference form
/// (which makes the coarse anchors, so small anchors survive), then takes its share of each.
/// Rows of `A P`, and the interpolation weights of the fine rows they read, are kept in small
/// rings per thread: each is computed once per thread, not once per use.
pub fn galerkin(fine: &impl Stencil, p: &Weights) -> Stencil9 {
    let (nx, ny) = (fine.nx(), fine.ny());
    let (cnx, cny, rx, ry) = (p.cnx, p.cny, p.rx, p.ry);
    let owner = |i: usize, ratio: usize| if ratio == 2 { i >> 1 } else { i };
    // the fine rows (first, last) a coarse row gathers from
    let window = |c: usize, ratio: usize, n: usize| -> (usize, usize) {
        if ratio == 2 {
            ((2 * c).saturating_sub(1), (2 * c + 1).min(n - 1))
        } else {
            (c, c)
        }
    };
    // one row of A P: entry ey * 3 + ex toward coarse owner(f) + (ex - 1, ey - 1), and at 9
    // the row of A (P 1)
    let ap_row = |fj: usize, locals: &[(usize, Vec<[f64; 4]>); 5], out: &mut [[f64; 10]]| {
        let oy = owner(fj, ry);
        let here = &locals[fj % 5].1;
        let full = rx == 2 && ry == 2 && fj > 0 && fj + 1 < ny && nx > 2;
        if full {
            let rows = [
                &locals[(fj - 1) % 5].1[..],
                &here[..],
                &locals[(fj + 1) % 5].1[..],
            ];
            let interior = &mut out[1..nx - 1];
            let row = fj * nx;
            let odd_row = fj % 2 == 1;
            for (k, out) in interior.iter_mut().enumerate() {
                let fi = k + 1;
                let (c, a) = (fine.couplings_ij(fi, fj), fine.anchor(row + fi));
                *out = match (fi % 2 == 1, odd_row) {
                    (false, false) => ap_full::<0, 0>(&c, a, &rows, fi),
                    (true, false) => ap_full::<1, 0>(&c, a, &rows, fi),
                    (false, true) => ap_full::<0, 1>(&c, a, &rows, fi),
                    (true, true) => ap_full::<1, 1>(&c, a, &rows, fi),
                };
            }
        }
        for (fi, out) in out.iter_mut().enumerate() {
            if full && fi > 0 && fi + 1 < nx {
                continue;
            }
            let k = fine.couplings_ij(fi, fj);
            let ox = owner(fi, rx);
            // 4 x 4 with a spare column and row, so a weight toward a parent beyond the 3 x 3
            // window (always 0) needs no test
            let mut e = [0.0f64; 16];
            let lf = here[fi];
            let vf = lf[0] + lf[1] + lf[2] + lf[3];
            let mut t = fine.anchor(fj * nx + fi) * vf;
            let mut add = |gi: usize, gj: usize, a: f64, l: &[f64; 4]| {
                let base = (owner(gj, ry) + 1 - oy) * 4 + owner(gi, rx) + 1 - ox;
                e[base] += a * l[0];
                e[base + 1] += a * l[1];
                e[base + 4] += a * l[2];
                e[base + 5] += a * l[3];
            };
            add(
                fi,
                fj,
                k.iter().sum::<f64>() + fine.anchor(fj * nx + fi),
                &lf,
            );
            for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
                if k[d] != 0.0 {
                    let (gi, gj) = ((fi as isize + di) as usize, (fj as isize + dj) as usize);
                    let lg = &locals[gj % 5].1[gi];
                    t += k[d] * (vf - (lg[0] + lg[1] + lg[2] + lg[3]));
                    add(gi, gj, -k[d], lg);
                }
            }
            for ey in 0..3 {
                out[ey * 3..ey * 3 + 3].copy_from_slice(&e[ey * 4..ey * 4 + 3]);
            }
            out[9] = t;
        }
    };
    let slot = [[SW, S, SE], [W, usize::MAX, E], [NW, N, NE]];
    let mut c = vec![[0.0f32; 8]; cnx * cny];
    let mut anchor = vec![0.0; cnx * cny];
    super::parallel::for_row_blocks2(&mut c, &mut anchor, cnx, |cj0, c_block, a_block| {
        // interpolation weights of fine rows by row mod 5 (a coarse row's A P rows read five
        // consecutive fine rows), rows of A P by row mod 3
        let mut locals: [(usize, Vec<[f64; 4]>); 5] =
            std::array::from_fn(|_| (usize::MAX, vec![[0.0; 4]; nx]));
        let mut ring: [(usize, Vec<[f64; 10]>); 3] =
            std::array::from_fn(|_| (usize::MAX, vec![[0.0; 10]; nx]));
        let rows = c_block.chunks_mut(cnx).zip(a_block.chunks_mut(cnx));
        for (k, (c_row, a_row)) in rows.enumerate() {
            let cj = cj0 + k;
            let (j0, j1) = window(cj, ry, ny);
            for fj in j0.saturating_sub(1)..=(j1 + 1).min(ny - 1) {
                let entry = &mut locals[fj % 5];
                if entry.0 != fj {
                    entry.0 = fj;
                    for (fi, l) in entry.1.iter_mut().enumerate() {
                        *l = p.local(fi, fj).2;
                    }
                }
            }
            for fj in j0..=j1 {
                if ring[fj % 3].0 != fj {
                    let entry = &mut ring[fj % 3];
                    entry.0 = fj;
                    ap_row(fj, &locals, &mut entry.1);
                }
            }
            for (ci, (out, a_out)) in c_row.iter_mut().zip(a_row.iter_mut()).enumerate() {
                // acc[dy][dx]: the entry toward coarse (ci + dx - 2, cj + dy - 2)
                if rx == 2 && ry == 2 && ci > 0 && 2 * ci + 1 < nx && cj > 0 && 2 * cj + 1 < ny {
                    let lines = [
                        &ring[(2 * cj - 1) % 3].1[..],
                        &ring[(2 * cj) % 3].1[..],
                        &ring[(2 * cj + 1) % 3].1[..],
                    ];
                    let weights = [
                        &locals[(2 * cj - 1) % 5].1[..],
                        &locals[(2 * cj) % 5].1[..],
                        &locals[(2 * cj + 1) % 5].1[..],
                    ];
                    let (row, a) = restrict_full(&lines, &weights, 2 * ci);
                    (*out, *a_out) = (row.map(|v| v as f32), a);
                    continue;
                }
                let mut acc = [[0.0f64; 4]; 4];
                let mut t = 0.0;
                let (i0, i1) = window(ci, rx, nx);
                for fj in j0..=j1 {
                    let (line, weights) = (&ring[fj % 3].1, &locals[fj % 5].1);
                    let oy = owner(fj, ry);
                    for fi in i0..=i1 {
                        let ox = owner(fi, rx);
                        let rw = weights[fi][(cj - oy) * 2 + (ci - ox)];
                        if rw == 0.0 {
                            continue;
                        }
                        let a = &line[fi];
                        t += rw * a[9];
                        // K = owner + (ex - 1, ey - 1); K - I + 2 = owner - I + ex + 1
                        let (bx, by) = (ox + 1 - ci, oy + 1 - cj);
                        for ey in 0..3 {
                            for ex in 0..3 {
                                acc[by + ey][bx + ex] += rw * a[ey * 3 + ex];
                            }
                        }
                    }
                }
                for dy in 0..3 {
                    for dx in 0..3 {
                        let d = slot[dy][dx];
                        if d != usize::MAX {
                            out[d] = -acc[dy + 1][dx + 1] as f32;
                        }
                    }
                }
                *a_out = t;
            }
        }
    });
    Stencil9 {
        nx: cnx,
        ny: cny,
        c,
        anchor,
    }
}

/// Owner of a neighbour at offset `d` (-1, 0, 1) of a fine point of parity `p` (0 even, 1 odd)
/// under full coarsening, relative to the point's own owner, plus one.
#[inline(always)]
const fn owner_step(p: usize, d: isize) -> usize {
    match (p, d) {
        (0, -1) => 0,
        (1, 1) => 2,
        _ => 1,
    }
}

/// A row of `A P` (as `galerkin`'s `ap_row`) at an interior fine point (fi, row 1 of `rows`)
/// under full coarsening, its parities known at compile time, so every index is a constant
/// and the accumulator stays in registers.
#[inline(always)]
fn ap_full<const PX: usize, const PY: usize>(
    k: &[f64; 8],
    anchor: f64,
    rows: &[&[[f64; 4]]; 3],
    fi: usize,
) -> [f64; 10] {
    let mut e = [0.0f64; 16];
    let lf = rows[1][fi];
    let vf = lf[0] + lf[1] + lf[2] + lf[3];
    let mut t = anchor * vf;
    let diag = k.iter().sum::<f64>() + anchor;
    let base = 4 + 1;
    e[base] += diag * lf[0];
    e[base + 1] += diag * lf[1];
    e[base + 4] += diag * lf[2];
    e[base + 5] += diag * lf[3];
    for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
        let lg = rows[(1 + dj) as usize][(fi as isize + di) as usize];
        let a = -k[d];
        t += k[d] * (vf - (lg[0] + lg[1] + lg[2] + lg[3]));
        let base = owner_step(PY, dj) * 4 + owner_step(PX, di);
        e[base] += a * lg[0];
        e[base + 1] += a * lg[1];
        e[base + 4] += a * lg[2];
        e[base + 5] += a * lg[3];
    }
    let mut out = [0.0f64; 10];
    for ey in 0..3 {
        out[ey * 3..ey * 3 + 3].copy_from_slice(&e[ey * 4..ey * 4 + 3]);
    }
    out[9] = t;
    out
}

/// A coarse point's couplings and anchor (as `galerkin`) from the three fine rows and columns
/// around its own fine point (column `fi`, row 1 of `lines`) under full coarsening.
#[inline(always)]
fn restrict_full(
    lines: &[&[[f64; 10]]; 3],
    weights: &[&[[f64; 4]]; 3],
    fi: usize,
) -> ([f64; 8], f64) {
    // acc[dy][dx]: the entry toward coarse (ci + dx - 2, cj + dy - 2)
    let mut acc = [[0.0f64; 4]; 4];
    let mut t = 0.0;
    for b in 0..3 {
        // fine row 2cj - 1 + b: owned by coarse row cj - 1 for b = 0, cj otherwise
        let (sy, by) = if b == 0 { (1, 0) } else { (0, 1) };
        for a in 0..3 {
            let (sx, bx) = if a == 0 { (1, 0) } else { (0, 1) };
            let f = fi + a - 1;
            let rw = weights[b][f][sy * 2 + sx];
            let ap = &lines[b][f];
            t += rw * ap[9];
            for ey in 0..3 {
                for ex in 0..3 {
                    acc[by + ey][bx + ex] += rw * ap[ey * 3 + ex];
                }
            }
        }
    }
    let mut out = [0.0f64; 8];
    out[SW] = -acc[1][1];
    out[S] = -acc[1][2];
    out[SE] = -acc[1][3];
    out[W] = -acc[2][1];
    out[E] = -acc[2][3];
    out[NW] = -acc[3][1];
    out[N] = -acc[3][2];
    out[NE] = -acc[3][3];
    (out, t)
}

impl Hierarchy {
    /// Builds every coarse level of `finest` and factors the coarsest.
    pub fn build(finest: &Operator) -> Hierarchy {
        let sizes = level_sizes(finest.nx, finest.ny);
        let mut coarse: Vec<CoarseLevel> = Vec::with_capacity(sizes.len().saturating_sub(1));
        for &(cnx, cny, rx, ry) in &sizes[1..] {
            let level = match coarse.last() {
                None => coarsen(finest, cnx, cny, rx, ry),
                Some(l) => coarsen(&l.op, cnx, cny, rx, ry),
            };
            coarse.push(level);
        }
        let coarsest = match coarse.last() {
            None => BandedLu::factor(finest),
            Some(l) => BandedLu::factor(&l.op),
        };
        Hierarchy {
            smoothing: Smoothing::for_operator(finest),
            coarse,
            coarsest,
        }
    }

    /// Number of levels, the finest included.
    pub fn levels(&self) -> usize {
        self.coarse.len() + 1
    }
}

fn coarsen(fine: &impl Stencil, cnx: usize, cny: usize, rx: usize, ry: usize) -> CoarseLevel {
    let p = interpolation(fine, cnx, cny, rx, ry);
    let op = galerkin(fine, &p);
    CoarseLevel { op, p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::problem::{Advection, Boundary, Problem, Side};
    use crate::solver::system::System;

    /// A pseudo-random value in [0, 1) from an integer (splitmix64).
    fn noise(k: u64) -> f64 {
        let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }

    /// A random finest operator: conductivities over six decades, sinks in a few cells, a fixed
    /// wall, and (if `flow`) an upwind advection that makes it nonsymmetric.
    fn random_operator(nx: usize, ny: usize, flow: bool) -> Operator {
        let mut p = Problem::new(nx, ny, 0.1);
        for (q, k) in p.conductivity.iter_mut().enumerate() {
            *k = 10f64.powf(6.0 * noise(q as u64) - 3.0);
        }
        for q in (0..nx * ny).step_by(7) {
            p.sink_coeff[q] = 50.0 * noise(3 * q as u64 + 1);
        }
        p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 });
        if flow {
            let mut adv = Advection::zeros(nx * ny);
            for j in 0..ny {
                for i in 0..nx - 1 {
                    adv.flux_x[j * nx + i] = 2.0 * noise((j * nx + i) as u64 + 99) - 1.0;
                }
            }
            // inflow and outflow make every cell conserve mass
            for j in 0..ny {
                for i in 0..nx {
                    let q = j * nx + i;
                    let net = adv.flux_x[q] - if i > 0 { adv.flux_x[q - 1] } else { 0.0 };
                    if net > 0.0 {
                        p.sink_coeff[q] += net / 0.01;
                    } else {
                        adv.outflow[q] = -net / 0.01;
                    }
                }
            }
            p.advection = Some(adv);
        }
        System::assemble(&p).op
    }

    /// Dense `A` of a stencil in the difference form `sum_d c_d (u_P - u_d) + a u_P`.
    fn dense(op: &impl Stencil) -> Vec<Vec<f64>> {
        let (nx, ny) = (op.nx(), op.ny());
        let n = nx * ny;
        let mut a = vec![vec![0.0; n]; n];
        for j in 0..ny {
            for i in 0..nx {
                let f = j * nx + i;
                let k = op.couplings_ij(i, j);
                a[f][f] = k.iter().sum::<f64>() + op.anchor(f);
                for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
                    if k[d] != 0.0 {
                        let g = (j as isize + dj) as usize * nx + (i as isize + di) as usize;
                        a[f][g] -= k[d];
                    }
                }
            }
        }
        a
    }

    /// `P^T A P` by dense products, P from [`Weights::local`], checked against [`galerkin`]:
    /// every coupling, the anchor against the row sum, and nothing outside the nine points.
    fn check_galerkin(fine: &impl Stencil, cnx: usize, cny: usize, rx: usize, ry: usize) {
        let (nx, ny) = (fine.nx(), fine.ny());
        let (n, nc) = (nx * ny, cnx * cny);
        let w = interpolation(fine, cnx, cny, rx, ry);
        let mut p = vec![vec![0.0; nc]; n];
        for j in 0..ny {
            for i in 0..nx {
                let (ox, oy, l) = w.local(i, j);
                for (s, &(sx, sy)) in SLOTS.iter().enumerate() {
                    if l[s] != 0.0 {
                        p[j * nx + i][(oy + sy) * cnx + ox + sx] += l[s];
                    }
                }
            }
        }
        let a = dense(fine);
        let ap: Vec<Vec<f64>> = (0..n)
            .map(|f| {
                (0..nc)
                    .map(|k| (0..n).map(|g| a[f][g] * p[g][k]).sum())
                    .collect()
            })
            .collect();
        let coarse = galerkin(fine, &w);
        assert_eq!((coarse.nx, coarse.ny), (cnx, cny));
        for ci in 0..nc {
            let row: Vec<f64> = (0..nc)
                .map(|k| (0..n).map(|f| p[f][ci] * ap[f][k]).sum())
                .collect();
            let scale: f64 = row.iter().map(|v| v.abs()).sum();
            let tol = 1e-12 * scale;
            let (i, j) = (ci % cnx, ci / cnx);
            let mut seen = vec![false; nc];
            seen[ci] = true;
            for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
                let (x, y) = (i as isize + di, j as isize + dj);
                let want = if x >= 0 && y >= 0 && (x as usize) < cnx && (y as usize) < cny {
                    let k = y as usize * cnx + x as usize;
                    seen[k] = true;
                    -row[k]
                } else {
                    0.0
                };
                // couplings are stored in single precision: the product's error plus one
                // rounding
                let got = f64::from(coarse.c[ci][d]);
                let tol = tol + f64::from(f32::EPSILON) * want.abs();
                assert!((got - want).abs() <= tol, "{nx}x{ny} -> {cnx}x{cny}: coupling {d} of ({i}, {j}) is {got}, P^T A P gives {want}");
            }
            for (k, &v) in row.iter().enumerate() {
                assert!(
                    seen[k] || v.abs() <= tol,
                    "{nx}x{ny}: ({i}, {j}) couples to {k} beyond nine points ({v})"
                );
            }
            let sum: f64 = row.iter().sum();
            let got = coarse.anchor[ci];
            assert!(
                (got - sum).abs() <= tol,
                "{nx}x{ny}: anchor of ({i}, {j}) is {got}, row sum {sum}"
            );
        }
    }

    /// The coarse operator equals the dense triple product on grids that coarsen by two on
    /// both axes, on one axis only, with odd and even sizes, from a 5-point operator
    /// (symmetric and advective) and from the 9-point coarse operators that follow.
    #[test]
    fn galerkin_equals_the_dense_triple_product() {
        for (nx, ny) in [
            (13, 9),
            (16, 10),
            (9, 24),
            (30, 3),
            (3, 40),
            (12, 12),
            (25, 19),
        ] {
            for flow in [false, true] {
                let op = random_operator(nx, ny, flow);
                let sizes = level_sizes(nx, ny);
                let (cnx, cny, rx, ry) = sizes[1];
                check_galerkin(&op, cnx, cny, rx, ry);
                if sizes.len() > 2 {
                    let first = coarsen(&op, cnx, cny, rx, ry).op;
                    let (cnx, cny, rx, ry) = sizes[2];
                    check_galerkin(&first, cnx, cny, rx, ry);
                }
            }
        }
    }
}
