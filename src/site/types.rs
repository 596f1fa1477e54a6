//! Serde types for site files (`sites/*.json`) and facility files (`sites/facilities/*.json`).
//!
//! Every struct rejects unknown fields. Doc comments on fields become the JSON Schema
//! descriptions, and the `schemars` range attributes carry the bounds of `crate::site::rules`
//! (`exclusiveMinimum: 0` where a value must be positive), so an editor flags what `dcplan
//! validate` rejects; a test in `schema` holds the two together.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::site::limits::{
    AISLE_M_MIN, APPROACH_K_MIN, BUSWAY_S_M_MAX, BUSWAY_S_M_MIN, CARNOT_EFFICIENCY_MIN,
    CEILING_HEIGHT_M_MIN, COP_MIN, DELTA_T_K_MIN, DISTRIBUTION_V_MIN, IT_LOAD_MW_MIN, KV_MIN,
    K_EFF_W_MK_MIN, LAND_SIDE_M_MIN, RACK_HEIGHT_M_MIN, RACK_KW_MIN, RACK_SIDE_M_MIN,
    SUPPLY_AIR_MAX_C, SUPPLY_AIR_MIN_C, TRANSFORMER_EFFICIENCY_MIN, UNIT_KW_MIN,
    UPS_EFFICIENCY_MIN,
};
use crate::site::ranges::Range;

use crate::site::limits::{
    AISLE_M_MAX, APPROACH_K_MAX, CARBON_KG_PER_KWH_MAX, CLEARANCE_M_MAX, COP_MAX, DISTANCE_KM_MAX,
    DISTRIBUTION_V_MAX, DIURNAL_RANGE_K_MAX, ELEVATION_MAX_M, ELEVATION_MIN_M, HEADROOM_MW_MAX,
    IT_LOAD_MW_MAX, LAND_SIDE_M_MAX, LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG,
    MONTHLY_MEAN_MAX_C, MONTHLY_MEAN_MIN_C, MONTHS, RACK_KW_MAX, RACK_SIDE_M_MAX, RH_MAX_PCT,
    RH_MIN_PCT, TARIFF_KRW_PER_KWH_MAX, TEMP_MAX_C, TEMP_MIN_C, VOLTAGE_KV_MAX,
};

/// One candidate site: where it is, its climate, its grid connection, its land and hazards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "dcplan site")]
pub struct Site {
    /// Optional link to this schema, for editors. Ignored by dcplan.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Short identifier: lowercase ASCII letters, digits, `_` or `-`. Must equal the file name
    /// without `.json`.
    #[schemars(regex(pattern = r"^[a-z0-9_-]+$"), length(min = 1))]
    pub id: String,
    /// Name in English.
    #[schemars(length(min = 1))]
    pub name_en: String,
    /// Name in Korean (Hangul).
    #[schemars(length(min = 1))]
    pub name_ko: String,
    /// Province or metropolitan city, in English.
    #[schemars(length(min = 1))]
    pub province: String,
    /// Latitude, degrees north (WGS 84).
    #[schemars(range(min = LAT_MIN_DEG, max = LAT_MAX_DEG))]
    pub lat: f64,
    /// Longitude, degrees east (WGS 84).
    #[schemars(range(min = LON_MIN_DEG, max = LON_MAX_DEG))]
    pub lon: f64,
    /// Ground elevation, metres above mean sea level.
    #[schemars(range(min = ELEVATION_MIN_M, max = ELEVATION_MAX_M))]
    pub elevation_m: f64,
    /// Outdoor climate at the site.
    pub climate: Climate,
    /// Grid connection and electricity prices.
    pub power: Power,
    /// Buildable plot.
    pub land: Land,
    /// Natural-hazard exposure scores.
    pub hazards: Hazards,
    /// Great-circle distance to Seoul City Hall, km (for a latency criterion).
    #[schemars(range(min = 0.0, max = DISTANCE_KM_MAX))]
    pub distance_to_seoul_km: f64,
    /// Where each figure comes from, one citation per entry.
    #[schemars(length(min = 1))]
    pub sources: Vec<String>,
    /// JSON paths (`power.grid_headroom_mw`, `climate.monthly_rh_pct`) of every figure that is
    /// an assumption rather than a sourced fact. Each must name a field present in this file.
    #[serde(default)]
    pub assumed: Vec<String>,
    /// Ranges of uncertain figures, by JSON path of a scalar number of this file (see
    /// `site::ranges`); an assumed figure without one gets its kind's default range.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<String, Range>,
}

/// Climate inputs. Monthly series run January to December.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Climate {
    /// The KMA station whose normals are used.
    pub kma_station: KmaStation,
    /// 1991-2020 monthly mean air temperature normals, °C, exactly 12 values.
    #[schemars(
        length(min = MONTHS, max = MONTHS),
        inner(range(min = MONTHLY_MEAN_MIN_C, max = MONTHLY_MEAN_MAX_C))
    )]
    pub monthly_mean_c: Vec<f64>,
    /// Mean daily maximum minus mean daily minimum for each month, K (°C difference), 12 values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = MONTHS, max = MONTHS),
        inner(range(min = 0.0, max = DIURNAL_RANGE_K_MAX))
    )]
    pub monthly_diurnal_range_c: Option<Vec<f64>>,
    /// Monthly mean relative humidity, %, 12 values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = MONTHS, max = MONTHS),
        inner(range(min = RH_MIN_PCT, max = RH_MAX_PCT))
    )]
    pub monthly_rh_pct: Option<Vec<f64>>,
    /// Cooling design condition (for example ASHRAE 0.4 % dry bulb with its mean coincident
    /// wet bulb).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<CoolingDesign>,
    /// Path to an EnergyPlus weather file, relative to the folder holding this site file. When
    /// present it replaces the year synthesised from the monthly values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub epw: Option<String>,
}

/// A Korea Meteorological Administration observing station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KmaStation {
    /// KMA station number (ASOS point), e.g. 138 for Pohang.
    pub id: u32,
    /// Station name as KMA writes it.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Why this station: required reading when the normals come from a nearby station because
    /// the site's own station has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Cooling design condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoolingDesign {
    /// Design outdoor dry-bulb temperature, °C.
    #[schemars(range(min = TEMP_MIN_C, max = TEMP_MAX_C))]
    pub dry_bulb_c: f64,
    /// Wet-bulb temperature coincident with the design dry bulb, °C; not above the dry bulb.
    #[schemars(range(min = TEMP_MIN_C, max = TEMP_MAX_C))]
    pub coincident_wet_bulb_c: f64,
    /// Which design condition this is (percentile, edition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Grid connection and electricity economics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Power {
    /// Override of the grid's headroom for a new load here, MW. Absent: the hosting capacity
    /// computed from the national grid model (`sites/grid/`) is used; present, this figure
    /// replaces it (and is reported as an override), e.g. where the site is off the modelled
    /// network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = HEADROOM_MW_MAX))]
    pub grid_headroom_mw: Option<f64>,
    /// Supply voltage of the connection, kV (22.9 distribution, 154 or 345 transmission).
    #[schemars(range(min = KV_MIN, max = VOLTAGE_KV_MAX))]
    pub connection_voltage_kv: f64,
    /// Distance from the site to the substation that would feed it, km.
    #[schemars(range(min = 0.0, max = DISTANCE_KM_MAX))]
    pub substation_distance_km: f64,
    /// Energy tariff, KRW per kWh.
    #[schemars(range(max = TARIFF_KRW_PER_KWH_MAX), extend("exclusiveMinimum" = 0.0))]
    pub tariff_krw_per_kwh: f64,
    /// Grid emission factor, kg CO2 per kWh consumed.
    #[schemars(range(min = 0.0, max = CARBON_KG_PER_KWH_MAX))]
    pub grid_carbon_kg_per_kwh: f64,
    /// Generation nearby, free text with its citation.
    #[serde(default)]
    pub nearby_generation: Vec<String>,
    /// Bus of the national network model the site connects to (`sites/grid/buses.csv` id,
    /// e.g. `S102-154`); when absent, the nearest bus of the connection voltage is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub grid_bus: Option<String>,
}

/// Buildable plot, as a rectangle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Land {
    /// Usable plot width, m.
    #[schemars(range(min = LAND_SIDE_M_MIN, max = LAND_SIDE_M_MAX))]
    pub usable_width_m: f64,
    /// Usable plot depth, m.
    #[schemars(range(min = LAND_SIDE_M_MIN, max = LAND_SIDE_M_MAX))]
    pub usable_depth_m: f64,
}

/// Hazard exposure scores, 0 (none) to 1 (worst among Korean sites).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hazards {
    /// Earthquake exposure, 0-1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub seismic: f64,
    /// River, coastal or urban flooding exposure, 0-1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub flood: f64,
    /// Typhoon exposure, 0-1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub typhoon: f64,
    /// How the scores were chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One facility design, evaluated at every site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "dcplan facility")]
pub struct Facility {
    /// Optional link to this schema, for editors. Ignored by dcplan.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Human-readable name of the design.
    #[schemars(length(min = 1))]
    pub name: String,
    /// IT load at full utilisation, MW.
    #[schemars(range(min = IT_LOAD_MW_MIN, max = IT_LOAD_MW_MAX))]
    pub it_load_mw: f64,
    /// Electrical (= heat) load per rack, kW; at most 300.
    #[schemars(range(min = RACK_KW_MIN, max = RACK_KW_MAX))]
    pub rack_kw: f64,
    /// Rack width along the row, m.
    #[schemars(range(min = RACK_SIDE_M_MIN, max = RACK_SIDE_M_MAX))]
    pub rack_width_m: f64,
    /// Rack depth across the row (front to back), m.
    #[schemars(range(min = RACK_SIDE_M_MIN, max = RACK_SIDE_M_MAX))]
    pub rack_depth_m: f64,
    /// Racks in one row; the last row may be shorter.
    #[schemars(range(min = 1))]
    pub racks_per_row: u32,
    /// Width of each cold aisle (between two rack fronts), m.
    #[schemars(range(min = AISLE_M_MIN, max = AISLE_M_MAX))]
    pub cold_aisle_m: f64,
    /// Width of each hot aisle (between two rack backs), m.
    #[schemars(range(min = AISLE_M_MIN, max = AISLE_M_MAX))]
    pub hot_aisle_m: f64,
    /// Clear band on all four sides of the rack block for cooling units and access, m.
    #[schemars(range(min = 0.0, max = CLEARANCE_M_MAX))]
    pub perimeter_clearance_m: f64,
    /// Cooling plant.
    pub cooling: Cooling,
    /// UPS efficiency at the design load, fraction (0-1].
    #[schemars(range(min = UPS_EFFICIENCY_MIN, max = 1.0))]
    pub ups_efficiency: f64,
    /// Air-moving fan power in the hall, kW per kW of IT load.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub fan_power_fraction: f64,
    /// Chilled- or cooling-water pump power, kW per kW of IT load.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub pump_power_fraction: f64,
    /// Nominal in-hall distribution voltage (line to line), V.
    #[schemars(range(min = DISTRIBUTION_V_MIN, max = DISTRIBUTION_V_MAX))]
    pub distribution_voltage_v: f64,
    /// Busway conductance per unit length, in siemens times metres (S·m): a run of length L m
    /// has conductance `busway_conductance_s_m / L` S. Equals 1 / (resistance per metre).
    #[schemars(range(min = BUSWAY_S_M_MIN, max = BUSWAY_S_M_MAX))]
    pub busway_conductance_s_m: f64,
    /// The campus: how many identical halls share `it_load_mw`, and what stands beside them.
    /// Absent: one hall on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campus: Option<Campus>,
    /// Power delivery to and inside each hall. Absent: two feeds (one at each end wall).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electrical: Option<Electrical>,
    /// How the hall's air moves (supply, containment, mixing). Absent: the defaults of
    /// [`AirDesign`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air: Option<AirDesign>,
    /// Direct-to-chip liquid cooling of a share of each rack's heat. Absent: all heat to air.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquid: Option<LiquidCooling>,
    /// How the air-side chillers are sized. Absent: sized at the site's design condition with
    /// one spare unit (see [`PlantSizing`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plant: Option<PlantSizing>,
    /// UPS efficiency against load: (load fraction, efficiency) points, load ascending;
    /// linear between them, constant beyond. Absent: `ups_efficiency` at every load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ups_curve: Option<Vec<[f64; 2]>>,
    /// IT utilisation by hour of the day (24 fractions, hour ending 1..24). Absent: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilisation: Option<Vec<f64>>,
    /// How the hall fans and the pumps follow the heat they move. Absent: variable speed with
    /// the defaults of [`Movers`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movers: Option<Movers>,
    /// Where each figure comes from, one citation per entry.
    #[schemars(length(min = 1))]
    pub sources: Vec<String>,
    /// JSON paths of every figure that is an assumption rather than a sourced fact.
    #[serde(default)]
    pub assumed: Vec<String>,
    /// Ranges of uncertain figures, by JSON path of a scalar number of this file (see
    /// `site::ranges`); an assumed figure without one gets its kind's default range.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<String, Range>,
}

/// Hall fans and pumps: `fan_power_fraction` and `pump_power_fraction` are their power at
/// design flow; at variable speed the flow follows the heat to move (constant temperature
/// rise) and the power the cube of the flow (fan and pump affinity laws on a system curve
/// through the origin), not below `min_speed_fraction` of design flow.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Movers {
    /// Variable-speed drives on the hall fans and the pumps (false: constant flow).
    #[serde(default = "Movers::default_variable_speed")]
    pub variable_speed: bool,
    /// Lowest speed (= flow) the drives run at, fraction of design flow.
    #[serde(default = "Movers::default_min_speed_fraction")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub min_speed_fraction: f64,
}

impl Movers {
    fn default_variable_speed() -> bool {
        true
    }

    /// Assumed: variable-frequency drives on fans and pumps are commonly limited to about
    /// 20-30 % of full speed; 0.3 is taken.
    fn default_min_speed_fraction() -> f64 {
        0.3
    }

    /// Flow fraction the drives run at for a heat-flow fraction `load` of design, and the
    /// power fraction of design power at that flow.
    pub fn power_fraction(&self, load: f64) -> f64 {
        if !self.variable_speed {
            return 1.0;
        }
        let flow = load.clamp(self.min_speed_fraction, 1.0);
        flow * flow * flow
    }
}

impl Default for Movers {
    fn default() -> Self {
        Movers {
            variable_speed: Self::default_variable_speed(),
            min_speed_fraction: Self::default_min_speed_fraction(),
        }
    }
}

/// A campus of identical halls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Campus {
    /// Halls, each carrying `it_load_mw / halls`; as many as the land holds are built.
    #[schemars(range(min = 1, max = 500))]
    pub halls: u32,
    /// Clear space between halls, m.
    #[schemars(range(min = 0.0, max = CLEARANCE_M_MAX))]
    pub hall_gap_m: f64,
    /// Heat-rejection yard (dry coolers, towers, chillers) per MW of IT, m².
    #[schemars(range(min = 0.0, max = 10_000.0))]
    pub yard_m2_per_mw: f64,
    /// MV substation (transformers, switchgear) area, m².
    #[schemars(range(min = 0.0, max = 1.0e6))]
    pub substation_m2: f64,
    /// Setback from the land boundary, m.
    #[schemars(range(min = 0.0, max = CLEARANCE_M_MAX))]
    pub setback_m: f64,
}

/// Medium voltage to unit substations in each hall, low voltage (`distribution_voltage_v`)
/// from them to the rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Electrical {
    /// Campus distribution voltage, kV (22.9 in Korea).
    #[schemars(range(min = KV_MIN, max = VOLTAGE_KV_MAX))]
    pub mv_kv: f64,
    /// Unit substations (MV/LV transformers) per hall; they feed the main busbars along the
    /// two end walls, half at each, evenly spaced.
    #[schemars(range(min = 1, max = 64))]
    pub unit_substations: u32,
    /// Efficiency of a unit substation transformer at full load, (0, 1].
    #[schemars(range(min = TRANSFORMER_EFFICIENCY_MIN, max = 1.0))]
    pub transformer_efficiency: f64,
    /// Resistance of the MV cable from the campus substation to a hall, ohm per km per phase.
    #[schemars(range(min = 0.0, max = 10.0))]
    pub mv_cable_ohm_per_km: f64,
    /// Mean MV cable length from the campus substation to a hall, km.
    #[schemars(range(min = 0.0, max = DISTANCE_KM_MAX))]
    pub mv_cable_km: f64,
}

/// Where supply air enters a hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AirSupply {
    /// Perforated tiles over a raised-floor plenum, covering the cold aisles.
    FloorTiles,
    /// Cooling units (fan walls) in the clearance bands at the two end walls.
    Perimeter,
}

/// Aisle containment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Containment {
    None,
    /// Doors at both ends of every cold aisle and a roof over it at rack height.
    ColdAisle,
    /// Doors at both ends of every hot aisle and a roof ducted to the ceiling returns.
    HotAisle,
}

/// How a hall's air moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AirDesign {
    pub supply: AirSupply,
    pub containment: Containment,
    /// Open fraction of containment doors and roofs (leakage), [0, 1).
    #[schemars(range(min = 0.0, max = 0.99))]
    pub containment_leakage: f64,
    /// Share of floor-tile supply that overshoots the rack tops into the room above when the
    /// tiles supply the racks' airflow, [0, 1); the share follows the supply-to-rack flow ratio
    /// (`model::airflow::AirLayout::tile_jets`).
    #[schemars(range(min = 0.0, max = 0.99))]
    pub tile_overshoot: f64,
    /// Effective (turbulent) conductivity of the hall air, W/(m K).
    #[schemars(range(min = K_EFF_W_MK_MIN, max = 10_000.0))]
    pub k_eff_w_mk: f64,
    /// Rack height (the air layer the plan resolves), m.
    #[schemars(range(min = RACK_HEIGHT_M_MIN, max = RACK_SIDE_M_MAX))]
    pub rack_height_m: f64,
    /// Hall clear height, floor to ceiling, m; at least the rack height.
    #[schemars(range(min = CEILING_HEIGHT_M_MIN, max = 50.0))]
    pub ceiling_height_m: f64,
}

impl Default for AirDesign {
    /// Floor tiles, no containment, the tile overshoot the CFD of benches/cfd calibrates,
    /// 30 W/(m K) mixing, 2.0 m racks under a 3.0 m ceiling — all assumed.
    fn default() -> Self {
        AirDesign {
            supply: AirSupply::FloorTiles,
            containment: Containment::None,
            containment_leakage: 0.02,
            tile_overshoot: 0.15,
            k_eff_w_mk: 30.0,
            rack_height_m: 2.0,
            ceiling_height_m: 3.0,
        }
    }
}

/// What rejects the facility water's heat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectionKind {
    DryCooler,
    WetTower,
    Seawater,
}

/// Direct-to-chip liquid cooling: a facility-water loop for the liquid share of the heat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LiquidCooling {
    /// Share of each rack's heat taken by its cold plates, (0, 1].
    #[schemars(range(max = 1.0), extend("exclusiveMinimum" = 0.0))]
    pub share: f64,
    /// Facility-water supply set point, °C.
    #[schemars(range(min = TEMP_MIN_C, max = TEMP_MAX_C))]
    pub supply_setpoint_c: f64,
    /// Highest facility-water supply the equipment's ASHRAE W class allows, °C (W32: 32).
    #[schemars(range(min = TEMP_MIN_C, max = TEMP_MAX_C))]
    pub class_limit_c: f64,
    /// Coolant at the cold plates above the facility water (CDU approach), K.
    #[schemars(range(min = 0.0, max = APPROACH_K_MAX))]
    pub cdu_approach_k: f64,
    /// Facility-water rise at full load, K.
    #[schemars(range(min = DELTA_T_K_MIN, max = APPROACH_K_MAX))]
    pub delta_t_k: f64,
    pub rejection: RejectionKind,
    /// Approach of the rejection equipment's leaving water to its source (dry bulb, wet bulb or
    /// sea) at design load, K.
    #[schemars(range(min = APPROACH_K_MIN, max = APPROACH_K_MAX))]
    pub design_approach_k: f64,
    /// Capacity of one rejection unit, kW.
    #[schemars(range(min = UNIT_KW_MIN, max = 1.0e6))]
    pub unit_kw: f64,
    /// Units installed beyond those the design load needs.
    #[schemars(range(min = 0, max = 100))]
    pub spare_units: u32,
    /// Fan (or seawater pump) power at full speed per kW of installed capacity.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub fan_kw_per_kw: f64,
    /// Adiabatic pre-cooling pad effectiveness (dry coolers only); absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub adiabatic_effectiveness: Option<f64>,
    /// Trim chiller capacity as a share of the liquid design load; absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 2.0))]
    pub trim_chiller_share: Option<f64>,
    /// Cycles of concentration of wet towers (blowdown = evaporation / (cycles - 1)).
    #[schemars(range(min = 1.1, max = 50.0))]
    pub cycles_of_concentration: f64,
}

/// Sizing of the air-side chillers and their cooling towers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlantSizing {
    /// Chiller capacity, kW per hall: a fixed figure; absent: sized at the site's design
    /// condition (the chiller load at the 0.4 % design dry and wet bulb) in `chiller_unit_kw`
    /// units with `spare_units` more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0e7))]
    pub chiller_fixed_kw: Option<f64>,
    /// The outdoor condition the chillers are sized for, when one standard design is built at
    /// every site; absent: each site's own 0.4 % design dry bulb and coincident wet bulb.
    /// Ignored with `chiller_fixed_kw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<SizingCondition>,
    /// Capacity of one chiller, kW.
    #[schemars(range(min = UNIT_KW_MIN, max = 1.0e6))]
    pub chiller_unit_kw: f64,
    /// Chillers installed beyond those the design load needs.
    #[schemars(range(min = 0, max = 100))]
    pub spare_units: u32,
    /// Cycles of concentration of the air side's cooling towers.
    #[schemars(range(min = 1.1, max = 50.0))]
    pub cycles_of_concentration: f64,
}

/// An outdoor design condition stated in a facility file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SizingCondition {
    /// Dry bulb, °C.
    #[schemars(range(min = TEMP_MIN_C, max = TEMP_MAX_C))]
    pub dry_bulb_c: f64,
    /// Coincident wet bulb, °C (at most the dry bulb).
    #[schemars(range(min = TEMP_MIN_C, max = TEMP_MAX_C))]
    pub wet_bulb_c: f64,
}

impl Default for PlantSizing {
    /// Design-day sizing in 1 MW chillers with one spare, towers at four cycles (assumed).
    fn default() -> Self {
        PlantSizing {
            chiller_fixed_kw: None,
            design: None,
            chiller_unit_kw: 1000.0,
            spare_units: 1,
            cycles_of_concentration: 4.0,
        }
    }
}

impl Facility {
    /// Halls asked for (1 without a campus section).
    pub fn halls(&self) -> u32 {
        self.campus.as_ref().map_or(1, |c| c.halls.max(1))
    }

    /// IT load of one hall, MW.
    pub fn hall_it_mw(&self) -> f64 {
        self.it_load_mw / f64::from(self.halls())
    }

    pub fn air_design(&self) -> AirDesign {
        self.air.clone().unwrap_or_default()
    }

    pub fn plant_sizing(&self) -> PlantSizing {
        self.plant.clone().unwrap_or_default()
    }

    /// Share of each rack's heat that goes to air.
    pub fn air_share(&self) -> f64 {
        1.0 - self.liquid.as_ref().map_or(0.0, |l| l.share)
    }

    /// Unit substations per hall (2 without an electrical section: one per end wall).
    pub fn unit_substations(&self) -> u32 {
        self.electrical
            .as_ref()
            .map_or(2, |e| e.unit_substations.max(1))
    }

    /// IT utilisation in hour-of-day `hour` (0..24).
    pub fn utilisation_at(&self, hour: usize) -> f64 {
        self.utilisation
            .as_ref()
            .and_then(|u| u.get(hour % 24).copied())
            .unwrap_or(1.0)
    }

    /// UPS efficiency at load fraction `load` (0..1].
    pub fn ups_efficiency_at(&self, load: f64) -> f64 {
        ups_curve_at(self.ups_curve.as_deref(), self.ups_efficiency, load)
    }
}

/// Cooling plant of a facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cooling {
    /// Heat-rejection path.
    #[serde(rename = "type")]
    pub kind: CoolingType,
    /// Supply temperature delivered to the IT equipment (air at the rack inlet, or coolant at
    /// the cold plates), °C.
    #[schemars(range(min = SUPPLY_AIR_MIN_C, max = SUPPLY_AIR_MAX_C))]
    pub supply_setpoint_c: f64,
    /// Temperature rise of the air (or coolant) across the IT equipment, K.
    #[schemars(range(min = DELTA_T_K_MIN, max = APPROACH_K_MAX))]
    pub supply_delta_t_k: f64,
    /// Economizer approach: how far the supply must sit above the outdoor (or water) source
    /// temperature for free cooling, K.
    #[schemars(range(min = 0.0, max = APPROACH_K_MAX))]
    pub economizer_approach_k: f64,
    /// Cooling-tower approach to the outdoor wet bulb, or dry-cooler approach to the dry bulb,
    /// K.
    #[schemars(range(min = 0.0, max = APPROACH_K_MAX))]
    pub tower_or_drycooler_approach_k: f64,
    /// Tower or dry-cooler fan power, kW per kW of heat rejected.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub heat_rejection_fan_fraction: f64,
    /// Chiller efficiency as a fraction of the Carnot COP: COP = eta * T_evap / (T_cond -
    /// T_evap), temperatures in kelvin. (0, 1].
    #[schemars(range(min = CARNOT_EFFICIENCY_MIN, max = 1.0))]
    pub chiller_carnot_efficiency: f64,
    /// Lowest chiller COP the model may use (clamp).
    #[schemars(range(min = COP_MIN, max = COP_MAX))]
    pub chiller_cop_min: f64,
    /// Highest chiller COP the model may use (clamp, for small lifts).
    #[schemars(range(min = COP_MIN, max = COP_MAX))]
    pub chiller_cop_max: f64,
}

/// Heat-rejection path of the cooling plant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoolingType {
    /// Air cooling with an outdoor-air or water-side economizer, chillers and cooling towers
    /// as trim.
    AirEconomizer,
    /// Direct-to-chip liquid cooling rejected through dry coolers.
    DirectLiquidDryCooler,
    /// Once-through seawater (or lake water) cooling through heat exchangers.
    Seawater,
}

/// Floor area a facility's rack block needs, perimeter clearance included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// Along the rows, m.
    pub width_m: f64,
    /// Across the rows, m.
    pub depth_m: f64,
    /// Racks needed for the IT load.
    pub racks: u64,
    /// Rows of racks.
    pub rows: u64,
}

impl Facility {
    /// Racks one hall needs to carry its share of `it_load_mw` at `rack_kw` each (rounded
    /// up). Zero when the inputs are not positive and finite.
    pub fn rack_count(&self) -> u64 {
        let it = self.hall_it_mw();
        if !(it.is_finite() && self.rack_kw.is_finite() && self.rack_kw > 0.0) {
            return 0;
        }
        let exact = it * 1000.0 / self.rack_kw;
        // A tolerance so that 20 MW at 40 kW is 500 racks, not 501 from rounding noise.
        (exact - 1e-9).ceil().max(0.0) as u64
    }

    /// Floor footprint of the rack block.
    ///
    /// Rows run along the width. Between consecutive rows the aisles alternate cold, hot,
    /// cold, ... (rows face each other across a cold aisle and back onto a hot aisle), and a
    /// `perimeter_clearance_m` band surrounds the block on all four sides:
    ///
    /// - width = min(racks, racks_per_row) × rack_width_m + 2 × perimeter_clearance_m
    /// - depth = rows × rack_depth_m + ceil((rows-1)/2) × cold_aisle_m
    ///   + floor((rows-1)/2) × hot_aisle_m + 2 × perimeter_clearance_m
    pub fn footprint(&self) -> Footprint {
        let racks = self.rack_count();
        let per_row = u64::from(self.racks_per_row.max(1));
        let rows = racks.div_ceil(per_row);
        let in_longest_row = racks.min(per_row);
        let gaps = rows.saturating_sub(1);
        let cold = gaps.div_ceil(2);
        let hot = gaps / 2;
        let width_m = in_longest_row as f64 * self.rack_width_m + 2.0 * self.perimeter_clearance_m;
        let depth_m = rows as f64 * self.rack_depth_m
            + cold as f64 * self.cold_aisle_m
            + hot as f64 * self.hot_aisle_m
            + 2.0 * self.perimeter_clearance_m;
        Footprint {
            width_m,
            depth_m,
            racks,
            rows,
        }
    }
}

impl Land {
    /// Whether a footprint fits on the plot, in either orientation.
    pub fn fits(&self, footprint: &Footprint) -> bool {
        let (w, d) = (footprint.width_m, footprint.depth_m);
        let (lw, ld) = (self.usable_width_m, self.usable_depth_m);
        (w <= lw && d <= ld) || (w <= ld && d <= lw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hall(it_load_mw: f64, rack_kw: f64, racks_per_row: u32) -> Facility {
        Facility {
            schema: None,
            name: "test".into(),
            it_load_mw,
            rack_kw,
            rack_width_m: 0.6,
            rack_depth_m: 1.2,
            racks_per_row,
            cold_aisle_m: 1.2,
            hot_aisle_m: 0.9,
            perimeter_clearance_m: 3.0,
            cooling: Cooling {
                kind: CoolingType::AirEconomizer,
                supply_setpoint_c: 22.0,
                supply_delta_t_k: 11.0,
                economizer_approach_k: 2.0,
                tower_or_drycooler_approach_k: 5.0,
                heat_rejection_fan_fraction: 0.015,
                chiller_carnot_efficiency: 0.6,
                chiller_cop_min: 3.0,
                chiller_cop_max: 10.0,
            },
            ups_efficiency: 0.97,
            fan_power_fraction: 0.04,
            pump_power_fraction: 0.015,
            distribution_voltage_v: 380.0,
            busway_conductance_s_m: 58_000.0,
            campus: None,
            electrical: None,
            air: None,
            liquid: None,
            plant: None,
            ups_curve: None,
            utilisation: None,
            movers: None,
            sources: vec!["test".into()],
            assumed: vec![],
            ranges: BTreeMap::new(),
        }
    }

    #[test]
    fn rack_count_rounds_up_without_float_noise() {
        assert_eq!(hall(20.0, 40.0, 20).rack_count(), 500);
        assert_eq!(hall(20.0, 40.8, 20).rack_count(), 491);
        assert_eq!(hall(20.0, 0.0, 20).rack_count(), 0);
        assert_eq!(hall(f64::NAN, 40.0, 20).rack_count(), 0);
    }

    #[test]
    fn footprint_alternates_aisles() {
        // 5 racks, 2 per row: 3 rows, gaps cold + hot.
        let f = hall(0.5, 100.0, 2).footprint();
        assert_eq!((f.racks, f.rows), (5, 3));
        assert!((f.width_m - (2.0 * 0.6 + 6.0)).abs() < 1e-12);
        assert!((f.depth_m - (3.0 * 1.2 + 1.2 + 0.9 + 6.0)).abs() < 1e-12);
        // One row: no aisles between rows.
        let one = hall(0.1, 100.0, 20).footprint();
        assert_eq!(one.rows, 1);
        assert!((one.depth_m - (1.2 + 6.0)).abs() < 1e-12);
        assert!((one.width_m - (0.6 + 6.0)).abs() < 1e-12);
    }

    #[test]
    fn land_fits_in_either_orientation() {
        let land = Land {
            usable_width_m: 100.0,
            usable_depth_m: 20.0,
        };
        let fp = |w, d| Footprint {
            width_m: w,
            depth_m: d,
            racks: 1,
            rows: 1,
        };
        assert!(land.fits(&fp(90.0, 20.0)));
        assert!(land.fits(&fp(20.0, 90.0)));
        assert!(!land.fits(&fp(30.0, 30.0)));
        assert!(!land.fits(&fp(f64::NAN, 1.0)));
    }
}

/// A UPS efficiency curve at load fraction `load`: (load, efficiency) points, load ascending,
/// linear between them and constant beyond; `flat` where there is no curve.
pub fn ups_curve_at(curve: Option<&[[f64; 2]]>, flat: f64, load: f64) -> f64 {
    let Some(curve) = curve.filter(|c| !c.is_empty()) else {
        return flat;
    };
    if load <= curve[0][0] {
        return curve[0][1];
    }
    for w in curve.windows(2) {
        let ([x0, y0], [x1, y1]) = (w[0], w[1]);
        if load <= x1 {
            let t = if x1 > x0 {
                (load - x0) / (x1 - x0)
            } else {
                1.0
            };
            return y0 + t * (y1 - y0);
        }
    }
    curve[curve.len() - 1][1]
}
