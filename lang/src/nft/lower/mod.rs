//! Model -> nftables ruleset. One `inet` table owned by fhc; base chains at FireHOL's hooks; one
//! regular chain per section side (`in_NAME`, `out_NAME`) and per action, as FireHOL does, so the
//! structure of `nft list ruleset` reads like the config.
//!
//! Order matters and follows FireHOL: synproxy rules first (before loopback trust and the invalid
//! drops they depend on), then the skeleton head, the sections in source order, the skeleton tail.

mod actions;
mod helpers;
mod matches;
mod nat;
mod sections;
mod skeleton;
mod synproxy;

use super::json::{Chain, CtHelper, Expr, Hook, Rule, Ruleset, Set, Stmt};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::model::ir::{Action, LogSpec, Model, RejectWith, Verdict};
use crate::model::values::{Af, Proto};
use crate::span::{LineIndex, Span};
use std::collections::HashMap;

pub use matches::Dir;

/// Options of `fhc compile`.
#[derive(Clone, Debug)]
pub struct Options {
    /// The table fhc owns (family, name). Default `inet firehol`.
    pub family: String,
    pub table: String,
    /// Merge rules into sets, concatenations and verdict maps (see `nft::optimize`). Off gives
    /// one rule per statement and direction, as FireHOL does: for debugging and comparisons.
    pub optimize: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            family: "inet".into(),
            table: "firehol".into(),
            optimize: true,
        }
    }
}

/// A kernel setting the ruleset needs that nftables cannot express.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sysctl {
    pub key: String,
    pub value: String,
    /// Why fhc sets it (shown by `fhc sysctl`).
    pub reason: String,
}

/// What compiling produces besides the ruleset: the kernel settings it needs, and what the
/// running kernel changes about it (printed by `fhc apply`/`fhc try`).
#[derive(Clone, Debug)]
pub struct Output {
    pub ruleset: Ruleset,
    pub sysctls: Vec<Sysctl>,
    pub kernel_notes: Vec<crate::nft::kernel::KernelNote>,
}

pub(crate) struct Lowerer<'a> {
    pub(crate) model: &'a Model,
    text: &'a str,
    index: LineIndex,
    chains: Vec<Chain>,
    /// Names of `chains`, for constant-time lookups (configs have thousands of sections).
    chain_names: std::collections::HashSet<String>,
    rules: HashMap<String, Vec<Rule>>,
    sets: Vec<Set>,
    /// fhc's own sets rules may match against (the traps'), from the model.
    own_sets: Vec<(String, Af)>,
    /// The connlimit parameters given a set so far (one set per statement and family).
    connlimits: Vec<Span>,
    counters: Vec<String>,
    ct_helpers: Vec<CtHelper>,
    /// Whether any rule sets or matches marks (the mark save/restore rules are then needed).
    pub(crate) marks_used: bool,
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) sysctls: Vec<Sysctl>,
    pub(crate) kernel_notes: Vec<crate::nft::kernel::KernelNote>,
}

pub fn lower(model: &Model, text: &str, opts: &Options) -> Result<Output, Vec<Diagnostic>> {
    let mut l = Lowerer {
        model,
        text,
        index: LineIndex::new(text),
        chains: Vec::new(),
        chain_names: std::collections::HashSet::new(),
        rules: HashMap::new(),
        sets: Vec::new(),
        own_sets: crate::model::own_sets(model),
        connlimits: Vec::new(),
        counters: Vec::new(),
        ct_helpers: Vec::new(),
        marks_used: false,
        errors: Vec::new(),
        sysctls: Vec::new(),
        kernel_notes: Vec::new(),
    };
    l.base_chains();
    l.helpers();
    l.actions();
    l.synproxies();
    l.skeleton_head();
    l.nats();
    l.sections();
    l.skeleton_tail();
    l.mark_save_restore();
    l.settings_sysctls();
    if !l.errors.is_empty() {
        crate::diag::sort(&mut l.errors);
        return Err(l.errors);
    }
    let mut by_chain = std::mem::take(&mut l.rules);
    if opts.optimize {
        for c in &l.chains {
            by_chain.entry(c.name.clone()).or_default();
        }
        super::optimize::optimize(&mut by_chain);
    }
    // Comments last, from the origins: once per final rule, merged or not.
    for r in by_chain.values_mut().flatten() {
        if r.comment.is_none() {
            r.comment = l.comment_of(&r.origins);
        }
    }
    let mut rules = Vec::new();
    for c in &l.chains {
        rules.extend(by_chain.remove(&c.name).unwrap_or_default());
    }
    let mut sysctls = l.sysctls;
    sysctls.sort();
    sysctls.dedup_by(|a, b| a.key == b.key);
    Ok(Output {
        ruleset: Ruleset {
            family: opts.family.clone(),
            table: opts.table.clone(),
            sets: l.sets,
            counters: l.counters,
            ct_helpers: l.ct_helpers,
            chains: l.chains,
            rules,
        },
        sysctls,
        kernel_notes: l.kernel_notes,
    })
}

impl<'a> Lowerer<'a> {
    pub(crate) fn error(&mut self, span: Span, msg: String) {
        if self
            .errors
            .iter()
            .any(|e| e.span == span && e.message == msg)
        {
            return;
        }
        self.errors.push(
            Diagnostic::new(Code::Untranslatable, span, msg)
                .with_label("fhc cannot compile this to nftables"),
        );
    }

    fn has_chain(&self, name: &str) -> bool {
        self.chain_names.contains(name)
    }

    /// Creates a chain if needed (base chains get their hook).
    pub(crate) fn chain(&mut self, name: &str, hook: Option<Hook>) {
        if !self.has_chain(name) {
            self.chain_names.insert(name.to_string());
            self.chains.push(Chain {
                name: name.to_string(),
                hook,
            });
        }
    }

    pub(crate) fn ensure_base(&mut self, name: &str) {
        let hook = match name {
            "raw_prerouting" => Hook {
                kind: "filter",
                hook: "prerouting",
                prio: -300,
                policy: "accept",
            },
            "nat_prerouting" => Hook {
                kind: "nat",
                hook: "prerouting",
                prio: -100,
                policy: "accept",
            },
            "nat_output" => Hook {
                kind: "nat",
                hook: "output",
                prio: -100,
                policy: "accept",
            },
            "nat_input" => Hook {
                kind: "nat",
                hook: "input",
                prio: 100,
                policy: "accept",
            },
            "nat_postrouting" => Hook {
                kind: "nat",
                hook: "postrouting",
                prio: 100,
                policy: "accept",
            },
            // iptables' mangle table: marks, TOS/DSCP, classify, tcpmss.
            "mangle_prerouting" => Hook {
                kind: "filter",
                hook: "prerouting",
                prio: -150,
                policy: "accept",
            },
            "mangle_input" => Hook {
                kind: "filter",
                hook: "input",
                prio: -150,
                policy: "accept",
            },
            "mangle_forward" => Hook {
                kind: "filter",
                hook: "forward",
                prio: -150,
                policy: "accept",
            },
            "mangle_output" => Hook {
                kind: "route",
                hook: "output",
                prio: -150,
                policy: "accept",
            },
            "mangle_postrouting" => Hook {
                kind: "filter",
                hook: "postrouting",
                prio: -150,
                policy: "accept",
            },
            "raw_output" => Hook {
                kind: "filter",
                hook: "output",
                prio: -300,
                policy: "accept",
            },
            other => unreachable!("not a base chain: {other}"),
        };
        self.chain(name, Some(hook));
    }

    pub(crate) fn add_counter(&mut self, name: &str) {
        if !self.counters.iter().any(|c| c == name) {
            self.counters.push(name.to_string());
        }
    }

    pub(crate) fn add_ct_helper(&mut self, h: CtHelper) {
        if !self.ct_helpers.iter().any(|x| x.name == h.name) {
            self.ct_helpers.push(h);
        }
    }

    /// The key type of a set the ruleset declares.
    pub(crate) fn add_set(&mut self, set: Set) {
        if !self.sets.iter().any(|s| s.name == set.name) {
            self.sets.push(set);
        }
    }

    /// `line N: <the statement>` — lets `nft list ruleset` point back at the config. Continued
    /// lines are joined and blanks collapsed; nft keeps at most 128 bytes.
    pub(crate) fn comment(&self, span: Span) -> String {
        let line = self.index.line_of(span.start);
        clip(format!("line {}: {}", line + 1, self.statement_text(span)))
    }

    /// A statement on one line: continuations joined, blanks collapsed.
    fn statement_text(&self, span: Span) -> String {
        crate::span::one_line(self.text, span)
    }

    /// The comment of a rule serving several statements: their lines, then the first statement.
    fn comment_of(&self, origins: &[Span]) -> Option<String> {
        let (first, more) = origins.split_first()?;
        if more.is_empty() {
            return Some(self.comment(*first));
        }
        let lines: Vec<usize> = origins
            .iter()
            .map(|o| self.index.line_of(o.start) + 1)
            .collect();
        let mut list = crate::span::line_runs(&lines).replace(", ", ",");
        if list.len() > 40 {
            let (lo, hi) = (lines.iter().min(), lines.iter().max());
            list = format!(
                "{}-{} ({} statements)",
                lo.unwrap_or(&0),
                hi.unwrap_or(&0),
                origins.len()
            );
        }
        Some(clip(format!(
            "lines {list}: {}",
            self.statement_text(*first)
        )))
    }

    pub(crate) fn push(&mut self, chain: &str, mut stmts: Vec<Stmt>, span: Option<Span>) {
        stateful_last(&mut stmts);
        self.rules.entry(chain.to_string()).or_default().push(Rule {
            chain: chain.to_string(),
            stmts,
            // Filled in by `lower` from the origins, after the optimizer.
            comment: None,
            origins: span.into_iter().collect(),
        });
    }

    /// Pushes a rule preceded, when asked, by a rate-limited log rule with the same matches.
    pub(crate) fn push_logged(
        &mut self,
        chain: &str,
        matches: Vec<Stmt>,
        log: Option<&LogSpec>,
        tail: Vec<Stmt>,
        span: Option<Span>,
    ) {
        if let Some(l) = log {
            let mut m = matches.clone();
            m.extend(log_stmts(l));
            self.push(chain, m, span);
        }
        let mut m = matches;
        m.extend(tail);
        self.push(chain, m, span);
    }

    /// The verdict statements of an action (reject picks tcp reset for TCP, as FireHOL's
    /// SMART_REJECT does). The model refused what nftables cannot do (tarpit, mirror, unknown
    /// actions); such an action yields no rule here.
    pub(crate) fn verdict(&mut self, a: &Action, proto: Option<&Proto>) -> Option<Vec<Vec<Stmt>>> {
        let base = match self.verdict_stmts(&a.verdict, proto) {
            Some(v) => vec![v],
            // `reject` without `with` on an unknown protocol: TCP reset, else ICMP.
            None if matches!(a.verdict, Verdict::Reject(None)) => smart_reject(),
            None => return None,
        };
        let Some(l) = &a.limit else {
            return Some(base);
        };
        // `with limit R B [overflow A]`: the verdict within the limit; what exceeds it gets A
        // right away (without `overflow`, it goes on to the next rule).
        let limit = Stmt::Limit {
            rate: l.rate.n,
            per: l.rate.per.name().into(),
            burst: l.burst,
            over: false,
        };
        let mut alts: Vec<Vec<Stmt>> = base
            .into_iter()
            .map(|mut v| {
                // Before the verdict itself (after smart reject's protocol test).
                v.insert(v.len().saturating_sub(1), limit.clone());
                v
            })
            .collect();
        if let Some(over) = &l.overflow {
            alts.extend(self.verdict(&Action::new(over.clone(), a.span), proto)?);
        }
        Some(alts)
    }

    /// One verdict as statements (`None` when it needs two rules or cannot be compiled).
    fn verdict_stmts(&self, v: &Verdict, proto: Option<&Proto>) -> Option<Vec<Stmt>> {
        Some(match v {
            Verdict::Accept => vec![Stmt::Accept],
            Verdict::Drop => vec![Stmt::Drop],
            Verdict::Return => vec![Stmt::Return],
            Verdict::None => vec![],
            Verdict::Reject(Some(r)) => vec![Stmt::Reject(Some(reject_type(*r)))],
            Verdict::Reject(None) => match proto {
                Some(Proto::Tcp) => vec![Stmt::Reject(Some(("tcp reset", None)))],
                Some(_) => vec![Stmt::Reject(Some((
                    "icmpx",
                    Some("port-unreachable".into()),
                )))],
                None => return None,
            },
            Verdict::Tarpit | Verdict::Mirror => return None,
            Verdict::Custom(name) => {
                if !self.model.actions.iter().any(|x| &x.name == name) {
                    return None;
                }
                vec![Stmt::Jump(action_chain(name))]
            }
        })
    }

    fn base_chains(&mut self) {
        for (name, hook) in [
            ("input", "input"),
            ("forward", "forward"),
            ("output", "output"),
        ] {
            self.chain(
                name,
                Some(Hook {
                    kind: "filter",
                    hook,
                    prio: 0,
                    policy: "drop",
                }),
            );
        }
    }

    fn settings_sysctls(&mut self) {
        let st = &self.model.settings;
        let mut add = |k: &str, v: &str, why: &str| {
            self.sysctls.push(Sysctl {
                key: k.into(),
                value: v.into(),
                reason: why.into(),
            })
        };
        if st.routing {
            // Forwarding per family: only the families that routers and NAT actually use.
            use crate::model::ir::{NatKind, SectionKind};
            let routes =
                |f: fn(crate::model::ir::Families) -> bool| {
                    self.model
                        .sections
                        .iter()
                        .any(|s| s.kind == SectionKind::Router && f(s.families))
                        || self.model.nats.iter().any(|n| {
                            matches!(n.kind, NatKind::Dnat | NatKind::Snat) && f(n.families)
                        })
                };
            let (v4, v6) = (routes(|f| f.v4), routes(|f| f.v6));
            let enabled = self
                .model
                .families
                .unwrap_or(crate::model::ir::Families::BOTH);
            if v4 && enabled.v4 {
                add(
                    "net.ipv4.ip_forward",
                    "1",
                    "routers and NAT forward traffic",
                );
            }
            if v6 && enabled.v6 {
                add(
                    "net.ipv6.conf.all.forwarding",
                    "1",
                    "IPv6 routers forward traffic",
                );
            }
        }
        // Settings the user wrote explicitly are applied as written. The ones FireHOL forces for
        // synproxy (tcp_loose=0, syncookies=1, timestamps=1) are not needed by fhc's rulesets: the
        // synproxy rule also matches `ct state new`, and SYNPROXY uses its own cookies (e2e notes).
        for (var, key) in [
            (
                "FIREHOL_CONNTRACK_LOOSE_MATCHING",
                "net.netfilter.nf_conntrack_tcp_loose",
            ),
            ("FIREHOL_TCP_SYN_COOKIES", "net.ipv4.tcp_syncookies"),
            ("FIREHOL_TCP_TIMESTAMPS", "net.ipv4.tcp_timestamps"),
            ("FIREHOL_CONNTRACK_MAX", "net.netfilter.nf_conntrack_max"),
            // FireHOL writes the module parameter; the sysctl is the same table, writable in
            // the initial network namespace.
            (
                "FIREHOL_CONNTRACK_HASHSIZE",
                "net.netfilter.nf_conntrack_buckets",
            ),
        ] {
            if let Some(v) = self.model.user_settings.get(var) {
                add(key, v, &format!("{var} in the configuration"));
            }
        }
    }
}

/// `update @set { KEY limit ... }` (hashlimit) and `ct count` (connlimit) act on every packet
/// that reaches them, so they must follow all the rule's plain matches, as iptables evaluates
/// hashlimit and connlimit after the protocol and ports. Matches are appended by several layers
/// (parameters, then services and ports), so the order is fixed here, once, for every rule.
/// Rule comments stay well under nft's 128-byte limit, cut at a character boundary.
fn clip(mut c: String) -> String {
    if c.len() > 120 {
        let mut end = 117;
        while !c.is_char_boundary(end) {
            end -= 1;
        }
        c.truncate(end);
        c.push_str("...");
    }
    c
}

fn stateful_last(stmts: &mut Vec<Stmt>) {
    let head = stmts
        .iter()
        .position(|s| {
            !matches!(
                s,
                Stmt::Match(..) | Stmt::SetLimit { .. } | Stmt::CtCount { .. }
            )
        })
        .unwrap_or(stmts.len());
    if !stmts[..head].iter().any(|s| !matches!(s, Stmt::Match(..))) {
        return;
    }
    let rest = stmts.split_off(head);
    let (mut plain, counted): (Vec<Stmt>, Vec<Stmt>) = std::mem::take(stmts)
        .into_iter()
        .partition(|s| matches!(s, Stmt::Match(..)));
    plain.extend(counted);
    plain.extend(rest);
    *stmts = plain;
}

/// nft's payload protocol of the network header of family `af`.
pub(crate) fn ip_proto(af: Af) -> &'static str {
    match af {
        Af::V4 => "ip",
        Af::V6 => "ip6",
    }
}

/// `ct state { STATES }`.
pub(crate) fn ct_states(states: &[&str]) -> Stmt {
    Stmt::Match(
        super::json::Op::In,
        Expr::Ct("state", None),
        Expr::flags(states),
    )
}

/// The nft set element type of an address of family `af`.
pub(crate) fn set_addr_type(af: Af) -> &'static str {
    match af {
        Af::V4 => "ipv4_addr",
        Af::V6 => "ipv6_addr",
    }
}

pub(crate) fn action_chain(name: &str) -> String {
    name.to_string()
}

/// FireHOL's SMART_REJECT when the protocol is not known: TCP reset for TCP, ICMP otherwise.
fn smart_reject() -> Vec<Vec<Stmt>> {
    vec![
        vec![
            Stmt::matches(Expr::Meta("l4proto"), Expr::s("tcp")),
            Stmt::Reject(Some(("tcp reset", None))),
        ],
        vec![Stmt::Reject(Some((
            "icmpx",
            Some("port-unreachable".into()),
        )))],
    ]
}

/// nft's reject of `reject with MSG`.
fn reject_type(r: RejectWith) -> (&'static str, Option<String>) {
    let icmpx = |code: &str| ("icmpx", Some(code.to_string()));
    match r {
        RejectWith::TcpReset => ("tcp reset", None),
        RejectWith::PortUnreachable => icmpx("port-unreachable"),
        RejectWith::HostUnreachable => icmpx("host-unreachable"),
        RejectWith::NoRoute => icmpx("no-route"),
        RejectWith::AdminProhibited => icmpx("admin-prohibited"),
    }
}

/// `log`/`loglimit` as nft statements (FireHOL: level warning, 1/second burst 5 for loglimit).
pub(crate) fn log_stmts(l: &LogSpec) -> Vec<Stmt> {
    let mut out = Vec::new();
    if l.new_only {
        out.push(Stmt::Match(
            super::json::Op::In,
            Expr::Ct("state", None),
            Expr::s("new"),
        ));
    }
    if l.limited {
        out.push(Stmt::Limit {
            rate: 1,
            per: "second".into(),
            burst: Some(5),
            over: false,
        });
    }
    out.push(Stmt::Log {
        prefix: format!("{}:", l.text),
        level: Some(l.level.clone().unwrap_or_else(|| "warn".into())),
    });
    out
}

/// A rate-limited log statement pair with a fixed prefix (FireHOL's skeleton logs).
pub(crate) fn log_limited(prefix: &str) -> Vec<Stmt> {
    vec![
        Stmt::Limit {
            rate: 1,
            per: "second".into(),
            burst: Some(5),
            over: false,
        },
        Stmt::Log {
            prefix: prefix.into(),
            level: Some("warn".into()),
        },
    ]
}

/// `meta nfproto ipv4|ipv6` for a family-specific rule that has no address match.
pub(crate) fn nfproto(af: Af) -> Stmt {
    Stmt::matches(
        Expr::Meta("nfproto"),
        Expr::s(if af == Af::V4 { "ipv4" } else { "ipv6" }),
    )
}
