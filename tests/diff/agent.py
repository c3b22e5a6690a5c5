#!/usr/bin/python3
"""agent.py - the processes the differential harness runs inside its network namespaces.

  agent.py serve NAME PORTS_CSV READYFILE
      TCP and UDP listeners on every port (dual-stack, [::]). Each TCP connection gets one line
      "ID NAME LOCALPORT PEERADDR" and is closed; each UDP datagram is answered with the same line.
      Touches READYFILE once every socket is bound. Runs until killed.

  agent.py probe JSON_IN JSON_OUT TIMEOUT
      Runs the probes of JSON_IN (a list of objects {id, kind, fam, src, dst, port}) in parallel
      and writes {id: outcome} to JSON_OUT. kind is one of
        tcp   a TCP connection (outcome: "open <banner>", "refused", "timeout", "err:<errno>")
        syn   one bare SYN from a raw socket ("synack", "rst", "icmp:<type>/<code>", "timeout")
        udp   one datagram ("reply <banner>", "refused", "timeout", "err:<errno>")
        ping  one ICMP echo request ("reply <from>", "icmp:<type>/<code>", "timeout")
      Every wait is bounded by TIMEOUT seconds.
"""
import errno
import json
import os
import select
import socket
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def serve(name, ports, ready):
    socks = {}
    for p in ports:
        for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET6, typ)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", p))
            if typ == socket.SOCK_STREAM:
                s.listen(1024)
            s.setblocking(False)
            socks[s.fileno()] = (s, typ, p)
    open(ready, "w").close()
    poll = select.poll()
    for fd in socks:
        poll.register(fd, select.POLLIN)

    def peer(a):
        h = a[0]
        return h[7:] if h.startswith("::ffff:") else h

    while True:
        for fd, _ in poll.poll(1000):
            s, typ, p = socks[fd]
            try:
                if typ == socket.SOCK_STREAM:
                    c, a = s.accept()
                    try:
                        c.setblocking(True)
                        c.settimeout(0.2)
                        c.sendall(("ID %s %d %s\n" % (name, c.getsockname()[1], peer(a))).encode())
                    except OSError:
                        pass
                    c.close()
                else:
                    d, a = s.recvfrom(2048)
                    s.sendto(("ID %s %d %s\n" % (name, p, peer(a))).encode(), a)
            except (BlockingIOError, OSError):
                pass


# ------------------------------------------------------------------------------------------
# raw-socket sniffer for bare SYNs and ICMP echo


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


DROP_ALL = struct.pack("HBBI", 0x06, 0, 0, 0)  # BPF "ret #0"


def drop_all_filter(s):
    prog = (socket.SO_ATTACH_FILTER if hasattr(socket, "SO_ATTACH_FILTER") else 26)
    import ctypes
    buf = ctypes.create_string_buffer(DROP_ALL)
    fprog = struct.pack("HL", 1, ctypes.addressof(buf))
    s.setsockopt(socket.SOL_SOCKET, prog, fprog)
    return buf  # keep alive


class Sniffer:
    """Reads every TCP segment and ICMP message the namespace receives; hands results to waiters
    keyed by ("tcp", local port) or ("echo", id)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.waiters = {}
        self.socks = []
        for fam, proto in ((socket.AF_INET, socket.IPPROTO_TCP), (socket.AF_INET, socket.IPPROTO_ICMP),
                           (socket.AF_INET6, socket.IPPROTO_TCP), (socket.AF_INET6, socket.IPPROTO_ICMPV6)):
            try:
                s = socket.socket(fam, socket.SOCK_RAW, proto)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                self.socks.append((s, fam, proto))
            except OSError:
                pass
        self.keep = []
        threading.Thread(target=self.run, daemon=True).start()

    def register(self, key):
        ev = threading.Event()
        with self.lock:
            self.waiters[key] = [ev, None]
        return ev

    def result(self, key):
        with self.lock:
            return self.waiters.pop(key, [None, None])[1]

    def deliver(self, key, what):
        with self.lock:
            w = self.waiters.get(key)
            if w and w[1] is None:
                w[1] = what
                w[0].set()

    def run(self):
        p = select.poll()
        m = {}
        for s, fam, proto in self.socks:
            p.register(s.fileno(), select.POLLIN)
            m[s.fileno()] = (s, fam, proto)
        while True:
            for fd, _ in p.poll(1000):
                s, fam, proto = m[fd]
                try:
                    d, a = s.recvfrom(65535)
                except OSError:
                    continue
                try:
                    self.parse(d, a, fam, proto)
                except Exception:
                    pass

    def parse(self, d, a, fam, proto):
        if fam == socket.AF_INET:
            d = d[(d[0] & 15) * 4:]  # v4 raw sockets include the IP header
        if proto == socket.IPPROTO_TCP:
            sport, dport = struct.unpack("!HH", d[:4])
            flags = d[13]
            if flags & 0x12 == 0x12:
                self.deliver(("tcp", dport, sport), "synack")
            elif flags & 0x04:
                self.deliver(("tcp", dport, sport), "rst")
            return
        typ, code = d[0], d[1]
        if (fam == socket.AF_INET and typ == 0) or (fam == socket.AF_INET6 and typ == 129):
            ident = struct.unpack("!H", d[4:6])[0]
            self.deliver(("echo", ident), "reply " + a[0])
            return
        if (fam == socket.AF_INET and typ in (3, 11, 12, 5)) or (fam == socket.AF_INET6 and typ in (1, 2, 3, 4)):
            inner = d[8:]
            if fam == socket.AF_INET:
                iproto = inner[9]
                l4 = inner[(inner[0] & 15) * 4:]
                echo_req = 8
            else:
                iproto = inner[6]
                l4 = inner[40:]
                echo_req = 128
            what = "icmp:%d/%d" % (typ, code)
            if iproto == socket.IPPROTO_TCP:
                sport, dport = struct.unpack("!HH", l4[:4])
                self.deliver(("tcp", sport, dport), what)
            elif iproto in (1, 58) and l4[0] == echo_req:
                self.deliver(("echo", struct.unpack("!H", l4[4:6])[0]), what)


SNIFFER = None
SENDERS = {}
SEND_LOCK = threading.Lock()


def sender(fam, proto, src):
    with SEND_LOCK:
        k = (fam, proto, src)
        if k not in SENDERS:
            s = socket.socket(fam, socket.SOCK_RAW, proto)
            if src:
                s.bind((src, 0))
            if fam == socket.AF_INET6 and proto == socket.IPPROTO_TCP:
                s.setsockopt(socket.IPPROTO_IPV6, 7, 16)  # IPV6_CHECKSUM at offset 16
            SNIFFER.keep.append(drop_all_filter(s))
            SENDERS[k] = s
        return SENDERS[k]


def errname(e):
    return "err:" + errno.errorcode.get(e.errno, str(e.errno)) if e.errno else "err:" + str(e)


def probe_tcp(pr, t):
    fam = socket.AF_INET6 if pr["fam"] == 6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if pr.get("src"):
            s.bind((pr["src"], pr.get("sport", 0)))
        s.settimeout(t)
        try:
            s.connect((pr["dst"], pr["port"]))
        except socket.timeout:
            return "timeout"
        except OSError as e:
            if e.errno == errno.ECONNREFUSED:
                return "refused"
            return errname(e)
        s.settimeout(t)
        try:
            d = s.recv(200)
            return ("open " + d.decode(errors="replace").strip()) if d else "open closed"
        except socket.timeout:
            return "open nobanner"
        except OSError as e:
            return "open " + errname(e)
    finally:
        s.close()


def probe_udp(pr, t):
    fam = socket.AF_INET6 if pr["fam"] == 6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        if fam == socket.AF_INET:
            s.setsockopt(socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
        else:
            s.setsockopt(socket.IPPROTO_IPV6, 25, 1)  # IPV6_RECVERR
        if pr.get("src"):
            s.bind((pr["src"], pr.get("sport", 0)))
        s.connect((pr["dst"], pr["port"]))
        s.settimeout(t)
        try:
            s.send(b"probe\n")
            d = s.recv(200)
            return "reply " + d.decode(errors="replace").strip()
        except socket.timeout:
            return "timeout"
        except OSError as e:
            if e.errno == errno.ECONNREFUSED:
                return "refused"
            return errname(e)
    finally:
        s.close()


COUNTER = [0]
CLOCK = threading.Lock()


def next_id():
    with CLOCK:
        COUNTER[0] += 1
        return COUNTER[0]


def addr_bytes(fam, a):
    return socket.inet_pton(fam, a)


def probe_syn(pr, t):
    fam = socket.AF_INET6 if pr["fam"] == 6 else socket.AF_INET
    sport = 20000 + next_id() % 10000
    key = ("tcp", sport, pr["port"])
    ev = SNIFFER.register(key)
    seq = (sport * 7919) & 0xFFFFFFFF
    # SYN with MSS 1460 (SYNPROXY wants options)
    opts = struct.pack("!BBH", 2, 4, 1460)
    hdr = struct.pack("!HHIIBBHHH", sport, pr["port"], seq, 0, (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
    s = sender(fam, socket.IPPROTO_TCP, pr["src"])
    if fam == socket.AF_INET:
        ph = addr_bytes(fam, pr["src"]) + addr_bytes(fam, pr["dst"]) + struct.pack("!BBH", 0, 6, len(hdr))
        c = csum(ph + hdr)
        hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
        s.sendto(hdr, (pr["dst"], 0))
    else:
        s.sendto(hdr, (pr["dst"], 0))
    ev.wait(t)
    return SNIFFER.result(key) or "timeout"


def probe_ping(pr, t):
    fam = socket.AF_INET6 if pr["fam"] == 6 else socket.AF_INET
    ident = (os.getpid() * 131 + next_id()) & 0xFFFF
    key = ("echo", ident)
    ev = SNIFFER.register(key)
    if fam == socket.AF_INET:
        s = sender(fam, socket.IPPROTO_ICMP, pr["src"])
        m = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"fhcdiff"
        m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    else:
        s = sender(fam, socket.IPPROTO_ICMPV6, pr["src"])
        m = struct.pack("!BBHHH", 128, 0, 0, ident, 1) + b"fhcdiff"
    s.sendto(m, (pr["dst"], 0))
    ev.wait(t)
    return SNIFFER.result(key) or "timeout"


def probe(pr, t):
    try:
        return {"tcp": probe_tcp, "udp": probe_udp, "syn": probe_syn, "ping": probe_ping}[pr["kind"]](pr, t)
    except OSError as e:  # e.g. EPERM: sendto() refused by the output chain
        return errname(e)
    except Exception as e:  # noqa
        return "harness-error %r" % e


def main():
    global SNIFFER
    if sys.argv[1] == "serve":
        serve(sys.argv[2], [int(p) for p in sys.argv[3].split(",") if p], sys.argv[4])
    elif sys.argv[1] == "probe":
        probes = json.load(open(sys.argv[2]))
        t = float(sys.argv[4])
        SNIFFER = Sniffer()
        out = {}
        with ThreadPoolExecutor(max_workers=int(os.environ.get("FHC_DIFF_PARALLEL", "200"))) as ex:
            futs = {pr["id"]: ex.submit(probe, pr, t) for pr in probes}
            for k, f in futs.items():
                out[k] = f.result()
        with open(sys.argv[3], "w") as f:
            json.dump(out, f)
        os._exit(0)


if __name__ == "__main__":
    main()
