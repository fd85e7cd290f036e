#!/usr/bin/env bash
# End-to-end test of `quoteline lsp` over stdio with a real third-party client (pytest-lsp).
#
#   tests/e2e_lsp/run.sh BIN
#
# Creates a virtualenv under .venv-e2e/ (gitignored), installs pytest-lsp, and runs the tests
# against BIN with hard timeouts. Exits 0 only when tests ran and all passed (pytest's exit 5,
# "no tests collected", is a failure here).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 path/to/quoteline" >&2
  exit 2
fi
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 2; }

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${QUOTELINE_E2E_VENV:-$ROOT/.venv-e2e}"

if [ ! -x "$VENV/bin/pytest" ] || ! "$VENV/bin/python" -c "import pytest_lsp" 2>/dev/null; then
  python3 -m venv "$VENV"
  timeout 300 "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi

set +e
QUOTELINE_BIN="$BIN" QUOTELINE_CORPUS="$ROOT/corpus" timeout 300 \
  "$VENV/bin/pytest" -c "$HERE/pytest.ini" --rootdir "$HERE" -p no:cacheprovider -q "$HERE"
status=$?
set -e
case "$status" in
  0) echo "e2e: all pytest-lsp tests passed" ;;
  5) echo "e2e: pytest collected no tests" >&2; exit 1 ;;
  124) echo "e2e: timed out after 300 s" >&2; exit 1 ;;
  *) echo "e2e: pytest failed with exit code $status" >&2; exit 1 ;;
esac
