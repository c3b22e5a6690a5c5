#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what the tests need (when root),
# then runs formatting, lint and every test. Kernel and FireHOL tests run as root; they only skip
# (loudly) when not root and CI is unset.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
for p in nftables iptables firehol iproute2 procps conntrack hping3 curl jq python3 neovim \
    lintian man-db dpkg-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
    else
        echo "WARNING: missing packages (${need_pkgs[*]}); run as root to install them" >&2
    fi
fi

# Editor tests (cli/tests/editors.rs): tree-sitter-cli from crates.io (the npm package downloads
# a binary at install time), built once per machine (about 3-5 minutes on 2 cores); node and npm
# for the VS Code extension. The machines have nodesource's node 20 (@vscode/vsce 3.9 needs >= 20);
# Debian's own nodejs (18) is only a fallback.
if ! tree-sitter --version 2>/dev/null | grep -qx 'tree-sitter 0\.27\.1'; then
    cargo install tree-sitter-cli --version 0.27.1 --locked
fi
if ! command -v npm >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "WARNING: node/npm missing; the VS Code extension test needs them" >&2
    fi
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --all-targets

# The Debian package: built (release build, dpkg-deb), linted, installed,
# removed and purged on this machine (as root; see the script's header).
tests/deb/run.sh
