//! The discrete system: a cell-centred finite-volume assembly of a [`Problem`].
//!
//! Every row is written in one form, on every grid level:
//!
//! `sum_faces c_f (u_P - u_N) + a_P (u_P - w_P) = s_P`
//!
//! `c_f` is a face conductance (east face in `cx`, north face in `cy`; a face on the domain edge
//! or into a fixed cell is 0), `a_P` the anchor conductance (sink `g h²`, wall links and links
//! cut at fixed cells), `w_P` its anchor value, `s_P = f h²` the cell-integrated source. A fixed
//! cell has no faces and `a_P (u_P - w_P) = 0`. Written as `A u = b`, `A` is a symmetric M-matrix
//! with `A_PP = sum c + a`, `A_PN = -c`, `b = s + a w`. Keeping differences (`u_P - u_N`,
//! `u_P - w_P`) rather than `A_PP u_P - ...` is what keeps residuals accurate in f32: the
//! difference of two nearby floats is exact, so rounding is relative to the flux, not to `u/h²`.

use super::problem::{Boundary, Problem};
use std::io::{self, Write};

/// Face conductances and anchors of one grid level (no right-hand side).
#[derive(Clone, Debug)]
pub struct Operator {
    pub nx: usize,
    pub ny: usize,
    /// Conductance of the face between (i, j) and (i+1, j); 0 in the last column.
    pub cx: Vec<f64>,
    /// Conductance of the face between (i, j) and (i, j+1); 0 in the last row.
    pub cy: Vec<f64>,
    /// Anchor conductance a_P (> 0 for fixed cells).
    pub anchor: Vec<f64>,
}

/// Anchor conductances split by how they coarsen: sinks scale with area; links cut at fixed
/// cells and fixed cells themselves are handled per level from the finest data (see
/// `hierarchy`); a wall link is a series of the half-cell conduction
/// (`k × length / distance`, scaled like a face) and the Robin film (`alpha × length`, summed
/// along the wall; infinite for a fixed-value wall). A cell touches at most one wall per axis
/// (every level has at least 2 cells per axis). Fixed cells carry none: their effect is in
/// the cut links.
#[derive(Clone, Debug)]
pub struct AnchorParts {
    pub area: Vec<f64>,
    /// Links cut at fixed cells.
    pub cut: Vec<f64>,
    /// Sum of the mean link conductance of the fixed cells inside (a fixed cell's pull on a
    /// coarse cell around it, see `hierarchy::well_index`).
    pub well: Vec<f64>,
    /// Through-conductance of the cell along x and y (`k × height / width`; `k` on the
    /// finest level), from which coarse faces and wall links are rediscretised.
    pub gx: Vec<f64>,
    pub gy: Vec<f64>,
    /// Conduction part of the wall link along x (west or east wall), and its film part.
    pub wall_x: Vec<f64>,
    pub film_x: Vec<f64>,
    pub wall_y: Vec<f64>,
    pub film_y: Vec<f64>,
    pub fixed: Vec<bool>,
}

/// Conductance of conduction `k` in series with a film `film` (either may be infinite).
pub fn series(k: f64, film: f64) -> f64 {
    if k <= 0.0 || film <= 0.0 {
        0.0
    } else {
        1.0 / (1.0 / k + 1.0 / film)
    }
}

impl AnchorParts {
    pub fn zeros(n: usize) -> Self {
        AnchorParts {
            area: vec![0.0; n],
            cut: vec![0.0; n],
            well: vec![0.0; n],
            gx: vec![0.0; n],
            gy: vec![0.0; n],
            wall_x: vec![0.0; n],
            film_x: vec![0.0; n],
            wall_y: vec![0.0; n],
            film_y: vec![0.0; n],
            fixed: vec![false; n],
        }
    }

    /// Total anchor conductance of a free cell.
    pub fn total(&self, p: usize) -> f64 {
        self.area[p]
            + self.cut[p]
            + series(self.wall_x[p], self.film_x[p])
            + series(self.wall_y[p], self.film_y[p])
    }
}

/// A face between a free cell and a fixed cell, removed from the operator and turned into an
/// anchor of the free cell.
#[derive(Clone, Copy, Debug)]
pub struct CutLink {
    pub free: usize,
    pub fixed: usize,
    pub conductance: f64,
    /// The face is normal to x (else y).
    pub xdir: bool,
}

/// The finest level with its right-hand side, ready for any backend.
#[derive(Clone, Debug)]
pub struct System {
    pub op: Operator,
    pub parts: AnchorParts,
    pub cut_links: Vec<CutLink>,
    /// w_P: the value each cell's anchor pulls toward.
    pub anchor_value: Vec<f64>,
    /// s_P = f h².
    pub rhs: Vec<f64>,
}

impl Operator {
    pub fn cells(&self) -> usize {
        self.nx * self.ny
    }

    /// `sum_faces c_f` of cell (i, j).
    pub fn face_sum(&self, i: usize, j: usize) -> f64 {
        let p = j * self.nx + i;
        let mut sum = self.cx[p] + self.cy[p];
        if i > 0 {
            sum += self.cx[p - 1];
        }
        if j > 0 {
            sum += self.cy[p - self.nx];
        }
        sum
    }

    /// `sum_faces c_f (u_P - u_N)` at cell (i, j).
    pub fn flux_out(&self, u: &[f64], i: usize, j: usize) -> f64 {
        let (nx, p) = (self.nx, j * self.nx + i);
        let up = u[p];
        let mut flux = 0.0;
        if i + 1 < nx {
            flux += self.cx[p] * (up - u[p + 1]);
        }
        if i > 0 {
            flux += self.cx[p - 1] * (up - u[p - 1]);
        }
        if j + 1 < self.ny {
            flux += self.cy[p] * (up - u[p + nx]);
        }
        if j > 0 {
            flux += self.cy[p - nx] * (up - u[p - nx]);
        }
        flux
    }

    /// `||A||_inf = max_P (2 sum c + a)`.
    pub fn norm_inf(&self) -> f64 {
        let mut norm: f64 = 0.0;
        for j in 0..self.ny {
            for i in 0..self.nx {
                let p = j * self.nx + i;
                norm = norm.max(2.0 * self.face_sum(i, j) + self.anchor[p]);
            }
        }
        norm
    }
}

impl System {
    pub fn assemble(problem: &Problem) -> System {
        let (nx, ny) = (problem.nx, problem.ny);
        let n = nx * ny;
        let h = problem.spacing_m;
        let k = &problem.conductivity;
        let fixed = |p: usize| problem.fixed[p].is_some();
        let mut cx = vec![0.0; n];
        let mut cy = vec![0.0; n];
        let mut parts = AnchorParts::zeros(n);
        parts.fixed = problem.fixed.iter().map(Option::is_some).collect();
        parts.gx.clone_from(&problem.conductivity);
        parts.gy.clone_from(&problem.conductivity);
        // sum of a_j w_j per cell, divided by a_P at the end
        let mut weighted = vec![0.0; n];
        // what a fixed cell's row would have on its diagonal: scales its identity row like its
        // neighbours so ||A|| and ||b|| stay meaningful
        let mut fixed_diag = vec![0.0; n];

        let mut cut_links = Vec::new();
        let harmonic = |a: f64, b: f64| 2.0 * a * b / (a + b);
        // a face between p and q of conductance c, normal to x (xdir) or y
        let mut link = |p: usize, q: usize, c: f64, xdir: bool, cface: &mut f64| {
            fixed_diag[p] += c;
            fixed_diag[q] += c;
            match (problem.fixed[p], problem.fixed[q]) {
                (None, None) => *cface = c,
                (None, Some(v)) | (Some(v), None) => {
                    let (free, fixed) = if fixed(p) { (q, p) } else { (p, q) };
                    parts.cut[free] += c;
                    weighted[free] += c * v;
                    cut_links.push(CutLink {
                        free,
                        fixed,
                        conductance: c,
                        xdir,
                    });
                }
                (Some(_), Some(_)) => {}
            }
        };
        for j in 0..ny {
            for i in 0..nx {
                let p = j * nx + i;
                if i + 1 < nx {
                    link(p, p + 1, harmonic(k[p], k[p + 1]), true, &mut cx[p]);
                }
                if j + 1 < ny {
                    link(p, p + nx, harmonic(k[p], k[p + nx]), false, &mut cy[p]);
                }
            }
        }

        // walls: the link from the cell centre to the wall (h/2 away, conductance 2k) in series
        // with the Robin film (alpha h per face of length h; infinite for a fixed value)
        let mut add_wall = |p: usize, bc: Boundary, xdir: bool| {
            let (film, value) = match bc {
                Boundary::Fixed { value } => (f64::INFINITY, value),
                Boundary::Robin { coeff, value } if coeff > 0.0 => (coeff * h, value),
                _ => return,
            };
            let c = series(2.0 * k[p], film);
            fixed_diag[p] += c;
            if fixed(p) {
                return;
            }
            let (wall, films) = if xdir {
                (&mut parts.wall_x, &mut parts.film_x)
            } else {
                (&mut parts.wall_y, &mut parts.film_y)
            };
            wall[p] += 2.0 * k[p];
            films[p] += film;
            weighted[p] += c * value;
        };
        for j in 0..ny {
            add_wall(j * nx, problem.boundary[0], true);
            add_wall(j * nx + nx - 1, problem.boundary[1], true);
        }
        for i in 0..nx {
            add_wall(i, problem.boundary[2], false);
            add_wall((ny - 1) * nx + i, problem.boundary[3], false);
        }

        let mut anchor = vec![0.0; n];
        let mut anchor_value = vec![0.0; n];
        let mut rhs = vec![0.0; n];
        for p in 0..n {
            let area = problem.sink_coeff[p] * h * h;
            if let Some(v) = problem.fixed[p] {
                let d = fixed_diag[p] + area;
                anchor[p] = if d > 0.0 { d } else { 1.0 };
                parts.well[p] = fixed_diag[p] / 4.0;
                anchor_value[p] = v;
                continue;
            }
            parts.area[p] = area;
            weighted[p] += area * problem.sink_value[p];
            anchor[p] = parts.total(p);
            if anchor[p] > 0.0 {
                anchor_value[p] = weighted[p] / anchor[p];
            }
            rhs[p] = problem.source[p] * h * h;
        }
        System {
            op: Operator {
                nx,
                ny,
                cx,
                cy,
                anchor,
            },
            parts,
            cut_links,
            anchor_value,
            rhs,
        }
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
            for (i, r) in row.iter_mut().enumerate() {
                let p = j * op.nx + i;
                *r = self.rhs[p]
                    - op.flux_out(u, i, j)
                    - op.anchor[p] * (u[p] - self.anchor_value[p]);
            }
        });
    }

    /// Normwise backward error and relative residual of `u` (see [`Quality`]).
    pub fn quality(&self, u: &[f64]) -> Quality {
        let mut r = vec![0.0; self.cells()];
        self.quality_with(&self.norms(), u, &mut r)
    }

    /// The norms of `A` and `b` that [`Quality`] divides by, computed once per solve.
    pub fn norms(&self) -> Norms {
        let b = self.b();
        Norms {
            a_inf: self.op.norm_inf(),
            b_inf: b.iter().fold(0.0f64, |m, x| m.max(x.abs())),
            b_two: b.iter().map(|x| x * x).sum::<f64>().sqrt(),
        }
    }

    /// [`System::quality`] without allocating: `r` receives the residual.
    pub fn quality_with(&self, norms: &Norms, u: &[f64], r: &mut [f64]) -> Quality {
        self.residual(u, r);
        let r_inf = r.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let r_two = r.iter().map(|x| x * x).sum::<f64>().sqrt();
        let u_inf = u.iter().fold(0.0f64, |m, x| m.max(x.abs()));
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

    /// Writes `A` in Matrix Market coordinate form (symmetric: lower triangle and diagonal).
    pub fn write_matrix_market(&self, out: &mut impl Write) -> io::Result<()> {
        let op = &self.op;
        let (nx, n) = (op.nx, self.cells());
        let offdiag = op.cx.iter().chain(op.cy.iter()).filter(|&&c| c != 0.0);
        let nnz = n + offdiag.count();
        writeln!(out, "%%MatrixMarket matrix coordinate real symmetric")?;
        writeln!(
            out,
            "% dcplan finite-volume system, cell index = j*nx + i (1-based below)"
        )?;
        writeln!(out, "{n} {n} {nnz}")?;
        for j in 0..op.ny {
            for i in 0..nx {
                let p = j * nx + i;
                let diag = op.face_sum(i, j) + op.anchor[p];
                writeln!(out, "{} {} {:.17e}", p + 1, p + 1, diag)?;
                // lower triangle: neighbours with a smaller index (west and south)
                if i > 0 && op.cx[p - 1] != 0.0 {
                    writeln!(out, "{} {} {:.17e}", p + 1, p, -op.cx[p - 1])?;
                }
                if j > 0 && op.cy[p - nx] != 0.0 {
                    writeln!(out, "{} {} {:.17e}", p + 1, p + 1 - nx, -op.cy[p - nx])?;
                }
            }
        }
        Ok(())
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
#[derive(Clone, Copy, Debug)]
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
