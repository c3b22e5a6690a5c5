#!/usr/bin/python3
"""gen.py - a random, valid FireHOL configuration from a seed, for differential fuzzing.

usage: gen.py SEED            print the configuration of SEED (the same seed, the same bytes)

The configurations are meant to be accepted by FireHOL 3.1.7 and to be probed by harness.py: they
name interfaces eth0..eth2 (the harness gives interface K the networks 10.100.K.0/24 and
fd00:100:K::/64, hosts .2 and .3, the firewall .1) and use addresses of those networks. They cover
the language as real configurations use it: interface and router sections (real names, lists,
`any`, `eth+` wildcards), groups, policies, protections, server/client/route with built-in and
custom services, every address and port parameter with and without `not`, value lists, `any` and
`default`, per-family prefixes and src4/src6 pairs, variables, actions, NAT (masquerade, dnat,
snat, redirect), blacklists and synproxy. What FireHOL refuses is still useful: fuzz.sh then checks
that fhc refuses it too.
"""
import random
import sys

IFACES = ["eth0", "eth1", "eth2"]
SERVICES = ["ssh", "http", "https", "smtp", "dns", "ntp", "ping", "icmp", "telnet", "imap", "mysql",
            "postgres", "snmp", "syslog", "rsync", "ftp"]
CUSTOM = {"myapp": "tcp/8080 udp/8081", "range": "tcp/9000:9003", "web2": "tcp/8443"}


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.lines = []
        self.vars = {}
        self.actions = []
        self.customs = []

    def chance(self, p):
        return self.r.random() < p

    def pick(self, xs):
        return self.r.choice(xs)

    def emit(self, s, indent=0):
        self.lines.append("    " * indent + s)

    # ---- values ------------------------------------------------------------------------------

    def host4(self):
        k = self.r.randrange(len(IFACES))
        return self.pick(["10.100.%d.2" % k, "10.100.%d.3" % k, "10.100.%d.0/24" % k,
                          "10.100.%d.2-10.100.%d.3" % (k, k)])

    def host6(self):
        k = self.r.randrange(len(IFACES))
        return self.pick(["fd00:100:%d::2" % k, "fd00:100:%d::3" % k, "fd00:100:%d::/64" % k])

    def addr_list(self, fam):
        one = self.host4 if fam == 4 else self.host6
        n = self.pick([1, 1, 1, 2])
        vals = [one() for _ in range(n)]
        if self.chance(0.08):
            vals.append("any")
        sep = self.pick([" ", " ", ","])
        return sep.join(vals)

    def maybe_var(self, value):
        """Sometimes the value comes through a variable assigned at the top."""
        if not self.chance(0.25):
            return '"%s"' % value
        name = "V%d" % len(self.vars)
        self.vars[name] = value
        return self.pick(['"$%s"' % name, '"${%s}"' % name])

    def addr_params(self, fam, allow_dst=True):
        """Address parameters for a statement of family fam (4, 6 or 46)."""
        out = []
        for kw in (["src", "dst"] if allow_dst else ["src"]):
            if not self.chance(0.3):
                continue
            neg = "not " if self.chance(0.3) else ""
            if self.chance(0.12):
                out.append("%s %s%s" % (kw, neg, self.pick(["any", "ANY", "default"] if kw else [])))
                continue
            if fam == 46:
                out.append("%s4 %s%s %s6 %s%s" % (kw, neg, self.maybe_var(self.addr_list(4)),
                                                  kw, neg, self.maybe_var(self.addr_list(6))))
            else:
                out.append("%s %s%s" % (kw, neg, self.maybe_var(self.addr_list(fam))))
        return out

    def face_params(self, kws):
        out = []
        for kw in kws:
            if self.chance(0.25):
                neg = "not " if self.chance(0.3) else ""
                vals = self.r.sample(IFACES, self.pick([1, 1, 2]))
                if self.chance(0.15):
                    vals = ["any"]
                out.append('%s %s"%s"' % (kw, neg, " ".join(vals)))
        return out

    def family(self):
        """A statement's family prefix and the family its addresses must be."""
        return self.pick([("", 46), ("", 46), ("ipv4 ", 4), ("ipv6 ", 6)])

    # ---- statements --------------------------------------------------------------------------

    def service(self):
        pool = SERVICES + self.customs + ["any", "all"]
        n = self.pick([1, 1, 1, 2])
        return " ".join(self.r.sample(pool, n))

    def action(self):
        pool = ["accept", "accept", "accept", "drop", "reject"] + self.actions
        return self.pick(pool)

    def rule(self, indent, sec_fam, in_router):
        verb = "route" if in_router else self.pick(["server", "server", "client"])
        prefix, fam = self.family() if sec_fam == 46 else ("", sec_fam)
        if sec_fam == 46 and prefix:
            verb_full = prefix + verb
        else:
            verb_full = verb
        svc = self.service()
        params = self.addr_params(fam)
        if in_router:
            params += self.face_params(["inface", "outface"])
        # (`server all ... proto X` is left out: FireHOL ignores the proto there and fhc honours
        # it, a deliberate difference, warning W0128.)
        if " " in svc:
            svc = '"%s"' % svc
        self.emit("%s %s %s %s" % (verb_full, svc, self.action(), " ".join(params)), indent)

    def section(self, idx):
        kind = self.pick(["interface", "interface", "router"]) if idx else "interface"
        fam_suffix, fam = self.pick([("", 46), ("", 46), ("", 46), ("4", 4), ("6", 6)])
        name = "%s%d" % ("s" if kind == "interface" else "r", idx)
        if kind == "interface":
            iface = self.pick(["eth0", "eth1", "eth2", "any", '"eth0 eth1"', "eth+", "eth0,eth2"])
            params = self.addr_params(fam, allow_dst=False) if self.chance(0.3) else []
            self.emit("interface%s %s %s %s" % (fam_suffix, iface, name, " ".join(params)))
        else:
            a, b = self.r.sample(IFACES, 2)
            faces = self.pick(["inface %s outface %s" % (a, b), "inface any outface any",
                               "inface %s" % a, "outface %s" % b, "",
                               'inface "%s %s"' % (a, b), "inface not %s" % a])
            self.emit("router%s %s %s" % (fam_suffix, name, faces))
            if self.chance(0.3) and "outface %s" % b in faces:
                self.emit("masquerade", 1)
        if self.chance(0.5):
            self.emit("policy %s" % self.pick(["accept", "drop", "reject", "return"] + self.actions), 1)
        if self.chance(0.35):
            self.emit("protection %s" % self.pick(["bad-packets", "strong", "invalid", "none",
                                                   '"invalid new-tcp-w/o-syn"', "malformed-bad",
                                                   "fragments", "syn-floods 1000/sec 500",
                                                   "icmp-floods 1000/sec 500"]), 1)
        for _ in range(self.r.randint(1, 5)):
            if self.chance(0.12):
                self.emit("group with %s" % " ".join(self.addr_params(fam, allow_dst=False) or ["src any"]), 1)
                for _ in range(self.r.randint(1, 2)):
                    self.rule(2, fam, kind == "router")
                self.emit("group end", 1)
            else:
                self.rule(1, fam, kind == "router")

    def top(self):
        if self.chance(0.5):
            self.emit("version 6")
        for name, ports in CUSTOM.items():
            if self.chance(0.35):
                self.emit('server_%s_ports="%s"' % (name, ports))
                self.emit('client_%s_ports="%s"' % (name, self.pick(["default", "any", "1024:65535"])))
                self.customs.append(name)
        if self.chance(0.25):
            name = "MYREJ"
            self.emit("action %s chain %s" % (name, self.pick(["reject", "drop", "accept"])))
            self.actions.append(name)
        if self.chance(0.2):
            k = self.r.randrange(len(IFACES))
            self.emit("ipv4 blacklist %s 10.100.%d.3" % (self.pick(["full", "input", ""]), k))
        if self.chance(0.25):
            k = self.r.randrange(len(IFACES))
            port = self.pick([8080, 2222])
            self.emit("ipv4 dnat to 10.100.%d.2:%d inface %s proto tcp dport %d" %
                      ((k + 1) % 3, port, IFACES[k], port + 1))
        if self.chance(0.15):
            k = self.r.randrange(len(IFACES))
            self.emit("ipv4 redirect to 8080 inface %s proto tcp dport 8081" % IFACES[k])
        if self.chance(0.2):
            self.emit("masquerade %s" % self.pick(["eth1", "any", '"eth0 eth2"']))
        if self.chance(0.15):
            self.emit("ipv4 snat to 10.100.1.1 outface eth1 src 10.100.0.0/24")
        if self.chance(0.15):
            self.emit("ipv4 synproxy input inface eth0 dst 10.100.0.1 dport 80 accept")

    def generate(self):
        self.top()
        for i in range(self.r.randint(1, 4)):
            self.section(i)
        # The harness probes the interfaces the ruleset names: make sure two of them are named.
        self.emit("interface eth1 guard1")
        self.emit("server ssh accept", 1)
        self.emit("interface eth2 guard2")
        self.emit("client all accept", 1)
        head = ["# gen.py seed %s" % SEED]
        head += ['%s="%s"' % (k, v) for k, v in self.vars.items()]
        return "\n".join(head + self.lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    SEED = sys.argv[1]
    sys.stdout.write(Gen(int(SEED)).generate())
