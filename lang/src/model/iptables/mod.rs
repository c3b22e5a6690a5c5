//! Raw `iptables`/`ip6tables` lines: read (parse.rs), checked against the chains of their
//! table, and kept with their place among FireHOL's own rules (`ir::RawRule`). What fhc does not
//! translate is E0015 naming the option; what FireHOL's activation skips or overrides (`-F`,
//! `-X`, `-Z`, filter policies) is W0141, without effect, as under FireHOL.

mod checks;
mod icmp;
mod options;
pub mod parse;
mod targets;

use super::build::Builder;
use super::ir::{RawOp, RawRule, RawTable, RawTarget};
use super::values::Af;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use parse::{Command, Refusal};

/// The built-in chains of each table.
pub fn builtin(table: RawTable, chain: &str) -> bool {
    let chains: &[&str] = match table {
        RawTable::Filter => &["INPUT", "OUTPUT", "FORWARD"],
        RawTable::Nat => &["PREROUTING", "POSTROUTING", "OUTPUT", "INPUT"],
        RawTable::Mangle => &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        RawTable::Raw => &["PREROUTING", "OUTPUT"],
    };
    chains.contains(&chain)
}

impl Builder<'_> {
    /// One `iptables ...` (`af` IPv4) or `ip6tables ...` (IPv6) line.
    pub(super) fn iptables_command(&mut self, span: Span, args: &[parse::Arg], af: Af) {
        let line = match parse::parse(args, af) {
            Ok(l) => l,
            Err(r) => return self.refused(r),
        };
        let tool = if af == Af::V4 {
            "iptables"
        } else {
            "ip6tables"
        };
        match &line.command {
            Command::Skipped(what) => {
                return self.no_effect(span, format!("`{tool} {what}`: FireHOL's activation skips it (it loads the whole ruleset at once)"));
            }
            Command::Policy(p)
                if line.table == RawTable::Filter && builtin(line.table, &line.chain) =>
            {
                return self.no_effect(span, format!("`{tool} -P {} {p}`: FireHOL sets the policies of INPUT, OUTPUT and FORWARD to DROP after the configuration", line.chain));
            }
            Command::Policy(p) if p == "ACCEPT" => {
                return self.no_effect(
                    span,
                    format!(
                        "`{tool} -t {} -P {} ACCEPT`: it is already the policy",
                        line.table.name(),
                        line.chain
                    ),
                );
            }
            Command::Policy(p) => {
                return self.refused(parse::Refusal {
                    span,
                    message: format!("`-P {} {p}` in the {} table: fhc keeps the policies of its NAT, mangle and raw chains accepting", line.chain, line.table.name()),
                    untranslated: true,
                });
            }
            _ => {}
        }
        let op = match line.command {
            Command::Insert => RawOp::Insert,
            Command::NewChain => RawOp::NewChain,
            _ => RawOp::Append,
        };
        if op == RawOp::NewChain && builtin(line.table, &line.chain) {
            return self.refused(Refusal {
                span,
                message: format!(
                    "`{}` is a built-in chain of the {} table",
                    line.chain,
                    line.table.name()
                ),
                untranslated: false,
            });
        }
        for (name, dims, s) in &line.sets {
            self.set_uses.push(super::ipsets::SetUse {
                written: format!("--match-set {name}"),
                name: name.clone(),
                dims: *dims,
                fams: if af == Af::V4 {
                    super::values::Families::V4
                } else {
                    super::values::Families::V6
                },
                span: *s,
            });
        }
        let mut matches = line.matches;
        let fams = if af == Af::V4 {
            super::values::Families::V4
        } else {
            super::values::Families::V6
        };
        for cond in [&mut matches.src, &mut matches.dst].into_iter().flatten() {
            self.resolve_hosts(cond, fams);
        }
        self.model.raw_rules.push(RawRule {
            af,
            table: line.table,
            op,
            chain: line.chain,
            matches,
            proto: line.proto,
            sport: line.sport,
            dport: line.dport,
            comment: line.comment,
            icmp: line.icmp,
            target: line.target,
            after_sections: self.model.sections.len(),
            after_nats: self.model.nats.len(),
            span,
        });
    }

    fn refused(&mut self, r: Refusal) {
        let code = if r.untranslated {
            Code::Passthrough
        } else {
            Code::InvalidValue
        };
        let mut d = Diagnostic::new(code, r.span, r.message);
        d = if r.untranslated {
            d.with_label("fhc cannot translate this").with_help(
                "express it with FireHOL statements, or keep it in a separate nftables file loaded after fhc's table",
            )
        } else {
            d.with_label("iptables would refuse this")
        };
        self.diags.push(d);
    }

    fn no_effect(&mut self, span: Span, msg: String) {
        self.diags.push(
            Diagnostic::new(Code::RawNoEffect, span, msg)
                .with_label("no effect; fhc ignores it too")
                .with_help("remove the line"),
        );
    }

    /// At the end of the file: every rule's chain and jump target exists in its table (a user
    /// chain may be created after its first use, as FireHOL creates them all first).
    pub(super) fn check_raw_chains(&mut self) {
        let made: Vec<(Af, RawTable, String)> = self
            .model
            .raw_rules
            .iter()
            .filter(|r| r.op == RawOp::NewChain)
            .map(|r| (r.af, r.table, r.chain.clone()))
            .collect();
        let exists = |af: Af, t: RawTable, c: &str| {
            builtin(t, c) || made.iter().any(|(a, tt, n)| *a == af && *tt == t && n == c)
        };
        let mut problems = Vec::new();
        for r in &self.model.raw_rules {
            if r.op != RawOp::NewChain && !exists(r.af, r.table, &r.chain) {
                problems.push((r.span, r.chain.clone(), r.table));
            }
            if let RawTarget::Jump(c) = &r.target
                && !exists(r.af, r.table, c)
            {
                problems.push((r.span, c.clone(), r.table));
            }
        }
        for (span, chain, table) in problems {
            self.diags.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    span,
                    format!("chain `{chain}` does not exist in the {} table", table.name()),
                )
                .with_label("iptables would refuse this")
                .with_help(format!("create it with `-N {chain}` (with the same `-t` and command), or correct the name")),
            );
        }
    }
}
