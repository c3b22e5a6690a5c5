#!/bin/bash
# run.sh - connlimit through the kernel: `fhc compile` output in a firewall namespace, a client
# namespace holding connections open, and a count of which connections get through.
#
#   usage: sudo tests/connlimit/run.sh [FHC]     (FHC defaults to target/debug/fhc)
#
# Topology: ns cli (10.93.0.2, 10.93.0.3) -- veth -- ns fw (10.93.0.1, runs the server on :80).
# The configuration allows 2 connections per client address to :80 (`connlimit upto 2`), and
# 3 per /24 to :81 (`connlimit upto 3 mask 24`). Checks (one PASS/FAIL line each):
#   per-source   : from .2, connections 1-2 open, the 3rd does not (the SYN is dropped)
#   other-source : from .3, 2 more open at the same time (the count is per client address)
#   freed        : after .2 closes one, a new one from .2 opens
#   per-network  : on :81, 3 open from .2 and .3 together, the 4th (from either) does not
# Exit 0 when every check passed. Everything created is removed on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fhc=${1:-$root/target/debug/fhc}
[ "$(id -u)" -eq 0 ] || { echo "run.sh: must run as root (network namespaces)" >&2; exit 2; }
p=cl$$
work=$(mktemp -d)
cleanup() {
	ip netns pids "$p-fw" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$p-cli" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$p-fw" 2>/dev/null
	ip netns del "$p-cli" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$p-fw" && ip netns add "$p-cli" || exit 2
ip link add "$p-a" netns "$p-fw" type veth peer name "$p-b" netns "$p-cli" || exit 2
ip -n "$p-fw" addr add 10.93.0.1/24 dev "$p-a"
ip -n "$p-cli" addr add 10.93.0.2/24 dev "$p-b"
ip -n "$p-cli" addr add 10.93.0.3/24 dev "$p-b"
for n in "$p-fw" "$p-cli"; do ip -n "$n" link set lo up; done
ip -n "$p-fw" link set "$p-a" up
ip -n "$p-cli" link set "$p-b" up

cat >"$work/firehol.conf" <<CONF
version 6
interface4 $p-a lan
    policy drop
    server http accept connlimit upto 2
    server custom web81 tcp/81 default accept connlimit upto 3 mask 24
CONF
if [ "${CONNLIMIT_FIREHOL:-0}" = 1 ]; then
	# FireHOL 3.1.7 itself on the same configuration (to compare; see docs/firehol-bugs.md).
	sed -e 's/^[[:space:]]*START_FIREHOL=.*/START_FIREHOL=YES/' /etc/default/firehol >"$work/default"
	ip netns exec "$p-fw" unshare -m sh -c "mount --bind '$work/default' /etc/default/firehol &&
		mount -t tmpfs tmpfs /run && firehol '$work/firehol.conf' start" >"$work/firehol.log" 2>&1 ||
		{ cat "$work/firehol.log"; exit 2; }
else
	"$fhc" compile --no-defaults "$work/firehol.conf" >"$work/ruleset.json" || exit 2
	ip netns exec "$p-fw" nft -j -f "$work/ruleset.json" || exit 2
fi

# A server on :80 and :81 that keeps every connection open until the client closes it.
cat >"$work/server.py" <<'PY'
import selectors, socket
sel = selectors.DefaultSelector()
listeners = []
for port in (80, 81):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ); listeners.append(s)
while True:
    for key, _ in sel.select():
        if key.fileobj in listeners:
            c, _ = key.fileobj.accept(); sel.register(c, selectors.EVENT_READ)
        elif not key.fileobj.recv(4096):
            sel.unregister(key.fileobj); key.fileobj.close()
PY
ip netns exec "$p-fw" python3 "$work/server.py" &
sleep 0.5

# The client: a script of "open NAME SRC PORT" / "close NAME" steps; prints NAME ok|blocked.
cat >"$work/client.py" <<'PY'
import socket, sys, time
conns = {}
for line in sys.stdin:
    w = line.split()
    if w[0] == "open":
        s = socket.socket(); s.settimeout(1.5); s.bind((w[2], 0))
        try:
            s.connect(("10.93.0.1", int(w[3]))); conns[w[1]] = s; print(w[1], "ok")
        except OSError:
            print(w[1], "blocked")
    elif w[0] == "close":
        conns.pop(w[1]).close(); time.sleep(0.5)  # both sides close: the count drops
    sys.stdout.flush()
PY
out=$(ip netns exec "$p-cli" python3 "$work/client.py" <<'STEPS'
open a1 10.93.0.2 80
open a2 10.93.0.2 80
open a3 10.93.0.2 80
open b1 10.93.0.3 80
open b2 10.93.0.3 80
close a1
open a4 10.93.0.2 80
open n1 10.93.0.2 81
open n2 10.93.0.3 81
open n3 10.93.0.2 81
open n4 10.93.0.3 81
STEPS
)
fails=0
check() { # NAME WANT: expected "ok"/"blocked" for each listed connection
	local name=$1; shift
	local bad=
	for pair in "$@"; do
		local c=${pair%=*} want=${pair#*=}
		grep -qx "$c $want" <<<"$out" || bad="$bad $c (want $want)"
	done
	if [ -z "$bad" ]; then echo "PASS $name"; else echo "FAIL $name:$bad"; fails=1; fi
}
check per-source a1=ok a2=ok a3=blocked
check other-source b1=ok b2=ok
check freed a4=ok
check per-network n1=ok n2=ok n3=ok n4=blocked
[ "$fails" -eq 0 ] || { echo "--- client said:"; echo "$out"; }
exit "$fails"
