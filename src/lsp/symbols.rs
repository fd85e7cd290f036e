//! Workspace symbols: search corpus passages by words, so a writer can find a quote from the
//! editor. Three or more words are looked up like a quote (so a half-remembered wording finds
//! its passage); fewer are looked up verbatim. Each result is named by an excerpt of the
//! sentence it is in and located at the matched words in the corpus file.

use std::ops::Range;

use tower_lsp::lsp_types::{Location, SymbolInformation, SymbolKind};

use crate::check::CheckOptions;
use crate::lines::ColumnUnit;
use crate::normalize::words;

use super::passage::{excerpt, readable, sentence_ends};
use super::position::LineMap;
use super::state::Analysis;

const MAX_RESULTS: usize = 100;

/// Passages matching `query`, best first.
pub fn search(analysis: &Analysis, query: &str, unit: ColumnUnit) -> Vec<SymbolInformation> {
    let index = &analysis.corpus.index;
    let query_words = words(query);
    if query_words.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<(usize, Range<usize>)> = Vec::new();
    if query_words.len() >= 3 {
        let checker = analysis.corpus.checker(CheckOptions::default());
        hits.extend(checker.find(query).into_iter().map(|f| (f.source.doc, f.source.span)));
    }
    let ids: Option<Vec<u32>> = query_words.iter().map(|w| index.vocab().id(&w.norm)).collect();
    if let Some(ids) = ids {
        for found in index.find_verbatim(&ids, MAX_RESULTS) {
            let hit = (index.doc_of(found.start), index.span_of(found));
            if !hits.iter().any(|h| h.0 == hit.0 && h.1.start < hit.1.end && hit.1.start < h.1.end) {
                hits.push(hit);
            }
        }
    }
    hits.truncate(MAX_RESULTS);
    let sources = &analysis.corpus.corpus.sources;
    hits.into_iter()
        .filter_map(|(doc, span)| {
            let source = sources.get(doc)?;
            let uri = analysis.source_uris.get(doc)?.clone()?;
            let range = LineMap::new(&source.text, source.lines(), unit).range(span.clone());
            let para = super::passage::paragraph(&source.text, span.clone());
            let ends = sentence_ends(&source.text, para.clone());
            let sentence_start = ends.iter().rev().copied().find(|&e| e <= span.start).unwrap_or(para.start);
            let end = ends.iter().copied().find(|&e| e >= span.end).unwrap_or(para.end).max(span.end);
            // From the matched words on, so the name shows them; `…` when mid-sentence.
            let lead = source.text[sentence_start..span.start].trim();
            let name = readable(&source.text[span.start..end]);
            let name = if lead.is_empty() { name } else { format!("…{name}") };
            #[allow(deprecated)]
            Some(SymbolInformation {
                name: excerpt(&name, 120),
                kind: SymbolKind::STRING,
                tags: None,
                deprecated: None,
                location: Location { uri, range },
                container_name: Some(format!("[@{}] {}", source.cite_key, source.display_title())),
            })
        })
        .collect()
}
