//! Renders check results for people and machines: rustc-style human output, the stable JSON
//! shape, SARIF 2.1.0 and GitHub workflow commands. One data model feeds every format.
//!
//! Invariant: renderers only format; every verdict and message comes from [`crate::check`].

mod github;
mod human;
mod json;
mod sarif;

use std::io::{self, Write};

use crate::check::{DraftCheck, IndexedCorpus, Severity, Verdict};
use crate::lines::{ColumnUnit, LineIndex};

pub use json::report_json;

/// Output formats of `quoteline check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style messages with the quote underlined and a word diff.
    Human,
    /// The stable JSON shape documented in the README.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow commands (`::warning file=...`).
    Github,
}

/// One checked draft.
pub struct FileReport {
    /// The path as the user named it.
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
    pub check: DraftCheck,
}

impl FileReport {
    pub fn new(path: String, text: String, check: DraftCheck) -> FileReport {
        let lines = LineIndex::new(&text);
        FileReport { path, text, lines, check }
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let pos = self.lines.position(&self.text, offset, ColumnUnit::Char);
        (pos.line + 1, pos.col + 1)
    }
}

/// Counts of quotes per verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub quotes: usize,
    pub by_verdict: [usize; 6],
}

impl Summary {
    pub fn of(files: &[FileReport]) -> Summary {
        let mut summary = Summary { files: files.len(), ..Summary::default() };
        for check in files.iter().flat_map(|f| &f.check.quotes) {
            summary.quotes += 1;
            summary.by_verdict[check.verdict as usize] += 1;
        }
        summary
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        self.by_verdict[verdict as usize]
    }
}

/// The most severe finding across all files, if any.
pub fn worst_severity(files: &[FileReport]) -> Option<Severity> {
    files.iter().flat_map(|f| &f.check.findings).map(|f| f.severity).min()
}

/// Writes `files` in `format`.
pub fn render(
    format: Format,
    files: &[FileReport],
    corpus: &IndexedCorpus,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(files, corpus, color, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &report_json(files, corpus))?;
            writeln!(out)
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif::report_sarif(files, corpus))?;
            writeln!(out)
        }
        Format::Github => github::render(files, corpus, out),
    }
}
