//! The server's workspace life: progress and status while indexing, settings from every
//! source, watched corpus files, references from a corpus file, workspace symbols, inlay hints
//! and the re-index command.

mod lsp_support;

use std::time::Duration;

use serde_json::{json, Value};

use lsp_support::{pos16, slice16, source_uri, uri, TestClient};

const DRAFT: &str = "Emoji 😀 — ordinary Iranians were “almost entirely dismissive of the MEK, reacting with either disdain or apathy” [@state-dept-cable-2011].

Uncited 😀: “Any U.S. support for MEK would extremely damage its reputation amongst Iranians and would increase anti-American sentiments in Iran”.
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexing_reports_progress_and_status() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize_with(json!({"window": {"workDoneProgress": true}}), lsp_support::bundled_settings()).await;
    let indexing = client.wait_for("quoteline/status", |p| p["state"] == "indexing").await;
    assert!(indexing["params"]["sources"].is_number());
    let create = client.wait_for("window/workDoneProgress/create", |_| true).await;
    let token = create["params"]["token"].clone();
    let begin = client.wait_for("$/progress", |p| p["token"] == token && p["value"]["kind"] == "begin").await;
    assert_eq!(begin["params"]["value"]["title"], "quoteline: indexing the corpus");
    let end = client.wait_for("$/progress", |p| p["token"] == token && p["value"]["kind"] == "end").await;
    assert!(end["params"]["value"]["message"].as_str().unwrap().starts_with("5 sources, "));
    let ready = client.wait_for("quoteline/status", |p| p["state"] == "ready").await;
    assert_eq!(ready["params"]["sources"], 5);
    assert!(ready["params"]["passages"].as_u64().unwrap() > 50);
    assert!(ready["params"].get("message").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_before_the_index_is_ready_answer_and_diagnostics_follow() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize_with(json!({}), lsp_support::bundled_settings()).await;
    client.open("early.md", "markdown", DRAFT).await;
    // Whatever the index's state, these answer at once without an error.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri("early.md")}, "position": pos16(DRAFT, "entirely", 0)}),
        )
        .await;
    assert!(hover.get("error").is_none(), "{hover}");
    let symbols = client.call("workspace/symbol", json!({"query": "dismissive"})).await;
    assert!(symbols.is_array());
    let diagnostics = client.diagnostics("early.md", 1).await;
    assert!(diagnostics.iter().any(|d| d["code"] == "drift"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_change_severities_and_invalid_ones_keep_the_last_good() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    // Invalid initialization options: a message, then the defaults (and the bundled corpus from
    // the client's configuration, pulled after `initialized`).
    client
        .initialize_with(
            json!({"workspace": {"configuration": true}}),
            json!({"quoteline": {"minWords": "many", "corpus": [lsp_support::corpus_dir()]}}),
        )
        .await;
    let message = client.wait_for("window/showMessage", |_| true).await;
    assert_eq!(message["params"]["type"], 1);
    assert!(message["params"]["message"].as_str().unwrap().contains("invalid"), "{message}");
    client.wait_for("quoteline/status", |p| p["state"] == "ready").await;
    client.open("draft.md", "markdown", DRAFT).await;
    let diagnostics = client.diagnostics("draft.md", 1).await;
    assert_eq!(diagnostics.iter().find(|d| d["code"] == "drift").unwrap()["severity"], 2);

    // didChangeConfiguration with the settings in the notification (this client's pulled
    // configuration is the same bundled corpus, so send them directly to a non-pulling server).
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    client.open("draft.md", "markdown", DRAFT).await;
    client.diagnostics("draft.md", 1).await;
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"quoteline": {"corpus": [lsp_support::corpus_dir()], "severity": {"drift": "error", "exact": "hint"}}}}),
        )
        .await;
    let diagnostics = client.diagnostics("draft.md", 1).await;
    assert_eq!(diagnostics.iter().find(|d| d["code"] == "drift").unwrap()["severity"], 1);
    assert_eq!(diagnostics.iter().find(|d| d["code"] == "exact").unwrap()["severity"], 4);

    client
        .notify("workspace/didChangeConfiguration", json!({"settings": {"quoteline": {"severity": {"drift": "loud"}}}}))
        .await;
    let message = client.wait_for("window/showMessage", |_| true).await;
    assert!(message["params"]["message"].as_str().unwrap().contains("keeping the previous settings"));
    // Still the last good settings.
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri("draft.md"), "version": 2}, "contentChanges": [{"text": DRAFT}]}),
        )
        .await;
    let diagnostics = client.diagnostics("draft.md", 2).await;
    assert_eq!(diagnostics.iter().find(|d| d["code"] == "drift").unwrap()["severity"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_corpus_changes_reindex_and_recheck_open_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("first.txt"), "Nothing here resembles the quote at all, truly.\n").unwrap();
    let settings = json!({"quoteline": {}});
    let mut client = TestClient::start(settings.clone());
    let root = format!("file://{}", dir.path().display());
    client
        .initialize_at(&root, json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}), settings)
        .await;
    let registration = client.wait_for("client/registerCapability", |_| true).await;
    let registered = &registration["params"]["registrations"][0];
    assert_eq!(registered["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<String> = registered["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap().to_owned())
        .collect();
    assert!(globs.contains(&format!("{}/**/*", corpus.display())), "{globs:?}");
    client.wait_for("quoteline/status", |p| p["state"] == "ready" && p["sources"] == 1).await;

    let text = "He wrote “the orchard behind the mill was sold in the spring of that year” [@second].\n";
    client.open("notes.md", "markdown", text).await;
    let diagnostics = client.diagnostics("notes.md", 1).await;
    assert!(diagnostics.iter().any(|d| d["code"] == "unsourced"), "{diagnostics:#?}");

    let new_file = corpus.join("second.txt");
    std::fs::write(&new_file, "In short, the orchard behind the mill was sold in the spring of that year.\n").unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": format!("file://{}", new_file.display()), "type": 1}]}),
        )
        .await;
    client.wait_for("quoteline/status", |p| p["state"] == "ready" && p["sources"] == 2).await;
    let diagnostics = client.diagnostics("notes.md", 1).await;
    assert!(diagnostics.is_empty(), "now an exact quote: {diagnostics:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_from_a_corpus_file_find_the_drafts_that_quote_it() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    client.open("a.md", "markdown", DRAFT).await;
    let other = "Another 😀 take: “almost uniformly dismissive of the MEK” [@state-dept-cable-2011].\n";
    client.open("b.md", "markdown", other).await;
    let unrelated = "Nothing quoted here.\n";
    client.open("c.md", "markdown", unrelated).await;
    let cable = std::fs::read_to_string(format!("{}/state-dept-cable-2011.txt", lsp_support::corpus_dir())).unwrap();
    let at = pos16(&cable, "almost uniformly dismissive", 7);
    let locations = client
        .call(
            "textDocument/references",
            json!({"textDocument": {"uri": source_uri("state-dept-cable-2011")}, "position": at, "context": {"includeDeclaration": true}}),
        )
        .await;
    let mut found: Vec<(String, String)> = locations
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let uri = l["uri"].as_str().unwrap().to_owned();
            let text = if uri.ends_with("a.md") { DRAFT } else { other };
            (uri.clone(), slice16(text, &l["range"]).to_owned())
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (uri("a.md"), "“almost entirely dismissive of the MEK, reacting with either disdain or apathy”".to_owned()),
            (uri("b.md"), "“almost uniformly dismissive of the MEK”".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_symbols_search_corpus_passages() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    let symbols = client.call("workspace/symbol", json!({"query": "unanimity rare among Iranians"})).await;
    let symbols = symbols.as_array().unwrap();
    assert!(!symbols.is_empty());
    let cable = symbols.iter().find(|s| s["location"]["uri"] == source_uri("state-dept-cable-2011")).unwrap();
    assert!(cable["name"].as_str().unwrap().contains("unanimity rare among Iranians, anecdotal"), "{cable:#}");
    assert_eq!(cable["kind"], 15, "SymbolKind.String");
    assert!(cable["containerName"].as_str().unwrap().starts_with("[@state-dept-cable-2011]"));
    let text = std::fs::read_to_string(format!("{}/state-dept-cable-2011.txt", lsp_support::corpus_dir())).unwrap();
    assert!(slice16(&text, &cable["location"]["range"]).starts_with("unanimity rare among Iranians"));
    // A half-remembered wording still finds its passage.
    let fuzzy = client.call("workspace/symbol", json!({"query": "almost entirely dismissive of the MEK"})).await;
    assert!(fuzzy
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"].as_str().unwrap().contains("almost uniformly dismissive")));
    assert_eq!(client.call("workspace/symbol", json!({"query": ""})).await, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inlay_hints_name_the_source_of_uncited_quotes_unless_turned_off() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    client.open("draft.md", "markdown", DRAFT).await;
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}});
    let hints =
        client.call("textDocument/inlayHint", json!({"textDocument": {"uri": uri("draft.md")}, "range": whole})).await;
    let hints = hints.as_array().unwrap();
    assert_eq!(hints.len(), 1, "{hints:#?}");
    assert_eq!(hints[0]["label"], "[@state-dept-cable-2011]");
    assert_eq!(hints[0]["position"], pos16(DRAFT, "”.\n", 1));
    assert_eq!(hints[0]["textEdits"][0]["newText"], " [@state-dept-cable-2011]");

    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"quoteline": {"corpus": [lsp_support::corpus_dir()], "inlayHints": false}}}),
        )
        .await;
    let off = tokio::time::timeout(lsp_support::TIMEOUT, async {
        loop {
            let hints = client
                .call("textDocument/inlayHint", json!({"textDocument": {"uri": uri("draft.md")}, "range": whole}))
                .await;
            if hints == json!([]) {
                return hints;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(off, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reindex_command_reindexes() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    let result =
        client.call("workspace/executeCommand", json!({"command": "quoteline.reindex", "arguments": []})).await;
    assert_eq!(result, Value::Null);
    client.wait_for("quoteline/status", |p| p["state"] == "indexing").await;
    client.wait_for("quoteline/status", |p| p["state"] == "ready" && p["sources"] == 5).await;
    let unknown = client.request("workspace/executeCommand", json!({"command": "quoteline.nope"})).await;
    assert!(unknown.get("error").is_some());
}
