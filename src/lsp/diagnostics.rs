//! Diagnostics: each [`crate::check::Finding`] becomes one LSP diagnostic.
//!
//! `source` is `quoteline`, `code` the verdict (or `unclosed-quote`, `unknown-citation`, `missing-source-file`), the
//! message the finding's own ("quote drifted from `[@key]`: source says ‘not’, draft says ‘no’"),
//! and `relatedInformation` points at the exact source range in the corpus file.
//!
//! Pushed diagnostics are debounced after each change and published with the document version
//! they were computed for, and only while that is still the document's version (the server
//! keeps this ordering; see `server.rs`). Clients that support pull diagnostics
//! (`textDocument/diagnostic`) get them by pull instead, with result ids made of the corpus
//! generation and the document version so an unchanged document answers `unchanged`.

use tower_lsp::lsp_types::{
    self as lsp, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
};

use crate::check::{Finding, Severity};
use crate::lines::ColumnUnit;

use super::position::{LineMap, RangeWalker};
use super::state::CheckedDoc;

/// How long after the last change a document is re-checked.
pub const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(150);

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Information => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// Every finding of a checked document as diagnostics.
pub fn to_proto(checked: &CheckedDoc, unit: ColumnUnit) -> Vec<Diagnostic> {
    let mut ranges = RangeWalker::new(checked.doc.map(unit));
    checked.check.findings.iter().map(|f| diagnostic_with(checked, f, unit, &mut ranges)).collect()
}

/// One finding as a diagnostic.
pub fn diagnostic(checked: &CheckedDoc, finding: &Finding, unit: ColumnUnit) -> Diagnostic {
    diagnostic_with(checked, finding, unit, &mut RangeWalker::new(checked.doc.map(unit)))
}

fn diagnostic_with(
    checked: &CheckedDoc,
    finding: &Finding,
    unit: ColumnUnit,
    ranges: &mut RangeWalker<'_>,
) -> Diagnostic {
    let corpus = &checked.analysis.corpus.corpus;
    let related = finding.related.as_ref().and_then(|related| {
        let source = corpus.sources.get(related.doc)?;
        let uri = checked.analysis.source_uris.get(related.doc)?.clone()?;
        let range = LineMap::new(&source.text, source.lines(), unit).range(related.span.clone());
        Some(vec![DiagnosticRelatedInformation {
            location: Location { uri, range },
            message: format!("source passage in [@{}] {}", source.cite_key, source.display_title()),
        }])
    });
    Diagnostic {
        range: ranges.range(finding.span.clone()),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.code.as_str().to_owned())),
        code_description: None,
        source: Some("quoteline".into()),
        message: finding.message.clone(),
        related_information: related,
        tags: None,
        data: None,
    }
}

/// The pull result id for a checked document.
pub fn result_id(checked: &CheckedDoc) -> String {
    format!("{}:{}", checked.analysis.generation, checked.doc.version)
}

/// A full pull report.
pub fn full_report(items: Vec<Diagnostic>, result_id: Option<String>) -> lsp::DocumentDiagnosticReportResult {
    lsp::DocumentDiagnosticReportResult::Report(lsp::DocumentDiagnosticReport::Full(
        lsp::RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport { result_id, items },
        },
    ))
}

/// An "unchanged since `result_id`" pull report.
pub fn unchanged_report(result_id: String) -> lsp::DocumentDiagnosticReportResult {
    lsp::DocumentDiagnosticReportResult::Report(lsp::DocumentDiagnosticReport::Unchanged(
        lsp::RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: lsp::UnchangedDocumentDiagnosticReport { result_id },
        },
    ))
}
