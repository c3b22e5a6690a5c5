#!/usr/bin/env bash
# bench-flood.sh - SYNPROXY under a SYN flood, fhc's ruleset and FireHOL's side by side.
#
# The seed's promise is that real servers notice nothing during an attack. For each type (a
# routed server behind the firewall, `synproxy forward`; a server on the firewall itself,
# `synproxy input`) and each N (protected services, one `synproxy` statement and one `server
# custom` rule each, ports 10000..), the same configuration runs twice in fresh network
# namespaces: compiled by fhc (nft -j -f), and started by FireHOL 3.1.7 (its iptables-legacy
# rules). Topology, all on this machine:
#
#   ns wan (10.94.1.2: the legitimate client, and hping3 with spoofed sources)
#     -- veth -- ns fw (wan0 10.94.1.1 | lan0 10.94.3.1: SYNPROXY, routing; the input server)
#     -- veth -- ns srv (10.94.3.2: the forward server)
#
# The server is an echo server on the last protected port.
# For FLOOD_SECONDS (10), hping3 floods the last protected port with SYNs from random sources
# while the client opens a connection every 50 ms to the same port (send a line, read it back;
# 3 s timeout). The firewall routes the spoofed sources back to wan, where their SYN/ACKs are
# counted. Printed per run:
#   synack/s   SYN/ACKs SYNPROXY sent to the spoofed sources, per second of flood
#   syn/s      SYNs hping3 sent per second (it shares its core with the firewall's softirq work)
#   legit      connections that echoed within 3 s / attempts, and their connect-to-echo p50/p99
#   srv_ct     conntrack entries on the server's host from anything but the client after the
#              flood (flood SYNs that got past SYNPROXY: the host tracks every packet it gets)
#   srv_acc    connections the server accepted from anything but the client
# and at the end fhc's SYN/ACK rate over FireHOL's for each N, against the performance issue's
# targets (legit >= 99% and srv_ct 0 for both; at N = 1000 fhc >= 5x FireHOL, at N = 10 >= 1x).
#
# Usage: sudo scripts/bench-flood.sh [N...]     (default: 10 1000)
# Environment: FHC (the fhc binary, default target/release/fhc), FLOOD_SECONDS (10),
# FLOOD_TYPES ("forward input").
# Needs root, ip, nft, hping3, conntrack, python3, firehol (Debian's 3.1.7). Not a test: a
# measurement; every namespace and file it makes is removed on exit. Bounded: each run ends after
# FLOOD_SECONDS plus a few seconds.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
fhc=${FHC:-$here/target/release/fhc}
secs=${FLOOD_SECONDS:-10}
read -r -a types <<<"${FLOOD_TYPES:-forward input}"
sizes=("$@")
((${#sizes[@]})) || sizes=(10 1000)

[[ $(id -u) -eq 0 ]] || { echo "bench-flood: needs root (network namespaces)" >&2; exit 2; }
[[ -x $fhc ]] || { echo "bench-flood: no fhc at $fhc (cargo build --release -p fhc, or FHC=)" >&2; exit 2; }
for t in ip nft hping3 conntrack python3 firehol timeout unshare; do
	command -v "$t" >/dev/null || { echo "bench-flood: $t is missing (apt-get install -y iproute2 nftables hping3 conntrack python3 firehol)" >&2; exit 2; }
done

p=fl$$
work=$(mktemp -d -t fhc-flood.XXXXXX) || exit 2
namespaces=("$p-wan" "$p-fw" "$p-srv")
teardown() {
	local n
	for n in "${namespaces[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
}
trap 'teardown; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
nsx() { local n=$1; shift; ip netns exec "$p-$n" "$@"; }

CLIENT=10.94.1.2
# The server of each type, and the namespace it runs in.
declare -A SERVER=([forward]=10.94.3.2 [input]=10.94.1.1) HOST=([forward]=srv [input]=fw)

# The configuration of N protected services of a type (the same text for fhc and FireHOL).
config() { # type n
	local t=$1 n=$2 i
	echo "version 6"
	for ((i = 0; i < n; i++)); do
		echo "ipv4 synproxy $t inface wan0 dst ${SERVER[$t]} dport $((10000 + i)) accept"
	done
	if [[ $t == forward ]]; then
		echo "ipv4 router wan2lan inface wan0 outface lan0"
	else
		echo "interface4 wan0 wan"
	fi
	for ((i = 0; i < n; i++)); do
		echo "    server custom svc$i tcp/$((10000 + i)) default accept dst ${SERVER[$t]}"
	done
}

topology() {
	local n
	for n in "${namespaces[@]}"; do ip netns add "$n" || return 1; ip -n "$n" link set lo up; done
	ip link add wan0 netns "$p-fw" type veth peer name eth0 netns "$p-wan" || return 1
	ip link add lan0 netns "$p-fw" type veth peer name eth0 netns "$p-srv" || return 1
	ip -n "$p-wan" addr add $CLIENT/24 dev eth0
	ip -n "$p-fw" addr add 10.94.1.1/24 dev wan0
	ip -n "$p-fw" addr add 10.94.3.1/24 dev lan0
	ip -n "$p-srv" addr add ${SERVER[forward]}/24 dev eth0
	ip -n "$p-wan" link set eth0 up
	ip -n "$p-srv" link set eth0 up
	ip -n "$p-fw" link set wan0 up
	ip -n "$p-fw" link set lan0 up
	ip -n "$p-wan" route add default via 10.94.1.1
	ip -n "$p-srv" route add default via 10.94.3.1
	# Spoofed sources are anywhere: their SYN/ACKs go back out of wan0.
	ip -n "$p-fw" route add default via $CLIENT
	nsx fw sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.wan0.rp_filter=0 >/dev/null
	# What SYNPROXY sends to the spoofed sources, counted before wan's routing drops it.
	nsx wan nft -f - <<-NFT || return 1
		table inet watch {
			chain pre {
				type filter hook prerouting priority -300; policy accept;
				ip daddr != $CLIENT tcp flags & (syn | ack) == syn | ack counter
			}
		}
	NFT
	# The forward server tracks every packet (as a real server with a stateful firewall would),
	# so a flood SYN that got through leaves an entry. (The firewall tracks for the input server.)
	nsx srv nft -f - <<-NFT || return 1
		table inet watch {
			chain in {
				type filter hook input priority 0; policy accept;
				ct state new counter
			}
		}
	NFT
}

load_fhc() { # conf
	"$fhc" compile "$1" >"$work/ruleset.json" 2>"$work/compile.err" || { cat "$work/compile.err" >&2; return 1; }
	"$fhc" sysctl "$1" >"$work/sysctls" 2>"$work/sysctl.err" || { cat "$work/sysctl.err" >&2; return 1; }
	nsx fw nft -j -f "$work/ruleset.json" || return 1
	local kv
	while read -r kv; do
		kv=${kv%%#*}
		kv=${kv// /}
		[[ $kv == *=* ]] || continue
		nsx fw sysctl -qw "$kv" >/dev/null || { echo "bench-flood: cannot set $kv" >&2; return 1; }
	done <"$work/sysctls"
}

load_firehol() { # conf
	# Debian's package refuses to start until START_FIREHOL=YES; a private mount namespace gives
	# it that (and its own /run) without touching the host's files.
	sed -e 's/^[[:space:]]*START_FIREHOL=.*/START_FIREHOL=YES/' /etc/default/firehol >"$work/default"
	nsx fw unshare -m sh -c "mount --bind '$work/default' /etc/default/firehol &&
		mount -t tmpfs tmpfs /run && firehol '$1' start" >"$work/firehol.log" 2>&1 ||
		{ tail -n 30 "$work/firehol.log" >&2; return 1; }
}

cat >"$work/server.py" <<'PY'
# An echo server; every connection from anything but the client is counted in COUNTFILE.
import socket, sys, threading
port, client, countfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
others = 0
open(countfile, "w").write("0")
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port)); s.listen(1024)
def serve(c):
    with c:
        c.settimeout(5)
        try:
            d = c.recv(64)
            if d: c.sendall(d)
        except OSError:
            pass
while True:
    c, peer = s.accept()
    if peer[0] != client:
        others += 1
        open(countfile, "w").write(str(others))
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

cat >"$work/client.py" <<'PY'
# A connection every 50 ms for SECONDS, each in its own thread so that a slow one does not delay
# the next: connect, send a line, read it back (3 s timeout).
import json, socket, sys, threading, time
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ok, failed, lock = [], [0], threading.Lock()
def attempt():
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=3) as c:
            c.settimeout(max(0.01, 3 - (time.monotonic() - start)))
            c.sendall(b"ping\n")
            got = b""
            while not got.endswith(b"\n"):
                d = c.recv(64)
                if not d: break
                got += d
        good = got == b"ping\n"
    except OSError:
        good = False
    with lock:
        if good: ok.append(time.monotonic() - start)
        else: failed[0] += 1
t0 = time.monotonic(); k = 0; threads = []
while True:
    t = threading.Thread(target=attempt); t.start(); threads.append(t)
    k += 1
    if k * 0.05 >= seconds: break
    time.sleep(max(0.0, t0 + k * 0.05 - time.monotonic()))
for t in threads: t.join()
print(json.dumps({"ok": ok, "failed": failed[0]}))
PY

counter() { # ns chain-rule-pattern -> the packets of the first counter on a line matching it
	nsx "$1" nft list table inet watch | awk -v pat="$2" '$0 ~ pat { for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}

results=()
run() { # type n impl
	local t=$1 n=$2 impl=$3 port=$((10000 + $2 - 1)) server=${SERVER[$1]} host=${HOST[$1]}
	teardown
	topology || { echo "bench-flood: topology failed" >&2; return 1; }
	config "$t" "$n" >"$work/firehol.conf"
	"load_$impl" "$work/firehol.conf" || { echo "bench-flood: $impl did not load $t N=$n" >&2; return 1; }
	nsx "$host" python3 "$work/server.py" "$port" "$CLIENT" "$work/others" >/dev/null 2>&1 &
	sleep 0.5
	# Warm: one connection before the flood shows the path works at all.
	if ! nsx wan python3 "$work/client.py" "$server" "$port" 0.01 | grep -q '"failed": 0'; then
		echo "bench-flood: $impl $t N=$n: no connection gets through before the flood" >&2
		return 1
	fi
	local a0
	a0=$(counter wan "daddr")
	nsx wan python3 "$work/client.py" "$server" "$port" "$secs" >"$work/client.json" &
	local cpid=$!
	nsx wan timeout -s INT "$secs" hping3 -q -S -p "$port" --flood --rand-source "$server" >"$work/hping.log" 2>&1
	wait "$cpid"
	sleep 1
	local acks sent ct others
	acks=$(($(counter wan "daddr") - a0))
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$work/hping.log")
	ct=$(nsx "$host" conntrack -L 2>/dev/null | grep -vc "src=$CLIENT ")
	others=$(cat "$work/others")
	python3 - "$t" "$n" "$impl" "$secs" "$acks" "${sent:-0}" "$ct" "$others" "$work/client.json" <<-'PY'
		import json, sys
		t, n, impl, secs, acks, sent, ct, pkts, f = sys.argv[1:]
		secs = float(secs)
		r = json.load(open(f)); ok = sorted(r["ok"]); tries = len(ok) + r["failed"]
		pct = lambda q: ok[min(len(ok) - 1, int(q * len(ok)))] * 1000 if ok else float("nan")
		print(f"{t:<7} {n:>5} {impl:<8} {int(acks) / secs:>10.0f} {int(sent) / secs:>10.0f} "
		      f"{len(ok):>4}/{tries:<4} {100 * len(ok) / max(tries, 1):6.1f}% "
		      f"{pct(0.5):8.1f} {pct(0.99):8.1f} {ct:>6} {pkts:>8}")
	PY
}

echo "kernel $(uname -r); $(nproc) cores; flood ${secs}s per run; fhc $("$fhc" --version 2>/dev/null | head -1); firehol $(dpkg-query -W -f '${Version}' firehol 2>/dev/null)"
printf '%-7s %5s %-8s %10s %10s %9s %7s %8s %8s %6s %8s\n' type N ruleset synack/s syn/s legit "" p50_ms p99_ms srv_ct srv_acc
status=0
for t in "${types[@]}"; do
	[[ -n ${SERVER[$t]:-} ]] || { echo "bench-flood: unknown type $t (forward, input)" >&2; exit 2; }
	for n in "${sizes[@]}"; do
		for impl in fhc firehol; do
			line=$(run "$t" "$n" "$impl") || { status=1; continue; }
			echo "$line"
			results+=("$line")
		done
	done
done
teardown

# Ratios and targets, from the lines above.
printf '%s\n' "${results[@]}" | python3 -c '
import sys
rows = {}
for line in sys.stdin:
    f = line.split()
    if len(f) < 11: continue
    # type N ruleset synack/s syn/s legit pct p50 p99 srv_ct srv_acc
    rows[(f[0], int(f[1]), f[2])] = f
bad = 0
for (t, n, impl), f in sorted(rows.items()):
    if float(f[6].rstrip("%")) < 99.0 or f[9] != "0" or f[10] != "0":
        print(f"{t} N={n} {impl}: below target (legit {f[6]}, flood on the server: {f[9]} entries, {f[10]} connections)")
        bad = 1
for t, n in sorted({k[:2] for k in rows}):
    a, b = rows.get((t, n, "fhc")), rows.get((t, n, "firehol"))
    if not (a and b): continue
    ratio = float(a[3]) / max(float(b[3]), 1.0)
    need = 5.0 if n >= 1000 else 1.0
    verdict = "meets" if ratio >= need else "BELOW"
    print(f"{t} N={n}: fhc/FireHOL SYN/ACK rate {ratio:.2f}x ({verdict} the {need:g}x target)")
    bad |= ratio < need
sys.exit(bad)
' || status=1
exit $status
