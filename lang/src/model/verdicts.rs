//! Verdict words and their `with` options: `accept with limit R B overflow A`, `reject with
//! MSG`. Parsed once here, so a backend reads a typed [`Action`].

use super::build::Builder;
use super::ir::{Action, ActionLimit, RejectWith, Verdict};
use super::values;
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::RuleAction;

/// A verdict word (case-insensitive built-ins; anything else names an action), without options.
pub(super) fn verdict_of(verb: &str) -> Verdict {
    match verb.to_ascii_lowercase().as_str() {
        "accept" => Verdict::Accept,
        "reject" => Verdict::Reject(None),
        "drop" | "deny" => Verdict::Drop,
        "return" => Verdict::Return,
        "tarpit" => Verdict::Tarpit,
        "mirror" => Verdict::Mirror,
        "none" => Verdict::None,
        _ => Verdict::Custom(verb.to_string()),
    }
}

/// iptables' `--reject-with` names (with or without the `icmp-`/`icmp6-` prefix).
pub fn reject_with(msg: &str) -> Option<RejectWith> {
    let w = msg.to_ascii_lowercase();
    let w = w.trim_start_matches("icmp-").trim_start_matches("icmp6-");
    Some(match w {
        "tcp-reset" | "tcp-rst" => RejectWith::TcpReset,
        "port-unreachable" | "port-unreach" => RejectWith::PortUnreachable,
        "host-unreachable" | "host-unreach" | "addr-unreach" | "address-unreachable" => {
            RejectWith::HostUnreachable
        }
        "net-unreachable" | "net-unreach" | "no-route" => RejectWith::NoRoute,
        "admin-prohibited" | "adm-prohibited" | "host-prohibited" | "net-prohibited" => {
            RejectWith::AdminProhibited
        }
        _ => return None,
    })
}

impl Builder<'_> {
    /// The action of a `server`/`client`/`route`/`policy` statement; custom names are checked
    /// at the end of the file.
    pub(super) fn action(&mut self, a: &RuleAction) -> Action {
        let with: Vec<(String, Span)> = a
            .with
            .as_ref()
            .map(|w| {
                w.args
                    .iter()
                    .filter_map(|x| Some((self.expand(x)?, x.span)))
                    .collect()
            })
            .unwrap_or_default();
        let verb = self.expand(&a.verb).unwrap_or_default();
        self.verdict_with(&verb, Some(a.verb.span), &with, a.span)
    }

    /// A verdict word with the words after its `with` (and their spans). `verb_at` is the span
    /// of the verdict word when it is written in this file (a fix may rewrite it).
    pub(super) fn verdict_with(
        &mut self,
        verb: &str,
        verb_at: Option<Span>,
        with: &[(String, Span)],
        span: Span,
    ) -> Action {
        let mut verdict = self.verdict(verb, verb_at, span);
        let mut limit = None;
        if let Verdict::Reject(r) = &mut verdict {
            if let Some((msg, _)) = with.first() {
                *r = reject_with(msg);
                if r.is_none() {
                    self.untranslatable(
                        span,
                        format!("`reject with {msg}` has no nftables equivalent"),
                    );
                }
            }
        } else if let Some((kind, _)) = with.first() {
            // `with recent|knock|connlimit|hashlimit ...` would change meaning if ignored.
            if kind == "limit" {
                limit = self.action_limit(with, span);
            } else {
                self.untranslatable(
                    span,
                    format!("`with {kind}` cannot be compiled to nftables yet"),
                );
            }
        }
        Action {
            verdict,
            limit,
            span,
        }
    }

    /// A verdict word: tarpit and mirror are refused, action names are checked at the end.
    pub(super) fn verdict(&mut self, verb: &str, verb_at: Option<Span>, span: Span) -> Verdict {
        let verdict = verdict_of(verb);
        match &verdict {
            Verdict::Custom(name) => {
                self.action_refs
                    .push((name.clone(), verb_at.unwrap_or(span), verb_at.is_some()))
            }
            Verdict::Tarpit | Verdict::Mirror => {
                self.untranslatable(span, "tarpit and mirror have no nftables equivalent".into())
            }
            _ => {}
        }
        verdict
    }

    /// `limit RATE [BURST] [overflow VERDICT]` after `with`.
    fn action_limit(&mut self, with: &[(String, Span)], span: Span) -> Option<ActionLimit> {
        let text = with.get(1).map(|w| w.0.as_str()).unwrap_or_default();
        let Some(rate) = values::parse_rate(text) else {
            self.diags.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    span,
                    format!("`{text}` is not a rate such as 10/sec"),
                )
                .with_label("in `with limit`"),
            );
            return None;
        };
        let burst = match with.get(2) {
            None => None,
            Some((b, _)) => match b.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            span,
                            format!("`{b}` is not a burst (a number): FireHOL reads RATE and BURST after `with limit`, then `overflow`"),
                        )
                        .with_label("in `with limit`"),
                    );
                    return None;
                }
            },
        };
        let overflow = match (with.get(3).map(|w| w.0.as_str()), with.get(4)) {
            (Some("overflow"), Some((v, at))) => Some(self.verdict(v, Some(*at), *at)),
            _ => None,
        };
        Some(ActionLimit {
            rate,
            burst,
            overflow,
        })
    }
}
