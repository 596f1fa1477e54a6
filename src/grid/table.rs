//! Reading and writing the network's CSV tables: a header row naming the columns, then one
//! record per row. Reading checks the header and turns each field into a typed value or a
//! problem naming file, line, column and reason; writing formats numbers to six significant
//! digits so the shipped files stay small and diff well.

use super::error::{GridError, Problems};
use std::path::Path;

/// A CSV file read whole, with its columns checked against `expected`.
pub struct Table<'a> {
    pub file: &'a Path,
    columns: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    pub fn read(file: &'a Path, expected: &[&str]) -> Result<Self, GridError> {
        let text = GridError::read_text(file)?;
        Self::parse(file, &text, expected)
    }

    pub fn parse(file: &'a Path, text: &str, expected: &[&str]) -> Result<Self, GridError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| GridError::one(file, Some(1), "header", e.to_string()))?
            .clone();
        let columns: Vec<String> = header.iter().map(|s| s.trim().to_string()).collect();
        let mut problems = Problems::default();
        for want in expected {
            if !columns.iter().any(|c| c == want) {
                problems.push(
                    file,
                    Some(1),
                    want,
                    format!("missing column (the header has: {})", columns.join(", ")),
                );
            }
        }
        for c in &columns {
            if !expected.contains(&c.as_str()) {
                problems.push(
                    file,
                    Some(1),
                    c,
                    format!("unknown column (expected: {})", expected.join(", ")),
                );
            }
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            match record {
                Ok(r) => rows.push((r.position().map_or(line, |p| p.line() as usize), r)),
                Err(e) => problems.push(file, Some(line), "row", e.to_string()),
            }
        }
        problems.into_result(Table {
            file,
            columns,
            rows,
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Each row with its line number.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            table: self,
            line: *line,
            record,
        })
    }
}

/// One record; field accessors push a problem and return `None` on bad values.
pub struct Row<'t> {
    table: &'t Table<'t>,
    pub line: usize,
    record: &'t csv::StringRecord,
}

impl Row<'_> {
    pub fn raw(&self, column: &str) -> &str {
        self.table
            .columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    pub fn text(&self, column: &str, problems: &mut Problems) -> Option<String> {
        let v = self.raw(column);
        if v.is_empty() {
            problems.push(self.table.file, Some(self.line), column, "empty");
            return None;
        }
        Some(v.to_string())
    }

    /// A finite number.
    pub fn number(&self, column: &str, problems: &mut Problems) -> Option<f64> {
        let v = self.raw(column);
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                problems.push(
                    self.table.file,
                    Some(self.line),
                    column,
                    format!("expected a finite number, found `{v}`"),
                );
                None
            }
        }
    }

    /// A number within `lo..=hi` (`lo_open`: strictly above `lo`).
    pub fn bounded(
        &self,
        column: &str,
        lo: f64,
        lo_open: bool,
        hi: f64,
        what: &str,
        problems: &mut Problems,
    ) -> Option<f64> {
        let x = self.number(column, problems)?;
        let below = if lo_open { x <= lo } else { x < lo };
        if below || x > hi {
            let op = if lo_open { ">" } else { ">=" };
            problems.push(
                self.table.file,
                Some(self.line),
                column,
                format!("expected {what} {op} {lo} and <= {hi}, found {x}"),
            );
            return None;
        }
        Some(x)
    }

    /// An optional number: empty means `None`, anything else must be finite.
    pub fn optional_number(&self, column: &str, problems: &mut Problems) -> Option<Option<f64>> {
        if self.raw(column).is_empty() {
            return Some(None);
        }
        self.number(column, problems).map(Some)
    }

    pub fn problem(&self, problems: &mut Problems, column: &str, reason: impl Into<String>) {
        problems.push(self.table.file, Some(self.line), column, reason);
    }
}

/// `x` rounded to six significant digits, printed in the shortest form that reads back
/// exactly as that rounded value.
pub fn sig6(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = 6 - 1 - x.abs().log10().floor() as i32;
    let rounded: f64 = if digits >= 0 {
        let scale = 10f64.powi(digits);
        (x * scale).round() / scale
    } else {
        let scale = 10f64.powi(-digits);
        (x / scale).round() * scale
    };
    format!("{rounded}")
}

/// Writes a CSV table: `header`, then each row's already formatted fields.
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Result<String, GridError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let io = |e: csv::Error| GridError::Internal(format!("writing CSV: {e}"));
    w.write_record(header).map_err(io)?;
    for r in rows {
        w.write_record(r).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| GridError::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| GridError::Internal(format!("writing CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_significant_digits() {
        assert_eq!(sig6(0.0123456789), "0.0123457");
        assert_eq!(sig6(7290.0), "7290");
        assert_eq!(sig6(123456789.0), "123457000");
        assert_eq!(sig6(-1.5), "-1.5");
        assert_eq!(sig6(0.0), "0");
    }

    #[test]
    fn header_and_field_problems_name_line_and_column() {
        let file = Path::new("t.csv");
        let e = Table::parse(file, "a,c\n1,2\n", &["a", "b"])
            .err()
            .expect("bad header");
        let text = e.to_string();
        assert!(text.contains("t.csv:1: b: missing column"), "{text}");
        assert!(text.contains("t.csv:1: c: unknown column"), "{text}");

        let t = Table::parse(file, "a,b\n1,x\n2,-3\n", &["a", "b"]).expect("header ok");
        let mut p = Problems::default();
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows[0].number("b", &mut p), None);
        assert_eq!(
            rows[1].bounded("b", 0.0, true, 10.0, "a reactance", &mut p),
            None
        );
        let text: Vec<String> = p.0.iter().map(|x| x.to_string()).collect();
        assert_eq!(text[0], "t.csv:2: b: expected a finite number, found `x`");
        assert_eq!(
            text[1],
            "t.csv:3: b: expected a reactance > 0 and <= 10, found -3"
        );
    }
}
