//! `action` definitions: one regular chain per action; traps fill dynamic sets.

use super::Lowerer;
use super::matches::{Dir, port_expr, rule_families};
use crate::model::ir::{ActionDef, ActionStep, ActionTrap, Match, TrapKey};
use crate::model::values::Af;
use crate::nft::json::{Expr, Op, Set, Stmt};
use crate::nft::lower::{ip_proto, set_addr_type};

/// `valid` events per `window` seconds as an nft limit rate: per the largest whole unit of the
/// window, rounded up.
fn window_rate(valid: u64, window: u64) -> (u64, &'static str) {
    let valid = valid.max(1);
    for (secs, unit) in [(86400, "day"), (3600, "hour"), (60, "minute")] {
        if window >= secs && window.is_multiple_of(secs) {
            return (valid.div_ceil(window / secs), unit);
        }
    }
    (valid.div_ceil(window.max(1)), "second")
}

impl Lowerer<'_> {
    pub(super) fn actions(&mut self) {
        for a in &self.model.actions {
            self.chain(&super::action_chain(&a.name), None);
        }
        for a in &self.model.actions {
            self.action(a);
        }
    }

    /// Rule matches of a step, per family.
    fn step_matches(&mut self, a: &ActionDef, m: &Match) -> Vec<(Option<Af>, Vec<Stmt>)> {
        let mut out = Vec::new();
        for af in rule_families(a.families, m) {
            let Some(mut st) = self.match_stmts(m, af, Dir::Request) else {
                return vec![];
            };
            super::matches::family_guard(&mut st, af);
            let proto = m
                .proto
                .as_ref()
                .filter(|c| !c.negated && c.values.len() == 1)
                .map(|c| c.values[0]);
            let sport = m.sport.as_ref().map(|c| (port_expr(&c.values), c.negated));
            let dport = m.dport.as_ref().map(|c| (port_expr(&c.values), c.negated));
            st.extend(self.l4(
                proto.as_ref(),
                sport.as_ref().map(|(e, n)| (e, *n)),
                dport.as_ref().map(|(e, n)| (e, *n)),
            ));
            out.push((af, st));
        }
        out
    }

    fn action(&mut self, a: &ActionDef) {
        let chain = super::action_chain(&a.name);
        let fams: Vec<Af> = a.families.iter().collect();
        for step in &a.steps {
            match step {
                ActionStep::Final(act) => {
                    let Some(vs) = self.verdict(act, None) else {
                        return;
                    };
                    for v in vs {
                        self.push(&chain, v, Some(act.span));
                    }
                }
                ActionStep::Rule {
                    matches,
                    verdict,
                    span,
                } => {
                    let verdicts = match verdict {
                        Some(v) => match self
                            .verdict(v, matches.proto.as_ref().and_then(|c| c.values.first()))
                        {
                            Some(v) => v,
                            None => return,
                        },
                        None => vec![vec![]],
                    };
                    for (_, st) in self.step_matches(a, matches) {
                        for v in &verdicts {
                            self.push_logged(
                                &chain,
                                st.clone(),
                                matches.log.as_ref(),
                                v.clone(),
                                Some(*span),
                            );
                        }
                    }
                }
                ActionStep::Trap {
                    trap,
                    matches,
                    span,
                } => match trap {
                    ActionTrap::Ip {
                        undo,
                        set,
                        key,
                        timeout,
                    } => self.ip_trap_step(a, &chain, (*undo, set, key, *timeout), matches, *span),
                    ActionTrap::SocketsSuspects {
                        suspects,
                        trap,
                        valid,
                    } => self.sockets_suspects_trap(
                        a,
                        &chain,
                        &fams,
                        (*suspects, *trap, *valid),
                        matches,
                        *span,
                    ),
                },
            }
        }
    }

    /// `iptrap SET src|dst [TIMEOUT]` / `ipuntrap SET src|dst` in an action: the packet's
    /// address goes into (or out of) the set, per family.
    fn ip_trap_step(
        &mut self,
        a: &ActionDef,
        chain: &str,
        (undo, set, key, timeout): (bool, &str, &[TrapKey], Option<u64>),
        matches: &Match,
        span: crate::span::Span,
    ) {
        let fams: Vec<Af> = a.families.iter().collect();
        for &af in &fams {
            let ip = ip_proto(af);
            let mut fields: Vec<Expr> = key
                .iter()
                .map(|k| match k {
                    TrapKey::Src => Expr::Payload(ip, "saddr"),
                    TrapKey::Dst => Expr::Payload(ip, "daddr"),
                })
                .collect();
            let elem = if fields.len() == 1 {
                fields.remove(0)
            } else {
                Expr::Concat(fields)
            };
            let name = format!("{set}{}", crate::model::family_suffix(&fams, af));
            self.add_set(Set {
                name: name.clone(),
                kind: vec![set_addr_type(af); key.len()],
                flags: vec!["timeout"],
                timeout,
                size: Some(65535),
                ..Default::default()
            });
            for (maf, st) in self.step_matches(a, matches) {
                if maf.is_some_and(|x| x != af) {
                    continue;
                }
                let mut r = st;
                super::matches::family_guard(&mut r, Some(af));
                r.push(Stmt::SetUpdate {
                    op: if undo { "delete" } else { "update" },
                    elem: elem.clone(),
                    timeout: None,
                    set: name.clone(),
                });
                self.push(chain, r, Some(span));
            }
        }
    }

    /// FireHOL's `sockets_suspects_trap SUSPECTS_TIMEOUT TRAP_TIMEOUT VALID_CONNECTIONS`: a source
    /// that opens more than VALID_CONNECTIONS distinct new sockets (destination and port) through
    /// this action within SUSPECTS_TIMEOUT seconds goes to the `NAME_trap` set for TRAP_TIMEOUT.
    /// FireHOL keeps three ipsets (sockets, suspects, trap); fhc keeps the sockets and the trap as
    /// dynamic sets and counts a source's new sockets with a per-source limit in the suspects set.
    fn sockets_suspects_trap(
        &mut self,
        a: &ActionDef,
        chain: &str,
        fams: &[Af],
        (suspects, trap, valid): (u64, u64, u64),
        matches: &Match,
        span: crate::span::Span,
    ) {
        for &af in fams {
            let sfx = crate::model::family_suffix(fams, af);
            let (addr, ip) = if af == Af::V4 {
                ("ipv4_addr", "ip")
            } else {
                ("ipv6_addr", "ip6")
            };
            let sockets = format!("{}_sockets{sfx}", a.name);
            let suspects_set = format!("{}_suspects{sfx}", a.name);
            let trap_set = format!("{}_trap{sfx}", a.name);
            self.add_set(Set {
                name: sockets.clone(),
                kind: vec![addr, addr, "inet_service"],
                flags: vec!["timeout"],
                timeout: Some(suspects),
                size: Some(65535),
                ..Default::default()
            });
            self.add_set(Set {
                name: trap_set.clone(),
                kind: vec![addr],
                flags: vec!["timeout"],
                timeout: Some(trap),
                size: Some(65535),
                ..Default::default()
            });
            for (maf, st) in self.step_matches(a, matches) {
                if maf.is_some_and(|x| x != af) {
                    continue;
                }
                let mut base = st;
                super::matches::family_guard(&mut base, Some(af));
                base.push(Stmt::Match(Op::In, Expr::Ct("state", None), Expr::s("new")));
                base.push(Stmt::matches(
                    Expr::Meta("l4proto"),
                    Expr::Set(vec![Expr::s("tcp"), Expr::s("udp")]),
                ));
                let socket = Expr::Concat(vec![
                    Expr::Payload(ip, "saddr"),
                    Expr::Payload(ip, "daddr"),
                    Expr::Payload("th", "dport"),
                ]);
                // A socket not seen within the window: remember it, and count it for its source.
                let (rate, unit) = window_rate(valid, suspects);
                let mut r = base.clone();
                r.push(Stmt::Match(
                    Op::Ne,
                    socket.clone(),
                    Expr::SetRef(sockets.clone()),
                ));
                r.push(Stmt::SetUpdate {
                    op: "add",
                    elem: socket,
                    timeout: None,
                    set: sockets.clone(),
                });
                r.push(Stmt::Log {
                    prefix: format!("{} NEW SOCKET: ", a.name),
                    level: Some("warn".into()),
                });
                r.push(Stmt::Meter {
                    set: suspects_set.clone(),
                    key: Expr::Payload(ip, "saddr"),
                    limit: Box::new(Stmt::Limit {
                        rate,
                        per: unit.into(),
                        burst: Some(valid.max(1)),
                        over: true,
                    }),
                });
                r.push(Stmt::SetUpdate {
                    op: "add",
                    elem: Expr::Payload(ip, "saddr"),
                    timeout: None,
                    set: trap_set.clone(),
                });
                r.push(Stmt::Log {
                    prefix: format!("{} TRAPPED: ", a.name),
                    level: Some("warn".into()),
                });
                self.push(chain, r, Some(span));
            }
        }
    }
}
