//! Integration tests for the `site` module: the shipped data, every validation error class,
//! the footprint check and the schemas.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::trials;
use dcplan::site::{
    check_fit, facility_schema, load_facility, load_site, site_schema, validate_facility_file,
    validate_paths, validate_site_file, Detail, Finding, FindingKind, SiteError,
};
use libtest_mimic::Trial;

pub fn tests() -> Vec<Trial> {
    trials![
        plain every_shipped_site_and_the_facility_validate_clean,
        plain proxy_stations_are_named_where_a_site_has_no_normals,
        plain shipped_facility_is_the_20_mw_h100_hall,
        plain bad_json_syntax_reports_line_and_column,
        plain nan_and_infinity_are_rejected,
        plain wrong_type_names_the_path_and_both_types,
        plain unknown_field_is_rejected_at_its_key,
        plain missing_field_names_the_full_path,
        plain negative_headroom_displays_expected_and_found,
        plain negative_distances_are_rejected,
        plain thirteen_months_point_at_the_extra_one_and_eleven_at_the_list,
        plain physical_ranges_are_enforced,
        plain every_problem_in_a_file_is_reported,
        plain wet_bulb_above_dry_bulb_is_inconsistent,
        plain id_must_match_the_file_name,
        plain missing_epw_file_is_reported_and_a_present_one_accepted,
        plain assumed_entries_must_name_existing_fields,
        plain facility_errors_are_reported,
        plain validate_paths_reports_every_file_in_name_order,
        plain an_empty_folder_is_a_problem,
        plain facility_that_does_not_fit_the_land_is_reported_against_the_site,
        plain load_errors_are_typed,
        plain schemas_are_json_with_the_expected_properties,
    ]
}

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn sites_dir() -> PathBuf {
    manifest("sites")
}

fn facility_path() -> PathBuf {
    manifest("sites/facilities/ai-hall-20mw.json")
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("dcplan_site_test_{}_{}", std::process::id(), name));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn pohang() -> Value {
    let text = fs::read_to_string(sites_dir().join("pohang.json")).expect("read pohang.json");
    serde_json::from_str(&text).expect("pohang.json is JSON")
}

fn facility() -> Value {
    let text = fs::read_to_string(facility_path()).expect("read facility");
    serde_json::from_str(&text).expect("facility is JSON")
}

/// Writes `value` pretty-printed as `<dir>/<stem>.json`, setting a site's id to the stem.
fn write_site(dir: &Path, stem: &str, mut value: Value) -> PathBuf {
    if value.get("id").is_some() {
        value["id"] = json!(stem);
    }
    write_json(dir, stem, &value)
}

fn write_json(dir: &Path, stem: &str, value: &Value) -> PathBuf {
    let path = dir.join(format!("{stem}.json"));
    let text = serde_json::to_string_pretty(value).expect("serialise");
    fs::write(&path, text).expect("write fixture");
    path
}

fn write_text(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write fixture");
    path
}

/// The only finding, asserting its class and path.
fn single(findings: &[Finding], kind: FindingKind, path: &str) -> Finding {
    assert_eq!(findings.len(), 1, "expected one finding, got {findings:#?}");
    let p = findings[0].clone();
    assert_eq!(p.kind, kind, "{p}");
    assert_eq!(p.path, path, "{p}");
    p
}

/// (line, column) of the first occurrence of `needle` in `text`, 1-based, columns in characters.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).expect("needle present");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

// ---------------------------------------------------------------- shipped data

const SHIPPED: [&str; 15] = [
    "busan",
    "ulsan",
    "pohang",
    "gyeongju",
    "gumi",
    "daegu",
    "gwangju",
    "haenam",
    "gunsan",
    "chuncheon",
    "gangneung",
    "sejong",
    "daejeon",
    "seosan",
    "jeju",
];

fn every_shipped_site_and_the_facility_validate_clean() {
    let findings = validate_paths(&[sites_dir()], Some(&facility_path()));
    assert!(
        findings.is_empty(),
        "{}",
        findings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    for id in SHIPPED {
        let site = load_site(&sites_dir().join(format!("{id}.json")))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(site.id, id);
        // a headroom in a site file is an override of the grid model, and always assumed
        assert_eq!(
            site.power.grid_headroom_mw.is_some(),
            site.assumed.iter().any(|a| a == "power.grid_headroom_mw"),
            "{id}"
        );
        assert_parsed(site.power.tariff_krw_per_kwh, 182.7);
        assert_parsed(site.power.grid_carbon_kg_per_kwh, 0.4173);
    }
}

fn proxy_stations_are_named_where_a_site_has_no_normals() {
    for (id, station) in [
        ("gyeongju", 138),
        ("gumi", 860),
        ("haenam", 165),
        ("sejong", 133),
    ] {
        let site = load_site(&sites_dir().join(format!("{id}.json"))).expect("valid");
        assert_eq!(site.climate.kma_station.id, station, "{id}");
        let note = site.climate.kma_station.note.clone().unwrap_or_default();
        assert!(note.contains("nearest station"), "{id}: {note}");
    }
}

fn shipped_facility_is_the_20_mw_h100_hall() {
    let f = load_facility(&facility_path()).expect("valid facility");
    assert_parsed(f.it_load_mw, 20.0);
    assert_parsed(f.rack_kw, 40.8);
    let fp = f.footprint();
    assert_eq!(fp.racks, 491);
    assert_eq!(fp.rows, 25);
    assert!((fp.width_m - (20.0 * 0.6 + 6.0)).abs() < 1e-9);
    let depth = 25.0 * 1.2 + 12.0 * 1.22 + 12.0 * 0.91 + 6.0;
    assert!((fp.depth_m - depth).abs() < 1e-9, "{}", fp.depth_m);
    assert!(validate_facility_file(&facility_path()).is_empty());
}

// ---------------------------------------------------------------- error classes

fn bad_json_syntax_reports_line_and_column() {
    let dir = scratch("syntax");
    let path = write_text(
        &dir,
        "broken.json",
        "{\n  \"id\": \"broken\",\n  \"lat\": 35.1,,\n}\n",
    );
    let p = single(&validate_site_file(&path), FindingKind::Syntax, "");
    assert_eq!((p.line, p.column), (Some(3), Some(15)));
    assert!(p
        .to_string()
        .starts_with(&format!("{}:3:15: ", path.display())));
    match load_site(&path) {
        Err(SiteError::Syntax { line, .. }) => assert_eq!(line, 3),
        other => panic!("expected SiteError::Syntax, got {other:?}"),
    }
}

fn nan_and_infinity_are_rejected() {
    let dir = scratch("nonfinite");
    let nan = pohang()
        .to_string()
        .replace("\"lat\":36.032", "\"lat\":NaN");
    let path = write_text(&dir, "pohang.json", &nan);
    // a NaN literal is not JSON; the finding names the field it stands for (issue 14, item 5)
    let p = single(&validate_site_file(&path), FindingKind::NonFinite, "lat");
    assert!(p.line.is_some());

    let huge = pohang()
        .to_string()
        .replace("\"lat\":36.032", "\"lat\":1e999");
    let path = write_text(&dir, "pohang.json", &huge);
    let p = single(&validate_site_file(&path), FindingKind::NonFinite, "lat");
    assert!(p.line.is_some());
}

fn wrong_type_names_the_path_and_both_types() {
    let dir = scratch("type");
    let mut v = pohang();
    v["power"]["grid_headroom_mw"] = json!("lots");
    let path = write_site(&dir, "pohang", v);
    let p = single(
        &validate_site_file(&path),
        FindingKind::WrongType,
        "power.grid_headroom_mw",
    );
    match &p.detail {
        Detail::Expected { expected, found } => {
            assert_eq!(expected, "f64");
            assert!(found.contains("lots"), "{found}");
        }
        other => panic!("{other:?}"),
    }
    let text = fs::read_to_string(&path).expect("read");
    assert_eq!((p.line, p.column), {
        let (l, c) = position_of(&text, "\"lots\"");
        (Some(l), Some(c))
    });
}

fn unknown_field_is_rejected_at_its_key() {
    let dir = scratch("unknown");
    let mut v = pohang();
    v["power"]["headroom_gw"] = json!(1.0);
    let path = write_site(&dir, "pohang", v);
    let p = single(
        &validate_site_file(&path),
        FindingKind::UnknownField,
        "power.headroom_gw",
    );
    let text = fs::read_to_string(&path).expect("read");
    let (line, column) = position_of(&text, "\"headroom_gw\"");
    assert_eq!((p.line, p.column), (Some(line), Some(column)));
}

fn missing_field_names_the_full_path() {
    let dir = scratch("missing");
    let mut v = pohang();
    v["land"]
        .as_object_mut()
        .expect("land object")
        .remove("usable_depth_m");
    let path = write_site(&dir, "pohang", v);
    single(
        &validate_site_file(&path),
        FindingKind::MissingField,
        "land.usable_depth_m",
    );
}

fn negative_headroom_displays_expected_and_found() {
    let dir = scratch("negative");
    let mut v = pohang();
    v["power"]["grid_headroom_mw"] = json!(-3);
    let path = write_site(&dir, "pohang", v);
    let p = single(
        &validate_site_file(&path),
        FindingKind::OutOfRange,
        "power.grid_headroom_mw",
    );
    let text = fs::read_to_string(&path).expect("read");
    let (line, column) = position_of(&text, "-3");
    assert_eq!(
        p.to_string(),
        format!(
            "{}:{line}:{column}: power.grid_headroom_mw: expected >= 0, found -3",
            path.display()
        )
    );
}

fn negative_distances_are_rejected() {
    let dir = scratch("distance");
    let mut v = pohang();
    v["power"]["substation_distance_km"] = json!(-1.0);
    v["distance_to_seoul_km"] = json!(-5.0);
    let path = write_site(&dir, "pohang", v);
    let paths: Vec<String> = validate_site_file(&path)
        .into_iter()
        .map(|p| {
            assert_eq!(p.kind, FindingKind::OutOfRange);
            p.path
        })
        .collect();
    assert_eq!(
        paths,
        ["power.substation_distance_km", "distance_to_seoul_km"]
    );
}

fn thirteen_months_point_at_the_extra_one_and_eleven_at_the_list() {
    let dir = scratch("months");
    let mut v = pohang();
    v["climate"]["monthly_mean_c"]
        .as_array_mut()
        .expect("array")
        .push(json!(5.0));
    let path = write_site(&dir, "pohang", v);
    let p = single(
        &validate_site_file(&path),
        FindingKind::WrongCount,
        "climate.monthly_mean_c[12]",
    );
    assert!(p
        .to_string()
        .ends_with("expected exactly 12 monthly values, found 13"));
    assert!(p.line.is_some());

    let mut v = pohang();
    v["climate"]["monthly_rh_pct"]
        .as_array_mut()
        .expect("array")
        .pop();
    let path = write_site(&dir, "pohang", v);
    single(
        &validate_site_file(&path),
        FindingKind::WrongCount,
        "climate.monthly_rh_pct",
    );
}

fn physical_ranges_are_enforced() {
    let dir = scratch("ranges");
    type Case = (&'static str, fn(&mut Value), &'static str);
    let cases: [Case; 7] = [
        (
            "temperature",
            |v| v["climate"]["monthly_mean_c"][6] = json!(75.0),
            "climate.monthly_mean_c[6]",
        ),
        (
            "humidity",
            |v| v["climate"]["monthly_rh_pct"][3] = json!(120),
            "climate.monthly_rh_pct[3]",
        ),
        (
            "hazard",
            |v| v["hazards"]["flood"] = json!(1.5),
            "hazards.flood",
        ),
        ("latitude", |v| v["lat"] = json!(40.5), "lat"),
        ("longitude", |v| v["lon"] = json!(100.0), "lon"),
        (
            "diurnal",
            |v| v["climate"]["monthly_diurnal_range_c"][0] = json!(-1.0),
            "climate.monthly_diurnal_range_c[0]",
        ),
        (
            "land",
            |v| v["land"]["usable_width_m"] = json!(0.0),
            "land.usable_width_m",
        ),
    ];
    for (name, mutate, want) in cases {
        let mut v = pohang();
        mutate(&mut v);
        let path = write_site(&dir, "pohang", v);
        let findings = validate_site_file(&path);
        let p = single(&findings, FindingKind::OutOfRange, want);
        assert!(p.line.is_some() && p.column.is_some(), "{name}: {p}");
    }
}

fn every_problem_in_a_file_is_reported() {
    let dir = scratch("many");
    let mut v = pohang();
    v["power"]["grid_headroom_mw"] = json!(-3);
    v["hazards"]["seismic"] = json!(2.0);
    v["climate"]["monthly_mean_c"][0] = json!(-70.0);
    v["assumed"] = json!(["power.no_such_field"]);
    let path = write_site(&dir, "pohang", v);
    let kinds: Vec<(FindingKind, String)> = validate_site_file(&path)
        .into_iter()
        .map(|p| (p.kind, p.path))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                FindingKind::OutOfRange,
                "climate.monthly_mean_c[0]".to_string()
            ),
            (
                FindingKind::OutOfRange,
                "power.grid_headroom_mw".to_string()
            ),
            (FindingKind::OutOfRange, "hazards.seismic".to_string()),
            (FindingKind::BadAssumed, "assumed[0]".to_string()),
        ]
    );
}

fn wet_bulb_above_dry_bulb_is_inconsistent() {
    let dir = scratch("wetbulb");
    let mut v = pohang();
    v["climate"]["design"] = json!({"dry_bulb_c": 30.0, "coincident_wet_bulb_c": 31.0});
    let path = write_site(&dir, "pohang", v);
    single(
        &validate_site_file(&path),
        FindingKind::Inconsistent,
        "climate.design.coincident_wet_bulb_c",
    );
}

fn id_must_match_the_file_name() {
    let dir = scratch("id");
    let path = write_json(&dir, "elsewhere", &pohang());
    single(&validate_site_file(&path), FindingKind::Inconsistent, "id");
}

fn missing_epw_file_is_reported_and_a_present_one_accepted() {
    let dir = scratch("epw");
    let mut v = pohang();
    v["climate"]["epw"] = json!("weather/pohang.epw");
    let path = write_site(&dir, "pohang", v);
    single(
        &validate_site_file(&path),
        FindingKind::MissingFile,
        "climate.epw",
    );
    fs::create_dir_all(dir.join("weather")).expect("mkdir");
    fs::write(dir.join("weather/pohang.epw"), "LOCATION,test\n").expect("write epw");
    assert!(validate_site_file(&path).is_empty());
}

fn assumed_entries_must_name_existing_fields() {
    let dir = scratch("assumed");
    let mut v = pohang();
    v["assumed"] = json!([
        "power.tariff_krw_per_kwh",
        "power.grid_headroom_kw",
        "climate.design.dry_bulb_c",
        "climate.monthly_mean_c[3]",
        "power.tariff_krw_per_kwh",
        "sources"
    ]);
    let path = write_site(&dir, "pohang", v);
    let got: Vec<String> = validate_site_file(&path)
        .into_iter()
        .map(|p| {
            assert_eq!(p.kind, FindingKind::BadAssumed, "{p}");
            p.path
        })
        .collect();
    // pohang.json has no design block; index paths into present arrays are fine.
    assert_eq!(
        got,
        ["assumed[1]", "assumed[2]", "assumed[4]", "assumed[5]"]
    );
}

fn facility_errors_are_reported() {
    let dir = scratch("facility").join("facilities");
    fs::create_dir_all(&dir).expect("mkdir");
    let mut v = facility();
    v["rack_kw"] = json!(350.0);
    v["cooling"]["chiller_cop_max"] = json!(2.0);
    v["ups_efficiency"] = json!(1.2);
    let path = write_json(&dir, "hall", &v);
    let got: Vec<(FindingKind, String)> = validate_facility_file(&path)
        .into_iter()
        .map(|p| (p.kind, p.path))
        .collect();
    assert_eq!(
        got,
        [
            (FindingKind::OutOfRange, "rack_kw".to_string()),
            (
                FindingKind::Inconsistent,
                "cooling.chiller_cop_max".to_string()
            ),
            (FindingKind::OutOfRange, "ups_efficiency".to_string()),
        ]
    );
    let rack = validate_facility_file(&path).remove(0);
    assert!(
        rack.to_string().contains("expected 1 to 300") || rack.to_string().contains("<= 300"),
        "{rack}"
    );

    let mut v = facility();
    v["cooling"]["type"] = json!("ice_block");
    let path = write_json(&dir, "hall", &v);
    single(
        &validate_facility_file(&path),
        FindingKind::WrongType,
        "cooling.type",
    );

    let mut v = facility();
    v["racks_per_row"] = json!(-2);
    let path = write_json(&dir, "hall", &v);
    single(
        &validate_facility_file(&path),
        FindingKind::WrongType,
        "racks_per_row",
    );
}

// ---------------------------------------------------------------- many files

fn validate_paths_reports_every_file_in_name_order() {
    let dir = scratch("paths");
    let mut bad_a = pohang();
    bad_a["hazards"]["typhoon"] = json!(-0.1);
    write_site(&dir, "a_site", bad_a);
    write_site(&dir, "b_site", pohang());
    write_text(&dir, "c_site.json", "{ not json");
    write_text(&dir, "notes.txt", "ignored: not a .json file");
    let missing = dir.join("nowhere.json");
    let findings = validate_paths(&[dir.clone(), missing.clone()], None);
    let got: Vec<(String, FindingKind)> = findings
        .iter()
        .map(|p| {
            let name = p.file.file_name().map(|n| n.to_string_lossy().into_owned());
            (name.unwrap_or_default(), p.kind)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("nowhere.json".to_string(), FindingKind::Io),
            ("a_site.json".to_string(), FindingKind::OutOfRange),
            ("c_site.json".to_string(), FindingKind::Syntax),
        ]
    );
}

fn an_empty_folder_is_a_problem() {
    let dir = scratch("empty");
    single(&validate_paths(&[dir], None), FindingKind::Io, "");
}

// ---------------------------------------------------------------- footprint

fn facility_that_does_not_fit_the_land_is_reported_against_the_site() {
    let dir = scratch("fit");
    let mut v = pohang();
    v["land"] = json!({"usable_width_m": 40.0, "usable_depth_m": 50.0});
    let path = write_site(&dir, "pohang", v);
    assert!(
        validate_site_file(&path).is_empty(),
        "the site alone is valid"
    );

    let findings = validate_paths(std::slice::from_ref(&path), Some(&facility_path()));
    let p = single(&findings, FindingKind::DoesNotFit, "land");
    assert_eq!(p.file, path);
    assert!(p.line.is_some());
    assert!(p.to_string().contains("491 racks in 25 rows"), "{p}");

    let site = load_site(&path).expect("valid site");
    let facility = load_facility(&facility_path()).expect("valid facility");
    assert!(check_fit(&site, &path, &facility).is_some());

    // Rotated 90 degrees the same hall fits a plot 70 m wide and 20 m deep.
    let mut v = pohang();
    v["land"] = json!({"usable_width_m": 70.0, "usable_depth_m": 20.0});
    let path = write_site(&dir, "pohang", v);
    let site = load_site(&path).expect("valid site");
    assert!(check_fit(&site, &path, &facility).is_none());
}

// ---------------------------------------------------------------- load errors

fn load_errors_are_typed() {
    let dir = scratch("load");
    match load_site(&dir.join("absent.json")) {
        Err(e @ SiteError::Read { .. }) => {
            assert_eq!(e.findings()[0].kind, FindingKind::Io);
        }
        other => panic!("expected SiteError::Read, got {other:?}"),
    }
    let mut v = pohang();
    v["power"]["grid_headroom_mw"] = json!(-3);
    let path = write_site(&dir, "pohang", v);
    match load_site(&path) {
        Err(e @ SiteError::Invalid { .. }) => {
            assert!(e.to_string().contains("expected >= 0, found -3"), "{e}");
        }
        other => panic!("expected SiteError::Invalid, got {other:?}"),
    }
}

// ---------------------------------------------------------------- schema

fn schemas_are_json_with_the_expected_properties() {
    let site = site_schema();
    let text = serde_json::to_string_pretty(&site).expect("serialise");
    let back: Value = serde_json::from_str(&text).expect("schema is valid JSON");
    assert_eq!(back, site);
    assert_eq!(site["type"], "object");
    for key in [
        "id",
        "name_en",
        "name_ko",
        "province",
        "lat",
        "lon",
        "elevation_m",
        "climate",
        "power",
        "land",
        "hazards",
        "distance_to_seoul_km",
        "sources",
        "assumed",
    ] {
        assert!(
            site["properties"].get(key).is_some(),
            "site schema lacks {key}"
        );
    }
    let required = site["required"].as_array().expect("required list");
    assert!(required.contains(&json!("climate")));
    assert!(!required.contains(&json!("assumed")));
    let text = site.to_string();
    assert!(text.contains("\"maxItems\":12") && text.contains("\"minItems\":12"));

    let facility = facility_schema();
    for key in [
        "name",
        "it_load_mw",
        "rack_kw",
        "rack_width_m",
        "rack_depth_m",
        "racks_per_row",
        "cold_aisle_m",
        "hot_aisle_m",
        "cooling",
        "ups_efficiency",
        "fan_power_fraction",
        "pump_power_fraction",
        "distribution_voltage_v",
        "busway_conductance_s_m",
        "sources",
        "assumed",
    ] {
        assert!(
            facility["properties"].get(key).is_some(),
            "facility schema lacks {key}"
        );
    }
    assert_eq!(facility["properties"]["rack_kw"]["maximum"], 300.0);
    let text = facility.to_string();
    for variant in ["air_economizer", "direct_liquid_dry_cooler", "seawater"] {
        assert!(
            text.contains(variant),
            "schema lacks cooling type {variant}"
        );
    }
}

/// A value read from text equals the figure written there, to the last few bits: parsing is
/// checked against the decimal written in the fixture, not against a computation.
fn assert_parsed(found: f64, written: f64) {
    assert!(
        (found - written).abs() <= 1e-12 * written.abs().max(1.0),
        "read {found}, the file says {written}"
    );
}
