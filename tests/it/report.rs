//! The ranking report as a reader gets it: report.html in headless Chromium with no Korean font
//! on the system (Hangul from the embedded font, compared pixel by pixel against the missing-
//! glyph box), no network requests, every image decoded; the size budget and the chart labels
//! on the 15 shipped sites; ranking.geojson read back as RFC 7946 with the `geojson` crate.

use crate::trials;
use libtest_mimic::Trial;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tests() -> Vec<Trial> {
    trials![
        plain hangul_shows_in_headless_chromium_with_no_korean_font_on_the_system,
        plain the_page_makes_no_requests_and_decodes_every_image,
        plain fifteen_shipped_sites_fit_the_size_budget_with_a_map_and_labels_apart,
        plain ranking_geojson_reads_back_as_rfc_7946_with_every_property,
    ]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary folder with the shipped facility and copies of the named shipped sites.
fn temp_with_sites(name: &str, sites: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcplan-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("facilities")).expect("temp dir");
    std::fs::copy(
        root().join("sites/facilities/ai-hall-20mw.json"),
        dir.join("facilities/ai-hall-20mw.json"),
    )
    .expect("facility copy");
    // the grid model the sites' hosting capacity comes from (grid/ beside the sites)
    std::os::unix::fs::symlink(root().join("sites/grid"), dir.join("grid")).expect("grid link");
    for s in sites {
        std::fs::copy(
            root().join(format!("sites/{s}.json")),
            dir.join(format!("{s}.json")),
        )
        .expect("site copy");
    }
    dir
}

fn rank(sites: &Path, out: &Path, extra: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_dcplan"))
        .args(["--backend", "cpu", "rank"])
        .arg(sites)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("dcplan runs");
    assert!(
        o.status.success(),
        "rank failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn chromium() -> &'static str {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .unwrap_or_else(|| {
            panic!("no headless Chromium on PATH; scripts/test installs Debian's chromium")
        })
}

/// A fontconfig setup that knows one font only, DejaVu Sans (no Hangul), whatever the
/// machine has installed: Chromium then has no system font to draw Korean with.
fn latin_only_fontconfig(dir: &Path) -> PathBuf {
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).expect("fonts dir");
    std::fs::copy(
        root().join("assets/fonts/DejaVuSans.ttf"),
        fonts.join("DejaVuSans.ttf"),
    )
    .expect("font copy");
    let conf = dir.join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n\
             <fontconfig><dir>{}</dir><cachedir>{}</cachedir></fontconfig>\n",
            fonts.display(),
            dir.join("fc-cache").display()
        ),
    )
    .expect("fonts.conf");
    conf
}

/// Runs headless Chromium on `page` with only DejaVu Sans known to fontconfig; `mode` is
/// `--dump-dom` or `--screenshot=PATH`.
fn browse(dir: &Path, page: &Path, mode: &str, tag: &str) -> Output {
    let conf = latin_only_fontconfig(dir);
    Command::new(chromium())
        .env("FONTCONFIG_FILE", &conf)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=480,240",
            "--virtual-time-budget=10000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("profile-{tag}")).display()
        ))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

/// `html` with a white panel over the page showing each of `lines` in its own 60-px row at
/// 40 px, in the page's own font settings.
fn with_probe(html: &str, lines: &[&str]) -> String {
    let rows: String = lines
        .iter()
        .map(|t| {
            format!(
                "<div style=\"font-size:40px;line-height:60px;height:60px;white-space:nowrap;padding-left:10px\">{t}</div>"
            )
        })
        .collect();
    let probe = format!(
        "<div id=\"probe\" style=\"position:fixed;left:0;top:0;z-index:99;background:#fff;width:100%;height:100%\">{rows}</div>"
    );
    html.replacen("<body>", &format!("<body>{probe}"), 1)
}

/// The pixels of probe row `k` (60 px tall, the left 300 px).
fn row(img: &image::RgbImage, k: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for y in 60 * k..60 * (k + 1) {
        for x in 0..300 {
            v.extend_from_slice(&img.get_pixel(x, y).0);
        }
    }
    v
}

fn dark_pixels(px: &[u8]) -> usize {
    px.chunks(3).filter(|p| p[0] < 128).count()
}

fn hangul_shows_in_headless_chromium_with_no_korean_font_on_the_system() {
    let dir = temp_with_sites("hangul", &["pohang", "jeju"]);
    let out = dir.join("out");
    rank(&dir, &out, &[]);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).expect("ranking.json"))
            .expect("JSON");
    let names: Vec<String> = json["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .map(|s| s["name_ko"].as_str().expect("name_ko").to_string())
        .collect();
    assert_eq!(names.len(), 2);
    for n in &names {
        assert!(
            html.contains(&format!("<span lang=\"ko\">{n}</span>")),
            "{n} not in the table"
        );
    }
    // two boxes: two private-use characters no font has
    let boxes = "\u{E000}\u{E000}";
    let shot = |html_text: &str, tag: &str| {
        let page = dir.join(format!("{tag}.html"));
        std::fs::write(&page, html_text).expect("page");
        let png = dir.join(format!("{tag}.png"));
        let o = browse(&dir, &page, &format!("--screenshot={}", png.display()), tag);
        let img = image::open(&png)
            .unwrap_or_else(|e| {
                panic!(
                    "no screenshot {} ({e}): {}",
                    png.display(),
                    String::from_utf8_lossy(&o.stderr)
                )
            })
            .to_rgb8();
        (row(&img, 0), row(&img, 1), row(&img, 2))
    };
    let probe = with_probe(&html, &[&names[0], &names[1], boxes]);
    // the report as written: each name has its own glyphs, unlike the box
    let (a, b, tofu) = shot(&probe, "embedded");
    assert!(
        dark_pixels(&a) > 200 && dark_pixels(&b) > 200,
        "names drawn"
    );
    assert_ne!(a, tofu, "{} drawn as boxes", names[0]);
    assert_ne!(b, tofu, "{} drawn as boxes", names[1]);
    assert_ne!(a, b, "the two names look the same");
    // control: the same page without the @font-face shows boxes, so nothing on the
    // system supplied the Hangul above (and the comparison can fail)
    let start = probe.find("@font-face{").expect("an @font-face rule");
    let end = start + probe[start..].find('}').expect("end of the rule") + 1;
    let stripped = format!("{}{}", &probe[..start], &probe[end..]);
    let (a, b, tofu) = shot(&stripped, "stripped");
    assert_eq!(
        a, tofu,
        "without the embedded font {} should be boxes",
        names[0]
    );
    assert_eq!(b, tofu);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The DOM attribute `name` on the body, as the page's load script set it.
fn body_attr(dom: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = dom.find(&key)? + key.len();
    Some(dom[start..].split('"').next()?.to_string())
}

fn the_page_makes_no_requests_and_decodes_every_image() {
    let dir = temp_with_sites("offline", &["pohang", "seosan"]);
    let out = dir.join("out");
    rank(&dir, &out, &[]);
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).expect("report.html");
    // nothing outside the file: every src and url() is a data URI, no stylesheet links,
    // and the only http(s) text is the SVG namespace
    for (key, allowed) in [("src=\"", "data:"), ("url(", "data:")] {
        for (i, _) in html.match_indices(key) {
            let rest = &html[i + key.len()..];
            assert!(
                rest.starts_with(allowed),
                "{key}{}",
                &rest[..40.min(rest.len())]
            );
        }
    }
    assert!(!html.contains("<link"), "a <link> element");
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !without_ns.contains("http://") && !without_ns.contains("https://"),
        "an http(s) reference"
    );
    let o = browse(&dir, &page, "--dump-dom", "dom");
    let dom = String::from_utf8_lossy(&o.stdout);
    // the map and 2 sites × (thermal + voltage), all decoded; the font loaded; no errors
    assert_eq!(
        body_attr(&dom, "data-images-loaded").as_deref(),
        Some("5/5"),
        "{}",
        &dom[..dom.len().min(300)]
    );
    assert_eq!(body_attr(&dom, "data-script-errors").as_deref(), Some("0"));
    let fonts: usize = body_attr(&dom, "data-fonts-loaded")
        .and_then(|v| v.parse().ok())
        .expect("data-fonts-loaded");
    assert!(fonts >= 1, "the embedded font did not load");
    // the page's own resource timing lists every fetch it made (data: URIs are not fetches)
    assert_eq!(
        body_attr(&dom, "data-requests").as_deref(),
        Some("0"),
        "the page fetched something"
    );
    let log = String::from_utf8_lossy(&o.stderr);
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") && !l.contains(":INFO:"))
        .collect();
    assert!(console.is_empty(), "console errors: {console:?}");
    // control: one image from the network is counted, so the count can fail
    let control = dir.join("control.html");
    std::fs::write(
        &control,
        html.replacen("<body>", "<body><img src=\"http://127.0.0.1:9/x.png\">", 1),
    )
    .expect("control page");
    let o = browse(&dir, &control, "--dump-dom", "control");
    let dom = String::from_utf8_lossy(&o.stdout);
    let requests: usize = body_attr(&dom, "data-requests")
        .and_then(|v| v.parse().ok())
        .expect("data-requests");
    assert!(requests >= 1, "the network image went uncounted");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every `data-box="x0 y0 x1 y1"` in `svg`.
fn label_boxes(svg: &str) -> Vec<[f64; 4]> {
    svg.match_indices("data-box=\"")
        .map(|(i, key)| {
            let v: Vec<f64> = svg[i + key.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .split(' ')
                .map(|t| t.parse().expect("a number"))
                .collect();
            [v[0], v[1], v[2], v[3]]
        })
        .collect()
}

fn fifteen_shipped_sites_fit_the_size_budget_with_a_map_and_labels_apart() {
    let dir = std::env::temp_dir().join(format!("dcplan-report-budget-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("out");
    rank(&root().join("sites"), &out, &[]);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).expect("ranking.json"))
            .expect("JSON");
    assert_eq!(json["ranking"].as_array().map(Vec::len), Some(15));
    assert!(
        html.len() <= dcplan::report::ranking::HTML_BUDGET_BYTES,
        "report.html is {} bytes, over the budget of {}",
        html.len(),
        dcplan::report::ranking::HTML_BUDGET_BYTES
    );
    let map = image::open(out.join("map.png")).expect("map.png").to_rgb8();
    assert_eq!(
        map.dimensions(),
        (
            dcplan::report::map::WIDTH_PX,
            dcplan::report::map::HEIGHT_PX
        )
    );
    assert!(html.contains("<img class=\"map\""), "map not in the page");
    // every site of the Pareto chart labelled, no two labels overlapping
    let start = html
        .find("class=\"chart pareto\"")
        .expect("the Pareto chart");
    let end = start + html[start..].find("</svg>").expect("end of the chart");
    let boxes = label_boxes(&html[start..end]);
    assert_eq!(boxes.len(), 15, "labels in the Pareto chart");
    for (i, a) in boxes.iter().enumerate() {
        for (j, b) in boxes.iter().enumerate().skip(i + 1) {
            let overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
            assert!(!overlap, "labels {i} and {j} overlap: {a:?} {b:?}");
        }
    }
    // both heatmaps of a site have one size
    for e in std::fs::read_dir(out.join("sites")).expect("sites/") {
        let d = e.expect("entry").path();
        let t = image::image_dimensions(d.join("thermal.png")).expect("thermal.png");
        let v = image::image_dimensions(d.join("voltage.png")).expect("voltage.png");
        assert_eq!(t, v, "{}", d.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn ranking_geojson_reads_back_as_rfc_7946_with_every_property() {
    use geojson::{GeoJson, Value as Geometry};
    let dir = temp_with_sites("geojson", &["pohang", "seosan"]);
    // a third site on land too small for the hall: infeasible
    let mut tiny: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("sites/pohang.json")).expect("pohang"),
    )
    .expect("JSON");
    tiny["id"] = "tiny".into();
    tiny["name_ko"] = "작은 부지".into();
    tiny["name_en"] = "Tiny plot".into();
    tiny["lon"] = 127.5.into();
    tiny["lat"] = 36.5.into();
    tiny["land"]["usable_width_m"] = 10.0.into();
    tiny["land"]["usable_depth_m"] = 10.0.into();
    std::fs::write(dir.join("tiny.json"), tiny.to_string()).expect("tiny.json");
    let out = dir.join("out");
    let o = rank(&dir, &out, &["--format", "geojson"]);
    let file = std::fs::read_to_string(out.join("ranking.geojson")).expect("ranking.geojson");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        file,
        "--format geojson prints the file"
    );
    let raw: Value = serde_json::from_str(&file).expect("JSON");
    assert!(raw.get("crs").is_none(), "RFC 7946 has no crs member");
    let GeoJson::FeatureCollection(fc) = file.parse::<GeoJson>().expect("GeoJSON") else {
        panic!("not a FeatureCollection")
    };
    assert_eq!(fc.features.len(), 3);
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).expect("ranking.json"))
            .expect("JSON");
    let keys: Vec<String> = json["criteria"]
        .as_array()
        .expect("criteria")
        .iter()
        .map(|c| c["key"].as_str().expect("key").to_string())
        .collect();
    assert!(keys.len() >= 8, "{keys:?}");
    for (f, ranked) in fc
        .features
        .iter()
        .zip(json["ranking"].as_array().expect("ranking"))
    {
        let id = ranked["site_id"].as_str().expect("site_id");
        let site: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{id}.json"))).expect("site file"),
        )
        .expect("site JSON");
        // a Point at [longitude, latitude], in that order
        let geometry = f.geometry.as_ref().expect("geometry");
        let Geometry::Point(pos) = &geometry.value else {
            panic!("{id}: not a Point")
        };
        assert_eq!(pos.len(), 2);
        assert_eq!(
            pos[0],
            site["lon"].as_f64().expect("lon"),
            "{id} longitude first"
        );
        assert_eq!(
            pos[1],
            site["lat"].as_f64().expect("lat"),
            "{id} latitude second"
        );
        assert_eq!(
            f.id,
            Some(geojson::feature::Id::String(id.to_string())),
            "{id}"
        );
        let p = |key: &str| {
            f.property(key)
                .unwrap_or_else(|| panic!("{id}: no property {key}"))
                .clone()
        };
        assert_eq!(p("name_ko"), site["name_ko"]);
        assert_eq!(p("name_en"), site["name_en"]);
        assert_eq!(p("rank"), ranked["rank"]);
        assert_eq!(p("feasible"), ranked["feasible"]);
        assert_eq!(p("score"), ranked["score"]);
        // GeoJSON carries the hostable IT rounded to 0.01 MW
        let (g, r) = (
            p("hostable_it_mw").as_f64().expect("a number"),
            ranked["hostable_it_mw"].as_f64().expect("a number"),
        );
        assert!((g - r).abs() <= 0.005 + 1e-12, "{id}: hostable {g} vs {r}");
        assert_eq!(p("limited_by"), ranked["limited_by"]);
        for (k, key) in keys.iter().enumerate() {
            assert_eq!(p(key), ranked["values"][k]["value"], "{id} {key}");
            assert_eq!(
                p(&format!("{key}_contribution")),
                ranked["values"][k]["contribution"],
                "{id} {key}"
            );
        }
    }
    // the tiny plot: infeasible, no rank, its reason kept
    let tiny = fc
        .features
        .iter()
        .find(|f| f.property("site_id") == Some(&Value::from("tiny")))
        .expect("tiny");
    assert_eq!(tiny.property("feasible"), Some(&Value::Bool(false)));
    assert_eq!(tiny.property("rank"), Some(&Value::Null));
    assert_eq!(tiny.property("score"), Some(&Value::Null));
    assert!(
        tiny.property("reasons")
            .and_then(Value::as_str)
            .is_some_and(|r| r.contains("usable land")),
        "{:?}",
        tiny.property("reasons")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
