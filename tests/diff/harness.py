#!/usr/bin/python3
"""harness.py - differential test: FireHOL 3.1.7 (iptables-legacy) versus fhc (nftables), packet
by packet, in throw-away network namespaces.

usage: harness.py [-v] [--fhc PATH] [CONF ...]
  default CONFs: tests/corpus/valid/*.conf and tests/diff/configs/*.conf

For every config, two identical topologies are built (all namespace names start with fhd<pid>-):

    host ns per interface I the config names      firewall ns
    hK: up0 10.100.K.2, .3 /24                --  I 10.100.K.1/24       (K = index of I, sorted)
        fd00:100:K::2, ::3 /64                    fd00:100:K::1/64
        default via the firewall

(tests/diff/topology/<conf basename>.topo adds addresses: "fw IFACE ADDR/LEN", "host IFACE ADDR",
probe ports: "ports N N ...", and host names: "hosts NAME ADDR", an /etc/hosts line FireHOL and fhc
both resolve with.) FireHOL runs from the config's directory and fhc looks beside the config, so
both read the files an `ipset addfile` names relative to it. FireHOL runs `firehol CONF start` in one firewall namespace
(private mount namespace: START_FIREHOL=YES, tmpfs /run/firehol and /var/spool/firehol); the
other loads `fhc compile CONF | nft -j -f -` and applies `fhc sysctl CONF` with sysctl -w. Both get
the same environment: ICMP rate limits off, no DAD, an IPv4 blackhole default route (see build),
IPv6 forwarding on (neither tool enables it the same way; IPv4 ip_forward is left to each tool).

Servers (agent.py serve) listen on every probed TCP and UDP port in the firewall and in every host
namespace and answer with their identity; probers (agent.py probe) in every namespace send the
same matrix through both firewalls: TCP connections, bare SYNs, UDP datagrams and ICMP echo, from
two source addresses per host (and from the firewall itself), to the firewall's own addresses and
routed to the other hosts, IPv4 and IPv6, on the ports the compiled ruleset names plus ports it
does not. Outcomes (delivered + which server/port/peer, refused, ICMP error, timeout) must be equal;
each difference is re-run alone with rule counters to name the fhc rules (`line N: ...`) and the
FireHOL iptables rules it hit. A difference that does not come back in a second batch, or on which
both sides agree when re-run alone (it only appears under the batch's load: rate limits, ICMP errors
racing timeouts), is reported as FLAKY and does not count.

Differences listed in tests/diff/expected-differences.txt are reported but do not fail.
Summary line: "N configs, M probes, K differences (E expected, U unexpected)". Exit 1 when U > 0
(or a config could not be tested), 2 when the harness cannot run.

The ruleset under test is fhc's default (optimized) output; probe ports and interfaces are read from
`fhc compile --no-optimize`, where each is a plain match.

Environment: FHC (fhc binary; default target/debug/fhc), FHC_DIFF_TIMEOUT (probe timeout, 0.5),
FHC_DIFF_MUTATE=accept-to-drop (break the fhc JSON on purpose: the first `server` rule's accept
becomes drop; the harness must then report differences), FHC_DIFF_KEEP=DIR (keep logs),
FHC_DIFF_WATCHDOG (seconds for the whole run, default 600), FIREHOL (default /usr/sbin/firehol).
"""
import fnmatch
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
AGENT = os.path.join(HERE, "agent.py")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TIMEOUT = float(os.environ.get("FHC_DIFF_TIMEOUT", "0.5"))
FIREHOL = os.environ.get("FIREHOL", "/usr/sbin/firehol")
MUTATE = os.environ.get("FHC_DIFF_MUTATE", "")
VERBOSE = False
CONTROL_PORTS = [7, 9999]  # ports no config names
MAX_PORTS = 24
MAX_IFACES = 6

FLAKY = []
PREFIX = "fhd%d-" % os.getpid()
CREATED_NS = []
PROCS = []
WORK = None


def log(*a):
    if VERBOSE:
        print("#", *a, file=sys.stderr, flush=True)


def run(cmd, input=None, check=False, timeout=30):
    r = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()[:500]))
    return r


def nsx(ns, *cmd, **kw):
    return run(["ip", "netns", "exec", ns] + list(cmd), **kw)


# ---------------------------------------------------------------------------------------------
# cleanup: only what this process created


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.terminate()
    deadline = time.time() + 3
    for p in PROCS:
        try:
            p.wait(max(0.05, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            try:
                p.wait(1)
            except subprocess.TimeoutExpired:
                pass
    PROCS.clear()
    for ns in CREATED_NS:
        pids = run(["ip", "netns", "pids", ns]).stdout.split()
        for pid in pids:  # every process in OUR namespaces was started by us
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
    for ns in CREATED_NS:
        run(["ip", "netns", "del", ns])
    CREATED_NS.clear()


def on_signal(sig, frame):
    cleanup()
    if WORK and not os.environ.get("FHC_DIFF_KEEP"):
        shutil.rmtree(WORK, ignore_errors=True)
    print("harness: interrupted (signal %d)" % sig, file=sys.stderr)
    os._exit(2)


# ---------------------------------------------------------------------------------------------
# what to probe: interfaces and ports from the compiled ruleset


def walk(o):
    yield o
    if isinstance(o, dict):
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)


def ruleset_facts(doc):
    ifaces, ports = set(), set()
    for o in walk(doc):
        if not (isinstance(o, dict) and "match" in o):
            continue
        m = o["match"]
        left, right = m.get("left"), m.get("right")
        if isinstance(left, dict) and "meta" in left and left["meta"].get("key") in ("iifname", "oifname"):
            for v in walk(right):
                if isinstance(v, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,14}", v) and v != "lo":
                    ifaces.add(v)
        if isinstance(left, dict) and "payload" in left and left["payload"].get("field") in ("dport", "sport"):
            for v in walk(right):
                if isinstance(v, int) and 0 < v < 65536:
                    ports.add(v)
                elif isinstance(v, dict) and "range" in v:
                    lo, hi = v["range"]
                    if hi - lo <= 16:
                        ports.update(range(lo, hi + 1))
                    else:
                        ports.update((lo, hi))
    # ranges of client ports (1024-65535, 32768-60999 ...) say nothing about services
    ports -= {1024, 65535, 32768, 60999, 1023}
    return sorted(ifaces), sorted(ports)


def load_topo(conf):
    extra = {"fw": [], "host": [], "ports": [], "hosts": []}
    f = os.path.join(HERE, "topology", os.path.basename(conf)[:-5] + ".topo")
    if os.path.exists(f):
        for line in open(f):
            w = line.split("#")[0].split()
            if not w:
                continue
            if w[0] == "ports":
                extra["ports"] += [int(x) for x in w[1:]]
            elif w[0] in ("fw", "host") and len(w) == 3:
                extra[w[0]].append((w[1], w[2]))
            elif w[0] == "hosts" and len(w) == 3:
                extra["hosts"].append((w[1], w[2]))
    return extra


def hosts_file(topo):
    """/etc/hosts plus the .topo's `hosts NAME ADDR` lines, for the host names a config uses
    (iptables resolves them when FireHOL loads, fhc when it compiles); None without any."""
    if not topo["hosts"]:
        return None
    path = os.path.join(WORK, "hosts-%d" % len(os.listdir(WORK)))
    text = open("/etc/hosts").read() if os.path.exists("/etc/hosts") else ""
    text += "".join("%s %s\n" % (addr, name) for name, addr in topo["hosts"])
    open(path, "w").write(text)
    return path


def with_hosts(cmd, hosts):
    """CMD run with HOSTS as /etc/hosts (a private mount namespace), or as it is."""
    if not hosts:
        return cmd
    return ["unshare", "--mount", "--", "bash", "-c",
            'mount --make-rprivate / && mount --bind "$0" /etc/hosts && exec "$@"', hosts] + cmd


# ---------------------------------------------------------------------------------------------
# topology


BASE_SYSCTLS = [
    "net.ipv4.icmp_ratelimit=0", "net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=100000",
    "net.ipv6.icmp.ratelimit=0", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
]


def mkns(name):
    run(["ip", "netns", "add", name], check=True)
    CREATED_NS.append(name)
    run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    nsx(name, "sysctl", "-qw", *BASE_SYSCTLS)


def v4(k, h):
    return "10.100.%d.%d" % (k, h)


def v6(k, h):
    return "fd00:100:%d::%d" % (k, h)


def build(inst, ifaces, topo):
    """Returns {fw: ns, hosts: {iface: ns}}."""
    fw = PREFIX + inst + "-fw"
    mkns(fw)
    nsx(fw, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1")
    # A packet DNATed to an address no interface reaches is dropped in silence, on both sides.
    # Without a route the kernel answers with an ICMP error through a limiter that no namespace
    # can turn off (net.ipv4.route.error_cost is global): 5 errors, then one a second, so which
    # probe got the error depended on the batch's timing (CI saw such flakes as differences).
    # The price: such an error's way out through each firewall's OUTPUT chain (RELATED, the
    # reverse NAT of the header it quotes) is no longer compared for these destinations.
    run(["ip", "-n", fw, "route", "add", "blackhole", "default"], check=True)
    hosts = {}
    for k, i in enumerate(ifaces):
        h = "%s%s-h%d" % (PREFIX, inst, k)
        mkns(h)
        hosts[i] = h
        run(["ip", "-n", fw, "link", "add", i, "type", "veth", "peer", "name", "up0", "netns", h], check=True)
        for cmd in (["addr", "add", v4(k, 1) + "/24", "dev", i], ["addr", "add", v6(k, 1) + "/64", "dev", i, "nodad"],
                    ["link", "set", i, "up"]):
            run(["ip", "-n", fw] + cmd, check=True)
        for cmd in (["addr", "add", v4(k, 2) + "/24", "dev", "up0"], ["addr", "add", v4(k, 3) + "/24", "dev", "up0"],
                    ["addr", "add", v6(k, 2) + "/64", "dev", "up0", "nodad"],
                    ["addr", "add", v6(k, 3) + "/64", "dev", "up0", "nodad"],
                    ["link", "set", "up0", "up"], ["route", "add", "default", "via", v4(k, 1)],
                    ["-6", "route", "add", "default", "via", v6(k, 1)]):
            run(["ip", "-n", h] + cmd, check=True)
    for i, a in topo["fw"]:
        if i in hosts:
            run(["ip", "-n", fw, "addr", "add", a, "dev", i] + (["nodad"] if ":" in a else []), check=True)
    for i, a in topo["host"]:
        if i in hosts:
            plen = "/128" if ":" in a else "/32"
            run(["ip", "-n", hosts[i], "addr", "add", a + plen, "dev", "up0"] + (["nodad"] if ":" in a else []), check=True)
            run(["ip", "-n", fw] + (["-6"] if ":" in a else []) + ["route", "add", a + plen, "dev", i], check=True)
    # static IPv6 neighbours: FireHOL filters neighbour discovery unless the config allows it
    # (fhc lets it through), which would mask every IPv6 port-level comparison; the ND policy
    # itself is therefore out of scope (README in tests/diff)
    def mac(ns, dev):
        return json.loads(run(["ip", "-n", ns, "-j", "link", "show", dev], check=True).stdout)[0]["address"]
    for k, i in enumerate(ifaces):
        h = hosts[i]
        fmac, hmac = mac(fw, i), mac(h, "up0")
        for a in [v6(k, 2), v6(k, 3)] + [x for j, x in topo["host"] if j == i and ":" in x]:
            run(["ip", "-n", fw, "neigh", "replace", a, "lladdr", hmac, "dev", i, "nud", "permanent"], check=True)
        for a in [v6(k, 1)] + [x.split("/")[0] for j, x in topo["fw"] if j == i and ":" in x]:
            run(["ip", "-n", h, "neigh", "replace", a, "lladdr", fmac, "dev", "up0", "nud", "permanent"], check=True)
    return {"fw": fw, "hosts": hosts}


def start_servers(topo_ns, ports, tag):
    ready = []
    nss = [("fw", topo_ns["fw"])] + list(topo_ns["hosts"].items())
    for name, ns in nss:
        rf = os.path.join(WORK, "ready-%s-%s" % (tag, name))
        lf = open(os.path.join(WORK, "srv-%s-%s.log" % (tag, name)), "w")
        p = subprocess.Popen(["ip", "netns", "exec", ns, PY, AGENT, "serve", name, ",".join(map(str, ports)), rf],
                             stdout=lf, stderr=lf)
        PROCS.append(p)
        ready.append((rf, name))
    deadline = time.time() + 10
    while time.time() < deadline:
        if all(os.path.exists(r) for r, _ in ready):
            return
        time.sleep(0.05)
    raise RuntimeError("servers did not start: %s" % [n for r, n in ready if not os.path.exists(r)])


# ---------------------------------------------------------------------------------------------
# the two firewalls


def private_firehol(work):
    """The bash prologue that lets FireHOL run inside `unshare --mount`: Debian's package refuses
    to start without START_FIREHOL=YES in /etc/default/firehol, and its state directories must not
    be the host's. (Also used by scripts/bench-vs-firehol.py.)"""
    dflt = os.path.join(work, "default-firehol")
    if not os.path.exists(dflt):
        txt = open("/etc/default/firehol").read() if os.path.exists("/etc/default/firehol") else ""
        txt = re.sub(r"(?m)^\s*START_FIREHOL=.*$", "", txt) + "\nSTART_FIREHOL=YES\n"
        open(dflt, "w").write(txt)
    return ("set -e; mount --make-rprivate /; "
            "[ -e /etc/default/firehol ] && mount --bind %s /etc/default/firehol; "
            "mkdir -p /run/firehol /var/spool/firehol; mount -t tmpfs -o mode=0700 tmpfs /run/firehol; "
            "mount -t tmpfs -o mode=0700 tmpfs /var/spool/firehol; " % dflt)


def names_broadcast(conf):
    """Whether a dual-stack statement of CONF names the address type BROADCAST."""
    text = open(conf).read()
    return re.search(r"^\s*(server|client|route)\s.*(src|dst)type[^#\n]*BROADCAST", text, re.M) is not None


def activate_firehol(fw, conf, hosts=None):
    # From the config's directory: FireHOL looks for a relative `ipset addfile` there first.
    conf = os.path.abspath(conf)
    script = private_firehol(WORK)
    if hosts:
        script += "mount --bind %s /etc/hosts; " % hosts
    script += "set +e; cd %s; %s %s start" % (os.path.dirname(conf), FIREHOL, conf)
    r = nsx(fw, "unshare", "--mount", "--", "bash", "-c", script, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("firehol start failed (%d): %s" % (r.returncode, (r.stdout + r.stderr)[-1500:]))
    return r.stderr


def mutate(doc):
    if MUTATE != "accept-to-drop":
        raise RuntimeError("unknown FHC_DIFF_MUTATE %r" % MUTATE)
    for cmd in doc["nftables"]:
        rule = cmd.get("add", {}).get("rule")
        if not rule or not re.search(r"\bserver\b", rule.get("comment", "")):
            continue
        ex = rule["expr"]
        for n, e in enumerate(ex):
            if e == {"accept": None}:
                ex[n] = {"drop": None}
                print("MUTATED (accept -> drop): chain %s, %s" % (rule["chain"], rule["comment"]))
                return doc
    raise RuntimeError("FHC_DIFF_MUTATE: no server accept rule to mutate")


def add_counters(doc):
    for cmd in doc["nftables"]:
        rule = cmd.get("add", {}).get("rule")
        if not rule:
            continue
        ex = rule["expr"]
        n = 0
        while n < len(ex) and "match" in ex[n]:
            n += 1
        ex.insert(n, {"counter": None})
    return doc


def activate_fhc(fw, doc, sysctls):
    r = nsx(fw, "nft", "-j", "-f", "-", input=json.dumps(doc))
    if r.returncode != 0:
        raise RuntimeError("nft -j -f rejected the fhc ruleset: %s" % r.stderr[:800])
    for kv in sysctls:
        r = nsx(fw, "sysctl", "-qw", kv)
        if r.returncode != 0:
            raise RuntimeError("sysctl -w %s: %s" % (kv, r.stderr.strip()))


def counters_fhc(fw):
    r = nsx(fw, "nft", "-j", "list", "table", "inet", "firehol")
    out = {}
    try:
        for o in json.loads(r.stdout)["nftables"]:
            rule = o.get("rule")
            if not rule:
                continue
            pk = sum(e["counter"]["packets"] for e in rule["expr"] if isinstance(e, dict) and "counter" in e
                     and isinstance(e["counter"], dict))
            out[(rule["chain"], rule["handle"])] = (pk, rule.get("comment", "(no comment: %s)" % rule["chain"]))
    except (ValueError, KeyError):
        pass
    return out


def counters_firehol(fw):
    out = {}
    for fam, cmd in (("4", "iptables-legacy-save"), ("6", "ip6tables-legacy-save")):
        table = ""
        n = 0
        for line in nsx(fw, cmd, "-c").stdout.splitlines():
            if line.startswith("*"):
                table = line[1:]
            m = re.match(r"\[(\d+):\d+\] (-A .*)", line)
            if m:
                n += 1
                out[(fam, table, n)] = (int(m.group(1)), "ip%stables -t %s %s" % ("" if fam == "4" else "6", table, m.group(2)))
    return out


def hit(before, after):
    res = []
    for k, (pk, what) in after.items():
        if pk > before.get(k, (0, ""))[0]:
            res.append(what)
    return res


# ---------------------------------------------------------------------------------------------
# probes


def matrix(ifaces, ports, topo, synports):
    """{source: [probe]} where source is 'fw' or an interface name."""
    out = {}
    extra_host = {}
    for i, a in topo["host"]:
        extra_host.setdefault(i, []).append(a)
    extra_fw = {}
    for i, a in topo["fw"]:
        extra_fw.setdefault(i, []).append(a.split("/")[0])

    def targets(dst_desc, fam, dst, src, src_desc):
        ps = []
        for p in ports:
            ps.append(dict(kind="tcp", port=p))
            ps.append(dict(kind="udp", port=p))
            if p in synports:
                ps.append(dict(kind="syn", port=p))
        ps.append(dict(kind="ping", port=0))
        res = []
        for pr in ps:
            if pr["kind"] == "syn" and not src:
                continue
            pr.update(fam=fam, dst=dst, src=src)
            pr["id"] = "%s -> %s %s %s" % (src_desc, dst_desc,
                                           {"tcp": "tcp/%d" % pr["port"], "udp": "udp/%d" % pr["port"],
                                            "syn": "syn/%d" % pr["port"], "ping": "ping"}[pr["kind"]], "")
            pr["id"] = pr["id"].strip()
            res.append(pr)
        return res

    def is6(a):
        return ":" in a

    for k, i in enumerate(ifaces):
        srcs = [v4(k, 2), v4(k, 3), v6(k, 2), v6(k, 3)] + extra_host.get(i, [])
        dsts = [("fw@%s" % i, v4(k, 1)), ("fw@%s" % i, v6(k, 1))]
        dsts += [("fw@%s" % i, a) for a in extra_fw.get(i, [])]
        others = [(j, ifaces[j]) for j in range(len(ifaces)) if j != k]
        if others:
            j, oi = others[0]
            dsts += [("fw@%s" % oi, v4(j, 1)), ("fw@%s" % oi, v6(j, 1))]
            dsts += [("fw@%s" % oi, a) for a in extra_fw.get(oi, [])]
        for j, oi in others:
            dsts += [("host@%s" % oi, v4(j, 2)), ("host@%s" % oi, v6(j, 2))]
            dsts += [("host@%s" % oi, a) for a in extra_host.get(oi, [])]
        lst = []
        for s in srcs:
            for dd, d in dsts:
                if is6(s) == is6(d):
                    lst += targets("%s[%s]" % (dd, d), 6 if is6(d) else 4, d, s, "host@%s[%s]" % (i, s))
        out[i] = lst
    lst = []
    for k, i in enumerate(ifaces):
        for d in [v4(k, 2), v6(k, 2)] + extra_host.get(i, []):
            lst += targets("host@%s[%s]" % (i, d), 6 if is6(d) else 4, d, None, "fw")
    out["fw"] = lst
    return out


def run_probers(topo_ns, probes, tag, single=False):
    procs = []
    for src, lst in probes.items():
        if not lst:
            continue
        ns = topo_ns["fw"] if src == "fw" else topo_ns["hosts"][src]
        fin = os.path.join(WORK, "probes-%s-%s.json" % (tag, src))
        fout = os.path.join(WORK, "out-%s-%s.json" % (tag, src))
        json.dump(lst, open(fin, "w"))
        if os.path.exists(fout):
            os.unlink(fout)
        p = subprocess.Popen(["ip", "netns", "exec", ns, PY, AGENT, "probe", fin, fout, str(TIMEOUT)],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, "prober-%s-%s.log" % (tag, src)), "w"))
        PROCS.append(p)
        procs.append((p, fout, src))
    res = {}
    for p, fout, src in procs:
        try:
            p.wait(max(30, 4 * TIMEOUT * (1 + len(probes[src]) / 100)))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(2)
            raise RuntimeError("prober in %s did not finish in time" % src)
        r = json.load(open(fout))
        res.update(r)
    return res


def normalise(outcome):
    # "open ID name port peer": the peer's source port is not part of the banner; nothing to strip
    return outcome


# ---------------------------------------------------------------------------------------------


def load_expected():
    exp = []
    f = os.path.join(HERE, "expected-differences.txt")
    for n, line in enumerate(open(f), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        parts = [p.strip() for p in s.split("|", 2)]
        if len(parts) != 3:
            raise SystemExit("expected-differences.txt:%d: want 'config-glob | probe-glob | reason'" % n)
        exp.append(parts + [n])
    return exp


def glob_match(pattern, text):
    """* and ? are the only wildcards (brackets in probe lines are literal)."""
    rx = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(rx, text) is not None


def expected_for(exp, conf, text):
    b = os.path.basename(conf)
    for cg, pg, reason, n in exp:
        if fnmatch.fnmatchcase(b, cg) and glob_match(pg, text):
            return "%s (expected-differences.txt:%d)" % (reason, n)
    return None


def test_config(conf, fhc, exp):
    """Returns (status, nprobes, [(text, expected_reason, attribution)])."""
    topo = load_topo(conf)
    hosts = hosts_file(topo)
    r = run(with_hosts([fhc, "compile", conf], hosts))
    if r.returncode != 0:
        codes = sorted(set(re.findall(r"\bE\d{4}\b", r.stderr)))
        if codes == ["E0201"]:
            return ("skip", "fhc refuses it (E0201: not translatable)"), 0, []
        return ("error", "fhc compile failed: %s" % r.stderr.strip()[:400]), 0, []
    doc = json.loads(r.stdout)
    sysctls = []
    for line in run(with_hosts([fhc, "sysctl", conf], hosts), check=True).stdout.splitlines():
        line = line.split("#")[0].strip()
        if "=" in line:
            k, v = line.split("=", 1)
            sysctls.append("%s=%s" % (k.strip(), v.strip()))
    # The probe matrix comes from the one-rule-per-statement form, where every port and
    # interface is a plain match; the optimized ruleset (sets, concatenations, verdict maps) is
    # what gets tested.
    plain = json.loads(run(with_hosts([fhc, "compile", "--no-optimize", conf], hosts), check=True).stdout)
    ifaces, ports = ruleset_facts(plain)
    for i, _ in topo["fw"] + topo["host"]:
        if i not in ifaces:
            ifaces.append(i)
    ifaces = sorted(ifaces)[:MAX_IFACES] or ["eth0", "eth1"]
    if len(ifaces) == 1:
        ifaces.append("eth9" if ifaces[0] != "eth9" else "eth8")
    named = sorted(set(ports) | set(topo["ports"]))
    if len(named) > MAX_PORTS:  # keep the ends and an even spread
        step = len(named) / MAX_PORTS
        named = sorted({named[int(n * step)] for n in range(MAX_PORTS)} | {named[-1]})
    ports = sorted(set(named) | set(CONTROL_PORTS))
    has_synproxy = "synproxy" in json.dumps(doc)
    synports = set(ports) if has_synproxy else set(named[:3] + CONTROL_PORTS[:1])
    if MUTATE:
        doc = mutate(doc)
    doc = add_counters(doc)
    log("%s: interfaces %s, ports %s, sysctls %s" % (conf, ifaces, ports, sysctls))

    try:
        a = build("fh", ifaces, topo)
        b = build("fc", ifaces, topo)
        try:
            fh_msgs = activate_firehol(a["fw"], conf, hosts)
        except RuntimeError as e:
            if "ipset v" in str(e):  # this kernel/ipset lacks a set type the config needs
                return ("skip", "FireHOL cannot activate it here: %s" % re.findall(r"ipset v.*", str(e))[0]), 0, []
            # FireHOL's bug: an address type BROADCAST in a dual-stack statement reaches
            # ip6tables, which refuses it (IPv6 has no broadcast), and the activation fails.
            if re.search(r"ip6tables(-legacy)?-restore: line \d+ failed", str(e)) and names_broadcast(conf):
                return ("skip", "FireHOL cannot activate it: its ip6tables rules name the address type BROADCAST, which IPv6 lacks"), 0, []
            raise
        if "WARNING" in fh_msgs:
            log("FireHOL warnings: " + fh_msgs)
        activate_fhc(b["fw"], doc, sysctls)
        start_servers(a, ports, "fh")
        start_servers(b, ports, "fc")
        probes = matrix(ifaces, ports, topo, synports)
        res = {}

        def go(t, tag):
            try:
                res[tag] = run_probers(t, probes, tag)
            except Exception as e:  # noqa
                res[tag] = e
        th = [threading.Thread(target=go, args=(a, "fh")), threading.Thread(target=go, args=(b, "fc"))]
        for t in th:
            t.start()
        for t in th:
            t.join()
        for tag in ("fh", "fc"):
            if isinstance(res[tag], Exception):
                raise res[tag]
        allp = {p["id"]: (src, p) for src, lst in probes.items() for p in lst}
        first = [pid for pid in sorted(allp) if res["fh"].get(pid, "missing") != res["fc"].get(pid, "missing")]
        # confirmation: the differing probes again, in a small batch on both sides; a difference
        # that does not come back identically is reported as FLAKY and does not count
        again = {}
        for pid in first:
            src, p = allp[pid]
            again.setdefault(src, []).append(p)
        res2 = {}
        if again:
            th = [threading.Thread(target=lambda t=t, tag=tag: res2.__setitem__(tag, run_probers(t, again, tag + "2")))
                  for t, tag in ((a, "fh"), (b, "fc"))]
            for t in th:
                t.start()
            for t in th:
                t.join()
        diffs, flaky = [], []
        for pid in first:
            o1, o2 = res["fh"].get(pid, "missing"), res["fc"].get(pid, "missing")
            r1, r2 = res2.get("fh", {}).get(pid), res2.get("fc", {}).get(pid)
            if (r1, r2) != (o1, o2):
                flaky.append("%s  firehol=[%s then %s] fhc=[%s then %s]" % (pid, o1, r1, o2, r2))
                continue
            text = "%s  firehol=[%s] fhc=[%s]" % (pid, o1, o2)
            diffs.append((pid, text, expected_for(exp, conf, text)))
        FLAKY.extend((conf, f) for f in flaky)
        # attribution: re-run each unexpected difference alone (bounded: the first 12)
        out = []
        for n, (pid, text, why) in enumerate(diffs):
            attr = ""
            if why is None and n < 12:
                src, p = allp[pid]
                c1, c2 = counters_firehol(a["fw"]), counters_fhc(b["fw"])
                r1 = run_probers(a, {src: [p]}, "fh1")
                r2 = run_probers(b, {src: [p]}, "fc1")
                h1, h2 = hit(c1, counters_firehol(a["fw"])), hit(c2, counters_fhc(b["fw"]))
                if r1.get(pid) == r2.get(pid):
                    # Differs only under the load of the batch (a rate limit such as `protection
                    # strong`, an ICMP error racing a timeout): alone, both agree.
                    FLAKY.append((conf, "%s  (alone both: %s)" % (text, r1.get(pid))))
                    continue
                attr = "      re-run alone: firehol=[%s] fhc=[%s]\n" % (r1.get(pid), r2.get(pid))
                attr += "".join("      fhc rule hit:     %s\n" % x for x in dict.fromkeys(h2))
                attr += "".join("      firehol rule hit: %s\n" % x for x in dict.fromkeys(h1) if "-j LOG" not in x)
            out.append((text, why, attr))
        return ("ok", ""), len(allp), out
    finally:
        cleanup()


def main():
    global VERBOSE, WORK
    args = sys.argv[1:]
    fhc = os.environ.get("FHC", os.path.join(REPO, "target", "debug", "fhc"))
    confs = []
    while args:
        x = args.pop(0)
        if x == "-v":
            VERBOSE = True
        elif x == "--fhc":
            fhc = args.pop(0)
        elif x.startswith("-"):
            print(__doc__, file=sys.stderr)
            return 2
        else:
            confs.append(os.path.abspath(x))
    if os.getuid() != 0:
        print("harness: must run as root (network namespaces)", file=sys.stderr)
        return 2
    for tool in ("ip", "nft", "unshare", "sysctl", "iptables-legacy-save", FIREHOL, fhc):
        if not shutil.which(tool):
            print("harness: missing %s" % tool, file=sys.stderr)
            return 2
    if not confs:
        confs = sorted(glob.glob(os.path.join(REPO, "tests/corpus/valid/*.conf"))) + \
            sorted(glob.glob(os.path.join(HERE, "configs/*.conf")))
    exp = load_expected()
    WORK = tempfile.mkdtemp(prefix="fhc-diff.")
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    wd = float(os.environ.get("FHC_DIFF_WATCHDOG", "600"))
    watchdog = threading.Timer(wd, lambda: (print("harness: watchdog fired after %ds" % wd, flush=True),
                                            os.kill(os.getpid(), signal.SIGTERM)))
    watchdog.daemon = True
    watchdog.start()
    t0 = time.time()
    tested = skipped = errors = nprobes = ndiff = nexp = nflaky = 0
    try:
        for conf in confs:
            rel = os.path.relpath(conf, REPO)
            t1 = time.time()
            try:
                (status, msg), n, diffs = test_config(conf, fhc, exp)
            except Exception as e:  # noqa: a config that cannot be tested is a failure
                status, msg, n, diffs = "error", str(e), 0, []
            if status == "skip":
                skipped += 1
                print("SKIP  %s: %s" % (rel, msg), flush=True)
                continue
            if status == "error":
                errors += 1
                print("ERROR %s: %s" % (rel, msg), flush=True)
                continue
            tested += 1
            nprobes += n
            for c, f in FLAKY:
                if c == conf:
                    print("    FLAKY     %s" % f)
            nflaky += sum(1 for c, f in FLAKY if c == conf)
            ndiff += len(diffs)
            e = sum(1 for d in diffs if d[1])
            nexp += e
            print("%s %s: %d probes, %d differences (%d expected) [%.1fs]" %
                  ("PASS " if e == len(diffs) else "FAIL ", rel, n, len(diffs), e, time.time() - t1), flush=True)
            for text, why, attr in diffs:
                if why:
                    print("    expected  %s\n      why: %s" % (text, why))
                else:
                    print("    DIFF      %s\n%s" % (text, attr), end="")
            sys.stdout.flush()
    finally:
        cleanup()
        if os.environ.get("FHC_DIFF_KEEP"):
            shutil.copytree(WORK, os.environ["FHC_DIFF_KEEP"], dirs_exist_ok=True)
        shutil.rmtree(WORK, ignore_errors=True)
    unexp = ndiff - nexp
    print("SUMMARY: %d configs, %d probes, %d differences (%d expected, %d unexpected); %d skipped, %d errors, "
          "%d flaky probes; %.0fs" % (tested, nprobes, ndiff, nexp, unexp, skipped, errors, nflaky, time.time() - t0))
    return 1 if unexp or errors else 0


if __name__ == "__main__":
    sys.exit(main())
