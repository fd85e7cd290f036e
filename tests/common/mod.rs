//! Shared test helpers: the bundled corpus, loaded and indexed once per test binary.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use quoteline::check::{CheckOptions, DraftCheck, IndexedCorpus, QuoteCheck};
use quoteline::corpus::Corpus;
use quoteline::quotes::DraftFormat;

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn bundled() -> &'static IndexedCorpus {
    static CORPUS: OnceLock<IndexedCorpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let corpus = Corpus::load(&[repo_path("corpus")], &[]).expect("bundled corpus loads");
        assert!(corpus.warnings.is_empty(), "bundled corpus warnings: {:?}", corpus.warnings);
        IndexedCorpus::new(corpus).unwrap()
    })
}

pub fn check_markdown(draft: &str) -> DraftCheck {
    bundled().checker(CheckOptions::default()).check_draft(draft, DraftFormat::Markdown)
}

/// The single quote of a one-quote draft.
pub fn check_one(draft: &str) -> QuoteCheck {
    let mut report = check_markdown(draft);
    assert_eq!(report.quotes.len(), 1, "expected one quote in {draft:?}, got {:#?}", report.quotes);
    report.quotes.remove(0)
}

/// The source text of a key in the bundled corpus.
pub fn source_text(key: &str) -> &'static str {
    let corpus = &bundled().corpus;
    let doc = corpus.source_by_key(key).expect("key exists");
    &corpus.sources[doc].text
}
