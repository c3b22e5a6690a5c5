//! `synproxy` statements, following the packet walk verified in the kernel (shared/e2e/NOTES.md):
//!
//! 1. the client's SYN is untracked in raw prerouting (a flood never reaches conntrack);
//! 2. SYNPROXY answers in input/forward, matching `ct state invalid,untracked`, and `ct state
//!    new` for the client's ACK only (it is NEW when `nf_conntrack_tcp_loose=1`, so no sysctl is
//!    needed; a tracked SYN came through a DNAT and is not SYNPROXY's);
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
//!
//! Here: the statement builders, the rules of steps 1 to 3 and the action of step 4 without NAT;
//! `acks` holds the rules about SYNPROXY's ACK to the server, `nat` the `dnat`/`redirect` actions,
//! `runs` lowers statements that differ only in their ports once.

mod acks;
mod nat;
mod phased;
mod runs;

use super::Lowerer;
use super::ct_states;
use super::log_limited;
use super::matches::{Dir, family_guard, port_expr};
use crate::model::ir::{Action, Match, Synproxy, SynproxyAction, SynproxyType, Verdict};
use crate::model::values::Proto;
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

/// SYNPROXY's SYN to the server: new, with the client's (non-local) source, before any NAT.
fn new_syn() -> Vec<Stmt> {
    vec![
        syn(),
        ct_states(&["new"]),
        not_local_source(),
        not_dnatted(),
    ]
}

/// The rules' parts for the statement's action on SYNPROXY's connection to the server.
struct ServerRules<'a> {
    /// SYNPROXY's packets to the server, and their ports.
    srv: &'a [Stmt],
    ports: &'a [Stmt],
    /// Packets to the client, and their ports.
    rep: &'a [Stmt],
    rports: &'a [Stmt],
    /// The matches of the rule giving the action (the SYN to the server, with the options
    /// written after the action), the action's verdict alternatives, and whether it accepts.
    body: Vec<Stmt>,
    verdicts: Vec<Vec<Stmt>>,
    accept: bool,
}

impl Lowerer<'_> {
    pub(super) fn synproxies(&mut self) {
        if self.model.synproxies.is_empty() {
            return;
        }
        let starts = ["input", "forward"].map(|c| (c, self.rules.get(c).map_or(0, Vec::len)));
        let list = &self.model.synproxies;
        let mut at = 0;
        while at < list.len() {
            // Statements equal but for their ports lower once, when optimizing or looking for
            // errors only (see `runs`); `--no-optimize` keeps one rule per statement.
            let n = if self.optimize || !self.keep_stmts {
                runs::run_len(list, at)
            } else {
                1
            };
            at += self.synproxy_run(&list[at..at + n]);
        }
        for (chain, start) in starts {
            self.place_untracked(chain, start);
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
        family_guard(&mut st, Some(s.family));
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
        self.untrack_client_syn(s, &req, &ports);
        self.timestamp_note(s, t);
        self.synproxy_rule(s, t, &req, &ports);
        let Some(rep) = self.client_side(s, &client, Dir::Reply) else {
            return;
        };
        let rports = Self::ports(&client, Dir::Reply);
        self.synack_to_client(s, &rep, &rports);

        // 4. SYNPROXY's SYN (and ACK) to the server, and the statement's action.
        let Some(srv) = self.client_side(s, &server, Dir::Request) else {
            return;
        };
        let verdict = match &s.action {
            SynproxyAction::Dnat {
                targets,
                persistent,
                random,
            } => {
                self.synproxy_dnat(s, &srv, &ports, &server, targets, *persistent, *random);
                return;
            }
            SynproxyAction::Redirect { port } => {
                self.synproxy_redirect(s, &srv, &ports, &server, *port);
                return;
            }
            SynproxyAction::Accept => Verdict::Accept,
            SynproxyAction::Drop => Verdict::Drop,
            SynproxyAction::Reject => Verdict::Reject(s.reject_with),
            SynproxyAction::Action(n) => Verdict::Custom(n.clone()),
        };
        let act = Action::new(verdict.clone(), s.action_span);
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
        let r = ServerRules {
            srv: &srv,
            ports: &ports,
            rep: &rep,
            rports: &rports,
            body,
            verdicts,
            accept: verdict == Verdict::Accept,
        };
        if t == SynproxyType::Input {
            self.server_action_local(s, r);
        } else {
            self.server_action_routed(s, r);
        }
    }

    /// 1. raw: untrack the client's SYN.
    fn untrack_client_syn(&mut self, s: &Synproxy, req: &[Stmt], ports: &[Stmt]) {
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
        self.push("raw_prerouting", r, Some(s.span));
    }

    /// Step 2, SYNPROXY itself, in input or forward: the client's SYN, untracked by step 1,
    /// and its ACK, `invalid`, or `new` when `nf_conntrack_tcp_loose=1`. A SYN conntrack tracks
    /// (`new`) is not for SYNPROXY: step 1 did not untrack it, so it came here through a
    /// translation of its own (a `dnat` to the statement's `dst`), and FireHOL, whose rule
    /// wants INVALID or UNTRACKED, lets it on to the rest of the chain. Hence two rules.
    fn synproxy_rule(&mut self, s: &Synproxy, t: SynproxyType, req: &[Stmt], ports: &[Stmt]) {
        let hook = if t == SynproxyType::Input {
            "input"
        } else {
            "forward"
        };
        let base: Vec<Stmt> = req.iter().cloned().chain(ports.iter().cloned()).collect();
        let ack_only = tcp_flags(&["fin", "syn", "rst", "ack"], Expr::flags(&["ack"]));
        let synproxy = Stmt::Synproxy {
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
        };
        // Split in two when optimizing a forward synproxy (`phased`): the same packets, the same
        // action. In input nothing keeps the optimizer from merging the whole rule.
        let split = self.optimize && !s.log && t == SynproxyType::Forward;
        let states: &[&[&str]] = if split {
            &[&["untracked"], &["invalid"]]
        } else {
            &[&["invalid", "untracked"]]
        };
        for st in states {
            let mut r = base.clone();
            r.push(ct_states(st));
            self.log_rule(s, hook, r.clone(), "CLIENT->SYNPROXY SYN or ACK");
            r.push(synproxy.clone());
            if split && st == &["untracked"] {
                self.hold_untracked(hook, r, s);
            } else {
                self.push(hook, r, Some(s.span));
            }
        }
        let mut r = base;
        r.extend([ack_only, ct_states(&["new"])]);
        self.log_rule(s, hook, r.clone(), "CLIENT->SYNPROXY SYN or ACK");
        r.push(synproxy);
        self.push(hook, r, Some(s.span));
    }

    /// 3. SYNPROXY's SYN/ACK to the client.
    fn synack_to_client(&mut self, s: &Synproxy, rep: &[Stmt], rports: &[Stmt]) {
        let mut r: Vec<Stmt> = rep.iter().cloned().chain(rports.iter().cloned()).collect();
        r.push(tcp_flags(
            &["syn", "rst", "ack"],
            Expr::flags(&["syn", "ack"]),
        ));
        r.push(ct_states(&["invalid", "untracked"]));
        self.log_rule(s, "output", r.clone(), "SYNPROXY->CLIENT SYN,ACK");
        r.push(Stmt::Accept);
        self.push("output", r, Some(s.span));
    }

    /// The action for a local server: the SYN loops through lo; the action happens on the way in.
    fn server_action_local(&mut self, s: &Synproxy, r: ServerRules) {
        let span = Some(s.span);
        let out: Vec<Stmt> = [lo(false)]
            .into_iter()
            .chain(r.srv.iter().cloned())
            .chain(r.ports.iter().cloned())
            .chain(new_syn())
            .chain([Stmt::Accept])
            .collect();
        self.push("output", out, span);
        for v in r.verdicts {
            let m: Vec<Stmt> = [lo(true)]
                .into_iter()
                .chain(r.body.iter().cloned())
                .collect();
            self.push_logged("input", m, s.action_matches.log.as_ref(), v, span);
        }
        if r.accept {
            self.untracked_ack(s, SynproxyType::Input, r.srv, r.ports);
            for (chain, iif) in [("output", false), ("input", true)] {
                let m: Vec<Stmt> = [lo(iif)]
                    .into_iter()
                    .chain(r.srv.iter().cloned())
                    .chain(r.ports.iter().cloned())
                    .chain([ct_states(&["established"]), Stmt::Accept])
                    .collect();
                self.push(chain, m, span);
            }
        }
        self.invalid_ack_drop(s, "output", r.rep, r.rports);
    }

    /// The action for a server on another host, given as SYNPROXY's SYN leaves.
    fn server_action_routed(&mut self, s: &Synproxy, r: ServerRules) {
        let span = Some(s.span);
        for v in r.verdicts {
            self.push_logged(
                "output",
                r.body.clone(),
                s.action_matches.log.as_ref(),
                v,
                span,
            );
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
        if r.accept {
            self.untracked_ack(s, SynproxyType::Forward, r.srv, r.ports);
            self.push("output", sent_for(r.srv, r.ports), span);
        }
        // SYNPROXY's window update to the client leaves through output with the
        // server's (non-local) address; without this the client waits for its
        // zero-window probe before it may send.
        self.push("output", sent_for(r.rep, r.rports), span);
        self.invalid_ack_drop(s, "forward", r.rep, r.rports);
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
}
