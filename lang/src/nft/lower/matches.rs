//! A model [`Match`] to nft match statements, per address family and direction.

use super::Lowerer;
use crate::model::ir::{Cond, Families, Match};
use crate::model::values::{Addr, Af, IpList, Port, Proto, parse_addr};
use crate::nft::json::{Expr, Op, Stmt};

/// Which way a rule looks at the statement's parameters: FireHOL writes them for the request;
/// replies (and the out side of sections) swap source and destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Request,
    Reply,
}

/// The families a rule must be emitted for, given its statement families and addresses.
/// `None` in the result means "no address match: one rule serves both families".
pub fn rule_families(fams: Families, conds: &[Option<&Cond<Addr>>]) -> Vec<Option<Af>> {
    let mut per = Vec::new();
    let mut any_addr = false;
    for af in fams.iter() {
        let mut ok = true;
        for c in conds.iter().flatten() {
            if c.values.is_empty() {
                continue;
            }
            any_addr = true;
            if !c.negated && !c.values.iter().any(|a| addr_in_family(a, af)) {
                ok = false;
            }
        }
        if ok {
            per.push(Some(af));
        }
    }
    if !any_addr && fams.v4 && fams.v6 {
        return vec![None];
    }
    per
}

fn addr_in_family(a: &Addr, af: Af) -> bool {
    match a {
        Addr::List(_) | Addr::Ipset(_) | Addr::Host(_) => true,
        _ => a.family() == Some(af),
    }
}

fn ip_proto(af: Af) -> &'static str {
    match af {
        Af::V4 => "ip",
        Af::V6 => "ip6",
    }
}

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
                out.push(if *len == full { Expr::s(ip.to_string()) } else { Expr::Prefix(network(ip, *len), *len) });
            }
            Addr::Range(x, y) => {
                if crate::model::values::af_of(x) == af {
                    out.push(Expr::Range(Box::new(Expr::s(x.to_string())), Box::new(Expr::s(y.to_string()))));
                }
            }
            Addr::List(l) => {
                for n in IpList::networks(*l, af) {
                    if let Ok(Addr::Net(ip, len)) = parse_addr(n) {
                        out.push(Expr::Prefix(network(&ip, len), len));
                    }
                }
            }
            Addr::Ipset(n) => {
                return Err(format!("`ipset:{n}` refers to an ipset; nftables cannot match ipsets (define the addresses in the configuration)"));
            }
            Addr::Host(h) => {
                return Err(format!("`{h}` is a host name; fhc compiles statically and does not resolve names (write its address)"));
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
    match ip {
        std::net::IpAddr::V4(v) => {
            let m = if len == 0 { 0 } else { u32::MAX << (32 - len as u32) };
            std::net::Ipv4Addr::from(u32::from(*v) & m).to_string()
        }
        std::net::IpAddr::V6(v) => {
            let m = if len == 0 { 0 } else { u128::MAX << (128 - len as u32) };
            std::net::Ipv6Addr::from(u128::from(*v) & m).to_string()
        }
    }
}

pub fn iface_expr(values: &[crate::model::values::Iface]) -> Expr {
    let mut v: Vec<Expr> = values
        .iter()
        .map(|i| Expr::s(if let Some(base) = i.name.strip_suffix('+') { format!("{base}*") } else { i.name.clone() }))
        .collect();
    if v.len() == 1 { v.pop().unwrap_or(Expr::s("")) } else { Expr::Set(v) }
}

pub fn port_expr(values: &[Port]) -> Expr {
    let mut v: Vec<Expr> = values
        .iter()
        .map(|p| match p {
            Port::Num(n) => Expr::Num(*n as u64),
            Port::Range(a, b) => Expr::Range(Box::new(Expr::Num(*a as u64)), Box::new(Expr::Num(*b as u64))),
            Port::Name(n) => Expr::s(n.clone()),
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

fn op(negated: bool) -> Op {
    if negated { Op::Ne } else { Op::Eq }
}

impl Lowerer<'_> {
    /// Match statements for `m` seen in direction `dir`, for family `af` (`None`: no address
    /// match is present and the rule serves both families). The protocol is NOT emitted here:
    /// services and ports decide it (see [`Lowerer::l4`]).
    pub(super) fn match_stmts(&mut self, m: &Match, af: Option<Af>, dir: Dir, span: crate::span::Span) -> Option<Vec<Stmt>> {
        let mut out = Vec::new();
        let (src, dst, inf, outf) = match dir {
            Dir::Request => ("saddr", "daddr", "iifname", "oifname"),
            Dir::Reply => ("daddr", "saddr", "oifname", "iifname"),
        };
        if let Some(c) = &m.inface {
            out.push(Stmt::Match(op(c.negated), Expr::Meta(inf), iface_expr(&c.values)));
        }
        if let Some(c) = &m.outface {
            out.push(Stmt::Match(op(c.negated), Expr::Meta(outf), iface_expr(&c.values)));
        }
        if let Some(af) = af {
            for (cond, field) in [(m.src_for(af), src), (m.dst_for(af), dst)] {
                let Some(c) = cond else { continue };
                match addr_expr(&c.values, af) {
                    Ok(Some(e)) => out.push(Stmt::Match(op(c.negated), Expr::Payload(ip_proto(af), field), e)),
                    Ok(None) => {}
                    Err(msg) => {
                        self.error(c.span, msg);
                        return None;
                    }
                }
            }
        }
        if let Some(c) = &m.mac
            && dir == Dir::Request
        {
            let v: Vec<Expr> = c.values.iter().map(|s| Expr::s(s.clone())).collect();
            let e = if v.len() == 1 { v[0].clone() } else { Expr::Set(v) };
            out.push(Stmt::Match(op(c.negated), Expr::Payload("ether", "saddr"), e));
        }
        for (cond, key) in [(&m.uid, "skuid"), (&m.gid, "skgid")] {
            if let Some(c) = cond {
                let v: Vec<Expr> = c
                    .values
                    .iter()
                    .map(|s| s.parse::<u64>().map(Expr::Num).unwrap_or_else(|_| Expr::s(s.clone())))
                    .collect();
                let e = if v.len() == 1 { v[0].clone() } else { Expr::Set(v) };
                out.push(Stmt::Match(op(c.negated), Expr::Meta(key), e));
            }
        }
        for (cond, left) in [(&m.mark, Expr::Meta("mark")), (&m.connmark, Expr::Ct("mark", None))] {
            if let Some(c) = cond {
                let mut v = Vec::new();
                for s in &c.values {
                    match parse_num(s) {
                        Some(n) => v.push(Expr::Num(n)),
                        None => {
                            self.error(c.span, format!("`{s}` is not a mark number"));
                            return None;
                        }
                    }
                }
                let e = if v.len() == 1 { v[0].clone() } else { Expr::Set(v) };
                out.push(Stmt::Match(op(c.negated), left, e));
            }
        }
        if let Some(c) = &m.state {
            let e = Expr::flags(&c.values.iter().map(String::as_str).collect::<Vec<_>>());
            out.push(Stmt::Match(if c.negated { Op::Ne } else { Op::In }, Expr::Ct("state", None), e));
        }
        if let Some((vals, sp)) = &m.connlimit {
            let above = vals.first().is_some_and(|v| v == "above");
            match vals.get(1).and_then(|v| v.parse::<u64>().ok()) {
                Some(n) => out.push(Stmt::CtCount { val: n, over: above }),
                None => {
                    self.error(*sp, "connlimit needs `upto N` or `above N`".into());
                    return None;
                }
            }
        }
        for raw in &m.other {
            self.error(raw.span, format!("`{}` cannot be translated to nftables yet", raw.keyword));
            return None;
        }
        let _ = span;
        Some(out)
    }

    /// Protocol and port matches. `proto` None means "any protocol".
    pub(super) fn l4(&self, proto: Option<&Proto>, sport: Option<(&Expr, bool)>, dport: Option<(&Expr, bool)>) -> Vec<Stmt> {
        let mut out = Vec::new();
        let payload = match proto {
            Some(Proto::Tcp) => "tcp",
            Some(Proto::Udp) => "udp",
            _ => "th",
        };
        if let Some(p) = proto {
            if !matches!(p, Proto::Tcp | Proto::Udp) || (sport.is_none() && dport.is_none()) {
                out.push(Stmt::matches(Expr::Meta("l4proto"), Expr::s(proto_name(p))));
            }
        } else if sport.is_some() || dport.is_some() {
            out.push(Stmt::matches(Expr::Meta("l4proto"), Expr::Set(vec![Expr::s("tcp"), Expr::s("udp")])));
        }
        if let Some((e, neg)) = sport {
            out.push(Stmt::Match(op(neg), Expr::Payload(payload, "sport"), e.clone()));
        }
        if let Some((e, neg)) = dport {
            out.push(Stmt::Match(op(neg), Expr::Payload(payload, "dport"), e.clone()));
        }
        out
    }
}

/// `0x2000`, `12`.
pub fn parse_num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// FireHOL rates (`10/sec`, `100/second`, `5/m`) as (rate, unit).
pub fn parse_rate(s: &str) -> Option<(u64, &'static str)> {
    let (n, u) = s.split_once('/')?;
    let n = n.parse().ok()?;
    let unit = match u.to_ascii_lowercase().as_str() {
        "s" | "sec" | "second" => "second",
        "m" | "min" | "minute" => "minute",
        "h" | "hour" => "hour",
        "d" | "day" => "day",
        _ => return None,
    };
    Some((n, unit))
}
