//! Go to definition: from a quotation to the source passage it was matched to, from a citation
//! key to its source text (or, for an entry without text, to the entry in its bibliography).

use tower_lsp::lsp_types::{Location, Position, Range, Url};

use crate::lines::ColumnUnit;

use super::position::LineMap;
use super::state::CheckedDoc;

/// The definition at byte `offset`.
pub fn definition(checked: &CheckedDoc, offset: usize, unit: ColumnUnit) -> Option<Location> {
    let corpus = &checked.analysis.corpus.corpus;
    let inside = |span: &std::ops::Range<usize>| span.start <= offset && offset <= span.end;
    if let Some(citation) = checked.check.citations.iter().find(|c| inside(&c.span)) {
        if let Some(doc) = corpus.sources.iter().position(|s| s.cite_key == citation.key) {
            let source = &corpus.sources[doc];
            let uri = checked.analysis.source_uris.get(doc)?.clone()?;
            let map = LineMap::new(&source.text, source.lines(), unit);
            let body = source.body.start..source.body.start;
            return Some(Location { uri, range: map.range(body) });
        }
        let reference = corpus.references.iter().find(|r| r.key == citation.key)?;
        return entry_location(&reference.origin, &citation.key);
    }
    let quote = checked.check.quotes.iter().find(|q| inside(&q.quote.span))?;
    let found = quote.source.as_ref()?;
    let source = corpus.sources.get(found.doc)?;
    let uri = checked.analysis.source_uris.get(found.doc)?.clone()?;
    Some(Location { uri, range: LineMap::new(&source.text, source.lines(), unit).range(found.span.clone()) })
}

/// Where `key`'s entry starts in a bibliography file (its first line if not found).
fn entry_location(path: &std::path::Path, key: &str) -> Option<Location> {
    let uri = super::state::file_uri(path).or_else(|| Url::from_file_path(path).ok())?;
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let line = text
        .lines()
        .position(|l| l.contains(&format!("{{{key},")) || l.contains(&format!("\"id\": \"{key}\"")))
        .unwrap_or(0) as u32;
    Some(Location { uri, range: Range::new(Position::new(line, 0), Position::new(line, 0)) })
}
