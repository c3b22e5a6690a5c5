//! `protection` statements of a section: drops of invalid and malformed packets, and flood
//! limits, in the section's chain at the point where they are written.

use super::{Lowerer, ct_states, nfproto};
use crate::model::ir::{Protection, Section};
use crate::model::values::Af;
use crate::nft::json::{Expr, Op, Stmt};

impl Lowerer<'_> {
    pub(super) fn protection(&mut self, s: &Section, p: &Protection, cin: &str, cout: &str) {
        use crate::model::ir::ProtectionCheck::*;
        let chain = if p.reverse { cout } else { cin };
        let over = || Stmt::Limit {
            rate: p.rate.n,
            per: p.rate.per.name().into(),
            burst: Some(p.burst),
            over: true,
        };
        let tcpf = |mask: &[&str], want: Expr| {
            Stmt::matches(
                Expr::And(
                    Box::new(Expr::Payload("tcp", "flags")),
                    Box::new(Expr::flags(mask)),
                ),
                want,
            )
        };
        let all6 = ["fin", "syn", "rst", "psh", "ack", "urg"];
        for k in &p.checks {
            let rules: Vec<Vec<Stmt>> = match k {
                Invalid => vec![vec![
                    Stmt::Match(Op::In, Expr::Ct("state", None), Expr::s("invalid")),
                    Stmt::Drop,
                ]],
                NewTcpWithoutSyn => vec![vec![
                    Stmt::Match(
                        Op::Ne,
                        Expr::And(
                            Box::new(Expr::Payload("tcp", "flags")),
                            Box::new(Expr::flags(&["fin", "syn", "rst", "ack"])),
                        ),
                        Expr::s("syn"),
                    ),
                    ct_states(&["new"]),
                    Stmt::Drop,
                ]],
                IcmpFloods => vec![vec![
                    Stmt::matches(Expr::Payload("icmp", "type"), Expr::s("echo-request")),
                    over(),
                    Stmt::Drop,
                ]],
                SynFloods => vec![vec![
                    tcpf(&["fin", "syn", "rst", "ack"], Expr::s("syn")),
                    over(),
                    Stmt::Drop,
                ]],
                AllFloods => vec![vec![ct_states(&["new"]), over(), Stmt::Drop]],
                MalformedXmas => vec![vec![tcpf(&all6, Expr::flags(&all6)), Stmt::Drop]],
                MalformedNull => vec![vec![tcpf(&all6, Expr::Num(0)), Stmt::Drop]],
                MalformedBad => vec![
                    vec![
                        tcpf(&["syn", "fin"], Expr::flags(&["syn", "fin"])),
                        Stmt::Drop,
                    ],
                    vec![
                        tcpf(&["syn", "rst"], Expr::flags(&["syn", "rst"])),
                        Stmt::Drop,
                    ],
                    vec![tcpf(&all6, Expr::flags(&["fin", "psh", "urg"])), Stmt::Drop],
                    vec![
                        tcpf(&all6, Expr::flags(&["fin", "syn", "rst", "ack", "urg"])),
                        Stmt::Drop,
                    ],
                ],
            };
            // One rule per family, as FireHOL's separate iptables/ip6tables chains: a rate limit
            // then counts each family on its own, and `ipv4 protection` leaves IPv6 alone.
            let fams = p.families.intersect(s.families);
            for r in rules {
                for af in fams.iter() {
                    let mut rule = vec![nfproto(af)];
                    rule.extend(r.iter().map(|st| match st {
                        // ICMP floods are ICMPv6 echo requests on IPv6.
                        Stmt::Match(o, Expr::Payload("icmp", "type"), v) if af == Af::V6 => {
                            Stmt::Match(*o, Expr::Payload("icmpv6", "type"), v.clone())
                        }
                        other => other.clone(),
                    }));
                    self.push(chain, rule, Some(p.span));
                }
            }
        }
    }
}
