//! A model [`Match`] to nft match statements, per address family and direction.

use super::Lowerer;
use super::ip_proto;
use crate::model::ir::{Cond, Connlimit, Extra, ExtraKind, Families, HashMode, Hashlimit, Match};
use crate::model::values::{Addr, Af, IpList, Owner, Port, Proto, parse_addr};
use crate::nft::json::{Expr, Op, Set, Stmt};
use crate::nft::lower::set_addr_type;
use crate::span::Span;

/// Which way a rule looks at the statement's parameters: FireHOL writes them for the request;
/// replies (and the out side of sections) swap source and destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Request,
    Reply,
}

/// Like [`rule_families`], but also splits per family when the match has a parameter whose nft
/// expression depends on the family (TOS/DSCP fields, hashlimit keys on addresses, fhc's own
/// per-family trap sets): one nft rule cannot read `ip` and `ip6` fields at once.
pub fn rule_families(fams: Families, m: &Match) -> Vec<Option<Af>> {
    // Per family, only that family's conditions count: `src4` must not veto IPv6 rules.
    let any_addr = [&m.src, &m.dst, &m.src4, &m.src6, &m.dst4, &m.dst6]
        .iter()
        .any(|c| c.as_ref().is_some_and(|c| !c.values.is_empty()));
    let per: Vec<Option<Af>> = if !any_addr && fams.v4 && fams.v6 {
        vec![None]
    } else {
        fams.iter()
            .filter(|&af| {
                [m.src_for(af), m.dst_for(af)]
                    .into_iter()
                    .flatten()
                    .all(|c| {
                        c.values.is_empty()
                            || c.negated
                            || c.values.iter().any(|a| addr_in_family(a, af))
                    })
            })
            .map(Some)
            .collect()
    };
    if per == [None] && needs_family(m) {
        fams.iter().map(Some).collect()
    } else {
        per
    }
}

/// Whether a match needs a rule per family (see [`rule_families`]).
pub fn needs_family(m: &Match) -> bool {
    m.extras.iter().any(|x| match &x.kind {
        ExtraKind::Tos { .. } | ExtraKind::Dscp(_) | ExtraKind::Ipset { .. } => true,
        ExtraKind::Hashlimit(h) => h.modes.iter().any(|m| m.is_addr()),
        _ => false,
    }) || m.connlimit.is_some()
}

fn addr_in_family(a: &Addr, af: Af) -> bool {
    match a {
        Addr::List(_) | Addr::Ipset(_) | Addr::Host(_) => true,
        _ => a.family() == Some(af),
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
                for n in IpList::networks(*l, af) {
                    if let Ok(Addr::Net(ip, len)) = parse_addr(n) {
                        out.push(Expr::Prefix(network(&ip, len), len));
                    }
                }
            }
            Addr::Ipset(_) | Addr::Host(_) => {
                return Err(a.static_limit().unwrap_or_default());
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
            let m = if len == 0 {
                0
            } else {
                u32::MAX << (32 - len as u32)
            };
            std::net::Ipv4Addr::from(u32::from(*v) & m).to_string()
        }
        std::net::IpAddr::V6(v) => {
            let m = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len as u32)
            };
            std::net::Ipv6Addr::from(u128::from(*v) & m).to_string()
        }
    }
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
    match i.name.strip_suffix('+') {
        Some(base) => format!("{base}*"),
        None => i.name.clone(),
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

fn op(negated: bool) -> Op {
    if negated { Op::Ne } else { Op::Eq }
}

impl Lowerer<'_> {
    /// Match statements for `m` seen in direction `dir`, for family `af` (`None`: no address
    /// match is present and the rule serves both families). The protocol is NOT emitted here:
    /// services and ports decide it (see [`Lowerer::l4`]).
    pub(super) fn match_stmts(&mut self, m: &Match, af: Option<Af>, dir: Dir) -> Option<Vec<Stmt>> {
        let mut out = Vec::new();
        let (src, dst, inf, outf) = match dir {
            Dir::Request => ("saddr", "daddr", "iifname", "oifname"),
            Dir::Reply => ("daddr", "saddr", "oifname", "iifname"),
        };
        if let Some(c) = &m.inface {
            out.push(Stmt::Match(
                op(c.negated),
                Expr::Meta(inf),
                iface_expr(&c.values),
            ));
        }
        if let Some(c) = &m.outface {
            out.push(Stmt::Match(
                op(c.negated),
                Expr::Meta(outf),
                iface_expr(&c.values),
            ));
        }
        if let Some(af) = af {
            for (cond, field) in [(m.src_for(af), src), (m.dst_for(af), dst)] {
                let Some(c) = cond else { continue };
                // `ipset:NAME` naming a set fhc creates itself (a trap).
                if let [Addr::Ipset(name)] = &c.values[..]
                    && let Some((set, ip)) = self.own_set(name, Some(af))
                {
                    out.push(Stmt::Match(
                        op(c.negated),
                        Expr::Payload(ip, field),
                        Expr::SetRef(set),
                    ));
                    continue;
                }
                match addr_expr(&c.values, af) {
                    Ok(Some(e)) => out.push(Stmt::Match(
                        op(c.negated),
                        Expr::Payload(ip_proto(af), field),
                        e,
                    )),
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
            let v: Vec<Expr> = c.values.iter().map(|m| Expr::s(m.to_string())).collect();
            let e = if v.len() == 1 {
                v[0].clone()
            } else {
                Expr::Set(v)
            };
            out.push(Stmt::Match(
                op(c.negated),
                Expr::Payload("ether", "saddr"),
                e,
            ));
        }
        for (cond, key) in [(&m.uid, "skuid"), (&m.gid, "skgid")] {
            if let Some(c) = cond {
                out.push(owner_match(key, &c.values, c.negated));
            }
        }
        // FireHOL matches `mark` and `connmark` on the packet mark (`-m mark`), each in its bit
        // field of the mark layout; the connmark group reaches later packets through the
        // save/restore rules (see helpers.rs).
        for (cond, group) in [(&m.mark, "usermark"), (&m.connmark, "connmark")] {
            if let Some(c) = cond {
                out.push(self.mark_match(group, &c.values, c.negated)?);
            }
        }
        if let Some(c) = &m.state {
            let e = Expr::flags(&c.values.iter().map(|s| s.name()).collect::<Vec<_>>());
            out.push(Stmt::Match(
                if c.negated { Op::Ne } else { Op::In },
                Expr::Ct("state", None),
                e,
            ));
        }
        // FireHOL also puts connlimit on the reply rule, keyed on the reply's source (this
        // host): every connection then counts under one key, and replies are cut off once the
        // service has N connections in all. Like `limit`, fhc limits the requests only.
        if let Some(c) = &m.connlimit
            && dir == Dir::Request
        {
            out.push(self.connlimit(c, af)?);
        }
        for x in &m.extras {
            let st = self.extra_stmts(x, af, dir)?;
            out.extend(st);
        }
        Some(out)
    }

    /// `meta mark & MASK == VALUE << SHIFT` for values of a mark group.
    /// A mark match in its group's bits. The model checked the values against the layout.
    fn mark_match(&mut self, group: &str, values: &[u64], negated: bool) -> Option<Stmt> {
        let def = self.model.marks.iter().find(|d| d.name == group).cloned()?;
        let mut v: Vec<Expr> = values.iter().map(|n| Expr::Num(n << def.shift)).collect();
        v.sort();
        v.dedup();
        let e = if v.len() == 1 {
            v[0].clone()
        } else {
            Expr::Set(v)
        };
        self.marks_used = true;
        Some(Stmt::Match(
            op(negated),
            Expr::And(
                Box::new(Expr::Meta("mark")),
                Box::new(Expr::Num(def.mask() as u64)),
            ),
            e,
        ))
    }

    /// The statements of a typed parameter beyond the main fields.
    fn extra_stmts(&mut self, x: &Extra, af: Option<Af>, dir: Dir) -> Option<Vec<Stmt>> {
        let neg = x.negated;
        let one = |v: Vec<Expr>| {
            if v.len() == 1 {
                v[0].clone()
            } else {
                Expr::Set(v)
            }
        };
        let per_family = |what: &str| {
            format!(
                "`{what}` in a rule for both families (internal: the rule was not split per family)"
            )
        };
        Some(match &x.kind {
            ExtraKind::Custommark { group, values } => {
                vec![self.mark_match(group, values, neg)?]
            }
            ExtraKind::Rawmark { value, mask } => {
                let left = if *mask == 0xffff_ffff {
                    Expr::Meta("mark")
                } else {
                    Expr::And(Box::new(Expr::Meta("mark")), Box::new(Expr::Num(*mask)))
                };
                vec![Stmt::Match(op(neg), left, Expr::Num(value & mask))]
            }
            ExtraKind::Tos { values, mask } => {
                // `-m tos --tos V[/M]`: the whole TOS byte (IPv4) or traffic class (IPv6), mask
                // 0xff for numbers and 0x3f (ECN bits excluded) for the symbolic names.
                let Some(af) = af else {
                    self.error(x.span, per_family("tos"));
                    return None;
                };
                let v = values.iter().map(|n| Expr::Num(n & mask)).collect();
                let field = tos_field(af);
                let left = if *mask == 0xff {
                    field
                } else {
                    Expr::And(Box::new(field), Box::new(Expr::Num(*mask)))
                };
                vec![ip_version(af), Stmt::Match(op(neg), left, one(v))]
            }
            ExtraKind::Dscp(values) => {
                let Some(af) = af else {
                    self.error(x.span, per_family("dscp"));
                    return None;
                };
                let v = values.iter().map(|n| Expr::Num(*n)).collect();
                vec![Stmt::Match(
                    op(neg),
                    Expr::Payload(ip_proto(af), "dscp"),
                    one(v),
                )]
            }
            ExtraKind::Helper(names) => {
                let v = names.iter().map(|h| Expr::s(h.clone())).collect();
                vec![Stmt::Match(op(neg), Expr::Ct("helper", None), one(v))]
            }
            ExtraKind::AddrType { src, types } => {
                // `-m addrtype`: the kernel's route type of the address; swapped for replies.
                let src = *src == (dir == Dir::Request);
                let v = types.iter().map(|t| Expr::s(*t)).collect();
                vec![Stmt::Match(
                    op(neg),
                    Expr::Fib("type", vec![if src { "saddr" } else { "daddr" }]),
                    one(v),
                )]
            }
            ExtraKind::Hashlimit(h) => self.hashlimit(h, x.span, af)?,
            ExtraKind::Ipset { name, src } => {
                let (set, ip) = self.own_set(name, af)?;
                let field = if *src == (dir == Dir::Request) {
                    "saddr"
                } else {
                    "daddr"
                };
                vec![Stmt::Match(
                    op(neg),
                    Expr::Payload(ip, field),
                    Expr::SetRef(set),
                )]
            }
            ExtraKind::Accounting(name) => {
                self.add_counter(name);
                vec![Stmt::CounterNamed(name.clone())]
            }
        })
    }

    /// `connlimit`: connections per source (or destination) address or network, counted in a
    /// set of its own per statement and family (iptables keeps a table per rule too).
    fn connlimit(&mut self, c: &Connlimit, af: Option<Af>) -> Option<Stmt> {
        let Some(af) = af else {
            self.error(
                c.span,
                "connlimit in a rule for both families (internal: not split)".into(),
            );
            return None;
        };
        let full = if af == Af::V4 { 32 } else { 128 };
        let field = if c.daddr { "daddr" } else { "saddr" };
        let e = Expr::Payload(ip_proto(af), field);
        let key = match c.mask.filter(|len| *len < full) {
            Some(len) => Expr::And(Box::new(e), Box::new(Expr::s(prefix_mask(af, len)))),
            None => e,
        };
        let n = match self.connlimits.iter().position(|s| *s == c.span) {
            Some(i) => i + 1,
            None => {
                self.connlimits.push(c.span);
                self.connlimits.len()
            }
        };
        let set = format!("connlimit.{n}.{}", if af == Af::V4 { "v4" } else { "v6" });
        self.add_set(Set {
            name: set.clone(),
            kind: vec![set_addr_type(af)],
            flags: vec![],
            timeout: None,
            size: Some(65535),
        });
        Some(Stmt::CtCount {
            set,
            key,
            val: c.n,
            over: c.above,
        })
    }

    /// One of fhc's own sets (a trap's) for family `af` (the model checked it exists).
    fn own_set(&self, name: &str, af: Option<Af>) -> Option<(String, &'static str)> {
        let af = af?;
        crate::model::own_set(&self.own_sets, name, af).map(|n| (n, ip_proto(af)))
    }

    /// A per-key token bucket in a named dynamic set (FireHOL shares the table between the rules
    /// that name it, and so do the sets). `upto` passes while the key is under the rate, `above`
    /// once it is over.
    fn hashlimit(&mut self, h: &Hashlimit, span: Span, af: Option<Af>) -> Option<Vec<Stmt>> {
        let mut key = Vec::new();
        let mut kinds = Vec::new();
        for m in &h.modes {
            match m {
                HashMode::SrcIp | HashMode::DstIp => {
                    let Some(af) = af else {
                        self.error(span, "hashlimit on addresses in a rule for both families (internal: not split)".into());
                        return None;
                    };
                    let full = if af == Af::V4 { 32 } else { 128 };
                    let (field, mask) = if *m == HashMode::SrcIp {
                        ("saddr", h.srcmask)
                    } else {
                        ("daddr", h.dstmask)
                    };
                    let e = Expr::Payload(ip_proto(af), field);
                    key.push(match mask.filter(|len| *len < full) {
                        Some(len) => {
                            Expr::And(Box::new(e), Box::new(Expr::s(prefix_mask(af, len))))
                        }
                        None => e,
                    });
                    kinds.push(set_addr_type(af));
                }
                HashMode::SrcPort | HashMode::DstPort => {
                    let field = if *m == HashMode::SrcPort {
                        "sport"
                    } else {
                        "dport"
                    };
                    key.push(Expr::Payload("th", field));
                    kinds.push("inet_service");
                }
            }
        }
        let set = match af {
            Some(a) if h.modes.iter().any(|m| m.is_addr()) => {
                format!("{}{}", h.name, if a == Af::V4 { "4" } else { "6" })
            }
            _ => h.name.clone(),
        };
        // nft makes the set dynamic itself when a rule updates it (nft 1.0.6 JSON has no
        // `dynamic` flag).
        self.add_set(Set {
            name: set.clone(),
            kind: kinds,
            flags: vec![],
            timeout: None,
            size: None,
        });
        let key = if key.len() == 1 {
            key.pop().unwrap_or(Expr::Num(0))
        } else {
            Expr::Concat(key)
        };
        Some(vec![Stmt::SetLimit {
            set,
            key,
            limit: Box::new(Stmt::Limit {
                rate: h.rate.n,
                per: h.rate.per.name().into(),
                burst: Some(h.burst),
                over: h.over,
            }),
        }])
    }

    /// Protocol and port matches. `proto` None means "any protocol".
    pub(super) fn l4(
        &self,
        proto: Option<&Proto>,
        sport: Option<(&Expr, bool)>,
        dport: Option<(&Expr, bool)>,
    ) -> Vec<Stmt> {
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
            out.push(Stmt::matches(
                Expr::Meta("l4proto"),
                Expr::Set(vec![Expr::s("tcp"), Expr::s("udp")]),
            ));
        }
        if let Some((e, neg)) = sport {
            out.push(Stmt::Match(
                op(neg),
                Expr::Payload(payload, "sport"),
                e.clone(),
            ));
        }
        if let Some((e, neg)) = dport {
            out.push(Stmt::Match(
                op(neg),
                Expr::Payload(payload, "dport"),
                e.clone(),
            ));
        }
        out
    }
}

/// `ip version 4` / `ip6 version 6`: the family dependency of a raw payload match.
fn ip_version(af: Af) -> Stmt {
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
pub(super) fn owner_match(key: &'static str, owners: &[Owner], negated: bool) -> Stmt {
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

/// A rule made for one family (`af`) must say so when none of its matches does (an `ip`/`ip6`
/// address, or `meta nfproto`): in the inet table it would otherwise see both families, as when a
/// dual-stack statement's `src4` is `any` and only its `src6` narrows the IPv6 rule.
pub(super) fn family_guard(stmts: &mut Vec<Stmt>, af: Option<Af>) {
    let Some(af) = af else { return };
    let says = stmts.iter().any(|x| {
        matches!(
            x,
            Stmt::Match(_, Expr::Payload("ip" | "ip6", _), _)
                | Stmt::Match(_, Expr::Meta("nfproto"), _)
        )
    });
    if !says {
        stmts.insert(0, super::nfproto(af));
    }
}
