//! dnat / snat / redirect / masquerade / transparent proxies.

use super::Lowerer;
use super::ip_proto;
use super::matches::{Dir, family_guard, owner_match, port_expr, rule_families};
use crate::model::ir::{Cond, Families, Match, Nat, NatKind, NatTarget, SectionKind};
use crate::model::values::{Addr, Af, Hook, Iface, Owner, Proto, af_of};
use crate::nft::json::{Expr, Op, Stmt};
use crate::span::Span;

/// A NAT target's address as nft writes it: one address, or a range. With a family, only an
/// address of that family counts (a dual-stack NAT statement gets a rule per family); synproxy
/// passes none, its targets being of its own family (the model reports others, E0112).
pub(super) fn target_addr(t: &NatTarget, af: Option<Af>) -> Option<Expr> {
    match &t.addr {
        Some(Addr::Net(ip, _)) if af.is_none_or(|af| af_of(ip) == af) => {
            Some(Expr::s(ip.to_string()))
        }
        Some(Addr::Range(a, b)) if af.is_none_or(|af| af_of(a) == af) => Some(Expr::Range(
            Box::new(Expr::s(a.to_string())),
            Box::new(Expr::s(b.to_string())),
        )),
        _ => None,
    }
}

/// A NAT target's port, if it gives one.
pub(super) fn target_port(t: &NatTarget) -> Option<Expr> {
    t.port.as_ref().map(|p| port_expr(std::slice::from_ref(p)))
}

/// The flags of a NAT statement (`persistent`, `random`).
pub(super) fn nat_flags(persistent: bool, random: bool) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if persistent {
        flags.push("persistent");
    }
    if random {
        flags.push("random");
    }
    flags
}

/// `numgen inc mod N map { 0 : A0, 1 : A1, ... }`: several NAT targets taken in turn.
pub(super) fn numgen_map(addrs: Vec<Expr>) -> Expr {
    let n = addrs.len() as u32;
    let entries = addrs
        .into_iter()
        .enumerate()
        .map(|(i, a)| (Expr::Num(i as u64), a))
        .collect();
    Expr::Map(Box::new(Expr::Numgen(n)), entries)
}

impl Lowerer<'_> {
    /// The NAT statements in file order, with the raw `-t nat -A` lines among them.
    pub(super) fn nats(&mut self) {
        for (i, n) in self.model.nats.iter().enumerate() {
            self.raw_nat_appends(i);
            self.nat(n);
        }
        self.raw_nat_appends(self.model.nats.len());
    }

    /// A NAT statement in the nat chain of each of its hooks. `tproxy` is E0201 from the model
    /// (it needs policy routing fhc does not set up).
    fn nat(&mut self, n: &Nat) {
        if n.kind == NatKind::Tproxy {
            return;
        }
        for hook in &n.at {
            let chain = match hook {
                Hook::Prerouting => "nat_prerouting",
                Hook::Input => "nat_input",
                Hook::Output => "nat_output",
                Hook::Postrouting => "nat_postrouting",
                Hook::Forward => continue, // no NAT hook: the model refuses it
            };
            self.nat_at(n, chain);
        }
    }

    fn nat_at(&mut self, n: &Nat, chain: &'static str) {
        let span = Some(n.span);
        self.ensure_base(chain);
        let mut m = n.matches.clone();
        // A masquerade inside a section uses the section's outgoing interface (incoming with reverse).
        if n.kind == NatKind::Masquerade
            && let Some(i) = n.section
        {
            m.outface = self.masquerade_face(n, i, m.outface.take());
        }
        let fams = self.nat_families(n);
        for af in rule_families(fams, &m) {
            let Some(mut stmts) = self.match_stmts(&m, af, Dir::Request) else {
                return;
            };
            let (l4, dport) = self.nat_l4(n, &m);
            stmts.extend(l4);
            let fam = af.or(fams.single());
            family_guard(&mut stmts, fam);
            let Some(stmt) = self.nat_stmt(n, fam) else {
                return;
            };
            // Local traffic of a transparent proxy (except the proxy's own user and loopback).
            if n.kind == NatKind::TransparentProxy
                && let Some(users) = &n.user
            {
                self.proxy_local_traffic(users, fam, dport.as_ref(), stmt.clone(), span);
            }
            stmts.push(stmt);
            self.push(chain, stmts, span);
        }
    }

    /// The interface a masquerade inside section `section` leaves by: the section's (`own` is
    /// the statement's own `outface`, kept where a router names no face).
    fn masquerade_face(
        &self,
        n: &Nat,
        section: usize,
        own: Option<Cond<Iface>>,
    ) -> Option<Cond<Iface>> {
        let s = &self.model.sections[section];
        // `None` is FireHOL's `any` (a router without the face is refused by the model).
        match s.kind {
            SectionKind::Interface if s.ifaces.is_empty() => None,
            SectionKind::Interface => Some(Cond {
                negated: false,
                values: s.ifaces.clone(),
                span: s.span,
            }),
            // The router's face when it names one (`any`: none), else the argument's.
            SectionKind::Router => {
                let (given, face) = if n.reverse {
                    (s.faces_given.inface, &s.matches.inface)
                } else {
                    (s.faces_given.outface, &s.matches.outface)
                };
                if given && !face.as_ref().is_some_and(|c| c.negated) {
                    face.clone()
                } else {
                    own
                }
            }
        }
    }

    /// The families a NAT statement has rules for: its own, within its section's and its
    /// targets' addresses.
    fn nat_families(&self, n: &Nat) -> Families {
        let target_fams: Vec<Af> = n
            .targets
            .iter()
            .filter_map(|t| t.addr.as_ref().and_then(Addr::family))
            .collect();
        let mut fams = self.enabled(n.families);
        // A masquerade inside `router6`/`interface4` is for that section's family only.
        if let Some(i) = n.section {
            fams = fams.intersect(self.model.sections[i].families);
        }
        if !target_fams.is_empty() {
            fams.v4 &= target_fams.contains(&Af::V4);
            fams.v6 &= target_fams.contains(&Af::V6);
        }
        fams
    }

    /// Protocol and port matches of a NAT statement (a transparent proxy's: TCP to its ports),
    /// and the destination port, which the proxy's local-traffic rule matches too.
    fn nat_l4(&self, n: &Nat, m: &Match) -> (Vec<Stmt>, Option<(Expr, bool)>) {
        let proto = m
            .proto
            .as_ref()
            .filter(|c| !c.negated && c.values.len() == 1)
            .map(|c| c.values[0]);
        let mut proto = proto;
        let mut dport = m.dport.as_ref().map(|c| (port_expr(&c.values), c.negated));
        if matches!(n.kind, NatKind::TransparentProxy) {
            proto = Some(Proto::Tcp);
            dport = Some((port_expr(&n.ports), false));
        }
        let sport = m.sport.as_ref().map(|c| (port_expr(&c.values), c.negated));
        let l4 = self.l4(
            proto.as_ref(),
            sport.as_ref().map(|(e, n)| (e, *n)),
            dport.as_ref().map(|(e, n)| (e, *n)),
        );
        (l4, dport)
    }

    /// The NAT statement itself for a rule of family `fam` (`None` after an error).
    fn nat_stmt(&mut self, n: &Nat, fam: Option<Af>) -> Option<Stmt> {
        let flags = nat_flags(n.persistent, n.random);
        Some(match n.kind {
            NatKind::Dnat | NatKind::Snat => {
                let Some(af) = fam else {
                    self.error(n.span, "NAT targets must name an address".into());
                    return None;
                };
                let t = &n.targets;
                let addr = if t.len() == 1 {
                    target_addr(&t[0], Some(af))
                } else if t
                    .iter()
                    .all(|x| x.port == t[0].port && target_addr(x, Some(af)).is_some())
                {
                    Some(numgen_map(
                        t.iter().filter_map(|x| target_addr(x, Some(af))).collect(),
                    ))
                } else {
                    self.error(
                        n.span,
                        "several NAT targets must all give an address and the same port".into(),
                    );
                    return None;
                };
                let port = t.first().and_then(target_port);
                if addr.is_none() && port.is_none() {
                    self.error(
                        n.span,
                        "the NAT target gives no address for this family".into(),
                    );
                    return None;
                }
                if n.kind == NatKind::Dnat {
                    Stmt::Dnat {
                        family: ip_proto(af),
                        addr,
                        port,
                        flags,
                    }
                } else {
                    Stmt::Snat {
                        family: ip_proto(af),
                        addr,
                        port,
                        flags,
                    }
                }
            }
            NatKind::Redirect => Stmt::Redirect {
                port: n.ports.first().map(|p| port_expr(std::slice::from_ref(p))),
            },
            NatKind::TransparentProxy => Stmt::Redirect {
                port: n.targets.first().and_then(target_port),
            },
            NatKind::Masquerade => Stmt::Masquerade { flags },
            NatKind::Tproxy => unreachable!(),
        })
    }

    /// A transparent proxy's rule for local traffic, in nat output: every user's but the
    /// proxy's own `users`, and not to loopback.
    fn proxy_local_traffic(
        &mut self,
        users: &[Owner],
        fam: Option<Af>,
        dport: Option<&(Expr, bool)>,
        stmt: Stmt,
        span: Option<Span>,
    ) {
        self.ensure_base("nat_output");
        // FireHOL's `uid not USERS` (no users: `any`, every user's traffic).
        let mut out: Vec<Stmt> = (!users.is_empty())
            .then(|| owner_match("skuid", users, true))
            .into_iter()
            .collect();
        let v4 = fam.is_none_or(|a| a == Af::V4);
        let v6 = fam.is_none_or(|a| a == Af::V6);
        if v4 && !v6 {
            out.push(Stmt::Match(
                Op::Ne,
                Expr::Payload("ip", "daddr"),
                Expr::s("127.0.0.1"),
            ));
        } else if v6 && !v4 {
            out.push(Stmt::Match(
                Op::Ne,
                Expr::Payload("ip6", "daddr"),
                Expr::s("::1"),
            ));
        } else {
            out.push(Stmt::Match(Op::Ne, Expr::Meta("oifname"), Expr::s("lo")));
        }
        out.extend(self.l4(Some(&Proto::Tcp), None, dport.map(|(e, n)| (e, *n))));
        out.push(stmt);
        self.push("nat_output", out, span);
    }
}
