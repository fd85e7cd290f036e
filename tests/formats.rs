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
