//! What can go wrong with the grid model, by who is at fault: a bad network or snapshot file
//! (every problem named by file, row, field and reason; exit 2), a GPU failure (exit 4), or a
//! defect of dcplan itself (exit 1).

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one input file.
#[derive(Debug, Clone, PartialEq)]
pub struct GridProblem {
    pub file: PathBuf,
    /// Line number in the file (the CSV header is line 1); `None` for the file as a whole.
    pub row: Option<usize>,
    /// Column or JSON path.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for GridProblem {
    /// `sites/grid/branches.csv:14: x_pu: expected a positive reactance, found -0.01`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(row) = self.row {
            write!(f, ":{row}")?;
        }
        write!(f, ": {}: {}", self.field, self.reason)
    }
}

impl GridProblem {
    pub fn new(file: &Path, row: Option<usize>, field: &str, reason: impl Into<String>) -> Self {
        GridProblem {
            file: file.to_path_buf(),
            row,
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GridError {
    /// Bad network or snapshot files: every problem found, in file order.
    #[error("{}", list(.0))]
    Invalid(Vec<GridProblem>),
    /// A site that cannot be linked to a bus (unknown `power.grid_bus`, no station in reach).
    #[error("{0}")]
    Site(String),
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    /// A defect of dcplan: a computation that should not fail on valid input did.
    #[error("internal error in the grid model: {0}")]
    Internal(String),
}

fn list(problems: &[GridProblem]) -> String {
    let mut text = format!("{} problem(s) in the grid files", problems.len());
    for p in problems {
        text.push_str("\n  ");
        text.push_str(&p.to_string());
    }
    text
}

impl GridError {
    pub fn one(file: &Path, row: Option<usize>, field: &str, reason: impl Into<String>) -> Self {
        GridError::Invalid(vec![GridProblem::new(file, row, field, reason)])
    }

    /// Reads a grid model file as text through the bounded reader (a regular file of at most
    /// [`crate::fsio::limits::GRID`]), so a device, a FIFO or a huge file is refused at once.
    pub fn read_text(file: &Path) -> Result<String, GridError> {
        let bytes = crate::fsio::read_bounded(file, crate::fsio::limits::GRID)
            .map_err(|e| GridError::one(file, None, "file", format!("cannot read: {e}")))?;
        String::from_utf8(bytes)
            .map_err(|_| GridError::one(file, None, "file", "cannot read: not UTF-8 text"))
    }

    /// Exit code: 2 bad input, 4 device, 1 internal.
    pub fn exit_code(&self) -> u8 {
        match self {
            GridError::Invalid(_) | GridError::Site(_) => 2,
            GridError::Gpu(_) => 4,
            GridError::Internal(_) => 1,
        }
    }

    /// The problems of an `Invalid` error (empty otherwise), for tests and reports.
    pub fn problems(&self) -> &[GridProblem] {
        match self {
            GridError::Invalid(p) => p,
            _ => &[],
        }
    }
}

/// Collects problems; turns into `Err` at the end if there were any.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<GridProblem>);

impl Problems {
    pub fn push(
        &mut self,
        file: &Path,
        row: Option<usize>,
        field: &str,
        reason: impl Into<String>,
    ) {
        self.0.push(GridProblem::new(file, row, field, reason));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, value: T) -> Result<T, GridError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(GridError::Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_files_are_read_bounded_devices_and_huge_files_refused() {
        let e = GridError::read_text(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let big = std::env::temp_dir().join(format!("dcplan-grid-big-{}.csv", std::process::id()));
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(65 << 20).unwrap(); // sparse: no disk used
        let e = GridError::read_text(&big).unwrap_err();
        let _ = std::fs::remove_file(&big);
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("dcplan-grid-big"),
            "names the file: {e}"
        );
    }
}
