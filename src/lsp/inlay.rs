//! Inlay hints: the source key after quotes that match a source but cite none (the
//! `inlayHints` option turns them off). Accepting the hint's edit inserts the citation.

use tower_lsp::lsp_types::{InlayHint, InlayHintLabel, InlayHintTooltip, TextEdit};

use crate::check::Verdict;
use crate::lines::ColumnUnit;
use crate::quotes::DraftFormat;

use super::position::PositionWalker;
use super::state::CheckedDoc;

/// Hints for the uncited quotes ending inside `span`.
pub fn inlay_hints(checked: &CheckedDoc, span: std::ops::Range<usize>, unit: ColumnUnit) -> Vec<InlayHint> {
    if !checked.analysis.inlay_hints {
        return Vec::new();
    }
    let mut positions = PositionWalker::new(checked.doc.map(unit));
    let corpus = &checked.analysis.corpus.corpus;
    checked
        .check
        .quotes
        .iter()
        .filter(|q| q.cited.is_empty() && matches!(q.verdict, Verdict::Exact | Verdict::Altered | Verdict::Drift))
        .filter(|q| span.start <= q.quote.span.end && q.quote.span.end <= span.end)
        .filter_map(|q| {
            let source = corpus.sources.get(q.source.as_ref()?.doc)?;
            let key = &source.cite_key;
            let position = positions.position(q.quote.span.end);
            let citation = match checked.doc.format {
                DraftFormat::Latex => format!("~\\cite{{{key}}}"),
                _ => format!(" [@{key}]"),
            };
            Some(InlayHint {
                position,
                label: InlayHintLabel::String(format!("[@{key}]")),
                kind: None,
                text_edits: Some(vec![TextEdit {
                    range: tower_lsp::lsp_types::Range::new(position, position),
                    new_text: citation,
                }]),
                tooltip: Some(InlayHintTooltip::String(format!(
                    "{} quote of {}; not cited",
                    q.verdict,
                    source.display_title()
                ))),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            })
        })
        .collect()
}
