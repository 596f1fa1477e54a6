//! Annual energy model on synthesised years and on every shipped site.

use std::path::{Path, PathBuf};

use crate::trials;
use dcplan::climate::{read_epw, synthesize, HourlyYear, MonthlyClimate};
use dcplan::model::energy::{
    annual, hour, hourly, sea_temperature_proxy_c, CoolingMode, HourInputs, SEA_FLOOR_C,
};
use dcplan::site::{
    load_facility, load_site, validate_facility, validate_site, CoolingType, Facility, Site, Valid,
};
use libtest_mimic::Trial;

pub fn tests() -> Vec<Trial> {
    trials![
        plain annual_pue_is_at_least_one_and_consistent,
        plain a_small_grid_headroom_is_infeasible,
        plain pue_rises_with_a_warmer_climate,
        plain annual_sums_equal_the_sum_of_hourly_results,
        plain seawater_and_liquid_variants_run,
        plain every_shipped_site_has_a_plausible_pue,
    ]
}

/// The repository root, holding `sites/`.
fn main_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn facility_path() -> PathBuf {
    main_root().join("sites/facilities/ai-hall-20mw.json")
}

fn site_path(id: &str) -> PathBuf {
    main_root().join("sites").join(format!("{id}.json"))
}

fn default_facility() -> Valid<Facility> {
    let path = facility_path();
    load_facility(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn site(id: &str) -> Valid<Site> {
    let path = site_path(id);
    load_site(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A changed facility, validated again (the model takes validated facilities only).
fn revalidated(f: Facility) -> Valid<Facility> {
    validate_facility(f, &facility_path()).unwrap_or_else(|e| panic!("{e}"))
}

/// The site's year: its EPW when it names one, else synthesised from its monthly normals.
fn year_of(site: &Site, site_dir: &Path) -> HourlyYear {
    if let Some(epw) = &site.climate.epw {
        let path = site_dir.join(epw);
        return read_epw(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .year;
    }
    synthesize(&MonthlyClimate {
        monthly_mean_c: &site.climate.monthly_mean_c,
        monthly_diurnal_range_k: site.climate.monthly_diurnal_range_c.as_deref(),
        monthly_rh_pct: site.climate.monthly_rh_pct.as_deref(),
        elevation_m: site.elevation_m,
    })
    .unwrap_or_else(|e| panic!("{}: {e}", site.id))
    .year
}

/// Monthly normals shifted by `shift_k`, humidity and diurnal range unchanged.
fn shifted_year(site: &Site, shift_k: f64) -> HourlyYear {
    let means: Vec<f64> = site
        .climate
        .monthly_mean_c
        .iter()
        .map(|t| t + shift_k)
        .collect();
    synthesize(&MonthlyClimate {
        monthly_mean_c: &means,
        monthly_diurnal_range_k: site.climate.monthly_diurnal_range_c.as_deref(),
        monthly_rh_pct: site.climate.monthly_rh_pct.as_deref(),
        elevation_m: site.elevation_m,
    })
    .expect("synthesis of shifted normals")
    .year
}

const DIST_KW: f64 = 120.0;

/// A site with the grid headroom given as an override (the energy model alone has no grid).
fn site_with_headroom(id: &str, mw: f64) -> Valid<Site> {
    let mut raw = site(id).into_inner();
    raw.power.grid_headroom_mw = Some(mw);
    validate_site(raw, &site_path(id)).unwrap_or_else(|e| panic!("{e}"))
}

fn annual_pue_is_at_least_one_and_consistent() {
    let s = site_with_headroom("pohang", 150.0);
    let year = year_of(&s, &main_root().join("sites"));
    let a = annual(&s, &default_facility(), &year, DIST_KW).expect("annual");
    assert!(a.pue >= 1.0, "PUE {}", a.pue);
    assert!(a.pue_hourly_min >= 1.0);
    assert!(a.pue_hourly_min <= a.pue && a.pue <= a.pue_hourly_max);
    assert_eq!(a.hours, 8760);
    assert_eq!(a.hours_free + a.hours_partial + a.hours_mechanical, 8760);
    // 20 MW for 8760 h.
    assert!((a.it_mwh - 175_200.0).abs() < 1e-6, "{}", a.it_mwh);
    assert!(a.peak_facility_mw >= a.facility_mwh / 8760.0);
    assert!((a.grid_margin_mw - (150.0 - a.peak_facility_mw)).abs() < 1e-12);
    assert!(a.grid_feasible);
    assert_eq!(a.design_hour.supply_c, 22.0);
    assert!((a.design_hour.facility_mw - a.peak_facility_mw).abs() < 1e-12);
    // The JSON carries the units in its names.
    let json = serde_json::to_value(&a).expect("serialize");
    for key in [
        "pue",
        "it_mwh",
        "peak_facility_mw",
        "energy_cost_krw",
        "carbon_t_co2",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["cooling_type"], "air_economizer");
}

fn a_small_grid_headroom_is_infeasible() {
    let s = site_with_headroom("pohang", 20.0);
    let year = year_of(&s, &main_root().join("sites"));
    let a = annual(&s, &default_facility(), &year, DIST_KW).expect("annual");
    assert!(!a.grid_feasible);
    assert!(a.grid_margin_mw < 0.0);
}

fn pue_rises_with_a_warmer_climate() {
    let s = site("pohang");
    let f = default_facility();
    let base = annual(&s, &f, &shifted_year(&s, 0.0), DIST_KW).expect("base");
    let warm = annual(&s, &f, &shifted_year(&s, 3.0), DIST_KW).expect("warm");
    println!(
        "pohang PUE {:.4} (free {} h) → +3 K {:.4} (free {} h)",
        base.pue, base.hours_free, warm.pue, warm.hours_free
    );
    assert!(warm.pue > base.pue, "{} vs {}", warm.pue, base.pue);
    assert!(warm.hours_free < base.hours_free);
    assert!(warm.peak_facility_mw >= base.peak_facility_mw);
}

fn annual_sums_equal_the_sum_of_hourly_results() {
    let s = site("daegu");
    let f = default_facility();
    let year = year_of(&s, &main_root().join("sites"));
    let a = annual(&s, &f, &year, DIST_KW).expect("annual");
    // Recompute every hour on its own through the one-hour entry point.
    let (mut it, mut fac, mut chiller, mut cost, mut carbon) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut free, mut partial, mut mech) = (0, 0, 0);
    let mut peak: f64 = 0.0;
    for h in &year.hours {
        let r = hour(&f, HourInputs::from_hour(h, None), DIST_KW).expect("hour");
        it += r.it_kw;
        fac += r.facility_kw;
        chiller += r.chiller_kw;
        cost += r.facility_kw * s.power.tariff_krw_per_kwh;
        carbon += r.facility_kw * s.power.grid_carbon_kg_per_kwh / 1000.0;
        peak = peak.max(r.facility_kw);
        match r.mode {
            CoolingMode::Free => free += 1,
            CoolingMode::Partial => partial += 1,
            CoolingMode::Mechanical => mech += 1,
        }
    }
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    assert!(rel(a.it_mwh, it / 1000.0) < 1e-12);
    assert!(rel(a.facility_mwh, fac / 1000.0) < 1e-12);
    assert!(rel(a.chiller_mwh, chiller / 1000.0) < 1e-12);
    assert!(rel(a.energy_cost_krw, cost) < 1e-12);
    assert!(rel(a.carbon_t_co2, carbon) < 1e-12);
    assert!(rel(a.peak_facility_mw, peak / 1000.0) < 1e-12);
    assert!(rel(a.pue, fac / it) < 1e-12);
    assert_eq!(
        (a.hours_free, a.hours_partial, a.hours_mechanical),
        (free, partial, mech)
    );
    // And the breakdown adds up to the facility energy.
    let parts = a.it_mwh
        + a.chiller_mwh
        + a.fans_mwh
        + a.pumps_mwh
        + a.heat_rejection_mwh
        + a.ups_loss_mwh
        + a.distribution_loss_mwh;
    assert!(rel(parts, a.facility_mwh) < 1e-12);
    // hourly() gives the same hours as hour().
    let all = hourly(&f, &year, DIST_KW).expect("hourly");
    assert_eq!(all.len(), year.len());
    let sum: f64 = all.iter().map(|r| r.facility_kw).sum();
    assert!(rel(sum / 1000.0, a.facility_mwh) < 1e-12);
}

fn seawater_and_liquid_variants_run() {
    let s = site("ulsan");
    let year = year_of(&s, &main_root().join("sites"));
    let air = annual(&s, &default_facility(), &year, DIST_KW).expect("air");

    let mut sea = default_facility().into_inner();
    sea.cooling.kind = CoolingType::Seawater;
    let sea = revalidated(sea);
    let a_sea = annual(&s, &sea, &year, DIST_KW).expect("seawater");
    let proxy = sea_temperature_proxy_c(&year).expect("proxy");
    assert_eq!(a_sea.sea_temperature_c, Some(proxy));
    // January's sea is December's air (Ulsan, December ≈ 4 °C), floored.
    let dec_air = year.monthly_mean_dry_bulb_c()[11].expect("december");
    assert!((proxy[0] - dec_air.max(SEA_FLOOR_C)).abs() < 1e-12);
    assert!(a_sea.pue.is_finite() && a_sea.pue >= 1.0);

    let mut dlc = default_facility().into_inner();
    dlc.cooling.kind = CoolingType::DirectLiquidDryCooler;
    dlc.cooling.supply_setpoint_c = 40.0;
    dlc.cooling.tower_or_drycooler_approach_k = 10.0;
    let dlc = revalidated(dlc);
    let a_dlc = annual(&s, &dlc, &year, DIST_KW).expect("liquid");
    assert!(a_dlc.pue.is_finite() && a_dlc.pue >= 1.0);
    // Warm-water (40 °C) liquid cooling needs its chiller far less than 22 °C air: free
    // cooling up to 40 − 10 − 2 = 28 °C dry bulb instead of 20 °C.
    assert!(a_dlc.chiller_mwh < 0.5 * air.chiller_mwh);
    assert!(a_dlc.hours_free > air.hours_free);
    println!(
        "ulsan PUE: air economizer {:.4}, seawater {:.4}, liquid 40 °C {:.4}",
        air.pue, a_sea.pue, a_dlc.pue
    );
}

fn every_shipped_site_has_a_plausible_pue() {
    let dir = main_root().join("sites");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("sites folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "only {} site files in {}",
        paths.len(),
        dir.display()
    );
    let f = default_facility();
    println!(
        "{:<12} {:>7} {:>7} {:>6} {:>6} {:>6} {:>8} {:>8} {:>9} {:>8} {:>11} {:>15}",
        "site",
        "PUE",
        "max",
        "free",
        "part",
        "mech",
        "peak MW",
        "margin",
        "GWh",
        "kt CO2",
        "cost bn KRW",
        "design db/wb °C"
    );
    let mut failures = Vec::new();
    for path in &paths {
        let s = load_site(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let year = year_of(&s, &dir);
        let a = annual(&s, &f, &year, DIST_KW).unwrap_or_else(|e| panic!("{}: {e}", s.id));
        println!(
            "{:<12} {:>7.4} {:>7.4} {:>6} {:>6} {:>6} {:>8.2} {:>8.2} {:>9.2} {:>8.2} {:>11.2} {:>7.1}/{:<7.1}",
            s.id,
            a.pue,
            a.pue_hourly_max,
            a.hours_free,
            a.hours_partial,
            a.hours_mechanical,
            a.peak_facility_mw,
            a.grid_margin_mw,
            a.facility_mwh / 1000.0,
            a.carbon_t_co2 / 1000.0,
            a.energy_cost_krw / 1e9,
            a.design_hour.dry_bulb_c,
            a.design_hour.wet_bulb_c
        );
        if !(a.pue.is_finite() && (1.05..1.6).contains(&a.pue)) {
            failures.push(format!("{}: PUE {}", s.id, a.pue));
        }
    }
    assert!(failures.is_empty(), "implausible PUE: {failures:?}");
}
