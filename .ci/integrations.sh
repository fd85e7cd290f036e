#!/usr/bin/env bash
# CI for the integrations (docs/integrations.md): the pre-commit hook, installed by pre-commit
# from this repository, reports a drifted quote; `--format sarif` validates against the SARIF
# 2.1.0 schema (tests/data/sarif-schema-2.1.0.json); `--format github` follows the workflow
# command grammar; action.yml is a well-formed composite action.
#
# Usage: .ci/integrations.sh [path/to/quoteline]   (default: target/release/quoteline, built if missing)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BIN="${1:-$ROOT/target/release/quoteline}"
[ -x "$BIN" ] || cargo build --release --locked
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

step() { printf '\n-- %s (%ss)\n' "$1" "$SECONDS"; }

step "tools: pre-commit, jsonschema, pyyaml from PyPI in a venv"
python3 -m venv "$TMP/venv"
"$TMP/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit jsonschema pyyaml
PY="$TMP/venv/bin/python"

# A draft with one drifted quote of the bundled cable.
SAMPLE="$TMP/sample"
mkdir -p "$SAMPLE"
cp -r "$ROOT/corpus" "$SAMPLE/corpus"
cat > "$SAMPLE/draft.md" <<'MD'
# Sample

Ordinary Iranians were “almost entirely dismissive of the MEK, reacting with either disdain or
apathy” [@state-dept-cable-2011].
MD

step "--format sarif validates against the SARIF 2.1.0 schema"
(cd "$SAMPLE" && "$BIN" check --format sarif --fail-on never draft.md) > "$TMP/report.sarif"
"$PY" - "$ROOT/tests/data/sarif-schema-2.1.0.json" "$TMP/report.sarif" <<'PYTHON'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
jsonschema.Draft4Validator.check_schema(schema)
errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(report), key=lambda e: list(e.path))
for e in errors:
    print(f"SARIF invalid at {'/'.join(map(str, e.path))}: {e.message}")
results = report["runs"][0]["results"]
assert any(r["ruleId"] == "drift" for r in results), "no drift result in the SARIF report"
sys.exit(1 if errors else 0)
PYTHON
echo "valid SARIF 2.1.0"

step "--format github follows the workflow command grammar"
(cd "$SAMPLE" && "$BIN" check --format github --fail-on never draft.md) > "$TMP/report.github"
"$BIN" check --format github --fail-on never examples/draft.md >> "$TMP/report.github"
"$PY" - "$TMP/report.github" <<'PYTHON'
import re, sys
# ::{error|warning|notice} key=value,...::message — property values escape % \r \n : and ,
# (as %25 %0D %0A %3A %2C); the message escapes % \r \n.
value = r"(?:[^%,:\r\n]|%25|%0D|%0A|%3A|%2C)*"
number = r"[1-9][0-9]*"
props = (rf"file={value},line={number},col={number},endLine={number},endColumn={number},title={value}")
grammar = re.compile(rf"::(error|warning|notice) {props}::(?:[^%\r\n]|%25|%0D|%0A)*")
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines, "no workflow commands"
bad = [line for line in lines if not grammar.fullmatch(line)]
for line in bad:
    print("not a workflow command:", line)
assert any(l.startswith("::warning ") and "drift" in l for l in lines), "no drift warning"
sys.exit(1 if bad else 0)
PYTHON
echo "valid workflow commands"

step "action.yml is a composite action"
"$PY" - "$ROOT/action.yml" "$ROOT/.pre-commit-hooks.yaml" <<'PYTHON'
import re, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
assert action["runs"]["using"] == "composite"
for step in action["runs"]["steps"]:
    assert ("run" in step) != ("uses" in step), step
    if "run" in step:
        assert step.get("shell") == "bash", step
assert any("--format github" in s.get("run", "") for s in action["runs"]["steps"])
assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in action["runs"]["steps"])
hooks = yaml.safe_load(open(sys.argv[2]))
hook = next(h for h in hooks if h["id"] == "quoteline")
for name in ["a.md", "a.markdown", "a.tex", "a.txt", "a.typ", "a.rst", "a.org"]:
    assert re.search(hook["files"], name), name
assert not re.search(hook["files"], "a.py")
PYTHON
echo "action.yml and .pre-commit-hooks.yaml are well formed"

step "pre-commit try-repo: the hook reports the drift"
git -C "$SAMPLE" init --quiet
git -C "$SAMPLE" add draft.md corpus
# pre-commit installs the hook with `cargo install --path <clone>`; sharing the target dir lets it
# reuse the dependencies already built for the release binary.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PRE_COMMIT_HOME="$TMP/pre-commit-home"
set +e
(cd "$SAMPLE" && "$TMP/venv/bin/pre-commit" try-repo "$ROOT" quoteline --files draft.md) > "$TMP/pre-commit.log" 2>&1
status=$?
set -e
cat "$TMP/pre-commit.log"
if [ "$status" -ne 1 ] || ! grep -q "drift" "$TMP/pre-commit.log"; then
  echo "expected the quoteline hook to fail with a drift finding (exit $status)" >&2
  exit 1
fi
echo "pre-commit hook reports the drift"
echo "integrations: 4 passed, 0 failed"
