//! The server never crashes or hangs: out-of-range positions, edits to unknown documents,
//! unbalanced quotes, a 1 MB single-line draft, thousands of rapid edits, cancelled requests.

mod lsp_support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use lsp_support::{uri, TestClient};

const QUOTE: &str =
    "“almost entirely dismissive of the MEK, reacting with either disdain or apathy” [@state-dept-cable-2011]";

async fn ready() -> TestClient {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    client
}

/// The server still answers: a hover on a known quote works.
async fn still_serving(client: &mut TestClient) {
    client.open("probe.md", "markdown", &format!("Probe 😀 {QUOTE}.\n")).await;
    let hover = client
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri("probe.md")}, "position": {"line": 0, "character": 12}}),
        )
        .await;
    assert!(hover["contents"]["value"].as_str().unwrap().contains("drift"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_positions_and_unknown_documents_are_answered() {
    let mut client = ready().await;
    client.open("small.md", "markdown", "Short 😀 “text\n").await;
    let far = json!({"line": 4_000_000_000u32, "character": 4_000_000_000u32});
    let at = |name: &str| json!({"textDocument": {"uri": uri(name)}, "position": far});
    for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition"] {
        for name in ["small.md", "unknown.md"] {
            let response = client.request(method, at(name)).await;
            assert!(response.get("error").is_none(), "{method} on {name}: {response}");
        }
    }
    // Inside a surrogate pair, reversed ranges, ranges past the end.
    let reversed = json!({"start": {"line": 9, "character": 9}, "end": {"line": 0, "character": 7}});
    for method in ["textDocument/codeAction", "textDocument/inlayHint"] {
        let response = client
            .request(
                method,
                json!({"textDocument": {"uri": uri("small.md")}, "range": reversed, "context": {"diagnostics": []}}),
            )
            .await;
        assert!(response.get("error").is_none(), "{method}: {response}");
    }
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri("small.md"), "version": 2},
                   "contentChanges": [{"range": {"start": {"line": 0, "character": 7}, "end": {"line": 99, "character": 99}}, "text": "!"}]}),
        )
        .await;
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri("nobody.md"), "version": 2}, "contentChanges": [{"text": "x"}]}),
        )
        .await;
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri("never-opened.md")}})).await;
    let diagnostics = client.diagnostics("small.md", 2).await;
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    still_serving(&mut client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbalanced_quotes_are_reported_not_fatal() {
    let mut client = ready().await;
    let text = "He said “almost uniformly dismissive of the MEK, and then\n\nA \"straight one and ‘a single\n\n” stray closer « and » ``latex\n";
    client.open("unbalanced.md", "markdown", text).await;
    let diagnostics = client.diagnostics("unbalanced.md", 1).await;
    assert!(diagnostics.iter().any(|d| d["code"] == "unclosed-quote"), "{diagnostics:#?}");
    still_serving(&mut client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_megabyte_single_line_draft_is_checked() {
    let mut client = ready().await;
    let mut line = String::new();
    while line.len() < 1 << 20 {
        line.push_str("Filler words 😀 مجاهدین and more filler, ");
        if line.len().is_multiple_of(61) {
            line.push_str(QUOTE);
            line.push(' ');
        }
    }
    line.push_str(QUOTE);
    line.push('\n');
    client.open("huge.md", "markdown", &line).await;
    let diagnostics = client.diagnostics("huge.md", 1).await;
    assert!(diagnostics.iter().any(|d| d["code"] == "drift"));
    let end = lsp_support::pos16(&line, "“almost", 3);
    let started = Instant::now();
    let hover =
        client.call("textDocument/hover", json!({"textDocument": {"uri": uri("huge.md")}, "position": end})).await;
    assert!(hover["contents"]["value"].as_str().unwrap().contains("drift"));
    let completion = client
        .request("textDocument/completion", json!({"textDocument": {"uri": uri("huge.md")}, "position": end}))
        .await;
    assert!(completion.get("error").is_none());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_rapid_edits_end_in_one_current_result() {
    let mut client = ready().await;
    let start = format!("Typing 😀 {QUOTE}.\n");
    client.open("typing.md", "markdown", &start).await;
    client.diagnostics("typing.md", 1).await;
    // Type 3000 characters at the start of line 1, one change per keystroke.
    let mut typed = String::new();
    for version in 2..3002 {
        let c = if version % 11 == 0 { '\n' } else { 'é' };
        let line = typed.matches('\n').count();
        let col = typed.rsplit('\n').next().unwrap().chars().count();
        client
            .notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri("typing.md"), "version": version},
                       "contentChanges": [{"range": {"start": {"line": 1 + line, "character": col}, "end": {"line": 1 + line, "character": col}}, "text": c.to_string()}]}),
            )
            .await;
        typed.push(c);
    }
    let diagnostics = client.diagnostics("typing.md", 3001).await;
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["range"]["start"], json!({"line": 0, "character": 10}));
    // The rope agrees with the client: a hover on the last typed line finds no quote, and the
    // quote is still where it was.
    let hover = client
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri("typing.md")}, "position": {"line": 0, "character": 12}}),
        )
        .await;
    assert!(hover["contents"]["value"].as_str().unwrap().contains("drift"));
    let published = client.drain(Duration::from_millis(300)).await;
    let versions: Vec<&Value> = published
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| &m["params"]["version"])
        .filter(|v| v.as_i64().unwrap_or(0) > 1)
        .collect();
    assert!(versions.iter().all(|v| **v == 3001), "stale results published: {versions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_requests_answer_request_cancelled_and_stop() {
    // A workspace with many drafts on disk makes find-references slow.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..400 {
        let mut text = String::new();
        for j in 0..30 {
            text.push_str(&format!(
                "Note {i}-{j}: “almost entirely dismissive of the MEK number {i} {j}, reacting with either disdain or apathy” [@state-dept-cable-2011].\n\n"
            ));
        }
        std::fs::write(dir.path().join(format!("draft-{i}.md")), text).unwrap();
    }
    let mut client = TestClient::start(lsp_support::bundled_settings());
    let root = format!("file://{}", dir.path().display());
    client.initialize_at(&root, json!({}), lsp_support::bundled_settings()).await;
    client.wait_for("quoteline/status", |p| p["state"] == "ready").await;
    let cable = std::fs::read_to_string(format!("{}/state-dept-cable-2011.txt", lsp_support::corpus_dir())).unwrap();
    let at = lsp_support::pos16(&cable, "almost uniformly dismissive", 3);
    let (id, response) = client
        .send_request(
            "textDocument/references",
            json!({"textDocument": {"uri": lsp_support::source_uri("state-dept-cable-2011")}, "position": at, "context": {"includeDeclaration": false}}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.notify("$/cancelRequest", json!({"id": id})).await;
    let response =
        tokio::time::timeout(Duration::from_secs(5), response).await.expect("cancellation is prompt").unwrap();
    assert_eq!(response["error"]["code"], -32800, "{response}");
    let started = Instant::now();
    still_serving(&mut client).await;
    assert!(started.elapsed() < Duration::from_secs(5));
}
