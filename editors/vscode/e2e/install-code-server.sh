#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest that runs on Node 20) into DIR from
# the npm registry alone, and Debian's chromium for playwright-core to drive it.
# Idempotent: a finished install leaves DIR/.installed and is not redone.
#   bash install-code-server.sh DIR
# A plain `npm install code-server` does not work without internet beyond the registries: its
# postinstall fetches ripgrep from GitHub and builds native modules that need libkrb5-dev.
# So the package is installed without scripts and the postinstall steps are done here by hand.
set -euo pipefail
DIR=${1:?usage: install-code-server.sh DIR}
VERSION=4.100.3

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v make >/dev/null || need_apt+=(build-essential)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "apt: installing ${need_apt[*]}"
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ -f "$DIR/.installed" ] && [ "$(cat "$DIR/.installed")" = "$VERSION" ]; then
  exit 0
fi
echo "installing code-server $VERSION into $DIR (about a minute)"
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-save --ignore-scripts --no-audit --no-fund "code-server@$VERSION"
npm_config_yes=true npm rebuild argon2 --build-from-source
cd node_modules/code-server/lib/vscode
npm install --unsafe-perm --omit=dev --ignore-scripts --no-audit --no-fund
npm_config_yes=true npm rebuild kerberos node-pty @vscode/spdlog native-watchdog @vscode/deviceid @parcel/watcher
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --unsafe-perm --omit=dev --ignore-scripts --no-audit --no-fund)
cd "$DIR"
XDG_CONFIG_HOME="$DIR/xdg" ./node_modules/.bin/code-server --version
echo "$VERSION" > "$DIR/.installed"
