//! Typst, reStructuredText and Org drafts quoting the bundled corpus: each test is a realistic
//! draft and the quotes it must yield, with their cited keys and the verdicts the bundled corpus
//! gives them. What each format hides (code, comments, directives, drawers) must yield no quote.

mod common;

use common::bundled;
use quoteline::check::{CheckOptions, Verdict};
use quoteline::quotes::{extract, DraftFormat};

/// (quote text, cited keys, verdict, block) for every quote of a draft, checked against the
/// bundled corpus.
fn check(text: &str, format: DraftFormat) -> Vec<(String, Vec<String>, Verdict, bool)> {
    let draft = extract(text, format);
    assert_eq!(draft.prose.len(), text.len(), "prose keeps the draft's offsets");
    let report = bundled().checker(CheckOptions::default()).check_draft(text, format);
    assert_eq!(report.quotes.len(), draft.quotes.len());
    draft
        .quotes
        .iter()
        .zip(&report.quotes)
        .map(|(q, checked)| {
            let keys = draft.cited_keys(q).into_iter().map(String::from).collect();
            (draft.quote_text(q), keys, checked.verdict, q.block)
        })
        .collect()
}

fn quote(text: &str, keys: &[&str], verdict: Verdict, block: bool) -> (String, Vec<String>, Verdict, bool) {
    (text.to_owned(), keys.iter().map(|k| k.to_string()).collect(), verdict, block)
}

const CABLE: &str = "state-dept-cable-2011";

#[test]
fn extensions_and_language_ids() {
    assert_eq!(DraftFormat::from_extension("typ"), Some(DraftFormat::Typst));
    assert_eq!(DraftFormat::from_extension("RST"), Some(DraftFormat::Rst));
    assert_eq!(DraftFormat::from_extension("org"), Some(DraftFormat::Org));
    assert_eq!(DraftFormat::from_language_id("typst"), DraftFormat::Typst);
    assert_eq!(DraftFormat::from_language_id("restructuredtext"), DraftFormat::Rst);
    assert_eq!(DraftFormat::from_language_id("rst"), DraftFormat::Rst);
    assert_eq!(DraftFormat::from_language_id("org"), DraftFormat::Org);
}

const TYPST_DRAFT: &str = r#"#set page(paper: "a4")
#set text(lang: "en") // "not a quote" in a comment
#import "@preview/example:0.1.0": *

= Who speaks for Iranians?

The cable found that ordinary Iranians were "almost uniformly dismissive of the MEK, reacting
with either disdain or apathy" @state-dept-cable-2011[para. 5]. A newsletter later had them
"almost entirely dismissive of the MEK, reacting with either disdain or apathy"
#cite(<mek-newsletter-2011>).

#quote(attribution: <state-dept-cable-2011>)[Any U.S. support for MEK would extremely damage its reputation amongst Iranians]
is the line most often repeated.

#quote(block: true, attribution: [@state-dept-cable-2011])[
  The results of this admittedly unscientific polling of contacts and ordinary Iranians
  concerning the MEK confirms what those familiar with Iran already assumed.
]

/* "Not a quote": a block comment
   /* nested */ still a comment */
Math $"also" + x$ and raw `"code"` and a label <sec:intro> are not prose.

```typ
"neither is a fenced raw block"
```
"#;

#[test]
fn typst_quotes_citations_and_verdicts() {
    let found = check(TYPST_DRAFT, DraftFormat::Typst);
    assert_eq!(
        found,
        [
            quote(
                "almost uniformly dismissive of the MEK, reacting with either disdain or apathy",
                &[CABLE],
                Verdict::Exact,
                false
            ),
            // The newsletter reprints the cable's own wording, so the changed word is drift there.
            quote(
                "almost entirely dismissive of the MEK, reacting with either disdain or apathy",
                &["mek-newsletter-2011"],
                Verdict::Drift,
                false
            ),
            quote(
                "Any U.S. support for MEK would extremely damage its reputation amongst Iranians",
                &[CABLE],
                Verdict::Exact,
                false
            ),
            quote(
                "The results of this admittedly unscientific polling of contacts and ordinary Iranians concerning the MEK confirms what those familiar with Iran already assumed.",
                &[CABLE],
                Verdict::Exact,
                true
            ),
        ]
    );
    let draft = extract(TYPST_DRAFT, DraftFormat::Typst);
    let first = &draft.citations[0];
    assert_eq!((first.key.as_str(), first.in_text, first.locator.as_deref()), (CABLE, false, Some("para. 5")));
    for hidden in ["not a quote", "nested", "also", "code", "sec:intro", "neither", "paper"] {
        assert!(!draft.prose.contains(hidden), "{hidden:?} should not be prose");
    }
}

const RST_DRAFT: &str = r#"=========================
Who speaks for Iranians?
=========================

:author: A. Writer
:date: 2024-05-01

.. This comment says "not a quote at all".

The cable found that ordinary Iranians were "almost uniformly dismissive of the MEK,
reacting with either disdain or apathy" :cite:p:`state-dept-cable-2011`. As
:cite:t:`mek-newsletter-2011` has it, they were "almost entirely dismissive of the MEK,
reacting with either disdain or apathy".

Its conclusion, in full:

    The results of this admittedly unscientific polling of contacts and ordinary Iranians
    concerning the MEK confirms what those familiar with Iran already assumed.

    -- The State Department cable :cite:`state-dept-cable-2011`

.. epigraph::

   They are hated among Iranians, since their hands are stained with the blood of their
   fellow countrymen.

   -- :cite:`state-dept-cable-2011`

A literal block is not prose::

    "a quoted string in code"

.. code-block:: python

   print("nor is a directive's body")

See ``"inline literal"`` and `the cable <https://example.org/"x">`_ for more.
"#;

#[test]
fn rst_quotes_citations_and_verdicts() {
    let found = check(RST_DRAFT, DraftFormat::Rst);
    assert_eq!(
        found,
        [
            quote(
                "almost uniformly dismissive of the MEK, reacting with either disdain or apathy",
                &[CABLE],
                Verdict::Exact,
                false
            ),
            quote(
                "almost entirely dismissive of the MEK, reacting with either disdain or apathy",
                &["mek-newsletter-2011"],
                Verdict::Drift,
                false
            ),
            quote(
                "The results of this admittedly unscientific polling of contacts and ordinary Iranians concerning the MEK confirms what those familiar with Iran already assumed.",
                &[CABLE],
                Verdict::Exact,
                true
            ),
            quote(
                "They are hated among Iranians, since their hands are stained with the blood of their fellow countrymen.",
                &[CABLE],
                Verdict::Exact,
                true
            ),
        ]
    );
    let draft = extract(RST_DRAFT, DraftFormat::Rst);
    let styles: Vec<(&str, bool)> = draft.citations.iter().map(|c| (c.key.as_str(), c.in_text)).collect();
    assert_eq!(
        styles,
        [(CABLE, false), ("mek-newsletter-2011", true), (CABLE, false), (CABLE, false)],
        "`:cite:t:` is in-text"
    );
    for hidden in ["not a quote at all", "quoted string", "directive's body", "inline literal", "example.org", "====="]
    {
        assert!(!draft.prose.contains(hidden), "{hidden:?} should not be prose");
    }
    assert!(draft.prose.contains("A literal block is not prose:"), "`::` shows as `:`");
}

const ORG_DRAFT: &str = r#"#+TITLE: Who speaks for Iranians?
#+bibliography: ../corpus/references.bib
#+cite_export: csl

* Draft :writing:
:PROPERTIES:
:CUSTOM_ID: "not-a-quote"
:END:

The cable found that ordinary Iranians were "almost uniformly dismissive of the MEK,
reacting with either disdain or apathy" [cite:@state-dept-cable-2011]. As
[cite/t:@mek-newsletter-2011] has it, they were "almost entirely dismissive of the MEK,
reacting with either disdain or apathy".

Two sources agree that “Any U.S. support for MEK would extremely damage its reputation amongst
Iranians” [cite:see @state-dept-cable-2011 para. 2;@mek-newsletter-2011].

#+BEGIN_QUOTE
The results of this admittedly unscientific polling of contacts and ordinary Iranians
concerning the MEK confirms what those familiar with Iran already assumed.
-- The cable [cite:@state-dept-cable-2011]
#+END_QUOTE

# A comment with "not a quote".
#+begin_src python
print("not a quote either")
#+end_src
#+begin_example
"an example"
#+end_example
Use ~"code"~, =“verbatim”= and [[https://example.org/"target"][a link]].
"#;

#[test]
fn org_quotes_citations_and_verdicts() {
    let found = check(ORG_DRAFT, DraftFormat::Org);
    assert_eq!(
        found,
        [
            quote(
                "almost uniformly dismissive of the MEK, reacting with either disdain or apathy",
                &[CABLE],
                Verdict::Exact,
                false
            ),
            quote(
                "almost entirely dismissive of the MEK, reacting with either disdain or apathy",
                &["mek-newsletter-2011"],
                Verdict::Drift,
                false
            ),
            quote(
                "Any U.S. support for MEK would extremely damage its reputation amongst Iranians",
                &[CABLE, "mek-newsletter-2011"],
                Verdict::Exact,
                false
            ),
            quote(
                "The results of this admittedly unscientific polling of contacts and ordinary Iranians concerning the MEK confirms what those familiar with Iran already assumed.",
                &[CABLE],
                Verdict::Exact,
                true
            ),
        ]
    );
    let draft = extract(ORG_DRAFT, DraftFormat::Org);
    let see = draft.citations.iter().find(|c| c.locator.is_some()).unwrap();
    assert_eq!((see.key.as_str(), see.locator.as_deref()), (CABLE, Some("para. 2")));
    assert!(draft.citations.iter().any(|c| c.key == "mek-newsletter-2011" && c.in_text));
    assert_eq!(draft.bibliographies, ["../corpus/references.bib"]);
    for hidden in ["TITLE", "not-a-quote", "not a quote", "an example", "code", "verbatim", "example.org", ":writing:"]
    {
        assert!(!draft.prose.contains(hidden), "{hidden:?} should not be prose");
    }
    assert!(draft.prose.contains("a link"));
}

/// Runs `quoteline check --format json` from `dir` with the bundled corpus.
fn check_cli(dir: &std::path::Path, args: &[&str]) -> (serde_json::Value, Option<i32>, String) {
    let corpus = common::repo_path("corpus");
    let output = assert_cmd::Command::cargo_bin("quoteline")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "json", "--corpus", corpus.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (serde_json::from_slice(&output.stdout).expect("JSON report"), output.status.code(), stderr)
}

#[test]
fn check_recurses_over_typst_rst_and_org_drafts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("drafts")).unwrap();
    std::fs::write(dir.path().join("drafts/article.typ"), TYPST_DRAFT).unwrap();
    std::fs::write(dir.path().join("drafts/article.rst"), RST_DRAFT).unwrap();
    std::fs::write(dir.path().join("drafts/article.org"), ORG_DRAFT).unwrap();
    std::fs::write(dir.path().join("drafts/build.py"), "print(\"not a draft\")\n").unwrap();
    let (report, code, _) = check_cli(dir.path(), &["drafts"]);
    let files: Vec<&str> = report["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().all(|f| f.ends_with(".org") || f.ends_with(".rst") || f.ends_with(".typ")));
    assert_eq!(report["summary"]["drift"], 3, "one drifted quote per draft");
    assert_eq!(code, Some(1), "drift is a warning");
    // The drift is reported where it stands in the rST draft.
    let rst =
        report["files"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with(".rst")).unwrap();
    let drift = rst["quotes"].as_array().unwrap().iter().find(|q| q["verdict"] == "drift").unwrap();
    let line = RST_DRAFT[..RST_DRAFT.find("\"almost entirely").unwrap()].matches('\n').count() + 1;
    assert_eq!(drift["start"]["line"], line as u64);
}

#[test]
fn drafts_bring_their_own_bibliographies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("refs")).unwrap();
    std::fs::write(
        dir.path().join("refs/extra.yaml"),
        "- id: rajavi-interview-2003\n  title: Interview with Maryam Rajavi\n  issued: 2003\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("refs/extra.bib"), "@article{hrw-2005, title = {No Exit}, year = {2005}}\n")
        .unwrap();
    std::fs::write(
        dir.path().join("article.md"),
        "---\ntitle: Draft\nbibliography: refs/extra.yaml\nreferences:\n- id: memo-2012\n  title: An internal memo\n---\n\n\
         As [@rajavi-interview-2003] and [@memo-2012] show, and [@nobody-2020] does not.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("article.tex"),
        "\\addbibresource{refs/extra.bib}\n\\bibliography{refs/missing}\nAs \\textcite{hrw-2005} and \\cite{nobody-2021} wrote.\n",
    )
    .unwrap();
    let (report, _, stderr) = check_cli(dir.path(), &["article.md", "article.tex"]);
    let unknown: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap().clone())
        .filter(|d| d["code"] == "unknown-citation")
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(unknown.len(), 2, "{unknown:?}");
    assert!(unknown[0].contains("nobody-2020") && unknown[1].contains("nobody-2021"), "{unknown:?}");
    assert!(stderr.contains("refs/missing.bib does not exist"), "{stderr}");
}
