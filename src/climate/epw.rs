//! Reader for EnergyPlus weather (EPW) files.
//!
//! Layout, per the EPW data dictionary in EnergyPlus's "Auxiliary Programs" documentation
//! (chapter "Weather Converter Program"): comma-separated header lines named by their first
//! field (`LOCATION`, `DESIGN CONDITIONS`, `TYPICAL/EXTREME PERIODS`, `GROUND TEMPERATURES`,
//! `HOLIDAYS/DAYLIGHT SAVINGS`, `COMMENTS 1`, `COMMENTS 2`, `DATA PERIODS`), then one record per
//! hour. Of each record this reader uses fields 1–5 (year, month, day, hour 1..=24, minute) and
//! 7–10 (dry bulb °C, dew point °C, relative humidity %, station pressure Pa).
//!
//! Missing values: the dictionary marks a value missing when it is at or above a marker (dry
//! bulb and dew point 99.9, relative humidity 999, pressure 999999); a blank field is missing
//! too. Missing values are filled, and counted in [`FilledCounts`]:
//! - dew point from the hour's own relative humidity where that is present;
//! - otherwise by linear interpolation in time between the nearest present values (the first or
//!   last present value at the ends of the year);
//! - relative humidity, where missing, from dry bulb and dew point;
//! - pressure, if missing for the whole year, from the standard atmosphere at the elevation.
//!
//! A present value outside the dictionary's range (dry bulb and dew point −70…70 °C, relative
//! humidity 0…110 %, pressure 31–120 kPa), text that is not a finite number, a date out of
//! sequence, or a record count other than 8760 or 8784 is an error naming file, line and field.
//!
//! `DESIGN CONDITIONS` is read by position after its `Heating`, `Cooling` and `Extremes`
//! keywords, in the column order of the ASHRAE 2009 Handbook climatic design tables that IWEC
//! and TMY3 files carry (see [`parse_design_conditions`] for the columns used).

use std::path::{Path, PathBuf};

use crate::climate::design::{DesignConditions, DesignOrigin};
use crate::climate::{psychro, ClimateError, Hour, HourlyYear, YearOrigin, DAYS_IN_MONTH};

/// The station line of an EPW file.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub city: String,
    pub state_province: String,
    pub country: String,
    /// Data source, such as "IWEC Data" or "TMY3".
    pub source: String,
    /// WMO station number, kept as text (it may have leading zeros).
    pub wmo: String,
    /// Decimal degrees, north positive.
    pub latitude_deg: f64,
    /// Decimal degrees, east positive.
    pub longitude_deg: f64,
    /// Hours from UTC (Korea: +9).
    pub time_zone_h: f64,
    pub elevation_m: f64,
}

/// How many hourly values of each quantity were missing in the file and filled by the reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilledCounts {
    pub dry_bulb: usize,
    /// Dew points computed from the hour's relative humidity.
    pub dew_point_from_rh: usize,
    /// Dew points interpolated in time (neither dew point nor relative humidity present).
    pub dew_point_interpolated: usize,
    pub rh: usize,
    pub pressure: usize,
}

impl FilledCounts {
    pub fn total(&self) -> usize {
        self.dry_bulb
            + self.dew_point_from_rh
            + self.dew_point_interpolated
            + self.rh
            + self.pressure
    }
}

/// Everything this reader takes from one EPW file.
#[derive(Debug, Clone, PartialEq)]
pub struct EpwFile {
    pub location: Location,
    /// Published design conditions, when the header has a complete set.
    pub design: Option<DesignConditions>,
    /// Why `design` is `None`, in words; `None` when `design` is present.
    pub design_note: Option<String>,
    pub year: HourlyYear,
    pub filled: FilledCounts,
}

// Missing-value markers from the EPW data dictionary: at or above these, a value is missing.
const MISSING_TEMPERATURE_C: f64 = 99.9;
const MISSING_RH_PCT: f64 = 999.0;
const MISSING_PRESSURE_PA: f64 = 999_999.0;

/// Read and check the EPW file at `path`. Bytes that are not UTF-8 (some files use Latin-1 in
/// station names) are replaced, not rejected.
pub fn read_epw(path: &Path) -> Result<EpwFile, ClimateError> {
    let bytes = crate::fsio::read_bounded(path, crate::fsio::limits::EPW).map_err(|e| {
        ClimateError::Io {
            file: path.to_path_buf(),
            source: match e {
                crate::fsio::ReadError::Io(e) => e,
                other => std::io::Error::other(other.to_string()),
            },
        }
    })?;
    parse_epw(path, &String::from_utf8_lossy(&bytes))
}

/// Parse EPW text; `file` is used only to name the source in errors and in the year's origin.
pub fn parse_epw(file: &Path, text: &str) -> Result<EpwFile, ClimateError> {
    // a byte-order mark some editors write is not part of the first field
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut location: Option<Location> = None;
    let mut design: Option<DesignConditions> = None;
    let mut design_note = Some("the file has no DESIGN CONDITIONS line".to_string());
    let mut raw: Vec<RawRecord> = Vec::with_capacity(crate::climate::HOURS_PER_LEAP_YEAR);

    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let first = fields.first().copied().unwrap_or("");
        let starts_numeric = first
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '+');

        if location.is_none() {
            if !first.eq_ignore_ascii_case("LOCATION") {
                return Err(ClimateError::Line {
                    file: file.to_path_buf(),
                    line: line_no,
                    // nothing of a file that is not EPW is echoed: it may be anything
                    reason: "not an EPW weather file: the first line is not a LOCATION header"
                        .into(),
                });
            }
            location = Some(parse_location(file, line_no, &fields)?);
            continue;
        }

        if starts_numeric {
            raw.push(parse_record(file, line_no, &fields)?);
            continue;
        }
        if !raw.is_empty() {
            return Err(ClimateError::Line {
                file: file.to_path_buf(),
                line: line_no,
                reason: format!(
                    "expected an hourly record (year,month,day,hour,...), found `{}`",
                    clip(first)
                ),
            });
        }
        match first.to_ascii_uppercase().as_str() {
            "DESIGN CONDITIONS" => match parse_design_conditions(file, line_no, &fields)? {
                Ok(d) => {
                    design = Some(d);
                    design_note = None;
                }
                Err(note) => design_note = Some(note),
            },
            "DATA PERIODS" => check_data_periods(file, line_no, &fields)?,
            // Other header lines carry nothing this reader needs.
            _ => {}
        }
    }

    let Some(location) = location else {
        return Err(ClimateError::File {
            file: file.to_path_buf(),
            reason: "empty file: no LOCATION header and no hourly records".into(),
        });
    };
    check_calendar(file, &raw)?;
    let (hours, filled) = fill_and_derive(file, &raw, location.elevation_m)?;
    Ok(EpwFile {
        location,
        design,
        design_note,
        year: HourlyYear {
            origin: YearOrigin::Epw {
                file: file.to_path_buf(),
            },
            hours,
        },
        filled,
    })
}

/// One hourly record as written, before filling.
struct RawRecord {
    line: usize,
    month: u8,
    day: u8,
    hour: u8,
    dry_bulb_c: Option<f64>,
    dew_point_c: Option<f64>,
    rh_pct: Option<f64>,
    pressure_pa: Option<f64>,
}

/// Shorten text quoted in an error so a garbage line does not flood the terminal.
/// A short excerpt of a field, for errors: at most 40 characters, control characters and
/// quotes escaped.
fn clip(s: &str) -> String {
    const MAX: usize = 40;
    let head: String = s.chars().take(MAX).collect();
    let shown = head.escape_debug().to_string();
    if s.chars().count() <= MAX {
        shown
    } else {
        format!("{shown}…")
    }
}

/// Context for reporting errors about one line.
struct LineCtx<'a> {
    file: &'a Path,
    line: usize,
    fields: &'a [&'a str],
}

impl LineCtx<'_> {
    fn field_error(&self, column: usize, field: &'static str, reason: String) -> ClimateError {
        ClimateError::Field {
            file: self.file.to_path_buf(),
            line: self.line,
            column,
            field,
            reason,
        }
    }

    fn text(&self, column: usize) -> &str {
        self.fields.get(column - 1).copied().unwrap_or("")
    }

    /// The number in 1-based `column`; `None` when the field is blank or absent.
    fn number(&self, column: usize, field: &'static str) -> Result<Option<f64>, ClimateError> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.field_error(
                column,
                field,
                format!("expected a finite number, found `{}`", clip(text)),
            )),
        }
    }

    fn required(&self, column: usize, field: &'static str) -> Result<f64, ClimateError> {
        self.number(column, field)?
            .ok_or_else(|| self.field_error(column, field, "value is blank or absent".into()))
    }

    fn in_range(
        &self,
        column: usize,
        field: &'static str,
        value: f64,
        min: f64,
        max: f64,
    ) -> Result<f64, ClimateError> {
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(self.field_error(column, field, format!("{value} is outside {min}..={max}")))
        }
    }

    fn integer(
        &self,
        column: usize,
        field: &'static str,
        min: u8,
        max: u8,
    ) -> Result<u8, ClimateError> {
        let v = self.required(column, field)?;
        if v.fract() != 0.0 || v < f64::from(min) || v > f64::from(max) {
            return Err(self.field_error(
                column,
                field,
                format!(
                    "expected a whole number in {min}..={max}, found `{}`",
                    self.text(column)
                ),
            ));
        }
        Ok(v as u8)
    }
}

fn parse_location(file: &Path, line: usize, fields: &[&str]) -> Result<Location, ClimateError> {
    let ctx = LineCtx { file, line, fields };
    if fields.len() < 10 {
        return Err(ClimateError::Line {
            file: file.to_path_buf(),
            line,
            reason: format!(
                "LOCATION needs 10 fields (keyword, city, region, country, source, WMO, latitude, \
                 longitude, time zone, elevation), found {}",
                fields.len()
            ),
        });
    }
    let lat = ctx.required(7, "latitude")?;
    let lon = ctx.required(8, "longitude")?;
    let tz = ctx.required(9, "time zone")?;
    let elev = ctx.required(10, "elevation")?;
    Ok(Location {
        city: ctx.text(2).to_string(),
        state_province: ctx.text(3).to_string(),
        country: ctx.text(4).to_string(),
        source: ctx.text(5).to_string(),
        wmo: ctx.text(6).to_string(),
        latitude_deg: ctx.in_range(7, "latitude", lat, -90.0, 90.0)?,
        longitude_deg: ctx.in_range(8, "longitude", lon, -180.0, 180.0)?,
        time_zone_h: ctx.in_range(9, "time zone", tz, -12.0, 14.0)?,
        elevation_m: ctx.in_range(10, "elevation", elev, -1000.0, 9999.9)?,
    })
}

/// Parse a `DESIGN CONDITIONS` line.
///
/// Columns used, counted from each section keyword (keyword = 0), as in the ASHRAE 2009
/// climatic design tables: `Heating` 1 coldest month, 2 99.6 % dry bulb, 3 99 % dry bulb;
/// `Cooling` 1 hottest month, 2 hottest month's mean daily dry-bulb range, 3/4 0.4 % dry bulb
/// and mean coincident wet bulb, 5/6 the same at 1 %, 7/8 at 2 %, 9/10 0.4 % evaporation wet
/// bulb and mean coincident dry bulb; `Extremes` 4 extreme annual maximum wet bulb.
///
/// Returns `Ok(Err(note))` when the line is well formed but has no usable set (zero
/// conditions, a missing section, or a blank required value), and `Err` when a value that is
/// present is not a number or is out of range.
pub fn parse_design_conditions(
    file: &Path,
    line: usize,
    fields: &[&str],
) -> Result<Result<DesignConditions, String>, ClimateError> {
    let ctx = LineCtx { file, line, fields };
    let count = ctx.number(2, "number of design conditions")?.unwrap_or(0.0);
    if count < 1.0 {
        return Ok(Err("the DESIGN CONDITIONS line lists no conditions".into()));
    }
    let source = ctx.text(3).to_string();
    let section = |name: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(name));
    let (Some(heating), Some(cooling)) = (section("Heating"), section("Cooling")) else {
        return Ok(Err(
            "the DESIGN CONDITIONS line has no Heating or no Cooling section".into(),
        ));
    };
    let extremes = section("Extremes");
    // `position` is 0-based; LineCtx columns are 1-based.
    let h = |k: usize| heating + 1 + k;
    let c = |k: usize| cooling + 1 + k;

    let month = |column: usize, name: &'static str| -> Result<Option<u8>, ClimateError> {
        match ctx.number(column, name)? {
            None => Ok(None),
            Some(_) => ctx.integer(column, name, 1, 12).map(Some),
        }
    };
    let temp = |column: usize, name: &'static str| -> Result<Option<f64>, ClimateError> {
        match ctx.number(column, name)? {
            None => Ok(None),
            Some(v) => ctx.in_range(column, name, v, -90.0, 70.0).map(Some),
        }
    };

    let coldest_month = month(h(1), "heating coldest month")?;
    let heating_996 = temp(h(2), "heating 99.6% dry bulb")?;
    let heating_990 = temp(h(3), "heating 99% dry bulb")?;
    let hottest_month = month(c(1), "cooling hottest month")?;
    let range = match ctx.number(c(2), "cooling hottest month daily range")? {
        None => None,
        Some(v) => Some(ctx.in_range(c(2), "cooling hottest month daily range", v, 0.0, 60.0)?),
    };
    let c004 = temp(c(3), "cooling 0.4% dry bulb")?;
    let c004_wb = temp(c(4), "cooling 0.4% mean coincident wet bulb")?;
    let c010 = temp(c(5), "cooling 1% dry bulb")?;
    let c010_wb = temp(c(6), "cooling 1% mean coincident wet bulb")?;
    let c020 = temp(c(7), "cooling 2% dry bulb")?;
    let c020_wb = temp(c(8), "cooling 2% mean coincident wet bulb")?;
    let e004 = temp(c(9), "evaporation 0.4% wet bulb")?;
    let e004_db = temp(c(10), "evaporation 0.4% mean coincident dry bulb")?;
    let extreme_wb = match extremes {
        Some(x) => temp(x + 1 + 4, "extreme maximum wet bulb")?,
        None => None,
    };

    let (Some(heating_996_db_c), Some(cooling_004_db_c), Some(cooling_004_mcwb_c)) =
        (heating_996, c004, c004_wb)
    else {
        return Ok(Err(
            "the DESIGN CONDITIONS line leaves the 99.6% heating or 0.4% cooling values blank"
                .into(),
        ));
    };
    Ok(Ok(DesignConditions {
        origin: DesignOrigin::EpwHeader { source },
        coldest_month,
        heating_996_db_c,
        heating_990_db_c: heating_990,
        hottest_month,
        hottest_month_db_range_k: range,
        cooling_004_db_c,
        cooling_004_mcwb_c,
        cooling_010_db_c: c010,
        cooling_010_mcwb_c: c010_wb,
        cooling_020_db_c: c020,
        cooling_020_mcwb_c: c020_wb,
        evaporation_004_wb_c: e004,
        evaporation_004_mcdb_c: e004_db,
        extreme_max_wb_c: extreme_wb,
    }))
}

fn check_data_periods(file: &Path, line: usize, fields: &[&str]) -> Result<(), ClimateError> {
    let ctx = LineCtx { file, line, fields };
    let periods = ctx.number(2, "number of data periods")?.unwrap_or(1.0);
    let per_hour = ctx.number(3, "records per hour")?.unwrap_or(1.0);
    if per_hour != 1.0 {
        return Err(ClimateError::Unsupported {
            file: file.to_path_buf(),
            line,
            reason: format!("{per_hour} records per hour; only hourly files are read"),
        });
    }
    if periods != 1.0 {
        return Err(ClimateError::Unsupported {
            file: file.to_path_buf(),
            line,
            reason: format!("{periods} data periods; only one full-year period is read"),
        });
    }
    Ok(())
}

fn parse_record(file: &Path, line: usize, fields: &[&str]) -> Result<RawRecord, ClimateError> {
    if fields.len() < 10 {
        return Err(ClimateError::Line {
            file: file.to_path_buf(),
            line,
            reason: format!(
                "an hourly record needs at least 10 fields (through station pressure), found {}",
                fields.len()
            ),
        });
    }
    let ctx = LineCtx { file, line, fields };
    let month = ctx.integer(2, "month", 1, 12)?;
    let max_day = if month == 2 {
        29
    } else {
        DAYS_IN_MONTH[usize::from(month) - 1] as u8
    };
    let day = ctx.integer(3, "day", 1, max_day)?;
    let hour = ctx.integer(4, "hour", 1, 24)?;

    let measured = |column: usize,
                    field: &'static str,
                    missing_at: f64,
                    min: f64,
                    max: f64|
     -> Result<Option<f64>, ClimateError> {
        match ctx.number(column, field)? {
            Some(v) if v < missing_at => ctx.in_range(column, field, v, min, max).map(Some),
            _ => Ok(None),
        }
    };
    Ok(RawRecord {
        line,
        month,
        day,
        hour,
        dry_bulb_c: measured(
            7,
            "dry bulb temperature",
            MISSING_TEMPERATURE_C,
            -70.0,
            70.0,
        )?,
        dew_point_c: measured(
            8,
            "dew point temperature",
            MISSING_TEMPERATURE_C,
            -70.0,
            70.0,
        )?,
        rh_pct: measured(9, "relative humidity", MISSING_RH_PCT, 0.0, 110.0)?,
        pressure_pa: measured(
            10,
            "atmospheric station pressure",
            MISSING_PRESSURE_PA,
            31_000.0,
            120_000.0,
        )?,
    })
}

/// The file must hold exactly one year of hourly records in calendar order, starting on
/// 1 January at hour 1; 8784 records mean a leap year with 29 February.
fn check_calendar(file: &Path, raw: &[RawRecord]) -> Result<(), ClimateError> {
    let leap = match raw.len() {
        crate::climate::HOURS_PER_YEAR => false,
        crate::climate::HOURS_PER_LEAP_YEAR => true,
        n => {
            return Err(ClimateError::File {
                file: file.to_path_buf(),
                reason: format!(
                    "expected {} hourly records (or {} for a leap year), found {n}",
                    crate::climate::HOURS_PER_YEAR,
                    crate::climate::HOURS_PER_LEAP_YEAR
                ),
            })
        }
    };
    let mut expected = (1_u8, 1_u8, 1_u8);
    for r in raw {
        let (m, d, h) = expected;
        if (r.month, r.day, r.hour) != expected {
            return Err(ClimateError::Line {
                file: file.to_path_buf(),
                line: r.line,
                reason: format!(
                    "record dated month {} day {} hour {}, expected month {m} day {d} hour {h} \
                     (records must run hour by hour from 1 January{})",
                    r.month,
                    r.day,
                    r.hour,
                    if leap { ", leap year" } else { "" }
                ),
            });
        }
        let days = match (m, leap) {
            (2, true) => 29,
            _ => DAYS_IN_MONTH[usize::from(m) - 1] as u8,
        };
        expected = if h < 24 {
            (m, d, h + 1)
        } else if d < days {
            (m, d + 1, 1)
        } else {
            (m + 1, 1, 1)
        };
    }
    Ok(())
}

/// Fill gaps in `values` by linear interpolation in time between the nearest present values
/// (nearest present value at either end). Returns the filled series and the number filled,
/// or `None` when no value is present.
fn interpolate_gaps(values: &[Option<f64>]) -> Option<(Vec<f64>, usize)> {
    let present: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
    let (&first, &last) = (present.first()?, present.last()?);
    let mut out = Vec::with_capacity(values.len());
    let mut filled = 0;
    let mut next_k = 0; // index into `present` of the first present value at or after i
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            out.push(*v);
            next_k += 1;
            continue;
        }
        filled += 1;
        let value_at = |j: usize| values[j].unwrap_or(f64::NAN);
        let v = if i < first {
            value_at(first)
        } else if i > last {
            value_at(last)
        } else {
            let (a, b) = (present[next_k - 1], present[next_k]);
            let w = (i - a) as f64 / (b - a) as f64;
            value_at(a) + w * (value_at(b) - value_at(a))
        };
        out.push(v);
    }
    Some((out, filled))
}

fn fill_and_derive(
    file: &Path,
    raw: &[RawRecord],
    elevation_m: f64,
) -> Result<(Vec<Hour>, FilledCounts), ClimateError> {
    let mut filled = FilledCounts::default();
    let no_values = |what: &str| ClimateError::File {
        file: PathBuf::from(file),
        reason: format!("every hourly {what} value is missing"),
    };

    let dry: Vec<Option<f64>> = raw.iter().map(|r| r.dry_bulb_c).collect();
    let (dry, n) = interpolate_gaps(&dry).ok_or_else(|| no_values("dry bulb"))?;
    filled.dry_bulb = n;

    let pressure: Vec<Option<f64>> = raw.iter().map(|r| r.pressure_pa).collect();
    let pressure = match interpolate_gaps(&pressure) {
        Some((p, n)) => {
            filled.pressure = n;
            p
        }
        None => {
            filled.pressure = raw.len();
            vec![psychro::standard_pressure_pa(elevation_m); raw.len()]
        }
    };

    let dew: Vec<Option<f64>> = raw
        .iter()
        .zip(&dry)
        .map(|(r, &t)| match (r.dew_point_c, r.rh_pct) {
            (Some(d), _) => Some(d),
            (None, Some(rh)) if rh > 0.0 => {
                filled.dew_point_from_rh += 1;
                Some(psychro::dew_point_from_rh_c(t, rh.min(100.0)))
            }
            _ => None,
        })
        .collect();
    let (dew, n) =
        interpolate_gaps(&dew).ok_or_else(|| no_values("dew point and relative humidity"))?;
    filled.dew_point_interpolated = n;

    let hours = raw
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = dry[i];
            let d = dew[i].min(t);
            let rh = match r.rh_pct {
                Some(rh) => rh.min(100.0),
                None => {
                    filled.rh += 1;
                    psychro::relative_humidity_pct(t, d).min(100.0)
                }
            };
            Hour {
                month: r.month,
                day: r.day,
                hour: r.hour,
                dry_bulb_c: t,
                dew_point_c: d,
                wet_bulb_c: psychro::wet_bulb_from_dew_point_c(t, d, pressure[i]),
                rh_pct: rh,
                pressure_pa: pressure[i],
            }
        })
        .collect();
    Ok((hours, filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_fills_inner_and_end_gaps() {
        let v = [None, Some(1.0), None, None, Some(4.0), None];
        let (out, n) = interpolate_gaps(&v).expect("some present");
        assert_eq!(n, 4);
        assert_eq!(out, vec![1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
        assert!(interpolate_gaps(&[None, None]).is_none());
    }

    #[test]
    fn design_line_with_zero_conditions_is_a_note_not_an_error() {
        let fields = ["DESIGN CONDITIONS", "0"];
        let r = parse_design_conditions(Path::new("x.epw"), 2, &fields).expect("no error");
        assert!(r.is_err());
    }
}
