//! Kernel ipsets as named sets of fhc's table, filled with their elements, and the lookups rules
//! make in them (`ip saddr @NAME`, `ip saddr . meta l4proto . th dport @NAME`, ...). The key of a
//! lookup follows the set's dimensions and the rule's direction flags, as the kernel's set match
//! reads them; a reply rule swaps source and destination, as for any address match.

use super::matches::Dir;
use super::{Lowerer, ip_proto};
use crate::model::ipsets::{from_u128, to_u128};
use crate::model::ir::{Dim, ElemPart, Ipset};
use crate::model::values::Af;
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
                timeout: s.timeout,
                size: None,
                counter: s.counters,
                elements: set_elements(s),
                keep: s.keep,
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
                // A bitmap:port element is in the set once per protocol with ports: the key
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

/// The elements as nft must get them: without repeats, and for sets of addresses alone, merged
/// into disjoint intervals (nft refuses overlapping ones; a blocklist often has nets inside nets).
/// `fhc set` sends a live set its new elements through this too.
pub fn set_elements(s: &Ipset) -> Vec<SetElem> {
    let mut out: Vec<SetElem> = Vec::new();
    let mut plain: Vec<(u128, u128, IpAddr)> = Vec::new();
    let one_addr = s.kind.dims() == [Dim::Addr];
    let mut seen = std::collections::HashSet::new();
    for e in &s.elements {
        if one_addr && e.timeout.is_none() {
            if let [ElemPart::Addr(a, b)] = e.key[..] {
                plain.push((to_u128(a), to_u128(b), a));
            }
            continue;
        }
        if !seen.insert((e.key.clone(), e.timeout)) {
            continue;
        }
        for parts in part_exprs(&e.key) {
            let key = if parts.len() == 1 {
                parts.into_iter().next().unwrap_or(Expr::Num(0))
            } else {
                Expr::Concat(parts)
            };
            out.push(SetElem {
                key,
                timeout: e.timeout,
            });
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
    let mut addrs: Vec<SetElem> = merged
        .into_iter()
        .map(|(lo, hi, like)| SetElem {
            key: addr_expr(from_u128(like, lo), from_u128(like, hi)),
            timeout: None,
        })
        .collect();
    addrs.append(&mut out);
    addrs
}

/// The nft elements of one ipset element: one, or one per protocol with ports for a
/// `bitmap:port` element.
fn part_exprs(key: &[ElemPart]) -> Vec<Vec<Expr>> {
    let port = |lo: u16, hi: u16| Expr::interval(Expr::Num(lo.into()), Expr::Num(hi.into()));
    let mut out: Vec<Vec<Expr>> = vec![Vec::new()];
    for p in key {
        let alternatives: Vec<Vec<Expr>> = match *p {
            ElemPart::Addr(a, b) => vec![vec![addr_expr(a, b)]],
            ElemPart::Port(Some(proto), lo, hi) => {
                vec![vec![Expr::s(proto.to_string()), port(lo, hi)]]
            }
            ElemPart::Port(None, lo, hi) => ["tcp", "udp", "udplite", "sctp"]
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

/// An address, a prefix when the range is one, else a range.
fn addr_expr(a: IpAddr, b: IpAddr) -> Expr {
    let (lo, hi) = (to_u128(a), to_u128(b));
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
            addr_expr(ip("10.0.0.0"), ip("10.0.0.255")),
            Expr::Prefix("10.0.0.0".into(), 24)
        );
        assert_eq!(
            addr_expr(ip("0.0.0.0"), ip("255.255.255.255")),
            Expr::Prefix("0.0.0.0".into(), 0)
        );
        assert!(matches!(
            addr_expr(ip("10.0.0.1"), ip("10.0.0.5")),
            Expr::Range(..)
        ));
        assert_eq!(addr_expr(ip("::1"), ip("::1")), Expr::s("::1"));
    }
}
