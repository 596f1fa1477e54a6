//! The one list of numeric rules for site and facility files: every number's JSON path, its
//! bounds and its unit. [`validate`](super::validate) checks exactly these; the serde types
//! carry the same bounds as JSON Schema keywords (`minimum`, `exclusiveMinimum`, `maximum`),
//! and a test holds the schema to this list; the models (`climate`'s synthesis, the energy
//! model) take the bounds from `limits` or receive a [`Valid`](super::Valid) value and check
//! nothing again. So an editor, `dcplan validate` and `dcplan simulate` accept the same files.
//!
//! Rules that are not bounds on one number (12 monthly values, cop_max >= cop_min, wet bulb
//! <= dry bulb, id = file name, an `assumed` entry naming a field) live in `validate`.

use super::limits::{
    AISLE_M_MAX, APPROACH_K_MAX, CARBON_KG_PER_KWH_MAX, CLEARANCE_M_MAX, COP_MAX, DISTANCE_KM_MAX,
    DISTRIBUTION_V_MAX, DIURNAL_RANGE_K_MAX, ELEVATION_MAX_M, ELEVATION_MIN_M, HEADROOM_MW_MAX,
    IT_LOAD_MW_MAX, LAND_SIDE_M_MAX, LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG,
    MONTHLY_MEAN_MAX_C, MONTHLY_MEAN_MIN_C, RACK_KW_MAX, RACK_SIDE_M_MAX, RH_MAX_PCT, RH_MIN_PCT,
    TARIFF_KRW_PER_KWH_MAX, TEMP_MAX_C, TEMP_MIN_C, VOLTAGE_KV_MAX,
};
use super::limits::{
    AISLE_M_MIN, APPROACH_K_MIN, BUSWAY_S_M_MAX, BUSWAY_S_M_MIN, CARNOT_EFFICIENCY_MIN,
    CEILING_HEIGHT_M_MIN, COP_MIN, DELTA_T_K_MIN, DISTRIBUTION_V_MIN, IT_LOAD_MW_MIN, KV_MIN,
    K_EFF_W_MK_MIN, LAND_SIDE_M_MIN, RACK_HEIGHT_M_MIN, RACK_KW_MIN, RACK_SIDE_M_MIN,
    SUPPLY_AIR_MAX_C, SUPPLY_AIR_MIN_C, TRANSFORMER_EFFICIENCY_MIN, UNIT_KW_MIN,
    UPS_EFFICIENCY_MIN,
};
use super::types::{Facility, Site};

/// How a number is bounded. `max` may be `f64::MAX`: no upper bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// `min <= v <= max`.
    Range { min: f64, max: f64 },
    /// `0 <= v <= max`.
    NonNegative { max: f64 },
    /// `0 < v <= max`.
    Positive { max: f64 },
}

impl Bound {
    /// Whether a finite `v` is inside.
    pub fn holds(self, v: f64) -> bool {
        match self {
            Bound::Range { min, max } => (min..=max).contains(&v),
            Bound::NonNegative { max } => (0.0..=max).contains(&v),
            Bound::Positive { max } => v > 0.0 && v <= max,
        }
    }
}

/// One number of a file format: where it is, how it is bounded, its unit (as printed after
/// the bound, e.g. " MW"), and how to read it (`None` when an optional field is absent).
pub struct NumberRule<T> {
    pub path: &'static str,
    pub bound: Bound,
    pub unit: &'static str,
    pub value: fn(&T) -> Option<f64>,
}

/// A monthly series: exactly 12 values, each within `bound`.
pub struct MonthlyRule {
    pub path: &'static str,
    pub bound: Bound,
    pub unit: &'static str,
    pub values: fn(&Site) -> Option<&[f64]>,
}

const fn number<T>(
    path: &'static str,
    bound: Bound,
    unit: &'static str,
    value: fn(&T) -> Option<f64>,
) -> NumberRule<T> {
    NumberRule {
        path,
        bound,
        unit,
        value,
    }
}

const fn monthly(
    path: &'static str,
    bound: Bound,
    unit: &'static str,
    values: fn(&Site) -> Option<&[f64]>,
) -> MonthlyRule {
    MonthlyRule {
        path,
        bound,
        unit,
        values,
    }
}

const fn range(min: f64, max: f64) -> Bound {
    Bound::Range { min, max }
}

const fn non_negative(max: f64) -> Bound {
    Bound::NonNegative { max }
}

const fn positive(max: f64) -> Bound {
    Bound::Positive { max }
}

/// Every scalar number of a site file.
pub const SITE_NUMBERS: &[NumberRule<Site>] = &[
    number("lat", range(LAT_MIN_DEG, LAT_MAX_DEG), " °N", |s| {
        Some(s.lat)
    }),
    number("lon", range(LON_MIN_DEG, LON_MAX_DEG), " °E", |s| {
        Some(s.lon)
    }),
    number(
        "elevation_m",
        range(ELEVATION_MIN_M, ELEVATION_MAX_M),
        " m",
        |s| Some(s.elevation_m),
    ),
    number(
        "climate.design.dry_bulb_c",
        range(TEMP_MIN_C, TEMP_MAX_C),
        " °C",
        |s| s.climate.design.as_ref().map(|d| d.dry_bulb_c),
    ),
    number(
        "climate.design.coincident_wet_bulb_c",
        range(TEMP_MIN_C, TEMP_MAX_C),
        " °C",
        |s| s.climate.design.as_ref().map(|d| d.coincident_wet_bulb_c),
    ),
    number(
        "power.grid_headroom_mw",
        non_negative(HEADROOM_MW_MAX),
        "",
        |s| s.power.grid_headroom_mw,
    ),
    number(
        "power.connection_voltage_kv",
        range(KV_MIN, VOLTAGE_KV_MAX),
        " kV",
        |s| Some(s.power.connection_voltage_kv),
    ),
    number(
        "power.substation_distance_km",
        non_negative(DISTANCE_KM_MAX),
        " km",
        |s| Some(s.power.substation_distance_km),
    ),
    number(
        "power.tariff_krw_per_kwh",
        positive(TARIFF_KRW_PER_KWH_MAX),
        " KRW/kWh",
        |s| Some(s.power.tariff_krw_per_kwh),
    ),
    number(
        "power.grid_carbon_kg_per_kwh",
        non_negative(CARBON_KG_PER_KWH_MAX),
        " kg/kWh",
        |s| Some(s.power.grid_carbon_kg_per_kwh),
    ),
    number(
        "land.usable_width_m",
        range(LAND_SIDE_M_MIN, LAND_SIDE_M_MAX),
        " m",
        |s| Some(s.land.usable_width_m),
    ),
    number(
        "land.usable_depth_m",
        range(LAND_SIDE_M_MIN, LAND_SIDE_M_MAX),
        " m",
        |s| Some(s.land.usable_depth_m),
    ),
    number("hazards.seismic", range(0.0, 1.0), "", |s| {
        Some(s.hazards.seismic)
    }),
    number("hazards.flood", range(0.0, 1.0), "", |s| {
        Some(s.hazards.flood)
    }),
    number("hazards.typhoon", range(0.0, 1.0), "", |s| {
        Some(s.hazards.typhoon)
    }),
    number(
        "distance_to_seoul_km",
        non_negative(DISTANCE_KM_MAX),
        " km",
        |s| Some(s.distance_to_seoul_km),
    ),
];

/// The monthly series of a site file.
pub const SITE_MONTHLY: &[MonthlyRule] = &[
    monthly(
        "climate.monthly_mean_c",
        range(MONTHLY_MEAN_MIN_C, MONTHLY_MEAN_MAX_C),
        " °C",
        |s| Some(&s.climate.monthly_mean_c),
    ),
    monthly(
        "climate.monthly_diurnal_range_c",
        non_negative(DIURNAL_RANGE_K_MAX),
        " K",
        |s| s.climate.monthly_diurnal_range_c.as_deref(),
    ),
    monthly(
        "climate.monthly_rh_pct",
        range(RH_MIN_PCT, RH_MAX_PCT),
        " %",
        |s| s.climate.monthly_rh_pct.as_deref(),
    ),
];

/// Every number of a facility file but `racks_per_row` (an integer, at least 1).
pub const FACILITY_NUMBERS: &[NumberRule<Facility>] = &[
    number(
        "it_load_mw",
        range(IT_LOAD_MW_MIN, IT_LOAD_MW_MAX),
        " MW",
        |f| Some(f.it_load_mw),
    ),
    number(
        "rack_kw",
        range(RACK_KW_MIN, RACK_KW_MAX),
        " kW per rack",
        |f| Some(f.rack_kw),
    ),
    number(
        "rack_width_m",
        range(RACK_SIDE_M_MIN, RACK_SIDE_M_MAX),
        " m",
        |f| Some(f.rack_width_m),
    ),
    number(
        "rack_depth_m",
        range(RACK_SIDE_M_MIN, RACK_SIDE_M_MAX),
        " m",
        |f| Some(f.rack_depth_m),
    ),
    number("cold_aisle_m", range(AISLE_M_MIN, AISLE_M_MAX), " m", |f| {
        Some(f.cold_aisle_m)
    }),
    number("hot_aisle_m", range(AISLE_M_MIN, AISLE_M_MAX), " m", |f| {
        Some(f.hot_aisle_m)
    }),
    number(
        "perimeter_clearance_m",
        non_negative(CLEARANCE_M_MAX),
        " m",
        |f| Some(f.perimeter_clearance_m),
    ),
    number(
        "cooling.supply_setpoint_c",
        range(SUPPLY_AIR_MIN_C, SUPPLY_AIR_MAX_C),
        " °C",
        |f| Some(f.cooling.supply_setpoint_c),
    ),
    number(
        "cooling.supply_delta_t_k",
        range(DELTA_T_K_MIN, APPROACH_K_MAX),
        " K",
        |f| Some(f.cooling.supply_delta_t_k),
    ),
    number(
        "cooling.economizer_approach_k",
        non_negative(APPROACH_K_MAX),
        " K",
        |f| Some(f.cooling.economizer_approach_k),
    ),
    number(
        "cooling.tower_or_drycooler_approach_k",
        non_negative(APPROACH_K_MAX),
        " K",
        |f| Some(f.cooling.tower_or_drycooler_approach_k),
    ),
    number(
        "cooling.heat_rejection_fan_fraction",
        non_negative(1.0),
        "",
        |f| Some(f.cooling.heat_rejection_fan_fraction),
    ),
    number(
        "cooling.chiller_carnot_efficiency",
        range(CARNOT_EFFICIENCY_MIN, 1.0),
        "",
        |f| Some(f.cooling.chiller_carnot_efficiency),
    ),
    number(
        "cooling.chiller_cop_min",
        range(COP_MIN, COP_MAX),
        "",
        |f| Some(f.cooling.chiller_cop_min),
    ),
    number(
        "cooling.chiller_cop_max",
        range(COP_MIN, COP_MAX),
        "",
        |f| Some(f.cooling.chiller_cop_max),
    ),
    number("ups_efficiency", range(UPS_EFFICIENCY_MIN, 1.0), "", |f| {
        Some(f.ups_efficiency)
    }),
    number("fan_power_fraction", non_negative(1.0), "", |f| {
        Some(f.fan_power_fraction)
    }),
    number("pump_power_fraction", non_negative(1.0), "", |f| {
        Some(f.pump_power_fraction)
    }),
    number("movers.min_speed_fraction", range(0.0, 1.0), "", |f| {
        f.movers.as_ref().map(|m| m.min_speed_fraction)
    }),
    number(
        "distribution_voltage_v",
        range(DISTRIBUTION_V_MIN, DISTRIBUTION_V_MAX),
        " V",
        |f| Some(f.distribution_voltage_v),
    ),
    number(
        "busway_conductance_s_m",
        range(BUSWAY_S_M_MIN, BUSWAY_S_M_MAX),
        " S·m",
        |f| Some(f.busway_conductance_s_m),
    ),
    number("campus.halls", range(1.0, 500.0), " halls", |f| {
        f.campus.as_ref().map(|c| f64::from(c.halls))
    }),
    number(
        "campus.hall_gap_m",
        range(0.0, CLEARANCE_M_MAX),
        " m",
        |f| f.campus.as_ref().map(|c| c.hall_gap_m),
    ),
    number(
        "campus.yard_m2_per_mw",
        range(0.0, 10_000.0),
        " m² per MW",
        |f| f.campus.as_ref().map(|c| c.yard_m2_per_mw),
    ),
    number("campus.substation_m2", range(0.0, 1.0e6), " m²", |f| {
        f.campus.as_ref().map(|c| c.substation_m2)
    }),
    number("campus.setback_m", range(0.0, CLEARANCE_M_MAX), " m", |f| {
        f.campus.as_ref().map(|c| c.setback_m)
    }),
    number(
        "electrical.mv_kv",
        range(KV_MIN, VOLTAGE_KV_MAX),
        " kV",
        |f| f.electrical.as_ref().map(|e| e.mv_kv),
    ),
    number("electrical.unit_substations", range(1.0, 64.0), "", |f| {
        f.electrical.as_ref().map(|e| f64::from(e.unit_substations))
    }),
    number(
        "electrical.transformer_efficiency",
        range(TRANSFORMER_EFFICIENCY_MIN, 1.0),
        "",
        |f| f.electrical.as_ref().map(|e| e.transformer_efficiency),
    ),
    number(
        "electrical.mv_cable_ohm_per_km",
        range(0.0, 10.0),
        " ohm/km",
        |f| f.electrical.as_ref().map(|e| e.mv_cable_ohm_per_km),
    ),
    number(
        "electrical.mv_cable_km",
        range(0.0, DISTANCE_KM_MAX),
        " km",
        |f| f.electrical.as_ref().map(|e| e.mv_cable_km),
    ),
    number("air.containment_leakage", range(0.0, 0.99), "", |f| {
        f.air.as_ref().map(|a| a.containment_leakage)
    }),
    number("air.tile_overshoot", range(0.0, 0.99), "", |f| {
        f.air.as_ref().map(|a| a.tile_overshoot)
    }),
    number(
        "air.k_eff_w_mk",
        range(K_EFF_W_MK_MIN, 10_000.0),
        " W/(m K)",
        |f| f.air.as_ref().map(|a| a.k_eff_w_mk),
    ),
    number(
        "air.rack_height_m",
        range(RACK_HEIGHT_M_MIN, RACK_SIDE_M_MAX),
        " m",
        |f| f.air.as_ref().map(|a| a.rack_height_m),
    ),
    number(
        "air.ceiling_height_m",
        range(CEILING_HEIGHT_M_MIN, 50.0),
        " m",
        |f| f.air.as_ref().map(|a| a.ceiling_height_m),
    ),
    number("liquid.share", positive(1.0), "", |f| {
        f.liquid.as_ref().map(|l| l.share)
    }),
    number(
        "liquid.supply_setpoint_c",
        range(TEMP_MIN_C, TEMP_MAX_C),
        " °C",
        |f| f.liquid.as_ref().map(|l| l.supply_setpoint_c),
    ),
    number(
        "liquid.class_limit_c",
        range(TEMP_MIN_C, TEMP_MAX_C),
        " °C",
        |f| f.liquid.as_ref().map(|l| l.class_limit_c),
    ),
    number(
        "liquid.cdu_approach_k",
        range(0.0, APPROACH_K_MAX),
        " K",
        |f| f.liquid.as_ref().map(|l| l.cdu_approach_k),
    ),
    number(
        "liquid.delta_t_k",
        range(DELTA_T_K_MIN, APPROACH_K_MAX),
        " K",
        |f| f.liquid.as_ref().map(|l| l.delta_t_k),
    ),
    number(
        "liquid.design_approach_k",
        range(APPROACH_K_MIN, APPROACH_K_MAX),
        " K",
        |f| f.liquid.as_ref().map(|l| l.design_approach_k),
    ),
    number("liquid.unit_kw", range(UNIT_KW_MIN, 1.0e6), " kW", |f| {
        f.liquid.as_ref().map(|l| l.unit_kw)
    }),
    number("liquid.spare_units", range(0.0, 100.0), "", |f| {
        f.liquid.as_ref().map(|l| f64::from(l.spare_units))
    }),
    number("liquid.fan_kw_per_kw", range(0.0, 1.0), "", |f| {
        f.liquid.as_ref().map(|l| l.fan_kw_per_kw)
    }),
    number("liquid.adiabatic_effectiveness", range(0.0, 1.0), "", |f| {
        f.liquid.as_ref().and_then(|l| l.adiabatic_effectiveness)
    }),
    number("liquid.trim_chiller_share", range(0.0, 2.0), "", |f| {
        f.liquid.as_ref().and_then(|l| l.trim_chiller_share)
    }),
    number(
        "liquid.cycles_of_concentration",
        range(1.1, 50.0),
        "",
        |f| f.liquid.as_ref().map(|l| l.cycles_of_concentration),
    ),
    number("plant.chiller_fixed_kw", range(0.0, 1.0e7), " kW", |f| {
        f.plant.as_ref().and_then(|p| p.chiller_fixed_kw)
    }),
    number(
        "plant.design.dry_bulb_c",
        range(TEMP_MIN_C, TEMP_MAX_C),
        " °C",
        |f| {
            f.plant
                .as_ref()
                .and_then(|p| p.design)
                .map(|d| d.dry_bulb_c)
        },
    ),
    number(
        "plant.design.wet_bulb_c",
        range(TEMP_MIN_C, TEMP_MAX_C),
        " °C",
        |f| {
            f.plant
                .as_ref()
                .and_then(|p| p.design)
                .map(|d| d.wet_bulb_c)
        },
    ),
    number(
        "plant.chiller_unit_kw",
        range(UNIT_KW_MIN, 1.0e6),
        " kW",
        |f| f.plant.as_ref().map(|p| p.chiller_unit_kw),
    ),
    number("plant.spare_units", range(0.0, 100.0), "", |f| {
        f.plant.as_ref().map(|p| f64::from(p.spare_units))
    }),
    number("plant.cycles_of_concentration", range(1.1, 50.0), "", |f| {
        f.plant.as_ref().map(|p| p.cycles_of_concentration)
    }),
];
