//! Maps text to comparable words, each with its byte span in the original text.
//!
//! Two texts quote each other when their *words* agree, whatever the typography: case, curly or
//! straight quotes and apostrophes, dash kinds, ligatures and other compatibility forms (NFKC),
//! white space and line breaks, and a source's end-of-line hyphenation (`Ambassa-\ndor` is
//! `ambassador`, while `anti-\nAmericanism` keeps its hyphen and so is `anti` `americanism`, like
//! `anti-Americanism`). Punctuation separates words and is otherwise ignored, which is what lets
//! final punctuation and quote-mark style change silently (Chicago 13.7).
//!
//! Invariant: every word's span indexes the original text, so every result maps back to exact
//! lines and columns. Nothing here allocates per word unless the caller asks for owned words.

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// What a cheap filter before an edit distance needs of a word: two words whose shapes differ
/// too much cannot be one typo apart (see `align::is_typo`), so most pairs never reach it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WordShape {
    /// Byte length, capped at 255 (a filter stays conservative: capping never widens a gap).
    pub len: u8,
    pub first: u8,
    pub last: u8,
    /// The set of its characters, each hashed to one of 32 bits (so a shape is 8 bytes).
    pub letters: u32,
}

impl WordShape {
    pub fn of(word: &str) -> WordShape {
        let bytes = word.as_bytes();
        let letters = if word.is_ascii() {
            bytes.iter().fold(0u32, |set, &b| set | 1 << (b % 32))
        } else {
            word.chars().fold(0u32, |set, c| set | 1 << (c as u32 % 32))
        };
        WordShape {
            len: bytes.len().min(255) as u8,
            first: bytes.first().copied().unwrap_or(0),
            last: bytes.last().copied().unwrap_or(0),
            letters,
        }
    }
}

/// One word of a text: its normalised form and where it stands in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lower-cased, NFKC-folded text with apostrophes unified to `'`.
    pub norm: String,
    /// Byte span in the original text (a hyphenated word spans the line break).
    pub span: Range<usize>,
    /// For a word joined across an end-of-line hyphen: the byte length of its first part in
    /// `norm`. A draft may spell such a word as one (`ambassador`) or, if the hyphen was a real
    /// one (`well-\nknown`), as two; alignment accepts both.
    pub hyphen_split: Option<usize>,
}

/// Calls `emit(norm, span, hyphen_split)` for each word of `text`, in order, reusing one buffer.
///
/// This is the hot path of index building, hence the callback instead of an iterator of owned
/// words.
pub fn for_each_word(text: &str, mut emit: impl FnMut(&str, Range<usize>, Option<usize>)) {
    let bytes = text.as_bytes();
    let mut norm = String::new();
    let mut pos = 0;
    while pos < text.len() {
        // ASCII fast path: most corpus bytes are ASCII, and most of those between words.
        let b = bytes[pos];
        if b < 0x80 && !b.is_ascii_alphanumeric() {
            pos += 1;
            continue;
        }
        let c = char_at(text, pos);
        if !is_word_char(c) {
            pos += c.len_utf8();
            continue;
        }
        norm.clear();
        let start = pos;
        let mut end;
        let mut hyphen_split = None;
        let numeric = c.is_ascii_digit();
        loop {
            // Consume a run of word characters.
            while pos < text.len() {
                let b = bytes[pos];
                if b < 0x80 {
                    if !b.is_ascii_alphanumeric() {
                        break;
                    }
                    norm.push(b.to_ascii_lowercase() as char);
                    pos += 1;
                    continue;
                }
                let c = char_at(text, pos);
                if c == '\u{00AD}' {
                    // A soft hyphen is invisible: it never separates.
                    pos += c.len_utf8();
                    continue;
                }
                if !is_word_char(c) {
                    break;
                }
                push_folded(&mut norm, c);
                pos += c.len_utf8();
            }
            end = pos;
            if pos >= text.len() {
                break;
            }
            let c = char_at(text, pos);
            let after = pos + c.len_utf8();
            // An apostrophe between letters belongs to the word (don’t, Iran’s).
            if is_apostrophe(c) && next_is_letter(text, after) {
                norm.push('\'');
                pos = after;
                continue;
            }
            // A separator inside a number keeps it one word (3.5, 1,000), so a slipped number
            // shows as one replaced word.
            if numeric && (c == '.' || c == ',') && bytes.get(after).is_some_and(u8::is_ascii_digit) {
                if c == '.' {
                    norm.push('.');
                }
                pos = after;
                continue;
            }
            // End-of-line hyphenation: `word-` + line break + lower-case continuation.
            if is_hyphen(c) && hyphen_split.is_none() {
                if let Some(next) = line_break_continuation(text, after) {
                    if char_at(text, next).is_lowercase() {
                        hyphen_split = Some(norm.len());
                        pos = next;
                        continue;
                    }
                }
            }
            break;
        }
        emit(&norm, start..end, hyphen_split);
    }
}

/// All words of `text`, owned. Convenient for drafts and tests; the index uses [`for_each_word`].
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for_each_word(text, |norm, span, hyphen_split| out.push(Word { norm: norm.to_owned(), span, hyphen_split }));
    out
}

/// The normalised form of a single word or phrase, words joined by single spaces.
pub fn normalize_phrase(text: &str) -> String {
    let mut out = String::new();
    for_each_word(text, |norm, _, _| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(norm);
    });
    out
}

/// Whether `c` can be part of a word: letters, digits and combining marks (Persian vowel marks,
/// decomposed accents).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (c as u32 >= 0x300 && is_combining_mark(c))
}

/// Apostrophes and the characters that typesetting and OCR put in their place.
pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{FF07}')
}

/// Every dash and hyphen kind: they all separate words alike.
pub fn is_hyphen(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
            | '\u{FE58}'
            | '\u{FE63}'
            | '\u{FF0D}'
    )
}

fn push_folded(norm: &mut String, c: char) {
    if c.is_ascii() {
        norm.push(c.to_ascii_lowercase());
        return;
    }
    if is_apostrophe(c) {
        norm.push('\'');
        return;
    }
    // NFKC folds ligatures (ﬁ), full-width and other compatibility forms; lower-casing after it
    // makes `ﬁ` and `FI` the same word.
    for folded in std::iter::once(c).nfkc() {
        for lower in folded.to_lowercase() {
            norm.push(lower);
        }
    }
}

/// If a line break (optionally surrounded by spaces) starts at `pos`, the byte offset of the first
/// character after it, provided that character continues a word.
fn line_break_continuation(text: &str, pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = pos;
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    if bytes.get(i) == Some(&b'\r') {
        i += 1;
    }
    if bytes.get(i) != Some(&b'\n') {
        return None;
    }
    i += 1;
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    (i < bytes.len() && is_word_char(char_at(text, i))).then_some(i)
}

fn next_is_letter(text: &str, pos: usize) -> bool {
    pos < text.len() && char_at(text, pos).is_alphabetic()
}

fn char_at(text: &str, pos: usize) -> char {
    // Callers only pass char boundaries inside the text.
    text[pos..].chars().next().unwrap_or('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.norm).collect()
    }

    #[test]
    fn case_quotes_and_apostrophes_fold() {
        assert_eq!(norms("The MEK’s “Cult”"), norms("the mek's \"cult\""));
        assert_eq!(norms("don’t"), vec!["don't"]);
    }

    #[test]
    fn dashes_of_every_kind_separate_alike() {
        let expected = vec!["iran", "iraq", "war"];
        assert_eq!(norms("Iran–Iraq war"), expected);
        assert_eq!(norms("Iran-Iraq war"), expected);
        assert_eq!(norms("Iran—Iraq war"), expected);
    }

    #[test]
    fn ligatures_and_full_width_forms_fold() {
        assert_eq!(norms("ﬁnal ｏｆｆｉｃｅ"), vec!["final", "office"]);
    }

    #[test]
    fn end_of_line_hyphenation_joins_lower_case_continuations() {
        let text = "the U.S. Ambassa-\ndor to Iraq";
        let ws = words(text);
        let ambassador = ws.iter().find(|w| w.norm == "ambassador").expect("joined word");
        assert_eq!(&text[ambassador.span.clone()], "Ambassa-\ndor");
        assert_eq!(ambassador.hyphen_split, Some("ambassa".len()));
    }

    #[test]
    fn hyphen_before_capital_is_a_real_hyphen() {
        assert_eq!(norms("increase anti-\nAmericanism"), norms("increase anti-Americanism"));
    }

    #[test]
    fn hyphenation_tolerates_trailing_spaces_and_crlf() {
        assert_eq!(norms("Ambassa- \r\n  dor"), vec!["ambassador"]);
    }

    #[test]
    fn numbers_stay_whole() {
        assert_eq!(norms("3.5 percent of 1,000 members."), vec!["3.5", "percent", "of", "1000", "members"]);
    }

    #[test]
    fn persian_words_keep_their_spans() {
        let text = "(Persian: سازمان مجاهدین خلق ایران, romanized)";
        let ws = words(text);
        assert_eq!(ws[1].norm, "سازمان");
        assert_eq!(&text[ws[1].span.clone()], "سازمان");
        assert_eq!(&text[ws[4].span.clone()], "ایران");
    }

    #[test]
    fn soft_hyphen_is_invisible() {
        assert_eq!(norms("demo\u{00AD}cracy"), vec!["democracy"]);
    }
}
