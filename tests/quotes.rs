//! Quote and citation extraction, format by format: each test is a draft and the quotes (with
//! their cited keys) it must yield.

use quoteline::quotes::{extract, DraftFormat};

/// (quote text, cited keys, unclosed) for every quote of a draft.
fn quotes(text: &str, format: DraftFormat) -> Vec<(String, Vec<String>, bool)> {
    let draft = extract(text, format);
    draft
        .quotes
        .iter()
        .map(|q| {
            let keys = draft.cited_keys(q).into_iter().map(String::from).collect();
            (draft.quote_text(q), keys, q.unclosed)
        })
        .collect()
}

fn md(text: &str) -> Vec<(String, Vec<String>, bool)> {
    quotes(text, DraftFormat::Markdown)
}

fn q(text: &str, keys: &[&str]) -> (String, Vec<String>, bool) {
    (text.to_owned(), keys.iter().map(|k| k.to_string()).collect(), false)
}

#[test]
fn curly_straight_guillemet_and_low_nine_marks() {
    let found = md("A “one two” B \"three four\" C «five six» D „sieben acht“ E ‘nine ten’.");
    assert_eq!(
        found,
        [q("one two", &[]), q("three four", &[]), q("five six", &[]), q("sieben acht", &[]), q("nine ten", &[])]
    );
}

#[test]
fn apostrophes_do_not_close_single_quotes() {
    let found = md("He said ‘the group’s leaders don’t speak for Iranians’ and left.");
    assert_eq!(found, [q("the group’s leaders don’t speak for Iranians", &[])]);
    // A possessive after a plural is not a quote at all.
    assert!(md("The Iranians’ view was clear.").is_empty());
}

#[test]
fn nested_quotes_stay_inside_the_outer_quote() {
    let found = md("“the ‘Mujahedin-e Khalq’ (MEK) opposition group” [@state-dept-cable-2011]");
    assert_eq!(found, [q("the ‘Mujahedin-e Khalq’ (MEK) opposition group", &["state-dept-cable-2011"])]);
}

#[test]
fn unclosed_mark_ends_at_its_paragraph() {
    let found = md("He wrote “the group is finished and\nnever came back.\n\nA new paragraph with “a closed quote”.");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0], ("the group is finished and never came back.".to_owned(), vec![], true));
    assert_eq!(found[1], q("a closed quote", &[]));
}

#[test]
fn markdown_code_html_links_and_front_matter_are_not_prose() {
    let text = "---\ntitle: \"Not a quote here\"\n---\n\nUse `\"not a quote\"` and\n\n```\n“not a quote either”\n```\n\n<p>“nor this”</p>\n\nSee [“the link text”](https://example.org/\"x\") now.\n";
    assert_eq!(md(text), [q("the link text", &[])]);
}

#[test]
fn pandoc_citation_forms() {
    let found = md("“one” [@a, p. 3]. “two” and “three” [see @b; @c]. “four” [-@d].");
    assert_eq!(found, [q("one", &["a"]), q("two", &["b", "c"]), q("three", &["b", "c"]), q("four", &["d"])]);
    let draft = extract("“one” [@a, p. 3].", DraftFormat::Markdown);
    assert_eq!(draft.citations[0].locator.as_deref(), Some("p. 3"));
}

#[test]
fn citation_attaches_before_the_next_quote_only() {
    let found = md("“one” [@a] and “two” [@b].\n\n“three” stands alone.");
    assert_eq!(found, [q("one", &["a"]), q("two", &["b"]), q("three", &[])]);
}

#[test]
fn in_text_citation_attaches_to_the_next_quote_in_its_sentence() {
    let found = md("As @wikipedia-pmoi notes, “first quote”. Then “second quote”.");
    assert_eq!(found, [q("first quote", &["wikipedia-pmoi"]), q("second quote", &[])]);
    // An e-mail address is not a citation.
    assert!(extract("Write to press@example.org.", DraftFormat::Markdown).citations.is_empty());
}

#[test]
fn footnote_that_cites_cites_the_quote() {
    let found = md("The cable said “no popular support”.[^1]\n\n[^1]: See [@state-dept-cable-2011], para. 2.\n");
    assert_eq!(found[0], q("no popular support", &["state-dept-cable-2011"]));
}

#[test]
fn markdown_block_quote_is_one_quote_from_its_first_marker() {
    let text = "Intro.\n\n> First line of the quote\n> and its second line.\n\nAfter [@k].\n";
    let draft = extract(text, DraftFormat::Markdown);
    assert_eq!(draft.quotes.len(), 1);
    assert!(draft.quotes[0].block);
    assert_eq!(&text[draft.quotes[0].span.start..draft.quotes[0].span.start + 1], ">");
    assert_eq!(draft.quote_text(&draft.quotes[0]), "First line of the quote and its second line.");
}

#[test]
fn latex_quotes_citations_comments_and_math() {
    let text = r#"\section{Intro}
The cable says ``no significant popular support'' \cite{state-dept-cable-2011}.
% “a commented quote” \cite{nope}
Math $x = "y"$ is skipped, and \enquote{an enquoted phrase} is kept \parencite[p.~3]{wikipedia-pmoi}.
\textcite{mek-profiles-2012} wrote ``narrative quote''.
\begin{quote}
A block quotation in \emph{LaTeX} form.
\end{quote}
\autocite{mek-newsletter-2011}
"#;
    let found = quotes(text, DraftFormat::Latex);
    assert_eq!(
        found,
        [
            q("no significant popular support", &["state-dept-cable-2011"]),
            q("an enquoted phrase", &["wikipedia-pmoi"]),
            q("narrative quote", &["mek-profiles-2012"]),
            q("A block quotation in LaTeX form.", &["mek-newsletter-2011"]),
        ]
    );
}

#[test]
fn plain_text_paragraphs() {
    let found = quotes("One “quote here” [@a].\n\nAnother \"one there\".", DraftFormat::Plain);
    assert_eq!(found, [q("quote here", &["a"]), q("one there", &[])]);
}

#[test]
fn a_megabyte_single_line_with_unbalanced_quotes_stays_linear() {
    let mut text = String::from("Start “unclosed ");
    while text.len() < 1_000_000 {
        text.push_str("word “nested ‘inner don’t ");
    }
    let started = std::time::Instant::now();
    let draft = extract(&text, DraftFormat::Markdown);
    assert_eq!(draft.quotes.len(), 1);
    assert!(draft.quotes[0].unclosed);
    // Not a speed target (those live in benches): a guard against quadratic blow-ups only.
    assert!(started.elapsed().as_secs() < 20);
}
