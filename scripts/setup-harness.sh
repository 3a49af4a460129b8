#!/usr/bin/env bash
# Installs the integration-test harness into .harness/ (gitignored):
#   - code-server 4.100.3 (the VS Code 1.100.3 server, whose extension host is a real Node 20 host),
#   - playwright-core, to drive Debian's headless Chromium against the code-server workbench.
# Works offline apart from the npm registry and Debian's apt mirrors; meant to run as root (CI=true).
# Idempotent: a marker file .harness/.ready-<version> makes later runs return at once.
#
# Usage: scripts/setup-harness.sh          (HARNESS_DIR overrides the install folder)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${HARNESS_DIR:-$ROOT/.harness}"
# 4.100.3 is the newest code-server whose engines.node accepts Node 20 (4.103+ need Node 22).
CS_VERSION="4.100.3"
MARKER="$HARNESS/.ready-$CS_VERSION"

say() { echo "[setup-harness] $*"; }

if [ -f "$MARKER" ]; then
  say "ready ($HARNESS)"
  exit 0
fi
start=$(date +%s)

# --- 1. System packages ----------------------------------------------------------------------------
# chromium: the browser playwright-core drives; ripgrep: VS Code's search (its npm package would
# download rg from GitHub); libkrb5-dev: headers for the server's kerberos module; fonts: readable
# screenshots. g++/make/python3 build the native modules.
pkgs=()
for pkg in chromium ripgrep libkrb5-dev fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || pkgs+=("$pkg")
done
# Build tools may come from elsewhere (pyenv's python3, say): ask apt only for those not on PATH.
for tool in g++ make python3; do
  command -v "$tool" >/dev/null 2>&1 || pkgs+=("$tool")
done
if [ "${#pkgs[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "apt-get install ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
command -v chromium >/dev/null || { say "chromium not found after install" >&2; exit 1; }
command -v rg >/dev/null || { say "ripgrep not found after install" >&2; exit 1; }

# --- 2. code-server and playwright-core from npm ------------------------------------------------------
mkdir -p "$HARNESS"
cd "$HARNESS"
# A package.json of its own keeps this install apart from the project's dependencies.
[ -f package.json ] || echo '{ "name": "synthad-harness", "private": true }' > package.json
say "npm install code-server@$CS_VERSION playwright-core"
# --ignore-scripts: code-server's postinstall refuses to run as root and its nested install
# downloads ripgrep from GitHub; the steps below do its work by hand.
npm install --no-audit --no-fund --loglevel=error --ignore-scripts "code-server@$CS_VERSION" playwright-core

# Debian's nodejs ships its headers in /usr/include/node, so node-gyp needs no header download.
export npm_config_nodedir=/usr

say "rebuild argon2"
npm rebuild --loglevel=error argon2 >/dev/null

# --- 3. The VS Code server inside code-server ------------------------------------------------------
VSCODE="$HARNESS/node_modules/code-server/lib/vscode"
cd "$VSCODE"
say "npm install (lib/vscode)"
npm install --no-audit --no-fund --loglevel=error --omit=dev --ignore-scripts
say "rebuild native modules of the VS Code server"
# node-pty's optional post-step calls npx node-gyp and fails; pty.node is built before that, and the
# check below catches anything that did not build.
npm rebuild --loglevel=error @vscode/spdlog native-watchdog @vscode/deviceid kerberos node-pty >/dev/null 2>&1 || true
for f in node_modules/@vscode/spdlog/build/Release/spdlog.node \
         node_modules/node-pty/build/Release/pty.node \
         node_modules/native-watchdog/build/Release/watchdog.node \
         node_modules/@parcel/watcher-linux-x64-glibc/watcher.node; do
  [ -f "$f" ] || { say "missing native module $f" >&2; exit 1; }
done

# Debian's rg stands in for the one @vscode/ripgrep would have downloaded.
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# The server resolves some modules through node_modules.asar (a packaged-build path).
ln -sfn node_modules node_modules.asar
# Links the release build has and the npm package lacks.
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
say "npm install (built-in extensions)"
(cd extensions && npm install --no-audit --no-fund --loglevel=error --omit=dev >/dev/null)

touch "$MARKER"
say "ready ($HARNESS) in $(( $(date +%s) - start ))s"
