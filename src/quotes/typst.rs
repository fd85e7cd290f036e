//! Typst drafts: markup is prose; code, math, raw text, comments, labels and markup markers are
//! blanked.
//!
//! Quotations are `"…"` (Typst's smart quotes, so the same marks as any other draft) and the
//! `#quote[…]` element: inline by default, a block quote with `block: true`. Its
//! `attribution: <key>` or `attribution: [@key]` cites the quote. Citations are references
//! `@key` (with an optional supplement `@key[p. 3]`) and `#cite(<key>)`; both are parenthetical
//! unless `form: "prose"` says otherwise, so they attach like Pandoc's `[@key]`. `//` and
//! `/* */` comments, `$…$` math, `` `raw` `` and fenced raw blocks, `<labels>` and every other
//! `#` code expression (`#set`, `#let`, `#image(…)`) are not prose; the content blocks `[…]` of
//! function calls are.

use std::ops::Range;

use super::{blank, paragraph_blocks, trimmed, Block, BlockKind, Citation};

/// A `#quote` call found while scanning.
struct QuoteCall {
    /// From `#` to the closing `]`.
    range: Range<usize>,
    /// Inside the brackets.
    content: Range<usize>,
    block: bool,
}

/// An open `[` of a call's content block: its `]` is markup too.
struct OpenContent {
    /// Bracket depth of prose brackets (`[sic]`) opened inside it.
    depth: usize,
    /// The `#quote` this bracket belongs to, as an index into `quotes`.
    quote: Option<usize>,
}

pub(super) fn typst_prose(text: &str) -> (String, Vec<Block>, Vec<Citation>) {
    let mut bytes = text.as_bytes().to_vec();
    let mut citations = Vec::new();
    let mut quotes: Vec<QuoteCall> = Vec::new();
    let mut open: Vec<OpenContent> = Vec::new();
    let src = text.as_bytes();
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'\\' => {
                // An escaped character is text; its backslash (or a line-break backslash) is not.
                blank(&mut bytes, i..i + 1);
                i += 1 + text[i + 1..].chars().next().map_or(0, char::len_utf8);
            }
            b'/' if text[i..].starts_with("//") && !after_url_scheme(text, i) => {
                let end = line_end(text, i);
                blank(&mut bytes, i..end);
                i = end;
            }
            b'/' if text[i..].starts_with("/*") => {
                let end = block_comment_end(text, i);
                blank(&mut bytes, i..end);
                i = end;
            }
            b'$' => {
                let end = find_unescaped_byte(src, i + 1, b'$').map_or(text.len(), |e| e + 1);
                blank(&mut bytes, i..end);
                i = end;
            }
            b'`' => {
                let end = raw_end(text, i);
                blank(&mut bytes, i..end);
                i = end;
            }
            b'<' => {
                if let Some(end) = label_end(text, i) {
                    blank(&mut bytes, i..end);
                    i = end;
                } else {
                    i += 1;
                }
            }
            b'@' if text[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric()) => {
                let Some(key) = typst_key(text, i + 1) else {
                    i += 1;
                    continue;
                };
                let mut group = i..key.end;
                let mut locator = None;
                if src.get(key.end) == Some(&b'[') {
                    if let Some(close) = matching_bracket(src, key.end) {
                        let supplement = text[key.end + 1..close].trim();
                        locator = (!supplement.is_empty()).then(|| supplement.to_owned());
                        group = i..close + 1;
                    }
                }
                citations.push(Citation {
                    key: text[key.clone()].to_owned(),
                    span: key,
                    group: group.clone(),
                    in_text: false,
                    locator,
                });
                blank(&mut bytes, group.clone());
                i = group.end;
            }
            b'#' => {
                i = code_expression(text, i, &mut bytes, &mut citations, &mut quotes, &mut open);
            }
            b'[' => {
                if let Some(top) = open.last_mut() {
                    top.depth += 1;
                }
                i += 1;
            }
            b']' => {
                match open.last_mut() {
                    Some(top) if top.depth > 0 => top.depth -= 1,
                    Some(_) => {
                        let closed = open.pop().expect("checked");
                        bytes[i] = b' ';
                        if let Some(q) = closed.quote {
                            quotes[q].range.end = i + 1;
                            quotes[q].content.end = i;
                        }
                    }
                    None => {}
                }
                i += 1;
            }
            b'*' | b'_' => {
                // Strong and emphasis markers.
                bytes[i] = b' ';
                i += 1;
            }
            b'=' if at_line_start(text, i) => {
                // A heading's `=` markers.
                let n = src[i..].iter().take_while(|&&b| b == b'=').count();
                blank(&mut bytes, i..i + n);
                i += n;
            }
            _ => i += 1,
        }
    }
    let prose = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // Block quotes are blocks of their own; the rest splits into paragraphs. Inline quotes sit
    // inside their paragraph.
    let mut blocks = Vec::new();
    let mut cursor = 0;
    let mut block_quotes: Vec<&QuoteCall> = quotes.iter().filter(|q| q.block && q.content.end > 0).collect();
    block_quotes.sort_by_key(|q| q.range.start);
    for quote in block_quotes {
        if quote.range.start < cursor {
            continue; // nested in an earlier block quote
        }
        blocks.extend(paragraph_blocks(&prose, cursor..quote.range.start));
        if let Some(content) = trimmed(&prose, quote.content.clone()) {
            blocks.push(Block { kind: BlockKind::Quote, range: quote.range.clone(), text: content });
        }
        cursor = quote.range.end;
    }
    blocks.extend(paragraph_blocks(&prose, cursor..prose.len()));
    for quote in quotes.iter().filter(|q| !q.block && q.content.end > 0) {
        if let Some(content) = trimmed(&prose, quote.content.clone()) {
            blocks.push(Block { kind: BlockKind::InlineQuote, range: quote.range.clone(), text: content });
        }
    }
    blocks.sort_by_key(|b| b.range.start);
    (prose, blocks, citations)
}

/// Handles a `#` code expression starting at `start`; returns where prose resumes.
fn code_expression(
    text: &str,
    start: usize,
    bytes: &mut [u8],
    citations: &mut Vec<Citation>,
    quotes: &mut Vec<QuoteCall>,
    open: &mut Vec<OpenContent>,
) -> usize {
    let src = text.as_bytes();
    let name_start = start + 1;
    let name_len = src[name_start..]
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        .count();
    let name = text[name_start..name_start + name_len].trim_end_matches('.');
    let mut pos = name_start + name.len();
    match src.get(name_start) {
        Some(b'{') | Some(b'(') => {
            // `#{ code }` or `#( expression )`.
            let end = matching_any(src, name_start).map_or(line_end(text, start), |e| e + 1);
            blank(bytes, start..end);
            return end;
        }
        _ if name.is_empty() => return start + 1, // a literal `#`
        _ => {}
    }
    if matches!(name, "set" | "show" | "let" | "import" | "include" | "bibliography" | "pagebreak" | "outline") {
        // Statements run to the end of their line, and over any bracket or parenthesis they open.
        let mut end = pos;
        while end < src.len() && src[end] != b'\n' {
            if matches!(src[end], b'(' | b'[' | b'{') {
                end = matching_any(src, end).map_or(end + 1, |e| e + 1);
            } else if src[end] == b'"' {
                end = string_end(src, end);
            } else {
                end += 1;
            }
        }
        blank(bytes, start..end);
        return end;
    }
    // A function call: `(args)` is code, `[content]` is prose; several may follow each other.
    blank(bytes, start..pos);
    let mut args: Option<Range<usize>> = None;
    if src.get(pos) == Some(&b'(') {
        let end = matching_any(src, pos).map_or(line_end(text, pos), |e| e + 1);
        args = Some(pos..end);
        blank(bytes, pos..end);
        pos = end;
    }
    let args_text = args.clone().map(|a| &text[a]).unwrap_or_default();
    let args_start = args.as_ref().map_or(pos, |a| a.start);
    match name {
        "cite" => {
            let form_prose = args_text.contains("\"prose\"");
            let locator = named_content(args_text, "supplement").map(|s| s.trim().to_owned());
            for (key, group) in arg_keys(args_text, args_start) {
                citations.push(Citation {
                    key: text[key.clone()].to_owned(),
                    span: key,
                    group: start..args.as_ref().map_or(group.end, |a| a.end),
                    in_text: form_prose,
                    locator: locator.clone().filter(|l| !l.is_empty()),
                });
            }
        }
        "quote" => {
            let block = args_text.split(',').any(|a| {
                let a = a.trim_matches(|c: char| c.is_whitespace() || c == '(' || c == ')');
                a.strip_prefix("block")
                    .is_some_and(|v| v.trim_start().strip_prefix(':').is_some_and(|v| v.trim() == "true"))
            });
            if let Some(at) = args_text.find("attribution") {
                let from = args_start + at;
                for (key, group) in arg_keys(&text[from..args_start + args_text.len()], from)
                    .into_iter()
                    .chain(at_keys(&text[from..args_start + args_text.len()], from))
                    .take(1)
                {
                    citations.push(Citation {
                        key: text[key.clone()].to_owned(),
                        span: key,
                        group,
                        in_text: false,
                        locator: None,
                    });
                }
            }
            if src.get(pos) == Some(&b'[') {
                bytes[pos] = b' ';
                quotes.push(QuoteCall { range: start..pos + 1, content: pos + 1..0, block });
                open.push(OpenContent { depth: 0, quote: Some(quotes.len() - 1) });
                return pos + 1;
            }
            return pos;
        }
        _ => {}
    }
    if src.get(pos) == Some(&b'[') {
        bytes[pos] = b' ';
        open.push(OpenContent { depth: 0, quote: None });
        return pos + 1;
    }
    pos
}

/// Keys written as labels `<key>` or strings `"key"` in call arguments, with their spans.
fn arg_keys(args: &str, offset: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let mut keys = Vec::new();
    let bytes = args.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            if let Some(end) = label_end(args, i) {
                keys.push((offset + i + 1..offset + end - 1, offset + i..offset + end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if keys.is_empty() {
        // The older `#cite("key")` form: the first positional string.
        let positional = args.trim_start_matches('(').trim_start();
        if let Some(rest) = positional.strip_prefix('"') {
            if let Some(len) = rest.find('"') {
                let at = args.len() - positional.len() + 1;
                keys.push((offset + at..offset + at + len, offset + at - 1..offset + at + len + 1));
            }
        }
    }
    keys
}

/// `@key` references inside a content argument such as `attribution: [@key]`.
fn at_keys(args: &str, offset: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let mut keys = Vec::new();
    for (i, _) in args.match_indices('@') {
        if let Some(key) = typst_key(args, i + 1) {
            keys.push((offset + key.start..offset + key.end, offset + i..offset + key.end));
        }
    }
    keys
}

/// The content of a named argument `name: [...]`, if any.
fn named_content<'a>(args: &'a str, name: &str) -> Option<&'a str> {
    let at = args.find(name)?;
    let rest = args[at + name.len()..].trim_start().strip_prefix(':')?.trim_start();
    let open = args.len() - rest.len();
    if rest.starts_with('[') {
        let close = matching_bracket(args.as_bytes(), open)?;
        Some(&args[open + 1..close])
    } else if let Some(inner) = rest.strip_prefix('"') {
        inner.find('"').map(|end| &inner[..end])
    } else {
        None
    }
}

/// A Typst label or reference name: letters, digits, `_`, `-`, `.` and `:`, not ending in
/// punctuation (`see @smith.` cites `smith`).
fn typst_key(text: &str, start: usize) -> Option<Range<usize>> {
    super::key_at(text, start, "-.:")
}

/// The end of a label `<name>` starting at `start`, if it is one.
fn label_end(text: &str, start: usize) -> Option<usize> {
    let key = typst_key(text, start + 1)?;
    // Labels may end in punctuation that references may not: take the whole run.
    let run = text[key.start..].find(|c: char| !(c.is_alphanumeric() || "_-.:".contains(c)))? + key.start;
    (text.as_bytes().get(run) == Some(&b'>')).then_some(run + 1)
}

fn after_url_scheme(text: &str, at: usize) -> bool {
    text[..at].ends_with(':')
        && text[..at].rsplit(|c: char| !c.is_ascii_alphanumeric() && c != ':').next().is_some_and(|w| {
            let w = w.trim_end_matches(':');
            w.eq_ignore_ascii_case("http") || w.eq_ignore_ascii_case("https")
        })
}

fn at_line_start(text: &str, at: usize) -> bool {
    text[..at].rsplit('\n').next().is_some_and(|before| before.trim().is_empty())
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |n| from + n)
}

/// The end of a (nested) `/* */` comment starting at `start`.
fn block_comment_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    text.len()
}

/// The end of raw text starting at a backtick: the same number of backticks closes it.
fn raw_end(text: &str, start: usize) -> usize {
    let ticks = text.as_bytes()[start..].iter().take_while(|&&b| b == b'`').count();
    if ticks == 2 {
        return start + 2; // an empty raw span
    }
    let fence = &text[start..start + ticks];
    let from = start + ticks;
    match text[from..].find(fence) {
        Some(at) if ticks >= 3 || !text[from..from + at].contains("\n\n") => from + at + ticks,
        _ => from,
    }
}

fn find_unescaped_byte(bytes: &[u8], from: usize, target: u8) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == target {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The end of a code string literal starting at `start` (just after its closing quote).
fn string_end(bytes: &[u8], start: usize) -> usize {
    find_unescaped_byte(bytes, start + 1, b'"').map_or(bytes.len(), |e| e + 1)
}

/// The `]` matching the `[` at `open` (prose brackets nest; escaped ones do not count).
fn matching_bracket(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The closer matching the `(`, `[` or `{` at `open` in code: strings are skipped and all three
/// kinds nest.
fn matching_any(bytes: &[u8], open: usize) -> Option<usize> {
    let mut stack: Vec<u8> = Vec::new();
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if stack.last() != Some(&b']') => {
                i = string_end(bytes, i);
                continue;
            }
            b'\\' => i += 1,
            b'(' => stack.push(b')'),
            b'[' => stack.push(b']'),
            b'{' => stack.push(b'}'),
            c @ (b')' | b']' | b'}') if stack.last() == Some(&c) => {
                stack.pop();
                if stack.is_empty() {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_keeps_length_and_blanks_code() {
        let text = "#set page(width: 10cm)\n= Intro\nSome $x^2$ and `raw \"q\"` // note\nend /* c */ here.";
        let (prose, _, _) = typst_prose(text);
        assert_eq!(prose.len(), text.len());
        assert!(!prose.contains("set page"));
        assert!(!prose.contains("x^2"));
        assert!(!prose.contains("raw"));
        assert!(!prose.contains("note"));
        assert!(prose.contains("Intro") && prose.contains("Some") && prose.contains("here."));
    }

    #[test]
    fn references_and_cite_calls_are_citations() {
        let text = "As @smith2020[p. 3] and #cite(<jones>, form: \"prose\") said.";
        let (_, _, citations) = typst_prose(text);
        assert_eq!(citations.len(), 2);
        assert_eq!(citations[0].key, "smith2020");
        assert_eq!(citations[0].locator.as_deref(), Some("p. 3"));
        assert!(!citations[0].in_text);
        assert_eq!(citations[1].key, "jones");
        assert!(citations[1].in_text);
    }

    #[test]
    fn url_slashes_are_not_comments() {
        let (prose, _, _) = typst_prose("see https://example.org/x for more");
        assert!(prose.contains("for more"));
    }
}
