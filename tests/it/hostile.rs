//! Issue 14: hostile files, full disks and signals. Each test is named after the item of the
//! issue it holds fixed, and runs the release binary as an attacker or a careless user would.

use crate::trials;
use libtest_mimic::Trial;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn tests() -> Vec<Trial> {
    trials![
        plain item1_special_and_oversized_files_are_refused_at_once,
        plain item1_a_facility_linked_to_dev_zero_fails_validate_and_simulate,
        plain item2_epw_paths_stay_inside_the_site_folder,
        plain item2_a_file_that_is_not_epw_is_never_echoed,
        plain item2_weather_dir_admits_files_inside_it_and_nothing_outside,
        plain item3_legal_cell_m_solves_and_absurd_ones_are_refused_with_the_range,
        plain item4_grids_and_bench_sizes_are_refused_before_allocating,
        plain item5_the_reported_facility_values_are_refused_naming_file_and_field,
        plain item5_a_literal_nan_and_a_zero_humidity_are_refused_naming_the_field,
        plain item5_every_ruled_number_at_its_edges_simulates_or_names_the_facility,
        plain item6_output_failures_exit_5_before_computing_and_name_the_path,
        plain item7_a_rerun_replaces_the_whole_report_folder,
        plain item7_sigterm_leaves_no_temporary_and_the_old_report_intact,
        plain item8_identical_sites_share_p_first_whatever_their_names,
        plain item9_editing_the_epw_changes_its_hash_in_ranking_json,
        plain item10_ids_are_escaped_and_shortened_in_messages,
        plain item10_duplicate_ids_are_refused_before_simulating_naming_both_files,
        plain item10_arguments_missing_weights_adapter_with_cpu_and_draws,
        plain item10_an_epw_with_a_byte_order_mark_is_read,
    ]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test: cargo's build of it, or `DCPLAN_BIN` (for a copy taken right after
/// the build where several worktrees share one target folder).
fn bin() -> String {
    std::env::var("DCPLAN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_dcplan").to_string())
}

fn dcplan(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("the dcplan binary runs")
}

/// Runs dcplan and checks it ended within `seconds` (the issue asks for "within a second";
/// the limit here leaves room for a loaded test machine).
fn timed(seconds: f64, args: &[&str]) -> Output {
    let start = Instant::now();
    let o = dcplan(args);
    let took = start.elapsed().as_secs_f64();
    assert!(took < seconds, "{args:?} took {took:.1} s");
    o
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A fresh folder with a copy of the shipped facility in `facilities/`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcplan-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("facilities")).expect("scratch");
    std::fs::copy(
        root().join("sites/facilities/ai-hall-20mw.json"),
        dir.join("facilities/ai-hall-20mw.json"),
    )
    .expect("facility");
    dir
}

/// Pohang's site file with its grid headroom given as an override: the scratch folders here
/// hold no grid model.
fn pohang() -> Value {
    let text = std::fs::read_to_string(root().join("sites/pohang.json")).expect("pohang");
    let mut v: Value = serde_json::from_str(&text).expect("JSON");
    v["power"]["grid_headroom_mw"] = 730.0.into();
    v["assumed"]
        .as_array_mut()
        .expect("assumed list")
        .push("power.grid_headroom_mw".into());
    v
}

/// Writes pohang's file as site `id` in `dir`, after `edit`.
fn site(dir: &Path, id: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let mut v = pohang();
    v["id"] = id.into();
    edit(&mut v);
    let path = dir.join(format!("{id}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&v).expect("JSON")).expect("site");
    path
}

/// A site with an EPW file (the climate tests' fixture) beside it, as `rel`.
fn site_with_epw(dir: &Path, id: &str, rel: &str, epw: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    std::fs::write(&path, epw).expect("epw");
    site(dir, id, |v| {
        v["climate"]["epw"] = rel.into();
        if let Some(c) = v["climate"].as_object_mut() {
            c.remove("design");
        }
    })
}

fn sparse_file(path: &Path, bytes: u64) {
    let f = std::fs::File::create(path).expect("create");
    f.set_len(bytes).expect("set_len");
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ------------------------------------------------------------------------------ item 1

fn item1_special_and_oversized_files_are_refused_at_once() {
    let dir = scratch("special");
    let good = site(&dir, "pohang", |_| {});
    let fifo = dir.join("fifo.json");
    mkfifo(&fifo);
    let big = dir.join("big.json");
    // 2 GiB, sparse: refused from its size, never read
    sparse_file(&big, 2 << 30);
    let out = s(&dir.join("out"));
    for (bad, says) in [
        ("/dev/zero", "character device"),
        ("/dev/urandom", "character device"),
        (&*s(&fifo), "FIFO"),
        (&*s(&big), "too large"),
    ] {
        for args in [
            vec!["--backend", "cpu", "simulate", bad, "--out", &out],
            vec![
                "--backend",
                "cpu",
                "simulate",
                &*s(&good),
                "--facility",
                bad,
                "--out",
                &out,
            ],
            vec!["validate", bad],
        ] {
            let o = timed(5.0, &args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            let e = stderr(&o);
            assert!(e.contains(bad) && e.contains(says), "{args:?}: {e}");
        }
    }
    assert!(!dir.join("out").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

fn item1_a_facility_linked_to_dev_zero_fails_validate_and_simulate() {
    let dir = scratch("link");
    let good = site(&dir, "pohang", |_| {});
    let facility = dir.join("facilities/ai-hall-20mw.json");
    std::fs::remove_file(&facility).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", &facility).expect("symlink");
    let o = timed(5.0, &["validate", &s(&dir)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ai-hall-20mw.json") && stderr(&o).contains("character device"),
        "{}",
        stderr(&o)
    );
    let out = s(&dir.join("out"));
    for args in [
        vec!["--backend", "cpu", "simulate", &*s(&good), "--out", &out],
        vec!["--backend", "cpu", "rank", &*s(&dir), "--out", &out],
    ] {
        let o = timed(5.0, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------ item 2

fn item2_epw_paths_stay_inside_the_site_folder() {
    let dir = scratch("epw-path");
    let outside =
        std::env::temp_dir().join(format!("dcplan-hostile-secret-{}", std::process::id()));
    std::fs::write(&outside, "root:*:20228:0:99999:7:::\n").expect("secret");
    std::os::unix::fs::symlink(&outside, dir.join("link.epw")).expect("symlink");
    let big = dir.join("big.epw");
    sparse_file(&big, 17 << 20);
    for (epw, says) in [
        (s(&outside), "relative"),
        ("/proc/self/mem".to_string(), "relative"),
        ("../../../../etc/passwd".to_string(), "without `..`"),
        ("link.epw".to_string(), "leads outside"),
        ("big.epw".to_string(), "too large"),
        (".".to_string(), "folder"),
    ] {
        let path = site(&dir, "pohang", |v| v["climate"]["epw"] = epw.clone().into());
        let o = timed(5.0, &["validate", &s(&path)]);
        assert_eq!(o.status.code(), Some(2), "{epw}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("climate.epw") && e.contains(says), "{epw}: {e}");
        assert!(!e.contains("root:*"), "{e}");
        let o = timed(
            5.0,
            &[
                "--backend",
                "cpu",
                "simulate",
                &s(&path),
                "--out",
                &s(&dir.join("out")),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{epw}: {}", stderr(&o));
        assert!(!stderr(&o).contains("root:*"), "{}", stderr(&o));
    }
    let _ = std::fs::remove_file(&outside);
    let _ = std::fs::remove_dir_all(&dir);
}

fn item2_a_file_that_is_not_epw_is_never_echoed() {
    let dir = scratch("epw-echo");
    let path = site_with_epw(
        &dir,
        "pohang",
        "weather/pohang.epw",
        "root:SECRET-HASH:20228:0:99999:7:::\n",
    );
    let o = timed(
        5.0,
        &[
            "--backend",
            "cpu",
            "simulate",
            &s(&path),
            "--out",
            &s(&dir.join("out")),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("not an EPW weather file"), "{e}");
    assert!(!e.contains("SECRET"), "content echoed: {e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--weather-dir DIR`: a site's EPW may lie in DIR when its own folder has no such file; the
/// same rule holds there (relative, no `..`, no link out, regular, bounded).
fn item2_weather_dir_admits_files_inside_it_and_nothing_outside() {
    // the sites in one folder, the weather files in another beside it
    let dir = scratch("weather-dir");
    let weather = dir.with_extension("weather");
    let _ = std::fs::remove_dir_all(&weather);
    std::fs::create_dir_all(weather.join("kma")).expect("weather folder");
    let sites = dir.clone();
    let epw = crate::climate::epw_text(8760, crate::climate::no_edit);
    std::fs::write(weather.join("kma/pohang.epw"), &epw).expect("epw");
    let secret = dir.join("secret.epw");
    std::fs::write(&secret, "root:*:20228:0:99999:7:::\n").expect("secret");
    std::os::unix::fs::symlink(&secret, weather.join("link.epw")).expect("symlink");
    sparse_file(&weather.join("big.epw"), 17 << 20);
    let with_epw = |rel: &str| {
        site(&sites, "pohang", |v| {
            v["climate"]["epw"] = rel.into();
            if let Some(c) = v["climate"].as_object_mut() {
                c.remove("design");
            }
        })
    };
    let wd = s(&weather);
    let simulate = |path: &Path, extra: &[&str]| {
        let mut args = vec!["--backend", "cpu", "-q"];
        args.extend_from_slice(extra);
        let (p, o) = (s(path), s(&dir.join("out")));
        args.extend_from_slice(&["simulate", &p, "--out", &o]);
        dcplan(&args)
    };
    // inside: validate, simulate and rank read it, and the report hashes it
    let path = with_epw("kma/pohang.epw");
    let o = timed(5.0, &["validate", "--weather-dir", &wd, &s(&path)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = simulate(&path, &["--weather-dir", &wd]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let metrics = std::fs::read_to_string(dir.join("out/metrics.json")).expect("metrics");
    assert!(
        metrics.contains("kma/pohang.epw"),
        "the EPW is among the inputs"
    );
    let report = dir.join("report");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "-q",
        "rank",
        &s(&path),
        "--out",
        &s(&report),
        "--weather-dir",
        &wd,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // without the option the same site is refused: its folder has no such file
    let o = timed(5.0, &["validate", &s(&path)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("climate.epw"), "{}", stderr(&o));
    // outside DIR, or out of it by a link, too large, or a folder: exit 2 naming file and field
    for (rel, says) in [
        ("../secret.epw", "without `..`"),
        ("link.epw", "leads outside"),
        ("big.epw", "too large"),
        ("kma", "folder"),
    ] {
        let path = with_epw(rel);
        let o = timed(5.0, &["validate", "--weather-dir", &wd, &s(&path)]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{rel}: {e}");
        assert!(
            e.contains("pohang.json") && e.contains("climate.epw"),
            "{rel}: {e}"
        );
        assert!(e.contains(says), "{rel}: {e}");
        assert!(!e.contains("root:*"), "{e}");
        let o = simulate(&path, &["--weather-dir", &wd]);
        assert_eq!(o.status.code(), Some(2), "{rel}: {}", stderr(&o));
        assert!(!stderr(&o).contains("root:*"), "{}", stderr(&o));
    }
    // the option itself must name a folder
    for bad in [s(&dir.join("missing")), s(&secret)] {
        let o = timed(5.0, &["validate", "--weather-dir", &bad, &s(&path)]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("--weather-dir"), "{}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&weather);
}

// ------------------------------------------------------------------------------ item 3

fn item3_legal_cell_m_solves_and_absurd_ones_are_refused_with_the_range() {
    let dir = scratch("cell");
    let pohang = s(&root().join("sites/pohang.json"));
    // 0.1 m (a 180 x 620 grid) did not converge before the new multigrid; about 5 s here
    let out = dir.join("fine");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "simulate",
        &pohang,
        "--cell-m",
        "0.1",
        "--out",
        &s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("metrics.json").is_file());
    for bad in ["1e-300", "0", "-1", "NaN", "inf", "1e-4", "7"] {
        let o = timed(
            5.0,
            &[
                "--backend",
                "cpu",
                "simulate",
                &pohang,
                &format!("--cell-m={bad}"),
                "--out",
                &s(&dir.join("bad")),
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("--cell-m"), "{bad}: {e}");
        assert!(!e.contains("18446744073709551615"), "{e}");
    }
    let o = dcplan(&[
        "--backend",
        "cpu",
        "simulate",
        &pohang,
        "--cell-m",
        "1e-300",
        "--out",
        &s(&dir.join("bad")),
    ]);
    assert!(
        stderr(&o).contains("this facility allows --cell-m from"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------ item 4

fn item4_grids_and_bench_sizes_are_refused_before_allocating() {
    // once: SIGABRT, "memory allocation of 80000000000 bytes failed"
    let o = timed(5.0, &["--backend", "cpu", "bench", "--sizes", "100000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("GiB"), "{}", stderr(&o));
    // under an address-space limit of 2 GiB, 8192 x 8192 (about 10.6 GiB) is refused
    let bin = bin();
    let start = Instant::now();
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 2097152 && exec '{bin}' --backend cpu bench --sizes 8192"
        ))
        .output()
        .expect("sh");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("available"), "{}", stderr(&o));
    // a hall grid: 1 cm cells on the shipped hall would take about 5 GiB, 16 M cells is the cap
    let pohang = s(&root().join("sites/pohang.json"));
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 2097152 && exec '{bin}' --backend cpu simulate '{pohang}' --cell-m 0.01 --out /tmp/dcplan-hostile-never"
        ))
        .output()
        .expect("sh");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("GiB"), "{}", stderr(&o));
    assert!(!Path::new("/tmp/dcplan-hostile-never").exists());
}

// ------------------------------------------------------------------------------ item 5
/// The shipped facility `name` as JSON.
fn shipped_facility(name: &str) -> Value {
    let path = root().join(format!("sites/facilities/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("facility")).expect("JSON")
}

/// Sets the number at a dotted `path` of `v` (its objects exist).
fn set_number(v: &mut Value, path: &str, x: f64) {
    let mut at = v;
    for key in path.split('.') {
        at = &mut at[key];
    }
    *at = if x.fract() == 0.0 && x.abs() < 1e15 {
        (x as i64).into()
    } else {
        x.into()
    };
}

/// Runs `validate` and `simulate` of `site` with the facility file `facility`.
fn validate_and_simulate(site: &Path, facility: &Path, out: &Path) -> (Output, Output) {
    let v = timed(5.0, &["validate", "--facility", &s(facility), &s(site)]);
    let o = dcplan(&[
        "--backend",
        "cpu",
        "simulate",
        &s(site),
        "--facility",
        &s(facility),
        "--out",
        &s(out),
        "-q",
    ]);
    (v, o)
}

fn item5_the_reported_facility_values_are_refused_naming_file_and_field() {
    let dir = scratch("item5");
    let site = site(&dir, "pohang", |_| {});
    let facility = dir.join("edited.json");
    for (field, value) in [
        ("ups_efficiency", 1e-300),
        ("distribution_voltage_v", 0.5),
        ("distribution_voltage_v", 2.5),
        ("distribution_voltage_v", 1e-300),
        ("distribution_voltage_v", 1e308),
        ("busway_conductance_s_m", 0.5),
        ("busway_conductance_s_m", 2.5),
        ("busway_conductance_s_m", 1e-300),
        ("busway_conductance_s_m", 1e308),
        ("it_load_mw", 1e-300),
        ("rack_width_m", 1e-300),
        ("rack_depth_m", 1e-300),
        ("cooling.chiller_cop_min", 1e-300),
        ("cooling.supply_delta_t_k", 1e-300),
    ] {
        let mut f = shipped_facility("ai-hall-20mw");
        set_number(&mut f, field, value);
        std::fs::write(&facility, serde_json::to_string(&f).expect("JSON")).expect("write");
        let start = Instant::now();
        let (v, o) = validate_and_simulate(&site, &facility, &dir.join("out"));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{field} = {value}"
        );
        for (what, run) in [("validate", &v), ("simulate", &o)] {
            let e = stderr(run);
            assert_eq!(run.status.code(), Some(2), "{what} {field} = {value}: {e}");
            assert!(
                e.contains("edited.json") && e.contains(field),
                "{what} {field} = {value} names neither file nor field: {e}"
            );
            // tiny and huge numbers are shown in exponent form, not as 300 digits
            assert!(e.len() < 400, "{what} {field} = {value}: {e}");
        }
    }
    // a UPS curve point is held to the same lower bound as the flat efficiency
    let mut f = shipped_facility("ai-hall-20mw");
    f["ups_curve"] = serde_json::json!([[0.5, 1e-300], [1.0, 0.96]]);
    std::fs::write(&facility, serde_json::to_string(&f).expect("JSON")).expect("write");
    let v = timed(5.0, &["validate", "--facility", &s(&facility), &s(&site)]);
    assert_eq!(v.status.code(), Some(2), "{}", stderr(&v));
    assert!(stderr(&v).contains("ups_curve[0][1]"), "{}", stderr(&v));
    let _ = std::fs::remove_dir_all(&dir);
}

fn item5_a_literal_nan_and_a_zero_humidity_are_refused_naming_the_field() {
    let dir = scratch("item5-nan");
    let site_path = site(&dir, "pohang", |_| {});
    let facility = dir.join("nan.json");
    let text = serde_json::to_string_pretty(&shipped_facility("ai-hall-20mw")).expect("JSON");
    for literal in ["NaN", "Infinity", "-Infinity"] {
        let edited = text.replacen("\"rack_kw\": 40.8", &format!("\"rack_kw\": {literal}"), 1);
        assert_ne!(edited, text, "the facility gives rack_kw as 40.8");
        std::fs::write(&facility, &edited).expect("write");
        let (v, o) = validate_and_simulate(&site_path, &facility, &dir.join("out"));
        for run in [&v, &o] {
            let e = stderr(run);
            assert_eq!(run.status.code(), Some(2), "{literal}: {e}");
            assert!(
                e.contains("nan.json") && e.contains("rack_kw"),
                "{literal}: {e}"
            );
            assert!(e.contains("finite"), "{literal}: {e}");
        }
    }
    // the schema, validate and the climate synthesis share the humidity floor (1 %)
    let dry = site(&dir, "dry", |v| {
        v["climate"]["monthly_rh_pct"][0] = 0.into()
    });
    let v = timed(5.0, &["validate", &s(&dry)]);
    assert_eq!(v.status.code(), Some(2), "{}", stderr(&v));
    assert!(
        stderr(&v).contains("climate.monthly_rh_pct[0]"),
        "{}",
        stderr(&v)
    );
    let schema: Value = serde_json::to_value(dcplan::site::schema::site_schema()).expect("schema");
    let text = schema.to_string();
    assert!(
        text.contains("\"minimum\":1.0"),
        "the site schema carries the RH floor"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every ruled facility number at once at the low end of its range, and at the high end, in
/// each shipped facility: whatever `validate` accepts, `simulate` runs to finite metrics
/// (no `null` beyond the unmutated run's) or refuses with exit 2 naming the facility file.
fn item5_every_ruled_number_at_its_edges_simulates_or_names_the_facility() {
    use dcplan::site::rules::{Bound, FACILITY_NUMBERS};
    let dir = scratch("item5-edges");
    let site_path = site(&dir, "pohang", |_| {});
    let nulls = |path: &Path| {
        std::fs::read_to_string(path)
            .map(|t| t.matches("null").count())
            .unwrap_or(0)
    };
    let mut simulated = 0;
    for name in ["ai-hall-20mw", "ai-campus-100mw", "ai-campus-1gw"] {
        let shipped = shipped_facility(name);
        let base_out = dir.join(format!("{name}-base"));
        let facility = dir.join(format!("{name}.json"));
        std::fs::write(&facility, shipped.to_string()).expect("write");
        let (_, o) = validate_and_simulate(&site_path, &facility, &base_out);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let base_nulls = nulls(&base_out.join("metrics.json"));
        let typed: dcplan::site::Facility =
            serde_json::from_value(shipped.clone()).expect("facility");
        // the floor plan's figures at an edge mostly give a hall the land or the airflow
        // refuses; the plant's and the power's alone reach the energy model and the solvers
        let layout = [
            "it_load_mw",
            "rack_kw",
            "rack_width_m",
            "rack_depth_m",
            "cold_aisle_m",
            "hot_aisle_m",
            "perimeter_clearance_m",
            "campus.",
            "air.rack_height_m",
            "air.ceiling_height_m",
        ];
        for (high, plant_only) in [(false, false), (true, false), (false, true), (true, true)] {
            let mut f = shipped.clone();
            for rule in FACILITY_NUMBERS {
                if (rule.value)(&typed).is_none()
                    || rule.path.contains("spare")
                    || (plant_only && layout.iter().any(|l| rule.path.starts_with(l)))
                {
                    continue;
                }
                let (lo, hi) = match rule.bound {
                    Bound::Range { min, max } => (min, max),
                    Bound::NonNegative { max } | Bound::Positive { max } => (1e-3, max),
                };
                set_number(&mut f, rule.path, if high { hi } else { lo });
            }
            std::fs::write(&facility, f.to_string()).expect("write");
            let out = dir.join(format!("{name}-{high}-{plant_only}"));
            let (v, o) = validate_and_simulate(&site_path, &facility, &out);
            let e = stderr(&o);
            match (v.status.code(), o.status.code()) {
                // refused up front (the land may not hold the largest design): both say so
                (Some(2), Some(2)) => assert!(e.contains("problem(s)"), "{name} high {high} plant only {plant_only}: {e}"),
                (Some(0), Some(0)) => {
                    simulated += 1;
                    assert!(
                        nulls(&out.join("metrics.json")) <= base_nulls,
                        "{name} high {high} plant only {plant_only}: a non-finite figure in metrics.json"
                    );
                }
                (Some(0), Some(2)) => {
                    assert!(e.contains(&s(&facility)), "{name} high {high} plant only {plant_only}: {e}");
                }
                other => panic!("{name} high {high} plant only {plant_only}: validate/simulate exits {other:?}: {e}"),
            }
        }
    }
    assert!(
        simulated > 0,
        "no edge facility simulated: the test checks nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------ item 6

fn item6_output_failures_exit_5_before_computing_and_name_the_path() {
    let dir = scratch("out");
    let pohang = s(&root().join("sites/pohang.json"));
    let file = dir.join("a-file");
    std::fs::write(&file, "keep").expect("file");
    let mine = dir.join("thesis");
    std::fs::create_dir_all(&mine).expect("mkdir");
    std::fs::write(mine.join("chapter1.tex"), "keep").expect("file");
    for (out, says) in [
        (s(&file), "not a folder"),
        ("/dev/null".to_string(), "character device"),
        ("/proc/x".to_string(), "cannot create"),
        (s(&file.join("below")), "cannot use"),
        (s(&mine), "chapter1.tex"),
    ] {
        for cmd in [
            vec!["--backend", "cpu", "simulate", &*pohang, "--out", &*out],
            vec!["--backend", "cpu", "rank", &*pohang, "--out", &*out],
        ] {
            let o = timed(3.0, &cmd);
            assert_eq!(o.status.code(), Some(5), "{cmd:?}: {}", stderr(&o));
            let e = stderr(&o);
            assert!(e.contains(&out) && e.contains(says), "{cmd:?}: {e}");
            // refused before the backend was chosen, let alone a site simulated
            assert!(!e.contains("backend:"), "{e}");
        }
    }
    assert_eq!(std::fs::read_to_string(&file).expect("file"), "keep");
    assert_eq!(entries(&mine), ["chapter1.tex"]);
    assert_eq!(entries(&dir), ["a-file", "facilities", "thesis"]);
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------ item 7

fn item7_a_rerun_replaces_the_whole_report_folder() {
    let dir = scratch("rerun");
    let a = site(&dir, "pohang", |_| {});
    let b = site(&dir, "jeju", |v| v["name_en"] = "Jeju copy".into());
    let out = dir.join("report");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "-q",
        "rank",
        &s(&a),
        &s(&b),
        "--out",
        &s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(entries(&out.join("sites")), ["jeju", "pohang"]);
    let o = dcplan(&["--backend", "cpu", "-q", "rank", &s(&a), "--out", &s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // no stale sites/jeju beside the new ranking
    assert_eq!(entries(&out.join("sites")), ["pohang"]);
    let ranking: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ranking.json")).expect("json"))
            .expect("JSON");
    assert_eq!(ranking["ranking"].as_array().map(Vec::len), Some(1));
    // nothing but the report folder is left beside it
    assert_eq!(
        entries(&dir),
        ["facilities", "jeju.json", "pohang.json", "report"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn item7_sigterm_leaves_no_temporary_and_the_old_report_intact() {
    let dir = scratch("signal");
    let a = site(&dir, "pohang", |_| {});
    let out = dir.join("report");
    let o = dcplan(&["--backend", "cpu", "-q", "rank", &s(&a), "--out", &s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = std::fs::read(out.join("ranking.json")).expect("ranking");
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        // a slow run: fine cells, so the signal lands while it computes
        let child = Command::new(bin())
            .args([
                "--backend",
                "cpu",
                "-q",
                "rank",
                &s(&a),
                "--cell-m",
                "0.05",
                "--out",
                &s(&out),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // wait for the staging folder: the run is past its checks and computing
        let start = Instant::now();
        while !entries(&dir).iter().any(|n| n.ends_with(".new")) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{:?}",
                entries(&dir)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let killed = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let o = child.wait_with_output().expect("wait");
        assert_eq!(o.status.code(), Some(code), "{signal}: {}", stderr(&o));
        assert!(stderr(&o).contains("stopped by signal"), "{}", stderr(&o));
        assert_eq!(
            entries(&dir),
            ["facilities", "pohang.json", "report"],
            "{signal} left files behind"
        );
        assert_eq!(
            std::fs::read(out.join("ranking.json")).expect("ranking"),
            before
        );
        assert!(!entries(&out).iter().any(|n| n.ends_with(".tmp")));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------ item 8

fn item8_identical_sites_share_p_first_whatever_their_names() {
    let dir = scratch("ties");
    site(&dir, "aaa", |_| {});
    site(&dir, "zzz", |_| {});
    let out = dir.join("report");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "-q",
        "rank",
        &s(&dir),
        "--out",
        &s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ranking.json")).expect("json"))
            .expect("JSON");
    let rows = r["ranking"].as_array().expect("ranking");
    let p = |id: &str| {
        let row = rows
            .iter()
            .find(|row| row["site_id"] == id)
            .unwrap_or_else(|| panic!("{id} in {r}"));
        row["p_first"]
            .as_f64()
            .unwrap_or_else(|| panic!("p_first of {row}"))
    };
    assert_eq!(p("aaa"), 0.5);
    assert_eq!(p("zzz"), 0.5);
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------ item 9

fn item9_editing_the_epw_changes_its_hash_in_ranking_json() {
    let dir = scratch("hash");
    let epw = crate::climate::epw_text(8760, crate::climate::no_edit);
    let path = site_with_epw(&dir, "pohang", "pohang.epw", &epw);
    let out = dir.join("report");
    let hash = || {
        let o = dcplan(&[
            "--backend",
            "cpu",
            "-q",
            "rank",
            &s(&path),
            "--out",
            &s(&out),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = std::fs::read_to_string(out.join("ranking.json")).expect("json");
        let r: Value = serde_json::from_str(&text).expect("JSON");
        let files = r.to_string();
        assert!(files.contains("pohang.epw"), "the EPW is listed: {text}");
        text.lines()
            .skip_while(|l| !l.contains("pohang.epw"))
            .find(|l| l.contains("sha256"))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no sha256 after pohang.epw: {text}"))
    };
    let first = hash();
    let edited = crate::climate::epw_text(8760, |i, f| {
        if i == 100 {
            f[6] = "12.5".into();
        }
    });
    std::fs::write(dir.join("pohang.epw"), edited).expect("edit");
    assert_ne!(hash(), first, "editing the EPW must change its hash");
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------------------ item 10

fn item10_ids_are_escaped_and_shortened_in_messages() {
    let dir = scratch("ids");
    let path = site(&dir, "pohang", |v| {
        v["id"] = "a\u{1b}[31m\u{7}\u{0}\nb".into()
    });
    let o = timed(5.0, &["validate", &s(&path)]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        !e.contains('\u{1b}') && !e.contains('\u{7}') && !e.contains('\u{0}'),
        "{e:?}"
    );
    assert!(e.contains("\\u{1b}"), "{e}");
    let long = "x".repeat(10_000);
    let path = site(&dir, "pohang", |v| v["id"] = long.clone().into());
    let o = timed(5.0, &["validate", &s(&path)]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.len() < 1_000, "{} bytes of error", e.len());
    assert!(e.contains("10000 characters"), "{e}");
    // the file is named once per line
    let first = e.lines().nth(1).expect("a finding");
    assert_eq!(first.matches("pohang.json").count(), 1, "{first}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn item10_duplicate_ids_are_refused_before_simulating_naming_both_files() {
    let dir = scratch("dup");
    std::fs::create_dir_all(dir.join("a")).expect("mkdir");
    std::fs::create_dir_all(dir.join("b")).expect("mkdir");
    let a = site(&dir.join("a"), "pohang", |_| {});
    let b = site(&dir.join("b"), "pohang", |_| {});
    let o = timed(
        3.0,
        &[
            "--backend",
            "cpu",
            "rank",
            &s(&a),
            &s(&b),
            "--facility",
            &s(&dir.join("facilities/ai-hall-20mw.json")),
            "--out",
            &s(&dir.join("out")),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains(&s(&a)) && e.contains(&s(&b)), "{e}");
    assert!(!e.contains("backend:"), "refused before simulating: {e}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn item10_arguments_missing_weights_adapter_with_cpu_and_draws() {
    let pohang = s(&root().join("sites/pohang.json"));
    let out = "/tmp/dcplan-hostile-never";
    let o = timed(
        3.0,
        &["rank", &pohang, "--weights", "missing.json", "--out", out],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("missing.json") && stderr(&o).contains("no such file"),
        "{}",
        stderr(&o)
    );
    let o = timed(
        3.0,
        &["rank", &pohang, "--weights", "missing", "--out", out],
    );
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
    let o = timed(
        3.0,
        &[
            "--backend",
            "cpu",
            "--adapter",
            "nosuch",
            "rank",
            &pohang,
            "--out",
            out,
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--adapter"), "{}", stderr(&o));
    let o = timed(
        3.0,
        &["rank", &pohang, "--draws", "1000000000", "--out", out],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--draws"), "{}", stderr(&o));
    assert!(!Path::new(out).exists());
}

fn item10_an_epw_with_a_byte_order_mark_is_read() {
    let dir = scratch("bom");
    let epw = format!(
        "\u{feff}{}",
        crate::climate::epw_text(8760, crate::climate::no_edit)
    );
    let path = site_with_epw(&dir, "pohang", "pohang.epw", &epw);
    let o = dcplan(&[
        "--backend",
        "cpu",
        "-q",
        "simulate",
        &s(&path),
        "--out",
        &s(&dir.join("out")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
