#!/usr/bin/env bash
# bench-synproxy-ttfb.sh - the SYNPROXY timestamp stall of Linux >= 6.15, before and after fhc's
# untracked ACK: time from connect() to the server's first byte through SYNPROXY, in the e2e
# topology (tests/e2e), for a server that speaks first (SSH-like) and for HTTP, over N connections.
#
#   before: FHC_SYNPROXY_UNTRACK_ACK=0 (SYNPROXY's ACK stays tracked, as FireHOL has it)
#   after:  fhc's default
# for cases A (local server), C (routed server) and their IPv6 forms A6, C6.
#
# Usage: sudo scripts/bench-synproxy-ttfb.sh [N]   (default 200; needs what tests/e2e/run.sh needs)
# Environment: FHC (the fhc binary, default target/debug/fhc). Not a test: a measurement.
set -u
n=${1:-200}
here=$(cd "$(dirname "$0")/.." && pwd)
echo "kernel $(uname -r), $n connections of each kind per line"
for c in A C A6 C6; do
	for mode in before after; do
		pre=
		[[ $mode == before ]] && pre=FHC_SYNPROXY_UNTRACK_ACK=0
		E2E_CONF_PREPEND=$pre E2E_TTFB=$n "$here/tests/e2e/run.sh" ${FHC:+--fhc "$FHC"} "$c" 2>&1 |
			sed -n "s/^TTFB /$c $mode /p"
	done
done
