//! Byte offsets to line/column positions and back, in every unit a shell needs.
//!
//! The CLI reports 1-based columns in Unicode scalar values; LSP counts UTF-16 code units unless
//! UTF-8 was negotiated. All of that conversion lives here, so shells never count characters
//! themselves.
//!
//! A text may stand for a file it was extracted from (an HTML page with its markup blanked, a
//! JSONL record): then [`LineIndex::for_extract`] numbers its lines from the record's line and
//! counts columns as the file has them, through [`StandIn`]s for stretches where the text has
//! other characters than the file (a decoded `&eacute;` padded with spaces).
//!
//! Invariant: conversions never panic; out-of-range positions clamp to the nearest valid offset
//! (a line past the end goes to the end of the text, a column past the line's end to its end).

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::ops::Range;

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

/// A stretch of an extracted text that stands for file text of the same byte length but with
/// other characters: `&eacute;` (8 characters in the file) is 3 soft hyphens and `é` in the
/// text. The file's stretch is counted as `chars` characters and `utf16` UTF-16 units; an
/// offset inside it is at its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandIn {
    pub range: Range<usize>,
    pub chars: u32,
    pub utf16: u32,
}

/// Start offsets of every line of a text.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
    /// The file line of the text's first line: 0 unless the text is one record of a file.
    first_line: usize,
    /// Sorted, disjoint, never spanning a line break.
    stand_ins: Vec<StandIn>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { line_starts, len: text.len(), first_line: 0, stand_ins: Vec::new() }
    }

    /// Lines and columns of a text extracted from a file: the text's byte offsets are the
    /// file's from the start of line `first_line` (0-based), and `stand_ins` (sorted) mark where
    /// the text has other characters than the file. Lines before `first_line` do not exist in
    /// the text: positions there clamp to its start.
    pub fn for_extract(text: &str, first_line: usize, mut stand_ins: Vec<StandIn>) -> LineIndex {
        stand_ins.sort_by_key(|s| s.range.start);
        LineIndex { first_line, stand_ins, ..LineIndex::new(text) }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line containing byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.local_line(offset) + self.first_line
    }

    fn local_line(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Byte range of line `line` (0-based), without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let line = line.saturating_sub(self.first_line).min(self.line_starts.len() - 1);
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
        let line = self.local_line(offset);
        let start = self.line_starts[line];
        let width = |s: &str| -> usize {
            match unit {
                ColumnUnit::Utf8 => s.len(),
                ColumnUnit::Utf16 => s.chars().map(char::len_utf16).sum(),
                ColumnUnit::Char => s.chars().count(),
            }
        };
        let mut col = width(&text[start..offset]);
        if unit != ColumnUnit::Utf8 {
            // Stand-ins before the offset count as the file counts them; an offset inside one
            // (in the padding before a decoded character) is at its start.
            let first = self.stand_ins.partition_point(|s| s.range.end <= start);
            for stand_in in self.stand_ins[first..].iter().take_while(|s| s.range.start < offset) {
                let counted = stand_in.range.start..stand_in.range.end.min(offset);
                let file = if offset < stand_in.range.end {
                    0
                } else if unit == ColumnUnit::Char {
                    stand_in.chars
                } else {
                    stand_in.utf16
                };
                col = col - width(text.get(counted).unwrap_or_default()) + file as usize;
            }
        }
        LineCol { line: (line + self.first_line) as u32, col: col as u32 }
    }

    /// The byte offset of a line/column position, clamped into the text.
    pub fn offset(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let Some(line) = (pos.line as usize).checked_sub(self.first_line) else { return 0 };
        if line >= self.line_starts.len() {
            return text.len();
        }
        let range = self.line_range(text, line + self.first_line);
        let mut remaining = pos.col as usize;
        let mut stand_ins = self.stand_ins[self.stand_ins.partition_point(|s| s.range.end <= range.start)..].iter();
        let mut next_stand_in = stand_ins.next();
        let mut i = range.start;
        while i < range.end {
            let (width, len) = match next_stand_in {
                Some(s) if s.range.start == i && unit != ColumnUnit::Utf8 => {
                    next_stand_in = stand_ins.next();
                    (if unit == ColumnUnit::Char { s.chars } else { s.utf16 } as usize, s.range.len())
                }
                _ => {
                    let c = text[i..].chars().next().unwrap_or(' ');
                    let width = match unit {
                        ColumnUnit::Utf8 => c.len_utf8(),
                        ColumnUnit::Utf16 => c.len_utf16(),
                        ColumnUnit::Char => 1,
                    };
                    (width, c.len_utf8())
                }
            };
            if remaining < width {
                // A column inside a character (half a surrogate pair) or a stand-in lands on its
                // start.
                return i;
            }
            remaining -= width;
            i += len;
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
    fn extracts_count_lines_and_columns_as_their_file() {
        // A JSONL line `{"text": "Caf\u00e9 au lait"}` as its record text: the escape is `é`
        // after two soft hyphens, and the record is line 41 (0-based) of its file.
        let file_line = "{\"text\": \"Caf\\u00e9 au lait\"}";
        let text = "          Caf\u{ad}\u{ad}\u{e9} au lait  ";
        assert_eq!(text.len(), file_line.len());
        let escape = file_line.find("\\u00e9").unwrap();
        let stand_in = StandIn { range: escape..escape + 6, chars: 6, utf16: 6 };
        let index = LineIndex::for_extract(text, 41, vec![stand_in]);
        let au = text.find("au").unwrap();
        assert_eq!(au, file_line.find("au").unwrap());
        for unit in [ColumnUnit::Char, ColumnUnit::Utf16, ColumnUnit::Utf8] {
            let pos = index.position(text, au, unit);
            assert_eq!(pos, LineCol { line: 41, col: au as u32 }, "{unit:?}");
            assert_eq!(index.offset(text, pos, unit), au);
        }
        // The end of `Café` is the end of the escape in the file; the padding is at its start.
        assert_eq!(index.position(text, escape + 6, ColumnUnit::Char).col as usize, escape + 6);
        assert_eq!(index.position(text, escape + 2, ColumnUnit::Utf16).col as usize, escape);
        assert_eq!(index.line_of(au), 41);
        assert_eq!(index.line_range(text, 41), 0..text.len());
        assert_eq!(index.offset(text, LineCol { line: 3, col: 0 }, ColumnUnit::Char), 0);
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
