//! The site model end to end: conservation of heat and current in the coupled hall fields, the
//! coupling's fixed point, every hour's field by superposition against direct solves, GPU
//! against CPU on a real hall, and every shipped site simulated.

use crate::common;
use crate::trials;
use dcplan::layout::{default_cell_m, FloorPlan};
use dcplan::model::hall::{power_problem, rack_air_heat_w, Conditions, HallModel, HallResult};
use dcplan::model::HallParams;
use dcplan::plan::inputs;
use dcplan::plan::simulate::{prepare_facility, simulate, Precision};
use dcplan::report::simulation::write_site;
use dcplan::site::{load_facility, Facility, Valid};
use dcplan::solver::{BandedDirect, CpuMultigrid, SolveOptions, Solver, Tolerance};
use libtest_mimic::Trial;
use std::path::PathBuf;

pub fn tests() -> Vec<Trial> {
    trials![
        plain hall_conserves_heat_including_i2r_and_current_at_the_feeds,
        plain coupled_solve_reaches_a_fixed_point,
        plain superposition_matches_direct_solves_at_20_hours_cpu,
        plain liquid_campus_hall_carries_only_the_air_share,
        gpu superposition_matches_direct_solves_at_20_hours_gpu,
        gpu gpu_hall_matches_cpu_within_a_millikelvin,
        plain every_shipped_site_simulates_and_writes_its_report,
    ]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn facility() -> Valid<Facility> {
    load_facility(&root().join("sites/facilities/ai-hall-20mw.json")).expect("shipped facility")
}

const DESIGN: Conditions = Conditions {
    supply_c: 22.0,
    outdoor_c: 33.1,
    utilisation: 1.0,
};

/// Stopping rule tight enough that the solver's error is far below the checks' tolerances.
fn tight() -> SolveOptions {
    let mut o = SolveOptions::f64_target();
    o.tolerance = Tolerance::Eta(1e-15);
    o.max_cycles = 200;
    o
}

fn hall_model(f: &Facility, solver: &dyn Solver, options: &SolveOptions) -> HallModel {
    let plan = FloorPlan::build(f, default_cell_m(f)).expect("plan");
    HallModel::new(plan, f, HallParams::default(), solver, options).expect("hall model")
}

/// The shipped hall at `cond`, solved on the CPU to a tight coupling tolerance.
fn cpu_hall(cond: Conditions) -> (Valid<Facility>, HallModel, HallResult) {
    let f = facility();
    let options = tight();
    let mut hall = hall_model(&f, &CpuMultigrid, &options);
    let r = hall
        .solve(&f, cond, &mut CpuMultigrid, &options, 1e-9)
        .expect("hall solves");
    (f, hall, r)
}

fn hall_conserves_heat_including_i2r_and_current_at_the_feeds() {
    // supply and outdoor at 0 °C: the heat into the air is exactly what the racks and the
    // busway put there
    let (f, hall, r) = cpu_hall(Conditions {
        supply_c: 0.0,
        outdoor_c: 0.0,
        utilisation: 1.0,
    });
    let t = &r.thermal;
    let racks = hall.plan.racks.len() as f64;
    let expected_in = rack_air_heat_w(&f) * racks + r.power.distribution_loss_w;
    assert!(
        (t.heat_in_w - expected_in).abs() <= 1e-9 * expected_in,
        "heat in {} W, expected {} W (racks {} + I2R {})",
        t.heat_in_w,
        expected_in,
        rack_air_heat_w(&f) * racks,
        r.power.distribution_loss_w
    );
    assert!(r.power.distribution_loss_w > 0.0);
    assert!(
        t.heat_imbalance <= 1e-9,
        "heat in {} W, out {} W: imbalance {:.2e}",
        t.heat_in_w,
        t.heat_out_w,
        t.heat_imbalance
    );
    // current: what the feeds deliver is what the racks draw
    let p = &r.power;
    let current_imbalance = (p.feed_current_a - p.rack_current_a).abs() / p.rack_current_a;
    assert!(
        current_imbalance <= 1e-9,
        "feeds deliver {} A, racks draw {} A",
        p.feed_current_a,
        p.rack_current_a
    );
    // the drop is positive and physically small for a 4000 A-class busway design
    assert!(
        p.worst_drop_pct > 0.0 && p.worst_drop_pct < p.drop_limit_pct,
        "{p:?}"
    );
}

fn coupled_solve_reaches_a_fixed_point() {
    let (f, hall, r) = cpu_hall(DESIGN);
    let plan = &hall.plan;
    let params = &hall.params;
    let options = tight();
    assert!(
        r.coupling.converged && r.coupling.iterations >= 2,
        "{:?}",
        r.coupling
    );
    assert!(r.coupling.last_change_k <= 1e-9);
    // self-consistency: the power field at the final temperatures gives the losses the final
    // heat solve used. The losses are judged by an energy balance that shares nothing with the
    // model's face-by-face I2R sum: what the feeds deliver minus what the racks take, i.e. for
    // each cell its voltage drop times the current drawn there (Tellegen's theorem on the
    // discrete network: with zero-flux walls and the feeds at nominal voltage,
    // sum over faces g (v_c - v_d)^2 = sum over cells (V_nom - v_c) i_c h^2), for three phases.
    let problem = power_problem(plan, &f, params, &r.temperature_c, 1.0);
    let v = BandedDirect
        .solve(&problem, &options)
        .expect("power solves")
        .u;
    let h = plan.cell_m;
    let nominal = r.power.nominal_phase_v;
    let drawn_a: f64 = problem.source.iter().map(|s| -s * h * h).sum();
    assert!(
        (drawn_a - r.power.rack_current_a).abs() <= 1e-9 * r.power.rack_current_a,
        "the power problem draws {drawn_a} A, the racks {} A",
        r.power.rack_current_a
    );
    let balance_w: f64 = 3.0
        * (0..plan.cells())
            .filter(|&c| problem.fixed[c].is_none())
            .map(|c| (nominal - v[c]) * -problem.source[c] * h * h)
            .sum::<f64>();
    let used: f64 = r.loss_w_per_m2.iter().sum::<f64>() * h * h;
    assert!(
        (balance_w - used).abs() <= 1e-6 * used,
        "losses by the feed-minus-rack power balance {balance_w} W, used by the heat solve {used} W"
    );
    assert!(
        (r.power.distribution_loss_w - used).abs() <= 1e-9 * used,
        "reported busway losses {} W, used {used} W",
        r.power.distribution_loss_w
    );
    // warmer air raises the conductor's resistance: losses exceed those at the reference 20 °C
    let cold = power_problem(plan, &f, params, &vec![20.0; plan.cells()], 1.0);
    let v20 = BandedDirect.solve(&cold, &options).expect("power solves").u;
    let max_drop = |v: &[f64]| {
        v.iter()
            .fold(0.0f64, |m, x| m.max(r.power.nominal_phase_v - x))
    };
    assert!(
        max_drop(&v) > max_drop(&v20),
        "drop at the hall's temperatures should exceed that at 20 °C"
    );
}

/// 20 hours spread over the ranges a year visits: supply 18-30 °C, outdoor -15-38 °C,
/// utilisation 0.3-1 (a fixed low-discrepancy sequence, so the test is deterministic).
fn sampled_hours() -> Vec<(f64, f64, f64)> {
    (0..20)
        .map(|k| {
            let frac = |a: f64| (k as f64 * a + 0.5).fract();
            (
                18.0 + 12.0 * frac(0.618_034),
                -15.0 + 53.0 * frac(0.414_214),
                0.3 + 0.7 * frac(0.732_051),
            )
        })
        .collect()
}

/// Largest difference between every rack's inlet and the whole field by superposition and by
/// a direct solve of the same hour (the design I²R field scaled by utilisation squared).
fn superposition_gap(
    solver: &mut dyn Solver,
    options: &SolveOptions,
    tolerance_k: f64,
) -> (f64, f64) {
    let f = facility();
    let mut hall = hall_model(&f, solver, options);
    let design = hall
        .solve(&f, DESIGN, solver, options, tolerance_k)
        .expect("design hour");
    let basis = hall.basis(&design).expect("basis");
    let (mut inlet_gap, mut field_gap) = (0.0f64, 0.0f64);
    let mut inlets = Vec::new();
    for (s, o, u) in sampled_hours() {
        let direct = hall.direct(s, o, u, &design.loss_w_per_m2).expect("direct");
        basis.inlets(s, o, u, &mut inlets);
        assert_eq!(inlets.len(), direct.intake_c.len());
        for (a, b) in inlets.iter().zip(&direct.intake_c) {
            inlet_gap = inlet_gap.max((a - b).abs());
        }
        let field = basis.field(s, o, u);
        for ((a, b), solid) in field
            .iter()
            .zip(&direct.temperature_c)
            .zip(&hall.air.layout.solid)
        {
            if !solid {
                field_gap = field_gap.max((a - b).abs());
            }
        }
    }
    (inlet_gap, field_gap)
}

fn superposition_matches_direct_solves_at_20_hours_cpu() {
    let (inlets, field) = superposition_gap(&mut CpuMultigrid, &tight(), 1e-9);
    assert!(
        inlets <= 1e-9 && field <= 1e-9,
        "superposition against direct solves: inlets {inlets:.2e} K, field {field:.2e} K"
    );
}

fn superposition_matches_direct_solves_at_20_hours_gpu() {
    let mut gpu = common::gpu();
    let options = gpu.default_options();
    let (inlets, field) = superposition_gap(&mut gpu, &options, 1e-3);
    assert!(
        inlets <= 1e-3 && field <= 1e-3,
        "superposition against direct solves on the GPU: inlets {inlets:.2e} K, field {field:.2e} K"
    );
}

/// The liquid campus's hall: only the air share of each rack's heat reaches the air.
fn liquid_campus_hall_carries_only_the_air_share() {
    let f = load_facility(&root().join("sites/facilities/ai-campus-100mw.json"))
        .expect("shipped campus");
    let share = f.air_share();
    assert!(share > 0.0 && share < 0.5, "air share {share}");
    let options = tight();
    let mut hall = hall_model(&f, &CpuMultigrid, &options);
    let r = hall
        .solve(
            &f,
            Conditions {
                supply_c: 0.0,
                outdoor_c: 0.0,
                utilisation: 1.0,
            },
            &mut CpuMultigrid,
            &options,
            1e-9,
        )
        .expect("campus hall solves");
    let racks = hall.plan.racks.len() as f64;
    let air_w = f.rack_kw * 1e3 * share * racks;
    let expected = air_w + r.power.distribution_loss_w;
    assert!(
        (r.thermal.heat_in_w - expected).abs() <= 1e-9 * expected,
        "heat into the air {} W, expected the air share {air_w} W + I2R {} W",
        r.thermal.heat_in_w,
        r.power.distribution_loss_w
    );
    assert!(r.thermal.heat_imbalance <= 1e-9, "{:?}", r.thermal);
    assert!(r.power.within_limit, "{:?}", r.power);
}

fn gpu_hall_matches_cpu_within_a_millikelvin() {
    let mut gpu = common::gpu();
    let f = facility();
    let (_, _, cpu) = cpu_hall(DESIGN);
    let options = gpu.default_options();
    let mut hall = hall_model(&f, &gpu, &options);
    let g = hall
        .solve(&f, DESIGN, &mut gpu, &options, 1e-4)
        .expect("GPU hall");
    let diff = g
        .temperature_c
        .iter()
        .zip(&cpu.temperature_c)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(diff < 1e-3, "max |T_gpu - T_cpu| = {diff:.3e} K");
    assert!((g.thermal.worst_inlet_c - cpu.thermal.worst_inlet_c).abs() < 1e-3);
    assert!(
        g.thermal.heat_imbalance <= 1e-4,
        "GPU heat imbalance {:.2e}",
        g.thermal.heat_imbalance
    );
}

fn every_shipped_site_simulates_and_writes_its_report() {
    let facility_file = root().join("sites/facilities/ai-hall-20mw.json");
    let f = inputs::load_facility(&facility_file).expect("shipped facility");
    let out = std::env::temp_dir().join(format!("dcplan-sites-{}", std::process::id()));
    let mut sites: Vec<PathBuf> = std::fs::read_dir(root().join("sites"))
        .expect("sites/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    sites.sort();
    assert!(
        sites.len() >= 12,
        "at least 12 candidate sites ship, found {}",
        sites.len()
    );
    let cell_m = default_cell_m(&f.facility);
    let model = prepare_facility(&f, cell_m, &mut CpuMultigrid, &Precision::cpu())
        .expect("the shipped facility prepares");
    let (map, grid_files) = dcplan::plan::run::load_grid(&sites)
        .expect("the shipped grid model loads")
        .expect("sites/grid ships");
    for path in &sites {
        let input = inputs::load_site(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let site = &input.site;
        let run = simulate(&input, &f, &model, Some(&map), &grid_files)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let m = &run.metrics;
        assert!(m.coupling.converged);
        assert!(
            m.grid_fit.headroom_mw.is_finite() && m.grid_fit.headroom_mw >= 0.0,
            "{}: {:?}",
            site.id,
            m.grid_fit
        );
        assert_eq!(
            m.grid_fit.source,
            if site.power.grid_headroom_mw.is_some() {
                "override"
            } else {
                "computed"
            },
            "{}",
            site.id
        );
        assert!(m.hostable.it_mw <= f.facility.it_load_mw + 1e-9);
        assert_eq!(m.hourly_thermal.hours, m.energy.hours);
        assert!(
            m.thermal.heat_imbalance <= 1e-9,
            "{}: {:?}",
            site.id,
            m.thermal
        );
        assert!(
            (15.0..45.0).contains(&m.thermal.worst_inlet_c),
            "{}: worst inlet {} °C is not a plausible air temperature",
            site.id,
            m.thermal.worst_inlet_c
        );
        let dry = m.design_hour.outdoor.dry_bulb_c;
        assert!(
            (20.0..40.0).contains(&dry),
            "{}: design dry bulb {dry}",
            site.id
        );
        assert!(m.design_hour.outdoor.wet_bulb_c <= dry);
        let dir = out.join(&site.id);
        let files = write_site(&run, &dir).unwrap_or_else(|e| panic!("{}: {e}", site.id));
        assert_eq!(files.len(), 3);
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("metrics.json")).expect("metrics"),
        )
        .expect("metrics.json is JSON");
        assert_eq!(json["inputs"]["site_id"], site.id.as_str());
        for png in ["thermal.png", "voltage.png"] {
            let img =
                image::open(dir.join(png)).unwrap_or_else(|e| panic!("{}/{png}: {e}", site.id));
            assert!(img.width() > 200 && img.height() > 200);
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
