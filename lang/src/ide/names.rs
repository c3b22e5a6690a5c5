//! The symbol table of a file: the names it defines and uses (actions, user services, variables,
//! sections), where each is written, and what a variable holds at each place it is used. One
//! table, built once per version, serves hover, completion, go to definition, references and
//! rename.
//!
//! The occurrences come from the tree. The values come from [`super::bindings`], which replays
//! the model's own evaluation of assignments (source order, the prelude's variables first), so a
//! variable's value at a use is the one the model expands there.

use super::Place;
use super::bindings::{self, Binding, Origin, Timeline};
use crate::Span;
use crate::model::services;
use crate::prelude::Prelude;
use crate::syntax::Parse;
use crate::syntax::ast::{
    CommandKind, ParamKind, RuleAction, ShellStmt, Stmt, StmtKind, SynproxyVerb,
};
use crate::syntax::keywords::is_builtin_action;
use crate::syntax::words::{Piece, Word};

/// A name the file defines or uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Sym {
    /// `action NAME ...` and its uses as a verdict.
    Action(String),
    /// `server_NAME_ports=` / `client_NAME_ports=` and the uses of NAME in server/client/route.
    Service(String),
    /// `NAME=` and `$NAME` / `${NAME}`.
    Variable(String),
    /// The NAME of `interface IFACE NAME` / `router NAME`.
    Section(String),
    /// A shell function: `NAME() {` / `function NAME {` and the commands that call it.
    Function(String),
}

impl Sym {
    pub fn name(&self) -> &str {
        match self {
            Sym::Action(n)
            | Sym::Service(n)
            | Sym::Variable(n)
            | Sym::Section(n)
            | Sym::Function(n) => n,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Sym::Action(_) => "action",
            Sym::Service(_) => "service",
            Sym::Variable(_) => "variable",
            Sym::Section(_) => "section",
            Sym::Function(_) => "function",
        }
    }

    /// Whether `new` is a valid name for this kind of symbol.
    pub fn valid_name(&self, new: &str) -> bool {
        let ident = |s: &str, extra: &str| {
            let mut c = s.chars();
            c.next()
                .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
                && c.all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(c))
        };
        match self {
            Sym::Variable(_) => ident(new, ""),
            Sym::Service(_) => ident(new, ""),
            Sym::Action(_) => ident(new, "-") && !is_builtin_action(new),
            Sym::Section(_) => ident(new, "-."),
            Sym::Function(_) => ident(new, "-."),
        }
    }
}

/// One place a name is written. `span` covers the name only (`NAME` of `${NAME}`, `X` of
/// `server_X_ports`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub sym: Sym,
    pub span: Span,
    pub def: bool,
}

/// The symbol table of one file.
#[derive(Clone, Debug)]
pub struct Names {
    occs: Vec<Occurrence>,
    /// Uses of built-in services the file does not redefine: not symbols (nothing to rename or
    /// go to), but document highlight shows them.
    builtin_uses: Vec<Occurrence>,
    timeline: Timeline,
    /// Services the prelude defines (`server_X_ports`/`client_X_ports` there).
    prelude_services: Vec<String>,
    /// Variables the prelude sets, in order.
    prelude_vars: Vec<String>,
    /// Where the prelude set each of its variables.
    prelude_origins: std::collections::HashMap<String, (usize, Span)>,
}

impl Names {
    pub fn new(text: &str, analysis: &crate::Analysis, prelude: &Prelude) -> Names {
        let parse = &analysis.parse;
        let prelude_vars: Vec<String> = prelude.names().into_iter().map(String::from).collect();
        let prelude_services = services_of(prelude_vars.iter().map(String::as_str));
        let prelude_origins = prelude_vars
            .iter()
            .filter_map(|n| Some((n.clone(), prelude.origin(n)?)))
            .collect();
        let (occs, builtin_uses) = index(text, parse, &prelude_services);
        Names {
            occs,
            builtin_uses,
            timeline: bindings::replay(&analysis.evaluation, prelude),
            prelude_services,
            prelude_vars,
            prelude_origins,
        }
    }

    /// Every occurrence, in source order.
    pub fn all(&self) -> &[Occurrence] {
        &self.occs
    }

    /// The occurrence under the cursor. The innermost one wins (the `X` of `server_X_ports` is
    /// the service, the rest the variable); between a name ending at the cursor and one starting
    /// there, the latter.
    pub fn at(&self, offset: usize) -> Option<&Occurrence> {
        self.occs
            .iter()
            .filter(|o| o.span.start <= offset && offset <= o.span.end)
            .min_by_key(|o| (o.span.end == offset && o.span.start < offset, o.span.len()))
    }

    /// Every use of the built-in service under the cursor, when that is what it is (the file
    /// does not redefine it).
    pub fn builtin_service_uses(&self, offset: usize) -> Vec<&Occurrence> {
        let Some(at) = self
            .builtin_uses
            .iter()
            .find(|o| o.span.start <= offset && offset <= o.span.end)
        else {
            return Vec::new();
        };
        self.builtin_uses
            .iter()
            .filter(|o| o.sym == at.sym)
            .collect()
    }

    /// Every occurrence of `sym`.
    pub fn of<'a>(&'a self, sym: &'a Sym) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occs.iter().filter(move |o| &o.sym == sym)
    }

    /// What variable `name` holds at `offset`: the value the model expands there, and which
    /// assignment (in this file or a prelude file) set it.
    pub fn value_at(&self, name: &str, offset: usize) -> Binding {
        self.timeline
            .at(name, offset, |n| self.prelude_origins.get(n).copied())
    }

    /// What a variable occurrence stands for: at a use, the value in force there; at an
    /// assignment, the value it assigns (`None` for other symbols).
    pub fn binding(&self, o: &Occurrence) -> Option<Binding> {
        let Sym::Variable(name) = &o.sym else {
            return None;
        };
        if o.def {
            return Some(Binding {
                value: self.timeline.assigned(o.span),
                origin: Origin::Here(o.span),
            });
        }
        Some(self.value_at(name, o.span.start))
    }

    /// Where `sym` is defined. In this file first (every definition: a service has two); a
    /// variable or service the file does not define may come from a prelude file.
    pub fn definitions(&self, sym: &Sym) -> Vec<Place> {
        let here: Vec<Place> = self
            .of(sym)
            .filter(|o| o.def)
            .map(|o| Place::Here(o.span))
            .collect();
        if !here.is_empty() {
            return here;
        }
        let vars = match sym {
            Sym::Variable(n) => vec![n.clone()],
            Sym::Service(n) => vec![format!("server_{n}_ports"), format!("client_{n}_ports")],
            Sym::Action(_) | Sym::Section(_) | Sym::Function(_) => Vec::new(),
        };
        vars.iter()
            .filter_map(|v| self.prelude_origins.get(v))
            .map(|&(file, span)| Place::Prelude(file, span))
            .collect()
    }

    /// Services the prelude files define.
    pub fn prelude_services(&self) -> &[String] {
        &self.prelude_services
    }

    /// Variables the prelude files set.
    pub fn prelude_variables(&self) -> &[String] {
        &self.prelude_vars
    }
}

/// The services `server_X_ports`/`client_X_ports` variables define, each once.
fn services_of<'a>(vars: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in vars {
        if let Some((svc, _)) = service_def_name(v, Span::default())
            && !out.iter().any(|s| s == svc)
        {
            out.push(svc.to_string());
        }
    }
    out
}

/// Every occurrence of a user-defined name in the file, in source order; then the uses of
/// built-in services the file does not redefine.
fn index(
    text: &str,
    parse: &Parse,
    prelude_services: &[String],
) -> (Vec<Occurrence>, Vec<Occurrence>) {
    let mut out = Vec::new();
    for s in &parse.file.stmts {
        stmt(text, s, &mut out);
    }
    // Calls: a command word naming a function the file defines.
    let functions: Vec<String> = out
        .iter()
        .filter_map(|o| match &o.sym {
            Sym::Function(n) if o.def => Some(n.clone()),
            _ => None,
        })
        .collect();
    for s in &parse.file.stmts {
        calls(s, &functions, &mut out);
    }
    for p in &parse.pieces {
        if let Piece::Word(w) = p {
            for (name, span) in expansion_names(text, w) {
                out.push(Occurrence {
                    sym: Sym::Variable(name),
                    span,
                    def: false,
                });
            }
            for (name, span) in w.vars() {
                let raw = text.get(span.range()).unwrap_or("");
                let span = if raw.starts_with("${") {
                    Span::new(span.start + 2, span.end.saturating_sub(1))
                } else {
                    Span::new(span.start + 1, span.end)
                };
                out.push(Occurrence {
                    sym: Sym::Variable(name.to_string()),
                    span,
                    def: false,
                });
            }
        }
    }
    // A built-in service name is only a symbol where the file or the prelude (re)defines it.
    let defined: Vec<String> = out
        .iter()
        .filter(|o| o.def)
        .filter_map(|o| match &o.sym {
            Sym::Service(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    let (mut out, mut builtin): (Vec<Occurrence>, Vec<Occurrence>) =
        out.into_iter().partition(|o| match &o.sym {
            Sym::Service(n) => {
                o.def
                    || defined.contains(n)
                    || prelude_services.contains(n)
                    || services::lookup(n).is_none()
            }
            _ => true,
        });
    for list in [&mut out, &mut builtin] {
        list.sort_by_key(|o| (o.span.start, o.span.end));
        list.dedup();
    }
    (out, builtin)
}

/// `server_X_ports` / `client_X_ports` -> the span of X.
pub fn service_def_name(name: &str, name_span: Span) -> Option<(&str, Span)> {
    let rest = name
        .strip_prefix("server_")
        .or_else(|| name.strip_prefix("client_"))?;
    let svc = rest.strip_suffix("_ports")?;
    if svc.is_empty() {
        return None;
    }
    let start = name_span.start + "server_".len();
    Some((svc, Span::new(start, start + svc.len())))
}

/// The service names of a server/client/route list word, with their spans (`"http https"`,
/// `http,https`). Names containing expansions are skipped.
pub fn service_names(text: &str, w: &Word) -> Vec<(String, Span)> {
    let raw = text.get(w.span.range()).unwrap_or("");
    let mut out = Vec::new();
    let mut start = None;
    let push = |s: usize, e: usize, out: &mut Vec<(String, Span)>| {
        let name = &raw[s..e];
        if !name.contains('$') {
            out.push((
                name.to_string(),
                Span::new(w.span.start + s, w.span.start + e),
            ));
        }
    };
    for (i, c) in raw.char_indices() {
        let sep = c.is_whitespace() || matches!(c, ',' | '"' | '\'' | '\\');
        match (sep, start) {
            (true, Some(s)) => {
                push(s, i, &mut out);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, raw.len(), &mut out);
    }
    out
}

fn action_use(w: &Word, out: &mut Vec<Occurrence>) {
    if let Some(name) = w.bare()
        && !is_builtin_action(name)
    {
        out.push(Occurrence {
            sym: Sym::Action(name.to_string()),
            span: w.span,
            def: false,
        });
    }
}

fn rule_action(a: &Option<RuleAction>, out: &mut Vec<Occurrence>) {
    if let Some(a) = a {
        action_use(&a.verb, out);
    }
}

/// The calls of the file's functions (the first word of a statement naming one).
fn calls(s: &Stmt, functions: &[String], out: &mut Vec<Occurrence>) {
    let name = match &s.kind {
        StmtKind::Unknown(u) => &u.name,
        StmtKind::Command(c) if c.family.is_none() => &c.name,
        StmtKind::Shell(ShellStmt::List { items, .. }) => {
            items.iter().for_each(|i| calls(i, functions, out));
            return;
        }
        _ => return,
    };
    if let Some(n) = name.bare()
        && functions.iter().any(|f| f == n)
    {
        out.push(Occurrence {
            sym: Sym::Function(n.to_string()),
            span: name.span,
            def: false,
        });
    }
}

/// The variables `${NAME:-x}`, `${#NAME}`, `${NAME[@]}` ... read (the name's span), which the
/// lexer leaves to the evaluator.
fn expansion_names(text: &str, w: &Word) -> Vec<(String, Span)> {
    w.opaque_parts()
        .into_iter()
        .filter(|(o, _)| {
            matches!(
                o,
                crate::syntax::words::Opaque::ComplexExpansion
                    | crate::syntax::words::Opaque::ArrayExpansion
            )
        })
        .filter_map(|(_, span)| {
            let raw = text.get(span.range())?;
            let inner = raw.strip_prefix("${")?;
            let skip = usize::from(inner.starts_with('#') && inner.len() > 2);
            let name_len = inner[skip..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len() - skip);
            let name = &inner[skip..skip + name_len];
            let ok = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            let start = span.start + 2 + skip;
            ok.then(|| (name.to_string(), Span::new(start, start + name_len)))
        })
        .collect()
}

/// What the shell statements define: functions, loop variables, `local`/`export`/`readonly`
/// assignments.
fn shell_defs(sh: &ShellStmt, out: &mut Vec<Occurrence>) {
    match sh {
        ShellStmt::FunctionDef { name } => {
            if let Some(n) = name.bare() {
                out.push(Occurrence {
                    sym: Sym::Function(n.to_string()),
                    span: name.span,
                    def: true,
                });
            }
        }
        // `for NAME in ...` sets NAME.
        ShellStmt::For { var: Some(v), .. } => {
            if let Some(n) = v.bare() {
                out.push(Occurrence {
                    sym: Sym::Variable(n.to_string()),
                    span: v.span,
                    def: true,
                });
            }
        }
        // `local NAME=...`, `export NAME`, `readonly NAME=...`: NAME is set.
        ShellStmt::Builtin { name, args, .. }
            if matches!(
                name.bare(),
                Some("local" | "declare" | "typeset" | "export" | "readonly")
            ) =>
        {
            for a in args {
                if let Some(asg) = crate::syntax::parser::assignment_word(a) {
                    out.push(Occurrence {
                        sym: Sym::Variable(asg.name.clone()),
                        span: asg.name_span,
                        def: true,
                    });
                }
            }
        }
        _ => {}
    }
}

fn stmt(text: &str, s: &Stmt, out: &mut Vec<Occurrence>) {
    match &s.kind {
        StmtKind::Assignment(list) => {
            for a in list {
                out.push(Occurrence {
                    sym: Sym::Variable(a.name.clone()),
                    span: a.name_span,
                    def: true,
                });
                if let Some((svc, span)) = service_def_name(&a.name, a.name_span) {
                    out.push(Occurrence {
                        sym: Sym::Service(svc.to_string()),
                        span,
                        def: true,
                    });
                }
            }
        }
        StmtKind::Shell(ShellStmt::List { items, .. }) => {
            for i in items {
                stmt(text, i, out);
            }
        }
        StmtKind::Command(c) => {
            for p in c.params() {
                if p.kind == Some(ParamKind::Action)
                    && let Some(v) = p.value()
                {
                    action_use(v, out);
                }
            }
            match &c.kind {
                CommandKind::Interface { name: Some(n), .. }
                | CommandKind::Router { name: Some(n), .. } => {
                    if let Some(l) = n.bare() {
                        out.push(Occurrence {
                            sym: Sym::Section(l.to_string()),
                            span: n.span,
                            def: true,
                        });
                    }
                }
                CommandKind::Action(def) => {
                    if let Some(n) = &def.name
                        && let Some(l) = n.bare()
                    {
                        out.push(Occurrence {
                            sym: Sym::Action(l.to_string()),
                            span: n.span,
                            def: true,
                        });
                    }
                    for step in &def.steps {
                        if (step.kind.is("chain") || step.kind.is("action"))
                            && let Some(a) = step.args.first()
                        {
                            action_use(a, out);
                        }
                    }
                }
                CommandKind::Service(svc) => {
                    if let Some(w) = &svc.services
                        && svc.custom.is_none()
                    {
                        for (name, span) in service_names(text, w) {
                            out.push(Occurrence {
                                sym: Sym::Service(name),
                                span,
                                def: false,
                            });
                        }
                    }
                    rule_action(&svc.action, out);
                }
                CommandKind::Policy { action } => rule_action(action, out),
                CommandKind::Synproxy(sp) => {
                    if let Some(a) = &sp.action
                        && a.verb == SynproxyVerb::Action
                        && let Some(t) = &a.target
                    {
                        action_use(t, out);
                    }
                }
                _ => {}
            }
        }
        StmtKind::Shell(sh) => shell_defs(sh, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "LAN=\"10.0.0.0/8\"\nserver_myapp_ports=\"tcp/8080\"\nclient_myapp_ports=default\naction MYDROP chain drop\ninterface eth0 lan src \"$LAN\" dst ${LAN}\n    policy MYDROP\n    server \"ssh myapp\" MYDROP\n    server myapp,http accept\n";

    fn names_of(text: &str, prelude: &Prelude) -> Names {
        Names::new(text, &crate::analyze_with(text, prelude), prelude)
    }

    fn idx() -> Names {
        names_of(TEXT, &Prelude::none())
    }

    fn texts(sym: Sym) -> Vec<(&'static str, bool)> {
        idx()
            .of(&sym)
            .map(|o| (&TEXT[o.span.range()], o.def))
            .collect()
    }

    #[test]
    fn variables_defined_and_used_inside_quotes() {
        assert_eq!(
            texts(Sym::Variable("LAN".into())),
            vec![("LAN", true), ("LAN", false), ("LAN", false)]
        );
    }

    #[test]
    fn user_services_from_definitions_and_lists() {
        let v = texts(Sym::Service("myapp".into()));
        assert_eq!(
            v,
            vec![
                ("myapp", true),
                ("myapp", true),
                ("myapp", false),
                ("myapp", false)
            ]
        );
        // Built-in services the file does not define are not symbols.
        assert_eq!(texts(Sym::Service("ssh".into())), vec![]);
    }

    #[test]
    fn actions_and_sections() {
        assert_eq!(
            texts(Sym::Action("MYDROP".into())),
            vec![("MYDROP", true), ("MYDROP", false), ("MYDROP", false)]
        );
        assert_eq!(texts(Sym::Section("lan".into())), vec![("lan", true)]);
        let at_use = TEXT.rfind("MYDROP").unwrap() + 2;
        assert_eq!(
            idx().at(at_use).map(|o| o.sym.clone()),
            Some(Sym::Action("MYDROP".into()))
        );
    }

    #[test]
    fn rename_validation() {
        assert!(Sym::Variable("A".into()).valid_name("B_2"));
        assert!(!Sym::Variable("A".into()).valid_name("2B"));
        assert!(!Sym::Action("A".into()).valid_name("accept"));
        assert!(!Sym::Service("a".into()).valid_name("a b"));
    }

    #[test]
    fn uses_carry_the_value_in_force_and_its_assignment() {
        let text = "X=\"a b\"\nY=\"$X c\"\nX=z\ninterface eth0 lan src \"$Y $X\"\n";
        let n = names_of(text, &Prelude::none());
        let vals: Vec<(&str, bool, Option<String>)> = n
            .all()
            .iter()
            .filter_map(|o| Some((&text[o.span.range()], o.def, n.binding(o)?.value)))
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            vals,
            vec![
                ("X", true, s("a b")),
                ("Y", true, s("a b c")),
                ("X", false, s("a b")),
                ("X", true, s("z")),
                ("Y", false, s("a b c")),
                ("X", false, s("z")),
            ]
        );
        let y_use = n.at(text.find("$Y").unwrap() + 1).unwrap();
        assert_eq!(
            n.binding(y_use).unwrap().origin,
            Origin::Here(Span::new(8, 9))
        );
    }

    #[test]
    fn the_prelude_defines_services_and_variables() {
        let mut p = Prelude::none();
        p.add_defaults(
            "/ws/firehol-defaults.conf",
            "LAN=10.0.0.0/8\nserver_ssh_ports=tcp/2222\nclient_ssh_ports=default\n",
        );
        let text = "interface eth0 lan src \"$LAN\"\n    server ssh accept\n";
        let n = names_of(text, &p);
        let ssh = n
            .at(text.find("ssh").unwrap())
            .expect("ssh is a symbol now");
        assert_eq!(ssh.sym, Sym::Service("ssh".into()));
        let defs = n.definitions(&ssh.sym);
        assert_eq!(defs.len(), 2);
        assert!(matches!(defs[0], Place::Prelude(0, _)));
        let lan = n.at(text.find("LAN").unwrap()).unwrap();
        let b = n.binding(lan).unwrap();
        assert_eq!(b.value.as_deref(), Some("10.0.0.0/8"));
        assert_eq!(b.origin, Origin::Prelude(0, Span::new(0, 3)));
        assert_eq!(n.prelude_services(), ["ssh"]);
    }
}
