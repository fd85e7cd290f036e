//! HTML pages, JSONL archives and CSL-YAML bibliographies as corpus sources: quotes of them get
//! their verdicts, and source positions are lines and columns of the files themselves.

use std::path::Path;

use assert_cmd::Command;
use quoteline::check::{CheckOptions, IndexedCorpus, Verdict};
use quoteline::corpus::Corpus;
use quoteline::lines::ColumnUnit;
use quoteline::quotes::DraftFormat;
use serde_json::Value;

/// A news page reprinting paragraph 5 of the cable, with the markup, entities and boilerplate a
/// real page has.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>No popular support for MKO &mdash; Iran Interlink</title>
  <meta property="og:title" content="US State Department: No popular support for MKO among Iranians">
  <meta name="author" content="Iran Interlink">
  <meta property="article:published_time" content="2011-06-02">
  <link rel="canonical" href="https://example.org/2011/06/no-popular-support">
  <script>var quote = "almost uniformly dismissive of the MEK";</script>
  <style>p.lead::before { content: "“"; }</style>
</head>
<body>
<nav><a href="/">Home</a> | <a href="/archive">“Archive”</a></nav>
<article>
<h1>US State Department: No popular support for MKO</h1>
<p class="lead">The cable&rsquo;s fifth paragraph reads:</p>
<p>5. (SBU) In speaking to hundreds of Iranians both in the preceding two months and before,
ordinary Iranians were <em>almost uniformly</em> dismissive of the MEK, reacting with either disdain or apathy,
their responses strongly indicating a lack of any significant popular support for the MEK among Iranians
living in Iran. &ldquo;Among older Iranians this lack of support was largely due to MEK support of Saddam Hussein&rsquo;s Iraq in the Iran-Iraq war.</p>
<!-- a comment saying "not text" -->
</article>
</body>
</html>
"#;

/// An archive of reprints, one record per line, escaped as Python's `json.dumps` writes.
const ARCHIVE: &str = concat!(
    r#"{"id": "interlink-2011-06", "title": "No popular support for MKO", "author": ["Iran Interlink"], "date": "2011-06-02", "url": "https://example.org/a", "text": "The cable says \u201cthe MEK has no popular support\u201d.\nIt quotes Iranians who call the group \u2018treasonous\u2019."}"#,
    "\n",
    "\n",
    r#"{"id": "rightweb-2012", "date": 2012, "text": "Iranians\u2019 responses strongly indicating a lack of any significant popular support for the MEK among Iranians living in Iran, the State Department\u2019s cable said."}"#,
    "\n",
    "this line is not JSON\n",
);

fn write_corpus(dir: &Path) {
    std::fs::write(dir.join("interlink-page.html"), PAGE).unwrap();
    std::fs::write(dir.join("reprints.jsonl"), ARCHIVE).unwrap();
}

/// The 1-based line and character column of `needle` in `file`.
fn file_position(file: &str, needle: &str) -> (usize, usize) {
    let at = file.find(needle).unwrap_or_else(|| panic!("{needle:?} not in file"));
    let line_start = file[..at].rfind('\n').map_or(0, |n| n + 1);
    (file[..at].matches('\n').count() + 1, file[line_start..at].chars().count() + 1)
}

fn load(dir: &Path) -> IndexedCorpus {
    IndexedCorpus::new(Corpus::load(&[dir.to_path_buf()], &[]).expect("corpus loads")).unwrap()
}

#[test]
fn html_page_text_is_a_source_with_the_pages_metadata() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let indexed = load(dir.path());
    let corpus = &indexed.corpus;
    let doc = corpus.source_by_key("interlink-page").expect("the page is a source keyed by its stem");
    let page = &corpus.sources[doc];
    assert_eq!(page.text.len(), PAGE.len());
    assert_eq!(page.meta.title.as_deref(), Some("US State Department: No popular support for MKO among Iranians"));
    assert_eq!(page.meta.author.as_deref(), Some("Iran Interlink"));
    assert_eq!(page.meta.date.as_deref(), Some("2011-06-02"));
    assert_eq!(page.meta.url.as_deref(), Some("https://example.org/2011/06/no-popular-support"));
    for hidden in ["var quote", "content:", "Archive", "not text", "class", "charset"] {
        assert!(!page.text.contains(hidden), "{hidden:?} is not the page's text");
    }
}

#[test]
fn quote_of_an_html_page_is_exact_at_the_files_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let indexed = load(dir.path());
    let checker = indexed.checker(CheckOptions::default());
    let draft = "The page quotes the cable: “this lack of support was largely due to MEK support of Saddam Hussein’s Iraq in the Iran-Iraq war” [@interlink-page].";
    let report = checker.check_draft(draft, DraftFormat::Markdown);
    let quote = &report.quotes[0];
    assert_eq!(quote.verdict, Verdict::Exact, "{:?}", quote.edits);
    let found = quote.source.as_ref().unwrap();
    assert_eq!(found.key, "interlink-page");
    let source = &indexed.corpus.sources[found.doc];
    // The span is a span of the file: it runs from `this` to `war`, over `&rsquo;`.
    assert_eq!(
        &PAGE[found.span.clone()],
        "this lack of support was largely due to MEK support of Saddam Hussein&rsquo;s Iraq in the Iran-Iraq war"
    );
    // Columns count the file's characters: `&ldquo;` before `this` is seven of them.
    let start = source.lines().position(&source.text, found.span.start, ColumnUnit::Char);
    assert_eq!((start.line as usize + 1, start.col as usize + 1), file_position(PAGE, "this lack of support"));
    let end = source.lines().position(&source.text, found.span.end, ColumnUnit::Utf16);
    let (line, col) = file_position(PAGE, ".</p>\n<!--");
    assert_eq!((end.line as usize + 1, end.col as usize + 1), (line, col));
}

#[test]
fn markup_inside_a_quoted_passage_does_not_break_it() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let indexed = load(dir.path());
    let draft = "“ordinary Iranians were almost uniformly dismissive of the MEK, reacting with either disdain or apathy” [@interlink-page]";
    let quote = &indexed.checker(CheckOptions::default()).check_draft(draft, DraftFormat::Markdown).quotes[0];
    assert_eq!(quote.verdict, Verdict::Exact);
    let drifted = draft.replace("uniformly", "entirely");
    let quote = &indexed.checker(CheckOptions::default()).check_draft(&drifted, DraftFormat::Markdown).quotes[0];
    assert_eq!(quote.verdict, Verdict::Drift);
}

#[test]
fn jsonl_records_are_sources_positioned_on_their_line() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let indexed = load(dir.path());
    let corpus = &indexed.corpus;
    // The line that is not JSON is a warning with its line; the rest loads.
    assert!(
        corpus.warnings.iter().any(|w| w.path.ends_with("reprints.jsonl") && w.message.starts_with("line 4:")),
        "{:?}",
        corpus.warnings
    );
    let doc = corpus.source_by_key("rightweb-2012").expect("records are keyed by id");
    let record = &corpus.sources[doc];
    assert!(record.path.ends_with("reprints.jsonl"));
    assert_eq!(record.meta.date.as_deref(), Some("2012"));
    let first = &corpus.sources[corpus.source_by_key("interlink-2011-06").unwrap()];
    assert_eq!(first.meta.author.as_deref(), Some("Iran Interlink"));

    let draft = "Right Web found “a lack of any significant popular support for the MEK among Iranians living in Iran, the State Department’s cable said” [@rightweb-2012].";
    let report = indexed.checker(CheckOptions::default()).check_draft(draft, DraftFormat::Markdown);
    let quote = &report.quotes[0];
    assert_eq!(quote.verdict, Verdict::Exact, "{:?}", quote.edits);
    let found = quote.source.as_ref().unwrap();
    assert_eq!(found.key, "rightweb-2012");
    // Line 3 of the archive; the column is the word's in the JSON line, after the `\u2019`
    // escape (six characters in the file).
    let start = record.lines().position(&record.text, found.span.start, ColumnUnit::Char);
    assert_eq!((start.line as usize + 1, start.col as usize + 1), file_position(ARCHIVE, "a lack of any"));
    let end = record.lines().position(&record.text, found.span.end, ColumnUnit::Char);
    assert_eq!((end.line as usize + 1, end.col as usize + 1), file_position(ARCHIVE, ".\"}\nthis line"));
    // Escaped quotation marks and line breaks inside a record read as text.
    let first_quote = "“the MEK has no popular support” [@interlink-2011-06]";
    let quote = &indexed.checker(CheckOptions::default()).check_draft(first_quote, DraftFormat::Markdown).quotes[0];
    assert_eq!(quote.verdict, Verdict::Exact);
}

#[test]
fn cli_json_reports_positions_in_the_html_and_jsonl_files() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    write_corpus(&corpus);
    let draft = dir.path().join("draft.md");
    std::fs::write(
        &draft,
        "“this lack of support was largely due to MEK support of Saddam Hussein’s Iraq in the Iran-Iraq war” [@interlink-page]\n\n\
         “a lack of any significant popular support for the MEK among Iranians living in Iran” [@rightweb-2012]\n",
    )
    .unwrap();
    let output = Command::cargo_bin("quoteline")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--corpus", "corpus", "draft.md"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let quotes = report["files"][0]["quotes"].as_array().unwrap();
    let position = |q: &Value| {
        let start = &q["source"]["start"];
        (start["line"].as_u64().unwrap() as usize, start["column"].as_u64().unwrap() as usize)
    };
    assert_eq!(quotes[0]["verdict"], "exact");
    assert!(quotes[0]["source"]["path"].as_str().unwrap().ends_with("interlink-page.html"));
    assert_eq!(position(&quotes[0]), file_position(PAGE, "this lack of support"));
    assert!(quotes[0]["source"]["text"].as_str().unwrap().contains("Hussein"));
    assert_eq!(quotes[1]["verdict"], "exact");
    assert!(quotes[1]["source"]["path"].as_str().unwrap().ends_with("reprints.jsonl"));
    assert_eq!(position(&quotes[1]), file_position(ARCHIVE, "a lack of any"));
}

#[test]
fn csl_yaml_bibliography_links_texts_and_records_and_warns_of_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    std::fs::create_dir(dir.path().join("texts")).unwrap();
    std::fs::write(dir.path().join("texts/cable-excerpt.txt"), "Nobody likes them. They have no support in Iran.\n")
        .unwrap();
    std::fs::write(
        dir.path().join("references.yaml"),
        "references:\n\
         - id: cable-excerpt-2011\n  title: Iranian Popular Attitudes Towards the MEK (excerpt)\n  author:\n    - literal: U.S. Department of State\n  issued: 2011-05\n  file: texts/cable-excerpt.txt\n\
         - id: rightweb-2012\n  title: Right Web profile\n  container-title: Right Web\n\
         - id: lost-memo\n  title: A memo nobody kept\n  file: texts/lost-memo.txt\n",
    )
    .unwrap();
    let corpus = Corpus::load(&[dir.path().to_path_buf()], &[]).unwrap();
    // The entry's `file` gives the text its key and metadata.
    let excerpt = &corpus.sources[corpus.source_by_key("cable-excerpt-2011").expect("linked by its file field")];
    assert!(excerpt.path.ends_with("texts/cable-excerpt.txt"));
    assert_eq!(excerpt.meta.date.as_deref(), Some("2011-05"));
    // A JSONL record is linked to the entry of its id.
    let record = &corpus.sources[corpus.source_by_key("rightweb-2012").unwrap()];
    assert_eq!(record.meta.container.as_deref(), Some("Right Web"));
    assert_eq!(record.meta.date.as_deref(), Some("2012"), "the record's own fields stay where the entry has none");
    // An entry without its text is still a known key, and its missing file is a warning.
    assert!(corpus.knows_key("lost-memo"));
    let missing: Vec<_> = corpus.warnings.iter().filter(|w| w.message.contains("does not exist")).collect();
    assert_eq!(missing.len(), 1, "{:?}", corpus.warnings);
    assert!(missing[0].path.ends_with("references.yaml"));
    assert!(missing[0].message.contains("entry `lost-memo` points at") && missing[0].message.contains("lost-memo.txt"));
}

#[test]
fn better_bibtex_file_field_with_several_paths_links_the_text_and_warns_of_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("texts")).unwrap();
    std::fs::write(dir.path().join("texts/cable.txt"), "Nobody likes them. They have no support in Iran.\n").unwrap();
    std::fs::write(
        dir.path().join("library.bib"),
        "@report{dos-cable-2011,\n  title = {Iranian Popular Attitudes Towards the {MEK}},\n  file = {texts/cable.txt;scans/cable.pdf},\n}\n",
    )
    .unwrap();
    let corpus = Corpus::load(&[dir.path().to_path_buf()], &[]).unwrap();
    let cable = &corpus.sources[corpus.source_by_key("dos-cable-2011").expect("the .txt path links the entry")];
    assert!(cable.path.ends_with("texts/cable.txt"));
    assert_eq!(cable.meta.title.as_deref(), Some("Iranian Popular Attitudes Towards the MEK"));
    assert_eq!(corpus.warnings.len(), 1, "{:?}", corpus.warnings);
    assert!(corpus.warnings[0].message.contains("scans/cable.pdf, which does not exist"));
}
