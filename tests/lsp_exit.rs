//! `quoteline lsp` as a process: it exits promptly on `exit` while the client keeps stdin open
//! (code 0 after `shutdown`, 1 without), which tower-lsp 0.20 alone does not do.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn spawn() -> (Child, ChildStdin, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quoteline"))
        .arg("lsp")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("quoteline lsp starts");
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (child, stdin, stdout)
}

fn send(stdin: &mut ChildStdin, message: Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
}

/// Reads messages until the response with `id`.
fn response(stdout: &mut BufReader<std::process::ChildStdout>, id: i64) -> Value {
    loop {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "server closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).unwrap();
        let message: Value = serde_json::from_slice(&body).unwrap();
        if message["id"] == id && message.get("method").is_none() {
            return message;
        }
    }
}

/// Waits for the process to exit, at most `limit`; kills it (and fails) otherwise.
fn exit_code(child: &mut Child, limit: Duration) -> i32 {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    panic!("the server did not exit within {limit:?} of `exit`");
}

fn initialize(stdin: &mut ChildStdin, stdout: &mut BufReader<std::process::ChildStdout>) {
    send(
        stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
    );
    let result = response(stdout, 1);
    assert_eq!(result["result"]["serverInfo"]["name"], "quoteline");
    send(stdin, json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
}

#[test]
fn exits_promptly_with_code_0_after_shutdown_and_exit() {
    let (mut child, mut stdin, mut stdout) = spawn();
    initialize(&mut stdin, &mut stdout);
    send(&mut stdin, json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    assert_eq!(response(&mut stdout, 2)["result"], Value::Null);
    send(&mut stdin, json!({"jsonrpc": "2.0", "method": "exit"}));
    // stdin stays open (held here) while we wait.
    assert_eq!(exit_code(&mut child, Duration::from_secs(3)), 0);
    drop(stdin);
}

#[test]
fn exit_without_shutdown_exits_with_code_1() {
    let (mut child, mut stdin, mut stdout) = spawn();
    initialize(&mut stdin, &mut stdout);
    send(&mut stdin, json!({"jsonrpc": "2.0", "method": "exit"}));
    assert_eq!(exit_code(&mut child, Duration::from_secs(3)), 1);
    drop(stdin);
}

#[test]
fn end_of_input_ends_the_server() {
    let (mut child, mut stdin, mut stdout) = spawn();
    initialize(&mut stdin, &mut stdout);
    drop(stdin);
    exit_code(&mut child, Duration::from_secs(5));
}
