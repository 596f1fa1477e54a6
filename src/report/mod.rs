//! Report stage: turns solved fields and rankings into files a person reads: per-site
//! metrics.json and PNG heatmaps of the data hall, and the ranking's JSON, CSV, GeoJSON,
//! Markdown, map and HTML, with Hangul in every PNG and in the page (`text`). Every file is written through `crate::fsio` (temporary, fsync, rename).

pub mod charts;
pub mod geojson;
pub mod heatmap;
pub mod impact;
pub mod labels;
pub mod map;
pub mod part;
pub mod ranking;
pub mod simulation;
pub mod sitemap;
pub mod text;
pub mod uncertainty;

use std::path::PathBuf;

/// A report that could not be written, naming the file or folder.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}: cannot create the folder: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] crate::fsio::WriteError),
    #[error(transparent)]
    Heatmap(#[from] heatmap::HeatmapError),
    #[error("map.png: {0}")]
    Map(#[from] map::MapError),
    #[error("ranking.geojson: {0}")]
    GeoJson(#[from] geojson::GeoJsonError),
    #[error("{}: cannot read back what was written: {source}", path.display())]
    ReadBack {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Creates `dir` and its parents (through `fsio`, which refuses once an interrupt is handled).
pub(crate) fn create_dir(dir: &std::path::Path) -> Result<(), ReportError> {
    crate::fsio::create_dir_all(dir).map_err(|e| ReportError::CreateDir {
        path: e.path,
        source: e.source,
    })
}
