//! A model [`Match`] to nft match statements, per address family and direction.

use super::Lowerer;
use crate::model::ir::{Cond, Families, Match, RawParam};
use crate::model::values::{
    Addr, Af, IpList, Owner, Port, Proto, dscp_class, parse_addr, parse_num, parse_rate, parse_tos,
};
use crate::nft::json::{Expr, Op, Set, Stmt};

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
    m.other.iter().any(|r| match r.keyword.as_str() {
        "tos" | "dscp" | "ipset" => true,
        "hashlimit" => hashlimit_mode(&r.values).iter().any(|k| k.ends_with("ip")),
        _ => false,
    })
}

/// The `mode` of a hashlimit (FireHOL's default: `srcip,dstport`).
fn hashlimit_mode(values: &[String]) -> Vec<String> {
    let mode = values
        .iter()
        .position(|v| v == "mode")
        .and_then(|i| values.get(i + 1));
    mode.map(|m| m.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| vec!["srcip".into(), "dstport".into()])
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
    let mut v: Vec<Expr> = values
        .iter()
        .map(|i| {
            Expr::s(if let Some(base) = i.name.strip_suffix('+') {
                format!("{base}*")
            } else {
                i.name.clone()
            })
        })
        .collect();
    if v.len() == 1 {
        v.pop().unwrap_or(Expr::s(""))
    } else {
        Expr::Set(v)
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
    pub(super) fn match_stmts(
        &mut self,
        m: &Match,
        af: Option<Af>,
        dir: Dir,
        span: crate::span::Span,
    ) -> Option<Vec<Stmt>> {
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
        if let Some((vals, sp)) = &m.connlimit {
            let above = vals.first().is_some_and(|v| v == "above");
            match vals.get(1).and_then(|v| v.parse::<u64>().ok()) {
                Some(n) => out.push(Stmt::CtCount {
                    val: n,
                    over: above,
                }),
                None => {
                    self.error(*sp, "connlimit needs `upto N` or `above N`".into());
                    return None;
                }
            }
        }
        for raw in &m.other {
            let st = self.raw_param(raw, af, dir, &m.proto)?;
            out.extend(st);
        }
        let _ = span;
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

    /// The rule parameters kept as written in the model.
    fn raw_param(
        &mut self,
        raw: &RawParam,
        af: Option<Af>,
        dir: Dir,
        proto: &Option<Cond<Proto>>,
    ) -> Option<Vec<Stmt>> {
        let sp = raw.span;
        let neg = raw.negated;
        let vals: Vec<&str> = raw
            .values
            .iter()
            .flat_map(|v| v.split([' ', ',']))
            .filter(|v| !v.is_empty())
            .collect();
        let one = |v: Vec<Expr>| {
            if v.len() == 1 {
                v[0].clone()
            } else {
                Expr::Set(v)
            }
        };
        Some(match raw.keyword.as_str() {
            "custommark" => {
                let group = raw.values.first().cloned().unwrap_or_default();
                let values: Vec<u64> = raw
                    .values
                    .iter()
                    .skip(1)
                    .flat_map(|v| v.split([' ', ',']))
                    .filter_map(parse_num)
                    .collect();
                vec![self.mark_match(&group, &values, neg)?]
            }
            "rawmark" => {
                let text = raw.values.first().cloned().unwrap_or_default();
                let (v, mask) = match text.split_once('/') {
                    Some((v, m)) => (parse_num(v), parse_num(m)),
                    None => (parse_num(&text), Some(0xffff_ffff)),
                };
                let (Some(v), Some(mask)) = (v, mask) else {
                    self.error(sp, format!("`{text}` is not a mark VALUE[/MASK]"));
                    return None;
                };
                let left = if mask == 0xffff_ffff {
                    Expr::Meta("mark")
                } else {
                    Expr::And(Box::new(Expr::Meta("mark")), Box::new(Expr::Num(mask)))
                };
                vec![Stmt::Match(op(neg), left, Expr::Num(v & mask))]
            }
            "tos" => {
                // `-m tos --tos V[/M]`: the whole TOS byte (IPv4) or traffic class (IPv6), mask
                // 0xff for numbers and 0x3f (ECN bits excluded) for the symbolic names.
                let Some(af) = af else {
                    self.error(sp, "`tos` in a rule for both families (internal: the rule was not split per family)".into());
                    return None;
                };
                let mut v = Vec::new();
                let mut mask = None;
                for t in &vals {
                    let Some(crate::model::values::Tos { value: n, mask: m }) = parse_tos(t) else {
                        self.error(sp, format!("`{t}` is not a TOS value (a number, VALUE/MASK or a TOS name such as Minimize-Delay)"));
                        return None;
                    };
                    if mask.is_some_and(|x| x != m) {
                        self.error(
                            sp,
                            "TOS values with different masks cannot be matched together".into(),
                        );
                        return None;
                    }
                    mask = Some(m);
                    v.push(Expr::Num(n & m));
                }
                let mask = mask.unwrap_or(0xff);
                let field = tos_field(af);
                let left = if mask == 0xff {
                    field
                } else {
                    Expr::And(Box::new(field), Box::new(Expr::Num(mask)))
                };
                vec![ip_version(af), Stmt::Match(op(neg), left, one(v))]
            }
            "dscp" => {
                let Some(af) = af else {
                    self.error(sp, "`dscp` in a rule for both families (internal: the rule was not split per family)".into());
                    return None;
                };
                let class = vals
                    .first()
                    .is_some_and(|v| v.eq_ignore_ascii_case("class"));
                let mut v = Vec::new();
                for t in vals.iter().skip(usize::from(class)) {
                    let n = if class {
                        dscp_class(t)
                    } else {
                        parse_num(t).filter(|n| *n < 64)
                    };
                    match n {
                        Some(n) => v.push(Expr::Num(n)),
                        None => {
                            self.error(
                                sp,
                                format!(
                                    "`{t}` is not a DSCP {}",
                                    if class {
                                        "class (CS0-CS7, AF11-AF43, EF)"
                                    } else {
                                        "value (0-63)"
                                    }
                                ),
                            );
                            return None;
                        }
                    }
                }
                vec![Stmt::Match(
                    op(neg),
                    Expr::Payload(ip_proto(af), "dscp"),
                    one(v),
                )]
            }
            "helper" => {
                let v = vals
                    .iter()
                    .map(|h| Expr::s(h.to_ascii_lowercase()))
                    .collect();
                vec![Stmt::Match(op(neg), Expr::Ct("helper", None), one(v))]
            }
            "srctype" | "dsttype" => {
                // `-m addrtype`: the kernel's route type of the address; swapped for replies.
                let src = (raw.keyword == "srctype") == (dir == Dir::Request);
                let mut v = Vec::new();
                for t in &vals {
                    match addr_type(t) {
                        Some(x) => v.push(Expr::s(x)),
                        None => {
                            self.error(sp, format!("`{t}` is not an address type (UNICAST, LOCAL, BROADCAST, ANYCAST, MULTICAST, BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT, XRESOLVE)"));
                            return None;
                        }
                    }
                }
                v.sort();
                v.dedup();
                vec![Stmt::Match(
                    op(neg),
                    Expr::Fib("type", vec![if src { "saddr" } else { "daddr" }]),
                    one(v),
                )]
            }
            "hashlimit" => self.hashlimit(raw, af, proto.clone())?,
            "physin" | "physout" => {
                self.error(
                    sp,
                    format!(
                        "`{}` matches the bridge port of bridged packets (iptables' physdev); nftables has no such match in the inet family (`meta ibrname`/`obrname` name the bridge, not its port, and exist only in the bridge family)",
                        raw.keyword
                    ),
                );
                return None;
            }
            "ipset" => {
                let name = raw.values.first().cloned().unwrap_or_default();
                let flags = raw.values.get(1).cloned().unwrap_or_default();
                let rest: Vec<&String> = raw.values.iter().skip(2).collect();
                match (self.own_set(&name, af), flags.as_str(), rest.is_empty()) {
                    (Some((set, ip)), "src" | "dst", true) => {
                        let field = if (flags == "src") == (dir == Dir::Request) {
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
                    _ => {
                        self.error(sp, format!("`ipset {name}` refers to a kernel ipset, which nftables cannot match (only sets fhc itself creates, for traps, can be used; define the addresses in the configuration)"));
                        return None;
                    }
                }
            }
            "acct" => {
                let name = raw.values.first().cloned().unwrap_or_default();
                self.add_counter(&name);
                vec![Stmt::CounterNamed(name)]
            }
            kw @ ("custom" | "custom-in" | "custom-out") => {
                self.error(
                    sp,
                    format!(
                        "`{kw}` passes raw iptables options, which cannot be translated to nftables"
                    ),
                );
                return None;
            }
            // Modifiers FireHOL uses internally; their meaning is already part of the model.
            "nolog" | "softwarnings" | "nosoftwarnings" | "optimal" | "accurate" => vec![],
            kw => {
                self.error(
                    sp,
                    format!("`{kw}` is an internal FireHOL parameter that fhc cannot translate"),
                );
                return None;
            }
        })
    }

    /// A set fhc created (iptrap/ipuntrap/sockets_suspects_trap) usable for family `af`:
    /// `NAME`, or `NAME4`/`NAME6` when the trap was defined for both families.
    fn own_set(&self, name: &str, af: Option<Af>) -> Option<(String, &'static str)> {
        let af = af?;
        let want = if af == Af::V4 {
            "ipv4_addr"
        } else {
            "ipv6_addr"
        };
        let sfx = if af == Af::V4 { "4" } else { "6" };
        [name.to_string(), format!("{name}{sfx}")]
            .into_iter()
            .find(|n| self.set_kind(n).is_some_and(|k| k == [want]))
            .map(|n| (n, ip_proto(af)))
    }

    /// `hashlimit NAME upto|above RATE [burst B] [mode M] [srcmask P] [dstmask P] [htable-*]`:
    /// a per-key token bucket in a named dynamic set (FireHOL shares the table between the rules
    /// that name it, and so do the sets). `upto` passes while the key is under the rate, `above`
    /// once it is over. The `htable-*` options size and expire the kernel's hash table: nft sets
    /// grow to their size and the element of an idle key keeps its refilled bucket, so they do
    /// not change which packets match (they are not translated).
    fn hashlimit(
        &mut self,
        raw: &RawParam,
        af: Option<Af>,
        m_proto: Option<Cond<Proto>>,
    ) -> Option<Vec<Stmt>> {
        let v = &raw.values;
        let sp = raw.span;
        let name = v.first().cloned().unwrap_or_default();
        let over = match v.get(1).map(String::as_str) {
            Some("upto") => false,
            Some("above") => true,
            _ => {
                self.error(
                    sp,
                    "hashlimit needs `upto RATE` or `above RATE` after its name".into(),
                );
                return None;
            }
        };
        let Some(crate::model::values::Rate { n: rate, per }) =
            v.get(2).and_then(|r| parse_rate(r))
        else {
            self.error(
                sp,
                format!(
                    "`{}` is not a rate such as 10/sec",
                    v.get(2).cloned().unwrap_or_default()
                ),
            );
            return None;
        };
        let opt = |k: &str| {
            v.iter()
                .position(|x| x.eq_ignore_ascii_case(k))
                .and_then(|i| v.get(i + 1))
        };
        let burst = match opt("burst") {
            Some(b) => match b.parse::<u64>() {
                Ok(b) => b,
                Err(_) => {
                    self.error(sp, format!("`{b}` is not a burst"));
                    return None;
                }
            },
            None => 5, // xt_hashlimit's default
        };
        let mask = |k: &str, full: u8| -> Result<Option<u8>, String> {
            match opt(k) {
                None => Ok(None),
                Some(p) => match p.parse::<u8>() {
                    Ok(n) if n <= full => Ok((n < full).then_some(n)),
                    _ => Err(format!("`{p}` is not a prefix length for `{k}`")),
                },
            }
        };
        let mut key = Vec::new();
        let mut kinds = Vec::new();
        for m in hashlimit_mode(v) {
            match m.as_str() {
                "srcip" | "dstip" => {
                    let Some(af) = af else {
                        self.error(sp, "hashlimit on addresses in a rule for both families (internal: not split)".into());
                        return None;
                    };
                    let full = if af == Af::V4 { 32 } else { 128 };
                    let field = if m == "srcip" { "saddr" } else { "daddr" };
                    let e = Expr::Payload(ip_proto(af), field);
                    let e = match mask(if m == "srcip" { "srcmask" } else { "dstmask" }, full) {
                        Ok(Some(len)) => {
                            Expr::And(Box::new(e), Box::new(Expr::s(prefix_mask(af, len))))
                        }
                        Ok(None) => e,
                        Err(msg) => {
                            self.error(sp, msg);
                            return None;
                        }
                    };
                    key.push(e);
                    kinds.push(if af == Af::V4 {
                        "ipv4_addr"
                    } else {
                        "ipv6_addr"
                    });
                }
                "srcport" | "dstport" => {
                    key.push(Expr::Payload(
                        "th",
                        if m == "srcport" { "sport" } else { "dport" },
                    ));
                    kinds.push("inet_service");
                }
                other => {
                    self.error(
                        sp,
                        format!(
                            "`{other}` is not a hashlimit mode (srcip, srcport, dstip, dstport)"
                        ),
                    );
                    return None;
                }
            }
        }
        let mut stmts = Vec::new();
        // xt_hashlimit keys protocols without ports on port 0; nft's `th` ports would read other
        // header bytes (the ICMP type and checksum), so a port mode needs a port protocol.
        if kinds.contains(&"inet_service")
            && let Some(c) = &m_proto
            && (c.negated
                || c.values
                    .iter()
                    .any(|p| !matches!(p, Proto::Tcp | Proto::Udp)))
        {
            self.error(
                sp,
                "hashlimit on ports for a protocol without ports: nft would key on other header bytes (use a mode without srcport/dstport)"
                    .into(),
            );
            return None;
        }
        let set = match af {
            Some(a) if kinds.iter().any(|k| k.starts_with("ipv")) => {
                format!("{name}{}", if a == Af::V4 { "4" } else { "6" })
            }
            _ => name.clone(),
        };
        if let Some(k) = self.set_kind(&set)
            && k != kinds
        {
            self.error(sp, format!("hashlimit `{name}` is used with different modes; FireHOL shares one table per name"));
            return None;
        }
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
        stmts.push(Stmt::SetLimit {
            set,
            key,
            limit: Box::new(Stmt::Limit {
                rate,
                per: per.name().into(),
                burst: Some(burst),
                over,
            }),
        });
        Some(stmts)
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

/// iptables addrtype names to nft `fib ... type` values.
fn addr_type(s: &str) -> Option<&'static str> {
    Some(match s.to_ascii_uppercase().as_str() {
        "UNSPEC" => "unspec",
        "UNICAST" => "unicast",
        "LOCAL" => "local",
        "BROADCAST" => "broadcast",
        "ANYCAST" => "anycast",
        "MULTICAST" => "multicast",
        "BLACKHOLE" => "blackhole",
        "UNREACHABLE" => "unreachable",
        "PROHIBIT" => "prohibit",
        "THROW" => "throw",
        "NAT" => "nat",
        "XRESOLVE" => "xresolve",
        _ => return None,
    })
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
