//! What a rule matches and what it touches, as far as reordering and merging need to know.
//!
//! Everything here errs on one side: two rules are called *disjoint* only when no packet can
//! match both, and a rule *reads*/*writes* a superset of the state it really reads/writes. An
//! unknown value (a wildcard interface, a named set, a protocol given by number on one side and by
//! name on the other) is never evidence of disjointness.

use crate::hash::FastMap;
use crate::hash::{FNV_OFFSET, fnv1a};
use crate::nft::json::{Expr, Op, Stmt};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::net::IpAddr;

type FastSet<T> = HashSet<T, BuildHasherDefault<crate::hash::Fnv>>;

/// One value a field can take: an integer interval (ports, addresses, protocol numbers) or an
/// exact symbol (interface and protocol names, a whole flag list), kept as a 64-bit hash of its
/// lower-cased text. A collision can only make two different symbols look equal, which reads as
/// "may overlap": safe, and it spares an allocation per value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Atom {
    Int(u128, u128),
    Sym(u64),
}

/// FNV-1a over the lower-cased bytes (case never separates two names: `ETH0` may be `eth0`).
fn sym<'a>(parts: impl IntoIterator<Item = &'a str>) -> Atom {
    let mut h = FNV_OFFSET;
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            h = fnv1a(h, [b',']);
        }
        h = fnv1a(h, part.bytes().map(|b| b.to_ascii_lowercase()));
    }
    Atom::Sym(h)
}

impl Atom {
    fn overlaps(&self, other: &Atom) -> bool {
        match (self, other) {
            (Atom::Int(a, b), Atom::Int(c, d)) => a <= d && c <= b,
            (Atom::Sym(s), Atom::Sym(t)) => s == t,
            // `tcp` against `6`: could be the same protocol.
            _ => true,
        }
    }
}

/// The values a field is known to take (a union, when it describes a group of rules). A rule has
/// one or a few; a group can have thousands, and then its points get a hash index so that checking
/// one more rule against it stays cheap.
#[derive(Clone, Debug, Default)]
pub(super) struct ValueSet {
    points: Vec<Atom>,
    intervals: Vec<(u128, u128)>,
    index: Option<FastSet<Atom>>,
    has_int: bool,
    has_sym: bool,
}

/// Above this many points a set gets its hash index.
const INDEXED: usize = 16;

impl ValueSet {
    fn from_atoms(atoms: impl IntoIterator<Item = Atom>) -> ValueSet {
        let mut v = ValueSet::default();
        for a in atoms {
            v.add(a);
        }
        v
    }

    fn add(&mut self, a: Atom) {
        match a {
            Atom::Int(lo, hi) if lo != hi => {
                self.has_int = true;
                if !self.intervals.contains(&(lo, hi)) {
                    self.intervals.push((lo, hi));
                }
                return;
            }
            Atom::Int(..) => self.has_int = true,
            Atom::Sym(_) => self.has_sym = true,
        }
        // A union mostly re-adds what it has (the fields a group's rules share).
        if let Some(ix) = &mut self.index {
            if !ix.insert(a) {
                return;
            }
        } else if self.points.contains(&a) {
            return;
        } else if self.points.len() >= INDEXED {
            self.index = Some(self.points.iter().copied().chain([a]).collect());
        }
        self.points.push(a);
    }

    pub(super) fn extend(&mut self, other: &ValueSet) {
        for &p in &other.points {
            self.add(p);
        }
        for &(lo, hi) in &other.intervals {
            self.add(Atom::Int(lo, hi));
        }
    }

    fn len(&self) -> usize {
        self.points.len() + self.intervals.len()
    }

    fn overlaps(&self, a: &Atom) -> bool {
        match a {
            Atom::Sym(_) if self.has_int => true,
            Atom::Int(..) if self.has_sym => true,
            Atom::Int(lo, hi) if lo != hi => {
                self.intervals.iter().any(|&(c, d)| *lo <= d && c <= *hi)
                    || self.points.iter().any(|p| p.overlaps(a))
            }
            point => {
                let known = match &self.index {
                    Some(ix) => ix.contains(point),
                    None => self.points.contains(point),
                };
                known
                    || self
                        .intervals
                        .iter()
                        .any(|&(c, d)| point.overlaps(&Atom::Int(c, d)))
            }
        }
    }

    /// No value in common.
    pub(super) fn disjoint(&self, other: &ValueSet) -> bool {
        let (small, big) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        small.points.iter().all(|a| !big.overlaps(a))
            && small
                .intervals
                .iter()
                .all(|&(lo, hi)| !big.overlaps(&Atom::Int(lo, hi)))
    }
}

/// A field of the packet (or of its conntrack entry) a rule constrains, with its values.
#[derive(Clone, Debug)]
pub(super) struct Field {
    pub(super) left: Expr,
    pub(super) values: ValueSet,
    /// The statement this field is the exact value of (`None`: implied by a payload match).
    pub(super) stmt: Option<usize>,
}

/// State a rule reads or writes, coarsely: the packet, one meta key, conntrack, one named set,
/// anything else. A bit mask, so that the analysis of a rule allocates nothing for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Roots(u64);

impl Roots {
    const PAYLOAD: Roots = Roots(1);
    const CT: Roots = Roots(1 << 1);
    /// State this module does not model (routing, numgen): touches everything.
    const OTHER: Roots = Roots(1 << 2);

    /// One meta key. Keys share bits (16 of them): a shared bit only adds conflicts.
    fn meta(key: &str) -> Roots {
        Roots(1 << (8 + (fold(key) % 16)))
    }

    /// One named set (as `meta`, 32 bits).
    fn set(name: &str) -> Roots {
        Roots(1 << (32 + (fold(name) % 32)))
    }

    fn add(&mut self, r: Roots) {
        self.0 |= r.0;
    }

    pub(super) fn union(self, r: Roots) -> Roots {
        Roots(self.0 | r.0)
    }

    pub(super) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Some named set (bits 32 and up, see [`Roots::set`]).
    fn any_set(self) -> bool {
        self.0 >> 32 != 0
    }
}

fn fold(s: &str) -> u64 {
    fnv1a(FNV_OFFSET, s.bytes())
}

/// The analysis of one rule.
#[derive(Clone, Debug)]
pub(super) struct Facts {
    /// Constraints every matching packet satisfies (explicit matches and implied protocols).
    pub(super) fields: Vec<Field>,
    pub(super) reads: Roots,
    /// What the rule changes and later rules of the chain could see (empty when the rule ends
    /// the chain for every packet it matches).
    pub(super) writes: Roots,
    /// The rule's only statement besides its matches, when that is a plain verdict (`accept`,
    /// `drop`, `reject ...`) and it looks nothing up in a set: two rules that end alike can
    /// trade places even when they overlap.
    pub(super) ends: Option<Stmt>,
}

impl Facts {
    /// No packet matches both (judged on the packet as it reaches them).
    pub(super) fn disjoint(&self, other: &Facts) -> bool {
        self.fields.iter().any(|f| {
            other
                .fields
                .iter()
                .any(|g| f.left == g.left && f.values.disjoint(&g.values))
        })
    }

    /// The two rules can trade places: neither changes what the other looks at, and either no
    /// packet matches both or both end in the same plain verdict (a packet matching both gets
    /// that verdict from whichever comes first). Then every packet meets the same rules in either
    /// order, with the same effects.
    pub(super) fn commutes(&self, other: &Facts) -> bool {
        !touches(self.writes, other.reads)
            && !touches(other.writes, self.reads)
            && (self.ends.is_some() && self.ends == other.ends || self.disjoint(other))
    }

    /// Widens `self` to also describe `other` (a rule of the same shape): the union of the values
    /// of each field, and of what either touches.
    pub(super) fn widen(&mut self, other: &Facts) {
        let aligned = self.fields.len() == other.fields.len()
            && self
                .fields
                .iter()
                .zip(&other.fields)
                .all(|(f, g)| f.left == g.left);
        if !aligned {
            // Rules of one shape have the same fields; if not, claim nothing rather than merge
            // the values of two different fields.
            self.fields.clear();
        }
        for (f, g) in self.fields.iter_mut().zip(&other.fields) {
            f.values.extend(&g.values);
        }
        self.writes.add(other.writes);
        self.reads.add(other.reads);
        if self.ends != other.ends {
            self.ends = None;
        }
    }
}

/// Whether writing `writes` can change what a rule reading `reads` sees.
pub(super) fn touches(writes: Roots, reads: Roots) -> bool {
    !writes.is_empty() && (writes.0 & reads.0 != 0 || (writes.0 | reads.0) & Roots::OTHER.0 != 0)
}

/// The atoms of `right` as a value of `left`, or `None` when they are not exact enough to reason
/// about (a wildcard interface name, a set reference, an expression).
fn atoms(left: &Expr, right: &Expr) -> Option<Vec<Atom>> {
    let address = matches!(
        left,
        Expr::Payload("ip" | "ip6", "saddr" | "daddr") | Expr::Ct("saddr" | "daddr", _)
    );
    let one = |e: &Expr| -> Option<Atom> {
        match e {
            Expr::Num(n) => Some(Atom::Int(u128::from(*n), u128::from(*n))),
            Expr::Str(s) if address => ip(s).map(|v| Atom::Int(v, v)),
            Expr::Str(s) if s.contains('*') || s.contains('\\') => None,
            Expr::Str(s) => Some(sym([s.as_str()])),
            Expr::Prefix(a, len) if address => prefix(a, *len),
            Expr::Range(a, b) => match (a.as_ref(), b.as_ref()) {
                (Expr::Num(x), Expr::Num(y)) => Some(Atom::Int(u128::from(*x), u128::from(*y))),
                (Expr::Str(x), Expr::Str(y)) if address => Some(Atom::Int(ip(x)?, ip(y)?)),
                _ => None,
            },
            Expr::List(items) => {
                let numbers: Vec<String>;
                let mut names: Vec<&str> = Vec::with_capacity(items.len());
                if items.iter().all(|i| matches!(i, Expr::Str(_))) {
                    names.extend(items.iter().filter_map(|i| match i {
                        Expr::Str(s) => Some(s.as_str()),
                        _ => None,
                    }));
                } else {
                    numbers = items
                        .iter()
                        .map(|i| match i {
                            Expr::Str(s) => Some(s.clone()),
                            Expr::Num(n) => Some(n.to_string()),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?;
                    names.extend(numbers.iter().map(String::as_str));
                }
                names.sort_by_key(|n| n.to_ascii_lowercase());
                Some(sym(names))
            }
            _ => None,
        }
    };
    match right {
        Expr::Set(items) => items.iter().map(one).collect(),
        other => Some(vec![one(other)?]),
    }
}

/// Addresses as integers; IPv4 and IPv6 never meet in one field (`ip daddr` vs `ip6 daddr`).
fn ip(s: &str) -> Option<u128> {
    s.parse::<IpAddr>().ok().map(crate::model::values::ip_bits)
}

fn prefix(addr: &str, len: u8) -> Option<Atom> {
    let (lo, hi) = crate::model::values::prefix_bounds(addr.parse().ok()?, len)?;
    Some(Atom::Int(lo, hi))
}

/// The protocol facts a payload match implies: `ip daddr X` only matches IPv4, `tcp dport` only
/// TCP (nft adds these dependencies itself).
fn implied(e: &Expr, out: &mut Vec<Field>) {
    let fact = |key: &'static str, v: &str| Field {
        left: Expr::Meta(key),
        values: ValueSet::from_atoms([sym([v])]),
        stmt: None,
    };
    match e {
        Expr::Payload(proto, _) => {
            let (family, l4) = match *proto {
                "ip" => (Some("ipv4"), None),
                "ip6" => (Some("ipv6"), None),
                "icmp" => (Some("ipv4"), Some("icmp")),
                "icmpv6" => (Some("ipv6"), Some("ipv6-icmp")),
                "tcp" => (None, Some("tcp")),
                "udp" => (None, Some("udp")),
                "sctp" => (None, Some("sctp")),
                "dccp" => (None, Some("dccp")),
                _ => (None, None),
            };
            // `ip saddr` and `ip daddr` imply the same thing once.
            for f in family
                .map(|f| fact("nfproto", f))
                .into_iter()
                .chain(l4.map(|p| fact("l4proto", p)))
            {
                if !out
                    .iter()
                    .any(|g| g.left == f.left && g.values.points == f.values.points)
                {
                    out.push(f);
                }
            }
        }
        Expr::And(a, b) | Expr::Or(a, b) => {
            implied(a, out);
            implied(b, out);
        }
        Expr::Concat(items) => items.iter().for_each(|i| implied(i, out)),
        _ => {}
    }
}

fn roots(e: &Expr, out: &mut Roots) {
    let r = match e {
        Expr::Payload(..) | Expr::Raw(..) | Expr::TcpOption(..) => Roots::PAYLOAD,
        Expr::Meta(k) => Roots::meta(k),
        Expr::Ct(..) => Roots::CT,
        Expr::SetRef(n) => Roots::set(n),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Range(a, b) => {
            roots(a, out);
            roots(b, out);
            return;
        }
        Expr::Concat(items) | Expr::Set(items) | Expr::List(items) => {
            items.iter().for_each(|i| roots(i, out));
            return;
        }
        Expr::Map(k, entries) => {
            roots(k, out);
            return entries.iter().for_each(|(a, b)| {
                roots(a, out);
                roots(b, out);
            });
        }
        Expr::Str(_) | Expr::Num(_) | Expr::Prefix(..) => return,
        // A fib lookup reads the packet's addresses (and the routing tables, which no rule
        // writes): as a payload read, so SYNPROXY's `fib saddr type != local` rules can merge.
        Expr::Fib(..) => Roots::PAYLOAD,
        Expr::Numgen(_) | Expr::Rt(_) => Roots::OTHER,
    };
    out.add(r);
}

/// Whether a packet this rule matches goes no further in the chain (nat statements end the nat
/// chain; `jump` comes back).
pub(super) fn is_terminal(s: &Stmt) -> bool {
    matches!(
        s,
        Stmt::Accept
            | Stmt::Drop
            | Stmt::Reject(_)
            | Stmt::Goto(_)
            | Stmt::Return
            | Stmt::Dnat { .. }
            | Stmt::Snat { .. }
            | Stmt::Masquerade { .. }
            | Stmt::Redirect { .. }
    )
}

/// What executing the statements can change, with what a `jump` target chain may change.
pub(super) fn writes(stmts: &[Stmt], chains: &FastMap<String, Roots>) -> Roots {
    let mut out = Roots::default();
    for s in stmts {
        match s {
            Stmt::Match(..)
            | Stmt::Accept
            | Stmt::Drop
            | Stmt::Return
            | Stmt::Reject(_)
            | Stmt::Log { .. }
            | Stmt::Limit { .. }
            | Stmt::Counter
            | Stmt::CounterNamed(_)
            | Stmt::Synproxy { .. } => {}
            Stmt::Jump(t) | Stmt::Goto(t) => {
                out.add(chains.get(t).copied().unwrap_or(Roots::OTHER));
            }
            Stmt::Notrack | Stmt::CtHelperSet(_) => out.add(Roots::CT),
            Stmt::MetaMarkSet(_) => out.add(Roots::meta("mark")),
            Stmt::Mangle(k, _) => roots(k, &mut out),
            Stmt::SetUpdate { set, .. }
            | Stmt::SetLimit { set, .. }
            | Stmt::Meter { set, .. }
            | Stmt::CtCount { set, .. } => out.add(Roots::set(set)),
            Stmt::Dnat { .. }
            | Stmt::Snat { .. }
            | Stmt::Masquerade { .. }
            | Stmt::Redirect { .. } => {
                out.add(Roots::PAYLOAD);
                out.add(Roots::CT);
            }
            Stmt::Vmap(_, entries) => {
                for (_, v) in entries {
                    out.add(writes(std::slice::from_ref(v), chains));
                }
            }
        }
    }
    out
}

/// The analysis of a rule's statements (`chains`: what each chain may write, for jumps).
pub(super) fn analyze(stmts: &[Stmt], chains: &FastMap<String, Roots>) -> Facts {
    let mut fields = Vec::new();
    let mut reads = Roots::default();
    for (i, s) in stmts.iter().enumerate() {
        match s {
            Stmt::Match(op, left, right) => {
                roots(left, &mut reads);
                roots(right, &mut reads);
                implied(left, &mut fields);
                // A connection is in exactly one state, so `ct state in {..}` is a membership test.
                let found = match (op, right) {
                    (Op::Eq, _) => atoms(left, right),
                    (Op::In, Expr::List(items)) if *left == Expr::Ct("state", None) => items
                        .iter()
                        .map(|i| atoms(left, i).and_then(|a| a.into_iter().next()))
                        .collect(),
                    _ => None,
                };
                if let Some(a) = found {
                    fields.push(Field {
                        left: left.clone(),
                        values: ValueSet::from_atoms(a),
                        stmt: Some(i),
                    });
                }
            }
            Stmt::Vmap(key, _) => roots(key, &mut reads),
            Stmt::SetLimit { set, key, .. } | Stmt::Meter { set, key, .. } => {
                roots(key, &mut reads);
                reads.add(Roots::set(set));
            }
            Stmt::CtCount { set, key, .. } => {
                roots(key, &mut reads);
                reads.add(Roots::set(set));
                reads.add(Roots::CT);
            }
            _ => {}
        }
    }
    let terminal = stmts.last().is_some_and(is_terminal);
    let mut actions = stmts.iter().filter(|s| !matches!(s, Stmt::Match(..)));
    let ends = match (actions.next(), actions.next()) {
        // A lookup in a set with per-element counters counts every packet it matches (ipset's
        // `counters`): which of two overlapping rules meets a packet first is then observable.
        _ if reads.any_set() => None,
        (Some(v @ (Stmt::Accept | Stmt::Drop | Stmt::Reject(_))), None) => Some(v.clone()),
        _ => None,
    };
    Facts {
        fields,
        reads,
        ends,
        writes: if terminal {
            Roots::default()
        } else {
            writes(stmts, chains)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(left: Expr, right: Expr) -> Stmt {
        Stmt::matches(left, right)
    }

    fn facts(stmts: &[Stmt]) -> Facts {
        analyze(stmts, &FastMap::default())
    }

    /// Overlapping rules that are nothing but the same plain verdict trade places; a different
    /// verdict, a log, or a set lookup (its elements may count packets) keeps them in order.
    #[test]
    fn rules_ending_alike_commute_unless_they_look_up_a_set() {
        let port =
            |p: u64, end: Stmt| facts(&[m(Expr::Payload("tcp", "dport"), Expr::Num(p)), end]);
        let src = |end: Stmt| facts(&[m(Expr::Payload("ip", "saddr"), Expr::s("192.0.2.1")), end]);
        assert!(port(22, Stmt::Drop).commutes(&src(Stmt::Drop)));
        assert!(!port(22, Stmt::Accept).commutes(&src(Stmt::Drop)));
        let logged = facts(&[
            m(Expr::Payload("ip", "saddr"), Expr::s("192.0.2.1")),
            Stmt::Log {
                prefix: "x".into(),
                level: None,
            },
            Stmt::Drop,
        ]);
        assert!(!port(22, Stmt::Drop).commutes(&logged));
        let counted = facts(&[
            m(Expr::Payload("ip", "saddr"), Expr::SetRef("blocked".into())),
            Stmt::Drop,
        ]);
        assert!(!port(23, Stmt::Drop).commutes(&counted));
    }

    #[test]
    fn different_ports_interfaces_and_states_are_disjoint() {
        let a = facts(&[
            m(Expr::Payload("tcp", "dport"), Expr::Num(80)),
            Stmt::Accept,
        ]);
        let b = facts(&[
            m(Expr::Payload("tcp", "dport"), Expr::Num(81)),
            Stmt::Accept,
        ]);
        assert!(a.disjoint(&b));
        let r = facts(&[
            m(
                Expr::Payload("tcp", "dport"),
                Expr::Range(Box::new(Expr::Num(1)), Box::new(Expr::Num(80))),
            ),
            Stmt::Accept,
        ]);
        assert!(!a.disjoint(&r));
        let lo = facts(&[m(Expr::Meta("iifname"), Expr::s("lo")), Stmt::Accept]);
        let eth = facts(&[m(Expr::Meta("iifname"), Expr::s("eth0")), Stmt::Accept]);
        let wild = facts(&[m(Expr::Meta("iifname"), Expr::s("eth*")), Stmt::Accept]);
        assert!(lo.disjoint(&eth));
        assert!(!lo.disjoint(&wild) && !eth.disjoint(&wild));
        let new = facts(&[Stmt::Match(
            Op::In,
            Expr::Ct("state", None),
            Expr::flags(&["new", "invalid"]),
        )]);
        let est = facts(&[Stmt::Match(
            Op::In,
            Expr::Ct("state", None),
            Expr::flags(&["established"]),
        )]);
        assert!(new.disjoint(&est));
        // `ct status` is a bit mask: two lists can both be present.
        let s1 = facts(&[Stmt::Match(
            Op::In,
            Expr::Ct("status", None),
            Expr::flags(&["dnat"]),
        )]);
        let s2 = facts(&[Stmt::Match(
            Op::In,
            Expr::Ct("status", None),
            Expr::flags(&["snat"]),
        )]);
        assert!(!s1.disjoint(&s2));
    }

    #[test]
    fn protocols_and_families_are_implied_by_payloads() {
        let tcp = facts(&[m(Expr::Payload("tcp", "dport"), Expr::Num(53))]);
        let udp = facts(&[m(Expr::Payload("udp", "dport"), Expr::Num(53))]);
        assert!(tcp.disjoint(&udp));
        let v4 = facts(&[m(Expr::Payload("ip", "saddr"), Expr::s("10.0.0.1"))]);
        let v6 = facts(&[m(Expr::Payload("ip6", "saddr"), Expr::s("::1"))]);
        assert!(v4.disjoint(&v6));
        let by_number = facts(&[m(Expr::Meta("l4proto"), Expr::Num(6))]);
        assert!(!tcp.disjoint(&by_number), "6 may be tcp");
    }

    #[test]
    fn prefixes_and_ranges_are_intervals() {
        let net = facts(&[m(
            Expr::Payload("ip", "saddr"),
            Expr::Prefix("10.0.0.0".into(), 8),
        )]);
        let inside = facts(&[m(Expr::Payload("ip", "saddr"), Expr::s("10.1.2.3"))]);
        let outside = facts(&[m(Expr::Payload("ip", "saddr"), Expr::s("11.0.0.1"))]);
        assert!(!net.disjoint(&inside));
        assert!(net.disjoint(&outside));
        let all = facts(&[m(
            Expr::Payload("ip6", "saddr"),
            Expr::Prefix("::".into(), 0),
        )]);
        let one = facts(&[m(Expr::Payload("ip6", "saddr"), Expr::s("2001:db8::1"))]);
        assert!(!all.disjoint(&one));
    }

    #[test]
    fn rules_that_change_what_another_reads_do_not_commute() {
        let set_mark = facts(&[
            m(Expr::Meta("iifname"), Expr::s("eth0")),
            Stmt::MetaMarkSet(Expr::Num(1)),
        ]);
        let read_mark = facts(&[
            m(Expr::Meta("iifname"), Expr::s("eth1")),
            m(Expr::Meta("mark"), Expr::Num(1)),
            Stmt::Accept,
        ]);
        assert!(set_mark.disjoint(&read_mark));
        assert!(!set_mark.commutes(&read_mark));
        // A terminal rule changes nothing later rules see.
        let set_and_accept = facts(&[
            m(Expr::Meta("iifname"), Expr::s("eth0")),
            Stmt::MetaMarkSet(Expr::Num(1)),
            Stmt::Accept,
        ]);
        assert!(set_and_accept.commutes(&read_mark));
        // A jump carries the writes of its target.
        let mut chains = FastMap::default();
        chains.insert("marker".to_string(), Roots::meta("mark"));
        let jump = analyze(
            &[
                m(Expr::Meta("iifname"), Expr::s("eth0")),
                Stmt::Jump("marker".into()),
            ],
            &chains,
        );
        assert!(!jump.commutes(&read_mark));
        let unknown = analyze(
            &[
                m(Expr::Meta("iifname"), Expr::s("eth0")),
                Stmt::Jump("elsewhere".into()),
            ],
            &FastMap::default(),
        );
        assert!(!unknown.commutes(&read_mark));
    }
}
