//! The one protocol type, for rule parameters (`proto gre`) and service definitions (`gre/any`
//! in `server_X_ports`), and the one table of protocol names. The two readings differ only in
//! what they make of a name (see [`parse_proto`] and [`parse_service_proto`]).

use std::fmt;

/// An IP protocol. The four with their own nft keywords have variants; the others are a number
/// or a name from [`PROTO_NAMES`] (kept as written: nft knows the names too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Num(u8),
    Name(&'static str),
}

/// Protocol names fhc accepts besides numbers. iptables resolves names through the host's
/// /etc/protocols; fhc must not depend on the host, so it knows the usual ones itself.
pub const PROTO_NAMES: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("dccp", 33),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("ipv6-icmp", 58),
    ("icmp6", 58),
    ("ospf", 89),
    ("etherip", 97),
    ("encap", 98),
    ("pim", 103),
    ("comp", 108),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
    ("udplite", 136),
];

impl Proto {
    /// The protocol of a number (the four with keywords get their variant).
    pub fn from_number(n: u8) -> Proto {
        match n {
            1 => Proto::Icmp,
            6 => Proto::Tcp,
            17 => Proto::Udp,
            58 => Proto::Icmpv6,
            n => Proto::Num(n),
        }
    }

    /// The IP protocol number.
    pub fn number(self) -> u8 {
        match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
            Proto::Icmp => 1,
            Proto::Icmpv6 => 58,
            Proto::Num(n) => n,
            Proto::Name(name) => PROTO_NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0, |(_, num)| *num),
        }
    }

    /// Whether the protocol has ports (TCP, UDP, DCCP, SCTP, UDP-Lite). FireHOL writes `--dport`
    /// for a service entry that is not `proto/any`, which iptables refuses for the others.
    pub fn has_ports(self) -> bool {
        matches!(self.number(), 6 | 17 | 33 | 132 | 136)
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proto::Tcp => f.write_str("tcp"),
            Proto::Udp => f.write_str("udp"),
            Proto::Icmp => f.write_str("icmp"),
            Proto::Icmpv6 => f.write_str("icmpv6"),
            Proto::Num(n) => write!(f, "{n}"),
            Proto::Name(n) => f.write_str(n),
        }
    }
}

/// A name of the table, lower case, as the table spells it.
fn known_name(s: &str) -> Option<(&'static str, u8)> {
    let l = s.to_ascii_lowercase();
    PROTO_NAMES.iter().find(|(n, _)| *n == l).copied()
}

/// A rule parameter's protocol (`proto`): `None` for `any`/`all`. A name other than the four
/// keyword protocols stays a name (nft prints it back as written).
pub fn parse_proto(s: &str) -> Result<Option<Proto>, String> {
    if s.eq_ignore_ascii_case("any") || s.eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u8>() {
            Ok(n) if matches!(n, 1 | 6 | 17 | 58) => Ok(Some(Proto::from_number(n))),
            Ok(n) => Ok(Some(Proto::Num(n))),
            Err(_) => Err(format!("`{s}`: protocol numbers go from 0 to 255")),
        };
    }
    match known_name(s) {
        Some((_, n)) if matches!(n, 1 | 6 | 17 | 58) => Ok(Some(Proto::from_number(n))),
        Some((name, _)) => Ok(Some(Proto::Name(name))),
        None => Err(format!(
            "`{s}` is not a protocol fhc knows (use its number)"
        )),
    }
}

/// The protocol of a service definition's `proto/ports` entry: `Some(None)` for `any`, `all`
/// or 0 (no protocol match), `None` when it is not a protocol. Names become numbers (the
/// definition's entries are compared and grouped by protocol).
pub fn parse_service_proto(s: &str) -> Option<Option<Proto>> {
    if s.eq_ignore_ascii_case("any") || s.eq_ignore_ascii_case("all") {
        return Some(None);
    }
    let n = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse::<u8>().ok()?
    } else {
        known_name(s)?.1
    };
    Some((n != 0).then(|| Proto::from_number(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the two readings differ: a name is kept by a parameter, a number in a definition.
    #[test]
    fn parameters_keep_names_definitions_use_numbers() {
        assert_eq!(parse_proto("GRE"), Ok(Some(Proto::Name("gre"))));
        assert_eq!(parse_service_proto("GRE"), Some(Some(Proto::Num(47))));
        assert_eq!(parse_proto("47"), Ok(Some(Proto::Num(47))));
        assert_eq!(parse_proto("6"), Ok(Some(Proto::Tcp)));
        assert_eq!(parse_service_proto("tcp"), Some(Some(Proto::Tcp)));
        assert_eq!(parse_proto("any"), Ok(None));
        assert_eq!(parse_service_proto("0"), Some(None));
        assert!(parse_proto("300").is_err());
        assert_eq!(parse_service_proto("bogus"), None);
        assert!(Proto::Name("sctp").has_ports() && !Proto::Num(47).has_ports());
    }
}
