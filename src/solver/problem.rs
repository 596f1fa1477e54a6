//! The continuous problem as a user states it, before any discretisation.
//!
//! `-div(k grad u) + g (u - u_s) = f` on a uniform cell-centred grid of `nx × ny` square cells of
//! side `spacing_m`, with per-cell `k > 0`, `g >= 0`, `u_s`, `f`, optional fixed-value cells, and
//! one boundary condition per side. Cells are stored row-major with x fastest: `index = j*nx + i`.
//! Units are the caller's: for heat, k in W/K (a depth-integrated conductivity), g in W/(m² K),
//! f in W/m², u in °C; for power, k is sheet conductance in S, f a current density in A/m², u in V.
//!
//! Optionally the problem carries advection by a given discrete flow (see [`Advection`]): the
//! steady advection–diffusion equation `div(F u) - div(k grad u) + g (u - u_s) + m u = f`, with
//! face fluxes `F` (ṁ c_p through each face, W/K for heat), inflow `g` bringing fluid at `u_s`
//! and outflow `m` removing it at the local value. The flow must conserve mass cell by cell;
//! the operator is then a nonsymmetric M-matrix (first-order upwind).

use super::parallel::{fold_blocks, position_first};
use std::fmt;

/// Boundary condition on one side of the rectangle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary {
    /// `u = value` on the wall (the wall is half a cell from the first cell centre).
    Fixed { value: f64 },
    /// `-k du/dn = coeff (u - value)` on the wall; `coeff` per unit wall length, in the units of
    /// `g × length`, i.e. W/(m K) for heat. `coeff = 0` is zero flux; `coeff -> inf` is `Fixed`.
    Robin { coeff: f64, value: f64 },
    /// No flux through the wall.
    ZeroFlux,
}

/// The four sides, in the order `Problem::boundary` stores them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    West = 0,
    East = 1,
    South = 2,
    North = 3,
}

/// One steady diffusion–reaction problem on a uniform grid.
#[derive(Clone, Debug)]
pub struct Problem {
    pub nx: usize,
    pub ny: usize,
    pub spacing_m: f64,
    /// k per cell; faces take the harmonic mean of their two cells.
    pub conductivity: Vec<f64>,
    /// g per cell (sink coefficient per unit area).
    pub sink_coeff: Vec<f64>,
    /// u_s per cell (the value the sink pulls toward).
    pub sink_value: Vec<f64>,
    /// f per cell (source per unit area).
    pub source: Vec<f64>,
    /// Cells whose value is fixed (feed points, Dirichlet islands).
    pub fixed: Vec<Option<f64>>,
    /// West, east, south, north.
    pub boundary: [Boundary; 4],
    /// Advection by a given flow; `None` for pure diffusion (a symmetric operator).
    pub advection: Option<Advection>,
    /// Openings of the interior faces, multiplying their conductance: 0 closes a face (a
    /// containment panel, a rack casing), 1 leaves it open. `None`: every face open.
    pub openings: Option<Openings>,
}

/// Open fractions of the interior faces (each in [0, 1]).
#[derive(Clone, Debug, PartialEq)]
pub struct Openings {
    /// The east face of each cell (ignored in the last column).
    pub x: Vec<f64>,
    /// The north face of each cell (ignored in the last row).
    pub y: Vec<f64>,
}

impl Openings {
    pub fn open(n: usize) -> Self {
        Openings {
            x: vec![1.0; n],
            y: vec![1.0; n],
        }
    }
}

/// A discrete flow through the cells: face fluxes and the outflow that leaves the domain.
///
/// Mass balance per free cell: `flux out through faces + outflow = inflow`, where inflow is the
/// sink coefficient `g h²` (fluid entering at `u_s`). Whatever imbalance the caller's flow has
/// (a solver tolerance, say) is kept in the operator, so heat is conserved exactly anyway.
#[derive(Clone, Debug, PartialEq)]
pub struct Advection {
    /// Flux through the east face of each cell, positive toward +x (0 in the last column).
    pub flux_x: Vec<f64>,
    /// Flux through the north face of each cell, positive toward +y (0 in the last row).
    pub flux_y: Vec<f64>,
    /// Outflow per unit area (same units as `sink_coeff`): fluid leaving at the cell's value.
    pub outflow: Vec<f64>,
}

impl Advection {
    pub fn zeros(n: usize) -> Self {
        Advection {
            flux_x: vec![0.0; n],
            flux_y: vec![0.0; n],
            outflow: vec![0.0; n],
        }
    }
}

/// The right-hand side of a problem: everything that may change without changing the
/// operator (and so without preparing the solver again).
#[derive(Clone, Debug, PartialEq)]
pub struct Rhs {
    pub source: Vec<f64>,
    pub sink_value: Vec<f64>,
    /// The value of each fixed cell (read only where the problem fixes a cell).
    pub fixed_value: Vec<f64>,
    /// The value of each side's `Fixed` or `Robin` condition (ignored for `ZeroFlux`).
    pub boundary_value: [f64; 4],
}

/// A problem the solver cannot accept, with the field and the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemError {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for ProblemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for ProblemError {}

impl Problem {
    /// A problem with k = 1, no sink, no source, no fixed cells and zero-flux walls.
    pub fn new(nx: usize, ny: usize, spacing_m: f64) -> Self {
        let n = nx * ny;
        Problem {
            nx,
            ny,
            spacing_m,
            conductivity: vec![1.0; n],
            sink_coeff: vec![0.0; n],
            sink_value: vec![0.0; n],
            source: vec![0.0; n],
            fixed: vec![None; n],
            boundary: [Boundary::ZeroFlux; 4],
            advection: None,
            openings: None,
        }
    }

    /// The right-hand side part of the problem.
    pub fn rhs(&self) -> Rhs {
        Rhs {
            source: self.source.clone(),
            sink_value: self.sink_value.clone(),
            fixed_value: self.fixed.iter().map(|v| v.unwrap_or(0.0)).collect(),
            boundary_value: self.rhs_boundary_values(),
        }
    }

    /// The value of each side's condition (0 for zero flux).
    pub fn rhs_boundary_values(&self) -> [f64; 4] {
        self.boundary.map(|b| match b {
            Boundary::Fixed { value } | Boundary::Robin { value, .. } => value,
            Boundary::ZeroFlux => 0.0,
        })
    }

    /// Whether the operator is symmetric (no advection).
    pub fn symmetric(&self) -> bool {
        self.advection.is_none()
    }

    pub fn cells(&self) -> usize {
        self.nx * self.ny
    }

    pub fn index(&self, i: usize, j: usize) -> usize {
        j * self.nx + i
    }

    /// Centre of cell (i, j) in metres from the south-west corner.
    pub fn centre_m(&self, i: usize, j: usize) -> (f64, f64) {
        (
            (i as f64 + 0.5) * self.spacing_m,
            (j as f64 + 0.5) * self.spacing_m,
        )
    }

    pub fn set_boundary(&mut self, side: Side, bc: Boundary) {
        self.boundary[side as usize] = bc;
    }

    /// Checks everything the discretisation relies on. A problem that passes has a unique
    /// solution: it is anchored somewhere (fixed cell, sink or non-zero-flux wall).
    pub fn validate(&self) -> Result<(), ProblemError> {
        let err = |field: &str, reason: String| {
            Err(ProblemError {
                field: field.to_string(),
                reason,
            })
        };
        if self.nx < 2 || self.ny < 2 {
            return err(
                "grid",
                format!("expected nx, ny >= 2, found {} x {}", self.nx, self.ny),
            );
        }
        if !(self.spacing_m.is_finite() && self.spacing_m > 0.0) {
            return err(
                "spacing_m",
                format!("expected a finite value > 0, found {}", self.spacing_m),
            );
        }
        let n = self.cells();
        let lens = [
            ("conductivity", self.conductivity.len()),
            ("sink_coeff", self.sink_coeff.len()),
            ("sink_value", self.sink_value.len()),
            ("source", self.source.len()),
            ("fixed", self.fixed.len()),
        ];
        for (name, len) in lens {
            if len != n {
                return err(name, format!("expected {n} cells, found {len}"));
            }
        }
        // one parallel pass per field finds the first cell that is not finite or out of range;
        // a later non-finite value is reported before an earlier out-of-range one
        for (name, field, rule) in [
            ("conductivity", &self.conductivity, Some("> 0")),
            ("sink_coeff", &self.sink_coeff, Some(">= 0")),
            ("sink_value", &self.sink_value, None),
            ("source", &self.source, None),
        ] {
            // every accepted value is finite and at least `lo` (the least positive double for
            // a strictly positive field, -inf where any finite number will do): two
            // comparisons without branches, so the scan runs at memory speed
            let lo = match rule {
                Some("> 0") => f64::from_bits(1),
                Some(_) => 0.0,
                None => f64::NEG_INFINITY,
            };
            let Some(first) = position_first(field, |&v| !((v.abs() < f64::INFINITY) & (v >= lo)))
            else {
                continue;
            };
            let p = if field[first].is_finite() {
                position_first(&field[first..], |v| !v.is_finite()).map(|q| first + q)
            } else {
                Some(first)
            };
            if let Some(p) = p {
                return err(
                    &format!("{name}[{p}]"),
                    format!("expected a finite number, found {}", field[p]),
                );
            }
            return err(
                &format!("{name}[{first}]"),
                format!(
                    "expected {}, found {}",
                    rule.unwrap_or_default(),
                    field[first]
                ),
            );
        }
        // one pass over the fixed values: the first that is not finite, and whether any is set
        let (bad_fixed, any_fixed) = fold_blocks(
            n,
            (None, false),
            |range| {
                let start = range.start;
                let part = &self.fixed[range];
                let not_finite = |v: &Option<f64>| v.is_some_and(|x| !x.is_finite());
                // one pass without exits; the block searched again only when it has a bad one
                let (bad, any) = part.iter().fold((false, false), |(bad, any), v| {
                    (bad | not_finite(v), any | v.is_some())
                });
                let bad = bad
                    .then(|| part.iter().position(not_finite).map(|q| start + q))
                    .flatten();
                (bad, any)
            },
            |a: (Option<usize>, bool), b| (a.0.or(b.0), a.1 || b.1),
        );
        if let Some(p) = bad_fixed {
            return err(
                &format!("fixed[{p}]"),
                "expected a finite value".to_string(),
            );
        }
        let names = ["west", "east", "south", "north"];
        let mut anchored_wall = false;
        for (side, bc) in names.iter().zip(self.boundary.iter()) {
            match *bc {
                Boundary::Fixed { value } if !value.is_finite() => {
                    return err(
                        &format!("boundary.{side}.value"),
                        format!("expected a finite number, found {value}"),
                    );
                }
                Boundary::Robin { coeff, value } if !(coeff.is_finite() && coeff >= 0.0) => {
                    let _ = value;
                    return err(
                        &format!("boundary.{side}.coeff"),
                        format!("expected a finite value >= 0, found {coeff}"),
                    );
                }
                Boundary::Robin { value, .. } if !value.is_finite() => {
                    return err(
                        &format!("boundary.{side}.value"),
                        format!("expected a finite number, found {value}"),
                    );
                }
                Boundary::Fixed { .. } => anchored_wall = true,
                Boundary::Robin { coeff, .. } if coeff > 0.0 => anchored_wall = true,
                _ => {}
            }
        }
        if let Some(o) = &self.openings {
            for (name, field) in [("openings.x", &o.x), ("openings.y", &o.y)] {
                if field.len() != n {
                    return err(name, format!("expected {n} cells, found {}", field.len()));
                }
                if let Some(p) =
                    position_first(field, |v| !(v.is_finite() && (0.0..=1.0).contains(v)))
                {
                    return err(
                        &format!("{name}[{p}]"),
                        format!("expected an open fraction in [0, 1], found {}", field[p]),
                    );
                }
            }
        }
        if let Some(adv) = &self.advection {
            self.validate_advection(adv)?;
        }
        let anchored =
            anchored_wall || any_fixed || position_first(&self.sink_coeff, |&g| g > 0.0).is_some();
        if !anchored {
            return err(
                "problem",
                "singular: no fixed cell, no sink and only zero-flux walls, so the solution is \
                 defined only up to a constant"
                    .to_string(),
            );
        }
        Ok(())
    }

    fn validate_advection(&self, adv: &Advection) -> Result<(), ProblemError> {
        let err = |field: String, reason: String| Err(ProblemError { field, reason });
        let n = self.cells();
        for (name, field) in [
            ("flux_x", &adv.flux_x),
            ("flux_y", &adv.flux_y),
            ("outflow", &adv.outflow),
        ] {
            if field.len() != n {
                return err(
                    format!("advection.{name}"),
                    format!("expected {n} cells, found {}", field.len()),
                );
            }
            if let Some(p) = position_first(field, |v| !v.is_finite()) {
                return err(
                    format!("advection.{name}[{p}]"),
                    format!("expected a finite number, found {}", field[p]),
                );
            }
        }
        if let Some(p) = adv.outflow.iter().position(|&v| v < 0.0) {
            return err(
                format!("advection.outflow[{p}]"),
                format!("expected >= 0, found {}", adv.outflow[p]),
            );
        }
        let (nx, ny) = (self.nx, self.ny);
        for j in 0..ny {
            let p = j * nx + nx - 1;
            if adv.flux_x[p] != 0.0 {
                return err(
                    format!("advection.flux_x[{p}]"),
                    "the east wall is impermeable: expected 0 in the last column".into(),
                );
            }
        }
        for i in 0..nx {
            let p = (ny - 1) * nx + i;
            if adv.flux_y[p] != 0.0 {
                return err(
                    format!("advection.flux_y[{p}]"),
                    "the north wall is impermeable: expected 0 in the last row".into(),
                );
            }
        }
        // mass balance: what flows out of a free cell (faces and outflow) came in as inflow;
        // an imbalance beyond rounding would make the operator lose its M-matrix property
        let h2 = self.spacing_m * self.spacing_m;
        for j in 0..ny {
            for i in 0..nx {
                let p = j * nx + i;
                if self.fixed[p].is_some() {
                    continue;
                }
                let mut out = adv.flux_x[p] + adv.flux_y[p];
                let mut scale = adv.flux_x[p].abs() + adv.flux_y[p].abs();
                if i > 0 {
                    out -= adv.flux_x[p - 1];
                    scale += adv.flux_x[p - 1].abs();
                }
                if j > 0 {
                    out -= adv.flux_y[p - nx];
                    scale += adv.flux_y[p - nx].abs();
                }
                let inflow = self.sink_coeff[p] * h2;
                let outflow = adv.outflow[p] * h2;
                let defect = out + outflow - inflow;
                scale += inflow + outflow;
                if defect < -1e-6 * scale {
                    return err(
                        format!("advection[{p}]"),
                        format!(
                            "the flow does not conserve mass in cell ({i}, {j}): {:.3e} more \
                             enters than leaves (of {scale:.3e})",
                            -defect
                        ),
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid problem of nx × ny (a fixed wall anchors it).
    fn valid(nx: usize, ny: usize) -> Problem {
        let mut p = Problem::new(nx, ny, 0.1);
        p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 });
        p
    }

    fn field_of(p: &Problem) -> String {
        p.validate().expect_err("rejected").field
    }

    /// The field checks name the first bad cell, on a small grid (one serial scan) and a large
    /// one (blocks scanned in parallel, bad cells in different blocks and runs).
    #[test]
    fn validate_names_the_first_bad_cell_of_each_field() {
        for (nx, ny) in [(7, 5), (300, 300)] {
            let n = nx * ny;
            let (early, late) = (n / 3 + 17, n - 5);
            let mut p = valid(nx, ny);
            p.conductivity[1] = f64::from_bits(1); // the least positive double is accepted
            p.sink_coeff[2] = -0.0; // >= 0 holds for negative zero
            assert!(p.validate().is_ok(), "{nx} x {ny}: valid problem rejected");
            for bad in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY] {
                let mut p = valid(nx, ny);
                p.conductivity[late] = bad;
                p.conductivity[early] = bad;
                assert_eq!(field_of(&p), format!("conductivity[{early}]"), "{bad}");
            }
            let mut p = valid(nx, ny);
            p.sink_coeff[late] = -1e-300;
            assert_eq!(field_of(&p), format!("sink_coeff[{late}]"));
            // a non-finite value is reported before an earlier value out of range
            p.sink_coeff[early] = -1.0;
            p.sink_coeff[late] = f64::NAN;
            let e = p.validate().expect_err("rejected");
            assert_eq!(e.field, format!("sink_coeff[{late}]"));
            assert!(e.reason.contains("finite"), "{}", e.reason);
            let mut p = valid(nx, ny);
            p.source[late] = f64::NEG_INFINITY;
            assert_eq!(field_of(&p), format!("source[{late}]"));
            let mut p = valid(nx, ny);
            p.fixed[late] = Some(f64::NAN);
            p.fixed[early] = Some(1.0);
            assert_eq!(field_of(&p), format!("fixed[{late}]"));
        }
    }
}
