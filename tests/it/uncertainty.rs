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
        plain grid_file_ranges_are_checked_and_held_at_nominal,
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
    g
}

fn grid_file_ranges_are_checked_and_held_at_nominal() {
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

    // good ranges load, and the uncertainty analysis lists them as held at nominal
    let g = ranged_grid(
        &dir,
        serde_json::json!({
            "merit_order[2].availability": {"low": 0.85, "high": 1.0, "dist": "triangular"},
        }),
    );
    let network = dcplan::grid::Network::load(&g).expect("network");
    let snaps = dcplan::grid::load_snapshots(&g.join("snapshots"), &network).expect("snapshots");
    let peak = snaps.iter().find(|s| s.name() == "summer_peak").unwrap();
    assert_eq!(peak.rules.ranges.len(), 1);
    let text = std::fs::read_to_string(root().join("sites/pohang.json")).unwrap();
    std::fs::write(dir.join("pohang.json"), text).unwrap();
    let out = dir.join("out");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "rank",
        dir.join("pohang.json").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--uncertainty",
        "100",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).unwrap()).unwrap();
    let held = r["uncertainty"]["held_at_nominal"].as_array().unwrap();
    assert!(
        held.iter().any(
            |h| h["input"] == "grid: summer_peak merit_order[2].availability"
                && h["why"].as_str().unwrap().contains("new dispatch")
        ),
        "{held:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
