//! `quoteline bench`: times quote lookups inside one process, for the comparison harness
//! (`benches/compare.py`), so process start-up is not counted against quoteline.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::check::IndexedCorpus;
use crate::corpus::Corpus;
use crate::lines::ColumnUnit;
use crate::quotes::{DraftQuotes, Quotation};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Corpus directory or file (repeatable).
    #[arg(long, required = true, value_name = "PATH")]
    pub corpus: Vec<PathBuf>,
    /// JSON lines: `{"id": ..., "text": "quote words", "cite": "key" | null}`.
    #[arg(long, value_name = "FILE")]
    pub queries: PathBuf,
    #[arg(long, default_value_t = 4)]
    pub min_words: usize,
    /// Also time checking these whole drafts in the same process, index warm (repeatable).
    #[arg(long, value_name = "FILE")]
    pub draft: Vec<PathBuf>,
    /// Use the saved index in this folder (as `check` and `lsp` do; built in memory if there is
    /// none) instead of building one: quick repeated runs, and the memory-mapped index measured.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct Query {
    id: serde_json::Value,
    text: String,
    #[serde(default)]
    cite: Option<String>,
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.queries).with_context(|| format!("cannot open {}", args.queries.display()))?;
    let mut queries = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let query: Query =
            serde_json::from_str(&line).with_context(|| format!("{}:{}: bad query", args.queries.display(), n + 1))?;
        queries.push(query);
    }
    let corpus = match &args.cache_dir {
        Some(dir) => crate::cache::load_corpus(&args.corpus, &[], dir)?,
        None => Corpus::load(&args.corpus, &[])?,
    };
    let corpus_bytes: usize = corpus.sources.iter().map(|s| s.text.len()).sum();
    let started = Instant::now();
    let (indexed, loaded) = match &args.cache_dir {
        Some(dir) => {
            let (indexed, outcome) = crate::cache::indexed(corpus, dir)?;
            (indexed, matches!(outcome, crate::cache::CacheOutcome::Loaded(_)))
        }
        None => (IndexedCorpus::new(corpus)?, false),
    };
    let build = started.elapsed();
    let options = crate::check::CheckOptions { min_words: args.min_words, ..Default::default() };
    let checker = indexed.checker(options);
    let mut results = Vec::new();
    for query in &queries {
        // The quote is given bare; wrap it as a one-quote draft so citation handling is real.
        let citations = query
            .cite
            .iter()
            .map(|key| crate::quotes::Citation {
                key: key.clone(),
                span: 0..0,
                group: 0..0,
                in_text: false,
                locator: None,
            })
            .collect::<Vec<_>>();
        let draft = DraftQuotes { prose: query.text.clone(), citations, ..DraftQuotes::default() };
        let quote = Quotation {
            span: 0..query.text.len(),
            content: 0..query.text.len(),
            block: false,
            unclosed: false,
            citations: (0..draft.citations.len()).collect(),
        };
        let started = Instant::now();
        let check = checker.check_quote(&draft, &quote);
        let micros = started.elapsed().as_secs_f64() * 1e6;
        let start = check.source.as_ref().map(|s| {
            let source = &indexed.corpus.sources[s.doc];
            let p = source.lines().position(&source.text, s.span.start, ColumnUnit::Char);
            json!({"line": p.line + 1, "column": p.col + 1})
        });
        results.push(json!({
            "id": query.id,
            "micros": micros,
            "verdict": check.verdict,
            "key": check.source.as_ref().map(|s| s.key.clone()),
            "start": start,
        }));
    }
    let mut drafts = Vec::new();
    for path in &args.draft {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let format = crate::quotes::DraftFormat::from_path(path).unwrap_or(crate::quotes::DraftFormat::Plain);
        // The first check pays for cold caches; the second is what an editor session sees.
        let mut micros = Vec::new();
        let mut quotes = 0;
        for _ in 0..2 {
            let started = Instant::now();
            quotes = checker.check_draft(&text, format).quotes.len();
            micros.push(started.elapsed().as_secs_f64() * 1e6);
        }
        drafts.push(json!({"path": path, "quotes": quotes, "micros_first": micros[0], "micros_repeat": micros[1]}));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer(
        &mut out,
        &json!({
            "sources": indexed.corpus.sources.len(),
            "corpus_bytes": corpus_bytes,
            // Load time when the saved index was used.
            "index_build_ms": build.as_secs_f64() * 1000.0,
            "index_loaded": loaded,
            "index_bytes": indexed.index.heap_bytes(),
            "queries": results,
            "drafts": drafts,
        }),
    )?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
