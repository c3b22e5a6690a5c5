#!/bin/bash
# harness.sh - end-to-end test of FireHOL "synproxy" use cases compiled to nftables.
#
# Origin: written for this project as ../shared/e2e/harness.sh (the SYNPROXY/nftables experiments
# behind the synproxy lowering, see the doc comment of lang/src/nft/lower/synproxy.rs), copied
# here so the project's tests do not depend on it. Changes since: an IPv6 mode (E2E_IPV6=1),
# observer/trace tables in the inet family, conntrack counted for both families, and a raw-socket
# sender replacing hping3 for IPv6 (hping3 has no IPv6). tests/e2e/run.sh drives it with
# `fhc compile` / `fhc sysctl` output.
#
#   usage: harness.sh CASE RULESET.json        CASE = A | B | C | D | D2 | E
#          (a RULESET.nft in nft text syntax is accepted too, for debugging)
#
# Builds throw-away network namespaces (all named e2e-<pid>-*), loads RULESET with
# `nft -j -f` inside the firewall namespace, pushes real TCP traffic through the
# kernel SYNPROXY and prints one line per check on stdout:  PASS name | FAIL name: why
# (plus non-fatal "WARN ..." lines for ~1s connection stalls, and "HINT ..." diagnostics).
# Exit status: 0 = every check passed, 1 = at least one FAIL, 2 = usage/setup error.
# Everything created (namespaces, veths, processes, temp dir) is removed on exit,
# including on failure, Ctrl-C, or the global watchdog (E2E_TIMEOUT).
#
# Topology (interface names are the ones a test firehol.conf / ruleset must use):
#
#   ns cli                 ns fw                              ns sw (bridge)   ns s1..s3
#   e2e-c0 10.91.0.2/24 -- e2e-wan 10.91.0.1/24  ("public" IP, 1.2.3.4 in the docs)
#   (+10.91.0.3-9 for D2)  e2e-lan 10.92.0.1/24 ------------ e2e-br -------- e2e-s0 10.92.0.1N/24
#   default via 10.91.0.1  default via 10.91.0.2 (the "internet" is behind e2e-wan)
#
#   A : http server in fw on :80        client -> 10.91.0.1:80
#   B : http server in fw on :90 only   client -> 10.91.0.1:80   (must be answered by :90)
#   C : http server s1 10.92.0.11:80    client -> 10.92.0.11:80  (routed, no NAT)
#   D : http server s1 10.92.0.11:80    client -> 10.91.0.1:80   (DNAT to 10.92.0.11)
#   D2: http servers s1..s3 .11-.13:80  8 client IPs x 3 requests -> 10.91.0.1:80
#   E : "sshd-like" banner server in fw on :22
#       client -> 10.91.0.1:22   must complete the handshake with SYNPROXY but never reach :22
#       client -> 10.91.0.1:2200 must reach the banner server on :22
#
# Environment knobs:
#   E2E_FW_SYSCTLS   sysctls a FireHOL compiler is expected to set on the firewall (they are
#                    NOT part of the nft JSON). unset = minimal set the reference rulesets need
#                    (compiler_sysctls below: only ip_forward=1 for C/D/D2), "none", "firehol"
#                    (what FireHOL's bash implementation sets), or an explicit "k=v k=v" list.
#   E2E_TTFB=N       only measure: N server-first and N HTTP connections, time to first byte
#                    (p50/p99/max; scripts/bench-synproxy-ttfb.sh runs it before and after)
#   E2E_STRICT=1     legit connections must complete promptly (< 0.5s; checks NAME_prompt);
#                    otherwise a ~1s stall is only a WARN line (kernel issue with the synproxy
#                    'timestamp' option and Linux >= 6.15 servers, see NOTES.md)
#   E2E_BASE_SYSCTLS environment of the firewall host (not the compiler's business).
#                    default: strict reverse-path filtering, like many distros.
#   E2E_SPOOF_COUNT  spoofed SYNs in the burst (default 2000, max 5000)
#   E2E_TIMEOUT      global watchdog in seconds (default 150)
#   E2E_TRACE=1      nft trace of all tcp in the fw ns, printed to stderr at the end
#   E2E_PCAP=1       tcpdump -i any in the fw ns into fw.pcap (use with E2E_KEEP_LOGS)
#   E2E_KEEP_LOGS=DIR copy logs (server logs, final ruleset with counters, conntrack) to DIR
#   E2E_TRAP_SET="family table set"  (case E) also check that the client IP was added to it
#   E2E_VERBOSE=1    progress/info on stderr
#   E2E_IPV6=1       the same cases over IPv6 only (IPv4 is left unconfigured): e2e-wan fd91::1/64
#                    ("1.2.3.4"), client fd91::2 (+fd91::3-9 for D2), e2e-lan fd92::1/64, servers
#                    fd92::11-13. Neighbour discovery is real, so the ruleset must let ICMPv6 ND
#                    through (FireHOL: `server ipv6neigh accept` + `client ipv6neigh accept`).
#                    Bare ACKs and the spoofed SYN burst are sent from a raw socket (python).

set -u

# ---------------------------------------------------------------------------------------
# run under an e2e- prefixed process name (comm), so every process we start is
# identifiable: exec ourselves through a symlink called e2e-harness.
if [[ "${E2E_REEXEC:-}" != 1 ]]; then
	self=$(readlink -f "$0") || exit 2
	d=$(mktemp -d -t e2e-harness.XXXXXX) || exit 2
	ln -s "$self" "$d/e2e-harness" || { rm -rf "$d"; exit 2; }
	E2E_REEXEC=1 E2E_WORKDIR="$d" exec "$d/e2e-harness" "$@"
fi

T=${E2E_WORKDIR:?}
ID=$$
BIN=$T/bin
LOG=$T/log
mkdir -p "$BIN" "$LOG"

usage() { echo "usage: ${0##*/} {A|B|C|D|D2|E} RULESET.json" >&2; rm -rf "$T"; exit 2; }
[[ $# -eq 2 ]] || usage
CASE=$1 RULESET=$2
case "$CASE" in A|B|C|D|D2|E) ;; *) usage ;; esac
[[ -r "$RULESET" ]] || { echo "cannot read ruleset $RULESET" >&2; rm -rf "$T"; exit 2; }
RULESET=$(readlink -f "$RULESET")

for tool in ip nft conntrack ss hping3 curl jq; do
	command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; rm -rf "$T"; exit 2; }
done
# the real interpreter binary (not a pyenv shim, which would not work under another name)
PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null)
[[ -x "$PY" ]] || { echo "python3 not found" >&2; rm -rf "$T"; exit 2; }

# tools we run in the background or that may block get e2e- names (comm = symlink name)
ln -s "$PY" "$BIN/e2e-py"
ln -s "$(command -v curl)" "$BIN/e2e-curl"
ln -s "$(command -v hping3)" "$BIN/e2e-hping3"
ln -s "$(command -v nft)" "$BIN/e2e-nft"
command -v tcpdump >/dev/null && ln -s "$(command -v tcpdump)" "$BIN/e2e-tcpdump"

vlog() { [[ "${E2E_VERBOSE:-0}" == 1 ]] && echo "# $*" >&2; return 0; }
# a process-free sleep: read with timeout on a fifo nobody writes to (SLEEPFD set below)
nap() { [[ -n "${SLEEPFD:-}" ]] && read -r -t "$1" -u "$SLEEPFD" _ 2>/dev/null; return 0; }

# ---------------------------------------------------------------------------------------
# bookkeeping + cleanup
CREATED_NS=()
BG_PIDS=()
WATCHDOG_PID=
SLEEPFD=
NPASS=0 NFAIL=0

cleanup() {
	local rc=$? ns p pids tries
	trap - EXIT INT TERM
	if [[ -n "$WATCHDOG_PID" ]]; then kill -TERM "$WATCHDOG_PID" 2>/dev/null; wait "$WATCHDOG_PID" 2>/dev/null; fi
	if [[ -n "${E2E_KEEP_LOGS:-}" && ${#CREATED_NS[@]} -gt 0 ]]; then
		ip netns exec "$NS_FW" nft list ruleset >"$LOG/fw-ruleset-final.nft" 2>&1
		{ ip netns exec "$NS_FW" conntrack -L -f ipv4; ip netns exec "$NS_FW" conntrack -L -f ipv6; } >"$LOG/fw-conntrack.txt" 2>&1
		ip netns exec "$NS_FW" cat /proc/net/stat/synproxy >"$LOG/fw-synproxy-stat.txt" 2>&1
	fi
	for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	# every process still living in one of OUR namespaces was started by us
	for ns in "${CREATED_NS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[[ -n "$pids" ]] && kill -TERM $pids 2>/dev/null
	done
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		pids=
		for ns in "${CREATED_NS[@]}"; do pids+=$(ip netns pids "$ns" 2>/dev/null); done
		[[ -z "$pids" ]] && break
		nap 0.1
	done
	for ns in "${CREATED_NS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for ns in "${CREATED_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if [[ -n "${E2E_KEEP_LOGS:-}" ]]; then
		mkdir -p "$E2E_KEEP_LOGS" && cp -r "$LOG"/. "$E2E_KEEP_LOGS"/ 2>/dev/null
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkfifo "$T/sleep.fifo"
exec {SLEEPFD}<>"$T/sleep.fifo"

TIMEOUT=${E2E_TIMEOUT:-150}
(	# watchdog: a builtin timed read, so there is no child process to leak
	read -r -t "$TIMEOUT" -u "$SLEEPFD" _
	echo "FAIL harness_timeout: global watchdog fired after ${TIMEOUT}s"
	kill -TERM "$ID"
) &
WATCHDOG_PID=$!

pass() { echo "PASS $1"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $1: $2"; NFAIL=$((NFAIL + 1)); }

# ---------------------------------------------------------------------------------------
# topology
NS_CLI=e2e-$ID-cli
NS_FW=e2e-$ID-fw
NS_SW=e2e-$ID-sw
NS_SRV=()
V6=0; [[ "${E2E_IPV6:-0}" == 1 ]] && V6=1
if ((V6)); then
	PUB=fd91::1         # "1.2.3.4": the firewall's public address on e2e-wan
	CLI=fd91::2         # the client
	LAN_GW=fd92::1      # the firewall on e2e-lan
	SRV_PFX=fd92::1     # servers: ${SRV_PFX}1 ..2 ..3 behind e2e-lan
	PLEN=64
	NODAD=nodad
else
	PUB=10.91.0.1       # "1.2.3.4": the firewall's public address on e2e-wan
	CLI=10.91.0.2       # the client
	LAN_GW=10.92.0.1    # the firewall on e2e-lan
	SRV_PFX=10.92.0.1   # servers: ${SRV_PFX}1 .12 .13 behind e2e-lan
	PLEN=24
	NODAD=
fi
CLI_EXTRA=()            # more client source addresses (D2)
# an address as it appears next to a port: in URLs and in the test server's log lines
hostport() { if [[ "$1" == *:* ]]; then echo "[$1]"; else echo "$1"; fi; }
# the same, as a bash regex (escaped)
addr_re() { local a=${1//./\\.}; if [[ "$a" == *:* ]]; then echo "\\[$a\\]"; else echo "$a"; fi; }
ADDR_RE='(\[[0-9a-f:]+\]|[0-9.]+)'

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

mkns() {
	ip netns add "$1" || return 1
	CREATED_NS+=("$1")
	ip -n "$1" link set lo up
	if ((V6)); then
		# no duplicate address detection (addresses usable at once), no autoconfiguration
		nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 >/dev/null
	else
		nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	fi
}

nservers=0
case "$CASE" in C|D) nservers=1 ;; D2) nservers=3 ;; esac
if [[ "$CASE" == D2 ]]; then
	if ((V6)); then CLI_EXTRA=(fd91::3 fd91::4 fd91::5 fd91::6 fd91::7 fd91::8 fd91::9)
	else CLI_EXTRA=(10.91.0.3 10.91.0.4 10.91.0.5 10.91.0.6 10.91.0.7 10.91.0.8 10.91.0.9); fi
fi

setup_topology() {
	local i a ns
	mkns "$NS_CLI" && mkns "$NS_FW" || return 1
	ip -n "$NS_FW" link add e2e-wan type veth peer name e2e-c0 netns "$NS_CLI" || return 1
	ip -n "$NS_CLI" addr add $CLI/$PLEN dev e2e-c0 $NODAD
	for a in "${CLI_EXTRA[@]}"; do ip -n "$NS_CLI" addr add "$a/$PLEN" dev e2e-c0 $NODAD; done
	ip -n "$NS_CLI" link set e2e-c0 up
	ip -n "$NS_CLI" route add default via $PUB
	ip -n "$NS_FW" addr add $PUB/$PLEN dev e2e-wan $NODAD
	ip -n "$NS_FW" link set e2e-wan up
	ip -n "$NS_FW" route add default via $CLI dev e2e-wan
	if ((nservers > 0)); then
		mkns "$NS_SW" || return 1
		ip -n "$NS_SW" link add e2e-br type bridge
		ip -n "$NS_SW" link set e2e-br up
		ip -n "$NS_FW" link add e2e-lan type veth peer name e2e-pf netns "$NS_SW" || return 1
		ip -n "$NS_SW" link set e2e-pf master e2e-br up
		ip -n "$NS_FW" addr add $LAN_GW/$PLEN dev e2e-lan $NODAD
		ip -n "$NS_FW" link set e2e-lan up
		for ((i = 1; i <= nservers; i++)); do
			ns=e2e-$ID-s$i
			mkns "$ns" || return 1
			NS_SRV+=("$ns")
			ip -n "$ns" link add e2e-s0 type veth peer name e2e-p$i netns "$NS_SW" || return 1
			ip -n "$NS_SW" link set e2e-p$i master e2e-br up
			ip -n "$ns" addr add $SRV_PFX$i/$PLEN dev e2e-s0 $NODAD
			ip -n "$ns" link set e2e-s0 up
			ip -n "$ns" route add default via $LAN_GW
		done
	fi
	nsx "$NS_CLI" sysctl -qw net.ipv4.ip_forward=0 >/dev/null
	((V6)) && nsx "$NS_CLI" sysctl -qw net.ipv6.conf.all.forwarding=0 >/dev/null
	return 0
}

# --- sysctls ----------------------------------------------------------------------------
# Environment of the firewall host (not something the compiler emits): strict rp_filter.
BASE_SYSCTLS=${E2E_BASE_SYSCTLS-"net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 net.ipv4.conf.e2e-wan.rp_filter=1 net.ipv4.conf.lo.rp_filter=1"}
((V6)) && [[ -z "${E2E_BASE_SYSCTLS+x}" ]] && BASE_SYSCTLS+=" net.ipv6.conf.all.forwarding=0"

# What a FireHOL->nftables compiler must set besides the JSON ruleset: the minimal set the
# reference rulesets (A.nft ... E.nft) need. See NOTES.md for the experiments behind it:
#  - net.ipv4.ip_forward=1 for the routed cases (C, D, D2);
#  - nothing else: nf_conntrack_tcp_loose=0 is not needed when the synproxy rule also matches
#    "ct state new", and route_localnet is not needed when `redirect to PORT` is compiled as
#    "dnat to <dst>:PORT". A ruleset that relies on them must be run with E2E_FW_SYSCTLS.
compiler_sysctls() {
	case "$CASE" in
	C|D|D2) if ((V6)); then echo "net.ipv6.conf.all.forwarding=1"; else echo "net.ipv4.ip_forward=1"; fi ;;
	*) echo "" ;;
	esac
}
# What FireHOL's bash implementation sets for the same config (for comparison runs).
firehol_sysctls() {
	local s="net.netfilter.nf_conntrack_tcp_loose=0 net.ipv4.tcp_syncookies=1 net.ipv4.tcp_timestamps=1"
	case "$CASE" in
	A|B|E) s+=" net.ipv4.conf.lo.rp_filter=0 net.ipv4.conf.e2e-wan.route_localnet=1" ;; # setup_lo_for_synproxy
	C|D|D2) s+=" net.ipv4.ip_forward=1" ;;
	esac
	echo "$s"
}
case "${E2E_FW_SYSCTLS-default}" in
default) FW_SYSCTLS=$(compiler_sysctls) ;;
none) FW_SYSCTLS= ;;
firehol) FW_SYSCTLS=$(firehol_sysctls) ;;
*) FW_SYSCTLS=$E2E_FW_SYSCTLS ;;
esac

apply_sysctls() { # ns list
	local ns=$1 kv
	for kv in $2; do
		nsx "$ns" sysctl -qw "$kv" >/dev/null 2>&1 || { echo "cannot set sysctl $kv in $ns" >&2; return 1; }
	done
}

# --- helper programs ----------------------------------------------------------------------
cat >"$T/e2e_srv.py" <<'PYEOF'
# e2e test server: one line per accepted connection in LOG.
#  mode banner: ssh-like, sends a banner line immediately (server speaks first)
#  mode http:   HTTP/1.0 response to a request; but a client whose source port is in
#               61000-61999 gets an "E2E-BANNER" line at once instead (lets the harness test a
#               server-speaks-first protocol on the same port; no timers involved)
import socket, sys, threading
ident, port, mode, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
v6 = len(sys.argv) > 5 and sys.argv[5] == "6"
def hp(a):  # address:port, IPv6 addresses in brackets
    return ("[%s]:%d" if ":" in a[0] else "%s:%d") % (a[0], a[1])
PAD = 200000  # big enough to exercise SYNPROXY sequence translation and window scaling
lock = threading.Lock()
def handle(c, line):
    c.settimeout(5)
    try:
        if mode == "banner":
            c.sendall(("SSH-2.0-E2E " + line + "\r\n").encode())
            try:
                c.recv(100)
            except OSError:
                pass
        elif 61000 <= c.getpeername()[1] <= 61999:
            c.sendall(("E2E-BANNER " + line + "\r\n").encode())
            try:
                c.recv(100)
            except OSError:
                pass
        else:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                d = c.recv(4096)
                if not d:
                    break
                data += d
            body = ("E2E " + line + "\n").encode() + b"x" * PAD + b"\n"
            hdr = ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                   "Connection: close\r\n\r\n" % len(body)).encode()
            c.sendall(hdr + body)
    except OSError:
        pass
    finally:
        c.close()
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if v6 else "0.0.0.0", port))
s.listen(128)
while True:
    c, peer = s.accept()
    loc = c.getsockname()
    line = "id=%s local=%s peer=%s" % (ident, hp(loc), hp(peer))
    with lock, open(log, "a") as f:
        f.write(line + "\n")
    threading.Thread(target=handle, args=(c, line), daemon=True).start()
PYEOF

cat >"$T/e2e_cli.py" <<'PYEOF'
# e2e banner client: connect, report whether the TCP handshake completed and what came back
# (and how long after connect() the first bytes arrived).
import socket, struct, sys, time
host, port, ctimeout, btimeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
src = sys.argv[5] if len(sys.argv) > 5 else None
sport = int(sys.argv[6]) if len(sys.argv) > 6 else 0
try:
    s = socket.create_connection((host, port), timeout=ctimeout, source_address=(src, sport) if src else None)
except OSError as e:
    print("NOCONNECT", e); sys.exit(0)
print("CONNECTED", "%s:%d" % s.getsockname()[:2])
s.settimeout(btimeout)
t0 = time.monotonic()
try:
    d = s.recv(300)
    el = time.monotonic() - t0
    print("BANNER %.3f %s" % (el, d.decode(errors="replace").strip()) if d else "CLOSED %.3f" % el)
except socket.timeout:
    print("NOBANNER %.3f" % (time.monotonic() - t0))
except OSError as e:
    print("ERROR", e)
# abort with RST so no FIN retransmissions linger
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PYEOF

cat >"$T/e2e_raw6.py" <<'PYEOF'
# IPv6 stand-in for the two hping3 probes (hping3 has no IPv6): whole Ethernet frames from an
# AF_PACKET socket on IFACE towards the firewall's MAC, so the source can be spoofed.
#   ack IFACE DST_MAC SRC DST DPORT COUNT GAP_US  bare ACKs from SRC, source ports 40000..,
#                                                 seq 1000, ack 123456
#   syn IFACE DST_MAC -   DST DPORT COUNT GAP_US  SYNs from random sources in 2001:db8::/32
# prints "COUNT packets transmitted, 0 packets received" like hping3 (replies are not counted).
# The frames carry a virtio-net header asking for checksum offload (PACKET_VNET_HDR +
# VIRTIO_NET_HDR_F_NEEDS_CSUM), so they arrive as CHECKSUM_PARTIAL exactly like the segments of
# the client's own TCP stack. Plain raw-socket packets arrive as CHECKSUM_NONE and the kernel's
# nft synproxy expression drops every such IPv6 packet before looking at it: it validates the
# TCP checksum with nf_ip_checksum(), the IPv4 pseudo-header, for IPv6 too (net/netfilter/
# nft_synproxy.c, Linux 5.3 to at least 6.18; see NOTES.md in this directory).
import random, socket, struct, sys, time
mode, ifname, dmac, src, dst, dport, count = sys.argv[1:6] + [int(sys.argv[6]), int(sys.argv[7])]
gap = int(sys.argv[8]) / 1e6 if len(sys.argv) > 8 else 0.1
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
def packet(s, d, sport, seq, ack, flags):
    sb, db = socket.inet_pton(socket.AF_INET6, s), socket.inet_pton(socket.AF_INET6, d)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    # CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, the "device" adds the rest
    c = ~csum(sb + db + struct.pack("!IxxxB", len(tcp), 6)) & 0xffff
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + sb + db
    # struct virtio_net_hdr (host byte order): flags NEEDS_CSUM, no GSO, csum_start, csum_offset
    vnet = struct.pack("=BBHHHH", 1, 0, 0, 0, 14 + 40, 16)
    return vnet + bytes.fromhex(dmac.replace(":", "")) + smac + b"\x86\xdd" + ip6 + tcp
r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
r.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
r.bind((ifname, 0))
smac = r.getsockname()[4][:6]
sent = 0
for i in range(count):
    if mode == "ack":
        pkt = packet(src, dst, 40000 + i, 1000, 123456, 0x10)
    else:
        a = "2001:db8:" + ":".join("%x" % random.getrandbits(16) for _ in range(6))
        pkt = packet(a, dst, random.randint(1024, 65535), random.getrandbits(32), 0, 0x02)
    try:
        r.send(pkt)
        sent += 1
    except OSError as e:
        print("send error:", e, file=sys.stderr)
    time.sleep(gap)
print("%d packets transmitted, 0 packets received" % sent)
PYEOF

start_server() { # ns ident port mode
	local ns=$1 ident=$2 port=$3 mode=$4
	# not via nsx: a backgrounded function would be a subshell and $! would not be the server
	ip netns exec "$ns" "$BIN/e2e-py" "$T/e2e_srv.py" "$ident" "$port" "$mode" "$LOG/srv-$ident.log" $((V6 ? 6 : 4)) \
		>>"$LOG/srv-$ident.stderr" 2>&1 &
	BG_PIDS+=($!)
	: >>"$LOG/srv-$ident.log"
}
wait_listen() { # ns port  (bounded: 50 x 0.1s)
	local i
	for i in {1..50}; do
		[[ -n "$(nsx "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]] && return 0
		nap 0.1
	done
	return 1
}

# --- measurements -----------------------------------------------------------------------
# /proc/net/stat/synproxy (per netns): a header line, then one line per CPU of hex fields
#   entries syn_received cookie_invalid cookie_valid cookie_retrans conn_reopened
# -> echo the per-CPU sums "syn_received cookie_invalid cookie_valid cookie_retrans conn_reopened"
sp_read() {
	local f a=0 b=0 c=0 d=0 e=0 hdr
	{
		read -r hdr
		while read -r -a f; do
			[[ ${#f[@]} -ge 6 ]] || continue
			a=$((a + 16#${f[1]})) b=$((b + 16#${f[2]})) c=$((c + 16#${f[3]}))
			d=$((d + 16#${f[4]})) e=$((e + 16#${f[5]}))
		done
	} < <(nsx "$NS_FW" cat /proc/net/stat/synproxy 2>/dev/null)
	echo "$a $b $c $d $e"
}
sp_snap() { read -r SP_SYN SP_INV SP_VALID SP_RETR SP_REOPEN < <(sp_read); }

# observer tables: count SYNs that actually reach a server's TCP stack.
#  - in server namespaces: input priority 0 (the only ruleset there); `ct state` also turns
#    conntrack on there, so "server-side conntrack entries" can be counted.
#  - in the fw namespace (cases A, B, E: the server is the firewall itself): a chain at input
#    priority 10000, i.e. after every chain of the ruleset under test, without ct expressions
#    (so it does not change conntrack behaviour). It only counts.
OBS_FW='table inet e2e_obs {
	counter syn_in { }
	chain in_obs { type filter hook input priority 10000; policy accept;
		tcp flags & (fin|syn|rst|ack) == syn counter name "syn_in"
	}
}'
OBS_SRV='table inet e2e_obs {
	counter syn_in { }
	chain in_obs { type filter hook input priority 0; policy accept;
		tcp flags & (fin|syn|rst|ack) == syn counter name "syn_in"
		ct state new counter
	}
}'
# in the client namespace: count what comes back to the bare-ACK probe's source ports (hping3's
# own "received" count also counts unrelated segments from the same server port)
OBS_CLI='table inet e2e_obs {
	counter probe_replies { }
	chain in_obs { type filter hook input priority 0; policy accept;
		tcp dport 40000-40009 counter name "probe_replies"
	}
}'
probe_replies() {
	nsx "$NS_CLI" nft -j list counter inet e2e_obs probe_replies 2>/dev/null |
		jq -r '.nftables[] | select(.counter) | .counter.packets' 2>/dev/null || echo -1
}
syn_in() { # ns -> packets counted by the observer
	nsx "$1" nft -j list counter inet e2e_obs syn_in 2>/dev/null |
		jq -r '.nftables[] | select(.counter) | .counter.packets' 2>/dev/null || echo -1
}
server_nss() { if ((nservers > 0)); then echo "${NS_SRV[@]}"; else echo "$NS_FW"; fi; }
syn_in_total() { local ns n t=0; for ns in $(server_nss); do n=$(syn_in "$ns"); t=$((t + n)); done; echo $t; }
# conntrack entries whose original source is not one of our real hosts (i.e. spoofed)
ct_foreign() {
	{ nsx "$1" conntrack -L -f ipv4; nsx "$1" conntrack -L -f ipv6; } 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^src=/) { s = substr($i, 5); break }
		if (s !~ /^10\.9[12]\.0\./ && s !~ /^127\./ && s !~ /^fd9[12]:/ && s != "::1") n++ } END { print n + 0 }'
}
# server sockets in SYN-RECV for peers that are not our real client (i.e. spoofed sources)
synrecv_count() {
	nsx "$1" ss -Htn state syn-recv 2>/dev/null | awk '$4 !~ /^10\.91\.0\./ && $4 !~ /^\[fd91:/ { n++ } END { print n + 0 }'
}

# --- traffic ----------------------------------------------------------------------------
# http_get SRC URL -> HTTP_RC HTTP_CODE HTTP_SIZE HTTP_ID HTTP_LPORT HTTP_PEER
http_get() {
	local src=$1 url=$2 out
	rm -f "$T/body"
	out=$(nsx "$NS_CLI" "$BIN/e2e-curl" -g -s -o "$T/body" -w '%{http_code} %{size_download} %{time_total}' \
		--interface "$src" --connect-timeout 3 --max-time 8 "$url" 2>/dev/null)
	HTTP_RC=$?
	read -r HTTP_CODE HTTP_SIZE HTTP_TIME <<<"$out"
	HTTP_ID= HTTP_LPORT= HTTP_PEER=
	local l
	l=$(head -c 300 "$T/body" 2>/dev/null | head -n1)
	if [[ "$l" =~ ^E2E\ id=([^ ]+)\ local=$ADDR_RE:([0-9]+)\ peer=$ADDR_RE:([0-9]+) ]]; then
		HTTP_ID=${BASH_REMATCH[1]} HTTP_LPORT=${BASH_REMATCH[3]} HTTP_PEER=${BASH_REMATCH[4]}
		HTTP_PEER=${HTTP_PEER#[} HTTP_PEER=${HTTP_PEER%]}
	fi
	vlog "GET $url from $src -> rc=$HTTP_RC code=$HTTP_CODE size=$HTTP_SIZE time=${HTTP_TIME}s first-line='$l'"
}
# legit_http NAME SRC URL EXPECT_ID EXPECT_LPORT : full 200 response from the right server/port,
# and the server saw the real client address (SYNPROXY preserves it)
legit_http() {
	local name=$1 src=$2 url=$3 eid=$4 eport=$5
	tsecr0=$(tsecr_total)
	http_get "$src" "$url"
	if [[ "$HTTP_RC" != 0 || "$HTTP_CODE" != 200 ]]; then
		fail "$name" "GET $url from $src failed (curl rc=$HTTP_RC http=$HTTP_CODE)"; return 1
	fi
	if [[ "$HTTP_ID" != "$eid" || "$HTTP_LPORT" != "$eport" ]]; then
		fail "$name" "answered by id=$HTTP_ID port=$HTTP_LPORT, expected id=$eid port=$eport"; return 1
	fi
	if [[ "$HTTP_PEER" != "$src" ]]; then
		fail "$name" "server saw peer $HTTP_PEER instead of the client address $src"; return 1
	fi
	pass "$name"
	delay_check "$name" "$HTTP_TIME"
}
# banner NAME-less helper: sets BAN_OUT
banner() { # src host port ctimeout btimeout [sport]
	BAN_OUT=$(nsx "$NS_CLI" "$BIN/e2e-py" "$T/e2e_cli.py" "$2" "$3" "$4" "$5" "$1" ${6:-} 2>&1)
	vlog "banner $2:$3 from $1 -> $(echo "$BAN_OUT" | tr '\n' '|')"
}
# TcpExtTSEcrRejected summed over the server side (/proc/net/netstat is per netns)
netstat_get() { # ns name
	nsx "$1" cat /proc/net/netstat 2>/dev/null | awk -v k="$2" '
		$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) idx[$i] = i; h = 1; next }
		$1 == "TcpExt:" && h { print (k in idx) ? $(idx[k]) : 0; exit }'
}
tsecr_total() { local ns t=0 v; for ns in $(server_nss); do v=$(netstat_get "$ns" TSEcrRejected); t=$((t + ${v:-0})); done; echo $t; }
# A connection that works but only after a ~1s stall (legit traffic through SYNPROXY on a veth
# takes milliseconds). Cause seen in every case: the server rejected SYNPROXY's ACK
# (TcpExtTSEcrRejected) and the handshake only completed with its SYN/ACK retransmit.
# Reported as WARN; FAIL (check NAME_prompt) with E2E_STRICT=1. Needs tsecr0 from before.
delay_check() { # name elapsed-seconds
	local name=$1 el=$2 tsecr1
	tsecr1=$(tsecr_total)
	if awk -v e="${el:-9}" 'BEGIN { exit !(e > 0.5) }'; then
		local msg="$name: took ${el}s instead of milliseconds; the server rejected SYNPROXY's ACK/the client's data (TcpExtTSEcrRejected +$((tsecr1 - ${tsecr0:-0}))) and the handshake completed only from its SYN/ACK retransmit. Kernel issue with the synproxy 'timestamp' option and Linux >= 6.15 servers, see NOTES.md"
		if [[ "${E2E_STRICT:-0}" == 1 ]]; then fail "${name}_prompt" "$msg"; else echo "WARN $msg"; fi
	elif [[ "${E2E_STRICT:-0}" == 1 ]]; then
		pass "${name}_prompt"
	fi
}
banner_delay_check() { delay_check "$1" "$(awk '/^BANNER / { print $2 }' <<<"$BAN_OUT")"; }
# hping3 wrapper: prints "transmitted received"
hping() {
	nsx "$NS_CLI" "$BIN/e2e-hping3" "$@" 2>&1 | tee -a "$LOG/hping.log" |
		awk '/packets transmitted/ { print $1, $4; found = 1 } END { if (!found) print "0 0" }'
}
fw_mac() { ip -n "$NS_FW" -j link show e2e-wan | jq -r '.[0].address'; }
raw6() { # the same output as hping, from e2e_raw6.py
	nsx "$NS_CLI" "$BIN/e2e-py" "$T/e2e_raw6.py" "$@" 2>&1 | tee -a "$LOG/hping.log" |
		awk '/packets transmitted/ { print $1, $4; found = 1 } END { if (!found) print "0 0" }'
}
bad_acks() { # 3 bare ACKs with random-looking seq/ack from source ports 40000-40002
	if ((V6)); then raw6 ack e2e-c0 "$(fw_mac)" "$CLI" "$TGT_IP" "$TGT_PORT" 3 100000
	else hping -A -p "$TGT_PORT" -s 40000 -M 1000 -L 123456 -c 3 -i u100000 "$TGT_IP"; fi
}
spoof_burst() { # N SYNs from random sources, 200us apart
	if ((V6)); then raw6 syn e2e-c0 "$(fw_mac)" - "$TGT_IP" "$TGT_PORT" "$1" 200
	else hping -S --rand-source -p "$TGT_PORT" -c "$1" -i u200 -q "$TGT_IP"; fi
}

# ---------------------------------------------------------------------------------------
# main
setup_topology || { echo "FAIL topology: could not build namespaces" ; exit 2; }
# IPv6: every interface's link-local address must be usable before the first connection (a
# router's neighbour discovery and the bridge's ports start with it); otherwise the first packets
# of the first connection wait for it and that connection looks stalled.
if ((V6)); then
	for ((w = 0; w < 30; w++)); do
		pending=0
		for ns in "${CREATED_NS[@]}"; do
			if ip -n "$ns" -6 addr show | grep -q tentative ||
				[[ $(ip -n "$ns" -6 -o addr show scope link | wc -l) -lt $(ip -n "$ns" -o link show up | grep -vc ' lo:') ]]; then
				pending=1
			fi
		done
		((pending)) || break
		read -r -t 0.1 -u "$SLEEPFD" || true
	done
fi
apply_sysctls "$NS_FW" "$BASE_SYSCTLS" || exit 2
apply_sysctls "$NS_FW" "$FW_SYSCTLS" || exit 2
vlog "fw sysctls: base=[$BASE_SYSCTLS] compiler=[$FW_SYSCTLS]"

# load the ruleset under test
if [[ "$RULESET" == *.nft ]]; then
	nsx "$NS_FW" nft -f "$RULESET" >"$LOG/nft-load.txt" 2>&1
else
	nsx "$NS_FW" nft -j -f "$RULESET" >"$LOG/nft-load.txt" 2>&1
fi
if [[ $? -ne 0 ]]; then
	fail ruleset_load "nft rejected $RULESET: $(head -c 400 "$LOG/nft-load.txt" | tr '\n' ' ')"
	exit 1
fi
if [[ -z "$(nsx "$NS_FW" nft list tables 2>/dev/null)" ]]; then
	fail ruleset_load "$RULESET loaded but the firewall has no tables (empty ruleset?)"
	exit 1
fi
pass ruleset_load
nsx "$NS_FW" nft -f - <<<"$OBS_FW" || { echo "cannot load observer table in fw" >&2; exit 2; }
for ns in "${NS_SRV[@]}"; do nsx "$ns" nft -f - <<<"$OBS_SRV" || exit 2; done
nsx "$NS_CLI" nft -f - <<<"$OBS_CLI" || exit 2

if [[ "${E2E_TRACE:-0}" == 1 ]]; then
	nsx "$NS_FW" nft -f - <<<'table inet e2e_trace {
	chain pre {
		type filter hook prerouting priority -500; policy accept;
		meta l4proto tcp meta nftrace set 1
	}
	chain out {
		type filter hook output priority -500; policy accept;
		meta l4proto tcp meta nftrace set 1
	}
}'
	ip netns exec "$NS_FW" "$BIN/e2e-nft" monitor trace >"$LOG/trace.txt" 2>&1 &
	BG_PIDS+=($!)
fi

if [[ "${E2E_PCAP:-0}" == 1 && -x "$BIN/e2e-tcpdump" ]]; then
	ip netns exec "$NS_FW" "$BIN/e2e-tcpdump" -ni any -s 200 -w "$LOG/fw.pcap" tcp 2>"$LOG/tcpdump.stderr" &
	BG_PIDS+=($!)
	for i in {1..30}; do grep -q listening "$LOG/tcpdump.stderr" 2>/dev/null && break; nap 0.1; done
fi

# servers
case "$CASE" in
A) start_server "$NS_FW" fw 80 http; LISTEN=("$NS_FW:80") ;;
B) start_server "$NS_FW" fw 90 http; LISTEN=("$NS_FW:90") ;;
E) start_server "$NS_FW" fw 22 banner; LISTEN=("$NS_FW:22") ;;
C|D|D2)
	LISTEN=()
	for ((i = 1; i <= nservers; i++)); do
		start_server "${NS_SRV[i-1]}" s$i 80 http; LISTEN+=("${NS_SRV[i-1]}:80")
	done ;;
esac
ok=1
for l in "${LISTEN[@]}"; do wait_listen "${l%:*}" "${l##*:}" || ok=0; done
if ((ok)); then pass servers_listening; else fail servers_listening "a test server did not start"; exit 1; fi

# per case: what the client connects to
case "$CASE" in
A) URL=http://$(hostport $PUB):80/; EID=fw; EPORT=80 ;;
B) URL=http://$(hostport $PUB):80/; EID=fw; EPORT=90 ;;
C) URL=http://$(hostport ${SRV_PFX}1):80/; EID=s1; EPORT=80 ;;
D) URL=http://$(hostport $PUB):80/; EID=s1; EPORT=80 ;;
D2) URL=http://$(hostport $PUB):80/ ;;
esac
case "$CASE" in
C) TGT_IP=${SRV_PFX}1 TGT_PORT=80 ;;
E) TGT_IP=$PUB TGT_PORT=2200 ;;
*) TGT_IP=$PUB TGT_PORT=80 ;;
esac

# ---- E2E_TTFB=N: only measure time to first byte, N connections of each kind ---------------
if [[ -n "${E2E_TTFB:-}" ]]; then
	cat >"$T/e2e_ttfb.py" <<'PYEOF'
# time from connect() to the first byte from the server, N times: "banner" (the test server
# answers a client whose source port is in 61000-61999 at once: a server that speaks first) and
# "http" (the client sends a request first). Prints p50/p99/max and how many took > 0.5 s.
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def one(banner, i):
    sport = 61000 + i % 1000 if banner else 0
    t0 = time.monotonic()
    try:
        s = socket.create_connection((host, port), timeout=5, source_address=("", sport))
    except OSError as e:
        raise OSError("connect: %s" % e)
    if not banner:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    s.settimeout(5)
    try:
        if not s.recv(1):
            raise OSError("closed without a byte")
    except OSError as e:
        raise OSError("first byte (local port %d): %s" % (s.getsockname()[1], e))
    el = time.monotonic() - t0
    s.close()
    time.sleep(0.01)
    return el
for kind in ("banner", "http"):
    t, errors = [], []
    for i in range(n):
        try:
            t.append(one(kind == "banner", i))
        except OSError as e:  # counted, not hidden: a connection that never got its byte
            errors.append(str(e))
    t.sort()
    q = lambda p: t[min(len(t) - 1, int(p * len(t)))] if t else float("nan")
    print("TTFB %s n=%d p50 %.4fs p99 %.4fs max %.4fs over0.5s %d failed %d%s"
          % (kind, n, q(0.5), q(0.99), t[-1] if t else float("nan"), sum(1 for x in t if x > 0.5),
             len(errors), " (%s)" % errors[0] if errors else ""), flush=True)
PYEOF
	nsx "$NS_CLI" python3 "$T/e2e_ttfb.py" "$TGT_IP" "$TGT_PORT" "$E2E_TTFB"
	exit 0
fi

# ---- 1. legitimate connections through SYNPROXY ------------------------------------------
sp_snap; sp0=("$SP_SYN" "$SP_INV" "$SP_VALID")
nlegit=0
case "$CASE" in
A|B|C|D)
	legit_http legit_connection "$CLI" "$URL" "$EID" "$EPORT"; nlegit=1
	;;
D2)
	declare -A seen=()
	allok=1 persist=1 detail= maxt=0
	tsecr0=$(tsecr_total)
	for src in "$CLI" "${CLI_EXTRA[@]}"; do
		ids=
		for rep in 1 2 3; do
			((allok)) || break      # after a failure don't wait for more timeouts
			http_get "$src" "$URL"; nlegit=$((nlegit + 1))
			awk -v e="$HTTP_TIME" -v m="$maxt" 'BEGIN { exit !(e > m) }' && maxt=$HTTP_TIME
			if [[ "$HTTP_RC" != 0 || "$HTTP_CODE" != 200 || "$HTTP_LPORT" != 80 || "$HTTP_PEER" != "$src" || "$HTTP_ID" != s[123] ]]; then
				allok=0; detail+=" $src#$rep:rc=$HTTP_RC,http=$HTTP_CODE,id=$HTTP_ID,peer=$HTTP_PEER"
			fi
			ids+="$HTTP_ID "
			[[ -n "$HTTP_ID" ]] && seen[$HTTP_ID]=1
		done
		read -r -a arr <<<"$ids"
		[[ ${#arr[@]} -eq 3 && "${arr[0]}" == "${arr[1]}" && "${arr[0]}" == "${arr[2]}" ]] || persist=0
		vlog "client $src -> $ids"
		echo "client $src -> $ids" >>"$LOG/d2-map.txt"
	done
	if ((allok)); then pass legit_connections_all_clients; delay_check legit_connections_all_clients "$maxt"; else fail legit_connections_all_clients "$detail"; fi
	if ((${#seen[@]} >= 2)); then pass lb_balanced; else fail lb_balanced "all ${nlegit} requests went to {${!seen[*]}} (want >= 2 servers)"; fi
	if ((allok && persist)); then pass lb_persistent; else fail lb_persistent "a client was answered by different servers: $(tr '\n' ';' <"$LOG/d2-map.txt")"; fi
	;;
E)
	# trap port: handshake must complete with SYNPROXY, the server must never see it
	sp_snap; v0=$SP_VALID
	banner "$CLI" "$PUB" 22 3 2.5     # 2.5s: longer than the ~1-1.7s stall of NOTES.md 3.7
	acc=$(wc -l <"$LOG/srv-fw.log")
	sp_snap
	if [[ "$BAN_OUT" == CONNECTED* ]] && ((SP_VALID > v0)); then
		pass trap_handshake_completed_by_synproxy
	else
		fail trap_handshake_completed_by_synproxy "client to :22 -> '$(echo $BAN_OUT)', cookie_valid +$((SP_VALID - v0))"
	fi
	if [[ "$BAN_OUT" != *SSH-2.0-E2E* ]] && ((acc == 0)); then
		pass trap_never_reaches_server
	else
		fail trap_never_reaches_server "listener on :22 accepted $acc connection(s); client got '$(echo $BAN_OUT)'"
	fi
	if [[ -n "${E2E_TRAP_SET:-}" ]]; then
		if nsx "$NS_FW" nft -j list set $E2E_TRAP_SET 2>/dev/null | jq -e --arg ip "$CLI" \
			'[.. | strings] | index($ip) != null' >/dev/null; then
			pass trap_set_has_client
		else
			fail trap_set_has_client "client $CLI not found in set '$E2E_TRAP_SET'"
		fi
	fi
	# redirected port 2200 -> banner server on 22
	tsecr0=$(tsecr_total)
	banner "$CLI" "$PUB" 2200 3 3
	if [[ "$BAN_OUT" =~ BANNER\ [0-9.]+\ SSH-2.0-E2E\ id=fw\ local=$ADDR_RE:22\ peer=$(addr_re "$CLI"): ]]; then
		pass redirect_2200_reaches_22
		banner_delay_check redirect_2200_reaches_22
	else
		fail redirect_2200_reaches_22 "client to :2200 -> '$(echo $BAN_OUT)'"
	fi
	nlegit=2
	;;
esac

# server-speaks-first protocols (SSH, SMTP...): with a silent client the server must complete
# the handshake by itself, i.e. accept SYNPROXY's ACK (with HTTP the client's first data segment
# can hide a lost/rejected ACK). A client bound to source port 61000-61999 gets an immediate
# "E2E-BANNER ..." line from the test server instead of HTTP.
case "$CASE" in
A|B|C|D|D2)
	tsecr0=$(tsecr_total)
	banner "$CLI" "$TGT_IP" "$TGT_PORT" 3 3 $((61000 + RANDOM % 1000))
	nlegit=$((nlegit + 1))
	want="BANNER [0-9.]+ E2E-BANNER id=${EID:-s[123]} local=$ADDR_RE:${EPORT:-80} peer=$(addr_re "$CLI"):"
	if [[ "$BAN_OUT" =~ $want ]]; then
		pass server_first_protocol
		banner_delay_check server_first_protocol
	else
		fail server_first_protocol "silent client to $TGT_IP:$TGT_PORT got '$(echo $BAN_OUT)' within 3s"
	fi ;;
esac

# ---- 2. SYNPROXY really was in the path -----------------------------------------------------
sp_snap
dsyn=$((SP_SYN - sp0[0])) dvalid=$((SP_VALID - sp0[2]))
if ((dsyn >= nlegit && dvalid >= nlegit)); then
	pass synproxy_counters
else
	fail synproxy_counters "after $nlegit connection(s): syn_received +$dsyn, cookie_valid +$dvalid (SYNPROXY not in the path?)"
	if ((dsyn >= nlegit && dvalid == 0)) && [[ "$(nsx "$NS_FW" sysctl -n net.netfilter.nf_conntrack_tcp_loose)" == 1 ]]; then
		echo "HINT SYNPROXY answered SYNs but validated no client ACK. Usual causes: (a) SYNPROXY's SYN/ACK dropped in OUTPUT (it is ct state INVALID there); (b) with nf_conntrack_tcp_loose=1 the client's ACK is ct state NEW, so a synproxy rule matching only invalid,untracked misses it (add 'new', or E2E_FW_SYSCTLS=net.netfilter.nf_conntrack_tcp_loose=0 as FireHOL does); (c) the ACK got DNATed/routed away from the synproxy chain."
	fi
fi

# ---- 3. an ACK without a valid cookie is dropped (no RST, not delivered) ----------------------
sp_snap; inv0=$SP_INV; r0=$(probe_replies)
read -r tx _ < <(bad_acks)
sp_snap; rx=$(( $(probe_replies) - r0 ))
dinv=$((SP_INV - inv0))
if ((tx > 0 && rx == 0 && dinv >= tx)); then
	pass bad_ack_dropped
else
	fail bad_ack_dropped "sent $tx bare ACKs to $TGT_IP:$TGT_PORT: $rx replies came back, cookie_invalid +$dinv"
fi

# ---- 4. spoofed SYN burst --------------------------------------------------------------------
N=${E2E_SPOOF_COUNT:-2000}
((N > 5000)) && N=5000
sp_snap; syn0=$SP_SYN; s0=$(syn_in_total)
read -r tx rx < <(spoof_burst "$N")
# let the counters settle (bounded)
prev=-1
for i in {1..20}; do sp_snap; [[ "$SP_SYN" == "$prev" ]] && break; prev=$SP_SYN; nap 0.1; done
dsyn=$((SP_SYN - syn0)); s1=$(syn_in_total)
vlog "spoof burst: hping sent $tx, synproxy syn_received +$dsyn, server-side SYNs +$((s1 - s0))"
if ((tx > 0 && dsyn * 10 >= tx * 8)); then
	pass spoof_burst_answered_by_synproxy
else
	fail spoof_burst_answered_by_synproxy "$( ((V6)) && echo "raw socket" || echo hping3) sent $tx spoofed SYNs but syn_received only +$dsyn"
fi
if ((s1 - s0 == 0)); then
	pass spoof_burst_no_syn_reaches_server
else
	fail spoof_burst_no_syn_reaches_server "$((s1 - s0)) SYNs reached the server's TCP stack during the burst"
fi
nct=0 nrecv=0 where=
nslist=$(server_nss); [[ " $nslist " == *" $NS_FW "* ]] || nslist+=" $NS_FW"
for ns in $nslist; do
	c=$(ct_foreign "$ns"); r=$(synrecv_count "$ns")
	nct=$((nct + c)); where+=" ${ns##*-}:ct=$c,syn-recv=$r"
	[[ " $(server_nss) " == *" $ns "* ]] && nrecv=$((nrecv + r))
done
if ((nct == 0)); then pass spoof_burst_no_conntrack_entries; else fail spoof_burst_no_conntrack_entries "conntrack entries from spoofed sources:$where"; fi
if ((nrecv == 0)); then pass spoof_burst_no_server_backlog; else fail spoof_burst_no_server_backlog "server sockets in SYN-RECV:$where"; fi

# ---- 5. legit traffic still works after the burst ---------------------------------------------
case "$CASE" in
A|B|C|D) legit_http legit_after_burst "$CLI" "$URL" "$EID" "$EPORT" ;;
D2) http_get "$CLI" "$URL"
	if [[ "$HTTP_RC" == 0 && "$HTTP_CODE" == 200 && "$HTTP_ID" == s[123] ]]; then pass legit_after_burst; else fail legit_after_burst "rc=$HTTP_RC http=$HTTP_CODE id=$HTTP_ID"; fi ;;
E) banner "$CLI" "$PUB" 2200 3 3
	if [[ "$BAN_OUT" == *"SSH-2.0-E2E id=fw"* ]]; then pass legit_after_burst; else fail legit_after_burst "client to :2200 -> '$(echo $BAN_OUT)'"; fi ;;
esac

if [[ "${E2E_TRACE:-0}" == 1 ]]; then nap 0.5; echo "----- nft trace (fw) -----" >&2; cat "$LOG/trace.txt" >&2; fi
echo "# case $CASE: $NPASS passed, $NFAIL failed ($(basename "$RULESET"); fw sysctls: ${FW_SYSCTLS:-none})" >&2
((NFAIL == 0)) && exit 0
exit 1
