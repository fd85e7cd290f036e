//! The command line: `check` (the CI linter), `find`, `index`, `bench` and `lsp`.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or I/O error.

mod bench;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::check::{DraftCheck, IndexedCorpus, Severity};
use crate::config::{read_config_file, Config, PartialConfig};
use crate::corpus::Reference;
use crate::quotes::DraftFormat;
use crate::report::{self, FileReport, Format};

#[derive(Parser, Debug)]
#[command(name = "quoteline", version, about = "Checks quotations in drafts against their source documents")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the quotes of drafts (files or directories of .md, .markdown, .txt, .tex, .typ, .rst, .org; `-` for stdin).
    Check(CheckArgs),
    /// Find the source passages that best match a phrase.
    Find(FindArgs),
    /// Index the corpus, write the index to the cache (.quoteline/ beside the corpus) for
    /// `check` and `lsp` to reuse, and report what was indexed.
    Index(IndexArgs),
    /// Time queries against a corpus (used by benches/compare.py).
    Bench(bench::BenchArgs),
    /// Serve the Language Server Protocol over stdio.
    Lsp(LspArgs),
}

#[derive(Args, Debug)]
pub struct LspArgs {
    /// Accepted for clients that pass it (vscode-languageclient): stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct CorpusArgs {
    /// Corpus directory or file (repeatable). Default: `corpus` from quoteline.toml, else ./corpus.
    #[arg(long, value_name = "PATH")]
    pub corpus: Vec<PathBuf>,
    /// Extra bibliography file: BibTeX, CSL-JSON or CSL-YAML (repeatable).
    #[arg(long, value_name = "FILE")]
    pub bibliography: Vec<PathBuf>,
}

/// When findings fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Information,
    Hint,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Quotes with fewer words are only checked for a verbatim match.
    #[arg(long, value_name = "N")]
    pub min_words: Option<usize>,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Name (and format) to report for a draft read from stdin (`-`).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Drafts: files or directories.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct IndexArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Where to write the index. Default: `.quoteline/` in the folder holding the corpus.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct FindArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// At most this many passages.
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// The phrase to look for (several words are joined with spaces).
    #[arg(required = true)]
    pub phrase: Vec<String>,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Find(args) => find(args),
        Command::Index(args) => index(args),
        Command::Bench(args) => bench::run(args),
        Command::Lsp(_) => {
            crate::lsp::run_stdio()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Options from `quoteline.toml` in the working directory, overridden by flags.
fn resolve_config(corpus: &CorpusArgs, min_words: Option<usize>) -> anyhow::Result<Config> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let mut config = Config::defaults(Path::new(""));
    let file = read_config_file(&cwd)?;
    if let Some(file) = &file {
        config.apply(file, Path::new(""));
    }
    let flags = PartialConfig {
        corpus: (!corpus.corpus.is_empty()).then(|| corpus.corpus.clone()),
        bibliography: (!corpus.bibliography.is_empty()).then(|| corpus.bibliography.clone()),
        min_words,
        ..PartialConfig::default()
    };
    config.apply(&flags, Path::new(""));
    let default_corpus = file.as_ref().is_none_or(|f| f.corpus.is_none()) && corpus.corpus.is_empty();
    if default_corpus && !Path::new("corpus").exists() {
        bail!("no corpus: pass --corpus PATH, set `corpus` in quoteline.toml, or create ./corpus");
    }
    Ok(config)
}

/// Loads and indexes the corpus, printing its warnings to stderr.
fn load_corpus(config: &Config) -> anyhow::Result<IndexedCorpus> {
    load_corpus_with(config, Vec::new())
}

/// Loads and indexes the corpus with extra references (a draft's inline entries).
fn load_corpus_with(config: &Config, references: Vec<Reference>) -> anyhow::Result<IndexedCorpus> {
    let dir = crate::cache::default_cache_dir(config);
    let mut corpus = crate::cache::load_corpus(&config.corpus, &config.bibliography, &dir)?;
    corpus.add_references(references);
    if let Some(url) = &config.zotero {
        crate::zotero::add_live_references(&mut corpus, url);
    }
    for warning in &corpus.warnings {
        eprintln!("warning: {warning}");
    }
    let (indexed, outcome) = crate::cache::indexed(corpus, &dir)?;
    if let crate::cache::CacheOutcome::Built { rebuilt: Some(reason) } = outcome {
        eprintln!("note: rebuilt the cached index ({reason})");
    }
    Ok(indexed)
}

/// The bibliographies and inline references the drafts declare (front matter `bibliography:`
/// and `references:`, `\addbibresource`, `#bibliography`, `#+bibliography:`), resolved against
/// each draft's folder. They join the corpus for the whole run, so their keys are known and
/// their metadata shown. A declared file that does not exist is a warning, not an error: the
/// draft's own metadata never stops its check.
fn declared_bibliographies(drafts: &[DraftInput]) -> (Vec<PathBuf>, Vec<Reference>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut references = Vec::new();
    for draft in drafts {
        let declared = crate::quotes::draft_bibliographies(&draft.text, draft.format);
        let dir = Path::new(&draft.name).parent().unwrap_or(Path::new("")).to_path_buf();
        for file in declared.files {
            let path = dir.join(&file);
            if !path.is_file() {
                eprintln!("warning: {}: bibliography {} does not exist", draft.name, path.display());
            } else if !files.contains(&path) {
                files.push(path);
            }
        }
        for mut reference in declared.references {
            reference.files = reference.files.iter().map(|f| dir.join(f)).collect();
            reference.origin = PathBuf::from(&draft.name);
            references.push(reference);
        }
    }
    (files, references)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let config = resolve_config(&args.corpus, args.min_words)?;
    let drafts = collect_drafts(&args.paths, args.stdin_filename.as_deref())?;
    let (declared, inline) = declared_bibliographies(&drafts);
    let mut config = config;
    config.bibliography.extend(declared);
    let indexed = load_corpus_with(&config, inline)?;
    let checker = indexed.checker(config.check_options());
    let files: Vec<FileReport> = drafts
        .into_iter()
        .map(|draft| {
            let check: DraftCheck = checker.check_draft(&draft.text, draft.format);
            FileReport::new(draft.name, draft.text, check)
        })
        .collect();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    report::render(args.format, &files, &indexed, color, &mut out).context("cannot write the report")?;
    out.flush().ok();
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Information => Some(Severity::Information),
        FailOn::Hint => Some(Severity::Hint),
        FailOn::Never => None,
    };
    let failed = matches!((threshold, report::worst_severity(&files)), (Some(limit), Some(worst)) if worst <= limit);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

struct DraftInput {
    name: String,
    text: String,
    format: DraftFormat,
}

/// Reads every draft named on the command line; directories recurse over draft extensions.
fn collect_drafts(paths: &[PathBuf], stdin_filename: Option<&str>) -> anyhow::Result<Vec<DraftInput>> {
    let mut drafts = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).context("cannot read stdin")?;
            let name = stdin_filename.unwrap_or("<stdin>").to_owned();
            let format = DraftFormat::from_path(Path::new(&name)).unwrap_or(DraftFormat::Markdown);
            if let Some(text) = decode_draft(&name, bytes) {
                drafts.push(DraftInput { name, text, format });
            }
            continue;
        }
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read draft {}", path.display()))?;
        let files: Vec<PathBuf> = if meta.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file() && DraftFormat::from_path(e.path()).is_some())
                .map(walkdir::DirEntry::into_path)
                .collect();
            found.sort();
            found
        } else {
            vec![path.clone()]
        };
        for file in files {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read draft {}", file.display()))?;
            let name = file.display().to_string();
            let format = DraftFormat::from_path(&file).unwrap_or(DraftFormat::Plain);
            if let Some(text) = decode_draft(&name, bytes) {
                drafts.push(DraftInput { name, text, format });
            }
        }
    }
    Ok(drafts)
}

/// Drafts in invalid UTF-8 are decoded lossily with a warning; binary files are skipped.
fn decode_draft(name: &str, bytes: Vec<u8>) -> Option<String> {
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        eprintln!("warning: {name}: binary file skipped");
        return None;
    }
    Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("warning: {name}: invalid UTF-8; decoded with replacement characters");
            String::from_utf8_lossy(err.as_bytes()).into_owned()
        }
    })
}

fn find(args: FindArgs) -> anyhow::Result<ExitCode> {
    let config = resolve_config(&args.corpus, None)?;
    let indexed = load_corpus(&config)?;
    let phrase = args.phrase.join(" ");
    let found = indexed.checker(config.check_options()).find(&phrase);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut rows = Vec::new();
    for passage in found.iter().take(args.limit) {
        let source = &indexed.corpus.sources[passage.source.doc];
        let start = source.lines().position(&source.text, passage.source.span.start, crate::lines::ColumnUnit::Char);
        let text = crate::align::readable(&source.text[passage.source.span.clone()]).trim().to_owned();
        if args.json {
            rows.push(serde_json::json!({
                "key": passage.source.key,
                "path": source.path.display().to_string(),
                "line": start.line + 1,
                "column": start.col + 1,
                "verdict": passage.verdict,
                "similarity": (f64::from(passage.similarity) * 1000.0).round() / 1000.0,
                "text": text,
                "edits": passage.edits.iter().map(|e| serde_json::json!({"op": e.op, "draft": e.draft, "source": e.source})).collect::<Vec<_>>(),
            }));
        } else {
            writeln!(
                out,
                "{}:{}:{} [@{}] {} ({:.0}%)\n    {}",
                source.path.display(),
                start.line + 1,
                start.col + 1,
                passage.source.key,
                passage.verdict,
                passage.similarity * 100.0,
                text
            )?;
        }
    }
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else if found.is_empty() {
        writeln!(out, "no source passage resembles “{phrase}”")?;
    }
    Ok(if found.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn index(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let config = resolve_config(&args.corpus, None)?;
    let dir = args.cache_dir.unwrap_or_else(|| crate::cache::default_cache_dir(&config));
    let started = Instant::now();
    // The old copy of the texts may stand in for unchanged files; the index is built anew.
    let corpus = crate::cache::load_corpus(&config.corpus, &config.bibliography, &dir)?;
    let loaded = started.elapsed();
    for warning in &corpus.warnings {
        eprintln!("warning: {warning}");
    }
    let bytes: usize = corpus.sources.iter().map(|s| s.text.len()).sum();
    let started = Instant::now();
    let indexed = IndexedCorpus::new(corpus)?;
    let built = started.elapsed();
    let started = Instant::now();
    let path = crate::cache::write(&indexed.index, &indexed.corpus, &dir)
        .with_context(|| format!("cannot write the index to {}", dir.display()))?;
    let written = started.elapsed();
    // Read it back as `check` will: proves the file and times the load.
    let started = Instant::now();
    crate::cache::load(&indexed.corpus, &dir).map_err(anyhow::Error::msg)?;
    let reloaded = started.elapsed();
    let file_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for source in &indexed.corpus.sources {
        writeln!(out, "{:<28} {:>8} bytes  {}", source.key, source.text.len(), source.path.display())?;
    }
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    writeln!(
        out,
        "indexed {} sources, {} bytes, {} words ({} distinct) in {:.1} ms ({:.1} MB/s; reading {:.1} ms); \
         index {} bytes ({:.2} per corpus byte)",
        indexed.corpus.sources.len(),
        bytes,
        indexed.index.word_count(),
        indexed.index.vocab().len(),
        ms(built),
        bytes as f64 / 1e6 / built.as_secs_f64().max(1e-9),
        ms(loaded),
        indexed.index.heap_bytes(),
        indexed.index.heap_bytes() as f64 / bytes.max(1) as f64
    )?;
    writeln!(
        out,
        "wrote {} ({} bytes) in {:.1} ms; loads (mapped and verified) in {:.1} ms",
        path.display(),
        file_bytes,
        ms(written),
        ms(reloaded)
    )?;
    Ok(ExitCode::SUCCESS)
}
