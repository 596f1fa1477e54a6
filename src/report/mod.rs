//! Report stage: turns solved fields and rankings into files a person reads: per-site
//! metrics.json and PNG heatmaps of the data hall, and the ranking's JSON, CSV, Markdown and
//! HTML. Every file is written through `crate::fsio` (temporary, fsync, rename).

pub mod heatmap;
pub mod map;
pub mod part;
pub mod ranking;
pub mod simulation;

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
    #[error("{}: cannot read the image back for the HTML report: {source}", path.display())]
    ReadImage {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Heatmap(#[from] heatmap::HeatmapError),
    #[error("{}: cannot read back what was written: {source}", path.display())]
    ReadBack {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Creates `dir` and its parents.
pub(crate) fn create_dir(dir: &std::path::Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })
}
