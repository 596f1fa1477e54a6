//! The campus at a site: physics sense checks of the whole chain (weather → plant with
//! capacities → every hour's rack inlets → water → IT the site can host). The grid headroom is
//! given as an override here so that only the facility physics moves.

use crate::trials;
use dcplan::layout::default_cell_m;
use dcplan::model::energy::{annual_sized, DesignCondition};
use dcplan::plan::inputs::{self, FacilityInput, SiteInput};
use dcplan::plan::simulate::{prepare_facility, simulate, FacilityModel, Precision};
use dcplan::plan::SiteRun;
use dcplan::site::{validate_facility, validate_site, Facility, PlantSizing, SizingCondition};
use dcplan::solver::CpuMultigrid;
use libtest_mimic::Trial;
use std::path::PathBuf;

pub fn tests() -> Vec<Trial> {
    trials![
        plain a_warmer_climate_never_lowers_pue_water_or_exceedance_hours,
        plain a_larger_plant_never_raises_exceedance_hours,
        plain a_standard_plant_sized_for_a_milder_climate_runs_out_at_a_hot_site,
        plain more_halls_than_the_land_holds_are_reported_not_built,
        plain every_hour_balances_its_energy,
    ]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn facility(name: &str) -> FacilityInput {
    inputs::load_facility(&root().join("sites/facilities").join(name)).expect("shipped facility")
}

/// A changed facility, validated again.
fn changed(f: &FacilityInput, edit: impl FnOnce(&mut Facility)) -> FacilityInput {
    let mut raw = f.facility.clone().into_inner();
    edit(&mut raw);
    FacilityInput {
        facility: validate_facility(raw, &f.path).unwrap_or_else(|e| panic!("{e}")),
        ..f.clone()
    }
}

/// A shipped site with an explicit grid headroom and its monthly normals shifted by
/// `shift_k` (sites with normals only, so the year is synthesised from them).
fn site(id: &str, shift_k: f64) -> SiteInput {
    let path = root().join("sites").join(format!("{id}.json"));
    let input = inputs::load_site(&path).expect("shipped site");
    assert!(
        input.weather.is_none(),
        "{id} names an EPW; pick a site with normals"
    );
    let mut raw = input.site.clone().into_inner();
    raw.power.grid_headroom_mw = Some(5000.0);
    for t in &mut raw.climate.monthly_mean_c {
        *t += shift_k;
    }
    SiteInput {
        site: validate_site(raw, &path).unwrap_or_else(|e| panic!("{e}")),
        ..input
    }
}

fn prepared(f: &FacilityInput) -> FacilityModel {
    prepare_facility(
        f,
        default_cell_m(&f.facility),
        &mut CpuMultigrid,
        &Precision::cpu(),
    )
    .expect("facility prepares")
}

fn run(s: &SiteInput, f: &FacilityInput, model: &FacilityModel) -> SiteRun {
    simulate(s, f, model, None, &[]).unwrap_or_else(|e| panic!("{}: {e}", s.site.id))
}

fn a_warmer_climate_never_lowers_pue_water_or_exceedance_hours() {
    for name in ["ai-campus-100mw.json", "ai-hall-20mw.json"] {
        let f = facility(name);
        let model = prepared(&f);
        for id in ["daegu", "gangneung"] {
            let base = run(&site(id, 0.0), &f, &model).metrics;
            let warm = run(&site(id, 2.0), &f, &model).metrics;
            let (b, w) = (&base.energy, &warm.energy);
            let (bh, wh) = (&base.hourly_thermal, &warm.hourly_thermal);
            println!(
                "{name} at {id}: PUE {:.4} -> {:.4}, water {:.0} -> {:.0} m3, rack-hours outside \
                 recommended {} -> {}, liquid hours above class {} -> {}",
                b.pue,
                w.pue,
                b.water_m3,
                w.water_m3,
                bh.rack_hours_outside_recommended,
                wh.rack_hours_outside_recommended,
                bh.liquid_hours_above_class,
                wh.liquid_hours_above_class
            );
            assert!(w.pue >= b.pue - 1e-12, "{name} {id}: PUE fell");
            assert!(w.water_m3 >= b.water_m3 - 1e-9, "{name} {id}: water fell");
            assert!(
                wh.rack_hours_outside_recommended >= bh.rack_hours_outside_recommended
                    && wh.rack_hours_outside_a1 >= bh.rack_hours_outside_a1
                    && wh.liquid_hours_above_class >= bh.liquid_hours_above_class,
                "{name} {id}: exceedance hours fell"
            );
            assert!(wh.max_inlet_c >= bh.max_inlet_c - 1e-12);
            // the coolant to the cold plates runs the CDU approach above the facility water
            if let Some(cdu) = f.facility.liquid.as_ref().map(|l| l.cdu_approach_k) {
                let (water, coolant) = (b.liquid_supply_max_c.unwrap(), b.coolant_supply_max_c);
                assert!(
                    (coolant.unwrap() - water - cdu).abs() < 1e-12,
                    "{coolant:?}"
                );
            } else {
                assert!(b.coolant_supply_max_c.is_none());
            }
        }
    }
}

/// `plant.design`: one standard design sized for a stated condition. Sized for a milder
/// condition than Daegu's own design hour, its chillers run out there and the supply air
/// floats; sized for a hotter one, it holds every hour with more capacity installed.
fn a_standard_plant_sized_for_a_milder_climate_runs_out_at_a_hot_site() {
    let base = facility("ai-hall-20mw.json");
    let model = prepared(&base);
    let s = site("daegu", 0.0);
    let sized = |design: Option<SizingCondition>| {
        let f = changed(&base, |f| {
            f.plant = Some(PlantSizing {
                design,
                ..f.plant.clone().unwrap_or_default()
            })
        });
        run(&s, &f, &model).metrics
    };
    let own = sized(None);
    let mild = sized(Some(SizingCondition {
        dry_bulb_c: 24.0,
        wet_bulb_c: 18.0,
    }));
    let hot = sized(Some(SizingCondition {
        dry_bulb_c: 40.0,
        wet_bulb_c: 30.0,
    }));
    let cap = |m: &dcplan::plan::simulate::SiteMetrics| m.energy.chiller_capacity_kw.unwrap();
    println!(
        "Daegu: chillers own {:.0} kW ({} h floated), mild {:.0} kW ({} h), hot {:.0} kW ({} h)",
        cap(&own),
        own.energy.hours_air_floated,
        cap(&mild),
        mild.energy.hours_air_floated,
        cap(&hot),
        hot.energy.hours_air_floated
    );
    assert_eq!(
        own.energy.hours_air_floated, 0,
        "sized for its own design hour"
    );
    assert!(cap(&mild) < cap(&own) && cap(&own) <= cap(&hot));
    assert!(mild.energy.hours_air_floated > 0);
    assert!(
        mild.hourly_thermal.max_inlet_c > own.hourly_thermal.max_inlet_c,
        "floating supply air warms the racks"
    );
    assert_eq!(hot.energy.hours_air_floated, 0);
    // a wet bulb above the dry bulb is refused, naming the field
    let mut bad = base.facility.clone().into_inner();
    bad.plant = Some(PlantSizing {
        design: Some(SizingCondition {
            dry_bulb_c: 30.0,
            wet_bulb_c: 31.0,
        }),
        ..PlantSizing::default()
    });
    let e = validate_facility(bad, std::path::Path::new("f.json")).unwrap_err();
    assert!(e.to_string().contains("plant.design.wet_bulb_c"), "{e}");
}

fn a_larger_plant_never_raises_exceedance_hours() {
    let base = facility("ai-hall-20mw.json");
    let model = prepared(&base);
    let s = site("daegu", 0.0);
    // fixed chiller capacities from a third of the design load up to more than all of it
    let mut last: Option<(usize, usize, f64)> = None;
    for kw in [2_000.0, 4_000.0, 6_000.0, 10_000.0, 40_000.0] {
        let f = changed(&base, |f| {
            f.plant = Some(PlantSizing {
                chiller_fixed_kw: Some(kw),
                ..PlantSizing::default()
            })
        });
        let m = run(&s, &f, &model).metrics;
        let now = (
            m.energy.hours_air_floated,
            m.hourly_thermal.rack_hours_outside_recommended,
            m.hourly_thermal.max_inlet_c,
        );
        println!("chillers {kw} kW: floated, rack-hours outside recommended, max inlet {now:?}");
        if kw == 2_000.0 {
            assert!(now.0 > 0, "the smallest plant should run out of capacity");
        }
        if let Some(prev) = last {
            assert!(
                now.0 <= prev.0 && now.1 <= prev.1 && now.2 <= prev.2 + 1e-12,
                "a larger plant ({kw} kW) made it worse: {prev:?} -> {now:?}"
            );
        }
        last = Some(now);
    }
    assert_eq!(
        last.map(|l| l.0),
        Some(0),
        "the largest plant holds the set point"
    );
}

fn more_halls_than_the_land_holds_are_reported_not_built() {
    let f = facility("ai-campus-1gw.json");
    let model = prepared(&f);
    let s = site("gangneung", 0.0);
    let m = run(&s, &f, &model).metrics;
    let c = &m.campus;
    assert_eq!(c.halls_asked, 40);
    assert!(
        c.halls_placed < c.halls_asked,
        "40 halls of 25 MW do not fit {} x {} m",
        s.site.land.usable_width_m,
        s.site.land.usable_depth_m
    );
    assert!(c.limit.is_some(), "the campus says why halls are missing");
    assert!((c.it_mw_placed - 25.0 * c.halls_placed as f64).abs() < 1e-9);
    assert_eq!(m.energy.halls, c.halls_placed);
    let h = &m.hostable;
    assert!(h.it_mw <= c.it_mw_placed + 1e-9);
    assert_ne!(h.limited_by, "facility");
    // the year's IT energy is that of the placed halls
    let it_mwh_per_hall = m.energy.it_mwh / c.halls_placed.max(1) as f64;
    assert!(it_mwh_per_hall <= 25.0 * 8760.0 + 1e-6);
}

/// Every hour, IT plus every loss equals the facility power, to 1e-9; the year's breakdown
/// adds up to its facility energy; the heat the air side rejects is its cooling load plus the
/// chiller's and the pumps' work.
fn every_hour_balances_its_energy() {
    let f = facility("ai-campus-100mw.json");
    let s = site("daegu", 0.0);
    let year = dcplan::climate::synthesize(&dcplan::climate::MonthlyClimate {
        monthly_mean_c: &s.site.climate.monthly_mean_c,
        monthly_diurnal_range_k: s.site.climate.monthly_diurnal_range_c.as_deref(),
        monthly_rh_pct: s.site.climate.monthly_rh_pct.as_deref(),
        elevation_m: s.site.elevation_m,
    })
    .expect("synthesis")
    .year;
    let design = DesignCondition {
        dry_bulb_c: 33.0,
        wet_bulb_c: 26.0,
        sea_c: 26.0,
    };
    let (_, hours, annual) =
        annual_sized(&s.site, &f.facility, &year, 150.0, design, 4, 5000.0).expect("year");
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    let mut worst = 0.0f64;
    for r in &hours {
        let parts = r.it_kw
            + r.chiller_kw
            + r.fans_kw
            + r.pumps_kw
            + r.heat_rejection_kw
            + r.ups_loss_kw
            + r.distribution_loss_kw
            + r.liquid_fans_kw
            + r.liquid_chiller_kw
            + r.transformer_loss_kw;
        worst = worst.max(rel(parts, r.facility_kw));
        assert!(
            rel(
                r.heat_rejected_kw,
                r.cooling_load_kw + r.chiller_kw + r.pumps_kw
            ) <= 1e-12,
            "{r:?}"
        );
    }
    assert!(worst <= 1e-9, "hourly power balance off by {worst:.2e}");
    let e = &annual;
    let parts = e.it_mwh
        + e.chiller_mwh
        + e.fans_mwh
        + e.pumps_mwh
        + e.heat_rejection_mwh
        + e.ups_loss_mwh
        + e.distribution_loss_mwh
        + e.transformer_loss_mwh;
    assert!(
        rel(parts, e.facility_mwh) <= 1e-9,
        "annual parts {parts} MWh, facility {} MWh",
        e.facility_mwh
    );
    assert!(e.pue > 1.0 && e.pue < 1.5, "PUE {}", e.pue);
    assert!(e.wue_l_per_kwh >= 0.0 && e.water_m3 >= 0.0);
}
