//! LSP positions ↔ byte offsets, in the negotiated encoding: the only place the server converts.
//!
//! Columns are counted by [`crate::lines::LineIndex`] in UTF-8 bytes when the client offered
//! `utf-8`, else in UTF-16 code units (the protocol's default). Lines are broken at `\n` only,
//! both here and in the ropes (ropey is built without CR-only and Unicode line breaks), so a
//! line number means the same thing to the rope, the line index and the client.
//!
//! Invariant: conversions never panic on client input; out-of-range positions clamp.

use std::borrow::Cow;
use std::ops::Range;

use ropey::Rope;
use tower_lsp::lsp_types::{self as lsp, ClientCapabilities, PositionEncodingKind, TextDocumentContentChangeEvent};

use crate::lines::{ColumnUnit, LineCol, LineIndex};

/// Picks `utf-8` when the client offers it, else UTF-16.
pub fn negotiate(capabilities: &ClientCapabilities) -> ColumnUnit {
    let offered = capabilities.general.as_ref().and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8)) {
        ColumnUnit::Utf8
    } else {
        ColumnUnit::Utf16
    }
}

/// The protocol's name for a column unit.
pub fn encoding_kind(unit: ColumnUnit) -> PositionEncodingKind {
    match unit {
        ColumnUnit::Utf8 => PositionEncodingKind::UTF8,
        ColumnUnit::Char => PositionEncodingKind::UTF32,
        ColumnUnit::Utf16 => PositionEncodingKind::UTF16,
    }
}

/// A text with its line index and the negotiated unit: converts both ways.
#[derive(Clone, Copy)]
pub struct LineMap<'a> {
    pub text: &'a str,
    pub lines: &'a LineIndex,
    pub unit: ColumnUnit,
}

impl<'a> LineMap<'a> {
    pub fn new(text: &'a str, lines: &'a LineIndex, unit: ColumnUnit) -> LineMap<'a> {
        LineMap { text, lines, unit }
    }

    pub fn position(&self, offset: usize) -> lsp::Position {
        let LineCol { line, col } = self.lines.position(self.text, offset, self.unit);
        lsp::Position::new(line, col)
    }

    pub fn range(&self, span: Range<usize>) -> lsp::Range {
        lsp::Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a client position, clamped into the text.
    pub fn offset(&self, position: lsp::Position) -> usize {
        self.lines.offset(self.text, LineCol { line: position.line, col: position.character }, self.unit)
    }

    /// The byte span of a client range, ordered even when the client sent it reversed.
    pub fn span(&self, range: lsp::Range) -> Range<usize> {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        a.min(b)..a.max(b)
    }
}

/// Converts many offsets of one text, each from the previous one when it is further along the
/// same line, so a long line is walked once rather than once per position (a 1 MB single-line
/// draft with thousands of quotes). Offsets in increasing order are fastest; any order is right.
pub struct PositionWalker<'a> {
    map: LineMap<'a>,
    last: Option<(usize, lsp::Position)>,
}

impl<'a> PositionWalker<'a> {
    pub fn new(map: LineMap<'a>) -> PositionWalker<'a> {
        PositionWalker { map, last: None }
    }

    pub fn position(&mut self, offset: usize) -> lsp::Position {
        let text = self.map.text;
        let offset = crate::lines::floor_char_boundary(text, offset);
        let position = match self.last {
            Some((from, at)) if from <= offset && self.map.lines.line_of(from) == self.map.lines.line_of(offset) => {
                let piece = &text[from..offset];
                let col = LineIndex::new(piece).position(piece, piece.len(), self.map.unit).col;
                lsp::Position::new(at.line, at.character + col)
            }
            _ => self.map.position(offset),
        };
        self.last = Some((offset, position));
        position
    }
}

/// Converts spans sorted by start: one walker for starts, one for ends.
pub struct RangeWalker<'a> {
    starts: PositionWalker<'a>,
    ends: PositionWalker<'a>,
}

impl<'a> RangeWalker<'a> {
    pub fn new(map: LineMap<'a>) -> RangeWalker<'a> {
        RangeWalker { starts: PositionWalker::new(map), ends: PositionWalker::new(map) }
    }

    pub fn range(&mut self, span: Range<usize>) -> lsp::Range {
        lsp::Range::new(self.starts.position(span.start), self.ends.position(span.end))
    }
}

/// The byte offset of a client position in a rope, clamped.
pub fn rope_offset(rope: &Rope, position: lsp::Position, unit: ColumnUnit) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start = rope.line_to_byte(line);
    let text: Cow<str> = rope.line(line).into();
    let lines = LineIndex::new(&text);
    start + lines.offset(&text, LineCol { line: 0, col: position.character }, unit)
}

/// Applies one content change (ranged or whole-document) to a rope.
pub fn apply_change(rope: &mut Rope, change: &TextDocumentContentChangeEvent, unit: ColumnUnit) {
    let Some(range) = change.range else {
        *rope = Rope::from_str(&change.text);
        return;
    };
    let (a, b) = (rope_offset(rope, range.start, unit), rope_offset(rope, range.end, unit));
    let (start, end) = (rope.byte_to_char(a.min(b)), rope.byte_to_char(a.max(b)));
    rope.remove(start..end);
    rope.insert(start, &change.text);
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "say “no” — 😀 ok\nسازمان مجاهدین\r\nend";

    fn change(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(lsp::Position::new(sl, sc), lsp::Position::new(el, ec))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let lines = LineIndex::new(TEXT);
        let map = LineMap::new(TEXT, &lines, ColumnUnit::Utf16);
        let ok = TEXT.find("ok").unwrap();
        assert_eq!(map.position(ok), lsp::Position::new(0, 14));
        assert_eq!(map.offset(lsp::Position::new(0, 14)), ok);
        let utf8 = LineMap::new(TEXT, &lines, ColumnUnit::Utf8);
        assert_eq!(utf8.position(ok), lsp::Position::new(0, ok as u32));
    }

    #[test]
    fn walkers_agree_with_direct_conversion() {
        let lines = LineIndex::new(TEXT);
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16] {
            let map = LineMap::new(TEXT, &lines, unit);
            let mut walker = RangeWalker::new(map);
            let offsets: Vec<usize> = TEXT.char_indices().map(|(i, _)| i).collect();
            for pair in offsets.windows(2) {
                let span = pair[0]..pair[1] + 3;
                assert_eq!(walker.range(span.clone()), map.range(span.start..span.end.min(TEXT.len())), "{unit:?}");
            }
            // Backwards too.
            let mut walker = PositionWalker::new(map);
            for &offset in offsets.iter().rev() {
                assert_eq!(walker.position(offset), map.position(offset));
            }
        }
    }

    #[test]
    fn rope_edits_match_the_line_index() {
        let mut rope = Rope::from_str(TEXT);
        // Replace the emoji (UTF-16 columns 11..13) with an em dash.
        apply_change(&mut rope, &change(0, 11, 0, 13, "—"), ColumnUnit::Utf16);
        assert_eq!(rope.to_string(), TEXT.replace('😀', "—"));
        // Insert after the Persian word on line 1 (6 UTF-16 units).
        apply_change(&mut rope, &change(1, 6, 1, 6, "!"), ColumnUnit::Utf16);
        assert!(rope.to_string().contains("سازمان! مجاهدین"));
        // Out of range: appended at the end, never a panic.
        apply_change(&mut rope, &change(99, 0, 120, 5, "."), ColumnUnit::Utf16);
        assert!(rope.to_string().ends_with("end."));
        // Reversed range.
        apply_change(&mut rope, &change(2, 3, 2, 0, "END"), ColumnUnit::Utf8);
        assert!(rope.to_string().ends_with("END."));
    }
}
