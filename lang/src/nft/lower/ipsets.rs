//! Kernel ipsets as named sets of fhc's table, filled with their elements, and the lookups rules
//! make in them (`ip saddr @NAME`, `ip saddr . meta l4proto . th dport @NAME`, ...). The key of a
//! lookup follows the set's dimensions and the rule's direction flags, as the kernel's set match
//! reads them; a reply rule swaps source and destination, as for any address match.

use super::matches::Dir;
use super::{Lowerer, ip_proto};
use crate::model::ir::{Dim, ElemPart, Ipset, IpsetOrigin};
use crate::model::values::Af;
use crate::model::values::{ip_bits, ip_of_bits};
use crate::nft::json::{Expr, Op, Set, SetElem, Stmt};
use std::net::IpAddr;

impl Lowerer<'_> {
    /// Every ipset of the model, declared with its elements.
    pub(super) fn ipsets(&mut self) {
        for s in &self.model.ipsets {
            let dims = s.kind.dims();
            let timeouts = s.timeout.is_some() || s.elements.iter().any(|e| e.timeout.is_some());
            let mut flags = Vec::new();
            if dims != [Dim::Mac] {
                flags.push("interval");
            }
            if timeouts {
                flags.push("timeout");
            }
            let set = Set {
                name: s.name.clone(),
                kind: dims.iter().flat_map(|d| elem_types(*d, s.af)).collect(),
                flags,
                timeout: s.timeout.filter(|t| *t > 0),
                size: None,
                counter: s.counters,
                elements: match set_elements(s) {
                    Ok(e) => e,
                    Err(msg) => {
                        self.error(s.origin.span(), msg);
                        Vec::new()
                    }
                },
                // A set made outside the configuration is filled outside it too (`fhc set
                // load`): like FireHOL, which never touches such an ipset, an apply keeps it.
                keep: s.keep || matches!(s.origin, IpsetOrigin::External(_)),
            };
            self.add_set(set);
        }
    }

    /// The match of a rule of family `af` against the set `name` (an ipset or a trap's set);
    /// `src[i]` says whether dimension `i` reads the packet's source. `None` when the set has no
    /// member of that family (the model reported it).
    pub(crate) fn set_lookup(
        &self,
        name: &str,
        src: &[bool],
        af: Option<Af>,
        dir: Dir,
        negated: bool,
    ) -> Option<Vec<Stmt>> {
        let op = if negated { Op::Ne } else { Op::Eq };
        let field = |i: usize, addr: (&'static str, &'static str)| {
            let from_src = src.get(i).copied().unwrap_or(true) == (dir == Dir::Request);
            if from_src { addr.0 } else { addr.1 }
        };
        if let Some((set, ip)) = self.own_set(name, af) {
            let key = Expr::Payload(ip, field(0, ("saddr", "daddr")));
            return Some(vec![Stmt::Match(op, key, Expr::SetRef(set))]);
        }
        let set = self.model.ipsets.iter().find(|s| s.name == name)?;
        let mut key = Vec::new();
        for (i, d) in set.kind.dims().iter().enumerate() {
            match d {
                Dim::Addr => key.push(Expr::Payload(ip_proto(af?), field(i, ("saddr", "daddr")))),
                Dim::Mac => key.push(Expr::Payload("ether", field(i, ("saddr", "daddr")))),
                // A bitmap:port element is in the set once for TCP and once for UDP: the key
                // names the protocol, so that `th dport` never reads an ICMP header.
                Dim::Port | Dim::PortOnly => {
                    key.push(Expr::Meta("l4proto"));
                    key.push(Expr::Payload("th", field(i, ("sport", "dport"))));
                }
            }
        }
        let key = if key.len() == 1 {
            key.remove(0)
        } else {
            Expr::Concat(key)
        };
        Some(vec![Stmt::Match(op, key, Expr::SetRef(set.name.clone()))])
    }
}

impl Lowerer<'_> {
    /// One of fhc's own sets (a trap's) for family `af` (the model checked it exists).
    fn own_set(&self, name: &str, af: Option<Af>) -> Option<(String, &'static str)> {
        let af = af?;
        crate::model::own_set(&self.own_sets, name, af).map(|n| (n, ip_proto(af)))
    }
}

/// The nft types of one dimension.
fn elem_types(d: Dim, af: Af) -> Vec<&'static str> {
    match d {
        Dim::Addr => vec![super::set_addr_type(af)],
        Dim::Port | Dim::PortOnly => vec!["inet_proto", "inet_service"],
        Dim::Mac => vec!["ether_addr"],
    }
}

/// The elements as nft must get them: without repeats and without an element another one
/// covers (nft refuses overlapping intervals; a blocklist often has networks inside networks).
/// The addresses of a set of addresses alone are merged into disjoint intervals; an element with
/// a timeout stays apart, dropped when a permanent one covers it, and one that overlaps
/// another only in part is an error (nft keeps one interval per address; ipset kept both).
/// `fhc set` sends a live set its new elements through this too.
pub fn set_elements(s: &Ipset) -> Result<Vec<SetElem>, String> {
    let one_addr = s.kind.dims() == [Dim::Addr];
    let mut plain: Vec<(u128, u128, IpAddr)> = Vec::new();
    let mut timed: Vec<(u128, u128, IpAddr, u64)> = Vec::new();
    let mut others: Vec<(Expr, Option<u64>)> = Vec::new();
    for e in &s.elements {
        match (one_addr, &e.key[..], e.timeout) {
            (true, [ElemPart::Addr(a, b)], None) => plain.push((ip_bits(*a), ip_bits(*b), *a)),
            (true, [ElemPart::Addr(a, b)], Some(t)) => {
                timed.push((ip_bits(*a), ip_bits(*b), *a, t))
            }
            // An element another one covers (in every dimension, with the same timeout) is
            // already matched: nft refuses it ("File exists").
            _ if s.elements.iter().any(|o| {
                !std::ptr::eq(o, e)
                    && o.timeout == e.timeout
                    && o.key != e.key
                    && covers(&o.key, &e.key)
            }) => {}
            _ => {
                for parts in part_exprs(&e.key) {
                    let key = if parts.len() == 1 {
                        parts.into_iter().next().unwrap_or(Expr::Num(0))
                    } else {
                        Expr::Concat(parts)
                    };
                    others.push((key, e.timeout));
                }
            }
        }
    }
    plain.sort();
    let mut merged: Vec<(u128, u128, IpAddr)> = Vec::new();
    for (lo, hi, like) in plain {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi, like)),
        }
    }
    let mut out: Vec<SetElem> = merged
        .iter()
        .map(|&(lo, hi, like)| SetElem {
            key: interval_expr(ip_of_bits(like, lo), ip_of_bits(like, hi)),
            timeout: None,
        })
        .collect();
    timed.sort();
    timed.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
    let mut kept: Vec<(u128, u128)> = Vec::new();
    for (lo, hi, like, t) in timed {
        if merged.iter().any(|m| m.0 <= lo && hi <= m.1) {
            continue;
        }
        let overlaps = |x: &(u128, u128)| x.0 <= hi && lo <= x.1;
        if merged.iter().any(|m| overlaps(&(m.0, m.1))) || kept.iter().any(overlaps) {
            let what = interval_expr(ip_of_bits(like, lo), ip_of_bits(like, hi));
            return Err(format!(
                "set `{}`: the element {} with a timeout overlaps another element in part; nftables keeps one interval per address (give it its own set, or no timeout)",
                s.name,
                crate::nft::text::expr(&what, false)
            ));
        }
        kept.push((lo, hi));
        out.push(SetElem {
            key: interval_expr(ip_of_bits(like, lo), ip_of_bits(like, hi)),
            timeout: Some(t),
        });
    }
    // Concatenations (and MACs, ports): repeats and covered elements out, per timeout.
    let mut timeouts: Vec<Option<u64>> = others.iter().map(|o| o.1).collect();
    timeouts.sort();
    timeouts.dedup();
    for t in timeouts {
        let keys: Vec<Expr> = others
            .iter()
            .filter(|o| o.1 == t)
            .map(|o| o.0.clone())
            .collect();
        out.extend(crate::nft::json::set_elements(&keys).map(|k| SetElem {
            key: k.clone(),
            timeout: t,
        }));
    }
    Ok(out)
}

/// Whether element `a` holds every packet key element `b` holds.
fn covers(a: &[ElemPart], b: &[ElemPart]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (ElemPart::Addr(a1, a2), ElemPart::Addr(b1, b2)) => {
                ip_bits(*a1) <= ip_bits(*b1) && ip_bits(*b2) <= ip_bits(*a2)
            }
            (ElemPart::Port(p, a1, a2), ElemPart::Port(q, b1, b2)) => {
                p == q && a1 <= b1 && b2 <= a2
            }
            (x, y) => x == y,
        })
}

/// The nft elements of one ipset element: one, or one per protocol with ports for a
/// `bitmap:port` element.
fn part_exprs(key: &[ElemPart]) -> Vec<Vec<Expr>> {
    let port = |lo: u16, hi: u16| Expr::interval(Expr::Num(lo.into()), Expr::Num(hi.into()));
    let mut out: Vec<Vec<Expr>> = vec![Vec::new()];
    for p in key {
        let alternatives: Vec<Vec<Expr>> = match *p {
            ElemPart::Addr(a, b) => vec![vec![interval_expr(a, b)]],
            ElemPart::Port(Some(proto), lo, hi) => {
                vec![vec![Expr::s(proto.to_string()), port(lo, hi)]]
            }
            // The kernel's bitmap:port reads the ports of TCP and UDP only.
            ElemPart::Port(None, lo, hi) => ["tcp", "udp"]
                .into_iter()
                .map(|proto| vec![Expr::s(proto), port(lo, hi)])
                .collect(),
            ElemPart::Mac(m) => vec![vec![Expr::s(m.to_string())]],
        };
        out = out
            .into_iter()
            .flat_map(|prefix| {
                alternatives.iter().map(move |alt| {
                    let mut v = prefix.clone();
                    v.extend(alt.iter().cloned());
                    v
                })
            })
            .collect();
    }
    out
}

/// An interval of addresses as nft writes it: one address, a prefix when the interval is one,
/// else a range.
fn interval_expr(a: IpAddr, b: IpAddr) -> Expr {
    let (lo, hi) = (ip_bits(a), ip_bits(b));
    if lo == hi {
        return Expr::s(a.to_string());
    }
    let bits: u32 = if a.is_ipv4() { 32 } else { 128 };
    let size = hi - lo;
    if size
        .checked_add(1)
        .is_some_and(|n| n.is_power_of_two() && lo & size == 0)
    {
        let len = bits - (size + 1).trailing_zeros();
        return Expr::Prefix(a.to_string(), len as u8);
    }
    if lo == 0 && hi == u128::MAX {
        return Expr::Prefix(a.to_string(), 0);
    }
    Expr::Range(
        Box::new(Expr::s(a.to_string())),
        Box::new(Expr::s(b.to_string())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_ranges_are_prefixes() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            interval_expr(ip("10.0.0.0"), ip("10.0.0.255")),
            Expr::Prefix("10.0.0.0".into(), 24)
        );
        assert_eq!(
            interval_expr(ip("0.0.0.0"), ip("255.255.255.255")),
            Expr::Prefix("0.0.0.0".into(), 0)
        );
        assert!(matches!(
            interval_expr(ip("10.0.0.1"), ip("10.0.0.5")),
            Expr::Range(..)
        ));
        assert_eq!(interval_expr(ip("::1"), ip("::1")), Expr::s("::1"));
    }
}
