//! Extracts quotations and citations from a draft.
//!
//! Each format is first reduced to *prose*: a copy of the draft of the same length in which
//! everything that is not running text (Markdown code, HTML, link destinations, front matter;
//! LaTeX commands, comments, math) is blanked with spaces. Offsets into the prose are offsets
//! into the draft, so no position ever needs mapping. The prose is cut into blocks (paragraphs,
//! headings, list items, block quotes) and one scanner finds quotation marks in every block:
//! “…”, "…", ‘…’, «…», „…“ and LaTeX ``…''. Nested quotes stay inside their outer quote; an
//! apostrophe (don’t, Iran’s) never closes a quote; an unclosed mark ends at its block's end.
//!
//! Citations are Pandoc's (`[@key]`, `[@key, p. 3]`, `[see @a; @b]`, in-text `@key`, Markdown
//! footnotes whose text cites) and LaTeX's `\cite` family. A bracketed citation attaches to the
//! uncited quotes before it in its block; an in-text citation to the quote after it in the same
//! sentence.
//!
//! Typst (`typst.rs`), reStructuredText (`rst.rs`) and Org (`org.rs`) each reduce to the same
//! prose, blocks and citations; `bibliographies.rs` reads the bibliographies a draft names.
//!
//! Invariant: extraction never fails; any input yields quotes (possibly none) in linear time.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod bibliographies;
mod org;
mod rst;
mod typst;

pub use bibliographies::{draft_bibliographies, DraftBibliographies};

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The markup a draft is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftFormat {
    Markdown,
    Latex,
    Plain,
    Typst,
    Rst,
    Org,
}

impl DraftFormat {
    /// The format for a file extension (without the dot); `None` for files quoteline skips.
    pub fn from_extension(ext: &str) -> Option<DraftFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "md" | "markdown" | "mdown" | "qmd" | "rmd" => Some(DraftFormat::Markdown),
            "tex" | "latex" | "ltx" => Some(DraftFormat::Latex),
            "txt" | "text" => Some(DraftFormat::Plain),
            "typ" => Some(DraftFormat::Typst),
            "rst" | "rest" => Some(DraftFormat::Rst),
            "org" => Some(DraftFormat::Org),
            _ => None,
        }
    }

    /// The format for a file by its extension; `None` for files quoteline skips.
    pub fn from_path(path: &std::path::Path) -> Option<DraftFormat> {
        DraftFormat::from_extension(path.extension()?.to_str()?)
    }

    /// The format for an LSP language id.
    pub fn from_language_id(id: &str) -> DraftFormat {
        match id {
            "markdown" | "quarto" | "rmd" => DraftFormat::Markdown,
            "latex" | "tex" | "plaintex" | "context" => DraftFormat::Latex,
            "typst" => DraftFormat::Typst,
            "restructuredtext" | "rst" => DraftFormat::Rst,
            "org" => DraftFormat::Org,
            _ => DraftFormat::Plain,
        }
    }
}

/// A quotation found in a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotation {
    /// From the opening mark (a block quote's first `>`) to the closing one.
    pub span: Range<usize>,
    /// The words between the marks.
    pub content: Range<usize>,
    /// A block quote (Markdown `>`, LaTeX `quote` environment) rather than an inline one.
    pub block: bool,
    /// The opening mark was never closed; the quote runs to the end of its block.
    pub unclosed: bool,
    /// Indexes into [`DraftQuotes::citations`].
    pub citations: Vec<usize>,
}

/// One cited key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub key: String,
    /// The key's own span (without `@`).
    pub span: Range<usize>,
    /// The whole citation group (`[see @a; @b]`, `\cite{a,b}`), or the key for in-text ones.
    pub group: Range<usize>,
    /// Narrative (`@key says`, `\textcite`) rather than parenthetical.
    pub in_text: bool,
    /// The locator or suffix, e.g. `p. 3`.
    pub locator: Option<String>,
}

/// Everything quoteline needs from a draft.
#[derive(Debug, Clone, Default)]
pub struct DraftQuotes {
    /// The draft with non-prose blanked; same length and offsets as the draft.
    pub prose: String,
    pub quotes: Vec<Quotation>,
    pub citations: Vec<Citation>,
    /// Bibliography files the draft names (Markdown front matter `bibliography:`, LaTeX
    /// `\addbibresource{}`/`\bibliography{}`, Typst `#bibliography()`, Org `#+bibliography:`),
    /// as written: relative paths are relative to the draft's folder.
    pub bibliographies: Vec<String>,
    /// Entries given inline (Markdown front matter `references:`, CSL items).
    pub references: Vec<crate::corpus::Reference>,
}

impl DraftQuotes {
    /// The quote's text without its marks, white space folded (as reports show it).
    pub fn quote_text(&self, quote: &Quotation) -> String {
        crate::align::collapse_whitespace(&self.prose[quote.content.clone()])
    }

    pub fn cited_keys(&self, quote: &Quotation) -> Vec<&str> {
        let mut keys: Vec<&str> = quote.citations.iter().map(|&c| self.citations[c].key.as_str()).collect();
        keys.dedup();
        keys
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Paragraph,
    /// A block quote: the whole block is one quotation.
    Quote,
    /// A quotation made by markup rather than marks (LaTeX `\enquote{}`).
    InlineQuote,
}

#[derive(Debug, Clone)]
struct Block {
    kind: BlockKind,
    /// The block's full range (for a block quote, from its first `>`).
    range: Range<usize>,
    /// First to last prose byte inside.
    text: Range<usize>,
}

/// Extracts quotes and citations from `text`.
pub fn extract(text: &str, format: DraftFormat) -> DraftQuotes {
    let (prose, blocks, citations) = match format {
        DraftFormat::Markdown => markdown_prose(text),
        DraftFormat::Latex => latex_prose(text),
        DraftFormat::Plain => (text.to_owned(), paragraph_blocks(text, 0..text.len()), Vec::new()),
        DraftFormat::Typst => typst::typst_prose(text),
        DraftFormat::Rst => rst::rst_prose(text),
        DraftFormat::Org => org::org_prose(text),
    };
    let DraftBibliographies { files: bibliographies, references } = draft_bibliographies(text, format);
    let mut draft = DraftQuotes { prose, quotes: Vec::new(), citations, bibliographies, references };
    // Pandoc's citation syntax belongs to Markdown and plain text; the other formats have their own.
    if matches!(format, DraftFormat::Markdown | DraftFormat::Plain) {
        let found = pandoc_citations(&draft.prose);
        draft.citations.extend(found);
    }
    draft.citations.sort_by_key(|c| c.group.start);
    blank_citations(&mut draft);
    let latex = format == DraftFormat::Latex;
    for block in &blocks {
        match block.kind {
            BlockKind::Quote | BlockKind::InlineQuote => {
                if let Some(content) = trimmed(&draft.prose, block.text.clone()) {
                    let inline = block.kind == BlockKind::InlineQuote;
                    draft.quotes.push(Quotation {
                        span: block.range.start..if inline {
                            block.range.end
                        } else {
                            content.end.max(block.range.start)
                        },
                        content,
                        block: !inline,
                        unclosed: false,
                        citations: Vec::new(),
                    });
                }
            }
            BlockKind::Paragraph => scan_marks(&draft.prose, block.text.clone(), latex, &mut draft.quotes),
        }
    }
    draft.quotes.sort_by_key(|q| q.span.start);
    attach_citations(&mut draft, &blocks);
    draft
}

/// Citations are not prose: blank their groups so their keys never read as quoted words.
fn blank_citations(draft: &mut DraftQuotes) {
    let mut bytes = std::mem::take(&mut draft.prose).into_bytes();
    for citation in &draft.citations {
        blank(&mut bytes, citation.group.clone());
    }
    draft.prose = String::from_utf8(bytes).expect("blanking replaces whole characters with spaces");
}

/// Replaces `range` with spaces, keeping line breaks (so paragraphs and lines stay where they
/// are). `range` must lie on character boundaries.
fn blank(bytes: &mut [u8], range: Range<usize>) {
    for b in &mut bytes[range] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

fn trimmed(prose: &str, range: Range<usize>) -> Option<Range<usize>> {
    let slice = &prose[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.end - (slice.len() - slice.trim_end().len());
    (start < end).then_some(start..end)
}

/// Blank-line separated paragraphs of `range`.
fn paragraph_blocks(text: &str, range: Range<usize>) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut start = None;
    let mut offset = range.start;
    for line in text[range.clone()].split_inclusive('\n') {
        let blank_line = line.trim().is_empty();
        match (blank_line, start) {
            (false, None) => start = Some(offset),
            (true, Some(s)) => {
                blocks.push(Block { kind: BlockKind::Paragraph, range: s..offset, text: s..offset });
                start = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some(s) = start {
        blocks.push(Block { kind: BlockKind::Paragraph, range: s..range.end, text: s..range.end });
    }
    blocks
}

fn markdown_prose(text: &str) -> (String, Vec<Block>, Vec<Citation>) {
    let mut prose = blank_copy(text);
    let options = Options::ENABLE_FOOTNOTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH;
    let mut blocks: Vec<Block> = Vec::new();
    // Open containers: (is block quote, index into `blocks`).
    let mut open: Vec<(bool, usize)> = Vec::new();
    let mut skip_depth = 0usize;
    let mut footnote_refs: Vec<(String, Range<usize>)> = Vec::new();
    let mut footnote_defs: HashMap<String, Range<usize>> = HashMap::new();
    let mut current_footnote: Option<(String, usize)> = None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_)) => skip_depth += 1,
            Event::End(TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_)) => {
                skip_depth = skip_depth.saturating_sub(1)
            }
            Event::Start(Tag::BlockQuote(_)) => {
                if open.iter().any(|&(quote, _)| quote) {
                    open.push((true, usize::MAX));
                } else {
                    blocks.push(Block { kind: BlockKind::Quote, range: range.clone(), text: range.end..range.start });
                    open.push((true, blocks.len() - 1));
                }
            }
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::TableCell | Tag::Item) => {
                blocks.push(Block { kind: BlockKind::Paragraph, range: range.clone(), text: range.end..range.start });
                open.push((false, blocks.len() - 1));
            }
            Event::End(
                TagEnd::BlockQuote(_) | TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell | TagEnd::Item,
            ) => {
                open.pop();
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                current_footnote = Some((label.to_string(), range.start));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((label, start)) = current_footnote.take() {
                    footnote_defs.insert(label, start..range.end);
                }
            }
            Event::FootnoteReference(label) => footnote_refs.push((label.to_string(), range)),
            Event::Text(_) if skip_depth == 0 => {
                prose.replace_range(range.clone(), &text[range.clone()]);
                // Text inside a block quote belongs to the outermost quote, else to the
                // innermost block.
                let owner =
                    open.iter().find(|&&(quote, i)| quote && i != usize::MAX).or_else(|| open.last()).map(|&(_, i)| i);
                if let Some(block) = owner.and_then(|i| blocks.get_mut(i)) {
                    block.text = block.text.start.min(range.start)..block.text.end.max(range.end);
                }
            }
            _ => {}
        }
    }
    // A paragraph inside a list item, or an item's text around a nested list, must not be
    // scanned twice: keep only blocks that do not contain another block's text.
    blocks.retain(|b| b.text.start < b.text.end);
    let contained: Vec<bool> = blocks
        .iter()
        .map(|b| {
            b.kind == BlockKind::Paragraph
                && blocks
                    .iter()
                    .any(|o| o.kind == BlockKind::Quote && o.range.start <= b.range.start && b.range.end <= o.range.end)
        })
        .collect();
    let mut blocks: Vec<Block> = blocks.into_iter().zip(contained).filter(|(_, c)| !c).map(|(b, _)| b).collect();
    blocks.sort_by_key(|b| b.text.start);
    // Footnote references cite what their definition cites.
    let mut citations = Vec::new();
    let def_citations: HashMap<&str, Vec<Citation>> = footnote_defs
        .iter()
        .map(|(label, def)| {
            (
                label.as_str(),
                pandoc_citations(&prose[..def.end]).into_iter().filter(|c| c.group.start >= def.start).collect(),
            )
        })
        .collect();
    for (label, reference) in footnote_refs {
        for cited in def_citations.get(label.as_str()).into_iter().flatten() {
            citations.push(Citation {
                key: cited.key.clone(),
                span: cited.span.clone(),
                group: reference.clone(),
                in_text: false,
                locator: cited.locator.clone(),
            });
        }
    }
    (prose, blocks, citations)
}

/// A string of the same byte length as `text`: spaces, with line breaks kept.
fn blank_copy(text: &str) -> String {
    text.bytes().map(|b| if b == b'\n' || b == b'\r' { b as char } else { ' ' }).collect()
}

/// Pandoc citations in `prose`: bracketed groups and in-text keys.
pub fn pandoc_citations(prose: &str) -> Vec<Citation> {
    let bytes = prose.as_bytes();
    let mut citations = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => {
                if let Some(close) = bracket_citation_end(prose, i) {
                    let group = i..close + 1;
                    let inner_start = i + 1;
                    let mut item_start = inner_start;
                    for item in prose[inner_start..close].split(';') {
                        if let Some(at) = find_key_at(item) {
                            if let Some(key) = citation_key(prose, item_start + at + 1) {
                                let after = &prose[key.end..item_start + item.len()];
                                let locator = after.trim_start_matches(',').trim();
                                citations.push(Citation {
                                    key: prose[key.clone()].to_owned(),
                                    span: key,
                                    group: group.clone(),
                                    in_text: false,
                                    locator: (!locator.is_empty()).then(|| locator.to_owned()),
                                });
                            }
                        }
                        item_start += item.len() + 1;
                    }
                    i = close + 1;
                    continue;
                }
            }
            b'@' => {
                let before = prose[..i].chars().next_back();
                if before.is_none_or(|c| !c.is_alphanumeric() && c != '@') {
                    if let Some(key) = citation_key(prose, i + 1) {
                        let end = key.end;
                        citations.push(Citation {
                            key: prose[key.clone()].to_owned(),
                            span: key,
                            group: i..end,
                            in_text: true,
                            locator: None,
                        });
                        i = end;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    citations
}

/// The offset of `]` closing a bracketed citation group starting at `open`, if the group holds
/// a citation (an `@` that starts an item or follows a space, `-` or `;`).
fn bracket_citation_end(prose: &str, open: usize) -> Option<usize> {
    let rest = &prose[open + 1..];
    let close = rest.find([']', '[', '\n'].as_slice()).filter(|&c| rest.as_bytes()[c] == b']')?;
    find_key_at(&rest[..close]).map(|_| open + 1 + close)
}

/// Position of the `@` starting a key in a citation item, if any.
fn find_key_at(item: &str) -> Option<usize> {
    item.char_indices()
        .find(|&(i, c)| {
            c == '@'
                && item[..i].chars().next_back().is_none_or(|p| p.is_whitespace() || p == '-' || p == '[' || p == ';')
        })
        .map(|(i, _)| i)
}

/// The key starting at `start` (just after `@`): Pandoc's rules, a letter, digit or `_` then
/// word characters and internal punctuation; `@{key}` takes anything up to the brace.
fn citation_key(prose: &str, start: usize) -> Option<Range<usize>> {
    let rest = &prose[start..];
    if let Some(braced) = rest.strip_prefix('{') {
        let end = braced.find('}')?;
        return (end > 0).then(|| start + 1..start + 1 + end);
    }
    key_at(prose, start, ":.#$%&-+?<>~/")
}

/// A citation key starting at `start`: a letter, digit or `_`, then word characters and any of
/// `internal` punctuation, which belongs to the key only between word characters (a trailing
/// full stop ends the sentence, not the key).
pub(crate) fn key_at(text: &str, start: usize, internal: &str) -> Option<Range<usize>> {
    let rest = &text[start..];
    let first = rest.chars().next()?;
    if !(first.is_alphanumeric() || first == '_') {
        return None;
    }
    let mut last_word_end = 0;
    for (i, c) in rest.char_indices() {
        if c.is_alphanumeric() || c == '_' {
            last_word_end = i + c.len_utf8();
        } else if !internal.contains(c) {
            break;
        }
    }
    Some(start..start + last_word_end)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MarkFamily {
    Double,
    Single,
}

#[derive(Debug, Clone, Copy)]
struct OpenMark {
    family: MarkFamily,
    /// The character (or LaTeX sequence) that closes this mark.
    closers: &'static [&'static str],
    start: usize,
    content: usize,
}

/// Deeper nesting than this is not writing but noise (or an attack); further openers are
/// ignored so scanning stays linear.
const MAX_NESTING: usize = 16;

/// Finds top-level quotations in `prose[range]`.
fn scan_marks(prose: &str, range: Range<usize>, latex: bool, quotes: &mut Vec<Quotation>) {
    let mut stack: Vec<OpenMark> = Vec::new();
    let text = &prose[range.clone()];
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let at = range.start + i;
        let prev = text[..i].chars().next_back();
        let next = text[i + c.len_utf8()..].chars().next();
        let rest = &text[i..];
        let mut close_with = |len: usize, family: MarkFamily, stack: &mut Vec<OpenMark>| -> bool {
            let Some(pos) =
                stack.iter().rposition(|m| m.family == family && m.closers.iter().any(|cl| rest.starts_with(cl)))
            else {
                return false;
            };
            let mark = stack[pos];
            stack.truncate(pos);
            if pos == 0 {
                quotes.push(Quotation {
                    span: mark.start..at + len,
                    content: mark.content..at,
                    block: false,
                    unclosed: false,
                    citations: Vec::new(),
                });
            }
            true
        };
        let open = |family: MarkFamily, closers: &'static [&'static str], len: usize, stack: &mut Vec<OpenMark>| {
            if stack.len() < MAX_NESTING {
                stack.push(OpenMark { family, closers, start: at, content: at + len });
            }
        };
        if latex && rest.starts_with("``") {
            open(MarkFamily::Double, &["''", "”"], 2, &mut stack);
            iter.next();
            continue;
        }
        if latex && rest.starts_with("''") {
            if close_with(2, MarkFamily::Double, &mut stack) {
                iter.next();
            }
            continue;
        }
        match c {
            '“' => {
                // “ closes a German „ and otherwise opens.
                let closes_low = stack.iter().any(|m| m.closers.contains(&"“"));
                if !(closes_low && close_with(c.len_utf8(), MarkFamily::Double, &mut stack)) {
                    open(MarkFamily::Double, &["”"], c.len_utf8(), &mut stack);
                }
            }
            '„' => open(MarkFamily::Double, &["“", "”"], c.len_utf8(), &mut stack),
            '”' => {
                close_with(c.len_utf8(), MarkFamily::Double, &mut stack);
            }
            '«' => open(MarkFamily::Double, &["»"], c.len_utf8(), &mut stack),
            '»' => {
                close_with(c.len_utf8(), MarkFamily::Double, &mut stack);
            }
            '‹' => open(MarkFamily::Single, &["›"], c.len_utf8(), &mut stack),
            '›' => {
                close_with(c.len_utf8(), MarkFamily::Single, &mut stack);
            }
            '"' => {
                let has_open = stack.iter().any(|m| m.family == MarkFamily::Double && m.closers.contains(&"\""));
                if has_open && prev.is_some_and(|p| !p.is_whitespace()) {
                    close_with(1, MarkFamily::Double, &mut stack);
                } else if opens_here(prev, next) {
                    open(MarkFamily::Double, &["\""], 1, &mut stack);
                } else if has_open {
                    close_with(1, MarkFamily::Double, &mut stack);
                }
            }
            '‘' | '‚' => {
                if c == '‘' && stack.last().is_some_and(|m| m.closers.contains(&"‘")) {
                    close_with(c.len_utf8(), MarkFamily::Single, &mut stack);
                } else if opens_here(prev, next) {
                    open(MarkFamily::Single, &["’", "‘"], c.len_utf8(), &mut stack);
                }
            }
            '’' | '\'' => {
                let between_letters =
                    prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric);
                let closers: &'static [&'static str] = if c == '’' { &["’"] } else { &["'"] };
                if between_letters {
                    continue; // an apostrophe: don’t, Iran’s
                }
                let has_open = stack.iter().any(|m| m.family == MarkFamily::Single && m.closers.contains(&closers[0]));
                if has_open && prev.is_some_and(|p| !p.is_whitespace()) {
                    close_with(c.len_utf8(), MarkFamily::Single, &mut stack);
                } else if c == '\'' && !latex && opens_here(prev, next) {
                    open(MarkFamily::Single, &["'"], 1, &mut stack);
                } else if c == '\'' && latex && rest.starts_with('\'') && has_open {
                    close_with(1, MarkFamily::Single, &mut stack);
                }
            }
            '`' if latex => open(MarkFamily::Single, &["'"], 1, &mut stack),
            _ => {}
        }
    }
    // An unclosed quote runs to the end of its block, never further.
    if let Some(first) = stack.first() {
        let end = trimmed(prose, first.content..range.end).map_or(first.content, |r| r.end);
        quotes.push(Quotation {
            span: first.start..end,
            content: first.content..end,
            block: false,
            unclosed: true,
            citations: Vec::new(),
        });
    }
}

/// A straight or single mark opens when it follows space or opening punctuation and precedes
/// a non-space.
fn opens_here(prev: Option<char>, next: Option<char>) -> bool {
    let after_space = prev.is_none_or(|p| p.is_whitespace() || "([{—–-/“‘\"'«".contains(p));
    after_space && next.is_some_and(|n| !n.is_whitespace())
}

/// Gives each quote its citations.
fn attach_citations(draft: &mut DraftQuotes, blocks: &[Block]) {
    // Inline quotes made by markup lie inside paragraphs; only the paragraphs and block quotes
    // delimit where a citation reaches.
    let blocks: Vec<&Block> = blocks.iter().filter(|b| b.kind != BlockKind::InlineQuote).collect();
    // Blocks and quotes are sorted by position, so every lookup is a binary search.
    let block_of = |offset: usize| {
        let i = blocks.partition_point(|b| b.range.start <= offset);
        (i > 0 && offset < blocks[i - 1].range.end.max(blocks[i - 1].text.end)).then(|| i - 1)
    };
    let quote_blocks: Vec<Option<usize>> = draft.quotes.iter().map(|q| block_of(q.content.start)).collect();
    for (ci, citation) in draft.citations.iter().enumerate() {
        let at = citation.group.start;
        // Quotes ending at or before the citation.
        let before = draft.quotes.partition_point(|q| q.span.start < at);
        // Inside a block quote's span: the block quote's own attribution (and inside an inline
        // quote made by markup, such as Typst's `#quote(attribution: <key>)[…]`, its own).
        if before > 0 {
            let q = &draft.quotes[before - 1];
            let inside = at < q.content.start || at >= q.content.end;
            if (q.block && at < q.span.end.max(q.content.end) + 1) || (!q.block && inside && at < q.span.end) {
                draft.quotes[before - 1].citations.push(ci);
                continue;
            }
        }
        let block = block_of(at);
        if citation.in_text && block.is_some() {
            // The quote after it in the same sentence.
            let next = before.max(draft.quotes.partition_point(|q| q.span.start < citation.group.end));
            if let Some(q) = draft.quotes.get(next) {
                if quote_blocks[next] == block && !crosses_sentence(&draft.prose[citation.group.end..q.span.start]) {
                    draft.quotes[next].citations.push(ci);
                    continue;
                }
            }
        }
        // The uncited quotes before it in its block, back to the previous cited one.
        let mut attached = false;
        if block.is_some() {
            for qi in (0..before).rev() {
                let quote = &draft.quotes[qi];
                if quote_blocks[qi] != block {
                    break;
                }
                if quote.span.end > at {
                    continue;
                }
                if !quote.citations.is_empty()
                    && !quote.citations.iter().any(|&c| draft.citations[c].group == citation.group)
                {
                    break;
                }
                draft.quotes[qi].citations.push(ci);
                attached = true;
            }
        }
        // A citation standing right after a block quote (an attribution line) cites it.
        if !attached && before > 0 {
            let qi = before - 1;
            let quote = &draft.quotes[qi];
            if quote.block && quote.citations.is_empty() && quote.span.end <= at {
                let between = &draft.prose[quote.span.end..at];
                if between.trim_matches(|c: char| c.is_whitespace() || "—–-".contains(c)).is_empty() {
                    draft.quotes[qi].citations.push(ci);
                }
            }
        }
    }
}

fn crosses_sentence(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(2).any(|w| matches!(w[0], b'.' | b'!' | b'?') && w[1].is_ascii_whitespace())
}

/// The keys of a comma-separated list in `text[list]` (`\cite{a, b}`, `:cite:`a,b``), each with
/// its span, blanks skipped.
pub(crate) fn comma_separated_keys(
    text: &str,
    list: Range<usize>,
) -> impl Iterator<Item = (String, Range<usize>)> + '_ {
    let mut offset = list.start;
    text[list].split(',').filter_map(move |item| {
        let start = offset + (item.len() - item.trim_start().len());
        offset += item.len() + 1;
        let key = item.trim();
        (!key.is_empty()).then(|| (key.to_owned(), start..start + key.len()))
    })
}

/// LaTeX commands whose braced arguments are not prose.
const NON_PROSE_COMMANDS: &[&str] = &[
    "label",
    "ref",
    "eqref",
    "pageref",
    "autoref",
    "cref",
    "Cref",
    "url",
    "includegraphics",
    "input",
    "include",
    "bibliography",
    "addbibresource",
    "bibliographystyle",
    "usepackage",
    "documentclass",
    "begin",
    "end",
    "href",
    "hyperref",
    "newcommand",
    "renewcommand",
    "setlength",
    "vspace",
    "hspace",
    "nocite",
];

const CITE_COMMANDS: &[&str] = &[
    "cite",
    "citep",
    "citet",
    "citealt",
    "citealp",
    "citeauthor",
    "citeyear",
    "parencite",
    "Parencite",
    "textcite",
    "Textcite",
    "autocite",
    "Autocite",
    "footcite",
    "smartcite",
    "supercite",
    "cites",
    "parencites",
    "textcites",
    "autocites",
    "Cite",
    "fullcite",
    "footfullcite",
];

const QUOTE_ENVIRONMENTS: &[&str] = &["quote", "quotation", "displayquote", "verse"];
const MATH_ENVIRONMENTS: &[&str] = &[
    "equation",
    "equation*",
    "align",
    "align*",
    "math",
    "displaymath",
    "eqnarray",
    "eqnarray*",
    "gather",
    "gather*",
    "multline",
    "multline*",
    "verbatim",
    "lstlisting",
    "minted",
    "comment",
];

fn latex_prose(text: &str) -> (String, Vec<Block>, Vec<Citation>) {
    let mut bytes = text.as_bytes().to_vec();
    let mut citations = Vec::new();
    let mut quote_envs: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    let mut env_stack: Vec<(String, usize, usize)> = Vec::new();
    let mut inline_quotes: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text.as_bytes()[i];
        match c {
            b'%' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                blank(&mut bytes, i..end);
                i = end;
            }
            b'$' => {
                let double = text[i..].starts_with("$$");
                let delim = if double { "$$" } else { "$" };
                let from = i + delim.len();
                let end = find_unescaped(text, from, delim).map_or(text.len(), |e| e + delim.len());
                blank(&mut bytes, i..end);
                i = end;
            }
            b'\\' => {
                let name_len = text[i + 1..].bytes().take_while(u8::is_ascii_alphabetic).count();
                if name_len == 0 {
                    let next = text[i + 1..].chars().next();
                    match next {
                        Some('(') | Some('[') => {
                            let closer = if next == Some('(') { "\\)" } else { "\\]" };
                            let end = text[i..].find(closer).map_or(text.len(), |e| i + e + 2);
                            blank(&mut bytes, i..end);
                            i = end;
                        }
                        Some(ch) => {
                            // An escaped character (\%, \&, \\) is text but its backslash is not.
                            blank(&mut bytes, i..i + 1);
                            i += 1 + ch.len_utf8();
                        }
                        None => i += 1,
                    }
                    continue;
                }
                let name = &text[i + 1..i + 1 + name_len];
                let mut after = i + 1 + name_len;
                if text[after..].starts_with('*') {
                    after += 1;
                }
                if name == "begin" || name == "end" {
                    let Some(arg) = braced_arg(text, after) else {
                        blank(&mut bytes, i..after);
                        i = after;
                        continue;
                    };
                    let env = text[arg.start + 1..arg.end - 1].trim().to_owned();
                    if name == "begin" && MATH_ENVIRONMENTS.contains(&env.as_str()) {
                        let end_marker = format!("\\end{{{env}}}");
                        let end =
                            text[arg.end..].find(&end_marker).map_or(text.len(), |e| arg.end + e + end_marker.len());
                        blank(&mut bytes, i..end);
                        i = end;
                        continue;
                    }
                    blank(&mut bytes, i..arg.end);
                    if QUOTE_ENVIRONMENTS.contains(&env.as_str()) {
                        if name == "begin" {
                            env_stack.push((env, i, arg.end));
                        } else if let Some(pos) = env_stack.iter().rposition(|(e, _, _)| *e == env) {
                            let (_, start, content_start) = env_stack.remove(pos);
                            if env_stack.is_empty() {
                                quote_envs.push((start..arg.end, content_start..i));
                            }
                        }
                    }
                    i = arg.end;
                    continue;
                }
                if CITE_COMMANDS.contains(&name) {
                    let mut pos = after;
                    let mut optionals = Vec::new();
                    while let Some(opt) = bracketed_arg(text, pos) {
                        optionals.push(text[opt.start + 1..opt.end - 1].trim().to_owned());
                        pos = opt.end;
                    }
                    if let Some(arg) = braced_arg(text, pos) {
                        let group = i..arg.end;
                        let locator = optionals.last().filter(|s| !s.is_empty()).cloned();
                        let in_text = matches!(name, "textcite" | "Textcite" | "citet" | "citeauthor" | "textcites");
                        citations.extend(comma_separated_keys(text, arg.start + 1..arg.end - 1).map(|(key, span)| {
                            Citation { key, span, group: group.clone(), in_text, locator: locator.clone() }
                        }));
                        blank(&mut bytes, group.clone());
                        i = group.end;
                        continue;
                    }
                }
                if name == "enquote" || name == "textquote" {
                    let mut pos = after;
                    while let Some(opt) = bracketed_arg(text, pos) {
                        pos = opt.end;
                    }
                    if let Some(arg) = braced_arg(text, pos) {
                        blank(&mut bytes, i..arg.start + 1);
                        blank(&mut bytes, arg.end - 1..arg.end);
                        inline_quotes.push((i..arg.end, arg.start + 1..arg.end - 1));
                        // The argument is prose: keep scanning inside it.
                        i = arg.start + 1;
                        continue;
                    }
                }
                blank(&mut bytes, i..after);
                if NON_PROSE_COMMANDS.contains(&name) {
                    let mut pos = after;
                    while let Some(arg) = bracketed_arg(text, pos).or_else(|| braced_arg(text, pos)) {
                        blank(&mut bytes, pos..arg.end);
                        pos = arg.end;
                        if name == "href" {
                            break; // \href{url}{text}: the text is prose
                        }
                    }
                    i = pos;
                } else {
                    i = after;
                }
            }
            b'{' | b'}' | b'~' => {
                bytes[i] = b' ';
                i += 1;
            }
            _ => i += 1,
        }
    }
    let prose = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // Blocks: quote environments are block quotes; the rest splits into paragraphs.
    let mut blocks = Vec::new();
    let mut cursor = 0;
    for (range, content) in &quote_envs {
        blocks.extend(paragraph_blocks(&prose, cursor..range.start));
        if let Some(text) = trimmed(&prose, content.clone()) {
            blocks.push(Block { kind: BlockKind::Quote, range: range.clone(), text });
        }
        cursor = range.end;
    }
    blocks.extend(paragraph_blocks(&prose, cursor..prose.len()));
    for (span, content) in inline_quotes {
        if let Some(text) = trimmed(&prose, content) {
            blocks.push(Block { kind: BlockKind::InlineQuote, range: span.clone(), text });
        }
    }
    blocks.sort_by_key(|b| b.range.start);
    (prose, blocks, citations)
}

fn find_unescaped(text: &str, from: usize, delim: &str) -> Option<usize> {
    let mut pos = from;
    while let Some(found) = text[pos..].find(delim) {
        let at = pos + found;
        if at == 0 || text.as_bytes()[at - 1] != b'\\' {
            return Some(at);
        }
        pos = at + delim.len();
    }
    None
}

/// The `{...}` argument starting at `pos` (after optional spaces), braces included.
fn braced_arg(text: &str, pos: usize) -> Option<Range<usize>> {
    delimited(text, pos, b'{', b'}')
}

fn bracketed_arg(text: &str, pos: usize) -> Option<Range<usize>> {
    delimited(text, pos, b'[', b']')
}

fn delimited(text: &str, pos: usize, open: u8, close: u8) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut start = pos;
    while start < bytes.len() && (bytes[start] == b' ' || bytes[start] == b'\t') {
        start += 1;
    }
    if bytes.get(start) != Some(&open) {
        return None;
    }
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if b == open && (i == 0 || bytes[i - 1] != b'\\') {
            depth += 1;
        } else if b == close && bytes[i - 1] != b'\\' {
            depth -= 1;
            if depth == 0 {
                return Some(start..i + 1);
            }
        } else if b == b'\n' && bytes.get(i + 1) == Some(&b'\n') {
            return None; // arguments never span paragraphs
        }
    }
    None
}
