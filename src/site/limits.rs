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
