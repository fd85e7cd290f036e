//! Find references from a corpus file: the drafts in the workspace that quote the passage at
//! the cursor. Drafts are the open documents plus the draft files under the workspace root
//! (outside the corpus, hidden folders, `target` and `node_modules`); each is checked (with the
//! verdict cache) and its quotes whose source span covers the position are returned.
//!
//! The walk checks a cancellation flag between files, so `$/cancelRequest` stops it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tower_lsp::lsp_types::{Location, Url};

use crate::lines::ColumnUnit;
use crate::quotes::DraftFormat;

use super::position::RangeWalker;
use super::state::{Analysis, DocText};
use super::workspace::Settings;

/// Files larger than this are not drafts.
const MAX_DRAFT_BYTES: u64 = 4 << 20;
/// At most this many files are read from disk.
const MAX_FILES: usize = 5000;

/// Quotes of source `doc` at byte `offset` (any quote of the passage when `offset` is `None`).
pub fn references(
    analysis: &Arc<Analysis>,
    doc: usize,
    offset: usize,
    open: Vec<Arc<DocText>>,
    settings: &Settings,
    unit: ColumnUnit,
    cancelled: &AtomicBool,
) -> Vec<Location> {
    let mut locations = Vec::new();
    let mut seen: HashSet<Url> = HashSet::new();
    let visit = |draft: Arc<DocText>, locations: &mut Vec<Location>| {
        let checked = analysis.check(draft);
        let mut ranges = RangeWalker::new(checked.doc.map(unit));
        for quote in &checked.check.quotes {
            let Some(found) = &quote.source else { continue };
            if found.doc == doc && found.span.start <= offset && offset <= found.span.end {
                locations
                    .push(Location { uri: checked.doc.uri.clone(), range: ranges.range(quote.quote.span.clone()) });
            }
        }
    };
    for draft in open {
        if cancelled.load(Ordering::Relaxed) {
            return Vec::new();
        }
        seen.insert(draft.uri.clone());
        if settings.checks_language(&draft.language_id) {
            visit(draft, &mut locations);
        }
    }
    let walker = walkdir::WalkDir::new(&settings.root).into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 0
            || !(name.starts_with('.') || name == "target" || name == "node_modules" || settings.in_corpus(e.path()))
    });
    for entry in walker.filter_map(Result::ok).take(MAX_FILES * 4) {
        if cancelled.load(Ordering::Relaxed) {
            return Vec::new();
        }
        let path = entry.path();
        let Some(format) = DraftFormat::from_path(path) else { continue };
        if !entry.file_type().is_file() || entry.metadata().map_or(true, |m| m.len() > MAX_DRAFT_BYTES) {
            continue;
        }
        let Ok(uri) = Url::from_file_path(path) else { continue };
        if seen.contains(&uri) {
            continue;
        }
        if let Some(draft) = DocText::from_file(path, format) {
            if settings.checks_language(&draft.language_id) {
                visit(Arc::new(draft), &mut locations);
            }
        }
    }
    locations
}
