//! Micro-benchmarks of the core's hot paths on the bundled corpus: tokenising, index building,
//! candidate retrieval, alignment of one quote, and a whole draft. Run with `cargo bench`.

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use quoteline::check::{CheckOptions, IndexedCorpus};
use quoteline::corpus::Corpus;
use quoteline::index::CorpusIndex;
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

criterion_group!(benches, bench);
criterion_main!(benches);
