//! The `dnat`/`redirect` actions of a synproxy: SYNPROXY's SYN rewritten in nat output, then
//! accepted towards its new destination.

use super::{dnatted, not_local_source, syn, tcp_flags};
use crate::model::ir::{Match, NatTarget, Synproxy};
use crate::model::values::{Addr, Af, Port};
use crate::nft::json::{Expr, Op, Stmt};
use crate::nft::lower::matches::{addr_expr, iface_expr, port_expr};
use crate::nft::lower::nat::{nat_flags, numgen_map, target_addr, target_port};
use crate::nft::lower::{Lowerer, Sysctl, ct_states, ip_proto, nfproto};

impl Lowerer<'_> {
    /// SYNPROXY's SYN to the server, rewritten in nat output (the only hook that ever sees it).
    fn nat_output_syn(
        &mut self,
        s: &Synproxy,
        srv: &[Stmt],
        ports: &[Stmt],
        log_prefix: &str,
        nat: Stmt,
    ) {
        self.ensure_base("nat_output");
        let mut r: Vec<Stmt> = srv
            .iter()
            .chain(ports)
            .cloned()
            .chain([syn(), not_local_source()])
            .collect();
        self.log_rule(s, "nat_output", r.clone(), log_prefix);
        r.push(nat);
        self.push("nat_output", r, Some(s.span));
    }

    /// After a NAT: the server's INVALID ACK towards the client (seen with its rewritten source),
    /// dropped as FireHOL does.
    fn nat_invalid_ack_drop(
        &mut self,
        s: &Synproxy,
        chain: &str,
        saddr: Option<Expr>,
        sport: Option<Expr>,
    ) {
        let af = s.family;
        let mut r = vec![nfproto(af)];
        if let Some(c) = &s.matches.inface {
            r.push(Stmt::Match(
                if c.negated { Op::Ne } else { Op::Eq },
                Expr::Meta("oifname"),
                iface_expr(&c.values),
            ));
        }
        if let Some(a) = saddr {
            r.push(Stmt::matches(Expr::Payload(ip_proto(af), "saddr"), a));
        }
        if let Some(p) = sport {
            r.push(Stmt::matches(Expr::Payload("tcp", "sport"), p));
        }
        r.extend([
            ct_states(&["invalid"]),
            tcp_flags(&["rst", "ack"], Expr::s("ack")),
            Stmt::Drop,
        ]);
        self.push(chain, r, Some(s.span));
    }

    /// Accept rules for SYNPROXY's SYN and ACK after nat output rewrote them to `dst:port`.
    fn after_dnat(
        &mut self,
        s: &Synproxy,
        iif_lo: bool,
        dst: Option<Expr>,
        port: Option<Expr>,
        server: &Match,
    ) {
        let af = s.family;
        let mut base = vec![nfproto(af)];
        if let Some(c) = server.src_for(af)
            && let Ok(Some(e)) = addr_expr(&c.values, af)
        {
            base.push(Stmt::Match(
                if c.negated { Op::Ne } else { Op::Eq },
                Expr::Payload(ip_proto(af), "saddr"),
                e,
            ));
        }
        if let Some(d) = dst {
            base.push(Stmt::matches(Expr::Payload(ip_proto(af), "daddr"), d));
        }
        match port {
            Some(p) => base.push(Stmt::matches(Expr::Payload("tcp", "dport"), p)),
            None => base.push(Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp"))),
        }
        let extra = self.action_option_matches(s);
        let chains: &[(&str, bool)] = if iif_lo {
            &[("output", false), ("input", true)]
        } else {
            &[("output", false)]
        };
        for &(chain, iif) in chains {
            let mut syn_rule = Vec::new();
            if iif_lo {
                syn_rule.push(Stmt::matches(
                    Expr::Meta(if iif { "iifname" } else { "oifname" }),
                    Expr::s("lo"),
                ));
            }
            syn_rule.extend(base.iter().cloned());
            let mut est = syn_rule.clone();
            syn_rule.extend([syn(), ct_states(&["new"]), dnatted()]);
            syn_rule.extend(extra.iter().cloned());
            let log = if chain == "output" || iif_lo {
                s.action_matches.log.as_ref()
            } else {
                None
            };
            self.push_logged(chain, syn_rule, log, vec![Stmt::Accept], Some(s.span));
            est.extend([ct_states(&["established"]), dnatted(), Stmt::Accept]);
            self.push(chain, est, Some(s.span));
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn synproxy_dnat(
        &mut self,
        s: &Synproxy,
        srv: &[Stmt],
        ports: &[Stmt],
        server: &Match,
        targets: &[NatTarget],
        persistent: bool,
        random: bool,
    ) {
        let af = s.family;
        if targets.is_empty() {
            return;
        }
        // `dnat to :PORT` keeps the address the client targeted.
        let orig_dst = server
            .dst_for(af)
            .and_then(|c| addr_expr(&c.values, af).ok().flatten());
        let flags = nat_flags(persistent, random);
        let Some(dnat) = self.synproxy_dnat_stmt(s, targets, orig_dst.clone(), flags) else {
            return;
        };
        self.nat_output_syn(s, srv, ports, "SYNPROXY->SERVER DNAT", dnat);
        let local = targets.iter().all(|t| t.addr.is_none());
        let dst = |t: &NatTarget| target_addr(t, None).or_else(|| orig_dst.clone());
        let dport = |t: &NatTarget| {
            target_port(t).or_else(|| server.dport.as_ref().map(|c| port_expr(&c.values)))
        };
        for t in targets {
            self.after_dnat(s, local, dst(t), dport(t), server);
        }
        // The server's INVALID ACK to the client (forwarded, or local for `:PORT`).
        let chain = if local { "output" } else { "forward" };
        for t in targets {
            self.nat_invalid_ack_drop(s, chain, dst(t), dport(t));
        }
        if !local {
            self.sysctls.push(Sysctl {
                key: if af == Af::V4 {
                    "net.ipv4.ip_forward".into()
                } else {
                    "net.ipv6.conf.all.forwarding".into()
                },
                value: "1".into(),
                reason: "synproxy dnat forwards the connection to another host".into(),
            });
        }
    }

    /// The `dnat` statement of a synproxy (`None` after an error): to its one target, or to
    /// several in turn; a target without an address keeps the one the client targeted.
    fn synproxy_dnat_stmt(
        &mut self,
        s: &Synproxy,
        targets: &[NatTarget],
        orig_dst: Option<Expr>,
        flags: Vec<&'static str>,
    ) -> Option<Stmt> {
        let dnat = if targets.len() == 1 {
            let t = &targets[0];
            Stmt::Dnat {
                family: ip_proto(s.family),
                addr: target_addr(t, None).or(orig_dst),
                port: target_port(t),
                flags,
            }
        } else {
            if targets
                .iter()
                .any(|t| t.addr.is_none() || t.port != targets[0].port)
            {
                self.error(
                    s.action_span,
                    "several dnat targets must all give an address and the same port".into(),
                );
                return None;
            }
            Stmt::Dnat {
                family: ip_proto(s.family),
                addr: Some(numgen_map(
                    targets
                        .iter()
                        .filter_map(|t| target_addr(t, None))
                        .collect(),
                )),
                port: target_port(&targets[0]),
                flags,
            }
        };
        if matches!(dnat, Stmt::Dnat { addr: None, .. }) {
            self.error(
                s.action_span,
                "`dnat to :PORT` needs the synproxy's `dst` to be one address".into(),
            );
            return None;
        }
        Some(dnat)
    }

    /// `redirect to PORT`: compiled as `dnat to DST:PORT` when the synproxy names one address (no
    /// sysctl needed), as nft `redirect` otherwise (which needs route_localnet on the inbound
    /// interfaces, as FireHOL sets).
    pub(super) fn synproxy_redirect(
        &mut self,
        s: &Synproxy,
        srv: &[Stmt],
        ports: &[Stmt],
        server: &Match,
        port: Port,
    ) {
        let af = s.family;
        let single = server
            .dst_for(af)
            .filter(|c| !c.negated && c.values.len() == 1)
            .and_then(|c| match &c.values[0] {
                Addr::Net(ip, len) if *len == if af == Af::V4 { 32 } else { 128 } => {
                    Some(ip.to_string())
                }
                _ => None,
            });
        let pexpr = port_expr(std::slice::from_ref(&port));
        let (nat, dst) = match &single {
            Some(ip) => {
                let dnat = Stmt::Dnat {
                    family: ip_proto(af),
                    addr: Some(Expr::s(ip.clone())),
                    port: Some(pexpr.clone()),
                    flags: vec![],
                };
                (dnat, Expr::s(ip.clone()))
            }
            None => {
                if let Some(c) = &s.matches.inface {
                    for i in &c.values {
                        self.sysctls.push(Sysctl {
                            key: format!("net.ipv4.conf.{}.route_localnet", i.name.replace('+', "*")),
                            value: "1".into(),
                            reason: "synproxy redirect to a local port with several destination addresses".into(),
                        });
                    }
                }
                let lo = if af == Af::V4 {
                    Expr::Prefix("127.0.0.0".into(), 8)
                } else {
                    Expr::s("::1")
                };
                (
                    Stmt::Redirect {
                        port: Some(pexpr.clone()),
                    },
                    lo,
                )
            }
        };
        self.nat_output_syn(s, srv, ports, "SYNPROXY->SERVER REDIRECT", nat);
        self.after_dnat(s, true, Some(dst), Some(pexpr.clone()), server);
        self.nat_invalid_ack_drop(s, "output", single.map(Expr::s), Some(pexpr));
    }
}
