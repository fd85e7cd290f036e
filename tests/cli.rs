//! The `quoteline` binary end to end: arguments in, output and exit code out.

mod common;

use std::fs;

use assert_cmd::Command;
use common::repo_path;
use serde_json::Value;

fn quoteline() -> Command {
    let mut cmd = Command::cargo_bin("quoteline").expect("binary builds");
    cmd.current_dir(repo_path("")).env("NO_COLOR", "1");
    cmd
}

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(output)))
}

#[test]
fn example_draft_shows_every_verdict_in_the_documented_json_shape() {
    let out = quoteline().args(["check", "--format", "json", "examples/draft.md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "drift and misattribution warn, so the run fails");
    let report = json_of(&out.stdout);
    assert_eq!(report["version"], 1);
    let summary = &report["summary"];
    for verdict in ["exact", "altered", "drift", "misattributed", "unsourced", "unchecked"] {
        assert!(summary[verdict].as_u64().unwrap() >= 1, "no {verdict} in {summary}");
    }
    let file = &report["files"][0];
    assert_eq!(file["path"], "examples/draft.md");
    let drift = file["quotes"].as_array().unwrap().iter().find(|q| q["verdict"] == "drift").unwrap();
    for field in ["start", "end", "text", "verdict", "cited", "source", "also_found_in", "similarity", "edits"] {
        assert!(drift.get(field).is_some(), "quote lacks {field}: {drift}");
    }
    assert_eq!(drift["edits"][0], serde_json::json!({"op": "replace", "draft": "entirely", "source": "uniformly"}));
    assert_eq!(drift["source"]["path"], "corpus/state-dept-cable-2011.txt");
    assert_eq!(drift["source"]["start"], serde_json::json!({"line": 30, "column": 114}));
    // The quote starts at its opening mark: line 20, column 24 (columns count characters).
    assert_eq!(drift["start"], serde_json::json!({"line": 20, "column": 24}));
    let diagnostic = &file["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "drift").unwrap();
    assert_eq!(diagnostic["severity"], "warning");
    assert_eq!(
        diagnostic["message"],
        "quote drifted from [@state-dept-cable-2011]: source says ‘uniformly’, draft says ‘entirely’"
    );
}

#[test]
fn human_output_underlines_the_quote_and_shows_the_diff() {
    let out = quoteline().args(["check", "examples/draft.md"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("warning[drift]: quote drifted from [@state-dept-cable-2011]: source says ‘uniformly’, draft says ‘entirely’"), "{text}");
    assert!(text.contains("--> examples/draft.md:20:24"), "{text}");
    assert!(text.contains("diff: almost [-uniformly-] {+entirely+} dismissive of the MEK"), "{text}");
    assert!(!text.contains("\u{1b}["), "NO_COLOR and a pipe mean no colour");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with(
            "quoteline: 1 file, 12 quotes: 4 exact, 2 altered, 3 drift, 1 misattributed, 1 unsourced, 1 unchecked"
        ),
        "{last}"
    );
}

#[test]
fn fail_on_sets_the_exit_code() {
    quoteline().args(["check", "--fail-on", "never", "examples/draft.md"]).assert().code(0);
    quoteline().args(["check", "--fail-on", "error", "examples/draft.md"]).assert().code(0);
    quoteline().args(["check", "--fail-on", "hint", "examples/draft.md"]).assert().code(1);
}

#[test]
fn clean_draft_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("clean.md");
    fs::write(&draft, "It said “Its headquarters are currently in Albania” [@wikipedia-pmoi].\n").unwrap();
    quoteline().args(["check", draft.to_str().unwrap()]).assert().code(0);
}

#[test]
fn github_format_writes_workflow_commands() {
    let out = quoteline().args(["check", "--format", "github", "examples/draft.md"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("::warning file=examples/draft.md,line=20,col=24,endLine=21,endColumn=8,title=quoteline drift::quote drifted")),
        "{text}"
    );
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
}

#[test]
fn sarif_format_has_results_with_regions_and_related_sources() {
    let out = quoteline().args(["check", "--format", "sarif", "examples/draft.md"]).output().unwrap();
    let sarif = json_of(&out.stdout);
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let drift = results.iter().find(|r| r["ruleId"] == "drift").unwrap();
    assert_eq!(drift["locations"][0]["physicalLocation"]["region"]["startLine"], 20);
    assert_eq!(
        drift["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "corpus/state-dept-cable-2011.txt"
    );
}

#[test]
fn stdin_draft_with_a_name() {
    let out = quoteline()
        .args(["check", "--format", "json", "--stdin-filename", "notes.md", "-"])
        .write_stdin(
            "“almost entirely dismissive of the MEK, reacting with either disdain or apathy” [@state-dept-cable-2011]",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out.stdout);
    assert_eq!(report["files"][0]["path"], "notes.md");
    assert_eq!(report["files"][0]["quotes"][0]["verdict"], "drift");
}

#[test]
fn missing_corpus_is_a_usage_error() {
    let out = quoteline().args(["check", "--corpus", "no/such/dir", "examples/draft.md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "error: corpus path no/such/dir does not exist");
}

#[test]
fn missing_draft_is_an_io_error() {
    let out = quoteline().args(["check", "no-such-draft.md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read draft no-such-draft.md"));
}

#[test]
fn bad_corpus_files_warn_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("latin1.txt"), b"The caf\xe9 report says the group has no popular support at all.\n")
        .unwrap();
    fs::write(corpus.join("scan.txt"), b"%PDF-1.4\x00\x01\x02binary").unwrap();
    fs::write(corpus.join("refs.bib"), "@article{broken, title = {Unclosed\n").unwrap();
    let draft = dir.path().join("d.md");
    fs::write(&draft, "“the group has no popular support at all” [@latin1]\n").unwrap();
    let out = quoteline().args(["check", "--format", "json", "--corpus"]).arg(&corpus).arg(&draft).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("latin1.txt: invalid UTF-8 (first bad byte at offset 7)"), "{stderr}");
    assert!(stderr.contains("scan.txt: binary file skipped"), "{stderr}");
    assert!(stderr.contains("refs.bib: line 2: malformed bibliography"), "{stderr}");
    let report = json_of(&out.stdout);
    assert_eq!(report["files"][0]["quotes"][0]["verdict"], "exact", "the lossily decoded text is still evidence");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn empty_corpus_warns_and_every_quote_is_unsourced() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("d.md");
    fs::write(&draft, "“a quote of some length here”\n").unwrap();
    let out = quoteline()
        .args(["check", "--format", "json", "--corpus"])
        .arg(dir.path().join("..").join(dir.path().file_name().unwrap()).join("nothing-here-is-text.bin"))
        .arg(&draft)
        .output()
        .unwrap();
    // A named file that does not exist is a missing corpus...
    assert_eq!(out.status.code(), Some(2));
    // ...while an existing folder without texts is an empty one.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let out = quoteline().args(["check", "--format", "json", "--corpus"]).arg(&empty).arg(&draft).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("the corpus has no source texts"));
    assert_eq!(json_of(&out.stdout)["summary"]["unsourced"], 1);
}

#[test]
fn megabyte_single_line_draft_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("big.md");
    let mut text = String::new();
    while text.len() < 1_000_000 {
        text.push_str("Filler words “Any U.S. support for MEK would extremely damage its reputation” [@state-dept-cable-2011] and ");
    }
    text.push_str("“an unbalanced mark at the end");
    fs::write(&draft, &text).unwrap();
    let out = quoteline().args(["check", "--format", "json"]).arg(&draft).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out.stdout);
    assert!(report["summary"]["exact"].as_u64().unwrap() > 1000);
    let last = report["files"][0]["diagnostics"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["code"], "unclosed-quote");
}

#[test]
fn config_file_sets_options_and_rejects_typos() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("quoteline.toml"), format!("corpus = [{:?}]\nmin-words = 20\n", repo_path("corpus")))
        .unwrap();
    let draft = dir.path().join("d.md");
    fs::write(&draft, "“almost entirely dismissive of the MEK, reacting with either disdain or apathy”\n").unwrap();
    let mut cmd = Command::cargo_bin("quoteline").unwrap();
    let out = cmd.current_dir(dir.path()).args(["check", "--format", "json", "d.md"]).output().unwrap();
    assert_eq!(json_of(&out.stdout)["files"][0]["quotes"][0]["verdict"], "unchecked", "min-words = 20 applies");
    let mut cmd = Command::cargo_bin("quoteline").unwrap();
    let out =
        cmd.current_dir(dir.path()).args(["check", "--format", "json", "--min-words", "4", "d.md"]).output().unwrap();
    assert_eq!(json_of(&out.stdout)["files"][0]["quotes"][0]["verdict"], "drift", "flags win over the file");
    fs::write(dir.path().join("quoteline.toml"), "min_wrods = 3\n").unwrap();
    let mut cmd = Command::cargo_bin("quoteline").unwrap();
    let out = cmd.current_dir(dir.path()).args(["check", "d.md"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("min_wrods"));
}

#[test]
fn find_locates_a_phrase() {
    let out = quoteline().args(["find", "--json", "cult that punishes former members"]).output().unwrap();
    let rows = json_of(&out.stdout);
    let keys: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"state-dept-cable-2011"), "{keys:?}");
    assert_eq!(rows[0]["verdict"], "exact");
}

#[test]
fn directories_recurse_over_draft_extensions() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("a.md"), "“Its headquarters are currently in Albania”\n").unwrap();
    fs::write(dir.path().join("sub/b.tex"), "``Its headquarters are currently in Albania''\n").unwrap();
    fs::write(dir.path().join("sub/c.png"), [0u8, 1, 2]).unwrap();
    let out = quoteline().args(["check", "--format", "json"]).arg(dir.path()).output().unwrap();
    let report = json_of(&out.stdout);
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["exact"], 2);
}

#[test]
fn index_writes_a_cache_that_check_reuses_until_a_source_changes() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    for entry in fs::read_dir(repo_path("corpus")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, corpus.join(path.file_name().unwrap())).unwrap();
    }
    let out = quoteline().args(["index", "--corpus"]).arg(&corpus).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let cache = dir.path().join(".quoteline/corpus/index.bin");
    assert!(cache.exists());
    assert!(String::from_utf8_lossy(&out.stdout).contains("loads (mapped and verified)"));

    // The example without its front matter, whose bibliography would add the repo's own texts.
    let example = fs::read_to_string(repo_path("examples/draft.md")).unwrap();
    let draft = dir.path().join("draft.md");
    fs::write(&draft, example.split_once("\n---\n").unwrap().1).unwrap();
    let check = |corpus: &std::path::Path| {
        quoteline().args(["check", "--format", "json", "--corpus"]).arg(corpus).arg(&draft).output().unwrap()
    };
    let fresh = check(&corpus);
    assert!(fresh.stderr.is_empty(), "a fresh cache is used silently: {}", String::from_utf8_lossy(&fresh.stderr));
    assert_eq!(json_of(&fresh.stdout)["summary"]["drift"], 3);

    // Editing a source makes the cache stale: rebuilt, said, and the new text is what counts.
    let cable = corpus.join("state-dept-cable-2011.txt");
    let text = fs::read_to_string(&cable).unwrap().replace("almost uniformly dismissive", "almost entirely dismissive");
    fs::write(&cable, text).unwrap();
    let stale = check(&corpus);
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(
        stderr.contains("note: rebuilt the cached index") && stderr.contains("state-dept-cable-2011.txt changed"),
        "{stderr}"
    );
    assert_eq!(json_of(&stale.stdout)["summary"]["drift"], 2, "the edited cable now matches the draft");

    // Garbage in place of the cache is detected, never trusted.
    fs::write(&cache, b"not an index at all").unwrap();
    let corrupt = check(&corpus);
    assert!(String::from_utf8_lossy(&corrupt.stderr).contains("not a quoteline index"));
    assert_eq!(json_of(&corrupt.stdout)["summary"]["drift"], 2);
}

#[test]
fn citing_an_entry_whose_file_is_missing_is_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(corpus.join("cable.txt"), "Any U.S. support for MEK would extremely damage its reputation.\n").unwrap();
    fs::write(corpus.join("refs.bib"), "@report{labott2012, title = {Clinton to remove}, file = {texts/labott.txt}}\n")
        .unwrap();
    let draft = dir.path().join("d.md");
    fs::write(&draft, "“Clinton will remove the group from the list” [@labott2012].\n").unwrap();
    let out = quoteline().args(["check", "--format", "json", "--corpus"]).arg(&corpus).arg(&draft).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("entry `labott2012` points at"));
    let report = json_of(&out.stdout);
    let diagnostics = report["files"][0]["diagnostics"].as_array().unwrap();
    let missing = diagnostics.iter().find(|d| d["code"] == "missing-source-file").expect("a diagnostic");
    assert_eq!(missing["severity"], "warning");
    assert!(missing["message"]
        .as_str()
        .unwrap()
        .starts_with("`labott2012` cannot be checked: its bibliography entry points at"));
    assert!(missing["message"].as_str().unwrap().ends_with("labott.txt, which does not exist"));
    assert!(diagnostics.iter().all(|d| d["code"] != "unknown-citation"), "the key is known");
}

#[test]
fn bench_times_quotes_and_whole_drafts_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let queries = dir.path().join("queries.jsonl");
    fs::write(
        &queries,
        concat!(
            r#"{"id": 1, "text": "any indication of USG support for the MEK would seriously harm USG popularity", "cite": "mko-popular-support-2011"}"#,
            "\n",
            r#"{"id": 2, "text": "the river ferry reopened its winter concert series", "cite": null}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = quoteline()
        .args(["bench", "--corpus", "corpus", "--queries"])
        .arg(&queries)
        .args(["--draft", "examples/draft.md"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out.stdout);
    let verdicts: Vec<&str> =
        report["queries"].as_array().unwrap().iter().map(|q| q["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["exact", "unsourced"]);
    assert_eq!(report["queries"][0]["key"], "mko-popular-support-2011");
    assert_eq!(report["drafts"][0]["quotes"], 12);
    assert!(report["drafts"][0]["micros_repeat"].as_f64().unwrap() > 0.0);
}
