//! The language server's features over the protocol, on drafts quoting the bundled corpus,
//! with curly quotes, em dashes, emoji and Persian text before the quotes so every column is
//! converted.

mod lsp_support;

use serde_json::{json, Value};

use lsp_support::{pos16, pos8, slice16, source_uri, uri, TestClient};

const CABLE: &str = "state-dept-cable-2011";

/// One quote per verdict that has a quick fix, after non-ASCII text on the same lines.
const DRAFT: &str = "# Notes — سازمان مجاهدین خلق 😀

Emoji 😀 and Persian مجاهدین first: ordinary Iranians were “almost entirely dismissive of the MEK, reacting with either disdain or apathy” [@state-dept-cable-2011].

The line that the group “is also deeply unpopular today within Iran, largely due to its siding with Iraq in the Iran–Iraq War” is credited to [@state-dept-cable-2011].

Older — “among older Iranians this lack of support was due to MEK support of Saddam Hussein’s Iraq in the Iran-Iraq war” [@state-dept-cable-2011].

Uncited 😀: “Any U.S. support for MEK would extremely damage its reputation amongst Iranians and would increase anti-American sentiments in Iran”.

Bracketed: “To the extent that Iranian respondents are familiar with [the Mujahedin] they express strong dislike for this group” [@state-dept-cable-2011].
";

async fn opened() -> TestClient {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    client.open("draft.md", "markdown", DRAFT).await;
    client
}

fn by_code<'a>(diagnostics: &'a [Value], code: &str) -> Vec<&'a Value> {
    diagnostics.iter().filter(|d| d["code"] == code).collect()
}

fn source_text(key: &str) -> String {
    std::fs::read_to_string(format!("{}/{key}.txt", lsp_support::corpus_dir())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_negotiates_the_encoding_and_advertises_the_contract() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    let result = client.initialize(json!({})).await;
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["completionProvider"]["triggerCharacters"], json!(["@", "{", "\"", "“", " "]));
    assert_eq!(caps["executeCommandProvider"]["commands"], json!(["quoteline.reindex"]));
    assert_eq!(caps["codeActionProvider"]["codeActionKinds"], json!(["quickfix"]));
    for provider in
        ["hoverProvider", "definitionProvider", "referencesProvider", "workspaceSymbolProvider", "inlayHintProvider"]
    {
        assert_eq!(caps[provider], true, "{provider}");
    }
    assert!(caps.get("diagnosticProvider").is_none(), "push diagnostics unless the client pulls");
    assert_eq!(result["serverInfo"]["name"], "quoteline");

    let mut utf8 = TestClient::start(lsp_support::bundled_settings());
    let result = utf8.initialize(json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}})).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_say_what_changed_and_point_at_the_source() {
    let mut client = opened().await;
    let diagnostics = client.diagnostics("draft.md", 1).await;

    let drift = by_code(&diagnostics, "drift");
    assert_eq!(drift.len(), 3, "{diagnostics:#?}");
    let first = drift[0];
    assert_eq!(first["source"], "quoteline");
    assert_eq!(first["severity"], 2);
    assert_eq!(
        first["message"],
        format!("quote drifted from [@{CABLE}]: source says ‘uniformly’, draft says ‘entirely’")
    );
    assert_eq!(
        slice16(DRAFT, &first["range"]),
        "“almost entirely dismissive of the MEK, reacting with either disdain or apathy”"
    );
    let related = &first["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], source_uri(CABLE));
    assert_eq!(
        slice16(&source_text(CABLE), &related["location"]["range"]),
        "almost uniformly dismissive of the MEK, reacting with either disdain or apathy"
    );
    assert!(related["message"].as_str().unwrap().contains("Iranian Popular Attitudes Towards the MEK"));

    let dropped = drift[1];
    assert_eq!(dropped["message"], format!("quote drifted from [@{CABLE}]: draft drops ‘largely’ without an ellipsis"));

    let misattributed = by_code(&diagnostics, "misattributed");
    assert_eq!(misattributed.len(), 1);
    assert!(misattributed[0]["message"].as_str().unwrap().contains("it is from [@wikipedia-pmoi]"));
    assert_eq!(misattributed[0]["relatedInformation"][0]["location"]["uri"], source_uri("wikipedia-pmoi"));
    assert!(by_code(&diagnostics, "exact").is_empty(), "exact is off by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_in_utf8_columns() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({"general": {"positionEncodings": ["utf-8"]}})).await;
    client.open("draft.md", "markdown", DRAFT).await;
    let diagnostics = client.diagnostics("draft.md", 1).await;
    let first = by_code(&diagnostics, "drift")[0];
    assert_eq!(first["range"]["start"], pos8(DRAFT, "“almost", 0));
    assert_eq!(first["range"]["end"], pos8(DRAFT, "” [@state", 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_edits_recheck_and_only_the_latest_version_is_published() {
    let mut client = opened().await;
    client.diagnostics("draft.md", 1).await;
    // Replace “entirely” with “uniformly”: positions after an emoji and Persian text.
    let start = pos16(DRAFT, "entirely", 0);
    let end = pos16(DRAFT, "entirely", 8);
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri("draft.md"), "version": 2},
                   "contentChanges": [{"range": {"start": start, "end": end}, "text": "uniformly"}]}),
        )
        .await;
    // Then many quick edits: type and delete a character at the document's end.
    let last_line = DRAFT.lines().count();
    for version in 3..=40 {
        let change = if version % 2 == 1 {
            json!({"range": {"start": {"line": last_line, "character": 0}, "end": {"line": last_line, "character": 0}}, "text": "x"})
        } else {
            json!({"range": {"start": {"line": last_line, "character": 0}, "end": {"line": last_line, "character": 1}}, "text": ""})
        };
        client
            .notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri("draft.md"), "version": version}, "contentChanges": [change]}),
            )
            .await;
    }
    let diagnostics = client.diagnostics("draft.md", 40).await;
    assert_eq!(by_code(&diagnostics, "drift").len(), 2, "the fixed quote no longer drifts: {diagnostics:#?}");
    let others = client.drain(std::time::Duration::from_millis(400)).await;
    let stale: Vec<&Value> = others
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"].as_i64().unwrap_or(0) > 1
        })
        .filter(|m| m["params"]["version"] != 40)
        .collect();
    assert!(stale.is_empty(), "stale versions published: {stale:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_on_a_drifted_quote_shows_the_source_in_context_and_the_word_diff() {
    let mut client = opened().await;
    let hover = client
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri("draft.md")}, "position": pos16(DRAFT, "dismissive", 2)}),
        )
        .await;
    assert_eq!(hover["contents"]["kind"], "markdown");
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("`drift`"), "{text}");
    assert!(text.contains("similarity"), "{text}");
    assert!(text.contains("**[@state-dept-cable-2011]** *Iranian Popular Attitudes Towards the MEK*"), "{text}");
    assert!(text.contains("state-dept-cable-2011.txt`, line "), "{text}");
    // The passage in bold, inside a sentence of context.
    assert!(
        text.contains("**almost uniformly dismissive of the MEK, reacting with either disdain or apathy**"),
        "{text}"
    );
    assert!(text.contains("almost ~~uniformly~~ **entirely** dismissive"), "{text}");
    assert!(text.contains("Also in: [@mek-newsletter-2011], [@mko-popular-support-2011]"), "{text}");
    assert!(
        text.contains("**almost uniformly dismissive of the MEK, reacting with either disdain or apathy**, their"),
        "{text}"
    );
    assert_eq!(
        slice16(DRAFT, &hover["range"]),
        "“almost entirely dismissive of the MEK, reacting with either disdain or apathy”"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_on_a_citation_key_shows_its_entry() {
    let mut client = opened().await;
    let hover = client
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri("draft.md")}, "position": pos16(DRAFT, "state-dept-cable-2011].\n\nThe", 3)}),
        )
        .await;
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**[@state-dept-cable-2011]** *Iranian Popular Attitudes Towards the MEK*"), "{text}");
    assert!(text.contains("Date: 2011-05"), "{text}");
    assert!(text.contains("Source text: `"), "{text}");
    let none = client
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri("draft.md")}, "position": {"line": 0, "character": 3}}),
        )
        .await;
    assert_eq!(none, Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citation_keys_complete_after_every_citation_syntax() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    let text = "Persian مجاهدین 😀 [@wiki\nAs @mko\n\\parencite[p. 2]{state-dept-cable-2011, Attitu\nMail me@exa\n";
    client.open("cite.md", "markdown", text).await;
    let complete = |line: u32, character: u32| json!({"textDocument": {"uri": uri("cite.md")}, "position": {"line": line, "character": character}});
    let end0 = pos16(text, "\n", 0)["character"].as_u64().unwrap() as u32;
    let list = client.call("textDocument/completion", complete(0, end0)).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items[0]["label"], "wikipedia-pmoi");
    assert_eq!(items[0]["detail"], "People's Mojahedin Organization of Iran");
    assert_eq!(items[0]["textEdit"]["newText"], "wikipedia-pmoi");
    assert_eq!(items[0]["textEdit"]["range"]["start"], pos16(text, "wiki", 0));
    assert!(items[0]["documentation"]["value"].as_str().unwrap().contains("Wikipedia"));

    let list = client.call("textDocument/completion", complete(1, 7)).await;
    assert_eq!(list["items"][0]["label"], "mko-popular-support-2011");

    // Fuzzy on the title: "Attitu" finds the cable (title "Iranian Popular Attitudes …").
    let list = client.call("textDocument/completion", complete(2, 46)).await;
    assert_eq!(list["items"][0]["label"], CABLE, "{list:#}");

    let none = client.call("textDocument/completion", complete(3, 11)).await;
    assert_eq!(none, Value::Null, "an e-mail address is no citation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quote_completion_offers_the_exact_source_continuation() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    client.initialize(json!({})).await;
    let text = "See [@state-dept-cable-2011].\n\nPersian مجاهدین 😀: “To the extent that Iranian resp\n";
    client.open("typing.md", "markdown", text).await;
    let list = client
        .call(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri("typing.md")}, "position": pos16(text, "resp\n", 4)}),
        )
        .await;
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{list:#}");
    // The cable and the newsletter that reprints it word it differently; both are offered.
    // The cited source's wordings come first.
    assert!(items[0]["detail"].as_str().unwrap().starts_with("[@state-dept-cable-2011]"), "{list:#}");
    let edit = &items[0]["textEdit"];
    let new_text = edit["newText"].as_str().unwrap();
    assert_eq!(
        new_text,
        "To the extent that Iranian respondents are familiar with the MEK they express severe dislike for this group, \
         primarily due to its alliance with Saddam Hussein during the eight-year Iran-Iraq war.” [@state-dept-cable-2011]"
    );
    assert!(items.iter().any(|i| i["textEdit"]["newText"].as_str().unwrap().contains("dislike for the group")));
    assert_eq!(edit["range"]["start"], pos16(text, "To the", 0));
    assert_eq!(edit["range"]["end"], pos16(text, "resp\n", 4));
    // The passage continuation is longer than the sentence one.
    assert!(items.iter().any(|i| i["textEdit"]["newText"].as_str().unwrap().len() > new_text.len()));

    // Fewer than three words: nothing.
    let short = "“To the\n";
    client.open("short.md", "markdown", short).await;
    let none = client
        .call(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri("short.md")}, "position": {"line": 0, "character": 7}}),
        )
        .await;
    assert_eq!(none, Value::Null);
}

async fn actions_at(client: &mut TestClient, needle: &str) -> Vec<Value> {
    let at = pos16(DRAFT, needle, 0);
    let result = client
        .call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri("draft.md")}, "range": {"start": at, "end": at},
                   "context": {"diagnostics": []}}),
        )
        .await;
    result.as_array().cloned().unwrap_or_default()
}

fn edits_of(action: &Value) -> Vec<Value> {
    action["edit"]["changes"][uri("draft.md")].as_array().cloned().unwrap()
}

/// Applies one action's edits to the draft (UTF-16 ranges).
fn apply(action: &Value) -> String {
    let mut edits = edits_of(action);
    edits.sort_by_key(|e| {
        std::cmp::Reverse((e["range"]["start"]["line"].as_u64(), e["range"]["start"]["character"].as_u64()))
    });
    let mut text = DRAFT.to_owned();
    for edit in edits {
        let old = slice16(&text, &edit["range"]);
        let start = old.as_ptr() as usize - text.as_ptr() as usize;
        let end = start + old.len();
        text.replace_range(start..end, edit["newText"].as_str().unwrap());
    }
    text
}

fn titled<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions.iter().find(|a| a["title"] == title).unwrap_or_else(|| panic!("no {title:?} in {actions:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_fixes_repair_each_kind_of_quote() {
    let mut client = opened().await;
    client.diagnostics("draft.md", 1).await;

    let actions = actions_at(&mut client, "entirely").await;
    let replace = titled(&actions, "Replace with the source wording");
    assert_eq!(replace["kind"], "quickfix");
    assert_eq!(replace["diagnostics"][0]["code"], "drift");
    assert_eq!(replace["isPreferred"], true);
    assert!(apply(replace).contains("“almost uniformly dismissive of the MEK, reacting with either disdain or apathy”"));

    let actions = actions_at(&mut client, "deeply unpopular").await;
    let cite = titled(&actions, "Cite the real source [@wikipedia-pmoi]");
    assert!(apply(cite).contains("is credited to [@wikipedia-pmoi]."));

    let actions = actions_at(&mut client, "lack of support").await;
    let ellipsis = titled(&actions, "Mark the omission with an ellipsis");
    assert!(apply(ellipsis).contains("support was … due to MEK"), "{}", apply(ellipsis));
    let replace = titled(&actions, "Replace with the source wording");
    assert!(apply(replace).contains("support was largely due to MEK"));

    let actions = actions_at(&mut client, "would extremely").await;
    let add = titled(&actions, "Add citation [@state-dept-cable-2011]");
    assert!(apply(add).contains("sentiments in Iran” [@state-dept-cable-2011]."));

    // Marked brackets are kept when the drift is repaired.
    let actions = actions_at(&mut client, "strong dislike").await;
    let replace = titled(&actions, "Replace with the source wording");
    assert!(
        apply(replace).contains("“To the extent that Iranian respondents are familiar with [the Mujahedin] they express severe dislike for this group”"),
        "{}",
        apply(replace)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_goes_to_the_source_passage_or_document() {
    let mut client = opened().await;
    let location = client
        .call(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri("draft.md")}, "position": pos16(DRAFT, "dismissive", 0)}),
        )
        .await;
    assert_eq!(location["uri"], source_uri(CABLE));
    assert_eq!(
        slice16(&source_text(CABLE), &location["range"]),
        "almost uniformly dismissive of the MEK, reacting with either disdain or apathy"
    );
    let location = client
        .call(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri("draft.md")}, "position": pos16(DRAFT, "state-dept-cable-2011].\n\nThe", 2)}),
        )
        .await;
    assert_eq!(location["uri"], source_uri(CABLE));
    assert_eq!(location["range"]["start"], json!({"line": 0, "character": 0}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_could_pull_but_not_refresh_get_pushed_diagnostics() {
    // Neovim 0.11 announces textDocument.diagnostic without refresh support: answers pulled
    // while indexing would stay empty, so it is pushed to instead.
    let mut client = TestClient::start(lsp_support::bundled_settings());
    let result = client.initialize(json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}})).await;
    assert!(result["capabilities"].get("diagnosticProvider").is_none());
    client.open("draft.md", "markdown", DRAFT).await;
    let published = client.diagnostics("draft.md", 1).await;
    assert_eq!(by_code(&published, "drift").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_pull_get_pull_diagnostics_with_result_ids() {
    let mut client = TestClient::start(lsp_support::bundled_settings());
    // lsp-types 0.94 reads the refresh capability under `workspace.diagnostic`.
    let caps = json!({
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostic": {"refreshSupport": true}}
    });
    let result = client.initialize(caps).await;
    assert_eq!(result["capabilities"]["diagnosticProvider"]["identifier"], "quoteline");
    client.open("draft.md", "markdown", DRAFT).await;
    let report = client.call("textDocument/diagnostic", json!({"textDocument": {"uri": uri("draft.md")}})).await;
    assert_eq!(report["kind"], "full");
    let items = report["items"].as_array().unwrap();
    assert_eq!(by_code(items, "drift").len(), 3);
    let id = report["resultId"].as_str().unwrap().to_owned();
    let again = client
        .call("textDocument/diagnostic", json!({"textDocument": {"uri": uri("draft.md")}, "previousResultId": id}))
        .await;
    assert_eq!(again["kind"], "unchanged");
    let pushed = client.drain(std::time::Duration::from_millis(300)).await;
    assert!(
        !pushed.iter().any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "a pulling client gets no pushed diagnostics"
    );
}
