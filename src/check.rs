//! Turns a draft's quotes into verdicts and findings.
//!
//! One verdict per quote, with these meanings (the vocabulary of every shell):
//! - `exact`: the same words as a source span after normalisation (so a changed first capital,
//!   quote-mark style or final punctuation is still exact, as Chicago 13.7 allows);
//! - `altered`: differs only by marked editorial changes (ellipsis omissions, bracketed
//!   insertions or replacements, `[sic]`);
//! - `drift`: aligned to a source passage but with unmarked changes; every edit is reported;
//! - `misattributed`: cites X, is not in X (not even with drift), but is in Y;
//! - `unsourced`: nothing in the corpus resembles it;
//! - `unchecked`: shorter than `min_words` and not found verbatim (scare quotes, titles).
//!
//! The cited source is tried first; an exact match anywhere beats a drifted one; a passage found
//! in several sources names the others in `also_found_in` (once the quote is exact or altered in
//! the cited source, only sources holding the same passage, which needs no alignment to tell;
//! otherwise the sources it resembles at least as closely as the reported one, by coverage).

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use crate::align::{align_quote, Alignment, CoverageBound, DiffPiece, Edit, EditOp, QuoteText};
use crate::corpus::Corpus;
use crate::index::{Candidate, CorpusIndex, CorpusTooLarge};
use crate::quotes::{extract, Citation, DraftFormat, DraftQuotes, Quotation};

/// A quote's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Exact,
    Altered,
    Drift,
    Misattributed,
    Unsourced,
    Unchecked,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [
        Verdict::Exact,
        Verdict::Altered,
        Verdict::Drift,
        Verdict::Misattributed,
        Verdict::Unsourced,
        Verdict::Unchecked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Exact => "exact",
            Verdict::Altered => "altered",
            Verdict::Drift => "drift",
            Verdict::Misattributed => "misattributed",
            Verdict::Unsourced => "unsourced",
            Verdict::Unchecked => "unchecked",
        }
    }

    /// The severity a finding of this verdict has unless configured otherwise.
    pub fn default_severity(self) -> Option<Severity> {
        match self {
            Verdict::Exact | Verdict::Unchecked => None,
            Verdict::Altered => Some(Severity::Hint),
            Verdict::Drift | Verdict::Misattributed => Some(Severity::Warning),
            Verdict::Unsourced => Some(Severity::Information),
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How loudly a finding is reported. Ordered from most to least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }
}

/// The severity of each verdict's finding; `None` reports nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Severities([Option<Severity>; 6]);

impl Default for Severities {
    fn default() -> Self {
        Severities(Verdict::ALL.map(Verdict::default_severity))
    }
}

impl Severities {
    pub fn get(&self, verdict: Verdict) -> Option<Severity> {
        self.0[verdict as usize]
    }

    pub fn set(&mut self, verdict: Verdict, severity: Option<Severity>) {
        self.0[verdict as usize] = severity;
    }
}

/// Options of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// Quotes with fewer words are only looked up verbatim.
    pub min_words: usize,
    pub severities: Severities,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { min_words: 4, severities: Severities::default() }
    }
}

/// Quotes longer than this are not aligned (an unclosed mark in a huge paragraph, not a quote).
pub const MAX_QUOTE_WORDS: usize = 2000;

/// A span of a source document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpan {
    /// Index into the corpus's sources.
    pub doc: usize,
    pub key: String,
    /// Byte span in the source's text.
    pub span: Range<usize>,
}

/// The verdict on one quote, with the evidence for it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteCheck {
    pub quote: Quotation,
    /// The quote's content without marks, white space folded.
    pub text: String,
    pub verdict: Verdict,
    pub cited: Vec<String>,
    pub source: Option<SourceSpan>,
    pub also_found_in: Vec<String>,
    pub similarity: f32,
    pub edits: Vec<Edit>,
    /// Word diff of source against draft (empty without a source).
    pub diff: Vec<DiffPiece>,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingCode {
    Verdict(Verdict),
    /// An opening quotation mark without its closing mark.
    UnclosedQuote,
    /// A cited key that no source or bibliography entry has.
    UnknownCitation,
    /// A cited key whose bibliography entry points at a file that does not exist, so quotes
    /// citing it cannot be checked against it.
    MissingSourceFile,
}

impl FindingCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::Verdict(v) => v.as_str(),
            FindingCode::UnclosedQuote => "unclosed-quote",
            FindingCode::UnknownCitation => "unknown-citation",
            FindingCode::MissingSourceFile => "missing-source-file",
        }
    }
}

/// Something to tell the writer, at a span of the draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub span: Range<usize>,
    pub severity: Severity,
    pub code: FindingCode,
    pub message: String,
    /// The source passage the finding is about.
    pub related: Option<SourceSpan>,
    /// Index into [`DraftCheck::quotes`], for findings about a quote.
    pub quote: Option<usize>,
}

/// Everything found in one draft.
#[derive(Debug, Clone, Default)]
pub struct DraftCheck {
    pub quotes: Vec<QuoteCheck>,
    pub findings: Vec<Finding>,
    pub citations: Vec<Citation>,
}

/// A passage found for a phrase by [`Checker::find`].
#[derive(Debug, Clone, PartialEq)]
pub struct FoundPassage {
    pub source: SourceSpan,
    pub verdict: Verdict,
    pub similarity: f32,
    pub edits: Vec<Edit>,
}

/// Checks drafts against one indexed corpus.
pub struct Checker<'a> {
    pub corpus: &'a Corpus,
    pub index: &'a CorpusIndex,
    pub options: CheckOptions,
    /// The sources of each citation key: borrowed from an [`IndexedCorpus`], built by
    /// [`Checker::new`].
    sources_by_key: Cow<'a, HashMap<String, Vec<usize>>>,
}

/// One source's best alignment, classified.
struct Located {
    alignment: Alignment,
    verdict: Verdict,
    /// Where its source stands in the order sources are searched in: a source searched out
    /// of turn is sorted back into place, so ties between equally close sources fall the same
    /// way whatever order they were aligned in.
    order: usize,
}

/// A quote being located: what aligning it in any source needs, made once, and what the
/// sources searched so far gave.
struct Locating<'q> {
    parsed: &'q QuoteText,
    bound: CoverageBound,
    words: u32,
    /// Passages already aligned, with their region's votes: a copy of one of them in a region
    /// with no more votes takes its alignment without a dynamic programme.
    aligned: Vec<(Alignment, u32)>,
    located: Vec<Located>,
}

impl Locating<'_> {
    /// Where to align the quote in document `doc`, the `order`th source searched, whose best
    /// region has `votes`: its first three candidate regions, each cut to a length that keeps
    /// the dynamic programme bounded whatever the clustering produced.
    fn search<'c>(&self, order: usize, doc: usize, votes: u32, regions: impl Iterator<Item = &'c Candidate>) -> Search {
        let windows =
            regions.take(3).map(|c| c.words.start..c.words.end.min(c.words.start + self.words * 4 + 256)).collect();
        Search { order, doc, votes, windows, bound: None }
    }
}

/// One source to align a quote in: where it stands in the search order, its best region's
/// votes and the windows to align in.
struct Search {
    order: usize,
    doc: usize,
    votes: u32,
    windows: Vec<Range<u32>>,
    /// The quote's [`CoverageBound`] in the windows, once asked for (a source put off is
    /// bounded before and again when it is aligned).
    bound: Option<f32>,
}

impl Search {
    fn bound(&mut self, quote: &CoverageBound, index: &CorpusIndex) -> f32 {
        *self.bound.get_or_insert_with(|| quote.within(index, self.doc, &self.windows))
    }
}

impl<'a> Checker<'a> {
    pub fn new(corpus: &'a Corpus, index: &'a CorpusIndex, options: CheckOptions) -> Checker<'a> {
        crate::align::prepare();
        Checker { corpus, index, options, sources_by_key: Cow::Owned(sources_by_key(corpus)) }
    }

    /// Extracts and checks every quote of a draft.
    pub fn check_draft(&self, text: &str, format: DraftFormat) -> DraftCheck {
        let draft = extract(text, format);
        let quotes: Vec<QuoteCheck> = draft.quotes.iter().map(|q| self.check_quote(&draft, q)).collect();
        let findings = self.findings(&draft, &quotes);
        DraftCheck { quotes, findings, citations: draft.citations }
    }

    /// The verdict on one extracted quote.
    pub fn check_quote(&self, draft: &DraftQuotes, quote: &Quotation) -> QuoteCheck {
        let cited: Vec<String> = draft.cited_keys(quote).into_iter().map(str::to_owned).collect();
        let mut check = QuoteCheck {
            quote: quote.clone(),
            text: draft.quote_text(quote),
            verdict: Verdict::Unchecked,
            cited,
            source: None,
            also_found_in: Vec::new(),
            similarity: 0.0,
            edits: Vec::new(),
            diff: Vec::new(),
        };
        let parsed = QuoteText::parse(&draft.prose, quote.content.clone(), self.index);
        let words = parsed.word_count();
        if words == 0 || words > MAX_QUOTE_WORDS {
            return check;
        }
        let mut cited_docs: Vec<usize> =
            check.cited.iter().filter_map(|k| self.sources_by_key.get(k)).flatten().copied().collect();
        cited_docs.sort_unstable();
        cited_docs.dedup();
        if words < self.options.min_words {
            self.check_short(&parsed, &cited_docs, &mut check);
            return check;
        }
        let located = self.locate(&parsed, &cited_docs);
        let best = |filter: &dyn Fn(&Located) -> bool| {
            located
                .iter()
                .filter(|l| filter(l))
                .max_by(|a, b| rank(a).partial_cmp(&rank(b)).unwrap_or(std::cmp::Ordering::Equal))
        };
        let best_overall = best(&|_| true);
        let best_cited = best(&|l| cited_docs.contains(&l.alignment.doc));
        let (chosen, verdict) = match (cited_docs.is_empty(), best_cited, best_overall) {
            (_, _, None) => {
                check.verdict = Verdict::Unsourced;
                return check;
            }
            (true, _, Some(overall)) => (overall, overall.verdict),
            (false, Some(cited), Some(overall)) => {
                if cited.verdict == Verdict::Drift && overall.verdict != Verdict::Drift {
                    (overall, overall.verdict)
                } else {
                    (cited, cited.verdict)
                }
            }
            (false, None, Some(overall)) => (overall, Verdict::Misattributed),
        };
        let doc = chosen.alignment.doc;
        let mut described = chosen.alignment.clone();
        described.describe(self.index, &draft.prose, &self.corpus.sources[doc].text, &parsed);
        check.verdict = verdict;
        check.similarity = chosen.alignment.similarity;
        check.edits = described.edits;
        check.diff = described.diff;
        check.source = Some(self.source_span(doc, self.index.span_of(chosen.alignment.source_words.clone())));
        // Other sources holding the passage at least as closely as the reported one.
        let mut others: Vec<&Located> = located
            .iter()
            .filter(|l| l.alignment.doc != doc && l.alignment.coverage >= chosen.alignment.coverage)
            .collect();
        others.sort_by(|a, b| rank(b).partial_cmp(&rank(a)).unwrap_or(std::cmp::Ordering::Equal));
        check.also_found_in = others.iter().map(|l| self.corpus.sources[l.alignment.doc].key.clone()).collect();
        check
    }

    /// Short quotes count only when found verbatim.
    fn check_short(&self, parsed: &QuoteText, cited_docs: &[usize], check: &mut QuoteCheck) {
        let ids: Vec<u32> = parsed.words().map(|(_, id, _)| id).collect();
        let mut found = self.index.find_verbatim(&ids, 256);
        if !found.iter().any(|r| cited_docs.contains(&self.index.doc_of(r.start))) {
            // Postings of very common words are capped; the cited source is read in full.
            for &doc in cited_docs {
                found.splice(0..0, self.index.scan_verbatim(&ids, doc, 1));
            }
        }
        let Some(first) = found.iter().find(|r| cited_docs.contains(&self.index.doc_of(r.start))).or(found.first())
        else {
            return;
        };
        let doc = self.index.doc_of(first.start);
        check.verdict = Verdict::Exact;
        check.similarity = 1.0;
        check.diff = vec![DiffPiece::Same(
            crate::align::readable(&self.corpus.sources[doc].text[self.index.span_of(first.clone())]).trim().to_owned(),
        )];
        check.source = Some(self.source_span(doc, self.index.span_of(first.clone())));
        let mut others: Vec<String> = Vec::new();
        for r in &found {
            let key = &self.corpus.sources[self.index.doc_of(r.start)].key;
            if self.index.doc_of(r.start) != doc && !others.contains(key) {
                others.push(key.clone());
            }
        }
        check.also_found_in = others;
    }

    /// The best alignment in every source that resembles the quote.
    fn locate(&self, parsed: &QuoteText, cited_docs: &[usize]) -> Vec<Located> {
        let seeds = parsed.seed_ids();
        let mut candidates = self.index.candidates(&seeds, None, 16);
        for &doc in cited_docs {
            if !candidates.iter().any(|c| c.doc == doc) {
                candidates.extend(self.index.candidates(&seeds, Some(doc), 3));
            }
        }
        // Align only regions with a fair share of the best region's votes (and every cited
        // source): a region with one seed where another has twenty is a common phrase, not the
        // quote, and aligning it is most of a query's cost. Documents go best region first.
        let best_votes = candidates.iter().map(|c| c.votes).max().unwrap_or(0);
        let mut docs: Vec<(usize, u32)> = Vec::new();
        for c in &candidates {
            if (c.votes * 3 >= best_votes || cited_docs.contains(&c.doc)) && !docs.iter().any(|&(d, _)| d == c.doc) {
                docs.push((c.doc, c.votes));
            }
        }
        // Each region of those documents is read (to bound the quote there, or align it) one
        // after another; on a large index each is a cache miss, and loaded together they overlap.
        for c in candidates.iter().filter(|c| docs.iter().any(|&(d, _)| d == c.doc)) {
            self.index.prefetch_words(c.words.clone());
        }
        // Cited sources first: once the quote is exact in one, the verdict is settled, and the
        // other sources only matter if they hold the same words (`also_found_in`), which a
        // comparison tells without a dynamic programme.
        docs.sort_by_key(|&(doc, votes)| (!cited_docs.contains(&doc), std::cmp::Reverse(votes)));
        let mut quote = Locating {
            parsed,
            bound: CoverageBound::of(parsed),
            words: parsed.word_count() as u32,
            aligned: Vec::new(),
            located: Vec::new(),
        };
        let mut settled = false;
        // The closest (by coverage) the passage was found so far: in a cited source, anywhere.
        let (mut cited_best, mut any_best): (Option<f32>, f32) = (None, MIN_COVERAGE);
        // Other sources put off until the cited sources have been read whole (see below).
        let mut deferred: Vec<Search> = Vec::new();
        let searched = docs.len();
        for (order, (doc, votes)) in docs.into_iter().enumerate() {
            let mut search = quote.search(order, doc, votes, candidates.iter().filter(|c| c.doc == doc));
            let cited = cited_docs.contains(&doc);
            // While no cited source holds the passage, each will be read whole, and a copy
            // found there raises the floor for the other sources: an archive's common phrase
            // ("which cannot be treated as a") is in a dozen documents, each a dynamic
            // programme that such a copy would have made needless. Only a source that cannot
            // hold the quote exactly or altered is put off, so whether the cited sources are
            // read at all is decided as before.
            if !cited && cited_best.is_none() && !cited_docs.is_empty() && search.bound(&quote.bound, self.index) < 1.0
            {
                deferred.push(search);
                continue;
            }
            // Another source is worth a dynamic programme only if it may hold the passage at
            // least as closely as the one that will be reported (the cited source's, once it
            // has one): an archive holds many loose copies of a drifted passage, and aligning
            // each is most of the cost of the slowest quotes. `also_found_in` lists only
            // sources at least that close, so skipping the others changes nothing.
            let floor = if cited { MIN_COVERAGE } else { cited_best.unwrap_or(any_best) };
            let before = quote.located.len();
            self.locate_in(&mut quote, search, settled, floor);
            if let Some(found) = quote.located.get(before) {
                let coverage = found.alignment.coverage;
                any_best = any_best.max(coverage);
                if cited {
                    cited_best = Some(cited_best.unwrap_or(MIN_COVERAGE).max(coverage));
                    settled |= matches!(found.verdict, Verdict::Exact | Verdict::Altered);
                }
            }
        }
        // Within one document every stored seed is read, so a passage there that shares no
        // seed with the quote has no four words in a row in common with it (seven, where the
        // words are common phrases). Such a heavily reworded copy is worth reading the whole
        // cited source for only when the quote is not settled elsewhere: once it is exact or
        // altered in another source, a copy that loose would not change the verdict's point,
        // that the cited source does not hold these words.
        let settled_elsewhere = quote.located.iter().any(|l| matches!(l.verdict, Verdict::Exact | Verdict::Altered));
        if cited_best.is_none() && !settled_elsewhere {
            for (k, &doc) in cited_docs.iter().enumerate() {
                let regions = self.index.scan_candidates(&seeds, doc, 3);
                let votes = regions.first().map_or(0, |c| c.votes);
                let search = quote.search(searched + k, doc, votes, regions.iter());
                self.locate_in(&mut quote, search, false, MIN_COVERAGE);
            }
        }
        // The sources put off, each with the floor it had in its turn (the closest copy in the
        // sources before it), raised to the least close copy found in a cited source, if any:
        // the reported passage is then one of those (the sources put off can only hold
        // drifted copies), and `also_found_in` lists only sources at least as close as it.
        let cited_floor = quote
            .located
            .iter()
            .filter(|l| cited_docs.contains(&l.alignment.doc))
            .map(|l| l.alignment.coverage)
            .reduce(f32::min)
            .unwrap_or(MIN_COVERAGE);
        for search in deferred {
            let in_turn = quote
                .located
                .iter()
                .filter(|l| l.order < search.order)
                .map(|l| l.alignment.coverage)
                .fold(MIN_COVERAGE, f32::max);
            self.locate_in(&mut quote, search, false, in_turn.max(cited_floor));
        }
        quote.located.sort_by_key(|l| l.order);
        quote.located
    }

    /// Aligns the quote in the windows of `search` and adds the alignment to `quote.located`
    /// when it resembles the quote, carrying over an alignment of an identical copy in
    /// `quote.aligned` rather than aligning afresh. With `copies_only`, only such a copy counts.
    fn locate_in(&self, quote: &mut Locating<'_>, mut search: Search, copies_only: bool, min_coverage: f32) {
        let (order, doc, votes, words) = (search.order, search.doc, search.votes, quote.words);
        if search.windows.is_empty() {
            return;
        }
        // An exact alignment is the best there is anywhere, whatever the votes.
        let copied = quote
            .aligned
            .iter()
            .filter(|(a, from)| *from >= votes || a.is_exact())
            .find_map(|(a, _)| crate::align::copy_in(self.index, a, doc, &search.windows, words));
        if copies_only && copied.is_none() {
            return;
        }
        // A copy of an aligned passage whose surroundings differ: no alignment here can cover
        // more of the quote than that passage's (the bound), and the copy holds the passage word
        // for word, so it holds the quote exactly as closely. An archive holds many copies of a
        // famous passage, each amid its own prose, and aligning each afresh was most of the
        // cost of a drifted quote of it.
        let copied = copied.or_else(|| {
            let bound = search.bound(&quote.bound, self.index);
            quote
                .aligned
                .iter()
                .filter(|(a, _)| a.coverage >= bound)
                .find_map(|(a, _)| crate::align::copy_in(self.index, a, doc, &search.windows, 0))
        });
        let aligned_here = copied.or_else(|| {
            // Most candidate regions share only a common phrase with the quote.
            (search.bound(&quote.bound, self.index) >= min_coverage)
                .then(|| align_quote(self.index, quote.parsed, doc, &search.windows))
                .flatten()
        });
        let Some(alignment) = aligned_here else { return };
        if !resembles(&alignment) {
            return;
        }
        let verdict = if alignment.is_exact() {
            Verdict::Exact
        } else if !alignment.has_unmarked_edits() {
            Verdict::Altered
        } else {
            Verdict::Drift
        };
        if quote.aligned.len() < 4 {
            quote.aligned.push((alignment.clone(), votes));
        }
        quote.located.push(Located { alignment, verdict, order });
    }

    fn source_span(&self, doc: usize, span: Range<usize>) -> SourceSpan {
        SourceSpan { doc, key: self.corpus.sources[doc].key.clone(), span }
    }

    /// The best source passages for a phrase, best first.
    pub fn find(&self, phrase: &str) -> Vec<FoundPassage> {
        let parsed = QuoteText::parse(phrase, 0..phrase.len(), self.index);
        let mut located = self.locate(&parsed, &[]);
        located.sort_by(|a, b| rank(b).partial_cmp(&rank(a)).unwrap_or(std::cmp::Ordering::Equal));
        located
            .into_iter()
            .map(|mut l| {
                let source_text = &self.corpus.sources[l.alignment.doc].text;
                l.alignment.describe(self.index, phrase, source_text, &parsed);
                FoundPassage {
                    source: self.source_span(l.alignment.doc, self.index.span_of(l.alignment.source_words.clone())),
                    verdict: l.verdict,
                    similarity: l.alignment.similarity,
                    edits: l.alignment.edits,
                }
            })
            .collect()
    }

    /// The findings for a draft's checked quotes (one per reported verdict, unclosed marks,
    /// unknown citation keys), in draft order. The language server calls this after reusing
    /// cached [`QuoteCheck`]s for quotes whose text did not change.
    pub fn findings(&self, draft: &DraftQuotes, quotes: &[QuoteCheck]) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (qi, check) in quotes.iter().enumerate() {
            if let Some(severity) = self.options.severities.get(check.verdict) {
                findings.push(Finding {
                    span: check.quote.span.clone(),
                    severity,
                    code: FindingCode::Verdict(check.verdict),
                    message: verdict_message(check, self.corpus.sources.len()),
                    related: check.source.clone(),
                    quote: Some(qi),
                });
            }
            if check.quote.unclosed {
                let mark_end = check.quote.content.start;
                findings.push(Finding {
                    span: check.quote.span.start..mark_end,
                    severity: Severity::Hint,
                    code: FindingCode::UnclosedQuote,
                    message: "unclosed quotation mark: the quote runs to the end of its paragraph".into(),
                    related: None,
                    quote: Some(qi),
                });
            }
        }
        // Read only for an unknown key's "did you mean".
        let mut keys: Option<Vec<&str>> = None;
        for citation in &draft.citations {
            let has_text = self.sources_by_key.contains_key(&citation.key);
            if let Some((_, file)) = self.corpus.missing_files.iter().find(|(key, _)| *key == citation.key) {
                if !has_text {
                    findings.push(Finding {
                        span: citation.span.clone(),
                        severity: Severity::Warning,
                        code: FindingCode::MissingSourceFile,
                        message: format!(
                            "`{}` cannot be checked: its bibliography entry points at {}, which does not exist",
                            citation.key,
                            file.display()
                        ),
                        related: None,
                        quote: None,
                    });
                }
                continue;
            }
            if has_text || self.corpus.knows_key(&citation.key) {
                continue;
            }
            let suggestion = keys
                .get_or_insert_with(|| self.corpus.keys())
                .iter()
                .map(|k| (strsim::normalized_damerau_levenshtein(k, &citation.key), *k))
                .filter(|(score, _)| *score >= 0.6)
                .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
            let mut message = format!("unknown citation key `{}`", citation.key);
            if let Some((_, key)) = suggestion {
                message.push_str(&format!("; did you mean `{key}`?"));
            }
            findings.push(Finding {
                span: citation.span.clone(),
                severity: Severity::Warning,
                code: FindingCode::UnknownCitation,
                message,
                related: None,
                quote: None,
            });
        }
        findings.sort_by_key(|f| f.span.start);
        findings
    }
}

/// Orders alignments: exact over altered over drift, then by similarity, then the tighter
/// source span (a copy without line-break hyphens reads closer to the original).
fn rank(located: &Located) -> (u8, f32, i64) {
    let class = match located.verdict {
        Verdict::Exact => 3,
        Verdict::Altered => 2,
        _ => 1,
    };
    let words = &located.alignment.source_words;
    (class, located.alignment.similarity, -i64::from(words.end - words.start))
}

/// The share of a quote's words a source passage must match to resemble it.
const MIN_COVERAGE: f32 = 0.6;

/// Whether an alignment is close enough to call the passage the quote's source.
///
/// Most of the quote's words must be found (coverage), in a passage of about its length
/// (similarity), with at least a few words in a row: a handful of common words scattered over
/// a region is not a source.
fn resembles(alignment: &Alignment) -> bool {
    alignment.coverage >= MIN_COVERAGE && alignment.similarity >= 0.5 && alignment.longest_run >= 3
}

/// The finding's message for a verdict: what changed, in the writer's words.
pub fn verdict_message(check: &QuoteCheck, source_count: usize) -> String {
    let key = check.source.as_ref().map(|s| s.key.as_str()).unwrap_or_default();
    match check.verdict {
        Verdict::Exact => format!("quote matches [@{key}]"),
        Verdict::Altered => {
            format!("quote altered with editorial marks from [@{key}]: {}", describe_edits(&check.edits))
        }
        Verdict::Drift => format!("quote drifted from [@{key}]: {}", describe_edits(&check.edits)),
        Verdict::Misattributed => {
            let cited = check.cited.iter().map(|k| format!("[@{k}]")).collect::<Vec<_>>().join(", ");
            let mut message = format!("quote cited to {cited} is not there; it is from [@{key}]");
            if !check.edits.is_empty() {
                message.push_str(&format!(" ({})", describe_edits(&check.edits)));
            }
            message
        }
        Verdict::Unsourced => format!("quote not found in the corpus ({source_count} sources searched)"),
        Verdict::Unchecked => "quote too short to check and not found verbatim".into(),
    }
}

/// "source says ‘not’, draft says ‘no’; draft drops ‘extremely’", at most five edits.
pub fn describe_edits(edits: &[Edit]) -> String {
    let mut parts: Vec<String> = edits.iter().take(5).map(describe_edit).collect();
    if edits.len() > 5 {
        parts.push(format!("and {} more", edits.len() - 5));
    }
    parts.join("; ")
}

pub fn describe_edit(edit: &Edit) -> String {
    match (edit.op, edit.marked) {
        (EditOp::Replace, false) => {
            let note = if edit.typo { " (spelling)" } else { "" };
            format!("source says ‘{}’, draft says ‘{}’{note}", edit.source, edit.draft)
        }
        (EditOp::Omit, false) => format!("draft drops ‘{}’ without an ellipsis", edit.source),
        (EditOp::Insert, false) => format!("draft adds ‘{}’", edit.draft),
        (EditOp::Omit, true) => format!("‘{}’ omits ‘{}’", edit.draft, edit.source),
        (EditOp::Replace, true) => format!("‘{}’ replaces ‘{}’", edit.draft, edit.source),
        (EditOp::Insert, true) => format!("‘{}’ inserted", edit.draft),
    }
}

/// A corpus with its index: what every shell holds and shares (behind an `Arc` in the server).
#[derive(Debug, Clone, Default)]
pub struct IndexedCorpus {
    pub corpus: Corpus,
    pub index: CorpusIndex,
    /// The sources of each citation key, so a quote's cited sources are found without reading
    /// the key of every source (thousands, in an archive).
    sources_by_key: HashMap<String, Vec<usize>>,
}

impl IndexedCorpus {
    pub fn new(corpus: Corpus) -> Result<IndexedCorpus, CorpusTooLarge> {
        let index = CorpusIndex::build(&corpus.sources)?;
        Ok(IndexedCorpus::from_parts(corpus, index))
    }

    /// A corpus with an index built (or loaded) for it.
    pub fn from_parts(corpus: Corpus, index: CorpusIndex) -> IndexedCorpus {
        let sources_by_key = sources_by_key(&corpus);
        crate::align::prepare();
        IndexedCorpus { corpus, index, sources_by_key }
    }

    pub fn checker(&self, options: CheckOptions) -> Checker<'_> {
        Checker {
            corpus: &self.corpus,
            index: &self.index,
            options,
            sources_by_key: Cow::Borrowed(&self.sources_by_key),
        }
    }
}

/// The sources of each citation key, in corpus order.
fn sources_by_key(corpus: &Corpus) -> HashMap<String, Vec<usize>> {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (doc, source) in corpus.sources.iter().enumerate() {
        by_key.entry(source.cite_key.clone()).or_default().push(doc);
    }
    by_key
}
