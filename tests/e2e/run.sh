#!/usr/bin/env bash
# run.sh - traffic tests of fhc's synproxy lowering through the kernel's real SYNPROXY.
#
#   usage: tests/e2e/run.sh [--fhc PATH] CASE...
#          CASE = A B C D D2 E        (IPv4, tests/e2e/CASE.conf)
#                 A6 B6 C6 D6 D26 E6  (IPv6, tests/e2e/CASE.conf, harness with E2E_IPV6=1)
#                 all                 every case that has a .conf file
#
# For each case: `fhc check` (must report no error), `fhc compile CASE.conf` -> the nftables JSON,
# `fhc sysctl CASE.conf` -> the sysctls the harness applies to the firewall namespace
# (E2E_FW_SYSCTLS), then tests/e2e/harness.sh loads the JSON in a throw-away network namespace and
# pushes real TCP through it (see the header of harness.sh for the checks). The harness's
# PASS/FAIL/WARN lines are printed as they come; WARN lines (the kernel timestamp issue) do not
# fail a case. Exit status: 0 when every case passed, 1 otherwise, 2 on usage errors.
#
# Needs root (network namespaces) and ip, nft, conntrack, ss, hping3, curl, jq, python3.
# Knobs: FHC (path of the fhc binary, default target/debug/fhc), E2E_KEEP_LOGS=DIR (keep the
# compiled ruleset, the sysctl list and the harness logs per case under DIR/CASE), and every
# E2E_* knob of harness.sh (E2E_STRICT, E2E_TRACE, E2E_VERBOSE, ...), and E2E_CONF_PREPEND (lines
# put before the case's configuration, e.g. FHC_SYNPROXY_UNTRACK_ACK=0).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fhc=${FHC:-$root/target/debug/fhc}

usage() { sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
cases=()
while (($#)); do
	case "$1" in
	--fhc) [[ $# -ge 2 ]] || usage; fhc=$2; shift 2 ;;
	--fhc=*) fhc=${1#--fhc=}; shift ;;
	-h | --help) usage ;;
	all) for f in "$here"/*.conf; do f=${f##*/}; cases+=("${f%.conf}"); done; shift ;;
	-*) usage ;;
	*) cases+=("$1"); shift ;;
	esac
done
((${#cases[@]})) || usage
[[ -x "$fhc" ]] || { echo "run.sh: fhc binary not found at $fhc (cargo build -p fhc, or --fhc PATH)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "run.sh: needs root (network namespaces)" >&2; exit 2; }

work=$(mktemp -d -t fhc-e2e.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT

# `key = value` lines of `fhc sysctl` -> the harness's "key=value key=value" list ("none" if empty)
sysctl_list() {
	local out
	out=$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$1" |
		awk -F '[[:space:]]*=[[:space:]]*' 'NF >= 2 && $1 != "" { printf "%s%s=%s", sep, $1, $2; sep = " " }')
	echo "${out:-none}"
}

failed=() summary=()
for c in "${cases[@]}"; do
	conf=$here/$c.conf
	d=$work/$c
	mkdir -p "$d"
	echo "=== case $c ($conf)"
	if [[ ! -r "$conf" ]]; then
		echo "FAIL setup: no such case (missing $conf)"; failed+=("$c"); summary+=("$c FAIL (no config)"); continue
	fi
	hcase=$c v6=0
	if [[ "$c" == *6 ]]; then hcase=${c%6} v6=1; fi
	case "$hcase" in A | B | C | D | D2 | E) ;; *)
		echo "FAIL setup: unknown case $c"; failed+=("$c"); summary+=("$c FAIL (unknown case)"); continue ;;
	esac
	t0=$(date +%s.%N)
	if [[ -n "${E2E_CONF_PREPEND:-}" ]]; then
		# a setting in force for the whole case (e.g. FHC_SYNPROXY_UNTRACK_ACK=0)
		{ printf '%s\n' "$E2E_CONF_PREPEND"; cat "$conf"; } >"$d/case.conf"
		conf=$d/case.conf
	fi
	if ! "$fhc" check "$conf" >"$d/check.txt" 2>&1; then
		cat "$d/check.txt"
		echo "FAIL fhc_check: fhc check reported errors"; failed+=("$c"); summary+=("$c FAIL (fhc check)"); continue
	fi
	if ! "$fhc" compile "$conf" >"$d/ruleset.json" 2>"$d/compile.stderr"; then
		cat "$d/compile.stderr"
		echo "FAIL fhc_compile: fhc compile failed"; failed+=("$c"); summary+=("$c FAIL (fhc compile)"); continue
	fi
	if ! "$fhc" sysctl "$conf" >"$d/sysctl.conf" 2>"$d/sysctl.stderr"; then
		cat "$d/sysctl.stderr"
		echo "FAIL fhc_sysctl: fhc sysctl failed"; failed+=("$c"); summary+=("$c FAIL (fhc sysctl)"); continue
	fi
	sysctls=$(sysctl_list "$d/sysctl.conf")
	# case E: the set fhc creates for the `iptrap SET src ...` step of the trap action
	trap_set=
	if [[ "$hcase" == E ]]; then
		set_name=$(sed -n 's/.*[[:space:]]iptrap[[:space:]]\{1,\}\([A-Za-z0-9_]\{1,\}\)[[:space:]].*/\1/p' "$conf" | head -n1)
		[[ -n "$set_name" ]] && trap_set="inet firehol $set_name"
	fi
	logs=
	[[ -n "${E2E_KEEP_LOGS:-}" ]] && logs=$E2E_KEEP_LOGS/$c && mkdir -p "$logs" &&
		cp "$d/ruleset.json" "$d/sysctl.conf" "$logs/"
	E2E_IPV6=$v6 E2E_FW_SYSCTLS=$sysctls E2E_TRAP_SET=$trap_set E2E_KEEP_LOGS=$logs \
		bash "$here/harness.sh" "$hcase" "$d/ruleset.json" | tee "$d/harness.out"
	rc=${PIPESTATUS[0]}
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	npass=$(grep -c '^PASS ' "$d/harness.out") nfail=$(grep -c '^FAIL ' "$d/harness.out")
	nwarn=$(grep -c '^WARN ' "$d/harness.out")
	if [[ $rc -eq 0 && $nfail -eq 0 ]]; then
		summary+=("$c PASS ($npass passed, $nwarn warnings, ${secs}s; fw sysctls: $sysctls)")
	else
		failed+=("$c")
		summary+=("$c FAIL ($npass passed, $nfail failed, harness exit $rc, ${secs}s; fw sysctls: $sysctls)")
	fi
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
((${#failed[@]} == 0)) || { echo "failed cases: ${failed[*]}"; exit 1; }
exit 0
