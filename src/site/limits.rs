//! Plausibility bounds shared by the serde types (as JSON Schema keywords), by validation
//! (through [`rules`](super::rules)) and by the hourly synthesis, so an editor, `dcplan
//! validate` and the model reject the same values.

/// Lowest temperature accepted anywhere (°C).
pub const TEMP_MIN_C: f64 = -60.0;
/// Highest temperature accepted anywhere (°C).
pub const TEMP_MAX_C: f64 = 60.0;
/// Latitude band that covers the Republic of Korea with a margin (degrees north).
pub const LAT_MIN_DEG: f64 = 33.0;
/// See [`LAT_MIN_DEG`].
pub const LAT_MAX_DEG: f64 = 38.7;
/// Longitude band that covers the Republic of Korea, Dokdo included (degrees east).
pub const LON_MIN_DEG: f64 = 124.5;
/// See [`LON_MIN_DEG`].
pub const LON_MAX_DEG: f64 = 132.0;
/// Elevation band (m above mean sea level); Hallasan, the highest point, is about 1950 m.
pub const ELEVATION_MIN_M: f64 = -10.0;
/// See [`ELEVATION_MIN_M`].
pub const ELEVATION_MAX_M: f64 = 2000.0;
/// Lowest monthly mean temperature accepted (°C); the hourly synthesis takes the same range.
pub const MONTHLY_MEAN_MIN_C: f64 = -60.0;
/// Highest monthly mean temperature accepted (°C): hotter than any month on record anywhere.
pub const MONTHLY_MEAN_MAX_C: f64 = 50.0;
/// Lowest monthly mean relative humidity accepted (%): the synthesis needs some vapour to
/// derive a dew point.
pub const RH_MIN_PCT: f64 = 1.0;
/// Highest relative humidity (%).
pub const RH_MAX_PCT: f64 = 100.0;
/// Longest rack side accepted (m).
pub const RACK_SIDE_M_MAX: f64 = 10.0;
/// Widest aisle accepted (m).
pub const AISLE_M_MAX: f64 = 20.0;
/// Widest perimeter clearance accepted (m).
pub const CLEARANCE_M_MAX: f64 = 100.0;
/// Highest rack density accepted (kW per rack). GB200/GB300-class racks draw 120-150 kW.
pub const RACK_KW_MAX: f64 = 300.0;
/// Number of monthly values in every monthly series.
pub const MONTHS: usize = 12;
/// Highest transmission voltage in Korea is 765 kV.
pub const VOLTAGE_KV_MAX: f64 = 800.0;
/// Highest in-hall distribution voltage accepted (V): 22.9 kV medium voltage plus margin.
pub const DISTRIBUTION_V_MAX: f64 = 35_000.0;
/// Longest plausible distance inside Korea (km).
pub const DISTANCE_KM_MAX: f64 = 1000.0;
/// Largest plausible temperature approach or rise (K).
pub const APPROACH_K_MAX: f64 = 30.0;
/// Largest plausible monthly mean diurnal temperature range (K).
pub const DIURNAL_RANGE_K_MAX: f64 = 40.0;
/// Highest chiller COP accepted as a clamp.
pub const COP_MAX: f64 = 50.0;
/// Highest grid carbon intensity accepted (kg CO2 per kWh); pure lignite is about 1.2.
pub const CARBON_KG_PER_KWH_MAX: f64 = 2.0;
/// Highest tariff accepted (KRW per kWh); guards against a figure typed in KRW per MWh.
pub const TARIFF_KRW_PER_KWH_MAX: f64 = 2000.0;
/// Side length of the largest plot accepted (m).
pub const LAND_SIDE_M_MAX: f64 = 10_000.0;
/// Largest IT load accepted (MW).
pub const IT_LOAD_MW_MAX: f64 = 5000.0;
/// Largest grid headroom accepted (MW).
pub const HEADROOM_MW_MAX: f64 = 20_000.0;

// Lower bounds of facility and site figures (issue 14, item 5): each is below any real design
// by a margin, and above the values that make the model's answer non-finite or meaningless
// (a zero-width rack gives an unbounded grid, a near-zero efficiency an infinite load).

/// Smallest IT load accepted (MW): a 100 kW room.
pub const IT_LOAD_MW_MIN: f64 = 0.1;
/// Lowest rack density accepted (kW per rack): a lightly loaded network rack.
pub const RACK_KW_MIN: f64 = 1.0;
/// Shortest rack side accepted (m): the narrowest racks are 0.45 m wide, the shallowest 0.6 m.
pub const RACK_SIDE_M_MIN: f64 = 0.3;
/// Narrowest aisle accepted (m): a person passes through 0.6 m; a sealed hot aisle may be
/// narrower, but not a sliver the grid cannot resolve.
pub const AISLE_M_MIN: f64 = 0.3;
/// Supply air set point band (°C): ASHRAE classes reach 5 °C at the cold end and A4's
/// allowable 45 °C at the hot end.
pub const SUPPLY_AIR_MIN_C: f64 = 5.0;
/// See [`SUPPLY_AIR_MIN_C`].
pub const SUPPLY_AIR_MAX_C: f64 = 45.0;
/// Smallest temperature rise of air or liquid through the racks (K): below 1 K the flow the
/// heat needs grows without bound.
pub const DELTA_T_K_MIN: f64 = 1.0;
/// Smallest approach of a sized heat exchanger (K): a zero approach needs infinite area.
pub const APPROACH_K_MIN: f64 = 0.5;
/// Lowest Carnot fraction of a chiller: the worst real machines reach about 0.3.
pub const CARNOT_EFFICIENCY_MIN: f64 = 0.1;
/// Lowest chiller COP accepted as a clamp: a COP below 1 is an electric heater.
pub const COP_MIN: f64 = 1.0;
/// Lowest UPS efficiency accepted (fraction): real double-conversion units at light load are
/// above 0.8; below 0.5 the UPS would be the largest load of the building.
pub const UPS_EFFICIENCY_MIN: f64 = 0.5;
/// Lowest transformer efficiency accepted (fraction); real units exceed 0.97.
pub const TRANSFORMER_EFFICIENCY_MIN: f64 = 0.8;
/// Lowest in-hall distribution voltage accepted (V): the lowest mains (100 V, Japan); DC
/// buses of 48 V inside racks are not a hall distribution.
pub const DISTRIBUTION_V_MIN: f64 = 100.0;
/// Busway conductance per length (S·m): 1 mΩ/m (a small 100 A plug-in busway is about
/// 0.5 mΩ/m) to 0.1 µΩ/m (beyond the largest copper busways, about 5 µΩ/m).
pub const BUSWAY_S_M_MIN: f64 = 1.0e3;
/// See [`BUSWAY_S_M_MIN`].
pub const BUSWAY_S_M_MAX: f64 = 1.0e7;
/// Lowest medium or connection voltage accepted (kV).
pub const KV_MIN: f64 = 1.0;
/// Lowest effective (turbulent) conductivity of hall air accepted (W/(m K)): still air's.
pub const K_EFF_W_MK_MIN: f64 = 0.025;
/// Lowest rack height accepted (m): a half-height rack.
pub const RACK_HEIGHT_M_MIN: f64 = 0.5;
/// Lowest ceiling accepted (m).
pub const CEILING_HEIGHT_M_MIN: f64 = 1.0;
/// Smallest cooling unit accepted (kW): smaller units would number in the millions.
pub const UNIT_KW_MIN: f64 = 1.0;
/// Shortest side of usable land accepted (m).
pub const LAND_SIDE_M_MIN: f64 = 10.0;
