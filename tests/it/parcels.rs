//! `dcplan parcels` end to end (issue 13): candidate parcels become site files that `validate`
//! accepts and `rank` ranks; the province, the climate at a station and the land come out as
//! the shipped data say; and a bad parcels file exits 2 naming the file and the feature.

use crate::shard::{dcplan, fails, ok};
use crate::trials;
use libtest_mimic::Trial;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn tests() -> Vec<Trial> {
    trials![
        plain sample_parcels_become_sites_that_validate_and_rank,
        plain national_sample_converts_with_the_scripts_provinces,
        plain bad_parcels_files_exit_2_naming_file_and_feature,
    ]
}

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn scratch(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("dcplan-parcels-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("temp folder");
    root
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `dcplan parcels FILE --out ROOT/sites` with the shipped data folder.
fn parcels(root: &Path, file: &Path) -> std::process::Output {
    let data = shipped().join("sites");
    dcplan(
        root,
        &[
            "parcels",
            file.to_str().expect("utf-8 path"),
            "--out",
            "sites",
            "--data",
            data.to_str().expect("utf-8 path"),
        ],
    )
}

fn assumed(site: &Value) -> Vec<&str> {
    site["assumed"]
        .as_array()
        .expect("assumed list")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

fn sample_parcels_become_sites_that_validate_and_rank() {
    let root = scratch("sample");
    let sample = shipped().join("sites-national/parcels-sample.geojson");
    ok(parcels(&root, &sample), "parcels");
    ok(dcplan(&root, &["validate", "sites"]), "validate");
    let ranked = dcplan(&root, &["rank", "sites", "--out", "report"]);
    // exit 3: ranked, but no site met every criterion; still a full report
    assert!(
        matches!(ranked.status.code(), Some(0 | 3)),
        "rank: exit {:?}\n{}",
        ranked.status.code(),
        String::from_utf8_lossy(&ranked.stderr)
    );
    let ranking = json(&root.join("report/ranking.json"));
    let mut ranked_ids: Vec<&str> = ranking["ranking"]
        .as_array()
        .expect("ranking list")
        .iter()
        .filter_map(|r| r["site_id"].as_str())
        .collect();
    ranked_ids.sort();
    assert_eq!(
        ranked_ids,
        [
            "andong-polygon",
            "chuncheon",
            "daejeon-station",
            "mokpo",
            "sejong"
        ]
    );

    let site = |id: &str| json(&root.join(format!("sites/{id}.json")));
    // province by point in polygon, on points well inside each
    for (id, province) in [
        ("daejeon-station", "Daejeon Metropolitan City"),
        ("chuncheon", "Gangwon State"),
        ("mokpo", "Jeollanam-do"),
        ("sejong", "Sejong Special Self-Governing City"),
        ("andong-polygon", "Gyeongsangbuk-do"),
    ] {
        assert_eq!(site(id)["province"], province, "{id}");
    }

    // at a station's place and elevation the interpolation returns the station's normals
    let normals = json(&shipped().join("sites/climate/kma-normals-1991-2020.json"));
    let daejeon = normals["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .find(|s| s["kma_id"] == 133)
        .expect("station 133 in the normals");
    let on_station = site("daejeon-station");
    assert_eq!(on_station["climate"]["kma_station"]["id"], 133);
    let got = on_station["climate"]["monthly_mean_c"]
        .as_array()
        .expect("monthly means");
    let want = daejeon["monthly_mean_c"].as_array().expect("monthly means");
    assert_eq!(got.len(), 12);
    for (m, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.as_f64().expect("number"), w.as_f64().expect("number"));
        // the site file rounds to 0.01 °C
        assert!((g - w).abs() <= 0.005 + 1e-9, "month {}: {g} vs {w}", m + 1);
    }
    assert!(!assumed(&on_station).contains(&"elevation_m"));

    // no elevation given: assumed, and ranged over the interpolating stations' elevations
    let chuncheon = site("chuncheon");
    assert!(assumed(&chuncheon).contains(&"elevation_m"));
    let range = &chuncheon["ranges"]["elevation_m"];
    let (low, high, value) = (
        range["low"].as_f64().expect("low"),
        range["high"].as_f64().expect("high"),
        chuncheon["elevation_m"].as_f64().expect("elevation"),
    );
    assert!(
        low <= value && value <= high && low < high,
        "{range} around {value}"
    );

    // an unsurveyed parcel's hazards: ranged over the whole scale
    for hazard in ["seismic", "flood", "typhoon"] {
        let range = &chuncheon["ranges"][format!("hazards.{hazard}")];
        assert_eq!(
            (range["low"].as_f64(), range["high"].as_f64()),
            (Some(0.0), Some(1.0))
        );
    }

    // a polygon's land: a rectangle of its area (300 m x 400 m drawn in degrees)
    let polygon = site("andong-polygon");
    let (w, d) = (
        polygon["land"]["usable_width_m"].as_f64().expect("width"),
        polygon["land"]["usable_depth_m"].as_f64().expect("depth"),
    );
    assert!(
        (w * d - 120_000.0).abs() < 0.01 * 120_000.0,
        "area {w} x {d}"
    );
    assert!((d / w - 4.0 / 3.0).abs() < 0.01, "proportions {w} x {d}");
    // a point with land given keeps it, not marked assumed
    let mokpo = site("mokpo");
    assert_eq!(mokpo["land"]["usable_width_m"], 180.0);
    assert!(!assumed(&mokpo).contains(&"land.usable_width_m"));
    std::fs::remove_dir_all(&root).expect("clean up");
}

/// The shipped 10 km sample converts as a whole; dcplan's point in polygon agrees with the
/// generating script's (one province name for each KOSTAT code), and no site lands in the
/// capital region or on Jeju, which the script left out.
fn national_sample_converts_with_the_scripts_provinces() {
    let root = scratch("national");
    let file = shipped().join("sites-national/parcels-10km.geojson");
    ok(parcels(&root, &file), "parcels");
    let doc = json(&file);
    let features = doc["features"].as_array().expect("features");
    assert_eq!(
        Some(features.len() as u64),
        doc["metadata"]["points"].as_u64()
    );
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in features {
        let id = f["properties"]["id"].as_str().expect("id");
        let code = f["properties"]["province_code"].as_str().expect("code");
        let site = json(&root.join(format!("sites/{id}.json")));
        let province = site["province"].as_str().expect("province").to_string();
        let list = names.entry(code.to_string()).or_default();
        if !list.contains(&province) {
            list.push(province);
        }
    }
    for (code, list) in &names {
        assert_eq!(list.len(), 1, "KOSTAT code {code} became {list:?}");
    }
    for capital in ["11", "23", "31", "39"] {
        assert!(!names.contains_key(capital), "code {capital} in the sample");
    }
    assert!(names.len() >= 13, "provinces covered: {names:?}");
    std::fs::remove_dir_all(&root).expect("clean up");
}

fn bad_parcels_files_exit_2_naming_file_and_feature() {
    let root = scratch("bad");
    let write = |name: &str, text: &str| -> PathBuf {
        let path = root.join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let collection =
        |features: &str| format!(r#"{{"type": "FeatureCollection", "features": [{features}]}}"#);
    let point = |props: &str, lon: f64, lat: f64| {
        format!(
            r#"{{"type": "Feature", "properties": {{{props}}}, "geometry": {{"type": "Point", "coordinates": [{lon}, {lat}]}}}}"#
        )
    };

    let not_json = write("not-geojson.geojson", "id,lat,lon\nx,36.3,127.4\n");
    fails(
        parcels(&root, &not_json),
        &["not-geojson.geojson", "not JSON"],
    );
    let not_collection = write("feature.geojson", &point(r#""id": "a""#, 127.4, 36.3));
    fails(
        parcels(&root, &not_collection),
        &["feature.geojson", "FeatureCollection"],
    );

    let elevations = write(
        "elevations.geojson",
        &collection(
            &[
                point(r#""id": "ok", "elevation_m": 50"#, 127.4, 36.3),
                point(r#""id": "words", "elevation_m": "high""#, 127.4, 36.31),
                point(r#""id": "everest", "elevation_m": 8848"#, 127.4, 36.32),
            ]
            .join(","),
        ),
    );
    fails(
        parcels(&root, &elevations),
        &[
            "elevations.geojson",
            "features[1].properties.elevation_m: expected a number",
            "features[2].properties.elevation_m: 8848 m is outside",
        ],
    );

    // Tokyo: far from every province outline
    let abroad = write(
        "abroad.geojson",
        &collection(&point(r#""id": "tokyo""#, 139.69, 35.68)),
    );
    fails(
        parcels(&root, &abroad),
        &[
            "abroad.geojson",
            "features[0].geometry",
            "not in South Korea",
        ],
    );

    let bad_geometry = write(
        "geometry.geojson",
        &collection(
            r#"{"type": "Feature", "properties": {"id": "line"}, "geometry": {"type": "LineString", "coordinates": [[127, 36], [128, 36]]}}"#,
        ),
    );
    fails(
        parcels(&root, &bad_geometry),
        &["features[0].geometry.type", "LineString"],
    );

    // past the size limit: refused before it is read (a sparse file costs no disk)
    let huge = root.join("huge.geojson");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(65 << 20))
        .expect("sparse file");
    fails(parcels(&root, &huge), &["huge.geojson", "too large"]);

    assert!(
        !root.join("sites").exists(),
        "no site file is written for a bad parcels file"
    );
    std::fs::remove_dir_all(&root).expect("clean up");
}
