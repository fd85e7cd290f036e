#!/usr/bin/env bash
# CI entry point for the editor integrations.
#   bash editors/ci.sh path/to/quoteline
# Runs: the VS Code extension's build, lint, unit tests and .vsix packaging; the Neovim
# end-to-end test (real Neovim from PyPI); the Emacs + Eglot end-to-end test (Debian's
# emacs-nox and elpa-eglot); the VS Code end-to-end test (code-server + headless chromium,
# installed on first use). Needs Python 3 with venv, Node 20 with npm, and apt for chromium
# and Emacs. Every step runs even if an earlier one failed; the exit code is non-zero if any did.
# Env: QUOTELINE_SKIP_VSCODE_E2E=1 skips the code-server test (the slowest on a fresh machine).
set -uo pipefail
BIN=$(realpath "${1:?usage: editors/ci.sh path/to/quoteline}")
EDITORS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started=$SECONDS
failures=()
timings=()

# Runs one named step with a hard time limit (seconds) and records its time and outcome.
step() {
  local name=$1 limit=$2
  shift 2
  local began=$SECONDS
  echo "::: $name"
  if timeout --kill-after=10 "$limit" "$@"; then
    timings+=("$(printf '%4d s  ok      %s' $((SECONDS - began)) "$name")")
  else
    local rc=$?
    timings+=("$(printf '%4d s  FAILED  %s (exit %d%s)' $((SECONDS - began)) "$name" $rc "$( [ $rc = 124 ] || [ $rc = 137 ] && echo ', time limit')")")
    failures+=("$name")
  fi
}

"$BIN" --version || { echo "editors/ci.sh: $BIN does not run"; exit 1; }

cd "$EDITORS/vscode"
step "vscode: npm ci" 300 npm ci --no-audit --no-fund
step "vscode: build" 120 npm run --silent build -- --production
step "vscode: lint (eslint + tsc)" 180 npm run --silent lint
step "vscode: unit tests" 180 npm test
# The .vsix carries the binary under test as its bundled server.
step "vscode: package .vsix" 180 bash -c \
  'mkdir -p server && cp "$1" server/quoteline && chmod +x server/quoteline && npm run --silent package' _ "$BIN"

cd "$EDITORS"
step "nvim: options + end-to-end" 400 bash nvim/test/run.sh "$BIN"
step "helix: languages.toml parses" 30 python3 -c \
  'import sys, tomllib; c = tomllib.load(open(sys.argv[1], "rb")); assert c["language-server"]["quoteline"]["args"] == ["lsp"]' \
  helix/languages.toml
step "emacs: eglot end-to-end" 300 bash emacs/test/run.sh "$BIN"
if [ "${QUOTELINE_SKIP_VSCODE_E2E:-0}" != 1 ]; then
  step "vscode: end-to-end in code-server" 900 bash vscode/e2e/run.sh "$BIN"
fi

echo
echo "editors CI, $((SECONDS - started)) s in all:"
printf '  %s\n' "${timings[@]}"
if [ ${#failures[@]} -gt 0 ]; then
  echo "FAILED: ${failures[*]}"
  exit 1
fi
echo "all editor checks passed"
