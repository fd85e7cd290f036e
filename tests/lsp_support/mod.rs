//! An in-memory LSP client for the server's protocol tests: the real tower-lsp service over a
//! `tokio::io::duplex` pair, messages framed and parsed as on stdio.
//!
//! The client answers the server's requests (`workspace/configuration` with the settings it was
//! given, everything else with `null`) and keeps every notification and server request so a
//! test can wait for one and assert on its JSON.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, WriteHalf};
use tokio::sync::{mpsc, oneshot};

/// How long any single wait may take before the test fails (never hangs).
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn corpus_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/corpus").to_owned()
}

/// Settings pointing at the bundled corpus.
pub fn bundled_settings() -> Value {
    json!({ "quoteline": { "corpus": [corpus_dir()] } })
}

pub fn uri(name: &str) -> String {
    format!("file:///quoteline-test/{name}")
}

pub fn source_uri(key: &str) -> String {
    format!("file://{}/{key}.txt", corpus_dir())
}

type Writer = Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>;

pub struct TestClient {
    writer: Writer,
    pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>,
    inbox: mpsc::UnboundedReceiver<Value>,
    /// Messages received but not yet matched by a wait.
    seen: Vec<Value>,
    next_id: i64,
}

async fn write_message(writer: &Writer, message: &Value) {
    let body = serde_json::to_string(message).unwrap();
    let mut writer = writer.lock().await;
    writer.write_all(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes()).await.unwrap();
    writer.flush().await.unwrap();
}

impl TestClient {
    /// Starts a server; `settings` answers `workspace/configuration`.
    pub fn start(settings: Value) -> TestClient {
        let (service, socket) = quoteline::lsp::service();
        let (client_io, server_io) = tokio::io::duplex(1 << 22);
        let (server_read, server_write) = tokio::io::split(server_io);
        tokio::spawn(tower_lsp::Server::new(server_read, server_write, socket).serve(service));
        let (client_read, client_write) = tokio::io::split(client_io);
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(client_write));
        let pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>> = Arc::default();
        let (tx, inbox) = mpsc::unbounded_channel();
        let reader_writer = writer.clone();
        let reader_pending = pending.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(client_read);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).unwrap();
                let id = message.get("id").cloned();
                match (id, message.get("method")) {
                    (Some(id), None) => {
                        if let Some(sender) = id.as_i64().and_then(|id| reader_pending.lock().unwrap().remove(&id)) {
                            let _ = sender.send(message);
                        }
                    }
                    (Some(id), Some(method)) => {
                        let result = if method == "workspace/configuration" {
                            let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                            Value::Array(vec![settings["quoteline"].clone(); items])
                        } else {
                            Value::Null
                        };
                        write_message(&reader_writer, &json!({"jsonrpc": "2.0", "id": id, "result": result})).await;
                        let _ = tx.send(message);
                    }
                    (None, _) => {
                        let _ = tx.send(message);
                    }
                }
            }
        });
        TestClient { writer, pending, inbox, seen: Vec::new(), next_id: 1 }
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        write_message(&self.writer, &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        tokio::time::timeout(TIMEOUT, rx).await.unwrap_or_else(|_| panic!("{method} timed out")).unwrap()
    }

    /// Sends a request and returns its `result`, failing on an error.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params).await;
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// Sends a request without waiting; returns its id.
    pub async fn send_request(&mut self, method: &str, params: Value) -> (i64, oneshot::Receiver<Value>) {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        write_message(&self.writer, &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        (id, rx)
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        write_message(&self.writer, &json!({"jsonrpc": "2.0", "method": method, "params": params})).await;
    }

    /// Waits for a message from the server with this method that satisfies `matches`.
    pub async fn wait_for(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(|m| m["method"] == method && matches(&m["params"])) {
            return self.seen.remove(i);
        }
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.inbox.recv())
                .await
                .unwrap_or_else(|_| panic!("no {method} arrived; seen: {:#?}", self.seen))
                .expect("server closed");
            if message["method"] == method && matches(&message["params"]) {
                return message;
            }
            self.seen.push(message);
        }
    }

    /// Every message received so far (waits a little for stragglers).
    pub async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, self.inbox.recv()).await {
            self.seen.push(message);
        }
        std::mem::take(&mut self.seen)
    }

    /// `initialize` with the given capabilities and options, then `initialized`.
    pub async fn initialize_with(&mut self, capabilities: Value, options: Value) -> Value {
        self.initialize_at("file:///quoteline-test", capabilities, options).await
    }

    /// `initialize` with a workspace root, then `initialized`.
    pub async fn initialize_at(&mut self, root_uri: &str, capabilities: Value, options: Value) -> Value {
        let result = self
            .call(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": root_uri,
                    "capabilities": capabilities,
                    "initializationOptions": options,
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        result
    }

    /// Initializes with the bundled corpus and waits until it is indexed.
    pub async fn initialize(&mut self, capabilities: Value) -> Value {
        let result = self.initialize_with(capabilities, bundled_settings()).await;
        self.wait_for("quoteline/status", |p| p["state"] == "ready").await;
        result
    }

    pub async fn open(&mut self, name: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(name), "languageId": language, "version": 1, "text": text}}),
        )
        .await;
    }

    /// Waits for the diagnostics of a document's `version`.
    pub async fn diagnostics(&mut self, name: &str, version: i64) -> Vec<Value> {
        let uri = uri(name);
        let message = self
            .wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri.as_str() && p["version"] == version)
            .await;
        message["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }
}

/// The UTF-16 position of the `n`th (0-based) occurrence of `needle` in `text`, plus `delta`
/// characters.
pub fn pos16(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[line_start..offset].chars().map(char::len_utf16).sum::<usize>()
        + text[offset..].chars().take(delta).map(char::len_utf16).sum::<usize>();
    json!({"line": line, "character": col})
}

/// The same in UTF-8 bytes.
pub fn pos8(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = offset - line_start + text[offset..].chars().take(delta).map(char::len_utf8).sum::<usize>();
    json!({"line": line, "character": col})
}

/// The text a range covers, converting UTF-16 columns.
pub fn slice16<'a>(text: &'a str, range: &Value) -> &'a str {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let col = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= col {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    &text[offset(&range["start"])..offset(&range["end"])]
}
