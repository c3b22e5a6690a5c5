//! The processes `fhc verify` runs inside its network namespaces (`fhc verify-agent`, hidden):
//! servers that answer on every probed port with their identity, and a prober that sends a
//! batch of probes and reports what each saw. Both sides of a comparison run this same code, so
//! an outcome differs only when the firewalls do.

use super::plan::{Kind, Probe};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Read, Write};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Probes in flight at once: most wait for a timeout, so many threads cost little.
const PARALLEL: usize = 200;

/// `serve NAME PORTS ADDRS`: TCP listeners on every port (dual-stack), and UDP sockets on every
/// port of every address the namespace holds. Each TCP connection gets one line "ID NAME PORT
/// PEER" and is closed; each datagram is answered with the same line, from the address it was
/// sent to (a socket on `[::]` would answer from the route's preferred address, which the
/// prober's connected socket discards). Prints "ready" once every socket is bound, then serves
/// until killed.
pub fn serve(name: &str, ports: &[u16], addrs: &[IpAddr]) -> ExitCode {
    die_with_parent();
    let mut udp = vec![];
    for &port in ports {
        let tcp = match listen_tcp(port) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("verify-agent: cannot listen on TCP port {port}: {e}");
                return ExitCode::from(2);
            }
        };
        let n = name.to_string();
        thread::spawn(move || answer_tcp(&n, &tcp));
        for &a in addrs {
            match bind_udp(a, port) {
                Ok(s) => udp.push(s),
                Err(e) => {
                    eprintln!("verify-agent: cannot bind UDP {a} port {port}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let n = name.to_string();
    thread::spawn(move || answer_udp(&n, &udp));
    println!("ready");
    let _ = std::io::stdout().flush();
    loop {
        thread::park();
    }
}

/// An agent must not outlive the `fhc verify` that started it (killed, or its cleanup racing a
/// spawn): the kernel sends SIGKILL when the parent goes.
fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and no pointers.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    // The parent may have gone before the call: then it is already too late to be told.
    if std::os::unix::process::parent_id() == 1 {
        std::process::exit(2);
    }
}

fn listen_tcp(port: u16) -> std::io::Result<TcpListener> {
    let any = SockAddr::from(SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)));
    let tcp = Socket::new(Domain::IPV6, Type::STREAM, None)?;
    tcp.set_reuse_address(true)?;
    tcp.set_only_v6(false)?;
    tcp.bind(&any)?;
    tcp.listen(1024)?;
    Ok(tcp.into())
}

fn bind_udp(addr: IpAddr, port: u16) -> std::io::Result<UdpSocket> {
    let s = Socket::new(domain(addr), Type::DGRAM, None)?;
    s.set_reuse_address(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(true)?;
    }
    s.bind(&SocketAddr::new(addr, port).into())?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

fn peer(a: SocketAddr) -> String {
    match a.ip() {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        v4 => v4.to_string(),
    }
}

fn answer_tcp(name: &str, l: &TcpListener) {
    for mut c in l.incoming().flatten() {
        let (Ok(local), Ok(from)) = (c.local_addr(), c.peer_addr()) else {
            continue;
        };
        let _ = c.set_write_timeout(Some(Duration::from_millis(200)));
        // One write: a banner split over segments would be read in part.
        let line = format!("ID {name} {} {}\n", local.port(), peer(from));
        let _ = c.write_all(line.as_bytes());
    }
}

/// One thread for every UDP socket of the namespace (a few hundred): poll(2) over them all.
fn answer_udp(name: &str, socks: &[UdpSocket]) {
    use std::os::fd::AsRawFd;
    let mut fds: Vec<libc::pollfd> = socks
        .iter()
        .map(|s| libc::pollfd {
            fd: s.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let mut buf = [0u8; 2048];
    loop {
        // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()` pollfd entries.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 1000) };
        if n <= 0 {
            continue;
        }
        for (fd, s) in fds.iter_mut().zip(socks) {
            if fd.revents != 0 {
                let port = s.local_addr().map(|a| a.port()).unwrap_or(0);
                while let Ok((_, from)) = s.recv_from(&mut buf) {
                    let line = format!("ID {name} {port} {}\n", peer(from));
                    let _ = s.send_to(line.as_bytes(), from);
                }
            }
            fd.revents = 0;
        }
    }
}

/// `probe SECONDS`: reads a JSON array of probes on standard input and prints one JSON line
/// `{"id": ..., "outcome": ...}` per probe as it finishes. Every wait is bounded by SECONDS.
pub fn probe(timeout: f64) -> ExitCode {
    die_with_parent();
    let mut input = String::new();
    let probes: Vec<Probe> = match std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_str(&input).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("verify-agent: bad probe list: {e}");
            return ExitCode::from(2);
        }
    };
    let t = Duration::from_secs_f64(timeout.clamp(0.05, 30.0));
    let sniffer = Sniffer::start();
    let queue = Arc::new(Mutex::new(VecDeque::from(probes)));
    let workers: Vec<_> = (0..PARALLEL.min(queue.lock().expect("queue").len()))
        .map(|_| {
            let queue = Arc::clone(&queue);
            let sniffer = Arc::clone(&sniffer);
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    loop {
                        let Some(p) = queue.lock().expect("queue").pop_front() else {
                            break;
                        };
                        let outcome = run_probe(&p, t, &sniffer);
                        let line = serde_json::json!({"id": p.id, "outcome": outcome});
                        let _ = writeln!(std::io::stdout().lock(), "{line}");
                    }
                })
                .expect("thread")
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let _ = std::io::stdout().flush();
    // The sniffer's threads block in recv for ever: leave without waiting for them.
    std::process::exit(0)
}

fn run_probe(p: &Probe, t: Duration, sniffer: &Sniffer) -> String {
    let r = match p.kind {
        Kind::Tcp => probe_tcp(p, t),
        Kind::Udp => probe_udp(p, t),
        Kind::Syn => probe_syn(p, t, sniffer),
        Kind::Ping => probe_ping(p, t, sniffer),
    };
    r.unwrap_or_else(|e| errname(&e))
}

fn domain(a: IpAddr) -> Domain {
    if a.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    }
}

fn errname(e: &std::io::Error) -> String {
    let name = match e.raw_os_error() {
        Some(libc::EPERM) => "EPERM",
        Some(libc::EACCES) => "EACCES",
        Some(libc::ECONNREFUSED) => return "refused".into(),
        Some(libc::EHOSTUNREACH) => "EHOSTUNREACH",
        Some(libc::ENETUNREACH) => "ENETUNREACH",
        Some(libc::ECONNRESET) => "ECONNRESET",
        Some(libc::EADDRNOTAVAIL) => "EADDRNOTAVAIL",
        Some(libc::EPROTO) => "EPROTO",
        Some(libc::EMSGSIZE) => "EMSGSIZE",
        Some(libc::EINVAL) => "EINVAL",
        Some(libc::ETIMEDOUT) | Some(libc::EAGAIN) => return "timeout".into(),
        Some(n) => return format!("err:{n}"),
        None if e.kind() == std::io::ErrorKind::TimedOut => return "timeout".into(),
        None => return format!("err:{e}"),
    };
    format!("err:{name}")
}

fn probe_tcp(p: &Probe, t: Duration) -> std::io::Result<String> {
    let s = Socket::new(domain(p.dst), Type::STREAM, None)?;
    s.set_linger(Some(Duration::ZERO))?;
    if let Some(src) = p.src {
        s.bind(&SocketAddr::new(src, 0).into())?;
    }
    s.connect_timeout(&SocketAddr::new(p.dst, p.port).into(), t)?;
    let mut c: TcpStream = s.into();
    c.set_read_timeout(Some(t))?;
    let mut banner = vec![];
    let mut buf = [0u8; 200];
    // To the end of the banner's line, or of the connection.
    while !banner.ends_with(b"\n") && banner.len() < 200 {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => banner.extend_from_slice(&buf[..n]),
            Err(e) if banner.is_empty() && is_timeout(&e) => return Ok("open nobanner".into()),
            Err(e) if banner.is_empty() => return Ok(format!("open {}", errname(&e))),
            Err(_) => break,
        }
    }
    Ok(if banner.is_empty() {
        "open closed".into()
    } else {
        format!("open {}", String::from_utf8_lossy(&banner).trim())
    })
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

fn probe_udp(p: &Probe, t: Duration) -> std::io::Result<String> {
    let s = Socket::new(domain(p.dst), Type::DGRAM, None)?;
    recv_errors(&s, p.dst.is_ipv6())?;
    if let Some(src) = p.src {
        s.bind(&SocketAddr::new(src, 0).into())?;
    }
    s.connect(&SocketAddr::new(p.dst, p.port).into())?;
    let u: UdpSocket = s.into();
    u.set_read_timeout(Some(t))?;
    u.send(b"probe\n")?;
    let mut buf = [0u8; 200];
    let n = u.recv(&mut buf)?;
    Ok(format!(
        "reply {}",
        String::from_utf8_lossy(&buf[..n]).trim()
    ))
}

/// IP_RECVERR / IPV6_RECVERR: every ICMP error reaches the socket, not only the "hard" ones,
/// so a reject type that differs is seen as a different errno.
fn recv_errors(s: &Socket, v6: bool) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let (level, name) = if v6 {
        (libc::IPPROTO_IPV6, libc::IPV6_RECVERR)
    } else {
        (libc::IPPROTO_IP, libc::IP_RECVERR)
    };
    let one: libc::c_int = 1;
    // SAFETY: a valid socket, a c_int option value with its exact size.
    let r = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            level,
            name,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn probe_syn(p: &Probe, t: Duration, sniffer: &Sniffer) -> std::io::Result<String> {
    let Some(src) = p.src else {
        return Ok("harness-error: a SYN needs a source".into());
    };
    let sport = 20000 + (NEXT.fetch_add(1, Ordering::Relaxed) % 10000) as u16;
    let key = Key::Tcp(sport, p.port);
    sniffer.register(key);
    let segment = syn_segment(src, p.dst, sport, p.port);
    sniffer
        .sender(src, Protocol::TCP)?
        .send_to(&segment, &SocketAddr::new(p.dst, 0).into())?;
    Ok(sniffer.wait(key, t).unwrap_or_else(|| "timeout".into()))
}

fn probe_ping(p: &Probe, t: Duration, sniffer: &Sniffer) -> std::io::Result<String> {
    let ident = ((std::process::id() * 131 + NEXT.fetch_add(1, Ordering::Relaxed)) & 0xffff) as u16;
    let key = Key::Echo(ident);
    sniffer.register(key);
    let v6 = p.dst.is_ipv6();
    let mut m = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    m.extend(ident.to_be_bytes());
    m.extend(1u16.to_be_bytes());
    m.extend(b"fhcverify");
    if !v6 {
        // The kernel fills in the ICMPv6 checksum itself, not the ICMP one.
        let c = checksum(&[&m]);
        m[2..4].copy_from_slice(&c.to_be_bytes());
    }
    let proto = if v6 {
        Protocol::ICMPV6
    } else {
        Protocol::ICMPV4
    };
    let src = p.src.unwrap_or(if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    });
    sniffer
        .sender(src, proto)?
        .send_to(&m, &SocketAddr::new(p.dst, 0).into())?;
    Ok(sniffer.wait(key, t).unwrap_or_else(|| "timeout".into()))
}

/// A SYN with an MSS option (SYNPROXY answers only SYNs with options), checksum included.
pub fn syn_segment(src: IpAddr, dst: IpAddr, sport: u16, dport: u16) -> Vec<u8> {
    let mut h = vec![];
    h.extend(sport.to_be_bytes());
    h.extend(dport.to_be_bytes());
    h.extend((u32::from(sport) * 7919).to_be_bytes()); // sequence
    h.extend(0u32.to_be_bytes()); // acknowledgement
    h.extend([6 << 4, 0x02]); // 24-byte header, SYN
    h.extend(64240u16.to_be_bytes());
    h.extend([0, 0, 0, 0]); // checksum, urgent pointer
    h.extend([2, 4, 0x05, 0xb4]); // MSS 1460
    let len = h.len() as u32;
    let pseudo: Vec<u8> = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut v = s.octets().to_vec();
            v.extend(d.octets());
            v.extend([0, 6]);
            v.extend((len as u16).to_be_bytes());
            v
        }
        _ => {
            let mut v = match src {
                IpAddr::V6(s) => s.octets().to_vec(),
                IpAddr::V4(s) => s.to_ipv6_mapped().octets().to_vec(),
            };
            if let IpAddr::V6(d) = dst {
                v.extend(d.octets());
            }
            v.extend(len.to_be_bytes());
            v.extend([0, 0, 0, 6]);
            v
        }
    };
    let c = checksum(&[&pseudo, &h]);
    h[16..18].copy_from_slice(&c.to_be_bytes());
    h
}

/// The Internet checksum (RFC 1071) over the concatenation of `parts` (each even-sized but
/// the last).
pub fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        for pair in part.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// What a reply answers: a SYN (by local and remote port) or an echo request (by identifier).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Key {
    Tcp(u16, u16),
    Echo(u16),
}

/// Reads every TCP segment and ICMP message the namespace receives on raw sockets and hands
/// each to the probe waiting for it.
struct Sniffer {
    slots: Mutex<HashMap<Key, Option<String>>>,
    arrived: Condvar,
    senders: Mutex<HashMap<(IpAddr, i32), Arc<Socket>>>,
}

impl Sniffer {
    fn start() -> Arc<Sniffer> {
        let s = Arc::new(Sniffer {
            slots: Mutex::new(HashMap::new()),
            arrived: Condvar::new(),
            senders: Mutex::new(HashMap::new()),
        });
        for (v6, proto) in [
            (false, Protocol::TCP),
            (false, Protocol::ICMPV4),
            (true, Protocol::TCP),
            (true, Protocol::ICMPV6),
        ] {
            let dom = if v6 { Domain::IPV6 } else { Domain::IPV4 };
            let sock = match Socket::new(dom, Type::RAW, Some(proto)) {
                Ok(s) => s,
                Err(e) => {
                    // Without it every SYN and ping would time out on both sides alike.
                    eprintln!("verify-agent: no raw socket ({e}): SYN and ping probes cannot run");
                    std::process::exit(2);
                }
            };
            let _ = sock.set_recv_buffer_size(4 << 20);
            let me = Arc::clone(&s);
            let icmp = proto != Protocol::TCP;
            thread::spawn(move || me.listen(&sock, v6, icmp));
        }
        s
    }

    fn listen(&self, sock: &Socket, v6: bool, icmp: bool) {
        let mut buf = vec![0u8; 65536];
        loop {
            let Ok(from) = sock.peek_sender() else {
                continue;
            };
            let Ok(n) = (&*sock).read(&mut buf) else {
                continue;
            };
            let from = from.as_socket().map(|a| a.ip());
            if let Some((key, what)) = parse(&buf[..n], from, v6, icmp) {
                self.deliver(key, what);
            }
        }
    }

    /// A raw socket that sends from `src` and never queues what arrives (a BPF filter that
    /// drops everything: the sniffer's sockets read it).
    fn sender(&self, src: IpAddr, proto: Protocol) -> std::io::Result<Arc<Socket>> {
        let mut senders = self.senders.lock().expect("senders");
        let key = (src, i32::from(proto));
        if let Some(s) = senders.get(&key) {
            return Ok(Arc::clone(s));
        }
        let s = Socket::new(domain(src), Type::RAW, Some(proto))?;
        s.attach_filter(&[socket2::SockFilter::new(0x06, 0, 0, 0)])?;
        if !src.is_unspecified() {
            s.bind(&SocketAddr::new(src, 0).into())?;
        }
        let s = Arc::new(s);
        senders.insert(key, Arc::clone(&s));
        Ok(s)
    }

    fn register(&self, key: Key) {
        self.slots.lock().expect("slots").insert(key, None);
    }

    fn deliver(&self, key: Key, what: String) {
        let mut slots = self.slots.lock().expect("slots");
        if let Some(slot @ None) = slots.get_mut(&key) {
            *slot = Some(what);
            self.arrived.notify_all();
        }
    }

    fn wait(&self, key: Key, t: Duration) -> Option<String> {
        let deadline = Instant::now() + t;
        let mut slots = self.slots.lock().expect("slots");
        loop {
            if let Some(Some(_)) = slots.get(&key) {
                return slots.remove(&key).flatten();
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            slots = self.arrived.wait_timeout(slots, left).expect("slots").0;
        }
    }
}

/// What a received packet answers, if anything: a SYN/ACK or RST for one of our SYNs, an echo
/// reply, or an ICMP error quoting a SYN or an echo request. IPv4 raw sockets include the IP
/// header, IPv6 ones do not.
pub fn parse(d: &[u8], from: Option<IpAddr>, v6: bool, icmp: bool) -> Option<(Key, String)> {
    let d = if v6 {
        d
    } else {
        d.get(usize::from(*d.first()? & 15) * 4..)?
    };
    if !icmp {
        let (sport, dport) = (be16(d, 0)?, be16(d, 2)?);
        let flags = *d.get(13)?;
        let what = if flags & 0x12 == 0x12 {
            "synack"
        } else if flags & 0x04 != 0 {
            "rst"
        } else {
            return None;
        };
        return Some((Key::Tcp(dport, sport), what.into()));
    }
    let (typ, code) = (*d.first()?, *d.get(1)?);
    let reply = if v6 { 129 } else { 0 };
    if typ == reply {
        let from = from.map(|a| a.to_string()).unwrap_or_default();
        return Some((Key::Echo(be16(d, 4)?), format!("reply {from}")));
    }
    let is_error = if v6 {
        (1..=4).contains(&typ)
    } else {
        matches!(typ, 3 | 5 | 11 | 12)
    };
    if !is_error {
        return None;
    }
    let inner = d.get(8..)?;
    let (proto, l4, request) = if v6 {
        (*inner.get(6)?, inner.get(40..)?, 128)
    } else {
        let hl = usize::from(*inner.first()? & 15) * 4;
        (*inner.get(9)?, inner.get(hl..)?, 8)
    };
    let what = format!("icmp:{typ}/{code}");
    match proto {
        6 => Some((Key::Tcp(be16(l4, 0)?, be16(l4, 2)?), what)),
        1 | 58 if *l4.first()? == request => Some((Key::Echo(be16(l4, 4)?), what)),
        _ => None,
    }
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

/// Reads the prober's JSON lines: (id, outcome) pairs; `each` is called per line (progress).
pub fn read_outcomes(
    out: impl BufRead,
    mut each: impl FnMut(),
) -> std::collections::BTreeMap<String, String> {
    let mut m = std::collections::BTreeMap::new();
    for line in out.lines().map_while(Result::ok) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if let (Some(id), Some(o)) = (v["id"].as_str(), v["outcome"].as_str()) {
            m.insert(id.to_string(), o.to_string());
            each();
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syn_checksums_verify_to_zero_with_the_pseudo_header() {
        let (s, d): (IpAddr, IpAddr) = ("10.0.0.2".parse().unwrap(), "10.0.0.1".parse().unwrap());
        let seg = syn_segment(s, d, 20001, 22);
        let IpAddr::V4(s4) = s else { unreachable!() };
        let IpAddr::V4(d4) = d else { unreachable!() };
        let mut pseudo = s4.octets().to_vec();
        pseudo.extend(d4.octets());
        pseudo.extend([0, 6, 0, seg.len() as u8]);
        assert_eq!(checksum(&[&pseudo, &seg]), 0);
        assert_eq!(seg[13], 0x02);
        let s6: IpAddr = "fd00::2".parse().unwrap();
        let d6: IpAddr = "fd00::1".parse().unwrap();
        let seg6 = syn_segment(s6, d6, 20001, 22);
        let (IpAddr::V6(a), IpAddr::V6(b)) = (s6, d6) else {
            unreachable!()
        };
        let mut p6 = a.octets().to_vec();
        p6.extend(b.octets());
        p6.extend((seg6.len() as u32).to_be_bytes());
        p6.extend([0, 0, 0, 6]);
        assert_eq!(checksum(&[&p6, &seg6]), 0);
    }

    #[test]
    fn replies_are_matched_to_their_probes() {
        // An IPv4 SYN/ACK from port 22 to our port 20001 (20-byte IP header first).
        let mut synack = vec![0x45; 1];
        synack.extend([0u8; 19]);
        synack.extend(22u16.to_be_bytes());
        synack.extend(20001u16.to_be_bytes());
        synack.extend([0u8; 9]);
        synack.push(0x12);
        synack.extend([0u8; 6]);
        assert_eq!(
            parse(&synack, None, false, false),
            Some((Key::Tcp(20001, 22), "synack".into()))
        );
        // An ICMPv6 port unreachable quoting our echo request 7.
        let mut err = vec![1, 4, 0, 0, 0, 0, 0, 0];
        let mut ip6 = vec![0x60, 0, 0, 0, 0, 16, 58, 64];
        ip6.extend([0u8; 32]);
        err.extend(ip6);
        err.extend([128, 0, 0, 0, 0, 7, 0, 1]);
        assert_eq!(
            parse(&err, None, true, true),
            Some((Key::Echo(7), "icmp:1/4".into()))
        );
        let from = "fd00::1".parse().ok();
        assert_eq!(
            parse(&[129, 0, 0, 0, 0, 9, 0, 1], from, true, true),
            Some((Key::Echo(9), "reply fd00::1".into()))
        );
        assert_eq!(parse(&[], None, false, true), None);
    }
}
