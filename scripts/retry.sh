# retry.sh - sourced by the scripts that download: `retry CMD ARGS...` runs CMD up to four times,
# 20, 40 and 60 s apart, so a registry that cannot be resolved for a minute does not fail a run.
retry() {
    local n
    for n in 1 2 3; do
        "$@" && return 0
        echo "${0##*/}: '$*' failed (attempt $n); retrying in $((n * 20)) s" >&2
        sleep $((n * 20))
    done
    "$@"
}
