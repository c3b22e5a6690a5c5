//! The walk over the statements, in source order, that builds the [`Model`]. It keeps the state
//! FireHOL keeps while sourcing the file: variables, the open section and groups, the families in
//! force, which services were already used.

use super::edits::{full_lines, line_start};
use super::expand::Env;
use super::ir::{self, Families, Match, Model, SectionKind};
use super::values::split_list;
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
use crate::eval::{Ctx, Evaluation, EventKind};
use crate::prelude::{Host, Inputs};
use crate::span::Span;
use crate::syntax::Parse;
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};

pub struct Builder<'a> {
    pub(super) text: &'a str,
    pub(super) env: Env,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) model: Model,
    pub(super) reported_unset: HashSet<Span>,
    /// Index of the open section.
    pub(super) section: Option<usize>,
    pub(super) groups: Vec<(Match, Span)>,
    pub(super) default_families: Families,
    /// Services already used (FireHOL caches a definition at its first use).
    pub(super) used_services: HashMap<String, Span>,
    /// Action names used as verdicts, checked at the end (definitions may come later in the file).
    /// (name, span, the span is the name's word: a "replace" fix may rewrite it).
    pub(super) action_refs: Vec<(String, Span, bool)>,
    /// DEFAULT_*_POLICY values already read: (value, assignment) -> the action (each is reported
    /// once, however many sections take it).
    pub(super) default_policies: Vec<(String, Option<Span>, ir::Action)>,
    /// Statement index of each synproxy (for "position matters" settings).
    pub(super) last_synproxy_stmt: Option<usize>,
    pub(super) stmt_index: usize,
    /// Statement spans for fixes that move or insert whole lines.
    pub(super) first_section_stmt: Option<Span>,
    /// (kind, span, match, families) of destination NAT statements seen before the first synproxy.
    pub(super) dnat_before_synproxy: Vec<usize>,
    /// The first real interface named by an `interface` statement (for "add inface" fixes).
    pub(super) iface_hint: Option<String>,
    /// Section name -> index of its first section (duplicate names are an error).
    pub(super) section_names: HashMap<String, usize>,
    /// (mark group, value, span) of every mark match and assignment, checked against the mark
    /// layout at the end of the file.
    pub(super) mark_uses: Vec<(String, u64, Span)>,
    /// Every rule's use of a set (`ipset NAME src`, `src ipset:NAME`), checked against the
    /// ipsets and trap sets at the end of the file.
    pub(super) set_uses: Vec<super::ipsets::SetUse>,
    /// What the caller read from the host (ipset files, host names' addresses).
    pub(super) inputs: &'a dyn Host,
    /// Host names whose addresses were reported (once per name).
    pub(super) reported_hosts: Vec<String>,
    /// Hashlimit names with the shape of their key (address or port, per mode): FireHOL shares
    /// one table per name.
    pub(super) hashlimit_sets: Vec<(super::ir::Hashlimit, Families, Span)>,
}

/// Nothing read from the host (the editor's and the defaults file's case).
static NO_INPUTS: Inputs = Inputs {
    files: std::collections::BTreeMap::new(),
    hosts: crate::prelude::Hosts::Deferred,
};

/// Builds the model of a parsed file. Pure; diagnostics are returned with it.
pub fn build(text: &str, parse: &Parse) -> (Model, Vec<Diagnostic>) {
    let env = Env::new();
    let evaluation =
        crate::eval::evaluate(text, parse, &env, &Default::default(), &Default::default());
    build_in(
        text,
        parse,
        &evaluation,
        env,
        ir::default_marks(),
        &NO_INPUTS,
    )
}

/// [`build`] from what the shell evaluator produced (`evaluation`), starting from `env`
/// (FireHOL's predefined variables plus what the defaults and services files set) and the mark
/// groups the defaults file defined.
pub fn build_in(
    text: &str,
    parse: &Parse,
    evaluation: &Evaluation,
    env: Env,
    marks: Vec<ir::MarkDef>,
    inputs: &dyn Host,
) -> (Model, Vec<Diagnostic>) {
    let mut b = builder(text, parse, env, inputs);
    b.model.marks = marks;
    let mut seen: HashSet<(crate::codes::Code, Span, String)> = HashSet::new();
    let events = if evaluation.runaway {
        &[][..]
    } else {
        &evaluation.events[..]
    };
    for (i, ev) in events.iter().enumerate() {
        b.stmt_index = i + 1;
        let before = b.diags.len();
        match &ev.kind {
            EventKind::Assign {
                name, value, span, ..
            } => b.assign(name, value.clone(), *span),
            EventKind::Unset { name, .. } => b.env.unset(name),
            EventKind::Command { stmt, .. } => {
                if let (Some(c), Some(call)) = (stmt.command(), ev.ctx.caller())
                    && !b.model.calls.contains(&(c.span, call))
                {
                    b.model.calls.push((c.span, call));
                }
                b.statement(stmt)
            }
        }
        if !ev.uncertain.is_empty() {
            // A value some words needed is known only on the host (reported there): nothing
            // about those words, or about the statement as a whole.
            let whole = match &ev.kind {
                EventKind::Command { stmt, .. } => Some(stmt.span),
                _ => None,
            };
            let mut i = before;
            while i < b.diags.len() {
                let d = &b.diags[i];
                let about = Some(d.span) == whole
                    || ev.uncertain.iter().any(|u| {
                        d.span.start < u.end && u.start < d.span.end.max(d.span.start + 1)
                    });
                if about {
                    b.diags.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        if !ev.ctx.is_empty() {
            in_context(&mut b.diags, before, &ev.ctx, &mut seen);
        }
    }
    b.finish();
    (b.model, b.diags)
}

/// The diagnostics of a statement run inside functions or loops: each place reported once,
/// naming the call (a label at the calling line) and the iteration.
fn in_context(
    diags: &mut Vec<Diagnostic>,
    from: usize,
    ctx: &Ctx,
    seen: &mut HashSet<(crate::codes::Code, Span, String)>,
) {
    let new: Vec<Diagnostic> = diags.drain(from..).collect();
    for d in new {
        if !seen.insert((d.code, d.span, d.message.clone())) {
            continue;
        }
        diags.push(crate::eval::with_frames(d, ctx.frames()));
    }
}

/// Runs the `markdef` statements of a defaults file over `marks` (FireHOL's own
/// firehol-defaults.conf lays its mark groups out that way); diagnostics are in that file.
pub fn prelude_marks(
    text: &str,
    parse: &Parse,
    evaluation: &Evaluation,
    env: Env,
    marks: Vec<ir::MarkDef>,
) -> (Vec<ir::MarkDef>, Vec<Diagnostic>) {
    let mut b = builder(text, parse, env, &NO_INPUTS);
    b.model.marks = marks;
    for ev in &evaluation.events {
        if let EventKind::Command { stmt, .. } = &ev.kind
            && stmt.command().is_some_and(|c| c.cmd == Cmd::Markdef)
        {
            b.statement(stmt);
        }
    }
    (b.model.marks, b.diags)
}

fn builder<'a>(text: &'a str, parse: &Parse, env: Env, inputs: &'a dyn Host) -> Builder<'a> {
    Builder {
        text,
        env,
        diags: Vec::new(),
        model: Model::default(),
        reported_unset: HashSet::new(),
        mark_uses: Vec::new(),
        set_uses: Vec::new(),
        inputs,
        reported_hosts: Vec::new(),
        hashlimit_sets: Vec::new(),
        section: None,
        groups: Vec::new(),
        default_families: Families::BOTH,
        used_services: HashMap::new(),
        action_refs: Vec::new(),
        default_policies: Vec::new(),
        last_synproxy_stmt: None,
        stmt_index: 0,
        first_section_stmt: None,
        dnat_before_synproxy: Vec::new(),
        section_names: HashMap::new(),
        iface_hint: parse
            .file
            .stmts
            .iter()
            .find_map(|s| match s.command().map(|c| &c.kind) {
                Some(CommandKind::Interface {
                    ifaces: Some(w), ..
                }) => w
                    .literal()
                    .and_then(|l| split_list(l).first().map(|x| x.to_string())),
                _ => None,
            }),
    }
}

pub(super) fn top_only(cmd: Cmd) -> bool {
    cmd.is_top_only()
}

pub(super) fn section_only(cmd: Cmd) -> bool {
    cmd.is_section_only()
}

pub(super) fn name_of(c: &Command) -> String {
    c.name.literal().unwrap_or("?").to_string()
}

impl<'a> Builder<'a> {
    /// An invalid value (E0114).
    pub(super) fn bad_value(&mut self, span: Span, msg: String) {
        self.diags
            .push(Diagnostic::new(Code::InvalidValue, span, msg).with_label("invalid value"));
    }

    /// What nftables (or fhc's translation) cannot do (E0201), found before lowering.
    pub(super) fn untranslatable(&mut self, span: Span, msg: String) {
        self.diags.push(
            Diagnostic::new(Code::Untranslatable, span, msg)
                .with_label("fhc cannot compile this to nftables"),
        );
    }

    pub(super) fn stmt_index(&self) -> usize {
        self.stmt_index
    }

    fn statement(&mut self, stmt: &Stmt) {
        if let StmtKind::Command(c) = &stmt.kind {
            self.command(c);
        }
    }

    fn assign(&mut self, name: &str, value: String, name_span: Span) {
        // Redefining a service after its first use has no effect in FireHOL.
        if let Some(svc) = name
            .strip_prefix("server_")
            .or(name.strip_prefix("client_"))
            .and_then(|r| r.strip_suffix("_ports"))
            && let Some(&used) = self.used_services.get(svc)
        {
            self.diags.push(
                Diagnostic::new(
                    Code::ServiceCached,
                    name_span,
                    format!("service `{svc}` was already used; this new definition has no effect"),
                )
                .with_label("too late")
                .with_secondary(used, "first used here, with the definition in force then")
                .with_help("define the service before its first use"),
            );
        }
        self.env.set(name, value, name_span, self.stmt_index);
    }

    /// The families a command applies to, with the checks FireHOL makes on namespaces.
    fn families(&mut self, c: &Command) -> Families {
        let inherited = match self.section {
            Some(i) if section_only(c.cmd) => self.model.sections[i].families,
            _ => self.default_families,
        };
        let Some(sel) = c.family else {
            return inherited;
        };
        if (c.cmd == Cmd::Log || c.cmd == Cmd::Loglimit)
            && sel.family == Family::Both
            && !sel.prefix
        {
            self.diags.push(
                Diagnostic::new(
                    Code::BrokenInFirehol,
                    c.name.span,
                    format!(
                        "`{}` is broken in FireHOL 3.1.7 (it calls a missing function)",
                        name_of(c)
                    ),
                )
                .with_label("fhc applies it to IPv4 and IPv6, as intended")
                .with_severity(crate::diag::Severity::Info),
            );
        }
        let asked = Families::from(sel.family);
        if section_only(c.cmd) && asked.intersect(inherited) != asked {
            let name = self
                .section
                .map(|i| self.model.sections[i].name.clone())
                .unwrap_or_default();
            self.diags.push(
                Diagnostic::new(Code::NamespaceSwitch, sel.span, format!("section `{name}` does not include this family"))
                    .with_label("cannot switch families inside a section")
                    .with_help("a section can only narrow `both` to one family; open a new section for the other family"),
            );
            return asked.intersect(inherited);
        }
        asked
    }

    fn command(&mut self, c: &Command) {
        if !self.check_placement(c) {
            return;
        }
        let fams = self.families(c);
        match &c.kind {
            CommandKind::Version { number } => self.version(number.as_ref()),
            CommandKind::Interface {
                ifaces,
                name,
                params,
            } => self.open_section(
                c,
                SectionKind::Interface,
                ifaces.as_ref(),
                name.as_ref(),
                params,
                fams,
            ),
            CommandKind::Router { name, params } => {
                self.open_section(c, SectionKind::Router, None, name.as_ref(), params, fams)
            }
            CommandKind::GroupStart { params, .. } => {
                let ps: Vec<&Param> = params.iter().collect();
                let m = self.build_match(&ps, fams);
                self.groups.push((m, c.span));
            }
            CommandKind::GroupEnd { .. } => self.group_end(c),
            CommandKind::Policy { action: Some(a) } => {
                let act = self.action(a);
                if let Some(i) = self.section {
                    self.model.sections[i].policy = Some(act);
                }
            }
            CommandKind::Protection { reverse, args, .. } => {
                self.protection(c, reverse.is_some(), args, fams)
            }
            CommandKind::Service(s) => self.service(c, s, fams),
            CommandKind::Synproxy(s) => self.synproxy(c, s, fams),
            CommandKind::Nat(n) => self.nat(c, n, fams),
            CommandKind::Masquerade {
                reverse,
                ifaces,
                options,
                params,
            } => self.masquerade(c, reverse.is_some(), ifaces.as_ref(), options, params, fams),
            CommandKind::TransparentProxy {
                ports,
                redirect_port,
                user,
                params,
            } => self.transparent(
                c,
                ports.as_ref(),
                redirect_port.as_ref(),
                user.as_ref(),
                params,
                fams,
            ),
            CommandKind::TransparentSquid {
                redirect_port,
                user,
                params,
            } => self.transparent(c, None, redirect_port.as_ref(), user.as_ref(), params, fams),
            CommandKind::Tproxy {
                ports,
                port,
                params,
                ..
            } => self.transparent(c, ports.as_ref(), port.as_ref(), None, params, fams),
            CommandKind::Action(a) => self.action_def(c, a, fams),
            _ => {
                // Helper commands become `Helper` items (see helpers/); what is left either has
                // no effect on the ruleset or cannot be compiled.
                if !self.helper(c, fams, self.section) {
                    self.untranslated(c);
                }
            }
        }
    }

    /// `group end`: closes the innermost open group.
    fn group_end(&mut self, c: &Command) {
        if self.groups.pop().is_none() {
            self.diags.push(
                Diagnostic::new(
                    Code::GroupMismatch,
                    c.span,
                    "`group end` without an open group",
                )
                .with_label("nothing to close")
                .with_fix(
                    "remove it",
                    vec![TextEdit {
                        span: full_lines(self.text, c.span),
                        new_text: String::new(),
                    }],
                ),
            );
        }
    }

    /// A command that is neither a section, a rule, NAT, synproxy, an action nor a helper.
    fn untranslated(&mut self, c: &Command) {
        match c.cmd {
            // No effect on the ruleset: FireHOL itself ignores `ecn_shame` (its IP list is gone),
            // and `require_kernel_module` loads a module (nft loads what a ruleset needs).
            Cmd::EcnShame | Cmd::RequireKernelModule => {}
            _ => self.diags.push(
                Diagnostic::new(
                    Code::Untranslatable,
                    c.span,
                    format!(
                        "`{}` cannot be compiled to nftables yet",
                        name_of(c).trim_end_matches(['4', '6'])
                    ),
                )
                .with_label("fhc cannot compile this to nftables"),
            ),
        }
    }

    fn version(&mut self, number: Option<&Word>) {
        let Some(w) = number else { return };
        let Some(text) = self.expand(w) else { return };
        match text.parse::<u32>() {
            Ok(n) if n <= 6 => {
                self.model.version = Some(n);
                if n < 6 {
                    self.default_families = Families::V4;
                    self.diags.push(
                        Diagnostic::new(
                            Code::Version5,
                            w.span,
                            format!("`version {n}` disables IPv6 for the whole file"),
                        )
                        .with_label("IPv4 only from here on")
                        .with_help(
                            "use `version 6` and `ipv4` prefixes where a statement is IPv4-only",
                        ),
                    );
                }
            }
            Ok(n) => self.diags.push(
                Diagnostic::new(
                    Code::BadVersion,
                    w.span,
                    format!("configuration version {n} is newer than FireHOL 6"),
                )
                .with_label("fhc understands versions up to 6")
                .with_fix(
                    "use version 6",
                    vec![TextEdit {
                        span: w.span,
                        new_text: "6".into(),
                    }],
                ),
            ),
            Err(_) => self.diags.push(
                Diagnostic::new(
                    Code::BadVersion,
                    w.span,
                    format!("`{text}` is not a version number"),
                )
                .with_label("expected a whole number such as 6"),
            ),
        }
    }

    fn finish(&mut self) {
        self.close_section();
        let defined: HashSet<String> = self.model.actions.iter().map(|a| a.name.clone()).collect();
        let mut refs = std::mem::take(&mut self.action_refs);
        refs.dedup();
        for (name, span, fixable) in refs {
            if defined.contains(&name) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::UnknownAction,
                span,
                format!("there is no action `{name}`"),
            )
            .with_label("neither built in nor defined with `action`");
            let builtins = crate::syntax::keywords::ACTIONS.iter().map(|a| a.0);
            let candidates: Vec<&str> =
                builtins.chain(defined.iter().map(String::as_str)).collect();
            if let Some(best) = crate::suggest::suggest(&name, candidates.into_iter()) {
                d = d.with_help(format!("did you mean `{best}`?"));
                if fixable {
                    d = d.with_fix(
                        format!("replace with `{best}`"),
                        vec![TextEdit {
                            span,
                            new_text: best.to_string(),
                        }],
                    );
                }
            }
            let at = self
                .first_section_stmt
                .map(|s| line_start(self.text, s.start))
                .unwrap_or(self.text.len());
            let prefix =
                if at == self.text.len() && !self.text.ends_with('\n') && !self.text.is_empty() {
                    "\n"
                } else {
                    ""
                };
            d = d.with_fix(
                format!("define `{name}` as an action that drops"),
                vec![TextEdit {
                    span: Span::new(at, at),
                    new_text: format!("{prefix}action {name} chain drop\n"),
                }],
            );
            self.diags.push(d);
        }
        self.synproxy_checks();
        self.check_mark_uses();
        self.check_trap_actions();
        self.check_set_uses();
        self.check_raw_chains();
        self.check_set_types();
        self.check_helper_options();
        self.settings();
    }
}
