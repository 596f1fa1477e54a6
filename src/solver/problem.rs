//! The continuous problem as a user states it, before any discretisation.
//!
//! `-div(k grad u) + g (u - u_s) = f` on a uniform cell-centred grid of `nx × ny` square cells of
//! side `spacing_m`, with per-cell `k > 0`, `g >= 0`, `u_s`, `f`, optional fixed-value cells, and
//! one boundary condition per side. Cells are stored row-major with x fastest: `index = j*nx + i`.
//! Units are the caller's: for heat, k in W/K (a depth-integrated conductivity), g in W/(m² K),
//! f in W/m², u in °C; for power, k is sheet conductance in S, f a current density in A/m², u in V.

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
        }
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
        for (name, field, positive) in [
            ("conductivity", &self.conductivity, true),
            ("sink_coeff", &self.sink_coeff, false),
            ("sink_value", &self.sink_value, false),
            ("source", &self.source, false),
        ] {
            if let Some(p) = field.iter().position(|v| !v.is_finite()) {
                return err(
                    &format!("{name}[{p}]"),
                    format!("expected a finite number, found {}", field[p]),
                );
            }
            let bad = |v: f64| {
                if positive {
                    v <= 0.0
                } else {
                    name == "sink_coeff" && v < 0.0
                }
            };
            if let Some(p) = field.iter().position(|&v| bad(v)) {
                let want = if positive { "> 0" } else { ">= 0" };
                return err(
                    &format!("{name}[{p}]"),
                    format!("expected {want}, found {}", field[p]),
                );
            }
        }
        if let Some(p) = self
            .fixed
            .iter()
            .position(|v| v.is_some_and(|x| !x.is_finite()))
        {
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
        let anchored = anchored_wall
            || self.fixed.iter().any(Option::is_some)
            || self.sink_coeff.iter().any(|&g| g > 0.0);
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
}
