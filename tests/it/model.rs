//! The site model end to end: conservation of heat and current in the coupled hall fields, the
//! coupling's fixed point, GPU against CPU on a real hall, and every shipped site simulated.

use crate::common;
use crate::trials;
use dcplan::layout::{default_cell_m, FloorPlan};
use dcplan::model::hall::{power_problem, solve_hall, Conditions};
use dcplan::model::HallParams;
use dcplan::plan::inputs;
use dcplan::plan::simulate::{simulate, Precision};
use dcplan::report::simulation::write_site;
use dcplan::site::{load_facility, Facility, Valid};
use dcplan::solver::{BandedDirect, CpuMultigrid, SolveOptions, Solver};
use libtest_mimic::Trial;
use std::path::PathBuf;

pub fn tests() -> Vec<Trial> {
    trials![
        plain hall_conserves_heat_including_i2r_and_current_at_the_feeds,
        plain coupled_solve_reaches_a_fixed_point,
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
};

/// The shipped hall at the design conditions, solved on the CPU to a tight coupling tolerance.
fn cpu_hall() -> (
    Valid<Facility>,
    FloorPlan,
    HallParams,
    dcplan::model::HallResult,
) {
    let f = facility();
    let plan = FloorPlan::build(&f, default_cell_m(&f)).expect("plan");
    let params = HallParams::default();
    let options = SolveOptions::for_precision(false);
    let r = solve_hall(
        &plan,
        &f,
        &params,
        DESIGN,
        &mut CpuMultigrid,
        &options,
        1e-8,
    )
    .expect("hall solves");
    (f, plan, params, r)
}

fn hall_conserves_heat_including_i2r_and_current_at_the_feeds() {
    let (f, plan, params, r) = cpu_hall();
    let t = &r.thermal;
    // heat in = recirculated rack heat + busway I2R, computed independently of the solver
    let recirculated = params.recirculation_fraction * f.rack_kw * 1e3 * plan.racks.len() as f64;
    let expected_in = recirculated + r.power.distribution_loss_w;
    assert!(
        (t.heat_in_w - expected_in).abs() <= 1e-9 * expected_in,
        "heat in {} W, expected {} W (recirculation {} + I2R {})",
        t.heat_in_w,
        expected_in,
        recirculated,
        r.power.distribution_loss_w
    );
    assert!(r.power.distribution_loss_w > 0.0);
    let out = t.heat_to_supply_w + t.heat_through_walls_w;
    let imbalance = (t.heat_in_w - out).abs() / t.heat_in_w;
    assert!(
        imbalance <= 1e-9,
        "heat in {} W, out {} W: imbalance {imbalance:.2e}",
        t.heat_in_w,
        out
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
    let (f, plan, params, r) = cpu_hall();
    let options = SolveOptions::for_precision(false);
    assert!(
        r.coupling.converged && r.coupling.iterations >= 2,
        "{:?}",
        r.coupling
    );
    assert!(r.coupling.last_change_k <= 1e-8);
    // self-consistency: the power field at the final temperatures gives the losses the final
    // heat solve used. The losses are judged by an energy balance that shares nothing with the
    // model's face-by-face I2R sum: what the feeds deliver minus what the racks take, i.e. for
    // each cell its voltage drop times the current drawn there (Tellegen's theorem on the
    // discrete network: with zero-flux walls and the feeds at nominal voltage,
    // sum over faces g (v_c - v_d)^2 = sum over cells (V_nom - v_c) i_c h^2), for three phases.
    let problem = power_problem(&plan, &f, &params, &r.temperature_c);
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
    let cold = power_problem(&plan, &f, &params, &vec![20.0; plan.cells()]);
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

fn gpu_hall_matches_cpu_within_a_millikelvin() {
    let mut gpu = common::gpu();
    let f = facility();
    let plan = FloorPlan::build(&f, default_cell_m(&f)).expect("plan");
    let params = HallParams::default();
    let cpu = solve_hall(
        &plan,
        &f,
        &params,
        DESIGN,
        &mut CpuMultigrid,
        &SolveOptions::for_precision(false),
        1e-8,
    )
    .expect("CPU hall");
    let g = solve_hall(
        &plan,
        &f,
        &params,
        DESIGN,
        &mut gpu,
        &SolveOptions::for_precision(true),
        1e-4,
    )
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
    for path in &sites {
        let input = inputs::load_site(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let site = &input.site;
        let cell_m = default_cell_m(&f.facility);
        let run = simulate(&input, &f, cell_m, &mut CpuMultigrid, &Precision::cpu())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let m = &run.metrics;
        assert!(m.coupling.converged);
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
