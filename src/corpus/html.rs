//! HTML sources: the page's text, laid out where it stands in the file.
//!
//! The file is tokenised with `html5gum` (a WHATWG tokenizer that gives every token its byte
//! span). The extracted text is a copy of the file of the same byte length: markup, comments,
//! `<head>`, scripts, styles and other non-text elements become spaces (line breaks kept); each
//! character reference (`&eacute;`, `&#8220;`) becomes its character padded with spaces, which
//! always fits, as a reference is never shorter than its UTF-8. So every word's span in the text
//! is its span in the file, and [`StandIn`]s let line/column positions count characters as the
//! file has them.
//!
//! Metadata comes from `<title>` and `<meta>`: `og:title`, `author`/`article:author`,
//! `article:published_time`/`date`, `og:url`/`<link rel=canonical>`, `og:site_name`.

use html5gum::{DefaultEmitter, Token, Tokenizer};

use super::SourceMeta;
use crate::lines::StandIn;

/// Elements whose content is not the page's text.
const SKIPPED: &[&[u8]] = &[
    b"head",
    b"script",
    b"style",
    b"noscript",
    b"template",
    b"svg",
    b"math",
    b"nav",
    b"button",
    b"select",
    b"textarea",
    b"iframe",
    b"object",
];

pub(super) struct HtmlText {
    /// The file with everything but its text blanked: same byte length and line breaks.
    pub text: String,
    pub stand_ins: Vec<StandIn>,
    pub meta: SourceMeta,
}

pub(super) fn html_text(file: &str) -> HtmlText {
    let mut bytes: Vec<u8> = file.bytes().map(|b| if b == b'\n' || b == b'\r' { b } else { b' ' }).collect();
    let mut stand_ins = Vec::new();
    // Markup blanked to spaces: a non-ASCII character there is one character in the file but
    // several spaces in the text.
    for (i, c) in file.char_indices().filter(|(_, c)| !c.is_ascii()) {
        stand_ins.push(StandIn { range: i..i + c.len_utf8(), chars: 1, utf16: c.len_utf16() as u32 });
    }
    let mut meta = SourceMeta::default();
    let mut og_title = None;
    let mut title = String::new();
    let mut in_title = false;
    let mut skipping: Vec<Vec<u8>> = Vec::new();
    let mut emitter = DefaultEmitter::<usize>::new_with_span();
    emitter.naively_switch_states(true);
    let mut text_runs = Vec::new();
    for token in Tokenizer::new_with_emitter(file, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                let attr = |key: &str| {
                    tag.attributes.get(key.as_bytes()).map(|v| String::from_utf8_lossy(&v.value).trim().to_owned())
                };
                match name.as_slice() {
                    b"title" => in_title = !tag.self_closing,
                    b"meta" => {
                        let property = attr("property").or_else(|| attr("name")).unwrap_or_default().to_lowercase();
                        let content = attr("content").filter(|c| !c.is_empty());
                        let slot = match property.as_str() {
                            "og:title" | "citation_title" | "dc.title" => &mut og_title,
                            "author" | "article:author" | "citation_author" | "dc.creator" => &mut meta.author,
                            "article:published_time" | "citation_date" | "date" | "dc.date" => &mut meta.date,
                            "og:url" => &mut meta.url,
                            "og:site_name" => &mut meta.container,
                            _ => continue,
                        };
                        if slot.is_none() {
                            *slot = content;
                        }
                    }
                    b"link"
                        if meta.url.is_none() && attr("rel").is_some_and(|r| r.eq_ignore_ascii_case("canonical")) =>
                    {
                        meta.url = attr("href");
                    }
                    _ => {}
                }
                if SKIPPED.contains(&name.as_slice()) && !tag.self_closing {
                    skipping.push(name);
                }
            }
            Token::EndTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                if name == b"title" {
                    in_title = false;
                }
                if let Some(open) = skipping.iter().rposition(|s| *s == name) {
                    skipping.truncate(open);
                }
            }
            Token::String(run) => {
                let decoded = String::from_utf8_lossy(&run.value);
                if in_title {
                    title.push_str(&decoded);
                } else if skipping.is_empty() {
                    text_runs.push((run.span.start..run.span.end, decoded.into_owned()));
                }
            }
            _ => {}
        }
    }
    // Text runs keep their characters: drop the markup stand-ins inside them, then lay them out.
    stand_ins.retain(|s| {
        let i = text_runs.partition_point(|(r, _)| r.end <= s.range.start);
        text_runs.get(i).is_none_or(|(r, _)| s.range.start < r.start)
    });
    for (span, decoded) in &text_runs {
        lay_out(file, span.clone(), decoded, &mut bytes, &mut stand_ins);
    }
    stand_ins.sort_by_key(|s| s.range.start);
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    meta.title = og_title.or((!title.is_empty()).then_some(title));
    let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    HtmlText { text, stand_ins, meta }
}

/// Writes a text run into `bytes` at its span: characters as in the file, each character
/// reference as its decoded character(s) padded with spaces. `decoded` is the tokenizer's
/// reading of `file[span]`, which differs from it only at references and line breaks.
fn lay_out(file: &str, span: std::ops::Range<usize>, decoded: &str, bytes: &mut [u8], stand_ins: &mut Vec<StandIn>) {
    let raw = file.as_bytes().get(span.clone()).unwrap_or_default();
    let dec = decoded.as_bytes();
    let base = span.start;
    let (mut i, mut j) = (0, 0);
    while i < raw.len() && j < dec.len() {
        if raw[i] == b'\r' && dec[j] == b'\n' {
            // The tokenizer reads CRLF and CR as LF; the file's bytes stay.
            i += if raw.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            j += 1;
            continue;
        }
        if raw[i] == b'&' {
            let name_end = i + 1 + raw[i + 1..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'#').count();
            let reference_end = if raw.get(name_end) == Some(&b';') { name_end + 1 } else { name_end };
            if reference_end > i + 1 && !dec[j..].starts_with(&raw[i..reference_end]) {
                if let Some((end, produced)) = reference_extent(raw, i, name_end, reference_end, &decoded[j..]) {
                    super::write_padded(&mut bytes[base + i..base + end], &decoded[j..j + produced]);
                    let len = (end - i) as u32;
                    stand_ins.push(StandIn { range: base + i..base + end, chars: len, utf16: len });
                    i = end;
                    j += produced;
                    continue;
                }
            }
        }
        let len = utf8_len(raw[i]);
        if dec[j..].starts_with(&raw[i..(i + len).min(raw.len())]) {
            bytes[base + i..base + i + len].copy_from_slice(&raw[i..i + len]);
            j += len;
        } else {
            // A character the tokenizer replaced (a NUL): not text.
            j += utf8_len(dec[j]);
        }
        i += len;
    }
}

/// Where a character reference starting at `raw[at]` ends and how many bytes of `decoded` it
/// produced: one character (two for the few references that stand for a pair), and for a legacy
/// reference without `;` (`&copy2`) only as much of the name as the rest leaves literal.
fn reference_extent(
    raw: &[u8],
    at: usize,
    name_end: usize,
    reference_end: usize,
    decoded: &str,
) -> Option<(usize, usize)> {
    let mut chars = decoded.char_indices().map(|(i, c)| i + c.len_utf8());
    let one = chars.next()?;
    let two = chars.next();
    let consistent = |produced: usize, end: usize| {
        let rest = &decoded.as_bytes()[produced..];
        match raw.get(end) {
            None => true,
            Some(&b'&') | Some(&b'\r') => true,
            Some(&next) => rest.first() == Some(&next),
        }
    };
    if reference_end > name_end {
        // Terminated by `;`: the whole reference; one character unless the next byte says two.
        let produced = match two {
            Some(two) if !consistent(one, reference_end) && consistent(two, reference_end) => two,
            _ => one,
        };
        return Some((reference_end, produced));
    }
    // No `;`: the shortest name after which the rest of the run reads literally.
    let rest = &decoded.as_bytes()[one..];
    (at + 2..=name_end).find(|&end| rest.starts_with(&raw[end..name_end])).map(|end| (end, one))
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{ColumnUnit, LineIndex};

    #[test]
    fn text_keeps_the_files_offsets_and_references_are_decoded() {
        let file = "<html><head><title>A &amp; B</title><script>var q = \"x\";</script></head>\n<body><p class=\"lead\">Caf&eacute; &ldquo;au lait&rdquo; &copy2 a&b</p></body></html>\n";
        let html = html_text(file);
        assert_eq!(html.text.len(), file.len());
        assert_eq!(html.meta.title.as_deref(), Some("A & B"));
        assert!(!html.text.contains("var q") && !html.text.contains("lead") && !html.text.contains('<'));
        let words: Vec<String> = crate::normalize::words(&html.text).into_iter().map(|w| w.norm).collect();
        assert_eq!(words, ["café", "au", "lait", "2", "a", "b"]);
        let cafe = crate::normalize::words(&html.text)[0].span.clone();
        assert_eq!(&file[cafe], "Caf&eacute;", "a word's span is its span in the file");
        // `lait` is where the file has it, and its column counts the file's characters.
        let lait = html.text.find("lait").unwrap();
        assert_eq!(&file[lait..lait + 4], "lait");
        let index = LineIndex::for_extract(&html.text, 0, html.stand_ins.clone());
        let pos = index.position(&html.text, lait, ColumnUnit::Char);
        assert_eq!((pos.line, pos.col as usize), (1, file.lines().nth(1).unwrap().find("lait").unwrap()));
    }
}
