//! Byte offsets to line/column positions and back, in every unit a shell needs.
//!
//! The CLI reports 1-based columns in Unicode scalar values; LSP counts UTF-16 code units unless
//! UTF-8 was negotiated. All of that conversion lives here, so shells never count characters
//! themselves.
//!
//! Invariant: conversions never panic; out-of-range positions clamp to the nearest valid offset
//! (a line past the end goes to the end of the text, a column past the line's end to its end).

/// How columns are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// Bytes of UTF-8 (LSP `utf-8`).
    Utf8,
    /// UTF-16 code units (LSP's default).
    Utf16,
    /// Unicode scalar values (`char`s), as the CLI and JSON report.
    Char,
}

/// A 0-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of a text.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { line_starts, len: text.len() }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line containing byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Byte range of line `line` (0-based), without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let line = line.min(self.line_starts.len() - 1);
        let start = self.line_starts[line];
        let mut end = self.line_starts.get(line + 1).map_or(self.len, |next| next - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// The line and column of byte `offset` in `text`, columns counted in `unit`.
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let prefix = &text[start..offset];
        let col = match unit {
            ColumnUnit::Utf8 => prefix.len(),
            ColumnUnit::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            ColumnUnit::Char => prefix.chars().count(),
        };
        LineCol { line: line as u32, col: col as u32 }
    }

    /// The byte offset of a line/column position, clamped into the text.
    pub fn offset(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let line = pos.line as usize;
        if line >= self.line_starts.len() {
            return text.len();
        }
        let range = self.line_range(text, line);
        let mut remaining = pos.col as usize;
        for (i, c) in text[range.clone()].char_indices() {
            let width = match unit {
                ColumnUnit::Utf8 => c.len_utf8(),
                ColumnUnit::Utf16 => c.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if remaining < width {
                // A column inside a character (half a surrogate pair) lands on its start.
                return range.start + i;
            }
            remaining -= width;
        }
        range.end
    }
}

/// The largest char boundary at or below `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "say “no” — 😀 ok\nسازمان مجاهدین\r\nend";

    #[test]
    fn columns_in_every_unit() {
        let index = LineIndex::new(TEXT);
        let ok = TEXT.find("ok").unwrap();
        assert_eq!(index.position(TEXT, ok, ColumnUnit::Char), LineCol { line: 0, col: 13 });
        // The emoji is two UTF-16 units.
        assert_eq!(index.position(TEXT, ok, ColumnUnit::Utf16), LineCol { line: 0, col: 14 });
        assert_eq!(index.position(TEXT, ok, ColumnUnit::Utf8), LineCol { line: 0, col: ok as u32 });
        let persian = TEXT.find("مجاهدین").unwrap();
        assert_eq!(index.position(TEXT, persian, ColumnUnit::Utf16), LineCol { line: 1, col: 7 });
    }

    #[test]
    fn offsets_round_trip() {
        let index = LineIndex::new(TEXT);
        // A line break's own offset clamps to the end of its line, as LSP asks.
        for (offset, _) in TEXT.char_indices().filter(|&(_, c)| c != '\n') {
            for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
                let pos = index.position(TEXT, offset, unit);
                assert_eq!(index.offset(TEXT, pos, unit), offset, "{unit:?} at {offset}");
            }
        }
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let index = LineIndex::new(TEXT);
        assert_eq!(index.offset(TEXT, LineCol { line: 99, col: 0 }, ColumnUnit::Utf16), TEXT.len());
        let line1_end = TEXT.find('\r').unwrap();
        assert_eq!(index.offset(TEXT, LineCol { line: 1, col: 999 }, ColumnUnit::Utf16), line1_end);
        // Inside the emoji's surrogate pair: snap to its start.
        let emoji = TEXT.find('😀').unwrap();
        let inside = index.position(TEXT, emoji, ColumnUnit::Utf16);
        let pos = LineCol { line: 0, col: inside.col + 1 };
        assert_eq!(index.offset(TEXT, pos, ColumnUnit::Utf16), emoji);
        assert_eq!(index.position(TEXT, 10_000, ColumnUnit::Char).line, 2);
    }
}
