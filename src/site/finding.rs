//! What validation reports: one [`Finding`] per defect, and [`SiteError`] for loading.

use std::fmt;
use std::path::PathBuf;

/// A number as a message shows it: plain, or in exponent form when tiny or huge (`1e-300`,
/// not three hundred zeros).
pub fn number_text(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// Text from an input file as it may be shown on a terminal: control characters, quotes and
/// backslashes escaped (`\u{1b}`, `\n`, ...), and at most 60 characters of it, the rest
/// counted. Every string a finding quotes from a file goes through here.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    let total = text.chars().count();
    let head: String = text.chars().take(MAX).collect();
    let shown = head.escape_debug().to_string();
    if total > MAX {
        format!("{shown}… ({total} characters)")
    } else {
        shown
    }
}

/// Class of a finding, so callers and tests can match on it without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// The file or folder could not be read, or a folder held no `.json` file.
    Io,
    /// Not valid JSON (includes `NaN` and `Infinity`, which JSON does not have).
    Syntax,
    /// A number too large to represent (for example `1e999`), or a NaN/infinite value.
    NonFinite,
    /// A value of the wrong JSON type, or a string that is not one of the allowed values.
    WrongType,
    /// A field the format does not have.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A number outside its physical or plausible range.
    OutOfRange,
    /// A list with the wrong number of entries (monthly series need exactly 12).
    WrongCount,
    /// A value inconsistent with another one (id vs file name, wet bulb above dry bulb, ...).
    Inconsistent,
    /// A file the input refers to does not exist (an EPW weather file).
    MissingFile,
    /// A weather file the input refers to exists but cannot be read or is malformed (the
    /// reason names its line and field).
    BadWeatherFile,
    /// An `assumed` entry that names no field of the file.
    BadAssumed,
    /// The facility's footprint does not fit on the site's land.
    DoesNotFit,
}

/// What was wrong: a mismatch between expected and found, or a free-text reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// `expected >= 0, found -3`.
    Expected {
        /// What the format requires.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// Anything that does not fit the expected/found shape.
    Reason(String),
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Expected { expected, found } => write!(f, "expected {expected}, found {found}"),
            Detail::Reason(reason) => f.write_str(reason),
        }
    }
}

/// One defect in one input file.
///
/// Displays as `sites/x.json:12:5: power.grid_headroom_mw: expected >= 0, found -3`; the
/// line:column part is left out when unknown, and the path when the finding concerns the whole
/// file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The file, as the caller named it.
    pub file: PathBuf,
    /// JSON path inside the file (`climate.monthly_mean_c[12]`); empty for the whole file.
    pub path: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column in characters, where known.
    pub column: Option<usize>,
    /// Class of the finding.
    pub kind: FindingKind,
    /// What was expected and found, or why the value is rejected.
    pub detail: Detail,
}

impl Finding {
    /// A finding with no position yet.
    pub fn new(
        file: impl Into<PathBuf>,
        path: impl Into<String>,
        kind: FindingKind,
        detail: Detail,
    ) -> Self {
        Finding {
            file: file.into(),
            path: path.into(),
            line: None,
            column: None,
            kind,
            detail,
        }
    }

    /// Shorthand for a [`Detail::Expected`] finding.
    pub fn expected(
        file: impl Into<PathBuf>,
        path: impl Into<String>,
        kind: FindingKind,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        let detail = Detail::Expected {
            expected: expected.into(),
            found: found.into(),
        };
        Finding::new(file, path, kind, detail)
    }

    /// Shorthand for a [`Detail::Reason`] finding.
    pub fn reason(
        file: impl Into<PathBuf>,
        path: impl Into<String>,
        kind: FindingKind,
        reason: impl Into<String>,
    ) -> Self {
        Finding::new(file, path, kind, Detail::Reason(reason.into()))
    }

    /// The same finding at a line and column.
    pub fn at(mut self, position: Option<(usize, usize)>) -> Self {
        if let Some((line, column)) = position {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }
}

/// `text` with control characters escaped and cut at `max` characters: a finding's parts as
/// they go to a terminal, whatever a file or a folder listing put in them.
fn terminal_safe(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display().to_string();
        write!(f, "{}", terminal_safe(&file, 400))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if !self.path.is_empty() {
            write!(f, ": {}", terminal_safe(&self.path, 200))?;
        }
        write!(f, ": {}", terminal_safe(&self.detail.to_string(), 600))
    }
}

/// Why an input file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// The file could not be read: missing, not a regular file, too large, or an I/O error.
    #[error("{}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why (the message names no content of the file).
        #[source]
        source: crate::fsio::ReadError,
    },
    /// The file is not valid JSON.
    #[error("{}:{line}:{column}: invalid JSON: {reason}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column in characters.
        column: usize,
        /// What the parser found.
        reason: String,
    },
    /// The file is JSON but breaks the format or its physical limits.
    #[error("{}", Lines(findings))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Every finding found, at least one.
        findings: Vec<Finding>,
    },
}

impl SiteError {
    /// Every finding behind this error, as validation would report them.
    pub fn findings(&self) -> Vec<Finding> {
        match self {
            SiteError::Read { file, source } => {
                vec![Finding::reason(
                    file,
                    "",
                    FindingKind::Io,
                    source.to_string(),
                )]
            }
            SiteError::Syntax {
                file,
                line,
                column,
                reason,
            } => vec![
                Finding::reason(file, "", FindingKind::Syntax, reason.clone())
                    .at(Some((*line, *column))),
            ],
            SiteError::Invalid { findings, .. } => findings.clone(),
        }
    }
}

/// Every finding of one or more input files, reported together: the error of a run whose
/// inputs are bad. Displays as a count, then one finding per line.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings(pub Vec<Finding>);

impl fmt::Display for Findings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} problem(s) in the input files:", self.0.len())?;
        write!(f, "{}", Lines(&self.0))
    }
}

impl std::error::Error for Findings {}

/// Displays a list of findings one per line.
struct Lines<'a>(&'a [Finding]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, finding) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_the_documented_shape() {
        let p = Finding::expected(
            "sites/x.json",
            "power.grid_headroom_mw",
            FindingKind::OutOfRange,
            ">= 0",
            "-3",
        )
        .at(Some((12, 5)));
        assert_eq!(
            p.to_string(),
            "sites/x.json:12:5: power.grid_headroom_mw: expected >= 0, found -3"
        );
        let whole = Finding::reason("a.json", "", FindingKind::Io, "cannot read");
        assert_eq!(whole.to_string(), "a.json: cannot read");
    }
}
