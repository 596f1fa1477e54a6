//! Maps JSON paths (`climate.monthly_mean_c[3]`) to line:column in the raw text, and back.
//!
//! serde reports positions but not paths, and our checks run on typed values that have paths
//! but no positions; this small scanner joins the two. It walks text that serde_json has already
//! accepted, records the byte span of every value and every object key under its path, and
//! never panics on malformed text (it stops recording instead).
//!
//! Lines and columns are 1-based; columns count characters, as editors do, not bytes.

/// Byte span of one value or key.
#[derive(Debug, Clone)]
struct Span {
    path: String,
    start: usize,
    end: usize,
}

/// Positions of every value and key of one JSON document.
#[derive(Debug, Clone)]
pub struct Locator<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    values: Vec<Span>,
    keys: Vec<Span>,
}

/// Deepest nesting the scanner follows (serde_json itself stops at 128).
const MAX_DEPTH: usize = 256;

impl<'a> Locator<'a> {
    /// Scans `text`.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut scanner = Scanner {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            values: Vec::new(),
            keys: Vec::new(),
        };
        scanner.value(String::new(), 0);
        Locator {
            text,
            line_starts,
            values: scanner.values,
            keys: scanner.keys,
        }
    }

    /// Line and column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line, column)
    }

    /// Where the value at `path` starts.
    pub fn value_position(&self, path: &str) -> Option<(usize, usize)> {
        let span = self.values.iter().find(|s| s.path == path)?;
        Some(self.line_column(span.start))
    }

    /// Where the key of the member at `path` starts, or the value where it has no key (array
    /// elements, the root).
    pub fn key_position(&self, path: &str) -> Option<(usize, usize)> {
        match self.keys.iter().find(|s| s.path == path) {
            Some(span) => Some(self.line_column(span.start)),
            None => self.value_position(path),
        }
    }

    /// Byte offset of the value at `path`, or of its nearest enclosing value in the document
    /// (`a.b[12]` falls back to `a.b`, then `a`), or `None` when not even the root is there.
    pub fn offset_of_nearest(&self, path: &str) -> Option<usize> {
        let mut path = path;
        loop {
            if let Some(span) = self.values.iter().find(|s| s.path == path) {
                return Some(span.start);
            }
            if path.is_empty() {
                return None;
            }
            path = match path.rfind(['.', '[']) {
                Some(i) => &path[..i],
                None => "",
            };
        }
    }

    /// Whether the document has a value at `path`.
    pub fn has_path(&self, path: &str) -> bool {
        self.values.iter().any(|s| s.path == path)
    }

    /// Path and start offset of the innermost key or value whose span holds `offset`.
    pub fn path_at(&self, offset: usize) -> Option<(&str, usize)> {
        self.values
            .iter()
            .chain(self.keys.iter())
            .filter(|s| s.start <= offset && offset < s.end)
            .min_by_key(|s| s.end - s.start)
            .map(|s| (s.path.as_str(), s.start))
    }

    /// Byte offset of the last byte serde_json had read when it reported `line`:`column`
    /// (serde's column counts bytes read on that line).
    pub fn serde_offset(&self, line: usize, column: usize) -> usize {
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        (start + column).saturating_sub(1).min(self.text.len())
    }

    /// serde_json's line:column (bytes) as line:column in characters.
    pub fn serde_line_column(&self, line: usize, column: usize) -> (usize, usize) {
        if column == 0 {
            return (line.max(1), 1);
        }
        self.line_column(self.serde_offset(line, column))
    }
}

/// Appends an object key to a path.
pub fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Appends an array index to a path.
pub fn join_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    values: Vec<Span>,
    keys: Vec<Span>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Scans one value; returns false when the text stops making sense.
    fn value(&mut self, path: String, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        self.skip_ws();
        let start = self.pos;
        let ok = match self.peek() {
            Some(b'{') => self.object(&path, depth),
            Some(b'[') => self.array(&path, depth),
            Some(b'"') => self.string().is_some(),
            Some(_) => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                self.pos > start
            }
            None => false,
        };
        if ok {
            self.values.push(Span {
                path,
                start,
                end: self.pos,
            });
        }
        ok
    }

    fn object(&mut self, path: &str, depth: usize) -> bool {
        self.pos += 1; // '{'
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return true;
                }
                Some(b'"') => {}
                _ => return false,
            }
            let key_start = self.pos;
            let Some(key) = self.string() else {
                return false;
            };
            let member = join_key(path, &key);
            self.keys.push(Span {
                path: member.clone(),
                start: key_start,
                end: self.pos,
            });
            self.skip_ws();
            if self.peek() != Some(b':') {
                return false;
            }
            self.pos += 1;
            if !self.value(member, depth + 1) {
                return false;
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return true;
                }
                _ => return false,
            }
        }
    }

    fn array(&mut self, path: &str, depth: usize) -> bool {
        self.pos += 1; // '['
        let mut index = 0;
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                self.pos += 1;
                return true;
            }
            if !self.value(join_index(path, index), depth + 1) {
                return false;
            }
            index += 1;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// Scans a string literal starting at the opening quote and returns its decoded text.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        let raw = self.text.get(start..self.pos)?;
        serde_json::from_str::<String>(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{\n  \"name_ko\": \"포항\", \"a\": {\"b\": [1, 2,\n 3]},\n  \"c\": null\n}";

    #[test]
    fn finds_values_and_keys_by_path() {
        let loc = Locator::new(DOC);
        assert_eq!(loc.key_position("name_ko"), Some((2, 3)));
        // Columns count characters: the two Hangul syllables are one column each.
        assert_eq!(loc.key_position("a"), Some((2, 20)));
        assert_eq!(loc.value_position("a.b[2]"), Some((3, 2)));
        assert_eq!(loc.value_position("c"), Some((4, 8)));
        assert!(loc.has_path("a.b[1]"));
        assert!(!loc.has_path("a.b[3]"));
        // a missing element falls back to its list, then to the enclosing object
        let list = loc.offset_of_nearest("a.b");
        assert!(list.is_some());
        assert_eq!(loc.offset_of_nearest("a.b[7]"), list);
        assert_eq!(loc.offset_of_nearest("a.zz.y"), loc.offset_of_nearest("a"));
        assert!(loc.offset_of_nearest("name_ko") < list);
        assert_eq!(Locator::new("{").offset_of_nearest("x"), None);
    }

    #[test]
    fn maps_offsets_back_to_the_innermost_path() {
        let loc = Locator::new(DOC);
        let offset = DOC.find("2,").unwrap_or(0);
        assert_eq!(loc.path_at(offset).map(|p| p.0), Some("a.b[1]"));
        let key = DOC.find("\"c\"").unwrap_or(0) + 1;
        assert_eq!(loc.path_at(key).map(|p| p.0), Some("c"));
    }

    #[test]
    fn survives_malformed_text() {
        // (text, values scanned before the text stopped making sense, keys likewise): what
        // came before the fault is kept, nothing after it is invented, and the root, which
        // never closes, has no value.
        let cases: [(&str, &[&str], &[&str]); 7] = [
            ("", &[], &[]),
            ("{", &[], &[]),
            ("{\"a\":", &[], &["a"]),
            ("[1,", &["[0]"], &[]),
            ("\"abc", &[], &[]),
            ("{\"a\" 1}", &[], &["a"]),
            ("{]", &[], &[]),
        ];
        for (text, values, keys) in cases {
            let loc = Locator::new(text);
            assert!(
                !loc.has_path(""),
                "{text:?}: the unclosed root has no value"
            );
            for path in values {
                assert_eq!(loc.value_position(path), Some((1, 2)), "{text:?}: {path}");
            }
            for key in keys {
                assert_eq!(loc.key_position(key), Some((1, 2)), "{text:?}: key {key}");
                assert!(!loc.has_path(key), "{text:?}: key {key} has no value");
            }
            assert!(!loc.has_path("[1]") && !loc.has_path("a.b"), "{text:?}");
            // positions past the end clamp to just after the last character
            let end = (1, text.chars().count() + 1);
            assert_eq!(loc.line_column(text.len() + 5), end, "{text:?}");
            assert_eq!(loc.serde_line_column(9, 9), end, "{text:?}");
            // the opening byte belongs to no recorded span (the root was never recorded)
            assert_eq!(loc.path_at(0), None, "{text:?}");
        }
        // what was recorded is found again by offset
        assert_eq!(Locator::new("[1,").path_at(1), Some(("[0]", 1)));
        assert_eq!(Locator::new("{\"a\":").path_at(2), Some(("a", 1)));
        assert_eq!(Locator::new("{\"a\":").path_at(4), None);
    }
}
