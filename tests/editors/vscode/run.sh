#!/usr/bin/env bash
# The VS Code extension in a real VS Code (code-server, the VS Code build that runs as a web
# server), driven by headless Chromium through Playwright, offline: what an editor user does,
# checked on screen (tests/editors/vscode/e2e.py). Part of the test command (scripts/test.sh).
#
#   tests/editors/vscode/run.sh [FHC]      (FHC: the fhc binary; default target/debug/fhc)
#
# Installs what it needs when missing (as root): Debian's chromium and ripgrep, the toolchain
# for code-server's native modules, code-server 4.100.3 from npm (the last release for node 20),
# Python Playwright in a virtualenv (it drives the system chromium; no browser download).
# Screenshots: target/vscode-real/shots/*.png. Only 127.0.0.1 is reached by the test itself.
# The install steps and their reasons come from the recipe in the project's shared
# recipes (vscode-real): npm's postinstall fails as root, @vscode/ripgrep downloads rg.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
FHC=$(realpath "${1:-$REPO/target/debug/fhc}")
WORK=$REPO/target/vscode-real
VENV=${FHC_VSCODE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/fhc-vscode-venv}
# A free port unless one is given (two runs at once must not share a code-server).
PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
CS_VERSION=4.100.3
HERE=$REPO/tests/editors/vscode

t0=$(date +%s)
step() { echo "== vscode-real [$(($(date +%s) - t0))s] $*"; }
fail() { echo "vscode-real: $*" >&2; exit 2; }

[ -x "$FHC" ] || fail "no fhc binary at $FHC"
[ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || fail "code-server $CS_VERSION needs node 20 (found $(node --version))"

source "$REPO/scripts/retry.sh"

step "1. Debian packages: chromium, ripgrep, a toolchain for native modules"
need=()
for p in chromium build-essential pkg-config libkrb5-dev ripgrep python3-venv curl; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || fail "missing packages (${need[*]}); run as root to install them"
    export DEBIAN_FRONTEND=noninteractive
    retry apt-get update -qq
    retry apt-get install -y -qq "${need[@]}" >/dev/null
fi

step "2. code-server $CS_VERSION"
if ! code-server --version 2>/dev/null | grep -q "^$CS_VERSION "; then
    # As a nested script of `npm install -g` its postinstall fails as root: run it by hand.
    retry npm install -g --ignore-scripts --no-fund --no-audit "code-server@$CS_VERSION"
    CS=$(npm root -g)/code-server
    # @vscode/ripgrep downloads rg from GitHub: seed its cache with Debian's under the asset name.
    RG_VER=$(node -p "require('$CS/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")
    tmp=$(mktemp -d)
    (cd "$tmp" && retry npm pack --silent "@vscode/ripgrep@$RG_VER" >/dev/null && tar xzf ./*.tgz package/lib/postinstall.js)
    RG_TAG=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" "$tmp/package/lib/postinstall.js")
    mkdir -p "/tmp/vscode-ripgrep-cache-$RG_VER" "$tmp/rg"
    cp /usr/bin/rg "$tmp/rg/rg"
    tar czf "/tmp/vscode-ripgrep-cache-$RG_VER/ripgrep-$RG_TAG-x86_64-unknown-linux-musl.tar.gz" -C "$tmp/rg" rg
    rm -rf "$tmp"
    # Native modules are built here: no prebuilt binary is fetched from outside the registries.
    export npm_config_nodedir=/usr npm_config_yes=true npm_config_unsafe_perm=true
    export npm_config_build_from_source=true
    export npm_config_user_agent="npm/$(npm -v) node/$(node -v) linux x64"
    (cd "$CS/node_modules/argon2" && npx --no node-pre-gyp install --build-from-source >/dev/null 2>&1)
    log=$(mktemp)
    (cd "$CS" && sh ./postinstall.sh >"$log" 2>&1) || { tail -n 40 "$log"; fail "code-server's postinstall failed"; }
    unset npm_config_nodedir npm_config_yes npm_config_unsafe_perm npm_config_user_agent \
        npm_config_build_from_source
fi
code-server --version | head -n 1

step "3. Playwright (Python) in $VENV"
if ! "$VENV/bin/python" -c 'import playwright' 2>/dev/null; then
    python3 -m venv "$VENV"
    retry "$VENV/bin/pip" install -q playwright
fi

step "4. the .vsix, built from a copy of the extension"
rm -rf "$WORK" && mkdir -p "$WORK"/{shots,data/User,ext,ws,src/editors,src/grammar}
cp -r "$REPO/editors/vscode" "$WORK/src/editors/" && cp -r "$REPO/grammar/textmate" "$WORK/src/grammar/"
(cd "$WORK/src/editors/vscode" && rm -rf node_modules out syntaxes && retry npm ci --no-fund --no-audit >/dev/null &&
    npx vsce package --skip-license -o "$WORK/fhc.vsix" >/dev/null)

step "5. installed in code-server (its own user-data and extensions directories)"
code-server --user-data-dir "$WORK/data" --extensions-dir "$WORK/ext" --install-extension "$WORK/fhc.vsix"
cat >"$WORK/data/User/settings.json" <<JSON
{
  "fhc.server.path": "$FHC",
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "editor.inlayHints.enabled": "on",
  "files.autoSave": "off",
  "workbench.tips.enabled": false,
  "chat.disableAIFeatures": true,
  "fhc.trace.server": "messages"
}
JSON
cp "$HERE/firehol.conf" "$WORK/ws/firehol.conf"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" >"$WORK/config.yaml"

step "6. code-server on 127.0.0.1:$PORT"
# In its own session: the teardown stops code-server and the fhc it started, nothing else.
EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/items"}' \
    setsid code-server --config "$WORK/config.yaml" --bind-addr "127.0.0.1:$PORT" --auth none \
    --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
    --user-data-dir "$WORK/data" --extensions-dir "$WORK/ext" "$WORK/ws" >"$WORK/code-server.log" 2>&1 &
CS_PID=$!
trap 'kill -- -$CS_PID 2>/dev/null; wait $CS_PID 2>/dev/null; true' EXIT
up=
for _ in $(seq 120); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && up=1 && break
    sleep 0.5
done
[ -n "$up" ] || { tail -n 30 "$WORK/code-server.log"; fail "code-server did not answer on 127.0.0.1:$PORT"; }

step "7. what a user does, in headless chromium"
rc=0
timeout 600 "$VENV/bin/python" "$HERE/e2e.py" "http://127.0.0.1:$PORT" "$WORK/ws" "$WORK/shots" "$FHC" || rc=$?
if [ $rc -ne 0 ]; then
    echo "--- the extension's output channel:"
    find "$WORK/data/logs" -name '*FireHOL*' -exec tail -n 40 {} \;
fi
step "done (rc=$rc); screenshots in $WORK/shots"
exit $rc
