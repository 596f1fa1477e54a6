//! Grid hierarchy shared by the CPU and GPU multigrid: which levels exist, how cells map to
//! their coarse parents, and each coarse level's operator.
//!
//! A dimension is halved (`n -> ceil(n/2)`) while it has 3 or more cells, so odd and
//! non-square grids coarsen too; a coarse cell then has 1, 2 or 4 children. Coarsening stops at
//! 2 × 2 or smaller, which is solved exactly. Coarse operators are built by aggregation, with
//! each term scaled by how it changes under coarsening in finite-volume form: a face's
//! conductance is `k × length / distance`, so a coarse face is the sum of the fine faces it
//! covers scaled by the ratio of fine to coarse centre distance across it; sinks add by area;
//! wall links keep conduction and film apart (see `AnchorParts`); fixed cells pin the coarse
//! cells around them by a well index and by links stretched to their true distance (see
//! `anchor_to_fixed_cells`). A coarse cell all of whose children are fixed is fixed.
//! Cells keep their true widths: the last coarse cell of an odd count is narrower, and every
//! scaling and interpolation weight uses the real centre distances.
//! Transfers: restriction sums the children's cell-integrated residuals; prolongation is
//! bilinear between coarse cell centres (3/4, 1/4 on a uniform halving), constant at walls.

use super::system::{AnchorParts, Operator, System};

/// How one fine cell interpolates along one axis: from its parent `coarse` and neighbour `nb`
/// with weight `w_nb` on the neighbour (`1 - w_nb` on the parent).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interp {
    pub coarse: usize,
    pub nb: usize,
    pub w_nb: f64,
}

/// One coarse level: its operator and how it relates to the level above.
#[derive(Clone, Debug)]
pub struct CoarseLevel {
    pub op: Operator,
    /// Coarsening ratio from the finer level, 1 or 2 per axis.
    pub rx: usize,
    pub ry: usize,
    /// Prolongation along x for each fine column, along y for each fine row.
    pub px: Vec<Interp>,
    pub py: Vec<Interp>,
}

#[derive(Clone, Debug)]
pub struct Hierarchy {
    pub coarse: Vec<CoarseLevel>,
    /// Exact solver of the coarsest level (the finest itself when it cannot coarsen).
    pub coarsest: BandedCholesky,
}

/// Sizes of every level from the finest, with the ratios used to reach each one.
///
/// An axis is halved while it has 3 or more cells and its cells are no wider than the other
/// axis's, so coarse cells never get more elongated than 2:1: point smoothing cannot smooth
/// along the weak direction of elongated cells. A thin grid (2 × 1000, say) therefore stops
/// with many cells on its coarsest level, which the banded direct solver takes.
pub fn level_sizes(nx: usize, ny: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut sizes = vec![(nx, ny, 1, 1)];
    let (mut x, mut y) = (nx, ny);
    let (mut hx, mut hy) = (1u64, 1u64);
    loop {
        let rx = if x >= 3 && hx <= hy { 2 } else { 1 };
        let ry = if y >= 3 && hy <= hx { 2 } else { 1 };
        if rx == 1 && ry == 1 {
            return sizes;
        }
        x = x.div_ceil(rx);
        y = y.div_ceil(ry);
        hx *= rx as u64;
        hy *= ry as u64;
        sizes.push((x, y, rx, ry));
    }
}

/// Cell widths along one axis after coarsening by `r` (the last cell of an odd count keeps one
/// child, so widths need not be equal).
fn coarse_widths(fine: &[f64], r: usize) -> Vec<f64> {
    fine.chunks(r).map(|c| c.iter().sum()).collect()
}

fn centres(widths: &[f64]) -> Vec<f64> {
    let mut edge = 0.0;
    widths
        .iter()
        .map(|w| {
            let c = edge + 0.5 * w;
            edge += w;
            c
        })
        .collect()
}

/// Linear interpolation between coarse cell centres at each fine centre; constant beyond the
/// first and last coarse centres.
fn interp_table(fine_w: &[f64], coarse_w: &[f64], r: usize) -> Vec<Interp> {
    let (xf, xc) = (centres(fine_w), centres(coarse_w));
    (0..fine_w.len())
        .map(|i| {
            let c = i / r;
            let nb = if xf[i] < xc[c] {
                c.checked_sub(1)
            } else {
                Some(c + 1).filter(|&n| n < xc.len())
            };
            match nb {
                Some(nb) if (xf[i] - xc[c]).abs() > 0.0 => Interp {
                    coarse: c,
                    nb,
                    w_nb: (xf[i] - xc[c]).abs() / (xc[nb] - xc[c]).abs(),
                },
                _ => Interp {
                    coarse: c,
                    nb: c,
                    w_nb: 0.0,
                },
            }
        })
        .collect()
}

impl Hierarchy {
    pub fn build(system: &System) -> Hierarchy {
        let sizes = level_sizes(system.op.nx, system.op.ny);
        let mut coarse: Vec<CoarseLevel> = Vec::with_capacity(sizes.len().saturating_sub(1));
        let mut coarse_parts: Option<AnchorParts> = None;
        let mut xw = vec![1.0; system.op.nx];
        let mut yw = vec![1.0; system.op.ny];
        // how many times each axis has been halved: a finest cell's ancestor is (i >> sx, j >> sy)
        let (mut sx, mut sy) = (0u32, 0u32);
        for &(_, _, rx, ry) in &sizes[1..] {
            sx += u32::from(rx == 2);
            sy += u32::from(ry == 2);
            let fine_op = coarse.last().map_or(&system.op, |l| &l.op);
            let (cxw, cyw) = (coarse_widths(&xw, rx), coarse_widths(&yw, ry));
            let geometry = Geometry {
                cxw: &cxw,
                cyw: &cyw,
                rx,
                ry,
            };
            let parts = coarse_parts.as_ref().unwrap_or(&system.parts);
            let (mut op, mut next_parts) = coarsen(fine_op, parts, &geometry);
            anchor_to_fixed_cells(system, &mut op, &mut next_parts, &cxw, &cyw, (sx, sy));
            let level = CoarseLevel {
                op,
                rx,
                ry,
                px: interp_table(&xw, &cxw, rx),
                py: interp_table(&yw, &cyw, ry),
            };
            coarse.push(level);
            coarse_parts = Some(next_parts);
            xw = cxw;
            yw = cyw;
        }
        let coarsest = BandedCholesky::factor(coarse.last().map_or(&system.op, |l| &l.op));
        Hierarchy { coarse, coarsest }
    }

    /// Number of levels, the finest included.
    pub fn levels(&self) -> usize {
        self.coarse.len() + 1
    }
}

/// Cell widths (in finest-cell units) of a coarse level, and the ratios that made it.
struct Geometry<'a> {
    cxw: &'a [f64],
    cyw: &'a [f64],
    rx: usize,
    ry: usize,
}

/// Anchor of a fixed coarse cell: its row reads `1e30 u = s`, so its correction is zero to
/// working precision whatever residual its free children restrict into it.
pub const FIXED_COARSE_ANCHOR: f64 = 1e30;

fn coarsen(fine: &Operator, parts: &AnchorParts, g: &Geometry) -> (Operator, AnchorParts) {
    let (fnx, fny) = (fine.nx, fine.ny);
    let (cnx, cny) = (g.cxw.len(), g.cyw.len());
    let (rx, ry) = (g.rx, g.ry);
    let n = cnx * cny;
    let mut out = AnchorParts::zeros(n);
    for cj in 0..cny {
        for ci in 0..cnx {
            let c = cj * cnx + ci;
            let cols = (ci * rx)..((ci * rx + rx).min(fnx));
            let rows = (cj * ry)..((cj * ry + ry).min(fny));
            let child = |i: usize, j: usize| j * fnx + i;
            out.fixed[c] = rows
                .clone()
                .all(|j| cols.clone().all(|i| parts.fixed[child(i, j)]));
            // through-conductance: children side by side add, children in a row chain
            // (columns in parallel, then in series along x; rows likewise along y)
            out.gx[c] = 1.0
                / cols
                    .clone()
                    .map(|i| 1.0 / rows.clone().map(|j| parts.gx[child(i, j)]).sum::<f64>())
                    .sum::<f64>();
            out.gy[c] = 1.0
                / rows
                    .clone()
                    .map(|j| 1.0 / cols.clone().map(|i| parts.gy[child(i, j)]).sum::<f64>())
                    .sum::<f64>();
            for j in rows.clone() {
                for i in cols.clone() {
                    let f = child(i, j);
                    out.well[c] += parts.well[f];
                    if parts.fixed[f] {
                        continue;
                    }
                    out.area[c] += parts.area[f];
                    // films act along the wall's length: they add
                    out.film_x[c] += parts.film_x[f];
                    out.film_y[c] += parts.film_y[f];
                }
            }
            // the conduction part of a wall link is the half cell next to the wall
            if out.film_x[c] > 0.0 {
                out.wall_x[c] = 2.0 * out.gx[c];
            }
            if out.film_y[c] > 0.0 {
                out.wall_y[c] = 2.0 * out.gy[c];
            }
        }
    }
    // faces: the two half cells between neighbouring centres in series; none into a fixed
    // cell (its pull is an anchor, see `anchor_to_fixed_cells`)
    let half_series = |a: f64, b: f64| {
        if a > 0.0 && b > 0.0 {
            1.0 / (1.0 / (2.0 * a) + 1.0 / (2.0 * b))
        } else {
            0.0
        }
    };
    let mut cx = vec![0.0; n];
    let mut cy = vec![0.0; n];
    for cj in 0..cny {
        for ci in 0..cnx {
            let c = cj * cnx + ci;
            if out.fixed[c] {
                continue;
            }
            if ci + 1 < cnx && !out.fixed[c + 1] {
                cx[c] = half_series(out.gx[c], out.gx[c + 1]);
            }
            if cj + 1 < cny && !out.fixed[c + cnx] {
                cy[c] = half_series(out.gy[c], out.gy[c + cnx]);
            }
        }
    }
    let anchor = (0..n)
        .map(|c| {
            if out.fixed[c] {
                FIXED_COARSE_ANCHOR
            } else {
                out.total(c)
            }
        })
        .collect();
    (
        Operator {
            nx: cnx,
            ny: cny,
            cx,
            cy,
            anchor,
        },
        out,
    )
}

/// How strongly fixed cells inside a coarse cell pin it: Peaceman's well index, the
/// conductance between a point held fixed and the mean of a square block of side `width`
/// (in finest cells) around it, `2 pi k / ln(r_e / r_w)` with `r_e = 0.2 width`. The fixed
/// cell's equivalent radius `r_w` makes the index equal the cell's own four links (4k) at
/// width 1, giving `2 pi k / (pi/2 + ln width)`. `well` is the sum of `k` over the fixed cells.
pub fn well_index(well: f64, width: f64) -> f64 {
    2.0 * std::f64::consts::PI * well / (std::f64::consts::FRAC_PI_2 + width.max(1.0).ln())
}

/// Anchors each free coarse cell to the fixed cells of the finest grid, computed from the
/// finest data on every level because a fixed cell may sit anywhere inside or beside a coarse
/// cell and a point, a line and a block of fixed cells pull differently:
/// - fixed cells inside the coarse cell pin it by their well index (see [`well_index`]);
/// - a link from a free cell inside to a fixed cell outside is stretched to the distance from
///   the coarse centre to the fixed cell along the link (at least half a finest cell).
fn anchor_to_fixed_cells(
    system: &System,
    op: &mut Operator,
    parts: &mut AnchorParts,
    xw: &[f64],
    yw: &[f64],
    (sx, sy): (u32, u32),
) {
    if system.cut_links.is_empty() {
        return;
    }
    let (xc, yc) = (centres(xw), centres(yw));
    let nx0 = system.op.nx;
    for link in &system.cut_links {
        let (fi, fj) = (link.free % nx0, link.free / nx0);
        let (qi, qj) = (link.fixed % nx0, link.fixed / nx0);
        let (ci, cj) = (fi >> sx, fj >> sy);
        if (ci, cj) == (qi >> sx, qj >> sy) {
            continue; // inside: counted by the well index
        }
        let distance = if link.xdir {
            (xc[ci] - (qi as f64 + 0.5)).abs()
        } else {
            (yc[cj] - (qj as f64 + 0.5)).abs()
        };
        // the finest link spans one cell: conductance x 1 / distance
        parts.cut[cj * op.nx + ci] += link.conductance / distance.max(0.5);
    }
    for cj in 0..op.ny {
        for ci in 0..op.nx {
            let c = cj * op.nx + ci;
            if !parts.fixed[c] {
                let width = (xw[ci] * yw[cj]).sqrt();
                op.anchor[c] = parts.total(c) + well_index(parts.well[c], width);
            }
        }
    }
}

/// Cholesky factor of a level's matrix in band storage, for the exact coarsest solve.
///
/// Cells are numbered along the shorter axis first, so the half-bandwidth is `min(nx, ny)`;
/// the work is `O(n b²)`, small because coarsening stops only at 2 × 2 or at thin grids.
#[derive(Clone, Debug)]
pub struct BandedCholesky {
    pub nx: usize,
    pub ny: usize,
    /// Half-bandwidth.
    pub band: usize,
    /// Numbering runs down columns (x-major) because the grid is wider than tall.
    pub column_major: bool,
    /// `l[k * (band + 1) + d] = L[k][k - d]`.
    pub l: Vec<f64>,
}

impl BandedCholesky {
    pub fn factor(op: &Operator) -> Self {
        let (nx, ny) = (op.nx, op.ny);
        let column_major = nx > ny;
        let band = nx.min(ny);
        let w = band + 1;
        let n = op.cells();
        let mut chol = BandedCholesky {
            nx,
            ny,
            band,
            column_major,
            l: vec![0.0; n * w],
        };
        // the matrix in band storage: a[k][d] = A[k][k - d]
        let mut a = vec![0.0; n * w];
        for j in 0..ny {
            for i in 0..nx {
                let (p, k) = (j * nx + i, chol.order(i, j));
                a[k * w] = op.face_sum(i, j) + op.anchor[p];
                for (q, c) in [
                    (i + 1 < nx).then(|| (chol.order(i + 1, j), op.cx[p])),
                    (j + 1 < ny).then(|| (chol.order(i, j + 1), op.cy[p])),
                ]
                .into_iter()
                .flatten()
                {
                    let (hi, lo) = (k.max(q), k.min(q));
                    a[hi * w + (hi - lo)] = -c;
                }
            }
        }
        let l = &mut chol.l;
        for k in 0..n {
            for d in (1..=band.min(k)).rev() {
                let col = k - d;
                // L[k][col] = (A[k][col] - sum_m L[k][m] L[col][m]) / L[col][col]
                let mut acc = a[k * w + d];
                for m in (col.saturating_sub(band))..col {
                    if k - m <= band {
                        acc -= l[k * w + (k - m)] * l[col * w + (col - m)];
                    }
                }
                l[k * w + d] = acc / l[col * w];
            }
            let mut diag = a[k * w];
            for d in 1..=band.min(k) {
                diag -= l[k * w + d] * l[k * w + d];
            }
            // SPD by construction (an anchored, weakly diagonally dominant M-matrix)
            l[k * w] = diag.max(f64::MIN_POSITIVE).sqrt();
        }
        chol
    }

    /// Position of cell (i, j) in the banded numbering.
    pub fn order(&self, i: usize, j: usize) -> usize {
        if self.column_major {
            i * self.ny + j
        } else {
            j * self.nx + i
        }
    }

    /// Grid index of the k-th cell in the banded numbering.
    fn grid(&self, k: usize) -> usize {
        if self.column_major {
            (k % self.ny) * self.nx + k / self.ny
        } else {
            k
        }
    }

    /// Solves `A u = rhs` (both in grid order).
    pub fn solve(&self, rhs: &[f64], u: &mut [f64]) {
        let (b, w, n) = (self.band, self.band + 1, self.nx * self.ny);
        let l = &self.l;
        let mut y = vec![0.0; n];
        for k in 0..n {
            let mut acc = rhs[self.grid(k)];
            for d in 1..=b.min(k) {
                acc -= l[k * w + d] * y[k - d];
            }
            y[k] = acc / l[k * w];
        }
        for k in (0..n).rev() {
            let mut acc = y[k];
            for d in 1..=b.min(n - 1 - k) {
                acc -= l[(k + d) * w + d] * y[k + d];
            }
            y[k] = acc / l[k * w];
        }
        for k in 0..n {
            u[self.grid(k)] = y[k];
        }
    }
}
