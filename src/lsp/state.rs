//! The server's state: open documents (ropes), the corpus snapshot, and checked drafts.
//!
//! Edits are applied in arrival order under a `std::sync::Mutex` that is never held across an
//! `.await`. Analysis works on snapshots: a [`DocText`] (one version of a document, as a string
//! with its line index) checked against one [`Analysis`] (an `Arc<IndexedCorpus>` with the
//! options in force). A result knows both, so a stale one is recognised and dropped.
//!
//! Invariant: no matching logic lives here; checks are [`crate::check::Checker`]'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ropey::Rope;
use tower_lsp::lsp_types::Url;

use crate::check::{CheckOptions, DraftCheck, IndexedCorpus, QuoteCheck};
use crate::lines::{ColumnUnit, LineIndex};
use crate::quotes::{extract, DraftFormat};

use super::position::LineMap;

/// An open document.
pub struct Document {
    pub version: i32,
    pub language_id: String,
    pub rope: Rope,
    /// The text of this version, made on first use.
    snapshot: Option<Arc<DocText>>,
}

impl Document {
    pub fn new(version: i32, language_id: String, text: &str) -> Document {
        Document { version, language_id, rope: Rope::from_str(text), snapshot: None }
    }

    /// Marks the text changed (the next snapshot is taken afresh).
    pub fn changed(&mut self, version: i32) {
        self.version = version;
        self.snapshot = None;
    }

    pub fn snapshot(&mut self, uri: &Url) -> Arc<DocText> {
        if let Some(snapshot) = &self.snapshot {
            return snapshot.clone();
        }
        let text = self.rope.to_string();
        let snapshot = Arc::new(DocText {
            uri: uri.clone(),
            version: self.version,
            language_id: self.language_id.clone(),
            format: DraftFormat::from_language_id(&self.language_id),
            lines: LineIndex::new(&text),
            text,
        });
        self.snapshot = Some(snapshot.clone());
        snapshot
    }
}

/// One version of a document's text.
pub struct DocText {
    pub uri: Url,
    pub version: i32,
    pub language_id: String,
    pub format: DraftFormat,
    pub text: String,
    pub lines: LineIndex,
}

impl DocText {
    /// A draft on disk (for references across the workspace), version 0.
    pub fn from_file(path: &Path, format: DraftFormat) -> Option<DocText> {
        let text = std::fs::read_to_string(path).ok()?;
        let uri = Url::from_file_path(path).ok()?;
        let language_id = match format {
            DraftFormat::Markdown => "markdown",
            DraftFormat::Latex => "latex",
            DraftFormat::Plain => "plaintext",
            DraftFormat::Typst => "typst",
            DraftFormat::Rst => "restructuredtext",
            DraftFormat::Org => "org",
        };
        Some(DocText { uri, version: 0, language_id: language_id.into(), format, lines: LineIndex::new(&text), text })
    }

    pub fn map(&self, unit: ColumnUnit) -> LineMap<'_> {
        LineMap::new(&self.text, &self.lines, unit)
    }
}

/// Cached verdicts, keyed by a quote's exact content (as prose) and its cited keys. The exact
/// bytes rather than a folded form, so the draft offsets inside a cached result can be moved
/// by one delta when the quote moves.
#[derive(Default)]
struct QuoteCache {
    entries: HashMap<String, QuoteCheck>,
}

/// Beyond this many cached quotes the cache starts over (a bound, not a policy).
const CACHE_LIMIT: usize = 50_000;

/// A corpus snapshot with the options in force: what every check is made against.
pub struct Analysis {
    /// Bumped whenever the corpus or the options change; part of pull-diagnostic result ids.
    pub generation: u64,
    pub corpus: Arc<IndexedCorpus>,
    pub options: CheckOptions,
    pub inlay_hints: bool,
    /// Each source's file URI (absolute paths only).
    pub source_uris: Vec<Option<Url>>,
    cache: Mutex<QuoteCache>,
}

impl Analysis {
    pub fn new(generation: u64, corpus: Arc<IndexedCorpus>, options: CheckOptions, inlay_hints: bool) -> Analysis {
        let source_uris = corpus.corpus.sources.iter().map(|s| file_uri(&s.path)).collect();
        Analysis { generation, corpus, options, inlay_hints, source_uris, cache: Mutex::new(QuoteCache::default()) }
    }

    /// Checks a document, reusing the verdicts of quotes whose text and citations are unchanged.
    pub fn check(self: &Arc<Self>, doc: Arc<DocText>) -> CheckedDoc {
        let draft = extract(&doc.text, doc.format);
        let checker = self.corpus.checker(self.options.clone());
        let mut quotes = Vec::with_capacity(draft.quotes.len());
        for quote in &draft.quotes {
            let mut key = draft.prose[quote.content.clone()].to_owned();
            for cited in draft.cited_keys(quote) {
                key.push('\0');
                key.push_str(cited);
            }
            let cached = self.cache.lock().ok().and_then(|cache| cache.entries.get(&key).cloned());
            let check = match cached {
                Some(mut check) => {
                    rebase(&mut check, quote);
                    check
                }
                None => {
                    let check = checker.check_quote(&draft, quote);
                    if let Ok(mut cache) = self.cache.lock() {
                        if cache.entries.len() >= CACHE_LIMIT {
                            cache.entries.clear();
                        }
                        cache.entries.insert(key, check.clone());
                    }
                    check
                }
            };
            quotes.push(check);
        }
        let findings = checker.findings(&draft, &quotes);
        let check = DraftCheck { quotes, findings, citations: draft.citations };
        CheckedDoc { doc, check, analysis: self.clone() }
    }

    pub fn cached_quotes(&self) -> usize {
        self.cache.lock().map(|c| c.entries.len()).unwrap_or(0)
    }

    /// The source whose file is `path`.
    pub fn source_at(&self, path: &Path) -> Option<usize> {
        let wanted = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.corpus
            .corpus
            .sources
            .iter()
            .position(|s| s.path == path || std::fs::canonicalize(&s.path).is_ok_and(|p| p == wanted))
    }
}

/// Moves a cached check to where the same quote now is.
fn rebase(check: &mut QuoteCheck, quote: &crate::quotes::Quotation) {
    let delta = quote.content.start as isize - check.quote.content.start as isize;
    for edit in &mut check.edits {
        if let Some(span) = &mut edit.draft_span {
            *span = span.start.saturating_add_signed(delta)..span.end.saturating_add_signed(delta);
        }
    }
    check.quote = quote.clone();
}

/// A checked version of a document.
pub struct CheckedDoc {
    pub doc: Arc<DocText>,
    pub check: DraftCheck,
    pub analysis: Arc<Analysis>,
}

/// A file URI for a path, made absolute against the working directory.
pub fn file_uri(path: &Path) -> Option<Url> {
    let absolute: PathBuf =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
    Url::from_file_path(absolute).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Verdict;
    use crate::corpus::{Corpus, Source};

    #[test]
    fn cached_verdicts_move_with_their_quote() {
        let corpus = Corpus::from_sources(vec![Source::new(
            "cable",
            "/c/cable.txt",
            "The MEK has no popular support inside Iran, the cable says.",
        )]);
        let analysis =
            Arc::new(Analysis::new(1, Arc::new(IndexedCorpus::new(corpus).unwrap()), CheckOptions::default(), true));
        let uri = Url::parse("file:///d.md").unwrap();
        let mut doc =
            Document::new(1, "markdown".into(), "It found “the MEK has little popular support inside Iran” [@cable].");
        let first = analysis.check(doc.snapshot(&uri));
        assert_eq!(analysis.cached_quotes(), 1);
        doc.rope.insert(0, "Indeed, ");
        doc.changed(2);
        let second = analysis.check(doc.snapshot(&uri));
        assert_eq!(analysis.cached_quotes(), 1, "the unchanged quote came from the cache");
        let (a, b) = (&first.check.quotes[0], &second.check.quotes[0]);
        assert_eq!(b.verdict, Verdict::Drift);
        assert_eq!(b.quote.span.start, a.quote.span.start + "Indeed, ".len());
        let span = b.edits[0].draft_span.clone().unwrap();
        assert_eq!(&second.doc.text[span], "little");
    }
}
