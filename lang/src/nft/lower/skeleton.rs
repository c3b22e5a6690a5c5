//! FireHOL's fixed part of every firewall: loopback trust, the drops of invalid and orphan
//! packets, RELATED ICMP, and logging of unmatched traffic (checked against `firehol debug`).

use super::{Lowerer, log_limited};
use crate::nft::json::{Expr, Op, Stmt};

pub(crate) const ORPHANS: &str = "drop_invalid";

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
