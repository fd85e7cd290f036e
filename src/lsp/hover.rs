//! Hover.
//!
//! On a quotation: the verdict and similarity, the source's key, title, file and line, the
//! source passage with a sentence of context either side (the passage in bold), the word diff
//! for drifted and altered quotes (source words the draft lacks ~~struck through~~, words the
//! draft adds in **bold**), and the other sources that contain the passage.
//!
//! On a citation key: its bibliographic entry (title, author, date, URL) and its text's file.

use tower_lsp::lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::align::DiffPiece;
use crate::check::{QuoteCheck, Verdict};
use crate::corpus::{Corpus, SourceMeta};
use crate::lines::ColumnUnit;

use super::passage::{context, escape_markdown, readable};
use super::state::CheckedDoc;

/// The hover at byte `offset`, if it is on a quotation or a citation key.
pub fn hover(
    checked: &CheckedDoc,
    offset: usize,
    unit: ColumnUnit,
    display_path: &dyn Fn(&std::path::Path) -> String,
) -> Option<Hover> {
    let map = checked.doc.map(unit);
    let corpus = &checked.analysis.corpus.corpus;
    if let Some(citation) = checked
        .check
        .citations
        .iter()
        .find(|c| covers(&c.span, offset) || covers(&c.group, offset) && c.group.len() <= c.span.len() + 1)
    {
        return Some(markdown(
            citation_markdown(corpus, &citation.key, display_path),
            Some(map.range(citation.span.clone())),
        ));
    }
    let quote = checked.check.quotes.iter().find(|q| covers(&q.quote.span, offset))?;
    Some(markdown(quote_markdown(corpus, quote, display_path), Some(map.range(quote.quote.span.clone()))))
}

fn covers(span: &std::ops::Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

fn markdown(value: String, range: Option<tower_lsp::lsp_types::Range>) -> Hover {
    Hover { contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }), range }
}

/// The hover text for a checked quote.
pub fn quote_markdown(
    corpus: &Corpus,
    quote: &QuoteCheck,
    display_path: &dyn Fn(&std::path::Path) -> String,
) -> String {
    let mut out = format!("**quoteline** · `{}`", quote.verdict);
    if quote.source.is_some() {
        out.push_str(&format!(" · similarity {:.0}%", quote.similarity * 100.0));
    }
    out.push_str("\n\n");
    let Some(found) = &quote.source else {
        out.push_str(&match quote.verdict {
            Verdict::Unchecked => "Too short to check, and not found verbatim in the corpus.".to_owned(),
            _ => format!("Not found in the corpus ({} sources searched).", corpus.sources.len()),
        });
        return out;
    };
    let Some(source) = corpus.sources.get(found.doc) else { return out };
    let line = source.lines().line_of(found.span.start) + 1;
    out.push_str(&format!(
        "**[@{}]** *{}*  \n`{}`, line {line}\n\n",
        escape_markdown(&source.cite_key),
        escape_markdown(source.display_title()),
        display_path(&source.path),
    ));
    if quote.verdict == Verdict::Misattributed && !quote.cited.is_empty() {
        let cited: Vec<String> = quote.cited.iter().map(|k| format!("[@{}]", escape_markdown(k))).collect();
        out.push_str(&format!(
            "Cited to {}, but found in [@{}].\n\n",
            cited.join(", "),
            escape_markdown(&source.cite_key)
        ));
    }
    let (before, after) = context(&source.text, found.span.clone());
    let passage = &source.text[found.span.clone()];
    // Keep the source's spacing around the passage (no space before a following comma).
    let space_before = if source.text[before.clone()].ends_with(char::is_whitespace) { " " } else { "" };
    let space_after = if source.text[after.clone()].starts_with(char::is_whitespace) { " " } else { "" };
    out.push_str(&format!(
        "> {}{space_before}**{}**{space_after}{}\n\n",
        escape_markdown(&readable(&source.text[before])),
        escape_markdown(&readable(passage)),
        escape_markdown(&readable(&source.text[after])),
    ));
    if matches!(quote.verdict, Verdict::Drift | Verdict::Altered | Verdict::Misattributed) && !quote.edits.is_empty() {
        out.push_str("**Word diff** (~~source~~ **draft**):\n\n");
        out.push_str(&render_diff(&quote.diff));
        out.push_str("\n\n");
    }
    if !quote.also_found_in.is_empty() {
        let others: Vec<String> = quote.also_found_in.iter().map(|k| format!("[@{}]", escape_markdown(k))).collect();
        out.push_str(&format!("Also in: {}\n", others.join(", ")));
    }
    out.trim_end().to_owned()
}

/// A word diff in Markdown: deleted source words struck through, inserted draft words bold.
pub fn render_diff(diff: &[DiffPiece]) -> String {
    crate::align::render_diff(
        diff,
        escape_markdown,
        |t| format!("~~{}~~", escape_markdown(t)),
        |t| format!("**{}**", escape_markdown(t)),
    )
}

/// The hover text for a citation key.
pub fn citation_markdown(corpus: &Corpus, key: &str, display_path: &dyn Fn(&std::path::Path) -> String) -> String {
    let Some(meta) = corpus.meta_for_key(key) else {
        return format!(
            "**[@{}]**: unknown citation key (no source or bibliography entry has it)",
            escape_markdown(key)
        );
    };
    let mut out = format!("**[@{}]**", escape_markdown(key));
    out.push_str(&entry_markdown(meta));
    match corpus.sources.iter().find(|s| s.cite_key == key) {
        Some(source) => out.push_str(&format!("\n\nSource text: `{}`", display_path(&source.path))),
        None => out.push_str("\n\nNo source text in the corpus (bibliography entry only)."),
    }
    out
}

/// Title, author, date and URL lines of an entry.
pub fn entry_markdown(meta: &SourceMeta) -> String {
    let mut out = String::new();
    if let Some(title) = &meta.title {
        out.push_str(&format!(" *{}*", escape_markdown(title)));
    }
    for (label, value) in [("Author", &meta.author), ("Date", &meta.date), ("In", &meta.container)] {
        if let Some(value) = value {
            out.push_str(&format!("  \n{label}: {}", escape_markdown(value)));
        }
    }
    if let Some(url) = &meta.url {
        out.push_str(&format!("  \n<{url}>"));
    }
    out
}
