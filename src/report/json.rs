//! The stable JSON report (`--format json`). Other tools parse it: its shape only grows.

use serde::Serialize;

use super::{FileReport, Summary};
use crate::check::{IndexedCorpus, Verdict};
use crate::lines::ColumnUnit;

#[derive(Serialize)]
pub struct JsonReport {
    version: u32,
    files: Vec<JsonFile>,
    summary: JsonSummary,
}

#[derive(Serialize, Clone, Copy)]
struct Position {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct JsonFile {
    path: String,
    quotes: Vec<JsonQuote>,
    diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Serialize)]
struct JsonQuote {
    start: Position,
    end: Position,
    text: String,
    verdict: Verdict,
    cited: Option<String>,
    source: Option<JsonSource>,
    also_found_in: Vec<String>,
    similarity: f64,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonSource {
    key: String,
    path: String,
    start: Position,
    end: Position,
    text: String,
}

#[derive(Serialize)]
struct JsonEdit {
    op: crate::align::EditOp,
    draft: String,
    source: String,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    start: Position,
    end: Position,
    severity: &'static str,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    quotes: usize,
    exact: usize,
    altered: usize,
    drift: usize,
    misattributed: usize,
    unsourced: usize,
    unchecked: usize,
}

fn position(file: &FileReport, offset: usize) -> Position {
    let (line, column) = file.position(offset);
    Position { line, column }
}

/// Builds the report for `files`.
pub fn report_json(files: &[FileReport], corpus: &IndexedCorpus) -> JsonReport {
    let summary = Summary::of(files);
    JsonReport {
        version: 1,
        files: files.iter().map(|file| json_file(file, corpus)).collect(),
        summary: JsonSummary {
            files: summary.files,
            quotes: summary.quotes,
            exact: summary.count(Verdict::Exact),
            altered: summary.count(Verdict::Altered),
            drift: summary.count(Verdict::Drift),
            misattributed: summary.count(Verdict::Misattributed),
            unsourced: summary.count(Verdict::Unsourced),
            unchecked: summary.count(Verdict::Unchecked),
        },
    }
}

fn json_file(file: &FileReport, corpus: &IndexedCorpus) -> JsonFile {
    let quotes = file
        .check
        .quotes
        .iter()
        .map(|q| JsonQuote {
            start: position(file, q.quote.span.start),
            end: position(file, q.quote.span.end),
            text: q.text.clone(),
            verdict: q.verdict,
            cited: q.cited.first().cloned(),
            source: q.source.as_ref().map(|s| {
                let source = &corpus.corpus.sources[s.doc];
                let at = |offset: usize| {
                    let p = source.lines().position(&source.text, offset, ColumnUnit::Char);
                    Position { line: p.line + 1, column: p.col + 1 }
                };
                JsonSource {
                    key: s.key.clone(),
                    path: source.path.display().to_string(),
                    start: at(s.span.start),
                    end: at(s.span.end),
                    text: crate::align::readable(&source.text[s.span.clone()]).trim().to_owned(),
                }
            }),
            also_found_in: q.also_found_in.clone(),
            similarity: (f64::from(q.similarity) * 1000.0).round() / 1000.0,
            edits: q
                .edits
                .iter()
                .map(|e| JsonEdit { op: e.op, draft: e.draft.clone(), source: e.source.clone() })
                .collect(),
        })
        .collect();
    let diagnostics = file
        .check
        .findings
        .iter()
        .map(|f| JsonDiagnostic {
            start: position(file, f.span.start),
            end: position(file, f.span.end),
            severity: f.severity.as_str(),
            code: f.code.as_str(),
            message: f.message.clone(),
        })
        .collect();
    JsonFile { path: file.path.clone(), quotes, diagnostics }
}
