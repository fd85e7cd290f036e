//! Aligns a quote to a source passage, word by word, and names every edit.
//!
//! A quote is parsed into [`QuoteText`]: words, plus the marks style guides allow an author to
//! make visibly: an ellipsis (`…`, `...`, `. . .`, `[…]`) for omitted words, square brackets for
//! an editorial insertion or replacement (`[the MEK]`), `[sic]`, and a bracketed letter that
//! changes case (`[t]he`). The ellipses split the quote into segments; each segment is aligned
//! with a semi-global dynamic programme (free source words before and after) inside a region the
//! index proposed, and the segments are chained in source order with any gap between them.
//!
//! The edit script groups consecutive differences: `replace` (draft words stand for other source
//! words), `omit` (source words missing from the draft), `insert` (draft words the source lacks).
//! Marked edits (ellipsis, brackets) are what makes a quote `altered` rather than `drift`.

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::cell::OnceCell;
use std::ops::Range;

use crate::index::{CorpusIndex, UNKNOWN_WORD};
use crate::normalize::{for_each_word, is_word_char, WordShape};

/// What an edit does, from the source's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EditOp {
    Replace,
    Omit,
    Insert,
}

/// One difference between a draft quote and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub op: EditOp,
    /// The draft's wording (empty for an unmarked omission; the ellipsis for a marked one).
    pub draft: String,
    /// The source's wording (empty for an insertion).
    pub source: String,
    /// Byte span in the draft, when the draft has words or marks here.
    pub draft_span: Option<Range<usize>>,
    /// Byte span in the source text, when the source has words here.
    pub source_span: Option<Range<usize>>,
    /// Made with editorial marks (ellipsis, brackets, `[sic]`), so style guides allow it.
    pub marked: bool,
    /// A single word changed by a letter or two: a typo made or silently fixed.
    pub typo: bool,
}

/// A piece of a word diff between source and draft, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffPiece {
    /// Words both share (the source's spelling).
    Same(String),
    /// Source words the draft lacks or changed.
    Deleted(String),
    /// Draft words (or marks) the source lacks.
    Inserted(String),
}

/// An element of a quote segment.
#[derive(Debug, Clone, PartialEq)]
pub enum QuoteElement {
    Word {
        norm: String,
        id: u32,
        span: Range<usize>,
        /// For the typo filter, computed once rather than per alignment.
        shape: WordShape,
    },
    /// Bracketed editorial text; `sic` when it is `[sic]`, which stands for no source words.
    Editorial { span: Range<usize>, sic: bool },
}

impl QuoteElement {
    /// The word's id for seeding and comparison; [`UNKNOWN_WORD`] for a mark, so nothing
    /// matches or spans it.
    fn seed_id(&self) -> u32 {
        self.word_id().unwrap_or(UNKNOWN_WORD)
    }

    /// The word's id; `None` for a mark.
    fn word_id(&self) -> Option<u32> {
        match self {
            QuoteElement::Word { id, .. } => Some(*id),
            QuoteElement::Editorial { .. } => None,
        }
    }
}

/// A quote's words and marks, with spans in the draft.
#[derive(Debug, Clone)]
pub struct QuoteText {
    /// Runs of elements between ellipses, in order.
    pub segments: Vec<Vec<QuoteElement>>,
    /// Byte spans of the interior ellipses; `ellipses[i]` separates segment `i` and `i + 1`.
    pub ellipses: Vec<Range<usize>>,
    /// Per segment, its first verbatim places in the corpus, looked up when a segment after an
    /// ellipsis is first aligned: they do not depend on the source being aligned, and an ellipsis
    /// quote of common words is aligned in a dozen sources or more.
    verbatim: Vec<VerbatimPlaces>,
}

/// A segment's verbatim places in the corpus, once looked up.
type VerbatimPlaces = OnceCell<Vec<Range<u32>>>;

impl QuoteText {
    /// Parses `draft[content]` (a quote's content without its quotation marks), looking words
    /// up in `index`.
    pub fn parse(draft: &str, content: Range<usize>, index: &CorpusIndex) -> QuoteText {
        let text = &draft[content.clone()];
        let base = content.start;
        let marks = find_marks(text);
        let mut segments = vec![Vec::new()];
        let mut ellipses = Vec::new();
        let mut mark_iter = marks.iter().peekable();
        let mut merged_words: Vec<(String, Range<usize>)> = Vec::new();
        for_each_word(text, |norm, span, _| merged_words.push((norm.to_owned(), span)));
        merge_case_brackets(text, &marks, &mut merged_words);
        let ids = index.vocab().ids(merged_words.iter().map(|(norm, _)| norm.as_str()));

        let mut words = merged_words.into_iter().zip(ids).map(|((norm, span), id)| (norm, span, id)).peekable();
        loop {
            let next_word_start = words.peek().map(|(_, s, _)| s.start);
            let next_mark_start = mark_iter.peek().map(|m| m.span.start);
            match (next_word_start, next_mark_start) {
                (None, None) => break,
                (Some(w), m) if m.is_none_or(|m| w < m) => {
                    let (norm, span, id) = words.next().expect("peeked");
                    let id = id.unwrap_or(UNKNOWN_WORD);
                    let shape = WordShape::of(&norm);
                    segments.last_mut().expect("one segment").push(QuoteElement::Word {
                        norm,
                        id,
                        span: base + span.start..base + span.end,
                        shape,
                    });
                }
                _ => {
                    let mark = mark_iter.next().expect("peeked");
                    // Words inside the brackets belong to the mark.
                    while words.peek().is_some_and(|(_, s, _)| s.start < mark.span.end) {
                        words.next();
                    }
                    let span = base + mark.span.start..base + mark.span.end;
                    match mark.kind {
                        MarkKind::Ellipsis => {
                            ellipses.push(span);
                            segments.push(Vec::new());
                        }
                        MarkKind::Editorial => {
                            segments.last_mut().expect("one segment").push(QuoteElement::Editorial { span, sic: false })
                        }
                        MarkKind::Sic => {
                            segments.last_mut().expect("one segment").push(QuoteElement::Editorial { span, sic: true })
                        }
                    }
                }
            }
        }
        // A leading or trailing ellipsis only says the quote starts or ends mid-sentence.
        while segments.len() > 1 && segments[0].is_empty() {
            segments.remove(0);
            ellipses.remove(0);
        }
        while segments.len() > 1 && segments.last().is_some_and(Vec::is_empty) {
            segments.pop();
            ellipses.pop();
        }
        let verbatim = vec![OnceCell::new(); segments.len()];
        QuoteText { segments, ellipses, verbatim }
    }

    /// The quote's words (not those inside brackets), in order.
    pub fn words(&self) -> impl Iterator<Item = (&str, u32, &Range<usize>)> {
        self.segments.iter().flatten().filter_map(|e| match e {
            QuoteElement::Word { norm, id, span, .. } => Some((norm.as_str(), *id, span)),
            QuoteElement::Editorial { .. } => None,
        })
    }

    pub fn word_count(&self) -> usize {
        self.words().count()
    }

    /// Word ids for seeding, with [`UNKNOWN_WORD`] at every mark so no seed spans one.
    pub fn seed_ids(&self) -> Vec<u32> {
        let mut ids = Vec::new();
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                ids.push(UNKNOWN_WORD);
            }
            ids.extend(segment.iter().map(QuoteElement::seed_id));
        }
        ids
    }

    pub fn has_marks(&self) -> bool {
        !self.ellipses.is_empty() || self.segments.iter().flatten().any(|e| matches!(e, QuoteElement::Editorial { .. }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MarkKind {
    Ellipsis,
    Editorial,
    Sic,
}

#[derive(Debug, Clone)]
struct Mark {
    span: Range<usize>,
    kind: MarkKind,
}

/// The editorial marks a quote may hold, found in one pass by one automaton.
fn mark_finder() -> &'static aho_corasick::AhoCorasick {
    static FINDER: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    FINDER.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(["[", "]", "…", "...", ". . ."])
            .expect("fixed patterns build")
    })
}

/// Builds, once per process, what parsing a quote needs, so that the first quote checked does
/// not pay for it: the mark automaton takes about 60 µs to build, as long as checking a
/// typical quote.
pub fn prepare() {
    mark_finder();
}

/// Finds ellipses and bracket groups in a quote's text, in linear time whatever the input (an
/// unclosed `[` never makes it rescan the rest of the text).
fn find_marks(text: &str) -> Vec<Mark> {
    const OPEN: usize = 0;
    const CLOSE: usize = 1;
    let found: Vec<(usize, std::ops::Range<usize>)> =
        mark_finder().find_iter(text).map(|m| (m.pattern().as_usize(), m.range())).collect();
    // For every match, the index of the first `]` at or after it.
    let mut next_close = vec![usize::MAX; found.len() + 1];
    for k in (0..found.len()).rev() {
        next_close[k] = if found[k].0 == CLOSE { k } else { next_close[k + 1] };
    }
    let mut marks = Vec::new();
    let mut cursor = 0;
    for (k, (pattern, range)) in found.iter().enumerate() {
        if range.start < cursor {
            continue; // inside a bracket group or a longer run of dots
        }
        match *pattern {
            OPEN => {
                let Some((_, close)) = found.get(next_close[k + 1]) else { continue };
                let inner = text[range.end..close.start].trim();
                let kind = if is_ellipsis(inner) {
                    MarkKind::Ellipsis
                } else if inner.trim_end_matches('!').eq_ignore_ascii_case("sic") {
                    MarkKind::Sic
                } else {
                    MarkKind::Editorial
                };
                marks.push(Mark { span: range.start..close.end, kind });
                cursor = close.end;
            }
            CLOSE => {}
            _ => {
                let len = ellipsis_len(&text[range.start..]).unwrap_or(range.len());
                marks.push(Mark { span: range.start..range.start + len, kind: MarkKind::Ellipsis });
                cursor = range.start + len;
            }
        }
    }
    marks
}

fn is_ellipsis(s: &str) -> bool {
    ellipsis_len(s) == Some(s.len())
}

/// Length of an ellipsis at the start of `s`: `…`, `...` (or more dots), `. . .`.
fn ellipsis_len(s: &str) -> Option<usize> {
    if s.starts_with('…') {
        return Some('…'.len_utf8());
    }
    if s.starts_with("...") {
        return Some(s.len() - s.trim_start_matches('.').len());
    }
    if s.starts_with(". . .") {
        return Some(5);
    }
    None
}

/// `[t]he` and `ask[ed]`: a bracket that only changes letters of a word is part of that word,
/// so the word is whole again for matching (the change of case is allowed silently).
fn merge_case_brackets(text: &str, marks: &[Mark], words: &mut Vec<(String, Range<usize>)>) {
    for mark in marks.iter().filter(|m| m.kind == MarkKind::Editorial) {
        let inner = &text[mark.span.start + 1..mark.span.end - 1];
        if inner.is_empty() || inner.chars().count() > 3 || !inner.chars().all(char::is_alphabetic) {
            continue;
        }
        let glued_after = text[mark.span.end..].chars().next().is_some_and(is_word_char);
        let glued_before = text[..mark.span.start].chars().next_back().is_some_and(is_word_char);
        if !glued_after && !glued_before {
            continue;
        }
        // The tokenizer split the word at the brackets; join the pieces that touch the mark.
        let touching: Vec<usize> = words
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| {
                s.end == mark.span.start
                    || s.start == mark.span.end
                    || (s.start > mark.span.start && s.end < mark.span.end)
            })
            .map(|(i, _)| i)
            .collect();
        let (Some(&first), Some(&last)) = (touching.first(), touching.last()) else { continue };
        let norm: String = words[first..=last].iter().map(|(n, _)| n.as_str()).collect();
        let span = words[first].1.start.min(mark.span.start)..words[last].1.end.max(mark.span.end);
        words.splice(first..=last, [(norm, span)]);
    }
}

/// How one quote element lines up with the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlignOp {
    /// Element `q` of the segment is source word `s`.
    Match {
        q: usize,
        s: u32,
    },
    /// Elements `q` and `q + 1` are the two halves of hyphen-joined source word `s`.
    Join {
        q: usize,
        s: u32,
    },
    Substitute {
        q: usize,
        s: u32,
    },
    /// Draft word `q` has no source counterpart.
    Insert {
        q: usize,
    },
    /// Source word `s` is missing from the draft.
    Omit {
        s: u32,
    },
    /// Editorial element `q` stands for source words `s` (possibly none).
    Editorial {
        q: usize,
        s: Range<u32>,
    },
}

/// One segment's ops and the source words it covers.
pub type SegmentAlignment = (Vec<AlignOp>, Range<u32>);

/// The alignment of a whole quote within one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    pub doc: usize,
    /// Global word positions of the aligned source passage.
    pub source_words: Range<u32>,
    /// Per segment: its ops and the source words it covers.
    pub segments: Vec<SegmentAlignment>,
    pub score: i32,
    pub edits: Vec<Edit>,
    /// Word diff of the aligned passage, source order.
    pub diff: Vec<DiffPiece>,
    /// 1.0 for identical words; see [`Alignment::similarity`].
    pub similarity: f32,
    /// Longest run of consecutive matched words.
    pub longest_run: usize,
    /// Share of the quote's words that match source words.
    pub coverage: f32,
}

impl Alignment {
    /// The alignment of chained `segments` in document `doc`, measured (similarity, coverage,
    /// longest run); `None` without segments.
    fn measured(doc: usize, segments: Vec<SegmentAlignment>, score: i32) -> Option<Alignment> {
        let first = segments.first()?.1.start;
        let last = segments.last()?.1.end;
        let mut alignment = Alignment {
            doc,
            source_words: first..last.max(first),
            segments,
            score,
            edits: Vec::new(),
            diff: Vec::new(),
            similarity: 0.0,
            longest_run: 0,
            coverage: 0.0,
        };
        measure(&mut alignment);
        Some(alignment)
    }

    /// No edit at all: every word matches and no source words lie between segments. Read from
    /// the ops, so it holds before [`Alignment::describe`] names the edits.
    pub fn is_exact(&self) -> bool {
        self.segments.windows(2).all(|pair| pair[0].1.end >= pair[1].1.start)
            && self.ops().all(|op| matches!(op, AlignOp::Match { .. } | AlignOp::Join { .. }))
    }

    /// Some edit is unmarked: a changed, added or dropped word without an ellipsis or brackets.
    pub fn has_unmarked_edits(&self) -> bool {
        self.ops().any(|op| matches!(op, AlignOp::Substitute { .. } | AlignOp::Insert { .. } | AlignOp::Omit { .. }))
    }

    fn ops(&self) -> impl Iterator<Item = &AlignOp> {
        self.segments.iter().flat_map(|(ops, _)| ops)
    }

    /// The same alignment for an identical copy of the passage `offset` words later (or earlier)
    /// in the corpus, in document `doc`.
    fn moved(&self, doc: usize, offset: i64) -> Alignment {
        let at = |s: u32| (i64::from(s) + offset) as u32;
        let shift = |range: &Range<u32>| at(range.start)..at(range.end);
        let segments = self
            .segments
            .iter()
            .map(|(ops, covered)| {
                let ops = ops
                    .iter()
                    .map(|op| match op {
                        AlignOp::Match { q, s } => AlignOp::Match { q: *q, s: at(*s) },
                        AlignOp::Join { q, s } => AlignOp::Join { q: *q, s: at(*s) },
                        AlignOp::Substitute { q, s } => AlignOp::Substitute { q: *q, s: at(*s) },
                        AlignOp::Insert { q } => AlignOp::Insert { q: *q },
                        AlignOp::Omit { s } => AlignOp::Omit { s: at(*s) },
                        AlignOp::Editorial { q, s } => AlignOp::Editorial { q: *q, s: shift(s) },
                    })
                    .collect();
                (ops, shift(covered))
            })
            .collect();
        Alignment {
            doc,
            source_words: shift(&self.source_words),
            segments,
            edits: Vec::new(),
            diff: Vec::new(),
            ..*self
        }
    }

    /// Names the edits and builds the word diff (the costly, string-building part, done only for
    /// the alignments a verdict reports).
    pub fn describe(&mut self, index: &CorpusIndex, draft: &str, source_text: &str, quote: &QuoteText) {
        describe(index, draft, source_text, quote, self);
    }
}

const MATCH: i32 = 3;
const SUBSTITUTE: i32 = -2;
const SUBSTITUTE_TYPO: i32 = -1;
const GAP: i32 = -2;
/// Most source words one bracketed insertion may stand for (`[the MEK]` for "the group").
const EDITORIAL_SPAN: u32 = 8;
/// Below any reachable score, with room to add a gap without overflowing once packed.
const NEG: i32 = i32::MIN / 64;

/// A cell of the alignment table packs its score and the move that reached it into one
/// integer: the score times 8 plus a code from [`step`]. The best of several candidate moves is
/// then one `max`, with ties going to the higher code, which is the preference order of the
/// moves: diagonal, then join, then insertion, then omission.
mod step {
    pub const START: i32 = 0;
    pub const EDITORIAL: i32 = 1;
    pub const OMIT: i32 = 4;
    pub const INSERT: i32 = 5;
    pub const JOIN: i32 = 6;
    pub const DIAGONAL: i32 = 7;
}

const fn pack(score: i32, step: i32) -> i32 {
    score * 8 + step
}

/// The packed diagonal move of a matching word.
const MATCHED: i32 = pack(MATCH, step::DIAGONAL);

fn score_of(cell: i32) -> i32 {
    cell >> 3
}

/// The packed cell reached from `from` by a move of `delta` points.
fn step_from(from: i32, delta: i32, step: i32) -> i32 {
    (from & !7) + delta * 8 + step
}

/// Aligns one segment inside `window` (global positions of one document). Returns the ops,
/// the covered source words and the score, or `None` for an empty segment or window.
pub fn align_segment(
    index: &CorpusIndex,
    segment: &[QuoteElement],
    window: Range<u32>,
) -> Option<(Vec<AlignOp>, Range<u32>, i32)> {
    let m = segment.len();
    let n = window.len();
    if m == 0 || n == 0 {
        return None;
    }
    SCRATCH.with_borrow_mut(|scratch| {
        let aligned = align_in(index, segment, window, scratch);
        // A rare long quote's table (up to tens of megabytes) is not kept for the thread's life.
        if scratch.cells.capacity() > KEPT_CELLS {
            scratch.cells = Vec::new();
        }
        aligned
    })
}

/// The most table cells a thread keeps between alignments: a 200-word quote in its widest window.
const KEPT_CELLS: usize = 1 << 18;

/// Buffers one alignment fills and the next reuses: a quote is aligned in up to a few dozen
/// windows, each of which allocated all of these afresh, and the allocator showed up among the
/// slowest quotes' costs.
#[derive(Default)]
struct Scratch {
    source: Vec<u32>,
    shapes: WindowShapes,
    near: Vec<u8>,
    typo_columns: Vec<usize>,
    cells: Vec<i32>,
    diagonal: Vec<i32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// [`align_body`] compiled for the CPU at hand: its row loops are four lanes wide in the
/// baseline x86-64 instruction set and eight with AVX2.
fn align_in(
    index: &CorpusIndex,
    segment: &[QuoteElement],
    window: Range<u32>,
    scratch: &mut Scratch,
) -> Option<(Vec<AlignOp>, Range<u32>, i32)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, which is all `align_avx2` requires.
        return unsafe { align_avx2(index, segment, window, scratch) };
    }
    align_body(index, segment, window, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn align_avx2(
    index: &CorpusIndex,
    segment: &[QuoteElement],
    window: Range<u32>,
    scratch: &mut Scratch,
) -> Option<(Vec<AlignOp>, Range<u32>, i32)> {
    align_body(index, segment, window, scratch)
}

#[inline(always)]
fn align_body(
    index: &CorpusIndex,
    segment: &[QuoteElement],
    window: Range<u32>,
    scratch: &mut Scratch,
) -> Option<(Vec<AlignOp>, Range<u32>, i32)> {
    let (m, n) = (segment.len(), window.len());
    let Scratch { source, shapes: column_keys, near, typo_columns, cells, diagonal } = scratch;
    let source = index.word_ids_in(window.clone(), source);
    // (column, split) where the window word was joined across a line-end hyphen.
    let split_columns: Vec<(usize, usize)> = index
        .hyphen_splits_in(window.clone())
        .iter()
        .map(|&[p, split]| ((p - window.start) as usize + 1, split as usize))
        .collect();
    column_keys.fill(source.iter().map(|&id| index.word_shape(id)));
    let width = n + 1;
    cells.clear();
    cells.resize((m + 1) * width, pack(0, step::START));
    // Only a segment with bracketed text needs it (most have none).
    let has_editorial = segment.iter().any(|e| matches!(e, QuoteElement::Editorial { .. }));
    let mut editorial_len = vec![0u8; if has_editorial { (m + 1) * width } else { 0 }];
    // Per column, the packed diagonal move for the current row.
    diagonal.clear();
    diagonal.resize(n, 0);
    for i in 1..=m {
        let (above, here) = cells.split_at_mut(i * width);
        let above = &above[(i - 1) * width..];
        let here = &mut here[..width];
        match &segment[i - 1] {
            QuoteElement::Word { norm, id, shape, .. } => {
                for (d, &word) in diagonal.iter_mut().zip(source.iter()) {
                    *d = if *id != UNKNOWN_WORD && *id == word { MATCHED } else { pack(SUBSTITUTE, step::DIAGONAL) };
                }
                column_keys.columns_near(shape, near, typo_columns);
                for &j in typo_columns.iter() {
                    if diagonal[j] != MATCHED && is_typo(norm, index.vocab().word(source[j])) {
                        diagonal[j] = pack(SUBSTITUTE_TYPO, step::DIAGONAL);
                    }
                }
                here[0] = step_from(above[0], GAP, step::INSERT);
                // Diagonal and insertion moves depend only on the row above: one vectorised pass.
                for (((cell, &from), &up), &d) in
                    here[1..].iter_mut().zip(&above[..n]).zip(&above[1..]).zip(diagonal.iter())
                {
                    *cell = ((from & !7) + d).max(step_from(up, GAP, step::INSERT));
                }
                add_omissions(here);
                // The word before, when the source might hold both as one hyphen-joined word.
                let first_half = match i.checked_sub(2).map(|k| &segment[k]) {
                    Some(QuoteElement::Word { norm: first, .. }) => Some(first.as_str()),
                    _ => None,
                };
                if let (Some(first), false) = (first_half, split_columns.is_empty()) {
                    let two_above = &cells[(i - 2) * width..(i - 1) * width];
                    let mut joins = Vec::new();
                    for &(j, split) in &split_columns {
                        let whole = index.vocab().word(source[j - 1]);
                        if whole.len() == first.len() + norm.len()
                            && split == first.len()
                            && whole.starts_with(first)
                            && whole.ends_with(norm.as_str())
                        {
                            joins.push((j, step_from(two_above[j - 1], 2 * MATCH, step::JOIN)));
                        }
                    }
                    // A join raises a cell, and the omissions after it may rise with it.
                    let here = &mut cells[i * width..(i + 1) * width];
                    for (j, joined) in joins {
                        if joined > here[j] {
                            here[j] = joined;
                            let mut left = joined;
                            for cell in &mut here[j + 1..] {
                                let omit = step_from(left, GAP, step::OMIT);
                                if omit <= *cell {
                                    break;
                                }
                                *cell = omit;
                                left = omit;
                            }
                        }
                    }
                }
            }
            QuoteElement::Editorial { sic, .. } => {
                for j in 0..=n {
                    let (mut best, mut from) = (NEG, step::START);
                    let reach = if *sic { 0 } else { EDITORIAL_SPAN.min(j as u32) };
                    for k in 0..=reach as usize {
                        let value = score_of(above[j - k]);
                        if value > best {
                            best = value;
                            from = step::EDITORIAL;
                            editorial_len[i * width + j] = k as u8;
                        }
                    }
                    if j > 0 && score_of(here[j - 1]) + GAP > best {
                        (best, from) = (score_of(here[j - 1]) + GAP, step::OMIT);
                    }
                    here[j] = pack(best, from);
                }
            }
        }
    }
    let last_row = &cells[m * width..];
    let (end_j, best) = (0..=n).map(|j| (j, score_of(last_row[j]))).max_by_key(|&(j, s)| (s, std::cmp::Reverse(j)))?;

    let mut ops = Vec::new();
    let (mut i, mut j) = (m, end_j);
    while i > 0 {
        let here = i * width + j;
        let s = window.start + j as u32;
        match cells[here] & 7 {
            step::DIAGONAL => {
                let op = match &segment[i - 1] {
                    QuoteElement::Word { id, .. } if *id != UNKNOWN_WORD && *id == source[j - 1] => {
                        AlignOp::Match { q: i - 1, s: s - 1 }
                    }
                    _ => AlignOp::Substitute { q: i - 1, s: s - 1 },
                };
                ops.push(op);
                i -= 1;
                j -= 1;
            }
            step::INSERT => {
                ops.push(AlignOp::Insert { q: i - 1 });
                i -= 1;
            }
            step::OMIT => {
                ops.push(AlignOp::Omit { s: s - 1 });
                j -= 1;
            }
            step::JOIN => {
                ops.push(AlignOp::Join { q: i - 2, s: s - 1 });
                i -= 2;
                j -= 1;
            }
            step::EDITORIAL => {
                let k = editorial_len[here] as usize;
                ops.push(AlignOp::Editorial { q: i - 1, s: s - k as u32..s });
                i -= 1;
                j -= k;
            }
            _ => break,
        }
    }
    ops.reverse();
    let covered = window.start + j as u32..window.start + end_j as u32;
    Some((ops, covered, best))
}

/// Raises each cell of a row (all but the first) to the best omission from its left: a cell
/// reached with a source word left out. Omissions run left to right, so this is the row's one
/// loop that cannot simply be vectorised; where the CPU has AVX2 it runs as a prefix maximum,
/// eight cells at a time.
fn add_omissions(row: &mut [i32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, which is all `add_omissions_avx2` requires.
        return unsafe { add_omissions_avx2(row) };
    }
    add_omissions_from(row, 1, row[0] & !7);
}

/// [`add_omissions`] from cell `first` on, given `left`, the running score of the cell before
/// it: the best of `cell_k & !7` over the cells `k` up to it, each lowered by one omission's
/// cost per cell between. The running score is carried apart from the step codes (a maximum
/// commutes with clearing them), so each cell waits on two operations of its left neighbour.
fn add_omissions_from(row: &mut [i32], first: usize, mut left: i32) {
    for cell in &mut row[first..] {
        let moved = *cell;
        *cell = moved.max(left + pack(GAP, step::OMIT));
        left = (moved & !7).max(left + pack(GAP, 0));
    }
}

/// [`add_omissions`] as a prefix maximum. The best omission into cell `j` leaves out the source
/// words after some cell `k < j`: `max over k < j of (cell_k & !7) + (j - k) * G` with `G` the
/// packed cost of one omission, which is `j * G` plus the running maximum of
/// `(cell_k & !7) - k * G`. A block of eight cells takes its running maximum in three
/// shift-and-max steps, and passes its last lane on to the next block.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_omissions_avx2(row: &mut [i32]) {
    use std::arch::x86_64::*;
    const G: i32 = pack(GAP, 0);
    // Below every cell, so that it never wins a maximum: a packed cell is at least -16 for each
    // word of its row and column, far above this even for the longest quote in its widest window.
    let floor = _mm256_set1_epi32(i32::MIN / 4);
    let steps = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let cost = _mm256_set1_epi32(G);
    let clear = _mm256_set1_epi32(!7);
    let omit = _mm256_set1_epi32(step::OMIT);
    // Lane permutations moving each lane up by one, two and four, and broadcasting the last.
    let up1 = _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6);
    let up2 = _mm256_setr_epi32(0, 0, 0, 1, 2, 3, 4, 5);
    let up4 = _mm256_setr_epi32(0, 0, 0, 0, 0, 1, 2, 3);
    let last = _mm256_set1_epi32(7);
    // The running maximum of `(cell_k & !7) - k * G` over the cells before the block.
    let mut best = _mm256_set1_epi32(row[0] & !7);
    let mut first = 1;
    while first + 8 <= row.len() {
        let block = &mut row[first..first + 8];
        // SAFETY: `block` holds eight `i32`s, the 32 bytes read and written.
        let moved = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        // `j * G` for each cell `j` of the block.
        let at = _mm256_mullo_epi32(_mm256_add_epi32(steps, _mm256_set1_epi32(first as i32)), cost);
        let mut running = _mm256_sub_epi32(_mm256_and_si256(moved, clear), at);
        running =
            _mm256_max_epi32(running, _mm256_blend_epi32::<0b1>(_mm256_permutevar8x32_epi32(running, up1), floor));
        running =
            _mm256_max_epi32(running, _mm256_blend_epi32::<0b11>(_mm256_permutevar8x32_epi32(running, up2), floor));
        running =
            _mm256_max_epi32(running, _mm256_blend_epi32::<0b1111>(_mm256_permutevar8x32_epi32(running, up4), floor));
        let through = _mm256_max_epi32(running, best);
        // For each cell, the running maximum over the cells before it only.
        let before = _mm256_blend_epi32::<0b1>(_mm256_permutevar8x32_epi32(through, up1), best);
        let omitted = _mm256_add_epi32(_mm256_add_epi32(before, at), omit);
        // SAFETY: as for the load.
        unsafe { _mm256_storeu_si256(block.as_mut_ptr().cast(), _mm256_max_epi32(moved, omitted)) };
        best = _mm256_permutevar8x32_epi32(through, last);
        first += 8;
    }
    // The last few cells one by one, from the running score of the cell before them.
    let left = _mm256_cvtsi256_si32(best) + (first as i32 - 1) * G;
    add_omissions_from(row, first, left);
}

/// The [`WordShape`]s of a window's words, an array per field, so that the filter for one quote
/// word runs over the whole window as one vectorised pass rather than a branch per word. The
/// alignment would otherwise run the edit distance for every mismatching cell.
#[derive(Default)]
struct WindowShapes {
    len: Vec<u8>,
    first: Vec<u8>,
    last: Vec<u8>,
    letters: Vec<u32>,
}

impl WindowShapes {
    fn fill(&mut self, shapes: impl Iterator<Item = WordShape>) {
        self.len.clear();
        self.first.clear();
        self.last.clear();
        self.letters.clear();
        for shape in shapes {
            self.len.push(shape.len);
            self.first.push(shape.first);
            self.last.push(shape.last);
            self.letters.push(shape.letters);
        }
    }

    /// Into `columns`, the window positions whose word may be one typo from the word of `key`:
    /// the others cannot be, since a typo changes a word's length by at most two bytes, keeps
    /// its first or its last letter, and changes at most two letters of its set per edit (two
    /// edits at most, see [`is_typo`]). `near` is scratch space.
    fn columns_near(&self, key: &WordShape, near: &mut Vec<u8>, columns: &mut Vec<usize>) {
        columns.clear();
        if key.len < 4 {
            return;
        }
        let (len, first, last) = (key.len, key.first, key.last);
        near.clear();
        near.extend(self.len.iter().zip(&self.first).zip(&self.last).map(|((&l, &f), &z)| {
            u8::from(l >= 4) & u8::from(l.abs_diff(len) <= 2) & (u8::from(f == first) | u8::from(z == last))
        }));
        columns.extend(
            near.iter()
                .zip(&self.letters)
                .enumerate()
                .filter(|&(_, (&near, &letters))| near != 0 && (letters ^ key.letters).count_ones() <= 4)
                .map(|(j, _)| j),
        );
    }
}

/// Whether two different words are one typo apart (a letter added, dropped, swapped or changed).
pub fn is_typo(a: &str, b: &str) -> bool {
    if a == b || a.chars().count() < 4 || b.chars().count() < 4 {
        return false;
    }
    if a.chars().all(|c| c.is_ascii_digit() || c == '.') && b.chars().all(|c| c.is_ascii_digit() || c == '.') {
        // A changed digit is a changed number, never a typo.
        return false;
    }
    let long = a.chars().count() >= 8;
    if a.is_ascii() && b.is_ascii() {
        // Most pairs that reach here are not typos: one linear pass settles every pair but a
        // long word two edits away, without the edit distance's table.
        if within_one_edit(a.as_bytes(), b.as_bytes()) {
            return true;
        }
        if !long {
            return false;
        }
    }
    // Optimal string alignment: Damerau's transpositions without its per-call hash map.
    let distance = strsim::osa_distance(a, b);
    distance == 1 || (distance == 2 && long)
}

/// Whether the optimal string alignment distance of `a` and `b` is at most one: equal, or one
/// letter added, dropped, changed, or swapped with its neighbour.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match b.len() - a.len() {
        0 if same == a.len() => true,
        0 => {
            a[same + 1..] == b[same + 1..]
                || (same + 1 < a.len()
                    && a[same] == b[same + 1]
                    && a[same + 1] == b[same]
                    && a[same + 2..] == b[same + 2..])
        }
        1 => a[same..] == b[same + 1..],
        _ => false,
    }
}

/// Aligns a whole quote inside document `doc`: segment by segment, in source order.
/// `first_windows` are regions (from the index) to try for the first segment. The alignment
/// comes measured (similarity, coverage, verdict class); [`Alignment::describe`] names its edits.
pub fn align_quote(
    index: &CorpusIndex,
    quote: &QuoteText,
    doc: usize,
    first_windows: &[Range<u32>],
) -> Option<Alignment> {
    let doc_words = index.doc_words(doc);
    let segments: Vec<(&Vec<QuoteElement>, &VerbatimPlaces)> =
        quote.segments.iter().zip(&quote.verbatim).filter(|(s, _)| !s.is_empty()).collect();
    let (&(first_segment, _), later_segments) = segments.split_first()?;
    if later_segments.is_empty() {
        if let Some(found) = find_verbatim_in(index, first_segment, first_windows, &doc_words) {
            return Some(found);
        }
    }
    // Each region proposed for the first segment starts one chain; later segments follow it in
    // source order. The best chain wins (a passage quoted twice in one source, once drifted,
    // must not capture the ellipsis quote's first half).
    let mut best: Option<(Vec<SegmentAlignment>, i32)> = None;
    for window in first_windows {
        let window = window.start.max(doc_words.start)..window.end.min(doc_words.end);
        let Some((ops, covered, score)) = align_segment(index, first_segment, window) else { continue };
        let mut chain = vec![(ops, covered)];
        let mut total = score;
        for &(segment, verbatim) in later_segments {
            let after = chain.last().map_or(doc_words.start, |(_, covered)| covered.end);
            let verbatim = verbatim.get_or_init(|| {
                let words: Vec<u32> =
                    segment.iter().map(QuoteElement::seed_id).filter(|&id| id != UNKNOWN_WORD).collect();
                index.find_verbatim(&words, 64)
            });
            // The best window, the last of equals as `max_by_key` would pick it; a window that
            // cannot reach the best score so far is not aligned (most are places later in the
            // source that share a common phrase with the segment).
            let mut next: Option<(Vec<AlignOp>, Range<u32>, i32)> = None;
            let key =
                |(_, covered, score): &(Vec<AlignOp>, Range<u32>, i32)| (*score, std::cmp::Reverse(covered.start));
            for window in later_segment_windows(index, segment, verbatim, doc, after) {
                let window = window.start.max(after)..window.end.min(doc_words.end);
                if window.is_empty()
                    || next.as_ref().is_some_and(|best| segment_score_bound(index, segment, &window) < best.2)
                {
                    continue;
                }
                if let Some(aligned) = align_segment(index, segment, window) {
                    if next.as_ref().is_none_or(|best| key(&aligned) >= key(best)) {
                        next = Some(aligned);
                    }
                }
            }
            match next {
                Some((ops, covered, score)) => {
                    total += score;
                    chain.push((ops, covered));
                }
                None => {
                    // Nothing left in the source after the previous segment: its words are
                    // all insertions.
                    total += GAP * segment.len() as i32;
                    let at = after.min(doc_words.end);
                    let ops = (0..segment.len()).map(|q| AlignOp::Insert { q }).collect();
                    chain.push((ops, at..at));
                }
            }
        }
        if best.as_ref().is_none_or(|(_, s)| total > *s) {
            best = Some((chain, total));
        }
    }
    let (chain, total) = best?;
    Alignment::measured(doc, chain, total)
}

/// An upper bound on the [`Alignment::coverage`] that [`align_quote`] can reach in a region:
/// the longest common subsequence of the quote's words and the region's, over the quote's word
/// count. Lets a caller skip the dynamic programme for a region that merely shares a common
/// phrase with the quote. Only the first segment is aligned inside the region; the segments
/// after an ellipsis may lie anywhere after it, so the bound counts them as wholly matched.
/// A source word joined across a line-end hyphen may match two draft words (its halves), so it
/// counts as two steps of the subsequence: the first matches its own word or a first half, the
/// second a second half. A first segment longer than 128 words is not bounded.
///
/// Made once per quote: a quote is bounded in a dozen regions or more.
pub struct CoverageBound {
    /// Per distinct word id of the first segment, the set of its positions, sorted by id, for
    /// the bit-parallel LCS; `None` if the quote is not bounded.
    masks: Option<Vec<(u32, u128)>>,
    /// The first segment's words back to back, and where each starts (and one past the last's
    /// end): one string for a quote rather than one for every pair of its words.
    words_text: String,
    word_starts: Vec<u32>,
    /// The positions of the first segment's words followed by another word rather than a mark:
    /// one source word joined across a line-end hyphen may match such a word and the next
    /// together (see [`AlignOp::Join`]).
    joinable: Vec<u32>,
    first_words: u32,
    later_words: u32,
}

impl CoverageBound {
    pub fn of(quote: &QuoteText) -> CoverageBound {
        let mut segments = quote.segments.iter().filter(|s| !s.is_empty());
        let first = segments.next().map_or(&[][..], Vec::as_slice);
        let later_words = segments.map(|s| s.iter().filter_map(QuoteElement::word_id).count()).sum::<usize>() as u32;
        let ids: Vec<u32> = first.iter().filter_map(QuoteElement::word_id).collect();
        let bounded = !ids.is_empty() && ids.len() <= 128;
        let masks = bounded.then(|| {
            let mut masks: Vec<(u32, u128)> = Vec::with_capacity(ids.len());
            for (q, &id) in ids.iter().enumerate() {
                if id == UNKNOWN_WORD {
                    continue;
                }
                match masks.iter_mut().find(|(known, _)| *known == id) {
                    Some((_, mask)) => *mask |= 1 << q,
                    None => masks.push((id, 1 << q)),
                }
            }
            masks.sort_unstable_by_key(|&(id, _)| id);
            masks
        });
        let (mut words_text, mut word_starts, mut joinable) = (String::new(), vec![0u32], Vec::new());
        for (k, element) in first.iter().enumerate() {
            if let QuoteElement::Word { norm, .. } = element {
                if matches!(first.get(k + 1), Some(QuoteElement::Word { .. })) {
                    joinable.push(word_starts.len() as u32 - 1);
                }
                words_text.push_str(norm);
                word_starts.push(words_text.len() as u32);
            }
        }
        CoverageBound { masks, words_text, word_starts, joinable, first_words: ids.len() as u32, later_words }
    }

    /// The bound for `windows` of document `doc`.
    pub fn within(&self, index: &CorpusIndex, doc: usize, windows: &[Range<u32>]) -> f32 {
        let Some(masks) = &self.masks else { return 1.0 };
        let words = self.first_words;
        let all = if words == 128 { u128::MAX } else { (1u128 << words) - 1 };
        // Hyyrö's bit-vector LCS: a zero bit in `v` is a quote word matched so far.
        let step = |v: u128, m: u128| {
            let u = v & m;
            (v.wrapping_add(u) | (v & !m)) & all
        };
        let mask_of = |id: u32| masks.binary_search_by_key(&id, |&(known, _)| known).map_or(0, |k| masks[k].1);
        let doc_words = index.doc_words(doc);
        let mut best = 0u32;
        let mut scratch = Vec::new();
        for window in windows {
            let window = window.start.max(doc_words.start)..window.end.min(doc_words.end);
            let mut splits = index.hyphen_splits_in(window.clone()).iter().peekable();
            let mut v = all;
            for (pos, &id) in (window.start..).zip(index.word_ids_in(window, &mut scratch)) {
                let mut m = mask_of(id);
                match splits.next_if(|&&[at, _]| at == pos) {
                    None => v = step(v, m),
                    Some(&[_, split]) => {
                        let whole = index.vocab().word(id);
                        let mut second = 0u128;
                        for &q in &self.joinable {
                            let [start, mid, end] = [0, 1, 2].map(|k| self.word_starts[q as usize + k] as usize);
                            if mid - start == split as usize && self.words_text[start..end] == *whole {
                                m |= 1 << q;
                                second |= 1 << (q + 1);
                            }
                        }
                        v = step(step(v, m), second);
                    }
                }
            }
            best = best.max(words - v.count_ones());
        }
        (best + self.later_words) as f32 / (words + self.later_words) as f32
    }
}

/// The exact alignment of a segment of plain words found verbatim in one of `windows`: the best
/// any dynamic programme could find, at the cost of a comparison.
fn find_verbatim_in(
    index: &CorpusIndex,
    segment: &[QuoteElement],
    windows: &[Range<u32>],
    doc_words: &Range<u32>,
) -> Option<Alignment> {
    let ids: Vec<u32> = segment.iter().map(QuoteElement::seed_id).collect();
    if ids.contains(&UNKNOWN_WORD) {
        return None;
    }
    let len = ids.len() as u32;
    let mut scratch = Vec::new();
    let start = windows.iter().find_map(|window| {
        let window = window.start.max(doc_words.start)..window.end.min(doc_words.end);
        let words = index.word_ids_in(window.clone(), &mut scratch);
        words.windows(ids.len()).position(|w| w[0] == ids[0] && w == ids.as_slice()).map(|at| window.start + at as u32)
    })?;
    let ops = (0..ids.len()).map(|q| AlignOp::Match { q, s: start + q as u32 }).collect();
    Alignment::measured(index.doc_of(start), vec![(ops, start..start + len)], MATCH * len as i32)
}

/// `aligned` carried over to an identical copy of its passage in one of `windows` of document
/// `doc`, so a passage copied into a hundred sources is aligned once and found a hundred times.
///
/// An exact alignment is the best possible anywhere, so any copy of its words will do. Any other
/// could be beaten by words around the copy (the draft's first word right before it, say), so
/// the copy must also have the same `context` words on either side. An alignment across an
/// ellipsis carries over only if every edit in it is marked: its later segments may lie anywhere
/// after the first, and a drifted one could find a closer match farther on in the copy, but one
/// whose every word matches can only lose by reaching past the words it spans.
pub fn copy_in(
    index: &CorpusIndex,
    aligned: &Alignment,
    doc: usize,
    windows: &[Range<u32>],
    context: u32,
) -> Option<Alignment> {
    if aligned.segments.len() != 1 && aligned.has_unmarked_edits() {
        return None;
    }
    let exact = aligned.is_exact();
    let from_doc = index.doc_words(aligned.doc);
    let doc_words = index.doc_words(doc);
    let (before, after) = if exact {
        (0, 0)
    } else {
        (context.min(aligned.source_words.start - from_doc.start), context.min(from_doc.end - aligned.source_words.end))
    };
    let compared = aligned.source_words.start - before..aligned.source_words.end + after;
    let passage = index.word_ids(compared.clone());
    let first = *passage.first()?;
    // The compared words start at `at` in the copy. Its context must reach as far as the
    // original's: `context` words, or, where the original's document ended sooner, the copy's
    // must end there too (more words there could change the alignment).
    let fits = |at: u32| {
        exact
            || ((before == context || at == doc_words.start)
                && (after == context || at + passage.len() as u32 == doc_words.end))
    };
    let hyphenation = index.hyphen_splits_in(compared.clone());
    let same_hyphenation = |at: u32| {
        let here = index.hyphen_splits_in(at..at + passage.len() as u32);
        here.len() == hyphenation.len()
            && here
                .iter()
                .zip(hyphenation)
                .all(|(&[p, split], &[q, other])| p - at == q - compared.start && split == other)
    };
    let mut scratch = Vec::new();
    for window in windows {
        let window = window.start.max(doc_words.start)..window.end.min(doc_words.end);
        let wide = window.start.saturating_sub(before).max(doc_words.start)..(window.end + after).min(doc_words.end);
        let words = index.word_ids_in(wide.clone(), &mut scratch);
        for (at, w) in words.windows(passage.len()).enumerate() {
            let at = wide.start + at as u32;
            if w[0] == first && *w == *passage && at != compared.start && fits(at) && same_hyphenation(at) {
                let offset = i64::from(at) - i64::from(compared.start);
                return Some(aligned.moved(doc, offset));
            }
        }
    }
    None
}

/// An upper bound on the score of aligning `segment` in `window`: each of its words scores at
/// most a match, and only a word the window holds can match, or one of the two halves of a
/// window word joined across a line-end hyphen.
fn segment_score_bound(index: &CorpusIndex, segment: &[QuoteElement], window: &Range<u32>) -> i32 {
    let ids = index.word_ids(window.clone());
    let held =
        segment.iter().filter_map(QuoteElement::word_id).filter(|&id| id != UNKNOWN_WORD && ids.contains(&id)).count();
    let joined = 2 * index.hyphen_splits_in(window.clone()).len();
    MATCH * (held + joined) as i32
}

/// Windows for `segment`, which follows an ellipsis, in document `doc`: seeded regions after
/// word `after`, the first place after it that `verbatim` (the segment's first 64 verbatim places
/// in the corpus) has in `doc`, and right after `after`.
fn later_segment_windows(
    index: &CorpusIndex,
    segment: &[QuoteElement],
    verbatim: &[Range<u32>],
    doc: usize,
    after: u32,
) -> Vec<Range<u32>> {
    let ids: Vec<u32> = segment.iter().map(QuoteElement::seed_id).collect();
    let len = segment.len() as u32;
    let mut windows: Vec<Range<u32>> =
        index.candidates(&ids, Some(doc), 4).into_iter().map(|c| c.words).filter(|w| w.end > after).collect();
    // Short segments rarely have a seed; look for them verbatim.
    for found in verbatim {
        if found.start >= after && index.doc_of(found.start) == doc {
            windows.push(found.start.saturating_sub(len)..found.end + len);
            break;
        }
    }
    windows.push(after..after + len * 2 + 16);
    windows
}

/// Turns ops into the edit script, similarity and longest run.
/// Similarity, coverage and longest run, read from the ops.
fn measure(alignment: &mut Alignment) {
    let (mut matched_quote, mut matched_source, mut quote_words, mut source_words) = (0usize, 0usize, 0usize, 0usize);
    let (mut run, mut longest) = (0usize, 0usize);
    for op in alignment.ops() {
        match op {
            AlignOp::Match { .. } | AlignOp::Join { .. } => {
                let words = if matches!(op, AlignOp::Join { .. }) { 2 } else { 1 };
                matched_quote += words;
                quote_words += words;
                matched_source += 1;
                source_words += 1;
                run += words;
                longest = longest.max(run);
            }
            AlignOp::Substitute { .. } => {
                quote_words += 1;
                source_words += 1;
                run = 0;
            }
            AlignOp::Insert { .. } => {
                quote_words += 1;
                run = 0;
            }
            AlignOp::Omit { .. } => {
                source_words += 1;
                run = 0;
            }
            AlignOp::Editorial { .. } => {}
        }
    }
    alignment.longest_run = longest;
    let total = quote_words + source_words;
    alignment.similarity = if total == 0 { 0.0 } else { (matched_quote + matched_source) as f32 / total as f32 };
    alignment.coverage = if quote_words == 0 { 0.0 } else { matched_quote as f32 / quote_words as f32 };
}

fn describe(index: &CorpusIndex, draft: &str, source_text: &str, quote: &QuoteText, alignment: &mut Alignment) {
    let mut edits: Vec<Edit> = Vec::new();
    let mut diff = Diff::default();
    let mut pending = Pending::default();
    for (k, (ops, covered)) in alignment.segments.iter().enumerate() {
        if k > 0 {
            pending.flush(index, draft, source_text, &mut edits, &mut diff);
            let gap = alignment.segments[k - 1].1.end..covered.start;
            if !gap.is_empty() {
                let ellipsis = quote.ellipses.get(k - 1).cloned();
                let edit = Edit {
                    op: EditOp::Omit,
                    draft: ellipsis.clone().map(|s| draft[s].to_owned()).unwrap_or_default(),
                    source: abbreviate(readable(&source_text[index.span_of(gap.clone())]).trim()),
                    draft_span: ellipsis,
                    source_span: Some(index.span_of(gap)),
                    marked: true,
                    typo: false,
                };
                diff.edit(&edit);
                edits.push(edit);
            }
        }
        let segment = &quote.segments.iter().filter(|s| !s.is_empty()).nth(k).expect("aligned segment exists");
        let spans = index.word_spans(covered.clone());
        let span_at = |s: u32| spans.get(s.wrapping_sub(covered.start) as usize).cloned();
        for op in ops {
            match op {
                AlignOp::Match { s, .. } | AlignOp::Join { s, .. } => {
                    pending.flush(index, draft, source_text, &mut edits, &mut diff);
                    diff.same(source_text, span_at(*s).unwrap_or_else(|| index.word_span(*s)));
                }
                AlignOp::Substitute { q, s } => {
                    pending.add_draft(&segment[*q]);
                    pending.add_source(*s);
                }
                AlignOp::Insert { q } => pending.add_draft(&segment[*q]),
                AlignOp::Omit { s } => pending.add_source(*s),
                AlignOp::Editorial { q, s } => {
                    pending.flush(index, draft, source_text, &mut edits, &mut diff);
                    let QuoteElement::Editorial { span, .. } = &segment[*q] else { continue };
                    let source_span = (!s.is_empty()).then(|| index.span_of(s.clone()));
                    let edit = Edit {
                        op: if s.is_empty() { EditOp::Insert } else { EditOp::Replace },
                        draft: draft[span.clone()].to_owned(),
                        source: source_span
                            .clone()
                            .map(|r| readable(&source_text[r]).trim().to_owned())
                            .unwrap_or_default(),
                        draft_span: Some(span.clone()),
                        source_span,
                        marked: true,
                        typo: false,
                    };
                    diff.edit(&edit);
                    edits.push(edit);
                }
            }
        }
    }
    pending.flush(index, draft, source_text, &mut edits, &mut diff);
    alignment.edits = edits;
    alignment.diff = diff.pieces;
}

/// Consecutive unmarked differences, gathered into one edit.
#[derive(Default)]
struct Pending {
    draft: Option<Range<usize>>,
    source: Option<Range<u32>>,
}

impl Pending {
    fn add_draft(&mut self, element: &QuoteElement) {
        if let QuoteElement::Word { span, .. } = element {
            self.draft = Some(match self.draft.take() {
                Some(d) => d.start..span.end,
                None => span.clone(),
            });
        }
    }

    fn add_source(&mut self, s: u32) {
        self.source = Some(match self.source.take() {
            Some(r) => r.start..s + 1,
            None => s..s + 1,
        });
    }

    fn flush(&mut self, index: &CorpusIndex, draft: &str, source_text: &str, edits: &mut Vec<Edit>, diff: &mut Diff) {
        let (draft_span, source_words) = (self.draft.take(), self.source.take());
        let op = match (&draft_span, &source_words) {
            (Some(_), Some(_)) => EditOp::Replace,
            (Some(_), None) => EditOp::Insert,
            (None, Some(_)) => EditOp::Omit,
            (None, None) => return,
        };
        let source_span = source_words.clone().map(|w| index.span_of(w));
        let draft_text = draft_span.clone().map(|s| collapse_whitespace(&draft[s])).unwrap_or_default();
        let source_text = source_span.clone().map(|s| readable(&source_text[s]).trim().to_owned()).unwrap_or_default();
        let typo = op == EditOp::Replace
            && source_words.is_some_and(|w| w.len() == 1)
            && is_typo(
                &crate::normalize::normalize_phrase(&draft_text),
                &crate::normalize::normalize_phrase(&source_text),
            );
        let edit = Edit { op, draft: draft_text, source: source_text, draft_span, source_span, marked: false, typo };
        diff.edit(&edit);
        edits.push(edit);
    }
}

/// Builds a word diff, merging neighbouring pieces of one kind.
#[derive(Default)]
struct Diff {
    pieces: Vec<DiffPiece>,
    /// End of the last shared word in the source, so the punctuation between two shared words
    /// is shown as the source has it.
    last_same_end: Option<usize>,
}

impl Diff {
    fn same(&mut self, source_text: &str, word: Range<usize>) {
        match (self.pieces.last_mut(), self.last_same_end) {
            (Some(DiffPiece::Same(prev)), Some(end)) if end <= word.start => {
                prev.push_str(&readable(&source_text[end..word.end]));
            }
            _ => self.pieces.push(DiffPiece::Same(readable(&source_text[word.clone()]))),
        }
        self.last_same_end = Some(word.end);
    }

    fn edit(&mut self, edit: &Edit) {
        self.last_same_end = None;
        if !edit.source.is_empty() {
            self.pieces.push(DiffPiece::Deleted(edit.source.clone()));
        }
        if !edit.draft.is_empty() {
            self.pieces.push(DiffPiece::Inserted(edit.draft.clone()));
        }
    }
}

/// Renders a diff, each kind of piece through its own function (terminal colours, Markdown).
pub fn render_diff(
    diff: &[DiffPiece],
    same: impl Fn(&str) -> String,
    deleted: impl Fn(&str) -> String,
    inserted: impl Fn(&str) -> String,
) -> String {
    diff.iter()
        .map(|piece| match piece {
            DiffPiece::Same(t) => same(t),
            DiffPiece::Deleted(t) => deleted(t),
            DiffPiece::Inserted(t) => inserted(t),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders a diff as text with `[-deleted-]` and `{+inserted+}` markers (wdiff style).
pub fn render_diff_plain(diff: &[DiffPiece]) -> String {
    render_diff(diff, str::to_owned, |t| format!("[-{t}-]"), |t| format!("{{+{t}+}}"))
}

/// Folds runs of white space (line breaks of a wrapped source) into single spaces.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Source text as a reader wants it: end-of-line hyphenation undone (`Ambassa-\ndor` reads
/// `Ambassador`, by the rule [`crate::normalize`] uses) and white space folded. Keeps a leading
/// or trailing space if the text had one, so pieces can be concatenated.
pub fn readable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut pending_space = false;
    while let Some((i, c)) = chars.next() {
        if crate::normalize::is_hyphen(c) && out.chars().next_back().is_some_and(char::is_alphabetic) {
            let rest = &text[i + c.len_utf8()..];
            let trimmed = rest.trim_start_matches([' ', '\t']);
            let after_break = trimmed.strip_prefix("\r\n").or_else(|| trimmed.strip_prefix('\n'));
            if let Some(after) = after_break {
                let next = after.trim_start_matches([' ', '\t']);
                if next.chars().next().is_some_and(char::is_lowercase) {
                    let skip = text.len() - next.len();
                    while chars.peek().is_some_and(|&(j, _)| j < skip) {
                        chars.next();
                    }
                    continue;
                }
            }
        }
        if c == '\u{00AD}' {
            // Soft hyphens are invisible (and pad decoded HTML entities).
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    if pending_space {
        out.push(' ');
    }
    out
}

/// Long omitted passages are shown by their first and last words.
fn abbreviate(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    if words.len() <= 24 {
        return text.to_owned();
    }
    format!("{} … {}", words[..10].join(" "), words[words.len() - 10..].join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Source;

    const SOURCE: &str = "Any U.S. support for MEK would extremely damage its reputation amongst Iranians \
and would increase anti-American sentiments in Iran. The State Department cables quoted defectors.";

    fn setup() -> CorpusIndex {
        CorpusIndex::build(&[Source::new("cable", "cable.txt", SOURCE)]).unwrap()
    }

    fn align(draft: &str) -> Alignment {
        let index = setup();
        let quote = QuoteText::parse(draft, 0..draft.len(), &index);
        let seeds = quote.seed_ids();
        let windows: Vec<_> = index.candidates(&seeds, None, 4).into_iter().map(|c| c.words).collect();
        let mut alignment = align_quote(&index, &quote, 0, &windows).expect("aligned");
        alignment.describe(&index, draft, SOURCE, &quote);
        alignment
    }

    /// `draft` parsed against `index` and aligned in the whole of document `doc`.
    fn aligned_in(index: &CorpusIndex, draft: &str, doc: usize) -> (QuoteText, Alignment) {
        let quote = QuoteText::parse(draft, 0..draft.len(), index);
        let aligned = align_quote(index, &quote, doc, &[index.doc_words(doc)]).expect("aligned");
        (quote, aligned)
    }

    #[test]
    fn coverage_bound_never_undercuts_an_alignment() {
        let index = setup();
        for draft in [
            "any U.S. support for MEK would extremely damage its reputation",
            "support for MEK would severely damage its reputation amongst Iranians",
            "support for the group would damage its reputation amongst Iranians",
            "the State Department cables quoted defectors and would increase anti-American sentiments",
            // After an ellipsis, a segment may lie anywhere: the bound must still hold.
            "any U.S. support for MEK … would increase anti-American sentiments in Iran",
            "support for the group … anti-American feelings in Iran … cables quoted defectors",
        ] {
            let quote = QuoteText::parse(draft, 0..draft.len(), &index);
            let windows: Vec<_> = index.candidates(&quote.seed_ids(), None, 4).into_iter().map(|c| c.words).collect();
            let aligned = align_quote(&index, &quote, 0, &windows).expect("aligned");
            assert!(CoverageBound::of(&quote).within(&index, 0, &windows) >= aligned.coverage, "{draft}");
        }
        // Words joined across a line-end hyphen may match one draft word or two.
        let hyphenated = "Any U.S. support for MEK would extremely dam-\nage its reputation amongst Iranians and \
would in-\ncrease anti-American sentiments in Iran.";
        let split_index = CorpusIndex::build(&[Source::new("cable", "cable.txt", hyphenated)]).unwrap();
        let whole = [split_index.doc_words(0)];
        assert!(split_index.has_hyphen_split(whole[0].clone()));
        for draft in [
            "would extremely damage its reputation amongst Iranians",
            "would extremely dam age its reputation amongst Iranians",
            "reputation amongst Iranians and would in crease anti-American sentiments",
            "its reputation amongst Iranians would increase sentiments",
        ] {
            let quote = QuoteText::parse(draft, 0..draft.len(), &split_index);
            let aligned = align_quote(&split_index, &quote, 0, &whole).expect("aligned");
            let bound = CoverageBound::of(&quote).within(&split_index, 0, &whole);
            assert!(bound >= aligned.coverage, "{draft}: bound {bound}, coverage {}", aligned.coverage);
        }
        // Such a window is bounded too.
        let draft = "reputation would damage any support";
        let quote = QuoteText::parse(draft, 0..draft.len(), &split_index);
        assert!(CoverageBound::of(&quote).within(&split_index, 0, &whole) < 0.6);
        // A region sharing only scattered words with the quote is bounded below the threshold.
        let draft = "reputation would damage any support";
        let quote = QuoteText::parse(draft, 0..draft.len(), &index);
        assert!(CoverageBound::of(&quote).within(&index, 0, &[index.doc_words(0)]) < 0.6);
        // So is an ellipsis quote whose first, longer part shares only scattered words.
        let draft = "reputation would damage any support for the whole region … sentiments";
        let quote = QuoteText::parse(draft, 0..draft.len(), &index);
        assert!(CoverageBound::of(&quote).within(&index, 0, &[index.doc_words(0)]) < 0.6);
    }

    #[test]
    fn segment_score_bound_never_undercuts_a_segment_alignment() {
        let plain = setup();
        let hyphenated = CorpusIndex::build(&[Source::new(
            "cable",
            "cable.txt",
            "Any U.S. support for MEK would extremely dam-\nage its reputation amongst Iranians and would in-\ncrease \
anti-American sentiments in Iran.",
        )])
        .unwrap();
        assert!(hyphenated.has_hyphen_split(hyphenated.doc_words(0)));
        for index in [&plain, &hyphenated] {
            let all = index.doc_words(0);
            for draft in [
                "would increase anti-American sentiments in Iran",
                "would in crease anti-American sentiments in Iran",
                "would extremely dam age its reputation",
                "damage the [group's] reputation amongst everyone",
                "nothing here is in the cable",
            ] {
                let quote = QuoteText::parse(draft, 0..draft.len(), index);
                let segment = &quote.segments[0];
                // Every window of every width from every start, down to one word.
                for start in all.start..all.end {
                    for end in start + 1..=all.end {
                        let window = start..end;
                        let Some((_, _, score)) = align_segment(index, segment, window.clone()) else { continue };
                        let bound = segment_score_bound(index, segment, &window);
                        assert!(bound >= score, "{draft} in {window:?}: bound {bound} under score {score}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_alignment_carries_over_to_an_identical_copy_only_with_its_context() {
        let copy = format!("Other words first. {SOURCE}");
        let drifted_context = SOURCE.replace("Any U.S.", "Every U.S.");
        let index = CorpusIndex::build(&[
            Source::new("cable", "cable.txt", SOURCE),
            Source::new("copy", "copy.txt", copy.as_str()),
            Source::new("changed", "changed.txt", drifted_context.as_str()),
        ])
        .unwrap();
        let whole = |doc: usize| vec![index.doc_words(doc)];
        let exact = "would extremely damage its reputation amongst Iranians";
        let (quote, aligned) = aligned_in(&index, exact, 0);
        let moved = copy_in(&index, &aligned, 1, &whole(1), 7).expect("an exact passage carries over");
        assert_eq!(moved, align_quote(&index, &quote, 1, &whole(1)).unwrap());
        // A drifted alignment needs the same words around it: "Any" could have matched.
        let drifted = "Every U.S. support for MEK would badly damage its reputation";
        let (_, aligned) = aligned_in(&index, drifted, 0);
        assert!(copy_in(&index, &aligned, 2, &whole(2), 9).is_none());
        assert!(copy_in(&index, &aligned, 1, &whole(1), 9).is_none(), "the copy's context differs too");
        // A drifted passage inside its document carries over to a copy further into another,
        // with the same words as far as the context reaches on either side.
        let drifted = "would increase anti-American feelings in Iran";
        let (quote, aligned) = aligned_in(&index, drifted, 0);
        let moved = copy_in(&index, &aligned, 1, &whole(1), 7).expect("the same context, further in");
        assert_eq!(moved, align_quote(&index, &quote, 1, &whole(1)).unwrap());
    }

    #[test]
    fn an_ellipsis_alignment_carries_over_only_when_every_edit_is_marked() {
        let copy = format!("Other words first. {SOURCE}");
        let index = CorpusIndex::build(&[
            Source::new("cable", "cable.txt", SOURCE),
            Source::new("copy", "copy.txt", copy.as_str()),
        ])
        .unwrap();
        let whole = |doc: usize| vec![index.doc_words(doc)];
        let altered = "would … anti-American sentiments in Iran";
        let (quote, aligned) = aligned_in(&index, altered, 0);
        assert!(aligned.segments.len() == 2 && !aligned.is_exact() && !aligned.has_unmarked_edits());
        let context = quote.word_count() as u32;
        let moved = copy_in(&index, &aligned, 1, &whole(1), context).expect("the same words and context");
        assert_eq!(moved, align_quote(&index, &quote, 1, &whole(1)).unwrap());
        // A later segment that drifted could match better elsewhere in the copy.
        let drifted = "would … anti-American feelings in Iran";
        let (_, aligned) = aligned_in(&index, drifted, 0);
        assert!(aligned.segments.len() == 2 && aligned.has_unmarked_edits());
        assert!(copy_in(&index, &aligned, 1, &whole(1), context).is_none());
    }

    #[test]
    fn a_copy_amid_other_words_holds_the_quote_as_closely_when_nothing_there_could_cover_more() {
        let index = CorpusIndex::build(&[
            Source::new("cable", "cable.txt", SOURCE),
            Source::new(
                "report",
                "report.txt",
                format!("The report opened with the cables. {SOURCE} It ended there.").as_str(),
            ),
            Source::new("memo", "memo.txt", format!("{SOURCE} Nothing else in Iran was said.").as_str()),
        ])
        .unwrap();
        let whole = |doc: usize| vec![index.doc_words(doc)];
        let drifted = "would increase anti-American feelings in Iran";
        let quote = QuoteText::parse(drifted, 0..drifted.len(), &index);
        let bound = CoverageBound::of(&quote);
        let aligned = align_quote(&index, &quote, 0, &whole(0)).expect("aligned");
        for doc in [1, 2] {
            assert!(bound.within(&index, doc, &whole(doc)) <= aligned.coverage, "document {doc}");
            // Without any context, which differs in both.
            let moved = copy_in(&index, &aligned, doc, &whole(doc), 0).expect("the passage is there");
            assert_eq!(moved, align_quote(&index, &quote, doc, &whole(doc)).unwrap(), "document {doc}");
            assert!(copy_in(&index, &aligned, doc, &whole(doc), 7).is_none(), "document {doc}: the context differs");
        }
    }

    #[test]
    fn omissions_as_a_prefix_maximum_equal_the_left_to_right_loop() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Rows shorter than a block, a block and a few cells, several blocks; cells as a table
        // holds them, scores from deep in insertions to a run of matches, with step codes.
        for len in (1..=40).chain([65, 257]) {
            for _ in 0..20 {
                let row: Vec<i32> = (0..len).map(|_| pack((next() % 160) as i32 - 100, (next() % 8) as i32)).collect();
                let mut expected = row.clone();
                add_omissions_from(&mut expected, 1, row[0] & !7);
                let mut got = row.clone();
                add_omissions(&mut got);
                assert_eq!(got, expected, "row of {len}: {row:?}");
            }
        }
    }

    #[test]
    fn identical_words_have_no_edits() {
        let a = align("any U.S. support for MEK would extremely damage its reputation");
        assert!(a.is_exact(), "{:?}", a.edits);
        assert_eq!(a.similarity, 1.0);
    }

    #[test]
    fn replaced_word_is_named_with_both_wordings() {
        let a = align("support for MEK would severely damage its reputation amongst Iranians");
        assert_eq!(a.edits.len(), 1, "{:?}", a.edits);
        let e = &a.edits[0];
        assert_eq!(
            (e.op, e.draft.as_str(), e.source.as_str(), e.marked),
            (EditOp::Replace, "severely", "extremely", false)
        );
    }

    #[test]
    fn dropped_words_are_an_unmarked_omission() {
        let a = align("support for MEK would damage its reputation amongst Iranians");
        assert_eq!(a.edits.len(), 1);
        assert_eq!((a.edits[0].op, a.edits[0].source.as_str()), (EditOp::Omit, "extremely"));
        assert!(!a.edits[0].marked);
    }

    #[test]
    fn ellipsis_omission_is_marked() {
        let a = align("Any U.S. support for MEK would … increase anti-American sentiments in Iran");
        assert_eq!(a.edits.len(), 1, "{:?}", a.edits);
        let e = &a.edits[0];
        assert_eq!(e.op, EditOp::Omit);
        assert!(e.marked);
        assert_eq!(e.draft, "…");
        assert_eq!(e.source, "extremely damage its reputation amongst Iranians and would");
    }

    #[test]
    fn bracketed_replacement_is_marked() {
        let a = align("Any U.S. support for [the group] would extremely damage its reputation");
        assert_eq!(a.edits.len(), 1, "{:?}", a.edits);
        assert_eq!((a.edits[0].op, a.edits[0].source.as_str(), a.edits[0].marked), (EditOp::Replace, "MEK", true));
    }

    #[test]
    fn sic_and_case_brackets_are_not_drift() {
        let a = align("[a]ny U.S. support for MEK would extremely [sic] damage its reputation");
        assert!(a.edits.iter().all(|e| e.marked), "{:?}", a.edits);
    }

    #[test]
    fn one_letter_change_is_a_typo() {
        let a = align("would extremely damage its reputation amongst Iranains and would increase");
        assert_eq!(a.edits.len(), 1);
        assert!(a.edits[0].typo);
        let b = align("would extremely damage its standing amongst Iranians and would increase");
        assert!(!b.edits[0].typo);
    }

    #[test]
    fn one_edit_check_agrees_with_the_edit_distance() {
        // Every pair of words over a three-letter alphabet up to five letters long.
        let mut words = vec![String::new()];
        for len in 1..=5 {
            let shorter: Vec<String> = words.iter().filter(|w| w.len() == len - 1).cloned().collect();
            words.extend(shorter.iter().flat_map(|w| ["a", "b", "c"].map(|c| format!("{w}{c}"))));
        }
        for a in &words {
            for b in &words {
                let expected = strsim::osa_distance(a, b) <= 1;
                assert_eq!(within_one_edit(a.as_bytes(), b.as_bytes()), expected, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn word_diff_marks_both_wordings() {
        let a = align("support for MEK would severely damage its reputation");
        assert_eq!(
            render_diff_plain(&a.diff),
            "support for MEK would [-extremely-] {+severely+} damage its reputation"
        );
    }

    #[test]
    fn readable_undoes_line_break_hyphenation_only() {
        assert_eq!(readable("U.S. Ambassa-\ndor to"), "U.S. Ambassador to");
        assert_eq!(readable("increase anti-\nAmericanism"), "increase anti- Americanism");
        assert_eq!(readable("  a\n  b "), " a b ");
        assert_eq!(readable("demo\u{00AD}cracy"), "democracy");
    }

    #[test]
    fn marks_scan_stays_linear_with_unclosed_brackets() {
        let text = "word [ ".repeat(200_000);
        let started = std::time::Instant::now();
        assert!(find_marks(&text).is_empty());
        assert!(started.elapsed().as_secs() < 5, "quadratic rescans");
        let marks = find_marks("a [b] c .... d [sic] e [...]");
        let kinds: Vec<MarkKind> = marks.iter().map(|m| m.kind).collect();
        assert_eq!(kinds, [MarkKind::Editorial, MarkKind::Ellipsis, MarkKind::Sic, MarkKind::Ellipsis]);
        assert_eq!(marks[1].span.len(), 4, "a run of four dots is one ellipsis");
    }

    #[test]
    fn ellipsis_forms() {
        let index = setup();
        for text in ["a … b", "a ... b", "a . . . b", "a [...] b", "a […] b"] {
            let q = QuoteText::parse(text, 0..text.len(), &index);
            assert_eq!(q.segments.len(), 2, "{text}");
        }
        let q = QuoteText::parse("…a b", 0..6, &index);
        assert_eq!(q.segments.len(), 1, "a leading ellipsis omits nothing inside the quote");
    }
}
