#!/bin/sh
# Compiles the FireHOL tree-sitter parser for Neovim into DIR/parser/firehol.so (DIR defaults to
# this directory, which is the plugin's root on 'runtimepath'). Needs only a C compiler: the
# generated parser is committed in grammar/src.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../grammar/src"
out="${1:-$here}/parser"
mkdir -p "$out"
${CC:-cc} -O2 -shared -fPIC -std=c11 -I"$src" "$src/parser.c" "$src/scanner.c" -o "$out/firehol.so"
echo "$out/firehol.so"
