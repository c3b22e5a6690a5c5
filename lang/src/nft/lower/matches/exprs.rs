//! Pure expression builders of the match lowering: addresses, interfaces, ports, protocols,
//! owners and the small nft shapes they share (no lowering state).

use crate::model::ir::Cond;
use crate::model::values::{Addr, Af, Owner, Port, Proto};
use crate::nft::json::{Expr, Op, Stmt};
use crate::nft::lower::ip_proto;

/// Address values of one family as an nft expression (lists expanded, other families dropped).
pub fn addr_expr(values: &[Addr], af: Af) -> Result<Option<Expr>, String> {
    let mut out = Vec::new();
    for a in values {
        match a {
            Addr::Net(ip, len) => {
                if crate::model::values::af_of(ip) != af {
                    continue;
                }
                let full = if af == Af::V4 { 32 } else { 128 };
                out.push(if *len == full {
                    Expr::s(ip.to_string())
                } else {
                    Expr::Prefix(network(ip, *len), *len)
                });
            }
            Addr::Range(x, y) => {
                if crate::model::values::af_of(x) == af {
                    out.push(Expr::Range(
                        Box::new(Expr::s(x.to_string())),
                        Box::new(Expr::s(y.to_string())),
                    ));
                }
            }
            Addr::List(l) => {
                for n in l.addrs(af) {
                    if let Addr::Net(ip, len) = n {
                        out.push(Expr::Prefix(network(&ip, len), len));
                    }
                }
            }
            // Left unresolved (an editor's analysis): nft would resolve it when loading.
            Addr::Host(name) => out.push(Expr::s(name.clone())),
            Addr::Ipset(name) => {
                return Err(format!(
                    "`ipset:{name}` among other addresses is one rule per set, which this statement cannot be split into: write one statement per set"
                ));
            }
        }
    }
    Ok(match out.len() {
        0 => None,
        1 => out.pop(),
        _ => {
            out.sort();
            out.dedup();
            Some(Expr::Set(out))
        }
    })
}

/// The network address of `ip/len` (nft refuses prefixes with host bits set).
fn network(ip: &std::net::IpAddr, len: u8) -> String {
    use crate::model::values::{ip_of_bits, prefix_bounds};
    let (first, _) = prefix_bounds(*ip, len).unwrap_or_default();
    ip_of_bits(*ip, first).to_string()
}

pub fn iface_expr(values: &[crate::model::values::Iface]) -> Expr {
    let mut v: Vec<Expr> = values.iter().map(|i| Expr::s(iface_name(i))).collect();
    if v.len() == 1 {
        v.pop().unwrap_or(Expr::s(""))
    } else {
        Expr::Set(v)
    }
}

/// An interface name as nft matches it: FireHOL's `+` wildcard is nft's `*`.
pub fn iface_name(i: &crate::model::values::Iface) -> String {
    if i.is_wildcard() {
        format!("{}*", i.base())
    } else {
        i.name.clone()
    }
}

pub fn port_expr(values: &[Port]) -> Expr {
    let mut v: Vec<Expr> = values
        .iter()
        .map(|p| match p {
            Port::Num(n) => Expr::Num(*n as u64),
            Port::Range(a, b) => Expr::Range(
                Box::new(Expr::Num(*a as u64)),
                Box::new(Expr::Num(*b as u64)),
            ),
            Port::Name(n) => Expr::s(n.as_str()),
        })
        .collect();
    if v.len() == 1 {
        v.pop().unwrap_or(Expr::Num(0))
    } else {
        v.sort();
        v.dedup();
        Expr::Set(v)
    }
}

pub fn proto_name(p: &Proto) -> String {
    match p {
        Proto::Icmpv6 => "ipv6-icmp".into(),
        other => other.to_string(),
    }
}

/// `meta l4proto [!=] P` or `meta l4proto [!=] { P, Q }` for a protocol condition.
pub fn proto_match(c: &Cond<Proto>) -> Stmt {
    let mut v: Vec<Expr> = c.values.iter().map(|p| Expr::s(proto_name(p))).collect();
    let e = if v.len() == 1 {
        v.remove(0)
    } else {
        Expr::Set(v)
    };
    Stmt::Match(op(c.negated), Expr::Meta("l4proto"), e)
}

pub(super) fn op(negated: bool) -> Op {
    if negated { Op::Ne } else { Op::Eq }
}

/// `ip version 4` / `ip6 version 6`: the family dependency of a raw payload match.
pub(super) fn ip_version(af: Af) -> Stmt {
    Stmt::matches(
        Expr::Payload(ip_proto(af), "version"),
        Expr::Num(if af == Af::V4 { 4 } else { 6 }),
    )
}

/// The TOS byte (IPv4) or traffic class (IPv6).
pub fn tos_field(af: Af) -> Expr {
    if af == Af::V4 {
        Expr::Raw("nh", 8, 8)
    } else {
        Expr::Raw("nh", 4, 8)
    }
}

/// The netmask of a prefix length, as an address.
/// The packet's `field` address, cut to its first `mask` bits when that is a prefix (a key of
/// hashlimit and connlimit sets).
pub(super) fn masked_addr(af: Af, field: &'static str, mask: Option<u8>) -> Expr {
    let e = Expr::Payload(super::ip_proto(af), field);
    let full = if af == Af::V4 { 32 } else { 128 };
    match mask.filter(|len| *len < full) {
        Some(len) => Expr::And(Box::new(e), Box::new(Expr::s(prefix_mask(af, len)))),
        None => e,
    }
}

fn prefix_mask(af: Af, len: u8) -> String {
    match af {
        Af::V4 => std::net::Ipv4Addr::from(if len == 0 {
            0
        } else {
            u32::MAX << (32 - len as u32)
        })
        .to_string(),
        Af::V6 => std::net::Ipv6Addr::from(if len == 0 {
            0
        } else {
            u128::MAX << (128 - len as u32)
        })
        .to_string(),
    }
}

/// `meta skuid|skgid [!=] USERS`: each user or group by number, or by name (nft resolves names
/// when the ruleset is loaded).
pub(in crate::nft::lower) fn owner_match(
    key: &'static str,
    owners: &[Owner],
    negated: bool,
) -> Stmt {
    let mut v: Vec<Expr> = owners
        .iter()
        .map(|o| match o {
            Owner::Id(n) => Expr::Num(*n as u64),
            Owner::Name(s) => Expr::s(s.clone()),
        })
        .collect();
    let e = if v.len() == 1 {
        v.remove(0)
    } else {
        Expr::Set(v)
    };
    Stmt::Match(op(negated), Expr::Meta(key), e)
}
