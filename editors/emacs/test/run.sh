#!/usr/bin/env bash
# Emacs end-to-end test: Emacs + Eglot (Debian's emacs-nox and elpa-eglot) + quoteline.el +
# the given server.   bash editors/emacs/test/run.sh path/to/quoteline
set -euo pipefail
BIN=$(realpath "${1:?usage: run.sh path/to/quoteline}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PACKAGE_DIR=$(dirname "$HERE")
REPO_ROOT=$(cd "$PACKAGE_DIR/../.." && pwd)
if ! emacs --batch --eval "(require 'eglot)" >/dev/null 2>&1; then
  echo "installing emacs-nox and elpa-eglot with apt"
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot >/dev/null
fi
emacs --version | head -n 1
WORKSPACE=$(mktemp -d "${TMPDIR:-/tmp}/quoteline-emacs-e2e.XXXXXX")
trap 'rm -rf "$WORKSPACE"' EXIT
cp -R "$REPO_ROOT/corpus" "$WORKSPACE/corpus"
cp "$REPO_ROOT/editors/testdata/draft.md" "$WORKSPACE/draft.md"
# Eglot finds the project root through version control or project.el; mark the workspace.
git -C "$WORKSPACE" init -q
# -q, not -Q: Debian activates elpa-eglot from the site start files.
HOME="$WORKSPACE" timeout --kill-after=5 "${QUOTELINE_E2E_TIMEOUT:-120}" \
  emacs --batch -q -L "$PACKAGE_DIR" -l "$HERE/e2e.el" "$BIN" "$WORKSPACE"
