//! The hall airflow compact model: potential flow against closed forms, advection–diffusion of
//! temperature with a measured order of accuracy, the rack coupling's heat balance and
//! linearity, and the per-rack inlet temperatures against OpenFOAM CFD of the same halls
//! (benches/cfd/).

use crate::common;
use crate::trials;
use dcplan::model::airflow::{
    potential_flow, AirConditions, AirLayout, AirParams, AirRack, HallAir,
};
use dcplan::solver::{
    Advection, Boundary, CpuMultigrid, Problem, Side, SolveOptions, Solver, System, Tolerance,
};
use libtest_mimic::Trial;

pub fn tests() -> Vec<Trial> {
    trials![
        plain potential_flow_of_a_line_source_conserves_volume_and_spreads_radially,
        plain zone_exchange_decays_along_a_channel_by_the_discrete_closed_form,
        plain advection_diffusion_converges_at_first_order,
        plain advection_diffusion_is_the_exact_exponential_at_every_peclet_number,
        plain tile_jets_send_up_what_the_racks_do_not_capture,
        plain hall_with_no_heat_sits_at_the_supply_temperature,
        plain hall_heat_balances_and_racks_superpose,
        plain field_problem_with_the_coupled_loop_temperatures_is_the_coupled_field,
        plain contained_cold_aisle_at_full_supply_feeds_every_rack_supply_air,
        plain sealed_under_supplied_aisle_is_refused,
        plain open_hall_is_hottest_at_the_row_ends,
        gpu gpu_hall_field_matches_cpu,
        gpu gpu_advection_diffusion_is_the_exact_exponential_at_every_peclet_number,
    ]
}

/// A hall from benches/cfd/halls/<case>.json on a grid of `cell_m`.
pub fn cfd_hall(json: &serde_json::Value, cell_m: f64) -> AirLayout {
    let room = &json["room"];
    let f = |v: &serde_json::Value| v.as_f64().expect("number");
    let (lx, ly, lz) = (f(&room["x_m"]), f(&room["y_m"]), f(&room["z_m"]));
    let (nx, ny) = (
        (lx / cell_m).round() as usize,
        (ly / cell_m).round() as usize,
    );
    // the layer of the racks' height, under a zone reaching the ceiling
    let rack_h = json["racks"][0]["height_m"].as_f64().expect("height");
    let mut layout = AirLayout::new(nx, ny, cell_m, rack_h, 0.5 * lz);
    let cells_in = |x0: f64, x1: f64, y0: f64, y1: f64| -> Vec<usize> {
        let mut out = Vec::new();
        for j in 0..ny {
            for i in 0..nx {
                let (x, y) = ((i as f64 + 0.5) * cell_m, (j as f64 + 0.5) * cell_m);
                if x > x0 && x < x1 && y > y0 && y < y1 {
                    out.push(j * nx + i);
                }
            }
        }
        out
    };
    let racks = json["racks"].as_array().expect("racks");
    for r in racks {
        let (x0, x1, y0, y1) = (f(&r["x0_m"]), f(&r["x1_m"]), f(&r["y0_m"]), f(&r["y1_m"]));
        for c in cells_in(x0, x1, y0, y1) {
            layout.set_solid(c);
        }
        let band = |side: &str| -> Vec<usize> {
            match side {
                "+y" => cells_in(x0, x1, y1, y1 + cell_m),
                "-y" => cells_in(x0, x1, y0 - cell_m, y0),
                "+x" => cells_in(x1, x1 + cell_m, y0, y1),
                _ => cells_in(x0 - cell_m, x0, y0, y1),
            }
        };
        layout.racks.push(AirRack {
            label: r["id"].as_str().expect("id").to_string(),
            intake: band(r["intake"].as_str().expect("intake")),
            exhaust: band(r["exhaust"].as_str().expect("exhaust")),
            flow_m3_s: f(&r["flow_m3_s"]),
        });
    }
    let supply = &json["supply"];
    let total = f(&supply["flow_m3_s"]);
    let tiles: Vec<Vec<usize>> = supply["tiles"]
        .as_array()
        .expect("tiles")
        .iter()
        .map(|t| cells_in(f(&t["x0_m"]), f(&t["x1_m"]), f(&t["y0_m"]), f(&t["y1_m"])))
        .collect();
    let count: usize = tiles.iter().map(Vec::len).sum();
    for c in tiles.into_iter().flatten() {
        layout.supply_m3_s[c] += total / count as f64;
    }
    // ceiling returns belong to the zone above the racks, not to the layer
    for d in json["doors"].as_array().expect("doors") {
        let at = f(&d["at_m"]);
        let i = (at / cell_m).round() as usize;
        for j in 0..ny {
            let y = (j as f64 + 0.5) * cell_m;
            if y > f(&d["y0_m"]) && y < f(&d["y1_m"]) && i > 0 && i < nx {
                let p = j * nx + i;
                layout.close_face(p - 1, p);
            }
        }
    }
    layout
}

fn exact_options() -> SolveOptions {
    let mut o = SolveOptions::f64_target();
    o.tolerance = Tolerance::Eta(1e-15);
    o
}

/// A source in the middle of a square whose edge cells are returns: the volume leaving
/// through any ring of faces around the source is the source's flow, and the speed at radius
/// r follows the line source's Q / (2 pi r H).
fn potential_flow_of_a_line_source_conserves_volume_and_spreads_radially() {
    let (n, h, height) = (101, 0.1, 2.0);
    let mut layout = AirLayout::new(n, n, h, height, 0.0);
    for i in 0..n {
        for p in [i, (n - 1) * n + i, i * n, i * n + n - 1] {
            layout.returns[p] = true;
        }
    }
    let centre = (n / 2) * n + n / 2;
    let q = 3.0;
    layout.supply_m3_s[centre] = q;
    let flow = potential_flow(&layout, &CpuMultigrid, &exact_options()).expect("flow");
    let returned: f64 = flow.return_m3_s.iter().sum();
    assert!(
        (returned - q).abs() < 1e-9 * q,
        "returns take {returned} of {q} m³/s"
    );
    let c = n / 2;
    for ring in [3usize, 10, 30] {
        // net flux out through the faces of the square of cells c-ring..=c+ring
        let (lo, hi) = (c - ring, c + ring);
        let mut out = 0.0;
        for k in lo..=hi {
            out += flow.flux_x[k * n + hi] - flow.flux_x[k * n + lo - 1];
            out += flow.flux_y[hi * n + k] - flow.flux_y[(lo - 1) * n + k];
        }
        assert!((out - q).abs() < 1e-9 * q, "ring {ring}: {out} of {q} m³/s");
    }
    let speed = flow.speed_m_s(&layout);
    for r in [5usize, 8, 12] {
        let expected = q / (2.0 * std::f64::consts::PI * r as f64 * h * height);
        for p in [c * n + c + r, (c + r) * n + c] {
            let got = speed[p];
            assert!(
                (got - expected).abs() < 0.05 * expected,
                "r = {r} cells: speed {got:.4} m/s against {expected:.4}"
            );
        }
    }
}

/// A channel open to the zone above leaks its supply upward: the potential decays along it
/// by the root of `H r² - (2H + h²/dz) r + H = 0`, exactly, in the discrete equations.
fn zone_exchange_decays_along_a_channel_by_the_discrete_closed_form() {
    // long enough that the far end's reflection is below rounding where the ratio is checked
    let (n, h, height, gap) = (300, 0.1, 2.0, 1.5);
    let mut layout = AirLayout::new(n, 2, h, height, gap);
    layout.supply_m3_s[0] = 0.5;
    layout.supply_m3_s[n] = 0.5;
    let flow = potential_flow(&layout, &CpuMultigrid, &exact_options()).expect("flow");
    let g = h * h / gap;
    let b = 2.0 * height + g;
    let r = (b - (b * b - 4.0 * height * height).sqrt()) / (2.0 * height);
    // away from both ends the ratio of successive potentials is r
    for i in 5..25 {
        let ratio = flow.potential[i + 1] / flow.potential[i];
        assert!(
            (ratio - r).abs() < 1e-9,
            "cell {i}: ratio {ratio} against {r}"
        );
    }
    let up: f64 = flow.up_m3_s.iter().sum();
    assert!((up - 1.0).abs() < 1e-9, "{up} m³/s rose of 1");
}

/// First-order upwind advection-diffusion against the exact solution of
/// `U T' - k T'' = f` with `T = T_s + A (1 - cos(pi x / L))` (inflow at T_s, zero gradient at
/// the outlet, as the discrete inflow and outflow cells impose): the error falls as h.
fn advection_diffusion_converges_at_first_order() {
    let (len, u, k, amp, ts) = (1.0, 2.0, 0.05, 3.0, 18.0);
    let pi = std::f64::consts::PI;
    let exact = |x: f64| ts + amp * (1.0 - (pi * x / len).cos());
    let mut errors = Vec::new();
    for n in [40usize, 80, 160, 320] {
        let h = len / n as f64;
        let ny = 2;
        let mut p = Problem::new(n, ny, h);
        p.conductivity.fill(k);
        let mut adv = Advection::zeros(n * ny);
        for j in 0..ny {
            for i in 0..n {
                let c = j * n + i;
                let x = (i as f64 + 0.5) * h;
                // U T' - k T'' per unit area; U as a face flux per unit width: U h
                p.source[c] = u * amp * (pi / len) * (pi * x / len).sin()
                    - k * amp * (pi / len).powi(2) * (pi * x / len).cos();
                if i + 1 < n {
                    adv.flux_x[c] = u * h;
                }
                if i == 0 {
                    p.sink_coeff[c] = u * h / (h * h);
                    p.sink_value[c] = ts;
                }
                if i == n - 1 {
                    adv.outflow[c] = u * h / (h * h);
                }
            }
        }
        p.advection = Some(adv);
        let s = CpuMultigrid.solve(&p, &exact_options()).expect("solve");
        let err = (0..n)
            .map(|i| (s.u[i] - exact((i as f64 + 0.5) * h)).abs())
            .fold(0.0f64, f64::max);
        errors.push(err);
    }
    let orders: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    assert!(
        orders.iter().all(|&o| (0.85..1.3).contains(&o)),
        "errors {errors:?}, orders {orders:?}: upwind should be first order"
    );
}

/// `U T' = k T''` on a channel of `n` cells between `T = 0` and `T = 1` held at its end
/// cells, at cell Péclet number `U h / k`; the first row of the solution.
fn exponential_channel(
    solver: &dyn Solver,
    options: &SolveOptions,
    n: usize,
    cell_peclet: f64,
) -> Vec<f64> {
    let (h, k, ny) = (0.1, 1.0, 2);
    let mut p = Problem::new(n, ny, h);
    p.conductivity.fill(k);
    let mut adv = Advection::zeros(n * ny);
    for j in 0..ny {
        for i in 0..n {
            let c = j * n + i;
            if i + 1 < n {
                adv.flux_x[c] = cell_peclet * k;
            }
            if i == n - 1 {
                adv.outflow[c] = cell_peclet * k / (h * h);
            }
        }
        p.fixed[j * n] = Some(0.0);
        p.fixed[j * n + n - 1] = Some(1.0);
    }
    p.advection = Some(adv);
    let mut prepared = solver.prepare(&p).expect("prepare");
    let s = prepared.solve(&p.rhs(), None, options).expect("solve");
    s.u[..n].to_vec()
}

/// Cell Péclet numbers the nonsymmetric solve is checked over: beyond the largest of the CFD
/// halls (about 4, checked below) and of the shipped halls (90 and 116, `cargo bench --bench
/// hall_air`).
const PECLET: [f64; 6] = [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];

/// Largest deviation of the channel's solution from the upwind equations' closed form
/// `T_i = (r^i - 1) / (r^(n-1) - 1)`, `r = 1 + Pe`, at each Péclet number of `PECLET`.
fn exponential_channel_errors(solver: &dyn Solver, options: &SolveOptions) -> Vec<f64> {
    PECLET
        .iter()
        .map(|&pe| {
            let n = if pe > 50.0 { 24 } else { 64 };
            let t = exponential_channel(solver, options, n, pe);
            let r: f64 = 1.0 + pe;
            let last = r.powi(n as i32 - 1) - 1.0;
            (0..n)
                .map(|i| (t[i] - (r.powi(i as i32) - 1.0) / last).abs())
                .fold(0.0f64, f64::max)
        })
        .collect()
}

/// The upwind equations of the channel are solved to their closed form within 1e-9 at cell
/// Péclet numbers from 0.01 to 1000 (the nonsymmetric solve converges over that range); at a
/// channel Péclet number of 5 the discrete solution approaches the exact exponential
/// `(e^(Pe x / L) - 1) / (e^Pe - 1)` at first order.
fn advection_diffusion_is_the_exact_exponential_at_every_peclet_number() {
    let errors = exponential_channel_errors(&CpuMultigrid, &exact_options());
    assert!(
        errors.iter().all(|&e| e < 1e-9),
        "cell Péclet {PECLET:?}: {errors:?} from the discrete closed form"
    );
    let hall_pe = 5.0;
    let exact = |x: f64| ((hall_pe * x).exp() - 1.0) / (hall_pe.exp() - 1.0);
    let mut errors = Vec::new();
    for n in [33usize, 65, 129, 257] {
        // cell centres 0..n-1 span x = 0..1 between the fixed end cells
        let t = exponential_channel(&CpuMultigrid, &exact_options(), n, hall_pe / (n - 1) as f64);
        let worst = (0..n)
            .map(|i| (t[i] - exact(i as f64 / (n - 1) as f64)).abs())
            .fold(0.0f64, f64::max);
        errors.push(worst);
    }
    let orders: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    assert!(
        orders.iter().all(|&o| (0.85..1.3).contains(&o)),
        "errors {errors:?}, orders {orders:?}: upwind should approach the exponential at first order"
    );
    // the Péclet numbers of the CFD halls lie inside the range checked above
    for case in ["open-100", "open-080", "doors-100", "open-120"] {
        let path = format!(
            "{}/benches/cfd/halls/{case}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("hall");
        let mut layout = cfd_hall(&serde_json::from_str(&text).expect("json"), 0.15);
        layout.tile_jets(0.15);
        let hall =
            HallAir::new(layout, HALL_PARAMS, &CpuMultigrid, &exact_options()).expect("hall");
        let pe = hall.max_cell_peclet();
        assert!(
            (PECLET[0]..PECLET[5]).contains(&pe),
            "{case}: cell Péclet {pe}"
        );
    }
}

/// The same channels on the GPU (f32): within 1e-6 of the closed form at every Péclet number
/// (measured 7e-9 to 1e-7 on lavapipe).
fn gpu_advection_diffusion_is_the_exact_exponential_at_every_peclet_number() {
    let gpu = common::gpu();
    let errors = exponential_channel_errors(&gpu, &gpu.default_options());
    assert!(
        errors.iter().all(|&e| e < 1e-6),
        "GPU, cell Péclet {PECLET:?}: {errors:?} from the discrete closed form"
    );
}

/// The racks capture at most `1 - s_1` of their airflow from the tiles; the rest of the tile
/// supply goes to the zone above: `s_1` of it at matched supply, none when the tiles supply
/// less than the racks capture, `Q_s - (1 - s_1) Q_r` above that.
fn tile_jets_send_up_what_the_racks_do_not_capture() {
    let racks = 8.0 * 0.7;
    for (share, sent_up) in [
        (1.0, 0.15 * racks),
        (0.8, 0.0),
        (0.85, 0.0),
        (1.2, 1.2 * racks - 0.85 * racks),
    ] {
        let mut layout = small_hall(0.0);
        for q in &mut layout.supply_m3_s {
            *q *= share;
        }
        layout.tile_jets(0.15);
        let into_layer: f64 = layout.supply_m3_s.iter().sum();
        assert!(
            (layout.supply_to_zone_m3_s - sent_up).abs() < 1e-12
                && (into_layer + sent_up - share * racks).abs() < 1e-12,
            "supply {share} of the racks' flow: {} m³/s sent up, {into_layer} into the layer",
            layout.supply_to_zone_m3_s
        );
    }
}

/// A small open hall (two rows of four racks) with floor tiles and an open zone above.
fn small_hall(overshoot: f64) -> AirLayout {
    let (nx, ny, h) = (40, 30, 0.15);
    let mut layout = AirLayout::new(nx, ny, h, 2.0, 1.0);
    let mut racks = Vec::new();
    for (row, (j0, j1, intake_j, exhaust_j)) in
        [(8, 16, 16, 7), (20, 28, 19, 28)].iter().enumerate()
    {
        let _ = row;
        for k in 0..4 {
            let (i0, i1) = (10 + 4 * k, 14 + 4 * k);
            racks.push((i0, i1, *j0, *j1, *intake_j, *exhaust_j));
        }
    }
    // the second row's cells: j 20..28 is too deep; use 20..24 with intake at 19
    racks.iter_mut().skip(4).for_each(|r| {
        r.2 = 20;
        r.3 = 24;
        r.4 = 19;
        r.5 = 24;
    });
    racks.iter_mut().take(4).for_each(|r| {
        r.2 = 11;
        r.3 = 15;
        r.4 = 15;
        r.5 = 10;
    });
    for (n, &(i0, i1, j0, j1, intake_j, exhaust_j)) in racks.iter().enumerate() {
        for j in j0..j1 {
            for i in i0..i1 {
                layout.set_solid(j * nx + i);
            }
        }
        layout.racks.push(AirRack {
            label: format!("R{n}"),
            intake: (i0..i1).map(|i| intake_j * nx + i).collect(),
            exhaust: (i0..i1).map(|i| exhaust_j * nx + i).collect(),
            flow_m3_s: 0.7,
        });
    }
    // tiles in the cold aisle between the rows (j 15..=19)
    let tiles: Vec<usize> = (15..20)
        .flat_map(|j| (10..26).map(move |i| j * nx + i))
        .collect();
    for &c in &tiles {
        layout.supply_m3_s[c] = 8.0 * 0.7 / tiles.len() as f64;
    }
    layout.overshoot(overshoot);
    layout
}

const HALL_PARAMS: AirParams = AirParams {
    rho_cp_j_m3k: 1.19 * 1006.0,
    k_eff_w_mk: 30.0,
    wall_u_w_m2k: 0.5,
};

fn conditions(heat: &[f64], outdoor_c: f64) -> AirConditions {
    AirConditions {
        supply_c: 18.0,
        outdoor_c,
        rack_heat_w: heat.to_vec(),
        source_w_m2: vec![],
    }
}

fn hall_with_no_heat_sits_at_the_supply_temperature() {
    let mut hall = HallAir::new(
        small_hall(0.2),
        HALL_PARAMS,
        &CpuMultigrid,
        &exact_options(),
    )
    .expect("hall");
    let f = hall.solve(&conditions(&[0.0; 8], 18.0)).expect("solve");
    let worst = f
        .temperature_c
        .iter()
        .zip(&hall.layout.solid)
        .filter(|(_, &s)| !s)
        .fold(0.0f64, |m, (t, _)| m.max((t - 18.0).abs()));
    assert!(worst < 1e-10, "{worst:.3e} K from the supply temperature");
}

fn hall_heat_balances_and_racks_superpose() {
    let mut hall = HallAir::new(
        small_hall(0.2),
        HALL_PARAMS,
        &CpuMultigrid,
        &exact_options(),
    )
    .expect("hall");
    let a: Vec<f64> = (0..8).map(|k| 5_000.0 + 1_000.0 * k as f64).collect();
    let b: Vec<f64> = (0..8)
        .map(|k| if k % 3 == 0 { 9_000.0 } else { 0.0 })
        .collect();
    let sum: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    let base = hall.solve(&conditions(&[0.0; 8], 25.0)).expect("base");
    let fa = hall.solve(&conditions(&a, 25.0)).expect("a");
    let fb = hall.solve(&conditions(&b, 25.0)).expect("b");
    let fab = hall.solve(&conditions(&sum, 25.0)).expect("a+b");
    for f in [&base, &fa, &fb, &fab] {
        assert!(
            f.heat_imbalance() < 1e-9,
            "heat imbalance {:.3e}",
            f.heat_imbalance()
        );
    }
    for k in 0..8 {
        let linear = fa.intake_c[k] + fb.intake_c[k] - base.intake_c[k];
        assert!(
            (fab.intake_c[k] - linear).abs() < 1e-9,
            "rack {k}: {} against the superposition {linear}",
            fab.intake_c[k]
        );
        // exhaust = intake + P / (rho c_p Q)
        let rise = sum[k] / (HALL_PARAMS.rho_cp_j_m3k * 0.7);
        assert!((fab.exhaust_c[k] - fab.intake_c[k] - rise).abs() < 1e-9);
    }
}

/// `HallAir::field_problem` (what `bench --hall-air` exports) is the field solve the coupling
/// makes: given the loop temperatures the coupling found, the coupled field satisfies the
/// problem's assembled system to the solver's precision, and the operator is nonsymmetric.
fn field_problem_with_the_coupled_loop_temperatures_is_the_coupled_field() {
    let mut hall = HallAir::new(
        small_hall(0.2),
        HALL_PARAMS,
        &CpuMultigrid,
        &exact_options(),
    )
    .expect("hall");
    let heat: Vec<f64> = (0..8).map(|k| 6_000.0 + 500.0 * k as f64).collect();
    let cond = conditions(&heat, 27.0);
    let field = hall.solve(&cond).expect("coupled solve");
    let mut loop_c = field.exhaust_c.clone();
    assert_eq!(
        hall.loop_count(),
        loop_c.len() + 1,
        "racks and the zone above"
    );
    loop_c.push(field.zone_c);
    let p = hall.field_problem(cond.supply_c, cond.outdoor_c, &loop_c, &[]);
    assert!(!p.symmetric(), "advection makes the operator nonsymmetric");
    let system = System::assemble(&p);
    let eta = system.quality(&field.temperature_c).eta;
    assert!(
        eta < 1e-12,
        "coupled field against the exported problem: eta {eta:.3e}"
    );
    // and it is not a problem every field satisfies: other loop temperatures leave a residual
    let colder: Vec<f64> = loop_c.iter().map(|t| t - 1.0).collect();
    let other = System::assemble(&hall.field_problem(cond.supply_c, cond.outdoor_c, &colder, &[]));
    let eta_other = other.quality(&field.temperature_c).eta;
    assert!(eta_other > 1e-6, "1 K colder loops: eta {eta_other:.3e}");
}

/// A cold aisle closed by doors and a roof, fed exactly its racks' airflow: no air enters it
/// from the room, so every intake sees the supply temperature and every exhaust supply + rise.
fn contained_cold_aisle_at_full_supply_feeds_every_rack_supply_air() {
    let mut layout = small_hall(0.0);
    let nx = layout.nx;
    for j in 15..20 {
        layout.close_face(j * nx + 9, j * nx + 10);
        layout.close_face(j * nx + 25, j * nx + 26);
        for i in 10..26 {
            layout.top_open[j * nx + i] = 0.0;
        }
    }
    let mut hall =
        HallAir::new(layout, HALL_PARAMS, &CpuMultigrid, &exact_options()).expect("hall");
    let heat = [10_000.0; 8];
    let f = hall.solve(&conditions(&heat, 18.0)).expect("solve");
    for (k, t) in f.intake_c.iter().enumerate() {
        assert!((t - 18.0).abs() < 1e-8, "rack {k} intake {t}");
    }
    assert!(f.heat_imbalance() < 1e-9);
}

/// An aisle sealed but under-supplied has no steady flow: a clear error, not a solve.
fn sealed_under_supplied_aisle_is_refused() {
    let mut layout = small_hall(0.0);
    let nx = layout.nx;
    for j in 15..20 {
        layout.close_face(j * nx + 9, j * nx + 10);
        layout.close_face(j * nx + 25, j * nx + 26);
        for i in 10..26 {
            layout.top_open[j * nx + i] = 0.0;
            layout.supply_m3_s[j * nx + i] *= 0.9;
        }
    }
    match HallAir::new(layout, HALL_PARAMS, &CpuMultigrid, &exact_options()) {
        Err(e) => assert!(e.to_string().contains("enclosed volume"), "{e}"),
        Ok(_) => panic!("an unbalanced sealed aisle was accepted"),
    }
}

/// Row ends are the hot spots of an open hall: air wraps around them into the cold aisle.
fn open_hall_is_hottest_at_the_row_ends() {
    let mut hall = HallAir::new(
        small_hall(0.2),
        HALL_PARAMS,
        &CpuMultigrid,
        &exact_options(),
    )
    .expect("hall");
    let f = hall
        .solve(&conditions(&[10_000.0; 8], 18.0))
        .expect("solve");
    for row in [0usize, 4] {
        let (ends, middle) = (
            f.intake_c[row].min(f.intake_c[row + 3]),
            f.intake_c[row + 1].max(f.intake_c[row + 2]),
        );
        assert!(
            ends > middle + 0.5,
            "row {row}: ends {ends:.2} °C, middle {middle:.2} °C"
        );
    }
}

fn gpu_hall_field_matches_cpu() {
    let gpu = common::gpu();
    let heat: Vec<f64> = (0..8).map(|k| 6_000.0 + 800.0 * k as f64).collect();
    let mut cpu = HallAir::new(
        small_hall(0.2),
        HALL_PARAMS,
        &CpuMultigrid,
        &exact_options(),
    )
    .expect("cpu hall");
    let fc = cpu.solve(&conditions(&heat, 30.0)).expect("cpu");
    let mut g =
        HallAir::new(small_hall(0.2), HALL_PARAMS, &gpu, &gpu.default_options()).expect("gpu hall");
    let fg = g.solve(&conditions(&heat, 30.0)).expect("gpu");
    let worst = fc
        .intake_c
        .iter()
        .zip(&fg.intake_c)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        worst < 1e-3,
        "rack intakes differ by {worst:.3e} K between GPU and CPU"
    );
    assert!(
        fg.heat_imbalance() < 1e-4,
        "GPU heat imbalance {:.3e}",
        fg.heat_imbalance()
    );
}

#[allow(dead_code)]
fn unused() -> (Side, Boundary) {
    (Side::West, Boundary::ZeroFlux)
}
