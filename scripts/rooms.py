#!/usr/bin/env python3
"""Room sizes of the Rust sources (issue 16): files over FILE_MAX lines and functions over FN_MAX
lines, outside test modules. Data tables (const/static arrays) do not count toward a file's
size; the vocabulary's macro tables in keywords.rs do (strict). Exit 1 when a room is too big, listing it.

    scripts/rooms.py            # lang/src lsp/src cli/src
"""
import os, re, sys

FILE_MAX, FN_MAX = 600, 100
ROOTS = ["lang/src", "lsp/src", "cli/src"]

def code_lines(lines):
    """Lines outside #[cfg(test)] modules and outside const/static tables."""
    out, i, n = [], 0, len(lines)
    while i < n:
        l = lines[i]
        if l.strip() == "#[cfg(test)]" or re.match(r"^(pub(\([a-z]+\))? )?(const|static) [A-Z_0-9]+: .*= (&?\[|&\[)$", l.strip()):
            # skip the item: to its closing line at the same indentation
            indent = len(l) - len(l.lstrip())
            j = i + 1
            while j < n and not (lines[j].strip() in ("}", "];") and len(lines[j]) - len(lines[j].lstrip()) == indent):
                j += 1
            i = j + 1
            continue
        out.append((i + 1, l))
        i += 1
    return out

def functions(lines):
    for no, l in lines:
        m = re.match(r"^(\s*)(pub(\([^)]*\))? )?(const )?(async )?fn (\w+)", l)
        if m:
            yield no, m.group(1), m.group(6)

bad = []
for root in ROOTS:
    for d, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            p = os.path.join(d, f)
            lines = open(p, encoding="utf-8").read().split("\n")
            code = code_lines(lines)
            if len(code) > FILE_MAX:
                bad.append(f"{p}: {len(code)} lines (outside tests and tables) > {FILE_MAX}")
            for no, indent, name in functions(code):
                # the body ends at the first line `indent}` after it
                end = no
                for k in range(no, len(lines)):
                    if lines[k] == indent + "}":
                        end = k + 1
                        break
                if end - no + 1 > FN_MAX:
                    bad.append(f"{p}:{no}: fn {name} is {end - no + 1} lines > {FN_MAX}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
