//! Design conditions: the few hot and cold states a facility is sized for.
//!
//! Two origins, never mixed in one value: published ASHRAE figures read from an EPW header
//! ([`DesignOrigin::EpwHeader`]), and figures derived here from one hourly year
//! ([`DesignOrigin::Derived`]). Derived figures come from a single (often typical or
//! synthesised) year, not ASHRAE's multi-year statistics, and reports must say so.
//!
//! Naming follows ASHRAE's percentiles of the annual cumulative frequency: `cooling_004` is the
//! dry bulb exceeded in 0.4 % of the year's hours, `heating_996` the dry bulb exceeded in
//! 99.6 % of them (so only 0.4 % of hours are colder). Temperatures °C, ranges K.

use crate::climate::{ClimateError, HourlyYear};

/// Where a set of design conditions came from.
#[derive(Debug, Clone, PartialEq)]
pub enum DesignOrigin {
    /// Published values from an EPW `DESIGN CONDITIONS` header; `source` is the header's own
    /// title, such as "Climate Design Data 2009 ASHRAE Handbook".
    EpwHeader { source: String },
    /// Computed by [`derive()`] from the hours of one year; `method` says how, in words.
    Derived { method: &'static str },
}

/// Heating and cooling design conditions. The three non-optional figures are the ones the
/// model needs; the rest are filled where the source has them.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignConditions {
    pub origin: DesignOrigin,
    /// Coldest month, 1..=12.
    pub coldest_month: Option<u8>,
    /// Heating dry bulb at 99.6 %.
    pub heating_996_db_c: f64,
    /// Heating dry bulb at 99 %.
    pub heating_990_db_c: Option<f64>,
    /// Hottest month, 1..=12.
    pub hottest_month: Option<u8>,
    /// Mean daily dry-bulb range of the hottest month.
    pub hottest_month_db_range_k: Option<f64>,
    /// Cooling dry bulb at 0.4 %.
    pub cooling_004_db_c: f64,
    /// Mean wet bulb coincident with `cooling_004_db_c`.
    pub cooling_004_mcwb_c: f64,
    pub cooling_010_db_c: Option<f64>,
    pub cooling_010_mcwb_c: Option<f64>,
    pub cooling_020_db_c: Option<f64>,
    pub cooling_020_mcwb_c: Option<f64>,
    /// Evaporation design wet bulb at 0.4 %.
    pub evaporation_004_wb_c: Option<f64>,
    /// Mean dry bulb coincident with `evaporation_004_wb_c`.
    pub evaporation_004_mcdb_c: Option<f64>,
    /// Extreme annual wet bulb (published: ASHRAE "extreme max WB"; derived: the year's
    /// highest hourly wet bulb).
    pub extreme_max_wb_c: Option<f64>,
}

/// Half-width of the dry-bulb (or wet-bulb) window, K, over which coincident means are taken.
pub const COINCIDENT_WINDOW_K: f64 = 0.5;

const DERIVED_METHOD: &str = "from one hourly year: percentile by linear interpolation between \
ranked hours; coincident means over hours within ±0.5 K of the design value";

/// Derive design conditions from the hours of `year`.
///
/// Method:
/// - a value "exceeded in a fraction q of hours" is read from the hours ranked hottest first
///   at fractional rank q·n, interpolating linearly between neighbouring ranks (so with 8760
///   hours, 0.4 % is rank 35.04);
/// - the mean coincident wet bulb (dry bulb) is the mean over all hours whose dry bulb (wet
///   bulb) lies within ±[`COINCIDENT_WINDOW_K`] of the design value, or over the single nearest
///   hour if no hour falls in that window;
/// - the hottest and coldest month are those with the highest and lowest mean dry bulb; the
///   hottest month's range is the mean over its days of (daily max − daily min).
pub fn derive(year: &HourlyYear) -> Result<DesignConditions, ClimateError> {
    if year.hours.is_empty() {
        return Err(ClimateError::EmptyYear {
            reason: "no hours to derive design conditions from".into(),
        });
    }
    if year
        .hours
        .iter()
        .any(|h| !(h.dry_bulb_c.is_finite() && h.wet_bulb_c.is_finite()))
    {
        return Err(ClimateError::EmptyYear {
            reason: "a dry or wet bulb value is not finite".into(),
        });
    }
    let db: Vec<f64> = year.hours.iter().map(|h| h.dry_bulb_c).collect();
    let wb: Vec<f64> = year.hours.iter().map(|h| h.wet_bulb_c).collect();
    let db_desc = sorted_descending(&db);
    let wb_desc = sorted_descending(&wb);

    let cooling = |q: f64| {
        let t = exceeded_in_fraction(&db_desc, q);
        (t, coincident_mean(&db, &wb, t))
    };
    let (c004, c004_wb) = cooling(0.004);
    let (c010, c010_wb) = cooling(0.010);
    let (c020, c020_wb) = cooling(0.020);
    let e004 = exceeded_in_fraction(&wb_desc, 0.004);
    let e004_db = coincident_mean(&wb, &db, e004);

    let monthly = year.monthly_mean_dry_bulb_c();
    let hottest = extreme_month(&monthly, |a, b| a > b);
    let coldest = extreme_month(&monthly, |a, b| a < b);

    Ok(DesignConditions {
        origin: DesignOrigin::Derived {
            method: DERIVED_METHOD,
        },
        coldest_month: coldest,
        heating_996_db_c: exceeded_in_fraction(&db_desc, 0.996),
        heating_990_db_c: Some(exceeded_in_fraction(&db_desc, 0.990)),
        hottest_month: hottest,
        hottest_month_db_range_k: hottest.and_then(|m| mean_daily_range_k(year, m)),
        cooling_004_db_c: c004,
        cooling_004_mcwb_c: c004_wb,
        cooling_010_db_c: Some(c010),
        cooling_010_mcwb_c: Some(c010_wb),
        cooling_020_db_c: Some(c020),
        cooling_020_mcwb_c: Some(c020_wb),
        evaporation_004_wb_c: Some(e004),
        evaporation_004_mcdb_c: Some(e004_db),
        extreme_max_wb_c: wb_desc.first().copied(),
    })
}

fn sorted_descending(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    v
}

/// The value exceeded by a fraction `q` of `desc` (sorted hottest first), interpolating
/// between ranks. `desc` must not be empty.
fn exceeded_in_fraction(desc: &[f64], q: f64) -> f64 {
    let last = desc.len() - 1;
    let rank = (q * desc.len() as f64).clamp(0.0, last as f64);
    let below = rank.floor() as usize;
    let above = (below + 1).min(last);
    let frac = rank - below as f64;
    desc[below] + frac * (desc[above] - desc[below])
}

/// Mean of `other` over the hours whose `key` is within the window of `target`; if none is,
/// `other` at the hour whose `key` is nearest (first such hour on ties).
fn coincident_mean(key: &[f64], other: &[f64], target: f64) -> f64 {
    let mut sum = 0.0;
    let mut count = 0_usize;
    let mut nearest = 0_usize;
    for (i, (&k, &o)) in key.iter().zip(other).enumerate() {
        if (k - target).abs() <= COINCIDENT_WINDOW_K {
            sum += o;
            count += 1;
        }
        if (k - target).abs() < (key[nearest] - target).abs() {
            nearest = i;
        }
    }
    if count > 0 {
        sum / count as f64
    } else {
        other[nearest]
    }
}

fn extreme_month(monthly: &[Option<f64>; 12], better: impl Fn(f64, f64) -> bool) -> Option<u8> {
    let mut best: Option<(u8, f64)> = None;
    for (m, value) in monthly.iter().enumerate() {
        if let Some(v) = *value {
            if best.is_none_or(|(_, b)| better(v, b)) {
                best = Some((m as u8 + 1, v));
            }
        }
    }
    best.map(|(m, _)| m)
}

/// Mean over the days of `month` of the daily dry-bulb range.
fn mean_daily_range_k(year: &HourlyYear, month: u8) -> Option<f64> {
    let mut ranges = Vec::new();
    let mut current: Option<(u8, f64, f64)> = None;
    for h in year.hours.iter().filter(|h| h.month == month) {
        current = match current {
            Some((day, lo, hi)) if day == h.day => {
                Some((day, lo.min(h.dry_bulb_c), hi.max(h.dry_bulb_c)))
            }
            Some((_, lo, hi)) => {
                ranges.push(hi - lo);
                Some((h.day, h.dry_bulb_c, h.dry_bulb_c))
            }
            None => Some((h.day, h.dry_bulb_c, h.dry_bulb_c)),
        };
    }
    if let Some((_, lo, hi)) = current {
        ranges.push(hi - lo);
    }
    (!ranges.is_empty()).then(|| ranges.iter().sum::<f64>() / ranges.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::climate::{Hour, YearOrigin};

    fn year_from(dry: &[f64]) -> HourlyYear {
        let hours = dry
            .iter()
            .enumerate()
            .map(|(i, &t)| Hour {
                month: 1,
                day: (i / 24 + 1) as u8,
                hour: (i % 24 + 1) as u8,
                dry_bulb_c: t,
                dew_point_c: t - 5.0,
                wet_bulb_c: t - 2.0,
                rh_pct: 70.0,
                pressure_pa: 101_325.0,
            })
            .collect();
        HourlyYear {
            origin: YearOrigin::Synthesized,
            hours,
        }
    }

    #[test]
    fn exceedance_rank_interpolates() {
        // 1000 hours at 0..999 °C: 4 hours (0.4 %) are above 995 °C.
        let dry: Vec<f64> = (0..1000).map(f64::from).collect();
        let d = derive(&year_from(&dry)).expect("derive");
        assert!((d.cooling_004_db_c - 995.0).abs() < 1e-9);
        // 996 of the 1000 hours are above 3 °C.
        assert!((d.heating_996_db_c - 3.0).abs() < 1e-9);
        // Coincident window ±0.5 K holds only the hour at exactly 995 °C.
        assert!((d.cooling_004_mcwb_c - 993.0).abs() < 1e-9);
        assert!(matches!(d.origin, DesignOrigin::Derived { .. }));
    }

    #[test]
    fn empty_year_is_an_error() {
        let err = derive(&year_from(&[])).expect_err("empty");
        assert!(matches!(err, ClimateError::EmptyYear { .. }));
    }
}
