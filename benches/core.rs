//! Micro-benchmarks of the core's hot paths on the bundled corpus: tokenising, index building,
//! candidate retrieval, alignment of one quote, and a whole draft; and loading a saved index
//! with an archive-sized vocabulary. Run with `cargo bench`.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use quoteline::check::{CheckOptions, IndexedCorpus};
use quoteline::corpus::{Corpus, Source};
use quoteline::index::{source_fingerprints, Backing, CorpusIndex};
use quoteline::normalize::for_each_word;
use quoteline::quotes::{DraftFormat, DraftQuotes, Quotation};

fn bundled() -> Corpus {
    Corpus::load(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")], &[]).expect("bundled corpus")
}

/// Quotes of each kind the checker meets: exact, drifted, elided, bracketed, hyphen-crossing,
/// unsourced.
const QUOTES: &[&str] = &[
    "Any U.S. support for MEK would extremely damage its reputation amongst Iranians",
    "ordinary Iranians were almost entirely dismissive of the MEK, reacting with either disdain or apathy",
    "Showing a unanimity rare among Iranians, anecdotal information … strongly indicates that the MEK opposition group has no significant popular support inside Iran",
    "To the extent that Iranian respondents are familiar with [the Mujahedin] they express severe dislike for the group",
    "with the U.S. Ambassador to Iraq James Jeffrey introducing a new and positive approach",
    "the MEK enjoys broad and growing support among young voters in Tehran",
];

fn bench(c: &mut Criterion) {
    let corpus = bundled();
    let bytes: usize = corpus.sources.iter().map(|s| s.text.len()).sum();

    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("normalize", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for source in &corpus.sources {
                for_each_word(&source.text, |norm, _, _| n += norm.len());
            }
            black_box(n)
        })
    });
    group.bench_function("index_build", |b| b.iter(|| black_box(CorpusIndex::build(&corpus.sources).unwrap())));
    group.finish();

    let indexed = IndexedCorpus::new(corpus).unwrap();
    let checker = indexed.checker(CheckOptions::default());
    let mut group = c.benchmark_group("query");
    for (i, text) in QUOTES.iter().enumerate() {
        let draft = DraftQuotes { prose: text.to_string(), ..DraftQuotes::default() };
        let quote =
            Quotation { span: 0..text.len(), content: 0..text.len(), block: false, unclosed: false, citations: vec![] };
        group.bench_function(format!("check_quote/{i}"), |b| b.iter(|| black_box(checker.check_quote(&draft, &quote))));
    }
    let ids: Vec<u32> = quoteline::normalize::words(QUOTES[1])
        .iter()
        .map(|w| indexed.index.vocab().id(&w.norm).unwrap_or(quoteline::index::UNKNOWN_WORD))
        .collect();
    group.bench_function("candidates", |b| b.iter(|| black_box(indexed.index.candidates(&ids, None, 16))));
    group.finish();

    let draft = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/draft.md")).unwrap();
    c.bench_function("check_draft/example", |b| {
        b.iter(|| black_box(checker.check_draft(&draft, DraftFormat::Markdown)))
    });
}

/// Loading a saved index whose vocabulary is an archive's, not the bundled corpus's few
/// thousand words: a million distinct words (names, numbers and misprints run a real archive's
/// vocabulary into the millions), each used twice among common ones.
fn load(c: &mut Criterion) {
    let words: Vec<String> = (0..1_000_000u32).map(|i| format!("w{:x}", i.wrapping_mul(2_654_435_761))).collect();
    let sources: Vec<Source> = words
        .chunks(50_000)
        .enumerate()
        .map(|(n, chunk)| {
            let text: String = chunk.iter().chain(chunk).map(|w| format!("{w} of the ")).collect();
            Source::new(format!("doc{n}"), format!("doc{n}.txt"), text)
        })
        .collect();
    let index = CorpusIndex::build(&sources).expect("index");
    let fingerprints = source_fingerprints(&sources);
    let mut bytes = Vec::new();
    index.write_to(&fingerprints, &mut bytes).expect("written to memory");
    let bytes: Arc<dyn Backing> = Arc::new(bytes);
    let mut group = c.benchmark_group("index_load");
    group.sample_size(20);
    group.bench_function("vocabulary_1m_words", |b| {
        b.iter(|| black_box(CorpusIndex::from_bytes(Arc::clone(&bytes), &fingerprints).expect("loads")))
    });
    group.finish();
}

criterion_group!(benches, bench, load);
criterion_main!(benches);
