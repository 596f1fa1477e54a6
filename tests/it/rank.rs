//! `dcplan rank` end to end on hand-made sites whose order is known.

use crate::trials;
use libtest_mimic::Trial;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tests() -> Vec<Trial> {
    trials![
        plain known_order_a_weight_change_swaps_it_and_infeasible_sites_come_last_with_a_reason,
        plain identical_inputs_and_seed_give_byte_identical_json_and_csv,
        plain no_feasible_site_exits_3_and_bad_weights_exit_2,
        plain cost_and_carbon_are_per_it_kwh_so_a_smaller_campus_is_not_cheaper,
        plain report_html_embeds_the_leading_sites_heatmaps_and_links_the_rest,
        plain report_html_renders_in_headless_chromium_with_its_images_and_no_errors,
        plain every_input_file_is_hashed_the_weather_file_too_and_a_bad_one_is_bad_input,
    ]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcplan-rank-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("facilities")).expect("temp dir");
    std::fs::copy(
        root().join("sites/facilities/ai-hall-20mw.json"),
        dir.join("facilities/ai-hall-20mw.json"),
    )
    .expect("facility copy");
    dir
}

/// A copy of the shipped Pohang site with a new id and the given headroom and distance.
fn site(dir: &Path, id: &str, headroom_mw: f64, distance_km: f64) {
    site_edited(dir, id, headroom_mw, distance_km, |_| {});
}

/// [`site`], then `edit` on its JSON.
fn site_edited(
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

fn rank(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "--backend".to_string(),
        "cpu".into(),
        "rank".into(),
        dir.to_string_lossy().into_owned(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(env!("CARGO_BIN_EXE_dcplan"))
        .args(&args)
        .output()
        .expect("dcplan runs")
}

fn order(o: &Output) -> Vec<String> {
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    v["ranking"]
        .as_array()
        .expect("ranking array")
        .iter()
        .map(|s| s["site_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn known_order_a_weight_change_swaps_it_and_infeasible_sites_come_last_with_a_reason() {
    let dir = temp("order");
    // identical climate and hall: only headroom and distance differ
    site(&dir, "alpha", 150.0, 300.0);
    site(&dir, "bravo", 100.0, 200.0);
    site(&dir, "charlie", 60.0, 100.0);
    site(&dir, "delta", 10.0, 50.0); // 24 MW peak cannot fit 10 MW
    let out = dir.join("report");
    let o = rank(&dir, &out, &[]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(order(&o), ["alpha", "bravo", "charlie", "delta"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let delta = &v["ranking"][3];
    assert_eq!(delta["feasible"], false);
    assert!(delta["rank"].is_null());
    let reason = delta["reasons"][0].as_str().unwrap_or_default();
    assert!(reason.contains("grid hosting capacity"), "{reason}");
    assert_eq!(v["feasible_sites"], 3);
    // stability probabilities are probabilities
    let p_first: f64 = v["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["p_first"].as_f64())
        .sum();
    assert!((p_first - 1.0).abs() < 1e-12, "P(first) sums to {p_first}");
    // latency weighted over everything else reverses the feasible order
    let o = rank(&dir, &out, &["--weights", "distance_to_seoul_km=1000"]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(order(&o), ["charlie", "bravo", "alpha", "delta"]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn identical_inputs_and_seed_give_byte_identical_json_and_csv() {
    let dir = temp("bytes");
    site(&dir, "alpha", 150.0, 300.0);
    site(&dir, "bravo", 100.0, 200.0);
    site(&dir, "charlie", 60.0, 100.0);
    let (a, b) = (dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        let o = rank(&dir, out, &["--seed", "7"]);
        assert!(
            o.status.success(),
            "stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for file in ["ranking.json", "ranking.csv"] {
        let (x, y) = (
            std::fs::read(a.join(file)).unwrap(),
            std::fs::read(b.join(file)).unwrap(),
        );
        assert!(!x.is_empty());
        assert!(x == y, "{file} differs between two identical runs");
    }
    let json: Value =
        serde_json::from_slice(&std::fs::read(a.join("ranking.json")).unwrap()).unwrap();
    assert_eq!(json["sites"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["sites"][0]["sha256"].as_str().map(str::len), Some(64));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Energy cost and carbon are criteria per kWh of IT: each is the site's PUE times its tariff
/// (or carbon factor), and a site whose land holds fewer halls gains nothing from it.
fn cost_and_carbon_are_per_it_kwh_so_a_smaller_campus_is_not_cheaper() {
    let dir = temp("per-it");
    std::fs::copy(
        root().join("sites/facilities/ai-campus-100mw.json"),
        dir.join("facilities/ai-campus-100mw.json"),
    )
    .expect("facility copy");
    site(&dir, "wide", 2000.0, 300.0);
    // the same site on a plot that holds fewer halls, at a higher tariff
    site_edited(&dir, "narrow", 2000.0, 300.0, |v| {
        v["land"]["usable_width_m"] = 110.0.into();
        v["power"]["tariff_krw_per_kwh"] = 200.0.into();
    });
    let out = dir.join("out");
    let o = rank(
        &dir,
        &out,
        &[
            "--facility",
            dir.join("facilities/ai-campus-100mw.json")
                .to_str()
                .unwrap(),
        ],
    );
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).unwrap()).unwrap();
    let rows = json["ranking"].as_array().expect("ranking rows");
    let value = |row: &Value, key: &str| -> f64 {
        row["values"]
            .as_array()
            .and_then(|vs| vs.iter().find(|v| v["key"] == key))
            .and_then(|v| v["value"].as_f64())
            .unwrap_or_else(|| panic!("{key} in {row}"))
    };
    let (mut hosted, mut cost) = (Vec::new(), Vec::new());
    for (row, tariff) in rows.iter().map(|r| {
        let t = if r["site_id"] == "narrow" {
            200.0
        } else {
            182.7
        };
        (r, t)
    }) {
        let pue = value(row, "pue");
        // PUE is rounded to 0.001 in the matrix, cost to 0.01 KRW/kWh
        let expected = pue * tariff;
        let got = value(row, "energy_cost_krw_per_kwh");
        assert!(
            (got - expected).abs() <= 0.0005 * tariff + 0.01,
            "{row}: {got} vs {expected}"
        );
        let carbon = value(row, "carbon_g_per_kwh");
        assert!(
            carbon > 100.0 && carbon < 1000.0,
            "{row}: carbon {carbon} g/kWh"
        );
        hosted.push(value(row, "hostable_it_mw"));
        cost.push(got);
    }
    assert_eq!(rows.len(), 2);
    // the narrow plot hosts less IT and, at its higher tariff, costs more per IT kWh
    let narrow = rows.iter().position(|r| r["site_id"] == "narrow").unwrap();
    let wide = 1 - narrow;
    assert!(hosted[narrow] < hosted[wide], "hosted {hosted:?}");
    assert!(cost[narrow] > cost[wide], "cost {cost:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn no_feasible_site_exits_3_and_bad_weights_exit_2() {
    let dir = temp("none");
    site(&dir, "alpha", 5.0, 300.0);
    site(&dir, "bravo", 8.0, 200.0);
    let o = rank(&dir, &dir.join("out"), &[]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        dir.join("out/ranking.json").is_file(),
        "the report is written even then"
    );
    let o = rank(
        &dir,
        &dir.join("out"),
        &["--weights", "no_such_criterion=2"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no_such_criterion"));
    let o = rank(&dir, &dir.join("out"), &["--draws", "100"]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

fn report_html_renders_in_headless_chromium_with_its_images_and_no_errors() {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .unwrap_or_else(|| {
            panic!("no headless Chromium on PATH; scripts/test installs Debian's chromium")
        });
    let dir = temp("html");
    site(&dir, "alpha", 150.0, 300.0);
    site(&dir, "bravo", 100.0, 200.0);
    let out = dir.join("out");
    let o = rank(&dir, &out, &[]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let profile = dir.join("profile");
    let page = format!("file://{}", out.join("report.html").display());
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.display()),
            "--virtual-time-budget=10000",
            "--dump-dom",
            &page,
        ])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&o.stdout);
    // the map and 2 sites × (thermal + voltage) images, all decoded; no script errors
    assert!(
        dom.contains("data-images-loaded=\"5/5\""),
        "images not all loaded: {}",
        &dom[..dom.len().min(400)]
    );
    assert!(
        dom.contains("data-script-errors=\"0\""),
        "script errors on the page"
    );
    assert!(dom.contains("<svg"), "charts missing");
    let log = String::from_utf8_lossy(&o.stderr);
    let console_errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") && !l.contains(":INFO:"))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Hex SHA-256 of a file, computed here (not by dcplan).
fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).expect("file");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn every_input_file_is_hashed_the_weather_file_too_and_a_bad_one_is_bad_input() {
    let dir = temp("weather");
    site(&dir, "alpha", 150.0, 300.0);
    site_edited(&dir, "bravo", 100.0, 200.0, |v| {
        v["climate"]["epw"] = "bravo.epw".into();
        // the EPW header's design conditions are used, not the site file's
        v["climate"]
            .as_object_mut()
            .expect("climate")
            .remove("design");
    });
    let epw = dir.join("bravo.epw");
    std::fs::write(
        &epw,
        crate::climate::epw_text(8760, crate::climate::no_edit),
    )
    .expect("epw");
    // (a folder of sites takes every .json in it as a site: the weights live elsewhere)
    std::fs::create_dir_all(dir.join("weights")).expect("weights folder");
    let weights = dir.join("weights/w.json");
    std::fs::write(
        &weights,
        r#"{"grid_margin_mw": 3, "voltage_drop_pct": 3, "pue": 1, "energy_cost_krw_per_kwh": 1,
           "carbon_g_per_kwh": 1, "thermal_hours": 1, "hostable_it_mw": 1, "wue_l_per_kwh": 1, "hazard_score": 1, "distance_to_seoul_km": 1}"#,
    )
    .expect("weights");
    let out = dir.join("out");
    let o = rank(&dir, &out, &["--weights", &weights.to_string_lossy()]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).expect("ranking.json"))
            .expect("JSON");
    let hash_of = |entry: &Value, path: &Path| {
        assert_eq!(
            entry["file"],
            path.display().to_string().as_str(),
            "{entry}"
        );
        assert_eq!(entry["sha256"], sha256_of(path).as_str(), "{entry}");
    };
    hash_of(&v["facility"], &dir.join("facilities/ai-hall-20mw.json"));
    hash_of(&v["sites"][0], &dir.join("alpha.json"));
    hash_of(&v["sites"][1], &dir.join("bravo.json"));
    assert_eq!(
        v["weather"].as_array().map(Vec::len),
        Some(1),
        "{}",
        v["weather"]
    );
    hash_of(&v["weather"][0], &epw);
    hash_of(&v["weights_file"], &weights);
    // the site's own metrics list the same files
    let m: Value = serde_json::from_slice(
        &std::fs::read(out.join("sites/bravo/metrics.json")).expect("metrics.json"),
    )
    .expect("JSON");
    let files = m["inputs"]["files"].as_array().expect("files");
    assert_eq!(files.len(), 3, "{files:?}");
    hash_of(&files[0], &dir.join("bravo.json"));
    hash_of(&files[1], &epw);
    hash_of(&files[2], &dir.join("facilities/ai-hall-20mw.json"));
    let source = m["design_hour"]["source"].as_str().unwrap_or_default();
    assert!(source.starts_with("EPW header"), "{source}");

    // a malformed weather file stops the run before any work, naming both files
    let bad = crate::climate::epw_text(8760, |i, f| {
        if i == 100 {
            f[6] = "warm".into();
        }
    });
    std::fs::write(&epw, bad).expect("epw");
    let o = rank(&dir, &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("bravo.json") && stderr.contains("climate.epw"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bravo.epw:109"),
        "names the EPW line: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A study with more sites than report.html embeds: the first `EMBEDDED_SITES` in ranking
/// order are embedded, the rest linked to the PNGs in their folders (which are all written).
fn report_html_embeds_the_leading_sites_heatmaps_and_links_the_rest() {
    let dir = temp("embed");
    let n = dcplan::report::ranking::EMBEDDED_SITES + 2;
    for k in 0..n {
        site(&dir, &format!("s{k:02}"), 100.0 + k as f64, 300.0);
    }
    let out = dir.join("out");
    let o = rank(&dir, &out, &[]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let embedded = html
        .matches("rack-inlet air temperature\" src=\"data:image/png")
        .count();
    assert_eq!(embedded, dcplan::report::ranking::EMBEDDED_SITES);
    assert!(
        html.contains("Heatmaps of the other 2 sites"),
        "no link paragraph"
    );
    // the two lowest headrooms rank last and are the linked ones
    for id in ["s00", "s01"] {
        assert!(
            html.contains(&format!("href=\"sites/{id}/thermal.png\"")),
            "{id} not linked"
        );
    }
    for k in 0..n {
        assert!(out.join(format!("sites/s{k:02}/thermal.png")).is_file());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
