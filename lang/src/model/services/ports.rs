//! The protocol and port vocabulary of service definitions: `proto/ports` server entries and
//! client port entries.

use std::fmt;

/// The protocol part of a server port entry (`tcp` in `tcp/80`).
///
/// Well-known numbers are normalised to their named variant (`6/80` is `Tcp`), because FireHOL
/// hands the word to iptables, which treats both spellings alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    /// `any` (or `all`, or 0): no protocol match at all.
    Any,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Any other IP protocol by number, e.g. 47 (GRE), 50 (ESP), 51 (AH), 89 (OSPF).
    Number(u8),
}

/// Protocol names fhc accepts besides numbers. iptables resolves names through the host's
/// /etc/protocols; fhc must not depend on the host, so it knows the usual ones itself.
const PROTO_NAMES: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("tcp", 6),
    ("udp", 17),
    ("dccp", 33),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ipv6-icmp", 58),
    ("ospf", 89),
    ("vrrp", 112),
    ("sctp", 132),
    ("udplite", 136),
];

impl Proto {
    /// Parses a protocol word: a number 0..=255, `any`/`all`, or a known name (tcp, udp, icmp,
    /// icmpv6, gre, esp, ah, sctp, ...).
    /// Case-insensitive, as iptables lower-cases `-p` (and FireHOL tests `any|ANY`).
    pub fn parse(s: &str) -> Option<Proto> {
        if s.eq_ignore_ascii_case("any") || s.eq_ignore_ascii_case("all") {
            return Some(Proto::Any);
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse::<u8>().ok().map(Proto::from_number);
        }
        let lower = s.to_ascii_lowercase();
        PROTO_NAMES
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|&(_, num)| Proto::from_number(num))
    }

    pub fn from_number(n: u8) -> Proto {
        match n {
            0 => Proto::Any,
            1 => Proto::Icmp,
            6 => Proto::Tcp,
            17 => Proto::Udp,
            58 => Proto::Icmpv6,
            n => Proto::Number(n),
        }
    }

    /// The IP protocol number; `None` for [`Proto::Any`].
    pub fn number(self) -> Option<u8> {
        match self {
            Proto::Any => None,
            Proto::Tcp => Some(6),
            Proto::Udp => Some(17),
            Proto::Icmp => Some(1),
            Proto::Icmpv6 => Some(58),
            Proto::Number(n) => Some(n),
        }
    }

    /// Whether the protocol has ports. FireHOL writes `--dport` for any entry that is not
    /// `proto/any`, and iptables rejects that for protocols without ports (`icmp/8`).
    pub fn has_ports(self) -> bool {
        matches!(
            self,
            Proto::Tcp | Proto::Udp | Proto::Number(33 | 132 | 136)
        )
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proto::Any => f.write_str("any"),
            Proto::Tcp => f.write_str("tcp"),
            Proto::Udp => f.write_str("udp"),
            Proto::Icmp => f.write_str("icmp"),
            Proto::Icmpv6 => f.write_str("icmpv6"),
            Proto::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The port part of a server port entry (`443`, `5900:5903`, `any`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortSpec {
    /// No port match.
    Any,
    Port(u16),
    /// Inclusive range, `start <= end` (also written `a-b`; FireHOL turns `-` into `:`).
    Range(u16, u16),
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Any => f.write_str("any"),
            PortSpec::Port(p) => write!(f, "{p}"),
            PortSpec::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// One `proto/ports` entry of `server_<svc>_ports`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerPort {
    pub proto: Proto,
    pub ports: PortSpec,
}

impl fmt::Display for ServerPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.proto, self.ports)
    }
}

/// One entry of `client_<svc>_ports`. In complex-service rules it also serves as a generic port
/// match, where [`ClientPort::Default`] stands for the statement's client port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientPort {
    /// `default`: FireHOL substitutes it textually with `LOCAL_CLIENT_PORTS` (the host's
    /// `net.ipv4.ip_local_port_range`) for a `client` inside an `interface`, where this host is
    /// the client, and with `DEFAULT_CLIENT_PORTS` (`1024:65535`) everywhere else.
    Default,
    /// `any`: no port match.
    Any,
    Port(u16),
    /// Inclusive range, `start <= end`.
    Range(u16, u16),
}

impl fmt::Display for ClientPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientPort::Default => f.write_str("default"),
            ClientPort::Any => f.write_str("any"),
            ClientPort::Port(p) => write!(f, "{p}"),
            ClientPort::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// Groups server ports by protocol in order of first appearance, as FireHOL's `rules_custom`
/// does: it emits one request/reply rule pair per protocol carrying all that protocol's ports
/// (`eserver`'s `tcp/4661 udp/4661 udp/4665` gives a tcp pair and one udp pair for two ports).
pub fn protocol_groups(server: &[ServerPort]) -> Vec<(Proto, Vec<PortSpec>)> {
    let mut groups: Vec<(Proto, Vec<PortSpec>)> = Vec::new();
    for sp in server {
        match groups.iter_mut().find(|(p, _)| *p == sp.proto) {
            Some((_, ports)) => ports.push(sp.ports),
            None => groups.push((sp.proto, vec![sp.ports])),
        }
    }
    groups
}
