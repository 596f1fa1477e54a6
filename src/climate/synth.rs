//! Hourly synthesis: an 8760-hour year from monthly normals, for sites without an EPW file.
//!
//! Method (365 days, no 29 February; hours in the EPW convention, see the module root):
//!
//! 1. **Daily values that keep each monthly mean.** Each monthly series (mean temperature,
//!    diurnal range, relative humidity) becomes a daily series by periodic piecewise-linear
//!    interpolation between anchors placed at the middle of each month. Plain interpolation
//!    through the monthly means would bend each month's average toward its neighbours, so the
//!    anchor values are solved for instead: the daily series is linear in the 12 anchors, the
//!    12 monthly averages of it form a 12×12 system, and solving that system makes every monthly
//!    average of the daily series equal its input (to rounding, about 1e-12).
//! 2. **Diurnal cycle.** Each day's temperature follows a fixed shape s(t) of clock time t:
//!    a half cosine rising from its minimum at [`MIN_TEMP_HOUR`] (near sunrise) to its maximum
//!    at [`MAX_TEMP_HOUR`] (mid-afternoon), and a slower half cosine falling back overnight.
//!    The shape is sampled at the day's 24 hours, its sample mean is subtracted, and it is
//!    scaled by the day's diurnal range: T = T_day + range_day · (s(t) − mean(s)). Both turning
//!    hours are sample hours, so each day's max − min is exactly its range and each day's mean
//!    is exactly its daily mean; hence each month's hourly mean is exactly its input.
//! 3. **Humidity.** Water-vapour pressure is held constant through each day at the value that
//!    gives the day's relative humidity at the day's mean temperature; relative humidity then
//!    falls in the afternoon and rises at night, as observed. Hours cooler than that dew point
//!    are saturated (dew point set to the dry bulb). The input relative humidity is therefore
//!    the RH at the daily mean temperature; the mean of the hourly RH values differs from it.
//! 4. **Pressure.** Constant, the standard atmosphere at the site elevation
//!    ([`psychro::standard_pressure_pa`]); wet bulb from dry bulb, dew point and that pressure.
//!
//! Absent diurnal ranges or humidities are replaced by [`DEFAULT_DIURNAL_RANGE_K`] and
//! [`DEFAULT_RH_PCT`], and each replacement is returned as an [`Assumed`] note for the report.
//! Interpolated daily ranges below 0 K and relative humidities outside 1–100 % (possible only
//! for extreme month-to-month jumps) are clamped, which then perturbs that month's mean.

use crate::climate::{psychro, ClimateError, Hour, HourlyYear, YearOrigin, DAYS_IN_MONTH};
use crate::site::limits::{
    DIURNAL_RANGE_K_MAX, MONTHLY_MEAN_MAX_C, MONTHLY_MEAN_MIN_C, RH_MAX_PCT, RH_MIN_PCT,
};

/// Clock hour of the daily minimum temperature, local standard time (near sunrise in Korea).
pub const MIN_TEMP_HOUR: u32 = 6;
/// Clock hour of the daily maximum temperature, local standard time.
pub const MAX_TEMP_HOUR: u32 = 15;
/// Diurnal range used when none is given, K. An assumption: coastal Korean stations typically
/// see 6–8 K, inland ones 10–12 K.
pub const DEFAULT_DIURNAL_RANGE_K: f64 = 8.0;
/// Relative humidity used when none is given, %. An assumption: a round annual mid value; Korean
/// summers are more humid (about 80 % in July–September at Ulsan), so summer wet bulbs made
/// with this default are optimistic for cooling.
pub const DEFAULT_RH_PCT: f64 = 70.0;

const DAYS: usize = 365;

/// Monthly normals for one site, January first. Field names match the site file's `climate`
/// object so that errors can name the offending entry.
#[derive(Debug, Clone, Copy)]
pub struct MonthlyClimate<'a> {
    /// Mean air temperature of each month, °C (12 values).
    pub monthly_mean_c: &'a [f64],
    /// Mean daily max − min of each month, K (12 values); `None` for the default.
    pub monthly_diurnal_range_k: Option<&'a [f64]>,
    /// Mean relative humidity of each month, % (12 values); `None` for the default.
    pub monthly_rh_pct: Option<&'a [f64]>,
    /// Site elevation, m above sea level.
    pub elevation_m: f64,
}

/// A figure the synthesis had to assume, for the report's `assumed` list.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumed {
    /// Path of the absent input below the site's `climate` object.
    pub field: String,
    /// What was used instead, in words.
    pub note: String,
}

/// A synthesised year and the assumptions made to build it.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthesizedYear {
    pub year: HourlyYear,
    pub assumed: Vec<Assumed>,
}

/// Build an 8760-hour year from monthly normals. See the module documentation for the method.
pub fn synthesize(input: &MonthlyClimate<'_>) -> Result<SynthesizedYear, ClimateError> {
    let mean_c = twelve(
        "monthly_mean_c",
        input.monthly_mean_c,
        MONTHLY_MEAN_MIN_C,
        MONTHLY_MEAN_MAX_C,
    )?;
    let mut assumed = Vec::new();
    let range_k = match input.monthly_diurnal_range_k {
        Some(v) => twelve("monthly_diurnal_range_k", v, 0.0, DIURNAL_RANGE_K_MAX)?,
        None => {
            assumed.push(Assumed {
                field: "monthly_diurnal_range_k".into(),
                note: format!(
                    "not given; assumed a diurnal range of {DEFAULT_DIURNAL_RANGE_K} K in every \
                     month"
                ),
            });
            [DEFAULT_DIURNAL_RANGE_K; 12]
        }
    };
    let rh_pct = match input.monthly_rh_pct {
        Some(v) => twelve("monthly_rh_pct", v, RH_MIN_PCT, RH_MAX_PCT)?,
        None => {
            assumed.push(Assumed {
                field: "monthly_rh_pct".into(),
                note: format!(
                    "not given; assumed a relative humidity of {DEFAULT_RH_PCT} % (at the daily \
                     mean temperature) in every month"
                ),
            });
            [DEFAULT_RH_PCT; 12]
        }
    };
    if !(input.elevation_m.is_finite() && (-500.0..=9000.0).contains(&input.elevation_m)) {
        return Err(ClimateError::Input {
            field: "elevation_m".into(),
            reason: format!("{} is outside -500..=9000 m", input.elevation_m),
        });
    }

    let interp = DailyInterpolator::new();
    let day_mean_c = interp.daily(&mean_c);
    let day_range_k: Vec<f64> = interp.daily(&range_k).iter().map(|r| r.max(0.0)).collect();
    let day_rh_pct: Vec<f64> = interp
        .daily(&rh_pct)
        .iter()
        .map(|r| r.clamp(RH_MIN_PCT, RH_MAX_PCT))
        .collect();
    let pressure_pa = psychro::standard_pressure_pa(input.elevation_m);
    let shape = diurnal_shape();

    let mut hours = Vec::with_capacity(crate::climate::HOURS_PER_YEAR);
    for (d, (month, day)) in calendar().enumerate() {
        let vapour_pa = day_rh_pct[d] / 100.0 * psychro::saturation_pressure_pa(day_mean_c[d]);
        let day_dew_c = psychro::dew_point_from_vapour_pressure_c(vapour_pa);
        for (h, s) in shape.iter().enumerate() {
            let dry_bulb_c = day_mean_c[d] + day_range_k[d] * s;
            let dew_point_c = day_dew_c.min(dry_bulb_c);
            hours.push(Hour {
                month,
                day,
                hour: h as u8 + 1,
                dry_bulb_c,
                dew_point_c,
                wet_bulb_c: psychro::wet_bulb_from_dew_point_c(
                    dry_bulb_c,
                    dew_point_c,
                    pressure_pa,
                ),
                rh_pct: psychro::relative_humidity_pct(dry_bulb_c, dew_point_c).min(100.0),
                pressure_pa,
            });
        }
    }
    Ok(SynthesizedYear {
        year: HourlyYear {
            origin: YearOrigin::Synthesized,
            hours,
        },
        assumed,
    })
}

/// Check a 12-value monthly series: length, finiteness, range.
fn twelve(field: &str, values: &[f64], min: f64, max: f64) -> Result<[f64; 12], ClimateError> {
    let arr: [f64; 12] = values.try_into().map_err(|_| ClimateError::Input {
        field: field.to_string(),
        reason: format!("expected 12 monthly values, found {}", values.len()),
    })?;
    for (i, v) in arr.iter().enumerate() {
        if !(v.is_finite() && (min..=max).contains(v)) {
            return Err(ClimateError::Input {
                field: format!("{field}[{i}]"),
                reason: format!("{v} is outside {min}..={max}"),
            });
        }
    }
    Ok(arr)
}

/// (month, day) of each of the 365 days.
fn calendar() -> impl Iterator<Item = (u8, u8)> {
    DAYS_IN_MONTH
        .iter()
        .enumerate()
        .flat_map(|(m, &n)| (1..=n).map(move |d| (m as u8 + 1, d as u8)))
}

/// The diurnal shape sampled at hours 1..=24 (index 0 = hour 1), zero mean, max − min = 1.
/// Hour h is clock time h mod 24 (hour 24 is the midnight that ends the day).
pub fn diurnal_shape() -> [f64; 24] {
    let t_min = f64::from(MIN_TEMP_HOUR);
    let t_max = f64::from(MAX_TEMP_HOUR);
    let rise = t_max - t_min;
    let fall = 24.0 - rise;
    let raw: [f64; 24] = std::array::from_fn(|i| {
        let t = ((i + 1) % 24) as f64;
        if (t_min..=t_max).contains(&t) {
            -0.5 * (std::f64::consts::PI * (t - t_min) / rise).cos()
        } else {
            let since_max = (t - t_max).rem_euclid(24.0);
            0.5 * (std::f64::consts::PI * since_max / fall).cos()
        }
    });
    let mean = raw.iter().sum::<f64>() / 24.0;
    raw.map(|s| s - mean)
}

/// Mean-preserving periodic linear interpolation from 12 monthly values to 365 daily values.
struct DailyInterpolator {
    /// For each day, (anchor a, anchor b, weight on b): value = (1 − w)·x_a + w·x_b.
    stencil: Vec<(usize, usize, f64)>,
    /// Row m, column k: the average over month m's days of the weight on anchor k.
    month_average: [[f64; 12]; 12],
}

impl DailyInterpolator {
    fn new() -> Self {
        let mut starts = [0.0_f64; 12];
        let mut acc = 0.0;
        for (m, &n) in DAYS_IN_MONTH.iter().enumerate() {
            starts[m] = acc;
            acc += f64::from(n);
        }
        let anchors: [f64; 12] =
            std::array::from_fn(|m| starts[m] + f64::from(DAYS_IN_MONTH[m]) / 2.0);
        let year = DAYS as f64;

        let stencil: Vec<(usize, usize, f64)> = (0..DAYS)
            .map(|d| {
                let x = d as f64 + 0.5;
                // Anchors are increasing; find the last anchor at or before x, wrapping.
                let (a, b, xa, xb) = match anchors.iter().rposition(|&c| c <= x) {
                    Some(11) => (11, 0, anchors[11], anchors[0] + year),
                    Some(k) => (k, k + 1, anchors[k], anchors[k + 1]),
                    None => (11, 0, anchors[11] - year, anchors[0]),
                };
                (a, b, (x - xa) / (xb - xa))
            })
            .collect();

        let mut month_average = [[0.0_f64; 12]; 12];
        for (&(a, b, w), (month, _)) in stencil.iter().zip(calendar()) {
            let m = usize::from(month) - 1;
            let n = f64::from(DAYS_IN_MONTH[m]);
            month_average[m][a] += (1.0 - w) / n;
            month_average[m][b] += w / n;
        }
        Self {
            stencil,
            month_average,
        }
    }

    fn daily(&self, monthly: &[f64; 12]) -> Vec<f64> {
        let anchors = solve12(self.month_average, *monthly);
        self.stencil
            .iter()
            .map(|&(a, b, w)| (1.0 - w) * anchors[a] + w * anchors[b])
            .collect()
    }
}

/// Solve A x = b for a 12×12 system by Gaussian elimination with partial pivoting. The
/// monthly-average matrix is strictly diagonally dominant (diagonal about 0.75, off-diagonals
/// summing to about 0.25), so it is nonsingular and well conditioned.
fn solve12(mut a: [[f64; 12]; 12], mut b: [f64; 12]) -> [f64; 12] {
    const N: usize = 12;
    for col in 0..N {
        let pivot = (col..N)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..N {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let tail: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_has_unit_range_zero_mean_and_turns_at_the_set_hours() {
        let s = diurnal_shape();
        let max = s.iter().copied().fold(f64::MIN, f64::max);
        let min = s.iter().copied().fold(f64::MAX, f64::min);
        assert!((max - min - 1.0).abs() < 1e-12);
        assert!(s.iter().sum::<f64>().abs() < 1e-12);
        assert_eq!(s[MIN_TEMP_HOUR as usize - 1], min);
        assert_eq!(s[MAX_TEMP_HOUR as usize - 1], max);
    }

    #[test]
    fn interpolation_keeps_monthly_means_and_is_continuous() {
        let monthly = [
            1.0, 3.0, 8.0, 14.0, 19.0, 23.0, 26.0, 27.0, 23.0, 17.0, 10.0, 3.0,
        ];
        let daily = DailyInterpolator::new().daily(&monthly);
        assert_eq!(daily.len(), DAYS);
        let mut start = 0;
        for (m, &n) in DAYS_IN_MONTH.iter().enumerate() {
            let n = n as usize;
            let mean = daily[start..start + n].iter().sum::<f64>() / n as f64;
            assert!((mean - monthly[m]).abs() < 1e-9, "month {m}: {mean}");
            start += n;
        }
        // Smooth: no day-to-day step larger than the steepest monthly slope allows.
        let steepest = daily
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f64::max);
        assert!(steepest < 0.4, "{steepest}");
        assert!((daily[0] - daily[DAYS - 1]).abs() < 0.4);
    }
}
