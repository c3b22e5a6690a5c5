#!/usr/bin/env bash
# check-firehol.sh - prove with the real FireHOL that every bash pair in this directory is exact.
#
# For each NAME.conf (bash logic) with its twin NAME.expanded.conf (the same firewall hand-expanded
# into plain FireHOL), FireHOL must accept both files (tests/firehol-oracle.sh: `firehol FILE
# debug` in throwaway namespaces, no error, no bash error, the payloads load with
# iptables-legacy-restore --test) and generate the same iptables/ip6tables payloads and commands
# (its debug stdout), after the normalisation below.
#
# Normalisation: none is needed for the debug output of these pairs (stdout names no file, line,
# time or temp path); the config's own path is still replaced by CONF and trailing blanks are
# dropped, so a future FireHOL that prints the file name in stdout does not make every pair fail.
#
# FireHOL runs with an empty environment (only PATH and LC_ALL=C): FireHOL sources the
# configuration in its own shell, so a variable the configuration reads without assigning it
# (param-defaults.conf) would otherwise come from the caller's environment.
#
# Usage: sudo tests/corpus/bash/check-firehol.sh [-v] [NAME ...]
#   -v    on failure show FireHOL's output and the diff
#   NAME  check only these pairs (NAME, NAME.conf or a path to NAME.conf)
# Needs what tests/firehol-oracle.sh needs (root, unshare, ip, FireHOL) and diff.
# Exit status: 0 all pairs passed, 1 some pair failed, 2 the check cannot run here.

set -u
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
oracle="$here/../../firehol-oracle.sh"
verbose=()
if [ "${1:-}" = "-v" ]; then
	verbose=(-v)
	shift
fi

names=()
if [ $# -gt 0 ]; then
	for a in "$@"; do
		a=${a%.conf}
		names+=("$(basename "${a%.expanded}")")
	done
else
	for f in "$here"/*.conf; do
		case $f in *.expanded.conf) continue ;; esac
		names+=("$(basename "$f" .conf)")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "check-firehol: no pairs in $here" >&2; exit 2; }

work=$(mktemp -d /tmp/fhc-bash-pairs.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT
files=()
for name in "${names[@]}"; do
	files+=("$here/$name.conf" "$here/$name.expanded.conf")
done
env -i PATH="$PATH" LC_ALL=C FHC_ORACLE_KEEP="$work" "$oracle" "${verbose[@]}" "${files[@]}"
rc=$?
[ $rc -eq 2 ] && exit 2

# normalise FILE: FireHOL's stdout for FILE, its path replaced, trailing blanks removed.
normalise() {
	local esc
	esc=$(printf '%s' "$1" | sed 's/[][\.*^$/&]/\\&/g')
	sed -e "s/$esc/CONF/g" -e 's/[[:space:]]*$//' "$work/$(basename "$1").stdout"
}

pass=0 fail=0
for name in "${names[@]}"; do
	src="$here/$name.conf" twin="$here/$name.expanded.conf"
	if [ ! -f "$work/$name.conf.stdout" ] || [ ! -f "$work/$name.expanded.conf.stdout" ]; then
		printf 'FAIL  %s: FireHOL did not accept both files (see above)\n' "$name"
		fail=$((fail + 1))
		continue
	fi
	if diff -u --label "$name.conf" --label "$name.expanded.conf" \
		<(normalise "$src") <(normalise "$twin") >"$work/$name.diff"; then
		printf 'PASS  %s (%s identical rule lines)\n' "$name" "$(grep -cE '^-[AIN] ' "$work/$name.conf.stdout")"
		pass=$((pass + 1))
	else
		printf 'FAIL  %s: generated rules differ\n' "$name"
		[ ${#verbose[@]} -gt 0 ] && sed 's/^/    | /' "$work/$name.diff"
		fail=$((fail + 1))
	fi
done
echo "pairs: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $rc -eq 0 ]
