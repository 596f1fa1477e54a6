//! The files of a sharded ranking: a shard's folder (each of its sites' folder as `simulate`
//! writes it, then `part.json`, last, so that a part file exists only once its sites are
//! written) and, at the merge, the report a single `rank` writes, the sites' files copied
//! byte for byte from the parts.

use super::geojson::SiteLocation;
use super::ranking::{write_rank_files, SiteImages};
use super::simulation::write_site;
use super::{create_dir, ReportError};
use crate::fsio::{write_atomic, write_json};
use crate::grid::Network;
use crate::plan::inputs::sha256_hex;
use crate::plan::ranking::{RankingReport, SiteAssessment};
use crate::plan::shard::{Part, PartSite, PART_FILE};
use crate::plan::{Evaluated, FileHash};
use std::path::{Path, PathBuf};

/// Writes one simulated site's folder (`sites/<id>/` as `simulate` writes it) into the shard
/// folder `dir`, recording each file's path (relative to `dir`) and SHA-256 in `result`.
pub fn write_shard_site(
    e: &Evaluated,
    result: &mut PartSite,
    dir: &Path,
) -> Result<(), ReportError> {
    let rel = Path::new("sites").join(&e.input.site.id);
    let written = write_site(&e.run, &dir.join(&rel))?;
    result.outputs = written
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|source| ReportError::ReadBack {
                path: path.clone(),
                source,
            })?;
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            Ok(FileHash {
                // '/' whatever the platform: the part may be merged elsewhere
                file: format!("sites/{}/{name}", e.input.site.id),
                sha256: sha256_hex(&bytes),
            })
        })
        .collect::<Result<_, ReportError>>()?;
    Ok(())
}

/// Writes the shard's `part.json` into `dir`, after its sites' folders. Returns its path.
pub fn write_part(part: &Part, dir: &Path) -> Result<PathBuf, ReportError> {
    create_dir(dir)?;
    let path = dir.join(PART_FILE);
    write_json(&path, part)?;
    Ok(path)
}

/// Writes one site's files into the merged report `dir`, each `(path relative to the report,
/// bytes)` (as `plan::shard::site_outputs` reads them from its part).
pub fn write_site_files(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), ReportError> {
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            create_dir(parent)?;
        }
        write_atomic(&path, bytes)?;
    }
    Ok(())
}

/// Writes the ranking files of the merged report into `dir` as
/// [`write_rank_report`](super::ranking::write_rank_report) lays them out, with the heatmaps of
/// `sites` (in the order the sites were found, their files already written by
/// [`write_site_files`]) embedded and `grid` on the map. Returns the ranking files' paths.
pub fn write_merged_ranking(
    report: &RankingReport,
    sites: &[&SiteAssessment],
    grid: Option<&Network>,
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let read = |path: PathBuf| {
        std::fs::read(&path).map_err(|source| ReportError::ReadBack { path, source })
    };
    let embedded = super::ranking::embedded_site_ids(report);
    let mut images = Vec::new();
    for a in sites.iter().filter(|a| embedded.contains(&a.site_id)) {
        let site_dir = dir.join("sites").join(&a.site_id);
        images.push(SiteImages {
            site_id: a.site_id.clone(),
            thermal_png: read(site_dir.join("thermal.png"))?,
            voltage_png: read(site_dir.join("voltage.png"))?,
        });
    }
    let locations: Vec<SiteLocation> = sites
        .iter()
        .map(|a| SiteLocation {
            site_id: a.site_id.clone(),
            lon: a.lon,
            lat: a.lat,
            province: a.province.clone(),
        })
        .collect();
    write_rank_files(report, &images, &locations, grid, dir)
}
