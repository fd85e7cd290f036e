//! Org drafts: paragraphs, headlines, lists and tables are prose; blocks of code, examples and
//! comments, `#` comment lines, `#+KEY:` lines, drawers, `~code~`, `=verbatim=` and link
//! targets are not.
//!
//! `#+begin_quote` … `#+end_quote` (any case) is a block quote; a closing line starting with a
//! dash (`-- Name [cite:@key]`) is its attribution and cites it. Citations are Org 9.5's
//! `[cite:@key]`, `[cite:@a;@b]`, `[cite:see @a p. 3]` (prefix `see`, locator `p. 3`) and the
//! in-text style `[cite/t:@key]`. `#+bibliography:` lines name the draft's bibliographies.

use std::ops::Range;

use super::{blank, paragraph_blocks, Block, BlockKind, Citation};

/// Block types whose contents are not prose.
const VERBATIM_BLOCKS: &[&str] = &["src", "example", "comment", "export"];

pub(super) fn org_prose(text: &str) -> (String, Vec<Block>, Vec<Citation>) {
    let mut bytes = text.as_bytes().to_vec();
    let mut quotes: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    // An open `#+begin_NAME` block: its name, its start, where its content starts.
    let mut open: Option<(String, usize, usize)> = None;
    let mut in_drawer = false;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line = offset..offset + raw.trim_end_matches(['\n', '\r']).len();
        offset += raw.len();
        let content = &text[line.clone()];
        let trimmed = content.trim_start();
        let lower = trimmed.to_ascii_lowercase();
        if let Some((name, start, content_start)) = &open {
            if let Some(ended) = lower.strip_prefix("#+end_") {
                if ended.trim() == name.as_str() {
                    if name == "quote" {
                        quotes.push((*start..line.end, *content_start..line.start));
                    }
                    blank(&mut bytes, line.clone());
                    open = None;
                }
                continue;
            }
            if VERBATIM_BLOCKS.contains(&name.as_str()) {
                blank(&mut bytes, line.clone());
            }
            continue;
        }
        if in_drawer {
            blank(&mut bytes, line.clone());
            if trimmed.trim_end().eq_ignore_ascii_case(":end:") {
                in_drawer = false;
            }
            continue;
        }
        if let Some(rest) = lower.strip_prefix("#+begin_") {
            let name = rest.split_whitespace().next().unwrap_or_default().to_owned();
            blank(&mut bytes, line.clone());
            open = Some((name, line.start + (content.len() - trimmed.len()), line.end + 1));
            continue;
        }
        if trimmed.starts_with("#+") || trimmed == "#" || trimmed.starts_with("# ") {
            blank(&mut bytes, line.clone());
            continue;
        }
        if is_drawer_start(trimmed) {
            blank(&mut bytes, line.clone());
            in_drawer = true;
            continue;
        }
        if is_planning_line(trimmed) {
            blank(&mut bytes, line.clone());
            continue;
        }
        if content.starts_with('*') {
            // A headline: its stars and trailing tags are markup.
            let stars = content.bytes().take_while(|&b| b == b'*').count();
            if content.as_bytes().get(stars) == Some(&b' ') {
                blank(&mut bytes, line.start..line.start + stars);
                let body = content.trim_end();
                if body.ends_with(':') {
                    if let Some(space) = body.rfind([' ', '\t']) {
                        let tags = &body[space + 1..];
                        if tags.len() > 2 && tags.starts_with(':') && !tags.contains(' ') {
                            blank(&mut bytes, line.start + space + 1..line.start + body.len());
                        }
                    }
                }
            }
        }
    }
    let citations = inline_markup(text, &mut bytes);
    // A quote's closing line that starts with a dash is its attribution: only its citation stays.
    let mut blocks_quotes = Vec::new();
    for (range, mut content) in quotes {
        let body = &text[content.clone()];
        let last_start = body.trim_end().rfind('\n').map_or(0, |n| n + 1);
        let last = body[last_start..].trim();
        if ["-- ", "--- ", "— ", "―"].iter().any(|d| last.starts_with(d)) {
            let attribution = content.start + last_start..content.end;
            let mut from = attribution.start;
            for c in citations.iter().filter(|c| c.group.start >= attribution.start && c.group.end <= attribution.end) {
                blank(&mut bytes, from..c.group.start);
                from = c.group.end;
            }
            blank(&mut bytes, from..attribution.end);
            content.end = attribution.start;
        }
        blocks_quotes.push((range, content));
    }
    let prose = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let mut blocks = Vec::new();
    let mut cursor = 0;
    for (range, content) in blocks_quotes {
        blocks.extend(paragraph_blocks(&prose, cursor..range.start));
        if let Some(text) = super::trimmed(&prose, content) {
            blocks.push(Block { kind: BlockKind::Quote, range: range.clone(), text });
        }
        cursor = range.end;
    }
    blocks.extend(paragraph_blocks(&prose, cursor..prose.len()));
    (prose, blocks, citations)
}

/// Citations, links and verbatim markup inside lines; blanks what is not prose and returns the
/// citations.
fn inline_markup(text: &str, bytes: &mut [u8]) -> Vec<Citation> {
    let src = text.as_bytes();
    let mut citations = Vec::new();
    let mut i = 0;
    while i < src.len() {
        if bytes[i] == b' ' && src[i] != b' ' {
            i += 1; // already blanked by a line rule
            continue;
        }
        match src[i] {
            b'[' if text[i..].starts_with("[[") => {
                // [[target][description]] keeps the description; [[target]] is all markup.
                let Some(close) = text[i..].find("]]").map(|e| i + e).filter(|&c| !text[i..c].contains('\n')) else {
                    i += 1;
                    continue;
                };
                match text[i..close].find("][") {
                    Some(mid) => {
                        blank(bytes, i..i + mid + 2);
                        blank(bytes, close..close + 2);
                    }
                    None => blank(bytes, i..close + 2),
                }
                i = close + 2;
            }
            b'[' if text[i..].starts_with("[cite") => {
                if let Some(end) = cite_citation(text, i, &mut citations) {
                    blank(bytes, i..end);
                    i = end;
                } else {
                    i += 1;
                }
            }
            b'[' if text[i..].starts_with("[fn:") => {
                let end = text[i..].find(']').map_or(i + 1, |e| i + e + 1);
                blank(bytes, i..end);
                i = end;
            }
            c @ (b'~' | b'=' | b'*' | b'/' | b'+' | b'_') => match emphasis_end(text, i, c) {
                Some(end) => {
                    if c == b'~' || c == b'=' {
                        blank(bytes, i..end + 1);
                    } else {
                        bytes[i] = b' ';
                        bytes[end] = b' ';
                    }
                    i = if c == b'~' || c == b'=' { end + 1 } else { i + 1 };
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    citations
}

/// Parses `[cite/style:prefix;@a suffix;@b]` at `start`; returns the end of the group.
fn cite_citation(text: &str, start: usize, citations: &mut Vec<Citation>) -> Option<usize> {
    let rest = &text[start + "[cite".len()..];
    let colon = rest.find(':')?;
    let style = &rest[..colon];
    if !(style.is_empty() || style.starts_with('/')) || style.contains([' ', '\n', ']']) {
        return None;
    }
    let inner_start = start + "[cite".len() + colon + 1;
    let close =
        text[inner_start..].find([']', '\n']).map(|e| inner_start + e).filter(|&c| text.as_bytes()[c] == b']')?;
    let style = style.trim_start_matches('/');
    let in_text = matches!(style.split('/').next(), Some("t" | "text" | "a" | "author"));
    let group = start..close + 1;
    let mut item_start = inner_start;
    let first = citations.len();
    for item in text[inner_start..close].split(';') {
        if let Some(at) = item.find('@').filter(|&a| item[..a].chars().next_back().is_none_or(|c| !c.is_alphanumeric()))
        {
            let key_start = item_start + at + 1;
            let key_len = text[key_start..item_start + item.len()]
                .find(|c: char| !(c.is_alphanumeric() || "-_.:/?!`'*+|&^$#%~".contains(c)))
                .unwrap_or(item.len() - at - 1);
            let key = text[key_start..key_start + key_len].trim_end_matches(['.', ':', '?', '!']);
            if !key.is_empty() {
                let suffix = text[key_start + key.len()..item_start + item.len()].trim().trim_start_matches(',').trim();
                citations.push(Citation {
                    key: key.to_owned(),
                    span: key_start..key_start + key.len(),
                    group: group.clone(),
                    in_text,
                    locator: (!suffix.is_empty()).then(|| suffix.to_owned()),
                });
            }
        }
        item_start += item.len() + 1;
    }
    (citations.len() > first).then_some(close + 1)
}

/// The closing marker of Org emphasis opened by `marker` at `start`, on the same line: the
/// opener follows white space or `-({'"` and precedes a non-space; the closer follows a
/// non-space and precedes white space or punctuation.
fn emphasis_end(text: &str, start: usize, marker: u8) -> Option<usize> {
    let before = text[..start].chars().next_back();
    if !before.is_none_or(|c| c.is_whitespace() || "-({'\"".contains(c)) {
        return None;
    }
    let bytes = text.as_bytes();
    let first = *bytes.get(start + 1)?;
    if first.is_ascii_whitespace() || first == marker {
        return None;
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    let mut j = start + 2;
    while j < line_end {
        if bytes[j] == marker
            && !bytes[j - 1].is_ascii_whitespace()
            && bytes.get(j + 1).is_none_or(|&n| n.is_ascii_whitespace() || b"-.,;:!?')}[\"".contains(&n))
        {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn is_drawer_start(trimmed: &str) -> bool {
    let t = trimmed.trim_end();
    t.len() > 2
        && t.starts_with(':')
        && t.ends_with(':')
        && !t.eq_ignore_ascii_case(":end:")
        && t[1..t.len() - 1].chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn is_planning_line(trimmed: &str) -> bool {
    ["SCHEDULED:", "DEADLINE:", "CLOSED:"].iter().any(|k| trimmed.starts_with(k))
}

/// The files named by `#+bibliography:` lines.
pub(super) fn org_bibliographies(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let t = line.trim_start();
            let lower = t.get(..15)?.to_ascii_lowercase();
            (lower == "#+bibliography:").then(|| t[15..].trim().trim_matches('"').to_owned())
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_with_prefix_locator_and_style() {
        let text = "As [cite/t:@cable] put it, and [cite:see @a p. 3;@b].";
        let (_, _, citations) = org_prose(text);
        let keys: Vec<_> = citations.iter().map(|c| (c.key.as_str(), c.in_text, c.locator.as_deref())).collect();
        assert_eq!(keys, [("cable", true, None), ("a", false, Some("p. 3")), ("b", false, None)]);
    }

    #[test]
    fn verbatim_blocks_comments_keywords_and_drawers_are_blanked() {
        let text = "#+TITLE: \"No\"\n* Heading :tag:\n:PROPERTIES:\n:ID: \"x\"\n:END:\n# \"comment\"\n#+BEGIN_SRC sh\necho \"hi\"\n#+END_SRC\nSee ~\"code\"~ and =\"verb\"= and [[https://x.org/\"a\"][the link]].\n";
        let (prose, _, _) = org_prose(text);
        assert_eq!(prose.len(), text.len());
        assert_eq!(prose.matches('"').count(), 0, "{prose}");
        assert!(prose.contains("Heading") && !prose.contains(":tag:"));
        assert!(prose.contains("the link"));
    }

    #[test]
    fn bibliography_keywords() {
        assert_eq!(
            org_bibliographies("#+bibliography: refs.bib\n#+BIBLIOGRAPHY: other.json\n"),
            ["refs.bib", "other.json"]
        );
    }
}
