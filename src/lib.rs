//! quoteline checks quotations in drafts against the source documents they quote.
//!
//! The core is pure data in, data out (see `ARCHITECTURE.md`):
//! [`corpus`] loads sources and metadata, [`normalize`] maps text to comparable words with byte
//! spans, [`index`] finds candidate passages, [`align`] aligns a quote to a passage and names the
//! edits, [`quotes`] extracts quotations and citations from a draft, and [`check`] turns those
//! into verdicts. The shells — [`cli`], [`lsp`] and [`report`], with [`config`] (options),
//! [`cache`] (the persisted index on disk) and [`zotero`] (live citation keys) — are the only
//! code that knows about terminals, the protocol, the network or the process.
//!
//! ```
//! use quoteline::{check::{Checker, CheckOptions, Verdict}, corpus::{Corpus, Source}, index::CorpusIndex, quotes::DraftFormat};
//!
//! let corpus = Corpus::from_sources(vec![Source::new(
//!     "cable", "cable.txt", "The MEK has no popular support inside Iran, the cable says.")]);
//! let index = CorpusIndex::build(&corpus.sources).unwrap();
//! let checker = Checker::new(&corpus, &index, CheckOptions::default());
//! let draft = "It found “the MEK has little popular support inside Iran” [@cable].";
//! let report = checker.check_draft(draft, DraftFormat::Markdown);
//! assert_eq!(report.quotes[0].verdict, Verdict::Drift);
//! assert_eq!(report.quotes[0].edits[0].source, "no");
//! ```

pub mod align;
pub mod bibliography;
pub mod check;
pub mod corpus;
pub mod index;
pub mod lines;
pub mod normalize;
pub mod quotes;

pub mod cache;
pub mod cli;
pub mod config;
pub mod lsp;
pub mod report;
pub mod zotero;
