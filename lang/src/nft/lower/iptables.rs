//! Raw iptables/ip6tables lines as rules of fhc's table, where FireHOL's activation puts them
//! (docs/iptables.md): an `-A` of a filter built-in after the jumps of the sections above it
//! and before FireHOL's final rules, an `-A` of the nat table among the NAT statements in file
//! order, an `-A` of mangle or raw after fhc's own rules there, every `-I` above everything its
//! chain holds, and the user chains (`-N`) with their rules in file order.

use super::Lowerer;
use super::matches::{Dir, family_guard, port_expr, proto_match};
use crate::model::ir::{NatTo, RawOp, RawReject, RawRule, RawTable, RawTarget};
use crate::model::values::Af;
use crate::model::values::Proto;
use crate::nft::json::{Expr, Op, Stmt};

/// The chain of fhc's table a raw rule's chain is.
pub(super) fn nft_chain(table: RawTable, chain: &str) -> String {
    let base = match (table, chain) {
        (RawTable::Filter, "INPUT") => "input",
        (RawTable::Filter, "OUTPUT") => "output",
        (RawTable::Filter, "FORWARD") => "forward",
        (RawTable::Nat, "PREROUTING") => "nat_prerouting",
        (RawTable::Nat, "POSTROUTING") => "nat_postrouting",
        (RawTable::Nat, "OUTPUT") => "nat_output",
        (RawTable::Nat, "INPUT") => "nat_input",
        (RawTable::Mangle, "PREROUTING") => "mangle_prerouting",
        (RawTable::Mangle, "INPUT") => "mangle_input",
        (RawTable::Mangle, "FORWARD") => "mangle_forward",
        (RawTable::Mangle, "OUTPUT") => "mangle_output",
        (RawTable::Mangle, "POSTROUTING") => "mangle_postrouting",
        (RawTable::Raw, "PREROUTING") => "raw_prerouting",
        (RawTable::Raw, "OUTPUT") => "raw_output",
        // A user chain, in a namespace of its own (fhc's chains never start with `ipt.`).
        (RawTable::Filter, c) => return format!("ipt.{c}"),
        (t, c) => return format!("ipt.{}.{c}", t.name()),
    };
    base.to_string()
}

fn builtin(r: &RawRule) -> bool {
    crate::model::iptables::builtin(r.table, &r.chain)
}

impl Lowerer<'_> {
    /// The user chains, with their rules (nothing of FireHOL's is in them).
    pub(super) fn raw_user_chains(&mut self) {
        for r in &self.model.raw_rules {
            if r.op == RawOp::NewChain {
                self.chain(&nft_chain(r.table, &r.chain), None);
            }
        }
        for r in &self.model.raw_rules {
            if r.op == RawOp::Append && !builtin(r) {
                self.raw_rule(r);
            }
        }
    }

    /// The `-A` lines of filter's built-in chains written after `sections` sections opened.
    pub(super) fn raw_filter_appends(&mut self, sections: usize) {
        self.raw_appends(|r| r.table == RawTable::Filter && r.after_sections == sections);
    }

    /// The `-A` lines of the nat table's built-in chains written after `nats` NAT statements.
    pub(super) fn raw_nat_appends(&mut self, nats: usize) {
        self.raw_appends(|r| r.table == RawTable::Nat && r.after_nats == nats);
    }

    /// The `-A` lines of mangle's and raw's built-in chains.
    pub(super) fn raw_other_appends(&mut self) {
        self.raw_appends(|r| matches!(r.table, RawTable::Mangle | RawTable::Raw));
    }

    /// The `-A` lines of built-in chains `which` selects, in file order.
    fn raw_appends(&mut self, which: impl Fn(&RawRule) -> bool) {
        for r in &self.model.raw_rules {
            if r.op == RawOp::Append && builtin(r) && which(r) {
                self.raw_rule(r);
            }
        }
    }

    /// The `-I` lines, each above what its chain holds: run last, in file order, so a later
    /// insert ends above an earlier one, as in iptables.
    pub(super) fn raw_inserts(&mut self) {
        for r in &self.model.raw_rules {
            if r.op != RawOp::Insert {
                continue;
            }
            let chain = nft_chain(r.table, &r.chain);
            let before = self.rules.get(&chain).map_or(0, Vec::len);
            self.raw_rule(r);
            if let Some(rules) = self.rules.get_mut(&chain) {
                let added: Vec<_> = rules.drain(before..).collect();
                for (i, rule) in added.into_iter().enumerate() {
                    rules.insert(i, rule);
                }
            }
        }
    }

    /// One rule in its chain.
    fn raw_rule(&mut self, r: &RawRule) {
        let chain = nft_chain(r.table, &r.chain);
        if builtin(r) && !matches!(chain.as_str(), "input" | "output" | "forward") {
            self.ensure_base(&chain);
        }
        let Some(mut stmts) = self.match_stmts(&r.matches, Some(r.af), Dir::Request) else {
            return;
        };
        if let Some(c) = &r.proto {
            stmts.push(proto_match(c));
        }
        let th = r
            .proto
            .as_ref()
            .filter(|c| !c.negated)
            .and_then(|c| c.values.first())
            .and_then(port_header);
        for (ports, field) in [(&r.sport, "sport"), (&r.dport, "dport")] {
            let Some((neg, ports)) = ports else { continue };
            // The model refused ports without such a protocol.
            let Some(th) = th else { return };
            let op = if *neg { Op::Ne } else { Op::Eq };
            stmts.push(Stmt::Match(op, Expr::Payload(th, field), port_expr(ports)));
        }
        if let Some((neg, t, code)) = r.icmp {
            let icmp = if r.af == Af::V4 { "icmp" } else { "icmpv6" };
            let op = if neg { Op::Ne } else { Op::Eq };
            stmts.push(Stmt::Match(
                op,
                Expr::Payload(icmp, "type"),
                Expr::Num(t.into()),
            ));
            if let Some(c) = code {
                stmts.push(Stmt::matches(
                    Expr::Payload(icmp, "code"),
                    Expr::Num(c.into()),
                ));
            }
        }
        if let Some(l) = &r.matches.limit {
            stmts.push(Stmt::Limit {
                rate: l.rate.n,
                per: l.rate.per.name().into(),
                burst: Some(l.burst.unwrap_or(5)),
                over: false,
            });
        }
        family_guard(&mut stmts, Some(r.af));
        let Some(tail) = self.raw_target(r) else {
            return;
        };
        stmts.extend(tail);
        self.push(&chain, stmts, Some(r.span));
    }

    /// The target's statements.
    fn raw_target(&mut self, r: &RawRule) -> Option<Vec<Stmt>> {
        let ports = |p: &Option<(u16, u16)>| p.map(port_interval);
        let fam = if r.af == Af::V4 { "ip" } else { "ip6" };
        Some(match &r.target {
            RawTarget::None => vec![Stmt::Counter],
            RawTarget::Accept => vec![Stmt::Accept],
            RawTarget::Drop => vec![Stmt::Drop],
            RawTarget::Return => vec![Stmt::Return],
            RawTarget::Reject(None) => vec![Stmt::Reject(None)],
            RawTarget::Reject(Some(RawReject::TcpReset)) => {
                vec![Stmt::Reject(Some(("tcp reset", None)))]
            }
            RawTarget::Reject(Some(RawReject::Icmp(code))) => {
                let ty = if r.af == Af::V4 { "icmp" } else { "icmpv6" };
                vec![Stmt::Reject(Some((ty, Some(code.to_string()))))]
            }
            // The prefix exactly as written (FireHOL's own `log` adds its punctuation).
            RawTarget::Log { prefix, level } => vec![Stmt::Log {
                prefix: prefix.clone().unwrap_or_default(),
                level: level.map(|l| l.name().to_string()),
            }],
            RawTarget::Masquerade(None) => vec![Stmt::Masquerade { flags: vec![] }],
            RawTarget::Masquerade(Some(_)) => {
                self.error(
                    r.span,
                    "`MASQUERADE --to-ports` is not translated (write it as SNAT with the ports)"
                        .into(),
                );
                return None;
            }
            RawTarget::Snat(to) | RawTarget::Dnat(to) => {
                let (addr, port) = nat_parts(to);
                let flags = vec![];
                if matches!(r.target, RawTarget::Snat(_)) {
                    vec![Stmt::Snat {
                        family: fam,
                        addr,
                        port,
                        flags,
                    }]
                } else {
                    vec![Stmt::Dnat {
                        family: fam,
                        addr,
                        port,
                        flags,
                    }]
                }
            }
            RawTarget::Redirect(p) => vec![Stmt::Redirect { port: ports(p) }],
            RawTarget::Notrack => vec![Stmt::Notrack],
            RawTarget::Mark { value, mask } => {
                vec![super::helpers::mark_set((*value).into(), (*mask).into())]
            }
            RawTarget::Jump(c) => vec![Stmt::Jump(nft_chain(r.table, c))],
        })
    }
}

fn nat_parts(to: &NatTo) -> (Option<Expr>, Option<Expr>) {
    let addr = to
        .addr
        .map(|(a, b)| Expr::interval(Expr::s(a.to_string()), Expr::s(b.to_string())));
    (addr, to.ports.map(port_interval))
}

fn port_interval((lo, hi): (u16, u16)) -> Expr {
    Expr::interval(Expr::Num(lo.into()), Expr::Num(hi.into()))
}

/// The transport header whose ports a protocol has (`None`: a protocol without ports).
fn port_header(p: &Proto) -> Option<&'static str> {
    match p {
        Proto::Tcp => Some("tcp"),
        Proto::Udp => Some("udp"),
        Proto::Name(n @ ("sctp" | "udplite" | "dccp")) => Some(n),
        _ => None,
    }
}
