//! `fhc explain`: each statement with the nftables rules it produces and a one-line reason per
//! rule, as FireHOL's `explain` shows the iptables commands of a line.
//!
//! Statements and rules meet through [`Rule::origins`] (never through comments): the optimizer
//! may merge the rules of several statements into one, which then appears under each of them with
//! the other lines it serves. Rules without an origin are the firewall skeleton (loopback trust,
//! invalid drops, the unmatched log and drop), explained on their own.

use crate::nft::json::{Expr, Op, Rule, Stmt};
use crate::nft::{Output, text};
use crate::span::{LineIndex, Span};
use crate::syntax::Parse;
use crate::syntax::ast::StmtKind;

/// What a whole configuration compiles to, statement by statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Commands and assignments in source order (assignments never have rules of their own).
    pub statements: Vec<StatementRules>,
    /// Rules no statement asked for: the structure every fhc ruleset has.
    pub skeleton: Vec<RuleReason>,
}

/// One statement and its rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementRules {
    pub span: Span,
    /// First and last line (1-based; they differ for `\`-continued statements).
    pub line: usize,
    pub end_line: usize,
    /// The statement on one line (continuations joined, blanks collapsed).
    pub text: String,
    /// A FireHOL command (false for a variable assignment).
    pub command: bool,
    /// For a statement inside a function: the (first) lines of the statements that called it.
    pub called_from: Vec<usize>,
    pub rules: Vec<RuleReason>,
}

/// One nftables rule, why it is there, and which other lines share it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleReason {
    pub chain: String,
    /// The rule in nft syntax (without its comment).
    pub nft: String,
    pub reason: String,
    /// Other statements (first lines) served by the same rule.
    pub shared_with: Vec<usize>,
}

impl Explanation {
    /// The statement covering a 1-based line (any line of a continued statement).
    pub fn at_line(&self, line: usize) -> Option<&StatementRules> {
        self.statements
            .iter()
            .find(|s| s.line <= line && line <= s.end_line)
    }
}

/// The statement's text on one line, at most `max` characters.
pub fn statement_text(text: &str, span: Span, max: usize) -> String {
    let mut s = crate::span::one_line(text, span);
    if s.chars().count() > max {
        s = s.chars().take(max.saturating_sub(3)).collect::<String>() + "...";
    }
    s
}

/// Builds the explanation of a compiled configuration.
pub fn explain(
    text: &str,
    parse: &Parse,
    model: &crate::model::Model,
    out: &Output,
) -> Explanation {
    let index = LineIndex::new(text);
    let mut statements: Vec<StatementRules> = parse
        .file
        .stmts
        .iter()
        .filter_map(|s| {
            let command = match &s.kind {
                StmtKind::Command(_) => true,
                StmtKind::Assignment(_) => false,
                _ => return None,
            };
            let end = s.span.end.saturating_sub(1).max(s.span.start);
            Some(StatementRules {
                span: s.span,
                line: index.line_of(s.span.start) + 1,
                end_line: index.line_of(end) + 1,
                text: statement_text(text, s.span, usize::MAX),
                command,
                called_from: s
                    .command()
                    .map(|c| model.callers_of(c.span))
                    .unwrap_or_default()
                    .iter()
                    .map(|c| index.line_of(c.start) + 1)
                    .collect(),
                rules: Vec::new(),
            })
        })
        .collect();
    let mut skeleton = Vec::new();
    for rule in &out.ruleset.rules {
        let owners = owners(&statements, &rule.origins);
        if owners.is_empty() {
            skeleton.push(RuleReason {
                chain: rule.chain.clone(),
                nft: text::rule(rule),
                reason: skeleton_reason(rule),
                shared_with: Vec::new(),
            });
            continue;
        }
        for &i in &owners {
            let shared_with = owners
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| statements[j].line)
                .collect();
            let title = statement_text(text, statements[i].span, 60);
            statements[i].rules.push(RuleReason {
                chain: rule.chain.clone(),
                nft: text::rule(rule),
                reason: statement_reason(rule, &title),
                shared_with,
            });
        }
    }
    Explanation {
        statements,
        skeleton,
    }
}

/// Indexes of the statements whose spans hold the origins (sorted, without repeats).
fn owners(statements: &[StatementRules], origins: &[Span]) -> Vec<usize> {
    let mut found: Vec<usize> = origins
        .iter()
        .filter_map(|o| {
            let i = statements.partition_point(|s| s.span.end <= o.start);
            statements
                .get(i)
                .filter(|s| s.span.start <= o.start)
                .map(|_| i)
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

fn statement_reason(rule: &Rule, title: &str) -> String {
    let f = Facts::of(rule);
    let verdict = rule.stmts.iter().rev().find(|s| s.is_verdict());
    let states: Vec<&str> = f.states.iter().map(String::as_str).collect();
    let flags = f.tcp_flags.as_deref();
    // The parts of FireHOL's synproxy recipe, which read alike without their purpose.
    let effect = match (verdict, flags, states.as_slice()) {
        (Some(Stmt::Accept), Some("syn"), ["new"]) if f.loopback() => {
            "the SYN that SYNPROXY sends to the server on the client's behalf (through lo) is accepted".to_string()
        }
        (Some(Stmt::Accept), None, ["established"]) if f.loopback() => {
            "the rest of the connection SYNPROXY opened to the server (through lo) is accepted".to_string()
        }
        (Some(Stmt::Accept), Some("syn,ack"), ["invalid", "untracked"]) => {
            "SYNPROXY's SYN/ACK to the client (conntrack does not track it) is accepted".to_string()
        }
        (Some(Stmt::Accept), Some("ack"), ["untracked"]) if f.non_local_source() => {
            "SYNPROXY's untracked ACK to the server (see the raw_output rule) is accepted".to_string()
        }
        (Some(Stmt::Accept), None, ["established"])
            if f.non_local_source() && f.saddr.is_some() =>
        {
            "SYNPROXY's window update to the client (sent with the server's address) is accepted"
                .to_string()
        }
        (Some(Stmt::Drop), Some("ack"), ["invalid"]) => {
            "an ACK of a connection conntrack does not know is dropped before it reaches the client".to_string()
        }
        _ => f.effect(),
    };
    let traffic = match f.traffic() {
        t if t == "all traffic" => {
            format!("anything the rules above in {} did not match", rule.chain)
        }
        t => t,
    };
    format!("{traffic}: {effect} by `{title}`")
}

fn skeleton_reason(rule: &Rule) -> String {
    let f = Facts::of(rule);
    let verdict = rule.stmts.iter().rev().find(|s| s.is_verdict());
    let only_verdict = rule.stmts.len() == 1;
    match verdict {
        Some(Stmt::Accept) if f.loopback() && rule.stmts.len() == 2 => {
            "traffic on the loopback interface is trusted: accepted".into()
        }
        Some(Stmt::Jump(c)) if c == "drop_invalid" => {
            "every packet passes drop_invalid first, which drops what conntrack finds invalid"
                .into()
        }
        Some(Stmt::Accept) if f.states == ["related"] && f.icmp_any => {
            "ICMP errors about connections conntrack knows (related): accepted".into()
        }
        Some(Stmt::Accept) if f.states == ["related"] && f.tcp_flags.is_some() => {
            "TCP resets related to connections conntrack knows: accepted".into()
        }
        Some(Stmt::Accept) if f.states == ["established"] => {
            "replies of connections accepted earlier: accepted".into()
        }
        Some(Stmt::Drop) if only_verdict => {
            "anything no rule above matched is dropped (the chain's end)".into()
        }
        _ => format!("{}: {} (firewall skeleton)", f.traffic(), f.effect()),
    }
}

/// What a rule matches and does, read from its statements.
#[derive(Default)]
struct Facts {
    family: Option<String>,
    proto: Option<String>,
    sport: Option<String>,
    dport: Option<String>,
    iif: Option<String>,
    oif: Option<String>,
    saddr: Option<String>,
    daddr: Option<String>,
    states: Vec<String>,
    tcp_flags: Option<String>,
    icmp_any: bool,
    other: Vec<String>,
    actions: Vec<String>,
}

impl Facts {
    fn of(rule: &Rule) -> Facts {
        let mut f = Facts::default();
        let mut limit: Option<String> = None;
        for s in &rule.stmts {
            match s {
                Stmt::Match(op, l, r) => f.matched(*op, l, r),
                Stmt::Limit { .. } => limit = Some(limit_text(s)),
                _ => {
                    if let Some(a) = action_text(s, &f, limit.take()) {
                        f.actions.push(a);
                    }
                }
            }
        }
        if let Some(l) = limit {
            f.actions.push(format!("matched {l}"));
        }
        f
    }

    fn matched(&mut self, op: Op, l: &Expr, r: &Expr) {
        let neg = if matches!(op, Op::Ne | Op::NoFlag) {
            "not "
        } else {
            ""
        };
        let value = format!("{neg}{}", brief(r));
        match l {
            Expr::Meta("nfproto") => self.family = Some(family_name(&value)),
            Expr::Meta("l4proto") => {
                if value.contains("icmp") && value.starts_with('{') {
                    self.icmp_any = true;
                }
                self.proto = Some(value);
            }
            Expr::Meta("iifname") => self.iif = Some(value),
            Expr::Meta("oifname") => self.oif = Some(value),
            Expr::Payload(p, "saddr") if matches!(*p, "ip" | "ip6") => self.saddr = Some(value),
            Expr::Payload(p, "daddr") if matches!(*p, "ip" | "ip6") => self.daddr = Some(value),
            Expr::Payload(p, "sport") => {
                self.proto_from(p);
                self.sport = Some(value);
            }
            Expr::Payload(p, "dport") => {
                self.proto_from(p);
                self.dport = Some(value);
            }
            Expr::Ct("state", None) => {
                self.states = match r {
                    Expr::List(v) | Expr::Set(v) => {
                        v.iter().map(|e| text::expr(e, false)).collect()
                    }
                    e => vec![text::expr(e, false)],
                };
                self.states.sort();
            }
            Expr::And(inner, _) if matches!(**inner, Expr::Payload("tcp", "flags")) => {
                self.proto_from("tcp");
                self.tcp_flags = Some(value);
            }
            _ if matches!(r, Expr::Set(items) if items.len() > BRIEF) => {
                self.other
                    .push(format!("{} {neg}{}", text::expr(l, false), brief(r)))
            }
            _ => self
                .other
                .push(text::stmt(&Stmt::Match(op, l.clone(), r.clone()))),
        }
    }

    fn proto_from(&mut self, p: &str) {
        if matches!(p, "tcp" | "udp" | "sctp" | "dccp" | "udplite") && self.proto.is_none() {
            self.proto = Some(p.to_string());
        }
    }

    /// `fib saddr type != local`: a packet this host sends with someone else's address (SYNPROXY's).
    fn non_local_source(&self) -> bool {
        self.other.iter().any(|o| o == "fib saddr type != local")
    }

    fn loopback(&self) -> bool {
        self.iif.as_deref() == Some("lo") || self.oif.as_deref() == Some("lo")
    }

    fn is_syn(&self) -> bool {
        self.tcp_flags.as_deref() == Some("syn")
    }

    /// `IPv4 tcp/80 from eth0 10.0.0.0/8 to 10.0.0.1, new connections`
    fn traffic(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(fam) = &self.family {
            parts.push(fam.clone());
        }
        let proto = self.proto.as_deref().unwrap_or("port");
        match (&self.dport, &self.sport) {
            (Some(d), None) => parts.push(format!("{proto}/{d}")),
            (Some(d), Some(s)) => parts.push(format!("{proto} {s} -> {d}")),
            (None, Some(s)) => parts.push(format!("{proto} from port {s}")),
            (None, None) => parts.extend(self.proto.clone()),
        }
        let from: Vec<&str> = [self.iif.as_deref(), self.saddr.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !from.is_empty() {
            parts.push(format!("from {}", from.join(" ")));
        }
        let to: Vec<&str> = [self.oif.as_deref(), self.daddr.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !to.is_empty() {
            parts.push(format!("to {}", to.join(" ")));
        }
        if let Some(fl) = &self.tcp_flags {
            parts.push(format!("TCP flags {fl}"));
        }
        parts.extend(self.other.iter().cloned());
        let mut s = if parts.is_empty() {
            "all traffic".to_string()
        } else {
            parts.join(" ")
        };
        if let Some(st) = self.state_text() {
            s.push_str(", ");
            s.push_str(&st);
        }
        s
    }

    fn state_text(&self) -> Option<String> {
        let has = |x: &str| self.states.iter().any(|s| s == x);
        if self.states.is_empty() {
            return None;
        }
        Some(
            if has("new") && has("established") && self.states.len() == 2 {
                "new and established connections".into()
            } else if has("new") && self.states.len() == 1 {
                "new connections".into()
            } else if has("established") && self.states.len() == 1 {
                "replies and later packets of established connections".into()
            } else if has("related") && self.states.len() == 1 {
                "packets related to known connections".into()
            } else {
                format!("conntrack state {}", self.states.join(","))
            },
        )
    }

    fn effect(&self) -> String {
        if self.actions.is_empty() {
            return "matched, then the next rule".into();
        }
        self.actions.join(", then ")
    }
}

fn family_name(v: &str) -> String {
    match v {
        "ipv4" => "IPv4".into(),
        "ipv6" => "IPv6".into(),
        other => other.into(),
    }
}

fn limit_text(s: &Stmt) -> String {
    match s {
        Stmt::Limit {
            rate, per, over, ..
        } => {
            if *over {
                format!("over {rate}/{per}")
            } else {
                format!("at most {rate}/{per}")
            }
        }
        _ => String::new(),
    }
}

/// Sets longer than this are abbreviated in reasons (the rule line above shows them whole).
const BRIEF: usize = 6;

/// A value for a reason: a merged rule's set of hundreds of ports reads as its first few.
fn brief(e: &Expr) -> String {
    match e {
        Expr::Set(items) if items.len() > BRIEF => format!(
            "{{ {}, ... }} ({} values)",
            items[..3]
                .iter()
                .map(|i| text::expr(i, false))
                .collect::<Vec<_>>()
                .join(", "),
            items.len()
        ),
        other => text::expr(other, false),
    }
}

/// What a non-match statement does; `limit` is a rate limit that applies to it.
fn action_text(s: &Stmt, f: &Facts, limit: Option<String>) -> Option<String> {
    let limited = |what: String| match &limit {
        Some(l) => format!("{what} ({l})"),
        None => what,
    };
    Some(match s {
        Stmt::Accept if f.states.iter().any(|s| s == "new") => {
            limited("the connection is accepted".into())
        }
        Stmt::Accept => limited("accepted".into()),
        Stmt::Drop => limited("dropped".into()),
        Stmt::Return => limited("returns to the chain that jumped here".into()),
        Stmt::Jump(c) => limited(format!("continues in chain {c}")),
        Stmt::Goto(c) => limited(format!("goes to chain {c} (no return)")),
        Stmt::Reject(None) => limited("rejected".into()),
        Stmt::Reject(Some((ty, None))) => limited(format!("rejected with {ty}")),
        Stmt::Reject(Some((ty, Some(code)))) => limited(format!("rejected with {ty} {code}")),
        Stmt::Notrack if f.is_syn() => {
            limited("the client's SYN is left untracked so SYNPROXY can answer it".into())
        }
        Stmt::Notrack if f.tcp_flags.as_deref() == Some("ack") && f.non_local_source() => limited(
            "SYNPROXY's ACK to the server is left untracked, so conntrack does not shift its \
             timestamp a second time (a Linux >= 6.15 server would reject it and stall the \
             connection for a second; FHC_SYNPROXY_UNTRACK_ACK=0 turns this off)"
                .into(),
        ),
        Stmt::Notrack => limited("left untracked by conntrack".into()),
        Stmt::Synproxy { .. } => limited(format!(
            "SYNPROXY completes the handshake itself and opens the connection to the server only after a valid ACK ({})",
            text::stmt(s)
        )),
        Stmt::Log { prefix, .. } => limited(format!("logged as \"{prefix}\"")),
        Stmt::Counter => "counted".into(),
        Stmt::CounterNamed(n) => format!("counted in counter {n}"),
        Stmt::Dnat { .. } => limited(format!("destination rewritten ({})", text::stmt(s))),
        Stmt::Snat { .. } => limited(format!("source rewritten ({})", text::stmt(s))),
        Stmt::Masquerade { .. } => {
            limited("source rewritten to the outgoing interface's address (masquerade)".into())
        }
        Stmt::Redirect { .. } => limited(format!("redirected to this host ({})", text::stmt(s))),
        Stmt::SetUpdate { op, set, .. } => format!("{op}s the packet's key to set @{set}"),
        Stmt::CtCount { val, over, .. } => format!(
            "when the connections of this source are {} {val}",
            if *over { "over" } else { "at most" }
        ),
        Stmt::MetaMarkSet(_) | Stmt::Mangle(..) => format!("sets {}", text::stmt(s)),
        Stmt::Meter { .. } | Stmt::SetLimit { .. } => {
            format!("limited per source ({})", text::stmt(s))
        }
        Stmt::CtHelperSet(n) => format!("assigned the conntrack helper {n}"),
        Stmt::Vmap(key, entries) => {
            let verdicts: Vec<String> = entries
                .iter()
                .filter_map(|(_, v)| action_text(v, f, None))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            limited(format!(
                "one lookup of {} decides: {}",
                text::expr(key, false),
                verdicts.join(" / ")
            ))
        }
        Stmt::Limit { .. } | Stmt::Match(..) => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::Prelude;
    use crate::nft::Options;

    fn explain(text: &str) -> super::Explanation {
        crate::explain(text, &Prelude::none(), &Options::default()).expect("compiles")
    }

    #[test]
    fn statements_map_to_their_rules_through_origins() {
        let text = "interface eth0 lan \\\n    src 10.0.0.0/8\n    server http accept\n";
        let e = explain(text);
        let iface = e.at_line(2).expect("continuation line");
        assert_eq!((iface.line, iface.end_line), (1, 2));
        assert!(iface.rules.iter().any(|r| r.nft.contains("jump in_lan")));
        let http = e.at_line(3).unwrap();
        assert!(!http.rules.is_empty());
        for r in &http.rules {
            assert!(r.reason.contains("`server http accept`"), "{}", r.reason);
        }
        assert!(
            http.rules
                .iter()
                .any(|r| r.reason.starts_with("tcp 1024-65535 -> 80")
                    && r.reason.contains("accepted")),
            "{:#?}",
            http.rules
        );
        assert!(e.skeleton.iter().any(|r| r.reason.contains("loopback")));
        assert!(e.at_line(4).is_none());
    }

    #[test]
    fn synproxy_reasons_are_specific() {
        let e = explain(
            "ipv4 synproxy input inface eth0 dst 192.0.2.1 dport 443 accept\ninterface4 eth0 wan\n    server https accept\n",
        );
        let sp = e.at_line(1).unwrap();
        assert!(
            sp.rules
                .iter()
                .any(|r| r.reason.contains("SYN is left untracked"))
        );
        assert!(
            sp.rules
                .iter()
                .any(|r| r.reason.contains("SYNPROXY completes the handshake"))
        );
        assert!(
            sp.rules
                .iter()
                .any(|r| r.reason.contains("ACK to the server is left untracked"))
        );
        assert!(
            sp.rules
                .iter()
                .any(|r| r.reason.contains("untracked ACK to the server"))
        );
    }

    #[test]
    fn a_rule_with_several_origins_is_shown_under_each() {
        let text = "interface eth0 lan\n    server http accept\n    server https accept\n";
        // The optimizer merges the two services into one `tcp dport { 80, 443 }` rule per side.
        let (out, _) = crate::compile(text, &Options::default()).unwrap();
        let parse = crate::syntax::parse(text);
        let (s2, s3) = (parse.file.stmts[1].span, parse.file.stmts[2].span);
        assert!(out.ruleset.rules.iter().any(|r| r.origins == [s2, s3]));
        let e = super::explain(text, &parse, &crate::analyze(text).model, &out);
        let on2 = e.at_line(2).unwrap();
        let on3 = e.at_line(3).unwrap();
        assert!(on2.rules.iter().any(|r| r.shared_with == [3]));
        assert!(on3.rules.iter().any(|r| r.shared_with == [2]));
    }
}
