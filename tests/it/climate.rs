//! Integration tests for the climate module: EPW reading (fixtures written here, plus the one
//! real file in the shared data folder), hourly synthesis, derived design conditions and
//! psychrometrics against published values.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use crate::trials;
use dcplan::climate::{
    self, psychro, read_epw, synthesize, ClimateError, DesignOrigin, MonthlyClimate, YearOrigin,
    DAYS_IN_MONTH,
};
use libtest_mimic::Trial;

pub fn tests() -> Vec<Trial> {
    trials![
        plain epw_fixture_header_and_hours,
        plain epw_leap_year_has_8784_hours_with_29_february,
        plain epw_missing_values_are_filled_and_counted,
        plain epw_pressure_missing_all_year_uses_standard_atmosphere,
        plain epw_design_line_with_blanks_is_kept_as_a_note,
        plain epw_error_non_numeric_dry_bulb,
        plain epw_error_nan_text_and_out_of_range,
        plain epw_error_wrong_record_count,
        plain epw_error_out_of_sequence_record,
        plain epw_error_bad_day_and_short_record,
        plain epw_error_missing_location_and_bad_design_number,
        plain epw_error_subhourly_is_unsupported_and_missing_file_is_io,
        plain epw_error_all_dry_bulb_missing,
        shared real_ulsan_iwec_file,
        plain synthesis_reproduces_monthly_means_and_daily_ranges,
        plain synthesis_reports_assumed_defaults,
        plain synthesis_rejects_bad_input_with_the_field_path,
        plain synthesized_design_conditions_are_labelled_derived_and_plausible,
        plain saturation_pressure_matches_ashrae_table_3,
        plain standard_pressure_matches_ashrae_table_1,
        plain ashrae_fundamentals_example_1,
        plain wet_bulb_matches_psychrometric_chart,
        plain wet_bulb_agrees_with_stull_2011,
        plain wet_bulb_falls_with_altitude_at_fixed_rh,
    ]
}

/// The IWEC file of Ulsan in the shared folder (ASHRAE copyright: not shipped in the repository).
const ULSAN_EPW: &str = "data/epw/KOR_Ulsan.471520_IWEC.epw";

// ---------------------------------------------------------------------------------------------
// EPW fixtures
// ---------------------------------------------------------------------------------------------

/// A per-test scratch directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("dcplan-climate-{}-{}", std::process::id(), name));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.0.join(file);
        std::fs::write(&path, text).expect("write fixture");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// Invented station and design values, laid out in the ASHRAE 2009 column order.
const LOCATION_LINE: &str = "LOCATION,TESTVILLE,GB,KOR,Fixture,999001,36.25,128.75,9.0,120.0";
const DESIGN_LINE: &str = "DESIGN CONDITIONS,1,Climate Design Data 2009 ASHRAE Handbook,,\
Heating,1,-11.5,-9.0,-20.1,0.7,-5.0,-18.0,0.8,-3.0,10.0,0.5,9.0,1.0,2.5,300,\
Cooling,7,8.2,34.4,25.3,32.9,24.8,31.5,24.2,27.0,31.0,26.2,30.1,25.5,29.2,3.0,200,\
25.8,21.0,29.5,25.0,20.0,28.8,24.3,19.1,28.1,85.0,31.2,82.0,30.5,79.0,29.8,900,\
Extremes,8.0,7.0,6.0,29.1,-14.0,36.2,2.0,1.6,-15.4,37.3,-16.5,38.2,-17.6,39.1,-19.0,40.3";
const HEADER_LINES: usize = 8;

/// Fixture dry bulb for record `i` (0-based hour of year): seasonal plus diurnal sine.
fn fixture_dry_bulb(i: usize) -> f64 {
    let day = (i / 24) as f64;
    let hour = (i % 24) as f64;
    let t = 12.0
        + 10.0 * (2.0 * PI * (day - 110.0) / 365.0).sin()
        + 4.0 * (2.0 * PI * (hour - 9.0) / 24.0).sin();
    (t * 10.0).round() / 10.0
}

/// Fields of hourly record `i` in a year of `n` records (8784 means leap year).
fn fixture_record(i: usize, n: usize) -> Vec<String> {
    let leap = n == climate::HOURS_PER_LEAP_YEAR;
    let mut day_of_year = i / 24;
    let mut month = 0;
    loop {
        let days = if month == 1 && leap {
            29
        } else {
            DAYS_IN_MONTH[month] as usize
        };
        if day_of_year < days || month == 11 {
            break;
        }
        day_of_year -= days;
        month += 1;
    }
    let db = fixture_dry_bulb(i);
    let dp = db - 6.0;
    let rh = psychro::relative_humidity_pct(db, dp).round();
    let mut f: Vec<String> = vec![
        "2001".into(),
        (month + 1).to_string(),
        (day_of_year + 1).to_string(),
        (i % 24 + 1).to_string(),
        "60".into(),
        "A7A7A7A7*0?9?9?9?9?9?9?9A7A7A7A7A7A7*0E8*0*0".into(),
        format!("{db:.1}"),
        format!("{dp:.1}"),
        format!("{rh:.0}"),
        "100500".into(),
    ];
    // The remaining 25 fields (radiation, wind, sky, ...): plausible constants.
    f.extend(
        "0,1415,300,0,0,0,0,0,0,0,180,2.0,5,3,20.0,77777,9,999999999,10,0.1,0,88,0.0,0.0,0.0"
            .split(',')
            .map(String::from),
    );
    f
}

/// EPW text with `n` records; `edit(i, fields)` may change record `i` before it is written.
pub fn epw_text(n: usize, edit: impl Fn(usize, &mut Vec<String>)) -> String {
    let mut s = String::new();
    for line in [
        LOCATION_LINE,
        DESIGN_LINE,
        "TYPICAL/EXTREME PERIODS,1,Summer - Week Nearest Max Temperature For Period,Extreme,7/ 2,7/ 8",
        "GROUND TEMPERATURES,1,.5,,,,1,2,3,4,5,6,7,8,9,10,11,12",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
        "COMMENTS 1,\"Fixture written by dcplan tests, not real weather\"",
        "COMMENTS 2, made up",
        "DATA PERIODS,1,1,Data,Monday, 1/ 1,12/31",
    ] {
        s.push_str(line);
        s.push_str("\r\n");
    }
    for i in 0..n {
        let mut f = fixture_record(i, n);
        edit(i, &mut f);
        s.push_str(&f.join(","));
        s.push_str("\r\n");
    }
    s
}

/// 1-based file line of record `i`.
fn line_of(i: usize) -> usize {
    HEADER_LINES + i + 1
}

pub fn no_edit(_: usize, _: &mut Vec<String>) {}

// ---------------------------------------------------------------------------------------------
// EPW: headers and records
// ---------------------------------------------------------------------------------------------

fn epw_fixture_header_and_hours() {
    let dir = TempDir::new("header");
    let path = dir.write("good.epw", &epw_text(8760, no_edit));
    let epw = read_epw(&path).expect("fixture reads");

    let loc = &epw.location;
    assert_eq!(loc.city, "TESTVILLE");
    assert_eq!(loc.country, "KOR");
    assert_eq!(loc.wmo, "999001");
    assert_parsed(loc.latitude_deg, 36.25);
    assert_parsed(loc.longitude_deg, 128.75);
    assert_parsed(loc.time_zone_h, 9.0);
    assert_parsed(loc.elevation_m, 120.0);

    let d = epw.design.as_ref().expect("design conditions");
    assert_eq!(
        d.origin,
        DesignOrigin::EpwHeader {
            source: "Climate Design Data 2009 ASHRAE Handbook".into()
        }
    );
    assert!(epw.design_note.is_none());
    assert_eq!(d.coldest_month, Some(1));
    assert_parsed(d.heating_996_db_c, -11.5);
    assert_parsed(d.heating_990_db_c.expect("present"), -9.0);
    assert_eq!(d.hottest_month, Some(7));
    assert_parsed(d.hottest_month_db_range_k.expect("present"), 8.2);
    assert_parsed(d.cooling_004_db_c, 34.4);
    assert_parsed(d.cooling_004_mcwb_c, 25.3);
    assert_parsed(d.cooling_010_db_c.expect("present"), 32.9);
    assert_parsed(d.cooling_010_mcwb_c.expect("present"), 24.8);
    assert_parsed(d.cooling_020_db_c.expect("present"), 31.5);
    assert_parsed(d.cooling_020_mcwb_c.expect("present"), 24.2);
    assert_parsed(d.evaporation_004_wb_c.expect("present"), 27.0);
    assert_parsed(d.evaporation_004_mcdb_c.expect("present"), 31.0);
    assert_parsed(d.extreme_max_wb_c.expect("present"), 29.1);

    let year = &epw.year;
    assert_eq!(year.len(), 8760);
    assert_eq!(year.origin, YearOrigin::Epw { file: path.clone() });
    assert_eq!(epw.filled.total(), 0);
    let first = year.hours[0];
    assert_eq!((first.month, first.day, first.hour), (1, 1, 1));
    let last = year.hours[8759];
    assert_eq!((last.month, last.day, last.hour), (12, 31, 24));
    assert_eq!(first.dry_bulb_c, fixture_dry_bulb(0));
    assert_parsed(first.pressure_pa, 100_500.0);
    for h in &year.hours {
        assert!(h.dew_point_c <= h.wet_bulb_c + 1e-9 && h.wet_bulb_c <= h.dry_bulb_c + 1e-9);
        assert!((0.0..=100.0).contains(&h.rh_pct));
    }
}

fn epw_leap_year_has_8784_hours_with_29_february() {
    let dir = TempDir::new("leap");
    let path = dir.write("leap.epw", &epw_text(8784, no_edit));
    let epw = read_epw(&path).expect("leap file reads");
    assert_eq!(epw.year.len(), 8784);
    assert!(epw.year.hours.iter().any(|h| h.month == 2 && h.day == 29));
}

fn epw_missing_values_are_filled_and_counted() {
    let dir = TempDir::new("missing");
    let text = epw_text(8760, |i, f| match i {
        // Dry bulb missing for two hours in a row: interpolated.
        100 | 101 => f[6] = "99.9".into(),
        // Dew point missing, RH present: dew point from RH.
        200 => f[7] = "99.9".into(),
        // Dew point and RH both missing: dew point interpolated, RH recomputed.
        300 => {
            f[7] = "99.9".into();
            f[8] = "999".into();
        }
        // Blank RH counts as missing too.
        301 => f[8] = String::new(),
        // Pressure missing at the very first hour: takes the first present value.
        0 => f[9] = "999999".into(),
        _ => {}
    });
    let path = dir.write("missing.epw", &text);
    let epw = read_epw(&path).expect("reads with fills");
    let f = epw.filled;
    assert_eq!(f.dry_bulb, 2);
    assert_eq!(f.dew_point_from_rh, 1);
    assert_eq!(f.dew_point_interpolated, 1);
    assert_eq!(f.rh, 2);
    assert_eq!(f.pressure, 1);
    assert_eq!(f.total(), 7);

    let h = &epw.year.hours;
    let (a, b) = (fixture_dry_bulb(99), fixture_dry_bulb(102));
    assert!((h[100].dry_bulb_c - (a + (b - a) / 3.0)).abs() < 1e-12);
    assert!((h[101].dry_bulb_c - (a + 2.0 * (b - a) / 3.0)).abs() < 1e-12);
    // Dew point from an integer RH is within the RH rounding of the true 6 K depression.
    assert!((h[200].dew_point_c - (h[200].dry_bulb_c - 6.0)).abs() < 0.2);
    let (d0, d1) = (h[299].dew_point_c, h[301].dew_point_c);
    assert!((h[300].dew_point_c - 0.5 * (d0 + d1)).abs() < 1e-12);
    assert_parsed(h[0].pressure_pa, 100_500.0);
}

fn epw_pressure_missing_all_year_uses_standard_atmosphere() {
    let dir = TempDir::new("nopressure");
    let path = dir.write("p.epw", &epw_text(8760, |_, f| f[9] = "999999".into()));
    let epw = read_epw(&path).expect("reads");
    assert_eq!(epw.filled.pressure, 8760);
    let expected = psychro::standard_pressure_pa(120.0);
    assert!(epw.year.hours.iter().all(|h| h.pressure_pa == expected));
}

fn epw_design_line_with_blanks_is_kept_as_a_note() {
    let dir = TempDir::new("blankdesign");
    let text = epw_text(8760, no_edit).replacen("Cooling,7,8.2,34.4,25.3", "Cooling,7,8.2,,", 1);
    let epw = read_epw(&dir.write("d.epw", &text)).expect("reads");
    assert!(epw.design.is_none());
    assert!(epw
        .design_note
        .as_deref()
        .is_some_and(|n| n.contains("blank")));
}

// ---------------------------------------------------------------------------------------------
// EPW: errors name file, line and field
// ---------------------------------------------------------------------------------------------

fn read_err(dir: &TempDir, name: &str, text: &str) -> (PathBuf, ClimateError) {
    let path = dir.write(name, text);
    let err = read_epw(&path).expect_err("should fail");
    (path, err)
}

fn epw_error_non_numeric_dry_bulb() {
    let dir = TempDir::new("err-nan");
    let text = epw_text(8760, |i, f| {
        if i == 500 {
            f[6] = "warm".into();
        }
    });
    let (path, err) = read_err(&dir, "bad.epw", &text);
    match &err {
        ClimateError::Field {
            file,
            line,
            column,
            field,
            reason,
        } => {
            assert_eq!(file, &path);
            assert_eq!(*line, line_of(500));
            assert_eq!(*column, 7);
            assert_eq!(*field, "dry bulb temperature");
            assert!(reason.contains("`warm`"), "{reason}");
        }
        other => panic!("wrong error: {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("bad.epw:509: dry bulb temperature (field 7)"),
        "{msg}"
    );
}

fn epw_error_nan_text_and_out_of_range() {
    let dir = TempDir::new("err-range");
    let text = epw_text(8760, |i, f| {
        if i == 3 {
            f[8] = "NaN".into();
        }
    });
    let (_, err) = read_err(&dir, "nan.epw", &text);
    assert!(
        matches!(err, ClimateError::Field { line, column: 9, field: "relative humidity", .. } if line == line_of(3)),
        "{err:?}"
    );

    let text = epw_text(8760, |i, f| {
        if i == 4 {
            f[6] = "75.0".into();
        }
    });
    let (_, err) = read_err(&dir, "hot.epw", &text);
    assert!(
        matches!(&err, ClimateError::Field { column: 7, reason, .. } if reason.contains("outside")),
        "{err:?}"
    );
}

fn epw_error_wrong_record_count() {
    let dir = TempDir::new("err-count");
    let (_, err) = read_err(&dir, "short.epw", &epw_text(100, no_edit));
    assert!(
        matches!(&err, ClimateError::File { reason, .. } if reason.contains("found 100")),
        "{err:?}"
    );
}

fn epw_error_out_of_sequence_record() {
    let dir = TempDir::new("err-seq");
    let text = epw_text(8760, |i, f| {
        if i == 30 {
            f[3] = "8".into();
        }
    });
    let (_, err) = read_err(&dir, "seq.epw", &text);
    match &err {
        ClimateError::Line { line, reason, .. } => {
            assert_eq!(*line, line_of(30));
            assert!(reason.contains("expected month 1 day 2 hour 7"), "{reason}");
        }
        other => panic!("wrong error: {other:?}"),
    }
}

fn epw_error_bad_day_and_short_record() {
    let dir = TempDir::new("err-day");
    let text = epw_text(8760, |i, f| {
        if i == 10 {
            f[2] = "32".into();
        }
    });
    let (_, err) = read_err(&dir, "day.epw", &text);
    assert!(
        matches!(
            err,
            ClimateError::Field {
                column: 3,
                field: "day",
                ..
            }
        ),
        "{err:?}"
    );

    let text = epw_text(8760, |i, f| {
        if i == 11 {
            f.truncate(8);
        }
    });
    let (_, err) = read_err(&dir, "short.epw", &text);
    assert!(
        matches!(&err, ClimateError::Line { line, reason, .. } if *line == line_of(11) && reason.contains("found 8")),
        "{err:?}"
    );
}

fn epw_error_missing_location_and_bad_design_number() {
    let dir = TempDir::new("err-header");
    let text = epw_text(8760, no_edit).replacen("LOCATION", "LOCATOIN", 1);
    let (_, err) = read_err(&dir, "noloc.epw", &text);
    assert!(matches!(err, ClimateError::Line { line: 1, .. }), "{err:?}");

    let text = epw_text(8760, no_edit).replacen("Cooling,7,8.2,34.4", "Cooling,7,8.2,hot", 1);
    let (_, err) = read_err(&dir, "design.epw", &text);
    assert!(
        matches!(
            err,
            ClimateError::Field {
                line: 2,
                field: "cooling 0.4% dry bulb",
                ..
            }
        ),
        "{err:?}"
    );

    let text = epw_text(8760, no_edit).replacen(
        "LOCATION,TESTVILLE,GB,KOR,Fixture,999001,36.25",
        "LOCATION,TESTVILLE,GB,KOR,Fixture,999001,96.25",
        1,
    );
    let (_, err) = read_err(&dir, "lat.epw", &text);
    assert!(
        matches!(
            err,
            ClimateError::Field {
                line: 1,
                column: 7,
                field: "latitude",
                ..
            }
        ),
        "{err:?}"
    );
}

fn epw_error_subhourly_is_unsupported_and_missing_file_is_io() {
    let dir = TempDir::new("err-misc");
    let text = epw_text(8760, no_edit).replacen("DATA PERIODS,1,1,", "DATA PERIODS,1,4,", 1);
    let (_, err) = read_err(&dir, "sub.epw", &text);
    assert!(
        matches!(err, ClimateError::Unsupported { line: 8, .. }),
        "{err:?}"
    );

    let err = read_epw(&dir.0.join("absent.epw")).expect_err("absent");
    assert!(matches!(err, ClimateError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("absent.epw"));
}

fn epw_error_all_dry_bulb_missing() {
    let dir = TempDir::new("err-alldb");
    let (_, err) = read_err(
        &dir,
        "nodb.epw",
        &epw_text(8760, |_, f| f[6] = "99.9".into()),
    );
    assert!(
        matches!(&err, ClimateError::File { reason, .. } if reason.contains("dry bulb")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The real IWEC file (ASHRAE copyright: read here, never copied)
// ---------------------------------------------------------------------------------------------

fn real_ulsan_iwec_file(shared: &Path) {
    let path = shared.join(ULSAN_EPW);
    let epw = read_epw(&path).unwrap_or_else(|e| panic!("{e} (looked at {})", path.display()));
    assert_eq!(epw.year.len(), 8760);
    assert_eq!(epw.location.city, "ULSAN");
    assert_eq!(epw.location.wmo, "471520");
    assert_parsed(epw.location.time_zone_h, 9.0);
    assert_parsed(epw.location.elevation_m, 33.0);

    let d = epw.design.as_ref().expect("Ulsan has design conditions");
    // Documented in shared/data/README.md: 0.4 % cooling 33.1 °C, MCWB 24.9 °C.
    assert_parsed(d.cooling_004_db_c, 33.1);
    assert_parsed(d.cooling_004_mcwb_c, 24.9);
    assert_parsed(d.heating_996_db_c, -6.2);
    assert_parsed(d.evaporation_004_wb_c.expect("present"), 26.2);
    assert_eq!(d.hottest_month, Some(8));

    // A single typical year should land near the multi-year published cooling figures.
    let derived = epw.year.derive_design_conditions().expect("derive");
    assert!(matches!(derived.origin, DesignOrigin::Derived { .. }));
    assert!((derived.cooling_004_db_c - 33.1).abs() < 1.0, "{derived:?}");
    assert!(
        (derived.cooling_004_mcwb_c - 24.9).abs() < 1.0,
        "{derived:?}"
    );
    for h in &epw.year.hours {
        assert!(h.dew_point_c <= h.wet_bulb_c + 1e-9 && h.wet_bulb_c <= h.dry_bulb_c + 1e-9);
    }
}

// ---------------------------------------------------------------------------------------------
// Synthesis
// ---------------------------------------------------------------------------------------------

// Monthly means shaped like a Korean coastal station (not any station's normals).
const MEANS_C: [f64; 12] = [
    1.5, 3.2, 7.6, 13.1, 17.8, 21.4, 25.0, 25.9, 22.0, 16.5, 10.2, 3.9,
];
const RANGES_K: [f64; 12] = [9.0, 9.2, 9.0, 9.5, 8.8, 7.4, 6.2, 6.5, 7.2, 8.9, 9.1, 8.8];
const RH_PCT: [f64; 12] = [
    50.0, 52.0, 58.0, 62.0, 68.0, 75.0, 82.0, 81.0, 76.0, 66.0, 60.0, 53.0,
];

fn month_slices() -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for &n in &DAYS_IN_MONTH {
        let hours = n as usize * 24;
        out.push((start, start + hours));
        start += hours;
    }
    out
}

fn synthesis_reproduces_monthly_means_and_daily_ranges() {
    let input = MonthlyClimate {
        monthly_mean_c: &MEANS_C,
        monthly_diurnal_range_k: Some(&RANGES_K),
        monthly_rh_pct: Some(&RH_PCT),
        elevation_m: 40.0,
    };
    let out = synthesize(&input).expect("synthesis");
    assert!(out.assumed.is_empty());
    let year = &out.year;
    assert_eq!(year.len(), 8760);
    assert_eq!(year.origin, YearOrigin::Synthesized);

    for (m, (a, b)) in month_slices().into_iter().enumerate() {
        let hours = &year.hours[a..b];
        assert!(hours.iter().all(|h| usize::from(h.month) == m + 1));
        let mean = hours.iter().map(|h| h.dry_bulb_c).sum::<f64>() / hours.len() as f64;
        assert!((mean - MEANS_C[m]).abs() < 1e-9, "month {}: {mean}", m + 1);

        // Mean over the month's days of (max − min) equals the input range.
        let ranges: Vec<f64> = hours
            .chunks(24)
            .map(|day| {
                let max = day.iter().map(|h| h.dry_bulb_c).fold(f64::MIN, f64::max);
                let min = day.iter().map(|h| h.dry_bulb_c).fold(f64::MAX, f64::min);
                max - min
            })
            .collect();
        let mean_range = ranges.iter().sum::<f64>() / ranges.len() as f64;
        assert!(
            (mean_range - RANGES_K[m]).abs() < 1e-9,
            "month {}: {mean_range}",
            m + 1
        );
    }

    // Coolest hour near sunrise, warmest mid-afternoon, every day.
    for day in year.hours.chunks(24) {
        let argmin = (0..24)
            .min_by(|&i, &j| day[i].dry_bulb_c.total_cmp(&day[j].dry_bulb_c))
            .expect("24 hours");
        let argmax = (0..24)
            .max_by(|&i, &j| day[i].dry_bulb_c.total_cmp(&day[j].dry_bulb_c))
            .expect("24 hours");
        assert_eq!(day[argmin].hour, 6);
        assert_eq!(day[argmax].hour, 15);
    }

    let p = psychro::standard_pressure_pa(40.0);
    for h in &year.hours {
        assert_eq!(h.pressure_pa, p);
        assert!(h.dew_point_c <= h.wet_bulb_c + 1e-9 && h.wet_bulb_c <= h.dry_bulb_c + 1e-9);
        assert!(h.rh_pct > 0.0 && h.rh_pct <= 100.0);
    }
    // Dew point is constant through each day unless an hour is saturated.
    let day = &year.hours[180 * 24..181 * 24];
    let dew = day[14].dew_point_c;
    assert!(day
        .iter()
        .all(|h| (h.dew_point_c - dew).abs() < 1e-9 || h.dew_point_c == h.dry_bulb_c));
}

fn synthesis_reports_assumed_defaults() {
    let input = MonthlyClimate {
        monthly_mean_c: &MEANS_C,
        monthly_diurnal_range_k: None,
        monthly_rh_pct: None,
        elevation_m: 0.0,
    };
    let out = synthesize(&input).expect("synthesis");
    let fields: Vec<&str> = out.assumed.iter().map(|a| a.field.as_str()).collect();
    assert_eq!(fields, ["monthly_diurnal_range_k", "monthly_rh_pct"]);
    assert!(out.assumed[0].note.contains("8 K"));
    assert!(out.assumed[1].note.contains("70 %"));
    // With the default range every day spans exactly 8 K.
    for day in out.year.hours.chunks(24) {
        let max = day.iter().map(|h| h.dry_bulb_c).fold(f64::MIN, f64::max);
        let min = day.iter().map(|h| h.dry_bulb_c).fold(f64::MAX, f64::min);
        assert!((max - min - climate::synth::DEFAULT_DIURNAL_RANGE_K).abs() < 1e-9);
    }
}

fn synthesis_rejects_bad_input_with_the_field_path() {
    let thirteen = [10.0; 13];
    let err = synthesize(&MonthlyClimate {
        monthly_mean_c: &thirteen,
        monthly_diurnal_range_k: None,
        monthly_rh_pct: None,
        elevation_m: 0.0,
    })
    .expect_err("13 months");
    assert_eq!(
        err.to_string(),
        "climate.monthly_mean_c: expected 12 monthly values, found 13"
    );

    let mut rh = RH_PCT;
    rh[4] = f64::NAN;
    let err = synthesize(&MonthlyClimate {
        monthly_mean_c: &MEANS_C,
        monthly_diurnal_range_k: None,
        monthly_rh_pct: Some(&rh),
        elevation_m: 0.0,
    })
    .expect_err("NaN");
    assert!(
        matches!(&err, ClimateError::Input { field, .. } if field == "monthly_rh_pct[4]"),
        "{err:?}"
    );

    let mut range = RANGES_K;
    range[0] = -1.0;
    let err = synthesize(&MonthlyClimate {
        monthly_mean_c: &MEANS_C,
        monthly_diurnal_range_k: Some(&range),
        monthly_rh_pct: None,
        elevation_m: 0.0,
    })
    .expect_err("negative range");
    assert!(err
        .to_string()
        .starts_with("climate.monthly_diurnal_range_k[0]"));

    let err = synthesize(&MonthlyClimate {
        monthly_mean_c: &MEANS_C,
        monthly_diurnal_range_k: None,
        monthly_rh_pct: None,
        elevation_m: f64::INFINITY,
    })
    .expect_err("elevation");
    assert!(matches!(&err, ClimateError::Input { field, .. } if field == "elevation_m"));
}

fn synthesized_design_conditions_are_labelled_derived_and_plausible() {
    let out = synthesize(&MonthlyClimate {
        monthly_mean_c: &MEANS_C,
        monthly_diurnal_range_k: Some(&RANGES_K),
        monthly_rh_pct: Some(&RH_PCT),
        elevation_m: 40.0,
    })
    .expect("synthesis");
    let d = out.year.derive_design_conditions().expect("derive");
    assert!(matches!(d.origin, DesignOrigin::Derived { .. }));
    assert_eq!(d.hottest_month, Some(8));
    assert_eq!(d.coldest_month, Some(1));
    // No hour is hotter than August's warmest day can make it, nor the 0.4 % value below the
    // hottest monthly mean.
    let max_db = out
        .year
        .hours
        .iter()
        .map(|h| h.dry_bulb_c)
        .fold(f64::MIN, f64::max);
    assert!(d.cooling_004_db_c > 25.9 && d.cooling_004_db_c <= max_db);
    assert!(d.cooling_004_mcwb_c < d.cooling_004_db_c);
    assert!(d.heating_996_db_c < 1.5);
    assert!((d.hottest_month_db_range_k.expect("range") - RANGES_K[7]).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Psychrometrics against published values
// ---------------------------------------------------------------------------------------------

fn saturation_pressure_matches_ashrae_table_3() {
    // ASHRAE Handbook—Fundamentals (2017) ch. 1, Table 3 (saturation pressure of water), Pa.
    // The handbook states its formula agrees with the table within 300 ppm.
    for (t, table) in [
        (-20.0, 103.24),
        (-5.0, 401.74),
        (5.0, 872.6),
        (25.0, 3169.7),
        (50.0, 12351.3),
    ] {
        let p = psychro::saturation_pressure_pa(t);
        assert!((p / table - 1.0).abs() < 300e-6, "{t} °C: {p} vs {table}");
    }
}

fn standard_pressure_matches_ashrae_table_1() {
    // ASHRAE Handbook—Fundamentals (2017) ch. 1, Table 1 (standard atmosphere), Pa, ±1 Pa.
    for (z, table) in [
        (-500.0, 107_478.0),
        (0.0, 101_325.0),
        (500.0, 95_461.0),
        (1000.0, 89_875.0),
        (4000.0, 61_640.0),
    ] {
        let p = psychro::standard_pressure_pa(z);
        assert!((p - table).abs() <= 1.0, "{z} m: {p} vs {table}");
    }
}

fn ashrae_fundamentals_example_1() {
    // ASHRAE Handbook—Fundamentals (2017) ch. 1, Example 1: air at 40 °C dry bulb and 20 °C
    // thermodynamic wet bulb, 101.325 kPa. Published: W = 0.0065, h = 56.7 kJ/kg,
    // relative humidity 14 %, dew point about 7 °C (read from the chart). The handbook rounds
    // W from table values; eq. 35 with Hyland–Wexler gives 0.00640.
    let p = psychro::SEA_LEVEL_PRESSURE_PA;
    let w = psychro::humidity_ratio_from_wet_bulb(40.0, 20.0, p);
    assert!((w - 0.0065).abs() < 0.00015, "{w}");
    let h = psychro::moist_air_enthalpy_j_per_kg(40.0, w);
    assert!((h - 56_700.0).abs() < 150.0, "{h}");
    let pw = psychro::vapour_pressure_from_ratio_pa(w, p);
    let rh = 100.0 * pw / psychro::saturation_pressure_pa(40.0);
    assert!((rh - 14.0).abs() < 0.5, "{rh}");
    let dew = psychro::dew_point_from_vapour_pressure_c(pw);
    assert!((dew - 7.0).abs() < 0.5, "{dew}");
    // And back: the wet bulb of that state is 20 °C.
    assert!((psychro::wet_bulb_c(40.0, w, p) - 20.0).abs() < 1e-6);
}

fn wet_bulb_matches_psychrometric_chart() {
    // Sea-level wet bulbs read from the ASHRAE Psychrometric Chart No. 1 (normal temperature,
    // 101.325 kPa); chart reading resolution is about 0.2 K, hence the tolerance.
    let p = psychro::SEA_LEVEL_PRESSURE_PA;
    for (t, rh, chart_wb) in [(30.0, 50.0, 22.0), (35.0, 40.0, 24.0), (20.0, 50.0, 13.8)] {
        let wb = psychro::wet_bulb_from_rh_c(t, rh, p);
        assert!((wb - chart_wb).abs() < 0.2, "{t} °C {rh} %: {wb}");
    }
}

fn wet_bulb_agrees_with_stull_2011() {
    // Independent check: Stull (2011), "Wet-bulb temperature from relative humidity and air
    // temperature", J. Appl. Meteor. Climatol. 50, 2267–2269, an empirical fit at 101.325 kPa
    // valid for RH 5–99 % and −20…50 °C with errors within about −1…+0.65 K.
    fn stull(t: f64, rh: f64) -> f64 {
        t * (0.151_977 * (rh + 8.313_659).sqrt()).atan() + (t + rh).atan() - (rh - 1.676_331).atan()
            + 0.003_918_38 * rh.powf(1.5) * (0.023_101 * rh).atan()
            - 4.686_035
    }
    let p = psychro::SEA_LEVEL_PRESSURE_PA;
    for t in [0.0, 10.0, 20.0, 30.0, 40.0] {
        for rh in [20.0, 40.0, 60.0, 80.0, 95.0] {
            let ours = psychro::wet_bulb_from_rh_c(t, rh, p);
            let fit = stull(t, rh);
            assert!((ours - fit).abs() < 1.0, "{t} °C {rh} %: {ours} vs {fit}");
        }
    }
}

fn wet_bulb_falls_with_altitude_at_fixed_rh() {
    // The psychrometric equation depends on pressure: at lower pressure the same vapour
    // pressure is a larger humidity ratio, and the wet-bulb depression grows, so at a fixed
    // dry bulb and RH the thermodynamic wet bulb is lower up a hill than at sea level.
    let sea = psychro::wet_bulb_from_rh_c(30.0, 50.0, psychro::standard_pressure_pa(0.0));
    let high = psychro::wet_bulb_from_rh_c(30.0, 50.0, psychro::standard_pressure_pa(1500.0));
    assert!(high < sea, "{high} vs {sea}");
}

/// A value read from text equals the figure written there, to the last few bits: parsing is
/// checked against the decimal written in the fixture, not against a computation.
fn assert_parsed(found: f64, written: f64) {
    assert!(
        (found - written).abs() <= 1e-12 * written.abs().max(1.0),
        "read {found}, the file says {written}"
    );
}
