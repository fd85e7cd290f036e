//! JSONL archives: one source per line, `{"id": …, "text": …, "title": …, "author": …,
//! "date": …, "url": …}` (`key` may stand for `id`; other fields are ignored).
//!
//! Positions stay exact in the archive file. A record's text is laid out as its line: a copy of
//! the line of the same byte length with everything but the `text` string's characters blanked,
//! each escape (`\"`, `\n`, `\u00e9`, a surrogate pair) replaced by its character padded with
//! spaces (`\n` and `\t` become spaces: a record's text has no line breaks of its own). Its
//! [`LineIndex`](crate::lines::LineIndex) numbers that line as the record's line of the file and
//! counts each escape as the file's characters, so a quote's source position is the line of its
//! record in the JSONL file and the column of the word inside the JSON string literal on it.

use std::ops::Range;

use serde_json::value::RawValue;
use serde_json::Value;

use super::SourceMeta;
use crate::lines::StandIn;

/// One record of an archive.
pub(super) struct Record {
    /// `id` or `key`, else `<file stem>:<line>`.
    pub key: String,
    /// 0-based line of the record in the file.
    pub line: usize,
    /// The record's line with everything but its text blanked (see the module docs).
    pub text: String,
    /// The characters of the `text` string literal, quotes excluded.
    pub body: Range<usize>,
    pub stand_ins: Vec<StandIn>,
    pub meta: SourceMeta,
}

#[derive(serde::Deserialize)]
struct RawRecord<'a> {
    id: Option<Value>,
    key: Option<Value>,
    #[serde(borrow)]
    text: Option<&'a RawValue>,
    title: Option<Value>,
    author: Option<Value>,
    date: Option<Value>,
    url: Option<Value>,
}

/// Reads every record; problems are `(line, message)` pairs (1-based lines).
pub(super) fn read_jsonl(file: &str, stem: &str) -> (Vec<Record>, Vec<(usize, String)>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (line_no, raw_line) in file.split_inclusive('\n').enumerate() {
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let record: RawRecord = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(err) => {
                problems.push((line_no + 1, format!("not a JSON record, skipped: {err}")));
                continue;
            }
        };
        let Some(literal) = record.text.filter(|t| t.get().starts_with('"')) else {
            problems.push((line_no + 1, "record has no `text` string, skipped".into()));
            continue;
        };
        // The literal is borrowed from `line`, so its address gives its offset.
        let start = literal.get().as_ptr() as usize - line.as_ptr() as usize;
        let (text, stand_ins) = lay_out(line, start..start + literal.get().len());
        let key = record.id.or(record.key).map(scalar).filter(|k| !k.is_empty());
        records.push(Record {
            key: key.unwrap_or_else(|| format!("{stem}:{}", line_no + 1)),
            line: line_no,
            text,
            body: start + 1..start + literal.get().len() - 1,
            stand_ins,
            meta: SourceMeta {
                title: record.title.map(scalar),
                author: record.author.map(|a| match a {
                    Value::Array(names) => names.into_iter().map(scalar).collect::<Vec<_>>().join(" and "),
                    other => scalar(other),
                }),
                date: record.date.map(scalar),
                url: record.url.map(scalar),
                container: None,
            },
        });
    }
    (records, problems)
}

fn scalar(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// The line with only the string literal at `literal` kept, its escapes decoded and padded.
fn lay_out(line: &str, literal: Range<usize>) -> (String, Vec<StandIn>) {
    let mut out: Vec<u8> = vec![b' '; line.len()];
    let mut stand_ins = Vec::new();
    let src = line.as_bytes();
    // Blanked non-ASCII characters outside the literal are one file character each.
    for (i, c) in line.char_indices().filter(|&(i, c)| !(c.is_ascii() || literal.contains(&i) && i != literal.start)) {
        stand_ins.push(StandIn { range: i..i + c.len_utf8(), chars: 1, utf16: c.len_utf16() as u32 });
    }
    let mut i = literal.start + 1;
    let end = literal.end - 1;
    while i < end {
        if src[i] != b'\\' {
            out[i] = src[i];
            i += 1;
            continue;
        }
        let (decoded, len) = escape(&line[i..end]);
        let mut buf = [0u8; 4];
        super::write_padded(&mut out[i..i + len], decoded.encode_utf8(&mut buf));
        stand_ins.push(StandIn { range: i..i + len, chars: len as u32, utf16: len as u32 });
        i += len;
    }
    stand_ins.sort_by_key(|s| s.range.start);
    let text = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, stand_ins)
}

/// The character an escape at the start of `s` stands for and the escape's length. Line breaks
/// and other control characters read as a space.
fn escape(s: &str) -> (char, usize) {
    let bytes = s.as_bytes();
    match bytes.get(1) {
        Some(b'u') => {
            let Some(high) = hex4(s.get(2..6)) else { return (' ', 2.min(s.len())) };
            if (0xD800..0xDC00).contains(&high) && s.get(6..8) == Some("\\u") {
                if let Some(low) = hex4(s.get(8..12)).filter(|l| (0xDC00..0xE000).contains(l)) {
                    let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)).unwrap_or(' ');
                    return (c, 12);
                }
            }
            let c = char::from_u32(high).unwrap_or('\u{FFFD}');
            (if c.is_control() { ' ' } else { c }, 6)
        }
        Some(&c @ (b'"' | b'\\' | b'/')) => (c as char, 2),
        Some(_) => (' ', 2),
        None => (' ', 1),
    }
}

fn hex4(s: Option<&str>) -> Option<u32> {
    s.filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit())).and_then(|h| u32::from_str_radix(h, 16).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_their_line_and_escapes_their_width() {
        let file = "{\"id\": \"a\", \"text\": \"first\"}\n\nnot json\n{\"key\": 7, \"title\": \"T\", \"text\": \"Caf\\u00e9 \\\"au\\\" lait\\n\\ud83d\\ude00 end\", \"author\": [\"X\", \"Y\"]}\n{\"id\": \"none\"}\n";
        let (records, problems) = read_jsonl(file, "archive");
        assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].key.as_str(), records[0].line), ("a", 0));
        let second = &records[1];
        assert_eq!((second.key.as_str(), second.line), ("7", 3));
        assert_eq!(second.meta.author.as_deref(), Some("X and Y"));
        let line = file.lines().nth(3).unwrap();
        assert_eq!(second.text.len(), line.len());
        let words: Vec<String> = crate::normalize::words(&second.text).into_iter().map(|w| w.norm).collect();
        assert_eq!(words, ["café", "au", "lait", "end"]);
        assert!(second.text.contains('😀'));
        let end = second.text.find("end").unwrap();
        assert_eq!(&line[end..end + 3], "end");
        assert_eq!(&line[second.body.clone()][..3], "Caf");
    }
}
