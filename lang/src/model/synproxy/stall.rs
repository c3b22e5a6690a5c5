//! The SYNPROXY timestamp stall (tests/e2e/NOTES.md 3.7): with the `timestamp` option, a server
//! running Linux >= 6.15 rejects the ACK SYNPROXY sends it, and the connection starts only from
//! the server's SYN/ACK retransmit a second later. Every connection of a protocol where the server
//! speaks first (SSH, SMTP, ...) waits for it.
//!
//! Without NAT towards the server, the lowering untracks that ACK (`FHC_SYNPROXY_UNTRACK_ACK`,
//! read per statement in mod.rs) and there is no stall. Behind `dnat`/`redirect` it cannot
//! (an untracked packet is not translated): this module warns on those statements when their
//! server may speak first, with a fix that turns `timestamp` off for that statement only.

use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::model::build::Builder;
use crate::model::edits::line_start;
use crate::model::ir::{Synproxy, SynproxyAction, SynproxyOptions};
use crate::model::services::{SERVER_FIRST, server_first_in, server_first_on};
use crate::model::values::Port;
use crate::syntax::ast::Command;

/// FIREHOL_SYNPROXY_OPTIONS as FireHOL writes them.
fn options_text(o: &SynproxyOptions) -> String {
    let mut w = Vec::new();
    if o.sack_perm {
        w.push("--sack-perm".to_string());
    }
    if o.timestamp {
        w.push("--timestamp".to_string());
    }
    if let Some(s) = o.wscale {
        w.push(format!("--wscale {s}"));
    }
    if let Some(m) = o.mss {
        w.push(format!("--mss {m}"));
    }
    w.join(" ")
}

/// The server-first service the server behind a NAT synproxy may run, and its port: the NAT
/// target's port, or the statement's `dport` (the client asked for it; every port when the
/// statement has none, or negates it).
fn server_first(s: &Synproxy) -> Option<(&'static str, u16)> {
    let target_ports: Vec<&Port> = match &s.action {
        SynproxyAction::Dnat { targets, .. } => {
            targets.iter().filter_map(|t| t.port.as_ref()).collect()
        }
        SynproxyAction::Redirect { port } => vec![port],
        _ => return None,
    };
    let ports: Vec<&Port> = match &s.matches.dport {
        Some(c) if !c.negated => target_ports.into_iter().chain(&c.values).collect(),
        _ => return server_first_in(1, 65535),
    };
    ports.into_iter().find_map(|p| match p {
        Port::Num(n) => server_first_on(*n).map(|s| (s, *n)),
        Port::Range(a, b) => server_first_in(*a, *b),
        Port::Name(n) => SERVER_FIRST
            .iter()
            .find(|s| **s == n.as_str())
            .map(|s| (*s, 0)),
    })
}

impl Builder<'_> {
    /// W0134 on a `dnat`/`redirect` synproxy with `timestamp` whose server may speak first.
    pub(super) fn check_timestamp_stall(&mut self, c: &Command, s: &Synproxy) {
        if !s.options.timestamp {
            return;
        }
        let Some((service, port)) = server_first(s) else {
            return;
        };
        let nat = if matches!(s.action, SynproxyAction::Redirect { .. }) {
            "redirect"
        } else {
            "dnat"
        };
        let on = if port == 0 {
            service.to_string()
        } else {
            format!("{service} (port {port})")
        };
        let without = SynproxyOptions {
            timestamp: false,
            sack_perm: false,
            wscale: None,
            mss: Some(s.options.mss.unwrap_or(1460)),
        };
        let at = line_start(self.text, c.span.start);
        let indent = &self.text[at..c.span.start];
        // The fix inserts whole lines around the statement: only when it starts its line.
        let can_fix = indent.chars().all(|ch| ch == ' ' || ch == '\t');
        let end = self.text[c.span.end..]
            .find('\n')
            .map_or(self.text.len(), |i| c.span.end + i + 1);
        let restore = format!(
            "{indent}FIREHOL_SYNPROXY_OPTIONS=\"{}\"\n",
            options_text(&s.options)
        );
        let restore = if end == self.text.len() && !self.text.ends_with('\n') {
            format!("\n{}", restore.trim_end())
        } else {
            restore
        };
        let d = Diagnostic::new(
                Code::SynproxyTimestampStall,
                c.span,
                format!(
                    "behind `{nat}`, SYNPROXY's `timestamp` option stalls every {on} connection for a second when the server runs Linux 6.15 or later"
                ),
            )
            .with_label("server speaks first, reached through NAT")
            .with_note(
                "such a server rejects the ACK SYNPROXY sends it (its timestamp echo is shifted twice) and the connection starts only from the server's SYN/ACK retransmit; without NAT fhc untracks that ACK, but a packet conntrack does not track is not NATed",
            )
            .with_help(
                "turn `timestamp` off for this statement: SYNPROXY then offers clients only the MSS (no window scaling, no SACK), which costs throughput on long fat links; or keep it if the server runs an older kernel",
            );
        if !can_fix {
            self.diags.push(d);
            return;
        }
        self.diags.push(d.with_fix(
            "turn SYNPROXY's timestamp option off for this statement",
            vec![
                TextEdit {
                    span: crate::span::Span::new(at, at),
                    new_text: format!(
                        "{indent}FIREHOL_SYNPROXY_OPTIONS=\"{}\"\n",
                        options_text(&without)
                    ),
                },
                TextEdit {
                    span: crate::span::Span::new(end, end),
                    new_text: restore,
                },
            ],
        ));
    }
}
