//! reStructuredText drafts: paragraphs are prose; explicit markup, literal blocks and inline
//! literals are not.
//!
//! A block quote is what rST makes one: a paragraph indented further than the text before it
//! (a paragraph or a list item's body), unless that text ends in `::`, which makes the indented
//! block a literal block. The `epigraph`, `pull-quote` and `highlights` directives are block
//! quotes too. A closing attribution line (`-- Name :cite:`key``) cites its quote. Other
//! directives' bodies, comments, targets and substitution definitions, section adornments,
//! field lists and ``inline literals`` are blanked.
//!
//! Citations are sphinxcontrib-bibtex roles: `:cite:`key``, `:cite:p:`a,b`` (parenthetical) and
//! `:cite:t:`key`` (in text; so are `:cite:ts:`, `:cite:ct:`, `:cite:author:`). Other roles
//! (`:ref:`, `:math:`) are blanked; interpreted text and hyperlink references keep their words
//! and lose their markup and targets.

use std::ops::Range;

use super::{blank, paragraph_blocks, Block, BlockKind, Citation};

const QUOTE_DIRECTIVES: &[&str] = &["epigraph", "pull-quote", "highlights"];

/// A line of the draft with its indentation.
struct Line {
    range: Range<usize>,
    indent: usize,
    blank: bool,
}

/// What an indented region after a line is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Region {
    /// Not prose (literal block, directive body, comment).
    Skip,
    Quote,
}

pub(super) fn rst_prose(text: &str) -> (String, Vec<Block>, Vec<Citation>) {
    let mut bytes = text.as_bytes().to_vec();
    let lines = split_lines(text);
    // Block quotes: (first line, last content line, attribution line, start offset).
    let mut quotes: Vec<(Range<usize>, Option<Range<usize>>)> = Vec::new();
    // An open region: its kind, the indent its lines must exceed, where it starts.
    let mut region: Option<(Region, usize, usize)> = None;
    // The content indent of the previous paragraph, and whether it ended in `::`.
    let mut previous: Option<(usize, bool)> = None;
    let mut after_blank = true;
    let mut i = 0;
    let close_quote = |quotes: &mut Vec<(Range<usize>, Option<Range<usize>>)>, start: usize, end: usize| {
        if end > start {
            quotes.push((start..end, None));
        }
    };
    // The end of the last non-blank line inside the open region.
    let mut region_end = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.blank {
            after_blank = true;
            i += 1;
            continue;
        }
        if let Some((kind, base, start)) = region {
            if line.indent > base {
                if kind == Region::Skip {
                    blank(&mut bytes, line.range.clone());
                } else {
                    region_end = line.range.end;
                }
                after_blank = false;
                i += 1;
                continue;
            }
            if kind == Region::Quote {
                close_quote(&mut quotes, start, region_end);
            }
            region = None;
        }
        let content = &text[line.range.clone()];
        let trimmed = content.trim_start();
        if trimmed.starts_with("..") && (trimmed.len() == 2 || trimmed[2..].starts_with([' ', '\t'])) {
            // Explicit markup: a directive, comment, target, footnote or substitution.
            let directive = directive_name(trimmed);
            blank(&mut bytes, line.range.clone());
            if directive.is_some_and(|d| QUOTE_DIRECTIVES.contains(&d)) {
                // The body (after any `:option:` lines) is the quote.
                let mut j = i + 1;
                while j < lines.len() && !lines[j].blank && is_field_line(&text[lines[j].range.clone()]) {
                    blank(&mut bytes, lines[j].range.clone());
                    j += 1;
                }
                let body_start = lines[j..].iter().find(|l| !l.blank).map_or(text.len(), |l| l.range.start + l.indent);
                region = Some((Region::Quote, line.indent, body_start));
                region_end = body_start;
                i = j;
            } else {
                region = Some((Region::Skip, line.indent, line.range.start));
                i += 1;
            }
            previous = None;
            after_blank = false;
            continue;
        }
        match previous {
            Some((indent, literal)) if after_blank && line.indent > indent => {
                if literal {
                    blank(&mut bytes, line.range.clone());
                    region = Some((Region::Skip, indent, line.range.start));
                } else {
                    region = Some((Region::Quote, indent, line.range.start + line.indent));
                    region_end = line.range.end;
                }
                after_blank = false;
                i += 1;
                continue;
            }
            _ => {}
        }
        // An ordinary paragraph (or the continuation of one): runs to the next blank line.
        let mut j = i;
        while j < lines.len() && !lines[j].blank {
            j += 1;
        }
        let paragraph = &lines[i..j];
        let first = &paragraph[0];
        let last = &paragraph[paragraph.len() - 1];
        let indent = if paragraph.len() == 1 {
            first.indent + list_marker_width(&text[first.range.start + first.indent..first.range.end])
        } else {
            last.indent
        };
        let ends_literal = text[last.range.clone()].trim_end().ends_with("::");
        if ends_literal {
            // `text::` shows as `text:`; a lone `::` shows nothing.
            let end = last.range.start + text[last.range.clone()].trim_end().len();
            let lone = text[last.range.clone()].trim() == "::";
            blank(&mut bytes, if lone { end - 2..end } else { end - 1..end });
        }
        for line in paragraph {
            let content = &text[line.range.clone()];
            if is_adornment(content) || is_field_line(content) && paragraph.len() == 1 {
                blank(&mut bytes, line.range.clone());
            }
        }
        previous = Some((indent, ends_literal));
        after_blank = false;
        i = j;
    }
    if let Some((Region::Quote, _, start)) = region {
        close_quote(&mut quotes, start, region_end);
    }
    // A quote's last line starting with a dash is its attribution.
    for (range, attribution) in &mut quotes {
        let last_line_start = text[range.clone()].rfind('\n').map_or(range.start, |n| range.start + n + 1);
        let last = text[last_line_start..range.end].trim_start();
        if ["-- ", "--- ", "— ", "―"].iter().any(|d| last.starts_with(d)) {
            let start = range.end - last.len();
            *attribution = Some(start..range.end);
            range.end = text[range.start..start].trim_end().len() + range.start;
        }
    }
    let citations = roles(text, &mut bytes);
    // Attribution words other than the citation are not part of any quote.
    for (_, attribution) in &quotes {
        if let Some(attribution) = attribution {
            let mut from = attribution.start;
            for c in citations.iter().filter(|c| c.group.start >= attribution.start && c.group.end <= attribution.end) {
                blank(&mut bytes, from..c.group.start);
                from = c.group.end;
            }
            blank(&mut bytes, from..attribution.end);
        }
    }
    let prose = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let mut blocks = Vec::new();
    let mut cursor = 0;
    for (range, attribution) in &quotes {
        blocks.extend(paragraph_blocks(&prose, cursor..range.start));
        let end = attribution.as_ref().map_or(range.end, |a| a.end);
        if range.end > range.start {
            blocks.push(Block { kind: BlockKind::Quote, range: range.start..end, text: range.clone() });
        }
        cursor = end;
    }
    blocks.extend(paragraph_blocks(&prose, cursor..prose.len()));
    (prose, blocks, citations)
}

/// Finds roles, inline literals, interpreted text and hyperlink references; blanks their markup
/// and returns the citations.
fn roles(text: &str, bytes: &mut [u8]) -> Vec<Citation> {
    let src = text.as_bytes();
    let mut citations = Vec::new();
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'`' if text[i..].starts_with("``") => {
                let end = text[i + 2..].find("``").map_or(i + 2, |e| i + 2 + e + 2);
                blank(bytes, i..end);
                i = end;
            }
            b'`' => {
                // Interpreted text or a hyperlink reference `words <target>`_.
                let Some(close) = text[i + 1..].find('`').map(|e| i + 1 + e) else {
                    i += 1;
                    continue;
                };
                bytes[i] = b' ';
                bytes[close] = b' ';
                let inner = &text[i + 1..close];
                if let Some(lt) = inner.rfind(" <").filter(|_| inner.ends_with('>')) {
                    blank(bytes, i + 1 + lt..close);
                }
                let mut end = close + 1;
                while end < src.len() && src[end] == b'_' && end < close + 3 {
                    bytes[end] = b' ';
                    end += 1;
                }
                i = end;
            }
            b':' if text[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric()) => {
                let Some((role, open)) = role_at(text, i) else {
                    i += 1;
                    continue;
                };
                let Some(close) = text[open + 1..].find('`').map(|e| open + 1 + e) else {
                    i += 1;
                    continue;
                };
                let group = i..close + 1;
                if let Some(style) = role.strip_prefix("cite").or_else(|| role.strip_prefix("footcite")) {
                    let style = style.trim_start_matches(':');
                    let in_text = matches!(style, "t" | "ts" | "ct" | "cts" | "author" | "authors" | "authorpar");
                    citations.extend(super::comma_separated_keys(text, open + 1..close).map(|(key, span)| Citation {
                        key,
                        span,
                        group: group.clone(),
                        in_text,
                        locator: None,
                    }));
                }
                blank(bytes, group.clone());
                i = group.end;
            }
            _ => i += 1,
        }
    }
    citations
}

/// A role `:name:` or `:name:sub:` at `at`, followed by a backtick: its name and the backtick.
fn role_at(text: &str, at: usize) -> Option<(&str, usize)> {
    let rest = &text[at + 1..];
    let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "-_:.+".contains(c)))?;
    let name = &rest[..len];
    (name.ends_with(':') && rest[len..].starts_with('`') && name.len() > 1)
        .then(|| (name.trim_end_matches(':'), at + 1 + len))
}

fn directive_name(trimmed: &str) -> Option<&str> {
    let rest = trimmed[2..].trim_start();
    let end = rest.find("::")?;
    let name = &rest[..end];
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.+".contains(c))).then_some(name)
}

/// A field list line `:name: value` (not a role, which a backtick follows).
fn is_field_line(line: &str) -> bool {
    let t = line.trim_start();
    let Some(rest) = t.strip_prefix(':') else { return false };
    match rest.find(':') {
        Some(end) if end > 0 => {
            let after = &rest[end + 1..];
            !rest[..end].contains('`') && (after.is_empty() || after.starts_with([' ', '\t']))
        }
        _ => false,
    }
}

/// A section adornment: one punctuation character repeated (`=====`, `-----`).
fn is_adornment(line: &str) -> bool {
    let t = line.trim_end();
    let mut chars = t.chars();
    let Some(first) = chars.next() else { return false };
    t.len() >= 3 && first.is_ascii_punctuation() && t.chars().all(|c| c == first)
}

/// The width of a bullet or enumerator at the start of `line` with its space, else 0.
fn list_marker_width(line: &str) -> usize {
    let bytes = line.as_bytes();
    let marker = match bytes.first() {
        Some(b'-' | b'*' | b'+') => 1,
        _ if line.starts_with('•') => '•'.len_utf8(),
        Some(b'(') => line.find(')').map_or(0, |e| e + 1),
        Some(c) if c.is_ascii_alphanumeric() || *c == b'#' => {
            let n = bytes.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'#').count();
            if matches!(bytes.get(n), Some(b'.' | b')')) && n <= 3 {
                n + 1
            } else {
                0
            }
        }
        _ => 0,
    };
    if marker > 0 && matches!(bytes.get(marker), Some(b' ' | b'\t')) {
        marker + bytes[marker..].iter().take_while(|b| **b == b' ' || **b == b'\t').count()
    } else {
        0
    }
}

fn split_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let content = raw.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start_matches([' ', '\t']).len();
        lines.push(Line { range: offset..offset + content.len(), indent, blank: content.trim().is_empty() });
        offset += raw.len();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_blocks_and_directives_are_blanked() {
        let text =
            "Code follows::\n\n    \"not a quote\"\n\n.. code-block:: python\n\n   x = \"no\"\n\nBack to prose.\n";
        let (prose, blocks, _) = rst_prose(text);
        assert_eq!(prose.len(), text.len());
        assert!(!prose.contains("not a quote"));
        assert!(!prose.contains("\"no\""));
        assert!(prose.contains("Code follows:"));
        assert!(blocks.iter().all(|b| b.kind == BlockKind::Paragraph));
    }

    #[test]
    fn indented_paragraph_after_a_paragraph_is_a_block_quote() {
        let text = "The cable says:\n\n    ordinary Iranians were almost uniformly dismissive\n    of the MEK\n\n    -- The cable :cite:`cable`\n\nAfter.\n";
        let (prose, blocks, citations) = rst_prose(text);
        let quote = blocks.iter().find(|b| b.kind == BlockKind::Quote).expect("a block quote");
        assert!(prose[quote.text.clone()].starts_with("ordinary"));
        assert!(prose[quote.text.clone()].trim_end().ends_with("of the MEK"));
        assert_eq!(citations[0].key, "cable");
        assert!(!prose.contains("The cable :cite"));
    }

    #[test]
    fn list_item_bodies_are_not_quotes() {
        let text = "- first item\n\n  its second paragraph\n\nDone.\n";
        let (_, blocks, _) = rst_prose(text);
        assert!(blocks.iter().all(|b| b.kind == BlockKind::Paragraph));
    }
}
