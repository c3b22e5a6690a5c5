//! The walk over the statements, in source order, that builds the [`Model`]. It keeps the state
//! FireHOL keeps while sourcing the file: variables, the open section and groups, the families in
//! force, which services were already used.

use super::expand::Env;
use super::ir::{
    self, Action, Cond, FacesGiven, Families, Match, Model, Nat, NatKind, NatTarget, Other,
    Protection, Rule, Section, SectionKind, Service, ServiceDef, Sysctl, Verdict,
};
use super::values::{self, Af, Port, split_list};
use crate::codes::Code;
use crate::diag::{Diagnostic, TextEdit};
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
    section: Option<usize>,
    groups: Vec<(Match, Span)>,
    default_families: Families,
    /// Services already used (FireHOL caches a definition at its first use).
    used_services: HashMap<String, Span>,
    /// Action names used as verdicts, checked at the end (definitions may come later in the file).
    pub(super) action_refs: Vec<(String, Span)>,
    /// Statement index of each synproxy (for "position matters" settings).
    pub(super) last_synproxy_stmt: Option<usize>,
    stmt_index: usize,
    /// Statement spans for fixes that move or insert whole lines.
    pub(super) first_section_stmt: Option<Span>,
    /// (kind, span, match, families) of destination NAT statements seen before the first synproxy.
    pub(super) dnat_before_synproxy: Vec<usize>,
    /// The first real interface named by an `interface` statement (for "add inface" fixes).
    pub(super) iface_hint: Option<String>,
    /// Section name -> index of its first section (duplicate names are an error).
    section_names: HashMap<String, usize>,
    /// (mark group, value, span) of every mark match and assignment, checked against the mark
    /// layout at the end of the file.
    pub(super) mark_uses: Vec<(String, u64, Span)>,
    /// (as written, set name, families, span) of every use of one of fhc's own sets (`ipset NAME src`,
    /// `src ipset:NAME`), checked against the trap sets at the end of the file.
    pub(super) own_set_uses: Vec<(String, String, Families, Span)>,
    /// Hashlimit names with the shape of their key (address or port, per mode): FireHOL shares
    /// one table per name.
    pub(super) hashlimit_shapes: Vec<(String, Vec<bool>)>,
}

/// Builds the model of a parsed file. Pure; diagnostics are returned with it.
pub fn build(text: &str, parse: &Parse) -> (Model, Vec<Diagnostic>) {
    build_in(text, parse, Env::new(), ir::default_marks())
}

/// [`build`], starting from `env` (FireHOL's predefined variables plus what the defaults and
/// services files set) and the mark groups the defaults file defined.
pub fn build_in(
    text: &str,
    parse: &Parse,
    env: Env,
    marks: Vec<ir::MarkDef>,
) -> (Model, Vec<Diagnostic>) {
    let mut b = builder(text, parse, env);
    b.model.marks = marks;
    for (i, stmt) in parse.file.stmts.iter().enumerate() {
        b.stmt_index = i + 1;
        b.statement(stmt);
    }
    b.finish();
    (b.model, b.diags)
}

/// Runs the `markdef` statements of a defaults file over `marks` (FireHOL's own
/// firehol-defaults.conf lays its mark groups out that way); diagnostics are in that file.
pub fn prelude_marks(
    text: &str,
    parse: &Parse,
    env: Env,
    marks: Vec<ir::MarkDef>,
) -> (Vec<ir::MarkDef>, Vec<Diagnostic>) {
    let mut b = builder(text, parse, env);
    b.model.marks = marks;
    for stmt in &parse.file.stmts {
        if stmt.command().is_some_and(|c| c.cmd == Cmd::Markdef) {
            b.statement(stmt);
        }
    }
    (b.model.marks, b.diags)
}

fn builder<'a>(text: &'a str, parse: &Parse, env: Env) -> Builder<'a> {
    Builder {
        text,
        env,
        diags: Vec::new(),
        model: Model::default(),
        reported_unset: HashSet::new(),
        mark_uses: Vec::new(),
        own_set_uses: Vec::new(),
        hashlimit_shapes: Vec::new(),
        section: None,
        groups: Vec::new(),
        default_families: Families::BOTH,
        used_services: HashMap::new(),
        action_refs: Vec::new(),
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

fn top_only(cmd: Cmd) -> bool {
    cmd.is_top_only()
}

fn section_only(cmd: Cmd) -> bool {
    cmd.is_section_only()
}

pub(super) fn name_of(c: &Command) -> String {
    c.name.literal().unwrap_or("?").to_string()
}

impl<'a> Builder<'a> {
    pub(super) fn stmt_index(&self) -> usize {
        self.stmt_index
    }

    fn statement(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Assignment(list) => {
                for a in list {
                    self.assign(a);
                }
            }
            StmtKind::Unset(names) => {
                for n in names {
                    if let Some(l) = n.literal() {
                        self.env.unset(l);
                    }
                }
            }
            StmtKind::Command(c) => self.command(c),
            _ => {}
        }
    }

    fn assign(&mut self, a: &Assignment) {
        if a.array.is_some() {
            return;
        }
        let value = match &a.value {
            Some(w) => match self.expand(w) {
                Some(v) => v,
                None => return,
            },
            None => String::new(),
        };
        // Redefining a service after its first use has no effect in FireHOL.
        if let Some(svc) = a
            .name
            .strip_prefix("server_")
            .or(a.name.strip_prefix("client_"))
            .and_then(|r| r.strip_suffix("_ports"))
            && let Some(&used) = self.used_services.get(svc)
        {
            self.diags.push(
                Diagnostic::new(
                    Code::ServiceCached,
                    a.name_span,
                    format!("service `{svc}` was already used; this new definition has no effect"),
                )
                .with_label("too late")
                .with_secondary(used, "first used here, with the definition in force then")
                .with_help("define the service before its first use"),
            );
        }
        self.env.set(&a.name, value, a.name_span, self.stmt_index);
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
        let asked = match sel.family {
            Family::Ipv4 => Families::V4,
            Family::Ipv6 => Families::V6,
            Family::Both => Families::BOTH,
        };
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
        if top_only(c.cmd)
            && let Some(i) = self.section
        {
            let s = &self.model.sections[i];
            self.diags.push(
                Diagnostic::new(
                    Code::TopOnlyInSection,
                    c.span,
                    format!(
                        "`{}` must come before the first interface or router",
                        name_of(c)
                    ),
                )
                .with_label(format!(
                    "inside {} `{}`",
                    if s.kind == SectionKind::Interface {
                        "interface"
                    } else {
                        "router"
                    },
                    s.name
                ))
                .with_secondary(
                    self.first_section_stmt.unwrap_or(s.span),
                    "the first section starts here",
                )
                .with_help("move this statement above the first interface/router")
                .with_fix(
                    "move it above the first section",
                    move_line_edits(self.text, c.span, self.first_section_stmt.unwrap_or(s.span)),
                ),
            );
        }
        if section_only(c.cmd) && self.section.is_none() {
            self.diags.push(
                Diagnostic::new(
                    Code::OutsideSection,
                    c.span,
                    format!(
                        "`{}` belongs inside an interface or router section",
                        name_of(c)
                    ),
                )
                .with_label("no section is open here")
                .with_help("open a section first, e.g. `interface eth0 lan`"),
            );
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
            CommandKind::GroupEnd { .. } => {
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
            CommandKind::Policy { action: Some(a) } => {
                let act = self.action(a);
                if let Some(i) = self.section {
                    self.model.sections[i].policy = Some(act);
                }
            }
            CommandKind::Protection { reverse, args, .. } => {
                let words: Vec<String> = args.iter().filter_map(|w| self.expand(w)).collect();
                let kinds: Vec<String> = words
                    .iter()
                    .take_while(|w| !w.starts_with(|c: char| c.is_ascii_digit()))
                    .flat_map(|w| split_list(w))
                    .map(String::from)
                    .collect();
                let rest = words
                    .iter()
                    .skip_while(|w| !w.starts_with(|c: char| c.is_ascii_digit()))
                    .cloned()
                    .collect();
                if kinds.iter().any(|k| k == "connrate") {
                    self.diags.push(
                        Diagnostic::new(
                            Code::BrokenInFirehol,
                            c.span,
                            "`protection connrate` always fails in FireHOL 3.1.7",
                        )
                        .with_label("FireHOL never sets its rate"),
                    );
                }
                if let Some(i) = self.section {
                    self.model.sections[i].protections.push(Protection {
                        reverse: reverse.is_some(),
                        kinds,
                        args: rest,
                        families: fams,
                        span: c.span,
                    });
                }
            }
            CommandKind::Service(s) => self.service(c, s, fams),
            CommandKind::Synproxy(s) => self.synproxy(c, s, fams),
            CommandKind::Nat(n) => self.nat(c, n, fams),
            CommandKind::Masquerade {
                reverse,
                ifaces,
                options,
                params,
            } => {
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
                self.check_masquerade_face(c, ifaces.is_some(), reverse.is_some());
                let nat = Nat {
                    span: c.span,
                    kind: NatKind::Masquerade,
                    families: fams,
                    targets: vec![],
                    ports: vec![],
                    persistent: false,
                    random: options.iter().any(|o| o.kind == NatOptionKind::Random),
                    at: vec![],
                    user: None,
                    matches: m,
                    section: self.section,
                    reverse: reverse.is_some(),
                };
                self.model.nats.push(nat);
            }
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
                // Helper commands the backend translates become `Helper` items (see helpers.rs);
                // the rest are kept as `Other` for the backend to report or ignore.
                if !self.helper(c, fams, self.section) {
                    self.model.others.push(Other {
                        command: name_of(c),
                        span: c.span,
                    });
                }
            }
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

    fn close_section(&mut self) {
        self.groups.clear();
        self.section = None;
    }

    /// The interfaces a word names: `Some(None)` for `any` (every interface), `None` when it
    /// cannot be evaluated. An empty list and bad names are errors (FireHOL refuses them; an
    /// empty list read as `any` would widen the statement to every interface).
    fn iface_list(&mut self, w: &Word) -> Option<Option<Vec<values::Iface>>> {
        let text = self.expand(w)?;
        let Some(parsed) = values::parse_iface_list(&text) else {
            return Some(None);
        };
        if parsed.is_empty() {
            self.diags.push(
                Diagnostic::new(Code::InvalidValue, w.span, "the interface list is empty")
                    .with_label("expands to nothing")
                    .with_help("name the interface (or `any` for every interface)"),
            );
        }
        let mut list = Vec::new();
        for r in parsed {
            match r {
                Ok(i) => list.push(i),
                Err(e) => self
                    .diags
                    .push(Diagnostic::new(Code::InvalidValue, w.span, e).with_label("interface")),
            }
        }
        Some(Some(list))
    }

    /// FireHOL's masquerade takes its interface from the section (a router's outface, or inface
    /// with `reverse`), else from its argument, and refuses to run without one.
    fn check_masquerade_face(&mut self, c: &Command, has_arg: bool, reverse: bool) {
        let missing = match self.section.map(|i| &self.model.sections[i]) {
            // FireHOL takes the router's face, else the argument; a negated face is none.
            Some(s) if s.kind == SectionKind::Router => {
                let (given, face) = if reverse {
                    (s.faces_given.inface, &s.matches.inface)
                } else {
                    (s.faces_given.outface, &s.matches.outface)
                };
                !has_arg && (!given || face.as_ref().is_some_and(|c| c.negated))
            }
            Some(_) => false,
            None => !has_arg,
        };
        if missing {
            let (face, why) = match (self.section.is_some(), reverse) {
                (true, false) => ("outface", "the router names no `outface`"),
                (true, true) => (
                    "inface",
                    "the router names no `inface` (and `reverse` asks for it)",
                ),
                _ => (
                    "interface",
                    "outside a section it needs its interface as argument",
                ),
            };
            self.diags.push(
                Diagnostic::new(
                    Code::MissingArgument,
                    c.span,
                    format!("masquerade has no {face} to work on: {why}"),
                )
                .with_label("no interface")
                .with_help(format!(
                    "give the router `{face} IFACE` (or `{face} any`), or write `masquerade IFACE` before the first section"
                )),
            );
        }
    }

    fn open_section(
        &mut self,
        c: &Command,
        kind: SectionKind,
        ifaces: Option<&Word>,
        name: Option<&Word>,
        params: &[Param],
        fams: Families,
    ) {
        self.close_section();
        if self.first_section_stmt.is_none() {
            self.first_section_stmt = Some(c.span);
            self.model.settings.trust_loopback = self
                .env
                .value("FIREHOL_TRUST_LOOPBACK")
                .is_none_or(|v| v != "0");
            self.model.settings.default_interface_policy =
                self.env.value("DEFAULT_INTERFACE_POLICY").map(String::from);
            self.model.settings.default_router_policy =
                self.env.value("DEFAULT_ROUTER_POLICY").map(String::from);
        }
        if kind == SectionKind::Router {
            self.model.settings.routing = true;
        }
        let Some(name_word) = name else { return };
        let Some(name_text) = self.expand(name_word) else {
            return;
        };
        let prev = self
            .section_names
            .get(&name_text)
            .map(|&i| &self.model.sections[i])
            .filter(|s| {
                s.families.intersect(fams)
                    != Families {
                        v4: false,
                        v6: false,
                    }
            });
        if let Some(prev) = prev {
            self.diags.push(
                Diagnostic::new(
                    Code::DuplicateSection,
                    name_word.span,
                    format!("a section named `{name_text}` already exists"),
                )
                .with_label("duplicate name")
                .with_secondary(prev.name_span, "first defined here")
                .with_help("section names must be unique (FireHOL names its chains after them)"),
            );
        }
        // `interface any NAME` (or a list holding `any`): every interface, an empty list.
        let iface_list = ifaces
            .and_then(|w| self.iface_list(w))
            .flatten()
            .unwrap_or_default();
        let faces_given = FacesGiven {
            inface: params.iter().any(|p| p.kind == Some(ParamKind::Inface)),
            outface: params.iter().any(|p| p.kind == Some(ParamKind::Outface)),
        };
        let ps: Vec<&Param> = params.iter().collect();
        let matches = self.build_match(&ps, fams);
        self.section_names
            .entry(name_text.clone())
            .or_insert(self.model.sections.len());
        self.model.sections.push(Section {
            span: c.span,
            kind,
            name: name_text,
            name_span: name_word.span,
            ifaces: iface_list,
            faces_given,
            matches,
            families: fams,
            policy: None,
            protections: vec![],
            rules: vec![],
        });
        self.section = Some(self.model.sections.len() - 1);
    }

    /// A verdict of a statement; custom names are checked at the end of the file.
    pub(super) fn action(&mut self, a: &RuleAction) -> Action {
        let with: Vec<String> = a
            .with
            .as_ref()
            .map(|w| w.args.iter().filter_map(|x| self.expand(x)).collect())
            .unwrap_or_default();
        let verb = self.expand(&a.verb).unwrap_or_default();
        let verdict = verdict_of(&verb, &with);
        if let Verdict::Custom(name) = &verdict {
            self.action_refs.push((name.clone(), a.verb.span));
        }
        Action {
            verdict,
            with,
            span: a.span,
        }
    }

    fn service(&mut self, c: &Command, s: &ServiceCmd, fams: Families) {
        let Some(i) = self.section else { return };
        if s.role == Role::Route && self.model.sections[i].kind != SectionKind::Router {
            self.diags.push(
                Diagnostic::new(
                    Code::RouteOutsideRouter,
                    c.name.span,
                    "`route` is only valid in a router section",
                )
                .with_label(format!(
                    "inside interface `{}`",
                    self.model.sections[i].name
                ))
                .with_secondary(self.model.sections[i].span, "the section starts here")
                .with_help("use `server` or `client` here, or move the statement into a router")
                .with_fix(
                    "use `server`",
                    vec![TextEdit {
                        span: c.name.span,
                        new_text: "server".into(),
                    }],
                ),
            );
        }
        let Some(svc_word) = &s.services else { return };
        let Some(action) = &s.action else { return };
        let action = self.action(action);
        let mut services = Vec::new();
        if let Some(custom) = &s.custom {
            let mut text =
                |w: &Option<Word>| w.as_ref().and_then(|w| self.expand(w)).unwrap_or_default();
            let (name, sp, cp) = (
                text(&custom.name),
                text(&custom.server_ports),
                text(&custom.client_ports),
            );
            let span = custom
                .server_ports
                .as_ref()
                .map(|w| w.span)
                .unwrap_or(svc_word.span);
            if let Some(def) = self.simple_def(&sp, &cp, span) {
                services.push(Service {
                    name,
                    span: svc_word.span,
                    def,
                });
            }
        } else if let Some(names) = self.expand(svc_word) {
            for name in split_list(&names) {
                if let Some(def) = self.resolve_service(name, svc_word.span, s) {
                    services.push(Service {
                        name: name.to_string(),
                        span: svc_word.span,
                        def,
                    });
                }
            }
        }
        let params: Vec<&Param> = s.params.iter().collect();
        let has_port_params = params.iter().any(|p| {
            matches!(
                p.kind,
                Some(ParamKind::Proto | ParamKind::Sport | ParamKind::Dport)
            )
        });
        if has_port_params
            && services
                .iter()
                .any(|s| matches!(s.def, ServiceDef::Simple { .. }))
        {
            let p = params
                .iter()
                .find(|p| {
                    matches!(
                        p.kind,
                        Some(ParamKind::Proto | ParamKind::Sport | ParamKind::Dport)
                    )
                })
                .unwrap();
            let mut d = Diagnostic::new(
                Code::ServiceOverrides,
                p.keyword.span,
                format!(
                    "the service's own protocol and ports replace `{}`",
                    p.kind.map(|k| k.name()).unwrap_or("?")
                ),
            )
            .with_label("ignored by FireHOL")
            .with_secondary(svc_word.span, "this service defines its protocol and ports");
            if services.iter().any(|s| s.name == "any" || s.name == "all") {
                d = d
                    .with_note("FireHOL 3.1.7 ignores this and accepts every protocol; fhc allows only the protocol given")
                    .with_help("for a configuration both tools read the same way: server custom myproto \"47/any\" any accept");
            } else {
                d = d.with_help(
                    "use `server custom NAME PROTO/PORTS CLIENT_PORTS ACTION` for other ports",
                );
            }
            self.diags.push(d);
        }
        let matches = self.build_match(&params, fams);
        let groups = self.groups.iter().map(|g| g.0.clone()).collect();
        self.model.sections[i].rules.push(Rule {
            span: c.span,
            role: s.role,
            services,
            action,
            matches,
            groups,
            families: fams,
        });
    }

    /// The parsed port list, or `None` after reporting why it is invalid.
    fn ports_or_report<T>(
        &mut self,
        parsed: Result<T, super::services::PortError>,
        span: Span,
        what: &str,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(Code::InvalidValue, span, e.to_string()).with_label(what),
                );
                None
            }
        }
    }

    /// A service from `server_X_ports`-style text (user definitions and `server custom`).
    fn simple_def(&mut self, server: &str, client: &str, span: Span) -> Option<ServiceDef> {
        use super::services::{parse_client_ports, parse_server_ports};
        let server =
            self.ports_or_report(parse_server_ports(server), span, "service server ports")?;
        let client =
            self.ports_or_report(parse_client_ports(client), span, "service client ports")?;
        Some(ServiceDef::Simple {
            server,
            client,
            helpers: vec![],
        })
    }

    fn resolve_service(&mut self, name: &str, span: Span, s: &ServiceCmd) -> Option<ServiceDef> {
        self.used_services.entry(name.to_string()).or_insert(span);
        // User definitions (server_X_ports) win over the built-in table, as in FireHOL.
        let user_server = self
            .env
            .get(&format!("server_{name}_ports"))
            .filter(|v| v.user)
            .map(|v| v.value.clone());
        if let Some(sp) = user_server {
            let cp = self
                .env
                .value(&format!("client_{name}_ports"))
                .unwrap_or("default")
                .to_string();
            return self.simple_def(&sp, &cp, span);
        }
        let _ = s;
        match super::services::lookup(name) {
            Some(found) => {
                let def = match found {
                    super::services::Service::Simple(x) => ServiceDef::Simple {
                        server: x.server.to_vec(),
                        client: x.client.to_vec(),
                        helpers: x.helpers.iter().map(|h| h.to_string()).collect(),
                    },
                    super::services::Service::Complex(c) => ServiceDef::Complex(c),
                };
                if found.is_dynamic() {
                    self.diags.push(
                        Diagnostic::new(Code::DynamicService, span, format!("`{name}` ports are discovered with rpcinfo when FireHOL runs"))
                            .with_label("cannot be resolved statically")
                            .with_help(format!("pin the ports and define the service: server_{name}_ports=\"tcp/2049 udp/2049 ...\"")),
                    );
                }
                Some(def)
            }
            None => {
                let mut d = Diagnostic::new(Code::UnknownService, span, format!("there is no service `{name}`"))
                    .with_label("unknown service")
                    .with_help(format!(
                        "define it first: server_{name}_ports=\"tcp/PORT\" and client_{name}_ports=\"default\", or use `server custom`"
                    ));
                if let Some(best) =
                    crate::syntax::validate::suggest(name, super::services::all_names())
                {
                    d = d.with_help(format!("did you mean `{best}`?"));
                    // Only a single-word service list can be fixed by replacing the word.
                    if self.text.get(span.range()).is_some_and(|t| t == name) {
                        d = d.with_fix(
                            format!("replace with `{best}`"),
                            vec![TextEdit {
                                span,
                                new_text: best.to_string(),
                            }],
                        );
                    }
                }
                self.diags.push(d);
                None
            }
        }
    }

    fn nat(&mut self, c: &Command, n: &NatCmd, fams: Families) {
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
            at: n
                .options
                .iter()
                .filter(|o| o.kind == NatOptionKind::At)
                .filter_map(|o| o.value.as_ref()?.literal().map(String::from))
                .collect(),
            user: None,
            matches,
            section: None,
            reverse: false,
        });
    }

    fn push_nat(&mut self, nat: Nat) {
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

    fn transparent(
        &mut self,
        c: &Command,
        ports: Option<&Word>,
        redirect: Option<&Word>,
        user: Option<&Word>,
        params: &[Param],
        fams: Families,
    ) {
        let kind = if c.cmd == Cmd::Tproxy {
            NatKind::Tproxy
        } else {
            NatKind::TransparentProxy
        };
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
        let mut targets = Vec::new();
        if let Some(w) = redirect
            && let Some(t) = self.expand(w)
        {
            match values::parse_port(&t) {
                Ok(p) => targets.push(NatTarget {
                    addr: None,
                    port: p,
                    text: t,
                }),
                Err(e) => self
                    .diags
                    .push(Diagnostic::new(Code::InvalidValue, w.span, e).with_label("local port")),
            }
        }
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
        let user = user.map(|users| self.owners(&users, user_word));
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
            at: vec![],
            user,
            matches,
            section: None,
            reverse: false,
        });
    }

    fn action_def(&mut self, c: &Command, a: &ActionDef, fams: Families) {
        let Some(name_w) = &a.name else { return };
        let Some(name) = self.expand(name_w) else {
            return;
        };
        if let Some(prev) = self.model.actions.iter().find(|x| x.name == name) {
            self.diags.push(
                Diagnostic::new(
                    Code::DuplicateAction,
                    name_w.span,
                    format!("action `{name}` is already defined"),
                )
                .with_label("second definition")
                .with_secondary(prev.name_span, "first defined here"),
            );
            return;
        }
        let mut steps = Vec::new();
        for s in &a.steps {
            let kind = s.kind.literal().unwrap_or("").to_ascii_lowercase();
            let ps: Vec<&Param> = s
                .params
                .iter()
                .filter(|p| p.kind != Some(ParamKind::Action))
                .collect();
            match kind.as_str() {
                "chain" | "action" => {
                    let verb = s
                        .args
                        .first()
                        .and_then(|w| self.expand(w))
                        .unwrap_or_default();
                    // `action reject with tcp-reset`: the words after `with`.
                    let skip = if s.args.get(1).is_some_and(|w| w.is_ci("with")) {
                        2
                    } else {
                        1
                    };
                    let with: Vec<String> = s
                        .args
                        .iter()
                        .skip(skip)
                        .filter_map(|w| self.expand(w))
                        .collect();
                    let verdict = verdict_of(&verb, &with);
                    if let (Verdict::Custom(n), Some(w)) = (&verdict, s.args.first()) {
                        self.action_refs.push((n.clone(), w.span));
                    }
                    steps.push(ir::ActionStep::Final(Action {
                        verdict,
                        with,
                        span: s.span,
                    }));
                }
                "rule" => {
                    let matches = self.build_match(&ps, fams);
                    let verdict = s
                        .params
                        .iter()
                        .find(|p| p.kind == Some(ParamKind::Action))
                        .and_then(|p| p.values.first())
                        .map(|w| {
                            let verb = self.expand(w).unwrap_or_default();
                            let verdict = verdict_of(&verb, &[]);
                            if let Verdict::Custom(n) = &verdict {
                                self.action_refs.push((n.clone(), w.span));
                            }
                            Action {
                                verdict,
                                with: vec![],
                                span: w.span,
                            }
                        });
                    steps.push(ir::ActionStep::Rule {
                        matches,
                        verdict,
                        span: s.span,
                    });
                }
                "sockets_suspects_trap" | "iptrap" | "ipuntrap" => {
                    let args: Vec<(String, Span)> = s
                        .args
                        .iter()
                        .filter_map(|w| Some((self.expand(w)?, w.span)))
                        .collect();
                    let matches = self.build_match(&ps, fams);
                    if let Some(trap) = self.action_trap(&kind, &args, s.span) {
                        steps.push(ir::ActionStep::Trap {
                            trap,
                            matches,
                            span: s.span,
                        });
                    }
                }
                _ => self.diags.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        s.kind.span,
                        format!(
                            "`{}` is not an action type",
                            s.kind.literal().unwrap_or("?")
                        ),
                    )
                    .with_label("expected chain, rule, iptrap, ipuntrap or sockets_suspects_trap"),
                ),
            }
        }
        self.model.actions.push(ir::ActionDef {
            name,
            span: c.span,
            name_span: name_w.span,
            families: fams,
            steps,
        });
    }

    fn finish(&mut self) {
        self.close_section();
        let defined: HashSet<String> = self.model.actions.iter().map(|a| a.name.clone()).collect();
        for (name, span) in std::mem::take(&mut self.action_refs) {
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
            if let Some(best) = crate::syntax::validate::suggest(&name, candidates.into_iter()) {
                d = d.with_help(format!("did you mean `{best}`?")).with_fix(
                    format!("replace with `{best}`"),
                    vec![TextEdit {
                        span,
                        new_text: best.to_string(),
                    }],
                );
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
        self.check_own_set_uses();
        self.check_helper_options();
        self.settings_and_sysctls();
    }

    fn settings_and_sysctls(&mut self) {
        let env = &self.env;
        let after = |name: &str, stmt: Option<usize>| -> Option<String> {
            let v = env.get(name)?;
            // Empty is "leave the kernel alone", as FireHOL's own defaults file writes it.
            if !v.user || v.value.is_empty() {
                return None;
            }
            match stmt {
                Some(s) if v.stmt < s => None,
                _ => Some(v.value.clone()),
            }
        };
        let last = self.last_synproxy_stmt;
        let synproxy = last.is_some();
        let st = &mut self.model.settings;
        st.drop_invalid = synproxy || env.value("FIREHOL_DROP_INVALID").is_some_and(|v| v == "1");
        let pick = |user: Option<String>, forced: &str| {
            if synproxy {
                user.or(Some(forced.to_string()))
            } else {
                user
            }
        };
        st.conntrack_loose_matching = pick(after("FIREHOL_CONNTRACK_LOOSE_MATCHING", last), "0");
        st.tcp_syn_cookies = pick(after("FIREHOL_TCP_SYN_COOKIES", last), "1");
        st.tcp_timestamps = pick(after("FIREHOL_TCP_TIMESTAMPS", last), "1");
        st.conntrack_max = after("FIREHOL_CONNTRACK_MAX", None).filter(|v| !v.is_empty());
        st.conntrack_hashsize = after("FIREHOL_CONNTRACK_HASHSIZE", None).filter(|v| !v.is_empty());
        if self
            .model
            .nats
            .iter()
            .any(|n| matches!(n.kind, NatKind::Dnat | NatKind::Snat))
        {
            st.routing = true;
        }
        let v4 = env.value("ENABLE_IPV4").is_none_or(|v| v != "0");
        let v6 = env.value("ENABLE_IPV6").is_none_or(|v| v != "0") && self.default_families.v6;
        self.model.families = Some(Families { v4, v6 });
        for var in [
            "FIREHOL_CONNTRACK_LOOSE_MATCHING",
            "FIREHOL_TCP_SYN_COOKIES",
            "FIREHOL_TCP_TIMESTAMPS",
            "FIREHOL_CONNTRACK_MAX",
            "FIREHOL_CONNTRACK_HASHSIZE",
        ] {
            if let Some(v) = self.env.get(var).filter(|v| v.user && !v.value.is_empty()) {
                self.model
                    .user_settings
                    .insert(var.to_string(), v.value.clone());
            }
        }
        let mut sysctls = Vec::new();
        let st = &self.model.settings;
        let reason_sp = "SYNPROXY needs it (FireHOL sets it whenever a synproxy is configured)";
        let mut push = |k: &str, v: &Option<String>, reason: &str| {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                sysctls.push(Sysctl {
                    key: k.into(),
                    value: v.clone(),
                    reason: reason.into(),
                });
            }
        };
        push(
            "net.netfilter.nf_conntrack_tcp_loose",
            &st.conntrack_loose_matching,
            reason_sp,
        );
        push("net.ipv4.tcp_syncookies", &st.tcp_syn_cookies, reason_sp);
        push("net.ipv4.tcp_timestamps", &st.tcp_timestamps, reason_sp);
        push(
            "net.netfilter.nf_conntrack_max",
            &st.conntrack_max,
            "FIREHOL_CONNTRACK_MAX",
        );
        if st.routing {
            push(
                "net.ipv4.ip_forward",
                &Some("1".into()),
                "routers and NAT forward traffic",
            );
        }
        sysctls.sort();
        self.model.sysctls = sysctls;
    }
}

/// A verdict word (case-insensitive built-ins; anything else names an action).
pub(super) fn verdict_of(verb: &str, with: &[String]) -> Verdict {
    match verb.to_ascii_lowercase().as_str() {
        "accept" => Verdict::Accept,
        "reject" => Verdict::Reject(with.first().cloned()),
        "drop" | "deny" => Verdict::Drop,
        "return" => Verdict::Return,
        "tarpit" => Verdict::Tarpit,
        "mirror" => Verdict::Mirror,
        "none" => Verdict::None,
        _ => Verdict::Custom(verb.to_string()),
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
    Ok(NatTarget {
        addr,
        port,
        text: tok.to_string(),
    })
}

/// Byte offset of the start of the line containing `at`.
pub(super) fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// The whole lines a statement occupies, with the final newline.
pub(super) fn full_lines(text: &str, span: Span) -> Span {
    let start = line_start(text, span.start);
    let end = text[span.end.min(text.len())..]
        .find('\n')
        .map(|i| span.end + i + 1)
        .unwrap_or(text.len());
    Span::new(start, end)
}

/// Edits that move the statement at `span` (whole lines) to just before the line of `before`.
pub(super) fn move_line_edits(text: &str, span: Span, before: Span) -> Vec<TextEdit> {
    let lines = full_lines(text, span);
    let mut moved = text[lines.range()].to_string();
    if !moved.ends_with('\n') {
        moved.push('\n');
    }
    // Statements inside sections are indented; at top level they start at column 0.
    let moved = moved
        .lines()
        .map(|l| {
            if l.starts_with(char::is_whitespace) {
                l.trim_start()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let at = line_start(text, before.start);
    vec![
        TextEdit {
            span: Span::new(at, at),
            new_text: moved,
        },
        TextEdit {
            span: lines,
            new_text: String::new(),
        },
    ]
}
