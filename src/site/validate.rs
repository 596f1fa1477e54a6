//! Loading and validation of site and facility files.
//!
//! Each file goes through three stages; a stage runs only when the one before it passed:
//! 1. JSON syntax (serde_json's line:column);
//! 2. structure: types, unknown and missing fields (the first such error in the file, as
//!    serde reports it, with its JSON path recovered from the position);
//! 3. physics and plausibility: every bound of [`rules`](super::rules), every count and
//!    cross-field check, all reported, in the order they appear in the file.
//!
//! What passes comes back as [`Valid`]: the only way to make one. Across files nothing stops
//! early: [`validate_paths`] reports every finding in every file.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::fsio::{limits, read_bounded, ReadError};
use crate::site::finding::{excerpt, number_text, Detail, Finding, FindingKind, SiteError};
use crate::site::limits::{MONTHS, UPS_EFFICIENCY_MIN};
use crate::site::locate::{join_index, join_key, Locator};
use crate::site::ranges::Range;
use crate::site::rules::{
    Bound, MonthlyRule, NumberRule, FACILITY_NUMBERS, SITE_MONTHLY, SITE_NUMBERS,
};
use crate::site::types::{Facility, RejectionKind, Site};
use crate::site::valid::Valid;

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
pub fn load_site(path: &Path) -> Result<Valid<Site>, SiteError> {
    let text = read(path)?;
    parse_site(&text, path)
}

/// Reads, parses and validates a facility file.
pub fn load_facility(path: &Path) -> Result<Valid<Facility>, SiteError> {
    let text = read(path)?;
    parse_facility(&text, path)
}

/// Parses and validates the text of a site file. `file` names it in findings; an `epw` path is
/// resolved against its folder.
pub fn parse_site(text: &str, file: &Path) -> Result<Valid<Site>, SiteError> {
    let (site, locator) = parse_typed::<Site>(text, file)?;
    let mut checker = Checker::new(file, &locator);
    check_site_fields(&site, &mut checker);
    checker.finish(site)
}

/// Parses and validates the text of a facility file. `file` names it in findings.
pub fn parse_facility(text: &str, file: &Path) -> Result<Valid<Facility>, SiteError> {
    let (facility, locator) = parse_typed::<Facility>(text, file)?;
    let mut checker = Checker::new(file, &locator);
    check_facility_fields(&facility, &mut checker);
    checker.finish(facility)
}

/// Every finding in one site file (empty when it is valid).
pub fn validate_site_file(path: &Path) -> Vec<Finding> {
    load_site(path)
        .err()
        .map(|e| e.findings())
        .unwrap_or_default()
}

/// Every finding in one facility file (empty when it is valid).
pub fn validate_facility_file(path: &Path) -> Vec<Finding> {
    load_facility(path)
        .err()
        .map(|e| e.findings())
        .unwrap_or_default()
}

/// Validates an in-memory site (one not read from a file, or one changed after loading);
/// `file` names it in findings and locates a relative `epw` path.
pub fn validate_site(site: Site, file: &Path) -> Result<Valid<Site>, SiteError> {
    let findings = check_site(&site, file);
    finish(file, findings, site)
}

/// Validates an in-memory facility; `file` names it in findings.
pub fn validate_facility(facility: Facility, file: &Path) -> Result<Valid<Facility>, SiteError> {
    let findings = check_facility(&facility, file);
    finish(file, findings, facility)
}

fn finish<T>(file: &Path, findings: Vec<Finding>, value: T) -> Result<Valid<T>, SiteError> {
    if findings.is_empty() {
        Ok(Valid::checked(value))
    } else {
        Err(SiteError::Invalid {
            file: file.to_path_buf(),
            findings,
        })
    }
}

/// Checks an in-memory site (one not read from a file). Findings carry no line:column.
pub fn check_site(site: &Site, file: &Path) -> Vec<Finding> {
    let text = serde_json::to_string(site).unwrap_or_default();
    let locator = Locator::new(&text);
    let mut checker = Checker::new(file, &locator);
    checker.positions = false;
    check_site_fields(site, &mut checker);
    in_format_order(&mut checker.findings, site);
    checker.findings
}

/// Checks an in-memory facility. Findings carry no line:column.
pub fn check_facility(facility: &Facility, file: &Path) -> Vec<Finding> {
    let text = serde_json::to_string(facility).unwrap_or_default();
    let locator = Locator::new(&text);
    let mut checker = Checker::new(file, &locator);
    checker.positions = false;
    check_facility_fields(facility, &mut checker);
    in_format_order(&mut checker.findings, facility);
    checker.findings
}

/// Sorts findings by where their field comes in the format (the order of the serde types'
/// fields, which is the order the documentation and the schema list them in), whatever the
/// order of the checks or of the file; findings on one field keep the order they were found.
fn in_format_order<T: serde::Serialize>(findings: &mut [Finding], value: &T) {
    let text = serde_json::to_string(value).unwrap_or_default();
    let format = Locator::new(&text);
    findings.sort_by_key(|f| format.offset_of_nearest(&f.path).unwrap_or(usize::MAX));
}

/// The cross-file check: does the facility's footprint fit on the site's land (either
/// orientation)? The finding, if any, is reported against the site file at `land`.
pub fn check_fit(site: &Site, site_file: &Path, facility: &Facility) -> Option<Finding> {
    let footprint = facility.footprint();
    if site.land.fits(&footprint) {
        return None;
    }
    Some(Finding::expected(
        site_file,
        "land",
        FindingKind::DoesNotFit,
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
/// exist, unreadable folders and folders without JSON files become findings.
pub fn expand_paths<P: AsRef<Path>>(paths: &[P]) -> (Vec<(PathBuf, FileKind)>, Vec<Finding>) {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() {
            match json_files(path) {
                Ok(found) if found.is_empty() => findings.push(Finding::reason(
                    path,
                    "",
                    FindingKind::Io,
                    "folder holds no .json file",
                )),
                Ok(found) => files.extend(found.into_iter().map(|f| {
                    let kind = FileKind::of(&f);
                    (f, kind)
                })),
                Err(e) => findings.push(Finding::reason(
                    path,
                    "",
                    FindingKind::Io,
                    format!("cannot list folder: {e}"),
                )),
            }
            let facilities = path.join("facilities");
            if facilities.is_dir() {
                match json_files(&facilities) {
                    Ok(found) => files.extend(found.into_iter().map(|f| (f, FileKind::Facility))),
                    Err(e) => findings.push(Finding::reason(
                        &facilities,
                        "",
                        FindingKind::Io,
                        format!("cannot list folder: {e}"),
                    )),
                }
            }
        } else {
            match fs::metadata(path) {
                // a regular file, or something the reader will refuse with its reason (a
                // FIFO, a device): listed, so the reason is reported against it
                Ok(_) => files.push((path.to_path_buf(), FileKind::of(path))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => findings.push(
                    Finding::reason(path, "", FindingKind::Io, "no such file or folder"),
                ),
                Err(e) => findings.push(Finding::reason(
                    path,
                    "",
                    FindingKind::Io,
                    format!("cannot read: {e}"),
                )),
            }
        }
    }
    (files, findings)
}

/// Validates every file named or found in `paths` (see [`expand_paths`]) and returns every
/// finding of every file, in file order. With `facility`, that facility is validated too and
/// checked against the land of every valid site.
pub fn validate_paths<P: AsRef<Path>>(paths: &[P], facility: Option<&Path>) -> Vec<Finding> {
    let (files, mut findings) = expand_paths(paths);
    let facility_key = facility.map(canonical);
    let loaded_facility = facility.map(|f| (f, load_facility(f)));
    if let Some((_, Err(e))) = &loaded_facility {
        let listed = files
            .iter()
            .any(|(f, _)| Some(canonical(f)) == facility_key);
        if !listed {
            findings.extend(e.findings());
        }
    }
    for (file, kind) in &files {
        match kind {
            FileKind::Facility => findings.extend(validate_facility_file(file)),
            FileKind::Site => match read(file).and_then(|text| {
                let site = parse_site(&text, file)?;
                Ok((site, text))
            }) {
                Err(e) => findings.extend(e.findings()),
                Ok((site, text)) => {
                    if let Some((_, Ok(facility))) = &loaded_facility {
                        if let Some(finding) = check_fit(&site, file, facility) {
                            let locator = Locator::new(&text);
                            findings.push(finding.at(locator.key_position("land")));
                        }
                    }
                }
            },
        }
    }
    findings
}

/// `dcplan validate`: every finding of [`validate_paths`], and, without a `facility`, every
/// facility among the files checked against every site's land. Returns how many files were
/// looked at, and the findings.
pub fn validate_all<P: AsRef<Path>>(paths: &[P], facility: Option<&Path>) -> (usize, Vec<Finding>) {
    let mut findings = validate_paths(paths, facility);
    let (files, _) = expand_paths(paths);
    if facility.is_none() {
        let sites: Vec<_> = files
            .iter()
            .filter(|(_, k)| *k == FileKind::Site)
            .filter_map(|(p, _)| load_site(p).ok().map(|s| (p, s)))
            .collect();
        for (fp, _) in files.iter().filter(|(_, k)| *k == FileKind::Facility) {
            if let Ok(f) = load_facility(fp) {
                findings.extend(sites.iter().filter_map(|(p, s)| check_fit(s, p, &f)));
            }
        }
    }
    (files.len(), findings)
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        // every `*.json` that is not a folder: one that is not a regular file (a symlink to a
        // device, a FIFO) is listed so that reading it reports why, never skipped
        if !path.is_dir() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads a site or facility file: a regular file within the JSON size limit, as UTF-8 (a
/// leading byte-order mark is dropped).
fn read(path: &Path) -> Result<String, SiteError> {
    let fail = |source| SiteError::Read {
        file: path.to_path_buf(),
        source,
    };
    let bytes = read_bounded(path, limits::JSON).map_err(fail)?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        fail(ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )))
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// The folder named by `--weather-dir`, set once by the command line (canonical).
static WEATHER_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Lets sites name EPW files that lie in `dir` (`--weather-dir`), besides their own folder.
/// Set once per process; a second call is ignored.
pub fn set_weather_dir(dir: &Path) -> Result<(), String> {
    let real = fs::canonicalize(dir).map_err(|e| {
        format!(
            "--weather-dir: {}: cannot open: {e}",
            excerpt(&dir.display().to_string())
        )
    })?;
    if !real.is_dir() {
        return Err(format!(
            "--weather-dir: expected a folder, found {}",
            excerpt(&dir.display().to_string())
        ));
    }
    let _ = WEATHER_DIR.set(real);
    Ok(())
}

/// The rule for a site's `climate.epw`: a relative path without `..`, naming a regular file
/// no larger than [`limits::EPW`] that lies inside the site file's folder, or inside the
/// `--weather-dir` folder where one is given and the site's folder has no such file, once
/// symlinks are resolved. Returns the path to read, or what is wrong.
pub fn resolve_epw(site_file: &Path, epw: &str) -> Result<PathBuf, String> {
    let folder = match site_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let rel = Path::new(epw);
    if epw.trim().is_empty() {
        return Err("expected an EPW file name, found an empty string".into());
    }
    let plain = rel.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if !plain {
        return Err(format!(
            "expected a path relative to the site file's folder (or --weather-dir), without \
             `..` (weather files live in or below those folders), found \"{}\"",
            excerpt(epw)
        ));
    }
    match (WEATHER_DIR.get(), fs::symlink_metadata(folder.join(rel))) {
        (Some(dir), Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            resolve_inside(dir, rel, "the --weather-dir folder")
        }
        _ => resolve_inside(folder, rel, "the site's folder"),
    }
}

/// `rel` inside `folder` (named `what` in messages): a regular file of bounded size that
/// stays inside once symlinks are resolved.
fn resolve_inside(folder: &Path, rel: &Path, what: &str) -> Result<PathBuf, String> {
    let resolved = folder.join(rel);
    let meta = match fs::metadata(&resolved) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "expected an EPW file at {}, found no such file",
                excerpt(&resolved.display().to_string())
            ))
        }
        Err(e) => {
            return Err(format!(
                "{}: cannot read: {e}",
                excerpt(&resolved.display().to_string())
            ))
        }
        Ok(m) => m,
    };
    let inside = match (fs::canonicalize(folder), fs::canonicalize(&resolved)) {
        (Ok(base), Ok(real)) => real.starts_with(base),
        _ => false,
    };
    if !inside {
        return Err(format!(
            "expected a file inside {what}, found {}, a link that leads outside it",
            excerpt(&resolved.display().to_string())
        ));
    }
    if !meta.is_file() {
        return Err(format!(
            "{}: {}",
            excerpt(&resolved.display().to_string()),
            ReadError::NotRegular(crate::fsio::kind_of(meta.file_type()))
        ));
    }
    if meta.len() > limits::EPW.bytes {
        return Err(format!(
            "{}: {}",
            excerpt(&resolved.display().to_string()),
            ReadError::TooLarge {
                size: meta.len(),
                limit: limits::EPW
            }
        ));
    }
    Ok(resolved)
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
            let finding = Finding::expected(
                file,
                path,
                FindingKind::NonFinite,
                "a finite number",
                "a number out of range",
            )
            .at(Some(position));
            return Err(SiteError::Invalid {
                file: file.to_path_buf(),
                findings: vec![finding],
            });
        }
        let offset = locator.serde_offset(e.line(), e.column());
        if let Some((key, token)) = non_finite_literal(text, offset) {
            let finding = Finding::expected(
                file,
                key,
                FindingKind::NonFinite,
                "a finite number (JSON has no NaN or Infinity)",
                excerpt(&token),
            )
            .at(Some((line, column)));
            return Err(SiteError::Invalid {
                file: file.to_path_buf(),
                findings: vec![finding],
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
            findings: vec![structure_problem(&e, &locator, file)],
        }),
    }
}

/// Where JSON syntax fails on a `NaN` or `Infinity` literal (which some writers emit for a
/// non-finite number), the key it is the value of and the literal.
fn non_finite_literal(text: &str, offset: usize) -> Option<(String, String)> {
    let before = text.get(..offset.min(text.len()))?;
    let colon = before.rfind(':')?;
    let token: String = text[colon + 1..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c))
        .take(12)
        .collect();
    let bare = token.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if !matches!(bare.as_str(), "nan" | "inf" | "infinity") {
        return None;
    }
    let key_end = before[..colon].trim_end().strip_suffix('"')?;
    let key_start = key_end.rfind('"')?;
    Some((key_end[key_start + 1..].to_string(), token))
}

/// Turns serde's first data error into a finding with a path.
fn structure_problem(e: &serde_json::Error, locator: &Locator<'_>, file: &Path) -> Finding {
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
        return Finding::reason(
            file,
            full,
            FindingKind::MissingField,
            "required field is missing",
        )
        .at(position);
    }
    if message.starts_with("unknown field") {
        return Finding::reason(file, path, FindingKind::UnknownField, message).at(position);
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.rsplit_once(", expected ") {
                return Finding::expected(file, path, FindingKind::WrongType, expected, found)
                    .at(position);
            }
        }
    }
    Finding::reason(file, path, FindingKind::WrongType, message).at(position)
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

/// Collects stage-3 findings with their positions.
struct Checker<'a> {
    file: &'a Path,
    locator: &'a Locator<'a>,
    positions: bool,
    findings: Vec<Finding>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a Path, locator: &'a Locator<'a>) -> Self {
        Checker {
            file,
            locator,
            positions: true,
            findings: Vec::new(),
        }
    }

    /// The value if nothing was found; else every finding, in the format's field order.
    fn finish<T: serde::Serialize>(mut self, value: T) -> Result<Valid<T>, SiteError> {
        in_format_order(&mut self.findings, &value);
        finish(self.file, self.findings, value)
    }

    fn push(&mut self, path: &str, kind: FindingKind, detail: Detail) {
        let position = if self.positions {
            self.locator.value_position(path)
        } else {
            None
        };
        self.findings
            .push(Finding::new(self.file, path, kind, detail).at(position));
    }

    fn expected(&mut self, path: &str, kind: FindingKind, expected: String, found: String) {
        self.push(path, kind, Detail::Expected { expected, found });
    }

    /// False (after reporting) when `value` is NaN or infinite.
    fn finite(&mut self, path: &str, value: f64) -> bool {
        if value.is_finite() {
            return true;
        }
        self.expected(
            path,
            FindingKind::NonFinite,
            "a finite number".into(),
            value.to_string(),
        );
        false
    }

    /// Every rule of `rules` on `value`.
    fn numbers<T>(&mut self, rules: &[NumberRule<T>], value: &T) {
        for rule in rules {
            if let Some(v) = (rule.value)(value) {
                self.number(rule.path, v, rule.bound, rule.unit);
            }
        }
    }

    /// One number against its bound; a negative value under a non-negative bound is reported
    /// as "expected >= 0", a non-positive one under a positive bound as "expected > 0".
    fn number(&mut self, path: &str, value: f64, bound: Bound, unit: &str) {
        if !self.finite(path, value) || bound.holds(value) {
            return;
        }
        let expected = match bound {
            Bound::Range { min, max } => format!("{min} to {max}{unit}"),
            Bound::NonNegative { .. } if value < 0.0 => format!(">= 0{unit}"),
            Bound::Positive { .. } if value <= 0.0 => format!("> 0{unit}"),
            Bound::NonNegative { max } | Bound::Positive { max } => format!("<= {max}{unit}"),
        };
        self.expected(path, FindingKind::OutOfRange, expected, number_text(value));
    }

    /// Exactly twelve values, each within the rule's bound.
    fn monthly(&mut self, rule: &MonthlyRule, values: &[f64]) {
        let path = rule.path;
        if values.len() > MONTHS {
            self.expected(
                &join_index(path, MONTHS),
                FindingKind::WrongCount,
                format!("exactly {MONTHS} monthly values"),
                values.len().to_string(),
            );
        } else if values.len() < MONTHS {
            self.expected(
                path,
                FindingKind::WrongCount,
                format!("exactly {MONTHS} monthly values"),
                values.len().to_string(),
            );
        }
        for (i, &v) in values.iter().enumerate() {
            self.number(&join_index(path, i), v, rule.bound, rule.unit);
        }
    }

    fn non_empty(&mut self, path: &str, text: &str) {
        if text.trim().is_empty() {
            self.expected(
                path,
                FindingKind::OutOfRange,
                "a non-empty string".into(),
                "an empty one".into(),
            );
        }
    }

    /// Every range of the file's `ranges`: a ruled scalar present in the file, bounds
    /// finite and inside the field's rule, `low <= value <= high`.
    fn ranges<T>(
        &mut self,
        rules: &[NumberRule<T>],
        value: &T,
        ranges: &std::collections::BTreeMap<String, Range>,
    ) {
        for (key, range) in ranges {
            let path = join_key("ranges", key);
            let Some(rule) = rules.iter().find(|r| r.path == key) else {
                self.expected(
                    &path,
                    FindingKind::UnknownField,
                    "the JSON path of a scalar number of this format (monthly series and \
                     categories take no range)"
                        .into(),
                    format!("\"{key}\""),
                );
                continue;
            };
            let Some(v) = (rule.value)(value) else {
                self.expected(
                    &path,
                    FindingKind::Inconsistent,
                    format!("a range for a field present in this file ({key} is absent)"),
                    format!("\"{key}\""),
                );
                continue;
            };
            let (low_path, high_path) = (join_key(&path, "low"), join_key(&path, "high"));
            let low_ok = self.finite(&low_path, range.low);
            let high_ok = self.finite(&high_path, range.high);
            if !(low_ok && high_ok) {
                continue;
            }
            self.number(&low_path, range.low, rule.bound, rule.unit);
            self.number(&high_path, range.high, rule.bound, rule.unit);
            if range.low > v {
                self.expected(
                    &low_path,
                    FindingKind::Inconsistent,
                    format!("low <= the file's value {v}{}", rule.unit),
                    range.low.to_string(),
                );
            }
            if range.high < v {
                self.expected(
                    &high_path,
                    FindingKind::Inconsistent,
                    format!("high >= the file's value {v}{}", rule.unit),
                    range.high.to_string(),
                );
            }
        }
    }

    fn sources_and_assumed(&mut self, sources: &[String], assumed: &[String]) {
        if sources.is_empty() {
            self.expected(
                "sources",
                FindingKind::WrongCount,
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
                    FindingKind::BadAssumed,
                    "the JSON path of a field present in this file".into(),
                    format!("\"{}\"", excerpt(entry)),
                );
            } else if !seen.insert(entry.as_str()) {
                self.push(
                    &path,
                    FindingKind::BadAssumed,
                    Detail::Reason(format!("\"{}\" is listed twice", excerpt(entry))),
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
            FindingKind::OutOfRange,
            "lowercase letters, digits, '_' or '-'".into(),
            format!("\"{}\"", excerpt(&site.id)),
        );
    } else if let Some(stem) = c.file.file_stem().and_then(|s| s.to_str()) {
        if stem != site.id {
            c.expected(
                "id",
                FindingKind::Inconsistent,
                format!("\"{}\" (the file name)", excerpt(stem)),
                format!("\"{}\"", excerpt(&site.id)),
            );
        }
    }
    c.non_empty("name_en", &site.name_en);
    c.non_empty("name_ko", &site.name_ko);
    c.non_empty("province", &site.province);
    c.non_empty("climate.kma_station.name", &site.climate.kma_station.name);
    if let Some(bus) = &site.power.grid_bus {
        c.non_empty("power.grid_bus", bus);
    }
    c.numbers(SITE_NUMBERS, site);
    for rule in SITE_MONTHLY {
        if let Some(values) = (rule.values)(site) {
            c.monthly(rule, values);
        }
    }
    if let Some(design) = &site.climate.design {
        let (db, wb) = (design.dry_bulb_c, design.coincident_wet_bulb_c);
        if wb > db {
            c.expected(
                "climate.design.coincident_wet_bulb_c",
                FindingKind::Inconsistent,
                format!("<= the dry bulb ({db} °C)"),
                wb.to_string(),
            );
        }
    }
    if let Some(epw) = &site.climate.epw {
        if let Err(reason) = resolve_epw(c.file, epw) {
            c.push(
                "climate.epw",
                FindingKind::MissingFile,
                Detail::Reason(reason),
            );
        }
    }
    c.sources_and_assumed(&site.sources, &site.assumed);
    c.ranges(SITE_NUMBERS, site, &site.ranges);
}

fn check_facility_fields(f: &Facility, c: &mut Checker<'_>) {
    c.non_empty("name", &f.name);
    c.numbers(FACILITY_NUMBERS, f);
    if f.racks_per_row == 0 {
        c.expected(
            "racks_per_row",
            FindingKind::OutOfRange,
            ">= 1".into(),
            "0".into(),
        );
    }
    let cool = &f.cooling;
    if cool.chiller_cop_max < cool.chiller_cop_min {
        c.expected(
            "cooling.chiller_cop_max",
            FindingKind::Inconsistent,
            format!(">= chiller_cop_min ({})", cool.chiller_cop_min),
            cool.chiller_cop_max.to_string(),
        );
    }
    if let Some(a) = &f.air {
        if a.ceiling_height_m < a.rack_height_m {
            c.expected(
                "air.ceiling_height_m",
                FindingKind::Inconsistent,
                format!(">= air.rack_height_m ({} m)", a.rack_height_m),
                a.ceiling_height_m.to_string(),
            );
        }
    }
    if let Some(l) = &f.liquid {
        if l.class_limit_c < l.supply_setpoint_c {
            c.expected(
                "liquid.class_limit_c",
                FindingKind::Inconsistent,
                format!(">= liquid.supply_setpoint_c ({} °C)", l.supply_setpoint_c),
                l.class_limit_c.to_string(),
            );
        }
        if l.adiabatic_effectiveness.is_some() && l.rejection != RejectionKind::DryCooler {
            c.expected(
                "liquid.adiabatic_effectiveness",
                FindingKind::Inconsistent,
                "only with dry coolers (liquid.rejection = dry_cooler)".into(),
                "a value".into(),
            );
        }
    }
    if let Some(d) = f.plant.as_ref().and_then(|p| p.design) {
        if d.wet_bulb_c > d.dry_bulb_c {
            c.expected(
                "plant.design.wet_bulb_c",
                FindingKind::Inconsistent,
                format!("<= plant.design.dry_bulb_c ({} °C)", d.dry_bulb_c),
                d.wet_bulb_c.to_string(),
            );
        }
    }
    if let Some(u) = &f.utilisation {
        if u.len() != 24 {
            c.expected(
                "utilisation",
                FindingKind::OutOfRange,
                "24 hourly values".into(),
                format!("{} values", u.len()),
            );
        }
        for (k, v) in u.iter().enumerate() {
            if !(v.is_finite() && (0.0..=1.0).contains(v)) {
                c.expected(
                    &format!("utilisation[{k}]"),
                    FindingKind::OutOfRange,
                    "a fraction in 0..=1".into(),
                    v.to_string(),
                );
            }
        }
        if u.iter().all(|&v| v <= 0.0) {
            c.expected(
                "utilisation",
                FindingKind::OutOfRange,
                "some hour above 0".into(),
                "all zero".into(),
            );
        }
    }
    if let Some(curve) = &f.ups_curve {
        if curve.is_empty() {
            c.expected(
                "ups_curve",
                FindingKind::OutOfRange,
                "at least one (load, efficiency) point".into(),
                "none".into(),
            );
        }
        for (k, [load, eff]) in curve.iter().enumerate() {
            if !(load.is_finite() && *load > 0.0 && *load <= 1.5) {
                c.expected(
                    &format!("ups_curve[{k}][0]"),
                    FindingKind::OutOfRange,
                    "a load fraction in (0, 1.5]".into(),
                    number_text(*load),
                );
            }
            if !(eff.is_finite() && *eff >= UPS_EFFICIENCY_MIN && *eff <= 1.0) {
                c.expected(
                    &format!("ups_curve[{k}][1]"),
                    FindingKind::OutOfRange,
                    format!("an efficiency in [{UPS_EFFICIENCY_MIN}, 1]"),
                    number_text(*eff),
                );
            }
            if k > 0 && *load <= curve[k - 1][0] {
                c.expected(
                    &format!("ups_curve[{k}][0]"),
                    FindingKind::Inconsistent,
                    format!("above the previous point's load ({})", curve[k - 1][0]),
                    number_text(*load),
                );
            }
        }
    }
    c.sources_and_assumed(&f.sources, &f.assumed);
    c.ranges(FACILITY_NUMBERS, f, &f.ranges);
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
        let text = "{\n  \"id\": \"x\",\n  \"lat\": xyz\n}";
        match parse_site(text, Path::new("x.json")) {
            Err(SiteError::Syntax { line, column, .. }) => assert_eq!((line, column), (3, 10)),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn a_nan_or_infinity_literal_names_its_field() {
        for literal in ["NaN", "Infinity", "-Infinity"] {
            let text = format!("{{\n  \"id\": \"x\",\n  \"lat\": {literal}\n}}");
            match parse_site(&text, Path::new("x.json")) {
                Err(SiteError::Invalid { findings, .. }) => {
                    assert_eq!(findings[0].path, "lat");
                    assert_eq!(findings[0].kind, FindingKind::NonFinite);
                    assert_eq!(findings[0].line, Some(3));
                }
                other => panic!("{literal}: expected a finding at lat, got {other:?}"),
            }
        }
    }
}
