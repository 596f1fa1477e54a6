//! Grid hierarchy shared by the CPU and GPU multigrid: which levels exist, how cells map to
//! their coarse parents, and each coarse level's operator.
//!
//! A dimension is halved (`n -> ceil(n/2)`) while it has 3 or more cells, so odd and
//! non-square grids coarsen too; a coarse cell then has 1, 2 or 4 children. Coarsening stops at
//! 2 × 2 or smaller, which is solved exactly. Coarse operators are built by aggregation, with
//! each term scaled by how it changes under coarsening in finite-volume form: a face's
//! conductance is `k × length / distance`, so a coarse face is the sum of the fine faces it
//! covers scaled by the ratio of fine to coarse centre distance across it; sinks add by area;
//! cut links scale like faces; wall links keep conduction and film apart (see `AnchorParts`). A coarse cell all of whose children are fixed is fixed (its correction is 0).
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
}

/// Sizes of every level from the finest, with the ratios used to reach each one.
pub fn level_sizes(nx: usize, ny: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut sizes = vec![(nx, ny, 1, 1)];
    let (mut x, mut y) = (nx, ny);
    while x > 2 || y > 2 {
        let rx = if x >= 3 { 2 } else { 1 };
        let ry = if y >= 3 { 2 } else { 1 };
        x = x.div_ceil(rx);
        y = y.div_ceil(ry);
        sizes.push((x, y, rx, ry));
    }
    sizes
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
        for &(_, _, rx, ry) in &sizes[1..] {
            let fine_op = coarse.last().map_or(&system.op, |l| &l.op);
            let (cxw, cyw) = (coarse_widths(&xw, rx), coarse_widths(&yw, ry));
            let geometry = Geometry {
                xw: &xw,
                yw: &yw,
                cxw: &cxw,
                cyw: &cyw,
                rx,
                ry,
            };
            let parts = coarse_parts.as_ref().unwrap_or(&system.parts);
            let (op, next_parts) = coarsen(fine_op, parts, &geometry);
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
        Hierarchy { coarse }
    }

    /// Number of levels, the finest included.
    pub fn levels(&self) -> usize {
        self.coarse.len() + 1
    }
}

/// Cell widths (in finest-cell units) of a fine level and its coarse level.
struct Geometry<'a> {
    xw: &'a [f64],
    yw: &'a [f64],
    cxw: &'a [f64],
    cyw: &'a [f64],
    rx: usize,
    ry: usize,
}

fn coarsen(fine: &Operator, parts: &AnchorParts, g: &Geometry) -> (Operator, AnchorParts) {
    let (fnx, fny) = (fine.nx, fine.ny);
    let (cnx, cny) = (g.cxw.len(), g.cyw.len());
    let (rx, ry) = (g.rx, g.ry);
    let n = cnx * cny;
    let mut out = AnchorParts::zeros(n);
    out.fixed.fill(true);
    let mut cx = vec![0.0; n];
    let mut cy = vec![0.0; n];
    for cj in 0..cny {
        for ci in 0..cnx {
            let c = cj * cnx + ci;
            let cols = (ci * rx)..((ci * rx + rx).min(fnx));
            let rows = (cj * ry)..((cj * ry + ry).min(fny));
            for j in rows.clone() {
                for i in cols.clone() {
                    let f = j * fnx + i;
                    if parts.fixed[f] {
                        continue;
                    }
                    out.fixed[c] = false;
                    out.area[c] += parts.area[f];
                    // a link's conductance is k x length / distance: the distance grows with
                    // the cell width across it
                    let (sx, sy) = (g.xw[i] / g.cxw[ci], g.yw[j] / g.cyw[cj]);
                    out.xface[c] += parts.xface[f] * sx;
                    out.yface[c] += parts.yface[f] * sy;
                    out.wall_x[c] += parts.wall_x[f] * sx;
                    out.wall_y[c] += parts.wall_y[f] * sy;
                    // films act along the wall's length: they add
                    out.film_x[c] += parts.film_x[f];
                    out.film_y[c] += parts.film_y[f];
                }
            }
            // faces on the coarse cell's east and north sides: parallel fine faces, each
            // stretched from the fine to the coarse centre distance
            if ci + 1 < cnx {
                let i = ci * rx + rx - 1;
                let scale = (g.xw[i] + g.xw[i + 1]) / (g.cxw[ci] + g.cxw[ci + 1]);
                cx[c] = rows.clone().map(|j| fine.cx[j * fnx + i]).sum::<f64>() * scale;
            }
            if cj + 1 < cny {
                let j = cj * ry + ry - 1;
                let scale = (g.yw[j] + g.yw[j + 1]) / (g.cyw[cj] + g.cyw[cj + 1]);
                cy[c] = cols.clone().map(|i| fine.cy[j * fnx + i]).sum::<f64>() * scale;
            }
        }
    }
    let anchor = (0..n)
        .map(|c| if out.fixed[c] { 1.0 } else { out.total(c) })
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

/// Solves a system of at most a few cells exactly (dense Gaussian elimination with partial
/// pivoting). Used for the coarsest level; `u` receives the solution of `A u = s` with the
/// anchors pulling toward 0 (coarse levels solve for corrections).
pub fn solve_coarsest(op: &Operator, s: &[f64], u: &mut [f64]) {
    let n = op.cells();
    let mut m = vec![0.0; n * (n + 1)];
    let w = n + 1;
    for j in 0..op.ny {
        for i in 0..op.nx {
            let p = j * op.nx + i;
            m[p * w + p] = op.face_sum(i, j) + op.anchor[p];
            m[p * w + n] = s[p];
            if i + 1 < op.nx {
                m[p * w + p + 1] = -op.cx[p];
                m[(p + 1) * w + p] = -op.cx[p];
            }
            if j + 1 < op.ny {
                m[p * w + p + op.nx] = -op.cy[p];
                m[(p + op.nx) * w + p] = -op.cy[p];
            }
        }
    }
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| m[a * w + col].abs().total_cmp(&m[b * w + col].abs()))
            .unwrap_or(col);
        if pivot != col {
            for k in 0..w {
                m.swap(col * w + k, pivot * w + k);
            }
        }
        let d = m[col * w + col];
        if d == 0.0 {
            continue;
        }
        for row in (col + 1)..n {
            let f = m[row * w + col] / d;
            if f != 0.0 {
                for k in col..w {
                    m[row * w + k] -= f * m[col * w + k];
                }
            }
        }
    }
    for row in (0..n).rev() {
        let mut acc = m[row * w + n];
        for k in (row + 1)..n {
            acc -= m[row * w + k] * u[k];
        }
        let d = m[row * w + row];
        u[row] = if d != 0.0 { acc / d } else { 0.0 };
    }
}
