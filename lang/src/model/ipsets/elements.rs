//! The elements of an ipset as ipset reads them: one value per dimension, separated by commas
//! (`192.0.2.1,udp:53`), and the lines of an `ipset addfile` file as FireHOL cleans them.

use crate::model::ir::{Dim, ElemPart, IpsetKind};
use crate::model::values::{Af, Proto, af_of, ip_bits, ip_of_bits, parse_mac, prefix_bounds};
use std::net::IpAddr;

/// One element of a set of type `kind` and family `af`.
pub fn parse_element(kind: IpsetKind, af: Af, text: &str) -> Result<Vec<ElemPart>, String> {
    let dims = kind.dims();
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != dims.len() {
        return Err(format!(
            "`{text}` is not an element of a {} set (it takes {})",
            kind.name(),
            layout(dims)
        ));
    }
    dims.iter()
        .zip(parts)
        .map(|(d, p)| match d {
            Dim::Addr => addr_part(kind, af, p),
            Dim::Port => port_part(p),
            Dim::PortOnly => bitmap_port(kind, p),
            Dim::Mac => parse_mac(p).map(ElemPart::Mac),
        })
        .collect()
}

/// What an element of these dimensions looks like, for messages.
fn layout(dims: &[Dim]) -> &'static str {
    match dims {
        [Dim::Addr] => "an address, a network or a range",
        [Dim::Addr, Dim::Port] => "ADDRESS,PORT or ADDRESS,PROTO:PORT",
        [Dim::Mac] => "a MAC address",
        _ => "a port or a range of ports",
    }
}

/// An address, a network (`/len`) or a range (`a-b`) of the set's family. `hash:net` and its
/// kin refuse prefix 0 (as ipset does); an IPv6 `hash:ip` takes plain addresses only.
fn addr_part(kind: IpsetKind, af: Af, s: &str) -> Result<ElemPart, String> {
    let fam = |ip: &IpAddr| {
        if af_of(ip) == af {
            Ok(())
        } else {
            Err(format!(
                "`{s}` is an {} address in an {} set",
                af_of(ip).name(),
                af.name()
            ))
        }
    };
    let plain_v6 = af == Af::V6 && matches!(kind, IpsetKind::HashIp | IpsetKind::HashIpPort);
    if let Some((a, b)) = s.split_once('-') {
        let (Ok(x), Ok(y)) = (a.parse::<IpAddr>(), b.parse::<IpAddr>()) else {
            return Err(format!("`{s}` is not an address range (FIRST-LAST)"));
        };
        fam(&x)?;
        fam(&y)?;
        if af == Af::V6 {
            return Err(format!("`{s}`: ipset takes no ranges of IPv6 addresses"));
        }
        if ip_bits(x) > ip_bits(y) {
            return Err(format!("`{s}`: the first address is after the last"));
        }
        if ip_bits(x) == 0
            && y == ip_of_bits(
                y,
                if af == Af::V4 {
                    u32::MAX.into()
                } else {
                    u128::MAX
                },
            )
        {
            return Err(format!("`{s}`: ipset refuses the whole address space"));
        }
        return Ok(ElemPart::Addr(x, y));
    }
    let (ip, len) = match s.split_once('/') {
        Some((a, l)) => {
            let ip: IpAddr = a
                .parse()
                .map_err(|_| format!("`{s}` is not an address or network"))?;
            let len: u8 = l
                .parse()
                .ok()
                .filter(|&n| n <= max(ip))
                .ok_or_else(|| format!("`{s}`: `/{l}` is not a prefix length"))?;
            if len == 0 {
                return Err(format!("`{s}`: ipset refuses a network of prefix length 0"));
            }
            if plain_v6 {
                return Err(format!(
                    "`{s}`: an IPv6 {} set takes single addresses",
                    kind.name()
                ));
            }
            (ip, len)
        }
        None => {
            let ip: IpAddr = s
                .parse()
                .map_err(|_| format!("`{s}` is not an address or network"))?;
            (ip, max(ip))
        }
    };
    fam(&ip)?;
    if ip_bits(ip) == 0 && len == max(ip) {
        return Err(format!("`{s}`: ipset refuses the zero address"));
    }
    let (lo, hi) = prefix_bounds(ip, len).unwrap_or((0, 0));
    Ok(ElemPart::Addr(ip_of_bits(ip, lo), ip_of_bits(ip, hi)))
}

/// `PORT`, `PROTO:PORT` or `PROTO:LO-HI` (ipset's default protocol is TCP). Names are refused:
/// ipset looks them up in the host's /etc/services, and fhc's output must not depend on it.
fn port_part(s: &str) -> Result<ElemPart, String> {
    let (proto, ports) = match s.split_once(':') {
        Some((p, rest)) => (
            match p.to_ascii_lowercase().as_str() {
                "tcp" => Proto::Tcp,
                "udp" => Proto::Udp,
                "sctp" => Proto::Name("sctp"),
                "udplite" => Proto::Name("udplite"),
                _ => {
                    return Err(format!(
                        "`{s}`: fhc translates ports of tcp, udp, sctp and udplite (not `{p}`)"
                    ));
                }
            },
            rest,
        ),
        None => (Proto::Tcp, s),
    };
    let (lo, hi) = port_range(ports, s)?;
    Ok(ElemPart::Port(Some(proto), lo, hi))
}

/// A `bitmap:port` element, inside the set's range.
fn bitmap_port(kind: IpsetKind, s: &str) -> Result<ElemPart, String> {
    // ipset accepts a protocol before the port of a bitmap:port element, and ignores it.
    let ports = match s.split_once(':') {
        Some((p, rest)) if matches!(p.to_ascii_lowercase().as_str(), "tcp" | "udp") => rest,
        _ => s,
    };
    let (lo, hi) = port_range(ports, s)?;
    if let IpsetKind::BitmapPort { lo: a, hi: b } = kind
        && (lo < a || hi > b)
    {
        return Err(format!("`{s}` is outside the set's range {a}-{b}"));
    }
    Ok(ElemPart::Port(None, lo, hi))
}

/// `80` or `1-1024`.
pub fn port_range(s: &str, whole: &str) -> Result<(u16, u16), String> {
    let num = |p: &str| {
        p.parse::<u16>().map_err(|_| {
            if p.starts_with(|c: char| c.is_ascii_alphabetic()) {
                format!("`{whole}`: write the port number (fhc does not read /etc/services)")
            } else {
                format!("`{whole}` is not a port (0-65535)")
            }
        })
    };
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => (num(s)?, num(s)?),
    };
    // ipset reads `90-80` as 80-90.
    Ok((lo.min(hi), lo.max(hi)))
}

/// Which lines of an `ipset addfile` file FireHOL keeps (`ip`/`ips`: addresses only; `net`/
/// `nets`: networks only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFilter {
    All,
    Ips,
    Nets,
}

/// The entries of an `ipset addfile` file, with their line numbers, cleaned as FireHOL cleans
/// them: `#` comments and all blanks removed, then only lines made of the family's address
/// characters kept (others are skipped without a word, as FireHOL skips them), then the filter.
/// Repeats are left to the set (FireHOL sorts them out with `sort -u`).
pub fn file_entries(text: &str, af: Af, filter: FileFilter) -> Vec<(usize, String)> {
    let allowed = |c: char| match af {
        Af::V4 => c.is_ascii_digit() || matches!(c, '.' | '/' | '-'),
        Af::V6 => c.is_ascii_hexdigit() || matches!(c, ':' | '/' | '-'),
    };
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.split('#').next().unwrap_or("");
            let entry: String = line.chars().filter(|c| !matches!(c, ' ' | '\t')).collect();
            let keep = !entry.is_empty()
                && entry.chars().all(allowed)
                && match filter {
                    FileFilter::All => true,
                    FileFilter::Ips => !entry.contains('/'),
                    FileFilter::Nets => entry.contains('/'),
                };
            keep.then_some((i + 1, entry))
        })
        .collect()
}

fn max(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(kind: IpsetKind, af: Af, s: &str) -> Result<Vec<ElemPart>, String> {
        parse_element(kind, af, s)
    }

    #[test]
    fn addresses_networks_and_ranges_become_inclusive_bounds() {
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            one(IpsetKind::HashNet, Af::V4, "10.1.2.3/24"),
            Ok(vec![ElemPart::Addr(a("10.1.2.0"), a("10.1.2.255"))])
        );
        assert_eq!(
            one(IpsetKind::HashIp, Af::V4, "10.0.0.1-10.0.0.3"),
            Ok(vec![ElemPart::Addr(a("10.0.0.1"), a("10.0.0.3"))])
        );
        assert!(one(IpsetKind::HashNet, Af::V4, "0.0.0.0/0").is_err());
        assert!(one(IpsetKind::HashIp, Af::V6, "2001:db8::/120").is_err());
        assert!(one(IpsetKind::HashIp, Af::V4, "2001:db8::1").is_err());
    }

    #[test]
    fn ports_carry_their_protocol_tcp_by_default() {
        let a = "192.0.2.1".parse::<IpAddr>().unwrap();
        assert_eq!(
            one(IpsetKind::HashIpPort, Af::V4, "192.0.2.1,udp:53"),
            Ok(vec![
                ElemPart::Addr(a, a),
                ElemPart::Port(Some(Proto::Udp), 53, 53)
            ])
        );
        assert_eq!(
            one(IpsetKind::HashIpPort, Af::V4, "192.0.2.1,1-9").unwrap()[1],
            ElemPart::Port(Some(Proto::Tcp), 1, 9)
        );
        assert!(one(IpsetKind::HashIpPort, Af::V4, "192.0.2.1,http").is_err());
        assert!(one(IpsetKind::HashIpPort, Af::V4, "192.0.2.1").is_err());
        assert!(one(IpsetKind::HashIpPort, Af::V4, "192.0.2.1,icmp:ping").is_err());
        let bm = IpsetKind::BitmapPort { lo: 1, hi: 1024 };
        assert!(one(bm, Af::V4, "80").is_ok());
        assert!(one(bm, Af::V4, "8080").is_err());
    }

    #[test]
    fn files_are_cleaned_as_firehol_cleans_them() {
        let text = "# list\n10.0.0.1 # host\n 10.1.0.0/16\nexample.org\n2001:db8::1\n\n";
        let all = file_entries(text, Af::V4, FileFilter::All);
        assert_eq!(
            all,
            vec![(2, "10.0.0.1".to_string()), (3, "10.1.0.0/16".to_string())]
        );
        assert_eq!(file_entries(text, Af::V4, FileFilter::Nets).len(), 1);
        assert_eq!(file_entries(text, Af::V4, FileFilter::Ips).len(), 1);
        assert_eq!(file_entries(text, Af::V6, FileFilter::All).len(), 1);
    }
}
