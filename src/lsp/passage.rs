//! Sentences and paragraphs of a source text, for hover context, quote continuations and
//! symbol names; and Markdown escaping for what hovers show.
//!
//! Sentence ends are found by a small heuristic (`.`, `!`, `?` or `…`, then closing quotes or
//! brackets, then white space and no lower-case letter; initials like `U.S.` do not end one).
//! Paragraphs end at blank lines. Both are bounded so a huge paragraph costs little.

use std::ops::Range;

/// How far around a span paragraph searches look (bytes).
const REACH: usize = 4000;

/// The paragraph around `span`: after the previous blank line, before the next one, bounded.
pub fn paragraph(text: &str, span: Range<usize>) -> Range<usize> {
    let start = floor(text, span.start.saturating_sub(REACH));
    let end = floor(text, (span.end + REACH).min(text.len()));
    let before = &text[start..floor(text, span.start.min(text.len()))];
    let para_start = before.rfind("\n\n").or_else(|| before.rfind("\n\r\n")).map_or(start, |i| start + i + 1);
    let after_start = floor(text, span.end.min(text.len()));
    let after = &text[after_start..end];
    let para_end = after.find("\n\n").or_else(|| after.find("\r\n\r\n")).map_or(end, |i| after_start + i);
    para_start..para_end
}

/// Offsets just after each sentence end inside `range`.
pub fn sentence_ends(text: &str, range: Range<usize>) -> Vec<usize> {
    let mut ends = Vec::new();
    let slice = &text[range.clone()];
    let mut chars = slice.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        if c == '.' && is_initial(slice, i) {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, next)) = chars.peek() {
            if matches!(next, '”' | '’' | '"' | '\'' | ')' | ']' | '»') {
                end = j + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = &slice[end..];
        let next_visible = rest.trim_start().chars().next();
        let spaced = rest.is_empty() || rest.starts_with(char::is_whitespace);
        if spaced && !next_visible.is_some_and(char::is_lowercase) {
            ends.push(range.start + end);
        }
    }
    ends
}

/// `U.S.`, `J. Smith`: a single capital letter before the period.
fn is_initial(slice: &str, period: usize) -> bool {
    let mut before = slice[..period].chars().rev();
    match (before.next(), before.next()) {
        (Some(a), None) => a.is_uppercase(),
        (Some(a), Some(b)) => a.is_uppercase() && !b.is_alphanumeric(),
        _ => false,
    }
}

/// The span with one sentence of context either side (within its paragraph): `(before,
/// after)` ranges around `span`.
pub fn context(text: &str, span: Range<usize>) -> (Range<usize>, Range<usize>) {
    let para = paragraph(text, span.clone());
    let ends = sentence_ends(text, para.clone());
    // Sentence containing the span's start, then the one before it.
    let own_start = ends.iter().rev().copied().find(|&e| e <= span.start).unwrap_or(para.start);
    let before_start = ends.iter().rev().copied().find(|&e| e < own_start).unwrap_or(para.start);
    let before_start = if own_start == para.start { own_start } else { before_start };
    // Sentence containing the span's end, then the one after it.
    let own_end = ends.iter().copied().find(|&e| e >= span.end).unwrap_or(para.end);
    let after_end = ends.iter().copied().find(|&e| e > own_end).unwrap_or(para.end);
    let after_end = if own_end == para.end { own_end } else { after_end };
    (before_start..span.start, span.end..after_end.max(span.end))
}

/// The end of the sentence that is running at `offset`.
pub fn sentence_end(text: &str, offset: usize) -> usize {
    let para = paragraph(text, offset..offset);
    sentence_ends(text, offset..para.end.max(offset)).first().copied().unwrap_or(para.end.max(offset))
}

/// Folds white space and rejoins words hyphenated across a line break (`repu-\ntation`).
pub fn readable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("-\n") {
        let (head, tail) = rest.split_at(i);
        let after = tail[2..].trim_start_matches([' ', '\t', '\r']);
        out.push_str(head);
        if after.starts_with(char::is_lowercase) && head.ends_with(char::is_alphabetic) {
            rest = after;
        } else {
            out.push_str("-\n");
            rest = &tail[2..];
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text`, cut at a word boundary with `…`.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", cut.trim_end())
}

/// Escapes the characters Markdown would read as markup.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '#' | '|' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn floor(text: &str, offset: usize) -> usize {
    crate::lines::floor_char_boundary(text, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "First one. Any U.S. support for MEK would damage it. Third “here.” Fourth?\n\nNext para.";

    #[test]
    fn context_is_one_sentence_either_side() {
        let start = TEXT.find("support").unwrap();
        let span = start..start + "support for MEK".len();
        let (before, after) = context(TEXT, span);
        assert_eq!(&TEXT[before], "First one. Any U.S. ");
        assert_eq!(&TEXT[after], " would damage it. Third “here.”");
        assert_eq!(sentence_end(TEXT, start), TEXT.find(" Third").unwrap());
        assert_eq!(paragraph(TEXT, 0..1).end, TEXT.find("\n\n").unwrap());
    }

    #[test]
    fn readable_rejoins_hyphenated_words() {
        assert_eq!(readable("its repu-\ntation  amongst\nIranians"), "its reputation amongst Iranians");
        assert_eq!(readable("Iran-\nIraq"), "Iran- Iraq");
        assert_eq!(escape_markdown("a *b* [c]"), "a \\*b\\* \\[c\\]");
        assert_eq!(excerpt("one two three four", 9), "one two…");
    }
}
