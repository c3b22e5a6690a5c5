//! A model [`Match`] to nft match statements, per address family and direction: the
//! statement-level matches here, the pure expression builders in `exprs`, the typed extra
//! parameters (marks, connlimit, hashlimit, ...) in `extras`.

mod exprs;
mod extras;

pub(super) use exprs::owner_match;
pub use exprs::{addr_expr, iface_expr, iface_name, port_expr, proto_match, tos_field};

use super::Lowerer;
use super::ip_proto;
use crate::model::ir::{Families, Match};
use crate::model::values::{Addr, Af, Proto};
use crate::nft::json::{Expr, Op, Stmt};
use exprs::{op, proto_name};

/// Which way a rule looks at the statement's parameters: FireHOL writes them for the request;
/// replies (and the out side of sections) swap source and destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Request,
    Reply,
}

/// The families a statement's rules are made for (see [`Match::rule_families`]).
pub fn rule_families(fams: Families, m: &Match) -> Vec<Option<Af>> {
    m.rule_families(fams)
}

impl Lowerer<'_> {
    /// Match statements for `m` seen in direction `dir`, for family `af` (`None`: no address
    /// match is present and the rule serves both families). The protocol is NOT emitted here:
    /// services and ports decide it (see [`Lowerer::l4`]).
    pub(super) fn match_stmts(&mut self, m: &Match, af: Option<Af>, dir: Dir) -> Option<Vec<Stmt>> {
        self.match_stmts_for(m, af, dir, dir == Dir::Request)
    }

    /// [`Lowerer::match_stmts`] for a rule that is (`request`) or is not a request of its flow,
    /// whichever way its chain sees the addresses (a group's conditions in the other section
    /// chain, a client's request leaving through `out_`).
    pub(super) fn match_stmts_for(
        &mut self,
        m: &Match,
        af: Option<Af>,
        dir: Dir,
        request: bool,
    ) -> Option<Vec<Stmt>> {
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
            && request
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
            // `ipset:NAME`: a lookup in the set. A negated list is one condition per value; a
            // list of alternatives was split into rules (`Match::alternatives`) where it can be.
            let (sets, plain): (Vec<&Addr>, Vec<&Addr>) =
                c.values.iter().partition(|a| matches!(a, Addr::Ipset(_)));
            if !sets.is_empty() && (c.negated || (plain.is_empty() && sets.len() == 1)) {
                for s in &sets {
                    let Addr::Ipset(name) = s else { continue };
                    let src = field == "saddr";
                    let lookup = self.set_lookup(name, &[src], Some(af), Dir::Request, c.negated);
                    out.extend(lookup?);
                }
                if plain.is_empty() {
                    continue;
                }
            }
            // Sets among plain alternatives left here: addr_expr says so.
            let plain: Vec<Addr> = plain.into_iter().cloned().collect();
            let values = if sets.is_empty() || !c.negated {
                &c.values
            } else {
                &plain
            };
            match addr_expr(values, af) {
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
