//! Verdicts on real quotes of the bundled corpus: one test per verdict and per normalisation
//! case, each a draft snippet and what quoteline must say about it.

mod common;

use common::{check_markdown, check_one, source_text};
use quoteline::align::EditOp;
use quoteline::check::{CheckOptions, IndexedCorpus, Verdict};
use quoteline::corpus::{Corpus, Source};
use quoteline::quotes::DraftFormat;

#[test]
fn exact_quote_of_the_cable_names_the_other_copies() {
    let q = check_one("It warned that “Any U.S. support for MEK would extremely damage its reputation amongst Iranians” [@state-dept-cable-2011].");
    assert_eq!(q.verdict, Verdict::Exact);
    assert_eq!(q.source.as_ref().unwrap().key, "state-dept-cable-2011");
    // The cable is reprinted by the newsletter (hyphenated) and the MKO site.
    assert_eq!(q.also_found_in, ["mek-newsletter-2011", "mko-popular-support-2011"]);
    assert_eq!(q.similarity, 1.0);
}

#[test]
fn hyphenated_line_break_in_the_newsletter_is_exact() {
    // mek-newsletter-2011 line 2-3: "the U.S. Ambassa-\ndor to Iraq James Jeffrey"
    let q = check_one("“with the U.S. Ambassador to Iraq James Jeffrey introducing a new and positive approach” [@mek-newsletter-2011]");
    assert_eq!(q.verdict, Verdict::Exact, "{:?}", q.edits);
    let span = q.source.unwrap().span;
    assert!(source_text("mek-newsletter-2011")[span].contains("Ambassa-\ndor"));
}

#[test]
fn quote_crossing_the_newsletters_in_crease_break_is_exact_there() {
    // "would in-\ncrease anti-American sentiments" in the newsletter.
    let q = check_one("“would increase anti-American sentiments in Iran” [@mek-newsletter-2011]");
    assert_eq!(q.verdict, Verdict::Exact);
    assert_eq!(q.source.unwrap().key, "mek-newsletter-2011");
}

#[test]
fn changed_first_capital_quote_style_and_dashes_are_still_exact() {
    let q = check_one("\"any u.s. support for MEK would extremely damage its reputation\" [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Exact);
    // The cable writes "Iran-Iraq war" with a hyphen; an en dash is the same word boundary.
    let q = check_one("“primarily due to its alliance with Saddam Hussein during the eight-year Iran–Iraq war” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Exact, "{:?}", q.edits);
}

#[test]
fn curly_apostrophe_in_source_matches_straight_in_draft() {
    let q = check_one("“All Iranians queried tended to disbelieve the MEK's expressed allegiance to the ideals of human rights” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Exact, "{:?}", q.edits);
}

#[test]
fn ellipsis_omission_is_altered() {
    let q = check_one("“Showing a unanimity rare among Iranians, anecdotal information … strongly indicates that the ‘Mujahedin-e Khalq’ (MEK) opposition group has no significant popular support inside Iran” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Altered, "{:?}", q.edits);
    assert_eq!(q.edits.len(), 1);
    assert_eq!(q.edits[0].op, EditOp::Omit);
    assert!(q.edits[0].marked);
    assert!(q.edits[0].source.starts_with("gleaned from both ordinary Iranians"));
    // The cable's first summary says "has not significant"; the chain must use the body's copy.
    assert_eq!(q.source.unwrap().key, "state-dept-cable-2011");
}

#[test]
fn three_dot_and_spaced_ellipses_are_ellipses() {
    for mark in ["...", ". . .", "[…]"] {
        let draft = format!("“ordinary Iranians were almost uniformly dismissive of the MEK {mark} their responses strongly indicating a lack of any significant popular support” [@state-dept-cable-2011]");
        let q = check_one(&draft);
        assert_eq!(q.verdict, Verdict::Altered, "{mark}: {:?}", q.edits);
    }
}

#[test]
fn bracketed_replacement_and_sic_are_altered() {
    let q = check_one("“To the extent that Iranian respondents are familiar with [the Mujahedin] they express severe dislike for the group” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Altered);
    assert_eq!((q.edits[0].op, q.edits[0].source.as_str()), (EditOp::Replace, "the MEK"));
    let q = check_one("“The increasing ascendancy by clerical elements supporting Ayatollah Khomeini after the revolution let [sic] to this group’s gradual elimination” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Altered, "{:?}", q.edits);
}

#[test]
fn replaced_word_is_drift_naming_both_words() {
    let q = check_one("ordinary Iranians were “almost entirely dismissive of the MEK, reacting with either disdain or apathy” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Drift);
    assert_eq!(q.edits.len(), 1);
    let e = &q.edits[0];
    assert_eq!((e.op, e.draft.as_str(), e.source.as_str(), e.typo), (EditOp::Replace, "entirely", "uniformly", false));
}

#[test]
fn dropped_word_without_ellipsis_is_drift() {
    let q = check_one("“Among older Iranians this lack of support was due to MEK support of Saddam Hussein’s Iraq” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Drift);
    assert_eq!((q.edits[0].op, q.edits[0].source.as_str(), q.edits[0].marked), (EditOp::Omit, "largely", false));
}

#[test]
fn silently_fixed_typo_in_headline_is_drift_marked_as_spelling() {
    let q = check_one("“US State Department claims no popular support for Mojahedin Khaq (MKO, MEK, Rajavi cult) among Iranians” [@mko-popular-support-2011]");
    assert_eq!(q.verdict, Verdict::Drift);
    assert_eq!(q.edits.len(), 1, "{:?}", q.edits);
    assert_eq!((q.edits[0].source.as_str(), q.edits[0].draft.as_str()), ("Iranains", "Iranians"));
    assert!(q.edits[0].typo);
    // Quoting the typo faithfully is exact.
    let q = check_one("“claims no popular support for Mojahedin Khaq (MKO, MEK, Rajavi cult) among Iranains” [@mko-popular-support-2011]");
    assert_eq!(q.verdict, Verdict::Exact);
}

#[test]
fn changed_number_is_drift() {
    let q = check_one("“In January and February 2012 State Department Iran-watchers and consular offices in the main posts” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Drift);
    assert_eq!((q.edits[0].draft.as_str(), q.edits[0].source.as_str()), ("2012", "2011"));
}

#[test]
fn quote_from_another_source_is_misattributed() {
    let q = check_one("the group “is also deeply unpopular today within Iran, largely due to its siding with Iraq in the Iran–Iraq War” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Misattributed);
    assert_eq!(q.cited, ["state-dept-cable-2011"]);
    assert_eq!(q.source.unwrap().key, "wikipedia-pmoi");
}

#[test]
fn drifted_quote_from_another_source_is_misattributed_to_it() {
    // No region of the cable is a candidate, so the cable is read whole before the sources
    // that can only hold a drifted copy are aligned; they must still be aligned after it.
    let q = check_one("the group “is also deeply disliked today within Iran, largely due to its siding with Iraq in the Iran–Iraq War” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Misattributed, "{q:?}");
    assert_eq!(q.source.unwrap().key, "wikipedia-pmoi");
    assert_eq!(q.edits.len(), 1, "{:?}", q.edits);
    assert_eq!(q.edits[0].op, EditOp::Replace);
}

#[test]
fn a_misattributed_quote_made_of_phrases_an_archive_repeats_is_still_found() {
    // An archive in which every three words of the cable's sentence recur thousands of times
    // (each five-word stretch of it, reprinted), while the whole sentence is in one file only.
    let passage = "Any U.S. support for MEK would extremely damage its reputation amongst Iranians and \
                   would increase anti-American sentiments in Iran";
    let words: Vec<&str> = passage.split_whitespace().collect();
    let stretches: Vec<String> = words.windows(5).map(|w| w.join(" ")).collect();
    let filler = (0..600).map(|_| stretches.join(" . ")).collect::<Vec<_>>().join(" . ");
    let mut sources = vec![Source::new("cable-copy", "cable-copy.txt", format!("Summary. {passage}. End summary."))];
    sources.extend((0..4).map(|i| Source::new(format!("wire-{i}"), format!("wire-{i}.txt"), filler.as_str())));
    sources.push(Source::new("unrelated", "unrelated.txt", source_text("wikipedia-pmoi")));
    let indexed = IndexedCorpus::new(Corpus::from_sources(sources)).unwrap();
    let check = |draft: &str| {
        let mut report = indexed.checker(CheckOptions::default()).check_draft(draft, DraftFormat::Markdown);
        report.quotes.remove(0)
    };
    let q = check(&format!("It said “{passage}” [@unrelated]."));
    assert_eq!(q.verdict, Verdict::Misattributed, "{q:?}");
    assert_eq!(q.source.unwrap().key, "cable-copy");
    let q = check(&format!("It said “{passage}”."));
    assert_eq!(q.verdict, Verdict::Exact, "{q:?}");
    assert_eq!(q.source.unwrap().key, "cable-copy");
}

#[test]
fn drifted_quote_in_the_cited_source_is_drift_not_misattributed() {
    // The cable's own wording with a word changed, cited to the MKO reprint that carries it too.
    let q = check_one("“ordinary Iranians were almost entirely dismissive of the MEK” [@mko-popular-support-2011]");
    assert_eq!(q.verdict, Verdict::Drift);
    assert_eq!(q.source.unwrap().key, "mko-popular-support-2011");
}

#[test]
fn invented_quote_is_unsourced() {
    let q =
        check_one("“the MEK enjoys broad and growing support among young voters in Tehran” [@state-dept-cable-2011]");
    assert_eq!(q.verdict, Verdict::Unsourced);
    assert!(q.source.is_none());
}

#[test]
fn short_quotes_are_exact_when_verbatim_else_unchecked() {
    let report = check_markdown("They call it a “cult”, or a “democratic alternative”, or “Rajavi cult”.");
    let verdicts: Vec<Verdict> = report.quotes.iter().map(|q| q.verdict).collect();
    assert_eq!(verdicts, [Verdict::Exact, Verdict::Unchecked, Verdict::Exact]);
    assert!(report.findings.is_empty(), "unchecked and exact quotes warn about nothing: {:?}", report.findings);
}

#[test]
fn in_text_citation_attaches_to_the_following_quote() {
    let q = check_one("As @wikipedia-pmoi puts it, “Its headquarters are currently in Albania.”");
    assert_eq!(q.cited, ["wikipedia-pmoi"]);
    assert_eq!(q.verdict, Verdict::Exact);
}

#[test]
fn persian_text_is_quoted_exactly() {
    let q = check_one("Its Persian name, “سازمان مجاهدین خلق ایران”, appears in the article [@wikipedia-pmoi].");
    assert_eq!(q.verdict, Verdict::Exact, "{:?}", q.edits);
}

#[test]
fn block_quote_with_attribution_line() {
    let report = check_markdown(
        "> The results of this admittedly unscientific polling of contacts and ordinary Iranians\n> concerning the MEK confirms what those familiar with Iran already assumed.\n>\n> — [@state-dept-cable-2011]\n",
    );
    assert_eq!(report.quotes.len(), 1);
    let q = &report.quotes[0];
    assert!(q.quote.block);
    assert_eq!(q.cited, ["state-dept-cable-2011"]);
    assert_eq!(q.verdict, Verdict::Exact, "{:?}", q.edits);
}

#[test]
fn drift_message_says_what_changed_and_points_at_the_source() {
    let report = check_markdown(
        "“almost entirely dismissive of the MEK, reacting with either disdain or apathy” [@state-dept-cable-2011]",
    );
    let finding = &report.findings[0];
    assert_eq!(
        finding.message,
        "quote drifted from [@state-dept-cable-2011]: source says ‘uniformly’, draft says ‘entirely’"
    );
    let related = finding.related.as_ref().unwrap();
    assert!(source_text("state-dept-cable-2011")[related.span.clone()].starts_with("almost uniformly dismissive"));
}

#[test]
fn unknown_citation_key_suggests_the_closest() {
    let report = check_markdown("“Its headquarters are currently in Albania” [@wikipedia-pmo].");
    let finding = report.findings.iter().find(|f| f.code.as_str() == "unknown-citation").expect("finding");
    assert_eq!(finding.message, "unknown citation key `wikipedia-pmo`; did you mean `wikipedia-pmoi`?");
}
