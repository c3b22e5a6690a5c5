//! A model [`Match`] to nft match statements, per address family and direction: the
//! statement-level matches here, the pure expression builders in `exprs`, the typed extra
//! parameters (marks, connlimit, hashlimit, ...) in `extras`.

mod exprs;
mod extras;

pub(super) use exprs::owner_match;
pub use exprs::{addr_expr, iface_expr, iface_name, port_expr, proto_match, tos_field};

use super::Lowerer;
use super::ip_proto;
use crate::model::ir::{ExtraKind, Families, Match};
use crate::model::values::{Addr, Af, Proto};
use crate::nft::json::{Expr, Op, Stmt};
use exprs::{addr_in_family, op, proto_name};

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

impl Lowerer<'_> {
    /// Match statements for `m` seen in direction `dir`, for family `af` (`None`: no address
    /// match is present and the rule serves both families). The protocol is NOT emitted here:
    /// services and ports decide it (see [`Lowerer::l4`]).
    pub(super) fn match_stmts(&mut self, m: &Match, af: Option<Af>, dir: Dir) -> Option<Vec<Stmt>> {
        let mut out = iface_stmts(m, dir);
        if let Some(af) = af {
            self.addr_stmts(m, af, dir, &mut out)?;
        }
        if dir == Dir::Request {
            out.extend(mac_stmt(m));
        }
        self.owner_mark_state_stmts(m, &mut out)?;
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

    /// The source and destination address matches of family `af` (`None` after an error).
    fn addr_stmts(&mut self, m: &Match, af: Af, dir: Dir, out: &mut Vec<Stmt>) -> Option<()> {
        let (src, dst) = match dir {
            Dir::Request => ("saddr", "daddr"),
            Dir::Reply => ("daddr", "saddr"),
        };
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
        Some(())
    }

    /// Owner (`uid`, `gid`), mark (`mark`, `connmark`) and conntrack state matches.
    fn owner_mark_state_stmts(&mut self, m: &Match, out: &mut Vec<Stmt>) -> Option<()> {
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
        Some(())
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

/// The interface matches of `m` seen in `dir` (replies swap the incoming and outgoing sides).
fn iface_stmts(m: &Match, dir: Dir) -> Vec<Stmt> {
    let (inf, outf) = match dir {
        Dir::Request => ("iifname", "oifname"),
        Dir::Reply => ("oifname", "iifname"),
    };
    let mut out = Vec::new();
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
    out
}

/// The source MAC match of `m` (FireHOL's `mac` parameter; the caller applies it to requests).
fn mac_stmt(m: &Match) -> Option<Stmt> {
    let c = m.mac.as_ref()?;
    let v: Vec<Expr> = c.values.iter().map(|m| Expr::s(m.to_string())).collect();
    let e = if v.len() == 1 {
        v[0].clone()
    } else {
        Expr::Set(v)
    };
    Some(Stmt::Match(
        op(c.negated),
        Expr::Payload("ether", "saddr"),
        e,
    ))
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
