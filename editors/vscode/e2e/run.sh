#!/usr/bin/env bash
# VS Code end-to-end test: the packaged extension, with BIN bundled as its server, installed
# into real VS Code (code-server on 127.0.0.1) and driven through the UI by playwright-core in
# Debian's headless chromium.
#   bash editors/vscode/e2e/run.sh path/to/quoteline
# Env: QUOTELINE_E2E_CACHE (default ~/.cache/quoteline-e2e) keeps the code-server install;
#      QUOTELINE_E2E_TIMEOUT (seconds, default 240) bounds the browser test;
#      QUOTELINE_E2E_NO_EXTENSION=1 runs the negative control (must fail).
set -euo pipefail
BIN=$(realpath "${1:?usage: run.sh path/to/quoteline}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXT_DIR=$(dirname "$HERE")
REPO_ROOT=$(cd "$EXT_DIR/../.." && pwd)
CACHE=${QUOTELINE_E2E_CACHE:-$HOME/.cache/quoteline-e2e}
TIMEOUT=${QUOTELINE_E2E_TIMEOUT:-240}
started=$SECONDS

timeout 600 bash "$HERE/install-code-server.sh" "$CACHE/code-server"
CODE_SERVER="$CACHE/code-server/node_modules/.bin/code-server"
echo "code-server ready after $((SECONDS - started)) s"

cd "$EXT_DIR"
[ -d node_modules ] || timeout 300 npm ci --no-audit --no-fund
TMP=$(mktemp -d "${TMPDIR:-/tmp}/quoteline-vscode-e2e.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  # Keep the screenshots; everything else goes.
  rm -rf "$TMP/workspace" "$TMP/user-data" "$TMP/extensions" "$TMP/xdg"
}
trap cleanup EXIT

# The .vsix carries BIN as server/quoteline, so the test also covers the bundled-binary lookup.
mkdir -p server
cp "$BIN" server/quoteline
chmod +x server/quoteline
timeout 120 npm run --silent package -- --out "$TMP/quoteline.vsix" >/dev/null

WORKSPACE="$TMP/workspace"
mkdir -p "$WORKSPACE" "$TMP/user-data/User" "$TMP/screenshots"
cp -R "$REPO_ROOT/corpus" "$WORKSPACE/corpus"
cp "$REPO_ROOT/editors/testdata/draft.md" "$WORKSPACE/draft.md"
# Quiet the workbench: no welcome page, tips, trust prompt or update checks in the screenshots.
cat > "$TMP/user-data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "chat.commandCenter.enabled": false,
  "editor.hover.delay": 200,
  "editor.stickyScroll.enabled": false,
  "editor.quickSuggestions": { "other": false, "comments": false, "strings": false },
  "quoteline.trace.server": "messages"
}
JSON

export XDG_CONFIG_HOME="$TMP/xdg/config" XDG_DATA_HOME="$TMP/xdg/data" XDG_CACHE_HOME="$TMP/xdg/cache"
if [ "${QUOTELINE_E2E_NO_EXTENSION:-0}" != 1 ]; then
  timeout 120 "$CODE_SERVER" --user-data-dir "$TMP/user-data" --extensions-dir "$TMP/extensions" \
    --install-extension "$TMP/quoteline.vsix" >/dev/null
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$TMP/user-data" --extensions-dir "$TMP/extensions" "$WORKSPACE" \
  >"$TMP/code-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  sleep 0.5
done
echo "code-server on 127.0.0.1:$PORT after $((SECONDS - started)) s; screenshots in $TMP/screenshots"

status=0
timeout --kill-after=10 "$TIMEOUT" node "$HERE/e2e.mjs" \
  --url "http://127.0.0.1:$PORT/?folder=$WORKSPACE" \
  --screenshots "$TMP/screenshots" || status=$?
if [ $status -ne 0 ]; then
  echo "# VS Code e2e failed (exit $status); tail of code-server.log:"
  tail -n 30 "$TMP/code-server.log"
  log=$(find "$TMP/user-data/logs" -name '*quoteline*' 2>/dev/null | head -n 1)
  if [ -n "$log" ]; then echo "# tail of $log:"; tail -n 40 "$log"; fi
fi
echo "VS Code e2e took $((SECONDS - started)) s; screenshots in $TMP/screenshots"
exit $status
