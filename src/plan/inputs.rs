//! The input files of a run, each read once: its bytes are parsed, validated and hashed
//! (SHA-256) from the same read, so the hash in a report is the hash of what was computed on.
//!
//! A site brings its own file and, when it names one, its EPW weather file; a run adds one
//! facility file (and, for `rank`, perhaps a weights file). Any further input a result will
//! depend on (a grid network, a parcel list) goes through [`InputFile::read`] the same way and
//! lists its [`FileHash`] beside the others.
//!
//! Every problem in every file is collected before any work starts and reported together as
//! one [`Findings`] error.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

use crate::climate::epw::parse_epw;
use crate::climate::EpwFile;
use crate::fsio::{limits, read_bounded, Limit};
use crate::site::locate::Locator;
use crate::site::{
    check_fit, expand_paths, parse_facility, parse_site, resolve_epw, Facility, FileKind, Finding,
    FindingKind, Findings, Site, Valid,
};

/// The facility `simulate` and `rank` use when none is given, relative to the sites' folder.
pub const DEFAULT_FACILITY: &str = "facilities/ai-hall-20mw.json";

/// Where an input came from: the file as named and the SHA-256 (hex) of the bytes read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    pub file: String,
    pub sha256: String,
}

/// One input file, read into memory once.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
}

impl InputFile {
    /// Reads the file: a regular file of at most `limit` (see [`crate::fsio::read_bounded`]);
    /// a failure is a finding against it.
    pub fn read(path: &Path, limit: Limit) -> Result<InputFile, Findings> {
        let bytes = read_bounded(path, limit)
            .map_err(|e| one(Finding::reason(path, "", FindingKind::Io, e.to_string())))?;
        Ok(InputFile {
            path: path.to_path_buf(),
            sha256: sha256_hex(&bytes),
            bytes,
        })
    }

    /// The bytes as UTF-8 text (JSON files must be), without a leading byte-order mark.
    pub fn text(&self) -> Result<&str, Findings> {
        let bytes = self
            .bytes
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(&self.bytes);
        std::str::from_utf8(bytes).map_err(|e| {
            one(Finding::reason(
                &self.path,
                "",
                FindingKind::Io,
                format!("cannot read: not UTF-8 text ({e})"),
            ))
        })
    }

    pub fn hash(&self) -> FileHash {
        FileHash {
            file: self.path.display().to_string(),
            sha256: self.sha256.clone(),
        }
    }
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A site file and the weather file it names, read, parsed and validated.
#[derive(Debug, Clone)]
pub struct SiteInput {
    pub path: PathBuf,
    pub site: Valid<Site>,
    pub hash: FileHash,
    pub weather: Option<WeatherInput>,
}

/// The EPW weather file a site names.
#[derive(Debug, Clone)]
pub struct WeatherInput {
    pub hash: FileHash,
    pub epw: EpwFile,
}

impl SiteInput {
    /// Every file this site's results depend on: the site file, then its weather file.
    pub fn files(&self) -> Vec<FileHash> {
        std::iter::once(self.hash.clone())
            .chain(self.weather.iter().map(|w| w.hash.clone()))
            .collect()
    }
}

/// A facility file, read, parsed and validated.
#[derive(Debug, Clone)]
pub struct FacilityInput {
    pub path: PathBuf,
    pub facility: Valid<Facility>,
    pub hash: FileHash,
}

/// Reads a site file and the EPW file it names, each once.
pub fn load_site(path: &Path) -> Result<SiteInput, Findings> {
    let file = InputFile::read(path, limits::JSON)?;
    let text = file.text()?;
    let site = parse_site(text, path).map_err(|e| Findings(e.findings()))?;
    let weather = match &site.climate.epw {
        None => None,
        Some(rel) => {
            // what is wrong with the weather file is reported at the field that names it
            let at_field = |reason: String| {
                let position = Locator::new(text).value_position("climate.epw");
                Findings(vec![Finding::reason(
                    path,
                    "climate.epw",
                    FindingKind::BadWeatherFile,
                    reason,
                )
                .at(position)])
            };
            // validation checked the path rule; checked again here, where the file is read
            let epw_path = resolve_epw(path, rel).map_err(at_field)?;
            let epw_file =
                InputFile::read(&epw_path, limits::EPW).map_err(|f| at_field(lines(&f)))?;
            // station names in some EPW files are Latin-1: replaced, not rejected
            let epw = parse_epw(&epw_path, &String::from_utf8_lossy(&epw_file.bytes))
                .map_err(|e| at_field(e.to_string()))?;
            Some(WeatherInput {
                hash: epw_file.hash(),
                epw,
            })
        }
    };
    Ok(SiteInput {
        path: path.to_path_buf(),
        site,
        hash: file.hash(),
        weather,
    })
}

/// Reads a facility file once.
pub fn load_facility(path: &Path) -> Result<FacilityInput, Findings> {
    let file = InputFile::read(path, limits::JSON)?;
    let facility = parse_facility(file.text()?, path).map_err(|e| Findings(e.findings()))?;
    Ok(FacilityInput {
        path: path.to_path_buf(),
        facility,
        hash: file.hash(),
    })
}

/// The default facility for a list of site paths: [`DEFAULT_FACILITY`] in the first path's
/// folder (the path itself when it is a folder).
pub fn default_facility(paths: &[PathBuf]) -> PathBuf {
    let first = paths.first().cloned().unwrap_or_default();
    let folder = if first.is_dir() {
        first
    } else {
        first.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    folder.join(DEFAULT_FACILITY)
}

/// One site and one facility (`simulate`), with every problem of both, and a facility that
/// does not fit the site's land, reported together.
pub fn load_pair(site: &Path, facility: &Path) -> Result<(SiteInput, FacilityInput), Findings> {
    match (load_site(site), load_facility(facility)) {
        (Ok(s), Ok(f)) => match check_fit(&s.site, site, &f.facility) {
            Some(finding) => Err(Findings(vec![finding])),
            None => Ok((s, f)),
        },
        (s, f) => Err(Findings(
            [s.err(), f.err()]
                .into_iter()
                .flatten()
                .flat_map(|e| e.0)
                .collect(),
        )),
    }
}

/// Every site file among `paths` (files, or folders of them; a folder's `facilities/` holds no
/// site) and one facility (`rank`), with every problem of every file reported together. A
/// site whose hall does not fit its land is kept: ranking lists it as infeasible.
pub fn load_sites(
    paths: &[PathBuf],
    facility: &Path,
) -> Result<(Vec<SiteInput>, FacilityInput), Findings> {
    let (files, mut findings) = expand_paths(paths);
    let mut sites = Vec::new();
    for (path, kind) in &files {
        if *kind == FileKind::Site {
            match load_site(path) {
                Ok(s) => sites.push(s),
                Err(e) => findings.extend(e.0),
            }
        }
    }
    findings.extend(duplicate_ids(&sites));
    let facility = load_facility(facility)
        .map_err(|e| findings.extend(e.0))
        .ok();
    match facility {
        Some(f) if findings.is_empty() => Ok((sites, f)),
        _ => Err(Findings(findings)),
    }
}

/// A site id used by two files (or one file named twice): a finding against the second,
/// naming both, before anything is simulated.
fn duplicate_ids(sites: &[SiteInput]) -> Vec<Finding> {
    let mut first: std::collections::BTreeMap<&str, &Path> = std::collections::BTreeMap::new();
    let mut findings = Vec::new();
    for s in sites {
        match first.get(s.site.id.as_str()) {
            Some(earlier) => findings.push(Finding::reason(
                &s.path,
                "id",
                FindingKind::Inconsistent,
                format!(
                    "the id \"{}\" is already used by {}; every ranked site needs its own id",
                    s.site.id,
                    earlier.display()
                ),
            )),
            None => {
                first.insert(&s.site.id, &s.path);
            }
        }
    }
    findings
}

fn one(finding: Finding) -> Findings {
    Findings(vec![finding])
}

/// The findings alone, one per line (without the count that heads the display of `Findings`).
fn lines(f: &Findings) -> String {
    f.0.iter()
        .map(Finding::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_of_the_bytes_read() {
        let dir = crate::fsio::scratch_dir("inputs-hash");
        let path = dir.join("x.json");
        std::fs::write(&path, b"abc").expect("write");
        let file = InputFile::read(&path, limits::JSON).expect("read");
        // FIPS 180-2 example: SHA-256("abc")
        assert_eq!(
            file.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(file.bytes, b"abc");
        std::fs::write(&path, [0xff, 0xfe]).expect("write");
        let not_text = InputFile::read(&path, limits::JSON).expect("read");
        let finding = not_text.text().unwrap_err().0.remove(0);
        assert_eq!(finding.kind, FindingKind::Io);
        assert!(finding.to_string().contains("not UTF-8"), "{finding}");
        let missing = InputFile::read(&dir.join("none.json"), limits::JSON).unwrap_err();
        assert_eq!(missing.0[0].kind, FindingKind::Io);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn the_default_facility_is_beside_the_sites() {
        let sites = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
        assert_eq!(
            default_facility(std::slice::from_ref(&sites)),
            sites.join(DEFAULT_FACILITY)
        );
        assert_eq!(
            default_facility(&[sites.join("pohang.json")]),
            sites.join(DEFAULT_FACILITY)
        );
    }
}
