#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what the tests need (when root),
# then runs formatting, lint and every test. Kernel and FireHOL tests run as root; they only skip
# (loudly) when not root and CI is unset.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
for p in nftables iptables firehol iproute2 procps conntrack hping3 curl jq python3 lintian man-db dpkg-dev; do
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

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --all-targets

# The Debian package: built (release + cargo-deb, installed if missing), linted, installed,
# removed and purged on this machine (as root; see the script's header).
tests/deb/run.sh
