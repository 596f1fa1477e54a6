//! The grid-impact assessment score (issue 11, item 5): every scored item against its stated
//! rule computed by hand on a scratch site of a three-bus grid, the items not modelled listed,
//! the verdict against the 70 points consistent with the bounds, and the `grid-impact` weights
//! preset accepted by `rank`.

use crate::grid::{snapshot_json, Files};
use crate::trials;
use crate::uncertainty::{dcplan, site, temp};
use dcplan::grid::{load_snapshots, HostingMap, Network, ScreenBackend};
use dcplan::layout::default_cell_m;
use dcplan::plan::impact::{assess, GridImpact, PASS_POINTS};
use dcplan::plan::inputs;
use dcplan::plan::simulate::{prepare_facility, simulate, GridFit, Precision};
use dcplan::solver::CpuMultigrid;
use libtest_mimic::Trial;
use serde_json::json;
use serde_json::Value;
use std::path::Path;

pub fn tests() -> Vec<Trial> {
    trials![
        plain items_match_their_rules_by_hand_on_a_three_bus_grid,
        plain rank_accepts_the_grid_impact_preset_and_reports_the_score,
    ]
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// Triangle A-B-C (x 0.5, 1, 1 pu), ratings ten times the grid tests' (AB 1000/1100, BC
/// 500/550, CA 500/600 MW); 30 MW of load at C; LNG plants of 1,000 MW at A and 10 MW at C,
/// one tier at availability 1. Provinces: A and B `East`, C `West`.
fn three_bus(dir: &Path) {
    let g = dir.join("grid");
    std::fs::create_dir_all(g.join("snapshots")).unwrap();
    Files {
        buses: "id,station,kv,lon,lat,province,load_share\n\
                A,1,345,127.0,36.0,East,0\nB,2,345,127.5,36.0,East,0\nC,3,345,127.25,36.4,West,1\n"
            .into(),
        branches: "id,kind,from,to,circuits,length_km,x_pu,normal_mw,emergency_mw,source\n\
                   AB,line,A,B,1,10,0.5,1000,1100,test\nBC,line,B,C,1,10,1,500,550,test\n\
                   CA,line,C,A,1,10,1,500,600,test\n"
            .into(),
        plants: "id,name,carrier,capacity_mw,bus,placement\n\
                 G1,gas,LNG,1000,A,test\nG2,gas,LNG,10,C,test\n"
            .into(),
        snapshot: snapshot_json(30.0),
    }
    .write(&g);
}

fn item<'a>(g: &'a GridImpact, key: &str) -> &'a dcplan::plan::impact::Item {
    g.items
        .iter()
        .find(|i| i.key == key)
        .unwrap_or_else(|| panic!("no item {key}"))
}

fn points(g: &GridImpact, key: &str) -> f64 {
    item(g, key)
        .points
        .unwrap_or_else(|| panic!("{key} is not scored"))
}

/// The verdict from the reported items by the stated rule: what the report must say.
fn check_verdict(g: &GridImpact) {
    let scored: f64 = g.items.iter().filter_map(|i| i.points).sum();
    let open = g.items.iter().filter(|i| !i.modelled);
    let lower = scored + open.clone().map(|i| i.min_points).sum::<f64>();
    let upper = scored + open.map(|i| i.max_points).sum::<f64>();
    assert!(close(g.modelled_points, scored, 1e-12));
    assert!(close(g.lower_points, lower, 1e-12) && close(g.upper_points, upper, 1e-12));
    let want = if !g.voltage_adequacy_pass || upper < PASS_POINTS {
        "fail"
    } else if lower >= PASS_POINTS {
        "pass"
    } else {
        "open"
    };
    assert_eq!(g.verdict, want, "{g:?}");
}

const NOT_MODELLED: [&str; 9] = [
    "margin_difficulty",
    "self_generation",
    "site_bonus",
    "voltage_application_penalty",
    "business_stability",
    "local_fiscal_contribution",
    "value_added",
    "direct_jobs",
    "policy_fit",
];

fn items_match_their_rules_by_hand_on_a_three_bus_grid() {
    let dir = temp("hand");
    three_bus(&dir);
    // the hosting capacity computed on the three-bus grid, not the file's headroom
    site(&dir, "scratch", 0.0, 300.0, |v| {
        v["power"] = json!({
            "connection_voltage_kv": 154.0, "substation_distance_km": 3.0,
            "tariff_krw_per_kwh": 182.7, "grid_carbon_kg_per_kwh": 0.4173, "grid_bus": "C"
        });
    });
    let path = dir.join("scratch.json");
    let net = Network::load(&dir.join("grid")).expect("network");
    let snaps = load_snapshots(&dir.join("grid/snapshots"), &net).expect("snapshots");
    let map = HostingMap::compute(&net, &snaps, ScreenBackend::Cpu { threads: 1 }).unwrap();
    let f = inputs::load_facility(&dir.join("facilities/ai-hall-20mw.json")).expect("facility");
    let model = prepare_facility(
        &f,
        default_cell_m(&f.facility),
        &mut CpuMultigrid,
        &Precision::cpu(),
    )
    .expect("facility prepares");
    let input = inputs::load_site(&path).expect("site");
    let run = simulate(&input, &f, &model, Some(&map), &[]).unwrap_or_else(|e| panic!("{e}"));
    let m = &run.metrics;
    let g = &m.grid_impact;
    let l = m.energy.peak_facility_mw;
    assert!(l > 10.0, "a load the assessment applies to: {l} MW");

    // dispatch: both plants at 30/1010 of capacity; C's plant gives 300/1010 MW of C's 30
    let west = 300.0 / 1010.0 / 30.0;
    let h = m.grid_fit.hosting.as_ref().expect("computed hosting");
    assert_eq!(h.province.province, "West");
    assert!(close(h.province.self_sufficiency, west, 1e-12));
    assert!(close(points(g, "self_sufficiency"), 10.0 * west, 1e-12));
    // a new MW at C is met 1000/1010 from A; after losing CA all of it crosses BC (550 MW):
    // BC carries 30·1000/1010 before and that plus L·1000/1010 after
    let a = 1000.0 / 1010.0;
    let hosting = (550.0 - 30.0 * a) / a;
    assert!(
        close(h.hosting_mw, hosting, 1e-9),
        "{} vs {hosting}",
        h.hosting_mw
    );
    let delta = 100.0 * l * a / 550.0;
    let o = h.overload.as_ref().expect("the load moves branches");
    assert_eq!((o.branch.as_str(), o.outage.as_deref()), ("BC", Some("CA")));
    assert!(close(o.increase_pct_points, delta, 1e-9));
    assert!(close(
        points(g, "overload_increase"),
        10.0 * (1.0 - delta / 10.0).clamp(0.0, 1.0),
        1e-9
    ));
    // the margin is far above the load: full points
    assert!(close(
        item(g, "grid_margin").value.unwrap(),
        hosting - l,
        1e-9
    ));
    assert!(close(points(g, "grid_margin"), 15.0, 1e-12));
    let pue = m.energy.pue;
    assert!(close(
        points(g, "efficiency"),
        5.0 * ((1.6 - pue) / 0.4).clamp(0.0, 1.0),
        1e-12
    ));
    // Gyeongsangbuk-do is outside the capital region
    assert!(close(points(g, "demand_dispersion"), 15.0, 1e-12));
    assert_eq!(g.voltage_adequacy_pass, m.power.within_limit);
    for key in NOT_MODELLED {
        let i = item(g, key);
        assert!(!i.modelled && i.points.is_none(), "{key}");
        assert!(i.rule.starts_with("not modelled"), "{key}: {}", i.rule);
    }
    for i in g.items.iter().filter(|i| i.modelled && i.group != "gate") {
        assert!(i.rule.starts_with("assumed"), "{}: {}", i.key, i.rule);
    }
    check_verdict(g);

    // a capital-region site with no margin: the grid margin scores 0, dispersion -15, and
    // the items not modelled (65 points) cannot lift it to 70
    let mut capital = input.site.clone().into_inner();
    capital.province = "Gyeonggi-do".into();
    let tight = GridFit {
        headroom_mw: l,
        ..m.grid_fit.clone()
    };
    let c = assess(&capital, &m.power, &m.energy, &tight);
    assert!(close(points(&c, "grid_margin"), 0.0, 1e-12));
    assert!(close(points(&c, "demand_dispersion"), -15.0, 1e-12));
    assert!(c.upper_points < PASS_POINTS, "{}", c.upper_points);
    assert_eq!(c.verdict, "fail");
    check_verdict(&c);
    // half the load as margin: half the points; a site-file headroom has no flows, so the
    // overload increase and self-sufficiency are not modelled
    let half = GridFit {
        source: "override",
        headroom_mw: 1.5 * l,
        hosting: None,
    };
    let v = assess(&input.site, &m.power, &m.energy, &half);
    assert!(close(points(&v, "grid_margin"), 7.5, 1e-12));
    for key in ["overload_increase", "self_sufficiency"] {
        assert!(!item(&v, key).modelled, "{key}");
    }
    check_verdict(&v);
    // a failed voltage gate fails the case whatever the points
    let mut power = m.power.clone();
    power.within_limit = false;
    let w = assess(&input.site, &power, &m.energy, &m.grid_fit);
    assert_eq!(w.verdict, "fail");
    check_verdict(&w);
    let _ = std::fs::remove_dir_all(&dir);
}

fn rank_accepts_the_grid_impact_preset_and_reports_the_score() {
    let dir = temp("preset");
    for (id, headroom, province) in [
        ("alpha", 150.0, "Gyeongsangbuk-do"),
        ("bravo", 60.0, "Gyeonggi-do"),
    ] {
        site(&dir, id, headroom, 300.0, |v| {
            v["province"] = province.into()
        });
    }
    let out = dir.join("out");
    let d = dir.to_str().unwrap();
    let o = dcplan(&[
        "--backend",
        "cpu",
        "rank",
        d,
        "--weights",
        "grid-impact",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value =
        serde_json::from_slice(&std::fs::read(out.join("ranking.json")).unwrap()).unwrap();
    // grid margin 15 and efficiency 5 points: 0.75 and 0.25
    for c in r["criteria"].as_array().unwrap() {
        let want = match c["key"].as_str().unwrap() {
            "grid_margin_mw" => 0.75,
            "pue" => 0.25,
            _ => 0.0,
        };
        assert!(close(c["weight"].as_f64().unwrap(), want, 1e-12), "{c}");
    }
    for s in r["ranking"].as_array().unwrap() {
        let g: GridImpact = serde_json::from_value(s["grid_impact"].clone()).expect("score");
        check_verdict(&g);
        for key in NOT_MODELLED
            .iter()
            .chain(&["overload_increase", "self_sufficiency"])
        {
            assert!(!item(&g, key).modelled, "{key}");
        }
        let margin = item(&g, "grid_margin");
        assert_eq!(margin.unit, "MW");
        let dispersion = points(&g, "demand_dispersion");
        let want = if s["site_id"] == "bravo" { -15.0 } else { 15.0 };
        assert!(close(dispersion, want, 1e-12));
        // simulate's metrics.json carries the same assessment
        let id = s["site_id"].as_str().unwrap();
        let m: Value = serde_json::from_slice(
            &std::fs::read(out.join(format!("sites/{id}/metrics.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(m["grid_impact"], s["grid_impact"]);
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("## Grid-impact assessment") && md.contains("not modelled"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("계통영향평가") && html.contains("not modelled"));
    // an unknown name is a missing weights file: bad input
    let out2 = dir.join("out2");
    let o = dcplan(&[
        "--backend",
        "cpu",
        "rank",
        d,
        "--weights",
        "grid-impacts",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
