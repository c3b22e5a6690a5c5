//! `synproxy` statements, following the packet walk verified in the kernel (shared/e2e/NOTES.md):
//!
//! 1. the client's SYN is untracked in raw prerouting (a flood never reaches conntrack);
//! 2. SYNPROXY answers in input/forward, matching `ct state invalid,untracked,new` (the client's
//!    ACK is NEW when `nf_conntrack_tcp_loose=1`, so no sysctl is needed);
//! 3. SYNPROXY's SYN/ACK leaves through output as `ct state invalid`;
//! 4. SYNPROXY's SYN to the server is a new, locally generated packet whose source is the client
//!    (`fib saddr type != local`): it is accepted (looping via `lo` for local servers), NATed in
//!    nat output for `dnat`/`redirect` (the only hook that ever sees it), and given the
//!    statement's action;
//! 5. the server's INVALID ACK towards the client is dropped, and any SYNPROXY packet no
//!    statement claimed is logged and dropped (FireHOL's "ORPHAN SYNPROXY->SERVER").
//!
//! FireHOL marks SYNPROXY's packets with a private mark bit; fhc identifies them by their
//! non-local source instead, which needs no mark allocation and works the same way.

use super::Sysctl;
use super::ct_states;
use super::ip_proto;
use super::matches::{Dir, addr_expr, port_expr};
use super::{Lowerer, log_limited, nfproto};
use crate::model::ir::{Match, NatTarget, Synproxy, SynproxyAction, SynproxyType, Verdict};
use crate::model::values::{Addr, Af, Port, Proto};
use crate::nft::json::{Expr, Op, Stmt};

fn tcp_flags(mask: &[&str], want: Expr) -> Stmt {
    Stmt::matches(
        Expr::And(
            Box::new(Expr::Payload("tcp", "flags")),
            Box::new(Expr::flags(mask)),
        ),
        want,
    )
}

fn syn() -> Stmt {
    tcp_flags(&["fin", "syn", "rst", "ack"], Expr::s("syn"))
}

/// A bare ACK (SYNPROXY's third handshake packet to the server).
fn ack() -> Stmt {
    tcp_flags(&["fin", "syn", "rst", "ack"], Expr::s("ack"))
}

/// `iifname "lo"` (`iif`) or `oifname "lo"`: a local server's side of SYNPROXY's connection.
fn lo(iif: bool) -> Stmt {
    Stmt::matches(
        Expr::Meta(if iif { "iifname" } else { "oifname" }),
        Expr::s("lo"),
    )
}

fn not_local_source() -> Stmt {
    Stmt::Match(Op::Ne, Expr::Fib("type", vec!["saddr"]), Expr::s("local"))
}

fn dnatted() -> Stmt {
    Stmt::Match(Op::In, Expr::Ct("status", None), Expr::s("dnat"))
}

/// SYNPROXY's SYN before any NAT: another statement's `redirect to`/`dnat to :PORT` may rewrite a
/// SYN to exactly this destination and port, and it must not get this statement's action.
fn not_dnatted() -> Stmt {
    Stmt::Match(Op::NoFlag, Expr::Ct("status", None), Expr::s("dnat"))
}

impl Lowerer<'_> {
    pub(super) fn synproxies(&mut self) {
        if self.model.synproxies.is_empty() {
            return;
        }
        for s in &self.model.synproxies {
            for t in s.types.clone() {
                self.synproxy(s, t);
            }
        }
        // SYNPROXY packets that no statement claimed (FireHOL logs them as orphans).
        let orphan = |iif: bool, prefix: &str| {
            let mut r = Vec::new();
            if iif {
                r.push(Stmt::matches(Expr::Meta("iifname"), Expr::s("lo")));
            }
            r.extend([syn(), ct_states(&["new"]), not_local_source()]);
            r.extend(log_limited(prefix));
            r.push(Stmt::Drop);
            r
        };
        self.push(
            "input",
            orphan(true, "BLOCKED ORPHAN SYNPROXY->SERVER IN: "),
            None,
        );
        self.push(
            "output",
            orphan(false, "BLOCKED ORPHAN SYNPROXY->SERVER OUT: "),
            None,
        );
    }

    /// The statement's match on the client's request, without the protocol.
    fn client_side(&mut self, s: &Synproxy, m: &Match, dir: Dir) -> Option<Vec<Stmt>> {
        let mut st = self.match_stmts(m, Some(s.family), dir)?;
        if !st
            .iter()
            .any(|x| matches!(x, Stmt::Match(_, Expr::Payload("ip" | "ip6", _), _)))
        {
            st.insert(0, nfproto(s.family));
        }
        Some(st)
    }

    fn ports(m: &Match, dir: Dir) -> Vec<Stmt> {
        let (sp, dp) = if dir == Dir::Request {
            ("sport", "dport")
        } else {
            ("dport", "sport")
        };
        let mut out = Vec::new();
        for (c, field) in [(&m.sport, sp), (&m.dport, dp)] {
            if let Some(c) = c {
                out.push(Stmt::Match(
                    if c.negated { Op::Ne } else { Op::Eq },
                    Expr::Payload("tcp", field),
                    port_expr(&c.values),
                ));
            }
        }
        if out.is_empty() {
            out.push(Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")));
        }
        out
    }

    fn log_rule(&mut self, s: &Synproxy, chain: &str, mut matches: Vec<Stmt>, prefix: &str) {
        if s.log {
            matches.extend(log_limited(&format!("{prefix}: ")));
            self.push(chain, matches, Some(s.span));
        }
    }

    fn synproxy(&mut self, s: &Synproxy, t: SynproxyType) {
        let span = Some(s.span);
        // The client's request: every parameter; the server side loses the incoming interface.
        let mut client = s.matches.clone();
        client.outface = None;
        client.proto = None;
        let mut server = client.clone();
        server.inface = None;
        let Some(req) = self.client_side(s, &client, Dir::Request) else {
            return;
        };
        let ports = Self::ports(&client, Dir::Request);

        // 1. raw: untrack the client's SYN.
        self.ensure_base("raw_prerouting");
        let mut r: Vec<Stmt> = req
            .iter()
            .cloned()
            .chain(ports.iter().cloned())
            .chain([syn()])
            .collect();
        self.log_rule(
            s,
            "raw_prerouting",
            r.clone(),
            "CLIENT->SYNPROXY SYN NOTRACK",
        );
        r.push(Stmt::Notrack);
        self.push("raw_prerouting", r, span);

        self.timestamp_note(s, t);

        // 2. SYNPROXY itself, in input or forward.
        let hook = if t == SynproxyType::Input {
            "input"
        } else {
            "forward"
        };
        let mut r: Vec<Stmt> = req.iter().cloned().chain(ports.iter().cloned()).collect();
        r.push(ct_states(&["invalid", "untracked", "new"]));
        self.log_rule(s, hook, r.clone(), "CLIENT->SYNPROXY SYN or ACK");
        r.push(Stmt::Synproxy {
            mss: s.options.mss,
            wscale: s.options.wscale,
            flags: [
                (s.options.timestamp, "timestamp"),
                (s.options.sack_perm, "sack-perm"),
            ]
            .into_iter()
            .filter(|x| x.0)
            .map(|x| x.1)
            .collect(),
        });
        self.push(hook, r, span);

        // 3. SYNPROXY's SYN/ACK to the client.
        let Some(rep) = self.client_side(s, &client, Dir::Reply) else {
            return;
        };
        let rports = Self::ports(&client, Dir::Reply);
        let mut r: Vec<Stmt> = rep.iter().cloned().chain(rports.iter().cloned()).collect();
        r.push(tcp_flags(
            &["syn", "rst", "ack"],
            Expr::flags(&["syn", "ack"]),
        ));
        r.push(ct_states(&["invalid", "untracked"]));
        self.log_rule(s, "output", r.clone(), "SYNPROXY->CLIENT SYN,ACK");
        r.push(Stmt::Accept);
        self.push("output", r, span);

        // 4. SYNPROXY's SYN (and ACK) to the server, and the statement's action.
        let Some(srv) = self.client_side(s, &server, Dir::Request) else {
            return;
        };
        let new_syn = || {
            vec![
                syn(),
                ct_states(&["new"]),
                not_local_source(),
                not_dnatted(),
            ]
        };
        let action_log = s.action_matches.log.clone();
        match &s.action {
            SynproxyAction::Dnat {
                targets,
                persistent,
                random,
            } => {
                self.synproxy_dnat(s, &srv, &ports, &server, targets, *persistent, *random);
            }
            SynproxyAction::Redirect { port } => {
                self.synproxy_redirect(s, &srv, &ports, &server, port.clone());
            }
            action => {
                let verdict = match action {
                    SynproxyAction::Accept => Verdict::Accept,
                    SynproxyAction::Drop => Verdict::Drop,
                    SynproxyAction::Reject => Verdict::Reject(s.reject_with),
                    SynproxyAction::Action(n) => Verdict::Custom(n.clone()),
                    _ => unreachable!(),
                };
                let act = crate::model::ir::Action::new(verdict.clone(), s.action_span);
                let Some(verdicts) = self.verdict(&act, Some(&Proto::Tcp)) else {
                    return;
                };
                let extra = self.action_option_matches(s);
                let body: Vec<Stmt> = srv
                    .iter()
                    .cloned()
                    .chain(ports.iter().cloned())
                    .chain(new_syn())
                    .chain(extra)
                    .collect();
                if t == SynproxyType::Input {
                    // Local server: the SYN loops through lo; the action happens on the way in.
                    let out: Vec<Stmt> = [lo(false)]
                        .into_iter()
                        .chain(srv.iter().cloned())
                        .chain(ports.iter().cloned())
                        .chain(new_syn())
                        .chain([Stmt::Accept])
                        .collect();
                    self.push("output", out, span);
                    for v in verdicts {
                        let m: Vec<Stmt> =
                            [lo(true)].into_iter().chain(body.iter().cloned()).collect();
                        self.push_logged("input", m, action_log.as_ref(), v, span);
                    }
                    if verdict == Verdict::Accept {
                        self.untracked_ack(s, t, &srv, &ports);
                        for (chain, iif) in [("output", false), ("input", true)] {
                            let m: Vec<Stmt> = [lo(iif)]
                                .into_iter()
                                .chain(srv.iter().cloned())
                                .chain(ports.iter().cloned())
                                .chain([ct_states(&["established"]), Stmt::Accept])
                                .collect();
                            self.push(chain, m, span);
                        }
                    }
                    self.invalid_ack_drop(s, "output", &rep, &rports);
                } else {
                    for v in verdicts {
                        self.push_logged("output", body.clone(), action_log.as_ref(), v, span);
                    }
                    // Established packets this host sends with another host's address.
                    let sent_for = |side: &[Stmt], ports: &[Stmt]| -> Vec<Stmt> {
                        side.iter()
                            .chain(ports)
                            .cloned()
                            .chain([
                                ct_states(&["established"]),
                                not_local_source(),
                                Stmt::Accept,
                            ])
                            .collect()
                    };
                    if verdict == Verdict::Accept {
                        self.untracked_ack(s, t, &srv, &ports);
                        self.push("output", sent_for(&srv, &ports), span);
                    }
                    // SYNPROXY's window update to the client leaves through output with the
                    // server's (non-local) address; without this the client waits for its
                    // zero-window probe before it may send.
                    self.push("output", sent_for(&rep, &rports), span);
                    self.invalid_ack_drop(s, "forward", &rep, &rports);
                }
            }
        }
    }

    /// What Linux >= 6.15 changes for a synproxy whose server is this host (the only server
    /// whose kernel `fhc apply` can know): the stall it avoids, or the one it cannot.
    fn timestamp_note(&mut self, s: &Synproxy, t: SynproxyType) {
        if t != SynproxyType::Input || !s.options.timestamp {
            return;
        }
        let line = self.index.line_of(s.span.start) as u32 + 1;
        let nat = matches!(
            s.action,
            SynproxyAction::Dnat { .. } | SynproxyAction::Redirect { .. }
        );
        let (harms, message) = if nat {
            (true, "this kernel rejects SYNPROXY's ACK behind `redirect`/`dnat` (`timestamp` option): each connection to the local server waits a second for its SYN/ACK retransmit, every time for protocols where the server speaks first (see W0134 for the fix)".to_string())
        } else if !s.untrack_ack {
            (true, "FHC_SYNPROXY_UNTRACK_ACK=0: this kernel rejects SYNPROXY's tracked ACK (`timestamp` option), and each connection to the local server waits a second for its SYN/ACK retransmit".to_string())
        } else if matches!(s.action, SynproxyAction::Accept) {
            (false, "SYNPROXY's ACK to the local server is untracked, which avoids this kernel's one-second stall of the `timestamp` option".to_string())
        } else {
            return;
        };
        self.kernel_notes.push(crate::nft::kernel::KernelNote {
            line,
            since: crate::nft::kernel::TSECR_CHECK,
            harms,
            message,
        });
    }

    /// SYNPROXY's ACK to a server it reaches without NAT, untracked (with the `timestamp` option
    /// and `FHC_SYNPROXY_UNTRACK_ACK=1`): tracked, SYNPROXY's own hook adds its timestamp offset a
    /// second time, and a Linux >= 6.15 server rejects the wrong echo and only answers after
    /// retransmitting its SYN/ACK a second later (tests/e2e/NOTES.md 3.7). Untracked, the hook
    /// skips it. The ACK is told apart as SYNPROXY's own SYNs are: a bare ACK, locally generated,
    /// with the client's (non-local) source, towards the statement's server and port.
    fn untracked_ack(&mut self, s: &Synproxy, t: SynproxyType, srv: &[Stmt], ports: &[Stmt]) {
        if !(s.options.timestamp && s.untrack_ack) {
            return;
        }
        let span = Some(s.span);
        let local = t == SynproxyType::Input;
        // The ACK towards the server (through lo for a local server, leaving or arriving).
        let ack_to_server = |iif: bool, state: Option<Stmt>, last: Stmt| -> Vec<Stmt> {
            local
                .then(|| lo(iif))
                .into_iter()
                .chain(srv.iter().cloned())
                .chain(ports.iter().cloned())
                .chain([ack()])
                .chain(state)
                .chain([not_local_source(), last])
                .collect()
        };
        self.ensure_base("raw_output");
        self.push(
            "raw_output",
            ack_to_server(false, None, Stmt::Notrack),
            span,
        );
        let untracked = || Some(ct_states(&["untracked"]));
        self.push(
            "output",
            ack_to_server(false, untracked(), Stmt::Accept),
            span,
        );
        if local {
            self.push(
                "input",
                ack_to_server(true, untracked(), Stmt::Accept),
                span,
            );
        }
    }

    /// The server's answer to SYNPROXY's ACK that conntrack finds INVALID (FireHOL drops it).
    fn invalid_ack_drop(&mut self, s: &Synproxy, chain: &str, rep: &[Stmt], rports: &[Stmt]) {
        let mut r: Vec<Stmt> = rep.iter().cloned().chain(rports.iter().cloned()).collect();
        r.push(ct_states(&["invalid"]));
        r.push(tcp_flags(&["rst", "ack"], Expr::s("ack")));
        r.push(Stmt::Drop);
        self.push(chain, r, Some(s.span));
    }

    /// The matches of the parameters written after the action (`accept connlimit ...`); they apply
    /// to the final SYNPROXY->server rule. Their log is emitted as its own rule by the caller.
    fn action_option_matches(&mut self, s: &Synproxy) -> Vec<Stmt> {
        let options = Match {
            log: None,
            ..s.action_matches.clone()
        };
        let mut st = self
            .match_stmts(&options, Some(s.family), Dir::Request)
            .unwrap_or_default();
        st.retain(|x| !matches!(x, Stmt::Match(_, Expr::Meta("nfproto"), _)));
        st
    }

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
                super::matches::iface_expr(&c.values),
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
    fn synproxy_dnat(
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
        let mut flags = Vec::new();
        if persistent {
            flags.push("persistent");
        }
        if random {
            flags.push("random");
        }
        let addr_of = |t: &NatTarget| -> Option<Expr> {
            match &t.addr {
                Some(Addr::Net(ip, _)) => Some(Expr::s(ip.to_string())),
                Some(Addr::Range(a, b)) => Some(Expr::Range(
                    Box::new(Expr::s(a.to_string())),
                    Box::new(Expr::s(b.to_string())),
                )),
                _ => None,
            }
        };
        let port_of = |t: &NatTarget| t.port.as_ref().map(|p| port_expr(std::slice::from_ref(p)));
        // `dnat to :PORT` keeps the address the client targeted.
        let orig_dst = server
            .dst_for(af)
            .and_then(|c| addr_expr(&c.values, af).ok().flatten());
        let dnat = if targets.len() == 1 {
            let t = &targets[0];
            Stmt::Dnat {
                family: ip_proto(af),
                addr: addr_of(t).or_else(|| orig_dst.clone()),
                port: port_of(t),
                flags: flags.clone(),
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
                return;
            }
            let entries = targets
                .iter()
                .enumerate()
                .map(|(i, t)| (Expr::Num(i as u64), addr_of(t).unwrap_or(Expr::s(""))))
                .collect();
            Stmt::Dnat {
                family: ip_proto(af),
                addr: Some(Expr::Map(
                    Box::new(Expr::Numgen(targets.len() as u32)),
                    entries,
                )),
                port: port_of(&targets[0]),
                flags,
            }
        };
        if matches!(dnat, Stmt::Dnat { addr: None, .. }) {
            self.error(
                s.action_span,
                "`dnat to :PORT` needs the synproxy's `dst` to be one address".into(),
            );
            return;
        }
        self.nat_output_syn(s, srv, ports, "SYNPROXY->SERVER DNAT", dnat);
        let local = targets.iter().all(|t| t.addr.is_none());
        let dport = |t: &NatTarget| {
            port_of(t).or_else(|| server.dport.as_ref().map(|c| port_expr(&c.values)))
        };
        for t in targets {
            let dst = addr_of(t).or_else(|| orig_dst.clone());
            self.after_dnat(s, local, dst, dport(t), server);
        }
        // The server's INVALID ACK to the client (forwarded, or local for `:PORT`).
        let chain = if local { "output" } else { "forward" };
        for t in targets {
            self.nat_invalid_ack_drop(s, chain, addr_of(t).or_else(|| orig_dst.clone()), dport(t));
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

    /// `redirect to PORT`: compiled as `dnat to DST:PORT` when the synproxy names one address (no
    /// sysctl needed), as nft `redirect` otherwise (which needs route_localnet on the inbound
    /// interfaces, as FireHOL sets).
    fn synproxy_redirect(
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
