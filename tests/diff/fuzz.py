#!/usr/bin/python3
"""fuzz.py - differential fuzzing: random configurations (gen.py), judged by FireHOL 3.1.7.

usage: fuzz.py [--fhc PATH] [--keep DIR] SEED ... | START-END

For each seed, gen.py writes a configuration. FireHOL judges it first (tests/firehol-oracle.sh:
`firehol CONF debug` accepts it and its iptables rules load), then fhc (`fhc check`). Then:

  PASS          both accept, and harness.py finds no unexpected difference, packet by packet
  DIFF          both accept, and some probe differs (printed, with the rules each side hit)
  FHC-REFUSES   FireHOL accepts, fhc refuses (printed with fhc's diagnostics): a fidelity gap,
                unless the diagnostic is a deliberate one (listed in tests/diff/expected-refusals.txt)
  FHC-ACCEPTS   FireHOL refuses, fhc accepts: bad input let through
  FIREHOL-BUG   FireHOL refuses it because of one of its bugs (tests/diff/firehol-bugs.txt), fhc
                compiles it as meant
  BOTH-REFUSE   both refuse (fine)
  ERROR         the harness could not test the configuration

Every problem is printed with the seed that reproduces it: `tests/diff/gen.py SEED > x.conf`.
Last line: "FUZZ SUMMARY: N seeds, P probes: ..., Ts" and the failing seeds. Exit 1 when a seed
is DIFF, FHC-ACCEPTS, ERROR or an unexpected FHC-REFUSES; 2 when it cannot run. Needs root.
"""
import fnmatch
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def seeds_of(args):
    out = []
    for a in args:
        m = re.fullmatch(r"(\d+)-(\d+)", a)
        out += list(range(int(m.group(1)), int(m.group(2)) + 1)) if m else [int(a)]
    return out


def expected_refusals():
    """Diagnostic codes fhc reports on purpose for valid FireHOL, as `CODE | why` lines."""
    f = os.path.join(HERE, "expected-refusals.txt")
    out = []
    if os.path.exists(f):
        for line in open(f):
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line.split("|")[0].strip())
    return out


def firehol_bugs():
    """(regex, why) of FireHOL bugs that make it refuse what fhc rightly compiles."""
    f = os.path.join(HERE, "firehol-bugs.txt")
    out = []
    for line in open(f):
        if line.strip() and not line.startswith("#"):
            rx, why = line.split("|", 1)
            out.append((re.compile(rx.strip()), why.strip()))
    return out


def main():
    args = sys.argv[1:]
    fhc = os.environ.get("FHC", os.path.join(REPO, "target", "debug", "fhc"))
    keep = None
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--fhc":
            fhc = args.pop(0)
        elif opt == "--keep":
            keep = args.pop(0)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    seeds = seeds_of(args)
    if not seeds:
        print(__doc__, file=sys.stderr)
        return 2
    if os.getuid() != 0:
        print("fuzz: must run as root (FireHOL and the harness use network namespaces)", file=sys.stderr)
        return 2
    t0 = time.time()
    work = keep or tempfile.mkdtemp(prefix="fhc-fuzz.")
    os.makedirs(work, exist_ok=True)
    allowed = expected_refusals()
    verdict, detail, confs = {}, {}, {}
    for s in seeds:
        conf = os.path.join(work, "seed-%d.conf" % s)
        with open(conf, "w") as f:
            f.write(subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), str(s)],
                                   capture_output=True, text=True, check=True).stdout)
        confs[s] = conf
    # FireHOL judges all seeds in one oracle run (its self-checks run once).
    fh = subprocess.run(["bash", os.path.join(REPO, "tests", "firehol-oracle.sh"), "-v"] +
                        [confs[s] for s in seeds], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        text=True)
    if fh.returncode == 2:
        print("fuzz: the FireHOL oracle cannot run:\n" + fh.stdout, file=sys.stderr)
        return 2
    fh_verdict, fh_text, current = {}, {}, None
    for line in fh.stdout.splitlines():
        m = re.match(r"(PASS|FAIL)  \S*seed-(\d+)\.conf", line)
        if m:
            current = int(m.group(2))
            fh_verdict[current] = m.group(1) == "PASS"
            fh_text[current] = line
        elif current is not None and not re.match(r"\d+ passed", line):
            fh_text[current] += "\n" + line
    for s in seeds:
        if s not in fh_verdict:
            print("fuzz: the oracle said nothing of seed %d:\n%s" % (s, fh.stdout[-3000:]), file=sys.stderr)
            return 2
        ours = subprocess.run([fhc, "check", "--no-defaults", "--format", "human", confs[s]],
                              capture_output=True, text=True)
        fh_ok, fhc_ok = fh_verdict[s], ours.returncode == 0
        if fh_ok and fhc_ok:
            verdict[s] = "TEST"
        elif fh_ok:
            codes = sorted(set(re.findall(r"\b([EW]\d{4})\b", ours.stdout + ours.stderr)))
            errors = [c for c in codes if c.startswith("E")]
            verdict[s] = "REFUSED-OK" if errors and all(c in allowed for c in errors) else "FHC-REFUSES"
            detail[s] = (ours.stdout + ours.stderr).strip()
        elif fhc_ok:
            bug = [why for rx, why in firehol_bugs() if rx.search(fh_text[s])]
            verdict[s] = "FIREHOL-BUG" if bug else "FHC-ACCEPTS"
            tail = [l for l in fh_text[s].splitlines() if "WHY" in l or "COMMAND" in l][:6]
            detail[s] = "\n".join(tail + bug)
        else:
            verdict[s] = "BOTH-REFUSE"
    to_test = [s for s in seeds if verdict[s] == "TEST"]
    probes = 0
    if to_test:
        env = dict(os.environ, FHC_DIFF_WATCHDOG=str(120 + 60 * len(to_test)))
        h = subprocess.run([sys.executable, os.path.join(HERE, "harness.py"), "--fhc", fhc] +
                           [confs[s] for s in to_test], capture_output=True, text=True, env=env)
        current = None
        for line in h.stdout.splitlines():
            m = re.match(r"(PASS |FAIL |ERROR|SKIP ) (\S+)", line)
            if m:
                current = int(re.search(r"seed-(\d+)\.conf", m.group(2)).group(1))
                verdict[current] = {"PASS ": "PASS", "FAIL ": "DIFF", "ERROR": "ERROR",
                                    "SKIP ": "ERROR"}[m.group(1)]
                n = re.search(r": (\d+) probes", line)
                probes += int(n.group(1)) if n else 0
                if m.group(1) != "PASS ":
                    detail[current] = line
            elif current is not None and verdict.get(current) in ("DIFF", "ERROR") and line.startswith("    "):
                detail[current] += "\n" + line
        for s in to_test:
            if verdict[s] == "TEST":
                verdict[s] = "ERROR"
                detail[s] = "the harness printed no result:\n" + h.stdout[-2000:] + h.stderr[-2000:]
    bad = ("DIFF", "FHC-ACCEPTS", "FHC-REFUSES", "ERROR")
    for s in seeds:
        if verdict[s] in bad:
            print("== seed %d: %s   (tests/diff/gen.py %d)" % (s, verdict[s], s))
            print("\n".join("   " + l for l in detail.get(s, "").splitlines()[:40]))
    kinds = ["PASS", "DIFF", "FHC-REFUSES", "REFUSED-OK", "FHC-ACCEPTS", "FIREHOL-BUG", "BOTH-REFUSE",
             "ERROR"]
    counts = ", ".join("%d %s" % (sum(1 for s in seeds if verdict[s] == k), k) for k in kinds)
    print("FUZZ SUMMARY: %d seeds, %d probes: %s; %.0fs" % (len(seeds), probes, counts, time.time() - t0))
    failing = [s for s in seeds if verdict[s] in bad]
    if failing:
        print("failing seeds (reproduce with `tests/diff/gen.py SEED`): %s" % " ".join(map(str, failing)))
    if not keep:
        subprocess.run(["rm", "-rf", work])
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
