//! `rank --uncertainty N` (issue 11): ranges in the site files validated with file, field and
//! reason; the analysis byte-identical for a seed, with its Monte Carlo error; and the cheap
//! re-evaluation of land and campus draws exact against full simulations.

use crate::trials;
use dcplan::layout::default_cell_m;
use dcplan::plan::criteria::{infeasibility, values};
use dcplan::plan::inputs::{self, FacilityInput, SiteInput};
use dcplan::plan::simulate::campus_rules;
use dcplan::plan::simulate::{prepare_facility, simulate, Precision};
use dcplan::plan::uncertainty::SiteBase;
use dcplan::plan::Evaluated;
use dcplan::site::{validate_facility, validate_site};
use dcplan::solver::CpuMultigrid;
use libtest_mimic::Trial;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tests() -> Vec<Trial> {
    trials![
        plain bad_ranges_are_bad_input_naming_file_field_and_reason,
        plain uncertainty_is_byte_identical_for_a_seed_and_reports_its_error,
        plain land_and_campus_draws_re_evaluate_exactly_as_a_new_simulation,
        plain grid_file_ranges_are_checked_and_drawn_end_to_end,
        plain a_rating_or_load_draw_moves_hosting_capacity_by_the_hand_formula,
        plain grid_draws_match_full_screens_and_a_fresh_hosting_map,
        plain a_national_grid_draw_moves_every_site_together,
    ]
}

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch folder with the shipped 20 MW hall in `facilities/`.
pub(crate) fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcplan-uncert-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("facilities")).expect("temp dir");
    std::fs::copy(
        root().join("sites/facilities/ai-hall-20mw.json"),
        dir.join("facilities/ai-hall-20mw.json"),
    )
    .expect("facility copy");
    dir
}

/// A copy of the shipped Pohang site with a new id, headroom and distance, then `edit`.
pub(crate) fn site(
    dir: &Path,
    id: &str,
    headroom_mw: f64,
    distance_km: f64,
    edit: impl Fn(&mut Value),
) {
    let text = std::fs::read_to_string(root().join("sites/pohang.json")).expect("pohang");
    let mut v: Value = serde_json::from_str(&text).expect("JSON");
    v["id"] = id.into();
    v["name_en"] = id.into();
    v["power"]["grid_headroom_mw"] = headroom_mw.into();
    v["distance_to_seoul_km"] = distance_km.into();
    edit(&mut v);
    std::fs::write(
        dir.join(format!("{id}.json")),
        serde_json::to_string_pretty(&v).unwrap(),
    )
    .expect("site file");
}

pub(crate) fn dcplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dcplan"))
        .args(args)
        .output()
        .expect("dcplan runs")
}

fn bad_ranges_are_bad_input_naming_file_field_and_reason() {
    let dir = temp("bad");
    site(&dir, "alpha", 150.0, 300.0, |v| {
        v["ranges"] = serde_json::json!({
            // low above the file's value (150 m)
            "land.usable_width_m": {"low": 160.0, "high": 200.0},
            // high outside the rule (0-1)
            "hazards.flood": {"low": 0.7, "high": 1.4, "dist": "triangular"},
            // not a field of the format
            "land.area_m2": {"low": 1.0, "high": 2.0},
        });
    });
    let file = dir.join("alpha.json");
    let o = dcplan(&["validate", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in [
        "alpha.json",
        "ranges.land.usable_width_m.low",
        "low <= the file's value 150",
        "ranges.hazards.flood.high",
        "0 to 1",
        "ranges.land.area_m2",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
    // a good range and an unknown distribution name
    site(&dir, "alpha", 150.0, 300.0, |v| {
        v["ranges"] = serde_json::json!({"land.usable_width_m": {"low": 120.0, "high": 150.0}});
    });
    assert_eq!(
        dcplan(&["validate", file.to_str().unwrap()]).status.code(),
        Some(0)
    );
    site(&dir, "alpha", 150.0, 300.0, |v| {
        v["ranges"] = serde_json::json!({"land.usable_width_m": {"low": 120.0, "high": 150.0, "dist": "lognormal"}});
    });
    let o = dcplan(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // too few draws to say anything is a bad argument
    let o = dcplan(&["rank", dir.to_str().unwrap(), "--uncertainty", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--uncertainty: expected at least 100"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn uncertainty_is_byte_identical_for_a_seed_and_reports_its_error() {
    let dir = temp("seed");
    // two close sites and one far behind; bravo's headroom is ranged in its file
    site(&dir, "alpha", 150.0, 300.0, |_| {});
    site(&dir, "bravo", 140.0, 290.0, |v| {
        v["ranges"] = serde_json::json!({"power.grid_headroom_mw": {"low": 100.0, "high": 200.0, "dist": "normal"}});
    });
    site(&dir, "charlie", 60.0, 400.0, |_| {});
    let run = |out: &str, seed: &str| {
        let out = dir.join(out);
        let o = dcplan(&[
            "--backend",
            "cpu",
            "rank",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
            "--uncertainty",
            "2000",
            "--seed",
            seed,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let (a, b, c) = (run("a", "5"), run("b", "5"), run("c", "6"));
    let bytes = |d: &Path| std::fs::read(d.join("ranking.json")).unwrap();
    assert!(bytes(&a) == bytes(&b), "same seed, different ranking.json");
    let json = |d: &Path| -> Value { serde_json::from_slice(&bytes(d)).unwrap() };
    let (x, z) = (json(&a), json(&c));
    let ux = &x["uncertainty"];
    let modes: Vec<&str> = ux["modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["weights", "inputs", "joint"]);
    // the file's range is used as given, the assumed hazards get their defaults
    let inputs = ux["inputs"].as_array().unwrap();
    let bravo = inputs
        .iter()
        .find(|i| i["input"] == "bravo: power.grid_headroom_mw")
        .expect("bravo's headroom is ranged");
    assert_eq!(bravo["range_from"], "file");
    assert_eq!(bravo["dist"], "normal (clipped)");
    assert!(inputs.iter().any(|i| i["input"] == "alpha: hazards.seismic"
        && i["range_from"].as_str().unwrap().starts_with("default")));
    // another seed moves every probability by no more than its reported error allows
    let mut moved = false;
    for (mx, mz) in ux["modes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(z["uncertainty"]["modes"].as_array().unwrap())
    {
        for (sx, sz) in mx["sites"]
            .as_array()
            .unwrap()
            .iter()
            .zip(mz["sites"].as_array().unwrap())
        {
            for key in ["p_first", "p_top_k"] {
                let (p, q) = (sx[key].as_f64().unwrap(), sz[key].as_f64().unwrap());
                let se = |s: &Value| s[format!("{key}_se")].as_f64().unwrap();
                let bound = 4.0 * (se(sx).powi(2) + se(sz).powi(2)).sqrt() + 1e-12;
                assert!(
                    (p - q).abs() <= bound,
                    "{key} {}: {p} vs {q}",
                    sx["site_id"]
                );
                moved |= p != q;
            }
        }
    }
    assert!(moved, "a different seed drew the same probabilities");
    // alpha and bravo are close: bravo's headroom alone can reverse them
    assert_eq!(ux["tornadoes"][0]["first"], "alpha");
    let reversers: Vec<&str> = ux["can_reverse_top_pair"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        reversers.contains(&"bravo: power.grid_headroom_mw"),
        "{reversers:?}"
    );
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    for needle in [
        "How sure the ranking is",
        "Tornado: alpha ahead of bravo",
        "What to measure first",
    ] {
        assert!(md.contains(needle), "report.md lacks `{needle}`");
    }
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(html.contains("aria-label=\"tornado\"") && html.contains("How sure the ranking is"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn changed_site(input: &SiteInput, edit: impl FnOnce(&mut dcplan::site::Site)) -> SiteInput {
    let mut raw = input.site.clone().into_inner();
    edit(&mut raw);
    SiteInput {
        site: validate_site(raw, &input.path).unwrap_or_else(|e| panic!("{e}")),
        ..input.clone()
    }
}

fn land_and_campus_draws_re_evaluate_exactly_as_a_new_simulation() {
    // the 100 MW campus of four halls on shrinking land, and with a wider setback: the
    // re-evaluation from the nominal simulation must equal simulating the changed files
    let f = inputs::load_facility(&root().join("sites/facilities/ai-campus-100mw.json"))
        .expect("shipped facility");
    let model = prepare_facility(
        &f,
        default_cell_m(&f.facility),
        &mut CpuMultigrid,
        &Precision::cpu(),
    )
    .expect("facility prepares");
    let path = root().join("sites/daegu.json");
    let nominal = changed_site(&inputs::load_site(&path).expect("daegu"), |s| {
        s.power.grid_headroom_mw = Some(400.0);
        s.land.usable_width_m = 400.0;
        s.land.usable_depth_m = 400.0;
    });
    let sim = |s: &SiteInput, f: &FacilityInput| {
        let run = simulate(s, f, &model, None, &[]).unwrap_or_else(|e| panic!("{e}"));
        let v = infeasibility(&f.facility, &run.metrics)
            .is_empty()
            .then(|| values(&s.site, &run.metrics));
        (run, v)
    };
    let (run, _) = sim(&nominal, &f);
    let ev = Evaluated {
        input: nominal.clone(),
        run,
    };
    let base = SiteBase::from_evaluated(&ev);
    let mut halls_seen = std::collections::BTreeSet::new();
    for (scale, setback) in [
        (1.0, None),
        (0.8, None),
        (0.6, None),
        (0.45, None),
        (0.3, None),
        (1.0, Some(60.0)),
    ] {
        let site = changed_site(&nominal, |s| {
            s.land.usable_width_m *= scale;
            s.land.usable_depth_m *= scale;
        });
        let fac = match setback {
            None => f.clone(),
            Some(m) => {
                let mut raw = f.facility.clone().into_inner();
                if let Some(c) = raw.campus.as_mut() {
                    c.setback_m = m;
                }
                FacilityInput {
                    facility: validate_facility(raw, &f.path).unwrap_or_else(|e| panic!("{e}")),
                    ..f.clone()
                }
            }
        };
        let (run, simulated) = sim(&site, &fac);
        halls_seen.insert(run.metrics.campus.halls_placed);
        let mut state = base.clone();
        state.land_m = [site.site.land.usable_width_m, site.site.land.usable_depth_m];
        let cheap = base.values(&state, &campus_rules(&fac.facility));
        assert_eq!(cheap, simulated, "land x{scale}, setback {setback:?}");
    }
    // the cases place different numbers of halls, none among them
    assert!(halls_seen.len() >= 3, "halls placed: {halls_seen:?}");
}

/// A copy of the shipped grid folder in `dir/grid` with `ranges` added to the summer peak.
fn ranged_grid(dir: &Path, ranges: Value) -> PathBuf {
    ranged_grid_with(dir, ranges, None)
}

/// As [`ranged_grid`], with `table` as the line-type table's ranges.
fn ranged_grid_with(dir: &Path, ranges: Value, table: Option<Value>) -> PathBuf {
    let g = dir.join("grid");
    std::fs::create_dir_all(g.join("snapshots")).unwrap();
    for f in [
        "network.json",
        "buses.csv",
        "branches.csv",
        "plants.csv",
        "line_types.json",
    ] {
        std::fs::copy(root().join("sites/grid").join(f), g.join(f)).unwrap();
    }
    for f in ["summer_peak.json", "light_load.json"] {
        let from = root().join("sites/grid/snapshots").join(f);
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(from).unwrap()).unwrap();
        if f == "summer_peak.json" {
            v["ranges"] = ranges.clone();
        }
        let text = serde_json::to_string_pretty(&v).unwrap();
        std::fs::write(g.join("snapshots").join(f), text).unwrap();
    }
    if let Some(table) = table {
        let file = g.join("line_types.json");
        let mut t: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        t["ranges"] = table;
        std::fs::write(&file, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    }
    g
}

fn grid_file_ranges_are_checked_and_drawn_end_to_end() {
    // bad ranges in a snapshot: every one named by file, path and reason, exit code 2
    let dir = temp("gridranges");
    let g = ranged_grid(
        &dir,
        serde_json::json!({
            // nuclear's availability is 0.95
            "merit_order[0].availability": {"low": 0.97, "high": 1.0},
            // a share of capacity cannot exceed 1
            "must_run[0].share_of_capacity": {"low": 0.1, "high": 1.2},
            // not a number of the format
            "participation": {"low": 0.0, "high": 1.0},
        }),
    );
    let o = dcplan(&["grid", "check", "--network", g.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "summer_peak.json",
        "ranges.merit_order[0].availability.low",
        "low <= the file's value 0.95",
        "ranges.must_run[0].share_of_capacity.high",
        "expected a number in [0, 1], found 1.2",
        "ranges.participation",
        "not a number of this file that takes a range",
    ] {
        assert!(err.contains(needle), "stderr lacks `{needle}`:\n{err}");
    }
    // the line-type table: the emergency factor is at least 1
    let mut t: Value =
        serde_json::from_str(&std::fs::read_to_string(g.join("line_types.json")).unwrap()).unwrap();
    t["ranges"] = serde_json::json!({
        "emergency_factor": {"low": 0.9, "high": 1.2},
        "lines[0].normal_mw_per_circuit": {"low": 400.0, "high": 600.0},
    });
    let table = dir.join("line_types.json");
    std::fs::write(&table, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    let e = dcplan::grid::params::LineTypes::load(&table)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ranges.emergency_factor.low")
            && e.contains("expected a number of at least 1, found 0.9"),
        "{e}"
    );
    assert!(
        !e.contains("normal_mw_per_circuit"),
        "a good range is refused: {e}"
    );

    for id in ["pohang", "ulsan"] {
        let text = std::fs::read_to_string(root().join(format!("sites/{id}.json"))).unwrap();
        std::fs::write(dir.join(format!("{id}.json")), text).unwrap();
    }
    let out = dir.join("out");
    let rank = |out: &Path| {
        dcplan(&[
            "--backend",
            "cpu",
            "rank",
            dir.join("pohang.json").to_str().unwrap(),
            dir.join("ulsan.json").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--uncertainty",
            "200",
        ])
    };
    // a box of ranges in which the summer peak cannot always be dispatched: bad input, named
    ranged_grid(
        &dir,
        serde_json::json!({"total_load_mw": {"low": 85133.0, "high": 400000.0}}),
    );
    let o = rank(&out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("summer_peak.json: ranges:") && err.contains("cannot balance"),
        "{err}"
    );

    // good ranges in a snapshot and in the line-type table are drawn through the screen
    ranged_grid_with(
        &dir,
        serde_json::json!({
            "merit_order[2].availability": {"low": 0.85, "high": 1.0, "dist": "triangular"},
            "total_load_mw": {"low": 80000.0, "high": 90000.0},
        }),
        Some(serde_json::json!({
            "lines[0].normal_mw_per_circuit": {"low": 450.0, "high": 560.0},
            "emergency_factor": {"low": 1.05, "high": 1.2},
            "lines[0].overhead_x_ohm_per_km_50hz": {"low": 0.3, "high": 0.4},
        })),
    );
    let o = rank(&out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again = dir.join("again");
    assert!(rank(&again).status.success());
    for f in ["ranking.json", "report.md", "report.html"] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(again.join(f)).unwrap(),
            "{f} differs between two runs with the same seed"
        );
    }
    let r: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).unwrap()).unwrap();
    let u = &r["uncertainty"];
    let inputs = u["inputs"].as_array().unwrap();
    let find = |name: &str| inputs.iter().find(|i| i["input"] == name);
    for (name, unit) in [
        ("grid: summer_peak.json total_load_mw", "MW"),
        ("grid: summer_peak.json merit_order[2].availability", ""),
        ("grid: line_types.json lines[0].normal_mw_per_circuit", "MW"),
        ("grid: line_types.json emergency_factor", ""),
    ] {
        let i = find(name).unwrap_or_else(|| panic!("{name} not among {inputs:?}"));
        assert_eq!(i["treatment"], "screened", "{name}");
        assert_eq!(i["unit"], unit, "{name}");
        assert_eq!(i["range_from"], "file", "{name}");
    }
    // the physics draws replace the default ±20 % on the computed hosting capacity
    assert!(
        !inputs.iter().any(|i| i["input"]
            .as_str()
            .unwrap()
            .contains("grid.hosting_mw (computed)")),
        "{inputs:?}"
    );
    let held = u["held_at_nominal"].as_array().unwrap();
    assert!(
        held.iter().any(|h| h["input"]
            == "grid: line_types.json lines[0].overhead_x_ohm_per_km_50hz"
            && h["why"].as_str().unwrap().contains("PTDF")),
        "{held:?}"
    );
    // the draws move the sites' grid headroom: the load's bar of the tornado moves the pair
    let bars = u["tornadoes"][0]["bars"].as_array().unwrap();
    let load = bars
        .iter()
        .find(|b| b["input"] == "grid: summer_peak.json total_load_mw")
        .unwrap_or_else(|| panic!("the national load does not move the pair: {bars:?}"));
    assert_eq!(load["unit"], "MW");
    // each computed site's drawn headroom, around its nominal hosting capacity, and the
    // grid-margin points of the assessment that follow it
    let spread = u["grid_headroom"].as_array().unwrap();
    assert_eq!(spread.len(), 2, "{spread:?}");
    for g in spread {
        let id = g["site_id"].as_str().unwrap();
        let q = |k: &str| g[k].as_f64().unwrap();
        // at the file values, the points the ranking's own assessment gives
        let row = r["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["site_id"] == id)
            .unwrap();
        let item = row["grid_impact"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == "grid_margin")
            .unwrap();
        let points = item["points"].as_f64().unwrap();
        assert!(
            (q("margin_points_nominal") - points).abs() <= 1e-9 * 15.0,
            "{id}: {g:?} vs the assessment's {points}"
        );
        assert!(
            q("p05_mw") <= q("p50_mw") && q("p50_mw") <= q("p95_mw"),
            "{g:?}"
        );
        assert!(
            q("p05_mw") < q("p95_mw"),
            "the draws do not move {id}'s headroom: {g:?}"
        );
        assert!((0.0..=15.0).contains(&q("margin_points_mean")));
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("### Grid headroom under the drawn grid figures"));
    assert!(
        md.contains("| grid: summer_peak.json total_load_mw | 80000.0000 MW | 90000.0000 MW |"),
        "{md}"
    );
    assert!(md.contains("| grid: line_types.json emergency_factor | 1.1 |"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("grid: summer_peak.json total_load_mw"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The triangle of `tests/it/grid.rs` (A-B-C, 30 MW of load at C, one 1,000 MW LNG plant at A)
/// with the shipped line-type table, into `dir`; `ranges` on the snapshot, `table` on the table.
fn triangle(dir: &Path, ranges: Value, table: Value) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("snapshots")).unwrap();
    std::fs::copy(
        root().join("sites/grid/network.json"),
        dir.join("network.json"),
    )
    .unwrap();
    std::fs::write(
        dir.join("buses.csv"),
        "id,station,kv,lon,lat,province,load_share\n\
         A,1,345,127.0,36.0,Test,0\n\
         B,2,345,127.5,36.0,Test,0\n\
         C,3,345,127.25,36.4,Test,1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("branches.csv"),
        "id,kind,from,to,circuits,length_km,x_pu,normal_mw,emergency_mw,source\n\
         AB,line,A,B,1,10,0.5,100,110,test\n\
         BC,line,B,C,1,10,1,50,55,test\n\
         CA,line,C,A,1,10,1,50,60,test\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("plants.csv"),
        "id,name,carrier,capacity_mw,bus,placement\nG1,gas,LNG,1000,A,test\n",
    )
    .unwrap();
    let snapshot = serde_json::json!({
        "name": "test",
        "description": "one LNG tier",
        "total_load_mw": 30.0,
        "must_run": [],
        "merit_order": [{"carriers": ["LNG"], "availability": 1.0}],
        "off": [],
        "participation": ["LNG"],
        "sources": ["hand-made test case"],
        "assumed": [],
        "ranges": ranges,
    });
    std::fs::write(
        dir.join("snapshots/test.json"),
        serde_json::to_string_pretty(&snapshot).unwrap(),
    )
    .unwrap();
    let file = dir.join("line_types.json");
    let mut t: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("sites/grid/line_types.json")).unwrap(),
    )
    .unwrap();
    t["ranges"] = table;
    std::fs::write(&file, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    file
}

fn a_rating_or_load_draw_moves_hosting_capacity_by_the_hand_formula() {
    use dcplan::grid::draws::GridDraws;
    use dcplan::grid::params::LineTypes;
    use dcplan::grid::{load_snapshots, HostingMap, Network, ScreenBackend};
    let dir = std::env::temp_dir().join(format!("dcplan-uncert-tri-{}", std::process::id()));
    let table = triangle(
        &dir,
        serde_json::json!({"total_load_mw": {"low": 20.0, "high": 40.0}}),
        serde_json::json!({
            // the 345 kV line type, 2,173 MW per circuit in the file
            "lines[1].normal_mw_per_circuit": {"low": 2000.0, "high": 2400.0},
            "emergency_factor": {"low": 1.0, "high": 1.2},
        }),
    );
    let net = Network::load(&dir).unwrap();
    let snaps = load_snapshots(&dir.join("snapshots"), &net).unwrap();
    let map = HostingMap::compute(&net, &snaps, ScreenBackend::Cpu { threads: 1 }).unwrap();
    let types = LineTypes::load(&table).unwrap();
    let draws = GridDraws::new(&map, Some((&table, &types)), &[2, 1]).unwrap();
    let names: Vec<String> = draws.figures().iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        [
            "test.json total_load_mw",
            "line_types.json emergency_factor",
            "line_types.json lines[1].normal_mw_per_circuit",
        ]
    );
    // bus C: BC binds after CA is lost; it then carries the whole load L plus all of the new
    // one (σ = 1), so with every 345 kV rating scaled by g = rating / 2173 and every emergency
    // rating by e / 1.1, the hosting capacity is 55 g e / 1.1 − L. Bus B: CA after AB is lost
    // carries L + ΔP (σ = 1): 60 g e / 1.1 − L.
    let mut checked = 0;
    for load in [20.0, 30.0, 40.0] {
        for e in [1.0, 1.1, 1.2] {
            for rating in [2000.0, 2173.0, 2400.0] {
                let g = rating / 2173.0;
                let h = draws.hosting_mw(&[load, e, rating]);
                let want = [55.0 * g * e / 1.1 - load, 60.0 * g * e / 1.1 - load];
                for (got, want) in h.iter().zip(want) {
                    assert!(
                        (got - want).abs() <= 1e-9 * want,
                        "load {load}, e {e}, rating {rating}: {got} vs {want}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 27);
    // at the file values the re-screen gives the map's own figures (25 and 30 MW)
    let h = draws.hosting_mw(&draws.nominal());
    assert!(
        (h[0] - 25.0).abs() < 1e-9 && (h[1] - 30.0).abs() < 1e-9,
        "{h:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Per rating class of the table (line types by voltage, then transformer types by voltage
/// pair), the branches of the network that follow it.
fn rating_class(
    net: &dcplan::grid::Network,
    types: &dcplan::grid::params::LineTypes,
    l: usize,
) -> Option<usize> {
    let b = &net.branches[l];
    let (a, c) = (net.buses[b.from].kv, net.buses[b.to].kv);
    match b.kind {
        dcplan::grid::BranchKind::Line => types.lines.iter().position(|t| t.kv == a),
        dcplan::grid::BranchKind::Transformer => types
            .transformers
            .iter()
            .position(|t| t.kv_low == a.min(c) && t.kv_high == a.max(c))
            .map(|j| types.lines.len() + j),
    }
}

fn grid_draws_match_full_screens_and_a_fresh_hosting_map() {
    use dcplan::grid::draws::{Effect, GridDraws};
    use dcplan::grid::params::LineTypes;
    use dcplan::grid::{load_snapshots, HostingMap, Network, ScreenBackend};
    use rand::{Rng, SeedableRng};
    let dir = temp("gridfull");
    let g = ranged_grid_with(
        &dir,
        serde_json::json!({
            "total_load_mw": {"low": 78000.0, "high": 92000.0},
            "must_run[0].share_of_capacity": {"low": 0.1, "high": 0.4},
            "merit_order[1].availability": {"low": 0.8, "high": 0.95},
            "merit_order[2].availability": {"low": 0.85, "high": 1.0, "dist": "triangular"},
        }),
        Some(serde_json::json!({
            "lines[0].normal_mw_per_circuit": {"low": 450.0, "high": 560.0},
            "lines[1].normal_mw_per_circuit": {"low": 1900.0, "high": 2300.0},
            "transformers[0].unit_mva": {"low": 400.0, "high": 550.0},
            "emergency_factor": {"low": 1.05, "high": 1.2},
        })),
    );
    let net = Network::load(&g).unwrap();
    let snaps = load_snapshots(&g.join("snapshots"), &net).unwrap();
    let map = HostingMap::compute(&net, &snaps, ScreenBackend::cpu()).unwrap();
    let table = g.join("line_types.json");
    let types = LineTypes::load(&table).unwrap();
    // every 25th bus: a spread of 154, 345 and 765 kV buses
    let buses: Vec<usize> = (0..net.buses.len()).step_by(25).collect();
    let draws = GridDraws::new(&map, Some((&table, &types)), &buses).unwrap();
    assert_eq!(draws.figures().len(), 8);
    let constraints = map.cases.cases * net.branches.len() * snaps.len() * buses.len();
    let candidates = draws.candidate_count();
    assert!(
        candidates < constraints / 10,
        "{candidates} candidates of {constraints}"
    );

    // the candidates against every constraint, on seeded random draws: the same minimum,
    // because a constraint left out exceeds the hosting capacity everywhere in the box
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let draw = |rng: &mut rand_chacha::ChaCha8Rng| -> Vec<f64> {
        draws
            .figures()
            .iter()
            .map(|f| f.range.quantile(rng.random(), f.nominal))
            .collect()
    };
    let (mut worst, mut moved) = (0.0f64, 0usize);
    let nominal = draws.hosting_mw(&draws.nominal());
    for _ in 0..40 {
        let x = draw(&mut rng);
        let (cheap, full) = (draws.hosting_mw(&x), draws.hosting_full_mw(&map, &x));
        for ((c, f), n) in cheap.iter().zip(&full).zip(&nominal) {
            worst = worst.max((c - f).abs() / f.max(1.0));
            moved += usize::from((f - n).abs() > 1e-6 * n.max(1.0));
        }
    }
    assert!(
        worst <= 1e-12,
        "candidates vs every constraint: worst relative gap {worst} ({candidates} candidates)"
    );
    assert!(
        moved > 200,
        "the draws should move hosting capacities ({moved} of 1000 moved)"
    );

    // the full physics: the drawn snapshot files dispatched afresh, the drawn ratings written
    // into the branches, and the hosting map computed from scratch
    for _ in 0..3 {
        let x = draw(&mut rng);
        let mut net2 = net.clone();
        let mut factor = vec![1.0; types.lines.len() + types.transformers.len()];
        let mut emergency = 1.0;
        for (f, &v) in draws.figures().iter().zip(&x) {
            match f.effect {
                Effect::Rating { class } => factor[class] = v / f.nominal,
                Effect::EmergencyFactor => emergency = v / f.nominal,
                _ => {}
            }
        }
        for l in 0..net2.branches.len() {
            let k = rating_class(&net, &types, l).map_or(1.0, |c| factor[c]);
            net2.branches[l].normal_mw *= k;
            net2.branches[l].emergency_mw *= k * emergency;
        }
        let snap_dir = dir.join("drawn");
        std::fs::create_dir_all(&snap_dir).unwrap();
        for s in &snaps {
            let mut v: Value =
                serde_json::from_str(&std::fs::read_to_string(&s.file).unwrap()).unwrap();
            for (f, &val) in draws.figures().iter().zip(&x) {
                if f.file == format!("{}.json", s.name()) {
                    let p = &f.path;
                    if p == "total_load_mw" {
                        v["total_load_mw"] = val.into();
                    } else if let Some(i) = p.strip_prefix("must_run[") {
                        let i: usize = i.split(']').next().unwrap().parse().unwrap();
                        v["must_run"][i]["share_of_capacity"] = val.into();
                    } else if let Some(i) = p.strip_prefix("merit_order[") {
                        let i: usize = i.split(']').next().unwrap().parse().unwrap();
                        v["merit_order"][i]["availability"] = val.into();
                    }
                }
            }
            v.as_object_mut().unwrap().remove("ranges");
            let file = snap_dir.join(format!("{}.json", s.name()));
            std::fs::write(&file, serde_json::to_string(&v).unwrap()).unwrap();
        }
        let snaps2 = load_snapshots(&snap_dir, &net2).unwrap();
        let map2 = HostingMap::compute(&net2, &snaps2, ScreenBackend::cpu()).unwrap();
        let cheap = draws.hosting_mw(&x);
        for (slot, &bus) in buses.iter().enumerate() {
            let want = map2.snapshots[map2.worse_snapshot(bus)].buses[bus].hosting_mw;
            // the flows are sums of PTDF patterns here and solves there: rounding only
            assert!(
                (cheap[slot] - want).abs() <= 1e-6 * want.max(1.0),
                "bus {}: {} MW vs a fresh map's {want} MW",
                net.buses[bus].id,
                cheap[slot]
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two sites alike but for their bus: B and C of the triangle, whose hosting capacities are
/// 60 − L and 55 − L for the national load L. The load is one national figure, so in every draw
/// B keeps its 5 MW lead and ranks first; drawn apart for each site (two independent loads
/// on U(20, 40)), C would lead in P(U₁ − U₂ > 5) = 15² / (2 · 20²) = 28 % of the draws.
fn a_national_grid_draw_moves_every_site_together() {
    use dcplan::grid::draws::GridDraws;
    use dcplan::grid::{load_snapshots, HostingMap, Network, ScreenBackend};
    use dcplan::layout::campus::CampusRules;
    use dcplan::plan::uncertainty::{
        analyse, GridInputs, Input, Lever, Problem, Settings, Treatment,
    };
    let dir = std::env::temp_dir().join(format!("dcplan-uncert-together-{}", std::process::id()));
    triangle(
        &dir,
        serde_json::json!({"total_load_mw": {"low": 20.0, "high": 40.0}}),
        serde_json::json!({}),
    );
    let net = Network::load(&dir).unwrap();
    let snaps = load_snapshots(&dir.join("snapshots"), &net).unwrap();
    let map = HostingMap::compute(&net, &snaps, ScreenBackend::Cpu { threads: 1 }).unwrap();
    let draws = GridDraws::new(&map, None, &[1, 2]).unwrap();
    let f = draws.figures()[0].clone();
    let base = |id: &str, headroom_mw: f64| SiteBase {
        id: id.into(),
        hazards: [0.2; 3],
        distance_km: 100.0,
        tariff: 100.0,
        carbon: 0.4,
        headroom_mw,
        land_m: [500.0, 500.0],
        billed_per_it_kwh: 1.2,
        peak_mw_per_hall: 1.2,
        pue: 1.2,
        wue: 0.1,
        thermal_hours: 0.0,
        voltage_drop_pct: 1.0,
        voltage_ok: true,
        a1_utilisation_limit: 1.0,
    };
    let problem = Problem {
        // named so that a tie by name would favour C
        bases: vec![base("alpha-c", 25.0), base("zulu-b", 30.0)],
        rules: CampusRules {
            halls: 1,
            hall_width_m: 50.0,
            hall_depth_m: 50.0,
            hall_it_mw: 1.0,
            hall_gap_m: 0.0,
            yard_m2_per_mw: 0.0,
            substation_m2: 0.0,
            setback_m: 0.0,
        },
        inputs: vec![Input {
            site: None,
            path: f.name(),
            nominal: f.nominal,
            range: f.range,
            default_kind: None,
            lever: Some(Lever::Grid(0)),
            treatment: Treatment::Screened,
        }],
        held: Vec::new(),
        grid: Some(GridInputs {
            draws,
            slot: vec![Some(1), Some(0)],
        }),
    };
    let n = 2_000;
    let settings = Settings {
        draws: n,
        seed: 9,
        top_k: 1,
        radius: 0.3,
        weights: dcplan::plan::criteria::default_weights(),
    };
    let u = analyse(&problem, &settings, &|_, _| {}).unwrap();
    let inputs = u.modes.iter().find(|m| m.mode == "inputs").unwrap();
    let b = inputs.sites.iter().find(|s| s.site_id == "zulu-b").unwrap();
    assert_eq!(b.p_first, 1.0, "B must lead in every draw: {inputs:?}");
    // both headrooms follow the one load: medians near 30 and 25 MW (sd of a median of
    // U(a, a + 20) over 2,000 draws: 0.22 MW), the same 5 MW apart at every quantile
    let spread = &u.grid_headroom;
    let (hb, hc) = (&spread[0], &spread[1]);
    assert_eq!(
        (hb.site_id.as_str(), hc.site_id.as_str()),
        ("zulu-b", "alpha-c")
    );
    assert!((hb.p50_mw - 30.0).abs() < 1.0, "{hb:?}");
    for (x, y) in [
        (hb.p05_mw, hc.p05_mw),
        (hb.p50_mw, hc.p50_mw),
        (hb.p95_mw, hc.p95_mw),
    ] {
        assert!((x - y - 5.0).abs() < 1e-9, "{hb:?} {hc:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
