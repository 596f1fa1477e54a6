//! Moist-air psychrometrics in SI units, following ASHRAE Handbook — Fundamentals (2017),
//! chapter 1 ("Psychrometrics").
//!
//! Units: temperatures in °C, pressures in Pa, humidity ratio in kg water per kg dry air,
//! relative humidity in percent (0–100), enthalpy in J per kg dry air.
//!
//! Formulas:
//! - saturation vapour pressure: Hyland & Wexler (1983) as given in ASHRAE 2017 ch. 1
//!   eq. 5 (over ice, −100…0 °C) and eq. 6 (over liquid water, 0…200 °C);
//! - standard-atmosphere pressure from elevation: ASHRAE 2017 ch. 1 eq. 3;
//! - humidity ratio from vapour pressure: eq. 20 with the ratio of molar masses 0.621945;
//! - thermodynamic wet bulb: the psychrometric equations eq. 33 (wet bulb above freezing) and
//!   eq. 35 (below freezing), solved for t* by bisection;
//! - dew point: the exact inverse of the saturation-pressure formula, by bisection (more
//!   accurate than the handbook's fitted eqs. 37–38, and cheap enough here).
//!
//! The functions do not validate their arguments: callers pass values that the EPW reader or
//! the synthesiser have already checked. Non-finite inputs give non-finite outputs.

/// Ratio of the molar mass of water vapour to that of dry air (ASHRAE 2017 ch. 1 eq. 20).
pub const MOLAR_MASS_RATIO: f64 = 0.621_945;

/// Standard sea-level atmospheric pressure, Pa.
pub const SEA_LEVEL_PRESSURE_PA: f64 = 101_325.0;

const KELVIN_OFFSET: f64 = 273.15;

/// Lowest and highest temperatures for which the saturation formula is valid, °C.
pub const SATURATION_MIN_C: f64 = -100.0;
pub const SATURATION_MAX_C: f64 = 200.0;

/// Saturation vapour pressure of water, Pa, over ice below 0 °C and over liquid water at and
/// above 0 °C (Hyland–Wexler, ASHRAE 2017 ch. 1 eqs. 5 and 6). The argument is clamped to
/// the formula's validity range of −100…200 °C.
pub fn saturation_pressure_pa(t_c: f64) -> f64 {
    let t_k = t_c.clamp(SATURATION_MIN_C, SATURATION_MAX_C) + KELVIN_OFFSET;
    let ln_p = if t_c < 0.0 {
        // Eq. 5, over ice.
        -5.674_535_9e3 / t_k + 6.392_524_7 - 9.677_843_0e-3 * t_k
            + 6.221_570_1e-7 * t_k.powi(2)
            + 2.074_782_5e-9 * t_k.powi(3)
            - 9.484_024_0e-13 * t_k.powi(4)
            + 4.163_501_9 * t_k.ln()
    } else {
        // Eq. 6, over liquid water.
        -5.800_220_6e3 / t_k + 1.391_499_3 - 4.864_023_9e-2 * t_k + 4.176_476_8e-5 * t_k.powi(2)
            - 1.445_209_3e-8 * t_k.powi(3)
            + 6.545_967_3 * t_k.ln()
    };
    ln_p.exp()
}

/// Station pressure of the ICAO/US standard atmosphere at `elevation_m` above sea level, Pa
/// (ASHRAE 2017 ch. 1 eq. 3: p = 101.325 (1 − 2.25577e-5 Z)^5.2559 kPa).
pub fn standard_pressure_pa(elevation_m: f64) -> f64 {
    SEA_LEVEL_PRESSURE_PA * (1.0 - 2.255_77e-5 * elevation_m).powf(5.255_9)
}

/// Humidity ratio, kg/kg, of air whose water-vapour partial pressure is `vapour_pa` at total
/// pressure `pressure_pa` (ASHRAE 2017 ch. 1 eq. 20).
pub fn humidity_ratio(vapour_pa: f64, pressure_pa: f64) -> f64 {
    MOLAR_MASS_RATIO * vapour_pa / (pressure_pa - vapour_pa)
}

/// Inverse of [`humidity_ratio`]: the vapour partial pressure, Pa.
pub fn vapour_pressure_from_ratio_pa(humidity_ratio: f64, pressure_pa: f64) -> f64 {
    pressure_pa * humidity_ratio / (MOLAR_MASS_RATIO + humidity_ratio)
}

/// Saturation humidity ratio at temperature `t_c` and pressure `pressure_pa`, kg/kg.
pub fn saturation_humidity_ratio(t_c: f64, pressure_pa: f64) -> f64 {
    humidity_ratio(saturation_pressure_pa(t_c), pressure_pa)
}

/// Relative humidity, %, of air at dry bulb `dry_bulb_c` with dew point `dew_point_c`.
/// Ratio of vapour pressure to saturation pressure (ASHRAE 2017 ch. 1 eq. 12); not clamped.
pub fn relative_humidity_pct(dry_bulb_c: f64, dew_point_c: f64) -> f64 {
    100.0 * saturation_pressure_pa(dew_point_c) / saturation_pressure_pa(dry_bulb_c)
}

/// Dew point, °C, at which the saturation pressure equals `vapour_pa`. Solved by bisection on
/// the saturation formula over −100…200 °C to about 1e-9 K.
pub fn dew_point_from_vapour_pressure_c(vapour_pa: f64) -> f64 {
    if vapour_pa.is_nan() {
        return f64::NAN;
    }
    if vapour_pa <= 0.0 {
        return SATURATION_MIN_C;
    }
    bisect(SATURATION_MIN_C, SATURATION_MAX_C, |t| {
        saturation_pressure_pa(t) - vapour_pa
    })
}

/// Dew point, °C, of air at `dry_bulb_c` and relative humidity `rh_pct` (%).
pub fn dew_point_from_rh_c(dry_bulb_c: f64, rh_pct: f64) -> f64 {
    dew_point_from_vapour_pressure_c(rh_pct / 100.0 * saturation_pressure_pa(dry_bulb_c))
}

/// Humidity ratio, kg/kg, implied by a thermodynamic wet bulb `wet_bulb_c` at dry bulb
/// `dry_bulb_c` and pressure `pressure_pa`: the psychrometric equation, ASHRAE 2017 ch. 1
/// eq. 33 (wet bulb at or above 0 °C) or eq. 35 (below 0 °C, over ice).
pub fn humidity_ratio_from_wet_bulb(dry_bulb_c: f64, wet_bulb_c: f64, pressure_pa: f64) -> f64 {
    let t = dry_bulb_c;
    let ts = wet_bulb_c;
    let ws = saturation_humidity_ratio(ts, pressure_pa);
    if ts >= 0.0 {
        ((2501.0 - 2.326 * ts) * ws - 1.006 * (t - ts)) / (2501.0 + 1.86 * t - 4.186 * ts)
    } else {
        ((2830.0 - 0.24 * ts) * ws - 1.006 * (t - ts)) / (2830.0 + 1.86 * t - 2.1 * ts)
    }
}

/// Thermodynamic wet-bulb temperature, °C, of air at `dry_bulb_c` with humidity ratio
/// `humidity_ratio` at total pressure `pressure_pa`.
///
/// Solves [`humidity_ratio_from_wet_bulb`]`(t, t*, p) = W` for t* by bisection between the dew
/// point (where the left side is below W) and the dry bulb (where it is at or above W), to about
/// 1e-9 K. Supersaturated input (W above saturation at the dry bulb) returns the dry bulb.
pub fn wet_bulb_c(dry_bulb_c: f64, humidity_ratio: f64, pressure_pa: f64) -> f64 {
    if !(dry_bulb_c.is_finite() && humidity_ratio.is_finite() && pressure_pa.is_finite()) {
        return f64::NAN;
    }
    let w = humidity_ratio.max(0.0);
    if w >= saturation_humidity_ratio(dry_bulb_c, pressure_pa) {
        return dry_bulb_c;
    }
    let dew_c = dew_point_from_vapour_pressure_c(vapour_pressure_from_ratio_pa(w, pressure_pa));
    let low = dew_c.min(dry_bulb_c);
    bisect(low, dry_bulb_c, |ts| {
        humidity_ratio_from_wet_bulb(dry_bulb_c, ts, pressure_pa) - w
    })
}

/// Thermodynamic wet bulb, °C, from dry bulb, dew point and pressure. A dew point above the
/// dry bulb (measurement noise in weather files) is treated as saturation.
pub fn wet_bulb_from_dew_point_c(dry_bulb_c: f64, dew_point_c: f64, pressure_pa: f64) -> f64 {
    let dew_c = dew_point_c.min(dry_bulb_c);
    let w = humidity_ratio(saturation_pressure_pa(dew_c), pressure_pa);
    wet_bulb_c(dry_bulb_c, w, pressure_pa)
}

/// Thermodynamic wet bulb, °C, from dry bulb, relative humidity (%) and pressure.
pub fn wet_bulb_from_rh_c(dry_bulb_c: f64, rh_pct: f64, pressure_pa: f64) -> f64 {
    let vapour_pa = (rh_pct / 100.0).clamp(0.0, 1.0) * saturation_pressure_pa(dry_bulb_c);
    wet_bulb_c(
        dry_bulb_c,
        humidity_ratio(vapour_pa, pressure_pa),
        pressure_pa,
    )
}

/// Specific enthalpy of moist air, J per kg dry air, with the 0 °C dry-air / liquid-water
/// reference (ASHRAE 2017 ch. 1 eq. 32: h = 1.006 t + W (2501 + 1.86 t) kJ/kg).
pub fn moist_air_enthalpy_j_per_kg(dry_bulb_c: f64, humidity_ratio: f64) -> f64 {
    1000.0 * (1.006 * dry_bulb_c + humidity_ratio * (2501.0 + 1.86 * dry_bulb_c))
}

/// Root of an increasing-or-decreasing continuous `f` on `[low, high]` by bisection; returns
/// the nearer end when `f` has no sign change there. 80 halvings take a 300 K bracket below
/// f64 resolution, so the loop always ends with the bracket as tight as it can be.
fn bisect(mut low: f64, mut high: f64, f: impl Fn(f64) -> f64) -> f64 {
    let f_low = f(low);
    let f_high = f(high);
    if f_low == 0.0 {
        return low;
    }
    if f_high == 0.0 {
        return high;
    }
    if f_low.signum() == f_high.signum() {
        return if f_low.abs() < f_high.abs() {
            low
        } else {
            high
        };
    }
    let low_negative = f_low < 0.0;
    for _ in 0..80 {
        let mid = 0.5 * (low + high);
        if mid <= low || mid >= high {
            break;
        }
        let f_mid = f(mid);
        if f_mid == 0.0 {
            return mid;
        }
        if (f_mid < 0.0) == low_negative {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_pressure_is_continuous_at_freezing() {
        // Ice and water curves meet near the triple point; ASHRAE Table 3 lists 611.2 Pa at 0 °C.
        let below = saturation_pressure_pa(-1e-9);
        let above = saturation_pressure_pa(0.0);
        assert!((below - above).abs() < 0.5, "{below} vs {above}");
        assert!((above - 611.2).abs() < 0.5, "{above}");
    }

    #[test]
    fn dew_point_inverts_saturation_pressure() {
        for t in [-40.0, -5.0, 0.5, 12.0, 27.3, 60.0] {
            let back = dew_point_from_vapour_pressure_c(saturation_pressure_pa(t));
            assert!((back - t).abs() < 1e-7, "{t} -> {back}");
        }
    }

    #[test]
    fn wet_bulb_round_trips_through_psychrometric_equation() {
        let p = standard_pressure_pa(500.0);
        for (t, ts) in [(30.0, 25.0), (-1.0, -5.0), (35.0, 18.0), (10.0, 9.99)] {
            let w = humidity_ratio_from_wet_bulb(t, ts, p);
            let back = wet_bulb_c(t, w, p);
            assert!((back - ts).abs() < 1e-7, "{t}/{ts} -> {back}");
        }
    }

    #[test]
    fn saturated_air_has_wet_bulb_equal_to_dry_bulb() {
        let p = SEA_LEVEL_PRESSURE_PA;
        assert!((wet_bulb_from_rh_c(25.0, 100.0, p) - 25.0).abs() < 1e-9);
        // Dew point above dry bulb (noisy record) is treated as saturated.
        assert!((wet_bulb_from_dew_point_c(20.0, 20.4, p) - 20.0).abs() < 1e-9);
    }

    #[test]
    fn non_finite_input_gives_nan_not_a_hang() {
        assert!(wet_bulb_c(f64::NAN, 0.01, 101_325.0).is_nan());
        assert!(dew_point_from_vapour_pressure_c(f64::NAN).is_nan());
    }
}
