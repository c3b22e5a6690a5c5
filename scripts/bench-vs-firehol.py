#!/usr/bin/python3
"""bench-vs-firehol.py - fhc against FireHOL 3.1.7 on the same generated configs, side by side.

usage: scripts/bench-vs-firehol.py [--sizes 10,100,1000] [--trace-sizes 10,10000] [--fhc PATH]
                                   [--skip-firehol] [--runs K]

Needs root (network and mount namespaces), nft, iptables-legacy and Debian's firehol package.
For each N it generates a config with N synproxy statements, each protecting its own port with a
matching `server custom` service, plus `server ssh`, and prints:

  compile     `fhc compile CONF` vs `firehol CONF debug` (both only generate; firehol's runs inside
              a throwaway network + mount namespace), wall time including process start;
  activate    `fhc compile CONF | nft -j -f -` vs `firehol CONF start`, each in a fresh namespace;
  rules       nft rules in the loaded table vs FireHOL's iptables + ip6tables rules;

then, for the --trace-sizes, the per-packet cost: a SYN to the first and to the last protected
port is traced (`nft monitor trace`) through the loaded ruleset and the rule evaluations it cost
are counted (in each chain it enters: the position of the rule that decided it, or the whole chain
when none did), for the optimized ruleset and for `--no-optimize`.

Timings are medians of --runs runs (FireHOL: fewer at large N, it takes minutes). Nothing here is a
test: the numbers are for the README and the release notes.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The differential harness knows how to run FireHOL in a private mount namespace.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "diff"))
import harness  # noqa: E402

FIREHOL = harness.FIREHOL
ADDR = "198.51.100.1"
BASE_PORT = 10000


def gen(n):
    """The benchmark config: N synproxies, each with its matching service, and ssh."""
    out = ["# %d synproxy statements, each with a matching service" % n]
    for i in range(n):
        out.append("ipv4 synproxy input inface eth0 dst %s dport %d accept" % (ADDR, BASE_PORT + i))
    out += ["interface4 eth0 wan", "    policy drop", "    server ssh accept"]
    for i in range(n):
        out.append("    server custom svc%d tcp/%d default accept" % (i, BASE_PORT + i))
    return "\n".join(out) + "\n"


def timed(cmd, **kw):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - t, r


def firehol_ns_script(work, conf, verb, after=""):
    """A bash script for `unshare --net --mount`: FireHOL with private state, on an eth0 with the
    configs' address, its success line kept (FIREHOL-FAILED otherwise), then `after`."""
    return harness.private_firehol(work) + (
        "ip link add eth0 type veth peer name eth0p; ip addr add %s/24 dev eth0; ip link set eth0 up; "
        "set +e; %s %s %s 2>&1 | grep -E 'Processing file.* OK|Activating new firewall.* OK' "
        "|| echo FIREHOL-FAILED; %s" % (ADDR, FIREHOL, conf, verb, after))


def median_time(fn, runs):
    return statistics.median(fn() for _ in range(runs))


def bench_size(args, work, n):
    conf = os.path.join(work, "n%d.conf" % n)
    with open(conf, "w") as f:
        f.write(gen(n))
    row = {"n": n}

    def fhc_compile():
        t, r = timed([args.fhc, "compile", conf])
        if r.returncode != 0:
            sys.exit("fhc compile failed: %s" % r.stderr[-500:])
        return t

    row["fhc_compile"] = median_time(fhc_compile, args.runs)

    def fhc_activate():
        t, r = timed(["unshare", "--net", "--", "sh", "-c",
                      "%s compile %s 2>/dev/null | nft -j -f - && nft -j list table inet firehol"
                      % (args.fhc, conf)])
        if r.returncode != 0:
            sys.exit("fhc activation failed: %s" % r.stderr[-500:])
        row["fhc_rules"] = sum(1 for o in json.loads(r.stdout)["nftables"] if "rule" in o)
        return t

    row["fhc_activate"] = median_time(fhc_activate, args.runs)

    if not args.skip_firehol:
        fh_runs = args.runs if n <= 100 else 1

        def fh_compile():
            t, r = timed(["unshare", "--net", "--mount", "--", "bash", "-c",
                          firehol_ns_script(work, conf, "debug")])
            # `debug` exits 1 even when it worked; its "Processing file ... OK" line is the proof.
            if "Processing file" not in r.stdout or "FIREHOL-FAILED" in r.stdout:
                sys.exit("firehol debug failed: %s" % (r.stdout + r.stderr)[-800:])
            return t

        row["fh_compile"] = median_time(fh_compile, fh_runs)

        def fh_activate():
            count = ("echo RULES $(( $(iptables-legacy-save | grep -c '^-A') "
                     "+ $(ip6tables-legacy-save | grep -c '^-A') ))")
            t, r = timed(["unshare", "--net", "--mount", "--", "bash", "-c",
                          firehol_ns_script(work, conf, "start", count)])
            m = re.search(r"RULES (\d+)", r.stdout)
            if "FIREHOL-FAILED" in r.stdout or not m:
                sys.exit("firehol start failed: %s" % (r.stdout + r.stderr)[-800:])
            row["fh_rules"] = int(m.group(1))
            return t

        row["fh_activate"] = median_time(fh_activate, fh_runs)
    return row


def ms(t):
    return "%.1f ms" % (t * 1000) if t < 10 else "%.1f s" % t


def print_table(rows):
    print("\n== compile, activation and rule count (medians; fhc times include process start)\n")
    head = ("N", "fhc compile", "firehol debug", "speed-up", "fhc activate", "firehol start",
            "speed-up", "nft rules", "iptables rules")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        fh = "fh_compile" in r
        print("| " + " | ".join([
            str(r["n"]),
            ms(r["fhc_compile"]),
            ms(r["fh_compile"]) if fh else "-",
            "%.0fx" % (r["fh_compile"] / r["fhc_compile"]) if fh else "-",
            ms(r["fhc_activate"]),
            ms(r["fh_activate"]) if fh else "-",
            "%.0fx" % (r["fh_activate"] / r["fhc_activate"]) if fh else "-",
            str(r["fhc_rules"]),
            str(r.get("fh_rules", "-")),
        ]) + " |")
    if len(rows) > 1:
        a, b = rows[-2], rows[-1]
        print("\nnft rules from N=%d to N=%d: %d -> %d (%s)" % (
            a["n"], b["n"], a["fhc_rules"], b["fhc_rules"],
            "constant" if a["fhc_rules"] == b["fhc_rules"] else "NOT constant"))


# ---------------------------------------------------------------------------------------------
# per-packet cost


def sh(*cmd, check=True, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, check=check, **kw)


def evaluations(trace, chains):
    """Rule evaluations of the first traced packet of each trace id: per chain entered, the
    position of the rule that decided the packet, else the chain's length."""
    per_id = {}
    for line in trace.splitlines():
        m = re.match(r"trace id (\w+) inet firehol (\S+) (packet:|rule|policy|verdict)(.*)", line)
        if not m or m.group(2) == "trace_on":
            continue
        tid, chain, kind, rest = m.groups()
        visit = per_id.setdefault(tid, {})
        v = visit.setdefault(chain, {"decided": 0, "full": False})
        if kind == "rule":
            h = re.search(r"# handle (\d+) \(verdict (\w+)", rest)
            if h and h.group(2) not in ("continue", "jump"):
                v["decided"] = max(v["decided"], chains[chain].index(int(h.group(1))) + 1)
        elif kind in ("policy", "verdict"):
            v["full"] = True
    out = []
    for tid, visit in per_id.items():
        out.append(sum(len(chains[c]) if (v["full"] or not v["decided"]) else v["decided"]
                       for c, v in visit.items()))
    return out


def trace_size(args, work, n, optimize):
    conf = os.path.join(work, "t%d.conf" % n)
    with open(conf, "w") as f:
        f.write(gen(n))
    fw, cl = "fhb%d-fw" % os.getpid(), "fhb%d-cl" % os.getpid()
    try:
        sh("ip", "netns", "add", fw)
        sh("ip", "netns", "add", cl)
        sh("ip", "link", "add", "eth0", "netns", fw, "type", "veth", "peer", "name", "up0",
           "netns", cl)
        for ns, dev, addr in ((fw, "eth0", ADDR), (cl, "up0", "198.51.100.2")):
            sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        flags = [] if optimize else ["--no-optimize"]
        js = sh(args.fhc, "compile", *flags, conf).stdout
        sh("ip", "netns", "exec", fw, "nft", "-j", "-f", "-", input=js)
        listing = json.loads(sh("ip", "netns", "exec", fw, "nft", "-a", "-j", "list", "table",
                                "inet", "firehol").stdout)
        chains = {}
        for o in listing["nftables"]:
            if "chain" in o:
                chains.setdefault(o["chain"]["name"], [])
            if "rule" in o:
                chains.setdefault(o["rule"]["chain"], []).append(o["rule"]["handle"])
        results = {}
        for label, port in (("first", BASE_PORT), ("last", BASE_PORT + n - 1)):
            sh("ip", "netns", "exec", fw, "nft", "add", "chain", "inet", "firehol", "trace_on",
               "{ type filter hook prerouting priority -400; }")
            sh("ip", "netns", "exec", fw, "nft", "flush", "chain", "inet", "firehol", "trace_on")
            sh("ip", "netns", "exec", fw, "nft", "add", "rule", "inet", "firehol", "trace_on",
               "iifname", "eth0", "tcp", "dport", str(port), "tcp", "flags", "syn",
               "meta", "nftrace", "set", "1")
            # To a file, not a pipe: a rule with a large set is one 70 kB trace line, and a pipe
            # nobody reads while the packet goes through would block nft after 64 kB.
            out_path = os.path.join(work, "trace.txt")
            out_file = open(out_path, "w")
            mon = subprocess.Popen(["ip", "netns", "exec", fw, "nft", "-a", "monitor", "trace"],
                                   stdout=out_file, text=True)
            # nft monitor first reads the whole ruleset: 100,000 rules take many seconds.
            settle = 1 + (n + sum(map(len, chains.values()))) / 4000
            time.sleep(settle)
            sh("ip", "netns", "exec", cl, "python3", "-c",
               "import socket\ns=socket.socket(); s.settimeout(1)\n"
               "try: s.connect(('%s', %d))\nexcept OSError: pass" % (ADDR, port), check=False)
            time.sleep(settle)
            mon.terminate()
            mon.wait()
            out_file.close()
            trace = open(out_path).read()
            counts = evaluations(trace, chains)
            if not counts:
                sys.exit("no trace for port %d (N=%d)" % (port, n))
            results[label] = counts[0]
        return results
    finally:
        sh("ip", "netns", "del", fw, check=False)
        sh("ip", "netns", "del", cl, check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--trace-sizes", default="10,10000")
    ap.add_argument("--fhc", default=os.path.join(os.path.dirname(__file__), "..", "target",
                                                   "release", "fhc"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-firehol", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-vs-firehol: needs root (network namespaces)")
    need = ["nft", "unshare", "ip"] + ([] if args.skip_firehol else
                                        [FIREHOL, "iptables-legacy-save"])
    missing = [t for t in need if not shutil.which(t)]
    if missing or not os.path.exists(args.fhc):
        sys.exit("bench-vs-firehol: missing %s (build with `cargo build --release -p fhc`)"
                 % ", ".join(missing or [args.fhc]))
    work = tempfile.mkdtemp(prefix="fhc-bench-")
    try:
        rows = [bench_size(args, work, int(n)) for n in args.sizes.split(",") if n]
        print_table(rows)
        print("\n== per-packet cost: rule evaluations for a SYN to the first and last of N "
              "protected ports\n")
        print("| N | optimized: first | optimized: last | --no-optimize: first | "
              "--no-optimize: last |")
        print("|---|---|---|---|---|")
        for n in (int(x) for x in args.trace_sizes.split(",") if x):
            o = trace_size(args, work, n, True)
            p = trace_size(args, work, n, False)
            print("| %d | %d | %d | %d | %d |" % (n, o["first"], o["last"], p["first"], p["last"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
