//! dcplan's compact hall airflow model against OpenFOAM CFD of the same halls (benches/cfd/).
//!
//! Each case of benches/cfd/halls/ was solved with OpenFOAM v1912 (buoyantBoussinesqSimpleFoam,
//! k-epsilon, 0.15 m cells, racks coupled intake to exhaust; benches/cfd/README.md); its per-rack
//! intake means are committed in benches/cfd/results/. Here dcplan's compact model solves the
//! same hall (`cfd_hall`, 0.15 m plan cells, the shipped tile capture rule with overshoot 0.15
//! at matched supply, mixing 30 W/(m K), adiabatic walls like the CFD's) and each rack's intake
//! is compared against the goal: mean |error| <= 1.5 K, max <= 3 K, the same worst rack.
//!
//! Measured (model - CFD, 20 racks each, 12 in short-100; mean / max |error|):
//!
//! | case                 | fixed share 0.2 (before) | capture rule, s_1 = 0.15 | worst rack          |
//! |----------------------|--------------------------|--------------------------|---------------------|
//! | open-100             | 0.94 / 1.69 K            | 0.75 / 1.75 K            | row end in both     |
//! | open-080             | 2.88 / 5.08 K            | 1.24 / 1.85 K            | row end in both     |
//! | doors-100            | 1.72 / 2.15 K            | 1.12 / 1.55 K            | model uniform: none |
//! | open-120 (held out)  | 0.87 / 4.84 K            | 0.95 / 1.65 K            | row end in both     |
//! | short-100 (held out) | 0.67 / 1.01 K            | 0.84 / 1.75 K            | row end in both     |
//!
//! s_1 was chosen from the first three cases (0.125-0.175 meets the goal on all three; 0.15 is
//! the middle) and committed before the CFD of open-120 (120 % supply) and short-100 (rows of
//! six racks) was run; those two are the held-out checks. The
//! doors case meets the error bounds but not "the same worst rack": the model has no worst rack
//! there (every intake 19.80 °C), the CFD's spread is 0.9 K. The short hall alone would have
//! preferred a larger share (0.2 fits its row ends); s_1 is not free of the geometry.

use crate::airflow::cfd_hall;
use crate::trials;
use dcplan::model::airflow::{AirConditions, AirParams, HallAir};
use dcplan::solver::{CpuMultigrid, SolveOptions, Tolerance};
use libtest_mimic::Trial;
use std::path::{Path, PathBuf};

pub fn tests() -> Vec<Trial> {
    trials![
        plain cfd_results_balance_air_and_heat,
        plain cfd_of_the_open_hall_moves_with_the_mesh_most_at_the_row_ends,
        plain open_hall_meets_the_goal_per_rack,
        plain under_supplied_hall_meets_the_goal_per_rack,
        plain doors_hall_meets_the_error_goal_warmer_on_every_rack,
        plain held_out_halls_against_cfd,
        plain row_ends_are_the_hottest_racks_of_the_open_halls_in_both,
        plain doors_take_the_hot_spots_off_the_row_ends_in_both,
        plain under_supply_heats_every_rack_in_both,
    ]
}

/// The compact model's grid for these halls, m (the CFD's plan cell).
const CELL_M: f64 = 0.15;
/// Tile overshoot at matched supply and mixing of the shipped default air design
/// (site::types::AirDesign).
const MATCHED_OVERSHOOT: f64 = 0.15;
const K_EFF_W_MK: f64 = 30.0;

fn cfd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/cfd")
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// Per-rack intake temperatures of one case: CFD and compact model, in hall order.
struct Comparison {
    case: String,
    ids: Vec<String>,
    cfd_c: Vec<f64>,
    model_c: Vec<f64>,
}

impl Comparison {
    fn errors(&self) -> Vec<f64> {
        self.model_c
            .iter()
            .zip(&self.cfd_c)
            .map(|(m, c)| m - c)
            .collect()
    }
    fn mean_abs_k(&self) -> f64 {
        self.errors().iter().map(|e| e.abs()).sum::<f64>() / self.ids.len() as f64
    }
    fn max_abs_k(&self) -> f64 {
        self.errors().iter().fold(0.0f64, |m, e| m.max(e.abs()))
    }
    fn table(&self) -> String {
        let mut s = format!("{}:\n", self.case);
        for (k, id) in self.ids.iter().enumerate() {
            s += &format!(
                "  {id}: CFD {:6.2} °C, model {:6.2} °C, error {:+5.2} K\n",
                self.cfd_c[k],
                self.model_c[k],
                self.model_c[k] - self.cfd_c[k]
            );
        }
        s + &format!(
            "  mean |error| {:.2} K, max |error| {:.2} K",
            self.mean_abs_k(),
            self.max_abs_k()
        )
    }
}

fn compare(case: &str) -> Comparison {
    let dir = cfd_dir();
    let hall = read_json(&dir.join("halls").join(format!("{case}.json")));
    let result = read_json(&dir.join("results").join(format!("{case}.json")));
    let f = |v: &serde_json::Value, what: &str| {
        v.as_f64()
            .unwrap_or_else(|| panic!("{case}: {what} is not a number"))
    };
    let mut layout = cfd_hall(&hall, CELL_M);
    layout.tile_jets(MATCHED_OVERSHOOT);
    let air = &hall["air"];
    let params = AirParams {
        rho_cp_j_m3k: f(&air["rho_kg_m3"], "air.rho_kg_m3") * f(&air["cp_j_kgk"], "air.cp_j_kgk"),
        k_eff_w_mk: K_EFF_W_MK,
        // the CFD's walls are adiabatic
        wall_u_w_m2k: 0.0,
    };
    let mut options = SolveOptions::f64_target();
    options.tolerance = Tolerance::Eta(1e-12);
    let racks = hall["racks"].as_array().expect("racks");
    let heat: Vec<f64> = racks.iter().map(|r| f(&r["heat_w"], "heat_w")).collect();
    let supply_c = f(&hall["supply"]["temp_c"], "supply.temp_c");
    let mut model = HallAir::new(layout, params, &CpuMultigrid, &options)
        .unwrap_or_else(|e| panic!("{case}: compact model: {e}"));
    let field = model
        .solve(&AirConditions {
            supply_c,
            outdoor_c: supply_c,
            rack_heat_w: heat,
            source_w_m2: vec![],
        })
        .unwrap_or_else(|e| panic!("{case}: compact model solve: {e}"));
    let by_id: std::collections::HashMap<String, f64> = result["racks"]
        .as_array()
        .expect("result racks")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").to_string(),
                f(&r["intake_c"], "intake_c"),
            )
        })
        .collect();
    let ids: Vec<String> = racks
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    let cfd_c = ids
        .iter()
        .map(|id| {
            *by_id
                .get(id)
                .unwrap_or_else(|| panic!("{case}: rack {id} is missing from the CFD result"))
        })
        .collect();
    Comparison {
        case: case.to_string(),
        ids,
        cfd_c,
        model_c: field.intake_c,
    }
}

/// The committed CFD result of a case (`suffix` "" for the 0.15 m mesh).
fn cfd_result(case: &str, suffix: &str) -> serde_json::Value {
    read_json(
        &cfd_dir()
            .join("results")
            .join(format!("{case}{suffix}.json")),
    )
}

fn number(v: &serde_json::Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Indices of the `n` hottest racks, hottest first.
fn hottest(t: &[f64], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..t.len()).collect();
    idx.sort_by(|&a, &b| t[b].total_cmp(&t[a]));
    idx.truncate(n);
    idx
}

const ROW_ENDS: [&str; 4] = ["A01", "A10", "B01", "B10"];
/// The open halls (no doors).
const OPEN_CASES: [&str; 4] = ["open-100", "open-080", "open-120", "short-100"];

/// Each committed CFD run carries the air it was given through its returns and the racks' heat
/// out with it (the returns' flow-weighted temperature), and its intakes settled: the 10-rack
/// 100 % and 120 % cases wander by under 0.3 K (standard deviation over the averaged 600
/// iterations); the 80 % case (up to 1.13 K) and the 6-rack short-100 (up to 1.36 K, at its
/// row ends) did not settle, which is stated, and bounded here so that a worse run is not
/// committed unnoticed.
fn cfd_results_balance_air_and_heat() {
    for (case, settle_k) in [
        ("open-100", 0.3),
        ("doors-100", 0.3),
        ("open-120", 0.3),
        ("short-100", 1.4),
        ("open-080", 1.2),
    ] {
        let hall = read_json(&cfd_dir().join("halls").join(format!("{case}.json")));
        let r = cfd_result(case, "");
        let supply = number(&hall["supply"]["flow_m3_s"], "supply");
        let returned = number(&r["return_flow_m3_s"], "return_flow_m3_s");
        assert!(
            (returned - supply).abs() < 1e-3 * supply,
            "{case}: {returned} m³/s returned of {supply} supplied"
        );
        let heat = number(
            &r["return_heat_over_rack_heat"],
            "return_heat_over_rack_heat",
        );
        assert!(
            (heat - 1.0).abs() < 0.01,
            "{case}: the returns carry {heat:.4} of the racks' heat"
        );
        let std = number(&r["largest_intake_std_k"], "largest_intake_std_k");
        assert!(
            std < settle_k,
            "{case}: an intake wanders by {std} K over the averaged iterations"
        );
        assert_eq!(
            r["racks"].as_array().map(Vec::len),
            hall["racks"].as_array().map(Vec::len),
            "{case}: one result per rack"
        );
    }
}

/// open-100 on 0.20 m and 0.15 m cells (18 480 and 44 480 fluid cells): per-rack intakes differ
/// by 0.37 K on average and 2.02 K at most, at a row end (B10: 24.6 °C on the fine mesh, 26.6 °C
/// on the coarse). The row ends' plumes settle into slightly different states on the two meshes
/// (on the fine one the mirror-image ends A01 and B01 differ by 1.6 K); the CFD's row-end
/// figures are uncertain by about that much.
fn cfd_of_the_open_hall_moves_with_the_mesh_most_at_the_row_ends() {
    let (fine, coarse) = (cfd_result("open-100", ""), cfd_result("open-100", "-0.2"));
    let racks = |r: &serde_json::Value| -> Vec<(String, f64)> {
        r["racks"]
            .as_array()
            .expect("racks")
            .iter()
            .map(|x| {
                (
                    x["id"].as_str().expect("id").to_string(),
                    number(&x["intake_c"], "intake_c"),
                )
            })
            .collect()
    };
    let (a, b) = (racks(&fine), racks(&coarse));
    assert_eq!(a.len(), b.len());
    let diffs: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|((ia, ta), (ib, tb))| {
            assert_eq!(ia, ib, "rack order differs between the meshes");
            (ta - tb).abs()
        })
        .collect();
    let (m, x) = (mean(&diffs), diffs.iter().fold(0.0f64, |m, d| m.max(*d)));
    assert!(
        m < 0.5 && x < 2.2,
        "0.15 m against 0.20 m: mean |difference| {m:.2} K, max {x:.2} K"
    );
    let worst = &a[hottest(&diffs, 1)[0]].0;
    assert!(
        ROW_ENDS.contains(&worst.as_str()),
        "the largest mesh difference is at {worst}, not a row end"
    );
}

/// The goal for one case: mean |error| <= 1.5 K and max |error| <= 3 K.
fn assert_error_goal(c: &Comparison) {
    assert!(
        c.mean_abs_k() <= 1.5 && c.max_abs_k() <= 3.0,
        "misses the goal (mean <= 1.5 K, max <= 3 K)\n{}",
        c.table()
    );
}

/// The goal's "same worst rack": the CFD's hottest rack is one of the model's hottest. The
/// model's halls are mirror-symmetric, so its row ends tie (to 0.01 K); any rack within
/// 0.05 K of the model's hottest counts as its worst.
fn assert_same_worst_rack(c: &Comparison) {
    let top = c.model_c.iter().fold(f64::MIN, |m, &t| m.max(t));
    let cfd_worst = hottest(&c.cfd_c, 1)[0];
    assert!(
        c.model_c[cfd_worst] >= top - 0.05,
        "the CFD's worst rack {} is at {:.2} °C in the model, whose hottest is {top:.2} °C\n{}",
        c.ids[cfd_worst],
        c.model_c[cfd_worst],
        c.table()
    );
}

/// open-100 (supply 100 % of the rack airflow): mean |error| 0.75 K, max 1.75 K (A01/A10:
/// model 24.48 °C, CFD 26.2 °C; B01/B10 are 24.6 °C in the CFD, its row ends differ by 1.6 K
/// between mirror-image racks); the CFD's worst rack, A10, is a row end, as are the model's.
fn open_hall_meets_the_goal_per_rack() {
    let c = compare("open-100");
    assert_error_goal(&c);
    assert_same_worst_rack(&c);
}

/// open-080 (supply 80 % of the rack airflow; the tiles supply less than the racks capture
/// from them, so none overshoots): mean |error| 1.24 K, max 1.85 K (A09); the row ends are
/// 1.1-1.7 K cool in the model, the racks third and fourth from each end 0.8-1.1 K warm. The
/// CFD's worst rack, A10, is a row end, as are the model's.
fn under_supplied_hall_meets_the_goal_per_rack() {
    let c = compare("open-080");
    assert_error_goal(&c);
    assert_same_worst_rack(&c);
}

/// doors-100 (cold-aisle end doors to rack height, no roof, 100 % supply): mean |error|
/// 1.12 K, max 1.55 K (row ends), the model 0.6-1.55 K warmer on every rack. The goal's error
/// bounds are met, its "same worst rack" is not: the model gives every rack the same intake
/// (19.80 °C: the aisle's air is the tiles' captured share and zone air coming down, mixed
/// alike along the aisle) and so names no worst rack; the CFD spreads 0.9 K (18.25-19.19 °C),
/// warmest at A02/B09, coolest at the row ends next to the doors.
fn doors_hall_meets_the_error_goal_warmer_on_every_rack() {
    let c = compare("doors-100");
    assert_error_goal(&c);
    assert!(c.errors().iter().all(|&e| e > 0.0), "{}", c.table());
    let spread = |t: &[f64]| {
        t.iter().fold(f64::MIN, |m, &x| m.max(x)) - t.iter().fold(f64::MAX, |m, &x| m.min(x))
    };
    assert!(
        spread(&c.model_c) < 0.05 && spread(&c.cfd_c) > 0.5,
        "model spread {:.2} K, CFD {:.2} K\n{}",
        spread(&c.model_c),
        spread(&c.cfd_c),
        c.table()
    );
}

/// The held-out halls, solved by CFD after the matched overshoot share 0.15 was chosen from the
/// other three cases and committed: open-120 (supply 120 % of the rack airflow: the capture
/// rule sends 0.29 of the tile air over the racks there), mean |error| 0.95 K, max 1.65 K (B10,
/// B01: model 24.42 °C, CFD 26.07 °C; A01/A10 are 23.26 °C in the CFD); and short-100 (two rows
/// of six racks at 100 %: another row length, so another share of row-end racks), mean
/// |error| 0.84 K, max 1.75 K (A06: model 23.47 °C, CFD 25.22 °C; the CFD's row ends did not
/// settle, intake standard deviation 1.2-1.4 K there).
fn held_out_halls_against_cfd() {
    for case in ["open-120", "short-100"] {
        let c = compare(case);
        assert_error_goal(&c);
        assert_same_worst_rack(&c);
    }
}

/// The first and last rack of each row (rows are named by their first letter), sorted.
fn row_ends(ids: &[String]) -> Vec<&str> {
    let mut ends: Vec<&str> = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let row = |i: usize| ids.get(i).and_then(|s| s.chars().next());
        let first = k == 0 || row(k - 1) != row(k);
        let last = row(k + 1) != row(k);
        if first || last {
            ends.push(id);
        }
    }
    ends.sort_unstable();
    ends
}

/// In every open hall the four hottest intakes are the four row ends, in the CFD and in the
/// model: exhaust wraps around the row ends into the cold aisle.
fn row_ends_are_the_hottest_racks_of_the_open_halls_in_both() {
    for case in OPEN_CASES {
        let c = compare(case);
        for (who, t) in [("CFD", &c.cfd_c), ("model", &c.model_c)] {
            let mut top: Vec<&str> = hottest(t, 4).iter().map(|&k| c.ids[k].as_str()).collect();
            top.sort_unstable();
            assert_eq!(
                top,
                row_ends(&c.ids),
                "{case}, {who}: hottest racks\n{}",
                c.table()
            );
        }
    }
}

/// With the cold-aisle ends closed (doors to rack height, no roof) the row ends are no hotter
/// than the middle of the rows in either: in the CFD they are the coolest racks (18.2 °C
/// against 18.5-19.2 °C), in the model every rack sees the same air.
fn doors_take_the_hot_spots_off_the_row_ends_in_both() {
    let c = compare("doors-100");
    for (who, t) in [("CFD", &c.cfd_c), ("model", &c.model_c)] {
        let (ends, middle): (Vec<f64>, Vec<f64>) = {
            let mut e = Vec::new();
            let mut m = Vec::new();
            for (k, id) in c.ids.iter().enumerate() {
                if ROW_ENDS.contains(&id.as_str()) {
                    e.push(t[k]);
                } else {
                    m.push(t[k]);
                }
            }
            (e, m)
        };
        let hottest_end = ends.iter().fold(f64::MIN, |a, &b| a.max(b));
        assert!(
            hottest_end < mean(&middle) + 0.05,
            "doors-100, {who}: a row end at {hottest_end:.2} °C, the middle at {:.2} °C\n{}",
            mean(&middle),
            c.table()
        );
    }
}

/// Supply at 80 % of the racks' airflow against 100 %: every rack's intake is warmer in both,
/// and the hall's mean intake by more than a kelvin (CFD +1.7 K, model +1.2 K).
fn under_supply_heats_every_rack_in_both() {
    let (full, under) = (compare("open-100"), compare("open-080"));
    assert_eq!(full.ids, under.ids);
    for (who, a, b) in [
        ("CFD", &full.cfd_c, &under.cfd_c),
        ("model", &full.model_c, &under.model_c),
    ] {
        for k in 0..a.len() {
            assert!(
                b[k] > a[k],
                "{who}: rack {} at {:.2} °C with 80 % supply, {:.2} °C with 100 %",
                full.ids[k],
                b[k],
                a[k]
            );
        }
        let rise = mean(b) - mean(a);
        assert!(rise > 1.0, "{who}: the mean intake rises {rise:.2} K");
    }
}
