#!/usr/bin/env python3
"""Replays a keystroke trace through `quoteline lsp` and measures keystroke-to-diagnostics.

The trace (`bench-out/workloads/drafts/<size>/medium.keystrokes.json`, made by workloads.py)
types the medium draft one LSP content change at a time. Every change is sent as a
`textDocument/didChange`, back to back as a fast typist would; every `--every`-th change the
replay waits for the `publishDiagnostics` of exactly that version and records the time from
sending the change to receiving them. The server debounces for 150 ms, so the report gives the
raw latency and the latency beyond the debounce.

Usage: benches/keystrokes.py BIN [--size S] [--every 200] [--out bench-out/keystrokes.json]
"""

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEBOUNCE_MS = 150.0


class LspProcess:
    """A minimal LSP client over stdio: framed JSON-RPC, messages read on a thread."""

    def __init__(self, argv, cwd):
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.messages = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params, timeout=60):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)["result"]

    def wait(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching message from the server")
            message = self.messages.get(timeout=left)
            if "method" in message and "id" in message:
                # A server request (progress token, configuration, registration): answer it.
                result = [None] if message["method"] == "workspace/configuration" else None
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
                continue
            if predicate(message):
                return message

    def close(self):
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bin")
    parser.add_argument("--size", default="S", help="workload corpus size (S, M, L)")
    parser.add_argument("--every", type=int, default=200, help="measure every Nth keystroke")
    parser.add_argument("--out", default=str(ROOT / "bench-out" / "keystrokes.json"))
    args = parser.parse_args()

    workloads = ROOT / "bench-out" / "workloads"
    trace_path = workloads / "drafts" / args.size / "medium.keystrokes.json"
    corpus = (workloads / "corpora" / args.size).resolve()
    if not trace_path.exists():
        sys.exit(f"keystrokes: {trace_path} missing; run benches/workloads.py first")
    trace = json.loads(trace_path.read_text())
    workspace = trace_path.parent.resolve()
    uri = (workspace / "keystrokes-replay.md").as_uri()

    server = LspProcess([os.path.abspath(args.bin), "lsp"], cwd=workspace)
    server.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": workspace.as_uri(),
            "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
            "initializationOptions": {"corpus": [str(corpus)]},
        },
    )
    server.notify("initialized", {})
    server.wait(lambda m: m.get("method") == "quoteline/status" and m["params"]["state"] == "ready", timeout=600)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": ""}})

    samples = []
    started = time.monotonic()
    for i, change in enumerate(trace):
        version = i + 2
        sent = time.monotonic()
        server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        if (i + 1) % args.every == 0 or i == len(trace) - 1:
            server.wait(
                lambda m: m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version,
                timeout=60,
            )
            samples.append((time.monotonic() - sent) * 1000.0)
    total = time.monotonic() - started
    server.close()

    beyond = [max(0.0, s - DEBOUNCE_MS) for s in samples]
    result = {
        "corpus": args.size,
        "keystrokes": len(trace),
        "measured": len(samples),
        "replay_seconds": round(total, 2),
        "keystroke_to_diagnostics_ms": {"p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99)},
        "beyond_debounce_ms": {"p50": percentile(beyond, 0.5), "p99": percentile(beyond, 0.99)},
        "mean_ms": statistics.fmean(samples),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(
        f"keystrokes ({args.size}): {len(trace)} edits replayed in {total:.1f} s; keystroke to diagnostics "
        f"p50 {result['keystroke_to_diagnostics_ms']['p50']:.1f} ms, p99 {result['keystroke_to_diagnostics_ms']['p99']:.1f} ms "
        f"({DEBOUNCE_MS:.0f} ms of it debounce: beyond it p50 {result['beyond_debounce_ms']['p50']:.1f} ms, "
        f"p99 {result['beyond_debounce_ms']['p99']:.1f} ms)"
    )


if __name__ == "__main__":
    main()
