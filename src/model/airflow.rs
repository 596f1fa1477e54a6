//! Hall airflow as a compact model: a potential-flow field through the hall, then steady
//! advection–diffusion of the air temperature on it, with every rack coupled intake to exhaust.
//!
//! Flow (the established compact model of data halls, after VanGilder's potential-flow models),
//! in two zones: the air layer of the racks' height, on the plan grid, and a well-mixed zone
//! above it up to the ceiling. The layer carries volume fluxes `F = -H grad phi` through the open
//! faces of the plan grid; floor tiles or cooling-unit outlets are sources, rack intakes sinks
//! and rack exhausts sources of the rack's airflow, low return grilles hold `phi = 0` (pressure
//! outlets). The zone above is the pressure reference: every cell open to it exchanges
//! `w = h² phi / dz` with it (up where the layer is pressurised — over the tiles and the hot
//! aisles — and down where the racks draw more than the floor supplies), so air passes both
//! around the row ends and over the rack tops; ceiling returns take from the zone what the
//! layer sends up. Solid cells (racks) and closed faces (containment doors) carry no flow, a
//! containment roof closes the cells under it to the zone. The solve is the project's multigrid
//! on a symmetric operator; fluxes conserve volume cell by cell to the solver's precision.
//!
//! Heat: `rho c_p` times the face fluxes advects the temperature (first-order upwind: an
//! M-matrix), an effective turbulent conductivity mixes it, tiles bring air at the supply
//! temperature, intakes and returns take air away at the local temperature, exhausts bring it
//! back at `intake mean + P / (rho c_p Q)`, air rising to the zone leaves at the local
//! temperature and air coming down arrives at the zone's (the flow-weighted mean of what rose:
//! the zone is well mixed), walls exchange with the outdoor air through their U-value. The
//! racks and the zone make the problem nonlocal; it is linear in their temperatures, so those
//! are found by GMRES on the small system `E = C T(E) + rise` (each product one field solve of
//! the prepared operator), and the balance "tiles + racks + sources = returns + walls" holds to
//! the solver's precision.
//!
//! Not modelled: buoyancy and jet momentum (a potential flow has neither), horizontal structure
//! of the zone above the racks. Units: m, m³/s, W, K, °C.

use crate::solver::krylov::gmres;
use crate::solver::{
    solve_refined, Advection, Boundary, Openings, Prepared, Problem, Rhs, SolveError, SolveOptions,
    Solver,
};

/// One rack as the air sees it: the fluid cells its intake draws from and its exhaust blows
/// into, and its airflow.
#[derive(Clone, Debug, PartialEq)]
pub struct AirRack {
    pub label: String,
    pub intake: Vec<usize>,
    pub exhaust: Vec<usize>,
    pub flow_m3_s: f64,
}

/// A hall's airflow geometry on its plan grid.
#[derive(Clone, Debug, PartialEq)]
pub struct AirLayout {
    pub nx: usize,
    pub ny: usize,
    pub cell_m: f64,
    /// Height of the air layer the plan resolves (the racks' height), m.
    pub height_m: f64,
    /// Vertical distance over which the layer exchanges with the zone above it (centre of the
    /// layer to centre of the zone), m; 0 for no zone above (a layer closed at its top).
    pub zone_gap_m: f64,
    /// Cells air cannot enter (racks).
    pub solid: Vec<bool>,
    /// Face openings (closed faces: into solid cells, containment, doors).
    pub openings: Openings,
    /// Fraction of each cell's top open to the zone above (0 under a containment roof).
    pub top_open: Vec<f64>,
    /// Supply air entering each cell (tiles, cooling-unit outlets), m³/s.
    pub supply_m3_s: Vec<f64>,
    /// Supply air that goes straight to the zone above, overshooting the racks (the part of a
    /// tile jet's flow its momentum carries past the rack tops), m³/s.
    pub supply_to_zone_m3_s: f64,
    /// Return grilles in the layer (pressure outlets at low level).
    pub returns: Vec<bool>,
    pub racks: Vec<AirRack>,
}

/// Physical parameters of the air model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AirParams {
    /// Volumetric heat capacity of air, J/(m³ K).
    pub rho_cp_j_m3k: f64,
    /// Effective (turbulent) conductivity of the hall air, W/(m K).
    pub k_eff_w_mk: f64,
    /// U-value of the hall walls to the outdoor air, W/(m² K).
    pub wall_u_w_m2k: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum AirflowError {
    #[error("airflow layout: {0}")]
    Layout(String),
    #[error("potential flow solve: {0}")]
    Flow(#[source] SolveError),
    #[error("hall temperature solve: {0}")]
    Heat(#[source] SolveError),
    #[error("rack coupling did not converge: relative residual {residual:.3e} after {products} field solves")]
    Coupling { residual: f64, products: usize },
}

impl AirLayout {
    /// An open hall of fluid cells under an open zone: no racks, supply or returns yet.
    pub fn new(nx: usize, ny: usize, cell_m: f64, height_m: f64, zone_gap_m: f64) -> Self {
        let n = nx * ny;
        AirLayout {
            nx,
            ny,
            cell_m,
            height_m,
            zone_gap_m,
            solid: vec![false; n],
            openings: Openings::open(n),
            top_open: vec![1.0; n],
            supply_m3_s: vec![0.0; n],
            supply_to_zone_m3_s: 0.0,
            returns: vec![false; n],
            racks: Vec::new(),
        }
    }

    /// Sends the share `fraction` of the supply entering the layer straight to the zone above.
    pub fn overshoot(&mut self, fraction: f64) {
        let total: f64 = self.supply_m3_s.iter().sum();
        for q in &mut self.supply_m3_s {
            *q *= 1.0 - fraction;
        }
        self.supply_to_zone_m3_s += fraction * total;
    }

    /// Sends to the zone above the tile supply the racks do not capture: the racks take at most
    /// `1 - matched_share` of their own airflow from the tile jets, and what the tiles supply
    /// beyond that overshoots the rack tops, `Q_zone = max(0, Q_s - (1 - s_1) Q_r)`. At supply
    /// equal to the racks' airflow the share sent up is `matched_share` (s_1); under-supplied
    /// halls send up less (none below `1 - s_1` of the racks' flow), over-supplied ones more.
    pub fn tile_jets(&mut self, matched_share: f64) {
        let supply: f64 = self.supply_m3_s.iter().sum();
        let racks: f64 = self.racks.iter().map(|r| r.flow_m3_s).sum();
        if supply > 0.0 {
            let captured = (1.0 - matched_share) * racks;
            self.overshoot(((supply - captured) / supply).max(0.0));
        }
    }

    pub fn cells(&self) -> usize {
        self.nx * self.ny
    }

    /// Makes cell p solid: its four faces and its top close.
    pub fn set_solid(&mut self, p: usize) {
        self.solid[p] = true;
        self.top_open[p] = 0.0;
        let (nx, i, j) = (self.nx, p % self.nx, p / self.nx);
        self.openings.x[p] = 0.0;
        self.openings.y[p] = 0.0;
        if i > 0 {
            self.openings.x[p - 1] = 0.0;
        }
        if j > 0 {
            self.openings.y[p - nx] = 0.0;
        }
    }

    /// Closes the face between cells p and q (neighbours).
    pub fn close_face(&mut self, p: usize, q: usize) {
        let (a, b) = (p.min(q), p.max(q));
        if b == a + 1 && a / self.nx == b / self.nx {
            self.openings.x[a] = 0.0;
        } else if b == a + self.nx {
            self.openings.y[a] = 0.0;
        }
    }

    /// Conductance of each cell's top to the zone above, m² (volume flux per unit potential).
    fn top_conductance(&self) -> Vec<f64> {
        let area = self.cell_m * self.cell_m;
        self.top_open
            .iter()
            .zip(&self.solid)
            .map(|(&o, &solid)| {
                if solid || self.zone_gap_m <= 0.0 {
                    0.0
                } else {
                    o * area / self.zone_gap_m
                }
            })
            .collect()
    }

    /// Volume sources per cell: supply + exhausts - intakes, m³/s.
    fn volume_sources(&self) -> Vec<f64> {
        let mut q = self.supply_m3_s.clone();
        for r in &self.racks {
            for &c in &r.intake {
                q[c] -= r.flow_m3_s / r.intake.len() as f64;
            }
            for &c in &r.exhaust {
                q[c] += r.flow_m3_s / r.exhaust.len() as f64;
            }
        }
        q
    }

    /// The cells that hold `phi = 0`: every low return, and one cell of each enclosed pocket of
    /// air (a contained aisle, say) with no return and no opening to the zone above, provided
    /// its sources and sinks balance; a pocket that does not balance has no steady flow.
    fn pins(&self, q: &[f64], top: &[f64]) -> Result<Vec<bool>, AirflowError> {
        let (nx, ny, n) = (self.nx, self.ny, self.cells());
        let mut pins = self.returns.clone();
        let mut seen = vec![false; n];
        let total: f64 = q.iter().map(|v| v.abs()).sum::<f64>().max(1e-300);
        for start in 0..n {
            if seen[start] || self.solid[start] {
                continue;
            }
            let mut stack = vec![start];
            seen[start] = true;
            let (mut net, mut vented) = (0.0, false);
            while let Some(c) = stack.pop() {
                net += q[c];
                vented |= self.returns[c] || top[c] > 0.0;
                let (i, j) = (c % nx, c / nx);
                let neighbours = [
                    (i > 0 && self.openings.x[c - 1] > 0.0).then(|| c - 1),
                    (i + 1 < nx && self.openings.x[c] > 0.0).then(|| c + 1),
                    (j > 0 && self.openings.y[c - nx] > 0.0).then(|| c - nx),
                    (j + 1 < ny && self.openings.y[c] > 0.0).then(|| c + nx),
                ];
                for d in neighbours.into_iter().flatten() {
                    if !seen[d] && !self.solid[d] {
                        seen[d] = true;
                        stack.push(d);
                    }
                }
            }
            if !vented {
                if net.abs() > 1e-9 * total {
                    return Err(AirflowError::Layout(format!(
                        "an enclosed volume of air around cell ({}, {}) has no return or \
                         opening and its supply and rack flows differ by {net:.4} m³/s: give \
                         its containment some leakage or balance it",
                        start % nx,
                        start / nx
                    )));
                }
                pins[start] = true;
            }
        }
        Ok(pins)
    }

    /// Checks what the model relies on, naming the first thing wrong.
    pub fn validate(&self) -> Result<(), AirflowError> {
        let bad = |m: String| Err(AirflowError::Layout(m));
        let n = self.cells();
        if self.nx < 2
            || self.ny < 2
            || !(self.cell_m > 0.0 && self.height_m > 0.0 && self.zone_gap_m >= 0.0)
        {
            return bad(format!(
                "a {} x {} grid of {} m cells, {} m high, is not a hall",
                self.nx, self.ny, self.cell_m, self.height_m
            ));
        }
        let vented = self.zone_gap_m > 0.0 && self.top_open.iter().any(|&o| o > 0.0);
        if !vented && !self.returns.iter().any(|&r| r) {
            return bad("no return and no opening above: the supply air has nowhere to go".into());
        }
        if let Some(p) = (0..n).find(|&p| self.returns[p] && self.solid[p]) {
            return bad(format!("return cell {p} is solid"));
        }
        if let Some(p) = (0..n).find(|&p| {
            !(self.supply_m3_s[p].is_finite()
                && self.supply_m3_s[p] >= 0.0
                && (0.0..=1.0).contains(&self.top_open[p]))
        }) {
            return bad(format!(
                "cell {p}: supply {} m³/s, top open fraction {}",
                self.supply_m3_s[p], self.top_open[p]
            ));
        }
        for r in &self.racks {
            if r.intake.is_empty() || r.exhaust.is_empty() {
                return bad(format!(
                    "rack {} has no intake or no exhaust cells",
                    r.label
                ));
            }
            if !(r.flow_m3_s.is_finite() && r.flow_m3_s > 0.0) {
                return bad(format!("rack {} has airflow {} m³/s", r.label, r.flow_m3_s));
            }
            if let Some(&c) = r
                .intake
                .iter()
                .chain(&r.exhaust)
                .find(|&&c| c >= n || self.solid[c] || self.returns[c])
            {
                return bad(format!(
                    "rack {}: cell {c} of its intake or exhaust is solid, a return or off the grid",
                    r.label
                ));
            }
        }
        Ok(())
    }
}

/// The potential-flow field: volume fluxes through every face, to and from the zone above, and
/// into every low return.
#[derive(Clone, Debug)]
pub struct Flow {
    /// Through the east face of each cell, m³/s (positive toward +x).
    pub flux_x: Vec<f64>,
    /// Through the north face of each cell, m³/s (positive toward +y).
    pub flux_y: Vec<f64>,
    /// Up through each cell's top into the zone above, m³/s (negative: down).
    pub up_m3_s: Vec<f64>,
    /// Leaving through each low return (or pocket pin) cell, m³/s.
    pub return_m3_s: Vec<f64>,
    /// The velocity potential, m²/s.
    pub potential: Vec<f64>,
    pub cycles: usize,
}

impl Flow {
    /// Speed at each cell centre (the mean of its face velocities on each axis), m/s.
    pub fn speed_m_s(&self, layout: &AirLayout) -> Vec<f64> {
        let (nx, area) = (layout.nx, layout.cell_m * layout.height_m);
        (0..layout.cells())
            .map(|p| {
                let (i, j) = (p % nx, p / nx);
                let west = if i > 0 { self.flux_x[p - 1] } else { 0.0 };
                let south = if j > 0 { self.flux_y[p - nx] } else { 0.0 };
                let vx = 0.5 * (west + self.flux_x[p]) / area;
                let vy = 0.5 * (south + self.flux_y[p]) / area;
                (vx * vx + vy * vy).sqrt()
            })
            .collect()
    }

    /// Air the zone above sends out through ceiling returns, m³/s: what rose and what the
    /// supply sent straight up, minus what came down.
    pub fn ceiling_return_m3_s(&self, layout: &AirLayout) -> f64 {
        self.up_m3_s.iter().sum::<f64>() + layout.supply_to_zone_m3_s
    }
}

/// Solves the potential flow of a hall.
pub fn potential_flow(
    layout: &AirLayout,
    solver: &dyn Solver,
    options: &SolveOptions,
) -> Result<Flow, AirflowError> {
    layout.validate()?;
    let (nx, ny, h) = (layout.nx, layout.ny, layout.cell_m);
    let n = layout.cells();
    let mut p = Problem::new(nx, ny, h);
    p.conductivity.fill(layout.height_m);
    p.openings = Some(layout.openings.clone());
    let q = layout.volume_sources();
    let top = layout.top_conductance();
    let pins = layout.pins(&q, &top)?;
    for c in 0..n {
        if layout.solid[c] || pins[c] {
            // solid cells are isolated (every face closed); pins hold phi = 0
            p.fixed[c] = Some(0.0);
        } else {
            p.source[c] = q[c] / (h * h);
            // the zone above at phi = 0
            p.sink_coeff[c] = top[c] / (h * h);
        }
    }
    // the fluxes must conserve volume to f64 rounding, whatever the backend's precision
    let solution = solver
        .prepare(&p)
        .and_then(|mut prepared| solve_refined(prepared.as_mut(), &p, options, 1e-13))
        .map_err(AirflowError::Flow)?;
    let phi = solution.u;
    let hh = layout.height_m;
    let mut flux_x = vec![0.0; n];
    let mut flux_y = vec![0.0; n];
    for c in 0..n {
        let (i, j) = (c % nx, c / nx);
        if i + 1 < nx {
            flux_x[c] = hh * layout.openings.x[c] * (phi[c] - phi[c + 1]);
        }
        if j + 1 < ny {
            flux_y[c] = hh * layout.openings.y[c] * (phi[c] - phi[c + nx]);
        }
    }
    let up_m3_s: Vec<f64> = (0..n)
        .map(|c| {
            if pins[c] || layout.solid[c] {
                0.0
            } else {
                top[c] * phi[c]
            }
        })
        .collect();
    // what flows into each return (or pocket pin) cell leaves through it
    let mut return_m3_s = vec![0.0; n];
    for c in (0..n).filter(|&c| pins[c]) {
        let (i, j) = (c % nx, c / nx);
        let mut inflow = -(flux_x[c] + flux_y[c]);
        if i > 0 {
            inflow += flux_x[c - 1];
        }
        if j > 0 {
            inflow += flux_y[c - nx];
        }
        return_m3_s[c] = inflow + q[c];
    }
    Ok(Flow {
        flux_x,
        flux_y,
        up_m3_s,
        return_m3_s,
        potential: phi,
        cycles: solution.stats.cycles,
    })
}

/// Conditions of one solve: supply and outdoor air, each rack's heat, other heat sources.
#[derive(Clone, Debug, PartialEq)]
pub struct AirConditions {
    pub supply_c: f64,
    pub outdoor_c: f64,
    /// Heat each rack puts into its air, W.
    pub rack_heat_w: Vec<f64>,
    /// Heat released into the air per cell (busway I²R, lights), W/m²; empty for none.
    pub source_w_m2: Vec<f64>,
}

/// The hall's air temperature and what each rack sees.
#[derive(Clone, Debug)]
pub struct AirField {
    pub temperature_c: Vec<f64>,
    /// Each rack's intake-mean and exhaust temperature, °C.
    pub intake_c: Vec<f64>,
    pub exhaust_c: Vec<f64>,
    /// The well-mixed zone above the racks, °C.
    pub zone_c: f64,
    /// Field solves the coupling took, and its relative residual.
    pub solves: usize,
    pub coupling_residual: f64,
    /// Heat into the hall air (supply enthalpy above 0 °C, racks, sources) and out of it
    /// (returns, walls), W; the gap is the solver's.
    pub heat_in_w: f64,
    pub heat_out_w: f64,
}

impl AirField {
    pub fn heat_imbalance(&self) -> f64 {
        (self.heat_in_w - self.heat_out_w).abs() / self.heat_in_w.abs().max(1e-300)
    }
}

/// A nonlocal link of the heat problem: air drawn from `take` (cells with weights summing to 1)
/// comes back at `give` (cells with their share of the flow) at the drawn mixture's mean plus a
/// rise. Racks are loops; so is the zone above (it takes what rises, gives what comes down).
#[derive(Clone, Debug)]
struct Loop {
    take: Vec<(usize, f64)>,
    /// (cell, heat-capacity flow W/K arriving there).
    give: Vec<(usize, f64)>,
}

/// The temperature model of one hall, prepared once: its operator does not depend on the
/// conditions, so every hour, every rack load and every supply temperature is a new
/// right-hand side of the same prepared solve.
pub struct HallAir {
    pub layout: AirLayout,
    pub flow: Flow,
    pub params: AirParams,
    problem: Problem,
    prepared: Box<dyn Prepared>,
    options: SolveOptions,
    /// Racks first, then the zone above (when it exchanges air).
    loops: Vec<Loop>,
    /// Share of the zone's intake that is supply air sent straight up.
    zone_supply_share: f64,
    /// Air the zone takes in (rising from the layer and sent straight up), m³/s.
    into_zone_m3_s: f64,
    wall_film_w_k: f64,
}

impl HallAir {
    #[allow(clippy::needless_range_loop)] // cells index several fields at once
    pub fn new(
        layout: AirLayout,
        params: AirParams,
        solver: &dyn Solver,
        options: &SolveOptions,
    ) -> Result<Self, AirflowError> {
        let flow = potential_flow(&layout, solver, options)?;
        let (nx, ny, h) = (layout.nx, layout.ny, layout.cell_m);
        let n = layout.cells();
        let rc = params.rho_cp_j_m3k;
        let mut p = Problem::new(nx, ny, h);
        p.conductivity.fill(params.k_eff_w_mk * layout.height_m);
        p.openings = Some(layout.openings.clone());
        let mut adv = Advection::zeros(n);
        let mut gives = vec![0.0; n];
        for c in 0..n {
            if layout.solid[c] {
                p.fixed[c] = Some(0.0);
                continue;
            }
            adv.flux_x[c] = rc * flow.flux_x[c];
            adv.flux_y[c] = rc * flow.flux_y[c];
            // supply enters at the supply temperature; returns and rising air leave
            p.sink_coeff[c] = rc * layout.supply_m3_s[c] / (h * h);
            adv.outflow[c] = rc * (flow.return_m3_s[c] + flow.up_m3_s[c].max(0.0)) / (h * h);
            gives[c] = rc * (-flow.up_m3_s[c]).max(0.0);
        }
        let mut loops = Vec::new();
        for r in &layout.racks {
            let share = 1.0 / r.intake.len() as f64;
            for &c in &r.intake {
                adv.outflow[c] += rc * r.flow_m3_s * share / (h * h);
            }
            let give = rc * r.flow_m3_s / r.exhaust.len() as f64;
            for &c in &r.exhaust {
                p.sink_coeff[c] += give / (h * h);
            }
            loops.push(Loop {
                take: r.intake.iter().map(|&c| (c, share)).collect(),
                give: r.exhaust.iter().map(|&c| (c, give)).collect(),
            });
        }
        let rose: f64 = flow.up_m3_s.iter().map(|w| w.max(0.0)).sum();
        let into_zone = rose + layout.supply_to_zone_m3_s;
        let zone_supply_share = if into_zone > 0.0 {
            layout.supply_to_zone_m3_s / into_zone
        } else {
            0.0
        };
        if into_zone > 0.0 {
            for (c, &g) in gives.iter().enumerate() {
                p.sink_coeff[c] += g / (h * h);
            }
            loops.push(Loop {
                take: (0..n)
                    .filter(|&c| flow.up_m3_s[c] > 0.0)
                    .map(|c| (c, flow.up_m3_s[c] / into_zone))
                    .collect(),
                give: (0..n)
                    .filter(|&c| gives[c] > 0.0)
                    .map(|c| (c, gives[c]))
                    .collect(),
            });
        }
        p.advection = Some(adv);
        let film = params.wall_u_w_m2k * layout.height_m;
        p.boundary = [Boundary::Robin {
            coeff: film,
            value: 0.0,
        }; 4];
        let prepared = solver.prepare(&p).map_err(AirflowError::Heat)?;
        Ok(HallAir {
            layout,
            flow,
            params,
            problem: p,
            prepared,
            options: options.clone(),
            loops,
            zone_supply_share,
            into_zone_m3_s: into_zone,
            wall_film_w_k: film,
        })
    }

    /// The largest cell Péclet number of the heat operator, `rho c_p |F| / (k_eff H)` over the
    /// faces: advection against mixing across one cell (the range the nonsymmetric solve must
    /// handle).
    pub fn max_cell_peclet(&self) -> f64 {
        let mixing = self.params.k_eff_w_mk * self.layout.height_m;
        let faces = self.flow.flux_x.iter().chain(&self.flow.flux_y);
        let largest = faces.fold(0.0f64, |m, f| m.max(f.abs()));
        self.params.rho_cp_j_m3k * largest / mixing
    }

    /// How many loops the coupling solves for: one per rack, then the zone above when it
    /// exchanges air with the layer.
    pub fn loop_count(&self) -> usize {
        self.loops.len()
    }

    /// One field solve as a whole problem, operator and right-hand side together, so it can be
    /// handed to another solver (`dcplan bench --hall-air`): supply air at `supply_c`, outdoor
    /// air at `outdoor_c`, each loop (racks first, then the zone) returning air at its entry of
    /// `loop_c` ([`HallAir::loop_count`] of them), heat sources `source_w_m2` (W/m², empty for
    /// none). The operator is the one [`HallAir::new`] prepared.
    pub fn field_problem(
        &self,
        supply_c: f64,
        outdoor_c: f64,
        loop_c: &[f64],
        source_w_m2: &[f64],
    ) -> Problem {
        debug_assert_eq!(loop_c.len(), self.loops.len());
        let rhs = self.rhs(supply_c, outdoor_c, loop_c, source_w_m2);
        let mut p = self.problem.clone();
        p.source = rhs.source;
        p.sink_value = rhs.sink_value;
        for (fixed, &v) in p.fixed.iter_mut().zip(&rhs.fixed_value) {
            if let Some(value) = fixed {
                *value = v;
            }
        }
        for (side, &v) in p.boundary.iter_mut().zip(&rhs.boundary_value) {
            match side {
                Boundary::Fixed { value } | Boundary::Robin { value, .. } => *value = v,
                Boundary::ZeroFlux => {}
            }
        }
        p
    }

    /// The right-hand side for given supply, outdoor and loop temperatures and sources.
    fn rhs(&self, supply_c: f64, outdoor_c: f64, loop_c: &[f64], source: &[f64]) -> Rhs {
        let mut rhs = self.problem.rhs();
        let layout = &self.layout;
        let rc = self.params.rho_cp_j_m3k;
        // a cell may receive supply and loop air at once: its sink value is their mixture
        let mut weight: Vec<f64> = layout.supply_m3_s.iter().map(|q| rc * q).collect();
        let mut value: Vec<f64> = weight.iter().map(|w| w * supply_c).collect();
        for (l, &t) in self.loops.iter().zip(loop_c) {
            for &(c, g) in &l.give {
                weight[c] += g;
                value[c] += g * t;
            }
        }
        for c in 0..layout.cells() {
            rhs.sink_value[c] = if weight[c] > 0.0 {
                value[c] / weight[c]
            } else {
                supply_c
            };
            rhs.source[c] = source.get(c).copied().unwrap_or(0.0);
        }
        rhs.boundary_value = [outdoor_c; 4];
        rhs
    }

    fn field(&mut self, rhs: &Rhs, guess: Option<&[f64]>) -> Result<Vec<f64>, AirflowError> {
        self.prepared
            .solve(rhs, guess, &self.options)
            .map(|s| s.u)
            .map_err(AirflowError::Heat)
    }

    /// The mean temperature each loop draws in field `t` (racks first).
    fn loop_means(&self, t: &[f64]) -> Vec<f64> {
        self.loops
            .iter()
            .map(|l| l.take.iter().map(|&(c, w)| w * t[c]).sum())
            .collect()
    }

    /// Each rack's intake-mean temperature in field `t`.
    pub fn intake_means(&self, t: &[f64]) -> Vec<f64> {
        let mut m = self.loop_means(t);
        m.truncate(self.layout.racks.len());
        m
    }

    /// Each rack's temperature rise, `P / (rho c_p Q)`, K.
    pub fn rises_k(&self, rack_heat_w: &[f64]) -> Vec<f64> {
        self.layout
            .racks
            .iter()
            .zip(rack_heat_w)
            .map(|(r, &w)| w / (self.params.rho_cp_j_m3k * r.flow_m3_s))
            .collect()
    }

    /// The coupled field: exhaust and zone temperatures consistent with the air they draw.
    pub fn solve(&mut self, cond: &AirConditions) -> Result<AirField, AirflowError> {
        let racks = self.layout.racks.len();
        if cond.rack_heat_w.len() != racks {
            return Err(AirflowError::Layout(format!(
                "{} rack heats for {racks} racks",
                cond.rack_heat_w.len()
            )));
        }
        let mut rise = self.rises_k(&cond.rack_heat_w);
        // the zone's mixture includes the supply sent straight up: a constant term
        rise.resize(self.loops.len(), self.zone_supply_share * cond.supply_c);
        // heat released over solid cells (a busway above a rack row) rises into the zone; with
        // no zone it is spread over the hall's air
        let h2 = self.layout.cell_m * self.layout.cell_m;
        let solid_w: f64 = cond
            .source_w_m2
            .iter()
            .zip(&self.layout.solid)
            .filter(|(_, &s)| s)
            .map(|(q, _)| q * h2)
            .sum();
        let mut source = cond.source_w_m2.clone();
        let moved_to_zone = solid_w != 0.0 && self.loops.len() > racks && self.into_zone_m3_s > 0.0;
        if solid_w != 0.0 {
            for (q, &s) in source.iter_mut().zip(&self.layout.solid) {
                if s {
                    *q = 0.0;
                }
            }
            if moved_to_zone {
                rise[racks] += solid_w / (self.params.rho_cp_j_m3k * self.into_zone_m3_s);
            } else {
                let fluid = self.layout.solid.iter().filter(|&&s| !s).count().max(1) as f64;
                for (q, &s) in source.iter_mut().zip(&self.layout.solid) {
                    if !s {
                        *q += solid_w / (fluid * h2);
                    }
                }
            }
        }
        let cond = &AirConditions {
            source_w_m2: source,
            ..cond.clone()
        };
        // T(E) = T0 + G E: the field with every loop returning air at 0 °C, and the response
        let zeros = vec![0.0; self.loops.len()];
        let t0_rhs = self.rhs(cond.supply_c, cond.outdoor_c, &zeros, &cond.source_w_m2);
        let t0 = self.field(&t0_rhs, None)?;
        let b: Vec<f64> = self
            .loop_means(&t0)
            .iter()
            .zip(&rise)
            .map(|(a, r)| a + r)
            .collect();
        let tol = if self.options.tolerance == SolveOptions::f32_target().tolerance {
            1e-6
        } else {
            1e-12
        };
        let mut solves = 1;
        let result = {
            let me = &mut *self;
            gmres(&b, &b, tol, 60, 400, |e: &[f64], out: &mut [f64]| {
                let rhs = me.rhs(0.0, 0.0, e, &[]);
                let g = me.field(&rhs, None)?;
                solves += 1;
                let c = me.loop_means(&g);
                for k in 0..e.len() {
                    out[k] = e[k] - c[k];
                }
                Ok::<(), AirflowError>(())
            })?
        };
        if result.relative_residual > 100.0 * tol {
            return Err(AirflowError::Coupling {
                residual: result.relative_residual,
                products: result.products,
            });
        }
        let loop_c = result.x;
        let full = self.rhs(cond.supply_c, cond.outdoor_c, &loop_c, &cond.source_w_m2);
        let t = self.field(&full, Some(&t0))?;
        solves += 1;
        let intake = self.intake_means(&t);
        let zone_c = if self.loops.len() > racks {
            loop_c[racks]
        } else {
            f64::NAN
        };
        let (heat_in_w, heat_out_w) = self.balance(&t, cond, zone_c);
        // the heat released over solid cells entered the zone through its rise
        let heat_in_w = heat_in_w + if moved_to_zone { solid_w } else { 0.0 };
        Ok(AirField {
            temperature_c: t,
            intake_c: intake,
            exhaust_c: loop_c[..racks].to_vec(),
            zone_c,
            solves,
            coupling_residual: result.relative_residual,
            heat_in_w,
            heat_out_w,
        })
    }

    /// Heat in and out of the hall air, W (enthalpy relative to 0 °C), from the field alone:
    /// supply, rack heat and sources in; low returns, ceiling returns (at the zone's
    /// temperature) and walls out.
    fn balance(&self, t: &[f64], cond: &AirConditions, zone_c: f64) -> (f64, f64) {
        let layout = &self.layout;
        let (nx, ny, h) = (layout.nx, layout.ny, layout.cell_m);
        let rc = self.params.rho_cp_j_m3k;
        let supply: f64 = (layout.supply_m3_s.iter().sum::<f64>() + layout.supply_to_zone_m3_s)
            * rc
            * cond.supply_c;
        let sources: f64 = cond.source_w_m2.iter().sum::<f64>() * h * h;
        let racks: f64 = cond.rack_heat_w.iter().sum();
        let low: f64 = (0..layout.cells())
            .map(|c| rc * self.flow.return_m3_s[c] * t[c])
            .sum();
        let ceiling = self.flow.ceiling_return_m3_s(layout);
        let high = if ceiling != 0.0 {
            rc * ceiling * zone_c
        } else {
            0.0
        };
        let film = self.wall_film_w_k;
        let mut walls = 0.0;
        let mut wall = |c: usize| {
            if !layout.solid[c] && film > 0.0 {
                let k = 2.0 * self.params.k_eff_w_mk * layout.height_m;
                let link = 1.0 / (1.0 / k + 1.0 / (film * h));
                walls += link * (t[c] - cond.outdoor_c);
            }
        };
        for j in 0..ny {
            wall(j * nx);
            wall(j * nx + nx - 1);
        }
        for i in 0..nx {
            wall(i);
            wall((ny - 1) * nx + i);
        }
        (supply + sources + racks, low + high + walls)
    }
}
