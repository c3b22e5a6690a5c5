//! Typed parameter values, parsed from expanded text. Each parser returns the value or a message a
//! sysadmin understands; the model attaches the span.

mod families;
mod netfilter;
mod ports;
mod protocols;

pub use families::*;
pub use netfilter::*;
pub use ports::*;
pub use protocols::*;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// FireHOL's predefined address lists; they expand per rule family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpList {
    Unroutable,
    Private,
    Reserved,
    Multicast,
}

impl IpList {
    /// The marker the variable expands to (FireHOL does the same: `unroutable_ips()` ...).
    pub fn marker(self) -> &'static str {
        match self {
            IpList::Unroutable => "unroutable_ips()",
            IpList::Private => "private_ips()",
            IpList::Reserved => "reserved_ips()",
            IpList::Multicast => "multicast_ips()",
        }
    }

    pub fn from_marker(s: &str) -> Option<IpList> {
        [
            IpList::Unroutable,
            IpList::Private,
            IpList::Reserved,
            IpList::Multicast,
        ]
        .into_iter()
        .find(|l| l.marker() == s)
    }

    /// The concrete networks for one family (values of FireHOL 3.1.7's `*_IPV4` / `*_IPV6`).
    /// Unroutable is, as in FireHOL, the reserved networks followed by the private ones.
    /// The list's networks for family `af`, as addresses.
    pub fn addrs(self, af: Af) -> Vec<Addr> {
        self.networks(af)
            .into_iter()
            .filter_map(|n| parse_addr(n).ok())
            .collect()
    }

    pub fn networks(self, af: Af) -> Vec<&'static str> {
        const RESERVED4: &[&str] = &["0.0.0.0/8", "127.0.0.0/8", "240.0.0.0/4"];
        const PRIVATE4: &[&str] = &[
            "10.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.2.0/24",
            "192.88.99.0/24",
            "192.168.0.0/16",
        ];
        const RESERVED6: &[&str] = &[
            "::/8",
            "0100::/8",
            "0200::/7",
            "0400::/6",
            "0800::/5",
            "1000::/4",
            "4000::/3",
            "6000::/3",
            "8000::/3",
            "a000::/3",
            "c000::/3",
            "e000::/4",
            "f000::/5",
            "f800::/6",
            "fe00::/9",
            "fec0::/10",
        ];
        const PRIVATE6: &[&str] = &["fc00::/7", "fe80::/10"];
        let (reserved, private) = match af {
            Af::V4 => (RESERVED4, PRIVATE4),
            Af::V6 => (RESERVED6, PRIVATE6),
        };
        match (self, af) {
            (IpList::Reserved, _) => reserved.to_vec(),
            (IpList::Private, _) => private.to_vec(),
            (IpList::Unroutable, _) => [reserved, private].concat(),
            (IpList::Multicast, Af::V4) => vec!["224.0.0.0/4"],
            (IpList::Multicast, Af::V6) => vec!["ff00::/16"],
        }
    }
}

/// One element of an address list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Addr {
    /// A host or network (host = full-length prefix).
    Net(IpAddr, u8),
    /// `a-b`
    Range(IpAddr, IpAddr),
    /// `ipset:NAME`
    Ipset(String),
    /// One of the predefined lists; concrete per family.
    List(IpList),
    /// A host name (resolved by iptables at load time in FireHOL).
    Host(String),
}

impl Addr {
    pub fn family(&self) -> Option<Af> {
        match self {
            Addr::Net(ip, _) | Addr::Range(ip, _) => Some(af_of(ip)),
            _ => None,
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Net(ip, len) if *len == max_len(ip) => write!(f, "{ip}"),
            Addr::Net(ip, len) => write!(f, "{ip}/{len}"),
            Addr::Range(a, b) => write!(f, "{a}-{b}"),
            Addr::Ipset(n) => write!(f, "ipset:{n}"),
            Addr::List(l) => write!(f, "{}", l.marker()),
            Addr::Host(h) => write!(f, "{h}"),
        }
    }
}

/// An address as a number (IPv4 in the low 32 bits): intervals of addresses are compared,
/// merged and cut as numbers (ipset elements, the optimizer's facts, set elements).
pub fn ip_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

/// The address of `like`'s family whose number is `n`.
pub fn ip_of_bits(like: IpAddr, n: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4((n as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(n.into()),
    }
}

/// The first and last address of `ip/len`, as numbers (`None` when `len` is too long).
pub fn prefix_bounds(ip: IpAddr, len: u8) -> Option<(u128, u128)> {
    let host = u32::from(max_len(&ip)).checked_sub(u32::from(len))?;
    let span = if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let n = ip_bits(ip);
    Some((n & !span, n | span))
}

pub fn af_of(ip: &IpAddr) -> Af {
    match ip {
        IpAddr::V4(_) => Af::V4,
        IpAddr::V6(_) => Af::V6,
    }
}

fn max_len(ip: &IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok()
}

fn looks_numeric(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit()) || s.contains(':')
}

/// Parses one address token.
pub fn parse_addr(s: &str) -> Result<Addr, String> {
    if let Some(name) = s.strip_prefix("ipset:") {
        return if name.is_empty() {
            Err("`ipset:` needs a set name".into())
        } else {
            Ok(Addr::Ipset(name.into()))
        };
    }
    if let Some(l) = IpList::from_marker(s) {
        return Ok(Addr::List(l));
    }
    if let Some((a, b)) = s.split_once('-')
        && looks_numeric(a)
    {
        let (Some(x), Some(y)) = (parse_ip(a), parse_ip(b)) else {
            return Err(format!(
                "`{s}` is not a valid address range (expected FIRST-LAST, e.g. 10.0.0.1-10.0.0.9)"
            ));
        };
        if af_of(&x) != af_of(&y) {
            return Err(format!("`{s}` mixes an IPv4 and an IPv6 address"));
        }
        if x > y {
            return Err(format!("`{s}`: the first address is after the last"));
        }
        return Ok(Addr::Range(x, y));
    }
    if let Some((ip, len)) = s.split_once('/') {
        let Some(ip) = parse_ip(ip) else {
            return Err(format!(
                "`{s}` is not a valid network (bad address before /)"
            ));
        };
        let len = match len.parse::<u8>() {
            Ok(n) if n <= max_len(&ip) => n,
            Ok(_) | Err(_) => match (ip, len.parse::<Ipv4Addr>()) {
                (IpAddr::V4(_), Ok(mask)) => {
                    let m = u32::from(mask);
                    if m.leading_ones() + m.trailing_zeros() != 32 {
                        return Err(format!("`{s}`: the netmask is not contiguous"));
                    }
                    m.leading_ones() as u8
                }
                _ => {
                    return Err(format!(
                        "`{s}`: the prefix length must be 0-{}",
                        max_len(&ip)
                    ));
                }
            },
        };
        return Ok(Addr::Net(ip, len));
    }
    if let Some(ip) = parse_ip(s) {
        let len = max_len(&ip);
        return Ok(Addr::Net(ip, len));
    }
    if looks_numeric(s) && s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("`{s}` is not a valid IPv4 address"));
    }
    if s.contains(':') {
        return Err(format!("`{s}` is not a valid IPv6 address"));
    }
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
        return Ok(Addr::Host(s.into()));
    }
    Err(format!(
        "`{s}` is not an address, a network, a range or ipset:NAME"
    ))
}

/// FireHOL's "no condition" value of a rule parameter: exactly `any` or `ANY` (FireHOL compares
/// those two spellings; `Any` is an ordinary word to it).
pub fn is_any(s: &str) -> bool {
    s == "any" || s == "ANY"
}

/// An interface name; `+` at the end is a wildcard (`ppp+`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iface {
    pub name: String,
}

impl Iface {
    pub fn is_wildcard(&self) -> bool {
        self.name.ends_with('+')
    }

    /// The name without the `+` of a wildcard (`ppp` for `ppp+`).
    pub fn base(&self) -> &str {
        self.name.strip_suffix('+').unwrap_or(&self.name)
    }
}

pub fn parse_iface(s: &str) -> Result<Iface, String> {
    if s.is_empty() || s.len() > 15 {
        return Err(format!(
            "`{s}` is not a valid interface name (1 to 15 characters)"
        ));
    }
    if s.contains(['/', ' ', '\t']) || s == "." || s == ".." {
        return Err(format!("`{s}` is not a valid interface name"));
    }
    if s.strip_suffix('+').unwrap_or(s).contains('+') {
        return Err(format!(
            "`{s}`: `+` is only allowed at the end, as a wildcard"
        ));
    }
    Ok(Iface { name: s.into() })
}

/// An interface list as FireHOL reads it (blanks or commas between names): `None` when it holds
/// `any` (every interface, no match), else each name parsed.
pub fn parse_iface_list(text: &str) -> Option<Vec<Result<Iface, String>>> {
    let list = split_list(text);
    if list.iter().any(|s| is_any(s)) {
        return None;
    }
    Some(list.into_iter().map(parse_iface).collect())
}

/// An IPv6 literal written where IPv4 is required is a family mismatch, not a syntax error.
pub fn ipv4(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

pub fn ipv6(s: &str) -> Option<Ipv6Addr> {
    s.parse().ok()
}

/// Splits a FireHOL list value: spaces and commas both separate.
pub fn split_list(s: &str) -> Vec<&str> {
    s.split([' ', ',', '\t', '\n'])
        .filter(|x| !x.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr("10.0.0.0/8"),
            Ok(Addr::Net("10.0.0.0".parse().unwrap(), 8))
        );
        assert_eq!(
            parse_addr("10.0.0.0/255.255.0.0"),
            Ok(Addr::Net("10.0.0.0".parse().unwrap(), 16))
        );
        assert!(matches!(
            parse_addr("10.1.1.1-10.1.1.10"),
            Ok(Addr::Range(..))
        ));
        assert!(matches!(
            parse_addr("2001:db8::1-2001:db8::9"),
            Ok(Addr::Range(..))
        ));
        assert_eq!(
            parse_addr("::10.0.0.0/8").map(|a| a.family()),
            Ok(Some(Af::V6))
        );
        assert_eq!(parse_addr("ipset:bad"), Ok(Addr::Ipset("bad".into())));
        assert_eq!(
            parse_addr("unroutable_ips()"),
            Ok(Addr::List(IpList::Unroutable))
        );
        assert_eq!(
            parse_addr("my-office-pc.example.com"),
            Ok(Addr::Host("my-office-pc.example.com".into()))
        );
        for bad in [
            "10.0.0.300",
            "10.0.0.0/33",
            "1.2.3.4-1.2.3.1",
            "1.2.3.4-::1",
            "2001:db8::g",
            "10.0.0.0/255.0.255.0",
        ] {
            assert!(parse_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port("80"), Ok(Some(Port::Num(80))));
        assert_eq!(parse_port("1000-2000"), Ok(Some(Port::Range(1000, 2000))));
        assert_eq!(parse_port("1000:2000"), Ok(Some(Port::Range(1000, 2000))));
        assert_eq!(parse_port("any"), Ok(None));
        assert_eq!(
            parse_port("http"),
            Ok(Some(Port::Name(ServiceName::new("http").unwrap())))
        );
        for bad in ["65536", "20:10", "8o!"] {
            assert!(parse_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ifaces_protos_macs() {
        assert!(parse_iface("ppp+").unwrap().is_wildcard());
        assert!(parse_iface("averyveryverylongname").is_err());
        assert!(parse_iface("e+th").is_err());
        assert_eq!(parse_proto("TCP"), Ok(Some(Proto::Tcp)));
        assert_eq!(parse_proto("47"), Ok(Some(Proto::Num(47))));
        assert!(parse_proto("tcpp").is_err());
    }
}
