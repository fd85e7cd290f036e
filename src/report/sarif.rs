//! SARIF 2.1.0 (`--format sarif`): one run, one rule per verdict/finding code, columns counted
//! in Unicode code points, the source passage as a related location.

use serde_json::{json, Value};

use super::FileReport;
use crate::check::{FindingCode, IndexedCorpus, Severity, Verdict};
use crate::lines::ColumnUnit;

const RULES: &[(&str, &str)] = &[
    ("exact", "The quote has the same words as a source passage."),
    ("altered", "The quote differs from its source only by marked editorial changes (ellipses, brackets, [sic])."),
    ("drift", "The quote differs from its source passage by unmarked changes."),
    ("misattributed", "The quote is not in the cited source but is in another one."),
    ("unsourced", "Nothing in the corpus resembles the quote."),
    ("unchecked", "The quote is too short to check and was not found verbatim."),
    ("unclosed-quote", "An opening quotation mark has no closing mark in its paragraph."),
    ("unknown-citation", "A cited key is in no source or bibliography."),
    ("missing-source-file", "A cited key's bibliography entry points at a file that does not exist."),
];

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

pub fn report_sarif(files: &[FileReport], corpus: &IndexedCorpus) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(id, text)| {
            let default = Verdict::ALL.iter().find(|v| v.as_str() == *id).and_then(|v| v.default_severity());
            json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": text},
                "helpUri": format!("https://github.com/quoteline/quoteline#verdicts"),
                "defaultConfiguration": {"level": default.map_or("note", level)},
            })
        })
        .collect();
    let mut results = Vec::new();
    for file in files {
        for finding in &file.check.findings {
            let code = finding.code.as_str();
            let rule_index = RULES.iter().position(|(id, _)| *id == code).unwrap_or(0);
            let mut result = json!({
                "ruleId": code,
                "ruleIndex": rule_index,
                "level": level(finding.severity),
                "message": {"text": finding.message},
                "locations": [location(&file.path, region(file, finding.span.clone()))],
            });
            if let Some(related) = &finding.related {
                let source = &corpus.corpus.sources[related.doc];
                let at = |offset| source.lines().position(&source.text, offset, ColumnUnit::Char);
                let (start, end) = (at(related.span.start), at(related.span.end));
                let region = json!({
                    "startLine": start.line + 1, "startColumn": start.col + 1,
                    "endLine": end.line + 1, "endColumn": end.col + 1,
                });
                let mut related_location = location(&source.path.display().to_string(), region);
                related_location["id"] = json!(0);
                related_location["message"] = json!({"text": format!("source passage in [@{}]", related.key)});
                result["relatedLocations"] = json!([related_location]);
            }
            if let FindingCode::Verdict(_) = finding.code {
                if let Some(q) = finding.quote.map(|q| &file.check.quotes[q]) {
                    result["properties"] = json!({"similarity": q.similarity, "cited": q.cited});
                }
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "quoteline",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/quoteline/quoteline",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn region(file: &FileReport, span: std::ops::Range<usize>) -> Value {
    let (start_line, start_col) = file.position(span.start);
    let (end_line, end_col) = file.position(span.end);
    json!({"startLine": start_line, "startColumn": start_col, "endLine": end_line, "endColumn": end_col})
}

fn location(path: &str, region: Value) -> Value {
    json!({"physicalLocation": {"artifactLocation": {"uri": path.replace('\\', "/")}, "region": region}})
}
