//! Loading and validation of site and facility files.
//!
//! Each file goes through three stages; a stage runs only when the one before it passed:
//! 1. JSON syntax (serde_json's line:column);
//! 2. structure: types, unknown and missing fields (the first such error in the file, as
//!    serde reports it, with its JSON path recovered from the position);
//! 3. physics and plausibility: every range, count and cross-field check, all reported.
//!
//! Across files nothing stops early: [`validate_paths`] reports every problem in every file.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::site::limits::{
    APPROACH_K_MAX, CARBON_KG_PER_KWH_MAX, COP_MAX, DISTANCE_KM_MAX, DISTRIBUTION_V_MAX,
    DIURNAL_RANGE_K_MAX, ELEVATION_MAX_M, ELEVATION_MIN_M, HEADROOM_MW_MAX, IT_LOAD_MW_MAX,
    LAND_SIDE_M_MAX, LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG, MONTHS, RACK_KW_MAX,
    TARIFF_KRW_PER_KWH_MAX, TEMP_MAX_C, TEMP_MIN_C, VOLTAGE_KV_MAX,
};
use crate::site::locate::{join_index, join_key, Locator};
use crate::site::problem::{Detail, Problem, ProblemKind, SiteError};
use crate::site::types::{Facility, Site};

/// Which format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// `sites/*.json`.
    Site,
    /// `sites/facilities/*.json`.
    Facility,
}

impl FileKind {
    /// A file inside a folder named `facilities` is a facility; anything else is a site.
    pub fn of(path: &Path) -> FileKind {
        let in_facilities = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == "facilities");
        if in_facilities {
            FileKind::Facility
        } else {
            FileKind::Site
        }
    }
}

/// Reads, parses and validates a site file.
pub fn load_site(path: &Path) -> Result<Site, SiteError> {
    let text = read(path)?;
    parse_site(&text, path)
}

/// Reads, parses and validates a facility file.
pub fn load_facility(path: &Path) -> Result<Facility, SiteError> {
    let text = read(path)?;
    parse_facility(&text, path)
}

/// Parses and validates the text of a site file. `file` names it in problems; an `epw` path is
/// resolved against its folder.
pub fn parse_site(text: &str, file: &Path) -> Result<Site, SiteError> {
    let (site, locator) = parse_typed::<Site>(text, file)?;
    let mut checker = Checker::new(file, &locator);
    check_site_fields(&site, &mut checker);
    checker.finish(site)
}

/// Parses and validates the text of a facility file. `file` names it in problems.
pub fn parse_facility(text: &str, file: &Path) -> Result<Facility, SiteError> {
    let (facility, locator) = parse_typed::<Facility>(text, file)?;
    let mut checker = Checker::new(file, &locator);
    check_facility_fields(&facility, &mut checker);
    checker.finish(facility)
}

/// Every problem in one site file (empty when it is valid).
pub fn validate_site_file(path: &Path) -> Vec<Problem> {
    load_site(path)
        .err()
        .map(|e| e.problems())
        .unwrap_or_default()
}

/// Every problem in one facility file (empty when it is valid).
pub fn validate_facility_file(path: &Path) -> Vec<Problem> {
    load_facility(path)
        .err()
        .map(|e| e.problems())
        .unwrap_or_default()
}

/// Checks an in-memory site (one not read from a file). Problems carry no line:column.
pub fn check_site(site: &Site, file: &Path) -> Vec<Problem> {
    let text = serde_json::to_string(site).unwrap_or_default();
    let locator = Locator::new(&text);
    let mut checker = Checker::new(file, &locator);
    checker.positions = false;
    check_site_fields(site, &mut checker);
    checker.problems
}

/// Checks an in-memory facility. Problems carry no line:column.
pub fn check_facility(facility: &Facility, file: &Path) -> Vec<Problem> {
    let text = serde_json::to_string(facility).unwrap_or_default();
    let locator = Locator::new(&text);
    let mut checker = Checker::new(file, &locator);
    checker.positions = false;
    check_facility_fields(facility, &mut checker);
    checker.problems
}

/// The cross-file check: does the facility's footprint fit on the site's land (either
/// orientation)? The problem, if any, is reported against the site file at `land`.
pub fn check_fit(site: &Site, site_file: &Path, facility: &Facility) -> Option<Problem> {
    let footprint = facility.footprint();
    if site.land.fits(&footprint) {
        return None;
    }
    Some(Problem::expected(
        site_file,
        "land",
        ProblemKind::DoesNotFit,
        format!(
            "usable land of at least {:.1} x {:.1} m (either way round) for facility '{}': \
             {} racks in {} rows",
            footprint.width_m, footprint.depth_m, facility.name, footprint.racks, footprint.rows
        ),
        format!(
            "{:.1} x {:.1} m",
            site.land.usable_width_m, site.land.usable_depth_m
        ),
    ))
}

/// Expands files and folders into the files to validate. A folder yields its `*.json` files
/// sorted by name, then those of its `facilities/` subfolder if it has one. Paths that do not
/// exist, unreadable folders and folders without JSON files become problems.
pub fn expand_paths<P: AsRef<Path>>(paths: &[P]) -> (Vec<(PathBuf, FileKind)>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() {
            match json_files(path) {
                Ok(found) if found.is_empty() => problems.push(Problem::reason(
                    path,
                    "",
                    ProblemKind::Io,
                    "folder holds no .json file",
                )),
                Ok(found) => files.extend(found.into_iter().map(|f| {
                    let kind = FileKind::of(&f);
                    (f, kind)
                })),
                Err(e) => problems.push(Problem::reason(
                    path,
                    "",
                    ProblemKind::Io,
                    format!("cannot list folder: {e}"),
                )),
            }
            let facilities = path.join("facilities");
            if facilities.is_dir() {
                match json_files(&facilities) {
                    Ok(found) => files.extend(found.into_iter().map(|f| (f, FileKind::Facility))),
                    Err(e) => problems.push(Problem::reason(
                        &facilities,
                        "",
                        ProblemKind::Io,
                        format!("cannot list folder: {e}"),
                    )),
                }
            }
        } else if path.is_file() {
            files.push((path.to_path_buf(), FileKind::of(path)));
        } else {
            problems.push(Problem::reason(
                path,
                "",
                ProblemKind::Io,
                "no such file or folder",
            ));
        }
    }
    (files, problems)
}

/// Validates every file named or found in `paths` (see [`expand_paths`]) and returns every
/// problem of every file, in file order. With `facility`, that facility is validated too and
/// checked against the land of every valid site.
pub fn validate_paths<P: AsRef<Path>>(paths: &[P], facility: Option<&Path>) -> Vec<Problem> {
    let (files, mut problems) = expand_paths(paths);
    let facility_key = facility.map(canonical);
    let loaded_facility = facility.map(|f| (f, load_facility(f)));
    if let Some((_, Err(e))) = &loaded_facility {
        let listed = files
            .iter()
            .any(|(f, _)| Some(canonical(f)) == facility_key);
        if !listed {
            problems.extend(e.problems());
        }
    }
    for (file, kind) in &files {
        match kind {
            FileKind::Facility => problems.extend(validate_facility_file(file)),
            FileKind::Site => match read(file).and_then(|text| {
                let site = parse_site(&text, file)?;
                Ok((site, text))
            }) {
                Err(e) => problems.extend(e.problems()),
                Ok((site, text)) => {
                    if let Some((_, Ok(facility))) = &loaded_facility {
                        if let Some(problem) = check_fit(&site, file, facility) {
                            let locator = Locator::new(&text);
                            problems.push(problem.at(locator.key_position("land")));
                        }
                    }
                }
            },
        }
    }
    problems
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read(path: &Path) -> Result<String, SiteError> {
    fs::read_to_string(path).map_err(|source| SiteError::Read {
        file: path.to_path_buf(),
        source,
    })
}

/// Stages 1 and 2: syntax, then structure.
fn parse_typed<'t, T: DeserializeOwned>(
    text: &'t str,
    file: &Path,
) -> Result<(T, Locator<'t>), SiteError> {
    let locator = Locator::new(text);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        let (line, column) = locator.serde_line_column(e.line(), e.column());
        let reason = strip_position(&e.to_string());
        if reason.starts_with("number out of range") {
            let offset = locator.serde_offset(e.line(), e.column());
            let (path, position) = match locator.path_at(offset) {
                Some((path, start)) => (path, locator.line_column(start)),
                None => ("", (line, column)),
            };
            let problem = Problem::expected(
                file,
                path,
                ProblemKind::NonFinite,
                "a finite number",
                "a number out of range",
            )
            .at(Some(position));
            return Err(SiteError::Invalid {
                file: file.to_path_buf(),
                problems: vec![problem],
            });
        }
        return Err(SiteError::Syntax {
            file: file.to_path_buf(),
            line,
            column,
            reason,
        });
    }
    match serde_json::from_str::<T>(text) {
        Ok(value) => Ok((value, locator)),
        Err(e) => Err(SiteError::Invalid {
            file: file.to_path_buf(),
            problems: vec![structure_problem(&e, &locator, file)],
        }),
    }
}

/// Turns serde's first data error into a problem with a path.
fn structure_problem(e: &serde_json::Error, locator: &Locator<'_>, file: &Path) -> Problem {
    let message = strip_position(&e.to_string());
    let offset = locator.serde_offset(e.line(), e.column());
    let (path, start) = locator
        .path_at(offset)
        .map(|(p, s)| (p.to_string(), s))
        .unwrap_or_default();
    let position = Some(locator.line_column(start));
    if let Some(field) = between(&message, "missing field `", "`") {
        // serde stops at the closing brace of the object that lacks the field.
        let full = join_key(&path, field);
        let position = locator.key_position(&path).or(position);
        return Problem::reason(
            file,
            full,
            ProblemKind::MissingField,
            "required field is missing",
        )
        .at(position);
    }
    if message.starts_with("unknown field") {
        return Problem::reason(file, path, ProblemKind::UnknownField, message).at(position);
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.rsplit_once(", expected ") {
                return Problem::expected(file, path, ProblemKind::WrongType, expected, found)
                    .at(position);
            }
        }
    }
    Problem::reason(file, path, ProblemKind::WrongType, message).at(position)
}

/// serde_json appends " at line L column C"; we report the position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn between<'m>(text: &'m str, open: &str, close: &str) -> Option<&'m str> {
    let rest = text.split_once(open)?.1;
    Some(rest.split_once(close)?.0)
}

/// Collects stage-3 problems with their positions.
struct Checker<'a> {
    file: &'a Path,
    locator: &'a Locator<'a>,
    positions: bool,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a Path, locator: &'a Locator<'a>) -> Self {
        Checker {
            file,
            locator,
            positions: true,
            problems: Vec::new(),
        }
    }

    fn finish<T>(self, value: T) -> Result<T, SiteError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(SiteError::Invalid {
                file: self.file.to_path_buf(),
                problems: self.problems,
            })
        }
    }

    fn push(&mut self, path: &str, kind: ProblemKind, detail: Detail) {
        let position = if self.positions {
            self.locator.value_position(path)
        } else {
            None
        };
        self.problems
            .push(Problem::new(self.file, path, kind, detail).at(position));
    }

    fn expected(&mut self, path: &str, kind: ProblemKind, expected: String, found: String) {
        self.push(path, kind, Detail::Expected { expected, found });
    }

    /// False (after reporting) when `value` is NaN or infinite.
    fn finite(&mut self, path: &str, value: f64) -> bool {
        if value.is_finite() {
            return true;
        }
        self.expected(
            path,
            ProblemKind::NonFinite,
            "a finite number".into(),
            value.to_string(),
        );
        false
    }

    /// `min <= value <= max`.
    fn range(&mut self, path: &str, value: f64, min: f64, max: f64, unit: &str) {
        if self.finite(path, value) && !(min..=max).contains(&value) {
            self.expected(
                path,
                ProblemKind::OutOfRange,
                format!("{min} to {max}{unit}"),
                value.to_string(),
            );
        }
    }

    /// `0 <= value <= max`, reported as "expected >= 0" when negative.
    fn non_negative(&mut self, path: &str, value: f64, max: f64, unit: &str) {
        if !self.finite(path, value) {
            return;
        }
        if value < 0.0 {
            let expected = format!(">= 0{unit}");
            self.expected(path, ProblemKind::OutOfRange, expected, value.to_string());
        } else if value > max {
            let expected = format!("<= {max}{unit}");
            self.expected(path, ProblemKind::OutOfRange, expected, value.to_string());
        }
    }

    /// `0 < value <= max`.
    fn positive(&mut self, path: &str, value: f64, max: f64, unit: &str) {
        if !self.finite(path, value) {
            return;
        }
        if value <= 0.0 {
            let expected = format!("> 0{unit}");
            self.expected(path, ProblemKind::OutOfRange, expected, value.to_string());
        } else if value > max {
            let expected = format!("<= {max}{unit}");
            self.expected(path, ProblemKind::OutOfRange, expected, value.to_string());
        }
    }

    /// Exactly twelve values, each in `min..=max`.
    fn monthly(&mut self, path: &str, values: &[f64], min: f64, max: f64, unit: &str) {
        if values.len() > MONTHS {
            self.expected(
                &join_index(path, MONTHS),
                ProblemKind::WrongCount,
                format!("exactly {MONTHS} monthly values"),
                values.len().to_string(),
            );
        } else if values.len() < MONTHS {
            self.expected(
                path,
                ProblemKind::WrongCount,
                format!("exactly {MONTHS} monthly values"),
                values.len().to_string(),
            );
        }
        for (i, &v) in values.iter().enumerate() {
            self.range(&join_index(path, i), v, min, max, unit);
        }
    }

    fn non_empty(&mut self, path: &str, text: &str) {
        if text.trim().is_empty() {
            self.expected(
                path,
                ProblemKind::OutOfRange,
                "a non-empty string".into(),
                "an empty one".into(),
            );
        }
    }

    fn sources_and_assumed(&mut self, sources: &[String], assumed: &[String]) {
        if sources.is_empty() {
            self.expected(
                "sources",
                ProblemKind::WrongCount,
                "at least one source".into(),
                "none".into(),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, entry) in assumed.iter().enumerate() {
            let path = join_index("assumed", i);
            let names_data = !entry.is_empty()
                && entry != "sources"
                && entry != "assumed"
                && !entry.starts_with("sources[")
                && !entry.starts_with("assumed[");
            if !names_data || !self.locator.has_path(entry) {
                self.expected(
                    &path,
                    ProblemKind::BadAssumed,
                    "the JSON path of a field present in this file".into(),
                    format!("\"{entry}\""),
                );
            } else if !seen.insert(entry.as_str()) {
                self.push(
                    &path,
                    ProblemKind::BadAssumed,
                    Detail::Reason(format!("\"{entry}\" is listed twice")),
                );
            }
        }
    }
}

fn check_site_fields(site: &Site, c: &mut Checker<'_>) {
    let id_ok = !site.id.is_empty()
        && site
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !id_ok {
        c.expected(
            "id",
            ProblemKind::OutOfRange,
            "lowercase letters, digits, '_' or '-'".into(),
            format!("\"{}\"", site.id),
        );
    } else if let Some(stem) = c.file.file_stem().and_then(|s| s.to_str()) {
        if stem != site.id {
            c.expected(
                "id",
                ProblemKind::Inconsistent,
                format!("\"{stem}\" (the file name)"),
                format!("\"{}\"", site.id),
            );
        }
    }
    c.non_empty("name_en", &site.name_en);
    c.non_empty("name_ko", &site.name_ko);
    c.non_empty("province", &site.province);
    c.range("lat", site.lat, LAT_MIN_DEG, LAT_MAX_DEG, " °N");
    c.range("lon", site.lon, LON_MIN_DEG, LON_MAX_DEG, " °E");
    c.range(
        "elevation_m",
        site.elevation_m,
        ELEVATION_MIN_M,
        ELEVATION_MAX_M,
        " m",
    );

    let climate = &site.climate;
    c.non_empty("climate.kma_station.name", &climate.kma_station.name);
    c.monthly(
        "climate.monthly_mean_c",
        &climate.monthly_mean_c,
        TEMP_MIN_C,
        TEMP_MAX_C,
        " °C",
    );
    if let Some(range) = &climate.monthly_diurnal_range_c {
        c.monthly(
            "climate.monthly_diurnal_range_c",
            range,
            0.0,
            DIURNAL_RANGE_K_MAX,
            " K",
        );
    }
    if let Some(rh) = &climate.monthly_rh_pct {
        c.monthly("climate.monthly_rh_pct", rh, 0.0, 100.0, " %");
    }
    if let Some(design) = &climate.design {
        let (db, wb) = (design.dry_bulb_c, design.coincident_wet_bulb_c);
        c.range(
            "climate.design.dry_bulb_c",
            db,
            TEMP_MIN_C,
            TEMP_MAX_C,
            " °C",
        );
        c.range(
            "climate.design.coincident_wet_bulb_c",
            wb,
            TEMP_MIN_C,
            TEMP_MAX_C,
            " °C",
        );
        if wb > db {
            c.expected(
                "climate.design.coincident_wet_bulb_c",
                ProblemKind::Inconsistent,
                format!("<= the dry bulb ({db} °C)"),
                wb.to_string(),
            );
        }
    }
    if let Some(epw) = &climate.epw {
        let folder = c.file.parent().unwrap_or(Path::new(""));
        let resolved = folder.join(epw);
        if epw.trim().is_empty() || !resolved.is_file() {
            c.expected(
                "climate.epw",
                ProblemKind::MissingFile,
                format!("an EPW file at {}", resolved.display()),
                "no such file".into(),
            );
        }
    }

    let power = &site.power;
    c.non_negative(
        "power.grid_headroom_mw",
        power.grid_headroom_mw,
        HEADROOM_MW_MAX,
        "",
    );
    c.positive(
        "power.connection_voltage_kv",
        power.connection_voltage_kv,
        VOLTAGE_KV_MAX,
        " kV",
    );
    c.non_negative(
        "power.substation_distance_km",
        power.substation_distance_km,
        DISTANCE_KM_MAX,
        " km",
    );
    c.positive(
        "power.tariff_krw_per_kwh",
        power.tariff_krw_per_kwh,
        TARIFF_KRW_PER_KWH_MAX,
        " KRW/kWh",
    );
    c.non_negative(
        "power.grid_carbon_kg_per_kwh",
        power.grid_carbon_kg_per_kwh,
        CARBON_KG_PER_KWH_MAX,
        " kg/kWh",
    );
    if let Some(bus) = &power.grid_bus {
        c.non_empty("power.grid_bus", bus);
    }

    c.positive(
        "land.usable_width_m",
        site.land.usable_width_m,
        LAND_SIDE_M_MAX,
        " m",
    );
    c.positive(
        "land.usable_depth_m",
        site.land.usable_depth_m,
        LAND_SIDE_M_MAX,
        " m",
    );

    c.range("hazards.seismic", site.hazards.seismic, 0.0, 1.0, "");
    c.range("hazards.flood", site.hazards.flood, 0.0, 1.0, "");
    c.range("hazards.typhoon", site.hazards.typhoon, 0.0, 1.0, "");

    c.non_negative(
        "distance_to_seoul_km",
        site.distance_to_seoul_km,
        DISTANCE_KM_MAX,
        " km",
    );
    c.sources_and_assumed(&site.sources, &site.assumed);
}

fn check_facility_fields(f: &Facility, c: &mut Checker<'_>) {
    c.non_empty("name", &f.name);
    c.positive("it_load_mw", f.it_load_mw, IT_LOAD_MW_MAX, " MW");
    c.positive("rack_kw", f.rack_kw, RACK_KW_MAX, " kW per rack");
    c.positive("rack_width_m", f.rack_width_m, 10.0, " m");
    c.positive("rack_depth_m", f.rack_depth_m, 10.0, " m");
    if f.racks_per_row == 0 {
        c.expected(
            "racks_per_row",
            ProblemKind::OutOfRange,
            ">= 1".into(),
            "0".into(),
        );
    }
    c.positive("cold_aisle_m", f.cold_aisle_m, 20.0, " m");
    c.positive("hot_aisle_m", f.hot_aisle_m, 20.0, " m");
    c.non_negative(
        "perimeter_clearance_m",
        f.perimeter_clearance_m,
        100.0,
        " m",
    );

    let cool = &f.cooling;
    c.range(
        "cooling.supply_setpoint_c",
        cool.supply_setpoint_c,
        TEMP_MIN_C,
        TEMP_MAX_C,
        " °C",
    );
    c.positive(
        "cooling.supply_delta_t_k",
        cool.supply_delta_t_k,
        APPROACH_K_MAX,
        " K",
    );
    c.non_negative(
        "cooling.economizer_approach_k",
        cool.economizer_approach_k,
        APPROACH_K_MAX,
        " K",
    );
    c.non_negative(
        "cooling.tower_or_drycooler_approach_k",
        cool.tower_or_drycooler_approach_k,
        APPROACH_K_MAX,
        " K",
    );
    c.non_negative(
        "cooling.heat_rejection_fan_fraction",
        cool.heat_rejection_fan_fraction,
        1.0,
        "",
    );
    c.positive(
        "cooling.chiller_carnot_efficiency",
        cool.chiller_carnot_efficiency,
        1.0,
        "",
    );
    c.positive("cooling.chiller_cop_min", cool.chiller_cop_min, COP_MAX, "");
    c.positive("cooling.chiller_cop_max", cool.chiller_cop_max, COP_MAX, "");
    if cool.chiller_cop_max < cool.chiller_cop_min {
        c.expected(
            "cooling.chiller_cop_max",
            ProblemKind::Inconsistent,
            format!(">= chiller_cop_min ({})", cool.chiller_cop_min),
            cool.chiller_cop_max.to_string(),
        );
    }

    c.positive("ups_efficiency", f.ups_efficiency, 1.0, "");
    c.non_negative("fan_power_fraction", f.fan_power_fraction, 1.0, "");
    c.non_negative("pump_power_fraction", f.pump_power_fraction, 1.0, "");
    c.positive(
        "distribution_voltage_v",
        f.distribution_voltage_v,
        DISTRIBUTION_V_MAX,
        " V",
    );
    c.positive(
        "busway_conductance_s_m",
        f.busway_conductance_s_m,
        f64::MAX,
        " S·m",
    );
    c.sources_and_assumed(&f.sources, &f.assumed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kind_follows_the_folder() {
        assert_eq!(
            FileKind::of(Path::new("sites/facilities/a.json")),
            FileKind::Facility
        );
        assert_eq!(FileKind::of(Path::new("sites/pohang.json")), FileKind::Site);
        assert_eq!(FileKind::of(Path::new("x.json")), FileKind::Site);
    }

    #[test]
    fn serde_messages_lose_their_position_suffix() {
        assert_eq!(
            strip_position("invalid type: string \"a\", expected f64 at line 3 column 9"),
            "invalid type: string \"a\", expected f64"
        );
        assert_eq!(
            between("missing field `lat`", "missing field `", "`"),
            Some("lat")
        );
    }

    #[test]
    fn syntax_errors_keep_serde_positions() {
        let text = "{\n  \"id\": \"x\",\n  \"lat\": NaN\n}";
        match parse_site(text, Path::new("x.json")) {
            Err(SiteError::Syntax { line, column, .. }) => assert_eq!((line, column), (3, 10)),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }
}
