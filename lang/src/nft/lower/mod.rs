//! Model -> nftables ruleset. One `inet` table owned by fhc; base chains at FireHOL's hooks; one
//! regular chain per section side (`in_NAME`, `out_NAME`) and per action, as FireHOL does, so the
//! structure of `nft list ruleset` reads like the config.
//!
//! Order matters and follows FireHOL: synproxy rules first (before loopback trust and the invalid
//! drops they depend on), then the skeleton head, the sections in source order, the skeleton tail.
//!
//! One file per concern: the verdicts and logs (`verdict`), rule comments (`comments`), kernel
//! settings (`sysctls`), matches (`matches/`), and one per kind of statement.

mod actions;
mod comments;
mod helpers;
pub mod ipsets;
mod iptables;
mod matches;
mod nat;
mod protection;
mod runs;
mod sections;
mod service_runs;
mod skeleton;
mod synproxy;
mod sysctls;
mod verdict;

use super::json::{Chain, CtHelper, Expr, Hook, Rule, Ruleset, Set, Stmt};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::model::ir::{LogSpec, Model};
use crate::model::values::{Af, Families};
use crate::span::{LineIndex, Span};
use std::collections::HashMap;

pub use matches::Dir;
pub(crate) use verdict::{action_chain, log_limited, log_stmts, nfproto};

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
    /// Names of `sets` (one per connlimit statement and family: a scan was quadratic).
    set_names: std::collections::HashSet<String>,
    /// fhc's own sets rules may match against (the traps'), from the model.
    own_sets: Vec<(String, Af)>,
    /// The connlimit parameters given a set so far (one set per statement and family), with
    /// their number in the order they came.
    connlimits: HashMap<Span, usize>,
    counters: Vec<String>,
    ct_helpers: Vec<CtHelper>,
    /// Whether any rule sets or matches marks (the mark save/restore rules are then needed).
    pub(crate) marks_used: bool,
    /// The ruleset will be optimized: rules may be emitted in an order only the optimizer's
    /// grouping makes worthwhile (see `synproxy::phased`); `--no-optimize` keeps FireHOL's.
    optimize: bool,
    /// SYNPROXY's rules for untracked packets, held back to open the synproxy block (see
    /// `synproxy::phased`): (chain, the rule, its index in the chain had it been pushed).
    untracked_synproxy: Vec<(&'static str, Rule, usize)>,
    /// Rules keep their statements. Not when only the errors are wanted ([`lowering_errors`]):
    /// rules keep their place in their chain (raw inserts count them) and nothing else, so that
    /// a large configuration's check does not hold its whole ruleset in memory.
    keep_stmts: bool,
    pub(crate) errors: Vec<Diagnostic>,
    /// Every call of [`Lowerer::error`], repeats included (a run's check counts them).
    error_calls: usize,
    /// The chains written since a run's mark (see `runs`), when one is being lowered.
    journal: Option<Vec<String>>,
    pub(crate) sysctls: Vec<Sysctl>,
    pub(crate) kernel_notes: Vec<crate::nft::kernel::KernelNote>,
}

pub fn lower(model: &Model, text: &str, opts: &Options) -> Result<Output, Vec<Diagnostic>> {
    let mut l = Lowerer::run(model, text, opts.optimize, true);
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
    if let Some(first) = rules.first_mut() {
        first.comment = l.with_defines(first.comment.take());
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

/// What the lowering finds wrong, without building the ruleset's final form (no optimizer, no
/// comments): what `analyze` adds to the front end's diagnostics on every edit.
pub(crate) fn lowering_errors(model: &Model, text: &str) -> Vec<Diagnostic> {
    let mut errors = Lowerer::run(model, text, false, false).errors;
    crate::diag::sort(&mut errors);
    errors
}

impl<'a> Lowerer<'a> {
    /// Every pass, in FireHOL's order (see the module's doc).
    fn run(model: &'a Model, text: &'a str, optimize: bool, keep_stmts: bool) -> Lowerer<'a> {
        let mut l = Lowerer {
            model,
            text,
            index: LineIndex::new(text),
            chains: Vec::new(),
            chain_names: std::collections::HashSet::new(),
            rules: HashMap::new(),
            sets: Vec::new(),
            set_names: std::collections::HashSet::new(),
            own_sets: crate::model::own_sets(model),
            connlimits: HashMap::new(),
            counters: Vec::new(),
            ct_helpers: Vec::new(),
            marks_used: false,
            optimize,
            untracked_synproxy: Vec::new(),
            keep_stmts,
            errors: Vec::new(),
            error_calls: 0,
            journal: None,
            sysctls: Vec::new(),
            kernel_notes: Vec::new(),
        };
        l.base_chains();
        l.ipsets();
        l.raw_user_chains();
        l.helpers();
        l.actions();
        l.synproxies();
        l.raw_filter_appends(0);
        l.skeleton_head();
        l.nats();
        l.sections();
        l.skeleton_tail();
        l.raw_other_appends();
        l.raw_inserts();
        l.mark_save_restore();
        l.settings_sysctls();
        l
    }
}

impl<'a> Lowerer<'a> {
    pub(crate) fn error(&mut self, span: Span, msg: String) {
        self.error_calls += 1;
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

    /// Creates a base chain of [`skeleton::BASE_HOOKS`] (with its hook) if needed.
    pub(crate) fn ensure_base(&mut self, name: &str) {
        let Some((_, hook)) = skeleton::BASE_HOOKS.iter().find(|(n, _)| *n == name) else {
            unreachable!("not a base chain: {name}")
        };
        self.chain(name, Some(hook.clone()));
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
        if self.set_names.insert(set.name.clone()) {
            self.sets.push(set);
        }
    }

    /// A copy of statements about to be pushed: nothing when the rules keep no statements
    /// (the errors-only run of `analyze`, where copying them was a tenth of the lowering).
    pub(crate) fn copy(&self, stmts: &[Stmt]) -> Vec<Stmt> {
        if self.keep_stmts {
            stmts.to_vec()
        } else {
            Vec::new()
        }
    }

    pub(crate) fn push(&mut self, chain: &str, mut stmts: Vec<Stmt>, span: Option<Span>) {
        if !self.keep_stmts {
            stmts = Vec::new();
        }
        stateful_last(&mut stmts);
        if let Some(j) = &mut self.journal {
            j.push(chain.to_string());
        }
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
            let mut m = self.copy(&matches);
            m.extend(log_stmts(l));
            self.push(chain, m, span);
        }
        let mut m = matches;
        m.extend(tail);
        self.push(chain, m, span);
    }

    /// `fams` without a family the configuration switched off (`ENABLE_IPV6=0`): the filter
    /// chains accept such packets first, but the NAT and mangle chains would still act on them.
    pub(crate) fn enabled(&self, fams: Families) -> Families {
        match self.model.families {
            Some(on) => fams.intersect(on),
            None => fams,
        }
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
}

/// `update @set { KEY limit ... }` (hashlimit) and `ct count` (connlimit) act on every packet
/// that reaches them, so they must follow all the rule's plain matches, as iptables evaluates
/// hashlimit and connlimit after the protocol and ports. Matches are appended by several layers
/// (parameters, then services and ports), so the order is fixed here, once, for every rule.
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
