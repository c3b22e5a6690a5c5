//! `synproxy`: building the model entry (family, types, options, required parameters, action).
//! The checks that need the whole file are in checks.rs and accepted.rs, the timestamp stall in
//! stall.rs.

mod accepted;
mod checks;
mod stall;

use super::build::Builder;
use super::ir::*;
use super::values::{Af, Proto, parse_port, split_list};
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::span::Span;
use crate::syntax::ast::{Command, Param, SynproxyCmd, SynproxyVerb};

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
        let af = self.synproxy_family(c, s, fams);
        let fam = if af == Af::V4 {
            Families::V4
        } else {
            Families::V6
        };
        let types = self.synproxy_types(s);
        let ps: Vec<&Param> = s.params.iter().collect();
        let matches = self.build_match(&ps, fam);
        self.check_synproxy_proto(&matches, &ps);
        let options = self.synproxy_options(c);
        let untrack_ack = self.untrack_ack_setting(c.span);
        let log = self.env.value("FIREHOL_SYNPROXY_LOG") == Some("1");
        let exclude_owner = self.env.value("FIREHOL_SYNPROXY_EXCLUDE_OWNER") == Some("1");

        // Required parameters (FireHOL's own checks, with fixes).
        self.check_synproxy_inface(c, s, &matches, &ps);
        self.check_synproxy_dst(c, s, af, exclude_owner, &matches, &ps);

        let (action, action_span, action_matches) = self.synproxy_action(c, s, fam);
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
        if s.action.as_ref().is_some_and(|a| a.target.is_some()) {
            self.check_synproxy_dnat(&synproxy);
        }
        self.model.synproxies.push(synproxy);
    }

    /// What nftables needs of a synproxy's `dnat to`: several targets (a round robin) all with
    /// an address and the same port; `dnat to :PORT` keeps the address the client targeted, so
    /// the synproxy's `dst` names it.
    fn check_synproxy_dnat(&mut self, s: &Synproxy) {
        let SynproxyAction::Dnat { targets, .. } = &s.action else {
            return;
        };
        let msg = match targets.as_slice() {
            // No target word is E0008; an empty one is an empty list here.
            [] => "`dnat to` has an empty target",
            [t] if t.addr.is_none()
                && s.matches
                    .dst_for(s.family)
                    .is_none_or(|c| c.values.is_empty()) =>
            {
                "`dnat to :PORT` needs the synproxy's `dst` to be one address"
            }
            [_, _, ..] if !NatTarget::round_robin(targets) => {
                "several dnat targets must all give an address and the same port"
            }
            _ => return,
        };
        self.untranslatable(s.action_span, msg.into());
    }

    /// The statement's one family. FireHOL refuses synproxy in dual-stack mode: without an
    /// `ipv4`/`ipv6` prefix this reports it and guesses from a literal `dst` (else IPv4).
    fn synproxy_family(&mut self, c: &Command, s: &SynproxyCmd, fams: Families) -> Af {
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
        if let Some(af) = fams.single() {
            return af;
        }
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

    /// The hooks of the statement's type word (`input`/`in`, `forward`/`pass`); the others are
    /// reported.
    fn synproxy_types(&mut self, s: &SynproxyCmd) -> Vec<SynproxyType> {
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
        types
    }

    /// A `proto` other than tcp: SYNPROXY only protects TCP.
    fn check_synproxy_proto(&mut self, matches: &Match, ps: &[&Param]) {
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
    }

    /// `FIREHOL_SYNPROXY_OPTIONS` in force at the statement (the defaults when unset or invalid,
    /// which is reported at its assignment).
    fn synproxy_options(&mut self, c: &Command) -> SynproxyOptions {
        let options_text = self.env.value("FIREHOL_SYNPROXY_OPTIONS").map(String::from);
        match &options_text {
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
        }
    }

    /// Where a fix inserts a parameter: after the type word, else after `synproxy`.
    fn after_types(c: &Command, s: &SynproxyCmd) -> usize {
        s.types
            .as_ref()
            .map(|w| w.span.end)
            .unwrap_or(c.name.span.end)
    }

    /// FireHOL requires `inface`: the interface(s) the clients' requests arrive on.
    fn check_synproxy_inface(
        &mut self,
        c: &Command,
        s: &SynproxyCmd,
        matches: &Match,
        ps: &[&Param],
    ) {
        if matches.inface.is_some()
            || ps
                .iter()
                .any(|p| p.kind == Some(crate::syntax::ast::ParamKind::Inface))
        {
            return;
        }
        let after_types = Self::after_types(c, s);
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

    /// FireHOL requires `dst` (or, with FIREHOL_SYNPROXY_EXCLUDE_OWNER=1, `src not ...`).
    fn check_synproxy_dst(
        &mut self,
        c: &Command,
        s: &SynproxyCmd,
        af: Af,
        exclude_owner: bool,
        matches: &Match,
        ps: &[&Param],
    ) {
        let has_dst = matches.dst_for(af).is_some_and(|d| !d.negated);
        let has_src_not = matches.src_for(af).is_some_and(|d| d.negated);
        if has_dst || exclude_owner && has_src_not {
            return;
        }
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
            .unwrap_or(Self::after_types(c, s));
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

    /// What happens after the handshake (accept when the statement names no action), the span
    /// of that part and its own parameters.
    fn synproxy_action(
        &mut self,
        c: &Command,
        s: &SynproxyCmd,
        fam: Families,
    ) -> (SynproxyAction, Span, Match) {
        let Some(a) = &s.action else {
            return (SynproxyAction::Accept, c.span, Match::default());
        };
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
                    self.action_refs.push((name.clone(), *span, true));
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
