//! NAT statements (`dnat`, `snat`, `redirect`, `masquerade`, transparent proxies): targets, the
//! hooks of `at`, the users of transparent_proxy.

use super::build::*;
use super::ir::{Cond, Families, Nat, NatKind, NatTarget};
use super::values::{self, Af, Hook, Port, split_list};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;

impl Builder<'_> {
    /// The hooks of a NAT statement's `at` words (FireHOL's `pre/in/out/post` or the chain
    /// names, comma or space separated), else the kind's default. nftables NATs in prerouting
    /// and output (destination) and in input and postrouting (source) only.
    pub(super) fn nat_hooks(&mut self, kind: NatKind, words: &[(String, Span)]) -> Vec<Hook> {
        let dest = matches!(
            kind,
            NatKind::Dnat | NatKind::Redirect | NatKind::TransparentProxy | NatKind::Tproxy
        );
        let mut out = Vec::new();
        for (text, span) in words {
            for w in text.split([',', ' ']).filter(|w| !w.is_empty()) {
                let w = w.to_ascii_lowercase();
                let hook = match Hook::from_where(&w) {
                    Some(Hook::Forward) | None => {
                        self.untranslatable(
                            *span,
                            format!("NAT `at {w}`: nftables has NAT hooks only at prerouting, input, output and postrouting"),
                        );
                        continue;
                    }
                    Some(h) => h,
                };
                let source_hook = matches!(hook, Hook::Input | Hook::Postrouting);
                if dest == source_hook {
                    let what = if dest {
                        "destination NAT"
                    } else {
                        "source NAT"
                    };
                    self.untranslatable(
                        *span,
                        format!("NAT `at {w}`: {what} cannot be done in that hook"),
                    );
                    continue;
                }
                if !out.contains(&hook) {
                    out.push(hook);
                }
            }
        }
        if out.is_empty() {
            out.push(if dest {
                Hook::Prerouting
            } else {
                Hook::Postrouting
            });
        }
        out
    }

    pub(super) fn nat(&mut self, c: &Command, n: &NatCmd, fams: Families) {
        let kind = match c.cmd {
            Cmd::Snat => NatKind::Snat,
            Cmd::Redirect => NatKind::Redirect,
            Cmd::Nat => match n.mode.as_ref().and_then(|w| w.literal()) {
                Some("to-source") => NatKind::Snat,
                Some("redirect-to") => NatKind::Redirect,
                _ => NatKind::Dnat,
            },
            _ => NatKind::Dnat,
        };
        let mut targets = Vec::new();
        let mut ports = Vec::new();
        if let Some(w) = &n.targets
            && let Some(t) = self.expand(w)
        {
            if kind == NatKind::Redirect {
                for s in split_list(&t) {
                    match values::parse_port(s) {
                        Ok(Some(p)) => ports.push(p),
                        Ok(None) => {}
                        Err(e) => self.diags.push(
                            Diagnostic::new(Code::InvalidValue, w.span, e)
                                .with_label("redirect port"),
                        ),
                    }
                }
            } else {
                targets = self.nat_targets(&t, w.span, fams);
            }
        }
        let ps: Vec<&Param> = n.params.iter().collect();
        let matches = self.build_match(&ps, fams);
        let at_words: Vec<(String, Span)> = n
            .options
            .iter()
            .filter(|o| o.kind == NatOptionKind::At)
            .filter_map(|o| {
                let w = o.value.as_ref()?;
                Some((self.expand(w)?, w.span))
            })
            .collect();
        let at = self.nat_hooks(kind, &at_words);
        // (A missing target word is E0008 already.)
        if matches!(kind, NatKind::Dnat | NatKind::Snat) && n.targets.is_some() {
            self.check_nat_targets(c.span, fams, &targets, &matches);
        }
        self.push_nat(Nat {
            span: c.span,
            kind,
            families: fams,
            targets,
            ports,
            persistent: n
                .options
                .iter()
                .any(|o| o.kind == NatOptionKind::Persistent),
            random: n.options.iter().any(|o| o.kind == NatOptionKind::Random),
            at,
            user: None,
            matches,
            section: None,
            reverse: false,
        });
    }

    /// What nftables needs of DNAT/SNAT targets: an address of the rule's family (a dual-stack
    /// `dnat to :PORT` names none), and several targets (a round robin) all with an address of
    /// one family and the same port.
    fn check_nat_targets(
        &mut self,
        span: Span,
        fams: Families,
        targets: &[NatTarget],
        m: &super::ir::Match,
    ) {
        let addr_fams: Vec<Af> = targets
            .iter()
            .filter_map(|t| t.addr.as_ref().and_then(values::Addr::family))
            .collect();
        if targets.is_empty() {
            self.bad_value(span, "the NAT target is empty".into());
            return;
        }
        let msg = if targets.len() > 1
            && (!NatTarget::round_robin(targets)
                || addr_fams.len() != targets.len()
                || addr_fams.iter().any(|f| *f != addr_fams[0]))
        {
            "several NAT targets must all give an address and the same port"
        } else if addr_fams.is_empty() && m.rule_families(fams) == [None] {
            // One rule for both families: nft's dnat/snat needs to know which.
            "NAT targets must name an address"
        } else if targets.len() == 1 && targets[0].addr.is_none() && targets[0].port.is_none() {
            "the NAT target gives no address for this family"
        } else {
            return;
        };
        self.untranslatable(span, msg.into());
    }

    pub(super) fn push_nat(&mut self, nat: Nat) {
        if matches!(
            nat.kind,
            NatKind::Dnat | NatKind::Redirect | NatKind::TransparentProxy | NatKind::Tproxy
        ) && self.model.synproxies.is_empty()
        {
            self.dnat_before_synproxy.push(self.model.nats.len());
        }
        self.model.nats.push(nat);
    }

    /// `IP`, `IP:PORT`, `:PORT`, `IP1-IP2:P1-P2`, `[IPv6]:PORT`, bare IPv6.
    pub(super) fn nat_targets(&mut self, text: &str, span: Span, fams: Families) -> Vec<NatTarget> {
        let mut out = Vec::new();
        for tok in split_list(text) {
            match parse_nat_target(tok) {
                Ok(t) => {
                    if let (Some(af), Some(a)) =
                        (fams.single(), t.addr.as_ref().and_then(|a| a.family()))
                        && af != a
                    {
                        self.diags.push(
                            Diagnostic::new(
                                Code::FamilyMismatch,
                                span,
                                format!(
                                    "`{tok}` is not an {} address",
                                    if af == Af::V4 { "IPv4" } else { "IPv6" }
                                ),
                            )
                            .with_label("wrong family for this statement"),
                        );
                    }
                    out.push(t)
                }
                Err(e) => self
                    .diags
                    .push(Diagnostic::new(Code::InvalidValue, span, e).with_label("NAT target")),
            }
        }
        out
    }

    /// `masquerade [reverse] [IFACES] [random] ...`: source NAT to the outgoing interface's
    /// address, in postrouting.
    pub(super) fn masquerade(
        &mut self,
        c: &Command,
        reverse: bool,
        ifaces: Option<&Word>,
        options: &[NatOption],
        params: &[Param],
        fams: Families,
    ) {
        let ps: Vec<&Param> = params.iter().collect();
        let mut m = self.build_match(&ps, fams);
        // `masquerade any`: every outgoing interface, no match.
        if let Some(w) = ifaces
            && let Some(Some(vals)) = self.iface_list(w)
        {
            m.outface = Some(Cond {
                negated: false,
                values: vals,
                span: w.span,
            });
        }
        self.check_masquerade_face(c, ifaces.is_some(), reverse);
        let nat = Nat {
            span: c.span,
            kind: NatKind::Masquerade,
            families: fams,
            targets: vec![],
            ports: vec![],
            persistent: false,
            random: options.iter().any(|o| o.kind == NatOptionKind::Random),
            at: vec![Hook::Postrouting],
            user: None,
            matches: m,
            section: self.section,
            reverse,
        };
        self.model.nats.push(nat);
    }

    pub(super) fn transparent(
        &mut self,
        c: &Command,
        ports: Option<&Word>,
        redirect: Option<&Word>,
        user: Option<&Word>,
        params: &[Param],
        fams: Families,
    ) {
        if c.cmd == Cmd::Tproxy {
            self.untranslatable(
                c.span,
                "tproxy needs policy routing (ip rule/ip route) that fhc does not set up".into(),
            );
        }
        let kind = if c.cmd == Cmd::Tproxy {
            NatKind::Tproxy
        } else {
            NatKind::TransparentProxy
        };
        let port_list = self.transparent_ports(c, ports);
        let mut targets = Vec::new();
        if let Some(w) = redirect
            && let Some(t) = self.expand(w)
        {
            match values::parse_port(&t) {
                Ok(p) => targets.push(NatTarget {
                    addr: None,
                    port: p,
                }),
                Err(e) => self
                    .diags
                    .push(Diagnostic::new(Code::InvalidValue, w.span, e).with_label("local port")),
            }
        }
        let user = self.transparent_users(c, user);
        let ps: Vec<&Param> = params.iter().collect();
        let matches = self.build_match(&ps, fams);
        self.push_nat(Nat {
            span: c.span,
            kind,
            families: fams,
            targets,
            ports: port_list,
            persistent: false,
            random: false,
            at: vec![Hook::Prerouting],
            user,
            matches,
            section: None,
            reverse: false,
        });
    }

    /// The ports a transparent proxy catches (80 when not given).
    fn transparent_ports(&mut self, c: &Command, ports: Option<&Word>) -> Vec<Port> {
        let caught = match ports {
            Some(w) => self.expand(w).unwrap_or_default(),
            None => "80".to_string(),
        };
        let mut port_list = Vec::new();
        for s in split_list(&caught) {
            match values::parse_port(s) {
                Ok(Some(p)) => port_list.push(p),
                Ok(None) => {}
                Err(e) => self.diags.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        ports.map(|w| w.span).unwrap_or(c.span),
                        e,
                    )
                    .with_label("ports"),
                ),
            }
        }
        port_list
    }

    /// The users whose traffic a transparent proxy does not redirect (`None`: no `user` given).
    fn transparent_users(
        &mut self,
        c: &Command,
        user: Option<&Word>,
    ) -> Option<Vec<values::Owner>> {
        // `any` among the users: FireHOL's `uid not any` is no match (all local traffic).
        let user_word = user.map(|w| w.span).unwrap_or(c.span);
        let user: Option<Vec<String>> = user
            .and_then(|w| self.expand(w))
            .map(|t| {
                split_list(&t)
                    .into_iter()
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .filter(|users| !users.is_empty())
            .map(|users| {
                if users.iter().any(|u| values::is_any(u)) {
                    if users.len() > 1
                        && let Some(w) = user
                    {
                        // FireHOL passes it on as `uid not "a any"`: a negated list with `any`.
                        self.diags.push(
                            Diagnostic::new(
                                Code::InvalidValue,
                                w.span,
                                "`any` inside the list of users whose traffic is not redirected",
                            )
                            .with_label("`any` with other users")
                            .with_help("`any` alone redirects every user's traffic; otherwise list the users"),
                        );
                    }
                    vec![]
                } else {
                    users
                }
            });
        user.map(|users| self.owners(&users, user_word))
    }
}

/// Parses one `dnat to` target.
pub fn parse_nat_target(tok: &str) -> Result<NatTarget, String> {
    let (addr_part, port_part) = if let Some(rest) = tok.strip_prefix('[') {
        let (a, p) = rest
            .split_once(']')
            .ok_or_else(|| format!("`{tok}`: missing `]`"))?;
        (a, p.strip_prefix(':'))
    } else if tok.matches(':').count() > 1 {
        (tok, None) // a bare IPv6 address
    } else {
        match tok.split_once(':') {
            Some((a, p)) => (a, Some(p)),
            None => (tok, None),
        }
    };
    let addr = if addr_part.is_empty() {
        None
    } else {
        match values::parse_addr(addr_part)? {
            a @ (values::Addr::Net(..) | values::Addr::Range(..)) => Some(a),
            _ => return Err(format!("`{addr_part}` is not an IP address or range")),
        }
    };
    let port: Option<Port> = match port_part {
        Some(p) => values::parse_port(p)?,
        None => None,
    };
    if addr.is_none() && port.is_none() {
        return Err(format!("`{tok}` gives neither an address nor a port"));
    }
    Ok(NatTarget { addr, port })
}
