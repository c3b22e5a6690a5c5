#!/usr/bin/env bash
# mutate.sh - proves the differential fuzzer's CI seeds bite: each mutation breaks fhc on purpose
# (a copy of the source tree, one edit), builds that fhc, and runs tests/diff/fuzz.py on the CI
# seeds (tests/diff/ci-seeds). Every mutation must make the fuzzer fail.
#
#   any-literal      `any` in rule parameters is compiled as a literal value again (the bug real
#                    configurations met: `interface any world` matched an interface named "any")
#   reply-skip       statements with a non-accept action get no reply rules (the bug the fuzzer
#                    found: an action chain that accepts lost its replies)
#   default-policy   an interface without `policy` accepts what it does not match
#
# Usage: sudo tests/diff/mutate.sh [MUTATION ...]   (default: all). Needs root, like fuzz.py.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$(grep -v '^#' "$repo/tests/diff/ci-seeds" | tr '\n' ' ')
work=$(mktemp -d /tmp/fhc-mutate.XXXXXX)
trap 'rm -rf "$work"' EXIT

# mutation NAME -> FILE and a sed expression that must change it
mutation() {
    case "$1" in
    any-literal) echo 'lang/src/model/values/mod.rs|s/^    s == "any" || s == "ANY"$/    s == "\\u{0}"/' ;;
    reply-skip) echo 'lang/src/nft/lower/sections.rs|s/let verdicts = if r.action.verdict == Verdict::Accept {/if r.action.verdict != Verdict::Accept { return Some(()); } let verdicts = if true {/' ;;
    # A section's DROP policy accepts instead, whether it is FireHOL's default or comes from
    # DEFAULT_INTERFACE_POLICY (the host's firehol-defaults.conf sets it).
    default-policy) echo 'lang/src/nft/lower/sections.rs|s/Some(a) => a.clone(),/Some(a) if a.verdict != Verdict::Drop => a.clone(), Some(_) => Action::new(Verdict::Accept, s.span),/; s/None => Action::new(Verdict::Drop, s.span),/None => Action::new(Verdict::Accept, s.span),/' ;;
    *) return 1 ;;
    esac
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(any-literal reply-skip default-policy)
failed=0
for name in "${names[@]}"; do
    spec=$(mutation "$name") || { echo "mutate.sh: unknown mutation $name" >&2; exit 2; }
    file=${spec%%|*}
    expr=${spec#*|}
    rm -rf "$work/src"
    mkdir -p "$work/src"
    (cd "$repo" && git ls-files -z | xargs -0 cp --parents -t "$work/src")
    cp "$repo/Cargo.lock" "$work/src/"
    sed -i "$expr" "$work/src/$file"
    if cmp -s "$repo/$file" "$work/src/$file"; then
        echo "mutate.sh: mutation $name did not change $file (the code moved: update the mutation)" >&2
        exit 2
    fi
    echo "== mutation $name ($file)"
    (cd "$work/src" && CARGO_TARGET_DIR="$repo/target/mutate" cargo build -q -p fhc)
    cp "$repo/target/mutate/debug/fhc" "$work/fhc"
    # shellcheck disable=SC2086 # the seed list is words
    if python3 "$repo/tests/diff/fuzz.py" --fhc "$work/fhc" $seeds | grep -E '^(FUZZ SUMMARY|failing seeds)'; then
        echo "NOT CAUGHT  $name: the CI seeds pass with it"
        failed=1
    else
        echo "CAUGHT  $name"
    fi
done
[ $failed = 0 ] && echo "mutate.sh: every mutation was caught"
exit $failed
