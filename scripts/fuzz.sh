#!/usr/bin/env bash
# fuzz.sh - the cargo-fuzz targets (fuzz/fuzz_targets) on their committed corpora.
#
# usage: scripts/fuzz.sh [--time S | --runs N] [--merge] [--jobs J] [TARGET ...]
#
#   --time S   run each target S seconds (default 60: what CI runs, from scripts/test.sh)
#   --runs N   run each target for N executions instead (a campaign: --runs 10000000)
#   --merge    afterwards, replace fuzz/corpus/TARGET by the smallest set of the old corpus and
#              the run's inputs that covers every edge they cover (-set_cover_merge=1,
#              -use_counters=0): the committed corpus stays small (about 1,000 inputs, 2 MB)
#   --jobs J   J processes per target (libFuzzer -fork=J), for a campaign on a quiet machine
#
# Targets: analyze format compile eval lsp (all by default). Each starts from fuzz/corpus/TARGET
# plus the project's configurations (tests/**/*.conf) and mutates with fuzz/analyze.dict. A crash,
# a failed assertion, a timeout (10 s) or an out-of-memory (2 GiB) fails the run; the input is
# saved under fuzz/artifacts/TARGET/ and the command that replays it is printed.
#
# The build is sanitizer-free (safe Rust) and without compare tracing, for throughput: the
# dictionary gives the mutations the keywords that tracing would find. The runs use libFuzzer's
# plain scheduler (-entropic=0): the entropic one keeps a frequency for every feature an input
# hits, and an analysis hits tens of thousands (measured: 390 against 672 executions/s on the
# analyze target, 40 s each from the committed corpus). Needs a nightly toolchain
# and cargo-fuzz; installs cargo-fuzz when missing. Prints one line per target:
#   fuzz TARGET: EXECS executions in S s (R/s), corpus C inputs, 0 crashes
set -euo pipefail
cd "$(dirname "$0")/.."

time=60 runs= merge= jobs=
targets=()
while (($#)); do
    case $1 in
        --time) time=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --merge) merge=1; shift ;;
        --jobs) jobs=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=(analyze format compile eval lsp)

# Downloads are retried: a registry that cannot be resolved for a minute must not fail the run.
source scripts/retry.sh
if ! rustup toolchain list | grep -q '^nightly'; then
    retry rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    retry cargo install cargo-fuzz --version 0.13.2 --locked
fi
(cd fuzz && retry cargo +nightly fetch --locked >/dev/null 2>&1 || true)
(cd fuzz && cargo +nightly fuzz build -s none -O --no-trace-compares >/dev/null)
bin=fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
find tests -name '*.conf' -size -64k -print0 | while IFS= read -r -d '' f; do
    cp "$f" "$seeds/$(sha1sum "$f" | cut -c1-16)"
done

for t in "${targets[@]}"; do
    [[ -x $bin/$t ]] || { echo "fuzz.sh: no target $t" >&2; exit 2; }
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    work=$(mktemp -d)
    cp fuzz/corpus/"$t"/* "$seeds"/* "$work"/ 2>/dev/null || true
    limit=(-max_total_time="$time")
    # libFuzzer's timeout report allocates inside its SIGALRM handler: when the alarm lands in
    # malloc, the process deadlocks instead of failing (CI hung so). A timed run that outlives
    # its time by 5 minutes is killed, and fails like the timeout it hides.
    bound=(timeout -s KILL $((time + 300)))
    [[ -n $runs ]] && limit=(-runs="$runs") && bound=()
    fork=()
    [[ -n $jobs ]] && fork=(-fork="$jobs" -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0)
    log=$(mktemp)
    start=$(date +%s)
    status=0
    "${bound[@]}" "$bin/$t" "$work" -dict=fuzz/analyze.dict -max_len=4096 -entropic=0 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 "${limit[@]}" "${fork[@]}" \
        >"$log" 2>&1 || status=$?
    secs=$(($(date +%s) - start))
    execs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | awk "{s += \$2} END {if (NR) print s}" || true)
    # With -fork the children's stats are not printed: the last status line has the total.
    [[ -z $execs ]] && execs=$(grep -o '#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
    if ((status != 0)); then
        tail -40 "$log" >&2
        crash=$(grep -o "fuzz/artifacts/$t/[^ ]*" "$log" | tail -1 || true)
        echo "fuzz $t: FAILED after ${execs:-?} executions; replay: $bin/$t $crash" >&2
        rm -rf "$work" "$log"
        exit 1
    fi
    if [[ -n $merge ]]; then
        minimal=$(mktemp -d)
        merge_log=fuzz/artifacts/$t/merge.log
        "$bin/$t" -set_cover_merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 \
            "$minimal" "fuzz/corpus/$t" "$work" >"$merge_log" 2>&1 || true
        # Never replace a corpus by a failed merge's nothing.
        if (($(ls "$minimal" | wc -l) * 2 < $(ls "fuzz/corpus/$t" | wc -l) || $(ls "$minimal" | wc -l) == 0)); then
            echo "fuzz $t: the merge kept too little; corpus unchanged (see $merge_log)" >&2
            rm -rf "$minimal"
        else
            rm -rf "fuzz/corpus/$t" && mv "$minimal" "fuzz/corpus/$t"
        fi
    fi
    echo "fuzz $t: ${execs:-?} executions in $secs s ($((${execs:-0} / (secs > 0 ? secs : 1)))/s), corpus $(ls "fuzz/corpus/$t" | wc -l) inputs, 0 crashes"
    rm -rf "$work" "$log"
done
