//! `iptrap SET src|dst[,...] TIMEOUT|default [options] [params] [except ...]` and `ipuntrap SET
//! src|dst[,...] [options] [params] [except ...]`. Options: `timeout`/`counters`, `method` (the
//! ipset storage; nft sets need none), `at CHAINS` (default INPUT FORWARD), and the parameters
//! `table filter`, `action A`, `log`/`loglimit`.

use super::{Parts, take_options};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::model::build::Builder;
use crate::model::ir::{HelperKind, Trap, TrapKey, TrapVerdict};
use crate::model::values::Hook;
use crate::span::Span;
use crate::syntax::ast::Cmd;

/// A trap's key: `src`, `dst` or both (`src,dst`), in order.
pub(in crate::model) fn trap_key(text: &str) -> Result<Vec<TrapKey>, String> {
    text.split(',')
        .map(|t| match t {
            "src" => Ok(TrapKey::Src),
            "dst" => Ok(TrapKey::Dst),
            _ => Err(format!("`{t}` is not src or dst")),
        })
        .collect()
}

impl Builder<'_> {
    pub(super) fn trap(&mut self, p: &mut Parts) -> Option<HelperKind> {
        let undo = p.cmd == Cmd::Ipuntrap;
        let cmd = p.cmd.name();
        let Some(af) = p.families.single() else {
            self.untranslatable(
                p.span,
                format!("{cmd} needs a single family: use {cmd}4 or {cmd}6 (FireHOL refuses both)"),
            );
            return None;
        };
        let (Some((set, _)), Some((types, tspan))) = (p.args.first(), p.args.get(1)) else {
            self.bad_value(p.span, format!("{cmd} needs a set name and src/dst"));
            return None;
        };
        let (set, tspan) = (set.clone(), *tspan);
        let key = match trap_key(types) {
            Ok(key) => key,
            Err(msg) => {
                self.bad_value(tspan, msg);
                return None;
            }
        };
        let clash = self.model.helpers.iter().any(|h| {
            matches!(&h.kind, HelperKind::Trap(t) if t.set == set && (t.key.len(), t.af) != (key.len(), af))
        });
        if clash {
            self.bad_value(
                tspan,
                format!("set `{set}` is already used with another type"),
            );
            return None;
        }
        let (timeout, counters, at) = self.trap_options(p, undo)?;
        let opts = take_options(&mut p.matches, &["table", "action"]);
        if let Some(t) = opts
            .iter()
            .find(|o| o.keyword == "table")
            .and_then(|o| o.value.as_ref())
            && !t.eq_ignore_ascii_case("filter")
        {
            self.untranslatable(
                p.span,
                format!("{cmd} in table `{t}`: fhc compiles traps in the filter hooks only"),
            );
            return None;
        }
        let verdict = match opts
            .iter()
            .find(|o| o.keyword == "action")
            .and_then(|o| o.value.as_ref())
            .map(|a| a.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("return") => TrapVerdict::Return,
            Some("drop" | "deny") => TrapVerdict::Drop,
            Some("accept") => TrapVerdict::Accept,
            Some("reject") => TrapVerdict::Reject,
            Some(other) => TrapVerdict::Action(other.to_string()),
        };
        Some(HelperKind::Trap(Trap {
            undo,
            af,
            set,
            key,
            timeout,
            counters,
            at,
            verdict,
            log: p.matches.log.take(),
            excepts: std::mem::take(&mut p.excepts),
        }))
    }

    /// The words after the key: the timeout (iptrap) and the options.
    fn trap_options(&mut self, p: &Parts, undo: bool) -> Option<(Option<u64>, bool, Vec<Hook>)> {
        let mut rest = p.args.iter().skip(2).peekable();
        let mut timeout = None;
        if !undo {
            match rest.next() {
                Some((t, _)) if t == "default" => {}
                Some((t, span)) => match t.parse::<u64>() {
                    Ok(v) => timeout = Some(v),
                    Err(_) => {
                        self.bad_value(
                            *span,
                            format!("`{t}` is not a timeout in seconds or `default`"),
                        );
                        return None;
                    }
                },
                None => {}
            }
        }
        let mut counters = false;
        let mut at = vec![Hook::Input, Hook::Forward];
        while let Some((w, span)) = rest.next() {
            match w.to_ascii_lowercase().as_str() {
                "counters" => counters = true,
                "timeout" => counters = false,
                "method" => {
                    rest.next();
                }
                "at" | "chain" => {
                    let Some((chains, cspan)) = rest.next() else {
                        self.bad_value(*span, "`at` needs chains".into());
                        return None;
                    };
                    at = self.trap_hooks(p, chains, *cspan)?;
                }
                _ => {
                    self.bad_value(*span, format!("`{w}` is not an {} option", p.cmd.name()));
                    return None;
                }
            }
        }
        Some((timeout, counters, at))
    }

    /// `at INPUT,FORWARD`: fhc links traps to the filter hooks.
    fn trap_hooks(&mut self, p: &Parts, chains: &str, span: Span) -> Option<Vec<Hook>> {
        let mut out = Vec::new();
        for c in chains.split([',', ' ']).filter(|x| !x.is_empty()) {
            match Hook::from_chain(c) {
                Some(h @ (Hook::Input | Hook::Forward | Hook::Output)) => out.push(h),
                _ => {
                    let other = c.to_ascii_lowercase();
                    self.untranslatable(
                        span,
                        format!(
                            "{} `at {other}`: fhc links traps to INPUT, FORWARD or OUTPUT only",
                            p.cmd.name()
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// A trap's `action A` names an action defined anywhere in the file (case-insensitive, as
    /// FireHOL looks its chain up).
    pub(in crate::model) fn check_trap_actions(&mut self) {
        let mut diags = Vec::new();
        let actions: Vec<String> = self.model.actions.iter().map(|a| a.name.clone()).collect();
        for h in &mut self.model.helpers {
            let HelperKind::Trap(t) = &mut h.kind else {
                continue;
            };
            let TrapVerdict::Action(name) = &t.verdict else {
                continue;
            };
            match actions.iter().find(|a| a.eq_ignore_ascii_case(name)) {
                Some(a) => t.verdict = TrapVerdict::Action(a.clone()),
                None => diags.push(
                    Diagnostic::new(
                        Code::UnknownAction,
                        h.span,
                        format!(
                            "{} `action {name}`: not an action fhc knows",
                            if t.undo { "ipuntrap" } else { "iptrap" }
                        ),
                    )
                    .with_label("neither built in nor defined with `action`"),
                ),
            }
        }
        self.diags.extend(diags);
    }
}
