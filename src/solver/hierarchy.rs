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
#[derive(Clone, Debug, PartialEq)]
pub struct Stencil9 {
    pub nx: usize,
    pub ny: usize,
    pub c: Vec<[f64; 8]>,
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
        self.c[p]
    }
    fn anchor(&self, p: usize) -> f64 {
        self.anchor[p]
    }
    #[inline]
    fn couplings_ij(&self, i: usize, j: usize) -> [f64; 8] {
        self.c[j * self.nx + i]
    }
}

impl Stencil9 {
    pub fn cells(&self) -> usize {
        self.nx * self.ny
    }

    /// `sum_d c_d (u_P - u_d)` at (i, j).
    #[inline]
    pub fn flux_out(&self, u: &[f64], i: usize, j: usize) -> f64 {
        let (nx, ny) = (self.nx as isize, self.ny as isize);
        let p = j * self.nx + i;
        let c = &self.c[p];
        let up = u[p];
        let mut flux = 0.0;
        for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
            let (x, y) = (i as isize + di, j as isize + dj);
            if c[d] != 0.0 && x >= 0 && y >= 0 && x < nx && y < ny {
                flux += c[d] * (up - u[(y * nx + x) as usize]);
            }
        }
        flux
    }

    /// `sum_d c_d (u_P - u_d)` over row j into `out`; interior points skip the neighbour tests.
    pub fn row_fluxes(&self, u: &[f64], j: usize, out: &mut [f64]) {
        let (nx, ny) = (self.nx, self.ny);
        if j == 0 || j + 1 == ny || nx < 3 {
            for (i, o) in out.iter_mut().enumerate() {
                *o = self.flux_out(u, i, j);
            }
            return;
        }
        out[0] = self.flux_out(u, 0, j);
        out[nx - 1] = self.flux_out(u, nx - 1, j);
        let row = j * nx;
        let (dn, mid, up) = (
            &u[row - nx..row],
            &u[row..row + nx],
            &u[row + nx..row + 2 * nx],
        );
        let c = &self.c[row..row + nx];
        for i in 1..nx - 1 {
            let (v, k) = (mid[i], &c[i]);
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
        self.c[p].iter().sum()
    }

    pub fn norm_inf(&self) -> f64 {
        (0..self.cells()).fold(0.0f64, |m, p| {
            let off: f64 = self.c[p].iter().map(|c| c.abs()).sum();
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
    pub w: Vec<[f64; 8]>,
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
        let w = &self.w[oy * self.cnx + ox];
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
        let strong = (0..op.cells()).any(|p| {
            let c = op.couplings4(p);
            let max = c.iter().copied().fold(0.0f64, f64::max);
            let min = c
                .iter()
                .copied()
                .filter(|&v| v > 0.0)
                .fold(f64::INFINITY, f64::min);
            max > LINE_CONTRAST * min
        });
        if strong {
            Smoothing::Lines
        } else {
            Smoothing::Point
        }
    }
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
    // edge points first (x-lines, then y-lines), each coarse point's own; then the centre
    // points, which read the edge weights of the coarse points around them
    let mut edges = vec![[0.0f64; 4]; cnx * cny];
    super::parallel::for_rows_of(&mut edges, cnx, |cj, row| {
        for (ci, e) in row.iter_mut().enumerate() {
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
        }
    });
    let mut w = vec![[0.0f64; 8]; cnx * cny];
    super::parallel::for_rows_of(&mut w, cnx, |cj, row| {
        for (ci, out) in row.iter_mut().enumerate() {
            let own = edges[cj * cnx + ci];
            out[..4].copy_from_slice(&own);
            let (i, j) = (2 * ci + 1, 2 * cj + 1);
            if rx != 2 || ry != 2 || i >= nx || j >= ny {
                continue;
            }
            // centre points: the point's own row, with the edge points' interpolations
            // substituted
            let f = j * nx + i;
            let k = fine.couplings_ij(i, j);
            let whole: f64 = k.iter().sum::<f64>() + fine.anchor(f);
            let at = |x: usize, y: usize, slot: usize| -> f64 {
                if x < cnx && y < cny {
                    edges[y * cnx + x][slot]
                } else {
                    0.0
                }
            };
            // west neighbour (2I, 2J+1): y-line of (I, J); east (2I+2, 2J+1): of (I+1, J);
            // south (2I+1, 2J): x-line of (I, J); north (2I+1, 2J+2): of (I, J+1)
            let sw = k[SW] + k[W] * at(ci, cj, YS) + k[S] * at(ci, cj, XW);
            let se = k[SE] + k[E] * at(ci + 1, cj, YS) + k[S] * at(ci, cj, XE);
            let nw = k[NW] + k[W] * at(ci, cj, YN) + k[N] * at(ci, cj + 1, XW);
            let ne = k[NE] + k[E] * at(ci + 1, cj, YN) + k[N] * at(ci, cj + 1, XE);
            out[CSW] = ratio(sw, whole);
            out[CSE] = ratio(se, whole);
            out[CNW] = ratio(nw, whole);
            out[CNE] = ratio(ne, whole);
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

/// The Galerkin coarse operator `R A P` in difference form.
#[allow(clippy::needless_range_loop)] // fine indices address the ring rows and the weights alike
pub fn galerkin(fine: &impl Stencil, p: &Weights, r: &Weights) -> Stencil9 {
    let (nx, ny) = (fine.nx(), fine.ny());
    let (cnx, cny, rx, ry) = (p.cnx, p.cny, p.rx, p.ry);
    // anchors: R (A (P 1)), with A applied in difference form so small anchors survive
    let ones = vec![1.0; cnx * cny];
    let mut v = vec![0.0; nx * ny];
    super::cpu::prolong_add(p, &ones, nx, &mut v);
    let mut t = vec![0.0; nx * ny];
    super::parallel::for_rows(&mut t, nx, |j, row| {
        for (i, t) in row.iter_mut().enumerate() {
            let f = j * nx + i;
            let k = fine.couplings_ij(i, j);
            let mut acc = fine.anchor(f) * v[f];
            for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
                if k[d] != 0.0 {
                    let g = ((j as isize + dj) as usize) * nx + (i as isize + di) as usize;
                    acc += k[d] * (v[f] - v[g]);
                }
            }
            *t = acc;
        }
    });
    let mut anchor = vec![0.0; cnx * cny];
    super::cpu::restrict(r, &t, nx, &mut anchor);
    drop((v, t));
    // couplings: A_c(I, K) = sum_f R(I <- f) (A P)(f, K). Each coarse row first computes the
    // rows of A P for the fine rows it gathers from — (A P)(f, K) is nonzero only for K within
    // one coarse point of f's owner, so it fits a 3 x 3 array — then its share of each.
    let mut c = vec![[0.0f64; 8]; cnx * cny];
    let slot = [[SW, S, SE], [W, usize::MAX, E], [NW, N, NE]];
    let ap_at = |fi: usize, fj: usize| -> [f64; 9] {
        let k = fine.couplings_ij(fi, fj);
        let (ox, oy, _) = p.local(fi, fj);
        let mut out = [0.0f64; 9];
        let mut add = |gi: usize, gj: usize, a: f64| {
            let (gx, gy, l) = p.local(gi, gj);
            // K - owner(f) + 1 along each axis, in 0..3 for every parent with a weight
            let base = (gy + 1 - oy) * 3 + gx + 1 - ox;
            out[base] += a * l[0];
            if l[1] != 0.0 {
                out[base + 1] += a * l[1];
            }
            if l[2] != 0.0 {
                out[base + 3] += a * l[2];
            }
            if l[3] != 0.0 {
                out[base + 4] += a * l[3];
            }
        };
        add(fi, fj, k.iter().sum::<f64>() + fine.anchor(fj * nx + fi));
        for (d, &(di, dj)) in OFFSETS.iter().enumerate() {
            if k[d] != 0.0 {
                add(
                    (fi as isize + di) as usize,
                    (fj as isize + dj) as usize,
                    -k[d],
                );
            }
        }
        out
    };
    // the fine rows (first, last) a coarse row gathers from
    let window = |c: usize, ratio: usize, n: usize| -> (usize, usize) {
        if ratio == 2 {
            ((2 * c).saturating_sub(1), (2 * c + 1).min(n - 1))
        } else {
            (c, c)
        }
    };
    super::parallel::for_row_blocks(&mut c, cnx, |cj0, block| {
        // rows of A P in a ring indexed by fine row mod 3: a coarse row gathers from at most
        // three consecutive fine rows, and the next coarse row keeps the last of them
        let mut ring: [(usize, Vec<[f64; 9]>); 3] = [
            (usize::MAX, vec![[0.0; 9]; nx]),
            (usize::MAX, vec![[0.0; 9]; nx]),
            (usize::MAX, vec![[0.0; 9]; nx]),
        ];
        for (k, row) in block.chunks_mut(cnx).enumerate() {
            let cj = cj0 + k;
            let (j0, j1) = window(cj, ry, ny);
            for fj in j0..=j1 {
                let slot = &mut ring[fj % 3];
                if slot.0 != fj {
                    slot.0 = fj;
                    for (fi, out) in slot.1.iter_mut().enumerate() {
                        *out = ap_at(fi, fj);
                    }
                }
            }
            for (ci, out) in row.iter_mut().enumerate() {
                // acc[dy][dx]: the entry toward coarse (ci + dx - 2, cj + dy - 2)
                let mut acc = [[0.0f64; 4]; 4];
                let (i0, i1) = window(ci, rx, nx);
                for fj in j0..=j1 {
                    let line = &ring[fj % 3].1;
                    for fi in i0..=i1 {
                        let (ox, oy, l) = r.local(fi, fj);
                        let rw = l[(cj - oy) * 2 + (ci - ox)];
                        if rw == 0.0 {
                            continue;
                        }
                        let a = &line[fi];
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
                            out[d] = -acc[dy + 1][dx + 1];
                        }
                    }
                }
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
    let op = galerkin(fine, &p, &p);
    CoarseLevel { op, p }
}
