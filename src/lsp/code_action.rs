//! Code actions: quick fixes for the quotes under the cursor, attached to their diagnostics.
//!
//! - "Replace with the source wording": the quote's content becomes the source passage, keeping
//!   the draft's marked ellipses and brackets (drift, and misattributed quotes that drifted);
//! - "Cite the real source `[@key]`": a misattributed quote's citation names the source it is in;
//! - "Add citation `[@key]`": an uncited quote found in a source gets its citation;
//! - "Mark the omission with an ellipsis": a clause the draft dropped silently is marked.
//!
//! The draft and the source are kept in step between edits by counting words (matched words
//! are the same words on both sides), which places omissions and bracketed insertions.

use std::collections::HashMap;
use std::ops::Range;

use tower_lsp::lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, TextEdit, WorkspaceEdit};

use crate::align::{Edit, EditOp};
use crate::check::{FindingCode, QuoteCheck, Verdict};
use crate::lines::ColumnUnit;
use crate::normalize::for_each_word;
use crate::quotes::DraftFormat;

use super::diagnostics::diagnostic;
use super::passage::readable;
use super::state::CheckedDoc;

pub const REPLACE_TITLE: &str = "Replace with the source wording";
pub const ELLIPSIS_TITLE: &str = "Mark the omission with an ellipsis";

/// Quick fixes for the quotes that `span` touches.
pub fn code_actions(checked: &CheckedDoc, span: Range<usize>, unit: ColumnUnit) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for (qi, quote) in checked.check.quotes.iter().enumerate() {
        let q = &quote.quote.span;
        if q.end < span.start || span.end < q.start {
            continue;
        }
        let diagnostics: Vec<Diagnostic> = checked
            .check
            .findings
            .iter()
            .filter(|f| f.quote == Some(qi) && matches!(f.code, FindingCode::Verdict(_)))
            .map(|f| diagnostic(checked, f, unit))
            .collect();
        for (title, edits, preferred) in quote_fixes(checked, quote) {
            let map = checked.doc.map(unit);
            let edits =
                edits.into_iter().map(|(span, new_text)| TextEdit { range: map.range(span), new_text }).collect();
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!diagnostics.is_empty()).then(|| diagnostics.clone()),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(checked.doc.uri.clone(), edits)])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(preferred),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// A fix: its title, its edits as (draft span, new text), and whether it is the preferred one.
pub type Fix = (String, Vec<(Range<usize>, String)>, bool);

/// The fixes for one quote.
pub fn quote_fixes(checked: &CheckedDoc, quote: &QuoteCheck) -> Vec<Fix> {
    let mut fixes = Vec::new();
    let Some(found) = &quote.source else { return fixes };
    let corpus = &checked.analysis.corpus.corpus;
    let Some(source) = corpus.sources.get(found.doc) else { return fixes };
    let text = &checked.doc.text;
    let content = quote.quote.content.clone();
    let unmarked = quote.edits.iter().any(|e| !e.marked);
    if unmarked && matches!(quote.verdict, Verdict::Drift | Verdict::Misattributed) {
        let anchors = anchors(text, content.clone(), &source.text, found.span.clone(), &quote.edits);
        let wording = source_wording(text, content.clone(), &source.text, found.span.clone(), &quote.edits, &anchors);
        fixes.push((REPLACE_TITLE.to_owned(), vec![(content.clone(), wording)], quote.verdict == Verdict::Drift));
        let omissions: Vec<(usize, &Edit)> = quote
            .edits
            .iter()
            .zip(&anchors)
            .filter(|(e, _)| e.op == EditOp::Omit && !e.marked)
            .map(|(e, a)| (a.0, e))
            .collect();
        for &(at, edit) in &omissions {
            let title = if omissions.len() == 1 {
                ELLIPSIS_TITLE.to_owned()
            } else {
                format!("{ELLIPSIS_TITLE} (‘{}’)", edit.source)
            };
            fixes.push((title, vec![(at..at, " …".to_owned())], false));
        }
    }
    let key = &source.cite_key;
    if quote.verdict == Verdict::Misattributed {
        let citations = &checked.check.citations;
        let edits: Vec<(Range<usize>, String)> = quote
            .quote
            .citations
            .iter()
            .filter_map(|&c| citations.get(c))
            .filter(|c| quote.cited.contains(&c.key))
            .map(|c| (c.span.clone(), key.clone()))
            .collect();
        if !edits.is_empty() {
            fixes.push((format!("Cite the real source [@{key}]"), edits, true));
        }
    }
    if quote.cited.is_empty() && quote.verdict != Verdict::Unsourced {
        let citation = match checked.doc.format {
            DraftFormat::Latex => format!("~\\cite{{{key}}}"),
            _ => format!(" [@{key}]"),
        };
        let end = quote.quote.span.end;
        fixes.push((format!("Add citation [@{key}]"), vec![(end..end, citation)], true));
    }
    fixes
}

/// For each edit, the draft and source offsets where it happens, found by walking matched
/// words in step from the quote's start.
pub fn anchors(
    draft: &str,
    content: Range<usize>,
    source: &str,
    passage: Range<usize>,
    edits: &[Edit],
) -> Vec<(usize, usize)> {
    let (mut d, mut s) = (content.start, passage.start);
    let mut out = Vec::with_capacity(edits.len());
    for edit in edits {
        match (&edit.draft_span, &edit.source_span) {
            (Some(ds), Some(ss)) => {
                out.push((ds.start, ss.start));
                (d, s) = (ds.end.max(d), ss.end.max(s));
            }
            (Some(ds), None) => {
                let n = count_words(draft.get(d..ds.start.max(d)).unwrap_or_default());
                let sp = advance_words(source, s, n);
                out.push((ds.start, sp));
                (d, s) = (ds.end.max(d), sp);
            }
            (None, Some(ss)) => {
                let n = count_words(source.get(s..ss.start.max(s)).unwrap_or_default());
                let dp = advance_words(draft, d, n);
                out.push((dp, ss.start));
                (d, s) = (dp, ss.end.max(s));
            }
            (None, None) => out.push((d, s)),
        }
    }
    out
}

fn count_words(text: &str) -> usize {
    let mut n = 0;
    for_each_word(text, |_, _, _| n += 1);
    n
}

/// The offset just after the `n`th word from `from` (or `from` itself for none).
fn advance_words(text: &str, from: usize, n: usize) -> usize {
    if n == 0 {
        return from;
    }
    let Some(rest) = text.get(from..) else { return from };
    let (mut seen, mut end) = (0, rest.len());
    for_each_word(rest, |_, span, _| {
        seen += 1;
        if seen == n {
            end = span.end;
        }
    });
    from + end
}

/// The source passage as the quote's new content, with the draft's marked edits kept.
fn source_wording(
    draft: &str,
    content: Range<usize>,
    source: &str,
    passage: Range<usize>,
    edits: &[Edit],
    anchors: &[(usize, usize)],
) -> String {
    let mut out = String::new();
    let mut pos = passage.start;
    for (edit, &(_, sp)) in edits.iter().zip(anchors) {
        if !edit.marked {
            continue;
        }
        let marks = edit.draft_span.clone().and_then(|s| draft.get(s)).unwrap_or(&edit.draft);
        match &edit.source_span {
            Some(ss) if ss.start >= pos => {
                out.push_str(&source[pos..ss.start]);
                out.push(' ');
                out.push_str(marks);
                out.push(' ');
                pos = ss.end;
            }
            None if sp >= pos => {
                out.push_str(&source[pos..sp]);
                out.push(' ');
                out.push_str(marks);
                out.push(' ');
                pos = sp;
            }
            _ => {}
        }
    }
    out.push_str(source.get(pos..passage.end.max(pos)).unwrap_or_default());
    let mut wording = readable(&out).replace(" ,", ",").replace(" .", ".");
    let inner = draft.get(content).unwrap_or_default().trim();
    // Ellipses at the quote's edges are not edits; keep them.
    for mark in ["…", "..."] {
        if inner.starts_with(mark) && !wording.starts_with(mark) {
            wording = format!("{mark} {wording}");
            break;
        }
    }
    for mark in ["…", "..."] {
        if inner.ends_with(mark) && !wording.ends_with(mark) {
            wording = format!("{wording} {mark}");
            break;
        }
    }
    // A changed first capital is allowed: keep the draft's.
    let draft_upper = inner.chars().find(|c| c.is_alphabetic()).is_some_and(char::is_uppercase);
    if draft_upper {
        if let Some((i, c)) = wording.char_indices().find(|(_, c)| c.is_alphabetic()) {
            if c.is_lowercase() {
                wording = format!("{}{}{}", &wording[..i], c.to_uppercase(), &wording[i + c.len_utf8()..]);
            }
        }
    }
    wording
}
