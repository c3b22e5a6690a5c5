//! `synproxy`: building the model entry, and the checks that need the whole file (ordering against
//! destination NAT, statements that cannot be told apart, traffic nothing accepts).

use super::build::Builder;
use super::edits::move_line_edits;
use super::ir::*;
use super::values::{Addr, Af, Port, Proto, parse_port, split_list};
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::syntax::ast::{Command, Param, SynproxyCmd, SynproxyVerb};
use std::net::IpAddr;

/// An accepting server/route statement: section kind, families, TCP port ranges (`None`: any
/// port) and the destination it is restricted to.
type Accepting = (
    SectionKind,
    Families,
    Option<Vec<(u16, u16)>>,
    Option<Cond<Addr>>,
);

/// Where a synproxy's connection must be accepted: section kinds, destinations, ports.
type Wanted = (Vec<SectionKind>, Option<Vec<Addr>>, Vec<Port>);

/// Parses `FIREHOL_SYNPROXY_OPTIONS` (the iptables SYNPROXY target's options, `--` optional).
pub fn parse_options(text: &str) -> Result<SynproxyOptions, String> {
    let mut o = SynproxyOptions {
        mss: None,
        wscale: None,
        timestamp: false,
        sack_perm: false,
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return Err(
            "FIREHOL_SYNPROXY_OPTIONS is empty; SYNPROXY cannot work without options".into(),
        );
    }
    let mut i = 0;
    while i < words.len() {
        let w = words[i].trim_start_matches("--");
        let num = |i: usize, what: &str, max: u32| -> Result<u32, String> {
            let v = words
                .get(i + 1)
                .ok_or_else(|| format!("`--{what}` needs a number"))?;
            match v.parse::<u32>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(format!("`--{what} {v}`: expected a number from 0 to {max}")),
            }
        };
        match w {
            "sack-perm" => o.sack_perm = true,
            "timestamp" => o.timestamp = true,
            "wscale" => {
                o.wscale = Some(num(i, "wscale", 14)?);
                i += 1;
            }
            "mss" => {
                o.mss = Some(num(i, "mss", 65535)?);
                i += 1;
            }
            other => {
                return Err(format!(
                    "`{other}` is not a SYNPROXY option (sack-perm, timestamp, wscale N, mss N)"
                ));
            }
        }
        i += 1;
    }
    Ok(o)
}

impl Builder<'_> {
    pub(super) fn synproxy(&mut self, c: &Command, s: &SynproxyCmd, fams: Families) {
        let dst_literal_af = s
            .params
            .iter()
            .find(|p| matches!(p.kind, Some(crate::syntax::ast::ParamKind::Dst)))
            .and_then(|p| p.values.first())
            .and_then(|w| w.literal())
            .and_then(|t| {
                split_list(t)
                    .first()
                    .and_then(|x| super::values::parse_addr(x).ok())
                    .and_then(|a| a.family())
            });
        let af = match fams.single() {
            Some(af) => af,
            None => {
                let guess = dst_literal_af.unwrap_or(Af::V4);
                let prefix = if guess == Af::V4 { "ipv4" } else { "ipv6" };
                let edit = match c.family {
                    Some(sel) if sel.prefix => TextEdit {
                        span: sel.span,
                        new_text: prefix.into(),
                    },
                    Some(_) => TextEdit {
                        span: c.name.span,
                        new_text: format!("synproxy{}", &prefix[3..]),
                    },
                    None => TextEdit {
                        span: Span::new(c.name.span.start, c.name.span.start),
                        new_text: format!("{prefix} "),
                    },
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::SynproxyFamily,
                        c.name.span,
                        "synproxy must be told its address family",
                    )
                    .with_label("this applies to both IPv4 and IPv6")
                    .with_note("FireHOL refuses synproxy in dual-stack mode")
                    .with_help(format!("write `{prefix} synproxy ...`"))
                    .with_fix(format!("prefix with `{prefix}`"), vec![edit]),
                );
                guess
            }
        };
        let fam = if af == Af::V4 {
            Families::V4
        } else {
            Families::V6
        };
        let mut types = Vec::new();
        if let Some(w) = &s.types
            && let Some(t) = self.expand(w)
        {
            for ty in split_list(&t) {
                match ty.to_ascii_lowercase().as_str() {
                    "in" | "input" => types.push(SynproxyType::Input),
                    "pass" | "forward" => types.push(SynproxyType::Forward),
                    hook @ ("pre" | "prerouting" | "out" | "output" | "post" | "postrouting") => {
                        let why = match hook {
                            "out" | "output" => {
                                "there is no point in SYNPROXY on OUTPUT: it protects servers from clients"
                            }
                            _ => "the kernel's SYNPROXY only works in the input and forward hooks",
                        };
                        self.diags.push(
                            Diagnostic::new(Code::SynproxyBadHook, w.span, format!("synproxy cannot be used in {}", hook.to_uppercase()))
                                .with_label(why)
                                .with_help("use `input` for a server on this host, `forward` for a routed server")
                                .with_fix("use `input`", vec![TextEdit { span: w.span, new_text: "input".into() }]),
                        );
                    }
                    other => {
                        let best = crate::suggest::suggest(
                            other,
                            ["input", "forward", "in", "pass"].into_iter(),
                        );
                        let mut d = Diagnostic::new(Code::SynproxyUnknownType, w.span, format!("`{other}` is not a synproxy type"))
                            .with_label("expected input (in) or forward (pass)")
                            .with_note("FireHOL does not check this and emits rules into a chain that does not exist");
                        if let Some(b) = best {
                            d = d.with_fix(
                                format!("use `{b}`"),
                                vec![TextEdit {
                                    span: w.span,
                                    new_text: b.into(),
                                }],
                            );
                        }
                        self.diags.push(d);
                    }
                }
            }
        }
        let ps: Vec<&Param> = s.params.iter().collect();
        let matches = self.build_match(&ps, fam);
        if let Some(p) = &matches.proto
            && (p.negated || p.values.iter().any(|x| *x != Proto::Tcp))
        {
            let at = ps
                .iter()
                .find(|p| p.kind == Some(crate::syntax::ast::ParamKind::Proto))
                .map(|p| p.span)
                .unwrap_or(p.span);
            self.diags.push(
                Diagnostic::new(
                    Code::SynproxyProto,
                    at,
                    "SYNPROXY only protects TCP; this `proto` is replaced by tcp",
                )
                .with_label("ignored: the statement is about tcp")
                .with_fix(
                    "remove it",
                    vec![TextEdit {
                        span: at,
                        new_text: String::new(),
                    }],
                ),
            );
        }
        let options_text = self.env.value("FIREHOL_SYNPROXY_OPTIONS").map(String::from);
        let options = match &options_text {
            None => SynproxyOptions::default(),
            Some(t) => {
                match parse_options(t) {
                    Ok(o) => o,
                    Err(e) => {
                        let at = self
                            .env
                            .get("FIREHOL_SYNPROXY_OPTIONS")
                            .and_then(|v| v.defined_at)
                            .unwrap_or(c.span);
                        self.diags.push(
                        Diagnostic::new(Code::SynproxyOptions, at, e)
                            .with_label("invalid SYNPROXY options")
                            .with_secondary(c.span, "used by this synproxy")
                            .with_help("the default is \"--sack-perm --timestamp --wscale 7 --mss 1460\""),
                    );
                        SynproxyOptions::default()
                    }
                }
            }
        };
        let untrack_ack = self.untrack_ack_setting(c.span);
        let log = self.env.value("FIREHOL_SYNPROXY_LOG") == Some("1");
        let exclude_owner = self.env.value("FIREHOL_SYNPROXY_EXCLUDE_OWNER") == Some("1");

        // Required parameters (FireHOL's own checks, with fixes).
        let after_types = s
            .types
            .as_ref()
            .map(|w| w.span.end)
            .unwrap_or(c.name.span.end);
        if matches.inface.is_none()
            && !ps
                .iter()
                .any(|p| p.kind == Some(crate::syntax::ast::ParamKind::Inface))
        {
            let iface = self.iface_hint.clone().unwrap_or_else(|| "eth0".into());
            self.diags.push(
                Diagnostic::new(
                    Code::SynproxyNoInface,
                    c.span,
                    "synproxy needs `inface`: the interface(s) the clients' requests arrive on",
                )
                .with_label("no `inface`")
                .with_help(format!(
                    "add `inface {iface}` (the interface facing the clients)"
                ))
                .with_fix(
                    format!("add `inface {iface}`"),
                    vec![TextEdit {
                        span: Span::new(after_types, after_types),
                        new_text: format!(" inface {iface}"),
                    }],
                ),
            );
        }
        let has_dst = matches.dst_for(af).is_some_and(|d| !d.negated);
        let has_src_not = matches.src_for(af).is_some_and(|d| d.negated);
        if !(has_dst || exclude_owner && has_src_not) {
            let (msg, help) = if exclude_owner {
                (
                    "synproxy needs `dst` or `src not ...`",
                    "with FIREHOL_SYNPROXY_EXCLUDE_OWNER=1, give the server's IP with `dst`, or exclude your own networks with `src not \"$UNROUTABLE_IPS\"`",
                )
            } else {
                (
                    "synproxy needs `dst`: the server's IP as the clients see it",
                    "the destination IP is how FireHOL recognises SYNPROXY's own SYN to the server",
                )
            };
            let at = ps
                .iter()
                .rev()
                .map(|p| p.span.end)
                .next()
                .unwrap_or(after_types);
            self.diags.push(
                Diagnostic::new(Code::SynproxyNoDst, c.span, msg)
                    .with_label(if matches.dst.as_ref().is_some_and(|d| d.negated) {
                        "`dst not ...` does not name the server"
                    } else {
                        "no `dst`"
                    })
                    .with_help(help)
                    .with_fix(
                        "add a `dst` placeholder to fill in",
                        vec![TextEdit {
                            span: Span::new(at, at),
                            new_text: " dst SERVER_IP".into(),
                        }],
                    ),
            );
        }

        let (action, action_span, action_matches) = match &s.action {
            None => (SynproxyAction::Accept, c.span, Match::default()),
            Some(a) => {
                let aps: Vec<&Param> = a.params.iter().collect();
                let am = self.build_match(&aps, fam);
                let target = a
                    .target
                    .as_ref()
                    .and_then(|w| self.expand(w).map(|t| (t, w.span)));
                let act = match a.verb {
                    SynproxyVerb::Accept => SynproxyAction::Accept,
                    SynproxyVerb::Drop => SynproxyAction::Drop,
                    SynproxyVerb::Reject => SynproxyAction::Reject,
                    SynproxyVerb::Action => match &target {
                        Some((name, span)) => {
                            self.action_refs.push((name.clone(), *span));
                            SynproxyAction::Action(name.clone())
                        }
                        None => SynproxyAction::Drop,
                    },
                    SynproxyVerb::Dnat => {
                        let targets = target
                            .map(|(t, sp)| self.nat_targets(&t, sp, fam))
                            .unwrap_or_default();
                        SynproxyAction::Dnat {
                            targets,
                            persistent: a
                                .nat_options
                                .iter()
                                .any(|o| o.kind == crate::syntax::ast::NatOptionKind::Persistent),
                            random: a
                                .nat_options
                                .iter()
                                .any(|o| o.kind == crate::syntax::ast::NatOptionKind::Random),
                        }
                    }
                    SynproxyVerb::Redirect => match &target {
                        Some((t, sp)) => match parse_port(t) {
                            Ok(Some(port)) => SynproxyAction::Redirect { port },
                            Ok(None) | Err(_) => {
                                self.diags.push(
                                    Diagnostic::new(
                                        Code::InvalidValue,
                                        *sp,
                                        format!("`{t}` is not a port to redirect to"),
                                    )
                                    .with_label("expected a port number"),
                                );
                                SynproxyAction::Accept
                            }
                        },
                        None => SynproxyAction::Accept,
                    },
                };
                (act, a.span, am)
            }
        };
        let reject_with = match s.action.as_ref().and_then(|a| a.with.as_ref()) {
            Some(w) => {
                let msg = self.expand(w).unwrap_or_default();
                let r = super::verdicts::reject_with(&msg);
                if r.is_none() {
                    self.untranslatable(
                        w.span,
                        format!("`reject with {msg}` has no nftables equivalent"),
                    );
                }
                r
            }
            None => None,
        };
        self.last_synproxy_stmt = Some(self.stmt_index());
        let synproxy = Synproxy {
            span: c.span,
            family: af,
            types,
            matches,
            action,
            action_span,
            action_matches,
            reject_with,
            options,
            log,
            exclude_owner,
            untrack_ack,
        };
        self.check_timestamp_stall(c, &synproxy);
        self.model.synproxies.push(synproxy);
    }

    /// `FHC_SYNPROXY_UNTRACK_ACK` in force at a synproxy statement: 1 (the default) or 0; any
    /// other value is an error at its assignment (reported once).
    fn untrack_ack_setting(&mut self, stmt: Span) -> bool {
        let Some(v) = self.env.get("FHC_SYNPROXY_UNTRACK_ACK") else {
            return true;
        };
        match v.value.as_str() {
            "1" => true,
            "0" => false,
            other => {
                let at = v.defined_at.unwrap_or(stmt);
                if self.reported_unset.insert(at) {
                    self.diags.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            at,
                            format!("FHC_SYNPROXY_UNTRACK_ACK is `{other}`: it is 0 or 1"),
                        )
                        .with_label("not 0 or 1")
                        .with_help(
                            "1 (the default) avoids the SYNPROXY timestamp stall of Linux >= 6.15 \
                             servers; 0 keeps SYNPROXY's ACK to the server tracked",
                        ),
                    );
                }
                true
            }
        }
    }

    pub(super) fn synproxy_checks(&mut self) {
        self.check_dnat_order();
        self.check_ambiguous();
        self.check_accepted();
    }

    /// Destination NAT written before the first synproxy sits above synproxy's isolation in the
    /// nat chains and can rewrite SYNPROXY's SYN to the server.
    fn check_dnat_order(&mut self) {
        let Some(&first_nat) = self.dnat_before_synproxy.first() else {
            return;
        };
        let first_nat_span = self.model.nats[first_nat].span;
        let mut out = Vec::new();
        for s in &self.model.synproxies {
            let Some(n) = self
                .dnat_before_synproxy
                .iter()
                .map(|&i| &self.model.nats[i])
                .find(|n| nat_captures(n, s))
            else {
                continue;
            };
            let what = match n.kind {
                NatKind::Dnat => "dnat",
                NatKind::Redirect => "redirect",
                NatKind::Tproxy => "tproxy",
                _ => "transparent proxy",
            };
            out.push(
                Diagnostic::new(Code::SynproxyAfterDnat, s.span, format!("this synproxy comes after a {what} that can capture its SYN to the server"))
                    .with_label("placed after the NAT statement")
                    .with_secondary(n.span, format!("this {what} matches the same destination and port, and comes first"))
                    .with_note("SYNPROXY's own SYN to the server is a new locally generated connection; destination NAT written above the first synproxy sees it first")
                    .with_help("place synproxy statements above all destination NAT statements")
                    .with_fix("move the synproxy above the first destination NAT", move_line_edits(self.text, s.span, first_nat_span)),
            );
        }
        self.diags.extend(out);
    }

    /// Two synproxy statements whose SYN to the server looks the same but that want different
    /// treatment: only the first would ever match (inface is lost on SYNPROXY's own packets).
    fn check_ambiguous(&mut self) {
        let sp = &self.model.synproxies;
        let mut out = Vec::new();
        // Only statements whose ports can overlap are compared: the usual config has one port per
        // statement, and comparing every pair would be quadratic in the number of synproxies.
        let points: Vec<Option<Vec<u16>>> = sp
            .iter()
            .map(|s| single_ports(s.matches.dport.as_ref()))
            .collect();
        let mut by_port: crate::hash::FastMap<u16, Vec<usize>> = Default::default();
        let mut wide: Vec<usize> = Vec::new();
        for (j, b) in sp.iter().enumerate() {
            let mut earlier: Vec<usize> = match &points[j] {
                Some(ports) => ports
                    .iter()
                    .flat_map(|p| by_port.get(p).into_iter().flatten().copied())
                    .chain(wide.iter().copied())
                    .collect(),
                None => (0..j).collect(),
            };
            earlier.sort_unstable();
            earlier.dedup();
            match &points[j] {
                Some(ports) => ports
                    .iter()
                    .for_each(|p| by_port.entry(*p).or_default().push(j)),
                None => wide.push(j),
            }
            for a in earlier.into_iter().map(|i| &sp[i]) {
                if a.family != b.family
                    || !a.types.iter().any(|t| b.types.contains(t))
                    || !addr_overlap(a.matches.dst_for(a.family), b.matches.dst_for(b.family))
                    || !port_overlap(a.matches.dport.as_ref(), b.matches.dport.as_ref())
                {
                    continue;
                }
                let src_apart = match (a.matches.src_for(a.family), b.matches.src_for(b.family)) {
                    (Some(x), Some(y)) => !addr_overlap(Some(x), Some(y)),
                    _ => false,
                };
                if src_apart {
                    continue;
                }
                let diff_action = a.action != b.action || a.action_matches != b.action_matches;
                let ifaces = |s: &Synproxy| {
                    s.matches
                        .inface
                        .as_ref()
                        .map(|c| (c.negated, c.values.clone()))
                };
                let diff_iface = ifaces(a) != ifaces(b);
                if !diff_action && !diff_iface {
                    continue;
                }
                let why = if diff_action {
                    "a different action"
                } else {
                    "a different inface"
                };
                // Insert `src` placeholders before each statement's action (or at its end).
                let src_edit = |s: &Synproxy, name: &str| {
                    let has_src = s.matches.src_for(s.family).is_some();
                    let at = if s.action_span != s.span {
                        s.action_span.start
                    } else {
                        s.span.end
                    };
                    let text = if at == s.span.end {
                        format!(" src {name}")
                    } else {
                        format!("src {name} ")
                    };
                    (!has_src).then_some(TextEdit {
                        span: Span::new(at, at),
                        new_text: text,
                    })
                };
                let edits: Vec<TextEdit> = [src_edit(a, "CLIENTS_1"), src_edit(b, "CLIENTS_2")]
                    .into_iter()
                    .flatten()
                    .collect();
                out.push(
                    Diagnostic::new(Code::SynproxyAmbiguous, b.span, format!("this synproxy protects the same server as an earlier one, with {why}"))
                        .with_label("SYNPROXY's SYN to the server cannot be told apart from the earlier one's")
                        .with_secondary(a.span, "the earlier statement, which would catch both")
                        .with_note("SYNPROXY's own packets lose the incoming interface, so only the destination, port and source can separate them")
                        .with_help("add `src` to each statement, naming the clients it is for")
                        .with_fix("add `src` placeholders to fill in", edits),
                );
                break;
            }
        }
        self.diags.extend(out);
    }

    /// After the handshake the connection is ordinary traffic: some server/route must accept it.
    fn check_accepted(&mut self) {
        if self.model.synproxies.is_empty() {
            return;
        }
        // Every accepting server/route statement, once: (section kind, families, tcp port ranges
        // (None = any port), destination condition). Synproxies are then checked against this
        // compact list instead of walking every section's rules and services each time.
        let mut accepting: Vec<Accepting> = Vec::new();
        for sec in &self.model.sections {
            for r in &sec.rules {
                if r.action.verdict != Verdict::Accept || r.role == crate::syntax::ast::Role::Client
                {
                    continue;
                }
                for af in [Af::V4, Af::V6] {
                    if !r.families.has(af) || !sec.families.has(af) {
                        continue;
                    }
                    let dst = r.matches.dst_for(af).or(sec.matches.dst_for(af)).cloned();
                    let fam = if af == Af::V4 {
                        Families::V4
                    } else {
                        Families::V6
                    };
                    for svc in &r.services {
                        if let Some(ranges) = tcp_ranges(&svc.def) {
                            accepting.push((sec.kind, fam, ranges, dst.clone()));
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for s in &self.model.synproxies {
            if matches!(
                s.action,
                SynproxyAction::Drop | SynproxyAction::Reject | SynproxyAction::Action(_)
            ) {
                continue;
            }
            let Some(dport) = &s.matches.dport else {
                continue;
            };
            if dport.negated {
                continue;
            }
            let af = s.family;
            let orig_dsts = s
                .matches
                .dst_for(af)
                .filter(|c| !c.negated)
                .map(|c| c.values.clone());
            // Where the connection goes after the synproxy's own NAT: (section kind, dsts, ports).
            let mut wants: Vec<Wanted> = Vec::new();
            match &s.action {
                SynproxyAction::Redirect { port } => wants.push((
                    vec![SectionKind::Interface],
                    orig_dsts.clone(),
                    vec![port.clone()],
                )),
                SynproxyAction::Dnat { targets, .. } => {
                    for t in targets {
                        let ports = t
                            .port
                            .clone()
                            .map(|p| vec![p])
                            .unwrap_or_else(|| dport.values.clone());
                        match &t.addr {
                            // `dnat to :PORT` keeps the (local) destination the client used.
                            None => {
                                wants.push((vec![SectionKind::Interface], orig_dsts.clone(), ports))
                            }
                            Some(a) => wants.push((
                                vec![SectionKind::Router],
                                Some(vec![a.clone()]),
                                ports,
                            )),
                        }
                    }
                }
                _ => {
                    let kinds = s
                        .types
                        .iter()
                        .map(|t| {
                            if *t == SynproxyType::Input {
                                SectionKind::Interface
                            } else {
                                SectionKind::Router
                            }
                        })
                        .collect();
                    let kinds: Vec<SectionKind> = kinds;
                    if !kinds.is_empty() {
                        wants.push((kinds, orig_dsts.clone(), dport.values.clone()));
                    }
                }
            }
            let mut missing: Vec<(SectionKind, Port)> = Vec::new();
            for (kinds, dsts, ports) in &wants {
                // Each destination on its own: with `in,pass` one may be local and another routed.
                let each: Vec<Option<Vec<Addr>>> = match dsts {
                    Some(d) => d.iter().map(|a| Some(vec![a.clone()])).collect(),
                    None => vec![None],
                };
                for port in ports {
                    for dst in &each {
                        let accepted = accepting.iter().any(|(kind, fam, ranges, rdst)| {
                            kinds.contains(kind)
                                && fam.has(af)
                                && ranges.as_ref().is_none_or(|rs| {
                                    port_range(port).is_some_and(|(a, b)| {
                                        rs.iter().any(|(x, y)| *x <= a && b <= *y)
                                    })
                                })
                                && dst_allows(rdst.as_ref(), dst.as_deref())
                        });
                        if !accepted && !missing.iter().any(|(_, p)| p == port) {
                            missing.push((kinds[0], port.clone()));
                        }
                    }
                }
            }
            if let Some((kind, _)) = missing.first() {
                let place = if *kind == SectionKind::Interface {
                    "an interface section"
                } else {
                    "a router section"
                };
                let ports_s: Vec<String> = missing.iter().map(|(_, p)| p.to_string()).collect();
                out.push(
                    Diagnostic::new(Code::SynproxyNotAccepted, s.span, format!("nothing accepts the connections this synproxy lets through (tcp port {})", ports_s.join(",")))
                        .with_label("the handshake completes, then the firewall drops the connection")
                        .with_help(format!("allow the real traffic in {place}, e.g. `server custom web tcp/{} default accept`", ports_s[0])),
                );
            }
        }
        self.diags.extend(out);
    }
}

/// The TCP port ranges a service accepts (`None`: every port; `Some(empty)`: no TCP at all).
fn tcp_ranges(def: &ServiceDef) -> Option<Option<Vec<(u16, u16)>>> {
    use super::services::{PortSpec, Proto as SProto};
    match def {
        ServiceDef::Simple { server, .. } => {
            let mut ranges = Vec::new();
            for sp in server
                .iter()
                .filter(|sp| matches!(sp.proto, SProto::Any | SProto::Tcp))
            {
                match sp.ports {
                    PortSpec::Any => return Some(None),
                    PortSpec::Port(n) => ranges.push((n, n)),
                    PortSpec::Range(a, b) => ranges.push((a, b)),
                }
            }
            (!ranges.is_empty()).then_some(Some(ranges))
        }
        _ => None,
    }
}

/// The ports of a condition when it is a plain list of single ports (`None`: any port, a
/// negation, a range or a name).
fn single_ports(c: Option<&Cond<Port>>) -> Option<Vec<u16>> {
    let c = c?;
    if c.negated {
        return None;
    }
    c.values
        .iter()
        .map(|p| match port_range(p) {
            Some((a, b)) if a == b => Some(a),
            _ => None,
        })
        .collect()
}

fn port_range(p: &Port) -> Option<(u16, u16)> {
    match p {
        Port::Num(n) => Some((*n, *n)),
        Port::Range(a, b) => Some((*a, *b)),
        Port::Name(_) => None,
    }
}

/// Whether two conditions can match a common value, given how two values overlap (a missing or
/// negated condition: assume they can).
fn cond_overlap<T>(
    a: Option<&Cond<T>>,
    b: Option<&Cond<T>>,
    overlaps: impl Fn(&T, &T) -> bool,
) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return true;
    };
    if a.negated || b.negated {
        return true;
    }
    a.values
        .iter()
        .any(|x| b.values.iter().any(|y| overlaps(x, y)))
}

fn port_overlap(a: Option<&Cond<Port>>, b: Option<&Cond<Port>>) -> bool {
    cond_overlap(a, b, |x, y| match (port_range(x), port_range(y)) {
        (Some((a1, a2)), Some((b1, b2))) => a1 <= b2 && b1 <= a2,
        _ => true,
    })
}

fn addr_bounds(a: &Addr) -> Option<(u128, u128, Af)> {
    let v = |ip: &IpAddr| match ip {
        IpAddr::V4(x) => u32::from(*x) as u128,
        IpAddr::V6(x) => u128::from(*x),
    };
    match a {
        Addr::Net(ip, len) => {
            let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
            let host = bits - *len as u32;
            let mask: u128 = if host >= 128 {
                u128::MAX
            } else {
                (1u128 << host) - 1
            };
            let base = v(ip) & !mask;
            Some((base, base | mask, super::values::af_of(ip)))
        }
        Addr::Range(x, y) => Some((v(x), v(y), super::values::af_of(x))),
        _ => None,
    }
}

fn addr_overlap(a: Option<&Cond<Addr>>, b: Option<&Cond<Addr>>) -> bool {
    cond_overlap(a, b, |x, y| match (addr_bounds(x), addr_bounds(y)) {
        (Some((a1, a2, f1)), Some((b1, b2, f2))) => f1 == f2 && a1 <= b2 && b1 <= a2,
        // Names (hosts, ipsets, lists): only the same name is known to overlap.
        (None, None) => x == y,
        _ => true,
    })
}

/// Whether a rule's `dst` admits every post-NAT destination.
fn dst_allows(rule_dst: Option<&Cond<Addr>>, dsts: Option<&[Addr]>) -> bool {
    let (Some(rd), Some(ds)) = (rule_dst, dsts) else {
        return true;
    };
    if rd.negated {
        return true;
    }
    ds.iter().all(|d| {
        rd.values
            .iter()
            .any(|r| match (addr_bounds(r), addr_bounds(d)) {
                (Some((r1, r2, f1)), Some((d1, d2, f2))) => f1 == f2 && r1 <= d1 && d2 <= r2,
                _ => true,
            })
    })
}

/// Whether a destination NAT statement can match SYNPROXY's SYN for this synproxy.
fn nat_captures(n: &Nat, s: &Synproxy) -> bool {
    if !n.families.has(s.family) {
        return false;
    }
    if let Some(p) = &n.matches.proto
        && !p.negated
        && !p.values.contains(&Proto::Tcp)
    {
        return false;
    }
    let nat_ports = match n.kind {
        NatKind::TransparentProxy | NatKind::Tproxy => Some(Cond {
            negated: false,
            values: n.ports.clone(),
            span: n.span,
        }),
        _ => n.matches.dport.clone(),
    };
    port_overlap(nat_ports.as_ref(), s.matches.dport.as_ref())
        && addr_overlap(n.matches.dst_for(s.family), s.matches.dst_for(s.family))
        && addr_overlap(n.matches.src_for(s.family), s.matches.src_for(s.family))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        assert_eq!(
            parse_options("--sack-perm --timestamp --wscale 7 --mss 1460"),
            Ok(SynproxyOptions::default())
        );
        assert_eq!(parse_options("mss 1400").map(|o| o.mss), Ok(Some(1400)));
        assert!(parse_options("--fast").is_err());
        assert!(parse_options("").is_err());
        assert!(parse_options("--wscale 99").is_err());
    }
}
