//! Completion.
//!
//! *Citation keys* after `[@`, `@` (at a word start) and inside `\cite{…}` and the rest of the
//! `\cite` family (`\parencite`, `\textcite`, `\citep`, …, after a comma too), ranked fuzzily
//! (strsim Jaro–Winkler) against the key, the title's words and the author's words.
//!
//! *Quote continuations*: inside an opening quotation mark with three or more words typed, the
//! exact source wording that starts with those words, to the end of the sentence and to the end
//! of the passage (paragraph). Accepting one replaces the typed words with the source's exact
//! wording, adds the closing mark and, when the quote cites nothing yet, a citation.

use std::ops::Range;

use tower_lsp::lsp_types::{
    CompletionItem, CompletionItemKind, CompletionItemLabelDetails, CompletionList, CompletionTextEdit, Documentation,
    MarkupContent, MarkupKind, TextEdit,
};

use crate::check::IndexedCorpus;
use crate::index::UNKNOWN_WORD;
use crate::lines::ColumnUnit;
use crate::quotes::{extract, DraftFormat};

use super::hover::entry_markdown;
use super::passage::{escape_markdown, excerpt, paragraph, readable, sentence_end, sentence_ends};
use super::state::DocText;

/// The characters that open completion.
pub const TRIGGER_CHARACTERS: [&str; 5] = ["@", "{", "\"", "“", " "];

/// At most this many items.
const MAX_ITEMS: usize = 50;

/// Completion at byte `offset` of a document.
pub fn complete(doc: &DocText, corpus: &IndexedCorpus, offset: usize, unit: ColumnUnit) -> Option<CompletionList> {
    if let Some((key_start, prefix)) = citation_context(&doc.text, offset) {
        let range = doc.map(unit).range(key_start..offset);
        return Some(citation_items(corpus, prefix, range));
    }
    quote_items(doc, corpus, offset, unit)
}

/// Pandoc key characters: word characters and internal punctuation.
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || "_-:.#$%&+?<>~/".contains(c)
}

/// Where a citation key being typed at `offset` starts, and what is typed of it.
pub fn citation_context(text: &str, offset: usize) -> Option<(usize, &str)> {
    let offset = crate::lines::floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..offset];
    let key_len: usize = line.chars().rev().take_while(|&c| is_key_char(c)).map(char::len_utf8).sum();
    let key_start = offset - key_len;
    let prefix = &text[key_start..offset];
    let before = &text[line_start..key_start];
    if let Some(head) = before.strip_suffix('@') {
        // `@` at a word start (not an e-mail address).
        let ok = head.chars().next_back().is_none_or(|c| c.is_whitespace() || "[;(-".contains(c));
        return ok.then_some((key_start, prefix));
    }
    // Inside `\cite…{a, b`: the open brace, then the command before it.
    let trimmed = before.trim_end();
    let brace = if trimmed.ends_with(',') || before.ends_with('{') { before.rfind('{')? } else { return None };
    if before[brace..].contains('}') {
        return None;
    }
    let mut head = before[..brace].trim_end();
    while head.ends_with(']') {
        head = &head[..head.rfind('[')?];
    }
    let head = head.trim_end_matches('*');
    let name_len: usize = head.chars().rev().take_while(char::is_ascii_alphabetic).map(char::len_utf8).sum();
    let name = &head[head.len() - name_len..];
    let is_cite = head[..head.len() - name_len].ends_with('\\') && name.to_ascii_lowercase().contains("cite");
    is_cite.then_some((key_start, prefix))
}

/// Every citable key, best match for `prefix` first.
fn citation_items(corpus: &IndexedCorpus, prefix: &str, range: tower_lsp::lsp_types::Range) -> CompletionList {
    let corpus = &corpus.corpus;
    let wanted = prefix.to_lowercase();
    let mut scored: Vec<(f64, usize, &str)> = corpus
        .keys()
        .into_iter()
        .enumerate()
        .filter_map(|(i, key)| {
            let score = if wanted.is_empty() { 1.0 } else { key_score(&wanted, key, corpus.meta_for_key(key)) };
            (score >= 0.7).then_some((score, i, key))
        })
        .collect();
    scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal).then(a.1.cmp(&b.1)));
    let is_incomplete = scored.len() > MAX_ITEMS;
    let items = scored
        .into_iter()
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(rank, (_, _, key))| {
            let meta = corpus.meta_for_key(key).cloned().unwrap_or_default();
            let mut docs = format!("**[@{}]**{}", escape_markdown(key), entry_markdown(&meta));
            if let Some(source) = corpus.sources.iter().find(|s| s.cite_key == key) {
                docs.push_str(&format!("\n\nSource text: `{}`", source.path.display()));
            }
            CompletionItem {
                label: key.to_owned(),
                kind: Some(CompletionItemKind::REFERENCE),
                detail: meta.title.clone(),
                documentation: Some(Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: docs,
                })),
                sort_text: Some(format!("{rank:04}")),
                // Matches on the title or author must survive the client's own filtering.
                filter_text: Some(format!("{prefix}{key}")),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit { range, new_text: key.to_owned() })),
                ..CompletionItem::default()
            }
        })
        .collect();
    CompletionList { is_incomplete, items }
}

/// How well a typed prefix matches a key or its entry (1.0 and above: a prefix match).
fn key_score(wanted: &str, key: &str, meta: Option<&crate::corpus::SourceMeta>) -> f64 {
    let key = key.to_lowercase();
    if key.starts_with(wanted) {
        return 2.0;
    }
    let mut best = strsim::jaro_winkler(wanted, &key);
    if key.contains(wanted) {
        best = best.max(1.0);
    }
    if let Some(meta) = meta {
        for text in [&meta.title, &meta.author].into_iter().flatten() {
            for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                let word = word.to_lowercase();
                let score = if word.starts_with(wanted) { 0.95 } else { strsim::jaro_winkler(wanted, &word) * 0.9 };
                best = best.max(score);
            }
        }
    }
    best
}

/// The closing mark for an opening one.
fn closing_mark(open: &str) -> Option<&'static str> {
    Some(match open {
        "“" => "”",
        "\"" => "\"",
        "‘" => "’",
        "'" => "'",
        "«" => "»",
        "« " => " »",
        "„" => "“",
        "‹" => "›",
        "``" => "''",
        "`" => "'",
        "「" => "」",
        _ => return None,
    })
}

/// Source continuations of the quotation being typed at `offset`.
fn quote_items(doc: &DocText, corpus: &IndexedCorpus, offset: usize, unit: ColumnUnit) -> Option<CompletionList> {
    let text = &doc.text;
    // Only the paragraph around the cursor matters: extract from it alone, so a keystroke in a
    // long draft costs little.
    let para = paragraph(text, offset..offset);
    let para = para.start..para.end.max(offset);
    let draft = extract(&text[para.clone()], doc.format);
    let local = offset - para.start;
    let quote = draft.quotes.iter().find(|q| !q.block && q.content.start <= local && local <= q.content.end)?;
    let closed = !quote.unclosed;
    if closed && local != quote.content.end {
        return None;
    }
    let open = &draft.prose[quote.span.start..quote.content.start];
    let close = closing_mark(open.trim_end())?;
    let parsed = crate::align::QuoteText::parse(&draft.prose, quote.content.start..local, &corpus.index);
    let words: Vec<(&str, u32, &Range<usize>)> = parsed.words().collect();
    if words.len() < 3 {
        return None;
    }
    let typed_end = words.last()?.2.end;
    let partial = typed_end == local && text[..offset].ends_with(|c: char| c.is_alphanumeric());
    let (complete, partial_norm) =
        if partial { (&words[..words.len() - 1], Some(words.last()?.0)) } else { (&words[..], None) };
    let ids: Vec<u32> = complete.iter().map(|w| w.1).collect();
    if ids.contains(&UNKNOWN_WORD) || ids.is_empty() {
        return None;
    }
    let index = &corpus.index;
    let sources = &corpus.corpus.sources;
    let mut continuations: Vec<(String, usize, Range<usize>)> = Vec::new();
    // Sources the draft already cites come first: a passage reprinted elsewhere is most likely
    // quoted from the source the writer is working from.
    let mut hits = index.find_verbatim(&ids, 64);
    hits.sort_by_cached_key(|hit| {
        let key = &sources[index.doc_of(hit.start)].cite_key;
        !(text.contains(&format!("@{key}")) || text.contains(&format!("{{{key}")) || text.contains(&format!(",{key}")))
    });
    for hit in hits {
        let doc_id = index.doc_of(hit.start);
        let source = &sources[doc_id];
        let mut last = hit.end;
        if let Some(partial) = partial_norm {
            if last >= index.doc_words(doc_id).end || !index.vocab().word(index.word_id(last)).starts_with(partial) {
                continue;
            }
            last += 1;
        }
        let start = index.span_of(hit.clone()).start;
        let typed_to = index.span_of(hit.start..last).end;
        let sentence = sentence_end(&source.text, typed_to);
        let para_end = paragraph(&source.text, typed_to..typed_to).end;
        // The passage stops at a sentence end within ~600 bytes.
        let passage_end = sentence_ends(&source.text, typed_to..para_end)
            .into_iter()
            .take_while(|&e| e <= typed_to + 600)
            .last()
            .unwrap_or(sentence);
        for end in [sentence, passage_end] {
            if end <= typed_to || continuations.iter().any(|c| c.1 == doc_id && c.2.end == end) {
                continue;
            }
            let wording = readable(&source.text[start..end]);
            if continuations.iter().any(|c| c.0 == wording) {
                continue;
            }
            continuations.push((wording, doc_id, start..end));
        }
        if continuations.len() >= 10 {
            break;
        }
    }
    if continuations.is_empty() {
        return None;
    }
    let map = doc.map(unit);
    let content_start = para.start + quote.content.start;
    let same_line = !text[content_start..offset].contains('\n');
    let replace_start = if same_line {
        content_start
    } else if partial {
        para.start + words.last()?.2.start
    } else {
        offset
    };
    let replace_end = if closed { para.start + quote.span.end } else { offset };
    let typed = &text[replace_start..offset];
    let items = continuations
        .into_iter()
        .enumerate()
        .map(|(rank, (wording, doc_id, _))| {
            let source = &sources[doc_id];
            let mut insert = if same_line {
                wording.clone()
            } else {
                // Only the words from the cursor's line on can be replaced (edits are one line).
                let skip = if partial { complete.len() } else { words.len() };
                wording.split(' ').skip(skip).collect::<Vec<_>>().join(" ")
            };
            insert.push_str(close);
            if quote.citations.is_empty() {
                insert.push_str(&match doc.format {
                    DraftFormat::Latex => format!("~\\cite{{{}}}", source.cite_key),
                    _ => format!(" [@{}]", source.cite_key),
                });
            }
            let rest = wording.get(typed_prefix_len(&wording, complete.len())..).unwrap_or_default().trim_start();
            CompletionItem {
                label: excerpt(&wording, 72),
                label_details: Some(CompletionItemLabelDetails {
                    detail: None,
                    description: Some(format!("[@{}]", source.cite_key)),
                }),
                kind: Some(CompletionItemKind::TEXT),
                detail: Some(format!("[@{}] {}", source.cite_key, source.display_title())),
                documentation: Some(Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: format!(
                        "> {}\n\n— *{}* [@{}]",
                        escape_markdown(&wording),
                        escape_markdown(source.display_title()),
                        escape_markdown(&source.cite_key)
                    ),
                })),
                sort_text: Some(format!("{rank:04}")),
                preselect: Some(rank == 0),
                filter_text: Some(format!("{typed} {rest}")),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range: map.range(replace_start..replace_end),
                    new_text: insert,
                })),
                ..CompletionItem::default()
            }
        })
        .collect();
    Some(CompletionList { is_incomplete: true, items })
}

/// The byte length of the first `n` space-separated words of `wording`.
fn typed_prefix_len(wording: &str, n: usize) -> usize {
    wording.split(' ').take(n).map(|w| w.len() + 1).sum::<usize>().min(wording.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citation_contexts() {
        let at = |text: &str| citation_context(text, text.len()).map(|(s, p)| (s, p.to_owned()));
        assert_eq!(at("see [@sta"), Some((6, "sta".into())));
        assert_eq!(at("as @"), Some((4, String::new())));
        assert_eq!(at("mail me@x"), None);
        assert_eq!(at("\\cite{"), Some((6, String::new())));
        assert_eq!(at("\\parencite[p. 3]{a, we"), Some((20, "we".into())));
        assert_eq!(at("\\textbf{we"), None);
        assert_eq!(at("\\cite{a} and we"), None);
    }
}
