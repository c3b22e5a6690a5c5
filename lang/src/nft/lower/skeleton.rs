//! FireHOL's fixed part of every firewall: loopback trust, the drops of invalid and orphan
//! packets, RELATED ICMP, and logging of unmatched traffic (checked against `firehol debug`).

use super::{Lowerer, log_limited};
use crate::nft::json::{Expr, Hook, Op, Stmt};

pub(crate) const ORPHANS: &str = "drop_invalid";

/// The hooks of the base chains created when a rule needs them, as iptables' raw, nat and mangle
/// tables at their priorities (`input`, `forward` and `output` always exist: `base_chains`).
pub(crate) const BASE_HOOKS: &[(&str, Hook)] = &[
    ("raw_prerouting", accepting("filter", "prerouting", -300)),
    ("nat_prerouting", accepting("nat", "prerouting", -100)),
    ("nat_output", accepting("nat", "output", -100)),
    ("nat_input", accepting("nat", "input", 100)),
    ("nat_postrouting", accepting("nat", "postrouting", 100)),
    // iptables' mangle table: marks, TOS/DSCP, classify, tcpmss.
    ("mangle_prerouting", accepting("filter", "prerouting", -150)),
    ("mangle_input", accepting("filter", "input", -150)),
    ("mangle_forward", accepting("filter", "forward", -150)),
    ("mangle_output", accepting("route", "output", -150)),
    (
        "mangle_postrouting",
        accepting("filter", "postrouting", -150),
    ),
    ("raw_output", accepting("filter", "output", -300)),
];

/// A base chain hook whose policy is accept (only `input`, `forward` and `output` drop).
const fn accepting(kind: &'static str, hook: &'static str, prio: i32) -> Hook {
    Hook {
        kind,
        hook,
        prio,
        policy: "accept",
    }
}

fn flags(mask: &[&str], want: Expr) -> Stmt {
    Stmt::matches(
        Expr::And(
            Box::new(Expr::Payload("tcp", "flags")),
            Box::new(Expr::flags(mask)),
        ),
        want,
    )
}

fn new_or_invalid() -> Stmt {
    Stmt::Match(
        Op::In,
        Expr::Ct("state", None),
        Expr::flags(&["new", "invalid"]),
    )
}

pub(crate) fn related_icmp() -> Vec<Stmt> {
    vec![
        Stmt::Match(Op::In, Expr::Ct("state", None), Expr::s("related")),
        Stmt::matches(
            Expr::Meta("l4proto"),
            Expr::Set(vec![Expr::s("icmp"), Expr::s("ipv6-icmp")]),
        ),
        Stmt::Accept,
    ]
}

pub(crate) fn related_tcp_ack_rst() -> Vec<Stmt> {
    vec![
        Stmt::Match(Op::In, Expr::Ct("state", None), Expr::s("related")),
        flags(
            &["fin", "syn", "rst", "psh", "ack", "urg"],
            Expr::flags(&["ack", "rst"]),
        ),
        Stmt::Accept,
    ]
}

impl Lowerer<'_> {
    /// The shared chain of FireHOL's per-chain drops: TCP packets that cannot start a connection
    /// but claim to, ICMP errors about nothing, and INVALID packets (logged).
    fn orphan_chain(&mut self) {
        if self.rules.contains_key(ORPHANS) {
            return;
        }
        self.chain(ORPHANS, None);
        let mut rules = vec![
            vec![
                flags(&["ack", "fin"], Expr::flags(&["ack", "fin"])),
                new_or_invalid(),
                Stmt::Drop,
            ],
            vec![
                flags(&["ack", "rst"], Expr::flags(&["ack", "rst"])),
                new_or_invalid(),
                Stmt::Drop,
            ],
            vec![
                flags(&["ack"], Expr::s("ack")),
                new_or_invalid(),
                Stmt::Drop,
            ],
            vec![
                flags(&["rst"], Expr::s("rst")),
                new_or_invalid(),
                Stmt::Drop,
            ],
            vec![
                Stmt::matches(
                    Expr::Payload("icmp", "type"),
                    Expr::s("destination-unreachable"),
                ),
                new_or_invalid(),
                Stmt::Drop,
            ],
            vec![
                Stmt::matches(
                    Expr::Payload("icmpv6", "type"),
                    Expr::s("destination-unreachable"),
                ),
                new_or_invalid(),
                Stmt::Drop,
            ],
        ];
        let mut log = vec![Stmt::Match(
            Op::In,
            Expr::Ct("state", None),
            Expr::s("invalid"),
        )];
        log.extend(log_limited("DROP INVALID: "));
        rules.push(log);
        rules.push(vec![
            Stmt::Match(Op::In, Expr::Ct("state", None), Expr::s("invalid")),
            Stmt::Drop,
        ]);
        for r in rules {
            self.push(ORPHANS, r, None);
        }
    }

    pub(crate) fn jump_orphans(&mut self, chain: &str) {
        self.orphan_chain();
        self.push(chain, vec![Stmt::Jump(ORPHANS.into())], None);
    }

    pub(super) fn skeleton_head(&mut self) {
        // Families the configuration leaves alone pass untouched, as FireHOL leaves their
        // iptables untouched (`version 5`, ENABLE_IPV6=0).
        if let Some(f) = self.model.families {
            for (on, name) in [(f.v4, "ipv4"), (f.v6, "ipv6")] {
                if !on {
                    for c in ["input", "forward", "output"] {
                        self.push(
                            c,
                            vec![
                                Stmt::matches(Expr::Meta("nfproto"), Expr::s(name)),
                                Stmt::Accept,
                            ],
                            None,
                        );
                    }
                }
            }
        }
        if self.model.settings.trust_loopback {
            self.push(
                "input",
                vec![
                    Stmt::matches(Expr::Meta("iifname"), Expr::s("lo")),
                    Stmt::Accept,
                ],
                None,
            );
            self.push(
                "output",
                vec![
                    Stmt::matches(Expr::Meta("oifname"), Expr::s("lo")),
                    Stmt::Accept,
                ],
                None,
            );
        }
        self.jump_orphans("forward");
    }

    pub(super) fn skeleton_tail(&mut self) {
        self.jump_orphans("input");
        self.jump_orphans("output");
        for c in ["input", "output", "forward"] {
            self.push(c, related_icmp(), None);
        }
        for c in ["output", "forward"] {
            self.push(c, related_tcp_ack_rst(), None);
        }
        for (c, who) in [("input", "IN"), ("output", "OUT"), ("forward", "PASS")] {
            let mut r = log_limited(&format!("DROP UNMATCHED {who}-unknown: "));
            self.push(c, std::mem::take(&mut r), None);
            self.push(c, vec![Stmt::Drop], None);
        }
    }
}
