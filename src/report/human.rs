//! rustc-style output: the draft line with the quote underlined, the source's location and a
//! word diff, then a summary of counts. Colour only on a terminal and never with `NO_COLOR`
//! (the caller decides).

use std::io::{self, Write};

use annotate_snippets::{Level, Renderer, Snippet};

use super::{FileReport, Summary};
use crate::align::DiffPiece;
use crate::check::{Finding, IndexedCorpus, Severity, Verdict};
use crate::lines::ColumnUnit;

/// Lines longer than this are cropped around the quote (a 1 MB single-line draft stays readable).
const MAX_SNIPPET_BYTES: usize = 600;

pub fn render(files: &[FileReport], corpus: &IndexedCorpus, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    for file in files {
        for finding in &file.check.findings {
            render_finding(file, finding, corpus, &renderer, color, out)?;
        }
    }
    let summary = Summary::of(files);
    let counts: Vec<String> = Verdict::ALL
        .iter()
        .filter(|&&v| summary.count(v) > 0)
        .map(|&v| format!("{} {}", summary.count(v), v))
        .collect();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "quoteline: {}, {}{}{}",
        plural(summary.files, "file"),
        plural(summary.quotes, "quote"),
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    )
}

fn render_finding(
    file: &FileReport,
    finding: &Finding,
    corpus: &IndexedCorpus,
    renderer: &Renderer,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let level = match finding.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Information => Level::Note,
        Severity::Hint => Level::Help,
    };
    let (window, window_start) = snippet_window(&file.text, finding.span.clone(), &file.lines);
    let span_start = finding.span.start.clamp(window_start, window_start + window.len()) - window_start;
    let span_end = finding.span.end.clamp(window_start + span_start, window_start + window.len()) - window_start;
    let first_line = file.lines.line_of(window_start) + 1;
    let check = finding.quote.map(|q| &file.check.quotes[q]);
    let label = match check {
        Some(c) if c.verdict != Verdict::Unchecked => c.verdict.as_str(),
        _ => "",
    };
    let mut footers = Vec::new();
    let source_note = finding.related.as_ref().map(|s| {
        let source = &corpus.corpus.sources[s.doc];
        let pos = source.lines().position(&source.text, s.span.start, ColumnUnit::Char);
        format!("source: [@{}] {}:{}:{}", s.key, source.path.display(), pos.line + 1, pos.col + 1)
    });
    if let Some(note) = &source_note {
        footers.push(Level::Note.title(note));
    }
    let diff = check
        .filter(|c| {
            matches!(c.verdict, Verdict::Drift | Verdict::Altered | Verdict::Misattributed) && !c.edits.is_empty()
        })
        .map(|c| format!("diff: {}", render_diff(&c.diff, color)));
    if let Some(diff) = &diff {
        footers.push(Level::Help.title(diff));
    }
    let also =
        check.filter(|c| !c.also_found_in.is_empty()).map(|c| format!("also in: {}", c.also_found_in.join(", ")));
    if let Some(also) = &also {
        footers.push(Level::Note.title(also));
    }
    let message = level
        .title(&finding.message)
        .id(finding.code.as_str())
        .snippet(
            Snippet::source(window)
                .line_start(first_line)
                .origin(&file.path)
                .fold(true)
                .annotation(level.span(span_start..span_end.max(span_start)).label(label)),
        )
        .footers(footers);
    let rendered = renderer.render(message).to_string();
    writeln!(out, "{rendered}\n")
}

/// The whole lines around `span`, cropped to a readable width around it.
fn snippet_window<'t>(
    text: &'t str,
    span: std::ops::Range<usize>,
    lines: &crate::lines::LineIndex,
) -> (&'t str, usize) {
    let first = lines.line_range(text, lines.line_of(span.start));
    let last = lines.line_range(text, lines.line_of(span.end.saturating_sub(1).max(span.start)));
    let (mut start, mut end) = (first.start, last.end.max(first.start));
    if end - start > MAX_SNIPPET_BYTES {
        start = start.max(span.start.saturating_sub(120));
        end = end.min(span.start.max(start) + MAX_SNIPPET_BYTES);
        start = crate::lines::floor_char_boundary(text, start);
        end = crate::lines::floor_char_boundary(text, end);
    }
    (&text[start..end], start)
}

/// The word diff: `[-source-]{+draft+}`, coloured on a terminal.
fn render_diff(diff: &[DiffPiece], color: bool) -> String {
    if !color {
        return crate::align::render_diff_plain(diff);
    }
    // Deleted source words red and struck through, inserted draft words bold green.
    crate::align::render_diff(
        diff,
        str::to_owned,
        |t| format!("\x1b[31;9m{t}\x1b[0m"),
        |t| format!("\x1b[32;1m{t}\x1b[0m"),
    )
}
