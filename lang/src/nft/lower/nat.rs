//! dnat / snat / redirect / masquerade / transparent proxies.

use super::ip_proto;
use super::matches::{Dir, port_expr, rule_families};
use super::{Lowerer, nfproto};
use crate::model::ir::{Nat, NatKind, NatTarget, SectionKind};
use crate::model::values::{Addr, Af, Hook, Proto};
use crate::nft::json::{Expr, Op, Stmt};

fn target_addr(t: &NatTarget, af: Af) -> Option<Expr> {
    match &t.addr {
        Some(Addr::Net(ip, _)) if crate::model::values::af_of(ip) == af => {
            Some(Expr::s(ip.to_string()))
        }
        Some(Addr::Range(a, b)) if crate::model::values::af_of(a) == af => Some(Expr::Range(
            Box::new(Expr::s(a.to_string())),
            Box::new(Expr::s(b.to_string())),
        )),
        _ => None,
    }
}

impl Lowerer<'_> {
    pub(super) fn nats(&mut self) {
        for n in &self.model.nats {
            self.nat(n);
        }
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
            let s = &self.model.sections[i];
            // `None` is FireHOL's `any` (a router without the face is refused by the model).
            m.outface = match s.kind {
                SectionKind::Interface if s.ifaces.is_empty() => None,
                SectionKind::Interface => Some(crate::model::ir::Cond {
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
                        m.outface.take()
                    }
                }
            };
        }
        let target_fams: Vec<Af> = n
            .targets
            .iter()
            .filter_map(|t| t.addr.as_ref().and_then(Addr::family))
            .collect();
        let mut fams = n.families;
        // A masquerade inside `router6`/`interface4` is for that section's family only.
        if let Some(i) = n.section {
            fams = fams.intersect(self.model.sections[i].families);
        }
        if !target_fams.is_empty() {
            fams.v4 &= target_fams.contains(&Af::V4);
            fams.v6 &= target_fams.contains(&Af::V6);
        }
        for af in rule_families(fams, &m) {
            let Some(mut stmts) = self.match_stmts(&m, af, Dir::Request) else {
                return;
            };
            let proto = m
                .proto
                .as_ref()
                .filter(|c| !c.negated && c.values.len() == 1)
                .map(|c| c.values[0].clone());
            let mut proto = proto;
            let mut dport = m.dport.as_ref().map(|c| (port_expr(&c.values), c.negated));
            if matches!(n.kind, NatKind::TransparentProxy) {
                proto = Some(Proto::Tcp);
                dport = Some((port_expr(&n.ports), false));
            }
            let sport = m.sport.as_ref().map(|c| (port_expr(&c.values), c.negated));
            stmts.extend(self.l4(
                proto.as_ref(),
                sport.as_ref().map(|(e, n)| (e, *n)),
                dport.as_ref().map(|(e, n)| (e, *n)),
            ));
            let fam = af.or(fams.single());
            if let Some(a) = fam
                && !stmts
                    .iter()
                    .any(|x| matches!(x, Stmt::Match(_, Expr::Payload("ip" | "ip6", _), _)))
            {
                stmts.insert(0, nfproto(a));
            }
            let mut flags = Vec::new();
            if n.persistent {
                flags.push("persistent");
            }
            if n.random {
                flags.push("random");
            }
            let port_of =
                |t: &NatTarget| t.port.as_ref().map(|p| port_expr(std::slice::from_ref(p)));
            let stmt = match n.kind {
                NatKind::Dnat | NatKind::Snat => {
                    let Some(af) = fam else {
                        self.error(n.span, "NAT targets must name an address".into());
                        return;
                    };
                    let t = &n.targets;
                    let addr = if t.len() == 1 {
                        target_addr(&t[0], af)
                    } else if t
                        .iter()
                        .all(|x| x.port == t[0].port && target_addr(x, af).is_some())
                    {
                        let e = t
                            .iter()
                            .enumerate()
                            .filter_map(|(i, x)| Some((Expr::Num(i as u64), target_addr(x, af)?)))
                            .collect();
                        Some(Expr::Map(Box::new(Expr::Numgen(t.len() as u32)), e))
                    } else {
                        self.error(
                            n.span,
                            "several NAT targets must all give an address and the same port".into(),
                        );
                        return;
                    };
                    let port = t.first().and_then(port_of);
                    if addr.is_none() && port.is_none() {
                        self.error(
                            n.span,
                            "the NAT target gives no address for this family".into(),
                        );
                        return;
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
                    port: n.targets.first().and_then(port_of),
                },
                NatKind::Masquerade => Stmt::Masquerade { flags },
                NatKind::Tproxy => unreachable!(),
            };
            // Local traffic of a transparent proxy (except the proxy's own user and loopback).
            if n.kind == NatKind::TransparentProxy
                && let Some(users) = &n.user
            {
                self.ensure_base("nat_output");
                // FireHOL's `uid not USERS` (no users: `any`, every user's traffic).
                let mut out: Vec<Stmt> = (!users.is_empty())
                    .then(|| super::matches::owner_match("skuid", users, true))
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
                out.extend(self.l4(
                    Some(&Proto::Tcp),
                    None,
                    dport.as_ref().map(|(e, n)| (e, *n)),
                ));
                out.push(stmt.clone());
                self.push("nat_output", out, span);
            }
            stmts.push(stmt);
            self.push(chain, stmts, span);
        }
    }
}
